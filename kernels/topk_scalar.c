/*
 * kernels/topk_scalar.c - top-K over a count array, the reference: every
 * non-zero count is offered to the heap (topk_impl.h).
 */
#include "kernels/kernels.h"
#include "kernels/topk_impl.h"

size_t
tallyk_topk_scalar(const uint64_t *count, size_t n, size_t k, uint32_t *ids)
{
	tallyk_topk h = { ids, count, k, 0 };

	if (k != 0)
		tallyk_topk_offer_rows(&h, 0, n);
	return tallyk_topk_finish(&h);
}
