/*
 * bench/je_shim.c - jemalloc's mallocx/sdallocx for the detector bench,
 * from a private static copy (libjemalloc_pic.a, its symbols hidden by
 * --exclude-libs), as libtally links it: the bench's own malloc stays the
 * C library's, and Debian's shared libjemalloc cannot be dlopen()ed (it
 * needs static TLS).
 */
#include <stddef.h>

#include <jemalloc/jemalloc.h>

void *bench_je_mallocx(size_t size, int flags);
void bench_je_sdallocx(void *p, size_t size, int flags);

void *
bench_je_mallocx(size_t size, int flags)
{
	return mallocx(size, flags);
}

void
bench_je_sdallocx(void *p, size_t size, int flags)
{
	sdallocx(p, size, flags);
}
