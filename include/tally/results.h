/*
 * tally/results.h - stored results: violations packed with their strings
 * into a blob that does not depend on any engine's ids, and replayed into
 * an engine later (in another process, another run). With a cache keyed by
 * the content hash of what was analysed (tally/cache.h), an analyzer skips
 * what has not changed: look the hash up, replay the blob on a hit;
 * analyse, pack and store on a miss. tally_sarif_options.cache does this
 * for SARIF inputs.
 *
 * Provided by libtally.
 */
#ifndef TALLY_RESULTS_H
#define TALLY_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "tally/common.h"
#include "tally/batch.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * tally_results_pack() - pack violations of @e with their strings.
 * @e:    the engine whose ids @v uses.
 * @v:    the violations, @n of them (@v may be NULL when @n is 0).
 * @blob: receives the blob, allocated from @e's allocator; free it with
 *        tally_results_free().
 * @len:  receives its length.
 * Layout (native byte order; tally_results_replay() rejects a blob of the
 * other order by its magic): a header with the magic "TLR2" (since 0.3;
 * 0.2's "TLR1" had no flags), the count of each kind of string and of
 * rows; each string used, once (a tool with its version); then the rows as
 * columns of indexes into those strings, lines, columns, offsets, levels
 * and flags: 34 bytes a row plus the strings. Strings are packed as the
 * engine holds them; one that is not UTF-8 (the engine does not check)
 * makes a blob that tally_results_replay() refuses.
 * Return: TALLY_OK; TALLY_EINVAL; TALLY_ERANGE (an id @e never handed out,
 * or a row tally_batch_append() would refuse: a level that is not one,
 * unknown flags, an offset of 2^63 or more); TALLY_ENOMEM.
 * Threads: any, concurrently with everything but destroy.
 */
int tally_results_pack(tally_engine *e, const tally_violation *v, size_t n,
    void **blob, size_t *len);

/* Free a blob from tally_results_pack() (NULL is a no-op). */
void tally_results_free(tally_engine *e, void *blob, size_t len);

/**
 * tally_results_replay() - intern a blob's strings into @e and submit its
 * violations, in order, as if they had been appended and submitted again.
 * @e:     the engine.
 * @blob:  the blob (any alignment), @len bytes; read during the call only.
 * @count: receives the number of violations submitted (may be NULL).
 * Each violation keeps its flags (a suppressed one is replayed
 * suppressed). The whole blob is checked before anything is interned or
 * submitted: a blob that is not one (bad magic, a 0.2 "TLR1" pack included,
 * lengths that do not add up to @len, a string that is not well-formed
 * UTF-8 or is 2^32 - 1 bytes long, an index past its strings, a level out
 * of range, unknown flags, an offset of 2^63 or more) adds nothing. A blob
 * is checked as input, not trusted: it holds only what reading a log
 * could have given (since 0.4.0, strings included).
 * Every batch is acquired and filled before the first is submitted, so
 * on TALLY_ENOMEM too nothing is added (strings may have been interned).
 * Return: TALLY_OK; TALLY_EINVAL; TALLY_EFORMAT (not a valid blob);
 * TALLY_ENOMEM; TALLY_ESTATE (the engine failed, before or while the
 * batches were submitted).
 * Threads: any, concurrently with every other call but destroy.
 */
int tally_results_replay(tally_engine *e, const void *blob, size_t len,
    uint64_t *count);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_RESULTS_H */
