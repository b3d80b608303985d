/*
 * engine/engine.c - engine lifecycle, batches, submission, flush.
 *
 * A submitted batch becomes a task of the work-stealing pool (pool.c): on
 * the submitting worker's own deque when a pool task submits it, through
 * the injection ring otherwise. The worker that runs it aggregates it into
 * its own partial and releases it to the batch pool.
 *
 * Batch memory is a detector pool (tally/detector.h, engine/detector.c),
 * the mechanism analyzers use for their own objects: per-thread magazines
 * of BATCH_MAG batches in front of a lock-free store, so a producer
 * acquires from its own cache and a worker releases into its own, and
 * they meet in the store a magazine at a time; idle batches beyond twice
 * the in-flight bound are freed. A thread that stops producing keeps up
 * to 2 * BATCH_MAG idle batches in its cache until it exits (they then go
 * to the store) or the engine is destroyed. Its memory comes from the
 * engine's allocator. Every batch is also on the `all` list (under plock,
 * touched only when one is created or freed), which destroy uses to free
 * the batches producers still hold.
 *
 * Invariants:
 *  1. A batch is in exactly one place: a producer's hands, the pool (a
 *     deque or the ring, see pool.c), a worker's hands, or the batch
 *     pool. Every batch is on `all` from creation until it is freed.
 *     Not asserted: where a batch is is known only across threads; the
 *     stress programs count every row, which a batch lost or run twice
 *     would change.
 *  2. inflight counts batches submitted to the pool and not yet finished;
 *     it never exceeds max_inflight. An outside submitter at the bound
 *     waits on room_seq (or gets TALLY_EAGAIN); a worker at the bound
 *     aggregates its batch in place (pool.c invariant 3), which needs no
 *     slot.
 *  3. Flush epochs. epoch (from 1) is the epoch new batches join and
 *     drained the highest epoch with nothing in flight; epoch is always
 *     drained + 1 (none draining) or drained + 2 (epoch drained + 1 closed,
 *     draining), so two counters, pending[epoch & 1], suffice. A submitter
 *     adds its batch to pending[ep & 1] and re-reads epoch; if it moved it
 *     takes the batch back out and retries, so a batch counts in epoch ep
 *     only if its count was visible before epoch left ep (all seq_cst).
 *     A flush reads target = epoch and, until drained >= target, closes
 *     the current epoch (CAS drained + 1 -> drained + 2) or waits for the
 *     closed one to reach zero and advances drained (CAS). Every batch
 *     whose submit returned before the flush began is in an epoch <=
 *     target. There is no lock, so nested and concurrent flushes cannot
 *     deadlock; a flush waits for at most two epochs' worth of batches,
 *     each bounded by max_inflight. Batches aggregated in place never
 *     enter a count: they are done before their submit returns.
 *  4. A violation is counted by the worker whose keyset insert won, under
 *     that worker's partial lock, which is held for the whole batch (the
 *     insert included): a publication's cut, which holds every partial
 *     lock at once (only to swap the partials, snapshot.c), sees whole
 *     batches, closed under "lost a dedup insert to". Not asserted: a
 *     plain mutex does not say who holds it; ingest_stress --pairs
 *     checks the cut.
 */
#include "engine/engine_structs.h"

#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/futex.h"
#include "kernels/kernels.h"
#include "tally/detector.h"

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

/*
 * Copy the caller's config. A config from a newer header is accepted when
 * the fields this version does not know are zero (their defaults), so a
 * newer caller never silently loses a setting it asked for.
 */
static int
config_read(tally_config *c, const tally_config *user)
{
	tally_config def = TALLY_CONFIG_INIT;
	/*
	 * 0.2.0's config, the first of this API, ends with @path_glob; a
	 * later version that adds fields still takes it, the new fields
	 * keeping their defaults.
	 */
	const size_t first = offsetof(tally_config, path_glob) +
	    sizeof(user->path_glob);

	*c = def;
	if (user == NULL)
		return TALLY_OK;
	if (user->struct_size < first)
		return TALLY_EINVAL;
	for (size_t i = sizeof(tally_config); i < user->struct_size; i++) {
		if (((const unsigned char *)user)[i] != 0)
			return TALLY_EINVAL;
	}
	memcpy(c, user, user->struct_size < sizeof(*c) ? user->struct_size :
	    sizeof(*c));
	c->struct_size = sizeof(*c);
	if (c->batch_capacity % 64 != 0 || c->batch_capacity > TALLYI_BATCH_MAX)
		return TALLY_EINVAL;
	if (c->flags & ~(TALLY_SUBMIT_NONBLOCK | TALLY_POOL_PIN))
		return TALLY_EINVAL;
	if (c->workers > 256)
		return TALLY_EINVAL;
	if (c->min_level >= TALLY_LEVEL_COUNT)
		return TALLY_EINVAL;
	return TALLY_OK;
}

static unsigned
default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n <= 1)
		return 1;
	if ((unsigned long)n - 1 > TALLYI_WORKERS_MAX)
		return TALLYI_WORKERS_MAX;
	return (unsigned)n - 1;
}

/* ------------------------------------------------------------------ */
/* Batches                                                             */

static size_t
col_bytes(uint32_t cap, size_t elem)
{
	return ((size_t)cap * elem + TALLY_CACHELINE - 1) &
	    ~(size_t)(TALLY_CACHELINE - 1);
}

/* A batch's bytes: the header, then its columns, each on its own lines. */
static size_t
batch_size(uint32_t cap)
{
	return col_bytes(1, sizeof(tally_batch)) + 7 * col_bytes(cap, 4) +
	    2 * col_bytes(cap, 8) + 2 * col_bytes(cap, 1);
}

/* The batch pool's create: lay a batch out in @obj, and list it. */
static int
batch_create(void *obj, void *arg)
{
	tally_engine *e = arg;
	uint32_t cap = e->batch_cap;
	tally_batch *b = obj;
	char *p = (char *)obj + col_bytes(1, sizeof(tally_batch));

	memset(b, 0, sizeof(*b));
	b->e = e;
	b->cap = cap;
	b->alloc_size = batch_size(cap);
	b->tool = (uint32_t *)p, p += col_bytes(cap, 4);
	b->rule = (uint32_t *)p, p += col_bytes(cap, 4);
	b->file = (uint32_t *)p, p += col_bytes(cap, 4);
	b->message = (uint32_t *)p, p += col_bytes(cap, 4);
	b->line = (uint32_t *)p, p += col_bytes(cap, 4);
	b->column = (uint32_t *)p, p += col_bytes(cap, 4);
	b->offset = (uint64_t *)p, p += col_bytes(cap, 8);
	b->fp = (uint64_t *)p, p += col_bytes(cap, 8);
	b->sel = (uint32_t *)p, p += col_bytes(cap, 4);
	b->level = (uint8_t *)p, p += col_bytes(cap, 1);
	b->is_new = (uint8_t *)p;
	pthread_mutex_lock(&e->plock);
	b->all_prev = NULL;
	b->all_next = e->all;
	if (e->all != NULL)
		e->all->all_prev = b;
	e->all = b;
	pthread_mutex_unlock(&e->plock);
	return TALLY_OK;
}

/* The batch pool's destroy (an idle batch past the budget): unlist it. */
static void
batch_destroy(void *obj, void *arg)
{
	tally_engine *e = arg;
	tally_batch *b = obj;

	pthread_mutex_lock(&e->plock);
	if (b->all_prev != NULL)
		b->all_prev->all_next = b->all_next;
	else
		e->all = b->all_next;
	if (b->all_next != NULL)
		b->all_next->all_prev = b->all_prev;
	pthread_mutex_unlock(&e->plock);
}

/*
 * The batch pool: magazines of BATCH_MAG (a batch of 4,096 rows is 188
 * KiB, so a thread caches at most 2 * BATCH_MAG of them), memory from the
 * engine's own allocator (so destroy can free the batches a producer
 * still holds), idle batches beyond twice the in-flight bound destroyed.
 */
#define BATCH_MAG 4u

static int
batch_pool_init(tally_engine *e)
{
	tally_detector_type t = TALLY_DETECTOR_TYPE_INIT;

	t.name = "tally batch";
	t.object_size = batch_size(e->batch_cap);
	t.create = batch_create;
	t.destroy = batch_destroy;
	t.arg = e;
	t.idle_budget = 2 * e->max_inflight;
	t.magazine = BATCH_MAG;
	return tally_detector_pool_create(&t, &e->mem.a, &e->batches);
}

int
tally_batch_acquire(tally_engine *e, tally_batch **out)
{
	tally_batch *b;
	int rc;

	if (e == NULL || out == NULL)
		return TALLY_EINVAL;
	if (tallyi_load_int(&e->failed, TALLY_ACQUIRE) != 0)
		return TALLY_ESTATE;
	rc = tally_detector_acquire(e->batches, (void **)&b);
	if (rc != TALLY_OK)
		return rc; /* TALLY_ENOMEM: no limit is set, so never EFULL */
	b->next = NULL;
	b->count = 0;
	b->nsup = 0;
	*out = b;
	return TALLY_OK;
}

void
tally_batch_discard(tally_engine *e, tally_batch *b)
{
	if (b == NULL)
		return;
	TALLY_ASSERT(b->e == e);
	tally_detector_release(e->batches, b);
}

/* Whether @v's ids are below the limits cached in @b. */
static bool
ids_below(const tally_batch *b, const tally_violation *v)
{
	return v->tool < b->lim[TALLY_STR_TOOL] &&
	    v->rule < b->lim[TALLY_STR_RULE] &&
	    v->file < b->lim[TALLY_STR_FILE] &&
	    v->message < b->lim[TALLY_STR_MESSAGE];
}

/*
 * The ids a batch accepts: below each kind's count when last looked at.
 * Counts only grow, so a cached limit can only refuse too much, never
 * too little; a refused id re-reads the counts before it is called bad.
 */
static bool
ids_known(tally_batch *b, const tally_violation *v)
{
	if (TALLY_CC_LIKELY(ids_below(b, v)))
		return true;
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++)
		b->lim[k] = tallyi_strtab_count(&b->e->str[k]);
	return ids_below(b, v);
}

int
tally_batch_append(tally_batch *b, const tally_violation *v)
{
	uint32_t i = b->count;
	uint64_t sup;

	if (TALLY_CC_UNLIKELY(i >= b->cap))
		return TALLY_EFULL;
	/*
	 * Ids index the workers' dense count arrays, so an id the engine never
	 * handed out is refused here, at the edge, where the caller can
	 * still be told. So are unknown flags, and offsets that would reach
	 * the bit that carries the suppressed flag (TALLYI_OFF_SUPPRESSED).
	 */
	if (TALLY_CC_UNLIKELY(!ids_known(b, v) || v->level >= TALLY_LEVEL_COUNT ||
	    ((v->flags & ~TALLY_VIOLATION_SUPPRESSED) |
	    (v->offset & TALLYI_OFF_SUPPRESSED)) != 0))
		return TALLY_ERANGE;
	sup = v->flags & TALLY_VIOLATION_SUPPRESSED; /* 0 or 1 */
	b->tool[i] = v->tool;
	b->rule[i] = v->rule;
	b->file[i] = v->file;
	b->message[i] = v->message;
	b->line[i] = v->line;
	b->column[i] = v->column;
	b->offset[i] = v->offset | sup << 63;
	b->level[i] = v->level;
	b->nsup += (uint32_t)sup;
	b->count = i + 1;
	return TALLY_OK;
}

static uint32_t
column_max(const uint32_t *v, uint32_t n)
{
	uint32_t m = 0;

	for (uint32_t i = 0; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

int
tally_batch_append_columns(tally_batch *b, const tally_columns *c,
    uint32_t n)
{
	uint32_t at = b->count, maxlevel = 0, nsup = 0;
	uint64_t offbits = 0;
	unsigned flagbits = 0;
	tally_violation top;

	if (c == NULL)
		return TALLY_EINVAL;
	if (n > b->cap - at)
		return TALLY_EFULL;
	if (n == 0)
		return TALLY_OK;
	/*
	 * One check per column: the largest id of each must be known, every
	 * level a level, every flag known and no offset reach bit 63.
	 */
	top = (tally_violation){ column_max(c->tool, n), column_max(c->rule, n),
		column_max(c->file, n), column_max(c->message, n), 0, 0, 0, 0,
		0 };
	for (uint32_t i = 0; i < n; i++)
		maxlevel = c->level[i] > maxlevel ? c->level[i] : maxlevel;
	for (uint32_t i = 0; c->offset != NULL && i < n; i++)
		offbits |= c->offset[i];
	for (uint32_t i = 0; c->flags != NULL && i < n; i++) {
		flagbits |= c->flags[i];
		nsup += c->flags[i] & TALLY_VIOLATION_SUPPRESSED;
	}
	if (!ids_known(b, &top) || maxlevel >= TALLY_LEVEL_COUNT ||
	    (flagbits & ~TALLY_VIOLATION_SUPPRESSED) != 0 ||
	    (offbits & TALLYI_OFF_SUPPRESSED) != 0)
		return TALLY_ERANGE;
	memcpy(b->tool + at, c->tool, n * sizeof(uint32_t));
	memcpy(b->rule + at, c->rule, n * sizeof(uint32_t));
	memcpy(b->file + at, c->file, n * sizeof(uint32_t));
	memcpy(b->message + at, c->message, n * sizeof(uint32_t));
	memcpy(b->line + at, c->line, n * sizeof(uint32_t));
	memcpy(b->column + at, c->column, n * sizeof(uint32_t));
	if (c->offset != NULL)
		memcpy(b->offset + at, c->offset, n * sizeof(uint64_t));
	else
		memset(b->offset + at, 0, n * sizeof(uint64_t));
	for (uint32_t i = 0; nsup != 0 && i < n; i++)
		b->offset[at + i] |= (uint64_t)(c->flags[i] &
		    TALLY_VIOLATION_SUPPRESSED) << 63;
	memcpy(b->level + at, c->level, n);
	b->nsup += nsup;
	b->count = at + n;
	return TALLY_OK;
}

uint32_t
tally_batch_count(const tally_batch *b)
{
	return b->count;
}

uint32_t
tally_batch_capacity(const tally_batch *b)
{
	return b->cap;
}

/* ------------------------------------------------------------------ */
/* Submission, aggregation, flush                                      */

static void
fail(tally_engine *e, int rc)
{
	int zero = 0;

	if (!tallyi_cas_int(&e->failed, &zero, rc, TALLY_ACQ_REL))
		return;
	/* Wake everyone who waits for something that may now never come. */
	tallyi_wake_all(&e->room_seq);
	tallyi_futex_wake(&e->pending[0], INT_MAX);
	tallyi_futex_wake(&e->pending[1], INT_MAX);
}

/* Pack rows @sel[0..m) of @b's columns to the front (sel ascending). */
static void
pack_rows(tally_batch *b, const uint32_t *sel, size_t m)
{
	for (size_t j = 0; j < m; j++) { /* sel[j] >= j: in place */
		uint32_t i = sel[j];

		b->tool[j] = b->tool[i];
		b->rule[j] = b->rule[i];
		b->file[j] = b->file[i];
		b->message[j] = b->message[i];
		b->line[j] = b->line[i];
		b->column[j] = b->column[i];
		b->offset[j] = b->offset[i];
		b->level[j] = b->level[i];
	}
}

/*
 * Classify file ids below @lim against the path glob in @w's own file set.
 * Each worker keeps its own: it is read by the kernel with plain loads and
 * written by its owner only, so no file set is shared with a writer. A
 * file id is classified by the first batch that holds an id at or above it
 * (ids below a batch's limit are published, so their names can be read
 * without a lock), once per worker. Return: TALLY_OK or TALLY_ENOMEM.
 */
static int
fileset_extend(tally_engine *e, tallyi_worker *w, uint32_t lim)
{
	size_t need = ((size_t)lim + 63) / 64;

	if (lim <= w->fset_bits)
		return TALLY_OK;
	if (need > w->fset_words) {
		size_t words = w->fset_words ? w->fset_words : 64;
		uint64_t *v;

		while (words < need)
			words *= 2;
		v = tallyi_zalloc(&e->mem, words * sizeof(uint64_t));
		if (v == NULL)
			return TALLY_ENOMEM;
		if (w->fset != NULL) {
			memcpy(v, w->fset, w->fset_words * sizeof(uint64_t));
			tallyi_free(&e->mem, w->fset,
			    w->fset_words * sizeof(uint64_t));
		}
		w->fset = v;
		w->fset_words = words;
	}
	for (uint32_t f = w->fset_bits; f < lim; f++) {
		const tallyi_strent *ent = tallyi_strtab_entry(
		    &e->str[TALLY_STR_FILE], f);

		if (fnmatch(e->path_glob, ent->p, 0) == 0)
			w->fset[f / 64] |= (uint64_t)1 << (f % 64);
	}
	w->fset_bits = lim;
	return TALLY_OK;
}

/*
 * The engine's filters (tally_config min_level, path_glob), first thing
 * on a batch: the selection kernels over the level and file columns keep
 * the rows that pass, packed to the front, so a row left out is neither
 * deduplicated nor counted. @n: rows in, rows kept out.
 * Return: TALLY_OK or TALLY_ENOMEM (the file set could not grow).
 */
static int
filter_rows(tally_engine *e, tallyi_worker *w, tally_batch *b,
    const tallyk_table *k, uint32_t *n)
{
	size_t m = *n, kept;
	int rc;

	if (e->min_level > TALLY_LEVEL_NONE) {
		kept = k->select_level_ge(b->level, m, e->min_level, b->sel);
		if (kept < m)
			pack_rows(b, b->sel, kept);
		m = kept;
	}
	if (e->path_glob != NULL && m != 0) {
		rc = fileset_extend(e, w, b->lim[TALLY_STR_FILE]);
		if (rc != TALLY_OK)
			return rc;
		kept = k->select_file_in(b->file, m, w->fset, w->fset_bits,
		    b->sel);
		if (kept < m)
			pack_rows(b, b->sel, kept);
		m = kept;
	}
	*n = (uint32_t)m;
	return TALLY_OK;
}

/* Rows whose offset carries TALLYI_OFF_SUPPRESSED (debug checks). */
static uint32_t
rows_flagged(const uint64_t *offset, uint32_t n)
{
	uint32_t c = 0;

	for (uint32_t i = 0; i < n; i++)
		c += (uint32_t)(offset[i] >> 63);
	return c;
}

/*
 * Take the suppressed rows out of the winners of a dedup insert: clear
 * their is_new byte (0 or 1) and return how many there were. Branch-free:
 * bit 63 of the offset is the flag (TALLYI_OFF_SUPPRESSED).
 */
static uint64_t
split_suppressed(const uint64_t *offset, uint8_t *is_new, size_t n)
{
	uint64_t sup = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t s = (uint8_t)(offset[i] >> 63) & is_new[i];

		is_new[i] ^= s;
		sup += s;
	}
	return sup;
}

/*
 * Aggregate one batch into the worker's partial: fingerprint every row,
 * insert the keys into the shared lock-free set, select the rows that won
 * (a selection vector), pack their columns in place and count them. The
 * partial's lock covers the insert too (invariant 4). Every step past the
 * fingerprint is a whole-column kernel; the batch is recycled afterwards,
 * so packing its columns costs nothing. Suppressed rows that win are
 * counted in agg.suppressed only, and are left out of the selection; a
 * batch with none (nsup == 0, a bound that holds after the filters too)
 * skips that pass.
 */
static int
process_batch(tally_engine *e, tallyi_worker *w, tally_batch *b)
{
	const tallyk_table *k = tallyk_kernels();
	tallyk_keycols cols = { b->tool, b->rule, b->file, b->message,
		b->line, b->column, b->offset };
	uint32_t n = b->count;
	size_t m;
	int rc;

	/* pool.c invariant 2: always into a worker's own partial. */
	TALLY_ASSERT(w != NULL && tallyi_pool_self(e) == w);
	/* The flag count append keeps is exact: skipping on 0 loses none. */
	TALLY_ASSERT(rows_flagged(b->offset, n) == b->nsup);
	if (e->min_level > TALLY_LEVEL_NONE || e->path_glob != NULL) {
		rc = filter_rows(e, w, b, k, &n);
		if (rc != TALLY_OK)
			return rc;
	}
	k->fingerprint(&cols, n, b->fp);
	pthread_mutex_lock(&w->lock);
	/* Ids are below the batch's limits (ids_known()), so this covers
	 * every id and pair the batch can count: counting cannot fail. */
	rc = tallyi_agg_reserve(&w->agg, &e->mem, b->lim[TALLY_STR_TOOL],
	    b->lim[TALLY_STR_FILE], n);
	if (rc != TALLY_OK) {
		pthread_mutex_unlock(&w->lock);
		return rc;
	}
	/* On ENOMEM the rows inserted so far are still counted. */
	rc = tallyi_keyset_insert_bulk(&e->keys, &cols, b->fp, n, b->is_new);
	if (b->nsup != 0)
		w->agg.suppressed += split_suppressed(b->offset, b->is_new, n);
	m = k->select_level_ge(b->is_new, n, 1, b->sel);
	if (m < n) {
		for (size_t j = 0; j < m; j++) { /* sel[j] >= j: in place */
			uint32_t i = b->sel[j];

			b->tool[j] = b->tool[i];
			b->rule[j] = b->rule[i];
			b->file[j] = b->file[i];
			b->level[j] = b->level[i];
		}
	}
	tallyi_agg_count_rows(&w->agg, k, b->tool, b->rule, b->file, b->level,
	    m);
	w->agg.read += n;
	pthread_mutex_unlock(&w->lock);
	return rc;
}

/* Take an in-flight slot if one is free (invariant 2). */
static bool
room_take(tally_engine *e)
{
	uint32_t n = tallyi_load_u32(&e->inflight, TALLY_RELAXED);

	do {
		if (n >= e->max_inflight)
			return false;
	} while (!tallyi_cas_u32(&e->inflight, &n, n + 1, TALLY_ACQUIRE));
	return true;
}

static void
room_give(tally_engine *e)
{
	uint32_t n = tallyi_fetch_sub_u32(&e->inflight, 1, TALLY_RELEASE);

	/* Invariant 2: one slot given back per slot taken. */
	TALLY_ASSERT(n >= 1 && n <= e->max_inflight);
	tallyi_fence_seq_cst(); /* free the slot, then look for waiters */
	if (tallyi_load_u32(&e->room_waiters, TALLY_RELAXED) != 0) {
		tallyi_fetch_add_u32(&e->room_seq, 1, TALLY_RELEASE);
		tallyi_futex_wake(&e->room_seq, 1);
	}
}

/* An outside submitter sleeps until it gets a slot or the engine fails. */
static int
room_wait(tally_engine *e)
{
	int rc = TALLY_OK;

	/* pool.c invariant 3: a worker never sleeps for room. */
	TALLY_ASSERT(tallyi_pool_self(e) == NULL);
	tallyi_fetch_add_u32(&e->room_waiters, 1, TALLY_SEQ_CST);
	for (;;) {
		uint32_t seq = tallyi_load_u32(&e->room_seq, TALLY_ACQUIRE);

		tallyi_fence_seq_cst();
		if (room_take(e))
			break;
		if (tallyi_load_int(&e->failed, TALLY_ACQUIRE) != 0) {
			rc = TALLY_ESTATE;
			break;
		}
		tallyi_futex_wait(&e->room_seq, seq, 0);
	}
	tallyi_fetch_sub_u32(&e->room_waiters, 1, TALLY_RELAXED);
	return rc;
}

static void
epoch_leave(tally_engine *e, unsigned p)
{
	uint32_t n = tallyi_fetch_sub_u32(&e->pending[p], 1, TALLY_RELEASE);

	/* Invariant 3: a batch leaves the count it entered, once. */
	TALLY_ASSERT(n != 0);
	if (n != 1)
		return;
	tallyi_fence_seq_cst();
	if (tallyi_load_u32(&e->flush_waiting, TALLY_RELAXED) != 0)
		tallyi_futex_wake(&e->pending[p], INT_MAX);
}

/* Count a batch in the current flush epoch (invariant 3). */
static unsigned
epoch_enter(tally_engine *e)
{
	for (;;) {
		uint64_t ep = tallyi_load_u64(&e->epoch, TALLY_SEQ_CST);

		tallyi_fetch_add_u32(&e->pending[ep & 1], 1, TALLY_SEQ_CST);
		if (tallyi_load_u64(&e->epoch, TALLY_SEQ_CST) == ep)
			return ep & 1;
		epoch_leave(e, ep & 1);
	}
}

/* The pool runs this for every submitted batch. */
static void
run_batch(tallyi_task *t, tallyi_worker *w)
{
	tally_batch *b = (tally_batch *)t;
	tally_engine *e = b->e;
	unsigned p = b->epoch;
	int rc = process_batch(e, w, b);

	if (TALLY_CC_UNLIKELY(rc != TALLY_OK))
		fail(e, rc);
	tally_detector_release(e->batches, b);
	room_give(e);
	epoch_leave(e, p);
}

int
tally_batch_submit(tally_engine *e, tally_batch *b)
{
	tallyi_worker *w;
	int rc;

	if (e == NULL || b == NULL || b->e != e)
		return TALLY_EINVAL;
	w = tallyi_pool_self(e);
	if (b->count == 0) {
		tally_detector_release(e->batches, b);
		return TALLY_OK;
	}
	if (tallyi_load_int(&e->failed, TALLY_ACQUIRE) != 0 ||
	    (w == NULL && tallyi_load_u32(&e->stopping, TALLY_ACQUIRE)))
		return TALLY_ESTATE;
	if (!room_take(e)) {
		if (w != NULL)
			goto in_place;
		if (e->flags & TALLY_SUBMIT_NONBLOCK)
			return TALLY_EAGAIN;
		rc = room_wait(e);
		if (rc != TALLY_OK)
			return rc;
	}
	b->epoch = epoch_enter(e);
	b->task.run = run_batch;
	b->task.g = NULL;
	/*
	 * The ring can be full of tasks even though this batch has a slot:
	 * then a blocking submitter yields until it drains; a non-blocking
	 * one gets TALLY_EAGAIN back with its batch.
	 */
	rc = tallyi_pool_push(e, w, &b->task);
	if (rc == TALLY_OK)
		return TALLY_OK;
	epoch_leave(e, b->epoch);
	room_give(e);
	if (w == NULL)
		return rc;
in_place:
	/* A worker at the bound, or out of deque memory, aggregates here. */
	rc = process_batch(e, w, b);
	if (TALLY_CC_UNLIKELY(rc != TALLY_OK))
		fail(e, rc);
	tally_detector_release(e->batches, b);
	return TALLY_OK;
}

/*
 * Wait until epoch @x (closed: epoch > x) has no batch in flight. A worker
 * runs tasks meanwhile (pool.c invariant 3); anyone else sleeps.
 */
static void
epoch_drain(tally_engine *e, tallyi_worker *w, uint64_t x)
{
	tallyi_atomic_u32 *pend = &e->pending[x & 1];

	tallyi_fetch_add_u32(&e->flush_waiting, 1, TALLY_SEQ_CST);
	for (;;) {
		uint32_t n;

		tallyi_fence_seq_cst();
		n = tallyi_load_u32(pend, TALLY_ACQUIRE);
		if (n == 0 || tallyi_load_int(&e->failed, TALLY_ACQUIRE) != 0)
			break;
		if (w == NULL)
			tallyi_futex_wait(pend, n, 0);
		else if (!tallyi_pool_help(e, w))
			sched_yield();
	}
	tallyi_fetch_sub_u32(&e->flush_waiting, 1, TALLY_RELAXED);
}

/*
 * Flush without a lock (invariant 3): close epochs one at a time until the
 * one that was current when the flush began is drained. Any number of
 * flushes, nested ones included (a task that flushes, run by a worker that
 * is helping inside another flush), cooperate on the same two counters.
 */
int
tally_engine_flush(tally_engine *e)
{
	tallyi_worker *w;
	uint64_t target;

	if (e == NULL)
		return TALLY_EINVAL;
	w = tallyi_pool_self(e);
	target = tallyi_load_u64(&e->epoch, TALLY_SEQ_CST);
	while (tallyi_load_int(&e->failed, TALLY_ACQUIRE) == 0) {
		uint64_t d = tallyi_load_u64(&e->drained, TALLY_SEQ_CST);
		uint64_t cur = tallyi_load_u64(&e->epoch, TALLY_SEQ_CST);

		/* Invariant 3: epoch is drained + 1 or + 2; d, read first,
		 * may be stale, but only low. */
		TALLY_ASSERT(cur > d);
		if (d >= target)
			break;
		if (cur == d + 1) {
			/* Nothing draining: close the current epoch. */
			(void)tallyi_cas_u64(&e->epoch, &cur, d + 2,
			    TALLY_SEQ_CST);
		} else if (cur == d + 2) {
			/* Epoch d + 1 is closed: wait for it, then record. */
			epoch_drain(e, w, d + 1);
			(void)tallyi_cas_u64(&e->drained, &d, d + 1,
			    TALLY_SEQ_CST);
		}
		/* else d was stale: read again */
	}
	if (tallyi_load_int(&e->failed, TALLY_ACQUIRE) != 0)
		return tallyi_load_int(&e->failed, TALLY_ACQUIRE);
	/* Tables the dedup set outgrew go back now, not at the next insert. */
	tallyi_keyset_reclaim(&e->keys);
	/* The next acquire publishes what this flush drained (snapshot.c). */
	tallyi_fetch_add_u64(&e->flush_gen, 1, TALLY_SEQ_CST);
	return TALLY_OK;
}

unsigned
tally_engine_workers(const tally_engine *e)
{
	return e->nworkers;
}

/* ------------------------------------------------------------------ */
/* Strings                                                             */

int
tally_engine_tool_intern(tally_engine *e, const char *name, size_t name_len,
    const char *version, size_t version_len, uint32_t *id)
{
	int rc;

	if (e == NULL || id == NULL || (name == NULL && name_len != 0) ||
	    (version == NULL && version_len != 0))
		return TALLY_EINVAL;
	rc = tallyi_strtab_intern(&e->str[TALLY_STR_TOOL],
	    name != NULL ? name : "", name_len, id);
	if (rc == TALLY_OK && version_len != 0)
		rc = tallyi_strtab_set_aux(&e->str[TALLY_STR_TOOL], *id,
		    version, version_len);
	return rc;
}

int
tally_engine_string_intern(tally_engine *e, tally_strkind kind, const char *s,
    size_t len, uint32_t *id)
{
	if (e == NULL || id == NULL || (s == NULL && len != 0) ||
	    kind <= TALLY_STR_TOOL || kind >= TALLY_STR_KIND_COUNT)
		return TALLY_EINVAL;
	return tallyi_strtab_intern(&e->str[kind], s != NULL ? s : "", len, id);
}

const char *
tally_engine_string_lookup(const tally_engine *e, tally_strkind kind, uint32_t id,
    size_t *len)
{
	const tallyi_strent *ent;

	if (e == NULL || (unsigned)kind >= TALLY_STR_KIND_COUNT ||
	    id >= tallyi_strtab_count(&e->str[kind]))
		return NULL;
	ent = tallyi_strtab_entry(&e->str[kind], id);
	if (len != NULL)
		*len = ent->len;
	return ent->p;
}

const char *
tally_engine_tool_version(const tally_engine *e, uint32_t id, size_t *len)
{
	const tallyi_strent *ent;
	const tallyi_straux *aux;

	if (e == NULL || id >= tallyi_strtab_count(&e->str[TALLY_STR_TOOL]))
		return NULL;
	ent = tallyi_strtab_entry(&e->str[TALLY_STR_TOOL], id);
	aux = tallyi_load_ptr(&ent->aux, TALLY_ACQUIRE);
	if (len != NULL)
		*len = aux != NULL ? aux->len : 0;
	return aux != NULL ? aux->s : "";
}

uint32_t
tally_engine_string_count(const tally_engine *e, tally_strkind kind)
{
	if (e == NULL || (unsigned)kind >= TALLY_STR_KIND_COUNT)
		return 0;
	return tallyi_strtab_count(&e->str[kind]);
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */

static void
engine_free(tally_engine *e)
{
	tallyi_mem mem = e->mem;

	tallyi_snapshot_fini(e); /* first: it still reads the workers */
	tallyi_pool_fini(e);
	if (e->workers != NULL) {
		for (unsigned i = 0; i < e->nworkers; i++) {
			tallyi_agg_fini(&e->workers[i].agg, &mem);
			tallyi_free(&mem, e->workers[i].fset,
			    e->workers[i].fset_words * sizeof(uint64_t));
			pthread_mutex_destroy(&e->workers[i].lock);
		}
		tallyi_free(&mem, e->workers,
		    e->nworkers * sizeof(tallyi_worker));
	}
	/* Idle batches go with the pool; what is left producers held. */
	tally_detector_pool_destroy(e->batches);
	while (e->all != NULL) {
		tally_batch *b = e->all;

		e->all = b->all_next;
		tallyi_free(&mem, b, b->alloc_size);
	}
	tallyi_keyset_fini(&e->keys);
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++)
		tallyi_strtab_fini(&e->str[k]);
	pthread_mutex_destroy(&e->plock);
	tallyi_free(&mem, e->path_glob, e->path_glob_size);
	tallyi_free(&mem, e, sizeof(*e));
	tallyi_mem_fini(&mem);
}

int
tally_engine_create(tally_engine **out, const tally_config *user)
{
	tally_config cfg;
	tallyi_mem mem;
	tally_engine *e;
	int rc;

	if (out == NULL)
		return TALLY_EINVAL;
	rc = config_read(&cfg, user);
	if (rc != TALLY_OK)
		return rc;
	rc = tallyi_mem_init(&mem, cfg.allocator);
	if (rc != TALLY_OK)
		return rc;
	e = tallyi_zalloc(&mem, sizeof(*e));
	if (e == NULL) {
		tallyi_mem_fini(&mem);
		return TALLY_ENOMEM;
	}
	e->mem = mem;
	tallyi_snapshot_early(e);
	e->interval_ms = cfg.snapshot_interval_ms;
	e->on_snapshot = cfg.on_snapshot;
	e->on_snapshot_arg = cfg.on_snapshot_arg;
	e->nworkers = cfg.workers ? cfg.workers : default_workers();
	e->batch_cap = cfg.batch_capacity ? cfg.batch_capacity :
	    TALLYI_BATCH_DEFAULT;
	e->max_inflight = cfg.max_inflight ? cfg.max_inflight :
	    4 * e->nworkers;
	e->flags = cfg.flags;
	e->min_level = (uint8_t)cfg.min_level;

	/*
	 * Every init below is paired with a fini in engine_free(), and each
	 * fini accepts the zeroed state, so a failure part way through can
	 * hand the half-built engine to engine_free().
	 */
	tallyi_store_u64(&e->epoch, 1, TALLY_RELAXED);
	pthread_mutex_init(&e->plock, NULL);
	if (cfg.path_glob != NULL) {
		e->path_glob_size = strlen(cfg.path_glob) + 1;
		e->path_glob = tallyi_alloc(&e->mem, e->path_glob_size);
		if (e->path_glob != NULL)
			memcpy(e->path_glob, cfg.path_glob, e->path_glob_size);
	}
	rc = cfg.path_glob != NULL && e->path_glob == NULL ? TALLY_ENOMEM :
	    tallyi_keyset_init(&e->keys, &e->mem, cfg.expected_unique);
	if (rc == TALLY_OK)
		rc = batch_pool_init(e);
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT && rc == TALLY_OK; k++)
		rc = tallyi_strtab_init(&e->str[k], &e->mem);
	if (rc == TALLY_OK) {
		e->workers = tallyi_zalloc(&e->mem,
		    e->nworkers * sizeof(tallyi_worker));
		if (e->workers == NULL)
			rc = TALLY_ENOMEM;
	}
	for (unsigned i = 0; rc == TALLY_OK && i < e->nworkers; i++) {
		pthread_mutex_init(&e->workers[i].lock, NULL);
		tallyi_agg_init(&e->workers[i].agg);
	}
	if (rc == TALLY_OK)
		rc = tallyi_snapshot_init(e);
	if (rc == TALLY_OK)
		rc = tallyi_pool_init(e);
	if (rc == TALLY_OK)
		rc = tallyi_pool_start(e);
	if (rc == TALLY_OK)
		rc = tallyi_snapshot_start(e);
	if (rc != TALLY_OK) {
		tallyi_snapshot_stop(e);
		tallyi_pool_stop(e);
		engine_free(e);
		return rc;
	}
	*out = e;
	return TALLY_OK;
}

void
tally_engine_destroy(tally_engine *e)
{
	if (e == NULL)
		return;
	(void)tally_engine_flush(e);
	tallyi_snapshot_stop(e);
	tallyi_pool_stop(e); /* runs every task still queued, then joins */
	engine_free(e);
}
