/*
 * formats/sarif_input.c - getting an input's bytes into memory.
 *
 * Every input is read (read(2)) into a buffer the reader owns, never
 * mapped: a mapped file that another process truncates turns the reader's
 * next touch of a page past the new end into SIGBUS, and a library has no
 * business installing a signal handler in its host. Owning the bytes also
 * makes the bytes hashed for the cache key, the bytes parsed and the bytes
 * a merge copies one and the same.
 *
 * A regular file is read whole into a buffer sized from fstat(), refused
 * first when it is over the size limit. It is then checked not to have
 * changed while it was read: a short read (it shrank), bytes past the size
 * (it grew), or a size, modification or change time that differ from the
 * first fstat() make it TALLY_EIO_CHANGED; what the reader would parse is
 * then a mix of two versions.
 *
 * Anything else (a pipe, standard input, a device, or a regular file that
 * reports size 0, as /proc's do) is read in chunks into a growing buffer,
 * refused as soon as it passes the size limit. What has arrived is checked
 * by the JSON scanner as it comes (after the first read, then each time the
 * input has grown sixteenfold): a stream that cannot be a JSON log, such as
 * /dev/zero or /dev/urandom, fails at its first bad byte with the message
 * the reader would give, instead of being buffered up to the limit.
 *
 * A regular file larger than TALLYI_WINDOW can instead be read through a
 * window, for the summary's reader, which keeps nothing of the input but
 * ids: a fixed buffer of TALLYI_WINDOW bytes that the reader slides along
 * the file, between elements of a run's arrays. Reading a file whole costs
 * a buffer of its size: pages the kernel must find and zero, then a copy
 * that leaves the start of a large file out of the cache by the time it is
 * parsed. A window reuses the same pages, and parses what read(2) has just
 * brought into the cache. The same checks hold: the file must end at the
 * size it had when opened (no sooner, no later) and keep its times. A
 * window cannot go back: a reader whose windowed read fails reads the file
 * again whole (tallyi_input_rewind_whole()), which reports the error.
 *
 * simdjson may read up to TALLYI_JSON_PADDING bytes past a document's end:
 * every buffer has that many zero bytes after the input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/alloc.h"
#include "engine/vec.h"
#include "formats/json_scan.h"
#include "formats/native.h"
#include "formats/sarif_internal.h"

/* The most one read(2) of a stream asks for. */
#define STREAM_CHUNK (1u << 20)

/* A stream is first checked after this much (or its first read). */
#define CHECK_FIRST (64u << 10)

void
tallyi_input_wrap(tallyi_input *in, const void *buf, size_t len)
{
	memset(in, 0, sizeof(*in));
	in->buf = len ? buf : "";
	in->len = len;
	in->size = len;
	in->fd = -1;
}

static int
too_big(tally_sarif_report *rep, uint64_t size, uint64_t max)
{
	if (size == UINT64_MAX)
		tallyi_report_error(rep, TALLY_EIO_TOOBIG, max,
		    "larger than the limit of %llu bytes (max_input_bytes)",
		    (unsigned long long)max);
	else
		tallyi_report_error(rep, TALLY_EIO_TOOBIG, UINT64_MAX,
		    "%llu bytes, over the limit of %llu bytes "
		    "(max_input_bytes)", (unsigned long long)size,
		    (unsigned long long)max);
	return TALLY_EIO_TOOBIG;
}

static int
read_error(tally_sarif_report *rep, size_t at, int e)
{
	tallyi_report_error(rep, TALLY_EIO, at, "read error at byte %zu: %s",
	    at, strerror(e));
	return TALLY_EIO;
}

static int
nomem(tally_sarif_report *rep, uint64_t size)
{
	tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
	    "out of memory reading %llu bytes", (unsigned long long)size);
	return TALLY_ENOMEM;
}

void
tallyi_input_replace(tallyi_input *in, char *buf, size_t cap, size_t len)
{
	if (in->own != NULL)
		tallyi_free(in->mem, in->own, in->own_cap);
	memset(buf + len, 0, TALLYI_JSON_PADDING);
	in->own = buf;
	in->own_cap = cap;
	in->buf = buf;
	in->len = len;
	in->pad = TALLYI_JSON_PADDING;
	in->base = 0;
	in->size = len;
}

/* @in holds the @len bytes read into @buf (of @cap, padding included). */
static int
own(tallyi_input *in, char *buf, size_t cap, size_t len)
{
	tallyi_input_replace(in, buf, cap, len);
	return TALLY_OK;
}

/*
 * The file was expected to be @size bytes and @got were read (@more: and
 * there was more), or (@got == @size, !@more) it was modified meanwhile.
 */
static int
changed(tally_sarif_report *rep, uint64_t size, uint64_t got, bool more)
{
	tallyi_report_error(rep, TALLY_EIO_CHANGED, got < size ? got :
	    UINT64_MAX, "changed while it was read (%llu bytes expected, "
	    "%llu%s read%s)", (unsigned long long)size,
	    (unsigned long long)got, more ? " or more" : "",
	    got == size && !more ? "; modified meanwhile" : "");
	return TALLY_EIO_CHANGED;
}

/* What of a file's fstat() tells that it changed: size, mtime, ctime. */
static void
stat_keep(int64_t keep[5], const struct stat *st)
{
	keep[0] = (int64_t)st->st_size;
	keep[1] = (int64_t)st->st_mtim.tv_sec;
	keep[2] = (int64_t)st->st_mtim.tv_nsec;
	keep[3] = (int64_t)st->st_ctim.tv_sec;
	keep[4] = (int64_t)st->st_ctim.tv_nsec;
}

/* Is @fd still the file @keep describes? 0, or an errno. */
static int
stat_same(int fd, const int64_t keep[5], bool *same)
{
	struct stat st;
	int64_t now[5];

	if (fstat(fd, &st) != 0)
		return errno;
	stat_keep(now, &st);
	*same = memcmp(now, keep, sizeof(now)) == 0;
	return 0;
}

static int
stat_error(tally_sarif_report *rep, int e)
{
	tallyi_report_error(rep, TALLY_EIO, UINT64_MAX, "cannot stat: %s",
	    strerror(e));
	return TALLY_EIO;
}

/*
 * Does the stream's first @len bytes begin a JSON text? Grammar only: the
 * scanner's errors at or past @len are where the rest has not arrived yet.
 * A leading byte order mark is skipped, as the reader skips it. A stream
 * that starts as a compressed one (gzip, zstd) or as XML is left to its
 * decoder (formats/decode.c), and so is one that starts as clang-tidy's
 * YAML does.
 */
static int
check_prefix(const char *buf, size_t len, tally_sarif_report *rep)
{
	tallyi_jscan s;
	size_t start, i = 0;

	/* a magic number, or as much of one as has come; UTF-16 (XML) */
	if (memcmp(buf, "\x1f\x8b", len < 2 ? len : 2) == 0 ||
	    memcmp(buf, "\x28\xb5\x2f\xfd", len < 4 ? len : 4) == 0 ||
	    (((unsigned char)buf[0] & 0xf0) == 0x50 && memcmp(buf + 1,
	    "\x2a\x4d\x18", len < 4 ? len - 1 : 3) == 0) ||
	    memcmp(buf, "\xff\xfe", len < 2 ? len : 2) == 0 ||
	    memcmp(buf, "\xfe\xff", len < 2 ? len : 2) == 0 ||
	    memcmp(buf, "TALLYPT1", len < 8 ? len : 8) == 0) /* a part */
		return TALLY_OK;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (buf[i] == ' ' || buf[i] == '\n' ||
	    buf[i] == '\r' || buf[i] == '\t'))
		i++;
	if (i < len && (buf[i] == '<' ||
	    tallyi_yaml_start(buf + i, len - i, true)))
		return TALLY_OK;
	/* the start of a byte order mark, the rest still on its way */
	if (len < 3 && memcmp(buf, "\xef\xbb\xbf", len) == 0)
		return TALLY_OK;
	tallyi_js_init(&s, buf, len);
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		s.pos = 3;
	/* one value, or several one after another (gcc's JSON lines) */
	while (tallyi_js_skip(&s, &start) == 0 && tallyi_js_peek(&s) >= 0)
		;
	if (s.err == 0 || s.err_off >= len)
		return TALLY_OK;
	tallyi_report_error(rep, s.err, s.err_off, "%s", s.msg);
	return s.err;
}

/*
 * Read @fd to its end: at most @max bytes, into a buffer that grows as the
 * input comes.
 */
static int
read_stream(tallyi_input *in, int fd, uint64_t max, tally_sarif_report *rep)
{
	size_t cap = 0, len = 0, check_at = 1;
	char *buf = NULL;
	int rc = TALLY_OK;

	for (;;) {
		size_t want;
		ssize_t r;

		if (cap - len < TALLYI_JSON_PADDING + 4096) {
			char *nb = tallyi_grow(in->mem, buf, &cap,
			    len + TALLYI_JSON_PADDING + 4096, 64u << 10, 1);

			if (nb == NULL) {
				rc = nomem(rep, len);
				break;
			}
			buf = nb;
		}
		want = cap - len - TALLYI_JSON_PADDING;
		if (want > STREAM_CHUNK)
			want = STREAM_CHUNK;
		/* one byte over the limit tells "over" from "exactly at" */
		if (max - len < want)
			want = (size_t)(max - len) + 1;
		r = read(fd, buf + len, want);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = read_error(rep, len, errno);
			break;
		}
		len += (size_t)r;
		if (len > max) {
			rc = too_big(rep, UINT64_MAX, max);
			break;
		}
		if (len >= check_at) {
			if ((rc = check_prefix(buf, len, rep)) != TALLY_OK)
				break;
			check_at = len < CHECK_FIRST / 16 ? CHECK_FIRST :
			    len * 16;
		}
	}
	if (rc != TALLY_OK) {
		tallyi_free(in->mem, buf, cap);
		return rc;
	}
	return own(in, buf, cap, len);
}

/*
 * Fault in the pages of a large buffer in one call, before read(2) fills
 * it page by page: the kernel populates them in a batch instead of taking
 * one fault per 4 KiB page. A hint: kernels before 5.14 refuse it.
 */
static void
prefault(char *buf, size_t cap)
{
#if defined(__linux__)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
	uintptr_t lo = ((uintptr_t)buf + 4095) & ~(uintptr_t)4095;
	uintptr_t hi = ((uintptr_t)buf + cap) & ~(uintptr_t)4095;

	if (cap >= (2u << 20) && hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
	(void)buf, (void)cap;
#endif
}

/*
 * Read the regular file @fd, which fstat() described as @was, whole, and
 * make sure it is what the file held from the first byte to the last.
 */
static int
read_regular(tallyi_input *in, int fd, const int64_t was[5], uint64_t max,
    tally_sarif_report *rep)
{
	uint64_t want = (uint64_t)was[0];
	size_t size, cap, len = 0;
	bool same;
	char *buf;
	ssize_t r;
	int e;

	if (want > max)
		return too_big(rep, want, max);
	if (want > SIZE_MAX - TALLYI_JSON_PADDING)
		return nomem(rep, want);
	size = (size_t)want;
	cap = size + TALLYI_JSON_PADDING;
	if ((buf = tallyi_alloc(in->mem, cap)) == NULL)
		return nomem(rep, want);
	prefault(buf, cap);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	/*
	 * Up to the size, then into the padding: a file that grew has bytes
	 * there, one that did not answers end of file.
	 */
	while (len < cap) {
		size_t n = len < size ? size - len : cap - len;

		r = read(fd, buf + len, n < (1u << 30) ? n : (1u << 30));
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			tallyi_free(in->mem, buf, cap);
			return read_error(rep, len, errno);
		}
		len += (size_t)r;
		if (len > size)
			break;
	}
	if ((e = stat_same(fd, was, &same)) != 0) {
		tallyi_free(in->mem, buf, cap);
		return stat_error(rep, e);
	}
	if (len != size || !same) {
		tallyi_free(in->mem, buf, cap);
		return changed(rep, size, len, len > size);
	}
	return own(in, buf, cap, size);
}

/*
 * Top the window up to TALLYI_WINDOW bytes, or to the end of the file,
 * which must come at the size the file had.
 */
static int
fill(tallyi_input *in, tally_sarif_report *rep)
{
	uint64_t size = in->size;

	while (in->len < TALLYI_WINDOW && !in->eof) {
		ssize_t r = read(in->fd, in->own + in->len,
		    TALLYI_WINDOW - in->len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return read_error(rep, in->base + in->len, errno);
		}
		if (r == 0)
			in->eof = true;
		in->len += (size_t)r;
		if (in->base + in->len > size)
			return changed(rep, size, in->base + in->len, true);
	}
	if (in->eof && in->base + in->len != size)
		return changed(rep, size, in->base + in->len, false);
	memset(in->own + in->len, 0, TALLYI_JSON_PADDING);
	return TALLY_OK;
}

int
tallyi_input_slide(tallyi_input *in, size_t keep, tally_sarif_report *rep)
{
	TALLY_ASSERT(in->fd >= 0 && keep <= in->len);
	memmove(in->own, in->own + keep, in->len - keep);
	in->base += keep;
	in->len -= keep;
	return fill(in, rep);
}

int
tallyi_input_finish(tallyi_input *in, tally_sarif_report *rep)
{
	bool same;
	int e;

	if (in->fd < 0)
		return TALLY_OK;
	if (!in->eof) {
		char c;
		ssize_t r;

		while ((r = read(in->fd, &c, 1)) < 0 && errno == EINTR)
			;
		if (r < 0)
			return read_error(rep, in->base + in->len, errno);
		if (r > 0)
			return TALLY_EAGAIN;
		in->eof = true;
		if (in->base + in->len != in->size)
			return changed(rep, in->size, in->base + in->len,
			    false);
	}
	if ((e = stat_same(in->fd, in->st, &same)) != 0)
		return stat_error(rep, e);
	if (!same)
		return changed(rep, in->size, in->size, false);
	return TALLY_OK;
}

int
tallyi_input_rewind_whole(tallyi_input *in, tally_sarif_report *rep)
{
	int fd = in->fd, rc;

	TALLY_ASSERT(fd >= 0);
	tallyi_free(in->mem, in->own, in->own_cap);
	in->own = NULL;
	in->own_cap = 0;
	in->buf = "";
	in->len = 0;
	in->fd = -1;
	if (lseek(fd, 0, SEEK_SET) != 0)
		rc = read_error(rep, 0, errno);
	else
		rc = read_regular(in, fd, in->st, in->max, rep);
	close(fd);
	return rc;
}

/* Open @path; @window: a large regular file as a window. */
static int
open_input(tallyi_input *in, const char *path, uint64_t max,
    const tallyi_mem *mem, tally_sarif_report *rep, bool window)
{
	struct stat st;
	int64_t was[5];
	int fd, rc;

	memset(in, 0, sizeof(*in));
	in->mem = mem;
	in->fd = -1;
	if (max == 0)
		max = TALLY_SARIF_MAX_INPUT;
	if (strcmp(path, "-") == 0)
		return read_stream(in, STDIN_FILENO, max, rep);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		tallyi_report_error(rep, e == ENOENT ? TALLY_EIO_NOENT :
		    e == EISDIR ? TALLY_EIO_ISDIR : TALLY_EIO, UINT64_MAX,
		    "cannot open: %s", strerror(e));
		return rep != NULL ? rep->error.status : TALLY_EIO;
	}
	if (fstat(fd, &st) != 0) {
		rc = stat_error(rep, errno);
		close(fd);
		return rc;
	}
	if (S_ISDIR(st.st_mode)) {
		tallyi_report_error(rep, TALLY_EIO_ISDIR, UINT64_MAX,
		    "is a directory; expected a SARIF file");
		close(fd);
		return TALLY_EIO_ISDIR;
	}
	stat_keep(was, &st);
	/* A regular file of size 0 may still have content (/proc). */
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		rc = read_stream(in, fd, max, rep);
	} else if (!window || (uint64_t)st.st_size <= TALLYI_WINDOW) {
		rc = read_regular(in, fd, was, max, rep);
	} else if ((uint64_t)st.st_size > max) {
		rc = too_big(rep, (uint64_t)st.st_size, max);
	} else if ((in->own = tallyi_alloc(mem, TALLYI_WINDOW +
	    TALLYI_JSON_PADDING)) == NULL) {
		rc = nomem(rep, TALLYI_WINDOW);
	} else {
		in->own_cap = TALLYI_WINDOW + TALLYI_JSON_PADDING;
		in->buf = in->own;
		in->pad = TALLYI_JSON_PADDING;
		in->size = (uint64_t)st.st_size;
		in->max = max;
		in->fd = fd;
		memcpy(in->st, was, sizeof(was));
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		if ((rc = fill(in, rep)) == TALLY_OK)
			return TALLY_OK; /* the window keeps fd */
		tallyi_input_close(in);
		return rc;
	}
	close(fd);
	return rc;
}

int
tallyi_input_open(tallyi_input *in, const char *path, uint64_t max,
    const tallyi_mem *mem, tally_sarif_report *rep)
{
	return open_input(in, path, max, mem, rep, false);
}

int
tallyi_input_open_window(tallyi_input *in, const char *path, uint64_t max,
    const tallyi_mem *mem, tally_sarif_report *rep)
{
	return open_input(in, path, max, mem, rep, true);
}

void
tallyi_input_close(tallyi_input *in)
{
	if (in->own != NULL)
		tallyi_free(in->mem, in->own, in->own_cap);
	if (in->fd >= 0)
		close(in->fd);
	memset(in, 0, sizeof(*in));
	in->fd = -1;
}
