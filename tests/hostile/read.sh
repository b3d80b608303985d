#!/bin/sh
# tests/hostile/read.sh TALLY DATA CORPUS - inputs that change, shrink, grow
# or never end while they are read (issue 17, items 1, 5, 6 and 9).
#
# Contract: a file that changes under the reader is an input error (exit 2,
# "changed while it was read", naming the file) or is read as it was before
# the change, never a crash (status >= 128) or mixed output; the other
# inputs still count; an endless device fails fast in bounded memory; a
# cache never stores one content's results under another's key; merge
# output is valid JSON or absent, and no temporary is left behind.
set -u
TALLY=$1
DATA=$2
CORPUS=${3:-}
pass=0
skip=0
fail=0
S=$(mktemp -d "${TMPDIR:-/tmp}/tally-hostile-read.XXXXXX") || exit 1
bgpid=
cleanup() {
	[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null
	rm -rf "$S"
}
trap cleanup EXIT INT TERM

ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1: $2"; }
skipped() { skip=$((skip + 1)); echo "skip $1: $2"; }

# start_bg CMD...: run CMD in the background; stop_bg ends it. A shell
# function run so must exec its last program, or the kill ends only the
# subshell and the program outlives the script.
start_bg() { "$@" & bgpid=$!; }
stop_bg() {
	[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null && wait "$bgpid" 2>/dev/null
	bgpid=
}

# valid_json FILE: the file parses as JSON (and so is valid UTF-8).
valid_json() {
	python3 -c 'import json,sys; json.load(open(sys.argv[1], "rb"))' "$1" \
	    >/dev/null 2>&1
}

# results_of JSON PATH: the "results" of input PATH in a summary's JSON.
results_of() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print([i["results"] for i in d["inputs"] if i["path"] == sys.argv[2]][0])' \
	    "$1" "$2" 2>/dev/null
}

# A large log: the corpus's largest, or one generated (~120 MB).
BIG=$S/big.orig
if [ -f "$CORPUS/jquery-ui/eslint-all.sarif" ]; then
	cp "$CORPUS/jquery-ui/eslint-all.sarif" "$BIG"
else
	python3 - "$BIG" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"gen"}},'
            '"results":[')
    for i in range(600000):
        f.write('%s{"ruleId":"r%d","level":"warning","message":{"text":'
                '"generated result number %d, padded to be long enough"},'
                '"locations":[{"physicalLocation":{"artifactLocation":'
                '{"uri":"src/f%d.c"},"region":{"startLine":%d}}}]}'
                % ("," if i else "", i % 97, i, i % 701, i))
    f.write(']}]}\n')
EOF
fi
cp "$DATA/defs/defs.sarif" "$S/ok.sarif"
cp "$DATA/defs/defs.sarif" "$S/more.sarif"
OKN=16

# --- (a) an input truncated while it is read ------------------------------
# Truncated after the read, the file was read whole before: exit 0 is right
# too; truncated before it was opened, it is a truncated log. What must
# never happen: a crash, or the good inputs lost.
named_change() {
	grep -q "big.sarif: .*changed while it was read (" "$1" ||
	    grep -q "big.sarif: byte 1000000: .*found end of file" "$1"
}
a_summary() {
	n=$1 delay=$2
	cp "$BIG" "$S/big.sarif"
	(sleep "$delay"; truncate -s 1000000 "$S/big.sarif") &
	tp=$!
	timeout 120 "$TALLY" summary --format json "$S/ok.sarif" \
	    "$S/big.sarif" "$S/more.sarif" >"$S/a.json" 2>"$S/a.err"
	st=$?
	wait "$tp"
	name="truncate-while-reading summary #$n (${delay}s): status $st"
	if [ "$st" -ge 124 ]; then
		no "$name" "crashed or timed out: $(cat "$S/a.err")"
	elif [ "$st" -ne 0 ] && [ "$st" -ne 2 ]; then
		no "$name" "status"
	elif [ "$st" -eq 2 ] && ! named_change "$S/a.err"; then
		no "$name" "error does not name the change: $(cat "$S/a.err")"
	elif [ "$(results_of "$S/a.json" "$S/ok.sarif")" != $OKN ] ||
	    [ "$(results_of "$S/a.json" "$S/more.sarif")" != $OKN ]; then
		no "$name" "the good inputs were not reported"
	else
		ok "$name"
	fi
}
a_merge() {
	n=$1 delay=$2
	cp "$BIG" "$S/big.sarif"
	mkdir -p "$S/out"
	rm -f "$S/out/"* "$S/out/".[!.]* 2>/dev/null
	(sleep "$delay"; truncate -s 1000000 "$S/big.sarif") &
	tp=$!
	timeout 120 "$TALLY" merge -o "$S/out/m.sarif" "$S/ok.sarif" \
	    "$S/big.sarif" "$S/more.sarif" 2>"$S/a.err"
	st=$?
	wait "$tp"
	left=$(ls -A "$S/out" | grep -v '^m\.sarif$')
	name="truncate-while-reading merge #$n (${delay}s): status $st"
	if [ "$st" -ge 124 ]; then
		no "$name" "crashed or timed out: $(cat "$S/a.err")"
	elif [ "$st" -ne 0 ] && [ "$st" -ne 2 ]; then
		no "$name" "status"
	elif [ -n "$left" ]; then
		no "$name" "left behind: $left"
	elif [ -e "$S/out/m.sarif" ] && ! valid_json "$S/out/m.sarif"; then
		no "$name" "output is not valid JSON"
	elif [ "$st" -eq 2 ] && ! named_change "$S/a.err"; then
		no "$name" "error does not name the change: $(cat "$S/a.err")"
	else
		ok "$name"
	fi
}
# The issue's delay (the old reader was still parsing then), twice, and
# sooner: while the file is being read.
for n in 1 2; do
	a_summary "$n" 0.3
	a_merge "$n" 0.3
done
a_summary 3 0.01
a_merge 3 0.01

# A file that grows all the time it is read cannot be read as it was:
# deterministic exit 2, the change named, the good inputs counted.
cp "$BIG" "$S/grow.sarif"
start_bg sh -c "while :; do printf ' ' >>'$S/grow.sarif'; done"
timeout 60 "$TALLY" summary --format json "$S/ok.sarif" "$S/grow.sarif" \
    >"$S/g.json" 2>"$S/g.err"
st=$?
stop_bg
if [ "$st" -eq 2 ] && grep -q "grow.sarif: changed while it was read (" \
    "$S/g.err" && [ "$(results_of "$S/g.json" "$S/ok.sarif")" = $OKN ]; then
	ok "growing-while-read: status 2, named, others counted"
else
	no "growing-while-read" "status $st: $(cat "$S/g.err")"
fi

# --- (b) endless devices: exit 2 within 5 s, under 200 MB -------------------
for dev in /dev/zero /dev/urandom; do
	for cmd in summary merge; do
		if [ "$cmd" = merge ]; then
			set -- merge -o "$S/dev.sarif" "$dev"
		else
			set -- summary "$dev"
		fi
		t0=$(date +%s)
		timeout 10 /usr/bin/time -f %M -o "$S/rss" "$TALLY" "$@" \
		    >/dev/null 2>"$S/d.err"
		st=$?
		t1=$(date +%s)
		kb=$(tail -n 1 "$S/rss" 2>/dev/null)
		name="$cmd $dev: status $st, $((t1 - t0)) s, ${kb:-?} KB"
		if [ "$st" -ne 2 ]; then
			no "$name" "status: $(cat "$S/d.err")"
		elif [ $((t1 - t0)) -gt 5 ]; then
			no "$name" "took over 5 s"
		elif [ -z "$kb" ] || [ "$kb" -ge 204800 ]; then
			no "$name" "memory not bounded"
		elif ! grep -q "$dev: byte [0-9]*: expected" "$S/d.err"; then
			no "$name" "message: $(cat "$S/d.err")"
		else
			ok "$name"
		fi
	done
done

# --- (c) --max-input-bytes -------------------------------------------------
# limit_case NAME PATTERN STDIN FILE: summary --max-input-bytes 1000 FILE,
# fed STDIN: status 2 and PATTERN in the error.
limit_case() {
	"$TALLY" summary --max-input-bytes 1000 "$4" <"$3" >/dev/null \
	    2>"$S/c.err"
	st=$?
	if [ "$st" -eq 2 ] && grep -q "$2" "$S/c.err"; then
		ok "max-input-bytes, $1"
	else
		no "max-input-bytes, $1" "status $st: $(cat "$S/c.err")"
	fi
}
if "$TALLY" summary --help 2>/dev/null | grep -q -- --max-input-bytes; then
	limit_case "a file: refused before reading" \
	    "ok.sarif: [0-9]* bytes, over the limit of 1000 bytes" \
	    /dev/null "$S/ok.sarif"
	limit_case "a pipe: refused as it passes" \
	    "larger than the limit of 1000 bytes" "$S/ok.sarif" -
else
	skipped "max-input-bytes" \
	    "no --max-input-bytes in this CLI (sarif_test covers the library)"
fi

# --- (d) cache poisoning by an in-place edit ---------------------------------
# The editor flips one rule id between two spellings of the same length;
# afterwards the original bytes, read through the cache, must count what a
# plain read counts.
MID=$S/mid.sarif
if [ -f "$CORPUS/express/eslint-all.sarif" ]; then
	cp "$CORPUS/express/eslint-all.sarif" "$MID"
else
	cp "$BIG" "$MID"
fi
cp "$MID" "$S/mid.orig"
off=$(grep -b -o '"ruleId": *"[^"]*"' "$MID" | sed -n '2000p' | cut -d: -f1)
editor() {
	exec python3 - "$1" "$2" <<'EOF'
import os, sys
path, off = sys.argv[1], int(sys.argv[2])
fd = os.open(path, os.O_RDWR)
a = os.pread(fd, 200, off)
q = a.index(b'"', a.index(b':') + 1) + 1   # first byte of the id
b = bytearray(a)
b[q] = ord('Z') if a[q] != ord('Z') else ord('Y')
while True:
    os.pwrite(fd, bytes(b), off)
    os.pwrite(fd, a, off)
EOF
}
"$TALLY" summary --format json "$S/mid.orig" >"$S/plain.json" 2>/dev/null
for delay in 0 0.05 0.2; do
	rm -rf "$S/cache"
	cp "$S/mid.orig" "$MID"
	start_bg editor "$MID" "$off"
	sleep "$delay"
	timeout 60 "$TALLY" summary --cache "$S/cache" --format json "$MID" \
	    >/dev/null 2>"$S/e.err"
	st1=$?
	stop_bg
	cp "$S/mid.orig" "$MID"
	timeout 60 "$TALLY" summary --cache "$S/cache" --format json \
	    "$S/mid.orig" >"$S/cached.json" 2>/dev/null
	st2=$?
	name="cache poisoning (${delay}s): status $st1 while edited, $st2 after"
	if [ "$st1" -ge 124 ] || [ "$st2" -ne 0 ]; then
		no "$name" "$(cat "$S/e.err")"
	elif ! cmp -s "$S/plain.json" "$S/cached.json"; then
		no "$name" "the cache replays another content's results"
	else
		ok "$name"
	fi
done

# --- (e) merge of a file edited in place: valid output or a named error -----
edit_utf8() {
	exec python3 - "$1" "$2" <<'EOF'
import os, sys
path, off = sys.argv[1], int(sys.argv[2])
fd = os.open(path, os.O_RDWR)
a = os.pread(fd, 200, off)
q = a.index(b'"', a.index(b':') + 1) + 1
b = bytearray(a)
b[q] = 0xff # not UTF-8
while True:
    os.pwrite(fd, bytes(b), off)
    os.pwrite(fd, a, off)
EOF
}
for n in 1 2 3; do
	cp "$S/mid.orig" "$MID"
	mkdir -p "$S/eout"
	rm -f "$S/eout/"* "$S/eout/".[!.]* 2>/dev/null
	start_bg edit_utf8 "$MID" "$off"
	sleep 0.2 # the editor is running before merge opens the file
	timeout 60 "$TALLY" merge -o "$S/eout/m.sarif" "$S/ok.sarif" "$MID" \
	    2>"$S/m.err"
	st=$?
	stop_bg
	left=$(ls -A "$S/eout" | grep -v '^m\.sarif$')
	name="merge while edited in place #$n: status $st"
	if [ "$st" -eq 0 ] && valid_json "$S/eout/m.sarif" && [ -z "$left" ]; then
		ok "$name, valid output"
	elif [ "$st" -eq 2 ] && [ -z "$left" ] &&
	    grep -q "mid.sarif: .*\(changed while it was read\|invalid UTF-8\)" \
	    "$S/m.err" &&
	    { [ ! -e "$S/eout/m.sarif" ] || valid_json "$S/eout/m.sarif"; }; then
		ok "$name, $(sed 's/.*mid.sarif: //' "$S/m.err" | head -n 1)"
	else
		no "$name" "left '$left': $(cat "$S/m.err")"
	fi
done

echo "hostile read: $pass passed, $skip skipped"
[ "$fail" -eq 0 ] || exit 1
[ "$pass" -eq 0 ] && [ "$skip" -gt 0 ] && exit 77
exit 0
