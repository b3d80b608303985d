#!/bin/sh
# perf/analyzer.sh [ROUNDS] [TREE...] - the reference analyzer
# (examples/analyzer, tally-scan) as the end-to-end benchmark: the release
# build is installed into a scratch prefix, the example is configured
# against it with find_package(tally) as any analyzer would be, and
# `tally-scan --bench ROUNDS TREE...` runs four configurations per round,
# interleaved: the detectors on one thread without tally (the baseline),
# tally without a cache, tally with an empty cache (cold), and tally again
# on that cache (warm: a new engine and cache handle, as the next run of
# the analyzer would see it). Prints the median seconds, files/s and
# findings/s of each and the ratios; exit 1 when any run's counts or
# SARIF bytes differ from the baseline's.
#
#   perf/analyzer.sh                 # 5 rounds over /usr/include
#   perf/analyzer.sh 9 /usr/lib/python3.11 /usr/include
#
# $BUILD: the build to install (default build/release, built first).
# $CACHE_DIR: where the caches are made and removed (default /tmp). On
# ext4, creating files soon after deleting many can be slower (the
# allocator skips recently freed inodes), and a cold run then measures
# that too (bench/RESULTS.md, "The reference analyzer").
# $WORKERS: tally-scan -j (default: one per CPU).
set -eu
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" = "--help" ]; then
	perf_usage
	exit 0
fi
rounds=${1:-5}
[ $# -gt 0 ] && shift
[ $# -eq 0 ] && set -- /usr/include
perf_install
work=$perf_work
cmake -S "$perf_root/examples/analyzer" -B "$work/scan" \
    -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/scan" >/dev/null
perf_stamp
"$work/scan/tally-scan" ${WORKERS:+-j "$WORKERS"} \
    ${CACHE_DIR:+-c "$CACHE_DIR"} --bench "$rounds" "$@"
