#!/usr/bin/env python3
"""tally pack: the laws of parts, on real logs.

    parts_test.py TALLY DATA_DIR [CORPUS_DIR] [--partitions N] [--seed S]

The inputs: every log of the corpus (SARIF and the native formats in it)
when it is there, else tests/data's samples; tests/data/formats's real
tools' outputs in both cases (suppressions, several runs, other formats).

Laws checked:
- partition: for N random partitions of the inputs into 1-6 blocks, each
  block packed (from the logs, or from the single-input parts of them,
  chosen at random: packing is associative), the blocks summarised in a
  random order give the summary of all the logs, byte for byte, but for
  "inputs" (which names the files read);
- idempotence: packing a part alone gives the same bytes;
- size: the corpus's part is at most 1/5 of its logs (the ratio is
  printed);
- a part is an input like any other: merge and diff read it; what merge
  writes from a part counts as the part does;
- a damaged part is refused (exit 2, the file and what is wrong), and
  nothing of it counted while the good inputs beside it are.
"""
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import OrderedDict

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def run(tally, *args, ok=(0,)):
    p = subprocess.run([tally, *args], capture_output=True)
    if p.returncode not in ok:
        sys.exit("tally %s: exit %d\n%s" % (" ".join(args), p.returncode,
                                             p.stderr.decode()[-2000:]))
    return p


def summary(tally, files):
    """The JSON summary's text without "inputs", in its own key order."""
    out = run(tally, "summary", "--format", "json", *files).stdout
    doc = json.loads(out, object_pairs_hook=OrderedDict)
    doc.pop("inputs")
    return json.dumps(doc)


def inputs(data, corpus):
    files = []
    if corpus and os.path.isdir(corpus):
        for root, _, names in os.walk(corpus):
            files += [os.path.join(root, n) for n in names
                      if not n.endswith(".md")]
    else:
        samples = os.path.join(data, "samples")
        files += [os.path.join(samples, n) for n in os.listdir(samples)
                  if n.endswith(".sarif")]
    fmts = os.path.join(data, "formats")
    for root, _, names in os.walk(fmts):
        files += [os.path.join(root, n) for n in names
                  if not n.endswith(".md")]
    return sorted(files)


def main():
    args = sys.argv[1:]
    n_part, seed = 4, 20261206
    if "--partitions" in args:
        i = args.index("--partitions")
        n_part = int(args[i + 1])
        del args[i:i + 2]
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    tally, data = args[0], args[1]
    corpus = args[2] if len(args) > 2 else None
    files = inputs(data, corpus)
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="tally-parts-")

    # one part per input, and the part of everything
    single = {}
    for k, f in enumerate(files):
        single[f] = os.path.join(tmp, "in%03d.tally" % k)
        run(tally, "pack", f, "-o", single[f])
    whole = os.path.join(tmp, "all.tally")
    run(tally, "pack", *files, "-o", whole)
    want = summary(tally, files)
    check(summary(tally, [whole]) == want,
          "the part of all inputs summarises as the inputs do")

    # idempotence: a part packed alone is the same bytes
    again = os.path.join(tmp, "again.tally")
    run(tally, "pack", whole, "-o", again)
    check(open(whole, "rb").read() == open(again, "rb").read(),
          "packing a part alone gives the same bytes")

    # size against the logs it came from
    logs = sum(os.path.getsize(f) for f in files)
    ratio = logs / os.path.getsize(whole)
    print("parts: %d inputs, %d bytes of logs -> a part of %d bytes: "
          "1/%.1f" % (len(files), logs, os.path.getsize(whole), ratio))
    if corpus and os.path.isdir(corpus):
        check(ratio >= 5, "a part is at most 1/5 of its logs")

    # partitions, in random orders
    for t in range(n_part):
        order = files[:]
        rng.shuffle(order)
        k = rng.randint(1, min(6, len(order)))
        cuts = sorted(rng.sample(range(1, len(order)), k - 1))
        blocks = [order[a:b] for a, b in zip([0] + cuts, cuts + [None])]
        parts = []
        for j, blk in enumerate(blocks):
            src = [single[f] if rng.random() < 0.5 else f for f in blk]
            out = os.path.join(tmp, "p%d_%d.tally" % (t, j))
            run(tally, "pack", *src, "-o", out)
            parts.append(out)
        rng.shuffle(parts)
        got = summary(tally, parts)
        check(got == want, "partition %d (%d blocks) summarises as the "
              "inputs do" % (t, len(blocks)))
        print("partition %d: %d blocks: %s" % (
            t, len(blocks), "same" if got == want else "DIFFERENT"))

    # merge and diff read a part; merge's log counts as the part does
    merged = os.path.join(tmp, "merged.sarif")
    run(tally, "merge", whole, "-o", merged)
    a = json.loads(run(tally, "summary", "--format", "json",
                       merged).stdout)
    b = json.loads(run(tally, "summary", "--format", "json",
                       whole).stdout)
    for key in ("unique", "suppressed", "by_level", "by_tool", "by_rule",
                "by_file"):
        check(a.get(key) == b.get(key),
              "merge of a part keeps its %s" % key)
    d = json.loads(run(tally, "diff", "--format", "json", "--baseline",
                       whole, files[0]).stdout)
    c = d["counts"]
    check(c["new"] == 0 and c["absent"] > 0 and
          c["unchanged"] + c["updated"] + c["suppressed"] > 0,
          "diff reads a part as its baseline: %r" % c)

    # a part on standard input, as any input
    with open(whole, "rb") as f:
        p = subprocess.run([tally, "summary", "--format", "json", "-"],
                           stdin=f, capture_output=True)
    doc = json.loads(p.stdout, object_pairs_hook=OrderedDict)
    doc.pop("inputs")
    check(p.returncode == 0 and json.dumps(doc) == want,
          "a part read from standard input: %r" % p.stderr[-300:])

    # -o a device writes into it, never replaces it (as merge does)
    if os.path.exists("/dev/null") and os.access("/dev", os.W_OK):
        run(tally, "pack", files[0], "-o", "/dev/null")
        check(os.path.exists("/dev/null") and
              not os.path.isfile("/dev/null"),
              "pack -o /dev/null leaves the device in place")

    # damaged parts: refused whole, the good input beside them counted
    raw = open(single[files[0]], "rb").read()
    cases = {
        "truncated": raw[:len(raw) - 7],
        "header only": raw[:40],
        "checksum": raw[:32] + bytes([raw[32] ^ 1]) + raw[33:],
        "body bit": raw[:-1] + bytes([raw[-1] ^ 0x10]),
        "version": raw[:8] + b"\x02" + raw[9:],
        "magic only": raw[:8],
    }
    good = files[-1]
    alone = json.loads(run(tally, "summary", "--format", "json",
                           good).stdout)
    for name, blob in cases.items():
        bad = os.path.join(tmp, "bad.tally")
        with open(bad, "wb") as f:
            f.write(blob)
        p = run(tally, "summary", "--format", "json", bad, good, ok=(2,))
        err = p.stderr.decode()
        doc = json.loads(p.stdout)
        check(bad in err and "part" in err,
              "damaged part (%s): the file and what is wrong: %r" %
              (name, err[:200]))
        check(doc["total"] == alone["total"] and
              doc["unique"] == alone["unique"],
              "damaged part (%s): nothing of it counted" % name)

    # nothing readable: nothing written (exit 2), not an empty part
    none = os.path.join(tmp, "none.tally")
    run(tally, "pack", os.path.join(tmp, "missing.sarif"), "-o", none,
        ok=(2,))
    check(not os.path.exists(none), "pack of nothing readable writes nothing")

    if FAILURES:
        print("%d failed" % len(FAILURES))
        return 1
    print("parts_test: all laws held (%d partitions)" % n_part)
    return 0


if __name__ == "__main__":
    sys.exit(main())
