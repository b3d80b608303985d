/*
 * engine/ring.h - the injection ring: a bounded MPMC queue of pointers
 * (internal).
 *
 * Algorithm: Dmitry Vyukov's bounded MPMC queue ("Bounded MPMC queue",
 * 1024cores.net, 2010). Each cell carries a sequence number next to its
 * payload; the producer that wins a CAS on the enqueue position owns cell
 * pos & mask until it publishes it by storing seq = pos + 1, and the
 * consumer that wins the dequeue position frees it by storing
 * seq = pos + cap.
 *
 * Why not ck_ring's MPMC mode: its enqueue reserves a slot and then spins
 * until every earlier producer has committed, so one producer preempted
 * between its reserve and its commit stalls every other producer - on an
 * oversubscribed box, for a whole scheduler slice. Here a preempted producer
 * holds up only consumers of its own cell (they see the ring as empty at
 * that cell and go and steal), never another producer. And it is plain C11
 * atomics, so ThreadSanitizer sees every hand-off; ck_ring's inline-asm
 * atomics would need suppressions that also hide our own races. bench/
 * measures both (pool_bench.c, "inject/...").
 *
 * Invariants:
 *  1. For cell i = pos & mask: seq == pos means free for the producer of
 *     pos; seq == pos + 1 means full for the consumer of pos.
 *  2. A producer writes ->item only between its CAS win and its release
 *     store of seq; a consumer reads it only after its acquire load of
 *     seq == pos + 1. So the item, and everything its producer wrote
 *     before the enqueue, happens-before the consumer's use. Not
 *     asserted: it is an order, not a value; ThreadSanitizer checks it.
 *  3. Positions are 64-bit and never wrap in practice (2^64 operations).
 *     Not asserted: at 10^9 operations a second that is 585 years.
 */
#ifndef TALLY_ENGINE_RING_H
#define TALLY_ENGINE_RING_H

#include "engine/alloc.h"
#include "engine/cc.h"

typedef struct tallyi_ring_cell {
	tallyi_atomic_u64 seq;
	tallyi_atomic_ptr item;
} tallyi_ring_cell;

typedef struct tallyi_ring {
	/* producers and consumers write different lines: neither's writes
	 * take the other's line away */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_u64 head; /* enqueue */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_u64 tail; /* dequeue */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_ring_cell *cell;
	uint64_t mask;
} tallyi_ring;

/* @cap: a power of two >= 2. Return: TALLY_OK or TALLY_ENOMEM. */
TALLY_CC_INLINE int
tallyi_ring_init(tallyi_ring *r, const tallyi_mem *mem, uint64_t cap)
{
	/* Invariant 1 needs the mask: cap must be a power of two. */
	TALLY_ASSERT(cap >= 2 && (cap & (cap - 1)) == 0);
	r->cell = tallyi_alloc(mem, cap * sizeof(*r->cell));
	if (r->cell == NULL)
		return TALLY_ENOMEM;
	r->mask = cap - 1;
	for (uint64_t i = 0; i < cap; i++) {
		tallyi_store_u64(&r->cell[i].seq, i, TALLY_RELAXED);
		tallyi_store_ptr(&r->cell[i].item, NULL, TALLY_RELAXED);
	}
	tallyi_store_u64(&r->head, 0, TALLY_RELAXED);
	tallyi_store_u64(&r->tail, 0, TALLY_RELAXED);
	return TALLY_OK;
}

TALLY_CC_INLINE void
tallyi_ring_fini(tallyi_ring *r, const tallyi_mem *mem)
{
	if (r->cell != NULL)
		tallyi_free(mem, r->cell, (r->mask + 1) * sizeof(*r->cell));
	r->cell = NULL;
}

/* Return: true when @item was enqueued, false when the ring is full. */
TALLY_CC_INLINE bool
tallyi_ring_enqueue_mp(tallyi_ring *r, void *item)
{
	uint64_t pos = tallyi_load_u64(&r->head, TALLY_RELAXED);

	for (;;) {
		tallyi_ring_cell *c = &r->cell[pos & r->mask];
		uint64_t seq = tallyi_load_u64(&c->seq, TALLY_ACQUIRE);
		int64_t dif = (int64_t)(seq - pos);

		if (dif == 0) {
			if (tallyi_cas_u64(&r->head, &pos, pos + 1,
			    TALLY_RELAXED)) {
				/* Invariant 1: the cell stays free for pos
				 * until this producer fills it. */
				TALLY_ASSERT(tallyi_load_u64(&c->seq,
				    TALLY_RELAXED) == pos);
				tallyi_store_ptr(&c->item, item, TALLY_RELAXED);
				tallyi_store_u64(&c->seq, pos + 1,
				    TALLY_RELEASE);
				return true;
			}
			/* pos now holds the current head: retry there */
		} else if (dif < 0) {
			return false; /* the cell still holds pos - cap */
		} else {
			pos = tallyi_load_u64(&r->head, TALLY_RELAXED);
		}
	}
}

/* Return: an item, or NULL when the ring is empty (at its next cell). */
TALLY_CC_INLINE void *
tallyi_ring_dequeue_mc(tallyi_ring *r)
{
	uint64_t pos = tallyi_load_u64(&r->tail, TALLY_RELAXED);

	for (;;) {
		tallyi_ring_cell *c = &r->cell[pos & r->mask];
		uint64_t seq = tallyi_load_u64(&c->seq, TALLY_ACQUIRE);
		int64_t dif = (int64_t)(seq - (pos + 1));

		if (dif == 0) {
			if (tallyi_cas_u64(&r->tail, &pos, pos + 1,
			    TALLY_RELAXED)) {
				void *item = tallyi_load_ptr(&c->item,
				    TALLY_RELAXED);

				/* Invariant 1: full for pos until freed. */
				TALLY_ASSERT(tallyi_load_u64(&c->seq,
				    TALLY_RELAXED) == pos + 1);
				tallyi_store_u64(&c->seq, pos + r->mask + 1,
				    TALLY_RELEASE);
				return item;
			}
		} else if (dif < 0) {
			return NULL;
		} else {
			pos = tallyi_load_u64(&r->tail, TALLY_RELAXED);
		}
	}
}

#endif /* TALLY_ENGINE_RING_H */
