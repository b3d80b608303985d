/*
 * kernels/fingerprint_avx512.c - the fingerprint of 8 rows per step
 * (AVX-512F, DQ for the finaliser's 64-bit multiply). Each u32 column is
 * widened into 64-bit lanes, where vpmuludq multiplies the low halves.
 * Bit-identical to fingerprint_scalar.c; leftover rows take the row code.
 */
#include <immintrin.h>

#include "kernels/fingerprint_impl.h"
#include "kernels/kernels.h"

static inline __m512i
widen8(const uint32_t *p)
{
	return _mm512_cvtepu32_epi64(_mm256_loadu_si256((const void *)p));
}

/* (a ^ ka) * (b ^ kb) on the low 32 bits of each lane */
static inline __m512i
prod8(__m512i a, uint32_t ka, __m512i b, uint32_t kb)
{
	return _mm512_mul_epu32(_mm512_xor_si512(a, _mm512_set1_epi64(ka)),
	    _mm512_xor_si512(b, _mm512_set1_epi64(kb)));
}

static inline __m512i
fmix8(__m512i h)
{
	h = _mm512_xor_si512(h, _mm512_srli_epi64(h, 33));
	h = _mm512_mullo_epi64(h, _mm512_set1_epi64((long long)TALLYK_M1));
	h = _mm512_xor_si512(h, _mm512_srli_epi64(h, 33));
	h = _mm512_mullo_epi64(h, _mm512_set1_epi64((long long)TALLYK_M2));
	return _mm512_xor_si512(h, _mm512_srli_epi64(h, 33));
}

void
tallyk_fingerprint_avx512(const tallyk_keycols *c, size_t n, uint64_t *out)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m512i t = widen8(c->tool + i), l = widen8(c->line + i);
		__m512i o = _mm512_loadu_si512((const void *)(c->offset + i));
		__m512i p0 = prod8(t, TALLYK_K0, widen8(c->rule + i), TALLYK_K1);
		__m512i p1 = prod8(widen8(c->file + i), TALLYK_K2,
		    widen8(c->message + i), TALLYK_K3);
		__m512i p2 = prod8(l, TALLYK_K4, widen8(c->column + i),
		    TALLYK_K5);
		__m512i p3 = prod8(o, TALLYK_K6, _mm512_srli_epi64(o, 32),
		    TALLYK_K7);
		__m512i h = _mm512_add_epi64(
		    _mm512_add_epi64(p0, _mm512_rol_epi64(p1, 21)),
		    _mm512_add_epi64(_mm512_rol_epi64(p2, 42),
		    _mm512_rol_epi64(p3, 63)));
		__mmask8 zero;

		h = _mm512_add_epi64(h,
		    _mm512_or_si512(t, _mm512_slli_epi64(l, 32)));
		h = fmix8(h);
		zero = _mm512_cmpeq_epi64_mask(h, _mm512_setzero_si512());
		h = _mm512_mask_mov_epi64(h, zero, _mm512_set1_epi64(1));
		_mm512_storeu_si512((void *)(out + i), h);
	}
	for (; i < n; i++)
		out[i] = tallyk_fingerprint_row(TALLYK_ROW(c, i));
}
