/*
 * kernels/count_avx2.c - level histogram, 32 rows per step: one byte
 * compare per level value, movemask, popcount; pair ids, 8 rows per step.
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

void
tallyk_pair_ids_avx2(const uint32_t *a, const uint32_t *b, size_t n,
    uint32_t nb, uint32_t *out)
{
	const __m256i k = _mm256_set1_epi32((int)nb);
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m256i x = _mm256_loadu_si256((const void *)(a + i));
		__m256i y = _mm256_loadu_si256((const void *)(b + i));

		_mm256_storeu_si256((void *)(out + i),
		    _mm256_add_epi32(_mm256_mullo_epi32(x, k), y));
	}
	tallyk_pair_ids_scalar(a + i, b + i, n - i, nb, out + i);
}
