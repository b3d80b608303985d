/*
 * bench/cache_bench.c - hit ratios of the L2 candidate policies against
 * exact LRU (bench/cache_sim.h), on these traces, 100,000 keys:
 *
 *   zipf/<a>      2 M requests, Zipf(a) over scrambled keys
 *   scan          70% Zipf(1.0), 30% one-time keys in runs of 1,000
 *   loop          70% Zipf(1.0), 30% a loop over other keys, 1.5 times as
 *                 many as the cache holds (LRU keeps none of them)
 *   ci_rerun      20 passes over 100,000 files in order, 3% of the files
 *                 changed (a new key) before each pass
 * at cache sizes of 0.1%, 1% and 10% of the keys. Counters: each policy's
 * miss ratio and its misses relative to LRU's (below 1 is fewer).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/cache_sim.h"

#define KEYS 100000u
#define REQS 2000000u

static uint64_t
scramble(uint64_t k)
{
	k += 0x9E3779B97F4A7C15ull;
	k = (k ^ (k >> 30)) * 0xBF58476D1CE4E5B9ull;
	k = (k ^ (k >> 27)) * 0x94D049BB133111EBull;
	return k ^ (k >> 31);
}

static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Zipf(a) ranks 0..n-1 by inverse CDF. */
typedef struct zipf {
	double *cdf;
	unsigned n;
} zipf;

static void
zipf_init(zipf *z, unsigned n, double a)
{
	double sum = 0, acc = 0;

	z->n = n;
	z->cdf = malloc(n * sizeof(double));
	for (unsigned i = 0; i < n; i++)
		sum += 1.0 / pow(i + 1, a);
	for (unsigned i = 0; i < n; i++) {
		acc += 1.0 / pow(i + 1, a);
		z->cdf[i] = acc / sum;
	}
}

static unsigned
zipf_draw(const zipf *z, uint64_t *s)
{
	double u = (double)(next_rand(s) >> 11) * (1.0 / 9007199254740992.0);
	unsigned lo = 0, hi = z->n - 1;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum trace_kind { T_ZIPF, T_SCAN, T_LOOP, T_CI };

struct cache_arg {
	enum trace_kind kind;
	double alpha;
	double frac; /* cache size as a fraction of KEYS */
};

static uint64_t *
make_trace(const struct cache_arg *a, size_t *n)
{
	uint64_t *t, seed = 0x2545F4914F6CDD1Dull, scan_next = 1ull << 40;
	uint64_t loop_pos = 0, loop_len = (uint64_t)(KEYS * a->frac * 1.5);
	zipf z;
	size_t k = 0;

	if (a->kind == T_CI) {
		uint32_t *ver = calloc(KEYS, sizeof(uint32_t));

		*n = (size_t)KEYS * 20;
		t = malloc(*n * sizeof(uint64_t));
		for (unsigned pass = 0; pass < 20; pass++) {
			for (unsigned c = 0; c < KEYS * 3 / 100; c++)
				ver[next_rand(&seed) % KEYS]++;
			for (unsigned f = 0; f < KEYS; f++)
				t[k++] = scramble((uint64_t)ver[f] << 32 | f);
		}
		free(ver);
		return t;
	}
	*n = REQS;
	t = malloc(*n * sizeof(uint64_t));
	zipf_init(&z, KEYS, a->kind == T_ZIPF ? a->alpha : 1.0);
	while (k < *n) {
		if (a->kind != T_ZIPF && next_rand(&seed) % 100 < 30) {
			/* a run of 1,000 one-time or looping keys */
			for (unsigned r = 0; r < 1000 && k < *n; r++) {
				if (a->kind == T_SCAN)
					t[k++] = scramble(scan_next++);
				else
					t[k++] = scramble((1ull << 41) +
					    loop_pos++ % loop_len);
			}
			/* 1,000 for every 2,333 Zipf draws: 30% */
			for (unsigned r = 0; r < 2333 && k < *n; r++)
				t[k++] = scramble(zipf_draw(&z, &seed));
			continue;
		}
		t[k++] = scramble(zipf_draw(&z, &seed));
	}
	free(z.cdf);
	return t;
}

static void
bm_policy(bench_state *st, void *varg)
{
	struct cache_arg *a = varg;
	size_t n, cap = (size_t)(KEYS * a->frac);
	uint64_t *t = make_trace(a, &n);
	uint64_t m[3] = { 0, 0, 0 };

	while (bench_keep_running(st, n * 3)) {
		m[0] = sim_misses(SIM_LRU, cap, t, n);
		m[1] = sim_misses(SIM_SIEVE, cap, t, n);
		m[2] = sim_misses(SIM_S3FIFO, cap, t, n);
	}
	bench_set_items(st, (uint64_t)n * 3);
	bench_set_counter(st, "lru_miss", (double)m[0] / (double)n, false);
	bench_set_counter(st, "sieve_miss", (double)m[1] / (double)n, false);
	bench_set_counter(st, "s3fifo_miss", (double)m[2] / (double)n, false);
	bench_set_counter(st, "sieve_vs_lru", (double)m[1] / (double)m[0],
	    false);
	bench_set_counter(st, "s3fifo_vs_lru", (double)m[2] / (double)m[0],
	    false);
	free(t);
}

void
cache_bench_register(void)
{
	static const double fracs[3] = { 0.001, 0.01, 0.1 };
	static const double alphas[4] = { 0.6, 0.8, 1.0, 1.2 };
	static struct cache_arg args[7][3];
	static const char *names[7] = { "zipf/0.6", "zipf/0.8", "zipf/1.0",
		"zipf/1.2", "scan", "loop", "ci_rerun" };

	for (int t = 0; t < 7; t++) {
		for (int f = 0; f < 3; f++) {
			struct cache_arg *a = &args[t][f];
			char name[96];

			a->kind = t < 4 ? T_ZIPF : t == 4 ? T_SCAN : t == 5 ?
			    T_LOOP : T_CI;
			a->alpha = t < 4 ? alphas[t] : 1.0;
			a->frac = fracs[f];
			snprintf(name, sizeof(name), "cache/policy/%s/size:%g%%",
			    names[t], fracs[f] * 100);
			bench_register(name, bm_policy, a);
		}
	}
}

/* ------------------------------------------------------------------ */
/* L2 gets against a mutex-protected exact LRU                         */

#include <pthread.h>
#include <time.h>

#include "tally.h"

#include <xxhash.h>

#define L2_KEYS 16384u
#define L2_VAL 64u
#define L2_OPS 500000u

/* The baseline: one mutex, a hash index, a list moved on every hit. */
typedef struct mlru_node {
	tally_cache_key key;
	uint32_t newer, older;
	unsigned char val[L2_VAL];
} mlru_node;

typedef struct mlru {
	pthread_mutex_t lock;
	mlru_node *nodes;
	uint32_t *slot; /* node + 1 */
	size_t mask;
	uint32_t head, tail;
} mlru;

static size_t
mlru_hash(tally_cache_key k)
{
	return (size_t)scramble(k.lo ^ k.hi);
}

static void
mlru_init(mlru *m, unsigned n)
{
	pthread_mutex_init(&m->lock, NULL);
	m->nodes = calloc(n, sizeof(mlru_node));
	m->mask = 1;
	while (m->mask < n * 2)
		m->mask *= 2;
	m->slot = calloc(m->mask, sizeof(uint32_t));
	m->mask--;
	m->head = m->tail = UINT32_MAX;
}

static void
mlru_link_head(mlru *m, uint32_t i)
{
	m->nodes[i].newer = UINT32_MAX;
	m->nodes[i].older = m->head;
	if (m->head != UINT32_MAX)
		m->nodes[m->head].newer = i;
	m->head = i;
	if (m->tail == UINT32_MAX)
		m->tail = i;
}

static void
mlru_add(mlru *m, uint32_t i, tally_cache_key k)
{
	size_t s;

	m->nodes[i].key = k;
	memset(m->nodes[i].val, (int)i, L2_VAL);
	for (s = mlru_hash(k) & m->mask; m->slot[s] != 0; s = (s + 1) & m->mask)
		;
	m->slot[s] = i + 1;
	mlru_link_head(m, i);
}

static bool
mlru_get(mlru *m, tally_cache_key k, void *out)
{
	bool hit = false;

	pthread_mutex_lock(&m->lock);
	for (size_t s = mlru_hash(k) & m->mask; m->slot[s] != 0;
	    s = (s + 1) & m->mask) {
		uint32_t i = m->slot[s] - 1;
		mlru_node *x = &m->nodes[i];

		if (x->key.hi != k.hi || x->key.lo != k.lo)
			continue;
		if (m->head != i) {
			m->nodes[x->newer].older = x->older;
			if (x->older != UINT32_MAX)
				m->nodes[x->older].newer = x->newer;
			else
				m->tail = x->newer;
			mlru_link_head(m, i);
		}
		memcpy(out, x->val, L2_VAL);
		hit = true;
		break;
	}
	pthread_mutex_unlock(&m->lock);
	return hit;
}

static tally_cache_key
l2_key(uint64_t i)
{
	return (tally_cache_key){ scramble(i), i };
}

struct l2_arg {
	bool mutex;
	unsigned threads;
	char key[32];
};

/* One thread's state, on a line of its own (no false sharing). */
struct l2_run {
	_Alignas(64) const struct l2_arg *a;
	tally_cache_mem *mc;
	mlru *m;
	uint64_t seed;
	double cpu;
	uint64_t hits;
};

static double
thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *
l2_thread(void *arg)
{
	struct l2_run *r = arg;
	unsigned char buf[L2_VAL];
	double t0 = thread_cpu();

	for (unsigned i = 0; i < L2_OPS; i++) {
		tally_cache_key k = l2_key(next_rand(&r->seed) % L2_KEYS);
		size_t len;

		if (r->a->mutex)
			r->hits += mlru_get(r->m, k, buf);
		else
			r->hits += tally_cache_mem_get(r->mc, k, buf,
			    sizeof(buf), &len) == TALLY_OK;
		BENCH_ESCAPE(buf);
	}
	r->cpu = thread_cpu() - t0;
	return NULL;
}

static void
bm_l2(bench_state *st, void *varg)
{
	const struct l2_arg *a = varg;
	tally_cache_mem_config cfg = TALLY_CACHE_MEM_CONFIG_INIT;
	tally_cache_mem *mc = NULL;
	mlru m;
	double cpu = 0, ops = 0, wall = 0;
	uint64_t hits = 0;

	cfg.max_bytes = 64ull << 20; /* every key fits: all gets hit */
	if (a->mutex) {
		mlru_init(&m, L2_KEYS);
		for (unsigned i = 0; i < L2_KEYS; i++)
			mlru_add(&m, i, l2_key(i));
	} else {
		unsigned char val[L2_VAL];

		if (tally_cache_mem_create(&cfg, NULL, &mc) != TALLY_OK)
			abort();
		for (unsigned i = 0; i < L2_KEYS; i++) {
			memset(val, (int)i, sizeof(val));
			if (tally_cache_mem_put(mc, l2_key(i), val,
			    sizeof(val)) != TALLY_OK)
				abort();
		}
	}
	while (bench_keep_running(st, (uint64_t)L2_OPS * a->threads)) {
		struct l2_run r[2];
		pthread_t th[2];
		double w0 = pool_now();

		for (unsigned t = 0; t < a->threads; t++) {
			r[t] = (struct l2_run){ a, mc, &m, 0x9E37u + t * 7919u,
				0, 0 };
			pthread_create(&th[t], NULL, l2_thread, &r[t]);
		}
		for (unsigned t = 0; t < a->threads; t++) {
			pthread_join(th[t], NULL);
			cpu += r[t].cpu;
			hits += r[t].hits;
		}
		wall += pool_now() - w0;
		ops += (double)L2_OPS * a->threads;
	}
	bench_set_items(st, (uint64_t)ops);
	bench_set_counter(st, "gets_per_cpu_s", ops / cpu, false);
	bench_set_counter(st, "hit_rate", (double)hits / ops, false);
	bench_set_counter(st, "gets_per_s", ops, true);
	{
		/* wall-clock rate: what two threads get done together */
		char base[32];
		double rate = ops / wall;

		snprintf(base, sizeof(base), "l2/t%u", a->threads);
		if (a->mutex)
			pool_baseline_set(base, rate);
		else if (pool_baseline_get(base) > 0)
			bench_set_counter(st, "ratio_vs_mutex_lru", rate /
			    pool_baseline_get(base), false);
	}
	if (a->mutex) {
		free(m.nodes);
		free(m.slot);
	} else {
		tally_cache_mem_destroy(mc);
	}
}

void
cache_l2_bench_register(void)
{
	static struct l2_arg args[2][2];

	/* the mutex LRU first: its figures are the baselines */
	for (int mutex = 1; mutex >= 0; mutex--) {
		for (unsigned t = 1; t <= 2; t++) {
			struct l2_arg *a = &args[mutex][t - 1];
			char name[64];

			a->mutex = mutex;
			a->threads = t;
			snprintf(name, sizeof(name), "cache/%s/get/threads:%u",
			    mutex ? "mutex_lru" : "l2", t);
			bench_register_realtime(name, bm_l2, a);
		}
	}
}

/* ------------------------------------------------------------------ */
/* L1 get latency                                                      */

#define L1_MAX_KEYS 1024u
#define L1_ORDER 4096u

#define L1_ARG(entries, vsize) ((void *)(uintptr_t)((entries) | (vsize) << 16))

/*
 * Gets of random keys among @arg's entries (all hits), values of @arg's
 * size: 4 bytes as for an interned string's id, 64 as elsewhere here.
 */
static void
bm_l1(bench_state *st, void *arg)
{
	const unsigned nkeys = (unsigned)(uintptr_t)arg & 0xFFFF;
	const unsigned vsize = (unsigned)((uintptr_t)arg >> 16);
	tally_cache_l1 *l1;
	unsigned char val[L2_VAL];
	tally_cache_key keys[L1_MAX_KEYS];
	static uint16_t order[L1_ORDER];
	uint64_t seed = 0x5DEECE66Dull, hits = 0, n = 0;

	if (tally_cache_l1_create(nkeys, vsize, NULL, &l1) != TALLY_OK)
		abort();
	for (unsigned i = 0; i < nkeys; i++) {
		keys[i] = l2_key(i);
		memset(val, (int)i, sizeof(val));
		(void)tally_cache_l1_put(l1, keys[i], val, vsize);
	}
	/* Drawn before timing: a 64-bit modulo per get would cost more than
	 * the get. */
	for (unsigned i = 0; i < L1_ORDER; i++)
		order[i] = (uint16_t)(next_rand(&seed) % nkeys);
	while (bench_keep_running(st, L1_ORDER)) {
		for (unsigned i = 0; i < L1_ORDER; i++) {
			size_t len;

			hits += tally_cache_l1_get(l1, keys[order[i]], val,
			    sizeof(val), &len) == TALLY_OK;
			BENCH_ESCAPE(val);
		}
		n += L1_ORDER;
	}
	bench_set_items(st, n);
	bench_set_counter(st, "hit_rate", n ? (double)hits / (double)n : 0,
	    false);
	tally_cache_l1_destroy(l1);
}

void
cache_l1_bench_register(void)
{
	static const unsigned entries[] = { 256, 1024 }, sizes[] = { 4, 64 };
	char name[64];

	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 2; j++) {
			snprintf(name, sizeof(name),
			    "cache/l1/get/entries:%u/value:%u", entries[i],
			    sizes[j]);
			bench_register(name, bm_l1, L1_ARG(entries[i],
			    sizes[j]));
		}
}

/* ------------------------------------------------------------------ */
/* Interning: the table alone, or behind the chained L1 -> L2 cache    */

/*
 * cache/intern/<names>/<path>/threads:N: interns of file paths.
 *   <names> skewed: 20,000 paths, all interned before timing, drawn as
 *           the minimum of two uniform draws (some paths far more often);
 *           fresh: every intern a path new to the engine.
 *   <path>  table: tally_engine_string_intern (a lock-free find in the kind's
 *           hash index; a new string takes the mutex): the engine's way;
 *           l1_l2: the same behind tally_cache (per-thread L1, shared L2)
 *           keyed by XXH3-128 of the path, the id checked against the
 *           table's bytes: interning through the caches, measured here
 *           against the table (ratio_vs_table).
 */

#define IN_NAMES 20000u   /* file paths in use */
#define IN_OPS 400000u    /* interns per thread per iteration */

struct in_arg {
	bool cached;      /* l1_l2 */
	bool fresh;
	unsigned threads;
};

struct in_run {
	tally_engine *e;
	tally_cache *c;
	const struct in_arg *a;
	unsigned t;
	uint64_t seed;
};

/*
 * The names, made once before any timing (formatting one costs more than
 * interning it): IN_NAMES paths for the skewed runs, then 2 * IN_OPS
 * distinct ones for the fresh runs (thread t takes the t-th IN_OPS; each
 * iteration's engine is new, so they are new to it every time).
 */
static char **in_name;
static uint32_t *in_len;

static void
in_names(void)
{
	size_t n = IN_NAMES + 2 * (size_t)IN_OPS;
	char buf[80];

	if (in_name != NULL)
		return;
	in_name = malloc(n * sizeof(*in_name));
	in_len = malloc(n * sizeof(*in_len));
	for (size_t k = 0; k < n; k++) {
		int len = snprintf(buf, sizeof(buf),
		    "src/module%03u/sub/file_%zu.c", (unsigned)(k % 997), k);

		in_name[k] = strdup(buf);
		in_len[k] = (uint32_t)len;
	}
}

/* The l1_l2 path: the cache's id if the table agrees, else the table's. */
static uint32_t
intern_cached(tally_engine *e, tally_cache *c, const char *s, uint32_t len)
{
	XXH128_hash_t h = XXH3_128bits(s, len);
	tally_cache_key key = { h.high64, h.low64 };
	uint32_t id;
	size_t n, l;
	const char *p;

	if (tally_cache_get(c, key, &id, sizeof(id), &n) == TALLY_OK &&
	    (p = tally_engine_string_lookup(e, TALLY_STR_FILE, id, &l)) != NULL &&
	    l == len && memcmp(p, s, len) == 0)
		return id;
	if (tally_engine_string_intern(e, TALLY_STR_FILE, s, len, &id) != TALLY_OK)
		abort();
	(void)tally_cache_put(c, key, &id, sizeof(id));
	return id;
}

static void *
in_thread(void *arg)
{
	struct in_run *r = arg;
	uint64_t seed = r->seed; /* not r's: the runs share a line */

	for (unsigned i = 0; i < IN_OPS; i++) {
		uint64_t x = next_rand(&seed);
		unsigned a = (unsigned)(x % IN_NAMES);
		unsigned b = (unsigned)((x >> 32) % IN_NAMES);
		size_t k = r->a->fresh ? IN_NAMES + (size_t)r->t * IN_OPS + i :
		    (a < b ? a : b);
		uint32_t id;

		if (r->c != NULL)
			id = intern_cached(r->e, r->c, in_name[k], in_len[k]);
		else if (tally_engine_string_intern(r->e, TALLY_STR_FILE, in_name[k],
		    in_len[k], &id) != TALLY_OK)
			abort();
		BENCH_ESCAPE(id);
	}
	return NULL;
}

static void
bm_intern(bench_state *st, void *varg)
{
	const struct in_arg *a = varg;
	double ops = 0, wall = 0;
	uint64_t round = 0;

	in_names();
	while (bench_keep_running(st, (uint64_t)IN_OPS * a->threads)) {
		tally_config cfg = TALLY_CONFIG_INIT;
		tally_cache_config cc = TALLY_CACHE_CONFIG_INIT;
		struct in_run r[2];
		pthread_t th[2];
		tally_engine *e;
		tally_cache *c = NULL;
		double w0;

		cfg.workers = 1;
		cc.l1_entries = 512;
		cc.l1_max_value = sizeof(uint32_t);
		cc.l2_bytes = 8u << 20;
		bench_pause(st);
		if (tally_engine_create(&e, &cfg) != TALLY_OK ||
		    (a->cached && tally_cache_create(&cc, NULL, &c, NULL) != 0))
			abort();
		/* skewed: every name known, so what is timed is finding them */
		for (unsigned k = 0; !a->fresh && k < IN_NAMES; k++)
			if (tally_engine_string_intern(e, TALLY_STR_FILE, in_name[k],
			    in_len[k], &(uint32_t){ 0 }) != TALLY_OK)
				abort();
		bench_resume(st);
		w0 = pool_now();
		for (unsigned t = 0; t < a->threads; t++) {
			r[t] = (struct in_run){ e, c, a, t, 0x9E37u +
				t * 7919u + round * 104729u };
			pthread_create(&th[t], NULL, in_thread, &r[t]);
		}
		for (unsigned t = 0; t < a->threads; t++)
			pthread_join(th[t], NULL);
		wall += pool_now() - w0;
		ops += (double)IN_OPS * a->threads;
		bench_pause(st);
		tally_cache_destroy(c);
		tally_engine_destroy(e);
		bench_resume(st);
		round++;
	}
	bench_set_items(st, (uint64_t)ops);
	{
		char base[48];
		double rate = ops / wall;

		snprintf(base, sizeof(base), "intern/%s/t%u", a->fresh ?
		    "fresh" : "skewed", a->threads);
		if (!a->cached)
			pool_baseline_set(base, rate);
		else if (pool_baseline_get(base) > 0)
			bench_set_counter(st, "ratio_vs_table", rate /
			    pool_baseline_get(base), false);
	}
}

void
cache_intern_bench_register(void)
{
	static struct in_arg args[2][2][2];

	for (int fresh = 0; fresh <= 1; fresh++)
		for (unsigned t = 1; t <= 2; t++)
			/* the table first: its figure is the baseline */
			for (int cached = 0; cached <= 1; cached++) {
				struct in_arg *a = &args[fresh][t - 1][cached];
				char name[80];

				*a = (struct in_arg){ cached, fresh, t };
				snprintf(name, sizeof(name),
				    "cache/intern/%s/%s/threads:%u",
				    fresh ? "fresh" : "skewed",
				    cached ? "l1_l2" : "table", t);
				bench_register_realtime(name, bm_intern, a);
			}
}
