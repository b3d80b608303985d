/*
 * tests/engine_test.c - the engine API: lifecycle, strings, batches, flush,
 * snapshots and queries, allocator injection and out-of-memory behaviour.
 *
 * Expected counts come from a reference computed inside the test by a
 * different method (sorting the submitted keys), never from the engine.
 */
#include <stddef.h>
#include <time.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"
#include "test_util.h"

static tally_engine *e;

static void
setup(void)
{
	tally_config cfg = TALLY_CONFIG_INIT;

	cfg.workers = 2;
	cfg.batch_capacity = 64;
	cr_assert(eq(int, tally_engine_create(&e, &cfg), TALLY_OK));
}

static void
teardown(void)
{
	tally_engine_destroy(e);
	e = NULL;
}

TestSuite(engine, .init = setup, .fini = teardown, .timeout = 60);

static uint32_t
intern(tally_strkind k, const char *s)
{
	uint32_t id = 0;

	cr_assert(eq(int, tally_engine_string_intern(e, k, s, strlen(s), &id),
	    TALLY_OK));
	return id;
}

/* The position of @id in @ids[0..n), or n. */
static int
index_of(const uint32_t *ids, int n, uint32_t id)
{
	int i = 0;

	while (i < n && ids[i] != id)
		i++;
	return i;
}

static uint32_t
tool(const char *name)
{
	uint32_t id = 0;

	cr_assert(eq(int, tally_engine_tool_intern(e, name, strlen(name), NULL, 0,
	    &id), TALLY_OK));
	return id;
}

/* Register tool "t" and intern rule "r", file "f", message "m" in @x. */
static void
trfm(tally_engine *x, uint32_t *t, uint32_t *r, uint32_t *f, uint32_t *m)
{
	cr_assert(eq(int, tally_engine_tool_intern(x, "t", 1, NULL, 0, t), 0));
	cr_assert(eq(int, tally_engine_string_intern(x, TALLY_STR_RULE, "r", 1, r), 0));
	cr_assert(eq(int, tally_engine_string_intern(x, TALLY_STR_FILE, "f", 1, f), 0));
	cr_assert(eq(int, tally_engine_string_intern(x, TALLY_STR_MESSAGE, "m", 1, m),
	    0));
}

static void
submit(const tally_violation *v, size_t n)
{
	tally_batch *b = NULL;

	cr_assert(eq(int, tally_batch_acquire(e, &b), TALLY_OK));
	for (size_t i = 0; i < n; i++) {
		int rc = tally_batch_append(b, &v[i]);

		if (rc == TALLY_EFULL) {
			cr_assert(eq(int, tally_batch_submit(e, b), TALLY_OK));
			cr_assert(eq(int, tally_batch_acquire(e, &b), TALLY_OK));
			rc = tally_batch_append(b, &v[i]);
		}
		cr_assert(eq(int, rc, TALLY_OK));
	}
	cr_assert(eq(int, tally_batch_submit(e, b), TALLY_OK));
}

Test(engine, destroy_accepts_null)
{
	tally_engine_destroy(NULL);
	tally_snapshot_release(NULL);
	tally_batch_discard(e, NULL);
}

Test(engine, config_is_validated)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *x = NULL;

	cfg.batch_capacity = 100; /* not a multiple of 64 */
	cr_expect(eq(int, tally_engine_create(&x, &cfg), TALLY_EINVAL));
	cfg = (tally_config)TALLY_CONFIG_INIT;
	cfg.flags = 0x80;
	cr_expect(eq(int, tally_engine_create(&x, &cfg), TALLY_EINVAL));
	cfg = (tally_config)TALLY_CONFIG_INIT;
	cfg.struct_size = sizeof(size_t); /* older than 0.2.0: no such thing */
	cr_expect(eq(int, tally_engine_create(&x, &cfg), TALLY_EINVAL));
	cfg = (tally_config)TALLY_CONFIG_INIT;
	cfg.min_level = TALLY_LEVEL_COUNT; /* not a level */
	cr_expect(eq(int, tally_engine_create(&x, &cfg), TALLY_EINVAL));
	cr_expect(eq(int, tally_engine_create(NULL, NULL), TALLY_EINVAL));
	cr_expect(eq(ptr, x, NULL));
}

/* 0.2.0's config is the smallest there is: one field short is refused. */
Test(engine, a_config_shorter_than_the_first_is_refused)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *x = NULL;

	cfg.workers = 1;
	cfg.struct_size = offsetof(tally_config, path_glob);
	cr_expect(eq(int, tally_engine_create(&x, &cfg), TALLY_EINVAL));
	cr_expect(eq(ptr, x, NULL));
	cfg.struct_size = offsetof(tally_config, path_glob) +
	    sizeof(cfg.path_glob);
	cr_assert(eq(int, tally_engine_create(&x, &cfg), TALLY_OK));
	tally_engine_destroy(x);
}

Test(engine, newer_config_with_zero_tail_is_accepted)
{
	struct {
		tally_config c;
		uint64_t future_field;
	} big;
	tally_engine *x = NULL;

	memset(&big, 0, sizeof(big));
	big.c.struct_size = sizeof(big);
	big.c.workers = 1;
	cr_assert(eq(int, tally_engine_create(&x, &big.c), TALLY_OK));
	cr_expect(eq(u32, tally_engine_workers(x), 1));
	tally_engine_destroy(x);
	big.future_field = 1; /* a setting this version does not know */
	cr_expect(eq(int, tally_engine_create(&x, &big.c), TALLY_EINVAL));
}

Test(engine, strings_get_dense_ids_per_kind)
{
	uint32_t a = intern(TALLY_STR_RULE, "a");
	uint32_t b = intern(TALLY_STR_RULE, "b");
	uint32_t f = intern(TALLY_STR_FILE, "a");
	size_t len = 0;
	const char *s;

	cr_expect(eq(u32, a, 0));
	cr_expect(eq(u32, b, 1));
	cr_expect(eq(u32, f, 0));
	cr_expect(eq(u32, intern(TALLY_STR_RULE, "a"), a));
	cr_expect(eq(u32, tally_engine_string_count(e, TALLY_STR_RULE), 2));
	s = tally_engine_string_lookup(e, TALLY_STR_RULE, b, &len);
	cr_assert(not(eq(ptr, (void *)s, NULL)));
	cr_expect(eq(str, (char *)s, "b"));
	cr_expect(eq(sz, len, 1));
	cr_expect(eq(ptr, (void *)tally_engine_string_lookup(e, TALLY_STR_RULE, 2,
	    NULL), NULL));
}

Test(engine, strings_may_hold_nul_bytes)
{
	uint32_t a = 0, b = 0;
	size_t len = 0;

	cr_assert(eq(int, tally_engine_string_intern(e, TALLY_STR_MESSAGE, "x\0y", 3,
	    &a), TALLY_OK));
	cr_assert(eq(int, tally_engine_string_intern(e, TALLY_STR_MESSAGE, "x\0z", 3,
	    &b), TALLY_OK));
	cr_expect(not(eq(u32, a, b)));
	cr_expect(eq(int, memcmp(tally_engine_string_lookup(e, TALLY_STR_MESSAGE, a,
	    &len), "x\0y", 3), 0));
	cr_expect(eq(sz, len, 3));
}

Test(engine, tools_are_registered_not_interned)
{
	uint32_t id = 7, id2 = 7;
	size_t len;

	cr_expect(eq(int, tally_engine_string_intern(e, TALLY_STR_TOOL, "x", 1, &id),
	    TALLY_EINVAL));
	cr_assert(eq(int, tally_engine_tool_intern(e, "lint", 4, NULL, 0, &id),
	    TALLY_OK));
	cr_expect(eq(str, (char *)tally_engine_tool_version(e, id, &len), ""));
	cr_assert(eq(int, tally_engine_tool_intern(e, "lint", 4, "1.2", 3, &id2),
	    TALLY_OK));
	cr_expect(eq(u32, id, id2));
	cr_expect(eq(str, (char *)tally_engine_tool_version(e, id, &len), "1.2"));
	cr_assert(eq(int, tally_engine_tool_intern(e, "lint", 4, "9.9", 3, &id2),
	    TALLY_OK));
	cr_expect(eq(str, (char *)tally_engine_tool_version(e, id, NULL), "1.2"));
}

Test(engine, append_refuses_unknown_ids_and_full_batches)
{
	tally_violation v = { tool("t"), intern(TALLY_STR_RULE, "r"),
		intern(TALLY_STR_FILE, "f"), intern(TALLY_STR_MESSAGE, "m"),
		1, 1, 0, TALLY_LEVEL_ERROR, 0 };
	tally_batch *b = NULL;

	cr_assert(eq(int, tally_batch_acquire(e, &b), TALLY_OK));
	cr_expect(eq(u32, tally_batch_capacity(b), 64));
	v.file = 99;
	cr_expect(eq(int, tally_batch_append(b, &v), TALLY_ERANGE));
	v.file = 0;
	v.level = 4;
	cr_expect(eq(int, tally_batch_append(b, &v), TALLY_ERANGE));
	v.level = TALLY_LEVEL_ERROR;
	for (int i = 0; i < 64; i++)
		cr_assert(eq(int, tally_batch_append(b, &v), TALLY_OK));
	cr_expect(eq(int, tally_batch_append(b, &v), TALLY_EFULL));
	cr_expect(eq(u32, tally_batch_count(b), 64));
	tally_batch_discard(e, b);
}

/* Columns of 64 rows over tools t0..t2 and files f0..f4, as in the rows. */
static void
column_rows(tally_violation *v, uint32_t n, const uint32_t *tools,
    const uint32_t *files, uint32_t rule, uint32_t msg)
{
	for (uint32_t i = 0; i < n; i++)
		v[i] = (tally_violation){ tools[i % 3], rule, files[i % 5], msg,
			1 + i % 17, 1 + i % 3, i % 2 ? 0 : 1000 + i,
			(uint8_t)(i % TALLY_LEVEL_COUNT), 0 };
}

Test(engine, column_append_equals_row_appends_and_is_all_or_nothing)
{
	uint32_t tools[3], files[5], rule = intern(TALLY_STR_RULE, "r");
	uint32_t msg = intern(TALLY_STR_MESSAGE, "m");
	uint32_t ct[64], cr[64], cf[64], cm[64], cl[64], cc[64];
	uint64_t co[64];
	uint8_t clv[64];
	tally_columns cols = { ct, cr, cf, cm, cl, cc, co, clv, NULL };
	tally_violation v[64];
	tally_batch *colb = NULL;
	char name[8];

	for (int i = 0; i < 3; i++)
		snprintf(name, sizeof(name), "t%d", i), tools[i] = tool(name);
	for (int i = 0; i < 5; i++)
		snprintf(name, sizeof(name), "f%d", i),
		    files[i] = intern(TALLY_STR_FILE, name);
	column_rows(v, 64, tools, files, rule, msg);
	for (int i = 0; i < 64; i++) {
		ct[i] = v[i].tool, cr[i] = v[i].rule, cf[i] = v[i].file;
		cm[i] = v[i].message, cl[i] = v[i].line, cc[i] = v[i].column;
		co[i] = v[i].offset, clv[i] = v[i].level;
	}
	cr_assert(eq(int, tally_batch_acquire(e, &colb), TALLY_OK));

	/* Refusals leave the batch as it was. */
	cf[63] = 99;
	cr_expect(eq(int, tally_batch_append_columns(colb, &cols, 64),
	    TALLY_ERANGE));
	cf[63] = v[63].file;
	clv[10] = TALLY_LEVEL_COUNT;
	cr_expect(eq(int, tally_batch_append_columns(colb, &cols, 64),
	    TALLY_ERANGE));
	clv[10] = v[10].level;
	cr_expect(eq(u32, tally_batch_count(colb), 0));
	cr_assert(eq(int, tally_batch_append_columns(colb, &cols, 40),
	    TALLY_OK));
	cr_expect(eq(int, tally_batch_append_columns(colb, &cols, 25),
	    TALLY_EFULL));
	cr_expect(eq(u32, tally_batch_count(colb), 40));
	/* Rows 40..63 as a second call: pointers moved by 40. */
	cols = (tally_columns){ ct + 40, cr + 40, cf + 40, cm + 40, cl + 40,
		cc + 40, co + 40, clv + 40, NULL };
	cr_assert(eq(int, tally_batch_append_columns(colb, &cols, 24),
	    TALLY_OK));
	cr_expect(eq(u32, tally_batch_count(colb), 64));

	/* The same rows one by one into a second engine: same aggregates. */
	{
		tally_engine *x = NULL;
		tally_snapshot *sa = NULL, *sb = NULL;
		tally_totals ta, tb;
		tally_group ga[16], gb[16];
		size_t na, nb;
		tally_batch *xb = NULL;
		uint32_t xt[3], xf[5], xr, xm;
		tally_violation w[64];

		cr_assert(eq(int, tally_engine_create(&x, NULL), TALLY_OK));
		for (int i = 0; i < 3; i++)
			snprintf(name, sizeof(name), "t%d", i),
			    tally_engine_tool_intern(x, name, 2, NULL, 0, &xt[i]);
		for (int i = 0; i < 5; i++)
			snprintf(name, sizeof(name), "f%d", i),
			    tally_engine_string_intern(x, TALLY_STR_FILE, name, 2,
			    &xf[i]);
		tally_engine_string_intern(x, TALLY_STR_RULE, "r", 1, &xr);
		tally_engine_string_intern(x, TALLY_STR_MESSAGE, "m", 1, &xm);
		column_rows(w, 64, xt, xf, xr, xm);
		cr_assert(eq(int, tally_batch_acquire(x, &xb), TALLY_OK));
		for (int i = 0; i < 64; i++)
			cr_assert(eq(int, tally_batch_append(xb, &w[i]),
			    TALLY_OK));
		cr_assert(eq(int, tally_batch_submit(x, xb), TALLY_OK));
		cr_assert(eq(int, tally_batch_submit(e, colb), TALLY_OK));
		tally_engine_flush(x);
		tally_engine_flush(e);
		tally_snapshot_acquire(x, &sa);
		tally_snapshot_acquire(e, &sb);
		tally_snapshot_totals(sa, &ta);
		tally_snapshot_totals(sb, &tb);
		cr_expect(eq(u64, tb.read, 64));
		cr_expect(eq(u64, tb.read, ta.read));
		cr_expect(eq(u64, tb.unique, ta.unique));
		for (int l = 0; l < TALLY_LEVEL_COUNT; l++)
			cr_expect(eq(u64, tally_snapshot_level(sb, l),
			    tally_snapshot_level(sa, l)), "level %d", l);
		tally_snapshot_groups(sa, TALLY_DIM_FILE, TALLY_ORDER_ID, ga,
		    16, &na);
		tally_snapshot_groups(sb, TALLY_DIM_FILE, TALLY_ORDER_ID, gb,
		    16, &nb);
		cr_assert(eq(sz, na, nb));
		for (size_t i = 0; i < na; i++)
			cr_expect(eq(u64, ga[i].count, gb[i].count));
		tally_snapshot_release(sa);
		tally_snapshot_release(sb);
		tally_engine_destroy(x);
	}
}

Test(engine, discarded_batches_count_nothing)
{
	tally_violation v = { tool("t"), intern(TALLY_STR_RULE, "r"),
		intern(TALLY_STR_FILE, "f"), intern(TALLY_STR_MESSAGE, "m"),
		1, 1, 0, TALLY_LEVEL_ERROR, 0 };
	tally_batch *b = NULL;
	tally_snapshot *s = NULL;
	tally_totals t;

	cr_assert(eq(int, tally_batch_acquire(e, &b), TALLY_OK));
	cr_assert(eq(int, tally_batch_append(b, &v), TALLY_OK));
	tally_batch_discard(e, b);
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	tally_snapshot_totals(s, &t);
	cr_expect(eq(u64, t.read, 0));
	tally_snapshot_release(s);
}

Test(engine, level_does_not_take_part_in_duplicates)
{
	tally_violation v[2] = {
		{ tool("t"), intern(TALLY_STR_RULE, "r"),
		  intern(TALLY_STR_FILE, "f"), intern(TALLY_STR_MESSAGE, "m"),
		  3, 4, 5, TALLY_LEVEL_NOTE, 0 },
	};
	tally_snapshot *s = NULL;
	tally_totals t;

	v[1] = v[0];
	v[1].level = TALLY_LEVEL_ERROR;
	submit(v, 2);
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	tally_snapshot_totals(s, &t);
	cr_expect(eq(u64, t.read, 2));
	cr_expect(eq(u64, t.unique, 1));
	cr_expect(eq(u64, t.duplicates, 1));
	/* The first one aggregated is the one counted. */
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_NOTE), 1));
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_ERROR), 0));
	tally_snapshot_release(s);
}

/* ------------------------------------------------------------------ */
/* Suppressed violations                                               */

#define SUP TALLY_VIOLATION_SUPPRESSED

/*
 * Seven rows: finding A active twice (levels error, note), A suppressed
 * twice, B (its own file) suppressed only, C active. Read 7; unique A, C;
 * suppressed A', B; duplicates one of each A. B's file is in no group.
 * Return: the file of A and C.
 */
static uint32_t
mixed_rows(tally_violation *v)
{
	uint32_t t = tool("t"), r = intern(TALLY_STR_RULE, "r");
	uint32_t m = intern(TALLY_STR_MESSAGE, "m");
	uint32_t fa = intern(TALLY_STR_FILE, "a"), fb = intern(TALLY_STR_FILE, "b");

	v[0] = (tally_violation){ t, r, fa, m, 1, 1, 10, TALLY_LEVEL_ERROR, 0 };
	v[1] = v[0], v[1].level = TALLY_LEVEL_NOTE;   /* duplicate of A */
	v[2] = v[0], v[2].flags = SUP;                /* A suppressed */
	v[3] = v[2], v[3].level = TALLY_LEVEL_NOTE;   /* duplicate of A' */
	v[4] = (tally_violation){ t, r, fb, m, 2, 1, 0, TALLY_LEVEL_ERROR,
		SUP };                                 /* B, suppressed only */
	v[5] = (tally_violation){ t, r, fa, m, 3, 1, 0, TALLY_LEVEL_WARNING,
		0 };                                   /* C */
	v[6] = v[4];                                  /* duplicate of B */
	return fa;
}

/* Flush @x and expect its totals, the duplicates being the rest. */
static void
expect_totals(tally_engine *x, uint64_t read, uint64_t unique, uint64_t sup)
{
	tally_snapshot *s = NULL;
	tally_totals t;

	cr_assert(eq(int, tally_engine_flush(x), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(x, &s), TALLY_OK));
	tally_snapshot_totals(s, &t);
	cr_expect(eq(u64, t.read, read));
	cr_expect(eq(u64, t.unique, unique));
	cr_expect(eq(u64, t.suppressed, sup));
	cr_expect(eq(u64, t.duplicates, read - unique - sup));
	tally_snapshot_release(s);
}

/* What mixed_rows() must count, A and C in file @fa. */
static void
expect_mixed(uint32_t fa)
{
	tally_snapshot *s = NULL;
	tally_group g[4];
	size_t n;

	expect_totals(e, 7, 2, 2);
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	/* A counted at error (the first aggregated), C at warning; nothing
	 * suppressed in the levels */
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_ERROR), 1));
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_WARNING), 1));
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_NOTE), 0));
	cr_assert(eq(int, tally_snapshot_groups(s, TALLY_DIM_FILE,
	    TALLY_ORDER_ID, g, 4, &n), TALLY_OK));
	cr_assert(eq(sz, n, 1), "only the active rows' file has a count");
	cr_expect(eq(u32, g[0].file, fa));
	cr_expect(eq(u64, g[0].count, 2));
	cr_assert(eq(int, tally_snapshot_groups(s, TALLY_DIM_RULE,
	    TALLY_ORDER_ID, g, 4, &n), TALLY_OK));
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(u64, g[0].count, 2));
	cr_expect(eq(sz, tally_snapshot_group_count(s, TALLY_DIM_FILE_RULE), 1));
	tally_snapshot_release(s);
}

/* Up to 8 rows as columns, for tally_batch_append_columns(). */
typedef struct cols8 {
	uint32_t tool[8], rule[8], file[8], message[8], line[8], column[8];
	uint64_t offset[8];
	uint8_t level[8], flags[8];
} cols8;

static tally_columns
as_columns(cols8 *x, const tally_violation *v, size_t n)
{
	cr_assert(le(sz, n, 8));
	for (size_t i = 0; i < n; i++) {
		x->tool[i] = v[i].tool, x->rule[i] = v[i].rule;
		x->file[i] = v[i].file, x->message[i] = v[i].message;
		x->line[i] = v[i].line, x->column[i] = v[i].column;
		x->offset[i] = v[i].offset, x->level[i] = v[i].level;
		x->flags[i] = v[i].flags;
	}
	return (tally_columns){ x->tool, x->rule, x->file, x->message,
		x->line, x->column, x->offset, x->level, x->flags };
}

/* Append @c's @n rows as one batch and submit it. */
static void
submit_columns(const tally_columns *c, uint32_t n)
{
	tally_batch *b = NULL;

	cr_assert(eq(int, tally_batch_acquire(e, &b), TALLY_OK));
	cr_assert(eq(int, tally_batch_append_columns(b, c, n), TALLY_OK));
	cr_assert(eq(int, tally_batch_submit(e, b), TALLY_OK));
}

/* One batch, so the first of two duplicates is the one counted. */
Test(engine, suppressed_copy_is_distinct_and_counted_apart)
{
	tally_violation v[7];

	uint32_t fa = mixed_rows(v);

	submit(v, 7);
	expect_mixed(fa);
}

Test(engine, suppressed_columns_count_as_rows_do)
{
	tally_violation v[7];
	uint32_t fa = mixed_rows(v);
	cols8 x;
	tally_columns c = as_columns(&x, v, 7);

	submit_columns(&c, 7);
	expect_mixed(fa);
}

/* flags NULL: every row active, so A' is a duplicate of A and B counts. */
Test(engine, null_flags_column_means_every_row_active)
{
	tally_violation v[7];
	cols8 x;
	tally_columns c;

	(void)mixed_rows(v);
	c = as_columns(&x, v, 7);
	c.flags = NULL;
	submit_columns(&c, 7);
	expect_totals(e, 7, 3, 0); /* A, B, C */
}

Test(engine, unknown_flags_and_offsets_from_2_63_are_refused)
{
	const uint8_t bad_flags[] = { 0x2, 0x3, 0x80, 0xff };
	tally_violation v[7], y;
	tally_batch *b = NULL;
	tally_columns c;
	cols8 x;

	(void)mixed_rows(v);
	cr_assert(eq(int, tally_batch_acquire(e, &b), TALLY_OK));
	for (size_t i = 0; i < sizeof(bad_flags); i++) {
		y = v[0], y.flags = bad_flags[i];
		cr_expect(eq(int, tally_batch_append(b, &y), TALLY_ERANGE),
		    "flags %#x", bad_flags[i]);
	}
	y = v[2], y.offset = UINT64_C(1) << 63;
	cr_expect(eq(int, tally_batch_append(b, &y), TALLY_ERANGE));
	y.offset = UINT64_MAX;
	cr_expect(eq(int, tally_batch_append(b, &y), TALLY_ERANGE));
	y.flags = 0;
	cr_expect(eq(int, tally_batch_append(b, &y), TALLY_ERANGE));
	cr_expect(eq(u32, tally_batch_count(b), 0));
	/* columns: one bad row refuses them all */
	c = as_columns(&x, v, 7);
	x.flags[5] = 0x4;
	cr_expect(eq(int, tally_batch_append_columns(b, &c, 7), TALLY_ERANGE));
	x.flags[5] = v[5].flags;
	x.offset[6] = UINT64_C(1) << 63;
	cr_expect(eq(int, tally_batch_append_columns(b, &c, 7), TALLY_ERANGE));
	c.flags = NULL; /* the offset is refused whatever the flags */
	cr_expect(eq(int, tally_batch_append_columns(b, &c, 7), TALLY_ERANGE));
	cr_expect(eq(u32, tally_batch_count(b), 0));
	/* the largest offset taken, suppressed or not */
	x.offset[6] = INT64_MAX;
	c.flags = x.flags;
	cr_expect(eq(int, tally_batch_append_columns(b, &c, 7), TALLY_OK));
	y = v[2], y.offset = INT64_MAX;
	cr_expect(eq(int, tally_batch_append(b, &y), TALLY_OK));
	y.flags = 0;
	cr_expect(eq(int, tally_batch_append(b, &y), TALLY_OK));
	cr_expect(eq(u32, tally_batch_count(b), 9));
	cr_assert(eq(int, tally_batch_submit(e, b), TALLY_OK));
	/*
	 * At offset 2^63 - 1, B's last copy and A both ways are keys of their
	 * own: unique A, C, A@max; suppressed A', B, B@max, A'@max.
	 */
	expect_totals(e, 9, 3, 4);
}

/* The filters take suppressed rows out as they do active ones. */
Test(engine, filters_apply_to_suppressed_rows)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *saved = e, *x = NULL;
	tally_snapshot *s = NULL;
	uint32_t ids[4], fs;
	tally_violation v[6];

	cfg.workers = 2;
	cfg.min_level = TALLY_LEVEL_WARNING;
	cfg.path_glob = "src/*";
	cr_assert(eq(int, tally_engine_create(&x, &cfg), TALLY_OK));
	e = x;
	trfm(x, &ids[0], &ids[1], &ids[2], &ids[3]); /* file "f": no match */
	fs = intern(TALLY_STR_FILE, "src/a");
	/* suppressed: note (out), error (in), its note copy (out, so no
	 * duplicate), error in "f" (out); active: note (out), warning (in) */
	v[0] = (tally_violation){ ids[0], ids[1], fs, ids[3], 1, 0, 0,
		TALLY_LEVEL_NOTE, SUP };
	v[1] = v[0], v[1].line = 2, v[1].level = TALLY_LEVEL_ERROR;
	v[2] = v[1], v[2].level = TALLY_LEVEL_NOTE;
	v[3] = v[1], v[3].file = ids[2];
	v[4] = v[0], v[4].flags = 0;
	v[5] = v[1], v[5].flags = 0, v[5].level = TALLY_LEVEL_WARNING;
	submit(v, 6);
	expect_totals(x, 2, 1, 1);
	cr_assert(eq(int, tally_snapshot_acquire(x, &s), TALLY_OK));
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_WARNING), 1));
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_ERROR), 0));
	tally_snapshot_release(s);
	e = saved;
	tally_engine_destroy(x);
}

/* ------------------------------------------------------------------ */
/* Exactness against a sorted reference                                */

#define NV 5000

static int
key_cmp(const void *pa, const void *pb)
{
	const tally_violation *a = pa, *b = pb;

	/* Everything but the level, in a fixed order; the flag too. */
	if (a->tool != b->tool) return a->tool < b->tool ? -1 : 1;
	if (a->rule != b->rule) return a->rule < b->rule ? -1 : 1;
	if (a->file != b->file) return a->file < b->file ? -1 : 1;
	if (a->message != b->message) return a->message < b->message ? -1 : 1;
	if (a->line != b->line) return a->line < b->line ? -1 : 1;
	if (a->column != b->column) return a->column < b->column ? -1 : 1;
	if (a->offset != b->offset) return a->offset < b->offset ? -1 : 1;
	if (a->flags != b->flags) return a->flags < b->flags ? -1 : 1;
	return 0;
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The strings of the reference rows: 3 tools, 5 rules, 7 files, 4 messages. */
typedef struct ref_ids {
	uint32_t tools[3], rules[5], files[7], msgs[4];
} ref_ids;

/* What the engine must count, from sorting the rows (active ones only in
 * the groups). */
typedef struct reference {
	uint64_t unique, suppressed;
	uint64_t both; /* suppressed keys whose active copy is there too */
	uint64_t by_tool[3], by_file[7], by_fr[7][5];
	size_t npairs;
} reference;

static void
ref_intern(ref_ids *x)
{
	char name[8];

	for (int i = 0; i < 3; i++)
		snprintf(name, sizeof(name), "t%d", i), x->tools[i] = tool(name);
	for (int i = 0; i < 5; i++)
		snprintf(name, sizeof(name), "r%d", i),
		    x->rules[i] = intern(TALLY_STR_RULE, name);
	for (int i = 0; i < 7; i++)
		snprintf(name, sizeof(name), "f%d", i),
		    x->files[i] = intern(TALLY_STR_FILE, name);
	for (int i = 0; i < 4; i++)
		snprintf(name, sizeof(name), "m%d", i),
		    x->msgs[i] = intern(TALLY_STR_MESSAGE, name);
}

/*
 * @n rows over small value ranges, so many rows are exact duplicates;
 * @sup_pct percent of them suppressed, so that many keys come both ways.
 * Offsets are 0 or the largest the engine takes, 2^63 - 1.
 */
static void
ref_rows(tally_violation *v, size_t n, const ref_ids *x, unsigned sup_pct)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;

	for (size_t i = 0; i < n; i++) {
		v[i].tool = x->tools[rnd(&seed) % 3];
		v[i].rule = x->rules[rnd(&seed) % 5];
		v[i].file = x->files[rnd(&seed) % 7];
		v[i].message = x->msgs[rnd(&seed) % 4];
		v[i].line = (uint32_t)(rnd(&seed) % 4);
		v[i].column = (uint32_t)(rnd(&seed) % 2);
		v[i].offset = rnd(&seed) % 2 ? INT64_MAX : 0;
		v[i].level = (uint8_t)(rnd(&seed) % TALLY_LEVEL_COUNT);
		v[i].flags = rnd(&seed) % 100 < sup_pct ?
		    TALLY_VIOLATION_SUPPRESSED : 0;
	}
}

/* Sort the keys; each run of equal keys counts once. */
static void
ref_count(const tally_violation *v, size_t n, const ref_ids *x,
    reference *ref)
{
	static tally_violation sorted[NV];

	cr_assert(le(sz, n, NV));
	memset(ref, 0, sizeof(*ref));
	memcpy(sorted, v, n * sizeof(v[0]));
	qsort(sorted, n, sizeof(sorted[0]), key_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && key_cmp(&sorted[i - 1], &sorted[i]) == 0)
			continue;
		if (sorted[i].flags & TALLY_VIOLATION_SUPPRESSED) {
			tally_violation act = sorted[i];

			act.flags = 0; /* sorts just before its suppressed copy */
			ref->both += i > 0 && key_cmp(&sorted[i - 1], &act) == 0;
			ref->suppressed++;
			continue;
		}
		ref->by_tool[index_of(x->tools, 3, sorted[i].tool)]++;
		ref->by_file[index_of(x->files, 7, sorted[i].file)]++;
		ref->by_fr[index_of(x->files, 7, sorted[i].file)]
		    [index_of(x->rules, 5, sorted[i].rule)]++;
		ref->unique++;
	}
	for (int f = 0; f < 7; f++)
		for (int r = 0; r < 5; r++)
			ref->npairs += ref->by_fr[f][r] != 0;
}

/* Intern the strings, make @n rows and count them in @ref. */
static void
ref_make(tally_violation *v, size_t n, unsigned sup_pct, ref_ids *x,
    reference *ref)
{
	ref_intern(x);
	ref_rows(v, n, x, sup_pct);
	ref_count(v, n, x, ref);
}

/* Flush @e and check its snapshot against @ref, @n rows submitted. */
static void
ref_expect(const reference *ref, const ref_ids *x, size_t nrows)
{
	tally_snapshot *s = NULL;
	tally_group g[64];
	tally_totals t;
	size_t n, sum = 0;

	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	tally_snapshot_totals(s, &t);
	cr_expect(eq(u64, t.read, nrows));
	cr_expect(eq(u64, t.unique, ref->unique));
	cr_expect(eq(u64, t.suppressed, ref->suppressed));
	cr_expect(eq(u64, t.duplicates, nrows - ref->unique - ref->suppressed));
	/*
	 * With two workers, which of two batches holding the same key is
	 * aggregated first is a race, so the level a duplicate key is
	 * counted under is too: check the level total here and the exact
	 * split with one worker in the next test.
	 */
	cr_expect(eq(u64, tally_snapshot_level(s, 0) + tally_snapshot_level(s, 1)
	    + tally_snapshot_level(s, 2) + tally_snapshot_level(s, 3),
	    ref->unique));
	cr_assert(eq(int, tally_snapshot_groups(s, TALLY_DIM_TOOL,
	    TALLY_ORDER_ID, g, 64, &n), TALLY_OK));
	cr_assert(eq(sz, n, 3));
	for (size_t i = 0; i < n; i++)
		cr_expect(eq(u64, g[i].count,
		    ref->by_tool[index_of(x->tools, 3, g[i].tool)]));
	cr_assert(eq(int, tally_snapshot_groups(s, TALLY_DIM_FILE,
	    TALLY_ORDER_ID, g, 64, &n), TALLY_OK));
	cr_assert(eq(sz, n, 7));
	for (size_t i = 0; i < n; i++)
		cr_expect(eq(u64, g[i].count,
		    ref->by_file[index_of(x->files, 7, g[i].file)]));
	/* (file, rule): every pair with its count, in (file, rule) order */
	cr_assert(eq(int, tally_snapshot_groups(s, TALLY_DIM_FILE_RULE,
	    TALLY_ORDER_ID, g, 64, &n), TALLY_OK));
	cr_assert(eq(sz, n, ref->npairs));
	for (size_t i = 0; i < n; i++) {
		cr_expect(eq(u64, g[i].count, ref->by_fr[index_of(x->files, 7,
		    g[i].file)][index_of(x->rules, 5, g[i].rule)]));
		cr_expect(eq(u32, g[i].tool, TALLY_ID_NONE));
		if (i > 0)
			cr_expect(g[i - 1].file < g[i].file ||
			    (g[i - 1].file == g[i].file &&
			    g[i - 1].rule < g[i].rule), "pair %zu out of order",
			    i);
		sum += g[i].count;
	}
	cr_expect(eq(u64, sum, ref->unique));
	tally_snapshot_release(s);
}

Test(engine, counts_match_a_sorted_reference)
{
	static tally_violation v[NV];
	reference ref;
	ref_ids x;

	ref_make(v, NV, 0, &x, &ref);
	cr_assert(eq(u64, ref.suppressed, 0));
	submit(v, NV);
	ref_expect(&ref, &x, NV);
}

/*
 * The capacity hint (since 0.5) changes no count: an engine told to expect
 * fewer distinct violations than come, or more, counts what a sorted
 * reference counts. A hint no memory could hold fails create cleanly.
 */
Test(engine, a_capacity_hint_changes_no_count)
{
	static tally_violation v[NV];
	const uint64_t hints[] = { NV / 8, 4 * NV };

	for (size_t h = 0; h < sizeof(hints) / sizeof(hints[0]); h++) {
		tally_config cfg = TALLY_CONFIG_INIT;
		reference ref;
		ref_ids x;

		tally_engine_destroy(e);
		cfg.workers = 2;
		cfg.batch_capacity = 64;
		cfg.expected_unique = hints[h];
		cr_assert(eq(int, tally_engine_create(&e, &cfg), TALLY_OK));
		ref_make(v, NV, 0, &x, &ref);
		submit(v, NV);
		ref_expect(&ref, &x, NV);
	}
}

Test(engine, an_impossible_capacity_hint_is_enomem)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *x = NULL;

	cfg.workers = 1;
	cfg.expected_unique = UINT64_MAX;
	cr_expect(eq(int, tally_engine_create(&x, &cfg), TALLY_ENOMEM));
	cr_expect(eq(ptr, x, NULL));
}

/*
 * A third of the rows suppressed, appended row by row: each key counts
 * once per flag, the suppressed ones in no level and no group.
 */
Test(engine, suppressed_rows_match_a_sorted_reference)
{
	static tally_violation v[NV];
	reference ref;
	ref_ids x;

	ref_make(v, NV, 33, &x, &ref);
	/* not trivially so: keys of both kinds, many of them both ways, and
	 * duplicates */
	cr_assert(gt(u64, ref.suppressed, 500));
	cr_assert(gt(u64, ref.both, 200));
	cr_assert(lt(u64, ref.unique + ref.suppressed, NV - 500));
	submit(v, NV);
	ref_expect(&ref, &x, NV);
}

/* The same rows given as columns, flags non-NULL, 64 rows a call. */
Test(engine, suppressed_columns_match_a_sorted_reference)
{
	static tally_violation v[NV];
	static uint32_t c32[6][NV];
	static uint64_t off[NV];
	static uint8_t lvl[NV], flg[NV];
	reference ref;
	ref_ids x;

	ref_make(v, NV, 33, &x, &ref);
	for (size_t i = 0; i < NV; i++) {
		c32[0][i] = v[i].tool, c32[1][i] = v[i].rule;
		c32[2][i] = v[i].file, c32[3][i] = v[i].message;
		c32[4][i] = v[i].line, c32[5][i] = v[i].column;
		off[i] = v[i].offset, lvl[i] = v[i].level, flg[i] = v[i].flags;
	}
	for (size_t i = 0; i < NV; i += 64) {
		uint32_t m = NV - i < 64 ? (uint32_t)(NV - i) : 64;
		tally_columns c = { c32[0] + i, c32[1] + i, c32[2] + i,
			c32[3] + i, c32[4] + i, c32[5] + i, off + i, lvl + i,
			flg + i };

		submit_columns(&c, m);
	}
	ref_expect(&ref, &x, NV);
}

Test(engine, one_worker_keeps_the_first_level)
{
	static tally_violation v[NV];
	uint64_t seed = 12345, lvl[TALLY_LEVEL_COUNT] = { 0 };
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_snapshot *s = NULL;
	tally_engine *one = NULL;
	uint32_t t = tool("t"), r = intern(TALLY_STR_RULE, "r");
	uint32_t f = intern(TALLY_STR_FILE, "f");
	uint32_t m = intern(TALLY_STR_MESSAGE, "m");

	for (int i = 0; i < NV; i++) {
		v[i] = (tally_violation){ t, r, f, m,
			(uint32_t)(rnd(&seed) % 50), 0, 0,
			(uint8_t)(rnd(&seed) % TALLY_LEVEL_COUNT), 0 };
	}
	for (int i = 0; i < NV; i++) {
		int first = 1;

		for (int j = 0; j < i && first; j++)
			first = v[j].line != v[i].line;
		if (first)
			lvl[v[i].level]++;
	}
	/* One worker: batches are aggregated in submission order. */
	cfg.workers = 1;
	cfg.batch_capacity = 128;
	cr_assert(eq(int, tally_engine_create(&one, &cfg), TALLY_OK));
	{
		tally_engine *saved = e;
		uint32_t ids[4];

		/* Same strings in the same order: the same ids as in e. */
		trfm(one, &ids[0], &ids[1], &ids[2], &ids[3]);
		cr_assert(eq(u32, ids[0], t));
		cr_assert(eq(u32, ids[3], m));
		e = one;
		submit(v, NV);
		cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
		cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
		e = saved;
	}
	for (int l = 0; l < TALLY_LEVEL_COUNT; l++)
		cr_expect(eq(u64, tally_snapshot_level(s, (tally_level)l),
		    lvl[l]), "level %d", l);
	tally_snapshot_release(s);
	tally_engine_destroy(one);
}

Test(engine, ranking_is_by_count_then_name)
{
	uint32_t t = tool("t"), m = intern(TALLY_STR_MESSAGE, "m");
	uint32_t rb = intern(TALLY_STR_RULE, "b");
	uint32_t ra = intern(TALLY_STR_RULE, "a");
	uint32_t rc = intern(TALLY_STR_RULE, "c");
	uint32_t fz = intern(TALLY_STR_FILE, "z");
	uint32_t fy = intern(TALLY_STR_FILE, "y");
	tally_violation v[] = {
		{ t, rb, fz, m, 1, 0, 0, 2, 0 }, { t, rb, fz, m, 2, 0, 0, 2, 0 },
		{ t, ra, fy, m, 3, 0, 0, 2, 0 }, { t, ra, fy, m, 4, 0, 0, 2, 0 },
		{ t, rc, fy, m, 5, 0, 0, 2, 0 },
	};
	tally_snapshot *s = NULL;
	tally_group g[8];
	size_t n;

	submit(v, 5);
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	cr_expect(eq(sz, tally_snapshot_group_count(s, TALLY_DIM_RULE), 3));
	cr_assert(eq(int, tally_snapshot_groups(s, TALLY_DIM_RULE,
	    TALLY_ORDER_COUNT, g, 8, &n), TALLY_OK));
	cr_assert(eq(sz, n, 3));
	/* a and b tie at 2: "a" first, although "b" was interned first. */
	cr_expect(eq(u32, g[0].rule, ra));
	cr_expect(eq(u32, g[1].rule, rb));
	cr_expect(eq(u32, g[2].rule, rc));
	cr_expect(eq(u64, g[2].count, 1));
	/* Top 1 of the files: y (3) */
	cr_assert(eq(int, tally_snapshot_groups(s, TALLY_DIM_FILE,
	    TALLY_ORDER_COUNT, g, 1, &n), TALLY_OK));
	cr_expect(eq(sz, n, 1));
	cr_expect(eq(u32, g[0].file, fy));
	cr_expect(eq(u64, g[0].count, 3));
	cr_expect(eq(u32, g[0].tool, TALLY_ID_NONE));
	/* (file, rule): (y, a) and (z, b) tie at 2, file name first */
	cr_assert(eq(int, tally_snapshot_groups(s, TALLY_DIM_FILE_RULE,
	    TALLY_ORDER_COUNT, g, 8, &n), TALLY_OK));
	cr_assert(eq(sz, n, 3));
	cr_expect(eq(u32, g[0].file, fy));
	cr_expect(eq(u32, g[0].rule, ra));
	cr_expect(eq(u32, g[1].file, fz));
	cr_expect(eq(u32, g[1].rule, rb));
	cr_expect(eq(u32, g[2].rule, rc));
	cr_expect(eq(u64, g[2].count, 1));
	/* By id: z (id 0) first. */
	cr_assert(eq(int, tally_snapshot_groups(s, TALLY_DIM_FILE,
	    TALLY_ORDER_ID, g, 8, &n), TALLY_OK));
	cr_expect(eq(u32, g[0].file, fz));
	cr_expect(eq(int, tally_snapshot_groups(s, 9, TALLY_ORDER_ID, g, 8,
	    &n), TALLY_EINVAL));
	cr_expect(eq(ptr, tally_snapshot_engine(s), e));
	tally_snapshot_release(s);
}

/* The count order of tally/snapshot.h, from the names (for qsort). */
static tally_dim rank_dim;

static int
name_cmp(tally_strkind k, uint32_t a, uint32_t b)
{
	size_t la, lb;
	const char *x = tally_engine_string_lookup(e, k, a, &la);
	const char *y = tally_engine_string_lookup(e, k, b, &lb);
	int c = memcmp(x, y, la < lb ? la : lb);

	return c != 0 ? c : (la > lb) - (la < lb);
}

static int
count_then_name(const void *pa, const void *pb)
{
	const tally_group *a = pa, *b = pb;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	switch (rank_dim) {
	case TALLY_DIM_TOOL:
		return name_cmp(TALLY_STR_TOOL, a->tool, b->tool);
	case TALLY_DIM_RULE:
		c = name_cmp(TALLY_STR_TOOL, a->tool, b->tool);
		return c != 0 ? c : name_cmp(TALLY_STR_RULE, a->rule, b->rule);
	case TALLY_DIM_FILE:
		return name_cmp(TALLY_STR_FILE, a->file, b->file);
	default:
		c = name_cmp(TALLY_STR_FILE, a->file, b->file);
		return c != 0 ? c : name_cmp(TALLY_STR_RULE, a->rule, b->rule);
	}
}

/*
 * A top N is selected (top-K kernel) instead of sorted: with names that do
 * not follow the ids and counts full of ties, every cap gives the first N
 * of a full sort by the documented order.
 */
Test(engine, top_n_equals_a_full_sort_for_every_cap)
{
	enum { TOOLS = 4, RULES = 40, FILES = 70, ROWS = 900 };
	static tally_violation v[ROWS];
	static tally_group all[TOOLS * RULES + FILES * RULES], got[sizeof(all) /
	    sizeof(all[0]) + 1];
	uint32_t t[TOOLS], r[RULES], f[FILES], m = intern(TALLY_STR_MESSAGE, "m");
	uint64_t seed = 0x5eed;
	tally_snapshot *s = NULL;
	char name[16];

	/* Names in an order of their own: a scrambled number, 1-3 digits. */
	for (unsigned i = 0; i < TOOLS; i++)
		snprintf(name, sizeof(name), "t%u", (i * 7 + 3) % 11),
		    t[i] = tool(name);
	for (unsigned i = 0; i < RULES; i++)
		snprintf(name, sizeof(name), "r%u", (i * 37 + 11) % 101),
		    r[i] = intern(TALLY_STR_RULE, name);
	for (unsigned i = 0; i < FILES; i++)
		snprintf(name, sizeof(name), "f%u", (i * 53 + 5) % 211),
		    f[i] = intern(TALLY_STR_FILE, name);
	/* Skewed, so a few groups are large and many tie at small counts. */
	for (unsigned i = 0; i < ROWS; i++) {
		uint64_t x = rnd(&seed);

		v[i] = (tally_violation){ t[x % TOOLS],
			r[(x >> 8) % RULES * ((x >> 20) % 4 != 0) % RULES],
			f[(x >> 24) % FILES * ((x >> 40) % 3 != 0) % FILES],
			m, i + 1, 0, 0, TALLY_LEVEL_WARNING, 0 };
	}
	submit(v, ROWS);
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	for (unsigned d = 0; d < TALLY_DIM_COUNT; d++) {
		size_t cnt = tally_snapshot_group_count(s, (tally_dim)d), n;

		cr_assert(le(sz, cnt, sizeof(all) / sizeof(all[0])));
		cr_assert(eq(int, tally_snapshot_groups(s, (tally_dim)d,
		    TALLY_ORDER_ID, all, cnt, &n), TALLY_OK));
		cr_assert(eq(sz, n, cnt));
		rank_dim = (tally_dim)d;
		qsort(all, cnt, sizeof(all[0]), count_then_name);
		for (size_t cap = 0; cap <= cnt + 1; cap++) {
			cr_assert(eq(int, tally_snapshot_groups(s, (tally_dim)d,
			    TALLY_ORDER_COUNT, got, cap, &n), TALLY_OK));
			cr_assert(eq(sz, n, cap < cnt ? cap : cnt));
			for (size_t i = 0; i < n; i++)
				cr_assert(all[i].count == got[i].count &&
				    all[i].tool == got[i].tool &&
				    all[i].rule == got[i].rule &&
				    all[i].file == got[i].file,
				    "dim %u cap %zu: group %zu differs", d, cap, i);
		}
	}
	tally_snapshot_release(s);
}

/* Replace the fixture's engine with one that has filters. */
static void
filtered_engine(unsigned min_level, const char *glob)
{
	tally_config cfg = TALLY_CONFIG_INIT;

	tally_engine_destroy(e);
	e = NULL;
	cfg.workers = 2;
	cfg.batch_capacity = 64;
	cfg.min_level = min_level;
	cfg.path_glob = glob;
	cr_assert(eq(int, tally_engine_create(&e, &cfg), TALLY_OK));
}

/*
 * The filters against a reference that drops the rows itself, then
 * deduplicates by sorting: files are interned between submits too, so
 * batches bring ids their worker has not classified yet.
 */
Test(engine, filters_count_only_levels_at_or_above_on_matching_files)
{
	static const char *const names[] = { "src/a.c", "src/b.h", "lib/c.c",
		"src/sub/d.c", "src", "xsrc/e.c", "src/f.c", "src/.c" };
	enum { NF = sizeof(names) / sizeof(names[0]) };
	static tally_violation v[NV], kept[NV];
	uint64_t seed = 0xf11e, by_file[NF] = { 0 }, unique = 0, lv = 0;
	uint32_t t, r[3], f[NF], msg;
	char glob[] = "src/*.c";
	size_t nk = 0, n;
	tally_snapshot *s = NULL;
	tally_group g[NF];
	tally_totals tot;

	filtered_engine(TALLY_LEVEL_WARNING, glob);
	glob[0] = 'X'; /* the engine keeps its own copy */
	t = tool("t");
	msg = intern(TALLY_STR_MESSAGE, "m");
	r[0] = intern(TALLY_STR_RULE, "r0");
	r[1] = intern(TALLY_STR_RULE, "r1");
	r[2] = intern(TALLY_STR_RULE, "r2");
	for (unsigned half = 0; half < 2; half++) {
		unsigned lo = half * NV / 2, hi = lo + NV / 2;
		unsigned nf = (half + 1) * (unsigned)NF / 2;

		/* the second half's files are new to the workers */
		for (unsigned i = half * (unsigned)NF / 2; i < nf; i++)
			f[i] = intern(TALLY_STR_FILE, names[i]);
		for (unsigned i = lo; i < hi; i++) {

			v[i] = (tally_violation){ t, r[rnd(&seed) % 3],
				f[rnd(&seed) % nf], msg,
				(uint32_t)(rnd(&seed) % 40), 0, 0,
				(uint8_t)(rnd(&seed) % TALLY_LEVEL_COUNT), 0 };
		}
		submit(v + lo, hi - lo);
	}
	/* src/a.c, src/sub/d.c, src/f.c and src/.c match: '*' takes '/' */
	for (int i = 0; i < NV; i++) {
		uint32_t k = (uint32_t)index_of(f, NF, v[i].file);

		if (v[i].level >= TALLY_LEVEL_WARNING &&
		    (k == 0 || k == 3 || k == 6 || k == 7))
			kept[nk++] = v[i];
	}
	qsort(kept, nk, sizeof(kept[0]), key_cmp);
	for (size_t i = 0; i < nk; i++) {
		if (i > 0 && key_cmp(&kept[i - 1], &kept[i]) == 0)
			continue;
		by_file[index_of(f, NF, kept[i].file)]++;
		unique++;
	}
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	tally_snapshot_totals(s, &tot);
	cr_expect(eq(u64, tot.read, nk));
	cr_expect(eq(u64, tot.unique, unique));
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_NONE), 0));
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_NOTE), 0));
	lv = tally_snapshot_level(s, TALLY_LEVEL_WARNING) +
	    tally_snapshot_level(s, TALLY_LEVEL_ERROR);
	cr_expect(eq(u64, lv, unique));
	cr_assert(eq(int, tally_snapshot_groups(s, TALLY_DIM_FILE,
	    TALLY_ORDER_ID, g, NF, &n), TALLY_OK));
	cr_expect(eq(sz, n, 4));
	for (size_t i = 0; i < n; i++)
		cr_expect(eq(u64, g[i].count,
		    by_file[index_of(f, NF, g[i].file)]), "file %s",
		    names[index_of(f, NF, g[i].file)]);
	tally_snapshot_release(s);
}

/* A row the level leaves out is not deduplicated against: its duplicate
 * at a level that passes counts, at that level. */
Test(engine, a_filtered_row_does_not_hide_its_duplicate)
{
	uint32_t t, r, f, m;
	tally_violation v[2];
	tally_snapshot *s = NULL;
	tally_totals tot;

	filtered_engine(TALLY_LEVEL_WARNING, NULL);
	trfm(e, &t, &r, &f, &m);
	v[0] = (tally_violation){ t, r, f, m, 7, 1, 0, TALLY_LEVEL_NOTE, 0 };
	v[1] = v[0];
	v[1].level = TALLY_LEVEL_ERROR;
	submit(v, 1);
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	submit(v + 1, 1);
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	tally_snapshot_totals(s, &tot);
	cr_expect(eq(u64, tot.read, 1));
	cr_expect(eq(u64, tot.unique, 1));
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_ERROR), 1));
	tally_snapshot_release(s);
}

Test(engine, nonblocking_submit_says_eagain)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *x = NULL;
	tally_batch *b[64];
	uint32_t t, r, f, m;
	int eagain = 0, ok = 0;

	cfg.workers = 1;
	cfg.max_inflight = 1;
	cfg.batch_capacity = 4096;
	cfg.flags = TALLY_SUBMIT_NONBLOCK;
	cr_assert(eq(int, tally_engine_create(&x, &cfg), TALLY_OK));
	trfm(x, &t, &r, &f, &m);
	/* Fill 64 full batches, then push them as fast as possible. */
	for (int i = 0; i < 64; i++) {
		cr_assert(eq(int, tally_batch_acquire(x, &b[i]), TALLY_OK));
		for (uint32_t k = 0; k < 4096; k++) {
			tally_violation v = { t, r, f, m, k, (uint32_t)i, 0, 1, 0 };

			cr_assert(eq(int, tally_batch_append(b[i], &v), 0));
		}
	}
	for (int i = 0; i < 64; i++) {
		int rc;

		while ((rc = tally_batch_submit(x, b[i])) == TALLY_EAGAIN)
			eagain++;
		cr_assert(eq(int, rc, TALLY_OK));
		ok++;
	}
	cr_expect(eq(int, ok, 64));
	cr_expect(gt(int, eagain, 0), "one batch in flight must push back");
	cr_assert(eq(int, tally_engine_flush(x), TALLY_OK));
	{
		tally_snapshot *s = NULL;
		tally_totals tt;

		cr_assert(eq(int, tally_snapshot_acquire(x, &s), TALLY_OK));
		tally_snapshot_totals(s, &tt);
		cr_expect(eq(u64, tt.unique, 64 * 4096));
		tally_snapshot_release(s);
	}
	tally_engine_destroy(x);
}

Test(engine, destroy_drains_unflushed_batches)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *x = NULL;
	tally_batch *b = NULL, *held = NULL;
	uint32_t t, r, f, m;

	cfg.workers = 1;
	cr_assert(eq(int, tally_engine_create(&x, &cfg), TALLY_OK));
	trfm(x, &t, &r, &f, &m);
	for (int i = 0; i < 20; i++) {
		cr_assert(eq(int, tally_batch_acquire(x, &b), TALLY_OK));
		for (uint32_t k = 0; k < 100; k++) {
			tally_violation v = { t, r, f, m, k, (uint32_t)i, 0, 1, 0 };

			cr_assert(eq(int, tally_batch_append(b, &v), 0));
		}
		cr_assert(eq(int, tally_batch_submit(x, b), TALLY_OK));
	}
	/* A batch acquired and never submitted is freed by destroy too. */
	cr_assert(eq(int, tally_batch_acquire(x, &held), TALLY_OK));
	tally_engine_destroy(x); /* ASan/LSan runs check nothing leaks */
}

/* ------------------------------------------------------------------ */
/* Allocator injection and out-of-memory                               */

/* Run a small workload on an engine built with @a. */
static int
workload(const tally_allocator *a)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *x = NULL;
	tally_snapshot *s = NULL;
	tally_batch *b = NULL;
	uint32_t t, r, f, m;
	tally_group g[4];
	size_t n;
	int rc;

	cfg.workers = 1;
	cfg.batch_capacity = 64;
	cfg.allocator = a;
	if ((rc = tally_engine_create(&x, &cfg)) != TALLY_OK)
		return rc;
	if ((rc = tally_engine_tool_intern(x, "t", 1, "v", 1, &t)) ||
	    (rc = tally_engine_string_intern(x, TALLY_STR_RULE, "r", 1, &r)) ||
	    (rc = tally_engine_string_intern(x, TALLY_STR_FILE, "f", 1, &f)) ||
	    (rc = tally_engine_string_intern(x, TALLY_STR_MESSAGE, "m", 1, &m)))
		goto out;
	for (uint32_t i = 0; i < 200; i++) {
		tally_violation v = { t, r, f, m, i % 150, 0, 0, 1, 0 };

		if (b == NULL && (rc = tally_batch_acquire(x, &b)) != TALLY_OK)
			goto out;
		if ((rc = tally_batch_append(b, &v)) == TALLY_EFULL) {
			if ((rc = tally_batch_submit(x, b)) != TALLY_OK)
				goto out;
			b = NULL;
			i--;
		}
	}
	if (b != NULL && (rc = tally_batch_submit(x, b)) != TALLY_OK)
		goto out;
	b = NULL;
	if ((rc = tally_engine_flush(x)) != TALLY_OK)
		goto out;
	if ((rc = tally_snapshot_acquire(x, &s)) != TALLY_OK)
		goto out;
	rc = tally_snapshot_groups(s, TALLY_DIM_RULE, TALLY_ORDER_COUNT, g, 4,
	    &n);
	if (rc == TALLY_OK) {
		tally_totals tt;

		tally_snapshot_totals(s, &tt);
		rc = tt.unique == 150 && tt.read == 200 ? TALLY_OK : TALLY_ERANGE;
	}
out:
	tally_batch_discard(x, b);
	tally_snapshot_release(s);
	tally_engine_destroy(x);
	return rc;
}

Test(engine, injected_allocator_sees_every_block)
{
	counting c = COUNTING_INIT(0);
	tally_allocator a = { c_alloc, c_free, &c };

	cr_assert(eq(int, workload(&a), TALLY_OK));
	cr_expect(gt(long, c.allocs, 0));
	cr_expect(eq(long, c.allocs, c.frees));
	cr_expect(eq(long, c.bad_frees, 0), "free() got the sizes alloc() gave");
	cr_expect(eq(sz, c.live_bytes, 0));
}

Test(engine, every_allocation_failure_is_reported_cleanly)
{
	counting c = COUNTING_INIT(0);
	tally_allocator a = { c_alloc, c_free, &c };
	long total;
	int failures = 0;

	cr_assert(eq(int, workload(&a), TALLY_OK));
	total = c.allocs;
	/* Fail each allocation in turn: no crash, no leak, and either the
	 * work completes or an error comes back. */
	for (long k = 1; k <= total; k++) {
		int rc;

		c = (counting)COUNTING_INIT(k);
		rc = workload(&a);
		cr_expect(eq(long, c.allocs - 1, c.frees),
		    "allocation %ld: blocks leaked", k);
		cr_expect(eq(long, c.bad_frees, 0), "allocation %ld", k);
		cr_expect(eq(sz, c.live_bytes, 0), "allocation %ld", k);
		cr_expect(rc == TALLY_OK || rc == TALLY_ENOMEM ||
		    rc == TALLY_ESTATE, "allocation %ld: rc %d", k, rc);
		failures += rc != TALLY_OK;
	}
	cr_expect(gt(int, failures, 0));
}

/*
 * Batches come from a detector pool: after a burst, the idle ones beyond
 * the budget (twice max_inflight) and the threads' magazines are freed.
 */
Test(engine, idle_batches_past_the_budget_are_freed)
{
	counting c = COUNTING_INIT(0);
	tally_allocator a = { c_alloc, c_free, &c };
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *x;
	tally_batch *b[64];
	uint32_t t, r, f, m;
	size_t base, held, after, one;

	cfg.workers = 1;
	cfg.batch_capacity = 64;
	cfg.max_inflight = 1; /* budget: 2 idle batches in the store */
	cfg.allocator = &a;
	cr_assert(eq(int, tally_engine_create(&x, &cfg), TALLY_OK));
	cr_assert(eq(int, tally_engine_tool_intern(x, "t", 1, NULL, 0, &t), 0));
	cr_assert(eq(int, tally_engine_string_intern(x, TALLY_STR_RULE, "r", 1, &r),
	    0));
	cr_assert(eq(int, tally_engine_string_intern(x, TALLY_STR_FILE, "f", 1, &f),
	    0));
	cr_assert(eq(int, tally_engine_string_intern(x, TALLY_STR_MESSAGE, "m", 1,
	    &m), 0));
	base = c.live_bytes;
	for (uint32_t i = 0; i < 64; i++) {
		tally_violation v = { t, r, f, m, i, 0, 0, 1, 0 };

		cr_assert(eq(int, tally_batch_acquire(x, &b[i]), 0));
		cr_assert(eq(int, tally_batch_append(b[i], &v), 0));
	}
	held = c.live_bytes - base;
	one = held / 64;
	for (uint32_t i = 0; i < 64; i++)
		cr_assert(eq(int, tally_batch_submit(x, b[i]), 0));
	cr_assert(eq(int, tally_engine_flush(x), 0));
	after = c.live_bytes - base;
	/* the store's 2, two magazines of 4 in each of the two threads, and
	 * the aggregates' growth (far less than a batch here) */
	cr_expect(le(sz, after, 19 * one), "%zu of %zu bytes still held",
	    after, held);
	tally_engine_destroy(x);
	cr_expect(eq(sz, c.live_bytes, 0));
}

Test(engine, strerror_names_every_code)
{
	int codes[] = { TALLY_OK, TALLY_EINVAL, TALLY_ENOMEM, TALLY_EAGAIN,
		TALLY_EFULL, TALLY_ERANGE, TALLY_ESTATE, TALLY_EIO,
		TALLY_EIO_NOENT, TALLY_EIO_ISDIR, TALLY_EPARSE,
		TALLY_EPARSE_EMPTY, TALLY_EPARSE_TRUNCATED, TALLY_EPARSE_UTF8,
		TALLY_EFORMAT, TALLY_EFORMAT_VERSION, TALLY_EFORMAT_TYPE,
		TALLY_EFORMAT_MISSING, TALLY_EFORMAT_VALUE };

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		cr_expect(not(eq(str, (char *)tally_strerror(codes[i]),
		    "unknown error")), "code %d", codes[i]);
		for (size_t j = 0; j < i; j++)
			cr_expect(not(eq(int, codes[i], codes[j])));
	}
	cr_expect(eq(str, (char *)tally_strerror(-12345), "unknown error"));
	cr_expect(eq(int, tally_status_family(TALLY_EPARSE_TRUNCATED),
	    TALLY_EPARSE));
	cr_expect(eq(int, tally_status_family(TALLY_EFORMAT_TYPE),
	    TALLY_EFORMAT));
	cr_expect(eq(int, tally_status_family(TALLY_EIO), TALLY_EIO));
	cr_expect(eq(int, tally_status_family(TALLY_OK), TALLY_OK));
	cr_expect(eq(str, (char *)tally_version(), TALLY_VERSION_STRING));
}

Test(engine, level_names_round_trip)
{
	for (int l = 0; l < TALLY_LEVEL_COUNT; l++) {
		const char *n = tally_level_name((tally_level)l);
		tally_level back;

		cr_assert(not(eq(ptr, (void *)n, NULL)));
		cr_expect(eq(int, tally_level_parse(n, strlen(n), &back), 0));
		cr_expect(eq(int, (int)back, l));
	}
	cr_expect(eq(ptr, (void *)tally_level_name(4), NULL));
	{
		tally_level l;

		cr_expect(eq(int, tally_level_parse("Error", 5, &l),
		    TALLY_EINVAL));
		cr_expect(eq(int, tally_level_parse("err", 3, &l), TALLY_EINVAL));
	}
}

/* ---- published snapshots (tally/snapshot.h) ---- */

/* Publication numbers snapshots one by one; a held one outlives them. */
Test(engine, snapshots_are_numbered_and_outlive_publication)
{
	uint32_t t = tool("t"), m = intern(TALLY_STR_MESSAGE, "m");
	uint32_t r = intern(TALLY_STR_RULE, "r"), f = intern(TALLY_STR_FILE, "f");
	tally_violation v[] = { { t, r, f, m, 1, 0, 0, 2, 0 },
		{ t, r, f, m, 2, 0, 0, 2, 0 } };
	tally_snapshot *a = NULL, *b = NULL, *c = NULL;
	tally_totals ta, tb;

	cr_assert(eq(int, tally_snapshot_acquire(e, &a), TALLY_OK));
	submit(v, 2);
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &b), TALLY_OK));
	cr_expect(gt(u64, tally_snapshot_seq(b), tally_snapshot_seq(a)));
	cr_assert(eq(int, tally_snapshot_publish(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &c), TALLY_OK));
	cr_expect(gt(u64, tally_snapshot_seq(c), tally_snapshot_seq(b)));
	/* a was published before the batch; b and c after it. a is still
	 * readable although two publications replaced it (ASan checks). */
	tally_snapshot_totals(a, &ta);
	tally_snapshot_totals(b, &tb);
	cr_expect(eq(u64, tb.unique, ta.unique + 2));
	cr_expect(eq(u64, tb.read, ta.read + 2));
	tally_snapshot_totals(c, &ta);
	cr_expect(eq(u64, ta.unique, tb.unique));
	tally_snapshot_release(a);
	tally_snapshot_release(c);
	/* retain: one more reference, released separately */
	cr_expect(eq(ptr, tally_snapshot_retain(b), b));
	tally_snapshot_release(b);
	tally_snapshot_totals(b, &tb);
	cr_expect(eq(u64, tb.unique, 2));
	tally_snapshot_release(b);
}

Test(engine, wait_returns_on_publication_or_times_out)
{
	tally_snapshot *s = NULL;
	uint64_t seq;
	struct timespec t0, t1;

	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	seq = tally_snapshot_seq(s);
	tally_snapshot_release(s);
	{
		/* something new: the fixture's engine publishes it within
		 * 100 ms (the default interval), no flush needed */
		tally_violation v[] = { { tool("t"), intern(TALLY_STR_RULE, "r"),
			intern(TALLY_STR_FILE, "f"),
			intern(TALLY_STR_MESSAGE, "m"), 1, 0, 0, 2, 0 } };

		submit(v, 1);
	}
	cr_expect(eq(int, tally_snapshot_wait(e, seq, 5000), TALLY_OK));
	cr_expect(eq(int, tally_snapshot_wait(e, seq, 0), TALLY_OK));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_expect(eq(int, tally_snapshot_wait(e, UINT64_MAX - 1, 30),
	    TALLY_ETIMEDOUT));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_expect(ge(dbl, (double)(t1.tv_sec - t0.tv_sec) +
	    (t1.tv_nsec - t0.tv_nsec) * 1e-9, 0.029));
	cr_expect(eq(int, tally_snapshot_wait(NULL, 0, 0), TALLY_EINVAL));
	cr_expect(eq(int, tally_snapshot_publish(NULL), TALLY_EINVAL));
}

struct seen {
	uint64_t calls, last_seq, last_unique;
	bool in_order;
};

static void
on_snap(const tally_snapshot *s, void *arg)
{
	struct seen *x = arg;
	tally_totals t;

	x->in_order &= tally_snapshot_seq(s) == x->last_seq + 1 ||
	    x->calls == 0;
	x->calls++;
	x->last_seq = tally_snapshot_seq(s);
	tally_snapshot_totals(s, &t);
	x->last_unique = t.unique;
	/* a reference taken here is the caller's (ASan: not freed early) */
	tally_snapshot_release(tally_snapshot_retain(s));
	/* acquiring from the callback, even with a flush not yet
	 * published, must not publish again (it would deadlock) */
	{
		tally_snapshot *cur = NULL;

		if (tally_snapshot_acquire(tally_snapshot_engine(s), &cur) ==
		    TALLY_OK)
			tally_snapshot_release(cur);
	}
}

/* The sequence number of @e's current snapshot. */
static uint64_t
seq_now(void)
{
	tally_snapshot *s;
	uint64_t seq;

	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	seq = tally_snapshot_seq(s);
	tally_snapshot_release(s);
	return seq;
}

/* The unique count of @e's current snapshot. */
static uint64_t
unique_now(void)
{
	tally_snapshot *s;
	tally_totals t;

	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	tally_snapshot_totals(s, &t);
	tally_snapshot_release(s);
	return t.unique;
}

/* The callback sees every publication, in order. */
Test(engine, on_snapshot_sees_every_publication)
{
	struct seen x = { 0, 0, 0, true };
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *saved = e, *own = NULL;
	uint32_t t, m, r, f;

	cfg.workers = 2;
	cfg.snapshot_interval_ms = 5;
	cfg.on_snapshot = on_snap;
	cfg.on_snapshot_arg = &x;
	cr_assert(eq(int, tally_engine_create(&own, &cfg), TALLY_OK));
	e = own;
	t = tool("t"), m = intern(TALLY_STR_MESSAGE, "m");
	r = intern(TALLY_STR_RULE, "r"), f = intern(TALLY_STR_FILE, "f");
	{
		tally_violation v[] = { { t, r, f, m, 1, 0, 0, 2, 0 },
			{ t, r, f, m, 1, 0, 0, 2, 0 }, { t, r, f, m, 3, 0, 0, 1, 0 } };

		submit(v, 3);
	}
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(u64, unique_now(), 2)); /* the acquire publishes */
	{
		/* more, and no flush: only the periodic publisher (5 ms) can
		 * show it (an acquire without a flush does not publish) */
		tally_violation v[] = { { t, r, f, m, 9, 0, 0, 2, 0 } };

		submit(v, 1);
	}
	for (uint64_t seq = seq_now(); unique_now() != 3; seq++)
		cr_assert(eq(int, tally_snapshot_wait(e, seq, 5000), TALLY_OK));
	cr_expect(eq(int, tally_snapshot_publish(e), TALLY_OK)); /* on demand */
	tally_engine_destroy(own); /* joins the publisher: x is settled */
	e = saved;
	cr_expect(x.in_order);
	cr_expect(ge(u64, x.calls, 3));
	cr_expect(eq(u64, x.calls, x.last_seq)); /* 1, 2, ... none missed */
	cr_expect(eq(u64, x.last_unique, 3));
}

/* An idle engine publishes nothing periodically; on demand it does. */
Test(engine, an_idle_engine_does_not_republish)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *saved = e, *own = NULL;
	uint64_t seq;

	cfg.workers = 1;
	cfg.snapshot_interval_ms = 2;
	cr_assert(eq(int, tally_engine_create(&own, &cfg), TALLY_OK));
	{
		tally_snapshot *s;

		cr_assert(eq(int, tally_snapshot_acquire(own, &s), TALLY_OK));
		seq = tally_snapshot_seq(s);
		tally_snapshot_release(s);
	}
	/* 50 intervals: no periodic publication has anything to show */
	cr_expect(eq(int, tally_snapshot_wait(own, seq, 100), TALLY_ETIMEDOUT));
	cr_expect(eq(int, tally_snapshot_publish(own), TALLY_OK));
	cr_expect(eq(int, tally_snapshot_wait(own, seq, 0), TALLY_OK));
	cr_expect(eq(int, tally_snapshot_wait(own, seq + 1, 0),
	    TALLY_ETIMEDOUT));
	tally_engine_destroy(own);
	e = saved;
}
