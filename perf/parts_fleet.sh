#!/bin/bash
# perf/parts_fleet.sh [RUNS] - parts and the ClickHouse load, on the
# corpus, RUNS runs each (default 3), the median printed:
#   pack:     `tally pack` of every log of the corpus (SARIF and native),
#             its size against the logs' (target: a part <= 1/5);
#   summary:  `tally summary` of the logs against the same of their part;
#   export:   `tally export` of the part to a file (rows/s);
#   insert:   `tally export --clickhouse-url` of the part into a local
#             table of one clickhouse-server node (clickhouse/cluster.sh),
#             against the server's own limit measured in the same run:
#             curl POSTing the same rows, in the same 100,000-row batches,
#             into the same table (target: >= 1 M results/s, or the
#             server's limit).
# Needs clickhouse-server and curl for the last two (skipped without).
#
# $TALLY: the tally binary (default build/release/tally);
# $TALLY_CORPUS_DIR: the corpus (default ../shared/corpus).
set -eu
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" = "--help" ]; then
	perf_usage
	exit 0
fi
runs=${1:-3}
tally=$(perf_tally)
corpus=$(perf_corpus "${TALLY_CORPUS_DIR:-}")
work=$(mktemp -d)
cluster=$perf_root/clickhouse/cluster.sh
trap '"$cluster" stop "$work/c" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
mapfile -t logs < <(find "$corpus" -type f ! -name '*.md' | LC_ALL=C sort)

# median of the seconds "$@" takes, over $runs runs
median() {
	for _ in $(seq "$runs"); do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		e=$(date +%s.%N)
		echo "$e - $s" | bc -l
	done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

perf_stamp
bytes=$(cat "${logs[@]}" | wc -c)
t_pack=$(median "$tally" pack "${logs[@]}" -o "$work/all.tally")
part=$(wc -c <"$work/all.tally")
rows=$("$tally" export "$work/all.tally" | tee "$work/rows.json" | wc -l)
printf 'pack: %d logs, %d bytes -> %d bytes (1/%.1f; target <= 1/5) in %.3f s\n' \
    "${#logs[@]}" "$bytes" "$part" "$(echo "$bytes / $part" | bc -l)" "$t_pack"
t_logs=$(median "$tally" summary --format json "${logs[@]}")
t_part=$(median "$tally" summary --format json "$work/all.tally")
printf 'summary: logs %.3f s, their part %.3f s (%.2fx)\n' \
    "$t_logs" "$t_part" "$(echo "$t_logs / $t_part" | bc -l)"
t_exp=$(median "$tally" export "$work/all.tally" -o "$work/out.json")
printf 'export to a file: %d rows in %.3f s = %.0f rows/s\n' "$rows" \
    "$t_exp" "$(echo "$rows / $t_exp" | bc -l)"

if ! command -v clickhouse-server >/dev/null 2>&1 &&
    [ ! -x /usr/sbin/clickhouse-server ]; then
	echo "insert: skipped (no clickhouse-server)"
	exit 0
fi
"$cluster" start "$work/c" 1 >/dev/null
url=$("$cluster" url "$work/c" 1)
q() { curl -sS --data-binary "$1" "$url" >/dev/null; }
split -l 100000 -d -a 3 "$work/rows.json" "$work/batch."
curl_load() {
	q "TRUNCATE TABLE tally_results_local"
	for b in "$work"/batch.*; do
		curl -sS --fail --data-binary "@$b" \
		    "${url}?query=INSERT%20INTO%20tally_results_local%20FORMAT%20JSONEachRow" \
		    >/dev/null
	done
}
tally_load() {
	q "TRUNCATE TABLE tally_results_local"
	"$tally" export "$work/all.tally" --clickhouse-url "$url" \
	    --table tally_results_local
}
t_curl=$(median curl_load)
t_tally=$(median tally_load)
printf '%s %.0f rows/s; tally export %.0f rows/s (%.2fx of curl; %s)\n' \
    "insert into one node: curl (the server's limit)" \
    "$(echo "$rows / $t_curl" | bc -l)" "$(echo "$rows / $t_tally" | bc -l)" \
    "$(echo "$t_curl / $t_tally" | bc -l)" \
    "target >= 1 M/s or the server's limit"
