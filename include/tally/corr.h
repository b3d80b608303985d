/*
 * tally/corr.h - cross-tool correlation: the same problem reported by
 * several tools becomes one cluster.
 *
 * Provided by the tally_formats library. A correlation index is fed by the
 * SARIF reader (tally_sarif_options.corr when reading into an engine, or
 * tally_sarif_merge_correlate()) and keeps one record per unique result
 * (the exact key of tally/engine.h) that has a category.
 *
 * Definitions (exact; tests/corr_test.c checks each):
 *  - Categories of a result: the CWEs and category tags of its rule
 *    (relationships[].target, properties.tags, a "CWE-n" in
 *    short/fullDescription.text) and its own (taxa[], properties.tags, a
 *    "CWE-n" in message.text). A reference is a CWE when its id contains
 *    "CWE-n", or is a number and its toolComponent.name is "CWE"; a tag is
 *    a CWE when it contains "CWE-n" ("external/cwe/cwe-476"), else a
 *    category tag. A result whose log names no CWE gets the CWE of its
 *    rule id in a built-in table of well-known rules (formats/correlate.c:
 *    cppcheck, clang analyzer, clang-tidy's clang-analyzer-*, gcc
 *    -fanalyzer), for logs whose converter dropped the CWE the tool itself
 *    documents. At most 6 categories per result are kept.
 *  - Path: the result's file (as in tally/sarif.h); when its first
 *    location has a uriBaseId that run.originalUriBaseIds defines (through
 *    nested uriBaseIds), and the file is relative, the base's uri is put
 *    in front; the path is normalised lexically (empty and "." segments
 *    dropped, "x/.." removed, never above the path's root: "/.." is "/",
 *    a relative path keeps a leading ".." it cannot resolve); then a path
 *    under tally_corr_config.root becomes relative to it.
 *  - Lines: the result's startLine, and the startLine where the first
 *    thread flow of its first code flow starts and where it ends (a tool
 *    may put the primary location at either end of a path).
 *  - Two unique results are related when their tools differ (by name),
 *    their paths are equal, they share a category, and some line of one is
 *    within @window lines of some line of the other (line 0, unknown, is
 *    never near anything). Clusters are the connected groups of related
 *    results (so a chain A~B~C is one cluster even when A and C are
 *    farther apart than the window); a result related to nothing is in no
 *    cluster.
 * Everything reported is sorted by content, so the outcome depends only on
 * the set of inputs, not on their order or on threads.
 */
#ifndef TALLY_CORR_H
#define TALLY_CORR_H

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct tally_corr_config - how to correlate. Start from
 * TALLY_CORR_CONFIG_INIT.
 * @struct_size: sizeof(tally_corr_config) as compiled by the caller.
 * @window:      lines apart that still relate (default 3).
 * @root:        a directory: paths under it are made relative to it; NULL
 *               for none. Copied at creation, normalised like a path, and
 *               also resolved with realpath() when it exists (since 0.4.0):
 *               a path under either spelling (a symlinked checkout and its
 *               target) is made relative.
 */
typedef struct tally_corr_config {
	size_t struct_size;
	uint32_t window;
	const char *root;
} tally_corr_config;

#define TALLY_CORR_CONFIG_INIT { sizeof(tally_corr_config), 3, NULL }

typedef struct tally_corr tally_corr;

/**
 * tally_corr_create() - an empty correlation index.
 * @cfg:   the configuration, or NULL for the defaults.
 * @alloc: memory hook, or NULL.
 * @out:   receives the index; untouched on failure.
 * Return: TALLY_OK, TALLY_EINVAL, TALLY_ENOMEM.
 * Threads: the readers of several threads may add to one index at once;
 * tally_corr_compute() and the queries need all adds to have returned.
 */
int tally_corr_create(const tally_corr_config *cfg,
    const tally_allocator *alloc, tally_corr **out);

/* Free an index (NULL is a no-op). */
void tally_corr_destroy(tally_corr *c);

/**
 * struct tally_corr_result - one member of a cluster. Strings are
 * NUL-terminated and live as long as the index.
 * @tool, @rule, @path, @message: as defined above (@path resolved).
 * @line, @column: its primary location.
 * @level: its level.
 */
typedef struct tally_corr_result {
	const char *tool;
	const char *rule;
	const char *path;
	const char *message;
	uint32_t line;
	uint32_t column;
	tally_level level;
} tally_corr_result;

/**
 * struct tally_corr_cluster - one cluster.
 * @path:      the file all its members are in.
 * @first_line, @last_line: the span of its members' primary lines.
 * @size:      its members (>= 2).
 * @ntools:    distinct tools among them (>= 2).
 * @tools:     their indexes into tally_corr_tools(), ascending.
 * @members:   the members, sorted by (line, tool, rule, column, message);
 *             members[0] is the representative: the first of the highest
 *             level.
 * @cwe:       the smallest CWE shared by a related pair in it, or 0 when
 *             only tags relate them.
 */
typedef struct tally_corr_cluster {
	const char *path;
	uint32_t first_line;
	uint32_t last_line;
	uint32_t size;
	uint32_t ntools;
	const uint32_t *tools;
	const tally_corr_result *members;
	uint32_t cwe;
} tally_corr_cluster;

/**
 * tally_corr_compute() - build the clusters from everything added.
 * @c: the index. Computing again after more adds replaces the result (the
 *     pointers the queries gave before become invalid).
 * Return: TALLY_OK, TALLY_ENOMEM.
 */
int tally_corr_compute(tally_corr *c);

/* The clusters, sorted by (path, first_line, representative); @n gets
 * their count. Valid until the next compute or destroy. */
const tally_corr_cluster *tally_corr_clusters(const tally_corr *c,
    size_t *n);

/**
 * tally_corr_tools() - the tools of the kept results, sorted by name; @n
 * gets the count.
 * tally_corr_agreement(c, a, b): for a != b, the clusters that hold both
 * tool a and tool b; for a == b, the clusters that hold tool a.
 * tally_corr_categorized(c, t): tool t's unique results that have a
 * category (the only ones the index keeps: no other can relate).
 */
const char *const *tally_corr_tools(const tally_corr *c, size_t *n);
uint64_t tally_corr_agreement(const tally_corr *c, size_t a, size_t b);
uint64_t tally_corr_categorized(const tally_corr *c, size_t t);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_CORR_H */
