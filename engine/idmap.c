/*
 * engine/idmap.c - the out-of-line parts of engine/idmap.h.
 */
#include "engine/idmap.h"

#include "engine/alloc.h"
#include "engine/vec.h"

/* The first table: small runs stay in one 512-byte block. */
#define IDMAP_MIN 64

/* The first empty slot of @key's probe sequence in @slot (@mask + 1). */
static size_t
empty_slot(const uint64_t *slot, size_t mask, uint32_t key)
{
	size_t i = tallyi_hash_slot(key, mask);

	while (slot[i] != 0)
		i = (i + 1) & mask;
	return i;
}

/* Make room for one more entry, keeping the map at most half full. */
static int
make_room(const tallyi_mem *mem, tallyi_idmap *m)
{
	size_t cap, need;
	uint64_t *s;

	if (!tallyi_size_add(m->n, 1, &need) ||
	    !tallyi_size_mul(need, 2, &need))
		return TALLY_ENOMEM;
	if (need <= m->cap)
		return TALLY_OK;
	if (!tallyi_grow_cap(m->cap, need, IDMAP_MIN, sizeof(uint64_t), &cap))
		return TALLY_ENOMEM;
	if ((s = tallyi_zalloc(mem, cap * sizeof(uint64_t))) == NULL)
		return TALLY_ENOMEM;
	for (size_t k = 0; k < m->cap; k++) {
		uint64_t v = m->slot[k];

		if (v != 0)
			s[empty_slot(s, cap - 1, (uint32_t)(v >> 32))] = v;
	}
	tallyi_free(mem, m->slot, m->cap * sizeof(uint64_t));
	m->slot = s;
	m->cap = cap;
	return TALLY_OK;
}

int
tallyi_idmap_add(const tallyi_mem *mem, tallyi_idmap *m, uint32_t key,
    uint32_t idx)
{
	int rc;

	if (idx > TALLYI_IDMAP_MAX_INDEX)
		return TALLY_ERANGE;
	if ((rc = make_room(mem, m)) != TALLY_OK)
		return rc;
	m->slot[empty_slot(m->slot, m->cap - 1, key)] =
	    (uint64_t)key << 32 | (idx + 1);
	m->n++;
	return TALLY_OK;
}

int
tallyi_idmap_put(const tallyi_mem *mem, tallyi_idmap *m, uint32_t key,
    uint32_t idx, uint32_t *out)
{
	int64_t old = tallyi_idmap_get(m, key);
	int rc;

	if (old >= 0) {
		*out = (uint32_t)old;
		return TALLY_OK;
	}
	if ((rc = tallyi_idmap_add(mem, m, key, idx)) != TALLY_OK)
		return rc;
	*out = idx;
	return TALLY_OK;
}

void
tallyi_idmap_clear(tallyi_idmap *m)
{
	if (m->slot != NULL)
		memset(m->slot, 0, m->cap * sizeof(uint64_t));
	m->n = 0;
}

void
tallyi_idmap_free(const tallyi_mem *mem, tallyi_idmap *m)
{
	tallyi_free(mem, m->slot, m->cap * sizeof(uint64_t));
	m->slot = NULL;
	m->cap = m->n = 0;
}
