#!/usr/bin/env python3
"""perf/sarif_perturb.py SRC OLD NEW SEED - a baseline pair from one log.

OLD is SRC as it is. NEW is SRC with, per result and seeded: 5% dropped
(absent), 10% moved 1-3 lines down (updated), 5% reworded at the same
place (updated by tally's definition), and 5% more results that are
brand new (a copy of a random result 100000 lines further, with a new
message). Used by perf/diff_vs_multitool.sh.
"""
import json, random, sys, copy
src, old_out, new_out, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rnd = random.Random(seed)
d = json.load(open(src))
old = copy.deepcopy(d)
new = copy.deepcopy(d)
def region(r):
    try:
        return r["locations"][0]["physicalLocation"]["region"]
    except (KeyError, IndexError):
        return None
for run in new["runs"]:
    out = []
    res = run.get("results", [])
    for r in res:
        x = rnd.random()
        reg = region(r)
        if x < 0.05:
            continue                      # dropped: absent
        if x < 0.15 and reg and "startLine" in reg:
            dl = rnd.randint(1, 3)                 # moved a little
            reg["startLine"] += dl
            if "endLine" in reg:
                reg["endLine"] += dl
        elif x < 0.20 and "message" in r and "text" in r["message"]:
            r["message"]["text"] += " (reworded)"  # same place, new text
        out.append(r)
    for r in rnd.sample(res, max(1, len(res) // 20)):
        n = copy.deepcopy(r)              # brand-new results
        reg = region(n)
        if reg and "startLine" in reg:
            reg["startLine"] += 100000
            if "endLine" in reg:
                reg["endLine"] += 100000
        if "message" in n and "text" in n["message"]:
            n["message"]["text"] = "new finding " + str(rnd.random())
        out.append(n)
    run["results"] = out
json.dump(old, open(old_out, "w"))
json.dump(new, open(new_out, "w"))
