/*
 * engine/cache_l1.c - the per-thread cache level (L1, tally/cache.h): a
 * small exact LRU owned by one thread, no atomics, no locks.
 *
 * Entries live in one array allocated at creation, each followed by room
 * for max_value bytes (a hit reads one entry's lines, not two arrays), so
 * a store never allocates. An open-addressing index
 * (linear probing, backward-shift deletion, so no tombstones) maps keys to
 * entries; a doubly linked list of entry indexes keeps the order of use
 * (head: most recent). A hit moves its entry to the head and copies the
 * value out; a store into a full cache reuses the tail's entry.
 */
#include <string.h>

#include "engine/alloc.h"
#include "tally/cache.h"

#define NIL UINT32_MAX

typedef struct l1ent {
	tally_cache_key key;
	uint32_t newer, older;
	uint32_t len;
	uint32_t slot;  /* its index position, for deletion */
} l1ent;

struct tally_l1_cache {
	tallyi_mem mem;
	uint32_t cap, n, max_value;
	uint32_t head, tail;
	uint32_t *index;   /* entry + 1, 0 empty */
	size_t mask;
	unsigned char *ents; /* cap entries of stride bytes: l1ent, value */
	size_t stride;
	uint64_t hits, misses;
};

#define ENT(c, e) ((l1ent *)((c)->ents + (size_t)(e) * (c)->stride))
#define VAL(c, e) ((c)->ents + (size_t)(e) * (c)->stride + sizeof(l1ent))

static size_t
l1_hash(tally_cache_key k)
{
	uint64_t h = (k.lo ^ k.hi) * 0x9E3779B97F4A7C15ull;

	return (size_t)(h ^ (h >> 32));
}

static uint32_t
find(const tally_l1_cache *c, tally_cache_key k, size_t *pos)
{
	for (size_t i = l1_hash(k) & c->mask;; i = (i + 1) & c->mask) {
		uint32_t e = c->index[i];

		if (e == 0) {
			*pos = i;
			return NIL;
		}
		if (ENT(c, e - 1)->key.lo == k.lo &&
		    ENT(c, e - 1)->key.hi == k.hi) {
			*pos = i;
			return e - 1;
		}
	}
}

static void
unlink_ent(tally_l1_cache *c, uint32_t e)
{
	l1ent *x = ENT(c, e);

	if (x->newer != NIL)
		ENT(c, x->newer)->older = x->older;
	else
		c->head = x->older;
	if (x->older != NIL)
		ENT(c, x->older)->newer = x->newer;
	else
		c->tail = x->newer;
}

static void
push_head(tally_l1_cache *c, uint32_t e)
{
	ENT(c, e)->newer = NIL;
	ENT(c, e)->older = c->head;
	if (c->head != NIL)
		ENT(c, c->head)->newer = e;
	c->head = e;
	if (c->tail == NIL)
		c->tail = e;
}

/* Remove index slot @i, shifting back what its removal would cut off. */
static void
index_del(tally_l1_cache *c, size_t i)
{
	for (size_t j = (i + 1) & c->mask; c->index[j] != 0;
	    j = (j + 1) & c->mask) {
		uint32_t e = c->index[j] - 1;
		size_t home = l1_hash(ENT(c, e)->key) & c->mask;

		if (((j - home) & c->mask) >= ((j - i) & c->mask)) {
			c->index[i] = c->index[j];
			ENT(c, e)->slot = (uint32_t)i;
			i = j;
		}
	}
	c->index[i] = 0;
}

int
tally_l1_get(tally_l1_cache *c, tally_cache_key key, void *buf, size_t cap,
    size_t *len)
{
	size_t pos;
	uint32_t e = find(c, key, &pos);

	if (e == NIL) {
		c->misses++;
		return TALLY_ENOTFOUND;
	}
	c->hits++;
	if (c->head != e) {
		unlink_ent(c, e);
		push_head(c, e);
	}
	*len = ENT(c, e)->len;
	if (ENT(c, e)->len > cap)
		return TALLY_ERANGE;
	memcpy(buf, VAL(c, e), ENT(c, e)->len);
	return TALLY_OK;
}

void
tally_l1_remove(tally_l1_cache *c, tally_cache_key key)
{
	size_t pos;
	uint32_t e = find(c, key, &pos), last;

	if (e == NIL)
		return;
	unlink_ent(c, e);
	index_del(c, pos);
	/* keep entries dense: the last one moves into e's place */
	last = --c->n;
	if (e != last) {
		l1ent *x = ENT(c, last);

		memcpy(ENT(c, e), x, c->stride);
		c->index[x->slot] = e + 1;
		if (x->newer != NIL)
			ENT(c, x->newer)->older = e;
		else
			c->head = e;
		if (x->older != NIL)
			ENT(c, x->older)->newer = e;
		else
			c->tail = e;
	}
}

int
tally_l1_put(tally_l1_cache *c, tally_cache_key key, const void *val,
    size_t len)
{
	size_t pos;
	uint32_t e;

	if (len > c->max_value || (val == NULL && len != 0))
		return TALLY_ERANGE;
	e = find(c, key, &pos);
	if (e != NIL) {
		unlink_ent(c, e);
	} else if (c->n < c->cap) {
		e = c->n++;
		c->index[pos] = e + 1;
		ENT(c, e)->slot = (uint32_t)pos;
	} else {
		/* the least recently used entry is reused */
		e = c->tail;
		unlink_ent(c, e);
		index_del(c, ENT(c, e)->slot);
		(void)find(c, key, &pos);
		c->index[pos] = e + 1;
		ENT(c, e)->slot = (uint32_t)pos;
	}
	ENT(c, e)->key = key;
	ENT(c, e)->len = (uint32_t)len;
	if (len != 0)
		memcpy(VAL(c, e), val, len);
	push_head(c, e);
	return TALLY_OK;
}

int
tally_l1_create(uint32_t entries, uint32_t max_value,
    const tally_allocator *alloc, tally_l1_cache **out)
{
	tally_l1_cache *c;
	size_t slots = 16;
	int rc;

	if (out == NULL || entries == 0 || entries > (1u << 24) ||
	    max_value > (1u << 20))
		return TALLY_EINVAL;
	while (slots < (size_t)entries * 2)
		slots *= 2;
	if ((c = tallyi_owner_new(alloc, sizeof(*c), &rc)) == NULL)
		return rc;
	c->cap = entries;
	c->max_value = max_value;
	c->mask = slots - 1;
	c->head = c->tail = NIL;
	c->stride = (sizeof(l1ent) + max_value + 7) & ~(size_t)7;
	c->index = tallyi_zalloc(&c->mem, slots * sizeof(uint32_t));
	c->ents = tallyi_alloc(&c->mem, entries * c->stride);
	if (c->index == NULL || c->ents == NULL) {
		tally_l1_destroy(c);
		return TALLY_ENOMEM;
	}
	*out = c;
	return TALLY_OK;
}

void
tally_l1_destroy(tally_l1_cache *c)
{
	tallyi_mem mem;

	if (c == NULL)
		return;
	mem = c->mem;
	tallyi_free(&mem, c->index, (c->mask + 1) * sizeof(uint32_t));
	tallyi_free(&mem, c->ents, c->cap * c->stride);
	tallyi_owner_free(c, sizeof(*c));
}

void
tally_l1_stats_get(const tally_l1_cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c->hits;
	*misses = c->misses;
}
