/*
 * tests/corr_test.c - cross-tool correlation (tally/corr.h): each
 * definition on a hand-made log written for it, and the real three-tool
 * null dereference of tests/data/corr (README.md there says how it was
 * made). Expectations come from the definitions, not from a run.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tally.h"

#define DATA TALLY_TEST_DATA "/corr"

static tally_engine *e;
static tally_corr *c;

static void
setup(void)
{
	cr_assert(eq(int, tally_engine_create(&e, NULL), TALLY_OK));
}

static void
teardown(void)
{
	tally_corr_destroy(c);
	c = NULL;
	tally_engine_destroy(e);
}

TestSuite(corr, .init = setup, .fini = teardown, .timeout = 60);

static void
make(uint32_t window, const char *root)
{
	tally_corr_config cfg = TALLY_CORR_CONFIG_INIT;

	cfg.window = window;
	cfg.root = root;
	tally_corr_destroy(c);
	cr_assert(eq(int, tally_corr_create(&cfg, NULL, &c), TALLY_OK));
}

static int
add(const char *log)
{
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;

	so.corr = c;
	return tally_sarif_read_buffer(e, log, strlen(log), &so, NULL);
}

static int
add_file(const char *path)
{
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;

	so.corr = c;
	return tally_sarif_read_file(e, path, &so, NULL);
}

static const tally_corr_cluster *
compute(size_t *n)
{
	cr_assert(eq(int, tally_corr_compute(c), TALLY_OK));
	return tally_corr_clusters(c, n);
}

/* A log of one run of @tool with @rules and @results (JSON text). */
#define LOG(tool, rules, results) \
	"{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"" \
	tool "\",\"rules\":[" rules "]}},\"results\":[" results "]}]}"

/* A result of @rule at @file:@line, with more members @extra. */
#define RES(rule, file, line, extra) \
	"{\"ruleId\":\"" rule "\",\"message\":{\"text\":\"m " rule "\"}," \
	"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":" \
	"{\"uri\":\"" file "\"},\"region\":{\"startLine\":" #line "}}}]" \
	extra "}"

#define CWE(n) ",\"taxa\":[{\"id\":\"CWE-" #n "\"}]"
#define TAGS(t) ",\"properties\":{\"tags\":[" t "]}"

Test(corr, the_real_three_tool_null_dereference_is_one_cluster)
{
	const tally_corr_cluster *cl;
	size_t n, nt;
	const char *const *tools;

	make(3, "/src/optdemo");
	cr_assert(eq(int, add_file(DATA "/cppcheck.sarif"), TALLY_OK));
	cr_assert(eq(int, add_file(DATA "/clang.sarif"), TALLY_OK));
	cr_assert(eq(int, add_file(DATA "/gcc.sarif"), TALLY_OK));
	cl = compute(&n);
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(str, (char *)cl[0].path, "src/options.c"));
	cr_assert(eq(u32, cl[0].size, 3));
	cr_expect(eq(u32, cl[0].ntools, 3));
	cr_expect(eq(u32, cl[0].cwe, 476));
	/* cppcheck (via the Multitool) puts its result where o = NULL */
	cr_expect(eq(u32, cl[0].first_line, 18));
	cr_expect(eq(u32, cl[0].last_line, 23));
	tools = tally_corr_tools(c, &nt);
	cr_assert(eq(sz, nt, 3));
	cr_expect(eq(str, (char *)tools[0], "CppCheck"));
	cr_expect(eq(str, (char *)tools[1], "GNU C17"));
	cr_expect(eq(str, (char *)tools[2], "clang"));
	for (size_t a = 0; a < 3; a++)
		for (size_t b = 0; b < 3; b++)
			cr_expect(eq(u64, tally_corr_agreement(c, a, b), 1));
	for (uint32_t m = 0; m < 3; m++)
		cr_expect(eq(str, (char *)cl[0].members[m].path,
		    "src/options.c"));
}

Test(corr, without_a_root_absolute_and_relative_paths_differ)
{
	const tally_corr_cluster *cl;
	size_t n;

	make(3, NULL);
	cr_assert(eq(int, add_file(DATA "/cppcheck.sarif"), TALLY_OK));
	cr_assert(eq(int, add_file(DATA "/clang.sarif"), TALLY_OK));
	cr_assert(eq(int, add_file(DATA "/gcc.sarif"), TALLY_OK));
	cl = compute(&n);
	/* gcc's PWD base and clang's file:// uri still meet */
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(str, (char *)cl[0].path, "/src/optdemo/src/options.c"));
	cr_expect(eq(u32, cl[0].size, 2));
	cr_expect(eq(u64, tally_corr_agreement(c, 0, 0), 0)); /* CppCheck */
}

Test(corr, the_window_is_inclusive)
{
	size_t n;

	make(3, NULL);
	cr_assert(eq(int, add(LOG("A", "", RES("a", "f.c", 10, CWE(1)))), 0));
	cr_assert(eq(int, add(LOG("B", "", RES("b", "f.c", 13, CWE(1)))), 0));
	compute(&n);
	cr_expect(eq(sz, n, 1));

	make(3, NULL);
	cr_assert(eq(int, add(LOG("A", "", RES("a", "f.c", 10, CWE(1)))), 0));
	cr_assert(eq(int, add(LOG("B", "", RES("b", "f.c", 14, CWE(1)))), 0));
	compute(&n);
	cr_expect(eq(sz, n, 0));

	make(4, NULL);
	cr_assert(eq(int, add(LOG("A", "", RES("a", "f.c", 10, CWE(1)))), 0));
	cr_assert(eq(int, add(LOG("B", "", RES("b", "f.c", 14, CWE(1)))), 0));
	compute(&n);
	cr_expect(eq(sz, n, 1));
}

Test(corr, one_tool_never_clusters_with_itself)
{
	size_t n;

	make(3, NULL);
	cr_assert(eq(int, add(LOG("A", "", RES("a", "f.c", 10, CWE(1)) ","
	    RES("b", "f.c", 10, CWE(1)))), 0));
	/* the same tool name in a second log is the same tool */
	cr_assert(eq(int, add(LOG("A", "", RES("c", "f.c", 11, CWE(1)))), 0));
	compute(&n);
	cr_expect(eq(sz, n, 0));
	cr_expect(eq(u64, tally_corr_categorized(c, 0), 3));
}

Test(corr, categories_must_be_shared)
{
	const tally_corr_cluster *cl;
	size_t n;

	make(3, NULL);
	cr_assert(eq(int, add(LOG("A", "", RES("a", "f.c", 10, CWE(1)))), 0));
	cr_assert(eq(int, add(LOG("B", "", RES("b", "f.c", 10, CWE(2)))), 0));
	compute(&n);
	cr_expect(eq(sz, n, 0));

	/* a shared category tag relates them; no CWE to report */
	make(3, NULL);
	cr_assert(eq(int, add(LOG("A", "", RES("a", "f.c", 10,
	    TAGS("\"memory\",\"style\"")))), 0));
	cr_assert(eq(int, add(LOG("B", "", RES("b", "f.c", 10,
	    TAGS("\"memory\"")))), 0));
	cl = compute(&n);
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(u32, cl[0].cwe, 0));

	/* and different files never relate */
	make(3, NULL);
	cr_assert(eq(int, add(LOG("A", "", RES("a", "f.c", 10, CWE(1)))), 0));
	cr_assert(eq(int, add(LOG("B", "", RES("b", "g.c", 10, CWE(1)))), 0));
	compute(&n);
	cr_expect(eq(sz, n, 0));
}

Test(corr, clusters_are_connected_groups)
{
	const tally_corr_cluster *cl;
	size_t n;

	/* A~B and B~C: one cluster, though A and C are 6 lines apart */
	make(3, NULL);
	cr_assert(eq(int, add(LOG("A", "", RES("a", "f.c", 10, CWE(1)))), 0));
	cr_assert(eq(int, add(LOG("B", "", RES("b", "f.c", 13, CWE(1)))), 0));
	cr_assert(eq(int, add(LOG("C", "", RES("c", "f.c", 16, CWE(1)))), 0));
	cl = compute(&n);
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(u32, cl[0].size, 3));
	cr_expect(eq(u32, cl[0].first_line, 10));
	cr_expect(eq(u32, cl[0].last_line, 16));
	/* A and C share the cluster: the matrix counts clusters */
	cr_expect(eq(u64, tally_corr_agreement(c, 0, 2), 1));
}

Test(corr, every_cwe_source_is_read)
{
	const tally_corr_cluster *cl;
	size_t n;

	make(0, NULL);
	/* rule relationships, with the CWE taxonomy named */
	cr_assert(eq(int, add(LOG("A", "{\"id\":\"a\",\"relationships\":[{"
	    "\"target\":{\"id\":\"79\",\"toolComponent\":{\"name\":\"CWE\"}}"
	    "}]}", RES("a", "f.c", 5, ""))), 0));
	/* a rule tag in the CodeQL style */
	cr_assert(eq(int, add(LOG("B", "{\"id\":\"b\",\"properties\":{\"tags"
	    "\":[\"security\",\"external/cwe/cwe-079\"]}}",
	    RES("b", "f.c", 5, ""))), 0));
	/* the result's message */
	cr_assert(eq(int, add(LOG("C", "", "{\"ruleId\":\"c\",\"message\":{"
	    "\"text\":\"buffer (CWE-79) here\"},\"locations\":[{"
	    "\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"f.c\"},"
	    "\"region\":{\"startLine\":5}}}]}")), 0));
	/* the rule's short description */
	cr_assert(eq(int, add(LOG("D", "{\"id\":\"d\",\"shortDescription\":{"
	    "\"text\":\"Cross-site scripting, CWE-79.\"}}",
	    RES("d", "f.c", 5, ""))), 0));
	/* the result's taxa, by number and toolComponent */
	cr_assert(eq(int, add(LOG("E", "", RES("e", "f.c", 5,
	    ",\"taxa\":[{\"id\":\"79\",\"toolComponent\":{\"name\":\"cwe\"}}]"))),
	    0));
	cl = compute(&n);
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(u32, cl[0].ntools, 5));
	cr_expect(eq(u32, cl[0].cwe, 79));
}

Test(corr, text_that_only_looks_like_a_cwe_is_not_one)
{
	size_t n, nt;

	make(3, NULL);
	/* "XCWE-79" (a letter before), "CWE-" (no digits), "cwe 79" */
	cr_assert(eq(int, add(LOG("A", "", "{\"ruleId\":\"a\",\"message\":{"
	    "\"text\":\"XCWE-79 CWE- cwe 79\"},\"locations\":[{"
	    "\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"f.c\"},"
	    "\"region\":{\"startLine\":5}}}]}")), 0));
	/* a number whose toolComponent is not CWE */
	cr_assert(eq(int, add(LOG("B", "", RES("b", "f.c", 5,
	    ",\"taxa\":[{\"id\":\"79\",\"toolComponent\":{\"name\":\"OWASP\"}"
	    "}]"))), 0));
	compute(&n);
	cr_expect(eq(sz, n, 0));
	tally_corr_tools(c, &nt);
	cr_expect(eq(sz, nt, 0)); /* neither has a category: none kept */
}

Test(corr, uri_base_ids_resolve_through_their_parents)
{
	const tally_corr_cluster *cl;
	size_t n;
	const char *based = "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{"
	    "\"driver\":{\"name\":\"A\"}},\"originalUriBaseIds\":{\"SRC\":{"
	    "\"uri\":\"lib/\",\"uriBaseId\":\"ROOT\"},\"ROOT\":{\"uri\":"
	    "\"file:///repo/\"}},\"results\":[{\"ruleId\":\"a\",\"message\":{"
	    "\"text\":\"m\"},\"taxa\":[{\"id\":\"CWE-1\"}],\"locations\":[{"
	    "\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"a.c\","
	    "\"uriBaseId\":\"SRC\"},\"region\":{\"startLine\":7}}}]}]}]}";

	make(3, NULL);
	cr_assert(eq(int, add(based), 0));
	cr_assert(eq(int, add(LOG("B", "", RES("b", "file:///repo/lib/a.c", 7,
	    CWE(1)))), 0));
	cl = compute(&n);
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(str, (char *)cl[0].path, "/repo/lib/a.c"));

	make(3, "/repo/");
	cr_assert(eq(int, add(based), 0));
	cr_assert(eq(int, add(LOG("B", "", RES("b", "lib/a.c", 7, CWE(1)))),
	    0));
	cl = compute(&n);
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(str, (char *)cl[0].path, "lib/a.c"));
}

Test(corr, an_unknown_line_is_near_nothing)
{
	size_t n;
	const char *noline = "{\"ruleId\":\"x\",\"message\":{\"text\":\"m\"},"
	    "\"taxa\":[{\"id\":\"CWE-1\"}],\"locations\":[{\"physicalLocation"
	    "\":{\"artifactLocation\":{\"uri\":\"f.c\"}}}]}";

	make(3, NULL);
	{
		char buf[512];

		snprintf(buf, sizeof(buf), LOG("A", "", "%s"), noline);
		cr_assert(eq(int, add(buf), 0));
		snprintf(buf, sizeof(buf), LOG("B", "", "%s"), noline);
		cr_assert(eq(int, add(buf), 0));
	}
	compute(&n);
	cr_expect(eq(sz, n, 0));
}

Test(corr, either_end_of_a_code_flow_counts)
{
	size_t n;

	/* A's primary is where the flow starts (line 18), it ends at 23 */
	make(0, NULL);
	cr_assert(eq(int, add(LOG("A", "", RES("a", "f.c", 18, CWE(1)
	    ",\"codeFlows\":[{\"threadFlows\":[{\"locations\":["
	    "{\"location\":{\"physicalLocation\":{\"region\":{\"startLine\":"
	    "23}}}},{\"location\":{\"physicalLocation\":{\"region\":{"
	    "\"startLine\":20}}}},{\"location\":{\"physicalLocation\":{"
	    "\"region\":{\"startLine\":18}}}}]}]}]"))), 0));
	cr_assert(eq(int, add(LOG("B", "", RES("b", "f.c", 23, CWE(1)))), 0));
	cr_assert(eq(int, add(LOG("C", "", RES("c", "f.c", 20, CWE(1)))), 0));
	compute(&n);
	/* A~B by the flow's end; the middle of the flow (20) is not used */
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(u32, tally_corr_clusters(c, &n)[0].size, 2));
}

Test(corr, correlation_fields_of_the_wrong_type_are_absent)
{
	size_t n;

	make(3, NULL);
	cr_expect(eq(int, add(LOG("A", "{\"id\":\"a\",\"relationships\":5,"
	    "\"properties\":{\"tags\":[1,null,\"CWE-7\"]}}",
	    RES("a", "f.c", 1, ",\"codeFlows\":\"x\",\"taxa\":[3]"))),
	    TALLY_OK));
	cr_expect(eq(int, add(LOG("B", "", RES("b", "f.c", 1, CWE(7)))), 0));
	compute(&n);
	cr_expect(eq(sz, n, 1));
}

Test(corr, duplicates_are_one_member)
{
	const tally_corr_cluster *cl;
	size_t n;

	make(3, NULL);
	cr_assert(eq(int, add(LOG("A", "", RES("a", "f.c", 10, CWE(1)) ","
	    RES("a", "f.c", 10, CWE(1)))), 0));
	cr_assert(eq(int, add(LOG("A", "", RES("a", "f.c", 10, CWE(1)))), 0));
	cr_assert(eq(int, add(LOG("B", "", RES("b", "f.c", 10, CWE(1)))), 0));
	cl = compute(&n);
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(u32, cl[0].size, 2));
}

Test(corr, the_builtin_table_names_what_a_log_leaves_out)
{
	const tally_corr_cluster *cl;
	size_t n;

	make(3, NULL);
	cr_assert(eq(int, add(LOG("clang", "", RES("core.NullDereference",
	    "f.c", 5, ""))), 0));
	cr_assert(eq(int, add(LOG("Clang-Tidy", "",
	    RES("clang-analyzer-core.NullDereference", "f.c", 6, ""))), 0));
	cr_assert(eq(int, add(LOG("X", "", RES("x", "f.c", 7, CWE(476)))), 0));
	cl = compute(&n);
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(u32, cl[0].ntools, 3));
	/* a log's own CWE wins over the table */
	make(3, NULL);
	cr_assert(eq(int, add(LOG("clang", "", RES("core.NullDereference",
	    "f.c", 5, CWE(1)))), 0));
	cr_assert(eq(int, add(LOG("X", "", RES("x", "f.c", 5, CWE(476)))), 0));
	compute(&n);
	cr_expect(eq(sz, n, 0));
}

Test(corr, a_bad_input_adds_nothing)
{
	size_t nt;

	make(3, NULL);
	/* the first result is good, the second has a bad level */
	cr_expect(ne(int, add(LOG("A", "", RES("a", "f.c", 1, CWE(1)) ","
	    RES("a", "f.c", 2, CWE(1) ",\"level\":\"loud\""))), TALLY_OK));
	cr_assert(eq(int, tally_corr_compute(c), TALLY_OK));
	tally_corr_tools(c, &nt);
	cr_expect(eq(sz, nt, 0));
}

/* Everything the clusters say, as text, for comparing two indexes. */
static void
describe(char *buf, size_t cap)
{
	size_t n, at = 0;
	const tally_corr_cluster *cl = compute(&n);

	for (size_t i = 0; i < n; i++) {
		at += (size_t)snprintf(buf + at, cap - at, "[%s %u-%u %u]",
		    cl[i].path, cl[i].first_line, cl[i].last_line, cl[i].size);
		for (uint32_t m = 0; m < cl[i].size; m++)
			at += (size_t)snprintf(buf + at, cap - at, " %s/%s@%u",
			    cl[i].members[m].tool, cl[i].members[m].rule,
			    cl[i].members[m].line);
	}
}

Test(corr, the_outcome_does_not_depend_on_input_order)
{
	static const char *logs[] = {
		LOG("B", "", RES("b1", "g.c", 4, CWE(1)) ","
		    RES("b2", "f.c", 30, CWE(2))),
		LOG("A", "", RES("a1", "g.c", 5, CWE(1)) ","
		    RES("a2", "f.c", 31, CWE(2)) "," RES("a3", "f.c", 2, CWE(3))),
		LOG("C", "", RES("c1", "f.c", 3, CWE(3)) ","
		    RES("c2", "g.c", 7, CWE(1))),
	};
	char one[2048], two[2048];

	make(3, NULL);
	for (int i = 0; i < 3; i++)
		cr_assert(eq(int, add(logs[i]), 0));
	describe(one, sizeof(one));
	make(3, NULL);
	for (int i = 2; i >= 0; i--)
		cr_assert(eq(int, add(logs[i]), 0));
	describe(two, sizeof(two));
	cr_expect(eq(str, one, two));
	/* and it is the expected one: by path, then line */
	cr_expect(eq(str, one, "[f.c 2-3 2] A/a3@2 C/c1@3"
	    "[f.c 30-31 2] B/b2@30 A/a2@31"
	    "[g.c 4-7 3] B/b1@4 A/a1@5 C/c2@7"));
}

Test(corr, every_result_of_a_tool_at_a_related_line_joins)
{
	const tally_corr_cluster *cl;
	size_t n;

	/* A's two results share a line (one cell); B relates to that line */
	make(3, NULL);
	cr_assert(eq(int, add(LOG("A", "", RES("a", "f.c", 10, CWE(1)) ","
	    RES("b", "f.c", 10, CWE(1)))), 0));
	cr_assert(eq(int, add(LOG("B", "", RES("c", "f.c", 12, CWE(1)))), 0));
	cl = compute(&n);
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(u32, cl[0].size, 3));
}

/* Several threads read into one index: the same clusters as one thread. */
static void *
add_many(void *arg)
{
	char buf[512];
	int t = (int)(intptr_t)arg;

	for (int i = 0; i < 200; i++) {
		snprintf(buf, sizeof(buf), LOG("T%d", "", RES("r", "f%d.c", 1,
		    CWE(1))), t, i);
		if (add(buf) != TALLY_OK)
			return (void *)1;
	}
	return NULL;
}

Test(corr, threads_add_at_once)
{
	pthread_t th[4];
	const tally_corr_cluster *cl;
	size_t n;

	make(3, NULL);
	for (int t = 0; t < 4; t++)
		cr_assert(eq(int, pthread_create(&th[t], NULL, add_many,
		    (void *)(intptr_t)t), 0));
	for (int t = 0; t < 4; t++) {
		void *rv;

		pthread_join(th[t], &rv);
		cr_expect(rv == NULL);
	}
	cl = compute(&n);
	/* f<i>.c:1 has one result of each of T0..T3 */
	cr_assert(eq(sz, n, 200));
	for (size_t i = 0; i < n; i++)
		cr_expect(eq(u32, cl[i].ntools, 4), "cluster %zu", i);
	for (size_t t = 0; t < 4; t++)
		cr_expect(eq(u64, tally_corr_categorized(c, t), 200));
}

/*
 * Two tools' CWE-476 results at line 5 of the files @ua and @ub: one
 * cluster when the two spellings are one path. Return the clusters.
 */
static const tally_corr_cluster *
two_spellings(const char *ua, const char *ub, size_t *n)
{
	char a[1024], b[1024];

	snprintf(a, sizeof(a), LOG("A", "", RES("r", "%s", 5, CWE(476))), ua);
	snprintf(b, sizeof(b), LOG("B", "", RES("r", "%s", 5, CWE(476))), ub);
	cr_assert(eq(int, add(a), TALLY_OK), "%s", ua);
	cr_assert(eq(int, add(b), TALLY_OK), "%s", ub);
	return compute(n);
}

Test(corr, dot_segments_and_double_slashes_are_one_path)
{
	static const struct {
		const char *a, *b, *path;
	} cases[] = {
		{ "src/./a.c", "src/a.c", "src/a.c" },
		{ "src/x/../a.c", "src//a.c", "src/a.c" },
		{ "/w/src/../src/a.c", "/w/./src/a.c", "/w/src/a.c" },
		/* never above the root of the path */
		{ "/../../a.c", "/a.c", "/a.c" },
		/* a relative path keeps the ".." it cannot resolve */
		{ "x/../../a.c", "../a.c", "../a.c" },
		{ "file:///w/a/../b.c", "/w/b.c", "/w/b.c" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const tally_corr_cluster *cl;
		size_t n;

		tally_engine_destroy(e);
		setup();
		make(3, NULL);
		cl = two_spellings(cases[i].a, cases[i].b, &n);
		cr_assert(eq(sz, n, 1), "%s and %s", cases[i].a, cases[i].b);
		cr_expect(eq(str, (char *)cl[0].path, (char *)cases[i].path));
	}
	/* "a/../b.c" is not "a.c": normalising does not merge other files */
	tally_engine_destroy(e);
	setup();
	make(3, NULL);
	{
		size_t n;

		(void)two_spellings("a/../b.c", "a.c", &n);
		cr_expect(eq(sz, n, 0));
	}
}

Test(corr, a_root_matches_however_it_is_spelled)
{
	static const char *const roots[] = { "/w/src", "/w/src/",
		"/w//src/.", "/w/x/../src", "file:///w/src" };

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		const tally_corr_cluster *cl;
		size_t n;

		tally_engine_destroy(e);
		setup();
		make(3, roots[i]);
		cl = two_spellings("/w/src/./a.c", "/w/y/../src/a.c", &n);
		cr_assert(eq(sz, n, 1), "root %s", roots[i]);
		cr_expect(eq(str, (char *)cl[0].path, "a.c"), "root %s",
		    roots[i]);
	}
}

/* A root that is a symlink: paths through the link and through its
 * target are both under it. */
Test(corr, a_symlinked_root_matches_its_target_too)
{
	char dir[] = "/tmp/tally-corr-XXXXXX", real[64], link[64];
	char ua[PATH_MAX + 8], ub[PATH_MAX + 8], rp[PATH_MAX];
	const tally_corr_cluster *cl;
	size_t n;

	cr_assert(mkdtemp(dir) != NULL);
	snprintf(real, sizeof(real), "%s/real", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	cr_assert(eq(int, mkdir(real, 0700), 0));
	cr_assert(eq(int, symlink(real, link), 0));
	/* /tmp itself may be a link: the target as realpath() spells it */
	cr_assert(realpath(real, rp) != NULL);
	snprintf(ua, sizeof(ua), "%s/a.c", link);
	snprintf(ub, sizeof(ub), "%s/a.c", rp);
	make(3, link);
	cl = two_spellings(ua, ub, &n);
	unlink(link);
	rmdir(real);
	rmdir(dir);
	cr_assert(eq(sz, n, 1));
	cr_expect(eq(str, (char *)cl[0].path, "a.c"));
}
