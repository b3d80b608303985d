#!/bin/sh
# perf/side_by_side.sh RUNS NAME=TALLY... - two or more builds of tally
# compared on the summary of the whole corpus, one core each
# (taskset -c 0), runs interleaved (A B C A B C ...), so that the
# machine's drift falls on every build alike. For each build: the median
# and best throughput of `tally summary --stats` (MB/s), the worst peak
# RSS as a multiple of the largest input, and the ratio of its median and
# best to the first build's. A build given as a path to its tally binary
# loads the libraries beside it when they are there (LD_LIBRARY_PATH).
#
#   perf/side_by_side.sh 25 before=/tmp/old/build/release/tally \
#       after=build/release/tally
#
# $TALLY_CORPUS_DIR: the corpus (default ../shared/corpus).
set -eu
. "$(dirname "$0")/lib.sh"
if [ $# -lt 3 ] || [ "$1" = "--help" ]; then
	perf_usage
	[ "${1:-}" = "--help" ] && exit 0
	exit 2
fi
runs=$1
shift
corpus=$(perf_corpus "${TALLY_CORPUS_DIR:-}")
files=$(find "$corpus" -name '*.sarif' | sort)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
pick='s/.* in \([0-9.]*\) s = \([0-9.]*\) MB\/s.* = \([0-9.]*\)x the largest.*/\2 \3/p'

perf_stamp
echo "# tally summary --stats over $(echo "$files" | wc -l) files of" \
    "$corpus, taskset -c 0, $runs runs each, interleaved"
for _ in $(seq "$runs"); do
	for spec in "$@"; do
		name=${spec%%=*} bin=${spec#*=}
		# shellcheck disable=SC2086 # the file list is split on purpose
		line=$(LD_LIBRARY_PATH=$(dirname "$bin") taskset -c 0 "$bin" \
		    summary --stats $files 2>&1 >/dev/null | sed -n "$pick")
		[ -n "$line" ] || { echo "side_by_side: $name gave no" \
		    "--stats line" >&2; exit 1; }
		echo "$name $line" >>"$out"
	done
done
for spec in "$@"; do
	name=${spec%%=*}
	awk -v n="$name" '$1 == n { print $2, $3 }' "$out" | sort -n |
	    awk -v n="$name" '{ mbs[NR] = $1; if ($2 > rss) rss = $2 }
		END { printf "%s %.1f %.1f %.2f\n", n, mbs[int((NR + 1) / 2)],
		    mbs[NR], rss }'
done | awk '
	NR == 1 { med0 = $2; best0 = $3 }
	{ printf "%-10s median %6.1f MB/s  best %6.1f MB/s  peak RSS %.2fx" \
	    " the largest input  vs %s: median %.3f best %.3f\n", $1, $2, $3,
	    $4, first == "" ? $1 : first, $2 / med0, $3 / best0
	  if (first == "") first = $1 }'
