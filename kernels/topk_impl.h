/*
 * kernels/topk_impl.h - the top-K heap every variant shares (static
 * inline only: each ISA's unit compiles its own copy with its own flags).
 *
 * Order: larger count first, then smaller id. Ids are offered in
 * ascending order, so once the heap holds K entries a new id can only get
 * in with a count strictly greater than the heap's worst: equal counts
 * lose on id. That is what lets a SIMD scan skip every count <= the worst
 * without changing the result: the scalar loop would reject each of them.
 */
#ifndef TALLY_KERNELS_TOPK_IMPL_H
#define TALLY_KERNELS_TOPK_IMPL_H

#include <stddef.h>
#include <stdint.h>

typedef struct tallyk_topk {
	uint32_t *id;         /* heap of ids: worst at [0] */
	const uint64_t *count;
	size_t k, n;          /* capacity, entries */
} tallyk_topk;

/* Whether id a ranks below id b. */
static inline int
tallyk_topk_worse(const tallyk_topk *h, uint32_t a, uint32_t b)
{
	return h->count[a] < h->count[b] ||
	    (h->count[a] == h->count[b] && a > b);
}

static inline void
tallyk_topk_sift_down(tallyk_topk *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		uint32_t t;

		if (l < h->n && tallyk_topk_worse(h, h->id[l], h->id[w]))
			w = l;
		if (r < h->n && tallyk_topk_worse(h, h->id[r], h->id[w]))
			w = r;
		if (w == i)
			return;
		t = h->id[i], h->id[i] = h->id[w], h->id[w] = t;
		i = w;
	}
}

/* Offer id @i (ids come in ascending order; count[i] > 0). */
static inline void
tallyk_topk_offer(tallyk_topk *h, uint32_t i)
{
	if (h->n < h->k) {
		size_t c = h->n++;

		h->id[c] = i;
		while (c > 0) {
			size_t p = (c - 1) / 2;
			uint32_t t;

			if (!tallyk_topk_worse(h, h->id[c], h->id[p]))
				break;
			t = h->id[c], h->id[c] = h->id[p], h->id[p] = t;
			c = p;
		}
	} else if (h->count[i] > h->count[h->id[0]]) {
		h->id[0] = i;
		tallyk_topk_sift_down(h, 0);
	}
}

/* The count a new id must beat once the heap is full (else 0). */
static inline uint64_t
tallyk_topk_bar(const tallyk_topk *h)
{
	return h->n < h->k ? 0 : h->count[h->id[0]];
}

/* Offer the ids base + j for the bits j of @mask that still beat the bar. */
static inline void
tallyk_topk_offer_mask(tallyk_topk *h, size_t base, unsigned mask)
{
	while (mask != 0) {
		unsigned j = (unsigned)__builtin_ctz(mask);

		mask &= mask - 1;
		if (h->count[base + j] > tallyk_topk_bar(h))
			tallyk_topk_offer(h, (uint32_t)(base + j));
	}
}

/* Offer every non-zero count of ids [from, n). */
static inline void
tallyk_topk_offer_rows(tallyk_topk *h, size_t from, size_t n)
{
	for (size_t i = from; i < n; i++)
		if (h->count[i] != 0)
			tallyk_topk_offer(h, (uint32_t)i);
}

/* Sort the heap best first (heapsort in place); return the entries. */
static inline size_t
tallyk_topk_finish(tallyk_topk *h)
{
	size_t n = h->n;

	while (h->n > 1) {
		uint32_t t = h->id[0];

		h->id[0] = h->id[--h->n];
		h->id[h->n] = t;
		tallyk_topk_sift_down(h, 0);
	}
	h->n = n;
	return n;
}

#endif /* TALLY_KERNELS_TOPK_IMPL_H */
