#!/bin/sh
# tests/golden.sh TALLY CORPUS DATA [record] - the CLI's outputs on the
# shared corpus and on tests/data stay byte for byte what they were.
#
# Each case below runs one `tally` command; its standard output (or the file
# it writes) is hashed with SHA-256 and compared with tests/data/golden.sha256,
# which was recorded with `record` from a build of the commit before the
# libraries were split into engine/ and formats/ (see tests/data/README.md).
# A refactoring must not move a byte; a change that means to change an output
# re-records the file and says why in its commit.
#
# Inputs are named relative to their folder so that no output holds the
# checkout's path. Without the corpus the corpus cases are skipped, not
# failed. Exit 0 when every case matches, 1 when one differs (the differing
# output is left in $TMPDIR for a look), 77 when none differs but some were
# skipped (ctest reports the test as skipped, not passed), 2 on a usage
# error.
set -u
[ $# -ge 3 ] || { echo "usage: golden.sh TALLY CORPUS DATA [record]" >&2; exit 2; }
tally=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
corpus=$2
data=$3
mode=${4:-check}
sums="$data/golden.sha256"
work=$(mktemp -d "${TMPDIR:-/tmp}/tally-golden.XXXXXX")
pass=0
fail=0
skip=0
recorded=""
if [ "$mode" = record ] && [ ! -d "$corpus" ]; then
	echo "golden: cannot record without the corpus ($corpus)" >&2
	exit 2
fi

# run NAME DIR CMD... : run CMD in DIR; the output is $work/NAME (the
# command writes it itself when it names @OUT@, else its stdout is taken).
run() {
	name=$1 dir=$2
	shift 2
	if [ ! -d "$dir" ]; then
		skip=$((skip + 1))
		echo "skip: $name ($dir not found)"
		return
	fi
	out="$work/$name"
	args=""
	for a in "$@"; do
		[ "$a" = @OUT@ ] && a=$out
		args="$args '$a'"
	done
	if echo "$*" | grep -q @OUT@; then
		(cd "$dir" && eval "\"$tally\" $args" >/dev/null 2>"$out.err")
	else
		(cd "$dir" && eval "\"$tally\" $args" >"$out" 2>"$out.err")
	fi
	rc=$?
	# The text summary's first line names the library's version, which is
	# meant to change: it is hashed as "tally VERSION" (only there: the
	# other outputs, some 170 MB, are not rewritten).
	[ "$name" = summary-text ] &&
	    sed -i -E '1s/^tally [0-9]+\.[0-9]+\.[0-9]+:/tally VERSION:/' "$out"
	sum="$(sha256sum <"$out" | cut -d' ' -f1) rc=$rc"
	if [ "$mode" = record ]; then
		recorded="$recorded$name $sum
"
		rm -f "$out" "$out.err"
		return
	fi
	want=$(awk -v n="$name" '$1 == n { print $2, $3 }' "$sums")
	if [ "$sum" = "$want" ]; then
		pass=$((pass + 1))
		rm -f "$out" "$out.err"
	else
		fail=$((fail + 1))
		echo "FAIL: $name: got $sum, want ${want:-(not recorded)}; output in $out"
	fi
}

# The corpus logs, in one fixed order.
logs=$(cd "$corpus" 2>/dev/null && LC_ALL=C ls -d */*.sarif | tr '\n' ' ')
annot="$data/annot"

run summary-text "$corpus" summary --no-progress $logs
run summary-json "$corpus" summary --no-progress --format json $logs
run summary-clusters "$corpus" summary --no-progress --format json --clusters $logs
run merge "$corpus" merge --no-progress -o @OUT@ $logs
run merge-clusters "$corpus" merge --no-progress --clusters -o @OUT@ \
	libuv/clang-analyzer.sarif libuv/cppcheck-multitool.sarif \
	libuv/flawfinder.sarif libuv/clang-tidy-multitool.sarif
run merge-baseline "$corpus" merge --no-progress \
	--baseline express/eslint-recommended.sarif -o @OUT@ express/eslint-all.sarif
run merge-annot "$annot" merge --no-progress --baseline base.sarif \
	--sources . --clusters --root /build -o @OUT@ cur.sarif
for fmt in text json sarif; do
	run diff-eslint-$fmt "$corpus" diff --format $fmt \
		--baseline express/eslint-recommended.sarif express/eslint-all.sarif
	run diff-flawfinder-$fmt "$corpus" diff --format $fmt \
		--baseline curl/flawfinder.sarif curl/flawfinder-csv-multitool.sarif
done
run diff-annot-json "$data/diff" diff --format json --baseline plh_old.sarif plh_new.sarif

if [ "$mode" = record ]; then
	printf '%s' "$recorded" >"$sums"
	echo "recorded $(printf '%s' "$recorded" | wc -l) outputs in $sums"
	rm -rf "$work"
	exit 0
fi
[ $fail -eq 0 ] && rm -rf "$work"
echo "golden: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] || exit 1
[ $skip -eq 0 ] || exit 77
