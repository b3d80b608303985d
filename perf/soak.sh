#!/bin/sh
# perf/soak.sh DURATION [BUILD] - the stress programs (exact accounting in
# each: every violation, key or object counted once), oversubscribed, with
# their throughput over time.
#   smoke: one round of 1 s per program (what CI's stress label runs,
#          give or take)
#   short: one round of 3 s per program
#   soak:  rounds of 30 s per program, 16 producers, until 30 minutes
#   Ns, Nm, Nh: rounds of 30 s per program until that long (e.g. 2h)
# BUILD is a build tree (default build/tsan: ThreadSanitizer, configured
# and built first where need be). Prints TAP, one line per program per
# round; logs every round (elapsed seconds, round, program, work per
# second, ok) to out/soak/<stamp>.tsv; ends with
# a summary per program: rounds, failures, and the work rate's minimum,
# median, maximum and first-to-last change (a leak or a slowdown over
# hours shows there). The exit status is non-zero if any round failed.
set -eu
. "$(dirname "$0")/lib.sh"
tier=${1:-short}
build=${2:-$perf_root/build/tsan}
stress="$build/tests/stress"
case $tier in
smoke) secs=1 producers=8 total=0 ;;
short) secs=3 producers=8 total=0 ;;
soak) secs=30 producers=16 total=1800 ;;
*[0-9]s) secs=30 producers=16 total=${tier%s} ;;
*[0-9]m) secs=30 producers=16 total=$((${tier%m} * 60)) ;;
*[0-9]h) secs=30 producers=16 total=$((${tier%h} * 3600)) ;;
*) echo "usage: $0 smoke|short|soak|Ns|Nm|Nh [BUILD]" >&2; exit 2 ;;
esac
[ -n "${2:-}" ] || perf_build tsan >&2
for p in ingest_stress pool_stress keyset_stress detector_stress \
    memcache_stress; do
	[ -x "$stress/$p" ] || {
		echo "perf: no $stress/$p (build $build first)" >&2
		exit 2
	}
done
mkdir -p "$perf_root/out/soak"
log=$perf_root/out/soak/$(date -u +%Y%m%dT%H%M%SZ)-$tier.tsv
perf_stamp | tee "$log.stamp"
# Each line: program, then its arguments (oversubscribed: more threads
# than cores). The pool runs mix outside producers, producer tasks in groups
# that are cancelled at random, fork-join trees, flushes and snapshots;
# the dedup set alone races threads on equal keys while it grows; the
# detector pool and the L2 cache race acquires, releases, gets and puts.
set -- "ingest_stress --producers $producers --workers 4" \
    "ingest_stress --producers $producers --workers 2 --nonblock --batch-max 64" \
    "ingest_stress --producers 3 --workers 1 --affinity" \
    "pool_stress --producers $((producers / 2)) --groups 4 --tasks 6 --workers 4" \
    "pool_stress --producers 2 --groups 2 --tasks 4 --workers 1 --nonblock" \
    "pool_stress --producers 0 --groups 4 --tasks 4 --workers 2" \
    "keyset_stress --threads $producers --keys 65536" \
    "detector_stress --threads $producers --rounds 4" \
    "memcache_stress --threads $producers"
printf 'elapsed_s\tround\tprogram\twork_per_s\tok\n' > "$log"
t0=$(date +%s)
n=0 round=0 failed=0
while :; do
	round=$((round + 1))
	for args in "$@"; do
		n=$((n + 1))
		start=$(date +%s.%N)
		# shellcheck disable=SC2086 # args are split on purpose
		if line=$(cd "$stress" && ./$args --seconds "$secs" 2>&1 |
		    tail -1); then
			ok=1
			echo "ok $n - round $round: $line"
		else
			ok=0 failed=1
			echo "not ok $n - round $round: $line"
		fi
		# the work each program counts: rows, inserts, acquires or gets
		work=$(echo "$line" | sed -n \
		    's/.* \([0-9][0-9]*\) \(rows\|inserts\|acquires\|gets\).*/\1/p' |
		    head -1)
		awk -v t0="$t0" -v s="$start" -v e="$(date +%s.%N)" \
		    -v r="$round" -v p="$args" -v w="${work:-0}" -v ok="$ok" \
		    'BEGIN { printf "%.0f\t%d\t%s\t%.0f\t%d\n", e - t0, r, p,
			w / (e - s), ok }' >> "$log"
	done
	[ $(($(date +%s) - t0)) -lt "$total" ] || break
done
echo "1..$n"
echo "# summary ($log): per program, work per second"
awk -F'\t' 'NR > 1 {
	k = $3; n[k]++; bad[k] += !$5; v[k, n[k]] = $4
	if (!(k in first)) { first[k] = $4; order[++np] = k }
	last[k] = $4
}
END {
	printf "# %-75s %6s %4s %10s %10s %10s %7s\n", "program", "rounds",
	    "fail", "min", "median", "max", "change"
	for (i = 1; i <= np; i++) {
		k = order[i]; m = n[k]
		for (a = 1; a <= m; a++) s[a] = v[k, a]
		for (a = 2; a <= m; a++)   # insertion sort: m is small
			for (b = a; b > 1 && s[b - 1] > s[b]; b--) {
				t = s[b]; s[b] = s[b - 1]; s[b - 1] = t
			}
		med = m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
		printf "# %-75s %6d %4d %10.0f %10.0f %10.0f %+6.1f%%\n", k, m,
		    bad[k], s[1], med, s[m],
		    first[k] ? 100 * (last[k] - first[k]) / first[k] : 0
	}
}' "$log"
exit $failed
