/*
 * tests/stress/cache_crash.c - writers of the persistent cache killed with
 * SIGKILL at random points, over and over, and every entry read back after
 * each kill: a miss is fine, a wrong value is a failure.
 *
 * Each round forks a writer that stores, in a loop, random keys of a small
 * set (so entries are replaced all the time) with values of random length
 * (16 bytes to 16 KiB) that say which key and which version they are and
 * carry a pattern derived from both; with a small size bound, so the
 * writer also trims. The parent kills it after a random 0-2 ms, then reads
 * every key: each must be a miss or a value whose key, version, length and
 * pattern agree. A torn, mixed or foreign value cannot pass.
 *
 * Exit status: 0 no wrong read, 1 a wrong read (printed), 2 usage.
 */
#define STRESS_NAME "cache_crash"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress_util.h"

#define KEYS 64
#define MAXLEN 16384

static tally_cache_key
key(unsigned i)
{
	return (tally_cache_key){ 0xfeedfacecafebeefull ^ i, i + 1 };
}

static void
writer(const char *dir, uint64_t seed)
{
	tally_cache_disk_config cfg = TALLY_CACHE_DISK_CONFIG_INIT;
	tally_cache_disk *c;
	static uint8_t v[MAXLEN];

	cfg.dir = dir;
	cfg.max_bytes = 256 * 1024; /* smaller than the set: trims often */
	if (tally_cache_disk_create(&cfg, NULL, &c, NULL) != TALLY_OK)
		_exit(3);
	for (uint64_t version = seed;; version++) {
		unsigned k = (unsigned)(rnd(&seed) % KEYS);
		size_t len = 24 + (size_t)(rnd(&seed) % (MAXLEN - 24));

		stress_blob_fill(v, len, k, version);
		(void)tally_cache_disk_put(c, key(k), v, len);
	}
}

int
main(int argc, char **argv)
{
	tally_cache_disk_config cfg = TALLY_CACHE_DISK_CONFIG_INIT;
	tally_cache_disk *c;
	char dir[] = "/tmp/tally-crash-XXXXXX", cmd[128];
	unsigned rounds = 2000;
	uint64_t seed = 0x12345678, reads = 0, hits = 0, wrong = 0;
	static uint8_t v[MAXLEN];
	double t0 = now();

	for (int i = 1; i < argc; i += 2) {
		if (i + 1 < argc && strcmp(argv[i], "--rounds") == 0)
			rounds = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--seed") == 0)
			seed = strtoull(argv[i + 1], NULL, 10) | 1;
		else {
			fprintf(stderr, "usage: cache_crash [--rounds N] "
			    "[--seed S]\n");
			return 2;
		}
	}
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	cfg.dir = dir;
	cfg.max_bytes = 256 * 1024;
	if (tally_cache_disk_create(&cfg, NULL, &c, NULL) != TALLY_OK) {
		FAIL("cannot open the cache in %s", dir);
		return 1;
	}
	for (unsigned r = 0; r < rounds && wrong == 0; r++) {
		pid_t pid = fork();
		int status;

		if (pid < 0) {
			FAIL("fork");
			break;
		}
		if (pid == 0)
			writer(dir, rnd(&seed));
		usleep((useconds_t)(rnd(&seed) % 2000));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
			FAIL("the writer could not open the cache");
			break;
		}
		for (unsigned k = 0; k < KEYS; k++) {
			size_t len = 0;
			int rc = tally_cache_disk_get(c, key(k), v, sizeof(v),
			    &len);

			reads++;
			if (rc == TALLY_ENOTFOUND)
				continue;
			if (rc != TALLY_OK || !stress_blob_ok(v, len, k)) {
				FAIL("round %u: key %u read back wrong "
				    "(status %d, %zu bytes)", r, k, rc, len);
				wrong++;
				break;
			}
			hits++;
		}
	}
	{
		tally_cache_disk_stats st;

		tally_cache_disk_stats_get(c, &st);
		printf("cache_crash: %u writers killed, %llu reads: %llu "
		    "hits, %llu misses (%llu bad files found), %llu wrong, "
		    "in %.1f s: %s\n", rounds, (unsigned long long)reads,
		    (unsigned long long)hits,
		    (unsigned long long)(reads - hits),
		    (unsigned long long)st.bad, (unsigned long long)wrong,
		    now() - t0, atomic_load(&failed) ? "FAILED" : "ok");
	}
	tally_cache_disk_destroy(c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cache_crash: could not remove %s\n", dir);
	return atomic_load(&failed) ? 1 : 0;
}
