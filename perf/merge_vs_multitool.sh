#!/bin/bash
# perf/merge_vs_multitool.sh [CORPUS] - the merge targets,
# measured side by side in one run on the same files:
#   tally merge >= 100x faster than the SARIF Multitool's `merge`;
#   tally's peak memory < 1/5 of the Multitool's.
# The Multitool comes from ../shared/peers/setup.sh (npm). Both merges keep
# runs without results (--merge-empty-logs for the Multitool).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
tally=$(perf_tally)
corpus=$(perf_corpus "${1:-}")
peers="$perf_root/../shared/peers"
if [ -z "${MULTITOOL:-}" ]; then
	eval "$(bash "$peers/setup.sh" | grep '^MULTITOOL=')"
fi
mapfile -t files < <(find "$corpus" -name '*.sarif' | sort)
bytes=$(stat -c %s "${files[@]}" | awk '{ s += $1 } END { print s }')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

perf_stamp
echo "# ${#files[@]} SARIF files, $((bytes / 1000000)) MB, from $corpus"
echo "# $("$MULTITOOL" --version 2>&1 | grep -m1 Multitool)"

read -r mt_s mt_rss < <(perf_time "$MULTITOOL" merge "${files[@]}" \
    --output-directory "$work/mt" --output-file merged.sarif \
    --merge-empty-logs --log "ForceOverwrite;Minify" 3>&1 >/dev/null 2>&1)
read -r t_s t_rss < <(perf_time "$tally" merge "${files[@]}" \
    -o "$work/tally.sarif" 3>&1 >/dev/null 2>&1)

line='BEGIN { printf "%-16s %8.2f s, peak RSS %7.1f MB\n", w, s, r / 1e6 }'
awk -v w="multitool merge:" -v s="$mt_s" -v r="$mt_rss" "$line"
awk -v w="tally merge:" -v s="$t_s" -v r="$t_rss" "$line"
for f in "$work/mt/merged.sarif" "$work/tally.sarif"; do
	"$tally" summary --format json "$f" 2>/dev/null |
	    awk -v f="$(basename "$f")" '/"total"|"unique"/ {
		gsub(/[",]/, ""); printf "%s %s %s  ", f, $1, $2
	    } END { print "" }'
done
awk -v mt="$mt_s" -v t="$t_s" -v mr="$mt_rss" -v tr="$t_rss" 'BEGIN {
	sp = mt / (t > 0 ? t : 0.001); mem = tr / mr
	printf "speed: tally is %.0fx faster (target >= 100x: %s)\n", sp,
	    (sp >= 100 ? "met" : "MISSED")
	printf "memory: tally uses %.3f of the Multitool peak" \
	    " (target < 0.2: %s)\n", mem, (mem < 0.2 ? "met" : "MISSED")
	exit !(sp >= 100 && mem < 0.2)
}'
