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

Each benchmark is judged relative to the rest of the suite: before the
comparison, its times in a run are divided by how much slower that run
was than the baseline for the median of the *other* benchmarks (left
out, so its own change does not move its yardstick). On a shared machine
the speed of the moment drifts by several percent over minutes, for
every benchmark together (the drift is in time, not in the process:
bench/RESULTS.md, Bench suite and perf tooling); a change to tally moves
a few benchmarks, not the median. The price: a change that slows every
benchmark alike looks like a slower machine. The report prints the
suite's own ratio and warns when it moved more than the threshold;
--absolute judges raw times. With one benchmark in common there is
nothing to judge it against: raw times.

A benchmark is "slower" when p < alpha (0.01), the interval lies above 1
and the ratio itself is above 1 + threshold (0.05); "faster"
symmetrically; otherwise "same". The threshold is what keeps an unchanged
build quiet on a noisy machine: two processes differ by a few percent even
when the code does not, and the repetitions of one process cannot show
that spread (perf/regress_test.sh measures both rates).

Two runs of the same build differ by more than their repetitions show
(on a shared machine, often several times the spread within a run), so
a stored baseline should be several runs: `save` takes any number of
runs of the same build. `check` then measures each benchmark's spread
between those runs (the standard deviation of the log of their medians)
and calls a benchmark "slower" only when, besides p < alpha, its ratio is
above 1 + max(threshold, 3 x that spread): a benchmark that wanders 4%
run to run needs a 12% change to be called. That spread, estimated from
a few runs, is itself rough, so it is shrunk toward the median spread of
all the suite's benchmarks (weighted as 4 runs' worth). With one
baseline run, the threshold alone applies (as in `compare`).

A single run is not enough to call a slowdown on a shared machine: a
noisy neighbour for a few seconds, or two threads on two shared vCPUs,
make some benchmark of the quick tier look much slower in about half of
the single runs (bench/RESULTS.md, Bench suite and perf tooling), rarely
the same one twice in a row, while a real slowdown shows in every run. So
`check` and `compare` take several runs of the new build, judge each on
its own against the baseline, and call a benchmark slower (faster) only
when every run does; the table shows the middle ratio, the union of the
intervals and the largest p. Two runs are the norm (`check --last 2`).

Baselines are kept per machine under perf/baselines/<fingerprint>.json, the
fingerprint being a hash of the CPU model, core count, kernel ISA,
compiler and build flags from the run's context (bench/main.c stamps
them), so a baseline is never compared with another machine's run.

  perf/regress.py compare BASE.json NEW.json [NEW.json...]
                                               table; exit 1 on a slowdown
  perf/regress.py save RUN.json [RUN.json...]  this machine's baseline
  perf/regress.py check [RUN.json...]          compare with this machine's
                                               (default: the newest run
                                               in out/bench/, or the
                                               newest N with --last N)
  perf/regress.py fingerprint RUN.json

Options: --alpha A, --threshold T, --metric real_time|cpu_time,
--absolute (raw times, not relative to the suite),
--dat FILE (one line per benchmark: index, ratio, low, high, verdict, name;
for perf/plot.py). Exit status: 0 nothing slower, 1 something slower,
2 usage or unreadable input.
"""

import glob
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


def newest_runs(n, die):
    """The n newest runs perf/bench.sh wrote (out/bench/*.json), oldest
    first; die(message) when there are fewer."""
    runs = sorted(glob.glob(os.path.join(HERE, "..", "out", "bench",
                                         "*.json")), key=os.path.getmtime)
    if len(runs) < n:
        die("%d run%s in out/bench/, not %d: run perf/bench.sh"
            % (len(runs), "" if len(runs) == 1 else "s", n))
    return runs[-n:]


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


def drift(center, run):
    """How fast the machine ran for the rest of the suite, per benchmark:
    the median over every *other* benchmark of log(median(run) / center)
    (leaving the benchmark out, so its own change does not move its
    yardstick); 0 where there is no other benchmark."""
    logs = {n: math.log(statistics.median(run[n]) / center[n])
            for n in run if n in center}
    out = {}
    for n in logs:
        others = [v for m, v in logs.items() if m != n]
        out[n] = statistics.median(others) if others else 0.0
    return out


def relative(run, d):
    """The run's times with the machine's drift d taken out."""
    return {n: [x / math.exp(d.get(n, 0.0)) for x in v]
            for n, v in run.items()}


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
        per_run = [r[name] for r in runs if name in r]
        if len(per_run) >= 3:
            out[name] = statistics.stdev(
                [math.log(statistics.median(r)) for r in per_run])
    return out


def center(runs):
    """Per benchmark: the geometric mean of its per-run medians."""
    out = {}
    for name in set().union(*runs):
        logs = [math.log(statistics.median(r[name])) for r in runs
                if name in r]
        out[name] = math.exp(sum(logs) / len(logs))
    return out


def judge(runs, spread, pooled, sb, alpha, threshold):
    """One new run (sb) against the baseline runs: per benchmark, (ratio,
    low, high, p, verdict, bar), or a string saying why there is none."""
    out = {}
    for name in sb:
        per_run = [r[name] for r in runs if name in r]
        if not per_run:
            out[name] = "new"
            continue
        a = [x for r in per_run for x in r]
        b = sb[name]
        if min(len(r) for r in per_run) < 6 or len(b) < 6:
            # with 5 a side, even two samples that do not overlap give
            # p = 0.012: nothing could ever be called slower at 0.01
            out[name] = "too few repetitions (want >= 6)"
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
        elif p < alpha and hi < 1 and ratio < 1 / (1 + bar):
            verdict = "faster"
        else:
            verdict = "same"
        out[name] = (ratio, lo, hi, p, verdict, bar)
    return out


def compare(bases, news, alpha, threshold, metric, dat=None, absolute=False):
    """bases: one run or more of the baseline build; news: one run or
    more of the new build, each judged on its own, a benchmark being
    slower (faster) only when it is in every one of them."""
    runs = [samples(b, metric) for b in bases]
    sbs = [samples(n, metric) for n in news]
    base = center(runs)
    wholes = [statistics.median([statistics.median(sb[n]) / c
                                 for n, c in base.items() if n in sb] or [1.0])
              for sb in sbs]
    if absolute:
        note = "raw times"
    else:
        # each baseline run, then each new one, relative to the suite
        runs = [relative(r, drift(base, r)) for r in runs]
        sbs = [relative(sb, drift(center(runs), sb)) for sb in sbs]
        note = "each relative to the rest of the suite"
    spread = between_run_spreads(runs)
    pooled = statistics.median(spread.values()) if spread else 0.0
    judged = [judge(runs, spread, pooled, sb, alpha, threshold) for sb in sbs]
    rows, slower = [], 0
    for name in sbs[-1]:
        js = [j.get(name, "not in every new run") for j in judged]
        why = [x for x in js if isinstance(x, str)]
        if why:
            rows.append((name, None, None, None, None, why[0]))
            continue
        verdicts = [x[4] for x in js]
        verdict = "same"
        for v in ("slower", "faster"):
            if verdicts.count(v) == len(js):
                verdict = v
            elif v in verdicts and len(js) > 1:
                verdict += " (%s in %d of %d runs)" % (
                    v, verdicts.count(v), len(js))
        slower += verdict == "slower"
        bar = js[0][5]
        if bar > threshold:
            verdict += " (bar %.0f%%)" % (bar * 100)
        rows.append((name, statistics.median([x[0] for x in js]),
                     min(x[1] for x in js), max(x[2] for x in js),
                     max(x[3] for x in js), verdict))
    for name in set().union(*runs):
        if name not in sbs[-1]:
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
    print("regress: %d slower, %d compared, %d new run%s against %d "
          "baseline run%s (alpha %g, threshold %g%%, %s, %s)"
          % (slower, sum(1 for r in rows if r[1] is not None), len(news),
             "" if len(news) == 1 else "s", len(bases),
             "" if len(bases) == 1 else "s", alpha, threshold * 100, metric,
             note))
    print("regress: the suite as a whole (median benchmark): %s the "
          "baseline's times" % ", ".join("%.3fx" % w for w in wholes))
    if not absolute and max(abs(math.log(w)) for w in wholes) > \
            math.log(1 + threshold):
        print("regress: warning: the whole suite moved by more than %g%%: "
              "a slower or faster machine, or a change that moves every "
              "benchmark alike, which a check relative to the suite cannot "
              "see (--absolute judges raw times)" % (threshold * 100))
    if slower and len(news) == 1:
        print("regress: one run; a few seconds of a noisy neighbour can make "
              "a benchmark look slower once: confirm with a second run "
              "(perf/bench.sh quick && perf/regress.py check --last 2)")
    if dat is not None:
        with open(dat, "w") as f:
            f.write("# index ratio low high verdict name\n")
            for i, (name, ratio, lo, hi, p, verdict) in enumerate(
                    r for r in rows if r[1] is not None):
                f.write("%d %.6f %.6f %.6f %s %s\n"
                        % (i, ratio, lo, hi, verdict.split()[0], name))
    return 1 if slower else 0


def main(argv):
    alpha, threshold, metric, dat, absolute = 0.01, 0.05, "real_time", \
        None, False
    last = 1
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        if a == "--absolute":
            absolute = True
            i += 1
            continue
        if a in ("--alpha", "--threshold", "--metric", "--dat", "--last"):
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
                elif a == "--last":
                    last = int(v)
                    if last < 1:
                        raise ValueError
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
    if cmd == "compare" and len(files) >= 2:
        return compare([load(files[0])], [load(f) for f in files[1:]], alpha,
                       threshold, metric, dat, absolute)
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
    if cmd == "check":
        if not files:
            files = newest_runs(last, die)
            for f in files:
                print("regress: checking %s" % os.path.relpath(f))
        news = [load(f) for f in files]
        fps = set(fingerprint(r) for r in news)
        if len(fps) != 1:
            die("the new runs come from different machines or builds")
        path = os.path.join(BASELINES, fps.pop() + ".json")
        if not os.path.exists(path):
            die("no baseline for this machine (%s): run 'perf/regress.py "
                "save RUN.json...' first" % path)
        print("regress: against %s" % path)
        base = load(path)
        return compare(base.get("baseline_runs", [base]), news, alpha,
                       threshold, metric, dat, absolute)
    die("usage: regress.py compare BASE NEW... | save RUN... | "
        "check [RUN...] | fingerprint RUN (try --help)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
