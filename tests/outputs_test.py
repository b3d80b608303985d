#!/usr/bin/env python3
"""tests/outputs_test.py TALLY DATA CORPUS - `tally merge --format
codeclimate|junit|junit-files|csv`.

Each output is read back with Python's own parsers (json, csv,
xml.etree) and compared with what this script reads from the same SARIF
logs itself: the unique results (tool, rule, file, line, column, message,
level, suppression), deduplicated by their exact key, as a multiset. Then:
Code Climate fingerprints are distinct, survive the code moving down (every
line + 7) and change with the message; JUnit's counts of tests, failures
and skipped cases follow the levels; CSV round-trips names with commas,
quotes and line breaks; XML holds names with markup and control bytes;
with --baseline, CSV lists the absent results and the others leave them
out; --pretty is refused for a format that is not SARIF.
"""
import collections
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

TALLY, DATA, CORPUS = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []
LEVELS = ("none", "note", "warning", "error")
SEVERITY = {"none": "info", "note": "minor", "warning": "major",
            "error": "critical"}


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def merge(fmt, paths, *extra, expect=0):
    out = tempfile.NamedTemporaryFile(suffix="." + fmt, delete=False).name
    p = subprocess.run([TALLY, "merge", "--format", fmt, "-o", out,
                        *extra, *paths], capture_output=True)
    check(p.returncode == expect, "merge %s %s: exit %d: %s" %
          (fmt, paths, p.returncode, p.stderr.decode(errors="replace")))
    with open(out, "rb") as f:
        data = f.read()
    os.unlink(out)
    return data.decode("utf-8")


def uri(s):
    if s.startswith("file://"):
        s = s[len("file://"):]
    while "//" in s:
        s = s.replace("//", "/")
    while s.startswith("./"):
        s = s[2:]
    return s


def read_sarif(path):
    """The results of a plain SARIF log: ruleId, message.text, levels from
    the result or its rule's default, the first location's region."""
    with open(path, "rb") as f:
        log = json.load(f)
    out = []
    for run in log.get("runs") or []:
        driver = run["tool"]["driver"]
        rules = driver.get("rules") or []
        by_id = {r.get("id"): r for r in rules}
        for r in run.get("results") or []:
            rule = r.get("ruleId")
            desc = None
            if "ruleIndex" in r and 0 <= r["ruleIndex"] < len(rules):
                desc = rules[r["ruleIndex"]]
            if rule is None:
                rule = (desc or {}).get("id", "")
            if desc is None:
                desc = by_id.get(rule)
            level = r.get("level")
            if level is None and r.get("kind", "fail") != "fail":
                level = "none"
            if level is None:
                level = ((desc or {}).get("defaultConfiguration") or
                         {}).get("level", "warning")
            file, line, col, off = "", 0, 0, 0
            locs = r.get("locations") or []
            if locs:
                phys = locs[0].get("physicalLocation") or {}
                file = uri((phys.get("artifactLocation") or {})
                           .get("uri", ""))
                reg = phys.get("region") or {}
                line = reg.get("startLine", 0)
                col = reg.get("startColumn", 0)
                off = reg.get("charOffset", reg.get("byteOffset", 0))
            sup = r.get("suppressions") or []
            suppressed = bool(sup) and not any(
                s.get("status") in ("underReview", "rejected") for s in sup)
            out.append({"tool": driver.get("name") or "", "rule": rule,
                        "file": file, "line": line, "column": col,
                        "offset": off, "level": level,
                        "message": (r.get("message") or {}).get("text", ""),
                        "suppressed": suppressed})
    return out


def unique(paths):
    seen, out = set(), []
    for p in paths:
        for r in read_sarif(p):
            k = (r["tool"], r["rule"], r["file"], r["line"], r["column"],
                 r["offset"], r["message"], r["suppressed"])
            if k not in seen:
                seen.add(k)
                out.append(r)
    return out


def row_key(r):
    return (r["tool"], r["rule"], r["file"], r["line"], r["column"],
            r["message"], r["level"], r["suppressed"])


def check_csv(paths, want, label):
    text = merge("csv", paths)
    check("\r\n" in text, "%s: csv lines end in CRLF" % label)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    got = collections.Counter(
        (r["tool"], r["rule"], r["file"], int(r["line"] or 0),
         int(r["column"] or 0), r["message"], r["level"],
         r["suppressed"] == "true") for r in rows)
    check(got == collections.Counter(map(row_key, want)),
          "%s: csv rows are the unique results (%d rows, %d wanted)" %
          (label, len(rows), len(want)))
    check(all(r["baseline_state"] == "" for r in rows),
          "%s: no baseline, no state" % label)


def check_codeclimate(paths, want, label):
    issues = json.loads(merge("codeclimate", paths))
    active = [r for r in want if not r["suppressed"]]
    got = collections.Counter(
        (i["engine_name"], i["check_name"], i["location"]["path"],
         i["location"].get("positions", {}).get("begin", {}).get("line",
         i["location"].get("lines", {}).get("begin")),
         i["description"], i["severity"]) for i in issues)
    exp = collections.Counter(
        (r["tool"], r["rule"], r["file"], r["line"] or 1, r["message"],
         SEVERITY[r["level"]]) for r in active)
    check(got == exp, "%s: codeclimate issues are the active unique "
          "results (%d issues, %d wanted)" % (label, len(issues), len(exp)))
    check(all(i["type"] == "issue" and len(i["fingerprint"]) == 32
              for i in issues), "%s: issue type and fingerprint" % label)
    fps = [i["fingerprint"] for i in issues]
    check(len(set(fps)) == len(fps), "%s: fingerprints distinct (%d of %d)"
          % (label, len(set(fps)), len(fps)))
    return issues


def check_junit(paths, want, label):
    root = ET.fromstring(merge("junit", paths))
    cases = root.findall("./testsuite/testcase")
    check(len(cases) == len(want) == int(root.get("tests")),
          "%s: junit: a testcase per result (%d, %d wanted)" %
          (label, len(cases), len(want)))
    fail = sum(1 for r in want if not r["suppressed"] and
               r["level"] in ("warning", "error"))
    skip = sum(1 for r in want if r["suppressed"])
    check(sum(len(c.findall("failure")) for c in cases) == fail ==
          int(root.get("failures")), "%s: junit failures = active "
          "warnings and errors (%d)" % (label, fail))
    check(sum(len(c.findall("skipped")) for c in cases) == skip ==
          int(root.get("skipped")), "%s: junit skipped = suppressed (%d)" %
          (label, skip))
    for s in root.findall("testsuite"):
        n = sum(1 for r in want if xml_shown(r["tool"]) == s.get("name"))
        check(int(s.get("tests")) == len(s.findall("testcase")) == n,
              "%s: suite %s holds its tool's results (%d)" %
              (label, s.get("name"), n))
    got = collections.Counter(
        (c.get("classname"), c.get("file"),
         (c.find("failure").get("message") if c.find("failure") is not None
          else None)) for c in cases)
    exp = collections.Counter(
        (xml_shown(r["tool"]), xml_shown(r["file"]),
         xml_shown(r["message"]) if not r["suppressed"] and
         r["level"] in ("warning", "error") else None) for r in want)
    check(got == exp, "%s: junit testcases name their tool, file and "
          "message" % label)

    root = ET.fromstring(merge("junit-files", paths))
    cases = root.findall("./testsuite/testcase")
    files = collections.defaultdict(list)
    for r in want:
        files[(r["tool"], r["file"])].append(r)
    check(len(cases) == len(files), "%s: junit-files: a testcase per tool "
          "and file (%d, %d wanted)" % (label, len(cases), len(files)))
    nfail = sum(1 for rs in files.values() if any(
        not r["suppressed"] and r["level"] in ("warning", "error")
        for r in rs))
    check(int(root.get("failures")) == nfail ==
          sum(len(c.findall("failure")) for c in cases),
          "%s: junit-files failures (%d)" % (label, nfail))


def shifted(path, lines, message_suffix=""):
    """A copy of @path with every startLine moved down, messages added to."""
    with open(path, "rb") as f:
        log = json.load(f)
    for run in log.get("runs") or []:
        for r in run.get("results") or []:
            if message_suffix and "text" in (r.get("message") or {}):
                r["message"]["text"] += message_suffix
            for loc in r.get("locations") or []:
                reg = (loc.get("physicalLocation") or {}).get("region")
                if reg and "startLine" in reg:
                    reg["startLine"] += lines
                    if "endLine" in reg:
                        reg["endLine"] += lines
    fd, out = tempfile.mkstemp(suffix=".sarif")
    with os.fdopen(fd, "w") as f:
        json.dump(log, f)
    return out


def hostile_log():
    names = ["a,b\"c\nd\re", "<x>&amp;'q'\"", "tab\there\x01ctl\x1f",
             "", "=cmd|' /C calc'!A0", "ünï\u2028cödé"]
    results = []
    for i, n in enumerate(names):
        results.append({"ruleId": "R" + n, "level": LEVELS[i % 4],
                        "message": {"text": "m " + n},
                        "locations": [{"physicalLocation": {
                            "artifactLocation": {"uri": "f" + n},
                            "region": {"startLine": i + 1}}}]})
    results.append(dict(results[0], suppressions=[{"kind": "inSource"}]))
    log = {"version": "2.1.0", "runs": [
        {"tool": {"driver": {"name": "T<&>\"'" + "\x02"}},
         "results": results}]}
    fd, out = tempfile.mkstemp(suffix=".sarif")
    with os.fdopen(fd, "w") as f:
        json.dump(log, f)
    return out


def xml_shown(s):
    """A string as the XML can hold it: controls but \\t \\n \\r as U+FFFD."""
    return "".join("\ufffd" if ord(c) < 0x20 and c not in "\t\n\r" else c
                   for c in s)


def main():
    sets = {
        "curl": [os.path.join(CORPUS, "curl", n) for n in (
            "flawfinder.sarif", "cppcheck-multitool.sarif",
            "markdownlint.sarif")],
        "express": [os.path.join(CORPUS, "express", n) for n in (
            "eslint-recommended.sarif", "eslint-all.sarif", "jscpd.sarif",
            "secretlint.sarif")],
        "suppressed": [os.path.join(DATA, "spec", n) for n in sorted(
            os.listdir(os.path.join(DATA, "spec")))
            if n.startswith("suppress") and n.endswith(".sarif")],
    }
    for label, paths in sets.items():
        paths = [p for p in paths if os.path.exists(p)]
        check(paths, "%s: inputs found" % label)
        want = unique(paths)
        summ = json.loads(subprocess.run(
            [TALLY, "summary", "--format", "json", *paths],
            capture_output=True).stdout)
        check(len(want) == summ["unique"] + summ["suppressed"],
              "%s: this reader's unique results (%d) = summary's (%d)" %
              (label, len(want), summ["unique"] + summ["suppressed"]))
        check_csv(paths, want, label)
        check_codeclimate(paths, want, label)
        check_junit(paths, want, label)

    # Fingerprints: the same when the code moves, not when the text does.
    base = sets["curl"][0]
    fp = {i["fingerprint"] for i in json.loads(merge("codeclimate", [base]))}
    moved = shifted(base, 7)
    fp2 = {i["fingerprint"] for i in json.loads(merge("codeclimate",
                                                      [moved]))}
    check(fp == fp2 and fp, "fingerprints survive every line moving by 7 "
          "(%d of %d kept)" % (len(fp & fp2), len(fp)))
    reworded = shifted(base, 0, " (reworded)")
    fp3 = {i["fingerprint"] for i in json.loads(merge("codeclimate",
                                                      [reworded]))}
    check(not (fp & fp3), "fingerprints change with the message (%d kept)"
          % len(fp & fp3))

    # Names that CSV, JSON and XML must hold.
    bad = hostile_log()
    want = unique([bad])
    check_csv([bad], want, "hostile")
    check_codeclimate([bad], want, "hostile")
    check_junit([bad], want, "hostile")
    root = ET.fromstring(merge("junit", [bad]))
    msgs = sorted(f.get("message") for f in root.iter("failure"))
    exp = sorted(xml_shown(r["message"]) for r in want
                 if not r["suppressed"] and r["level"] in ("warning",
                                                          "error"))
    check(msgs == exp, "hostile: failure messages read back: %r" % msgs)
    check(root.find("testsuite").get("name") == xml_shown(want[0]["tool"]),
          "hostile: suite named by its tool")

    # A baseline: CSV lists the absent ones, the others leave them out.
    old, new = sets["curl"][0], moved
    text = merge("csv", [sets["curl"][1]], "--baseline", old)
    states = collections.Counter(r["baseline_state"] for r in
                                 csv.DictReader(io.StringIO(text,
                                                            newline="")))
    check(states["absent"] == len(unique([old])) and states["new"] ==
          len(unique([sets["curl"][1]])), "baseline: csv states %s" %
          dict(states))
    issues = json.loads(merge("codeclimate", [sets["curl"][1]],
                              "--baseline", old))
    check(len(issues) == len(unique([sets["curl"][1]])),
          "baseline: codeclimate leaves the absent out")
    merge("csv", [new], "--pretty", expect=2)

    # diff --new-only: the SARIF holds exactly the results the JSON lists
    # as new, each "new"; a suppressed result that matches nothing is not.
    old = os.path.join(CORPUS, "express", "eslint-recommended.sarif")
    cur = os.path.join(CORPUS, "express", "eslint-all.sarif")
    for b, c in ((old, cur), (sets["suppressed"][0], bad)):
        full = json.loads(subprocess.run(
            [TALLY, "diff", "-f", "json", "-b", b, c],
            capture_output=True).stdout)
        listed = json.loads(subprocess.run(
            [TALLY, "diff", "-f", "json", "--new-only", "-b", b, c],
            capture_output=True).stdout)
        check(listed["counts"] == full["counts"], "new-only: counts whole")
        want = collections.Counter(
            (r["tool"], r["rule"], r["file"], r["line"], r["column"],
             r["message"]) for r in full["results"] if r["state"] == "new")
        check(collections.Counter(
            (r["tool"], r["rule"], r["file"], r["line"], r["column"],
             r["message"]) for r in listed["results"]) == want,
            "new-only: json lists the new results")
        fd, out = tempfile.mkstemp(suffix=".sarif")
        os.close(fd)
        p = subprocess.run([TALLY, "diff", "-f", "sarif", "--new-only",
                            "-b", b, c, "-o", out], capture_output=True)
        check(p.returncode == 0, "new-only: sarif written")
        got = read_sarif(out)
        with open(out, "rb") as f:
            states = {r.get("baselineState") for run in json.load(f)["runs"]
                      for r in run["results"]}
        os.unlink(out)
        check(states <= {"new"} and collections.Counter(
            (r["tool"], r["rule"], r["file"], r["line"], r["column"],
             r["message"]) for r in got) == want,
            "new-only: sarif holds the %d new results (%d)" %
            (sum(want.values()), len(got)))
        check(not any(r["suppressed"] for r in got),
              "new-only: no suppressed result")

    for p in (moved, reworded, bad):
        os.unlink(p)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("outputs_test: all checks passed")
    return 0


sys.exit(main())
