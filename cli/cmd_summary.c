/*
 * cli/cmd_summary.c - `tally summary`: exact, deduplicated counts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/clusters.h"
#include "cli/cmd.h"
#include "cli/out.h"

static const char help[] =
"Usage: tally summary [OPTION]... FILE...\n"
"\n"
"Read SARIF 2.1.0 logs and print exact counts of their unique results:\n"
"totals, levels, tools, the top rules and the top files. Exact duplicates\n"
"(same tool, rule, file, line, column, offset and message) count once.\n"
"A FILE of '-' is standard input. An input that cannot be read is reported\n"
"on stderr and contributes nothing; the others are still counted.\n"
"\n"
"Options:\n"
"  -f, --format FMT    text (default) or json\n"
"  -n, --top N         rows in the text tables of rules and files (default 10;\n"
"                      JSON lists are always complete)\n"
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
"                      or category tag, form clusters (see tally/correlate.h)\n"
"      --window N      lines apart that still correlate (default 3; implies\n"
"                      --clusters)\n"
"      --root DIR      correlate paths under DIR as relative to it, so that\n"
"                      absolute and relative paths of one file match\n"
"                      (implies --clusters)\n"
"      --cache DIR     keep each input's results in DIR, keyed by a hash of\n"
"                      its bytes, and replay them when the same bytes come\n"
"                      again instead of reading the JSON (the output is the\n"
"                      same); says on stderr how many inputs were replayed.\n"
"                      DIR is bounded to 1 GiB, oldest entries going first.\n"
"                      Not used with --clusters\n"
"      --stats         print time, throughput and peak memory on stderr\n"
"  -h, --help          show this help and exit\n"
"\n"
"JSON output: {\"inputs\": [{\"path\", \"results\", \"error\"}], \"total\",\n"
"\"unique\", \"duplicates\", \"by_level\": {level: n}, \"by_tool\": {tool: n},\n"
"\"by_rule\": [{\"tool\", \"rule\", \"count\"}], \"by_file\": [{\"file\", \"count\"}]}.\n"
"Counts are of unique results; zero counts are left out; lists are sorted by\n"
"count, highest first, then by name. With --clusters, also \"clusters\":\n"
"[{\"path\", \"first_line\", \"last_line\", \"size\", \"cwe\", \"tools\",\n"
"\"representative\", \"members\"}] sorted by path and line, and \"agreement\":\n"
"{\"tools\", \"categorized\", \"matrix\"}: categorized[a] counts tool a's unique\n"
"results with a category, matrix[a][b] the clusters holding both tools (a ==\n"
"b: holding tool a).\n"
"\n"
"Exit status: 0 success, 1 --fail-on matched, 2 usage or input error.\n";

typedef struct opts {
	bool json;
	unsigned long top;
	int fail_on;   /* -1 or a tally_level */
	int level;     /* -1 or a tally_level */
	const char *path;
	unsigned long workers;
	int progress;  /* -1 auto */
	bool stats;
	bool clusters;
	unsigned long window;
	const char *root;
	const char *cache;
} opts;

/* Ranked groups of one dimension, with names. */
typedef struct ranked {
	tally_group *g;
	size_t n;
} ranked;

static int
rank(const tally_snapshot *s, tally_dim dim, ranked *out)
{
	size_t n = tally_snapshot_group_count(s, dim);

	out->g = calloc(n ? n : 1, sizeof(tally_group));
	if (out->g == NULL)
		return TALLY_ENOMEM;
	return tally_snapshot_groups(s, dim, TALLY_ORDER_COUNT, out->g, n,
	    &out->n);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

static void
print_json(tally_engine *e, const tally_snapshot *s, char **paths,
    const tally_sarif_report *rep, size_t n, const ranked *rk,
    const tally_corr *corr)
{
	tally_totals t;
	bool first = true;
	size_t len, len2;
	const char *a, *b;

	tally_snapshot_totals(s, &t);
	fputs("{\n  \"inputs\": [", stdout);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n    {\"path\": " : "\n    {\"path\": ", stdout);
		out_json_str(stdout, paths[i], strlen(paths[i]));
		printf(", \"results\": %llu, \"error\": ",
		    (unsigned long long)rep[i].results);
		if (rep[i].status == TALLY_OK)
			fputs("null}", stdout);
		else {
			out_json_str(stdout, rep[i].error,
			    strlen(rep[i].error));
			fputs("}", stdout);
		}
	}
	printf("%s],\n  \"total\": %llu,\n  \"unique\": %llu,\n"
	    "  \"duplicates\": %llu,\n  \"by_level\": {", n ? "\n  " : "",
	    (unsigned long long)t.read, (unsigned long long)t.unique,
	    (unsigned long long)t.duplicates);
	for (int l = TALLY_LEVEL_ERROR; l >= TALLY_LEVEL_NONE; l--) {
		uint64_t c = tally_snapshot_level(s, (tally_level)l);

		if (c == 0)
			continue;
		printf("%s\"%s\": %llu", first ? "" : ", ",
		    tally_level_name((tally_level)l), (unsigned long long)c);
		first = false;
	}
	fputs("},\n  \"by_tool\": {", stdout);
	for (size_t i = 0; i < rk[TALLY_DIM_TOOL].n; i++) {
		const tally_group *g = &rk[TALLY_DIM_TOOL].g[i];

		a = out_name(e, TALLY_STR_TOOL, g->tool, &len);
		fputs(i ? ", " : "", stdout);
		out_json_str(stdout, a, len);
		printf(": %llu", (unsigned long long)g->count);
	}
	fputs("},\n  \"by_rule\": [", stdout);
	for (size_t i = 0; i < rk[TALLY_DIM_RULE].n; i++) {
		const tally_group *g = &rk[TALLY_DIM_RULE].g[i];

		a = out_name(e, TALLY_STR_TOOL, g->tool, &len);
		b = out_name(e, TALLY_STR_RULE, g->rule, &len2);
		fputs(i ? ",\n    {\"tool\": " : "\n    {\"tool\": ", stdout);
		out_json_str(stdout, a, len);
		fputs(", \"rule\": ", stdout);
		out_json_str(stdout, b, len2);
		printf(", \"count\": %llu}", (unsigned long long)g->count);
	}
	fputs(rk[TALLY_DIM_RULE].n ? "\n  ],\n  \"by_file\": [" :
	    "],\n  \"by_file\": [", stdout);
	for (size_t i = 0; i < rk[TALLY_DIM_FILE].n; i++) {
		const tally_group *g = &rk[TALLY_DIM_FILE].g[i];

		a = out_name(e, TALLY_STR_FILE, g->file, &len);
		fputs(i ? ",\n    {\"file\": " : "\n    {\"file\": ", stdout);
		out_json_str(stdout, a, len);
		printf(", \"count\": %llu}", (unsigned long long)g->count);
	}
	fputs(rk[TALLY_DIM_FILE].n ? "\n  ]" : "]", stdout);
	if (corr != NULL)
		clusters_json(stdout, corr);
	fputs("\n}\n", stdout);
}

/* ------------------------------------------------------------------ */
/* Text                                                                */

#define NAME_MAX_COL 60

/* Print @s padded or cut to @w display columns (bytes; UTF-8 kept whole). */
static void
cell(const char *s, size_t len, size_t w)
{
	if (len > w) {
		size_t cut = w - 3;

		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--; /* do not split a UTF-8 sequence */
		printf("%.*s...%*s", (int)cut, s, (int)(w - 3 - cut), "");
		return;
	}
	printf("%.*s%*s", (int)len, s, (int)(w - len), "");
}

static size_t
width(const tally_engine *e, tally_strkind k, const tally_group *g, size_t n,
    size_t min)
{
	size_t w = min;

	for (size_t i = 0; i < n; i++) {
		size_t len;
		uint32_t id = k == TALLY_STR_TOOL ? g[i].tool :
		    k == TALLY_STR_RULE ? g[i].rule : g[i].file;

		(void)out_name(e, k, id, &len);
		if (len > w)
			w = len;
	}
	return w > NAME_MAX_COL ? NAME_MAX_COL : w;
}

static void
print_text(tally_engine *e, const tally_snapshot *s, size_t ninputs,
    size_t failed, uint64_t bytes, const ranked *rk, unsigned long top)
{
	tally_totals t;
	char a[32], b[32];
	size_t nr = rk[TALLY_DIM_RULE].n < top ? rk[TALLY_DIM_RULE].n : top;
	size_t nf = rk[TALLY_DIM_FILE].n < top ? rk[TALLY_DIM_FILE].n : top;
	size_t wt, wr, wf;

	tally_snapshot_totals(s, &t);
	printf("tally %s: %zu input%s (%s)", tally_version(), ninputs,
	    ninputs == 1 ? "" : "s", out_bytes(bytes, a));
	if (failed)
		printf(", %zu failed (see stderr)", failed);
	printf("\n\nTotals\n");
	printf("  results     %14s\n", out_thousands(t.read, a));
	printf("  unique      %14s\n", out_thousands(t.unique, a));
	printf("  duplicates  %14s\n", out_thousands(t.duplicates, a));

	printf("\nLevels (unique results)\n");
	for (int l = TALLY_LEVEL_ERROR; l >= TALLY_LEVEL_NONE; l--)
		printf("  %-10s  %14s\n", tally_level_name((tally_level)l),
		    out_thousands(tally_snapshot_level(s, (tally_level)l), a));

	wt = width(e, TALLY_STR_TOOL, rk[TALLY_DIM_TOOL].g,
	    rk[TALLY_DIM_TOOL].n, 10);
	printf("\nTools (unique results)\n");
	for (size_t i = 0; i < rk[TALLY_DIM_TOOL].n; i++) {
		const tally_group *g = &rk[TALLY_DIM_TOOL].g[i];
		size_t len;
		const char *nm = out_name(e, TALLY_STR_TOOL, g->tool, &len);

		printf("  ");
		cell(nm, len, wt);
		printf("  %14s\n", out_thousands(g->count, a));
	}
	if (rk[TALLY_DIM_TOOL].n == 0)
		printf("  (none)\n");

	wt = width(e, TALLY_STR_TOOL, rk[TALLY_DIM_RULE].g, nr, 4);
	wr = width(e, TALLY_STR_RULE, rk[TALLY_DIM_RULE].g, nr, 4);
	printf("\nTop %zu of %zu rules\n", nr, rk[TALLY_DIM_RULE].n);
	if (nr > 0) {
		printf("  %14s  ", "count");
		cell("tool", 4, wt);
		printf("  rule\n");
	}
	for (size_t i = 0; i < nr; i++) {
		const tally_group *g = &rk[TALLY_DIM_RULE].g[i];
		size_t l1, l2;
		const char *n1 = out_name(e, TALLY_STR_TOOL, g->tool, &l1);
		const char *n2 = out_name(e, TALLY_STR_RULE, g->rule, &l2);

		printf("  %14s  ", out_thousands(g->count, a));
		cell(n1, l1, wt);
		printf("  ");
		if (l2 == 0)
			printf("(no rule id)\n");
		else {
			cell(n2, l2, l2 < wr ? l2 : wr);
			printf("\n");
		}
	}

	wf = width(e, TALLY_STR_FILE, rk[TALLY_DIM_FILE].g, nf, 4);
	printf("\nTop %zu of %zu files\n", nf, rk[TALLY_DIM_FILE].n);
	if (nf > 0)
		printf("  %14s  file\n", "count");
	for (size_t i = 0; i < nf; i++) {
		const tally_group *g = &rk[TALLY_DIM_FILE].g[i];
		size_t len;
		const char *nm = out_name(e, TALLY_STR_FILE, g->file, &len);

		printf("  %14s  ", out_thousands(g->count, b));
		if (len == 0)
			printf("(no file)\n");
		else {
			cell(nm, len, len < wf ? len : wf);
			printf("\n");
		}
	}
}

/* ------------------------------------------------------------------ */
/* --cache                                                             */

/*
 * The stored-results cache of --cache, or NULL. A directory that cannot be
 * made or read only costs the saving: a warning, and the inputs are read.
 */
static tally_cache *
cache_open(const opts *o)
{
	tally_cache_config cfg = TALLY_CACHE_CONFIG_INIT;
	tally_cache *c;
	int rc;

	if (o->cache == NULL)
		return NULL;
	if (o->clusters) {
		out_error("summary: warning: --cache is not used with "
		    "--clusters (correlation needs the whole results)");
		return NULL;
	}
	cfg.dir = o->cache;
	cfg.l2_bytes = 16u << 20; /* one process: L3 is the level that pays */
	if ((rc = tally_cache_create(&cfg, NULL, &c)) != TALLY_OK) {
		out_error("summary: warning: cache %s: %s (reading without "
		    "it)", o->cache, rc == TALLY_EIO ? strerror(errno) :
		    tally_strerror(rc));
		return NULL;
	}
	return c;
}

/* What --cache did, on stderr, with any failure to store. */
static void
cache_report(tally_cache *c, const char *dir, size_t inputs)
{
	tally_cache_stats cs;
	tally_disk_cache_stats ds;

	if (c == NULL)
		return;
	tally_cache_stats_get(c, &cs);
	tally_disk_cache_stats_get(tally_cache_disk(c), &ds);
	fprintf(stderr, "tally: cache %s: %llu of %zu inputs replayed, %llu "
	    "stored\n", dir, (unsigned long long)(cs.l1_hits + cs.l2_hits +
	    cs.l3_hits), inputs, (unsigned long long)ds.stores);
	if (ds.store_failures != 0)
		out_error("summary: warning: cache %s: %llu inputs not stored: "
		    "%s", dir, (unsigned long long)ds.store_failures,
		    tally_disk_cache_error(tally_cache_disk(c)));
}

/* ------------------------------------------------------------------ */

static int
parse(int argc, char **argv, opts *o)
{
	enum { O_FAIL_ON = 256, O_PROGRESS, O_NO_PROGRESS, O_STATS,
		O_CLUSTERS, O_WINDOW, O_ROOT, O_CACHE, O_LEVEL, O_PATH };
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, 'n' },
		{ "fail-on", required_argument, NULL, O_FAIL_ON },
		{ "workers", required_argument, NULL, 'j' },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "no-progress", no_argument, NULL, O_NO_PROGRESS },
		{ "stats", no_argument, NULL, O_STATS },
		{ "clusters", no_argument, NULL, O_CLUSTERS },
		{ "window", required_argument, NULL, O_WINDOW },
		{ "root", required_argument, NULL, O_ROOT },
		{ "cache", required_argument, NULL, O_CACHE },
		{ "level", required_argument, NULL, O_LEVEL },
		{ "path", required_argument, NULL, O_PATH },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->top = 10;
	o->fail_on = -1;
	o->level = -1;
	o->progress = -1;
	o->window = 3;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:n:j:h", lo, NULL)) != -1) {
		tally_level l;

		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") == 0)
				o->json = true;
			else if (strcmp(optarg, "text") == 0)
				o->json = false;
			else {
				out_error("summary: --format must be text or "
				    "json, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			if (!out_parse_uint(optarg, &o->top)) {
				out_error("summary: --top needs a number, not "
				    "'%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j':
			if (!out_parse_uint(optarg, &o->workers) ||
			    o->workers > 256) {
				out_error("summary: --workers needs a number "
				    "from 0 to 256, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_FAIL_ON:
			if (tally_level_parse(optarg, strlen(optarg), &l) !=
			    TALLY_OK) {
				out_error("summary: --fail-on must be none, "
				    "note, warning or error, not '%s'", optarg);
				return EXIT_USAGE;
			}
			o->fail_on = (int)l;
			break;
		case O_LEVEL:
			if (tally_level_parse(optarg, strlen(optarg), &l) !=
			    TALLY_OK) {
				out_error("summary: --level must be none, "
				    "note, warning or error, not '%s'", optarg);
				return EXIT_USAGE;
			}
			o->level = (int)l;
			break;
		case O_PATH: o->path = optarg; break;
		case O_PROGRESS: o->progress = 1; break;
		case O_NO_PROGRESS: o->progress = 0; break;
		case O_STATS: o->stats = true; break;
		case O_CLUSTERS: o->clusters = true; break;
		case O_WINDOW:
			if (!out_parse_uint(optarg, &o->window) ||
			    o->window > UINT32_MAX) {
				out_error("summary: --window needs a number of "
				    "lines, not '%s'", optarg);
				return EXIT_USAGE;
			}
			o->clusters = true;
			break;
		case O_ROOT:
			o->root = optarg;
			o->clusters = true;
			break;
		case O_CACHE: o->cache = optarg; break;
		case 'h':
			fputs(help, stdout);
			return -1;
		default:
			return out_bad_option("summary", c, argv);
		}
	}
	if (optind >= argc) {
		out_error("summary: no input files (try 'tally summary "
		    "--help')");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int
cmd_summary(int argc, char **argv)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report *rep;
	tally_engine *e = NULL;
	tally_snapshot *s = NULL;
	tally_corr *corr = NULL;
	tally_cache *cache = NULL;
	ranked rk[TALLY_DIM_COUNT] = { { NULL, 0 } };
	char **paths;
	size_t n, failed = 0;
	uint64_t bytes = 0, largest = 0;
	progress pg;
	double t0 = out_now();
	opts o;
	int rc, status = EXIT_OK;

	if ((rc = parse(argc, argv, &o)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	paths = argv + optind;
	n = (size_t)(argc - optind);
	rep = calloc(n, sizeof(*rep));
	if (rep == NULL) {
		out_error("out of memory");
		return EXIT_USAGE;
	}
	cfg.workers = (unsigned)o.workers;
	cfg.min_level = o.level < 0 ? TALLY_LEVEL_NONE : (unsigned)o.level;
	cfg.path_glob = o.path;
	if ((rc = tally_engine_create(&e, &cfg)) != TALLY_OK) {
		out_error("cannot start the engine: %s", tally_strerror(rc));
		free(rep);
		return EXIT_USAGE;
	}
	if (o.clusters) {
		tally_corr_config cc = TALLY_CORR_CONFIG_INIT;

		cc.window = (uint32_t)o.window;
		cc.root = o.root;
		if ((rc = tally_corr_create(&cc, NULL, &corr)) != TALLY_OK) {
			out_error("cannot correlate: %s", tally_strerror(rc));
			tally_engine_destroy(e);
			free(rep);
			return EXIT_USAGE;
		}
		so.corr = corr;
	}
	so.cache = cache = cache_open(&o);
	progress_init(&pg, o.progress, paths, n);
	progress_engine(&pg, e);
	so.progress = progress_cb;
	so.progress_arg = &pg;
	for (size_t i = 0; i < n; i++) {
		progress_file(&pg, i, i ? rep[i - 1].bytes : 0);
		rc = tally_sarif_read_file(e, paths[i], &so, &rep[i]);
		bytes += rep[i].bytes;
		if (rep[i].bytes > largest)
			largest = rep[i].bytes;
		if (rc != TALLY_OK) {
			progress_done(&pg);
			out_error("%s: %s", paths[i], rep[i].error);
			failed++;
		}
	}
	progress_done(&pg);
	cache_report(cache, o.cache, n);
	rc = tally_engine_flush(e);
	if (rc == TALLY_OK)
		rc = tally_snapshot_acquire(e, &s);
	/* (file, rule) hot spots are not printed (yet): not ranked either */
	for (unsigned d = 0; d <= TALLY_DIM_FILE && rc == TALLY_OK; d++)
		rc = rank(s, (tally_dim)d, &rk[d]);
	if (rc == TALLY_OK && corr != NULL)
		rc = tally_corr_compute(corr);
	if (rc != TALLY_OK) {
		out_error("aggregation failed: %s", tally_strerror(rc));
		status = EXIT_USAGE;
		goto out;
	}
	if (o.json) {
		print_json(e, s, paths, rep, n, rk, corr);
	} else {
		print_text(e, s, n, failed, bytes, rk, o.top);
		if (corr != NULL)
			clusters_text(stdout, corr, (uint32_t)o.window, o.top);
	}
	if (fflush(stdout) != 0) {
		out_error("cannot write the output");
		status = EXIT_USAGE;
		goto out;
	}
	if (o.stats) {
		double dt = out_now() - t0;
		uint64_t rss = out_peak_rss();
		tally_totals t;
		char a[32], b[32], c[32];

		tally_snapshot_totals(s, &t);
		fprintf(stderr, "tally: stats: %s in %.3f s = %.1f MB/s, "
		    "%llu results = %.0f results/s, peak RSS %s = %.2fx the "
		    "largest input (%s), %u workers\n", out_bytes(bytes, a), dt,
		    bytes / 1e6 / dt, (unsigned long long)t.read,
		    (double)t.read / dt, out_bytes(rss, b),
		    largest ? (double)rss / (double)largest : 0.0,
		    out_bytes(largest, c), tally_engine_workers(e));
	}
	if (failed)
		status = EXIT_USAGE;
	else if (o.fail_on >= 0) {
		for (int l = o.fail_on; l < TALLY_LEVEL_COUNT; l++)
			if (tally_snapshot_level(s, (tally_level)l) != 0)
				status = EXIT_FAIL_ON;
	}
out:
	for (unsigned d = 0; d < TALLY_DIM_COUNT; d++)
		free(rk[d].g);
	tally_snapshot_release(s);
	tally_corr_destroy(corr);
	tally_engine_destroy(e);
	tally_cache_destroy(cache);
	free(rep);
	return status;
}
