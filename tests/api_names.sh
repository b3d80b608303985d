#!/bin/sh
# tests/api_names.sh ROOT - the public API's grammar, checked: every
# function declared in include/tally/NAME.h is tally_NAME_* (common.h holds
# the library-wide calls and is exempt); every object with a _create has a
# _destroy; no object is made or freed by another verb (open/close,
# register/unregister, init/fini, _free; a struct the caller owns, which
# holds nothing to free, is the one kind with an _init; bytes handed to the
# caller to keep are freed by a _free), and every cache
# level and the chain of them look up and store with get/put.
cd "$1" || exit 2
status=0
for h in include/tally/*.h; do
	name=$(basename "$h" .h)
	[ "$name" = common ] && continue
	# prototypes: an identifier tally_* followed by '(' at the start of a
	# declaration line (return type before it), not in comments
	protos=$(sed -e 's@/\*.*\*/@@' -e '/\/\*/,/\*\//d' "$h" |
	    grep -oE '^[A-Za-z_][A-Za-z0-9_ *]*[ *]tally_[a-z0-9_]+\(' |
	    grep -oE 'tally_[a-z0-9_]+\($' | tr -d '(')
	for p in $protos; do
		case "$p" in
		tally_"$name"_*) ;;
		*) echo "$h: $p is not tally_${name}_*"; status=1 ;;
		esac
		case "$p" in
		# a struct the caller owns, like pthread_barrier_t: nothing to
		# free, so its _init has no _destroy
		tally_pool_group_init) ;;
		# bytes the library allocated for the caller to keep (a pack to
		# store), not an object: freed by the call that names them
		tally_results_free) ;;
		*_open|*_close|*_register|*_unregister|*_init|*_fini|*_free)
			echo "$h: $p: objects are made by _create and freed by"
			echo "    _destroy"; status=1 ;;
		tally_cache_*_lookup|tally_cache_*_store|tally_cache_lookup|\
		tally_cache_store)
			echo "$h: $p: every cache level and the chain get/put"
			status=1 ;;
		esac
		case "$p" in
		*_create)
			d=${p%_create}_destroy
			echo "$protos" | grep -qx "$d" ||
			    { echo "$h: $p has no $d"; status=1; } ;;
		esac
	done
done
[ $status -eq 0 ] && echo "api_names: every public function is named by its header"
exit $status
