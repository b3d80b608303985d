# perf/lib.sh - shared by the perf scripts (sourced, not run).
# Every result is stamped with what a figure depends on.

perf_root=$(cd "$(dirname "$0")/.." && pwd)

# The tally binary to measure: $TALLY, else the release build.
perf_tally() {
	t=${TALLY:-$perf_root/build/release/tally}
	if [ ! -x "$t" ]; then
		echo "perf: no tally binary at $t" \
		    "(run: cmake --workflow --preset release)" >&2
		exit 2
	fi
	echo "$t"
}

# The script's own header comment, as its usage text.
perf_usage() {
	sed -n '2,/^set -eu/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
}

# The bench binary: $TALLY_BENCH, else the bench preset's build, brought
# up to date first (configured on the first call) unless BENCH_NO_BUILD
# is set (as the CMake targets do, having built it).
perf_bench() {
	b=${TALLY_BENCH:-}
	if [ -z "$b" ]; then
		b=$perf_root/build/bench/bench/tally_bench
		[ -n "${BENCH_NO_BUILD:-}" ] || perf_build bench >&2
	fi
	if [ ! -x "$b" ]; then
		echo "perf: no bench binary at $b (run: perf/bench.sh)" >&2
		exit 2
	fi
	echo "$b"
}

# Configure (the first time, saying so: it takes minutes) and build the
# CMake preset $1; quiet unless it fails.
perf_build() {
	p=$1
	if [ ! -d "$perf_root/build/$p" ]; then
		echo "perf: building the $p preset (the first time: minutes)"
		(cd "$perf_root" && cmake --preset "$p" >/dev/null) || exit 2
	fi
	log=$perf_root/build/$p/perf_build.log
	(cd "$perf_root" && cmake --build --preset "$p") >"$log" 2>&1 || {
		tail -30 "$log"
		echo "perf: building the $p preset failed (build/$p/perf_build.log)"
		exit 2
	}
}

# Install $BUILD (default: the release preset, built first) into a new
# scratch prefix, $perf_work/prefix, removed when the script exits: what
# an embedding program builds against.
perf_install() {
	b=${BUILD:-}
	if [ -z "$b" ]; then
		perf_build release >&2
		b=$perf_root/build/release
	fi
	perf_work=$(mktemp -d)
	trap 'rm -rf "$perf_work"' EXIT
	cmake --install "$b" --prefix "$perf_work/prefix" >/dev/null
}

# The benchmarks of $1 matching the --benchmark_filter regex $2, one a
# line; exits when there is none.
perf_bench_names() {
	n=$("$1" --benchmark_list_tests --benchmark_filter="$2" 2>/dev/null)
	if [ -z "$n" ]; then
		echo "perf: no benchmark matches '$2'" >&2
		exit 2
	fi
	echo "$n"
}

# The corpus: $1, else ../shared/corpus beside the checkout.
perf_corpus() {
	c=${1:-$perf_root/../shared/corpus}
	if [ ! -d "$c" ]; then
		echo "perf: no corpus at $c" >&2
		exit 2
	fi
	(cd "$c" && pwd)
}

# The kernels' instruction set, as a built tally reports it (TALLY_ISA is
# honoured), or "unknown" when no tally program is built.
perf_kernels() {
	for t in "${TALLY:-}" "$perf_root/build/release/tally" \
	    "$perf_root/build/dev/tally"; do
		if [ -n "$t" ] && [ -x "$t" ]; then
			k=$("$t" --version | sed -n 's/.*(kernels: \(.*\))/\1/p')
			echo "${k:-unknown (a tally older than the dispatcher)}"
			return
		fi
	done
	echo unknown
}

perf_stamp() {
	commit=$(git -C "$perf_root" rev-parse --short HEAD 2>/dev/null ||
	    echo unknown)
	dirty=$(git -C "$perf_root" status --porcelain 2>/dev/null |
	    grep -q . && echo "+dirty" || true)
	cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) commit $commit$dirty," \
	    "$(cc --version | head -1), kernels $(perf_kernels)," \
	    "$(nproc) cores ($cpu)," \
	    "load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Run "$@" under GNU time; print "seconds peak_rss_bytes" on fd 3.
perf_time() {
	tf=$(mktemp)
	/usr/bin/time -f "%e %M" -o "$tf" "$@"
	rc=$?
	awk '{ printf "%s %d\n", $1, $2 * 1024 }' "$tf" >&3
	rm -f "$tf"
	return $rc
}
