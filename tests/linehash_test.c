/*
 * tests/linehash_test.c - primaryLocationLineHash against the published
 * test vectors (GitHub's values for a C file that tests/data/linehash/a.c
 * copies byte for byte; the SARIF Multitool's rewrite --insert
 * RollingHashPartialFingerprints gives the same) and its definition's
 * edge cases.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 16);

	cr_assert(not(eq(ptr, f, NULL)), "%s", path);
	*n = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

static const char *
fmt(tally_linehash h)
{
	static char buf[32];

	size_t len;

	cr_assert(eq(int, tally_linehash_format(h, buf, sizeof(buf), &len),
	    TALLY_OK));
	cr_assert(eq(sz, len, strlen(buf)));
	return buf;
}

Test(linehash, matches_the_published_vectors)
{
	static const struct { unsigned line; const char *want; } v[] = {
		{ 5, "5840c7e591edef4c:1" }, { 6, "c5a2d99298a1c366:1" },
		{ 7, "de4a6ab6d833cf2f:1" }, { 8, "b1c24bf649dadc52:1" },
		{ 9, "9adb96ef5aaa928a:1" }, { 10, "733c59da42380d61:1" },
		{ 14, "94a985383138940d:1" },
	};
	tally_linehash h[32];
	size_t n, lines;
	char *src = slurp(TALLY_TEST_DATA "/linehash/a.c", &n);

	cr_assert(eq(sz, n, 274));
	cr_assert(eq(int, tally_linehash_compute(src, n, h, 32, &lines, NULL),
	    TALLY_OK));
	/* 14 lines and a final line feed: one more, empty, line */
	cr_expect(eq(sz, lines, 15));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		cr_expect(eq(str, (char *)fmt(h[v[i].line - 1]),
		    (char *)v[i].want), "line %u", v[i].line);
	free(src);
}

/* Blanks do not count, CR and CRLF are LF, equal lines are numbered. */
Test(linehash, blanks_line_ends_and_repeats)
{
	tally_linehash a[8], b[8];
	const char *x = "int a;\nint a;\nint a;\n";
	const char *y = "int  a;\r\n\tint a;\rint a;\n";
	size_t lines;

	cr_assert(eq(int, tally_linehash_compute(x, strlen(x), a, 8, &lines,
	    NULL), TALLY_OK));
	cr_assert(eq(sz, lines, 4));
	cr_assert(eq(int, tally_linehash_compute(y, strlen(y), b, 8, &lines,
	    NULL), TALLY_OK));
	cr_assert(eq(sz, lines, 4));
	for (int i = 0; i < 4; i++) {
		cr_expect(eq(u64, a[i].hash, b[i].hash), "line %d", i + 1);
		cr_expect(eq(u32, a[i].n, b[i].n), "line %d", i + 1);
	}
	/* The three lines differ only in what follows them in the window. */
	cr_expect(ne(u64, a[0].hash, a[1].hash));
	/* 200 lines "ab": every line far enough from the end sees the same
	 * 100 units ahead, so they share a hash and are numbered 1, 2, ... */
	{
		static char rep[600];
		static tally_linehash r[256];

		for (int i = 0; i < 200; i++)
			memcpy(rep + 3 * i, "ab\n", 3);
		cr_assert(eq(int, tally_linehash_compute(rep, 600, r, 256,
		    &lines, NULL), TALLY_OK));
		cr_assert(eq(sz, lines, 201));
		cr_expect(eq(u64, r[0].hash, r[1].hash));
		cr_expect(eq(u32, r[0].n, 1));
		cr_expect(eq(u32, r[1].n, 2));
		cr_expect(eq(u32, r[99].n, 100));
		cr_expect(ne(u64, r[199].hash, r[0].hash));
		cr_expect(eq(u32, r[199].n, 1));
	}
	/* capacity: lines past @cap are counted, not stored */
	cr_expect(eq(int, tally_linehash_compute(x, strlen(x), a, 1, &lines,
	    NULL), TALLY_OK));
	cr_expect(eq(sz, lines, 4));
	cr_expect(eq(int, tally_linehash_format(a[0], (char[4]){ 0 }, 4, NULL),
	    TALLY_ERANGE));
}

/* The working memory comes from the caller's hook, and its failure is
 * reported, not hidden. */
static size_t hook_allocs;
static bool hook_fails;

static void *
hook_alloc(void *state, size_t size, size_t align)
{
	(void)state;
	hook_allocs++;
	return hook_fails ? NULL : aligned_alloc(align, (size + align - 1) /
	    align * align);
}

static void
hook_free(void *state, void *p, size_t size)
{
	(void)state;
	(void)size;
	free(p);
}

Test(linehash, allocates_through_the_hook)
{
	tally_allocator hook = { hook_alloc, hook_free, NULL };
	tally_linehash a[8];
	const char *x = "int a;\nint b;\n";
	size_t lines = 0;

	cr_assert(eq(int, tally_linehash_compute(x, strlen(x), a, 8, &lines,
	    &hook), TALLY_OK));
	cr_expect(eq(sz, lines, 3));
	cr_expect(gt(sz, hook_allocs, 0));
	hook_fails = true;
	cr_expect(eq(int, tally_linehash_compute(x, strlen(x), a, 8, &lines,
	    &hook), TALLY_ENOMEM));
	cr_expect(eq(int, tally_linehash_compute(x, strlen(x), a, 8, NULL,
	    &hook), TALLY_EINVAL));
}
