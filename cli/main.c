/*
 * cli/main.c - the tally command: dispatch, --help, --version.
 */
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/out.h"
#include "kernels/kernels.h"

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
"  check     say what GitHub code scanning would reject or mishandle\n"
"            in a SARIF log\n"
"  pack      reduce logs to a part: unique results with their counts,\n"
"            that every command reads like a log and that add up exactly\n"
"  export    write unique results as rows for ClickHouse, or insert them\n"
"            over its HTTP interface\n"
"  help      show help for a command (tally help summary)\n"
"\n"
"Options:\n"
"  -h, --help     show this help and exit\n"
"  -V, --version  show the version and the kernels' instruction set\n"
"\n"
"Exit status:\n"
"  0  success\n"
"  1  --fail-on found a result at or above the given level (summary), or\n"
"     --fail-on-new found a new result (diff), or GitHub would reject\n"
"     a log (check)\n"
"  2  bad usage, an input could not be read (the others are still used),\n"
"     or an output could not be written\n"
"\n"
"Run 'tally COMMAND --help' for a command's options.\n";

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "summary", cmd_summary },
	{ "merge", cmd_merge },
	{ "diff", cmd_diff },
	{ "check", cmd_check },
	{ "pack", cmd_pack },
	{ "export", cmd_export },
};

/* The command named @name, or NULL after saying there is none. */
static const struct command *
command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	out_error("unknown command '%s' (try 'tally --help')", name);
	return NULL;
}

/* tally help [CMD]: the command's --help. */
static int
help(int argc, char **argv)
{
	char *args[] = { argv[2], "--help", NULL };
	const struct command *c;

	if (argc < 3) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if ((c = command(argv[2])) == NULL)
		return EXIT_USAGE;
	return c->run(2, args);
}

/*
 * TALLY_ISA forces a kernel variant. The library falls back to the best
 * one for a name it does not know or a variant the CPU lacks (a library
 * must not fail its host); the command refuses both, so that a benchmark
 * or a test that asks for a variant never silently measures another.
 * An empty value is the same as none.
 */
static int
isa_check(void)
{
	const char *want = getenv("TALLY_ISA");

	if (want == NULL || want[0] == '\0')
		return EXIT_OK;
	for (unsigned i = 0; i < TALLYK_ISA_COUNT; i++) {
		if (strcmp(want, tallyk_isa_name((tallyk_isa)i)) != 0)
			continue;
		if (tallyk_isa_supported((tallyk_isa)i))
			return EXIT_OK;
		out_error("TALLY_ISA=%s: this CPU or OS cannot run it, or this "
		    "build lacks it (the best here is %s)", want,
		    tally_kernels_active());
		return EXIT_USAGE;
	}
	out_error("TALLY_ISA=%s: unknown instruction set; expected scalar, "
	    "avx2 or avx512", want);
	return EXIT_USAGE;
}

static int
run(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	const struct command *c;

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
	if (strcmp(cmd, "help") == 0)
		return help(argc, argv);
	if ((c = command(cmd)) == NULL)
		return EXIT_USAGE;
	return c->run(argc - 1, argv + 1);
}

int
main(int argc, char **argv)
{
	int status;

	/* Only this thread writes stdout: skip stdio's per-call locking
	 * (the JSON writers call putc and fwrite per field). */
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
	/* A closed pipe is a write error, reported and exit 2, not a death
	 * by signal with nothing said (a command, not the library, decides
	 * this for its process). */
	(void)signal(SIGPIPE, SIG_IGN);
	if ((status = isa_check()) == EXIT_OK)
		status = run(argc, argv);
	/* Whatever the command wrote (a report, --help, --version) must have
	 * reached its file: a full disk or a closed pipe is exit 2, never a
	 * success. An error on stderr cannot be told, only exited with. */
	if (out_stdout_check() != 0 || fflush(stderr) != 0 || ferror(stderr))
		status = EXIT_USAGE;
	return status;
}
