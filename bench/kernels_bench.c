/*
 * bench/kernels_bench.c - each kernel x ISA, with its references in the
 * same run.
 *
 *  kernels/fingerprint/xxh3_dispatch   XXH3_64bits_dispatch over the same
 *                                      rows as 32-byte records (the target's
 *                                      reference; libxxhash's dispatching
 *                                      entry point)
 *  kernels/fingerprint/<isa>           our column kernel per ISA (scalar is
 *                                      the plain loop); ratio_vs_xxh3
 *  kernels/filter/<filter>/<isa>       selection vectors over one batch
 *                                      (about half the rows pass)
 *  kernels/topk/k:K/<isa>              ids of the K largest of 64 K skewed
 *                                      counts (scalar: the heap loop)
 *  kernels/dedup/ceiling/distinct:D    one random line per row from a region
 *                                      the size of the set's keys: what
 *                                      memory allows (ratio_vs_ceiling)
 *  kernels/dedup/plain/distinct:D      the reference: a plain single-thread
 *                                      exact-key table, rows drawn from D
 *                                      keys it already holds
 *  kernels/dedup/set/distinct:D        the same rows into the lock-free set,
 *                                      each batch hot in cache as in the
 *                                      engine (fingerprints precomputed,
 *                                      copies untimed); ratio_vs_plain
 *  kernels/dedup/set/stream/distinct:D[/threads:2]
 *                                      the same, columns streaming in from
 *                                      memory
 *  kernels/dedup/fill/distinct:D[/threads:2]
 *                                      D new keys into an empty set, growth
 *                                      included
 *  kernels/level_hist/<isa>            level histogram of the batch's level
 *                                      column, per ISA (scalar: reference)
 *  kernels/count_ids/...               counts by a dense id, 20 M rows, 1000
 *                                      distinct: the kernel on 1 and 2
 *                                      threads, and DuckDB's GROUP BY
 *                                      count(*) on the same row count and
 *                                      cardinality with 2 threads (run with
 *                                      node from ../shared/peers; skipped
 *                                      when absent); ratio_vs_duckdb
 *  kernels/count_ids/corpus/{tool,file}
 *                                      the kernel on corpus-shaped batches
 *
 * Rows: one batch (4096) shaped like real ids, hot in L2, as the engine
 * runs the kernel on a batch it just filled.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xxh_x86dispatch.h>

#include "bench/bench.h"
#include "bench/bench_mem.h"
#include "engine/keyset.h"
#include "kernels/kernels.h"

#define ROWS 4096u

typedef struct key32 {
	uint32_t tool, rule, file, message, line, column;
	uint64_t offset;
} key32;

static struct {
	uint32_t tool[ROWS], rule[ROWS], file[ROWS], message[ROWS];
	uint32_t line[ROWS], column[ROWS];
	uint64_t offset[ROWS];
	key32 rec[ROWS];
	uint64_t out[ROWS];
	int ready;
} d;

static void
data_make(void)
{
	uint64_t s = 0x2545F4914F6CDD1Du;

	if (d.ready)
		return;
	for (uint32_t i = 0; i < ROWS; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		d.tool[i] = (uint32_t)(s % 5);
		d.rule[i] = (uint32_t)(s >> 8) % 300;
		d.file[i] = (uint32_t)(s >> 20) % 5000;
		d.message[i] = (uint32_t)(s >> 33) % 2000;
		d.line[i] = (uint32_t)(s >> 44) % 4000 + 1;
		d.column[i] = (uint32_t)(s >> 56) % 80 + 1;
		d.offset[i] = i % 3 ? 0 : s >> 40;
		d.rec[i] = (key32){ d.tool[i], d.rule[i], d.file[i],
			d.message[i], d.line[i], d.column[i], d.offset[i] };
	}
	d.ready = 1;
}

static void
bm_xxh3(bench_state *st, void *arg)
{
	uint64_t iters = 0;
	double t0;

	(void)arg;
	data_make();
	t0 = pool_now();
	while (bench_keep_running(st, ROWS)) {
		for (uint32_t i = 0; i < ROWS; i++)
			d.out[i] = XXH3_64bits_dispatch(&d.rec[i], 32);
		BENCH_ESCAPE(d.out);
		iters++;
	}
	bench_set_items(st, iters * ROWS);
	bench_set_bytes(st, iters * ROWS * 32);
	pool_baseline_set("xxh3_dispatch/32",
	    (double)(iters * ROWS) / (pool_now() - t0));
}

static void
bm_fingerprint(bench_state *st, void *arg)
{
	const tallyk_table *t = tallyk_table_of((tallyk_isa)(uintptr_t)arg);
	tallyk_keycols c = { d.tool, d.rule, d.file, d.message, d.line,
		d.column, d.offset };
	uint64_t iters = 0;
	double t0, rate;

	if (t == NULL) {
		bench_skip(st, "ISA not supported by this CPU or build");
		return;
	}
	data_make();
	t0 = pool_now();
	while (bench_keep_running(st, ROWS)) {
		t->fingerprint(&c, ROWS, d.out);
		BENCH_ESCAPE(d.out);
		iters++;
	}
	rate = (double)(iters * ROWS) / (pool_now() - t0);
	bench_set_items(st, iters * ROWS);
	bench_set_bytes(st, iters * ROWS * 32);
	if (pool_baseline_get("xxh3_dispatch/32") > 0)
		bench_set_counter(st, "ratio_vs_xxh3",
		    rate / pool_baseline_get("xxh3_dispatch/32"), false);
}

/* ---- level histogram ---- */

static uint8_t lv[ROWS];

static void
bm_level_hist(bench_state *st, void *arg)
{
	const tallyk_table *t = tallyk_table_of((tallyk_isa)(uintptr_t)arg);
	uint64_t hist[4] = { 0 }, iters = 0, s = 88172645463325252u;

	if (t == NULL) {
		bench_skip(st, "ISA not supported by this CPU or build");
		return;
	}
	for (uint32_t i = 0; i < ROWS; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		lv[i] = (uint8_t)(s & 3);
	}
	while (bench_keep_running(st, ROWS)) {
		t->level_hist(lv, ROWS, hist);
		BENCH_ESCAPE(hist);
		iters++;
	}
	bench_set_items(st, iters * ROWS);
	bench_set_bytes(st, iters * ROWS);
}

/* ---- filters: selection vectors over one batch, ~50% selected ---- */

static uint32_t fsel[ROWS];
static uint64_t fset[ROWS / 64]; /* file ids < 4096: every other one */

enum { F_LEVEL, F_FILE, F_COUNT };
static const char *const filter_names[F_COUNT] = { "level_ge", "file_in" };

static void
bm_filter(bench_state *st, void *arg)
{
	uintptr_t a = (uintptr_t)arg;
	const tallyk_table *t = tallyk_table_of((tallyk_isa)(a % 8));
	uint64_t iters = 0, sel = 0;

	if (t == NULL) {
		bench_skip(st, "ISA not supported by this CPU or build");
		return;
	}
	data_make();
	for (uint32_t i = 0; i < ROWS; i++)
		lv[i] = (uint8_t)(d.line[i] & 3);
	memset(fset, 0x55, sizeof(fset));
	while (bench_keep_running(st, ROWS)) {
		switch (a / 8) {
		case F_LEVEL:
			sel += t->select_level_ge(lv, ROWS, 2, fsel);
			break;
		default:
			sel += t->select_file_in(d.file, ROWS, fset, 4096, fsel);
			break;
		}
		BENCH_ESCAPE(fsel);
		iters++;
	}
	bench_set_items(st, iters * ROWS);
	bench_set_counter(st, "selected", (double)sel / (double)(iters * ROWS),
	    false);
}

/* ---- top-K over a count array ---- */

#define TK_N 65536u /* e.g. files of a big repository */

static uint64_t tk_count[TK_N];
static uint32_t tk_ids[1024];

/* arg: isa + 8 * K */
static void
bm_topk(bench_state *st, void *arg)
{
	uintptr_t a = (uintptr_t)arg;
	const tallyk_table *t = tallyk_table_of((tallyk_isa)(a % 8));
	size_t k = a / 8;
	uint64_t iters = 0, s = 0x1234567;

	if (t == NULL) {
		bench_skip(st, "ISA not supported by this CPU or build");
		return;
	}
	/* Skewed like violations per file: most small, a few large. */
	for (uint32_t i = 0; i < TK_N; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		tk_count[i] = (s % 100 == 0) ? s % 10000 : s % 20;
	}
	while (bench_keep_running(st, TK_N)) {
		BENCH_ESCAPE(t->topk(tk_count, TK_N, k, tk_ids));
		iters++;
	}
	bench_set_items(st, iters * TK_N);
	bench_set_bytes(st, iters * TK_N * sizeof(uint64_t));
}

/* ---- dedup: the lock-free exact-key set ---- */

#define DD_ROWS (1u << 22) /* rows per pass, in batches of ROWS */

/*
 * Rows as the engine's batches hold them: seven key columns and the
 * fingerprints, each its own array.
 */
typedef struct ddrows {
	uint32_t *col[6]; /* tool, rule, file, message, line, column */
	uint64_t *offset, *fp;
	size_t n;
} ddrows;

/*
 * One key population per D: DD_ROWS rows drawn uniformly from D distinct
 * keys, and every key once (to fill the set), fingerprints computed up
 * front so the timed loops do only the set's work. Key k's fields are
 * functions of k, every one of them varying, so every column streams in
 * from memory as real batches would.
 */
static struct dd {
	uint32_t distinct;
	ddrows rows, all;
} dd;

static void
ddrows_make(ddrows *r, size_t n)
{
	for (int f = 0; f < 6; f++) {
		free(r->col[f]);
		r->col[f] = malloc(n * sizeof(uint32_t));
	}
	free(r->offset), free(r->fp);
	r->offset = malloc(n * sizeof(uint64_t));
	r->fp = malloc(n * sizeof(uint64_t));
	r->n = n;
}

static tallyk_keycols
ddrows_cols(const ddrows *r, size_t at)
{
	return (tallyk_keycols){ r->col[0] + at, r->col[1] + at,
		r->col[2] + at, r->col[3] + at, r->col[4] + at, r->col[5] + at,
		r->offset + at };
}

static void
ddrows_set(ddrows *r, size_t i, uint32_t k)
{
	r->col[0][i] = k % 5, r->col[1][i] = k % 97, r->col[2][i] = k / 3;
	r->col[3][i] = k % 11, r->col[4][i] = k, r->col[5][i] = k % 7;
	r->offset[i] = (uint64_t)k * 40;
}

static void
dd_make(uint32_t distinct)
{
	uint64_t s = 0x51;

	if (dd.distinct == distinct)
		return;
	dd.distinct = distinct;
	ddrows_make(&dd.rows, DD_ROWS);
	ddrows_make(&dd.all, distinct);
	for (uint32_t i = 0; i < DD_ROWS; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		ddrows_set(&dd.rows, i, (uint32_t)(s % distinct));
	}
	for (uint32_t i = 0; i < distinct; i++)
		ddrows_set(&dd.all, i, i);
	for (int w = 0; w < 2; w++) {
		ddrows *r = w ? &dd.all : &dd.rows;
		tallyk_keycols c = ddrows_cols(r, 0);

		tallyk_fingerprint_scalar(&c, r->n, r->fp);
	}
}

/* Insert rows [lo, hi) of @r in batches of ROWS. */
static void
dd_insert(tallyi_keyset *ks, const ddrows *r, size_t lo, size_t hi)
{
	uint8_t is_new[ROWS];

	for (size_t b = lo; b < hi; b += ROWS) {
		size_t n = hi - b < ROWS ? hi - b : ROWS;
		tallyk_keycols c = ddrows_cols(r, b);

		tallyi_keyset_insert_bulk(ks, &c, r->fp + b, n, is_new);
		BENCH_ESCAPE(is_new);
	}
}

/*
 * The reference: the plain loop a single thread would write, an exact-key
 * linear-probing table of 32-byte slots with no tags and no atomics, as
 * many slots as the set has and the same fingerprints, probed row by row.
 */
typedef struct plain_set {
	tallyi_key *slot;
	size_t mask;
} plain_set;

static size_t
plain_insert(plain_set *p, const ddrows *r)
{
	size_t fresh = 0;

	for (size_t j = 0; j < r->n; j++) {
		tallyi_key k = { r->col[0][j], r->col[1][j], r->col[2][j],
			r->col[3][j], r->col[4][j], r->col[5][j],
			r->offset[j] };
		size_t i = (size_t)(r->fp[j] >> 7) & p->mask;

		for (; p->slot[i].tool != UINT32_MAX; i = (i + 1) & p->mask) {
			if (memcmp(&p->slot[i], &k, sizeof(k)) == 0)
				break;
		}
		if (p->slot[i].tool == UINT32_MAX) {
			p->slot[i] = k;
			fresh++;
		}
	}
	return fresh;
}

struct dd_part {
	tallyi_keyset *ks;
	const ddrows *r;
	size_t lo, hi;
};

static void *
dd_part_run(void *arg)
{
	struct dd_part *p = arg;

	dd_insert(p->ks, p->r, p->lo, p->hi);
	return NULL;
}

/* Run dd_insert over all of @r on @threads threads (1: this one). */
static void
dd_insert_threads(tallyi_keyset *ks, const ddrows *r, unsigned threads)
{
	struct dd_part part[2];
	pthread_t th[2];
	size_t n = r->n;

	if (threads == 1) {
		dd_insert(ks, r, 0, n);
		return;
	}
	for (unsigned k = 0; k < threads; k++) {
		/* split on a batch boundary */
		part[k] = (struct dd_part){ ks, r,
			n / threads / ROWS * ROWS * k,
			k + 1 == threads ? n : n / threads / ROWS * ROWS * (k + 1) };
		pthread_create(&th[k], NULL, dd_part_run, &part[k]);
	}
	for (unsigned k = 0; k < threads; k++)
		pthread_join(th[k], NULL);
}

#define DD_ARG(distinct, threads, mode) \
	((void *)(uintptr_t)((uint64_t)(distinct) << 8 | (threads) << 4 | (mode)))
enum { DD_PLAIN, DD_PROBE, DD_STREAM, DD_FILL, DD_CEIL };

/*
 * One pass over dd.rows as the engine sees them: each batch's columns hot
 * in cache (the engine inserts a batch right after fingerprinting it). The
 * copy into the hot buffer is not timed (paused); @plain picks the
 * reference table instead of the set. Return: seconds timed.
 */
static double
hot_pass(bench_state *st, tallyi_keyset *ks, plain_set *plain)
{
	static ddrows hot;
	uint8_t is_new[ROWS];
	double spent = 0;

	if (hot.n == 0)
		ddrows_make(&hot, ROWS);
	for (size_t b = 0; b < DD_ROWS; b += ROWS) {
		double t1;

		bench_pause(st);
		for (int f = 0; f < 6; f++)
			memcpy(hot.col[f], dd.rows.col[f] + b, ROWS * 4);
		memcpy(hot.offset, dd.rows.offset + b, ROWS * 8);
		memcpy(hot.fp, dd.rows.fp + b, ROWS * 8);
		bench_resume(st);
		t1 = pool_now();
		if (plain != NULL) {
			BENCH_ESCAPE(plain_insert(plain, &hot));
		} else {
			tallyk_keycols c = ddrows_cols(&hot, 0);

			tallyi_keyset_insert_bulk(ks, &c, hot.fp, ROWS, is_new);
			BENCH_ESCAPE(is_new);
		}
		spent += pool_now() - t1;
	}
	return spent;
}

/*
 * The machine's ceiling for this access pattern: one random 64-byte line
 * per row from a region the size of the set's keys, prefetched 32 rows
 * ahead, nothing else done. A probe reads at least that line (the key),
 * plus its control line.
 */
static uint64_t
ceiling_pass(const char *region, size_t lines, const uint64_t *fp, size_t n)
{
	/* lines: a power of two, as the set's capacity */
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		if (i + 32 < n)
			__builtin_prefetch(region + (fp[i + 32] & (lines - 1)) * 64);
		sum += (uint8_t)region[(fp[i] & (lines - 1)) * 64];
	}
	return sum;
}

/*
 * DD_PROBE: DD_ROWS rows per pass into a set already holding every key (so
 * every probe finds its key: the steady state of a re-run), each batch's
 * columns hot in cache (hot_pass()).
 * DD_STREAM: the same rows with the columns streaming in from memory (a
 * caller inserting slices of long arrays), on 1 or 2 threads.
 * DD_FILL: every key inserted once into an empty set, growth included.
 * DD_PLAIN: DD_PROBE's rows through the reference table, hot too.
 * DD_CEIL: the memory ceiling (ceiling_pass()) for DD_PROBE's rows.
 * The ratios are to the reference and the ceiling, run first.
 */
static void
bm_dedup(bench_state *st, void *arg)
{
	uint64_t a = (uint64_t)(uintptr_t)arg, iters = 0, rows;
	uint32_t distinct = (uint32_t)(a >> 8);
	unsigned threads = (unsigned)(a >> 4 & 15), mode = (unsigned)(a & 15);
	char base[32], ceil[32];
	double t0 = pool_now(), rate, ref;
	tallyi_keyset ks;

	dd_make(distinct);
	snprintf(base, sizeof(base), "dedup/plain/%u", distinct);
	snprintf(ceil, sizeof(ceil), "dedup/ceiling/%u", distinct);
	tallyi_keyset_init(&ks, &bench_libc_mem, 0);
	if (mode != DD_FILL)
		dd_insert(&ks, &dd.all, 0, distinct); /* untimed */
	if (mode == DD_CEIL) {
		size_t bytes = tallyi_keyset_capacity(&ks) * sizeof(tallyi_key);
		char *region = aligned_alloc(2u << 20, bytes);

		(void)madvise(region, bytes, MADV_HUGEPAGE); /* as the set */
		memset(region, 1, bytes);
		t0 = pool_now();
		while (bench_keep_running(st, DD_ROWS)) {
			BENCH_ESCAPE(ceiling_pass(region, bytes / 64, dd.rows.fp,
			    DD_ROWS));
			iters++;
		}
		rows = iters * DD_ROWS;
		free(region);
	} else if (mode == DD_PLAIN || mode == DD_PROBE) {
		plain_set p = { NULL, tallyi_keyset_capacity(&ks) - 1 };
		double spent = 0;

		if (mode == DD_PLAIN) {
			p.slot = malloc((p.mask + 1) * sizeof(tallyi_key));
			memset(p.slot, 0xff, (p.mask + 1) * sizeof(tallyi_key));
			plain_insert(&p, &dd.all);
		}
		while (bench_keep_running(st, DD_ROWS)) {
			spent += hot_pass(st, &ks, p.slot ? &p : NULL);
			iters++;
		}
		rows = iters * DD_ROWS;
		t0 = pool_now() - spent;
		free(p.slot);
	} else if (mode == DD_STREAM) {
		t0 = pool_now();
		while (bench_keep_running(st, DD_ROWS)) {
			dd_insert_threads(&ks, &dd.rows, threads);
			iters++;
		}
		rows = iters * DD_ROWS;
	} else {
		double spent = 0;

		while (bench_keep_running(st, distinct)) {
			double t1 = pool_now();

			dd_insert_threads(&ks, &dd.all, threads);
			spent += pool_now() - t1;
			tallyi_keyset_fini(&ks); /* untimed: a fresh set */
			tallyi_keyset_init(&ks, &bench_libc_mem, 0);
			iters++;
		}
		rows = iters * distinct;
		t0 = pool_now() - spent;
	}
	rate = (double)rows / (pool_now() - t0);
	bench_set_items(st, rows);
	if (mode != DD_FILL)
		bench_set_counter(st, "keys", (double)tallyi_keyset_count(&ks),
		    false);
	if (mode == DD_PLAIN || mode == DD_CEIL)
		pool_baseline_set(mode == DD_CEIL ? ceil : base, rate);
	if (mode == DD_PROBE && (ref = pool_baseline_get(base)) > 0)
		bench_set_counter(st, "ratio_vs_plain", rate / ref, false);
	if ((mode == DD_PROBE || mode == DD_STREAM) &&
	    (ref = pool_baseline_get(ceil)) > 0)
		bench_set_counter(st, "ratio_vs_ceiling", rate / ref, false);
	tallyi_keyset_fini(&ks);
}

/* ---- counts by dense id ---- */

#define CROWS (20u * 1000 * 1000)
#define CBINS 1000u

static uint32_t *cid;

static void
cid_make(void)
{
	uint64_t s = 0x9E3779B97F4A7C15u;

	if (cid != NULL)
		return;
	cid = malloc((size_t)CROWS * sizeof(*cid));
	for (uint32_t i = 0; i < CROWS; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		cid[i] = (uint32_t)(s % CBINS);
	}
}

struct count_part {
	const uint32_t *id;
	size_t n;
	uint64_t counts[CBINS];
};

static void *
count_part(void *arg)
{
	struct count_part *p = arg;

	memset(p->counts, 0, sizeof(p->counts));
	tallyk_count_ids_plain(p->id, p->n, p->counts);
	return NULL;
}

/* arg: threads; 1 runs on this thread. */
static void
bm_count_ids(bench_state *st, void *arg)
{
	unsigned threads = (unsigned)(uintptr_t)arg;
	static struct count_part part[2];
	uint64_t total[CBINS], iters = 0;
	double t0, rate, duck;

	cid_make();
	t0 = pool_now();
	while (bench_keep_running(st, CROWS)) {
		memset(total, 0, sizeof(total));
		if (threads == 1) {
			tallyk_count_ids_plain(cid, CROWS, total);
		} else {
			pthread_t th[2];

			for (unsigned k = 0; k < threads; k++) {
				part[k].id = cid + (size_t)CROWS / threads * k;
				part[k].n = (size_t)CROWS / threads;
				pthread_create(&th[k], NULL, count_part, &part[k]);
			}
			for (unsigned k = 0; k < threads; k++) {
				pthread_join(th[k], NULL);
				for (uint32_t b = 0; b < CBINS; b++)
					total[b] += part[k].counts[b];
			}
		}
		BENCH_ESCAPE(total);
		iters++;
	}
	rate = (double)iters * CROWS / (pool_now() - t0);
	bench_set_items(st, iters * CROWS);
	bench_set_bytes(st, iters * CROWS * sizeof(uint32_t));
	bench_set_counter(st, "ratio_1G", rate / 1e9, false);
	duck = pool_baseline_get("duckdb/2");
	if (threads == 2 && duck > 0)
		bench_set_counter(st, "ratio_vs_duckdb", rate / duck, false);
}

/*
 * ---- counts by id as the engine runs them: corpus-shaped batches ----
 *
 * A stream shaped like the shared corpus (its STATS.md): 5,033 files with
 * lognormal results each (median 4, the mean about 30, at most 5,922),
 * each file's results together; 8 tools, one per run of about 5,000 rows
 * (a log is one tool's). Counted a batch (4096 rows) at a time into arrays
 * of as many bins as ids, as tallyi_agg_count_rows() does.
 */
#define CS_FILES 5033u
#define CS_TOOLS 8u

static struct {
	uint32_t *tool, *file;
	size_t n;
} cs;

static double
cs_unit(uint64_t *s)
{
	*s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
	return ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
}

static void
cs_make(void)
{
	uint64_t s = 0xC0FFEE;
	size_t cap = 0;

	if (cs.n != 0)
		return;
	for (uint32_t f = 0; f < CS_FILES; f++) {
		/* lognormal (Box-Muller): median 4, sigma 2 */
		double z = sqrt(-2 * log(cs_unit(&s))) *
		    cos(6.283185307179586 * cs_unit(&s));
		double x = 4 * exp(2 * z) + 1;
		size_t k = x > 5922 ? 5922 : (size_t)x;
		uint32_t file = (uint32_t)((f * 2654435761u) % CS_FILES);

		if (cs.n + k > cap) {
			cap = (cs.n + k) * 2;
			cs.tool = realloc(cs.tool, cap * sizeof(uint32_t));
			cs.file = realloc(cs.file, cap * sizeof(uint32_t));
		}
		for (size_t j = 0; j < k; j++, cs.n++) {
			cs.file[cs.n] = file;
			cs.tool[cs.n] = (uint32_t)(cs.n / 5000 % CS_TOOLS);
		}
	}
}

enum { CS_TOOL, CS_FILE };

/* arg: the column */
static void
bm_count_corpus(bench_state *st, void *arg)
{
	unsigned col = (unsigned)(uintptr_t)arg;
	static uint64_t counts[CS_FILES];
	const uint32_t *id;
	uint64_t iters = 0;

	cs_make();
	id = col == CS_TOOL ? cs.tool : cs.file;
	while (bench_keep_running(st, cs.n)) {
		for (size_t b = 0; b < cs.n; b += ROWS) {
			size_t n = cs.n - b < ROWS ? cs.n - b : ROWS;

			tallyk_count_ids_plain(id + b, n, counts);
		}
		BENCH_ESCAPE(counts);
		iters++;
	}
	bench_set_items(st, iters * cs.n);
}

/* DuckDB GROUP BY count(*), 2 threads, same rows and cardinality. */
static void
bm_duckdb(bench_state *st, void *arg)
{
	const char *peers = getenv("PEERS_DIR");
	char cmd[1024], line[1024] = "";
	double rate = 0;
	FILE *f;

	(void)arg;
	snprintf(cmd, sizeof(cmd), "NODE_PATH=%s/node_modules node "
	    "%s/duckdb_groupby.mjs %u %u 2 5 2>/dev/null",
	    peers ? peers : TALLY_PEERS_CACHE, TALLY_PEERS_DIR, CROWS, CBINS);
	while (bench_keep_running(st, CROWS)) {
		f = popen(cmd, "r");
		if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
			if (f != NULL)
				pclose(f);
			bench_skip(st, "DuckDB peer not installed "
			    "(../shared/peers/setup.sh)");
			return;
		}
		pclose(f);
	}
	{
		const char *p = strstr(line, "\"rows_per_s_median\":");

		if (p != NULL)
			rate = strtod(p + strlen("\"rows_per_s_median\":"),
			    NULL);
	}
	if (rate <= 0) {
		bench_skip(st, "DuckDB peer printed no rate");
		return;
	}
	bench_set_counter(st, "duckdb_rows_per_s", rate, false);
	pool_baseline_set("duckdb/2", rate);
}

void
kernels_bench_register(void)
{
	static char names[TALLYK_ISA_COUNT][48], names2[TALLYK_ISA_COUNT][48];
	static char names3[F_COUNT][TALLYK_ISA_COUNT][48];
	static char names4[2][TALLYK_ISA_COUNT][48];

	bench_register("kernels/fingerprint/xxh3_dispatch", bm_xxh3, NULL);
	for (unsigned i = 0; i < TALLYK_ISA_COUNT; i++) {
		snprintf(names[i], sizeof(names[i]), "kernels/fingerprint/%s",
		    tallyk_isa_name((tallyk_isa)i));
		bench_register(names[i], bm_fingerprint, (void *)(uintptr_t)i);
	}
	for (unsigned i = 0; i < TALLYK_ISA_COUNT; i++) {
		snprintf(names2[i], sizeof(names2[i]), "kernels/level_hist/%s",
		    tallyk_isa_name((tallyk_isa)i));
		bench_register(names2[i], bm_level_hist, (void *)(uintptr_t)i);
	}
	for (unsigned f = 0; f < F_COUNT; f++) {
		for (unsigned i = 0; i < TALLYK_ISA_COUNT; i++) {
			snprintf(names3[f][i], sizeof(names3[f][i]),
			    "kernels/filter/%s/%s", filter_names[f],
			    tallyk_isa_name((tallyk_isa)i));
			bench_register(names3[f][i], bm_filter,
			    (void *)(uintptr_t)(f * 8 + i));
		}
	}
	for (unsigned q = 0; q < 2; q++) {
		for (unsigned i = 0; i < TALLYK_ISA_COUNT; i++) {
			unsigned k = q ? 100 : 10;

			snprintf(names4[q][i], sizeof(names4[q][i]),
			    "kernels/topk/k:%u/%s", k,
			    tallyk_isa_name((tallyk_isa)i));
			bench_register(names4[q][i], bm_topk,
			    (void *)(uintptr_t)(i + 8 * k));
		}
	}
	/* 1K: the set in L1/L2, what the probe costs with no misses */
	for (unsigned q = 0; q < 3; q++) {
		static char dn[3][8][48];
		static const uint32_t D[3] = { 1024, 65536, 10000000 };
		static const char *DS[3] = { "1K", "64K", "10M" };
		uint32_t distinct = D[q];
		const char *ds = DS[q];
		static const struct { const char *name; unsigned thr, mode; }
		    v[7] = { { "ceiling", 1, DD_CEIL },
			{ "plain", 1, DD_PLAIN }, { "set", 1, DD_PROBE },
			{ "set/stream", 1, DD_STREAM },
			{ "set/stream/threads:2", 2, DD_STREAM },
			{ "fill", 1, DD_FILL }, { "fill/threads:2", 2, DD_FILL } };

		/* filling 1 K keys would time thread start-up */
		for (unsigned k = 0; k < (q ? 7u : 5u); k++) {
			snprintf(dn[q][k], sizeof(dn[q][k]),
			    "kernels/dedup/%s/distinct:%s", v[k].name, ds);
			(v[k].thr > 1 ? bench_register_realtime :
			    bench_register)(dn[q][k], bm_dedup,
			    DD_ARG(distinct, v[k].thr, v[k].mode));
		}
	}
	/* DuckDB first: the 2-thread count prints its ratio to it. */
	bench_register_realtime("kernels/count_ids/duckdb/threads:2",
	    bm_duckdb, NULL);
	bench_register("kernels/count_ids/plain", bm_count_ids,
	    (void *)(uintptr_t)1);
	bench_register_realtime("kernels/count_ids/threads:2",
	    bm_count_ids, (void *)(uintptr_t)2);
	bench_register("kernels/count_ids/corpus/tool", bm_count_corpus,
	    (void *)(uintptr_t)CS_TOOL);
	bench_register("kernels/count_ids/corpus/file", bm_count_corpus,
	    (void *)(uintptr_t)CS_FILE);
}
