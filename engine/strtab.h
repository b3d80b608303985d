/*
 * engine/strtab.h - interned strings of one kind: bytes <-> dense ids
 * (internal).
 *
 * Finding a string already interned takes no lock (the hash index is
 * read lock-free); adding one takes the table's mutex; looking an id up
 * takes no lock. Entries
 * live in segments that never move (segment k holds 256 << k entries), and
 * the count of published entries is stored with release order after the
 * entry is written, so a reader that loads the count with acquire order and
 * sees id < count sees the whole entry. String bytes live in blocks that are
 * never freed before the table, so a looked-up pointer stays valid for the
 * table's lifetime.
 */
#ifndef TALLY_ENGINE_STRTAB_H
#define TALLY_ENGINE_STRTAB_H

#include <pthread.h>

#include "engine/alloc.h"
#include "engine/cc.h"

#define TALLYI_STRTAB_SEG0 256u
#define TALLYI_STRTAB_SEGS 24 /* 256 * (2^24 - 1) > 2^32 entries */
#define TALLYI_STRTAB_MAX (UINT32_MAX - 1u) /* TALLY_ID_NONE stays free */

typedef struct tallyi_strent {
	const char *p;         /* bytes, NUL-terminated */
	uint32_t len;
	uint32_t hash32;       /* low half of the 64-bit hash */
	tallyi_atomic_ptr aux; /* optional tallyi_straux (tool version) */
} tallyi_strent;

typedef struct tallyi_straux {
	uint32_t len;
	char s[]; /* NUL-terminated */
} tallyi_straux;

typedef struct tallyi_strblk tallyi_strblk;

/*
 * The hash index: slots of (hash32 << 32) | (id + 1), 0 empty. A grown
 * index replaces it; the old one stays readable (on the retired list)
 * until the table is freed, so a lock-free reader never needs a grace
 * period. The retired indexes together are smaller than the live one.
 */
typedef struct tallyi_stridx {
	struct tallyi_stridx *retired;
	size_t n; /* slots, a power of two */
	tallyi_atomic_u64 slot[];
} tallyi_stridx;

typedef struct tallyi_strtab {
	const tallyi_mem *mem;
	tallyi_atomic_u32 count; /* published entries */
	tallyi_atomic_ptr seg[TALLYI_STRTAB_SEGS];

	tallyi_atomic_ptr index; /* tallyi_stridx: read lock-free */

	/* Writer side, under @lock, on lines of its own: readers never
	 * share a line with the mutex. */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) pthread_mutex_t lock;
	tallyi_strblk *blk; /* newest block first */
	size_t blk_used;
} tallyi_strtab;

int tallyi_strtab_init(tallyi_strtab *t, const tallyi_mem *mem);
void tallyi_strtab_fini(tallyi_strtab *t);

/**
 * tallyi_strtab_intern() - the id of @s, adding it when new.
 * Return: TALLY_OK, TALLY_ENOMEM, TALLY_ERANGE (table full or len >= 4 GiB).
 * Threads: any, concurrently (lock-free when @s is there; takes the
 * table's mutex to add it).
 */
int tallyi_strtab_intern(tallyi_strtab *t, const char *s, size_t len,
    uint32_t *id);

/* The number of published ids. Threads: any, lock-free. */
TALLY_CC_INLINE uint32_t
tallyi_strtab_count(const tallyi_strtab *t)
{
	return tallyi_load_u32(&t->count, TALLY_ACQUIRE);
}

/* The entry of a published id (id < count). Threads: any, lock-free. */
TALLY_CC_INLINE const tallyi_strent *
tallyi_strtab_entry(const tallyi_strtab *t, uint32_t id)
{
	uint64_t x = (uint64_t)id / TALLYI_STRTAB_SEG0 + 1;
	unsigned k = 63u - (unsigned)__builtin_clzll(x);
	uint64_t base = (uint64_t)TALLYI_STRTAB_SEG0 * ((UINT64_C(1) << k) - 1);
	const tallyi_strent *seg = tallyi_load_ptr(&t->seg[k], TALLY_ACQUIRE);

	return &seg[id - base];
}

/**
 * tallyi_strtab_set_aux() - attach bytes to an id once (the first non-empty
 * value wins). Return: TALLY_OK or TALLY_ENOMEM. Threads: any.
 */
int tallyi_strtab_set_aux(tallyi_strtab *t, uint32_t id, const char *s,
    size_t len);

/* Hash of a string, as the table computes it (XXH3-64). */
uint64_t tallyi_strhash(const char *s, size_t len);

#endif /* TALLY_ENGINE_STRTAB_H */
