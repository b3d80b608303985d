/*
 * tally/snapshot.h - immutable views of the aggregates, and their queries.
 *
 * A snapshot is a consistent cut: it holds whole batches only, and with
 * each batch every batch it was deduplicated against, so its totals, levels
 * and groups always agree (the counts by tool sum to the unique total, and
 * so on). Suppressed violations (TALLY_VIOLATION_SUPPRESSED) are in the
 * suppressed total only: in no level count and no group.
 *
 * The engine publishes snapshots: every snapshot_interval_ms (tally_config)
 * when results were aggregated since the last one (an idle engine
 * publishes nothing), always on tally_snapshot_publish(), and on the first
 * acquire after a tally_engine_flush(). Each has a sequence number one
 * above the one before. Acquiring the current one takes no lock and never waits for
 * ingestion, nor ingestion for it (it is published with liburcu and freed
 * after the last release and a grace period). Publishing stops the workers
 * only for the moment it takes to swap each worker's partial counts for an
 * empty set; the adding up happens after, on the publishing thread.
 */
#ifndef TALLY_SNAPSHOT_H
#define TALLY_SNAPSHOT_H

#include "tally/common.h"
#include "tally/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct tally_totals - how many violations the snapshot has seen.
 * @read:       violations aggregated, duplicates and suppressed ones
 *              included.
 * @unique:     distinct active violations, those without
 *              TALLY_VIOLATION_SUPPRESSED (see tally/engine.h for "exact
 *              duplicate").
 * @duplicates: @read - @unique - @suppressed.
 * @suppressed: distinct suppressed violations (since 0.3).
 */
typedef struct tally_totals {
	uint64_t read;
	uint64_t unique;
	uint64_t duplicates;
	uint64_t suppressed;
} tally_totals;

/**
 * enum tally_dim - what a group is keyed by. All counts are of unique
 * (distinct active) violations.
 */
typedef enum tally_dim {
	TALLY_DIM_TOOL = 0,      /* key: tool */
	TALLY_DIM_RULE = 1,      /* key: (tool, rule) */
	TALLY_DIM_FILE = 2,      /* key: file */
	TALLY_DIM_FILE_RULE = 3, /* key: (file, rule): where a rule fires */
} tally_dim;

#define TALLY_DIM_COUNT 4

/**
 * enum tally_order - the order groups are returned in.
 * @TALLY_ORDER_ID:    by key ids ascending (tool, then rule; file; or
 *                     file, then rule).
 * @TALLY_ORDER_COUNT: by count descending, ties by name ascending (byte-wise;
 *                     for (tool, rule) the tool name, then the rule name;
 *                     for (file, rule) the file name, then the rule name).
 *                     The first N of this order are the top N.
 */
typedef enum tally_order {
	TALLY_ORDER_ID = 0,
	TALLY_ORDER_COUNT = 1,
} tally_order;

/**
 * struct tally_group - one key and its count.
 * @count: unique violations with this key (never 0 in a query result).
 * @tool:  the tool id (TALLY_DIM_TOOL, TALLY_DIM_RULE), else TALLY_ID_NONE.
 * @rule:  the rule id (TALLY_DIM_RULE, TALLY_DIM_FILE_RULE), else
 *         TALLY_ID_NONE.
 * @file:  the file id (TALLY_DIM_FILE, TALLY_DIM_FILE_RULE), else
 *         TALLY_ID_NONE.
 */
typedef struct tally_group {
	uint64_t count;
	uint32_t tool;
	uint32_t rule;
	uint32_t file;
} tally_group;

/**
 * tally_snapshot_acquire() - the latest published snapshot.
 * @e:   the engine.
 * @out: receives the snapshot.
 *
 * Call tally_engine_flush() first to include every batch already submitted
 * (the first acquire after a flush publishes, so it pays for one
 * publication), or tally_snapshot_publish() for what is aggregated now.
 * Otherwise lock-free: a thread's first call registers it with liburcu
 * (undone when the thread exits).
 * Return: TALLY_OK, TALLY_EINVAL for a NULL argument, or TALLY_ENOMEM when
 * the publication after a flush could not be built (the counts are kept;
 * try again).
 * Threads: any thread, concurrently with submits, flushes and other
 * snapshots. Release with tally_snapshot_release() before destroying @e.
 */
int tally_snapshot_acquire(tally_engine *e, tally_snapshot **out);

/**
 * tally_snapshot_retain() - one more reference to a snapshot.
 * @s: a snapshot the caller holds (acquired, retained, or passed to
 *     tally_config.on_snapshot).
 *
 * Return: @s, to be released once more with tally_snapshot_release().
 * Threads: any.
 */
tally_snapshot *tally_snapshot_retain(const tally_snapshot *s);

/**
 * tally_snapshot_publish() - publish a snapshot of what is aggregated now.
 * @e: the engine.
 *
 * Batches still in flight are not waited for (tally_engine_flush() does).
 * Return: TALLY_OK, or TALLY_ENOMEM (nothing is lost: the counts are kept
 * and the next publication includes them).
 * Threads: any thread but the on_snapshot callback; publications are
 * serialised.
 */
int tally_snapshot_publish(tally_engine *e);

/**
 * tally_snapshot_wait() - wait for a snapshot newer than @after.
 * @e:          the engine.
 * @after:      a sequence number (tally_snapshot_seq()).
 * @timeout_ms: how long to wait at most; 0 returns at once.
 *
 * Return: TALLY_OK once the current snapshot's sequence number is above
 * @after, TALLY_ETIMEDOUT when it is not by the deadline.
 * Threads: any, concurrently with everything but destroy.
 */
int tally_snapshot_wait(tally_engine *e, uint64_t after, unsigned timeout_ms);

/**
 * tally_snapshot_seq() - the snapshot's sequence number.
 * @s: the snapshot.
 *
 * Return: 1 for the engine's first (empty) snapshot, then one more for each
 * publication. Threads: any.
 */
uint64_t tally_snapshot_seq(const tally_snapshot *s);

/**
 * tally_snapshot_release() - drop a reference to a snapshot.
 * @s: the snapshot, or NULL (no-op).
 *
 * Threads: any thread, once per acquire or retain, after that holder's
 * queries on @s have returned.
 */
void tally_snapshot_release(tally_snapshot *s);

/**
 * tally_snapshot_totals() - read, unique, duplicate and suppressed counts.
 * @s:   the snapshot.
 * @out: receives the totals.
 *
 * Threads: any number of threads at once (a snapshot is immutable).
 */
void tally_snapshot_totals(const tally_snapshot *s, tally_totals *out);

/**
 * tally_snapshot_level() - unique (active) violations at one level.
 * @s:     the snapshot.
 * @level: a tally_level.
 *
 * Return: the count (0 for a value that is not a level).
 * Threads: any.
 */
uint64_t tally_snapshot_level(const tally_snapshot *s, tally_level level);

/**
 * tally_snapshot_group_count() - how many keys of a dimension have a count.
 * @s:   the snapshot.
 * @dim: the dimension.
 *
 * Return: the number of groups a full query returns (0 for a bad @dim).
 * Threads: any.
 */
size_t tally_snapshot_group_count(const tally_snapshot *s, tally_dim dim);

/**
 * tally_snapshot_groups() - the non-zero counts of a dimension.
 * @s:     the snapshot.
 * @dim:   the dimension.
 * @order: TALLY_ORDER_ID, or TALLY_ORDER_COUNT for a ranking (top N: pass
 *         @cap = N).
 * @out:   caller's array of @cap groups, filled from the start.
 * @cap:   its length; 0 is allowed (then nothing is written).
 * @n:     receives how many groups were written: min(@cap, group count).
 *
 * Return: TALLY_OK, TALLY_EINVAL (bad @dim or @order, NULL @out with a
 * non-zero @cap), TALLY_ENOMEM (the ranking needs scratch memory).
 * Threads: any number at once.
 */
int tally_snapshot_groups(const tally_snapshot *s, tally_dim dim,
    tally_order order, tally_group *out, size_t cap, size_t *n);

/**
 * tally_snapshot_engine() - the engine a snapshot was taken from, for
 * resolving ids with tally_engine_string_lookup().
 * @s: the snapshot.
 *
 * Return: the engine. Threads: any.
 */
tally_engine *tally_snapshot_engine(const tally_snapshot *s);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_SNAPSHOT_H */
