#!/usr/bin/env python3
"""tests/check_test.py TALLY - `tally check`: what GitHub code scanning
would reject or mishandle.

Each case is a log this script builds with exactly one problem (or none),
sized one past GitHub's documented limit and at the limit itself; the
findings read from --format json must be exactly the codes the case
expects, each counted as often as the case repeats it, and the exit status
1 exactly when one of them is a rejection. A clean log gives nothing; a
log that is not JSON exits 2 with the offset.
"""
import base64
import json
import os
import random
import subprocess
import sys
import tempfile

TALLY = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def result(i=0, uri="src/a.c", line=None, **extra):
    r = {"ruleId": "R1", "level": "warning", "message": {"text": "m%d" % i},
         "locations": [{"physicalLocation": {
             "artifactLocation": {"uri": uri},
             "region": {"startLine": line if line is not None else i + 1}}}]}
    r.update(extra)
    return r


def run(name="T", results=None, **extra):
    r = {"tool": {"driver": {"name": name}},
         "results": results if results is not None else [result()]}
    r.update(extra)
    return r


def log(*runs, version="2.1.0"):
    return {"version": version, "runs": list(runs) or [run()]}


def check_log(label, doc, want, raw=None):
    """@want: {code: count}. Rejections are the codes outside SHOWN."""
    fd, path = tempfile.mkstemp(suffix=".sarif")
    with os.fdopen(fd, "w") as f:
        f.write(raw if raw is not None else json.dumps(doc))
    p = subprocess.run([TALLY, "check", "--format", "json", path],
                       capture_output=True, text=True)
    os.unlink(path)
    try:
        out = json.loads(p.stdout)[0]
    except (ValueError, IndexError):
        check(False, "%s: json output: %r %r" % (label, p.stdout, p.stderr))
        return
    got = {f["code"]: f["count"] for f in out["findings"]}
    check(got == want, "%s: findings %s, want %s" % (label, got, want))
    rejected = any(f["rejected"] for f in out["findings"])
    check(rejected == out["rejected"] and p.returncode == (1 if rejected
          else 0), "%s: exit %d, rejected %s" % (label, p.returncode,
                                               rejected))
    for f in out["findings"]:
        check(f["message"] and (f["offset"] is None or f["offset"] >= 0),
              "%s: %s described" % (label, f["code"]))


def main():
    check_log("clean", log(run("A", [result(i) for i in range(3)]),
                           run("B")), {})

    # The documented limits: one past is a finding, at the limit is not.
    check_log("runs 20", log(*[run("T%d" % i) for i in range(20)]), {})
    check_log("runs 21", log(*[run("T%d" % i) for i in range(21)]),
              {"runs": 1})
    many = [result(i) for i in range(25001)]
    check_log("results 25001", log(run(results=many)), {"results": 1})
    check_log("results 5001", log(run(results=many[:5001])),
              {"results-shown": 1})
    check_log("results 5000", log(run(results=many[:5000])), {})
    rules = [{"id": "R%d" % i} for i in range(25001)]
    r = run()
    r["tool"]["driver"]["rules"] = rules
    check_log("rules 25001", log(r), {"rules": 1})
    r["tool"]["driver"]["rules"] = rules[:25000]
    check_log("rules 25000", log(r), {})
    r = run()
    r["tool"]["extensions"] = [{"name": "x%d" % i} for i in range(101)]
    check_log("extensions 101", log(r), {"extensions": 1})
    loc = result()["locations"][0]
    check_log("locations 1001", log(run(results=[
        result(locations=[loc] * 1001)])), {"locations": 1})
    check_log("locations 101 twice", log(run(results=[
        result(0, locations=[loc] * 101), result(1, locations=[loc] * 101)])),
        {"locations-shown": 2})
    check_log("locations 100", log(run(results=[
        result(locations=[loc] * 100)])), {})

    def flows(n):
        return [{"threadFlows": [{"locations": [{}] * (n - n // 2)},
                                 {"locations": [{}] * (n // 2)}]}]
    check_log("thread flow locations 10001", log(run(results=[
        result(codeFlows=flows(10001))])), {"thread-flow-locations": 1})
    check_log("thread flow locations 1001", log(run(results=[
        result(codeFlows=flows(1001))])), {"thread-flow-locations-shown": 1})
    check_log("thread flow locations 1000", log(run(results=[
        result(codeFlows=flows(1000))])), {})
    for n, want in ((21, {"rule-tags": 1}), (11, {"rule-tags-shown": 1}),
                    (10, {})):
        r = run()
        r["tool"]["driver"]["rules"] = [{"id": "R1", "properties": {
            "tags": ["t%d" % i for i in range(n)]}}]
        check_log("tags %d" % n, log(r), want)
    check_log("version", log(run(), version="2.0.0"), {"version": 1})

    # Two runs of one tool and category; distinct categories are fine.
    check_log("same tool twice", log(run("A"), run("A")),
              {"run-category": 1})
    check_log("same tool, categories a/ b/", log(
        run("A", automationDetails={"id": "a/"}),
        run("A", automationDetails={"id": "b/"})), {})
    check_log("same tool, one category cat/1 cat/2", log(
        run("A", automationDetails={"id": "cat/1"}),
        run("A", automationDetails={"id": "cat/2"})), {"run-category": 1})
    d1, d2 = run("A"), run("A")
    d2["tool"]["driver"]["version"] = "2"
    check_log("same name, other version", log(d1, d2), {})

    # Paths.
    check_log("absolute uris", log(run(results=[
        result(0, "/src/a.c"), result(1, "file:///src/b.c"),
        result(2, "C:/src/c.c"), result(3, "src/d.c")])),
        {"uri-absolute": 3})
    r = result(0, "/src/a.c")
    r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] \
        = "SRC"
    check_log("uriBaseId", log(run(results=[r])), {})
    check_log("unstable uris", log(run(results=[
        result(0, "a/../b.c"), result(1, "a\\b.c"), result(2, "a/..b.c"),
        result(3, "../b.c")])), {"uri-unstable": 3})

    # Fingerprints.
    def fp(i, v, line=None, key="k/v1"):
        return result(i, line=line, partialFingerprints={key: v})
    check_log("placeholders", log(run(results=[
        fp(0, ""), fp(1, "0000"), fp(2, "abc")])),
        {"fingerprint-placeholder": 2})
    check_log("collision", log(run(results=[
        fp(0, "abc"), fp(1, "abc"), fp(2, "abd")])),
        {"fingerprint-collision": 1})
    check_log("same place, same fingerprint", log(run(results=[
        fp(0, "abc", line=5), dict(fp(0, "abc", line=5),
                                   message={"text": "other"})])), {})
    check_log("other runs may share", log(
        run("A", [fp(0, "abc")]), run("B", [fp(1, "abc")])), {})
    check_log("line numbers", log(run(results=[
        fp(0, "a.c:42", line=42), fp(1, "h-4210", line=42),
        fp(2, "a.c:7:col", line=7),
        fp(3, "f00d:42", line=42, key="primaryLocationLineHash")])),
        {"fingerprint-line-number": 2})

    # Over 10 MB gzip-compressed: random text does not compress.
    rnd = random.Random(7)
    big = [result(i, message={"text": base64.b64encode(
        rnd.randbytes(3000)).decode()}) for i in range(4000)]
    check_log("gzip size", log(run(results=big)), {"gzip-size": 1})

    # Not JSON: exit 2, the offset said.
    fd, path = tempfile.mkstemp(suffix=".sarif")
    with os.fdopen(fd, "w") as f:
        f.write('{"version": "2.1.0", "runs": [}')
    p = subprocess.run([TALLY, "check", path], capture_output=True,
                       text=True)
    os.unlink(path)
    check(p.returncode == 2 and "offset 30" in p.stderr,
          "bad JSON: exit %d, %r" % (p.returncode, p.stderr))

    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("check_test: all checks passed")
    return 0


sys.exit(main())
