/*
 * cli/out.c - output helpers shared by the tally commands.
 */
#include "cli/out.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
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

size_t
out_utf8_len(const unsigned char *p, size_t n)
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

/*
 * How out_term() writes the character at @p (@n bytes left): the bytes it
 * takes in @len, and whether it is escaped (as \xNN per byte). @bs: the
 * backslash is escaped too.
 */
static bool
term_char(const unsigned char *p, size_t n, bool bs, size_t *len)
{
	size_t l = out_utf8_len(p, n);

	*len = l != 0 ? l : 1;
	/* C1 controls are U+0080..U+009F: c2 80..c2 9f */
	return l == 0 || (l == 1 && (p[0] < 0x20 || p[0] == 0x7f ||
	    (bs && p[0] == '\\'))) || (l == 2 && p[0] == 0xc2 && p[1] < 0xa0);
}

static void
term_write(FILE *f, const char *s, size_t n, bool bs)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, len;

	while (i < n) {
		if (!term_char(p + i, n - i, bs, &len)) {
			i += len;
			continue;
		}
		fwrite(s + run, 1, i - run, f);
		for (size_t k = 0; k < len; k++)
			fprintf(f, "\\x%02x", p[i + k]);
		i += len;
		run = i;
	}
	fwrite(s + run, 1, n - run, f);
}

void
out_term(FILE *f, const char *s, size_t n)
{
	term_write(f, s, n, true);
}

void
out_term_z(FILE *f, const char *s)
{
	out_term(f, s, strlen(s));
}

size_t
out_term_fit(const char *s, size_t n, size_t w, size_t *width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, len;

	while (i < n) {
		size_t cw = term_char(p + i, n - i, true, &len) ? 4 * len :
		    len;

		if (o + cw > w)
			break;
		o += cw;
		i += len;
	}
	if (width != NULL)
		*width = o;
	return i;
}

size_t
out_term_width(const char *s, size_t n)
{
	size_t w;

	(void)out_term_fit(s, n, SIZE_MAX, &w);
	return w;
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
	char small[512], *msg = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(small)) {
		char *big = malloc((size_t)n + 1);

		/* Out of memory: the message is cut rather than lost. */
		if (big != NULL) {
			va_start(ap, fmt);
			vsnprintf(big, (size_t)n + 1, fmt, ap);
			va_end(ap);
			msg = big;
		} else {
			n = sizeof(small) - 1;
		}
	}
	fputs("tally: ", stderr);
	/* The arguments hold paths and input text: no control byte of theirs
	 * reaches the terminal. Backslashes stay: messages quote JSON's
	 * escapes ("write it as \u0001"). */
	term_write(stderr, msg, (size_t)n, false);
	fputc('\n', stderr);
	if (msg != small)
		free(msg);
}

/* The first write error on standard output, once reported. */
static bool stdout_reported;

void
out_stdout_reported(void)
{
	stdout_reported = true;
}

int
out_stdout_check(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (!stdout_reported) {
		int e = errno;

		stdout_reported = true;
		out_error("standard output: %s", e != 0 ? strerror(e) :
		    "write error");
	}
	return -1;
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
