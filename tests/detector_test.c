/*
 * tests/detector_test.c - detector pools (tally/detector.h): reuse, the
 * limits, warm-up, least-recently-released eviction, releases on other
 * threads and at thread exit, stats, and every allocation failure.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <pthread.h>

#include "tally.h"
#include "test_util.h"

/* A detector that records what happens to it. */
typedef struct det {
	uint64_t serial;   /* from create: which instance this is */
	uint64_t uses;     /* reset counts them */
	char state[200];
} det;

typedef struct log_ {
	pthread_mutex_t lock;
	uint64_t created, resets, destroyed;
	int fail_create;   /* create returns this when non-zero */
	uint64_t destroyed_serial[256];
} log_;

static int
d_create(void *obj, void *arg)
{
	log_ *l = arg;
	det *d = obj;
	int rc;

	pthread_mutex_lock(&l->lock);
	rc = l->fail_create;
	if (rc == 0)
		d->serial = ++l->created;
	pthread_mutex_unlock(&l->lock);
	d->uses = 0;
	memset(d->state, 1, sizeof(d->state));
	return rc;
}

static void
d_reset(void *obj, void *arg)
{
	log_ *l = arg;
	det *d = obj;

	d->uses++;
	memset(d->state, 0, 16);
	pthread_mutex_lock(&l->lock);
	l->resets++;
	pthread_mutex_unlock(&l->lock);
}

static void
d_destroy(void *obj, void *arg)
{
	log_ *l = arg;
	det *d = obj;

	pthread_mutex_lock(&l->lock);
	if (l->destroyed < 256)
		l->destroyed_serial[l->destroyed] = d->serial;
	l->destroyed++;
	pthread_mutex_unlock(&l->lock);
}

static log_ lg;
static tally_detector_pool *p;

static tally_detector_pool *
make(uint32_t max, uint32_t budget, uint32_t warm,
    const tally_allocator *alloc, int *rc)
{
	tally_detector_type t = TALLY_DETECTOR_TYPE_INIT;
	tally_detector_pool *out = NULL;

	t.name = "test";
	t.object_size = sizeof(det);
	t.create = d_create;
	t.reset = d_reset;
	t.destroy = d_destroy;
	t.arg = &lg;
	t.max_instances = max;
	t.idle_budget = budget;
	t.warm = warm;
	*rc = tally_detector_pool_create(&t, alloc, &out);
	return out;
}

static void
setup(void)
{
	memset(&lg, 0, sizeof(lg));
	pthread_mutex_init(&lg.lock, NULL);
	p = NULL;
}

static void
teardown(void)
{
	tally_detector_pool_destroy(p);
}

TestSuite(detector, .init = setup, .fini = teardown, .timeout = 60);

static tally_detector_pool_stats
stats(void)
{
	tally_detector_pool_stats s;

	tally_detector_pool_stats_get(p, &s);
	return s;
}

Test(detector, a_released_instance_is_reset_and_reused)
{
	void *a, *b;
	int rc;

	p = make(0, UINT32_MAX, 0, NULL, &rc);
	cr_assert(eq(int, rc, TALLY_OK));
	cr_assert(eq(int, tally_detector_acquire(p, &a), TALLY_OK));
	cr_expect(eq(u64, ((det *)a)->serial, 1));
	cr_expect(eq(u64, (uintptr_t)a % 64, 0)); /* cache-line aligned */
	tally_detector_release(p, a);
	cr_expect(eq(u64, lg.resets, 1));
	cr_assert(eq(int, tally_detector_acquire(p, &b), TALLY_OK));
	cr_expect(eq(ptr, b, a));
	cr_expect(eq(u64, ((det *)b)->uses, 1));
	cr_expect(eq(u64, lg.created, 1));
	cr_expect(eq(u64, stats().acquires, 2));
	cr_expect(eq(u64, stats().hits, 1));
	cr_expect(eq(u64, stats().live, 1));
	tally_detector_release(p, b);
	cr_expect(eq(u64, stats().live, 0));
	cr_expect(eq(u64, stats().exist, 1));
}

Test(detector, create_failures_pass_through_and_leave_no_instance)
{
	void *a = NULL;
	int rc;

	p = make(0, UINT32_MAX, 0, NULL, &rc);
	lg.fail_create = TALLY_EIO;
	cr_expect(eq(int, tally_detector_acquire(p, &a), TALLY_EIO));
	cr_expect(eq(u64, stats().exist, 0));
	cr_expect(eq(u64, stats().creations, 0));
	lg.fail_create = 0;
	cr_expect(eq(int, tally_detector_acquire(p, &a), TALLY_OK));
	tally_detector_release(p, a);
}

Test(detector, max_instances_is_a_hard_limit)
{
	void *a, *b, *c;
	int rc;

	p = make(2, UINT32_MAX, 0, NULL, &rc);
	cr_assert(eq(int, tally_detector_acquire(p, &a), TALLY_OK));
	cr_assert(eq(int, tally_detector_acquire(p, &b), TALLY_OK));
	cr_expect(eq(int, tally_detector_acquire(p, &c), TALLY_EFULL));
	tally_detector_release(p, a);
	cr_expect(eq(int, tally_detector_acquire(p, &c), TALLY_OK));
	cr_expect(eq(ptr, c, a));
	cr_expect(eq(u64, stats().high_water, 2));
	tally_detector_release(p, b);
	tally_detector_release(p, c);
}

Test(detector, warm_up_fills_the_store)
{
	void *a[40];
	int rc;

	p = make(0, UINT32_MAX, 40, NULL, &rc);
	cr_assert(eq(int, rc, TALLY_OK));
	cr_expect(eq(u64, lg.created, 40));
	for (int i = 0; i < 40; i++)
		cr_assert(eq(int, tally_detector_acquire(p, &a[i]), TALLY_OK));
	cr_expect(eq(u64, lg.created, 40)); /* every one warm */
	cr_expect(eq(u64, stats().hits, 40));
	for (int i = 0; i < 40; i++)
		tally_detector_release(p, a[i]);
	/* warm beyond max_instances is refused */
	tally_detector_pool_destroy(p);
	p = make(10, UINT32_MAX, 11, NULL, &rc);
	cr_expect(eq(int, rc, TALLY_EINVAL));
}

/*
 * 100 instances released in order on one thread: the thread keeps two
 * magazines (64), the store gets the magazine of the first 32 released and
 * then that of the next 32, which takes it past its budget of 32: the
 * least recently released magazine (serials 1-32) goes.
 */
Test(detector, the_least_recently_released_are_evicted)
{
	void *a[100];
	int rc;

	p = make(0, 32, 0, NULL, &rc);
	for (int i = 0; i < 100; i++)
		cr_assert(eq(int, tally_detector_acquire(p, &a[i]), TALLY_OK));
	for (int i = 0; i < 100; i++)
		tally_detector_release(p, a[i]);
	cr_assert(eq(u64, lg.destroyed, 32));
	cr_expect(eq(u64, stats().evictions, 32));
	cr_expect(eq(u64, stats().exist, 68));
	for (int i = 0; i < 32; i++) {
		uint64_t sn = lg.destroyed_serial[i];

		cr_expect(ge(u64, sn, 1), "evicted serial %llu",
		    (unsigned long long)sn);
		cr_expect(le(u64, sn, 32), "evicted serial %llu",
		    (unsigned long long)sn);
	}
	/* what is left is served without creating */
	for (int i = 0; i < 68; i++)
		cr_assert(eq(int, tally_detector_acquire(p, &a[i]), TALLY_OK));
	cr_expect(eq(u64, lg.created, 100));
	for (int i = 0; i < 68; i++)
		tally_detector_release(p, a[i]);
}

struct xarg {
	void **objs;
	int n;
	uint64_t hits_after;
};

static void *
release_them(void *arg)
{
	struct xarg *x = arg;

	for (int i = 0; i < x->n; i++)
		tally_detector_release(p, x->objs[i]);
	/* this thread's cache now serves them */
	for (int i = 0; i < x->n; i++)
		if (tally_detector_acquire(p, &x->objs[i]) != TALLY_OK)
			return (void *)1;
	for (int i = 0; i < x->n; i++)
		tally_detector_release(p, x->objs[i]);
	return NULL;
}

Test(detector, another_thread_may_release_and_an_exiting_one_gives_back)
{
	void *objs[50], *rv, *b;
	struct xarg x = { objs, 50, 0 };
	pthread_t th;
	int rc;

	p = make(0, UINT32_MAX, 0, NULL, &rc);
	for (int i = 0; i < 50; i++)
		cr_assert(eq(int, tally_detector_acquire(p, &objs[i]), TALLY_OK));
	cr_assert(eq(int, pthread_create(&th, NULL, release_them, &x), 0));
	pthread_join(th, &rv);
	cr_expect(eq(ptr, rv, NULL));
	cr_expect(eq(u64, stats().hits, 50)); /* the thread's 50 */
	cr_expect(eq(u64, stats().live, 0));
	/* the thread exited: its magazines went to the store, so this
	 * thread is served from there */
	cr_assert(eq(int, tally_detector_acquire(p, &b), TALLY_OK));
	cr_expect(eq(u64, stats().hits, 51));
	cr_expect(eq(u64, lg.created, 50));
	tally_detector_release(p, b);
}

Test(detector, unregister_destroys_every_idle_instance)
{
	void *a[70];
	int rc;

	p = make(0, UINT32_MAX, 10, NULL, &rc);
	for (int i = 0; i < 70; i++)
		cr_assert(eq(int, tally_detector_acquire(p, &a[i]), TALLY_OK));
	for (int i = 0; i < 70; i++)
		tally_detector_release(p, a[i]);
	tally_detector_pool_destroy(p);
	p = NULL;
	cr_expect(eq(u64, lg.destroyed, lg.created));
	cr_expect(eq(u64, lg.created, 70));
}

/* A thread caches two magazines: of 4 objects, the ninth release of a
 * run goes past them to the store (budget 0: destroyed). */
Test(detector, a_smaller_magazine_caches_fewer_per_thread)
{
	tally_detector_type t = TALLY_DETECTOR_TYPE_INIT;
	void *a[12];

	t.object_size = sizeof(det);
	t.create = d_create;
	t.destroy = d_destroy;
	t.arg = &lg;
	t.idle_budget = 0;
	t.magazine = 33;
	cr_expect(eq(int, tally_detector_pool_create(&t, NULL, &p),
	    TALLY_EINVAL));
	t.magazine = 4;
	cr_assert(eq(int, tally_detector_pool_create(&t, NULL, &p), TALLY_OK));
	for (int i = 0; i < 12; i++)
		cr_assert(eq(int, tally_detector_acquire(p, &a[i]), TALLY_OK));
	for (int i = 0; i < 12; i++)
		tally_detector_release(p, a[i]);
	cr_expect(eq(u64, stats().evictions, 4));
	cr_expect(eq(u64, stats().exist, 8));
	tally_detector_pool_destroy(p);
	/* the default, 32: all twelve stay in this thread's cache */
	t.magazine = 0;
	cr_assert(eq(int, tally_detector_pool_create(&t, NULL, &p), TALLY_OK));
	for (int i = 0; i < 12; i++)
		cr_assert(eq(int, tally_detector_acquire(p, &a[i]), TALLY_OK));
	for (int i = 0; i < 12; i++)
		tally_detector_release(p, a[i]);
	cr_expect(eq(u64, stats().evictions, 0));
}

Test(detector, bad_arguments)
{
	tally_detector_type t = TALLY_DETECTOR_TYPE_INIT;
	tally_detector_pool *q = NULL;

	cr_expect(eq(int, tally_detector_pool_create(&t, NULL, &q),
	    TALLY_EINVAL)); /* no size, no create */
	t.object_size = 8;
	cr_expect(eq(int, tally_detector_pool_create(&t, NULL, &q),
	    TALLY_EINVAL));
	t.create = d_create;
	t.struct_size = 8;
	cr_expect(eq(int, tally_detector_pool_create(&t, NULL, &q),
	    TALLY_EINVAL));
	cr_expect(eq(ptr, q, NULL));
	cr_expect(eq(int, tally_detector_acquire(NULL, (void **)&q),
	    TALLY_EINVAL));
	tally_detector_release(NULL, q); /* no-op */
	tally_detector_pool_destroy(NULL);
}

/* One run of everything the pool allocates for, with allocator @a. */
static int
exercise(const tally_allocator *a)
{
	void *o[80];
	int rc, n = 0;

	p = make(0, 40, 20, a, &rc);
	if (rc != TALLY_OK)
		return rc;
	for (; n < 80; n++)
		if ((rc = tally_detector_acquire(p, &o[n])) != TALLY_OK)
			break;
	for (int i = 0; i < n; i++)
		tally_detector_release(p, o[i]);
	tally_detector_pool_destroy(p);
	p = NULL;
	return rc;
}

Test(detector, every_allocation_failure_is_clean)
{
	counting c = COUNTING_INIT(0);
	tally_allocator a = { c_alloc, c_free, &c };
	long total;

	cr_assert(eq(int, exercise(&a), TALLY_OK));
	cr_expect(eq(sz, c.live_bytes, 0));
	total = c.allocs;
	for (long k = 1; k <= total; k++) {
		int rc;

		memset(&lg, 0, sizeof(lg));
		pthread_mutex_init(&lg.lock, NULL);
		c = (counting)COUNTING_INIT(k);
		rc = exercise(&a);
		cr_expect(rc == TALLY_OK || rc == TALLY_ENOMEM,
		    "allocation %ld: rc %d", k, rc);
		cr_expect(eq(long, c.allocs - 1, c.frees),
		    "allocation %ld: blocks leaked", k);
		cr_expect(eq(long, c.bad_frees, 0), "allocation %ld", k);
		cr_expect(eq(u64, lg.created, lg.destroyed),
		    "allocation %ld: instances leaked", k);
	}
}
