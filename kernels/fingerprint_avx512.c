/*
 * kernels/fingerprint_avx512.c - XXH64 of 8 rows per step (AVX-512F + DQ
 * for the 64-bit multiply). Bit-identical to fingerprint_scalar.c; the
 * rows left over after the last full step go through the scalar row code.
 */
#include <immintrin.h>

#include "kernels/fingerprint_impl.h"
#include "kernels/kernels.h"

static inline __m512i
round8(__m512i acc, __m512i in, __m512i p1, __m512i p2)
{
	acc = _mm512_add_epi64(acc, _mm512_mullo_epi64(in, p2));
	acc = _mm512_rol_epi64(acc, 31);
	return _mm512_mullo_epi64(acc, p1);
}

static inline __m512i
merge8(__m512i h, __m512i v, __m512i p1, __m512i p2, __m512i p4)
{
	h = _mm512_xor_si512(h, round8(_mm512_setzero_si512(), v, p1, p2));
	return _mm512_add_epi64(_mm512_mullo_epi64(h, p1), p4);
}

/* Two u32 columns to 8 lanes lo | hi << 32. */
static inline __m512i
pair8(const uint32_t *lo, const uint32_t *hi)
{
	__m512i l = _mm512_cvtepu32_epi64(_mm256_loadu_si256((const void *)lo));
	__m512i h = _mm512_cvtepu32_epi64(_mm256_loadu_si256((const void *)hi));

	return _mm512_or_si512(l, _mm512_slli_epi64(h, 32));
}

void
tallyk_fingerprint_avx512(const tallyk_keycols *c, size_t n, uint64_t *out)
{
	const __m512i p1 = _mm512_set1_epi64((long long)TALLYK_P1);
	const __m512i p2 = _mm512_set1_epi64((long long)TALLYK_P2);
	const __m512i p3 = _mm512_set1_epi64((long long)TALLYK_P3);
	const __m512i p4 = _mm512_set1_epi64((long long)TALLYK_P4);
	const __m512i one = _mm512_set1_epi64(1);
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m512i a = pair8(c->tool + i, c->rule + i);
		__m512i b = pair8(c->file + i, c->message + i);
		__m512i d = pair8(c->line + i, c->column + i);
		__m512i o = _mm512_loadu_si512((const void *)(c->offset + i));
		__m512i v1 = round8(_mm512_set1_epi64(
		    (long long)(TALLYK_P1 + TALLYK_P2)), a, p1, p2);
		__m512i v2 = round8(p2, b, p1, p2);
		__m512i v3 = round8(_mm512_setzero_si512(), d, p1, p2);
		__m512i v4 = round8(_mm512_set1_epi64(
		    (long long)(0 - TALLYK_P1)), o, p1, p2);
		__m512i h = _mm512_add_epi64(
		    _mm512_add_epi64(_mm512_rol_epi64(v1, 1),
		    _mm512_rol_epi64(v2, 7)),
		    _mm512_add_epi64(_mm512_rol_epi64(v3, 12),
		    _mm512_rol_epi64(v4, 18)));
		__mmask8 zero;

		h = merge8(h, v1, p1, p2, p4);
		h = merge8(h, v2, p1, p2, p4);
		h = merge8(h, v3, p1, p2, p4);
		h = merge8(h, v4, p1, p2, p4);
		h = _mm512_add_epi64(h, _mm512_set1_epi64(32));
		h = _mm512_xor_si512(h, _mm512_srli_epi64(h, 33));
		h = _mm512_mullo_epi64(h, p2);
		h = _mm512_xor_si512(h, _mm512_srli_epi64(h, 29));
		h = _mm512_mullo_epi64(h, p3);
		h = _mm512_xor_si512(h, _mm512_srli_epi64(h, 32));
		zero = _mm512_cmpeq_epi64_mask(h, _mm512_setzero_si512());
		h = _mm512_mask_mov_epi64(h, zero, one);
		_mm512_storeu_si512((void *)(out + i), h);
	}
	for (; i < n; i++)
		out[i] = tallyk_fingerprint_row(TALLYK_LANES(c, i));
}
