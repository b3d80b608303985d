/*
 * bench/shim.h - google-benchmark from C.
 *
 * A benchmark is a C function taking an opaque state. It loops with
 * bench_keep_running(st, n), which advances the timer by n items per call
 * (KeepRunningBatch: the batch is the unit the function does per pass).
 * Every benchmark sets items processed; bytes processed when it reads
 * bytes; counters for figures and ratios against a baseline measured in
 * the same run.
 */
#ifndef TALLY_BENCH_SHIM_H
#define TALLY_BENCH_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bench_state bench_state;
typedef void (*bench_fn)(bench_state *st, void *arg);

/* Register @fn under @name; @arg is passed back. Returns 0. */
int bench_register(const char *name, bench_fn fn, void *arg);

/* Like bench_register, timed by the wall clock (for work on threads). */
int bench_register_realtime(const char *name, bench_fn fn, void *arg);

/* True while the benchmark should go on; counts @batch iterations. */
bool bench_keep_running(bench_state *st, uint64_t batch);

/* Stop this benchmark and report why (an unsupported CPU, no corpus...). */
void bench_skip(bench_state *st, const char *why);

void bench_set_items(bench_state *st, uint64_t items);
void bench_set_bytes(bench_state *st, uint64_t bytes);

/* A named figure printed with the result (rate: divided by the time). */
void bench_set_counter(bench_state *st, const char *name, double value,
    bool rate);

/* Pause/resume timing around setup inside the loop. */
void bench_pause(bench_state *st);
void bench_resume(bench_state *st);

/* Add a line to the report's context (commit, compiler, kernel ISA...). */
void bench_add_context(const char *key, const char *value);

/* Parse the command line and run what was registered. */
int bench_run(int argc, char **argv);

/* Keep the compiler from discarding a value's computation. */
#define BENCH_ESCAPE(p) __asm__ volatile("" : : "g"(p) : "memory")

#ifdef __cplusplus
}
#endif

#endif /* TALLY_BENCH_SHIM_H */
