#!/bin/sh
# tests/perf_scripts_test.sh - the perf scripts' logic on made-up inputs
# (deterministic; the real-machine test of the regression check is
# perf/regress_test.sh, label perf):
#  - regress.py calls a 10% slowdown "slower" (exit 1), an unchanged run
#    "same" (exit 0), refuses too few repetitions, judges a benchmark
#    relative to the rest of the suite (a machine slower for every
#    benchmark is not a regression, but is warned about; --absolute
#    judges raw times), widens its bar for a benchmark that wanders
#    between the baseline's runs (not for a machine that does), keys
#    baselines by the machine, calls a benchmark slower only when every
#    new run given says so, and checks the newest run(s) by default;
#  - flame.py folds `perf script` stacks and draws every frame.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "perf_scripts_test: FAIL: $*" >&2; exit 1; }

# make NAME FACTOR REPS [CAL] [CPU]: a tally_bench-like JSON; work's times
# are 100 * FACTOR * (1 + small noise), the calibration's CAL (100)
make() {
	python3 - "$tmp/$1.json" "$2" "$3" "${4:-100}" "${5:-Xeon}" <<'PY'
import json, random, sys, zlib
path, factor, reps, cal, cpu = sys.argv[1], float(sys.argv[2]), \
    int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
rng = random.Random(zlib.crc32(path.encode()))
ctx = {"tally_cpu": cpu, "tally_cores": "2", "tally_kernels": "avx512",
       "tally_compiler": "GNU 12.2.0", "tally_flags": "-O2"}
b = []
for i in range(reps):
    for name, t in (("regress/work", 100 * factor),
                    ("regress/calibrate", cal)):
        b.append({"name": name, "run_name": name, "run_type": "iteration",
                  "repetition_index": i,
                  "real_time": t * (1 + rng.uniform(-0.01, 0.01)),
                  "cpu_time": t})
json.dump({"context": ctx, "benchmarks": b}, open(path, "w"))
PY
}
regress() { python3 "$root/perf/regress.py" "$@" > "$tmp/out" 2>&1; }
verdict() { awk '$1 == "regress/work" { print $NF }' "$tmp/out"; }

make base 1.0 10
make same 1.0 10
make slow 1.10 10
make few 1.10 5
make slowcal 1.10 10 110   # 10% slower, but so is the rest of the suite
regress compare "$tmp/base.json" "$tmp/same.json" || fail "same: exit $?"
[ "$(verdict)" = same ] || fail "same: $(cat "$tmp/out")"
rc=0; regress compare "$tmp/base.json" "$tmp/slow.json" || rc=$?
[ $rc -eq 1 ] && [ "$(verdict)" = slower ] ||
    fail "slow: exit $rc, $(cat "$tmp/out")"
regress compare "$tmp/base.json" "$tmp/slow.json" "$tmp/same.json" ||
    fail "slow once: exit $?, $(cat "$tmp/out")"
grep -q "slower in 1 of 2 runs" "$tmp/out" || fail "slow once: $(cat "$tmp/out")"
make slow2 1.10 10
rc=0; regress compare "$tmp/base.json" "$tmp/slow.json" "$tmp/slow2.json" || rc=$?
[ $rc -eq 1 ] && [ "$(verdict)" = slower ] ||
    fail "slow twice: exit $rc, $(cat "$tmp/out")"
regress compare "$tmp/base.json" "$tmp/few.json" || fail "few: exit $?"
grep -q "too few repetitions" "$tmp/out" || fail "few: $(cat "$tmp/out")"
regress compare "$tmp/base.json" "$tmp/slowcal.json" ||
    fail "slower machine: exit $?, $(cat "$tmp/out")"
grep -q "warning: the whole suite moved" "$tmp/out" ||
    fail "slower machine, no warning: $(cat "$tmp/out")"
rc=0; regress compare --absolute "$tmp/base.json" "$tmp/slowcal.json" || rc=$?
[ $rc -eq 1 ] || fail "absolute: exit $rc"

# baselines: per machine; three runs that wander widen the bar
export TALLY_BASELINES="$tmp/baselines"
make b1 1.00 10
make b2 1.06 10
make b3 0.95 10
regress save "$tmp/b1.json" "$tmp/b2.json" "$tmp/b3.json" ||
    fail "save: $(cat "$tmp/out")"
regress check "$tmp/slow.json" || fail "wandering: exit $?, $(cat "$tmp/out")"
grep -q "bar" "$tmp/out" || fail "no widened bar: $(cat "$tmp/out")"
make m1 1.00 10 100
make m2 1.06 10 106   # the machine wanders, work with it: no wider bar
make m3 0.95 10 95
regress save "$tmp/m1.json" "$tmp/m2.json" "$tmp/m3.json"
rc=0; regress check "$tmp/slow.json" || rc=$?
[ $rc -eq 1 ] && ! grep -q "bar" "$tmp/out" ||
    fail "wandering machine: exit $rc, $(cat "$tmp/out")"
make other 1.0 10 100 Epyc
rc=0; regress check "$tmp/other.json" || rc=$?
[ $rc -eq 2 ] && grep -q "no baseline for this machine" "$tmp/out" ||
    fail "another machine: exit $rc, $(cat "$tmp/out")"
make c1 1.0 10
regress save "$tmp/base.json" "$tmp/c1.json" "$tmp/same.json"
rc=0; regress check "$tmp/slow.json" || rc=$?
[ $rc -eq 1 ] || fail "steady baseline, slow run: exit $rc, $(cat "$tmp/out")"
# check with no run: the newest in out/bench/ beside perf/
mkdir -p "$tmp/tree/perf" "$tmp/tree/out/bench"
cp "$root/perf/regress.py" "$tmp/tree/perf/"
cp "$tmp/same.json" "$tmp/tree/out/bench/a.json"
cp "$tmp/slow.json" "$tmp/tree/out/bench/b.json"
touch -d '1 hour ago' "$tmp/tree/out/bench/a.json"
rc=0; python3 "$tmp/tree/perf/regress.py" check > "$tmp/out" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "checking .*b.json" "$tmp/out" ||
    fail "newest run: exit $rc, $(cat "$tmp/out")"
python3 "$tmp/tree/perf/regress.py" check --last 2 > "$tmp/out" 2>&1 ||
    fail "newest two: exit $?, $(cat "$tmp/out")"
grep -q "slower in 1 of 2 runs" "$tmp/out" || fail "newest two: $(cat "$tmp/out")"

# flame.py: two stacks, three samples
cat > "$tmp/script.txt" <<'TXT'
tally_bench 12 1.000001:     250000 cpu-clock:
	    aaaa insert_rows+0x12 (/lib/libtally.so)
	    bbbb process_batch+0x34 (/lib/libtally.so)
	    cccc worker_main (/lib/libtally.so)

tally_bench 12 1.000002:     250000 cpu-clock:
	    aaaa insert_rows+0x20 (/lib/libtally.so)
	    bbbb process_batch+0x34 (/lib/libtally.so)
	    cccc worker_main (/lib/libtally.so)

tally_bench 12 1.000003:     250000 cpu-clock:
	    dddd [unknown] (/lib/libc.so.6)
	    cccc worker_main (/lib/libtally.so)
TXT
python3 "$root/perf/flame.py" "$tmp/f.svg" "$tmp/f.folded" t \
    < "$tmp/script.txt" || fail "flame.py: exit $?"
grep -qx "tally_bench;worker_main;process_batch;insert_rows 2" \
    "$tmp/f.folded" || fail "folded: $(cat "$tmp/f.folded")"
grep -qx "tally_bench;worker_main;\[libc.so.6\] 1" "$tmp/f.folded" ||
    fail "folded: $(cat "$tmp/f.folded")"
for f in insert_rows process_batch worker_main "libc.so.6"; do
	grep -q "<title>.*$f" "$tmp/f.svg" || fail "svg lacks $f"
done
echo "perf_scripts_test: ok"
