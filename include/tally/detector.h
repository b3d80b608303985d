/*
 * tally/detector.h - pooled detector objects.
 *
 * An analyzer creates a detector per file per rule family; most of them
 * could be the previous one, reset. A detector pool keeps released
 * instances and hands them out again: per-thread magazines (two of up to
 * 32 objects each, after Bonwick and Adams, USENIX 2001) in front of a
 * shared lock-free store of full magazines, so an acquire or release is a
 * few plain loads and stores on the thread's own cache, and touches shared
 * memory once per magazine's worth of operations. The engine keeps its
 * batches in one of these pools.
 *
 * Provided by libtally. Objects live in the pool's allocator (by default a
 * private jemalloc arena), aligned to 64 bytes.
 */
#ifndef TALLY_DETECTOR_H
#define TALLY_DETECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct tally_detector_type - a detector type. Start from
 * TALLY_DETECTOR_TYPE_INIT.
 * @struct_size:  sizeof(tally_detector_type) as compiled by the caller.
 * @name:         for messages; copied.
 * @object_size:  bytes of one instance (> 0).
 * @create:       construct an instance in the (uninitialised) memory @obj;
 *                non-zero fails the acquire with that status, negative
 *                tally codes pass through.
 * @reset:        make a released instance ready for its next user, or
 *                NULL; called on the releasing thread.
 * @destroy:      tear an instance down before its memory goes, or NULL.
 * @arg:          passed to the three callbacks.
 * @max_instances: instances that may exist at once (acquired or idle);
 *                0 for no limit.
 * @idle_budget:  idle instances the shared store keeps; beyond it the
 *                least recently released magazines are destroyed. Each
 *                thread's cache holds up to 64 more.
 * @warm:         instances made when the pool is created, idle in the
 *                store.
 * @magazine:     objects a magazine holds, 1-32; 0 means 32. Smaller for
 *                large objects (a thread caches up to two magazines).
 */
typedef struct tally_detector_type {
	size_t struct_size;
	const char *name;
	size_t object_size;
	int (*create)(void *obj, void *arg);
	void (*reset)(void *obj, void *arg);
	void (*destroy)(void *obj, void *arg);
	void *arg;
	uint32_t max_instances;
	uint32_t idle_budget;
	uint32_t warm;
	uint32_t magazine;
} tally_detector_type;

#define TALLY_DETECTOR_TYPE_INIT \
	{ sizeof(tally_detector_type), "", 0, NULL, NULL, NULL, NULL, 0, \
	  UINT32_MAX, 0, 0 }

typedef struct tally_detector_pool tally_detector_pool;

/**
 * tally_detector_pool_create() - a pool for one detector type.
 * @t:     the type (copied).
 * @alloc: memory hook, or NULL for a private jemalloc arena.
 * @out:   receives the pool; untouched on failure.
 * Return: TALLY_OK; TALLY_EINVAL (object_size 0, no create, a struct_size
 * smaller than 0.2.0's, warm above max_instances, magazine above 32);
 * TALLY_ENOMEM; or the error of a warm-up create (the pool is then not
 * made).
 * Threads: any.
 */
int tally_detector_pool_create(const tally_detector_type *t,
    const tally_allocator *alloc, tally_detector_pool **out);

/**
 * tally_detector_pool_destroy() - destroy every idle instance and the pool.
 * @p: the pool, or NULL (no-op). Every acquired instance must have been
 *     released, no thread may use the pool during the call, and no thread
 *     that used it may be exiting meanwhile.
 */
void tally_detector_pool_destroy(tally_detector_pool *p);

/**
 * tally_detector_acquire() - an instance: an idle one when this thread's
 * cache or the shared store has one, else a newly created one.
 * @p:   the pool.
 * @obj: receives the instance, owned by the caller until released.
 * Return: TALLY_OK; TALLY_EFULL when max_instances exist and none is idle
 * here or in the store (idle ones in other threads' caches are not
 * taken); TALLY_ENOMEM; or the status create returned.
 * Threads: any, concurrently.
 */
int tally_detector_acquire(tally_detector_pool *p, void **obj);

/**
 * tally_detector_release() - give an instance back: reset on this thread,
 * then idle in this thread's cache (any thread may release, not only the
 * one that acquired).
 * @p:   the pool it came from.
 * @obj: the instance; the caller must not touch it after.
 * Threads: any, concurrently.
 */
void tally_detector_release(tally_detector_pool *p, void *obj);

/**
 * struct tally_detector_pool_stats - counts of one pool.
 * @acquires:   acquires that succeeded.
 * @hits:       of them, served by an idle instance.
 * @creations:  instances created (warm-up included).
 * @evictions:  idle instances destroyed to keep the idle budget.
 * @live:       instances acquired and not released.
 * @exist:      instances that exist (live and idle).
 * @high_water: the most that ever existed at once.
 */
typedef struct tally_detector_pool_stats {
	uint64_t acquires;
	uint64_t hits;
	uint64_t creations;
	uint64_t evictions;
	uint64_t live;
	uint64_t exist;
	uint64_t high_water;
} tally_detector_pool_stats;

/**
 * tally_detector_pool_stats_get() - the pool's counts.
 * @p:   the pool.
 * @out: receives them. Each is exact when no acquire or release runs
 *       meanwhile; during them, each is a recent value.
 * Threads: any.
 */
void tally_detector_pool_stats_get(tally_detector_pool *p,
    tally_detector_pool_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_DETECTOR_H */
