/*
 * tally/common.h - status codes, the allocator hook, levels and versions.
 *
 * Everything here is plain C11 with no dependency headers, so it compiles in
 * any C or C++ translation unit (tests/header_cxx_test.cpp proves it).
 */
#ifndef TALLY_COMMON_H
#define TALLY_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Versions. While the major version is 0, a minor version may break the
 * API and the ABI (CHANGELOG.md says how); the shared libraries' soname
 * carries the minor version, so a program never loads one it was not built
 * for. Config structs start with their struct_size (set by their *_INIT
 * macro), so a later version can add fields at the end and still take a
 * caller's older struct. Every field and function of this API has been
 * there since 0.2.0, its first release; one added later says "(since X.Y)".
 */
#define TALLY_VERSION_MAJOR 0
#define TALLY_VERSION_MINOR 8
#define TALLY_VERSION_PATCH 0
#define TALLY_VERSION_STRING "0.8.0"

/**
 * tally_version() - the library's version string, e.g. "0.8.0".
 *
 * Return: a static string; never NULL, never freed.
 * Threads: any thread, any time.
 */
const char *tally_version(void);

/**
 * tally_kernels_active() - the instruction set the engine's kernels use.
 *
 * Chosen once per process: the best of AVX-512, AVX2 and scalar that both
 * the CPU (CPUID) and the OS (XGETBV) support, unless the environment
 * variable TALLY_ISA names another supported one (scalar, avx2, avx512).
 * Return: "scalar", "avx2" or "avx512"; a static string.
 * Threads: any thread, any time.
 */
const char *tally_kernels_active(void);

/*
 * Status codes. Every function that can fail returns an int: 0 on success or
 * one of the negative codes below. A code's family is its low byte of the
 * magnitude: TALLY_EPARSE_TRUNCATED is -(8 | 2 << 8), and
 * tally_status_family() maps it back to TALLY_EPARSE. Callers that only care
 * about the family compare tally_status_family(rc) against the family code.
 * New codes, and new sub-codes of a family, may be added in later versions.
 */
enum tally_status {
	TALLY_OK = 0,
	TALLY_EINVAL = -1,  /* invalid argument */
	TALLY_ENOMEM = -2,  /* the allocator returned NULL */
	TALLY_EAGAIN = -3,  /* would wait: backpressure in non-blocking mode */
	TALLY_EFULL = -4,   /* the batch is full; submit it and acquire another */
	TALLY_ERANGE = -5,  /* an id or value outside what the engine knows */
	TALLY_ESTATE = -6,  /* the engine is failed or shutting down */
	TALLY_EIO = -7,     /* an input could not be opened or read */
	TALLY_EPARSE = -8,  /* the input is not well-formed JSON */
	TALLY_EFORMAT = -9, /* well-formed JSON, but not a SARIF 2.1.0 log */
	TALLY_ECANCELED = -10, /* the task group was cancelled */
	TALLY_ETIMEDOUT = -11, /* the wait ran out of time */
	TALLY_ENOTFOUND = -12, /* no such entry (a cache miss) */

	/* Sub-codes. Their family is the code named in the prefix. */
	TALLY_EIO_NOENT = -(7 | 1 << 8),        /* no such file */
	TALLY_EIO_ISDIR = -(7 | 2 << 8),        /* a directory */
	TALLY_EIO_TOOBIG = -(7 | 3 << 8),       /* over the size limit */
	TALLY_EIO_CHANGED = -(7 | 4 << 8),      /* changed while read */
	TALLY_EIO_NOTREG = -(7 | 5 << 8),       /* not a regular file */
	TALLY_EPARSE_EMPTY = -(8 | 1 << 8),     /* empty input */
	TALLY_EPARSE_TRUNCATED = -(8 | 2 << 8), /* ends mid-value */
	TALLY_EPARSE_UTF8 = -(8 | 3 << 8),      /* invalid UTF-8 */
	TALLY_EFORMAT_VERSION = -(9 | 1 << 8),  /* not version 2.1.0 */
	TALLY_EFORMAT_TYPE = -(9 | 2 << 8),     /* field of wrong type */
	TALLY_EFORMAT_MISSING = -(9 | 3 << 8),  /* required field absent */
	TALLY_EFORMAT_VALUE = -(9 | 4 << 8),    /* value out of range */
};

/**
 * tally_strerror() - a short English description of a status code.
 * @code: any value returned by a tally function.
 *
 * Return: a static string; never NULL ("unknown error" for codes this
 * version does not know).
 * Threads: any thread, any time.
 */
const char *tally_strerror(int code);

/**
 * tally_status_family() - the family of a status code.
 * @code: any status code.
 *
 * Return: @code with its sub-code removed (TALLY_EPARSE for
 * TALLY_EPARSE_TRUNCATED); 0 and the family codes map to themselves.
 * Threads: any thread, any time.
 */
int tally_status_family(int code);

#define TALLY_ERROR_MAX 512

/**
 * struct tally_error - the details of a failure. A status code says what
 * kind of failure it was; where a function can say more (which byte of an
 * input, which file, what was expected), it fills one of these, and that
 * is the only way details travel: no function sets errno for its caller or
 * keeps a message elsewhere. A function that fills one takes it as its
 * last parameter, which may be NULL.
 * @status:  TALLY_OK or the error code (the function's return value).
 * @offset:  byte offset in the input where the error was found, or
 *           UINT64_MAX when it has no position.
 * @message: "" on success, else a NUL-terminated English sentence saying
 *           what went wrong and, for bad input, what was expected.
 */
typedef struct tally_error {
	int status;
	uint64_t offset;
	char message[TALLY_ERROR_MAX];
} tally_error;

/**
 * struct tally_allocator - the memory hook every tally allocation goes through.
 * @alloc: returns @size bytes aligned to @align (a power of two, at most
 *         4096), or NULL. Called from any engine thread concurrently.
 * @free:  releases a block returned by @alloc; @size is the size that was
 *         asked for. @p is never NULL.
 * @state: passed back unchanged to both functions.
 *
 * The default (a NULL allocator in the config) is jemalloc's mallocx() and
 * sdallocx() on an arena private to each engine; the host's malloc is never
 * replaced. The hook is also the fault-injection point for out-of-memory tests.
 */
typedef struct tally_allocator {
	void *(*alloc)(void *state, size_t size, size_t align);
	void (*free)(void *state, void *p, size_t size);
	void *state;
} tally_allocator;

/**
 * enum tally_level - SARIF result levels, in increasing severity.
 *
 * The numeric order is the severity order: a "level at or above" test is a
 * plain comparison.
 */
typedef enum tally_level {
	TALLY_LEVEL_NONE = 0,
	TALLY_LEVEL_NOTE = 1,
	TALLY_LEVEL_WARNING = 2,
	TALLY_LEVEL_ERROR = 3,
} tally_level;

#define TALLY_LEVEL_COUNT 4

/**
 * tally_level_name() - the SARIF spelling of a level ("none", "note", ...).
 * @level: a tally_level.
 *
 * Return: a static string, or NULL when @level is not a level.
 * Threads: any thread, any time.
 */
const char *tally_level_name(tally_level level);

/**
 * tally_level_parse() - the level a SARIF spelling names.
 * @s:   the spelling, not necessarily NUL-terminated.
 * @len: its length in bytes.
 * @out: receives the level on success.
 *
 * Return: TALLY_OK, or TALLY_EINVAL when @s is not one of "none", "note",
 * "warning", "error" (exact, case-sensitive, as in SARIF 2.1.0).
 * Threads: any thread, any time.
 */
int tally_level_parse(const char *s, size_t len, tally_level *out);

/* The id that stands for "no id" wherever a field does not apply. */
#define TALLY_ID_NONE UINT32_MAX

#ifdef __cplusplus
}
#endif

#endif /* TALLY_COMMON_H */
