/*
 * tests/spec_test.c - the reader's SARIF 2.1.0 fidelity through the API:
 * warnings (what is forgiven is said, never silent), suppressions and
 * --include-suppressed, counts by state, diff and merge with suppressed
 * results, options of an older size. The expected counts of the logs in
 * tests/data/spec were derived by hand in tests/data/spec/README.md;
 * tests/spec_fixtures.sh checks them through the CLI.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tally.h"
#include "test_util.h"

#define SPEC TALLY_TEST_DATA "/spec"

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

TestSuite(spec, .init = setup, .fini = teardown, .timeout = 60);

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

static uint64_t
level_count(tally_level l)
{
	tally_snapshot *s = NULL;
	uint64_t n;

	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	n = tally_snapshot_level(s, l);
	tally_snapshot_release(s);
	return n;
}

static int
read_spec(const char *name, tally_sarif_options *so, tally_sarif_report *rep)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", SPEC, name);
	return tally_sarif_read_file(e, path, so, rep);
}

Test(spec, leniencies_are_reported_as_warnings)
{
	static warnings_seen w;
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report rep;

	so.warning = warnings_collect;
	so.warning_arg = &w;
	cr_assert(eq(int, read_spec("bom.sarif", &so, &rep), TALLY_OK));
	cr_expect(eq(u64, rep.warnings, 1));
	cr_assert(eq(sz, w.n, 1));
	cr_expect(eq(u64, w.off[0], 0));
	cr_expect(not(eq(ptr, strstr(w.msg[0], "byte order mark"), NULL)),
	    "%s", w.msg[0]);

	w.n = 0;
	cr_assert(eq(int, read_spec("runs-null.sarif", &so, &rep), TALLY_OK));
	cr_expect(eq(u64, rep.runs, 0));
	cr_expect(eq(u64, rep.warnings, 1));
	cr_expect(not(eq(ptr, strstr(w.msg[0], "\"runs\" is null"), NULL)),
	    "%s", w.msg[0]);

	/* a nameless driver is tool "", said once */
	w.n = 0;
	cr_assert(eq(int, read_spec("driver-name-null.sarif", &so, &rep),
	    TALLY_OK));
	cr_expect(eq(u64, rep.warnings, 1));
	cr_expect(not(eq(ptr, strstr(w.msg[0], "driver.name"), NULL)), "%s",
	    w.msg[0]);
	{
		uint32_t id;

		cr_expect(eq(int, tally_engine_tool_intern(e, "", 0, NULL, 0,
		    &id), TALLY_OK));
	}
}

/* A log of @n results whose ruleIndex points nowhere but ruleId names it. */
static char *
dangling_log(size_t n, size_t *len)
{
	size_t cap = 256 + n * 96, at = 0;
	char *buf = malloc(cap);

	cr_assert(not(eq(ptr, buf, NULL)));
	at += (size_t)snprintf(buf + at, cap - at, "{\"version\": \"2.1.0\", "
	    "\"runs\": [{\"tool\": {\"driver\": {\"name\": \"T\"}}, "
	    "\"results\": [");
	for (size_t k = 0; k < n; k++)
		at += (size_t)snprintf(buf + at, cap - at, "%s{\"ruleId\": "
		    "\"R\", \"ruleIndex\": 3, \"message\": {\"text\": \"m%zu\"}}",
		    k ? ", " : "", k);
	at += (size_t)snprintf(buf + at, cap - at, "]}]}");
	*len = at;
	return buf;
}

Test(spec, warnings_are_counted_all_and_delivered_up_to_a_bound)
{
	static warnings_seen w;
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report rep;
	size_t len;
	char *log = dangling_log(150, &len);

	so.warning = warnings_collect;
	so.warning_arg = &w;
	cr_assert(eq(int, tally_sarif_read_buffer(e, log, len, &so, &rep),
	    TALLY_OK));
	cr_expect(eq(u64, rep.results, 150));
	cr_expect(eq(u64, rep.warnings, 150));
	/* 100, then one that says how many more */
	cr_assert(eq(sz, w.n, 101));
	cr_expect(eq(u64, w.off[100], UINT64_MAX));
	cr_expect(not(eq(ptr, strstr(w.msg[100], "50 more"), NULL)), "%s",
	    w.msg[100]);
	cr_expect(not(eq(ptr, strstr(w.msg[0], "ruleIndex: 3 is out of range"),
	    NULL)), "%s", w.msg[0]);
	/* the id is used: all 150 count under rule R */
	cr_expect(eq(u64, totals().unique, 150));
	free(log);
}

Test(spec, suppressed_results_are_counted_apart)
{
	tally_totals t;

	/* tests/data/spec/README.md: suppressions.sarif */
	cr_assert(eq(int, read_spec("suppressions.sarif", NULL, NULL),
	    TALLY_OK));
	t = totals();
	cr_expect(eq(u64, t.read, 10));
	cr_expect(eq(u64, t.unique, 7));
	cr_expect(eq(u64, t.suppressed, 2));
	cr_expect(eq(u64, t.duplicates, 1));
	/* the two suppressed are the only errors */
	cr_expect(eq(u64, level_count(TALLY_LEVEL_ERROR), 0));
	cr_expect(eq(u64, level_count(TALLY_LEVEL_WARNING), 7));
}

Test(spec, include_suppressed_counts_them_as_active)
{
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_totals t;

	so.include_suppressed = true;
	cr_assert(eq(int, read_spec("suppressions.sarif", &so, NULL),
	    TALLY_OK));
	t = totals();
	/* "c" comes suppressed twice and active once: one result now */
	cr_expect(eq(u64, t.read, 10));
	cr_expect(eq(u64, t.unique, 8));
	cr_expect(eq(u64, t.suppressed, 0));
	cr_expect(eq(u64, t.duplicates, 2));
}

Test(spec, states_are_distinct_results_per_state)
{
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_states *st = NULL;
	tally_sarif_state_counts c;

	cr_assert(eq(int, tally_sarif_states_create(&st, NULL), TALLY_OK));
	so.states = st;
	cr_assert(eq(int, read_spec("baseline.sarif", &so, NULL), TALLY_OK));
	cr_assert(eq(int, read_spec("suppressions.sarif", &so, NULL),
	    TALLY_OK));
	/* the same inputs again add nothing: distinct, like unique */
	cr_assert(eq(int, read_spec("baseline.sarif", &so, NULL), TALLY_OK));
	cr_assert(eq(int, read_spec("suppressions.sarif", &so, NULL),
	    TALLY_OK));
	cr_assert(eq(int, tally_sarif_states_get(st, &c), TALLY_OK));
	cr_expect(eq(u64, c.baseline[TALLY_BASELINE_NEW], 2));
	cr_expect(eq(u64, c.baseline[TALLY_BASELINE_UNCHANGED], 1));
	cr_expect(eq(u64, c.baseline[TALLY_BASELINE_UPDATED], 1));
	cr_expect(eq(u64, c.baseline[TALLY_BASELINE_ABSENT], 1));
	cr_expect(eq(u64, c.suppression[TALLY_SUPPRESSION_ACCEPTED], 2));
	cr_expect(eq(u64, c.suppression[TALLY_SUPPRESSION_UNDER_REVIEW], 2));
	cr_expect(eq(u64, c.suppression[TALLY_SUPPRESSION_REJECTED], 2));
	cr_expect(eq(str, (char *)tally_sarif_suppression_name(
	    TALLY_SUPPRESSION_UNDER_REVIEW), "underReview"));
	cr_expect(eq(ptr, (void *)tally_sarif_suppression_name(
	    (tally_suppression)3), NULL));
	tally_sarif_states_destroy(st);
}

Test(spec, a_failed_input_adds_no_states)
{
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_states *st = NULL;
	tally_sarif_state_counts c;
	static const char log[] = "{\"version\": \"2.1.0\", \"runs\": [{"
	    "\"tool\": {\"driver\": {\"name\": \"T\"}}, \"results\": ["
	    "{\"message\": {\"text\": \"a\"}, \"baselineState\": \"new\"}, "
	    "{\"message\": {\"text\": \"b\"}, \"baselineState\": \"gone\"}]}]}";
	tally_sarif_report rep;

	cr_assert(eq(int, tally_sarif_states_create(&st, NULL), TALLY_OK));
	so.states = st;
	cr_expect(eq(int, tally_sarif_read_buffer(e, log, sizeof(log) - 1, &so,
	    &rep), TALLY_EFORMAT_VALUE));
	cr_expect(not(eq(ptr, strstr(rep.error.message, "baselineState"),
	    NULL)), "%s", rep.error.message);
	cr_assert(eq(int, tally_sarif_states_get(st, &c), TALLY_OK));
	cr_expect(eq(u64, c.baseline[TALLY_BASELINE_NEW], 0));
	cr_expect(eq(u64, totals().read, 0));
	tally_sarif_states_destroy(st);
}

/* Options as a 0.2.0 caller compiled them: up to and including cache. */
Test(spec, options_of_an_older_size_are_accepted)
{
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_totals t;

	so.struct_size = offsetof(tally_sarif_options, cache) +
	    sizeof(so.cache);
	so.include_suppressed = true; /* beyond its size: not read */
	cr_assert(eq(int, read_spec("suppressions.sarif", &so, NULL),
	    TALLY_OK));
	t = totals();
	cr_expect(eq(u64, t.suppressed, 2));
	so.struct_size = offsetof(tally_sarif_options, cache);
	cr_expect(eq(int, read_spec("suppressions.sarif", &so, NULL),
	    TALLY_EINVAL));
}

static char *
write_tmp(const char *text)
{
	char *path = strdup("/tmp/tally-spec-XXXXXX");
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	cr_assert(eq(sz, (size_t)write(fd, text, strlen(text)), strlen(text)));
	close(fd);
	return path;
}

#define RESULT(msg, line, supp) \
	"{\"ruleId\": \"R\", \"message\": {\"text\": \"" msg "\"}, " \
	"\"locations\": [{\"physicalLocation\": {\"artifactLocation\": " \
	"{\"uri\": \"f.c\"}, \"region\": {\"startLine\": " #line "}}}]" supp "}"
#define SUPP ", \"suppressions\": [{\"kind\": \"inSource\"}]"
#define LOG(results) \
	"{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": " \
	"{\"name\": \"T\"}}, \"results\": [" results "]}]}"

/*
 * Baseline: a (active), s1 (suppressed), k (active). New: a, now
 * suppressed (matched: unchanged), s2 (suppressed, matches nothing: not
 * new), n (active, new). s1 and k are gone: absent, suppressed or not.
 */
Test(spec, diff_never_calls_a_suppressed_result_new)
{
	char *base = write_tmp(LOG(RESULT("a", 1, "") ", "
	    RESULT("s1", 2, SUPP) ", " RESULT("k", 3, "")));
	char *cur = write_tmp(LOG(RESULT("a", 1, SUPP) ", "
	    RESULT("s2", 20, SUPP) ", " RESULT("n", 30, "")));
	tally_sarif_diff *d = NULL;
	const tally_sarif_diff_entry *ent;
	size_t n;

	cr_assert(eq(int, tally_sarif_diff_create(e, base, cur, NULL, &d,
	    NULL), TALLY_OK));
	cr_expect(eq(u64, tally_sarif_diff_count(d, TALLY_BASELINE_NEW), 1));
	cr_expect(eq(u64, tally_sarif_diff_count(d,
	    TALLY_BASELINE_UNCHANGED), 1));
	cr_expect(eq(u64, tally_sarif_diff_count(d, TALLY_BASELINE_ABSENT), 2));
	cr_expect(eq(u64, tally_sarif_diff_suppressed(d), 1));
	ent = tally_sarif_diff_entries(d, &n);
	cr_assert(eq(sz, n, 4));
	cr_expect(eq(int, ent[0].state, TALLY_BASELINE_UNCHANGED));
	cr_expect(eq(u8, ent[0].v.flags, TALLY_VIOLATION_SUPPRESSED));
	cr_expect(eq(int, ent[1].state, TALLY_BASELINE_NEW));
	cr_expect(eq(u32, ent[1].v.line, 30));
	tally_sarif_diff_destroy(d);

	/* read as active, s2 is new like any other */
	{
		tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;

		so.include_suppressed = true;
		cr_assert(eq(int, tally_sarif_diff_create(e, base, cur, &so,
		    &d, NULL), TALLY_OK));
		cr_expect(eq(u64, tally_sarif_diff_count(d,
		    TALLY_BASELINE_NEW), 2));
		cr_expect(eq(u64, tally_sarif_diff_suppressed(d), 0));
		tally_sarif_diff_destroy(d);
	}
	unlink(base);
	unlink(cur);
	free(base);
	free(cur);
}

/* Merging keeps suppressions and extensions: the merged log reads the same. */
Test(spec, merged_logs_read_as_their_inputs)
{
	static const char *const names[] = { "suppressions.sarif",
		"ext-index.sarif", "ext-guid.sarif", "ext-ruleindex.sarif",
		"level-overrides.sarif", "msg-rule-strings.sarif",
		"msg-global-strings.sarif", "hierarchical.sarif" };

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		tally_sarif_merge *m = NULL;
		tally_engine *e2 = NULL;
		char in[512], out[] = "/tmp/tally-spec-merge-XXXXXX";
		int fd = mkstemp(out);
		tally_totals a, b;
		tally_snapshot *s = NULL;
		uint64_t la[TALLY_LEVEL_COUNT], lb[TALLY_LEVEL_COUNT];

		cr_assert(fd >= 0);
		close(fd);
		snprintf(in, sizeof(in), "%s/%s", SPEC, names[k]);
		cr_assert(eq(int, tally_sarif_merge_create(&m, NULL), TALLY_OK));
		cr_assert(eq(int, tally_sarif_merge_add_file(m, in, NULL, NULL),
		    TALLY_OK), "%s", names[k]);
		cr_assert(eq(int, tally_sarif_merge_write(m, out, NULL),
		    TALLY_OK));
		tally_sarif_merge_destroy(m);

		cr_assert(eq(int, tally_engine_create(&e2, NULL), TALLY_OK));
		cr_assert(eq(int, tally_sarif_read_file(e2, in, NULL, NULL),
		    TALLY_OK));
		cr_assert(eq(int, tally_engine_flush(e2), TALLY_OK));
		cr_assert(eq(int, tally_snapshot_acquire(e2, &s), TALLY_OK));
		tally_snapshot_totals(s, &a);
		for (int l = 0; l < TALLY_LEVEL_COUNT; l++)
			la[l] = tally_snapshot_level(s, (tally_level)l);
		tally_snapshot_release(s);
		tally_engine_destroy(e2);

		cr_assert(eq(int, tally_engine_create(&e2, NULL), TALLY_OK));
		cr_assert(eq(int, tally_sarif_read_file(e2, out, NULL, NULL),
		    TALLY_OK), "%s merged", names[k]);
		cr_assert(eq(int, tally_engine_flush(e2), TALLY_OK));
		cr_assert(eq(int, tally_snapshot_acquire(e2, &s), TALLY_OK));
		tally_snapshot_totals(s, &b);
		for (int l = 0; l < TALLY_LEVEL_COUNT; l++)
			lb[l] = tally_snapshot_level(s, (tally_level)l);
		tally_snapshot_release(s);
		tally_engine_destroy(e2);

		/* duplicates are dropped by the merge; the rest is equal */
		cr_expect(eq(u64, b.unique, a.unique), "%s", names[k]);
		cr_expect(eq(u64, b.suppressed, a.suppressed), "%s", names[k]);
		cr_expect(eq(u64, b.read, a.unique + a.suppressed), "%s",
		    names[k]);
		for (int l = 0; l < TALLY_LEVEL_COUNT; l++)
			cr_expect(eq(u64, lb[l], la[l]), "%s level %d",
			    names[k], l);
		unlink(out);
	}
}

/* ------------------------------------------------------------------ */
/* What an independent review found (each case failed before its fix)  */

/* Levels by level, rules and messages of @paths read into one engine. */
typedef struct counts {
	tally_totals t;
	uint64_t level[TALLY_LEVEL_COUNT];
	size_t rules;
	int rc;
} counts;

static counts
count_paths(const char *const *paths, size_t n)
{
	tally_engine *e2 = NULL;
	tally_snapshot *s = NULL;
	counts c;

	memset(&c, 0, sizeof(c));
	cr_assert(eq(int, tally_engine_create(&e2, NULL), TALLY_OK));
	for (size_t k = 0; k < n && c.rc == TALLY_OK; k++)
		c.rc = tally_sarif_read_file(e2, paths[k], NULL, NULL);
	cr_assert(eq(int, tally_engine_flush(e2), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e2, &s), TALLY_OK));
	tally_snapshot_totals(s, &c.t);
	for (int l = 0; l < TALLY_LEVEL_COUNT; l++)
		c.level[l] = tally_snapshot_level(s, (tally_level)l);
	c.rules = tally_snapshot_group_count(s, TALLY_DIM_RULE);
	tally_snapshot_release(s);
	tally_engine_destroy(e2);
	return c;
}

/*
 * Two logs of one tool whose results mean what their own extensions,
 * overrides or message strings say: merged, they must read the same.
 */
static void
expect_merge_keeps(const char *a, const char *b)
{
	char *pa = write_tmp(a), *pb = write_tmp(b);
	char out[] = "/tmp/tally-spec-mm-XXXXXX";
	const char *in[2] = { pa, pb }, *merged[1] = { out };
	tally_sarif_merge *m = NULL;
	int fd = mkstemp(out);
	counts x, y;

	cr_assert(fd >= 0);
	close(fd);
	cr_assert(eq(int, tally_sarif_merge_create(&m, NULL), TALLY_OK));
	cr_assert(eq(int, tally_sarif_merge_add_file(m, pa, NULL, NULL), 0));
	cr_assert(eq(int, tally_sarif_merge_add_file(m, pb, NULL, NULL), 0));
	cr_assert(eq(int, tally_sarif_merge_write(m, out, NULL), TALLY_OK));
	tally_sarif_merge_destroy(m);
	x = count_paths(in, 2);
	y = count_paths(merged, 1);
	cr_assert(eq(int, x.rc, TALLY_OK));
	cr_expect(eq(int, y.rc, TALLY_OK), "the merged log is refused");
	cr_expect(eq(u64, y.t.unique, x.t.unique));
	cr_expect(eq(sz, y.rules, x.rules));
	for (int l = 0; l < TALLY_LEVEL_COUNT; l++)
		cr_expect(eq(u64, y.level[l], x.level[l]), "level %d", l);
	unlink(pa);
	unlink(pb);
	unlink(out);
	free(pa);
	free(pb);
}

#define DRV(rest) "{\"version\": \"2.1.0\", \"runs\": [{\"tool\": " \
	"{\"driver\": {\"name\": \"drv\"" rest

Test(spec, merge_keeps_what_extensions_say)
{
	expect_merge_keeps(DRV("}, \"extensions\": [{\"name\": \"a\", "
	    "\"rules\": [{\"id\": \"A0\", \"defaultConfiguration\": {\"level\":"
	    " \"error\"}}]}]}, \"results\": [{\"rule\": {\"index\": 0, "
	    "\"toolComponent\": {\"index\": 0}}, \"message\": {\"text\": "
	    "\"m\"}}]}]}"),
	    DRV("}, \"extensions\": [{\"name\": \"c\", \"rules\": [{\"id\": "
	    "\"C0\"}, {\"id\": \"C1\", \"defaultConfiguration\": {\"level\": "
	    "\"note\"}}]}]}, \"results\": [{\"rule\": {\"index\": 1, "
	    "\"toolComponent\": {\"index\": 0}}, \"message\": {\"text\": "
	    "\"m3\"}}]}]}"));
}

Test(spec, merge_keeps_what_overrides_say)
{
	expect_merge_keeps(DRV(", \"rules\": [{\"id\": \"R\"}]}}, "
	    "\"invocations\": [{\"ruleConfigurationOverrides\": [{\"descriptor\":"
	    " {\"index\": 0}, \"configuration\": {\"level\": \"error\"}}]}], "
	    "\"results\": [{\"ruleId\": \"R\", \"ruleIndex\": 0, \"message\": "
	    "{\"text\": \"a\"}}]}]}"),
	    DRV(", \"rules\": [{\"id\": \"R\"}]}}, \"results\": [{\"ruleId\": "
	    "\"R\", \"ruleIndex\": 0, \"message\": {\"text\": \"b\"}}]}]}"));
}

Test(spec, merge_keeps_what_message_strings_say)
{
	/* "A says x" and "B says x", "R-B y": three messages; merged with
	 * the first driver's strings they were two and a key */
	expect_merge_keeps(DRV(", \"globalMessageStrings\": {\"g\": {\"text\":"
	    " \"A says {0}\"}}, \"rules\": [{\"id\": \"R\", \"messageStrings\": "
	    "{\"r\": {\"text\": \"R-A {0}\"}}}]}}, \"results\": [{\"ruleId\": "
	    "\"R\", \"message\": {\"id\": \"g\", \"arguments\": [\"x\"]}}]}]}"),
	    DRV(", \"globalMessageStrings\": {\"g\": {\"text\": \"B says {0}\"}},"
	    " \"rules\": [{\"id\": \"R\", \"messageStrings\": {\"r\": {\"text\": "
	    "\"R-B {0}\"}}}]}}, \"results\": [{\"ruleId\": \"R\", \"message\": "
	    "{\"id\": \"g\", \"arguments\": [\"x\"]}}, {\"ruleId\": \"R\", "
	    "\"message\": {\"id\": \"r\", \"arguments\": [\"y\"]}}]}]}"));
}

/* Read @log into the suite's engine; its report in *rep. */
static int
read_log(const char *log, tally_sarif_report *rep, warnings_seen *w)
{
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;

	so.warning = warnings_collect;
	so.warning_arg = w;
	return tally_sarif_read_buffer(e, log, strlen(log), &so, rep);
}

Test(spec, message_keys_never_collide)
{
	static warnings_seen w;

	/* id "nope" with arguments a, b against an id that spells them */
	cr_assert(eq(int, read_log(DRV("}}, \"results\": [{\"ruleId\": \"R\", "
	    "\"message\": {\"id\": \"nope\", \"arguments\": [\"a\", \"b\"]}}, "
	    "{\"ruleId\": \"R\", \"message\": {\"id\": "
	    "\"nope\\u001f1:a\\u001f1:b\"}}]}]}"), NULL, &w), TALLY_OK));
	cr_expect(eq(u64, totals().unique, 2));
}

Test(spec, a_message_that_would_explode_is_kept_as_written)
{
	static warnings_seen w;
	size_t n = 30000, at = 0, cap = 3 * n + 8192;
	char *log = malloc(cap);
	tally_sarif_report rep;

	/* 30,000 placeholders over a 4 KiB argument: 120 MB if formatted */
	cr_assert(not(eq(ptr, log, NULL)));
	at += (size_t)snprintf(log + at, cap - at, DRV("}}, \"results\": [{"
	    "\"ruleId\": \"R\", \"message\": {\"text\": \""));
	for (size_t k = 0; k < n; k++, at += 3)
		memcpy(log + at, "{0}", 3);
	at += (size_t)snprintf(log + at, cap - at, "\", \"arguments\": [\"");
	memset(log + at, 'x', 4096);
	at += 4096;
	snprintf(log + at, cap - at, "\"]}}]}]}");
	cr_assert(eq(int, read_log(log, &rep, &w), TALLY_OK));
	cr_expect(eq(u64, rep.warnings, 1));
	cr_expect(not(eq(ptr, strstr(w.msg[0], "kept as written"), NULL)),
	    "%s", w.msg[0]);
	cr_expect(eq(u64, totals().unique, 1));
	free(log);
}

Test(spec, a_guid_names_the_rule_an_index_misses)
{
	static warnings_seen w;
	tally_sarif_report rep;
	tally_snapshot *s = NULL;
	tally_group g;
	size_t n;

	cr_assert(eq(int, read_log(DRV(", \"rules\": [{\"id\": \"R\", "
	    "\"guid\": \"G\"}]}}, \"results\": [{\"rule\": {\"index\": 9, "
	    "\"guid\": \"G\"}, \"message\": {\"text\": \"x\"}}]}]}"), &rep, &w),
	    TALLY_OK), "%s", rep.error.message);
	cr_expect(eq(u64, rep.warnings, 1));
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_groups(s, TALLY_DIM_RULE,
	    TALLY_ORDER_ID, &g, 1, &n), TALLY_OK));
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(str, (char *)tally_engine_string_lookup(e, TALLY_STR_RULE,
	    g.rule, NULL), "R"));
	tally_snapshot_release(s);
}

Test(spec, an_override_names_its_descriptor_exactly)
{
	static warnings_seen w;

	/* an override of "R/md5" is not rule R's (§3.52.4): both stay note */
	cr_assert(eq(int, read_log(DRV(", \"rules\": [{\"id\": \"R\", "
	    "\"defaultConfiguration\": {\"level\": \"note\"}}]}}, "
	    "\"invocations\": [{\"ruleConfigurationOverrides\": [{\"descriptor\":"
	    " {\"id\": \"R/md5\"}, \"configuration\": {\"level\": \"error\"}}]}],"
	    " \"results\": [{\"ruleId\": \"R/sha1\", \"message\": {\"text\": "
	    "\"x\"}}, {\"ruleId\": \"R\", \"message\": {\"text\": \"y\"}}]}]}"),
	    NULL, &w), TALLY_OK));
	cr_expect(eq(u64, level_count(TALLY_LEVEL_NOTE), 2));
	cr_expect(eq(u64, level_count(TALLY_LEVEL_ERROR), 0));
}

Test(spec, unset_offsets_and_missing_invocations_are_read)
{
	static warnings_seen w;
	tally_sarif_report rep;

	/* charOffset and byteOffset -1 are "unset" (§3.30.9, §3.30.11) */
	cr_assert(eq(int, read_log(DRV("}}, \"results\": [{\"ruleId\": \"A\", "
	    "\"message\": {\"text\": \"a\"}, \"locations\": [{"
	    "\"physicalLocation\": {\"region\": {\"startLine\": 1, "
	    "\"charOffset\": -1, \"byteOffset\": -1}}}], \"provenance\": "
	    "{\"invocationIndex\": 99}}]}]}"), &rep, &w), TALLY_OK),
	    "%s", rep.error.message);
	/* the invocation that is not there is said */
	cr_expect(eq(u64, rep.warnings, 1));
	cr_expect(not(eq(ptr, strstr(w.msg[0], "invocationIndex: 99"), NULL)),
	    "%s", w.msg[0]);
}
