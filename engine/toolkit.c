/*
 * engine/toolkit.c - the out-of-line parts of engine/toolkit.h.
 */
#include "engine/toolkit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
tallyi_error_clear(tally_error *err)
{
	if (err == NULL)
		return;
	err->status = TALLY_OK;
	err->offset = UINT64_MAX;
	err->message[0] = '\0';
}

int
tallyi_error_set(tally_error *err, int code, uint64_t off, const char *fmt,
    ...)
{
	va_list ap;
	size_t n = 0;

	if (err == NULL)
		return code;
	err->status = code;
	err->offset = off;
	if (off != UINT64_MAX)
		n = (size_t)snprintf(err->message, sizeof(err->message),
		    "byte %llu: ", (unsigned long long)off);
	va_start(ap, fmt);
	vsnprintf(err->message + n, sizeof(err->message) - n, fmt, ap);
	va_end(ap);
	return code;
}

void
tallyi_put_file(void *ctx, const char *p, size_t n)
{
	if (n != 0)
		(void)fwrite(p, 1, n, (FILE *)ctx);
}

/* Bytes of @v (little-endian lanes) that are '"', '\\' or < 0x20. */
static inline uint64_t
needs_escape(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones << 7;
	uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');

	/* the classic "has a zero byte" test, and bytes below 0x20 */
	return (((q - ones) & ~q) | ((b - ones) & ~b) | ((v - ones * 0x20) &
	    ~v)) & high;
}

void
tallyi_json_str(tallyi_put_fn *put, void *ctx, const char *s, size_t n)
{
	/* The short escape of each control that has one, else 0. */
	static const char short_esc[0x20] = { ['\b'] = 'b', ['\f'] = 'f',
		['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't' };
	static const char hex[] = "0123456789abcdef";
	size_t run = 0, i = 0;

	put(ctx, "\"", 1);
	/* Most strings need no escape: find the first byte that does, 8 at
	 * a time (a false hit only sends a byte to the exact loop below). */
	while (i + 8 <= n) {
		uint64_t v;

		memcpy(&v, s + i, 8);
		if (needs_escape(v) != 0)
			break;
		i += 8;
	}
	run = i;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = { '\\', (char)c, '0', '0', 0, 0 };
		size_t len = 2;

		if (c >= 0x20 && c != '"' && c != '\\') {
			run++;
			continue;
		}
		put(ctx, s + i - run, run);
		run = 0;
		if (c < 0x20 && short_esc[c] != 0) {
			esc[1] = short_esc[c];
		} else if (c < 0x20) {
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			len = 6;
		}
		put(ctx, esc, len);
	}
	put(ctx, s + n - run, run);
	put(ctx, "\"", 1);
}
