/*
 * formats/json_scan.c - validating JSON scanner.
 *
 * The skip loop is a pushdown automaton with the container stack kept as a
 * bit array (1 = object, 0 = array), 1024 levels deep at most. Strings are
 * the bulk of a SARIF log, so their bodies are crossed eight bytes at a time
 * with SWAR tests for '"', '\\' and bytes below 0x20 (the only bytes that
 * end or interrupt a string body). Everything else goes byte by byte.
 */
#include "formats/json_scan.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tally/common.h"
#include "formats/sarif_internal.h"

void
tallyi_js_init(tallyi_jscan *s, const char *buf, size_t len)
{
	s->buf = buf;
	s->len = len;
	s->pos = 0;
	s->err = 0;
	s->err_off = 0;
	s->msg[0] = '\0';
}

int
tallyi_js_fail(tallyi_jscan *s, int code, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (s->err != 0)
		return s->err;
	s->err = code;
	s->err_off = off;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
	return code;
}

/* The code point of the UTF-8 sequence at @p (@n bytes), or -1. */
static long
utf8_at(const unsigned char *p, size_t n)
{
	size_t len = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 :
	    p[0] >= 0xc2 ? 2 : 0;
	long cp = p[0] & (0x7f >> len);

	if (len == 0 || len > n || p[0] > 0xf4)
		return -1;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong, surrogate, or past U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return -1;
	return cp;
}

void
tallyi_js_describe(const tallyi_jscan *s, size_t off, char *out, size_t cap)
{
	unsigned char c;
	long cp;

	if (off >= s->len) {
		snprintf(out, cap, "end of file");
		return;
	}
	c = (unsigned char)s->buf[off];
	cp = c >= 0x80 ? utf8_at((const unsigned char *)s->buf + off,
	    s->len - off) : -1;
	if (c >= 0x20 && c < 0x7f)
		snprintf(out, cap, "'%c'", c);
	else if (cp == 0xfeff)
		snprintf(out, cap, "a byte order mark (U+FEFF)");
	else if (cp >= 0)
		snprintf(out, cap, "U+%04lX", cp);
	else
		snprintf(out, cap, "byte 0x%02x", c);
}

/* Fail with "expected X, found Y"; a missing byte means truncation. */
static int
expected(tallyi_jscan *s, size_t off, const char *what)
{
	char found[32];

	tallyi_js_describe(s, off, found, sizeof(found));
	/* RFC 8259 §8.1 lets a parser ignore a byte order mark that starts
	 * the text (the reader does); one anywhere else is an error. */
	if (off + 3 <= s->len && memcmp(s->buf + off, "\xef\xbb\xbf", 3) == 0)
		return tallyi_js_fail(s, TALLY_EPARSE, off, "expected %s, "
		    "found %s; only one at byte 0 is ignored (RFC 8259 "
		    "section 8.1)", what, found);
	return tallyi_js_fail(s, off >= s->len ? TALLY_EPARSE_TRUNCATED :
	    TALLY_EPARSE, off, "expected %s, found %s", what, found);
}

/* ------------------------------------------------------------------ */
/* Strings                                                             */

/*
 * Crossing string bodies and whitespace runs is most of the work, so both
 * go 16 bytes at a time with SSE2 (part of the x86-64 baseline: no ISA flag,
 * no dispatch) and 8 at a time with SWAR elsewhere. Loads stay inside
 * [buf, buf + len): the buffer may have no padding.
 */
#if defined(__SSE2__)
#include <emmintrin.h>
#define TALLYI_JS_SSE2 1
#endif

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/*
 * Bit 7 of byte i is set where byte i of @v is zero. Bits above the first
 * zero byte may be set spuriously (a borrow), so only the lowest set bit is
 * meaningful, which is all the callers use.
 */
static inline uint64_t
zero_bytes(uint64_t v)
{
	return (v - ONES) & ~v & HIGHS;
}

/* Same for bytes below 0x20 (exact for the lowest set bit). */
static inline uint64_t
ctl_bytes(uint64_t v)
{
	return (v - ONES * 0x20) & ~v & HIGHS;
}

/*
 * Offset of the first '"', '\\' or control byte at or after @i, or len:
 * the only bytes that end or interrupt a string body.
 */
static inline size_t
string_stop(const char *buf, size_t i, size_t len)
{
#if TALLYI_JS_SSE2
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	const __m128i c1f = _mm_set1_epi8(0x1f);

	while (i + 16 <= len) {
		__m128i x = _mm_loadu_si128((const __m128i *)(buf + i));
		/* c < 0x20 (unsigned) <=> max(c, 0x1f) == 0x1f */
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q),
		    _mm_cmpeq_epi8(x, bs)),
		    _mm_cmpeq_epi8(_mm_max_epu8(x, c1f), c1f));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);

		if (mask != 0)
			return i + (size_t)__builtin_ctz(mask);
		i += 16;
	}
#endif
	while (i + 8 <= len) {
		uint64_t v, m;

		memcpy(&v, buf + i, 8);
		m = zero_bytes(v ^ (ONES * '"')) |
		    zero_bytes(v ^ (ONES * '\\')) | ctl_bytes(v);
		if (m != 0)
			return i + ((size_t)__builtin_ctzll(m) >> 3);
		i += 8;
	}
	while (i < len) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '"' || c == '\\' || c < 0x20)
			return i;
		i++;
	}
	return len;
}

static inline bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

int
tallyi_js_peek_ws(tallyi_jscan *s)
{
	const char *buf = s->buf;
	size_t i = s->pos, len = s->len;

#if TALLYI_JS_SSE2
	const __m128i sp = _mm_set1_epi8(' '), nl = _mm_set1_epi8('\n');
	const __m128i cr = _mm_set1_epi8('\r'), tb = _mm_set1_epi8('\t');

	while (i + 16 <= len) {
		__m128i x = _mm_loadu_si128((const __m128i *)(buf + i));
		__m128i ws = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(x, sp), _mm_cmpeq_epi8(x, nl)),
		    _mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, tb)));
		unsigned other = ~(unsigned)_mm_movemask_epi8(ws) & 0xffffu;

		if (other != 0) {
			i += (size_t)__builtin_ctz(other);
			s->pos = i;
			return (unsigned char)buf[i];
		}
		i += 16;
	}
#endif
	for (; i < len; i++) {
		if (!is_ws((unsigned char)buf[i])) {
			s->pos = i;
			return (unsigned char)buf[i];
		}
	}
	s->pos = len;
	return -1;
}

static inline int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
tallyi_js_string(tallyi_jscan *s, tallyi_jstr *out)
{
	const char *buf = s->buf;
	size_t len = s->len, open = s->pos, i = open + 1;
	bool esc = false;

	for (;;) {
		unsigned char c;

		i = string_stop(buf, i, len);
		if (i >= len)
			return tallyi_js_fail(s, TALLY_EPARSE_TRUNCATED, len,
			    "expected '\"' closing the string that starts at "
			    "byte %zu, found end of file", open);
		c = (unsigned char)buf[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return tallyi_js_fail(s, TALLY_EPARSE, i,
			    "expected a string character, found unescaped "
			    "control byte 0x%02x (write it as \\u%04x)", c, c);
		/* A backslash: one escape. */
		esc = true;
		if (i + 1 >= len)
			return tallyi_js_fail(s, TALLY_EPARSE_TRUNCATED, len,
			    "expected an escape character after '\\', found "
			    "end of file");
		switch (buf[i + 1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			i += 2;
			break;
		case 'u':
			for (int k = 2; k < 6; k++) {
				if (i + (size_t)k >= len)
					return tallyi_js_fail(s,
					    TALLY_EPARSE_TRUNCATED, len,
					    "expected 4 hex digits after "
					    "'\\u', found end of file");
				if (hexval((unsigned char)buf[i + k]) < 0)
					return expected(s, i + (size_t)k,
					    "4 hex digits after '\\u'");
			}
			i += 6;
			break;
		default:
			return expected(s, i + 1, "an escape character "
			    "(one of \" \\ / b f n r t u) after '\\'");
		}
	}
	out->off = open + 1;
	out->len = i - (open + 1);
	out->escaped = esc;
	s->pos = i + 1;
	return 0;
}

/* Append the UTF-8 encoding of @cp to @out (4 bytes of room needed). */
static size_t
utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static uint32_t
hex4(const char *p)
{
	return (uint32_t)(hexval((unsigned char)p[0]) << 12 |
	    hexval((unsigned char)p[1]) << 8 | hexval((unsigned char)p[2]) << 4 |
	    hexval((unsigned char)p[3]));
}

size_t
tallyi_js_decode(const char *buf, const tallyi_jstr *t, char *out, size_t cap)
{
	const char *p = buf + t->off, *end = p + t->len;
	size_t n = 0;

	if (!t->escaped) {
		if (t->len > cap)
			return SIZE_MAX;
		memcpy(out, p, t->len);
		return t->len;
	}
	while (p < end) {
		char tmp[4];
		size_t k;

		if (*p != '\\') {
			tmp[0] = *p++;
			k = 1;
		} else {
			char e = p[1];

			p += 2;
			switch (e) {
			case 'b': tmp[0] = '\b'; k = 1; break;
			case 'f': tmp[0] = '\f'; k = 1; break;
			case 'n': tmp[0] = '\n'; k = 1; break;
			case 'r': tmp[0] = '\r'; k = 1; break;
			case 't': tmp[0] = '\t'; k = 1; break;
			case 'u': {
				uint32_t cp = hex4(p);

				p += 4;
				if (cp >= 0xd800 && cp < 0xdc00 &&
				    end - p >= 6 && p[0] == '\\' &&
				    p[1] == 'u') {
					uint32_t lo = hex4(p + 2);

					if (lo >= 0xdc00 && lo < 0xe000) {
						cp = 0x10000 +
						    ((cp - 0xd800) << 10) +
						    (lo - 0xdc00);
						p += 6;
					}
				}
				if (cp >= 0xd800 && cp < 0xe000)
					cp = 0xfffd; /* lone surrogate */
				k = utf8_put(tmp, cp);
				break;
			}
			default: tmp[0] = e; k = 1; break; /* " \ / */
			}
		}
		if (n + k > cap)
			return SIZE_MAX;
		memcpy(out + n, tmp, k);
		n += k;
	}
	return n;
}

size_t
tallyi_js_lone_surrogate(const char *buf, const tallyi_jstr *t)
{
	const char *p = buf + t->off, *end = p + t->len;

	if (!t->escaped)
		return SIZE_MAX;
	while (p < end) {
		uint32_t cp;

		if (*p != '\\') {
			p++;
			continue;
		}
		if (p[1] != 'u') {
			p += 2;
			continue;
		}
		cp = hex4(p + 2);
		if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 12 &&
		    p[6] == '\\' && p[7] == 'u' && hex4(p + 8) >= 0xdc00 &&
		    hex4(p + 8) < 0xe000) {
			p += 12; /* a pair */
			continue;
		}
		if (cp >= 0xd800 && cp < 0xe000)
			return (size_t)(p - buf);
		p += 6;
	}
	return SIZE_MAX;
}

bool
tallyi_js_str_eq(const tallyi_jscan *s, const tallyi_jstr *t, const char *lit)
{
	size_t n = strlen(lit);
	char tmp[64];
	size_t d;

	if (!t->escaped)
		return t->len == n && memcmp(s->buf + t->off, lit, n) == 0;
	if (n > sizeof(tmp))
		return false;
	d = tallyi_js_decode(s->buf, t, tmp, sizeof(tmp));
	return d == n && memcmp(tmp, lit, n) == 0;
}

/* ------------------------------------------------------------------ */
/* Numbers and literals                                                */

static inline bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
scan_number(tallyi_jscan *s)
{
	const char *b = s->buf;
	size_t i = s->pos, n = s->len;

	if (i < n && b[i] == '-')
		i++;
	if (i >= n || !is_digit(b[i]))
		return expected(s, i, "a digit");
	if (b[i] == '0')
		i++;
	else
		while (i < n && is_digit(b[i]))
			i++;
	if (i < n && b[i] == '.') {
		i++;
		if (i >= n || !is_digit(b[i]))
			return expected(s, i, "a digit after the decimal point");
		while (i < n && is_digit(b[i]))
			i++;
	}
	if (i < n && (b[i] == 'e' || b[i] == 'E')) {
		i++;
		if (i < n && (b[i] == '+' || b[i] == '-'))
			i++;
		if (i >= n || !is_digit(b[i]))
			return expected(s, i, "a digit in the exponent");
		while (i < n && is_digit(b[i]))
			i++;
	}
	s->pos = i;
	return 0;
}

static int
scan_literal(tallyi_jscan *s, const char *lit)
{
	size_t n = strlen(lit);

	for (size_t k = 0; k < n; k++) {
		if (s->pos + k >= s->len || s->buf[s->pos + k] != lit[k]) {
			char what[32];

			snprintf(what, sizeof(what), "'%s'", lit);
			return expected(s, s->pos + k, what);
		}
	}
	s->pos += n;
	return 0;
}

/* One scalar value at pos (the caller peeked @c there). */
static int
scan_scalar(tallyi_jscan *s, int c)
{
	tallyi_jstr t;

	switch (c) {
	case '"': return tallyi_js_string(s, &t);
	case 't': return scan_literal(s, "true");
	case 'f': return scan_literal(s, "false");
	case 'n': return scan_literal(s, "null");
	default:
		if (c == '-' || is_digit(c))
			return scan_number(s);
		return expected(s, s->pos, "a JSON value");
	}
}

/* ------------------------------------------------------------------ */
/* Values                                                              */

int
tallyi_js_skip(tallyi_jscan *s, size_t *start)
{
	uint64_t stack[TALLYI_JS_MAX_DEPTH / 64]; /* 1 = object */
	unsigned depth = 0;
	int c, rc;

	if (s->err != 0)
		return s->err;
	c = tallyi_js_peek(s);
	*start = s->pos;
	if (c != '{' && c != '[')
		return c < 0 ? expected(s, s->pos, "a JSON value") :
		    scan_scalar(s, c);

	/*
	 * The outer loop enters the container whose bracket c is at pos; the
	 * inner loop reads its members or elements. A nested container
	 * breaks out to the outer loop; when any container closes, `closed`
	 * pops to its parent, whose kind the stack remembers, and carries on
	 * after the value that just ended.
	 */
	for (;;) {
		bool in_obj, after_comma = false;

		/* Just opened a container: c is its bracket. */
		if (depth == TALLYI_JS_MAX_DEPTH)
			return tallyi_js_fail(s, TALLY_EPARSE, s->pos,
			    "nesting deeper than %d levels",
			    TALLYI_JS_MAX_DEPTH);
		in_obj = c == '{';
		if (in_obj)
			stack[depth >> 6] |= UINT64_C(1) << (depth & 63);
		else
			stack[depth >> 6] &= ~(UINT64_C(1) << (depth & 63));
		depth++;
		s->pos++;
		c = tallyi_js_peek(s);
		if (c == (in_obj ? '}' : ']')) {
			s->pos++;
			goto closed;
		}
		for (;;) {
			/* Want a member (object) or an element (array). */
			if (in_obj) {
				tallyi_jstr key;

				if (c != '"')
					return expected(s, s->pos, after_comma ?
					    "a string (an object key)" :
					    "a string (an object key) or '}'");
				if ((rc = tallyi_js_string(s, &key)) != 0)
					return rc;
				if (tallyi_js_peek(s) != ':')
					return expected(s, s->pos, "':' after "
					    "the object key");
				s->pos++;
				c = tallyi_js_peek(s);
			}
			if (c == '{' || c == '[')
				break; /* descend: outer loop opens it */
			if (c < 0)
				return expected(s, s->pos, "a JSON value");
			if ((rc = scan_scalar(s, c)) != 0)
				return rc;
			/* A value ended inside the container at depth. */
		after_value:
			c = tallyi_js_peek(s);
			if (c == ',') {
				s->pos++;
				c = tallyi_js_peek(s);
				after_comma = true;
				continue;
			}
			if (c == (in_obj ? '}' : ']')) {
				s->pos++;
				goto closed;
			}
			return expected(s, s->pos, in_obj ?
			    "',' or '}' after an object member" :
			    "',' or ']' after an array element");
		closed:
			if (--depth == 0)
				return 0;
			in_obj = (stack[(depth - 1) >> 6] >>
			    ((depth - 1) & 63)) & 1;
			goto after_value;
		}
	}
}

const char *
tallyi_js_kind(tallyi_jscan *s)
{
	switch (tallyi_js_peek(s)) {
	case '{': return "an object";
	case '[': return "an array";
	case '"': return "a string";
	case 't': case 'f': return "a boolean";
	case 'n': return "null";
	case -1: return "end of file";
	default: return "a number";
	}
}

int
tallyi_js_obj_begin(tallyi_jscan *s, const char *what)
{
	int c = tallyi_js_peek(s);

	if (s->err != 0)
		return s->err;
	if (c != '{') {
		char buf[96];

		snprintf(buf, sizeof(buf), "%s (an object)", what);
		return expected(s, s->pos, buf);
	}
	s->pos++;
	return 0;
}

int
tallyi_js_arr_begin(tallyi_jscan *s, const char *what)
{
	int c = tallyi_js_peek(s);

	if (s->err != 0)
		return s->err;
	if (c != '[') {
		char buf[96];

		snprintf(buf, sizeof(buf), "%s (an array)", what);
		return expected(s, s->pos, buf);
	}
	s->pos++;
	return 0;
}

int
tallyi_js_obj_next(tallyi_jscan *s, bool *first, tallyi_jstr *key)
{
	int c, rc;

	if (s->err != 0)
		return s->err;
	c = tallyi_js_peek(s);
	if (c == '}') {
		s->pos++;
		return 0;
	}
	if (!*first) {
		if (c != ',')
			return expected(s, s->pos,
			    "',' or '}' after an object member");
		s->pos++;
		c = tallyi_js_peek(s);
	}
	if (c != '"')
		return expected(s, s->pos, *first ?
		    "a string (an object key) or '}'" :
		    "a string (an object key)");
	*first = false;
	if ((rc = tallyi_js_string(s, key)) != 0)
		return rc;
	if (tallyi_js_peek(s) != ':')
		return expected(s, s->pos, "':' after the object key");
	s->pos++;
	(void)tallyi_js_peek(s);
	return 1;
}

int
tallyi_js_arr_next(tallyi_jscan *s, bool *first)
{
	int c;

	if (s->err != 0)
		return s->err;
	c = tallyi_js_peek(s);
	if (c == ']') {
		s->pos++;
		return 0;
	}
	if (!*first) {
		if (c != ',')
			return expected(s, s->pos,
			    "',' or ']' after an array element");
		s->pos++;
		c = tallyi_js_peek(s);
	}
	if (c < 0)
		return expected(s, s->pos, *first ? "an array element or ']'" :
		    "an array element");
	*first = false;
	return 1;
}

int
tallyi_js_end(tallyi_jscan *s)
{
	if (s->err != 0)
		return s->err;
	if (tallyi_js_peek(s) >= 0)
		return expected(s, s->pos, "end of file after the top-level "
		    "value");
	return 0;
}

/* ------------------------------------------------------------------ */
/* UTF-8                                                               */

size_t
tallyi_utf8_first_invalid(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0;

	while (i < n) {
		unsigned char c = u[i];
		size_t k;
		uint32_t cp, min;
		uint64_t w;

		/* ASCII, the bulk of it, eight bytes at a time */
		if (i + 8 <= n && (memcpy(&w, u + i, 8), (w & HIGHS) == 0)) {
			i += 8;
			continue;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			k = 1, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			k = 2, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			k = 3, cp = c & 0x07, min = 0x10000;
		else
			return i;
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (u[i + j] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (u[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			return i;
		i += k + 1;
	}
	return n;
}
