#!/bin/sh
# perf/stat.sh FILTER [BENCH_ARGS...] - hardware counters per benchmark:
# cycles, instructions, IPC, cache misses and branch misses from
# `perf stat`, one tally_bench run per benchmark matching FILTER (a
# --benchmark_filter regex), so the counts belong to that benchmark alone
# (plus the program's start-up, measured by an empty run and shown).
#
# Where the machine does not expose the counters (`perf stat` says "not
# supported", as many virtual machines do), it says so and falls back to
# valgrind --tool=callgrind: instructions (Ir) of the run less those of an
# empty run, over the iterations google-benchmark reports. That figure
# also holds the benchmark's own set-up and google-benchmark's sizing runs,
# so it overstates one iteration (less so with a longer
# --benchmark_min_time), but it is exact and repeatable: the same build
# gives the same count, so two builds compare to the instruction. No
# cycles or misses (CALLGRIND_CACHE=1 adds callgrind's simulated cache and
# branch misses). Valgrind cannot run AVX-512 code: those variants show
# as skipped (TALLY_ISA picks what the engine itself uses).
# TALLY_BENCH: the binary (default: the bench preset's build).
set -eu
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] || { perf_usage; exit 2; }
filter=$1
shift
bench=$(perf_bench)
names=$(perf_bench_names "$bench" "$filter")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
perf_stamp

counters=cycles,instructions,cache-references,cache-misses,branches,branch-misses
if perf stat -x, -e "$counters" true 2>"$tmp/probe" >/dev/null &&
    ! grep -q "not supported\|not counted" "$tmp/probe"; then
	echo "# perf stat: $counters"
	printf '%-56s %14s %14s %5s %12s %12s\n' benchmark cycles \
	    instructions IPC cache-miss branch-miss
	for n in $names; do
		perf stat -x, -e "$counters" -o "$tmp/s" "$bench" \
		    --benchmark_filter="^$n\$" "$@" >/dev/null 2>&1
		awk -F, -v n="$n" '
		    { v[$3] = $1 }
		    END { printf "%-56s %14s %14s %5.2f %12s %12s\n", n,
			v["cycles"], v["instructions"],
			v["cycles"] ? v["instructions"] / v["cycles"] : 0,
			v["cache-misses"], v["branch-misses"] }' "$tmp/s"
	done
	exit 0
fi

echo "# perf stat: hardware counters not supported on this machine" \
    "($(grep -m1 'not supported' "$tmp/probe" | sed 's/^ *//' |
    tr -s ' ' | cut -c1-40)...);"
echo "# falling back to valgrind --tool=callgrind: instructions (Ir)" \
    "per iteration, start-up subtracted"
cg="--tool=callgrind --callgrind-out-file=$tmp/cg.out"
[ -n "${CALLGRIND_CACHE:-}" ] && cg="$cg --cache-sim=yes --branch-sim=yes"
# shellcheck disable=SC2086 # $cg is a word list
total() { # the Ir of a callgrind run of "$@"; its whole totals line in $tmp/t
	valgrind $cg "$@" >/dev/null 2>&1
	callgrind_annotate "$tmp/cg.out" 2>/dev/null |
	    awk '/PROGRAM TOTALS/ { gsub(",", ""); print; exit }' > "$tmp/t"
	awk '{ print $1 }' "$tmp/t"
}
base=$(total "$bench" --benchmark_filter='^$')
printf '%-56s %14s %12s %16s\n' benchmark Ir iterations Ir/iteration
for n in $names; do
	run=$(total "$bench" --benchmark_filter="^$n\$" \
	    --benchmark_min_time=0.01 --benchmark_out="$tmp/j.json" \
	    --benchmark_out_format=json "$@")
	iters=$(python3 -c 'import json,sys
b=[x for x in json.load(open(sys.argv[1]))["benchmarks"]
   if x.get("run_type","iteration")=="iteration"]
print(sum(x["iterations"] for x in b))' "$tmp/j.json")
	awk -v n="$n" -v it="$iters" -v b="$base" -v r="$run" 'BEGIN {
	    if (it == 0)
		printf "%-56s %14s %12s %16s\n", n, "-", "skipped",
		    "(not under valgrind)"
	    else
		printf "%-56s %14.0f %12d %16.0f\n", n, r - b, it, (r - b) / it
	}'
	if [ -n "${CALLGRIND_CACHE:-}" ]; then
		echo "    totals: $(cat "$tmp/t")"
	fi
done
echo "# start-up, subtracted above: $base Ir"
