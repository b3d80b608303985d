/*
 * engine/keyset.c - sharded exact-key set.
 *
 * Each shard is a linear-probing table of keys kept below 3/4 load. A slot
 * is the 32-byte key itself: slots never straddle a cache line, a probe
 * reads one line (its neighbours, for a longer probe, the same or the
 * next), and equality is decided by the whole key, so a fingerprint
 * collision between different keys costs a probe, never exactness. The
 * fingerprint only places the key: it picks the shard and the home slot,
 * and is recomputed from the key when a table grows.
 */
#include "engine/keyset.h"

#include <string.h>
#include <sys/mman.h>

int
tallyi_keyset_init(tallyi_keyset *s, const tallyi_mem *mem)
{
	memset(s, 0, sizeof(*s));
	s->mem = mem;
	for (unsigned i = 0; i < TALLYI_KEYSET_SHARDS; i++) {
		if (pthread_mutex_init(&s->shard[i].lock, NULL) != 0) {
			while (i-- > 0)
				pthread_mutex_destroy(&s->shard[i].lock);
			return TALLY_ENOMEM;
		}
	}
	return TALLY_OK;
}

void
tallyi_keyset_fini(tallyi_keyset *s)
{
	for (unsigned i = 0; i < TALLYI_KEYSET_SHARDS; i++) {
		tallyi_keyshard *sh = &s->shard[i];

		tallyi_free(s->mem, sh->ent, sh->cap * sizeof(tallyi_key));
		pthread_mutex_destroy(&sh->lock);
	}
}

static inline bool
key_eq(const tallyi_key *a, const tallyi_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/*
 * The slot index uses the fingerprint bits below the shard bits, so the
 * shard choice and the slot choice are independent.
 */
static inline size_t
home(uint64_t fp, size_t mask)
{
	return (size_t)(fp >> 7) & mask;
}

uint64_t
tallyi_key_fingerprint(const tallyi_key *k)
{
	tallyk_keycols c = { &k->tool, &k->rule, &k->file, &k->message,
		&k->line, &k->column, &k->offset };
	uint64_t fp;

	tallyk_fingerprint_scalar(&c, 1, &fp);
	return fp;
}

/*
 * A table of 1 M keys spans 16 K pages of 4 KiB, so nearly every probe
 * also misses the TLB; on this VM (nested paging) the walk costs as much
 * as the line. Tables of 4 MiB and more ask for transparent huge pages on
 * their 2 MiB-aligned interior (+13% end to end at 1 M keys, RESULTS.md).
 * Advice only: refused (THP off, memory that is not anonymous) it changes
 * nothing.
 */
#define HUGE_PAGE (2u << 20)

static void
advise_huge(void *p, size_t size)
{
	uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	uintptr_t hi = ((uintptr_t)p + size) & ~(uintptr_t)(HUGE_PAGE - 1);

	if (size >= 2 * HUGE_PAGE && hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}

static int
grow(const tallyi_mem *mem, tallyi_keyshard *sh)
{
	size_t cap = sh->cap ? sh->cap * 2 : 1024, mask = cap - 1;
	tallyi_key *ent;

	ent = tallyi_alloc(mem, cap * sizeof(*ent));
	if (ent == NULL)
		return TALLY_ENOMEM;
	advise_huge(ent, cap * sizeof(*ent));
	for (size_t i = 0; i < cap; i++)
		ent[i].tool = TALLYI_KEY_EMPTY;
	for (size_t i = 0; i < sh->cap; i++) {
		size_t j;

		if (sh->ent[i].tool == TALLYI_KEY_EMPTY)
			continue;
		for (j = home(tallyi_key_fingerprint(&sh->ent[i]), mask);
		    ent[j].tool != TALLYI_KEY_EMPTY; j = (j + 1) & mask)
			;
		ent[j] = sh->ent[i];
	}
	tallyi_free(mem, sh->ent, sh->cap * sizeof(*ent));
	sh->ent = ent;
	sh->cap = cap;
	return TALLY_OK;
}

static inline unsigned
shard_of(uint64_t fp)
{
	return (unsigned)(fp >> (64 - TALLYI_KEYSET_SHARD_BITS));
}

/* Insert into a shard whose lock the caller holds. */
static int
shard_insert(const tallyi_mem *mem, tallyi_keyshard *sh, uint64_t fp,
    const tallyi_key *k, bool *new)
{
	size_t mask, i;
	int rc;

	TALLY_ASSERT(k->tool != TALLYI_KEY_EMPTY);
	if ((sh->count + 1) * 4 > sh->cap * 3 && (rc = grow(mem, sh)) != 0)
		return rc;
	mask = sh->cap - 1;
	for (i = home(fp, mask); sh->ent[i].tool != TALLYI_KEY_EMPTY;
	    i = (i + 1) & mask) {
		if (key_eq(&sh->ent[i], k)) {
			*new = false;
			return TALLY_OK;
		}
	}
	sh->ent[i] = *k;
	sh->count++;
	*new = true;
	return TALLY_OK;
}

int
tallyi_keyset_insert(tallyi_keyset *s, uint64_t fp, const tallyi_key *k,
    bool *new)
{
	tallyi_keyshard *sh = &s->shard[shard_of(fp)];
	int rc;

	pthread_mutex_lock(&sh->lock);
	rc = shard_insert(s->mem, sh, fp, k, new);
	pthread_mutex_unlock(&sh->lock);
	return rc;
}

/*
 * A big set lives beyond L2, and a probe is one dependent miss. Rows of
 * one shard are known in advance, so the slot of the row PREFETCH_AHEAD
 * places on is requested while this one is probed and the misses overlap
 * instead of queueing. One line per row: prefetching the next line too
 * (for probes that run on) measured slower, as it doubles the demand on
 * the core's line-fill buffers (bench/RESULTS.md).
 */
#define PREFETCH_AHEAD 16

static inline void
prefetch_home(const tallyi_keyshard *sh, uint64_t fp)
{
	if (sh->cap != 0)
		__builtin_prefetch(&sh->ent[home(fp, sh->cap - 1)]);
}

int
tallyi_keyset_insert_bulk(tallyi_keyset *s, const tallyk_keycols *c,
    const uint64_t *fp, size_t n, uint8_t *is_new, uint32_t *scratch)
{
	uint32_t start[TALLYI_KEYSET_SHARDS + 1] = { 0 };
	int rc = TALLY_OK;

	memset(is_new, 0, n);
	/* Counting sort of row numbers by shard; stable, so within a shard
	 * rows keep their order and the first of equal keys wins. */
	for (size_t i = 0; i < n; i++)
		start[shard_of(fp[i]) + 1]++;
	for (unsigned k = 0; k < TALLYI_KEYSET_SHARDS; k++)
		start[k + 1] += start[k];
	{
		uint32_t at[TALLYI_KEYSET_SHARDS];

		memcpy(at, start, sizeof(at));
		for (size_t i = 0; i < n; i++)
			scratch[at[shard_of(fp[i])]++] = (uint32_t)i;
	}
	for (unsigned k = 0; k < TALLYI_KEYSET_SHARDS && rc == TALLY_OK; k++) {
		tallyi_keyshard *sh = &s->shard[k];

		if (start[k] == start[k + 1])
			continue;
		pthread_mutex_lock(&sh->lock);
		for (uint32_t j = start[k]; j < start[k] + PREFETCH_AHEAD &&
		    j < start[k + 1]; j++)
			prefetch_home(sh, fp[scratch[j]]);
		for (uint32_t j = start[k]; j < start[k + 1]; j++) {
			uint32_t i = scratch[j];
			tallyi_key key = { c->tool[i], c->rule[i], c->file[i],
				c->message[i], c->line[i], c->column[i],
				c->offset[i] };
			bool new;

			if (j + PREFETCH_AHEAD < start[k + 1])
				prefetch_home(sh, fp[scratch[j + PREFETCH_AHEAD]]);
			rc = shard_insert(s->mem, sh, fp[i], &key, &new);
			if (rc != TALLY_OK)
				break;
			is_new[i] = new;
		}
		pthread_mutex_unlock(&sh->lock);
	}
	return rc;
}

uint64_t
tallyi_keyset_count(tallyi_keyset *s)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < TALLYI_KEYSET_SHARDS; i++) {
		pthread_mutex_lock(&s->shard[i].lock);
		n += s->shard[i].count;
		pthread_mutex_unlock(&s->shard[i].lock);
	}
	return n;
}
