#!/bin/sh
# perf/summary_check.sh [CORPUS] - the summary targets:
#   >= 500 MB/s of SARIF on one core, over every *.sarif of the corpus;
#   peak RSS <= 2x the largest input file.
# Runs `tally summary --stats` pinned to one CPU (reader and worker share
# it) $RUNS times (default 7) and reports the median and best throughput and
# the worst peak RSS, each with its ratio to the target.
set -eu
. "$(dirname "$0")/lib.sh"
tally=$(perf_tally)
corpus=$(perf_corpus "${1:-}")
runs=${RUNS:-7}
files=$(find "$corpus" -name '*.sarif' | sort)
nfiles=$(echo "$files" | wc -l)
largest=$(echo "$files" | xargs stat -c %s | sort -n | tail -1)

perf_stamp
echo "# tally summary --stats over $nfiles files of $corpus," \
    "taskset -c 0, $runs runs"
out=$(mktemp)
# From the --stats line: seconds, MB/s, and peak RSS / largest input.
pick='s/.* in \([0-9.]*\) s = \([0-9.]*\) MB\/s.* = \([0-9.]*\)x the largest.*/\1 \2 \3/p'
for i in $(seq "$runs"); do
	# shellcheck disable=SC2086 # the file list is split on purpose
	taskset -c 0 "$tally" summary --stats $files 2>&1 >/dev/null |
	    sed -n "$pick" >>"$out"
done
sort -k2 -n "$out" | awk -v runs="$runs" -v largest="$largest" '
	{ t[NR] = $1; mbs[NR] = $2; rss[NR] = $3 }
	END {
		med = mbs[int((NR + 1) / 2)]; best = mbs[NR]; worst_rss = 0
		for (i = 1; i <= NR; i++) if (rss[i] > worst_rss) worst_rss = rss[i]
		printf "summary throughput: median %.1f MB/s (%.2fx the 500 MB/s" \
		    " target), best %.1f MB/s (%.2fx)\n", med, med / 500, best,
		    best / 500
		printf "summary peak RSS: %.2fx the largest input (%.1f MB)" \
		    " (target <= 2x: %s)\n", worst_rss, largest / 1e6,
		    (worst_rss <= 2 ? "met" : "MISSED")
		exit !(med >= 500 && worst_rss <= 2)
	}'
status=$?
rm -f "$out"
exit $status
