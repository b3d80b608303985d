/*
 * tests/stress/intern_stress.c - interning from many threads at once:
 * lock-free finds racing the inserts (under the mutex) and the growth of
 * each kind's hash index (engine/strtab.c).
 *
 * Each thread interns names drawn from a pool, skewed so that some repeat
 * often and the rest keep arriving new for a while, across the kinds and
 * tools; every engine starts empty, so its indexes grow during the run
 * (--rounds engines, one after another). Exact accounting at the end:
 * every thread got the same id for the same (kind, name); the ids of a
 * kind are exactly 0 .. count - 1, one per distinct name used; each id's
 * bytes are its name's.
 */
#define STRESS_NAME "intern_stress"

#include <pthread.h>

#include "stress_util.h"

#define KINDS 4   /* tool, rule, file, message */
#define MAXT 64

static struct {
	unsigned threads, names, rounds;
} opt = { 8, 20000, 20 };

static tally_engine *e;
static pthread_barrier_t start;
static uint64_t round_seed;
static uint32_t *seen[MAXT][KINDS]; /* per thread: name -> id + 1 */

static int
name_of(unsigned kind, unsigned i, char *out, size_t cap)
{
	static const char *const pre[KINDS] = { "tool", "rule",
		"src/some/dir/file", "a message of some length, number" };

	return snprintf(out, cap, "%s %u", pre[kind], i);
}

static void *
worker(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg;
	uint64_t s = 0x9E3779B97F4A7C15ull * (t + 1) ^ round_seed, ops;
	char name[96];

	pthread_barrier_wait(&start);
	for (ops = 0; ops < 2 * (uint64_t)opt.names && !atomic_load(&failed);
	    ops++) {
		uint64_t r = rnd(&s);
		unsigned kind = (unsigned)(r % KINDS);
		/* the minimum of two draws: low names come up far more */
		unsigned a = (unsigned)((r >> 8) % opt.names);
		unsigned b = (unsigned)((r >> 36) % opt.names);
		unsigned i = a < b ? a : b;
		int n = name_of(kind, i, name, sizeof(name));
		uint32_t id;
		int rc = kind == 0 ?
		    tally_engine_tool_intern(e, name, (size_t)n, "v", 1, &id) :
		    tally_engine_string_intern(e, (tally_strkind)kind, name, (size_t)n,
		    &id);

		if (rc != TALLY_OK) {
			FAIL("intern: %s", tally_strerror(rc));
			break;
		}
		if (seen[t][kind][i] != 0 && seen[t][kind][i] != id + 1) {
			FAIL("thread %u: %s was %u, now %u", t, name,
			    seen[t][kind][i] - 1, id);
			break;
		}
		seen[t][kind][i] = id + 1;
	}
	return (void *)(uintptr_t)ops;
}

/* Every thread agrees, ids are dense, each id holds its name's bytes. */
static void
account(void)
{
	for (unsigned k = 0; k < KINDS && !atomic_load(&failed); k++) {
		uint32_t count = tally_engine_string_count(e, (tally_strkind)k);
		uint32_t used = 0;
		char *taken = calloc(count + 1, 1), name[96];

		for (unsigned i = 0; i < opt.names; i++) {
			uint32_t id = 0;
			int n = name_of(k, i, name, sizeof(name));
			size_t len;
			const char *p;

			for (unsigned t = 0; t < opt.threads; t++) {
				uint32_t x = seen[t][k][i];

				if (x == 0)
					continue;
				if (id != 0 && x != id)
					FAIL("%s: ids %u and %u", name,
					    id - 1, x - 1);
				id = x;
			}
			if (id == 0)
				continue;
			used++;
			if (id - 1 >= count || taken[id - 1]) {
				FAIL("%s: id %u out of range or shared", name,
				    id - 1);
				continue;
			}
			taken[id - 1] = 1;
			p = tally_engine_string_lookup(e, (tally_strkind)k, id - 1, &len);
			if (p == NULL || len != (size_t)n ||
			    memcmp(p, name, len) != 0)
				FAIL("%s: id %u holds other bytes", name, id - 1);
		}
		if (used != count)
			FAIL("kind %u: %u ids for %u distinct names", k, count,
			    used);
		free(taken);
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: intern_stress [--threads N] [--names N] "
	    "[--rounds N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	pthread_t th[MAXT];
	uint64_t ops = 0;
	double t0 = now();
	unsigned round;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";

		if (strcmp(a, "--threads") == 0)
			opt.threads = (unsigned)atoi(v), i++;
		else if (strcmp(a, "--names") == 0)
			opt.names = (unsigned)atoi(v), i++;
		else if (strcmp(a, "--rounds") == 0)
			opt.rounds = (unsigned)atoi(v), i++;
		else
			usage();
	}
	if (opt.threads == 0 || opt.threads > MAXT || opt.names == 0)
		usage();
	cfg.workers = 1;
	for (unsigned t = 0; t < opt.threads; t++)
		for (unsigned k = 0; k < KINDS; k++)
			seen[t][k] = malloc(opt.names * sizeof(uint32_t));
	pthread_barrier_init(&start, NULL, opt.threads);
	for (round = 0; round < opt.rounds && !atomic_load(&failed); round++) {
		if ((rc = tally_engine_create(&e, &cfg)) != TALLY_OK) {
			fprintf(stderr, "intern_stress: create: %s\n",
			    tally_strerror(rc));
			return 1;
		}
		round_seed = 0x2545F4914F6CDD1Dull * (round + 1);
		for (unsigned t = 0; t < opt.threads; t++)
			for (unsigned k = 0; k < KINDS; k++)
				memset(seen[t][k], 0, opt.names *
				    sizeof(uint32_t));
		for (unsigned t = 0; t < opt.threads; t++)
			pthread_create(&th[t], NULL, worker,
			    (void *)(uintptr_t)t);
		for (unsigned t = 0; t < opt.threads; t++) {
			void *r;

			pthread_join(th[t], &r);
			ops += (uint64_t)(uintptr_t)r;
		}
		account();
		tally_engine_destroy(e);
	}
	printf("intern_stress: %u rounds, %u threads, %u names: %llu interns "
	    "in %.1f s, %s\n", round, opt.threads, opt.names,
	    (unsigned long long)ops, now() - t0,
	    atomic_load(&failed) ? "FAILED" : "ok");
	for (unsigned t = 0; t < opt.threads; t++)
		for (unsigned k = 0; k < KINDS; k++)
			free(seen[t][k]);
	return atomic_load(&failed) ? 1 : 0;
}
