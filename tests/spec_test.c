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

/* Warnings as the callback saw them. */
typedef struct seen {
	size_t n;
	uint64_t off[128];
	char msg[128][256];
} seen;

static void
on_warning(void *arg, uint64_t offset, const char *message)
{
	seen *w = arg;

	if (w->n < 128) {
		w->off[w->n] = offset;
		snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", message);
	}
	w->n++;
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
	static seen w;
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report rep;

	so.warning = on_warning;
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
	static seen w;
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report rep;
	size_t len;
	char *log = dangling_log(150, &len);

	so.warning = on_warning;
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
