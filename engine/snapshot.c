/*
 * engine/snapshot.c - snapshots: the workers' partials added up into an
 * immutable value, and the queries over it.
 *
 * v0 holds every worker's partial lock at once while it adds them up
 * (taken in worker order, so two snapshots cannot deadlock). A worker holds
 * its lock for a whole batch, dedup insert included (invariant 4 of
 * engine.c), so with all locks held no batch is half done, and a batch that
 * lost a dedup insert to another batch is counted only together with it:
 * the winner's insert came first, and its worker held its lock until the
 * winner's batch was counted. Taking the locks one at a time would not give
 * that: the loser's batch could be summed while the winner's was not. The
 * RCU snapshots of the live-snapshot issue publish the same structure
 * without stopping the workers.
 */
#include <stdlib.h>
#include <string.h>

#include "tally/snapshot.h"
#include "engine/engine_structs.h"

struct tally_snapshot {
	tally_engine *e;
	tally_totals totals;
	uint64_t level[TALLY_LEVEL_COUNT];
	tally_group *g[TALLY_DIM_COUNT]; /* sorted by key ids */
	size_t n[TALLY_DIM_COUNT];
};

/* Key order: (tool, rule) and (file, rule) keys hold TALLY_ID_NONE in the
 * field they do not use, so one comparison serves both. */
static int
group_cmp_id(const void *a, const void *b)
{
	const tally_group *x = a, *y = b;

	if (x->tool != y->tool)
		return x->tool < y->tool ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return 0;
}

/* The groups of a pair map, in key order. */
static void
pair_groups(const tallyi_pairmap *m, tally_dim dim, tally_group *g)
{
	size_t k = 0;

	for (size_t i = 0; i < m->cap; i++) {
		uint64_t key = m->key[i];
		uint32_t hi = (uint32_t)(key >> 32), lo = (uint32_t)key;

		if (key == TALLYI_PAIR_EMPTY)
			continue;
		g[k++] = dim == TALLY_DIM_RULE ?
		    (tally_group){ m->val[i], hi, lo, TALLY_ID_NONE } :
		    (tally_group){ m->val[i], TALLY_ID_NONE, lo, hi };
	}
	qsort(g, k, sizeof(tally_group), group_cmp_id);
}

/* Turn the summed tables into group arrays. */
static int
build_groups(tally_snapshot *s, const tallyi_agg *a, const tallyi_mem *mem)
{
	size_t nt = 0, nf = 0, nr = a->rule.count, k;

	for (size_t i = 0; i < a->tool.cap; i++)
		nt += a->tool.v[i] != 0;
	for (size_t i = 0; i < a->file.cap; i++)
		nf += a->file.v[i] != 0;
	/* n[] is set with g[] so that release frees each with its size. */
	s->n[TALLY_DIM_TOOL] = nt;
	s->n[TALLY_DIM_FILE] = nf;
	s->n[TALLY_DIM_RULE] = nr;
	s->n[TALLY_DIM_FILE_RULE] = a->file_rule.count;
	for (unsigned d = 0; d < TALLY_DIM_COUNT; d++) {
		s->g[d] = tallyi_alloc(mem, s->n[d] * sizeof(tally_group));
		if (s->g[d] == NULL)
			return TALLY_ENOMEM;
	}

	k = 0;
	for (size_t i = 0; i < a->tool.cap; i++) {
		if (a->tool.v[i] != 0)
			s->g[TALLY_DIM_TOOL][k++] = (tally_group){ a->tool.v[i],
				(uint32_t)i, TALLY_ID_NONE, TALLY_ID_NONE };
	}
	k = 0;
	for (size_t i = 0; i < a->file.cap; i++) {
		if (a->file.v[i] != 0)
			s->g[TALLY_DIM_FILE][k++] = (tally_group){ a->file.v[i],
				TALLY_ID_NONE, TALLY_ID_NONE, (uint32_t)i };
	}
	pair_groups(&a->rule, TALLY_DIM_RULE, s->g[TALLY_DIM_RULE]);
	pair_groups(&a->file_rule, TALLY_DIM_FILE_RULE,
	    s->g[TALLY_DIM_FILE_RULE]);
	return TALLY_OK;
}

void
tally_snapshot_release(tally_snapshot *s)
{
	const tallyi_mem *mem;

	if (s == NULL)
		return;
	mem = &s->e->mem;
	for (unsigned d = 0; d < TALLY_DIM_COUNT; d++)
		tallyi_free(mem, s->g[d], s->n[d] * sizeof(tally_group));
	tallyi_free(mem, s, sizeof(*s));
}

int
tally_snapshot_acquire(tally_engine *e, tally_snapshot **out)
{
	tally_snapshot *s;
	tallyi_agg sum;
	int rc = TALLY_OK;

	if (e == NULL || out == NULL)
		return TALLY_EINVAL;
	s = tallyi_zalloc(&e->mem, sizeof(*s));
	if (s == NULL)
		return TALLY_ENOMEM;
	s->e = e;
	tallyi_agg_init(&sum);
	for (unsigned i = 0; i < e->nworkers; i++)
		pthread_mutex_lock(&e->workers[i].lock);
	for (unsigned i = 0; i < e->nworkers && rc == TALLY_OK; i++)
		rc = tallyi_agg_add(&sum, &e->workers[i].agg, &e->mem);
	/*
	 * The cut is consistent: no insert is half counted, so the dedup set
	 * holds exactly the keys the partials counted as unique (a batch's
	 * keys are added to the set's count under its worker's lock).
	 */
	if (tallyi_config_debug && rc == TALLY_OK &&
	    tallyi_load_int(&e->failed, TALLY_ACQUIRE) == 0)
		TALLY_ASSERT(sum.unique == tallyi_keyset_count(&e->keys));
	for (unsigned i = e->nworkers; i-- > 0;)
		pthread_mutex_unlock(&e->workers[i].lock);
	if (rc == TALLY_OK)
		rc = build_groups(s, &sum, &e->mem);
	if (rc != TALLY_OK) {
		tallyi_agg_fini(&sum, &e->mem);
		tally_snapshot_release(s);
		return rc;
	}
	s->totals.read = sum.read;
	s->totals.unique = sum.unique;
	s->totals.duplicates = sum.read - sum.unique;
	memcpy(s->level, sum.level, sizeof(s->level));
	tallyi_agg_fini(&sum, &e->mem);
	*out = s;
	return TALLY_OK;
}

void
tally_snapshot_totals(const tally_snapshot *s, tally_totals *out)
{
	*out = s->totals;
}

uint64_t
tally_snapshot_level(const tally_snapshot *s, tally_level level)
{
	if ((unsigned)level >= TALLY_LEVEL_COUNT)
		return 0;
	return s->level[level];
}

size_t
tally_snapshot_group_count(const tally_snapshot *s, tally_dim dim)
{
	if ((unsigned)dim >= TALLY_DIM_COUNT)
		return 0;
	return s->n[dim];
}

tally_engine *
tally_snapshot_engine(const tally_snapshot *s)
{
	return s->e;
}

/* A group with the names it sorts by, for the count ranking. */
typedef struct rank_ent {
	uint64_t count;
	const char *n1, *n2;
	size_t l1, l2;
	const tally_group *g;
} rank_ent;

static int
name_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);

	if (c != 0)
		return c;
	return la < lb ? -1 : la > lb;
}

static int
rank_cmp(const void *pa, const void *pb)
{
	const rank_ent *a = pa, *b = pb;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	c = name_cmp(a->n1, a->l1, b->n1, b->l1);
	if (c != 0)
		return c;
	if (a->n2 != NULL) {
		c = name_cmp(a->n2, a->l2, b->n2, b->l2);
		if (c != 0)
			return c;
	}
	/* Equal names (cannot happen for interned strings): keep id order. */
	return a->g < b->g ? -1 : a->g > b->g;
}

int
tally_snapshot_groups(const tally_snapshot *s, tally_dim dim,
    tally_order order, tally_group *out, size_t cap, size_t *n)
{
	const tally_engine *e;
	rank_ent *r;
	size_t cnt, take;

	if (s == NULL || n == NULL || (unsigned)dim >= TALLY_DIM_COUNT ||
	    (order != TALLY_ORDER_ID && order != TALLY_ORDER_COUNT) ||
	    (out == NULL && cap != 0))
		return TALLY_EINVAL;
	e = s->e;
	cnt = s->n[dim];
	take = cap < cnt ? cap : cnt;
	*n = take;
	if (take == 0)
		return TALLY_OK;
	if (order == TALLY_ORDER_ID) {
		memcpy(out, s->g[dim], take * sizeof(tally_group));
		return TALLY_OK;
	}

	r = tallyi_alloc(&e->mem, cnt * sizeof(*r));
	if (r == NULL)
		return TALLY_ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		const tally_group *g = &s->g[dim][i];

		r[i].count = g->count;
		r[i].g = g;
		r[i].n2 = NULL;
		r[i].l2 = 0;
		if (dim == TALLY_DIM_FILE || dim == TALLY_DIM_FILE_RULE) {
			r[i].n1 = tally_string_lookup(e, TALLY_STR_FILE,
			    g->file, &r[i].l1);
			if (dim == TALLY_DIM_FILE_RULE)
				r[i].n2 = tally_string_lookup(e,
				    TALLY_STR_RULE, g->rule, &r[i].l2);
		} else {
			r[i].n1 = tally_string_lookup(e, TALLY_STR_TOOL,
			    g->tool, &r[i].l1);
			if (dim == TALLY_DIM_RULE)
				r[i].n2 = tally_string_lookup(e,
				    TALLY_STR_RULE, g->rule, &r[i].l2);
		}
	}
	qsort(r, cnt, sizeof(*r), rank_cmp);
	for (size_t i = 0; i < take; i++)
		out[i] = *r[i].g;
	tallyi_free(&e->mem, r, cnt * sizeof(*r));
	return TALLY_OK;
}
