/*
 * tests/stress/keyset_stress.c - the lock-free dedup set under racing
 * inserts and growth, with exact accounting.
 *
 * Every round starts from an empty set (so it grows several times while
 * the threads race) and gives every thread the same K keys: half the
 * threads in one shared order (so they collide on the same key at the same
 * moment, in the same group: claims, busy waits, failed CASes), the others
 * each in its own random order. Threads insert in batches of random size
 * (1 to 4096 rows, some rows repeated within a batch) through the bulk
 * call, and now and then one key through the single call. Each thread adds
 * every win it is told of to wins[k].
 *
 * After each round, exactly: wins[k] == 1 for every key (one insert of
 * each key was told it was new, every other one that it was not), within a
 * batch only the first of repeated rows can win, the set counts K keys,
 * and a second pass finds every key. Every round alternates between a big
 * universe (growth) and a tiny one (all threads on a few groups).
 *
 * Usage: keyset_stress [--threads T] [--keys K] [--seconds S] [--seed X]
 * Exit status: 0 every invariant held, 1 a violation (printed), 2 usage.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/keyset.h"

#define STRESS_NAME "keyset_stress"
#include "stress_util.h"

#define BATCH_MAX 4096u
#define THREADS_MAX 64u

static struct {
	unsigned threads;
	uint32_t keys;
	double seconds;
	uint64_t seed;
} opt = { 8, 1u << 17, 3, 1 };

static const tallyi_mem mem = TALLYI_MEM_LIBC;

static tallyi_keyset set;
static uint32_t universe;         /* keys this round */
static _Atomic uint32_t *wins;    /* per key */
static uint32_t *shared_order;    /* the order half the threads share */

/* Key k: every field a different function of k, so no two keys are equal
 * and every field takes part. */
static void
key_of(uint32_t k, tallyi_key *out)
{
	*out = (tallyi_key){ k % 5, k % 97, k / 3, k % 11, k, k % 7,
		(uint64_t)k * 0x9E3779B97F4A7C15u };
}

typedef struct worker {
	pthread_t th;
	unsigned id;
	uint64_t rng;
	uint32_t *order;
} worker;

static void
shuffle(uint32_t *a, uint32_t n, uint64_t *rng)
{
	for (uint32_t i = 0; i < n; i++)
		a[i] = i;
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = (uint32_t)(rnd(rng) % i), t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

static void *
worker_run(void *arg)
{
	worker *w = arg;
	const uint32_t *order = w->id % 2 ? w->order : shared_order;
	static _Thread_local uint32_t c[6][BATCH_MAX], key_id[BATCH_MAX];
	static _Thread_local uint64_t off[BATCH_MAX], fp[BATCH_MAX];
	static _Thread_local uint8_t is_new[BATCH_MAX];
	tallyk_keycols cols = { c[0], c[1], c[2], c[3], c[4], c[5], off };

	if (w->id % 2)
		shuffle(w->order, universe, &w->rng);
	for (uint32_t at = 0; at < universe && !atomic_load(&failed);) {
		uint32_t n = (uint32_t)(rnd(&w->rng) % BATCH_MAX) + 1, rows = 0;

		if (rnd(&w->rng) % 16 == 0) { /* one key, the single call */
			tallyi_key k;
			bool new;

			key_of(order[at], &k);
			if (tallyi_keyset_insert(&set, tallyi_key_fingerprint(&k),
			    &k, &new) != TALLY_OK)
				FAIL("single insert failed");
			else if (new)
				atomic_fetch_add(&wins[order[at]], 1);
			at++;
			continue;
		}
		for (; rows < n && at < universe; rows++) {
			/* now and then repeat an earlier row of the batch */
			uint32_t k = rows > 0 && rnd(&w->rng) % 8 == 0 ?
			    key_id[rnd(&w->rng) % rows] : order[at++];
			tallyi_key key;

			key_of(k, &key);
			key_id[rows] = k;
			c[0][rows] = key.tool, c[1][rows] = key.rule;
			c[2][rows] = key.file, c[3][rows] = key.message;
			c[4][rows] = key.line, c[5][rows] = key.column;
			off[rows] = key.offset;
		}
		tallyk_fingerprint_scalar(&cols, rows, fp);
		if (tallyi_keyset_insert_bulk(&set, &cols, fp, rows, is_new) !=
		    TALLY_OK) {
			FAIL("bulk insert failed");
			break;
		}
		for (uint32_t r = 0; r < rows; r++) {
			if (!is_new[r])
				continue;
			for (uint32_t q = 0; q < r; q++) {
				if (key_id[q] == key_id[r])
					FAIL("row %u won after an equal row %u of "
					    "its batch", r, q);
			}
			atomic_fetch_add(&wins[key_id[r]], 1);
		}
	}
	return NULL;
}

static bool
round_run(worker *ws, uint32_t keys, uint64_t *rng)
{
	universe = keys;
	memset((void *)wins, 0, keys * sizeof(*wins));
	shuffle(shared_order, keys, rng);
	if (tallyi_keyset_init(&set, &mem, 0) != TALLY_OK) {
		FAIL("init failed");
		return false;
	}
	for (unsigned t = 0; t < opt.threads; t++)
		pthread_create(&ws[t].th, NULL, worker_run, &ws[t]);
	for (unsigned t = 0; t < opt.threads; t++)
		pthread_join(ws[t].th, NULL);
	for (uint32_t k = 0; k < keys && !atomic_load(&failed); k++) {
		if (atomic_load(&wins[k]) != 1)
			FAIL("key %u won %u times (want 1)", k,
			    atomic_load(&wins[k]));
	}
	if (tallyi_keyset_count(&set) != keys)
		FAIL("set counts %llu keys, %u inserted",
		    (unsigned long long)tallyi_keyset_count(&set), keys);
	for (uint32_t k = 0; k < keys && !atomic_load(&failed); k++) {
		tallyi_key key;
		bool new;

		key_of(k, &key);
		if (tallyi_keyset_insert(&set, tallyi_key_fingerprint(&key), &key,
		    &new) != TALLY_OK || new)
			FAIL("key %u not found after the round", k);
	}
	tallyi_keyset_fini(&set);
	return !atomic_load(&failed);
}

static int
usage(void)
{
	fprintf(stderr, "usage: keyset_stress [--threads T] [--keys K] "
	    "[--seconds S] [--seed X]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	worker ws[THREADS_MAX];
	uint64_t rng, rounds = 0, inserts = 0;
	double t0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			return usage();
		if (!strcmp(a, "--threads"))
			opt.threads = (unsigned)atoi(v);
		else if (!strcmp(a, "--keys"))
			opt.keys = (uint32_t)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--seconds"))
			opt.seconds = atof(v);
		else if (!strcmp(a, "--seed"))
			opt.seed = strtoull(v, NULL, 0);
		else
			return usage();
		i++;
	}
	if (opt.threads < 1 || opt.threads > THREADS_MAX || opt.keys < 64 ||
	    opt.seconds <= 0)
		return usage();
	rng = opt.seed * 0x9E3779B97F4A7C15u | 1;
	wins = calloc(opt.keys, sizeof(*wins));
	shared_order = malloc(opt.keys * sizeof(*shared_order));
	for (unsigned t = 0; t < opt.threads; t++) {
		ws[t] = (worker){ .id = t, .rng = rnd(&rng) | 1,
			.order = malloc(opt.keys * sizeof(uint32_t)) };
	}
	t0 = now();
	do {
		/* big rounds grow the set; tiny ones pile every thread on a
		 * few groups */
		uint32_t keys = rounds % 2 ? 64 + (uint32_t)(rnd(&rng) % 200) :
		    opt.keys;

		if (!round_run(ws, keys, &rng))
			break;
		rounds++;
		inserts += (uint64_t)keys * opt.threads;
	} while (now() - t0 < opt.seconds);
	for (unsigned t = 0; t < opt.threads; t++)
		free(ws[t].order);
	free(shared_order);
	free((void *)wins);
	if (atomic_load(&failed))
		return 1;
	printf("keyset_stress: ok: %llu rounds, %llu inserts, %u threads, "
	    "%u keys\n", (unsigned long long)rounds,
	    (unsigned long long)inserts, opt.threads, opt.keys);
	return 0;
}
