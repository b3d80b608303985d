/*
 * kernels/filter_avx2.c - selection vectors, 8 rows (32 for levels) per
 * step. AVX2 has no compress, so the 8-bit predicate mask indexes a table
 * of lane permutations (entry m lists the set bits of m in order, 4 bits
 * per lane index), the permuted row numbers are stored whole, and the
 * output position advances by the popcount. Bit-identical to
 * filter_scalar.c; the differential test feeds every one of the 256 masks.
 */
#include <immintrin.h>

#include "kernels/filter_impl.h"
#include "kernels/kernels.h"

static const uint32_t pack[256] = {
	0x00000000, 0x00000000, 0x00000001, 0x00000010, 0x00000002, 0x00000020,
	0x00000021, 0x00000210, 0x00000003, 0x00000030, 0x00000031, 0x00000310,
	0x00000032, 0x00000320, 0x00000321, 0x00003210, 0x00000004, 0x00000040,
	0x00000041, 0x00000410, 0x00000042, 0x00000420, 0x00000421, 0x00004210,
	0x00000043, 0x00000430, 0x00000431, 0x00004310, 0x00000432, 0x00004320,
	0x00004321, 0x00043210, 0x00000005, 0x00000050, 0x00000051, 0x00000510,
	0x00000052, 0x00000520, 0x00000521, 0x00005210, 0x00000053, 0x00000530,
	0x00000531, 0x00005310, 0x00000532, 0x00005320, 0x00005321, 0x00053210,
	0x00000054, 0x00000540, 0x00000541, 0x00005410, 0x00000542, 0x00005420,
	0x00005421, 0x00054210, 0x00000543, 0x00005430, 0x00005431, 0x00054310,
	0x00005432, 0x00054320, 0x00054321, 0x00543210, 0x00000006, 0x00000060,
	0x00000061, 0x00000610, 0x00000062, 0x00000620, 0x00000621, 0x00006210,
	0x00000063, 0x00000630, 0x00000631, 0x00006310, 0x00000632, 0x00006320,
	0x00006321, 0x00063210, 0x00000064, 0x00000640, 0x00000641, 0x00006410,
	0x00000642, 0x00006420, 0x00006421, 0x00064210, 0x00000643, 0x00006430,
	0x00006431, 0x00064310, 0x00006432, 0x00064320, 0x00064321, 0x00643210,
	0x00000065, 0x00000650, 0x00000651, 0x00006510, 0x00000652, 0x00006520,
	0x00006521, 0x00065210, 0x00000653, 0x00006530, 0x00006531, 0x00065310,
	0x00006532, 0x00065320, 0x00065321, 0x00653210, 0x00000654, 0x00006540,
	0x00006541, 0x00065410, 0x00006542, 0x00065420, 0x00065421, 0x00654210,
	0x00006543, 0x00065430, 0x00065431, 0x00654310, 0x00065432, 0x00654320,
	0x00654321, 0x06543210, 0x00000007, 0x00000070, 0x00000071, 0x00000710,
	0x00000072, 0x00000720, 0x00000721, 0x00007210, 0x00000073, 0x00000730,
	0x00000731, 0x00007310, 0x00000732, 0x00007320, 0x00007321, 0x00073210,
	0x00000074, 0x00000740, 0x00000741, 0x00007410, 0x00000742, 0x00007420,
	0x00007421, 0x00074210, 0x00000743, 0x00007430, 0x00007431, 0x00074310,
	0x00007432, 0x00074320, 0x00074321, 0x00743210, 0x00000075, 0x00000750,
	0x00000751, 0x00007510, 0x00000752, 0x00007520, 0x00007521, 0x00075210,
	0x00000753, 0x00007530, 0x00007531, 0x00075310, 0x00007532, 0x00075320,
	0x00075321, 0x00753210, 0x00000754, 0x00007540, 0x00007541, 0x00075410,
	0x00007542, 0x00075420, 0x00075421, 0x00754210, 0x00007543, 0x00075430,
	0x00075431, 0x00754310, 0x00075432, 0x00754320, 0x00754321, 0x07543210,
	0x00000076, 0x00000760, 0x00000761, 0x00007610, 0x00000762, 0x00007620,
	0x00007621, 0x00076210, 0x00000763, 0x00007630, 0x00007631, 0x00076310,
	0x00007632, 0x00076320, 0x00076321, 0x00763210, 0x00000764, 0x00007640,
	0x00007641, 0x00076410, 0x00007642, 0x00076420, 0x00076421, 0x00764210,
	0x00007643, 0x00076430, 0x00076431, 0x00764310, 0x00076432, 0x00764320,
	0x00764321, 0x07643210, 0x00000765, 0x00007650, 0x00007651, 0x00076510,
	0x00007652, 0x00076520, 0x00076521, 0x00765210, 0x00007653, 0x00076530,
	0x00076531, 0x00765310, 0x00076532, 0x00765320, 0x00765321, 0x07653210,
	0x00007654, 0x00076540, 0x00076541, 0x00765410, 0x00076542, 0x00765420,
	0x00765421, 0x07654210, 0x00076543, 0x00765430, 0x00765431, 0x07654310,
	0x00765432, 0x07654320, 0x07654321, 0x76543210,
};

/* Store the rows base + 0..7 that @m selects; return how many. */
static inline size_t
emit8(uint32_t *sel, uint32_t base, unsigned m)
{
	const __m256i nib = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
	__m256i perm = _mm256_and_si256(_mm256_srlv_epi32(
	    _mm256_set1_epi32((int)pack[m]), nib), _mm256_set1_epi32(15));
	__m256i rows = _mm256_add_epi32(_mm256_set1_epi32((int)base),
	    _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));

	_mm256_storeu_si256((void *)sel,
	    _mm256_permutevar8x32_epi32(rows, perm));
	return (size_t)__builtin_popcount(m);
}

/* The sign-free unsigned compare a <= b of 32-bit lanes. */
static inline __m256i
le_u32(__m256i a, __m256i b)
{
	return _mm256_cmpeq_epi32(_mm256_min_epu32(a, b), a);
}

size_t
tallyk_select_level_ge_avx2(const uint8_t *level, size_t n,
    uint8_t threshold, uint32_t *sel)
{
	const __m256i t = _mm256_set1_epi8((char)threshold);
	size_t i = 0, k = 0;

	for (; i + 32 <= n; i += 32) {
		__m256i x = _mm256_loadu_si256((const void *)(level + i));
		/* x >= t  <=>  max(x, t) == x, unsigned */
		unsigned m = (unsigned)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(_mm256_max_epu8(x, t), x));

		for (int q = 0; q < 4; q++)
			k += emit8(sel + k, (uint32_t)(i + 8 * q),
			    (m >> (8 * q)) & 0xff);
	}
	return tallyk_level_ge_rows(level, i, n, threshold, sel, k);
}

size_t
tallyk_select_file_in_avx2(const uint32_t *file, size_t n,
    const uint64_t *set, uint32_t nbits, uint32_t *sel)
{
	const __m256i last = _mm256_set1_epi32((int)(nbits - 1));
	const __m256i one = _mm256_set1_epi32(1);
	const int *words = (const int *)set; /* little-endian 32-bit words */
	size_t i = 0, k = 0;

	for (; nbits != 0 && i + 8 <= n; i += 8) {
		__m256i f = _mm256_loadu_si256((const void *)(file + i));
		__m256i in = le_u32(f, last); /* f < nbits */
		__m256i w = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(),
		    words, _mm256_srli_epi32(f, 5), in, 4);
		__m256i bit = _mm256_and_si256(_mm256_srlv_epi32(w,
		    _mm256_and_si256(f, _mm256_set1_epi32(31))), one);
		__m256i hit = _mm256_and_si256(in, _mm256_cmpeq_epi32(bit, one));
		unsigned m = (unsigned)_mm256_movemask_ps(
		    _mm256_castsi256_ps(hit));

		k += emit8(sel + k, (uint32_t)i, m);
	}
	return tallyk_file_in_rows(file, i, n, set, nbits, sel, k);
}
