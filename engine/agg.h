/*
 * engine/agg.h - aggregate tables: one partial per worker, summed into
 * snapshots (internal).
 *
 * A worker owns its partial and counts into it with plain stores; the
 * partial's mutex is held for a whole batch, so a snapshot that takes it
 * sees whole batches only. Counts by level, tool and file are dense arrays
 * (by level and interned id) counted by the kernels over a batch's columns;
 * counts by (tool, rule) and by (file, rule) live in open-addressing maps
 * keyed by tool << 32 | rule and file << 32 | rule.
 */
#ifndef TALLY_ENGINE_AGG_H
#define TALLY_ENGINE_AGG_H

#include <pthread.h>

#include "tally/common.h"
#include "engine/alloc.h"
#include "engine/cc.h"
#include "kernels/kernels.h"

typedef struct tallyi_countvec {
	uint64_t *v;
	size_t cap; /* elements */
} tallyi_countvec;

#define TALLYI_PAIR_EMPTY UINT64_MAX /* (TALLY_ID_NONE, TALLY_ID_NONE) */

typedef struct tallyi_pairmap {
	uint64_t *key; /* a << 32 | b, TALLYI_PAIR_EMPTY when free */
	uint64_t *val;
	size_t cap;    /* power of two, or 0 */
	size_t count;
} tallyi_pairmap;

typedef struct tallyi_agg {
	uint64_t read;       /* rows aggregated */
	uint64_t unique;     /* active rows that won their dedup insert */
	uint64_t suppressed; /* suppressed rows that won theirs: no other count */
	uint64_t level[TALLY_LEVEL_COUNT];
	tallyi_countvec tool;
	tallyi_countvec file;
	tallyi_pairmap rule;      /* (tool, rule) */
	tallyi_pairmap file_rule; /* (file, rule) */
} tallyi_agg;

void tallyi_agg_init(tallyi_agg *a);
/* Zero every count, keeping the memory (O(capacity)). */
void tallyi_agg_clear(tallyi_agg *a);
void tallyi_agg_fini(tallyi_agg *a, const tallyi_mem *mem);

/*
 * Make room for tool ids below @tools, file ids below @files and @pairs
 * pairs of each kind not yet seen, so that counting them cannot fail.
 * Return: TALLY_OK or TALLY_ENOMEM.
 */
int tallyi_agg_reserve(tallyi_agg *a, const tallyi_mem *mem, uint32_t tools,
    uint32_t files, size_t pairs);

/* Add every count of @src into @dst. Return: TALLY_OK or TALLY_ENOMEM. */
int tallyi_agg_add(tallyi_agg *dst, const tallyi_agg *src,
    const tallyi_mem *mem);

/*
 * tallyi_agg_count_rows() - count @n unique violations, given as columns.
 * tallyi_agg_reserve() must have covered their ids and @n new pairs.
 * Levels and ids go through the kernels of @k (level histogram, counts by
 * dense id); pairs through the maps. Levels above TALLY_LEVEL_ERROR are
 * not counted by level (the batch never holds one).
 */
void tallyi_agg_count_rows(tallyi_agg *a, const tallyk_table *k,
    const uint32_t *tool, const uint32_t *rule, const uint32_t *file,
    const uint8_t *level, size_t n);

#endif /* TALLY_ENGINE_AGG_H */
