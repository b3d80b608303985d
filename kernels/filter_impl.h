/*
 * kernels/filter_impl.h - the filters' row-at-a-time loops (static inline
 * only: a copy per ISA unit), shared by the scalar kernels and the SIMD
 * kernels' tails. Each loop handles rows [from, n) and appends to sel[k]:
 * the row number is stored unconditionally and the position advances by
 * the predicate, so a mix of passing and failing rows costs no branch
 * mispredictions.
 */
#ifndef TALLY_KERNELS_FILTER_IMPL_H
#define TALLY_KERNELS_FILTER_IMPL_H

#include <stddef.h>
#include <stdint.h>

static inline size_t
tallyk_level_ge_rows(const uint8_t *level, size_t from, size_t n,
    uint8_t threshold, uint32_t *sel, size_t k)
{
	for (size_t i = from; i < n; i++) {
		sel[k] = (uint32_t)i;
		k += level[i] >= threshold;
	}
	return k;
}

static inline size_t
tallyk_file_in_rows(const uint32_t *file, size_t from, size_t n,
    const uint64_t *set, uint32_t nbits, uint32_t *sel, size_t k)
{
	for (size_t i = from; i < n; i++) {
		uint32_t f = file[i];

		sel[k] = (uint32_t)i;
		k += f < nbits && (set[f >> 6] >> (f & 63) & 1);
	}
	return k;
}

#endif /* TALLY_KERNELS_FILTER_IMPL_H */
