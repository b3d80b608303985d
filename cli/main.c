/*
 * cli/main.c - the tally command: dispatch, --help, --version.
 */
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/out.h"

static const char usage[] =
"Usage: tally COMMAND [OPTION]... FILE...\n"
"\n"
"Aggregate static-analysis results (SARIF 2.1.0 logs) exactly.\n"
"\n"
"Commands:\n"
"  summary   count unique results by level, tool, rule and file\n"
"  merge     merge logs into one SARIF log, exact duplicates dropped\n"
"  diff      classify a log's results against a baseline log (new,\n"
"            unchanged, updated, absent)\n"
"  help      show help for a command (tally help summary)\n"
"\n"
"Options:\n"
"  -h, --help     show this help and exit\n"
"  -V, --version  show the version and the kernels' instruction set\n"
"\n"
"Exit status:\n"
"  0  success\n"
"  1  --fail-on found a result at or above the given level (summary), or\n"
"     --fail-on-new found a new result (diff)\n"
"  2  bad usage, or an input could not be read (the others are still used)\n"
"\n"
"Run 'tally COMMAND --help' for a command's options.\n";

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	/* Only this thread writes stdout: skip stdio's per-call locking
	 * (the JSON writers call putc and fwrite per field). */
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
	if (cmd == NULL) {
		out_error("no command given");
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("tally %s (kernels: %s)\n", tally_version(),
		    tally_kernels_active());
		return EXIT_OK;
	}
	if (strcmp(cmd, "help") == 0) {
		char *help[] = { argv[2], "--help", NULL };

		if (argc < 3) {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[2], "summary") == 0)
			return cmd_summary(2, help);
		if (strcmp(argv[2], "merge") == 0)
			return cmd_merge(2, help);
		if (strcmp(argv[2], "diff") == 0)
			return cmd_diff(2, help);
		out_error("unknown command '%s' (try 'tally --help')", argv[2]);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "summary") == 0)
		return cmd_summary(argc - 1, argv + 1);
	if (strcmp(cmd, "merge") == 0)
		return cmd_merge(argc - 1, argv + 1);
	if (strcmp(cmd, "diff") == 0)
		return cmd_diff(argc - 1, argv + 1);
	out_error("unknown command '%s' (try 'tally --help')", cmd);
	return EXIT_USAGE;
}
