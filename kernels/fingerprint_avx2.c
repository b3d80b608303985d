/*
 * kernels/fingerprint_avx2.c - XXH64 of 4 rows per step (AVX2). AVX2 has
 * no 64-bit multiply, so a product by a constant k is built from three
 * 32x32->64 multiplies: lo(x)lo(k) + (hi(x)lo(k) + lo(x)hi(k)) << 32, which
 * is the low 64 bits of x * k exactly. Bit-identical to the scalar kernel.
 */
#include <immintrin.h>

#include "kernels/fingerprint_impl.h"
#include "kernels/kernels.h"

typedef struct {
	__m256i lo, hi; /* the constant's 32-bit halves, in every lane */
} k64;

static inline k64
k64_of(uint64_t k)
{
	k64 r = { _mm256_set1_epi64x((long long)(k & 0xffffffffu)),
		_mm256_set1_epi64x((long long)(k >> 32)) };

	return r;
}

static inline __m256i
mul4(__m256i x, k64 k)
{
	__m256i lolo = _mm256_mul_epu32(x, k.lo);
	__m256i hilo = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), k.lo);
	__m256i lohi = _mm256_mul_epu32(x, k.hi);

	return _mm256_add_epi64(lolo,
	    _mm256_slli_epi64(_mm256_add_epi64(hilo, lohi), 32));
}

#define ROTL4(x, r)                                                        \
	_mm256_or_si256(_mm256_slli_epi64((x), (r)),                       \
	    _mm256_srli_epi64((x), 64 - (r)))

static inline __m256i
round4(__m256i acc, __m256i in, k64 p1, k64 p2)
{
	acc = _mm256_add_epi64(acc, mul4(in, p2));
	acc = ROTL4(acc, 31);
	return mul4(acc, p1);
}

static inline __m256i
merge4(__m256i h, __m256i v, k64 p1, k64 p2, __m256i p4)
{
	h = _mm256_xor_si256(h, round4(_mm256_setzero_si256(), v, p1, p2));
	return _mm256_add_epi64(mul4(h, p1), p4);
}

static inline __m256i
pair4(const uint32_t *lo, const uint32_t *hi)
{
	__m256i l = _mm256_cvtepu32_epi64(_mm_loadu_si128((const void *)lo));
	__m256i h = _mm256_cvtepu32_epi64(_mm_loadu_si128((const void *)hi));

	return _mm256_or_si256(l, _mm256_slli_epi64(h, 32));
}

void
tallyk_fingerprint_avx2(const tallyk_keycols *c, size_t n, uint64_t *out)
{
	const k64 p1 = k64_of(TALLYK_P1), p2 = k64_of(TALLYK_P2);
	const k64 p3 = k64_of(TALLYK_P3);
	const __m256i p4 = _mm256_set1_epi64x((long long)TALLYK_P4);
	const __m256i zero = _mm256_setzero_si256();
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		__m256i a = pair4(c->tool + i, c->rule + i);
		__m256i b = pair4(c->file + i, c->message + i);
		__m256i d = pair4(c->line + i, c->column + i);
		__m256i o = _mm256_loadu_si256((const void *)(c->offset + i));
		__m256i v1 = round4(_mm256_set1_epi64x(
		    (long long)(TALLYK_P1 + TALLYK_P2)), a, p1, p2);
		__m256i v2 = round4(_mm256_set1_epi64x((long long)TALLYK_P2),
		    b, p1, p2);
		__m256i v3 = round4(zero, d, p1, p2);
		__m256i v4 = round4(_mm256_set1_epi64x(
		    (long long)(0 - TALLYK_P1)), o, p1, p2);
		__m256i h = _mm256_add_epi64(
		    _mm256_add_epi64(ROTL4(v1, 1), ROTL4(v2, 7)),
		    _mm256_add_epi64(ROTL4(v3, 12), ROTL4(v4, 18)));

		h = merge4(h, v1, p1, p2, p4);
		h = merge4(h, v2, p1, p2, p4);
		h = merge4(h, v3, p1, p2, p4);
		h = merge4(h, v4, p1, p2, p4);
		h = _mm256_add_epi64(h, _mm256_set1_epi64x(32));
		h = _mm256_xor_si256(h, _mm256_srli_epi64(h, 33));
		h = mul4(h, p2);
		h = _mm256_xor_si256(h, _mm256_srli_epi64(h, 29));
		h = mul4(h, p3);
		h = _mm256_xor_si256(h, _mm256_srli_epi64(h, 32));
		/* 0 -> 1: add 1 where h == 0 */
		h = _mm256_sub_epi64(h, _mm256_cmpeq_epi64(h, zero));
		_mm256_storeu_si256((void *)(out + i), h);
	}
	for (; i < n; i++)
		out[i] = tallyk_fingerprint_row(TALLYK_LANES(c, i));
}
