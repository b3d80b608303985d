/*
 * tests/stress/memcache_stress.c - threads reading and writing one
 * in-memory cache (L2) at once, with more keys than it holds, so entries
 * are replaced, evicted and reclaimed all the time while readers copy
 * them without a lock.
 *
 * Every value says which key and version it is and carries a pattern
 * derived from both: a reader that sees a value of another key, a torn
 * value or freed memory (AddressSanitizer) fails. At the end the bound on
 * bytes must hold and entries + evictions must account for every store
 * that added a key. Run it under ThreadSanitizer and AddressSanitizer.
 *
 * Exit status: 0 every invariant held, 1 a violation (printed), 2 usage.
 */
#define STRESS_NAME "memcache_stress"

#include <pthread.h>
#include <string.h>

#include "stress_util.h"

#define KEYS 4096
#define MAXLEN 512

static tally_cache_mem *mc;
static double deadline;
static _Atomic uint64_t gets, hits, stores;

static tally_cache_key
key(unsigned k)
{
	return (tally_cache_key){ 0xabcdef0123456789ull ^ k * 0x9E37ull, k };
}

/* A value of random length for key @k, version @v. */
static size_t
make(unsigned k, uint64_t v, uint8_t *out, uint64_t *seed)
{
	size_t len = 24 + (size_t)(rnd(seed) % (MAXLEN - 24));

	stress_blob_fill(out, len, k, v);
	return len;
}

static void *
worker(void *arg)
{
	uint64_t seed = 0x9E3779B97F4A7C15ull * ((uintptr_t)arg + 1);
	uint64_t version = (uintptr_t)arg << 40;
	uint8_t buf[MAXLEN];

	while (!atomic_load(&failed) && now() < deadline) {
		for (int i = 0; i < 256; i++) {
			/* skewed keys: a hot few and a long tail */
			unsigned k = (unsigned)(rnd(&seed) % (rnd(&seed) % 2 ?
			    64 : KEYS));
			size_t len = 0;

			if (rnd(&seed) % 4 == 0) {
				size_t n = make(k, version++, buf, &seed);
				int rc = tally_cache_mem_put(mc, key(k), buf,
				    n);

				if (rc != TALLY_OK)
					FAIL("put: %s", tally_strerror(rc));
				atomic_fetch_add(&stores, 1);
				continue;
			}
			atomic_fetch_add(&gets, 1);
			switch (tally_cache_mem_get(mc, key(k), buf,
			    sizeof(buf), &len)) {
			case TALLY_OK:
				if (!stress_blob_ok(buf, len, k))
					FAIL("key %u read back wrong (%zu "
					    "bytes)", k, len);
				atomic_fetch_add(&hits, 1);
				break;
			case TALLY_ENOTFOUND:
				break;
			default:
				FAIL("get failed");
			}
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	tally_cache_mem_config cfg = TALLY_CACHE_MEM_CONFIG_INIT;
	tally_cache_mem_stats st;
	unsigned threads = 8;
	double seconds = 3;
	pthread_t th[64];

	for (int i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			goto usage;
		if (strcmp(argv[i], "--threads") == 0)
			threads = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = strtod(argv[i + 1], NULL);
		else
			goto usage;
	}
	if (threads < 2 || threads > 64 || seconds <= 0)
		goto usage;
	cfg.max_bytes = 256 * 1024; /* about a quarter of the keys fit */
	cfg.shards = 4;
	if (tally_cache_mem_create(&cfg, NULL, &mc) != TALLY_OK) {
		FAIL("create failed");
		return 1;
	}
	deadline = now() + seconds;
	for (unsigned i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
	for (unsigned i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	tally_cache_mem_stats_get(mc, &st);
	if (st.bytes > cfg.max_bytes)
		FAIL("%llu bytes held, bound %llu",
		    (unsigned long long)st.bytes,
		    (unsigned long long)cfg.max_bytes);
	if (st.entries > KEYS)
		FAIL("%llu entries for %u keys",
		    (unsigned long long)st.entries, KEYS);
	printf("memcache_stress: %u threads, %llu gets (%llu hits), %llu "
	    "puts, %llu evictions, %llu entries, %llu bytes: %s\n", threads,
	    (unsigned long long)gets, (unsigned long long)hits,
	    (unsigned long long)stores, (unsigned long long)st.evictions,
	    (unsigned long long)st.entries, (unsigned long long)st.bytes,
	    atomic_load(&failed) ? "FAILED" : "ok");
	tally_cache_mem_destroy(mc);
	return atomic_load(&failed) ? 1 : 0;
usage:
	fprintf(stderr, "usage: memcache_stress [--threads T] [--seconds S]\n");
	return 2;
}
