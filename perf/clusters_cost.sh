#!/bin/sh
# perf/clusters_cost.sh [CORPUS] - what correlation costs `tally summary`.
# Runs `tally summary --stats` over every *.sarif of the corpus pinned to
# one CPU, alternately without and with --clusters, $RUNS times each
# (default 7), and prints both medians and their ratio. Then the clusters
# found in each C code base of the corpus (--root /src/<repo>, as its
# tools ran there), to show what the index keeps on real logs.
set -eu
. "$(dirname "$0")/lib.sh"
tally=$(perf_tally)
corpus=$(perf_corpus "${1:-}")
runs=${RUNS:-7}
files=$(find "$corpus" -name '*.sarif' | sort)
nfiles=$(echo "$files" | wc -l)

perf_stamp
echo "# tally summary --stats [--clusters] over $nfiles files of $corpus," \
    "taskset -c 0, $runs runs each, alternating"
plain=$(mktemp)
corr=$(mktemp)
pick='s/.* in \([0-9.]*\) s = \([0-9.]*\) MB\/s.*/\1 \2/p'
for i in $(seq "$runs"); do
	# shellcheck disable=SC2086 # the file list is split on purpose
	taskset -c 0 "$tally" summary --stats $files 2>&1 >/dev/null |
	    sed -n "$pick" >>"$plain"
	# shellcheck disable=SC2086
	taskset -c 0 "$tally" summary --stats --clusters $files 2>&1 \
	    >/dev/null | sed -n "$pick" >>"$corr"
done
med() { sort -k2 -n "$1" | awk '{ v[NR] = $2 } END { print v[int((NR + 1) / 2)] }'; }
a=$(med "$plain")
b=$(med "$corr")
awk -v a="$a" -v b="$b" 'BEGIN {
	printf "summary: median %.1f MB/s; with --clusters %.1f MB/s" \
	    " = %.2fx (%.0f%% slower)\n", a, b, b / a, (1 - b / a) * 100 }'
rm -f "$plain" "$corr"
for d in "$corpus"/*/; do
	repo=$(basename "$d")
	logs=$(find "$d" -name '*.sarif' | sort)
	# shellcheck disable=SC2086
	"$tally" summary --format json --root "/src/$repo" $logs 2>/dev/null |
	    python3 -c '
import json, sys
d = json.load(sys.stdin)
a = d["agreement"]
kept = ", ".join("%s %d" % (t, n) for t, n in zip(a["tools"],
    a["categorized"]))
print("%-12s %d clusters; categorized results kept: %s" % (sys.argv[1],
    len(d["clusters"]), kept or "none"))' "$repo"
done
