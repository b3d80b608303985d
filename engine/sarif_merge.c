/*
 * engine/sarif_merge.c - merge SARIF logs into one, one run per tool,
 * exact duplicates dropped.
 *
 * The merge is a sink of the reader (sarif_read.c). It keeps every input
 * mapped and remembers, for each unique result, where its text lies; the
 * text is copied to the output only at write time, with the few indexes it
 * holds re-pointed (see rewrite()). Dedup uses the same exact key and the
 * same key set as the engine, so `tally merge` keeps exactly the results
 * `tally summary` counts as unique.
 *
 * All or nothing per input: the runs of an input are staged while it is
 * read and folded into the merge only when the whole input was good.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/json_scan.h"
#include "engine/keyset.h"
#include "engine/sarif_internal.h"
#include "engine/strtab.h"
#include "kernels/kernels.h"

/* ------------------------------------------------------------------ */
/* Growable arrays                                                     */

typedef struct vec {
	void *p;
	size_t n, cap;
} vec;

static void *
vec_push(const tallyi_mem *mem, vec *v, size_t elem)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *p = tallyi_realloc(mem, v->p, v->cap * elem, cap * elem);

		if (p == NULL)
			return NULL;
		v->p = p;
		v->cap = cap;
	}
	return (char *)v->p + elem * v->n++;
}

static void
vec_free(const tallyi_mem *mem, vec *v, size_t elem)
{
	tallyi_free(mem, v->p, v->cap * elem);
	memset(v, 0, sizeof(*v));
}

/* ------------------------------------------------------------------ */
/* State                                                               */

/* A piece of text in one of the inputs. */
typedef struct ref {
	uint32_t input;
	tallyi_span span;
} ref;

/* A run folded into the merge: how its indexes map into the merged run. */
typedef struct mrun {
	uint32_t input;
	uint32_t art_base;  /* its artifact 0 in the merged run */
	uint32_t *rule_map; /* its rule index -> merged rule index */
	size_t nrules;
	bool identity;      /* art_base 0 and rule_map[i] == i: copy as is */
} mrun;

/*
 * A unique result, or an artifact: its text and the run whose maps
 * re-point its indexes.
 */
typedef struct mres {
	uint32_t input;
	uint32_t run;       /* index into merge.runs */
	tallyi_span span;
} mres;

/* One output run: everything merged for one tool. */
typedef struct mtool {
	bool present;       /* a committed input has a run of this tool */
	uint32_t input;     /* the input of the first run (driver, etc.) */
	vec members;        /* tallyi_span: driver members, first run */
	tallyi_span column_kind, base_ids;
	vec rules;          /* ref */
	vec rule_ids;       /* uint32_t interned id of each merged rule */
	uint64_t *rmap;     /* rule id << 32 | merged index + 1 */
	size_t rmap_cap, rmap_n;
	vec arts;           /* mres */
	vec res;            /* mres */
} mtool;

/* A run of the input being read, waiting for the input to end. */
typedef struct staged {
	tallyi_sarif_run run;   /* arrays below are copies, owned here */
} staged;

struct tally_sarif_merge {
	tallyi_mem mem;
	tallyi_strtab str[TALLY_STR_KIND_COUNT];
	tallyi_keyset keys;
	vec inputs;   /* tallyi_input */
	vec runs;     /* mrun */
	vec tools;    /* mtool, indexed by tool id */
	vec staged;   /* staged */
	uint64_t read, unique;
	int failed;   /* folding ran out of memory: the merge is incomplete */
};

/* ------------------------------------------------------------------ */
/* The sink                                                            */

static int
m_tool(void *ctx, const char *name, size_t len, const char *version,
    size_t vlen, uint32_t *id)
{
	tally_sarif_merge *m = ctx;

	(void)version;
	(void)vlen;
	return tallyi_strtab_intern(&m->str[TALLY_STR_TOOL], name, len, id);
}

static int
m_intern(void *ctx, tally_strkind kind, const char *s, size_t len,
    uint32_t *id)
{
	tally_sarif_merge *m = ctx;

	return tallyi_strtab_intern(&m->str[kind], s, len, id);
}

static const char *
m_lookup(void *ctx, tally_strkind kind, uint32_t id, size_t *len)
{
	tally_sarif_merge *m = ctx;
	const tallyi_strent *e;

	if (id >= tallyi_strtab_count(&m->str[kind]))
		return NULL;
	e = tallyi_strtab_entry(&m->str[kind], id);
	*len = e->len;
	return e->p;
}

static void *
dup_array(const tallyi_mem *mem, const void *p, size_t n, size_t elem)
{
	void *q = tallyi_alloc(mem, n * elem);

	if (q != NULL && n != 0)
		memcpy(q, p, n * elem);
	return q;
}

static void
staged_free(const tallyi_mem *mem, staged *s)
{
	tallyi_sarif_run *r = &s->run;

	tallyi_free(mem, (void *)r->res, r->nres * sizeof(*r->res));
	tallyi_free(mem, (void *)r->rules, r->nrules * sizeof(*r->rules));
	tallyi_free(mem, (void *)r->driver_members,
	    r->ndriver_members * sizeof(tallyi_span));
	tallyi_free(mem, (void *)r->artifacts,
	    r->nartifacts * sizeof(tallyi_span));
}

static int
m_run(void *ctx, const tallyi_sarif_run *run)
{
	tally_sarif_merge *m = ctx;
	staged *s = vec_push(&m->mem, &m->staged, sizeof(staged));
	tallyi_sarif_run *c;

	if (s == NULL)
		return TALLY_ENOMEM;
	c = &s->run;
	*c = *run;
	c->res = dup_array(&m->mem, run->res, run->nres, sizeof(*run->res));
	c->rules = dup_array(&m->mem, run->rules, run->nrules,
	    sizeof(*run->rules));
	c->driver_members = dup_array(&m->mem, run->driver_members,
	    run->ndriver_members, sizeof(tallyi_span));
	c->artifacts = dup_array(&m->mem, run->artifacts, run->nartifacts,
	    sizeof(tallyi_span));
	if (c->res == NULL || c->rules == NULL || c->driver_members == NULL ||
	    c->artifacts == NULL)
		return TALLY_ENOMEM; /* drop_staged() frees what was made */
	return TALLY_OK;
}

static void
drop_staged(tally_sarif_merge *m)
{
	staged *s = m->staged.p;

	for (size_t k = 0; k < m->staged.n; k++)
		staged_free(&m->mem, &s[k]);
	m->staged.n = 0;
}

/* The merged index of rule @id in @t, adding @r when new. */
static int
merged_rule(tally_sarif_merge *m, mtool *t, uint32_t id, ref r, uint32_t *out)
{
	size_t mask, i;

	if ((t->rmap_n + 1) * 2 > t->rmap_cap) {
		size_t cap = t->rmap_cap ? t->rmap_cap * 2 : 64;
		uint64_t *nm = tallyi_zalloc(&m->mem, cap * sizeof(uint64_t));

		if (nm == NULL)
			return TALLY_ENOMEM;
		for (size_t k = 0; k < t->rmap_cap; k++) {
			uint64_t v = t->rmap[k];

			if (v == 0)
				continue;
			for (i = ((uint32_t)(v >> 32) * 0x9E3779B1u) &
			    (cap - 1); nm[i] != 0; i = (i + 1) & (cap - 1))
				;
			nm[i] = v;
		}
		tallyi_free(&m->mem, t->rmap, t->rmap_cap * sizeof(uint64_t));
		t->rmap = nm;
		t->rmap_cap = cap;
	}
	mask = t->rmap_cap - 1;
	for (i = (id * 0x9E3779B1u) & mask; t->rmap[i] != 0;
	    i = (i + 1) & mask) {
		if ((uint32_t)(t->rmap[i] >> 32) == id) {
			*out = (uint32_t)t->rmap[i] - 1;
			return TALLY_OK;
		}
	}
	{
		ref *nr = vec_push(&m->mem, &t->rules, sizeof(ref));
		uint32_t *nid;

		if (nr == NULL)
			return TALLY_ENOMEM;
		*nr = r;
		nid = vec_push(&m->mem, &t->rule_ids, sizeof(uint32_t));
		if (nid == NULL) {
			t->rules.n--;
			return TALLY_ENOMEM;
		}
		*nid = id;
	}
	*out = (uint32_t)(t->rules.n - 1);
	t->rmap[i] = (uint64_t)id << 32 | t->rules.n;
	t->rmap_n++;
	return TALLY_OK;
}

static mtool *
tool_slot(tally_sarif_merge *m, uint32_t tool)
{
	while (m->tools.n <= tool) {
		mtool *t = vec_push(&m->mem, &m->tools, sizeof(mtool));

		if (t == NULL)
			return NULL;
		memset(t, 0, sizeof(*t));
	}
	return (mtool *)m->tools.p + tool;
}

/*
 * Fold one staged run of input @input into the merge. Out of memory here
 * leaves the merge consistent but missing part of the run, so the merge is
 * marked failed and will not be written.
 */
static int
fold_run(tally_sarif_merge *m, uint32_t input, const tallyi_sarif_run *run)
{
	mtool *t = tool_slot(m, run->tool);
	mrun *mr;
	uint32_t run_id;
	int rc;

	if (t == NULL)
		return TALLY_ENOMEM;
	if (!t->present) {
		t->present = true;
		t->input = input;
		t->column_kind = run->column_kind;
		t->base_ids = run->uri_base_ids;
		for (size_t k = 0; k < run->ndriver_members; k++) {
			tallyi_span *s = vec_push(&m->mem, &t->members,
			    sizeof(tallyi_span));

			if (s == NULL)
				return TALLY_ENOMEM;
			*s = run->driver_members[k];
		}
	}
	mr = vec_push(&m->mem, &m->runs, sizeof(mrun));
	if (mr == NULL)
		return TALLY_ENOMEM;
	run_id = (uint32_t)(m->runs.n - 1);
	mr->input = input;
	mr->art_base = (uint32_t)t->arts.n;
	mr->nrules = run->nrules;
	mr->rule_map = tallyi_alloc(&m->mem, run->nrules * sizeof(uint32_t));
	if (mr->rule_map == NULL) {
		mr->nrules = 0;
		return TALLY_ENOMEM;
	}
	mr->identity = mr->art_base == 0;
	for (size_t k = 0; k < run->nrules; k++) {
		ref r = { input, run->rules[k].span };

		rc = merged_rule(m, t, run->rules[k].id, r, &mr->rule_map[k]);
		if (rc != TALLY_OK)
			return rc;
		mr->identity &= mr->rule_map[k] == k;
	}
	for (size_t k = 0; k < run->nartifacts; k++) {
		mres *a = vec_push(&m->mem, &t->arts, sizeof(mres));

		if (a == NULL)
			return TALLY_ENOMEM;
		*a = (mres){ input, run_id, run->artifacts[k] };
	}
	for (size_t k = 0; k < run->nres; k++) {
		const tally_violation *v = &run->res[k].v;
		uint64_t fp;
		tallyk_keycols cols = { &v->tool, &v->rule, &v->file,
			&v->message, &v->line, &v->column, &v->offset };
		tallyi_key key = { v->tool, v->rule, v->file, v->message,
			v->line, v->column, v->offset };
		bool new;
		mres *x;

		tallyk_fingerprint_scalar(&cols, 1, &fp);
		if ((rc = tallyi_keyset_insert(&m->keys, fp, &key, &new)))
			return rc;
		m->read++;
		if (!new)
			continue;
		m->unique++;
		x = vec_push(&m->mem, &t->res, sizeof(mres));
		if (x == NULL)
			return TALLY_ENOMEM;
		*x = (mres){ input, run_id, run->res[k].span };
	}
	return TALLY_OK;
}

/* ------------------------------------------------------------------ */
/* Lifecycle and reading                                               */

int
tally_sarif_merge_create(tally_sarif_merge **out, const tally_allocator *alloc)
{
	tallyi_mem mem;
	tally_sarif_merge *m;
	int rc;

	if (out == NULL)
		return TALLY_EINVAL;
	if ((rc = tallyi_mem_init(&mem, alloc)) != TALLY_OK)
		return rc;
	m = tallyi_zalloc(&mem, sizeof(*m));
	if (m == NULL) {
		tallyi_mem_fini(&mem);
		return TALLY_ENOMEM;
	}
	m->mem = mem;
	rc = tallyi_keyset_init(&m->keys, &m->mem);
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT && rc == TALLY_OK; k++)
		rc = tallyi_strtab_init(&m->str[k], &m->mem);
	if (rc != TALLY_OK) {
		tally_sarif_merge_destroy(m);
		return rc;
	}
	*out = m;
	return TALLY_OK;
}

void
tally_sarif_merge_destroy(tally_sarif_merge *m)
{
	tallyi_mem mem;

	if (m == NULL)
		return;
	mem = m->mem;
	drop_staged(m);
	vec_free(&mem, &m->staged, sizeof(staged));
	for (size_t k = 0; k < m->inputs.n; k++)
		tallyi_input_close((tallyi_input *)m->inputs.p + k);
	vec_free(&mem, &m->inputs, sizeof(tallyi_input));
	for (size_t k = 0; k < m->runs.n; k++) {
		mrun *r = (mrun *)m->runs.p + k;

		tallyi_free(&mem, r->rule_map, r->nrules * sizeof(uint32_t));
	}
	vec_free(&mem, &m->runs, sizeof(mrun));
	for (size_t k = 0; k < m->tools.n; k++) {
		mtool *t = (mtool *)m->tools.p + k;

		vec_free(&mem, &t->members, sizeof(tallyi_span));
		vec_free(&mem, &t->rules, sizeof(ref));
		vec_free(&mem, &t->rule_ids, sizeof(uint32_t));
		vec_free(&mem, &t->arts, sizeof(mres));
		vec_free(&mem, &t->res, sizeof(mres));
		tallyi_free(&mem, t->rmap, t->rmap_cap * sizeof(uint64_t));
	}
	vec_free(&mem, &m->tools, sizeof(mtool));
	tallyi_keyset_fini(&m->keys);
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++)
		tallyi_strtab_fini(&m->str[k]);
	tallyi_free(&mem, m, sizeof(*m));
	tallyi_mem_fini(&mem);
}

int
tally_sarif_merge_add_file(tally_sarif_merge *m, const char *path,
    const tally_sarif_options *opt, tally_sarif_report *rep)
{
	tally_sarif_report local;
	tallyi_sarif_sink sink = { m_tool, m_intern, m_lookup, m_run, m, true,
		false };
	tallyi_input *in;
	uint32_t input;
	int rc;

	if (rep == NULL)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	rep->offset = UINT64_MAX;
	if (m == NULL || path == NULL ||
	    tallyi_check_options(opt) != TALLY_OK) {
		tallyi_report_error(rep, TALLY_EINVAL, UINT64_MAX,
		    "invalid argument");
		return TALLY_EINVAL;
	}
	in = vec_push(&m->mem, &m->inputs, sizeof(tallyi_input));
	if (in == NULL) {
		tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory");
		return TALLY_ENOMEM;
	}
	input = (uint32_t)(m->inputs.n - 1);
	rc = tallyi_input_open(in, path, &m->mem, rep);
	if (rc != TALLY_OK) {
		m->inputs.n--;
		return rc;
	}
	rc = tallyi_sarif_read(in, &sink, opt, rep);
	if (rc != TALLY_OK) {
		/* Nothing of this input was folded: forget it. */
		drop_staged(m);
		tallyi_input_close(in);
		m->inputs.n--;
		return rc;
	}
	for (size_t k = 0; k < m->staged.n && rc == TALLY_OK; k++)
		rc = fold_run(m, input, &((staged *)m->staged.p)[k].run);
	drop_staged(m);
	if (rc != TALLY_OK) {
		/*
		 * Part of the input may be folded and point at its text: keep
		 * it mapped, and refuse to write an incomplete merge.
		 */
		m->failed = rc;
		tallyi_report_error(rep, rc, UINT64_MAX, "%s",
		    tally_strerror(rc));
		rep->results = 0;
		return rc;
	}
	/* Its text is read again only at write time. */
	tallyi_input_release(in, in->len);
	return TALLY_OK;
}

void
tally_sarif_merge_totals(const tally_sarif_merge *m, uint64_t *read,
    uint64_t *unique)
{
	if (read != NULL)
		*read = m->read;
	if (unique != NULL)
		*unique = m->unique;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

typedef struct writer {
	FILE *f;
	bool err;
} writer;

static void
put(writer *w, const char *p, size_t n)
{
	if (!w->err && n != 0 && fwrite(p, 1, n, w->f) != n)
		w->err = true;
}

static void
puts_(writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/*
 * Where a value sits, for rewrite(): the only indexes a result or artifact
 * holds that point into its run are these.
 */
enum rw_ctx {
	RW_OTHER,
	RW_RESULT,   /* a result object: ruleIndex, rule */
	RW_RULEREF,  /* result.rule: index */
	RW_ARTLOC,   /* any artifactLocation: index */
	RW_ARTIFACT, /* an artifact object: parentIndex, location */
};

typedef struct rewriter {
	tallyi_jscan js;
	writer *w;
	size_t copied;          /* text below this offset is written */
	const mrun *run;
} rewriter;

/* Replace the integer at pos (if it is one) by map(value). */
static void
subst(rewriter *rw, bool is_rule)
{
	tallyi_jscan *js = &rw->js;
	size_t start, i;
	uint64_t v = 0;
	bool digits = true;
	char num[24];
	int64_t out;

	if (tallyi_js_skip(js, &start) != 0)
		return;
	for (i = start; i < js->pos; i++) {
		if (js->buf[i] < '0' || js->buf[i] > '9' ||
		    v > (UINT64_MAX - 9) / 10) {
			digits = false;
			break;
		}
		v = v * 10 + (uint64_t)(js->buf[i] - '0');
	}
	if (!digits) /* null, -1 (unset) or not an index: keep as written */
		return;
	if (is_rule)
		out = v < rw->run->nrules ? (int64_t)rw->run->rule_map[v] : -1;
	else
		out = (int64_t)(v + rw->run->art_base);
	put(rw->w, js->buf + rw->copied, start - rw->copied);
	snprintf(num, sizeof(num), "%lld", (long long)out);
	puts_(rw->w, num);
	rw->copied = js->pos;
}

static void
rw_value(rewriter *rw, enum rw_ctx ctx)
{
	tallyi_jscan *js = &rw->js;
	int c = tallyi_js_peek(js);
	size_t start;

	if (c == '{') {
		bool first = true;
		tallyi_jstr key;

		(void)tallyi_js_obj_begin(js, "");
		while (tallyi_js_obj_next(js, &first, &key) == 1) {
			enum rw_ctx child = RW_OTHER;

			if (tallyi_js_str_eq(js, &key, "artifactLocation")) {
				child = RW_ARTLOC;
			} else if (ctx == RW_RESULT &&
			    tallyi_js_str_eq(js, &key, "ruleIndex")) {
				subst(rw, true);
				continue;
			} else if (ctx == RW_RESULT &&
			    tallyi_js_str_eq(js, &key, "rule")) {
				child = RW_RULEREF;
			} else if (ctx == RW_RULEREF &&
			    tallyi_js_str_eq(js, &key, "index")) {
				subst(rw, true);
				continue;
			} else if (ctx == RW_ARTLOC &&
			    tallyi_js_str_eq(js, &key, "index")) {
				subst(rw, false);
				continue;
			} else if (ctx == RW_ARTIFACT &&
			    tallyi_js_str_eq(js, &key, "parentIndex")) {
				subst(rw, false);
				continue;
			} else if (ctx == RW_ARTIFACT &&
			    tallyi_js_str_eq(js, &key, "location")) {
				child = RW_ARTLOC;
			}
			rw_value(rw, child);
		}
	} else if (c == '[') {
		bool first = true;

		(void)tallyi_js_arr_begin(js, "");
		while (tallyi_js_arr_next(js, &first) == 1)
			rw_value(rw, RW_OTHER);
	} else {
		(void)tallyi_js_skip(js, &start);
	}
}

/* Write the text of @x, re-pointing its indexes through its run. */
static void
write_rewritten(tally_sarif_merge *m, writer *w, const mres *x,
    enum rw_ctx ctx)
{
	const tallyi_input *in = (const tallyi_input *)m->inputs.p + x->input;
	const mrun *run = (const mrun *)m->runs.p + x->run;
	const char *text = in->buf + x->span.off;
	rewriter rw;

	if (run->identity) {
		put(w, text, x->span.len);
		return;
	}
	tallyi_js_init(&rw.js, text, x->span.len);
	rw.w = w;
	rw.copied = 0;
	rw.run = run;
	rw_value(&rw, ctx);
	put(w, text + rw.copied, x->span.len - rw.copied);
}

static void
write_text(tally_sarif_merge *m, writer *w, uint32_t input, tallyi_span sp)
{
	const tallyi_input *in = (const tallyi_input *)m->inputs.p + input;

	put(w, in->buf + sp.off, sp.len);
}

static void
write_run(tally_sarif_merge *m, writer *w, const mtool *t)
{
	const ref *rules = t->rules.p;
	const tallyi_span *mem = t->members.p;
	const mres *arts = t->arts.p, *res = t->res.p;

	puts_(w, "{\"tool\":{\"driver\":{");
	for (size_t k = 0; k < t->members.n; k++) {
		if (k > 0)
			puts_(w, ",");
		write_text(m, w, t->input, mem[k]);
	}
	if (t->rules.n > 0) {
		puts_(w, t->members.n > 0 ? ",\"rules\":[" : "\"rules\":[");
		for (size_t k = 0; k < t->rules.n; k++) {
			if (k > 0)
				puts_(w, ",");
			write_text(m, w, rules[k].input, rules[k].span);
		}
		puts_(w, "]");
	}
	puts_(w, "}}");
	if (t->column_kind.len > 0) {
		puts_(w, ",\"columnKind\":");
		write_text(m, w, t->input, t->column_kind);
	}
	if (t->base_ids.len > 0) {
		puts_(w, ",\"originalUriBaseIds\":");
		write_text(m, w, t->input, t->base_ids);
	}
	if (t->arts.n > 0) {
		/*
		 * Artifacts keep their order, run after run, so an artifact's
		 * new index is its run's art_base plus its old one; indexes
		 * inside an artifact (parentIndex) move the same way.
		 */
		puts_(w, ",\"artifacts\":[");
		for (size_t k = 0; k < t->arts.n; k++) {
			if (k > 0)
				puts_(w, ",");
			write_rewritten(m, w, &arts[k], RW_ARTIFACT);
		}
		puts_(w, "]");
	}
	puts_(w, ",\"results\":[");
	for (size_t k = 0; k < t->res.n; k++) {
		if (k > 0)
			puts_(w, ",");
		write_rewritten(m, w, &res[k], RW_RESULT);
	}
	puts_(w, "]}");
}

int
tally_sarif_merge_write(tally_sarif_merge *m, const char *path)
{
	char *tmp = NULL;
	size_t tmp_len = 0;
	writer w = { NULL, false };
	bool to_stdout;
	bool first = true;
	int fd = -1;

	if (m == NULL || path == NULL)
		return TALLY_EINVAL;
	if (m->failed != 0)
		return m->failed;
	to_stdout = strcmp(path, "-") == 0;
	if (to_stdout) {
		w.f = stdout;
	} else {
		/*
		 * A new file beside @path, created with the usual 0666 & ~umask
		 * mode (mkstemp would make it 0600), renamed over @path when
		 * complete.
		 */
		tmp_len = strlen(path) + 48;
		tmp = tallyi_alloc(&m->mem, tmp_len);
		if (tmp == NULL)
			return TALLY_ENOMEM;
		for (unsigned attempt = 0; fd < 0 && attempt < 100; attempt++) {
			snprintf(tmp, tmp_len, "%s.tmp.%ld.%u", path,
			    (long)getpid(), attempt);
			fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			    0666);
			if (fd < 0 && errno != EEXIST)
				break;
		}
		if (fd < 0 || (w.f = fdopen(fd, "w")) == NULL) {
			int e = errno;

			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			tallyi_free(&m->mem, tmp, tmp_len);
			errno = e;
			return TALLY_EIO;
		}
		(void)setvbuf(w.f, NULL, _IOFBF, 1 << 20);
	}
	puts_(&w, "{\"$schema\":\"https://json.schemastore.org/"
	    "sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[");
	for (size_t k = 0; k < m->tools.n; k++) {
		const mtool *t = (const mtool *)m->tools.p + k;

		if (!t->present)
			continue;
		if (!first)
			puts_(&w, ",");
		first = false;
		write_run(m, &w, t);
	}
	puts_(&w, "]}\n");
	if (to_stdout) {
		if (fflush(w.f) != 0)
			w.err = true;
		return w.err ? TALLY_EIO : TALLY_OK;
	}
	if (fclose(w.f) != 0)
		w.err = true;
	if (!w.err && rename(tmp, path) != 0)
		w.err = true;
	if (w.err) {
		int e = errno;

		unlink(tmp);
		errno = e;
	}
	tallyi_free(&m->mem, tmp, tmp_len);
	return w.err ? TALLY_EIO : TALLY_OK;
}
