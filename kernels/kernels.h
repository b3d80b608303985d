/*
 * kernels/kernels.h - bulk kernels over batch columns (internal).
 *
 * Kernels see struct-of-arrays columns of fixed-size integers only, never
 * strings or pointers to records. Each kernel family has one translation
 * unit per ISA (<op>_scalar.c, <op>_avx2.c, <op>_avx512.c), and only that
 * unit is compiled with the ISA's flags; the scalar one is the reference
 * every other variant is tested against. kernels/dispatch.c (baseline
 * flags) picks one table of variants once, from CPUID and XGETBV, or from
 * the TALLY_ISA environment variable (scalar, avx2, avx512).
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
 * @out: n fingerprints; never 0 (part of the definition: 0 stays free
 *       for tables of fingerprints to mark an empty slot; the dedup set
 *       marks its slots with control bytes and does not need it).
 *
 * Equal keys give equal fingerprints; the dedup set confirms every
 * fingerprint match by comparing keys, so a collision costs time, never
 * exactness.
 */
void tallyk_fingerprint_scalar(const tallyk_keycols *c, size_t n,
    uint64_t *out);
#if !defined(TALLY_NO_AVX2)
void tallyk_fingerprint_avx2(const tallyk_keycols *c, size_t n,
    uint64_t *out);
#endif
#if !defined(TALLY_NO_AVX512)
void tallyk_fingerprint_avx512(const tallyk_keycols *c, size_t n,
    uint64_t *out);
#endif

/*
 * tallyk_level_hist_*() - add to @hist[v] the rows of @level equal to v,
 * for v in 0..3 (tally_level values); other values are not counted.
 */
void tallyk_level_hist_scalar(const uint8_t *level, size_t n,
    uint64_t hist[4]);
#if !defined(TALLY_NO_AVX2)
void tallyk_level_hist_avx2(const uint8_t *level, size_t n, uint64_t hist[4]);
#endif
#if !defined(TALLY_NO_AVX512)
void tallyk_level_hist_avx512(const uint8_t *level, size_t n,
    uint64_t hist[4]);
#endif

/*
 * tallyk_count_ids_plain() - counts[id[i]]++ for every row (one array).
 * Scalar only. The variant kept: one with four sub-histograms (no wait on
 * a store when an id repeats) was slower on the engine's corpus-shaped
 * batches and was removed; the figure is in bench/RESULTS.md under
 * "Kernels".
 */
void tallyk_count_ids_plain(const uint32_t *id, size_t n, uint64_t *counts);

/*
 * Filters: write the row numbers (ascending) of the rows that pass into
 * @sel, which has room for @n entries (entries past the returned count may
 * be overwritten); return how many passed.
 *  level_ge: level >= threshold
 *  file_in:  file < nbits and bit `file` of the bitmap @set is set
 */
#define TALLYK_FILTERS(isa)                                                \
	size_t tallyk_select_level_ge_##isa(const uint8_t *level, size_t n, \
	    uint8_t threshold, uint32_t *sel);                             \
	size_t tallyk_select_file_in_##isa(const uint32_t *file, size_t n,  \
	    const uint64_t *set, uint32_t nbits, uint32_t *sel);

TALLYK_FILTERS(scalar)
#if !defined(TALLY_NO_AVX2)
TALLYK_FILTERS(avx2)
#endif
#if !defined(TALLY_NO_AVX512)
TALLYK_FILTERS(avx512)
#endif

/*
 * tallyk_topk_*() - the ids of the @k largest non-zero counts of @count[0..n),
 * best first (larger count, then smaller id), into @ids (room for @k).
 * Return: how many were written (fewer than @k when fewer are non-zero).
 */
size_t tallyk_topk_scalar(const uint64_t *count, size_t n, size_t k,
    uint32_t *ids);
#if !defined(TALLY_NO_AVX2)
size_t tallyk_topk_avx2(const uint64_t *count, size_t n, size_t k,
    uint32_t *ids);
#endif
#if !defined(TALLY_NO_AVX512)
size_t tallyk_topk_avx512(const uint64_t *count, size_t n, size_t k,
    uint32_t *ids);
#endif

/* ---- dispatch (kernels/dispatch.c) ---- */

typedef enum tallyk_isa {
	TALLYK_ISA_SCALAR = 0,
	TALLYK_ISA_AVX2 = 1,   /* AVX2 + OS YMM state */
	TALLYK_ISA_AVX512 = 2, /* AVX-512 F, DQ, BW, VL + OS ZMM state */
	TALLYK_ISA_COUNT
} tallyk_isa;

/* The whole-column loops that are dispatched. */
typedef struct tallyk_table {
	tallyk_isa isa;
	void (*fingerprint)(const tallyk_keycols *c, size_t n, uint64_t *out);
	void (*level_hist)(const uint8_t *level, size_t n, uint64_t hist[4]);
	size_t (*select_level_ge)(const uint8_t *level, size_t n,
	    uint8_t threshold, uint32_t *sel);
	size_t (*select_file_in)(const uint32_t *file, size_t n,
	    const uint64_t *set, uint32_t nbits, uint32_t *sel);
	size_t (*topk)(const uint64_t *count, size_t n, size_t k,
	    uint32_t *ids);
} tallyk_table;

/*
 * The table in use: resolved on first call (TALLY_ISA, else the best the
 * CPU and OS support) and published with an atomic store; later calls are
 * one atomic load. Threads: any.
 */
const tallyk_table *tallyk_kernels(void);

/* Whether this CPU and OS can run @isa (and it was compiled in). */
int tallyk_isa_supported(tallyk_isa isa);

/* The table of @isa regardless of what is active (tests, benches), or NULL
 * when it is not supported here. */
const tallyk_table *tallyk_table_of(tallyk_isa isa);

/* "scalar", "avx2", "avx512". */
const char *tallyk_isa_name(tallyk_isa isa);

/*
 * Make @isa the active table (tests only). Return: 0, or -1 when the CPU
 * lacks it. Threads: call before any other thread uses the kernels.
 */
int tallyk_kernels_force(tallyk_isa isa);

#endif /* TALLY_KERNELS_H */
