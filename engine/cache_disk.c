/*
 * engine/cache_disk.c - the persistent cache level (tally/cache.h).
 *
 * One file per entry, content-addressed: <root>/<h0h1>/<32 hex digits of
 * the key>. What makes it safe to share between processes and to kill at
 * any point:
 *
 *  1. An entry file only ever appears whole: it is written under tmp/
 *     with a name no other writer uses (tally-tmp.<pid>.<thread>.<n>),
 *     fsync()ed (unless TALLY_CACHE_DISK_NOSYNC), then renamed over the
 *     entry's name, which POSIX makes atomic. A writer killed before the
 *     rename leaves a stray temporary file (counted against the bound,
 *     swept by later scans once it is old); killed after, a complete
 *     entry (without fsync, a machine that crashes may leave it short or
 *     empty: invariant 2 reads that as a miss). Not asserted: it is the order
 *     of system calls against a crash; cache_crash kills writers and reads
 *     every entry back.
 *  2. A reader trusts nothing it reads: the header's magic, key and length
 *     must match the file it opened and the file's size, and the XXH3-64
 *     checksum over key and value must match, or it is a miss (and the
 *     file, when it is this user's, is removed). So a truncated, corrupt
 *     or foreign file, or one from a disk that lied about fsync, is never
 *     a wrong value. These are run-time checks in every build: a bad file
 *     is input, not a bug.
 *  3. Paths are made of the key's hex digits and fixed names only.
 *  4. The directories are walked, not trusted. The user's directory is
 *     opened as named (a symbolic link there is the user's choice); below
 *     it, tally-cache-v1, tmp and the shards are opened one component at a
 *     time relative to the descriptor of the one above, O_NOFOLLOW, and
 *     must be real directories owned by the effective uid; an entry must
 *     be a regular file of that uid, opened O_NONBLOCK (a FIFO never
 *     blocks) and checked with fstat(). The descriptors of tally-cache-v1
 *     and tmp are held from create to destroy, so renaming a component of
 *     the path meanwhile cannot move where entries go. Every unlink is
 *     relative to a held or freshly checked directory, of a name this
 *     code makes (32 hex digits; tally-tmp.*), of a regular file of this
 *     uid: nothing outside the cache is ever removed, written or read.
 *
 * The trust model (README "Sharing a cache"): the checksum only detects
 * damage; anyone who can write entries as this user can forge one that
 * passes it. A writer of the cache directory can change what is replayed
 * for an input (so a cache is shared only between jobs that trust each
 * other: the same uid, and the directories are made 0700), but cannot
 * make tally follow a link out of the cache, read, write or delete a file
 * outside it, block on a FIFO, or exceed the bound; files and directories
 * owned by another uid are ignored, never written into nor removed. The
 * values are checked by their users (tally_results_replay() refuses a
 * pack whose lengths, indexes or strings are not what a read gives).
 *
 * Eviction is by age of last use (a hit sets the file's mtime): when this
 * handle's running estimate of the total passes max_bytes, it rescans the
 * directory and removes the oldest entries until the total, temporary
 * files included, is under 7/8 of the bound. Several processes may trim
 * at once; removing an entry twice is harmless (ENOENT), and a reader
 * holding an open file keeps reading it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "engine/alloc.h"
#include "engine/cc.h"
#include "engine/toolkit.h"
#include "engine/vec.h"
#include "tally/cache.h"

#define MAGIC "TALLYC1\n"
#define HEADER 40 /* magic 8, key 16, length 8, checksum 8 */
#define TMP_STALE_S 600 /* a temporary file this old is a dead writer's */
#define TMP_PREFIX "tally-tmp."
#define WHY_MAX 96 /* room for why a directory is refused */
/* Open flags of every directory below the user's (invariant 4). */
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

struct tally_cache_disk {
	tallyi_mem mem;
	char *root;            /* <dir>/tally-cache-v1: for messages only */
	size_t root_size;
	int rootfd, tmpfd;     /* held (invariant 4); tmpfd -1: read-only */
	uid_t euid;
	mode_t dir_mode;
	bool sync; /* fsync() each entry before its rename */
	uint64_t max_bytes;
	tallyi_atomic_u64 bytes, counter;
	tallyi_atomic_u64 hits, misses, bad, stores, store_failures, evictions;
	tallyi_atomic_u32 trimming;
	pthread_mutex_t err_lock;
	tally_error last;      /* the last store failure; under err_lock */
	tally_error readonly;  /* why tmp/ could not be used (tmpfd -1) */
};

static void
key_hex(tally_cache_key k, char out[33])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		uint64_t w = i < 8 ? k.hi : k.lo;
		unsigned b = (unsigned)(w >> (56 - 8 * (i % 8))) & 0xff;

		out[2 * i] = hex[b >> 4];
		out[2 * i + 1] = hex[b & 15];
	}
	out[32] = '\0';
}

static void
put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
checksum(tally_cache_key k, const void *val, size_t len)
{
	XXH3_state_t st;
	unsigned char kb[16];

	put_u64(kb, k.hi);
	put_u64(kb + 8, k.lo);
	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, kb, 16);
	XXH3_64bits_update(&st, val, len);
	return XXH3_64bits_digest(&st);
}

/* Say why @dir/@name (@name may be NULL) failed; a long path keeps its
 * end. */
static int
path_error(tally_error *out, const char *dir, const char *name,
    const char *why)
{
	char path[4096];
	size_t n, room = sizeof(out->message) - strlen(why) - 3;

	n = (size_t)snprintf(path, sizeof(path), "%s%s%s", dir,
	    name ? "/" : "", name ? name : "");
	n = n < sizeof(path) ? n : sizeof(path) - 1;
	return tallyi_error_set(out, TALLY_EIO, UINT64_MAX, "%s%s: %s",
	    n > room ? "..." : "", n > room ? path + n - room + 3 : path, why);
}

/* A store failed at <root>/@name: say why, for tally_cache_disk_error(). */
static int
store_failed(tally_cache_disk *c, const char *name, const char *why)
{
	pthread_mutex_lock(&c->err_lock);
	if (why != NULL)
		(void)path_error(&c->last, c->root, name, why);
	else
		c->last = c->readonly;
	pthread_mutex_unlock(&c->err_lock);
	tallyi_fetch_add_u64(&c->store_failures, 1, TALLY_RELAXED);
	return TALLY_EIO;
}

/* mkdir -p of @path (modified in place while it works), new ones @mode. */
static int
mkdirs(char *path, mode_t mode)
{
	for (char *s = path + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, mode) != 0 && errno != EEXIST) {
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return mkdir(path, mode) != 0 && errno != EEXIST ? -1 : 0;
}

/*
 * Open directory @name of @at (invariant 4): a real directory owned by
 * this user, never through a symbolic link; made (c->dir_mode) when
 * missing and @make. Return its descriptor, or -1 with errno (ENOENT:
 * absent; ELOOP: a link; EPERM: another user's) and @why saying why.
 */
static int
open_dir(const tally_cache_disk *c, int at, const char *name, bool make,
    char why[WHY_MAX])
{
	struct stat st;
	int fd = openat(at, name, DIR_FLAGS);

	if (fd < 0 && errno == ENOENT && make &&
	    (mkdirat(at, name, c->dir_mode) == 0 || errno == EEXIST))
		fd = openat(at, name, DIR_FLAGS);
	if (fd < 0) {
		int e = errno;

		/* O_NOFOLLOW says ELOOP, or ENOTDIR with O_DIRECTORY */
		if ((e == ELOOP || e == ENOTDIR) && fstatat(at, name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
			snprintf(why, WHY_MAX, "a symbolic link (not "
			    "followed in a cache)");
			e = ELOOP;
		} else {
			snprintf(why, WHY_MAX, "%s", strerror(e));
		}
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) != 0 || st.st_uid != c->euid) {
		snprintf(why, WHY_MAX, "owned by uid %lu, not by this user "
		    "(uid %lu): not trusted", (unsigned long)st.st_uid,
		    (unsigned long)c->euid);
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/* A second descriptor of directory @fd, with its own read position. */
static DIR *
reopen_dir(int fd)
{
	DIR *d;
	int again = openat(fd, ".", DIR_FLAGS);

	if (again < 0)
		return NULL;
	if ((d = fdopendir(again)) == NULL)
		close(again);
	return d;
}

/* Whether @st is a file this cache may have made: regular, this user's. */
static bool
ours(const tally_cache_disk *c, const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == c->euid;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

static bool
read_full(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

int
tally_cache_disk_get(tally_cache_disk *c, tally_cache_key key, void *buf,
    size_t cap, size_t *len)
{
	char hex[33], shard[3], why[WHY_MAX];
	unsigned char h[HEADER];
	struct stat st;
	uint64_t vlen, sum;
	void *val = NULL;
	bool bad = false, mine = false;
	int dfd, fd = -1, rc = TALLY_ENOTFOUND;

	if (c == NULL || (buf == NULL && cap != 0))
		return TALLY_EINVAL;
	key_hex(key, hex);
	memcpy(shard, hex, 2);
	shard[2] = '\0';
	if ((dfd = open_dir(c, c->rootfd, shard, false, why)) < 0) {
		bad = errno != ENOENT; /* a link, another user's */
		goto out;
	}
	/* Invariant 4: no link followed, no FIFO waited on. */
	fd = openat(dfd, hex, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd < 0) {
		bad = errno != ENOENT;
		goto out;
	}
	/* Invariant 2: every check against the file itself. */
	if (fstat(fd, &st) != 0 || !(mine = ours(c, &st)) ||
	    (uint64_t)st.st_size < HEADER || !read_full(fd, h, HEADER) ||
	    memcmp(h, MAGIC, 8) != 0 || get_u64(h + 8) != key.hi ||
	    get_u64(h + 16) != key.lo ||
	    (vlen = get_u64(h + 24)) != (uint64_t)st.st_size - HEADER) {
		bad = true;
		goto out;
	}
	sum = get_u64(h + 32);
	val = tallyi_alloc(&c->mem, vlen ? vlen : 1);
	if (val == NULL) {
		rc = TALLY_ENOMEM;
		goto out;
	}
	if (!read_full(fd, val, vlen) || checksum(key, val, vlen) != sum) {
		bad = true;
		goto out;
	}
	*len = vlen;
	if (vlen > cap) {
		rc = TALLY_ERANGE;
	} else {
		if (vlen != 0)
			memcpy(buf, val, vlen);
		rc = TALLY_OK;
	}
	(void)futimens(fd, NULL); /* used now (may fail read-only: fine) */
	tallyi_fetch_add_u64(&c->hits, 1, TALLY_RELAXED);
out:
	tallyi_free(&c->mem, val, val != NULL ? (vlen ? vlen : 1) : 0);
	if (fd >= 0)
		close(fd);
	if (bad) {
		/* Never served again; a newer good entry may have replaced it
		 * meanwhile, so only this very file goes (same inode), and
		 * only one this cache may have made. */
		struct stat now;

		if (mine && fstatat(dfd, hex, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now.st_ino == st.st_ino && now.st_dev == st.st_dev)
			(void)unlinkat(dfd, hex, 0);
		tallyi_fetch_add_u64(&c->bad, 1, TALLY_RELAXED);
	}
	if (dfd >= 0)
		close(dfd);
	if (rc == TALLY_ENOTFOUND)
		tallyi_fetch_add_u64(&c->misses, 1, TALLY_RELAXED);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Eviction                                                            */

typedef struct ent {
	struct timespec mtime;
	uint64_t size;
	char name[36];  /* <h0h1>/<hex> */
} ent;

static int
ent_cmp(const void *a, const void *b)
{
	const ent *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

/* Skip a run of 1 to 20 digits (@hex: hex digits) at @s; NULL if none. */
static const char *
skip_digits(const char *s, bool hex)
{
	const char *p = s;

	while ((*p >= '0' && *p <= '9') || (hex && *p >= 'a' && *p <= 'f'))
		p++;
	return p > s && p - s <= 20 ? p : NULL;
}

/* Whether @s is a name put() gives a temporary file:
 * tally-tmp.<pid>.<thread, hex>.<counter>. */
static bool
is_tmp_name(const char *s)
{
	if (strncmp(s, TMP_PREFIX, sizeof(TMP_PREFIX) - 1) != 0)
		return false;
	s += sizeof(TMP_PREFIX) - 1;
	if ((s = skip_digits(s, false)) == NULL || *s++ != '.' ||
	    (s = skip_digits(s, true)) == NULL || *s++ != '.' ||
	    (s = skip_digits(s, false)) == NULL)
		return false;
	return *s == '\0';
}

/*
 * The temporary files of tmp/ (invariant 1): their bytes, after removing
 * those of dead writers. Only names put() makes, regular files of this
 * user, are counted or removed (invariant 4).
 */
static uint64_t
sweep(tally_cache_disk *c)
{
	uint64_t total = 0;
	time_t now = time(NULL);
	struct dirent *d;
	DIR *tmp;

	if (c->tmpfd < 0 || (tmp = reopen_dir(c->tmpfd)) == NULL)
		return 0;
	while ((d = readdir(tmp)) != NULL) {
		struct stat st;

		if (!is_tmp_name(d->d_name) || fstatat(dirfd(tmp), d->d_name,
		    &st, AT_SYMLINK_NOFOLLOW) != 0 || !ours(c, &st))
			continue;
		if (now - st.st_mtime > TMP_STALE_S &&
		    unlinkat(dirfd(tmp), d->d_name, 0) == 0)
			continue;
		total += (uint64_t)st.st_size;
	}
	closedir(tmp);
	return total;
}

/*
 * Every entry of the cache (only names this code makes, this user's
 * regular files in this user's shards) and the temporary files (stale ones
 * removed on the way). Return: the total bytes. With @out, also the
 * entries: *out (room for *cap, freed by the caller) and their number *n.
 */
static uint64_t
scan(tally_cache_disk *c, ent **out, size_t *n, size_t *cap)
{
	char why[WHY_MAX];
	uint64_t total = sweep(c);
	DIR *top;
	struct dirent *d;

	if ((top = reopen_dir(c->rootfd)) == NULL)
		return total;
	while ((d = readdir(top)) != NULL) {
		DIR *sub;
		struct dirent *e;
		int fd;

		if (!is_hex(d->d_name, 2))
			continue;
		fd = open_dir(c, dirfd(top), d->d_name, false, why);
		if (fd < 0 || (sub = fdopendir(fd)) == NULL) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((e = readdir(sub)) != NULL) {
			struct stat st;

			if (!is_hex(e->d_name, 32) || fstatat(dirfd(sub),
			    e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			    !ours(c, &st))
				continue;
			total += (uint64_t)st.st_size;
			if (out == NULL)
				continue;
			if (*n == *cap) {
				ent *nv = tallyi_grow(&c->mem, *out, cap,
				    *n + 1, 256, sizeof(ent));

				if (nv == NULL)
					continue; /* counted, not listed */
				*out = nv;
			}
			(*out)[*n].mtime = st.st_mtim;
			(*out)[*n].size = (uint64_t)st.st_size;
			/* both names were checked: 2 and 32 hex digits */
			memcpy((*out)[*n].name, d->d_name, 2);
			(*out)[*n].name[2] = '/';
			memcpy((*out)[*n].name + 3, e->d_name, 33);
			(*n)++;
		}
		closedir(sub);
	}
	closedir(top);
	return total;
}

/* Remove entry @name (<h0h1>/<hex>) if it is still one this cache made
 * (invariant 4). Return: whether it is gone. */
static bool
evict(tally_cache_disk *c, char *name)
{
	char why[WHY_MAX];
	struct stat st;
	bool gone;
	int dfd;

	name[2] = '\0';
	dfd = open_dir(c, c->rootfd, name, false, why);
	name[2] = '/';
	if (dfd < 0)
		return errno == ENOENT;
	if (fstatat(dfd, name + 3, &st, AT_SYMLINK_NOFOLLOW) != 0)
		gone = errno == ENOENT;
	else
		gone = ours(c, &st) && (unlinkat(dfd, name + 3, 0) == 0 ||
		    errno == ENOENT);
	close(dfd);
	return gone;
}

/* Remove the least recently used entries until under 7/8 of the bound. */
static void
trim(tally_cache_disk *c)
{
	uint32_t zero = 0;
	ent *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t total, goal = c->max_bytes / 8 * 7;

	if (!tallyi_cas_u32(&c->trimming, &zero, 1, TALLY_ACQUIRE))
		return;
	total = scan(c, &v, &n, &cap);
	if (v != NULL)
		qsort(v, n, sizeof(ent), ent_cmp);
	for (size_t i = 0; i < n && total > goal; i++) {
		if (evict(c, v[i].name)) {
			total -= v[i].size;
			tallyi_fetch_add_u64(&c->evictions, 1, TALLY_RELAXED);
		}
	}
	tallyi_store_u64(&c->bytes, total, TALLY_RELAXED);
	tallyi_free(&c->mem, v, cap * sizeof(ent));
	tallyi_store_u32(&c->trimming, 0, TALLY_RELEASE);
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

static bool
write_full(int fd, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

int
tally_cache_disk_put(tally_cache_disk *c, tally_cache_key key,
    const void *val, size_t len)
{
	char name[80], tmp[84], hex[33], shard[3], why[WHY_MAX];
	unsigned char h[HEADER];
	uint64_t n;
	int fd, dfd;

	if (c == NULL || (val == NULL && len != 0))
		return TALLY_EINVAL;
	if (c->tmpfd < 0)
		return store_failed(c, NULL, NULL);
	n = tallyi_fetch_add_u64(&c->counter, 1, TALLY_RELAXED);
	/* Invariant 1: a name of this writer only, that the sweep knows. */
	snprintf(name, sizeof(name), TMP_PREFIX "%ld.%lx.%llu",
	    (long)getpid(), (unsigned long)pthread_self(),
	    (unsigned long long)n);
	snprintf(tmp, sizeof(tmp), "tmp/%s", name);
	memcpy(h, MAGIC, 8);
	put_u64(h + 8, key.hi);
	put_u64(h + 16, key.lo);
	put_u64(h + 24, len);
	put_u64(h + 32, checksum(key, val, len));
	fd = openat(c->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		return store_failed(c, tmp, strerror(errno));
	if (!write_full(fd, h, HEADER) || !write_full(fd, val, len) ||
	    (c->sync && fsync(fd) != 0)) {
		int e = errno ? errno : EIO;

		close(fd);
		(void)unlinkat(c->tmpfd, name, 0);
		return store_failed(c, tmp, strerror(e));
	}
	close(fd);
	key_hex(key, hex);
	memcpy(shard, hex, 2);
	shard[2] = '\0';
	if ((dfd = open_dir(c, c->rootfd, shard, true, why)) < 0) {
		(void)unlinkat(c->tmpfd, name, 0);
		return store_failed(c, shard, why);
	}
	if (renameat(c->tmpfd, name, dfd, hex) != 0) {
		int e = errno;

		close(dfd);
		(void)unlinkat(c->tmpfd, name, 0);
		snprintf(tmp, sizeof(tmp), "%s/%s", shard, hex);
		return store_failed(c, tmp, strerror(e));
	}
	close(dfd);
	tallyi_fetch_add_u64(&c->stores, 1, TALLY_RELAXED);
	if (tallyi_fetch_add_u64(&c->bytes, HEADER + len, TALLY_RELAXED) +
	    HEADER + len > c->max_bytes)
		trim(c);
	return TALLY_OK;
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */

/* @cfg's field @f, when @cfg was compiled with it, else @dflt. */
#define CFG(cfg, f, dflt) \
	((cfg)->struct_size >= offsetof(tally_cache_disk_config, f) + \
	    sizeof((cfg)->f) ? (cfg)->f : (dflt))

/*
 * Open (made if missing, c->dir_mode) the user's directory, the first
 * @dlen bytes of c->root, as named: a link there is the user's choice.
 */
static int
open_user_dir(tally_cache_disk *c, size_t dlen)
{
	int fd;

	c->root[dlen] = '\0';
	fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && mkdirs(c->root, c->dir_mode) == 0)
		fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	c->root[dlen] = '/';
	return fd;
}

int
tally_cache_disk_create(const tally_cache_disk_config *cfg,
    const tally_allocator *alloc, tally_cache_disk **out, tally_error *err)
{
	tally_cache_disk *c;
	char why[WHY_MAX];
	unsigned mode;
	size_t n;
	int rc, dfd;

	tallyi_error_clear(err);
	if (cfg == NULL || out == NULL || cfg->struct_size <
	    offsetof(tally_cache_disk_config, dir_mode) ||
	    cfg->dir == NULL || cfg->dir[0] == '\0')
		return tallyi_error_set(err, TALLY_EINVAL, UINT64_MAX,
		    "invalid argument");
	mode = CFG(cfg, dir_mode, 0) ? CFG(cfg, dir_mode, 0) : 0700;
	/* Permission bits only: mkdir() drops set-group-ID on Linux, and a
	 * setgid or sticky directory would share nothing more (invariant 4
	 * trusts only this uid's files). */
	if ((mode & ~0777u) != 0 || (mode & 0700) != 0700)
		return tallyi_error_set(err, TALLY_EINVAL, UINT64_MAX,
		    "cache directory mode %#o: expected permission bits "
		    "(at most 0777) that include 0700", mode);
	if ((CFG(cfg, flags, 0) & ~TALLY_CACHE_DISK_NOSYNC) != 0)
		return tallyi_error_set(err, TALLY_EINVAL, UINT64_MAX,
		    "cache flags %#x: unknown bits", CFG(cfg, flags, 0));
	n = strlen(cfg->dir) + sizeof("/tally-cache-v1");
	if (n + 64 > 4096)
		return tallyi_error_set(err, TALLY_EINVAL, UINT64_MAX,
		    "cache directory name longer than %zu bytes",
		    4096 - 64 - sizeof("/tally-cache-v1"));
	if ((c = tallyi_owner_new(alloc, sizeof(*c), &rc)) == NULL)
		return tallyi_error_set(err, rc, UINT64_MAX, "%s",
		    tally_strerror(rc));
	c->rootfd = c->tmpfd = -1;
	tallyi_error_clear(&c->last);
	tallyi_error_clear(&c->readonly);
	pthread_mutex_init(&c->err_lock, NULL);
	if ((c->root = tallyi_alloc(&c->mem, n)) == NULL) {
		tally_cache_disk_destroy(c);
		return tallyi_error_set(err, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory");
	}
	c->root_size = n;
	snprintf(c->root, n, "%s/tally-cache-v1", cfg->dir);
	c->euid = geteuid();
	c->dir_mode = (mode_t)mode;
	c->sync = !(CFG(cfg, flags, 0) & TALLY_CACHE_DISK_NOSYNC);
	c->max_bytes = cfg->max_bytes ? cfg->max_bytes : UINT64_C(1) << 30;
	if ((dfd = open_user_dir(c, strlen(cfg->dir))) < 0) {
		rc = path_error(err, cfg->dir, NULL, strerror(errno));
		tally_cache_disk_destroy(c);
		return rc;
	}
	c->rootfd = open_dir(c, dfd, "tally-cache-v1", true, why);
	close(dfd);
	if (c->rootfd < 0) {
		rc = path_error(err, c->root, NULL, why);
		tally_cache_disk_destroy(c);
		return rc;
	}
	/* A cache we may only read (or whose tmp/ is not ours): no store,
	 * no sweep; lookups go on. */
	if ((c->tmpfd = open_dir(c, c->rootfd, "tmp", true, why)) < 0) {
		(void)path_error(&c->readonly, c->root, "tmp", why);
		c->last = c->readonly;
	}
	tallyi_store_u64(&c->bytes, scan(c, NULL, NULL, NULL), TALLY_RELAXED);
	*out = c;
	return TALLY_OK;
}

void
tally_cache_disk_destroy(tally_cache_disk *c)
{
	tallyi_mem mem;

	if (c == NULL)
		return;
	mem = c->mem;
	if (c->rootfd >= 0)
		close(c->rootfd);
	if (c->tmpfd >= 0)
		close(c->tmpfd);
	pthread_mutex_destroy(&c->err_lock);
	tallyi_free(&mem, c->root, c->root_size);
	tallyi_owner_free(c, sizeof(*c));
}

void
tally_cache_disk_error(tally_cache_disk *c, tally_error *out)
{
	pthread_mutex_lock(&c->err_lock);
	*out = c->last;
	pthread_mutex_unlock(&c->err_lock);
}

void
tally_cache_disk_stats_get(tally_cache_disk *c, tally_cache_disk_stats *out)
{
	out->hits = tallyi_load_u64(&c->hits, TALLY_RELAXED);
	out->misses = tallyi_load_u64(&c->misses, TALLY_RELAXED);
	out->bad = tallyi_load_u64(&c->bad, TALLY_RELAXED);
	out->stores = tallyi_load_u64(&c->stores, TALLY_RELAXED);
	out->store_failures = tallyi_load_u64(&c->store_failures,
	    TALLY_RELAXED);
	out->evictions = tallyi_load_u64(&c->evictions, TALLY_RELAXED);
	out->bytes = tallyi_load_u64(&c->bytes, TALLY_RELAXED);
}
