#!/bin/bash
# tests/analyzer_test.sh BINARY_DIR SOURCE_DIR WORK_DIR C_COMPILER TALLY [SANITIZE]
#
# The reference analyzer (examples/analyzer) as a user builds it: tally is
# installed into a scratch prefix, the example is configured against it
# with find_package(tally) and built, then run on tests/data/analyzer/src:
#   1. its SARIF holds exactly the findings of tests/data/analyzer/EXPECTED
#      (worked out by hand), and its counts are those findings' counts;
#   2. --plain (the same detectors without tally) prints the same counts
#      and writes the same bytes;
#   3. with a cache, a second run scans nothing and writes the same bytes,
#      and after one file changes only that file is scanned again;
#   4. `tally summary` reads the SARIF back to the same counts;
#   5. --help exits 0, no directory exits 2, an unreadable tree exits 2.
set -euo pipefail
bin=$1 src=$2 work=$3 cc=$4 tally=$5 san=${6:-}

rm -rf "$work"
mkdir -p "$work"
fail() { echo "analyzer_test: $*" >&2; exit 1; }

cmake --install "$bin" --prefix "$work/prefix" >/dev/null
cmake -S "$src/examples/analyzer" -B "$work/build" \
    -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" >/dev/null
cmake --build "$work/build" >/dev/null
scan=$work/build/tally-scan
LD_LIBRARY_PATH=$(echo "$work"/prefix/lib* "$work"/prefix/lib/*/ | tr ' ' ':')
export LD_LIBRARY_PATH

data=$src/tests/data/analyzer
cd "$data"
"$scan" --no-progress -o "$work/cold.sarif" src >"$work/cold.txt" ||
    fail "cold run failed"

# 1 and 4: the findings against EXPECTED, the counts against both.
python3 - "$work/cold.sarif" "$work/cold.txt" EXPECTED "$tally" <<'EOF'
import collections, json, subprocess, sys

sarif, counts, expected, tally = sys.argv[1:]
want, msgs = [], {}
for line in open(expected):
    if line.startswith("#") or not line.strip():
        continue
    key, _, msg = line.rstrip("\n").partition(" | ")
    want.append(key)
    if msg:
        msgs[key] = msg
got = {}
for r in json.load(open(sarif))["runs"][0]["results"]:
    loc = r["locations"][0]["physicalLocation"]
    key = "%s:%d:%d %s %s" % (loc["artifactLocation"]["uri"],
        loc["region"]["startLine"], loc["region"]["startColumn"],
        r["ruleId"], r["level"])
    got[key] = r["message"]["text"]
missing = sorted(set(want) - set(got))
extra = sorted(set(got) - set(want))
if missing or extra:
    sys.exit("findings differ:\n missing %s\n extra %s" % (missing, extra))
for k, m in msgs.items():
    if got[k] != m:
        sys.exit("%s: message %r, expected %r" % (k, got[k], m))

# The counts tally-scan printed: those of the expected findings.
rules = collections.Counter(k.split()[1] for k in want)
levels = collections.Counter(k.split()[2] for k in want)
printed = dict(l.rsplit(" ", 1) for l in open(counts) if
               l.startswith(("rule ", "level ")))
for name, n in list(rules.items()) + list(levels.items()):
    key = ("rule " if name in rules else "level ") + name
    if int(printed.get(key, 0)) != n:
        sys.exit("%s: printed %s, expected %d" % (key, printed.get(key), n))
if sum(int(v) for k, v in printed.items() if k.startswith("rule ")) != \
        len(want):
    sys.exit("rule counts do not add up to %d" % len(want))
first = open(counts).readline().split()
if first[:2] != ["files", "5"]:
    sys.exit("expected 5 sources (src/notes.txt is not one): %s" % first)

# tally itself reads the log back to the same counts.
s = json.loads(subprocess.run([tally, "summary", "--format", "json", sarif],
    check=True, capture_output=True, text=True).stdout)
if s["unique"] != len(want) or s["by_level"] != dict(levels):
    sys.exit("tally summary: %d unique, %s" % (s["unique"], s["by_level"]))
if {r["rule"]: r["count"] for r in s["by_rule"]} != dict(rules):
    sys.exit("tally summary by rule: %s" % s["by_rule"])
EOF

# 2: the baseline agrees.
"$scan" --plain -o "$work/plain.sarif" src >"$work/plain.txt" ||
    fail "plain run failed"
cmp -s "$work/cold.sarif" "$work/plain.sarif" || fail "plain SARIF differs"
diff <(tail -n +2 "$work/cold.txt") <(tail -n +2 "$work/plain.txt") ||
    fail "plain counts differ"

# 3: the cache. A copy of the tree, so that a file can change.
cp -r src "$work/tree"
cd "$work"
"$scan" --no-progress -c cache -o c1.sarif tree >c1.txt
"$scan" --no-progress -c cache -o c2.sarif tree >c2.txt
grep -qx 'files 5 scanned 5 cached 0 unreadable 0' c1.txt ||
    fail "first cached run: $(head -1 c1.txt)"
grep -qx 'files 5 scanned 0 cached 5 unreadable 0' c2.txt ||
    fail "second cached run: $(head -1 c2.txt)"
cmp -s c1.sarif c2.sarif || fail "warm SARIF differs from cold"
diff <(tail -n +2 c1.txt) <(tail -n +2 c2.txt) || fail "warm counts differ"
printf 'void h(char *b) { gets(b); }\n' >>tree/empty.c
"$scan" --no-progress -c cache -o c3.sarif tree >c3.txt
grep -qx 'files 5 scanned 1 cached 4 unreadable 0' c3.txt ||
    fail "after a change: $(head -1 c3.txt)"
grep -qx 'findings 20 unique 20' c3.txt || fail "after a change: $(sed -n 2p c3.txt)"
grep -qx 'level error 3' c3.txt || fail "the new gets() is not counted"

# 5: the command line.
"$scan" --help | grep -q '^usage: tally-scan' || fail "--help"
rc=0; "$scan" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "no directory: exit $rc, expected 2"
rc=0; "$scan" --no-progress "$work/no-such-dir" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "missing directory: exit $rc, expected 2"
echo "analyzer_test: ok (19 findings as expected, plain and warm agree)"
