/*
 * kernels/fingerprint_impl.h - what every fingerprint variant shares
 * (static inline only: STYLE.md rule 14).
 *
 * The fingerprint of a row is XXH64 (seed 0) of its 32-byte key read as
 * four little-endian 64-bit lanes: tool | rule << 32, file | message << 32,
 * line | column << 32, offset - exactly the bytes of a tallyi_key. So the
 * tests can check the scalar kernel against libxxhash's XXH64 itself, and
 * every SIMD variant against the scalar one. XXH64 uses only 64-bit
 * multiplies by constants, rotates, adds and xors, which vectorise across
 * rows: each SIMD lane computes one row.
 */
#ifndef TALLY_KERNELS_FINGERPRINT_IMPL_H
#define TALLY_KERNELS_FINGERPRINT_IMPL_H

#include <stdint.h>

#define TALLYK_P1 UINT64_C(0x9E3779B185EBCA87)
#define TALLYK_P2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define TALLYK_P3 UINT64_C(0x165667B19E3779F9)
#define TALLYK_P4 UINT64_C(0x85EBCA77C2B2AE63)

static inline uint64_t
tallyk_rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t
tallyk_xxh64_round(uint64_t acc, uint64_t in)
{
	acc += in * TALLYK_P2;
	acc = tallyk_rotl64(acc, 31);
	return acc * TALLYK_P1;
}

static inline uint64_t
tallyk_xxh64_merge(uint64_t h, uint64_t v)
{
	h ^= tallyk_xxh64_round(0, v);
	return h * TALLYK_P1 + TALLYK_P4;
}

/* XXH64 of 32 bytes given as four lanes, seed 0; 0 maps to 1. */
static inline uint64_t
tallyk_fingerprint_row(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	uint64_t v1 = tallyk_xxh64_round(TALLYK_P1 + TALLYK_P2, a);
	uint64_t v2 = tallyk_xxh64_round(TALLYK_P2, b);
	uint64_t v3 = tallyk_xxh64_round(0, c);
	uint64_t v4 = tallyk_xxh64_round(0 - TALLYK_P1, d);
	uint64_t h = tallyk_rotl64(v1, 1) + tallyk_rotl64(v2, 7) +
	    tallyk_rotl64(v3, 12) + tallyk_rotl64(v4, 18);

	h = tallyk_xxh64_merge(h, v1);
	h = tallyk_xxh64_merge(h, v2);
	h = tallyk_xxh64_merge(h, v3);
	h = tallyk_xxh64_merge(h, v4);
	h += 32;
	h ^= h >> 33;
	h *= TALLYK_P2;
	h ^= h >> 29;
	h *= TALLYK_P3;
	h ^= h >> 32;
	return h | (h == 0); /* 0 is reserved: see kernels.h */
}

/* The lanes of row @i of @c. */
#define TALLYK_LANES(c, i)                                                 \
	((uint64_t)(c)->tool[i] | (uint64_t)(c)->rule[i] << 32),           \
	((uint64_t)(c)->file[i] | (uint64_t)(c)->message[i] << 32),        \
	((uint64_t)(c)->line[i] | (uint64_t)(c)->column[i] << 32),         \
	(c)->offset[i]

#endif /* TALLY_KERNELS_FINGERPRINT_IMPL_H */
