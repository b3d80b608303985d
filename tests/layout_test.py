#!/usr/bin/env python3
"""tests/layout_test.py TALLY DATA - the layout of the SARIF tally writes.

`tally merge` and `tally diff --format sarif` write compact JSON by
default and indented JSON with --pretty. Checked here against a reference
written independently of tally (a tokenizer and a pretty printer below):

  - compact: no whitespace between tokens, one newline at the end;
  - pretty: exactly the reference layout of the same tokens (two spaces a
    level, one member or element a line, ": " after keys, {} and [] when
    empty), one newline at the end;
  - both: the same tokens, so the same JSON, and every string byte for
    byte as the input wrote it (escapes kept, \\u escapes not decoded).

Inputs: tests/data/layout/tricky.sarif (strings holding brackets, quotes,
escaped backslashes at their end, whitespace, \\u escapes; empty objects
and arrays; odd whitespace between tokens), the sample logs, and a
baseline diff. Exit 0 when all hold, 1 otherwise.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[ \t\r\n]+|[^ \t\r\n{}\[\],:"]+',
                   re.S)


def tokens(b):
    out = []
    pos = 0
    for m in TOKEN.finditer(b):
        if m.start() != pos:
            raise ValueError("untokenizable byte at %d" % pos)
        pos = m.end()
        if not m.group()[:1].isspace():
            out.append(m.group())
    if pos != len(b):
        raise ValueError("untokenizable byte at %d" % pos)
    return out


def reference_pretty(toks):
    out = []
    depth = 0
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in (b"{", b"["):
            close = b"}" if t == b"{" else b"]"
            if i + 1 < len(toks) and toks[i + 1] == close:
                out.append(t + close)
                i += 2
                continue
            depth += 1
            out.append(t + b"\n" + b"  " * depth)
        elif t in (b"}", b"]"):
            depth -= 1
            out.append(b"\n" + b"  " * depth + t)
        elif t == b",":
            out.append(b",\n" + b"  " * depth)
        elif t == b":":
            out.append(b": ")
        else:
            out.append(t)
        i += 1
    return b"".join(out)


def check(name, compact, pretty, must_hold):
    bad = []
    if not compact.endswith(b"}\n") or not pretty.endswith(b"}\n"):
        bad.append("does not end with '}' and one newline")
    ct, pt = tokens(compact[:-1]), tokens(pretty[:-1])
    if b"".join(ct) != compact[:-1]:
        bad.append("compact output has whitespace between tokens")
    if ct != pt:
        bad.append("compact and pretty outputs hold different tokens")
    if reference_pretty(pt) != pretty[:-1]:
        ref = reference_pretty(pt)
        k = next((j for j in range(min(len(ref), len(pretty)))
                  if ref[j] != pretty[j]), min(len(ref), len(pretty)))
        bad.append("pretty output differs from the reference layout at "
                   "byte %d: %r, want %r" % (k, pretty[k:k + 40],
                                              ref[k:k + 40]))
    try:
        if json.loads(compact) != json.loads(pretty):
            bad.append("compact and pretty outputs are different JSON")
    except ValueError as e:
        bad.append("an output is not JSON: %s" % e)
    for s in must_hold:
        if s not in ct:
            bad.append("string %r not written as the input wrote it" % s)
    for b in bad:
        print("FAIL: %s: %s" % (name, b))
    if not bad:
        print("ok: %s (%d bytes compact, %d pretty)" %
              (name, len(compact), len(pretty)))
    return not bad


def run(tally, args, out, cwd):
    p = subprocess.run([tally] + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise SystemExit("FAIL: tally %s: exit %d: %s" %
                         (" ".join(args), p.returncode, p.stderr.decode()))
    if out is None:
        return p.stdout
    with open(out, "rb") as f:
        return f.read()


def main():
    tally, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    ok = True
    tricky = os.path.join(data, "layout")
    samples = os.path.join(data, "samples")
    logs = sorted(f for f in os.listdir(samples) if f.endswith(".sarif"))
    with tempfile.TemporaryDirectory() as tmp:
        c, p = os.path.join(tmp, "c.sarif"), os.path.join(tmp, "p.sarif")
        kept = [b'"  x = \\"{[,:]}\\"  \\u2018q\\u2019 \\\\\\\\ \\/"',
                b'"ends in a backslash \\\\"', b'"ws in key "',
                b'"lay\\tout \\"tool\\""', b'"second\\nline"']
        for name, cwd, files, want in (
                ("merge tricky", tricky, ["tricky.sarif"], kept),
                ("merge samples", samples, logs, [])):
            compact = run(tally, ["merge", "--no-progress", "-o", c] + files,
                          c, cwd)
            pretty = run(tally, ["merge", "--no-progress", "--pretty", "-o",
                                 p] + files, p, cwd)
            ok &= check(name, compact, pretty, want)
        args = ["diff", "--format", "sarif", "--baseline", logs[0], logs[1]]
        compact = run(tally, args, None, samples)
        pretty = run(tally, args[:1] + ["--pretty"] + args[1:], None, samples)
        ok &= check("diff --format sarif samples", compact, pretty, [])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
