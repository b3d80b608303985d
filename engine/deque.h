/*
 * engine/deque.h - one worker's work-stealing deque (internal).
 *
 * Algorithm: the Chase-Lev deque (Chase and Lev, SPAA 2005) with the C11
 * memory orders proved correct by Le, Pop, Cohen and Zappa Nardelli,
 * "Correct and Efficient Work-Stealing for Weak Memory Models", PPoPP 2013
 * (their figure 1). The owner pushes and takes at the bottom; any other
 * thread steals from the top; the only contended case, the last element,
 * is settled by one CAS on top.
 *
 * Two departures, both stronger than the paper and free on x86-64:
 *  - push publishes bottom with a release store instead of a release fence
 *    followed by a relaxed store, and steal reads the array with acquire
 *    instead of consume, so ThreadSanitizer (which does not model fences)
 *    sees the hand-off of every task.
 *  - top and bottom are signed, so take() on an empty deque (bottom - 1 =
 *    -1) compares correctly; the paper's size_t would wrap.
 *
 * Growth and reclamation. push() doubles the array when it is full and
 * publishes the new one; the old one is NOT freed but kept on the deque's
 * retired list until tallyi_deque_fini(). That is what makes a thief that
 * loaded the old array pointer safe: the trap (crossbeam-deque's 2021
 * advisory is the well-known case) is a thief reading a slot of a buffer
 * that was freed or recycled under it. Keeping retired arrays costs at most
 * the size of the live one (sizes double), and a pool's deques stop
 * growing once they hold the deepest fork-join tree the program builds.
 *
 * Invariants:
 *  1. Only the owner writes bottom and array, and writes slots. The deque
 *     does not know its owner, so pool.c asserts this where it calls in.
 *  2. top only increases, and only by a successful CAS (thieves, or the
 *     owner taking the last element).
 *  3. The owner never writes slot (i mod size) of an array while a thief
 *     could still win index i from it: it grows instead of wrapping
 *     (bottom - top > size - 1), and it writes only the current array.
 *  4. A thief loads top, then (after a full fence) bottom, then the array.
 *     An element it sees below bottom was written, into the array it loads
 *     or an older one that a copy was made from, before bottom was
 *     published; reading a stale array is harmless because retired arrays
 *     keep their contents (invariant 3) and the CAS on top decides.
 *     Not asserted: it is an order of loads, not a value a check could
 *     read; ThreadSanitizer checks it on the stress programs.
 */
#ifndef TALLY_ENGINE_DEQUE_H
#define TALLY_ENGINE_DEQUE_H

#include "engine/alloc.h"
#include "engine/cc.h"

typedef struct tallyi_deque_array {
	struct tallyi_deque_array *retired; /* older arrays, owner only */
	int64_t size;                       /* power of two, immutable */
	tallyi_atomic_ptr slot[];
} tallyi_deque_array;

typedef struct tallyi_deque {
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_i64 top;
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_i64 bottom;
	tallyi_atomic_ptr array;
	const tallyi_mem *mem;
} tallyi_deque;

#define TALLYI_DEQUE_STEAL_EMPTY NULL
#define TALLYI_DEQUE_STEAL_ABORT ((void *)1) /* lost a race: try again */

int tallyi_deque_init(tallyi_deque *q, const tallyi_mem *mem, int64_t size);
void tallyi_deque_fini(tallyi_deque *q);

/* Double the array (owner only). Return: TALLY_OK or TALLY_ENOMEM. */
int tallyi_deque_grow(tallyi_deque *q, int64_t t, int64_t b);

/* Push @x at the bottom. Owner only. Return: TALLY_OK or TALLY_ENOMEM. */
TALLY_CC_INLINE int
tallyi_deque_push(tallyi_deque *q, void *x)
{
	int64_t b = tallyi_load_i64(&q->bottom, TALLY_RELAXED);
	int64_t t = tallyi_load_i64(&q->top, TALLY_ACQUIRE);
	tallyi_deque_array *a = tallyi_load_ptr(&q->array, TALLY_RELAXED);

	/* Invariant 2: top never passes bottom while no take runs. */
	TALLY_ASSERT(t <= b);
	if (TALLY_CC_UNLIKELY(b - t > a->size - 1)) {
		int rc = tallyi_deque_grow(q, t, b);

		if (rc != TALLY_OK)
			return rc;
		a = tallyi_load_ptr(&q->array, TALLY_RELAXED);
	}
	/* Invariant 3: slot b is not slot t of a lap a thief may still win. */
	TALLY_ASSERT(b - t < a->size);
	tallyi_store_ptr(&a->slot[b & (a->size - 1)], x, TALLY_RELAXED);
	tallyi_store_i64(&q->bottom, b + 1, TALLY_RELEASE);
	return TALLY_OK;
}

/* Take from the bottom (LIFO). Owner only. Return: an item or NULL. */
TALLY_CC_INLINE void *
tallyi_deque_take(tallyi_deque *q)
{
	int64_t b = tallyi_load_i64(&q->bottom, TALLY_RELAXED) - 1;
	tallyi_deque_array *a = tallyi_load_ptr(&q->array, TALLY_RELAXED);
	int64_t t;
	void *x;

	tallyi_store_i64(&q->bottom, b, TALLY_RELAXED);
	tallyi_fence_seq_cst();
	t = tallyi_load_i64(&q->top, TALLY_RELAXED);
	/* Invariant 2: thieves took at most up to the old bottom. */
	TALLY_ASSERT(t <= b + 1);
	if (t > b) {
		/* empty */
		tallyi_store_i64(&q->bottom, b + 1, TALLY_RELAXED);
		return NULL;
	}
	x = tallyi_load_ptr(&a->slot[b & (a->size - 1)], TALLY_RELAXED);
	if (t == b) {
		/* the last element: race the thieves for it */
		if (!tallyi_cas_i64(&q->top, &t, t + 1, TALLY_SEQ_CST))
			x = NULL;
		tallyi_store_i64(&q->bottom, b + 1, TALLY_RELAXED);
	}
	return x;
}

/*
 * Steal from the top (FIFO). Any thread. Return: an item,
 * TALLYI_DEQUE_STEAL_EMPTY, or TALLYI_DEQUE_STEAL_ABORT when another
 * thread won the race for the top element.
 */
TALLY_CC_INLINE void *
tallyi_deque_steal(tallyi_deque *q)
{
	int64_t t = tallyi_load_i64(&q->top, TALLY_ACQUIRE);
	int64_t b;
	tallyi_deque_array *a;
	void *x;

	tallyi_fence_seq_cst();
	b = tallyi_load_i64(&q->bottom, TALLY_ACQUIRE);
	if (t >= b)
		return TALLYI_DEQUE_STEAL_EMPTY;
	a = tallyi_load_ptr(&q->array, TALLY_ACQUIRE);
	x = tallyi_load_ptr(&a->slot[t & (a->size - 1)], TALLY_RELAXED);
	if (!tallyi_cas_i64(&q->top, &t, t + 1, TALLY_SEQ_CST))
		return TALLYI_DEQUE_STEAL_ABORT;
	return x;
}

/* Elements held; a hint for other threads (may be stale). */
TALLY_CC_INLINE int64_t
tallyi_deque_size_hint(tallyi_deque *q)
{
	int64_t b = tallyi_load_i64(&q->bottom, TALLY_RELAXED);
	int64_t t = tallyi_load_i64(&q->top, TALLY_RELAXED);

	return b > t ? b - t : 0;
}

#endif /* TALLY_ENGINE_DEQUE_H */
