/*
 * kernels/count_avx512.c - level histogram, 64 rows per step: one byte
 * compare into a mask per level value, popcount of the mask (AVX-512BW).
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
