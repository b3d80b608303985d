/*
 * bench/bench_mem.h - a plain libc memory hook for benchmarks that drive
 * internal modules (ring, keyset) directly, outside an engine. C only.
 */
#ifndef TALLY_BENCH_MEM_H
#define TALLY_BENCH_MEM_H

#include "engine/alloc.h"

/* aligned_alloc / free behind the tallyi_mem interface (pool_bench.c). */
extern const tallyi_mem bench_libc_mem;

#endif /* TALLY_BENCH_MEM_H */
