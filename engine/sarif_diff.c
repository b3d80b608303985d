/*
 * engine/sarif_diff.c - classify a log's results against a baseline log
 * (SARIF baselineState: new, unchanged, updated, absent).
 *
 * Both logs are read through the reader with a sink that keeps every
 * resolved result (ids interned into the caller's engine, so equal strings
 * of the two logs get equal ids). Matching then works on small fixed-size
 * records only. Results are only ever matched within a (tool, rule, file)
 * group; the passes, each over what the ones before left:
 *
 *   1. exact: message, line and column equal           -> unchanged
 *   2. unique content: the only (tool, rule, file, message) left on each
 *      side, however far it moved                      -> updated
 *   3. nearby: message equal, lines at most NEARBY apart, nearest pairs
 *      first                                           -> updated
 *   4. same line, message changed                      -> updated
 *
 * These follow the SARIF Multitool's match-results-forward (same location;
 * unique identical content; nearby within 3 lines), with ids in place of
 * its text comparisons. Every pass walks sorted index arrays, and ties are
 * broken by reading order, so the outcome depends on the inputs only.
 */
#include <stdlib.h>
#include <string.h>

#include "tally/sarif.h"
#include "engine/alloc.h"
#include "engine/sarif_internal.h"

#define NEARBY 3 /* lines */

typedef struct diff_res {
	tally_violation v;
	uint64_t index;  /* in its log */
	uint64_t match;  /* index of the matched result on the other side + 1 */
	uint8_t state;
} diff_res;

typedef struct side {
	diff_res *r;
	size_t n, cap;
} side;

/* The collecting sink: its first member is the engine (sarif_read.c). */
typedef struct diff_sink {
	tally_engine *e;
	const tallyi_mem *mem;
	side *s;
} diff_sink;

struct tally_diff {
	tallyi_mem mem;
	tally_diff_entry *ent;
	size_t n;
	uint64_t count[TALLY_BASELINE_COUNT];
};

static int
ds_run(void *ctx, const tallyi_sarif_run *run)
{
	diff_sink *ds = ctx;
	side *s = ds->s;

	if (s->n + run->nres > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		diff_res *r;

		while (cap < s->n + run->nres)
			cap *= 2;
		r = tallyi_realloc(ds->mem, s->r, s->cap * sizeof(*r),
		    cap * sizeof(*r));
		if (r == NULL)
			return TALLY_ENOMEM;
		s->r = r;
		s->cap = cap;
	}
	for (size_t k = 0; k < run->nres; k++) {
		s->r[s->n] = (diff_res){ run->res[k].v, s->n, 0, 0 };
		s->n++;
	}
	return TALLY_OK;
}

static int
read_side(tally_engine *e, const tallyi_mem *mem, const char *path,
    const tally_sarif_options *opt, side *s, tally_sarif_report *rep)
{
	diff_sink ds = { e, mem, s };
	tallyi_sarif_sink sink = { tallyi_sink_tool, tallyi_sink_intern,
		tallyi_sink_lookup, ds_run, &ds, false };
	tallyi_input in;
	int rc;

	tallyi_report_init(rep);
	rc = tallyi_input_open(&in, path, mem, rep);
	if (rc != TALLY_OK)
		return rc;
	rc = tallyi_sarif_read(&in, &sink, opt, rep);
	tallyi_input_close(&in);
	return rc;
}

/* ---- matching ---- */

/* The fields a pass compares, most significant first; 0 ends the list. */
enum { F_END, F_TOOL, F_RULE, F_FILE, F_MSG, F_LINE, F_COL };

static uint64_t
field(const tally_violation *v, int f)
{
	switch (f) {
	case F_TOOL: return v->tool;
	case F_RULE: return v->rule;
	case F_FILE: return v->file;
	case F_MSG: return v->message;
	case F_LINE: return v->line;
	default: return v->column;
	}
}

static int
key_cmp(const tally_violation *a, const tally_violation *b, const int *f)
{
	for (; *f != F_END; f++) {
		uint64_t x = field(a, *f), y = field(b, *f);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

typedef struct sort_ctx {
	const diff_res *r;
	const int *f;
} sort_ctx;

static int
idx_cmp(const void *pa, const void *pb, void *arg)
{
	const sort_ctx *x = arg;
	const diff_res *a = &x->r[*(const uint32_t *)pa];
	const diff_res *b = &x->r[*(const uint32_t *)pb];
	int c = key_cmp(&a->v, &b->v, x->f);

	if (c != 0)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

/*
 * The unmatched results of @s, sorted by @f then reading order, into @idx
 * (room for s->n). Return: how many.
 */
static size_t
unmatched_sorted(const side *s, const int *f, uint32_t *idx)
{
	sort_ctx x = { s->r, f };
	size_t m = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->r[i].match == 0)
			idx[m++] = (uint32_t)i;
	}
	qsort_r(idx, m, sizeof(*idx), idx_cmp, &x);
	return m;
}

static void
pair(side *o, uint32_t i, side *n, uint32_t j, tally_baseline st)
{
	o->r[i].match = n->r[j].index + 1;
	n->r[j].match = o->r[i].index + 1;
	o->r[i].state = n->r[j].state = (uint8_t)st;
}

static uint64_t
dist(uint32_t a, uint32_t b)
{
	return a > b ? a - b : b - a;
}

/*
 * One pass: walk the groups of equal @f keys on both sides together and
 * let @match pair within each group.
 */
typedef void (*group_fn)(side *o, const uint32_t *oi, size_t on, side *n,
    const uint32_t *ni, size_t nn);

static void
pass(side *o, side *n, const int *f, uint32_t *oi, uint32_t *ni,
    group_fn match)
{
	size_t on = unmatched_sorted(o, f, oi), nn = unmatched_sorted(n, f, ni);
	size_t a = 0, b = 0;

	while (a < on && b < nn) {
		int c = key_cmp(&o->r[oi[a]].v, &n->r[ni[b]].v, f);
		size_t a2 = a, b2 = b;

		if (c < 0) {
			a++;
			continue;
		}
		if (c > 0) {
			b++;
			continue;
		}
		while (a2 < on && key_cmp(&o->r[oi[a2]].v, &o->r[oi[a]].v,
		    f) == 0)
			a2++;
		while (b2 < nn && key_cmp(&n->r[ni[b2]].v, &n->r[ni[b]].v,
		    f) == 0)
			b2++;
		match(o, oi + a, a2 - a, n, ni + b, b2 - b);
		a = a2;
		b = b2;
	}
}

/* Pair the k-th of each side, in reading order. */
static void
pair_in_order(side *o, const uint32_t *oi, size_t on, side *n,
    const uint32_t *ni, size_t nn, tally_baseline st)
{
	for (size_t k = 0; k < on && k < nn; k++)
		pair(o, oi[k], n, ni[k], st);
}

static void
match_exact(side *o, const uint32_t *oi, size_t on, side *n,
    const uint32_t *ni, size_t nn)
{
	pair_in_order(o, oi, on, n, ni, nn, TALLY_BASELINE_UNCHANGED);
}

static void
match_unique(side *o, const uint32_t *oi, size_t on, side *n,
    const uint32_t *ni, size_t nn)
{
	if (on == 1 && nn == 1)
		pair(o, oi[0], n, ni[0], TALLY_BASELINE_UPDATED);
}

/* Nearest pairs first (ties: earlier baseline, then earlier result). */
static void
match_nearby(side *o, const uint32_t *oi, size_t on, side *n,
    const uint32_t *ni, size_t nn)
{
	for (uint64_t d = 0; d <= NEARBY; d++) {
		for (size_t a = 0; a < on; a++) {
			if (o->r[oi[a]].match != 0)
				continue;
			for (size_t b = 0; b < nn; b++) {
				if (n->r[ni[b]].match == 0 &&
				    dist(o->r[oi[a]].v.line,
				    n->r[ni[b]].v.line) == d) {
					pair(o, oi[a], n, ni[b],
					    TALLY_BASELINE_UPDATED);
					break;
				}
			}
		}
	}
}

static void
match_same_line(side *o, const uint32_t *oi, size_t on, side *n,
    const uint32_t *ni, size_t nn)
{
	pair_in_order(o, oi, on, n, ni, nn, TALLY_BASELINE_UPDATED);
}

static const int f_exact[] = { F_TOOL, F_RULE, F_FILE, F_MSG, F_LINE, F_COL,
	F_END };
static const int f_content[] = { F_TOOL, F_RULE, F_FILE, F_MSG, F_END };
static const int f_line[] = { F_TOOL, F_RULE, F_FILE, F_LINE, F_END };

static int
classify(side *o, side *n, const tallyi_mem *mem)
{
	uint32_t *oi = tallyi_alloc(mem, (o->n + 1) * sizeof(*oi));
	uint32_t *ni = tallyi_alloc(mem, (n->n + 1) * sizeof(*ni));

	if (oi == NULL || ni == NULL) {
		tallyi_free(mem, oi, (o->n + 1) * sizeof(*oi));
		tallyi_free(mem, ni, (n->n + 1) * sizeof(*ni));
		return TALLY_ENOMEM;
	}
	pass(o, n, f_exact, oi, ni, match_exact);
	pass(o, n, f_content, oi, ni, match_unique);
	pass(o, n, f_content, oi, ni, match_nearby);
	pass(o, n, f_line, oi, ni, match_same_line);
	tallyi_free(mem, oi, (o->n + 1) * sizeof(*oi));
	tallyi_free(mem, ni, (n->n + 1) * sizeof(*ni));
	return TALLY_OK;
}

static int
build(tally_diff *d, const side *o, const side *n)
{
	size_t k = 0, absent = 0;

	for (size_t i = 0; i < o->n; i++)
		absent += o->r[i].match == 0;
	d->n = n->n + absent;
	d->ent = tallyi_zalloc(&d->mem, (d->n + 1) * sizeof(*d->ent));
	if (d->ent == NULL)
		return TALLY_ENOMEM;
	for (size_t j = 0; j < n->n; j++, k++) {
		const diff_res *r = &n->r[j];

		d->ent[k].v = r->v;
		d->ent[k].index = r->index;
		d->ent[k].state = r->match ? (tally_baseline)r->state :
		    TALLY_BASELINE_NEW;
		if (r->match)
			d->ent[k].base = o->r[r->match - 1].v;
		d->count[d->ent[k].state]++;
	}
	for (size_t i = 0; i < o->n; i++) {
		if (o->r[i].match != 0)
			continue;
		d->ent[k].v = o->r[i].v;
		d->ent[k].index = o->r[i].index;
		d->ent[k].state = TALLY_BASELINE_ABSENT;
		d->count[TALLY_BASELINE_ABSENT]++;
		k++;
	}
	return TALLY_OK;
}

int
tally_sarif_diff_files(tally_engine *e, const char *baseline,
    const char *current, const tally_sarif_options *opt, tally_diff **out,
    tally_sarif_report rep[2])
{
	tally_sarif_report local[2];
	side o = { NULL, 0, 0 }, n = { NULL, 0, 0 };
	tally_diff *d;
	tallyi_mem mem;
	int rc;

	if (rep == NULL)
		rep = local;
	tallyi_report_init(&rep[0]);
	tallyi_report_init(&rep[1]);
	if (e == NULL || baseline == NULL || current == NULL || out == NULL ||
	    tallyi_check_options(opt) != TALLY_OK)
		return TALLY_EINVAL;
	if ((rc = tallyi_mem_init(&mem, NULL)) != TALLY_OK)
		return rc;
	d = tallyi_zalloc(&mem, sizeof(*d));
	if (d == NULL) {
		tallyi_mem_fini(&mem);
		return TALLY_ENOMEM;
	}
	d->mem = mem;
	rc = read_side(e, &d->mem, baseline, opt, &o, &rep[0]);
	if (rc == TALLY_OK)
		rc = read_side(e, &d->mem, current, opt, &n, &rep[1]);
	if (rc == TALLY_OK)
		rc = classify(&o, &n, &d->mem);
	if (rc == TALLY_OK)
		rc = build(d, &o, &n);
	tallyi_free(&d->mem, o.r, o.cap * sizeof(*o.r));
	tallyi_free(&d->mem, n.r, n.cap * sizeof(*n.r));
	if (rc != TALLY_OK) {
		tally_diff_free(d);
		return rc;
	}
	*out = d;
	return TALLY_OK;
}

const tally_diff_entry *
tally_diff_entries(const tally_diff *d, size_t *n)
{
	*n = d->n;
	return d->ent;
}

uint64_t
tally_diff_count(const tally_diff *d, tally_baseline b)
{
	return (unsigned)b < TALLY_BASELINE_COUNT ? d->count[b] : 0;
}

void
tally_diff_free(tally_diff *d)
{
	tallyi_mem mem;

	if (d == NULL)
		return;
	mem = d->mem;
	tallyi_free(&mem, d->ent, (d->n + 1) * sizeof(*d->ent));
	tallyi_free(&mem, d, sizeof(*d));
	tallyi_mem_fini(&mem);
}

const char *
tally_baseline_name(tally_baseline b)
{
	static const char *const names[TALLY_BASELINE_COUNT] = { "new",
		"unchanged", "updated", "absent" };

	return (unsigned)b < TALLY_BASELINE_COUNT ? names[b] : NULL;
}
