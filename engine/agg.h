/*
 * engine/agg.h - aggregate tables: one partial per worker, summed into
 * snapshots (internal).
 *
 * A worker owns its partial and counts into it with plain stores; the
 * partial's mutex is held for a whole batch, so a snapshot that takes it
 * sees whole batches only. Counts by tool and by file are dense arrays
 * indexed by interned id; counts by (tool, rule) live in a small
 * open-addressing map keyed by tool << 32 | rule.
 */
#ifndef TALLY_ENGINE_AGG_H
#define TALLY_ENGINE_AGG_H

#include <pthread.h>

#include "tally/common.h"
#include "engine/alloc.h"
#include "engine/cc.h"

typedef struct tallyi_countvec {
	uint64_t *v;
	size_t cap; /* elements */
} tallyi_countvec;

#define TALLYI_PAIR_EMPTY UINT64_MAX /* (TALLY_ID_NONE, TALLY_ID_NONE) */

typedef struct tallyi_pairmap {
	uint64_t *key; /* tool << 32 | rule, TALLYI_PAIR_EMPTY when free */
	uint64_t *val;
	size_t cap;    /* power of two, or 0 */
	size_t count;
} tallyi_pairmap;

typedef struct tallyi_agg {
	uint64_t read;   /* rows aggregated */
	uint64_t unique; /* rows that won their dedup insert */
	uint64_t level[TALLY_LEVEL_COUNT];
	tallyi_countvec tool;
	tallyi_countvec file;
	tallyi_pairmap rule;
} tallyi_agg;

void tallyi_agg_init(tallyi_agg *a);
void tallyi_agg_fini(tallyi_agg *a, const tallyi_mem *mem);

/*
 * Make room for tool ids below @tools and file ids below @files, so that
 * tallyi_agg_count() only ever grows the pair map. Return: TALLY_OK or
 * TALLY_ENOMEM.
 */
int tallyi_agg_reserve(tallyi_agg *a, const tallyi_mem *mem, uint32_t tools,
    uint32_t files);

/* Double the pair map. Return: TALLY_OK or TALLY_ENOMEM (map unchanged). */
int tallyi_pairmap_grow(tallyi_pairmap *m, const tallyi_mem *mem);

/* Add every count of @src into @dst. Return: TALLY_OK or TALLY_ENOMEM. */
int tallyi_agg_add(tallyi_agg *dst, const tallyi_agg *src,
    const tallyi_mem *mem);

/* Find @key's slot in @m: its index, or an empty slot where it belongs. */
TALLY_CC_INLINE size_t
tallyi_pairmap_slot(const tallyi_pairmap *m, uint64_t key)
{
	size_t mask = m->cap - 1;
	size_t i = (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & mask;

	while (m->key[i] != key && m->key[i] != TALLYI_PAIR_EMPTY)
		i = (i + 1) & mask;
	return i;
}

/*
 * Count one unique violation; tallyi_agg_reserve() covered its ids.
 * Return: TALLY_OK, or TALLY_ENOMEM when a new (tool, rule) pair needed a
 * bigger map that could not be had (nothing is counted then).
 */
TALLY_CC_INLINE int
tallyi_agg_count(tallyi_agg *a, const tallyi_mem *mem, uint32_t tool,
    uint32_t rule, uint32_t file, unsigned level)
{
	uint64_t key = (uint64_t)tool << 32 | rule;
	size_t i;

	/* Keep the map under 3/4 load so probes stay short and end. */
	if (TALLY_CC_UNLIKELY((a->rule.count + 1) * 4 > a->rule.cap * 3) &&
	    tallyi_pairmap_grow(&a->rule, mem) != TALLY_OK)
		return TALLY_ENOMEM;
	i = tallyi_pairmap_slot(&a->rule, key);
	if (a->rule.key[i] == TALLYI_PAIR_EMPTY) {
		a->rule.key[i] = key;
		a->rule.val[i] = 0;
		a->rule.count++;
	}
	a->rule.val[i]++;
	a->unique++;
	a->level[level]++;
	a->tool.v[tool]++;
	a->file.v[file]++;
	return TALLY_OK;
}

#endif /* TALLY_ENGINE_AGG_H */
