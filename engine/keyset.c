/*
 * engine/keyset.c - sharded exact-key set.
 *
 * Each shard is a linear-probing table of (fingerprint, key) entries kept
 * below 3/4 load. The probe compares fingerprints first and keys only on a
 * fingerprint match, so a fingerprint collision between different keys is
 * resolved exactly, at the price of one more probe.
 */
#include "engine/keyset.h"

#include <string.h>

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

		tallyi_free(s->mem, sh->ent, sh->cap * sizeof(tallyi_keyent));
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

static int
grow(const tallyi_mem *mem, tallyi_keyshard *sh)
{
	size_t cap = sh->cap ? sh->cap * 2 : 1024, mask = cap - 1;
	tallyi_keyent *ent;

	ent = tallyi_zalloc(mem, cap * sizeof(*ent));
	if (ent == NULL)
		return TALLY_ENOMEM;
	for (size_t i = 0; i < sh->cap; i++) {
		size_t j;

		if (sh->ent[i].fp == 0)
			continue;
		for (j = home(sh->ent[i].fp, mask); ent[j].fp != 0;
		    j = (j + 1) & mask)
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

	TALLY_ASSERT(fp != 0);
	if ((sh->count + 1) * 4 > sh->cap * 3 && (rc = grow(mem, sh)) != 0)
		return rc;
	mask = sh->cap - 1;
	for (i = home(fp, mask); sh->ent[i].fp != 0; i = (i + 1) & mask) {
		if (sh->ent[i].fp == fp && key_eq(&sh->ent[i].key, k)) {
			*new = false;
			return TALLY_OK;
		}
	}
	sh->ent[i].fp = fp;
	sh->ent[i].key = *k;
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
		for (uint32_t j = start[k]; j < start[k + 1]; j++) {
			uint32_t i = scratch[j];
			tallyi_key key = { c->tool[i], c->rule[i], c->file[i],
				c->message[i], c->line[i], c->column[i],
				c->offset[i] };
			bool new;

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
