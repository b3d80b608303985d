/*
 * engine/snapshot.c - publishing snapshots of the aggregates, and the
 * queries over them.
 *
 * The cut. A worker counts a batch into its partial (w->agg) holding its
 * lock for the whole batch, dedup insert included (invariant 4 of
 * engine.c). A publication takes every worker's lock at once (in worker
 * order, under pub_lock, so two cannot deadlock) and, while holding them,
 * only swaps each partial with the worker's empty spare: a few words per
 * worker, so workers wait for a moment, not for the adding up. With all
 * locks held no batch is half done, and a batch that lost a dedup insert to
 * another is cut together with it (the winner's insert came first and its
 * worker held its lock until the winner's batch was counted). Taking the
 * locks one at a time would not give that: the loser could be counted
 * while the winner was not.
 *
 * After the cut, on the publishing thread and with no worker lock held, the
 * swapped-out partials are added into e->cum (everything published so far)
 * and cleared for the next swap, and an immutable snapshot is built from
 * e->cum. If adding runs out of memory the partial stays in the spare,
 * marked dirty, and is added first next time (no cut happens while a spare
 * is dirty): nothing is lost.
 *
 * When. A publisher thread publishes every interval when anything was
 * aggregated since the last publication (an idle engine pays O(workers)
 * lock round trips per interval, no build, no grace period);
 * tally_snapshot_publish() always publishes, on demand; a flush only counts
 * itself in flush_gen, and the next acquire that finds flush_gen above
 * pub_gen (the flushes the current snapshot covers) publishes first. So
 * every batch a flush drained is in any snapshot acquired after it, and an
 * ingest that flushes often but is never read pays nothing for it.
 *
 * Publication and reclamation use liburcu's membarrier flavour (urcu-memb):
 * readers pay a thread-local counter and a compiler barrier, no fence, and
 * unlike QSBR they need not report quiescent states, which a library cannot
 * ask of its callers' threads; a thread registers on its first acquire
 * (tallyi_rcu_online()). The new snapshot is stored into e->snap with release
 * order (what rcu_assign_pointer does, written with the engine's atomics
 * so that ThreadSanitizer sees it); the publisher then waits for a grace
 * period (synchronize_rcu, after pub_lock is dropped) and drops the
 * engine's reference to the old one. Why not call_rcu: publication is off
 * the ingest path, so the wait costs only the publisher, and call_rcu
 * would add a helper thread per engine whose hand-offs happen inside
 * liburcu, where ThreadSanitizer cannot see them (it reported them as
 * races; only a suppression would have silenced it). A reader takes its
 * reference inside a read-side critical section:
 *
 *   rcu_read_lock; s = e->snap (acquire); s->refs++; rcu_read_unlock
 *
 * While s is current its refs are >= 1 (the engine's); once replaced, the
 * engine's reference goes only after every read section that could have
 * loaded s has ended. So the increment never meets a freed snapshot, and
 * the last release, whoever makes it, frees it.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu/urcu-memb.h>

#include "tally/snapshot.h"
#include "engine/engine_structs.h"
#include "engine/futex.h"
#include "kernels/kernels.h"


struct tally_snapshot {
	tally_engine *e;
	uint64_t seq;
	tallyi_atomic_u64 refs;
	tally_totals totals;
	uint64_t level[TALLY_LEVEL_COUNT];
	/* by key ids for tools and files; in map order for pairs, whose id
	 * order is sorted on the first query that needs it (by_id) */
	tally_group *g[TALLY_DIM_COUNT];
	size_t n[TALLY_DIM_COUNT];
	tallyi_atomic_ptr by_id[TALLY_DIM_COUNT];
};

#define DEFAULT_INTERVAL_MS 100

/*
 * Register the calling thread with liburcu once; a thread-specific value's
 * destructor unregisters it when the thread exits.
 */
static _Thread_local bool publishing; /* this thread holds a pub_lock */
static pthread_key_t rcu_key;
static pthread_once_t rcu_once = PTHREAD_ONCE_INIT;
static _Thread_local bool rcu_registered;

static void
rcu_offline(void *unused)
{
	(void)unused;
	urcu_memb_unregister_thread();
	rcu_registered = false;
}

static void
rcu_key_make(void)
{
	(void)pthread_key_create(&rcu_key, rcu_offline);
}

void
tallyi_rcu_online(void)
{
	if (TALLY_CC_LIKELY(rcu_registered))
		return;
	(void)pthread_once(&rcu_once, rcu_key_make);
	urcu_memb_register_thread();
	(void)pthread_setspecific(rcu_key, (void *)1);
	rcu_registered = true;
}

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

/* The groups of a pair map, in map order (sorted lazily: by_id()). */
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
	tallyi_store_ptr(&s->by_id[TALLY_DIM_TOOL], s->g[TALLY_DIM_TOOL],
	    TALLY_RELAXED);
	tallyi_store_ptr(&s->by_id[TALLY_DIM_FILE], s->g[TALLY_DIM_FILE],
	    TALLY_RELAXED);
	pair_groups(&a->rule, TALLY_DIM_RULE, s->g[TALLY_DIM_RULE]);
	pair_groups(&a->file_rule, TALLY_DIM_FILE_RULE,
	    s->g[TALLY_DIM_FILE_RULE]);
	return TALLY_OK;
}

static void
snap_free(tally_snapshot *s)
{
	const tallyi_mem *mem = &s->e->mem;

	for (unsigned d = 0; d < TALLY_DIM_COUNT; d++) {
		void *sorted = tallyi_load_ptr(&s->by_id[d], TALLY_ACQUIRE);

		if (sorted != s->g[d])
			tallyi_free(mem, sorted, s->n[d] * sizeof(tally_group));
		tallyi_free(mem, s->g[d], s->n[d] * sizeof(tally_group));
	}
	tallyi_free(mem, s, sizeof(*s));
}

/*
 * The groups of @dim in key-id order. Sorting a million pairs costs more
 * than the rest of a publication, so it is left to the first query that
 * wants that order: it sorts a copy and publishes it with a CAS (a racing
 * query's copy is freed). NULL: out of memory.
 */
static const tally_group *
by_id(const tally_snapshot *cs, tally_dim dim)
{
	tally_snapshot *s = (tally_snapshot *)cs; /* the cache only */
	const tallyi_mem *mem = &s->e->mem;
	void *have = tallyi_load_ptr(&s->by_id[dim], TALLY_ACQUIRE);
	tally_group *g;

	if (have != NULL)
		return have;
	g = tallyi_alloc(mem, s->n[dim] * sizeof(tally_group));
	if (g == NULL)
		return NULL;
	memcpy(g, s->g[dim], s->n[dim] * sizeof(tally_group));
	qsort(g, s->n[dim], sizeof(tally_group), group_cmp_id);
	if (tallyi_cas_ptr(&s->by_id[dim], &have, g, TALLY_ACQ_REL))
		return g;
	tallyi_free(mem, g, s->n[dim] * sizeof(tally_group));
	/* the CAS failed relaxed: load the winner's array with acquire */
	return tallyi_load_ptr(&s->by_id[dim], TALLY_ACQUIRE);
}

static void
snap_put(tally_snapshot *s)
{
	if (tallyi_fetch_sub_u64(&s->refs, 1, TALLY_ACQ_REL) == 1)
		snap_free(s);
}

void
tally_snapshot_release(tally_snapshot *s)
{
	if (s != NULL)
		snap_put(s);
}

tally_snapshot *
tally_snapshot_retain(const tally_snapshot *s)
{
	tally_snapshot *m = (tally_snapshot *)s; /* refs only */

	tallyi_fetch_add_u64(&m->refs, 1, TALLY_ACQ_REL);
	return m;
}

int
tally_snapshot_acquire(tally_engine *e, tally_snapshot **out)
{
	tally_snapshot *s;

	if (e == NULL || out == NULL)
		return TALLY_EINVAL;
	/* A flush since the last publication: publish what it drained
	 * (not from inside a publication: an on_snapshot callback). */
	if (TALLY_CC_UNLIKELY(tallyi_load_u64(&e->flush_gen, TALLY_SEQ_CST) >
	    tallyi_load_u64(&e->pub_gen, TALLY_ACQUIRE)) && !publishing) {
		int rc = tallyi_snapshot_publish(e);

		if (rc != TALLY_OK)
			return rc;
	}
	tallyi_rcu_online();
	urcu_memb_read_lock();
	s = tallyi_load_ptr(&e->snap, TALLY_ACQUIRE);
	tallyi_fetch_add_u64(&s->refs, 1, TALLY_ACQ_REL);
	urcu_memb_read_unlock();
	*out = s;
	return TALLY_OK;
}

uint64_t
tally_snapshot_seq(const tally_snapshot *s)
{
	return s->seq;
}

/* Add every dirty spare into e->cum and clear it (pub_lock held). */
static int
merge_spares(tally_engine *e)
{
	for (unsigned i = 0; i < e->nworkers; i++) {
		tallyi_worker *w = &e->workers[i];
		int rc;

		if (!w->spare_dirty)
			continue;
		if ((rc = tallyi_agg_add(&e->cum, &w->spare, &e->mem)) != 0)
			return rc; /* all or nothing: the spare stays dirty */
		tallyi_agg_clear(&w->spare);
		w->spare_dirty = false;
	}
	return TALLY_OK;
}

/*
 * Swap every worker's partial for its empty spare, all locks held. Return:
 * the dedup set's count at the cut, which equals the unique plus the
 * suppressed total then (every key was won by one row, active or not).
 */
static uint64_t
cut(tally_engine *e)
{
	uint64_t keys;

	for (unsigned i = 0; i < e->nworkers; i++)
		pthread_mutex_lock(&e->workers[i].lock);
	keys = tallyi_keyset_count(&e->keys);
	for (unsigned i = 0; i < e->nworkers; i++) {
		tallyi_worker *w = &e->workers[i];
		tallyi_agg t = w->agg;

		w->agg = w->spare;
		w->spare = t;
		w->spare_dirty = true;
	}
	for (unsigned i = e->nworkers; i-- > 0;)
		pthread_mutex_unlock(&e->workers[i].lock);
	return keys;
}

/*
 * Build the snapshot of e->cum and make it current (pub_lock held). The
 * one it replaces goes to @old: the caller drops the engine's reference to
 * it after a grace period.
 */
static int
publish_cum(tally_engine *e, tally_snapshot **old)
{
	tally_snapshot *s = tallyi_zalloc(&e->mem, sizeof(*s));
	uint64_t seq = tallyi_load_u64(&e->snap_seq, TALLY_RELAXED) + 1;
	int rc;

	if (s == NULL)
		return TALLY_ENOMEM;
	s->e = e;
	s->seq = seq;
	tallyi_store_u64(&s->refs, 1, TALLY_RELAXED); /* the engine's */
	s->totals.read = e->cum.read;
	s->totals.unique = e->cum.unique;
	s->totals.suppressed = e->cum.suppressed;
	s->totals.duplicates = e->cum.read - e->cum.unique - e->cum.suppressed;
	memcpy(s->level, e->cum.level, sizeof(s->level));
	if ((rc = build_groups(s, &e->cum, &e->mem)) != TALLY_OK) {
		snap_free(s);
		return rc;
	}
	*old = tallyi_load_ptr(&e->snap, TALLY_RELAXED);
	tallyi_store_ptr(&e->snap, s, TALLY_RELEASE);
	tallyi_store_u64(&e->snap_seq, seq, TALLY_RELEASE);
	tallyi_fetch_add_u32(&e->snap_event, 1, TALLY_RELEASE);
	tallyi_futex_wake(&e->snap_event, INT_MAX);
	if (e->on_snapshot != NULL)
		e->on_snapshot(s, e->on_snapshot_arg);
	return TALLY_OK;
}

/*
 * Publish (pub_lock taken here). @only_if_changed: skip it, keeping the
 * sequence number, when the cut brought no row since the current snapshot
 * (the periodic publisher: nothing new is nothing to tell).
 */
static int
publish(tally_engine *e, bool only_if_changed)
{
	tally_snapshot *old = NULL, *cur;
	uint64_t keys = 0, gen;
	int rc;

	pthread_mutex_lock(&e->pub_lock);
	publishing = true;
	/* Every flush completed before the cut is in it. */
	gen = tallyi_load_u64(&e->flush_gen, TALLY_SEQ_CST);
	rc = merge_spares(e);
	if (rc == TALLY_OK) {
		keys = cut(e);
		rc = merge_spares(e);
	}
	if (rc == TALLY_OK && tallyi_load_int(&e->failed, TALLY_ACQUIRE) == 0)
		TALLY_ASSERT(e->cum.unique + e->cum.suppressed == keys);
	cur = tallyi_load_ptr(&e->snap, TALLY_RELAXED);
	if (rc == TALLY_OK && only_if_changed && cur != NULL &&
	    cur->totals.read == e->cum.read) {
		/* Rows only add up: an equal count is no change. */
		tallyi_store_u64(&e->pub_gen, gen, TALLY_RELEASE);
		publishing = false;
		pthread_mutex_unlock(&e->pub_lock);
		return TALLY_OK;
	}
	if (rc == TALLY_OK)
		rc = publish_cum(e, &old);
	if (rc == TALLY_OK)
		tallyi_store_u64(&e->pub_gen, gen, TALLY_RELEASE);
	publishing = false;
	pthread_mutex_unlock(&e->pub_lock);
	if (old != NULL) {
		/* Every reader that could have loaded @old is out of its read
		 * section after this: the engine's reference can go. */
		urcu_memb_synchronize_rcu();
		snap_put(old);
	}
	return rc;
}

int
tallyi_snapshot_publish(tally_engine *e)
{
	return publish(e, false);
}

int
tally_snapshot_publish(tally_engine *e)
{
	if (e == NULL)
		return TALLY_EINVAL;
	return tallyi_snapshot_publish(e);
}

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int
tally_snapshot_wait(tally_engine *e, uint64_t after, unsigned timeout_ms)
{
	double deadline;

	if (e == NULL)
		return TALLY_EINVAL;
	deadline = mono_now() + timeout_ms * 1e-3;
	for (;;) {
		uint32_t ev = tallyi_load_u32(&e->snap_event, TALLY_ACQUIRE);
		double left;

		if (tallyi_load_u64(&e->snap_seq, TALLY_ACQUIRE) > after)
			return TALLY_OK;
		left = deadline - mono_now();
		if (left <= 0)
			return TALLY_ETIMEDOUT;
		tallyi_futex_wait(&e->snap_event, ev, (long)(left * 1e9) + 1);
	}
}

/* The periodic publisher: one thread per engine, joined by stop. */
static void *
publisher_main(void *arg)
{
	tally_engine *e = arg;

	pthread_mutex_lock(&e->pub_sleep);
	while (!e->pub_stop) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(e->interval_ms % 1000) * 1000000L;
		ts.tv_sec += e->interval_ms / 1000 + ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		(void)pthread_cond_timedwait(&e->pub_cond, &e->pub_sleep, &ts);
		if (e->pub_stop)
			break;
		pthread_mutex_unlock(&e->pub_sleep);
		/* Out of memory: the counts wait for the next round. */
		(void)publish(e, true);
		pthread_mutex_lock(&e->pub_sleep);
	}
	pthread_mutex_unlock(&e->pub_sleep);
	return NULL;
}

/* Called right after the engine is zeroed: fini may follow any failure. */
void
tallyi_snapshot_early(tally_engine *e)
{
	pthread_mutex_init(&e->pub_lock, NULL);
	pthread_mutex_init(&e->pub_sleep, NULL);
	pthread_cond_init(&e->pub_cond, NULL);
	tallyi_agg_init(&e->cum);
}

int
tallyi_snapshot_init(tally_engine *e)
{
	return tallyi_snapshot_publish(e); /* the first, empty, snapshot */
}

int
tallyi_snapshot_start(tally_engine *e)
{
	if (e->interval_ms == 0)
		e->interval_ms = DEFAULT_INTERVAL_MS;
	if (pthread_create(&e->publisher, NULL, publisher_main, e) != 0)
		return TALLY_ESTATE;
	e->pub_started = true;
	return TALLY_OK;
}

void
tallyi_snapshot_stop(tally_engine *e)
{
	if (!e->pub_started)
		return;
	pthread_mutex_lock(&e->pub_sleep);
	e->pub_stop = true;
	pthread_cond_signal(&e->pub_cond);
	pthread_mutex_unlock(&e->pub_sleep);
	pthread_join(e->publisher, NULL);
	e->pub_started = false;
}

/*
 * After stop, with every snapshot released (the API's contract): drop the
 * engine's reference to the current one. Accepts a half-initialised engine
 * (zeroed fields).
 */
void
tallyi_snapshot_fini(tally_engine *e)
{
	tally_snapshot *s = tallyi_load_ptr(&e->snap, TALLY_ACQUIRE);

	tallyi_store_ptr(&e->snap, NULL, TALLY_RELAXED);
	if (s != NULL)
		snap_put(s);
	for (unsigned i = 0; e->workers != NULL && i < e->nworkers; i++)
		tallyi_agg_fini(&e->workers[i].spare, &e->mem);
	tallyi_agg_fini(&e->cum, &e->mem);
	pthread_cond_destroy(&e->pub_cond);
	pthread_mutex_destroy(&e->pub_sleep);
	pthread_mutex_destroy(&e->pub_lock);
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
	/* Equal names (cannot happen for interned strings): array order. */
	return a->g < b->g ? -1 : a->g > b->g;
}

/*
 * The bytes of interned string @id. Every id in a snapshot was interned
 * before the batch holding it was counted, so it is below the table's
 * published count.
 */
static const char *
name_of(const tally_engine *e, tally_strkind kind, uint32_t id, size_t *len)
{
	const tallyi_strent *ent = tallyi_strtab_entry(&e->str[kind], id);

	*len = ent->len;
	return ent->p;
}

/* @r: group @g of @dim with the names it ranks by. */
static void
rank_fill(const tally_engine *e, tally_dim dim, const tally_group *g,
    rank_ent *r)
{
	r->count = g->count;
	r->g = g;
	r->n2 = NULL;
	r->l2 = 0;
	if (dim == TALLY_DIM_FILE || dim == TALLY_DIM_FILE_RULE) {
		r->n1 = name_of(e, TALLY_STR_FILE, g->file, &r->l1);
		if (dim == TALLY_DIM_FILE_RULE)
			r->n2 = name_of(e, TALLY_STR_RULE, g->rule, &r->l2);
	} else {
		r->n1 = name_of(e, TALLY_STR_TOOL, g->tool, &r->l1);
		if (dim == TALLY_DIM_RULE)
			r->n2 = name_of(e, TALLY_STR_RULE, g->rule, &r->l2);
	}
}

/*
 * The first @take of the @cnt groups @g in count order, into @out: rank
 * the groups whose count is at least @bar (all of them when @bar is 0) by
 * rank_cmp and keep the first @take; @m of them reach @bar.
 */
static int
rank_some(const tally_engine *e, tally_dim dim, const tally_group *g,
    size_t cnt, uint64_t bar, size_t m, tally_group *out, size_t take)
{
	rank_ent *r = tallyi_alloc(&e->mem, m * sizeof(*r));
	size_t k = 0;

	if (r == NULL)
		return TALLY_ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		if (g[i].count >= bar)
			rank_fill(e, dim, &g[i], &r[k++]);
	}
	TALLY_ASSERT(k == m && take <= m);
	qsort(r, m, sizeof(*r), rank_cmp);
	for (size_t i = 0; i < take; i++)
		out[i] = *r[i].g;
	tallyi_free(&e->mem, r, m * sizeof(*r));
	return TALLY_OK;
}

/*
 * The top @take < @cnt groups by selection instead of a sort of all. The
 * top-K kernel finds the @take-th largest count, the bar, over a column of
 * the counts. The kernel breaks ties by position, the order by names: so
 * every group with the bar's count is a candidate, not only those the
 * kernel kept. The top @take of the order are the groups above the bar
 * (fewer than @take) and the best-named of those at it, so ranking every
 * group at or above the bar with rank_cmp, as the full sort does, gives
 * the same first @take, ties included. With many groups tied at the bar
 * (a cap inside a long run of equal counts) it costs up to a full sort.
 */
static int
rank_top(const tally_engine *e, tally_dim dim, const tally_group *g,
    size_t cnt, tally_group *out, size_t take)
{
	size_t cbytes = cnt * sizeof(uint64_t), ibytes = take * sizeof(uint32_t);
	uint64_t *count = tallyi_alloc(&e->mem, cbytes), bar;
	uint32_t *ids = tallyi_alloc(&e->mem, ibytes);
	size_t m = 0, got;

	if (count == NULL || ids == NULL) {
		tallyi_free(&e->mem, count, cbytes);
		tallyi_free(&e->mem, ids, ibytes);
		return TALLY_ENOMEM;
	}
	for (size_t i = 0; i < cnt; i++)
		count[i] = g[i].count; /* never 0: every group counts */
	got = tallyk_kernels()->topk(count, cnt, take, ids);
	TALLY_ASSERT(got == take);
	bar = count[ids[take - 1]];
	for (size_t i = 0; i < cnt; i++)
		m += count[i] >= bar;
	tallyi_free(&e->mem, count, cbytes);
	tallyi_free(&e->mem, ids, ibytes);
	return rank_some(e, dim, g, cnt, bar, m, out, take);
}

int
tally_snapshot_groups(const tally_snapshot *s, tally_dim dim,
    tally_order order, tally_group *out, size_t cap, size_t *n)
{
	size_t cnt, take;

	if (s == NULL || n == NULL || (unsigned)dim >= TALLY_DIM_COUNT ||
	    (order != TALLY_ORDER_ID && order != TALLY_ORDER_COUNT) ||
	    (out == NULL && cap != 0))
		return TALLY_EINVAL;
	cnt = s->n[dim];
	take = cap < cnt ? cap : cnt;
	*n = take;
	if (take == 0)
		return TALLY_OK;
	if (order == TALLY_ORDER_ID) {
		const tally_group *g = by_id(s, dim);

		if (g == NULL)
			return TALLY_ENOMEM;
		memcpy(out, g, take * sizeof(tally_group));
		return TALLY_OK;
	}
	/* The kernel's ids are 32-bit: beyond that, the full sort. */
	if (take < cnt && cnt <= UINT32_MAX)
		return rank_top(s->e, dim, s->g[dim], cnt, out, take);
	return rank_some(s->e, dim, s->g[dim], cnt, 0, cnt, out, take);
}
