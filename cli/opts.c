/*
 * cli/opts.c - one option parser for every command. Each option is
 * described once below (its names, whether it takes a value, where the
 * value goes and what a good one is); a command lists the options it takes
 * and one getopt_long loop reads them, so that a shared option means and
 * checks the same in every command.
 */
#include "cli/opts.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/out.h"

/* How an option's value is read and stored. */
typedef enum opt_kind {
	K_HELP,   /* prints the command's help */
	K_FLAG,   /* bool: set */
	K_SET,    /* int: set to .value */
	K_STR,    /* const char *: the value as given */
	K_UINT,   /* unsigned long: a decimal number up to .max */
	K_LEVEL,  /* int: a tally_level by its SARIF name */
	K_FORMAT, /* cli_format: one of the command's format names */
	K_SIZE,   /* uint64_t: bytes, at least 1, with K, M, G or T */
	K_INFORMAT, /* const char *: a name tally_sarif_input_format_name()
		       gives */
} opt_kind;

typedef struct opt_def {
	const char *name;   /* the long name, without "--" */
	char letter;        /* the short name, or 0 */
	opt_kind kind;
	size_t dest;        /* offsetof(cli_opts, field) */
	int value;          /* K_SET */
	unsigned long max;  /* K_UINT */
	const char *expect; /* K_UINT, K_LEVEL: what a good value is */
	bool clusters;      /* giving it implies --clusters */
} opt_def;

#define DEST(field) offsetof(cli_opts, field)

static const opt_def defs[OPT_COUNT] = {
	[OPT_HELP] = { "help", 'h', K_HELP, 0 },
	[OPT_FORMAT] = { "format", 'f', K_FORMAT, DEST(format) },
	[OPT_OUTPUT] = { "output", 'o', K_STR, DEST(output) },
	[OPT_BASELINE] = { "baseline", 'b', K_STR, DEST(baseline) },
	[OPT_TOP] = { "top", 'n', K_UINT, DEST(top), .max = ULONG_MAX,
		.expect = "a number" },
	[OPT_FAIL_ON] = { "fail-on", 0, K_LEVEL, DEST(fail_on),
		.expect = "none, note, warning or error" },
	[OPT_FAIL_ON_NEW] = { "fail-on-new", 0, K_FLAG, DEST(fail_on_new) },
	[OPT_NEW_ONLY] = { "new-only", 0, K_FLAG, DEST(new_only) },
	[OPT_GITHUB] = { "github", 0, K_FLAG, DEST(github) },
	[OPT_KEEP_SUPPRESSED] = { "keep-suppressed", 0, K_FLAG,
		DEST(keep_suppressed) },
	[OPT_LEVEL] = { "level", 0, K_LEVEL, DEST(level),
		.expect = "none, note, warning or error" },
	[OPT_PATH] = { "path", 0, K_STR, DEST(path) },
	[OPT_WORKERS] = { "workers", 'j', K_UINT, DEST(workers), .max = 256,
		.expect = "a number from 0 to 256" },
	[OPT_PROGRESS] = { "progress", 0, K_SET, DEST(progress), .value = 1 },
	[OPT_NO_PROGRESS] = { "no-progress", 0, K_SET, DEST(progress),
		.value = 0 },
	[OPT_STATS] = { "stats", 0, K_FLAG, DEST(stats) },
	[OPT_CLUSTERS] = { "clusters", 0, K_FLAG, DEST(clusters) },
	[OPT_WINDOW] = { "window", 0, K_UINT, DEST(window),
		.max = UINT32_MAX, .expect = "a number of lines",
		.clusters = true },
	[OPT_ROOT] = { "root", 0, K_STR, DEST(root), .clusters = true },
	[OPT_SOURCES] = { "sources", 0, K_STR, DEST(sources) },
	[OPT_SOURCES_ABSOLUTE] = { "sources-absolute", 0, K_FLAG,
		DEST(sources_absolute) },
	[OPT_CACHE] = { "cache", 0, K_STR, DEST(cache) },
	[OPT_INCLUDE_SUPPRESSED] = { "include-suppressed", 0, K_FLAG,
		DEST(include_suppressed) },
	[OPT_VERBOSE] = { "verbose", 'v', K_FLAG, DEST(verbose) },
	[OPT_PRETTY] = { "pretty", 0, K_FLAG, DEST(pretty) },
	[OPT_INPUT_FORMAT] = { "input-format", 0, K_INFORMAT,
		DEST(input_format) },
	[OPT_CLICKHOUSE_URL] = { "clickhouse-url", 0, K_STR,
		DEST(clickhouse_url) },
	[OPT_TABLE] = { "table", 0, K_STR, DEST(table) },
	[OPT_SOURCE] = { "source", 0, K_STR, DEST(source) },
	[OPT_MAX_INPUT] = { "max-input-bytes", 0, K_SIZE,
		DEST(max_input_bytes), .expect = "a size in bytes of at least "
		"1, as 1000000, 512K, 64M or 4G" },
};

/* What getopt_long returns for option @id: its letter, else a code past
 * every letter. */
static int
opt_val(cli_opt id)
{
	return defs[id].letter != 0 ? defs[id].letter : 256 + (int)id;
}

/* The option of @cmd that getopt_long returned as @val, or NULL. */
static const opt_def *
opt_find(const cli_cmd *cmd, int val)
{
	for (int id = 0; id < OPT_COUNT; id++)
		if ((cmd->opts & OPT(id)) != 0 && opt_val((cli_opt)id) == val)
			return &defs[id];
	return NULL;
}

/* getopt_long's tables for @cmd: @lo (OPT_COUNT + 1 entries) and the
 * short letters @sh (2 * OPT_COUNT + 2 bytes), reporting a missing value
 * as ':' rather than '?'. */
static void
opt_tables(const cli_cmd *cmd, struct option *lo, char *sh)
{
	size_t n = 0, k = 0;

	sh[k++] = ':';
	for (int id = 0; id < OPT_COUNT; id++) {
		const opt_def *d = &defs[id];
		int arg = d->kind == K_HELP || d->kind == K_FLAG ||
		    d->kind == K_SET ? no_argument : required_argument;

		if ((cmd->opts & OPT(id)) == 0)
			continue;
		lo[n++] = (struct option){ d->name, arg, NULL,
			opt_val((cli_opt)id) };
		if (d->letter != 0) {
			sh[k++] = d->letter;
			if (arg == required_argument)
				sh[k++] = ':';
		}
	}
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	sh[k] = '\0';
}

static void
opt_defaults(cli_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = CLI_FORMAT_TEXT;
	o->top = 10;
	o->fail_on = -1;
	o->level = -1;
	o->progress = -1;
	o->window = 3;
}

/* A value getopt_long accepted but the option does not. */
static int
bad_value(const cli_cmd *cmd, const opt_def *d, const char *expect,
    const char *arg)
{
	out_error("%s: --%s: expected %s, got '%s'", cmd->name, d->name,
	    expect, arg);
	return EXIT_USAGE;
}

/* A non-negative decimal integer; false on junk or overflow. */
static bool
parse_uint(const char *s, unsigned long *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/*
 * A size: a decimal number of bytes, or of KiB, MiB, GiB, TiB with the
 * suffix K, M, G or T (either case; "KiB", "MB" and the like too: binary
 * in all cases). False on junk, zero or overflow.
 */
static bool
parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	unsigned shift = 0;
	const char *u;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || v == 0)
		return false;
	if (*end != '\0') {
		char up = (char)(*end & ~0x20);

		if (up == '\0' || (u = strchr(units, up)) == NULL)
			return false;
		shift = 10 * (unsigned)(u - units + 1);
		end++;
		if (*end != '\0' && strcasecmp(end, "B") != 0 &&
		    strcasecmp(end, "iB") != 0)
			return false;
		if (v > UINT64_MAX >> shift)
			return false;
	}
	*out = (uint64_t)v << shift;
	return true;
}

/* --format: one of the command's names, as a cli_format. */
static int
set_format(const cli_cmd *cmd, const opt_def *d, const char *arg,
    cli_opts *o)
{
	static const char *const names[CLI_FORMAT_COUNT] = {
		[CLI_FORMAT_TEXT] = "text", [CLI_FORMAT_JSON] = "json",
		[CLI_FORMAT_SARIF] = "sarif", [CLI_FORMAT_MARKDOWN] = "markdown",
		[CLI_FORMAT_HTML] = "html",
		[CLI_FORMAT_CLICKHOUSE] = "clickhouse",
		[CLI_FORMAT_CODECLIMATE] = "codeclimate",
		[CLI_FORMAT_JUNIT] = "junit",
		[CLI_FORMAT_JUNIT_FILES] = "junit-files", [CLI_FORMAT_CSV] = "csv",
	};
	char expect[96] = "";
	size_t n = 0;

	for (; cmd->formats[n] != NULL; n++) {
		if (strcmp(arg, cmd->formats[n]) != 0)
			continue;
		for (int f = 0; f < CLI_FORMAT_COUNT; f++) {
			if (strcmp(arg, names[f]) == 0) {
				o->format = (cli_format)f;
				return EXIT_OK;
			}
		}
	}
	/* "text or json", "text, json or sarif" */
	for (size_t i = 0; i < n; i++)
		snprintf(expect + strlen(expect), sizeof(expect) -
		    strlen(expect), "%s%s", i == 0 ? "" : i + 1 < n ? ", " :
		    " or ", cmd->formats[i]);
	return bad_value(cmd, d, expect, arg);
}

/* --input-format: one of the reader's names. */
static int
set_input_format(const cli_cmd *cmd, const opt_def *d, const char *arg,
    cli_opts *o)
{
	char expect[256] = "one of";
	const char *name;

	for (unsigned i = 0; (name = tally_sarif_input_format_name(i)) !=
	    NULL; i++) {
		if (strcmp(arg, name) == 0) {
			o->input_format = name;
			return EXIT_OK;
		}
		snprintf(expect + strlen(expect), sizeof(expect) -
		    strlen(expect), "%s %s", i ? "," : "", name);
	}
	return bad_value(cmd, d, expect, arg);
}

/* Check @arg (NULL for an option without a value) and store it. */
static int
set_value(const cli_cmd *cmd, const opt_def *d, const char *arg,
    cli_opts *o)
{
	void *p = (char *)o + d->dest;
	unsigned long u;
	tally_level l;

	switch (d->kind) {
	case K_HELP:
		break;
	case K_FLAG:
		*(bool *)p = true;
		break;
	case K_SET:
		*(int *)p = d->value;
		break;
	case K_STR:
		*(const char **)p = arg;
		break;
	case K_UINT:
		if (!parse_uint(arg, &u) || u > d->max)
			return bad_value(cmd, d, d->expect, arg);
		*(unsigned long *)p = u;
		break;
	case K_LEVEL:
		if (tally_level_parse(arg, strlen(arg), &l) != TALLY_OK)
			return bad_value(cmd, d, d->expect, arg);
		*(int *)p = (int)l;
		break;
	case K_FORMAT:
		return set_format(cmd, d, arg, o);
	case K_SIZE:
		if (!parse_size(arg, (uint64_t *)p))
			return bad_value(cmd, d, d->expect, arg);
		break;
	case K_INFORMAT:
		return set_input_format(cmd, d, arg, o);
	}
	if (d->clusters)
		o->clusters = true;
	return EXIT_OK;
}

/* Whether @word ("--pre" or "--pre=value") abbreviates two or more of
 * @cmd's long options: getopt_long refuses it as it does an unknown one. */
static bool
ambiguous(const cli_cmd *cmd, const char *word)
{
	size_t n = strcspn(word + 2, "="), hits = 0;

	if (strncmp(word, "--", 2) != 0)
		return false;
	for (int id = 0; id < OPT_COUNT; id++)
		if ((cmd->opts & OPT(id)) != 0 &&
		    strncmp(defs[id].name, word + 2, n) == 0)
			hits++;
	return hits > 1;
}

/*
 * A getopt_long failure: @c is ':' for a missing value, '?' for an unknown
 * or ambiguous option or a value given to one that takes none. With
 * opterr 0, optopt holds the option getopt_long was reading (0 for an
 * unknown long one) and argv[optind - 1] the word it was in. The option is
 * named as the user wrote it: '-o', not the cluster '-vo' it was in, and
 * '--output' when the word was long.
 */
static int
bad_option(const cli_cmd *cmd, int c, char **argv)
{
	const opt_def *d = optopt != 0 ? opt_find(cmd, optopt) : NULL;
	const char *word = argv[optind - 1];

	if (c == ':' && d != NULL && d->letter != 0 &&
	    strncmp(word, "--", 2) != 0)
		out_error("%s: option '-%c' needs a value", cmd->name, optopt);
	else if (c == ':' && d != NULL)
		out_error("%s: option '--%s' needs a value", cmd->name,
		    d->name);
	else if (c == ':')
		out_error("%s: option '%s' needs a value", cmd->name, word);
	else if (d != NULL)
		out_error("%s: option '--%s' takes no value, got '%s'",
		    cmd->name, d->name, word);
	else if (optopt != 0)
		out_error("%s: unknown option '-%c' (try 'tally %s --help')",
		    cmd->name, optopt, cmd->name);
	else if (ambiguous(cmd, word))
		out_error("%s: option '%.*s' is ambiguous: it abbreviates "
		    "several options (try 'tally %s --help')", cmd->name,
		    (int)strcspn(word, "="), word, cmd->name);
	else
		out_error("%s: unknown option '%.*s' (try 'tally %s --help')",
		    cmd->name, (int)strcspn(word, "="), word, cmd->name);
	return EXIT_USAGE;
}

int
cli_parse(const cli_cmd *cmd, int argc, char **argv, cli_opts *o)
{
	struct option lo[OPT_COUNT + 1];
	char sh[2 * OPT_COUNT + 2];
	const opt_def *d;
	int c, rc;

	opt_defaults(o);
	opt_tables(cmd, lo, sh);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, sh, lo, NULL)) != -1) {
		if (c == ':' || c == '?' || (d = opt_find(cmd, c)) == NULL)
			return bad_option(cmd, c, argv);
		if (d->kind == K_HELP) {
			fputs(cmd->help, stdout);
			if (cmd->help_more != NULL)
				fputs(cmd->help_more, stdout);
			return CLI_HELP;
		}
		if ((rc = set_value(cmd, d, optarg, o)) != EXIT_OK)
			return rc;
	}
	o->files = argv + optind;
	o->nfiles = (size_t)(argc - optind);
	return EXIT_OK;
}
