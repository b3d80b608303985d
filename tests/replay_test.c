/*
 * tests/replay_test.c - stored results (tally/results.h): a pack replayed
 * into another engine counts exactly what the first counted, by name; a
 * bad pack, or a replay that runs out of memory, adds nothing.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "tally.h"
#include "tests/test_util.h"

#define N 1000 /* rows: 16 batches of 64 */

static tally_engine *
engine(const tally_allocator *alloc)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *e;

	cfg.workers = 2;
	cfg.batch_capacity = 64;
	cfg.allocator = alloc;
	cr_assert(eq(int, tally_engine_create(&e, &cfg), TALLY_OK));
	return e;
}

/*
 * N violations over a few tools (with versions), rules, files and
 * messages, some names holding NUL bytes or empty, some rows repeated
 * (duplicates the engine drops), a fifth of them suppressed, and some
 * repeats with the other flag (a distinct violation each).
 */
static void
make(tally_engine *e, tally_violation *v)
{
	static const char rule[][8] = { "R1", "R2", "", "R\0x", "R\0y" };
	uint32_t tool[3], id;
	char name[32];

	cr_assert(eq(int, tally_engine_tool_intern(e, "alpha", 5, "1.0", 3,
	    &tool[0]), 0));
	cr_assert(eq(int, tally_engine_tool_intern(e, "beta", 4, NULL, 0,
	    &tool[1]), 0));
	cr_assert(eq(int, tally_engine_tool_intern(e, "gam\0ma", 6, "2\0b", 3,
	    &tool[2]), 0));
	for (uint32_t i = 0; i < N; i++) {
		uint32_t r = i % 7 == 3 ? i - 1 : i; /* duplicates */
		int n = snprintf(name, sizeof(name), "src/f%u.c", r % 37);

		v[i] = (tally_violation){ .tool = tool[r % 3],
			.line = r % 101, .column = r % 5,
			.offset = (uint64_t)r << 33, .level = (uint8_t)(r % 4),
			.flags = (r % 5 == 1) ^ (i % 14 == 3) ?
			    TALLY_VIOLATION_SUPPRESSED : 0 };
		cr_assert(eq(int, tally_engine_string_intern(e, TALLY_STR_RULE,
		    rule[r % 5], r % 5 >= 3 ? 3 : strlen(rule[r % 5]),
		    &v[i].rule), 0));
		cr_assert(eq(int, tally_engine_string_intern(e, TALLY_STR_FILE, name,
		    (size_t)n, &v[i].file), 0));
		n = snprintf(name, sizeof(name), "message %u", r % 11);
		cr_assert(eq(int, tally_engine_string_intern(e, TALLY_STR_MESSAGE,
		    name, (size_t)n, &id), 0));
		v[i].message = id;
	}
}

static void
submit_all(tally_engine *e, const tally_violation *v, size_t n)
{
	for (size_t i = 0; i < n;) {
		tally_batch *b;

		cr_assert(eq(int, tally_batch_acquire(e, &b), 0));
		for (; i < n && tally_batch_count(b) < 64; i++)
			cr_assert(eq(int, tally_batch_append(b, &v[i]), 0));
		cr_assert(eq(int, tally_batch_submit(e, b), 0));
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append @n bytes of @s to @x at *@at, a NUL byte written as "\0". */
static void
put(char *x, size_t *at, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\0') {
			x[(*at)++] = '\\';
			x[(*at)++] = '0';
		} else {
			x[(*at)++] = s[i];
		}
	}
	x[(*at)++] = '|';
	x[*at] = '\0';
}

/*
 * Everything a snapshot says, by name: totals, levels, and each group of
 * tools (with versions), rules and files as a "dim|name|...|count" line,
 * the lines sorted. Two engines that counted the same violations describe
 * them alike whatever their ids.
 */
static char *
describe(tally_engine *e)
{
	tally_snapshot *s;
	tally_totals t;
	char *lines[1024], *out;
	size_t nl = 0, len;
	tally_group g[256];

	cr_assert(eq(int, tally_engine_flush(e), 0));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), 0));
	tally_snapshot_totals(s, &t);
	for (unsigned d = TALLY_DIM_TOOL; d <= TALLY_DIM_FILE; d++) {
		size_t n;

		cr_assert(eq(int, tally_snapshot_groups(s, (tally_dim)d,
		    TALLY_ORDER_ID, g, 256, &n), 0));
		cr_assert(lt(sz, n, 256));
		for (size_t i = 0; i < n; i++) {
			char *x = malloc(512);
			size_t at = 0, l;
			const char *a;

			x[at++] = (char)('0' + d);
			x[at++] = '|';
			if (d == TALLY_DIM_FILE) {
				a = tally_engine_string_lookup(e, TALLY_STR_FILE,
				    g[i].file, &l);
				put(x, &at, a, l);
			} else {
				a = tally_engine_string_lookup(e, TALLY_STR_TOOL,
				    g[i].tool, &l);
				put(x, &at, a, l);
				a = tally_engine_tool_version(e, g[i].tool, &l);
				put(x, &at, a, l);
			}
			if (d == TALLY_DIM_RULE) {
				a = tally_engine_string_lookup(e, TALLY_STR_RULE,
				    g[i].rule, &l);
				put(x, &at, a, l);
			}
			sprintf(x + at, "%llu", (unsigned long long)g[i].count);
			cr_assert(lt(sz, nl, 1024));
			lines[nl++] = x;
		}
	}
	qsort(lines, nl, sizeof(char *), cmp_str);
	out = malloc(nl * 512 + 256);
	len = (size_t)sprintf(out, "read %llu unique %llu suppressed %llu dup "
	    "%llu levels", (unsigned long long)t.read,
	    (unsigned long long)t.unique, (unsigned long long)t.suppressed,
	    (unsigned long long)t.duplicates);
	for (int l = 0; l < TALLY_LEVEL_COUNT; l++)
		len += (size_t)sprintf(out + len, " %llu", (unsigned long long)
		    tally_snapshot_level(s, (tally_level)l));
	for (size_t i = 0; i < nl; i++) {
		len += (size_t)sprintf(out + len, "\n%s", lines[i]);
		free(lines[i]);
	}
	tally_snapshot_release(s);
	return out;
}

static tally_violation v[N];

Test(replay, another_engine_counts_the_same_by_name)
{
	tally_engine *a = engine(NULL), *b = engine(NULL);
	void *blob;
	size_t len;
	uint64_t n = 0;
	char *da, *db;

	/* b knows other strings first: its ids differ from a's */
	cr_assert(eq(int, tally_engine_string_intern(b, TALLY_STR_FILE, "zz", 2,
	    &(uint32_t){ 0 }), 0));
	cr_assert(eq(int, tally_engine_tool_intern(b, "other", 5, NULL, 0,
	    &(uint32_t){ 0 }), 0));
	make(a, v);
	submit_all(a, v, N);
	cr_assert(eq(int, tally_results_pack(a, v, N, &blob, &len), 0));
	cr_assert(eq(int, tally_results_replay(b, blob, len, &n), 0));
	cr_expect(eq(u64, n, N));
	da = describe(a);
	db = describe(b);
	cr_expect(eq(str, da, db));
	/* and it is not trivially so: the rows made groups and duplicates */
	cr_expect(not(eq(ptr, strstr(da, "gam\\0ma|2\\0b|"), NULL)), "%s", da);
	cr_expect(not(eq(ptr, strstr(da, "R\\0y|"), NULL)), "%s", da);
	cr_expect(eq(ptr, strstr(da, "dup 0 "), NULL), "%s", da);
	cr_expect(eq(ptr, strstr(da, "suppressed 0 "), NULL), "%s", da);
	free(da);
	free(db);

	/* replayed into a itself, every row is a duplicate of its own */
	{
		tally_totals t0, t1;
		tally_snapshot *s;

		cr_assert(eq(int, tally_snapshot_acquire(a, &s), 0));
		tally_snapshot_totals(s, &t0);
		tally_snapshot_release(s);
		cr_assert(eq(int, tally_results_replay(a, blob, len, NULL), 0));
		cr_assert(eq(int, tally_engine_flush(a), 0));
		cr_assert(eq(int, tally_snapshot_acquire(a, &s), 0));
		tally_snapshot_totals(s, &t1);
		tally_snapshot_release(s);
		cr_expect(eq(u64, t1.unique, t0.unique));
		cr_expect(eq(u64, t1.suppressed, t0.suppressed));
		cr_expect(eq(u64, t1.read, 2 * t0.read));
	}
	tally_results_free(a, blob, len);
	tally_engine_destroy(a);
	tally_engine_destroy(b);
}

Test(replay, an_empty_pack_replays_nothing)
{
	tally_engine *a = engine(NULL);
	void *blob;
	size_t len;
	uint64_t n = 7;

	cr_assert(eq(int, tally_results_pack(a, NULL, 0, &blob, &len), 0));
	cr_assert(eq(int, tally_results_replay(a, blob, len, &n), 0));
	cr_expect(eq(u64, n, 0));
	tally_results_free(a, blob, len);
	tally_engine_destroy(a);
}

Test(replay, unknown_ids_and_levels_are_refused_by_pack)
{
	tally_engine *a = engine(NULL);
	tally_violation x[1] = { { 0 } };
	void *blob = NULL;
	size_t len;

	make(a, v);
	x[0] = v[0];
	x[0].file = 9999;
	cr_expect(eq(int, tally_results_pack(a, x, 1, &blob, &len),
	    TALLY_ERANGE));
	x[0] = v[0];
	x[0].level = TALLY_LEVEL_COUNT;
	cr_expect(eq(int, tally_results_pack(a, x, 1, &blob, &len),
	    TALLY_ERANGE));
	/* what tally_batch_append() refuses: unknown flags, offset 2^63 */
	x[0] = v[0];
	x[0].flags = 0x2;
	cr_expect(eq(int, tally_results_pack(a, x, 1, &blob, &len),
	    TALLY_ERANGE));
	x[0] = v[0];
	x[0].offset = UINT64_C(1) << 63;
	cr_expect(eq(int, tally_results_pack(a, x, 1, &blob, &len),
	    TALLY_ERANGE));
	cr_expect(eq(ptr, blob, NULL));
	tally_engine_destroy(a);
}

/* Strings and counts of @e, to show that a refused replay added nothing. */
static uint64_t
strings(tally_engine *e)
{
	uint64_t n = 0;

	for (int k = 0; k < TALLY_STR_KIND_COUNT; k++)
		n += tally_engine_string_count(e, (tally_strkind)k);
	return n;
}

Test(replay, bad_packs_add_nothing)
{
	tally_engine *a = engine(NULL), *b = engine(NULL);
	unsigned char *blob, *bad;
	size_t len;
	uint64_t nstr;
	char *empty, *now;

	make(a, v);
	cr_assert(eq(int, tally_results_pack(a, v, N, (void **)&blob, &len),
	    0));
	empty = describe(b);
	nstr = strings(b);
	bad = malloc(len);
	/* every truncation */
	for (size_t l = 0; l < len; l += l < 4096 ? 1 : 97) {
		memcpy(bad, blob, l);
		cr_assert(eq(int, tally_results_replay(b, bad, l, NULL),
		    TALLY_EFORMAT), "length %zu of %zu", l, len);
	}
	/*
	 * a wrong magic (0.2's "TLR1" too), an index past its strings, an
	 * unknown level, unknown flags, an offset at bit 63
	 */
	{
		uint32_t nrule;
		size_t cols = len - (size_t)N * 34;

		memcpy(bad, blob, len);
		bad[0] ^= 1;
		cr_expect(eq(int, tally_results_replay(b, bad, len, NULL),
		    TALLY_EFORMAT));
		memcpy(bad, blob, len);
		memcpy(bad, &(uint32_t){ 0x31524c54u }, 4); /* "TLR1" */
		cr_expect(eq(int, tally_results_replay(b, bad, len, NULL),
		    TALLY_EFORMAT));
		memcpy(bad, blob, len);
		memcpy(&nrule, blob + 8, 4); /* after magic and tools */
		memcpy(bad + cols + 4 * N + 4 * 500, &nrule, 4); /* rule 500 */
		cr_expect(eq(int, tally_results_replay(b, bad, len, NULL),
		    TALLY_EFORMAT));
		memcpy(bad, blob, len);
		bad[cols + 33 * N - 1] = TALLY_LEVEL_COUNT; /* the last level */
		cr_expect(eq(int, tally_results_replay(b, bad, len, NULL),
		    TALLY_EFORMAT));
		memcpy(bad, blob, len);
		bad[len - 1] = 0x2; /* the last row's flags */
		cr_expect(eq(int, tally_results_replay(b, bad, len, NULL),
		    TALLY_EFORMAT));
		memcpy(bad, blob, len);
		memcpy(bad + cols + 32 * N - 8, /* the last offset */
		    &(uint64_t){ UINT64_C(1) << 63 }, 8);
		cr_expect(eq(int, tally_results_replay(b, bad, len, NULL),
		    TALLY_EFORMAT));
		cr_expect(eq(u64, strings(b), nstr));
		now = describe(b);
		cr_expect(eq(str, now, empty));
		free(now);
		/* an index one below the count is fine: the check is exact */
		nrule--;
		memcpy(bad, blob, len);
		memcpy(bad + cols + 4 * N + 4 * 500, &nrule, 4);
		cr_expect(eq(int, tally_results_replay(b, bad, len, NULL), 0));
		cr_expect(gt(u64, strings(b), nstr));
	}
	free(empty);
	free(bad);
	tally_results_free(a, blob, len);
	tally_engine_destroy(a);
	tally_engine_destroy(b);
}

Test(replay, out_of_memory_adds_nothing)
{
	counting cnt = COUNTING_INIT(0);
	tally_allocator al = { c_alloc, c_free, &cnt };
	tally_engine *a = engine(NULL), *b = engine(&al);
	void *blob;
	size_t len;
	int rc = TALLY_ENOMEM;
	long k;
	char *want, *got;

	make(a, v);
	submit_all(a, v, N);
	want = describe(a);
	cr_assert(eq(int, tally_results_pack(a, v, N, &blob, &len), 0));
	for (k = 1; rc == TALLY_ENOMEM; k++) {
		tally_totals t;
		tally_snapshot *s;

		pthread_mutex_lock(&cnt.lock);
		cnt.fail_at = cnt.allocs + k;
		pthread_mutex_unlock(&cnt.lock);
		rc = tally_results_replay(b, blob, len, NULL);
		pthread_mutex_lock(&cnt.lock);
		cnt.fail_at = 0;
		pthread_mutex_unlock(&cnt.lock);
		/*
		 * Once the failing allocation is a worker's, aggregating a
		 * batch already submitted, the engine fails (TALLY_ESTATE):
		 * past the replay's own allocations.
		 */
		cr_assert(rc == TALLY_OK || rc == TALLY_ENOMEM ||
		    rc == TALLY_ESTATE, "rc %d at %ld", rc, k);
		if (rc != TALLY_ENOMEM)
			break;
		cr_assert(eq(int, tally_engine_flush(b), 0));
		cr_assert(eq(int, tally_snapshot_acquire(b, &s), 0));
		tally_snapshot_totals(s, &t);
		tally_snapshot_release(s);
		cr_assert(eq(u64, t.read, 0), "allocation %ld", k);
	}
	cr_expect(gt(long, k, 5)); /* the failures were met on the way */
	if (rc == TALLY_ESTATE) {
		tally_engine_destroy(b);
		b = engine(&al);
		cr_assert(eq(int, tally_results_replay(b, blob, len, NULL), 0));
	}
	got = describe(b);
	cr_expect(eq(str, got, want));
	free(want);
	free(got);
	tally_results_free(a, blob, len);
	tally_engine_destroy(a);
	tally_engine_destroy(b);
	cr_expect(eq(ptr, cnt.live, NULL)); /* every block came back */
	cr_expect(eq(long, cnt.bad_frees, 0));
}

/*
 * A pack written by hand, as someone who can write a cache could: one
 * tool ("t", version "1"), rule @rule (@rl bytes), file "f", message "m",
 * one row using them. Return its length (@out has room for 128 + @rl).
 */
static size_t
forge(unsigned char *out, const char *rule, uint32_t rl)
{
	const uint32_t head[5] = { 0x32524c54u, 1, 1, 1, 1 };
	const uint64_t rows = 1;
	unsigned char *w = out;
	const struct {
		const char *s;
		uint32_t n;
	} str[5] = { { "t", 1 }, { "1", 1 }, { rule, rl }, { "f", 1 },
		{ "m", 1 } };
	const uint32_t row[6] = { 0, 0, 0, 0, 7, 1 }; /* indexes, line, col */

	memcpy(w, head, sizeof(head));
	w += sizeof(head);
	memcpy(w, &rows, 8);
	w += 8;
	for (int i = 0; i < 5; i++) {
		memcpy(w, &str[i].n, 4);
		memcpy(w + 4, str[i].s, str[i].n);
		w += 4 + str[i].n;
	}
	memcpy(w, row, sizeof(row));
	w += sizeof(row);
	memset(w, 0, 8); /* offset */
	w[8] = TALLY_LEVEL_ERROR;
	w[9] = 0; /* flags */
	return (size_t)(w + 10 - out);
}

Test(replay, forged_strings_must_be_what_a_read_gives)
{
	static const struct {
		const char *s;
		uint32_t n;
	} bad[] = {
		{ "\xff", 1 },                 /* never in UTF-8 */
		{ "a\x80", 2 },                /* a lone continuation */
		{ "\xc0\x80", 2 },             /* overlong NUL */
		{ "\xe0\x80\xaf", 3 },         /* overlong '/' */
		{ "\xed\xa0\x80", 3 },         /* a surrogate */
		{ "\xf4\x90\x80\x80", 4 },     /* past U+10FFFF */
		{ "ok \xe2\x82", 5 },          /* cut short at the end */
		{ "\x1b[31mred\xe2\x82\xac\xfe", 12 }, /* after valid ones */
		{ "0123456789abcdef\xc3", 17 }, /* past an ASCII run */
		/* fuzz finding (cache_fuzz, invalid-utf8-replayed): a lead
		 * byte followed by ASCII, inside a real log's message */
		{ "'minutes' is\xe0not defined.", 25 },
	}, good[] = {
		{ "", 0 }, { "r\0x", 3 }, { "\xc3\xa9", 2 },
		{ "\xe2\x82\xac", 3 }, { "\xf0\x9f\x98\x80", 4 },
		{ "\xef\xbf\xbf\xf4\x8f\xbf\xbf", 7 },
		{ "0123456789abcdef\xc3\xa9", 18 },
	};
	tally_engine *b = engine(NULL);
	unsigned char pack[160];
	uint64_t nstr = strings(b), n;
	size_t len;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = forge(pack, bad[i].s, bad[i].n);
		cr_expect(eq(int, tally_results_replay(b, pack, len, &n),
		    TALLY_EFORMAT), "bad string %zu", i);
		cr_expect(eq(u64, n, 0));
	}
	cr_expect(eq(u64, strings(b), nstr), "a refused pack added strings");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		len = forge(pack, good[i].s, good[i].n);
		cr_expect(eq(int, tally_results_replay(b, pack, len, &n), 0),
		    "good string %zu", i);
		cr_expect(eq(u64, n, 1));
	}
	tally_engine_destroy(b);
}

Test(replay, forged_lengths_and_counts_are_refused)
{
	tally_engine *b = engine(NULL);
	unsigned char pack[160];
	uint32_t x;
	uint64_t rows, nstr = strings(b);
	size_t len = forge(pack, "rule", 4), at = 4 + 16 + 8 + 2 * 5;

	cr_assert(eq(int, tally_results_replay(b, pack, len, NULL), 0));
	nstr = strings(b);
	/* the rule's length: 2^32 - 1 (as long as the reader ever allows,
	 * and past the pack), then one past what is left */
	x = UINT32_MAX;
	memcpy(pack + at, &x, 4);
	cr_expect(eq(int, tally_results_replay(b, pack, len, NULL),
	    TALLY_EFORMAT));
	x = (uint32_t)(len - at - 4 + 1);
	memcpy(pack + at, &x, 4);
	cr_expect(eq(int, tally_results_replay(b, pack, len, NULL),
	    TALLY_EFORMAT));
	len = forge(pack, "rule", 4);
	/* string counts that cannot fit in the pack */
	x = UINT32_MAX;
	memcpy(pack + 8, &x, 4);
	cr_expect(eq(int, tally_results_replay(b, pack, len, NULL),
	    TALLY_EFORMAT));
	len = forge(pack, "rule", 4);
	/* row counts whose columns would overflow a size */
	for (int i = 0; i < 3; i++) {
		const uint64_t r[3] = { UINT64_MAX, UINT64_MAX / 34 + 1, 2 };

		rows = r[i];
		memcpy(pack + 20, &rows, 8);
		cr_expect(eq(int, tally_results_replay(b, pack, len, NULL),
		    TALLY_EFORMAT), "rows %llu", (unsigned long long)rows);
	}
	cr_expect(eq(u64, strings(b), nstr));
	tally_engine_destroy(b);
}
