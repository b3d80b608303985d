/*
 * tests/stress/ingest_stress.c - many producers, many workers, exact
 * accounting.
 *
 * Producers draw keys from a fixed key space of K keys (key k is the
 * violation with tool k % T, rule (k / T) % R, ..., line k), so different
 * producers submit the same keys concurrently and the dedup set is
 * contended. --suppressed PCT (default 25) submits that percentage of the
 * rows of two batches in three suppressed (TALLY_VIOLATION_SUPPRESSED; the
 * third batch has none, so batches with and without race in one engine):
 * the same key goes in both active and suppressed, two distinct
 * violations. Half of the batches are filled row by row, half as columns
 * in one call (tally_batch_append_columns, flags NULL when the batch has
 * none). A producer records every key it submits in a shared bitmap per
 * flag (atomic OR) and counts what it submitted. At the end, exactly:
 *   read       == rows in submitted batches (discarded batches count nothing)
 *   unique     == keys set in the active bitmap
 *   suppressed == keys set in the suppressed bitmap
 *   duplicates == read - unique - suppressed
 *   each tool's count == active bitmap keys of that tool
 * and every snapshot taken on the way obeys
 *   sum(levels) == sum(tools) == sum(files) == unique,
 *   unique + suppressed <= read, duplicates == read - unique - suppressed,
 *   read never decreases,
 *   after a producer's flush, read >= what it had submitted.
 *
 * Meanwhile --readers threads (default 2) take, check and release
 * snapshots in a tight loop (each snapshot's sequence number never goes
 * back, nor its read count), one more thread publishes on demand as fast
 * as it can, and the engine publishes every millisecond on its own: many
 * thousands of publications, each replacing a snapshot readers may hold.
 *
 * With --path-glob, the engine counts only files matching "file1*"
 * (tally_config.path_glob) and producers intern each row's file name as
 * they go, so workers classify new file ids while others intern them:
 * read, unique and each tool's count take only the keys whose file
 * matches (fnmatch on the name, as the engine's definition says).
 *
 * With --pairs, every key is submitted exactly twice, by two different
 * producers (key q + P * j by producers q and q + 1), both copies with the
 * same flag (key k is suppressed when k % 100 < PCT), so a snapshot that
 * is a consistent cut (a duplicate counted only with the row it
 * duplicates) also obeys duplicates <= unique + suppressed.
 *
 * Usage: ingest_stress [--producers P] [--workers W] [--readers N]
 *        [--seconds S] [--batch-max N] [--nonblock] [--pairs] [--affinity]
 *        [--path-glob] [--suppressed PCT] [--seed X]
 * Exit status: 0 all invariants held, 1 a violation (printed), 2 usage.
 */
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tally.h"

#define STRESS_NAME "ingest_stress"
#include "stress_util.h"

#define T 5          /* tools */
#define R 37         /* rules */
#define F 101        /* files */
#define M 13         /* messages */
#define K (1u << 18) /* key space */

static struct {
	unsigned producers, workers, readers, batch_max, suppressed;
	double seconds;
	bool nonblock, affinity, pairs, glob;
	uint64_t seed;
} opt = { 8, 4, 2, 4096, 25, 3.0, false, false, false, false, 1 };

#define GLOB "file1*"

static tally_engine *e;
static uint32_t tool_id[T], rule_id[R], file_id[F], msg_id[M];
static _Atomic uint64_t bitmap[2][K / 64]; /* [suppressed][key] */
static _Atomic uint64_t submitted_rows, discarded_rows;
static atomic_bool stop;
static pthread_barrier_t start;

static void
file_name(uint32_t k, char *name, size_t size)
{
	snprintf(name, size, "file%u", (k / 7) % F);
}

/* Whether key @k is counted: always, or with --path-glob when its file's
 * name matches GLOB. */
static bool
counted(uint32_t k)
{
	char name[32];

	if (!opt.glob)
		return true;
	file_name(k, name, sizeof(name));
	return fnmatch(GLOB, name, 0) == 0;
}

static tally_violation
violation(uint32_t k, bool sup, uint64_t *s)
{
	uint32_t file = file_id[(k / 7) % F];

	/* --path-glob: intern the file as it comes, while workers classify */
	if (opt.glob) {
		char name[32];

		file_name(k, name, sizeof(name));
		if (tally_engine_string_intern(e, TALLY_STR_FILE, name,
		    strlen(name), &file) != TALLY_OK)
			FAIL("intern %s", name);
	}
	return (tally_violation){ tool_id[k % T], rule_id[(k / T) % R],
		file, msg_id[(k / 3) % M], k, k % 80, 0,
		(uint8_t)(rnd(s) % TALLY_LEVEL_COUNT),
		sup ? TALLY_VIOLATION_SUPPRESSED : 0 };
}

/* Check the invariants every snapshot must satisfy; returns read. */
static uint64_t
check_snapshot(const char *who, uint64_t min_read)
{
	tally_group g[F > T ? F : T];
	stress_sums sum;
	int rc = stress_sums_take(e, g, T, F, &sum);
	tally_totals t = sum.t;

	if (rc != TALLY_OK) {
		FAIL("%s: snapshot: %s", who, tally_strerror(rc));
		return 0;
	}
	(void)stress_sums_check(who, &sum);
	if (opt.pairs && t.duplicates > t.unique + t.suppressed)
		FAIL("%s: not a consistent cut: %llu duplicates of %llu unique "
		    "and %llu suppressed keys, each submitted twice", who,
		    (unsigned long long)t.duplicates,
		    (unsigned long long)t.unique,
		    (unsigned long long)t.suppressed);
	if (t.read < min_read)
		FAIL("%s: read %llu < %llu submitted before the flush", who,
		    (unsigned long long)t.read, (unsigned long long)min_read);
	return t.read;
}

static void
pin(unsigned i)
{
	if (opt.affinity) {
		cpu_set_t set;
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		CPU_ZERO(&set);
		CPU_SET(i % (unsigned)(ncpu > 0 ? ncpu : 1), &set);
		(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
}

/* One batch's rows as columns, for tally_batch_append_columns(). */
typedef struct colbuf {
	uint32_t tool[4096], rule[4096], file[4096], message[4096];
	uint32_t line[4096], column[4096];
	uint64_t offset[4096];
	uint8_t level[4096], flags[4096];
} colbuf;

static void
colbuf_set(colbuf *c, uint32_t i, const tally_violation *v)
{
	c->tool[i] = v->tool, c->rule[i] = v->rule, c->file[i] = v->file;
	c->message[i] = v->message, c->line[i] = v->line;
	c->column[i] = v->column, c->offset[i] = v->offset;
	c->level[i] = v->level, c->flags[i] = v->flags;
}

/* Whether key @k's row is suppressed: --pairs fixes it by key. */
static bool
suppressed(uint32_t k, bool batch_has, uint64_t *s)
{
	if (opt.pairs)
		return k % 100 < opt.suppressed;
	return batch_has && rnd(s) % 100 < opt.suppressed;
}

static void *
producer(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	uint64_t s = opt.seed * 0x9E3779B97F4A7C15u + id + 1;
	/* --pairs: this producer's keys, first and second copies in turn. */
	uint32_t pair_next[2] = { id, (id + opt.producers - 1) % opt.producers };
	unsigned pair_turn = 0;
	/* Each producer stops at its own time: some leave early. */
	double end = now() + opt.seconds * (0.3 + 0.7 * (double)(rnd(&s) % 1000)
	    / 1000.0);
	colbuf *cb = malloc(sizeof(*cb));

	if (cb == NULL) {
		FAIL("out of memory");
		return NULL;
	}
	pin(id);
	pthread_barrier_wait(&start);
	while (!atomic_load(&stop) && !atomic_load(&failed) && now() < end) {
		tally_batch *b = NULL;
		uint32_t n = 1 + (uint32_t)(rnd(&s) % opt.batch_max), nsup = 0;
		uint32_t keys[4096];
		uint8_t sup[4096];
		bool discard = rnd(&s) % 50 == 0;
		bool by_columns = rnd(&s) & 1, batch_has = rnd(&s) % 3 != 0;
		int rc = TALLY_OK;

		if ((rc = tally_batch_acquire(e, &b)) != TALLY_OK) {
			FAIL("acquire: %s", tally_strerror(rc));
			break;
		}
		if (n > tally_batch_capacity(b))
			n = tally_batch_capacity(b);
		for (uint32_t i = 0; i < n; i++) {
			/* Hot keys half of the time, to collide often. */
			uint32_t k = (uint32_t)(rnd(&s) % (rnd(&s) & 1 ? 512 : K));
			tally_violation v;

			if (opt.pairs) {
				uint32_t *next = &pair_next[pair_turn++ & 1];

				if (*next >= K) {
					n = i; /* this producer is done */
					break;
				}
				k = *next;
				*next += opt.producers;
			}
			sup[i] = suppressed(k, batch_has, &s);
			nsup += sup[i];
			v = violation(k, sup[i], &s);
			keys[i] = k;
			if (by_columns)
				colbuf_set(cb, i, &v);
			else if ((rc = tally_batch_append(b, &v)) != TALLY_OK)
				break;
		}
		if (by_columns && n != 0) {
			/* flags NULL when no row has one: the 0.2 layout */
			tally_columns c = { cb->tool, cb->rule, cb->file,
				cb->message, cb->line, cb->column, cb->offset,
				cb->level, nsup != 0 ? cb->flags : NULL };

			rc = tally_batch_append_columns(b, &c, n);
		}
		if (rc != TALLY_OK) {
			FAIL("append%s: %s", by_columns ? " columns" : "",
			    tally_strerror(rc));
			tally_batch_discard(e, b);
			break;
		}
		if (n == 0) {
			tally_batch_discard(e, b);
			break;
		}
		/* A discarded pair copy would never come back: --pairs keeps all. */
		if (discard && !opt.pairs) {
			tally_batch_discard(e, b);
			atomic_fetch_add(&discarded_rows, n);
			continue;
		}
		while ((rc = tally_batch_submit(e, b)) == TALLY_EAGAIN)
			sched_yield();
		if (rc != TALLY_OK) {
			FAIL("submit: %s", tally_strerror(rc));
			tally_batch_discard(e, b);
			break;
		}
		/* Only keys of batches the engine took, and that its filter
		 * lets through, are expected. */
		{
			uint64_t rows = 0;

			for (uint32_t i = 0; i < n; i++) {
				if (!counted(keys[i]))
					continue;
				atomic_fetch_or(&bitmap[sup[i]][keys[i] / 64],
				    UINT64_C(1) << (keys[i] % 64));
				rows++;
			}
			atomic_fetch_add(&submitted_rows, rows);
		}
		if (rnd(&s) % 64 == 0) {
			/*
			 * Every row counted in submitted_rows was in a batch
			 * whose submit returned before the increment, so before
			 * this load: the flush must cover all of them, from
			 * every producer, not only this one's.
			 */
			uint64_t floor = atomic_load(&submitted_rows);

			if ((rc = tally_engine_flush(e)) != TALLY_OK)
				FAIL("flush: %s", tally_strerror(rc));
			check_snapshot("producer", floor);
		}
	}
	free(cb);
	return NULL;
}

static _Atomic uint64_t snapshots_checked;

static void *
reader(void *arg)
{
	uint64_t last = 0, last_seq = 0;

	(void)arg;
	pthread_barrier_wait(&start);
	while (!atomic_load(&stop) && !atomic_load(&failed)) {
		tally_snapshot *s = NULL;
		uint64_t read, seq;

		/* a held snapshot while others are published over it */
		tally_snapshot_acquire(e, &s);
		seq = tally_snapshot_seq(s);
		read = check_snapshot("reader", 0);
		tally_snapshot_release(s);
		if (seq < last_seq)
			FAIL("reader: seq went back from %llu to %llu",
			    (unsigned long long)last_seq,
			    (unsigned long long)seq);
		if (read < last)
			FAIL("reader: read went back from %llu to %llu",
			    (unsigned long long)last, (unsigned long long)read);
		last = read;
		last_seq = seq;
		atomic_fetch_add(&snapshots_checked, 1);
	}
	return NULL;
}

/* Publishes on demand, as fast as it can, next to the periodic ones. */
static void *
publisher(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	while (!atomic_load(&stop) && !atomic_load(&failed)) {
		int rc = tally_snapshot_publish(e);

		if (rc != TALLY_OK)
			FAIL("publish: %s", tally_strerror(rc));
	}
	return NULL;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ingest_stress [--producers P] [--workers W] "
	    "[--readers N] [--seconds S] [--batch-max N] [--nonblock] "
	    "[--pairs] [--affinity] [--path-glob] [--suppressed PCT] "
	    "[--seed X]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	pthread_t *th, *rd, pub;
	uint64_t want_unique = 0, want_sup = 0, want_tool[T] = { 0 };
	uint64_t publications = 0;
	tally_snapshot *s = NULL;
	tally_totals t;
	tally_group g[T];
	size_t n;
	char name[32];
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--nonblock") == 0)
			opt.nonblock = true;
		else if (strcmp(a, "--affinity") == 0)
			opt.affinity = true;
		else if (strcmp(a, "--pairs") == 0)
			opt.pairs = true;
		else if (strcmp(a, "--path-glob") == 0)
			opt.glob = true;
		else if (v == NULL)
			usage();
		else if (strcmp(a, "--producers") == 0 || strcmp(a, "--threads") == 0)
			opt.producers = (unsigned)atoi(v), i++;
		else if (strcmp(a, "--workers") == 0)
			opt.workers = (unsigned)atoi(v), i++;
		else if (strcmp(a, "--readers") == 0)
			opt.readers = (unsigned)atoi(v), i++;
		else if (strcmp(a, "--seconds") == 0)
			opt.seconds = atof(v), i++;
		else if (strcmp(a, "--batch-max") == 0)
			opt.batch_max = (unsigned)atoi(v), i++;
		else if (strcmp(a, "--suppressed") == 0)
			opt.suppressed = (unsigned)atoi(v), i++;
		else if (strcmp(a, "--seed") == 0)
			opt.seed = strtoull(v, NULL, 0), i++;
		else
			usage();
	}
	if (opt.producers == 0 || opt.batch_max == 0 || opt.batch_max > 4096 ||
	    (opt.pairs && opt.producers < 2) || opt.suppressed > 100)
		usage();

	cfg.workers = opt.workers;
	cfg.batch_capacity = 4096;
	cfg.max_inflight = 2 * opt.workers;
	cfg.flags = opt.nonblock ? TALLY_SUBMIT_NONBLOCK : 0;
	cfg.snapshot_interval_ms = 1;
	cfg.path_glob = opt.glob ? GLOB : NULL;
	if ((rc = tally_engine_create(&e, &cfg)) != TALLY_OK) {
		fprintf(stderr, "ingest_stress: create: %s\n", tally_strerror(rc));
		return 1;
	}
	for (int i = 0; i < T; i++)
		snprintf(name, sizeof(name), "tool%d", i),
		    tally_engine_tool_intern(e, name, strlen(name), NULL, 0,
		    &tool_id[i]);
	for (int i = 0; i < R; i++)
		snprintf(name, sizeof(name), "rule%d", i),
		    tally_engine_string_intern(e, TALLY_STR_RULE, name, strlen(name),
		    &rule_id[i]);
	for (int i = 0; i < F && !opt.glob; i++)
		snprintf(name, sizeof(name), "file%d", i),
		    tally_engine_string_intern(e, TALLY_STR_FILE, name, strlen(name),
		    &file_id[i]);
	for (int i = 0; i < M; i++)
		snprintf(name, sizeof(name), "msg%d", i),
		    tally_engine_string_intern(e, TALLY_STR_MESSAGE, name, strlen(name),
		    &msg_id[i]);

	th = calloc(opt.producers, sizeof(*th));
	rd = calloc(opt.readers + 1, sizeof(*rd));
	pthread_barrier_init(&start, NULL, opt.producers + opt.readers + 2);
	for (unsigned i = 0; i < opt.producers; i++)
		pthread_create(&th[i], NULL, producer, (void *)(uintptr_t)i);
	for (unsigned i = 0; i < opt.readers; i++)
		pthread_create(&rd[i], NULL, reader, NULL);
	pthread_create(&pub, NULL, publisher, NULL);
	pthread_barrier_wait(&start);
	for (unsigned i = 0; i < opt.producers; i++)
		pthread_join(th[i], NULL);
	atomic_store(&stop, true);
	for (unsigned i = 0; i < opt.readers; i++)
		pthread_join(rd[i], NULL);
	pthread_join(pub, NULL);

	if ((rc = tally_engine_flush(e)) != TALLY_OK)
		FAIL("final flush: %s", tally_strerror(rc));
	for (uint32_t k = 0; k < K; k++) {
		if (atomic_load(&bitmap[0][k / 64]) >> (k % 64) & 1) {
			want_unique++;
			want_tool[k % T]++;
		}
		want_sup += atomic_load(&bitmap[1][k / 64]) >> (k % 64) & 1;
	}
	check_snapshot("final", atomic_load(&submitted_rows));
	tally_snapshot_acquire(e, &s);
	publications = tally_snapshot_seq(s);
	tally_snapshot_totals(s, &t);
	if (t.read != atomic_load(&submitted_rows))
		FAIL("read %llu, submitted %llu", (unsigned long long)t.read,
		    (unsigned long long)atomic_load(&submitted_rows));
	if (t.unique != want_unique)
		FAIL("unique %llu, distinct active keys submitted %llu",
		    (unsigned long long)t.unique,
		    (unsigned long long)want_unique);
	if (t.suppressed != want_sup)
		FAIL("suppressed %llu, distinct suppressed keys submitted %llu",
		    (unsigned long long)t.suppressed,
		    (unsigned long long)want_sup);
	if (t.duplicates != t.read - want_unique - want_sup)
		FAIL("duplicates %llu, want read %llu - unique %llu - "
		    "suppressed %llu", (unsigned long long)t.duplicates,
		    (unsigned long long)t.read, (unsigned long long)want_unique,
		    (unsigned long long)want_sup);
	tally_snapshot_groups(s, TALLY_DIM_TOOL, TALLY_ORDER_ID, g, T, &n);
	for (size_t i = 0; i < n; i++) {
		/* tool ids are 0..T-1 in order of registration */
		if (g[i].count != want_tool[g[i].tool])
			FAIL("tool %u: %llu counted, %llu distinct keys",
			    g[i].tool, (unsigned long long)g[i].count,
			    (unsigned long long)want_tool[g[i].tool]);
	}
	tally_snapshot_release(s);
	tally_engine_destroy(e);
	free(th);
	free(rd);
	printf("ingest_stress: %s: %u producers, %u workers, %u readers, "
	    "%.1f s%s%s: %llu rows submitted, %llu discarded, %llu unique "
	    "and %llu suppressed keys, %llu publications, %llu snapshots "
	    "checked\n",
	    atomic_load(&failed) ? "FAILED" : "ok", opt.producers,
	    opt.workers, opt.readers, opt.seconds,
	    opt.nonblock ? ", non-blocking" : "", opt.pairs ? ", pairs" :
	    opt.glob ? ", path glob" : "",
	    (unsigned long long)atomic_load(&submitted_rows),
	    (unsigned long long)atomic_load(&discarded_rows),
	    (unsigned long long)want_unique, (unsigned long long)want_sup,
	    (unsigned long long)publications,
	    (unsigned long long)atomic_load(&snapshots_checked));
	return atomic_load(&failed) ? 1 : 0;
}
