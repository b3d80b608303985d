/*
 * tests/merge_test.c - tally merge: the merged log, read back, gives the
 * same unique results as its inputs; indexes are re-pointed; empty runs are
 * kept; bad inputs and failed writes leave nothing behind; outputs never
 * destroy what they replace; --sources reads nothing outside its directory.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tally.h"
#include "test_util.h"

#define DATA TALLY_TEST_DATA

static char dir[64];

static void
setup(void)
{
	strcpy(dir, "/tmp/tally-merge-XXXXXX");
	cr_assert(not(eq(ptr, mkdtemp(dir), NULL)));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect(eq(int, system(cmd), 0));
}

TestSuite(merge, .init = setup, .fini = teardown, .timeout = 120);

static const char *
tmp(const char *name)
{
	static char p[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert(not(eq(ptr, f, NULL)));
	fputs(text, f);
	fclose(f);
}

/* Append a line per group ("rule\ttool\trule\tcount") to @out. */
static void
dump_dim(tally_engine *e, tally_snapshot *s, tally_dim d, const char *tag,
    char *out, size_t cap)
{
	size_t n = tally_snapshot_group_count(s, d), got;
	tally_group *g = calloc(n + 1, sizeof(*g));

	cr_assert(eq(int, tally_snapshot_groups(s, d, TALLY_ORDER_COUNT, g, n,
	    &got), 0));
	for (size_t i = 0; i < got; i++) {
		size_t len = strlen(out);
		const char *a = d == TALLY_DIM_FILE ?
		    tally_engine_string_lookup(e, TALLY_STR_FILE, g[i].file, NULL) :
		    tally_engine_string_lookup(e, TALLY_STR_TOOL, g[i].tool, NULL);
		const char *b = d == TALLY_DIM_RULE ?
		    tally_engine_string_lookup(e, TALLY_STR_RULE, g[i].rule, NULL) : "";

		snprintf(out + len, cap - len, "%s\t%s\t%s\t%llu\n", tag, a, b,
		    (unsigned long long)g[i].count);
	}
	free(g);
}

/*
 * Read @paths into a new engine and describe its unique results by name:
 * totals, levels and every group, in ranking order. Names, not ids, so two
 * engines compare.
 */
static char *
describe(const char *const *paths, size_t n, uint64_t *read)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *e = NULL;
	tally_snapshot *s = NULL;
	tally_totals t;
	size_t cap = 1 << 20;
	char *out = calloc(cap, 1);

	cfg.workers = 1;
	cr_assert(eq(int, tally_engine_create(&e, &cfg), 0));
	for (size_t i = 0; i < n; i++) {
		tally_sarif_report rep;

		cr_assert(eq(int, tally_sarif_read_file(e, paths[i], NULL, &rep),
		    0), "%s: %s", paths[i], rep.error.message);
	}
	cr_assert(eq(int, tally_engine_flush(e), 0));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), 0));
	tally_snapshot_totals(s, &t);
	*read = t.read;
	snprintf(out, cap, "unique\t%llu\nlevels\t%llu %llu %llu %llu\n",
	    (unsigned long long)t.unique,
	    (unsigned long long)tally_snapshot_level(s, 0),
	    (unsigned long long)tally_snapshot_level(s, 1),
	    (unsigned long long)tally_snapshot_level(s, 2),
	    (unsigned long long)tally_snapshot_level(s, 3));
	dump_dim(e, s, TALLY_DIM_TOOL, "tool", out, cap);
	dump_dim(e, s, TALLY_DIM_RULE, "rule", out, cap);
	dump_dim(e, s, TALLY_DIM_FILE, "file", out, cap);
	tally_snapshot_release(s);
	tally_engine_destroy(e);
	return out;
}

/* Merge @paths into @out; returns the merge's unique count. */
static uint64_t
merge(const char *const *paths, size_t n, const char *out)
{
	tally_sarif_merge *m = NULL;
	tally_sarif_merge_stats st;

	cr_assert(eq(int, tally_sarif_merge_create(&m, NULL), 0));
	for (size_t i = 0; i < n; i++) {
		tally_sarif_report rep;

		cr_assert(eq(int, tally_sarif_merge_add_file(m, paths[i], NULL,
		    &rep), 0), "%s: %s", paths[i], rep.error.message);
	}
	cr_assert(eq(int, tally_sarif_merge_write(m, out, NULL), 0));
	tally_sarif_merge_stats_get(m, &st);
	tally_sarif_merge_destroy(m);
	cr_expect(le(u64, st.unique, st.read));
	return st.unique;
}

static void
expect_round_trip(const char *const *paths, size_t n)
{
	const char *out = tmp("merged.sarif");
	uint64_t in_read, out_read, unique = merge(paths, n, out);
	char *before = describe(paths, n, &in_read);
	char *after = describe(&out, 1, &out_read);

	cr_expect(eq(str, after, before));
	/* The merged log holds each unique result once: no duplicates. */
	cr_expect(eq(u64, out_read, unique));
	cr_expect(le(u64, unique, in_read));
	free(before);
	free(after);
}

Test(merge, round_trip_keeps_every_unique_result)
{
	const char *paths[] = {
		DATA "/defs/defs.sarif",
		DATA "/samples/eslint-recommended.sarif",
		DATA "/samples/jscpd.sarif",
		DATA "/samples/markdownlint.sarif",
		DATA "/samples/cppcheck-multitool.sarif",
		DATA "/defs/defs.sarif", /* every result a duplicate */
	};

	expect_round_trip(paths, 6);
}

/*
 * Two logs of one tool whose rules come in different orders. The results
 * name their rule by ruleIndex only and take their level from it, so a
 * ruleIndex left pointing into the wrong rules array would change both.
 */
Test(merge, rule_indexes_are_repointed)
{
	const char *a = tmp("a.sarif"), *b = tmp("b.sarif");
	const char *paths[2] = { a, b };

	write_file(a, "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":"
	    "{\"name\":\"t\",\"rules\":[{\"id\":\"R1\",\"defaultConfiguration\":"
	    "{\"level\":\"error\"}},{\"id\":\"R2\"}]}},\"results\":["
	    "{\"ruleIndex\":0,\"message\":{\"text\":\"a0\"}},"
	    "{\"ruleIndex\":1,\"message\":{\"text\":\"a1\"}}]}]}");
	write_file(b, "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":"
	    "{\"name\":\"t\",\"rules\":[{\"id\":\"R3\",\"defaultConfiguration\":"
	    "{\"level\":\"note\"}},{\"id\":\"R2\"},{\"id\":\"R1\","
	    "\"defaultConfiguration\":{\"level\":\"error\"}}]}},\"results\":["
	    "{\"ruleIndex\":0,\"message\":{\"text\":\"b0\"}},"
	    "{\"ruleIndex\":1,\"message\":{\"text\":\"b1\"}},"
	    "{\"ruleIndex\":2,\"rule\":{\"index\":2},"
	    "\"message\":{\"text\":\"b2\"}}]}]}");
	expect_round_trip(paths, 2);
}

/* Results that name their file by artifact index only. */
Test(merge, artifact_indexes_are_repointed)
{
	const char *a = tmp("a.sarif"), *b = tmp("b.sarif");
	const char *paths[2] = { a, b };

	write_file(a, "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":"
	    "{\"name\":\"t\"}},\"artifacts\":[{\"location\":{\"uri\":\"x.c\"}},"
	    "{\"location\":{\"uri\":\"y.c\"}}],\"results\":[{\"message\":"
	    "{\"text\":\"m\"},\"locations\":[{\"physicalLocation\":"
	    "{\"artifactLocation\":{\"index\":1}}}]}]}]}");
	write_file(b, "{\"version\":\"2.1.0\",\"runs\":[{\"results\":["
	    "{\"message\":{\"text\":\"m\"},\"locations\":[{\"physicalLocation\":"
	    "{\"artifactLocation\":{\"index\":0}}}]},{\"message\":{\"text\":\"n"
	    "\"},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":"
	    "{\"index\":1}}}]}],\"tool\":{\"driver\":{\"name\":\"t\"}},"
	    "\"artifacts\":[{\"location\":{\"uri\":\"z.c\"}},{\"location\":"
	    "{\"uri\":\"y.c\"},\"parentIndex\":0}]}]}");
	expect_round_trip(paths, 2);
	{
		/* b's artifacts follow a's two: its parentIndex 0 is now 2. */
		char *text = slurp(tmp("merged.sarif"), NULL);

		cr_expect(not(eq(ptr, strstr(text, "\"parentIndex\":2"), NULL)),
		    "%s", text);
		free(text);
	}
}

Test(merge, runs_without_results_are_kept)
{
	const char *a = tmp("empty.sarif"), *out = tmp("out.sarif");
	const char *paths[2] = { a, DATA "/samples/jscpd.sarif" };
	char *text;

	write_file(a, "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":"
	    "{\"name\":\"quiet\",\"version\":\"3\"}},\"results\":[]}]}");
	merge(paths, 2, out);
	text = slurp(out, NULL);
	cr_expect(not(eq(ptr, strstr(text, "\"name\":\"quiet\""), NULL)), "%s",
	    text);
	free(text);
}

/* Is there whitespace outside strings in @t? (A byte loop, independent
 * of the writer's block masks.) */
static bool
has_ws_between_tokens(const char *t)
{
	bool in = false;

	for (; *t != '\0'; t++) {
		if (in && *t == '\\')
			t++;
		else if (*t == '"')
			in = !in;
		else if (!in && strchr(" \n\r\t", *t) != NULL)
			return true;
	}
	return false;
}

/*
 * The compact writer works on 64-byte blocks: strings that hold runs of
 * backslashes, escaped quotes and spaces, at every offset modulo 64 (the
 * results' lengths differ), and pretty-printed whitespace between tokens.
 * Each message must come out byte for byte, and no whitespace between
 * tokens.
 */
Test(merge, compact_output_keeps_strings_whole_at_every_block_offset)
{
	const char *in = tmp("pretty.sarif"), *out = tmp("compact.sarif");
	enum { N = 200 };
	char *log = malloc(1 << 20), *msg[N], *text;
	size_t n = 0;

	n += (size_t)sprintf(log + n, "{\n  \"version\": \"2.1.0\",\n"
	    "  \"runs\": [\n    {\n\t\"tool\": { \"driver\": { \"name\": "
	    "\"t\" } },\n      \"results\": [");
	for (int i = 0; i < N; i++) {
		char *m = msg[i] = malloc(256);
		size_t k = (size_t)sprintf(m, "m%d ", i);

		for (int j = 1; j <= 5; j++) {
			for (int b = 0; b < 2 * j; b++)
				m[k++] = '\\';  /* j escaped backslashes */
			k += (size_t)sprintf(m + k, "\\\"%.*s\\n", (i + j) % 4,
			    "   ");
		}
		k += (size_t)sprintf(m + k, "%*s.", i % 64, "");
		n += (size_t)sprintf(log + n, "%s\n%*s{\r\n\t\"message\" :  "
		    "{ \"text\":\t\"%s\" }\n%*s}", i ? "," : "", i % 13, "", m,
		    i % 7, "");
	}
	n += (size_t)sprintf(log + n, "\n      ]\n    }\n  ]\n}\n");
	write_file(in, log);
	cr_assert(eq(u64, merge(&in, 1, out), N));
	text = slurp(out, &n);
	/* the file ends with a newline, as a text file does */
	cr_assert(eq(chr, text[n - 1], '\n'));
	text[n - 1] = '\0';
	cr_expect(not(has_ws_between_tokens(text)), "%s", text);
	for (int i = 0; i < N; i++) {
		char want[300];

		snprintf(want, sizeof(want), "{\"text\":\"%s\"}", msg[i]);
		cr_expect(not(eq(ptr, strstr(text, want), NULL)), "%s", want);
		free(msg[i]);
	}
	free(text);
	free(log);
	expect_round_trip(&in, 1);
}

Test(merge, bad_inputs_and_failed_writes_leave_nothing)
{
	tally_sarif_merge *m = NULL;
	tally_sarif_report rep;
	tally_error err;
	const char *out = tmp("out.sarif");
	char *text;
	DIR *d;
	struct dirent *de;
	int files = 0;

	cr_assert(eq(int, tally_sarif_merge_create(&m, NULL), 0));
	cr_expect(eq(int, tally_sarif_merge_add_file(m, DATA
	    "/bad/ruleindex.sarif", NULL, &rep), TALLY_EFORMAT_VALUE));
	cr_expect(eq(u64, rep.results, 0));
	cr_assert(eq(int, tally_sarif_merge_add_file(m, DATA
	    "/samples/jscpd.sarif", NULL, &rep), 0));
	/* No such directory: the write fails, no temporary file is left. */
	cr_expect(eq(int, tally_sarif_merge_write(m, "/nonexistent-dir/x",
	    &err), TALLY_EIO));
	cr_expect(eq(int, err.status, TALLY_EIO));
	cr_expect(not(eq(ptr, strstr(err.message, "/nonexistent-dir/x"), NULL)),
	    "%s", err.message);
	cr_expect(not(eq(ptr, strstr(err.message, "No such file"), NULL)),
	    "%s", err.message);
	cr_assert(eq(int, tally_sarif_merge_write(m, out, &err), 0));
	cr_expect(eq(str, err.message, ""));
	tally_sarif_merge_destroy(m);
	text = slurp(out, NULL);
	/* ruleindex.sarif's tool "alpha" is not in the output. */
	cr_expect(eq(ptr, strstr(text, "\"alpha\""), NULL));
	cr_expect(not(eq(ptr, strstr(text, "\"jscpd\""), NULL)));
	free(text);
	d = opendir(dir);
	while ((de = readdir(d)) != NULL)
		files += strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0;
	closedir(d);
	cr_expect(eq(int, files, 1), "only out.sarif, no temporary files");
}

/*
 * A result whose artifactLocation.index names no artifact of its run,
 * beside a uri (the reader takes the uri). Its run is the tool's first, so
 * copied as is, and the merged run's second artifact is b's: the stale
 * index 1 would name it.
 */
Test(merge, an_out_of_range_artifact_index_is_not_kept)
{
	const char *a = tmp("a.sarif"), *b = tmp("b.sarif");
	const char *out = tmp("out.sarif");
	const char *paths[2] = { a, b };
	char *text;

	write_file(a, "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":"
	    "{\"name\":\"t\"}},\"artifacts\":[{\"location\":{\"uri\":\"x.c\"}}],"
	    "\"results\":[{\"message\":{\"text\":\"m\"},\"locations\":[{"
	    "\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"q.c\","
	    "\"index\":1}}}]}]}]}");
	write_file(b, "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":"
	    "{\"name\":\"t\"}},\"artifacts\":[{\"location\":{\"uri\":\"y.c\"}}],"
	    "\"results\":[{\"message\":{\"text\":\"n\"},\"locations\":[{"
	    "\"physicalLocation\":{\"artifactLocation\":{\"index\":0}}}]}]}]}");
	merge(paths, 2, out);
	text = slurp(out, NULL);
	cr_expect(not(eq(ptr, strstr(text, "{\"uri\":\"q.c\",\"index\":-1}"),
	    NULL)), "%s", text);
	free(text);
	expect_round_trip(paths, 2);
}

/* Merge jscpd.sarif to @path: the status, the message in @err. */
static int
merge_to(const char *path, tally_error *err)
{
	tally_sarif_merge *m = NULL;
	int rc;

	cr_assert(eq(int, tally_sarif_merge_create(&m, NULL), 0));
	cr_assert(eq(int, tally_sarif_merge_add_file(m, DATA
	    "/samples/jscpd.sarif", NULL, NULL), 0));
	rc = tally_sarif_merge_write(m, path, err);
	tally_sarif_merge_destroy(m);
	return rc;
}

/* The entries of the scratch directory (a temporary left behind shows). */
static int
entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

static bool
is_log(const char *path)
{
	char *text = slurp(path, NULL);
	bool yes = strncmp(text, "{\"$schema\"", 10) == 0;

	free(text);
	return yes;
}

Test(merge, a_symlink_is_written_through)
{
	const char *real = tmp("real.sarif"), *link = tmp("link.sarif");
	const char *dangling = tmp("dangling.sarif");
	struct stat st;

	write_file(real, "old");
	cr_assert(eq(int, symlink("real.sarif", link), 0));
	cr_assert(eq(int, merge_to(link, NULL), 0));
	cr_assert(eq(int, lstat(link, &st), 0));
	cr_expect(eq(int, st.st_mode & S_IFMT, S_IFLNK), "the link was replaced");
	cr_expect(is_log(real));
	/* A dangling link, relative to its own directory: its target is
	 * made, in the directory the link names. */
	cr_assert(eq(int, mkdir(tmp("sub"), 0755), 0));
	cr_assert(eq(int, symlink("sub/new.sarif", dangling), 0));
	cr_assert(eq(int, merge_to(dangling, NULL), 0));
	cr_assert(eq(int, lstat(dangling, &st), 0));
	cr_expect(eq(int, st.st_mode & S_IFMT, S_IFLNK));
	cr_expect(is_log(tmp("sub/new.sarif")));
	cr_expect(eq(int, entries(), 4), "no temporary left");
}

Test(merge, a_replaced_file_keeps_its_mode)
{
	const char *p = tmp("private.sarif"), *fresh = tmp("fresh.sarif");
	mode_t mask = umask(022);
	struct stat st;

	write_file(p, "old");
	cr_assert(eq(int, chmod(p, 0640), 0));
	cr_assert(eq(int, merge_to(p, NULL), 0));
	cr_assert(eq(int, stat(p, &st), 0));
	cr_expect(eq(int, st.st_mode & 07777, 0640));
	cr_expect(is_log(p));
	/* A new file: 0666 less the umask, as any program makes one. */
	cr_assert(eq(int, merge_to(fresh, NULL), 0));
	cr_assert(eq(int, stat(fresh, &st), 0));
	cr_expect(eq(int, st.st_mode & 07777, 0644));
	umask(mask);
}

Test(merge, a_failed_write_leaves_the_target_as_it_was)
{
	const char *full = tmp("full"), *sub = tmp("sub");
	tally_error err;
	struct stat st;

	/* /dev/full through a link: written directly (a device), and the
	 * failure names the path given. */
	cr_assert(eq(int, symlink("/dev/full", full), 0));
	cr_expect(eq(int, merge_to(full, &err), TALLY_EIO));
	cr_expect(not(eq(ptr, strstr(err.message, full), NULL)), "%s",
	    err.message);
	cr_expect(not(eq(ptr, strstr(err.message, "No space left"), NULL)),
	    "%s", err.message);
	cr_assert(eq(int, lstat(full, &st), 0));
	cr_expect(eq(int, st.st_mode & S_IFMT, S_IFLNK));
	cr_assert(eq(int, stat("/dev/full", &st), 0));
	cr_expect(eq(int, st.st_mode & S_IFMT, S_IFCHR));
	/* A directory is never replaced. */
	cr_assert(eq(int, mkdir(sub, 0755), 0));
	cr_expect(eq(int, merge_to(sub, &err), TALLY_EIO));
	cr_expect(not(eq(ptr, strstr(err.message, "is a directory"), NULL)),
	    "%s", err.message);
	cr_assert(eq(int, stat(sub, &st), 0));
	cr_expect(eq(int, st.st_mode & S_IFMT, S_IFDIR));
	cr_expect(eq(int, entries(), 2), "no temporary left");
}

Test(merge, a_device_stays_a_device)
{
	const char *null = tmp("null");
	struct stat st;

	if (geteuid() != 0)
		cr_skip_test("mknod needs root");
	cr_assert(eq(int, mknod(null, S_IFCHR | 0666, makedev(1, 3)), 0));
	cr_assert(eq(int, merge_to(null, NULL), 0));
	cr_assert(eq(int, lstat(null, &st), 0));
	cr_expect(eq(int, st.st_mode & S_IFMT, S_IFCHR),
	    "the device node was replaced");
	cr_expect(eq(int, entries(), 1), "no temporary left");
}

/*
 * Merge one log whose results name @uris (line 1 each) with sources
 * under DIR/src; return the merged text, the counts in @st.
 */
static char *
merge_sources(const char *const *uris, size_t n, bool absolute,
    tally_sarif_merge_stats *st)
{
	const char *log = tmp("s.sarif"), *out = tmp("s-out.sarif");
	char src[128];
	tally_sarif_merge *m = NULL;
	tally_sarif_report rep;
	FILE *f = fopen(log, "w");

	cr_assert(not(eq(ptr, f, NULL)));
	fputs("{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":"
	    "\"t\"}},\"results\":[", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s{\"message\":{\"text\":\"r%zu\"},\"locations\":[{"
		    "\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"%s\"},"
		    "\"region\":{\"startLine\":1}}}]}", i ? "," : "", i, uris[i]);
	fputs("]}]}", f);
	fclose(f);
	snprintf(src, sizeof(src), "%s/src", dir);
	cr_assert(eq(int, tally_sarif_merge_create(&m, NULL), 0));
	cr_assert(eq(int, tally_sarif_merge_sources(m, src, NULL), 0));
	cr_assert(eq(int, tally_sarif_merge_sources_absolute(m, absolute), 0));
	cr_assert(eq(int, tally_sarif_merge_add_file(m, log, NULL, &rep), 0),
	    "%s", rep.error.message);
	cr_assert(eq(int, tally_sarif_merge_write(m, out, NULL), 0));
	tally_sarif_merge_stats_get(m, st);
	tally_sarif_merge_destroy(m);
	return slurp(out, NULL);
}

/* Whether result "r@i" of @text got a line hash. */
static bool
hashed(const char *text, size_t i)
{
	char want[32];
	const char *r, *next;

	snprintf(want, sizeof(want), "\"text\":\"r%zu\"", i);
	r = strstr(text, want);
	cr_assert(r != NULL);
	snprintf(want, sizeof(want), "\"text\":\"r%zu\"", i + 1);
	next = strstr(text, want);
	r = strstr(r, "primaryLocationLineHash");
	return r != NULL && (next == NULL || r < next);
}

Test(merge, sources_are_read_beneath_their_directory_only, .timeout = 20)
{
	char canary[128], big[128];
	const char *uris[] = {
		"a.c",               /* 0: read */
		"sub/../a.c",        /* 1: stays beneath: read */
		"../canary.c",       /* 2: escapes */
		canary,              /* 3: absolute, not allowed */
		"fifo",              /* 4: never waited on */
		"zero",              /* 5: a link out, to /dev/zero */
		"out",               /* 6: a link out, to the canary */
		"a.c\\u0000x",       /* 7: a NUL: refused, not cut */
		"big.c",             /* 8: over the size limit */
		"sub",               /* 9: a directory */
	};
	tally_sarif_merge_stats st;
	char *text;
	FILE *f;

	snprintf(canary, sizeof(canary), "%s/canary.c", dir);
	snprintf(big, sizeof(big), "%s/src/big.c", dir);
	write_file(canary, "secret\n");
	cr_assert(eq(int, mkdir(tmp("src"), 0755), 0));
	cr_assert(eq(int, mkdir(tmp("src/sub"), 0755), 0));
	write_file(tmp("src/a.c"), "int a;\n");
	cr_assert(eq(int, mkfifo(tmp("src/fifo"), 0644), 0));
	cr_assert(eq(int, symlink("/dev/zero", tmp("src/zero")), 0));
	cr_assert(eq(int, symlink("../canary.c", tmp("src/out")), 0));
	cr_assert(not(eq(ptr, f = fopen(big, "w"), NULL)));
	fputs("int big;\n", f);
	cr_assert(eq(int, ftruncate(fileno(f), (16 << 20) + 1), 0));
	fclose(f);
	text = merge_sources(uris, 10, false, &st);
	cr_expect(hashed(text, 0) && hashed(text, 1), "%s", text);
	for (size_t i = 2; i < 10; i++)
		cr_expect(not(hashed(text, i)), "r%zu: %s", i, text);
	cr_expect(eq(u64, st.hashed, 2));
	cr_expect(eq(u64, st.unreadable, 8));
	free(text);
	/* Allowed, an absolute path is read as it is. */
	text = merge_sources(uris, 4, true, &st);
	cr_expect(hashed(text, 3), "%s", text);
	cr_expect(not(hashed(text, 2)), "%s", text);
	free(text);
}

/*
 * Merge two logs into @out with allocator @a; returns the first error.
 * @annotate: also a baseline, line hashes from sources and clusters
 * (tests/data/annot).
 */
static int
merge_with(const tally_allocator *a, const char *out, bool annotate,
    bool github)
{
	tally_sarif_merge *m = NULL;
	tally_corr_config cc = TALLY_CORR_CONFIG_INIT;
	tally_sarif_github gh = TALLY_SARIF_GITHUB_INIT;
	tally_corr *corr = NULL;
	int rc;

	cc.root = "/build";
	gh.max_results = 3; /* cut, so that every path runs */
	if ((rc = tally_sarif_merge_create(&m, a)) != TALLY_OK)
		return rc;
	if (github && (rc = tally_sarif_merge_github(m, &gh)) != TALLY_OK) {
		tally_sarif_merge_destroy(m);
		return rc;
	}
	if (annotate) {
		if ((rc = tally_corr_create(&cc, a, &corr)) == TALLY_OK)
			rc = tally_sarif_merge_correlate(m, corr);
		if (rc == TALLY_OK)
			rc = tally_sarif_merge_sources(m, DATA "/annot",
			    "/build");
		if (rc == TALLY_OK)
			rc = tally_sarif_merge_baseline(m, DATA
			    "/annot/base.sarif", NULL, NULL);
		if (rc == TALLY_OK)
			rc = tally_sarif_merge_add_file(m, DATA
			    "/annot/cur.sarif", NULL, NULL);
		if (rc == TALLY_OK)
			rc = tally_corr_compute(corr);
	} else {
		rc = tally_sarif_merge_add_file(m, DATA "/defs/defs.sarif",
		    NULL, NULL);
	}
	if (rc == TALLY_OK)
		rc = tally_sarif_merge_add_file(m, DATA "/samples/jscpd.sarif",
		    NULL, NULL);
	if (rc == TALLY_OK)
		rc = tally_sarif_merge_write(m, out, NULL);
	tally_sarif_merge_destroy(m);
	tally_corr_destroy(corr);
	return rc;
}

static void
fail_every_allocation(bool annotate, bool github)
{
	counting c = COUNTING_INIT(0);
	tally_allocator a = { c_alloc, c_free, &c };
	const char *out = tmp("oom.sarif");
	long total;
	int failures = 0;

	cr_assert(eq(int, merge_with(&a, out, annotate, github), TALLY_OK));
	cr_expect(eq(long, c.bad_frees, 0));
	cr_expect(eq(sz, c.live_bytes, 0));
	total = c.allocs;
	for (long k = 1; k <= total; k++) {
		int rc;

		unlink(out);
		c = (counting)COUNTING_INIT(k);
		rc = merge_with(&a, out, annotate, github);
		cr_expect(eq(long, c.allocs - 1, c.frees),
		    "allocation %ld: blocks leaked", k);
		cr_expect(eq(long, c.bad_frees, 0), "allocation %ld", k);
		cr_expect(rc == TALLY_OK || rc == TALLY_ENOMEM,
		    "allocation %ld: rc %d", k, rc);
		/* A failed merge writes nothing. */
		if (rc != TALLY_OK)
			cr_expect(ne(int, access(out, F_OK), 0),
			    "allocation %ld: output written", k);
		failures += rc != TALLY_OK;
	}
	cr_expect(gt(int, failures, 0));
}

Test(merge, every_allocation_failure_is_reported_cleanly)
{
	fail_every_allocation(false, false);
}

Test(merge, every_allocation_failure_while_annotating_too)
{
	fail_every_allocation(true, false);
}

Test(merge, every_allocation_failure_of_a_github_log_too)
{
	fail_every_allocation(true, true);
}

/* ------------------------------------------------------------------ */
/* tally_sarif_merge_github(): the limits                              */

/* Occurrences of @needle in @s. */
static size_t
count_of(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/*
 * A log of one tool with @n results: the first @nerr errors, the rest
 * notes, each message 40 pseudo-random hex digits (xorshift), so that
 * the log compresses no better than real messages.
 */
static void
write_noisy_log(const char *path, int n, int nerr)
{
	FILE *f = fopen(path, "w");
	uint64_t x = 88172645463325252u;

	cr_assert(not(eq(ptr, f, NULL)));
	fputs("{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":"
	    "{\"name\":\"noisy\"}},\"results\":[", f);
	for (int i = 0; i < n; i++) {
		fprintf(f, "%s{\"ruleId\":\"R%d\",\"level\":\"%s\","
		    "\"message\":{\"text\":\"", i ? "," : "", i % 7,
		    i < nerr ? "error" : "note");
		for (int k = 0; k < 5; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			fprintf(f, "%08x", (unsigned)x);
		}
		fprintf(f, "\"},\"locations\":[{\"physicalLocation\":"
		    "{\"artifactLocation\":{\"uri\":\"src/f%d.c\"},"
		    "\"region\":{\"startLine\":%d}}}]}", i % 13, i + 1);
	}
	fputs("]}]}\n", f);
	fclose(f);
}

/* The gzip -6 size of @path, by gzip(1): not the code under test. */
static long
gzip_size(const char *path)
{
	char cmd[256];
	long n = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "gzip -6 -n -c '%s' | wc -c", path);
	p = popen(cmd, "r");
	cr_assert(not(eq(ptr, p, NULL)));
	cr_assert(eq(int, fscanf(p, "%ld", &n), 1));
	pclose(p);
	return n;
}

static int
sum_runs(void *arg, const tally_sarif_github_run *r)
{
	uint64_t *t = arg;

	t[0] += r->results;
	t[1] += r->written;
	t[2] += r->why != NULL;
	return 0;
}

Test(merge, github_cuts_to_the_gzip_limit_keeping_errors_first)
{
	tally_sarif_github gh = TALLY_SARIF_GITHUB_INIT;
	tally_sarif_merge *m = NULL;
	const char *in = tmp("noisy.sarif"), *out = tmp("gh.sarif");
	uint64_t t[3] = { 0 }, gz = 0;
	char *text;

	write_noisy_log(in, 400, 12);
	gh.max_gzip = 6000;
	cr_assert(eq(int, tally_sarif_merge_create(&m, NULL), 0));
	cr_assert(eq(int, tally_sarif_merge_github(m, &gh), 0));
	cr_assert(eq(int, tally_sarif_merge_add_file(m, in, NULL, NULL), 0));
	/* Too late to change the shape once an input is in. */
	cr_expect(eq(int, tally_sarif_merge_github(m, &gh), TALLY_EINVAL));
	cr_expect(eq(int, tally_sarif_merge_github_runs(m, sum_runs, t, &gz),
	    TALLY_EINVAL));
	cr_assert(eq(int, tally_sarif_merge_write(m, out, NULL), 0));
	cr_assert(eq(int, tally_sarif_merge_github_runs(m, sum_runs, t, &gz),
	    0));
	tally_sarif_merge_destroy(m);
	text = slurp(out, NULL);
	cr_expect(le(long, gzip_size(out), 6000));
	/* zlib and gzip(1) deflate alike, not byte for byte */
	cr_expect(lt(long, labs((long)gz - gzip_size(out)), 64));
	cr_expect(eq(u64, t[0], 400));
	cr_expect(lt(u64, t[1], 400));
	cr_expect(gt(u64, t[1], 12));
	cr_expect(eq(u64, t[2], 1));
	cr_expect(eq(sz, count_of(text, "\"ruleId\""), (size_t)t[1]));
	/* errors come first in the cut order: all twelve survive */
	cr_expect(eq(sz, count_of(text, "\"level\":\"error\""), 12));
	cr_expect(not(eq(ptr, strstr(text, "\"tallyGithubCut\":{\"results\":"
	    "400,"), NULL)), "%.300s", text);
	free(text);
}

Test(merge, github_refuses_more_runs_than_allowed_and_writes_nothing)
{
	tally_sarif_github gh = TALLY_SARIF_GITHUB_INIT;
	tally_sarif_merge *m = NULL;
	const char *out = tmp("gh.sarif");
	tally_error err;

	gh.max_runs = 1;
	cr_assert(eq(int, tally_sarif_merge_create(&m, NULL), 0));
	cr_assert(eq(int, tally_sarif_merge_github(m, &gh), 0));
	cr_assert(eq(int, tally_sarif_merge_add_file(m, DATA
	    "/defs/defs.sarif", NULL, NULL), 0));
	cr_assert(eq(int, tally_sarif_merge_add_file(m, DATA
	    "/samples/jscpd.sarif", NULL, NULL), 0));
	cr_expect(eq(int, tally_sarif_merge_write(m, out, &err),
	    TALLY_ERANGE));
	cr_expect(not(eq(ptr, strstr(err.message, "at most 1"), NULL)), "%s",
	    err.message);
	cr_expect(ne(int, access(out, F_OK), 0));
	tally_sarif_merge_destroy(m);
}
