/*
 * engine/keyset.h - the set of exact-duplicate keys seen so far (internal).
 *
 * One insert decides whether a violation is new. The set is one lock-free
 * open-addressing table in the SwissTable layout: slots in groups of 16,
 * each group with 16 control bytes that a single 16-byte compare matches
 * against a 7-bit tag of the fingerprint, and the 32-byte keys themselves
 * in the slots, so a tag match is confirmed by comparing whole keys and a
 * fingerprint collision costs a probe, never exactness. An insert that wins
 * takes its slot with one CAS; a table that fills is migrated into one of
 * 3/2 the size by every inserter that comes by, while inserts go on.
 * The protocol and its proof are in keyset.c.
 */
#ifndef TALLY_ENGINE_KEYSET_H
#define TALLY_ENGINE_KEYSET_H

#include "engine/alloc.h"
#include "engine/cc.h"
#include "kernels/kernels.h"

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
 * Control bytes. A full slot holds its key's 7-bit tag (0x00-0x7f). A slot
 * being filled is "busy": 0x80 | the low 6 bits of the tag, until its key is
 * written. An empty slot that a migration has closed is "moved".
 */
#define TALLYI_CTRL_EMPTY 0xffu
#define TALLYI_CTRL_MOVED 0xfeu
#define TALLYI_GROUP 16 /* slots per group */

TALLY_CC_INLINE unsigned
tallyi_ctrl_tag(uint64_t fp)
{
	return (unsigned)(fp & 0x7f);
}

TALLY_CC_INLINE unsigned
tallyi_ctrl_busy(uint64_t fp)
{
	return 0x80u | (unsigned)(fp & 0x3f);
}

/*
 * tallyi_group_match() - bit i set iff control byte i of the group (the
 * bytes of @lo, then @hi, little-endian) equals @b. SSE2 on x86-64, where
 * it is baseline; the SWAR form elsewhere and as the tests' reference.
 */
TALLY_CC_INLINE unsigned
tallyi_group_match_swar(uint64_t lo, uint64_t hi, unsigned b)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t low7 = ones * 0x7f;
	uint64_t w[2] = { lo ^ (ones * b), hi ^ (ones * b) };
	unsigned m = 0;

	for (int k = 0; k < 2; k++) {
		/* 0x80 in exactly the zero bytes (no borrow across bytes) */
		uint64_t z = ~(((w[k] & low7) + low7) | w[k] | low7);

		/* gather the eight 0x80 bits into one byte */
		m |= (unsigned)(((z >> 7) * UINT64_C(0x0102040810204080)) >> 56)
		    << (8 * k);
	}
	return m;
}

#if defined(__SSE2__)
#include <emmintrin.h>

TALLY_CC_INLINE unsigned
tallyi_group_match(uint64_t lo, uint64_t hi, unsigned b)
{
	__m128i g = _mm_set_epi64x((long long)hi, (long long)lo);

	return (unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(g, _mm_set1_epi8((char)b)));
}
#else
#define tallyi_group_match tallyi_group_match_swar
#endif

typedef struct tallyi_keytab tallyi_keytab; /* keyset.c */

typedef struct tallyi_keyset {
	const tallyi_mem *mem;
	/* the oldest table still in use; newer ones hang off its next */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_ptr cur;
	/* calls in progress, and the tables they may still read */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_u64 active;
	tallyi_atomic_ptr retired;
	/* keys added (exact while no insert runs) */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_u64 count;
} tallyi_keyset;

/* The fingerprint of one key: tallyk_fingerprint_scalar() of one row. */
uint64_t tallyi_key_fingerprint(const tallyi_key *k);

/*
 * @expected: keys the set is sized for at once (it grows past them as
 * needed), or 0 for the smallest table. Return: TALLY_OK or TALLY_ENOMEM.
 */
int tallyi_keyset_init(tallyi_keyset *s, const tallyi_mem *mem,
    uint64_t expected);
/* Threads: none may be inside another call. */
void tallyi_keyset_fini(tallyi_keyset *s);

/**
 * tallyi_keyset_insert() - add a key unless it is present.
 * @s:   the set.
 * @fp:  the key's fingerprint, tallyk_fingerprint_scalar() of @k: it picks
 *       the home group and the tag, and a migration recomputes it from the
 *       key, so any other value would misplace the key then.
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
 *
 * Rows are probed in order with the control bytes of the rows ahead
 * prefetched, and for those already in cache the key slot their tag points
 * at, so the misses of a big set overlap.
 * Return: TALLY_OK or TALLY_ENOMEM (rows not yet inserted have is_new 0).
 * Threads: any, concurrently.
 */
int tallyi_keyset_insert_bulk(tallyi_keyset *s, const tallyk_keycols *c,
    const uint64_t *fp, size_t n, uint8_t *is_new);

/*
 * Free the tables the set has outgrown when no call can still read them.
 * Inserts do this as they leave, but only the last one out of a busy set
 * can, so the old table of a growth near the end of a run stays until the
 * next insert; a caller that has finished inserting calls this.
 * Threads: any, concurrently with inserts (then it may free nothing).
 */
void tallyi_keyset_reclaim(tallyi_keyset *s);

/* Keys held. Threads: any; exact only while no insert runs. */
uint64_t tallyi_keyset_count(tallyi_keyset *s);

/* Slots of the newest table (tests, benches). Threads: while none insert. */
size_t tallyi_keyset_capacity(tallyi_keyset *s);

#endif /* TALLY_ENGINE_KEYSET_H */
