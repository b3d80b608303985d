/*
 * formats/json_scan.h - a validating JSON scanner that frames values
 * (internal).
 *
 * simdjson parses one document held whole in memory; a SARIF log is one
 * document that can be larger than we want to index at once. This scanner
 * walks the log's outer structure (the log object, runs, run members) and
 * hands each bulk value (a result, a rule, an artifact) to simdjson as a
 * document of its own. On the way it checks the grammar of every byte it
 * passes (RFC 8259: structure, strings, escapes, numbers, literals), so a
 * value simdjson never looks into is still proven well-formed. UTF-8 is left
 * to simdjson (sarif_read.c validates every byte exactly once).
 *
 * Errors carry the byte offset and what was expected; the first error
 * sticks: every later call returns it again.
 */
#ifndef TALLY_FORMATS_JSON_SCAN_H
#define TALLY_FORMATS_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/cc.h"

#define TALLYI_JS_MAX_DEPTH 1024
#define TALLYI_JS_MSG_MAX 200

typedef struct tallyi_jscan {
	const char *buf;
	size_t len;
	size_t pos;  /* next byte to look at */
	int err;     /* 0 or the sticky tally status */
	size_t err_off;
	char msg[TALLYI_JS_MSG_MAX];
} tallyi_jscan;

/* A string token: its contents between the quotes, still escaped. */
typedef struct tallyi_jstr {
	size_t off;   /* offset of the first content byte */
	size_t len;   /* content bytes */
	bool escaped; /* contains a backslash */
} tallyi_jstr;

void tallyi_js_init(tallyi_jscan *s, const char *buf, size_t len);

/*
 * Record an error (the first one sticks) at @off; the message says what was
 * expected. Returns the code, for `return tallyi_js_fail(...)`.
 */
int tallyi_js_fail(tallyi_jscan *s, int code, size_t off, const char *fmt, ...)
    TALLY_CC_PRINTF(4, 5);

/*
 * Describe the byte at @off for an error message ("'x'", "end of file",
 * "byte 0x07"), into @out of @cap bytes.
 */
void tallyi_js_describe(const tallyi_jscan *s, size_t off, char *out,
    size_t cap);

/* The slow path of tallyi_js_peek(): a run of whitespace, or the end. */
int tallyi_js_peek_ws(tallyi_jscan *s);

/*
 * Skip whitespace; return the next byte, or -1 at the end of input. Every
 * byte that can start a token is above ' ', so one compare decides the
 * common case (compact JSON, or the byte after ": ").
 */
TALLY_CC_INLINE int
tallyi_js_peek(tallyi_jscan *s)
{
	if (TALLY_CC_LIKELY(s->pos + 1 < s->len)) {
		unsigned char c = (unsigned char)s->buf[s->pos];

		if (TALLY_CC_LIKELY(c > ' '))
			return c;
		/* The lone space of pretty-printed JSON's ": ". */
		c = (unsigned char)s->buf[s->pos + 1];
		if (s->buf[s->pos] == ' ' && c > ' ') {
			s->pos++;
			return c;
		}
	}
	return tallyi_js_peek_ws(s);
}

/*
 * The kind of the value at the next non-space byte, for "expected X, found
 * Y": "an object", "an array", "a string", "a boolean", "null", "a number",
 * or "end of file".
 */
const char *tallyi_js_kind(tallyi_jscan *s);

/*
 * Skip (and validate) one value starting at the next non-space byte.
 * @start receives the offset of its first byte; on return pos is just past
 * its last byte. Return: 0 or an error.
 */
int tallyi_js_skip(tallyi_jscan *s, size_t *start);

/*
 * Object and array walking. _begin consumes the opening bracket (after
 * checking it is there: @what names the value for the error message).
 * _next returns 1 when another member/element follows (for objects, @key is
 * set and pos is at the value), 0 at the closing bracket (consumed), or a
 * negative error. @first tracks whether a comma is due; start it true.
 */
int tallyi_js_obj_begin(tallyi_jscan *s, const char *what);
int tallyi_js_obj_next(tallyi_jscan *s, bool *first, tallyi_jstr *key);
int tallyi_js_arr_begin(tallyi_jscan *s, const char *what);
int tallyi_js_arr_next(tallyi_jscan *s, bool *first);

/*
 * Scan a string token at pos (which must be '"'); validates escapes and
 * rejects raw control characters. Return: 0 or an error.
 */
int tallyi_js_string(tallyi_jscan *s, tallyi_jstr *out);

/*
 * The offset of the first \u escape in the (validated) string token @t
 * that names half a UTF-16 surrogate pair without its other half, or
 * SIZE_MAX when there is none. simdjson refuses such strings; a reader
 * that copies strings as written checks them with this.
 */
size_t tallyi_js_lone_surrogate(const char *buf, const tallyi_jstr *t);

/* Does the string token equal the ASCII literal @lit (escapes decoded)? */
bool tallyi_js_str_eq(const tallyi_jscan *s, const tallyi_jstr *t,
    const char *lit);

/*
 * Decode a validated string token into @out (cap bytes). Return: the decoded
 * length, or SIZE_MAX when it does not fit. The decoded length is never
 * more than the token's length. Lone surrogates in \u escapes decode to
 * U+FFFD, as simdjson's replacement mode does.
 */
size_t tallyi_js_decode(const char *buf, const tallyi_jstr *t, char *out,
    size_t cap);

/*
 * Expect the end of input after the top-level value (only whitespace left).
 * Return: 0 or an error.
 */
int tallyi_js_end(tallyi_jscan *s);

#endif /* TALLY_FORMATS_JSON_SCAN_H */
