/*
 * engine/idmap.h - a map from 32-bit ids to 32-bit indexes (internal):
 * "where did I put the rule with this id", asked by the reader of each run
 * and by the merge of each tool.
 *
 * Open addressing with linear probing, at most half full. A slot packs
 * key << 32 | index + 1, so that 0 is an empty slot and one 64-bit load
 * answers a probe. The map also serves as a multimap (tallyi_idmap_add(),
 * tallyi_idmap_next()) for keys that are hashes of longer keys, which the
 * caller compares itself.
 */
#ifndef TALLY_ENGINE_IDMAP_H
#define TALLY_ENGINE_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/toolkit.h"

struct tallyi_mem;

/* A zeroed map is empty and owns nothing. */
typedef struct tallyi_idmap {
	uint64_t *slot; /* key << 32 | index + 1; 0: empty */
	size_t cap;     /* slots: 0, or a power of two */
	size_t n;       /* slots in use */
} tallyi_idmap;

/* The largest index a map holds (index + 1 must fit in 32 bits). */
#define TALLYI_IDMAP_MAX_INDEX (UINT32_MAX - 1)

/**
 * tallyi_idmap_next() - walk the indexes stored under @key, in probe order.
 * @pos: 0 to start; then what the previous call left there.
 *
 * Return: true with the next index in *@idx; false when there is none.
 */
static inline bool
tallyi_idmap_next(const tallyi_idmap *m, uint32_t key, size_t *pos,
    uint32_t *idx)
{
	size_t mask = m->cap - 1, i;

	if (m->cap == 0)
		return false;
	for (i = *pos != 0 ? *pos - 1 : tallyi_hash_slot(key, mask);
	    m->slot[i] != 0; i = (i + 1) & mask) {
		if ((uint32_t)(m->slot[i] >> 32) == key) {
			*idx = (uint32_t)m->slot[i] - 1;
			*pos = ((i + 1) & mask) + 1;
			return true;
		}
	}
	return false;
}

/* The index of @key (the first stored), or -1. */
static inline int64_t
tallyi_idmap_get(const tallyi_idmap *m, uint32_t key)
{
	size_t pos = 0;
	uint32_t idx;

	return tallyi_idmap_next(m, key, &pos, &idx) ? (int64_t)idx : -1;
}

/**
 * tallyi_idmap_put() - map @key to @idx unless it is mapped already.
 * @out: the index @key maps to now: the existing one, or @idx.
 *
 * Return: TALLY_OK; TALLY_ENOMEM (the map is unchanged); TALLY_ERANGE
 * when @idx is above TALLYI_IDMAP_MAX_INDEX.
 */
int tallyi_idmap_put(const struct tallyi_mem *mem, tallyi_idmap *m,
    uint32_t key, uint32_t idx, uint32_t *out);

/* Store @key -> @idx even when @key is there already (a multimap). */
int tallyi_idmap_add(const struct tallyi_mem *mem, tallyi_idmap *m,
    uint32_t key, uint32_t idx);

/* Empty @m, keeping its slots for the next use. */
void tallyi_idmap_clear(tallyi_idmap *m);

/* Free @m's slots and empty it. */
void tallyi_idmap_free(const struct tallyi_mem *mem, tallyi_idmap *m);

#endif /* TALLY_ENGINE_IDMAP_H */
