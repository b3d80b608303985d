#!/usr/bin/env python3
"""tests/github_test.py TALLY - `tally merge --github`: a log GitHub code
scanning accepts.

The script builds the logs itself and works out, on its own, what the
merged log must hold: a run per tool and category, each with its category
as automationDetails.id; a run kept apart (its own tool.extensions) in a
category of its own; at most 25,000 results a run, the ones kept being the
first by level, rule, file, line, column (this script sorts them); absent
and suppressed results left out (suppressed kept with --keep-suppressed);
and `tally check` finding nothing that GitHub would reject in the output,
where it does in the plain merge of the same logs.
"""
import json
import os
import subprocess
import sys
import tempfile

TALLY = sys.argv[1]
failures = []
tmp = tempfile.mkdtemp(prefix="tally-github-")


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def result(rule="R1", uri="src/a.c", line=1, level="warning", col=None,
           text=None, **extra):
    region = {"startLine": line}
    if col is not None:
        region["startColumn"] = col
    r = {"ruleId": rule, "level": level,
         "message": {"text": text or "%s at %s:%d" % (rule, uri, line)},
         "locations": [{"physicalLocation": {
             "artifactLocation": {"uri": uri}, "region": region}}]}
    r.update(extra)
    return r


def run(results, name="T", category=None, extensions=None):
    tool = {"driver": {"name": name}}
    if extensions:
        tool["extensions"] = [{"name": e} for e in extensions]
    r = {"tool": tool, "results": results}
    if category is not None:
        r["automationDetails"] = {"id": category}
    return r


def write(name, *runs):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump({"version": "2.1.0", "runs": list(runs)}, f)
    return path


def merge(paths, *extra, expect=0):
    out = os.path.join(tmp, "out.sarif")
    p = subprocess.run([TALLY, "merge", *extra, "-o", out, *paths],
                       capture_output=True, text=True)
    check(p.returncode == expect, "merge %s: exit %d, want %d: %s" %
          (" ".join(extra), p.returncode, expect, p.stderr))
    if p.returncode != 0:
        return None, p.stderr
    with open(out) as f:
        return json.load(f), p.stderr


def tally_check(doc):
    path = os.path.join(tmp, "checked.sarif")
    with open(path, "w") as f:
        json.dump(doc, f)
    p = subprocess.run([TALLY, "check", "-f", "json", path],
                       capture_output=True, text=True)
    out = json.loads(p.stdout)[0]
    return p.returncode, {f["code"] for f in out["findings"]}


def run_key(r):
    return (r["tool"]["driver"]["name"],
            r.get("automationDetails", {}).get("id"))


def texts(r):
    return sorted(x["message"]["text"] for x in r["results"])


def categories():
    """Runs meet by tool and category; runs kept apart get their own."""
    logs = [
        write("a.sarif", run([result(text="a")], category="ci/linux/1")),
        write("b.sarif", run([result(text="b")], category="ci/linux/2")),
        write("c.sarif", run([result(text="c")], category="ci/mac/1")),
        write("d.sarif", run([result(text="d")])),
        write("e.sarif", run([result(text="e")], extensions=["x"])),
        write("f.sarif", run([result(text="f")], category="ci/linux/3",
                             extensions=["x"])),
        write("g.sarif", run([result(text="g")], extensions=["y"])),
        write("h.sarif", run([result(text="h")], name="U",
                             category="ci/linux/9")),
    ]
    want = {
        ("T", "ci/linux/"): ["a", "b"],
        ("T", "ci/mac/"): ["c"],
        ("T", None): ["d"],
        ("T", "tally-1/"): ["e"],
        ("T", "ci/linux/tally-1/"): ["f"],
        ("T", "tally-2/"): ["g"],
        ("U", "ci/linux/"): ["h"],
    }
    doc, _ = merge(logs, "--github")
    if doc is None:
        return
    got = {run_key(r): texts(r) for r in doc["runs"]}
    check(len(doc["runs"]) == len(got), "two runs share a tool and category")
    check(got == want, "runs by tool and category: %s" % got)
    rc, codes = tally_check(doc)
    check(rc == 0 and "run-category" not in codes,
          "tally check on --github: exit %d, %s" % (rc, codes))
    # Without --github the extension runs of T share no category: GitHub
    # refuses the log, and tally check says so (the case is real).
    plain, _ = merge(logs)
    if plain is not None:
        rc, codes = tally_check(plain)
        check(rc == 1 and "run-category" in codes,
              "tally check on the plain merge: exit %d, %s" % (rc, codes))


LEVEL_RANK = {"error": 0, "warning": 1, "note": 2, "none": 3}


def result_limit():
    """25,003 results in one run: the 25,000 first in the cut order."""
    levels = ["note", "warning", "error", "none"]
    rs = []
    for i in range(25003):
        rs.append(result(rule="R%d" % (i * 7 % 11), uri="src/f%d.c" % (i % 5),
                         line=(i * 31) % 997 + 1, col=i % 3 + 1,
                         level=levels[(i * 13) % 4], text="t%d" % i))
    path = write("many.sarif", run(rs))

    def key(ix):
        i, r = ix
        reg = r["locations"][0]["physicalLocation"]["region"]
        return (LEVEL_RANK[r["level"]], r["ruleId"],
                r["locations"][0]["physicalLocation"]["artifactLocation"][
                    "uri"], reg["startLine"], reg["startColumn"], i)
    kept = sorted(enumerate(rs), key=key)[:25000]
    want = sorted(r["message"]["text"] for _, r in kept)
    doc, err = merge([path], "--github")
    if doc is None:
        return
    r = doc["runs"][0]
    check(texts(r) == want, "the 25,000 kept are not the first by level, "
          "rule, location (%d written)" % len(r["results"]))
    cut = r.get("properties", {}).get("tallyGithubCut", {})
    check(cut.get("results") == 25003 and cut.get("written") == 25000,
          "tallyGithubCut: %s" % cut)
    check("wrote 25000 of 25003 results" in err, "stderr: %s" % err)
    # Written in reading order, not in the cut order.
    order = [int(x["message"]["text"][1:]) for x in r["results"]]
    check(order == sorted(order), "results not in reading order")
    rc, codes = tally_check(doc)
    check(rc == 0 and "results" not in codes, "check: %d %s" % (rc, codes))


def suppressed_and_absent():
    sup = {"kind": "inSource"}
    new = write("new.sarif", run([
        result(text="kept"), result(text="hidden", suppressions=[sup])]))
    old = write("old.sarif", run([
        result(text="kept"), result(text="gone", line=9)]))
    doc, err = merge([new], "--github", "--baseline", old)
    if doc is not None:
        check(texts(doc["runs"][0]) == ["kept"],
              "suppressed or absent written: %s" % texts(doc["runs"][0]))
        check("1 suppressed and 1 absent left out" in err, "stderr: " + err)
    doc, _ = merge([new], "--github", "--keep-suppressed")
    if doc is not None:
        check(texts(doc["runs"][0]) == ["hidden", "kept"],
              "--keep-suppressed: %s" % texts(doc["runs"][0]))
    # Without --github every result is written, absent ones included.
    doc, _ = merge([new], "--baseline", old)
    if doc is not None:
        check(texts(doc["runs"][0]) == ["gone", "hidden", "kept"],
              "plain merge: %s" % texts(doc["runs"][0]))
    merge([new], "--keep-suppressed", expect=2)
    merge([new], "--github", "-f", "csv", expect=2)


def main():
    categories()
    result_limit()
    suppressed_and_absent()
    if failures:
        print("github_test: %d failures" % len(failures))
        return 1
    print("github_test: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
