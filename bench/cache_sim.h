/*
 * bench/cache_sim.h - eviction policies simulated on key traces (count
 * based: every object has size 1), to choose and check the L2 policy:
 * exact LRU (the baseline), SIEVE and S3-FIFO with one reference bit.
 * Shared by the bench (bench/cache_bench.c) and its test
 * (tests/cache_sim_test.c), which checks each policy against a trace
 * whose outcome is known by hand.
 */
#ifndef TALLY_BENCH_CACHE_SIM_H
#define TALLY_BENCH_CACHE_SIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sim_policy { SIM_LRU, SIM_SIEVE, SIM_S3FIFO };

/* Misses of @policy with room for @cap objects over @n keys of @trace. */
uint64_t sim_misses(enum sim_policy policy, size_t cap, const uint64_t *trace,
    size_t n);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_BENCH_CACHE_SIM_H */
