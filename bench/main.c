/*
 * bench/main.c - the tally bench suite. Every run is stamped with what a
 * figure depends on: commit, compiler, kernel ISA, cores.
 */
#include <stdio.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench_commit.h" /* TALLY_GIT_COMMIT, from cmake/commit.cmake */
#include "tally.h"

int
main(int argc, char **argv)
{
	char cores[16];

	snprintf(cores, sizeof(cores), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	bench_add_context("tally_version", tally_version());
	bench_add_context("tally_commit", TALLY_GIT_COMMIT);
	bench_add_context("tally_compiler", TALLY_COMPILER);
	bench_add_context("tally_kernels", tally_kernels_active());
	bench_add_context("tally_cores", cores);
	sarif_bench_register();
	kernels_bench_register();
	pool_tbb_bench_register(); /* before pool: its runs are baselines */
	pool_bench_register();
	detector_bench_register();
	cache_bench_register();
	cache_l2_bench_register();
	cache_l1_bench_register();
	cache_intern_bench_register();
	return bench_run(argc, argv);
}
