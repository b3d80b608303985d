/*
 * tests/stress/detector_stress.c - many threads acquire and release
 * detectors of one pool, hand some to another thread to release, exit and
 * are replaced, while a small idle budget keeps the store trimming and a
 * cap on instances makes acquires fail with TALLY_EFULL.
 *
 * Exact accounting:
 *   - an instance is never handed to two holders at once (each carries a
 *     held flag, swapped 0 -> 1 on acquire and 1 -> 0 before release);
 *   - acquires = releases at the end, and the pool agrees (live 0);
 *   - exist = creations - evictions never exceeds the cap, and after
 *     unregister every instance created was destroyed exactly once.
 * Run it under ThreadSanitizer and AddressSanitizer.
 *
 * Exit status: 0 every invariant held, 1 a violation (printed), 2 usage.
 */
#define STRESS_NAME "detector_stress"

#include <pthread.h>
#include <string.h>

#include "stress_util.h"

typedef struct det {
	_Atomic uint32_t held;
	_Atomic uint32_t alive;  /* 1 from create to destroy */
	char body[120];
} det;

static _Atomic uint64_t created, destroyed, acquired, released, efull;
static tally_detector_pool *pool;
static unsigned nthreads, cap;
static double deadline;

/* A mailbox per thread: instances another thread handed over. */
typedef struct box {
	pthread_mutex_t lock;
	void *obj[256];
	unsigned n;
} box;

static box boxes[64];

static int
d_create(void *obj, void *arg)
{
	det *d = obj;

	(void)arg;
	atomic_store(&d->held, 0);
	atomic_store(&d->alive, 1);
	memset(d->body, 7, sizeof(d->body));
	atomic_fetch_add(&created, 1);
	return 0;
}

static void
d_reset(void *obj, void *arg)
{
	det *d = obj;

	(void)arg;
	if (atomic_load(&d->held) != 0 || atomic_load(&d->alive) != 1)
		FAIL("reset of an instance that is held or dead");
	memset(d->body, 0, 16);
}

static void
d_destroy(void *obj, void *arg)
{
	det *d = obj;

	(void)arg;
	if (atomic_exchange(&d->alive, 0) != 1)
		FAIL("an instance destroyed twice");
	if (atomic_load(&d->held) != 0)
		FAIL("a held instance destroyed");
	atomic_fetch_add(&destroyed, 1);
}

static void
give_back(void *obj)
{
	det *d = obj;

	if (atomic_exchange(&d->held, 0) != 1)
		FAIL("released an instance that was not held");
	atomic_fetch_add(&released, 1);
	tally_detector_release(pool, obj);
}

static void
drain(box *b)
{
	pthread_mutex_lock(&b->lock);
	while (b->n > 0)
		give_back(b->obj[--b->n]);
	pthread_mutex_unlock(&b->lock);
}

static void *
worker(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	uint64_t seed = 0x9E3779B97F4A7C15ull * (me + 1);
	void *held[48];

	while (!atomic_load(&failed) && now() < deadline) {
		unsigned k = 1 + (unsigned)(rnd(&seed) % 48), got = 0;

		for (unsigned i = 0; i < k; i++) {
			int rc = tally_detector_acquire(pool, &held[got]);

			if (rc == TALLY_EFULL) {
				atomic_fetch_add(&efull, 1);
				break;
			}
			if (rc != TALLY_OK) {
				FAIL("acquire: %s", tally_strerror(rc));
				return NULL;
			}
			if (atomic_exchange(&((det *)held[got])->held, 1) != 0)
				FAIL("an instance handed to two holders");
			atomic_fetch_add(&acquired, 1);
			got++;
		}
		/* every third batch goes to the next thread to release */
		if (rnd(&seed) % 3 == 0) {
			box *b = &boxes[(me + 1) % nthreads];

			pthread_mutex_lock(&b->lock);
			while (got > 0 && b->n < 256)
				b->obj[b->n++] = held[--got];
			pthread_mutex_unlock(&b->lock);
		}
		while (got > 0)
			give_back(held[--got]);
		drain(&boxes[me]);
	}
	return NULL;
}

static int
usage(void)
{
	fprintf(stderr, "usage: detector_stress [--threads T] [--rounds R] "
	    "[--seconds S] [--cap N] [--budget N]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	tally_detector_type t = TALLY_DETECTOR_TYPE_INIT;
	tally_detector_pool_stats st;
	unsigned rounds = 4;
	double seconds = 2, t0 = now();
	pthread_t th[64];

	nthreads = 8;
	cap = 1200;
	t.idle_budget = 96;
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i];
		double v;

		if (i + 1 >= argc)
			return usage();
		v = strtod(argv[i + 1], NULL);
		if (strcmp(a, "--threads") == 0 && v >= 2 && v <= 64)
			nthreads = (unsigned)v;
		else if (strcmp(a, "--rounds") == 0 && v >= 1)
			rounds = (unsigned)v;
		else if (strcmp(a, "--seconds") == 0 && v > 0)
			seconds = v;
		else if (strcmp(a, "--cap") == 0 && v >= 64)
			cap = (unsigned)v;
		else if (strcmp(a, "--budget") == 0 && v >= 0)
			t.idle_budget = (uint32_t)v;
		else
			return usage();
	}
	t.name = "stress";
	t.object_size = sizeof(det);
	t.create = d_create;
	t.reset = d_reset;
	t.destroy = d_destroy;
	t.max_instances = cap;
	t.warm = 64;
	if (tally_detector_pool_create(&t, NULL, &pool) != TALLY_OK) {
		FAIL("register failed");
		return 1;
	}
	for (unsigned i = 0; i < nthreads; i++)
		pthread_mutex_init(&boxes[i].lock, NULL);
	/* Rounds of fresh threads: the old ones' caches go to the store. */
	for (unsigned r = 0; r < rounds && !atomic_load(&failed); r++) {
		deadline = now() + seconds / rounds;
		for (unsigned i = 0; i < nthreads; i++)
			if (pthread_create(&th[i], NULL, worker,
			    (void *)(uintptr_t)i) != 0) {
				FAIL("pthread_create");
				return 1;
			}
		for (unsigned i = 0; i < nthreads; i++)
			pthread_join(th[i], NULL);
		for (unsigned i = 0; i < nthreads; i++)
			drain(&boxes[i]);
		tally_detector_pool_stats_get(pool, &st);
		if (st.exist > cap || st.high_water > cap)
			FAIL("%llu instances exist (high water %llu), cap %u",
			    (unsigned long long)st.exist,
			    (unsigned long long)st.high_water, cap);
		if (st.exist != st.creations - st.evictions)
			FAIL("exist %llu != creations %llu - evictions %llu",
			    (unsigned long long)st.exist,
			    (unsigned long long)st.creations,
			    (unsigned long long)st.evictions);
	}
	tally_detector_pool_stats_get(pool, &st);
	if (atomic_load(&acquired) != atomic_load(&released) || st.live != 0 ||
	    st.acquires != atomic_load(&acquired))
		FAIL("acquired %llu, released %llu; pool: %llu acquires, "
		    "live %llu", (unsigned long long)atomic_load(&acquired),
		    (unsigned long long)atomic_load(&released),
		    (unsigned long long)st.acquires,
		    (unsigned long long)st.live);
	if (st.creations != atomic_load(&created))
		FAIL("pool says %llu creations, create ran %llu times",
		    (unsigned long long)st.creations,
		    (unsigned long long)atomic_load(&created));
	tally_detector_pool_destroy(pool);
	if (atomic_load(&destroyed) != atomic_load(&created))
		FAIL("created %llu, destroyed %llu",
		    (unsigned long long)atomic_load(&created),
		    (unsigned long long)atomic_load(&destroyed));
	printf("detector_stress: %u threads x %u rounds, %llu acquires "
	    "(%llu hits, %llu EFULL), %llu created, %llu evicted, high water "
	    "%llu of %u in %.2f s: %s\n", nthreads, rounds,
	    (unsigned long long)st.acquires, (unsigned long long)st.hits,
	    (unsigned long long)atomic_load(&efull),
	    (unsigned long long)st.creations,
	    (unsigned long long)st.evictions,
	    (unsigned long long)st.high_water, cap, now() - t0,
	    atomic_load(&failed) ? "FAILED" : "ok");
	return atomic_load(&failed) ? 1 : 0;
}
