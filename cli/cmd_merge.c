/*
 * cli/cmd_merge.c - `tally merge`: one SARIF log, one run per tool, exact
 * duplicates dropped.
 */
#include <string.h>

#include "cli/cmd.h"
#include "cli/inputs.h"
#include "cli/opts.h"
#include "cli/out.h"

static const char help[] =
"Usage: tally merge [OPTION]... FILE... -o OUT.sarif\n"
"\n"
"Merge SARIF 2.1.0 logs into one valid SARIF 2.1.0 log with one run per\n"
"tool (by tool.driver.name). Each run keeps the first driver seen for its\n"
"tool with the union of all its rules, and the distinct artifacts of all\n"
"its runs; ruleIndex and artifact indexes are re-pointed. A run whose\n"
"results its own tool.extensions, level overrides or message strings\n"
"explain is written as a run of its own, so that its results read as\n"
"they did. Results keep their suppressions. Exact\n"
"duplicates (same tool, rule, file, line, column, offset, message and\n"
"suppression) are written once.\n"
"A run with no results is kept. An input that cannot be read is reported\n"
"on stderr and left out; the others are still merged.\n"
"\n"
"Options:\n"
"  -f, --format FMT    sarif (default); codeclimate (GitLab's code quality\n"
"                      report); junit (a testcase per result) or\n"
"                      junit-files (per file): errors and warnings fail;\n"
"                      csv. See README.md, \"Outputs\"\n"
"  -o, --output FILE   where to write the merged log ('-' for stdout); a\n"
"                      file is replaced, its mode kept, only once the log\n"
"                      is complete; a symlink is written through; a device\n"
"                      or FIFO is written to directly\n"
"      --pretty        lay the log out indented, two spaces a level (default:\n"
"                      compact: no whitespace between tokens, the results'\n"
"                      own indentation dropped)\n"
"      --progress      always show progress on stderr\n"
"      --no-progress   never show progress (default: shown when stderr is a\n"
"                      terminal and the inputs exceed 64 MiB)\n"
"      --include-suppressed\n"
"                      read suppressed results as active ones (for duplicates\n"
"                      and --baseline)\n"
"      --input-format NAME\n"
"                      read every input as NAME: sarif, gcc-json,\n"
"                      shellcheck-json1, checkstyle, cppcheck-xml,\n"
"                      clang-tidy-yaml, eslint-json, pylint-json,\n"
"                      codeclimate, tally-part (default: auto, told by\n"
"                      content; gzip and zstd are undone first)\n"
"      --max-input-bytes N\n"
"                      refuse an input over N bytes (512M, 4G; default 4G)\n"
"  -v, --verbose       print each input's warnings on stderr\n"
"      --github        write a log GitHub code scanning accepts: a run per\n"
"                      tool and category (automationDetails.id), each with\n"
"                      its category; absent and suppressed results left\n"
"                      out; at most 25,000 results a run, 20 runs and 10 MB\n"
"                      gzip-compressed, results past a limit cut (the first\n"
"                      by level, rule, location kept). What was cut, and\n"
"                      why, is said on stderr and in the run's properties\n"
"                      (tallyGithubCut). More than 20 runs is an error\n"
"      --keep-suppressed\n"
"                      with --github, write suppressed results too (GitHub\n"
"                      shows them as dismissed alerts)\n"
"      --stats         print time, throughput and peak memory on stderr\n"
"  -h, --help          show this help and exit\n"
"\n";

static const char help_more[] =
"Annotations (each written result gets what applies):\n"
"  -b, --baseline OLD  classify the results against the log OLD as 'tally\n"
"                      diff' does: each gets \"baselineState\" (new,\n"
"                      unchanged, updated), and OLD's unmatched results are\n"
"                      written too, as \"absent\"\n"
"      --sources DIR   compute partialFingerprints.primaryLocationLineHash\n"
"                      (GitHub's) from the source files, relative paths\n"
"                      taken under DIR (and absolute ones under --root);\n"
"                      a result that has one keeps it. Only regular files\n"
"                      beneath DIR, of at most 16 MiB, are read: '..',\n"
"                      symlinks out of DIR and other absolute paths are\n"
"                      refused, and counted as unreadable\n"
"      --sources-absolute\n"
"                      with --sources, also read absolute paths outside\n"
"                      --root as they are (refused by default: a log\n"
"                      could name any file tally can read)\n"
"      --clusters      correlate as 'tally summary --clusters' does: each\n"
"                      member of a cluster gets relatedLocations (the other\n"
"                      members) and properties.tallyCluster {id, size,\n"
"                      tools}\n"
"      --window N      lines apart that still correlate (default 3; implies\n"
"                      --clusters)\n"
"      --root DIR      correlate paths under DIR as relative to it (implies\n"
"                      --clusters); with --sources, read them under it\n"
"\n"
"Exit status: 0 success, 2 usage error, unreadable input or write error.\n";

static const char *const formats[] = {
	"sarif", "codeclimate", "junit", "junit-files", "csv", NULL
};

static const cli_cmd merge_cmd = {
	.name = "merge",
	.help = help,
	.help_more = help_more,
	.formats = formats,
	.opts = OPT(OPT_HELP) | OPT(OPT_FORMAT) | OPT(OPT_OUTPUT) |
	    OPT(OPT_BASELINE) |
	    OPT(OPT_SOURCES) | OPT(OPT_SOURCES_ABSOLUTE) | OPTS_CLUSTERS |
	    OPTS_PROGRESS | OPT(OPT_STATS) | OPT(OPT_PRETTY) | OPTS_READ |
	    OPT(OPT_GITHUB) | OPT(OPT_KEEP_SUPPRESSED),
};

/* One run of the command: the steps below fill it, merge_end() frees. */
typedef struct merge {
	cli_opts o;
	double t0;         /* when the command started, for --stats */
	tally_sarif_merge *m;
	tally_corr *corr;  /* with --clusters */
	inputs in;
} merge;

/* Say on stderr what the annotations did. */
static void
annotations_note(const tally_sarif_merge *m, bool baseline, bool sources,
    bool clusters)
{
	tally_sarif_merge_stats r;

	tally_sarif_merge_stats_get(m, &r);
	if (baseline)
		fprintf(stderr, "tally: baseline: %llu new, %llu unchanged, "
		    "%llu updated, %llu absent, %llu suppressed (written as "
		    "new, with their suppressions)\n",
		    (unsigned long long)r.baseline[TALLY_BASELINE_NEW],
		    (unsigned long long)r.baseline[TALLY_BASELINE_UNCHANGED],
		    (unsigned long long)r.baseline[TALLY_BASELINE_UPDATED],
		    (unsigned long long)r.baseline[TALLY_BASELINE_ABSENT],
		    (unsigned long long)r.suppressed_new);
	if (sources)
		fprintf(stderr, "tally: sources: %llu line hashes computed, "
		    "%llu results without one (%llu files unreadable)\n",
		    (unsigned long long)r.hashed, (unsigned long long)r.unhashed,
		    (unsigned long long)r.unreadable);
	if (clusters)
		fprintf(stderr, "tally: clusters: %llu results are members\n",
		    (unsigned long long)r.clustered);
}

static int
merge_args(cli_opts *o, int argc, char **argv)
{
	int rc = cli_parse(&merge_cmd, argc, argv, o);

	if (rc != EXIT_OK)
		return rc;
	if (o->output == NULL) {
		out_error("merge: no output file: give -o OUT.sarif (try "
		    "'tally merge --help')");
		return EXIT_USAGE;
	}
	if (o->nfiles == 0) {
		out_error("merge: no input files (try 'tally merge --help')");
		return EXIT_USAGE;
	}
	if (o->pretty && o->format != CLI_FORMAT_TEXT &&
	    o->format != CLI_FORMAT_SARIF) {
		out_error("merge: --pretty lays out SARIF only (--format "
		    "sarif)");
		return EXIT_USAGE;
	}
	if (o->github && o->format != CLI_FORMAT_TEXT &&
	    o->format != CLI_FORMAT_SARIF) {
		out_error("merge: --github shapes SARIF only (--format sarif)");
		return EXIT_USAGE;
	}
	if (o->keep_suppressed && !o->github) {
		out_error("merge: --keep-suppressed goes with --github (without "
		    "it suppressed results are always written)");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static tally_merge_format
merge_format(cli_format f)
{
	switch (f) {
	case CLI_FORMAT_CODECLIMATE: return TALLY_MERGE_CODECLIMATE;
	case CLI_FORMAT_JUNIT: return TALLY_MERGE_JUNIT;
	case CLI_FORMAT_JUNIT_FILES: return TALLY_MERGE_JUNIT_FILES;
	case CLI_FORMAT_CSV: return TALLY_MERGE_CSV;
	default: return TALLY_MERGE_SARIF;
	}
}

/* The merge, with the annotations asked for; the baseline is read now. */
static int
merge_start(merge *mg)
{
	const cli_opts *o = &mg->o;
	tally_corr_config cc = TALLY_CORR_CONFIG_INIT;
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report rep;
	int rc;

	if ((rc = tally_sarif_merge_create(&mg->m, NULL)) != TALLY_OK) {
		out_error("merge: %s", tally_strerror(rc));
		return EXIT_USAGE;
	}
	cc.window = (uint32_t)o->window;
	cc.root = o->root;
	if (o->clusters && ((rc = tally_corr_create(&cc, NULL, &mg->corr)) ||
	    (rc = tally_sarif_merge_correlate(mg->m, mg->corr)))) {
		out_error("merge: cannot correlate: %s", tally_strerror(rc));
		return EXIT_USAGE;
	}
	if (o->sources != NULL && (rc = tally_sarif_merge_sources(mg->m,
	    o->sources, o->root)) != TALLY_OK) {
		out_error("merge: %s", tally_strerror(rc));
		return EXIT_USAGE;
	}
	if (o->sources != NULL && o->sources_absolute)
		(void)tally_sarif_merge_sources_absolute(mg->m, true);
	if (o->github) {
		tally_sarif_github gh = TALLY_SARIF_GITHUB_INIT;

		gh.keep_suppressed = o->keep_suppressed;
		(void)tally_sarif_merge_github(mg->m, &gh);
	}
	(void)tally_sarif_merge_pretty(mg->m, o->pretty);
	(void)tally_sarif_merge_format(mg->m, merge_format(o->format));
	so.include_suppressed = o->include_suppressed;
	so.max_input_bytes = o->max_input_bytes;
	so.input_format = o->input_format;
	if (o->baseline != NULL && tally_sarif_merge_baseline(mg->m,
	    o->baseline, &so, &rep) != TALLY_OK) {
		out_error("%s: %s", o->baseline, rep.error.message);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int
read_into_merge(void *arg, const char *path, const tally_sarif_options *so,
    tally_sarif_report *rep)
{
	return tally_sarif_merge_add_file(arg, path, so, rep);
}

/* Correlate and write: EXIT_OK, or EXIT_USAGE when nothing was written. */
static int
merge_write(merge *mg)
{
	int rc = mg->corr != NULL ? tally_corr_compute(mg->corr) : TALLY_OK;
	tally_error err;

	if (rc != TALLY_OK) {
		out_error("merge: cannot correlate: %s", tally_strerror(rc));
		return EXIT_USAGE;
	}
	if (tally_sarif_merge_write(mg->m, mg->o.output, &err) != TALLY_OK) {
		out_error("merge: %s", err.message);
		if (strcmp(mg->o.output, "-") == 0)
			out_stdout_reported();
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* One line on stderr for a run of a --github log that lost results. */
static int
github_run_note(void *arg, const tally_sarif_github_run *r)
{
	uint64_t *tot = arg;

	tot[0] += r->results;
	tot[1] += r->written;
	tot[2] += r->suppressed;
	tot[3] += r->absent;
	tot[4]++;
	if (r->why == NULL)
		return 0;
	fputs("tally: github: ", stderr);
	out_term(stderr, r->tool, r->tool_len);
	if (r->category_len > 0) {
		fputs(" (", stderr);
		out_term(stderr, r->category, r->category_len);
		fputs(")", stderr);
	}
	fprintf(stderr, ": wrote %llu of %llu results: %s\n",
	    (unsigned long long)r->written, (unsigned long long)r->results,
	    r->why);
	return 0;
}

/* What --github cut, run by run, then in all. */
static void
github_note(const tally_sarif_merge *m)
{
	uint64_t tot[5] = { 0 }, gz = 0;

	if (tally_sarif_merge_github_runs(m, github_run_note, tot, &gz) !=
	    TALLY_OK)
		return;
	fprintf(stderr, "tally: github: %llu runs, %llu of %llu results "
	    "written, %llu suppressed and %llu absent left out; %llu bytes "
	    "gzip-compressed\n", (unsigned long long)tot[4],
	    (unsigned long long)tot[1], (unsigned long long)tot[0],
	    (unsigned long long)tot[2], (unsigned long long)tot[3],
	    (unsigned long long)gz);
}

/*
 * What was merged and where it went, unless the log went to stdout;
 * --stats. Only after a write that succeeded: after a failure, the error
 * said what failed and nothing may read as if the log were written.
 */
static void
merge_report(const merge *mg)
{
	const char *out = mg->o.output;
	tally_sarif_merge_stats st;
	uint64_t read, unique;
	char a[32], b[32];
	double dt;

	if (!mg->o.stats && strcmp(out, "-") == 0)
		return;
	tally_sarif_merge_stats_get(mg->m, &st);
	read = st.read;
	unique = st.unique;
	fprintf(stderr, "tally: merged %zu of %zu inputs: %llu results, "
	    "%llu unique, %llu duplicates dropped -> ",
	    mg->in.n - mg->in.failed, mg->in.n, (unsigned long long)read,
	    (unsigned long long)unique, (unsigned long long)(read - unique));
	out_term_z(stderr, strcmp(out, "-") == 0 ? "standard output" : out);
	fputc('\n', stderr);
	if (!mg->o.stats)
		return;
	dt = out_now() - mg->t0;
	fprintf(stderr, "tally: stats: %s in %.3f s = %.1f MB/s, peak RSS %s\n",
	    out_bytes(mg->in.bytes, a), dt, mg->in.bytes / 1e6 / dt,
	    out_bytes(out_peak_rss(), b));
}

static void
merge_end(merge *mg)
{
	tally_sarif_merge_destroy(mg->m);
	tally_corr_destroy(mg->corr);
	inputs_free(&mg->in);
}

int
cmd_merge(int argc, char **argv)
{
	merge mg = { .t0 = out_now() };
	int status = merge_args(&mg.o, argc, argv);

	if (status != EXIT_OK)
		return status == CLI_HELP ? EXIT_OK : status;
	if ((status = merge_start(&mg)) == EXIT_OK &&
	    (status = inputs_read(&mg.in, &mg.o, NULL, NULL, read_into_merge,
	    mg.m)) == EXIT_OK) {
		status = merge_write(&mg);
		if (status == EXIT_OK) {
			merge_report(&mg);
			annotations_note(mg.m, mg.o.baseline != NULL,
			    mg.o.sources != NULL, mg.corr != NULL);
			if (mg.o.github)
				github_note(mg.m);
		}
		if (mg.in.failed)
			status = EXIT_USAGE;
	}
	merge_end(&mg);
	return status;
}
