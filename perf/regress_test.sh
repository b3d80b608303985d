#!/bin/sh
# perf/regress_test.sh [TALLY_BENCH] [TRIALS] - does perf/regress.py catch
# a real 10% slowdown, and stay quiet when nothing changed, on the machine
# that runs it?
#
# Each trial makes two independent comparisons, each of two fresh runs of
# the regress/work benchmark (bench/regress_bench.c) with regress/calibrate
# beside it (the rest of its suite, which regress.py judges it against),
# REPS repetitions each (default 15, interleaved), pinned to one CPU (CPU,
# default the last): unchanged against unchanged, and unchanged against
# TALLY_BENCH_SLOWDOWN=$SLOWDOWN (default 1.10: 10% more work). The runs
# alternate, so the machine's drift falls on both kinds alike. Passes when
# at most 5% of the unchanged comparisons say "slower" (false alarms) and
# at least 95% of the slowed ones do (detections). One new run per
# comparison: this tests the per-run rule, which `check --last 2` applies
# to each of two runs. TALLY_BENCH defaults to the bench preset's build;
# TRIALS to 20.
set -eu
. "$(dirname "$0")/lib.sh"
bench=${1:-$perf_root/build/bench/bench/tally_bench}
trials=${2:-20}
reps=${REPS:-15}
pin=${CPU:-$(($(nproc) - 1))}
slow=${SLOWDOWN:-1.10}
[ -x "$bench" ] || { echo "regress_test: no $bench" \
    "(run: cmake --workflow --preset bench)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # out.json slowdown
	TALLY_BENCH_SLOWDOWN=$2 taskset -c "$pin" "$bench" \
	    --benchmark_filter='^regress/(work|calibrate)$' \
	    --benchmark_enable_random_interleaving=true \
	    --benchmark_repetitions="$reps" --benchmark_min_time=0.02 \
	    --benchmark_out="$1" --benchmark_out_format=json >/dev/null 2>&1
}

# compare base.json new.json: prints "ratio verdict", returns regress.py's
verdict() {
	set +e
	python3 "$perf_root/perf/regress.py" compare "$1" "$2" > "$tmp/out"
	rc=$?
	set -e
	[ $rc -le 1 ] || { cat "$tmp/out" >&2; exit 2; }
	awk '$1 == "regress/work" { print $2, $NF }' "$tmp/out"
	return $rc
}

perf_stamp
echo "# $trials trials, $reps repetitions a run, slowdown $slow, CPU $pin"
echo "trial  unchanged: ratio verdict   slowed: ratio verdict"
alarms=0 caught=0
for i in $(seq "$trials"); do
	run "$tmp/a.json" 1.0
	run "$tmp/b.json" 1.0
	run "$tmp/c.json" 1.0
	run "$tmp/d.json" "$slow"
	u=$(verdict "$tmp/a.json" "$tmp/b.json") || alarms=$((alarms + 1))
	s=$(verdict "$tmp/c.json" "$tmp/d.json") || caught=$((caught + 1))
	printf '%5d  %-28s %s\n' "$i" "$u" "$s"
done
echo "false alarms: $alarms of $trials; slowdowns caught: $caught of $trials"
if [ $((alarms * 20)) -le "$trials" ] &&
    [ $((caught * 20)) -ge $((trials * 19)) ]; then
	echo "regress_test: ok (<= 5% false alarms, >= 95% caught)"
else
	echo "regress_test: FAILED (want <= 5% false alarms, >= 95% caught)"
	exit 1
fi
