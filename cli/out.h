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

/* Length of the UTF-8 sequence at @p (at most @n bytes, n >= 1): 1 to 4,
 * or 0 when it is not valid (overlong, a surrogate, past U+10FFFF,
 * truncated). */
size_t out_utf8_len(const unsigned char *p, size_t n);

/*
 * Write @s (@n bytes, from an input: anything) for a terminal or a text
 * report: printable UTF-8 as it is; control characters (C0, DEL, C1),
 * bytes that are not UTF-8, and the backslash as \xNN, so that no input can
 * move the cursor, start an escape sequence, end a line, or hide a byte
 * (a NUL prints as \x00 and what follows it is printed too).
 */
void out_term(FILE *f, const char *s, size_t n);

/* out_term() of a NUL-terminated string. */
void out_term_z(FILE *f, const char *s);

/* The bytes out_term() writes for @s (@n bytes): its width in a table. */
size_t out_term_width(const char *s, size_t n);

/*
 * The longest start of @s (@n bytes) whose out_term() form is at most @w
 * bytes wide, never splitting a character or an escape; that form's width
 * in *@width (when not NULL). Return: the bytes of @s it takes.
 */
size_t out_term_fit(const char *s, size_t n, size_t w, size_t *width);

/* 1234567 -> "1,234,567" into @buf (32 bytes). */
const char *out_thousands(uint64_t v, char *buf);

/* 123456789 -> "117.7 MiB" into @buf (32 bytes). */
const char *out_bytes(uint64_t v, char *buf);

/*
 * Print "tally: " + message to stderr, escaped as out_term() escapes but
 * for the backslash (messages quote JSON escapes): a path or an input
 * string in the message cannot reach the terminal raw.
 */
void out_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Flush standard output; on a write error (a full disk, a closed pipe)
 * say so on stderr, once per process however often it is asked.
 * Return: 0, or -1 after a write error.
 */
int out_stdout_check(void);

/* A command has reported its own write error on standard output:
 * out_stdout_check() still fails, but says nothing more. */
void out_stdout_reported(void);

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

#endif /* TALLY_CLI_OUT_H */
