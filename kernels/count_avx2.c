/*
 * kernels/count_avx2.c - level histogram, 32 rows per step: one byte
 * compare per level value, movemask, popcount.
 */
#include <immintrin.h>

#include "kernels/kernels.h"

void
tallyk_level_hist_avx2(const uint8_t *level, size_t n, uint64_t hist[4])
{
	const __m256i v0 = _mm256_setzero_si256(), v1 = _mm256_set1_epi8(1);
	const __m256i v2 = _mm256_set1_epi8(2), v3 = _mm256_set1_epi8(3);
	uint64_t h[4] = { 0, 0, 0, 0 };
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		__m256i x = _mm256_loadu_si256((const void *)(level + i));

		h[0] += (uint64_t)__builtin_popcount((unsigned)
		    _mm256_movemask_epi8(_mm256_cmpeq_epi8(x, v0)));
		h[1] += (uint64_t)__builtin_popcount((unsigned)
		    _mm256_movemask_epi8(_mm256_cmpeq_epi8(x, v1)));
		h[2] += (uint64_t)__builtin_popcount((unsigned)
		    _mm256_movemask_epi8(_mm256_cmpeq_epi8(x, v2)));
		h[3] += (uint64_t)__builtin_popcount((unsigned)
		    _mm256_movemask_epi8(_mm256_cmpeq_epi8(x, v3)));
	}
	for (int v = 0; v < 4; v++)
		hist[v] += h[v];
	tallyk_level_hist_scalar(level + i, n - i, hist);
}
