/*
 * formats/gh_check.c - what GitHub code scanning would reject in a SARIF
 * log, or accept and mishandle (tally_sarif_check_file()).
 *
 * The limits are GitHub's documented ones ("SARIF results exceed limit" in
 * its code scanning documentation): a hard limit rejects the upload, a
 * display limit keeps only part of what was sent. The rest is what loses
 * or misplaces alerts without an error: two runs of one tool and category
 * (rejected since July 2025), paths GitHub cannot place in the
 * repository, and partialFingerprints that merge different results into
 * one alert or make an alert new each time code moves.
 *
 * One pass of the validating scanner over the log: only the members these
 * checks need are looked into, everything else is skipped (and still
 * proven well-formed). A finding is counted each time it occurs; the
 * first occurrence is described, with its byte offset.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "engine/alloc.h"
#include "engine/vec.h"
#include "formats/json_scan.h"
#include "formats/native.h"
#include "formats/sarif_internal.h"
#include "tally/sarif.h"

/* GitHub's limits. */
#define GZIP_MAX        (10u * 1000 * 1000) /* "10 MB", read strictly */
#define RUNS_MAX        20
#define RESULTS_MAX     25000
#define RESULTS_SHOWN   5000
#define RULES_MAX       25000
#define EXTENSIONS_MAX  100
#define LOCATIONS_MAX   1000
#define LOCATIONS_SHOWN 100
#define FLOWS_MAX       10000
#define FLOWS_SHOWN     1000
#define TAGS_MAX        20
#define TAGS_SHOWN      10

enum {
	C_VERSION, C_GZIP, C_RUNS, C_CATEGORY, C_RESULTS, C_RULES,
	C_EXTENSIONS, C_LOCATIONS, C_FLOWS, C_TAGS,
	C_RESULTS_SHOWN, C_LOCATIONS_SHOWN, C_FLOWS_SHOWN, C_TAGS_SHOWN,
	C_URI_ABSOLUTE, C_URI_UNSTABLE, C_FP_PLACEHOLDER, C_FP_COLLIDE,
	C_FP_LINE, C_COUNT
};

static const struct {
	const char *code;
	bool rejected;
} codes[C_COUNT] = {
	[C_VERSION] = { "version", true },
	[C_GZIP] = { "gzip-size", true },
	[C_RUNS] = { "runs", true },
	[C_CATEGORY] = { "run-category", true },
	[C_RESULTS] = { "results", true },
	[C_RULES] = { "rules", true },
	[C_EXTENSIONS] = { "extensions", true },
	[C_LOCATIONS] = { "locations", true },
	[C_FLOWS] = { "thread-flow-locations", true },
	[C_TAGS] = { "rule-tags", true },
	[C_RESULTS_SHOWN] = { "results-shown", false },
	[C_LOCATIONS_SHOWN] = { "locations-shown", false },
	[C_FLOWS_SHOWN] = { "thread-flow-locations-shown", false },
	[C_TAGS_SHOWN] = { "rule-tags-shown", false },
	[C_URI_ABSOLUTE] = { "uri-absolute", false },
	[C_URI_UNSTABLE] = { "uri-unstable", false },
	[C_FP_PLACEHOLDER] = { "fingerprint-placeholder", false },
	[C_FP_COLLIDE] = { "fingerprint-collision", false },
	[C_FP_LINE] = { "fingerprint-line-number", false },
};

typedef struct finding {
	uint64_t count;
	uint64_t off;
	char msg[TALLY_ERROR_MAX];
} finding;

/* A run's identity for GitHub: its driver and its category. */
typedef struct run_id {
	XXH128_hash_t h;
	uint64_t off;
	uint32_t index;
} run_id;

/* A partialFingerprints entry seen: (key, value) -> where its result is. */
typedef struct fp_slot {
	uint64_t kv;      /* 0: empty */
	uint64_t where;
	uint64_t off;
} fp_slot;

typedef struct checker {
	tallyi_jscan js;
	const tallyi_mem *mem;
	finding f[C_COUNT];
	tallyi_vec runs;      /* run_id */
	fp_slot *fp;          /* open addressing, a power of two */
	size_t fp_cap, fp_n;
	bool oom;
	uint32_t run;         /* index of the run walked */
} checker;

/* What one result says about itself, for the fingerprint checks. */
typedef struct res_info {
	tallyi_jstr rule, uri, base;
	bool has_rule, has_uri, has_base;
	uint64_t line, column;
	size_t off;
} res_info;

static void __attribute__((format(printf, 4, 5)))
found(checker *c, int code, uint64_t off, const char *fmt, ...)
{
	finding *f = &c->f[code];
	va_list ap;

	if (f->count++ > 0)
		return;
	f->off = off;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

/* A string token as a printable excerpt: at most 80 bytes, as written. */
static const char *
excerpt(const checker *c, const tallyi_jstr *t, char out[96])
{
	size_t n = t->len < 80 ? t->len : 80;

	memcpy(out, c->js.buf + t->off, n);
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20)
			out[i] = '?';
	if (t->len > 80)
		memcpy(out + 77, "...", 4);
	return out;
}

/* ------------------------------------------------------------------ */
/* Walking                                                             */

#define FAILED(c) ((c)->js.err != 0)

/* The next member's value is a string: scan it into @t (else skip it). */
static bool
get_str(checker *c, tallyi_jstr *t)
{
	size_t start;

	if (tallyi_js_peek(&c->js) == '"')
		return tallyi_js_string(&c->js, t) == 0;
	(void)tallyi_js_skip(&c->js, &start);
	return false;
}

/* A non-negative integer value (else skipped; 0). */
static uint64_t
get_uint(checker *c)
{
	size_t start;
	uint64_t v = 0;

	if (tallyi_js_skip(&c->js, &start) != 0)
		return 0;
	for (size_t i = start; i < c->js.pos; i++) {
		char ch = c->js.buf[i];

		if (ch < '0' || ch > '9' || v > UINT64_MAX / 10 - 9)
			return 0;
		v = v * 10 + (uint64_t)(ch - '0');
	}
	return v;
}

/* Walk an object whose value is next, calling @fn for each member. */
typedef void member_fn(checker *c, const tallyi_jstr *key, void *arg);

static void
walk_obj(checker *c, member_fn *fn, void *arg)
{
	bool first = true;
	tallyi_jstr key;
	size_t start;

	if (tallyi_js_peek(&c->js) != '{') {
		(void)tallyi_js_skip(&c->js, &start);
		return;
	}
	if (tallyi_js_obj_begin(&c->js, "an object") != 0)
		return;
	while (!FAILED(c) && tallyi_js_obj_next(&c->js, &first, &key) == 1)
		fn(c, &key, arg);
}

/* Walk an array whose value is next, calling @fn (may be NULL: skip) for
 * each element. Return: its elements. */
typedef void elem_fn(checker *c, void *arg);

static uint64_t
walk_arr(checker *c, elem_fn *fn, void *arg)
{
	bool first = true;
	uint64_t n = 0;
	size_t start;

	if (tallyi_js_peek(&c->js) != '[') {
		(void)tallyi_js_skip(&c->js, &start);
		return 0;
	}
	if (tallyi_js_arr_begin(&c->js, "an array") != 0)
		return 0;
	while (!FAILED(c) && tallyi_js_arr_next(&c->js, &first) == 1) {
		n++;
		if (fn != NULL)
			fn(c, arg);
		else
			(void)tallyi_js_skip(&c->js, &start);
	}
	return n;
}

static bool
is(const checker *c, const tallyi_jstr *key, const char *lit)
{
	return tallyi_js_str_eq(&c->js, key, lit);
}

static void
skip_value(checker *c)
{
	size_t start;

	(void)tallyi_js_skip(&c->js, &start);
}

/* ------------------------------------------------------------------ */
/* Results                                                             */

static void
region_member(checker *c, const tallyi_jstr *key, void *arg)
{
	res_info *r = arg;

	if (is(c, key, "startLine"))
		r->line = get_uint(c);
	else if (is(c, key, "startColumn"))
		r->column = get_uint(c);
	else
		skip_value(c);
}

static void
artloc_member(checker *c, const tallyi_jstr *key, void *arg)
{
	res_info *r = arg;

	if (is(c, key, "uri"))
		r->has_uri = get_str(c, &r->uri);
	else if (is(c, key, "uriBaseId"))
		r->has_base = get_str(c, &r->base);
	else
		skip_value(c);
}

static void
phys_member(checker *c, const tallyi_jstr *key, void *arg)
{
	if (is(c, key, "artifactLocation"))
		walk_obj(c, artloc_member, arg);
	else if (is(c, key, "region"))
		walk_obj(c, region_member, arg);
	else
		skip_value(c);
}

static void
loc_member(checker *c, const tallyi_jstr *key, void *arg)
{
	if (is(c, key, "physicalLocation"))
		walk_obj(c, phys_member, arg);
	else
		skip_value(c);
}

/* Each location: the first one is the result's place. */
static void
location(checker *c, void *arg)
{
	res_info *r = arg;

	if (r->has_uri || r->line != 0) {
		skip_value(c);
		return;
	}
	walk_obj(c, loc_member, r);
}

static void
tflow_member(checker *c, const tallyi_jstr *key, void *arg)
{
	if (is(c, key, "locations"))
		*(uint64_t *)arg += walk_arr(c, NULL, NULL);
	else
		skip_value(c);
}

static void
tflow(checker *c, void *arg)
{
	walk_obj(c, tflow_member, arg);
}

static void
flow_member(checker *c, const tallyi_jstr *key, void *arg)
{
	if (is(c, key, "threadFlows"))
		(void)walk_arr(c, tflow, arg);
	else
		skip_value(c);
}

static void
flow(checker *c, void *arg)
{
	walk_obj(c, flow_member, arg);
}

/* A uri GitHub cannot place in the repository by itself. */
static void
check_uri(checker *c, const res_info *r)
{
	const char *u = c->js.buf + r->uri.off;
	size_t n = r->uri.len, colon = 0;
	char ex[96];

	while (colon < n && u[colon] != ':' && u[colon] != '/')
		colon++;
	if (!r->has_base && ((n > 0 && u[0] == '/') ||
	    (colon < n && u[colon] == ':'))) {
		found(c, C_URI_ABSOLUTE, r->uri.off, "\"%s\" is absolute, "
		    "without uriBaseId: GitHub shows the alert on a file only "
		    "when the path lies under the checkout it was told of "
		    "(checkout_uri); write paths relative to the repository",
		    excerpt(c, &r->uri, ex));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		bool dots = u[i] == '.' && i + 1 < n && u[i + 1] == '.' &&
		    (i == 0 || u[i - 1] == '/') && (i + 2 == n ||
		    u[i + 2] == '/');

		if (u[i] == '\\' || dots) {
			found(c, C_URI_UNSTABLE, r->uri.off, "\"%s\" holds "
			    "%s: the same file is spelled differently from "
			    "one run to the next, and its alerts do not "
			    "match", excerpt(c, &r->uri, ex), dots ? "'..'" :
			    "a backslash (a URI separates with '/')");
			return;
		}
	}
}

static uint64_t
hash_where(const checker *c, const res_info *r)
{
	XXH3_state_t st;
	uint64_t nums[2] = { r->line, r->column };

	XXH3_INITSTATE(&st);
	(void)XXH3_64bits_reset(&st);
	if (r->has_rule)
		(void)XXH3_64bits_update(&st, c->js.buf + r->rule.off,
		    r->rule.len);
	(void)XXH3_64bits_update(&st, "\0", 1);
	if (r->has_uri)
		(void)XXH3_64bits_update(&st, c->js.buf + r->uri.off,
		    r->uri.len);
	(void)XXH3_64bits_update(&st, nums, sizeof(nums));
	return XXH3_64bits_digest(&st);
}

static bool
fp_grow(checker *c)
{
	size_t cap = c->fp_cap ? c->fp_cap * 2 : 1024;
	fp_slot *t = tallyi_zalloc(c->mem, cap * sizeof(*t));

	if (t == NULL)
		return false;
	for (size_t i = 0; i < c->fp_cap; i++) {
		size_t j = c->fp[i].kv & (cap - 1);

		if (c->fp[i].kv == 0)
			continue;
		while (t[j].kv != 0)
			j = (j + 1) & (cap - 1);
		t[j] = c->fp[i];
	}
	tallyi_free(c->mem, c->fp, c->fp_cap * sizeof(*c->fp));
	c->fp = t;
	c->fp_cap = cap;
	return true;
}

/*
 * The first result with fingerprint (key, value) @kv, or a note that
 * @where differs from it: GitHub would take both for one alert.
 */
static void
fp_record(checker *c, uint64_t kv, uint64_t where, size_t off,
    const tallyi_jstr *key)
{
	size_t j;
	char ex[96];

	kv |= 1; /* 0 marks an empty slot */
	if (c->fp_n * 2 >= c->fp_cap && !fp_grow(c)) {
		c->oom = true;
		return;
	}
	for (j = kv & (c->fp_cap - 1); c->fp[j].kv != 0;
	    j = (j + 1) & (c->fp_cap - 1)) {
		if (c->fp[j].kv != kv)
			continue;
		if (c->fp[j].where != where)
			found(c, C_FP_COLLIDE, off, "partialFingerprints.%s "
			    "is the value of a result at offset %llu, in "
			    "another place or of another rule: GitHub takes "
			    "both for one alert and shows one",
			    excerpt(c, key, ex),
			    (unsigned long long)c->fp[j].off);
		return;
	}
	c->fp[j] = (fp_slot){ kv, where, off };
	c->fp_n++;
}

/* Is the value a placeholder: empty, or one character repeated? */
static bool
placeholder(const char *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (v[i] != v[0])
			return false;
	return true;
}

/* Does @v hold @line as a number of its own (not inside a longer one)? */
static bool
holds_number(const char *v, size_t n, uint64_t line)
{
	char d[24];
	size_t dn = (size_t)snprintf(d, sizeof(d), "%llu",
	    (unsigned long long)line);

	for (size_t i = 0; i + dn <= n; i++) {
		bool before = i == 0 || v[i - 1] < '0' || v[i - 1] > '9';
		bool after = i + dn == n || v[i + dn] < '0' || v[i + dn] > '9';

		if (before && after && memcmp(v + i, d, dn) == 0)
			return true;
	}
	return false;
}

typedef struct fp_entry {
	tallyi_jstr key, val;
} fp_entry;

typedef struct fp_list {
	fp_entry e[16];
	size_t n;
} fp_list;

static void
fp_member(checker *c, const tallyi_jstr *key, void *arg)
{
	fp_list *l = arg;
	tallyi_jstr v;

	if (!get_str(c, &v) || l->n == sizeof(l->e) / sizeof(l->e[0]))
		return;
	l->e[l->n++] = (fp_entry){ *key, v };
}

static void
check_fingerprints(checker *c, const res_info *r, const fp_list *l)
{
	uint64_t where = hash_where(c, r);
	char ex[96], ev[96];

	for (size_t i = 0; i < l->n; i++) {
		const fp_entry *e = &l->e[i];
		const char *v = c->js.buf + e->val.off;
		XXH3_state_t st;

		if (placeholder(v, e->val.len)) {
			found(c, C_FP_PLACEHOLDER, e->val.off,
			    "partialFingerprints.%s is \"%s\", a placeholder: "
			    "every result with it is one alert",
			    excerpt(c, &e->key, ex), excerpt(c, &e->val, ev));
			continue;
		}
		/* GitHub's own hash ends in ":N", an occurrence count. */
		if (r->line >= 2 && !is(c, &e->key,
		    "primaryLocationLineHash") &&
		    holds_number(v, e->val.len, r->line))
			found(c, C_FP_LINE, e->val.off, "partialFingerprints."
			    "%s \"%s\" holds the result's line number (%llu): "
			    "the alert becomes a new one whenever code above "
			    "it moves", excerpt(c, &e->key, ex),
			    excerpt(c, &e->val, ev),
			    (unsigned long long)r->line);
		XXH3_INITSTATE(&st);
		(void)XXH3_64bits_reset(&st);
		(void)XXH3_64bits_update(&st, c->js.buf + e->key.off,
		    e->key.len);
		(void)XXH3_64bits_update(&st, "\0", 1);
		(void)XXH3_64bits_update(&st, v, e->val.len);
		(void)XXH3_64bits_update(&st, &c->run, sizeof(c->run));
		fp_record(c, XXH3_64bits_digest(&st), where, e->val.off,
		    &e->key);
	}
}

typedef struct result_walk {
	res_info r;
	fp_list fps;
	uint64_t nlocs, nflows;
} result_walk;

static void
result_member(checker *c, const tallyi_jstr *key, void *arg)
{
	result_walk *w = arg;

	if (is(c, key, "ruleId"))
		w->r.has_rule = get_str(c, &w->r.rule);
	else if (is(c, key, "locations"))
		w->nlocs = walk_arr(c, location, &w->r);
	else if (is(c, key, "codeFlows"))
		(void)walk_arr(c, flow, &w->nflows);
	else if (is(c, key, "partialFingerprints"))
		walk_obj(c, fp_member, &w->fps);
	else
		skip_value(c);
}

static void
result(checker *c, void *arg)
{
	result_walk w;

	(void)arg;
	memset(&w, 0, sizeof(w));
	w.r.off = c->js.pos;
	walk_obj(c, result_member, &w);
	if (FAILED(c))
		return;
	if (w.nlocs > LOCATIONS_MAX)
		found(c, C_LOCATIONS, w.r.off, "a result has %llu locations; "
		    "GitHub rejects more than %d", (unsigned long long)w.nlocs,
		    LOCATIONS_MAX);
	else if (w.nlocs > LOCATIONS_SHOWN)
		found(c, C_LOCATIONS_SHOWN, w.r.off, "a result has %llu "
		    "locations; GitHub keeps the first %d",
		    (unsigned long long)w.nlocs, LOCATIONS_SHOWN);
	if (w.nflows > FLOWS_MAX)
		found(c, C_FLOWS, w.r.off, "a result has %llu thread flow "
		    "locations; GitHub rejects more than %d",
		    (unsigned long long)w.nflows, FLOWS_MAX);
	else if (w.nflows > FLOWS_SHOWN)
		found(c, C_FLOWS_SHOWN, w.r.off, "a result has %llu thread "
		    "flow locations; GitHub keeps %d",
		    (unsigned long long)w.nflows, FLOWS_SHOWN);
	if (w.r.has_uri)
		check_uri(c, &w.r);
	check_fingerprints(c, &w.r, &w.fps);
}

/* ------------------------------------------------------------------ */
/* Runs                                                                */

typedef struct run_walk {
	tallyi_jstr id[4];   /* driver name, fullName, version, semanticVersion */
	bool has_id[4];
	tallyi_jstr category;
	bool has_category;
	uint64_t nresults, nrules, next;
	size_t off;
	tallyi_jstr rule_id;
	bool has_rule_id;
	uint64_t ntags;
} run_walk;

static void
props_member(checker *c, const tallyi_jstr *key, void *arg)
{
	if (is(c, key, "tags"))
		((run_walk *)arg)->ntags = walk_arr(c, NULL, NULL);
	else
		skip_value(c);
}

static void
rule_member(checker *c, const tallyi_jstr *key, void *arg)
{
	run_walk *w = arg;

	if (is(c, key, "id"))
		w->has_rule_id = get_str(c, &w->rule_id);
	else if (is(c, key, "properties"))
		walk_obj(c, props_member, w);
	else
		skip_value(c);
}

static void
rule(checker *c, void *arg)
{
	run_walk *w = arg;
	size_t off = c->js.pos;
	char ex[96] = "";

	w->ntags = 0;
	w->has_rule_id = false;
	walk_obj(c, rule_member, w);
	if (w->has_rule_id)
		(void)excerpt(c, &w->rule_id, ex);
	if (w->ntags > TAGS_MAX)
		found(c, C_TAGS, off, "rule \"%s\" has %llu tags; GitHub "
		    "rejects more than %d", ex, (unsigned long long)w->ntags,
		    TAGS_MAX);
	else if (w->ntags > TAGS_SHOWN)
		found(c, C_TAGS_SHOWN, off, "rule \"%s\" has %llu tags; "
		    "GitHub keeps %d", ex, (unsigned long long)w->ntags,
		    TAGS_SHOWN);
}

static void
driver_member(checker *c, const tallyi_jstr *key, void *arg)
{
	static const char *const ids[4] = { "name", "fullName", "version",
		"semanticVersion" };
	run_walk *w = arg;

	for (int i = 0; i < 4; i++) {
		if (is(c, key, ids[i])) {
			w->has_id[i] = get_str(c, &w->id[i]);
			return;
		}
	}
	if (is(c, key, "rules"))
		w->nrules = walk_arr(c, rule, w);
	else
		skip_value(c);
}

static void
tool_member(checker *c, const tallyi_jstr *key, void *arg)
{
	run_walk *w = arg;

	if (is(c, key, "driver"))
		walk_obj(c, driver_member, w);
	else if (is(c, key, "extensions"))
		w->next = walk_arr(c, NULL, NULL);
	else
		skip_value(c);
}

static void
auto_member(checker *c, const tallyi_jstr *key, void *arg)
{
	run_walk *w = arg;

	if (is(c, key, "id"))
		w->has_category = get_str(c, &w->category);
	else
		skip_value(c);
}

static void
run_member(checker *c, const tallyi_jstr *key, void *arg)
{
	run_walk *w = arg;

	if (is(c, key, "tool"))
		walk_obj(c, tool_member, w);
	else if (is(c, key, "automationDetails"))
		walk_obj(c, auto_member, w);
	else if (is(c, key, "results"))
		w->nresults = walk_arr(c, result, w);
	else
		skip_value(c);
}

/* The run's driver and category (the id up to its last '/'), hashed. */
static XXH128_hash_t
run_identity(const checker *c, const run_walk *w)
{
	XXH3_state_t st;

	XXH3_INITSTATE(&st);
	(void)XXH3_128bits_reset(&st);
	for (int i = 0; i < 4; i++) {
		uint64_t len = w->has_id[i] ? w->id[i].len : UINT64_MAX;

		(void)XXH3_128bits_update(&st, &len, sizeof(len));
		if (w->has_id[i])
			(void)XXH3_128bits_update(&st, c->js.buf +
			    w->id[i].off, w->id[i].len);
	}
	if (w->has_category) {
		const char *id = c->js.buf + w->category.off;
		size_t n = w->category.len;

		while (n > 0 && id[n - 1] != '/')
			n--;
		(void)XXH3_128bits_update(&st, id, n != 0 ? n :
		    w->category.len);
	}
	return XXH3_128bits_digest(&st);
}

static void
run(checker *c, void *arg)
{
	run_walk w;
	run_id *id;
	char ex[96] = "", cat[96] = "";

	(void)arg;
	memset(&w, 0, sizeof(w));
	w.off = c->js.pos;
	walk_obj(c, run_member, &w);
	if (FAILED(c))
		return;
	if (w.has_id[0])
		(void)excerpt(c, &w.id[0], ex);
	if (w.has_category)
		(void)excerpt(c, &w.category, cat);
	if (w.nresults > RESULTS_MAX)
		found(c, C_RESULTS, w.off, "run %u (%s) has %llu results; "
		    "GitHub rejects more than %d", c->run, ex,
		    (unsigned long long)w.nresults, RESULTS_MAX);
	else if (w.nresults > RESULTS_SHOWN)
		found(c, C_RESULTS_SHOWN, w.off, "run %u (%s) has %llu "
		    "results; GitHub keeps %d, the most severe", c->run, ex,
		    (unsigned long long)w.nresults, RESULTS_SHOWN);
	if (w.nrules > RULES_MAX)
		found(c, C_RULES, w.off, "run %u (%s) has %llu rules; GitHub "
		    "rejects more than %d", c->run, ex,
		    (unsigned long long)w.nrules, RULES_MAX);
	if (w.next > EXTENSIONS_MAX)
		found(c, C_EXTENSIONS, w.off, "run %u (%s) has %llu tool "
		    "extensions; GitHub rejects more than %d", c->run, ex,
		    (unsigned long long)w.next, EXTENSIONS_MAX);
	id = tallyi_vec_push(c->mem, &c->runs, sizeof(*id));
	if (id == NULL) {
		c->oom = true;
		return;
	}
	*id = (run_id){ run_identity(c, &w), w.off, c->run };
	for (size_t i = 0; i + 1 < c->runs.n; i++) {
		const run_id *o = (const run_id *)c->runs.p + i;

		if (XXH128_isEqual(o->h, id->h)) {
			found(c, C_CATEGORY, w.off, "runs %u and %u are both "
			    "of tool \"%s\" in category \"%s\": GitHub "
			    "rejects a file with two runs of one tool and "
			    "category (give each its own "
			    "automationDetails.id)", o->index, c->run, ex,
			    cat);
			break;
		}
	}
	c->run++;
}

static void
log_member(checker *c, const tallyi_jstr *key, void *arg)
{
	tallyi_jstr v;
	char ex[96];

	(void)arg;
	if (is(c, key, "runs")) {
		uint64_t n = walk_arr(c, run, NULL);

		if (n > RUNS_MAX)
			found(c, C_RUNS, UINT64_MAX, "%llu runs; GitHub rejects "
			    "more than %d in one file",
			    (unsigned long long)n, RUNS_MAX);
	} else if (is(c, key, "version")) {
		size_t off = c->js.pos;

		if (!get_str(c, &v) || !tallyi_js_str_eq(&c->js, &v, "2.1.0"))
			found(c, C_VERSION, off, "version %s: GitHub reads "
			    "SARIF 2.1.0 only", FAILED(c) ? "?" : v.len ?
			    excerpt(c, &v, ex) : "(not a string)");
	} else {
		skip_value(c);
	}
}

/* ------------------------------------------------------------------ */

/* The gzip-compressed size of @p (zlib's default level, as gzip's). */
static int
gzip_size(const char *p, size_t n, uint64_t *out)
{
	z_stream z;
	unsigned char buf[64 * 1024];
	uint64_t total = 0;
	int zr;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return TALLY_ENOMEM;
	z.next_in = (unsigned char *)(uintptr_t)p;
	do {
		size_t chunk = n > (1u << 30) ? (1u << 30) : n;

		z.avail_in = (unsigned)chunk;
		n -= chunk;
		do {
			z.next_out = buf;
			z.avail_out = sizeof(buf);
			zr = deflate(&z, n == 0 ? Z_FINISH : Z_NO_FLUSH);
			total += sizeof(buf) - z.avail_out;
		} while (z.avail_out == 0);
	} while (n > 0);
	(void)deflateEnd(&z);
	*out = total;
	return zr == Z_STREAM_END ? TALLY_OK : TALLY_ENOMEM;
}

int
tally_sarif_check_file(const char *path, const tally_sarif_options *opt,
    int (*fn)(void *arg, const tally_sarif_check_finding *f), void *arg,
    tally_sarif_report *rep)
{
	const tallyi_mem libc = TALLYI_MEM_LIBC;
	tally_sarif_options o = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report local;
	checker *c;
	tallyi_input in;
	uint64_t gz;
	int rc;

	if (rep == NULL)
		rep = &local;
	tallyi_report_init(rep);
	if (path == NULL || fn == NULL) {
		tallyi_report_error(rep, TALLY_EINVAL, UINT64_MAX,
		    "invalid argument");
		return TALLY_EINVAL;
	}
	/* What GitHub reads: SARIF, decompressed; never converted. */
	o.max_input_bytes = TALLYI_OPT(opt, max_input_bytes, 0);
	o.input_format = "sarif";
	if ((rc = tallyi_input_open_decoded(&in, path, &o, &libc, rep)) !=
	    TALLY_OK)
		return rc;
	if ((c = tallyi_zalloc(&libc, sizeof(*c))) == NULL) {
		tallyi_input_close(&in);
		tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory");
		return TALLY_ENOMEM;
	}
	c->mem = &libc;
	tallyi_js_init(&c->js, in.buf, in.len);
	if (in.len >= 3 && memcmp(in.buf, "\xef\xbb\xbf", 3) == 0)
		c->js.pos = 3;
	if (tallyi_js_peek(&c->js) != '{')
		(void)tallyi_js_fail(&c->js, TALLY_EFORMAT, c->js.pos,
		    "expected the log object, found %s",
		    tallyi_js_kind(&c->js));
	else
		walk_obj(c, log_member, NULL);
	if (!FAILED(c))
		(void)tallyi_js_end(&c->js);
	rc = c->js.err;
	if (rc != 0) {
		tallyi_report_error(rep, rc, c->js.err_off, "%s", c->js.msg);
	} else if (c->oom) {
		rc = TALLY_ENOMEM;
		tallyi_report_error(rep, rc, UINT64_MAX, "out of memory");
	} else if (in.len > GZIP_MAX && (rc = gzip_size(in.buf, in.len,
	    &gz)) != TALLY_OK) {
		tallyi_report_error(rep, rc, UINT64_MAX, "out of memory");
	} else if (in.len > GZIP_MAX && gz > GZIP_MAX) {
		found(c, C_GZIP, UINT64_MAX, "%llu bytes gzip-compressed; "
		    "GitHub rejects more than 10 MB", (unsigned long long)gz);
	}
	rep->runs = c->run;
	rep->bytes = in.len;
	for (int k = 0; k < C_COUNT && rc == TALLY_OK; k++) {
		tally_sarif_check_finding f = { codes[k].rejected,
			codes[k].code, c->f[k].count, c->f[k].off, c->f[k].msg };

		if (c->f[k].count > 0)
			rc = fn(arg, &f);
	}
	tallyi_vec_free(&libc, &c->runs, sizeof(run_id));
	tallyi_free(&libc, c->fp, c->fp_cap * sizeof(*c->fp));
	tallyi_free(&libc, c, sizeof(*c));
	tallyi_input_close(&in);
	return rc;
}
