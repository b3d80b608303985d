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
 *
 * Rows: one batch (4096) shaped like real ids, hot in L2, as the engine
 * runs the kernel on a batch it just filled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxh_x86dispatch.h>

#include "bench/bench.h"
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

void
kernels_bench_register(void)
{
	static char names[TALLYK_ISA_COUNT][48];

	bench_register("kernels/fingerprint/xxh3_dispatch", bm_xxh3, NULL);
	for (unsigned i = 0; i < TALLYK_ISA_COUNT; i++) {
		snprintf(names[i], sizeof(names[i]), "kernels/fingerprint/%s",
		    tallyk_isa_name((tallyk_isa)i));
		bench_register(names[i], bm_fingerprint, (void *)(uintptr_t)i);
	}
}
