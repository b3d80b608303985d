#!/usr/bin/python3
"""A detector feeding tally through append_many, against a dict aggregation.

The "detector" produces N findings shaped like real analyzer output: a few
tools, a few hundred rules, thousands of files and tens of thousands of
distinct messages, interned once into ids, with about 1% exact duplicates.
It hands them over in chunks of id columns (NumPy arrays, or array.array
copies of them), which go to tally with append_many. The same findings are
then aggregated in pure Python: a set of keys for deduplication and
Counters by rule, file and level. Both results are compared (exit 1 when
they differ), and the rates printed, from the same run.

Timed: for tally, from the first append_many to the end of the flush
(engine creation, which sizes the dedup table for N with expected_unique,
is printed apart); for the dict, the loop over the findings. The dict gets
its best input: Python lists built before the clock starts, and the
garbage collector is off during both timings.

    TALLY_LIBRARY_DIR=build/release GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096 \\
        /usr/bin/python3 python/examples/detector_loop.py --n 5000000

Needs NumPy (to generate the findings).
"""
import argparse
import array
import collections
import gc
import sys
import time

import numpy as np

import tally


def vocabulary(e):
    """Intern the detector's tools, rules, files and messages into engine e;
    return their ids as NumPy arrays. Ids are dense and in interning order,
    so every engine gives the same ones."""
    def ids(kind, fmt, k):
        return np.array([e.string(kind, fmt % i) for i in range(k)], np.uint32)

    return {"tool": np.array([e.tool(t) for t in ("cppcheck", "clang-tidy", "gcc", "eslint")],
                             np.uint32),
            "rule": ids("rule", "rule-%d", 400),
            "file": ids("file", "src/file%d.c", 5000),
            "message": ids("message", "finding text %d", 50000)}


def detect(vocab, n, seed):
    """N findings as uint32 id columns (and uint8 levels); about 1% are
    copies of earlier rows."""
    rng = np.random.default_rng(seed)
    rule_idx = rng.integers(0, len(vocab["rule"]), n)
    cols = {
        "tool": vocab["tool"][rule_idx % len(vocab["tool"])],  # a rule is one tool's
        "rule": vocab["rule"][rule_idx],
        "file": vocab["file"][rng.integers(0, len(vocab["file"]), n)],
        "message": vocab["message"][rng.integers(0, len(vocab["message"]), n)],
        "line": rng.integers(1, 5000, n, dtype=np.uint32),
        "column": rng.integers(0, 120, n, dtype=np.uint32),
        "level": (rule_idx % 4).astype(np.uint8),  # a rule has one level
    }
    dup = np.flatnonzero(rng.random(n) < 0.01)
    dup = dup[dup > 0]
    src = (rng.random(len(dup)) * dup).astype(np.int64)  # an earlier row
    for c in cols.values():
        c[dup] = c[src]
    return cols


def feed_tally(e, cols, chunk, as_array):
    """append_many chunk by chunk; return seconds to the end of the flush."""
    n = len(cols["tool"])
    parts = []
    for lo in range(0, n, chunk):
        part = {k: v[lo:lo + chunk] for k, v in cols.items()}
        if as_array:
            part = {k: array.array("B" if k == "level" else "I", v.tobytes())
                    for k, v in part.items()}
        parts.append(part)
    t0 = time.perf_counter()
    for part in parts:
        e.append_many(**part)
    e.flush()
    return time.perf_counter() - t0


def aggregate_dict(rows):
    """Dedup and count with a set and Counters; return (result, seconds)."""
    t0 = time.perf_counter()
    seen = set()
    by_rule, by_file, by_level = (collections.Counter() for _ in range(3))
    for tool, rule, file, message, line, column, level in rows:
        key = (tool, rule, file, message, line, column)
        if key in seen:
            continue
        seen.add(key)
        by_rule[(tool, rule)] += 1
        by_file[file] += 1
        by_level[level] += 1
    return (len(seen), by_rule, by_file, by_level), time.perf_counter() - t0


def run_tally(args, cols, as_array):
    t0 = time.perf_counter()
    with tally.Engine(args.workers, batch_capacity=args.batch_capacity,
                      expected_unique=args.n) as e:
        create = time.perf_counter() - t0
        vocabulary(e)  # the same strings, so the same ids as in cols
        secs = feed_tally(e, cols, args.chunk, as_array)
        return e.snapshot(flush=False), secs, create, e.workers


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2_000_000, help="findings (default 2M)")
    ap.add_argument("--chunk", type=int, default=65536, help="rows per append_many")
    ap.add_argument("--batch-capacity", type=int, default=16384)
    ap.add_argument("--workers", type=int, default=None, help="default: CPUs - 1")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    with tally.Engine(1) as e:
        cols = detect(vocabulary(e), args.n, args.seed)
        names = {k: [e.lookup(k, i) for i in range(e.string_count(k))]
                 for k in ("tool", "rule", "file")}
    rows = list(zip(*(cols[k].tolist() for k in
                      ("tool", "rule", "file", "message", "line", "column", "level"))))

    gc.disable()
    results = {kind: run_tally(args, cols, kind == "array") for kind in ("numpy", "array")}
    (unique, by_rule, by_file, by_level), dict_secs = aggregate_dict(rows)
    gc.enable()

    ok = True
    for kind, (snap, _, _, _) in results.items():
        same = (snap["totals"]["unique"] == unique and snap["totals"]["read"] == args.n
                and snap["by_level"] == {tally.LEVELS[i]: by_level[i] for i in range(4)}
                and snap["by_rule"] == {(names["tool"][t], names["rule"][r]): c
                                        for (t, r), c in by_rule.items()}
                and snap["by_file"] == {names["file"][f]: c for f, c in by_file.items()})
        print("%-5s check against the dict aggregation: %s" % (kind, "same" if same else "DIFFERENT"))
        ok &= same
    print("findings %d, unique %d (%.2f%%), tally %s, %d worker(s), batch_capacity %d, chunk %d"
          % (args.n, unique, 100.0 * unique / args.n, tally.version(),
             results["numpy"][3], args.batch_capacity, args.chunk))
    dict_rate = args.n / dict_secs
    for kind, (_, secs, create, _) in results.items():
        rate = args.n / secs
        print("tally append_many (%-5s): %7.2f M violations/s  (%.3f s; engine create %.3f s)"
              "  %.1fx the dict" % (kind, rate / 1e6, secs, create, rate / dict_rate))
    print("dict aggregation        : %7.2f M violations/s  (%.3f s)" % (dict_rate / 1e6, dict_secs))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
