/*
 * kernels/kernels.h - bulk kernels over batch columns (internal).
 *
 * Kernels see struct-of-arrays columns of fixed-size integers only, never
 * strings or pointers to records. Each kernel family has one translation
 * unit per ISA (<op>_scalar.c, <op>_avx2.c, <op>_avx512.c); the scalar one
 * is the reference every other variant is tested against. This version ships
 * the scalar variants; the SIMD variants and the CPUID dispatcher
 * (kernels/dispatch.c) come with the kernels issue.
 */
#ifndef TALLY_KERNELS_H
#define TALLY_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The columns that make up the exact-duplicate key of a violation. Every
 * pointer addresses n elements.
 */
typedef struct tallyk_keycols {
	const uint32_t *tool;
	const uint32_t *rule;
	const uint32_t *file;
	const uint32_t *message;
	const uint32_t *line;
	const uint32_t *column;
	const uint64_t *offset;
} tallyk_keycols;

/*
 * tallyk_fingerprint_*() - 64-bit fingerprint of each row's key.
 * @c:   key columns.
 * @n:   rows.
 * @out: n fingerprints; never 0 (0 marks an empty dedup slot).
 *
 * Equal keys give equal fingerprints; the dedup set confirms every
 * fingerprint match by comparing keys, so a collision costs time, never
 * exactness.
 */
void tallyk_fingerprint_scalar(const tallyk_keycols *c, size_t n,
    uint64_t *out);

#endif /* TALLY_KERNELS_H */
