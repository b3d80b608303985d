/*
 * tests/fuzz/fuzz_common.c - helpers of the libFuzzer targets
 * (fuzz_common.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"

void
fuzz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz: invariant broken: %s\n", what);
		abort();
	}
}

tally_engine *
fuzz_engine(void)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *e = NULL;

	cfg.workers = 1;
	fuzz_check(tally_engine_create(&e, &cfg) == TALLY_OK, "engine create");
	return e;
}

tally_totals
fuzz_totals(tally_engine *e)
{
	tally_snapshot *s = NULL;
	tally_totals t;

	fuzz_check(tally_engine_flush(e) == TALLY_OK, "flush");
	fuzz_check(tally_snapshot_acquire(e, &s) == TALLY_OK, "snapshot");
	tally_snapshot_totals(s, &t);
	tally_snapshot_release(s);
	return t;
}

size_t
fuzz_split(const uint8_t *data, size_t size, const uint8_t **part,
    size_t *len, size_t max)
{
	size_t n = 0;

	for (;;) {
		const uint8_t *nul = n + 1 < max && size != 0 ?
		    memchr(data, 0, size) : NULL;

		part[n] = data;
		len[n] = nul != NULL ? (size_t)(nul - data) : size;
		n++;
		if (nul == NULL)
			return n;
		size -= len[n - 1] + 1;
		data = nul + 1;
	}
}

int
fuzz_file(const void *p, size_t n, char *path, size_t cap)
{
	int fd = memfd_create("fuzz", 0);

	fuzz_check(fd >= 0, "memfd_create");
	fuzz_check(n == 0 || write(fd, p, n) == (ssize_t)n, "memfd write");
	snprintf(path, cap, "/proc/self/fd/%d", fd);
	return fd;
}

static char tmpdir[64];

static void
tmpdir_remove(void)
{
	(void)rmdir(tmpdir);
}

const char *
fuzz_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		/* tmpfs: a writer's fsync costs nothing there */
		snprintf(tmpdir, sizeof(tmpdir), "%s/tally-fuzz-XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		fuzz_check(mkdtemp(tmpdir) != NULL, "mkdtemp");
		atexit(tmpdir_remove);
	}
	return tmpdir;
}

bool
fuzz_utf8_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		unsigned c = *p++, lo = 0x80, hi = 0xbf;
		size_t more;

		if (c < 0x80)
			continue;
		if (c < 0xc2 || c > 0xf4)
			return false;
		more = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
		/* the second byte's range excludes overlongs, surrogates and
		 * code points past U+10FFFF (Unicode table 3-7) */
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if ((size_t)(end - p) < more || *p < lo || *p > hi)
			return false;
		for (p++; --more != 0; p++)
			if (*p < 0x80 || *p > 0xbf)
				return false;
	}
	return true;
}

void
fuzz_check_strings(const tally_engine *e)
{
	for (int k = 0; k < TALLY_STR_KIND_COUNT; k++) {
		uint32_t n = tally_engine_string_count(e, (tally_strkind)k);

		for (uint32_t id = 0; id < n; id++) {
			size_t len = 0;
			const char *s = tally_engine_string_lookup(e,
			    (tally_strkind)k, id, &len);

			fuzz_check(s != NULL, "every id below the count is known");
			fuzz_check(fuzz_utf8_ok(s, len),
			    "the engine holds only valid UTF-8");
			if (k != TALLY_STR_TOOL)
				continue;
			s = tally_engine_tool_version(e, id, &len);
			fuzz_check(s != NULL && fuzz_utf8_ok(s, len),
			    "a tool version is valid UTF-8");
		}
	}
}
