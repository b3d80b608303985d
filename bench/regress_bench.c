/*
 * bench/regress_bench.c - the regression check's test subject.
 *
 *   regress/work  a fixed piece of work (XXH3-64 over a 64 KiB buffer, 32
 *       times), made slower on request: TALLY_BENCH_SLOWDOWN=1.10 makes
 *       it do 10% more (the hashing is scaled, so the slowdown is real
 *       work, suffering the machine's noise like any other benchmark).
 *       perf/regress_test.sh runs it unchanged and slowed, many times,
 *       and counts what perf/regress.py calls each comparison.
 *   regress/calibrate  a fixed piece of other work (integer arithmetic and
 *       a dependent walk through 1 MiB), never changed. perf/regress.py
 *       judges each benchmark relative to the rest of the suite (a
 *       machine that runs 7% slower this minute than when the baseline
 *       was taken slows them all); in perf/regress_test.sh's runs of the
 *       two regress benchmarks alone, this one is the rest. Not a tally
 *       workload on purpose.
 */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "bench/bench.h"

#define WORK_BYTES (64u * 1024u)
#define WORK_ROUNDS 32u

static void
bm_work(bench_state *st, void *arg)
{
	static unsigned char buf[WORK_BYTES];
	const char *env = getenv("TALLY_BENCH_SLOWDOWN");
	double slow = env != NULL ? atof(env) : 1.0;
	/* the work, in bytes, scaled by the slowdown */
	size_t total = (size_t)((double)WORK_BYTES * WORK_ROUNDS *
	    (slow >= 1.0 && slow <= 10.0 ? slow : 1.0));
	uint64_t h = 0, n = 0;

	(void)arg;
	memset(buf, 0x5a, sizeof(buf));
	while (bench_keep_running(st, 1)) {
		for (size_t done = 0; done < total; done += WORK_BYTES) {
			size_t len = total - done < WORK_BYTES ?
			    total - done : WORK_BYTES;

			h ^= XXH3_64bits_withSeed(buf, len, h);
		}
		BENCH_ESCAPE(h);
		n++;
	}
	bench_set_bytes(st, (uint64_t)total * n);
}

#define CAL_SLOTS (1u << 17) /* 1 MiB of 8-byte slots: L2-resident */

static void
bm_calibrate(bench_state *st, void *arg)
{
	static uint64_t next[CAL_SLOTS];
	uint64_t x = 88172645463325252ull, at = 0, n = 0;

	(void)arg;
	/* one random cycle through every slot (Sattolo), so the walk is a
	 * chain of dependent loads the prefetcher cannot guess */
	for (uint64_t i = 0; i < CAL_SLOTS; i++)
		next[i] = i;
	for (uint64_t i = CAL_SLOTS - 1; i > 0; i--) {
		uint64_t j, t;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		j = x % i;
		t = next[i], next[i] = next[j], next[j] = t;
	}
	while (bench_keep_running(st, 1)) {
		for (unsigned i = 0; i < 20000; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			at = next[at];
		}
		BENCH_ESCAPE(x);
		BENCH_ESCAPE(at);
		n++;
	}
	bench_set_items(st, n * 20000);
}

void
regress_bench_register(void)
{
	bench_register("regress/calibrate", bm_calibrate, NULL);
	bench_register("regress/work", bm_work, NULL);
}
