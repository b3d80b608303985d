/*
 * engine/cache_disk.c - the persistent cache level (tally/cache.h).
 *
 * One file per entry, content-addressed: <root>/<h0h1>/<32 hex digits of
 * the key>. What makes it safe to share between processes and to kill at
 * any point:
 *
 *  1. An entry file only ever appears whole: it is written under tmp/
 *     with a name no other writer uses (pid, thread, counter), fsync()ed,
 *     then rename()d over the entry's name, which POSIX makes atomic. A
 *     writer killed before the rename leaves a stray temporary file (swept
 *     by later opens once it is old); killed after, a complete entry.
 *     Not asserted: it is the order of system calls against a crash;
 *     cache_crash kills writers and reads every entry back.
 *  2. A reader trusts nothing it reads: the header's magic, key and length
 *     must match the file it opened and the file's size, and the XXH3-64
 *     checksum over key and value must match, or it is a miss (and the
 *     file is removed). So a truncated, corrupt or foreign file, or one
 *     from a disk that lied about fsync, is never a wrong value. These
 *     are run-time checks in every build: a bad file is input, not a bug.
 *  3. Paths are made of the key's hex digits and fixed names only.
 *
 * Eviction is by age of last use (a hit sets the file's mtime): when this
 * handle's running estimate of the total passes max_bytes, it rescans the
 * directory and removes the oldest entries until the total is under 7/8
 * of the bound. Several processes may trim at once; removing an entry twice
 * is harmless (ENOENT), and a reader holding an open file keeps reading it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

struct tally_cache_disk {
	tallyi_mem mem;
	char *root;            /* <dir>/tally-cache-v1 */
	size_t root_len, root_size;
	uint64_t max_bytes;
	tallyi_atomic_u64 bytes, counter;
	tallyi_atomic_u64 hits, misses, bad, stores, store_failures, evictions;
	tallyi_atomic_u32 trimming;
	pthread_mutex_t err_lock;
	tally_error last; /* the last store failure; under err_lock */
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

/* <root>/<h0h1>/<hex> (or only the directory, when @dir_only). */
static void
entry_path(const tally_cache_disk *c, tally_cache_key k, char *out,
    size_t cap, bool dir_only)
{
	char hex[33];
	int n;

	key_hex(k, hex);
	if (dir_only)
		n = snprintf(out, cap, "%s/%.2s", c->root, hex);
	else
		n = snprintf(out, cap, "%s/%.2s/%s", c->root, hex, hex);
	/* Invariant 3: the root, then 2 and 32 hex digits, whole. */
	TALLY_ASSERT((size_t)n == c->root_len + (dir_only ? 3 : 36) &&
	    (size_t)n < cap);
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

/* Say why @path failed (an errno value); a long path keeps its end. */
static int
path_error(tally_error *out, const char *path, int err)
{
	const char *why = strerror(err);
	size_t n = strlen(path), room = sizeof(out->message) - strlen(why) - 3;

	return tallyi_error_set(out, TALLY_EIO, UINT64_MAX, "%s%s: %s",
	    n > room ? "..." : "", n > room ? path + n - room + 3 : path, why);
}

static void
set_error(tally_cache_disk *c, const char *path, int err)
{
	pthread_mutex_lock(&c->err_lock);
	(void)path_error(&c->last, path, err);
	pthread_mutex_unlock(&c->err_lock);
}

static bool
is_dir(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return false;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return false;
	}
	return true;
}

/* mkdir -p of @path (modified in place while it works). */
static int
mkdirs(char *path)
{
	for (char *s = path + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST) {
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return mkdir(path, 0777) != 0 && errno != EEXIST ? -1 : 0;
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
	char path[4096];
	unsigned char h[HEADER];
	struct stat st;
	uint64_t vlen, sum;
	void *val = NULL;
	bool bad = false, have_st = false;
	int fd, rc = TALLY_ENOTFOUND;

	if (c == NULL || (buf == NULL && cap != 0))
		return TALLY_EINVAL;
	entry_path(c, key, path, sizeof(path), false);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		goto miss;
	/* Invariant 2: every check against the file itself. */
	if (fstat(fd, &st) != 0 || !(have_st = true) || !S_ISREG(st.st_mode) ||
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
		 * meanwhile, so only this very file goes (same inode). */
		struct stat now;

		if (have_st && stat(path, &now) == 0 &&
		    now.st_ino == st.st_ino && now.st_dev == st.st_dev)
			(void)unlink(path);
		tallyi_fetch_add_u64(&c->bad, 1, TALLY_RELAXED);
	}
	if (rc == TALLY_ENOTFOUND)
		goto miss;
	return rc;
miss:
	tallyi_fetch_add_u64(&c->misses, 1, TALLY_RELAXED);
	return TALLY_ENOTFOUND;
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

/*
 * Every entry of the cache (only names this code makes; stale temporary
 * files removed on the way). Return: the total bytes. With @out, also the
 * entries: *out (room for *cap, freed by the caller) and their number *n.
 */
static uint64_t
scan(tally_cache_disk *c, ent **out, size_t *n, size_t *cap)
{
	char path[4096];
	uint64_t total = 0;
	DIR *top;
	struct dirent *d;
	time_t now = time(NULL);

	snprintf(path, sizeof(path), "%s/tmp", c->root);
	if ((top = opendir(path)) != NULL) {
		while ((d = readdir(top)) != NULL) {
			struct stat st;

			if (d->d_name[0] == '.' || fstatat(dirfd(top),
			    d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
				continue;
			if (now - st.st_mtime > TMP_STALE_S)
				(void)unlinkat(dirfd(top), d->d_name, 0);
		}
		closedir(top);
	}
	if ((top = opendir(c->root)) == NULL)
		return 0;
	while ((d = readdir(top)) != NULL) {
		DIR *sub;
		struct dirent *e;
		int fd;

		if (!is_hex(d->d_name, 2))
			continue;
		fd = openat(dirfd(top), d->d_name, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || (sub = fdopendir(fd)) == NULL) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((e = readdir(sub)) != NULL) {
			struct stat st;

			if (!is_hex(e->d_name, 32) || fstatat(dirfd(sub),
			    e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			    !S_ISREG(st.st_mode))
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
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", c->root, v[i].name);
		if (unlink(path) == 0 || errno == ENOENT) {
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
	char tmp[4096], path[4096];
	unsigned char h[HEADER];
	uint64_t n;
	int fd, err = 0;
	const char *step = "";

	if (c == NULL || (val == NULL && len != 0))
		return TALLY_EINVAL;
	n = tallyi_fetch_add_u64(&c->counter, 1, TALLY_RELAXED);
	snprintf(tmp, sizeof(tmp), "%s/tmp/%ld.%lx.%llu", c->root,
	    (long)getpid(), (unsigned long)pthread_self(),
	    (unsigned long long)n);
	memcpy(h, MAGIC, 8);
	put_u64(h + 8, key.hi);
	put_u64(h + 16, key.lo);
	put_u64(h + 24, len);
	put_u64(h + 32, checksum(key, val, len));
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		err = errno;
		step = tmp;
		goto fail;
	}
	if (!write_full(fd, h, HEADER) || !write_full(fd, val, len) ||
	    fsync(fd) != 0) {
		err = errno ? errno : EIO;
		step = tmp;
		close(fd);
		unlink(tmp);
		goto fail;
	}
	close(fd);
	entry_path(c, key, path, sizeof(path), true);
	if (mkdir(path, 0777) != 0 && errno != EEXIST) {
		err = errno;
		step = path;
		unlink(tmp);
		goto fail;
	}
	entry_path(c, key, path, sizeof(path), false);
	if (rename(tmp, path) != 0) {
		err = errno;
		step = path;
		unlink(tmp);
		goto fail;
	}
	tallyi_fetch_add_u64(&c->stores, 1, TALLY_RELAXED);
	if (tallyi_fetch_add_u64(&c->bytes, HEADER + len, TALLY_RELAXED) +
	    HEADER + len > c->max_bytes)
		trim(c);
	return TALLY_OK;
fail:
	set_error(c, step, err);
	tallyi_fetch_add_u64(&c->store_failures, 1, TALLY_RELAXED);
	return TALLY_EIO;
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */

int
tally_cache_disk_create(const tally_cache_disk_config *cfg,
    const tally_allocator *alloc, tally_cache_disk **out, tally_error *err)
{
	tally_cache_disk *c;
	size_t n;
	char tmp[4096];
	int rc;

	tallyi_error_clear(err);
	if (cfg == NULL || out == NULL || cfg->struct_size < sizeof(*cfg) ||
	    cfg->dir == NULL || cfg->dir[0] == '\0')
		return tallyi_error_set(err, TALLY_EINVAL, UINT64_MAX,
		    "invalid argument");
	n = strlen(cfg->dir) + sizeof("/tally-cache-v1");
	if (n + 64 > sizeof(tmp))
		return tallyi_error_set(err, TALLY_EINVAL, UINT64_MAX,
		    "cache directory name longer than %zu bytes",
		    sizeof(tmp) - 64 - sizeof("/tally-cache-v1"));
	if ((c = tallyi_owner_new(alloc, sizeof(*c), &rc)) == NULL)
		return tallyi_error_set(err, rc, UINT64_MAX, "%s",
		    tally_strerror(rc));
	tallyi_error_clear(&c->last);
	if ((c->root = tallyi_alloc(&c->mem, n)) == NULL) {
		tallyi_owner_free(c, sizeof(*c));
		return tallyi_error_set(err, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory");
	}
	c->root_size = n;
	c->root_len = (size_t)snprintf(c->root, n, "%s/tally-cache-v1",
	    cfg->dir);
	c->max_bytes = cfg->max_bytes ? cfg->max_bytes : UINT64_C(1) << 30;
	pthread_mutex_init(&c->err_lock, NULL);
	snprintf(tmp, sizeof(tmp), "%s/tmp", c->root);
	if (mkdirs(tmp) != 0 || !is_dir(tmp)) {
		struct stat st;
		int e = errno;

		/* A cache someone else made, that we may only read. */
		if (stat(c->root, &st) != 0 || !S_ISDIR(st.st_mode)) {
			tally_cache_disk_destroy(c);
			return path_error(err, tmp, e);
		}
		set_error(c, tmp, e);
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
