#!/bin/sh
# tests/hostile/output.sh TALLY DATA CORPUS - outputs never destroy, and
# merge --sources reads nothing outside its directory (issue 17, items 3,
# 4, 7, 8, 11). Each case asserts exit status, wording and which files
# changed; a case that needs root skips otherwise.
tally=$1
data=$2
pass=0 fail=0 skip=0
scratch=$(mktemp -d) || exit 1
trap 'rm -rf "$scratch"' EXIT
cd "$scratch" || exit 1

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; }
skipped() { skip=$((skip + 1)); echo "skip $1: $2"; }
sum() { cksum < "$1"; }
# run NAME CMD...: status in $st, stderr in err; a crash or hang fails
run() {
	name=$1
	shift
	timeout 10 "$@" > out 2> err
	st=$?
	if [ "$st" -ge 124 ]; then
		bad "$name" "status $st (crash or hang): $(cat err)"
		return 1
	fi
	return 0
}

cp "$data/annot/base.sarif" o.sarif
cp "$data/annot/cur.sarif" n.sarif
sample=$data/samples/jscpd.sarif

# 3: --output naming an input: the inputs are read first, then replaced.
c="diff --output naming its own input"
cp n.sarif n.keep
if run "$c" "$tally" diff --baseline o.sarif n.sarif --output n.sarif; then
	if [ "$st" -ne 0 ]; then bad "$c" "status $st: $(cat err)"
	elif ! grep -q '^2 new, 1 unchanged, 0 updated, 1 absent' n.sarif; then
		bad "$c" "n.sarif: $(head -c 200 n.sarif)"
	else ok "$c"; fi
fi
cp n.keep n.sarif

c="diff input error leaves an existing report alone"
echo "the report of yesterday" > existing.txt
before=$(sum existing.txt)
if run "$c" "$tally" diff --baseline missing.sarif n.sarif -o existing.txt
then
	if [ "$st" -ne 2 ]; then bad "$c" "status $st"
	elif [ "$(sum existing.txt)" != "$before" ]; then bad "$c" "changed"
	elif ! grep -q 'missing.sarif' err; then bad "$c" "$(cat err)"
	else ok "$c"; fi
fi

c="diff --format sarif input error leaves an existing report alone"
if run "$c" "$tally" diff --baseline o.sarif missing.sarif -f sarif \
    -o existing.txt; then
	if [ "$st" -ne 2 ] || [ "$(sum existing.txt)" != "$before" ]; then
		bad "$c" "status $st"
	else ok "$c"; fi
fi

# 4: a symlink is written through, a mode kept.
c="merge -o a symlink writes through it"
echo old > real.sarif
ln -s real.sarif link.sarif
if run "$c" "$tally" merge "$sample" -o link.sarif; then
	if [ "$st" -ne 0 ]; then bad "$c" "status $st: $(cat err)"
	elif [ ! -L link.sarif ]; then bad "$c" "the link was replaced"
	elif ! grep -q '"\$schema"' real.sarif; then bad "$c" "target not written"
	else ok "$c"; fi
fi

c="merge -o an existing 0600 file keeps 0600"
echo old > private.sarif
chmod 600 private.sarif
if run "$c" "$tally" merge "$sample" -o private.sarif; then
	mode=$(stat -c %a private.sarif)
	if [ "$st" -ne 0 ] || [ "$mode" != 600 ]; then
		bad "$c" "status $st, mode $mode"
	else ok "$c"; fi
fi

c="merge -o a character device leaves the device node"
if [ "$(id -u)" -ne 0 ]; then
	skipped "$c" "needs root"
elif ! mknod null c 1 3 2> /dev/null; then
	skipped "$c" "mknod refused here"
elif run "$c" "$tally" merge "$sample" -o null; then
	if [ "$st" -ne 0 ]; then bad "$c" "status $st: $(cat err)"
	elif [ ! -c null ]; then bad "$c" "no longer a character device"
	else ok "$c"; fi
fi

# A link another user planted in a sticky shared directory (/tmp) is not
# followed, as the kernel would not follow it (fs.protected_symlinks):
# otherwise a root job's -o /tmp/report.sarif replaces what it points at.
c="merge -o a link planted by another user in a sticky directory"
if [ "$(id -u)" -ne 0 ]; then
	skipped "$c" "needs root"
else
	mkdir shared && chmod 1777 shared
	echo "the victim" > victim
	vsum=$(sum victim)
	ln -s "$scratch/victim" shared/report.sarif
	ln -s "$scratch/victim" shared/mine.sarif
	chown -h 65534:65534 shared/report.sarif
	if run "$c" "$tally" merge "$sample" -o shared/report.sarif; then
		if [ "$st" -ne 2 ]; then bad "$c" "status $st"
		elif [ "$(sum victim)" != "$vsum" ]; then bad "$c" "victim replaced"
		elif ! grep -q 'report.sarif: Permission denied' err; then
			bad "$c" "$(cat err)"
		elif run "$c" "$tally" merge "$sample" -o shared/mine.sarif &&
		    { [ "$st" -ne 0 ] || [ ! -L shared/mine.sarif ] ||
		    ! grep -q '"version"' victim; }; then
			bad "$c" "our own link was not written through: $(cat err)"
		else ok "$c"; fi
	fi
fi

# 3, 11: a full disk is reported with the path, and nothing claims success.
# As root, a node of our own: a tally that replaces devices (the bug these
# cases catch) would otherwise replace the system's /dev/full.
full=/dev/full
if [ "$(id -u)" -eq 0 ] && mknod full c 1 7 2> /dev/null; then
	full=full
fi
c="merge -o /dev/full: exit 2, ENOSPC named, no success line"
if [ ! -c "$full" ]; then
	skipped "$c" "no /dev/full"
elif run "$c" "$tally" merge "$sample" -o "$full"; then
	if [ "$st" -ne 2 ]; then bad "$c" "status $st"
	elif ! grep -q "$full: No space left on device" err; then
		bad "$c" "$(cat err)"
	elif grep -q 'merged' err; then bad "$c" "claims success: $(cat err)"
	elif [ ! -c "$full" ]; then bad "$c" "the device node was replaced"
	else ok "$c"; fi
fi

c="diff -o /dev/full: exit 2, ENOSPC named"
if [ ! -c "$full" ]; then
	skipped "$c" "no /dev/full"
elif run "$c" "$tally" diff --baseline o.sarif n.sarif -o "$full"; then
	if [ "$st" -ne 2 ] || [ ! -c "$full" ] ||
	    ! grep -q "$full: No space left on device" err; then
		bad "$c" "status $st: $(cat err)"
	else ok "$c"; fi
fi

c="merge -o a directory: refused, the directory kept"
mkdir adir
if run "$c" "$tally" merge "$sample" -o adir; then
	if [ "$st" -ne 2 ] || [ ! -d adir ] ||
	    ! grep -q 'adir: is a directory' err; then
		bad "$c" "status $st: $(cat err)"
	else ok "$c"; fi
fi

c="no temporary file left behind"
left=$(find . -name '.*tally-tmp*' | head -1)
if [ -n "$left" ]; then bad "$c" "$left"; else ok "$c"; fi

# 7, 8: merge --sources DIR reads regular files beneath DIR only.
mkdir src
printf 'int a;\n' > src/a.c
printf 'the canary: never read\n' > canary.c
mkfifo src/fifo
ln -s /dev/zero src/zero
ln -s ../canary.c src/out
result() {
	printf '%s{"message":{"text":"%s"},"locations":[{"physicalLocation":' \
	    "$1" "$2"
	printf '{"artifactLocation":{"uri":"%s"},"region":{"startLine":1}}}]}' \
	    "$3"
}
{
	printf '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},'
	printf '"results":['
	result "" inside a.c
	result , dotdot ../canary.c
	result , absolute "$scratch/canary.c"
	result , passwd ../../../../../../etc/passwd
	result , fifo fifo
	result , zero zero
	result , link out
	result , nul 'a.c\u0000x'
	printf ']}]}'
} > s.sarif
# Memory: reading /dev/zero never ends, so the 10 s bound catches it (no
# ulimit -v: sanitizer builds reserve far more address space than they use).
# sources NAME N WHOSE ARGS...: merge s.sarif with ARGS exits 0 having
# hashed exactly N of the 8 results (WHOSE, for the message) and counted
# the other 8 - N files unreadable.
sources() {
	c=$1 want=$2 whose=$3
	shift 3
	if run "$c" "$tally" merge "$@" s.sarif -o s-out.sarif; then
		hashes=$(grep -o primaryLocationLineHash s-out.sarif | wc -l)
		left=$((8 - want))
		if [ "$st" -ne 0 ]; then bad "$c" "status $st: $(cat err)"
		elif [ "$hashes" -ne "$want" ]; then
			bad "$c" "$hashes line hashes, want $want ($whose)"
		elif ! grep -q "$want line hashes computed, $left results \
without one ($left files unreadable)" err; then
			bad "$c" "$(cat err)"
		else ok "$c"; fi
	fi
}
sources "merge --sources: nothing outside DIR, no hang, bounded memory" \
    1 "a.c's" --sources src
sources "merge --sources-absolute: absolute paths read, '..' still refused" \
    2 "a.c's, the absolute one's" --sources src --sources-absolute

echo "hostile output: $pass passed, $skip skipped"
[ "$fail" -eq 0 ] || exit 1
[ "$pass" -eq 0 ] && exit 77
exit 0
