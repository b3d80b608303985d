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
 * fixed-size record of interned ids (and, for the few that need one, a
 * record of what is left: a rule named through a tool component or a
 * guid, an invocation, a message given by id). When the run ends its
 * names are hashed once (descriptor ids and guids per component, message
 * strings, components) and each result is resolved as tally/sarif.h
 * defines: its descriptor, level, message. A finished run goes to the
 * sink, which holds it until the whole input is known to be good (all or
 * nothing). What is tolerated is said through warn(), never silently.
 *
 * Invariants:
 *  1. utf8_done <= js.pos, and every byte below utf8_done has been UTF-8
 *     checked (by simdjson, in a parsed object or a gap).
 *  2. A string decoded in C (driver name, version, guid) is used only after
 *     the bytes it came from are below utf8_done.
 *
 * The input is a buffer the reader's caller owns (sarif_input.c): its bytes
 * cannot change while they are read, so what was checked stays checked.
 *
 * It is the whole input, or a window on a large file (summary). A window
 * moves on only between the elements of a run's arrays (results, rules,
 * tool.extensions, artifacts, invocations: window_on()), where the reader
 * holds no offset into it: the spans and offsets it keeps (of results,
 * rules, artifacts, the run's, warnings, an object's start) are the
 * input's, not the window's (at()), and the strings it keeps are copied
 * (keep_string()). The bytes of a kept span are in the buffer only when the input
 * is whole, so a sink that reads them (merge) reads whole inputs. A
 * windowed read that fails is never reported: the caller reads the file
 * again whole, and that read reports the error and its offset. So an
 * offset given to fail() is one into the buffer.
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

/* Progress is reported every PROGRESS_EVERY bytes. */
#define PROGRESS_EVERY (4u << 20)

/* One record per result of an input is held: keep it at 80 bytes (LP64). */
_Static_assert(sizeof(void *) != 8 || sizeof(tallyi_sarif_res) == 80,
    "tallyi_sarif_res grew");

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

/*
 * A string of the run in the reader's arena: the views a parse hands back
 * die with the next parse, so what must outlive a parse is copied. len
 * ASTR_NONE: absent.
 */
typedef struct astr {
	uint32_t off, len;
} astr;

#define ASTR_NONE UINT32_MAX

/* A tool component: the driver or an element of tool.extensions. */
typedef struct comp {
	astr name, guid;
	size_t desc_lo, ndesc; /* its rules: descs[desc_lo ..] */
	size_t ms_lo, nms;     /* globalMessageStrings: msgs[ms_lo ..] */
} comp;

/* A reportingDescriptor of any component, as the definitions use it. */
typedef struct desc {
	uint32_t comp;
	uint32_t id;           /* TALLY_STR_RULE id; NONE: it has no id */
	astr ids, guid;        /* its id and guid as text */
	int level;             /* defaultConfiguration.level, or -1 */
	size_t ms_lo, nms;     /* messageStrings: msgs[ms_lo ..] */
} desc;

typedef struct msgent {
	astr name, text;
} msgent;

/* A reportingDescriptorReference kept past its parse. */
typedef struct ref_s {
	unsigned has;          /* TALLYI_REF_* */
	astr id, guid, tc_guid, tc_name;
	int64_t index, tc_index;
} ref_s;

/*
 * What a result leaves to be resolved beyond ruleId, ruleIndex and its
 * location: a rule object, an invocation, a message to look up.
 */
typedef struct res_ext {
	ref_s ref;
	int64_t invocation;    /* provenance.invocationIndex, or -1 */
	astr msg;              /* message.id then its encoded arguments */
	uint32_t id_len;       /* bytes of msg that are the id */
} res_ext;

/* One level override of one invocation (§3.20.5, §3.51). */
typedef struct ovr {
	uint32_t inv;
	ref_s ref;
	int level;
	uint32_t desc;         /* resolved when the run ends, or NONE */
} ovr;

/*
 * The run's names, hashed: descriptor ids and guids by component, message
 * strings by descriptor and by component. A key is (scope, bytes).
 */
typedef struct smap_ent {
	uint64_t h;
	uint32_t scope;
	uint32_t val;          /* NONE: a free slot */
	astr s;
} smap_ent;

#define SC_ID (0u << 30)   /* | component: a descriptor's id */
#define SC_GUID (1u << 30) /* | component: a descriptor's guid */
#define SC_MS (2u << 30)   /* | descriptor: its messageStrings */
#define SC_GMS (3u << 30)  /* | component: its globalMessageStrings */
#define SC_COMPS 0x3fffffffu /* SC_ID | it: components by name; SC_GUID |
				it: by guid (no component has this index) */

/* Prefixes of a hierarchical id tried at most (longest first). */
#define PREFIX_TRIES 64

typedef struct reader {
	tallyi_input *in;
	tallyi_jscan js;
	const tallyi_sarif_sink *sink;
	const tally_sarif_options *opt;
	tally_sarif_report *rep;
	const tallyi_mem *mem;
	tallyi_json *json;

	size_t utf8_done;
	uint64_t next_mark; /* the input's offset of the next progress */
	uint64_t results;
	uint64_t runs;

	uint32_t empty[TALLY_STR_KIND_COUNT]; /* interned "", or NONE */
	icache_ent *icache; /* [TALLY_STR_KIND_COUNT][ICACHE_SIZE] */

	char *scratch; /* decoding, normalising, padded copies */
	size_t scratch_cap;

	uint64_t warnings;   /* reported so far (see warn()) */
	void (*warn)(void *arg, uint64_t offset, const char *message);
	void *warn_arg;
	bool include_suppressed; /* tally_sarif_options.include_suppressed */

	/* The run being read. */
	size_t run_index;
	tallyi_vec res;      /* tallyi_sarif_res */
	tallyi_vec rules;    /* tallyi_sarif_rule: the driver's, for sinks */
	tallyi_vec arena;    /* char: the run's strings kept past a parse */
	tallyi_vec comps;    /* comp: [0] the driver, then tool.extensions */
	tallyi_vec descs;    /* desc: the rules of every component */
	tallyi_vec msgs;     /* msgent: messageStrings, globalMessageStrings */
	tallyi_vec exts;     /* res_ext, for results that need one */
	tallyi_vec ovrs;     /* ovr: level overrides of every invocation */
	tallyi_vec argv;     /* tallyi_sv: arguments being formatted */
	tallyi_span extensions; /* tool.extensions as written, for sinks */
	smap_ent *map;       /* the run's names (smap_build()) */
	tallyi_idmap by_id;  /* rule id -> its driver descriptor, or descs.n
				for none (result_rule()) */
	tallyi_idmap ovr_of; /* (invocation, descriptor) -> its first level
				override (ovr_key(), ovr_find()) */
	size_t max_id;       /* the longest descriptor id of the run */
	size_t map_cap;
	size_t ninvocations;
	tallyi_vec arts;     /* uint32_t file id or NONE */
	tallyi_vec art_span; /* tallyi_span */
	tallyi_vec members;  /* tallyi_span: driver members */
	tallyi_vec cres;     /* tallyi_corr_res, if the sink correlates */
	tallyi_vec rcats;    /* tallyi_cats of each rule, likewise */
	tallyi_vec bases;    /* tallyi_base_id, likewise */
} reader;

/* ------------------------------------------------------------------ */
/* Errors                                                              */

/* The input's offset of the buffer's byte @off. */
static uint64_t
at(const reader *r, size_t off)
{
	return r->in->base + off;
}

/* @sp, a span of the buffer, as the input's. */
static tallyi_span
at_span(const reader *r, tallyi_span sp)
{
	return (tallyi_span){ (size_t)at(r, sp.off), sp.len };
}

/* Copy the scanner's error into the report. */
static int
scan_error(reader *r)
{
	tallyi_report_error(r->rep, r->js.err, at(r, r->js.err_off), "%s",
	    r->js.msg);
	return r->js.err;
}

/* Fail with @code at the input's offset @off. */
static int
fail_at(reader *r, int code, uint64_t off, const char *fmt, ...)
    TALLY_CC_PRINTF(4, 5);

static int
fail_at(reader *r, int code, uint64_t off, const char *fmt, ...)
{
	char msg[TALLY_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Record it in the scanner too, so it sticks (at() undone). */
	(void)tallyi_js_fail(&r->js, code, (size_t)(off - r->in->base), "%s",
	    msg);
	tallyi_report_error(r->rep, code, off, "%s", msg);
	return code;
}

/* Fail with @code at the buffer's offset @off. */
#define fail(r, code, off, ...) fail_at(r, code, at(r, off), __VA_ARGS__)

static int
nomem(reader *r)
{
	return fail(r, TALLY_ENOMEM, r->js.pos, "out of memory");
}

/*
 * A leniency (see tally/sarif.h): the input is read, and the caller is
 * told through tally_sarif_options.warning, @off the input's offset (at()).
 * The first TALLYI_WARN_MAX of an input are delivered, then one saying how
 * many more there are (at the end).
 */
static void
warn(reader *r, uint64_t off, const char *fmt, ...) TALLY_CC_PRINTF(3, 4);

static void
warn(reader *r, uint64_t off, const char *fmt, ...)
{
	char msg[TALLY_ERROR_MAX];
	va_list ap;

	if (r->warnings++ >= TALLYI_WARN_MAX || r->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->warn(r->warn_arg, off, msg);
}

/* ------------------------------------------------------------------ */
/* UTF-8 and simdjson                                                  */

/* UTF-8-check the bytes in [utf8_done, upto) (invariant 1). */
static int
utf8_upto(reader *r, size_t upto)
{
	const char *p = r->in->buf + r->utf8_done;
	size_t n = upto - r->utf8_done;

	/* Invariant 1: only scanned bytes. */
	TALLY_ASSERT(upto <= r->js.pos);
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
/* The run's strings                                                   */

static const char *
astr_p(const reader *r, astr a)
{
	/* an arena that holds only empty strings has no buffer */
	return a.len == 0 ? "" : (const char *)r->arena.p + a.off;
}

/* Copy @sv (or nothing: absent) into the arena. */
static int
astr_put(reader *r, const tallyi_sv *sv, bool has, astr *out)
{
	*out = (astr){ 0, ASTR_NONE };
	if (!has)
		return TALLY_OK;
	if (sv->n >= ASTR_NONE || r->arena.n + sv->n >= UINT32_MAX ||
	    tallyi_vec_reserve(r->mem, &r->arena, r->arena.n + sv->n, 1))
		return nomem(r);
	if (sv->n != 0)
		memcpy((char *)r->arena.p + r->arena.n, sv->p, sv->n);
	*out = (astr){ (uint32_t)r->arena.n, (uint32_t)sv->n };
	r->arena.n += sv->n;
	return TALLY_OK;
}

static int
ref_put(reader *r, const tallyi_ref *in, ref_s *out)
{
	int rc;

	out->has = in->has;
	out->index = in->index;
	out->tc_index = in->tc_index;
	if ((rc = astr_put(r, &in->id, in->has & TALLYI_REF_ID, &out->id)) ||
	    (rc = astr_put(r, &in->guid, in->has & TALLYI_REF_GUID,
	    &out->guid)) ||
	    (rc = astr_put(r, &in->tc_guid, in->has & TALLYI_REF_TC_GUID,
	    &out->tc_guid)) ||
	    (rc = astr_put(r, &in->tc_name, in->has & TALLYI_REF_TC_NAME,
	    &out->tc_name)))
		return rc;
	return TALLY_OK;
}

/* Keep message strings; *lo, *n receive where they went in msgs. */
static int
msgs_put(reader *r, const tallyi_msgstr *ms, size_t n, size_t *lo,
    size_t *count)
{
	int rc;

	*lo = r->msgs.n;
	*count = n;
	if (tallyi_vec_reserve(r->mem, &r->msgs, r->msgs.n + n,
	    sizeof(msgent)))
		return nomem(r);
	for (size_t k = 0; k < n; k++) {
		msgent *m = (msgent *)r->msgs.p + r->msgs.n;

		if ((rc = astr_put(r, &ms[k].name, true, &m->name)) ||
		    (rc = astr_put(r, &ms[k].text, true, &m->text)))
			return rc;
		r->msgs.n++;
	}
	return TALLY_OK;
}

static uint64_t
smap_hash(uint32_t scope, const char *p, size_t n)
{
	return tallyi_strhash(p, n) ^ ((uint64_t)scope * TALLYI_GOLDEN64);
}

/* The value of (@scope, @p[0..n)), or TALLY_ID_NONE. */
static uint32_t
smap_get(const reader *r, uint32_t scope, const char *p, size_t n)
{
	uint64_t h;

	if (r->map_cap == 0)
		return TALLY_ID_NONE;
	h = smap_hash(scope, p, n);
	for (size_t i = h & (r->map_cap - 1);; i = (i + 1) & (r->map_cap - 1)) {
		const smap_ent *e = &r->map[i];

		if (e->val == TALLY_ID_NONE)
			return TALLY_ID_NONE;
		if (e->h == h && e->scope == scope && e->s.len == n &&
		    memcmp(astr_p(r, e->s), p, n) == 0)
			return e->val;
	}
}

/* Add (@scope, @s) -> @val unless the key is there (the first wins). */
static void
smap_add(reader *r, uint32_t scope, astr s, uint32_t val)
{
	const char *p = astr_p(r, s);
	uint64_t h = smap_hash(scope, p, s.len);

	for (size_t i = h & (r->map_cap - 1);; i = (i + 1) & (r->map_cap - 1)) {
		smap_ent *e = &r->map[i];

		if (e->val == TALLY_ID_NONE) {
			*e = (smap_ent){ h, scope, val, s };
			return;
		}
		if (e->h == h && e->scope == scope && e->s.len == s.len &&
		    memcmp(astr_p(r, e->s), p, s.len) == 0)
			return;
	}
}

/* Hash the run's names: every descriptor id, guid and message string. */
static int
smap_build(reader *r)
{
	const comp *c = r->comps.p;
	const desc *d = r->descs.p;
	size_t need = r->descs.n * 2 + r->msgs.n + r->comps.n * 2, cap = 16;

	while (cap < 2 * need)
		cap *= 2;
	tallyi_idmap_clear(&r->by_id);
	if (cap > r->map_cap) {
		smap_ent *m = tallyi_alloc(r->mem, cap * sizeof(*m));

		if (m == NULL)
			return nomem(r);
		tallyi_free(r->mem, r->map, r->map_cap * sizeof(*m));
		r->map = m;
		r->map_cap = cap;
	}
	for (size_t i = 0; i < r->map_cap; i++)
		r->map[i].val = TALLY_ID_NONE;
	/* msgs.p is NULL while no component has message strings */
	for (size_t k = 0; k < r->descs.n; k++) {
		const msgent *m = d[k].nms != 0 ?
		    (const msgent *)r->msgs.p + d[k].ms_lo : NULL;

		if (d[k].ids.len != ASTR_NONE)
			smap_add(r, SC_ID | d[k].comp, d[k].ids, (uint32_t)k);
		if (d[k].guid.len != ASTR_NONE)
			smap_add(r, SC_GUID | d[k].comp, d[k].guid,
			    (uint32_t)k);
		for (size_t i = 0; i < d[k].nms; i++)
			smap_add(r, SC_MS | (uint32_t)k, m[i].name,
			    (uint32_t)(d[k].ms_lo + i));
	}
	for (size_t k = 0; k < r->comps.n; k++) {
		const msgent *m = c[k].nms != 0 ?
		    (const msgent *)r->msgs.p + c[k].ms_lo : NULL;

		for (size_t i = 0; i < c[k].nms; i++)
			smap_add(r, SC_GMS | (uint32_t)k, m[i].name,
			    (uint32_t)(c[k].ms_lo + i));
		if (c[k].name.len != ASTR_NONE)
			smap_add(r, SC_ID | SC_COMPS, c[k].name, (uint32_t)k);
		if (c[k].guid.len != ASTR_NONE)
			smap_add(r, SC_GUID | SC_COMPS, c[k].guid, (uint32_t)k);
	}
	r->max_id = 0;
	for (size_t k = 0; k < r->descs.n; k++)
		if (d[k].ids.len != ASTR_NONE && d[k].ids.len > r->max_id)
			r->max_id = d[k].ids.len;
	/* level overrides by descriptor (resolve_overrides() fills desc) */
	tallyi_idmap_clear(&r->ovr_of);
	return TALLY_OK;
}

/* ------------------------------------------------------------------ */
/* Messages (§3.11)                                                    */

/*
 * Arguments are kept after the message id, each as US (0x1f), its length
 * in decimal, ':' and its bytes: the key of a message whose string is not
 * found is exactly that (id and arguments), so no two different argument
 * lists give the same key.
 */
static int
args_encode(reader *r, const tallyi_sv *args, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		char len[24];
		int m = snprintf(len, sizeof(len), "\x1f%zu:", args[k].n);
		tallyi_sv hdr = { len, (size_t)m };
		astr ignored;
		int rc;

		if ((rc = astr_put(r, &hdr, true, &ignored)) ||
		    (rc = astr_put(r, &args[k], true, &ignored)))
			return rc;
	}
	return TALLY_OK;
}

/* Decode what args_encode() wrote at [p, p + n) into r->argv. */
static int
args_decode(reader *r, const char *p, size_t n)
{
	const char *end = p + n;

	r->argv.n = 0;
	while (p < end) {
		tallyi_sv *a;
		size_t len = 0;

		TALLY_ASSERT(*p == '\x1f');
		for (p++; *p != ':'; p++)
			len = len * 10 + (size_t)(*p - '0');
		p++;
		if ((a = tallyi_vec_push(r->mem, &r->argv, sizeof(*a))) == NULL)
			return nomem(r);
		*a = (tallyi_sv){ p, len };
		p += len;
	}
	return TALLY_OK;
}

/*
 * Format @t with @args (§3.11.5): "{n}" is argument n, "{{" and "}}" are
 * literal braces; a placeholder without its argument stays as written.
 * Writes to @out when not NULL; returns the length, or stops counting
 * past @limit (returns more than it).
 */
static size_t
format_into(const char *t, size_t n, const tallyi_sv *args, size_t nargs,
    char *out, size_t limit)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o <= limit;) {
		char c = t[i];
		size_t j = i + 1, idx = 0;

		if ((c == '{' || c == '}') && j < n && t[j] == c) {
			if (out != NULL)
				out[o] = c;
			o++;
			i += 2;
			continue;
		}
		if (c == '{') {
			while (j < n && t[j] >= '0' && t[j] <= '9' &&
			    idx <= nargs)
				idx = idx * 10 + (size_t)(t[j++] - '0');
			if (j > i + 1 && j < n && t[j] == '}' && idx < nargs) {
				if (out != NULL)
					memcpy(out + o, args[idx].p,
					    args[idx].n);
				o += args[idx].n;
				i = j + 1;
				continue;
			}
		}
		if (out != NULL)
			out[o] = c;
		o++;
		i++;
	}
	return o;
}

/*
 * A message at most this many times the bytes of its string and its
 * arguments is formatted; a larger one (a placeholder repeated over a long
 * argument: a few hundred KiB can ask for GiB) is kept as written.
 */
#define FORMAT_GROWTH 4
#define FORMAT_MIN (1u << 20)

/*
 * Format @t with @args into scratch (*len bytes). Return: TALLY_OK,
 * TALLY_ERANGE when the result would be too large (see FORMAT_GROWTH),
 * or the error of running out of memory.
 */
static int
format_message(reader *r, const char *t, size_t n, const tallyi_sv *args,
    size_t nargs, size_t *len)
{
	size_t parts = n, limit, need;

	for (size_t k = 0; k < nargs; k++)
		parts += args[k].n; /* bounded by the input's size */
	limit = parts > FORMAT_MIN / FORMAT_GROWTH ? parts * FORMAT_GROWTH :
	    FORMAT_MIN;
	if ((need = format_into(t, n, args, nargs, NULL, limit)) > limit)
		return TALLY_ERANGE;
	if (scratch_reserve(r, need + 1) != TALLY_OK)
		return nomem(r);
	*len = format_into(t, n, args, nargs, r->scratch, limit);
	return TALLY_OK;
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
	uint64_t pos = at(r, r->js.pos);

	if (pos < r->next_mark)
		return;
	r->next_mark = pos + PROGRESS_EVERY;
	if (r->opt != NULL && r->opt->progress != NULL)
		r->opt->progress(r->opt->progress_arg, pos, r->in->size);
}

/* ------------------------------------------------------------------ */
/* Runs                                                                */

/* The kind of JSON value at pos, for "expected X, found Y". */
static const char *
kind_at(reader *r)
{
	return tallyi_js_kind(&r->js);
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
 * Before an element of a run's array: move the window on when less than
 * TALLYI_WINDOW_AHEAD bytes of it are left. The bytes before pos are
 * checked first, as the window forgets them (invariant 1).
 */
static int
window_on(reader *r)
{
	tallyi_input *in = r->in;
	size_t keep = r->js.pos;
	int rc;

	if (in->fd < 0 || in->eof || in->len - keep >= TALLYI_WINDOW_AHEAD)
		return TALLY_OK;
	if ((rc = utf8_upto(r, keep)) != TALLY_OK)
		return rc;
	if ((rc = tallyi_input_slide(in, keep, r->rep)) != TALLY_OK)
		return rc;
	r->js.buf = in->buf;
	r->js.len = in->len;
	r->js.pos = 0;
	r->utf8_done = 0;
	return TALLY_OK;
}

/*
 * An optional array of objects at pos (null reads as empty), each element
 * handed to @elem with the array's path for its messages. @slide: a run's
 * array, before whose elements a window may move on (window_on()).
 */
static int
read_array(reader *r, const char *path,
    int (*elem)(reader *r, const char *path), bool slide)
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
		if (slide && (rc = window_on(r)) != TALLY_OK)
			return rc;
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

/*
 * Keep a descriptor of component @c (its id interned, or NONE when it has
 * none) and, when @id_out is not NULL, the interned id ("" for none).
 */
static int
desc_put(reader *r, uint32_t c, const tallyi_rule_sv *ru, uint32_t *id_out)
{
	desc *d;
	int rc;

	if (tallyi_vec_reserve(r->mem, &r->descs, r->descs.n + 1, sizeof(*d)))
		return nomem(r);
	d = (desc *)r->descs.p + r->descs.n;
	d->comp = c;
	d->level = ru->level;
	d->id = TALLY_ID_NONE;
	if ((rc = astr_put(r, &ru->id, ru->has_id, &d->ids)) ||
	    (rc = astr_put(r, &ru->guid, ru->has_guid, &d->guid)) ||
	    (rc = msgs_put(r, ru->ms, ru->nms, &d->ms_lo, &d->nms)))
		return rc;
	if (ru->has_id &&
	    (rc = intern(r, TALLY_STR_RULE, ru->id.p, ru->id.n, &d->id)))
		return rc;
	if (id_out != NULL) {
		if (d->id != TALLY_ID_NONE)
			*id_out = d->id;
		else if ((rc = intern_empty(r, TALLY_STR_RULE, id_out)))
			return rc;
	}
	r->descs.n++;
	return TALLY_OK;
}

/*
 * One reportingDescriptor of driver.rules. One without an id is kept (a
 * result may name it by ruleId); a result that needs its id and has none
 * is the error.
 */
static int
read_rule(reader *r, const char *path)
{
	tallyi_span sp;
	tallyi_json_err err;
	tallyi_corr_fields cf;
	tallyi_rule_sv rs;
	const char *p;
	tallyi_sarif_rule *ru;
	comp *driver = r->comps.p;
	int rc;

	if ((rc = frame_object(r, path, r->rules.n, &sp, &p)) != TALLY_OK)
		return rc;
	rc = tallyi_json_rule(r->json, p, sp.len, &rs,
	    r->sink->want_corr ? &cf : NULL, &err);
	if (rc != TALLY_OK)
		return shim_error(r, sp, &err, path, r->rules.n);
	utf8_parsed(r, sp);
	if (!rs.has_id)
		warn(r, at(r, sp.off), "%s[%zu]: no \"id\" (results must "
		    "name this rule by ruleId)", path, r->rules.n);
	if (tallyi_vec_reserve(r->mem, &r->rules, r->rules.n + 1,
	    sizeof(tallyi_sarif_rule)))
		return nomem(r);
	if (r->rules.n == 0)
		driver->desc_lo = r->descs.n;
	ru = (tallyi_sarif_rule *)r->rules.p + r->rules.n;
	if ((rc = desc_put(r, 0, &rs, &ru->id)) != TALLY_OK)
		return rc;
	driver->ndesc = r->rules.n + 1;
	ru->level = rs.level;
	ru->span = at_span(r, sp);
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

/*
 * An object of message strings at pos (driver.globalMessageStrings), kept
 * for the component @c.
 */
static int
read_global_strings(reader *r, const char *path, comp *c)
{
	tallyi_json_err err;
	const tallyi_msgstr *ms;
	tallyi_span sp;
	size_t n;
	const char *p;
	int rc;

	if (tallyi_js_skip(&r->js, &sp.off) != 0)
		return scan_error(r);
	sp.len = r->js.pos - sp.off;
	if ((rc = utf8_upto(r, sp.off)) != TALLY_OK)
		return rc;
	if ((p = padded(r, sp)) == NULL)
		return nomem(r);
	rc = tallyi_json_msgstrings(r->json, p, sp.len, &ms, &n, &err);
	if (rc != TALLY_OK)
		return fail(r, err.code, sp.off + err.off, "%s.globalMessage"
		    "Strings%s%s: %s", path, err.path[0] ? "." : "", err.path,
		    err.msg);
	utf8_parsed(r, sp);
	return msgs_put(r, ms, n, &c->ms_lo, &c->nms);
}

/*
 * Decode the string token @t, just scanned, into the run's arena: the
 * window may move on before it is used.
 */
static int
keep_string(reader *r, const tallyi_jstr *t, astr *out)
{
	tallyi_sv sv;
	int rc;

	/* Invariant 2: check the bytes before decoding them. */
	if ((rc = utf8_upto(r, r->js.pos)) != TALLY_OK)
		return rc;
	if (scratch_reserve(r, t->len + 1) != TALLY_OK)
		return nomem(r);
	sv.p = r->scratch;
	sv.n = tallyi_js_decode(r->js.buf, t, r->scratch, r->scratch_cap);
	return astr_put(r, &sv, true, out);
}

static int
read_driver(reader *r, const char *run_path, uint32_t *tool)
{
	char path[64];
	bool first = true, has[3] = { false, false, false };
	tallyi_jstr key, tok;
	astr str[3];           /* name, version, guid, decoded */
	uint64_t obj_start;
	size_t vstart;
	comp *driver;
	int more, rc;

	snprintf(path, sizeof(path), "%s.tool.driver", run_path);
	obj_start = (tallyi_js_peek(&r->js), at(r, r->js.pos));
	if (want_kind(r, '{', path, "an object") != TALLY_OK ||
	    tallyi_js_obj_begin(&r->js, path) != 0)
		return r->js.err;
	while ((more = tallyi_js_obj_next(&r->js, &first, &key)) == 1) {
		static const char *const names[3] = { "name", "version",
			"guid" };
		size_t mstart = key.off - 1;
		int which = -1;
		tallyi_span *m;

		if (tallyi_js_str_eq(&r->js, &key, "rules")) {
			char rp[80];

			snprintf(rp, sizeof(rp), "%s.rules", path);
			if ((rc = read_array(r, rp, read_rule, true)))
				return rc;
			continue; /* the merge writes its own rules */
		}
		for (int k = 0; k < 3 && which < 0; k++)
			if (tallyi_js_str_eq(&r->js, &key, names[k]))
				which = k;
		if (which >= 0 && !at_null(r)) {
			char what[80];

			snprintf(what, sizeof(what), "%s.%s", path,
			    names[which]);
			if (want_kind(r, '"', what, "a string") != TALLY_OK)
				return r->js.err;
			if (tallyi_js_string(&r->js, &tok) != 0)
				return scan_error(r);
			if ((rc = keep_string(r, &tok, &str[which])))
				return rc;
			has[which] = true;
		} else if (tallyi_js_str_eq(&r->js, &key,
		    "globalMessageStrings") && !at_null(r)) {
			if ((rc = read_global_strings(r, path, r->comps.p)))
				return rc;
		} else if (tallyi_js_skip(&r->js, &vstart) != 0) {
			return scan_error(r);
		}
		/* Every member but "rules", as written, for the merge. */
		if (tallyi_vec_reserve(r->mem, &r->members, r->members.n + 1,
		    sizeof(tallyi_span)))
			return nomem(r);
		m = (tallyi_span *)r->members.p + r->members.n++;
		m->off = (size_t)at(r, mstart);
		m->len = r->js.pos - mstart;
	}
	if (more < 0)
		return scan_error(r);
	if (!has[0])
		warn(r, obj_start, "%s.name: missing or null; the tool's name "
		    "is \"\"", path);

	/* Everything so far checked, as before names were kept. */
	if ((rc = utf8_upto(r, r->js.pos)) != TALLY_OK)
		return rc;
	/* The component's name and guid, for toolComponent refs. */
	driver = r->comps.p;
	driver->name = has[0] ? str[0] : (astr){ 0, ASTR_NONE };
	driver->guid = has[2] ? str[2] : (astr){ 0, ASTR_NONE };
	rc = r->sink->tool(r->sink->ctx, has[0] ? astr_p(r, str[0]) : "",
	    has[0] ? str[0].len : 0, has[1] ? astr_p(r, str[1]) : "",
	    has[1] ? str[1].len : 0, tool);
	if (rc != TALLY_OK)
		return fail_at(r, rc, obj_start, "%s: cannot register the "
		    "tool: %s", path, tally_strerror(rc));
	return TALLY_OK;
}

/* One element of tool.extensions (§3.18.3): a component and its rules. */
static int
read_extension(reader *r, const char *path)
{
	tallyi_json_err err;
	tallyi_comp_sv cs;
	tallyi_span sp;
	size_t idx = r->comps.n - 1;
	const char *p;
	comp *c;
	int rc;

	if ((rc = frame_object(r, path, idx, &sp, &p)) != TALLY_OK)
		return rc;
	if ((rc = tallyi_json_component(r->json, p, sp.len, &cs, &err)))
		return shim_error(r, sp, &err, path, idx);
	utf8_parsed(r, sp);
	if (tallyi_vec_reserve(r->mem, &r->comps, r->comps.n + 1, sizeof(*c)))
		return nomem(r);
	c = (comp *)r->comps.p + r->comps.n;
	memset(c, 0, sizeof(*c));
	c->desc_lo = r->descs.n;
	c->ndesc = cs.nrules;
	if ((rc = astr_put(r, &cs.name, cs.has_name, &c->name)) ||
	    (rc = astr_put(r, &cs.guid, cs.has_guid, &c->guid)) ||
	    (rc = msgs_put(r, cs.gms, cs.ngms, &c->ms_lo, &c->nms)))
		return rc;
	for (size_t k = 0; k < cs.nrules; k++) {
		if (!cs.rules[k].has_id)
			warn(r, at(r, sp.off), "%s[%zu].rules[%zu]: no \"id\" "
			    "(results must name this rule by ruleId)", path,
			    idx, k);
		if ((rc = desc_put(r, (uint32_t)r->comps.n, &cs.rules[k],
		    NULL)) != TALLY_OK)
			return rc;
	}
	r->comps.n++;
	mark(r);
	return TALLY_OK;
}

static int
read_tool(reader *r, const char *run_path, uint32_t *tool)
{
	char path[48];
	bool first = true, has_driver = false;
	tallyi_jstr key;
	uint64_t obj_start;
	size_t vstart;
	int more;

	snprintf(path, sizeof(path), "%s.tool", run_path);
	obj_start = (tallyi_js_peek(&r->js), at(r, r->js.pos));
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
		} else if (tallyi_js_str_eq(&r->js, &key, "extensions")) {
			char ep[64];
			int rc;

			snprintf(ep, sizeof(ep), "%s.extensions", path);
			r->extensions.off = (tallyi_js_peek(&r->js),
			    (size_t)at(r, r->js.pos));
			if ((rc = read_array(r, ep, read_extension, true)))
				return rc;
			r->extensions.len = (size_t)at(r, r->js.pos) -
			    r->extensions.off;
		} else if (tallyi_js_skip(&r->js, &vstart) != 0) {
			return scan_error(r);
		}
	}
	if (more < 0)
		return scan_error(r);
	if (!has_driver)
		return fail_at(r, TALLY_EFORMAT_MISSING, obj_start,
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

/*
 * The message of @sr as far as the result alone decides it: its text
 * (formatted with its arguments), or "" when it has neither text nor id.
 * A message.id is looked up when the run ends: *ext gets the id and the
 * encoded arguments, and x->v.message stays NONE.
 */
static int
result_message(reader *r, const tallyi_sarif_result *sr, tallyi_sarif_res *x,
    res_ext *ext, bool *need_ext)
{
	size_t n;
	int rc;

	if (sr->has & TALLYI_R_MSG_TEXT) {
		/* §3.11.5: with arguments the text is a format ("{{" is "{"),
		 * even when there are none; without, it is as written */
		if (!(sr->has & TALLYI_R_ARGS))
			return intern(r, TALLY_STR_MESSAGE, sr->msg_text.p,
			    sr->msg_text.n, &x->v.message);
		rc = format_message(r, sr->msg_text.p, sr->msg_text.n,
		    sr->args, sr->nargs, &n);
		if (rc == TALLY_ERANGE) {
			warn(r, x->span.off, "runs[%zu].results[%zu].message: "
			    "formatted, it would be over %d times the size of "
			    "its text and arguments; kept as written",
			    r->run_index, r->res.n, FORMAT_GROWTH);
			return intern(r, TALLY_STR_MESSAGE, sr->msg_text.p,
			    sr->msg_text.n, &x->v.message);
		}
		if (rc != TALLY_OK)
			return rc;
		return intern(r, TALLY_STR_MESSAGE, r->scratch, n,
		    &x->v.message);
	}
	if (sr->has & TALLYI_R_MSG_ID) {
		astr end;
		tallyi_sv none = { "", 0 };

		if ((rc = astr_put(r, &sr->msg_id, true, &ext->msg)) ||
		    (rc = args_encode(r, sr->args, sr->nargs)) ||
		    (rc = astr_put(r, &none, true, &end)))
			return rc;
		ext->id_len = ext->msg.len;
		ext->msg.len = end.off - ext->msg.off;
		*need_ext = true;
		return TALLY_OK;
	}
	if (!(sr->has & TALLYI_R_MESSAGE))
		warn(r, x->span.off, "runs[%zu].results[%zu]: no \"message\" "
		    "(§3.27.11 requires one); its message is \"\"",
		    r->run_index, r->res.n);
	return intern_empty(r, TALLY_STR_MESSAGE, &x->v.message);
}

/* One result: parse it with simdjson and keep its ids. */
static int
read_result(reader *r, const char *path)
{
	tallyi_sarif_result sr;
	tallyi_corr_fields cf;
	tallyi_json_err err;
	tallyi_span sp;
	res_ext ext;
	bool need_ext;
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
	x->span = at_span(r, sp);
	x->v.flags = 0;
	x->ext_rule = 0;
	x->v.rule = TALLY_ID_NONE;
	x->v.file = TALLY_ID_NONE;
	x->v.message = TALLY_ID_NONE;
	x->has_ext = 0;
	/* A rule object that names a component, or a descriptor by guid,
	 * is resolved when the run ends, like an invocation. */
	need_ext = (sr.rule.has & (TALLYI_REF_TC_INDEX | TALLYI_REF_TC_GUID |
	    TALLYI_REF_TC_NAME | TALLYI_REF_GUID)) ||
	    (sr.has & TALLYI_R_INVOCATION);
	ext.ref.has = 0;
	ext.ref.guid.len = ASTR_NONE;
	ext.msg.len = ASTR_NONE;
	ext.id_len = 0;
	if (need_ext && (rc = ref_put(r, &sr.rule, &ext.ref)) != TALLY_OK)
		return rc;
	ext.invocation = (sr.has & TALLYI_R_INVOCATION) ? sr.invocation : -1;
	/* The rule: ruleId, else rule.id, else (later) its descriptor's. */
	rc = TALLY_OK;
	if (sr.has & TALLYI_R_RULE_ID)
		rc = intern(r, TALLY_STR_RULE, sr.rule_id.p, sr.rule_id.n,
		    &x->v.rule);
	else if (sr.rule.has & TALLYI_REF_ID)
		rc = intern(r, TALLY_STR_RULE, sr.rule.id.p, sr.rule.id.n,
		    &x->v.rule);
	if (rc != TALLY_OK)
		return rc;
	if ((sr.has & TALLYI_R_URI) &&
	    (rc = intern_uri(r, &sr.uri, &x->v.file)))
		return rc;
	if ((rc = result_message(r, &sr, x, &ext, &need_ext)) != TALLY_OK)
		return rc;
	if (need_ext) {
		res_ext *e = tallyi_vec_push(r->mem, &r->exts, sizeof(*e));

		if (e == NULL)
			return nomem(r);
		*e = ext;
		x->has_ext = 1;
	}
	x->v.line = (sr.has & TALLYI_R_LINE) ? (uint32_t)sr.line : 0;
	x->v.column = (sr.has & TALLYI_R_COLUMN) ? (uint32_t)sr.column : 0;
	x->v.offset = (sr.has & TALLYI_R_CHAR_OFFSET) ? sr.char_offset :
	    (sr.has & TALLYI_R_BYTE_OFFSET) ? sr.byte_offset : 0;
	/* rule.index, else ruleIndex (§3.27.6: the same meaning) */
	x->rule_index = (sr.rule.has & TALLYI_REF_INDEX) ? sr.rule.index :
	    (sr.has & TALLYI_R_RULE_INDEX) ? sr.rule_index : -1;
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
	x->supp = sr.supp & 3u;
	x->baseline = (unsigned)(sr.baseline + 1) & 7u;
	if (sr.supp == TALLYI_SUPP_ACCEPTED && !r->include_suppressed)
		x->v.flags = TALLY_VIOLATION_SUPPRESSED;
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
	((tallyi_span *)r->art_span.p)[r->art_span.n++] = at_span(r, sp);
	mark(r);
	return TALLY_OK;
}

/* One invocation of run.invocations: its level overrides (§3.20.5). */
static int
read_invocation(reader *r, const char *path)
{
	const tallyi_override_sv *ov;
	tallyi_json_err err;
	tallyi_span sp;
	size_t n;
	const char *p;
	int rc;

	if ((rc = frame_object(r, path, r->ninvocations, &sp, &p)))
		return rc;
	if ((rc = tallyi_json_invocation(r->json, p, sp.len, &ov, &n, &err)))
		return shim_error(r, sp, &err, path, r->ninvocations);
	utf8_parsed(r, sp);
	if (tallyi_vec_reserve(r->mem, &r->ovrs, r->ovrs.n + n, sizeof(ovr)))
		return nomem(r);
	for (size_t k = 0; k < n; k++) {
		ovr *o = (ovr *)r->ovrs.p + r->ovrs.n;

		o->inv = (uint32_t)r->ninvocations;
		o->level = ov[k].level;
		o->desc = TALLY_ID_NONE;
		if ((rc = ref_put(r, &ov[k].desc, &o->ref)) != TALLY_OK)
			return rc;
		r->ovrs.n++;
	}
	r->ninvocations++;
	mark(r);
	return TALLY_OK;
}

/*
 * The component a reference's toolComponent names (§3.54.2): index into
 * tool.extensions, else guid, else name (the spec looks up by index and
 * guid only; a name is the last resort of a log that gives nothing else),
 * else the driver. -1 when it names none there is.
 */
static int64_t
ref_comp(const reader *r, const ref_s *ref)
{
	uint32_t k;

	if (ref->has & TALLYI_REF_TC_INDEX)
		return (uint64_t)ref->tc_index < r->comps.n - 1 ?
		    ref->tc_index + 1 : -1;
	if (ref->has & TALLYI_REF_TC_GUID)
		k = smap_get(r, SC_GUID | SC_COMPS, astr_p(r, ref->tc_guid),
		    ref->tc_guid.len);
	else if (ref->has & TALLYI_REF_TC_NAME)
		k = smap_get(r, SC_ID | SC_COMPS, astr_p(r, ref->tc_name),
		    ref->tc_name.len);
	else
		return 0;
	return k != TALLY_ID_NONE ? (int64_t)k : -1;
}

/*
 * The descriptor of component @ci (§3.52.3): at @index, else with @guid,
 * else with the id [id, id + n), else, with @hier, with its longest prefix
 * that ends before a '/' (a hierarchical id, §3.27.5; PREFIX_TRIES at
 * most). *bad is set for an index out of range. Return: the descriptor,
 * or TALLY_ID_NONE.
 */
static uint32_t
find_desc(const reader *r, uint32_t ci, int64_t index, const astr *guid,
    const char *id, size_t n, bool hier, bool *bad)
{
	const comp *c = (const comp *)r->comps.p + ci;
	uint32_t d;
	int tries = PREFIX_TRIES;

	if (index >= 0) {
		if ((uint64_t)index < c->ndesc)
			return (uint32_t)(c->desc_lo + (uint64_t)index);
		*bad = true;
	}
	if (guid != NULL && guid->len != ASTR_NONE &&
	    (d = smap_get(r, SC_GUID | ci, astr_p(r, *guid), guid->len)) !=
	    TALLY_ID_NONE)
		return d;
	while (id != NULL && tries > 0) {
		/* no descriptor id is longer than max_id: nothing to hash */
		if (n <= r->max_id && (tries--, d = smap_get(r, SC_ID | ci, id,
		    n)) != TALLY_ID_NONE)
			return d;
		if (!hier)
			break;
		while (n > 0 && id[n - 1] != '/')
			n--;
		if (n-- == 0)
			break;
	}
	return TALLY_ID_NONE;
}

/* The key of (invocation, descriptor) in ovr_of (checked on lookup). */
static uint32_t
ovr_key(uint32_t inv, uint32_t d)
{
	return (d * 0x9e3779b1u) ^ (inv * 0x85ebca6bu);
}

/* The first override of invocation @inv for descriptor @d, or NONE. */
static uint32_t
ovr_find(const reader *r, uint32_t inv, uint32_t d)
{
	const ovr *o = r->ovrs.p;
	size_t pos = 0;
	uint32_t i;

	while (tallyi_idmap_next(&r->ovr_of, ovr_key(inv, d), &pos, &i))
		if (o[i].inv == inv && o[i].desc == d)
			return i;
	return TALLY_ID_NONE;
}

/*
 * Resolve what every level override's descriptor reference names, and
 * index the first of each (invocation, descriptor): the one that counts.
 */
static int
resolve_overrides(reader *r)
{
	for (size_t k = 0; k < r->ovrs.n; k++) {
		ovr *o = (ovr *)r->ovrs.p + k;
		int64_t ci = ref_comp(r, &o->ref);
		bool bad = false;

		/* a reference names its descriptor exactly (§3.52.4) */
		if (ci >= 0)
			o->desc = find_desc(r, (uint32_t)ci, o->ref.index,
			    &o->ref.guid, (o->ref.has & TALLYI_REF_ID) ?
			    astr_p(r, o->ref.id) : NULL, o->ref.id.len, false,
			    &bad);
		if (o->desc != TALLY_ID_NONE && ovr_find(r, o->inv, o->desc) ==
		    TALLY_ID_NONE && tallyi_idmap_add(r->mem, &r->ovr_of,
		    ovr_key(o->inv, o->desc), (uint32_t)k) != TALLY_OK)
			return nomem(r);
	}
	return TALLY_OK;
}

/*
 * §3.27.10 for a result whose level is not its own: the override of its
 * invocation for descriptor @d, else the descriptor's default, else
 * "warning".
 */
static uint8_t
result_level(reader *r, const res_ext *e, uint32_t d)
{
	const ovr *o = r->ovrs.p;
	int64_t inv = e != NULL && e->invocation >= 0 ? e->invocation :
	    r->ninvocations == 1 ? 0 : -1;

	uint32_t i;

	if (d == TALLY_ID_NONE)
		return TALLY_LEVEL_WARNING;
	if (inv >= 0 && (uint64_t)inv < r->ninvocations &&
	    (i = ovr_find(r, (uint32_t)inv, d)) != TALLY_ID_NONE)
		return (uint8_t)o[i].level;
	return ((const desc *)r->descs.p)[d].level >= 0 ?
	    (uint8_t)((const desc *)r->descs.p)[d].level : TALLY_LEVEL_WARNING;
}

/*
 * The message of an id whose string is not found: the id and the encoded
 * arguments (@key, @n bytes, the id its first @id_len). An id that is
 * empty or holds a 0x1f is itself encoded first, so that no id and
 * argument list reads as another.
 */
static int
message_key(reader *r, const char *key, size_t id_len, size_t n,
    uint32_t *id)
{
	char hdr[24];
	int h;

	if (id_len != 0 && memchr(key, '\x1f', id_len) == NULL)
		return intern(r, TALLY_STR_MESSAGE, key, n, id);
	h = snprintf(hdr, sizeof(hdr), "\x1f%zu:", id_len);
	if (scratch_reserve(r, (size_t)h + n) != TALLY_OK)
		return nomem(r);
	memcpy(r->scratch, hdr, (size_t)h);
	memcpy(r->scratch + h, key, n);
	return intern(r, TALLY_STR_MESSAGE, r->scratch, (size_t)h + n, id);
}

/*
 * A message given by id (§3.11.7): the descriptor's messageStrings, then
 * its component's globalMessageStrings, formatted with the arguments;
 * when neither has it, the id and the encoded arguments.
 */
static int
result_message_id(reader *r, const res_ext *e, uint32_t d, int64_t ci,
    uint32_t *id)
{
	const char *key = astr_p(r, e->msg);
	uint32_t m = TALLY_ID_NONE;
	size_t n;
	int rc;

	if (d != TALLY_ID_NONE) {
		m = smap_get(r, SC_MS | d, key, e->id_len);
		ci = ((const desc *)r->descs.p)[d].comp;
	}
	if (m == TALLY_ID_NONE && ci >= 0)
		m = smap_get(r, SC_GMS | (uint32_t)ci, key, e->id_len);
	if (m == TALLY_ID_NONE)
		return message_key(r, key, e->id_len, e->msg.len, id);
	if ((rc = args_decode(r, key + e->id_len, e->msg.len - e->id_len)))
		return rc;
	rc = format_message(r, astr_p(r, ((msgent *)r->msgs.p)[m].text),
	    ((msgent *)r->msgs.p)[m].text.len, r->argv.p, r->argv.n, &n);
	if (rc == TALLY_ERANGE) {
		warn(r, UINT64_MAX, "a message string with its arguments would "
		    "be over %d times their size; the message is its id and "
		    "arguments", FORMAT_GROWTH);
		return message_key(r, key, e->id_len, e->msg.len, id);
	}
	if (rc != TALLY_OK)
		return rc;
	return intern(r, TALLY_STR_MESSAGE, r->scratch, n, id);
}

/*
 * The descriptor of result @k and its rule id when the result names none.
 * An index out of range is a warning when an id names the rule, else an
 * error, as is a descriptor without an id that only an index points to.
 */
static int
result_rule(reader *r, size_t k, const res_ext *e, const char *run_path,
    uint32_t *d, int64_t *ci)
{
	tallyi_sarif_res *x = (tallyi_sarif_res *)r->res.p + k;
	const char *id = NULL;
	size_t n = 0;
	bool bad = false, guid_bad;
	uint32_t named;

	*d = TALLY_ID_NONE;
	*ci = e != NULL ? ref_comp(r, &e->ref) : 0;
	if (e == NULL && x->v.rule != TALLY_ID_NONE &&
	    x->v.level != TALLYI_LEVEL_UNSET && !r->sink->want_corr) {
		/*
		 * Named, with its own level and message (the result needs
		 * nothing of its descriptor): only an index that points
		 * nowhere is worth a word. Most real results are these.
		 */
		const comp *c = r->comps.p;

		if (x->rule_index < 0)
			return TALLY_OK;
		if ((uint64_t)x->rule_index < c->ndesc) {
			*d = (uint32_t)(c->desc_lo + (uint64_t)x->rule_index);
			return TALLY_OK;
		}
	}
	if (*ci == 0 && x->rule_index < 0 && e == NULL &&
	    x->v.rule != TALLY_ID_NONE) {
		/* the common case, a driver's rule by id: once per id */
		int64_t m = tallyi_idmap_get(&r->by_id, x->v.rule);

		if (m >= 0) {
			*d = m < (int64_t)r->descs.n ? (uint32_t)m :
			    TALLY_ID_NONE;
			return TALLY_OK;
		}
	}
	if (x->v.rule != TALLY_ID_NONE)
		id = r->sink->lookup(r->sink->ctx, TALLY_STR_RULE, x->v.rule,
		    &n);
	if (*ci >= 0)
		*d = find_desc(r, (uint32_t)*ci, x->rule_index, e != NULL ?
		    &e->ref.guid : NULL, id, n, true, &bad);
	if (*ci == 0 && x->rule_index < 0 && e == NULL &&
	    x->v.rule != TALLY_ID_NONE) {
		uint32_t ignored;

		if (tallyi_idmap_put(r->mem, &r->by_id, x->v.rule,
		    *d != TALLY_ID_NONE ? *d : (uint32_t)r->descs.n,
		    &ignored) != TALLY_OK)
			return nomem(r);
	}
	guid_bad = *ci >= 0 && *d == TALLY_ID_NONE && e != NULL &&
	    (e->ref.has & TALLYI_REF_GUID);
	/* The rule's id: its own, else its descriptor's (none: NONE). */
	named = x->v.rule != TALLY_ID_NONE ? x->v.rule :
	    *d != TALLY_ID_NONE ? ((const desc *)r->descs.p)[*d].id :
	    TALLY_ID_NONE;
	if (*ci < 0 || bad || guid_bad) {
		const comp *c = (const comp *)r->comps.p + (*ci < 0 ? 0 : *ci);
		char what[160];

		if (*ci < 0)
			snprintf(what, sizeof(what), "rule.toolComponent "
			    "names no component of the tool");
		else if (!bad)
			snprintf(what, sizeof(what), "rule.guid names no rule "
			    "of %s", *ci == 0 ? "the driver" : "the extension");
		else
			snprintf(what, sizeof(what), "%s: %lld is out of "
			    "range (%s has %zu rule%s)", e != NULL &&
			    (e->ref.has & TALLYI_REF_INDEX) ? "rule.index" :
			    "ruleIndex", (long long)x->rule_index, *ci == 0 ?
			    "the driver" : "the extension", c->ndesc,
			    c->ndesc == 1 ? "" : "s");
		/* an error only when nothing is left to name the rule */
		if (named == TALLY_ID_NONE)
			return fail_at(r, TALLY_EFORMAT_VALUE, x->span.off,
			    "%s.results[%zu].%s, and no ruleId names the rule",
			    run_path, k, what);
		warn(r, x->span.off, "%s.results[%zu].%s; the rule is named "
		    "by %s", run_path, k, what, x->v.rule != TALLY_ID_NONE ?
		    "its id" : "the rule its guid finds");
	}
	if (x->v.rule != TALLY_ID_NONE)
		return TALLY_OK;
	if (*d == TALLY_ID_NONE)
		return intern_empty(r, TALLY_STR_RULE, &x->v.rule);
	if ((x->v.rule = named) == TALLY_ID_NONE)
		return fail_at(r, TALLY_EFORMAT_MISSING, x->span.off,
		    "%s.results[%zu]: its rule has no \"id\" and the result no "
		    "ruleId: nothing names the rule", run_path, k);
	return TALLY_OK;
}

/* Apply the definitions to every result of the finished run, in place. */
static int
resolve_run(reader *r, uint32_t tool, const char *run_path)
{
	tallyi_sarif_res *res = r->res.p;
	const uint32_t *arts = r->arts.p;
	const comp *driver = r->comps.p;
	int rc;

	if ((rc = smap_build(r)) != TALLY_OK)
		return rc;
	if ((rc = resolve_overrides(r)) != TALLY_OK)
		return rc;
	for (size_t k = 0, next_ext = 0; k < r->res.n; k++) {
		tally_violation *v = &res[k].v;
		const res_ext *e = res[k].has_ext ?
		    (const res_ext *)r->exts.p + next_ext++ : NULL;
		int64_t ai = res[k].art_index, ci;
		uint32_t d;

		if ((rc = result_rule(r, k, e, run_path, &d, &ci)) != TALLY_OK)
			return rc;
		if (e != NULL && e->invocation >= 0 &&
		    (uint64_t)e->invocation >= r->ninvocations)
			warn(r, res[k].span.off, "%s.results[%zu].provenance."
			    "invocationIndex: %lld is out of range (the run has "
			    "%zu invocations)", run_path, k,
			    (long long)e->invocation, r->ninvocations);
		res[k].ext_rule = ci != 0;
		if (v->level == TALLYI_LEVEL_UNSET)
			v->level = result_level(r, e, d);
		if (v->message == TALLY_ID_NONE &&
		    (rc = result_message_id(r, e, d, ci, &v->message)))
			return rc;
		if (v->file == TALLY_ID_NONE && ai >= 0) {
			if ((uint64_t)ai >= r->arts.n)
				return fail_at(r, TALLY_EFORMAT_VALUE,
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
		/* From here on: the rule's index among the driver's rules. */
		res[k].rule_index = d != TALLY_ID_NONE &&
		    ((const desc *)r->descs.p)[d].comp == 0 ?
		    (int64_t)(d - driver->desc_lo) : -1;
		if (r->sink->want_corr && res[k].rule_index >= 0)
			cats_merge(&((tallyi_corr_res *)r->cres.p)[k].cats,
			    &((tallyi_cats *)r->rcats.p)[res[k].rule_index]);
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
	r->arena.n = r->descs.n = r->msgs.n = r->exts.n = r->ovrs.n = 0;
	r->ninvocations = 0;
	r->extensions = (tallyi_span){ 0, 0 };
	/* the driver is component 0 before it is read: tool may come last */
	memset(r->comps.p, 0, sizeof(comp));
	((comp *)r->comps.p)->name.len = ASTR_NONE;
	((comp *)r->comps.p)->guid.len = ASTR_NONE;
	r->comps.n = 1;
}

static int
read_run(reader *r)
{
	char path[32];
	bool first = true, has_tool = false, seen_results = false;
	bool seen_arts = false;
	tallyi_span column_kind = { 0, 0 }, base_ids = { 0, 0 };
	tallyi_span invocations = { 0, 0 }, automation = { 0, 0 }, sp;
	tallyi_sarif_run run;
	tallyi_jstr key;
	uint32_t tool = 0;
	uint64_t obj_start;
	size_t vstart;
	int more, rc;

	snprintf(path, sizeof(path), "runs[%zu]", r->run_index);
	run_reset(r);
	obj_start = (tallyi_js_peek(&r->js), at(r, r->js.pos));
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
			else if ((rc = read_array(r, ap, read_result, true)))
				return rc;
			seen_results = true;
		} else if (tallyi_js_str_eq(&r->js, &key, "invocations")) {
			char ap[48];

			snprintf(ap, sizeof(ap), "%s.invocations", path);
			invocations.off = (tallyi_js_peek(&r->js),
			    (size_t)at(r, r->js.pos));
			if ((rc = read_array(r, ap, read_invocation, true)))
				return rc;
			invocations.len = (size_t)at(r, r->js.pos) -
			    invocations.off;
		} else if (tallyi_js_str_eq(&r->js, &key, "artifacts")) {
			char ap[48];

			snprintf(ap, sizeof(ap), "%s.artifacts", path);
			if (seen_arts)
				dup = "artifacts";
			else if ((rc = read_array(r, ap, read_artifact, true)))
				return rc;
			seen_arts = true;
		} else {
			bool ck = tallyi_js_str_eq(&r->js, &key, "columnKind");
			bool ub = !ck && tallyi_js_str_eq(&r->js, &key,
			    "originalUriBaseIds");
			bool ad = !ck && !ub && tallyi_js_str_eq(&r->js, &key,
			    "automationDetails");

			if (tallyi_js_skip(&r->js, &vstart) != 0)
				return scan_error(r);
			sp = (tallyi_span){ vstart, r->js.pos - vstart };
			if (ck)
				column_kind = at_span(r, sp);
			else if (ub)
				base_ids = at_span(r, sp);
			else if (ad)
				automation = at_span(r, sp);
			if (ub && r->sink->want_corr &&
			    (rc = read_base_ids(r, sp)) != TALLY_OK)
				return rc;
		}
		if (dup != NULL)
			return fail(r, TALLY_EFORMAT_VALUE, key.off - 1,
			    "%s: property \"%s\" appears twice", path, dup);
	}
	if (more < 0)
		return scan_error(r);
	if (!has_tool)
		return fail_at(r, TALLY_EFORMAT_MISSING, obj_start,
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
	run.extensions = r->extensions;
	run.invocations = invocations;
	run.automation = automation;
	run.self_contained = r->comps.n > 1 || r->ovrs.n > 0 || r->msgs.n > 0;
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

	/* RFC 8259 §8.1: a parser may ignore a leading byte order mark. */
	if (r->in->len >= 3 && memcmp(r->in->buf, "\xef\xbb\xbf", 3) == 0) {
		r->js.pos = r->utf8_done = 3;
		warn(r, 0, "a UTF-8 byte order mark starts the log; ignored");
	}
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
			if (at_null(r)) {
				/* §3.13.4: the tool failed before any run */
				warn(r, at(r, r->js.pos), "\"runs\" is null: "
				    "the producer failed to start a run "
				    "(§3.13.4); no results");
				if (tallyi_js_skip(&r->js, &vstart) != 0)
					return scan_error(r);
				continue;
			}
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
	r.next_mark = PROGRESS_EVERY;
	r.warn = TALLYI_OPT(opt, warning, NULL);
	r.warn_arg = TALLYI_OPT(opt, warning_arg, NULL);
	r.include_suppressed = TALLYI_OPT(opt, include_suppressed, false);
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++)
		r.empty[k] = TALLY_ID_NONE;
	tallyi_js_init(&r.js, in->buf, in->len);
	if (rep != NULL) {
		memset(rep, 0, sizeof(*rep));
		rep->bytes = in->source_size != 0 ? in->source_size :
		    in->size;
		rep->error.offset = UINT64_MAX;
	}
	r.json = tallyi_json_new();
	r.icache = tallyi_alloc(r.mem, sizeof(icache_ent) * ICACHE_SIZE *
	    TALLY_STR_KIND_COUNT);
	if (r.json == NULL || r.icache == NULL ||
	    tallyi_vec_reserve(r.mem, &r.comps, 1, sizeof(comp))) {
		tallyi_json_free(r.json);
		tallyi_free(r.mem, r.icache, sizeof(icache_ent) * ICACHE_SIZE *
		    TALLY_STR_KIND_COUNT);
		tallyi_vec_free(r.mem, &r.comps, sizeof(comp));
		tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory");
		return TALLY_ENOMEM;
	}
	/* len UINT32_MAX never matches a real string: all slots start empty. */
	for (size_t k = 0; k < ICACHE_SIZE * TALLY_STR_KIND_COUNT; k++)
		r.icache[k] = (icache_ent){ 0, 0, UINT32_MAX };
	rc = read_log(&r);
	if (rc == TALLY_OK)
		rc = tallyi_input_finish(in, rep);
	if (r.warnings > TALLYI_WARN_MAX && r.warn != NULL) {
		char msg[96];

		snprintf(msg, sizeof(msg), "%llu more warnings like these",
		    (unsigned long long)(r.warnings - TALLYI_WARN_MAX));
		r.warn(r.warn_arg, UINT64_MAX, msg);
	}
	if (rep != NULL) {
		rep->warnings = r.warnings;
		rep->runs = r.runs;
		rep->results = rc == TALLY_OK ? r.results : 0;
	}
	if (rc == TALLY_OK && opt != NULL && opt->progress != NULL)
		opt->progress(opt->progress_arg, in->size, in->size);
	tallyi_json_free(r.json);
	tallyi_vec_free(r.mem, &r.res, sizeof(tallyi_sarif_res));
	tallyi_vec_free(r.mem, &r.rules, sizeof(tallyi_sarif_rule));
	tallyi_vec_free(r.mem, &r.arts, sizeof(uint32_t));
	tallyi_vec_free(r.mem, &r.art_span, sizeof(tallyi_span));
	tallyi_vec_free(r.mem, &r.members, sizeof(tallyi_span));
	tallyi_vec_free(r.mem, &r.cres, sizeof(tallyi_corr_res));
	tallyi_vec_free(r.mem, &r.rcats, sizeof(tallyi_cats));
	tallyi_vec_free(r.mem, &r.bases, sizeof(tallyi_base_id));
	tallyi_vec_free(r.mem, &r.arena, 1);
	tallyi_vec_free(r.mem, &r.comps, sizeof(comp));
	tallyi_vec_free(r.mem, &r.descs, sizeof(desc));
	tallyi_vec_free(r.mem, &r.msgs, sizeof(msgent));
	tallyi_vec_free(r.mem, &r.exts, sizeof(res_ext));
	tallyi_vec_free(r.mem, &r.ovrs, sizeof(ovr));
	tallyi_vec_free(r.mem, &r.argv, sizeof(tallyi_sv));
	tallyi_free(r.mem, r.map, r.map_cap * sizeof(smap_ent));
	tallyi_idmap_free(r.mem, &r.by_id);
	tallyi_idmap_free(r.mem, &r.ovr_of);
	tallyi_free(r.mem, r.scratch, r.scratch_cap);
	tallyi_free(r.mem, r.icache, sizeof(icache_ent) * ICACHE_SIZE *
	    TALLY_STR_KIND_COUNT);
	return rc;
}
