#!/bin/sh
# tests/perf_scripts_test.sh - the perf scripts' logic on made-up inputs
# (deterministic; the real-machine test of the regression check is
# perf/regress_test.sh, label perf):
#  - regress.py calls a 10% slowdown "slower" (exit 1), an unchanged run
#    "same" (exit 0), refuses too few repetitions, takes the calibration's
#    speed out when asked (--calibrate), widens its bar for a benchmark that wanders between the
#    baseline's runs, and keys baselines by the machine;
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
make slowcal 1.10 10 110   # 10% slower, but so is the machine
regress compare "$tmp/base.json" "$tmp/same.json" || fail "same: exit $?"
[ "$(verdict)" = same ] || fail "same: $(cat "$tmp/out")"
rc=0; regress compare "$tmp/base.json" "$tmp/slow.json" || rc=$?
[ $rc -eq 1 ] && [ "$(verdict)" = slower ] ||
    fail "slow: exit $rc, $(cat "$tmp/out")"
regress compare "$tmp/base.json" "$tmp/few.json" || fail "few: exit $?"
grep -q "too few repetitions" "$tmp/out" || fail "few: $(cat "$tmp/out")"
regress compare --calibrate "$tmp/base.json" "$tmp/slowcal.json" ||
    fail "calibrated: exit $?, $(cat "$tmp/out")"
rc=0; regress compare "$tmp/base.json" "$tmp/slowcal.json" || rc=$?
[ $rc -eq 1 ] || fail "raw: exit $rc"

# baselines: per machine; three runs that wander widen the bar
export TALLY_BASELINES="$tmp/baselines"
make b1 1.00 10
make b2 1.06 10
make b3 0.95 10
regress save "$tmp/b1.json" "$tmp/b2.json" "$tmp/b3.json" ||
    fail "save: $(cat "$tmp/out")"
regress check "$tmp/slow.json" || fail "wandering: exit $?, $(cat "$tmp/out")"
grep -q "bar" "$tmp/out" || fail "no widened bar: $(cat "$tmp/out")"
make other 1.0 10 100 Epyc
rc=0; regress check "$tmp/other.json" || rc=$?
[ $rc -eq 2 ] && grep -q "no baseline for this machine" "$tmp/out" ||
    fail "another machine: exit $rc, $(cat "$tmp/out")"
make c1 1.0 10
regress save "$tmp/base.json" "$tmp/c1.json" "$tmp/same.json"
rc=0; regress check "$tmp/slow.json" || rc=$?
[ $rc -eq 1 ] || fail "steady baseline, slow run: exit $rc, $(cat "$tmp/out")"

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
