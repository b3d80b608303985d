#!/bin/bash
# perf/diff_vs_multitool.sh [LOG] - the baseline (diff) targets,
# measured side by side in one run on the same pair of logs:
#   tally diff >= 100x faster than the SARIF Multitool's match-results-forward;
#   the two agree on >= 99% of results where they apply the same definitions.
# LOG (default: the corpus's express/eslint-all.sarif, 12 K results) is the
# baseline; perf/sarif_perturb.py makes the newer log from it (seeded).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
tally=$(perf_tally)
corpus=$(perf_corpus "")
log=${1:-$corpus/express/eslint-all.sarif}
peers="$perf_root/../shared/peers"
if [ -z "${MULTITOOL:-}" ]; then
	eval "$(bash "$peers/setup.sh" | grep '^MULTITOOL=')"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

perf_stamp
echo "# baseline $log; newer log: perf/sarif_perturb.py, seed 1"
echo "# $("$MULTITOOL" --version 2>&1 | grep -m1 Multitool)"
python3 "$perf_root/perf/sarif_perturb.py" "$log" "$work/old.sarif" \
    "$work/new.sarif" 1

read -r mt_s mt_rss < <(perf_time "$MULTITOOL" match-results-forward \
    "$work/new.sarif" --previous "$work/old.sarif" -o "$work/mt.sarif" \
    --log ForceOverwrite 3>&1 >/dev/null 2>&1)
read -r t_s t_rss < <(perf_time sh -c '"$0" diff --format json \
    --baseline "$1" "$2" > "$3"' "$tally" "$work/old.sarif" \
    "$work/new.sarif" "$work/tally.json" 3>&1 >/dev/null 2>&1)

line='BEGIN { printf "%-28s %8.3f s, peak RSS %7.1f MB\n", w, s, r / 1e6 }'
awk -v w="multitool match-results-forward:" -v s="$mt_s" -v r="$mt_rss" "$line"
awk -v w="tally diff:" -v s="$t_s" -v r="$t_rss" "$line"
grep -m1 '"counts"' "$work/tally.json" | sed 's/^ */tally counts: /'
python3 - "$work/mt.sarif" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[1]))
c = collections.Counter(r.get("baselineState") for run in d["runs"]
                        for r in run.get("results", []))
print("multitool counts:", dict(c))
PY
python3 "$perf_root/perf/diff_agreement.py" "$work/tally.json" \
    "$work/mt.sarif"
awk -v mt="$mt_s" -v t="$t_s" 'BEGIN {
	sp = mt / (t > 0 ? t : 0.001)
	printf "speed: tally is %.0fx faster (target >= 100x: %s)\n", sp,
	    (sp >= 100 ? "met" : "MISSED")
}'
