#!/usr/bin/env python3
"""perf/regress.py - is a bench run slower than its baseline?

Reads google-benchmark JSON written with --benchmark_repetitions=N (N >= 6;
the per-repetition entries are used, not the aggregates), and compares
each benchmark's repetitions with the baseline's:

  ratio     median(new) / median(base) of the time per iteration
            (real_time by default; > 1 is slower)
  interval  a 95% bootstrap interval of that ratio (2,000 resamples of
            each side, seeded, so the same files give the same answer)
  p         the two-sided Mann-Whitney U test of the two samples
            (normal approximation with the tie correction)

With --calibrate, when both runs hold regress/calibrate
(bench/regress_bench.c: fixed work that no tally change touches), every
time is first divided by that run's calibration median, to take out the
machine's speed of the moment. It helps runs pinned to one CPU
(perf/regress_test.sh uses it) and hurts unpinned ones, where the
calibration drifts on its own (once 8% while the suite did not move):
so it is off by default.

A benchmark is "slower" when p < alpha (0.01), the interval lies above 1
and the ratio itself is above 1 + threshold (0.05); "faster"
symmetrically; otherwise "same". The threshold is what keeps an unchanged
build quiet on a noisy machine: two processes differ by a few percent even
when the code does not, and the repetitions of one process cannot show
that spread (perf/regress_test.sh measures both rates).

Two runs of the same build differ by more than their repetitions show
(here, run to run, often 3-9% for a benchmark that varies 1% within a
run), so a stored baseline should be several runs: `save` takes any number
of runs of the same build. `check` then measures each benchmark's spread
between those runs (the standard deviation of the log of their medians)
and calls a benchmark "slower" only when, besides p < alpha, its ratio is
above 1 + max(threshold, 3 x that spread): a benchmark that wanders 4%
run to run needs a 12% change to be called. That spread, estimated from
a few runs, is itself rough, so it is shrunk toward the median spread of
all the suite's benchmarks (weighted as 4 runs' worth). With one
baseline run, the threshold alone applies (as in `compare`).

Baselines are kept per machine under perf/baselines/<fingerprint>.json, the
fingerprint being a hash of the CPU model, core count, kernel ISA,
compiler and build flags from the run's context (bench/main.c stamps
them), so a baseline is never compared with another machine's run.

  perf/regress.py compare BASE.json NEW.json   table; exit 1 on a slowdown
  perf/regress.py save RUN.json [RUN.json...]  this machine's baseline
  perf/regress.py check RUN.json               compare with this machine's
  perf/regress.py fingerprint RUN.json

Options: --alpha A, --threshold T, --metric real_time|cpu_time,
--calibrate (divide by regress/calibrate, above),
--dat FILE (one line per benchmark: index, ratio, low, high, verdict, name;
for perf/plot.sh). Exit status: 0 nothing slower, 1 something slower,
2 usage or unreadable input.
"""

import hashlib
import json
import math
import os
import random
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BASELINES = os.environ.get("TALLY_BASELINES", os.path.join(HERE, "baselines"))
FINGERPRINT_KEYS = ("tally_cpu", "tally_cores", "tally_kernels",
                    "tally_compiler", "tally_flags")


def die(msg):
    print("regress: " + msg, file=sys.stderr)
    sys.exit(2)


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        die("%s: %s" % (path, e))


def fingerprint(run):
    ctx = run.get("context", {})
    missing = [k for k in FINGERPRINT_KEYS if k not in ctx]
    if missing:
        die("the run's context lacks %s (not from tally_bench?)"
            % ", ".join(missing))
    text = "|".join(str(ctx[k]) for k in FINGERPRINT_KEYS)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


CALIBRATE = "regress/calibrate"


def samples(run, metric):
    """Per-repetition times by benchmark name, in run order."""
    out = {}
    for b in run.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue
        if b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        out.setdefault(name, []).append(float(b[metric]))
    return out


def normalize(s):
    """Every time over the run's calibration median (in place)."""
    unit = statistics.median(s[CALIBRATE])
    for name in s:
        if name != CALIBRATE:
            s[name] = [x / unit for x in s[name]]
    return unit


def mann_whitney_p(a, b):
    """Two-sided p of the Mann-Whitney U test, normal approximation."""
    n1, n2 = len(a), len(b)
    pooled = sorted([(x, 0) for x in a] + [(x, 1) for x in b])
    ranks = [0.0] * len(pooled)
    ties = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2.0 + 1
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    r1 = sum(r for r, (_, side) in zip(ranks, pooled) if side == 0)
    u = r1 - n1 * (n1 + 1) / 2.0
    n = n1 + n2
    mu = n1 * n2 / 2.0
    var = n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0:
        return 1.0
    z = (abs(u - mu) - 0.5) / math.sqrt(var)  # continuity correction
    return max(0.0, min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2))))


def bootstrap(a, b, rounds=2000, seed=1):
    """95% percentile interval of median(b) / median(a)."""
    rng = random.Random(seed)
    ratios = []
    for _ in range(rounds):
        ra = statistics.median(rng.choices(a, k=len(a)))
        rb = statistics.median(rng.choices(b, k=len(b)))
        ratios.append(rb / ra)
    ratios.sort()
    return ratios[int(0.025 * rounds)], ratios[int(0.975 * rounds) - 1]


PRIOR_DOF = 4  # how many runs' worth the suite's spread counts for


def between_run_spreads(runs):
    """Per benchmark in 3 runs or more: the standard deviation of the log
    of its per-run medians."""
    out = {}
    for name in set().union(*runs):
        if name == CALIBRATE:
            continue
        per_run = [r[name] for r in runs if name in r]
        if len(per_run) >= 3:
            out[name] = statistics.stdev(
                [math.log(statistics.median(r)) for r in per_run])
    return out


def compare(bases, new, alpha, threshold, metric, dat=None, calibrate=False):
    """bases: one run or more of the baseline build."""
    runs = [samples(b, metric) for b in bases]
    sb = samples(new, metric)
    rows, slower = [], 0
    note = "raw times"
    if calibrate and all(CALIBRATE in r for r in runs) and CALIBRATE in sb:
        ua = statistics.median([normalize(r) for r in runs])
        ub = normalize(sb)
        note = "over %s (machine %.3fx the baseline's speed)" % (
            CALIBRATE, ua / ub)
    spread = between_run_spreads(runs)
    pooled = statistics.median(spread.values()) if spread else 0.0
    for name in sb:
        if name == CALIBRATE and note != "raw times":
            continue
        per_run = [r[name] for r in runs if name in r]
        if not per_run:
            rows.append((name, None, None, None, None, "new"))
            continue
        a = [x for r in per_run for x in r]
        b = sb[name]
        if min(len(r) for r in per_run) < 6 or len(b) < 6:
            # with 5 a side, even two samples that do not overlap give
            # p = 0.012: nothing could ever be called slower at 0.01
            rows.append((name, None, None, None, None,
                         "too few repetitions (want >= 6)"))
            continue
        ratio = statistics.median(b) / statistics.median(a)
        lo, hi = bootstrap(a, b)
        p = mann_whitney_p(a, b)
        bar = threshold
        if name in spread:
            # the benchmark's own spread, shrunk toward the suite's (its
            # own, from a few runs, is itself a rough estimate)
            k = len(per_run) - 1
            sd = math.sqrt((k * spread[name] ** 2 + PRIOR_DOF * pooled ** 2)
                           / (k + PRIOR_DOF))
            bar = max(threshold, math.exp(3 * sd) - 1)
        if p < alpha and lo > 1 and ratio > 1 + bar:
            verdict = "slower"
            slower += 1
        elif p < alpha and hi < 1 and ratio < 1 / (1 + bar):
            verdict = "faster"
        else:
            verdict = "same"
        if bar > threshold:
            verdict += " (bar %.0f%%)" % (bar * 100)
        rows.append((name, ratio, lo, hi, p, verdict))
    for name in set().union(*runs):
        if name not in sb and name != CALIBRATE:
            rows.append((name, None, None, None, None, "gone"))
    width = max([len(r[0]) for r in rows] + [9])
    print("%-*s %8s  %-17s %8s  %s" % (width, "benchmark", "new/base",
                                        "95% interval", "p", "verdict"))
    for name, ratio, lo, hi, p, verdict in rows:
        if ratio is None:
            print("%-*s %8s  %-17s %8s  %s" % (width, name, "-", "-", "-",
                                                verdict))
        else:
            print("%-*s %8.3f  [%6.3f, %6.3f]  %8.2g  %s"
                  % (width, name, ratio, lo, hi, p, verdict))
    print("regress: %d slower, %d compared against %d baseline run%s "
          "(alpha %g, threshold %g%%, %s, %s)"
          % (slower, sum(1 for r in rows if r[1] is not None), len(bases),
             "" if len(bases) == 1 else "s", alpha, threshold * 100, metric,
             note))
    if dat is not None:
        with open(dat, "w") as f:
            f.write("# index ratio low high verdict name\n")
            for i, (name, ratio, lo, hi, p, verdict) in enumerate(
                    r for r in rows if r[1] is not None):
                f.write("%d %.6f %.6f %.6f %s %s\n"
                        % (i, ratio, lo, hi, verdict.split()[0], name))
    return 1 if slower else 0


def main(argv):
    alpha, threshold, metric, dat, calibrate = 0.01, 0.05, "real_time", \
        None, False
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        if a == "--calibrate":
            calibrate = True
            i += 1
            continue
        if a in ("--alpha", "--threshold", "--metric", "--dat"):
            if i + 1 >= len(argv):
                die("%s needs a value" % a)
            v = argv[i + 1]
            i += 2
            try:
                if a == "--alpha":
                    alpha = float(v)
                elif a == "--threshold":
                    threshold = float(v)
                elif a == "--dat":
                    dat = v
                elif v in ("real_time", "cpu_time"):
                    metric = v
                else:
                    die("--metric is real_time or cpu_time, not %s" % v)
            except ValueError:
                die("%s needs a number, not %s" % (a, v))
            continue
        args.append(a)
        i += 1
    if not args:
        die("usage: regress.py compare|save|check|fingerprint ... "
            "(try --help)")
    cmd, files = args[0], args[1:]
    if cmd == "compare" and len(files) == 2:
        return compare([load(files[0])], load(files[1]), alpha, threshold,
                       metric, dat, calibrate)
    if cmd == "fingerprint" and len(files) == 1:
        print(fingerprint(load(files[0])))
        return 0
    if cmd == "save" and files:
        runs = [load(f) for f in files]
        fps = set(fingerprint(r) for r in runs)
        if len(fps) != 1:
            die("the runs come from different machines or builds")
        path = os.path.join(BASELINES, fps.pop() + ".json")
        os.makedirs(BASELINES, exist_ok=True)
        with open(path, "w") as f:
            json.dump({"baseline_runs": runs}, f)
        print("regress: %d run%s saved as the baseline of this machine (%s)"
              % (len(runs), "" if len(runs) == 1 else "s", path))
        return 0
    if cmd == "check" and len(files) == 1:
        run = load(files[0])
        path = os.path.join(BASELINES, fingerprint(run) + ".json")
        if not os.path.exists(path):
            die("no baseline for this machine (%s): run 'perf/regress.py "
                "save RUN.json...' first" % path)
        print("regress: against %s" % path)
        base = load(path)
        return compare(base.get("baseline_runs", [base]), run, alpha,
                       threshold, metric, dat, calibrate)
    die("usage: regress.py compare BASE NEW | save RUN... | check RUN | "
        "fingerprint RUN (try --help)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
