/*
 * tests/sarif_test.c - the SARIF reader: the definitions on a hand-written
 * log (expectations derived by hand, see tests/data/defs/README.md), every
 * class of bad input, all-or-nothing inputs, buffers, pipes, progress.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tally.h"
#include "test_util.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#define DATA TALLY_TEST_DATA

static tally_engine *e;

static void
setup(void)
{
	tally_config cfg = TALLY_CONFIG_INIT;

	cfg.workers = 2;
	cr_assert(eq(int, tally_engine_create(&e, &cfg), TALLY_OK));
}

static void
teardown(void)
{
	tally_engine_destroy(e);
}

TestSuite(sarif, .init = setup, .fini = teardown, .timeout = 60);

/* Offset of @needle in the file, for placing expected errors. */
static uint64_t
offset_of(const char *path, const char *needle)
{
	size_t len;
	char *buf = slurp(path, &len);
	char *p = memmem(buf, len, needle, strlen(needle));
	uint64_t off;

	cr_assert(not(eq(ptr, p, NULL)), "%s lacks %s", path, needle);
	off = (uint64_t)(p - buf);
	free(buf);
	return off;
}

static tally_totals
totals(void)
{
	tally_snapshot *s = NULL;
	tally_totals t;

	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	tally_snapshot_totals(s, &t);
	tally_snapshot_release(s);
	return t;
}

/* The count of group (tool, rule) or (file), by name; 0 when absent. */
static uint64_t
group_count(tally_snapshot *s, tally_dim dim, const char *a, const char *b)
{
	tally_group g[64];
	size_t n;

	cr_assert(eq(int, tally_snapshot_groups(s, dim, TALLY_ORDER_ID, g, 64,
	    &n), TALLY_OK));
	for (size_t i = 0; i < n; i++) {
		const char *x = dim == TALLY_DIM_FILE ?
		    tally_engine_string_lookup(e, TALLY_STR_FILE, g[i].file, NULL) :
		    tally_engine_string_lookup(e, TALLY_STR_TOOL, g[i].tool, NULL);

		if (strcmp(x, a) != 0)
			continue;
		if (dim == TALLY_DIM_RULE && strcmp(tally_engine_string_lookup(e,
		    TALLY_STR_RULE, g[i].rule, NULL), b) != 0)
			continue;
		return g[i].count;
	}
	return 0;
}

/*
 * tests/data/defs/defs.sarif, resolved by hand from the definitions (the
 * derivation, result by result, is in tests/data/defs/README.md).
 */
static void
expect_defs(void)
{
	tally_snapshot *s = NULL;
	tally_totals t;

	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	tally_snapshot_totals(s, &t);
	cr_expect(eq(u64, t.read, 16));
	cr_expect(eq(u64, t.unique, 13));
	cr_expect(eq(u64, t.duplicates, 3));
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_ERROR), 4));
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_WARNING), 5));
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_NOTE), 3));
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_NONE), 1));
	cr_expect(eq(sz, tally_snapshot_group_count(s, TALLY_DIM_TOOL), 2));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_TOOL, "alpha", NULL), 12));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_TOOL, "beta", NULL), 1));
	cr_expect(eq(sz, tally_snapshot_group_count(s, TALLY_DIM_RULE), 7));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_RULE, "alpha", "A1"), 5));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_RULE, "alpha", "A2"), 3));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_RULE, "alpha", "A3"), 1));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_RULE, "alpha", "A4"), 1));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_RULE, "alpha", "A9"), 1));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_RULE, "alpha", ""), 1));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_RULE, "beta", "B1"), 1));
	cr_expect(eq(sz, tally_snapshot_group_count(s, TALLY_DIM_FILE), 5));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_FILE, "", NULL), 7));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_FILE, "/src/x.c", NULL), 3));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_FILE, "b/c.c", NULL), 1));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_FILE, "q.c", NULL), 1));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_FILE, "host/share/z.c",
	    NULL), 1));
	tally_snapshot_release(s);
}

Test(sarif, definitions_are_applied_exactly)
{
	tally_sarif_report rep;
	uint32_t id;

	cr_assert(eq(int, tally_sarif_read_file(e, DATA "/defs/defs.sarif",
	    NULL, &rep), TALLY_OK), "%s", rep.error.message);
	cr_expect(eq(u64, rep.results, 16));
	cr_expect(eq(u64, rep.runs, 3));
	cr_expect(eq(int, rep.error.status, TALLY_OK));
	cr_expect(eq(str, rep.error.message, ""));
	cr_expect(eq(u64, rep.error.offset, UINT64_MAX));
	expect_defs();
	/* The tool's first non-empty version is kept. */
	cr_assert(eq(int, tally_engine_tool_intern(e, "alpha", 5, NULL, 0, &id), 0));
	cr_expect(eq(str, (char *)tally_engine_tool_version(e, id, NULL), "1.0"));
}

Test(sarif, buffers_read_like_files)
{
	size_t len;
	char *buf = slurp(DATA "/defs/defs.sarif", &len);
	tally_sarif_report rep;

	/* An exact-size heap copy: no padding after it (ASan watches). */
	char *exact = malloc(len);

	memcpy(exact, buf, len);
	cr_assert(eq(int, tally_sarif_read_buffer(e, exact, len, NULL, &rep),
	    TALLY_OK), "%s", rep.error.message);
	cr_expect(eq(u64, rep.results, 16));
	expect_defs();
	free(exact);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* Bad input                                                           */

struct bad {
	const char *file;
	int code;
	const char *at;      /* the offset is where this text starts... */
	int64_t off;         /* ...plus this; -1: the end of the file */
	const char *phrase;  /* part of the message */
};

ParameterizedTestParameters(sarif, bad_input_is_reported_and_adds_nothing)
{
	static struct bad cases[] = {
		{ "truncated.sarif", TALLY_EPARSE_TRUNCATED, NULL, -1,
		  "found end of file" },
		{ "malformed.sarif", TALLY_EPARSE, "\"locations\": [ { \"phy"
		  "sicalLocation\": { \"artifactLocation\": { \"uri\": \"./q.c",
		  0, "expected ',' or '}'" },
		{ "notsarif.json", TALLY_EFORMAT_MISSING, "{\"file\"", 0,
		  "comments[0]: missing \"column\"" },
		{ "array.json", TALLY_EFORMAT, NULL, 0, "found an array" },
		{ "wrongversion.sarif", TALLY_EFORMAT_VERSION, "\"2.0.0\"", 0,
		  "expected \"2.1.0\"" },
		{ "wrongtype.sarif", TALLY_EFORMAT_TYPE, "\"10\", \"startCol", 0,
		  "runs[0].results[8].locations[0].physicalLocation.region."
		  "startLine: expected an integer, found a string" },
		{ "empty.sarif", TALLY_EPARSE_EMPTY, NULL, 0, "empty input" },
		{ "blank.sarif", TALLY_EPARSE_EMPTY, NULL, -1, "empty input" },
		{ "badlevel.sarif", TALLY_EFORMAT_VALUE, "\"fatal\"", 0,
		  "runs[0].results[6].level: expected one of" },
		{ "ruleindex.sarif", TALLY_EFORMAT_VALUE, "{ \"ruleIndex\": 7", 0,
		  "ruleIndex: 7 is out of range (the driver has 3 rules)" },
		{ "trailing.sarif", TALLY_EPARSE, "{}\n", 0,
		  "expected end of file" },
		{ "badutf8.sarif", TALLY_EPARSE_UTF8, "\xc3(", 0,
		  "invalid UTF-8" },
		/* The 1025th '[' of the "properties" value. */
		{ "deep.sarif", TALLY_EPARSE, "[[[", 1024, "nesting deeper" },
		{ "notool.sarif", TALLY_EFORMAT_MISSING, "{\"results\"", 0,
		  "runs[0]: missing required property \"tool\"" },
		{ "resultnotobject.sarif", TALLY_EFORMAT_TYPE, "42]", 0,
		  "runs[0].results[1]: expected an object, found a number" },
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct bad *p = shared_array(cases, n, sizeof(cases[0]));

	for (size_t i = 0; i < n; i++) {
		p[i].file = shared_strdup(cases[i].file);
		p[i].at = shared_strdup(cases[i].at);
		p[i].phrase = shared_strdup(cases[i].phrase);
	}
	return cr_make_param_array(struct bad, p, n);
}

ParameterizedTest(struct bad *c, sarif, bad_input_is_reported_and_adds_nothing)
{
	char path[512];
	tally_sarif_report rep;
	uint64_t want;
	struct stat st;
	int rc;

	snprintf(path, sizeof(path), "%s/bad/%s", DATA, c->file);
	cr_assert(eq(int, stat(path, &st), 0), "%s", path);
	if (c->off == -1)
		want = (uint64_t)st.st_size;
	else
		want = (c->at != NULL ? offset_of(path, c->at) : 0) +
		    (uint64_t)c->off;

	rc = tally_sarif_read_file(e, path, NULL, &rep);
	cr_expect(eq(int, rc, c->code), "%s: %s", c->file, rep.error.message);
	cr_expect(eq(int, rep.error.status, rc));
	cr_expect(eq(u64, rep.error.offset, want), "%s: %s", c->file, rep.error.message);
	cr_expect(not(eq(ptr, strstr(rep.error.message, c->phrase), NULL)),
	    "%s: \"%s\" lacks \"%s\"", c->file, rep.error.message, c->phrase);
	/* The message names the offset too. */
	{
		char at[32];

		snprintf(at, sizeof(at), "byte %llu: ", (unsigned long long)want);
		cr_expect(eq(int, strncmp(rep.error.message, at, strlen(at)), 0), "%s",
		    rep.error.message);
	}
	cr_expect(eq(u64, rep.results, 0));
	cr_expect(eq(u64, totals().read, 0), "%s: partial results", c->file);

	/* The engine is fine: a good input after it counts in full. */
	cr_assert(eq(int, tally_sarif_read_file(e, DATA "/defs/defs.sarif",
	    NULL, &rep), TALLY_OK));
	expect_defs();
}

Test(sarif, missing_files_and_directories)
{
	tally_sarif_report rep;

	cr_expect(eq(int, tally_sarif_read_file(e, DATA "/no/such.sarif", NULL,
	    &rep), TALLY_EIO_NOENT));
	cr_expect(eq(u64, rep.error.offset, UINT64_MAX));
	cr_expect(not(eq(ptr, strstr(rep.error.message, "No such file"), NULL)), "%s",
	    rep.error.message);
	cr_expect(eq(int, tally_sarif_read_file(e, DATA "/bad", NULL, &rep),
	    TALLY_EIO_ISDIR));
	cr_expect(not(eq(ptr, strstr(rep.error.message, "directory"), NULL)), "%s",
	    rep.error.message);
	cr_expect(eq(int, tally_status_family(rep.error.status), TALLY_EIO));
	cr_expect(eq(int, tally_sarif_read_file(e, NULL, NULL, &rep),
	    TALLY_EINVAL));
	cr_expect(eq(u64, totals().read, 0));
}

Test(sarif, every_truncation_is_an_error_and_adds_nothing)
{
	size_t len;
	char *buf = slurp(DATA "/defs/defs.sarif", &len);
	tally_sarif_report rep;

	/* Cut the log at every byte: no crash, no partial garbage. */
	for (size_t cut = 0; cut < len - 2; cut++) {
		int rc = tally_sarif_read_buffer(e, buf, cut, NULL, &rep);

		cr_assert(not(eq(int, rc, TALLY_OK)), "cut at %zu accepted", cut);
		cr_assert(eq(u64, rep.results, 0));
		cr_assert(eq(int, tally_status_family(rc), TALLY_EPARSE),
		    "cut at %zu: %s", cut, rep.error.message);
	}
	cr_expect(eq(u64, totals().read, 0));
	free(buf);
}

/* ------------------------------------------------------------------ */
/* Pipes, progress, a non-blocking engine                              */

struct feeder {
	const char *fifo, *buf;
	size_t len;
};

static void *
feed(void *arg)
{
	struct feeder *f = arg;
	int fd = open(f->fifo, O_WRONLY);

	if (fd >= 0) {
		/* Small writes: the reader must not depend on one read(). */
		for (size_t i = 0; i < f->len; i += 100) {
			size_t n = f->len - i < 100 ? f->len - i : 100;

			if (write(fd, f->buf + i, n) != (ssize_t)n)
				break;
		}
		close(fd);
	}
	return NULL;
}

/* A FIFO @fifo (a mkdtemp() template) fed @len bytes of @buf by @th. */
static void
start_feeder(char *fifo, struct feeder *f, pthread_t *th, const char *buf,
    size_t len)
{
	cr_assert(not(eq(ptr, mkdtemp(fifo), NULL)));
	strcat(fifo, "/p");
	cr_assert(eq(int, mkfifo(fifo, 0600), 0));
	*f = (struct feeder){ fifo, buf, len };
	cr_assert(eq(int, pthread_create(th, NULL, feed, f), 0));
}

static void
remove_fifo(char *fifo)
{
	unlink(fifo);
	*strrchr(fifo, '/') = '\0';
	rmdir(fifo);
}

Test(sarif, pipes_are_read_to_the_end_or_the_limit)
{
	char fifo[64] = "/tmp/tally-test-fifo-XXXXXX";
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	struct feeder f;
	pthread_t th;
	tally_sarif_report rep;
	uint64_t before;
	size_t len;
	char *buf = slurp(DATA "/defs/defs.sarif", &len);

	start_feeder(fifo, &f, &th, buf, len);
	cr_expect(eq(int, tally_sarif_read_file(e, fifo, NULL, &rep), TALLY_OK),
	    "%s", rep.error.message);
	pthread_join(th, NULL);
	cr_expect(eq(u64, rep.bytes, len));
	expect_defs();
	remove_fifo(fifo);

	/*
	 * over the limit: refused as it passes it, nothing counted. The
	 * reader closes the FIFO while the feeder may still be writing: its
	 * write must fail with EPIPE, not kill the test with SIGPIPE.
	 */
	cr_assert(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	before = totals().read;
	strcpy(fifo, "/tmp/tally-test-fifo-XXXXXX");
	start_feeder(fifo, &f, &th, buf, len);
	so.max_input_bytes = 1000;
	cr_expect(eq(int, tally_sarif_read_file(e, fifo, &so, &rep),
	    TALLY_EIO_TOOBIG));
	cr_expect(eq(str, rep.error.message, "byte 1000: larger than the "
	    "limit of 1000 bytes (max_input_bytes)"));
	cr_expect(eq(u64, rep.error.offset, 1000));
	pthread_join(th, NULL);
	cr_expect(eq(u64, totals().read, before));
	remove_fifo(fifo);
	free(buf);
}

struct prog {
	uint64_t calls, last_done, total;
};

static void
on_progress(void *arg, uint64_t done, uint64_t total)
{
	struct prog *p = arg;

	cr_assert(ge(u64, done, p->last_done), "progress went backwards");
	cr_assert(le(u64, done, total));
	p->calls++;
	p->last_done = done;
	p->total = total;
}

Test(sarif, progress_reaches_the_end)
{
	tally_sarif_options opt = TALLY_SARIF_OPTIONS_INIT;
	struct prog p = { 0, 0, 0 };
	tally_sarif_report rep;

	opt.progress = on_progress;
	opt.progress_arg = &p;
	cr_assert(eq(int, tally_sarif_read_file(e, DATA "/defs/defs.sarif",
	    &opt, &rep), TALLY_OK));
	cr_expect(ge(u64, p.calls, 1));
	cr_expect(eq(u64, p.last_done, rep.bytes));
	cr_expect(eq(u64, p.total, rep.bytes));
	opt.struct_size = 4;
	cr_expect(eq(int, tally_sarif_read_file(e, DATA "/defs/defs.sarif",
	    &opt, &rep), TALLY_EINVAL));
}

Test(sarif, nonblocking_engines_are_waited_for)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *x = NULL, *saved = e;
	tally_sarif_report rep;

	cfg.workers = 1;
	cfg.max_inflight = 1;
	cfg.batch_capacity = 64; /* several batches per input */
	cfg.flags = TALLY_SUBMIT_NONBLOCK;
	cr_assert(eq(int, tally_engine_create(&x, &cfg), TALLY_OK));
	e = x;
	cr_expect(eq(int, tally_sarif_read_file(e, DATA "/defs/defs.sarif",
	    NULL, &rep), TALLY_OK));
	cr_expect(eq(int, tally_sarif_read_file(e, DATA
	    "/samples/markdownlint.sarif", NULL, NULL), TALLY_OK));
	cr_expect(eq(u64, totals().read, 16 + 25));
	e = saved;
	tally_engine_destroy(x);
}

Test(sarif, multitool_layout_resolves_rule_defaults)
{
	tally_sarif_report rep;
	tally_snapshot *s = NULL;

	/*
	 * The Multitool writes results before tool, no levels, and cppcheck
	 * rules without defaultConfiguration: every result is "warning".
	 */
	cr_assert(eq(int, tally_sarif_read_file(e, DATA
	    "/samples/cppcheck-multitool.sarif", NULL, &rep), TALLY_OK));
	cr_expect(eq(u64, rep.results, 333));
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	cr_expect(eq(u64, tally_snapshot_level(s, TALLY_LEVEL_WARNING),
	    tally_snapshot_level(s, 0) + tally_snapshot_level(s, 1) +
	    tally_snapshot_level(s, 2) + tally_snapshot_level(s, 3)));
	cr_expect(eq(u64, group_count(s, TALLY_DIM_TOOL, "CppCheck", NULL),
	    totals().unique));
	tally_snapshot_release(s);
}

/* ---- stored inputs (tally_sarif_options.cache) ---- */

static tally_cache *
open_cache(const char *dir)
{
	tally_cache_config cfg = TALLY_CACHE_CONFIG_INIT;
	tally_cache *c;

	cfg.dir = dir;
	cr_assert(eq(int, tally_cache_create(&cfg, NULL, &c, NULL), TALLY_OK));
	return c;
}

/* A fresh engine, as a later process would have. */
static void
restart(void)
{
	teardown();
	setup();
}

/* The one entry file of a cache directory that holds one entry. */
static void
entry_path(const char *dir, char *out, size_t cap)
{
	char cmd[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "find %s/tally-cache-v1 -mindepth 2 "
	    "-type f ! -path '*/tally-cache-v1/tmp/*'", dir);
	p = popen(cmd, "r");
	cr_assert(not(eq(ptr, p, NULL)));
	cr_assert(not(eq(ptr, fgets(out, (int)cap, p), NULL)), "no entry");
	out[strcspn(out, "\n")] = '\0';
	cr_expect(eq(ptr, fgets(cmd, sizeof(cmd), p), NULL), "two entries");
	pclose(p);
}

Test(sarif, a_stored_input_replays_exactly)
{
	char dir[] = "/tmp/tally-sarif-cache-XXXXXX", path[512];
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report rep, first;
	tally_cache_stats cs;
	tally_cache *c;

	cr_assert(not(eq(ptr, mkdtemp(dir), NULL)));
	/* first: read, and stored */
	so.cache = c = open_cache(dir);
	cr_assert(eq(int, tally_sarif_read_file(e, DATA "/defs/defs.sarif",
	    &so, &first), TALLY_OK));
	expect_defs();
	tally_cache_stats_get(c, &cs);
	cr_expect(eq(u64, cs.misses, 1));
	tally_cache_destroy(c);

	/* again, in a new engine and cache: replayed, the same counts */
	restart();
	so.cache = c = open_cache(dir);
	cr_assert(eq(int, tally_sarif_read_file(e, DATA "/defs/defs.sarif",
	    &so, &rep), TALLY_OK));
	cr_expect(eq(u64, rep.results, first.results));
	cr_expect(eq(u64, rep.runs, first.runs));
	cr_expect(eq(u64, rep.bytes, first.bytes));
	expect_defs();
	tally_cache_stats_get(c, &cs);
	cr_expect(eq(u64, cs.l3_hits, 1));
	cr_expect(eq(u64, cs.misses, 0));
	tally_cache_destroy(c);

	/* a stored entry damaged on disk: read again, still exact */
	entry_path(dir, path, sizeof(path));
	{
		int fd = open(path, O_RDWR);
		struct stat st;
		char b;

		cr_assert(ge(int, fd, 0));
		cr_assert(eq(int, fstat(fd, &st), 0));
		cr_assert(eq(long, pread(fd, &b, 1, st.st_size - 3), 1));
		b ^= 0x10;
		cr_assert(eq(long, pwrite(fd, &b, 1, st.st_size - 3), 1));
		close(fd);
	}
	restart();
	so.cache = c = open_cache(dir);
	cr_assert(eq(int, tally_sarif_read_file(e, DATA "/defs/defs.sarif",
	    &so, &rep), TALLY_OK));
	expect_defs();
	tally_cache_stats_get(c, &cs);
	cr_expect(eq(u64, cs.l3_hits, 0));
	cr_expect(eq(u64, cs.misses, 1));
	tally_cache_destroy(c);

	/* with a correlation index the cache is not used */
	restart();
	so.cache = c = open_cache(dir);
	cr_assert(eq(int, tally_corr_create(NULL, NULL, &so.corr), 0));
	cr_assert(eq(int, tally_sarif_read_file(e, DATA "/defs/defs.sarif",
	    &so, &rep), TALLY_OK));
	tally_cache_stats_get(c, &cs);
	cr_expect(eq(u64, cs.l3_hits + cs.misses, 0));
	tally_corr_destroy(so.corr);
	tally_cache_destroy(c);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	cr_expect(eq(int, system(path), 0));
}

Test(sarif, a_bad_input_is_not_stored)
{
	char dir[] = "/tmp/tally-sarif-cache-XXXXXX", cmd[512];
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_cache_disk_stats ds;
	static const char bad[] = "{\"version\": \"2.1.0\", \"runs\": [{]}";

	cr_assert(not(eq(ptr, mkdtemp(dir), NULL)));
	so.cache = open_cache(dir);
	for (int i = 0; i < 2; i++)
		cr_expect(eq(int, tally_sarif_read_buffer(e, bad,
		    sizeof(bad) - 1, &so, NULL), TALLY_EPARSE));
	tally_cache_disk_stats_get(tally_cache_level_disk(so.cache), &ds);
	cr_expect(eq(u64, ds.stores, 0));
	cr_expect(eq(u64, totals().read, 0));
	tally_cache_destroy(so.cache);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect(eq(int, system(cmd), 0));
}

/* ------------------------------------------------------------------ */
/* Inputs that change while read, inputs that never end, size limits   */

/* A scratch directory and a file in it holding @len bytes of @buf. */
static void
scratch_file(char *dir, char *path, size_t cap, const char *buf, size_t len)
{
	FILE *f;

	cr_assert(not(eq(ptr, mkdtemp(dir), NULL)));
	snprintf(path, cap, "%s/in.sarif", dir);
	f = fopen(path, "wb");
	cr_assert(not(eq(ptr, f, NULL)));
	cr_assert(eq(sz, fwrite(buf, 1, len, f), len));
	cr_assert(eq(int, fclose(f), 0));
}

static void
scratch_remove(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect(eq(int, system(cmd), 0));
}

Test(sarif, a_file_over_the_limit_is_refused_before_reading)
{
	char dir[] = "/tmp/tally-sarif-limit-XXXXXX", path[512], want[128];
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report rep;
	size_t len;
	char *buf = slurp(DATA "/defs/defs.sarif", &len);

	scratch_file(dir, path, sizeof(path), buf, len);
	so.max_input_bytes = len - 1;
	cr_expect(eq(int, tally_sarif_read_file(e, path, &so, &rep),
	    TALLY_EIO_TOOBIG));
	snprintf(want, sizeof(want), "%zu bytes, over the limit of %zu bytes "
	    "(max_input_bytes)", len, len - 1);
	cr_expect(eq(str, rep.error.message, want));
	cr_expect(eq(u64, rep.results, 0));
	cr_expect(eq(u64, totals().read, 0));
	/* exactly at the limit is within it */
	so.max_input_bytes = len;
	cr_expect(eq(int, tally_sarif_read_file(e, path, &so, &rep), TALLY_OK),
	    "%s", rep.error.message);
	expect_defs();
	scratch_remove(dir);
	free(buf);
}

/* A device that never ends fails at its first byte, not at the limit. */
Test(sarif, endless_devices_fail_at_their_first_bad_byte)
{
	tally_sarif_report rep;

	cr_expect(eq(int, tally_sarif_read_file(e, "/dev/zero", NULL, &rep),
	    TALLY_EPARSE));
	cr_expect(eq(u64, rep.error.offset, 0));
	cr_expect(eq(str, rep.error.message,
	    "byte 0: expected a JSON value, found byte 0x00"));
	/* random bytes: some byte soon breaks the grammar */
	cr_expect(eq(int, tally_status_family(tally_sarif_read_file(e,
	    "/dev/urandom", NULL, &rep)), TALLY_EPARSE), "%s",
	    rep.error.message);
	cr_expect(lt(u64, rep.error.offset, 64 << 10));
	cr_expect(eq(u64, totals().read, 0));
}

/* /proc's files say they are empty and are not: read as they come. */
Test(sarif, regular_files_of_size_zero_are_read_as_streams)
{
	tally_sarif_report rep;
	struct stat st;

	if (stat("/proc/self/status", &st) != 0 || st.st_size != 0)
		cr_skip_test("no /proc/self/status of size 0");
	cr_expect(eq(int, tally_sarif_read_file(e, "/proc/self/status", NULL,
	    &rep), TALLY_EPARSE));
	cr_expect(eq(str, rep.error.message,
	    "byte 0: expected a JSON value, found 'N'"));
	cr_expect(eq(u64, rep.error.offset, 0));
}

struct changer {
	const char *path;
	const char *buf;
	size_t len;
	int mode; /* 0: append spaces, 1: rewrite a byte as it was */
	_Atomic bool stop;
};

static void *
change(void *arg)
{
	struct changer *c = arg;
	int fd = open(c->path, O_WRONLY | (c->mode == 0 ? O_APPEND : 0));

	/* no Criterion assertions off the test's thread: stop, and the
	 * test sees no change */
	while (fd >= 0 && !c->stop) {
		if ((c->mode == 0 ? write(fd, " ", 1) :
		    pwrite(fd, c->buf, 1, 0)) != 1)
			break;
		usleep(50);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/*
 * A file that grows, or is rewritten in place, while it is read: the bytes
 * stay valid JSON and the same log, so only the change check can tell.
 * Each read is exact or TALLY_EIO_CHANGED, and the change is seen.
 */
static void
expect_changes_seen(int mode)
{
	char dir[] = "/tmp/tally-sarif-change-XXXXXX", path[512];
	struct changer c;
	pthread_t th;
	size_t len, pad = 4 << 20;
	char *buf = slurp(DATA "/defs/defs.sarif", &len);
	char *big = malloc(len + pad);
	tally_sarif_report rep;
	unsigned changed = 0, ok = 0;

	/* trailing spaces: a few MiB to read, the same log */
	memcpy(big, buf, len);
	memset(big + len, ' ', pad);
	scratch_file(dir, path, sizeof(path), big, len + pad);
	c = (struct changer){ path, big, len + pad, mode, false };
	cr_assert(eq(int, pthread_create(&th, NULL, change, &c), 0));
	for (int i = 0; i < 200 && changed < 3; i++) {
		int rc = tally_sarif_read_file(e, path, NULL, &rep);

		if (rc == TALLY_OK) {
			ok++;
			continue;
		}
		cr_assert(eq(int, rc, TALLY_EIO_CHANGED), "%s",
		    rep.error.message);
		cr_assert(eq(u64, rep.results, 0));
		cr_assert(not(eq(ptr, strstr(rep.error.message,
		    "changed while it was read ("), NULL)), "%s",
		    rep.error.message);
		changed++;
	}
	c.stop = true;
	pthread_join(th, NULL);
	cr_expect(eq(uint, changed, 3), "a change went unseen");
	cr_expect(eq(u64, totals().read, 16 * ok));
	scratch_remove(dir);
	free(big);
	free(buf);
}

Test(sarif, a_file_that_grows_while_read_is_an_error)
{
	expect_changes_seen(0);
}

Test(sarif, a_file_rewritten_in_place_while_read_is_an_error)
{
	expect_changes_seen(1);
}

/* A file that says it is longer than it is (sysfs) reads short. */
Test(sarif, a_short_read_is_a_change)
{
	const char *path = "/sys/kernel/mm/transparent_hugepage/enabled";
	tally_sarif_report rep;
	struct stat st;
	char want[128];

	if (stat(path, &st) != 0 || st.st_size != 4096)
		cr_skip_test("no sysfs file of size 4096");
	cr_expect(eq(int, tally_sarif_read_file(e, path, NULL, &rep),
	    TALLY_EIO_CHANGED));
	cr_expect(lt(u64, rep.error.offset, 4096));
	snprintf(want, sizeof(want), "byte %llu: changed while it was read "
	    "(4096 bytes expected, %llu read)",
	    (unsigned long long)rep.error.offset,
	    (unsigned long long)rep.error.offset);
	cr_expect(eq(str, rep.error.message, want));
}

/* ---- stored inputs are checked like read ones ---- */

struct warned {
	unsigned n;
	char first[TALLY_ERROR_MAX];
};

static void
on_warning(void *arg, uint64_t offset, const char *message)
{
	struct warned *w = arg;

	(void)offset;
	if (w->n++ == 0)
		snprintf(w->first, sizeof(w->first), "%s", message);
}

/* The key sarif_ingest.c stores @buf under (default options). */
static tally_cache_key
stored_key(const char *buf, size_t len)
{
	XXH128_hash_t h = XXH3_128bits_withSeed(buf, len,
	    UINT64_C(0x74616c6c79310002));

	return (tally_cache_key){ h.high64, h.low64 };
}

/*
 * An entry rewritten by whoever can write the cache directory (put back
 * through the cache, so its integrity check holds) is replayed only when
 * it is what the reader could have stored: a warning that is not valid
 * UTF-8, holds a control character, or a count that does not match is a
 * miss, and the input is read again.
 */
Test(sarif, a_forged_stored_input_is_read_again)
{
	char dir[] = "/tmp/tally-sarif-cache-XXXXXX";
	static const char *const forgery[] = { "\xff", "\x1b[2J", "\n" };
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report rep;
	tally_cache_stats cs;
	struct warned w = { 0 };
	size_t len, elen;
	char *defs = slurp(DATA "/defs/defs.sarif", &len);
	char *buf = malloc(len + 3);
	unsigned char *ent, *at;
	tally_cache_key key;
	tally_cache *c;

	/* a byte order mark: the first of its two warnings, stored */
	memcpy(buf, "\xef\xbb\xbf", 3);
	memcpy(buf + 3, defs, len);
	len += 3;
	key = stored_key(buf, len);
	cr_assert(not(eq(ptr, mkdtemp(dir), NULL)));
	so.cache = c = open_cache(dir);
	so.warning = on_warning;
	so.warning_arg = &w;
	cr_assert(eq(int, tally_sarif_read_buffer(e, buf, len, &so, NULL),
	    TALLY_OK));
	cr_assert(eq(uint, w.n, 2));
	cr_assert(eq(int, tally_cache_get(c, key, NULL, 0, &elen),
	    TALLY_ERANGE), "the key is not the reader's");
	ent = malloc(elen);
	cr_assert(eq(int, tally_cache_get(c, key, ent, elen, &elen),
	    TALLY_OK));
	/* the warning's text: after the header, the pack, its count,
	 * offset and length (tally/results.h's layout in sarif_ingest.c) */
	{
		uint64_t plen;

		memcpy(&plen, ent + 16, 8);
		at = ent + 24 + plen + 24;
	}
	cr_assert(eq(int, memcmp(at, "a UTF-8 byte order mark", 23), 0));
	for (size_t k = 0; k < 3; k++) {
		restart();
		memcpy(at, forgery[k], strlen(forgery[k]));
		cr_assert(eq(int, tally_cache_put(c, key, ent, elen), TALLY_OK));
		tally_cache_destroy(c);
		so.cache = c = open_cache(dir);
		w.n = 0;
		cr_assert(eq(int, tally_sarif_read_buffer(e, buf, len, &so,
		    NULL), TALLY_OK));
		tally_cache_stats_get(c, &cs);
		/* found, and refused: the true warning, from a read */
		cr_expect(eq(u64, cs.l3_hits, 1));
		cr_expect(eq(uint, w.n, 2));
		cr_expect(eq(str, w.first, "a UTF-8 byte order mark starts the "
		    "log; ignored"));
		expect_defs();
		/* the miss stored the true entry again: forge that one */
		cr_assert(eq(int, tally_cache_get(c, key, ent, elen, &elen),
		    TALLY_OK));
	}
	/* a warning count that is not what was delivered */
	restart();
	{
		uint64_t n = 1;

		memcpy(ent + 8, &n, 8);
	}
	cr_assert(eq(int, tally_cache_put(c, key, ent, elen), TALLY_OK));
	tally_cache_destroy(c);
	so.cache = c = open_cache(dir);
	cr_assert(eq(int, tally_sarif_read_buffer(e, buf, len, &so, &rep),
	    TALLY_OK));
	tally_cache_stats_get(c, &cs);
	cr_expect(eq(u64, cs.l3_hits, 1));
	cr_expect(eq(u64, rep.warnings, 2), "a forged count replayed");
	expect_defs();
	tally_cache_destroy(c);
	scratch_remove(dir);
	free(ent);
	free(buf);
	free(defs);
}
