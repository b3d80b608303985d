/*
 * engine/toolkit.h - the small machinery both libraries share (internal):
 * error details, checked size arithmetic, the hash multiplier, the JSON
 * string writer. The growable vector and the id map, which allocate, are in
 * engine/vec.h and engine/idmap.h.
 *
 * libtally and libtally_formats each hold a hidden copy of these (the
 * tally_toolkit object library), so that neither exports them. This header
 * is also read by C++ (formats/sarif_simdjson.cc through
 * formats/sarif_internal.h), so it stays free of C-only headers.
 */
#ifndef TALLY_ENGINE_TOOLKIT_H
#define TALLY_ENGINE_TOOLKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- error details (struct tally_error) ---- */

/* Clear @err (NULL is a no-op): status TALLY_OK, no offset, no message. */
void tallyi_error_clear(tally_error *err);

/*
 * Fill @err (NULL is a no-op) with @code, @off (UINT64_MAX: none) and a
 * printf-style message; a known offset is named first ("byte N: ...").
 * Return: @code, so that a failing path can `return tallyi_error_set(...)`.
 */
int tallyi_error_set(tally_error *err, int code, uint64_t off,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- checked size arithmetic ---- */

/*
 * *@out = @a * @b (or @a + @b). Return: false, *@out unspecified, when
 * the result does not fit in a size_t: a count read from input times an
 * element size must not wrap into a small allocation.
 */
static inline bool
tallyi_size_mul(size_t a, size_t b, size_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

static inline bool
tallyi_size_add(size_t a, size_t b, size_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

/* ---- hashing ---- */

/*
 * 2^64 divided by the golden ratio: Fibonacci hashing multiplies a key by
 * it so that every key bit reaches the high bits of the product, which are
 * the well-mixed ones. Odd, so the multiply is a bijection.
 */
#define TALLYI_GOLDEN64 UINT64_C(0x9E3779B97F4A7C15)

/*
 * The slot of @key in an open-addressing table of @mask + 1 (a power of
 * two up to 2^32) slots: bits 32 and up of the product, since the low bits
 * of a product depend only on the low bits of the key.
 */
static inline size_t
tallyi_hash_slot(uint64_t key, size_t mask)
{
	return (size_t)((key * TALLYI_GOLDEN64) >> 32) & mask;
}

/* ---- JSON strings ---- */

/* Where written text goes: @n bytes at @p, to @ctx. */
typedef void tallyi_put_fn(void *ctx, const char *p, size_t n);

/* A tallyi_put_fn for a FILE * (@ctx): fwrite; errors stay on the stream. */
void tallyi_put_file(void *ctx, const char *p, size_t n);

/*
 * Write @s (@n bytes, NULs included) as a JSON string, quotes and all, in
 * the one escaping every JSON output of tally uses (RFC 8259): '"' and
 * '\\' escaped by a backslash; \b \f \n \r \t for those five
 * controls (the short forms common JSON writers use); \u00XX (lowercase
 * hex) for the other controls below 0x20. Everything else, '/', DEL and
 * UTF-8 included, is copied as is: the bytes are not checked.
 */
void tallyi_json_str(tallyi_put_fn *put, void *ctx, const char *s, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_ENGINE_TOOLKIT_H */
