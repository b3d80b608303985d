#!/bin/sh
# perf/shapes.sh [ARGS...] - ingest on the shape of real use, measured
# through the public API by a program built like any embedding analyzer:
# the release build is installed into a scratch prefix, and
# bench/shapes/shapes.c is compiled against it with
# `pkg-config --cflags --libs tally` and run. ARGS go to the program
# (tally_shapes -h lists them; no ARGS: 4 M violations per run, duplicate
# shares 1, 10, 50 and 99%, 1, 2 and 4 outside producers and pool tasks,
# ids and strings, 0 and 2 snapshot readers, 2 workers, with the plain and
# naive baselines of the same run).
#
#   perf/shapes.sh                     # the whole grid (about 10 minutes)
#   perf/shapes.sh -d 1 -p 2 -r 0 -H   # the headline row, capacity hint
#
# $BUILD: the build to install (default build/release, built first).
# Exit: the program's (0 every run exact, 1 a count wrong, 2 setup).
set -eu
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" = "--help" ]; then
	perf_usage
	exit 0
fi
perf_install
work=$perf_work
PKG_CONFIG_PATH=$(echo "$work"/prefix/lib*/pkgconfig "$work"/prefix/lib/*/pkgconfig |
    tr ' ' ':')
export PKG_CONFIG_PATH
# shellcheck disable=SC2046 # pkg-config's flags are words
cc -std=c11 -O2 -g -Wall -Wextra -o "$work/tally_shapes" \
    "$perf_root/bench/shapes/shapes.c" $(pkg-config --cflags --libs tally) \
    -lpthread -lm
LD_LIBRARY_PATH=$(echo "$work"/prefix/lib* "$work"/prefix/lib/*/ | tr ' ' ':')
export LD_LIBRARY_PATH
perf_stamp
"$work/tally_shapes" "$@"
