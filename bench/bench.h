/*
 * bench/bench.h - the benchmark modules' registration functions.
 */
#ifndef TALLY_BENCH_H
#define TALLY_BENCH_H

#include "bench/shim.h"

void sarif_bench_register(void);

#endif /* TALLY_BENCH_H */
