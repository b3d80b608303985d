/*
 * engine/agg.c - aggregate tables.
 */
#include "engine/agg.h"

#include <string.h>

#include "engine/toolkit.h"
#include "engine/vec.h"

void
tallyi_agg_init(tallyi_agg *a)
{
	memset(a, 0, sizeof(*a));
}

static void
pairmap_clear(tallyi_pairmap *m)
{
	if (m->cap != 0)
		memset(m->key, 0xff, m->cap * sizeof(uint64_t));
	m->count = 0;
}

void
tallyi_agg_clear(tallyi_agg *a)
{
	a->read = 0;
	a->unique = 0;
	a->suppressed = 0;
	memset(a->level, 0, sizeof(a->level));
	if (a->tool.cap != 0)
		memset(a->tool.v, 0, a->tool.cap * sizeof(uint64_t));
	if (a->file.cap != 0)
		memset(a->file.v, 0, a->file.cap * sizeof(uint64_t));
	pairmap_clear(&a->rule);
	pairmap_clear(&a->file_rule);
}

void
tallyi_agg_fini(tallyi_agg *a, const tallyi_mem *mem)
{
	tallyi_free(mem, a->tool.v, a->tool.cap * sizeof(uint64_t));
	tallyi_free(mem, a->file.v, a->file.cap * sizeof(uint64_t));
	tallyi_free(mem, a->rule.key, a->rule.cap * sizeof(uint64_t));
	tallyi_free(mem, a->rule.val, a->rule.cap * sizeof(uint64_t));
	tallyi_free(mem, a->file_rule.key, a->file_rule.cap * sizeof(uint64_t));
	tallyi_free(mem, a->file_rule.val, a->file_rule.cap * sizeof(uint64_t));
	memset(a, 0, sizeof(*a));
}

static int
vec_reserve(tallyi_countvec *c, const tallyi_mem *mem, size_t n)
{
	size_t old = c->cap;
	uint64_t *v;

	if (n <= c->cap)
		return TALLY_OK;
	v = tallyi_grow(mem, c->v, &c->cap, n, 64, sizeof(uint64_t));
	if (v == NULL)
		return TALLY_ENOMEM;
	memset(v + old, 0, (c->cap - old) * sizeof(uint64_t)); /* counts */
	c->v = v;
	return TALLY_OK;
}

/* Find @key's slot in @m: its index, or an empty slot where it belongs. */
static inline size_t
pairmap_slot(const tallyi_pairmap *m, uint64_t key)
{
	size_t mask = m->cap - 1;
	size_t i = tallyi_hash_slot(key, mask);

	while (m->key[i] != key && m->key[i] != TALLYI_PAIR_EMPTY)
		i = (i + 1) & mask;
	return i;
}

/* Double the pair map. Return: TALLY_OK or TALLY_ENOMEM (map unchanged). */
static int
pairmap_grow(tallyi_pairmap *m, const tallyi_mem *mem)
{
	tallyi_pairmap n = { NULL, NULL, 0, m->count };

	if (!tallyi_grow_cap(m->cap, m->cap + 1, 256, sizeof(uint64_t), &n.cap))
		return TALLY_ENOMEM;
	n.key = tallyi_alloc(mem, n.cap * sizeof(uint64_t));
	n.val = tallyi_alloc(mem, n.cap * sizeof(uint64_t));
	if (n.key == NULL || n.val == NULL) {
		tallyi_free(mem, n.key, n.cap * sizeof(uint64_t));
		tallyi_free(mem, n.val, n.cap * sizeof(uint64_t));
		return TALLY_ENOMEM;
	}
	memset(n.key, 0xff, n.cap * sizeof(uint64_t)); /* TALLYI_PAIR_EMPTY */
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (m->key[i] == TALLYI_PAIR_EMPTY)
			continue;
		j = pairmap_slot(&n, m->key[i]);
		n.key[j] = m->key[i];
		n.val[j] = m->val[i];
	}
	tallyi_free(mem, m->key, m->cap * sizeof(uint64_t));
	tallyi_free(mem, m->val, m->cap * sizeof(uint64_t));
	*m = n;
	return TALLY_OK;
}

/* Keep the map under 3/4 load so probes stay short and end. */
static inline bool
pairs_fit(const tallyi_pairmap *m, size_t more)
{
	return (m->count + more) * 4 <= m->cap * 3;
}

int
tallyi_agg_reserve(tallyi_agg *a, const tallyi_mem *mem, uint32_t tools,
    uint32_t files, size_t pairs)
{
	if (vec_reserve(&a->tool, mem, tools) != TALLY_OK ||
	    vec_reserve(&a->file, mem, files) != TALLY_OK)
		return TALLY_ENOMEM;
	while (!pairs_fit(&a->rule, pairs)) {
		if (pairmap_grow(&a->rule, mem) != TALLY_OK)
			return TALLY_ENOMEM;
	}
	while (!pairs_fit(&a->file_rule, pairs)) {
		if (pairmap_grow(&a->file_rule, mem) != TALLY_OK)
			return TALLY_ENOMEM;
	}
	return TALLY_OK;
}

/* Add @v to @key's count; the map has room (pairs_fit). */
static inline void
pair_add(tallyi_pairmap *m, uint64_t key, uint64_t v)
{
	size_t j = pairmap_slot(m, key);

	if (m->key[j] == TALLYI_PAIR_EMPTY) {
		m->key[j] = key;
		m->val[j] = 0;
		m->count++;
	}
	m->val[j] += v;
}

_Static_assert(TALLY_LEVEL_COUNT == 4, "level_hist counts four levels");

void
tallyi_agg_count_rows(tallyi_agg *a, const tallyk_table *k,
    const uint32_t *tool, const uint32_t *rule, const uint32_t *file,
    const uint8_t *level, size_t n)
{
	TALLY_ASSERT(pairs_fit(&a->rule, n) && pairs_fit(&a->file_rule, n));
	k->level_hist(level, n, a->level);
	tallyk_count_ids_plain(tool, n, a->tool.v);
	tallyk_count_ids_plain(file, n, a->file.v);
	for (size_t i = 0; i < n; i++) {
		pair_add(&a->rule, (uint64_t)tool[i] << 32 | rule[i], 1);
		pair_add(&a->file_rule, (uint64_t)file[i] << 32 | rule[i], 1);
	}
	a->unique += n;
}

int
tallyi_agg_add(tallyi_agg *dst, const tallyi_agg *src, const tallyi_mem *mem)
{
	size_t pairs = src->rule.count > src->file_rule.count ?
	    src->rule.count : src->file_rule.count;

	if (tallyi_agg_reserve(dst, mem, (uint32_t)src->tool.cap,
	    (uint32_t)src->file.cap, pairs) != TALLY_OK)
		return TALLY_ENOMEM;
	dst->read += src->read;
	dst->unique += src->unique;
	dst->suppressed += src->suppressed;
	for (unsigned l = 0; l < TALLY_LEVEL_COUNT; l++)
		dst->level[l] += src->level[l];
	for (size_t i = 0; i < src->tool.cap; i++)
		dst->tool.v[i] += src->tool.v[i];
	for (size_t i = 0; i < src->file.cap; i++)
		dst->file.v[i] += src->file.v[i];
	for (size_t i = 0; i < src->rule.cap; i++) {
		if (src->rule.key[i] != TALLYI_PAIR_EMPTY)
			pair_add(&dst->rule, src->rule.key[i], src->rule.val[i]);
	}
	for (size_t i = 0; i < src->file_rule.cap; i++) {
		if (src->file_rule.key[i] != TALLYI_PAIR_EMPTY)
			pair_add(&dst->file_rule, src->file_rule.key[i],
			    src->file_rule.val[i]);
	}
	return TALLY_OK;
}
