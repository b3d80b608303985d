/*
 * engine/vec.h - growable arrays (internal): the one growth policy of both
 * libraries.
 *
 * A tallyi_vec is an untyped array of n used and cap allocated elements
 * whose size each call names; a zeroed one is empty and owns nothing.
 * Arrays that are not a tallyi_vec (a typed pointer with its own count)
 * grow with tallyi_grow(), and a table that is rebuilt rather than copied
 * (a hash table) sizes itself with tallyi_grow_cap(). Capacities double,
 * and a size that would not fit in a size_t is refused as out of memory.
 *
 * Memory comes from a tallyi_mem (engine/alloc.h). This header names it
 * only by its tag, so that formats/sarif_internal.h, which C++ also reads,
 * can hold a tallyi_vec.
 */
#ifndef TALLY_ENGINE_VEC_H
#define TALLY_ENGINE_VEC_H

#include <stdbool.h>
#include <stddef.h>

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tallyi_mem;

typedef struct tallyi_vec {
	void *p;
	size_t n, cap;
} tallyi_vec;

/* The first capacity of a tallyi_vec. */
#define TALLYI_VEC_MIN 16

/**
 * tallyi_grow_cap() - the capacity to grow a table or array to.
 * @cap:  the current capacity (0: none yet).
 * @need: the capacity needed.
 * @min:  the first capacity, when @cap is 0.
 * @elem: the size of an element, so that the block's size is checked too.
 * @out:  the new capacity: @cap (or @min) doubled until it holds @need.
 *
 * Return: false when that capacity, or its size in bytes, overflows.
 */
bool tallyi_grow_cap(size_t cap, size_t need, size_t min, size_t elem,
    size_t *out);

/**
 * tallyi_grow() - make the array @p (*@cap elements of @elem bytes) hold
 * @need elements, keeping its contents.
 *
 * Return: the array, moved or not, with *@cap its new capacity; or NULL
 * (out of memory, or a size that overflows) with @p and *@cap as they were.
 */
void *tallyi_grow(const struct tallyi_mem *mem, void *p, size_t *cap,
    size_t need, size_t min, size_t elem);

/* Let @v hold @need elements. Return: TALLY_OK or TALLY_ENOMEM. */
int tallyi_vec_reserve(const struct tallyi_mem *mem, tallyi_vec *v,
    size_t need, size_t elem);

/*
 * Append the @n bytes at @p (NULL when @n is 0) to @v, a vector of bytes.
 * Return: false when out of memory (@v as it was).
 */
bool tallyi_vec_append(const struct tallyi_mem *mem, tallyi_vec *v,
    const void *p, size_t n);

/*
 * Append an element to @v. Return: the new element (not initialised), or
 * NULL when out of memory. The test is inline: pushes are per result.
 */
static inline void *
tallyi_vec_push(const struct tallyi_mem *mem, tallyi_vec *v, size_t elem)
{
	if (v->n == v->cap &&
	    tallyi_vec_reserve(mem, v, v->n + 1, elem) != TALLY_OK)
		return NULL;
	return (char *)v->p + elem * v->n++;
}

/* Free @v's memory and empty it. */
void tallyi_vec_free(const struct tallyi_mem *mem, tallyi_vec *v,
    size_t elem);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_ENGINE_VEC_H */
