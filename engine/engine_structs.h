/*
 * engine/engine_structs.h - the engine's and the batch's layout (internal).
 */
#ifndef TALLY_ENGINE_STRUCTS_H
#define TALLY_ENGINE_STRUCTS_H

#include <pthread.h>

#include "tally/engine.h"
#include "engine/agg.h"
#include "engine/alloc.h"
#include "engine/cc.h"
#include "engine/keyset.h"
#include "engine/strtab.h"

#define TALLYI_BATCH_DEFAULT 4096u
#define TALLYI_BATCH_MAX 65536u
#define TALLYI_WORKERS_MAX 8u

/*
 * A batch is one allocation: this header, then one 64-byte aligned column
 * per field, each `cap` elements long (cap is a multiple of 64, so every
 * column is a whole number of cache lines and a kernel can run over full
 * vectors).
 */
struct tally_batch {
	struct tally_batch *next;     /* queue or pool link */
	struct tally_batch *all_next; /* every batch of the engine */
	tally_engine *e;
	uint64_t seq;                 /* submission number, for flush */
	uint32_t count;
	uint32_t cap;
	uint32_t *tool;
	uint32_t *rule;
	uint32_t *file;
	uint32_t *message;
	uint32_t *line;
	uint32_t *column;
	uint64_t *offset;
	uint64_t *fp;                 /* worker scratch: fingerprints */
	uint32_t *order;              /* worker scratch: rows by shard */
	uint8_t *level;
	uint8_t *is_new;              /* worker scratch: won its insert */
	size_t alloc_size;
};

/*
 * One aggregation thread. @lock guards @agg and is held for a whole batch;
 * it sits on its own cache line, away from the queue's hot fields.
 */
typedef struct tallyi_worker {
	TALLY_CC_ALIGNED(TALLY_CACHELINE) pthread_mutex_t lock;
	tallyi_agg agg;
	uint64_t busy_seq; /* seq of the batch in hand, 0 when idle; qlock */
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

	tallyi_strtab str[TALLY_STR_KIND_COUNT];
	tallyi_keyset keys;

	/*
	 * The submission queue (FIFO) and its counters, under @qlock. The
	 * lock-free injection ring of the pipeline issue replaces this.
	 */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) pthread_mutex_t qlock;
	pthread_cond_t q_work;  /* a batch was queued, or stopping */
	pthread_cond_t q_room;  /* inflight fell below max_inflight */
	pthread_cond_t q_done;  /* a batch finished */
	tally_batch *qhead;
	tally_batch *qtail;
	unsigned inflight;      /* submitted and not finished */
	uint64_t next_seq;      /* seq of the next submission, from 1 */
	bool stopping;

	/* Recycled batches, and the list of every batch, under @plock. */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) pthread_mutex_t plock;
	tally_batch *pool;
	tally_batch *all;

	tallyi_atomic_int failed; /* 0, or the error that failed the engine */

	tallyi_worker *workers;
};

#endif /* TALLY_ENGINE_STRUCTS_H */
