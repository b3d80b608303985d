/*
 * cli/cmd_pack.c - `tally pack`: a shard's unique results as one part
 * (tally/part.h), for summary, merge, diff and export to read later.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/inputs.h"
#include "cli/opts.h"
#include "cli/out.h"

static const char help[] =
"Usage: tally pack [OPTION]... FILE... -o PART.tally\n"
"\n"
"Reduce logs (SARIF and the formats --input-format names, parts too) to\n"
"one part: each unique result once, with how many times the inputs held\n"
"it, its suppression status, baselineState and first CWE, compressed and\n"
"checksummed. summary, merge, diff and export read a part like any input;\n"
"summarising the parts of any split of the inputs, in any order, counts\n"
"what summarising all the inputs at once counts. Packing a part alone\n"
"gives the same bytes; packing parts together gives the part of all\n"
"their inputs.\n"
"A part keeps what the counts need (tool and version, rule, file, line,\n"
"column, offset, level, message, suppression, baselineState, CWE), not a\n"
"result's other locations, fixes, tags or properties. An input that\n"
"cannot be read is reported on stderr and left out; the others are still\n"
"packed (exit 2); when none can be read, nothing is written.\n"
"\n"
"Options:\n"
"  -o, --output FILE   where to write the part ('-' for stdout, not a\n"
"                      terminal); a file is replaced only once the part is\n"
"                      complete\n"
"      --progress      always show progress on stderr\n"
"      --no-progress   never show progress (default: shown when stderr is a\n"
"                      terminal and the inputs exceed 64 MiB)\n"
"      --include-suppressed\n"
"                      read suppressed results as active ones (reading the\n"
"                      part later applies the option again, as it would to\n"
"                      the logs)\n"
"      --input-format NAME\n"
"                      read every input as NAME: sarif, gcc-json,\n"
"                      shellcheck-json1, checkstyle, cppcheck-xml,\n"
"                      clang-tidy-yaml, eslint-json, pylint-json,\n"
"                      codeclimate, tally-part (default: auto, told by\n"
"                      content; gzip and zstd are undone first)\n"
"      --max-input-bytes N\n"
"                      refuse an input over N bytes (512M, 4G; default 4G)\n"
"  -v, --verbose       print each input's warnings on stderr\n"
"      --stats         print time, sizes and peak memory on stderr\n"
"  -h, --help          show this help and exit\n"
"\n"
"Exit status: 0 success, 2 usage, input or output error.\n";

static const cli_cmd pack_cmd = {
	.name = "pack",
	.help = help,
	.opts = OPT(OPT_HELP) | OPT(OPT_OUTPUT) | OPTS_PROGRESS |
	    OPT(OPT_STATS) | OPTS_READ,
};

static int
pack_args(cli_opts *o, int argc, char **argv)
{
	int rc = cli_parse(&pack_cmd, argc, argv, o);

	if (rc != EXIT_OK)
		return rc;
	if (o->output == NULL) {
		out_error("pack: no output file: give -o PART.tally (try "
		    "'tally pack --help')");
		return EXIT_USAGE;
	}
	if (strcmp(o->output, "-") == 0 && isatty(STDOUT_FILENO)) {
		out_error("pack: a part is binary: not written to a terminal "
		    "(redirect standard output, or give -o FILE)");
		return EXIT_USAGE;
	}
	if (o->nfiles == 0) {
		out_error("pack: no input files (try 'tally pack --help')");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int
cmd_pack(int argc, char **argv)
{
	double t0 = out_now();
	cli_opts o;
	inputs in = { 0 };
	tally_part *p = NULL;
	tally_error err;
	int status = pack_args(&o, argc, argv);

	if (status != EXIT_OK)
		return status == CLI_HELP ? EXIT_OK : status;
	status = inputs_pack(&in, &o, "pack", &p);
	if (status == EXIT_OK && in.failed == in.n) {
		out_error("pack: no input could be read: %s not written",
		    o.output);
		status = EXIT_USAGE;
	}
	if (status == EXIT_OK &&
	    tally_part_write_file(p, o.output, &err) != TALLY_OK) {
		out_error("pack: %s", err.message);
		if (strcmp(o.output, "-") == 0) /* said: not again at exit */
			out_stdout_reported();
		status = EXIT_USAGE;
	}
	if (status == EXIT_OK && (o.stats || strcmp(o.output, "-") != 0)) {
		char a[32], b[32];

		fprintf(stderr, "tally: packed %zu of %zu inputs: %llu "
		    "results, %zu unique -> ", in.n - in.failed, in.n,
		    (unsigned long long)tally_part_results(p),
		    tally_part_rows(p));
		out_term_z(stderr, strcmp(o.output, "-") == 0 ?
		    "standard output" : o.output);
		fputc('\n', stderr);
		if (o.stats)
			fprintf(stderr, "tally: stats: %s in %.3f s, peak RSS "
			    "%s\n", out_bytes(in.bytes, a), out_now() - t0,
			    out_bytes(out_peak_rss(), b));
	}
	if (status == EXIT_OK && in.failed)
		status = EXIT_USAGE;
	tally_part_destroy(p);
	inputs_free(&in);
	return status;
}
