// bench/pool_tbb_bench.cc - oneTBB on the task workloads of pool_bench.c,
// the baseline for tasks/fib and tasks/for (same-run ratios).
//
// An arena of W slots runs W threads: the calling thread joins it through
// execute(), as tally's W workers run while the caller sleeps. fib uses a
// task_group per node, as tally's fib uses a task group; the parallel for
// uses simple_partitioner so the pieces are exactly the grain, as in
// tally_pool_for(). The C++ here is the TBB API only; the figures go
// through the same C shim as every other benchmark.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <cstdint>
#include <cstdio>
#include <vector>

#include "bench/bench.h"

namespace {

uint64_t
fib(unsigned n)
{
	if (n < 2)
		return n;
	uint64_t a = 0, b = 0;
	tbb::task_group g;
	g.run([&] { a = fib(n - 1); });
	b = fib(n - 2);
	g.wait();
	return a + b;
}

void
bm_fib(bench_state *st, void *arg)
{
	int workers = static_cast<int>(reinterpret_cast<uintptr_t>(arg));
	tbb::task_arena arena(workers);
	uint64_t spawns = pool_fib_spawns(POOL_FIB_N), iters = 0;
	double t0 = pool_now();
	while (bench_keep_running(st, spawns)) {
		uint64_t r = 0;
		arena.execute([&] { r = fib(POOL_FIB_N); });
		BENCH_ESCAPE(r);
		iters++;
	}
	double ns = (pool_now() - t0) * 1e9 / double(iters * spawns);
	bench_set_items(st, iters * spawns);
	bench_set_counter(st, "ns_per_task", ns, false);
	char name[32];
	std::snprintf(name, sizeof(name), "tbb/fib/%d", workers);
	pool_baseline_set(name, ns);
}

void
bm_for(bench_state *st, void *arg)
{
	int workers = static_cast<int>(reinterpret_cast<uintptr_t>(arg));
	tbb::task_arena arena(workers);
	std::vector<uint64_t> a(POOL_FOR_N);
	uint64_t tasks = POOL_FOR_N / POOL_FOR_GRAIN, iters = 0;
	double t0 = pool_now();
	while (bench_keep_running(st, tasks)) {
		arena.execute([&] {
			tbb::parallel_for(
			    tbb::blocked_range<size_t>(0, POOL_FOR_N,
				POOL_FOR_GRAIN),
			    [&](const tbb::blocked_range<size_t> &r) {
				    for (size_t i = r.begin(); i != r.end(); i++)
					    a[i] += i;
			    },
			    tbb::simple_partitioner());
		});
		iters++;
	}
	double ns = (pool_now() - t0) * 1e9 / double(iters * tasks);
	BENCH_ESCAPE(a.data());
	bench_set_items(st, iters * tasks);
	bench_set_counter(st, "ns_per_task", ns, false);
	char name[32];
	std::snprintf(name, sizeof(name), "tbb/for/%d", workers);
	pool_baseline_set(name, ns);
}

} // namespace

extern "C" void
pool_tbb_bench_register(void)
{
	for (uintptr_t w = 1; w <= 2; w++) {
		static char names[4][32];
		std::snprintf(names[2 * (w - 1)], 32, "tasks/tbb_fib/workers:%u",
		    unsigned(w));
		bench_register_realtime(names[2 * (w - 1)], bm_fib,
		    reinterpret_cast<void *>(w));
		std::snprintf(names[2 * (w - 1) + 1], 32,
		    "tasks/tbb_for/workers:%u", unsigned(w));
		bench_register_realtime(names[2 * (w - 1) + 1], bm_for,
		    reinterpret_cast<void *>(w));
	}
}
