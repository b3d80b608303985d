/*
 * tests/deque_test.c - the Chase-Lev deque and the injection ring, directly.
 *
 * Single-threaded: LIFO take, FIFO steal, growth keeps every element. Under
 * races: an owner pushing and taking while thieves steal, starting from a
 * 2-slot array so that nearly every push grows it under the thieves' feet
 * (the reclamation trap of deque.h); every item is taken exactly once. The
 * ring: producers and consumers move every item exactly once, and a full
 * ring refuses. (ThreadSanitizer coverage of both lives in tests/stress,
 * since Criterion cannot run under TSan on Debian 12.)
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <pthread.h>
#include <stdatomic.h>

#include "engine/deque.h"
#include "engine/ring.h"

static tallyi_mem mem;

static void
setup(void)
{
	cr_assert(eq(int, tallyi_mem_init(&mem, NULL), TALLY_OK));
}

static void
teardown(void)
{
	tallyi_mem_fini(&mem);
}

TestSuite(deque, .init = setup, .fini = teardown, .timeout = 60);

/* Items are small integers dressed as pointers; 0 and 1 are reserved. */
#define ITEM(i) ((void *)(uintptr_t)((i) + 2))
#define INDEX(p) ((uintptr_t)(p) - 2)

Test(deque, take_is_lifo_steal_is_fifo_and_growth_keeps_all)
{
	tallyi_deque q;

	cr_assert(eq(int, tallyi_deque_init(&q, &mem, 2), TALLY_OK));
	cr_assert(eq(ptr, tallyi_deque_take(&q), NULL));
	cr_assert(eq(ptr, tallyi_deque_steal(&q), TALLYI_DEQUE_STEAL_EMPTY));
	for (int i = 0; i < 100; i++) /* grows 2 -> 128 */
		cr_assert(eq(int, tallyi_deque_push(&q, ITEM(i)), TALLY_OK));
	cr_assert(eq(i64, tallyi_deque_size_hint(&q), 100));
	for (int i = 0; i < 10; i++)
		cr_assert(eq(ptr, tallyi_deque_steal(&q), ITEM(i)));
	for (int i = 99; i >= 10; i--)
		cr_assert(eq(ptr, tallyi_deque_take(&q), ITEM(i)));
	cr_assert(eq(ptr, tallyi_deque_take(&q), NULL));
	cr_assert(eq(ptr, tallyi_deque_steal(&q), TALLYI_DEQUE_STEAL_EMPTY));
	/* Reusable after running empty, across the wrap of the array. */
	for (int round = 0; round < 1000; round++) {
		cr_assert(eq(int, tallyi_deque_push(&q, ITEM(round)), TALLY_OK));
		cr_assert(eq(ptr, round & 1 ? tallyi_deque_take(&q) :
		    tallyi_deque_steal(&q), ITEM(round)));
	}
	tallyi_deque_fini(&q);
}

#define N_ITEMS 400000
#define THIEVES 3

static tallyi_deque race_q;
static _Atomic unsigned char seen[N_ITEMS];
static atomic_bool owner_done;
static _Atomic unsigned long taken;

static void
take_item(void *p)
{
	uintptr_t i = INDEX(p);

	cr_assert(i < N_ITEMS, "garbage item %zu", (size_t)i);
	cr_assert(eq(u8, atomic_fetch_add(&seen[i], 1), 0),
	    "item %zu taken twice", (size_t)i);
	atomic_fetch_add(&taken, 1);
}

static void *
thief(void *arg)
{
	(void)arg;
	while (!atomic_load(&owner_done) || tallyi_deque_size_hint(&race_q)) {
		void *p = tallyi_deque_steal(&race_q);

		if (p != TALLYI_DEQUE_STEAL_EMPTY &&
		    p != TALLYI_DEQUE_STEAL_ABORT)
			take_item(p);
	}
	return NULL;
}

Test(deque, every_item_is_taken_once_while_growing_under_thieves)
{
	pthread_t th[THIEVES];
	unsigned long x = 88172645463325252ul;

	cr_assert(eq(int, tallyi_deque_init(&race_q, &mem, 2), TALLY_OK));
	for (int i = 0; i < THIEVES; i++)
		pthread_create(&th[i], NULL, thief, NULL);
	for (unsigned i = 0; i < N_ITEMS; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		cr_assert(eq(int, tallyi_deque_push(&race_q, ITEM(i)),
		    TALLY_OK));
		/* Take about one in three: the deque grows and shrinks. */
		if (x % 3 == 0) {
			void *p = tallyi_deque_take(&race_q);

			if (p != NULL)
				take_item(p);
		}
	}
	for (void *p; (p = tallyi_deque_take(&race_q)) != NULL;)
		take_item(p);
	atomic_store(&owner_done, true);
	for (int i = 0; i < THIEVES; i++)
		pthread_join(th[i], NULL);
	cr_assert(eq(u64, atomic_load(&taken), N_ITEMS));
	tallyi_deque_fini(&race_q);
}

/* ---- the ring ---- */

Test(deque, ring_is_fifo_and_refuses_when_full)
{
	tallyi_ring r;

	cr_assert(eq(int, tallyi_ring_init(&r, &mem, 8), TALLY_OK));
	cr_assert(eq(ptr, tallyi_ring_dequeue_mc(&r), NULL));
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i++)
			cr_assert(tallyi_ring_enqueue_mp(&r, ITEM(i)));
		cr_assert(not(tallyi_ring_enqueue_mp(&r, ITEM(8))));
		for (int i = 0; i < 8; i++)
			cr_assert(eq(ptr, tallyi_ring_dequeue_mc(&r), ITEM(i)));
		cr_assert(eq(ptr, tallyi_ring_dequeue_mc(&r), NULL));
	}
	tallyi_ring_fini(&r, &mem);
}

#define RING_PRODUCERS 3
#define RING_PER_PRODUCER 100000

static tallyi_ring race_r;
static _Atomic unsigned producers_left;

static void *
ring_producer(void *arg)
{
	uintptr_t base = (uintptr_t)arg * RING_PER_PRODUCER;

	for (uintptr_t i = 0; i < RING_PER_PRODUCER; i++)
		while (!tallyi_ring_enqueue_mp(&race_r, ITEM(base + i)))
			sched_yield();
	atomic_fetch_sub(&producers_left, 1);
	return NULL;
}

static void *
ring_consumer(void *arg)
{
	(void)arg;
	for (;;) {
		void *p = tallyi_ring_dequeue_mc(&race_r);

		if (p != NULL) {
			take_item(p);
			continue;
		}
		if (atomic_load(&producers_left) == 0 &&
		    (p = tallyi_ring_dequeue_mc(&race_r)) == NULL)
			return NULL;
		if (p != NULL)
			take_item(p);
	}
}

Test(deque, ring_moves_every_item_once_between_threads)
{
	pthread_t p[RING_PRODUCERS], c[2];

	for (size_t i = 0; i < RING_PRODUCERS * RING_PER_PRODUCER; i++)
		atomic_store(&seen[i], 0);
	atomic_store(&taken, 0);
	atomic_store(&producers_left, RING_PRODUCERS);
	cr_assert(eq(int, tallyi_ring_init(&race_r, &mem, 64), TALLY_OK));
	for (uintptr_t i = 0; i < 2; i++)
		pthread_create(&c[i], NULL, ring_consumer, NULL);
	for (uintptr_t i = 0; i < RING_PRODUCERS; i++)
		pthread_create(&p[i], NULL, ring_producer, (void *)i);
	for (int i = 0; i < RING_PRODUCERS; i++)
		pthread_join(p[i], NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(c[i], NULL);
	cr_assert(eq(u64, atomic_load(&taken),
	    RING_PRODUCERS * RING_PER_PRODUCER));
	tallyi_ring_fini(&race_r, &mem);
}
