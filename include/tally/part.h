/*
 * tally/part.h - exact partial aggregates: a shard's unique results, each
 * with how often its inputs held it and the states it came with, in a
 * compact, versioned, checksummed file that any reader takes as an input.
 *
 * A part is what one shard (a CI job, a slice of a code base) saw, reduced
 * without losing anything a summary needs: counting the parts of any
 * partition of the inputs, in any order, gives what counting all the
 * inputs at once gives (the same totals, duplicates, levels, tools, rules,
 * files and states), because a part keeps each unique result once with
 * its multiplicity, and reading a part gives back that many copies. A
 * part of parts is a part: packing is associative, and packing a part
 * alone gives the same bytes (idempotent).
 *
 * What a part keeps of a result is what the engine counts: tool (name
 * and version), rule, file, message, line, column, offset, level, the
 * suppressed flag, and the result's suppression status and baselineState
 * (tally/sarif.h); and its first CWE (its own, else its rule's), which
 * reading the part gives back as a tag, for clusters and the fleet. The
 * rest of a SARIF result (its other locations, code flows, fixes, other
 * tags and properties) is not kept: merge writes a part's results with
 * what it has.
 *
 * The file ("TALLYPT1", little-endian): a 40-byte header (magic, version,
 * flags, the body's compressed and plain lengths, an XXH3-64 of the
 * compressed body), then the body compressed with zstd. The body: the
 * counts of tools, rules, files, messages and rows; each string once, as
 * a u32 length and its bytes (a tool as its name then its version); then
 * the rows as columns (u32 indexes, lines, columns, CWEs, u64 offsets and
 * multiplicities, u8 levels, flags, suppression status and baselineState).
 * Readers check every length, index and value: a part is input, not
 * trusted. tally_sarif_read_file() and the other readers tell a part by
 * its magic ("tally-part" as an input format).
 *
 * Provided by libtally_formats (since 0.8.0).
 */
#ifndef TALLY_PART_H
#define TALLY_PART_H

#include <stddef.h>
#include <stdint.h>

#include "tally/common.h"
#include "tally/sarif.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TALLY_PART_VERSION 1u

typedef struct tally_part tally_part;

/**
 * tally_part_create() - an empty part.
 * @out:   receives it.
 * @alloc: memory hook, or NULL for the default.
 * Return: TALLY_OK, TALLY_EINVAL, TALLY_ENOMEM.
 */
int tally_part_create(tally_part **out, const tally_allocator *alloc);

/* Free @p (NULL: no-op). */
void tally_part_destroy(tally_part *p);

/**
 * tally_part_add_file() - read one input (any format the readers take, a
 * part included; "-" is standard input) into @p, all or nothing.
 * @opt: as for tally_sarif_read_file(); corr, cache and states are not
 *       used.
 * @rep: receives what reading found (may be NULL).
 * Return: as tally_sarif_read_file(); on an error nothing of the input is
 * in @p.
 * Threads: one call at a time on a part.
 */
int tally_part_add_file(tally_part *p, const char *path,
    const tally_sarif_options *opt, tally_sarif_report *rep);

/* The same, from @len bytes at @buf. */
int tally_part_add_buffer(tally_part *p, const void *buf, size_t len,
    const tally_sarif_options *opt, tally_sarif_report *rep);

/**
 * struct tally_part_row - one unique result of a part, with its strings.
 * Strings are not NUL-terminated: each with its length. A version not
 * given is NULL and 0; a rule or file is what the readers made of the
 * result (a result without a location has the empty file).
 * @key_hi, @key_lo: the result's 128-bit key: XXH3-128 of its identity
 *            as the engine tells results apart (tool name, rule, file,
 *            message, each as a u64 length and its bytes; then line and
 *            column as u32, offset as u64, the suppressed flag as a byte,
 *            all little-endian), the same in every process. Not the tool's
 *            version: the engine keeps one version per tool name.
 * @count:    how many times the inputs held it (at least 1).
 * @cwe:      its first CWE number, 0 for none.
 * @suppression: -1 none, else a tally_suppression.
 * @baseline: -1 none, else a tally_baseline.
 */
typedef struct tally_part_row {
	const char *tool, *tool_version, *rule, *file, *message;
	size_t tool_len, tool_version_len, rule_len, file_len, message_len;
	uint32_t line, column;
	uint64_t offset;
	uint8_t level;
	uint8_t flags;
	int8_t suppression;
	int8_t baseline;
	uint64_t count;
	uint64_t key_hi, key_lo;
	uint32_t cwe;
} tally_part_row;

/* The number of unique results of @p (rows). */
size_t tally_part_rows(const tally_part *p);

/* The number of results the inputs of @p held (the rows' counts summed). */
uint64_t tally_part_results(const tally_part *p);

/**
 * tally_part_row_get() - row @i of @p (0 <= @i < tally_part_rows()), in
 * the order they were first read. The strings stay valid until @p is
 * added to or destroyed.
 * Return: TALLY_OK, TALLY_EINVAL (@i out of range).
 */
int tally_part_row_get(const tally_part *p, size_t i, tally_part_row *out);

/**
 * tally_part_serialize() - @p as a part file, into a buffer allocated
 * with malloc() (free it with free()).
 * Return: TALLY_OK, TALLY_EINVAL, TALLY_ENOMEM, TALLY_ERANGE (a string
 * of 2^32 - 1 bytes or more).
 */
int tally_part_serialize(const tally_part *p, void **buf, size_t *len);

/**
 * tally_part_write_file() - @p as a part file at @path ("-": standard
 * output). A regular file is written beside and renamed over, keeping
 * its mode, so a reader never sees half a part; a symlink is written
 * through; a device or FIFO is written to, never replaced.
 * @err: receives "<path>: <why>" on failure (may be NULL).
 * Return: as tally_part_serialize(), or TALLY_EIO.
 */
int tally_part_write_file(const tally_part *p, const char *path,
    tally_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_PART_H */
