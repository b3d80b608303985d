/*
 * tests/cache_sim_test.c - the policy simulator of bench/cache_sim.c
 * against naive implementations written here from the definitions alone
 * (arrays, linear searches), on random traces with much reuse.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cache_sim.h"

#define MAXC 64

/* LRU: evict the key used longest ago. */
static uint64_t
naive_lru(size_t cap, const uint64_t *t, size_t n)
{
	uint64_t key[MAXC], used[MAXC], miss = 0;
	size_t sz = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j, v = 0;

		for (j = 0; j < sz && key[j] != t[i]; j++)
			;
		if (j < sz) {
			used[j] = i;
			continue;
		}
		miss++;
		if (sz < cap) {
			v = sz++;
		} else {
			for (j = 1; j < sz; j++)
				if (used[j] < used[v])
					v = j;
		}
		key[v] = t[i];
		used[v] = i;
	}
	return miss;
}

/* SIEVE: q[0] oldest; the hand walks toward newer, wrapping. */
static uint64_t
naive_sieve(size_t cap, const uint64_t *t, size_t n)
{
	uint64_t key[MAXC], miss = 0;
	int bit[MAXC];
	size_t sz = 0, hand = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < sz && key[j] != t[i]; j++)
			;
		if (j < sz) {
			bit[j] = 1;
			continue;
		}
		miss++;
		if (sz == cap) {
			if (hand >= sz)
				hand = 0;
			while (bit[hand]) {
				bit[hand] = 0;
				hand = hand + 1 < sz ? hand + 1 : 0;
			}
			memmove(key + hand, key + hand + 1,
			    (sz - hand - 1) * sizeof(key[0]));
			memmove(bit + hand, bit + hand + 1,
			    (sz - hand - 1) * sizeof(bit[0]));
			sz--; /* the hand now names the next newer one */
			if (hand == sz)
				hand = 0; /* none newer: back to the oldest */
		}
		key[sz] = t[i];
		bit[sz++] = 0;
	}
	return miss;
}

/* S3-FIFO, one bit; arrays with [0] the oldest. */
typedef struct fifo {
	uint64_t key[MAXC];
	int bit[MAXC];
	size_t n;
} fifo;

static long
f_find(const fifo *f, uint64_t k)
{
	for (size_t j = 0; j < f->n; j++)
		if (f->key[j] == k)
			return (long)j;
	return -1;
}

static void
f_push(fifo *f, uint64_t k, int bit)
{
	f->key[f->n] = k;
	f->bit[f->n++] = bit;
}

static void
f_pop_oldest(fifo *f, uint64_t *k, int *bit)
{
	*k = f->key[0];
	*bit = f->bit[0];
	memmove(f->key, f->key + 1, (f->n - 1) * sizeof(f->key[0]));
	memmove(f->bit, f->bit + 1, (f->n - 1) * sizeof(f->bit[0]));
	f->n--;
}

static uint64_t
naive_s3fifo(size_t cap, const uint64_t *t, size_t n)
{
	fifo s = { .n = 0 }, m = { .n = 0 }, g = { .n = 0 };
	size_t cap_s = cap / 10 ? cap / 10 : 1, cap_g = cap - cap_s;
	uint64_t miss = 0;

	for (size_t i = 0; i < n; i++) {
		long j;
		bool to_main;

		if ((j = f_find(&s, t[i])) >= 0) {
			s.bit[j] = 1;
			continue;
		}
		if ((j = f_find(&m, t[i])) >= 0) {
			m.bit[j] = 1;
			continue;
		}
		miss++;
		j = f_find(&g, t[i]);
		to_main = j >= 0 && cap > 1;
		if (j >= 0) {
			memmove(g.key + j, g.key + j + 1,
			    (g.n - (size_t)j - 1) * sizeof(g.key[0]));
			g.n--;
		}
		while (s.n + m.n >= cap) {
			uint64_t k;
			int b;

			if (s.n >= cap_s || m.n == 0) {
				f_pop_oldest(&s, &k, &b);
				if (b) {
					f_push(&m, k, 0);
				} else if (cap_g > 0) {
					uint64_t gk;
					int gb;

					if (g.n == cap_g)
						f_pop_oldest(&g, &gk, &gb);
					f_push(&g, k, 0);
				}
			} else {
				for (;;) {
					f_pop_oldest(&m, &k, &b);
					if (!b)
						break;
					f_push(&m, k, 0);
				}
			}
		}
		f_push(to_main ? &m : &s, t[i], 0);
	}
	return miss;
}

static uint64_t *
trace(size_t n, unsigned keys, uint64_t seed)
{
	uint64_t *t = malloc(n * sizeof(uint64_t));

	for (size_t i = 0; i < n; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		/* skewed: small keys far more often */
		t[i] = (seed % keys) * (seed >> 60 & 1 ? 1 : 0) +
		    (seed >> 20) % (keys / 4 + 1);
	}
	return t;
}

Test(cache_sim, lru_matches_the_definition)
{
	for (size_t cap = 1; cap <= 40; cap += 3) {
		uint64_t *t = trace(5000, 120, cap * 7919 + 1);

		cr_expect(eq(u64, sim_misses(SIM_LRU, cap, t, 5000),
		    naive_lru(cap, t, 5000)), "cap %zu", cap);
		free(t);
	}
}

Test(cache_sim, sieve_matches_the_definition)
{
	for (size_t cap = 1; cap <= 40; cap += 3) {
		uint64_t *t = trace(5000, 120, cap * 104729 + 3);

		cr_expect(eq(u64, sim_misses(SIM_SIEVE, cap, t, 5000),
		    naive_sieve(cap, t, 5000)), "cap %zu", cap);
		free(t);
	}
}

Test(cache_sim, s3fifo_matches_the_definition)
{
	for (size_t cap = 1; cap <= 40; cap += 3) {
		uint64_t *t = trace(5000, 120, cap * 1299709 + 5);

		cr_expect(eq(u64, sim_misses(SIM_S3FIFO, cap, t, 5000),
		    naive_s3fifo(cap, t, 5000)), "cap %zu", cap);
		free(t);
	}
}
