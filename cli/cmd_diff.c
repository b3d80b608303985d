/*
 * cli/cmd_diff.c - `tally diff`: every result of a log classified against
 * a baseline log as new, unchanged, updated or absent.
 */
#include "cli/cmd.h"
#include "cli/opts.h"
#include "cli/out.h"
#include "engine/outfile.h"

static const char help[] =
"Usage: tally diff [OPTION]... --baseline OLD.sarif NEW.sarif\n"
"\n"
"Classify every result of NEW against the baseline OLD, as SARIF's\n"
"baselineState does: unchanged (same tool, rule, file, line, column and\n"
"message), updated (matched, but moved or reworded: the only result with\n"
"its tool, rule, file and message on each side; or one within 3 lines;\n"
"or one on the same line whose message changed; or, where both logs give\n"
"partialFingerprints.primaryLocationLineHash, one with the same hash and\n"
"message), new (only in NEW) or absent (only in OLD). A suppressed result\n"
"of NEW (a non-empty \"suppressions\" array, none under review or\n"
"rejected) that matches nothing is never new: it is only counted, as\n"
"suppressed (in SARIF it is written as new, with its suppressions).\n"
"\n"
"Options:\n"
"  -b, --baseline FILE  the older log (required)\n"
"  -f, --format FMT     text (default), json or sarif\n"
"  -o, --output FILE    where to write (default '-', standard output)\n"
"      --fail-on-new    exit 1 when any result is new\n"
"      --new-only       list and write only the new results (the counts\n"
"                       stay whole): a SARIF log of what a change added\n"
"      --pretty         with --format sarif: lay the log out indented (two\n"
"                       spaces a level; default: compact, no whitespace)\n"
"      --include-suppressed\n"
"                       read suppressed results as active ones\n"
"      --input-format NAME\n"
"                      read every input as NAME: sarif, gcc-json,\n"
"                      shellcheck-json1, checkstyle, cppcheck-xml,\n"
"                      clang-tidy-yaml, eslint-json, pylint-json,\n"
"                      codeclimate, tally-part (default: auto, told by\n"
"                      content; gzip and zstd are undone first)\n"
"      --max-input-bytes N\n"
"                       refuse an input over N bytes (512M, 4G; default 4G)\n"
"  -h, --help           show this help and exit\n"
"\n"
"Text lists the counts, then one line per result that is not unchanged.\n"
"JSON: {\"counts\": {\"new\", \"unchanged\", \"updated\", \"absent\",\n"
"\"suppressed\"},\n"
"\"results\": [{\"state\", \"tool\", \"rule\", \"file\", \"line\", \"column\",\n"
"\"message\", and for matched results \"baseline\": {\"line\", \"column\",\n"
"\"message\"}}]}, the results of NEW in order, then the absent ones.\n"
"SARIF: NEW as 'tally merge' writes it (one run per tool), but with every\n"
"result, duplicates included, each with its \"baselineState\"; the absent\n"
"results of OLD follow in the run of their tool.\n"
"\n"
"The output is opened only once both logs are read (it may be one of\n"
"them); a file is replaced only by a complete listing, its mode kept.\n"
"\n"
"Exit status: 0 success, 1 --fail-on-new found a new result, 2 usage error,\n"
"an input that could not be read, or a write error.\n";

static const char *const formats[] = { "text", "json", "sarif", NULL };

static const cli_cmd diff_cmd = {
	.name = "diff",
	.help = help,
	.opts = OPT(OPT_HELP) | OPT(OPT_BASELINE) | OPT(OPT_FORMAT) |
	    OPT(OPT_OUTPUT) | OPT(OPT_FAIL_ON_NEW) | OPT(OPT_NEW_ONLY) |
	    OPT(OPT_INCLUDE_SUPPRESSED) | OPT(OPT_MAX_INPUT) | OPT(OPT_PRETTY) |
	    OPT(OPT_INPUT_FORMAT),
	.formats = formats,
};

/* --format sarif: a merge of NEW alone, classified against OLD. */
static int
write_sarif(const cli_opts *o, const tally_sarif_options *so)
{
	const char *base = o->baseline, *cur = o->files[0], *out = o->output;
	tally_sarif_merge *m = NULL;
	tally_sarif_report rep;
	tally_sarif_merge_stats r;
	tally_error err;
	int rc;

	if ((rc = tally_sarif_merge_create(&m, NULL)) != TALLY_OK ||
	    (rc = tally_sarif_merge_keep_duplicates(m)) != TALLY_OK ||
	    (rc = tally_sarif_merge_pretty(m, o->pretty)) != TALLY_OK ||
	    (rc = tally_sarif_merge_only_new(m, o->new_only)) != TALLY_OK) {
		out_error("diff: %s", tally_strerror(rc));
		tally_sarif_merge_destroy(m);
		return EXIT_USAGE;
	}
	if ((rc = tally_sarif_merge_baseline(m, base, so, &rep)) ==
	    TALLY_OK)
		base = NULL; /* read: an error now is the new log's */
	if (rc != TALLY_OK || (rc = tally_sarif_merge_add_file(m, cur, so,
	    &rep)) != TALLY_OK) {
		out_error("%s: %s", base != NULL ? base : cur, rep.error.message);
		tally_sarif_merge_destroy(m);
		return EXIT_USAGE;
	}
	if (tally_sarif_merge_write(m, out, &err) != TALLY_OK) {
		out_error("diff: %s", err.message);
		if (strcmp(out, "-") == 0)
			out_stdout_reported();
		tally_sarif_merge_destroy(m);
		return EXIT_USAGE;
	}
	tally_sarif_merge_stats_get(m, &r);
	tally_sarif_merge_destroy(m);
	return o->fail_on_new && r.baseline[TALLY_BASELINE_NEW] != 0 ?
	    EXIT_FAIL_ON : EXIT_OK;
}

static void
json_text(FILE *out, tally_engine *e, tally_strkind k, uint32_t id)
{
	size_t len;
	const char *s = out_name(e, k, id, &len);

	out_json_str(out, s, len);
}

static void
print_json(FILE *out, tally_engine *e, const tally_sarif_diff *d,
    bool new_only)
{
	size_t n, shown = 0;
	const tally_sarif_diff_entry *ent = tally_sarif_diff_entries(d, &n);

	fputs("{\n  \"counts\": {", out);
	for (int b = 0; b < TALLY_BASELINE_COUNT; b++)
		fprintf(out, "%s\"%s\": %llu", b ? ", " : "",
		    tally_sarif_baseline_name((tally_baseline)b),
		    (unsigned long long)tally_sarif_diff_count(d, (tally_baseline)b));
	fprintf(out, ", \"suppressed\": %llu},\n  \"results\": [",
	    (unsigned long long)tally_sarif_diff_suppressed(d));
	for (size_t i = 0; i < n; i++) {
		const tally_sarif_diff_entry *x = &ent[i];

		if (new_only && x->state != TALLY_BASELINE_NEW)
			continue;
		fprintf(out, "%s\n    {\"state\": \"%s\", \"tool\": ",
		    shown++ ? "," : "", tally_sarif_baseline_name(x->state));
		json_text(out, e, TALLY_STR_TOOL, x->v.tool);
		fputs(", \"rule\": ", out);
		json_text(out, e, TALLY_STR_RULE, x->v.rule);
		fputs(", \"file\": ", out);
		json_text(out, e, TALLY_STR_FILE, x->v.file);
		fprintf(out, ", \"line\": %u, \"column\": %u, \"message\": ",
		    x->v.line, x->v.column);
		json_text(out, e, TALLY_STR_MESSAGE, x->v.message);
		if (x->state == TALLY_BASELINE_UNCHANGED ||
		    x->state == TALLY_BASELINE_UPDATED) {
			fprintf(out, ", \"baseline\": {\"line\": %u, "
			    "\"column\": %u, \"message\": ", x->base.line,
			    x->base.column);
			json_text(out, e, TALLY_STR_MESSAGE, x->base.message);
			fputc('}', out);
		}
		fputc('}', out);
	}
	fputs(shown ? "\n  ]\n}\n" : "]\n}\n", out);
}

/* Names come from the inputs: escaped, so none can reach a terminal raw. */
static void
print_text(FILE *out, tally_engine *e, const tally_sarif_diff *d,
    bool new_only)
{
	size_t n;
	const tally_sarif_diff_entry *ent = tally_sarif_diff_entries(d, &n);

	fprintf(out, "%llu new, %llu unchanged, %llu updated, %llu absent, %llu "
	    "suppressed\n",
	    (unsigned long long)tally_sarif_diff_count(d, TALLY_BASELINE_NEW),
	    (unsigned long long)tally_sarif_diff_count(d, TALLY_BASELINE_UNCHANGED),
	    (unsigned long long)tally_sarif_diff_count(d, TALLY_BASELINE_UPDATED),
	    (unsigned long long)tally_sarif_diff_count(d, TALLY_BASELINE_ABSENT),
	    (unsigned long long)tally_sarif_diff_suppressed(d));
	for (size_t i = 0; i < n; i++) {
		const tally_sarif_diff_entry *x = &ent[i];
		size_t lt, lr, lf;
		const char *t = out_name(e, TALLY_STR_TOOL, x->v.tool, &lt);
		const char *r = out_name(e, TALLY_STR_RULE, x->v.rule, &lr);
		const char *f = out_name(e, TALLY_STR_FILE, x->v.file, &lf);

		if (x->state == TALLY_BASELINE_UNCHANGED ||
		    (new_only && x->state != TALLY_BASELINE_NEW))
			continue;
		fprintf(out, "%-9s ", tally_sarif_baseline_name(x->state));
		out_term(out, t, lt);
		fputc(' ', out);
		out_term(out, r, lr);
		fputc(' ', out);
		out_term(out, f, lf);
		fprintf(out, ":%u", x->v.line);
		if (x->state == TALLY_BASELINE_UPDATED)
			fprintf(out, " (was line %u)", x->base.line);
		fputc('\n', out);
	}
}

/* The options, with exactly one NEW log after them. */
static int
diff_args(cli_opts *o, int argc, char **argv)
{
	int rc = cli_parse(&diff_cmd, argc, argv, o);

	if (rc != EXIT_OK)
		return rc;
	if (o->baseline == NULL || o->nfiles != 1) {
		out_error("diff: give --baseline OLD.sarif and one NEW.sarif "
		    "(try 'tally diff --help')");
		return EXIT_USAGE;
	}
	if (o->output == NULL)
		o->output = "-";
	return EXIT_OK;
}

/*
 * --format text or json: the classification, written by us. The output is
 * opened only once both logs are read: it may name one of them.
 */
static int
write_listing(const cli_opts *o, tally_engine *e)
{
	const char *base = o->baseline, *cur = o->files[0];
	const tallyi_mem libc = TALLYI_MEM_LIBC;
	tally_sarif_report rep[2];
	tally_sarif_diff *d = NULL;
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tallyi_outfile out;
	tally_error err;
	int rc;

	so.include_suppressed = o->include_suppressed;
	so.max_input_bytes = o->max_input_bytes;
	so.input_format = o->input_format;
	rc = tally_sarif_diff_create(e, base, cur, &so, &d, rep);

	if (rc != TALLY_OK) {
		int k = rep[0].error.status != TALLY_OK ? 0 :
		    rep[1].error.status != TALLY_OK ? 1 : -1;

		if (k < 0) /* both read: classifying them failed */
			out_error("diff: %s", tally_strerror(rc));
		else
			out_error("%s: %s", k ? cur : base,
			    rep[k].error.message[0] ? rep[k].error.message :
			    tally_strerror(rc));
		return EXIT_USAGE;
	}
	if (tallyi_outfile_open(&out, o->output, &libc, &err) != TALLY_OK) {
		out_error("diff: %s", err.message);
		tally_sarif_diff_destroy(d);
		return EXIT_USAGE;
	}
	if (o->format == CLI_FORMAT_JSON)
		print_json(out.f, e, d, o->new_only);
	else
		print_text(out.f, e, d, o->new_only);
	rc = o->fail_on_new && tally_sarif_diff_count(d, TALLY_BASELINE_NEW) != 0 ?
	    EXIT_FAIL_ON : EXIT_OK;
	tally_sarif_diff_destroy(d);
	if (tallyi_outfile_commit(&out, &err) != TALLY_OK) {
		out_error("diff: %s", err.message);
		if (out.is_stdout)
			out_stdout_reported();
		rc = EXIT_USAGE;
	}
	return rc;
}

int
cmd_diff(int argc, char **argv)
{
	tally_engine *e = NULL;
	cli_opts o;
	int rc = diff_args(&o, argc, argv);

	if (rc != EXIT_OK)
		return rc == CLI_HELP ? EXIT_OK : rc;
	if (o.format == CLI_FORMAT_SARIF) {
		tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;

		so.include_suppressed = o.include_suppressed;
		so.max_input_bytes = o.max_input_bytes;
		so.input_format = o.input_format;
		return write_sarif(&o, &so);
	}
	if ((rc = tally_engine_create(&e, NULL)) != TALLY_OK) {
		out_error("diff: cannot start the engine: %s",
		    tally_strerror(rc));
		return EXIT_USAGE;
	}
	rc = write_listing(&o, e);
	tally_engine_destroy(e);
	return rc;
}
