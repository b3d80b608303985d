#!/bin/sh
# tests/fuzz/run.sh FUZZER SECONDS CORPUS DICT DATA - run a libFuzzer target
# for SECONDS, seeded from the test data, and print what it did: executions,
# new coverage, and any crash (the run fails on a crash).
set -eu
fuzzer=$1 seconds=$2 corpus=$3 dict=$4 data=$5
mkdir -p "$corpus"
log=$(mktemp)
status=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -max_len=65536 -dict="$dict" -print_final_stats=1 \
    "$corpus" "$data/defs" "$data/bad" "$data/samples" >"$log" 2>&1 || status=$?
grep -E "^(stat::|#[0-9]+ *DONE|==[0-9]+==ERROR|SUMMARY)" "$log" || true
if [ $status -ne 0 ]; then
	tail -n 60 "$log"
	echo "fuzz: FAILED (exit $status); crashing input saved as crash-* in $(pwd)"
fi
rm -f "$log"
exit $status
