/*
 * kernels/count_avx512.c - level histogram, 64 rows per step: one byte
 * compare into a mask per level value, popcount of the mask (AVX-512BW);
 * pair ids, 16 rows per step.
 */
#include <immintrin.h>

#include "kernels/kernels.h"

void
tallyk_level_hist_avx512(const uint8_t *level, size_t n, uint64_t hist[4])
{
	const __m512i v1 = _mm512_set1_epi8(1), v2 = _mm512_set1_epi8(2);
	const __m512i v3 = _mm512_set1_epi8(3);
	uint64_t h[4] = { 0, 0, 0, 0 };
	size_t i = 0;

	for (; i + 64 <= n; i += 64) {
		__m512i x = _mm512_loadu_si512((const void *)(level + i));

		h[0] += (uint64_t)__builtin_popcountll(
		    _mm512_cmpeq_epi8_mask(x, _mm512_setzero_si512()));
		h[1] += (uint64_t)__builtin_popcountll(
		    _mm512_cmpeq_epi8_mask(x, v1));
		h[2] += (uint64_t)__builtin_popcountll(
		    _mm512_cmpeq_epi8_mask(x, v2));
		h[3] += (uint64_t)__builtin_popcountll(
		    _mm512_cmpeq_epi8_mask(x, v3));
	}
	for (int v = 0; v < 4; v++)
		hist[v] += h[v];
	tallyk_level_hist_scalar(level + i, n - i, hist);
}

void
tallyk_pair_ids_avx512(const uint32_t *a, const uint32_t *b, size_t n,
    uint32_t nb, uint32_t *out)
{
	const __m512i k = _mm512_set1_epi32((int)nb);
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		__m512i x = _mm512_loadu_si512((const void *)(a + i));
		__m512i y = _mm512_loadu_si512((const void *)(b + i));

		_mm512_storeu_si512((void *)(out + i),
		    _mm512_add_epi32(_mm512_mullo_epi32(x, k), y));
	}
	tallyk_pair_ids_scalar(a + i, b + i, n - i, nb, out + i);
}
