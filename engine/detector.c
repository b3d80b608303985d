/*
 * engine/detector.c - detector pools (tally/detector.h).
 *
 * Layers, after Bonwick and Adams (USENIX 2001):
 *
 *   thread cache:  two magazines, `loaded` and `prev`, owned by one thread
 *                  (found through a pthread key per pool); no atomics on
 *                  the objects' path, only the owner's own counters.
 *   shared store:  two lock-free stacks of magazines, `full` and `empty`.
 *   allocator:     create() into tallyi_alloc() memory on a miss.
 *
 * Acquire: take from `loaded`; else, when `prev` is full, swap and take;
 * else trade the empty `prev` for a full magazine of the store; else
 * create. Release: put into `loaded`; else, when `prev` is empty, swap and
 * put; else push the full `prev` to the store and take an empty magazine
 * for `loaded`. `prev` is always full or empty (invariant 1), so the store
 * is touched at most once per magazine's worth of operations (a full
 * magazine holds the type's `magazine` objects, at most TALLYI_MAG) in
 * either direction.
 *
 * The stacks are Treiber stacks of magazine indexes. A head is one 64-bit
 * word, (tag << 32 | index + 1), and every push and pop adds one to the
 * tag, so a pop whose view of the top is stale (the top was popped and
 * pushed back meanwhile: ABA) fails its CAS. Magazines live in segments
 * that never move or go before the pool, so reading the `next` of a
 * magazine another thread has just popped is safe (it is an atomic, and
 * the stale value is discarded by the failing CAS).
 *
 * The idle budget bounds the objects in full magazines of the store. A
 * push that takes the store past it trims: it pops the whole stack at
 * once, keeps the most recently pushed magazines that fit, destroys the
 * objects of the rest (the least recently released) and pushes the kept
 * ones back in their order. Meanwhile other threads find the store empty
 * and create instead: rare, and only a cost.
 *
 * Invariants:
 *  1. A thread cache's `prev` holds 0 or mag_cap objects.
 *  2. exist = creations - evictions - (destroyed with the pool), and never
 *     exceeds max_instances (a create reserves its slot first).
 *     The equation needs the three counters at one instant, which only a
 *     quiet pool has (the tests check it there); the bound holds by the
 *     reservation, and exist_sub() asserts that exist never goes below 0.
 *  3. An object is in at most one place: a user's hands, one magazine.
 *     Not asserted: it needs every magazine at once; a double release
 *     is the user's bug, and ASan reports the double free it leads to.
 */
#include <pthread.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/cc.h"
#include "tally/detector.h"

#define TALLYI_MAG 32
#define MAG_SEG0 64u
#define MAG_SEGS 24

typedef struct mag {
	tallyi_atomic_u32 next; /* stack link: index + 1, 0 ends the stack */
	uint32_t idx;
	uint32_t n;
	void *obj[TALLYI_MAG];
} mag;

typedef struct tcache {
	mag *loaded, *prev;      /* NULL after its thread exited */
	struct tally_detector_pool *pool;
	struct tcache *reg_next; /* the pool's registry, under its lock */
	/* Written by the owner only (relaxed), read by stats. */
	tallyi_atomic_u64 acquires, releases;
} tcache;

struct tally_detector_pool {
	tallyi_mem mem;
	tally_detector_type t;
	uint32_t mag_cap;  /* objects in a full magazine */
	char *name;
	size_t name_size;
	pthread_key_t key;

	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_u64 full;
	tallyi_atomic_u64 empty;
	tallyi_atomic_u64 store_idle; /* objects in full magazines */

	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_u64 exist;
	tallyi_atomic_u64 high_water;
	tallyi_atomic_u64 creations, evictions;
	tallyi_atomic_u32 trimming;
	uint64_t warmed;              /* creations when the pool was made */
	uint64_t gen;                 /* unique per pool made, from 1 */

	/* Slow paths: new magazines, new thread caches. */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) pthread_mutex_t lock;
	tallyi_atomic_ptr seg[MAG_SEGS];
	tallyi_atomic_u32 nmags;
	tcache *reg;
};

/* ------------------------------------------------------------------ */
/* Magazines and the stacks                                            */

static mag *
mag_at(tally_detector_pool *p, uint32_t idx)
{
	uint64_t x = (uint64_t)idx / MAG_SEG0 + 1;
	unsigned k = 63u - (unsigned)__builtin_clzll(x);
	uint64_t base = (uint64_t)MAG_SEG0 * ((UINT64_C(1) << k) - 1);
	mag *seg = tallyi_load_ptr(&p->seg[k], TALLY_ACQUIRE);

	return &seg[idx - base];
}

/* A new, empty magazine (slow path, under the lock). */
static mag *
mag_new(tally_detector_pool *p)
{
	uint32_t idx;
	uint64_t x;
	unsigned k;
	mag *m = NULL;

	pthread_mutex_lock(&p->lock);
	idx = tallyi_load_u32(&p->nmags, TALLY_RELAXED);
	x = (uint64_t)idx / MAG_SEG0 + 1;
	k = 63u - (unsigned)__builtin_clzll(x);
	if (k < MAG_SEGS) {
		if (tallyi_load_ptr(&p->seg[k], TALLY_RELAXED) == NULL) {
			void *seg = tallyi_zalloc(&p->mem, sizeof(mag) *
			    ((size_t)MAG_SEG0 << k));

			if (seg != NULL)
				tallyi_store_ptr(&p->seg[k], seg,
				    TALLY_RELEASE);
		}
		if (tallyi_load_ptr(&p->seg[k], TALLY_RELAXED) != NULL) {
			m = mag_at(p, idx);
			m->idx = idx;
			m->n = 0;
			tallyi_store_u32(&p->nmags, idx + 1, TALLY_RELEASE);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return m;
}

static void
push(tally_detector_pool *p, tallyi_atomic_u64 *head, mag *m)
{
	uint64_t old = tallyi_load_u64(head, TALLY_RELAXED), nu;

	do {
		tallyi_store_u32(&m->next, (uint32_t)old, TALLY_RELAXED);
		nu = ((old >> 32) + 1) << 32 | (m->idx + 1);
	} while (!tallyi_cas_u64(head, &old, nu, TALLY_RELEASE));
	(void)p;
}

static mag *
pop(tally_detector_pool *p, tallyi_atomic_u64 *head)
{
	uint64_t old = tallyi_load_u64(head, TALLY_ACQUIRE), nu;

	for (;;) {
		uint32_t top = (uint32_t)old;
		mag *m;

		if (top == 0)
			return NULL;
		m = mag_at(p, top - 1);
		nu = ((old >> 32) + 1) << 32 |
		    tallyi_load_u32(&m->next, TALLY_RELAXED);
		if (tallyi_cas_u64(head, &old, nu, TALLY_ACQUIRE))
			return m;
	}
}

/* Take the whole stack at once (its magazines, most recent first). */
static mag *
pop_all(tally_detector_pool *p, tallyi_atomic_u64 *head)
{
	uint64_t old = tallyi_load_u64(head, TALLY_ACQUIRE), nu;

	do {
		if ((uint32_t)old == 0)
			return NULL;
		nu = ((old >> 32) + 1) << 32;
	} while (!tallyi_cas_u64(head, &old, nu, TALLY_ACQUIRE));
	return mag_at(p, (uint32_t)old - 1);
}

/* ------------------------------------------------------------------ */
/* Objects                                                             */

static void
obj_destroy(tally_detector_pool *p, void *obj)
{
	if (p->t.destroy != NULL)
		p->t.destroy(obj, p->t.arg);
	tallyi_free(&p->mem, obj, p->t.object_size);
}

/* @n instances are gone: exist counts them out (invariant 2). */
static void
exist_sub(tally_detector_pool *p, uint64_t n)
{
	uint64_t was = tallyi_fetch_sub_u64(&p->exist, n, TALLY_RELAXED);

	TALLY_ASSERT(was >= n);
}

/* Create one instance, within max_instances (invariant 2). */
static int
obj_create(tally_detector_pool *p, void **out)
{
	uint64_t n = tallyi_fetch_add_u64(&p->exist, 1, TALLY_RELAXED) + 1;
	uint64_t hw = tallyi_load_u64(&p->high_water, TALLY_RELAXED);
	void *obj;
	int rc;

	if (p->t.max_instances != 0 && n > p->t.max_instances) {
		exist_sub(p, 1);
		return TALLY_EFULL;
	}
	obj = tallyi_alloc(&p->mem, p->t.object_size);
	if (obj == NULL) {
		exist_sub(p, 1);
		return TALLY_ENOMEM;
	}
	if ((rc = p->t.create(obj, p->t.arg)) != 0) {
		tallyi_free(&p->mem, obj, p->t.object_size);
		exist_sub(p, 1);
		return rc;
	}
	while (n > hw && !tallyi_cas_u64(&p->high_water, &hw, n,
	    TALLY_RELAXED))
		;
	tallyi_fetch_add_u64(&p->creations, 1, TALLY_RELAXED);
	*out = obj;
	return TALLY_OK;
}

/*
 * Keep the store within the idle budget: keep the most recently pushed
 * full magazines that fit, destroy the objects of the others. One trimmer
 * at a time; the others go on.
 */
static void
trim(tally_detector_pool *p)
{
	uint32_t zero = 0;
	uint64_t kept = 0, evicted = 0, old, nu;
	mag *m, *first = NULL, *last = NULL;

	if (!tallyi_cas_u32(&p->trimming, &zero, 1, TALLY_ACQUIRE))
		return;
	for (m = pop_all(p, &p->full); m != NULL;) {
		uint32_t next = tallyi_load_u32(&m->next, TALLY_RELAXED);

		if (kept + m->n <= p->t.idle_budget) {
			/* kept, in the order popped: most recent first */
			if (last != NULL)
				tallyi_store_u32(&last->next, m->idx + 1,
				    TALLY_RELAXED);
			else
				first = m;
			last = m;
			kept += m->n;
		} else {
			for (uint32_t i = 0; i < m->n; i++)
				obj_destroy(p, m->obj[i]);
			evicted += m->n;
			m->n = 0;
			push(p, &p->empty, m);
		}
		m = next != 0 ? mag_at(p, next - 1) : NULL;
	}
	if (first != NULL) {
		/* The kept chain back on top of whatever was pushed since. */
		old = tallyi_load_u64(&p->full, TALLY_RELAXED);
		do {
			tallyi_store_u32(&last->next, (uint32_t)old,
			    TALLY_RELAXED);
			nu = ((old >> 32) + 1) << 32 | (first->idx + 1);
		} while (!tallyi_cas_u64(&p->full, &old, nu, TALLY_RELEASE));
	}
	if (evicted != 0) {
		tallyi_fetch_sub_u64(&p->store_idle, evicted, TALLY_RELAXED);
		exist_sub(p, evicted);
		tallyi_fetch_add_u64(&p->evictions, evicted, TALLY_RELAXED);
	}
	tallyi_store_u32(&p->trimming, 0, TALLY_RELEASE);
}

/* ------------------------------------------------------------------ */
/* Thread caches                                                       */

/*
 * The thread's cache of the pool it used last, in front of
 * pthread_getspecific(). A pool destroyed and another created at the same
 * address would match a stale entry: the generation, unique per pool,
 * tells them apart. initial-exec: 16 bytes of static TLS
 * (well within what glibc keeps spare for libraries opened later) save a
 * __tls_get_addr() call per lookup (its share of an acquire-release pair:
 * bench/RESULTS.md, Detector pool).
 */
static __thread __attribute__((tls_model("initial-exec"))) struct {
	uint64_t gen;
	tcache *tc;
} last;

static tallyi_atomic_u64 generations;

/* Give magazine @m to the store: full ones (any n > 0) or empty ones. */
static void
store_put(tally_detector_pool *p, mag *m)
{
	uint32_t n;

	if (m->n == 0) {
		push(p, &p->empty, m);
		return;
	}
	n = m->n; /* once pushed, m is anybody's */
	push(p, &p->full, m);
	if (tallyi_fetch_add_u64(&p->store_idle, n, TALLY_RELAXED) + n >
	    p->t.idle_budget)
		trim(p);
}

/* A thread that exits gives its magazines to the store (pthread key). */
static void
tcache_exit(void *arg)
{
	tcache *tc = arg;

	if (tc->loaded != NULL)
		store_put(tc->pool, tc->loaded);
	if (tc->prev != NULL)
		store_put(tc->pool, tc->prev);
	tc->loaded = tc->prev = NULL; /* its counters stay, for stats */
	if (last.tc == tc)
		last.gen = 0; /* a later call (another key's destructor) gets
				 a new cache */
}

static tcache *
tcache_slow(tally_detector_pool *p)
{
	tcache *tc = tallyi_zalloc(&p->mem, sizeof(*tc));

	if (tc == NULL)
		return NULL;
	tc->pool = p;
	tc->loaded = pop(p, &p->empty);
	if (tc->loaded == NULL)
		tc->loaded = mag_new(p);
	tc->prev = pop(p, &p->empty);
	if (tc->prev == NULL)
		tc->prev = mag_new(p);
	if (tc->loaded == NULL || tc->prev == NULL ||
	    pthread_setspecific(p->key, tc) != 0) {
		if (tc->loaded != NULL)
			push(p, &p->empty, tc->loaded);
		if (tc->prev != NULL)
			push(p, &p->empty, tc->prev);
		tallyi_free(&p->mem, tc, sizeof(*tc));
		return NULL;
	}
	pthread_mutex_lock(&p->lock);
	tc->reg_next = p->reg;
	p->reg = tc;
	pthread_mutex_unlock(&p->lock);
	return tc;
}

TALLY_CC_FORCE_INLINE tcache *
tcache_get(tally_detector_pool *p)
{
	tcache *tc;

	if (TALLY_CC_LIKELY(last.gen == p->gen))
		return last.tc;
	tc = pthread_getspecific(p->key);
	if (tc == NULL && (tc = tcache_slow(p)) == NULL)
		return NULL;
	last.gen = p->gen;
	last.tc = tc;
	return tc;
}

/* Owner-only counter: a plain load and store, atomic for the readers. */
TALLY_CC_FORCE_INLINE void
bump(tallyi_atomic_u64 *c)
{
	tallyi_store_u64(c, tallyi_load_u64(c, TALLY_RELAXED) + 1,
	    TALLY_RELAXED);
}

/* ------------------------------------------------------------------ */
/* The API                                                             */

int
tally_detector_acquire(tally_detector_pool *p, void **obj)
{
	tcache *tc;
	mag *m;
	int rc;

	if (p == NULL || obj == NULL)
		return TALLY_EINVAL;
	if ((tc = tcache_get(p)) == NULL)
		return TALLY_ENOMEM;
	if (TALLY_CC_LIKELY(tc->loaded->n > 0))
		goto take;
	if (tc->prev->n == p->mag_cap) {
		m = tc->loaded;
		tc->loaded = tc->prev;
		tc->prev = m;
		goto take;
	}
	if ((m = pop(p, &p->full)) != NULL) {
		tallyi_fetch_sub_u64(&p->store_idle, m->n, TALLY_RELAXED);
		/* prev is empty here (invariant 1): back to the store */
		TALLY_ASSERT(tc->prev->n == 0);
		push(p, &p->empty, tc->prev);
		tc->prev = tc->loaded;
		tc->loaded = m;
		goto take;
	}
	if ((rc = obj_create(p, obj)) != TALLY_OK)
		return rc;
	bump(&tc->acquires);
	return TALLY_OK;
take:
	*obj = tc->loaded->obj[--tc->loaded->n];
	bump(&tc->acquires);
	return TALLY_OK;
}

void
tally_detector_release(tally_detector_pool *p, void *obj)
{
	tcache *tc;
	mag *m;

	if (p == NULL || obj == NULL)
		return;
	if (p->t.reset != NULL)
		p->t.reset(obj, p->t.arg);
	if ((tc = tcache_get(p)) == NULL) {
		/* No cache for this thread (out of memory): destroy it. */
		obj_destroy(p, obj);
		exist_sub(p, 1);
		tallyi_fetch_add_u64(&p->evictions, 1, TALLY_RELAXED);
		return;
	}
	bump(&tc->releases);
	if (TALLY_CC_LIKELY(tc->loaded->n < p->mag_cap))
		goto put;
	if (tc->prev->n == 0) {
		m = tc->loaded;
		tc->loaded = tc->prev;
		tc->prev = m;
		goto put;
	}
	/* Both full: the full prev goes to the store, loaded becomes prev. */
	TALLY_ASSERT(tc->prev->n == p->mag_cap); /* invariant 1 */
	m = pop(p, &p->empty);
	if (m == NULL && (m = mag_new(p)) == NULL) {
		obj_destroy(p, obj);
		exist_sub(p, 1);
		tallyi_fetch_add_u64(&p->evictions, 1, TALLY_RELAXED);
		return;
	}
	store_put(p, tc->prev);
	tc->prev = tc->loaded;
	tc->loaded = m;
put:
	tc->loaded->obj[tc->loaded->n++] = obj;
}

void
tally_detector_pool_stats_get(tally_detector_pool *p, tally_detector_pool_stats *out)
{
	uint64_t acq = 0, rel = 0, made;

	pthread_mutex_lock(&p->lock);
	for (tcache *tc = p->reg; tc != NULL; tc = tc->reg_next) {
		acq += tallyi_load_u64(&tc->acquires, TALLY_RELAXED);
		rel += tallyi_load_u64(&tc->releases, TALLY_RELAXED);
	}
	pthread_mutex_unlock(&p->lock);
	/* Every acquire either took an idle instance or created one. */
	made = tallyi_load_u64(&p->creations, TALLY_RELAXED) - p->warmed;
	out->acquires = acq;
	out->hits = acq > made ? acq - made : 0;
	out->live = acq > rel ? acq - rel : 0;
	out->creations = tallyi_load_u64(&p->creations, TALLY_RELAXED);
	out->evictions = tallyi_load_u64(&p->evictions, TALLY_RELAXED);
	out->exist = tallyi_load_u64(&p->exist, TALLY_RELAXED);
	out->high_water = tallyi_load_u64(&p->high_water, TALLY_RELAXED);
}

int
tally_detector_pool_create(const tally_detector_type *t,
    const tally_allocator *alloc, tally_detector_pool **out)
{
	tally_detector_pool *p;
	size_t n;
	int rc;

	if (t == NULL || out == NULL || t->struct_size < sizeof(*t) ||
	    t->object_size == 0 || t->create == NULL ||
	    (t->max_instances != 0 && t->warm > t->max_instances) ||
	    t->magazine > TALLYI_MAG)
		return TALLY_EINVAL;
	if ((p = tallyi_owner_new(alloc, sizeof(*p), &rc)) == NULL)
		return rc;
	p->t = *t;
	p->mag_cap = t->magazine ? t->magazine : TALLYI_MAG;
	n = t->name != NULL ? strlen(t->name) : 0;
	p->name_size = n + 1;
	p->name = tallyi_alloc(&p->mem, p->name_size);
	if (p->name == NULL) {
		tallyi_owner_free(p, sizeof(*p));
		return TALLY_ENOMEM;
	}
	memcpy(p->name, n ? t->name : "", n);
	p->name[n] = '\0';
	p->t.name = p->name;
	p->gen = tallyi_fetch_add_u64(&generations, 1, TALLY_RELAXED) + 1;
	pthread_mutex_init(&p->lock, NULL);
	if (pthread_key_create(&p->key, tcache_exit) != 0) {
		pthread_mutex_destroy(&p->lock);
		tallyi_free(&p->mem, p->name, p->name_size);
		tallyi_owner_free(p, sizeof(*p));
		return TALLY_ENOMEM;
	}
	/* Warm-up: whole magazines into the store, within the budget. */
	for (uint32_t made = 0; made < t->warm && rc == TALLY_OK;) {
		mag *m = mag_new(p);

		if (m == NULL) {
			rc = TALLY_ENOMEM;
			break;
		}
		while (m->n < p->mag_cap && made < t->warm && rc == TALLY_OK) {
			rc = obj_create(p, &m->obj[m->n]);
			if (rc == TALLY_OK)
				m->n++, made++;
		}
		store_put(p, m);
	}
	if (rc != TALLY_OK) {
		tally_detector_pool_destroy(p);
		return rc;
	}
	p->warmed = tallyi_load_u64(&p->creations, TALLY_RELAXED);
	*out = p;
	return TALLY_OK;
}

static void
mag_drain(tally_detector_pool *p, mag *m)
{
	for (uint32_t i = 0; i < m->n; i++)
		obj_destroy(p, m->obj[i]);
	m->n = 0;
}

void
tally_detector_pool_destroy(tally_detector_pool *p)
{
	tallyi_mem mem;
	uint32_t nmags;

	if (p == NULL)
		return;
	mem = p->mem;
	pthread_key_delete(p->key);
	/* Every magazine, wherever it is, by its index. */
	nmags = tallyi_load_u32(&p->nmags, TALLY_ACQUIRE);
	for (uint32_t i = 0; i < nmags; i++)
		mag_drain(p, mag_at(p, i));
	while (p->reg != NULL) {
		tcache *tc = p->reg;

		p->reg = tc->reg_next;
		tallyi_free(&mem, tc, sizeof(*tc));
	}
	for (unsigned k = 0; k < MAG_SEGS; k++) {
		void *seg = tallyi_load_ptr(&p->seg[k], TALLY_RELAXED);

		tallyi_free(&mem, seg, sizeof(mag) * ((size_t)MAG_SEG0 << k));
	}
	pthread_mutex_destroy(&p->lock);
	tallyi_free(&mem, p->name, p->name_size);
	tallyi_owner_free(p, sizeof(*p));
}
