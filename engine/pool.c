/*
 * engine/pool.c - the work-stealing pool: workers, injection, parking, tasks.
 *
 * Shape. Each worker owns a Chase-Lev deque (deque.h). A task submitted on
 * a worker goes on that worker's deque and is taken back LIFO, so a batch a
 * detector task fills is usually aggregated on the core that wrote it while
 * it is still in cache; a task submitted by any other thread goes through
 * the bounded MPMC injection ring (ring.h). A worker looks for work in this
 * order: its own deque, the ring, then the deques of the others, starting
 * at a random victim (Blumofe and Leiserson's randomized work stealing,
 * JACM 1999) and stealing FIFO, which hands the thief the oldest, usually
 * largest, piece of a fork-join tree.
 *
 * Idle workers spin for a few microseconds and then park on a futex with an
 * event count (wake_seq): a worker reads wake_seq, announces itself in
 * sleepers, looks for work once more, and sleeps only if wake_seq has not
 * moved. A submitter publishes its task and then checks sleepers; if anyone
 * sleeps it bumps wake_seq and wakes one. Both sides put a full fence
 * between their write and their read (the store-load, Dekker, pattern), so
 * one of them always sees the other: either the parking worker finds the
 * task, or the submitter finds the sleeper.
 *
 * Task groups count pending tasks in one 32-bit word, pending << 1 | W,
 * where W says a waiter sleeps on the word. A task's completion is one
 * fetch_sub; the last one wakes the waiter if W is set. A waiter that is a
 * pool worker runs tasks while it waits (tally_pool_group_wait() in a task is
 * how fork-join nests without running out of threads); any other thread
 * sets W and sleeps.
 *
 * Invariants:
 *  1. A task is in exactly one place: a deque, the ring, or the hands of
 *     the thread running it; it runs exactly once (the deque's CAS and the
 *     ring's CAS decide every race). Not asserted as a whole: it needs
 *     every deque and the ring at once; deque.h and ring.h assert each
 *     hand-off, and the stress programs count every task.
 *  2. Only workers run tasks. A thread outside the pool never helps, so a
 *     batch is always aggregated into a worker's own partial.
 *  3. A worker never blocks while its own deque may hold work: every wait
 *     on a worker (group wait, flush, backpressure) runs tasks instead, and
 *     at the in-flight bound a worker aggregates its batch in place.
 *     Hence no wait inside the pool can deadlock on work only it can do.
 *  4. A task pushed on a worker's own deque does not need the fenced wake-
 *     up: its owner will run it before it can park (3). A task put in the
 *     ring does: nobody else will ever look there if all workers sleep.
 *  5. stopping is set only by destroy, after its flush; a worker exits
 *     when stopping is set and a full search (own deque, ring, every
 *     victim) finds nothing, so every task submitted before destroy, and
 *     every task those spawn, runs first.
 *  6. After the fetch_sub that finishes a group's last task, the finisher
 *     touches the group only through FUTEX_WAKE, which uses the address as
 *     a key and never reads it: the waiter may return, and its group go out
 *     of scope, at any moment after that fetch_sub. Not asserted: it
 *     forbids a read, and no check can see a read that is not there.
 */
#include "engine/engine_structs.h"

#include <sched.h>

#include "engine/futex.h"
#include "engine/toolkit.h"

/* The pool thread this thread is, if any (one per thread, any engine). */
static _Thread_local tallyi_worker *tallyi_self;

/*
 * Spin budget before parking: rounds x pauses, plus a search per round.
 * 256 pauses: a few microseconds (a pause's cost: bench/RESULTS.md,
 * Work-stealing pool).
 */
#define SPIN_ROUNDS 16
#define SPIN_PAUSES 16

/* How long a helping worker sleeps before it looks for work again. */
#define HELP_NAP_NS 50000L

tallyi_worker *
tallyi_pool_self(const tally_engine *e)
{
	tallyi_worker *w = tallyi_self;

	return w != NULL && w->e == e ? w : NULL;
}

int
tally_pool_worker(const tally_engine *e)
{
	tallyi_worker *w = tallyi_pool_self(e);

	return w != NULL ? (int)w->index : -1;
}

void
tallyi_wake_all(tallyi_atomic_u32 *seq)
{
	tallyi_fetch_add_u32(seq, 1, TALLY_RELEASE);
	tallyi_futex_wake(seq, INT_MAX);
}

/* ------------------------------------------------------------------ */
/* Finding work                                                        */

static uint64_t
rnd(tallyi_worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

static tallyi_task *
steal(tally_engine *e, tallyi_worker *w)
{
	unsigned n = e->nworkers, start;

	if (n < 2)
		return NULL;
	start = (unsigned)(rnd(w) % n);
	for (unsigned k = 0; k < n; k++) {
		tallyi_worker *v = &e->workers[(start + k) % n];
		void *x;

		if (v == w)
			continue;
		/* An abort means another thread took the top: try again,
		 * the victim may have more. */
		for (int tries = 0; tries < 4; tries++) {
			x = tallyi_deque_steal(&v->dq);
			if (x != TALLYI_DEQUE_STEAL_ABORT)
				break;
		}
		if (x != TALLYI_DEQUE_STEAL_EMPTY &&
		    x != TALLYI_DEQUE_STEAL_ABORT)
			return x;
	}
	return NULL;
}

static tallyi_task *
find_work(tally_engine *e, tallyi_worker *w)
{
	tallyi_task *t;

	/* deque.h invariant 1: only its owner takes from a deque. */
	TALLY_ASSERT(w == tallyi_self);
	if ((t = tallyi_deque_take(&w->dq)) != NULL)
		return t;
	t = tallyi_ring_dequeue_mc(&e->ring);
	if (t != NULL)
		return t;
	return steal(e, w);
}

bool
tallyi_pool_help(tally_engine *e, tallyi_worker *w)
{
	tallyi_task *t = find_work(e, w);

	if (t == NULL)
		return false;
	t->run(t, w);
	return true;
}

/* ------------------------------------------------------------------ */
/* Submission                                                          */

/*
 * Make @t runnable: on the calling worker's deque (@w non-NULL) or in the
 * ring. Return: TALLY_OK, TALLY_ENOMEM (deque growth failed), or
 * TALLY_EAGAIN (ring full and the engine is non-blocking). A blocking
 * outside submitter yields until the ring has room: workers drain it.
 */
int
tallyi_pool_push(tally_engine *e, tallyi_worker *w, tallyi_task *t)
{
	if (w != NULL) {
		int rc;

		/* Invariant 4, and deque.h invariant 1: @w is the caller. */
		TALLY_ASSERT(w == tallyi_self);
		if ((rc = tallyi_deque_push(&w->dq, t)) != TALLY_OK)
			return rc;
		/* Invariant 4: no fence needed, a lost wake-up costs only
		 * parallelism, never progress. */
		if (tallyi_load_u32(&e->sleepers, TALLY_RELAXED) != 0) {
			tallyi_fetch_add_u32(&e->wake_seq, 1, TALLY_RELEASE);
			tallyi_futex_wake(&e->wake_seq, 1);
		}
		return TALLY_OK;
	}
	while (!tallyi_ring_enqueue_mp(&e->ring, t)) {
		if (e->flags & TALLY_SUBMIT_NONBLOCK)
			return TALLY_EAGAIN;
		sched_yield();
	}
	tallyi_fence_seq_cst(); /* publish, then look for sleepers */
	if (tallyi_load_u32(&e->sleepers, TALLY_RELAXED) != 0) {
		tallyi_fetch_add_u32(&e->wake_seq, 1, TALLY_RELEASE);
		tallyi_futex_wake(&e->wake_seq, 1);
	}
	return TALLY_OK;
}

static tallyi_task *
task_alloc(tally_engine *e, tallyi_worker *w)
{
	tallyi_task *t;

	if (w != NULL && (t = w->free_tasks) != NULL) {
		w->free_tasks = t->next;
		w->nfree_tasks--;
		return t;
	}
	return tallyi_alloc(&e->mem, sizeof(tallyi_task));
}

/* Tasks run on workers only (invariant 2), so a worker frees them. */
static void
task_free(tally_engine *e, tallyi_worker *w, tallyi_task *t)
{
	TALLY_ASSERT(w == tallyi_self);
	if (w->nfree_tasks < TALLYI_TASK_CACHE) {
		t->next = w->free_tasks;
		w->free_tasks = t;
		w->nfree_tasks++;
		return;
	}
	tallyi_free(&e->mem, t, sizeof(*t));
}

/* ------------------------------------------------------------------ */
/* Groups                                                              */

_Static_assert(sizeof(tallyi_group) <= sizeof(tally_pool_group),
    "tally_pool_group too small");
_Static_assert(_Alignof(tallyi_group) <= _Alignof(tally_pool_group),
    "tally_pool_group under-aligned");

#define GROUP_ONE 2u /* one pending task in the state word */
#define GROUP_WAITER 1u

static tallyi_group *
grp(const tally_pool_group *g)
{
	return (tallyi_group *)(void *)g;
}

int
tally_pool_group_init(tally_engine *e, tally_pool_group *g)
{
	tallyi_group *ig = grp(g);

	if (e == NULL || g == NULL)
		return TALLY_EINVAL;
	tallyi_store_u32(&ig->state, 0, TALLY_RELAXED);
	tallyi_store_u32(&ig->cancelled, 0, TALLY_RELAXED);
	ig->e = e;
	return TALLY_OK;
}

static int
group_add(tallyi_group *g)
{
	uint32_t old = tallyi_fetch_add_u32(&g->state, GROUP_ONE,
	    TALLY_RELAXED);

	if (TALLY_CC_UNLIKELY(old >= UINT32_MAX - 2 * GROUP_ONE)) {
		tallyi_fetch_sub_u32(&g->state, GROUP_ONE, TALLY_RELAXED);
		return TALLY_ERANGE;
	}
	return TALLY_OK;
}

/* One task of @g finished (invariant 6: @g may be gone after the RMW). */
static void
group_done(tallyi_group *g)
{
	uint32_t old = tallyi_fetch_sub_u32(&g->state, GROUP_ONE,
	    TALLY_RELEASE);

	/* Each task is counted once in and once out: no underflow. */
	TALLY_ASSERT(old >= GROUP_ONE);
	if (old == (GROUP_ONE | GROUP_WAITER))
		tallyi_futex_wake(&g->state, INT_MAX);
}

int
tally_pool_group_wait(tally_pool_group *pub)
{
	tallyi_group *g = grp(pub);
	tallyi_worker *w;
	uint32_t s;

	if (g == NULL || g->e == NULL)
		return TALLY_EINVAL;
	w = tallyi_pool_self(g->e);
	while ((s = tallyi_load_u32(&g->state, TALLY_ACQUIRE)) >= GROUP_ONE) {
		if (w != NULL) {
			int spins;

			if (tallyi_pool_help(g->e, w))
				continue;
			for (spins = 0; spins < SPIN_ROUNDS; spins++) {
				if (tallyi_load_u32(&g->state,
				    TALLY_ACQUIRE) < GROUP_ONE ||
				    tallyi_pool_help(g->e, w))
					break;
				for (int i = 0; i < SPIN_PAUSES; i++)
					tallyi_cpu_relax();
			}
			if (spins < SPIN_ROUNDS)
				continue;
		}
		/*
		 * Nothing to run (or not a worker): sleep until the last task
		 * wakes us. A worker naps only briefly, so that it comes back
		 * to help when new work appears.
		 */
		if (!(s & GROUP_WAITER)) {
			s = tallyi_fetch_or_u32(&g->state, GROUP_WAITER,
			    TALLY_ACQUIRE) | GROUP_WAITER;
			if (s < GROUP_ONE)
				break;
		}
		/* Invariant 3: a worker naps only after its own deque came
		 * up empty (the last help), and nothing pushed on it since. */
		TALLY_ASSERT(w == NULL || tallyi_deque_size_hint(&w->dq) == 0);
		tallyi_futex_wait(&g->state, s, w != NULL ? HELP_NAP_NS : 0);
	}
	/* Every task has finished; clear W so the group can be reused. */
	tallyi_store_u32(&g->state, 0, TALLY_RELAXED);
	return tallyi_load_u32(&g->cancelled, TALLY_RELAXED) ?
	    TALLY_ECANCELED : TALLY_OK;
}

void
tally_pool_group_cancel(tally_pool_group *g)
{
	if (g != NULL)
		tallyi_store_u32(&grp(g)->cancelled, 1, TALLY_RELAXED);
}

int
tally_pool_group_cancelled(const tally_pool_group *g)
{
	return g != NULL &&
	    tallyi_load_u32(&grp(g)->cancelled, TALLY_RELAXED) != 0;
}

/* ------------------------------------------------------------------ */
/* User tasks                                                          */

static void
run_user(tallyi_task *t, tallyi_worker *w)
{
	tally_task_fn fn = t->u.user.fn;
	void *arg = t->u.user.arg;
	tallyi_group *g = t->g;

	/* Free the record first: a task that spawns reuses it at once. */
	task_free(w->e, w, t);
	if (g == NULL || !tallyi_load_u32(&g->cancelled, TALLY_RELAXED))
		fn(arg);
	if (g != NULL)
		group_done(g);
}

int
tally_pool_submit(tally_engine *e, tally_pool_group *pub, tally_task_fn fn,
    void *arg)
{
	tallyi_group *g = pub != NULL ? grp(pub) : NULL;
	tallyi_worker *w;
	tallyi_task *t;
	int rc;

	if (e == NULL || fn == NULL || (g != NULL && g->e != e))
		return TALLY_EINVAL;
	w = tallyi_pool_self(e);
	/* Tasks may spawn while destroy drains; outsiders may not. */
	if (w == NULL && tallyi_load_u32(&e->stopping, TALLY_ACQUIRE))
		return TALLY_ESTATE;
	t = task_alloc(e, w);
	if (t == NULL)
		return TALLY_ENOMEM;
	t->run = run_user;
	t->g = g;
	t->u.user.fn = fn;
	t->u.user.arg = arg;
	if (g != NULL && (rc = group_add(g)) != TALLY_OK)
		goto undo_task;
	rc = tallyi_pool_push(e, w, t);
	if (rc == TALLY_OK)
		return TALLY_OK;
	if (g != NULL)
		tallyi_fetch_sub_u32(&g->state, GROUP_ONE, TALLY_RELAXED);
undo_task:
	if (w != NULL)
		task_free(e, w, t);
	else
		tallyi_free(&e->mem, t, sizeof(*t));
	return rc;
}

/* ------------------------------------------------------------------ */
/* Parallel for                                                        */

static void for_split(tally_engine *e, tallyi_worker *w, tally_range_fn fn,
    void *arg, size_t lo, size_t hi, size_t grain);

static void
run_range(tallyi_task *t, tallyi_worker *w)
{
	tally_range_fn fn = t->u.range.fn;
	void *arg = t->u.range.arg;
	size_t lo = t->u.range.lo, hi = t->u.range.hi;
	size_t grain = t->u.range.grain;
	tallyi_group *g = t->g;

	task_free(w->e, w, t);
	for_split(w->e, w, fn, arg, lo, hi, grain);
	group_done(g);
}

/*
 * Split [lo, hi) in halves down to @grain: spawn the upper half, keep the
 * lower, run the last piece here, then wait (helping) for the spawned
 * halves. When a task record or deque slot cannot be had, the piece is run
 * here instead: slower, never lost.
 */
static void
for_split(tally_engine *e, tallyi_worker *w, tally_range_fn fn, void *arg,
    size_t lo, size_t hi, size_t grain)
{
	tally_pool_group pub = { { NULL } };
	tallyi_group *g = grp(&pub);

	(void)tally_pool_group_init(e, &pub);
	while (hi - lo > grain) {
		size_t mid = lo + (hi - lo) / 2;
		tallyi_task *t = task_alloc(e, w);

		if (t == NULL)
			break;
		t->run = run_range;
		t->g = g;
		t->u.range.fn = fn;
		t->u.range.arg = arg;
		t->u.range.lo = mid;
		t->u.range.hi = hi;
		t->u.range.grain = grain;
		if (group_add(g) != TALLY_OK) {
			task_free(e, w, t);
			break;
		}
		if (tallyi_pool_push(e, w, t) != TALLY_OK) {
			tallyi_fetch_sub_u32(&g->state, GROUP_ONE,
			    TALLY_RELAXED);
			task_free(e, w, t);
			break;
		}
		hi = mid;
	}
	while (hi - lo > grain) {
		fn(arg, lo, lo + grain);
		lo += grain;
	}
	if (lo < hi)
		fn(arg, lo, hi);
	(void)tally_pool_group_wait(&pub);
}

int
tally_pool_for(tally_engine *e, size_t begin, size_t end, size_t grain,
    tally_range_fn fn, void *arg)
{
	tallyi_worker *w;
	tally_pool_group pub = { { NULL } };
	tallyi_task *t;
	int rc;

	if (e == NULL || fn == NULL || begin > end)
		return TALLY_EINVAL;
	if (grain == 0)
		grain = 1;
	if (begin == end)
		return TALLY_OK;
	w = tallyi_pool_self(e);
	if (w != NULL) {
		for_split(e, w, fn, arg, begin, end, grain);
		return TALLY_OK;
	}
	/* From outside: hand the whole range to the pool and wait. */
	if (tallyi_load_u32(&e->stopping, TALLY_ACQUIRE))
		return TALLY_ESTATE;
	t = tallyi_alloc(&e->mem, sizeof(*t));
	if (t == NULL)
		return TALLY_ENOMEM;
	(void)tally_pool_group_init(e, &pub);
	t->run = run_range;
	t->g = grp(&pub);
	t->u.range.fn = fn;
	t->u.range.arg = arg;
	t->u.range.lo = begin;
	t->u.range.hi = end;
	t->u.range.grain = grain;
	(void)group_add(grp(&pub));
	rc = tallyi_pool_push(e, NULL, t);
	if (rc != TALLY_OK) {
		tallyi_free(&e->mem, t, sizeof(*t));
		return rc;
	}
	return tally_pool_group_wait(&pub);
}

/* ------------------------------------------------------------------ */
/* Workers                                                             */

static void
pin(tallyi_worker *w)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (ncpu < 1)
		return;
	CPU_ZERO(&set);
	CPU_SET((int)(w->index % (unsigned long)ncpu), &set);
	/* Best effort: a cgroup may forbid the CPU; run unpinned then. */
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
worker_main(void *arg)
{
	tallyi_worker *w = arg;
	tally_engine *e = w->e;

	tallyi_self = w;
	if (e->flags & TALLY_POOL_PIN)
		pin(w);
	for (;;) {
		tallyi_task *t = find_work(e, w);
		uint32_t seq;

		for (int r = 0; t == NULL && r < SPIN_ROUNDS; r++) {
			for (int i = 0; i < SPIN_PAUSES; i++)
				tallyi_cpu_relax();
			t = find_work(e, w);
		}
		if (t != NULL) {
			t->run(t, w);
			continue;
		}
		/* Park: read the event count, announce, look once more. */
		seq = tallyi_load_u32(&e->wake_seq, TALLY_ACQUIRE);
		tallyi_fetch_add_u32(&e->sleepers, 1, TALLY_SEQ_CST);
		tallyi_fence_seq_cst();
		t = find_work(e, w);
		if (t == NULL) {
			if (tallyi_load_u32(&e->stopping, TALLY_ACQUIRE)) {
				/* Invariant 5: a full search found nothing. */
				TALLY_ASSERT(tallyi_deque_size_hint(&w->dq) ==
				    0);
				tallyi_fetch_sub_u32(&e->sleepers, 1,
				    TALLY_RELAXED);
				break;
			}
			/* Invariant 3: its own deque was just found empty. */
			TALLY_ASSERT(tallyi_deque_size_hint(&w->dq) == 0);
			tallyi_futex_wait(&e->wake_seq, seq, 0);
		}
		tallyi_fetch_sub_u32(&e->sleepers, 1, TALLY_RELAXED);
		if (t != NULL)
			t->run(t, w);
	}
	tallyi_self = NULL;
	return NULL;
}

int
tallyi_pool_init(tally_engine *e)
{
	uint64_t cap = 1024;
	int rc;

	while (cap < 4 * (uint64_t)e->max_inflight)
		cap *= 2;
	rc = tallyi_ring_init(&e->ring, &e->mem, cap);
	for (unsigned i = 0; i < e->nworkers && rc == TALLY_OK; i++) {
		tallyi_worker *w = &e->workers[i];

		w->e = e;
		w->index = i;
		w->rng = TALLYI_GOLDEN64 * (i + 1);
		rc = tallyi_deque_init(&w->dq, &e->mem, 256);
	}
	return rc;
}

int
tallyi_pool_start(tally_engine *e)
{
	for (unsigned i = 0; i < e->nworkers; i++) {
		tallyi_worker *w = &e->workers[i];

		if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
			return TALLY_ESTATE;
		w->started = true;
	}
	return TALLY_OK;
}

/* Drain every task and join the workers (invariant 5). */
void
tallyi_pool_stop(tally_engine *e)
{
	tallyi_store_u32(&e->stopping, 1, TALLY_RELEASE);
	tallyi_wake_all(&e->wake_seq);
	for (unsigned i = 0; e->workers != NULL && i < e->nworkers; i++) {
		if (e->workers[i].started)
			pthread_join(e->workers[i].thread, NULL);
		e->workers[i].started = false;
	}
	/* Invariant 5: every task ran (the workers are joined: exact). */
	for (unsigned i = 0; e->workers != NULL && i < e->nworkers; i++)
		TALLY_ASSERT(tallyi_deque_size_hint(&e->workers[i].dq) == 0);
	TALLY_ASSERT(tallyi_load_u64(&e->ring.head, TALLY_RELAXED) ==
	    tallyi_load_u64(&e->ring.tail, TALLY_RELAXED));
}

/* Free the pool's memory; the workers are joined (or never started). */
void
tallyi_pool_fini(tally_engine *e)
{
	for (unsigned i = 0; e->workers != NULL && i < e->nworkers; i++) {
		tallyi_worker *w = &e->workers[i];

		while (w->free_tasks != NULL) {
			tallyi_task *t = w->free_tasks;

			w->free_tasks = t->next;
			tallyi_free(&e->mem, t, sizeof(*t));
		}
		tallyi_deque_fini(&w->dq);
	}
	tallyi_ring_fini(&e->ring, &e->mem);
}
