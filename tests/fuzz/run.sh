#!/bin/sh
# tests/fuzz/run.sh FUZZER SECONDS CORPUS DICT DATA - run a libFuzzer target
# for SECONDS (0: no limit), seeded from the test data, and print what it
# did: executions, their rate, new coverage, and any crash (the run fails
# on a crash, whose input is saved as NAME-crash-* in the current
# directory). $TALLY_FUZZ_ARGS adds libFuzzer options, e.g. -runs=10000000.
#
# The seeds depend on what the target reads (its source says): SARIF logs
# (sarif_fuzz); logs and pairs of logs cut by a NUL, some with a flags
# part (diff_fuzz, merge_fuzz); stored entries and packs, which the
# target itself makes from the test data (cache_fuzz). The reader's
# targets also start from tests/fuzz/regressions: inputs that once failed
# one of them, so each run checks them again first.
set -eu
fuzzer=$1 seconds=$2 corpus=$3 dict=$4 data=$5
regressions=$(cd "$(dirname "$0")" && pwd)/regressions
name=$(basename "$fuzzer")
seeds=$corpus.seeds
mkdir -p "$corpus"
rm -rf "$seeds"
mkdir -p "$seeds"

# pair OLD NEW NAME: OLD, NUL, NEW, then once more with each flags byte
pair() {
	{ cat "$data/$1"; printf '\000'; cat "$data/$2"; } >"$seeds/$3"
	for f in 001 002 004 025; do
		{ cat "$seeds/$3"; printf "\\000\\$f"; } >"$seeds/$3-$f"
	done
}

case $name in
sarif_fuzz)
	set -- "$regressions" "$data/defs" "$data/bad" "$data/samples" \
	    "$data/formats/gcc" "$data/formats/cppcheck" \
	    "$data/formats/shellcheck" "$data/formats/clang-tidy" ;;
diff_fuzz|merge_fuzz)
	pair diff/old.sarif diff/new.sarif diff
	pair diff/plh_old.sarif diff/plh_new.sarif plh
	pair diff/noplh_old.sarif diff/noplh_new.sarif noplh
	pair annot/base.sarif annot/cur.sarif annot
	pair corr/gcc.sarif corr/clang.sarif corr
	set -- "$regressions" "$seeds" "$data/defs" "$data/bad" "$data/diff" \
	    "$data/corr" "$data/annot" "$data/samples" ;;
cache_fuzz)
	TALLY_FUZZ_SEED_DIR=$seeds "$fuzzer" >/dev/null 2>&1
	set -- "$seeds" ;;
*)
	echo "run.sh: no seeds known for $name" >&2
	exit 2 ;;
esac

log=$(mktemp)
status=0
# shellcheck disable=SC2086 # TALLY_FUZZ_ARGS is a list of options
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -max_len=65536 -dict="$dict" -print_final_stats=1 \
    -artifact_prefix="$(pwd)/$name-" ${TALLY_FUZZ_ARGS:-} \
    "$corpus" "$@" >"$log" 2>&1 || status=$?
grep -E "^(stat::|#[0-9]+[[:space:]]+(INITED|DONE)|==[0-9]+==ERROR|SUMMARY)" "$log" || true
if [ $status -ne 0 ]; then
	tail -n 60 "$log"
	echo "fuzz: $name FAILED (exit $status); crashing input saved as" \
	    "$name-crash-* in $(pwd)"
fi
rm -f "$log"
rm -rf "$seeds"
exit $status
