/*
 * kernels/filter_scalar.c - filters that produce selection vectors (row
 * numbers, ascending): the reference for the SIMD variants.
 */
#include "kernels/filter_impl.h"
#include "kernels/kernels.h"

size_t
tallyk_select_level_ge_scalar(const uint8_t *level, size_t n,
    uint8_t threshold, uint32_t *sel)
{
	return tallyk_level_ge_rows(level, 0, n, threshold, sel, 0);
}

size_t
tallyk_select_file_in_scalar(const uint32_t *file, size_t n,
    const uint64_t *set, uint32_t nbits, uint32_t *sel)
{
	return tallyk_file_in_rows(file, 0, n, set, nbits, sel, 0);
}
