/*
 * engine/engine_structs.h - the engine's and the batch's layout (internal).
 */
#ifndef TALLY_ENGINE_STRUCTS_H
#define TALLY_ENGINE_STRUCTS_H

#include <pthread.h>

#include "tally/batch.h"
#include "tally/pool.h"
#include "engine/agg.h"
#include "engine/alloc.h"
#include "engine/cc.h"
#include "engine/deque.h"
#include "engine/keyset.h"
#include "engine/ring.h"
#include "engine/strtab.h"

#define TALLYI_BATCH_DEFAULT 4096u
#define TALLYI_BATCH_MAX 65536u
#define TALLYI_WORKERS_MAX 8u
#define TALLYI_TASK_CACHE 1024u /* free task records a worker keeps */

struct tallyi_worker;

/*
 * A unit of work in the pool. Batches embed one as their first member;
 * tasks of tally_pool_submit() and tally_pool_for() are 64-byte records
 * from the running worker's free list. @run owns @t once called: it
 * recycles it and reports it finished.
 */
typedef struct tallyi_task tallyi_task;
typedef void (*tallyi_run_fn)(tallyi_task *t, struct tallyi_worker *w);

/* The layout behind the public tally_pool_group (internal). */
typedef struct tallyi_group {
	tallyi_atomic_u32 state;     /* pending tasks << 1 | a waiter sleeps */
	tallyi_atomic_u32 cancelled; /* 0 or 1 */
	tally_engine *e;
} tallyi_group;

struct tallyi_task {
	tallyi_run_fn run;
	tallyi_group *g; /* counted in this group, or NULL */
	tallyi_task *next; /* free-list link */
	union {
		struct {
			tally_task_fn fn;
			void *arg;
		} user;
		struct {
			tally_range_fn fn;
			void *arg;
			size_t lo, hi, grain;
		} range;
	} u;
};

/*
 * A batch is one allocation: this header, then one 64-byte aligned column
 * per field, each `cap` elements long (cap is a multiple of 64, so every
 * column is a whole number of cache lines and a kernel can run over full
 * vectors).
 *
 * The suppressed flag (TALLY_VIOLATION_SUPPRESSED) rides in bit 63 of the
 * offset column, TALLYI_OFF_SUPPRESSED; append refuses offsets that reach
 * it. So the flag is part of the exact-duplicate key with no column, no
 * kernel and no key byte more: the fingerprint kernels mix all 64 bits of
 * the offset and the keyset compares them exactly. @nsup counts the rows
 * appended with the flag, so a batch without any (nsup == 0) pays nothing
 * for it when aggregated.
 */
#define TALLYI_OFF_SUPPRESSED (UINT64_C(1) << 63)

struct tally_batch {
	tallyi_task task;             /* first: the pool runs batches */
	struct tally_batch *next;     /* link while a task of the pool */
	struct tally_batch *all_next, *all_prev; /* every batch (plock) */
	tally_engine *e;
	uint32_t count;
	uint32_t cap;
	uint32_t nsup;                /* rows appended suppressed, of count */
	unsigned epoch;               /* flush epoch parity, while in flight */
	uint32_t lim[TALLY_STR_KIND_COUNT]; /* owner: ids below these are known */
	uint32_t *tool;
	uint32_t *rule;
	uint32_t *file;
	uint32_t *message;
	uint32_t *line;
	uint32_t *column;
	uint64_t *offset;             /* bit 63: TALLYI_OFF_SUPPRESSED */
	uint64_t *fp;                 /* worker scratch: fingerprints */
	uint32_t *sel;                /* worker scratch: rows that won */
	uint8_t *level;
	uint8_t *is_new;              /* worker scratch: won its insert */
	size_t alloc_size;
};

/*
 * One pool thread. The deque's top and bottom head the struct on their own
 * lines (thieves write top); everything after them is the owner's, except
 * @lock, which snapshots take.
 */
typedef struct tallyi_worker {
	tallyi_deque dq;
	TALLY_CC_ALIGNED(TALLY_CACHELINE) pthread_mutex_t lock; /* guards agg */
	tallyi_agg agg;           /* counts since the last publication */
	tallyi_agg spare;         /* publisher's (pub_lock): swapped with agg */
	bool spare_dirty;         /* publisher's: spare holds unmerged counts */
	uint64_t *fset;           /* owner: bit f: file f matches path_glob */
	uint32_t fset_bits;       /* owner: file ids classified in fset */
	size_t fset_words;        /* owner: words allocated */
	tallyi_task *free_tasks;  /* owner only */
	unsigned nfree_tasks;
	uint64_t rng;             /* victim choice */
	unsigned index;
	pthread_t thread;
	tally_engine *e;
	bool started;
} tallyi_worker;

struct tally_engine {
	tallyi_mem mem; /* first: the default allocator's state points here */
	unsigned nworkers;
	unsigned batch_cap;
	unsigned max_inflight;
	unsigned flags;
	uint8_t min_level;     /* tally_config filters: a tally_level */
	char *path_glob;       /* or NULL; path_glob_size bytes */
	size_t path_glob_size;

	tallyi_strtab str[TALLY_STR_KIND_COUNT];
	tallyi_keyset keys;

	/* The pool (pool.c): the injection ring and the parking lot. */
	tallyi_ring ring;
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_u32 sleepers;
	tallyi_atomic_u32 wake_seq; /* futex: bumped to wake parked workers */
	tallyi_atomic_u32 stopping; /* destroy has begun */

	/* Backpressure: batches in flight, and submitters waiting for room. */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_u32 inflight;
	tallyi_atomic_u32 room_seq; /* futex: bumped when room appears */
	tallyi_atomic_u32 room_waiters;

	/* Flush epochs (engine.c, invariant 3). */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_u64 epoch;
	tallyi_atomic_u64 drained;
	tallyi_atomic_u32 pending[2]; /* futex: in-flight batches per parity */
	tallyi_atomic_u32 flush_waiting;

	/* Batch memory: a detector pool, and the list of every batch. */
	struct tally_detector_pool *batches;
	TALLY_CC_ALIGNED(TALLY_CACHELINE) pthread_mutex_t plock;
	tally_batch *all;

	tallyi_atomic_int failed; /* 0, or the error that failed the engine */

	tallyi_worker *workers;

	/* Snapshots (snapshot.c): published with liburcu. */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_ptr snap; /* current */
	tallyi_atomic_u64 snap_seq;   /* the current one's sequence number */
	tallyi_atomic_u32 snap_event; /* futex: bumped on each publication */
	tallyi_atomic_u64 flush_gen;  /* flushes completed */
	tallyi_atomic_u64 pub_gen;    /* flushes the current snapshot covers */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) pthread_mutex_t pub_lock;
	tallyi_agg cum;               /* pub_lock: every count published */
	unsigned interval_ms;
	void (*on_snapshot)(const tally_snapshot *s, void *arg);
	void *on_snapshot_arg;
	pthread_mutex_t pub_sleep;    /* the publisher thread's timed sleep */
	pthread_cond_t pub_cond;
	bool pub_stop;
	bool pub_started;
	pthread_t publisher;
};

/* snapshot.c */
void tallyi_snapshot_early(tally_engine *e); /* locks: before any failure */
int tallyi_snapshot_init(tally_engine *e);  /* publishes the first one */
int tallyi_snapshot_start(tally_engine *e); /* the periodic publisher */
void tallyi_snapshot_stop(tally_engine *e);
void tallyi_snapshot_fini(tally_engine *e);
int tallyi_snapshot_publish(tally_engine *e);

/*
 * Register the calling thread with liburcu (urcu-memb) once; it is
 * unregistered when it exits (snapshot.c). Every read section needs it.
 */
void tallyi_rcu_online(void);

/* pool.c */
tallyi_worker *tallyi_pool_self(const tally_engine *e);
int tallyi_pool_init(tally_engine *e);
int tallyi_pool_start(tally_engine *e);
void tallyi_pool_stop(tally_engine *e);
void tallyi_pool_fini(tally_engine *e);
int tallyi_pool_push(tally_engine *e, tallyi_worker *w, tallyi_task *t);
bool tallyi_pool_help(tally_engine *e, tallyi_worker *w);
void tallyi_wake_all(tallyi_atomic_u32 *seq);

#endif /* TALLY_ENGINE_STRUCTS_H */
