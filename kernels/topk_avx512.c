/*
 * kernels/topk_avx512.c - top-K, 8 counts per step: one unsigned compare
 * against the bar (the heap's worst count, or 0 while it fills) leaves a
 * mask of the few counts the heap could take, and only those are offered.
 * Same offers as the scalar loop minus ones it would reject: same result.
 */
#include <immintrin.h>

#include "kernels/kernels.h"
#include "kernels/topk_impl.h"

size_t
tallyk_topk_avx512(const uint64_t *count, size_t n, size_t k, uint32_t *ids)
{
	tallyk_topk h = { ids, count, k, 0 };
	size_t i = 0;

	if (k == 0)
		return 0;
	for (; i + 8 <= n; i += 8) {
		__m512i c = _mm512_loadu_si512((const void *)(count + i));
		__mmask8 m = _mm512_cmpgt_epu64_mask(c,
		    _mm512_set1_epi64((long long)tallyk_topk_bar(&h)));

		tallyk_topk_offer_mask(&h, i, m);
	}
	tallyk_topk_offer_rows(&h, i, n);
	return tallyk_topk_finish(&h);
}
