/*
 * tests/stress/corr_stress.c - many threads read SARIF logs into one
 * engine and one correlation index at once.
 *
 * Thread t is tool "T<t>". Each round it reads one log per file f: results
 * at f.c lines 10 and 40 with CWE-1 (line 40 with CWE-2 as well), and a
 * result without a category; it reads every log twice, so half of what it
 * submits is a duplicate. Exact accounting when all have joined:
 *   - the engine counts every submitted result once per unique key;
 *   - the index keeps exactly the categorized unique results, per tool;
 *   - every (file, line) spot is one cluster holding all T tools.
 * Several threads intern into the same string tables and commit into the
 * same record table while the engine's workers aggregate: run it under
 * ThreadSanitizer and AddressSanitizer.
 *
 * Exit status: 0 every invariant held, 1 a violation (printed), 2 usage.
 */
#define STRESS_NAME "corr_stress"

#include <pthread.h>
#include <string.h>

#include "stress_util.h"

static tally_engine *engine;
static tally_corr *corr;
static unsigned nfiles, rounds;

static void *
reader(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg;
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	char log[1024];

	so.corr = corr;
	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned f = 0; f < nfiles; f++) {
			int n = snprintf(log, sizeof(log),
			    "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{"
			    "\"driver\":{\"name\":\"T%u\",\"rules\":[{\"id\":"
			    "\"b\",\"relationships\":[{\"target\":{\"id\":"
			    "\"CWE-2\"}}]}]}},\"results\":["
			    "{\"ruleId\":\"a\",\"message\":{\"text\":\"x "
			    "(CWE-1)\"},\"locations\":[{\"physicalLocation\":"
			    "{\"artifactLocation\":{\"uri\":\"f%u.c\"},"
			    "\"region\":{\"startLine\":%u}}}]},"
			    "{\"ruleId\":\"b\",\"message\":{\"text\":\"y "
			    "CWE-1\"},\"locations\":[{\"physicalLocation\":"
			    "{\"artifactLocation\":{\"uri\":\"file:///r/f%u.c"
			    "\"},\"region\":{\"startLine\":%u}}}]},"
			    "{\"ruleId\":\"c\",\"message\":{\"text\":\"z\"},"
			    "\"locations\":[{\"physicalLocation\":{"
			    "\"artifactLocation\":{\"uri\":\"f%u.c\"},"
			    "\"region\":{\"startLine\":10}}}]}]}]}",
			    t, f, 10 + t % 3, f, 40 + t % 2, f);

			if (n <= 0 || (size_t)n >= sizeof(log)) {
				FAIL("log too long");
				return NULL;
			}
			for (int twice = 0; twice < 2; twice++) {
				int rc = tally_sarif_read_buffer(engine, log,
				    (size_t)n, &so, NULL);

				if (rc != TALLY_OK) {
					FAIL("read: %s", tally_strerror(rc));
					return NULL;
				}
			}
		}
	}
	return NULL;
}

static int
usage(void)
{
	fprintf(stderr, "usage: corr_stress [--threads T] [--files F] "
	    "[--rounds R] [--workers W]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_corr_config cc = TALLY_CORR_CONFIG_INIT;
	unsigned threads = 8;
	pthread_t th[64];
	tally_snapshot *s;
	tally_totals tot;
	const tally_corr_cluster *cl;
	size_t n, nt;
	uint64_t kept = 0;
	double t0 = now();

	nfiles = 500;
	rounds = 2;
	cfg.workers = 2;
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i];
		unsigned long v;

		if (i + 1 >= argc)
			return usage();
		v = strtoul(argv[i + 1], NULL, 10);
		if (strcmp(a, "--threads") == 0 && v >= 2 && v <= 64)
			threads = (unsigned)v;
		else if (strcmp(a, "--files") == 0 && v >= 1)
			nfiles = (unsigned)v;
		else if (strcmp(a, "--rounds") == 0 && v >= 1)
			rounds = (unsigned)v;
		else if (strcmp(a, "--workers") == 0 && v <= 64)
			cfg.workers = (unsigned)v;
		else
			return usage();
	}
	/* Window 3 joins lines 10-12 and 40-41; --root folds file:///r. */
	cc.root = "/r";
	if (tally_engine_create(&engine, &cfg) != TALLY_OK ||
	    tally_corr_create(&cc, NULL, &corr) != TALLY_OK) {
		FAIL("cannot create the engine or the index");
		return 1;
	}
	for (unsigned t = 0; t < threads; t++)
		if (pthread_create(&th[t], NULL, reader, (void *)(uintptr_t)t)) {
			FAIL("pthread_create");
			return 1;
		}
	for (unsigned t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	if (tally_engine_flush(engine) != TALLY_OK ||
	    tally_snapshot_acquire(engine, &s) != TALLY_OK) {
		FAIL("flush or acquire failed");
		return 1;
	}
	tally_snapshot_totals(s, &tot);
	tally_snapshot_release(s);
	if (tot.read != 2ull * rounds * threads * nfiles * 3 ||
	    tot.unique != (uint64_t)threads * nfiles * 3)
		FAIL("engine: read %llu unique %llu, want %llu and %llu",
		    (unsigned long long)tot.read,
		    (unsigned long long)tot.unique,
		    2ull * rounds * threads * nfiles * 3,
		    (unsigned long long)threads * nfiles * 3);
	if (tally_corr_compute(corr) != TALLY_OK) {
		FAIL("compute failed");
		return 1;
	}
	tally_corr_tools(corr, &nt);
	if (nt != threads)
		FAIL("index: %zu tools, want %u", nt, threads);
	for (size_t t = 0; t < nt; t++) {
		kept += tally_corr_categorized(corr, t);
		if (tally_corr_categorized(corr, t) != 2ull * nfiles)
			FAIL("index: tool %zu kept %llu, want %llu", t,
			    (unsigned long long)tally_corr_categorized(corr, t),
			    2ull * nfiles);
		if (tally_corr_agreement(corr, t, t) != 2ull * nfiles)
			FAIL("index: tool %zu in %llu clusters", t,
			    (unsigned long long)tally_corr_agreement(corr, t,
			    t));
	}
	cl = tally_corr_clusters(corr, &n);
	if (n != 2ull * nfiles)
		FAIL("%zu clusters, want %llu", n, 2ull * nfiles);
	for (size_t i = 0; i < n; i++)
		if (cl[i].ntools != threads || cl[i].size != threads) {
			FAIL("cluster %zu (%s:%u): %u tools, %u results", i,
			    cl[i].path, cl[i].first_line, cl[i].ntools,
			    cl[i].size);
			break;
		}
	printf("corr_stress: %u threads, %llu reads, %llu results kept, %zu "
	    "clusters in %.2f s: %s\n", threads,
	    2ull * rounds * threads * nfiles, (unsigned long long)kept, n,
	    now() - t0, atomic_load(&failed) ? "FAILED" : "ok");
	tally_corr_destroy(corr);
	tally_engine_destroy(engine);
	return atomic_load(&failed) ? 1 : 0;
}
