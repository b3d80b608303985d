/*
 * bench/shim.cc - the one C++ file of the bench suite: google-benchmark
 * behind the C API of bench/shim.h.
 */
#include "bench/shim.h"

#include <benchmark/benchmark.h>

struct bench_state {
	benchmark::State *st;
};

namespace {

void
reg(const char *name, bench_fn fn, void *arg, bool realtime)
{
	auto *b = benchmark::RegisterBenchmark(name,
	    [fn, arg](benchmark::State &st) {
		    bench_state s{ &st };

		    fn(&s, arg);
	    });
	if (realtime)
		b->UseRealTime();
}

} // namespace

extern "C" {

int
bench_register(const char *name, bench_fn fn, void *arg)
{
	reg(name, fn, arg, false);
	return 0;
}

int
bench_register_realtime(const char *name, bench_fn fn, void *arg)
{
	reg(name, fn, arg, true);
	return 0;
}

bool
bench_keep_running(bench_state *st, uint64_t batch)
{
	return st->st->KeepRunningBatch(static_cast<benchmark::IterationCount>(
	    batch));
}

void
bench_skip(bench_state *st, const char *why)
{
	st->st->SkipWithError(why);
}

void
bench_set_items(bench_state *st, uint64_t items)
{
	st->st->SetItemsProcessed(static_cast<int64_t>(items));
}

void
bench_set_bytes(bench_state *st, uint64_t bytes)
{
	st->st->SetBytesProcessed(static_cast<int64_t>(bytes));
}

void
bench_set_counter(bench_state *st, const char *name, double value, bool rate)
{
	st->st->counters[name] = benchmark::Counter(value,
	    rate ? benchmark::Counter::kIsRate : benchmark::Counter::kDefaults);
}

void
bench_pause(bench_state *st)
{
	st->st->PauseTiming();
}

void
bench_resume(bench_state *st)
{
	st->st->ResumeTiming();
}

void
bench_add_context(const char *key, const char *value)
{
	benchmark::AddCustomContext(key, value);
}

int
bench_run(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}

} // extern "C"
