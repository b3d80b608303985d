/*
 * kernels/topk_avx2.c - top-K, 4 counts per step, as topk_avx512.c. AVX2
 * compares 64-bit lanes signed only, so both sides get their sign bit
 * flipped, which turns the signed compare into an unsigned one.
 */
#include <immintrin.h>

#include "kernels/kernels.h"
#include "kernels/topk_impl.h"

size_t
tallyk_topk_avx2(const uint64_t *count, size_t n, size_t k, uint32_t *ids)
{
	const __m256i flip = _mm256_set1_epi64x((long long)(1ull << 63));
	tallyk_topk h = { ids, count, k, 0 };
	size_t i = 0;

	if (k == 0)
		return 0;
	for (; i + 4 <= n; i += 4) {
		__m256i c = _mm256_xor_si256(flip,
		    _mm256_loadu_si256((const void *)(count + i)));
		__m256i bar = _mm256_xor_si256(flip,
		    _mm256_set1_epi64x((long long)tallyk_topk_bar(&h)));
		unsigned m = (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(
		    _mm256_cmpgt_epi64(c, bar)));

		tallyk_topk_offer_mask(&h, i, m);
	}
	tallyk_topk_offer_rows(&h, i, n);
	return tallyk_topk_finish(&h);
}
