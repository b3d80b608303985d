/*
 * bench/pool_bench.c - the ingest pipeline and the task pool, each with the
 * baseline it is judged against, measured in the same run.
 *
 *  ingest/e2e/...   end-to-end violations/s: pre-interned ids, keys drawn
 *                   from 1 M distinct fingerprints (keys:64K: from 64 K,
 *                   an L2-sized dedup set); producers are pool tasks
 *                   (tally_pool_for over batches, each filled and submitted
 *                   by the worker that will aggregate it) or one outside
 *                   thread. Counters: ratio_50M (the target) and, at 2+
 *                   workers, speedup over the 1-worker run of this process.
 *  ingest/e2e/tasks/workers:2/readers:2[/paced:100us]   the same with two
 *                   threads acquiring, reading and releasing snapshots all
 *                   along, back to back or with a 100 us sleep between
 *                   acquires: ratio_vs_no_readers (against workers:2 of
 *                   this run) and the acquire latency, acquire_p50_ns /
 *                   acquire_p99_ns.
 *  tasks/fib, tasks/for   spawn + join overhead, ns per task, against oneTBB
 *                   on the same work (pool_tbb_bench.cc registers the TBB
 *                   side first; ratio_vs_tbb = our time / TBB's time).
 *  tasks/wake/...   round trip of one task from outside into a pool whose
 *                   workers have all parked, against waking a thread
 *                   asleep on a condition variable (ratio_vs_condvar).
 *  inject/...       the injection ring against ck_ring MPMC and a mutex +
 *                   condition variable queue: P producers, C consumers,
 *                   items/s; 1+1 threads, and 2+2 (oversubscribed on 2 cores).
 *                   ratio_vs_mutex and, for the oversubscribed runs,
 *                   ratio_vs_unloaded (against the 1+1 run of the same
 *                   queue).
 *
 * Ratios need their baseline in the same process: a filter that leaves
 * out the baseline leaves out the ratio, never prints a stale one.
 */
#include <ck_ring.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_mem.h"
#include "engine/alloc.h"
#include "engine/ring.h"
#include "tally.h"

/* ---- same-run baselines ---- */

#define BASELINES_MAX 64

static struct {
	char name[64];
	double value;
} baselines[BASELINES_MAX];
static int nbaselines;

void
pool_baseline_set(const char *name, double value)
{
	int i;

	for (i = 0; i < nbaselines; i++)
		if (strcmp(baselines[i].name, name) == 0)
			break;
	if (i == BASELINES_MAX)
		return;
	snprintf(baselines[i].name, sizeof(baselines[i].name), "%s", name);
	baselines[i].value = value;
	if (i == nbaselines)
		nbaselines++;
}

/* Return: the value, or 0 when that baseline has not run in this process. */
double
pool_baseline_get(const char *name)
{
	for (int i = 0; i < nbaselines; i++)
		if (strcmp(baselines[i].name, name) == 0)
			return baselines[i].value;
	return 0;
}

double
pool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static tally_engine *
engine_new(unsigned workers, unsigned batch_cap)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *e = NULL;

	cfg.workers = workers;
	cfg.batch_capacity = batch_cap;
	return tally_engine_create(&e, &cfg) == TALLY_OK ? e : NULL;
}

/* ------------------------------------------------------------------ */
/* (a) end-to-end ingest                                               */

#define E2E_ROWS (1u << 22)  /* rows per pass */
#define E2E_BATCH 4096u

/*
 * Pre-interned columns of one pass, per key space: 1 M distinct keys (the
 * target's figure; the dedup set, 32 MiB of keys, lives beyond L2) and 64 K
 * (2 MiB, L2-sized), to show what the memory behind the set costs.
 */
typedef struct rowset {
	uint32_t keys;
	uint32_t *tool, *rule, *file, *message, *line, *column;
	uint8_t *level;
} rowset;

static rowset rowsets[2] = { { 1u << 20, 0, 0, 0, 0, 0, 0, 0 },
	{ 1u << 16, 0, 0, 0, 0, 0, 0, 0 } };

static rowset *
rows_make(uint32_t keys)
{
	uint64_t s = 0x9E3779B97F4A7C15u;
	rowset *r = &rowsets[keys == rowsets[0].keys ? 0 : 1];

	if (r->tool != NULL)
		return r;
	r->tool = malloc(E2E_ROWS * sizeof(uint32_t));
	r->rule = malloc(E2E_ROWS * sizeof(uint32_t));
	r->file = malloc(E2E_ROWS * sizeof(uint32_t));
	r->message = calloc(E2E_ROWS, sizeof(uint32_t));
	r->line = malloc(E2E_ROWS * sizeof(uint32_t));
	r->column = malloc(E2E_ROWS * sizeof(uint32_t));
	r->level = malloc(E2E_ROWS);
	/*
	 * Shaped like the real SARIF corpus: a few tools,
	 * hundreds of rules, thousands of files; key k is fixed by (file,
	 * line), so the keys are keys / 256 files x 256 lines.
	 */
	for (uint32_t i = 0; i < E2E_ROWS; i++) {
		uint32_t k;

		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		k = (uint32_t)(s % keys);
		r->file[i] = k >> 8;
		r->line[i] = (k & 255) + 1;
		r->tool[i] = k % 5;
		r->rule[i] = (k * 2654435761u >> 8) % 300;
		r->column[i] = 1 + k % 60;
		r->level[i] = (uint8_t)(k % 4);
	}
	return r;
}

static int
intern_all(tally_engine *e, uint32_t keys)
{
	char name[32];
	uint32_t id;

	for (unsigned i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "tool%u", i);
		if (tally_engine_tool_intern(e, name, strlen(name), NULL, 0, &id))
			return -1;
	}
	for (unsigned i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "rule%u", i);
		if (tally_engine_string_intern(e, TALLY_STR_RULE, name, strlen(name),
		    &id))
			return -1;
	}
	for (unsigned i = 0; i < keys >> 8; i++) {
		snprintf(name, sizeof(name), "src/f%u.c", i);
		if (tally_engine_string_intern(e, TALLY_STR_FILE, name, strlen(name),
		    &id))
			return -1;
	}
	return tally_engine_string_intern(e, TALLY_STR_MESSAGE, "m", 1, &id);
}

struct e2e_run {
	tally_engine *e;
	const rowset *r;
	unsigned batch;
};

/*
 * Fill and submit the batch of rows [lo, hi): the producer holds its rows
 * column-wise, as a detector building SoA output would, and appends them in
 * one call.
 */
static void
submit_rows(const struct e2e_run *run, size_t lo, size_t hi)
{
	const rowset *r = run->r;
	tally_columns c = { r->tool + lo, r->rule + lo, r->file + lo,
		r->message + lo, r->line + lo, r->column + lo, NULL,
		r->level + lo, NULL };
	tally_batch *b;

	if (tally_batch_acquire(run->e, &b) != TALLY_OK ||
	    tally_batch_append_columns(b, &c, (uint32_t)(hi - lo)) !=
	    TALLY_OK || tally_batch_submit(run->e, b) != TALLY_OK)
		abort();
}

static void
piece(void *arg, size_t lo, size_t hi)
{
	const struct e2e_run *run = arg;

	submit_rows(run, lo * run->batch, hi * run->batch);
}

struct e2e_arg {
	unsigned workers;
	bool tasks; /* producers are pool tasks, else one outside thread */
	uint32_t keys;
	char base[48];
	unsigned readers; /* threads acquiring snapshots all along */
	unsigned pace_us; /* a reader's sleep between acquires (0: none) */
	unsigned batch;   /* rows per batch; 0: E2E_BATCH */
};

/*
 * A busy reader: acquire, read the totals, release, in a loop, timing
 * each acquire; up to READ_SAMPLES latencies are kept (the latest).
 */
#define READ_SAMPLES (1u << 20)

struct reader_arg {
	tally_engine *e;
	atomic_bool *stop;
	float *ns; /* READ_SAMPLES */
	uint64_t n;
	unsigned pace_us;
};

static void *
busy_reader(void *varg)
{
	struct reader_arg *r = varg;

	while (!atomic_load_explicit(r->stop, memory_order_relaxed)) {
		tally_snapshot *s;
		tally_totals t;
		double t0 = pool_now(), t1;

		tally_snapshot_acquire(r->e, &s);
		t1 = pool_now();
		tally_snapshot_totals(s, &t);
		BENCH_ESCAPE(t.read);
		tally_snapshot_release(s);
		r->ns[r->n++ % READ_SAMPLES] = (float)((t1 - t0) * 1e9);
		if (r->pace_us != 0)
			usleep(r->pace_us);
	}
	return NULL;
}

static int
float_cmp(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

/* p50 and p99 of the readers' acquire latencies, in ns. */
static void
reader_percentiles(struct reader_arg *r, unsigned nr, double *p50,
    double *p99)
{
	size_t n = 0;
	float *all;

	for (unsigned i = 0; i < nr; i++)
		n += r[i].n < READ_SAMPLES ? r[i].n : READ_SAMPLES;
	all = malloc((n ? n : 1) * sizeof(*all));
	n = 0;
	for (unsigned i = 0; i < nr; i++) {
		size_t k = r[i].n < READ_SAMPLES ? r[i].n : READ_SAMPLES;

		memcpy(all + n, r[i].ns, k * sizeof(*all));
		n += k;
	}
	qsort(all, n, sizeof(*all), float_cmp);
	*p50 = n ? all[n / 2] : 0;
	*p99 = n ? all[n * 99 / 100] : 0;
	free(all);
}

static void
bm_e2e(bench_state *st, void *varg)
{
	struct e2e_arg *a = varg;
	struct e2e_run run;
	tally_engine *e;
	uint64_t passes = 0;
	double t0, dt, rate;

	run.r = rows_make(a->keys);
	run.batch = a->batch ? a->batch : E2E_BATCH;
	run.e = e = engine_new(a->workers, run.batch);
	if (e == NULL || intern_all(e, a->keys) != 0) {
		bench_skip(st, "engine set-up failed");
		tally_engine_destroy(e);
		return;
	}
	struct reader_arg rd[2];
	pthread_t rth[2];
	atomic_bool stop = false;

	for (unsigned i = 0; i < a->readers; i++) {
		rd[i] = (struct reader_arg){ e, &stop,
			malloc(READ_SAMPLES * sizeof(float)), 0, a->pace_us };
		pthread_create(&rth[i], NULL, busy_reader, &rd[i]);
	}
	t0 = pool_now();
	while (bench_keep_running(st, E2E_ROWS)) {
		if (a->tasks) {
			if (tally_pool_for(e, 0, E2E_ROWS / run.batch, 1, piece,
			    &run) != TALLY_OK)
				abort();
		} else {
			for (size_t lo = 0; lo < E2E_ROWS; lo += run.batch)
				submit_rows(&run, lo, lo + run.batch);
		}
		if (tally_engine_flush(e) != TALLY_OK)
			abort();
		passes++;
	}
	dt = pool_now() - t0;
	atomic_store(&stop, true);
	for (unsigned i = 0; i < a->readers; i++)
		pthread_join(rth[i], NULL);
	rate = (double)passes * E2E_ROWS / dt;
	bench_set_items(st, passes * E2E_ROWS);
	bench_set_counter(st, "ratio_50M", rate / 50e6, false);
	if (a->readers > 0) {
		char base[64];
		double p50, p99;
		uint64_t reads = 0;

		reader_percentiles(rd, a->readers, &p50, &p99);
		for (unsigned i = 0; i < a->readers; i++) {
			reads += rd[i].n;
			free(rd[i].ns);
		}
		bench_set_counter(st, "acquire_p50_ns", p50, false);
		bench_set_counter(st, "acquire_p99_ns", p99, false);
		bench_set_counter(st, "acquires_per_s", (double)reads / dt,
		    false);
		snprintf(base, sizeof(base), "%s/w%u", a->base, a->workers);
		if (pool_baseline_get(base) > 0)
			bench_set_counter(st, "ratio_vs_no_readers",
			    rate / pool_baseline_get(base), false);
	} else {
		char base[64];

		snprintf(base, sizeof(base), "%s/w%u", a->base, a->workers);
		if (a->batch == 0)
			pool_baseline_set(base, rate);
		else if (pool_baseline_get(base) > 0)
			bench_set_counter(st, "ratio_vs_batch4096",
			    rate / pool_baseline_get(base), false);
	}
	if (a->workers == 1 && a->batch == 0)
		pool_baseline_set(a->base, rate);
	else if (pool_baseline_get(a->base) > 0)
		bench_set_counter(st, "speedup_vs_1w",
		    rate / pool_baseline_get(a->base), false);
	tally_engine_destroy(e);
}

/* ------------------------------------------------------------------ */
/* (b) spawn + join: ours; pool_tbb_bench.cc has TBB's                */

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
	if (tally_pool_submit(f->e, &g, fib_task, &a) != TALLY_OK)
		abort();
	fib_task(&b);
	tally_pool_group_wait(&g);
	f->r = a.r + b.r;
}

/* Spawns in fib(n): one per inner node = fib(n + 1) - 1. */
uint64_t
pool_fib_spawns(unsigned n)
{
	uint64_t a = 0, b = 1;

	for (unsigned i = 0; i < n + 1; i++) {
		uint64_t t = a + b;

		a = b;
		b = t;
	}
	return a - 1;
}

/* ns per task since @t0, and the ratio to TBB's run of the same work. */
static void
report_tasks(bench_state *st, double t0, uint64_t tasks, const char *what,
    unsigned workers)
{
	double ns = (pool_now() - t0) * 1e9 / (double)tasks;
	char base[32];

	bench_set_items(st, tasks);
	bench_set_counter(st, "ns_per_task", ns, false);
	snprintf(base, sizeof(base), "tbb/%s/%u", what, workers);
	if (pool_baseline_get(base) > 0)
		bench_set_counter(st, "ratio_vs_tbb", ns /
		    pool_baseline_get(base), false);
}

static void
bm_fib(bench_state *st, void *arg)
{
	unsigned workers = (unsigned)(uintptr_t)arg;
	tally_engine *e = engine_new(workers, 0);
	uint64_t spawns = pool_fib_spawns(POOL_FIB_N), iters = 0;
	double t0;

	if (e == NULL) {
		bench_skip(st, "engine create failed");
		return;
	}
	t0 = pool_now();
	while (bench_keep_running(st, spawns)) {
		struct fib f = { e, POOL_FIB_N, 0 };
		tally_pool_group g;

		tally_pool_group_init(e, &g);
		tally_pool_submit(e, &g, fib_task, &f);
		tally_pool_group_wait(&g);
		BENCH_ESCAPE(f.r);
		iters++;
	}
	report_tasks(st, t0, iters * spawns, "fib", workers);
	tally_engine_destroy(e);
}

static void
for_body(void *arg, size_t lo, size_t hi)
{
	uint64_t *a = arg;

	for (size_t i = lo; i < hi; i++)
		a[i] += i;
}

static void
bm_for(bench_state *st, void *arg)
{
	unsigned workers = (unsigned)(uintptr_t)arg;
	tally_engine *e = engine_new(workers, 0);
	uint64_t *a = calloc(POOL_FOR_N, sizeof(uint64_t)), iters = 0;
	uint64_t tasks = POOL_FOR_N / POOL_FOR_GRAIN;
	double t0;

	if (e == NULL || a == NULL) {
		bench_skip(st, "set-up failed");
		free(a);
		tally_engine_destroy(e);
		return;
	}
	t0 = pool_now();
	while (bench_keep_running(st, tasks)) {
		tally_pool_for(e, 0, POOL_FOR_N, POOL_FOR_GRAIN, for_body, a);
		iters++;
	}
	report_tasks(st, t0, iters * tasks, "for", workers);
	BENCH_ESCAPE(a);
	free(a);
	tally_engine_destroy(e);
}

/* ------------------------------------------------------------------ */
/* Wake-up: an idle pool, one task from outside                        */

#define WAKE_IDLE_NS 300000L /* long enough for every worker to park */

static void
noop(void *arg)
{
	BENCH_ESCAPE(arg);
}

/*
 * Round trip from an outside thread to a pool whose workers have all
 * parked: submit one task, wait for it. The benchmark's own time includes
 * the idle gaps; us_per_wake times the round trips alone.
 */
static void
bm_wake(bench_state *st, void *arg)
{
	unsigned workers = (unsigned)(uintptr_t)arg;
	tally_engine *e = engine_new(workers, 0);
	struct timespec idle = { 0, WAKE_IDLE_NS };
	uint64_t iters = 0;
	double busy = 0;

	if (e == NULL) {
		bench_skip(st, "engine create failed");
		return;
	}
	while (bench_keep_running(st, 1)) {
		tally_pool_group g;
		double t0;

		nanosleep(&idle, NULL);
		t0 = pool_now();
		tally_pool_group_init(e, &g);
		tally_pool_submit(e, &g, noop, NULL);
		tally_pool_group_wait(&g);
		busy += pool_now() - t0;
		iters++;
	}
	bench_set_items(st, iters);
	bench_set_counter(st, "us_per_wake", busy * 1e6 / (double)iters, false);
	if (pool_baseline_get("wake/condvar") > 0)
		bench_set_counter(st, "ratio_vs_condvar", busy / (double)iters /
		    pool_baseline_get("wake/condvar"), false);
	tally_engine_destroy(e);
}

/* The baseline: wake a thread asleep on a condition variable, await its
 * answer on another. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t go, done;
	unsigned asked, answered;
	bool quit;
} pingpong = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	PTHREAD_COND_INITIALIZER, 0, 0, false };

static void *
pong(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pingpong.lock);
	for (;;) {
		while (pingpong.answered == pingpong.asked && !pingpong.quit)
			pthread_cond_wait(&pingpong.go, &pingpong.lock);
		if (pingpong.quit)
			break;
		pingpong.answered = pingpong.asked;
		pthread_cond_signal(&pingpong.done);
	}
	pthread_mutex_unlock(&pingpong.lock);
	return NULL;
}

static void
bm_wake_condvar(bench_state *st, void *arg)
{
	struct timespec idle = { 0, WAKE_IDLE_NS };
	uint64_t iters = 0;
	double busy = 0;
	pthread_t th;

	(void)arg;
	pingpong.quit = false;
	pthread_create(&th, NULL, pong, NULL);
	while (bench_keep_running(st, 1)) {
		double t0;

		nanosleep(&idle, NULL);
		t0 = pool_now();
		pthread_mutex_lock(&pingpong.lock);
		pingpong.asked++;
		pthread_cond_signal(&pingpong.go);
		while (pingpong.answered != pingpong.asked)
			pthread_cond_wait(&pingpong.done, &pingpong.lock);
		pthread_mutex_unlock(&pingpong.lock);
		busy += pool_now() - t0;
		iters++;
	}
	pthread_mutex_lock(&pingpong.lock);
	pingpong.quit = true;
	pthread_cond_signal(&pingpong.go);
	pthread_mutex_unlock(&pingpong.lock);
	pthread_join(th, NULL);
	bench_set_items(st, iters);
	bench_set_counter(st, "us_per_wake", busy * 1e6 / (double)iters, false);
	pool_baseline_set("wake/condvar", busy / (double)iters);
}

/* ------------------------------------------------------------------ */
/* (c) injection                                                       */

#define Q_CAP 1024u
#define Q_ITEMS (1u << 20) /* items per pass */

typedef struct queue_ops {
	const char *name;
	void *(*make)(void);
	void (*drop)(void *q);
	void (*put)(void *q, void *item);  /* waits while full */
	void *(*get)(void *q);             /* waits while empty */
} queue_ops;

/*
 * Ours: the engine's injection ring (the header only: its memory comes
 * through the C library's allocator); a full or empty ring yields.
 */
const tallyi_mem bench_libc_mem = TALLYI_MEM_LIBC;

static void *
ring_make(void)
{
	tallyi_ring *r = aligned_alloc(TALLY_CACHELINE, sizeof(*r));

	if (tallyi_ring_init(r, &bench_libc_mem, Q_CAP) != TALLY_OK)
		abort();
	return r;
}

static void
ring_drop(void *q)
{
	tallyi_ring_fini(q, &bench_libc_mem);
	free(q);
}

static void
ring_put(void *q, void *item)
{
	while (!tallyi_ring_enqueue_mp(q, item))
		sched_yield();
}

static void *
ring_get(void *q)
{
	void *x;

	while ((x = tallyi_ring_dequeue_mc(q)) == NULL)
		sched_yield();
	return x;
}

/* ck_ring in MPMC mode, same waiting policy. */
typedef struct ckq {
	ck_ring_t ring;
	ck_ring_buffer_t buf[Q_CAP];
} ckq;

static void *
ck_make(void)
{
	ckq *q = aligned_alloc(TALLY_CACHELINE, sizeof(ckq));

	ck_ring_init(&q->ring, Q_CAP);
	return q;
}

static void
ck_drop(void *q)
{
	free(q);
}

static void
ck_put(void *vq, void *item)
{
	ckq *q = vq;

	while (!ck_ring_enqueue_mpmc(&q->ring, q->buf, item))
		sched_yield();
}

static void *
ck_get(void *vq)
{
	ckq *q = vq;
	void *x;

	while (!ck_ring_dequeue_mpmc(&q->ring, q->buf, &x))
		sched_yield();
	return x;
}

/* The baseline: a bounded circular buffer under a mutex, two condvars. */
typedef struct mq {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	void *item[Q_CAP];
	unsigned head, count;
} mq;

static void *
mq_make(void)
{
	mq *q = calloc(1, sizeof(mq));

	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	return q;
}

static void
mq_drop(void *vq)
{
	mq *q = vq;

	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	free(q);
}

static void
mq_put(void *vq, void *item)
{
	mq *q = vq;

	pthread_mutex_lock(&q->lock);
	while (q->count == Q_CAP)
		pthread_cond_wait(&q->not_full, &q->lock);
	q->item[(q->head + q->count) % Q_CAP] = item;
	q->count++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

static void *
mq_get(void *vq)
{
	mq *q = vq;
	void *x;

	pthread_mutex_lock(&q->lock);
	while (q->count == 0)
		pthread_cond_wait(&q->not_empty, &q->lock);
	x = q->item[q->head];
	q->head = (q->head + 1) % Q_CAP;
	q->count--;
	pthread_cond_signal(&q->not_full);
	pthread_mutex_unlock(&q->lock);
	return x;
}

static const queue_ops queues[] = {
	{ "ring", ring_make, ring_drop, ring_put, ring_get },
	{ "ck_ring", ck_make, ck_drop, ck_put, ck_get },
	{ "mutex_cv", mq_make, mq_drop, mq_put, mq_get },
};

struct inject_arg {
	const queue_ops *ops;
	unsigned producers, consumers;
};

struct inject_run {
	const queue_ops *ops;
	void *q;
	unsigned per_producer, per_consumer;
	_Atomic uint64_t sum;
};

static void *
inject_producer(void *arg)
{
	struct inject_run *r = arg;

	for (uintptr_t i = 1; i <= r->per_producer; i++)
		r->ops->put(r->q, (void *)i);
	return NULL;
}

static void *
inject_consumer(void *arg)
{
	struct inject_run *r = arg;
	uint64_t sum = 0;

	for (unsigned i = 0; i < r->per_consumer; i++)
		sum += (uintptr_t)r->ops->get(r->q);
	atomic_fetch_add(&r->sum, sum);
	return NULL;
}

static void
bm_inject(bench_state *st, void *varg)
{
	struct inject_arg *a = varg;
	struct inject_run r = { a->ops, a->ops->make(), Q_ITEMS / a->producers,
		Q_ITEMS / a->consumers, 0 };
	uint64_t passes = 0, want;
	double t0, rate;
	char base[48];

	want = (uint64_t)a->producers * r.per_producer * (r.per_producer + 1)
	    / 2;
	t0 = pool_now();
	while (bench_keep_running(st, Q_ITEMS)) {
		pthread_t th[8];
		unsigned n = 0;

		atomic_store(&r.sum, 0);
		for (unsigned i = 0; i < a->consumers; i++)
			pthread_create(&th[n++], NULL, inject_consumer, &r);
		for (unsigned i = 0; i < a->producers; i++)
			pthread_create(&th[n++], NULL, inject_producer, &r);
		for (unsigned i = 0; i < n; i++)
			pthread_join(th[i], NULL);
		/* Every item arrived exactly once: the sums agree. */
		if (atomic_load(&r.sum) != want) {
			bench_skip(st, "items lost or duplicated");
			break;
		}
		passes++;
	}
	rate = (double)passes * Q_ITEMS / (pool_now() - t0);
	bench_set_items(st, passes * Q_ITEMS);
	snprintf(base, sizeof(base), "inject/%s/%u", a->ops->name,
	    a->producers);
	pool_baseline_set(base, rate);
	snprintf(base, sizeof(base), "inject/mutex_cv/%u", a->producers);
	if (strcmp(a->ops->name, "mutex_cv") != 0 &&
	    pool_baseline_get(base) > 0)
		bench_set_counter(st, "ratio_vs_mutex",
		    rate / pool_baseline_get(base), false);
	if (a->producers > 1) {
		snprintf(base, sizeof(base), "inject/%s/1", a->ops->name);
		if (pool_baseline_get(base) > 0)
			bench_set_counter(st, "ratio_vs_unloaded",
			    rate / pool_baseline_get(base), false);
	}
	a->ops->drop(r.q);
}

/* ------------------------------------------------------------------ */

void
pool_bench_register(void)
{
	static struct e2e_arg e2e[30];
	static struct inject_arg inj[6];
	static char names[52][64];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = 0, k = 0, wmax = ncpu > 2 ? (unsigned)ncpu : 2;

	/* (a): 1 worker first, so that later runs can print their speedup. */
	for (int v = 0; v < 3; v++) {
		bool tasks = v != 1;
		uint32_t keys = v == 2 ? 1u << 16 : 1u << 20;

		for (unsigned w = 1; w <= wmax && k < 24; w *= 2, k++) {
			e2e[k] = (struct e2e_arg){ w, tasks, keys, "", 0, 0,
				0 };
			snprintf(e2e[k].base, sizeof(e2e[k].base), "e2e/%s/%u",
			    tasks ? "tasks" : "outside", keys);
			snprintf(names[n], sizeof(names[n]),
			    "ingest/e2e/%s%s/workers:%u",
			    tasks ? "tasks" : "outside",
			    v == 2 ? "/keys:64K" : "", w);
			bench_register_realtime(names[n++], bm_e2e, &e2e[k]);
		}
	}
	/* 2 workers again, with 2 busy snapshot readers (after the run
	 * without, for the ratio). */
	for (unsigned p = 0; p < 2; p++) {
		e2e[k] = (struct e2e_arg){ 2, true, 1u << 20,
			"e2e/tasks/1048576", 2, p ? 100 : 0, 0 };
		snprintf(names[n], sizeof(names[n]),
		    "ingest/e2e/tasks/workers:2/readers:2%s",
		    p ? "/paced:100us" : "");
		bench_register_realtime(names[n++], bm_e2e, &e2e[k++]);
	}
	/* 2 workers, other batch sizes (4,096 is the run above) */
	for (unsigned b = 256; b <= 16384; b *= 4) {
		if (b == E2E_BATCH)
			continue;
		e2e[k] = (struct e2e_arg){ 2, true, 1u << 20,
			"e2e/tasks/1048576", 0, 0, b };
		snprintf(names[n], sizeof(names[n]),
		    "ingest/e2e/tasks/workers:2/batch:%u", b);
		bench_register_realtime(names[n++], bm_e2e, &e2e[k++]);
	}
	/* (b): TBB's side registers itself first (pool_tbb_bench.cc). */
	for (unsigned w = 1; w <= 2; w++) {
		snprintf(names[n], sizeof(names[n]), "tasks/fib/workers:%u", w);
		bench_register_realtime(names[n++], bm_fib,
		    (void *)(uintptr_t)w);
		snprintf(names[n], sizeof(names[n]), "tasks/for/workers:%u", w);
		bench_register_realtime(names[n++], bm_for,
		    (void *)(uintptr_t)w);
	}
	/* Prompt wake-up: the condition-variable ping-pong first. */
	bench_register_realtime("tasks/wake/condvar_pingpong", bm_wake_condvar,
	    NULL);
	for (unsigned w = 1; w <= 2; w++) {
		snprintf(names[n], sizeof(names[n]), "tasks/wake/workers:%u", w);
		bench_register_realtime(names[n++], bm_wake,
		    (void *)(uintptr_t)w);
	}
	/* (c): the mutex queue first, then each queue 1+1 then 2+2. */
	for (int qi = 2; qi >= 0; qi--) {
		for (unsigned p = 1; p <= 2; p++) {
			struct inject_arg *a = &inj[(2 - qi) * 2 + (p - 1)];

			*a = (struct inject_arg){ &queues[qi], p, p };
			snprintf(names[n], sizeof(names[n]),
			    "inject/%s/producers:%u/consumers:%u",
			    queues[qi].name, p, p);
			bench_register_realtime(names[n++], bm_inject, a);
		}
	}
}
