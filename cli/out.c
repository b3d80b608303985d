/*
 * cli/out.c - output helpers shared by the tally commands.
 */
#include "cli/out.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

void
progress_init(progress *p, int force, char *const *paths, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->files = n;
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
			p->total += (uint64_t)st.st_size;
	}
	if (force >= 0)
		p->on = force == 1;
	else
		p->on = isatty(STDERR_FILENO) && p->total >= PROGRESS_AUTO_BYTES;
}

void
progress_engine(progress *p, tally_engine *e)
{
	p->e = e;
	p->t0 = out_now();
}

/* ", N results (R/s), U unique, top rule: tool/rule (C)" */
static void
draw_live(tally_engine *e, double secs)
{
	tally_snapshot *s = NULL;
	tally_totals t;
	tally_group top;
	size_t n = 0, lt = 0, lr = 0;
	const char *tn = NULL, *rn = NULL;

	if (tally_snapshot_acquire(e, &s) != TALLY_OK)
		return;
	tally_snapshot_totals(s, &t);
	fprintf(stderr, " | %llu results (%.0f/s), %llu unique",
	    (unsigned long long)t.read, secs > 0 ? (double)t.read / secs : 0.0,
	    (unsigned long long)t.unique);
	if (tally_snapshot_groups(s, TALLY_DIM_RULE, TALLY_ORDER_COUNT, &top, 1,
	    &n) == TALLY_OK && n == 1) {
		tn = tally_engine_string_lookup(e, TALLY_STR_TOOL, top.tool, &lt);
		rn = tally_engine_string_lookup(e, TALLY_STR_RULE, top.rule, &lr);
	}
	if (tn != NULL && rn != NULL)
		fprintf(stderr, ", top rule %.*s/%.*s (%llu)", (int)lt, tn,
		    (int)lr, rn, (unsigned long long)top.count);
	tally_snapshot_release(s);
}

static void
draw(progress *p, uint64_t done)
{
	char a[32], b[32];
	double pct = p->total ? 100.0 * (double)done / (double)p->total : 100;

	if (pct > 100)
		pct = 100;
	fprintf(stderr, "\rtally: reading file %zu/%zu, %s of %s (%3.0f%%)",
	    p->file, p->files, out_bytes(done, a), out_bytes(p->total, b),
	    pct);
	if (p->e != NULL)
		draw_live(p->e, out_now() - p->t0);
	fputs("\033[K", stderr);
	fflush(stderr);
}

void
progress_cb(void *arg, uint64_t done, uint64_t total)
{
	progress *p = arg;
	double now;

	(void)total;
	if (!p->on)
		return;
	now = out_now();
	if (now - p->last < 0.1)
		return;
	p->last = now;
	draw(p, p->base + done);
}

void
progress_file(progress *p, size_t i, uint64_t prev_size)
{
	p->file = i + 1;
	p->base += prev_size;
	if (p->on)
		draw(p, p->base);
}

void
progress_done(progress *p)
{
	if (p->on)
		fputs("\r\033[K", stderr);
}

int
out_bad_option(const char *cmd, int c, char **argv)
{
	if (c == ':')
		out_error("%s: option '%s' needs a value", cmd, argv[optind - 1]);
	else
		out_error("%s: unknown option '%s' (try 'tally %s --help')", cmd,
		    argv[optind - 1], cmd);
	return EXIT_USAGE;
}

bool
out_parse_uint(const char *s, unsigned long *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0';
}
