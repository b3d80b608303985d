#!/bin/bash
# perf/native_formats.sh [RUNS] - the native readers' speed, on one core
# (taskset -c 0), RUNS runs each (default 5), median and best MB/s of
# `tally summary --stats` (input bytes over wall time, conversion and
# counting included):
#   ShellCheck json1: the corpus's git/shellcheck.json1.json (3.7 MB, real);
#   checkstyle:       the same comments re-encoded here as ShellCheck's
#                     checkstyle formatter writes them (the corpus has no
#                     checkstyle log; `shellcheck -f checkstyle` writes the
#                     same fields, see tests/data/formats);
#   gcc-json:         the corpus's git/gcc-wall-wextra.jsonl, 40 copies in
#                     one file (110 KB real; repeated to be timed);
#   cppcheck-xml:     tests/data/formats/cppcheck/zlib-examples.xml, 100
#                     copies as 100 inputs (27 KB real);
#   clang-tidy-yaml:  the corpus's curl/clang-tidy-export-fixes.yaml.gz,
#                     decompressed (real).
# Then, when the SARIF Multitool is installed (../shared/peers/setup.sh),
# the targets against its converters, same files, same run: its `convert
# -t CppCheck` plus tally's read of its SARIF against tally reading the
# XML; and its `convert -t ClangTidy` of the corpus's curl YAML, with the
# keys it cannot read (Level, BuildDirectory, Ranges) stripped first as
# the corpus's MANIFEST says, plus tally's read, against tally reading the
# YAML as clang-tidy wrote it.
#
# $TALLY: the tally binary (default build/release/tally);
# $TALLY_CORPUS_DIR: the corpus (default ../shared/corpus).
set -eu
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" = "--help" ]; then
	perf_usage
	exit 0
fi
runs=${1:-5}
tally=$(perf_tally)
corpus=$(perf_corpus "${TALLY_CORPUS_DIR:-}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=$perf_root/tests/data/formats

json1=$corpus/git/shellcheck.json1.json
python3 - "$json1" "$work/checkstyle.xml" <<'PY'
import json, sys
from xml.sax.saxutils import quoteattr
doc = json.load(open(sys.argv[1], encoding="utf-8"))
sev = {"error": "error", "warning": "warning", "info": "info",
       "style": "info"}
files = {}
for c in doc["comments"]:
    files.setdefault(c["file"], []).append(c)
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write("<?xml version='1.0' encoding='UTF-8'?>\n"
              "<checkstyle version='4.3'>\n")
    for f, cs in files.items():
        out.write("<file name=%s >\n" % quoteattr(f))
        for c in cs:
            out.write("<error line='%d' column='%d' severity='%s' "
                      "message=%s source='ShellCheck.SC%d' />\n" %
                      (c["line"], c["column"], sev[c["level"]],
                       quoteattr(c["message"]), c["code"]))
        out.write("</file>\n")
    out.write("</checkstyle>\n")
PY
for _ in $(seq 40); do cat "$corpus/git/gcc-wall-wextra.jsonl"; done \
    >"$work/gcc.jsonl"
zcat "$corpus/curl/clang-tidy-export-fixes.yaml.gz" >"$work/tidy.yaml"
cc_inputs=""
for i in $(seq 100); do
	cp "$data/cppcheck/zlib-examples.xml" "$work/cc$i.xml"
	cc_inputs="$cc_inputs $work/cc$i.xml"
done

perf_stamp
# mbs NAME FILE...: RUNS timings of summary over FILE...
mbs() {
	name=$1
	shift
	for _ in $(seq "$runs"); do
		taskset -c 0 "$tally" summary --no-progress --stats "$@" 2>&1 \
		    >/dev/null | sed -n "s/.* = \([0-9.]*\) MB\/s.*/$name \1/p"
	done
}
{
	mbs shellcheck-json1 "$json1"
	mbs checkstyle "$work/checkstyle.xml"
	mbs gcc-json "$work/gcc.jsonl"
	# shellcheck disable=SC2086 # the list is words
	mbs cppcheck-xml $cc_inputs
	mbs clang-tidy-yaml "$work/tidy.yaml"
} >"$work/mbs"
sort -k1,1 -k2n "$work/mbs" | awk '
	{ v[$1, ++n[$1]] = $2 }
	END {
		for (k in n)
			printf "%-17s median %7.1f MB/s, best %7.1f MB/s " \
			    "(%d runs; target for XML >= 200)\n", k,
			    v[k, int((n[k] + 1) / 2)], v[k, n[k]], n[k]
	}'
printf '# sizes: json1 %s B, checkstyle %s B, gcc %s B, cppcheck %s B x 100, yaml %s B\n' \
    "$(stat -c %s "$json1")" "$(stat -c %s "$work/checkstyle.xml")" \
    "$(stat -c %s "$work/gcc.jsonl")" \
    "$(stat -c %s "$data/cppcheck/zlib-examples.xml")" \
    "$(stat -c %s "$work/tidy.yaml")"

if [ -z "${MULTITOOL:-}" ] && [ -d "$HOME/.cache/tally-peers" ]; then
	eval "$(bash "$perf_root/../shared/peers/setup.sh" | grep '^MULTITOOL=')"
fi
if [ -z "${MULTITOOL:-}" ]; then
	echo "# no SARIF Multitool (../shared/peers/setup.sh): cppcheck" \
	    "target not measured"
	exit 0
fi
xml=$data/cppcheck/zlib-examples.xml
# secs N CMD...: mean wall seconds of N runs of CMD (a process each)
secs() {
	n=$1
	shift
	t0=$(date +%s%N)
	for _ in $(seq "$n"); do "$@" >/dev/null 2>&1; done
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.6f", (b - a) / n / 1e9 }'
}
mt_s=$(secs 3 "$MULTITOOL" convert -t CppCheck "$xml" -o "$work/mt.sarif" \
    --log ForceOverwrite)
mr_s=$(secs 50 "$tally" summary --no-progress "$work/mt.sarif")
t_s=$(secs 50 "$tally" summary --no-progress "$xml")
awk -v m="$mt_s" -v r="$mr_s" -v t="$t_s" 'BEGIN {
	printf "cppcheck XML (27 KB): Multitool convert %.3f s + tally read " \
	    "%.4f s; tally reading the XML %.4f s: %.0fx (target >= 100x; " \
	    "means of 3, 50 and 50 runs, each a process, start-up " \
	    "included)\n", m, r, t, (m + r) / t }'
python3 - "$work/tidy.yaml" "$work/stripped.yaml" <<'PY'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1], encoding="utf-8")))
for doc in docs:
    for d in doc.get("Diagnostics") or []:
        d.pop("Level", None)
        d.pop("BuildDirectory", None)
        d.get("DiagnosticMessage", {}).pop("Ranges", None)
        for n in d.get("Notes") or []:
            n.pop("Ranges", None)
yaml.safe_dump_all(docs, open(sys.argv[2], "w", encoding="utf-8"))
PY
mt_s=$(secs 1 "$MULTITOOL" convert -t ClangTidy "$work/stripped.yaml" \
    -o "$work/mt-tidy.sarif" --log ForceOverwrite)
mr_s=$(secs 5 "$tally" summary --no-progress "$work/mt-tidy.sarif")
t_s=$(secs 5 "$tally" summary --no-progress "$work/tidy.yaml")
awk -v m="$mt_s" -v r="$mr_s" -v t="$t_s" 'BEGIN {
	printf "clang-tidy YAML (curl): Multitool convert %.3f s + tally " \
	    "read %.4f s; tally reading the YAML %.4f s: %.0fx (target >= " \
	    "100x; means of 1, 5 and 5 runs)\n", m, r, t, (m + r) / t }'
for f in "$work/mt-tidy.sarif" "$work/tidy.yaml"; do
	"$tally" summary --format json "$f" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("# %s: %d results, %d unique, levels %s" % (sys.argv[1],
      d["total"], d["unique"], d["by_level"]))' "$(basename "$f")"
done
"$tally" summary --format json "$work/mt.sarif" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("# the Multitool'"'"'s SARIF: levels %s (tally, same XML: see below)"
      % d["by_level"])'
"$tally" summary --format json "$xml" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("# tally from the XML: levels %s" % d["by_level"])'
