/*
 * bench/main.c - the tally bench suite. Every run is stamped with what a
 * figure depends on: commit, compiler and flags, kernel ISA, cores, CPU
 * model (google-benchmark adds the date, host, clock and caches).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench_commit.h" /* TALLY_GIT_COMMIT, from cmake/commit.cmake */
#include "tally.h"

/* The "model name" of /proc/cpuinfo, or "unknown". */
static void
cpu_model(char *out, size_t cap)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(out, cap, "unknown");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) != 0 || colon == NULL)
			continue;
		colon += strspn(colon + 1, " \t") + 1;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, cap, "%s", colon);
		break;
	}
	if (f != NULL)
		fclose(f);
}

int
main(int argc, char **argv)
{
	char cores[16], model[256];

	snprintf(cores, sizeof(cores), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	bench_add_context("tally_version", tally_version());
	bench_add_context("tally_commit", TALLY_GIT_COMMIT);
	bench_add_context("tally_compiler", TALLY_COMPILER);
	bench_add_context("tally_kernels", tally_kernels_active());
	bench_add_context("tally_cores", cores);
	cpu_model(model, sizeof(model));
	bench_add_context("tally_cpu", model);
	bench_add_context("tally_flags", TALLY_BUILD_FLAGS);
	sarif_bench_register();
	kernels_bench_register();
	pool_tbb_bench_register(); /* before pool: its runs are baselines */
	pool_bench_register();
	detector_bench_register();
	cache_bench_register();
	cache_l2_bench_register();
	cache_l1_bench_register();
	cache_intern_bench_register();
	regress_bench_register();
	return bench_run(argc, argv);
}
