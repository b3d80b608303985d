/*
 * cli/out.c - output helpers shared by the tally commands.
 */
#include "cli/out.h"

#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine/toolkit.h"

/* The toolkit's writer: the merged SARIF escapes strings the same way. */
void
out_json_str(FILE *f, const char *s, size_t n)
{
	tallyi_json_str(tallyi_put_file, f, s, n);
}

/* Length of the UTF-8 sequence at @p (at most @n bytes), 0 if invalid. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong, surrogate, or past U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void
out_term(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	while (i < n) {
		size_t len = utf8_len(p + i, n - i);
		/* C1 controls are U+0080..U+009F: c2 80..c2 9f */
		bool bad = len == 0 || (len == 1 && (p[i] < 0x20 ||
		    p[i] == 0x7f || p[i] == '\\')) ||
		    (len == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0);

		if (!bad) {
			i += len;
			continue;
		}
		fwrite(s + run, 1, i - run, f);
		if (len == 0)
			len = 1;
		for (size_t k = 0; k < len; k++)
			fprintf(f, "\\x%02x", p[i + k]);
		i += len;
		run = i;
	}
	fwrite(s + run, 1, n - run, f);
}

void
out_term_z(FILE *f, const char *s)
{
	out_term(f, s, strlen(s));
}

const char *
out_thousands(uint64_t v, char *buf)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	int o = 0;

	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

const char *
out_bytes(uint64_t v, char *buf)
{
	if (v < 1024)
		snprintf(buf, 32, "%llu B", (unsigned long long)v);
	else if (v < (1u << 20))
		snprintf(buf, 32, "%.1f KiB", v / 1024.0);
	else if (v < (1u << 30))
		snprintf(buf, 32, "%.1f MiB", v / 1048576.0);
	else
		snprintf(buf, 32, "%.2f GiB", v / 1073741824.0);
	return buf;
}

void
out_error(const char *fmt, ...)
{
	va_list ap;

	fputs("tally: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

double
out_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

const char *
out_name(const tally_engine *e, tally_strkind k, uint32_t id, size_t *len)
{
	const char *s = tally_engine_string_lookup(e, k, id, len);

	if (s != NULL)
		return s;
	*len = 0;
	return "";
}

uint64_t
out_peak_rss(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (uint64_t)ru.ru_maxrss * 1024;
}
