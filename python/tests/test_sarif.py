"""Reading SARIF and native formats: a hand-written log, a real log from the
corpus (expected counts from parsing its JSON here), bad inputs."""
import collections
import json
import re

import pytest

import tally
from conftest import CORPUS, DATA

SMALL = DATA / "small.sarif"


def test_read_small_fixture(engine):
    # Expectations read off data/small.sarif by hand: x.c:10 twice (the
    # "file://" form is the same file), B1 twice at two levels (the first
    # counts), one accepted suppression, one under review (active).
    rep = engine.read(SMALL)
    assert (rep["results"], rep["runs"], rep["bytes"]) == (8, 2, SMALL.stat().st_size)
    snap = engine.snapshot()
    assert snap["totals"] == {"read": 8, "unique": 5, "duplicates": 2, "suppressed": 1}
    assert snap["by_level"] == {"none": 0, "note": 3, "warning": 1, "error": 1}
    assert snap["by_tool"] == {"alpha": 4, "beta": 1}
    assert snap["by_rule"] == {("alpha", "A2"): 3, ("alpha", "A1"): 1, ("beta", "B1"): 1}
    assert snap["by_file"] == {"src/y.c": 4, "/src/x.c": 1}
    assert engine.tool_version(engine.tool("alpha")) == "1.2"


def test_read_bytes_equals_path(engine):
    data = SMALL.read_bytes()
    engine.read(data)
    first = engine.snapshot()["totals"]
    engine.read(memoryview(data))  # the same results again: all duplicates
    again = engine.snapshot()["totals"]
    assert again["unique"] == first["unique"] and again["read"] == 2 * first["read"]


def expected_from_json(path):
    """Unique/suppressed counts of a SARIF log by tally's documented key
    (tool, rule, file, line, column, offset, message, suppression)."""
    log = json.loads(path.read_text())
    seen, levels, rules = set(), collections.Counter(), collections.Counter()
    read = 0
    for run in log["runs"]:
        tool = run["tool"]["driver"]["name"]
        for r in run.get("results") or []:
            read += 1
            phys = r["locations"][0]["physicalLocation"]
            uri = re.sub("/+", "/", phys["artifactLocation"]["uri"].removeprefix("file://"))
            while uri.startswith("./"):
                uri = uri[2:]
            region = phys.get("region", {})
            sup = r.get("suppressions") or []
            suppressed = bool(sup) and not any(
                s.get("status") in ("underReview", "rejected") for s in sup)
            key = (tool, r["ruleId"], uri, region.get("startLine", 0),
                   region.get("startColumn", 0),
                   region.get("charOffset", region.get("byteOffset", 0)),
                   r["message"]["text"], suppressed)
            if key in seen:
                continue
            seen.add(key)
            if not suppressed:
                levels[r["level"]] += 1  # every result of the log used has one
                rules[(tool, r["ruleId"])] += 1
    unique = sum(levels.values())
    return {"read": read, "unique": unique, "suppressed": len(seen) - unique,
            "duplicates": read - len(seen)}, levels, rules


@pytest.mark.skipif(not (CORPUS / "vue/eslint-recommended.sarif").exists(),
                    reason="corpus not available")
def test_read_real_log(engine):
    path = CORPUS / "vue/eslint-recommended.sarif"
    totals, levels, rules = expected_from_json(path)
    assert totals["suppressed"] > 0  # the log exercises suppressions
    rep = engine.read(str(path))
    assert rep["results"] == totals["read"]
    snap = engine.snapshot()
    assert snap["totals"] == totals
    assert {k: v for k, v in snap["by_level"].items() if v} == dict(levels)
    assert snap["by_rule"] == dict(rules)


@pytest.mark.skipif(not (CORPUS / "curl/shellcheck.json1.json").exists(),
                    reason="corpus not available")
@pytest.mark.parametrize("fmt", [None, "shellcheck-json1"])
def test_read_native_format(engine, fmt):
    path = CORPUS / "curl/shellcheck.json1.json"
    comments = json.loads(path.read_text())["comments"]
    keys = {(c["file"], c["line"], c["column"], c["code"], c["message"]) for c in comments}
    rep = engine.read(path, input_format=fmt)
    assert rep["results"] == len(comments)
    snap = engine.snapshot()
    assert snap["totals"]["unique"] == len(keys)
    assert snap["by_tool"] == {"shellcheck": len(keys)}


def test_bad_json_reports_offset(engine):
    data = SMALL.read_bytes()
    cut = data[:200]
    with pytest.raises(tally.ParseError) as ei:
        engine.read(cut)
    err = ei.value
    assert err.family == -8 and err.status != 0
    assert err.offset is not None and 0 < err.offset <= len(cut)
    assert err.detail and str(err.offset) in err.detail
    assert engine.snapshot()["totals"]["read"] == 0  # all or nothing


def test_bad_sarif_version(engine, tmp_path):
    p = tmp_path / "v.sarif"
    p.write_text(SMALL.read_text().replace('"2.1.0"', '"2.0.0"'))
    with pytest.raises(tally.FormatError) as ei:
        engine.read(p)
    assert ei.value.path == str(p) and str(p) in str(ei.value)
    assert ei.value.offset is not None


def test_wrong_type_is_format_error(engine):
    with pytest.raises(tally.FormatError):
        engine.read(b'{"version": "2.1.0", "runs": 5}')


def test_missing_file(engine, tmp_path):
    with pytest.raises(tally.InputError) as ei:
        engine.read(tmp_path / "nope.sarif")
    assert ei.value.family == -7


def test_unknown_input_format(engine):
    with pytest.raises(tally.InvalidArgumentError):
        engine.read(SMALL, input_format="no-such-format")
    assert "shellcheck-json1" in tally.input_formats()


def test_warnings_are_reported(engine):
    rep = engine.read(b"\xef\xbb\xbf" + SMALL.read_bytes())  # a byte order mark
    assert rep["warning_count"] >= 1 and len(rep["warnings"]) >= 1
    offset, text = rep["warnings"][0]
    assert isinstance(text, str) and text
    assert engine.snapshot()["totals"]["read"] == 8
