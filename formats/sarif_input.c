/*
 * formats/sarif_input.c - getting an input's bytes into memory.
 *
 * A regular file is mapped, not read: the reader walks it once, front to
 * back, and gives the pages behind it back as it goes (tallyi_input_release),
 * so a log of any size costs a window of resident memory, not its size.
 * simdjson may read up to 64 bytes past a document's end; for a document
 * that ends near the end of the file those bytes must exist. So the mapping
 * is made inside an anonymous reservation that is at least 64 bytes longer
 * than the file: past the file's last page the reader finds zero pages, never
 * a fault.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/alloc.h"
#include "formats/sarif_internal.h"

/* Cached; several reading threads may race to fill it with one value. */
static size_t
page_size(void)
{
	static _Atomic size_t ps;
	size_t v = atomic_load_explicit(&ps, memory_order_relaxed);

	if (v == 0) {
		v = (size_t)sysconf(_SC_PAGESIZE);
		atomic_store_explicit(&ps, v, memory_order_relaxed);
	}
	return v;
}

void
tallyi_input_wrap(tallyi_input *in, const void *buf, size_t len)
{
	memset(in, 0, sizeof(*in));
	in->buf = len ? buf : "";
	in->len = len;
}

/* Read a non-seekable input (a pipe, standard input) to its end. */
static int
read_all(tallyi_input *in, int fd, const char *path, tally_sarif_report *rep)
{
	size_t cap = 0, len = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t r;

		/* room for a read of 4 KiB or more, and the parser's padding */
		if (cap - len < TALLYI_JSON_PADDING + 4096) {
			char *nb = tallyi_grow(in->mem, buf, &cap,
			    len + TALLYI_JSON_PADDING + 4096, 1 << 20, 1);

			if (nb == NULL) {
				tallyi_free(in->mem, buf, cap);
				goto nomem;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len - TALLYI_JSON_PADDING);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			tallyi_report_error(rep, TALLY_EIO, len,
			    "read error on %s: %s", path, strerror(errno));
			tallyi_free(in->mem, buf, cap);
			return TALLY_EIO;
		}
		len += (size_t)r;
	}
	memset(buf + len, 0, TALLYI_JSON_PADDING);
	in->heap = buf;
	in->heap_len = cap;
	in->buf = buf;
	in->len = len;
	in->pad = TALLYI_JSON_PADDING;
	return TALLY_OK;
nomem:
	tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
	    "out of memory reading %s", path);
	return TALLY_ENOMEM;
}

int
tallyi_input_open(tallyi_input *in, const char *path, const tallyi_mem *mem,
    tally_sarif_report *rep)
{
	struct stat st;
	int fd, rc;

	memset(in, 0, sizeof(*in));
	in->mem = mem;
	if (strcmp(path, "-") == 0)
		return read_all(in, STDIN_FILENO, "standard input", rep);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		tallyi_report_error(rep, e == ENOENT ? TALLY_EIO_NOENT :
		    e == EISDIR ? TALLY_EIO_ISDIR : TALLY_EIO, UINT64_MAX,
		    "cannot open: %s", strerror(e));
		return rep != NULL ? rep->error.status : TALLY_EIO;
	}
	if (fstat(fd, &st) != 0) {
		tallyi_report_error(rep, TALLY_EIO, UINT64_MAX,
		    "cannot stat: %s", strerror(errno));
		close(fd);
		return TALLY_EIO;
	}
	if (S_ISDIR(st.st_mode)) {
		tallyi_report_error(rep, TALLY_EIO_ISDIR, UINT64_MAX,
		    "is a directory; expected a SARIF file");
		close(fd);
		return TALLY_EIO_ISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = read_all(in, fd, path, rep);
		close(fd);
		return rc;
	}
	if (st.st_size == 0) {
		close(fd);
		tallyi_input_wrap(in, "", 0);
		in->mem = mem;
		return TALLY_OK;
	}
	{
		size_t size = (size_t)st.st_size, ps = page_size();
		size_t span = (size + TALLYI_JSON_PADDING + ps - 1) & ~(ps - 1);
		void *res = mmap(NULL, span, PROT_READ,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		void *map;

		if (res == MAP_FAILED) {
			tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
			    "cannot reserve %zu bytes of address space", span);
			close(fd);
			return TALLY_ENOMEM;
		}
		map = mmap(res, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
		close(fd);
		if (map == MAP_FAILED) {
			tallyi_report_error(rep, TALLY_EIO, UINT64_MAX,
			    "cannot map: %s", strerror(errno));
			munmap(res, span);
			return TALLY_EIO;
		}
		(void)madvise(map, size, MADV_SEQUENTIAL);
		in->map = res;
		in->map_len = span;
		in->buf = map;
		in->len = size;
		in->pad = span - size;
	}
	return TALLY_OK;
}

void
tallyi_input_release(tallyi_input *in, size_t upto)
{
	size_t ps = page_size(), end = upto & ~(ps - 1);

	if (in->map == NULL || end <= in->released)
		return;
	(void)madvise((char *)in->map + in->released, end - in->released,
	    MADV_DONTNEED);
	in->released = end;
}

void
tallyi_input_drop(tallyi_input *in, size_t from, size_t to)
{
	size_t ps = page_size(), start = (from + ps - 1) & ~(ps - 1);
	size_t end = to & ~(ps - 1);

	if (in->map == NULL || end <= start)
		return;
	(void)madvise((char *)in->buf + start, end - start, MADV_DONTNEED);
}

void
tallyi_input_prefault(tallyi_input *in, size_t from, size_t len)
{
#ifdef MADV_POPULATE_READ
	size_t ps = page_size(), start = from & ~(ps - 1), end;

	if (in->map == NULL || from >= in->len)
		return;
	end = from + len < in->len ? from + len : in->len;
	/* Fails harmlessly (EINVAL) on kernels older than 5.14. */
	(void)madvise((char *)in->buf + start, end - start, MADV_POPULATE_READ);
#else
	(void)in, (void)from, (void)len;
#endif
}

void
tallyi_input_close(tallyi_input *in)
{
	if (in->map != NULL)
		munmap(in->map, in->map_len);
	if (in->heap != NULL)
		tallyi_free(in->mem, in->heap, in->heap_len);
	memset(in, 0, sizeof(*in));
}
