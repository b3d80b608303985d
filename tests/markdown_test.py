#!/usr/bin/env python3
"""tests/markdown_test.py TALLY DATA - `tally summary --format markdown`.

The numbers in the Markdown (read back with this script's own small table
parser) equal those of `--format json` on the same inputs: totals, every
level, every tool, the top rules and files in order. Names from the
inputs cannot escape their cell: a log whose tool, rule and file names
hold pipes, tags, backticks, brackets and newlines renders as tables with
the right number of cells, no raw tag, and the names decoded back intact.
"""
import html
import json
import os
import re
import subprocess
import sys
import tempfile

TALLY, DATA = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(fmt, *paths, top=5):
    p = subprocess.run([TALLY, "summary", "--format", fmt, "--top",
                        str(top), *paths], capture_output=True, text=True)
    check(p.returncode == 0, "summary %s: exit %d: %s" %
          (fmt, p.returncode, p.stderr))
    return p.stdout


def tables(md):
    """Each table: its header cells and rows of cells, in order."""
    out, cur = [], None
    for line in md.splitlines():
        if line.startswith("|"):
            # split on pipes; a cell's own pipes are character references
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cur is None:
                cur = {"head": cells, "rows": []}
                out.append(cur)
            elif not all(re.fullmatch(r"-*:?-*:?", c) for c in cells):
                cur["rows"].append(cells)
        else:
            cur = None
    return out


def name(cell):
    m = re.fullmatch(r"<code>(.*)</code>", cell)
    return html.unescape(m.group(1)) if m else ""


def shown(s):
    """A name as the Markdown shows it: control bytes as U+FFFD."""
    return re.sub(r"[\x00-\x1f\x7f]", "\ufffd", s)


def compare(paths, top):
    md = run("markdown", *paths, top=top)
    js = json.loads(run("json", *paths))
    m = re.search(r"\*\*(\d+)\*\* unique results \((\d+) read, (\d+) "
                  r"suppressed, (\d+) duplicates\)", md)
    check(m is not None and [int(x) for x in m.groups()] ==
          [js["unique"], js["total"], js["suppressed"], js["duplicates"]],
          "totals differ: %r" % ((m.groups() if m else md[:200]),))
    t = tables(md)
    check(len(t) == 4, "want 4 tables, got %d" % len(t))
    levels = {r[0]: int(r[1]) for r in t[0]["rows"]}
    check({k: v for k, v in levels.items() if v} == js["by_level"],
          "levels differ: %s vs %s" % (levels, js["by_level"]))
    tools = {name(r[0]): int(r[1]) for r in t[1]["rows"]}
    want = {shown(k): v for k, v in js["by_tool"].items()}
    check(tools == want, "tools differ: %s vs %s" % (tools, want))
    rules = [(int(r[0]), name(r[1]), name(r[2])) for r in t[2]["rows"]]
    want = [(r["count"], shown(r["tool"]), shown(r["rule"]))
            for r in js["by_rule"]][:top]
    check(rules == want, "rules differ: %s vs %s" % (rules, want))
    files = [(int(r[0]), name(r[1])) for r in t[3]["rows"]]
    want = [(f["count"], shown(f["file"])) for f in js["by_file"]][:top]
    check(files == want, "files differ: %s vs %s" % (files, want))
    for tb in t:
        for r in tb["rows"]:
            check(len(r) == len(tb["head"]), "row %s has %d cells, the "
                  "header %d" % (r, len(r), len(tb["head"])))
    return md


samples = sorted(os.path.join(DATA, "samples", f)
                 for f in os.listdir(os.path.join(DATA, "samples"))
                 if f.endswith(".sarif"))
compare(samples, 5)
compare(samples, 1000)

hostile = {"tool": "t|<script>alert(1)</script>",
           "rule": "r`x`*[y](http://e)|\n# h",
           "file": "a|b<img src=x>\r\n.c"}
log = {"version": "2.1.0", "runs": [{
    "tool": {"driver": {"name": hostile["tool"]}},
    "results": [{"ruleId": hostile["rule"], "level": "error",
                 "message": {"text": "m"},
                 "locations": [{"physicalLocation": {"artifactLocation": {
                     "uri": hostile["file"]}}}]}]}]}
with tempfile.NamedTemporaryFile("w", suffix=".sarif", delete=False) as f:
    json.dump(log, f)
try:
    md = compare([f.name], 5)
    check("<script" not in md and "<img" not in md, "a raw tag got through")
    t = tables(md)
    check(name(t[1]["rows"][0][0]) == hostile["tool"], "the tool name "
          "does not decode back")
    check(name(t[2]["rows"][0][2]) == shown(hostile["rule"]), "the rule "
          "does not decode back (control bytes as U+FFFD)")
finally:
    os.unlink(f.name)

if failures:
    print("markdown_test: %d failed" % len(failures))
    sys.exit(1)
print("markdown_test: the Markdown says what the JSON says, names stay in "
      "their cells")
