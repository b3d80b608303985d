/*
 * tests/oom_test.c - the out-of-memory sweep (SQLite's malloc test): each
 * scenario below runs with an allocator hook that fails its Nth call, for
 * N = 1, 2, 3, ... until a run meets no injected failure, once failing
 * that call alone ("single") and once failing it and every call after it
 * ("sticky": the cleanup after a failure must not need memory either).
 * For every N:
 *  - the scenario returns TALLY_OK, TALLY_ENOMEM, or TALLY_ESTATE where
 *    an engine worker's failure failed the engine (tally/engine.h), and a
 *    read's report carries that status with a sentence;
 *  - a run that returns TALLY_OK despite a failed call gives exactly what
 *    the run without failures gives (totals and groups, entries,
 *    clusters, output bytes, what a cache replays later);
 *  - every block of the hook is returned, with the size it was asked for
 *    (AddressSanitizer's leak checker sees what bypasses the hook);
 *  - a failed write leaves the output as it was (absent, or its old
 *    bytes) and no temporary file beside it; a failed cache store leaves
 *    no temporary file and no entry that replays wrong.
 *
 * A plain program, not a Criterion suite: one process sweeps every N, so
 * thousands of runs cost milliseconds each (Criterion forks per test, and
 * a fork per N under ASan pays for a leak scan each time).
 *
 * Usage: oom_test [SCENARIO...] [--from N] [--only N] [--single|--sticky]
 * (all scenarios, both modes, by default; --only N reproduces one run).
 * Exit status: 0 every check held, 1 a check failed (each printed), 2 usage.
 *
 * Outside the hook, so not swept: the C library's (stdio buffers of the
 * merged output, directory streams of the disk cache), liburcu's, and
 * simdjson's and the C++ library's (the parser, the reader's vectors);
 * and, as of 0.3, what tally_sarif_read_file() and
 * tally_sarif_diff_create() take from the default allocator instead of
 * the engine's hook (their staging and the diff itself). Each scenario
 * prints how many hook calls its run makes: that is what it sweeps.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tally.h"
#include "tally/sarif.h"

#define DATA TALLY_TEST_DATA

/* ---- the failing allocator -------------------------------------------- */

/*
 * Each block is preceded by a header that records its size, so a free
 * with the wrong size (or of a block that is not live) is caught in O(1):
 * a sweep makes millions of calls.
 */
#define LIVE_MAGIC UINT64_C(0x6f6f6d2d6c697665)
#define DEAD_MAGIC UINT64_C(0x6f6f6d2d64656164)

typedef struct hdr {
	uint64_t magic;
	uint64_t size;
	void *raw;
	uint64_t pad;
} hdr;

typedef struct fault {
	pthread_mutex_t lock;
	long calls;      /* alloc calls so far */
	long fail_at;    /* the first call to fail (1-based); 0: none */
	bool sticky;     /* every call from fail_at on fails too */
	long failed;     /* calls failed */
	long live;       /* blocks not yet freed */
	size_t live_bytes;
	long bad_frees;  /* unknown block, or wrong size */
} fault;

static fault F = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *
f_alloc(void *state, size_t size, size_t align)
{
	fault *f = state;
	size_t off = align > sizeof(hdr) ? align : sizeof(hdr);
	bool fail;
	char *raw = NULL;
	hdr *h;

	pthread_mutex_lock(&f->lock);
	f->calls++;
	fail = f->fail_at != 0 && (f->calls == f->fail_at ||
	    (f->sticky && f->calls > f->fail_at));
	f->failed += fail;
	pthread_mutex_unlock(&f->lock);
	if (fail || (align & (align - 1)) != 0 || align > 4096 ||
	    posix_memalign((void **)&raw, off, off + size) != 0)
		return NULL;
	h = (hdr *)(raw + off) - 1;
	*h = (hdr){ LIVE_MAGIC, size, raw, 0 };
	pthread_mutex_lock(&f->lock);
	f->live++;
	f->live_bytes += size;
	pthread_mutex_unlock(&f->lock);
	return raw + off;
}

static void
f_free(void *state, void *p, size_t size)
{
	fault *f = state;
	hdr *h = (hdr *)p - 1;
	bool ok = h->magic == LIVE_MAGIC && h->size == size;

	pthread_mutex_lock(&f->lock);
	if (ok) {
		f->live--;
		f->live_bytes -= size;
	} else {
		f->bad_frees++;
	}
	pthread_mutex_unlock(&f->lock);
	if (ok) {
		h->magic = DEAD_MAGIC;
		free(h->raw);
	}
}

static const tally_allocator hook = { f_alloc, f_free, &F };

static void
arm(long fail_at, bool sticky)
{
	pthread_mutex_lock(&F.lock);
	F.calls = 0;
	F.fail_at = fail_at;
	F.sticky = sticky;
	F.failed = 0;
	F.live = 0;
	F.live_bytes = 0;
	F.bad_frees = 0;
	pthread_mutex_unlock(&F.lock);
}

/* ---- what a run gave: a text digest, built with the C library -------- */

typedef struct digest {
	char *s;
	size_t len;
	FILE *f;
} digest;

static void
d_open(digest *d)
{
	d->s = NULL;
	d->len = 0;
	d->f = open_memstream(&d->s, &d->len);
	if (d->f == NULL) {
		perror("oom_test: open_memstream");
		exit(2);
	}
}

static void
d_close(digest *d)
{
	fclose(d->f);
	d->f = NULL;
}

/* Bytes that may hold NULs, printed unambiguously. */
static void
d_bytes(digest *d, const char *s, size_t len)
{
	fputc('"', d->f);
	for (size_t i = 0; s != NULL && i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f)
			fprintf(d->f, "\\x%02x", c);
		else
			fputc(c, d->f);
	}
	fputs(s == NULL ? "(null)\"" : "\"", d->f);
}

static void
d_str(digest *d, tally_engine *e, tally_strkind k, uint32_t id)
{
	size_t len = 0;
	const char *s = id == TALLY_ID_NONE ? "-" :
	    tally_engine_string_lookup(e, k, id, &len);

	d_bytes(d, s, id == TALLY_ID_NONE ? 1 : len);
}

/* Totals, levels and every group ranked, by name (ids may differ). */
static int
d_engine(digest *d, tally_engine *e)
{
	tally_snapshot *s;
	tally_totals t;
	int rc;

	if ((rc = tally_engine_flush(e)) != TALLY_OK ||
	    (rc = tally_snapshot_acquire(e, &s)) != TALLY_OK)
		return rc;
	tally_snapshot_totals(s, &t);
	fprintf(d->f, "totals %llu %llu %llu %llu levels",
	    (unsigned long long)t.read, (unsigned long long)t.unique,
	    (unsigned long long)t.duplicates,
	    (unsigned long long)t.suppressed);
	for (int l = 0; l < TALLY_LEVEL_COUNT; l++)
		fprintf(d->f, " %llu", (unsigned long long)
		    tally_snapshot_level(s, (tally_level)l));
	fputc('\n', d->f);
	for (int dim = 0; dim < TALLY_DIM_COUNT && rc == TALLY_OK; dim++) {
		size_t n = tally_snapshot_group_count(s, (tally_dim)dim);
		tally_group *g = calloc(n + 1, sizeof(*g));

		rc = tally_snapshot_groups(s, (tally_dim)dim, TALLY_ORDER_COUNT,
		    g, n, &n);
		for (size_t i = 0; i < n && rc == TALLY_OK; i++) {
			fprintf(d->f, "dim %d %llu ", dim,
			    (unsigned long long)g[i].count);
			d_str(d, e, TALLY_STR_TOOL, g[i].tool);
			d_str(d, e, TALLY_STR_RULE, g[i].rule);
			d_str(d, e, TALLY_STR_FILE, g[i].file);
			fputc('\n', d->f);
		}
		free(g);
	}
	tally_snapshot_release(s);
	return rc;
}

static void
d_violation(digest *d, tally_engine *e, const tally_violation *v)
{
	d_str(d, e, TALLY_STR_TOOL, v->tool);
	d_str(d, e, TALLY_STR_RULE, v->rule);
	d_str(d, e, TALLY_STR_FILE, v->file);
	d_str(d, e, TALLY_STR_MESSAGE, v->message);
	fprintf(d->f, " %u:%u@%llu l%u f%u", v->line, v->column,
	    (unsigned long long)v->offset, v->level, v->flags);
}

static int
d_states(digest *d, tally_sarif_states *st)
{
	tally_sarif_state_counts c;
	int rc = tally_sarif_states_get(st, &c);

	fputs("states", d->f);
	for (int i = 0; i < TALLY_BASELINE_COUNT; i++)
		fprintf(d->f, " %llu", (unsigned long long)c.baseline[i]);
	for (int i = 0; i < TALLY_SUPPRESSION_COUNT; i++)
		fprintf(d->f, " %llu", (unsigned long long)c.suppression[i]);
	fputc('\n', d->f);
	return rc;
}

static void
d_corr(digest *d, const tally_corr *c)
{
	size_t n, nt;
	const tally_corr_cluster *cl = tally_corr_clusters(c, &n);
	const char *const *tools = tally_corr_tools(c, &nt);

	for (size_t t = 0; t < nt; t++) {
		fprintf(d->f, "tool %s %llu:", tools[t],
		    (unsigned long long)tally_corr_categorized(c, t));
		for (size_t u = 0; u < nt; u++)
			fprintf(d->f, " %llu", (unsigned long long)
			    tally_corr_agreement(c, t, u));
		fputc('\n', d->f);
	}
	for (size_t i = 0; i < n; i++) {
		fprintf(d->f, "cluster %s %u-%u size %u tools %u cwe %u\n",
		    cl[i].path, cl[i].first_line, cl[i].last_line, cl[i].size,
		    cl[i].ntools, cl[i].cwe);
		for (uint32_t k = 0; k < cl[i].size; k++) {
			const tally_corr_result *r = &cl[i].members[k];

			fprintf(d->f, "  %s %s %s %u:%u l%d ", r->tool,
			    r->rule, r->path, r->line, r->column, r->level);
			d_bytes(d, r->message, strlen(r->message));
			fputc('\n', d->f);
		}
	}
}

/* ---- scratch files ---------------------------------------------------- */

static char scratch[64];  /* the test's own directory */
static char out_path[96]; /* where merges write */
static char cache_dir[96];

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static void
rm_tree(const char *p)
{
	(void)nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The file's bytes (free() them), or NULL when it does not exist. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, k;

	if (f == NULL)
		return NULL;
	do {
		if (n == cap)
			buf = realloc(buf, cap = cap * 2 + 4096);
		k = fread(buf + n, 1, cap - n, f);
		n += k;
	} while (k > 0);
	fclose(f);
	*len = n;
	return buf;
}

/* Names in @dir other than @keep (NULL: none), comma-separated, or NULL. */
static char *
strays(const char *dir, const char *keep)
{
	digest d;
	DIR *dp = opendir(dir);
	struct dirent *de;
	bool any = false;

	if (dp == NULL)
		return NULL;
	d_open(&d);
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    (keep != NULL && strcmp(de->d_name, keep) == 0))
			continue;
		fprintf(d.f, "%s%s", any ? ", " : "", de->d_name);
		any = true;
	}
	closedir(dp);
	d_close(&d);
	if (!any) {
		free(d.s);
		return NULL;
	}
	return d.s;
}

/* ---- the scenarios ---------------------------------------------------- */

/*
 * A run: @a is the allocator under test; the digest gets what the run
 * produced (compared only when it returns TALLY_OK). The first error is
 * returned; a read's report must carry it (checked by check_report()).
 */
typedef int (*scenario_fn)(const tally_allocator *a, digest *d);

static int report_bad; /* reports that did not match their status */

static void
check_report(int rc, const tally_sarif_report *r)
{
	if (rc != TALLY_OK && (r->error.status != rc ||
	    r->error.message[0] == '\0'))
		report_bad++;
}

static tally_engine *
engine_with(const tally_allocator *a, int *rc)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *e = NULL;

	cfg.workers = 1; /* fewer threads, fewer orders of allocation */
	cfg.batch_capacity = 64; /* several batches from a small log */
	cfg.allocator = a;
	*rc = tally_engine_create(&e, &cfg);
	return *rc == TALLY_OK ? e : NULL;
}

static int
read_into(tally_engine *e, const char *path, const tally_sarif_options *so)
{
	tally_sarif_report rep;
	int rc = tally_sarif_read_file(e, path, so, &rep);

	check_report(rc, &rep);
	return rc;
}

/* Read @logs (NULL-terminated) into @e, then its digest. */
static int
read_all(tally_engine *e, const char *const *logs,
    const tally_sarif_options *so, digest *d)
{
	int rc = TALLY_OK;

	for (size_t i = 0; logs[i] != NULL && rc == TALLY_OK; i++)
		rc = read_into(e, logs[i], so);
	return rc == TALLY_OK ? d_engine(d, e) : rc;
}

/* (1) summary: two logs into an engine, with their states; the counts. */
static int
run_summary(const tally_allocator *a, digest *d)
{
	static const char *const logs[] = { DATA "/defs/defs.sarif",
		DATA "/samples/jscpd.sarif", NULL };
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_states *st = NULL;
	int rc;
	tally_engine *e = engine_with(a, &rc);

	if (rc == TALLY_OK)
		rc = tally_sarif_states_create(&st, a);
	so.states = st;
	if (rc == TALLY_OK)
		rc = read_all(e, logs, &so, d);
	if (rc == TALLY_OK)
		rc = d_states(d, st);
	tally_sarif_states_destroy(st);
	tally_engine_destroy(e);
	return rc;
}

/*
 * (1a) summary of the native formats (converted to SARIF in the read's
 * memory; expat's, libyaml's, zlib's and zstd's own allocations are the
 * C library's).
 */
static int
run_native(const tally_allocator *a, digest *d)
{
	static const char *const logs[] = {
		DATA "/formats/gcc/zlib-examples.json",
		DATA "/formats/cppcheck/zlib-examples.xml",
		DATA "/formats/shellcheck/perf-tests.checkstyle.xml",
		DATA "/formats/shellcheck/perf-tests.json1.json",
		DATA "/formats/clang-tidy/zlib-examples.yaml.gz",
		DATA "/formats/eslint/sphinxdoc.json",
		DATA "/formats/pylint/stdlib.json2.json",
		DATA "/formats/codeclimate/sphinxdoc.eslint-gitlab.json", NULL };
	int rc;
	tally_engine *e = engine_with(a, &rc);

	if (rc == TALLY_OK)
		rc = read_all(e, logs, NULL, d);
	tally_engine_destroy(e);
	return rc;
}

/*
 * (1b) summary of two logs larger than a read window (1 MiB), so read
 * through one: the first in the SARIF Multitool's order (results, then
 * the tool), the second with a message larger than a window, which the
 * windowed read gives up on and reads again whole.
 */
static char big_dir[64];
static char big_logs[2][96];

static void
write_big(const char *path, size_t huge)
{
	FILE *f = fopen(path, "w");
	size_t k;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fputs("{\"version\":\"2.1.0\",\"runs\":[{\"results\":[", f);
	for (k = 0; ftell(f) < (3L << 19); k++) {
		fprintf(f, "%s{\"ruleId\":\"R%zu\",\"message\":{\"text\":\"",
		    k ? "," : "", k % 7);
		for (size_t i = 0; i < (k == 300 ? huge : 1500); i++)
			fputc('a' + (int)((i + k) % 26), f);
		fprintf(f, "\"},\"locations\":[{\"physicalLocation\":{"
		    "\"artifactLocation\":{\"uri\":\"src/f%zu.c\"},"
		    "\"region\":{\"startLine\":%zu}}}]}", k % 31, k + 1);
	}
	fputs("],\"tool\":{\"driver\":{\"name\":\"big\",\"rules\":["
	    "{\"id\":\"R0\"},{\"id\":\"R1\"}]}}}]}\n", f);
	fclose(f);
}

static int
run_window(const tally_allocator *a, digest *d)
{
	const char *const logs[] = { big_logs[0], big_logs[1], NULL };
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	int rc;
	tally_engine *e = engine_with(a, &rc);

	if (rc == TALLY_OK)
		rc = read_all(e, logs, &so, d);
	tally_engine_destroy(e);
	return rc;
}

/* The merged output and the merge's counts. */
static int
merge_finish(tally_sarif_merge *m, digest *d, int rc)
{
	tally_sarif_merge_stats ms;
	tally_error err;

	if (rc == TALLY_OK) {
		rc = tally_sarif_merge_write(m, out_path, &err);
		if (rc != TALLY_OK && (err.status != rc ||
		    err.message[0] == '\0'))
			report_bad++;
	}
	if (rc == TALLY_OK) {
		tally_sarif_merge_stats_get(m, &ms);
		fprintf(d->f, "merge read %llu unique %llu base %llu %llu "
		    "%llu %llu hashed %llu clustered %llu\n",
		    (unsigned long long)ms.read, (unsigned long long)ms.unique,
		    (unsigned long long)ms.baseline[0],
		    (unsigned long long)ms.baseline[1],
		    (unsigned long long)ms.baseline[2],
		    (unsigned long long)ms.baseline[3],
		    (unsigned long long)ms.hashed,
		    (unsigned long long)ms.clustered);
	}
	tally_sarif_merge_destroy(m);
	return rc;
}

static int
merge_add(tally_sarif_merge *m, const char *path, bool baseline)
{
	tally_sarif_report rep;
	int rc = baseline ? tally_sarif_merge_baseline(m, path, NULL, &rep) :
	    tally_sarif_merge_add_file(m, path, NULL, &rep);

	check_report(rc, &rep);
	return rc;
}

/*
 * A merge of @logs (NULL-terminated) against the baseline @logs[0],
 * written to the output; every result kept with @keep_dups.
 */
static int
merge_logs(const tally_allocator *a, digest *d, bool keep_dups,
    const char *const *logs)
{
	tally_sarif_merge *m = NULL;
	int rc = tally_sarif_merge_create(&m, a);

	if (rc != TALLY_OK)
		return rc;
	if (keep_dups)
		rc = tally_sarif_merge_keep_duplicates(m);
	for (size_t i = 0; logs[i] != NULL && rc == TALLY_OK; i++)
		rc = merge_add(m, logs[i], i == 0);
	return merge_finish(m, d, rc);
}

/* (2) merge: two logs against a baseline, written to a file. */
static int
run_merge(const tally_allocator *a, digest *d)
{
	static const char *const logs[] = { DATA "/diff/old.sarif",
		DATA "/diff/new.sarif", DATA "/defs/defs.sarif", NULL };

	return merge_logs(a, d, false, logs);
}

/* (2b) merge --format codeclimate: results gathered and ranked. */
static int
run_merge_codeclimate(const tally_allocator *a, digest *d)
{
	static const char *const logs[] = { DATA "/diff/old.sarif",
		DATA "/diff/new.sarif", DATA "/defs/defs.sarif", NULL };
	tally_sarif_merge *m = NULL;
	int rc = tally_sarif_merge_create(&m, a);

	if (rc != TALLY_OK)
		return rc;
	rc = tally_sarif_merge_format(m, TALLY_MERGE_CODECLIMATE);
	for (size_t i = 0; logs[i] != NULL && rc == TALLY_OK; i++)
		rc = merge_add(m, logs[i], i == 0);
	return merge_finish(m, d, rc);
}

/* (3) diff: the classification, entry by entry. */
static int
run_diff(const tally_allocator *a, digest *d)
{
	tally_sarif_report rep[2];
	tally_sarif_diff *df = NULL;
	const tally_sarif_diff_entry *ent;
	size_t n;
	int rc;
	tally_engine *e = engine_with(a, &rc);

	if (rc == TALLY_OK) {
		rc = tally_sarif_diff_create(e, DATA "/diff/old.sarif",
		    DATA "/diff/new.sarif", NULL, &df, rep);
		/*
		 * The input that failed says so; a failure while classifying
		 * is no input's (the caller falls back to tally_strerror).
		 */
		if (rc != TALLY_OK && rep[0].error.status != TALLY_OK)
			check_report(rc, &rep[0]);
		else if (rc != TALLY_OK && rep[1].error.status != TALLY_OK)
			check_report(rc, &rep[1]);
	}
	if (rc == TALLY_OK) {
		ent = tally_sarif_diff_entries(df, &n);
		for (size_t i = 0; i < n; i++) {
			fprintf(d->f, "%s #%llu ", tally_sarif_baseline_name(
			    ent[i].state), (unsigned long long)ent[i].index);
			d_violation(d, e, &ent[i].v);
			if (ent[i].state == TALLY_BASELINE_UNCHANGED ||
			    ent[i].state == TALLY_BASELINE_UPDATED) {
				fputs(" was ", d->f);
				d_violation(d, e, &ent[i].base);
			}
			fputc('\n', d->f);
		}
		fprintf(d->f, "suppressed %llu\n", (unsigned long long)
		    tally_sarif_diff_suppressed(df));
	}
	tally_sarif_diff_destroy(df);
	tally_engine_destroy(e);
	return rc;
}

/* (3b) diff --format sarif: every result of the new log, classified. */
static int
run_diff_sarif(const tally_allocator *a, digest *d)
{
	static const char *const logs[] = { DATA "/diff/old.sarif",
		DATA "/diff/new.sarif", NULL };

	return merge_logs(a, d, true, logs);
}

/* (4a) summary --clusters: three tools' logs of one null dereference. */
static int
run_clusters_summary(const tally_allocator *a, digest *d)
{
	static const char *const logs[] = { DATA "/corr/clang.sarif",
		DATA "/corr/gcc.sarif", DATA "/corr/cppcheck.sarif", NULL };
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_corr_config cc = TALLY_CORR_CONFIG_INIT;
	tally_corr *c = NULL;
	int rc;
	tally_engine *e = engine_with(a, &rc);

	cc.root = "/src/optdemo";
	if (rc == TALLY_OK)
		rc = tally_corr_create(&cc, a, &c);
	so.corr = c;
	if (rc == TALLY_OK)
		rc = read_all(e, logs, &so, d);
	if (rc == TALLY_OK)
		rc = tally_corr_compute(c);
	if (rc == TALLY_OK)
		d_corr(d, c);
	tally_corr_destroy(c);
	tally_engine_destroy(e);
	return rc;
}

/* (4b) merge --clusters --sources --baseline (tests/data/annot). */
static int
run_clusters_merge(const tally_allocator *a, digest *d)
{
	tally_corr_config cc = TALLY_CORR_CONFIG_INIT;
	tally_sarif_merge *m = NULL;
	tally_corr *c = NULL;
	int rc;

	cc.root = "/build";
	if ((rc = tally_sarif_merge_create(&m, a)) != TALLY_OK)
		return rc;
	if ((rc = tally_corr_create(&cc, a, &c)) == TALLY_OK)
		rc = tally_sarif_merge_correlate(m, c);
	if (rc == TALLY_OK)
		rc = tally_sarif_merge_sources(m, DATA "/annot", "/build");
	if (rc == TALLY_OK)
		rc = merge_add(m, DATA "/annot/base.sarif", true);
	if (rc == TALLY_OK)
		rc = merge_add(m, DATA "/annot/cur.sarif", false);
	if (rc == TALLY_OK)
		rc = tally_corr_compute(c);
	if (rc == TALLY_OK)
		d_corr(d, c);
	rc = merge_finish(m, d, rc);
	tally_corr_destroy(c);
	return rc;
}

/*
 * (5) the cache: a read through memory and disk levels (a miss: read and
 * stored), the same bytes again (an L1 hit: replayed), then a new cache
 * on the directory (an L3 hit: replayed from the file).
 */
static int
cache_read(const tally_allocator *a, tally_cache *c, const char *path,
    tally_engine **e, int rc)
{
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;

	so.cache = c;
	if (rc == TALLY_OK)
		*e = engine_with(a, &rc);
	if (rc == TALLY_OK)
		rc = read_into(*e, path, &so);
	return rc;
}

/* Where the last good run was served from: the reference run must have
 * replayed from L1 and from L3, or the sweep misses those paths. */
static tally_cache_stats cache_stats[2];

static int
run_cache(const tally_allocator *a, digest *d)
{
	static const char *const log = DATA "/samples/jscpd.sarif";
	tally_cache_config cfg = TALLY_CACHE_CONFIG_INIT;
	tally_cache_config cfg2;
	tally_cache *c = NULL, *c2 = NULL;
	tally_engine *e[3] = { NULL, NULL, NULL };
	tally_error err;
	int rc;

	/* L1 is allocated whole at create: a few entries that fit the pack */
	cfg.l1_entries = 4;
	cfg.l1_max_value = 64 << 10;
	cfg.l2_bytes = 1 << 20;
	cfg.l2_shards = 2;
	cfg.dir = cache_dir;
	cfg2 = cfg;
	rc = tally_cache_create(&cfg, a, &c, &err);
	if (rc != TALLY_OK && (err.status != rc || err.message[0] == '\0'))
		report_bad++;
	rc = cache_read(a, c, log, &e[0], rc);
	rc = cache_read(a, c, log, &e[1], rc);
	if (rc == TALLY_OK)
		rc = tally_cache_create(&cfg2, a, &c2, NULL);
	rc = cache_read(a, c2, log, &e[2], rc);
	for (int i = 0; i < 3 && rc == TALLY_OK; i++)
		rc = d_engine(d, e[i]);
	if (rc == TALLY_OK) {
		tally_cache_stats_get(c, &cache_stats[0]);
		tally_cache_stats_get(c2, &cache_stats[1]);
	}
	for (int i = 0; i < 3; i++)
		tally_engine_destroy(e[i]);
	tally_cache_destroy(c);
	tally_cache_destroy(c2);
	return rc;
}

/* (6) a results pack made and replayed directly (tally/results.h). */
#define PACK_ROWS 300

static int
make_rows(tally_engine *e, tally_violation *v)
{
	static const char rule[][8] = { "R1", "R2", "", "R\0x" };
	uint32_t tool[2];
	char name[32];
	int rc, n;

	if ((rc = tally_engine_tool_intern(e, "alpha", 5, "1.0", 3,
	    &tool[0])) != TALLY_OK ||
	    (rc = tally_engine_tool_intern(e, "beta", 4, NULL, 0, &tool[1])) !=
	    TALLY_OK)
		return rc;
	for (uint32_t i = 0; i < PACK_ROWS && rc == TALLY_OK; i++) {
		uint32_t r = i % 7 == 3 ? i - 1 : i; /* duplicates */

		v[i] = (tally_violation){ .tool = tool[r % 2],
			.line = r % 101, .column = r % 5,
			.offset = (uint64_t)r << 20, .level = (uint8_t)(r % 4),
			.flags = r % 9 == 1 ? TALLY_VIOLATION_SUPPRESSED : 0 };
		rc = tally_engine_string_intern(e, TALLY_STR_RULE, rule[r % 4],
		    r % 4 == 3 ? 3 : strlen(rule[r % 4]), &v[i].rule);
		n = snprintf(name, sizeof(name), "src/f%u.c", r % 37);
		if (rc == TALLY_OK)
			rc = tally_engine_string_intern(e, TALLY_STR_FILE, name,
			    (size_t)n, &v[i].file);
		n = snprintf(name, sizeof(name), "message %u", r % 11);
		if (rc == TALLY_OK)
			rc = tally_engine_string_intern(e, TALLY_STR_MESSAGE,
			    name, (size_t)n, &v[i].message);
	}
	return rc;
}

static int
run_replay(const tally_allocator *a, digest *d)
{
	static tally_violation v[PACK_ROWS];
	tally_engine *from, *to = NULL;
	void *blob = NULL;
	size_t len = 0;
	uint64_t count = 0;
	int rc;

	from = engine_with(a, &rc);
	if (rc == TALLY_OK)
		rc = make_rows(from, v);
	if (rc == TALLY_OK)
		rc = tally_results_pack(from, v, PACK_ROWS, &blob, &len);
	if (rc == TALLY_OK)
		to = engine_with(a, &rc);
	if (rc == TALLY_OK)
		rc = tally_results_replay(to, blob, len, &count);
	if (rc == TALLY_OK) {
		fprintf(d->f, "replayed %llu of %zu bytes\n",
		    (unsigned long long)count, len);
		rc = d_engine(d, to);
	}
	tally_results_free(from, blob, len);
	tally_engine_destroy(to);
	tally_engine_destroy(from);
	return rc;
}

/* ---- the sweep -------------------------------------------------------- */

enum output { OUT_NONE, OUT_FILE, OUT_CACHE };

typedef struct scenario {
	const char *name;
	scenario_fn run;
	enum output out;
} scenario;

static const scenario scenarios[] = {
	{ "summary", run_summary, OUT_NONE },
	{ "native", run_native, OUT_NONE },
	{ "window", run_window, OUT_NONE },
	{ "merge", run_merge, OUT_FILE },
	{ "merge_codeclimate", run_merge_codeclimate, OUT_FILE },
	{ "diff", run_diff, OUT_NONE },
	{ "diff_sarif", run_diff_sarif, OUT_FILE },
	{ "clusters_summary", run_clusters_summary, OUT_NONE },
	{ "clusters_merge", run_clusters_merge, OUT_FILE },
	{ "cache", run_cache, OUT_CACHE },
	{ "replay", run_replay, OUT_NONE },
};

/* What the run without failures gave. */
typedef struct reference {
	char *digest;
	char *output; /* OUT_FILE: the bytes written */
	size_t output_len;
	long calls;   /* hook calls it made */
} reference;

static const char old_output[] = "the output as it was before the run\n";
static int failures;

static void __attribute__((format(printf, 4, 5)))
fail(const scenario *sc, const char *mode, long n, const char *fmt, ...)
{
	va_list ap;

	failures++;
	fprintf(stderr, "oom_test: FAIL %s %s N=%ld: ", sc->name, mode, n);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Before a run: an empty directory; the output absent for odd N, holding
 * old bytes for even N (a failure must keep them).
 */
static void
prepare(const scenario *sc, long n)
{
	/* empty: what a run leaves behind is reported once, by that run */
	rm_tree(scratch);
	if (mkdir(scratch, 0700) != 0) {
		perror("oom_test: mkdir");
		exit(2);
	}
	if (sc->out == OUT_FILE && n % 2 == 0) {
		FILE *f = fopen(out_path, "w");

		fputs(old_output, f);
		fclose(f);
	}
}

/* A fresh engine reading the log through a fresh cache on the directory:
 * what a later run would replay. */
static char *
cache_replays(void)
{
	tally_cache_config cfg = TALLY_CACHE_CONFIG_INIT;
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_config ec = TALLY_CONFIG_INIT;
	tally_cache *c;
	tally_engine *e;
	digest d;

	cfg.dir = cache_dir;
	ec.workers = 1;
	d_open(&d);
	if (tally_cache_create(&cfg, NULL, &c, NULL) != TALLY_OK ||
	    tally_engine_create(&e, &ec) != TALLY_OK) {
		fprintf(stderr, "oom_test: cannot check the cache\n");
		exit(2);
	}
	so.cache = c;
	if (tally_sarif_read_file(e, DATA "/samples/jscpd.sarif", &so,
	    NULL) != TALLY_OK || d_engine(&d, e) != TALLY_OK)
		fputs("(the read failed)", d.f);
	tally_engine_destroy(e);
	tally_cache_destroy(c);
	d_close(&d);
	return d.s;
}

/* The files a run left: as the reference run's (@rc OK) or as before. */
static void
check_output(const scenario *sc, const char *mode, long n, int rc,
    const reference *ref)
{
	char tmp[160];
	size_t len = 0;
	char *s, *got;

	if (sc->out == OUT_FILE) {
		got = slurp(out_path, &len);
		if (rc == TALLY_OK && (got == NULL || len != ref->output_len ||
		    memcmp(got, ref->output, len) != 0))
			fail(sc, mode, n, "TALLY_OK, but the output differs "
			    "from the run without failures");
		if (rc != TALLY_OK && n % 2 == 1 && got != NULL)
			fail(sc, mode, n, "failed (%s), but the output was "
			    "written (%zu bytes)", tally_strerror(rc), len);
		if (rc != TALLY_OK && n % 2 == 0 && (got == NULL ||
		    len != sizeof(old_output) - 1 ||
		    memcmp(got, old_output, len) != 0))
			fail(sc, mode, n, "failed (%s), but the old output "
			    "was %s", tally_strerror(rc), got == NULL ?
			    "removed" : "changed");
		free(got);
		if ((s = strays(scratch, "out.sarif")) != NULL)
			fail(sc, mode, n, "left beside the output: %s", s);
		free(s);
	} else if (sc->out == OUT_CACHE) {
		snprintf(tmp, sizeof(tmp), "%s/tally-cache-v1/tmp", cache_dir);
		if ((s = strays(tmp, NULL)) != NULL)
			fail(sc, mode, n, "left in the cache's tmp: %s", s);
		free(s);
		got = cache_replays();
		if (strcmp(got, ref->digest) != 0 &&
		    strstr(ref->digest, got) != ref->digest)
			fail(sc, mode, n, "the cache now replays other "
			    "results:\n%s\nwanted\n%.*s", got,
			    (int)strcspn(ref->digest, "\n"), ref->digest);
		free(got);
	}
}

static const char *
status_name(int rc)
{
	static char buf[32];

	switch (rc) {
	case TALLY_OK: return "TALLY_OK";
	case TALLY_ENOMEM: return "TALLY_ENOMEM";
	case TALLY_ESTATE: return "TALLY_ESTATE";
	default:
		snprintf(buf, sizeof(buf), "%d (%s)", rc, tally_strerror(rc));
		return buf;
	}
}

static bool
make_reference(const scenario *sc, reference *ref)
{
	digest d;
	int rc;

	prepare(sc, 1);
	arm(0, false);
	report_bad = 0;
	d_open(&d);
	rc = sc->run(&hook, &d);
	d_close(&d);
	ref->digest = d.s;
	ref->calls = F.calls;
	if (rc != TALLY_OK || F.live != 0 || F.bad_frees != 0) {
		fail(sc, "reference", 0, "%s without failures, %ld blocks "
		    "left, %ld bad frees", status_name(rc), F.live,
		    F.bad_frees);
		return false;
	}
	if (sc->out == OUT_CACHE && (cache_stats[0].l1_hits != 1 ||
	    cache_stats[0].misses != 1 || cache_stats[1].l3_hits != 1)) {
		fail(sc, "reference", 0, "served by L1 %llu times, L3 %llu, "
		    "missed %llu: not one miss, one L1 hit, one L3 hit",
		    (unsigned long long)cache_stats[0].l1_hits,
		    (unsigned long long)cache_stats[1].l3_hits,
		    (unsigned long long)cache_stats[0].misses);
		return false;
	}
	ref->output = sc->out == OUT_FILE ?
	    slurp(out_path, &ref->output_len) : NULL;
	if (sc->out == OUT_FILE && ref->output == NULL) {
		fail(sc, "reference", 0, "no output written");
		return false;
	}
	return true;
}

/*
 * One run failing call @n. Return: whether the injected failure was met
 * (false ends the sweep).
 */
static bool
one(const scenario *sc, const reference *ref, long n, bool sticky)
{
	const char *mode = sticky ? "sticky" : "single";
	digest d;
	long failed;
	int rc;

	prepare(sc, n);
	arm(n, sticky);
	report_bad = 0;
	d_open(&d);
	rc = sc->run(&hook, &d);
	d_close(&d);
	pthread_mutex_lock(&F.lock);
	failed = F.failed;
	F.fail_at = 0;
	pthread_mutex_unlock(&F.lock);
	if (rc != TALLY_OK && rc != TALLY_ENOMEM && rc != TALLY_ESTATE)
		fail(sc, mode, n, "returned %s", status_name(rc));
	if (rc == TALLY_OK && strcmp(d.s, ref->digest) != 0)
		fail(sc, mode, n, "TALLY_OK%s, but the results differ:\n%s\n"
		    "wanted\n%s", failed ? " after a failed allocation" : "",
		    d.s, ref->digest);
	if (failed == 0 && rc != TALLY_OK)
		fail(sc, mode, n, "%s with no failed allocation",
		    status_name(rc));
	if (report_bad != 0)
		fail(sc, mode, n, "%s, but the report or error does not say "
		    "so", status_name(rc));
	if (F.live != 0 || F.bad_frees != 0)
		fail(sc, mode, n, "%s; %ld blocks (%zu bytes) not freed, %ld "
		    "bad frees", status_name(rc), F.live, F.live_bytes,
		    F.bad_frees);
	check_output(sc, mode, n, rc, ref);
	free(d.s);
	return failed != 0;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
sweep(const scenario *sc, long from, long only, int modes)
{
	reference ref = { NULL, NULL, 0, 0 };
	int before = failures;
	double t0 = now();

	if (!make_reference(sc, &ref))
		goto out;
	if (ref.calls == 0)
		printf("oom %s: no call goes through the hook\n", sc->name);
	for (int m = 0; m < 2; m++) {
		long n;

		if (!(modes & (1 << m)))
			continue;
		for (n = only ? only : from; ; n++) {
			/* a bound, in case a run never ends its failures */
			if (!one(sc, &ref, n, m == 1) || only ||
			    n > 4 * ref.calls + 1000)
				break;
		}
		printf("oom %s %s: %ld hook calls unfailed, N 1..%ld swept\n",
		    sc->name, m ? "sticky" : "single", ref.calls, n);
	}
out:
	printf("oom %s: %d failures, %.1f s\n", sc->name, failures - before,
	    now() - t0);
	fflush(stdout);
	free(ref.digest);
	free(ref.output);
}

int
main(int argc, char **argv)
{
	long from = 1, only = 0;
	int modes = 3;
	bool picked[sizeof(scenarios) / sizeof(scenarios[0])] = { false };
	bool any = false;
	const char *tmpdir = getenv("TMPDIR");

	for (int i = 1; i < argc; i++) {
		size_t k;

		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
			from = atol(argv[++i]);
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			only = atol(argv[++i]);
		} else if (strcmp(argv[i], "--single") == 0) {
			modes = 1;
		} else if (strcmp(argv[i], "--sticky") == 0) {
			modes = 2;
		} else {
			for (k = 0; k < sizeof(picked); k++)
				if (strcmp(argv[i], scenarios[k].name) == 0)
					break;
			if (k == sizeof(picked) || from < 1 || only < 0) {
				fprintf(stderr, "usage: oom_test [SCENARIO...] "
				    "[--from N] [--only N] [--single|"
				    "--sticky]\n");
				return 2;
			}
			picked[k] = any = true;
		}
	}
	snprintf(scratch, sizeof(scratch), "%s/tally-oom.XXXXXX",
	    tmpdir != NULL && strlen(tmpdir) < 32 ? tmpdir : "/tmp");
	if (mkdtemp(scratch) == NULL) {
		perror("oom_test: mkdtemp");
		return 2;
	}
	snprintf(out_path, sizeof(out_path), "%s/out.sarif", scratch);
	snprintf(cache_dir, sizeof(cache_dir), "%s/cache", scratch);
	snprintf(big_dir, sizeof(big_dir), "%s/tally-oom-big.XXXXXX",
	    tmpdir != NULL && strlen(tmpdir) < 32 ? tmpdir : "/tmp");
	if (mkdtemp(big_dir) == NULL) {
		perror("oom_test: mkdtemp");
		return 2;
	}
	for (int k = 0; k < 2; k++) {
		snprintf(big_logs[k], sizeof(big_logs[k]), "%s/big%d.sarif",
		    big_dir, k);
		write_big(big_logs[k], k == 0 ? 1500 : 3u << 19);
	}
	for (size_t k = 0; k < sizeof(picked); k++)
		if (!any || picked[k])
			sweep(&scenarios[k], from, only, modes);
	rm_tree(scratch);
	rm_tree(big_dir);
	printf("oom: %d failures\n", failures);
	return failures != 0;
}
