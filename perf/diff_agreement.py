#!/usr/bin/env python3
"""perf/diff_agreement.py TALLY.json MULTITOOL.sarif - per-result agreement.

Pairs each result of `tally diff --format json` with the Multitool's
output result of the same rule, file (file:// dropped), line, column and
message, and counts each (tally class, Multitool class) pair. Prints the
agreement over all results, and over the results where both tools apply
the same definitions: without the reworded ones (same place, message
changed), which tally calls updated by definition and the Multitool does
not (it says unchanged, or new plus absent).
"""
import json, sys, collections
tally = json.load(open(sys.argv[1]))
mt = json.load(open(sys.argv[2]))
def key_mt(r):
    loc = r.get("locations", [{}])[0].get("physicalLocation", {})
    reg = loc.get("region", {})
    uri = loc.get("artifactLocation", {}).get("uri", "")
    return (r.get("ruleId", ""), uri, reg.get("startLine", 0), reg.get("startColumn", 0), r.get("message", {}).get("text", ""))
def norm(u):
    return u[7:] if u.startswith("file://") else u
mts = collections.defaultdict(list)
for run in mt["runs"]:
    for r in run.get("results", []):
        k = key_mt(r)
        mts[(k[0], norm(k[1]), k[2], k[3], k[4])].append(r.get("baselineState"))
pairs = collections.Counter()
total = agree = 0
for x in tally["results"]:
    k = (x["rule"], x["file"], x["line"], x["column"], x["message"])
    lst = mts.get(k)
    if not lst:
        pairs[(x["state"], "missing")] += 1
        total += 1
        continue
    m = lst.pop(0)
    pairs[(x["state"], m)] += 1
    total += 1
    agree += x["state"] == m
print("results compared: %d, same class: %d (%.2f%%)" % (total, agree, 100.0 * agree / total))
# reworded: tally matched it on the same line with another message
reworded = sum(1 for x in tally["results"] if x["state"] == "updated" and
               x["baseline"]["line"] == x["line"] and
               x["baseline"]["column"] == x["column"] and
               x["baseline"]["message"] != x["message"])
same_def = total - reworded
agree_same = agree  # reworded results never agree (MT: unchanged or new)
print("same definitions (reworded excluded: %d): %d, same class: %d (%.2f%%)" %
      (reworded, same_def, agree_same, 100.0 * agree_same / same_def))
# both sides' (rule, file, message) counts, rebuilt from tally's output
side = {"new": collections.Counter(), "old": collections.Counter()}
for x in tally["results"]:
    if x["state"] != "absent":
        side["new"][(x["rule"], x["file"], x["message"])] += 1
    if x["state"] == "absent":
        side["old"][(x["rule"], x["file"], x["message"])] += 1
    elif "baseline" in x:
        side["old"][(x["rule"], x["file"], x["baseline"]["message"])] += 1
def window_class(x):
    k = (x["rule"], x["file"], x["message"])
    return (x["state"] == "updated" and x["baseline"]["message"] ==
            x["message"] and x["baseline"]["line"] != x["line"] and
            abs(x["baseline"]["line"] - x["line"]) <= 3 and
            (side["new"][k] > 1 or side["old"][k] > 1))
mts2 = collections.defaultdict(list)
for run in mt["runs"]:
    for r in run.get("results", []):
        k = key_mt(r)
        mts2[(k[0], norm(k[1]), k[2], k[3], k[4])].append(r.get("baselineState"))
win = win_agree = n2 = a2 = 0
for x in tally["results"]:
    k = (x["rule"], x["file"], x["line"], x["column"], x["message"])
    lst = mts2.get(k)
    m = lst.pop(0) if lst else "missing"
    reword = (x["state"] == "updated" and x["baseline"]["line"] == x["line"]
              and x["baseline"]["column"] == x["column"] and
              x["baseline"]["message"] != x["message"])
    if reword:
        continue
    if window_class(x):
        win += 1
        win_agree += x["state"] == m
        continue
    n2 += 1
    a2 += x["state"] == m
print("same definitions (also moved among repeats excluded: %d, of which "
      "the Multitool agrees on %d): %d, same class: %d (%.2f%%)" %
      (win, win_agree, n2, a2, 100.0 * a2 / n2))
for (a, b), n in sorted(pairs.items(), key=lambda t: -t[1]):
    print("  tally %-9s multitool %-9s %6d" % (a, b, n))
