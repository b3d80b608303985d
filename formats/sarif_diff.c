/*
 * formats/sarif_diff.c - classify a log's results against a baseline log
 * (SARIF baselineState: new, unchanged, updated, absent).
 *
 * Both logs are read through the reader with a sink that keeps every
 * resolved result (ids interned into the caller's engine, so equal strings
 * of the two logs get equal ids). Matching then works on small fixed-size
 * records only. Results are only ever matched within a (tool, rule, file)
 * group; the passes, each over what the ones before left:
 *
 *   1. exact: message, line and column equal           -> unchanged
 *   2. line hash: message and partialFingerprints.
 *      primaryLocationLineHash equal (both present): the same source line
 *      moved, however far                               -> updated
 *   3. unique content: the only (tool, rule, file, message) left on each
 *      side, however far it moved                      -> updated
 *   4. nearby: message equal, lines at most NEARBY apart, nearest pairs
 *      first                                           -> updated
 *   5. same line, message changed                      -> updated
 *
 * These follow the SARIF Multitool's match-results-forward in outline
 * (same location; unique identical content), add a window of 3 lines that
 * its matcher lacks, and compare ids, not text. Pass 1 pairs through
 * a hash table of per-key queues; the others walk sorted index arrays
 * (3 and 4 share one walk); ties are broken by reading order, so the
 * outcome depends on the inputs only.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tally/sarif.h"
#include "engine/alloc.h"
#include "engine/engine_structs.h"
#include "formats/native.h"
#include "formats/sarif_internal.h"

#define NEARBY 3 /* lines */

typedef tallyi_diff_res diff_res;
typedef tallyi_diff_side side;

/* The collecting sink: its first member is the engine (tallyi_sink_*). */
typedef struct diff_sink {
	tally_engine *e;
	const tallyi_mem *mem;
	side *s;
} diff_sink;

struct tally_sarif_diff {
	tallyi_mem mem;
	tally_sarif_diff_entry *ent;
	size_t n;
	uint64_t count[TALLY_BASELINE_COUNT];
	uint64_t suppressed; /* current results left out: see build() */
};

static int
ds_run(void *ctx, const tallyi_sarif_run *run)
{
	diff_sink *ds = ctx;
	side *s = ds->s;

	if (s->n + run->nres > s->cap) {
		diff_res *r = tallyi_grow(ds->mem, s->r, &s->cap,
		    s->n + run->nres, 256, sizeof(*r));

		if (r == NULL)
			return TALLY_ENOMEM;
		s->r = r;
	}
	for (size_t k = 0; k < run->nres; k++) {
		s->r[s->n] = (diff_res){ run->res[k].v, run->res[k].plh, s->n,
			0, 0 };
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
	rc = tallyi_input_open_decoded(&in, path, opt, mem, rep);
	if (rc != TALLY_OK)
		return rc;
	rc = tallyi_sarif_read(&in, &sink, opt, rep);
	tallyi_input_close(&in);
	return rc;
}

struct read_arg {
	tally_engine *e;
	const tallyi_mem *mem;
	const char *path;
	const tally_sarif_options *opt;
	side *s;
	tally_sarif_report *rep;
	int rc;
};

static void *
read_main(void *arg)
{
	struct read_arg *a = arg;

	a->rc = read_side(a->e, a->mem, a->path, a->opt, a->s, a->rep);
	return NULL;
}

/* ---- matching ---- */

/*
 * What a pass compares, packed most significant first into three words,
 * so that sorting and grouping compare integers: tool and rule, then
 * file and message (file and line for SAME_LINE), then line and column
 * (EXACT only).
 */
enum { K_EXACT, K_LINE_HASH, K_CONTENT, K_SAME_LINE };

typedef struct skey {
	uint64_t k[3];
	uint32_t i; /* the result's position on its side (= reading order) */
} skey;

static void
pack(const diff_res *r, int kind, uint32_t i, skey *out)
{
	const tally_violation *v = &r->v;

	out->k[0] = (uint64_t)v->tool << 32 | v->rule;
	out->k[1] = (uint64_t)v->file << 32 |
	    (kind == K_SAME_LINE ? v->line : v->message);
	out->k[2] = kind == K_EXACT ? (uint64_t)v->line << 32 | v->column :
	    kind == K_LINE_HASH ? r->plh : 0;
	out->i = i;
}

static inline int
key_cmp(const skey *a, const skey *b)
{
	for (int w = 0; w < 3; w++) {
		if (a->k[w] != b->k[w])
			return a->k[w] < b->k[w] ? -1 : 1;
	}
	return 0;
}

static int
skey_cmp(const void *pa, const void *pb)
{
	const skey *a = pa, *b = pb;
	int c = key_cmp(a, b);

	return c != 0 ? c : (a->i > b->i) - (a->i < b->i);
}

/*
 * The unmatched results of @s as keys of @kind, sorted, then reading
 * order, into @out (room for s->n). Return: how many.
 */
static size_t
unmatched_sorted(const side *s, int kind, skey *out)
{
	size_t m = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->r[i].match != 0 ||
		    (kind == K_LINE_HASH && s->r[i].plh == TALLY_ID_NONE))
			continue;
		pack(&s->r[i], kind, (uint32_t)i, &out[m++]);
	}
	qsort(out, m, sizeof(*out), skey_cmp);
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
 * One pass: walk the groups of equal keys of @kind on both sides together
 * and let @match pair within each group.
 */
typedef void (*group_fn)(side *o, const skey *oi, size_t on, side *n,
    const skey *ni, size_t nn);

static void
pass(side *o, side *n, int kind, skey *ok, skey *nk, group_fn match)
{
	size_t on = unmatched_sorted(o, kind, ok);
	size_t nn = unmatched_sorted(n, kind, nk);
	size_t a = 0, b = 0;

	while (a < on && b < nn) {
		int c = key_cmp(&ok[a], &nk[b]);
		size_t a2 = a, b2 = b;

		if (c < 0) {
			a++;
			continue;
		}
		if (c > 0) {
			b++;
			continue;
		}
		while (a2 < on && key_cmp(&ok[a2], &ok[a]) == 0)
			a2++;
		while (b2 < nn && key_cmp(&nk[b2], &nk[b]) == 0)
			b2++;
		match(o, ok + a, a2 - a, n, nk + b, b2 - b);
		a = a2;
		b = b2;
	}
}

/* Pair the k-th of each side, in reading order. */
static void
pair_in_order(side *o, const skey *oi, size_t on, side *n, const skey *ni,
    size_t nn, tally_baseline st)
{
	for (size_t k = 0; k < on && k < nn; k++)
		pair(o, oi[k].i, n, ni[k].i, st);
}

static void
match_unique(side *o, const skey *oi, size_t on, side *n, const skey *ni,
    size_t nn)
{
	if (on == 1 && nn == 1)
		pair(o, oi[0].i, n, ni[0].i, TALLY_BASELINE_UPDATED);
}

/* Nearest pairs first (ties: earlier baseline, then earlier result). */
static void
match_nearby(side *o, const skey *oi, size_t on, side *n, const skey *ni,
    size_t nn)
{
	for (uint64_t d = 0; d <= NEARBY; d++) {
		for (size_t a = 0; a < on; a++) {
			const diff_res *x = &o->r[oi[a].i];

			if (x->match != 0)
				continue;
			for (size_t b = 0; b < nn; b++) {
				const diff_res *y = &n->r[ni[b].i];

				if (y->match == 0 && dist(x->v.line,
				    y->v.line) == d) {
					pair(o, oi[a].i, n, ni[b].i,
					    TALLY_BASELINE_UPDATED);
					break;
				}
			}
		}
	}
}

/*
 * Passes 3 and 4 in one walk: they use the same key, and groups of
 * different keys never meet, so pairing a group by unique content and
 * the other groups by distance gives what two walks gave, with one sort.
 */
static void
match_content(side *o, const skey *oi, size_t on, side *n, const skey *ni,
    size_t nn)
{
	if (on == 1 && nn == 1)
		match_unique(o, oi, on, n, ni, nn);
	else
		match_nearby(o, oi, on, n, ni, nn);
}

static void
match_updated(side *o, const skey *oi, size_t on, side *n, const skey *ni,
    size_t nn)
{
	pair_in_order(o, oi, on, n, ni, nn, TALLY_BASELINE_UPDATED);
}

static uint64_t
skey_hash(const skey *k)
{
	uint64_t h = k->k[0] * TALLYI_GOLDEN64;

	h = (h ^ (h >> 29) ^ k->k[1]) * 0xBF58476D1CE4E5B9ull;
	h = (h ^ (h >> 32) ^ k->k[2]) * 0x94D049BB133111EBull;
	return h ^ (h >> 31);
}

/*
 * Pass 1 without sorting: it is the one pass over every result, and it
 * pairs the k-th baseline result of a key with the k-th new one, in
 * reading order, which a hash table of per-key queues gives in O(n).
 * key[h] names a slot's key (a baseline result that has it, + 1), head[h]
 * is the first unpaired baseline result of its queue (+ 1, 0 when none
 * is left) and next[] chains a queue in reading order.
 * Return: TALLY_OK or TALLY_ENOMEM.
 */
static int
pass_exact(side *o, side *n, const tallyi_mem *mem)
{
	size_t cap = 16, mask;
	uint32_t *key, *head, *next;
	skey a, b;
	int rc = TALLY_ENOMEM;

	while (cap < o->n * 2)
		cap *= 2;
	mask = cap - 1;
	key = tallyi_zalloc(mem, cap * sizeof(uint32_t));
	head = tallyi_alloc(mem, cap * sizeof(uint32_t));
	next = tallyi_alloc(mem, (o->n + 1) * sizeof(uint32_t));
	if (key == NULL || head == NULL || next == NULL)
		goto out;
	/* Backwards, so that every queue ends up in reading order. */
	for (size_t i = o->n; i-- > 0;) {
		size_t h;

		pack(&o->r[i], K_EXACT, 0, &a);
		for (h = skey_hash(&a) & mask; key[h] != 0; h = (h + 1) & mask) {
			pack(&o->r[key[h] - 1], K_EXACT, 0, &b);
			if (key_cmp(&a, &b) == 0)
				break;
		}
		next[i] = key[h] != 0 ? head[h] : 0;
		key[h] = head[h] = (uint32_t)i + 1;
	}
	for (size_t j = 0; j < n->n; j++) {
		size_t h;

		pack(&n->r[j], K_EXACT, 0, &a);
		for (h = skey_hash(&a) & mask; key[h] != 0; h = (h + 1) & mask) {
			pack(&o->r[key[h] - 1], K_EXACT, 0, &b);
			if (key_cmp(&a, &b) == 0)
				break;
		}
		if (key[h] != 0 && head[h] != 0) {
			uint32_t i = head[h] - 1;

			pair(o, i, n, (uint32_t)j, TALLY_BASELINE_UNCHANGED);
			head[h] = next[i];
		}
	}
	rc = TALLY_OK;
out:
	tallyi_free(mem, key, cap * sizeof(uint32_t));
	tallyi_free(mem, head, cap * sizeof(uint32_t));
	tallyi_free(mem, next, (o->n + 1) * sizeof(uint32_t));
	return rc;
}

int
tallyi_diff_classify(side *o, side *n, const tallyi_mem *mem)
{
	skey *ok = tallyi_alloc(mem, (o->n + 1) * sizeof(*ok));
	skey *nk = tallyi_alloc(mem, (n->n + 1) * sizeof(*nk));
	int rc = TALLY_ENOMEM;

	if (ok != NULL && nk != NULL && pass_exact(o, n, mem) == TALLY_OK) {
		pass(o, n, K_LINE_HASH, ok, nk, match_updated);
		pass(o, n, K_CONTENT, ok, nk, match_content);
		pass(o, n, K_SAME_LINE, ok, nk, match_updated);
		rc = TALLY_OK;
	}
	tallyi_free(mem, ok, (o->n + 1) * sizeof(*ok));
	tallyi_free(mem, nk, (n->n + 1) * sizeof(*nk));
	return rc;
}

static int
build(tally_sarif_diff *d, const side *o, const side *n)
{
	size_t k = 0, absent = 0;

	for (size_t i = 0; i < o->n; i++)
		absent += o->r[i].match == 0;
	for (size_t j = 0; j < n->n; j++)
		d->suppressed += n->r[j].match == 0 &&
		    (n->r[j].v.flags & TALLY_VIOLATION_SUPPRESSED);
	d->n = n->n - d->suppressed + absent;
	d->ent = tallyi_zalloc(&d->mem, (d->n + 1) * sizeof(*d->ent));
	if (d->ent == NULL)
		return TALLY_ENOMEM;
	for (size_t j = 0; j < n->n; j++) {
		const diff_res *r = &n->r[j];

		/* suppressed, and matches nothing: not new, not an entry */
		if (r->match == 0 && (r->v.flags & TALLY_VIOLATION_SUPPRESSED))
			continue;

		d->ent[k].v = r->v;
		d->ent[k].index = r->index;
		d->ent[k].state = r->match ? (tally_baseline)r->state :
		    TALLY_BASELINE_NEW;
		if (r->match)
			d->ent[k].base = o->r[r->match - 1].v;
		d->count[d->ent[k].state]++;
		k++;
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
tally_sarif_diff_create(tally_engine *e, const char *baseline,
    const char *current, const tally_sarif_options *opt, tally_sarif_diff **out,
    tally_sarif_report rep[2])
{
	tally_sarif_report local[2];
	side o = { NULL, 0, 0 }, n = { NULL, 0, 0 };
	tally_sarif_diff *d;
	tallyi_mem mem;
	int rc;

	if (rep == NULL)
		rep = local;
	tallyi_report_init(&rep[0]);
	tallyi_report_init(&rep[1]);
	if (e == NULL || baseline == NULL || current == NULL || out == NULL ||
	    tallyi_check_options(opt) != TALLY_OK)
		return TALLY_EINVAL;
	/*
	 * The engine's user hook when it has one (copied: the diff may
	 * outlive the engine, so never the engine's own arena).
	 */
	if ((rc = tallyi_mem_init(&mem, e->mem.own_arena ? NULL :
	    &e->mem.a)) != TALLY_OK)
		return rc;
	d = tallyi_zalloc(&mem, sizeof(*d));
	if (d == NULL) {
		tallyi_mem_fini(&mem);
		return TALLY_ENOMEM;
	}
	d->mem = mem;
	{
		/* the two logs are read at once, the baseline on a thread of
		 * its own (interning into one engine is thread-safe) */
		struct read_arg ra = { e, &d->mem, baseline, opt, &o, &rep[0],
			TALLY_OK };
		pthread_t th;
		bool threaded = pthread_create(&th, NULL, read_main, &ra) == 0;

		if (!threaded)
			(void)read_main(&ra);
		rc = read_side(e, &d->mem, current, opt, &n, &rep[1]);
		if (threaded)
			pthread_join(th, NULL);
		if (ra.rc != TALLY_OK)
			rc = ra.rc; /* the baseline's error first */
	}
	if (rc == TALLY_OK)
		rc = tallyi_diff_classify(&o, &n, &d->mem);
	if (rc == TALLY_OK)
		rc = build(d, &o, &n);
	tallyi_free(&d->mem, o.r, o.cap * sizeof(*o.r));
	tallyi_free(&d->mem, n.r, n.cap * sizeof(*n.r));
	if (rc != TALLY_OK) {
		tally_sarif_diff_destroy(d);
		return rc;
	}
	*out = d;
	return TALLY_OK;
}

const tally_sarif_diff_entry *
tally_sarif_diff_entries(const tally_sarif_diff *d, size_t *n)
{
	*n = d->n;
	return d->ent;
}

uint64_t
tally_sarif_diff_count(const tally_sarif_diff *d, tally_baseline b)
{
	return (unsigned)b < TALLY_BASELINE_COUNT ? d->count[b] : 0;
}

uint64_t
tally_sarif_diff_suppressed(const tally_sarif_diff *d)
{
	return d->suppressed;
}

void
tally_sarif_diff_destroy(tally_sarif_diff *d)
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
tally_sarif_baseline_name(tally_baseline b)
{
	static const char *const names[TALLY_BASELINE_COUNT] = { "new",
		"unchanged", "updated", "absent" };

	return (unsigned)b < TALLY_BASELINE_COUNT ? names[b] : NULL;
}
