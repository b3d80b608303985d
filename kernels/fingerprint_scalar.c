/*
 * kernels/fingerprint_scalar.c - reference fingerprint kernel.
 *
 * The 32-byte key is packed into four 64-bit lanes and mixed the way XXH3
 * mixes a 17..128-byte input: each lane pair is xored with secret words,
 * multiplied 64x64->128 and folded, the folds are summed and avalanched.
 */
#include "kernels/kernels.h"

#define P64_1 UINT64_C(0x9E3779B185EBCA87)
#define S0 UINT64_C(0xbe4ba423396cfeb8)
#define S1 UINT64_C(0x1cad21f72c81017c)
#define S2 UINT64_C(0xdb979083e96dd4de)
#define S3 UINT64_C(0x1f67b3b7a4a44072)

__extension__ typedef unsigned __int128 u128;

static inline uint64_t
mul_fold(uint64_t a, uint64_t b)
{
	u128 p = (u128)a * b;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

static inline uint64_t
avalanche(uint64_t h)
{
	h ^= h >> 37;
	h *= UINT64_C(0x165667919E3779F9);
	h ^= h >> 32;
	return h;
}

void
tallyk_fingerprint_scalar(const tallyk_keycols *c, size_t n, uint64_t *out)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t a = (uint64_t)c->tool[i] | (uint64_t)c->rule[i] << 32;
		uint64_t b = (uint64_t)c->file[i] |
		    (uint64_t)c->message[i] << 32;
		uint64_t d = (uint64_t)c->line[i] |
		    (uint64_t)c->column[i] << 32;
		uint64_t h = 32 * P64_1;

		h += mul_fold(a ^ S0, b ^ S1);
		h += mul_fold(d ^ S2, c->offset[i] ^ S3);
		h = avalanche(h);
		out[i] = h | (h == 0); /* 0 is the empty-slot marker */
	}
}
