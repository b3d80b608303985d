/*
 * tally/batch.h - batches: the unit in which violations reach an engine.
 *
 * A producer acquires a batch from the engine, appends violations whose
 * strings it already interned (tally/engine.h), and submits the batch; the
 * engine's workers fingerprint, deduplicate and count its rows. A batch is
 * struct-of-arrays inside (one column per field), so appending columns is
 * one copy per column.
 */
#ifndef TALLY_BATCH_H
#define TALLY_BATCH_H

#include "tally/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tally_batch tally_batch;

/**
 * struct tally_violation - one finding, strings already interned.
 * @tool, @rule, @file, @message: ids from this engine (TALLY_STR_* kinds).
 * @line, @column: 1-based position, 0 when unknown.
 * @offset: character or byte offset of the region, 0 when unknown; below
 *          2^63 (the engine keeps the suppressed flag in the top bit).
 * @level:  a tally_level.
 * @flags:  TALLY_VIOLATION_* bits, or 0 (since 0.3). A suppressed violation
 *          is distinct from an active copy of it and is counted apart
 *          (tally/engine.h, tally/snapshot.h).
 *
 * A positional initializer written for 0.2 ({ tool, ..., offset, level })
 * still means the same: @flags is 0.
 */
typedef struct tally_violation {
	uint32_t tool;
	uint32_t rule;
	uint32_t file;
	uint32_t message;
	uint32_t line;
	uint32_t column;
	uint64_t offset;
	uint8_t level;
	uint8_t flags;
} tally_violation;

/* tally_violation.flags: suppressed in its source (tally/engine.h). */
#define TALLY_VIOLATION_SUPPRESSED 0x1u

/**
 * tally_batch_acquire() - get an empty batch to fill.
 * @e:   the engine.
 * @out: receives the batch.
 *
 * Never waits: backpressure applies at submit, so a producer may hold
 * several batches (the SARIF reader holds a whole input's worth).
 * Return: TALLY_OK, TALLY_ENOMEM, TALLY_ESTATE (engine failed).
 * Threads: any thread. The batch belongs to the caller until it is passed
 * to tally_batch_submit() or tally_batch_discard().
 */
int tally_batch_acquire(tally_engine *e, tally_batch **out);

/**
 * tally_batch_append() - copy one violation into a batch.
 * @b: a batch owned by the caller.
 * @v: the violation; read during the call only.
 *
 * Return: TALLY_OK; TALLY_EFULL when the batch already holds its capacity
 * (nothing is appended); TALLY_ERANGE when an id is not one this engine
 * handed out, the level is not a tally_level, @flags has a bit that is
 * not a TALLY_VIOLATION_* flag, or the offset is 2^63 or more (nothing is
 * appended).
 * Threads: the batch's owner only.
 */
int tally_batch_append(tally_batch *b, const tally_violation *v);

/**
 * struct tally_columns - violations as columns, for tally_batch_append_columns().
 * @tool, @rule, @file, @message, @line, @column: row i is element i of each.
 * @offset: the offsets, or NULL when every offset is 0.
 * @level:  the levels (tally_level values).
 * @flags:  the TALLY_VIOLATION_* flags, or NULL when every row's are 0
 *          (since 0.3; last, so a positional initializer written for 0.2
 *          leaves it NULL).
 */
typedef struct tally_columns {
	const uint32_t *tool;
	const uint32_t *rule;
	const uint32_t *file;
	const uint32_t *message;
	const uint32_t *line;
	const uint32_t *column;
	const uint64_t *offset;
	const uint8_t *level;
	const uint8_t *flags;
} tally_columns;

/**
 * tally_batch_append_columns() - copy @n violations given as columns.
 * @b: a batch owned by the caller.
 * @c: the columns; rows 0 .. @n - 1 of each are read during the call only.
 * @n: rows to append.
 *
 * For producers that already hold their violations column-wise: the batch
 * is struct-of-arrays, so this is one copy per column after one range check
 * per column, instead of a call per row.
 * Return: TALLY_OK; TALLY_EFULL when fewer than @n rows are free;
 * TALLY_ERANGE when an id is not one this engine handed out, a level is
 * not a tally_level, a flags byte has a bit that is not a
 * TALLY_VIOLATION_* flag, or an offset is 2^63 or more. On failure nothing
 * is appended.
 * Threads: the batch's owner only.
 */
int tally_batch_append_columns(tally_batch *b, const tally_columns *c,
    uint32_t n);

/**
 * tally_batch_count() - violations appended so far.
 * @b: a batch owned by the caller.
 *
 * Return: the count. Threads: the batch's owner only.
 */
uint32_t tally_batch_count(const tally_batch *b);

/**
 * tally_batch_capacity() - violations a batch can hold.
 * @b: a batch owned by the caller.
 *
 * Return: the engine's batch_capacity. Threads: the batch's owner only.
 */
uint32_t tally_batch_capacity(const tally_batch *b);

/**
 * tally_batch_submit() - hand a batch to the engine for aggregation.
 * @e: the engine that acquired @b.
 * @b: the batch (empty batches are accepted and simply recycled).
 *
 * From a pool task (tally/pool.h) the batch goes on that worker's own
 * deque; from any other thread, through the injection ring. When
 * max_inflight batches are already in flight, an outside thread waits for
 * room, or, with TALLY_SUBMIT_NONBLOCK, gets TALLY_EAGAIN; a pool task
 * never waits and never gets TALLY_EAGAIN: it aggregates the batch itself
 * before returning.
 * Return: TALLY_OK (ownership of @b passes to the engine); TALLY_EAGAIN or
 * TALLY_ESTATE (the caller still owns @b: submit it later or discard it).
 * Memory ordering: release; everything the caller wrote before the call,
 * including interning, happens-before the batch's aggregation.
 * Threads: any thread, concurrently with every other call.
 */
int tally_batch_submit(tally_engine *e, tally_batch *b);

/**
 * tally_batch_discard() - give back a batch without aggregating it.
 * @e: the engine that acquired @b.
 * @b: the batch, or NULL (no-op).
 *
 * Threads: the batch's owner; ownership passes to the engine.
 */
void tally_batch_discard(tally_engine *e, tally_batch *b);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_BATCH_H */
