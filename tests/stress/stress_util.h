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
#include <stdlib.h>
#include <string.h>
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

/*
 * A self-describing value for cache stress programs: key, version and
 * length in a 24-byte header, then a pattern derived from key and version.
 * Any torn, mixed or foreign value fails stress_blob_ok().
 */
static inline uint8_t
stress_blob_byte(uint64_t k, uint64_t version, size_t i)
{
	uint64_t h = (k + 1) * 0x9E3779B97F4A7C15ull ^ version *
	    0xC2B2AE3D27D4EB4Full;

	return (uint8_t)(h >> (8 * (i % 8))) ^ (uint8_t)(i * 31);
}

/* Fill @v with the @len-byte (>= 24) value of key @k, version @version. */
static inline void
stress_blob_fill(uint8_t *v, size_t len, uint64_t k, uint64_t version)
{
	uint64_t hdr[3] = { k, version, len };

	memcpy(v, hdr, sizeof(hdr));
	for (size_t i = 24; i < len; i++)
		v[i] = stress_blob_byte(k, version, i);
}

/* Is @v (@len bytes) a whole value of key @k, of any version? */
static inline bool
stress_blob_ok(const uint8_t *v, size_t len, uint64_t k)
{
	uint64_t hdr[3];

	if (len < 24)
		return false;
	memcpy(hdr, v, sizeof(hdr));
	if (hdr[0] != k || hdr[2] != len)
		return false;
	for (size_t i = 24; i < len; i++)
		if (v[i] != stress_blob_byte(k, hdr[1], i))
			return false;
	return true;
}

/* What the invariant checks need from one snapshot. */
typedef struct stress_sums {
	tally_totals t;
	uint64_t levels, tools, files; /* sums over each grouping */
	uint64_t rules, file_rules;    /* over (tool, rule), (file, rule) */
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

	*out = (stress_sums){ { 0, 0, 0, 0 }, 0, 0, 0, 0, 0, 0 };
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
	for (int k = 0; k < 2; k++) {
		tally_dim d = k ? TALLY_DIM_FILE_RULE : TALLY_DIM_RULE;
		size_t cnt = tally_snapshot_group_count(s, d);
		tally_group *all = malloc((cnt ? cnt : 1) * sizeof(*all));

		if (all == NULL) {
			tally_snapshot_release(s);
			return TALLY_ENOMEM;
		}
		tally_snapshot_groups(s, d, TALLY_ORDER_ID, all, cnt, &n);
		for (size_t i = 0; i < n; i++)
			*(k ? &out->file_rules : &out->rules) += all[i].count;
		free(all);
	}
	tally_snapshot_release(s);
	return TALLY_OK;
}

/*
 * The invariants of every snapshot: each grouping sums to the unique
 * count (suppressed violations are in none), unique + suppressed is at
 * most read, and the duplicates are the rest. Return: whether they hold
 * (else FAIL).
 */
static inline bool
stress_sums_check(const char *who, const stress_sums *s)
{
	const tally_totals *t = &s->t;

	if (s->levels == t->unique && s->tools == t->unique &&
	    s->files == t->unique && s->rules == t->unique &&
	    s->file_rules == t->unique && t->unique <= t->read &&
	    t->suppressed <= t->read - t->unique &&
	    t->duplicates == t->read - t->unique - t->suppressed)
		return true;
	FAIL("%s: inconsistent snapshot: read %llu unique %llu suppressed "
	    "%llu duplicates %llu levels %llu tools %llu files %llu rules "
	    "%llu file-rules %llu", who, (unsigned long long)t->read,
	    (unsigned long long)t->unique, (unsigned long long)t->suppressed,
	    (unsigned long long)t->duplicates,
	    (unsigned long long)s->levels, (unsigned long long)s->tools,
	    (unsigned long long)s->files, (unsigned long long)s->rules,
	    (unsigned long long)s->file_rules);
	return false;
}

#endif /* TALLY_STRESS_UTIL_H */
