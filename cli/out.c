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
