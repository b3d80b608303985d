/*
 * tests/stress/stress_util.h - what every stress program needs: a failure
 * flag with a message, a monotonic clock and a cheap per-thread PRNG.
 * Include after defining STRESS_NAME (the program's name for messages).
 */
#ifndef TALLY_STRESS_UTIL_H
#define TALLY_STRESS_UTIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "tally.h"

static atomic_bool failed;

#define FAIL(...)                                                          \
	do {                                                               \
		fprintf(stderr, STRESS_NAME ": " __VA_ARGS__);             \
		fputc('\n', stderr);                                       \
		atomic_store(&failed, true);                               \
	} while (0)

static inline double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* xorshift64 (Marsaglia 2003); the state must not be 0. */
static inline uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* What the invariant checks need from one snapshot. */
typedef struct stress_sums {
	tally_totals t;
	uint64_t levels, tools, files; /* sums over each grouping */
	uint64_t max_file;             /* the largest count of one file */
} stress_sums;

/*
 * Take a snapshot of @e and add up its groupings, with @g as room for
 * max(@tools, @files) groups. Return: the status of the acquire.
 */
static inline int
stress_sums_take(tally_engine *e, tally_group *g, size_t tools,
    size_t files, stress_sums *out)
{
	tally_snapshot *s = NULL;
	size_t n;
	int rc = tally_snapshot_acquire(e, &s);

	*out = (stress_sums){ { 0, 0, 0 }, 0, 0, 0, 0 };
	if (rc != TALLY_OK)
		return rc;
	tally_snapshot_totals(s, &out->t);
	for (int l = 0; l < TALLY_LEVEL_COUNT; l++)
		out->levels += tally_snapshot_level(s, (tally_level)l);
	tally_snapshot_groups(s, TALLY_DIM_TOOL, TALLY_ORDER_ID, g, tools, &n);
	for (size_t i = 0; i < n; i++)
		out->tools += g[i].count;
	tally_snapshot_groups(s, TALLY_DIM_FILE, TALLY_ORDER_ID, g, files, &n);
	for (size_t i = 0; i < n; i++) {
		out->files += g[i].count;
		if (g[i].count > out->max_file)
			out->max_file = g[i].count;
	}
	tally_snapshot_release(s);
	return TALLY_OK;
}

#endif /* TALLY_STRESS_UTIL_H */
