#!/bin/sh
# perf/bench.sh [quick|full] [ARGS...] - the whole bench suite in one
# command: builds the bench preset if needed, runs tally_bench, and keeps
# google-benchmark's JSON (stamped by bench/main.c with the commit,
# compiler and flags, kernel ISA, cores and CPU model) under out/bench/.
#
#   quick  one representative benchmark or two of each family, 10
#          repetitions of short runs, in random order across benchmarks
#          (a few seconds of a noisy neighbour then touch a few
#          repetitions of many benchmarks, not all of one): about 70 s
#          here. Short: a run is mostly its first pass, so compare quick
#          runs with quick runs, not with RESULTS.md; and the same-run
#          ratio counters (ratio_vs_*) need their baseline run first, so
#          read them from full runs.
#   full   every benchmark, 10 repetitions, in order
# (perf/regress.py needs 6 repetitions or more to call anything slower.)
#
# ARGS go to tally_bench after the tier's own, so --benchmark_filter=RE
# replaces the tier's filter and --benchmark_repetitions=N its count.
# Compare two runs with perf/regress.py; plot one with perf/plot.py.
# TALLY_BENCH: the binary (default: the bench preset's). Exit status:
# tally_bench's (0 when every benchmark ran).
set -eu
. "$(dirname "$0")/lib.sh"
tier=${1:-quick}
case $tier in
quick | full) shift $(($# > 0 ? 1 : 0)) ;;
-h | --help) perf_usage; exit 0 ;;
*) echo "bench: the tier is quick or full, not '$tier'" >&2; exit 2 ;;
esac

cd "$perf_root"
bench=$(perf_bench)

# quick: what each family's figure rests on, one size each
quick='^(sarif/summary/corpus/one_core|ingest/e2e/(tasks|outside)/workers:[12]/'
quick=$quick'real|ingest/e2e/tasks/workers:2/batch|tasks/fib/workers:[12]|'
quick=$quick'inject/ring/producers:1|'
quick=$quick'kernels/fingerprint/(xxh3_dispatch|avx512|avx2|scalar)$|'
quick=$quick'kernels/(level_hist|filter/level_ge)/|'
quick=$quick'kernels/dedup/set/distinct:64K$|kernels/count_ids/plain|'
quick=$quick'detector/(jemalloc|pool)/threads:1/same|cache/(mutex_lru|l2)/'
quick=$quick'get/threads:2|cache/l1/get/entries:256/value:4|'
quick=$quick'cache/intern/skewed/table|regress/(work|calibrate))'

mkdir -p out/bench
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
out=out/bench/$(date -u +%Y%m%dT%H%M%SZ)-$commit-$tier.json
perf_stamp
if [ "$tier" = quick ]; then
	set -- --benchmark_filter="$quick" --benchmark_min_time=0.1 \
	    --benchmark_enable_random_interleaving=true "$@"
fi
set +e
"$bench" --benchmark_repetitions=10 --benchmark_report_aggregates_only=false \
    --benchmark_display_aggregates_only=true \
    --benchmark_out="$out" --benchmark_out_format=json "$@"
rc=$?
set -e
echo "bench: $out"
exit $rc
