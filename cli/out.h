/*
 * cli/out.h - output helpers shared by the tally commands.
 */
#ifndef TALLY_CLI_OUT_H
#define TALLY_CLI_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tally.h"

/* Exit statuses (documented in `tally --help`). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL_ON = 1, /* --fail-on found results at or above the level */
	EXIT_USAGE = 2,   /* bad usage, or an input could not be read */
};

/* Write @s (@n bytes of UTF-8) as a JSON string literal, quotes included. */
void out_json_str(FILE *f, const char *s, size_t n);

/* 1234567 -> "1,234,567" into @buf (32 bytes). */
const char *out_thousands(uint64_t v, char *buf);

/* 123456789 -> "117.7 MiB" into @buf (32 bytes). */
const char *out_bytes(uint64_t v, char *buf);

/* Print "tally: " + message to stderr. */
void out_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Seconds since an arbitrary point (CLOCK_MONOTONIC). */
double out_now(void);

/*
 * The bytes behind an interned id, with their length in @len; "" (length
 * 0) for an id the engine does not know.
 */
const char *out_name(const tally_engine *e, tally_strkind k, uint32_t id,
    size_t *len);

/* Peak resident set size of this process in bytes. */
uint64_t out_peak_rss(void);

/*
 * Progress over a list of inputs, on stderr. Enabled when stderr is a
 * terminal and the inputs are large, or when forced.
 */
typedef struct progress {
	bool on;
	size_t file, files;        /* 1-based file being read, count */
	uint64_t base, total;      /* bytes of earlier files, of all files */
	double last;               /* when the line was last drawn */
	double t0;                 /* when reading began */
	tally_engine *e;           /* its live snapshot is shown, or NULL */
} progress;

#define PROGRESS_AUTO_BYTES (64u << 20)

/* Decide whether to show progress: @force is -1 (auto), 0 (off), 1 (on). */
void progress_init(progress *p, int force, char *const *paths, size_t n);

/*
 * Also show what the engine has counted so far (results, results/s,
 * unique, the top rule), from its latest published snapshot.
 */
void progress_engine(progress *p, tally_engine *e);

/* The reader's progress callback (@arg is a progress). */
void progress_cb(void *arg, uint64_t done, uint64_t total);

/* Move on to file @i (0-based) of size @size. */
void progress_file(progress *p, size_t i, uint64_t prev_size);

/* Erase the progress line. */
void progress_done(progress *p);

/*
 * Report a getopt_long() failure of command @cmd (getopt returned @c, ':'
 * for a missing value, anything else for an unknown option).
 * Return: EXIT_USAGE.
 */
int out_bad_option(const char *cmd, int c, char **argv);

/* Parse a non-negative decimal integer; false on junk or overflow. */
bool out_parse_uint(const char *s, unsigned long *out);

#endif /* TALLY_CLI_OUT_H */
