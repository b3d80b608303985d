#!/usr/bin/env python3
"""tests/html_test.py TALLY DATA CORPUS - `tally summary --format html`,
rendered by a real browser.

Each page is loaded by chromium-headless-shell (--dump-dom), and the DOM
it built is read with html.parser: every number of `--format json` on the
same inputs (totals, each level, each tool, the top rules, the top files,
every file, the inputs, the clusters) equals the number marked for it
(data-count, data-value) and the text shown; the bar charts' bars are as
high as their counts say. Names from a hostile log (tags, quotes,
ampersands, control bytes, URLs) come back as text, never as elements or
attributes that fetch or run anything. The exit status is the JSON's.

Exit 77 (skipped) when chromium-headless-shell is not installed (Debian:
apt-get install chromium-headless-shell; cmake/setup.sh does).
"""
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser

TALLY, DATA = sys.argv[1], sys.argv[2]
CORPUS = sys.argv[3] if len(sys.argv) > 3 else ""
SKIP = 77
CHART_H = 160  # the tallest bar, as cli/summary_html.c draws it
LEVELS = ["error", "warning", "note", "none"]
# What the page may hold: a name from an input that made an element of
# its own would show up here.
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1",
                "h2", "h3", "p", "span", "div", "section", "table", "thead",
                "tbody", "tr", "th", "td", "code", "details", "summary",
                "figure", "figcaption", "svg", "g", "rect", "text", "line"}
# Attributes that fetch, navigate or run something.
FETCHING = {"src", "href", "xlink:href", "srcset", "action", "formaction",
            "poster", "background", "data", "ping", "manifest"}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def browser():
    b = shutil.which("chromium-headless-shell")
    if b is None and os.access("/usr/lib/chromium/chromium-headless-shell",
                               os.X_OK):
        b = "/usr/lib/chromium/chromium-headless-shell"
    return b


BROWSER = browser()
if BROWSER is None:
    print("html_test: SKIPPED: chromium-headless-shell is not installed "
          "(Debian: apt-get install chromium-headless-shell, or "
          "cmake/setup.sh)")
    sys.exit(SKIP)

WORK = tempfile.mkdtemp(prefix="tally-html-test-")


def shown(s):
    """A name as the page shows it: control bytes as U+FFFD."""
    return re.sub(r"[\x00-\x1f\x7f]", "\ufffd", s)


def thousands(v):
    return "{:,}".format(v)


class Dom(HTMLParser):
    """What a test reads of the DOM: tags, attributes, marked counts, the
    rows that name them, the charts' bars, and the text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = collections.Counter()
        self.attrs = []    # (tag, name, value) of every attribute
        self.counts = []   # {key, value, text, tag, row}
        self.rows = []     # {attrs, cells}
        self.bars = []     # {chart, attrs, rect, texts}
        self.texts = []    # every text node outside <style>
        self.meta = []
        self._row = self._cell = self._count = None
        self._chart = self._bar = self._svgtext = None
        self._style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] += 1
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        if tag == "meta":
            self.meta.append(a)
        elif tag == "style":
            self._style = True
        elif tag == "tr":
            self._row = {"attrs": a, "cells": []}
        elif tag in ("td", "th") and self._row is not None:
            self._row["cells"].append("")
            self._cell = True
        elif tag == "svg":
            self._chart = a.get("data-chart")
        elif tag == "g":
            self._bar = {"chart": self._chart, "attrs": a, "rect": None,
                         "texts": []}
        elif tag == "rect" and self._bar is not None:
            self._bar["rect"] = a
        elif tag == "text" and self._bar is not None:
            self._bar["texts"].append("")
            self._svgtext = True
        if "data-count" in a:
            self._count = {"key": a["data-count"],
                           "value": a.get("data-value"), "text": "",
                           "tag": tag,
                           "row": self._row["attrs"] if self._row else {}}
            self.counts.append(self._count)

    def handle_endtag(self, tag):
        if tag == "style":
            self._style = False
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag in ("td", "th"):
            self._cell = None
        elif tag == "svg":
            self._chart = None
        elif tag == "g" and self._bar is not None:
            self.bars.append(self._bar)
            self._bar = None
        elif tag == "text":
            self._svgtext = None
        if self._count is not None and tag == self._count["tag"]:
            self._count = None

    def handle_data(self, d):
        if self._style:
            return
        self.texts.append(d)
        if self._count is not None:
            self._count["text"] += d
        if self._cell and self._row is not None:
            self._row["cells"][-1] += d
        if self._svgtext and self._bar is not None:
            self._bar["texts"][-1] += d

    def marked(self, key):
        return [c for c in self.counts if c["key"] == key]

    def one(self, key, what):
        m = self.marked(key)
        if not check(len(m) == 1, "%s: %d elements marked %s, want 1" %
                     (what, len(m), key)):
            return None
        return int(m[0]["value"])


def tally(fmt, args):
    p = subprocess.run([TALLY, "summary", "--format", fmt, *args],
                       capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def render(page):
    """The DOM Chromium builds from @page (bytes), as HTML text."""
    path = os.path.join(WORK, "page.html")
    with open(path, "wb") as f:
        f.write(page)
    profile = os.path.join(WORK, "profile")
    # HOME too: nothing of the browser's lands outside the work directory
    env = dict(os.environ, HOME=WORK, XDG_CONFIG_HOME=WORK,
               XDG_CACHE_HOME=WORK)
    p = subprocess.run([BROWSER, "--headless", "--no-sandbox",
                        "--disable-gpu", "--user-data-dir=" + profile,
                        "--dump-dom", "file://" + path],
                       capture_output=True, env=env, timeout=120)
    dom = p.stdout.decode("utf-8")
    check(p.returncode == 0 and "<body" in dom, "%s: exit %d, %d bytes of "
          "DOM: %s" % (BROWSER, p.returncode, len(dom),
                       p.stderr.decode(errors="replace")[-500:]))
    return dom


def check_count(c, what):
    """The shown text of a marked number is its data-value."""
    check(c["value"] is not None and re.fullmatch(r"\d+", c["value"]) and
          c["text"].replace(",", "") == c["value"],
          "%s: %s shows %r, data-value %r" % (what, c["key"], c["text"],
                                               c["value"]))


def check_safe(raw, d, what):
    """Nothing in the page fetches or runs anything."""
    bad = set(d.tags) - ALLOWED_TAGS
    check(not bad, "%s: unexpected elements %s" % (what, sorted(bad)))
    check(d.tags["script"] == 0, "%s: a <script> element" % what)
    for tag, k, v in d.attrs:
        check(k not in FETCHING and not k.startswith("on"),
              "%s: <%s %s=%r>" % (what, tag, k, v))
        # a URL from an input may only be a name: in text, or in the
        # data-* attribute that names its row
        if re.search(r"https?://|javascript:", v, re.I):
            check(k.startswith("data-"), "%s: <%s %s=%r>" % (what, tag, k, v))
    check(re.search(r"<\s*(script|img|iframe|link|object|embed|base)\b",
                    raw, re.I) is None, "%s: a raw tag that fetches or "
          "runs" % what)
    # in the tags themselves, their quoted values left out (a quote in a
    # value is &quot;): a name's "<img src=x>" is text, its < escaped
    tags = re.sub(r'"[^"]*"', '""', raw)
    check(re.search(r"<[a-z][^<>]*\s(src|href|on[a-z]+)\s*=", tags,
                    re.I) is None, "%s: src, href or on* in a tag" % what)
    style = re.search(r"<style>(.*?)</style>", raw, re.S)
    check(style is not None and not re.search(r"url\(|@import|http",
                                              style.group(1)),
          "%s: the CSS fetches something" % what)
    csp = [m.get("content", "") for m in d.meta
           if m.get("http-equiv", "").lower() == "content-security-policy"]
    check(len(csp) == 1 and "default-src 'none'" in csp[0],
          "%s: no Content-Security-Policy forbidding fetches: %s" %
          (what, csp))


def check_bars(d, chart, attr, want, what):
    """The bars of @chart: one per name, as high as their counts say."""
    bars = [b for b in d.bars if b["chart"] == chart]
    got = {b["attrs"].get(attr): int(b["rect"]["data-value"])
           for b in bars if b["rect"] is not None}
    check(len(bars) == len(want) and got == want, "%s: chart %s: %s vs %s"
          % (what, chart, got, want))
    top = max(want.values(), default=0)
    for b in bars:
        if b["rect"] is None:
            continue
        v = int(b["rect"]["data-value"])
        h = float(b["rect"]["height"])
        exp = CHART_H * v / top if top else 0
        check(abs(h - exp) <= 1 and (v == 0) == (h == 0),
              "%s: chart %s: bar %r of %d is %.2f high, want %.2f" %
              (what, chart, b["attrs"].get(attr), v, h, exp))
        check(b["texts"] and b["texts"][0].replace(",", "") == str(v),
              "%s: chart %s: bar %r labelled %r, want %d" %
              (what, chart, b["attrs"].get(attr), b["texts"], v))


def compare(what, args, top=10):
    """Run json and html on @args; the rendered page says what the JSON
    says. Return the JSON and the parsed DOM."""
    targs = ["--top", str(top)] + args
    rj, out_j, err_j = tally("json", targs)
    rh, page, err_h = tally("html", targs)
    check(rj == rh, "%s: exit %d with json, %d with html" % (what, rj, rh))
    check(rh in (0, 1, 2) and page, "%s: html: exit %d: %s" %
          (what, rh, err_h))
    js = json.loads(out_j)
    raw = page.decode("utf-8")  # the page is UTF-8 whatever the inputs
    d = Dom()
    d.feed(render(page))
    d.close()
    for c in d.counts:
        check_count(c, what)
    check_safe(raw, d, what)
    titles = [t for t in d.texts if t == "tally summary"]
    check(len(titles) >= 2, "%s: no title \"tally summary\"" % what)

    for key in ("total", "unique", "suppressed", "duplicates"):
        check(d.one(key, what) == js[key], "%s: %s: %s vs %s" %
              (what, key, d.one(key, what), js[key]))
    for lv in LEVELS:
        got = d.one("by_level." + lv, what)
        check(got == js["by_level"].get(lv, 0), "%s: level %s: %s vs %s" %
              (what, lv, got, js["by_level"].get(lv, 0)))

    tools = [(c["row"].get("data-tool"), int(c["value"]))
             for c in d.marked("by_tool")]
    want = [(shown(k), v) for k, v in js["by_tool"].items()]
    check(sorted(tools) == sorted(want) and len(tools) == len(want),
          "%s: tools: %s vs %s" % (what, tools, want))

    rules = [(c["row"].get("data-tool"), c["row"].get("data-rule"),
              int(c["value"])) for c in d.marked("by_rule")]
    want = [(shown(r["tool"]), shown(r["rule"]), r["count"])
            for r in js["by_rule"]][:top]
    check(rules == want, "%s: top rules: %s vs %s" % (what, rules, want))
    check(d.one("rules", what) == len(js["by_rule"]), "%s: rules: %s vs %d"
          % (what, d.one("rules", what), len(js["by_rule"])))

    files = [(c["row"].get("data-file"), int(c["value"]))
             for c in d.marked("by_file")]
    want = [(shown(f["file"]), f["count"]) for f in js["by_file"]]
    check(files == want, "%s: every file: %d rows vs %d in the JSON%s" %
          (what, len(files), len(want), "" if len(files) != len(want) else
           ": " + str([(a, b) for a, b in zip(files, want) if a != b][:3])))
    topf = [(c["row"].get("data-file"), int(c["value"]))
            for c in d.marked("top_file")]
    check(topf == want[:top], "%s: top files: %s vs %s" %
          (what, topf, want[:top]))
    check(d.one("files", what) == len(js["by_file"]), "%s: files: %s vs %d"
          % (what, d.one("files", what), len(js["by_file"])))
    check(d.tags["details"] == 1, "%s: every file is not in one <details>"
          % what)

    # the names shown in the cells are the names in the attributes
    for r in d.rows:
        a = r["attrs"]
        if "data-tool" in a and "data-rule" not in a:
            check(r["cells"][0] == (a["data-tool"] or "no name"),
                  "%s: tool row %r shows %r" % (what, a, r["cells"]))
        if "data-rule" in a:
            check(r["cells"][1:3] == [a["data-tool"] or "no name",
                                      a["data-rule"] or "no rule id"],
                  "%s: rule row %r shows %r" % (what, a, r["cells"]))
        if "data-file" in a:
            check(r["cells"][1] == (a["data-file"] or "no file"),
                  "%s: file row %r shows %r" % (what, a, r["cells"]))

    check_bars(d, "by_tool", "data-tool",
               {shown(k): v for k, v in js["by_tool"].items()}, what)
    check_bars(d, "by_level", "data-level",
               {lv: js["by_level"].get(lv, 0) for lv in LEVELS}, what)

    ins = [(c["row"].get("data-path"), int(c["value"]))
           for c in d.marked("inputs.results")]
    want = [(shown(i["path"]), i["results"]) for i in js["inputs"]]
    check(ins == want, "%s: inputs: %s vs %s" % (what, ins, want))
    warns = [int(c["value"]) for c in d.marked("inputs.warnings")]
    check(warns == [len(i["warnings"]) for i in js["inputs"]],
          "%s: inputs' warnings: %s" % (what, warns))
    errs = [r["cells"][3] for r in d.rows if "data-path" in r["attrs"] and
            len(r["cells"]) == 4]
    want = [shown(i["error"] or "") for i in js["inputs"]]
    check(errs == want, "%s: inputs' errors: %s vs %s" % (what, errs, want))

    if "clusters" in js:
        cl = js["clusters"]
        check(d.one("clusters", what) == len(cl), "%s: clusters: %s vs %d"
              % (what, d.one("clusters", what), len(cl)))
        members = sum(c["size"] for c in cl)
        check(d.one("clusters.results", what) == members,
              "%s: clustered results: %s vs %d" %
              (what, d.one("clusters.results", what), members))
        rows = [(c["row"].get("data-path"),
                 int(c["row"].get("data-first-line", -1)),
                 int(c["row"].get("data-last-line", -1)), int(c["value"]))
                for c in d.marked("cluster.size")]
        pool = collections.Counter((shown(c["path"]), c["first_line"],
                                    c["last_line"], c["size"]) for c in cl)
        check(len(rows) == min(top, len(cl)) and
              not collections.Counter(rows) - pool,
              "%s: cluster rows %s are not the JSON's" % (what, rows[:5]))
    else:
        check(not d.marked("clusters"), "%s: clusters without --clusters"
              % what)
    return js, d


def sarifs(directory):
    return sorted(os.path.join(directory, f) for f in os.listdir(directory)
                  if f.endswith(".sarif"))


t0 = time.monotonic()
samples = sarifs(os.path.join(DATA, "samples"))
compare("samples", samples)
compare("samples --top 2 --fail-on warning", ["--fail-on", "warning"] +
        samples, top=2)
compare("corr --clusters", ["--clusters"] +
        sarifs(os.path.join(DATA, "corr")), top=5)
compare("corr --clusters --root", ["--root", "/src/optdemo"] +
        sarifs(os.path.join(DATA, "corr")))
if CORPUS and os.path.isdir(os.path.join(CORPUS, "curl")):
    # four tools on one code base, SARIF and not (clang-tidy's YAML,
    # gzipped; ShellCheck's JSON): 22,000 results in 1,300 files
    curl = os.path.join(CORPUS, "curl")
    compare("corpus curl --clusters", ["--clusters", "--root", "/src/curl"] +
            sorted(os.path.join(curl, f) for f in os.listdir(curl)))
    compare("corpus chartjs --level warning",
            ["--level", "warning"] + sarifs(os.path.join(CORPUS, "chartjs")),
            top=25)
else:
    print("html_test: no corpus at %r: its cases are left out" % CORPUS)

# A hostile log: names that are markup, quotes, control bytes and URLs,
# two tools whose results cluster (so that a message is shown), in an input
# whose own path is markup; and an input that cannot be read.
hostile = {
    "tool": "t<script>alert(1)</script>&amp;\"'",
    "tool2": "u'><svg onload=alert(2)>",
    "rule": "r\"'<b>&lt;x</b>",
    "files": ["<script>alert(1)</script>", "a&b<i>\"q\"'s'.c",
              "x\r\n<img src=x onerror=alert(3)>.c",
              "https://evil.example/x.js", "javascript:alert(4)"],
    "message": "<iframe src=\"https://evil.example/\"></iframe> & done",
}


def result(rule, uri, line, message, level="error"):
    return {"ruleId": rule, "level": level, "message": {"text": message},
            "properties": {"tags": ["CWE-79"]},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": uri},
                "region": {"startLine": line}}}]}


log = {"version": "2.1.0", "runs": [
    {"tool": {"driver": {"name": hostile["tool"]}},
     "results": [result(hostile["rule"], f, 10 + i, hostile["message"])
                 for i, f in enumerate(hostile["files"])] +
     [result(hostile["rule"], hostile["files"][0], 10,
             hostile["message"])]},  # a duplicate
    {"tool": {"driver": {"name": hostile["tool2"]}},
     "results": [result("", hostile["files"][0], 11, "same <b>", "note")]}]}
hdir = os.path.join(WORK, "in<put>&\"'")
os.mkdir(hdir)
hpath = os.path.join(hdir, "<script>x.sarif")
with open(hpath, "w") as f:
    json.dump(log, f)
bad = os.path.join(hdir, "bad&<b>.sarif")
with open(bad, "w") as f:
    f.write('{"version": "2.1.0", "runs": [<script>')

js, d = compare("hostile --clusters", ["--clusters", hpath])
text = "".join(d.texts)
check(len(js["by_file"]) == len(hostile["files"]) and js["clusters"],
      "hostile: files %s, clusters %s" % (js["by_file"], js["clusters"]))
# the files as tally normalised them ("https://e" is "https:/e")
for name in ([hostile["tool"], hostile["tool2"], hostile["rule"],
              hostile["message"], hpath] + [f["file"] for f in js["by_file"]]):
    check(shown(name) in text, "hostile: %r is not shown as text" % name)
check(any(b["attrs"].get("data-tool") == hostile["tool"] for b in d.bars),
      "hostile: the tool's bar is not named by its data-tool")
js, d = compare("hostile and unreadable", [hpath, bad])
errs = [r["cells"][3] for r in d.rows if r["attrs"].get("data-path") == bad]
check(len(errs) == 1 and errs[0] != "", "unreadable: no error shown: %s" %
      errs)
compare("hostile --fail-on note", ["--fail-on", "note", hpath])

shutil.rmtree(WORK, ignore_errors=True)
if failures:
    print("html_test: %d failed" % len(failures))
    sys.exit(1)
print("html_test: %s renders every number the JSON has, names as text, "
      "nothing fetched (%.1f s)" % (BROWSER, time.monotonic() - t0))
