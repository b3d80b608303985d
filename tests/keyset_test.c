/*
 * tests/keyset_test.c - the exact dedup set: fingerprint collisions are
 * resolved by key, bulk inserts keep the first of equal keys, growth keeps
 * every key.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>

#include "engine/keyset.h"

static tallyi_mem mem;
static tallyi_keyset ks;

static void
setup(void)
{
	cr_assert(eq(int, tallyi_mem_init(&mem, NULL), TALLY_OK));
	cr_assert(eq(int, tallyi_keyset_init(&ks, &mem), TALLY_OK));
}

static void
teardown(void)
{
	tallyi_keyset_fini(&ks);
	tallyi_mem_fini(&mem);
}

TestSuite(keyset, .init = setup, .fini = teardown, .timeout = 60);

Test(keyset, equal_fingerprints_different_keys_are_both_kept)
{
	tallyi_key a = { 1, 2, 3, 4, 5, 6, 7 }, b = a;
	bool new;

	b.offset = 8;
	/* Same fingerprint on purpose: only the key comparison tells. (Two
	 * keys never grow the table, so the forged value is never re-derived.) */
	cr_assert(eq(int, tallyi_keyset_insert(&ks, 42, &a, &new), 0));
	cr_expect(new);
	cr_assert(eq(int, tallyi_keyset_insert(&ks, 42, &b, &new), 0));
	cr_expect(new);
	cr_assert(eq(int, tallyi_keyset_insert(&ks, 42, &a, &new), 0));
	cr_expect(not(new));
	cr_assert(eq(int, tallyi_keyset_insert(&ks, 42, &b, &new), 0));
	cr_expect(not(new));
	cr_expect(eq(u64, tallyi_keyset_count(&ks), 2));
}

/* The set re-places keys by their real fingerprint when it grows. */
Test(keyset, growth_keeps_every_key)
{
	bool new;

	for (uint32_t i = 0; i < 200000; i++) {
		tallyi_key k = { i, 0, 0, 0, 0, 0, 0 };
		uint64_t fp = tallyi_key_fingerprint(&k);

		cr_assert(eq(int, tallyi_keyset_insert(&ks, fp, &k, &new), 0));
		cr_assert(new);
	}
	for (uint32_t i = 0; i < 200000; i += 3) {
		tallyi_key k = { i, 0, 0, 0, 0, 0, 0 };
		uint64_t fp = tallyi_key_fingerprint(&k);

		cr_assert(eq(int, tallyi_keyset_insert(&ks, fp, &k, &new), 0));
		cr_assert(not(new), "key %u lost", i);
	}
	cr_expect(eq(u64, tallyi_keyset_count(&ks), 200000));
}

Test(keyset, bulk_marks_the_first_of_equal_keys)
{
	enum { N = 1000 };
	static uint32_t tool[N], rule[N], file[N], msg[N], line[N], col[N];
	static uint64_t off[N], fp[N];
	static uint8_t is_new[N];
	static uint32_t scratch[N];
	tallyk_keycols c = { tool, rule, file, msg, line, col, off };
	int fresh = 0;

	for (int i = 0; i < N; i++) {
		line[i] = (uint32_t)(i % 100); /* ten copies of each key */
		off[i] = UINT64_MAX;
	}
	tallyk_fingerprint_scalar(&c, N, fp);
	cr_assert(eq(int, tallyi_keyset_insert_bulk(&ks, &c, fp, N, is_new,
	    scratch), 0));
	for (int i = 0; i < N; i++) {
		cr_expect(eq(u8, is_new[i], i < 100), "row %d", i);
		fresh += is_new[i];
	}
	cr_expect(eq(int, fresh, 100));
	/* A second call finds them all. */
	cr_assert(eq(int, tallyi_keyset_insert_bulk(&ks, &c, fp, N, is_new,
	    scratch), 0));
	for (int i = 0; i < N; i++)
		cr_expect(eq(u8, is_new[i], 0));
}

Test(keyset, fingerprint_is_never_zero_and_keyed_on_every_field)
{
	uint32_t z[8] = { 0 };
	uint64_t oz[8] = { 0 }, fp[8];
	tallyk_keycols c = { z, z, z, z, z, z, oz };
	uint64_t base;

	tallyk_fingerprint_scalar(&c, 1, fp);
	cr_expect(not(eq(u64, fp[0], 0)));
	base = fp[0];
	/* Changing any one field changes the fingerprint. */
	for (int f = 0; f < 7; f++) {
		uint32_t one[1] = { 1 };
		uint64_t oone[1] = { 1 };
		tallyk_keycols d = c;

		switch (f) {
		case 0: d.tool = one; break;
		case 1: d.rule = one; break;
		case 2: d.file = one; break;
		case 3: d.message = one; break;
		case 4: d.line = one; break;
		case 5: d.column = one; break;
		case 6: d.offset = oone; break;
		}
		tallyk_fingerprint_scalar(&d, 1, fp);
		cr_expect(not(eq(u64, fp[0], base)), "field %d", f);
	}
}
