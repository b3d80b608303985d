/*
 * tests/kernels_large_test.c - 10^8 distinct keys, no fingerprint collision
 * (label `large`: about 1.6 GB of memory and tens of seconds).
 *
 * The keys are realistic and structured: a mixed-radix count over tool,
 * rule, file, column and line, so neighbouring keys differ in one small
 * field, the case a weak mix gets wrong. With a uniform 64-bit hash the
 * chance of any collision among 10^8 keys is about 2.7e-4, so a collision
 * here points at the mix, not at luck. Fingerprints come from the active
 * kernel (the best ISA here) and are sorted with an LSD radix sort.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>

#include "engine/keyset.h"
#include "kernels/kernels.h"

#define KEYS 100000000u
#define CHUNK 4096u

static void
radix_sort(uint64_t *a, uint64_t *tmp, size_t n)
{
	for (int shift = 0; shift < 64; shift += 16) {
		static size_t count[65536];

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[(a[i] >> shift) & 0xffff]++;
		for (size_t i = 0, sum = 0; i < 65536; i++) {
			size_t c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(a[i] >> shift) & 0xffff]++] = a[i];
		memcpy(a, tmp, n * sizeof(*a));
	}
}

Test(fingerprint, hundred_million_structured_keys_do_not_collide,
    .timeout = 600)
{
	static uint32_t tool[CHUNK], rule[CHUNK], file[CHUNK], msg[CHUNK];
	static uint32_t line[CHUNK], col[CHUNK];
	static uint64_t off[CHUNK];
	tallyk_keycols c = { tool, rule, file, msg, line, col, off };
	uint64_t *fp = malloc((size_t)KEYS * sizeof(*fp));
	uint64_t *tmp = malloc((size_t)KEYS * sizeof(*tmp));
	size_t dup = 0;

	cr_assert(fp != NULL && tmp != NULL);
	for (size_t k0 = 0; k0 < KEYS; k0 += CHUNK) {
		size_t n = KEYS - k0 < CHUNK ? KEYS - k0 : CHUNK;

		for (size_t i = 0; i < n; i++) {
			size_t r = k0 + i;

			tool[i] = (uint32_t)(r % 5), r /= 5;
			rule[i] = (uint32_t)(r % 300), r /= 300;
			file[i] = (uint32_t)(r % 5000), r /= 5000;
			col[i] = (uint32_t)(r % 8), r /= 8;
			line[i] = (uint32_t)r + 1;
			msg[i] = 0;
			off[i] = 0;
		}
		tallyk_kernels()->fingerprint(&c, n, fp + k0);
	}
	radix_sort(fp, tmp, KEYS);
	for (size_t i = 1; i < KEYS; i++)
		dup += fp[i] == fp[i - 1];
	cr_expect(eq(sz, dup, 0), "%zu collisions among %u keys (kernels %s)",
	    dup, KEYS, tallyk_isa_name(tallyk_kernels()->isa));
	free(tmp);
	free(fp);
}
