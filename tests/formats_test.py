#!/usr/bin/env python3
"""tests/formats_test.py TALLY DATA [CORPUS] - the formats that are not SARIF.

Each fixture in DATA/formats (real tool outputs: DATA/formats/MANIFEST.md)
is read by `tally summary --format json`, and its counts are compared with
counts this script works out on its own from the same file (json and
xml.etree, and the mapping tally/sarif.h writes down), never by tally. The
same for the native logs of CORPUS when it is given and present. Then: the
converted regions (columns, ends) of ESLint, pylint and Code Climate match
their own; the two formats of ShellCheck, of ESLint (json, checkstyle) and
of pylint (json, json2) give the same counts; tally's own Code Climate
output reads back as the SARIF it came from; compressed (gzip, zstd)
and standard-input copies read the same; merge turns native inputs into
SARIF that reads back the same; bad inputs fail with exit 2 and a message
naming where and what was expected, and count nothing while the good ones
beside them are counted in full.
"""
import collections
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

TALLY, DATA = sys.argv[1], sys.argv[2]
CORPUS = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
FMT = os.path.join(DATA, "formats")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def norm(uri):
    """The file a result names, as tally keys it (tally/sarif.h)."""
    if uri.startswith("file://"):
        uri = uri[7:]
    while "//" in uri:
        uri = uri.replace("//", "/")
    while uri.startswith("./"):
        uri = uri[2:]
    return uri


def aggregate(results):
    """results: (tool, rule, file, line, column, message, level[, offset])
    tuples; the offset (a region's byte offset) is part of the key."""
    first = {}
    for r in results:
        first.setdefault(r[:6] + tuple(r[7:8]), r[6])
    return {
        "total": len(results),
        "unique": len(first),
        "by_level": dict(collections.Counter(first.values())),
        "by_tool": dict(collections.Counter(k[0] for k in first)),
        "by_rule": dict(collections.Counter((k[0], k[1]) for k in first)),
        "by_file": dict(collections.Counter(k[2] for k in first)),
    }


def tally_json(*args, stdin=None):
    p = subprocess.run([TALLY, "summary", "--format", "json", *args],
                       input=stdin, capture_output=True)
    err = p.stderr.decode()
    try:
        js = json.loads(p.stdout)
    except ValueError:
        check(False, "summary %s: no JSON out (exit %d): %s" %
              (" ".join(args), p.returncode, err))
        js = {"total": -1, "unique": -1, "by_level": {}, "by_tool": {},
              "by_rule": [], "by_file": [], "inputs": []}
    return p.returncode, js, err


def counts(js):
    return {
        "total": js["total"],
        "unique": js["unique"],
        "by_level": js["by_level"],
        "by_tool": js["by_tool"],
        "by_rule": {(r["tool"], r["rule"]): r["count"] for r in js["by_rule"]},
        "by_file": {f["file"]: f["count"] for f in js["by_file"]},
    }


# --- independent readings of each format ---------------------------------

GCC_ERRORS = {"error", "fatal error", "internal compiler error",
              "sorry, unimplemented", "permerror"}


def gcc_level(kind):
    if kind in GCC_ERRORS:
        return "error"
    return "note" if kind in ("note", "debug") else "warning"


def read_gcc(path):
    out = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    dec, pos = json.JSONDecoder(), 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            break
        arr, pos = dec.raw_decode(text, pos)
        held = False
        for d in arr:
            if d["kind"] == "note" and held:
                continue  # one of the diagnostic's notes
            held = True
            file, line, col = "", 0, 0
            if d.get("locations"):
                c = d["locations"][0]["caret"]
                file, line = norm(c["file"]), c["line"]
                col = c.get("byte-column", c.get("column", 0))
            out.append(("gcc", d.get("option") or "", file, line, col,
                        d["message"], gcc_level(d["kind"])))
    return out


SC_LEVEL = {"error": "error", "warning": "warning", "info": "note",
            "style": "note"}


def read_shellcheck_json1(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    return [("shellcheck", "SC%d" % c["code"], norm(c["file"]), c["line"],
             c["column"], c["message"], SC_LEVEL[c["level"]])
            for c in doc["comments"]]


CS_LEVEL = {"error": "error", "warning": "warning", "info": "note",
            "ignore": "none"}
CS_TOOLS = [("ShellCheck.", "shellcheck"), ("eslint.rules.", "ESLint"),
            ("detekt.", "detekt")]


def read_checkstyle(path):
    """The first error's source names the tool of the whole log (by its
    prefix, which then goes from every rule that has it)."""
    out, tool, prefix = [], None, ""
    for file in ET.parse(path).getroot().iter("file"):
        for e in file.iter("error"):
            src = e.get("source")
            if src is not None and tool is None:
                tool = "checkstyle"
                for pre, name in CS_TOOLS:
                    if src.startswith(pre):
                        tool, prefix = name, pre
            rule = src or ""
            if prefix and rule.startswith(prefix):
                rule = rule[len(prefix):]
            out.append((tool or "checkstyle", rule, norm(file.get("name")),
                        int(e.get("line", 0)), int(e.get("column", 0)),
                        e.get("message", ""),
                        CS_LEVEL[e.get("severity", "warning")]))
    return out


CC_LEVEL = {"error": "error", "warning": "warning", "style": "warning",
            "performance": "warning", "portability": "warning",
            "information": "note", "debug": "note"}


def read_cppcheck(path):
    out = []
    for e in ET.parse(path).getroot().find("errors").iter("error"):
        locs = e.findall("location")
        file, line, col = "", 0, 0
        if locs:
            file = norm(locs[0].get("file"))
            line = int(locs[0].get("line", 0))
            col = int(locs[0].get("column", 0))
        out.append(("cppcheck", e.get("id", ""), file, line, col,
                    e.get("msg", ""), CC_LEVEL[e.get("severity")]))
    return out


CT_LEVEL = {"Error": "error", "Remark": "note"}


def read_clang_tidy(path):
    import yaml  # Debian's python3-yaml (cmake/setup.sh installs it)
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    out = []
    for doc in yaml.safe_load_all(raw.decode("utf-8")):
        for d in (doc or {}).get("Diagnostics") or []:
            m = d.get("DiagnosticMessage", d)  # clang-tidy <= 8: in d
            file = m.get("FilePath") or ""
            out.append(("clang-tidy", d["DiagnosticName"], norm(file), 0, 0,
                        m.get("Message", ""),
                        CT_LEVEL.get(d.get("Level"), "warning"),
                        m.get("FileOffset", 0) if file else 0))
    return out


def read_eslint(path):
    """ESLint -f json: severity 2 error, 1 warning; ruleId null (a parse
    error): no rule. suppressedMessages are suppressed: not counted."""
    out = []
    with open(path, encoding="utf-8") as f:
        for file in json.load(f):
            for m in file["messages"]:
                out.append(("ESLint", m.get("ruleId") or "",
                            norm(file["filePath"]), m.get("line", 0),
                            m.get("column", 0), m["message"],
                            "error" if m["severity"] == 2 else "warning"))
    return out


PYLINT_LEVEL = {"fatal": "error", "error": "error", "warning": "warning",
                "refactor": "note", "convention": "note", "info": "note"}


def read_pylint(path):
    """pylint -f json (a list) or json2 ({"messages": [...]}); columns
    from 0 in pylint, from 1 in SARIF."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    msgs = doc["messages"] if isinstance(doc, dict) else doc
    return [("pylint", m["symbol"], norm(m["path"]), m["line"],
             m["column"] + 1, m["message"], PYLINT_LEVEL[m["type"]])
            for m in msgs]


CLIMATE_LEVEL = {"blocker": "error", "critical": "error", "major": "warning",
                 "minor": "note", "info": "none"}


def read_codeclimate(path):
    """Code Climate issues: a tool per engine_name; positions, else lines."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out = []
    for i in doc:
        loc = i["location"]
        if "positions" in loc:
            b = loc["positions"]["begin"]
            line, col = b.get("line", 0), b.get("column", 0) if b.get(
                "line") else 0
        else:
            line, col = loc["lines"]["begin"], 0
        out.append((i.get("engine_name") or "codeclimate", i["check_name"],
                    norm(loc["path"]), line, col, i["description"],
                    CLIMATE_LEVEL[i.get("severity", "major")]))
    return out


FIXTURES = [
    ("gcc/zlib-examples.json", read_gcc),
    ("cppcheck/zlib-examples.xml", read_cppcheck),
    ("shellcheck/perf-tests.json1.json", read_shellcheck_json1),
    ("shellcheck/perf-tests.checkstyle.xml", read_checkstyle),
    ("clang-tidy/zlib-examples.yaml.gz", read_clang_tidy),
    ("eslint/sphinxdoc.json", read_eslint),
    ("eslint/sphinxdoc.checkstyle.xml", read_checkstyle),
    ("pylint/stdlib.json", read_pylint),
    ("pylint/stdlib.json2.json", read_pylint),
    ("codeclimate/sphinxdoc.eslint-gitlab.json", read_codeclimate),
]
if CORPUS and os.path.isdir(CORPUS):
    FIXTURES += [(os.path.join(CORPUS, "git/gcc-wall-wextra.jsonl"), read_gcc)]
    FIXTURES += [(os.path.join(CORPUS, d, "shellcheck.json1.json"),
                  read_shellcheck_json1) for d in ("curl", "git", "redis")]
    FIXTURES += [(os.path.join(CORPUS, d, "clang-tidy-export-fixes.yaml.gz"),
                  read_clang_tidy) for d in ("curl", "libuv")]
else:
    print("corpus not found: its native logs are not checked")

for rel, reader in FIXTURES:
    path = os.path.join(FMT, rel)
    want = aggregate(reader(path))
    rc, js, err = tally_json(path)
    check(rc == 0, "%s: exit %d: %s" % (rel, rc, err))
    check(counts(js) == want, "%s: counts differ:\n tally %s\n want  %s" %
          (rel, counts(js), want))
    check(want["unique"] > 0, "%s: the fixture has results" % rel)
    print("ok: %s (%d results, %d unique)" % (os.path.basename(rel),
                                               want["total"], want["unique"]))

# --- regions: columns and ends, which the counts above cannot see ---------


def regions_eslint(path):
    with open(path, encoding="utf-8") as f:
        return {(m.get("ruleId") or "", norm(file["filePath"]),
                 m.get("line", 0), m.get("column", 0), m.get("endLine", 0),
                 m.get("endColumn", 0),
                 "error" if m["severity"] == 2 else "warning")
                for file in json.load(f) for m in file["messages"]}


def regions_pylint(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    return {(m["symbol"], norm(m["path"]), m["line"], m["column"] + 1,
             m["endLine"] or 0,
             m["endColumn"] + 1 if m["endColumn"] is not None else 0,
             PYLINT_LEVEL[m["type"]])
            for m in (doc["messages"] if isinstance(doc, dict) else doc)}


def regions_codeclimate(path):
    """positions.end.column is the last character: SARIF's end is past it;
    lines: line numbers only."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out = set()
    for i in doc:
        loc = i["location"]
        if "positions" in loc:
            b, e = loc["positions"]["begin"], loc["positions"].get("end", {})
            r = (b["line"], b.get("column", 0), e.get("line", 0),
                 e.get("column", -1) + 1 if e.get("line") else 0)
        else:
            r = (loc["lines"]["begin"], 0, loc["lines"].get("end", 0), 0)
        out.add((i["check_name"], norm(loc["path"])) + r +
                (CLIMATE_LEVEL[i.get("severity", "major")],))
    return out


def regions_tally(path):
    """What tally converted @path to, through merge (which writes SARIF)."""
    p = subprocess.run([TALLY, "merge", "--no-progress", "-o", "-", path],
                       capture_output=True)
    check(p.returncode == 0, "merge %s: %s" % (path, p.stderr.decode()))
    out = set()
    for run in json.loads(p.stdout or b'{"runs": []}')["runs"]:
        for r in run.get("results", []):
            pl = r["locations"][0]["physicalLocation"]
            g = pl.get("region", {})
            out.add((r.get("ruleId") or "", norm(pl["artifactLocation"]["uri"]),
                     g.get("startLine", 0), g.get("startColumn", 0),
                     g.get("endLine", 0), g.get("endColumn", 0), r["level"]))
    return out


for rel, reader in [("eslint/sphinxdoc.json", regions_eslint),
                    ("pylint/stdlib.json", regions_pylint),
                    ("pylint/stdlib.json2.json", regions_pylint),
                    ("codeclimate/sphinxdoc.eslint-gitlab.json",
                     regions_codeclimate)]:
    path = os.path.join(FMT, rel)
    want, got = reader(path), regions_tally(path)
    check(got == want, "%s: regions differ: tally has %s, want %s" %
          (rel, sorted(got - want)[:3], sorted(want - got)[:3]))
    check(any(r[3] for r in want) or "codeclimate" in rel,
          "%s: the fixture has columns" % rel)

# --- two formats of one tool ---------------------------------------------

j1 = os.path.join(FMT, "shellcheck/perf-tests.json1.json")
cs = os.path.join(FMT, "shellcheck/perf-tests.checkstyle.xml")
a, b = tally_json(j1)[1], tally_json(cs)[1]
a.pop("inputs"), b.pop("inputs")
check(a == b, "ShellCheck json1 and checkstyle give different summaries")
# ESLint's checkstyle adds " (rule)" to each message: the counts agree
ej = os.path.join(FMT, "eslint/sphinxdoc.json")
ex = os.path.join(FMT, "eslint/sphinxdoc.checkstyle.xml")
check(counts(tally_json(ej)[1]) == counts(tally_json(ex)[1]),
      "ESLint json and checkstyle give different summaries")
# pylint's two layouts of one run (the same pylint, the same files)
pj = os.path.join(FMT, "pylint/stdlib.json")
pj2 = os.path.join(FMT, "pylint/stdlib.json2.json")
check(counts(tally_json(pj)[1]) == counts(tally_json(pj2)[1]),
      "pylint json and json2 give different summaries")

# --- compressed, standard input, forced format --------------------------

tmp = tempfile.mkdtemp(prefix="tally-formats.")
try:
    xmlf = os.path.join(FMT, "cppcheck/zlib-examples.xml")
    want = counts(tally_json(xmlf)[1])
    raw = open(xmlf, "rb").read()
    gz = os.path.join(tmp, "cppcheck.xml.gz")
    with open(gz, "wb") as f:
        f.write(gzip.compress(raw))
    check(counts(tally_json(gz)[1]) == want, "gzip copy reads differently")
    check(counts(tally_json("-", stdin=gzip.compress(raw))[1]) == want,
          "gzip on standard input reads differently")
    check(counts(tally_json("-", stdin=raw)[1]) == want,
          "XML on standard input reads differently")
    if shutil.which("zstd"):
        zs = os.path.join(tmp, "cppcheck.xml.zst")
        subprocess.run(["zstd", "-q", "-o", zs, xmlf], check=True)
        check(counts(tally_json(zs)[1]) == want, "zstd copy reads differently")
    else:
        print("zstd not installed: the zstd copy is not checked")
    gccf = os.path.join(FMT, "gcc/zlib-examples.json")
    lead = os.path.join(tmp, "lead.json")
    with open(lead, "wb") as f:  # a TU without diagnostics first
        f.write(b"[]\n" + open(gccf, "rb").read())
    check(counts(tally_json(lead)[1]) == counts(tally_json(gccf)[1]),
          "gcc JSON led by [] reads differently")
    check(counts(tally_json("--input-format", "gcc-json", gccf)[1]) ==
          counts(tally_json(gccf)[1]), "--input-format gcc-json differs")
    # past the first read window (1 MiB), what the start cannot tell:
    # 400,000 empty arrays, then a diagnostic; a first diagnostic of 2 MB
    big = os.path.join(tmp, "big.json")
    diag = (b'[{"kind": "warning", "message": "m", "option": "-Wx", '
            b'"locations": [{"caret": {"file": "a.c", "line": 1}}]}]\n')
    with open(big, "wb") as f:
        f.write(b"[]\n" * 400000 + diag)
    check(tally_json(big)[1]["total"] == 1, "gcc JSON led by 1.2 MB of []")
    notes = b",".join(b'{"kind": "note", "message": "n%d"}' % i
                      for i in range(60000))
    with open(big, "wb") as f:
        f.write(b'[{"kind": "warning", "children": [' + notes +
                b'], "message": "m"}]')
    check(tally_json(big)[1]["total"] == 1, "a 2 MB first gcc diagnostic")
    check(tally_json("-", stdin=b"\xef\xbb\xbf<checkstyle/>")[0] == 0,
          "XML after a byte order mark on standard input")

    # --- merge writes native inputs as SARIF --------------------------
    ins = [os.path.join(FMT, rel) for rel, _ in FIXTURES[:5]]
    merged = os.path.join(tmp, "merged.sarif")
    p = subprocess.run([TALLY, "merge", "--no-progress", "-o", merged, *ins],
                       capture_output=True)
    check(p.returncode == 0, "merge failed: %s" % p.stderr.decode())
    m, direct = counts(tally_json(merged)[1]), counts(tally_json(*ins)[1])
    check(m["total"] == direct["unique"], "the merge kept duplicates")
    m.pop("total"), direct.pop("total")
    check(m == direct, "merged native inputs read back differently")

    # --- Code Climate round trip: merge -f codeclimate, read it back ----
    # (clang-tidy's results have no line, which Code Climate cannot hold:
    # merge puts them on line 1, so they are left out here)
    ins = [os.path.join(FMT, rel) for rel in (
        "gcc/zlib-examples.json", "cppcheck/zlib-examples.xml",
        "shellcheck/perf-tests.json1.json", "eslint/sphinxdoc.json",
        "pylint/stdlib.json")]
    cc = os.path.join(tmp, "merged.codeclimate.json")
    p = subprocess.run([TALLY, "merge", "--no-progress", "-o",
                        merged + "5", *ins], capture_output=True)
    check(p.returncode == 0, "merge of five failed: %s" % p.stderr.decode())
    p = subprocess.run([TALLY, "merge", "--no-progress", "-f", "codeclimate",
                        "-o", cc, *ins], capture_output=True)
    check(p.returncode == 0, "merge -f codeclimate failed: %s" %
          p.stderr.decode())
    rt, sarif5 = counts(tally_json(cc)[1]), counts(tally_json(merged + "5")[1])
    check(rt == sarif5, "Code Climate round trip differs:\n %s\n %s" %
          (rt, sarif5))
    check(len(rt["by_tool"]) == 5, "Code Climate round trip: a run per "
          "engine_name (%s)" % rt["by_tool"])
    check(counts(tally_json(cc)[1]) == aggregate(read_codeclimate(cc)) |
          {"total": rt["total"]}, "tally's own Code Climate, read "
          "independently")

    # --- the same through standard input, gzip, and named formats -------
    for rel, fmt in (("eslint/sphinxdoc.json", "eslint-json"),
                     ("pylint/stdlib.json", "pylint-json"),
                     ("pylint/stdlib.json2.json", "pylint-json"),
                     ("codeclimate/sphinxdoc.eslint-gitlab.json",
                      "codeclimate")):
        path = os.path.join(FMT, rel)
        want = counts(tally_json(path)[1])
        data = open(path, "rb").read()
        check(counts(tally_json("-", stdin=gzip.compress(data))[1]) == want,
              "%s: gzip on standard input reads differently" % rel)
        check(counts(tally_json("--input-format", fmt, path)[1]) == want,
              "%s: --input-format %s reads differently" % (rel, fmt))

    # ESLint's suppressedMessages: suppressed in the source, not counted
    sup = os.path.join(tmp, "suppressed.json")
    with open(sup, "w") as f:
        json.dump([{"filePath": "a.js", "messages": [
            {"ruleId": "no-var", "severity": 1, "message": "m", "line": 1,
             "column": 1}], "suppressedMessages": [
            {"ruleId": "eqeqeq", "severity": 2, "message": "s", "line": 2,
             "column": 3, "suppressions": [{"kind": "directive",
                                             "justification": "why"}]}]}],
                  f)
    js = tally_json(sup)[1]
    check((js["total"], js["unique"], js["suppressed"],
           js["by_suppression_status"]) == (2, 1, 1, {"accepted": 1}),
          "ESLint suppressedMessages: %s" % js)

    # ESLint's checkstyle: a parse error first (source="") does not name
    # the tool; the first rule with a prefix does
    lead_cs = os.path.join(tmp, "parse-error-first.xml")
    with open(lead_cs, "w") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?><checkstyle '
                'version="4.3"><file name="a.js"><error line="1" column="1" '
                'severity="error" message="Parsing error" source="" />'
                '<error line="2" column="1" severity="warning" message="m" '
                'source="eslint.rules.no-var" /></file></checkstyle>')
    js = tally_json(lead_cs)[1]
    check(list(js["by_tool"]) == ["ESLint"] and
          sorted(r["rule"] for r in js["by_rule"]) == ["", "no-var"],
          "checkstyle led by a parse error: %s %s" % (js["by_tool"],
                                                     js["by_rule"]))

    # Code Climate: engines, positions with ends, other locations, no
    # severity (warning); the engines in their first issues' order
    multi = os.path.join(tmp, "multi.json")
    with open(multi, "w") as f:
        json.dump([
            {"check_name": "a", "description": "d1", "engine_name": "e1",
             "severity": "blocker", "location": {"path": "x.c", "positions":
                 {"begin": {"line": 3, "column": 5},
                  "end": {"line": 3, "column": 9}}},
             "other_locations": [{"path": "y.c", "lines": {"begin": 7}}]},
            {"check_name": "b", "description": "d2", "engine_name": "e2",
             "location": {"path": "x.c", "lines": {"begin": 4}}},
            {"check_name": "a", "description": "d3", "engine_name": "e1",
             "severity": "info", "location": {"path": "z.c",
                                               "lines": {"begin": 1}}}], f)
    p = subprocess.run([TALLY, "merge", "--no-progress", "-o", "-", multi],
                       capture_output=True)
    runs = json.loads(p.stdout)["runs"] if p.returncode == 0 else []
    check([r["tool"]["driver"]["name"] for r in runs] == ["e1", "e2"],
          "Code Climate engines as runs: %s" % p.stdout[:300])
    if len(runs) == 2:
        r0 = runs[0]["results"][0]
        check(r0["locations"][0]["physicalLocation"]["region"] ==
              {"startLine": 3, "startColumn": 5, "endLine": 3,
               "endColumn": 10}, "Code Climate positions: %s" % r0)
        check(r0.get("relatedLocations", [{}])[0].get("physicalLocation",
              {}).get("artifactLocation") == {"uri": "y.c"},
              "Code Climate other_locations: %s" % r0)
        check([r["level"] for r in runs[0]["results"] + runs[1]["results"]]
              == ["error", "none", "warning"], "Code Climate severities")

    # --- bad inputs ------------------------------------------------------
    def bad(name, data, *expect, args=(), good=gccf):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        rc, js, err = tally_json(*args, *([good] if good else []), path)
        check(rc == 2, "%s: exit %d, want 2" % (name, rc))
        for e in expect:
            check(e in err, "%s: %r not in %r" % (name, e, err))
        if good:
            check(counts(js) == counts(tally_json(good)[1]),
                  "%s: the good input beside it is not counted alone" %
                  name)
        else:
            check(js["total"] == 0, "%s: counted" % name)

    csraw = open(cs, "rb").read()
    bad("cut.xml", csraw[:len(csraw) // 2], "cut.xml: byte ", ": line ",
        "invalid XML: unclosed token")
    bad("line.xml", csraw.replace(b"line='33'", b"line='x'", 1),
        "line=\"x\": expected a non-negative integer")
    bad("cut.gz", gzip.compress(raw)[:300], "cut.gz: byte 300: gzip: the "
        "compressed input ends early")
    bad("v1.xml", b'<?xml version="1.0"?><results><error file="a.c" '
        b'line="1" id="x" severity="error" msg="m"/></results>',
        "only cppcheck's XML version 2")
    bad("type.json", b'[{"kind": "warning", "message": "m", "locations": '
        b'[{"caret": {"file": "a.c", "line": "12"}}]}]',
        '[0].locations[0].caret.line: expected a non-negative integer, '
        'found a string')
    bad("forced.xml", csraw, "expected <results>, found <checkstyle>",
        args=("--input-format", "cppcheck-xml"), good=None)
    bad("alias.yaml", b"Diagnostics:\n  - &d\n    DiagnosticName: x\n"
        b"  - *d\n", "alias.yaml: byte 46: line 4, column 5: an alias (*d)")
    bad("offset.yaml", b"Diagnostics:\n  - DiagnosticName: x\n"
        b"    DiagnosticMessage:\n      FileOffset: -3\n",
        "FileOffset: expected a non-negative integer")
    bad("cut.yaml", b"---\nDiagnostics:\n  - DiagnosticName: 'x\n",
        "cut.yaml: byte ", "invalid YAML")
    bad("selfclosing.xml", b'<results version="2"><errors><error '
        b'severity="x"/></errors></results>', "severity=\"x\": expected")
    bad("surrogate.json", b'[{"kind": "warning", "locations": [], '
        b'"message": "\\ude00"}]',
        "surrogate.json: byte 50: [0].message: invalid string: a \\u "
        "escape names an unpaired UTF-16 surrogate")
    bad("forced.json", b"[]", "expected ShellCheck json1 output (an object)",
        args=("--input-format", "shellcheck-json1"), good=None)
    bad("utf8.json", b'{"comments": [{"file": "a\xff.sh", "line": 1, '
        b'"column": 1, "level": "error", "code": 1, "message": "m"}]}',
        "utf8.json: byte 25: invalid UTF-8")

    # ESLint
    esraw = open(ej, "rb").read()
    data = (b'[{"filePath": "a.js", "messages": [{"ruleId": "x", '
            b'"severity": "2", "message": "m"}]}]')
    bad("es-sev.json", data, "es-sev.json: byte %d: [0].messages[0]."
        "severity: expected a non-negative integer, found a string" %
        data.index(b'"2"'))
    bad("es-sev3.json", b'[{"filePath": "a.js", "messages": [{"ruleId": '
        b'"x", "severity": 3, "message": "m"}]}]',
        "[0].messages[0].severity: expected 1 (warning) or 2 (error), "
        "found 3")
    bad("es-path.json", b'[{"messages": [], "filePath": null}]',
        'es-path.json: byte 1: [0]: missing "filePath"')
    bad("es-msgs.json", b'[{"filePath": "a.js", "messages": {}}]',
        "byte 34: [0].messages: expected an array, found an object")
    bad("es-rule.json", b'[{"filePath": "a.js", "messages": [{"ruleId": 7, '
        b'"severity": 1, "message": "m"}]}]',
        "[0].messages[0].ruleId: expected a string, found a number")
    bad("es-line.json", b'[{"filePath": "a.js", "messages": [{"severity": '
        b'1, "message": "m", "line": -4}]}]',
        "[0].messages[0].line: expected a non-negative integer")
    bad("es-cut.json", esraw[:len(esraw) // 2], "es-cut.json: byte %d: "
        % (len(esraw) // 2))
    bad("es-utf8.json", esraw.replace(b"no-undef", b"no-\xc3undef", 1),
        "es-utf8.json: byte %d: invalid UTF-8" %
        (esraw.index(b"no-undef") + 3))
    bad("es-just.json", b'[{"filePath": "a.js", "messages": [], '
        b'"suppressedMessages": [{"severity": 1, "message": "m", '
        b'"suppressions": [{"justification": 5}]}]}]',
        "[0].suppressedMessages[0].suppressions[0].justification: "
        "expected a string, found a number")
    bad("es-forced.json", open(pj, "rb").read(),
        '[0]: missing "filePath"', args=("--input-format", "eslint-json"),
        good=None)
    # pylint
    pyraw = open(pj, "rb").read()
    bad("py-type.json", b'[{"type": "bogus", "symbol": "s", "message": "m", '
        b'"path": "a.py", "line": 1, "column": 0, "message-id": "C1"}]',
        'py-type.json: byte 10: [0].type: expected one of "fatal", '
        '"error", "warning", "refactor", "convention", "info", found '
        '"bogus"')
    bad("py2-msgs.json", b'{"messages": {"type": "error"}, '
        b'"statistics": {}}',
        "byte 13: messages: expected an array, found an object")
    bad("py2-col.json", b'{"messages": [{"type": "error", "symbol": "s", '
        b'"message": "m", "path": "a.py", "column": -1}]}',
        "messages[0].column: expected a non-negative integer")
    bad("py-sym.json", b'[{"type": "error", "message": "m", "path": "a.py", '
        b'"message-id": null}]', '[0]: missing "symbol"')
    bad("py-cut.json", pyraw[:-40], "py-cut.json: byte %d: "
        % (len(pyraw) - 40))
    bad("py-nul.json", pyraw.replace(b'"line": 78', b'"line": 7\x008', 1),
        "py-nul.json: byte %d: " % (pyraw.index(b'"line": 78') + 9))
    bad("py2-tail.json", b'{"messages": [], "statistics": {}} x',
        "py2-tail.json: byte 35: expected end of file")
    bad("py-forced.json", b'"x"', "byte 0: expected pylint JSON output "
        "(an array, or json2's object)", args=("--input-format",
                                                 "pylint-json"), good=None)
    # Code Climate
    glraw = open(os.path.join(FMT, "codeclimate/sphinxdoc.eslint-gitlab."
                              "json"), "rb").read()
    data = (b'[{"check_name": "c", "description": "d", "severity": '
            b'"high", "location": {"path": "a", "lines": {"begin": 1}}}]')
    bad("cc-sev.json", data, 'cc-sev.json: byte %d: [0].severity: expected '
        'one of "blocker", "critical", "major", "minor", "info", found '
        '"high"' % data.index(b'"high"'))
    data = (b'[{"check_name": "c", "description": "d", '
            b'"location": {"path": "a"}}]')
    bad("cc-where.json", data, 'byte %d: [0].location: missing "lines" or '
        '"positions"' % data.index(b'{"path"'))
    bad("cc-begin.json", b'[{"check_name": "c", "description": "d", '
        b'"location": {"path": "a", "lines": {"begin": "1"}}}]',
        "[0].location.lines.begin: expected a non-negative integer, found "
        "a string")
    bad("cc-big.json", b'[{"check_name": "c", "description": "d", '
        b'"location": {"path": "a", "lines": {"begin": 99999999999}}}]',
        "[0].location.lines.begin: expected a non-negative integer below "
        "2^32")
    bad("cc-other.json", b'[{"check_name": "c", "description": "d", '
        b'"location": {"path": "a", "lines": {"begin": 1}}, '
        b'"other_locations": [{"path": "b"}]}]',
        '[0].other_locations[0]: missing "lines" or "positions"')
    bad("cc-desc.json", b'[{"check_name": "c", "location": {"path": "a", '
        b'"lines": {"begin": 1}}}]', '[0]: missing "description"')
    bad("cc-cut.json", glraw[:1000], "cc-cut.json: byte 1000: ")
    data = (b'[{"check_name": "c", "description": "\\udc00", '
            b'"location": {"path": "a", "lines": {"begin": 1}}}]')
    bad("cc-surrogate.json", data, "cc-surrogate.json: byte %d: "
        "[0].description: invalid string" % data.index(b"\\udc00"))
    bad("cc-forced.json", esraw, '[0]: missing "check_name"',
        args=("--input-format", "codeclimate"), good=None)
finally:
    shutil.rmtree(tmp)

if failures:
    print("formats_test: %d failed" % len(failures))
    sys.exit(1)
print("formats_test: every format reads as worked out independently")
