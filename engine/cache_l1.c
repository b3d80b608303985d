/*
 * engine/cache_l1.c - the per-thread cache level (L1, tally/cache.h): a
 * small exact LRU owned by one thread, no atomics, no locks.
 *
 * Entries live in one array allocated at creation, each followed by room
 * for max_value bytes (a hit reads one entry's lines), so a store never
 * allocates. An open-addressing index (linear probing, backward-shift
 * deletion, so no tombstones) maps keys to entries; a circular doubly
 * linked list of entry numbers, in a small array of its own with a
 * sentinel at its end, keeps the order of use (the sentinel's older
 * neighbour is the most recent). A hit moves its entry next to the
 * sentinel, with no branch, and copies the value out; a store into a full
 * cache reuses the least recent entry.
 */
#include <string.h>

#include "engine/alloc.h"
#include "engine/cc.h"
#include "engine/toolkit.h"
#include "tally/cache.h"

#define NIL UINT32_MAX

typedef struct l1ent {
	tally_cache_key key;
	uint32_t len;
	uint32_t slot;  /* its index position, for deletion */
} l1ent;

typedef struct l1link {
	uint32_t newer, older;
} l1link;

struct tally_cache_l1 {
	tallyi_mem mem;
	uint32_t cap, n, max_value;
	uint64_t *index;   /* tag << 32 | entry + 1; 0 empty */
	size_t mask;
	l1link *lru;       /* cap + 1 links, the last the sentinel: order of
	                    * use apart from the entries, so a relink writes
	                    * 8-byte links in one small array */
	unsigned char *ents; /* cap entries of stride bytes: l1ent, value */
	size_t stride;
	uint64_t hits, misses;
};

#define ENT(c, e) ((l1ent *)((c)->ents + (size_t)(e) * (c)->stride))
#define VAL(c, e) ((c)->ents + (size_t)(e) * (c)->stride + sizeof(l1ent))

/* Keys are content hashes already: one multiply spreads them. */
TALLY_CC_FORCE_INLINE uint64_t
l1_hash(tally_cache_key k)
{
	return (k.lo ^ k.hi) * TALLYI_GOLDEN64;
}

/*
 * The index is at most a quarter full and each slot carries 32 bits of
 * the hash beside its entry number, so a hit is almost always the first
 * slot probed and a passed slot rarely costs a look at its entry: the
 * probe loop's exit branch predicts, which is most of a hit's cost.
 */
TALLY_CC_FORCE_INLINE uint32_t
find(const tally_cache_l1 *c, tally_cache_key k, size_t *pos)
{
	uint64_t h = l1_hash(k);
	uint64_t tag = h & ~(uint64_t)UINT32_MAX;

	for (size_t i = (size_t)h & c->mask;; i = (i + 1) & c->mask) {
		uint64_t v = c->index[i];

		if (v == 0) {
			*pos = i;
			return NIL;
		}
		if ((v & ~(uint64_t)UINT32_MAX) == tag) {
			uint32_t e = (uint32_t)v - 1;

			if (TALLY_CC_LIKELY(ENT(c, e)->key.lo == k.lo &&
			    ENT(c, e)->key.hi == k.hi)) {
				*pos = i;
				return e;
			}
		}
	}
}

#define SENT(c) ((c)->cap)                 /* the sentinel's link */
#define MRU(c) ((c)->lru[SENT(c)].older)   /* most recent entry */
#define LRU(c) ((c)->lru[SENT(c)].newer)   /* least recent entry */

TALLY_CC_FORCE_INLINE void
unlink_ent(tally_cache_l1 *c, uint32_t e)
{
	l1link x = c->lru[e];

	c->lru[x.newer].older = x.older;
	c->lru[x.older].newer = x.newer;
}

TALLY_CC_FORCE_INLINE void
push_head(tally_cache_l1 *c, uint32_t e)
{
	uint32_t s = SENT(c), h = MRU(c);

	c->lru[e].newer = s;
	c->lru[e].older = h;
	c->lru[h].newer = e;
	MRU(c) = e;
}

/* Remove index slot @i, shifting back what its removal would cut off. */
static void
index_del(tally_cache_l1 *c, size_t i)
{
	for (size_t j = (i + 1) & c->mask; c->index[j] != 0;
	    j = (j + 1) & c->mask) {
		uint32_t e = (uint32_t)c->index[j] - 1;
		size_t home = (size_t)l1_hash(ENT(c, e)->key) & c->mask;

		if (((j - home) & c->mask) >= ((j - i) & c->mask)) {
			c->index[i] = c->index[j];
			ENT(c, e)->slot = (uint32_t)i;
			i = j;
		}
	}
	c->index[i] = 0;
}

/*
 * Copy a value out. Values of up to 64 bytes (ids, offsets, small
 * records: what a per-thread cache mostly holds) are copied inline by two
 * overlapping moves of a fixed size; a call to memcpy would cost a third
 * of a hit.
 */
TALLY_CC_FORCE_INLINE void
copy_value(unsigned char *d, const unsigned char *s, size_t n)
{
	if (n > 64) {
		memcpy(d, s, n);
	} else if (n > 32) {
		memcpy(d, s, 32);
		memcpy(d + n - 32, s + n - 32, 32);
	} else if (n > 16) {
		memcpy(d, s, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	}
}

static uint64_t
slot_of(tally_cache_key k, uint32_t e)
{
	return (l1_hash(k) & ~(uint64_t)UINT32_MAX) | ((uint64_t)e + 1);
}

int
tally_cache_l1_get(tally_cache_l1 *c, tally_cache_key key, void *buf, size_t cap,
    size_t *len)
{
	size_t pos;
	uint32_t e = find(c, key, &pos);

	if (e == NIL) {
		c->misses++;
		return TALLY_ENOTFOUND;
	}
	c->hits++;
	unlink_ent(c, e);
	push_head(c, e);
	*len = ENT(c, e)->len;
	if (ENT(c, e)->len > cap)
		return TALLY_ERANGE;
	copy_value(buf, VAL(c, e), ENT(c, e)->len);
	return TALLY_OK;
}

void
tally_cache_l1_remove(tally_cache_l1 *c, tally_cache_key key)
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
		l1link lk = c->lru[last];

		memcpy(ENT(c, e), x, c->stride);
		c->index[x->slot] = slot_of(x->key, e);
		c->lru[e] = lk;
		c->lru[lk.newer].older = e;
		c->lru[lk.older].newer = e;
	}
}

int
tally_cache_l1_put(tally_cache_l1 *c, tally_cache_key key, const void *val,
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
		c->index[pos] = slot_of(key, e);
		ENT(c, e)->slot = (uint32_t)pos;
	} else {
		/* the least recently used entry is reused */
		e = LRU(c);
		unlink_ent(c, e);
		index_del(c, ENT(c, e)->slot);
		(void)find(c, key, &pos);
		c->index[pos] = slot_of(key, e);
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
tally_cache_l1_create(uint32_t entries, uint32_t max_value,
    const tally_allocator *alloc, tally_cache_l1 **out)
{
	tally_cache_l1 *c;
	size_t slots = 16;
	int rc;

	if (out == NULL || entries == 0 || entries > (1u << 24) ||
	    max_value > (1u << 20))
		return TALLY_EINVAL;
	while (slots < (size_t)entries * 4)
		slots *= 2;
	if ((c = tallyi_owner_new(alloc, sizeof(*c), &rc)) == NULL)
		return rc;
	c->cap = entries;
	c->max_value = max_value;
	c->mask = slots - 1;
	c->stride = (sizeof(l1ent) + max_value + 7) & ~(size_t)7;
	c->index = tallyi_zalloc(&c->mem, slots * sizeof(uint64_t));
	c->lru = tallyi_alloc(&c->mem, (entries + 1) * sizeof(l1link));
	c->ents = tallyi_alloc(&c->mem, entries * c->stride);
	if (c->index == NULL || c->lru == NULL || c->ents == NULL) {
		tally_cache_l1_destroy(c);
		return TALLY_ENOMEM;
	}
	c->lru[entries].newer = c->lru[entries].older = entries;
	*out = c;
	return TALLY_OK;
}

void
tally_cache_l1_destroy(tally_cache_l1 *c)
{
	tallyi_mem mem;

	if (c == NULL)
		return;
	mem = c->mem;
	tallyi_free(&mem, c->index, (c->mask + 1) * sizeof(uint64_t));
	tallyi_free(&mem, c->lru, (c->cap + 1) * sizeof(l1link));
	tallyi_free(&mem, c->ents, c->cap * c->stride);
	tallyi_owner_free(c, sizeof(*c));
}

void
tally_cache_l1_stats_get(const tally_cache_l1 *c, tally_cache_l1_stats *out)
{
	out->hits = c->hits;
	out->misses = c->misses;
}
