/*
 * bench/shapes/shapes.c - ingest on the shape of real use, through the
 * public API only.
 *
 * An embedding analyzer's findings are almost all unique (the corpus beside
 * the checkout: 257,800 of 259,913), come from its own threads, and are
 * strings. This program feeds tally such a stream and, in the same run,
 * two baselines fed the same stream:
 *
 *   plain  one thread inserting the same 32-byte keys into a pre-sized
 *          open-addressing table (linear probing, load <= 1/2, calloc'd so
 *          its pages fault in as they are touched, as any fresh table's do);
 *   naive  what an analyzer writes without tally: one mutex around a
 *          chained hash set of (tool, rule, file, message, line, column,
 *          offset) tuples of strings, copied on insert, doubling as it fills.
 *
 * It is built out of tree against the installed package
 * (`pkg-config --cflags --libs tally`; perf/shapes.sh), so it also proves
 * that the package embeds.
 *
 * The stream, shaped like the corpus (its STATS.md). N violations with a
 * duplicate share D: U = N - round(N * D) distinct ones, spread evenly
 * through the stream, every other entry a copy of a random earlier one.
 * Distinct violations come file by file, a file holding a lognormal number
 * of them (median 4, 90th percentile 43); each has one of 326 rules drawn
 * with Zipf's law (the top 10 hold 46%; corpus: 43.5%), the rule's tool (8
 * tools), a line and column, its offset u (which makes it distinct) and a
 * message: its rule's text naming one of 0.063 U symbols, so about 6% of
 * the messages are distinct (corpus: 6.3%). In the "ids" mode every
 * string is interned before the clock starts; in the "strings" mode each
 * producer interns as an analyzer does: its tools once, a rule the first
 * time its detector fires, a file when it moves to a new one, and the
 * message built for every violation (mostly a hit).
 * Producers take contiguous slices of the stream (files in order) on their
 * own threads ("outside"), or the stream is cut into pieces run as pool
 * tasks ("tasks"). Readers poll snapshots every millisecond meanwhile.
 *
 * Every run is exact or the program fails: the engine's unique count must
 * equal the distinct keys found by sorting the stream's keys, read and
 * duplicates must add up, and the naive set must hold as many tuples.
 * Each configuration runs in a child process, so its resident memory
 * starts from the same state; "B/unique" is the child's RSS growth from
 * after the ids were interned to after the flush, over the unique count
 * (in the strings mode it includes the interned strings).
 *
 * Usage: tally_shapes [-n N] [-d D%,...] [-p P,...] [-r R,...] [-w W]
 *                     [-m ids|strings|both] [-t outside|tasks|both] [-H] [-q]
 * Exit: 0 all exact, 1 a count was wrong, 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tally.h>

#define NTOOLS 8u
#define NRULES 326u
#define MAXLIST 8

static const char *const tool_names[NTOOLS] = {
	"cppcheck", "clang-tidy", "flawfinder", "eslint", "semgrep", "shellcheck",
	"clang-analyzer", "pylint",
};

/* ---- the stream ------------------------------------------------------- */

typedef struct spec {
	uint32_t tool, rule, file, msg, line, column;
	uint64_t offset;
	uint8_t level;
} spec;

static uint64_t
mix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static struct {
	uint32_t n, uniq, files, msgs;
	uint32_t *stream;   /* n distinct-violation numbers */
	uint32_t *file_of;  /* uniq files, in order */
	uint64_t expect;    /* distinct keys, by sorting */
	double rule_cdf[NRULES];
} S;

static spec
spec_of(uint32_t u)
{
	uint64_t h = mix(u);
	double x = (double)(h >> 11) * 0x1p-53;
	uint32_t lo = 0, hi = NRULES - 1;
	spec s;

	while (lo < hi) { /* the first rule whose cumulative share passes x */
		uint32_t mid = (lo + hi) / 2;

		if (S.rule_cdf[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	s.file = S.file_of[u];
	s.rule = lo;
	s.tool = lo % NTOOLS;
	h = mix(h);
	s.msg = (uint32_t)(h % S.msgs);
	s.line = 1 + (uint32_t)((h >> 32) % 2600);
	s.column = 1 + (uint32_t)((h >> 48) % 100);
	s.offset = u;
	s.level = (uint8_t)(1 + (h >> 20) % 3);
	return s;
}

/* A standard normal draw (Box-Muller) from two uniform words. */
static double
normal(uint64_t a, uint64_t b)
{
	double u1 = ((double)(a >> 11) + 1) * 0x1p-53;
	double u2 = (double)(b >> 11) * 0x1p-53;

	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* Files of lognormal size (median 4, p90 43) and Zipf rule shares. */
static void
shape_make(void)
{
	uint64_t rng = 7;
	uint32_t u = 0, f = 0;
	double sum = 0, acc = 0;

	for (uint32_t r = 0; r < NRULES; r++)
		sum += 1.0 / (r + 1);
	for (uint32_t r = 0; r < NRULES; r++)
		S.rule_cdf[r] = (acc += 1.0 / (r + 1) / sum);
	S.rule_cdf[NRULES - 1] = 1.0;
	while (u < S.uniq) {
		uint64_t a = (rng = mix(rng)), b = (rng = mix(rng));
		double len = exp(log(4.0) + 1.85 * normal(a, b));
		uint32_t k = len < 1 ? 1 : len > 1e6 ? 1000000 : (uint32_t)len;

		while (k-- > 0 && u < S.uniq)
			S.file_of[u++] = f;
		f++;
	}
	S.files = f;
	S.msgs = (uint32_t)(S.uniq * 0.063) + 1;
}

/* Entry j is new iff ceil((j+1)U/N) > ceil(jU/N); the rest copy one seen. */
static void
stream_make(uint32_t n, unsigned dup_pct)
{
	uint64_t u = (uint64_t)n - ((uint64_t)n * dup_pct + 50) / 100, seen = 0;
	uint64_t rng = 42;

	if (u == 0)
		u = 1;
	S.n = n;
	S.uniq = (uint32_t)u;
	S.stream = malloc((size_t)n * sizeof(*S.stream));
	S.file_of = malloc((size_t)u * sizeof(*S.file_of));
	if (S.stream == NULL || S.file_of == NULL) {
		fprintf(stderr, "tally_shapes: out of memory for %u entries\n", n);
		exit(2);
	}
	for (uint64_t j = 0; j < n; j++) {
		uint64_t after = ((j + 1) * u + n - 1) / n;

		if (after > seen)
			S.stream[j] = (uint32_t)seen++;
		else
			S.stream[j] = (uint32_t)((rng = mix(rng)) % seen);
	}
	shape_make();
}

typedef struct key {
	uint32_t tool, rule, file, msg, line, column;
	uint64_t offset;
} key;

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(key));
}

static key
key_of(uint32_t u)
{
	spec s = spec_of(u);

	return (key){ s.tool, s.rule, s.file, s.msg, s.line, s.column, s.offset };
}

/* The exactness reference: distinct keys of the whole stream, by sorting. */
static uint64_t
sorted_distinct(void)
{
	key *k = malloc((size_t)S.n * sizeof(*k));
	uint64_t d = 0;

	if (k == NULL)
		exit(2);
	for (uint32_t j = 0; j < S.n; j++)
		k[j] = key_of(S.stream[j]);
	qsort(k, S.n, sizeof(*k), key_cmp);
	for (uint32_t j = 0; j < S.n; j++)
		d += j == 0 || memcmp(&k[j], &k[j - 1], sizeof(*k)) != 0;
	free(k);
	return d;
}

/* ---- strings, as an analyzer builds them ------------------------------ */

static char *
put_u32(char *p, uint32_t v)
{
	char t[10];
	int n = 0;

	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = t[--n];
	return p;
}

static size_t
file_name(char *buf, uint32_t f)
{
	static const char pre[] = "src/module";
	char *p = buf;

	memcpy(p, pre, sizeof(pre) - 1);
	p = put_u32(p + sizeof(pre) - 1, f / 64);
	memcpy(p, "/unit_", 6);
	p = put_u32(p + 6, f);
	memcpy(p, ".c", 2);
	return (size_t)(p + 2 - buf);
}

static size_t
rule_name(char *buf, uint32_t r)
{
	char *p = buf;

	memcpy(p, "check-", 6);
	p = put_u32(p + 6, r);
	return (size_t)(p - buf);
}

/* Message @msg: a text naming a symbol (and, for show, a rule). */
static size_t
message_text(char *buf, uint32_t msg)
{
	uint32_t rule = msg % NRULES;
	static const char a[] = "variable 'sym_";
	static const char b[] = "' may be used before it is set (rule ";
	char *p = buf;

	memcpy(p, a, sizeof(a) - 1);
	p = put_u32(p + sizeof(a) - 1, msg);
	memcpy(p, b, sizeof(b) - 1);
	p = put_u32(p + sizeof(b) - 1, rule);
	*p++ = ')';
	return (size_t)(p - buf);
}

/* ---- timing and memory ------------------------------------------------- */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t
rss_bytes(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* ---- tally ------------------------------------------------------------- */

enum { MODE_IDS, MODE_STRINGS };
enum { FEED_OUTSIDE, FEED_TASKS };

typedef struct run {
	tally_engine *e;
	int mode;
	uint32_t tool_id[NTOOLS], *rule_id, *file_id, *msg_id;
	atomic_int failed;
	atomic_int stop;
	atomic_uint_fast64_t snapshots;
} run;

static void
fail(run *r, const char *what, int rc)
{
	if (atomic_exchange(&r->failed, 1) == 0)
		fprintf(stderr, "tally_shapes: %s: %s\n", what, tally_strerror(rc));
}

/* Per producer: what an analyzer's detector thread keeps. */
typedef struct producer {
	run *r;
	uint32_t lo, hi;
	uint32_t tool[NTOOLS];
	uint32_t rule[NRULES];
	uint32_t last_file, last_file_id;
} producer;

static void
producer_init(producer *p, run *r, uint32_t lo, uint32_t hi)
{
	p->r = r;
	p->lo = lo;
	p->hi = hi;
	for (unsigned i = 0; i < NRULES; i++)
		p->rule[i] = TALLY_ID_NONE;
	p->last_file = UINT32_MAX;
	if (r->mode == MODE_STRINGS) {
		for (unsigned t = 0; t < NTOOLS; t++) {
			int rc = tally_engine_tool_intern(r->e, tool_names[t],
			    strlen(tool_names[t]), "1.0", 3, &p->tool[t]);
			if (rc != TALLY_OK)
				fail(r, "tool_intern", rc);
		}
	}
}

static int
intern(producer *p, tally_strkind kind, const char *s, size_t len, uint32_t *id)
{
	int rc = tally_engine_string_intern(p->r->e, kind, s, len, id);

	if (rc != TALLY_OK)
		fail(p->r, "string_intern", rc);
	return rc;
}

/* One violation as the engine wants it, interning as an analyzer would. */
static int
violation(producer *p, uint32_t u, tally_violation *v)
{
	spec s = spec_of(u);
	char buf[128];

	*v = (tally_violation){ 0 };
	v->line = s.line;
	v->column = s.column;
	v->offset = s.offset;
	v->level = s.level;
	if (p->r->mode == MODE_IDS) {
		v->tool = p->r->tool_id[s.tool];
		v->rule = p->r->rule_id[s.rule];
		v->file = p->r->file_id[s.file];
		v->message = p->r->msg_id[s.msg];
		return TALLY_OK;
	}
	v->tool = p->tool[s.tool];
	if (p->rule[s.rule] == TALLY_ID_NONE &&
	    intern(p, TALLY_STR_RULE, buf, rule_name(buf, s.rule),
		&p->rule[s.rule]) != TALLY_OK)
		return -1;
	v->rule = p->rule[s.rule];
	if (s.file != p->last_file) {
		if (intern(p, TALLY_STR_FILE, buf, file_name(buf, s.file),
		    &p->last_file_id) != TALLY_OK)
			return -1;
		p->last_file = s.file;
	}
	v->file = p->last_file_id;
	return intern(p, TALLY_STR_MESSAGE, buf, message_text(buf, s.msg),
	    &v->message);
}

static void
produce(producer *p)
{
	tally_engine *e = p->r->e;
	tally_batch *b = NULL;
	tally_violation v;
	int rc;

	for (uint32_t j = p->lo; j < p->hi; j++) {
		if (violation(p, S.stream[j], &v) != TALLY_OK)
			return;
		if (b == NULL && (rc = tally_batch_acquire(e, &b)) != TALLY_OK) {
			fail(p->r, "batch_acquire", rc);
			return;
		}
		if ((rc = tally_batch_append(b, &v)) == TALLY_EFULL) {
			if ((rc = tally_batch_submit(e, b)) != TALLY_OK) {
				fail(p->r, "batch_submit", rc);
				return;
			}
			if ((rc = tally_batch_acquire(e, &b)) != TALLY_OK) {
				fail(p->r, "batch_acquire", rc);
				return;
			}
			rc = tally_batch_append(b, &v);
		}
		if (rc != TALLY_OK) {
			fail(p->r, "batch_append", rc);
			return;
		}
	}
	if (b != NULL && (rc = tally_batch_submit(e, b)) != TALLY_OK)
		fail(p->r, "batch_submit", rc);
}

static void *
producer_main(void *arg)
{
	produce(arg);
	return NULL;
}

#define PIECE 8192u /* stream entries per pool task */

static void
piece_run(void *arg, size_t lo, size_t hi)
{
	run *r = arg;

	for (size_t i = lo; i < hi; i++) {
		producer p;
		uint32_t a = (uint32_t)(i * PIECE);
		uint32_t z = a + PIECE < S.n ? a + PIECE : S.n;

		producer_init(&p, r, a, z);
		produce(&p);
	}
}

static void *
reader_main(void *arg)
{
	run *r = arg;
	struct timespec ms = { 0, 1000000 };

	while (!atomic_load(&r->stop)) {
		tally_snapshot *s;
		tally_totals t;

		if (tally_snapshot_acquire(r->e, &s) == TALLY_OK) {
			tally_snapshot_totals(s, &t);
			tally_snapshot_release(s);
			atomic_fetch_add(&r->snapshots, 1);
		}
		nanosleep(&ms, NULL);
	}
	return NULL;
}

typedef struct conf {
	int mode, feed;
	unsigned producers, readers, workers;
	int hint;
} conf;

typedef struct result {
	double rate;       /* violations/s */
	double bytes_per_unique;
	uint64_t unique;
	int exact;
} result;

static void
intern_ids(run *r)
{
	char buf[128];
	int rc = TALLY_OK;

	r->rule_id = malloc(NRULES * sizeof(uint32_t));
	r->file_id = malloc((size_t)S.files * sizeof(uint32_t));
	r->msg_id = malloc((size_t)S.msgs * sizeof(uint32_t));
	if (!r->rule_id || !r->file_id || !r->msg_id)
		exit(2);
	for (unsigned t = 0; t < NTOOLS && rc == TALLY_OK; t++)
		rc = tally_engine_tool_intern(r->e, tool_names[t],
		    strlen(tool_names[t]), "1.0", 3, &r->tool_id[t]);
	for (unsigned i = 0; i < NRULES && rc == TALLY_OK; i++)
		rc = tally_engine_string_intern(r->e, TALLY_STR_RULE, buf,
		    rule_name(buf, i), &r->rule_id[i]);
	for (uint32_t f = 0; f < S.files && rc == TALLY_OK; f++)
		rc = tally_engine_string_intern(r->e, TALLY_STR_FILE, buf,
		    file_name(buf, f), &r->file_id[f]);
	for (uint32_t m = 0; m < S.msgs && rc == TALLY_OK; m++)
		rc = tally_engine_string_intern(r->e, TALLY_STR_MESSAGE, buf,
		    message_text(buf, m), &r->msg_id[m]);
	if (rc != TALLY_OK) {
		fprintf(stderr, "tally_shapes: interning: %s\n", tally_strerror(rc));
		exit(2);
	}
}

static result
run_tally(const conf *c)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	run r = { 0 };
	pthread_t th[MAXLIST * 8], rd[MAXLIST];
	producer *ps;
	tally_snapshot *s;
	tally_totals t;
	result res = { 0 };
	uint64_t rss0;
	double t0, t1;
	int rc;

	cfg.workers = c->workers;
#if TALLY_VERSION_MAJOR > 0 || TALLY_VERSION_MINOR >= 5
	if (c->hint)
		cfg.expected_unique = S.uniq;
#endif
	if ((rc = tally_engine_create(&r.e, &cfg)) != TALLY_OK) {
		fprintf(stderr, "tally_shapes: engine: %s\n", tally_strerror(rc));
		exit(2);
	}
	r.mode = c->mode;
	if (c->mode == MODE_IDS)
		intern_ids(&r);
	ps = calloc(c->producers ? c->producers : 1, sizeof(*ps));
	rss0 = rss_bytes();
	for (unsigned i = 0; i < c->readers; i++)
		pthread_create(&rd[i], NULL, reader_main, &r);
	t0 = now();
	if (c->feed == FEED_TASKS) {
		rc = tally_pool_for(r.e, 0, (S.n + PIECE - 1) / PIECE, 1,
		    piece_run, &r);
		if (rc != TALLY_OK)
			fail(&r, "pool_for", rc);
	} else {
		for (unsigned i = 0; i < c->producers; i++) {
			producer_init(&ps[i], &r,
			    (uint32_t)((uint64_t)S.n * i / c->producers),
			    (uint32_t)((uint64_t)S.n * (i + 1) / c->producers));
			pthread_create(&th[i], NULL, producer_main, &ps[i]);
		}
		for (unsigned i = 0; i < c->producers; i++)
			pthread_join(th[i], NULL);
	}
	if ((rc = tally_engine_flush(r.e)) != TALLY_OK)
		fail(&r, "flush", rc);
	t1 = now();
	atomic_store(&r.stop, 1);
	for (unsigned i = 0; i < c->readers; i++)
		pthread_join(rd[i], NULL);
	res.bytes_per_unique = (double)(int64_t)(rss_bytes() - rss0);
	if ((rc = tally_snapshot_acquire(r.e, &s)) != TALLY_OK) {
		fail(&r, "snapshot", rc);
		exit(1);
	}
	tally_snapshot_totals(s, &t);
	tally_snapshot_release(s);
	res.unique = t.unique;
	res.exact = !atomic_load(&r.failed) && t.read == S.n &&
	    t.unique == S.expect && t.duplicates == S.n - S.expect &&
	    t.suppressed == 0;
	if (!res.exact)
		fprintf(stderr, "tally_shapes: read %" PRIu64 " unique %" PRIu64
		    " duplicates %" PRIu64 ", expected %u, %" PRIu64 ", %" PRIu64
		    "\n", t.read, t.unique, t.duplicates, S.n, S.expect,
		    S.n - S.expect);
	res.rate = S.n / (t1 - t0);
	res.bytes_per_unique /= (double)(t.unique ? t.unique : 1);
	tally_engine_destroy(r.e);
	return res;
}

/* ---- baseline: plain single-thread open addressing --------------------- */

static uint64_t
key_hash(const key *k)
{
	uint64_t w[4];

	memcpy(w, k, sizeof(w));
	return mix(w[0] ^ mix(w[1] ^ mix(w[2] ^ mix(w[3]))));
}

static result
run_plain(void)
{
	size_t cap = 1;
	key *tab;
	uint64_t n = 0;
	result res = { 0 };
	uint64_t rss0 = rss_bytes();
	double t0, t1;

	while (cap < 2 * (size_t)S.uniq)
		cap <<= 1;
	t0 = now();
	/* line >= 1 in every key, so an all-zero slot is empty */
	if ((tab = calloc(cap, sizeof(*tab))) == NULL)
		exit(2);
	for (uint32_t j = 0; j < S.n; j++) {
		key k = key_of(S.stream[j]);
		size_t i = (size_t)key_hash(&k) & (cap - 1);

		for (;; i = (i + 1) & (cap - 1)) {
			if (tab[i].line == 0) {
				tab[i] = k;
				n++;
				break;
			}
			if (memcmp(&tab[i], &k, sizeof(k)) == 0)
				break;
		}
	}
	t1 = now();
	res.rate = S.n / (t1 - t0);
	res.unique = n;
	res.exact = n == S.expect;
	res.bytes_per_unique = (double)(rss_bytes() - rss0) / (double)n;
	free(tab);
	return res;
}

/* ---- baseline: the naive analyzer (one mutex, chained set of strings) --- */

typedef struct node {
	struct node *next;
	uint64_t hash;
	char *tool, *rule, *file, *msg;
	uint32_t line, column;
	uint64_t offset;
} node;

static struct {
	pthread_mutex_t lock;
	node **b;
	size_t nb, n;
} N = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * UINT64_C(0x100000001b3);
	return h;
}

static void
naive_insert(const char *tool, const char *rule, const char *file,
    const char *msg, uint32_t line, uint32_t column, uint64_t offset)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	node *x;

	h = fnv(h, tool, strlen(tool) + 1);
	h = fnv(h, rule, strlen(rule) + 1);
	h = fnv(h, file, strlen(file) + 1);
	h = fnv(h, msg, strlen(msg) + 1);
	h = fnv(h, &line, sizeof(line));
	h = fnv(h, &column, sizeof(column));
	h = fnv(h, &offset, sizeof(offset));
	pthread_mutex_lock(&N.lock);
	for (x = N.b[h & (N.nb - 1)]; x != NULL; x = x->next) {
		if (x->hash == h && x->line == line && x->column == column &&
		    x->offset == offset && strcmp(x->tool, tool) == 0 &&
		    strcmp(x->rule, rule) == 0 && strcmp(x->file, file) == 0 &&
		    strcmp(x->msg, msg) == 0) {
			pthread_mutex_unlock(&N.lock);
			return;
		}
	}
	x = malloc(sizeof(*x));
	*x = (node){ NULL, h, strdup(tool), strdup(rule), strdup(file),
		strdup(msg), line, column, offset };
	if (++N.n > N.nb) {
		node **nb = calloc(2 * N.nb, sizeof(*nb));

		for (size_t i = 0; i < N.nb; i++) {
			for (node *y = N.b[i], *z; y != NULL; y = z) {
				z = y->next;
				y->next = nb[y->hash & (2 * N.nb - 1)];
				nb[y->hash & (2 * N.nb - 1)] = y;
			}
		}
		free(N.b);
		N.b = nb;
		N.nb *= 2;
	}
	x->next = N.b[h & (N.nb - 1)];
	N.b[h & (N.nb - 1)] = x;
	pthread_mutex_unlock(&N.lock);
}

static void *
naive_main(void *arg)
{
	const uint32_t *range = arg;
	char rule[32], file[64], msg[128];

	for (uint32_t j = range[0]; j < range[1]; j++) {
		uint32_t u = S.stream[j];
		spec s = spec_of(u);

		rule[rule_name(rule, s.rule)] = '\0';
		file[file_name(file, s.file)] = '\0';
		msg[message_text(msg, s.msg)] = '\0';
		naive_insert(tool_names[s.tool], rule, file, msg, s.line,
		    s.column, s.offset);
	}
	return NULL;
}

static result
run_naive(unsigned producers)
{
	pthread_t th[MAXLIST * 8];
	uint32_t range[MAXLIST * 8][2];
	result res = { 0 };
	double t0, t1;

	N.nb = 1024;
	N.b = calloc(N.nb, sizeof(*N.b));
	t0 = now();
	for (unsigned i = 0; i < producers; i++) {
		range[i][0] = (uint32_t)((uint64_t)S.n * i / producers);
		range[i][1] = (uint32_t)((uint64_t)S.n * (i + 1) / producers);
		pthread_create(&th[i], NULL, naive_main, range[i]);
	}
	for (unsigned i = 0; i < producers; i++)
		pthread_join(th[i], NULL);
	t1 = now();
	res.rate = S.n / (t1 - t0);
	res.unique = N.n;
	res.exact = N.n == S.expect;
	return res; /* the child exits: its memory goes with it */
}

/* ---- driver ------------------------------------------------------------- */

/* Run @fn in a child, so each configuration starts from the same memory. */
static result
in_child(result (*fn)(const conf *), const conf *c)
{
	int fd[2];
	pid_t pid;
	result res = { 0 };
	int st;

	fflush(stdout);
	if (pipe(fd) != 0 || (pid = fork()) < 0) {
		perror("tally_shapes: fork");
		exit(2);
	}
	if (pid == 0) {
		close(fd[0]);
		res = fn(c);
		if (write(fd[1], &res, sizeof(res)) != (ssize_t)sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &res, sizeof(res)) != (ssize_t)sizeof(res) ||
	    waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "tally_shapes: a run died\n");
		exit(2);
	}
	close(fd[0]);
	return res;
}

static result
plain_fn(const conf *c)
{
	(void)c;
	return run_plain();
}

static result
naive_fn(const conf *c)
{
	return run_naive(c->producers);
}

/* Run and print one tally configuration. Return: 1 if it was not exact. */
static int
tally_row(unsigned dup, const conf *c, const result *plain, const result *naive)
{
	result r = in_child(run_tally, c);
	char xp[16] = "-", xn[16] = "-", pn[16] = "pool";

	if (c->feed == FEED_OUTSIDE)
		snprintf(pn, sizeof(pn), "%u", c->producers);
	if (plain != NULL)
		snprintf(xp, sizeof(xp), "%.2f", r.rate / plain->rate);
	if (naive != NULL && c->mode == MODE_STRINGS)
		snprintf(xn, sizeof(xn), "%.2f", r.rate / naive->rate);
	printf("%-4u %-7s %-7s %-4s %-3u %10.2f %8s %8s %9.1f  %s\n", dup,
	    c->mode == MODE_STRINGS ? "strings" : "ids",
	    c->feed == FEED_TASKS ? "tasks" : "outside", pn, c->readers,
	    r.rate / 1e6, xp, xn, r.bytes_per_unique, r.exact ? "yes" : "NO");
	return !r.exact;
}

static int
parse_list(const char *s, unsigned *out, unsigned max)
{
	unsigned n = 0;
	char *end;

	while (n < max) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s)
			return -1;
		out[n++] = (unsigned)v;
		if (*end == '\0')
			return (int)n;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
	return -1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tally_shapes [-n N] [-d D%%,...] [-p P,...] [-r R,...] [-w W]\n"
	    "                    [-m ids|strings|both] [-t outside|tasks|both] [-H] [-q]\n"
	    "  -n N   violations per run (default 4000000)\n"
	    "  -d     duplicate shares in percent (default 1,10,50,99)\n"
	    "  -p     outside producer threads (default 1,2,4)\n"
	    "  -r     snapshot readers, polling every 1 ms (default 0,2)\n"
	    "  -w W   engine workers (default 2; 0: the engine's default)\n"
	    "  -m     ids pre-interned, strings interned per violation, or both\n"
	    "  -t     producers on outside threads, as pool tasks, or both\n"
	    "  -H     pass the unique count as the engine's capacity hint\n"
	    "  -q     no baselines (tally only)\n"
	    "Exit: 0 every run exact, 1 a count was wrong, 2 usage or setup.\n");
}

int
main(int argc, char **argv)
{
	unsigned dups[MAXLIST] = { 1, 10, 50, 99 }, nd = 4;
	unsigned prods[MAXLIST] = { 1, 2, 4 }, np = 3;
	unsigned readers[MAXLIST] = { 0, 2 }, nr = 2;
	unsigned workers = 2, n = 4000000;
	int modes = 3, feeds = 3, hint = 0, quick = 0, bad = 0, opt;

	while ((opt = getopt(argc, argv, "n:d:p:r:w:m:t:Hqh")) != -1) {
		int k = 0;

		switch (opt) {
		case 'n': n = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': k = (int)(nd = (unsigned)parse_list(optarg, dups, MAXLIST)); break;
		case 'p': k = (int)(np = (unsigned)parse_list(optarg, prods, MAXLIST)); break;
		case 'r': k = (int)(nr = (unsigned)parse_list(optarg, readers, MAXLIST)); break;
		case 'w': workers = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm':
			modes = !strcmp(optarg, "ids") ? 1 : !strcmp(optarg, "strings") ? 2 :
			    !strcmp(optarg, "both") ? 3 : 0;
			k = modes ? 1 : -1;
			break;
		case 't':
			feeds = !strcmp(optarg, "outside") ? 1 : !strcmp(optarg, "tasks") ? 2 :
			    !strcmp(optarg, "both") ? 3 : 0;
			k = feeds ? 1 : -1;
			break;
		case 'H': hint = 1; break;
		case 'q': quick = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (k < 0) {
			usage(stderr);
			return 2;
		}
	}
	for (unsigned i = 0; i < np; i++)
		if (prods[i] == 0 || prods[i] > MAXLIST * 8)
			bad = 1;
	for (unsigned i = 0; i < nr; i++)
		bad |= readers[i] > MAXLIST;
	for (unsigned i = 0; i < nd; i++)
		bad |= dups[i] > 99;
	if (bad || n == 0 || optind != argc) {
		usage(stderr);
		return 2;
	}

	printf("tally_shapes: tally %s, kernels %s, %ld online CPUs, %u violations"
	    " per run, workers %u%s\n", tally_version(), tally_kernels_active(),
	    sysconf(_SC_NPROCESSORS_ONLN), n, workers,
	    hint ? ", capacity hint" : "");
	printf("%-4s %-7s %-7s %-4s %-3s %10s %8s %8s %9s  %s\n", "dup%", "mode",
	    "feed", "prod", "rd", "M viol/s", "x_plain", "x_naive", "B/unique",
	    "exact");
	for (unsigned di = 0; di < nd; di++) {
		result plain = { 0 }, naive[MAXLIST] = { { 0 } };
		int fails = 0;

		stream_make(n, dups[di]);
		S.expect = sorted_distinct();
		if (!quick) {
			conf c = { 0 };

			plain = in_child(plain_fn, &c);
			printf("%-4u %-7s %-7s %-4u %-3u %10.2f %8s %8s %9.1f  %s\n",
			    dups[di], "ids", "plain", 1, 0, plain.rate / 1e6, "1.00",
			    "-", plain.bytes_per_unique, plain.exact ? "yes" : "NO");
			fails |= !plain.exact;
			for (unsigned pi = 0; pi < np; pi++) {
				c.producers = prods[pi];
				naive[pi] = in_child(naive_fn, &c);
				printf("%-4u %-7s %-7s %-4u %-3u %10.2f %8.2f %8s %9s  %s\n",
				    dups[di], "strings", "naive", prods[pi], 0,
				    naive[pi].rate / 1e6, naive[pi].rate / plain.rate,
				    "1.00", "-", naive[pi].exact ? "yes" : "NO");
				fails |= !naive[pi].exact;
			}
		}
		for (int mode = 0; mode < 2; mode++) {
			for (int feed = 0; feed < 2; feed++) {
				if (!(modes & (1 << mode)) || !(feeds & (1 << feed)))
					continue;
				for (unsigned pi = 0; pi < (feed ? 1 : np); pi++) {
					for (unsigned ri = 0; ri < nr; ri++) {
						conf c = { mode, feed, prods[pi], readers[ri],
							workers, hint };

						fails |= tally_row(dups[di], &c, quick ? NULL :
						    &plain, quick || feed ? NULL : &naive[pi]);
					}
				}
			}
		}
		free(S.stream);
		free(S.file_of);
		if (fails) {
			fprintf(stderr, "tally_shapes: a count was wrong\n");
			return 1;
		}
	}
	return 0;
}
