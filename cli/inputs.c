/*
 * cli/inputs.c - reading a command's input logs, with progress on stderr.
 */
#include "cli/inputs.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/out.h"

/*
 * Progress over a list of inputs, on stderr. Enabled when stderr is a
 * terminal and the inputs are large, or when forced.
 */
typedef struct progress {
	bool on;
	size_t file, files;        /* 1-based file being read, count */
	uint64_t base, total;      /* bytes of earlier files, of all files */
	double last;               /* when the line was last drawn */
	double t0;                 /* when reading began */
	tally_engine *e;           /* its live snapshot is shown, or NULL */
} progress;

#define PROGRESS_AUTO_BYTES (64u << 20)

/* Decide whether to show progress: @force is -1 (auto), 0 (off), 1 (on). */
static void
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

/*
 * Also show what the engine has counted so far (results, results/s,
 * unique, the top rule), from its latest published snapshot.
 */
static void
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
	if (tn != NULL && rn != NULL) {
		fputs(", top rule ", stderr);
		out_term(stderr, tn, lt);
		fputs("/", stderr);
		out_term(stderr, rn, lr);
		fprintf(stderr, " (%llu)", (unsigned long long)top.count);
	}
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

/* The reader's progress callback (@arg is a progress). */
static void
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

/* Move on to file @i (0-based), the one before being @prev_size bytes. */
static void
progress_file(progress *p, size_t i, uint64_t prev_size)
{
	p->file = i + 1;
	p->base += prev_size;
	if (p->on)
		draw(p, p->base);
}

/* Erase the progress line. */
static void
progress_done(progress *p)
{
	if (p->on)
		fputs("\r\033[K", stderr);
}

/* The reader's warning callback: the input being read, and where to. */
typedef struct warn_ctx {
	input_warnings *w;
	const char *path;
	bool verbose;
	progress *pg;
} warn_ctx;

static void
warn_cb(void *arg, uint64_t offset, const char *message)
{
	warn_ctx *c = arg;
	input_warnings *w = c->w;
	char *copy = strdup(message);

	if (c->verbose) {
		if (c->pg->on)
			fputs("\r\033[K", stderr);
		if (offset != UINT64_MAX)
			out_error("%s: warning: offset %llu: %s", c->path,
			    (unsigned long long)offset, message);
		else
			out_error("%s: warning: %s", c->path, message);
	}
	if (copy == NULL)
		return; /* out of memory: the warning was at least printed */
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 8;
		uint64_t *o = realloc(w->offset, cap * sizeof(*o));
		char **m = o != NULL ? realloc(w->message, cap * sizeof(*m)) :
		    NULL;

		if (o != NULL)
			w->offset = o;
		if (m == NULL) {
			free(copy);
			return;
		}
		w->message = m;
		w->cap = cap;
	}
	w->offset[w->n] = offset;
	w->message[w->n++] = copy;
}

int
inputs_read(inputs *in, const cli_opts *o, tally_engine *live,
    const tally_sarif_options *so, inputs_reader *read, void *arg)
{
	tally_sarif_options ro = TALLY_SARIF_OPTIONS_INIT;
	char **paths = o->files;
	size_t n = o->nfiles;
	progress pg;

	if (so != NULL)
		ro = *so;
	memset(in, 0, sizeof(*in));
	in->paths = paths;
	in->n = n;
	in->rep = calloc(n ? n : 1, sizeof(*in->rep));
	in->warn = calloc(n ? n : 1, sizeof(*in->warn));
	if (in->rep == NULL || in->warn == NULL) {
		out_error("out of memory");
		return EXIT_USAGE;
	}
	progress_init(&pg, o->progress, paths, n);
	if (live != NULL)
		progress_engine(&pg, live);
	ro.progress = progress_cb;
	ro.progress_arg = &pg;
	ro.include_suppressed = o->include_suppressed;
	if (o->max_input_bytes != 0)
		ro.max_input_bytes = o->max_input_bytes;
	ro.input_format = o->input_format;
	ro.warning = warn_cb;
	for (size_t i = 0; i < n; i++) {
		tally_sarif_report *rep = &in->rep[i];
		warn_ctx wc = { &in->warn[i], paths[i], o->verbose, &pg };

		ro.warning_arg = &wc;
		progress_file(&pg, i, i ? in->rep[i - 1].bytes : 0);
		if (read(arg, paths[i], &ro, rep) != TALLY_OK) {
			progress_done(&pg);
			out_error("%s: %s", paths[i], rep->error.message);
			in->failed++;
		}
		in->bytes += rep->bytes;
		if (rep->bytes > in->largest)
			in->largest = rep->bytes;
	}
	progress_done(&pg);
	return EXIT_OK;
}

void
inputs_free(inputs *in)
{
	for (size_t i = 0; in->warn != NULL && i < in->n; i++) {
		for (size_t k = 0; k < in->warn[i].n; k++)
			free(in->warn[i].message[k]);
		free(in->warn[i].message);
		free(in->warn[i].offset);
	}
	free(in->warn);
	in->warn = NULL;
	free(in->rep);
	in->rep = NULL;
}

static int
read_into_part(void *arg, const char *path, const tally_sarif_options *so,
    tally_sarif_report *rep)
{
	return tally_part_add_file(arg, path, so, rep);
}

int
inputs_pack(inputs *in, const cli_opts *o, const char *cmd, tally_part **p)
{
	int rc = tally_part_create(p, NULL);

	if (rc != TALLY_OK) {
		*p = NULL;
		out_error("%s: %s", cmd, tally_strerror(rc));
		return EXIT_USAGE;
	}
	return inputs_read(in, o, NULL, NULL, read_into_part, *p);
}
