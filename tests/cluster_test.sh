#!/bin/sh
# tests/cluster_test.sh - the ClickHouse fleet end to end: a two-shard
# cluster (clickhouse/cluster.sh), the corpus's SARIF logs split over
# three simulated CI jobs and inserted with `tally export --clickhouse-url`,
# and the fleet's summary (clickhouse/summary.sh) compared, exactly, with
# `tally summary --format json` over all the inputs. Then again with one
# shard killed after the first job's load and started during the next,
# that load retried, and the first sent twice: still the same counts.
#
#   cluster_test.sh TALLY CORPUS_DIR
#
# Exit status: 0 pass, 1 fail, 77 skipped (no clickhouse-server, curl or
# python3, or no inputs), as ctest's SKIP_RETURN_CODE expects.
set -u

tally=${1:?usage: cluster_test.sh TALLY CORPUS_DIR}
corpus=${2:?usage: cluster_test.sh TALLY CORPUS_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
cluster="$top/clickhouse/cluster.sh"
summary="$top/clickhouse/summary.sh"

skip() { echo "SKIP: $*"; exit 77; }

if ! command -v clickhouse-server >/dev/null 2>&1 &&
    [ ! -x /usr/sbin/clickhouse-server ] &&
    ! command -v clickhouse >/dev/null 2>&1; then
	skip "clickhouse-server is not installed (apt-get install clickhouse-server)"
fi
command -v curl >/dev/null 2>&1 || skip "curl is not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
[ -x "$tally" ] || { echo "FAIL: $tally is not executable"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tally-cluster.XXXXXX") || exit 1
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	"$cluster" stop "$work/cluster" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

find "$corpus" -name '*.sarif' | LC_ALL=C sort >"$work/inputs"
n=$(wc -l <"$work/inputs")
[ "$n" -ge 3 ] || skip "fewer than 3 *.sarif under $corpus"

# Three jobs, consecutive slices of the sorted list: job-1 reads the first
# third. Sources sort as the inputs do, so "the first reading" of a result
# is the same for the fleet as for one `tally summary` over the list.
per=$(( (n + 2) / 3 ))
split -l "$per" -d -a 1 "$work/inputs" "$work/job."
for j in 1 2 3; do
	[ -f "$work/job.$((j - 1))" ] || : >"$work/job.$((j - 1))"
	mv "$work/job.$((j - 1))" "$work/job-$j"
done

fail() { echo "FAIL: $*"; exit 1; }

"$cluster" start "$work/cluster" || fail "the cluster did not start"
url=$("$cluster" url "$work/cluster" 1)
# insert_distributed_sync=1: the Distributed table hands each batch to its
# shards before it answers, so a shard that is down fails the batch (and
# tally export sends it again) instead of it waiting in a queue.
ins="${url}?insert_distributed_sync=1"

# load RUN JOB: the inputs of job JOB as source RUN/job-JOB
load() {
	# shellcheck disable=SC2046
	"$tally" export --no-progress --clickhouse-url "$ins" \
	    --source "$1/job-$2" $(cat "$work/job-$2")
}

# The reference: one `tally summary` over every input.
# shellcheck disable=SC2046
"$tally" summary --format json --no-progress $(cat "$work/inputs") \
    >"$work/expected.json"
rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || fail "tally summary exited $rc"

# check RUN WHAT: the fleet's summary of RUN/job-1..3 equals the reference
check() {
	"$summary" "$url" "$1/job-1" "$1/job-2" "$1/job-3" >"$work/got.json" ||
		fail "$2: summary.sh failed"
	python3 - "$work/expected.json" "$work/got.json" "$2" <<'EOF' || exit 1
import difflib, json, sys
want = json.load(open(sys.argv[1]))
want.pop("inputs", None)
got = json.load(open(sys.argv[2]))
if want == got:
    print("ok: %s: %d results, %d unique, %d suppressed, %d duplicates"
          % (sys.argv[3], got["total"], got["unique"], got["suppressed"],
             got["duplicates"]))
    sys.exit(0)
a = json.dumps(want, indent=1, sort_keys=True).splitlines()
b = json.dumps(got, indent=1, sort_keys=True).splitlines()
print("FAIL: %s: the fleet's summary differs from tally summary" % sys.argv[3])
for line in list(difflib.unified_diff(a, b, "tally summary", "cluster",
                                      lineterm=""))[:200]:
    print(line)
sys.exit(1)
EOF
}

# 1. Three jobs load, one after another.
for j in 1 2 3; do
	load run1 "$j" || fail "run1: tally export of job-$j exited $?"
done
check run1 "three jobs"

# 2. Shard 2 dies (SIGKILL) after the first job's load and comes back
# while the second job loads; that load is then run again, and so is the
# first: batches sent twice must not count twice.
load run2 1 || fail "run2: tally export of job-1 exited $?"
pid=$(cat "$work/cluster/node2/server.pid")
kill -9 "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
load run2 2 >"$work/load2.log" 2>&1 &
loader=$!
# restart the shard once a batch has failed (or after 60 s)
t=0
while [ "$t" -lt 600 ] && kill -0 "$loader" 2>/dev/null &&
    ! grep -q 'again in' "$work/load2.log"; do
	sleep 0.1
	t=$((t + 1))
done
"$cluster" start "$work/cluster" 2 >/dev/null || fail "shard 2 did not restart"
wait "$loader"
echo "run2: job-2 during the restart: exit $? ($(grep -c 'again in' \
    "$work/load2.log") batch(es) sent again)"
sed 's/^/  /' "$work/load2.log"
load run2 2 || fail "run2: job-2 retried: tally export exited $?"
load run2 1 || fail "run2: job-1 again: tally export exited $?"
load run2 3 || fail "run2: tally export of job-3 exited $?"
"$cluster" status "$work/cluster" >/dev/null || fail "a shard is down"
check run2 "a shard restarted, loads retried"

# The retried batches are in the table twice or more until a merge; FINAL
# and the distinct counts of summary.sql see them once.
rows=$(curl -sS "$url" --data-binary \
    "SELECT count() FROM tally_results WHERE source LIKE 'run2/%'")
final=$(curl -sS "$url" --data-binary \
    "SELECT count() FROM tally_results FINAL WHERE source LIKE 'run2/%'")
echo "run2: $rows rows stored, $final after collapsing repeats"
echo "PASS"
exit 0
