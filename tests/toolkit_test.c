/*
 * tests/toolkit_test.c - the shared toolkit: growable arrays, the id map,
 * the JSON string writer, checked size arithmetic.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/idmap.h"
#include "engine/toolkit.h"
#include "engine/vec.h"

static const tallyi_mem mem = TALLYI_MEM_LIBC;

/* A broken growth or probe loops rather than fails: bound each test. */
TestSuite(size, .timeout = 30);
TestSuite(vec, .timeout = 30);
TestSuite(idmap, .timeout = 30);
TestSuite(json, .timeout = 30);

/* ---- checked size arithmetic ---- */

Test(size, mul_and_add_refuse_overflow)
{
	size_t r = 7;

	cr_assert(tallyi_size_mul(3, 5, &r));
	cr_assert(eq(sz, r, 15));
	cr_assert(tallyi_size_mul(SIZE_MAX, 1, &r));
	cr_assert(eq(sz, r, SIZE_MAX));
	cr_assert(not(tallyi_size_mul(SIZE_MAX / 2 + 1, 2, &r)));
	cr_assert(not(tallyi_size_mul((size_t)1 << 40, (size_t)1 << 40, &r)));
	cr_assert(tallyi_size_add(SIZE_MAX - 1, 1, &r));
	cr_assert(eq(sz, r, SIZE_MAX));
	cr_assert(not(tallyi_size_add(SIZE_MAX, 1, &r)));
}

/* ---- growth ---- */

Test(vec, grow_cap_doubles_and_refuses_overflow)
{
	size_t c = 0;

	cr_assert(tallyi_grow_cap(0, 1, 16, 8, &c));
	cr_assert(eq(sz, c, 16));
	cr_assert(tallyi_grow_cap(16, 17, 16, 8, &c));
	cr_assert(eq(sz, c, 32));
	cr_assert(tallyi_grow_cap(16, 1000, 16, 8, &c));
	cr_assert(eq(sz, c, 1024));
	cr_assert(tallyi_grow_cap(0, 5000, 4096, 1, &c));
	cr_assert(eq(sz, c, 8192));
	/* the count fits, its size in bytes does not */
	cr_assert(not(tallyi_grow_cap(16, SIZE_MAX / 8, 16, 16, &c)));
	/* doubling past SIZE_MAX */
	cr_assert(not(tallyi_grow_cap(3, SIZE_MAX, 3, 1, &c)));
}

Test(vec, push_keeps_elements_in_order_across_growth)
{
	tallyi_vec v = { 0 };

	for (uint64_t i = 0; i < 100000; i++) {
		uint64_t *p = tallyi_vec_push(&mem, &v, sizeof(uint64_t));

		cr_assert_not_null(p);
		*p = i * 3;
	}
	cr_assert(eq(sz, v.n, 100000));
	cr_assert(ge(sz, v.cap, v.n));
	cr_assert(eq(sz, v.cap & (v.cap - 1), 0)); /* 16 doubled */
	for (uint64_t i = 0; i < v.n; i++)
		cr_assert(eq(u64, ((uint64_t *)v.p)[i], i * 3));
	tallyi_vec_free(&mem, &v, sizeof(uint64_t));
	cr_assert_null(v.p);
	cr_assert(eq(sz, v.n, 0));
	cr_assert(eq(sz, v.cap, 0));
}

Test(vec, reserve_grows_once_and_keeps_contents)
{
	tallyi_vec v = { 0 };
	void *before;

	cr_assert(eq(int, tallyi_vec_reserve(&mem, &v, 10, 4), TALLY_OK));
	cr_assert(eq(sz, v.cap, TALLYI_VEC_MIN));
	cr_assert(eq(sz, v.n, 0));
	memcpy(v.p, "abcdefgh", 8);
	v.n = 2;
	before = v.p;
	/* within the capacity: nothing moves */
	cr_assert(eq(int, tallyi_vec_reserve(&mem, &v, 16, 4), TALLY_OK));
	cr_assert(eq(ptr, v.p, before));
	cr_assert(eq(int, tallyi_vec_reserve(&mem, &v, 1000, 4), TALLY_OK));
	cr_assert(eq(sz, v.cap, 1024));
	cr_assert(eq(sz, v.n, 2));
	cr_assert(eq(int, memcmp(v.p, "abcdefgh", 8), 0));
	tallyi_vec_free(&mem, &v, 4);
}

Test(vec, reserve_refuses_overflow_and_keeps_the_array)
{
	tallyi_vec v = { 0 };

	cr_assert_not_null(tallyi_vec_push(&mem, &v, 64));
	cr_assert(eq(int, tallyi_vec_reserve(&mem, &v, SIZE_MAX / 32, 64),
	    TALLY_ENOMEM));
	cr_assert(eq(int, tallyi_vec_reserve(&mem, &v, SIZE_MAX, 1),
	    TALLY_ENOMEM));
	cr_assert_not_null(v.p);
	cr_assert(eq(sz, v.cap, TALLYI_VEC_MIN));
	cr_assert(eq(sz, v.n, 1));
	tallyi_vec_free(&mem, &v, 64);
}

/* An allocator whose state is the number of blocks it still grants. */
static void *
rationed_alloc(void *state, size_t size, size_t align)
{
	return (*(int *)state)-- > 0 ? tallyi_libc_alloc(NULL, size, align) :
	    NULL;
}

Test(vec, failed_growth_leaves_the_array_as_it_was)
{
	int left = 1; /* the first block only */
	const tallyi_mem fm = { { rationed_alloc, tallyi_libc_free, &left },
		0, false };
	tallyi_vec v = { 0 };

	for (int i = 0; i < TALLYI_VEC_MIN; i++)
		*(int *)tallyi_vec_push(&fm, &v, sizeof(int)) = i;
	cr_assert_null(tallyi_vec_push(&fm, &v, sizeof(int)));
	cr_assert(eq(sz, v.n, TALLYI_VEC_MIN));
	cr_assert(eq(sz, v.cap, TALLYI_VEC_MIN));
	for (int i = 0; i < TALLYI_VEC_MIN; i++)
		cr_assert(eq(int, ((int *)v.p)[i], i));
	tallyi_vec_free(&fm, &v, sizeof(int));
}

Test(vec, grow_a_typed_array)
{
	size_t cap = 0;
	uint32_t *a = tallyi_grow(&mem, NULL, &cap, 3, 256, sizeof(*a));

	cr_assert_not_null(a);
	cr_assert(eq(sz, cap, 256));
	a[255] = 42;
	cr_assert(eq(ptr, tallyi_grow(&mem, a, &cap, 200, 256, sizeof(*a)),
	    a));
	a = tallyi_grow(&mem, a, &cap, 257, 256, sizeof(*a));
	cr_assert_not_null(a);
	cr_assert(eq(sz, cap, 512));
	cr_assert(eq(u32, a[255], 42));
	cr_assert_null(tallyi_grow(&mem, a, &cap, SIZE_MAX, 256, sizeof(*a)));
	cr_assert(eq(sz, cap, 512));
	tallyi_free(&mem, a, cap * sizeof(*a));
}

/* ---- the id map ---- */

Test(idmap, empty_map_finds_nothing)
{
	tallyi_idmap m = { 0 };
	size_t pos = 0;
	uint32_t idx;

	cr_assert(eq(i64, tallyi_idmap_get(&m, 0), -1));
	cr_assert(eq(i64, tallyi_idmap_get(&m, 12345), -1));
	cr_assert(not(tallyi_idmap_next(&m, 7, &pos, &idx)));
	tallyi_idmap_clear(&m);
	tallyi_idmap_free(&mem, &m);
}

Test(idmap, put_inserts_once_and_returns_the_first_index)
{
	tallyi_idmap m = { 0 };
	uint32_t out = 99;

	cr_assert(eq(int, tallyi_idmap_put(&mem, &m, 5, 0, &out), TALLY_OK));
	cr_assert(eq(u32, out, 0));
	cr_assert(eq(int, tallyi_idmap_put(&mem, &m, 9, 1, &out), TALLY_OK));
	cr_assert(eq(u32, out, 1));
	/* a duplicate keeps the existing index */
	cr_assert(eq(int, tallyi_idmap_put(&mem, &m, 5, 2, &out), TALLY_OK));
	cr_assert(eq(u32, out, 0));
	cr_assert(eq(sz, m.n, 2));
	cr_assert(eq(i64, tallyi_idmap_get(&m, 5), 0));
	cr_assert(eq(i64, tallyi_idmap_get(&m, 9), 1));
	cr_assert(eq(i64, tallyi_idmap_get(&m, 6), -1));
	/* key 0 and the largest key and index are ordinary */
	cr_assert(eq(int, tallyi_idmap_put(&mem, &m, 0, 3, &out), TALLY_OK));
	cr_assert(eq(int, tallyi_idmap_put(&mem, &m, UINT32_MAX,
	    TALLYI_IDMAP_MAX_INDEX, &out), TALLY_OK));
	cr_assert(eq(i64, tallyi_idmap_get(&m, 0), 3));
	cr_assert(eq(i64, tallyi_idmap_get(&m, UINT32_MAX),
	    TALLYI_IDMAP_MAX_INDEX));
	cr_assert(eq(int, tallyi_idmap_put(&mem, &m, 1, UINT32_MAX, &out),
	    TALLY_ERANGE));
	tallyi_idmap_free(&mem, &m);
	cr_assert_null(m.slot);
}

/*
 * Dense keys (interned ids) and spread ones (hash halves), all distinct:
 * a multiply by an odd number is a bijection modulo 2^31.
 */
static uint32_t
key_of(uint32_t i)
{
	return i % 2 ? 0x80000000u | ((i * 2654435761u) & 0x7fffffffu) : i;
}

Test(idmap, grows_past_many_entries)
{
	tallyi_idmap m = { 0 };
	const uint32_t n = 200000;
	uint32_t out;

	for (uint32_t i = 0; i < n; i++) {
		cr_assert(eq(int, tallyi_idmap_put(&mem, &m, key_of(i), i,
		    &out), TALLY_OK));
		cr_assert(eq(u32, out, i));
	}
	cr_assert(eq(sz, m.n, n));
	cr_assert(le(sz, m.n * 2, m.cap)); /* at most half full */
	for (uint32_t i = 0; i < n; i++)
		cr_assert(eq(i64, tallyi_idmap_get(&m, key_of(i)), i), "%u", i);
	tallyi_idmap_free(&mem, &m);
}

Test(idmap, clear_keeps_the_slots_for_reuse)
{
	tallyi_idmap m = { 0 };
	uint64_t *slots;
	size_t cap;
	uint32_t out;

	for (uint32_t i = 0; i < 1000; i++)
		cr_assert(eq(int, tallyi_idmap_put(&mem, &m, i, i, &out),
		    TALLY_OK));
	slots = m.slot;
	cap = m.cap;
	tallyi_idmap_clear(&m);
	cr_assert(eq(sz, m.n, 0));
	cr_assert(eq(ptr, m.slot, slots));
	cr_assert(eq(sz, m.cap, cap));
	for (uint32_t i = 0; i < 1000; i++)
		cr_assert(eq(i64, tallyi_idmap_get(&m, i), -1));
	/* reused: new indexes, not the old ones */
	cr_assert(eq(int, tallyi_idmap_put(&mem, &m, 7, 70, &out), TALLY_OK));
	cr_assert(eq(u32, out, 70));
	cr_assert(eq(i64, tallyi_idmap_get(&m, 7), 70));
	cr_assert(eq(ptr, m.slot, slots));
	tallyi_idmap_free(&mem, &m);
}

Test(idmap, add_and_next_walk_every_index_of_a_key)
{
	tallyi_idmap m = { 0 };
	uint32_t idx, seen = 0;
	bool found[300] = { false };
	size_t pos = 0;

	/* many under one key, interleaved with others, across growth */
	for (uint32_t i = 0; i < 300; i++) {
		cr_assert(eq(int, tallyi_idmap_add(&mem, &m, 42, i), TALLY_OK));
		cr_assert(eq(int, tallyi_idmap_add(&mem, &m, 1000 + i, i),
		    TALLY_OK));
	}
	/* each once, in no promised order (growth rehashes) */
	while (tallyi_idmap_next(&m, 42, &pos, &idx)) {
		cr_assert(lt(u32, idx, 300));
		cr_assert(not(found[idx]), "index %u twice", idx);
		found[idx] = true;
		seen++;
	}
	cr_assert(eq(u32, seen, 300));
	cr_assert(eq(i64, tallyi_idmap_get(&m, 1299), 299));
	tallyi_idmap_free(&mem, &m);
}

/* ---- JSON strings ---- */

typedef struct sink {
	char buf[4096];
	size_t n;
	unsigned calls;
} sink;

static void
sink_put(void *ctx, const char *p, size_t n)
{
	sink *s = ctx;

	cr_assert(le(sz, s->n + n, sizeof(s->buf)));
	memcpy(s->buf + s->n, p, n);
	s->n += n;
	s->calls++;
}

/* @in (@n bytes) written as JSON must be exactly @want. */
static void
expect_json(const char *in, size_t n, const char *want)
{
	sink s = { .n = 0 };
	char got[sizeof(s.buf) + 1];

	tallyi_json_str(sink_put, &s, in, n);
	memcpy(got, s.buf, s.n);
	got[s.n] = '\0';
	cr_assert(eq(str, got, (char *)want), "input of %zu bytes", n);
	cr_assert(eq(sz, s.n, strlen(want))); /* no raw NUL slipped out */
}

Test(json, plain_text_is_quoted_as_is)
{
	expect_json("", 0, "\"\"");
	expect_json("abc", 3, "\"abc\"");
	/* '/' is not escaped, nor DEL, nor UTF-8 */
	expect_json("a/b\x7f", 4, "\"a/b\x7f\"");
	expect_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* bytes that are not UTF-8 are not the writer's business */
	expect_json("\xff\xfe", 2, "\"\xff\xfe\"");
}

Test(json, quotes_and_backslashes)
{
	expect_json("\"", 1, "\"\\\"\"");
	expect_json("\\", 1, "\"\\\\\"");
	expect_json("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	/* past the 8-byte fast scan, and at its edges */
	expect_json("0123456\"", 8, "\"0123456\\\"\"");
	expect_json("01234567\\", 9, "\"01234567\\\\\"");
	expect_json("0123456789abcdef\"x", 18,
	    "\"0123456789abcdef\\\"x\"");
}

Test(json, every_control_character)
{
	static const char *const want[0x20] = {
		"\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004",
		"\\u0005", "\\u0006", "\\u0007", "\\b", "\\t", "\\n",
		"\\u000b", "\\f", "\\r", "\\u000e", "\\u000f", "\\u0010",
		"\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015",
		"\\u0016", "\\u0017", "\\u0018", "\\u0019", "\\u001a",
		"\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
	};

	for (unsigned c = 0; c < 0x20; c++) {
		char in[12], exp[32];

		/* alone, and after 8 plain bytes (the fast scan's path) */
		in[0] = (char)c;
		snprintf(exp, sizeof(exp), "\"%s\"", want[c]);
		expect_json(in, 1, exp);
		memcpy(in, "abcdefgh", 8);
		in[8] = (char)c;
		in[9] = 'z';
		snprintf(exp, sizeof(exp), "\"abcdefgh%sz\"", want[c]);
		expect_json(in, 10, exp);
	}
	/* just above the controls: as is */
	expect_json(" ", 1, "\" \"");
}

Test(json, embedded_nul_does_not_end_the_string)
{
	expect_json("a\0b", 3, "\"a\\u0000b\"");
	expect_json("\0\0", 2, "\"\\u0000\\u0000\"");
}

Test(json, writes_to_a_file)
{
	char buf[64] = { 0 };
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	cr_assert_not_null(f);
	tallyi_json_str(tallyi_put_file, f, "x\ty\"", 4);
	fclose(f);
	cr_assert(eq(str, buf, "\"x\\ty\\\"\""));
}
