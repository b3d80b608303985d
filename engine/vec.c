/*
 * engine/vec.c - the out-of-line parts of engine/vec.h, and block
 * reallocation (tallyi_realloc(), declared in engine/alloc.h), which the
 * growth here is built on.
 */
#include "engine/vec.h"

#include <string.h>

#include "engine/alloc.h"
#include "engine/toolkit.h"

/*
 * Here rather than in engine/alloc.c: it only goes through the hook, and
 * alloc.c is compiled once per library with that library's default
 * allocator, while this is shared machinery (tally_toolkit).
 */
void *
tallyi_realloc(const tallyi_mem *m, void *p, size_t old_size, size_t new_size)
{
	void *q = tallyi_alloc(m, new_size);

	if (q == NULL)
		return NULL;
	if (p != NULL) {
		memcpy(q, p, old_size < new_size ? old_size : new_size);
		tallyi_free(m, p, old_size);
	}
	return q;
}

bool
tallyi_grow_cap(size_t cap, size_t need, size_t min, size_t elem,
    size_t *out)
{
	size_t bytes;

	cap = cap != 0 ? cap : min != 0 ? min : 1;
	while (cap < need)
		if (!tallyi_size_mul(cap, 2, &cap))
			return false;
	if (!tallyi_size_mul(cap, elem, &bytes))
		return false;
	*out = cap;
	return true;
}

void *
tallyi_grow(const tallyi_mem *mem, void *p, size_t *cap, size_t need,
    size_t min, size_t elem)
{
	size_t nc;

	if (need <= *cap && p != NULL)
		return p;
	if (!tallyi_grow_cap(*cap, need, min, elem, &nc))
		return NULL;
	if ((p = tallyi_realloc(mem, p, *cap * elem, nc * elem)) != NULL)
		*cap = nc;
	return p;
}

int
tallyi_vec_reserve(const tallyi_mem *mem, tallyi_vec *v, size_t need,
    size_t elem)
{
	void *p;

	if (need <= v->cap)
		return TALLY_OK;
	p = tallyi_grow(mem, v->p, &v->cap, need, TALLYI_VEC_MIN, elem);
	if (p == NULL)
		return TALLY_ENOMEM;
	v->p = p;
	return TALLY_OK;
}

bool
tallyi_vec_append(const tallyi_mem *mem, tallyi_vec *v, const void *p,
    size_t n)
{
	if (n == 0) /* @p may be NULL (an empty vector's) */
		return true;
	if (tallyi_vec_reserve(mem, v, v->n + n, 1) != TALLY_OK)
		return false;
	memcpy((char *)v->p + v->n, p, n);
	v->n += n;
	return true;
}

void
tallyi_vec_free(const tallyi_mem *mem, tallyi_vec *v, size_t elem)
{
	tallyi_free(mem, v->p, v->cap * elem);
	v->p = NULL;
	v->n = v->cap = 0;
}
