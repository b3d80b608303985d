/*
 * tests/pool_test.c - the task pool API: submit, groups, nesting,
 * cancellation, parallel for, flush and backpressure from inside tasks,
 * and destroy draining.
 *
 * Expected values are computed independently: fib by the closed recurrence
 * in a loop, coverage of pool_for by a per-index hit count.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "tally.h"

static tally_engine *
make(unsigned workers, unsigned max_inflight, unsigned flags)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *e = NULL;

	cfg.workers = workers;
	cfg.max_inflight = max_inflight;
	cfg.batch_capacity = 64;
	cfg.flags = flags;
	cr_assert(eq(int, tally_engine_create(&e, &cfg), TALLY_OK));
	return e;
}

TestSuite(pool, .timeout = 60);

/* ---- submit and wait ---- */

static _Atomic unsigned hits[4096];
static _Atomic int on_pool;

static void
hit(void *arg)
{
	(void)arg;
	atomic_fetch_add(&hits[0], 1);
}

Test(pool, every_task_runs_exactly_once_from_outside)
{
	tally_engine *e = make(2, 0, 0);
	tally_pool_group g;

	memset(hits, 0, sizeof(hits));
	cr_assert(eq(int, tally_pool_group_init(e, &g), TALLY_OK));
	for (int i = 0; i < 3000; i++)
		cr_assert(eq(int, tally_pool_submit(e, &g, hit, &e), TALLY_OK));
	cr_assert(eq(int, tally_pool_group_wait(&g), TALLY_OK));
	cr_assert(eq(u32, atomic_load(&hits[0]), 3000));
	/* The group is reusable after its wait. */
	for (int i = 0; i < 10; i++)
		cr_assert(eq(int, tally_pool_submit(e, &g, hit, &e), TALLY_OK));
	cr_assert(eq(int, tally_pool_group_wait(&g), TALLY_OK));
	cr_assert(eq(u32, atomic_load(&hits[0]), 3010));
	tally_engine_destroy(e);
}

Test(pool, bad_arguments_are_refused)
{
	tally_engine *e = make(1, 0, 0), *other = make(1, 0, 0);
	tally_pool_group g;

	cr_assert(eq(int, tally_pool_group_init(NULL, &g), TALLY_EINVAL));
	cr_assert(eq(int, tally_pool_group_init(e, NULL), TALLY_EINVAL));
	tally_pool_group_init(e, &g);
	cr_assert(eq(int, tally_pool_submit(e, &g, NULL, NULL), TALLY_EINVAL));
	cr_assert(eq(int, tally_pool_submit(NULL, &g, hit, NULL),
	    TALLY_EINVAL));
	/* A group belongs to one engine. */
	cr_assert(eq(int, tally_pool_submit(other, &g, hit, &e),
	    TALLY_EINVAL));
	cr_assert(eq(int, tally_pool_for(e, 5, 4, 1, NULL, NULL),
	    TALLY_EINVAL));
	cr_assert(eq(int, tally_pool_group_wait(&g), TALLY_OK));
	tally_engine_destroy(other);
	tally_engine_destroy(e);
}

static void
where(void *arg)
{
	tally_engine *e = arg;
	int w = tally_pool_worker(e);

	atomic_store(&on_pool, w >= 0 && (unsigned)w < tally_engine_workers(e)
	    ? 1 : -1);
}

Test(pool, worker_index_is_known_inside_tasks_only)
{
	tally_engine *e = make(3, 0, 0);
	tally_pool_group g;

	cr_assert(eq(int, tally_pool_worker(e), -1));
	tally_pool_group_init(e, &g);
	tally_pool_submit(e, &g, where, e);
	tally_pool_group_wait(&g);
	cr_assert(eq(int, atomic_load(&on_pool), 1));
	tally_engine_destroy(e);
}

static void
note_cpu(void *arg)
{
	_Atomic int *cpu = arg;

	atomic_store(cpu, sched_getcpu());
}

Test(pool, pinned_workers_run_on_their_cpu)
{
	tally_engine *e = make(1, 0, TALLY_POOL_PIN);
	_Atomic int cpu = -1;
	tally_pool_group g;

	/* Worker 0 is pinned to online CPU 0 (best effort: a cgroup that
	 * forbids CPU 0 leaves it unpinned, and this test would say so). */
	for (int i = 0; i < 20; i++) {
		tally_pool_group_init(e, &g);
		tally_pool_submit(e, &g, note_cpu, &cpu);
		tally_pool_group_wait(&g);
		cr_assert(eq(int, atomic_load(&cpu), 0), "ran on CPU %d",
		    atomic_load(&cpu));
	}
	tally_engine_destroy(e);
}

/* ---- fork-join ---- */

struct fib {
	tally_engine *e;
	unsigned n;
	uint64_t r;
};

static void
fib_task(void *arg)
{
	struct fib *f = arg, a, b;
	tally_pool_group g;

	if (f->n < 2) {
		f->r = f->n;
		return;
	}
	a = (struct fib){ f->e, f->n - 1, 0 };
	b = (struct fib){ f->e, f->n - 2, 0 };
	tally_pool_group_init(f->e, &g);
	cr_assert(eq(int, tally_pool_submit(f->e, &g, fib_task, &a),
	    TALLY_OK));
	fib_task(&b);
	cr_assert(eq(int, tally_pool_group_wait(&g), TALLY_OK));
	f->r = a.r + b.r;
}

static uint64_t
fib_loop(unsigned n)
{
	uint64_t a = 0, b = 1;

	for (unsigned i = 0; i < n; i++) {
		uint64_t t = a + b;

		a = b;
		b = t;
	}
	return a;
}

ParameterizedTestParameters(pool, nested_fork_join_computes_fib)
{
	static unsigned workers[] = { 1, 2, 4, 8 };

	return cr_make_param_array(unsigned, workers, 4);
}

ParameterizedTest(unsigned *workers, pool, nested_fork_join_computes_fib)
{
	tally_engine *e = make(*workers, 0, 0);
	struct fib f = { e, 22, 0 };
	tally_pool_group g;

	/* From outside: the root task runs on the pool, and every wait
	 * inside it helps (one worker must manage 28,656 nested waits). */
	tally_pool_group_init(e, &g);
	tally_pool_submit(e, &g, fib_task, &f);
	cr_assert(eq(int, tally_pool_group_wait(&g), TALLY_OK));
	cr_assert(eq(u64, f.r, fib_loop(22)));
	tally_engine_destroy(e);
}

/* ---- parallel for ---- */

static void
count_range(void *arg, size_t lo, size_t hi)
{
	size_t grain = *(size_t *)arg;

	cr_assert(lo < hi && hi - lo <= grain);
	for (size_t i = lo; i < hi; i++)
		atomic_fetch_add(&hits[i], 1);
}

Test(pool, pool_for_covers_the_range_exactly_once)
{
	static const size_t grains[] = { 0, 1, 3, 64, 1000, 5000 };
	static const size_t ranges[][2] = { { 0, 0 }, { 0, 1 }, { 7, 8 },
		{ 3, 4096 }, { 0, 4096 }, { 100, 2100 } };
	tally_engine *e = make(3, 0, 0);

	for (size_t gi = 0; gi < sizeof(grains) / sizeof(grains[0]); gi++) {
		for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
			size_t lo = ranges[r][0], hi = ranges[r][1];
			size_t grain = grains[gi] ? grains[gi] : 1;

			memset(hits, 0, sizeof(hits));
			cr_assert(eq(int, tally_pool_for(e, lo, hi, grains[gi],
			    count_range, &grain), TALLY_OK));
			for (size_t i = 0; i < 4096; i++)
				cr_assert(eq(u32, atomic_load(&hits[i]),
				    i >= lo && i < hi ? 1 : 0),
				    "index %zu, range [%zu, %zu), grain %zu",
				    i, lo, hi, grain);
		}
	}
	tally_engine_destroy(e);
}

/* ---- cancellation ---- */

static _Atomic int gate;

static void
blocker(void *arg)
{
	(void)arg;
	while (!atomic_load(&gate))
		sched_yield();
}

Test(pool, cancel_skips_tasks_that_have_not_started)
{
	tally_engine *e = make(1, 0, 0);
	tally_pool_group busy, g;

	memset(hits, 0, sizeof(hits));
	atomic_store(&gate, 0);
	tally_pool_group_init(e, &busy);
	tally_pool_group_init(e, &g);
	/* The only worker is held, so the group's tasks wait in the ring. */
	tally_pool_submit(e, &busy, blocker, NULL);
	for (int i = 0; i < 50; i++)
		tally_pool_submit(e, &g, hit, &e);
	cr_assert(eq(int, tally_pool_group_cancelled(&g), 0));
	tally_pool_group_cancel(&g);
	cr_assert(eq(int, tally_pool_group_cancelled(&g), 1));
	atomic_store(&gate, 1);
	cr_assert(eq(int, tally_pool_group_wait(&g), TALLY_ECANCELED));
	cr_assert(eq(int, tally_pool_group_wait(&busy), TALLY_OK));
	cr_assert(eq(u32, atomic_load(&hits[0]), 0));
	/* Re-initialised, the group runs tasks again. */
	tally_pool_group_init(e, &g);
	tally_pool_submit(e, &g, hit, &e);
	cr_assert(eq(int, tally_pool_group_wait(&g), TALLY_OK));
	cr_assert(eq(u32, atomic_load(&hits[0]), 1));
	tally_engine_destroy(e);
}

Test(pool, nonblocking_submit_reports_a_full_ring)
{
	tally_engine *e = make(1, 0, TALLY_SUBMIT_NONBLOCK);
	tally_pool_group busy, g;
	int rc = TALLY_OK, accepted = 0;

	memset(hits, 0, sizeof(hits));
	atomic_store(&gate, 0);
	tally_pool_group_init(e, &busy);
	tally_pool_group_init(e, &g);
	tally_pool_submit(e, &busy, blocker, NULL);
	while (accepted < 100000 &&
	    (rc = tally_pool_submit(e, &g, hit, &e)) == TALLY_OK)
		accepted++;
	cr_assert(eq(int, rc, TALLY_EAGAIN));
	atomic_store(&gate, 1);
	cr_assert(eq(int, tally_pool_group_wait(&g), TALLY_OK));
	tally_pool_group_wait(&busy);
	/* Refused tasks were not run and not counted. */
	cr_assert(eq(u32, atomic_load(&hits[0]), (unsigned)accepted));
	tally_engine_destroy(e);
}

/* ---- batches from tasks ---- */

struct producer {
	tally_engine *e;
	uint32_t tool, rule, file, msg;
	unsigned batches;
	int flush_rc;
};

static void
produce(void *arg)
{
	struct producer *p = arg;

	for (unsigned i = 0; i < p->batches; i++) {
		tally_batch *b;

		cr_assert(eq(int, tally_batch_acquire(p->e, &b), TALLY_OK));
		for (uint32_t r = 0; r < tally_batch_capacity(b); r++) {
			tally_violation v = { p->tool, p->rule, p->file,
				p->msg, i * 64 + r + 1, 1, 0, TALLY_LEVEL_NOTE, 0 };

			cr_assert(eq(int, tally_batch_append(b, &v),
			    TALLY_OK));
		}
		cr_assert(eq(int, tally_batch_submit(p->e, b), TALLY_OK));
	}
	/* A flush inside a task: the worker helps instead of blocking. */
	p->flush_rc = tally_engine_flush(p->e);
}

ParameterizedTestParameters(pool, tasks_submit_and_flush_at_the_bound)
{
	static unsigned workers[] = { 1, 2, 4 };

	return cr_make_param_array(unsigned, workers, 3);
}

ParameterizedTest(unsigned *workers, pool, tasks_submit_and_flush_at_the_bound)
{
	/* max_inflight 1: most batches hit the bound and are aggregated in
	 * place by the task's own worker. */
	tally_engine *e = make(*workers, 1, 0);
	struct producer p[6];
	tally_pool_group g;
	tally_snapshot *s;
	tally_totals t;

	tally_pool_group_init(e, &g);
	for (int i = 0; i < 6; i++) {
		p[i] = (struct producer){ e, 0, 0, 0, 0, 40, -99 };
		tally_engine_tool_intern(e, "t", 1, NULL, 0, &p[i].tool);
		tally_engine_string_intern(e, TALLY_STR_RULE, "r", 1, &p[i].rule);
		tally_engine_string_intern(e, TALLY_STR_MESSAGE, "m", 1, &p[i].msg);
		/* Six files: producers 0-2 and 3-5 send the same keys. */
		tally_engine_string_intern(e, TALLY_STR_FILE, i < 3 ? "a" : "b", 1,
		    &p[i].file);
		tally_pool_submit(e, &g, produce, &p[i]);
	}
	cr_assert(eq(int, tally_pool_group_wait(&g), TALLY_OK));
	for (int i = 0; i < 6; i++)
		cr_assert(eq(int, p[i].flush_rc, TALLY_OK));
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	tally_snapshot_totals(s, &t);
	cr_assert(eq(u64, t.read, 6 * 40 * 64));
	cr_assert(eq(u64, t.unique, 2 * 40 * 64));
	tally_snapshot_release(s);
	tally_engine_destroy(e);
}

/* ---- destroy ---- */

static void
spawn_more(void *arg)
{
	tally_engine *e = *(tally_engine **)arg;

	atomic_fetch_add(&hits[1], 1);
	/* Detached tasks spawned while destroy drains still run. */
	if (atomic_load(&hits[1]) < 500)
		cr_assert(eq(int, tally_pool_submit(e, NULL, spawn_more, arg),
		    TALLY_OK));
}

Test(pool, destroy_runs_every_detached_task_first)
{
	static tally_engine *e;

	e = make(2, 0, 0);
	memset(hits, 0, sizeof(hits));
	for (int i = 0; i < 200; i++)
		cr_assert(eq(int, tally_pool_submit(e, NULL, hit, &e),
		    TALLY_OK));
	cr_assert(eq(int, tally_pool_submit(e, NULL, spawn_more, &e),
	    TALLY_OK));
	tally_engine_destroy(e);
	cr_assert(eq(u32, atomic_load(&hits[0]), 200));
	cr_assert(eq(u32, atomic_load(&hits[1]), 500));
}
