/*
 * tests/stress/pool_stress.c - the pool under contention: producer tasks in
 * cancelled and uncancelled groups, nested fork-join, outside producers,
 * random flushes and snapshots, with exact accounting per key.
 *
 * Key k (0 <= k < K) is the violation with its own file id (so a snapshot's
 * count for file k says whether key k was counted), tool k % T, rule
 * (k / T) % R, line k and level k % TALLY_LEVEL_COUNT, a function of the key so that the
 * expected level and tool counts follow from which keys were submitted.
 * Every row of every batch whose submit succeeded is recorded in sub[k].
 *
 * Producers:
 *  - outside threads (--producers) fill batches of 1 to 4096 rows and
 *    submit them, blocking or (--nonblock) retrying on TALLY_EAGAIN;
 *  - producer tasks, --tasks per group in --groups groups, more of them
 *    than workers, so some have not started when their group is cancelled.
 *    A task submits batches itself, or fans out with tally_pool_for(), each
 *    piece submitting a batch (nested spawn, submits from many workers, and
 *    in-place aggregation at the in-flight bound), or runs a fork-join
 *    tree of tiny tasks (owners and thieves racing for the last element
 *    of a deque) and checks that every leaf ran once. The main thread cancels
 *    groups at random ("kills" their producers), waits for them, checks
 *    that every task of an uncancelled group ran exactly once, and starts
 *    them again.
 * Everyone flushes now and then and checks that the snapshot then read at
 * least every row recorded before the flush; a checker thread takes
 * snapshots in a loop (sum of levels == sum of tools == sum of files ==
 * unique <= read, read never decreases).
 *
 * At the end, exactly: read == rows recorded; file k counted once iff
 * sub[k] > 0 and never otherwise; levels and tools as derived from sub[].
 *
 * Usage: pool_stress [--producers P] [--groups G] [--tasks N] [--workers W]
 *        [--seconds S] [--nonblock] [--seed X]
 * Exit status: 0 every invariant held, 1 a violation (printed), 2 usage.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tally.h"

#define STRESS_NAME "pool_stress"
#include "stress_util.h"

#define T 7           /* tools */
#define R 29          /* rules */
#define K (1u << 15)  /* keys = files */
#define LEVELS TALLY_LEVEL_COUNT
#define GROUPS_MAX 16

static struct {
	unsigned producers, groups, tasks, workers;
	double seconds;
	bool nonblock;
	uint64_t seed;
} opt = { 3, 3, 6, 3, 3.0, false, 1 };

static tally_engine *e;
static uint32_t tool_id[T], rule_id[R], file_id[K], msg_id;
static _Atomic uint32_t sub[K];
static _Atomic uint64_t rows; /* rows of successful submits */
static atomic_bool stop;

static bool
running(void)
{
	return !atomic_load(&stop) && !atomic_load(&failed);
}

/* Check what every snapshot must satisfy; returns its read count. */
static uint64_t
check_snapshot(const char *who, uint64_t min_read)
{
	static tally_group g[K];
	static pthread_mutex_t glock = PTHREAD_MUTEX_INITIALIZER;
	stress_sums sum;
	int rc;

	pthread_mutex_lock(&glock); /* g is shared to keep stacks small */
	rc = stress_sums_take(e, g, T, K, &sum);
	pthread_mutex_unlock(&glock);
	if (rc != TALLY_OK) {
		FAIL("%s: snapshot: %s", who, tally_strerror(rc));
		return 0;
	}
	if (sum.max_file > 1)
		FAIL("%s: a key counted %llu times", who,
		    (unsigned long long)sum.max_file);
	tally_totals t = sum.t;
	(void)stress_sums_check(who, &sum);
	if (t.read < min_read)
		FAIL("%s: read %llu < %llu recorded before the flush", who,
		    (unsigned long long)t.read, (unsigned long long)min_read);
	return t.read;
}

static void
maybe_flush(const char *who, uint64_t *s)
{
	uint64_t before;
	int rc;

	if (rnd(s) % 64 != 0)
		return;
	before = atomic_load(&rows);
	if ((rc = tally_engine_flush(e)) != TALLY_OK)
		FAIL("%s: flush: %s", who, tally_strerror(rc));
	(void)check_snapshot(who, before);
}

/*
 * Fill a batch of 1..4096 random keys (hot ones half of the time, to collide
 * often) and submit it; on success record its rows. Return: false when the
 * engine refused it for good.
 */
static bool
produce_one(const char *who, uint64_t *s)
{
	uint32_t keys[4096];
	tally_batch *b = NULL;
	uint32_t n = 1 + (uint32_t)(rnd(s) % 4096);
	int rc;

	if ((rc = tally_batch_acquire(e, &b)) != TALLY_OK) {
		FAIL("%s: acquire: %s", who, tally_strerror(rc));
		return false;
	}
	if (n > tally_batch_capacity(b))
		n = tally_batch_capacity(b);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t r = rnd(s);
		uint32_t k = (uint32_t)((r >> 1) % (r & 1 ? 256 : K));
		tally_violation v = { tool_id[k % T], rule_id[(k / T) % R],
			file_id[k], msg_id, k, 1, 0, (uint8_t)(k % LEVELS), 0 };

		if ((rc = tally_batch_append(b, &v)) != TALLY_OK) {
			FAIL("%s: append: %s", who, tally_strerror(rc));
			tally_batch_discard(e, b);
			return false;
		}
		keys[i] = k;
	}
	while ((rc = tally_batch_submit(e, b)) == TALLY_EAGAIN)
		sched_yield();
	if (rc != TALLY_OK) {
		FAIL("%s: submit: %s", who, tally_strerror(rc));
		tally_batch_discard(e, b);
		return false;
	}
	/* Recorded after the submit returned: a flush that reads rows then
	 * must find at least these rows aggregated. */
	for (uint32_t i = 0; i < n; i++)
		atomic_fetch_add(&sub[keys[i]], 1);
	atomic_fetch_add(&rows, n);
	return true;
}

/* ---- producer tasks ---- */

typedef struct group {
	tally_pool_group tg;
	_Atomic unsigned submitted, ran;
	uint64_t seed;
} group;

static group groups[GROUPS_MAX];

struct piece_ctx {
	_Atomic uint64_t seed;
	_Atomic unsigned pieces;
	size_t n;
};

static void
piece(void *arg, size_t lo, size_t hi)
{
	struct piece_ctx *c = arg;
	uint64_t s = atomic_fetch_add(&c->seed, 0x9E3779B97F4A7C15u) | 1;

	for (size_t i = lo; i < hi; i++) {
		atomic_fetch_add(&c->pieces, 1);
		if (running())
			(void)produce_one("piece", &s);
	}
}

/*
 * A binary fork-join tree of @depth levels: each node spawns one half and
 * runs the other itself, so deques fill and empty fast and thieves race
 * owners for the last element. Leaves count themselves; the caller checks
 * 2^depth of them ran.
 */
struct tree {
	unsigned depth;
	_Atomic unsigned long *leaves;
};

static void
tree_task(void *arg)
{
	struct tree *t = arg, child;
	tally_pool_group g;
	int rc;

	if (t->depth == 0) {
		atomic_fetch_add(t->leaves, 1);
		return;
	}
	child = (struct tree){ t->depth - 1, t->leaves };
	tally_pool_group_init(e, &g);
	while ((rc = tally_pool_submit(e, &g, tree_task, &child)) ==
	    TALLY_EAGAIN)
		sched_yield();
	if (rc != TALLY_OK)
		FAIL("tree: submit: %s", tally_strerror(rc));
	tree_task(&(struct tree){ t->depth - 1, t->leaves });
	if ((rc = tally_pool_group_wait(&g)) != TALLY_OK)
		FAIL("tree: wait: %s", tally_strerror(rc));
}

static void
producer_task(void *arg)
{
	group *g = arg;
	uint64_t s = atomic_fetch_add(&g->ran, 1) * 7919u + g->seed + 1;
	unsigned batches = 1 + (unsigned)(rnd(&s) % 40);

	if (tally_pool_worker(e) < 0)
		FAIL("task: not on a pool thread");
	for (unsigned i = 0; i < batches && running(); i++) {
		if (tally_pool_group_cancelled(&g->tg))
			return; /* killed mid-stream */
		if (rnd(&s) % 4 == 0) {
			_Atomic unsigned long leaves = 0;
			unsigned depth = 4 + (unsigned)(rnd(&s) % 8);

			tree_task(&(struct tree){ depth, &leaves });
			if (atomic_load(&leaves) != 1ul << depth)
				FAIL("tree: %lu leaves of %lu ran",
				    atomic_load(&leaves), 1ul << depth);
		} else if (rnd(&s) % 8 == 0) {
			struct piece_ctx c = { s, 0, 1 + rnd(&s) % 12 };
			int rc = tally_pool_for(e, 0, c.n, 1, piece, &c);

			if (rc != TALLY_OK || atomic_load(&c.pieces) != c.n)
				FAIL("pool_for: %s, %u of %zu pieces ran",
				    tally_strerror(rc),
				    atomic_load(&c.pieces), c.n);
		} else if (!produce_one("task", &s)) {
			return;
		}
		maybe_flush("task", &s);
	}
}

static void
start_group(group *g, uint64_t *s)
{
	tally_pool_group_init(e, &g->tg);
	atomic_store(&g->submitted, 0);
	atomic_store(&g->ran, 0);
	g->seed = rnd(s);
	for (unsigned i = 0; i < opt.tasks; i++) {
		int rc;

		while ((rc = tally_pool_submit(e, &g->tg, producer_task, g)) ==
		    TALLY_EAGAIN)
			sched_yield();
		if (rc != TALLY_OK) {
			FAIL("pool_submit: %s", tally_strerror(rc));
			return;
		}
		atomic_fetch_add(&g->submitted, 1);
	}
}

static void
finish_group(group *g, bool cancel)
{
	int rc;

	if (cancel)
		tally_pool_group_cancel(&g->tg);
	rc = tally_pool_group_wait(&g->tg);
	if (rc != (cancel ? TALLY_ECANCELED : TALLY_OK))
		FAIL("group wait: %s (cancelled: %d)", tally_strerror(rc),
		    cancel);
	if (atomic_load(&g->ran) > atomic_load(&g->submitted) ||
	    (!cancel && atomic_load(&g->ran) != atomic_load(&g->submitted)))
		FAIL("group: %u tasks ran of %u submitted (cancelled: %d)",
		    atomic_load(&g->ran), atomic_load(&g->submitted), cancel);
}

/* ---- outside producers and the checker ---- */

static void *
producer_thread(void *arg)
{
	uint64_t s = opt.seed * 0x9E3779B97F4A7C15u + (uintptr_t)arg;

	while (running()) {
		if (!produce_one("thread", &s))
			break;
		maybe_flush("thread", &s);
	}
	return NULL;
}

static void *
checker(void *arg)
{
	uint64_t last = 0;

	(void)arg;
	while (running()) {
		uint64_t r = check_snapshot("checker", 0);

		if (r < last)
			FAIL("checker: read went back from %llu to %llu",
			    (unsigned long long)last, (unsigned long long)r);
		last = r;
		sched_yield();
	}
	return NULL;
}

static void
final_check(void)
{
	static tally_group g[K];
	uint64_t want_level[TALLY_LEVEL_COUNT] = { 0 }, want_tool[T] = { 0 };
	uint64_t want_unique = 0;
	tally_snapshot *s = NULL;
	tally_totals t;
	size_t n;

	if (tally_snapshot_acquire(e, &s) != TALLY_OK) {
		FAIL("final snapshot failed");
		return;
	}
	tally_snapshot_totals(s, &t);
	for (uint32_t k = 0; k < K; k++) {
		if (atomic_load(&sub[k]) != 0) {
			want_unique++;
			want_level[k % LEVELS]++;
			want_tool[k % T]++;
		}
	}
	if (t.read != atomic_load(&rows) || t.unique != want_unique)
		FAIL("final: read %llu of %llu rows, unique %llu of %llu keys",
		    (unsigned long long)t.read,
		    (unsigned long long)atomic_load(&rows),
		    (unsigned long long)t.unique,
		    (unsigned long long)want_unique);
	for (int l = 0; l < TALLY_LEVEL_COUNT; l++)
		if (tally_snapshot_level(s, (tally_level)l) != want_level[l])
			FAIL("final: level %d counted %llu, want %llu", l,
			    (unsigned long long)tally_snapshot_level(s,
			    (tally_level)l), (unsigned long long)want_level[l]);
	tally_snapshot_groups(s, TALLY_DIM_TOOL, TALLY_ORDER_ID, g, T, &n);
	for (size_t i = 0; i < n; i++)
		if (g[i].count != want_tool[i])
			FAIL("final: tool %zu counted %llu, want %llu", i,
			    (unsigned long long)g[i].count,
			    (unsigned long long)want_tool[i]);
	/* Groups list the files counted at least once, in id order. */
	tally_snapshot_groups(s, TALLY_DIM_FILE, TALLY_ORDER_ID, g, K, &n);
	if (n != want_unique)
		FAIL("final: %zu keys counted, %llu submitted", n,
		    (unsigned long long)want_unique);
	for (size_t i = 0; i < n; i++)
		if (g[i].count != 1 || atomic_load(&sub[g[i].file]) == 0)
			FAIL("final: key %u counted %llu times, submitted "
			    "%u times", g[i].file,
			    (unsigned long long)g[i].count,
			    atomic_load(&sub[g[i].file]));
	tally_snapshot_release(s);
	printf("pool_stress: %llu rows, %llu unique keys, all counted once\n",
	    (unsigned long long)t.read, (unsigned long long)t.unique);
}

static int
usage(void)
{
	fprintf(stderr, "usage: pool_stress [--producers P] [--groups G] "
	    "[--tasks N] [--workers W] [--seconds S] [--nonblock] "
	    "[--seed X]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	pthread_t th[64], chk;
	uint64_t s;
	char name[32];
	double end;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--nonblock")) {
			opt.nonblock = true;
			continue;
		}
		if (v == NULL)
			return usage();
		i++;
		if (!strcmp(a, "--producers"))
			opt.producers = (unsigned)atoi(v);
		else if (!strcmp(a, "--groups"))
			opt.groups = (unsigned)atoi(v);
		else if (!strcmp(a, "--tasks"))
			opt.tasks = (unsigned)atoi(v);
		else if (!strcmp(a, "--workers"))
			opt.workers = (unsigned)atoi(v);
		else if (!strcmp(a, "--seconds"))
			opt.seconds = atof(v);
		else if (!strcmp(a, "--seed"))
			opt.seed = strtoull(v, NULL, 0);
		else
			return usage();
	}
	if (opt.producers > 64 || opt.groups > GROUPS_MAX || opt.workers < 1)
		return usage();
	cfg.workers = opt.workers;
	cfg.max_inflight = 2 * opt.workers; /* small: exercise the bound */
	cfg.flags = opt.nonblock ? TALLY_SUBMIT_NONBLOCK : 0;
	if ((rc = tally_engine_create(&e, &cfg)) != TALLY_OK) {
		fprintf(stderr, "pool_stress: create: %s\n",
		    tally_strerror(rc));
		return 1;
	}
	for (unsigned i = 0; i < T; i++) {
		snprintf(name, sizeof(name), "tool%u", i);
		tally_engine_tool_intern(e, name, strlen(name), NULL, 0,
		    &tool_id[i]);
	}
	for (unsigned i = 0; i < R; i++) {
		snprintf(name, sizeof(name), "rule%u", i);
		tally_engine_string_intern(e, TALLY_STR_RULE, name, strlen(name),
		    &rule_id[i]);
	}
	for (unsigned i = 0; i < K; i++) {
		snprintf(name, sizeof(name), "f%u.c", i);
		tally_engine_string_intern(e, TALLY_STR_FILE, name, strlen(name),
		    &file_id[i]);
		if (file_id[i] != i) {
			fprintf(stderr, "pool_stress: file ids not dense\n");
			return 1;
		}
	}
	tally_engine_string_intern(e, TALLY_STR_MESSAGE, "m", 1, &msg_id);

	s = opt.seed * 0x2545F4914F6CDD1Du | 1;
	pthread_create(&chk, NULL, checker, NULL);
	for (unsigned i = 0; i < opt.producers; i++)
		pthread_create(&th[i], NULL, producer_thread,
		    (void *)(uintptr_t)(i + 1));
	for (unsigned i = 0; i < opt.groups; i++)
		start_group(&groups[i], &s);
	end = now() + opt.seconds;
	while (running() && now() < end) {
		group *g = &groups[rnd(&s) % opt.groups];
		struct timespec nap = { 0, (long)(rnd(&s) % 20000000) };

		nanosleep(&nap, NULL);
		finish_group(g, rnd(&s) % 2 == 0);
		start_group(g, &s);
	}
	atomic_store(&stop, true);
	for (unsigned i = 0; i < opt.groups; i++)
		finish_group(&groups[i], false);
	for (unsigned i = 0; i < opt.producers; i++)
		pthread_join(th[i], NULL);
	pthread_join(chk, NULL);
	if ((rc = tally_engine_flush(e)) != TALLY_OK)
		FAIL("flush: %s", tally_strerror(rc));
	final_check();
	tally_engine_destroy(e);
	return atomic_load(&failed) ? 1 : 0;
}
