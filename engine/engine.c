/*
 * engine/engine.c - engine lifecycle, batches, the worker set, flush.
 *
 * This is the simple worker set of v0: one mutex-guarded FIFO of submitted
 * batches feeding N worker threads. The API it implements is the one the
 * lock-free pipeline (injection ring + work-stealing deques) will keep.
 *
 * Invariants (all counters under qlock):
 *  1. A batch is in exactly one place: owned by a producer, in the queue, in
 *     a worker's hands, or in the pool. Every batch is on the `all` list from
 *     allocation to destroy.
 *  2. inflight = batches in the queue + batches in workers' hands, and
 *     never exceeds max_inflight; submit waits (or returns TALLY_EAGAIN) for
 *     room.
 *  3. Batches get seq = 1, 2, 3, ... in submission order and the queue is
 *     FIFO, so every batch with seq < min(head seq, busy worker seqs) is
 *     finished. tally_engine_flush() waits until that bound passes the last
 *     seq handed out before it started.
 *  4. A violation is counted by the worker whose keyset insert won, under
 *     that worker's partial lock, which is held for the whole batch (the
 *     insert included): a snapshot, which holds every partial lock at once,
 *     sees whole batches, closed under "lost a dedup insert to".
 */
#include "engine/engine_structs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels/kernels.h"

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

	*c = def;
	if (user == NULL)
		return TALLY_OK;
	if (user->struct_size < sizeof(tally_config)) {
		/* Every v0.1 field is required: there is no older version. */
		return TALLY_EINVAL;
	}
	for (size_t i = sizeof(tally_config); i < user->struct_size; i++) {
		if (((const unsigned char *)user)[i] != 0)
			return TALLY_EINVAL;
	}
	memcpy(c, user, sizeof(*c));
	c->struct_size = sizeof(*c);
	if (c->batch_capacity % 64 != 0 || c->batch_capacity > TALLYI_BATCH_MAX)
		return TALLY_EINVAL;
	if (c->flags & ~TALLY_SUBMIT_NONBLOCK)
		return TALLY_EINVAL;
	if (c->workers > 256)
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

static tally_batch *
batch_new(tally_engine *e)
{
	uint32_t cap = e->batch_cap;
	size_t hdr = col_bytes(1, sizeof(tally_batch));
	size_t size = hdr + 7 * col_bytes(cap, 4) + 2 * col_bytes(cap, 8) +
	    2 * col_bytes(cap, 1);
	char *p = tallyi_alloc(&e->mem, size);
	tally_batch *b = (tally_batch *)p;

	if (p == NULL)
		return NULL;
	memset(b, 0, sizeof(*b));
	b->e = e;
	b->cap = cap;
	b->alloc_size = size;
	p += hdr;
	b->tool = (uint32_t *)p, p += col_bytes(cap, 4);
	b->rule = (uint32_t *)p, p += col_bytes(cap, 4);
	b->file = (uint32_t *)p, p += col_bytes(cap, 4);
	b->message = (uint32_t *)p, p += col_bytes(cap, 4);
	b->line = (uint32_t *)p, p += col_bytes(cap, 4);
	b->column = (uint32_t *)p, p += col_bytes(cap, 4);
	b->offset = (uint64_t *)p, p += col_bytes(cap, 8);
	b->fp = (uint64_t *)p, p += col_bytes(cap, 8);
	b->order = (uint32_t *)p, p += col_bytes(cap, 4);
	b->level = (uint8_t *)p, p += col_bytes(cap, 1);
	b->is_new = (uint8_t *)p;
	return b;
}

int
tally_batch_acquire(tally_engine *e, tally_batch **out)
{
	tally_batch *b;

	if (e == NULL || out == NULL)
		return TALLY_EINVAL;
	if (tallyi_load_int(&e->failed, TALLY_ACQUIRE) != 0)
		return TALLY_ESTATE;
	pthread_mutex_lock(&e->plock);
	b = e->pool;
	if (b != NULL) {
		e->pool = b->next;
	} else {
		b = batch_new(e);
		if (b != NULL) {
			b->all_next = e->all;
			e->all = b;
		}
	}
	pthread_mutex_unlock(&e->plock);
	if (b == NULL)
		return TALLY_ENOMEM;
	b->next = NULL;
	b->count = 0;
	*out = b;
	return TALLY_OK;
}

static void
batch_recycle(tally_engine *e, tally_batch *b)
{
	pthread_mutex_lock(&e->plock);
	b->next = e->pool;
	e->pool = b;
	pthread_mutex_unlock(&e->plock);
}

void
tally_batch_discard(tally_engine *e, tally_batch *b)
{
	if (b == NULL)
		return;
	TALLY_ASSERT(b->e == e);
	batch_recycle(e, b);
}

int
tally_batch_append(tally_batch *b, const tally_violation *v)
{
	const tally_engine *e = b->e;
	uint32_t i = b->count;

	if (TALLY_CC_UNLIKELY(i >= b->cap))
		return TALLY_EFULL;
	/*
	 * Ids index the workers' dense count arrays, so an id the engine never
	 * handed out is refused here, at the edge, where the caller can
	 * still be told.
	 */
	if (TALLY_CC_UNLIKELY(
	    v->tool >= tallyi_strtab_count(&e->str[TALLY_STR_TOOL]) ||
	    v->rule >= tallyi_strtab_count(&e->str[TALLY_STR_RULE]) ||
	    v->file >= tallyi_strtab_count(&e->str[TALLY_STR_FILE]) ||
	    v->message >= tallyi_strtab_count(&e->str[TALLY_STR_MESSAGE]) ||
	    v->level >= TALLY_LEVEL_COUNT))
		return TALLY_ERANGE;
	b->tool[i] = v->tool;
	b->rule[i] = v->rule;
	b->file[i] = v->file;
	b->message[i] = v->message;
	b->line[i] = v->line;
	b->column[i] = v->column;
	b->offset[i] = v->offset;
	b->level[i] = v->level;
	b->count = i + 1;
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
/* Submission and the workers                                          */

static void
fail(tally_engine *e, int rc)
{
	int zero = 0;

	(void)tallyi_cas_int(&e->failed, &zero, rc, TALLY_ACQ_REL);
}

int
tally_batch_submit(tally_engine *e, tally_batch *b)
{
	if (e == NULL || b == NULL || b->e != e)
		return TALLY_EINVAL;
	if (b->count == 0) {
		batch_recycle(e, b);
		return TALLY_OK;
	}
	pthread_mutex_lock(&e->qlock);
	for (;;) {
		if (e->stopping ||
		    tallyi_load_int(&e->failed, TALLY_ACQUIRE) != 0) {
			pthread_mutex_unlock(&e->qlock);
			return TALLY_ESTATE;
		}
		if (e->inflight < e->max_inflight)
			break;
		if (e->flags & TALLY_SUBMIT_NONBLOCK) {
			pthread_mutex_unlock(&e->qlock);
			return TALLY_EAGAIN;
		}
		pthread_cond_wait(&e->q_room, &e->qlock);
	}
	b->seq = e->next_seq++;
	b->next = NULL;
	if (e->qtail != NULL)
		e->qtail->next = b;
	else
		e->qhead = b;
	e->qtail = b;
	e->inflight++;
	pthread_cond_signal(&e->q_work);
	pthread_mutex_unlock(&e->qlock);
	return TALLY_OK;
}

/*
 * Aggregate one batch into the worker's partial: fingerprint every row,
 * insert the keys into the shared set (one lock per shard), then count the
 * rows that won. The partial's lock covers the insert too (invariant 4).
 */
static int
process_batch(tally_engine *e, tallyi_worker *w, tally_batch *b)
{
	tallyk_keycols cols = { b->tool, b->rule, b->file, b->message,
		b->line, b->column, b->offset };
	uint32_t n = b->count, max_tool = 0, max_file = 0;
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		max_tool = b->tool[i] > max_tool ? b->tool[i] : max_tool;
		max_file = b->file[i] > max_file ? b->file[i] : max_file;
	}
	tallyk_fingerprint_scalar(&cols, n, b->fp);

	pthread_mutex_lock(&w->lock);
	rc = tallyi_agg_reserve(&w->agg, &e->mem, max_tool + 1, max_file + 1);
	if (rc != TALLY_OK) {
		pthread_mutex_unlock(&w->lock);
		return rc;
	}
	rc = tallyi_keyset_insert_bulk(&e->keys, &cols, b->fp, n, b->is_new,
	    b->order);
	/* On ENOMEM the rows inserted so far are still counted. */
	for (uint32_t i = 0; i < n; i++) {
		if (b->is_new[i] && tallyi_agg_count(&w->agg, &e->mem,
		    b->tool[i], b->rule[i], b->file[i], b->level[i]) != 0)
			rc = TALLY_ENOMEM;
	}
	w->agg.read += n;
	pthread_mutex_unlock(&w->lock);
	return rc;
}

static void *
worker_main(void *arg)
{
	tallyi_worker *w = arg;
	tally_engine *e = w->e;

	pthread_mutex_lock(&e->qlock);
	for (;;) {
		tally_batch *b = e->qhead;
		int rc;

		if (b == NULL) {
			if (e->stopping)
				break;
			pthread_cond_wait(&e->q_work, &e->qlock);
			continue;
		}
		e->qhead = b->next;
		if (e->qhead == NULL)
			e->qtail = NULL;
		w->busy_seq = b->seq;
		pthread_mutex_unlock(&e->qlock);

		rc = process_batch(e, w, b);
		if (TALLY_CC_UNLIKELY(rc != TALLY_OK))
			fail(e, rc);
		batch_recycle(e, b);

		pthread_mutex_lock(&e->qlock);
		w->busy_seq = 0;
		e->inflight--;
		pthread_cond_signal(&e->q_room);
		pthread_cond_broadcast(&e->q_done);
	}
	pthread_mutex_unlock(&e->qlock);
	return NULL;
}

/* The lowest seq not yet finished (invariant 3). Caller holds qlock. */
static uint64_t
unfinished_floor(const tally_engine *e)
{
	uint64_t floor = e->qhead != NULL ? e->qhead->seq : e->next_seq;

	for (unsigned i = 0; i < e->nworkers; i++) {
		uint64_t s = e->workers[i].busy_seq;

		if (s != 0 && s < floor)
			floor = s;
	}
	return floor;
}

int
tally_engine_flush(tally_engine *e)
{
	uint64_t target;

	if (e == NULL)
		return TALLY_EINVAL;
	pthread_mutex_lock(&e->qlock);
	target = e->next_seq; /* every seq below this must finish */
	while (unfinished_floor(e) < target &&
	    tallyi_load_int(&e->failed, TALLY_ACQUIRE) == 0)
		pthread_cond_wait(&e->q_done, &e->qlock);
	pthread_mutex_unlock(&e->qlock);
	return tallyi_load_int(&e->failed, TALLY_ACQUIRE);
}

unsigned
tally_engine_workers(const tally_engine *e)
{
	return e->nworkers;
}

/* ------------------------------------------------------------------ */
/* Strings                                                             */

int
tally_tool_register(tally_engine *e, const char *name, size_t name_len,
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
tally_string_intern(tally_engine *e, tally_strkind kind, const char *s,
    size_t len, uint32_t *id)
{
	if (e == NULL || id == NULL || (s == NULL && len != 0) ||
	    kind <= TALLY_STR_TOOL || kind >= TALLY_STR_KIND_COUNT)
		return TALLY_EINVAL;
	return tallyi_strtab_intern(&e->str[kind], s != NULL ? s : "", len, id);
}

const char *
tally_string_lookup(const tally_engine *e, tally_strkind kind, uint32_t id,
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
tally_tool_version(const tally_engine *e, uint32_t id, size_t *len)
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
tally_string_count(const tally_engine *e, tally_strkind kind)
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

	if (e->workers != NULL) {
		for (unsigned i = 0; i < e->nworkers; i++) {
			tallyi_agg_fini(&e->workers[i].agg, &mem);
			pthread_mutex_destroy(&e->workers[i].lock);
		}
		tallyi_free(&mem, e->workers,
		    e->nworkers * sizeof(tallyi_worker));
	}
	while (e->all != NULL) {
		tally_batch *b = e->all;

		e->all = b->all_next;
		tallyi_free(&mem, b, b->alloc_size);
	}
	tallyi_keyset_fini(&e->keys);
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++)
		tallyi_strtab_fini(&e->str[k]);
	pthread_cond_destroy(&e->q_work);
	pthread_cond_destroy(&e->q_room);
	pthread_cond_destroy(&e->q_done);
	pthread_mutex_destroy(&e->qlock);
	pthread_mutex_destroy(&e->plock);
	tallyi_free(&mem, e, sizeof(*e));
	tallyi_mem_fini(&mem);
}

static void
stop_workers(tally_engine *e)
{
	pthread_mutex_lock(&e->qlock);
	e->stopping = true;
	pthread_cond_broadcast(&e->q_work);
	pthread_mutex_unlock(&e->qlock);
	for (unsigned i = 0; i < e->nworkers; i++) {
		if (e->workers[i].started)
			pthread_join(e->workers[i].thread, NULL);
	}
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
	e->nworkers = cfg.workers ? cfg.workers : default_workers();
	e->batch_cap = cfg.batch_capacity ? cfg.batch_capacity :
	    TALLYI_BATCH_DEFAULT;
	e->max_inflight = cfg.max_inflight ? cfg.max_inflight :
	    4 * e->nworkers;
	e->flags = cfg.flags;
	e->next_seq = 1;

	/*
	 * Every init below is paired with a fini in engine_free(), and each
	 * fini accepts the zeroed state, so a failure part way through can
	 * hand the half-built engine to engine_free().
	 */
	pthread_mutex_init(&e->qlock, NULL);
	pthread_mutex_init(&e->plock, NULL);
	pthread_cond_init(&e->q_work, NULL);
	pthread_cond_init(&e->q_room, NULL);
	pthread_cond_init(&e->q_done, NULL);
	rc = tallyi_keyset_init(&e->keys, &e->mem);
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT && rc == TALLY_OK; k++)
		rc = tallyi_strtab_init(&e->str[k], &e->mem);
	if (rc == TALLY_OK) {
		e->workers = tallyi_zalloc(&e->mem,
		    e->nworkers * sizeof(tallyi_worker));
		if (e->workers == NULL)
			rc = TALLY_ENOMEM;
	}
	if (rc != TALLY_OK) {
		engine_free(e);
		return rc;
	}
	for (unsigned i = 0; i < e->nworkers; i++) {
		tallyi_worker *w = &e->workers[i];

		pthread_mutex_init(&w->lock, NULL);
		tallyi_agg_init(&w->agg);
		w->e = e;
	}
	for (unsigned i = 0; i < e->nworkers; i++) {
		tallyi_worker *w = &e->workers[i];

		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			stop_workers(e);
			engine_free(e);
			return TALLY_ESTATE;
		}
		w->started = true;
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
	stop_workers(e);
	engine_free(e);
}
