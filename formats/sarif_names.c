/*
 * formats/sarif_names.c - how the definitions read names: an artifact URI
 * normalised, and the CWE numbers a text names. Shared by the reader, the
 * simdjson shim and correlation, so that each of them reads a name alike.
 */
#include <string.h>

#include "formats/sarif_internal.h"

size_t
tallyi_uri_normalize(const char *uri, size_t n, char *out)
{
	size_t i = 0, o = 0, start;

	if (n >= 7 && memcmp(uri, "file://", 7) == 0)
		i = 7;
	for (; i < n; i++) {
		if (uri[i] == '/' && o > 0 && out[o - 1] == '/')
			continue;
		out[o++] = uri[i];
	}
	/* Leading "./" segments: "./a" and "././a" are both "a". */
	start = 0;
	while (o - start >= 2 && out[start] == '.' && out[start + 1] == '/')
		start += 2;
	if (start > 0)
		memmove(out, out + start, o - start);
	return o - start;
}

void
tallyi_cwe_add(tallyi_corr_fields *cf, uint32_t cwe)
{
	for (uint32_t k = 0; k < cf->ncwe; k++)
		if (cf->cwe[k] == cwe)
			return;
	if (cf->ncwe < TALLYI_CATS)
		cf->cwe[cf->ncwe++] = cwe;
}

static bool
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' &&
	    (c | 0x20) <= 'z');
}

void
tallyi_cwe_scan(const char *s, size_t n, tallyi_corr_fields *cf)
{
	const char *end = s + n, *p = s + 3;

	if (n < 5) /* "CWE-1" */
		return;
	/* Hyphens are rarer than letters: find them, then look back. */
	while (p < end && (p = memchr(p, '-', (size_t)(end - p))) != NULL) {
		const char *q = p + 1;
		uint32_t v = 0;
		size_t d = 0;

		if ((p[-3] | 0x20) != 'c' || (p[-2] | 0x20) != 'w' ||
		    (p[-1] | 0x20) != 'e' || (p - 3 > s && is_alnum(p[-4]))) {
			p++;
			continue;
		}
		for (; q < end && *q >= '0' && *q <= '9' && d < 8; q++, d++)
			v = v * 10 + (uint32_t)(*q - '0');
		if (d > 0 && d < 8 && v != 0)
			tallyi_cwe_add(cf, v);
		p = q;
	}
}
