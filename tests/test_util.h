/*
 * tests/test_util.h - helpers shared by the Criterion suites.
 *
 * Criterion runs each parameterised test in a new process image (BoxFort
 * re-executes the binary), so pointers inside parameters must point to
 * memory shared with that process: cr_malloc()ed, not string literals in a
 * static array (their addresses move with ASLR).
 */
#ifndef TALLY_TEST_UTIL_H
#define TALLY_TEST_UTIL_H

#include <criterion/alloc.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A copy of @s (which may hold NULs: @len bytes plus a NUL) in shared memory. */
static inline char *
shared_strndup(const char *s, size_t len)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = cr_malloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static inline char *
shared_strdup(const char *s)
{
	return s == NULL ? NULL : shared_strndup(s, strlen(s));
}

/* Copy @n structs of @size bytes into shared memory. */
static inline void *
shared_array(const void *a, size_t n, size_t size)
{
	void *p = cr_malloc(n * size);

	memcpy(p, a, n * size);
	return p;
}

/* The whole file, NUL-terminated (free() it); its length in *@len. */
static inline char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	cr_assert(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert(fread(buf, 1, (size_t)n, f) == (size_t)n, "%s", path);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/*
 * Warnings as a tally_sarif_options.warning callback saw them: all are
 * counted, the first SEEN_MAX kept (a reader delivers at most 101 per
 * input), each cut to 255 bytes.
 */
#define SEEN_MAX 128

typedef struct warnings_seen {
	size_t n;
	uint64_t off[SEEN_MAX];
	char msg[SEEN_MAX][256];
} warnings_seen;

static inline void
warnings_collect(void *arg, uint64_t offset, const char *message)
{
	warnings_seen *w = arg;

	if (w->n < SEEN_MAX) {
		w->off[w->n] = offset;
		snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", message);
	}
	w->n++;
}

/*
 * A thread-safe counting allocator (the engine allocates from its workers
 * too) that remembers each block's size, so a free with the wrong size or of
 * an unknown block fails the test.
 */
typedef struct block {
	void *p;
	size_t size;
	struct block *next;
} block;

typedef struct counting {
	pthread_mutex_t lock;
	long allocs, frees, fail_at; /* fail the fail_at-th alloc (1-based) */
	long bad_frees;
	size_t live_bytes;
	block *live;
} counting;

#define COUNTING_INIT(fail) { PTHREAD_MUTEX_INITIALIZER, 0, 0, (fail), 0, 0, \
	NULL }

static inline void *
c_alloc(void *state, size_t size, size_t align)
{
	counting *c = state;
	void *p = NULL;
	block *b;

	pthread_mutex_lock(&c->lock);
	if (++c->allocs == c->fail_at || (align & (align - 1)) != 0 ||
	    posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align,
	    size) != 0) {
		pthread_mutex_unlock(&c->lock);
		return NULL;
	}
	b = malloc(sizeof(*b));
	*b = (block){ p, size, c->live };
	c->live = b;
	c->live_bytes += size;
	pthread_mutex_unlock(&c->lock);
	return p;
}

static inline void
c_free(void *state, void *p, size_t size)
{
	counting *c = state;
	block **bp;

	pthread_mutex_lock(&c->lock);
	c->frees++;
	for (bp = &c->live; *bp != NULL && (*bp)->p != p; bp = &(*bp)->next)
		;
	if (*bp == NULL || (*bp)->size != size) {
		c->bad_frees++;
	} else {
		block *b = *bp;

		*bp = b->next;
		c->live_bytes -= size;
		free(b);
	}
	pthread_mutex_unlock(&c->lock);
	free(p);
}

#endif /* TALLY_TEST_UTIL_H */
