/*
 * tests/kernels_test.c - the kernels and their dispatcher.
 *
 * The scalar fingerprint is checked against known answers computed by a
 * separate implementation of its definition (tests/fingerprint_kat.py);
 * every SIMD variant is checked bit for bit against the scalar one (the
 * reference) on edge and random inputs, and skipped, not failed, where the
 * CPU lacks it. Quality: flipping any one input bit flips each output bit with
 * probability close to 1/2.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "engine/keyset.h"
#include "kernels/kernels.h"

/* The ISAs a parameterised test runs over; unsupported ones are skipped. */
static tallyk_isa simd_isas[] = { TALLYK_ISA_AVX2, TALLYK_ISA_AVX512 };
static tallyk_isa all_isas[] = { TALLYK_ISA_SCALAR, TALLYK_ISA_AVX2,
	TALLYK_ISA_AVX512 };

/* Columns of up to N rows, plus room to start at an unaligned offset. */
#define N 4099

static struct {
	uint32_t tool[N + 8], rule[N + 8], file[N + 8], message[N + 8];
	uint32_t line[N + 8], column[N + 8];
	uint64_t offset[N + 8];
} cols;
static uint64_t want[N + 8], got[N + 8];

static tallyk_keycols
view(size_t start)
{
	return (tallyk_keycols){ cols.tool + start, cols.rule + start,
		cols.file + start, cols.message + start, cols.line + start,
		cols.column + start, cols.offset + start };
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Fill every column: kind 0 random, 1 all zero, 2 all max, 3 all equal,
 * 4 small distinct (like real ids). */
static void
fill(int kind, uint64_t seed)
{
	uint64_t s = seed | 1;

	for (size_t i = 0; i < N + 8; i++) {
		uint64_t r = rnd(&s);

		switch (kind) {
		case 0:
			cols.tool[i] = (uint32_t)r, cols.rule[i] = (uint32_t)(r >> 32);
			r = rnd(&s);
			cols.file[i] = (uint32_t)r, cols.message[i] = (uint32_t)(r >> 32);
			r = rnd(&s);
			cols.line[i] = (uint32_t)r, cols.column[i] = (uint32_t)(r >> 32);
			cols.offset[i] = rnd(&s);
			break;
		case 1:
		case 2:
		case 3: {
			uint32_t v = kind == 1 ? 0 : kind == 2 ? UINT32_MAX :
			    INT32_MAX;

			cols.tool[i] = cols.rule[i] = cols.file[i] = v;
			cols.message[i] = cols.line[i] = cols.column[i] = v;
			cols.offset[i] = kind == 2 ? UINT64_MAX : v;
			break;
		}
		default:
			cols.tool[i] = (uint32_t)(i % 5);
			cols.rule[i] = (uint32_t)(i % 300);
			cols.file[i] = (uint32_t)(i / 7);
			cols.message[i] = (uint32_t)(i % 13);
			cols.line[i] = (uint32_t)i + 1;
			cols.column[i] = (uint32_t)(i % 80);
			cols.offset[i] = i % 3 ? 0 : i * 17;
			break;
		}
	}
}

/*
 * Known answers from tests/fingerprint_kat.py, an implementation of the
 * definition in fingerprint_impl.h written separately (Python integers).
 */
Test(fingerprint, scalar_matches_the_known_answers)
{
	FILE *f = fopen(TALLY_TEST_DATA "/fingerprint_kat.txt", "r");
	unsigned long long v[8];
	size_t rows = 0;

	cr_assert(not(eq(ptr, f, NULL)), "no fingerprint_kat.txt");
	while (fscanf(f, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		tallyi_key k = { (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2],
			(uint32_t)v[3], (uint32_t)v[4], (uint32_t)v[5], v[6] };
		tallyk_keycols c = { &k.tool, &k.rule, &k.file, &k.message,
			&k.line, &k.column, &k.offset };
		uint64_t h;

		tallyk_fingerprint_scalar(&c, 1, &h);
		cr_assert(eq(u64, h, v[7]), "known answer %zu", rows);
		cr_assert(eq(u64, tallyi_key_fingerprint(&k), v[7]));
		rows++;
	}
	fclose(f);
	cr_assert(eq(sz, rows, 256));
}

/* ---- every ISA against scalar ---- */

ParameterizedTestParameters(fingerprint, simd_is_bit_identical_to_scalar)
{
	return cr_make_param_array(tallyk_isa, simd_isas, 2);
}

ParameterizedTest(tallyk_isa *isa, fingerprint, simd_is_bit_identical_to_scalar)
{
	const tallyk_table *t = tallyk_table_of(*isa);

	if (t == NULL)
		cr_skip_test("%s: not supported by this CPU or build",
		    tallyk_isa_name(*isa));
	for (int kind = 0; kind < 5; kind++) {
		fill(kind, 0x9e37 * (kind + 1));
		/* Lengths 0 .. 2 x 8 + 1 and odd ones, at unaligned starts,
		 * then long runs; the row past the end must stay untouched. */
		for (size_t start = 0; start < 4; start++) {
			static const size_t lens[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9,
				15, 16, 17, 31, 33, 63, 64, 65, 1000, 4095 };

			for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]);
			    li++) {
				size_t n = lens[li];
				tallyk_keycols c = view(start);

				tallyk_fingerprint_scalar(&c, n, want);
				memset(got, 0xee, sizeof(got));
				t->fingerprint(&c, n, got);
				for (size_t i = 0; i < n; i++)
					cr_assert(eq(u64, got[i], want[i]),
					    "%s kind %d start %zu n %zu row "
					    "%zu", tallyk_isa_name(*isa), kind,
					    start, n, i);
				cr_assert(eq(u64, got[n], 0xeeeeeeeeeeeeeeeeull),
				    "wrote past the end");
			}
		}
	}
}

/* ---- quality ---- */

Test(fingerprint, one_bit_flips_each_output_bit_half_the_time)
{
	enum { KEYS = 2000 };
	static uint32_t flips[256][64];
	uint64_t s = 0xabcdef;

	memset(flips, 0, sizeof(flips));
	for (int k = 0; k < KEYS; k++) {
		tallyi_key key = { (uint32_t)(rnd(&s) % 5),
			(uint32_t)(rnd(&s) % 300), (uint32_t)(rnd(&s) % 5000),
			(uint32_t)(rnd(&s) % 100), (uint32_t)(rnd(&s) % 4000),
			(uint32_t)(rnd(&s) % 80), rnd(&s) % 3 ? 0 : rnd(&s) };
		uint64_t base = tallyi_key_fingerprint(&key);

		for (int bit = 0; bit < 256; bit++) {
			tallyi_key x = key;
			uint64_t d;

			((unsigned char *)&x)[bit / 8] ^= (unsigned char)(1u << (bit % 8));
			d = base ^ tallyi_key_fingerprint(&x);
			for (int o = 0; o < 64; o++)
				flips[bit][o] += (d >> o) & 1;
		}
	}
	/* Each of 256 x 64 cells is Binomial(2000, 1/2): sd 22.4; 6 sd
	 * either side (43% .. 57%) fails by chance with p < 1e-4 overall. */
	for (int bit = 0; bit < 256; bit++)
		for (int o = 0; o < 64; o++)
			cr_assert(flips[bit][o] > 866 && flips[bit][o] < 1134,
			    "input bit %d flips output bit %d in %u of %d keys",
			    bit, o, flips[bit][o], KEYS);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Distinct structured keys (mixed-radix: every key differs, most in one
 * small field) give distinct fingerprints. 2^22 here; the `large` tier
 * (kernels_large_test) runs 10^8.
 */
Test(fingerprint, four_million_structured_keys_do_not_collide)
{
	size_t n = 1u << 22;
	uint64_t *fp = malloc(n * sizeof(*fp));

	cr_assert(not(eq(ptr, fp, NULL)));
	for (size_t k = 0; k < n; k++) {
		size_t r = k;
		tallyi_key key = { 0, 0, 0, 0, 0, 0, 0 };

		key.tool = (uint32_t)(r % 5), r /= 5;
		key.rule = (uint32_t)(r % 300), r /= 300;
		key.column = (uint32_t)(r % 7), r /= 7;
		key.line = (uint32_t)r + 1;
		fp[k] = tallyi_key_fingerprint(&key);
	}
	qsort(fp, n, sizeof(*fp), cmp_u64);
	for (size_t i = 1; i < n; i++)
		cr_assert(not(eq(u64, fp[i], fp[i - 1])), "collision at %zu", i);
	free(fp);
}

/* ---- counting ---- */

static uint8_t levels[4096 + 64];

ParameterizedTestParameters(count, level_hist_matches_a_plain_count)
{
	return cr_make_param_array(tallyk_isa, all_isas, 3);
}

ParameterizedTest(tallyk_isa *isa, count, level_hist_matches_a_plain_count)
{
	const tallyk_table *t = tallyk_table_of(*isa);
	uint64_t s = 0x5eed;

	if (t == NULL)
		cr_skip_test("%s: not supported by this CPU or build",
		    tallyk_isa_name(*isa));
	/* kind 0: random 0..3; 1: with values that are not levels (4, 255);
	 * 2: all equal; 3: all 0. */
	for (int kind = 0; kind < 4; kind++) {
		for (size_t i = 0; i < sizeof(levels); i++) {
			uint64_t r = rnd(&s);

			levels[i] = kind == 0 ? (uint8_t)(r & 3) :
			    kind == 1 ? (uint8_t)(r % 7 == 0 ? 255 : r % 5) :
			    kind == 2 ? 3 : 0;
		}
		for (size_t start = 0; start < 3; start++) {
			for (size_t n = 0; n <= 4096; n = n < 130 ? n + 1 : n * 2) {
				uint64_t want_h[4] = { 0 }, got_h[4] = { 7, 7, 7, 7 };

				for (size_t i = 0; i < n; i++)
					if (levels[start + i] < 4)
						want_h[levels[start + i]]++;
				t->level_hist(levels + start, n, got_h);
				for (int v = 0; v < 4; v++)
					cr_assert(eq(u64, got_h[v], want_h[v] + 7),
					    "%s kind %d start %zu n %zu level %d",
					    tallyk_isa_name(*isa), kind, start,
					    n, v);
			}
		}
	}
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Against runs of equal ids in a sorted copy; counts add, not overwrite. */
Test(count, count_ids_adds_each_row_to_its_id)
{
	static uint32_t id[100003], sorted[100003];
	static uint64_t got_c[65536];
	static const uint32_t bins[] = { 1, 2, 1000, 65536 };
	static const size_t lens[] = { 0, 1, 3, 4, 5, 7, 8, 9, 1000, 100003 };
	uint64_t s = 0xc0ffee;

	for (size_t b = 0; b < 4; b++) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			for (int equal = 0; equal < 2; equal++) {
				size_t n = lens[l], i = 0;

				for (size_t r = 0; r < n; r++)
					id[r] = equal ? bins[b] - 1 :
					    (uint32_t)(rnd(&s) % bins[b]);
				for (uint32_t k = 0; k < bins[b]; k++)
					got_c[k] = k;
				tallyk_count_ids_plain(id, n, got_c);
				memcpy(sorted, id, n * sizeof(id[0]));
				qsort(sorted, n, sizeof(sorted[0]), u32_cmp);
				for (uint32_t k = 0; k < bins[b]; k++) {
					uint64_t c = k;

					for (; i < n && sorted[i] == k; i++)
						c++;
					cr_assert(eq(u64, got_c[k], c),
					    "bins %u n %zu id %u", bins[b], n, k);
				}
			}
		}
	}
}

/* ---- filters ---- */

#define FN 2100 /* rows: covers every 8-row mask (256 x 8) and a tail */

static uint8_t flevel[FN + 8];
static uint32_t ffile[FN + 8];
static uint32_t want_sel[FN + 8], got_sel[FN + 8];
static uint64_t fset[4]; /* 256-bit file set */

/* kind 0: random; 1: every 8-row block b has predicate mask b % 256;
 * 2: all pass; 3: none pass; 4: extreme values. */
static void
filter_fill(int kind, uint64_t seed)
{
	uint64_t s = seed | 1;

	for (int w = 0; w < 4; w++)
		fset[w] = rnd(&s);
	for (size_t i = 0; i < FN + 8; i++) {
		uint64_t r = rnd(&s);
		int on = (int)(((i / 8) >> (i % 8)) & 1);

		switch (kind) {
		case 0:
			flevel[i] = (uint8_t)(r & 3);
			ffile[i] = (uint32_t)(r >> 40) % 300;
			break;
		case 1: /* passes iff on, for threshold 2 and set {7} */
			flevel[i] = on ? 3 : 1;
			ffile[i] = on ? 7 : 8;
			break;
		case 2:
			flevel[i] = 3, ffile[i] = 7;
			break;
		case 3:
			flevel[i] = 0, ffile[i] = 255;
			break;
		default:
			flevel[i] = r & 1 ? 255 : 0;
			ffile[i] = r & 4 ? UINT32_MAX : 0;
			break;
		}
	}
	if (kind >= 1 && kind <= 3) {
		fset[0] = (uint64_t)1 << 7;
		fset[1] = fset[2] = fset[3] = 0;
	}
}

static void
same_selection(const char *what, tallyk_isa isa, int kind, size_t start,
    size_t n, size_t want_n, size_t got_n)
{
	cr_assert(eq(sz, got_n, want_n), "%s %s kind %d start %zu n %zu",
	    what, tallyk_isa_name(isa), kind, start, n);
	for (size_t i = 0; i < want_n; i++)
		cr_assert(eq(u32, got_sel[i], want_sel[i]),
		    "%s %s kind %d start %zu n %zu entry %zu", what,
		    tallyk_isa_name(isa), kind, start, n, i);
}

ParameterizedTestParameters(filter, simd_selections_equal_scalar)
{
	return cr_make_param_array(tallyk_isa, simd_isas, 2);
}

ParameterizedTest(tallyk_isa *isa, filter, simd_selections_equal_scalar)
{
	const tallyk_table *t = tallyk_table_of(*isa);
	static const size_t lens[] = { 0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33,
		63, 64, 65, 129, 2048, FN };

	if (t == NULL)
		cr_skip_test("%s: not supported by this CPU or build",
		    tallyk_isa_name(*isa));
	for (int kind = 0; kind < 5; kind++) {
		filter_fill(kind, 0xf17 + kind);
		for (size_t start = 0; start < 3; start++) {
			for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]);
			    li++) {
				size_t n = lens[li], wn, gn;

				if (start + n > FN + 8)
					continue;
				for (unsigned th = 0; th < 5; th += 2) {
					wn = tallyk_select_level_ge_scalar(
					    flevel + start, n, (uint8_t)th,
					    want_sel);
					gn = t->select_level_ge(flevel + start, n,
					    (uint8_t)th, got_sel);
					same_selection("level_ge", *isa, kind,
					    start, n, wn, gn);
				}
				for (uint32_t nbits = 0; nbits <= 256;
				    nbits += 128) {
					wn = tallyk_select_file_in_scalar(
					    ffile + start, n, fset, nbits,
					    want_sel);
					gn = t->select_file_in(ffile + start, n,
					    fset, nbits, got_sel);
					same_selection("file_in", *isa, kind,
					    start, n, wn, gn);
				}
			}
		}
	}
}

Test(filter, scalar_selections_follow_the_definitions)
{
	size_t k, w;

	filter_fill(0, 99);
	/* An independent reading of each predicate, row by row. */
	k = tallyk_select_level_ge_scalar(flevel, FN, 2, got_sel);
	w = 0;
	for (size_t i = 0; i < FN; i++)
		if (flevel[i] >= 2)
			cr_assert(eq(u32, got_sel[w++], (uint32_t)i));
	cr_assert(eq(sz, k, w));
	k = tallyk_select_file_in_scalar(ffile, FN, fset, 200, got_sel);
	w = 0;
	for (size_t i = 0; i < FN; i++)
		if (ffile[i] < 200 && (fset[ffile[i] / 64] >> (ffile[i] % 64)) & 1)
			cr_assert(eq(u32, got_sel[w++], (uint32_t)i));
	cr_assert(eq(sz, k, w));
}

/* ---- top-K ---- */

#define TN 5000

static uint64_t tcount[TN];
static uint32_t tref[TN], tgot[TN + 8];

static int
rank_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (tcount[x] != tcount[y])
		return tcount[x] > tcount[y] ? -1 : 1;
	return (x > y) - (x < y);
}

/* The reference: sort every non-zero id by (count desc, id asc). */
static size_t
topk_by_sorting(size_t n, size_t k, uint32_t *out)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (tcount[i] != 0)
			tref[m++] = (uint32_t)i;
	qsort(tref, m, sizeof(*tref), rank_cmp);
	m = m < k ? m : k;
	memcpy(out, tref, m * sizeof(*out));
	return m;
}

ParameterizedTestParameters(topk, every_isa_matches_a_full_sort)
{
	return cr_make_param_array(tallyk_isa, all_isas, 3);
}

ParameterizedTest(tallyk_isa *isa, topk, every_isa_matches_a_full_sort)
{
	const tallyk_table *t = tallyk_table_of(*isa);
	static uint32_t want_ids[TN];
	static const size_t lens[] = { 0, 1, 3, 4, 5, 7, 8, 9, 17, 40, 1000,
		TN };
	static const size_t ks[] = { 0, 1, 2, 5, 10, 100, TN + 5 };
	uint64_t s = 0x70c;

	if (t == NULL)
		cr_skip_test("%s: not supported by this CPU or build",
		    tallyk_isa_name(*isa));
	/* 0: small counts, many ties; 1: wide random; 2: all equal;
	 * 3: mostly zero; 4: near UINT64_MAX (the sign bit); 5: ascending. */
	for (int kind = 0; kind < 6; kind++) {
		for (size_t i = 0; i < TN; i++) {
			uint64_t r = rnd(&s);

			tcount[i] = kind == 0 ? r % 7 : kind == 1 ? r >> 1 :
			    kind == 2 ? 42 : kind == 3 ? (r % 50 == 0 ? r % 9 : 0) :
			    kind == 4 ? UINT64_MAX - r % 5 : i;
		}
		for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
			for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]);
			    ki++) {
				size_t n = lens[li], k = ks[ki];
				size_t wn = topk_by_sorting(n, k, want_ids);
				size_t gn = t->topk(tcount, n, k, tgot);

				cr_assert(eq(sz, gn, wn), "%s kind %d n %zu k %zu",
				    tallyk_isa_name(*isa), kind, n, k);
				for (size_t i = 0; i < wn; i++)
					cr_assert(eq(u32, tgot[i], want_ids[i]),
					    "%s kind %d n %zu k %zu rank %zu",
					    tallyk_isa_name(*isa), kind, n, k,
					    i);
			}
		}
	}
}

/* ---- dispatch ---- */

Test(dispatch, names_and_support_are_consistent)
{
	cr_assert(eq(int, tallyk_isa_supported(TALLYK_ISA_SCALAR), 1));
	cr_assert(eq(str, (char *)tallyk_isa_name(TALLYK_ISA_SCALAR), "scalar"));
	cr_assert(eq(str, (char *)tallyk_isa_name(TALLYK_ISA_AVX2), "avx2"));
	cr_assert(eq(str, (char *)tallyk_isa_name(TALLYK_ISA_AVX512), "avx512"));
	/* AVX-512 implies AVX2 in this dispatcher. */
	if (tallyk_isa_supported(TALLYK_ISA_AVX512))
		cr_assert(eq(int, tallyk_isa_supported(TALLYK_ISA_AVX2), 1));
	cr_assert(eq(int, tallyk_isa_supported(TALLYK_ISA_COUNT), 0));
	/* The active table is a supported one. */
	cr_assert(eq(int, tallyk_isa_supported(tallyk_kernels()->isa), 1));
}

Test(dispatch, force_switches_the_active_table)
{
	cr_assert(eq(int, tallyk_kernels_force(TALLYK_ISA_SCALAR), 0));
	cr_assert(eq(int, tallyk_kernels()->isa, TALLYK_ISA_SCALAR));
	if (tallyk_isa_supported(TALLYK_ISA_AVX2)) {
		cr_assert(eq(int, tallyk_kernels_force(TALLYK_ISA_AVX2), 0));
		cr_assert(eq(int, tallyk_kernels()->isa, TALLYK_ISA_AVX2));
	}
	cr_assert(eq(int, tallyk_kernels_force(TALLYK_ISA_COUNT), -1));
}

Test(dispatch, tally_isa_env_picks_the_variant)
{
	/* Each Criterion test runs in its own process, so the table is not
	 * resolved yet here: TALLY_ISA decides it. */
	setenv("TALLY_ISA", "scalar", 1);
	cr_assert(eq(int, tallyk_kernels()->isa, TALLYK_ISA_SCALAR));
}
