/*
 * engine/deque.c - the deque's slow paths: set-up, growth, teardown.
 * The algorithm and its invariants are described in deque.h.
 */
#include "engine/deque.h"

static tallyi_deque_array *
array_new(const tallyi_mem *mem, int64_t size)
{
	tallyi_deque_array *a = tallyi_alloc(mem,
	    sizeof(*a) + (size_t)size * sizeof(a->slot[0]));

	if (a == NULL)
		return NULL;
	a->retired = NULL;
	a->size = size;
	for (int64_t i = 0; i < size; i++)
		tallyi_store_ptr(&a->slot[i], NULL, TALLY_RELAXED);
	return a;
}

int
tallyi_deque_init(tallyi_deque *q, const tallyi_mem *mem, int64_t size)
{
	tallyi_deque_array *a = array_new(mem, size);

	q->mem = mem;
	tallyi_store_i64(&q->top, 0, TALLY_RELAXED);
	tallyi_store_i64(&q->bottom, 0, TALLY_RELAXED);
	tallyi_store_ptr(&q->array, a, TALLY_RELAXED);
	return a != NULL ? TALLY_OK : TALLY_ENOMEM;
}

void
tallyi_deque_fini(tallyi_deque *q)
{
	tallyi_deque_array *a = tallyi_load_ptr(&q->array, TALLY_RELAXED);

	while (a != NULL) {
		tallyi_deque_array *older = a->retired;

		tallyi_free(q->mem, a,
		    sizeof(*a) + (size_t)a->size * sizeof(a->slot[0]));
		a = older;
	}
	tallyi_store_ptr(&q->array, NULL, TALLY_RELAXED);
}

/*
 * Copy the live range [t, b) into an array twice the size and publish it
 * (release: a thief that loads it sees the copies). The old array goes on
 * the new one's retired list, never freed before fini (deque.h).
 */
int
tallyi_deque_grow(tallyi_deque *q, int64_t t, int64_t b)
{
	tallyi_deque_array *old = tallyi_load_ptr(&q->array, TALLY_RELAXED);
	tallyi_deque_array *a;

	/* Invariant 3: push grows when full, before it could wrap. */
	TALLY_ASSERT(b - t <= old->size);
	if ((a = array_new(q->mem, old->size * 2)) == NULL)
		return TALLY_ENOMEM;
	for (int64_t i = t; i < b; i++)
		tallyi_store_ptr(&a->slot[i & (a->size - 1)],
		    tallyi_load_ptr(&old->slot[i & (old->size - 1)],
		    TALLY_RELAXED), TALLY_RELAXED);
	a->retired = old;
	tallyi_store_ptr(&q->array, a, TALLY_RELEASE);
	return TALLY_OK;
}
