/*
 * scan.c - tally-scan: a multi-threaded source scanner that embeds tally.
 *
 * It walks the trees it is given for C and C++ sources and runs the
 * detectors of detect.h on each file, as tasks of tally's pool:
 *
 *   1. a task takes a range of files and a scanner object from a
 *      detector pool (its buffers are reused from file to file and task
 *      to task);
 *   2. for each file it reads the bytes and hashes them with the path
 *      (XXH3-128): with --cache, the hash is looked up in tally's
 *      three-level cache (this thread's L1, the shared L2, the directory's
 *      L3), and a hit replays the stored results without scanning;
 *   3. a miss runs the detectors, interns the file name and each message
 *      (rules were interned once), appends the findings to a batch,
 *      packs them with tally_results_pack() and stores the pack, with the
 *      file's SARIF results, under the hash;
 *   4. a thread prints a progress line from the engine's live snapshots;
 *   5. at the end the counts come from a snapshot, and the SARIF log is
 *      the files' results in path order, the same bytes cold or warm.
 *
 * --plain runs the same detectors on one thread without tally (the
 * baseline), and --bench times the three (plain, cold cache, warm cache)
 * in one process, checking that they agree.
 *
 * Exit: 0 done; 1 a file could not be read (it is left out, the rest is
 * reported) or, with --bench, the runs disagree; 2 bad usage or setup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tally/batch.h>
#include <tally/cache.h>
#include <tally/detector.h>
#include <tally/engine.h>
#include <tally/pool.h>
#include <tally/results.h>
#include <tally/snapshot.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "detect.h"

#define TOOL "tally-scan"
#define TOOL_VERSION "1.0"
/* Part of every cache key: change it when the detectors change. */
#define DETECTORS "tally-scan detectors 1"

static const char *const level_name[] = { "none", "note", "warning",
	"error" };

/* ------------------------------------------------------------------ */
/* The files                                                           */

struct files {
	char **path;
	size_t n, cap;
};

static struct files *walk_into; /* nftw() takes no argument */
static int walk_errno;

static bool
is_source(const char *path)
{
	static const char *const ext[] = { ".c", ".h", ".cc", ".cpp",
		".cxx", ".hh", ".hpp", ".hxx", ".inl" };
	const char *dot = strrchr(path, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return false;
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (strcmp(dot, ext[i]) == 0)
			return true;
	return false;
}

static int
walk_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	struct files *fl = walk_into;

	(void)st;
	(void)f;
	if (type == FTW_DNR || type == FTW_NS)
		fprintf(stderr, TOOL ": %s: cannot read; skipped\n", path);
	if (type != FTW_F || !is_source(path))
		return 0;
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? 2 * fl->cap : 1024;
		char **p = realloc(fl->path, cap * sizeof(*p));

		if (p == NULL)
			return walk_errno = ENOMEM, -1;
		fl->path = p;
		fl->cap = cap;
	}
	if ((fl->path[fl->n] = strdup(path)) == NULL)
		return walk_errno = ENOMEM, -1;
	fl->n++;
	return 0;
}

static int
by_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sources under @roots, sorted: 0, or -1 (message printed). */
static int
walk(char **roots, int nroots, struct files *fl)
{
	memset(fl, 0, sizeof(*fl));
	walk_into = fl;
	for (int i = 0; i < nroots; i++) {
		walk_errno = 0;
		if (nftw(roots[i], walk_one, 64, FTW_PHYS) != 0) {
			fprintf(stderr, TOOL ": %s: %s\n", roots[i],
			    strerror(walk_errno ? walk_errno : errno));
			return -1;
		}
	}
	qsort(fl->path, fl->n, sizeof(*fl->path), by_path);
	return 0;
}

static void
files_free(struct files *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		free(fl->path[i]);
	free(fl->path);
}

/* ------------------------------------------------------------------ */
/* A run's result                                                      */

struct result {
	size_t files, scanned, cached, unreadable;
	uint64_t findings, unique;
	uint64_t by_rule[RULE_COUNT];
	uint64_t by_level[4];
	uint64_t sarif_hash; /* XXH64 of the log */
	double seconds;
};

/* Per file: its SARIF result objects (NULL: none, or unreadable). */
struct output {
	char **frag;
	size_t n;
};

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Copy the scanner's SARIF output for file @i (NULL when empty). */
static int
keep_sarif(struct output *o, size_t i, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if ((o->frag[i] = malloc(n + 1)) == NULL)
		return -1;
	memcpy(o->frag[i], p, n);
	o->frag[i][n] = '\0';
	return 0;
}

/* Write @n bytes to @f and hash them. */
static int
emit(FILE *f, XXH64_state_t *h, const char *p, size_t n)
{
	XXH64_update(h, p, n);
	return f == NULL || fwrite(p, 1, n, f) == n ? 0 : -1;
}

/*
 * Write the SARIF log (results in file order) to @path ("-": standard
 * output; NULL: only hash it) and record its hash in @r.
 */
static int
write_sarif(const char *path, const struct output *o, struct result *r)
{
	XXH64_state_t *h = XXH64_createState();
	struct buf b = { 0 };
	FILE *f = NULL;
	bool first = true;
	int rc = 0;

	if (h == NULL)
		return -1;
	XXH64_reset(h, 0);
	if (path != NULL && (f = strcmp(path, "-") == 0 ? stdout :
	    fopen(path, "w")) == NULL) {
		fprintf(stderr, TOOL ": %s: %s\n", path, strerror(errno));
		XXH64_freeState(h);
		return -1;
	}
	buf_puts(&b, "{\"version\":\"2.1.0\",\"$schema\":\"https://json."
	    "schemastore.org/sarif-2.1.0.json\",\"runs\":[{\"tool\":"
	    "{\"driver\":{\"name\":\"" TOOL "\",\"version\":\""
	    TOOL_VERSION "\",\"rules\":[");
	for (int k = 0; k < RULE_COUNT; k++) {
		buf_puts(&b, k ? ",{\"id\":\"" : "{\"id\":\"");
		buf_puts(&b, scan_rules[k].id);
		buf_puts(&b, "\",\"shortDescription\":{\"text\":\"");
		buf_json(&b, scan_rules[k].text, strlen(scan_rules[k].text));
		buf_puts(&b, "\"}}");
	}
	buf_puts(&b, "]}},\"columnKind\":\"unicodeCodePoints\","
	    "\"results\":[");
	if (b.p == NULL || emit(f, h, b.p, b.len) != 0)
		rc = -1;
	for (size_t i = 0; i < o->n && rc == 0; i++) {
		if (o->frag[i] == NULL)
			continue;
		if ((!first && emit(f, h, ",", 1) != 0) ||
		    emit(f, h, o->frag[i], strlen(o->frag[i])) != 0)
			rc = -1;
		first = false;
	}
	if (rc == 0 && emit(f, h, "]}]}\n", 5) != 0)
		rc = -1;
	if (f != NULL && f != stdout && fclose(f) != 0)
		rc = -1;
	if (f == stdout && fflush(f) != 0)
		rc = -1;
	if (rc != 0 && path != NULL)
		fprintf(stderr, TOOL ": %s: %s\n", path, strerror(errno));
	r->sarif_hash = XXH64_digest(h);
	XXH64_freeState(h);
	free(b.p);
	return rc;
}

static void
output_free(struct output *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->frag[i]);
	free(o->frag);
}

/* ------------------------------------------------------------------ */
/* The baseline: the same detectors, one thread, no tally              */

static int
run_plain(char **roots, int nroots, const char *sarif, struct result *r)
{
	struct scanner s;
	struct files fl;
	struct output o = { 0 };
	struct buf uri = { 0 };
	double t0 = now();
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (walk(roots, nroots, &fl) != 0)
		return 2;
	if (scanner_init(&s) != 0 ||
	    (o.frag = calloc(fl.n ? fl.n : 1, sizeof(*o.frag))) == NULL) {
		fprintf(stderr, TOOL ": out of memory\n");
		files_free(&fl);
		return 2;
	}
	o.n = r->files = fl.n;
	for (size_t i = 0; i < fl.n && rc == 0; i++) {
		if (scanner_read(&s, fl.path[i]) != 0) {
			fprintf(stderr, TOOL ": %s: %s\n", fl.path[i],
			    strerror(errno));
			r->unreadable++;
			continue;
		}
		uri.len = 0;
		s.sarif.len = 0;
		if (scanner_run(&s, s.text.p, s.text.len) != 0 ||
		    buf_uri(&uri, fl.path[i]) != 0 || buf_put(&uri, "", 1) ||
		    scanner_sarif(&s, uri.p) != 0 ||
		    keep_sarif(&o, i, s.sarif.p, s.sarif.len) != 0) {
			fprintf(stderr, TOOL ": out of memory\n");
			rc = 2;
		}
		r->scanned++;
		for (size_t k = 0; k < s.nf; k++) {
			r->by_rule[s.f[k].rule]++;
			r->by_level[s.f[k].level]++;
		}
		r->findings += s.nf;
	}
	/* One file scanned once: no finding repeats another. */
	r->unique = r->findings;
	if (rc == 0 && write_sarif(sarif, &o, r) != 0)
		rc = 2;
	r->seconds = now() - t0;
	scanner_fini(&s);
	free(uri.p);
	output_free(&o);
	files_free(&fl);
	return rc ? rc : r->unreadable ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* With tally                                                          */

struct ctx {
	tally_engine *e;
	tally_cache *cache; /* or NULL */
	tally_detector_pool *scanners;
	struct files fl;
	struct output out;
	uint32_t tool, rule_id[RULE_COUNT];
	atomic_size_t done, scanned, cached, unreadable;
	atomic_int failed; /* a tally or memory error: the run is void */
	atomic_bool finished;
	bool progress;
};

/* A detector object: the scanner and what a task needs beside it. */
struct worker {
	struct scanner s;
	struct buf uri;
	struct buf val;  /* a cache value */
	tally_violation *v;
	size_t vcap;
	tally_batch *batch;
};

static void worker_destroy(void *obj, void *arg);

static int
worker_create(void *obj, void *arg)
{
	struct worker *w = obj;

	(void)arg;
	memset(w, 0, sizeof(*w));
	if (scanner_init(&w->s) != 0 || buf_reserve(&w->val, 64 << 10) != 0) {
		worker_destroy(w, NULL);
		return TALLY_ENOMEM;
	}
	return 0;
}

static void
worker_destroy(void *obj, void *arg)
{
	struct worker *w = obj;

	(void)arg;
	scanner_fini(&w->s);
	free(w->uri.p);
	free(w->val.p);
	free(w->v);
}

static void
fail(struct ctx *c, const char *what, int rc)
{
	int expected = 0;

	if (atomic_compare_exchange_strong(&c->failed, &expected, 1))
		fprintf(stderr, TOOL ": %s: %s\n", what, tally_strerror(rc));
}

/* Append one violation, submitting the batch when it is full. */
static int
append(struct ctx *c, struct worker *w, const tally_violation *v)
{
	int rc;

	for (;;) {
		if (w->batch == NULL &&
		    (rc = tally_batch_acquire(c->e, &w->batch)) != TALLY_OK)
			return rc;
		if ((rc = tally_batch_append(w->batch, v)) != TALLY_EFULL)
			return rc;
		rc = tally_batch_submit(c->e, w->batch);
		w->batch = NULL;
		if (rc != TALLY_OK)
			return rc;
	}
}

/* Cache values: "TSC1", the pack's length (4 bytes), the pack, SARIF. */
#define VAL_MAGIC "TSC1"
#define VAL_HEAD 8

static tally_cache_key
content_key(const char *path, const struct buf *text)
{
	XXH3_state_t st;
	XXH128_hash_t h;
	tally_cache_key k;

	/* The path is part of the key: the results name the file. */
	XXH3_128bits_reset(&st);
	XXH3_128bits_update(&st, DETECTORS, sizeof(DETECTORS));
	XXH3_128bits_update(&st, path, strlen(path) + 1);
	XXH3_128bits_update(&st, text->p, text->len);
	h = XXH3_128bits_digest(&st);
	k.hi = h.high64;
	k.lo = h.low64;
	return k;
}

/* A cached result for file @i: 1 replayed, 0 not there (or unusable). */
static int
from_cache(struct ctx *c, struct worker *w, size_t i, tally_cache_key key)
{
	size_t len = 0;
	uint32_t plen;
	int rc;

	rc = tally_cache_get(c->cache, key, w->val.p, w->val.cap, &len);
	if (rc == TALLY_ERANGE) { /* @len is the value's length */
		w->val.len = 0;
		if (buf_reserve(&w->val, len) != 0)
			return 0;
		rc = tally_cache_get(c->cache, key, w->val.p, w->val.cap,
		    &len);
	}
	if (rc != TALLY_OK || len < VAL_HEAD ||
	    memcmp(w->val.p, VAL_MAGIC, 4) != 0)
		return 0;
	memcpy(&plen, w->val.p + 4, 4);
	if (plen > len - VAL_HEAD)
		return 0;
	/* A pack replay checks the whole pack before adding anything. */
	rc = tally_results_replay(c->e, w->val.p + VAL_HEAD, plen, NULL);
	if (rc == TALLY_EFORMAT)
		return 0;
	if (rc != TALLY_OK) {
		fail(c, "replay", rc);
		return 1;
	}
	if (keep_sarif(&c->out, i, w->val.p + VAL_HEAD + plen,
	    len - VAL_HEAD - plen) != 0)
		fail(c, "memory", TALLY_ENOMEM);
	return 1;
}

/* Store file @i's findings (already in w->v) and SARIF under @key. */
static void
to_cache(struct ctx *c, struct worker *w, size_t nv, tally_cache_key key)
{
	void *blob;
	size_t blen;
	uint32_t plen;

	if (tally_results_pack(c->e, w->v, nv, &blob, &blen) != TALLY_OK)
		return; /* e.g. a path that is not UTF-8: not cached */
	plen = (uint32_t)blen;
	w->val.len = 0;
	if (blen <= UINT32_MAX && buf_put(&w->val, VAL_MAGIC, 4) == 0 &&
	    buf_put(&w->val, &plen, 4) == 0 &&
	    buf_put(&w->val, blob, blen) == 0 &&
	    buf_put(&w->val, w->s.sarif.p, w->s.sarif.len) == 0)
		(void)tally_cache_put(c->cache, key, w->val.p, w->val.len);
	tally_results_free(c->e, blob, blen);
}

static void
scan_file(struct ctx *c, struct worker *w, size_t i)
{
	const char *path = c->fl.path[i];
	struct scanner *s = &w->s;
	tally_cache_key key = { 0, 0 };
	uint32_t file;
	int rc;

	if (scanner_read(s, path) != 0) {
		fprintf(stderr, TOOL ": %s: %s\n", path, strerror(errno));
		atomic_fetch_add(&c->unreadable, 1);
		return;
	}
	if (c->cache != NULL) {
		key = content_key(path, &s->text);
		if (from_cache(c, w, i, key)) {
			atomic_fetch_add_explicit(&c->cached, 1,
			    memory_order_relaxed);
			return;
		}
	}
	w->uri.len = 0;
	s->sarif.len = 0;
	if (scanner_run(s, s->text.p, s->text.len) != 0 ||
	    buf_uri(&w->uri, path) != 0 || buf_put(&w->uri, "", 1) != 0 ||
	    scanner_sarif(s, w->uri.p) != 0 ||
	    keep_sarif(&c->out, i, s->sarif.p, s->sarif.len) != 0) {
		fail(c, path, TALLY_ENOMEM);
		return;
	}
	atomic_fetch_add_explicit(&c->scanned, 1, memory_order_relaxed);
	if (s->nf == 0 && c->cache == NULL)
		return;
	if (s->nf > w->vcap) {
		tally_violation *v = realloc(w->v, s->nf * sizeof(*v));

		if (v == NULL) {
			fail(c, path, TALLY_ENOMEM);
			return;
		}
		w->v = v;
		w->vcap = s->nf;
	}
	/* Strings as an analyzer has them: the file once, each message. */
	if (s->nf > 0 && (rc = tally_engine_string_intern(c->e,
	    TALLY_STR_FILE, path, strlen(path), &file)) != TALLY_OK) {
		fail(c, "intern", rc);
		return;
	}
	for (size_t k = 0; k < s->nf; k++) {
		const struct finding *f = &s->f[k];
		tally_violation *v = &w->v[k];

		memset(v, 0, sizeof(*v));
		v->tool = c->tool;
		v->rule = c->rule_id[f->rule];
		v->file = file;
		v->line = f->line;
		v->column = f->column;
		v->level = f->level;
		if ((rc = tally_engine_string_intern(c->e, TALLY_STR_MESSAGE,
		    s->msg.p + f->msg, f->msg_len, &v->message)) != TALLY_OK ||
		    (rc = append(c, w, v)) != TALLY_OK) {
			fail(c, "append", rc);
			return;
		}
	}
	if (c->cache != NULL)
		to_cache(c, w, s->nf, key);
}

/* A pool task: files [lo, hi) with one detector object. */
static void
scan_range(void *arg, size_t lo, size_t hi)
{
	struct ctx *c = arg;
	struct worker *w;
	int rc;

	if ((rc = tally_detector_acquire(c->scanners, (void **)&w)) != 0) {
		fail(c, "detector", rc);
		return;
	}
	for (size_t i = lo; i < hi && !atomic_load(&c->failed); i++) {
		scan_file(c, w, i);
		atomic_fetch_add_explicit(&c->done, 1, memory_order_relaxed);
	}
	if (w->batch != NULL && (rc = tally_batch_submit(c->e, w->batch)) != 0)
		fail(c, "submit", rc);
	w->batch = NULL;
	tally_detector_release(c->scanners, w);
}

/* The progress line: what the live snapshots say, five times a second. */
static void *
progress(void *arg)
{
	struct ctx *c = arg;
	tally_snapshot *snap;
	tally_totals t;

	while (!atomic_load(&c->finished)) {
		struct timespec d = { 0, 200 * 1000 * 1000 };

		nanosleep(&d, NULL);
		if (tally_snapshot_acquire(c->e, &snap) != TALLY_OK)
			continue;
		tally_snapshot_totals(snap, &t);
		tally_snapshot_release(snap);
		fprintf(stderr, "\r%zu/%zu files, %" PRIu64 " findings, %"
		    PRIu64 " unique ", atomic_load(&c->done), c->fl.n,
		    t.read, t.unique);
	}
	return NULL;
}

/* The counts, from a snapshot taken after everything is aggregated. */
static int
collect(struct ctx *c, struct result *r)
{
	tally_snapshot *snap;
	tally_totals t;
	tally_group g[RULE_COUNT + 8];
	size_t n;
	int rc;

	if ((rc = tally_engine_flush(c->e)) != TALLY_OK ||
	    (rc = tally_snapshot_acquire(c->e, &snap)) != TALLY_OK)
		return rc;
	tally_snapshot_totals(snap, &t);
	r->findings = t.read;
	r->unique = t.unique;
	for (int l = 0; l < 4; l++)
		r->by_level[l] = tally_snapshot_level(snap, (tally_level)l);
	rc = tally_snapshot_groups(snap, TALLY_DIM_RULE, TALLY_ORDER_ID, g,
	    sizeof(g) / sizeof(g[0]), &n);
	for (size_t k = 0; rc == TALLY_OK && k < n; k++)
		for (int j = 0; j < RULE_COUNT; j++)
			if (g[k].rule == c->rule_id[j])
				r->by_rule[j] = g[k].count;
	tally_snapshot_release(snap);
	return rc;
}

static int
run_tally(char **roots, int nroots, unsigned workers, const char *cache_dir,
    const char *sarif, bool show_progress, struct result *r)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_detector_type dt = TALLY_DETECTOR_TYPE_INIT;
	tally_cache_config cc = TALLY_CACHE_CONFIG_INIT;
	tally_error err;
	struct ctx c;
	pthread_t prog;
	double t0 = now();
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	if (walk(roots, nroots, &c.fl) != 0)
		return 2;
	cfg.workers = workers;
	dt.name = "scanner";
	dt.object_size = sizeof(struct worker);
	dt.create = worker_create;
	dt.destroy = worker_destroy;
	if ((rc = tally_engine_create(&c.e, &cfg)) != TALLY_OK ||
	    (rc = tally_detector_pool_create(&dt, NULL, &c.scanners)) != 0 ||
	    (rc = tally_engine_tool_intern(c.e, TOOL, strlen(TOOL),
	    TOOL_VERSION, strlen(TOOL_VERSION), &c.tool)) != TALLY_OK) {
		fprintf(stderr, TOOL ": %s\n", tally_strerror(rc));
		rc = 2;
		goto out;
	}
	/* The rules: interned once, as a detector registers them. */
	for (int k = 0; k < RULE_COUNT; k++)
		if ((rc = tally_engine_string_intern(c.e, TALLY_STR_RULE,
		    scan_rules[k].id, strlen(scan_rules[k].id),
		    &c.rule_id[k])) != TALLY_OK) {
			fprintf(stderr, TOOL ": %s\n", tally_strerror(rc));
			rc = 2;
			goto out;
		}
	if (cache_dir != NULL) {
		cc.dir = cache_dir;
		/* An entry a crash loses is only a file scanned again. */
		cc.disk_flags = TALLY_CACHE_DISK_NOSYNC;
		if ((rc = tally_cache_create(&cc, NULL, &c.cache, &err)) !=
		    TALLY_OK) {
			fprintf(stderr, TOOL ": %s\n", err.message);
			rc = 2;
			goto out;
		}
	}
	c.out.n = r->files = c.fl.n;
	if ((c.out.frag = calloc(c.fl.n ? c.fl.n : 1,
	    sizeof(*c.out.frag))) == NULL) {
		fprintf(stderr, TOOL ": out of memory\n");
		rc = 2;
		goto out;
	}
	c.progress = show_progress;
	if (show_progress && pthread_create(&prog, NULL, progress, &c) != 0)
		c.progress = false;
	/* Pieces of 16 files: small enough to balance, big enough that a
	 * task's detector object and batch serve many files. */
	rc = tally_pool_for(c.e, 0, c.fl.n, 16, scan_range, &c);
	if (rc == TALLY_OK && !atomic_load(&c.failed))
		rc = collect(&c, r);
	atomic_store(&c.finished, true);
	if (c.progress) {
		pthread_join(prog, NULL);
		fputc('\n', stderr);
	}
	if (rc != TALLY_OK || atomic_load(&c.failed)) {
		if (rc != TALLY_OK)
			fprintf(stderr, TOOL ": %s\n", tally_strerror(rc));
		rc = 2;
		goto out;
	}
	r->scanned = atomic_load(&c.scanned);
	r->cached = atomic_load(&c.cached);
	r->unreadable = atomic_load(&c.unreadable);
	rc = write_sarif(sarif, &c.out, r) != 0 ? 2 : r->unreadable ? 1 : 0;
out:
	tally_cache_destroy(c.cache);
	tally_detector_pool_destroy(c.scanners);
	tally_engine_destroy(c.e);
	r->seconds = now() - t0;
	output_free(&c.out);
	files_free(&c.fl);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reports                                                             */

static void
print_result(FILE *f, const struct result *r)
{
	fprintf(f, "files %zu scanned %zu cached %zu unreadable %zu\n",
	    r->files, r->scanned, r->cached, r->unreadable);
	fprintf(f, "findings %" PRIu64 " unique %" PRIu64 "\n", r->findings,
	    r->unique);
	for (int l = 3; l >= 1; l--)
		fprintf(f, "level %s %" PRIu64 "\n", level_name[l],
		    r->by_level[l]);
	for (int k = 0; k < RULE_COUNT; k++)
		fprintf(f, "rule %s %" PRIu64 "\n", scan_rules[k].id,
		    r->by_rule[k]);
}

static bool
same(const struct result *a, const struct result *b)
{
	return a->files == b->files && a->unique == b->unique &&
	    a->sarif_hash == b->sarif_hash &&
	    memcmp(a->by_rule, b->by_rule, sizeof(a->by_rule)) == 0 &&
	    memcmp(a->by_level, b->by_level, sizeof(a->by_level)) == 0;
}

static int
by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/*
 * --bench: @reps rounds of four runs, interleaved: plain; tally without a
 * cache; tally with an empty cache (cold); tally again on that cache
 * (warm: a new engine and cache handle, as a second process would see
 * it). The medians, their rates and ratios; every run must agree with
 * the first plain one (counts and SARIF bytes).
 */
enum { PLAIN, NOCACHE, COLD, WARM, RUNS };

static int
bench(char **roots, int nroots, unsigned workers, const char *where,
    int reps)
{
	static const char *const name[RUNS] = {
		[PLAIN] = "plain (1 thread, no tally)",
		[NOCACHE] = "tally, no cache",
		[COLD] = "tally, cold cache",
		[WARM] = "tally, warm cache",
	};
	char base[4096], dir[4200];
	double t[RUNS][64], med[RUNS];
	struct result r[RUNS], first;
	int rc = 0;

	snprintf(base, sizeof(base), "%s/tally-scan-bench.XXXXXX",
	    where ? where : "/tmp");
	if (reps < 1 || reps > 64) {
		fprintf(stderr, TOOL ": --bench %d: 1 to 64 rounds\n", reps);
		return 2;
	}
	if (mkdtemp(base) == NULL) {
		fprintf(stderr, TOOL ": %s: %s\n", base, strerror(errno));
		return 2;
	}
	for (int i = 0; i < reps && rc != 2; i++) {
		snprintf(dir, sizeof(dir), "%s/%d", base, i);
		if (run_plain(roots, nroots, NULL, &r[PLAIN]) > 1 ||
		    run_tally(roots, nroots, workers, NULL, NULL, false,
		    &r[NOCACHE]) > 1 ||
		    run_tally(roots, nroots, workers, dir, NULL, false,
		    &r[COLD]) > 1 ||
		    run_tally(roots, nroots, workers, dir, NULL, false,
		    &r[WARM]) > 1) {
			rc = 2;
			break;
		}
		if (i == 0)
			first = r[PLAIN];
		for (int k = 0; k < RUNS; k++) {
			t[k][i] = r[k].seconds;
			if (!same(&r[k], &first)) {
				fprintf(stderr, TOOL ": round %d: %s "
				    "disagrees with the first plain run\n",
				    i, name[k]);
				rc = 1;
			}
		}
		if (r[COLD].cached != 0 ||
		    r[WARM].cached != r[WARM].files - r[WARM].unreadable) {
			fprintf(stderr, TOOL ": round %d: cold run found %zu "
			    "cached, warm run scanned %zu\n", i,
			    r[COLD].cached, r[WARM].scanned);
			rc = 1;
		}
		fprintf(stderr, "round %d: plain %.3f s, no cache %.3f s, "
		    "cold %.3f s, warm %.3f s\n", i, t[PLAIN][i],
		    t[NOCACHE][i], t[COLD][i], t[WARM][i]);
	}
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (rc == 2)
		return rc;
	printf("%zu files, %" PRIu64 " findings, %u threads; median of %d "
	    "rounds\n", first.files, first.unique, workers, reps);
	printf("%-28s %9s %11s %13s\n", "run", "seconds", "files/s",
	    "findings/s");
	for (int k = 0; k < RUNS; k++) {
		qsort(t[k], (size_t)reps, sizeof(double), by_double);
		med[k] = t[k][reps / 2];
		printf("%-28s %9.3f %11.0f %13.0f\n", name[k], med[k],
		    (double)first.files / med[k],
		    (double)first.unique / med[k]);
	}
	printf("no cache / plain: %.2fx   cold / plain: %.2fx   "
	    "warm / cold: %.2fx\n", med[PLAIN] / med[NOCACHE],
	    med[PLAIN] / med[COLD], med[COLD] / med[WARM]);
	printf("runs agree (counts and SARIF bytes): %s\n",
	    rc ? "NO" : "yes");
	return rc;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " TOOL " [OPTIONS] DIR...\n"
	    "Scan the C and C++ sources under each DIR (.c .h .cc .cpp .cxx\n"
	    ".hh .hpp .hxx .inl) for banned functions, non-literal format\n"
	    "strings, TODO/FIXME/XXX markers and their density, and lines\n"
	    "over 120 characters; count the findings with tally and print\n"
	    "the counts.\n\n"
	    "  -o, --output FILE  write the findings as SARIF 2.1.0 ('-': stdout)\n"
	    "  -c, --cache DIR    keep each file's results in DIR, keyed by a\n"
	    "                     hash of its path and content: an unchanged\n"
	    "                     file is not scanned again\n"
	    "  -j, --workers N    threads that scan and count (default: one\n"
	    "                     per online CPU)\n"
	    "      --plain        run the detectors on one thread, no tally\n"
	    "      --bench N      time N rounds of plain, cold-cache and\n"
	    "                     warm-cache runs; print medians and ratios\n"
	    "                     (the caches are made, then removed, in a\n"
	    "                     new directory under -c DIR, or /tmp)\n"
	    "      --progress     a progress line on stderr (default: when\n"
	    "                     stderr is a terminal); --no-progress\n"
	    "  -h, --help         this text\n\n"
	    "Exit: 0 done; 1 a file could not be read (the rest is counted)\n"
	    "or --bench runs disagree; 2 bad usage or setup.\n");
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "cache", required_argument, NULL, 'c' },
		{ "workers", required_argument, NULL, 'j' },
		{ "plain", no_argument, NULL, 'P' },
		{ "bench", required_argument, NULL, 'B' },
		{ "progress", no_argument, NULL, 'p' },
		{ "no-progress", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sarif = NULL, *cache = NULL;
	unsigned workers = 0;
	int opt, reps = 0, show = isatty(2), rc;
	bool plain = false;
	struct result r;
	char *end;

	while ((opt = getopt_long(argc, argv, "o:c:j:h", lo, NULL)) != -1) {
		switch (opt) {
		case 'o': sarif = optarg; break;
		case 'c': cache = optarg; break;
		case 'j':
			errno = 0;
			workers = (unsigned)strtoul(optarg, &end, 10);
			if (errno || *end || workers < 1 || workers > 256) {
				fprintf(stderr, TOOL ": -j %s: expected 1 to "
				    "256\n", optarg);
				return 2;
			}
			break;
		case 'P': plain = true; break;
		case 'B':
			reps = atoi(optarg);
			break;
		case 'p': show = 1; break;
		case 'q': show = 0; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, TOOL ": no directory to scan\n");
		usage(stderr);
		return 2;
	}
	/* Scanning runs as pool tasks on tally's threads (a thread outside
	 * the pool waits in tally_pool_for()): one per CPU. */
	if (workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		workers = n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
	}
	if (reps)
		return bench(argv + optind, argc - optind, workers, cache,
		    reps);
	if (plain)
		rc = run_plain(argv + optind, argc - optind, sarif, &r);
	else
		rc = run_tally(argv + optind, argc - optind, workers, cache,
		    sarif, show, &r);
	if (rc < 2)
		print_result(stdout, &r);
	return rc;
}
