/*
 * tests/window_test.c - a large file read through a window (summary's
 * tally_sarif_read_file()) gives exactly what reading the same bytes whole
 * (tally_sarif_read_buffer()) gives: status, report, error offset and
 * message, every warning once with its offset, every count.
 *
 * Each log is generated over several windows, in the shapes that make a
 * window move or give up: results before the tool (the run is resolved
 * after the window moved on), several runs, warnings all along, rules
 * larger than a window before and after the results, an element larger
 * than a window, trailing bytes, a syntax error near the end. The engine's
 * allocator hook sees the reader's buffers: the largest block tells
 * whether the file was held whole, so each case also checks which way it
 * was read.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tally.h"
#include "test_util.h"
#include "formats/sarif_internal.h"

TestSuite(window, .timeout = 120);

/* ---- an allocator that remembers its largest block ---- */

static _Atomic size_t largest;
static size_t refuse_over = SIZE_MAX; /* fail larger blocks */

static void *
big_alloc(void *state, size_t size, size_t align)
{
	size_t was = atomic_load(&largest);
	void *p = NULL;

	(void)state;
	if (size > refuse_over)
		return NULL;
	while (size > was && !atomic_compare_exchange_weak(&largest, &was,
	    size))
		;
	if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) :
	    align, size ? size : 1) != 0)
		return NULL;
	return p;
}

static void
big_free(void *state, void *p, size_t size)
{
	(void)state, (void)size;
	free(p);
}

static const tally_allocator big_hook = { big_alloc, big_free, NULL };

/* ---- progress, as told ---- */

typedef struct told {
	uint64_t done, total, calls;
	bool backwards;
} told;

static void
on_progress(void *arg, uint64_t done, uint64_t total)
{
	told *p = arg;

	if (done < p->done)
		p->backwards = true;
	p->done = done;
	p->total = total;
	p->calls++;
}

/* ---- one read, and what it left ---- */

typedef struct outcome {
	int rc;
	tally_sarif_report rep;
	warnings_seen w;
	told p;
	tally_totals t;
	size_t ngroups[TALLY_DIM_COUNT];
	tally_group *groups[TALLY_DIM_COUNT];
	size_t largest;
} outcome;

/* Read @path (@whole: its bytes as a buffer) into a fresh engine. */
static void
read_log(const char *path, bool whole, outcome *o)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_sarif_options opt = TALLY_SARIF_OPTIONS_INIT;
	tally_snapshot *s = NULL;
	tally_engine *e = NULL;

	memset(o, 0, sizeof(*o));
	cfg.workers = 1;
	cfg.allocator = &big_hook;
	cr_assert(eq(int, tally_engine_create(&e, &cfg), TALLY_OK));
	opt.warning = warnings_collect;
	opt.warning_arg = &o->w;
	opt.progress = on_progress;
	opt.progress_arg = &o->p;
	atomic_store(&largest, 0);
	if (whole) {
		size_t len;
		char *buf = slurp(path, &len);

		o->rc = tally_sarif_read_buffer(e, buf, len, &opt, &o->rep);
		free(buf);
	} else {
		o->rc = tally_sarif_read_file(e, path, &opt, &o->rep);
	}
	o->largest = atomic_load(&largest);
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	tally_snapshot_totals(s, &o->t);
	for (int d = 0; d < TALLY_DIM_COUNT; d++) {
		size_t n = tally_snapshot_group_count(s, (tally_dim)d);

		o->groups[d] = calloc(n + 1, sizeof(tally_group));
		cr_assert(eq(int, tally_snapshot_groups(s, (tally_dim)d,
		    TALLY_ORDER_ID, o->groups[d], n, &o->ngroups[d]),
		    TALLY_OK));
	}
	tally_snapshot_release(s);
	tally_engine_destroy(e);
}

static void
outcome_free(outcome *o)
{
	for (int d = 0; d < TALLY_DIM_COUNT; d++)
		free(o->groups[d]);
}

/*
 * Read @path both ways; they must agree in everything. Returns the
 * windowed read's largest block, and its status in *@rc.
 */
static size_t
agree(const char *path, int *rc, uint64_t *results)
{
	outcome *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	size_t big;

	read_log(path, false, a);
	read_log(path, true, b);
	cr_assert(eq(int, a->rc, b->rc), "status: file %d, buffer %d (%s)",
	    a->rc, b->rc, b->rep.error.message);
	cr_assert(eq(int, a->rep.error.status, b->rep.error.status));
	cr_assert(eq(u64, a->rep.error.offset, b->rep.error.offset),
	    "error offset: file %llu, buffer %llu",
	    (unsigned long long)a->rep.error.offset,
	    (unsigned long long)b->rep.error.offset);
	cr_assert(eq(str, a->rep.error.message, b->rep.error.message));
	cr_assert(eq(u64, a->rep.results, b->rep.results));
	cr_assert(eq(u64, a->rep.runs, b->rep.runs));
	cr_assert(eq(u64, a->rep.bytes, b->rep.bytes));
	cr_assert(eq(u64, a->rep.warnings, b->rep.warnings));
	cr_assert(eq(sz, a->w.n, b->w.n), "warnings delivered: file %zu, "
	    "buffer %zu", a->w.n, b->w.n);
	cr_assert(gt(sz, a->w.n, 10), "every shape has results without a "
	    "message, each a warning (%zu delivered)", a->w.n);
	cr_assert(le(sz, a->w.n, SEEN_MAX), "more warnings than a reader "
	    "delivers");
	for (size_t k = 0; k < a->w.n; k++) {
		cr_assert(eq(u64, a->w.off[k], b->w.off[k]),
		    "warning %zu: offset %llu, whole %llu (%s)", k,
		    (unsigned long long)a->w.off[k],
		    (unsigned long long)b->w.off[k], b->w.msg[k]);
		cr_assert(eq(str, a->w.msg[k], b->w.msg[k]));
	}
	cr_assert(not(a->p.backwards), "progress went back");
	if (a->rc == TALLY_OK)
		cr_assert(a->p.calls > 0 && a->p.done == a->rep.bytes &&
		    a->p.total == a->rep.bytes, "progress ended at %llu of "
		    "%llu", (unsigned long long)a->p.done,
		    (unsigned long long)a->p.total);
	cr_assert(eq(u64, a->t.read, b->t.read));
	cr_assert(eq(u64, a->t.unique, b->t.unique));
	cr_assert(eq(u64, a->t.suppressed, b->t.suppressed));
	cr_assert(eq(u64, a->t.duplicates, b->t.duplicates));
	for (int d = 0; d < TALLY_DIM_COUNT; d++) {
		cr_assert(eq(sz, a->ngroups[d], b->ngroups[d]));
		for (size_t k = 0; k < a->ngroups[d]; k++) {
			const tally_group *x = &a->groups[d][k];
			const tally_group *y = &b->groups[d][k];

			cr_assert(x->count == y->count && x->tool == y->tool &&
			    x->rule == y->rule && x->file == y->file,
			    "dimension %d, group %zu differs", d, k);
		}
	}
	*rc = a->rc;
	*results = a->rep.results;
	big = a->largest;
	outcome_free(a);
	outcome_free(b);
	free(a);
	free(b);
	return big;
}

/* ---- the logs ---- */

typedef struct shape {
	bool results_first;  /* the SARIF Multitool's order */
	unsigned runs;
	size_t run_bytes;    /* results per run: about this many bytes */
	size_t huge_message; /* one result's message of this many bytes */
	size_t rule_bytes;   /* the driver's rules: about this many bytes */
	size_t trailing;     /* spaces after the log */
	const char *tail;    /* then this */
	bool error_late;     /* a syntax error in the last result */
} shape;

static void
write_tool(FILE *f, const shape *s, unsigned run)
{
	size_t k = 0, start = (size_t)ftell(f);

	fprintf(f, "\"tool\":{\"driver\":{\"name\":\"gen%u\",\"rules\":[",
	    run);
	do {
		fprintf(f, "%s{\"id\":\"R%zu\",\"defaultConfiguration\":"
		    "{\"level\":\"%s\"},\"fullDescription\":{\"text\":\"",
		    k ? "," : "", k, k % 3 ? "note" : "error");
		for (int i = 0; i < 8; i++)
			fputs("A rule that says something at some length. ", f);
		fputs("\"}}", f);
		k++;
	} while ((size_t)ftell(f) - start < s->rule_bytes || k < 40);
	fputs("]}}", f);
}

/* Some bulk, so that a window holds a few thousand results. */
static const char filler[] = "Padding that a reader skips without looking "
    "into it, as it skips the properties real tools write. ";

static void
write_results(FILE *f, const shape *s, unsigned run, bool last_run)
{
	size_t start = (size_t)ftell(f), n = 0;
	bool huge_done = s->huge_message == 0;

	fputs("\"results\":[", f);
	for (;;) {
		size_t at = (size_t)ftell(f) - start;
		bool last = at >= s->run_bytes;
		bool no_msg = n % 397 == 5;

		fprintf(f, "%s\n  {\"ruleIndex\":%zu,\"level\":\"%s\",", n ? "," :
		    "", n % 40, n % 4 == 0 ? "warning" : "error");
		if (!huge_done && at >= s->run_bytes / 2) {
			fputs("\"message\":{\"text\":\"", f);
			for (size_t i = 0; i < s->huge_message; i++)
				fputc('a' + (int)(i % 26), f);
			fputs("\"},", f);
			huge_done = true;
		} else if (!no_msg) {
			fprintf(f, "\"message\":{\"text\":\"Message %zu of run %u: "
			    "something about \\\"this\\\" is not right\"},"
			    "\"properties\":{\"note\":\"%s%s%s\"},", n, run,
			    filler, filler, filler);
		}
		fprintf(f, "\"locations\":[{\"physicalLocation\":{"
		    "\"artifactLocation\":{\"uri\":\"src/d%zu/f%zu.c\"},"
		    "\"region\":{\"startLine\":%zu,\"startColumn\":%zu}}}]",
		    n % 13, n % 101, n + 1, n % 7 + 1);
		if (last && last_run && s->error_late)
			fputs(",,", f);
		fputs("}", f);
		n++;
		if (last)
			break;
	}
	fputs("]", f);
}

static char *
generate(const shape *s)
{
	char *path = strdup("/tmp/tally-window-XXXXXX");
	int fd = mkstemp(path);
	FILE *f;

	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	cr_assert(f != NULL);
	fputs("{\"version\":\"2.1.0\",\"$schema\":\"x\",\"runs\":[", f);
	for (unsigned r = 0; r < s->runs; r++) {
		fputs(r ? ",{" : "{", f);
		if (s->results_first) {
			write_results(f, s, r, r + 1 == s->runs);
			fputs(",", f);
			write_tool(f, s, r);
		} else {
			write_tool(f, s, r);
			fputs(",", f);
			write_results(f, s, r, r + 1 == s->runs);
		}
		fputs(",\"columnKind\":\"utf16CodeUnits\"}", f);
	}
	fputs("]}\n", f);
	for (size_t i = 0; i < s->trailing; i++)
		fputc(i % 64 == 63 ? '\n' : ' ', f);
	if (s->tail != NULL)
		fputs(s->tail, f);
	cr_assert(eq(int, fclose(f), 0));
	return path;
}

/*
 * Generate @s, read it both ways, remove it. @want: the status's family.
 * @whole: whether the windowed read must have read the file again whole
 * (its largest block is the whole file's) or not (a window's size).
 */
static uint64_t
check(const shape *s, int want, bool whole)
{
	char *path = generate(s);
	uint64_t results;
	struct stat st;
	size_t big;
	int rc;

	cr_assert(eq(int, stat(path, &st), 0));
	cr_assert(gt(sz, (size_t)st.st_size, 2 * (size_t)TALLYI_WINDOW),
	    "the log must span windows");
	big = agree(path, &rc, &results);
	cr_assert(eq(int, tally_status_family(rc), want), "status %d (%s), "
	    "expected family %d", rc, tally_strerror(rc), want);
	if (whole)
		cr_assert(ge(sz, big, (size_t)st.st_size), "not read again "
		    "whole: the case tests nothing (largest block %zu)", big);
	else
		cr_assert(lt(sz, big, (size_t)st.st_size / 2), "a buffer of "
		    "%zu bytes for a file of %lld: not a window", big,
		    (long long)st.st_size);
	unlink(path);
	free(path);
	return results;
}

#define W TALLYI_WINDOW

Test(window, tool_first_reads_in_a_window_like_whole)
{
	shape s = { .runs = 1, .run_bytes = 3 * W };

	cr_assert(gt(u64, check(&s, TALLY_OK, false), 1000));
}

Test(window, results_before_the_tool_and_several_runs)
{
	shape s = { .results_first = true, .runs = 3, .run_bytes = W + W / 3 };

	cr_assert(gt(u64, check(&s, TALLY_OK, false), 1000));
}

Test(window, an_element_larger_than_a_window_is_read_whole)
{
	shape s = { .runs = 1, .run_bytes = 3 * W, .huge_message = W + 123 };

	cr_assert(gt(u64, check(&s, TALLY_OK, true), 1000));
}

Test(window, rules_larger_than_a_window_before_the_results)
{
	shape s = { .runs = 2, .run_bytes = W, .rule_bytes = W + W / 2 };

	cr_assert(gt(u64, check(&s, TALLY_OK, false), 1000));
}

Test(window, rules_larger_than_a_window_after_the_results)
{
	shape s = { .results_first = true, .runs = 1, .run_bytes = 2 * W,
		.rule_bytes = W + W / 2 };

	cr_assert(gt(u64, check(&s, TALLY_OK, false), 1000));
}

Test(window, trailing_space_past_a_window_is_still_read)
{
	shape s = { .runs = 1, .run_bytes = 2 * W, .trailing = W + 100 };

	cr_assert(gt(u64, check(&s, TALLY_OK, true), 1000));
}

Test(window, bytes_after_the_log_are_the_whole_reads_error)
{
	shape s = { .runs = 1, .run_bytes = 2 * W, .trailing = W + 100,
		.tail = "{}" };

	cr_assert(eq(u64, check(&s, TALLY_EPARSE, true), 0));
}

/*
 * A windowed read given up on, whose read again whole cannot have its
 * buffer: it fails as a whole read that cannot have its buffer fails,
 * before telling any warning.
 */
Test(window, a_read_again_that_gets_no_memory_tells_no_warning)
{
	shape s = { .runs = 1, .run_bytes = 2 * W, .trailing = W + 100 };
	char *path = generate(&s);
	outcome *o = calloc(1, sizeof(*o));
	struct stat st;

	cr_assert(eq(int, stat(path, &st), 0));
	refuse_over = (size_t)st.st_size / 2;
	read_log(path, false, o);
	refuse_over = SIZE_MAX;
	cr_assert(eq(int, o->rc, TALLY_ENOMEM), "%s", o->rep.error.message);
	cr_assert(eq(sz, o->w.n, 0), "%zu warnings told by a read that "
	    "failed", o->w.n);
	cr_assert(eq(u64, o->t.read, 0));
	outcome_free(o);
	free(o);
	unlink(path);
	free(path);
}

Test(window, a_late_syntax_error_is_reported_once_at_its_offset)
{
	/* past two progress marks (4 MiB apart), so a read again would
	 * tell progress that goes back */
	shape s = { .results_first = true, .runs = 2, .run_bytes = 5 * W,
		.error_late = true };

	cr_assert(eq(u64, check(&s, TALLY_EPARSE, true), 0));
}
