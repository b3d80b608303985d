/*
 * engine/keyset.h - the set of exact-duplicate keys seen so far (internal).
 *
 * One insert decides whether a violation is new. The set is split into
 * 2^TALLYI_KEYSET_SHARD_BITS shards chosen by the fingerprint's top bits,
 * each an open-addressing table behind its own mutex, so workers inserting
 * different fingerprints rarely meet. (The lock-free SIMD set of the kernels
 * issue replaces this; the interface stays.)
 */
#ifndef TALLY_ENGINE_KEYSET_H
#define TALLY_ENGINE_KEYSET_H

#include <pthread.h>

#include "engine/alloc.h"
#include "engine/cc.h"
#include "kernels/kernels.h"

/*
 * 16 shards: with two workers contention is nil, and fewer, larger tables
 * reach the huge-page size (keyset.c) sooner: with huge pages, +8% end to
 * end at 1 M keys over 64 shards (bench/RESULTS.md). The lock-free set of
 * the kernels issue replaces shards.
 */
#define TALLYI_KEYSET_SHARD_BITS 4
#define TALLYI_KEYSET_SHARDS (1u << TALLYI_KEYSET_SHARD_BITS)

/* The exact-duplicate key. Two violations are duplicates iff keys are equal. */
typedef struct tallyi_key {
	uint32_t tool;
	uint32_t rule;
	uint32_t file;
	uint32_t message;
	uint32_t line;
	uint32_t column;
	uint64_t offset;
} tallyi_key;

/* Keys are compared with memcmp: there must be no padding. */
_Static_assert(sizeof(tallyi_key) == 32, "tallyi_key has padding");

/*
 * A free slot holds a key whose tool is TALLYI_KEY_EMPTY: tool ids stop at
 * 2^32 - 2, so no real key has it.
 */
#define TALLYI_KEY_EMPTY UINT32_MAX

typedef struct tallyi_keyshard {
	TALLY_CC_ALIGNED(TALLY_CACHELINE) pthread_mutex_t lock;
	tallyi_key *ent; /* slots: keys, 32 bytes, two per cache line */
	size_t cap;   /* power of two, or 0 before the first insert */
	size_t count;
} tallyi_keyshard;

typedef struct tallyi_keyset {
	const tallyi_mem *mem;
	tallyi_keyshard shard[TALLYI_KEYSET_SHARDS];
} tallyi_keyset;

/* The fingerprint of one key: tallyk_fingerprint_scalar() of one row. */
uint64_t tallyi_key_fingerprint(const tallyi_key *k);

int tallyi_keyset_init(tallyi_keyset *s, const tallyi_mem *mem);
void tallyi_keyset_fini(tallyi_keyset *s);

/**
 * tallyi_keyset_insert() - add a key unless it is present.
 * @s:   the set.
 * @fp:  the key's fingerprint, tallyk_fingerprint_scalar() of @k: it picks
 *       the shard and the home slot, and a growing table recomputes it
 *       from the key, so any other value would misplace the key then.
 * @k:   the key.
 * @new: receives true when this call added the key, false when it was there.
 *
 * Exactly one of any number of concurrent inserts of equal keys gets true.
 * Return: TALLY_OK or TALLY_ENOMEM (the set is unchanged).
 * Threads: any, concurrently.
 */
int tallyi_keyset_insert(tallyi_keyset *s, uint64_t fp, const tallyi_key *k,
    bool *new);

/**
 * tallyi_keyset_insert_bulk() - insert the keys of @n rows.
 * @s:       the set.
 * @c:       the key columns.
 * @fp:      each row's fingerprint (as for tallyi_keyset_insert()).
 * @n:       rows.
 * @is_new:  receives 1 for each row whose insert added its key, else 0.
 *           Of equal keys in one call, the first row wins.
 * @scratch: @n entries of working space.
 *
 * Rows are grouped by shard (a counting sort of row numbers), so each shard
 * is locked once per call rather than once per row.
 * Return: TALLY_OK or TALLY_ENOMEM (rows not yet inserted have is_new 0).
 * Threads: any, concurrently.
 */
int tallyi_keyset_insert_bulk(tallyi_keyset *s, const tallyk_keycols *c,
    const uint64_t *fp, size_t n, uint8_t *is_new, uint32_t *scratch);

/* Keys held. Threads: any; exact only while no insert runs. */
uint64_t tallyi_keyset_count(tallyi_keyset *s);

#endif /* TALLY_ENGINE_KEYSET_H */
