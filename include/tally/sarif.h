/*
 * tally/sarif.h - SARIF 2.1.0 in (into an engine) and out (merge).
 *
 * Provided by the tally_formats library (link -ltally_formats -ltally; the
 * pkg-config module "tally" gives both). The reader streams: the JSON text
 * is scanned once, each result object is parsed on its own by simdjson, and
 * memory grows with the number of results of an input (a fixed-size record
 * of ids per result, held until the input is committed), not with the size
 * of the text.
 *
 * What one result becomes (exact; tests/cli_test.cc checks it against an
 * independent reading of the same logs; section numbers are SARIF 2.1.0's):
 *  - tool    = run.tool.driver.name ("" when null or missing: a warning)
 *  - rule    = result.ruleId, else result.rule.id, else the id of its
 *              descriptor (below), else ""
 *  - descriptor (§3.52.3): in the tool component that result.rule.
 *              toolComponent names (§3.54.2: "index" into tool.extensions,
 *              else "guid", else "name"; the driver when absent), the rule
 *              at result.rule.index, else at result.ruleIndex (§3.27.6:
 *              the same meaning), else the one whose guid is
 *              result.rule.guid, else the one whose id is the rule, else
 *              the one whose id is the rule's longest prefix ending before
 *              a "/" (a hierarchical id, §3.27.5: "CA5350/md5" is rule
 *              CA5350's; the rule stays "CA5350/md5")
 *  - level   = (§3.27.10) result.level; else "none" when result.kind is
 *              present and not "fail"; else the level that a
 *              ruleConfigurationOverrides entry of the result's invocation
 *              (provenance.invocationIndex, else the run's only one) sets
 *              for its descriptor; else the descriptor's
 *              defaultConfiguration.level; else "warning"
 *  - message = (§3.11) message.text, else message.id's string in the
 *              descriptor's messageStrings, else in its component's
 *              globalMessageStrings; formatted with message.arguments
 *              (§3.11.5: "{n}" is argument n, "{{" and "}}" are braces, a
 *              placeholder without its argument stays as written; a
 *              message that would grow past 4 times its parts, and 1 MiB,
 *              is not formatted: a warning). An id whose string is not
 *              found is kept with its arguments, each as 0x1f, its length
 *              in decimal, ':' and its bytes (an empty id, or one holding
 *              a 0x1f, is encoded so too, first), so that no two ids and
 *              argument lists give one message; no text or id: ""
 *  - file    = first location's physicalLocation.artifactLocation.uri, else
 *              run.artifacts[artifactLocation.index].location.uri, else "";
 *              a leading "file://" removed, runs of "/" folded to one,
 *              then every leading "./" removed ("././a" is "a"); a uri of
 *              "" is present (the index is then not used)
 *  - line, column = region.startLine, region.startColumn (0 when absent)
 *  - offset  = region.charOffset, else region.byteOffset (0 when absent)
 *  - suppressed (TALLY_VIOLATION_SUPPRESSED; §3.27.23, §3.35) when
 *              result.suppressions is a non-empty array none of whose
 *              entries has status "underReview" or "rejected" (no status
 *              is accepted), unless tally_sarif_options.include_suppressed
 * A JSON null counts as absent for every optional property.
 *
 * Tolerance: what the specification allows, or a careful reader can take
 * without guessing, is read, and each such leniency is reported as a
 * warning (tally_sarif_options.warning), never silently: a leading UTF-8
 * byte order mark (RFC 8259 §8.1); "runs": null (§3.13.4: the producer
 * failed; no runs); a null or missing driver.name (tool ""); a rule
 * without "id" (its results must carry ruleId); a rule index, or a
 * toolComponent, that points nowhere when ruleId or rule.id names the rule
 * (the id is used); a provenance.invocationIndex out of range (no
 * override); a result without "message" (message "").
 *
 * Strictness: besides malformed JSON and invalid UTF-8, these are errors: a
 * "version" other than "2.1.0"; a missing "version", "runs", run "tool" or
 * "driver"; a property of the wrong type; a level, suppression status or
 * baselineState outside its values; a rule that only an index or a guid
 * names when that points nowhere, or at a rule without "id"; an artifact
 * index out of range where the definitions use it; "version", "runs",
 * "tool", "results", "artifacts" or "driver" appearing twice in one object.
 *
 * Other formats (since 0.7.0): an input that is gzip- or zstd-compressed
 * (by magic number) is decompressed first; one in a native format (told
 * by content, or named by tally_sarif_options.input_format: "gcc-json",
 * "shellcheck-json1", "checkstyle", "cppcheck-xml", "clang-tidy-yaml",
 * "eslint-json", "pylint-json", "codeclimate", and since 0.8.0
 * "tally-part": tally/part.h) is converted into a SARIF 2.1.0 log of one
 * run (a run per engine for "codeclimate", per tool for a part), which is
 * then read by the definitions above.
 * The mapping of each format's fields is the table in README.md, "Other
 * formats". A converter validates its whole input (syntax, the types of
 * what it reads, UTF-8) and reports errors like the SARIF reader. Every
 * reader of this header reads them: summary, merge (which so writes them
 * out as SARIF), diff and the cache.
 *
 * An input is all or nothing: its results reach the engine only when the
 * whole input has been read without error. A bad input (unreadable, not
 * JSON, not SARIF 2.1.0, a property of the wrong type) reports what was
 * expected and the byte offset where it went wrong, and adds nothing.
 */
#ifndef TALLY_SARIF_H
#define TALLY_SARIF_H

#include <stdbool.h>

#include "tally/common.h"
#include "tally/batch.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct tally_sarif_options - how to read. Start from
 * TALLY_SARIF_OPTIONS_INIT.
 * @struct_size:  sizeof(tally_sarif_options) as compiled by the caller.
 * @progress:     called now and then (about every 4 MiB) on the reading
 *                thread with bytes done and total; NULL for none.
 * @progress_arg: passed to @progress.
 * @corr:         tally_sarif_read_file() and _read_buffer() also add the
 *                input's unique results to this correlation index
 *                (tally/corr.h), when the input is good; NULL for none.
 *                The other readers ignore it.
 * @cache:        tally_sarif_read_file() and _read_buffer() look the
 *                input up here by the 128-bit hash of its bytes and of the
 *                reading rules' version: on a hit its stored results are
 *                replayed into the engine (tally/results.h) without reading
 *                the JSON; on a miss it is read and its results are stored
 *                (a failed store only loses the saving: see
 *                tally_cache_level_disk()). Not used together with @corr,
 *                which needs the results' whole objects. A stored input
 *                keeps its warnings and states: a replay reports them as
 *                the reading did. NULL for none.
 * @include_suppressed: read suppressed results (§3.27.23) as active: no
 *                TALLY_VIOLATION_SUPPRESSED flag (since 0.3.0).
 * @warning:      called on the reading thread for each leniency (see
 *                "Tolerance" above) with the byte offset it concerns
 *                (UINT64_MAX for none) and a sentence; at most 100 per
 *                input, then one saying how many more. NULL for none.
 * @warning_arg:  passed to @warning.
 * @states:       tally_sarif_read_file() and _read_buffer() also count the
 *                input's results by baselineState and suppression status
 *                there (see tally_sarif_states_create()); NULL for none.
 * @max_input_bytes: an input longer than this is refused with
 *                TALLY_EIO_TOOBIG before more than this is read (a regular
 *                file by its size, before any), so that memory stays
 *                bounded; 0 for the default, TALLY_SARIF_MAX_INPUT (since
 *                0.4.0). tally_sarif_read_buffer() ignores it; it also
 *                bounds a compressed input's decompressed size.
 * @input_format: the input's format, by name (see "Other formats" above):
 *                NULL or "auto" to tell it by content (since 0.7.0). A
 *                name that is none of them makes the call fail with
 *                TALLY_EINVAL.
 */
typedef struct tally_sarif_options {
	size_t struct_size;
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *progress_arg;
	struct tally_corr *corr;
	struct tally_cache *cache;
	/* since 0.3.0 */
	bool include_suppressed;
	void (*warning)(void *arg, uint64_t offset, const char *message);
	void *warning_arg;
	struct tally_sarif_states *states;
	/* since 0.4.0 */
	uint64_t max_input_bytes;
	/* since 0.7.0 */
	const char *input_format;
} tally_sarif_options;

/*
 * The names tally_sarif_options.input_format takes, by @i from 0 ("auto"
 * first); NULL past the last (since 0.7.0).
 */
const char *tally_sarif_input_format_name(unsigned i);

/* The default tally_sarif_options.max_input_bytes: 4 GiB. */
#define TALLY_SARIF_MAX_INPUT (UINT64_C(4) << 30)

#define TALLY_SARIF_OPTIONS_INIT \
	{ sizeof(tally_sarif_options), NULL, NULL, NULL, NULL, false, NULL, \
		NULL, NULL, 0, NULL }

/**
 * struct tally_sarif_report - what happened to one input.
 * @results: results taken from the input (0 when it failed).
 * @runs:    runs read.
 * @bytes:   size of the input in bytes.
 * @warnings: leniencies reported (tally_sarif_options.warning), counted
 *           also when the input failed later.
 * @error:   TALLY_OK, or the error: its status (also the function's return
 *           value), the byte offset in the input where it was found, and
 *           a sentence naming the offset and what was expected, without
 *           the path.
 */
typedef struct tally_sarif_report {
	uint64_t results;
	uint64_t runs;
	uint64_t bytes;
	uint64_t warnings;
	tally_error error;
} tally_sarif_report;

/**
 * tally_sarif_read_file() - read one SARIF log into an engine.
 * @e:    the engine; tools and strings are interned into it.
 * @path: a file; "-" is standard input.
 * @opt:  options, or NULL for the defaults.
 * @rep:  receives the report; may be NULL.
 *
 * The input is read into memory the reader owns (never mapped), so another
 * process changing the file cannot change what is parsed: a regular file
 * must end at the size it had when opened and keep its modification and
 * change times, else TALLY_EIO_CHANGED, "changed while it was read (N bytes
 * expected, M read)". A regular file of up to 1 MiB, and any file read for
 * @opt->cache or @opt->corr, is read whole. A larger one is read through a
 * 1 MiB window that moves along the file between the elements of a run's
 * arrays (results, rules, tool.extensions, artifacts, invocations); its
 * warnings are delivered when the read ends. It is read again whole when
 * the window cannot hold what comes next (an element of more than 256 KiB
 * that the window's end cuts, any other value that reaches past it, bytes
 * after the log) or the read fails on the file's bytes: errors, offsets
 * and warnings are then those of the whole read, and progress does not go
 * back. A regular file over @opt->max_input_bytes is refused
 * before it is read. A pipe, a device or standard input is read whole, in
 * chunks, refused as soon as it passes the limit, and checked as it comes:
 * one that cannot be a JSON text (/dev/zero) fails at its first bad byte.
 * The bytes hashed for @opt->cache are the bytes parsed. Memory: the
 * window, or the input's size when read whole, for the duration of the
 * call, taken (with the reader's staging) through the engine's
 * tally_config.allocator when it has one, else from the default allocator.
 * The results are submitted to @e as batches once the input is complete;
 * call tally_engine_flush() before taking a snapshot.
 * Return: TALLY_OK; TALLY_EIO (TALLY_EIO_NOENT, TALLY_EIO_ISDIR,
 * TALLY_EIO_TOOBIG, TALLY_EIO_CHANGED);
 * TALLY_EPARSE (TALLY_EPARSE_EMPTY, _TRUNCATED, _UTF8); TALLY_EFORMAT
 * (_VERSION, _TYPE, _MISSING, _VALUE); TALLY_ENOMEM; TALLY_ESTATE (engine
 * failed). On any error nothing from this input is aggregated.
 * Threads: any thread; several threads may read different inputs into the
 * same engine at once.
 */
int tally_sarif_read_file(tally_engine *e, const char *path,
    const tally_sarif_options *opt, tally_sarif_report *rep);

/**
 * tally_sarif_read_buffer() - read a SARIF log held in memory.
 * @e:   the engine.
 * @buf: the log's bytes (not modified, not kept after the call).
 * @len: their number.
 * @opt: options, or NULL.
 * @rep: receives the report; may be NULL.
 *
 * Return and threads: as tally_sarif_read_file().
 */
int tally_sarif_read_buffer(tally_engine *e, const void *buf, size_t len,
    const tally_sarif_options *opt, tally_sarif_report *rep);

typedef struct tally_sarif_merge tally_sarif_merge;

/**
 * tally_sarif_merge_create() - start a merge of SARIF logs.
 * @out:   receives the merge; untouched on failure.
 * @alloc: memory hook, or NULL for the default (see struct tally_allocator).
 *
 * The merged log has one run per distinct tool name, in the order tools were
 * first seen. Each run keeps the first driver seen for that tool, with the
 * union of the rules of all its runs (by rule id, first seen wins), and the
 * artifacts of all its runs, each distinct text once (SARIF wants them
 * unique; one with a parentIndex is never shared). Each result is copied as
 * written, except that ruleIndex (and rule.index) point into the merged rules
 * and artifactLocation.index into the merged artifacts. Exact duplicates
 * (as in tally/engine.h) are dropped, the first one seen kept. A run with no
 * results is kept. Other run properties are not carried over, except
 * columnKind, originalUriBaseIds, tool.extensions and invocations of the
 * first run of each tool. A run whose results its own tool.extensions,
 * level overrides (invocations) or message strings explain is not merged
 * with another: it is written as a run of its own (its results still
 * deduplicated against every other), so that each result reads as it did;
 * a result whose rule.toolComponent names an extension keeps its rule
 * indexes. Suppressed results are kept with their suppressions, and an
 * active and a suppressed copy of a result are two.
 * Return: TALLY_OK, TALLY_ENOMEM.
 * Threads: a merge is used by one thread at a time. Free with
 * tally_sarif_merge_destroy().
 */
int tally_sarif_merge_create(tally_sarif_merge **out,
    const tally_allocator *alloc);

/**
 * tally_sarif_merge_add_file() - read one input into the merge.
 * @m:    the merge.
 * @path: as for tally_sarif_read_file(); the input's bytes are held in
 *        memory until tally_sarif_merge_destroy().
 * @opt:  options, or NULL.
 * @rep:  receives the report; may be NULL.
 *
 * Return: as tally_sarif_read_file(); on error nothing of this input is
 * merged, except after TALLY_ENOMEM while adding its results, when the
 * merge is incomplete and tally_sarif_merge_write() refuses to write it.
 */
int tally_sarif_merge_add_file(tally_sarif_merge *m, const char *path,
    const tally_sarif_options *opt, tally_sarif_report *rep);

/**
 * tally_sarif_merge_write() - write the merged log.
 * @m:    the merge.
 * @path: the output file; "-" writes to standard output. A regular file
 *        (or none) is replaced by a temporary file made beside it, with its
 *        mode, renamed over it only when complete, so a failure leaves it
 *        as it was; a symlink is written through (the file it names is
 *        replaced, the link stays; not a link another user planted in a
 *        sticky shared directory such as /tmp: TALLY_EIO); a device or
 *        FIFO is written directly.
 *        Call only once the inputs are read: @path may name one of them.
 *
 * @err:  receives the details of a failure (the path and why), or NULL.
 *
 * Return: TALLY_OK, TALLY_EINVAL (NULL @m or @path), TALLY_EIO,
 * TALLY_ENOMEM (also when an earlier add ran out of memory part way).
 */
int tally_sarif_merge_write(tally_sarif_merge *m, const char *path,
    tally_error *err);

/**
 * tally_sarif_merge_pretty() - how tally_sarif_merge_write() lays out the
 * log (since 0.5).
 * @m:      the merge.
 * @pretty: false (the default): compact, no whitespace between tokens
 *          (the copied results lose the indentation their tool gave them);
 *          true: two spaces a level, one member or element a line, `": "`
 *          after keys, empty objects and arrays on one line.
 * Either way the log ends with a newline, and strings are as written.
 * Return: TALLY_OK, TALLY_EINVAL (NULL @m).
 */
int tally_sarif_merge_pretty(tally_sarif_merge *m, bool pretty);

/**
 * enum tally_merge_format - what tally_sarif_merge_write() writes (since
 * 0.7.0). Each format but SARIF lists the results tally_sarif_merge_foreach()
 * gives; the mapping of each field is the table in README.md, "Outputs".
 * @TALLY_MERGE_SARIF:       the merged SARIF 2.1.0 log (the default).
 * @TALLY_MERGE_CODECLIMATE: a Code Climate issues array as GitLab's code
 *                           quality report reads it: one issue per active
 *                           result (suppressed and absent ones left out),
 *                           its fingerprint a 128-bit hash of tool, rule,
 *                           file, content (the result's line hash when it
 *                           has one, else its message) and its rank among
 *                           the results that share those, by line: it
 *                           stays when the code above it moves.
 * @TALLY_MERGE_JUNIT:       JUnit XML: a testsuite per tool, a testcase per
 *                           result; an error or warning is a failure, a
 *                           suppressed result skipped, a note passes.
 * @TALLY_MERGE_JUNIT_FILES: JUnit XML: a testsuite per tool, a testcase per
 *                           file, failed when one of its results is an
 *                           error or warning; every result in its text.
 * @TALLY_MERGE_CSV:         RFC 4180 CSV, a header line, then one row per
 *                           result, absent ones included.
 */
typedef enum tally_merge_format {
	TALLY_MERGE_SARIF = 0,
	TALLY_MERGE_CODECLIMATE = 1,
	TALLY_MERGE_JUNIT = 2,
	TALLY_MERGE_JUNIT_FILES = 3,
	TALLY_MERGE_CSV = 4,
} tally_merge_format;

/*
 * Set the format tally_sarif_merge_write() writes (since 0.7.0).
 * Return: TALLY_OK, TALLY_EINVAL (NULL @m or an unknown @format).
 */
int tally_sarif_merge_format(tally_sarif_merge *m, tally_merge_format format);

/*
 * With a baseline (tally_sarif_merge_baseline()), write and walk only the
 * results classified new: not the unchanged, updated or absent ones, nor
 * the suppressed ones that match nothing (since 0.7.0). Without a
 * baseline every result is new. Return: TALLY_OK, TALLY_EINVAL (NULL @m).
 */
int tally_sarif_merge_only_new(tally_sarif_merge *m, bool only_new);

/* GitHub code scanning's limits on an upload (what tally_sarif_check_file()
 * also applies). */
#define TALLY_GITHUB_MAX_RUNS 20
#define TALLY_GITHUB_MAX_RESULTS 25000         /* a run */
#define TALLY_GITHUB_MAX_GZIP UINT64_C(10000000) /* bytes, gzip-compressed */

/**
 * struct tally_sarif_github - how tally_sarif_merge_github() shapes the log
 * (since 0.7.0). Start from TALLY_SARIF_GITHUB_INIT.
 * @struct_size:     sizeof(tally_sarif_github) as compiled by the caller.
 * @keep_suppressed: write suppressed results (code scanning shows a
 *                   suppressed result as a dismissed alert); false: drop
 *                   them, as if the tool had not reported them.
 * @max_results:     results a run keeps (0: TALLY_GITHUB_MAX_RESULTS).
 * @max_gzip:        the gzip-compressed size of the log, at most (0:
 *                   TALLY_GITHUB_MAX_GZIP).
 * @max_runs:        runs a log holds, at most (0: TALLY_GITHUB_MAX_RUNS).
 */
typedef struct tally_sarif_github {
	size_t struct_size;
	bool keep_suppressed;
	uint32_t max_results;
	uint64_t max_gzip;
	uint32_t max_runs;
} tally_sarif_github;

#define TALLY_SARIF_GITHUB_INIT { sizeof(tally_sarif_github), false, 0, 0, 0 }

/**
 * tally_sarif_merge_github() - write a log GitHub code scanning accepts
 * (since 0.7.0). Call before the first input is added.
 * @m:  the merge.
 * @gh: the limits and the suppressed results' fate; NULL for the defaults.
 *
 * Runs are merged per tool and category (run.automationDetails.id up to
 * its last '/', the whole id when it has none), not per tool: code
 * scanning refuses two runs of one tool in one category, so runs of one
 * tool that differ in category stay apart, and each written run carries
 * its category as automationDetails.id. A run kept apart because its own
 * extensions, level overrides or message strings explain its results
 * gets a category of its own: its tool's, then "tally-K/" (K = 2, 3, ...
 * in the order such runs are read).
 * Absent results (tally_sarif_merge_baseline()) are not written: they are
 * no longer in the code. When a run has more than @max_results results,
 * those written are the first by level (error first), then rule id, then
 * file, line and column; when the log compressed with gzip (zlib's
 * default level) would be over @max_gzip bytes, every run's share is cut
 * in the same proportion, the same order deciding, until it fits. A run
 * that lost results says so in its properties ("tallyGithubCut": the
 * results it had, wrote, and why). More than @max_runs runs is an error
 * (TALLY_ERANGE from tally_sarif_merge_write(), nothing written): split
 * the inputs. The other formats ignore it.
 * Return: TALLY_OK, TALLY_EINVAL (NULL @m, a bad @gh, or an input already
 * added).
 */
int tally_sarif_merge_github(tally_sarif_merge *m,
    const tally_sarif_github *gh);

/**
 * struct tally_sarif_github_run - one run of the last GitHub-shaped write.
 * @tool, @category: the run's tool and its automationDetails.id (""
 *              when none is written); not NUL-terminated.
 * @results:    results it would have written without the limits.
 * @written:    results written.
 * @suppressed: suppressed results dropped (not counted in @results).
 * @absent:     absent results dropped (not counted in @results).
 * @why:        why results were cut, NULL when none were.
 */
typedef struct tally_sarif_github_run {
	const char *tool;
	size_t tool_len;
	const char *category;
	size_t category_len;
	uint64_t results, written, suppressed, absent;
	const char *why;
} tally_sarif_github_run;

/*
 * After a tally_sarif_merge_write() with tally_sarif_merge_github(): call
 * @fn for each run written, in order, and give the log's gzip-compressed
 * size in *@gzip (may be NULL). A non-zero return from @fn stops the walk
 * and is returned. Return: TALLY_OK, TALLY_EINVAL (NULL @m or @fn, or no
 * such write yet).
 */
int tally_sarif_merge_github_runs(const tally_sarif_merge *m,
    int (*fn)(void *arg, const tally_sarif_github_run *r), void *arg,
    uint64_t *gzip);

/**
 * struct tally_sarif_merge_result - one result of a merge, as
 * tally_sarif_merge_foreach() gives it (since 0.7.0). Strings are the
 * merge's (not NUL-terminated; valid until tally_sarif_merge_destroy()),
 * read as tally/sarif.h's definitions say.
 * @line_hash: its partialFingerprints.primaryLocationLineHash, from the log
 *             or from tally_sarif_merge_sources(); NULL when none.
 * @line, @column, @offset: 0 when absent.
 * @suppressed: TALLY_VIOLATION_SUPPRESSED.
 * @state:     with a baseline, its tally_baseline; else -1.
 * @cluster:   with tally_sarif_merge_correlate(), the index of its cluster
 *             in tally_corr_clusters(); else -1.
 */
typedef struct tally_sarif_merge_result {
	const char *tool, *rule, *file, *message, *line_hash;
	size_t tool_len, rule_len, file_len, message_len, line_hash_len;
	uint32_t line, column;
	uint64_t offset;
	tally_level level;
	bool suppressed;
	int state;
	int64_t cluster;
} tally_sarif_merge_result;

/**
 * tally_sarif_merge_foreach() - call @fn for each result the merged SARIF
 * log would hold, in its order: run by run, the run's results in reading
 * order, then with a baseline its absent results (since 0.7.0).
 * @m:   the merge, its inputs all added.
 * @fn:  called with @arg and the result; a value other than 0 stops the
 *       walk and is returned.
 * @arg: passed to @fn.
 * Annotations are made first as tally_sarif_merge_write() makes them (line
 * hashes, baseline states, clusters), and counted in the merge's stats.
 * Return: TALLY_OK, what @fn returned, TALLY_EINVAL (NULL @m or @fn),
 * TALLY_ENOMEM (also when an earlier add ran out of memory part way).
 */
int tally_sarif_merge_foreach(tally_sarif_merge *m,
    int (*fn)(void *arg, const tally_sarif_merge_result *r), void *arg);

/**
 * tally_sarif_merge_keep_duplicates() - write every result, exact
 * duplicates included (tally diff --format sarif: one output result per
 * input result). Call before the first add.
 * Return: TALLY_OK, TALLY_ESTATE (inputs were added already).
 */
int tally_sarif_merge_keep_duplicates(tally_sarif_merge *m);

/**
 * tally_sarif_merge_correlate() - correlate the merged results.
 * @m: the merge; call before the first add.
 * @c: a correlation index (tally/corr.h) that the inputs added from
 *     now on also go to; it must outlive the merge's writing. Call
 *     tally_corr_compute() before tally_sarif_merge_write(): every member
 *     of a cluster is then written with "relatedLocations" holding the
 *     cluster's other members (appended to any it has) and
 *     properties.tallyCluster = {"id": its index in tally_corr_clusters(),
 *     "size", "tools"}.
 * Return: TALLY_OK, TALLY_ESTATE (inputs were added already).
 */
int tally_sarif_merge_correlate(tally_sarif_merge *m, struct tally_corr *c);

/**
 * tally_sarif_merge_baseline() - classify the merged results against a
 * baseline log, as tally_sarif_diff_create() does, when writing.
 * @m:    the merge (at most one baseline).
 * @path: the baseline log.
 * @opt, @rep: as for tally_sarif_merge_add_file().
 *
 * Each written result gets "baselineState" (new, unchanged or updated,
 * replacing any it had), and the baseline's unmatched results are written
 * too, with "absent", in the run of their tool (a run only they have is
 * written with them). Results are taken in the order they were added
 * (reading order), which breaks ties as the diff does.
 * Return: as tally_sarif_read_file(); TALLY_ESTATE for a second baseline.
 */
int tally_sarif_merge_baseline(tally_sarif_merge *m, const char *path,
    const tally_sarif_options *opt, tally_sarif_report *rep);

/**
 * tally_sarif_merge_sources() - compute partialFingerprints.
 * primaryLocationLineHash from source files when writing.
 * @m:    the merge.
 * @dir:  the directory relative result paths are relative to. Copied.
 * @root: where the analysis ran, or NULL: absolute paths under it are read
 *        under @dir instead (so a log made in /src/proj finds its files in
 *        a checkout elsewhere). Copied.
 *
 * A result that has a line, whose file can be read and has that line,
 * and that has no primaryLocationLineHash yet gets one (tally/linehash.h);
 * a result that has one keeps it. The logs name the files, so a log
 * cannot make the merge read outside @dir: every path is opened beneath
 * it (openat2() RESOLVE_BENEATH; where the kernel lacks it, component by
 * component without following any symlink), so ".." and symlinks that
 * leave @dir are refused; an absolute path outside @root is refused unless
 * tally_sarif_merge_sources_absolute() allows it; a path holding a NUL is
 * refused. Only regular files of at most 16 MiB are read (a FIFO or a
 * device is never waited on or read), up to the size they had when
 * opened. Results whose file is refused or cannot be read are written
 * without a hash and counted (tally_sarif_merge_stats). With a baseline,
 * the computed hashes take part in its matching.
 * Return: TALLY_OK, TALLY_EINVAL (NULL @m or @dir), TALLY_ENOMEM.
 */
int tally_sarif_merge_sources(tally_sarif_merge *m, const char *dir,
    const char *root);

/**
 * tally_sarif_merge_sources_absolute() - let tally_sarif_merge_sources()
 * read absolute paths outside its root as they are (off by default: a log
 * from elsewhere could name any file the process can read).
 * @m:     the merge.
 * @allow: true to read them, false to refuse them.
 * Return: TALLY_OK, TALLY_EINVAL (NULL @m).
 */
int tally_sarif_merge_sources_absolute(tally_sarif_merge *m, bool allow);

/**
 * struct tally_sarif_merge_stats - what was added, and what the last write
 * annotated.
 * @read:      results read from the inputs that were added.
 * @unique:    how many of them are distinct (exact duplicates counted
 *             once): the results written, unless
 *             tally_sarif_merge_keep_duplicates() writes every one read.
 * @baseline:  results written per tally_baseline (zero without one),
 *             except those counted in @suppressed_new.
 * @suppressed_new: suppressed results that match nothing in the baseline:
 *             written with baselineState "new" (§3.27.24 wants one on
 *             every result) and the suppressions that hide them, but not
 *             counted as new.
 * @hashed:    results given a primaryLocationLineHash from sources.
 * @unhashed:  results with a line that got none (file unreadable, line
 *             past its end).
 * @unreadable: distinct files that could not be read.
 * @clustered: results written as members of a cluster.
 */
typedef struct tally_sarif_merge_stats {
	uint64_t read;
	uint64_t unique;
	uint64_t baseline[4];
	uint64_t suppressed_new;
	uint64_t hashed;
	uint64_t unhashed;
	uint64_t unreadable;
	uint64_t clustered;
} tally_sarif_merge_stats;

/* Copy the merge's counts to @out. Threads: the merge's owner. */
void tally_sarif_merge_stats_get(const tally_sarif_merge *m,
    tally_sarif_merge_stats *out);

/**
 * tally_sarif_merge_destroy() - free a merge and the inputs it holds.
 * @m: the merge, or NULL (no-op).
 */
void tally_sarif_merge_destroy(tally_sarif_merge *m);

/**
 * struct tally_sarif_check_finding - one kind of problem GitHub code
 * scanning would have with a log (since 0.7.0).
 * @rejected: true: GitHub refuses the upload; false: it accepts it but
 *            loses or misplaces something.
 * @code:     a stable name: "version", "gzip-size", "runs", "run-category",
 *            "results", "rules", "extensions", "locations",
 *            "thread-flow-locations", "rule-tags" (rejected);
 *            "results-shown", "locations-shown",
 *            "thread-flow-locations-shown", "rule-tags-shown",
 *            "uri-absolute", "uri-unstable", "fingerprint-placeholder",
 *            "fingerprint-collision", "fingerprint-line-number".
 * @count:    how many times it occurs.
 * @offset:   the byte offset of the first (in the decompressed log), or
 *            UINT64_MAX when it concerns the whole file.
 * @message:  a sentence about the first.
 */
typedef struct tally_sarif_check_finding {
	bool rejected;
	const char *code;
	uint64_t count;
	uint64_t offset;
	const char *message;
} tally_sarif_check_finding;

/**
 * tally_sarif_check_file() - what GitHub code scanning would reject in a
 * SARIF log, or accept and mishandle (since 0.7.0).
 * @path: the log ("-": standard input); gzip or zstd is undone first;
 *        other formats are not converted (GitHub reads SARIF only).
 * @opt:  options (max_input_bytes is used), or NULL.
 * @fn:   called for each kind of problem found, rejections first, with
 *        @arg; a value other than 0 stops and is returned.
 * @rep:  the report: runs, bytes, or the error; may be NULL.
 *
 * Checked: GitHub's documented limits (runs per file 20, results per run
 * 25,000 of which 5,000 are kept, rules per run 25,000, tool extensions
 * per run 100, locations per result 1,000 of which 100 are kept, thread
 * flow locations per result 10,000 of which 1,000 are kept, tags per rule
 * 20 of which 10 are kept, 10 MB gzip-compressed); "version" 2.1.0; two
 * runs with one driver (name, fullName, version, semanticVersion) and one
 * category (automationDetails.id up to its last '/'), rejected since July
 * 2025; a result's first uri that is absolute without a uriBaseId, or
 * holds ".." or a backslash; partialFingerprints values that are
 * placeholders (empty, or one character repeated), that two results of
 * one run in different places (rule, uri, line, column) share, or that
 * hold the result's line number (except primaryLocationLineHash, whose
 * ":N" counts occurrences).
 * The JSON is validated as it is walked; SARIF's other rules are not
 * checked here (tally_sarif_read_file() does).
 * Return: TALLY_OK (whatever was found), what @fn returned, or as
 * tally_sarif_read_file() for an input that cannot be read or is not JSON.
 */
int tally_sarif_check_file(const char *path, const tally_sarif_options *opt,
    int (*fn)(void *arg, const tally_sarif_check_finding *f), void *arg,
    tally_sarif_report *rep);

/**
 * enum tally_baseline - how a result compares with a baseline log; the
 * values of SARIF's result.baselineState.
 * @TALLY_BASELINE_NEW:       in the new log only.
 * @TALLY_BASELINE_UNCHANGED: matched, same location and message.
 * @TALLY_BASELINE_UPDATED:   matched, but its location or message changed.
 * @TALLY_BASELINE_ABSENT:    in the baseline only.
 */
typedef enum tally_baseline {
	TALLY_BASELINE_NEW = 0,
	TALLY_BASELINE_UNCHANGED = 1,
	TALLY_BASELINE_UPDATED = 2,
	TALLY_BASELINE_ABSENT = 3,
} tally_baseline;

#define TALLY_BASELINE_COUNT 4

/* "new", "unchanged", "updated", "absent" (NULL for other values). */
const char *tally_sarif_baseline_name(tally_baseline b);

/**
 * enum tally_suppression - the effective status of a result's suppressions
 * (§3.27.23, §3.35.3), for a result whose "suppressions" array is not
 * empty: rejected when an entry is "rejected", else underReview when an
 * entry is "underReview", else accepted (an entry without a status is
 * accepted). Only an accepted result is suppressed.
 */
typedef enum tally_suppression {
	TALLY_SUPPRESSION_ACCEPTED = 0,
	TALLY_SUPPRESSION_UNDER_REVIEW = 1,
	TALLY_SUPPRESSION_REJECTED = 2,
} tally_suppression;

#define TALLY_SUPPRESSION_COUNT 3

/* "accepted", "underReview", "rejected" (NULL for other values). */
const char *tally_sarif_suppression_name(tally_suppression s);

/**
 * struct tally_sarif_state_counts - distinct results by state.
 * @baseline:    by result.baselineState (§3.27.24), per tally_baseline.
 * @suppression: by tally_suppression, of results with suppressions.
 * Distinct as the engine's unique count is (tally/engine.h), per state: a
 * result that comes twice with one state counts once, with two states
 * once in each. The engine's filters (tally_config min_level, path_glob)
 * do not apply: every result of a good input counts.
 */
typedef struct tally_sarif_state_counts {
	uint64_t baseline[TALLY_BASELINE_COUNT];
	uint64_t suppression[TALLY_SUPPRESSION_COUNT];
} tally_sarif_state_counts;

typedef struct tally_sarif_states tally_sarif_states;

/**
 * tally_sarif_states_create() - counts of results by state, filled by
 * the inputs read with tally_sarif_options.states pointing to it (inputs
 * that read well only; a stored input replays its states too). Results
 * are told apart by their strings, so inputs read into different engines
 * may share one.
 * @out:   receives it.
 * @alloc: memory hook, or NULL for the default.
 * Return: TALLY_OK, TALLY_EINVAL, TALLY_ENOMEM.
 * Threads: inputs read on several threads may add to it at once.
 */
int tally_sarif_states_create(tally_sarif_states **out,
    const tally_allocator *alloc);

/* The counts so far. Return: TALLY_OK, TALLY_EINVAL. Threads: any. */
int tally_sarif_states_get(tally_sarif_states *s,
    tally_sarif_state_counts *out);

/* Free @s (NULL: no-op). No read may still be adding to it. */
void tally_sarif_states_destroy(tally_sarif_states *s);

/**
 * struct tally_sarif_diff_entry - one classified result.
 * @v:        the new log's result, or the baseline's for ABSENT.
 * @state:    its class.
 * @base:     UNCHANGED, UPDATED: the matched baseline result; else zeroed.
 * @index:    the result's position in its log (reading order, from 0).
 */
typedef struct tally_sarif_diff_entry {
	tally_violation v;
	tally_baseline state;
	tally_violation base;
	uint64_t index;
} tally_sarif_diff_entry;

typedef struct tally_sarif_diff tally_sarif_diff;

/**
 * tally_sarif_diff_create() - classify a log's results against a baseline.
 * @e:        an engine: tools and strings are interned into it (ids in the
 *            entries are its ids); nothing is aggregated.
 * @baseline: the older log.
 * @current:  the newer log.
 * @opt:      reading options, or NULL.
 * @out:      receives the classification; untouched on failure.
 * @rep:      two reports (baseline, current); may be NULL.
 *
 * Results match when tool, rule and file are equal, in five passes, each
 * over what earlier passes left: (1) message, line and column equal:
 * UNCHANGED; (2) message and partialFingerprints.primaryLocationLineHash
 * equal (where both logs have it): UPDATED; (3) message equal and the pair
 * is the only one of its (tool, rule, file, message) left on either side:
 * UPDATED, however far it moved; (4) message equal, lines within 3 of each
 * other, nearest first: UPDATED; (5) same line, message changed: UPDATED.
 * The rest is NEW or ABSENT. Entries list the current log's results in order, then the
 * absent ones in baseline order: the outcome depends on the inputs only.
 * Suppression (TALLY_VIOLATION_SUPPRESSED) plays no part in matching: a
 * result that became suppressed is matched as before, and a suppressed
 * baseline result that is gone is ABSENT. A suppressed result of the
 * current log that matches nothing is never NEW: it is left out of the
 * entries and counted by tally_sarif_diff_suppressed().
 * Memory: both inputs, the classification and the entries come from @e's
 * tally_config.allocator when it has one (a copy of it: the diff may
 * outlive @e, the allocator may not), else from the default allocator.
 * Return: as tally_sarif_read_file(), for whichever input failed first.
 * Threads: any thread.
 */
int tally_sarif_diff_create(tally_engine *e, const char *baseline,
    const char *current, const tally_sarif_options *opt, tally_sarif_diff **out,
    tally_sarif_report rep[2]);

/* The entries (valid until tally_sarif_diff_destroy()); @n receives their count. */
const tally_sarif_diff_entry *tally_sarif_diff_entries(const tally_sarif_diff *d, size_t *n);

/* How many entries have class @b. */
uint64_t tally_sarif_diff_count(const tally_sarif_diff *d, tally_baseline b);

/* Suppressed results of the current log that match nothing (not entries). */
uint64_t tally_sarif_diff_suppressed(const tally_sarif_diff *d);

/* Free a classification; NULL is a no-op. */
void tally_sarif_diff_destroy(tally_sarif_diff *d);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_SARIF_H */
