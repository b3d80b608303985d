"""diff() and clusters() on logs written here, expectations by hand."""
import json

import pytest

import tally


def result(rule, uri, line, text, level="warning", suppressed=False):
    r = {"ruleId": rule, "level": level, "message": {"text": text},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri},
                                             "region": {"startLine": line}}}]}
    if suppressed:
        r["suppressions"] = [{"kind": "inSource"}]
    return r


def write_log(path, runs):
    """runs: {tool: [result, ...]}"""
    path.write_text(json.dumps({"version": "2.1.0", "runs": [
        {"tool": {"driver": {"name": t}}, "results": rs} for t, rs in runs.items()]}))
    return path


def test_diff(tmp_path):
    base = write_log(tmp_path / "base.sarif", {"lint": [
        result("R1", "a.c", 10, "same"),        # unchanged
        result("R1", "a.c", 20, "moved"),       # updated: moved 2 lines
        result("R2", "b.c", 5, "fixed"),        # absent
    ]})
    cur = write_log(tmp_path / "cur.sarif", {"lint": [
        result("R1", "a.c", 10, "same"),
        result("R1", "a.c", 22, "moved"),
        result("R3", "c.c", 1, "brand new", level="error"),
        result("R4", "d.c", 1, "hidden", suppressed=True),  # new but suppressed
    ]})
    d = tally.diff(base, cur)
    assert d["counts"] == {"new": 1, "unchanged": 1, "updated": 1, "absent": 1}
    assert d["suppressed"] == 1
    got = [(x["state"], x["rule"], x["file"], x["line"], x["index"]) for x in d["entries"]]
    assert got == [("unchanged", "R1", "a.c", 10, 0), ("updated", "R1", "a.c", 22, 1),
                   ("new", "R3", "c.c", 1, 2), ("absent", "R2", "b.c", 5, 2)]
    updated = d["entries"][1]
    assert updated["base"]["line"] == 20 and updated["base"]["message"] == "moved"
    assert d["entries"][2]["base"] is None and d["entries"][2]["level"] == "error"
    assert d["entries"][0]["tool"] == "lint"


def test_diff_bad_input_names_it(tmp_path):
    good = write_log(tmp_path / "good.sarif", {"lint": []})
    bad = tmp_path / "bad.sarif"
    bad.write_text("{")
    with pytest.raises(tally.ParseError) as ei:
        tally.diff(good, bad)
    assert ei.value.path == str(bad)


def test_clusters(tmp_path):
    # Two tools, one file, a shared CWE (named in the messages), lines 2
    # apart: one cluster. The third finding is 100 lines away: in none.
    a = write_log(tmp_path / "a.sarif", {"toolA": [
        result("nullPointer", "src/m.c", 40, "Null pointer dereference (CWE-476)", "error"),
        result("nullPointer", "src/m.c", 140, "Null pointer dereference (CWE-476)")]})
    b = write_log(tmp_path / "b.sarif", {"toolB": [
        result("NPD", "src/m.c", 42, "possible NULL dereference CWE-476")]})
    c = tally.clusters([a, b])
    assert len(c["clusters"]) == 1
    k = c["clusters"][0]
    assert (k["path"], k["first_line"], k["last_line"], k["size"], k["cwe"]) == \
        ("src/m.c", 40, 42, 2, 476)
    assert k["tools"] == ["toolA", "toolB"]
    assert [(m["tool"], m["line"]) for m in k["members"]] == [("toolA", 40), ("toolB", 42)]
    assert k["members"][0]["level"] == "error"  # the representative: highest level
    assert c["tools"] == ["toolA", "toolB"]
    assert c["categorized"] == {"toolA": 2, "toolB": 1}
    assert c["agreement"][("toolA", "toolB")] == 1 == c["agreement"][("toolB", "toolA")]
    assert tally.clusters([a], window=3)["clusters"] == []
