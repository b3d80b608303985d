/*
 * cli/cmd_summary.c - `tally summary`: exact, deduplicated counts.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/clusters.h"
#include "cli/cmd.h"
#include "cli/inputs.h"
#include "cli/opts.h"
#include "cli/out.h"
#include "cli/summary_html.h"

static const char help[] =
"Usage: tally summary [OPTION]... FILE...\n"
"\n"
"Read SARIF 2.1.0 logs (and the other formats --input-format names) and\n"
"print exact counts of their unique results: totals, levels, tools, the\n"
"top rules and the top files. Exact duplicates\n"
"(same tool, rule, file, line, column, offset, message and suppression)\n"
"count once. Suppressed results (a non-empty \"suppressions\" array with no\n"
"entry under review or rejected) are counted apart, as \"suppressed\", and\n"
"in no other count, nor by --fail-on.\n"
"A FILE of '-' is standard input. An input that cannot be read is reported\n"
"on stderr and contributes nothing; the others are still counted.\n"
"\n"
"Options:\n"
"  -f, --format FMT    text (default), json, markdown (GitHub-flavoured:\n"
"                      for a pull-request comment or $GITHUB_STEP_SUMMARY),\n"
"                      or html (one self-contained page: tables, bar charts\n"
"                      and every file; no script, nothing fetched)\n"
"  -n, --top N         rows in the tables of rules, files and clusters\n"
"                      (default 10; JSON lists, and HTML's list of every\n"
"                      file, are always complete)\n"
"      --fail-on LVL   exit 1 when a unique result has level LVL or higher\n"
"                      (none, note, warning, error)\n"
"      --level LVL     count only results at level LVL or higher; the others\n"
"                      are left out of every count, as if absent\n"
"      --path GLOB     count only results whose file, as printed, matches the\n"
"                      shell pattern GLOB ('*' also matches '/'); --level and\n"
"                      --path do not filter --clusters\n"
"  -j, --workers N     aggregation threads (default: one per CPU less one)\n"
"      --progress      always show progress on stderr, with what is counted\n"
"                      so far (results, results/s, unique, top rule)\n"
"      --no-progress   never show progress (default: shown when stderr is a\n"
"                      terminal and the inputs exceed 64 MiB)\n"
"      --clusters      also correlate: results of different tools in the same\n"
"                      file, lines apart by at most the window, sharing a CWE\n"
"                      or category tag, form clusters (see tally/corr.h)\n"
"      --window N      lines apart that still correlate (default 3; implies\n"
"                      --clusters)\n"
"      --root DIR      correlate paths under DIR as relative to it, so that\n"
"                      absolute and relative paths of one file match\n"
"                      (implies --clusters)\n"
"      --cache DIR     keep each input's results in DIR, keyed by a hash of\n"
"                      its bytes, and replay them when the same bytes come\n"
"                      again instead of reading the JSON (the output is the\n"
"                      same); says on stderr how many were found there.\n"
"                      DIR is bounded to 1 GiB, oldest entries going first.\n"
"                      Not used with --clusters\n"
"      --include-suppressed\n"
"                      count suppressed results as active ones\n"
"      --input-format NAME\n"
"                      read every input as NAME: sarif, gcc-json,\n"
"                      shellcheck-json1, checkstyle, cppcheck-xml,\n"
"                      clang-tidy-yaml, eslint-json, pylint-json,\n"
"                      codeclimate, tally-part (default: auto, told by\n"
"                      content; gzip and zstd are undone first)\n"
"      --max-input-bytes N\n"
"                      refuse an input over N bytes (512M, 4G; default 4G)\n"
"  -v, --verbose       print each input's warnings on stderr (what was\n"
"                      forgiven: a byte order mark, \"runs\": null, ...)\n"
"      --stats         print time, throughput and peak memory on stderr\n"
"  -h, --help          show this help and exit\n";

static const char help_more[] =
"\n"
"JSON output: {\"inputs\": [{\"path\", \"results\", \"error\", \"warnings\":\n"
"[{\"offset\", \"message\"}]}], \"total\", \"unique\", \"suppressed\",\n"
"\"duplicates\" (total - unique - suppressed), \"by_level\": {level: n},\n"
"\"by_tool\": {tool: n}, \"by_rule\": [{\"tool\", \"rule\", \"count\"}],\n"
"\"by_file\": [{\"file\", \"count\"}], \"by_suppression_status\": {status: n}\n"
"(unique results with suppressions: accepted, underReview, rejected) and,\n"
"when a result has one, \"by_baseline_state\": {state: n}}.\n"
"inputs[].results, by_suppression_status and by_baseline_state count what\n"
"the inputs hold, before --level and --path. The other counts are of\n"
"unique results; zero counts are left out; lists are sorted by\n"
"count, highest first, then by name. With --clusters, also \"clusters\":\n"
"[{\"path\", \"first_line\", \"last_line\", \"size\", \"cwe\", \"tools\",\n"
"\"representative\", \"members\"}] sorted by path and line, and \"agreement\":\n"
"{\"tools\", \"categorized\", \"matrix\"}: categorized[a] counts tool a's unique\n"
"results with a category, matrix[a][b] the clusters holding both tools (a ==\n"
"b: holding tool a).\n"
"\n"
"HTML output: each number of the JSON's totals, by_level, by_tool, by_rule\n"
"(the top N) and by_file is in an element with data-count (\"total\",\n"
"\"by_level.error\", \"by_tool\", \"by_rule\", \"by_file\", ...) and\n"
"data-value (the integer), in a row with data-tool, data-rule or data-file.\n"
"\n"
"Exit status: 0 success, 1 --fail-on matched, 2 usage, input or output\n"
"error.\n";

static const char *const formats[] = { "text", "json", "markdown", "html",
	NULL };

static const cli_cmd summary_cmd = {
	.name = "summary",
	.help = help,
	.help_more = help_more,
	.opts = OPT(OPT_HELP) | OPT(OPT_FORMAT) | OPT(OPT_TOP) |
	    OPT(OPT_FAIL_ON) | OPT(OPT_LEVEL) | OPT(OPT_PATH) |
	    OPT(OPT_WORKERS) | OPTS_PROGRESS |
	    OPTS_CLUSTERS | OPT(OPT_CACHE) | OPT(OPT_STATS) | OPTS_READ,
	.formats = formats,
};

/* Ranked groups of one dimension, with names. */
typedef struct ranked {
	tally_group *g;
	size_t n;     /* ranked: the first n of them, by count */
	size_t total; /* groups in the snapshot */
} ranked;

/* One run of the command: the steps below fill it, summary_end() frees. */
typedef struct summary {
	cli_opts o;
	double t0;           /* when the command started, for --stats */
	tally_engine *e;
	tally_corr *corr;    /* with --clusters */
	tally_cache *cache;  /* with --cache */
	tally_sarif_states *states; /* by baselineState, suppression status */
	inputs in;
	tally_snapshot *s;   /* the counts, once all is read */
	ranked rk[TALLY_DIM_COUNT];
} summary;

/*
 * The first @cap groups of @dim by count (all of them when @cap is larger):
 * the snapshot selects a top N without sorting every group.
 */
static int
rank(const tally_snapshot *s, tally_dim dim, size_t cap, ranked *out)
{
	size_t n;

	out->total = tally_snapshot_group_count(s, dim);
	n = cap < out->total ? cap : out->total;
	out->g = calloc(n ? n : 1, sizeof(tally_group));
	if (out->g == NULL)
		return TALLY_ENOMEM;
	return tally_snapshot_groups(s, dim, TALLY_ORDER_COUNT, out->g, n,
	    &out->n);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

/* ", \"warnings\": [{\"offset\", \"message\"}]" (offset null: none) */
static void
json_warnings(const input_warnings *w)
{
	fputs(", \"warnings\": [", stdout);
	for (size_t k = 0; k < w->n; k++) {
		fputs(k ? ", {\"offset\": " : "{\"offset\": ", stdout);
		if (w->offset[k] == UINT64_MAX)
			fputs("null", stdout);
		else
			printf("%llu", (unsigned long long)w->offset[k]);
		fputs(", \"message\": ", stdout);
		out_json_str(stdout, w->message[k], strlen(w->message[k]));
		fputs("}", stdout);
	}
	fputs("]", stdout);
}

static void
json_inputs(const inputs *in)
{
	fputs("{\n  \"inputs\": [", stdout);
	for (size_t i = 0; i < in->n; i++) {
		const tally_sarif_report *r = &in->rep[i];

		fputs(i ? ",\n    {\"path\": " : "\n    {\"path\": ", stdout);
		out_json_str(stdout, in->paths[i], strlen(in->paths[i]));
		printf(", \"results\": %llu, \"error\": ",
		    (unsigned long long)r->results);
		if (r->error.status == TALLY_OK)
			fputs("null", stdout);
		else
			out_json_str(stdout, r->error.message,
			    strlen(r->error.message));
		json_warnings(&in->warn[i]);
		fputs("}", stdout);
	}
	fputs(in->n ? "\n  ]," : "],", stdout);
}

static void
json_totals(const tally_snapshot *s)
{
	tally_totals t;
	bool first = true;

	tally_snapshot_totals(s, &t);
	printf("\n  \"total\": %llu,\n  \"unique\": %llu,\n"
	    "  \"suppressed\": %llu,\n  \"duplicates\": %llu,\n"
	    "  \"by_level\": {", (unsigned long long)t.read,
	    (unsigned long long)t.unique, (unsigned long long)t.suppressed,
	    (unsigned long long)t.duplicates);
	for (int l = TALLY_LEVEL_ERROR; l >= TALLY_LEVEL_NONE; l--) {
		uint64_t c = tally_snapshot_level(s, (tally_level)l);

		if (c == 0)
			continue;
		printf("%s\"%s\": %llu", first ? "" : ", ",
		    tally_level_name((tally_level)l), (unsigned long long)c);
		first = false;
	}
	fputs("},", stdout);
}

static void
json_tools(tally_engine *e, const ranked *r)
{
	fputs("\n  \"by_tool\": {", stdout);
	for (size_t i = 0; i < r->n; i++) {
		size_t len;
		const char *a = out_name(e, TALLY_STR_TOOL, r->g[i].tool, &len);

		fputs(i ? ", " : "", stdout);
		out_json_str(stdout, a, len);
		printf(": %llu", (unsigned long long)r->g[i].count);
	}
	fputs("},", stdout);
}

static void
json_rules(tally_engine *e, const ranked *r)
{
	fputs("\n  \"by_rule\": [", stdout);
	for (size_t i = 0; i < r->n; i++) {
		const tally_group *g = &r->g[i];
		size_t len, len2;
		const char *a = out_name(e, TALLY_STR_TOOL, g->tool, &len);
		const char *b = out_name(e, TALLY_STR_RULE, g->rule, &len2);

		fputs(i ? ",\n    {\"tool\": " : "\n    {\"tool\": ", stdout);
		out_json_str(stdout, a, len);
		fputs(", \"rule\": ", stdout);
		out_json_str(stdout, b, len2);
		printf(", \"count\": %llu}", (unsigned long long)g->count);
	}
	fputs(r->n ? "\n  ]," : "],", stdout);
}

static void
json_files(tally_engine *e, const ranked *r)
{
	fputs("\n  \"by_file\": [", stdout);
	for (size_t i = 0; i < r->n; i++) {
		size_t len;
		const char *a = out_name(e, TALLY_STR_FILE, r->g[i].file, &len);

		fputs(i ? ",\n    {\"file\": " : "\n    {\"file\": ", stdout);
		out_json_str(stdout, a, len);
		printf(", \"count\": %llu}", (unsigned long long)r->g[i].count);
	}
	fputs(r->n ? "\n  ]," : "],", stdout);
}

/* A JSON object of the non-zero counts @c[0 .. n) named by @name(). */
static void
json_counts(const char *key, const uint64_t *c, int n,
    const char *(*name)(int))
{
	bool first = true;

	printf("\n  \"%s\": {", key);
	for (int k = 0; k < n; k++) {
		if (c[k] == 0)
			continue;
		printf("%s\"%s\": %llu", first ? "" : ", ", name(k),
		    (unsigned long long)c[k]);
		first = false;
	}
	fputs("}", stdout);
}

static const char *
suppression_name(int k)
{
	return tally_sarif_suppression_name((tally_suppression)k);
}

static const char *
baseline_name(int k)
{
	return tally_sarif_baseline_name((tally_baseline)k);
}

/* by_suppression_status, and by_baseline_state when any result has one. */
static void
json_states(tally_sarif_states *st)
{
	tally_sarif_state_counts c;
	uint64_t any = 0;

	memset(&c, 0, sizeof(c));
	(void)tally_sarif_states_get(st, &c);
	json_counts("by_suppression_status", c.suppression,
	    TALLY_SUPPRESSION_COUNT, suppression_name);
	for (int k = 0; k < TALLY_BASELINE_COUNT; k++)
		any += c.baseline[k];
	if (any != 0) {
		fputs(",", stdout);
		json_counts("by_baseline_state", c.baseline,
		    TALLY_BASELINE_COUNT, baseline_name);
	}
}

static void
print_json(const summary *sm)
{
	json_inputs(&sm->in);
	json_totals(sm->s);
	json_tools(sm->e, &sm->rk[TALLY_DIM_TOOL]);
	json_rules(sm->e, &sm->rk[TALLY_DIM_RULE]);
	json_files(sm->e, &sm->rk[TALLY_DIM_FILE]);
	json_states(sm->states);
	if (sm->corr != NULL)
		clusters_json(stdout, sm->corr);
	fputs("\n}\n", stdout);
}

/* ------------------------------------------------------------------ */
/* Text                                                                */

#define NAME_MAX_COL 60

/*
 * Print @s (from an input) escaped by out_term(), cut to @w columns, and
 * padded to them with @pad (a column is a byte of the escaped form; a
 * character or an escape is never split).
 */
static void
cell(const char *s, size_t len, size_t w, bool pad)
{
	size_t ew = out_term_width(s, len);

	if (ew > w) {
		size_t cut = out_term_fit(s, len, w - 3, &ew);

		out_term(stdout, s, cut);
		printf("...%*s", (int)(w - 3 - ew), "");
		return;
	}
	out_term(stdout, s, len);
	if (pad)
		printf("%*s", (int)(w - ew), "");
}

static size_t
width(const tally_engine *e, tally_strkind k, const tally_group *g, size_t n,
    size_t min)
{
	size_t w = min;

	for (size_t i = 0; i < n; i++) {
		size_t len, ew;
		uint32_t id = k == TALLY_STR_TOOL ? g[i].tool :
		    k == TALLY_STR_RULE ? g[i].rule : g[i].file;
		const char *s = out_name(e, k, id, &len);

		if ((ew = out_term_width(s, len)) > w)
			w = ew;
	}
	return w > NAME_MAX_COL ? NAME_MAX_COL : w;
}

static void
text_totals(const summary *sm)
{
	const tally_snapshot *s = sm->s;
	tally_totals t;
	char a[32];

	tally_snapshot_totals(s, &t);
	printf("tally %s: %zu input%s (%s)", tally_version(), sm->in.n,
	    sm->in.n == 1 ? "" : "s", out_bytes(sm->in.bytes, a));
	if (sm->in.failed)
		printf(", %zu failed (see stderr)", sm->in.failed);
	printf("\n\nTotals\n");
	printf("  results     %14s\n", out_thousands(t.read, a));
	printf("  unique      %14s\n", out_thousands(t.unique, a));
	printf("  suppressed  %14s\n", out_thousands(t.suppressed, a));
	printf("  duplicates  %14s\n", out_thousands(t.duplicates, a));

	printf("\nLevels (unique results)\n");
	for (int l = TALLY_LEVEL_ERROR; l >= TALLY_LEVEL_NONE; l--)
		printf("  %-10s  %14s\n", tally_level_name((tally_level)l),
		    out_thousands(tally_snapshot_level(s, (tally_level)l), a));
}

static void
text_tools(tally_engine *e, const ranked *r)
{
	size_t wt = width(e, TALLY_STR_TOOL, r->g, r->n, 10);
	char a[32];

	printf("\nTools (unique results)\n");
	for (size_t i = 0; i < r->n; i++) {
		size_t len;
		const char *nm = out_name(e, TALLY_STR_TOOL, r->g[i].tool, &len);

		printf("  ");
		cell(nm, len, wt, true);
		printf("  %14s\n", out_thousands(r->g[i].count, a));
	}
	if (r->n == 0)
		printf("  (none)\n");
}

/* The @top rules with the most unique results. */
static void
text_rules(tally_engine *e, const ranked *r, unsigned long top)
{
	size_t nr = r->n < top ? r->n : top;
	size_t wt = width(e, TALLY_STR_TOOL, r->g, nr, 4);
	size_t wr = width(e, TALLY_STR_RULE, r->g, nr, 4);
	char a[32];

	printf("\nTop %zu of %zu rules\n", nr, r->total);
	if (nr > 0) {
		printf("  %14s  ", "count");
		cell("tool", 4, wt, true);
		printf("  rule\n");
	}
	for (size_t i = 0; i < nr; i++) {
		const tally_group *g = &r->g[i];
		size_t l1, l2;
		const char *n1 = out_name(e, TALLY_STR_TOOL, g->tool, &l1);
		const char *n2 = out_name(e, TALLY_STR_RULE, g->rule, &l2);

		printf("  %14s  ", out_thousands(g->count, a));
		cell(n1, l1, wt, true);
		printf("  ");
		if (l2 == 0)
			printf("(no rule id)\n");
		else {
			cell(n2, l2, wr, false);
			printf("\n");
		}
	}
}

/* The @top files with the most unique results. */
static void
text_files(tally_engine *e, const ranked *r, unsigned long top)
{
	size_t nf = r->n < top ? r->n : top;
	size_t wf = width(e, TALLY_STR_FILE, r->g, nf, 4);
	char b[32];

	printf("\nTop %zu of %zu files\n", nf, r->total);
	if (nf > 0)
		printf("  %14s  file\n", "count");
	for (size_t i = 0; i < nf; i++) {
		size_t len;
		const char *nm = out_name(e, TALLY_STR_FILE, r->g[i].file, &len);

		printf("  %14s  ", out_thousands(r->g[i].count, b));
		if (len == 0)
			printf("(no file)\n");
		else {
			cell(nm, len, wf, false);
			printf("\n");
		}
	}
}

static void
print_text(const summary *sm)
{
	unsigned long top = sm->o.top;

	text_totals(sm);
	text_tools(sm->e, &sm->rk[TALLY_DIM_TOOL]);
	text_rules(sm->e, &sm->rk[TALLY_DIM_RULE], top);
	text_files(sm->e, &sm->rk[TALLY_DIM_FILE], top);
	if (sm->corr != NULL)
		clusters_text(stdout, sm->corr, (uint32_t)sm->o.window, top);
}

/* ------------------------------------------------------------------ */
/* Markdown (GitHub-flavoured)                                         */

/*
 * A name from the inputs as a table cell: in <code>, with every byte that
 * HTML, Markdown or the table could read as markup written as a character
 * reference, and control bytes (and DEL) as U+FFFD. So no input can end the
 * cell, open a tag or a link, or break the line.
 */
static void
md_name(const char *s, size_t n, const char *none)
{
	if (n == 0) {
		printf("*%s*", none);
		return;
	}
	fputs("<code>", stdout);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			fputs("&#xFFFD;", stdout);
		else if (strchr("&<>\"'|`\\*_[]#~!:", c) != NULL)
			printf("&#%u;", c);
		else
			putchar(c);
	}
	fputs("</code>", stdout);
}

static void
print_markdown(const summary *sm)
{
	const tally_snapshot *s = sm->s;
	const ranked *tools = &sm->rk[TALLY_DIM_TOOL];
	const ranked *rules = &sm->rk[TALLY_DIM_RULE];
	const ranked *files = &sm->rk[TALLY_DIM_FILE];
	tally_totals t;

	tally_snapshot_totals(s, &t);
	printf("## tally summary\n\n**%llu** unique results (%llu read, "
	    "%llu suppressed, %llu duplicates) from %zu input%s",
	    (unsigned long long)t.unique, (unsigned long long)t.read,
	    (unsigned long long)t.suppressed,
	    (unsigned long long)t.duplicates, sm->in.n,
	    sm->in.n == 1 ? "" : "s");
	if (sm->in.failed)
		printf(", **%zu failed** (not counted)", sm->in.failed);
	fputs(".\n\n| level | unique |\n|---|---:|\n", stdout);
	for (int l = TALLY_LEVEL_ERROR; l >= TALLY_LEVEL_NONE; l--)
		printf("| %s | %llu |\n", tally_level_name((tally_level)l),
		    (unsigned long long)tally_snapshot_level(s,
		    (tally_level)l));
	fputs("\n| tool | unique |\n|---|---:|\n", stdout);
	for (size_t i = 0; i < tools->n; i++) {
		size_t len;
		const char *nm = out_name(sm->e, TALLY_STR_TOOL,
		    tools->g[i].tool, &len);

		fputs("| ", stdout);
		md_name(nm, len, "no name");
		printf(" | %llu |\n", (unsigned long long)tools->g[i].count);
	}
	printf("\n### Top %zu of %zu rules\n\n| unique | tool | rule |\n"
	    "|---:|---|---|\n", rules->n, rules->total);
	for (size_t i = 0; i < rules->n; i++) {
		const tally_group *g = &rules->g[i];
		size_t l1, l2;
		const char *n1 = out_name(sm->e, TALLY_STR_TOOL, g->tool, &l1);
		const char *n2 = out_name(sm->e, TALLY_STR_RULE, g->rule, &l2);

		printf("| %llu | ", (unsigned long long)g->count);
		md_name(n1, l1, "no name");
		fputs(" | ", stdout);
		md_name(n2, l2, "no rule id");
		fputs(" |\n", stdout);
	}
	printf("\n### Top %zu of %zu files\n\n| unique | file |\n"
	    "|---:|---|\n", files->n, files->total);
	for (size_t i = 0; i < files->n; i++) {
		size_t len;
		const char *nm = out_name(sm->e, TALLY_STR_FILE,
		    files->g[i].file, &len);

		printf("| %llu | ", (unsigned long long)files->g[i].count);
		md_name(nm, len, "no file");
		fputs(" |\n", stdout);
	}
}

/* ------------------------------------------------------------------ */
/* HTML (cli/summary_html.c)                                           */

static void
print_html(const summary *sm)
{
	const ranked *rk = sm->rk;
	summary_html_view v = {
		.o = &sm->o, .e = sm->e, .s = sm->s, .in = &sm->in,
		.corr = sm->corr,
		.tools = rk[TALLY_DIM_TOOL].g, .ntools = rk[TALLY_DIM_TOOL].n,
		.rules = rk[TALLY_DIM_RULE].g, .nrules = rk[TALLY_DIM_RULE].n,
		.rules_total = rk[TALLY_DIM_RULE].total,
		.files = rk[TALLY_DIM_FILE].g, .nfiles = rk[TALLY_DIM_FILE].n,
	};

	summary_html(stdout, &v);
}

/* ------------------------------------------------------------------ */
/* --cache                                                             */

/*
 * The stored-results cache of --cache, or NULL. A directory that cannot be
 * made or read only costs the saving: a warning, and the inputs are read.
 */
static tally_cache *
cache_open(const cli_opts *o)
{
	tally_cache_config cfg = TALLY_CACHE_CONFIG_INIT;
	tally_cache *c;
	tally_error err;

	if (o->cache == NULL)
		return NULL;
	if (o->clusters) {
		out_error("summary: warning: --cache is not used with "
		    "--clusters (correlation needs the whole results)");
		return NULL;
	}
	cfg.dir = o->cache;
	cfg.l2_bytes = 16u << 20; /* one process: L3 is the level that pays */
	if (tally_cache_create(&cfg, NULL, &c, &err) != TALLY_OK) {
		out_error("summary: warning: cache %s: %s (reading without "
		    "it)", o->cache, err.message);
		return NULL;
	}
	return c;
}

/* What --cache did, on stderr, with any failure to store. */
static void
cache_report(tally_cache *c, const char *dir, size_t n)
{
	tally_cache_stats cs;
	tally_cache_disk_stats ds;
	tally_error err;

	if (c == NULL)
		return;
	tally_cache_stats_get(c, &cs);
	tally_cache_disk_stats_get(tally_cache_level_disk(c), &ds);
	/* found: entries looked up and present; one that replay refuses is
	 * read from its input and stored again */
	out_error("cache %s: %llu of %zu inputs found, %llu stored", dir,
	    (unsigned long long)(cs.l1_hits + cs.l2_hits + cs.l3_hits), n,
	    (unsigned long long)ds.stores);
	if (ds.store_failures != 0) {
		tally_cache_disk_error(tally_cache_level_disk(c), &err);
		out_error("summary: warning: cache %s: %llu inputs not stored: "
		    "%s", dir, (unsigned long long)ds.store_failures,
		    err.message);
	}
}

/* ------------------------------------------------------------------ */
/* The steps                                                           */

static int
summary_args(cli_opts *o, int argc, char **argv)
{
	int rc = cli_parse(&summary_cmd, argc, argv, o);

	if (rc == EXIT_OK && o->nfiles == 0) {
		out_error("summary: no input files (try 'tally summary "
		    "--help')");
		return EXIT_USAGE;
	}
	return rc;
}

/* The engine, and the correlation index and the cache when asked for. */
static int
summary_start(summary *sm)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_corr_config cc = TALLY_CORR_CONFIG_INIT;
	int rc;

	cfg.workers = (unsigned)sm->o.workers;
	cfg.min_level = sm->o.level < 0 ? TALLY_LEVEL_NONE :
	    (unsigned)sm->o.level;
	cfg.path_glob = sm->o.path;
	if ((rc = tally_engine_create(&sm->e, &cfg)) != TALLY_OK) {
		out_error("cannot start the engine: %s", tally_strerror(rc));
		return EXIT_USAGE;
	}
	if (sm->o.clusters) {
		cc.window = (uint32_t)sm->o.window;
		cc.root = sm->o.root;
		if ((rc = tally_corr_create(&cc, NULL, &sm->corr)) !=
		    TALLY_OK) {
			out_error("cannot correlate: %s", tally_strerror(rc));
			return EXIT_USAGE;
		}
	}
	sm->cache = cache_open(&sm->o);
	if ((rc = tally_sarif_states_create(&sm->states, NULL)) != TALLY_OK) {
		out_error("cannot start: %s", tally_strerror(rc));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int
read_into_engine(void *arg, const char *path, const tally_sarif_options *so,
    tally_sarif_report *rep)
{
	return tally_sarif_read_file(arg, path, so, rep);
}

static int
summary_read(summary *sm)
{
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	int rc;

	so.corr = sm->corr;
	so.cache = sm->cache;
	so.states = sm->states;
	rc = inputs_read(&sm->in, &sm->o, sm->e, &so, read_into_engine, sm->e);
	if (rc == EXIT_OK)
		cache_report(sm->cache, sm->o.cache, sm->in.n);
	return rc;
}

/* Wait for the counts, rank them, and correlate. */
static int
summary_count(summary *sm)
{
	int rc = tally_engine_flush(sm->e);

	if (rc == TALLY_OK)
		rc = tally_snapshot_acquire(sm->e, &sm->s);
	/* (file, rule) hot spots are not printed (yet): not ranked either.
	 * JSON lists every group; text and Markdown tables only the top rules
	 * and files; HTML the top rules, and every file (its complete list). */
	for (unsigned d = 0; d <= TALLY_DIM_FILE && rc == TALLY_OK; d++) {
		bool all = sm->o.format == CLI_FORMAT_JSON ||
		    d == TALLY_DIM_TOOL || (d == TALLY_DIM_FILE &&
		    sm->o.format == CLI_FORMAT_HTML);
		size_t cap = all ? SIZE_MAX : sm->o.top;

		rc = rank(sm->s, (tally_dim)d, cap, &sm->rk[d]);
	}
	if (rc == TALLY_OK && sm->corr != NULL)
		rc = tally_corr_compute(sm->corr);
	if (rc != TALLY_OK) {
		out_error("aggregation failed: %s", tally_strerror(rc));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int
summary_write(const summary *sm)
{
	if (sm->o.format == CLI_FORMAT_JSON)
		print_json(sm);
	else if (sm->o.format == CLI_FORMAT_MARKDOWN)
		print_markdown(sm);
	else if (sm->o.format == CLI_FORMAT_HTML)
		print_html(sm);
	else
		print_text(sm);
	return out_stdout_check() == 0 ? EXIT_OK : EXIT_USAGE;
}

/* --stats: time, throughput and memory, on stderr. */
static void
summary_stats(const summary *sm)
{
	uint64_t bytes = sm->in.bytes, largest = sm->in.largest;
	double dt = out_now() - sm->t0;
	uint64_t rss = out_peak_rss();
	tally_totals t;
	char a[32], b[32], c[32];

	tally_snapshot_totals(sm->s, &t);
	fprintf(stderr, "tally: stats: %s in %.3f s = %.1f MB/s, %llu results "
	    "= %.0f results/s, peak RSS %s = %.2fx the largest input (%s), "
	    "%u workers\n", out_bytes(bytes, a), dt, bytes / 1e6 / dt,
	    (unsigned long long)t.read, (double)t.read / dt,
	    out_bytes(rss, b), largest ? (double)rss / (double)largest : 0.0,
	    out_bytes(largest, c), tally_engine_workers(sm->e));
}

/* An unread input outranks --fail-on. */
static int
summary_status(const summary *sm)
{
	if (sm->in.failed)
		return EXIT_USAGE;
	for (int l = sm->o.fail_on; l >= 0 && l < TALLY_LEVEL_COUNT; l++)
		if (tally_snapshot_level(sm->s, (tally_level)l) != 0)
			return EXIT_FAIL_ON;
	return EXIT_OK;
}

static void
summary_end(summary *sm)
{
	for (unsigned d = 0; d < TALLY_DIM_COUNT; d++)
		free(sm->rk[d].g);
	tally_snapshot_release(sm->s);
	tally_corr_destroy(sm->corr);
	tally_engine_destroy(sm->e);
	tally_cache_destroy(sm->cache);
	tally_sarif_states_destroy(sm->states);
	inputs_free(&sm->in);
}

int
cmd_summary(int argc, char **argv)
{
	summary sm = { .t0 = out_now() };
	int status = summary_args(&sm.o, argc, argv);

	if (status != EXIT_OK)
		return status == CLI_HELP ? EXIT_OK : status;
	if ((status = summary_start(&sm)) == EXIT_OK &&
	    (status = summary_read(&sm)) == EXIT_OK &&
	    (status = summary_count(&sm)) == EXIT_OK &&
	    (status = summary_write(&sm)) == EXIT_OK) {
		if (sm.o.stats)
			summary_stats(&sm);
		status = summary_status(&sm);
	}
	summary_end(&sm);
	return status;
}
