/*
 * tests/cache_test.c - the persistent cache (tally/cache.h): round trips,
 * every way a file can be bad (each a miss, never a wrong value), eviction
 * by age of last use, a directory that cannot be written, and hostile
 * directories: links, FIFOs, renames, other users' files, stray
 * temporaries (none followed, waited on, written or removed).
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tally.h"
#include "test_util.h"

static char dir[64];
static tally_cache_disk *c;

static void
setup(void)
{
	strcpy(dir, "/tmp/tally-cache-XXXXXX");
	cr_assert(not(eq(ptr, mkdtemp(dir), NULL)));
	c = NULL;
}

static void
teardown(void)
{
	char cmd[256];

	tally_cache_disk_destroy(c);
	snprintf(cmd, sizeof(cmd), "chmod -R u+w %s; rm -rf %s", dir, dir);
	cr_expect(eq(int, system(cmd), 0));
}

TestSuite(cache, .init = setup, .fini = teardown, .timeout = 60);

static void
open_cache(uint64_t max)
{
	tally_cache_disk_config cfg = TALLY_CACHE_DISK_CONFIG_INIT;

	cfg.dir = dir;
	cfg.max_bytes = max;
	tally_cache_disk_destroy(c);
	cr_assert(eq(int, tally_cache_disk_create(&cfg, NULL, &c, NULL), TALLY_OK));
}

static tally_cache_key
key(uint64_t i)
{
	return (tally_cache_key){ 0x0123456789abcdefull ^ i, i * 7 + 1 };
}

/* The file an entry lives in, as the header says it is named. */
static void
path_of(tally_cache_key k, char *out, size_t cap)
{
	char hex[33];

	snprintf(hex, sizeof(hex), "%016llx%016llx",
	    (unsigned long long)k.hi, (unsigned long long)k.lo);
	snprintf(out, cap, "%s/tally-cache-v1/%.2s/%s", dir, hex, hex);
}

static tally_cache_disk_stats
stats(void)
{
	tally_cache_disk_stats s;

	tally_cache_disk_stats_get(c, &s);
	return s;
}

Test(cache, a_stored_value_reads_back)
{
	char buf[64];
	size_t len = 0;
	char path[256];
	struct stat st;

	open_cache(0);
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), buf, sizeof(buf),
	    &len), TALLY_ENOTFOUND));
	cr_assert(eq(int, tally_cache_disk_put(c, key(1), "hello", 5),
	    TALLY_OK));
	cr_assert(eq(int, tally_cache_disk_get(c, key(1), buf, sizeof(buf),
	    &len), TALLY_OK));
	cr_expect(eq(sz, len, 5));
	cr_expect(eq(int, memcmp(buf, "hello", 5), 0));
	/* too small a buffer: the length, nothing copied */
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), buf, 2, &len),
	    TALLY_ERANGE));
	cr_expect(eq(sz, len, 5));
	/* replaced; an empty value is a value */
	cr_assert(eq(int, tally_cache_disk_put(c, key(1), "", 0), TALLY_OK));
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), NULL, 0, &len),
	    TALLY_OK));
	cr_expect(eq(sz, len, 0));
	/* the file is named by the key's hex digits, in a 2-digit folder */
	path_of(key(1), path, sizeof(path));
	cr_expect(eq(int, stat(path, &st), 0), "%s", path);
	/* a second handle (another process, as far as files go) sees it */
	tally_cache_disk_destroy(c);
	c = NULL;
	open_cache(0);
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), NULL, 0, &len),
	    TALLY_OK));
	cr_expect(eq(u64, stats().bytes, 40));
}

/* Damage the file of key(1) with @how; the entry must read as a miss. */
static void
expect_bad(void (*how)(const char *path))
{
	char buf[256], path[256];
	size_t len;

	open_cache(0);
	memset(buf, 'v', sizeof(buf));
	cr_assert(eq(int, tally_cache_disk_put(c, key(1), buf, 200),
	    TALLY_OK));
	cr_assert(eq(int, tally_cache_disk_put(c, key(2), buf, 100),
	    TALLY_OK));
	path_of(key(1), path, sizeof(path));
	how(path);
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), buf, sizeof(buf),
	    &len), TALLY_ENOTFOUND));
	cr_expect(eq(u64, stats().bad, 1));
	/* the other entry is untouched */
	cr_expect(eq(int, tally_cache_disk_get(c, key(2), buf, sizeof(buf),
	    &len), TALLY_OK));
}

static void
truncate_it(const char *p)
{
	cr_assert(eq(int, truncate(p, 150), 0));
}

static void
flip_a_value_byte(const char *p)
{
	int fd = open(p, O_RDWR);
	char b;

	cr_assert(ge(int, fd, 0));
	cr_assert(eq(long, pread(fd, &b, 1, 100), 1));
	b ^= 1;
	cr_assert(eq(long, pwrite(fd, &b, 1, 100), 1));
	close(fd);
}

static void
put_anothers_entry(const char *p)
{
	char other[256], cmd[600];

	path_of(key(2), other, sizeof(other));
	snprintf(cmd, sizeof(cmd), "cp %s %s", other, p);
	cr_assert(eq(int, system(cmd), 0));
}

static void
write_garbage(const char *p)
{
	FILE *f = fopen(p, "w");

	fputs("TALLYC1\nnot an entry at all, but long enough to have a header",
	    f);
	fclose(f);
}

static void
empty_it(const char *p)
{
	cr_assert(eq(int, truncate(p, 0), 0));
}

Test(cache, a_truncated_file_is_a_miss) { expect_bad(truncate_it); }
Test(cache, a_corrupt_file_is_a_miss) { expect_bad(flip_a_value_byte); }
Test(cache, another_keys_file_is_a_miss) { expect_bad(put_anothers_entry); }
Test(cache, a_foreign_file_is_a_miss) { expect_bad(write_garbage); }
Test(cache, an_empty_file_is_a_miss) { expect_bad(empty_it); }

Test(cache, a_bad_file_is_removed)
{
	char path[256];
	struct stat st;

	expect_bad(flip_a_value_byte);
	path_of(key(1), path, sizeof(path));
	cr_expect(ne(int, stat(path, &st), 0));
}

/* Set the mtime (last use) of key(i)'s file to @t. */
static void
age(uint64_t i, time_t t)
{
	char path[256];
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	path_of(key(i), path, sizeof(path));
	cr_assert(eq(int, utimensat(AT_FDCWD, path, ts, 0), 0));
}

Test(cache, the_least_recently_used_entries_go_first)
{
	char val[100] = { 0 };
	size_t len;
	time_t t0 = time(NULL) - 1000;

	/* 140 bytes an entry, a bound of 1,000: 7 fit */
	open_cache(1000);
	for (uint64_t i = 0; i < 7; i++) {
		cr_assert(eq(int, tally_cache_disk_put(c, key(i), val, 100),
		    TALLY_OK));
		age(i, t0 + (time_t)i);
	}
	cr_expect(eq(u64, stats().evictions, 0));
	/* using entry 0 makes it the most recent */
	cr_assert(eq(int, tally_cache_disk_get(c, key(0), val, sizeof(val),
	    &len), TALLY_OK));
	/* the 8th passes the bound: down to 7/8 of it (875: 6 entries) */
	cr_assert(eq(int, tally_cache_disk_put(c, key(7), val, 100),
	    TALLY_OK));
	cr_expect(eq(u64, stats().evictions, 2));
	cr_expect(eq(u64, stats().bytes, 6 * 140));
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), val, sizeof(val),
	    &len), TALLY_ENOTFOUND));
	cr_expect(eq(int, tally_cache_disk_get(c, key(2), val, sizeof(val),
	    &len), TALLY_ENOTFOUND));
	for (uint64_t i = 3; i < 8; i++)
		cr_expect(eq(int, tally_cache_disk_get(c, key(i), val,
		    sizeof(val), &len), TALLY_OK), "entry %llu",
		    (unsigned long long)i);
	cr_expect(eq(int, tally_cache_disk_get(c, key(0), val, sizeof(val),
	    &len), TALLY_OK));
}

Test(cache, a_full_disk_degrades_to_misses_with_a_reason)
{
	char big[4096] = { 0 };
	struct rlimit rl = { 1000, 1000 };
	tally_error err;
	size_t len;

	open_cache(0);
	/* a file-size limit stands in for a full disk (the write fails) */
	signal(SIGXFSZ, SIG_IGN);
	cr_assert(eq(int, setrlimit(RLIMIT_FSIZE, &rl), 0));
	cr_expect(eq(int, tally_cache_disk_put(c, key(1), big, sizeof(big)),
	    TALLY_EIO));
	tally_cache_disk_error(c, &err);
	cr_expect(eq(int, err.status, TALLY_EIO));
	cr_expect(not(eq(ptr, strstr(err.message, "File too large"), NULL)),
	    "%s", err.message);
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), big, sizeof(big),
	    &len), TALLY_ENOTFOUND));
	cr_expect(eq(u64, stats().store_failures, 1));
	/* small ones still fit */
	cr_expect(eq(int, tally_cache_disk_put(c, key(2), "x", 1), TALLY_OK));
}

/* A cache holding key(1) ("v"), closed: its files are there to tamper
 * with. */
static void
one_entry_closed(void)
{
	open_cache(0);
	cr_assert(eq(int, tally_cache_disk_put(c, key(1), "v", 1), TALLY_OK));
	tally_cache_disk_destroy(c);
	c = NULL;
}

Test(cache, a_directory_it_cannot_write_is_read_only)
{
	char tmp[256], path[256];
	tally_error err;
	size_t len;

	one_entry_closed();
	/* tmp/ replaced by a file: no write can even start (as root, a
	 * permission bit would not stop it) */
	snprintf(tmp, sizeof(tmp), "%s/tally-cache-v1/tmp", dir);
	cr_assert(eq(int, rmdir(tmp), 0));
	fclose(fopen(tmp, "w"));
	open_cache(0);
	tally_cache_disk_error(c, &err);
	cr_expect(eq(int, err.status, TALLY_EIO));
	cr_expect(not(eq(ptr, strstr(err.message, "tally-cache-v1/tmp"), NULL)),
	    "%s", err.message);
	cr_expect(eq(int, tally_cache_disk_put(c, key(2), "w", 1), TALLY_EIO));
	/* reads go on (a hit: the length of what did not fit) */
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), NULL, 0, &len),
	    TALLY_ERANGE));
	cr_expect(eq(sz, len, 1));
	/* and a cache directory that cannot exist at all */
	tally_cache_disk_destroy(c);
	c = NULL;
	snprintf(path, sizeof(path), "%s/f", dir);
	fclose(fopen(path, "w"));
	{
		tally_cache_disk_config cfg = TALLY_CACHE_DISK_CONFIG_INIT;
		tally_cache_disk *d = NULL;

		snprintf(path, sizeof(path), "%s/f/sub", dir);
		cfg.dir = path;
		cr_expect(eq(int, tally_cache_disk_create(&cfg, NULL, &d,
		    &err), TALLY_EIO));
		cr_expect(eq(ptr, d, NULL));
		cr_expect(eq(int, err.status, TALLY_EIO));
		cr_expect(not(eq(ptr, strstr(err.message, "f/sub"), NULL)),
		    "%s", err.message);
		cr_expect(not(eq(ptr, strstr(err.message, "Not a directory"),
		    NULL)), "%s", err.message);
	}
}

/* ---- hostile directories (invariant 4 of engine/cache_disk.c) ---- */

/* <dir>/@rel, in @out. */
static void
in_dir(char *out, size_t cap, const char *rel)
{
	snprintf(out, cap, "%s/%s", dir, rel);
}

/* Make <dir>/@rel a directory holding "old" (1 hour old, 5 bytes). */
static void
make_victim(const char *rel)
{
	char path[256];
	struct timespec ts[2] = { { time(NULL) - 3600, 0 },
		{ time(NULL) - 3600, 0 } };
	FILE *f;

	in_dir(path, sizeof(path), rel);
	cr_assert(eq(int, mkdir(path, 0755), 0));
	strcat(path, "/old");
	cr_assert(not(eq(ptr, f = fopen(path, "w"), NULL)));
	fputs("keep\n", f);
	fclose(f);
	cr_assert(eq(int, utimensat(AT_FDCWD, path, ts, 0), 0));
}

/* How many names <dir>/@rel holds (. and .. not counted). */
static int
names_in(const char *rel)
{
	char cmd[300];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A %s/%s | wc -l", dir, rel);
	cr_assert(not(eq(ptr, p = popen(cmd, "r"), NULL)));
	cr_assert(eq(int, fscanf(p, "%d", &n), 1));
	pclose(p);
	return n;
}

/* Replace <dir>/@rel (a directory made by the cache) by a link to @to. */
static void
link_dir(const char *rel, const char *to)
{
	char path[256], cmd[600];

	in_dir(path, sizeof(path), rel);
	snprintf(cmd, sizeof(cmd), "rm -rf %s && ln -s %s %s", path, to,
	    path);
	cr_assert(eq(int, system(cmd), 0));
}

/* tally_cache_disk_create() of <dir> into @d; its status. */
static int
try_create(tally_cache_disk **d, tally_error *err)
{
	tally_cache_disk_config cfg = TALLY_CACHE_DISK_CONFIG_INIT;

	cfg.dir = dir;
	*d = NULL;
	return tally_cache_disk_create(&cfg, NULL, d, err);
}

Test(cache, a_linked_cache_root_is_refused_and_untouched)
{
	char victim[256];
	tally_cache_disk *d;
	tally_error err;

	make_victim("victim");
	in_dir(victim, sizeof(victim), "victim");
	cr_assert(eq(int, mkdir(strcat(strcpy((char[256]){ 0 }, victim),
	    "/tmp"), 0755), 0));
	link_dir("tally-cache-v1", victim);
	cr_expect(eq(int, try_create(&d, &err), TALLY_EIO));
	cr_expect(eq(ptr, d, NULL));
	cr_expect(not(eq(ptr, strstr(err.message, "tally-cache-v1: a "
	    "symbolic link"), NULL)), "%s", err.message);
	cr_expect(eq(int, names_in("victim"), 2));
	cr_expect(eq(int, names_in("victim/tmp"), 0));
}

Test(cache, a_linked_tmp_is_read_only_and_never_swept)
{
	char victim[256], path[256];
	tally_error err;
	size_t len;

	one_entry_closed();
	make_victim("victim");
	/* a file named as the cache names its temporaries, and old */
	in_dir(path, sizeof(path), "victim/tally-tmp.1.a.1");
	cr_assert(eq(int, link(strcat(strcpy((char[256]){ 0 }, dir),
	    "/victim/old"), path), 0));
	in_dir(victim, sizeof(victim), "victim");
	link_dir("tally-cache-v1/tmp", victim);
	open_cache(100); /* a store would trim: nothing to store with */
	tally_cache_disk_error(c, &err);
	cr_expect(eq(int, err.status, TALLY_EIO));
	cr_expect(not(eq(ptr, strstr(err.message, "tally-cache-v1/tmp: a "
	    "symbolic link"), NULL)), "%s", err.message);
	cr_expect(eq(int, tally_cache_disk_put(c, key(2), "w", 1), TALLY_EIO));
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), NULL, 0, &len),
	    TALLY_ERANGE), "lookups go on");
	cr_expect(eq(int, names_in("victim"), 2));
}

Test(cache, a_linked_shard_is_neither_read_nor_written)
{
	char victim[256], hex[256], path[600];
	char buf[8];
	size_t len;

	open_cache(0);
	/* a good entry of key(1), moved to the victim: served through a
	 * link, it would be a hit */
	cr_assert(eq(int, tally_cache_disk_put(c, key(1), "v", 1), TALLY_OK));
	make_victim("victim");
	path_of(key(1), hex, sizeof(hex));
	in_dir(victim, sizeof(victim), "victim");
	snprintf(path, sizeof(path), "mv %s %s/", hex, victim);
	cr_assert(eq(int, system(path), 0));
	link_dir("tally-cache-v1/01", victim);
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), buf, sizeof(buf),
	    &len), TALLY_ENOTFOUND));
	cr_expect(eq(u64, stats().bad, 1));
	cr_expect(eq(int, tally_cache_disk_put(c, key(2), "w", 1), TALLY_EIO));
	cr_expect(eq(int, names_in("victim"), 2));
	/* nor evicted through it: a store in another shard trims all */
	open_cache(1);
	cr_expect(eq(int, tally_cache_disk_put(c, (tally_cache_key){
	    0xab00000000000000ull, 1 }, "v", 1), TALLY_OK));
	cr_expect(eq(u64, stats().evictions, 1), "only the new entry");
	cr_expect(eq(int, names_in("victim"), 2));
	cr_expect(eq(int, names_in("tally-cache-v1/tmp"), 0));
}

Test(cache, a_fifo_or_a_link_as_an_entry_is_a_miss_not_a_wait)
{
	char path[256], other[256];
	size_t len;
	struct stat st;

	open_cache(0);
	cr_assert(eq(int, tally_cache_disk_put(c, key(2), "w", 1), TALLY_OK));
	path_of(key(1), path, sizeof(path));
	cr_assert(eq(int, mkfifo(path, 0600), 0));
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), NULL, 0, &len),
	    TALLY_ENOTFOUND));
	cr_expect(eq(int, lstat(path, &st), 0));
	cr_expect(eq(int, S_ISFIFO(st.st_mode), 1), "not the cache's to remove");
	/* a link to a good entry (key(2)'s, copied under key(1)'s name) */
	path_of(key(2), other, sizeof(other));
	cr_assert(eq(int, unlink(path), 0));
	cr_assert(eq(int, rename(other, path), 0));
	cr_assert(eq(int, symlink(path, other), 0));
	cr_expect(eq(int, tally_cache_disk_get(c, key(2), NULL, 0, &len),
	    TALLY_ENOTFOUND));
	cr_expect(eq(u64, stats().bad, 2));
	cr_expect(eq(int, lstat(other, &st), 0));
	cr_expect(eq(int, S_ISLNK(st.st_mode), 1));
}

Test(cache, a_renamed_path_does_not_move_the_cache)
{
	char from[256], to[256], victim[256];
	size_t len;

	open_cache(0);
	make_victim("victim");
	in_dir(from, sizeof(from), "tally-cache-v1");
	in_dir(to, sizeof(to), "moved");
	in_dir(victim, sizeof(victim), "victim");
	cr_assert(eq(int, rename(from, to), 0));
	cr_assert(eq(int, symlink(victim, from), 0));
	cr_expect(eq(int, tally_cache_disk_put(c, key(1), "v", 1), TALLY_OK));
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), NULL, 0, &len),
	    TALLY_ERANGE));
	cr_expect(eq(int, names_in("victim"), 1));
	cr_expect(eq(int, names_in("moved/01"), 1));
}

/* Make <dir>/tally-cache-v1/tmp/@name, @size bytes, @old seconds old. */
static void
temp_file(const char *name, size_t size, time_t old)
{
	char path[256];
	struct timespec ts[2] = { { time(NULL) - old, 0 },
		{ time(NULL) - old, 0 } };

	snprintf(path, sizeof(path), "%s/tally-cache-v1/tmp/%s", dir, name);
	cr_assert(eq(int, close(open(path, O_WRONLY | O_CREAT, 0600)), 0));
	cr_assert(eq(int, truncate(path, (off_t)size), 0));
	cr_assert(eq(int, utimensat(AT_FDCWD, path, ts, 0), 0));
}

Test(cache, temporary_files_count_and_only_the_caches_are_swept)
{
	char val[100] = { 0 };
	size_t len;

	open_cache(0);
	/* a live writer's, a dead writer's, and others' that look stale */
	temp_file("tally-tmp.12.7f3a.0", 500, 5);
	temp_file("tally-tmp.12.7f3a.1", 3000, 3600);
	temp_file("precious", 3000, 3600);
	temp_file("tally-tmp.12.7f3a.x", 3000, 3600);
	temp_file("tally-tmp.12..1", 3000, 3600);
	cr_assert(eq(int, symlink("/etc/passwd", strcat(strcat(strcpy(
	    (char[256]){ 0 }, dir), "/tally-cache-v1/tmp/"),
	    "tally-tmp.1.a.2")), 0));
	open_cache(0);
	cr_expect(eq(u64, stats().bytes, 500), "the live one counts");
	cr_expect(eq(int, names_in("tally-cache-v1/tmp"), 5),
	    "only the dead writer's went");
	/* counted against the bound: 3 entries of 140 and the 500 pass
	 * 900 (the entries alone never would), and the oldest entry going
	 * brings 920 under 7/8 of it (784) */
	open_cache(900);
	cr_assert(eq(int, tally_cache_disk_put(c, key(1), val, 100), 0));
	age(1, time(NULL) - 200);
	cr_assert(eq(int, tally_cache_disk_put(c, key(2), val, 100), 0));
	age(2, time(NULL) - 100);
	cr_assert(eq(int, tally_cache_disk_put(c, key(3), val, 100), 0));
	cr_expect(eq(u64, stats().evictions, 1));
	cr_expect(eq(u64, stats().bytes, 780));
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), NULL, 0, &len),
	    TALLY_ENOTFOUND), "the oldest went");
}

Test(cache, directories_are_made_0700_or_as_told)
{
	tally_cache_disk_config cfg = TALLY_CACHE_DISK_CONFIG_INIT;
	static const char *const sub[] = { "a", "a/b", "a/b/tally-cache-v1",
		"a/b/tally-cache-v1/tmp", "a/b/tally-cache-v1/01" };
	char path[256], where[256];
	struct stat st;
	mode_t old = umask(022);
	tally_error err;
	tally_cache_disk *d = NULL;

	for (int m = 0; m < 2; m++) {
		snprintf(where, sizeof(where), "%s/%s/a/b", dir, m ? "g" : "u");
		cfg.dir = where;
		cfg.dir_mode = m ? 0770 : 0;
		cr_assert(eq(int, tally_cache_disk_create(&cfg, NULL, &d, NULL),
		    TALLY_OK));
		cr_assert(eq(int, tally_cache_disk_put(d, key(1), "v", 1), 0));
		tally_cache_disk_destroy(d);
		for (int i = 0; i < 5; i++) {
			snprintf(path, sizeof(path), "%s/%s/%s", dir,
			    m ? "g" : "u", sub[i]);
			cr_assert(eq(int, stat(path, &st), 0), "%s", path);
			cr_expect(eq(u32, st.st_mode & 07777, m ? 0750 : 0700),
			    "%s", path);
		}
	}
	umask(old);
	/* the entry itself */
	snprintf(where, sizeof(where), "%s/u/a/b", dir);
	cfg.dir = where;
	cfg.dir_mode = 0;
	cr_assert(eq(int, tally_cache_disk_create(&cfg, NULL, &d, NULL), 0));
	tally_cache_disk_destroy(d);
	snprintf(path, sizeof(path), "%s/u/a/b/tally-cache-v1/01/%016llx%016llx",
	    dir, (unsigned long long)key(1).hi, (unsigned long long)key(1).lo);
	cr_assert(eq(int, stat(path, &st), 0), "%s", path);
	cr_expect(eq(u32, st.st_mode & 07777, 0600));
	/* modes the cache could not use itself, or that mkdir() drops */
	d = NULL;
	cfg.dir_mode = 0500;
	cr_expect(eq(int, tally_cache_disk_create(&cfg, NULL, &d, &err),
	    TALLY_EINVAL));
	cfg.dir_mode = 010700;
	cr_expect(eq(int, tally_cache_disk_create(&cfg, NULL, &d, &err),
	    TALLY_EINVAL));
	cfg.dir_mode = 02770;
	cr_expect(eq(int, tally_cache_disk_create(&cfg, NULL, &d, &err),
	    TALLY_EINVAL));
	cr_expect(not(eq(ptr, strstr(err.message, "at most 0777"), NULL)),
	    "%s", err.message);
	cr_expect(eq(ptr, d, NULL));
	/* a caller compiled before dir_mode: accepted, 0700 */
	cfg.struct_size = offsetof(tally_cache_disk_config, dir_mode);
	cr_expect(eq(int, tally_cache_disk_create(&cfg, NULL, &d, &err),
	    TALLY_OK));
	tally_cache_disk_destroy(d);
}

Test(cache, nosync_stores_read_back_and_unknown_flags_are_refused)
{
	tally_cache_disk_config cfg = TALLY_CACHE_DISK_CONFIG_INIT;
	tally_cache_disk_stats st;
	tally_cache_disk *d = NULL;
	tally_error err;
	char where[256], buf[8];
	size_t len;

	snprintf(where, sizeof(where), "%s/nosync", dir);
	cfg.dir = where;
	cfg.flags = TALLY_CACHE_DISK_NOSYNC;
	cr_assert(eq(int, tally_cache_disk_create(&cfg, NULL, &d, &err), 0),
	    "%s", err.message);
	for (uint64_t i = 0; i < 64; i++)
		cr_assert(eq(int, tally_cache_disk_put(d, key(i), &i, 8), 0));
	tally_cache_disk_destroy(d);
	/* another handle (as another process would) reads every one back */
	cfg.flags = 0;
	cr_assert(eq(int, tally_cache_disk_create(&cfg, NULL, &d, &err), 0));
	for (uint64_t i = 0; i < 64; i++) {
		cr_assert(eq(int, tally_cache_disk_get(d, key(i), buf,
		    sizeof(buf), &len), TALLY_OK));
		cr_expect(eq(sz, len, 8));
		cr_expect(eq(int, memcmp(buf, &i, 8), 0));
	}
	tally_cache_disk_stats_get(d, &st);
	cr_expect(eq(u64, st.hits, 64));
	tally_cache_disk_destroy(d);
	d = NULL;
	cfg.flags = 0x2;
	cr_expect(eq(int, tally_cache_disk_create(&cfg, NULL, &d, &err),
	    TALLY_EINVAL));
	cr_expect(not(eq(ptr, strstr(err.message, "unknown bits"), NULL)),
	    "%s", err.message);
	cr_expect(eq(ptr, d, NULL));
	/* a caller compiled before flags: its bytes past the struct unread */
	cfg.struct_size = offsetof(tally_cache_disk_config, flags);
	cr_expect(eq(int, tally_cache_disk_create(&cfg, NULL, &d, &err),
	    TALLY_OK));
	tally_cache_disk_destroy(d);
}

/* As root: chown @rel (below <dir>) to nobody. */
static void
give_away(const char *rel)
{
	char path[256];

	in_dir(path, sizeof(path), rel);
	cr_assert(eq(int, lchown(path, 65534, 65534), 0), "%s", path);
}

Test(cache, another_users_files_and_directories_are_not_trusted)
{
	char hex[256];
	tally_cache_disk *d;
	tally_error err;
	size_t len;
	struct stat st;

	if (geteuid() != 0)
		cr_skip_test("needs root to give files away");
	open_cache(0);
	for (uint64_t i = 1; i <= 3; i++)
		cr_assert(eq(int, tally_cache_disk_put(c, key(i), "v", 1), 0));
	cr_assert(eq(int, tally_cache_disk_put(c, (tally_cache_key){
	    0xab00000000000000ull, 1 }, "v", 1), 0));
	/* an entry: a miss, not removed, not evicted, not counted */
	path_of(key(1), hex, sizeof(hex));
	cr_assert(eq(int, lchown(hex, 65534, 65534), 0));
	cr_expect(eq(int, tally_cache_disk_get(c, key(1), NULL, 0, &len),
	    TALLY_ENOTFOUND));
	cr_expect(eq(int, stat(hex, &st), 0), "not the cache's to remove");
	open_cache(1);
	cr_expect(eq(u64, stats().bytes, 3 * 41));
	cr_assert(eq(int, tally_cache_disk_put(c, key(2), "v", 1), 0));
	cr_expect(eq(int, stat(hex, &st), 0), "not the cache's to evict");
	/* a temporary file, old: not swept */
	temp_file("tally-tmp.1.a.1", 10, 3600);
	give_away("tally-cache-v1/tmp/tally-tmp.1.a.1");
	open_cache(0);
	cr_expect(eq(int, names_in("tally-cache-v1/tmp"), 1));
	/* a shard: a miss, and no store into it */
	cr_assert(eq(int, tally_cache_disk_put(c, key(3), "v", 1), 0));
	give_away("tally-cache-v1/01");
	cr_expect(eq(int, tally_cache_disk_get(c, key(3), NULL, 0, &len),
	    TALLY_ENOTFOUND));
	cr_expect(eq(int, tally_cache_disk_put(c, key(4), "v", 1), TALLY_EIO));
	tally_cache_disk_error(c, &err);
	cr_expect(not(eq(ptr, strstr(err.message, "tally-cache-v1/01: owned "
	    "by uid 65534"), NULL)), "%s", err.message);
	/* tmp: read-only (the trim above removed the 0xab entry) */
	cr_assert(eq(int, tally_cache_disk_put(c, (tally_cache_key){
	    0xab00000000000000ull, 1 }, "v", 1), 0));
	give_away("tally-cache-v1/tmp");
	open_cache(0);
	cr_expect(eq(int, tally_cache_disk_put(c, (tally_cache_key){
	    0xab00000000000000ull, 2 }, "v", 1), TALLY_EIO));
	cr_expect(eq(int, tally_cache_disk_get(c, (tally_cache_key){
	    0xab00000000000000ull, 1 }, NULL, 0, &len), TALLY_ERANGE));
	/* the cache itself: refused */
	give_away("tally-cache-v1");
	cr_expect(eq(int, try_create(&d, &err), TALLY_EIO));
	cr_expect(not(eq(ptr, strstr(err.message, "not trusted"), NULL)),
	    "%s", err.message);
}

/* ---- the in-memory level (L2) ---- */

static tally_cache_mem *mc;

static void
mc_teardown(void)
{
	tally_cache_mem_destroy(mc);
	mc = NULL;
}

TestSuite(memcache, .fini = mc_teardown, .timeout = 60);

/* One shard that holds exactly @n entries of @len bytes. */
static void
mc_make(unsigned n, size_t len)
{
	tally_cache_mem_config cfg = TALLY_CACHE_MEM_CONFIG_INIT;
	size_t per = 0;

	/* find the per-entry size the cache charges: one entry's bytes */
	cfg.shards = 1;
	cfg.max_bytes = 1 << 20;
	cr_assert(eq(int, tally_cache_mem_create(&cfg, NULL, &mc), TALLY_OK));
	cr_assert(eq(int, tally_cache_mem_put(mc, key(999), "x", 0), 0));
	{
		tally_cache_mem_stats st;

		tally_cache_mem_stats_get(mc, &st);
		per = st.bytes + len;
	}
	tally_cache_mem_destroy(mc);
	cfg.max_bytes = per * n;
	cr_assert(eq(int, tally_cache_mem_create(&cfg, NULL, &mc), TALLY_OK));
}

static int
mc_get(uint64_t i)
{
	char buf[64];
	size_t len;

	return tally_cache_mem_get(mc, key(i), buf, sizeof(buf), &len);
}

Test(memcache, a_stored_value_reads_back)
{
	char buf[16];
	size_t len = 0;

	cr_assert(eq(int, tally_cache_mem_create(NULL, NULL, &mc), TALLY_OK));
	cr_expect(eq(int, mc_get(1), TALLY_ENOTFOUND));
	cr_assert(eq(int, tally_cache_mem_put(mc, key(1), "hello", 5), 0));
	cr_assert(eq(int, tally_cache_mem_get(mc, key(1), buf, sizeof(buf),
	    &len), TALLY_OK));
	cr_expect(eq(sz, len, 5));
	cr_expect(eq(int, memcmp(buf, "hello", 5), 0));
	cr_expect(eq(int, tally_cache_mem_get(mc, key(1), buf, 3, &len),
	    TALLY_ERANGE));
	cr_assert(eq(int, tally_cache_mem_put(mc, key(1), "bye", 3), 0));
	cr_assert(eq(int, tally_cache_mem_get(mc, key(1), buf, sizeof(buf),
	    &len), TALLY_OK));
	cr_expect(eq(sz, len, 3));
	{
		tally_cache_mem_stats st;

		tally_cache_mem_stats_get(mc, &st);
		cr_expect(eq(u64, st.entries, 1));
	}
}

/*
 * SIEVE: room for 3. A, B, C in; A hit (visited). D evicts: the hand
 * starts at the oldest (A), clears its bit and moves on to B, which was
 * not visited: B goes. E evicts next: the hand is at C (not visited): C
 * goes, and A, cleared, would go after.
 */
Test(memcache, sieve_spares_what_was_used)
{
	mc_make(3, 8);
	for (uint64_t i = 1; i <= 3; i++)
		cr_assert(eq(int, tally_cache_mem_put(mc, key(i), "12345678",
		    8), 0));
	cr_expect(eq(int, mc_get(1), TALLY_OK));
	cr_assert(eq(int, tally_cache_mem_put(mc, key(4), "12345678", 8), 0));
	cr_expect(eq(int, mc_get(2), TALLY_ENOTFOUND));
	cr_expect(eq(int, mc_get(3), TALLY_OK)); /* C visited now */
	cr_assert(eq(int, tally_cache_mem_put(mc, key(5), "12345678", 8), 0));
	/* hand at C: visited, cleared; then D: not visited, goes */
	cr_expect(eq(int, mc_get(4), TALLY_ENOTFOUND));
	cr_expect(eq(int, mc_get(1), TALLY_OK));
	cr_expect(eq(int, mc_get(3), TALLY_OK));
	cr_expect(eq(int, mc_get(5), TALLY_OK));
}

Test(memcache, the_bound_holds_and_too_big_is_refused)
{
	tally_cache_mem_config cfg = TALLY_CACHE_MEM_CONFIG_INIT;
	tally_cache_mem_stats st;
	char val[300] = { 0 };

	cfg.max_bytes = 64 * 1024;
	cfg.shards = 4;
	cr_assert(eq(int, tally_cache_mem_create(&cfg, NULL, &mc), TALLY_OK));
	for (uint64_t i = 0; i < 5000; i++)
		cr_assert(eq(int, tally_cache_mem_put(mc, key(i), val,
		    100 + i % 200), 0));
	tally_cache_mem_stats_get(mc, &st);
	cr_expect(le(u64, st.bytes, cfg.max_bytes));
	cr_expect(gt(u64, st.evictions, 4000));
	cr_expect(eq(u64, st.entries + st.evictions, 5000));
	{
		static char big[20000];

		cr_expect(eq(int, tally_cache_mem_put(mc, key(1), big,
		    sizeof(big)), TALLY_ERANGE));
	}
}

static int
mc_exercise(const tally_allocator *a)
{
	tally_cache_mem_config cfg = TALLY_CACHE_MEM_CONFIG_INIT;
	char val[200] = { 0 };
	int rc;

	cfg.max_bytes = 16 * 1024;
	cfg.shards = 2;
	if ((rc = tally_cache_mem_create(&cfg, a, &mc)) != TALLY_OK)
		return rc;
	for (uint64_t i = 0; i < 400 && rc == TALLY_OK; i++)
		rc = tally_cache_mem_put(mc, key(i % 150), val, i % 200);
	tally_cache_mem_destroy(mc);
	mc = NULL;
	return rc;
}

Test(memcache, every_allocation_failure_is_clean)
{
	counting cnt = COUNTING_INIT(0);
	tally_allocator a = { c_alloc, c_free, &cnt };
	long total;

	cr_assert(eq(int, mc_exercise(&a), TALLY_OK));
	cr_expect(eq(sz, cnt.live_bytes, 0));
	total = cnt.allocs;
	for (long k = 1; k <= total; k++) {
		int rc;

		cnt = (counting)COUNTING_INIT(k);
		rc = mc_exercise(&a);
		cr_expect(rc == TALLY_OK || rc == TALLY_ENOMEM,
		    "allocation %ld: rc %d", k, rc);
		cr_expect(eq(long, cnt.allocs - 1, cnt.frees),
		    "allocation %ld: blocks leaked", k);
		cr_expect(eq(long, cnt.bad_frees, 0), "allocation %ld", k);
	}
}

/* ---- the per-thread level (L1) ---- */

/*
 * A naive exact LRU with values: arrays and linear searches. Values run up
 * to L1_VMAX bytes, past each of the sizes the cache copies differently.
 */
#define L1_VMAX 100
typedef struct model {
	uint64_t key[16], used[16];
	char val[16][L1_VMAX];
	size_t len[16], n;
} model;

static bool
model_get(model *m, uint64_t k, uint64_t now_, char *out, size_t *len)
{
	for (size_t i = 0; i < m->n; i++) {
		if (m->key[i] != k)
			continue;
		m->used[i] = now_;
		memcpy(out, m->val[i], m->len[i]);
		*len = m->len[i];
		return true;
	}
	return false;
}

static void
model_remove(model *m, uint64_t k)
{
	for (size_t i = 0; i < m->n; i++) {
		if (m->key[i] != k)
			continue;
		m->n--;
		m->key[i] = m->key[m->n];
		m->used[i] = m->used[m->n];
		memcpy(m->val[i], m->val[m->n], m->len[m->n]);
		m->len[i] = m->len[m->n];
		return;
	}
}

static void
model_put(model *m, uint64_t k, uint64_t now_, const char *v, size_t len)
{
	size_t i, old = 0;

	for (i = 0; i < m->n && m->key[i] != k; i++)
		;
	if (i == m->n) {
		if (m->n < 16) {
			i = m->n++;
		} else {
			for (i = 1; i < 16; i++)
				if (m->used[i] < m->used[old])
					old = i;
			i = old;
		}
	}
	m->key[i] = k;
	m->used[i] = now_;
	memcpy(m->val[i], v, len);
	m->len[i] = len;
}

Test(l1, matches_an_exact_lru_with_values)
{
	tally_cache_l1 *l1;
	model m = { .n = 0 };
	uint64_t seed = 88172645463325252ull, want_hits = 0;
	tally_cache_l1_stats l1s;

	cr_assert(eq(int, tally_cache_l1_create(16, L1_VMAX, NULL, &l1), TALLY_OK));
	for (uint64_t t = 1; t <= 20000; t++) {
		uint64_t k;
		char a[L1_VMAX], b[L1_VMAX];
		size_t la = 0, lb = 0;

		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		k = seed % 3 ? seed % 12 : seed % 40; /* hot and cold keys */
		if ((seed >> 56) % 16 == 1) {
			tally_cache_l1_remove(l1, key(k));
			model_remove(&m, k);
			continue;
		}
		if (seed >> 62 == 0) {
			size_t len = (size_t)(seed >> 20) % (L1_VMAX + 1);

			for (size_t i = 0; i < sizeof(a); i++)
				a[i] = (char)(t + i * 7); /* each byte its own */
			cr_assert(eq(int, tally_cache_l1_put(l1, key(k), a, len), 0));
			model_put(&m, k, t, a, len);
			continue;
		}
		{
			bool hit = model_get(&m, k, t, b, &lb);
			int rc = tally_cache_l1_get(l1, key(k), a, sizeof(a), &la);

			want_hits += hit;
			cr_assert(eq(int, rc, hit ? TALLY_OK : TALLY_ENOTFOUND),
			    "op %llu key %llu", (unsigned long long)t,
			    (unsigned long long)k);
			if (hit) {
				cr_assert(eq(sz, la, lb));
				cr_assert(eq(int, memcmp(a, b, la), 0));
			}
		}
	}
	tally_cache_l1_stats_get(l1, &l1s);
	cr_expect(eq(u64, l1s.hits, want_hits));
	cr_expect(gt(u64, l1s.hits, 1000)); /* the trace does reuse */
	{
		char big[L1_VMAX + 1] = { 0 };
		size_t len;

		cr_expect(eq(int, tally_cache_l1_put(l1, key(1), big, L1_VMAX + 1),
		    TALLY_ERANGE));
		cr_assert(eq(int, tally_cache_l1_put(l1, key(1), big, L1_VMAX), 0));
		cr_expect(eq(int, tally_cache_l1_get(l1, key(1), big, 8, &len),
		    TALLY_ERANGE));
		cr_expect(eq(sz, len, L1_VMAX));
	}
	tally_cache_l1_destroy(l1);
	cr_expect(eq(int, tally_cache_l1_create(0, 8, NULL, &l1), TALLY_EINVAL));
}

/* ---- the chained levels ---- */

static tally_cache *cc;

static void *
lookup_elsewhere(void *arg)
{
	char buf[64];
	size_t len;

	return (void *)(intptr_t)tally_cache_get(cc, key((uint64_t)(
	    uintptr_t)arg), buf, sizeof(buf), &len);
}

static tally_cache_stats
cstats(void)
{
	tally_cache_stats st;

	tally_cache_stats_get(cc, &st);
	return st;
}

Test(cache, levels_fall_through_and_promote)
{
	tally_cache_config cfg = TALLY_CACHE_CONFIG_INIT;
	char buf[64];
	size_t len;
	pthread_t th;
	void *rv;

	cfg.dir = dir;
	cfg.l1_max_value = 16;
	cr_assert(eq(int, tally_cache_create(&cfg, NULL, &cc, NULL), TALLY_OK));
	cr_assert(eq(int, tally_cache_put(cc, key(1), "small", 5), 0));
	cr_assert(eq(int, tally_cache_get(cc, key(1), buf, sizeof(buf),
	    &len), TALLY_OK));
	cr_expect(eq(u64, cstats().l1_hits, 1));
	/* another thread: its own L1 is empty, L2 has it */
	cr_assert(eq(int, pthread_create(&th, NULL, lookup_elsewhere,
	    (void *)1), 0));
	pthread_join(th, &rv);
	cr_expect(eq(int, (int)(intptr_t)rv, TALLY_OK));
	cr_expect(eq(u64, cstats().l2_hits, 1));
	/* too big for L1 (16): L2 serves it, again and again */
	cr_assert(eq(int, tally_cache_put(cc, key(2),
	    "a value of thirty-two bytes ....", 32), 0));
	cr_assert(eq(int, tally_cache_get(cc, key(2), buf, sizeof(buf),
	    &len), TALLY_OK));
	cr_expect(eq(sz, len, 32));
	cr_expect(eq(u64, cstats().l2_hits, 2));
	cr_expect(eq(int, tally_cache_get(cc, key(3), buf, sizeof(buf),
	    &len), TALLY_ENOTFOUND));
	cr_expect(eq(u64, cstats().misses, 1));
	/* a new process, as far as the cache goes: only L3 remembers */
	tally_cache_destroy(cc);
	cr_assert(eq(int, tally_cache_create(&cfg, NULL, &cc, NULL), TALLY_OK));
	cr_assert(eq(int, tally_cache_get(cc, key(1), buf, sizeof(buf),
	    &len), TALLY_OK));
	cr_expect(eq(int, memcmp(buf, "small", 5), 0));
	cr_expect(eq(u64, cstats().l3_hits, 1));
	/* promoted: L1 now */
	cr_assert(eq(int, tally_cache_get(cc, key(1), buf, sizeof(buf),
	    &len), TALLY_OK));
	cr_expect(eq(u64, cstats().l1_hits, 1));
	tally_cache_destroy(cc);
	cc = NULL;
}

Test(cache, a_value_too_big_for_a_level_leaves_no_old_copy_there)
{
	tally_cache_config cfg = TALLY_CACHE_CONFIG_INIT;
	static char big[8192];
	char buf[16];
	size_t len;

	cfg.dir = dir;
	cfg.l1_max_value = 16;
	cfg.l2_bytes = 16 * 1024; /* one shard's part: 1 KiB */
	cr_assert(eq(int, tally_cache_create(&cfg, NULL, &cc, NULL), TALLY_OK));
	cr_assert(eq(int, tally_cache_put(cc, key(1), "old", 3), 0));
	memset(big, 'n', sizeof(big));
	cr_assert(eq(int, tally_cache_put(cc, key(1), big, sizeof(big)),
	    0));
	/* neither L1 nor L2 may answer "old": L3 has the new one */
	cr_expect(eq(int, tally_cache_get(cc, key(1), buf, sizeof(buf),
	    &len), TALLY_ERANGE));
	cr_expect(eq(sz, len, sizeof(big)));
	/* a lookup that copied nothing out is neither a hit nor a miss */
	cr_expect(eq(u64, cstats().l3_hits + cstats().misses, 0));
	cr_expect(eq(int, tally_cache_get(cc, key(1), big, sizeof(big),
	    &len), TALLY_OK));
	cr_expect(eq(u64, cstats().l3_hits, 1));
	tally_cache_destroy(cc);
	cc = NULL;
}
