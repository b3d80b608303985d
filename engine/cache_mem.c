/*
 * engine/cache_mem.c - the shared in-memory cache level (L2,
 * tally/cache.h): sharded, lock-free lookups, SIEVE eviction, bounded
 * bytes.
 *
 * A shard is an open-addressing table of entry pointers plus a SIEVE
 * queue (Zhang et al., NSDI 2024: a FIFO whose eviction hand skips, and
 * clears, entries visited since it last passed). Why SIEVE: on the traces
 * of bench/cache_bench.c it is never worse than exact LRU and has 4-23%
 * fewer misses on Zipf and 11-15% on scan mixes (bench/RESULTS.md,
 * Caches), and a hit needs no queue change, only its visited bit set when
 * it is clear.
 *
 * Readers take no lock. Inside a liburcu read section they load the
 * shard's table, probe it, copy the value of the entry whose key matches,
 * and set its bit if it is clear: no shared write on a hit of a visited
 * entry. Writers (put, and the evictions a put makes) take the shard's
 * mutex. An entry is immutable once published (key, length, value; only
 * the bit changes), and published with a release store into its slot. A
 * removed entry's slot becomes a tombstone; a table grown or rebuilt is
 * published whole; what was removed is freed only after a grace period
 * (synchronize_rcu, outside the lock, a batch at a time), so a reader that
 * still holds a pointer always reads live memory.
 *
 * Invariants (shard lock held to change them):
 *  1. An entry is in the table iff it is in the queue; bytes is the sum of
 *     their sizes and stays <= the shard's share of max_bytes after a put.
 *  2. Nothing reachable from a table a reader may hold is freed before a
 *     grace period has passed since it became unreachable. Not asserted:
 *     only liburcu knows which readers are inside; ASan and TSan check it
 *     on memcache_stress.
 */
#include <pthread.h>
#include <string.h>

#include <urcu/urcu-memb.h>

#include "engine/alloc.h"
#include "engine/cc.h"
#include "engine/engine_structs.h"
#include "engine/toolkit.h"
#include "tally/cache.h"

#define TOMB ((entry *)(uintptr_t)1)
#define RETIRE_BATCH 64

typedef struct entry {
	tally_cache_key key;
	size_t len;
	tallyi_atomic_u32 visited;
	struct entry *newer, *older; /* the queue (lock) */
	struct entry *retired;       /* the retire list, once removed */
	unsigned char val[];
} entry;

typedef struct table {
	size_t mask;
	struct table *retired;
	tallyi_atomic_ptr slot[];
} table;

typedef struct shard {
	TALLY_CC_ALIGNED(TALLY_CACHELINE) pthread_mutex_t lock;
	tallyi_atomic_ptr tab;
	entry *head, *tail, *hand;  /* newest, oldest, SIEVE's hand */
	size_t live, tombs;
	uint64_t bytes, max;
	entry *retired;
	table *retired_tabs;
	size_t nretired;
	uint64_t evictions;
} shard;

struct tally_cache_mem {
	tallyi_mem mem;
	unsigned nshards;  /* set up (all but during a failed create) */
	unsigned cap;      /* allocated */
	shard *shards;
	char grace;        /* ThreadSanitizer's view of grace periods */
};

static size_t
entry_size(size_t len)
{
	return sizeof(entry) + len;
}

static uint64_t
slot_hash(tally_cache_key k)
{
	uint64_t h = k.lo ^ (k.hi * TALLYI_GOLDEN64);

	return h ^ (h >> 29);
}

static shard *
shard_of(tally_cache_mem *c, tally_cache_key k)
{
	return &c->shards[(k.hi ^ (k.hi >> 32)) % c->nshards];
}

static bool
key_eq(tally_cache_key a, tally_cache_key b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

/* ------------------------------------------------------------------ */
/* Readers                                                             */

int
tally_cache_mem_get(tally_cache_mem *c, tally_cache_key key, void *buf,
    size_t cap, size_t *len)
{
	shard *s;
	table *t;
	int rc = TALLY_ENOTFOUND;

	if (c == NULL || len == NULL || (buf == NULL && cap != 0))
		return TALLY_EINVAL;
	s = shard_of(c, key);
	tallyi_rcu_online();
	urcu_memb_read_lock();
	t = tallyi_load_ptr(&s->tab, TALLY_ACQUIRE);
	for (size_t i = slot_hash(key) & t->mask;; i = (i + 1) & t->mask) {
		entry *e = tallyi_load_ptr(&t->slot[i], TALLY_ACQUIRE);

		if (e == NULL)
			break;
		if (e == TOMB || !key_eq(e->key, key))
			continue;
		*len = e->len;
		if (e->len > cap) {
			rc = TALLY_ERANGE;
		} else {
			if (e->len != 0)
				memcpy(buf, e->val, e->len);
			rc = TALLY_OK;
		}
		/* the only write of a hit, and only the first time */
		if (tallyi_load_u32(&e->visited, TALLY_RELAXED) == 0)
			tallyi_store_u32(&e->visited, 1, TALLY_RELAXED);
		break;
	}
	tallyi_tsan_release(&c->grace);
	urcu_memb_read_unlock();
	return rc;
}

/* ------------------------------------------------------------------ */
/* Writers (shard lock held)                                           */

/* The slot of @key in @t, or the first free one (NULL or a tombstone). */
static size_t
find_slot(table *t, tally_cache_key key, bool *found)
{
	size_t i, free_at = SIZE_MAX;

	for (i = slot_hash(key) & t->mask;; i = (i + 1) & t->mask) {
		entry *e = tallyi_load_ptr(&t->slot[i], TALLY_RELAXED);

		if (e == NULL)
			break;
		if (e == TOMB) {
			if (free_at == SIZE_MAX)
				free_at = i;
			continue;
		}
		if (key_eq(e->key, key)) {
			*found = true;
			return i;
		}
	}
	*found = false;
	return free_at != SIZE_MAX ? free_at : i;
}

static table *
table_new(const tallyi_mem *mem, size_t slots)
{
	table *t = tallyi_zalloc(mem, sizeof(table) +
	    slots * sizeof(tallyi_atomic_ptr));

	if (t != NULL)
		t->mask = slots - 1;
	return t;
}

static size_t
table_size(const table *t)
{
	return sizeof(table) + (t->mask + 1) * sizeof(tallyi_atomic_ptr);
}

/* Make room for one more entry: rebuild when 3/4 full of live or dead. */
static int
ensure_room(tally_cache_mem *c, shard *s)
{
	table *t = tallyi_load_ptr(&s->tab, TALLY_RELAXED), *nt;
	size_t slots = 16;

	if ((s->live + s->tombs + 1) * 4 <= (t->mask + 1) * 3)
		return TALLY_OK;
	while (slots * 3 < (s->live + 1) * 4 * 2)
		slots *= 2;
	if ((nt = table_new(&c->mem, slots)) == NULL)
		return TALLY_ENOMEM;
	for (size_t i = 0; i <= t->mask; i++) {
		entry *e = tallyi_load_ptr(&t->slot[i], TALLY_RELAXED);
		size_t j;

		if (e == NULL || e == TOMB)
			continue;
		for (j = slot_hash(e->key) & nt->mask;
		    tallyi_load_ptr(&nt->slot[j], TALLY_RELAXED) != NULL;
		    j = (j + 1) & nt->mask)
			;
		tallyi_store_ptr(&nt->slot[j], e, TALLY_RELAXED);
	}
	tallyi_store_ptr(&s->tab, nt, TALLY_RELEASE);
	t->retired = s->retired_tabs;
	s->retired_tabs = t;
	s->nretired++;
	s->tombs = 0;
	return TALLY_OK;
}

static void
queue_unlink(shard *s, entry *e)
{
	if (s->hand == e)
		s->hand = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		s->head = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		s->tail = e->newer;
}

static void
queue_push(shard *s, entry *e)
{
	e->newer = NULL;
	e->older = s->head;
	if (s->head != NULL)
		s->head->newer = e;
	s->head = e;
	if (s->tail == NULL)
		s->tail = e;
}

/* Take @e out of the table and the queue; it is freed after a grace. */
static void
remove_entry(shard *s, entry *e)
{
	table *t = tallyi_load_ptr(&s->tab, TALLY_RELAXED);
	bool found;
	size_t i = find_slot(t, e->key, &found);

	/* Invariant 1: a queued entry is in the table, and counted. */
	if (TALLY_ALWAYS(found)) {
		tallyi_store_ptr(&t->slot[i], TOMB, TALLY_RELEASE);
		s->tombs++;
	}
	TALLY_ASSERT(s->live >= 1 && s->bytes >= entry_size(e->len));
	queue_unlink(s, e);
	s->live--;
	s->bytes -= entry_size(e->len);
	e->retired = s->retired;
	s->retired = e;
	s->nretired++;
}

/* SIEVE: from the hand toward the newest, clearing visited bits. */
static void
evict_one(shard *s)
{
	entry *e = s->hand != NULL ? s->hand : s->tail;

	while (tallyi_load_u32(&e->visited, TALLY_RELAXED) != 0) {
		tallyi_store_u32(&e->visited, 0, TALLY_RELAXED);
		e = e->newer != NULL ? e->newer : s->tail;
	}
	s->hand = e->newer;
	remove_entry(s, e);
	s->evictions++;
}

/* Free what was retired, after every reader that could see it is gone. */
static void
reclaim(tally_cache_mem *c, entry *e, table *t)
{
	if (e == NULL && t == NULL)
		return;
	urcu_memb_synchronize_rcu();
	tallyi_tsan_acquire(&c->grace);
	while (e != NULL) {
		entry *next = e->retired;

		tallyi_free(&c->mem, e, entry_size(e->len));
		e = next;
	}
	while (t != NULL) {
		table *next = t->retired;

		tallyi_free(&c->mem, t, table_size(t));
		t = next;
	}
}

int
tally_cache_mem_put(tally_cache_mem *c, tally_cache_key key, const void *val,
    size_t len)
{
	shard *s;
	entry *e, *old_e = NULL;
	table *old_t = NULL, *t;
	bool found;
	size_t i;
	int rc = TALLY_OK;

	if (c == NULL || (val == NULL && len != 0))
		return TALLY_EINVAL;
	s = shard_of(c, key);
	if (entry_size(len) > s->max)
		return TALLY_ERANGE;
	e = tallyi_alloc(&c->mem, entry_size(len));
	if (e == NULL)
		return TALLY_ENOMEM;
	e->key = key;
	e->len = len;
	tallyi_store_u32(&e->visited, 0, TALLY_RELAXED);
	if (len != 0)
		memcpy(e->val, val, len);

	pthread_mutex_lock(&s->lock);
	t = tallyi_load_ptr(&s->tab, TALLY_RELAXED);
	i = find_slot(t, key, &found);
	if (found) /* replaced: the old one goes */
		remove_entry(s, tallyi_load_ptr(&t->slot[i], TALLY_RELAXED));
	while (s->bytes + entry_size(len) > s->max && s->tail != NULL)
		evict_one(s);
	if ((rc = ensure_room(c, s)) == TALLY_OK) {
		t = tallyi_load_ptr(&s->tab, TALLY_RELAXED);
		i = find_slot(t, key, &found);
		if (tallyi_load_ptr(&t->slot[i], TALLY_RELAXED) == TOMB)
			s->tombs--;
		tallyi_store_ptr(&t->slot[i], e, TALLY_RELEASE);
		queue_push(s, e);
		s->live++;
		s->bytes += entry_size(len);
	}
	/* Invariant 1: within the bound; an empty queue holds no bytes. */
	TALLY_ASSERT(s->bytes <= s->max &&
	    (s->live == 0) == (s->tail == NULL) &&
	    (s->live != 0 || s->bytes == 0));
	if (s->nretired >= RETIRE_BATCH) {
		old_e = s->retired;
		old_t = s->retired_tabs;
		s->retired = NULL;
		s->retired_tabs = NULL;
		s->nretired = 0;
	}
	pthread_mutex_unlock(&s->lock);
	if (rc != TALLY_OK)
		tallyi_free(&c->mem, e, entry_size(len));
	reclaim(c, old_e, old_t);
	return rc;
}

void
tally_cache_mem_remove(tally_cache_mem *c, tally_cache_key key)
{
	shard *s = shard_of(c, key);
	table *t;
	bool found;
	size_t i;

	pthread_mutex_lock(&s->lock);
	t = tallyi_load_ptr(&s->tab, TALLY_RELAXED);
	i = find_slot(t, key, &found);
	if (found)
		remove_entry(s, tallyi_load_ptr(&t->slot[i], TALLY_RELAXED));
	pthread_mutex_unlock(&s->lock);
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */

int
tally_cache_mem_create(const tally_cache_mem_config *cfg,
    const tally_allocator *alloc, tally_cache_mem **out)
{
	tally_cache_mem_config def = TALLY_CACHE_MEM_CONFIG_INIT;
	tally_cache_mem *c;
	int rc;

	if (cfg == NULL)
		cfg = &def;
	if (out == NULL || cfg->struct_size < sizeof(*cfg) ||
	    cfg->shards == 0 || cfg->shards > 1024 || cfg->max_bytes == 0)
		return TALLY_EINVAL;
	if ((c = tallyi_owner_new(alloc, sizeof(*c), &rc)) == NULL)
		return rc;
	if ((c->shards = tallyi_zalloc(&c->mem, cfg->shards *
	    sizeof(shard))) == NULL) {
		tallyi_owner_free(c, sizeof(*c));
		return TALLY_ENOMEM;
	}
	c->nshards = c->cap = cfg->shards;
	for (unsigned k = 0; k < c->nshards; k++) {
		shard *s = &c->shards[k];
		table *t = table_new(&c->mem, 16);

		pthread_mutex_init(&s->lock, NULL);
		s->max = cfg->max_bytes / c->nshards;
		if (t == NULL) {
			c->nshards = k + 1;
			tally_cache_mem_destroy(c);
			return TALLY_ENOMEM;
		}
		tallyi_store_ptr(&s->tab, t, TALLY_RELAXED);
	}
	*out = c;
	return TALLY_OK;
}

void
tally_cache_mem_destroy(tally_cache_mem *c)
{
	tallyi_mem mem;

	if (c == NULL)
		return;
	mem = c->mem;
	for (unsigned k = 0; k < c->nshards; k++) {
		shard *s = &c->shards[k];
		table *t = tallyi_load_ptr(&s->tab, TALLY_RELAXED);

		/* no reader is left: everything goes now */
		for (entry *e = s->head; e != NULL;) {
			entry *next = e->older;

			tallyi_free(&mem, e, entry_size(e->len));
			e = next;
		}
		for (entry *e = s->retired; e != NULL;) {
			entry *next = e->retired;

			tallyi_free(&mem, e, entry_size(e->len));
			e = next;
		}
		for (table *r = s->retired_tabs; r != NULL;) {
			table *next = r->retired;

			tallyi_free(&mem, r, table_size(r));
			r = next;
		}
		if (t != NULL)
			tallyi_free(&mem, t, table_size(t));
		pthread_mutex_destroy(&s->lock);
	}
	tallyi_free(&mem, c->shards, c->cap * sizeof(shard));
	tallyi_owner_free(c, sizeof(*c));
}

void
tally_cache_mem_stats_get(tally_cache_mem *c, tally_cache_mem_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned k = 0; k < c->nshards; k++) {
		shard *s = &c->shards[k];

		pthread_mutex_lock(&s->lock);
		out->evictions += s->evictions;
		out->bytes += s->bytes;
		out->entries += s->live;
		pthread_mutex_unlock(&s->lock);
	}
}
