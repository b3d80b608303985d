/*
 * cli/opts.h - the options of the tally commands. Each option is described
 * once (in opts.c); a command names the ones it takes, and one parser reads
 * them all into a cli_opts.
 */
#ifndef TALLY_CLI_OPTS_H
#define TALLY_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --format; a command names those it takes (cli_cmd.formats). */
typedef enum cli_format {
	CLI_FORMAT_TEXT,
	CLI_FORMAT_JSON,
	CLI_FORMAT_SARIF,
	CLI_FORMAT_MARKDOWN,
	CLI_FORMAT_CODECLIMATE,
	CLI_FORMAT_JUNIT,
	CLI_FORMAT_JUNIT_FILES,
	CLI_FORMAT_CSV,
	CLI_FORMAT_HTML,
	CLI_FORMAT_CLICKHOUSE,
	CLI_FORMAT_COUNT
} cli_format;

/* Every option of every command. */
typedef enum cli_opt {
	OPT_HELP,        /* -h, --help */
	OPT_FORMAT,      /* -f, --format FMT */
	OPT_OUTPUT,      /* -o, --output FILE */
	OPT_BASELINE,    /* -b, --baseline FILE */
	OPT_TOP,         /* -n, --top N */
	OPT_FAIL_ON,     /* --fail-on LVL */
	OPT_FAIL_ON_NEW, /* --fail-on-new */
	OPT_LEVEL,       /* --level LVL */
	OPT_PATH,        /* --path GLOB */
	OPT_WORKERS,     /* -j, --workers N */
	OPT_PROGRESS,    /* --progress */
	OPT_NO_PROGRESS, /* --no-progress */
	OPT_STATS,       /* --stats */
	OPT_CLUSTERS,    /* --clusters */
	OPT_WINDOW,      /* --window N (implies --clusters) */
	OPT_ROOT,        /* --root DIR (implies --clusters) */
	OPT_SOURCES,     /* --sources DIR */
	OPT_SOURCES_ABSOLUTE, /* --sources-absolute */
	OPT_CACHE,       /* --cache DIR */
	OPT_INCLUDE_SUPPRESSED, /* --include-suppressed */
	OPT_VERBOSE,     /* -v, --verbose */
	OPT_MAX_INPUT,   /* --max-input-bytes N[K|M|G|T] */
	OPT_PRETTY,      /* --pretty */
	OPT_INPUT_FORMAT, /* --input-format NAME */
	OPT_NEW_ONLY,    /* --new-only */
	OPT_GITHUB,      /* --github */
	OPT_KEEP_SUPPRESSED, /* --keep-suppressed (with --github) */
	OPT_CLICKHOUSE_URL, /* --clickhouse-url URL */
	OPT_TABLE,       /* --table NAME */
	OPT_SOURCE,      /* --source LABEL */
	OPT_COUNT
} cli_opt;

/* The bit of option @id in cli_cmd.opts. */
#define OPT(id) (1u << (id))
_Static_assert(OPT_COUNT <= 32, "cli_cmd.opts holds one bit per option");

/* Options that go together in every command that takes them. */
#define OPTS_PROGRESS (OPT(OPT_PROGRESS) | OPT(OPT_NO_PROGRESS))
#define OPTS_CLUSTERS (OPT(OPT_CLUSTERS) | OPT(OPT_WINDOW) | OPT(OPT_ROOT))
#define OPTS_READ (OPT(OPT_INCLUDE_SUPPRESSED) | OPT(OPT_VERBOSE) | \
    OPT(OPT_MAX_INPUT) | OPT(OPT_INPUT_FORMAT))

/* What the options say. An option a command does not take keeps its
 * default, so a command reads only the fields of its own options. */
typedef struct cli_opts {
	cli_format format;    /* text */
	const char *output;   /* NULL */
	const char *baseline; /* NULL */
	unsigned long top;    /* 10 */
	int fail_on;          /* -1 (none), or a tally_level */
	bool fail_on_new;
	bool new_only;
	bool github;
	bool keep_suppressed;
	int level;            /* -1 (all), or a tally_level */
	const char *path;     /* NULL (all) */
	unsigned long workers; /* 0: the engine's default */
	int progress;          /* -1 auto, 0 never, 1 always */
	bool stats;
	bool clusters;
	unsigned long window; /* 3; at most UINT32_MAX */
	const char *root;     /* NULL */
	const char *sources;  /* NULL */
	bool sources_absolute;
	bool pretty;
	const char *cache;    /* NULL */
	bool include_suppressed;
	bool verbose;
	uint64_t max_input_bytes; /* 0: the reader's default */
	const char *input_format; /* NULL: by content */
	const char *clickhouse_url; /* NULL */
	const char *table;    /* NULL */
	const char *source;   /* NULL */
	char **files;         /* the operands, after the options */
	size_t nfiles;
} cli_opts;

/* A command as the parser sees it. */
typedef struct cli_cmd {
	const char *name;           /* "summary": names it in errors */
	const char *help;           /* printed by --help, */
	const char *help_more;      /* then this, when not NULL (C keeps
				     * a string literal under 4 KiB) */
	unsigned opts;              /* OPT() of each option it takes */
	const char *const *formats; /* the --format names it takes, NULL
				     * ended; NULL without OPT_FORMAT */
} cli_cmd;

/* cli_parse() after printing the help: the command exits 0. */
#define CLI_HELP (-1)

/*
 * Read the options of command @cmd from @argv (argv[0] is the command's
 * name) into @o, in order, then the operands. A bad option or value is
 * reported on stderr, naming the option.
 * Return: 0 (EXIT_OK), CLI_HELP, or 2 (EXIT_USAGE).
 */
int cli_parse(const cli_cmd *cmd, int argc, char **argv, cli_opts *o);

#endif /* TALLY_CLI_OPTS_H */
