#!/bin/sh
# tests/hostile/cli.sh TALLY DATA CORPUS - the command line against hostile
# text and environments (issue 17, items 11 and 12; deliverable 5): what an
# input holds reaches the terminal escaped, messages are tally's own and
# name the option, file and offset, write errors and a bad TALLY_ISA exit 2.
# One line per case, then "hostile cli: N passed, M skipped"; exit 1 on any
# failure, 77 when every case skipped.
set -u
[ $# -ge 2 ] || { echo "usage: cli.sh TALLY DATA [CORPUS]" >&2; exit 2; }
tally=$1
data=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/tally-hostile-cli.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
skip=0
esc=$(printf '\033')

ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1: $2"; }
skipped() { skip=$((skip + 1)); echo "skip $1: $2"; }

# run NAME ARGS...: tally under a time bound; status in $st, output in
# $work/out and $work/err.
run() {
	name=$1
	shift
	timeout 30 "$tally" "$@" >"$work/out" 2>"$work/err"
	st=$?
}

# No raw control byte (C0 but newline, DEL, C1 as UTF-8) in file $1.
clean() {
	! LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$1" &&
	    ! LC_ALL=C grep -q "$(printf '\302[\200-\237]')" "$1" &&
	    tr -d '\000' <"$1" | cmp -s - "$1"
}

# has FILE TEXT: FILE holds TEXT (fixed string).
has() { grep -qF -- "$2" "$1"; }

# A log whose tool, rule, file, level and message hold escapes, newlines,
# NULs and a C1 control; two tools at one line, so --clusters prints too.
printf '%s' \
    '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t\u001b[31mX"}},' \
    '"results":[{"ruleId":"r","level":"error","message":{"text":"m\u001b]0;' \
    'pwned\u0007"},"taxa":[{"id":"CWE-476"}],"locations":[{"physicalLocatio' \
    'n":{"artifactLocation":{"uri":"a\nb\u0000.c"},"region":{"startLine":5}' \
    '}}]},{"ruleId":"r\u0000x","message":{"text":"m"}}]},{"tool":{"driver":' \
    '{"name":"B\r"}},"results":[{"ruleId":"q\u009b2J","message":{"text":"n"' \
    '},"taxa":[{"id":"CWE-476"}],"locations":[{"physicalLocation":{"artifac' \
    'tLocation":{"uri":"a\nb\u0000.c"},"region":{"startLine":6}}}]}]}]}' \
    >"$work/h.sarif"

case=text-output-escaped
run $case summary --clusters "$work/h.sarif"
if [ $st -ne 0 ]; then no $case "exit $st"
elif ! clean "$work/out"; then no $case "a raw control byte on stdout"
elif has "$work/out" "$esc"; then no $case "a raw ESC on stdout"
elif ! has "$work/out" 't\x1b[31mX' || ! has "$work/out" 'a\x0ab\x00.c' ||
    ! has "$work/out" 'm\x1b]0;pwned\x07' || ! has "$work/out" 'B\x0d' ||
    ! has "$work/out" 'q\xc2\x9b2J'; then no $case "a name not escaped"
else ok $case; fi

case=nul-names-print-in-full
run $case summary "$work/h.sarif"
if grep -qx '.* r' "$work/out" && grep -qx '.* r\\x00x' "$work/out"; then
	ok $case
else no $case "'r' and 'r\\0x' not printed apart"; fi

case=progress-line-escaped
run $case summary --progress "$work/h.sarif"
if [ $st -eq 0 ] && ! LC_ALL=C tr -d '\r\n' <"$work/err" |
    sed 's/\x1b\[K//g' | LC_ALL=C grep -q "$esc"; then ok $case
else no $case "exit $st or a raw ESC in the progress line"; fi

case=json-keeps-nul
run $case summary --format json "$work/h.sarif"
# (JSON may hold U+0080..U+009F as they are: RFC 8259 escapes C0 only.)
if [ $st -eq 0 ] && has "$work/out" '"r\u0000x"' &&
    ! LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$work/out"
then
	ok $case
else no $case "exit $st or the NUL lost"; fi

case=verbose-warnings-escaped
printf '%s' \
    '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t","rules":[{"id' \
    '":"x"}]}},"results":[{"ruleId":"\u001b[2Jr","ruleIndex":7,"message":{"' \
    'text":"m"}}]}]}' \
    >"$work/w.sarif"
run $case summary -v "$work/w.sarif"
if [ $st -eq 0 ] && clean "$work/err"; then ok $case
else no $case "exit $st or a raw control byte on stderr"; fi

case=bad-level-quoted-escaped
printf '%s' \
    '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":' \
    '[{"ruleId":"r","level":"err\u001b[2Jor","message":{"text":"m"}}]}]}' \
    >"$work/lv.sarif"
run $case summary "$work/lv.sarif"
if [ $st -eq 2 ] && clean "$work/err" &&
    has "$work/err" 'lv.sarif: byte 92: runs[0].results[0].level: ' &&
    has "$work/err" 'found "err\x1b[2Jor"'; then ok $case
else no $case "exit $st: $(cat "$work/err")"; fi

case=missing-file-name-escaped
nl="$work/no
such$esc[2Jfile.sarif"
run $case summary "$nl"
if [ $st -eq 2 ] && clean "$work/err" &&
    has "$work/err" 'no\x0asuch\x1b[2Jfile.sarif: '; then ok $case
else no $case "exit $st: $(cat "$work/err")"; fi

case=unknown-short-option
run $case summary -x f
if [ $st -eq 2 ] && has "$work/err" "tally: summary: unknown option '-x'"
then ok $case
else no $case "exit $st: $(cat "$work/err")"; fi

case=unknown-option-escaped
run $case summary "-$esc" f
if [ $st -eq 2 ] && clean "$work/err" &&
    has "$work/err" "unknown option '-\\x1b'"; then ok $case
else no $case "exit $st: $(cat "$work/err")"; fi

case=second-bom-named
printf '\357\273\277\357\273\277{"version":"2.1.0","runs":[]}' >"$work/bom2.sarif"
run $case summary "$work/bom2.sarif"
if [ $st -eq 2 ] &&
    has "$work/err" "bom2.sarif: byte 3: expected a JSON value, found a byte order mark (U+FEFF)"
then ok $case
else no $case "exit $st: $(cat "$work/err")"; fi

case=leading-bom-ignored
printf '\357\273\277{"version":"2.1.0","runs":[]}' >"$work/bom.sarif"
run $case summary -v "$work/bom.sarif"
if [ $st -eq 0 ] && has "$work/err" "byte order mark"; then ok $case
else no $case "exit $st: $(cat "$work/err")"; fi

case=surrogate-in-our-words
printf '%s' \
    '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[' \
    '{"ruleId":"\ud800x","message":{"text":"m"}}]}]}' \
    >"$work/s.sarif"
run $case summary "$work/s.sarif"
if [ $st -eq 2 ] && has "$work/err" "s.sarif: byte 81: runs[0].results[0].ruleId: invalid string" &&
    ! has "$work/err" "Problem"; then ok $case
else no $case "exit $st: $(cat "$work/err")"; fi

case=wrong-typed-number
printf '%s' \
    '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[' \
    '{"ruleId":"r","message":{"text":"m"},"locations":[{"physicalLocation":' \
    '{"region":{"startLine":"7"}}}]}]}]}' \
    >"$work/n.sarif"
run $case summary "$work/n.sarif"
if [ $st -eq 2 ] &&
    has "$work/err" "startLine: expected an integer, found a string"; then
	ok $case
else no $case "exit $st: $(cat "$work/err")"; fi

if [ -w /dev/full ]; then
	for args in "--help" "--version" "summary --help" \
	    "summary $data/samples/jscpd.sarif"; do
		case="full-stdout:$(echo "$args" | cut -c1-20)"
		# shellcheck disable=SC2086 # $args is words on purpose
		timeout 30 "$tally" $args >/dev/full 2>"$work/err"
		st=$?
		if [ $st -eq 2 ] && has "$work/err" "standard output: "; then
			ok "$case"
		else no "$case" "exit $st: $(cat "$work/err")"; fi
	done
else
	skipped full-stdout "no /dev/full"
fi

case=tally-isa-bogus
TALLY_ISA=bogus timeout 30 "$tally" --version >"$work/out" 2>"$work/err"
st=$?
if [ $st -eq 2 ] && [ ! -s "$work/out" ] &&
    has "$work/err" "TALLY_ISA=bogus: unknown instruction set"; then ok $case
else no $case "exit $st: $(cat "$work/err")"; fi

case=tally-isa-escaped
TALLY_ISA="x$esc[2J" timeout 30 "$tally" --version >"$work/out" 2>"$work/err"
st=$?
if [ $st -eq 2 ] && clean "$work/err"; then ok $case
else no $case "exit $st"; fi

# A closed pipe is a write error like any other: said, exit 2 (not death
# by SIGPIPE with nothing said). The output must outgrow the pipe's buffer.
case=closed-pipe
big=${3:-}/express/eslint-all.sarif
if [ ! -f "$big" ]; then skipped $case "no corpus"
else
	st=$( { timeout 30 "$tally" merge "$big" -o - 2>"$work/err"
	    echo $? >"$work/st"; } | head -c 10 >/dev/null; cat "$work/st")
	if [ "$st" -eq 2 ] && has "$work/err" "standard output: Broken pipe"
	then ok $case
	else no $case "exit $st: $(cat "$work/err")"; fi
fi

# A byte order mark that arrives in pieces through a pipe is still one.
case=bom-in-pieces
{ printf '\357'; sleep 0.2; printf '\273\277'; cat "$data/defs/defs.sarif"; } |
    timeout 30 "$tally" summary --format json - >"$work/out" 2>"$work/err"
st=$?
if [ $st -eq 0 ] && has "$work/out" '"total": 16'; then ok $case
else no $case "exit $st: $(cat "$work/err")"; fi

echo "hostile cli: $pass passed, $skip skipped"
[ $fail -eq 0 ] || exit 1
[ $pass -gt 0 ] || exit 77
exit 0
