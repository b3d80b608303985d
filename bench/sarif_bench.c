/*
 * bench/sarif_bench.c - SARIF summary and merge throughput over real logs.
 *
 *   sarif/summary/<set>/one_core  read every log of the set into a fresh
 *       engine and flush, with the process pinned to one CPU (reader and
 *       worker share it): MB/s of SARIF, results/s, and ratio_500MBps, the
 *       ratio to the target of 500 MB/s on one core.
 *   sarif/read_only/<set>  the baseline measured in the same run: map each
 *       log and touch every byte (a sum), the floor any reader pays.
 *   sarif/merge/<set>  tally merge of the set into a temporary file.
 *   sarif/summary/<set>/one_core/cache:cold, cache:warm  the summary with
 *       a stored-results cache (tally_sarif_options.cache) opened afresh
 *       each iteration, as by a new process: cold empties its directory
 *       first (every input read, packed and stored), warm finds every
 *       input stored (every input replayed). x_read is the ratio of
 *       throughput to the plain summary, measured just before in the run.
 *   sarif/rank/<set>/<dim>/{full_sort,top:10}  tally_snapshot_groups() by
 *       count on the snapshot of the whole set (read once, untimed), for
 *       files and (tool, rule): full_sort asks for every group (cap = the
 *       group count: every group ranked by a sort, as any cap was before
 *       the top-K path), top:10 for ten (the top-K kernel, then only the
 *       groups at or above the tenth count ranked); x_sort is full_sort's
 *       time over top:10's.
 *
 * <set> is "corpus" (../shared/corpus, every *.sarif; skipped when absent)
 * or "samples" (tests/data/samples, small: the bench-smoke tier).
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench.h"
#include "tally.h"

typedef struct fileset {
	const char *name;
	char **paths;
	size_t n;
	uint64_t bytes, results;
} fileset;

static fileset sets[2] = { { "corpus", NULL, 0, 0, 0 },
	{ "samples", NULL, 0, 0, 0 } };

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.sarif file under @dir, one level of subdirectories deep. */
static void
collect(fileset *fs, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth > 0) {
			collect(fs, path, depth - 1);
		} else if (S_ISREG(st.st_mode) && len > 6 &&
		    strcmp(de->d_name + len - 6, ".sarif") == 0) {
			fs->paths = realloc(fs->paths,
			    (fs->n + 1) * sizeof(char *));
			fs->paths[fs->n++] = strdup(path);
			fs->bytes += (uint64_t)st.st_size;
		}
	}
	closedir(d);
	qsort(fs->paths, fs->n, sizeof(char *), cmp_str);
}

typedef enum { PLAIN, CACHE_COLD, CACHE_WARM } summary_mode;

typedef struct summary_arg {
	fileset *fs;
	summary_mode mode;
} summary_arg;

static summary_arg summary_args[2][3];

#define CACHE_DIR "/tmp/tally-bench-cache"

/*
 * Read the whole set into a fresh one-worker engine, through @cache when
 * not NULL; returns results.
 */
static uint64_t
summary_once(const fileset *fs, tally_cache *cache, bench_state *st)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_engine *e = NULL;
	tally_snapshot *s = NULL;
	tally_totals t = { 0, 0, 0, 0 };

	cfg.workers = 1;
	so.cache = cache;
	if (tally_engine_create(&e, &cfg) != TALLY_OK) {
		bench_skip(st, "engine create failed");
		return 0;
	}
	for (size_t i = 0; i < fs->n; i++) {
		tally_sarif_report rep;

		if (tally_sarif_read_file(e, fs->paths[i], &so, &rep) != 0) {
			fprintf(stderr, "%s: %s\n", fs->paths[i], rep.error.message);
			bench_skip(st, "an input failed");
			break;
		}
	}
	tally_engine_flush(e);
	if (tally_snapshot_acquire(e, &s) == TALLY_OK) {
		tally_snapshot_totals(s, &t);
		tally_snapshot_release(s);
	}
	tally_engine_destroy(e);
	return t.read;
}

static tally_cache *
cache_open(void)
{
	tally_cache_config cfg = TALLY_CACHE_CONFIG_INIT;
	tally_cache *c = NULL;

	cfg.dir = CACHE_DIR;
	cfg.l2_bytes = 16u << 20; /* as tally summary --cache */
	if (tally_cache_create(&cfg, NULL, &c, NULL) != TALLY_OK)
		abort();
	return c;
}

static void
cache_wipe(void)
{
	if (system("rm -rf " CACHE_DIR) != 0)
		abort();
}

static void
bm_summary(bench_state *st, void *arg)
{
	const summary_arg *a = arg;
	fileset *fs = a->fs;
	cpu_set_t old, one;
	uint64_t iters = 0, results = 0;
	double t0, dt = 0;
	char base[64];

	if (fs->n == 0) {
		bench_skip(st, "no input files");
		return;
	}
	/*
	 * One core: this thread and the engine's worker (created by this
	 * thread, so it inherits the mask) share the CPU we run on.
	 */
	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);
	cache_wipe();
	if (a->mode == CACHE_WARM) {
		tally_cache *c = cache_open();

		(void)summary_once(fs, c, st);
		tally_cache_destroy(c);
	}
	while (bench_keep_running(st, 1)) {
		tally_cache *c;

		if (a->mode == CACHE_COLD) {
			bench_pause(st);
			cache_wipe();
			bench_resume(st);
		}
		t0 = pool_now();
		c = a->mode == PLAIN ? NULL : cache_open();
		results = summary_once(fs, c, st);
		tally_cache_destroy(c);
		dt += pool_now() - t0;
		iters++;
	}
	sched_setaffinity(0, sizeof(old), &old);
	cache_wipe();
	snprintf(base, sizeof(base), "summary/%s", fs->name);
	if (a->mode == PLAIN && iters > 0)
		pool_baseline_set(base, dt / (double)iters);
	else if (iters > 0 && pool_baseline_get(base) > 0)
		bench_set_counter(st, "x_read", pool_baseline_get(base) /
		    (dt / (double)iters), false);
	bench_set_bytes(st, fs->bytes * iters);
	bench_set_items(st, results * iters);
	bench_set_counter(st, "ratio_500MBps", (double)fs->bytes * (double)iters
	    / 500e6, true);
	bench_set_counter(st, "results", (double)results, false);
}

static void
bm_read_only(bench_state *st, void *arg)
{
	fileset *fs = arg;
	uint64_t iters = 0, sum = 0;

	if (fs->n == 0) {
		bench_skip(st, "no input files");
		return;
	}
	while (bench_keep_running(st, 1)) {
		for (size_t i = 0; i < fs->n; i++) {
			int fd = open(fs->paths[i], O_RDONLY);
			struct stat sb;
			const uint64_t *p;

			if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size < 8) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE,
			    fd, 0);
			close(fd);
			for (size_t k = 0; k < (size_t)sb.st_size / 8; k++)
				sum += p[k];
			munmap((void *)p, (size_t)sb.st_size);
		}
		iters++;
	}
	BENCH_ESCAPE(sum);
	bench_set_bytes(st, fs->bytes * iters);
	bench_set_items(st, fs->n * iters);
}

static void
bm_merge(bench_state *st, void *arg)
{
	fileset *fs = arg;
	uint64_t iters = 0, read = 0, unique = 0;
	char out[] = "/tmp/tally-bench-merge-XXXXXX";
	int fd;

	if (fs->n == 0) {
		bench_skip(st, "no input files");
		return;
	}
	fd = mkstemp(out);
	if (fd >= 0)
		close(fd);
	while (bench_keep_running(st, 1)) {
		tally_sarif_merge *m = NULL;
		tally_sarif_merge_stats ms;

		tally_sarif_merge_create(&m, NULL);
		for (size_t i = 0; i < fs->n; i++)
			tally_sarif_merge_add_file(m, fs->paths[i], NULL, NULL);
		if (tally_sarif_merge_write(m, out, NULL) != TALLY_OK)
			bench_skip(st, "write failed");
		tally_sarif_merge_stats_get(m, &ms);
		read = ms.read;
		unique = ms.unique;
		tally_sarif_merge_destroy(m);
		iters++;
	}
	unlink(out);
	bench_set_bytes(st, fs->bytes * iters);
	bench_set_items(st, read * iters);
	bench_set_counter(st, "unique", (double)unique, false);
}

/* ---- ranking: the top N of a snapshot against a full sort ---- */

static tally_engine *rank_e;
static tally_snapshot *rank_s;

typedef struct rank_arg {
	fileset *fs;
	tally_dim dim;
	size_t top; /* 0: every group */
} rank_arg;

static rank_arg rank_args[2][2]; /* [file, rule][full_sort, top:10] */

static void
bm_rank(bench_state *st, void *arg)
{
	const rank_arg *a = arg;
	tally_group *out;
	size_t cnt, cap, n = 0;
	uint64_t iters = 0;
	double t0, per;
	char base[64];

	if (a->fs->n == 0) {
		bench_skip(st, "no input files");
		return;
	}
	if (rank_e == NULL) { /* the set's snapshot, once per process */
		tally_config cfg = TALLY_CONFIG_INIT;

		cfg.workers = 1;
		if (tally_engine_create(&rank_e, &cfg) != TALLY_OK)
			abort();
		for (size_t i = 0; i < a->fs->n; i++) {
			tally_sarif_report rep;

			(void)tally_sarif_read_file(rank_e, a->fs->paths[i], NULL,
			    &rep);
		}
		if (tally_engine_flush(rank_e) != TALLY_OK ||
		    tally_snapshot_acquire(rank_e, &rank_s) != TALLY_OK)
			abort();
	}
	cnt = tally_snapshot_group_count(rank_s, a->dim);
	cap = a->top != 0 ? a->top : cnt;
	out = malloc((cnt ? cnt : 1) * sizeof(*out));
	t0 = pool_now();
	while (bench_keep_running(st, 1)) {
		if (tally_snapshot_groups(rank_s, a->dim, TALLY_ORDER_COUNT, out,
		    cap, &n) != TALLY_OK)
			abort();
		BENCH_ESCAPE(out);
		iters++;
	}
	per = (pool_now() - t0) / (double)(iters ? iters : 1);
	free(out);
	snprintf(base, sizeof(base), "rank/%s/%d", a->fs->name, (int)a->dim);
	if (a->top == 0)
		pool_baseline_set(base, per);
	else if (pool_baseline_get(base) > 0)
		bench_set_counter(st, "x_sort", pool_baseline_get(base) / per,
		    false);
	bench_set_items(st, iters * cnt);
	bench_set_counter(st, "groups", (double)cnt, false);
	bench_set_counter(st, "returned", (double)n, false);
}

void
sarif_bench_register(void)
{
	static char names[6][96], cnames[4][112], rnames[2][2][96];
	const char *corpus = getenv("TALLY_CORPUS_DIR");

	collect(&sets[0], corpus != NULL ? corpus : TALLY_CORPUS_DIR, 1);
	collect(&sets[1], TALLY_TEST_DATA "/samples", 0);
	for (int k = 0; k < 2; k++) {
		snprintf(names[3 * k], sizeof(names[0]),
		    "sarif/summary/%s/one_core", sets[k].name);
		snprintf(names[3 * k + 1], sizeof(names[0]),
		    "sarif/read_only/%s", sets[k].name);
		snprintf(names[3 * k + 2], sizeof(names[0]), "sarif/merge/%s",
		    sets[k].name);
		for (int m = 0; m < 3; m++)
			summary_args[k][m] = (summary_arg){ &sets[k],
				(summary_mode)m };
		bench_register_realtime(names[3 * k], bm_summary,
		    &summary_args[k][PLAIN]);
		for (int m = 1; m < 3; m++) {
			snprintf(cnames[2 * k + m - 1], sizeof(cnames[0]),
			    "%.95s/cache:%s", names[3 * k], m == 1 ? "cold" :
			    "warm");
			bench_register_realtime(cnames[2 * k + m - 1],
			    bm_summary, &summary_args[k][m]);
		}
		bench_register(names[3 * k + 1], bm_read_only, &sets[k]);
		bench_register_realtime(names[3 * k + 2], bm_merge, &sets[k]);
	}
	/* The corpus only (the process keeps one snapshot). */
	for (int d = 0; d < 2; d++) {
		for (int t = 0; t < 2; t++) {
			rank_args[d][t] = (rank_arg){ &sets[0],
				d ? TALLY_DIM_RULE : TALLY_DIM_FILE, t ? 10 : 0 };
			snprintf(rnames[d][t], sizeof(rnames[d][t]),
			    "sarif/rank/%s/%s/%s", sets[0].name,
			    d ? "rule" : "file", t ? "top:10" : "full_sort");
			bench_register(rnames[d][t], bm_rank, &rank_args[d][t]);
		}
	}
}
