/*
 * engine/alloc.h - the memory hook every engine allocation goes through
 * (internal).
 *
 * The allocator is injectable, receives the size on free,
 * and is the fault-injection point for out-of-memory tests. The default is
 * jemalloc's mallocx()/sdallocx() on an arena private to the owner (one per
 * engine or merge), so tally never replaces or shares the host's malloc and
 * two engines never share allocator state. Builds for the sanitizers use the
 * C library instead (TALLY_DEFAULT_ALLOCATOR=libc), since ASan and TSan see
 * only what goes through malloc.
 */
#ifndef TALLY_ENGINE_ALLOC_H
#define TALLY_ENGINE_ALLOC_H

#include <stdlib.h>
#include <string.h>

#include "tally/common.h"
#include "engine/cc.h"

typedef struct tallyi_mem {
	tally_allocator a;
	unsigned arena;   /* jemalloc arena index of the default allocator */
	bool own_arena;   /* created by tallyi_mem_init(), destroyed at fini */
} tallyi_mem;

/**
 * tallyi_mem_init() - set up @m from a user allocator, or the default.
 * @m:    the memory hook to fill (a plain value: it may be copied).
 * @user: the caller's allocator (copied), or NULL.
 *
 * Return: TALLY_OK, or TALLY_ENOMEM when no arena could be created.
 */
int tallyi_mem_init(tallyi_mem *m, const tally_allocator *user);

/* Release the private arena, if any. Every block must be freed first. */
void tallyi_mem_fini(tallyi_mem *m);

/*
 * The C library's allocator behind the hook: the default of sanitizer
 * builds, and what tests and benches that drive one module on its own
 * use (const tallyi_mem m = TALLYI_MEM_LIBC).
 */
TALLY_CC_INLINE void *
tallyi_libc_alloc(void *state, size_t size, size_t align)
{
	void *p = NULL;

	(void)state;
	if (align < sizeof(void *))
		align = sizeof(void *);
	return posix_memalign(&p, align, size) == 0 ? p : NULL;
}

TALLY_CC_INLINE void
tallyi_libc_free(void *state, void *p, size_t size)
{
	(void)state, (void)size;
	free(p);
}

#define TALLYI_MEM_LIBC \
	{ { tallyi_libc_alloc, tallyi_libc_free, NULL }, 0, false }

/*
 * Every engine block is cache-line aligned: no two blocks share a line, so
 * threads writing different blocks never contend for one; and one
 * alignment for all blocks lets the default allocator pass the same flags
 * to sdallocx() that it passed to mallocx().
 */
TALLY_CC_INLINE void *
tallyi_alloc(const tallyi_mem *m, size_t size)
{
	return m->a.alloc(m->a.state, size ? size : 1, TALLY_CACHELINE);
}

TALLY_CC_INLINE void
tallyi_free(const tallyi_mem *m, void *p, size_t size)
{
	if (p == NULL)
		return;
	if (tallyi_config_debug)
		memset(p, 0xa5, size); /* trash freed memory */
	m->a.free(m->a.state, p, size ? size : 1);
}

TALLY_CC_INLINE void *
tallyi_zalloc(const tallyi_mem *m, size_t size)
{
	void *p = tallyi_alloc(m, size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

/*
 * Grow (or shrink) a block by allocate-copy-free; @p may be NULL. On
 * failure NULL is returned and @p is left as it was. Defined with the
 * growable arrays (engine/vec.c) that build on it.
 */
void *tallyi_realloc(const tallyi_mem *m, void *p, size_t old_size,
    size_t new_size);

/*
 * An object that owns its memory hook: @size zeroed bytes whose first
 * member is the tallyi_mem, set up from @user (NULL: the default). Return:
 * the object, or NULL with *@rc set (TALLY_ENOMEM, or mem_init's error).
 * tallyi_owner_free() frees it and finishes the hook, last.
 */
void *tallyi_owner_new(const tally_allocator *user, size_t size, int *rc);
void tallyi_owner_free(void *obj, size_t size);

#endif /* TALLY_ENGINE_ALLOC_H */
