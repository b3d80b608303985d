#!/bin/sh
# perf/setup.sh - install what the perf scripts need beyond the build, on
# Debian 12, where missing: perf, valgrind, gnuplot (no X), python3.
exec "$(dirname "$0")/../cmake/setup.sh" linux-perf valgrind gnuplot-nox python3
