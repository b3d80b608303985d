#!/bin/sh
# tests/spec_fixtures.sh TALLY DATA - the hand-written SARIF 2.1.0 fixtures
# of DATA (tests/data/spec) read as their README derives them from the spec.
#
# For each DATA/NAME.sarif, runs `TALLY summary --format json DATA/NAME.sarif`
# and compares the output with DATA/expected/NAME.json: every key there must
# be equal in the output ("by_rule" and "by_file" as sorted lists, since the
# output may order ties differently; the JSON lists are never cut to --top),
# except "warnings", which is compared with len(inputs[0].warnings). When the
# expected file has no "by_baseline_state", the output must not have one
# either (the contract prints it only when some result carries a
# baselineState). The exit status must be 0.
#
# For each DATA/bad/NAME.sarif (expected: DATA/expected/bad/NAME.json,
# {"exit": 2, "error_offset": N}, the offset optional): the exit status must
# be the expected one, inputs[0].error a string that names the byte offset
# ("offset", or "byte N"; with error_offset given, that number), and nothing
# of the input counted (total 0).
#
# Prints "ok NAME" or "FAIL NAME" and what differs, one line per fixture, then
# "spec fixtures: N passed, M failed". Exit 0 when all pass, 1 when one
# fails, 2 on a usage error. Needs python3 (standard library only).
set -u
if [ $# -ne 2 ] || [ ! -d "$2" ]; then
	echo "usage: spec_fixtures.sh TALLY DATA_DIR" >&2
	exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "spec_fixtures: no python3" >&2; exit 2; }
exec python3 - "$1" "$2" <<'EOF'
import glob
import json
import os
import re
import subprocess
import sys

tally, data = sys.argv[1], sys.argv[2]
passed = failed = 0


def run(path):
    """Run tally on path: (exit status, parsed stdout or None, stderr, why)."""
    try:
        p = subprocess.run([tally, "summary", "--format", "json", path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, None, "", "could not run %s: %s" % (tally, e)
    err = p.stderr.decode("utf-8", "replace").strip()
    try:
        out = json.loads(p.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return p.returncode, None, err, "output is not JSON (%s)" % e
    return p.returncode, out, err, None


def show(v):
    return json.dumps(v, sort_keys=True, ensure_ascii=False)


def diff_list(key, want, got):
    """Lines saying how two lists of rows differ, as multisets."""
    if not isinstance(got, list):
        return ["%s: expected a list, got %s" % (key, show(got))]
    w = sorted(show(x) for x in want)
    g = sorted(show(x) for x in got)
    if w == g:
        return []
    lines = []
    rest = list(g)
    for x in w:
        if x in rest:
            rest.remove(x)
        else:
            lines.append("%s: missing %s" % (key, x))
    for x in rest:
        lines.append("%s: extra   %s" % (key, x))
    return lines


def diff_map(key, want, got):
    """Lines saying how two objects differ, key by key."""
    if not isinstance(got, dict):
        return ["%s: expected %s, got %s" % (key, show(want), show(got))]
    lines = []
    for k in sorted(set(want) | set(got)):
        if want.get(k) != got.get(k):
            lines.append("%s[%s]: expected %s, got %s" % (
                key, show(k), show(want.get(k, "(absent)")),
                show(got.get(k, "(absent)"))))
    return lines


def check_good(path, want):
    rc, out, err, why = run(path)
    if why:
        return [why] + (["stderr: " + err] if err else [])
    lines = []
    if rc != 0:
        lines.append("exit status %d, expected 0" % rc)
    inp = (out.get("inputs") or [None])[0]
    if not isinstance(inp, dict):
        return lines + ["no inputs[0] in the output"]
    if inp.get("error") is not None:
        lines.append("inputs[0].error: %s" % inp.get("error"))
    for key, w in want.items():
        if key == "warnings":
            got = inp.get("warnings")
            if not isinstance(got, list):
                lines.append("warnings: expected %d, inputs[0].warnings is %s"
                             % (w, "absent" if got is None else show(got)))
            elif len(got) != w:
                lines.append("warnings: expected %d, got %d: %s"
                             % (w, len(got), show(got)))
        elif key not in out:
            lines.append("%s: expected %s, absent from the output"
                         % (key, show(w)))
        elif key in ("by_rule", "by_file"):
            lines += diff_list(key, w, out[key])
        elif isinstance(w, dict):
            lines += diff_map(key, w, out[key])
        elif out[key] != w:
            lines.append("%s: expected %s, got %s"
                         % (key, show(w), show(out[key])))
    if "by_baseline_state" not in want and "by_baseline_state" in out:
        lines.append("by_baseline_state: expected absent, got %s"
                     % show(out["by_baseline_state"]))
    return lines


def check_bad(path, want):
    rc, out, err, why = run(path)
    if rc is None:
        return [why]
    lines = []
    if rc != want.get("exit", 2):
        lines.append("exit status %s, expected %d" % (rc, want.get("exit", 2)))
    if out is None:
        return lines + [why or "no JSON output"]
    inp = (out.get("inputs") or [None])[0]
    error = inp.get("error") if isinstance(inp, dict) else None
    if not isinstance(error, str):
        lines.append("inputs[0].error: expected a message, got %s" % show(error))
    else:
        off = want.get("error_offset")
        if off is None:
            if "offset" not in error and not re.search(r"\bbyte \d+", error):
                lines.append("inputs[0].error names no offset: %s" % error)
        elif not re.search(r"\b(offset|byte) %d\b" % off, error):
            lines.append("inputs[0].error does not name offset %d: %s"
                         % (off, error))
    if out.get("total") != 0:
        lines.append("total: expected 0 (nothing of a bad input counted), got %s"
                     % show(out.get("total")))
    return lines


def cases(sub):
    d = os.path.join(data, sub) if sub else data
    for path in sorted(glob.glob(os.path.join(d, "*.sarif"))):
        name = os.path.splitext(os.path.basename(path))[0]
        exp = os.path.join(data, "expected", sub, name + ".json")
        yield (sub + "/" + name if sub else name), path, exp


for sub, check in (("", check_good), ("bad", check_bad)):
    for name, path, exp in cases(sub):
        try:
            with open(exp, encoding="utf-8") as f:
                want = json.load(f)
            lines = check(path, want)
        except (OSError, ValueError) as e:
            lines = ["expected file %s: %s" % (exp, e)]
        if lines:
            failed += 1
            print("FAIL %s" % name)
            for line in lines:
                print("    " + line)
        else:
            passed += 1
            print("ok   %s" % name)
        sys.stdout.flush()

if passed + failed == 0:
    print("spec fixtures: no *.sarif under %s" % data)
    sys.exit(2)
print("spec fixtures: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
