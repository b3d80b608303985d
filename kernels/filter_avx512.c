/*
 * kernels/filter_avx512.c - selection vectors, 16 rows (64 for levels) per
 * step: the predicate as a mask, the row numbers compressed through it
 * (vpcompressd). Bit-identical to filter_scalar.c.
 */
#include <immintrin.h>

#include "kernels/filter_impl.h"
#include "kernels/kernels.h"

/* Store the row numbers base + 0..15 that @m selects; return how many. */
static inline size_t
emit16(uint32_t *sel, uint32_t base, __mmask16 m)
{
	const __m512i step = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
	    10, 11, 12, 13, 14, 15);
	__m512i rows = _mm512_add_epi32(_mm512_set1_epi32((int)base), step);

	_mm512_mask_compressstoreu_epi32(sel, m, rows);
	return (size_t)__builtin_popcount(m);
}

size_t
tallyk_select_level_ge_avx512(const uint8_t *level, size_t n,
    uint8_t threshold, uint32_t *sel)
{
	const __m512i t = _mm512_set1_epi8((char)threshold);
	size_t i = 0, k = 0;

	for (; i + 64 <= n; i += 64) {
		__m512i x = _mm512_loadu_si512((const void *)(level + i));
		__mmask64 m = _mm512_cmpge_epu8_mask(x, t);

		for (int q = 0; q < 4; q++)
			k += emit16(sel + k, (uint32_t)(i + 16 * q),
			    (__mmask16)(m >> (16 * q)));
	}
	return tallyk_level_ge_rows(level, i, n, threshold, sel, k);
}

size_t
tallyk_select_file_in_avx512(const uint32_t *file, size_t n,
    const uint64_t *set, uint32_t nbits, uint32_t *sel)
{
	const __m512i limit = _mm512_set1_epi32((int)nbits);
	const __m512i one = _mm512_set1_epi32(1);
	const int *words = (const int *)set; /* little-endian 32-bit words */
	size_t i = 0, k = 0;

	for (; i + 16 <= n; i += 16) {
		__m512i f = _mm512_loadu_si512((const void *)(file + i));
		__mmask16 in = _mm512_cmplt_epu32_mask(f, limit);
		/* gather the 32-bit word holding each id's bit (in range only) */
		__m512i w = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(),
		    in, _mm512_srli_epi32(f, 5), words, 4);
		__m512i bit = _mm512_and_si512(_mm512_srlv_epi32(w,
		    _mm512_and_si512(f, _mm512_set1_epi32(31))), one);
		__mmask16 m = _mm512_mask_test_epi32_mask(in, bit, bit);

		k += emit16(sel + k, (uint32_t)i, m);
	}
	return tallyk_file_in_rows(file, i, n, set, nbits, sel, k);
}
