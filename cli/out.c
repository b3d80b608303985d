/*
 * cli/out.c - output helpers shared by the tally commands.
 */
#include "cli/out.h"

#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

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
out_json_str(FILE *f, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0, i = 0;

	putc('"', f);
	/* Most names need no escape: find the first byte that does, 8 at a
	 * time (a false hit only sends a byte to the exact loop below). */
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
		const char *esc = NULL;
		char u[7];

		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default:
			if (c < 0x20) {
				u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0';
				u[4] = hex[c >> 4], u[5] = hex[c & 15], u[6] = 0;
				esc = u;
			}
		}
		if (esc == NULL) {
			run++;
			continue;
		}
		fwrite(s + i - run, 1, run, f);
		run = 0;
		fputs(esc, f);
	}
	fwrite(s + n - run, 1, run, f);
	putc('"', f);
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
