#!/bin/sh
# perf/record.sh FILTER [BENCH_ARGS...] - where the time goes in the
# benchmarks matching FILTER (a --benchmark_filter regex): `perf record`
# of one tally_bench run (the cpu-clock event, which virtual machines support
# when they hide the hardware counters; stacks unwound from DWARF, since the
# optimised build keeps no frame pointers), then folded stacks, a flame
# graph (perf/flame.py) and the top symbols as text, under out/perf/.
#
# Where perf cannot record at all, it falls back to valgrind callgrind and
# prints its top functions (no flame graph: callgrind keeps no stacks).
# TALLY_BENCH: the binary (default: the bench preset's build); FREQ: the
# sampling rate (default 1000 Hz).
set -eu
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] || { perf_usage; exit 2; }
filter=$1
shift
bench=$(perf_bench)
perf_bench_names "$bench" "$filter" >/dev/null
mkdir -p "$perf_root/out/perf"
tag=$(echo "$filter" | tr -c 'A-Za-z0-9_.-' '_' | cut -c1-60)
base=$perf_root/out/perf/$(date -u +%Y%m%dT%H%M%SZ)-$tag
perf_stamp

if perf record -e cpu-clock -F "${FREQ:-1000}" --call-graph dwarf,16384 \
    -o "$base.data" \
    "$bench" --benchmark_filter="$filter" "$@" >"$base.txt" 2>&1; then
	perf script -i "$base.data" 2>/dev/null |
	    python3 "$perf_root/perf/flame.py" "$base.svg" "$base.folded" \
	    "tally_bench --benchmark_filter='$filter' ($(git -C \
	    "$perf_root" rev-parse --short HEAD 2>/dev/null || echo ?))"
	echo "# top symbols (self time, cpu-clock samples)"
	perf report -i "$base.data" --no-children --sort symbol --stdio -g none \
	    2>/dev/null | grep -v '^#' | grep -v '^$' | head -25
	echo "record: $base.svg (flame graph), $base.folded, $base.data," \
	    "$base.txt (the bench's output)"
	exit 0
fi
echo "# perf record failed ($(tail -1 "$base.txt")); falling back to" \
    "valgrind --tool=callgrind"
valgrind --tool=callgrind --callgrind-out-file="$base.callgrind" "$bench" \
    --benchmark_filter="$filter" --benchmark_min_time=0.01 "$@" \
    >"$base.txt" 2>&1
callgrind_annotate "$base.callgrind" 2>/dev/null | sed -n '1,40p'
echo "record: $base.callgrind (open with kcachegrind or callgrind_annotate)"
