#!/usr/bin/env python3
"""perf/plot.py - charts of a bench run, or of a regression report.

  perf/plot.py [RUN.json [OUTDIR]]         (default RUN: the newest in
                                           out/bench/; OUTDIR: out/plots)
  perf/plot.py --regress REPORT.dat [OUTDIR]

From a google-benchmark JSON of tally_bench (perf/bench.sh writes them),
with the median of the repetitions where there are several:

  workers.png/.svg  items/s against the worker (or thread) count, one line
                    per benchmark that was run at two counts or more
  batch.png/.svg    ingest rows/s against the batch size
                    (ingest/e2e/tasks/workers:2[/batch:B]; the run without
                    a batch size is the default, 4,096)
  isa.png/.svg      each kernel's speed per instruction set, relative to
                    its scalar variant

From the --dat file of perf/regress.py: regress.png/.svg, each benchmark's
new/base ratio with its 95% interval, coloured by verdict, and the band
of the threshold. Needs gnuplot (Debian: gnuplot-nox). Prints what it
wrote.
"""

import json
import os
import re
import statistics
import subprocess
import sys

from regress import newest_runs  # perf/regress.py, beside this script

DEFAULT_BATCH = 4096  # bench/pool_bench.c E2E_BATCH


def die(msg):
    print("plot: " + msg, file=sys.stderr)
    sys.exit(2)


def rates(run):
    """Median items/s (else bytes/s) of each benchmark, by run name."""
    got = {}
    for b in run.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue
        v = b.get("items_per_second", b.get("bytes_per_second"))
        if v is None or b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        name = re.sub(r"/real_time$", "", name)
        got.setdefault(name, []).append(float(v))
    return {k: statistics.median(v) for k, v in got.items()}


def gnuplot(script, outdir, stem):
    made = []
    for term, ext in (("pngcairo size 1100,650 font 'Sans,10'", "png"),
                      ("svg size 1100,650 font 'Sans,10' dynamic", "svg")):
        path = os.path.join(outdir, stem + "." + ext)
        full = "set terminal %s\nset output '%s'\n%s" % (term, path, script)
        try:
            subprocess.run(["gnuplot"], input=full.encode(), check=True)
        except FileNotFoundError:
            die("gnuplot is not installed (apt-get install gnuplot-nox)")
        made.append(path)
    print("plot: " + " ".join(made))


def write_dat(outdir, stem, text):
    path = os.path.join(outdir, stem + ".dat")
    with open(path, "w") as f:
        f.write(text)
    return path


def title_of(run):
    c = run.get("context", {})
    return "%s, %s, %s cores, %s" % (c.get("tally_commit", "?"),
                                     c.get("tally_kernels", "?"),
                                     c.get("tally_cores", "?"),
                                     c.get("date", "?")[:16])


def plot_workers(run, r, outdir):
    series = {}
    for name, v in r.items():
        m = re.search(r"/(workers|threads):(\d+)", name)
        if m is None:
            continue
        key = name[:m.start()] + name[m.end():]
        series.setdefault(key, []).append((int(m.group(2)), v))
    series = {k: sorted(v) for k, v in series.items() if len(v) >= 2}
    if not series:
        return
    blocks, plots = [], []
    for i, (k, pts) in enumerate(sorted(series.items())):
        blocks.append("# %s\n" % k + "".join("%d %g\n" % (x, y / 1e6)
                                              for x, y in pts))
        plots.append("'%s' index %d with linespoints lw 2 title '%s'"
                     % ("DAT", i, k.replace("_", "\\\\_")))
    dat = write_dat(outdir, "workers", "\n\n".join(blocks))
    gnuplot("""set title 'Throughput against workers (%s)'
set xlabel 'workers / threads'
set ylabel 'M items/s'
set logscale y
set key outside right
set grid
set xtics 1
plot %s
""" % (title_of(run), ", ".join(p.replace("DAT", dat) for p in plots)),
        outdir, "workers")


def plot_batch(run, r, outdir):
    pts = []
    for name, v in r.items():
        m = re.fullmatch(r"ingest/e2e/tasks/workers:2(/batch:(\d+))?", name)
        if m is not None:
            pts.append((int(m.group(2)) if m.group(2) else DEFAULT_BATCH, v))
    if len(pts) < 2:
        return
    dat = write_dat(outdir, "batch", "".join("%d %g\n" % (x, y / 1e6)
                                             for x, y in sorted(pts)))
    gnuplot("""set title 'Ingest, 2 workers, against the batch size (%s)'
set xlabel 'rows per batch'
set ylabel 'M rows/s'
set logscale x 2
set grid
set yrange [0:*]
plot '%s' with linespoints lw 2 pt 7 title 'ingest/e2e/tasks/workers:2'
""" % (title_of(run), dat), outdir, "batch")


def plot_isa(run, r, outdir):
    isas = ["scalar", "avx2", "avx512"]
    fam = {}
    for name, v in r.items():
        m = re.fullmatch(r"(kernels/.+)/(scalar|avx2|avx512)", name)
        if m is not None:
            fam.setdefault(m.group(1), {})[m.group(2)] = v
    fam = {k: v for k, v in fam.items() if "scalar" in v and len(v) >= 2}
    if not fam:
        return
    rows = ["family " + " ".join(isas)]
    for k in sorted(fam):
        rows.append("%s %s" % (k.replace("kernels/", ""), " ".join(
            "%g" % (fam[k][i] / fam[k]["scalar"]) if i in fam[k] else "NaN"
            for i in isas)))
    dat = write_dat(outdir, "isa", "\n".join(rows) + "\n")
    gnuplot("""set title 'Kernels per instruction set, relative to scalar (%s)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'speed / scalar'
set xtics rotate by -35 noenhanced
set key top left autotitle columnhead
set grid y
set yrange [0:*]
plot '%s' using 2:xtic(1), '' using 3, '' using 4
""" % (title_of(run), dat), outdir, "isa")


def plot_regress(dat, outdir):
    rows = []
    with open(dat) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            i, ratio, lo, hi, verdict, name = line.split(None, 5)
            rows.append((int(i), float(ratio), float(lo), float(hi),
                         verdict, name.strip()))
    if not rows:
        die("%s holds no comparison" % dat)
    colour = {"slower": "0xcc2222", "faster": "0x22aa22", "same": "0x777777"}
    out = "".join("%d %g %g %g %s \"%s\"\n" % (
        i, r, lo, hi, colour.get(v, "0x777777"),
        re.sub(r"/real_time$", "", n)) for i, r, lo, hi, v, n in rows)
    path = write_dat(outdir, "regress", out)
    # the data's range (not gnuplot's whole decades), the band included
    ylo = min([r[2] for r in rows] + [0.9]) / 1.05
    yhi = max([r[3] for r in rows] + [1.1]) * 1.05
    tics = ", ".join("'%g' %g" % (t, t) for t in (
        0.25, 0.5, 0.67, 0.8, 0.9, 0.95, 1, 1.05, 1.1, 1.25, 1.5, 2, 3, 4)
        if ylo <= t <= yhi)
    gnuplot("""set title 'New against baseline: median ratio and 95%% interval (grey: same, red: slower, green: faster; band: the threshold)'
set ylabel 'time new / time base (> 1: slower; log scale)'
set xtics rotate by -40 noenhanced font ',8'
set bmargin 16
set logscale y
set grid y
set yrange [%g:%g]
set ytics (%s)
set xrange [-1:%d]
set object 1 rect from -1,0.95 to %d,1.05 fc rgb '#eeeeee' behind
set arrow 1 from -1,1 to %d,1 nohead lc rgb '#999999'
plot '%s' using 1:2:3:4:5:xtic(6) with yerrorbars lc rgb variable pt 7 \\
    notitle
""" % (ylo, yhi, tics, len(rows), len(rows), len(rows), path), outdir,
            "regress")


def main(argv):
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if not argv:
        argv = newest_runs(1, die)
        print("plot: %s" % os.path.relpath(argv[0]))
    if argv[0] == "--regress":
        if len(argv) < 2:
            die("--regress needs the .dat of perf/regress.py --dat")
        outdir = argv[2] if len(argv) > 2 else "out/plots"
        os.makedirs(outdir, exist_ok=True)
        plot_regress(argv[1], outdir)
        return 0
    try:
        with open(argv[0]) as f:
            run = json.load(f)
    except (OSError, ValueError) as e:
        die("%s: %s" % (argv[0], e))
    outdir = argv[1] if len(argv) > 1 else "out/plots"
    os.makedirs(outdir, exist_ok=True)
    r = rates(run)
    plot_workers(run, r, outdir)
    plot_batch(run, r, outdir)
    plot_isa(run, r, outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
