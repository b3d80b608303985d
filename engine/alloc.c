/*
 * engine/alloc.c - default allocators.
 */
#include "engine/alloc.h"

#include <stdio.h>
#include <stdlib.h>

#if TALLY_USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#if TALLY_USE_JEMALLOC
/* The default allocator's state is the arena index itself. */
static void *
jemalloc_alloc(void *state, size_t size, size_t align)
{
	unsigned arena = (unsigned)(uintptr_t)state;

	return mallocx(size, MALLOCX_ALIGN(align) | MALLOCX_ARENA(arena) |
	    MALLOCX_TCACHE_NONE);
}

static void
jemalloc_free(void *state, void *p, size_t size)
{
	/*
	 * sdallocx() must see the flags that decided the size class, and the
	 * alignment is one of them: every engine block is asked for with
	 * TALLY_CACHELINE alignment (tallyi_alloc), so that is what we pass.
	 */
	(void)state;
	sdallocx(p, size, MALLOCX_ALIGN(TALLY_CACHELINE) | MALLOCX_TCACHE_NONE);
}
#endif

int
tallyi_mem_init(tallyi_mem *m, const tally_allocator *user)
{
	memset(m, 0, sizeof(*m));
	if (user != NULL) {
		if (user->alloc == NULL || user->free == NULL)
			return TALLY_EINVAL;
		m->a = *user;
		return TALLY_OK;
	}
#if TALLY_USE_JEMALLOC
	{
		unsigned ind;
		size_t sz = sizeof(ind);

		if (mallctl("arenas.create", &ind, &sz, NULL, 0) != 0)
			return TALLY_ENOMEM;
		m->arena = ind;
		m->own_arena = true;
		m->a.alloc = jemalloc_alloc;
		m->a.free = jemalloc_free;
		m->a.state = (void *)(uintptr_t)ind;
		return TALLY_OK;
	}
#else
	m->a.alloc = tallyi_libc_alloc;
	m->a.free = tallyi_libc_free;
	m->a.state = NULL;
	return TALLY_OK;
#endif
}

void
tallyi_mem_fini(tallyi_mem *m)
{
#if TALLY_USE_JEMALLOC
	if (m->own_arena) {
		char name[64];

		snprintf(name, sizeof(name), "arena.%u.destroy", m->arena);
		(void)mallctl(name, NULL, NULL, NULL, 0);
		m->own_arena = false;
	}
#else
	(void)m;
#endif
}

void *
tallyi_owner_new(const tally_allocator *user, size_t size, int *rc)
{
	tallyi_mem mem;
	void *obj;

	if ((*rc = tallyi_mem_init(&mem, user)) != TALLY_OK)
		return NULL;
	if ((obj = tallyi_zalloc(&mem, size)) == NULL) {
		tallyi_mem_fini(&mem);
		*rc = TALLY_ENOMEM;
		return NULL;
	}
	memcpy(obj, &mem, sizeof(mem));
	return obj;
}

void
tallyi_owner_free(void *obj, size_t size)
{
	tallyi_mem mem;

	if (obj == NULL)
		return;
	memcpy(&mem, obj, sizeof(mem));
	tallyi_free(&mem, obj, size);
	tallyi_mem_fini(&mem);
}
