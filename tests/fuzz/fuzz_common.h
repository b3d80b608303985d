/*
 * tests/fuzz/fuzz_common.h - what the libFuzzer targets share: invariant
 * checks that abort (so libFuzzer saves the input), an input cut into
 * logs, logs handed to the path-taking API as files, and a UTF-8 check of
 * every string an engine holds.
 */
#ifndef TALLY_FUZZ_COMMON_H
#define TALLY_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tally.h"

/* libFuzzer's entry points (a target defines the first, may define the
 * second), declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Abort with @what named when @ok is false: libFuzzer keeps the input. */
void fuzz_check(int ok, const char *what);

/* A one-worker engine (a finding replays the same way every time). */
tally_engine *fuzz_engine(void);

/* Flush @e and take its totals. */
tally_totals fuzz_totals(tally_engine *e);

/*
 * Cut @data at its first (@max - 1) NUL bytes into at most @max parts
 * (@part, @len). A NUL cannot stand in a JSON text, so a log never holds
 * the separator, and a plain SARIF file is a one-part input. Return: the
 * number of parts (1 when there is no NUL).
 */
size_t fuzz_split(const uint8_t *data, size_t size, const uint8_t **part,
    size_t *len, size_t max);

/*
 * A file holding @n bytes of @p, for the API that takes paths: an
 * anonymous memory file, named "/proc/self/fd/N" in @path (@cap bytes).
 * Return: its descriptor, to close when done.
 */
int fuzz_file(const void *p, size_t n, char *path, size_t cap);

/* The directory (per process, on tmpfs when there is one, removed at
 * exit) where outputs are written. */
const char *fuzz_tmpdir(void);

/* Whether @s[0..@n) is well-formed UTF-8 (no overlong forms, surrogates
 * or code points past U+10FFFF): what the SARIF reader lets through. */
bool fuzz_utf8_ok(const char *s, size_t n);

/* Abort unless every string @e holds (tools, their versions, rules, files,
 * messages) is well-formed UTF-8. */
void fuzz_check_strings(const tally_engine *e);

#endif /* TALLY_FUZZ_COMMON_H */
