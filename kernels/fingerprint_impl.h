/*
 * kernels/fingerprint_impl.h - what every fingerprint variant shares
 * (static inline only: each ISA's unit compiles its own copy with its own
 * flags).
 *
 * The fingerprint of a row is built for SIMD: every multiply in the mixing
 * step is 32 x 32 -> 64 bits, one instruction per lane pair on AVX2 and
 * AVX-512 (vpmuludq), and each vector lane computes one row:
 *
 *   p0 = (tool ^ K0) * (rule ^ K1)          p1 = (file ^ K2) * (message ^ K3)
 *   p2 = (line ^ K4) * (column ^ K5)        p3 = (lo(off) ^ K6) * (hi(off) ^ K7)
 *   h  = p0 + rotl(p1, 21) + rotl(p2, 42) + rotl(p3, 63) + (tool | line << 32)
 *   h  = fmix64(h)        (MurmurHash3's finaliser: two 64-bit multiplies)
 *   fingerprint = h, or 1 when h is 0 (0 is reserved, see kernels.h)
 *
 * all modulo 2^64. The last term keeps tool and line even where a product
 * is 0. Not XXH64 of the key bytes: that takes 22 64-bit multiplies a row,
 * 3 uops each on AVX-512 (vpmullq); this runs at about 2x XXH3 on AVX-512
 * (bench/RESULTS.md, Kernels).
 * Quality is shown by tests: every input bit flips every output bit 43-57%
 * of the time, 10^8 structured keys do not collide, and known answers from
 * an independent implementation (tests/fingerprint_kat.py) pin the
 * definition. The fingerprint only places keys and short-cuts compares:
 * duplicates are decided by the whole key, so a collision costs time only.
 */
#ifndef TALLY_KERNELS_FINGERPRINT_IMPL_H
#define TALLY_KERNELS_FINGERPRINT_IMPL_H

#include <stdint.h>

#define TALLYK_K0 0x9E3779B1u
#define TALLYK_K1 0x85EBCA77u
#define TALLYK_K2 0xC2B2AE3Du
#define TALLYK_K3 0x27D4EB2Fu
#define TALLYK_K4 0x165667B1u
#define TALLYK_K5 0xD3A2646Cu
#define TALLYK_K6 0xFD7046C5u
#define TALLYK_K7 0xB55A4F09u
#define TALLYK_M1 UINT64_C(0xff51afd7ed558ccd)
#define TALLYK_M2 UINT64_C(0xc4ceb9fe1a85ec53)

static inline uint64_t
tallyk_rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t
tallyk_fingerprint_row(uint32_t tool, uint32_t rule, uint32_t file,
    uint32_t message, uint32_t line, uint32_t column, uint64_t offset)
{
	uint64_t p0 = (uint64_t)(tool ^ TALLYK_K0) * (rule ^ TALLYK_K1);
	uint64_t p1 = (uint64_t)(file ^ TALLYK_K2) * (message ^ TALLYK_K3);
	uint64_t p2 = (uint64_t)(line ^ TALLYK_K4) * (column ^ TALLYK_K5);
	uint64_t p3 = (uint64_t)((uint32_t)offset ^ TALLYK_K6) *
	    ((uint32_t)(offset >> 32) ^ TALLYK_K7);
	uint64_t h = p0 + tallyk_rotl64(p1, 21) + tallyk_rotl64(p2, 42) +
	    tallyk_rotl64(p3, 63) + ((uint64_t)tool | (uint64_t)line << 32);

	h ^= h >> 33;
	h *= TALLYK_M1;
	h ^= h >> 33;
	h *= TALLYK_M2;
	h ^= h >> 33;
	return h | (h == 0);
}

/* The fields of row @i of @c, in tallyk_fingerprint_row()'s order. */
#define TALLYK_ROW(c, i)                                                   \
	(c)->tool[i], (c)->rule[i], (c)->file[i], (c)->message[i],         \
	    (c)->line[i], (c)->column[i], (c)->offset[i]

#endif /* TALLY_KERNELS_FINGERPRINT_IMPL_H */
