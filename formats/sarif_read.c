/*
 * formats/sarif_read.c - the SARIF 2.1.0 reader.
 *
 * One pass, front to back. json_scan walks the log object, the runs array
 * and each run's members, checking the grammar of every byte. Each result,
 * rule and artifact object is framed by the scanner and parsed on its own by
 * simdjson (sarif_simdjson.cc), so memory never holds an index of the whole
 * log, only of one object at a time. The bytes between those objects are
 * UTF-8-checked with simdjson's validator, so every byte is checked exactly
 * once.
 *
 * Results are resolved when their run ends, because the properties they
 * may refer to can come later in the run (the SARIF Multitool writes
 * "results" before "tool" and "artifacts"). Until then a result is a small
 * fixed-size record of interned ids. A finished run goes to the sink, which
 * holds it until the whole input is known to be good (all or nothing).
 *
 * Invariants:
 *  1. utf8_done <= js.pos, and every byte below utf8_done has been UTF-8
 *     checked (by simdjson, in a parsed object or a gap).
 *  2. A string decoded in C (driver name, version) is interned only after
 *     the bytes it came from are below utf8_done.
 *  3. The reader reads no byte below `in->released`; pages are released
 *     only below utf8_done, and only when the sink does not keep text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/idmap.h"
#include "engine/strtab.h"
#include "engine/vec.h"
#include "formats/json_scan.h"
#include "formats/sarif_internal.h"

/*
 * Every WINDOW bytes of progress the reader gives back the pages behind it,
 * maps the next two windows in one go, and reports progress.
 */
#define WINDOW (4u << 20)

/*
 * The reader's intern cache: direct-mapped by the string's 64-bit hash, per
 * kind. A hit is confirmed byte for byte against the sink's copy, so the
 * cache can only save work, never change an id.
 */
#define ICACHE_BITS 12
#define ICACHE_SIZE (1u << ICACHE_BITS)

typedef struct icache_ent {
	uint64_t hash;
	uint32_t id;
	uint32_t len;
} icache_ent;

typedef struct reader {
	tallyi_input *in;
	tallyi_jscan js;
	const tallyi_sarif_sink *sink;
	const tally_sarif_options *opt;
	tally_sarif_report *rep;
	const tallyi_mem *mem;
	tallyi_json *json;

	size_t utf8_done;
	size_t next_mark; /* next progress / release point */
	uint64_t results;
	uint64_t runs;

	uint32_t empty[TALLY_STR_KIND_COUNT]; /* interned "", or NONE */
	icache_ent *icache; /* [TALLY_STR_KIND_COUNT][ICACHE_SIZE] */

	char *scratch; /* decoding, normalising, padded copies */
	size_t scratch_cap;

	/* The run being read. */
	size_t run_index;
	tallyi_vec res;      /* tallyi_sarif_res */
	tallyi_vec rules;    /* tallyi_sarif_rule */
	tallyi_vec arts;     /* uint32_t file id or NONE */
	tallyi_vec art_span; /* tallyi_span */
	tallyi_vec members;  /* tallyi_span: driver members */
	tallyi_vec cres;     /* tallyi_corr_res, if the sink correlates */
	tallyi_vec rcats;    /* tallyi_cats of each rule, likewise */
	tallyi_vec bases;    /* tallyi_base_id, likewise */
	tallyi_idmap rmap;   /* rule id -> index of its first rule */
} reader;

/* ------------------------------------------------------------------ */
/* Errors                                                              */

/* Copy the scanner's error into the report. */
static int
scan_error(reader *r)
{
	tallyi_report_error(r->rep, r->js.err, r->js.err_off, "%s", r->js.msg);
	return r->js.err;
}

static int
fail(reader *r, int code, size_t off, const char *fmt, ...)
    TALLY_CC_PRINTF(4, 5);

static int
fail(reader *r, int code, size_t off, const char *fmt, ...)
{
	char msg[TALLY_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Record it in the scanner too, so it sticks. */
	(void)tallyi_js_fail(&r->js, code, off, "%s", msg);
	tallyi_report_error(r->rep, code, off, "%s", msg);
	return code;
}

static int
nomem(reader *r)
{
	return fail(r, TALLY_ENOMEM, r->js.pos, "out of memory");
}

/* ------------------------------------------------------------------ */
/* UTF-8 and simdjson                                                  */

/* UTF-8-check the bytes in [utf8_done, upto) (invariant 1). */
static int
utf8_upto(reader *r, size_t upto)
{
	const char *p = r->in->buf + r->utf8_done;
	size_t n = upto - r->utf8_done;

	/* Invariants 1 and 3: only scanned bytes, none given back. */
	TALLY_ASSERT(upto <= r->js.pos && r->in->released <= r->utf8_done);
	if (upto <= r->utf8_done)
		return TALLY_OK;
	if (!tallyi_json_utf8_ok(p, n))
		return fail(r, TALLY_EPARSE_UTF8,
		    r->utf8_done + tallyi_utf8_first_invalid(p, n),
		    "invalid UTF-8: expected a valid UTF-8 sequence");
	r->utf8_done = upto;
	return TALLY_OK;
}

/* simdjson has UTF-8-checked the object @sp: count its bytes as checked. */
static void
utf8_parsed(reader *r, tallyi_span sp)
{
	/* Invariant 1: the gap before @sp was checked, and @sp is scanned. */
	TALLY_ASSERT(r->utf8_done >= sp.off && sp.off + sp.len <= r->js.pos);
	r->utf8_done = sp.off + sp.len;
}

static int
scratch_reserve(reader *r, size_t n)
{
	size_t cap;
	char *p;

	if (n <= r->scratch_cap)
		return TALLY_OK;
	/* a fresh block, not a realloc: the old contents are not kept */
	if (!tallyi_grow_cap(r->scratch_cap, n, 4096, 1, &cap) ||
	    (p = tallyi_alloc(r->mem, cap)) == NULL)
		return TALLY_ENOMEM;
	tallyi_free(r->mem, r->scratch, r->scratch_cap);
	r->scratch = p;
	r->scratch_cap = cap;
	return TALLY_OK;
}

/*
 * The bytes of @sp as simdjson wants them: in place when the padding after
 * the span is readable, else copied into scratch with zeroed padding.
 */
static const char *
padded(reader *r, tallyi_span sp)
{
	TALLY_ASSERT(sp.off >= r->in->released); /* invariant 3 */
	if (sp.off + sp.len + TALLYI_JSON_PADDING <= r->in->len + r->in->pad)
		return r->in->buf + sp.off;
	if (scratch_reserve(r, sp.len + TALLYI_JSON_PADDING) != TALLY_OK)
		return NULL;
	memcpy(r->scratch, r->in->buf + sp.off, sp.len);
	memset(r->scratch + sp.len, 0, TALLYI_JSON_PADDING);
	return r->scratch;
}

/*
 * Report a shim error in element @idx of the array at @path (e.g.
 * "runs[0].results", 7). Paths are formatted only here, on the error path.
 */
static int
shim_error(reader *r, tallyi_span sp, const tallyi_json_err *err,
    const char *path, size_t idx)
{
	return fail(r, err->code, sp.off + err->off, "%s[%zu]%s%s: %s", path,
	    idx, err->path[0] ? "." : "", err->path, err->msg);
}

static const char *kind_at(reader *r);

/*
 * Frame element @idx of the array at @path, which must be an object, and
 * point @p at its bytes as simdjson wants them (see padded()).
 */
static int
frame_object(reader *r, const char *path, size_t idx, tallyi_span *sp,
    const char **p)
{
	const char *found = kind_at(r);
	bool is_obj = tallyi_js_peek(&r->js) == '{';
	size_t start;

	/* Validate the value first: a syntax error beats a type error. */
	if (tallyi_js_skip(&r->js, &start) != 0)
		return scan_error(r);
	if (!is_obj)
		return fail(r, TALLY_EFORMAT_TYPE, start,
		    "%s[%zu]: expected an object, found %s", path, idx, found);
	sp->off = start;
	sp->len = r->js.pos - start;
	if ((*p = padded(r, *sp)) == NULL)
		return nomem(r);
	/* Everything before the object is a gap (invariant 1). */
	return utf8_upto(r, start);
}

/* ------------------------------------------------------------------ */
/* Interning                                                           */

static int
intern(reader *r, tally_strkind kind, const char *s, size_t n, uint32_t *id)
{
	uint64_t h = tallyi_strhash(s, n);
	icache_ent *ce = &r->icache[kind * ICACHE_SIZE + (h & (ICACHE_SIZE - 1))];
	int rc;

	if (ce->hash == h && ce->len == n && n < UINT32_MAX) {
		size_t len;
		const char *p = r->sink->lookup(r->sink->ctx, kind, ce->id, &len);

		if (p != NULL && len == n && memcmp(p, s, n) == 0) {
			*id = ce->id;
			return TALLY_OK;
		}
	}
	rc = r->sink->intern(r->sink->ctx, kind, s, n, id);
	if (rc != TALLY_OK)
		return fail(r, rc, r->js.pos, "cannot intern a string: %s",
		    tally_strerror(rc));
	ce->hash = h;
	ce->id = *id;
	ce->len = (uint32_t)n;
	return TALLY_OK;
}

static int
intern_empty(reader *r, tally_strkind kind, uint32_t *id)
{
	if (r->empty[kind] == TALLY_ID_NONE) {
		int rc = intern(r, kind, "", 0, &r->empty[kind]);

		if (rc != TALLY_OK)
			return rc;
	}
	*id = r->empty[kind];
	return TALLY_OK;
}

static int
intern_uri(reader *r, const tallyi_sv *uri, uint32_t *id)
{
	size_t n;

	if (scratch_reserve(r, uri->n + 1) != TALLY_OK)
		return nomem(r);
	n = tallyi_uri_normalize(uri->p, uri->n, r->scratch);
	return intern(r, TALLY_STR_FILE, r->scratch, n, id);
}

/* ------------------------------------------------------------------ */
/* Progress                                                            */

static void
mark(reader *r)
{
	if (r->js.pos < r->next_mark)
		return;
	r->next_mark = r->js.pos + WINDOW;
	if (!r->sink->keep_text)
		tallyi_input_release(r->in, r->utf8_done);
	tallyi_input_prefault(r->in, r->js.pos, 2 * WINDOW);
	if (r->opt != NULL && r->opt->progress != NULL)
		r->opt->progress(r->opt->progress_arg, r->js.pos, r->in->len);
}

/* ------------------------------------------------------------------ */
/* Runs                                                                */

/* The kind of JSON value at pos, for "expected X, found Y". */
static const char *
kind_at(reader *r)
{
	switch (tallyi_js_peek(&r->js)) {
	case '{': return "an object";
	case '[': return "an array";
	case '"': return "a string";
	case 't': case 'f': return "a boolean";
	case 'n': return "null";
	case -1: return "end of file";
	default: return "a number";
	}
}

static bool
at_null(reader *r)
{
	return tallyi_js_peek(&r->js) == 'n';
}

/* Skip a value, after checking it is of the kind given by @bracket. */
static int
want_kind(reader *r, int bracket, const char *path, const char *what)
{
	int c = tallyi_js_peek(&r->js);
	size_t start = r->js.pos;
	const char *found;

	if (c == bracket)
		return TALLY_OK;
	found = kind_at(r);
	/* Validate the value first: a syntax error beats a type error. */
	if (tallyi_js_skip(&r->js, &start) != 0)
		return scan_error(r);
	return fail(r, TALLY_EFORMAT_TYPE, start, "%s: expected %s, found %s",
	    path, what, found);
}

/*
 * An optional array of objects at pos (null reads as empty), each element
 * handed to @elem with the array's path for its messages.
 */
static int
read_array(reader *r, const char *path,
    int (*elem)(reader *r, const char *path))
{
	bool first = true;
	size_t vstart;
	int more, rc;

	if (at_null(r))
		return tallyi_js_skip(&r->js, &vstart) != 0 ? scan_error(r) :
		    TALLY_OK;
	if (want_kind(r, '[', path, "an array") != TALLY_OK ||
	    tallyi_js_arr_begin(&r->js, path) != 0)
		return r->js.err;
	while ((more = tallyi_js_arr_next(&r->js, &first)) == 1) {
		if ((rc = elem(r, path)) != TALLY_OK)
			return rc;
	}
	return more < 0 ? scan_error(r) : TALLY_OK;
}

/* The categories of @cf, tags interned. */
static int
cats_of(reader *r, const tallyi_corr_fields *cf, tallyi_cats *out)
{
	int rc;

	out->n = 0;
	for (uint32_t k = 0; k < cf->ncwe; k++)
		out->v[out->n++] = cf->cwe[k];
	for (uint32_t k = 0; k < cf->ntag && out->n < TALLYI_CATS; k++) {
		uint32_t id;

		if ((rc = intern(r, TALLY_STR_MESSAGE, cf->tag[k].p,
		    cf->tag[k].n, &id)) != TALLY_OK)
			return rc;
		out->v[out->n++] = TALLYI_CAT_TAG | id;
	}
	return TALLY_OK;
}

/* Add @b's categories to @a, once each, while there is room. */
static void
cats_merge(tallyi_cats *a, const tallyi_cats *b)
{
	for (uint32_t k = 0; k < b->n && a->n < TALLYI_CATS; k++) {
		uint32_t i = 0;

		while (i < a->n && a->v[i] != b->v[k])
			i++;
		if (i == a->n)
			a->v[a->n++] = b->v[k];
	}
}

/* One reportingDescriptor of driver.rules: its id and default level. */
static int
read_rule(reader *r, const char *path)
{
	tallyi_span sp;
	tallyi_json_err err;
	tallyi_corr_fields cf;
	tallyi_sv id = { NULL, 0 };
	bool has_id;
	int level, rc;
	const char *p;
	tallyi_sarif_rule *ru;

	if ((rc = frame_object(r, path, r->rules.n, &sp, &p)) != TALLY_OK)
		return rc;
	rc = tallyi_json_rule(r->json, p, sp.len, &id, &has_id, &level,
	    r->sink->want_corr ? &cf : NULL, &err);
	if (rc != TALLY_OK)
		return shim_error(r, sp, &err, path, r->rules.n);
	utf8_parsed(r, sp);
	if (!has_id)
		return fail(r, TALLY_EFORMAT_MISSING, sp.off,
		    "%s[%zu]: missing required property \"id\"", path,
		    r->rules.n);
	if (tallyi_vec_reserve(r->mem, &r->rules, r->rules.n + 1,
	    sizeof(tallyi_sarif_rule)))
		return nomem(r);
	ru = (tallyi_sarif_rule *)r->rules.p + r->rules.n;
	if ((rc = intern(r, TALLY_STR_RULE, id.p, id.n, &ru->id)))
		return rc;
	ru->level = level;
	ru->span = sp;
	if (r->sink->want_corr) {
		if (tallyi_vec_reserve(r->mem, &r->rcats, r->rules.n + 1,
		    sizeof(tallyi_cats)))
			return nomem(r);
		if ((rc = cats_of(r, &cf, (tallyi_cats *)r->rcats.p +
		    r->rules.n)) != TALLY_OK)
			return rc;
		r->rcats.n = r->rules.n + 1;
	}
	r->rules.n++;
	return TALLY_OK;
}

static int
read_driver(reader *r, const char *run_path, uint32_t *tool)
{
	char path[64];
	bool first = true, has_name = false, has_version = false;
	tallyi_jstr key, name = { 0, 0, false }, version = { 0, 0, false };
	size_t obj_start, vstart, n, vn = 0;
	int more, rc;

	snprintf(path, sizeof(path), "%s.tool.driver", run_path);
	obj_start = (tallyi_js_peek(&r->js), r->js.pos);
	if (want_kind(r, '{', path, "an object") != TALLY_OK ||
	    tallyi_js_obj_begin(&r->js, path) != 0)
		return r->js.err;
	while ((more = tallyi_js_obj_next(&r->js, &first, &key)) == 1) {
		size_t mstart = key.off - 1;
		bool is_name = tallyi_js_str_eq(&r->js, &key, "name");
		tallyi_span *m;

		if (tallyi_js_str_eq(&r->js, &key, "rules")) {
			char rp[80];

			snprintf(rp, sizeof(rp), "%s.rules", path);
			if ((rc = read_array(r, rp, read_rule)) != TALLY_OK)
				return rc;
			continue; /* the merge writes its own rules */
		}
		if (is_name || (tallyi_js_str_eq(&r->js, &key, "version") &&
		    !at_null(r))) {
			char what[80];

			snprintf(what, sizeof(what), "%s.%s", path,
			    is_name ? "name" : "version");
			if (want_kind(r, '"', what, "a string") != TALLY_OK)
				return r->js.err;
			if (tallyi_js_string(&r->js, is_name ? &name :
			    &version) != 0)
				return scan_error(r);
			*(is_name ? &has_name : &has_version) = true;
		} else if (tallyi_js_skip(&r->js, &vstart) != 0) {
			return scan_error(r);
		}
		/* Every member but "rules", as written, for the merge. */
		if (tallyi_vec_reserve(r->mem, &r->members, r->members.n + 1,
		    sizeof(tallyi_span)))
			return nomem(r);
		m = (tallyi_span *)r->members.p + r->members.n++;
		m->off = mstart;
		m->len = r->js.pos - mstart;
	}
	if (more < 0)
		return scan_error(r);
	if (!has_name)
		return fail(r, TALLY_EFORMAT_MISSING, obj_start,
		    "%s: missing required property \"name\"", path);

	/* Invariant 2: check the bytes before decoding them. */
	if ((rc = utf8_upto(r, r->js.pos)) != TALLY_OK)
		return rc;
	TALLY_ASSERT(name.off + name.len <= r->utf8_done &&
	    version.off + version.len <= r->utf8_done);
	if (scratch_reserve(r, name.len + version.len + 1))
		return nomem(r);
	n = tallyi_js_decode(r->js.buf, &name, r->scratch, r->scratch_cap);
	if (has_version)
		vn = tallyi_js_decode(r->js.buf, &version, r->scratch + n,
		    r->scratch_cap - n);
	rc = r->sink->tool(r->sink->ctx, r->scratch, n, r->scratch + n, vn,
	    tool);
	if (rc != TALLY_OK)
		return fail(r, rc, obj_start, "%s: cannot register the tool: %s",
		    path, tally_strerror(rc));
	return TALLY_OK;
}

static int
read_tool(reader *r, const char *run_path, uint32_t *tool)
{
	char path[48];
	bool first = true, has_driver = false;
	tallyi_jstr key;
	size_t obj_start, vstart;
	int more;

	snprintf(path, sizeof(path), "%s.tool", run_path);
	obj_start = (tallyi_js_peek(&r->js), r->js.pos);
	if (want_kind(r, '{', path, "an object") != TALLY_OK ||
	    tallyi_js_obj_begin(&r->js, path) != 0)
		return r->js.err;
	while ((more = tallyi_js_obj_next(&r->js, &first, &key)) == 1) {
		if (tallyi_js_str_eq(&r->js, &key, "driver")) {
			int rc;

			if (has_driver)
				return fail(r, TALLY_EFORMAT_VALUE, key.off - 1,
				    "%s: property \"driver\" appears twice",
				    path);
			if ((rc = read_driver(r, run_path, tool)) != TALLY_OK)
				return rc;
			has_driver = true;
		} else if (tallyi_js_skip(&r->js, &vstart) != 0) {
			return scan_error(r);
		}
	}
	if (more < 0)
		return scan_error(r);
	if (!has_driver)
		return fail(r, TALLY_EFORMAT_MISSING, obj_start,
		    "%s: missing required property \"driver\"", path);
	return TALLY_OK;
}

/* Keep what correlation reads of the result being read (r->res.n). */
static int
corr_result(reader *r, const tallyi_corr_fields *cf)
{
	tallyi_corr_res *c;
	int rc;

	if (tallyi_vec_reserve(r->mem, &r->cres, r->res.n + 1,
	    sizeof(tallyi_corr_res)))
		return nomem(r);
	c = (tallyi_corr_res *)r->cres.p + r->res.n;
	c->flow[0] = (uint32_t)cf->flow[0];
	c->flow[1] = (uint32_t)cf->flow[1];
	c->base = TALLY_ID_NONE;
	if (cf->has_base && (rc = intern(r, TALLY_STR_MESSAGE, cf->base_id.p,
	    cf->base_id.n, &c->base)) != TALLY_OK)
		return rc;
	if ((rc = cats_of(r, cf, &c->cats)) != TALLY_OK)
		return rc;
	r->cres.n = r->res.n + 1;
	return TALLY_OK;
}

/* One result: parse it with simdjson and keep its ids. */
static int
read_result(reader *r, const char *path)
{
	tallyi_sarif_result sr;
	tallyi_corr_fields cf;
	tallyi_json_err err;
	tallyi_span sp;
	const char *p;
	tallyi_sarif_res *x;
	int rc;

	if ((rc = frame_object(r, path, r->res.n, &sp, &p)) != TALLY_OK)
		return rc;
	if ((rc = tallyi_json_result(r->json, p, sp.len, &sr,
	    r->sink->want_corr ? &cf : NULL, &err)))
		return shim_error(r, sp, &err, path, r->res.n);
	if (r->sink->want_corr && (rc = corr_result(r, &cf)) != TALLY_OK)
		return rc;
	utf8_parsed(r, sp);
	if (tallyi_vec_reserve(r->mem, &r->res, r->res.n + 1,
	    sizeof(tallyi_sarif_res)))
		return nomem(r);
	x = (tallyi_sarif_res *)r->res.p + r->res.n;
	x->span = sp;
	x->v.rule = TALLY_ID_NONE;
	x->v.file = TALLY_ID_NONE;
	if ((sr.has & TALLYI_R_RULE_ID) &&
	    (rc = intern(r, TALLY_STR_RULE, sr.rule_id.p, sr.rule_id.n,
	    &x->v.rule)))
		return rc;
	if ((sr.has & TALLYI_R_URI) &&
	    (rc = intern_uri(r, &sr.uri, &x->v.file)))
		return rc;
	if (sr.has & TALLYI_R_MSG_TEXT)
		rc = intern(r, TALLY_STR_MESSAGE, sr.msg_text.p, sr.msg_text.n,
		    &x->v.message);
	else if (sr.has & TALLYI_R_MSG_ID)
		rc = intern(r, TALLY_STR_MESSAGE, sr.msg_id.p, sr.msg_id.n,
		    &x->v.message);
	else
		rc = intern_empty(r, TALLY_STR_MESSAGE, &x->v.message);
	if (rc != TALLY_OK)
		return rc;
	x->v.line = (sr.has & TALLYI_R_LINE) ? (uint32_t)sr.line : 0;
	x->v.column = (sr.has & TALLYI_R_COLUMN) ? (uint32_t)sr.column : 0;
	x->v.offset = (sr.has & TALLYI_R_CHAR_OFFSET) ? sr.char_offset :
	    (sr.has & TALLYI_R_BYTE_OFFSET) ? sr.byte_offset : 0;
	x->rule_index = (sr.has & TALLYI_R_RULE_INDEX) ? sr.rule_index : -1;
	x->art_index = (sr.has & TALLYI_R_ART_INDEX) ? sr.art_index : -1;
	x->plh = TALLY_ID_NONE;
	if ((sr.has & TALLYI_R_PLH) && (rc = intern(r, TALLY_STR_MESSAGE,
	    sr.plh.p, sr.plh.n, &x->plh)))
		return rc;
	if (sr.level >= 0)
		x->v.level = (uint8_t)sr.level;
	else if (sr.kind_not_fail)
		x->v.level = TALLY_LEVEL_NONE;
	else
		x->v.level = TALLYI_LEVEL_UNSET;
	r->res.n++;
	r->results++;
	mark(r);
	return TALLY_OK;
}

/* One artifact of run.artifacts: the normalised location.uri, if any. */
static int
read_artifact(reader *r, const char *path)
{
	tallyi_json_err err;
	tallyi_span sp;
	tallyi_sv uri = { NULL, 0 };
	bool has_uri;
	uint32_t file = TALLY_ID_NONE;
	const char *p;
	int rc;

	if ((rc = frame_object(r, path, r->arts.n, &sp, &p)) != TALLY_OK)
		return rc;
	rc = tallyi_json_artifact(r->json, p, sp.len, &uri, &has_uri, &err);
	if (rc != TALLY_OK)
		return shim_error(r, sp, &err, path, r->arts.n);
	utf8_parsed(r, sp);
	if (has_uri && (rc = intern_uri(r, &uri, &file)) != TALLY_OK)
		return rc;
	if (tallyi_vec_reserve(r->mem, &r->arts, r->arts.n + 1,
	    sizeof(uint32_t)) ||
	    tallyi_vec_reserve(r->mem, &r->art_span, r->art_span.n + 1,
	    sizeof(tallyi_span)))
		return nomem(r);
	((uint32_t *)r->arts.p)[r->arts.n++] = file;
	((tallyi_span *)r->art_span.p)[r->art_span.n++] = sp;
	mark(r);
	return TALLY_OK;
}

/* Rule index of the first rule with interned id @id, or -1. */
static int64_t
rule_by_id(reader *r, uint32_t id)
{
	return tallyi_idmap_get(&r->rmap, id);
}

/* Index the run's rules by id (first occurrence wins). */
static int
build_rule_map(reader *r)
{
	const tallyi_sarif_rule *ru = r->rules.p;
	uint32_t idx;

	tallyi_idmap_clear(&r->rmap);
	for (size_t k = 0; k < r->rules.n; k++)
		if (tallyi_idmap_put(r->mem, &r->rmap, ru[k].id, (uint32_t)k,
		    &idx) != TALLY_OK)
			return nomem(r);
	return TALLY_OK;
}

/* Apply the definitions to every result of the finished run, in place. */
static int
resolve_run(reader *r, uint32_t tool, const char *run_path)
{
	tallyi_sarif_res *res = r->res.p;
	const tallyi_sarif_rule *ru = r->rules.p;
	const uint32_t *arts = r->arts.p;
	int rc;

	if ((rc = build_rule_map(r)) != TALLY_OK)
		return rc;
	for (size_t k = 0; k < r->res.n; k++) {
		tally_violation *v = &res[k].v;
		int64_t ri = res[k].rule_index, ai = res[k].art_index;
		bool need_rule = v->rule == TALLY_ID_NONE ||
		    v->level == TALLYI_LEVEL_UNSET;

		if (ri >= 0 && need_rule && (uint64_t)ri >= r->rules.n)
			return fail(r, TALLY_EFORMAT_VALUE, res[k].span.off,
			    "%s.results[%zu].ruleIndex: %lld is out of range "
			    "(the driver has %zu rules)", run_path, k,
			    (long long)ri, r->rules.n);
		if (v->level == TALLYI_LEVEL_UNSET) {
			/* The rule by ruleIndex, else by ruleId. */
			int64_t idx = ri >= 0 ? ri : v->rule != TALLY_ID_NONE ?
			    rule_by_id(r, v->rule) : -1;

			v->level = idx >= 0 && ru[idx].level >= 0 ?
			    (uint8_t)ru[idx].level : TALLY_LEVEL_WARNING;
		}
		if (v->rule == TALLY_ID_NONE) {
			if (ri >= 0)
				v->rule = ru[ri].id;
			else if ((rc = intern_empty(r, TALLY_STR_RULE,
			    &v->rule)))
				return rc;
		}
		if (v->file == TALLY_ID_NONE && ai >= 0) {
			if ((uint64_t)ai >= r->arts.n)
				return fail(r, TALLY_EFORMAT_VALUE,
				    res[k].span.off, "%s.results[%zu]."
				    "locations[0].physicalLocation."
				    "artifactLocation.index: %lld is out of "
				    "range (the run has %zu artifacts)",
				    run_path, k, (long long)ai, r->arts.n);
			v->file = arts[ai];
		}
		v->tool = tool;
		if (v->file == TALLY_ID_NONE &&
		    (rc = intern_empty(r, TALLY_STR_FILE, &v->file)))
			return rc;
		if (r->sink->want_corr) {
			/* The rule by ruleIndex, else by ruleId. */
			int64_t idx = ri >= 0 && (uint64_t)ri < r->rules.n ?
			    ri : rule_by_id(r, v->rule);

			if (idx >= 0)
				cats_merge(&((tallyi_corr_res *)r->cres.p)[k].
				    cats, &((tallyi_cats *)r->rcats.p)[idx]);
		}
	}
	return TALLY_OK;
}

/* run.originalUriBaseIds, for correlation (at most 16 entries kept). */
static int
read_base_ids(reader *r, tallyi_span sp)
{
	tallyi_base_sv b[16];
	tallyi_json_err err;
	size_t n;
	const char *p;
	int rc;

	if ((rc = utf8_upto(r, sp.off)) != TALLY_OK)
		return rc;
	if ((p = padded(r, sp)) == NULL)
		return nomem(r);
	rc = tallyi_json_base_ids(r->json, p, sp.len, b, 16, &n, &err);
	if (rc != TALLY_OK)
		return shim_error(r, sp, &err, "originalUriBaseIds", 0);
	utf8_parsed(r, sp);
	if (tallyi_vec_reserve(r->mem, &r->bases, n, sizeof(tallyi_base_id)))
		return nomem(r);
	for (size_t k = 0; k < n; k++) {
		tallyi_base_id *x = (tallyi_base_id *)r->bases.p + k;

		x->parent = TALLY_ID_NONE;
		if ((rc = intern(r, TALLY_STR_MESSAGE, b[k].name.p,
		    b[k].name.n, &x->name)) ||
		    (rc = intern(r, TALLY_STR_MESSAGE, b[k].uri.p, b[k].uri.n,
		    &x->uri)) ||
		    (b[k].has_parent && (rc = intern(r, TALLY_STR_MESSAGE,
		    b[k].parent.p, b[k].parent.n, &x->parent))))
			return rc;
	}
	r->bases.n = n;
	return TALLY_OK;
}

/* Reset the per-run state, keeping the arrays' memory. */
static void
run_reset(reader *r)
{
	r->res.n = r->rules.n = r->arts.n = r->art_span.n = 0;
	r->members.n = r->cres.n = r->rcats.n = r->bases.n = 0;
}

static int
read_run(reader *r)
{
	char path[32];
	bool first = true, has_tool = false, seen_results = false;
	bool seen_arts = false;
	tallyi_span column_kind = { 0, 0 }, base_ids = { 0, 0 };
	tallyi_sarif_run run;
	tallyi_jstr key;
	uint32_t tool = 0;
	size_t obj_start, vstart;
	int more, rc;

	snprintf(path, sizeof(path), "runs[%zu]", r->run_index);
	run_reset(r);
	obj_start = (tallyi_js_peek(&r->js), r->js.pos);
	if (want_kind(r, '{', path, "an object (a run)") != TALLY_OK ||
	    tallyi_js_obj_begin(&r->js, path) != 0)
		return r->js.err;
	while ((more = tallyi_js_obj_next(&r->js, &first, &key)) == 1) {
		const char *dup = NULL;

		if (tallyi_js_str_eq(&r->js, &key, "tool")) {
			if (has_tool)
				dup = "tool";
			else if ((rc = read_tool(r, path, &tool)) != TALLY_OK)
				return rc;
			has_tool = true;
		} else if (tallyi_js_str_eq(&r->js, &key, "results")) {
			char ap[48];

			snprintf(ap, sizeof(ap), "%s.results", path);
			if (seen_results)
				dup = "results";
			else if ((rc = read_array(r, ap, read_result)) != 0)
				return rc;
			seen_results = true;
		} else if (tallyi_js_str_eq(&r->js, &key, "artifacts")) {
			char ap[48];

			snprintf(ap, sizeof(ap), "%s.artifacts", path);
			if (seen_arts)
				dup = "artifacts";
			else if ((rc = read_array(r, ap, read_artifact)) != 0)
				return rc;
			seen_arts = true;
		} else {
			bool ck = tallyi_js_str_eq(&r->js, &key, "columnKind");
			bool ub = !ck && tallyi_js_str_eq(&r->js, &key,
			    "originalUriBaseIds");

			if (tallyi_js_skip(&r->js, &vstart) != 0)
				return scan_error(r);
			if (ck)
				column_kind = (tallyi_span){ vstart,
					r->js.pos - vstart };
			else if (ub)
				base_ids = (tallyi_span){ vstart,
					r->js.pos - vstart };
			if (ub && r->sink->want_corr &&
			    (rc = read_base_ids(r, base_ids)) != TALLY_OK)
				return rc;
		}
		if (dup != NULL)
			return fail(r, TALLY_EFORMAT_VALUE, key.off - 1,
			    "%s: property \"%s\" appears twice", path, dup);
	}
	if (more < 0)
		return scan_error(r);
	if (!has_tool)
		return fail(r, TALLY_EFORMAT_MISSING, obj_start,
		    "%s: missing required property \"tool\"", path);
	if ((rc = resolve_run(r, tool, path)) != TALLY_OK)
		return rc;

	memset(&run, 0, sizeof(run));
	run.tool = tool;
	run.index = r->run_index;
	run.res = r->res.p;
	run.nres = r->res.n;
	run.rules = r->rules.p;
	run.nrules = r->rules.n;
	run.driver_members = r->members.p;
	run.ndriver_members = r->members.n;
	run.artifacts = r->art_span.p;
	run.nartifacts = r->art_span.n;
	run.column_kind = column_kind;
	run.uri_base_ids = base_ids;
	if (r->sink->want_corr) {
		run.cres = r->cres.p;
		run.bases = r->bases.p;
		run.nbases = r->bases.n;
	}
	rc = r->sink->run(r->sink->ctx, &run);
	if (rc != TALLY_OK)
		return fail(r, rc, r->js.pos, "%s: %s", path,
		    tally_strerror(rc));
	r->runs++;
	r->run_index++;
	return TALLY_OK;
}

/* ------------------------------------------------------------------ */
/* The log                                                             */

static int
read_log(reader *r)
{
	bool first = true, has_version = false, has_runs = false;
	tallyi_jstr key;
	size_t vstart;
	int c, more, rc;

	c = tallyi_js_peek(&r->js);
	if (c < 0)
		return fail(r, TALLY_EPARSE_EMPTY, r->js.pos, "empty input: "
		    "expected a SARIF log (a JSON object)");
	if (c != '{') {
		const char *found = kind_at(r);

		if (tallyi_js_skip(&r->js, &vstart) != 0)
			return scan_error(r);
		if (tallyi_js_end(&r->js) != 0)
			return scan_error(r);
		return fail(r, TALLY_EFORMAT, vstart, "expected a SARIF log "
		    "(a JSON object with \"version\" and \"runs\"), found %s",
		    found);
	}
	(void)tallyi_js_obj_begin(&r->js, "the log");
	while ((more = tallyi_js_obj_next(&r->js, &first, &key)) == 1) {
		if (tallyi_js_str_eq(&r->js, &key, "version")) {
			tallyi_jstr v;

			if (has_version)
				return fail(r, TALLY_EFORMAT_VALUE, key.off - 1,
				    "property \"version\" appears twice");
			has_version = true;
			if (want_kind(r, '"', "version", "a string \"2.1.0\"") !=
			    TALLY_OK)
				return r->js.err;
			if (tallyi_js_string(&r->js, &v) != 0)
				return scan_error(r);
			if (!tallyi_js_str_eq(&r->js, &v, "2.1.0")) {
				const char *s = r->js.buf + v.off;
				int n = v.len > 40 ? 40 : (int)v.len;

				return fail(r, TALLY_EFORMAT_VERSION, v.off - 1,
				    "\"version\" is \"%.*s\"; expected "
				    "\"2.1.0\" (only SARIF 2.1.0 is read)",
				    n, s);
			}
		} else if (tallyi_js_str_eq(&r->js, &key, "runs")) {
			bool rfirst = true;

			if (has_runs)
				return fail(r, TALLY_EFORMAT_VALUE, key.off - 1,
				    "property \"runs\" appears twice");
			has_runs = true;
			if (want_kind(r, '[', "runs", "an array") != TALLY_OK ||
			    tallyi_js_arr_begin(&r->js, "runs") != 0)
				return r->js.err;
			while ((more = tallyi_js_arr_next(&r->js, &rfirst)) ==
			    1) {
				if ((rc = read_run(r)) != TALLY_OK)
					return rc;
			}
			if (more < 0)
				return scan_error(r);
		} else if (tallyi_js_skip(&r->js, &vstart) != 0) {
			return scan_error(r);
		}
	}
	if (more < 0 || tallyi_js_end(&r->js) != 0)
		return scan_error(r);
	if ((rc = utf8_upto(r, r->in->len)) != TALLY_OK)
		return rc;
	if (!has_version)
		return fail(r, TALLY_EFORMAT_MISSING, 0, "not a SARIF log: "
		    "missing required property \"version\" (expected "
		    "\"2.1.0\")");
	if (!has_runs)
		return fail(r, TALLY_EFORMAT_MISSING, 0, "not a SARIF log: "
		    "missing required property \"runs\"");
	return TALLY_OK;
}

int
tallyi_sarif_read(tallyi_input *in, const tallyi_sarif_sink *sink,
    const tally_sarif_options *opt, tally_sarif_report *rep)
{
	reader r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.in = in;
	r.sink = sink;
	r.opt = opt;
	r.rep = rep;
	r.mem = in->mem;
	r.next_mark = WINDOW;
	tallyi_input_prefault(in, 0, 2 * WINDOW);
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++)
		r.empty[k] = TALLY_ID_NONE;
	tallyi_js_init(&r.js, in->buf, in->len);
	if (rep != NULL) {
		memset(rep, 0, sizeof(*rep));
		rep->bytes = in->len;
		rep->error.offset = UINT64_MAX;
	}
	r.json = tallyi_json_new();
	r.icache = tallyi_alloc(r.mem, sizeof(icache_ent) * ICACHE_SIZE *
	    TALLY_STR_KIND_COUNT);
	if (r.json == NULL || r.icache == NULL) {
		tallyi_json_free(r.json);
		tallyi_free(r.mem, r.icache, sizeof(icache_ent) * ICACHE_SIZE *
		    TALLY_STR_KIND_COUNT);
		tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory");
		return TALLY_ENOMEM;
	}
	/* len UINT32_MAX never matches a real string: all slots start empty. */
	for (size_t k = 0; k < ICACHE_SIZE * TALLY_STR_KIND_COUNT; k++)
		r.icache[k] = (icache_ent){ 0, 0, UINT32_MAX };
	rc = read_log(&r);
	if (rep != NULL) {
		rep->runs = r.runs;
		rep->results = rc == TALLY_OK ? r.results : 0;
	}
	if (rc == TALLY_OK && opt != NULL && opt->progress != NULL)
		opt->progress(opt->progress_arg, in->len, in->len);
	tallyi_json_free(r.json);
	tallyi_vec_free(r.mem, &r.res, sizeof(tallyi_sarif_res));
	tallyi_vec_free(r.mem, &r.rules, sizeof(tallyi_sarif_rule));
	tallyi_vec_free(r.mem, &r.arts, sizeof(uint32_t));
	tallyi_vec_free(r.mem, &r.art_span, sizeof(tallyi_span));
	tallyi_vec_free(r.mem, &r.members, sizeof(tallyi_span));
	tallyi_vec_free(r.mem, &r.cres, sizeof(tallyi_corr_res));
	tallyi_vec_free(r.mem, &r.rcats, sizeof(tallyi_cats));
	tallyi_vec_free(r.mem, &r.bases, sizeof(tallyi_base_id));
	tallyi_idmap_free(r.mem, &r.rmap);
	tallyi_free(r.mem, r.scratch, r.scratch_cap);
	tallyi_free(r.mem, r.icache, sizeof(icache_ent) * ICACHE_SIZE *
	    TALLY_STR_KIND_COUNT);
	return rc;
}
