/*
 * bench/cache_bench.c - hit ratios of the L2 candidate policies against
 * exact LRU (bench/cache_sim.h), on the traces, 100,000 keys:
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
