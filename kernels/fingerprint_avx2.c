/*
 * kernels/fingerprint_avx2.c - the fingerprint of 4 rows per step (AVX2).
 * The mixing products are vpmuludq as on AVX-512; AVX2 has no 64-bit
 * multiply for the finaliser, so x * k is built from three 32x32->64
 * products: lo(x)lo(k) + (hi(x)lo(k) + lo(x)hi(k)) << 32, the low 64 bits
 * of the product exactly. Bit-identical to fingerprint_scalar.c.
 */
#include <immintrin.h>

#include "kernels/fingerprint_impl.h"
#include "kernels/kernels.h"

static inline __m256i
widen4(const uint32_t *p)
{
	return _mm256_cvtepu32_epi64(_mm_loadu_si128((const void *)p));
}

static inline __m256i
prod4(__m256i a, uint32_t ka, __m256i b, uint32_t kb)
{
	return _mm256_mul_epu32(_mm256_xor_si256(a, _mm256_set1_epi64x(ka)),
	    _mm256_xor_si256(b, _mm256_set1_epi64x(kb)));
}

static inline __m256i
mul64(__m256i x, uint64_t k)
{
	const __m256i klo = _mm256_set1_epi64x((long long)(k & 0xffffffffu));
	const __m256i khi = _mm256_set1_epi64x((long long)(k >> 32));
	__m256i lolo = _mm256_mul_epu32(x, klo);
	__m256i hilo = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), klo);
	__m256i lohi = _mm256_mul_epu32(x, khi);

	return _mm256_add_epi64(lolo,
	    _mm256_slli_epi64(_mm256_add_epi64(hilo, lohi), 32));
}

#define ROTL4(x, r)                                                        \
	_mm256_or_si256(_mm256_slli_epi64((x), (r)),                       \
	    _mm256_srli_epi64((x), 64 - (r)))

void
tallyk_fingerprint_avx2(const tallyk_keycols *c, size_t n, uint64_t *out)
{
	const __m256i zero = _mm256_setzero_si256();
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		__m256i t = widen4(c->tool + i), l = widen4(c->line + i);
		__m256i o = _mm256_loadu_si256((const void *)(c->offset + i));
		__m256i p0 = prod4(t, TALLYK_K0, widen4(c->rule + i), TALLYK_K1);
		__m256i p1 = prod4(widen4(c->file + i), TALLYK_K2,
		    widen4(c->message + i), TALLYK_K3);
		__m256i p2 = prod4(l, TALLYK_K4, widen4(c->column + i),
		    TALLYK_K5);
		__m256i p3 = prod4(o, TALLYK_K6, _mm256_srli_epi64(o, 32),
		    TALLYK_K7);
		__m256i h = _mm256_add_epi64(_mm256_add_epi64(p0, ROTL4(p1, 21)),
		    _mm256_add_epi64(ROTL4(p2, 42), ROTL4(p3, 63)));

		h = _mm256_add_epi64(h,
		    _mm256_or_si256(t, _mm256_slli_epi64(l, 32)));
		h = _mm256_xor_si256(h, _mm256_srli_epi64(h, 33));
		h = mul64(h, TALLYK_M1);
		h = _mm256_xor_si256(h, _mm256_srli_epi64(h, 33));
		h = mul64(h, TALLYK_M2);
		h = _mm256_xor_si256(h, _mm256_srli_epi64(h, 33));
		/* 0 -> 1: subtracting the all-ones compare result adds 1 */
		h = _mm256_sub_epi64(h, _mm256_cmpeq_epi64(h, zero));
		_mm256_storeu_si256((void *)(out + i), h);
	}
	for (; i < n; i++)
		out[i] = tallyk_fingerprint_row(TALLYK_ROW(c, i));
}
