/*
 * tally/cache.h - caches keyed by a 128-bit content hash, with a byte
 * blob as value: a per-thread level (L1: a small exact LRU, no atomics),
 * a shared in-memory level (L2: sharded, lock-free lookups, SIEVE
 * eviction, bounded bytes) and a persistent level (L3: a directory that
 * several processes may share), and a handle that chains them
 * (tally_cache_*).
 *
 * Provided by libtally.
 */
#ifndef TALLY_CACHE_H
#define TALLY_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A content hash: the caller's choice of 128-bit hash of what it caches. */
typedef struct tally_cache_key {
	uint64_t hi, lo;
} tally_cache_key;

/**
 * struct tally_cache_disk_config - where and how big. Start from
 * TALLY_CACHE_DISK_CONFIG_INIT.
 * @struct_size: sizeof(tally_cache_disk_config) as compiled (a caller
 *               compiled before 0.4.0, without @dir_mode, gets 0700).
 * @dir:         the cache directory; created (with parents) if missing.
 *               A symbolic link here is followed (it is the caller's
 *               choice); none below it ever is.
 * @max_bytes:   the bound on the entries' and temporary files' total
 *               size; past it, a store removes the entries used least
 *               recently until the total is under 7/8 of it. 0 means 1 GiB.
 * @dir_mode:    the permission bits of the directories it creates (before
 *               the umask); 0 means 0700 (since 0.4.0). Must include 0700
 *               and be within 0777 (no setgid, setuid or sticky bit).
 *               Wider bits let other users see entries, never make them
 *               trusted: files and directories of another uid are ignored.
 * @flags:       TALLY_CACHE_DISK_NOSYNC or 0 (since 0.6).
 */
typedef struct tally_cache_disk_config {
	size_t struct_size;
	const char *dir;
	uint64_t max_bytes;
	unsigned dir_mode;
	unsigned flags;
} tally_cache_disk_config;

/*
 * tally_cache_disk_config.flags: store without fsync(). An entry still
 * appears whole (written aside, then renamed), and one a crash truncates
 * or empties fails its checksum and reads as a miss; what is given up is
 * only that a stored entry survives a crash of the machine. Worth it when
 * stores are many and small (an analyzer caching a result per source
 * file): an fsync() costs ~150 us on a VM's disk, more than most stores.
 */
#define TALLY_CACHE_DISK_NOSYNC 0x1u

#define TALLY_CACHE_DISK_CONFIG_INIT \
	{ sizeof(tally_cache_disk_config), NULL, 0, 0, 0 }

typedef struct tally_cache_disk tally_cache_disk;

/**
 * tally_cache_disk_create() - open (or create) a persistent cache.
 * @cfg:   where; read during the call only.
 * @alloc: memory hook, or NULL for the default.
 * @out:   receives the cache; untouched on failure.
 * @err:   receives the details of a failure (which path, why), or NULL.
 *
 * Layout: <dir>/tally-cache-v1/<2 hex>/<32 hex>, one file per entry,
 * named by its key's hex digits only (no caller text ever becomes a path),
 * and <dir>/tally-cache-v1/tmp for writes in progress (files named
 * tally-tmp.<pid>.<thread>.<n>). An entry file holds a header (magic, key,
 * length, XXH3-64 checksum of key and value) and the value.
 *
 * Trust: below @dir, every directory must be a real directory (not a
 * symbolic link) owned by the effective uid, and every entry a regular
 * file of that uid; anything else is a miss, never followed, written or
 * removed, and an entry is opened without blocking (a FIFO is a miss).
 * The directories are held open, so renaming a component of the path
 * meanwhile does not move the cache. The checksum detects damage, not
 * forgery: whoever can write the directory as this user can make an
 * entry that passes it, so share a cache only between jobs that trust
 * each other; the value's user checks it (tally_results_replay() does).
 *
 * tally-cache-v1 a link, not a directory, or another user's: TALLY_EIO,
 * saying so. A tmp/ that cannot be made or used (read-only directory, a
 * link, another user's) opens the cache read-only: every store then fails
 * (TALLY_EIO, tally_cache_disk_error() says why) and lookups still work.
 * Return: TALLY_OK; TALLY_EINVAL; TALLY_EIO (the directory cannot be made,
 * read or trusted); TALLY_ENOMEM.
 * Threads: any. Processes: any number may open the same directory.
 */
int tally_cache_disk_create(const tally_cache_disk_config *cfg,
    const tally_allocator *alloc, tally_cache_disk **out, tally_error *err);

/* Close a cache (NULL is a no-op). Entries stay on disk. */
void tally_cache_disk_destroy(tally_cache_disk *c);

/**
 * tally_cache_disk_get() - look an entry up.
 * @c:   the cache.
 * @key: its key.
 * @buf: where to copy the value, @cap bytes; may be NULL with @cap 0 to
 *       learn the length.
 * @len: receives the value's length on a hit (also when it did not fit).
 *
 * A missing, truncated, corrupt (checksum), foreign (another key's, or
 * not an entry at all; not a regular file; another user's) or unreadable
 * file is a miss, never a wrong value; a bad file of this user is
 * removed. A hit marks the entry used now (its mtime), which is the age
 * eviction goes by.
 * Return: TALLY_OK (hit, value copied); TALLY_ERANGE (hit, but longer
 * than @cap: nothing copied); TALLY_ENOTFOUND (miss).
 * Threads: any, concurrently; processes: any.
 */
int tally_cache_disk_get(tally_cache_disk *c, tally_cache_key key, void *buf,
    size_t cap, size_t *len);

/**
 * tally_cache_disk_put() - store an entry, atomically: the value is
 * written to a temporary file, fsync()ed, and renamed over the entry's
 * name, so a reader (in any process) sees the old entry, the new one or
 * none, and a writer killed at any point leaves no entry that reads back
 * wrong. Storing an existing key replaces it.
 * Return: TALLY_OK; TALLY_EIO (the directory is read-only, full, or gone:
 * tally_cache_disk_error() says which; the cache keeps working as misses);
 * TALLY_ENOMEM.
 * Threads: any, concurrently; processes: any.
 */
int tally_cache_disk_put(tally_cache_disk *c, tally_cache_key key,
    const void *val, size_t len);

/**
 * tally_cache_disk_error() - the details of the last failure to write the
 * directory: a failed store, or, for a directory that could only be opened
 * to read, the failure found at create.
 * @c:   the cache.
 * @out: receives a copy: status TALLY_EIO and "<path>: No space left on
 *       device"-style message, or TALLY_OK and "" when writing never
 *       failed.
 * Threads: any, concurrently with stores (a store failing meanwhile may or
 * may not be the one copied).
 */
void tally_cache_disk_error(tally_cache_disk *c, tally_error *out);

/**
 * struct tally_cache_disk_stats - counts of this handle (not of other
 * processes): hits, misses, bad (files found truncated, corrupt or
 * foreign, counted in misses too), stores, store failures, evictions, and
 * bytes (the entries' total as of the last scan plus this handle's
 * changes).
 */
typedef struct tally_cache_disk_stats {
	uint64_t hits, misses, bad, stores, store_failures, evictions;
	uint64_t bytes;
} tally_cache_disk_stats;

void tally_cache_disk_stats_get(tally_cache_disk *c,
    tally_cache_disk_stats *out);

typedef struct tally_cache_l1 tally_cache_l1;

/**
 * tally_cache_l1_create() - a per-thread cache: @entries entries of up to
 * @max_value bytes each, all allocated now (a store never allocates).
 * Exact LRU. Only one thread may use it at a time (no atomics, no lock).
 * Return: TALLY_OK, TALLY_EINVAL (0 entries, more than 2^24, values over
 * 1 MiB), TALLY_ENOMEM.
 */
int tally_cache_l1_create(uint32_t entries, uint32_t max_value,
    const tally_allocator *alloc, tally_cache_l1 **out);

/* Free a per-thread cache (NULL is a no-op). */
void tally_cache_l1_destroy(tally_cache_l1 *c);

/* As tally_cache_mem_get(); a hit makes the entry the most recent. */
int tally_cache_l1_get(tally_cache_l1 *c, tally_cache_key key, void *buf,
    size_t cap, size_t *len);

/*
 * Store (or replace) an entry; when full, the least recently used goes.
 * Return: TALLY_OK, TALLY_ERANGE (longer than max_value).
 */
int tally_cache_l1_put(tally_cache_l1 *c, tally_cache_key key, const void *val,
    size_t len);

/* Drop @key if it is there. */
void tally_cache_l1_remove(tally_cache_l1 *c, tally_cache_key key);

/* Its hits and misses so far. */
typedef struct tally_cache_l1_stats {
	uint64_t hits, misses;
} tally_cache_l1_stats;

void tally_cache_l1_stats_get(const tally_cache_l1 *c,
    tally_cache_l1_stats *out);

/**
 * struct tally_cache_mem_config - an in-memory cache. Start from
 * TALLY_CACHE_MEM_CONFIG_INIT.
 * @struct_size: sizeof(tally_cache_mem_config) as compiled.
 * @max_bytes:   the bound on entries and their values, overhead included
 *               (about 64 bytes an entry); each shard gets an equal part.
 * @shards:      independent parts, each with its own lock for stores
 *               (1-1024).
 */
typedef struct tally_cache_mem_config {
	size_t struct_size;
	uint64_t max_bytes;
	unsigned shards;
} tally_cache_mem_config;

#define TALLY_CACHE_MEM_CONFIG_INIT \
	{ sizeof(tally_cache_mem_config), UINT64_C(64) << 20, 16 }

typedef struct tally_cache_mem tally_cache_mem;

/**
 * tally_cache_mem_create() - an empty in-memory cache.
 * @cfg:   the configuration, or NULL for the defaults (64 MiB, 16 shards).
 * @alloc: memory hook, or NULL.
 * @out:   receives the cache.
 * Return: TALLY_OK, TALLY_EINVAL, TALLY_ENOMEM.
 */
int tally_cache_mem_create(const tally_cache_mem_config *cfg,
    const tally_allocator *alloc, tally_cache_mem **out);

/* Free a cache (NULL is a no-op); no call may be running on it. */
void tally_cache_mem_destroy(tally_cache_mem *c);

/**
 * tally_cache_mem_get() - look an entry up; as tally_cache_disk_get().
 * Takes no lock and writes nothing shared, except, the first time an
 * entry is hit after the eviction hand passed it, its visited bit.
 * Return: TALLY_OK, TALLY_ERANGE (hit, longer than @cap), TALLY_ENOTFOUND.
 * Threads: any, concurrently with everything but destroy (the thread is
 * registered with liburcu on its first call).
 */
int tally_cache_mem_get(tally_cache_mem *c, tally_cache_key key, void *buf,
    size_t cap, size_t *len);

/**
 * tally_cache_mem_put() - store (or replace) an entry. Past the shard's
 * share of max_bytes, entries go by SIEVE: the oldest not visited since
 * the hand last passed it. Memory of removed entries is freed after a
 * grace period, in batches.
 * Return: TALLY_OK; TALLY_ERANGE (larger than a shard holds); TALLY_ENOMEM.
 * Threads: any, concurrently (one lock per shard).
 */
int tally_cache_mem_put(tally_cache_mem *c, tally_cache_key key,
    const void *val, size_t len);

/* Drop @key if it is there (freed after a grace period). Threads: any. */
void tally_cache_mem_remove(tally_cache_mem *c, tally_cache_key key);

/* Counts: entries and bytes now, evictions so far. */
typedef struct tally_cache_mem_stats {
	uint64_t entries, bytes, evictions;
} tally_cache_mem_stats;

void tally_cache_mem_stats_get(tally_cache_mem *c,
    tally_cache_mem_stats *out);

/**
 * struct tally_cache_config - the chained levels. Start from
 * TALLY_CACHE_CONFIG_INIT.
 * @struct_size:  sizeof(tally_cache_config) as compiled.
 * @l1_entries:   entries of each thread's L1 (> 0).
 * @l1_max_value: the largest value L1 keeps.
 * @l2_bytes, @l2_shards: the shared L2 (tally_cache_mem_config).
 * @dir:          the L3 directory, or NULL for no persistent level.
 * @disk_bytes:   L3's bound (tally_cache_disk_config.max_bytes).
 * @disk_dir_mode: L3's tally_cache_disk_config.dir_mode (since 0.4.0; a
 *                caller compiled before gets 0700).
 * @disk_flags:   L3's tally_cache_disk_config.flags (since 0.6).
 */
typedef struct tally_cache_config {
	size_t struct_size;
	uint32_t l1_entries;
	uint32_t l1_max_value;
	uint64_t l2_bytes;
	unsigned l2_shards;
	const char *dir;
	uint64_t disk_bytes;
	unsigned disk_dir_mode;
	unsigned disk_flags;
} tally_cache_config;

#define TALLY_CACHE_CONFIG_INIT \
	{ sizeof(tally_cache_config), 256, 1024, UINT64_C(64) << 20, 16, \
	  NULL, 0, 0, 0 }

typedef struct tally_cache tally_cache;

/**
 * tally_cache_create() - L1 (one per calling thread, made on its first
 * call), L2 and, with @cfg->dir, L3.
 * @err: receives the details of a failure (as tally_cache_disk_create()),
 *       or NULL.
 * Return: TALLY_OK, TALLY_EINVAL, TALLY_ENOMEM, TALLY_EIO (the directory).
 */
int tally_cache_create(const tally_cache_config *cfg,
    const tally_allocator *alloc, tally_cache **out, tally_error *err);

/* Free the cache and every thread's L1 (no call may be running). */
void tally_cache_destroy(tally_cache *c);

/**
 * tally_cache_get() - L1, then L2, then L3; a hit below is copied into
 * the levels above it (promotion). Returns as tally_cache_mem_get().
 * Threads: any, concurrently.
 */
int tally_cache_get(tally_cache *c, tally_cache_key key, void *buf,
    size_t cap, size_t *len);

/**
 * tally_cache_put() - write through every level; a level the value is
 * too big for drops the key. Other threads' L1s are not told, so a key
 * must not be stored again with a different value (keys are content
 * hashes: a value never changes).
 * Return: TALLY_OK, TALLY_ENOMEM, TALLY_EIO (L3; the others took it).
 * Threads: any, concurrently.
 */
int tally_cache_put(tally_cache *c, tally_cache_key key, const void *val,
    size_t len);

/*
 * Where lookups were served: hits per level (lookups that copied a value
 * out; a TALLY_ERANGE one is neither a hit nor a miss), and misses.
 */
typedef struct tally_cache_stats {
	uint64_t l1_hits, l2_hits, l3_hits, misses;
} tally_cache_stats;

void tally_cache_stats_get(tally_cache *c, tally_cache_stats *out);

/* The persistent level (for its error and stats), or NULL. */
tally_cache_disk *tally_cache_level_disk(tally_cache *c);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_CACHE_H */
