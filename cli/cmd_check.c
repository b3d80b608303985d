/*
 * cli/cmd_check.c - `tally check`: what GitHub code scanning would reject
 * in a SARIF log, or accept and mishandle.
 */
#include <string.h>

#include "cli/cmd.h"
#include "cli/opts.h"
#include "cli/out.h"

static const char help[] =
"Usage: tally check [OPTION]... FILE...\n"
"\n"
"Say what GitHub code scanning would reject in each SARIF 2.1.0 log, or\n"
"accept and mishandle, before it is uploaded. Rejected: more than 20\n"
"runs; a run of more than 25,000 results, 25,000 rules or 100 tool\n"
"extensions; a result of more than 1,000 locations or 10,000 thread flow\n"
"locations; a rule of more than 20 tags; over 10 MB gzip-compressed; a\n"
"version other than 2.1.0; two runs of one tool (driver name, fullName,\n"
"version, semanticVersion) in one category (automationDetails.id up to\n"
"its last '/'). Mishandled: what GitHub drops (results past 5,000 a run,\n"
"locations past 100, thread flow locations past 1,000, tags past 10);\n"
"an absolute uri without uriBaseId, or one holding '..' or a backslash;\n"
"partialFingerprints that are placeholders (empty, one character\n"
"repeated), that results in different places share (one alert for both),\n"
"or that hold the result's line number (a new alert whenever code moves).\n"
"Each problem is counted; its first occurrence is described, with its\n"
"byte offset. gzip and zstd inputs are decompressed first.\n"
"\n"
"Options:\n"
"  -f, --format FMT    text (default) or json\n"
"      --max-input-bytes N\n"
"                      refuse an input over N bytes (512M, 4G; default 4G)\n"
"  -h, --help          show this help and exit\n"
"\n"
"Text: one line per problem, 'FILE: rejected|mishandled: CODE: message\n"
"(offset N; K times)', then one verdict line per file.\n"
"JSON: [{\"path\", \"error\" (null, or why the file could not be read),\n"
"\"rejected\" (true or false), \"runs\", \"findings\": [{\"code\",\n"
"\"rejected\", \"count\", \"offset\" (null: the whole file), \"message\"}]}].\n"
"\n"
"Exit status: 0 GitHub would accept every file (perhaps mishandling\n"
"something: see the output), 1 it would reject one, 2 usage error or a\n"
"file that could not be read (the others are still checked).\n";

static const char *const formats[] = { "text", "json", NULL };

static const cli_cmd check_cmd = {
	.name = "check",
	.help = help,
	.opts = OPT(OPT_HELP) | OPT(OPT_FORMAT) | OPT(OPT_MAX_INPUT),
	.formats = formats,
};

typedef struct check_out {
	const char *path;
	bool json;
	size_t n;          /* findings written for this file */
	uint64_t rejected, mishandled;
} check_out;

static int
print_finding(void *arg, const tally_sarif_check_finding *f)
{
	check_out *o = arg;

	if (f->rejected)
		o->rejected++;
	else
		o->mishandled++;
	if (o->json) {
		fputs(o->n++ ? ",\n    " : "\n    ", stdout);
		fprintf(stdout, "{\"code\": \"%s\", \"rejected\": %s, "
		    "\"count\": %llu, \"offset\": ", f->code,
		    f->rejected ? "true" : "false",
		    (unsigned long long)f->count);
		if (f->offset == UINT64_MAX)
			fputs("null", stdout);
		else
			fprintf(stdout, "%llu", (unsigned long long)f->offset);
		fputs(", \"message\": ", stdout);
		out_json_str(stdout, f->message, strlen(f->message));
		fputc('}', stdout);
		return 0;
	}
	out_term_z(stdout, o->path);
	fprintf(stdout, ": %s: %s: ", f->rejected ? "rejected" :
	    "mishandled", f->code);
	out_term_z(stdout, f->message);
	if (f->offset != UINT64_MAX)
		fprintf(stdout, " (offset %llu", (unsigned long long)f->offset);
	else
		fputs(" (the whole file", stdout);
	if (f->count > 1)
		fprintf(stdout, "; %llu times", (unsigned long long)f->count);
	fputs(")\n", stdout);
	return 0;
}

/* Check one file; EXIT_OK, EXIT_FAIL_ON (rejected) or EXIT_USAGE. */
static int
check_one(const cli_opts *opts, const char *path, bool first)
{
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report rep;
	check_out o = { path, opts->format == CLI_FORMAT_JSON, 0, 0, 0 };
	int rc;

	so.max_input_bytes = opts->max_input_bytes;
	if (o.json) {
		fputs(first ? "[\n  {\"path\": " : ",\n  {\"path\": ", stdout);
		out_json_str(stdout, path, strlen(path));
		fputs(", \"findings\": [", stdout);
	}
	rc = tally_sarif_check_file(path, &so, print_finding, &o, &rep);
	if (o.json) {
		fputs(o.n ? "\n  ], \"error\": " : "], \"error\": ", stdout);
		if (rc != TALLY_OK)
			out_json_str(stdout, rep.error.message,
			    strlen(rep.error.message));
		else
			fputs("null", stdout);
		fprintf(stdout, ", \"rejected\": %s, \"runs\": %llu}",
		    o.rejected ? "true" : "false",
		    (unsigned long long)rep.runs);
	}
	if (rc != TALLY_OK) {
		if (rep.error.offset != UINT64_MAX)
			out_error("%s: at offset %llu: %s", path,
			    (unsigned long long)rep.error.offset,
			    rep.error.message);
		else
			out_error("%s: %s", path, rep.error.message);
		return EXIT_USAGE;
	}
	if (!o.json) {
		out_term_z(stdout, path);
		if (o.rejected)
			fprintf(stdout, ": GitHub would reject it (%llu "
			    "problem%s), and mishandle %llu more\n",
			    (unsigned long long)o.rejected, o.rejected == 1 ?
			    "" : "s", (unsigned long long)o.mishandled);
		else if (o.mishandled)
			fprintf(stdout, ": GitHub would accept it, but "
			    "mishandle %llu kind%s of thing\n",
			    (unsigned long long)o.mishandled,
			    o.mishandled == 1 ? "" : "s");
		else
			fputs(": GitHub would accept it as it is\n", stdout);
	}
	return o.rejected ? EXIT_FAIL_ON : EXIT_OK;
}

int
cmd_check(int argc, char **argv)
{
	cli_opts o;
	int rc = cli_parse(&check_cmd, argc, argv, &o), status = EXIT_OK;

	if (rc != EXIT_OK)
		return rc == CLI_HELP ? EXIT_OK : rc;
	if (o.nfiles == 0) {
		out_error("check: no input files (try 'tally check --help')");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < o.nfiles; i++) {
		rc = check_one(&o, o.files[i], i == 0);
		/* an unreadable file outranks a rejected one */
		if (rc == EXIT_USAGE || status == EXIT_OK)
			status = rc;
	}
	if (o.format == CLI_FORMAT_JSON)
		fputs("\n]\n", stdout);
	return out_stdout_check() != 0 ? EXIT_USAGE : status;
}
