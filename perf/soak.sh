#!/bin/sh
# perf/run_stress.sh TIER [BUILD] - the stress programs at a chosen length.
#   smoke: 1 s per program (what CI's stress label runs, give or take)
#   short: 3 s
#   soak:  30 s, 16 producers
# BUILD is a build tree (default build/tsan: run under ThreadSanitizer).
# Output is TAP; the exit status is non-zero if any program failed.
set -eu
. "$(dirname "$0")/lib.sh"
tier=${1:-short}
build=${2:-$perf_root/build/tsan}
stress="$build/tests/stress"
case $tier in
smoke) secs=1 producers=8 ;;
short) secs=3 producers=8 ;;
soak) secs=30 producers=16 ;;
*) echo "usage: $0 smoke|short|soak [BUILD]" >&2; exit 2 ;;
esac
for p in ingest_stress pool_stress keyset_stress; do
	[ -x "$stress/$p" ] || {
		echo "perf: build $build first (cmake --workflow --preset tsan)" >&2
		exit 2
	}
done
perf_stamp
# Each line: program, then its arguments (oversubscribed: this box has 2
# cores). The pool runs mix outside producers, producer tasks in groups
# that are cancelled at random, fork-join trees, flushes and snapshots;
# the dedup set alone races threads on equal keys while it grows.
set -- "ingest_stress --producers $producers --workers 4" \
    "ingest_stress --producers $producers --workers 2 --nonblock --batch-max 64" \
    "ingest_stress --producers 3 --workers 1 --affinity" \
    "pool_stress --producers $((producers / 2)) --groups 4 --tasks 6 --workers 4" \
    "pool_stress --producers 2 --groups 2 --tasks 4 --workers 1 --nonblock" \
    "pool_stress --producers 0 --groups 4 --tasks 4 --workers 2" \
    "keyset_stress --threads $producers --keys 65536"
echo "1..$#"
n=0 failed=0
for args in "$@"; do
	n=$((n + 1))
	# shellcheck disable=SC2086 # args are split on purpose
	if line=$(cd "$stress" && ./$args --seconds "$secs" 2>&1 | tail -1); then
		echo "ok $n - $line"
	else
		echo "not ok $n - $line"
		failed=1
	fi
done
exit $failed
