#!/bin/sh
# perf/reader_vs_dom.sh [RUNS] - `tally summary` against the minimal
# simdjson DOM reader (perf/dom_reader.cc: load and parse each file, count
# the results of every run) on every *.sarif of the corpus, both pinned to
# one CPU (taskset -c 0), runs interleaved (RUNS of each, default 7): the
# median and best MB/s of each and the ratio of tally's to the reader's
# (the target: >= 2x). The reader is compiled here with
# `pkg-config --cflags --libs simdjson`.
#
# $TALLY: the tally binary (default build/release/tally);
# $TALLY_CORPUS_DIR: the corpus (default ../shared/corpus).
set -eu
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" = "--help" ]; then
	perf_usage
	exit 0
fi
runs=${1:-7}
tally=$(perf_tally)
corpus=$(perf_corpus "${TALLY_CORPUS_DIR:-}")
files=$(find "$corpus" -name '*.sarif' | sort)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2046 # pkg-config's flags are words
c++ -std=c++17 -O2 -o "$work/dom_reader" "$perf_root/perf/dom_reader.cc" \
    $(pkg-config --cflags --libs simdjson)
perf_stamp
i=0
while [ "$i" -lt "$runs" ]; do
	# shellcheck disable=SC2086 # the file list is words
	taskset -c 0 "$tally" summary --no-progress --stats $files 2>&1 \
	    >/dev/null | sed -n 's/.* = \([0-9.]*\) MB\/s.*/tally \1/p' >>"$work/mbs"
	# shellcheck disable=SC2086
	taskset -c 0 "$work/dom_reader" $files |
	    sed -n 's/.* = \([0-9.]*\) MB\/s.*/dom \1/p' >>"$work/mbs"
	i=$((i + 1))
done
sort -k1,1 -k2n "$work/mbs" | awk '
	{ v[$1, ++n[$1]] = $2 }
	END {
		for (k in n) {
			med[k] = v[k, int((n[k] + 1) / 2)]
			best[k] = v[k, n[k]]
			printf "%-6s median %7.1f MB/s, best %7.1f MB/s (%d runs)\n",
			    k, med[k], best[k], n[k]
		}
		printf "tally / dom reader: median %.2fx, best %.2fx (target >= 2x)\n",
		    med["tally"] / med["dom"], best["tally"] / best["dom"]
	}'
