/*
 * formats/part.c - exact partial aggregates (tally/part.h): building a
 * part from inputs, writing it, and reading one back as an input.
 *
 * A part interns its strings in an engine of its own that never counts
 * anything (the reader's sink stages each good input's results here
 * instead of submitting them: sarif_ingest.c), and keeps its rows in
 * first-read order with an open-addressing index over them. Two results
 * are one row when everything the part keeps of them is equal.
 *
 * Reading a part (decode.c, as the format "tally-part") turns it into
 * SARIF like every other format: one run per tool, each row written as
 * many times as its multiplicity, with its suppression status and
 * baselineState, so that summary, merge and diff read it as they read a
 * log and count what the original inputs gave.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "engine/alloc.h"
#include "engine/outfile.h"
#include "formats/native.h"
#include "formats/sarif_internal.h"
#include "tally/engine.h"
#include "tally/part.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#define PART_MAGIC "TALLYPT1"
#define PART_HEADER 40u
#define PART_ZSTD_LEVEL 9
#define ABSENT UINT32_MAX /* a string index or length: none */

/* One unique result and how often it came. */
typedef struct prow {
	tally_violation v;
	uint8_t supp;     /* TALLYI_SUPP_* */
	uint8_t baseline; /* a tally_baseline + 1; 0 when absent */
	uint64_t count;
	uint32_t cwe;     /* 0: none */
} prow;

struct tally_part {
	tallyi_mem mem;
	tally_engine *e;  /* interning only: nothing is submitted */
	tallyi_vec rows;  /* prow */
	uint32_t *tab;    /* row index + 1; 0 = empty */
	size_t tcap;
	uint64_t results; /* the rows' counts summed */
};

int
tally_part_create(tally_part **out, const tally_allocator *alloc)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tallyi_mem mem;
	tally_part *p;
	int rc;

	if (out == NULL)
		return TALLY_EINVAL;
	if ((rc = tallyi_mem_init(&mem, alloc)) != TALLY_OK)
		return rc;
	if ((p = tallyi_zalloc(&mem, sizeof(*p))) == NULL) {
		tallyi_mem_fini(&mem);
		return TALLY_ENOMEM;
	}
	p->mem = mem;
	cfg.workers = 1;
	cfg.allocator = alloc;
	if ((rc = tally_engine_create(&p->e, &cfg)) != TALLY_OK) {
		tally_part_destroy(p);
		return rc;
	}
	*out = p;
	return TALLY_OK;
}

void
tally_part_destroy(tally_part *p)
{
	tallyi_mem mem;

	if (p == NULL)
		return;
	mem = p->mem;
	tally_engine_destroy(p->e);
	tallyi_vec_free(&mem, &p->rows, sizeof(prow));
	tallyi_free(&mem, p->tab, p->tcap * sizeof(*p->tab));
	tallyi_free(&mem, p, sizeof(*p));
	tallyi_mem_fini(&mem);
}

static uint64_t
row_hash(const tallyi_part_ent *x)
{
	const tally_violation *v = &x->v;
	unsigned char b[40];

	memcpy(b, &v->tool, 4);
	memcpy(b + 4, &v->rule, 4);
	memcpy(b + 8, &v->file, 4);
	memcpy(b + 12, &v->message, 4);
	memcpy(b + 16, &v->line, 4);
	memcpy(b + 20, &v->column, 4);
	memcpy(b + 24, &v->offset, 8);
	b[32] = v->level;
	b[33] = v->flags;
	b[34] = x->supp;
	b[35] = x->baseline;
	memcpy(b + 36, &x->cwe, 4);
	return XXH3_64bits(b, 40);
}

static bool
row_equal(const prow *r, const tallyi_part_ent *x)
{
	const tally_violation *a = &r->v, *b = &x->v;

	return a->tool == b->tool && a->rule == b->rule &&
	    a->file == b->file && a->message == b->message &&
	    a->line == b->line && a->column == b->column &&
	    a->offset == b->offset && a->level == b->level &&
	    a->flags == b->flags && r->supp == x->supp &&
	    r->baseline == x->baseline && r->cwe == x->cwe;
}

/* Room in the index for @more rows at a load of at most one half. */
static int
index_reserve(tally_part *p, size_t more)
{
	size_t need = (p->rows.n + more) * 2, cap = p->tcap ? p->tcap : 1024;
	const prow *r = p->rows.p;
	uint32_t *tab;

	if (p->rows.n + more >= UINT32_MAX / 2)
		return TALLY_ENOMEM;
	while (cap < need)
		cap *= 2;
	if (cap == p->tcap)
		return TALLY_OK;
	if ((tab = tallyi_zalloc(&p->mem, cap * sizeof(*tab))) == NULL)
		return TALLY_ENOMEM;
	for (size_t k = 0; k < p->rows.n; k++) {
		tallyi_part_ent x = { r[k].v, r[k].supp, r[k].baseline, 0,
			r[k].cwe };
		size_t i = row_hash(&x) & (cap - 1);

		while (tab[i] != 0)
			i = (i + 1) & (cap - 1);
		tab[i] = (uint32_t)k + 1;
	}
	tallyi_free(&p->mem, p->tab, p->tcap * sizeof(*p->tab));
	p->tab = tab;
	p->tcap = cap;
	return TALLY_OK;
}

/*
 * Add the staged results of one good input (tallyi_part_ent). Memory is
 * reserved first, so an input is added whole or not at all.
 */
int
tallyi_part_commit(tally_part *p, const tallyi_vec *staged)
{
	const tallyi_part_ent *x = staged->p;
	uint64_t more = 0;
	int rc;

	if ((rc = index_reserve(p, staged->n)) != TALLY_OK ||
	    (rc = tallyi_vec_reserve(&p->mem, &p->rows, p->rows.n +
	    staged->n, sizeof(prow))) != TALLY_OK)
		return rc;
	/* counts are checked as input (part_open()), yet parts add up */
	for (size_t k = 0; k < staged->n; k++)
		if (__builtin_add_overflow(more, x[k].count, &more))
			return TALLY_ERANGE;
	if (p->results + more < p->results)
		return TALLY_ERANGE;
	for (size_t k = 0; k < staged->n; k++) {
		size_t i = row_hash(&x[k]) & (p->tcap - 1);
		prow *r = p->rows.p;

		p->results += x[k].count;
		for (; p->tab[i] != 0; i = (i + 1) & (p->tcap - 1))
			if (row_equal(&r[p->tab[i] - 1], &x[k]))
				break;
		if (p->tab[i] != 0) {
			r[p->tab[i] - 1].count += x[k].count;
			continue;
		}
		r[p->rows.n] = (prow){ x[k].v, x[k].supp, x[k].baseline,
			x[k].count, x[k].cwe };
		p->tab[i] = (uint32_t)++p->rows.n;
	}
	return TALLY_OK;
}

int
tally_part_add_file(tally_part *p, const char *path,
    const tally_sarif_options *opt, tally_sarif_report *rep)
{
	if (p == NULL || path == NULL)
		return tally_sarif_read_file(NULL, path, opt, rep);
	return tallyi_read_part(p, p->e, path, NULL, 0, opt, rep);
}

int
tally_part_add_buffer(tally_part *p, const void *buf, size_t len,
    const tally_sarif_options *opt, tally_sarif_report *rep)
{
	if (p == NULL || (buf == NULL && len != 0))
		return tally_sarif_read_buffer(NULL, buf, len, opt, rep);
	return tallyi_read_part(p, p->e, NULL, buf, len, opt, rep);
}

size_t
tally_part_rows(const tally_part *p)
{
	return p != NULL ? p->rows.n : 0;
}

uint64_t
tally_part_results(const tally_part *p)
{
	return p != NULL ? p->results : 0;
}

/* A string of @p, NULL and 0 when absent (or empty, for a version). */
static const char *
lookup(const tally_part *p, tally_strkind kind, uint32_t id, size_t *len)
{
	const char *s = NULL;

	*len = 0;
	if (id != TALLY_ID_NONE)
		s = tally_engine_string_lookup(p->e, kind, id, len);
	if (s == NULL)
		*len = 0;
	return s;
}

/* The key of row @r: its identity by bytes, as tally/part.h says. */
static void
row_key(const tally_part_row *r, const tally_violation *v, uint64_t *hi,
    uint64_t *lo)
{
	const char *s[4] = { r->tool, r->rule, r->file, r->message };
	const size_t n[4] = { r->tool_len, r->rule_len, r->file_len,
		r->message_len };
	XXH3_state_t st;
	XXH128_hash_t h;
	unsigned char b[17];

	XXH3_INITSTATE(&st);
	(void)XXH3_128bits_reset(&st);
	for (int k = 0; k < 4; k++) {
		uint64_t len = s[k] != NULL ? n[k] : UINT64_MAX;

		(void)XXH3_128bits_update(&st, &len, 8);
		if (s[k] != NULL)
			(void)XXH3_128bits_update(&st, s[k], n[k]);
	}
	memcpy(b, &v->line, 4);
	memcpy(b + 4, &v->column, 4);
	memcpy(b + 8, &v->offset, 8);
	b[16] = v->flags;
	(void)XXH3_128bits_update(&st, b, 17);
	h = XXH3_128bits_digest(&st);
	*hi = h.high64;
	*lo = h.low64;
}

int
tally_part_row_get(const tally_part *p, size_t i, tally_part_row *out)
{
	const prow *r;

	if (p == NULL || out == NULL || i >= p->rows.n)
		return TALLY_EINVAL;
	r = &((const prow *)p->rows.p)[i];
	memset(out, 0, sizeof(*out));
	out->tool = lookup(p, TALLY_STR_TOOL, r->v.tool, &out->tool_len);
	out->tool_version = tally_engine_tool_version(p->e, r->v.tool,
	    &out->tool_version_len);
	if (out->tool_version != NULL && out->tool_version_len == 0)
		out->tool_version = NULL;
	out->rule = lookup(p, TALLY_STR_RULE, r->v.rule, &out->rule_len);
	out->file = lookup(p, TALLY_STR_FILE, r->v.file, &out->file_len);
	out->message = lookup(p, TALLY_STR_MESSAGE, r->v.message,
	    &out->message_len);
	out->line = r->v.line;
	out->column = r->v.column;
	out->offset = r->v.offset;
	out->level = r->v.level;
	out->flags = r->v.flags;
	out->suppression = r->supp == TALLYI_SUPP_NONE ? -1 :
	    (int8_t)(r->supp - TALLYI_SUPP_ACCEPTED);
	out->baseline = r->baseline == 0 ? -1 : (int8_t)(r->baseline - 1);
	out->count = r->count;
	out->cwe = r->cwe;
	row_key(out, &r->v, &out->key_hi, &out->key_lo);
	return TALLY_OK;
}

/* ---- writing ---------------------------------------------------------- */

/* The body being written: bytes, from the part's memory. */
typedef struct buf {
	const tallyi_mem *mem;
	tallyi_vec v;
	bool oom;
} buf;

static void
put(buf *b, const void *p, size_t n)
{
	if (!b->oom && !tallyi_vec_append(b->mem, &b->v, p, n))
		b->oom = true;
}

static void
put_u32(buf *b, uint32_t x)
{
	put(b, &x, 4);
}

static void
put_u64(buf *b, uint64_t x)
{
	put(b, &x, 8);
}

static void
put_string(buf *b, const char *s, size_t n)
{
	put_u32(b, s != NULL ? (uint32_t)n : ABSENT);
	put(b, s, s != NULL ? n : 0);
}

/*
 * Dense indexes for the ids of one kind that rows use, in first-use
 * order: @map (one slot per id the engine holds, ABSENT when unused)
 * receives them, @ids the ids in that order.
 */
typedef struct dense {
	uint32_t *map, *ids;
	uint32_t n, cap;
} dense;

static uint32_t
dense_index(dense *d, uint32_t id)
{
	if (id == TALLY_ID_NONE || id >= d->cap)
		return ABSENT;
	if (d->map[id] == ABSENT) {
		d->map[id] = d->n;
		d->ids[d->n++] = id;
	}
	return d->map[id];
}

/*
 * The rows in the order a part is written: grouped by tool, tools in the
 * order they first come, each tool's rows in the order they were read.
 * Reading a part writes one run per tool in that order, so packing it
 * again finds its rows in the same order: the same bytes.
 */
static uint32_t *
rows_order(const tally_part *p, dense *tools)
{
	const prow *r = p->rows.p;
	size_t n = p->rows.n;
	uint32_t *o = malloc((n + tools->cap + 2) * sizeof(*o)), *at;

	if (o == NULL)
		return NULL;
	at = o + n;
	memset(at, 0, (tools->cap + 2) * sizeof(*at));
	for (size_t i = 0; i < n; i++) {
		uint32_t t = dense_index(tools, r[i].v.tool);

		at[(t == ABSENT ? tools->cap : t) + 1]++;
	}
	for (uint32_t t = 0; t <= tools->cap; t++)
		at[t + 1] += at[t];
	for (size_t i = 0; i < n; i++) {
		uint32_t t = dense_index(tools, r[i].v.tool);

		o[at[t == ABSENT ? tools->cap : t]++] = (uint32_t)i;
	}
	return o;
}

/* The body: strings, then the rows as columns. */
static int
body_write(const tally_part *p, buf *b)
{
	static const tally_strkind kinds[4] = { TALLY_STR_TOOL,
		TALLY_STR_RULE, TALLY_STR_FILE, TALLY_STR_MESSAGE };
	const prow *r = p->rows.p;
	size_t n = p->rows.n;
	dense d[4] = { { 0 } };
	uint32_t *idx = NULL, *o = NULL;
	int rc = TALLY_ENOMEM;

	for (int k = 0; k < 4; k++) {
		d[k].cap = tally_engine_string_count(p->e, kinds[k]);
		d[k].map = malloc(((size_t)d[k].cap + 1) * 4);
		d[k].ids = malloc(((size_t)d[k].cap + 1) * 4);
		if (d[k].map == NULL || d[k].ids == NULL)
			goto out;
		memset(d[k].map, 0xff, ((size_t)d[k].cap + 1) * 4);
	}
	if ((o = rows_order(p, &d[0])) == NULL ||
	    (idx = malloc((n ? n : 1) * 4 * sizeof(*idx))) == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const prow *x = &r[o[i]];
		const uint32_t id[4] = { x->v.tool, x->v.rule, x->v.file,
			x->v.message };

		for (int k = 0; k < 4; k++)
			idx[k * n + i] = dense_index(&d[k], id[k]);
	}
	for (int k = 0; k < 4; k++)
		put_u64(b, d[k].n);
	put_u64(b, n);
	for (int k = 0; k < 4; k++) {
		for (uint32_t j = 0; j < d[k].n; j++) {
			size_t len, vlen = 0;
			const char *s = lookup(p, kinds[k], d[k].ids[j], &len);
			const char *v = k != 0 ? NULL :
			    tally_engine_tool_version(p->e, d[k].ids[j], &vlen);

			/* a length is a u32, ABSENT (2^32 - 1) kept for none */
			if ((s != NULL && len >= ABSENT) || vlen >= ABSENT) {
				rc = TALLY_ERANGE;
				goto out;
			}
			put_string(b, s, len);
			if (k == 0)
				put_string(b, v != NULL && vlen != 0 ? v :
				    NULL, vlen);
		}
	}
	put(b, idx, n * 4 * sizeof(*idx));
	for (size_t i = 0; i < n; i++)
		put_u32(b, r[o[i]].v.line);
	for (size_t i = 0; i < n; i++)
		put_u32(b, r[o[i]].v.column);
	for (size_t i = 0; i < n; i++)
		put_u32(b, r[o[i]].cwe);
	for (size_t i = 0; i < n; i++)
		put_u64(b, r[o[i]].v.offset);
	for (size_t i = 0; i < n; i++)
		put_u64(b, r[o[i]].count);
	for (size_t i = 0; i < n; i++) {
		const prow *x = &r[o[i]];
		const uint8_t f[4] = { x->v.level, x->v.flags, x->supp,
			x->baseline };

		put(b, f, 4);
	}
	rc = b->oom ? TALLY_ENOMEM : TALLY_OK;
out:
	for (int k = 0; k < 4; k++) {
		free(d[k].map);
		free(d[k].ids);
	}
	free(idx);
	free(o);
	return rc;
}

int
tally_part_serialize(const tally_part *p, void **out, size_t *len)
{
	buf body = { &p->mem, { NULL, 0, 0 }, false };
	unsigned char *f;
	size_t bound, z;
	uint64_t h;
	int rc;

	if (p == NULL || out == NULL || len == NULL)
		return TALLY_EINVAL;
	if ((rc = body_write(p, &body)) != TALLY_OK) {
		tallyi_vec_free(&p->mem, &body.v, 1);
		return rc;
	}
	bound = ZSTD_compressBound(body.v.n);
	if ((f = malloc(PART_HEADER + bound)) == NULL) {
		tallyi_vec_free(&p->mem, &body.v, 1);
		return TALLY_ENOMEM;
	}
	z = ZSTD_compress(f + PART_HEADER, bound, body.v.p, body.v.n,
	    PART_ZSTD_LEVEL);
	if (ZSTD_isError(z)) {
		tallyi_vec_free(&p->mem, &body.v, 1);
		free(f);
		return TALLY_ENOMEM;
	}
	h = XXH3_64bits(f + PART_HEADER, z);
	memcpy(f, PART_MAGIC, 8);
	memcpy(f + 8, &(uint32_t){ TALLY_PART_VERSION }, 4);
	memcpy(f + 12, &(uint32_t){ 0 }, 4);
	memcpy(f + 16, &(uint64_t){ z }, 8);
	memcpy(f + 24, &(uint64_t){ body.v.n }, 8);
	memcpy(f + 32, &h, 8);
	tallyi_vec_free(&p->mem, &body.v, 1);
	*out = f;
	*len = PART_HEADER + z;
	return TALLY_OK;
}

int
tally_part_write_file(const tally_part *p, const char *path,
    tally_error *err)
{
	tallyi_outfile out;
	void *b;
	size_t n;
	int rc;

	if (p == NULL || path == NULL)
		return tallyi_error_set(err, TALLY_EINVAL, UINT64_MAX,
		    "invalid argument");
	if ((rc = tally_part_serialize(p, &b, &n)) != TALLY_OK)
		return tallyi_error_set(err, rc, UINT64_MAX, "%s: %s", path,
		    tally_strerror(rc));
	/* a regular file replaced once whole; a device or FIFO written to */
	if ((rc = tallyi_outfile_open(&out, path, &p->mem, err)) ==
	    TALLY_OK) {
		(void)fwrite(b, 1, n, out.f);
		rc = tallyi_outfile_commit(&out, err);
	}
	free(b);
	return rc;
}

/* ---- reading (the format "tally-part") --------------------------------- */

bool
tallyi_part_magic(const char *p, size_t n)
{
	return n >= 8 && memcmp(p, PART_MAGIC, 8) == 0;
}

/* A bounded reader over the body; @bad set at the first overrun. */
typedef struct rd {
	const unsigned char *p, *end, *start;
	bool bad;
} rd;

static const unsigned char *
take(rd *r, uint64_t n)
{
	const unsigned char *q = r->p;

	if (r->bad || n > (uint64_t)(r->end - r->p)) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	return q;
}

static uint64_t
take_u64(rd *r)
{
	const unsigned char *q = take(r, 8);
	uint64_t x = 0;

	if (q != NULL)
		memcpy(&x, q, 8);
	return x;
}

static uint32_t
take_u32(rd *r)
{
	const unsigned char *q = take(r, 4);
	uint32_t x = 0;

	if (q != NULL)
		memcpy(&x, q, 4);
	return x;
}

/* A part's string: its bytes (not NUL-terminated). */
typedef struct pstr {
	const char *p;
	uint32_t n; /* ABSENT: none */
} pstr;

static const char *const levels[] = { "none", "note", "warning", "error" };
static const char *const supp_status[] = { "accepted", "underReview",
	"rejected" };

/* Fail a part's reading (at the input's byte given, or UINT64_MAX). */
#define part_fail(rep, ...) \
	tallyi_error_set((rep) != NULL ? &(rep)->error : NULL, __VA_ARGS__)

/*
 * Read @n strings (tools: @n pairs of name and version) into @s; each
 * must be well-formed UTF-8. Return: true, or false with @rep filled.
 */
static bool
strings_read(rd *r, pstr *s, uint64_t n, tally_sarif_report *rep)
{
	for (uint64_t k = 0; k < n; k++) {
		unsigned long long at = (unsigned long long)(r->p - r->start);
		uint32_t len = take_u32(r);
		const unsigned char *q = len == ABSENT ? NULL : take(r, len);

		if (r->bad) {
			part_fail(rep, TALLY_EFORMAT_VALUE, UINT64_MAX, "a "
			    "part's string of %u bytes at byte %llu of its "
			    "(decompressed) body runs past its end",
			    (unsigned)len, at);
			return false;
		}
		if (q != NULL && !tallyi_json_utf8_ok((const char *)q, len)) {
			part_fail(rep, TALLY_EFORMAT_VALUE, UINT64_MAX, "a "
			    "part's string at byte %llu of its (decompressed) "
			    "body is not UTF-8", at);
			return false;
		}
		s[k] = (pstr){ (const char *)q, len };
	}
	return true;
}

static tallyi_nstr
nstr(pstr s)
{
	return (tallyi_nstr){ s.n == ABSENT ? NULL : s.p,
		s.n == ABSENT ? 0 : s.n, false };
}

/* The body's columns, checked. */
typedef struct cols {
	uint64_t n[4], rows; /* strings of each kind, rows */
	pstr *str[4];        /* tools: name and version pairs */
	const unsigned char *idx, *line, *col, *cwe, *off, *count, *flags;
} cols;

static int
cols_read(rd *r, cols *c, const tallyi_mem *mem, tally_sarif_report *rep)
{
	uint64_t left;

	for (int k = 0; k < 4; k++)
		c->n[k] = take_u64(r);
	c->rows = take_u64(r);
	left = (uint64_t)(r->end - r->p);
	/* each string takes 4 bytes at least, each row 48 */
	if (r->bad || c->n[0] > left / 8 || c->n[1] > left / 4 ||
	    c->n[2] > left / 4 || c->n[3] > left / 4 || c->rows > left / 48)
		return part_fail(rep, TALLY_EFORMAT_VALUE, UINT64_MAX,
		    "a part's counts of strings and rows larger than its "
		    "body");
	for (int k = 0; k < 4; k++) {
		uint64_t m = k == 0 ? 2 * c->n[0] : c->n[k];

		c->str[k] = tallyi_alloc(mem, (size_t)(m ? m : 1) *
		    sizeof(pstr));
		if (c->str[k] == NULL)
			return part_fail(rep, TALLY_ENOMEM, UINT64_MAX,
			    "out of memory");
		if (!strings_read(r, c->str[k], m, rep))
			return TALLY_EFORMAT_VALUE;
		for (uint64_t t = 0; k == 0 && t < c->n[0]; t++)
			if (c->str[0][2 * t].n == ABSENT)
				return part_fail(rep, TALLY_EFORMAT_VALUE,
				    UINT64_MAX, "a part's tool without a name");
	}
	c->idx = take(r, c->rows * 16);
	c->line = take(r, c->rows * 4);
	c->col = take(r, c->rows * 4);
	c->cwe = take(r, c->rows * 4);
	c->off = take(r, c->rows * 8);
	c->count = take(r, c->rows * 8);
	c->flags = take(r, c->rows * 4);
	if (r->bad)
		return part_fail(rep, TALLY_EFORMAT_VALUE, UINT64_MAX,
		    "a part's %llu rows run past the end of its "
		    "(decompressed) body of %llu bytes",
		    (unsigned long long)c->rows,
		    (unsigned long long)(r->end - r->start));
	if (r->p != r->end)
		return part_fail(rep, TALLY_EFORMAT_VALUE, UINT64_MAX,
		    "a part's rows end at byte %llu of its (decompressed) "
		    "body of %llu: short of its end",
		    (unsigned long long)(r->p - r->start),
		    (unsigned long long)(r->end - r->start));
	return TALLY_OK;
}

static void
cols_free(cols *c, const tallyi_mem *mem)
{
	for (int k = 0; k < 4; k++)
		if (c->str[k] != NULL)
			tallyi_free(mem, c->str[k], (size_t)((k == 0 ?
			    2 * c->n[0] : c->n[k]) ? (k == 0 ? 2 * c->n[0] :
			    c->n[k]) : 1) * sizeof(pstr));
}

static uint32_t
col_u32(const unsigned char *p, uint64_t i)
{
	uint32_t x;

	memcpy(&x, p + i * 4, 4);
	return x;
}

static uint64_t
col_u64(const unsigned char *p, uint64_t i)
{
	uint64_t x;

	memcpy(&x, p + i * 8, 8);
	return x;
}

/* Check row @i's values; its tool's index into @tool. */
static int
row_check(const cols *c, uint64_t i, tally_sarif_report *rep)
{
	const unsigned char *f = c->flags + i * 4;

	for (int k = 0; k < 4; k++) {
		uint32_t x = col_u32(c->idx, (uint64_t)k * c->rows + i);

		if (x == ABSENT ? k == 0 || k == 3 : x >= c->n[k])
			return part_fail(rep, TALLY_EFORMAT_VALUE,
			    UINT64_MAX, "a part's row %llu names a string "
			    "it does not hold", (unsigned long long)i);
	}
	if (f[0] > TALLY_LEVEL_ERROR || f[1] > TALLY_VIOLATION_SUPPRESSED ||
	    f[2] > TALLYI_SUPP_REJECTED || f[3] > TALLY_BASELINE_COUNT ||
	    col_u64(c->count, i) == 0 || col_u64(c->off, i) >> 63 != 0)
		return part_fail(rep, TALLY_EFORMAT_VALUE, UINT64_MAX,
		    "a part's row %llu with a value out of range",
		    (unsigned long long)i);
	return TALLY_OK;
}

/* Write row @i, @count times, into the run being written. */
static void
row_emit(tallyi_emit *em, const cols *c, uint64_t i)
{
	const unsigned char *f = c->flags + i * 4;
	uint32_t rule = col_u32(c->idx, c->rows + i),
	    file = col_u32(c->idx, 2 * c->rows + i),
	    msg = col_u32(c->idx, 3 * c->rows + i);
	uint64_t off = col_u64(c->off, i);
	tallyi_nres res = {
		.rule = rule == ABSENT ? (tallyi_nstr){ NULL, 0, false } :
		    nstr(c->str[1][rule]),
		.level = levels[f[0]],
		.message = nstr(c->str[3][msg]),
		.supp_status = f[2] == TALLYI_SUPP_NONE ? NULL :
		    supp_status[f[2] - TALLYI_SUPP_ACCEPTED],
		.baseline = f[3] == 0 ? NULL :
		    tally_sarif_baseline_name((tally_baseline)(f[3] - 1)),
		.cwe = col_u32(c->cwe, i),
	};

	if (file != ABSENT) {
		res.loc.file = nstr(c->str[2][file]);
		res.loc.line = col_u32(c->line, i);
		res.loc.column = col_u32(c->col, i);
		res.loc.offset = off;
		res.loc.has_offset = off != 0;
	}
	for (uint64_t k = col_u64(c->count, i); k > 0; k--)
		tallyi_emit_result(em, &res);
}

/*
 * The rows in the order of their tools, each tool's in the part's order
 * (a counting sort): @order receives them, followed by the counts.
 */
static int
by_tool(const cols *c, const tallyi_mem *mem, uint32_t **order,
    tally_sarif_report *rep)
{
	size_t n = (size_t)(c->rows + c->n[0] + 1);
	uint32_t *o = tallyi_alloc(mem, n * sizeof(*o)), *at;

	if (o == NULL)
		return part_fail(rep, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory");
	at = o + c->rows;
	memset(at, 0, (size_t)(c->n[0] + 1) * sizeof(*at));
	for (uint64_t i = 0; i < c->rows; i++)
		at[col_u32(c->idx, i) + 1]++;
	for (uint64_t t = 0; t < c->n[0]; t++)
		at[t + 1] += at[t];
	for (uint64_t i = 0; i < c->rows; i++)
		o[at[col_u32(c->idx, i)]++] = (uint32_t)i;
	*order = o;
	return TALLY_OK;
}

/*
 * Check the part @in holds (header, checksum, lengths) and decompress and
 * check its body: every string, index and value. On success *@body
 * (@rawlen bytes, from @in's memory) holds it and @c its columns; free
 * them with part_close(). @max bounds the body and the results.
 */
static int
part_open(const tallyi_input *in, uint64_t max, unsigned char **body,
    uint64_t *rawlen, cols *c, tally_sarif_report *rep)
{
	const unsigned char *h = (const unsigned char *)in->buf;
	uint32_t version, flags;
	uint64_t zlen, sum, total = 0;
	rd r;
	int rc;

	memset(c, 0, sizeof(*c));
	*body = NULL;
	*rawlen = 0;
	if (in->len < PART_HEADER)
		return part_fail(rep, TALLY_EPARSE_TRUNCATED, in->len,
		    "a part's header is 40 bytes; the input ends before");
	memcpy(&version, h + 8, 4);
	memcpy(&flags, h + 12, 4);
	memcpy(&zlen, h + 16, 8);
	memcpy(rawlen, h + 24, 8);
	memcpy(&sum, h + 32, 8);
	if (version != TALLY_PART_VERSION || flags != 0)
		return part_fail(rep, TALLY_EFORMAT_VERSION, 8, "a part of "
		    "version %u (flags %u); this reader knows version %u",
		    (unsigned)version, (unsigned)flags, TALLY_PART_VERSION);
	if (zlen != in->len - PART_HEADER)
		return part_fail(rep, zlen > in->len - PART_HEADER ?
		    TALLY_EPARSE_TRUNCATED : TALLY_EFORMAT_VALUE, in->len,
		    "a part whose body should be %llu bytes is %llu",
		    (unsigned long long)zlen,
		    (unsigned long long)(in->len - PART_HEADER));
	if (XXH3_64bits(h + PART_HEADER, zlen) != sum)
		return part_fail(rep, TALLY_EFORMAT_VALUE, 32, "a part whose "
		    "checksum does not match its body (damaged)");
	if (*rawlen > max || ZSTD_getFrameContentSize(h + PART_HEADER, zlen) !=
	    *rawlen)
		return part_fail(rep, *rawlen > max ? TALLY_EIO_TOOBIG :
		    TALLY_EFORMAT_VALUE, 24, "a part's body of %llu bytes "
		    "%s", (unsigned long long)*rawlen, *rawlen > max ?
		    "is over the input limit" : "does not match its frame");
	if ((*body = tallyi_alloc(in->mem, *rawlen ? *rawlen : 1)) == NULL)
		return part_fail(rep, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory");
	if (ZSTD_decompress(*body, *rawlen, h + PART_HEADER, zlen) != *rawlen)
		return part_fail(rep, TALLY_EFORMAT_VALUE, PART_HEADER,
		    "a part's body that does not decompress");
	r = (rd){ *body, *body + *rawlen, *body, false };
	if ((rc = cols_read(&r, c, in->mem, rep)) != TALLY_OK)
		return rc;
	/*
	 * The log a part stands for is bounded as an input is: each result
	 * as the SARIF it is read as (its strings and 60 bytes at least),
	 * as many times as it came, at most @max bytes in all.
	 */
	for (uint64_t i = 0; i < c->rows; i++) {
		uint64_t size = 60, bytes;

		if ((rc = row_check(c, i, rep)) != TALLY_OK)
			return rc;
		for (int k = 0; k < 4; k++) {
			uint32_t j = col_u32(c->idx, (uint64_t)k * c->rows + i);
			const pstr *x = k == 0 ? &c->str[0][2 * j] :
			    &c->str[k][j];

			if (j != ABSENT && x->n != ABSENT)
				size += x->n;
		}
		if (__builtin_mul_overflow(col_u64(c->count, i), size,
		    &bytes) || __builtin_add_overflow(total, bytes, &total) ||
		    total > max)
			return part_fail(rep, TALLY_EIO_TOOBIG, UINT64_MAX, "a "
			    "part that stands for more than the input limit "
			    "(%llu bytes of SARIF): raise --max-input-bytes",
			    (unsigned long long)max);
	}
	return TALLY_OK;
}

static void
part_close(const tallyi_input *in, unsigned char *body, uint64_t rawlen,
    cols *c)
{
	cols_free(c, in->mem);
	if (body != NULL)
		tallyi_free(in->mem, body, rawlen ? rawlen : 1);
}

/*
 * Convert the part @in holds into SARIF: one run per tool, in the order
 * of the part's tools. Everything is checked (part_open()) before
 * anything is written.
 */
int
tallyi_native_part(tallyi_input *in, uint64_t max, tally_sarif_report *rep)
{
	unsigned char *body;
	uint64_t rawlen;
	uint32_t *order = NULL;
	tallyi_emit em;
	cols c;
	int rc;

	if ((rc = part_open(in, max, &body, &rawlen, &c, rep)) != TALLY_OK ||
	    (rc = by_tool(&c, in->mem, &order, rep)) != TALLY_OK)
		goto out;
	tallyi_emit_init(&em, in->mem, rawlen * 2);
	for (uint64_t t = 0, i = 0; t < c.n[0]; t++) {
		for (; i < c.rows && col_u32(c.idx, order[i]) == t; i++)
			row_emit(&em, &c, order[i]);
		if (t + 1 < c.n[0])
			tallyi_emit_run_next(&em, nstr(c.str[0][2 * t]),
			    nstr(c.str[0][2 * t + 1]), NULL);
	}
	rc = c.n[0] == 0 ?
	    tallyi_emit_finish(&em, in, "tally", NULL, NULL) :
	    tallyi_emit_finish_tool(&em, in, nstr(c.str[0][2 * (c.n[0] - 1)]),
	    nstr(c.str[0][2 * (c.n[0] - 1) + 1]), NULL);
	if (rc != TALLY_OK)
		tallyi_report_error(rep, rc, UINT64_MAX, "out of memory");
	tallyi_emit_free(&em);
out:
	if (order != NULL)
		tallyi_free(in->mem, order, (size_t)(c.rows + c.n[0] + 1) *
		    sizeof(*order));
	part_close(in, body, rawlen, &c);
	return rc;
}

/* Intern @n strings of @kind (tools: name and version pairs) into @ids. */
static int
intern_all(tally_engine *e, const cols *c, int kind, uint32_t *ids)
{
	static const tally_strkind kinds[4] = { TALLY_STR_TOOL,
		TALLY_STR_RULE, TALLY_STR_FILE, TALLY_STR_MESSAGE };
	int rc = TALLY_OK;

	for (uint64_t j = 0; j < c->n[kind] && rc == TALLY_OK; j++) {
		if (kind == 0) {
			tallyi_nstr name = nstr(c->str[0][2 * j]),
			    ver = nstr(c->str[0][2 * j + 1]);

			rc = tally_engine_tool_intern(e, name.p, name.n, ver.p,
			    ver.n, &ids[j]);
		} else if (c->str[kind][j].n == ABSENT) {
			/* as the SARIF written for it reads: the empty string */
			rc = tally_engine_string_intern(e, kinds[kind], "", 0,
			    &ids[j]);
		} else {
			rc = tally_engine_string_intern(e, kinds[kind],
			    c->str[kind][j].p, c->str[kind][j].n, &ids[j]);
		}
	}
	return rc;
}

/*
 * Add the part @in holds to part @p directly: its strings interned, its
 * rows committed, as reading the SARIF tallyi_native_part() writes would
 * (a missing rule, file or message is the empty string; a result without
 * a file has no line, column or offset; one without a line no column;
 * the suppressed flag as the suppression status and @include_suppressed
 * say), without writing and parsing that SARIF.
 */
int
tallyi_part_absorb(tally_part *p, const tallyi_input *in, uint64_t max,
    bool include_suppressed, tally_sarif_report *rep)
{
	unsigned char *body;
	uint64_t rawlen, nids = 0;
	uint32_t *ids = NULL, *base[4], empty[4] = { 0 };
	tallyi_vec staged = { NULL, 0, 0 };
	cols c;
	int rc;

	if ((rc = part_open(in, max, &body, &rawlen, &c, rep)) != TALLY_OK)
		goto out;
	nids = c.n[0] + c.n[1] + c.n[2] + c.n[3] + 1;
	if ((ids = tallyi_alloc(in->mem, (size_t)nids * sizeof(*ids))) ==
	    NULL || tallyi_vec_reserve(in->mem, &staged, (size_t)c.rows,
	    sizeof(tallyi_part_ent)) != TALLY_OK) {
		rc = part_fail(rep, TALLY_ENOMEM, UINT64_MAX, "out of memory");
		goto out;
	}
	base[0] = ids;
	for (int k = 1; k < 4; k++)
		base[k] = base[k - 1] + c.n[k - 1];
	for (int k = 0; k < 4 && rc == TALLY_OK; k++)
		rc = intern_all(p->e, &c, k, base[k]);
	for (int k = 1; k < 4 && rc == TALLY_OK; k++)
		rc = tally_engine_string_intern(p->e, (tally_strkind)k, "", 0,
		    &empty[k]);
	if (rc != TALLY_OK) {
		part_fail(rep, rc, UINT64_MAX, "cannot intern a part's "
		    "strings: %s", tally_strerror(rc));
		goto out;
	}
	for (uint64_t i = 0; i < c.rows; i++) {
		const unsigned char *f = c.flags + i * 4;
		uint32_t x[4];
		tallyi_part_ent *e = &((tallyi_part_ent *)staged.p)[i];

		uint32_t fj = col_u32(c.idx, 2 * c.rows + i);

		/* no rule or file: the empty string, as the reader makes it */
		for (int k = 0; k < 4; k++) {
			uint32_t j = col_u32(c.idx, (uint64_t)k * c.rows + i);

			x[k] = j == ABSENT ? empty[k] : base[k][j];
		}
		memset(e, 0, sizeof(*e));
		e->v.tool = x[0];
		e->v.rule = x[1];
		e->v.file = x[2];
		e->v.message = x[3];
		/* no file: no location, so no line, column or offset */
		if (fj != ABSENT && c.str[2][fj].n != ABSENT) {
			e->v.line = col_u32(c.line, i);
			e->v.column = e->v.line != 0 ? col_u32(c.col, i) : 0;
			e->v.offset = col_u64(c.off, i);
		}
		e->v.level = f[0];
		e->v.flags = f[2] == TALLYI_SUPP_ACCEPTED && !include_suppressed ?
		    TALLY_VIOLATION_SUPPRESSED : 0;
		e->supp = f[2];
		e->baseline = f[3];
		e->count = col_u64(c.count, i);
		e->cwe = col_u32(c.cwe, i);
	}
	staged.n = (size_t)c.rows;
	if ((rc = tallyi_part_commit(p, &staged)) != TALLY_OK) {
		part_fail(rep, rc, UINT64_MAX, "out of memory");
		goto out;
	}
	if (rep != NULL) {
		rep->results = 0;
		for (uint64_t i = 0; i < c.rows; i++)
			rep->results += col_u64(c.count, i);
		rep->runs = c.n[0];
		rep->bytes = in->source_size != 0 ? in->source_size : in->len;
	}
out:
	tallyi_vec_free(in->mem, &staged, sizeof(tallyi_part_ent));
	if (ids != NULL)
		tallyi_free(in->mem, ids, (size_t)nids * sizeof(*ids));
	part_close(in, body, rawlen, &c);
	return rc;
}
