#!/bin/sh
# tests/hostile/cache.sh TALLY DATA CORPUS - a --cache directory planted
# with links, FIFOs, foreign files and forged entries (issue 17, items 2,
# 7, 10, 12). Each case runs `tally summary --cache` under `timeout 10`
# and asserts its exit status and output (those of the plain run unless
# the case says otherwise), its warning, and that nothing outside the
# cache changed (a victim directory fingerprinted byte for byte).
# Forged entries need the helper named by $TALLY_CACHE_FORGE (CTest sets
# it); cases that need it, or root, skip without.
tally=$1
data=$2
pass=0 fail=0 skip=0
scratch=$(mktemp -d) || exit 1
trap 'rm -rf "$scratch"' EXIT
cd "$scratch" || exit 1
umask 022

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; }
skipped() { skip=$((skip + 1)); echo "skip $1: $2"; }
# Every name, type, mode, owner, size, time and byte below $1.
tree() {
	(cd "$1" && find . -exec ls -ld --time-style=full-iso {} + &&
	    find . -type f -exec cksum {} +) | cksum
}
# The entry files of cache $1, one a line.
entries() {
	find "$1/tally-cache-v1" -path '*/[0-9a-f][0-9a-f]/*' -type f
}
# summary NAME CACHE [INPUT]: status in $st, stdout in out, stderr in err;
# a crash or hang fails the case.
summary() {
	name=$1
	timeout 10 "$tally" summary --fail-on error --cache "$2" \
	    "${3:-e.sarif}" > out 2> err
	st=$?
	if [ "$st" -ge 124 ]; then
		bad "$name" "status $st (crash or hang): $(cat err)"
		return 1
	fi
	return 0
}
# same NAME: the run gave the plain run's status and output.
same() {
	if [ "$st" -ne "$plain_st" ]; then
		bad "$1" "status $st, plain run $plain_st: $(cat err)"
	elif ! cmp -s out plain.out; then
		bad "$1" "output differs from the plain run"
	else
		return 0
	fi
	return 1
}
# replayed N: the run said it replayed N of its 1 input.
replayed() { grep -q "cache [^ ]*: $1 of 1 inputs found" err; }
# victim DIR: a directory outside the cache holding old files, one named
# as the cache names its temporary files.
victim() {
	mkdir "$1"
	echo keep > "$1/old"
	echo keep > "$1/tally-tmp.1.a.1"
	touch -d '1 hour ago' "$1/old" "$1/tally-tmp.1.a.1"
}

cp "$data/samples/eslint-recommended.sarif" e.sarif
cp "$data/samples/jscpd.sarif" j.sarif
printf '%s%s\n' '{"version":"2.1.0","runs":[{"tool":{"driver":' \
    '{"name":"ESLint"}},"results":[]}]}' > empty.sarif
timeout 10 "$tally" summary --fail-on error e.sarif > plain.out 2> err
plain_st=$?
if [ "$plain_st" -ne 1 ]; then
	echo "FAIL the plain run: status $plain_st (expected 1): $(cat err)"
	exit 1
fi

# 2: the stale-temp sweep followed tmp/ into another directory.
c="tmp linked to a directory of old files: not swept, not written"
mkdir c1
summary "$c" c1 j.sarif
victim v1
rm -r c1/tally-cache-v1/tmp
ln -s ../../v1 c1/tally-cache-v1/tmp
before=$(tree v1)
if summary "$c" c1 && same "$c"; then
	if [ "$(tree v1)" != "$before" ]; then bad "$c" "the victim changed"
	elif ! grep -q 'tally-cache-v1/tmp: a symbolic link' err; then
		bad "$c" "$(cat err)"
	else ok "$c"; fi
fi

c="tally-cache-v1 linked to a directory: refused, nothing written there"
mkdir c2
victim v2
ln -s ../v2 c2/tally-cache-v1
before=$(tree v2)
if summary "$c" c2 && same "$c"; then
	if [ "$(tree v2)" != "$before" ]; then bad "$c" "the victim changed"
	elif ! grep -q 'tally-cache-v1: a symbolic link.*reading without it' \
	    err; then bad "$c" "$(cat err)"
	else ok "$c"; fi
fi

c="a shard linked to a directory: not read, not written"
mkdir c3
summary "$c" c3
entry=$(entries c3)
victim v3
mv "$entry" v3/
shard=$(dirname "$entry")
rm -r "$shard"
ln -s ../../v3 "$shard"
before=$(tree v3)
if summary "$c" c3 && same "$c"; then
	if [ "$(tree v3)" != "$before" ]; then bad "$c" "the victim changed"
	elif ! replayed 0; then bad "$c" "an entry read through the link"
	elif ! grep -q "$(basename "$shard"): a symbolic link" err; then
		bad "$c" "$(cat err)"
	else ok "$c"; fi
fi

# 7: a FIFO where an entry goes blocked the reader forever.
c="a FIFO where the entry goes: a miss within 10 s"
mkdir c4
summary "$c" c4
entry=$(entries c4)
rm "$entry"
mkfifo "$entry"
if summary "$c" c4 && same "$c"; then
	if ! replayed 0; then bad "$c" "$(cat err)"
	else ok "$c"; fi
fi

# 10: forged entries. Damage without the checksum: a miss.
c="an entry rewritten without its checksum: the plain result"
mkdir c5
summary "$c" c5
entry=$(entries c5)
printf 'XXXXXXXX' | dd of="$entry" bs=1 seek=100 conv=notrunc 2> /dev/null
if summary "$c" c5 && same "$c"; then
	if ! replayed 0; then bad "$c" "the damaged entry was replayed"
	else ok "$c"; fi
fi

forge=${TALLY_CACHE_FORGE:-}
# forged NAME CACHE HOW ARG: e.sarif's entry in CACHE forged (cache_forge).
forged() {
	mkdir "$2"
	summary "$1" "$2" || return 1
	entry=$(entries "$2")
	if [ "$3" = from ]; then
		mkdir "$2.other"
		summary "$1" "$2.other" "$4" || return 1
		set -- "$1" "$2" from "$(entries "$2.other")"
	fi
	if ! "$forge" "$entry" "$3" "$4" 2> err; then
		bad "$1" "cache_forge: $(cat err)"
		return 1
	fi
	return 0
}

c="a forged rule name that is not UTF-8: refused, the plain result"
if [ -z "$forge" ]; then skipped "$c" "TALLY_CACHE_FORGE not set"
elif forged "$c" c6 spoil no-undef && summary "$c" c6 && same "$c"; then
	# refused, the input read and stored again (the count says 1:
	# the entry was found)
	if ! grep -q 'inputs found, 1 stored' err; then
		bad "$c" "the input was not read again: $(cat err)"
	elif grep -q "$(printf '\340')" out; then bad "$c" "invalid UTF-8 out"
	else ok "$c"; fi
fi

c="an empty pack forged by another user: ignored, the plain result"
if [ -z "$forge" ]; then skipped "$c" "TALLY_CACHE_FORGE not set"
elif [ "$(id -u)" -ne 0 ]; then skipped "$c" "needs root"
elif forged "$c" c7 from empty.sarif; then
	chown 65534:65534 "$entry"
	if summary "$c" c7 && same "$c"; then
		if ! replayed 0; then bad "$c" "the forged entry was replayed"
		else ok "$c"; fi
	fi
fi

# The trust model (README): the checksum detects damage, not forgery.
# One who writes the cache as this user can plant well-formed results;
# such a cache must not gate. Asserted so that a change is noticed.
c="an empty pack forged by this user is replayed (trust model)"
if [ -z "$forge" ]; then skipped "$c" "TALLY_CACHE_FORGE not set"
elif forged "$c" c8 from empty.sarif && summary "$c" c8; then
	if [ "$st" -ne 0 ] || ! replayed 1; then
		bad "$c" "status $st: $(cat err)"
	else ok "$c"; fi
fi

# 12: temporary files of killed writers count against the bound (1 GiB).
c="a live writer's temporary file counts against the bound"
mkdir c9
summary "$c" c9
if ! truncate -s 1100M c9/tally-cache-v1/tmp/tally-tmp.1.a.7 2> /dev/null
then skipped "$c" "no sparse file of 1100 MiB here"
elif summary "$c" c9 j.sarif; then
	if [ "$st" -ne 0 ]; then bad "$c" "status $st: $(cat err)"
	elif [ -n "$(entries c9)" ]; then
		bad "$c" "entries kept past the bound: $(entries c9)"
	elif [ ! -f c9/tally-cache-v1/tmp/tally-tmp.1.a.7 ]; then
		bad "$c" "a live writer's file was removed"
	else ok "$c"; fi
fi

c="stale temporaries: the cache's swept, foreign names kept"
mkdir c10
summary "$c" c10
t=c10/tally-cache-v1/tmp
echo x > "$t/tally-tmp.99.a.1"
echo keep > "$t/precious"
echo keep > "$t/tally-tmp.99.a.x"
ln -s ../../v1/old "$t/tally-tmp.99.a.2"
touch -h -d '1 hour ago' "$t/tally-tmp.99.a.1" "$t/precious" \
    "$t/tally-tmp.99.a.x" "$t/tally-tmp.99.a.2"
if summary "$c" c10 && same "$c"; then
	if [ -e "$t/tally-tmp.99.a.1" ]; then bad "$c" "a dead temp stayed"
	elif [ "$(cat "$t/precious" "$t/tally-tmp.99.a.x")" != "keep
keep" ] || [ ! -L "$t/tally-tmp.99.a.2" ]; then
		bad "$c" "a foreign file went: $(ls -A "$t")"
	else ok "$c"; fi
fi

c="directories made 0700 whatever the umask"
umask 000
summary "$c" new/deep
umask 022
if [ -n "$(entries new/deep)" ]; then
	modes=$(stat -c %a new new/deep new/deep/tally-cache-v1 \
	    new/deep/tally-cache-v1/tmp "$(dirname "$(entries new/deep)")" |
	    sort -u)
	if [ "$modes" != 700 ]; then bad "$c" "modes: $modes"
	else ok "$c"; fi
else bad "$c" "no entry stored: $(cat err)"
fi

# As root, files of another user are never trusted nor removed.
c="tally-cache-v1 of another user: refused, nothing written there"
if [ "$(id -u)" -ne 0 ]; then skipped "$c" "needs root"
else
	mkdir -p c11/tally-cache-v1
	chown 65534:65534 c11/tally-cache-v1
	before=$(tree c11)
	if summary "$c" c11 && same "$c"; then
		if [ "$(tree c11)" != "$before" ]; then
			bad "$c" "the directory changed"
		elif ! grep -q 'owned by uid 65534.*not trusted' err; then
			bad "$c" "$(cat err)"
		else ok "$c"; fi
	fi
fi

c="another user's stale temporary file: not swept"
if [ "$(id -u)" -ne 0 ]; then skipped "$c" "needs root"
else
	mkdir c12
	summary "$c" c12
	t=c12/tally-cache-v1/tmp/tally-tmp.99.a.1
	echo keep > "$t"
	chown 65534:65534 "$t"
	touch -d '1 hour ago' "$t"
	if summary "$c" c12 && same "$c"; then
		if [ ! -f "$t" ]; then bad "$c" "removed"
		else ok "$c"; fi
	fi
fi

echo "hostile cache: $pass passed, $skip skipped"
[ "$fail" -eq 0 ] || exit 1
[ "$pass" -eq 0 ] && exit 77
exit 0
