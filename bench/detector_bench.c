/*
 * bench/detector_bench.c - detector pools against jemalloc.
 *
 *   detector/<how>/threads:<t>/<release>
 *     how:     jemalloc (mallocx + create, then destroy + sdallocx) or pool
 *              (tally_detector_acquire, then tally_detector_release, which
 *              resets);
 *     release: same (the thread that got an instance gives it back) or
 *              cross (a second thread gives back what the first got,
 *              through a ring: threads:2 only).
 * Figures: ops_per_cpu_s (instances got and given back per CPU-second of
 * every thread involved, the target's measure) and, for the pool, its ratio
 * to jemalloc in the same configuration, measured in the same run.
 *
 * jemalloc is Debian's (libjemalloc_pic.a, kept private in a small shared
 * library, bench/je_shim.c) so that it does not replace the bench's own
 * malloc; its mallocx uses its thread caches, as an analyzer linking
 * jemalloc would. The detector is 256 bytes;
 * create zeroes it and fills a 16-entry table, reset clears 64 bytes of
 * counters, destroy does nothing: a detector that costs a little to build
 * and less to reuse.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"
#include "tally.h"

#define DET_SIZE 256
#define OPS 200000 /* per thread per pass */

typedef struct det {
	uint64_t counters[8];
	uint32_t table[16];
	char rest[DET_SIZE - 64 - 64];
} det;

static int
det_create(void *obj, void *arg)
{
	det *d = obj;

	(void)arg;
	memset(d, 0, sizeof(*d));
	for (uint32_t i = 0; i < 16; i++)
		d->table[i] = i * 0x9E3779B1u;
	return 0;
}

static void
det_reset(void *obj, void *arg)
{
	(void)arg;
	memset(((det *)obj)->counters, 0, sizeof(((det *)obj)->counters));
}

static void
det_destroy(void *obj, void *arg)
{
	(void)obj, (void)arg;
}

/* ---- jemalloc (bench/je_shim.c) ---- */

void *bench_je_mallocx(size_t size, int flags);
void bench_je_sdallocx(void *p, size_t size, int flags);

/* ---- one workload ---- */

struct ctx {
	bool pool;
	tally_detector_pool *p;
	/* cross: a single-producer single-consumer ring of instances */
	void *ring[1024];
	_Atomic size_t head, tail;
	_Atomic bool done;
	double cpu[2];
};

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline void *
get(struct ctx *c)
{
	void *o;

	if (c->pool) {
		if (tally_detector_acquire(c->p, &o) != TALLY_OK)
			abort();
	} else {
		o = bench_je_mallocx(DET_SIZE, 0);
		if (o == NULL || det_create(o, NULL) != 0)
			abort();
	}
	return o;
}

static inline void
give(struct ctx *c, void *o)
{
	if (c->pool) {
		tally_detector_release(c->p, o);
	} else {
		det_destroy(o, NULL);
		bench_je_sdallocx(o, DET_SIZE, 0);
	}
}

struct thr {
	struct ctx *c;
	int role; /* 0: get and give; 1: get, into the ring; 2: give from it */
	double cpu;
};

static void *
run_thread(void *arg)
{
	struct thr *t = arg;
	struct ctx *c = t->c;
	double t0 = cpu_now();

	if (t->role == 0) {
		for (int i = 0; i < OPS; i++) {
			void *o = get(c);

			((det *)o)->counters[0]++;
			BENCH_ESCAPE(o);
			give(c, o);
		}
	} else if (t->role == 1) {
		for (int i = 0; i < OPS; i++) {
			void *o = get(c);
			size_t h = atomic_load_explicit(&c->head,
			    memory_order_relaxed);

			((det *)o)->counters[0]++;
			while (h - atomic_load_explicit(&c->tail,
			    memory_order_acquire) == 1024)
				;
			c->ring[h % 1024] = o;
			atomic_store_explicit(&c->head, h + 1,
			    memory_order_release);
		}
	} else {
		for (int i = 0; i < OPS; i++) {
			size_t tl = atomic_load_explicit(&c->tail,
			    memory_order_relaxed);
			void *o;

			while (atomic_load_explicit(&c->head,
			    memory_order_acquire) == tl)
				;
			o = c->ring[tl % 1024];
			atomic_store_explicit(&c->tail, tl + 1,
			    memory_order_release);
			give(c, o);
		}
	}
	t->cpu = cpu_now() - t0;
	return NULL;
}

struct det_arg {
	bool pool;
	unsigned threads;
	bool cross;
	char key[48];
};

static void
bm_detector(bench_state *st, void *varg)
{
	struct det_arg *a = varg;
	struct ctx *c;
	double cpu = 0, ops = 0;

	c = calloc(1, sizeof(*c));
	c->pool = a->pool;
	if (a->pool) {
		tally_detector_type t = TALLY_DETECTOR_TYPE_INIT;

		t.name = "bench";
		t.object_size = DET_SIZE;
		t.create = det_create;
		t.reset = det_reset;
		t.destroy = det_destroy;
		if (tally_detector_pool_create(&t, NULL, &c->p) != TALLY_OK)
			abort();
	}
	while (bench_keep_running(st, (uint64_t)OPS * (a->cross ? 1 :
	    a->threads))) {
		struct thr t[2] = { { c, 0, 0 }, { c, 0, 0 } };
		pthread_t th[2];

		atomic_store(&c->head, 0);
		atomic_store(&c->tail, 0);
		if (a->cross) {
			t[0].role = 1;
			t[1].role = 2;
		}
		for (unsigned i = 0; i < a->threads; i++)
			pthread_create(&th[i], NULL, run_thread, &t[i]);
		for (unsigned i = 0; i < a->threads; i++) {
			pthread_join(th[i], NULL);
			cpu += t[i].cpu;
		}
		ops += (double)OPS * (a->cross ? 1 : a->threads);
	}
	bench_set_items(st, (uint64_t)ops);
	bench_set_counter(st, "ops_per_cpu_s", ops / cpu, false);
	if (!a->pool)
		pool_baseline_set(a->key, ops / cpu);
	else if (pool_baseline_get(a->key) > 0)
		bench_set_counter(st, "ratio_vs_jemalloc", ops / cpu /
		    pool_baseline_get(a->key), false);
	if (a->pool) {
		tally_detector_pool_stats s;

		tally_detector_pool_stats_get(c->p, &s);
		bench_set_counter(st, "hit_rate", s.acquires ? (double)s.hits /
		    (double)s.acquires : 0, false);
		tally_detector_pool_destroy(c->p);
	}
	free(c);
}

void
detector_bench_register(void)
{
	static struct det_arg args[2][3];
	static const struct { unsigned threads; bool cross; } cfg[3] = {
		{ 1, false }, { 2, false }, { 2, true } };

	/* jemalloc first: its figures are the pool's baselines */
	for (int pool = 0; pool < 2; pool++) {
		for (int k = 0; k < 3; k++) {
			struct det_arg *a = &args[pool][k];
			char name[96];

			a->pool = pool;
			a->threads = cfg[k].threads;
			a->cross = cfg[k].cross;
			snprintf(a->key, sizeof(a->key), "detector/t%u/%s",
			    a->threads, a->cross ? "cross" : "same");
			snprintf(name, sizeof(name),
			    "detector/%s/threads:%u/%s", pool ? "pool" :
			    "jemalloc", a->threads, a->cross ? "cross" :
			    "same");
			bench_register_realtime(name, bm_detector, a);
		}
	}
}
