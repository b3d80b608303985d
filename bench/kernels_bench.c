/*
 * bench/kernels_bench.c - each kernel x ISA, with its references in the
 * same run.
 *
 *  kernels/fingerprint/xxh3_dispatch   XXH3_64bits_dispatch over the same
 *                                      rows as 32-byte records (the issue's
 *                                      reference; libxxhash's dispatching
 *                                      entry point)
 *  kernels/fingerprint/<isa>           our column kernel per ISA (scalar is
 *                                      the plain loop); ratio_vs_xxh3
 *  kernels/filter/<filter>/<isa>       selection vectors over one batch
 *                                      (about half the rows pass)
 *  kernels/topk/k:K/<isa>              ids of the K largest of 64 K skewed
 *                                      counts (scalar: the heap loop)
 *  kernels/dedup/keyset/distinct:D     probe-and-insert into today's
 *                                      sharded exact-key set holding D keys
 *                                      (the baseline for the lock-free set
 *                                      kernel still to come)
 *  kernels/pair_ids/<isa>              (tool, rule) of one batch to dense
 *                                      pair ids (then counted by id)
 *  kernels/level_hist/<isa>            level histogram of the batch's level
 *                                      column, per ISA (scalar: reference)
 *  kernels/count_ids/...               counts by a dense id, 20 M rows, 1000
 *                                      distinct: the plain loop, the
 *                                      sub-histogram kernel on 1 and 2
 *                                      threads, and DuckDB's GROUP BY
 *                                      count(*) on the same row count and
 *                                      cardinality with 2 threads (run with
 *                                      node from ../shared/peers; skipped
 *                                      when absent); ratio_vs_duckdb
 *
 * Rows: one batch (4096) shaped like real ids, hot in L2, as the engine
 * runs the kernel on a batch it just filled.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

enum { F_LEVEL, F_LINE, F_FILE, F_COUNT };
static const char *const filter_names[F_COUNT] = { "level_ge", "line_range",
	"file_in" };

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
		case F_LINE:
			sel += t->select_line_range(d.line, ROWS, 1, 2000, fsel);
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

/* ---- pair ids: (tool, rule) of one batch into dense pair ids ---- */

static void
bm_pair_ids(bench_state *st, void *arg)
{
	const tallyk_table *t = tallyk_table_of((tallyk_isa)(uintptr_t)arg);
	static uint32_t pid[ROWS];
	uint64_t iters = 0;

	if (t == NULL) {
		bench_skip(st, "ISA not supported by this CPU or build");
		return;
	}
	data_make();
	while (bench_keep_running(st, ROWS)) {
		t->pair_ids(d.tool, d.rule, ROWS, 300, pid);
		BENCH_ESCAPE(pid);
		iters++;
	}
	bench_set_items(st, iters * ROWS);
	bench_set_bytes(st, iters * ROWS * 2 * sizeof(uint32_t));
}

/* ---- dedup: today's sharded keyset, the baseline the set kernel must beat */

#define DD_ROWS (1u << 22) /* rows per pass, in batches of ROWS */

/*
 * Probe-and-insert of DD_ROWS rows per pass into a set already holding
 * @arg distinct keys, rows drawn uniformly from them (so every probe finds
 * its key: the steady state of a re-run), fingerprints from the active
 * kernel, as process_batch does.
 */
static void
bm_dedup_keyset(bench_state *st, void *arg)
{
	uint32_t distinct = (uint32_t)(uintptr_t)arg;
	static tallyi_keyset ks;
	static uint32_t line[DD_ROWS], zero[ROWS], order[ROWS];
	static uint64_t zero64[ROWS], fp[ROWS];
	static uint8_t is_new[ROWS];
	uint64_t s = 0x51, iters = 0;

	for (uint32_t i = 0; i < DD_ROWS; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		line[i] = (uint32_t)(s % distinct);
	}
	tallyi_keyset_init(&ks, &bench_libc_mem);
	/* Fill the set with every key first (not timed). */
	for (uint32_t k0 = 0; k0 < distinct; k0 += ROWS) {
		static uint32_t all[ROWS];
		uint32_t n = distinct - k0 < ROWS ? distinct - k0 : ROWS;
		tallyk_keycols c = { zero, zero, zero, zero, all, zero,
			zero64 };

		for (uint32_t i = 0; i < n; i++)
			all[i] = k0 + i;
		tallyk_kernels()->fingerprint(&c, n, fp);
		tallyi_keyset_insert_bulk(&ks, &c, fp, n, is_new, order);
	}
	while (bench_keep_running(st, DD_ROWS)) {
		for (uint32_t b = 0; b < DD_ROWS; b += ROWS) {
			/* key = (0, 0, 0, 0, line, 0, 0): distinct lines */
			tallyk_keycols c = { zero, zero, zero, zero, line + b,
				zero, zero64 };

			tallyk_kernels()->fingerprint(&c, ROWS, fp);
			tallyi_keyset_insert_bulk(&ks, &c, fp, ROWS, is_new,
			    order);
		}
		iters++;
	}
	bench_set_items(st, iters * DD_ROWS);
	bench_set_counter(st, "keys", (double)tallyi_keyset_count(&ks), false);
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
	uint32_t scratch[4 * CBINS];
};

static void *
count_part(void *arg)
{
	struct count_part *p = arg;

	memset(p->counts, 0, sizeof(p->counts));
	tallyk_count_ids_scalar(p->id, p->n, p->counts, CBINS, p->scratch);
	return NULL;
}

/* arg: 0 = the plain loop, else the sub-histogram kernel on arg threads. */
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
		if (threads == 0) {
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
	static char names5[TALLYK_ISA_COUNT][48];

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
	for (unsigned i = 0; i < TALLYK_ISA_COUNT; i++) {
		snprintf(names5[i], sizeof(names5[i]), "kernels/pair_ids/%s",
		    tallyk_isa_name((tallyk_isa)i));
		bench_register(names5[i], bm_pair_ids, (void *)(uintptr_t)i);
	}
	bench_register("kernels/dedup/keyset/distinct:64K", bm_dedup_keyset,
	    (void *)(uintptr_t)(64u << 10));
	bench_register("kernels/dedup/keyset/distinct:10M", bm_dedup_keyset,
	    (void *)(uintptr_t)10000000u);
	/* DuckDB first: the 2-thread count prints its ratio to it. */
	bench_register_realtime("kernels/count_ids/duckdb/threads:2",
	    bm_duckdb, NULL);
	bench_register("kernels/count_ids/plain", bm_count_ids, NULL);
	bench_register_realtime("kernels/count_ids/subhist/threads:1",
	    bm_count_ids, (void *)(uintptr_t)1);
	bench_register_realtime("kernels/count_ids/subhist/threads:2",
	    bm_count_ids, (void *)(uintptr_t)2);
}
