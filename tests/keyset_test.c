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
	cr_assert(eq(int, tallyi_keyset_init(&ks, &mem, 0), TALLY_OK));
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
	tallyk_keycols c = { tool, rule, file, msg, line, col, off };
	int fresh = 0;

	for (int i = 0; i < N; i++) {
		line[i] = (uint32_t)(i % 100); /* ten copies of each key */
		off[i] = UINT64_MAX;
	}
	tallyk_fingerprint_scalar(&c, N, fp);
	cr_assert(eq(int, tallyi_keyset_insert_bulk(&ks, &c, fp, N, is_new),
	    0));
	for (int i = 0; i < N; i++) {
		cr_expect(eq(u8, is_new[i], i < 100), "row %d", i);
		fresh += is_new[i];
	}
	cr_expect(eq(int, fresh, 100));
	/* A second call finds them all. */
	cr_assert(eq(int, tallyi_keyset_insert_bulk(&ks, &c, fp, N, is_new),
	    0));
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

/* The SSE2 group match against the SWAR reference, bit for bit. */
Test(keyset, group_match_sse2_equals_swar)
{
	uint64_t s = 0x9E3779B97F4A7C15u;

	for (int r = 0; r < 200000; r++) {
		uint64_t w[2];
		unsigned b;

		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		w[0] = s;
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		w[1] = s;
		b = (unsigned)(s >> 56);
		/* plant b in random bytes, and try the edge patterns too */
		for (int k = 0; k < 16; k++) {
			if ((s >> (k + 8)) & 1)
				w[k >> 3] = (w[k >> 3] & ~(0xffull << 8 * (k & 7))) |
				    (uint64_t)b << 8 * (k & 7);
		}
		if (r % 4 == 1)
			b = TALLYI_CTRL_EMPTY;
		if (r % 4 == 2)
			b = 0;
		cr_assert(eq(u32, tallyi_group_match(w[0], w[1], b),
		    tallyi_group_match_swar(w[0], w[1], b)),
		    "w=%016llx %016llx b=%02x", (unsigned long long)w[0],
		    (unsigned long long)w[1], b);
	}
	/* and by hand: byte i of the group is bit i */
	cr_expect(eq(u32, tallyi_group_match_swar(0xff, 0, 0xff), 1));
	cr_expect(eq(u32, tallyi_group_match_swar(0, 0xffull << 56, 0xff),
	    0x8000));
	cr_expect(eq(u32, tallyi_group_match_swar(0x8080808080808080u,
	    0x0180808080808080u, 0x80), 0x7fff));
}

/* No control state is mistaken for another: a tag never matches a busy
 * pattern, EMPTY or MOVED, whatever the fingerprint. */
Test(keyset, control_states_are_disjoint)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t fp = v * 0x0101010101010101u;
		unsigned tag = tallyi_ctrl_tag(fp), busy = tallyi_ctrl_busy(fp);

		cr_expect(lt(u32, tag, 0x80));
		cr_expect(eq(u32, busy & 0xc0, 0x80), "busy %02x", busy);
		cr_expect(ne(u32, busy, TALLYI_CTRL_EMPTY));
		cr_expect(ne(u32, busy, TALLYI_CTRL_MOVED));
	}
}

/* Growth: capacity grows by 3/2 past 7/8 load, a multiple of 16. */
Test(keyset, grows_past_seven_eighths)
{
	size_t cap0 = tallyi_keyset_capacity(&ks);
	bool new;

	cr_assert(eq(u64, cap0 % TALLYI_GROUP, 0));
	for (uint32_t i = 0; i < cap0 / 8 * 7 - 64; i++) {
		tallyi_key k = { 0, 0, 0, 0, i, 0, 0 };

		cr_assert(eq(int, tallyi_keyset_insert(&ks,
		    tallyi_key_fingerprint(&k), &k, &new), 0));
	}
	cr_expect(eq(u64, tallyi_keyset_capacity(&ks), cap0));
	for (uint32_t i = 0; i < cap0 / 8; i++) {
		tallyi_key k = { 1, 0, 0, 0, i, 0, 0 };

		cr_assert(eq(int, tallyi_keyset_insert(&ks,
		    tallyi_key_fingerprint(&k), &k, &new), 0));
	}
	cr_expect(eq(u64, tallyi_keyset_capacity(&ks), cap0 / 2 * 3));
}

/* An allocator that fails from the Nth call on. */
static int fail_after;

static void *
failing_alloc(void *state, size_t size, size_t align)
{
	if (fail_after-- <= 0)
		return NULL;
	return tallyi_libc_alloc(state, size, align);
}

/*
 * Out of memory when the table must grow: inserts go on until the table
 * is truly full, then fail with ENOMEM; every key that was reported new is
 * still found, none twice, and nothing else was added.
 */
Test(keyset, out_of_memory_loses_nothing)
{
	tallyi_mem fm = { { failing_alloc, tallyi_libc_free, NULL }, 0, false };
	tallyi_keyset fs;
	uint32_t added = 0, i;
	bool new;
	int rc = TALLY_OK;

	fail_after = 1; /* the first table only */
	cr_assert(eq(int, tallyi_keyset_init(&fs, &fm, 0), TALLY_OK));
	for (i = 0; i < 100000 && rc == TALLY_OK; i++) {
		tallyi_key k = { 0, 0, 0, 0, i, 0, 0 };

		rc = tallyi_keyset_insert(&fs, tallyi_key_fingerprint(&k), &k,
		    &new);
		if (rc == TALLY_OK)
		{
			cr_assert(new, "key %u", i);
			added++;
		}
	}
	cr_expect(eq(int, rc, TALLY_ENOMEM));
	/* a full table holds exactly its slots */
	cr_expect(eq(u32, added, (uint32_t)tallyi_keyset_capacity(&fs)));
	cr_expect(eq(u64, tallyi_keyset_count(&fs), added));
	for (uint32_t j = 0; j < added; j++) {
		tallyi_key k = { 0, 0, 0, 0, j, 0, 0 };

		cr_assert(eq(int, tallyi_keyset_insert(&fs,
		    tallyi_key_fingerprint(&k), &k, &new), TALLY_OK));
		cr_assert(not(new), "key %u lost", j);
	}
	tallyi_keyset_fini(&fs);
}

/*
 * A set told how many keys to expect holds them without growing, and
 * still grows past them. The smallest table is what a hint of 0 gives.
 */
Test(keyset, sized_for_expected_keys)
{
	tallyi_keyset hs;
	const uint32_t want = 100000;
	size_t cap;
	bool new;

	cr_assert(eq(int, tallyi_keyset_init(&hs, &mem, want), TALLY_OK));
	cap = tallyi_keyset_capacity(&hs);
	cr_expect(ge(u64, cap / 8 * 7, want), "capacity %zu", cap);
	cr_expect(lt(u64, cap, (uint64_t)want * 8 / 7 + 2 * TALLYI_GROUP),
	    "capacity %zu is more than the hint needs", cap);
	for (uint32_t i = 0; i < want; i++) {
		tallyi_key k = { 2, 0, 0, 0, i, 0, 0 };

		cr_assert(eq(int, tallyi_keyset_insert(&hs,
		    tallyi_key_fingerprint(&k), &k, &new), 0));
		cr_assert(new, "key %u", i);
	}
	cr_expect(eq(u64, tallyi_keyset_capacity(&hs), cap));
	for (uint32_t i = 0; i < want; i++) {
		tallyi_key k = { 2, 0, 0, 0, want + i, 0, 0 };

		cr_assert(eq(int, tallyi_keyset_insert(&hs,
		    tallyi_key_fingerprint(&k), &k, &new), 0));
		cr_assert(new, "key %u", want + i);
	}
	cr_expect(gt(u64, tallyi_keyset_capacity(&hs), cap));
	cr_expect(eq(u64, tallyi_keyset_count(&hs), 2 * (uint64_t)want));
	for (uint32_t i = 0; i < 2 * want; i++) {
		tallyi_key k = { 2, 0, 0, 0, i, 0, 0 };

		cr_assert(eq(int, tallyi_keyset_insert(&hs,
		    tallyi_key_fingerprint(&k), &k, &new), 0));
		cr_assert(not(new), "key %u lost", i);
	}
	tallyi_keyset_fini(&hs);
	cr_assert(eq(int, tallyi_keyset_init(&hs, &mem, 0), TALLY_OK));
	cr_expect(eq(u64, tallyi_keyset_capacity(&hs), tallyi_keyset_capacity(&ks)));
	tallyi_keyset_fini(&hs);
}
