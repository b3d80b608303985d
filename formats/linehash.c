/*
 * formats/linehash.c - GitHub's primaryLocationLineHash of source lines.
 *
 * The definition (GitHub's code scanning, as its CodeQL action computes
 * it): the text is read as UTF-16 code units; spaces and tabs are skipped,
 * and so is a LF right after a CR; a CR counts as a LF. A base-37 rolling
 * hash modulo 2^64 runs over a window of the last 100 units kept, and a
 * line's hash is the value once the window has moved 100 units past the
 * line's first unit (its first unit that is not skipped, or its line feed);
 * a 0xFFFF unit marks the end of the text and the window is then flushed
 * with zeros. A line's value is written "<hash in hex>:<n>", n counting the
 * lines before it with the same hash, from 1.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "tally/linehash.h"

#define WINDOW 100
#define BASE UINT64_C(37)
#define END_UNIT 0xffffu

typedef struct lh {
	uint32_t window[WINDOW];
	uint32_t line_at[WINDOW]; /* line that starts at this slot, or 0 */
	uint64_t hash, first_mod; /* first_mod = 37^WINDOW mod 2^64 */
	unsigned index;
	uint32_t line;            /* lines numbered so far */
	bool line_start, prev_cr;
	tally_linehash *out;
	size_t cap;
} lh;

static void
emit(lh *s)
{
	uint32_t line = s->line_at[s->index];

	if (line - 1 < s->cap)
		s->out[line - 1].hash = s->hash;
	s->line_at[s->index] = 0;
}

static void
roll(lh *s, uint32_t unit)
{
	uint32_t begin = s->window[s->index];

	s->window[s->index] = unit;
	s->hash = BASE * s->hash + unit - s->first_mod * begin;
	s->index = (s->index + 1) % WINDOW;
}

static void
unit(lh *s, uint32_t c)
{
	if (c == ' ' || c == '\t' || (s->prev_cr && c == '\n')) {
		s->prev_cr = false;
		return;
	}
	s->prev_cr = c == '\r';
	if (c == '\r')
		c = '\n';
	if (s->line_at[s->index] != 0)
		emit(s);
	if (s->line_start) {
		s->line_start = false;
		s->line_at[s->index] = ++s->line;
	}
	if (c == '\n')
		s->line_start = true;
	roll(s, c);
}

/*
 * Decode one UTF-8 sequence at @p (n bytes left) into UTF-16 units, as a
 * WHATWG decoder does: an invalid or truncated sequence is one U+FFFD per
 * maximal subpart (here: per byte that cannot continue it). Return: bytes
 * used.
 */
static size_t
decode(lh *s, const unsigned char *p, size_t n)
{
	uint32_t c = p[0], min;
	size_t len, k;

	if (c < 0x80) {
		unit(s, c);
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07, min = 0x10000;
	else {
		unit(s, 0xfffd);
		return 1;
	}
	for (k = 1; k < len; k++) {
		if (k >= n || (p[k] & 0xc0) != 0x80)
			break;
		c = c << 6 | (p[k] & 0x3f);
	}
	if (k < len || c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		unit(s, 0xfffd);
		return k > 1 ? k : 1;
	}
	if (c >= 0x10000) {
		c -= 0x10000;
		unit(s, 0xd800 | (c >> 10));
		unit(s, 0xdc00 | (c & 0x3ff));
	} else {
		unit(s, c);
	}
	return len;
}

static int
by_hash_then_line(const void *pa, const void *pb, void *arg)
{
	const tally_linehash *h = arg;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	if (h[a].hash != h[b].hash)
		return h[a].hash < h[b].hash ? -1 : 1;
	return (a > b) - (a < b);
}

/* n: how many lines up to this one have its hash (sorted, not O(lines^2)). */
static bool
number(tally_linehash *out, size_t lines, const tallyi_mem *mem)
{
	uint32_t *idx;

	if (lines == 0)
		return true;
	if ((idx = tallyi_alloc(mem, lines * sizeof(*idx))) == NULL)
		return false;
	for (size_t i = 0; i < lines; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, lines, sizeof(*idx), by_hash_then_line, out);
	for (size_t i = 0; i < lines; i++) {
		bool same = i > 0 && out[idx[i]].hash == out[idx[i - 1]].hash;

		out[idx[i]].n = same ? out[idx[i - 1]].n + 1 : 1;
	}
	tallyi_free(mem, idx, lines * sizeof(*idx));
	return true;
}

int
tally_linehash_compute(const void *text, size_t len, tally_linehash *out,
    size_t cap, size_t *lines, const tally_allocator *alloc)
{
	const unsigned char *p = text;
	tallyi_mem mem;
	lh *s, st;
	size_t i = 0;
	bool ok;
	int rc;

	if ((out == NULL && cap != 0) || lines == NULL ||
	    (text == NULL && len != 0))
		return TALLY_EINVAL;
	if ((rc = tallyi_mem_init(&mem, alloc)) != TALLY_OK)
		return rc;
	s = &st;
	memset(s, 0, sizeof(*s));
	s->line_start = true;
	s->out = out;
	s->cap = cap;
	s->first_mod = 1;
	for (int k = 0; k < WINDOW; k++)
		s->first_mod *= BASE;
	while (i < len)
		i += decode(s, p + i, len - i);
	unit(s, END_UNIT);
	for (int k = 0; k < WINDOW; k++) {
		if (s->line_at[s->index] != 0)
			emit(s);
		roll(s, 0);
	}
	ok = number(out, s->line < cap ? s->line : cap, &mem);
	tallyi_mem_fini(&mem);
	*lines = s->line;
	return ok ? TALLY_OK : TALLY_ENOMEM;
}

int
tally_linehash_format(tally_linehash h, char *buf, size_t size, size_t *len)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[40];
	size_t k = 0, n = 0;

	do
		tmp[k++] = hex[h.hash & 15];
	while ((h.hash >>= 4) != 0);
	/* ':', up to 10 digits of n, and the NUL */
	if (buf == NULL || k + 12 > size)
		return TALLY_ERANGE;
	while (k > 0)
		buf[n++] = tmp[--k];
	n += (size_t)snprintf(buf + n, size - n, ":%u", h.n);
	if (len != NULL)
		*len = n;
	return TALLY_OK;
}
