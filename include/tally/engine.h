/*
 * tally/engine.h - the engine: lifecycle, tools and interned strings.
 *
 * Data flow: a producer interns its strings once (tools, rules, files,
 * messages become dense uint32_t ids), fills a batch of fixed-size
 * violations (tally/batch.h), and submits it. Workers owned by the engine fingerprint each
 * violation, drop exact duplicates and count the rest. Readers take
 * snapshots (tally/snapshot.h) at any time.
 *
 * Exact duplicate: two violations with equal (tool, rule, file, message,
 * line, column, offset) ids and values and the same suppressed flag
 * (TALLY_VIOLATION_SUPPRESSED in tally_violation.flags, tally/batch.h).
 * Their level does not take part; the first one aggregated is the one
 * counted. An active and a suppressed copy of one finding are two distinct
 * violations: the active one is counted as unique, by level and in every
 * group; the suppressed one only in the suppressed total (tally/snapshot.h).
 * Suppressed means what the source says: a SARIF result is suppressed
 * when its suppressions array is non-empty and no entry's status is
 * "underReview" or "rejected" (SARIF 2.1.0 sections 3.27.23 and 3.35;
 * tally/sarif.h).
 */
#ifndef TALLY_ENGINE_H
#define TALLY_ENGINE_H

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tally_engine tally_engine;

/* tally_config.flags */
#define TALLY_SUBMIT_NONBLOCK 0x1u /* submit returns TALLY_EAGAIN, never waits */
#define TALLY_POOL_PIN 0x2u        /* pin worker i to online CPU i mod n */

/**
 * struct tally_config - engine parameters. Always start from TALLY_CONFIG_INIT.
 * @struct_size:    sizeof(tally_config) as the caller compiled it.
 * @workers:        aggregation threads; 0 picks one per online CPU less one,
 *                  at least 1 and at most 8.
 * @batch_capacity: violations per batch, a multiple of 64 up to 65536;
 *                  0 means 4096.
 * @max_inflight:   batches submitted but not yet aggregated before submit
 *                  applies backpressure; 0 means 4 per worker.
 * @flags:          TALLY_SUBMIT_NONBLOCK, TALLY_POOL_PIN, or 0.
 * @allocator:      memory hook, copied at create; NULL for the default
 *                  jemalloc arena.
 * @snapshot_interval_ms: how often the engine publishes a snapshot of
 *                  everything aggregated so far, when something was
 *                  aggregated since the last one; 0 means 100.
 *                  The first acquire after a flush publishes too
 *                  (tally/snapshot.h).
 * @on_snapshot:    called on the publishing thread after each publication
 *                  with the new snapshot, which is valid during the call
 *                  (tally_snapshot_retain() keeps it); or NULL. It
 *                  must not flush, publish or destroy the engine.
 * @on_snapshot_arg: passed to @on_snapshot.
 * @min_level:      count only violations at this tally_level or above;
 *                  TALLY_LEVEL_NONE (0) counts all.
 * @path_glob:      count only violations whose file, as interned, matches
 *                  this fnmatch(3) pattern (no flags: '*' matches '/'
 *                  too); NULL counts all. Copied at create.
 * @expected_unique: how many distinct violations the caller expects (since
 *                  0.5), or 0. The dedup table is made for that many at
 *                  create, its pages populated at once (about 38 bytes a
 *                  violation: 2^20 take 38 MiB), so ingest neither grows
 *                  it nor faults its pages in one by one; more than that
 *                  still works (the table grows as without a hint). A hint
 *                  the memory cannot hold fails create with TALLY_ENOMEM.
 *
 * A violation that @min_level or @path_glob leaves out is dropped before
 * deduplication, as if it had not been submitted: it is in no total and
 * no count, and an exact duplicate of it that passes still counts (level
 * is not part of the key: of two duplicates at different levels, the one
 * at @min_level or above counts). Suppressed violations are filtered like
 * any other.
 *
 * Fields added in later versions go at the end; an engine built against a
 * newer header reads only the first @struct_size bytes of an older config.
 */
typedef struct tally_snapshot tally_snapshot;

typedef struct tally_config {
	size_t struct_size;
	unsigned workers;
	unsigned batch_capacity;
	unsigned max_inflight;
	unsigned flags;
	const tally_allocator *allocator;
	unsigned snapshot_interval_ms;
	void (*on_snapshot)(const tally_snapshot *s, void *arg);
	void *on_snapshot_arg;
	unsigned min_level;
	const char *path_glob;
	uint64_t expected_unique;
} tally_config;

#define TALLY_CONFIG_INIT \
	{ sizeof(tally_config), 0, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL, 0 }

/**
 * tally_engine_create() - create an engine and start its workers.
 * @out: receives the engine on success; untouched on failure.
 * @cfg: parameters, or NULL for the defaults. Read during the call only.
 *
 * Return: TALLY_OK; TALLY_EINVAL for a bad @cfg (struct_size smaller than
 * 0.2.0's config, batch_capacity not a multiple of 64, unknown flags,
 * min_level not a tally_level);
 * TALLY_ENOMEM; TALLY_ESTATE when a worker thread cannot be started.
 * Threads: any thread. No tally threads exist before this call.
 * Free with tally_engine_destroy().
 */
int tally_engine_create(tally_engine **out, const tally_config *cfg);

/**
 * tally_engine_destroy() - flush, stop and join the workers, free everything.
 * @e: the engine, or NULL (a harmless no-op).
 *
 * Every batch submitted before the call is aggregated first (nothing is
 * lost), every task still queued runs (with the tasks it spawns), then the
 * workers are joined and all memory is returned to the allocator.
 * Threads: one thread, after every other call on @e has returned, every
 * snapshot of @e has been released, and while no thread that acquired
 * batches is exiting (its batch cache is handed back at thread exit).
 * Batches acquired and never submitted are freed too.
 */
void tally_engine_destroy(tally_engine *e);

/**
 * tally_engine_flush() - wait until every batch submitted so far is counted.
 * @e: the engine.
 *
 * Memory ordering: every batch whose tally_batch_submit() returned before
 * this call began is aggregated when it returns, and a snapshot acquired
 * afterwards by any thread that synchronises with this one includes it
 * (that acquire publishes it: tally/snapshot.h).
 * Lock-free: concurrent flushes cooperate; a flush called from a pool task
 * runs other tasks while it waits (so a task may flush).
 * Return: TALLY_OK, or TALLY_ENOMEM when a worker ran out of memory earlier
 * (the engine is then failed: aggregates are incomplete and submit returns
 * TALLY_ESTATE).
 * Threads: any thread, concurrently with submits and other flushes.
 */
int tally_engine_flush(tally_engine *e);

/**
 * tally_engine_workers() - the number of aggregation threads running.
 * @e: the engine.
 *
 * Return: the worker count chosen at create.
 * Threads: any thread.
 */
unsigned tally_engine_workers(const tally_engine *e);

/**
 * enum tally_strkind - the separate namespaces of interned strings.
 *
 * Ids are dense per kind, starting at 0, in the order strings were first
 * interned. Tools are interned by tally_engine_tool_intern() only.
 */
typedef enum tally_strkind {
	TALLY_STR_TOOL = 0,
	TALLY_STR_RULE = 1,
	TALLY_STR_FILE = 2,
	TALLY_STR_MESSAGE = 3,
} tally_strkind;

#define TALLY_STR_KIND_COUNT 4

/**
 * tally_engine_tool_intern() - intern a tool by name and remember its version.
 * @e:           the engine.
 * @name:        the tool's name (SARIF tool.driver.name); any bytes.
 * @name_len:    its length in bytes.
 * @version:     its version, or NULL; kept from the first call for this
 *               tool that gives a non-empty one.
 * @version_len: its length in bytes.
 * @id:          receives the tool id; the same name always gets the same id.
 *
 * Return: TALLY_OK, TALLY_EINVAL (NULL @name with a length, NULL @id),
 * TALLY_ENOMEM, TALLY_ERANGE (more than 2^32-2 strings of this kind).
 * Threads: any thread, concurrently with every other call.
 * Memory ordering: the id is valid in batches submitted by this thread at
 * once, and in any thread that synchronises with this one.
 */
int tally_engine_tool_intern(tally_engine *e, const char *name, size_t name_len,
    const char *version, size_t version_len, uint32_t *id);

/**
 * tally_engine_string_intern() - map a string to its dense id within @kind.
 * A string interned before is found without a lock and without a shared
 * write (the kind's hash index is read lock-free); only a new string takes
 * the kind's mutex.
 * @e:    the engine.
 * @kind: TALLY_STR_RULE, TALLY_STR_FILE or TALLY_STR_MESSAGE.
 * @s:    the bytes (copied; the caller keeps @s); may hold NULs.
 * @len:  their number.
 * @id:   receives the id.
 *
 * Return: TALLY_OK; TALLY_EINVAL for TALLY_STR_TOOL or a bad kind;
 * TALLY_ENOMEM; TALLY_ERANGE when the kind already holds 2^32-2 strings.
 * Threads and ordering: as tally_engine_tool_intern().
 */
int tally_engine_string_intern(tally_engine *e, tally_strkind kind, const char *s,
    size_t len, uint32_t *id);

/**
 * tally_engine_string_lookup() - the bytes behind an id.
 * @e:    the engine.
 * @kind: the namespace of @id.
 * @id:   an id returned by tally_engine_string_intern() or tally_engine_tool_intern().
 * @len:  receives the length in bytes (may be NULL).
 *
 * Return: a pointer to the bytes, followed by a NUL, owned by the engine and
 * valid until tally_engine_destroy(); NULL for an unknown kind or id.
 * Threads: any thread, concurrently with interning (lock-free).
 */
const char *tally_engine_string_lookup(const tally_engine *e, tally_strkind kind,
    uint32_t id, size_t *len);

/**
 * tally_engine_tool_version() - the version recorded for a tool.
 * @e:   the engine.
 * @id:  a tool id.
 * @len: receives the length (may be NULL).
 *
 * Return: the version bytes (NUL-terminated, owned by the engine), "" when
 * none was given, or NULL for an unknown id.
 * Threads: any thread; a version set concurrently may or may not be seen.
 */
const char *tally_engine_tool_version(const tally_engine *e, uint32_t id, size_t *len);

/**
 * tally_engine_string_count() - how many strings a kind holds.
 * @e:    the engine.
 * @kind: the namespace.
 *
 * Return: the number of ids handed out so far (0 for a bad kind).
 * Threads: any thread; concurrent interning may make it stale at once.
 */
uint32_t tally_engine_string_count(const tally_engine *e, tally_strkind kind);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_ENGINE_H */
