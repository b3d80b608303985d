/*
 * tally/pool.h - run the analyzer's own work on the engine's threads.
 *
 * The engine's workers are a work-stealing pool. Besides aggregating
 * batches they run tasks: an analyzer submits its detectors as tasks, and
 * the batches those tasks submit are aggregated by the same threads, mostly
 * on the thread that filled them. Tasks nest: a task may submit more tasks
 * and wait for them (fork-join), and the waiting thread runs other tasks
 * meanwhile instead of sleeping.
 *
 * A task group counts the tasks submitted into it that have not finished.
 * It lives in caller memory (on the stack is typical) and needs no destroy.
 */
#ifndef TALLY_POOL_H
#define TALLY_POOL_H

#include <stddef.h>

#include "tally/common.h"
#include "tally/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A task: called once, on a pool thread, with the @arg it was given. */
typedef void (*tally_task_fn)(void *arg);

/* A range body for tally_pool_for(): handles [@begin, @end). */
typedef void (*tally_range_fn)(void *arg, size_t begin, size_t end);

/**
 * struct tally_pool_group - a task group. Internal, do not touch the fields:
 * initialise with tally_pool_group_init() and pass by pointer.
 */
typedef struct tally_pool_group {
	void *_tally_p[4];
} tally_pool_group;

/**
 * tally_pool_group_init() - make @g an empty group of @e's pool.
 * @e: the engine whose workers will run the group's tasks.
 * @g: caller memory, valid until tally_pool_group_wait() has returned.
 *
 * Return: TALLY_OK, or TALLY_EINVAL for NULL arguments.
 * Threads: any thread. A group may be reused after its wait returned.
 */
int tally_pool_group_init(tally_engine *e, tally_pool_group *g);

/**
 * tally_pool_submit() - run fn(arg) on a pool thread.
 * @e:   the engine.
 * @g:   the group to count the task in, or NULL for a detached task
 *       (tally_engine_destroy() still runs it first).
 * @fn:  the task.
 * @arg: passed to @fn; the caller keeps it alive until the task has run.
 *
 * Called on a pool thread (from inside a task), the task goes on that
 * thread's own deque, where it is run next or stolen by an idle worker;
 * from any other thread it goes through the injection ring. When the ring
 * is full a submit from outside the pool waits, or with
 * TALLY_SUBMIT_NONBLOCK returns TALLY_EAGAIN; a pool thread never waits.
 * Return: TALLY_OK; TALLY_EINVAL; TALLY_EAGAIN; TALLY_ENOMEM; TALLY_ESTATE
 * (the engine is being destroyed); TALLY_ERANGE (2^31-1 tasks pending in
 * @g). On failure the task is not run and @g is unchanged.
 * Memory ordering: release; what the caller wrote before the call
 * happens-before @fn starts.
 * Threads: any thread, concurrently with every other call.
 */
int tally_pool_submit(tally_engine *e, tally_pool_group *g, tally_task_fn fn,
    void *arg);

/**
 * tally_pool_group_wait() - wait until every task of @g has finished.
 * @g: an initialised group.
 *
 * On a pool thread this runs other tasks while it waits (its own first,
 * then stolen ones), so nested fork-join never runs out of threads; on any
 * other thread it sleeps.
 * Return: TALLY_OK, or TALLY_ECANCELED when the group was cancelled (some
 * tasks may not have run).
 * Memory ordering: acquire; everything the group's tasks wrote
 * happens-before the return.
 * Threads: any thread; one waiter per group at a time.
 */
int tally_pool_group_wait(tally_pool_group *g);

/**
 * tally_pool_group_cancel() - stop @g's tasks that have not started.
 * @g: an initialised group.
 *
 * Tasks of @g that have not started are skipped (they still count as
 * finished for tally_pool_group_wait()); one starting on another thread at
 * the same moment may still run. Running ones go on, and may poll
 * tally_pool_group_cancelled() to stop early. Tasks submitted into @g after
 * this call are skipped as well, until tally_pool_group_init() is called
 * again.
 * Threads: any thread, including the group's own tasks.
 */
void tally_pool_group_cancel(tally_pool_group *g);

/**
 * tally_pool_group_cancelled() - whether @g was cancelled.
 * @g: an initialised group.
 *
 * Return: 1 when cancelled, else 0. Threads: any thread.
 */
int tally_pool_group_cancelled(const tally_pool_group *g);

/**
 * tally_pool_for() - call fn(arg, lo, hi) over [begin, end) in parallel.
 * @e:     the engine.
 * @begin: first index.
 * @end:   one past the last index.
 * @grain: largest piece handed to @fn in one call (0 means 1).
 * @fn:    the body; pieces are disjoint and cover the range exactly once.
 * @arg:   passed to every call.
 *
 * The range is split in halves recursively down to @grain, one half
 * submitted as a task and the other run in place, so idle workers steal
 * the largest pieces first. Returns when every piece has run. Called from
 * a thread outside the pool, it hands the whole range to the pool and
 * waits: the pieces run on the engine's workers only, so a program whose
 * work is all in the range makes as many workers as it has cores.
 * Return: TALLY_OK, TALLY_EINVAL, TALLY_ENOMEM or TALLY_ESTATE (then some
 * pieces may not have run).
 * Threads: any thread, including tasks.
 */
int tally_pool_for(tally_engine *e, size_t begin, size_t end, size_t grain,
    tally_range_fn fn, void *arg);

/**
 * tally_pool_worker() - the index of the calling pool thread.
 * @e: the engine.
 *
 * Return: 0 .. tally_engine_workers(@e) - 1 on one of @e's workers, -1 on
 * any other thread (a query, not a status: it cannot fail). Lets tasks
 * keep per-worker state without locks.
 * Threads: any thread.
 */
int tally_pool_worker(const tally_engine *e);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_POOL_H */
