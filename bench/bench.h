/*
 * bench/bench.h - the benchmark modules' registration functions.
 */
#ifndef TALLY_BENCH_H
#define TALLY_BENCH_H

#include "bench/shim.h"

#ifdef __cplusplus
extern "C" {
#endif

void sarif_bench_register(void);
void pool_bench_register(void);
void kernels_bench_register(void);
void pool_tbb_bench_register(void);
void detector_bench_register(void);
void cache_bench_register(void);
void cache_l2_bench_register(void);
void cache_l1_bench_register(void);
void cache_intern_bench_register(void);
void regress_bench_register(void);

/*
 * The task-overhead workloads, shared by pool_bench.c and the TBB side
 * (pool_tbb_bench.cc) so both run exactly the same work.
 */
#define POOL_FIB_N 25               /* fib(25): 121,392 spawns */
#define POOL_FOR_N (1u << 20)       /* parallel for over 1 M elements */
#define POOL_FOR_GRAIN 64u          /* ... in pieces of 64: 16,384 pieces */

/* Same-run baselines for ratios (pool_bench.c). */
void pool_baseline_set(const char *name, double value);
double pool_baseline_get(const char *name);
double pool_now(void);
uint64_t pool_fib_spawns(unsigned n);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_BENCH_H */
