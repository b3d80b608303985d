/*
 * tally/linehash.h - GitHub's primaryLocationLineHash of source lines
 * (SARIF partialFingerprints), computed from a file's text.
 *
 * Provided by the tally_formats library. The definition is the one GitHub
 * code scanning uses (and the SARIF Multitool's rewrite --insert
 * RollingHashPartialFingerprints): see formats/linehash.c.
 */
#ifndef TALLY_LINEHASH_H
#define TALLY_LINEHASH_H

#include <stddef.h>
#include <stdint.h>

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct tally_linehash - GitHub's primaryLocationLineHash of one line.
 * @hash: the rolling hash of the 100 non-blank characters from the line on.
 * @n:    how many lines up to and including this one have @hash (from 1).
 */
typedef struct tally_linehash {
	uint64_t hash;
	uint32_t n;
} tally_linehash;

/**
 * tally_linehash_compute() - the primaryLocationLineHash of every line of
 * a text.
 * @text:  the source file's bytes (UTF-8; invalid bytes count as U+FFFD).
 * @len:   their number.
 * @out:   room for @cap lines: out[k] is line k + 1.
 * @cap:   its length; lines past it are computed but not stored.
 * @lines: receives the number of lines. A text that ends with a line feed
 *         has one more, empty, line at its end.
 * @alloc: memory hook for the working memory (a sort of the stored lines),
 *         or NULL for the default.
 * Return: TALLY_OK; TALLY_EINVAL (@out NULL with @cap > 0, @lines NULL, a
 * bad hook); TALLY_ENOMEM (@out and *@lines are then unspecified).
 * Threads: any.
 */
int tally_linehash_compute(const void *text, size_t len, tally_linehash *out,
    size_t cap, size_t *lines, const tally_allocator *alloc);

/**
 * tally_linehash_format() - write "<hash in hex>:<n>", as SARIF's
 * partialFingerprints.primaryLocationLineHash holds it.
 * @h:    the line's hash.
 * @buf:  where to write (NUL-terminated).
 * @size: its size; 32 is always enough.
 * @len:  receives the length written (without the NUL), or NULL.
 * Return: TALLY_OK, or TALLY_ERANGE when @size is too small (nothing
 * written).
 * Threads: any.
 */
int tally_linehash_format(tally_linehash h, char *buf, size_t size,
    size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_LINEHASH_H */
