/*
 * engine/outfile.c - an output file that never destroys what was there
 * (see outfile.h).
 *
 * No fsync before the rename: the rename makes a reader see the old file
 * or the new one whole, whatever happens to this process, which is the
 * promise; surviving a power cut as well would cost a disk flush per
 * report, and a report is made again by running the command again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/outfile.h"
#include "engine/toolkit.h"

/* As many symlinks as the kernel follows in one path (MAXSYMLINKS). */
#define OUTFILE_MAX_LINKS 40

/* Temporaries made by this process: one name each, even across threads. */
static atomic_uint outfile_seq;

/* TALLY_EIO, "<path>: <why>" (errno @e); "-" is "standard output". */
static int
fail(const tallyi_outfile *o, int e, tally_error *err)
{
	return tallyi_error_set(err, TALLY_EIO, UINT64_MAX, "%s: %s",
	    o->is_stdout ? "standard output" : o->path, strerror(e));
}

/*
 * May the link @st at @path be followed? The kernel's rule for links in
 * shared directories (fs.protected_symlinks), which it applies only to the
 * links it follows itself: in a sticky, world-writable directory (/tmp), a
 * link is followed only when it is ours or the directory owner's.
 * Otherwise anyone could plant /tmp/report.sarif -> /etc/shadow and have
 * a root job replace the file it names.
 */
static bool
link_trusted(const char *path, const struct stat *st)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat ds;

	if (st->st_uid == geteuid())
		return true;
	if (slash == NULL)
		memcpy(dir, ".", 2);
	else if (slash == path)
		memcpy(dir, "/", 2);
	else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	if (stat(dir, &ds) != 0)
		return false;
	return !((ds.st_mode & S_ISVTX) && (ds.st_mode & S_IWOTH)) ||
	    st->st_uid == ds.st_uid;
}

/*
 * The file @path finally names: symlinks followed as the kernel would (a
 * relative link from the link's own directory, none planted by another
 * user in a sticky shared directory), at most 40 of them, the last link's
 * target kept even when it does not exist yet. Into @buf (PATH_MAX
 * bytes); *@st is its lstat, or st_mode 0 when it is absent.
 * Return: 0, or an errno.
 */
static int
resolve(const char *path, char *buf, struct stat *st)
{
	char link[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0)
		return ENOENT;
	if (n >= PATH_MAX)
		return ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (int hops = 0;; hops++) {
		ssize_t ln;
		char *slash;
		size_t dir;

		if (lstat(buf, st) != 0) {
			if (errno != ENOENT)
				return errno;
			st->st_mode = 0;
			return 0;
		}
		if (!S_ISLNK(st->st_mode))
			return 0;
		if (hops == OUTFILE_MAX_LINKS)
			return ELOOP;
		if (!link_trusted(buf, st))
			return EACCES;
		ln = readlink(buf, link, sizeof(link));
		if (ln < 0)
			return errno;
		if ((size_t)ln >= sizeof(link))
			return ENAMETOOLONG;
		slash = strrchr(buf, '/');
		/* Relative: from the directory that holds the link. */
		dir = link[0] == '/' || slash == NULL ? 0 :
		    (size_t)(slash - buf) + 1;
		if (dir + (size_t)ln >= PATH_MAX)
			return ENAMETOOLONG;
		memcpy(buf + dir, link, (size_t)ln);
		buf[dir + (size_t)ln] = '\0';
	}
}

static char *
copy_str(const tallyi_mem *mem, const char *s, size_t *size)
{
	char *p;

	*size = strlen(s) + 1;
	if ((p = tallyi_alloc(mem, *size)) != NULL)
		memcpy(p, s, *size);
	return p;
}

/* Free the paths and forget the stream: @o is finished. */
static void
finish(tallyi_outfile *o)
{
	tallyi_free(&o->mem, o->target, o->target_size);
	tallyi_free(&o->mem, o->tmp, o->tmp_size);
	o->target = o->tmp = NULL;
	o->f = NULL;
}

/* Write into the device or FIFO at o->target itself: nothing to rename. */
static int
open_direct(tallyi_outfile *o, tally_error *err)
{
	/* O_NOFOLLOW: resolve() followed every link, a new one is a swap. */
	int fd = open(o->target, O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return fail(o, errno, err);
	/* Replaced by a regular file since: writing it in place would mix
	 * the report with what it held. */
	if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		close(fd);
		return tallyi_error_set(err, TALLY_EIO, UINT64_MAX,
		    "%s: changed while it was opened", o->path);
	}
	if ((o->f = fdopen(fd, "w")) == NULL) {
		int e = errno;

		close(fd);
		return fail(o, e, err);
	}
	return TALLY_OK;
}

/*
 * Create the temporary beside o->target, with the mode of the regular file
 * it replaces (@st), or 0666 & ~umask when there is none (st_mode 0).
 */
static int
open_temp(tallyi_outfile *o, const struct stat *st, tally_error *err)
{
	const char *slash = strrchr(o->target, '/');
	size_t dir = slash != NULL ? (size_t)(slash - o->target) + 1 : 0;
	const char *base = o->target + dir;
	int fd = -1, e = 0;

	/* '.', 15 for ".tally-tmp.", 2 * 10 digits, '.', NUL */
	o->tmp_size = strlen(o->target) + 40;
	if ((o->tmp = tallyi_alloc(&o->mem, o->tmp_size)) == NULL)
		return tallyi_error_set(err, TALLY_ENOMEM, UINT64_MAX,
		    "%s: out of memory", o->path);
	for (unsigned attempt = 0; fd < 0 && attempt < 100; attempt++) {
		snprintf(o->tmp, o->tmp_size, "%.*s.%s.tally-tmp.%ld.%u",
		    (int)dir, o->target, base, (long)getpid(),
		    atomic_fetch_add(&outfile_seq, 1));
		/* An existing target's mode is set below: the umask must not
		 * narrow it, and nobody else may open the file meanwhile. */
		fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, st->st_mode != 0 ? 0600 : 0666);
		e = errno;
		if (fd < 0 && e != EEXIST)
			break;
	}
	if (fd < 0)
		return fail(o, e, err);
	if (st->st_mode != 0) {
		/* As root, a replaced file keeps its owner (a failure leaves
		 * it root's, which is no wider); chown before chmod, which
		 * chown may clear set-id bits after. */
		if (geteuid() == 0)
			(void)!fchown(fd, st->st_uid, st->st_gid);
		if (fchmod(fd, st->st_mode & 07777) != 0) {
			e = errno;
			goto bad;
		}
	}
	if ((o->f = fdopen(fd, "w")) == NULL) {
		e = errno;
		goto bad;
	}
	/* Reports are large and written in small pieces. */
	(void)setvbuf(o->f, NULL, _IOFBF, 1 << 20);
	return TALLY_OK;
bad:
	close(fd);
	unlink(o->tmp);
	return fail(o, e, err);
}

int
tallyi_outfile_open(tallyi_outfile *o, const char *path,
    const tallyi_mem *mem, tally_error *err)
{
	char buf[PATH_MAX];
	struct stat st;
	int e, rc;

	memset(o, 0, sizeof(*o));
	o->path = path;
	o->mem = *mem;
	if (strcmp(path, "-") == 0) {
		o->is_stdout = true;
		o->f = stdout;
		return TALLY_OK;
	}
	if ((e = resolve(path, buf, &st)) != 0)
		return fail(o, e, err);
	if (S_ISDIR(st.st_mode))
		return tallyi_error_set(err, TALLY_EIO, UINT64_MAX,
		    "%s: is a directory", path);
	if ((o->target = copy_str(&o->mem, buf, &o->target_size)) == NULL)
		return tallyi_error_set(err, TALLY_ENOMEM, UINT64_MAX,
		    "%s: out of memory", path);
	if (st.st_mode == 0 || S_ISREG(st.st_mode))
		rc = open_temp(o, &st, err);
	else
		rc = open_direct(o, err);
	if (rc != TALLY_OK)
		finish(o);
	return rc;
}

int
tallyi_outfile_commit(tallyi_outfile *o, tally_error *err)
{
	int e = 0;

	if (o->is_stdout) {
		/* A write error seen before the flush left its errno behind
		 * only by chance: EIO names it then. */
		if (fflush(o->f) != 0)
			e = errno;
		else if (ferror(o->f))
			e = EIO;
		o->f = NULL;
		return e != 0 ? fail(o, e, err) : TALLY_OK;
	}
	if (fflush(o->f) != 0)
		e = errno;
	else if (ferror(o->f))
		e = EIO;
	if (fclose(o->f) != 0 && e == 0)
		e = errno;
	/* Only a complete report takes the target's name. */
	if (e == 0 && o->tmp != NULL && rename(o->tmp, o->target) != 0)
		e = errno;
	if (e != 0 && o->tmp != NULL)
		unlink(o->tmp);
	finish(o);
	return e != 0 ? fail(o, e, err) : TALLY_OK;
}

void
tallyi_outfile_abort(tallyi_outfile *o)
{
	/* What reached standard output cannot be taken back. */
	if (o->f == NULL || o->is_stdout) {
		o->f = NULL;
		return;
	}
	(void)fclose(o->f);
	if (o->tmp != NULL)
		unlink(o->tmp);
	finish(o);
}
