#!/usr/bin/env python3
"""tests/formats_test.py TALLY DATA [CORPUS] - the formats that are not SARIF.

Each fixture in DATA/formats (real tool outputs: DATA/formats/MANIFEST.md)
is read by `tally summary --format json`, and its counts are compared with
counts this script works out on its own from the same file (json and
xml.etree, and the mapping tally/sarif.h writes down), never by tally. The
same for the native logs of CORPUS when it is given and present. Then: the
two formats of ShellCheck give the same summary; compressed (gzip, zstd)
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


def read_checkstyle(path):
    out = []
    for file in ET.parse(path).getroot().iter("file"):
        for e in file.iter("error"):
            src = e.get("source", "")
            tool, rule = "checkstyle", src
            if src.startswith("ShellCheck."):
                tool, rule = "shellcheck", src[len("ShellCheck."):]
            out.append((tool, rule, norm(file.get("name")),
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


FIXTURES = [
    ("gcc/zlib-examples.json", read_gcc),
    ("cppcheck/zlib-examples.xml", read_cppcheck),
    ("shellcheck/perf-tests.json1.json", read_shellcheck_json1),
    ("shellcheck/perf-tests.checkstyle.xml", read_checkstyle),
    ("clang-tidy/zlib-examples.yaml.gz", read_clang_tidy),
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

# --- two formats of one tool ---------------------------------------------

j1 = os.path.join(FMT, "shellcheck/perf-tests.json1.json")
cs = os.path.join(FMT, "shellcheck/perf-tests.checkstyle.xml")
a, b = tally_json(j1)[1], tally_json(cs)[1]
a.pop("inputs"), b.pop("inputs")
check(a == b, "ShellCheck json1 and checkstyle give different summaries")

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
finally:
    shutil.rmtree(tmp)

if failures:
    print("formats_test: %d failed" % len(failures))
    sys.exit(1)
print("formats_test: every format reads as worked out independently")
