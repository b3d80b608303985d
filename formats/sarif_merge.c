/*
 * formats/sarif_merge.c - merge SARIF logs into one, one run per tool,
 * exact duplicates dropped.
 *
 * The merge is a sink of the reader (sarif_read.c). It keeps every input's
 * bytes (read into memory it owns and validated once, sarif_input.c: what
 * is copied out is what was checked) and remembers, for each unique
 * result, where its text lies; the text is copied to the output only at
 * write time, with the few indexes it holds re-pointed through its run's
 * rule and artifact maps (see write_rewritten()). Dedup uses the same
 * exact key and the same key set as the engine, so `tally merge` keeps
 * exactly the results `tally summary` counts as unique.
 *
 * All or nothing per input: the runs of an input are staged while it is
 * read and folded into the merge only when the whole input was good.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zlib.h>
#if defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#endif
#endif

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "formats/json_scan.h"
#include "formats/native.h"
#include "engine/idmap.h"
#include "engine/keyset.h"
#include "engine/outfile.h"
#include "formats/sarif_internal.h"
#include "engine/strtab.h"
#include "engine/vec.h"
#include "kernels/kernels.h"
#include "tally/corr.h"
#include "tally/linehash.h"

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
	uint32_t *art_map;  /* its artifact index -> merged artifact index */
	size_t narts;
	uint32_t *rule_map; /* its rule index -> merged rule index */
	size_t nrules;
	bool identity;      /* art_map[i] == i, rule_map[i] == i: copy as is */
} mrun;

/*
 * A unique result, or an artifact: its text and the run whose maps
 * re-point its indexes. Results also keep what annotating them needs.
 */
typedef struct mres {
	uint32_t input;
	uint32_t run;       /* index into merge.runs */
	tallyi_span span;
	uint64_t seq;       /* reading order (per side: merged, baseline) */
	tally_violation v;  /* ids in the merge's tables */
	uint32_t plh;       /* the log's primaryLocationLineHash, or NONE */
	uint32_t corr;      /* its record in the correlation index, or NONE */
	uint8_t state;      /* tally_baseline, once classified */
	bool plh_ours;      /* plh was computed from sources: write it */
	bool ext_rule;      /* its rule indexes point into a component the
			       merge copies as written: left as they are */
	bool stale_art;     /* its artifactLocation.index names no artifact
			       of its run (the reader accepts it beside a
			       uri): rewritten even when its run is copied
			       as is, as it could name another run's */
	uint32_t gh_rank;   /* GitHub: its place in the cut order, or NONE
			       when it is not written at all */
} mres;

/* One output run: everything merged for one tool. */
typedef struct mtool {
	bool present;        /* a committed input has a run of this tool */
	uint32_t input;      /* the input of the first run (driver, etc.) */
	tallyi_vec members;  /* tallyi_span: driver members, first run */
	tallyi_span column_kind, base_ids;
	tallyi_span extensions, invocations; /* first run's, as written */
	tallyi_vec rules;    /* ref */
	tallyi_vec rule_ids; /* uint32_t interned id of each merged rule */
	tallyi_idmap rmap;   /* rule id -> merged index */
	tallyi_vec arts;     /* mres */
	tallyi_idmap amap;   /* high half of the text's hash -> index */
	tallyi_vec res;      /* mres */
	tallyi_vec base;     /* mres: the baseline's results of this tool */
	uint32_t tool;       /* TALLY_STR_TOOL id */

	/* GitHub (tally_sarif_merge_github()): the slot's category, as
	 * read (TALLY_STR_MESSAGE id, NONE: none) and as written; a run kept
	 * apart is the own_k-th of its tool and category (0: shared). */
	uint32_t category, gh_cat;
	uint32_t own_k;
	/* and what the last write did with its results */
	uint64_t gh_results, gh_keep, gh_suppressed, gh_absent;
	char gh_why[112];    /* why results were cut; "" when none were */
} mtool;

/* A run of the input being read, waiting for the input to end. */
typedef struct staged {
	tallyi_sarif_run run;   /* arrays below are copies, owned here */
	uint32_t *cpos;         /* each result's correlation stage position */
} staged;

struct tally_sarif_merge {
	tallyi_mem mem;
	tallyi_strtab str[TALLY_STR_KIND_COUNT];
	tallyi_keyset keys;
	tallyi_vec inputs; /* tallyi_input */
	tallyi_vec runs;   /* mrun */
	tallyi_vec tools;  /* mtool: the output runs, in order */
	tallyi_idmap slot_of; /* tool id -> its shared slot in tools */
	tallyi_vec staged; /* staged */
	uint64_t read, unique;
	int failed;   /* folding ran out of memory: the merge is incomplete */

	/* Annotations (tally_sarif_merge_keep_duplicates() and after). */
	bool keep_dups;
	bool pretty; /* tally_sarif_merge_pretty() */
	tally_merge_format format; /* tally_sarif_merge_format() */
	bool only_new; /* tally_sarif_merge_only_new() */
	struct tally_corr *corr;
	tallyi_corr_stage stage;
	uint32_t *stage_idx;  /* the staged records' indexes in corr */
	size_t stage_idx_cap;
	bool has_base;
	uint64_t base_seq;    /* baseline results read */
	bool classified;
	char *sources;        /* NUL-terminated, or NULL */
	char *src_root;       /* likewise */
	bool src_absolute;    /* absolute paths outside src_root are read */
	tallyi_vec hashes;    /* fhash, by file id: the files' line hashes */
	tally_sarif_merge_stats stats;

	/* tally_sarif_merge_github() */
	bool github;
	bool gh_done;         /* a GitHub-shaped write completed */
	tally_sarif_github gh;
	uint64_t gh_gzip;     /* its gzip-compressed size */
};

/* The line hashes of one source file, computed at most once. */
typedef struct fhash {
	bool done;
	bool ok;
	tally_linehash *h;
	size_t n, cap;
} fhash;

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

static const char *
mstr(const tally_sarif_merge *m, tally_strkind k, uint32_t id, size_t *len)
{
	const tallyi_strent *e = tallyi_strtab_entry(&m->str[k], id);

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
	tallyi_free(mem, s->cpos, s->cpos ? (r->nres + 1) * sizeof(uint32_t) :
	    0);
}

static int
m_run(void *ctx, const tallyi_sarif_run *run)
{
	tally_sarif_merge *m = ctx;
	staged *s = tallyi_vec_push(&m->mem, &m->staged, sizeof(staged));
	tallyi_sarif_run *c;

	if (s == NULL)
		return TALLY_ENOMEM;
	s->cpos = NULL;
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
	c->cres = NULL; /* used here only */
	c->bases = NULL;
	c->nbases = 0;
	s->cpos = NULL;
	if (m->corr == NULL || run->cres == NULL)
		return TALLY_OK;
	/* Staged with the run; fold_run() maps positions to records. */
	s->cpos = tallyi_alloc(&m->mem, (run->nres + 1) * sizeof(uint32_t));
	if (s->cpos == NULL)
		return TALLY_ENOMEM;
	return tallyi_corr_stage_run(m->corr, &m->stage, run, m_lookup, m,
	    s->cpos);
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
	size_t n = t->rules.n;
	int rc;

	/* Room first: once the map holds the rule, the pushes cannot fail. */
	if (tallyi_vec_reserve(&m->mem, &t->rules, n + 1, sizeof(ref)) ||
	    tallyi_vec_reserve(&m->mem, &t->rule_ids, n + 1,
	    sizeof(uint32_t)))
		return TALLY_ENOMEM;
	if ((rc = tallyi_idmap_put(&m->mem, &t->rmap, id, (uint32_t)n, out)))
		return rc;
	if (*out == n) {
		*(ref *)tallyi_vec_push(&m->mem, &t->rules, sizeof(ref)) = r;
		*(uint32_t *)tallyi_vec_push(&m->mem, &t->rule_ids,
		    sizeof(uint32_t)) = id;
	}
	return TALLY_OK;
}

/*
 * The merged index of an artifact: an earlier one of the tool with the
 * same text (SARIF wants run.artifacts unique), else a new one. An
 * artifact with a parentIndex is never shared: its text means something
 * else in each run. The map is keyed by the high half of the text's hash
 * (so most other texts are told apart without a compare), and holds
 * every shareable artifact under it.
 */
static int
merged_artifact(tally_sarif_merge *m, mtool *t, uint32_t input,
    uint32_t run_id, tallyi_span sp, uint32_t *out)
{
	const tallyi_input *in = (const tallyi_input *)m->inputs.p + input;
	const char *text = in->buf + sp.off;
	uint32_t key = (uint32_t)(tallyi_strhash(text, sp.len) >> 32), idx;
	bool shareable = memmem(text, sp.len, "parentIndex", 11) == NULL;
	size_t pos = 0;
	mres *a;
	int rc;

	while (shareable && tallyi_idmap_next(&t->amap, key, &pos, &idx)) {
		const mres *b = (const mres *)t->arts.p + idx;
		const tallyi_input *bi = (const tallyi_input *)m->inputs.p +
		    b->input;

		if (b->span.len == sp.len &&
		    memcmp(bi->buf + b->span.off, text, sp.len) == 0) {
			*out = idx;
			return TALLY_OK;
		}
	}
	if (tallyi_vec_reserve(&m->mem, &t->arts, t->arts.n + 1,
	    sizeof(mres)))
		return TALLY_ENOMEM;
	*out = (uint32_t)t->arts.n;
	if (shareable &&
	    (rc = tallyi_idmap_add(&m->mem, &t->amap, key, *out)) != TALLY_OK)
		return rc;
	a = tallyi_vec_push(&m->mem, &t->arts, sizeof(mres));
	*a = (mres){ .input = input, .run = run_id, .span = sp };
	return TALLY_OK;
}

/*
 * The output run @run goes to: its tool's, or, for a run that its own
 * extensions, level overrides or message strings describe (self_contained),
 * one of its own, as merging them with another run's could change what its
 * results mean. Runs are written in the order their slots were made.
 */
static mtool *
new_slot(tally_sarif_merge *m, uint32_t tool)
{
	mtool *t = tallyi_vec_push(&m->mem, &m->tools, sizeof(mtool));

	if (t != NULL) {
		memset(t, 0, sizeof(*t));
		t->tool = tool;
		t->category = t->gh_cat = TALLY_ID_NONE;
	}
	return t;
}

/*
 * GitHub's category of a run whose automationDetails is @sp in input
 * @input: its id up to the last '/' (the whole id when it has none), in
 * *@id; TALLY_ID_NONE when there is none (no automationDetails, or one
 * that is not an object with a non-empty string id: the reader does not
 * look into it, so neither is it an error here).
 */
static int
run_category(tally_sarif_merge *m, uint32_t input, tallyi_span sp,
    uint32_t *id)
{
	const tallyi_input *in = (const tallyi_input *)m->inputs.p + input;
	tallyi_jscan js;
	tallyi_jstr key, t;
	bool first = true;
	char *s;
	size_t n;
	int rc;

	*id = TALLY_ID_NONE;
	if (sp.len == 0)
		return TALLY_OK;
	tallyi_js_init(&js, in->buf + sp.off, sp.len);
	if (tallyi_js_peek(&js) != '{' ||
	    tallyi_js_obj_begin(&js, "automationDetails") != 0)
		return TALLY_OK;
	while (tallyi_js_obj_next(&js, &first, &key) == 1) {
		if (!tallyi_js_str_eq(&js, &key, "id") ||
		    tallyi_js_peek(&js) != '"') {
			if (tallyi_js_skip(&js, &n) != 0)
				return TALLY_OK;
			continue;
		}
		if (tallyi_js_string(&js, &t) != 0 || t.len == 0)
			return TALLY_OK;
		if ((s = tallyi_alloc(&m->mem, t.len + 1)) == NULL)
			return TALLY_ENOMEM;
		n = tallyi_js_decode(js.buf, &t, s, t.len + 1);
		while (n > 0 && s[n - 1] != '/')
			n--;
		if (n == 0)
			n = tallyi_js_decode(js.buf, &t, s, t.len + 1);
		rc = tallyi_strtab_intern(&m->str[TALLY_STR_MESSAGE], s, n, id);
		tallyi_free(&m->mem, s, t.len + 1);
		return rc;
	}
	return TALLY_OK;
}

/*
 * tool_slot() for a GitHub-shaped merge: runs meet by tool and category,
 * and one kept apart gets a category of its own, "CATEGORY/tally-K/".
 */
static mtool *
github_slot(tally_sarif_merge *m, uint32_t input, const tallyi_sarif_run *run,
    bool own)
{
	uint32_t cat, k = 0;
	const char *c = "";
	size_t n = 0, cap;
	char *name;
	mtool *t;
	int len, rc;

	if (run_category(m, input, run->automation, &cat) != TALLY_OK)
		return NULL;
	for (size_t i = 0; i < m->tools.n; i++) {
		t = (mtool *)m->tools.p + i;
		if (t->tool != run->tool || t->category != cat)
			continue;
		if (!own && t->own_k == 0)
			return t;
		if (t->own_k > k)
			k = t->own_k;
	}
	if (own && cat != TALLY_ID_NONE)
		c = mstr(m, TALLY_STR_MESSAGE, cat, &n);
	cap = n + 32;
	if (own && (name = tallyi_alloc(&m->mem, cap)) == NULL)
		return NULL;
	if ((t = new_slot(m, run->tool)) == NULL) {
		if (own)
			tallyi_free(&m->mem, name, cap);
		return NULL;
	}
	t->category = t->gh_cat = cat;
	if (!own)
		return t;
	t->own_k = k + 1;
	len = snprintf(name, cap, "%.*s%stally-%u/", (int)n, c,
	    n > 0 && c[n - 1] != '/' ? "/" : "", t->own_k);
	rc = tallyi_strtab_intern(&m->str[TALLY_STR_MESSAGE], name,
	    (size_t)len, &t->gh_cat);
	tallyi_free(&m->mem, name, cap);
	if (rc != TALLY_OK) {
		m->tools.n--;
		return NULL;
	}
	return t;
}

static mtool *
tool_slot(tally_sarif_merge *m, uint32_t input, const tallyi_sarif_run *run,
    bool baseline)
{
	bool own = run->self_contained && !baseline;
	int64_t s;
	uint32_t idx;
	mtool *t;

	if (m->github)
		return github_slot(m, input, run, own);
	s = own ? -1 : tallyi_idmap_get(&m->slot_of, run->tool);
	if (s >= 0)
		return (mtool *)m->tools.p + s;
	if ((t = new_slot(m, run->tool)) == NULL)
		return NULL;
	if (!own && tallyi_idmap_put(&m->mem, &m->slot_of, run->tool,
	    (uint32_t)(m->tools.n - 1), &idx) != TALLY_OK) {
		m->tools.n--;
		return NULL;
	}
	return t;
}

/*
 * Fold one staged run of input @input into the merge. Out of memory here
 * leaves the merge consistent but missing part of the run, so the merge is
 * marked failed and will not be written.
 */
static int
fold_run(tally_sarif_merge *m, uint32_t input, const staged *st,
    bool baseline)
{
	const tallyi_sarif_run *run = &st->run;
	mtool *t = tool_slot(m, input, run, baseline);
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
		t->extensions = run->extensions;
		t->invocations = run->invocations;
		for (size_t k = 0; k < run->ndriver_members; k++) {
			tallyi_span *s = tallyi_vec_push(&m->mem, &t->members,
			    sizeof(tallyi_span));

			if (s == NULL)
				return TALLY_ENOMEM;
			*s = run->driver_members[k];
		}
	}
	mr = tallyi_vec_push(&m->mem, &m->runs, sizeof(mrun));
	if (mr == NULL)
		return TALLY_ENOMEM;
	run_id = (uint32_t)(m->runs.n - 1);
	mr->input = input;
	mr->nrules = run->nrules;
	mr->narts = run->nartifacts;
	mr->rule_map = tallyi_alloc(&m->mem, run->nrules * sizeof(uint32_t));
	mr->art_map = tallyi_alloc(&m->mem, run->nartifacts *
	    sizeof(uint32_t));
	if (mr->rule_map == NULL || mr->art_map == NULL) {
		tallyi_free(&m->mem, mr->rule_map, run->nrules *
		    sizeof(uint32_t));
		tallyi_free(&m->mem, mr->art_map, run->nartifacts *
		    sizeof(uint32_t));
		mr->rule_map = mr->art_map = NULL;
		mr->nrules = mr->narts = 0;
		return TALLY_ENOMEM;
	}
	mr->identity = true;
	for (size_t k = 0; k < run->nrules; k++) {
		ref r = { input, run->rules[k].span };

		rc = merged_rule(m, t, run->rules[k].id, r, &mr->rule_map[k]);
		if (rc != TALLY_OK)
			return rc;
		mr->identity &= mr->rule_map[k] == k;
	}
	for (size_t k = 0; k < run->nartifacts; k++) {
		if ((rc = merged_artifact(m, t, input, run_id,
		    run->artifacts[k], &mr->art_map[k])) != TALLY_OK)
			return rc;
		mr->identity &= mr->art_map[k] == k;
	}
	for (size_t k = 0; k < run->nres; k++) {
		const tally_violation *v = &run->res[k].v;
		uint64_t fp;
		/* Suppression is part of a result's identity (tally/engine.h):
		 * it rides in the key's offset, whose top bit no real offset
		 * reaches. */
		uint64_t off = v->offset | (uint64_t)(v->flags &
		    TALLY_VIOLATION_SUPPRESSED) << 63;
		tallyk_keycols cols = { &v->tool, &v->rule, &v->file,
			&v->message, &v->line, &v->column, &off };
		tallyi_key key = { v->tool, v->rule, v->file, v->message,
			v->line, v->column, off };
		uint32_t pos = st->cpos != NULL ? st->cpos[k] : TALLY_ID_NONE;
		int64_t ai = run->res[k].art_index;
		bool stale = ai >= 0 && (uint64_t)ai >= run->nartifacts;
		bool new = true;
		mres *x;

		if (baseline) {
			x = tallyi_vec_push(&m->mem, &t->base, sizeof(mres));
			if (x == NULL)
				return TALLY_ENOMEM;
			*x = (mres){ .input = input, .run = run_id,
				.span = run->res[k].span, .seq = m->base_seq++,
				.v = *v, .plh = run->res[k].plh,
				.corr = TALLY_ID_NONE,
				.ext_rule = run->res[k].ext_rule,
				.stale_art = stale };
			continue;
		}
		tallyk_fingerprint_scalar(&cols, 1, &fp);
		if ((rc = tallyi_keyset_insert(&m->keys, fp, &key, &new)))
			return rc;
		if (!new && !m->keep_dups) {
			m->read++;
			continue;
		}
		m->unique += new;
		x = tallyi_vec_push(&m->mem, &t->res, sizeof(mres));
		if (x == NULL)
			return TALLY_ENOMEM;
		*x = (mres){ .input = input, .run = run_id,
			.span = run->res[k].span, .seq = m->read, .v = *v,
			.plh = run->res[k].plh, .corr = pos == TALLY_ID_NONE ?
			TALLY_ID_NONE : m->stage_idx[pos],
			.ext_rule = run->res[k].ext_rule, .stale_art = stale };
		m->read++;
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
	rc = tallyi_keyset_init(&m->keys, &m->mem, 0);
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
	tallyi_vec_free(&mem, &m->staged, sizeof(staged));
	for (size_t k = 0; k < m->inputs.n; k++)
		tallyi_input_close((tallyi_input *)m->inputs.p + k);
	tallyi_vec_free(&mem, &m->inputs, sizeof(tallyi_input));
	for (size_t k = 0; k < m->runs.n; k++) {
		mrun *r = (mrun *)m->runs.p + k;

		tallyi_free(&mem, r->rule_map, r->nrules * sizeof(uint32_t));
		tallyi_free(&mem, r->art_map, r->narts * sizeof(uint32_t));
	}
	tallyi_vec_free(&mem, &m->runs, sizeof(mrun));
	for (size_t k = 0; k < m->tools.n; k++) {
		mtool *t = (mtool *)m->tools.p + k;

		tallyi_vec_free(&mem, &t->members, sizeof(tallyi_span));
		tallyi_vec_free(&mem, &t->rules, sizeof(ref));
		tallyi_vec_free(&mem, &t->rule_ids, sizeof(uint32_t));
		tallyi_vec_free(&mem, &t->arts, sizeof(mres));
		tallyi_vec_free(&mem, &t->res, sizeof(mres));
		tallyi_vec_free(&mem, &t->base, sizeof(mres));
		tallyi_idmap_free(&mem, &t->rmap);
		tallyi_idmap_free(&mem, &t->amap);
	}
	tallyi_vec_free(&mem, &m->tools, sizeof(mtool));
	tallyi_idmap_free(&mem, &m->slot_of);
	tallyi_corr_stage_free(m->corr, &m->stage);
	tallyi_free(&mem, m->stage_idx, m->stage_idx_cap * sizeof(uint32_t));
	tallyi_free(&mem, m->sources, m->sources ? strlen(m->sources) + 1 : 0);
	tallyi_free(&mem, m->src_root, m->src_root ? strlen(m->src_root) + 1 :
	    0);
	for (size_t k = 0; k < m->hashes.n; k++) {
		fhash *h = (fhash *)m->hashes.p + k;

		tallyi_free(&mem, h->h, h->cap * sizeof(tally_linehash));
	}
	tallyi_vec_free(&mem, &m->hashes, sizeof(fhash));
	tallyi_keyset_fini(&m->keys);
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++)
		tallyi_strtab_fini(&m->str[k]);
	tallyi_free(&mem, m, sizeof(*m));
	tallyi_mem_fini(&mem);
}

/* Add the staged correlation records; fold_run() reads stage_idx. */
static int
commit_corr(tally_sarif_merge *m)
{
	if (m->stage.n > m->stage_idx_cap) {
		uint32_t *p = tallyi_grow(&m->mem, m->stage_idx,
		    &m->stage_idx_cap, m->stage.n, 64, sizeof(uint32_t));

		if (p == NULL)
			return TALLY_ENOMEM;
		m->stage_idx = p;
	}
	return tallyi_corr_commit(m->corr, &m->stage, m->stage_idx);
}

/*
 * Read one input and fold it in (@baseline: as the baseline's results).
 * All or nothing, as tally_sarif_merge_add_file() says.
 */
static int
add_input(tally_sarif_merge *m, const char *path,
    const tally_sarif_options *opt, tally_sarif_report *rep, bool baseline)
{
	tally_sarif_report local;
	tallyi_sarif_sink sink = { m_tool, m_intern, m_lookup, m_run, m,
		m->corr != NULL && !baseline };
	tallyi_input *in;
	uint32_t input;
	int rc;

	if (rep == NULL)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	rep->error.offset = UINT64_MAX;
	if (m == NULL || path == NULL || tallyi_check_options(opt) != TALLY_OK) {
		tallyi_report_error(rep, TALLY_EINVAL, UINT64_MAX,
		    "invalid argument");
		return TALLY_EINVAL;
	}
	in = tallyi_vec_push(&m->mem, &m->inputs, sizeof(tallyi_input));
	if (in == NULL) {
		tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory");
		return TALLY_ENOMEM;
	}
	input = (uint32_t)(m->inputs.n - 1);
	rc = tallyi_input_open_decoded(in, path, opt, &m->mem, rep);
	if (rc != TALLY_OK) {
		m->inputs.n--;
		return rc;
	}
	rc = tallyi_sarif_read(in, &sink, opt, rep);
	if (rc == TALLY_OK && sink.want_corr)
		rc = commit_corr(m);
	if (rc != TALLY_OK && rep->error.status == TALLY_OK)
		tallyi_report_error(rep, rc, UINT64_MAX, "%s",
		    tally_strerror(rc));
	if (rc != TALLY_OK) {
		/* Nothing of this input was folded: forget it. */
		drop_staged(m);
		m->stage.n = 0;
		tallyi_input_close(in);
		m->inputs.n--;
		rep->results = 0;
		return rc;
	}
	for (size_t k = 0; k < m->staged.n && rc == TALLY_OK; k++)
		rc = fold_run(m, input, &((staged *)m->staged.p)[k], baseline);
	drop_staged(m);
	if (rc != TALLY_OK) {
		/*
		 * Part of the input may be folded and point at its text: keep
		 * its bytes, and refuse to write an incomplete merge.
		 */
		m->failed = rc;
		tallyi_report_error(rep, rc, UINT64_MAX, "%s",
		    tally_strerror(rc));
		rep->results = 0;
		return rc;
	}
	return TALLY_OK;
}

int
tally_sarif_merge_add_file(tally_sarif_merge *m, const char *path,
    const tally_sarif_options *opt, tally_sarif_report *rep)
{
	return add_input(m, path, opt, rep, false);
}

int
tally_sarif_merge_baseline(tally_sarif_merge *m, const char *path,
    const tally_sarif_options *opt, tally_sarif_report *rep)
{
	int rc;

	if (m != NULL && m->has_base) {
		if (rep != NULL) {
			memset(rep, 0, sizeof(*rep));
			tallyi_report_error(rep, TALLY_ESTATE, UINT64_MAX,
			    "a baseline was given already");
		}
		return TALLY_ESTATE;
	}
	rc = add_input(m, path, opt, rep, true);
	if (rc == TALLY_OK)
		m->has_base = true;
	return rc;
}

int
tally_sarif_merge_keep_duplicates(tally_sarif_merge *m)
{
	if (m == NULL)
		return TALLY_EINVAL;
	if (m->inputs.n != 0)
		return TALLY_ESTATE;
	m->keep_dups = true;
	return TALLY_OK;
}

int
tally_sarif_merge_pretty(tally_sarif_merge *m, bool pretty)
{
	if (m == NULL)
		return TALLY_EINVAL;
	m->pretty = pretty;
	return TALLY_OK;
}

int
tally_sarif_merge_correlate(tally_sarif_merge *m, struct tally_corr *c)
{
	if (m == NULL || c == NULL)
		return TALLY_EINVAL;
	if (m->inputs.n != 0)
		return TALLY_ESTATE;
	m->corr = c;
	return TALLY_OK;
}

/* Replace *@dst by a copy of @s (NULL: none), trailing '/'s dropped. */
static int
set_dir(tally_sarif_merge *m, char **dst, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	tallyi_free(&m->mem, *dst, *dst ? strlen(*dst) + 1 : 0);
	*dst = NULL;
	if (s == NULL)
		return TALLY_OK;
	while (n > 1 && s[n - 1] == '/')
		n--;
	if ((*dst = tallyi_alloc(&m->mem, n + 1)) == NULL)
		return TALLY_ENOMEM;
	memcpy(*dst, s, n);
	(*dst)[n] = '\0';
	return TALLY_OK;
}

int
tally_sarif_merge_sources(tally_sarif_merge *m, const char *dir,
    const char *root)
{
	int rc;

	if (m == NULL || dir == NULL)
		return TALLY_EINVAL;
	if ((rc = set_dir(m, &m->sources, dir)) != TALLY_OK ||
	    (rc = set_dir(m, &m->src_root, root)) != TALLY_OK)
		return rc;
	return TALLY_OK;
}

int
tally_sarif_merge_sources_absolute(tally_sarif_merge *m, bool allow)
{
	if (m == NULL)
		return TALLY_EINVAL;
	m->src_absolute = allow;
	return TALLY_OK;
}

void
tally_sarif_merge_stats_get(const tally_sarif_merge *m,
    tally_sarif_merge_stats *out)
{
	*out = m->stats;
	out->read = m->read;
	out->unique = m->unique;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

/*
 * Every byte written goes through put(), which formats the log as one
 * stream: the copied input texts keep whatever layout their tool gave them
 * (the pretty-printed ESLint logs are half whitespace), so the writer
 * drops the whitespace between tokens and, with --pretty, lays the whole
 * log out again (two spaces a level, one member or element a line). It
 * tracks only whether it is inside a string, and after a backslash, across
 * calls: the stream is valid JSON (inputs were validated when read), so
 * that is all it takes to know which whitespace is between tokens. The
 * compact layout, the default, goes 64 bytes at a time (put_compact());
 * --pretty, and what is left under 64 bytes, token by token (put_stream()).
 */
typedef struct writer {
	FILE *f;
	bool err;
	bool nomem;   /* an annotation could not be built: TALLY_ENOMEM */
	int errnum;   /* errno of the first failed write, when err */
	bool pretty;  /* lay out again; else compact */
	bool in_str;  /* inside a string */
	bool esc;     /* inside a string, just after a backslash */
	bool opened;  /* pretty: a bracket was written, its line not begun */
	unsigned depth; /* pretty: nesting */
	z_stream *gz; /* also (or only, when f is NULL) counts the bytes'
			 gzip-compressed size in gz->total_out */
	size_t nbuf;  /* bytes in @buf: the pieces are small, stdio's calls not */
	char buf[64 * 1024];
} writer;

/* The outcome of a write to @what, with its details in @err. */
static int
write_status(const writer *w, const char *what, tally_error *err)
{
	if (w->nomem)
		return tallyi_error_set(err, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory while writing %s", what);
	if (w->err)
		return tallyi_error_set(err, TALLY_EIO, UINT64_MAX,
		    "%s: %s", what, strerror(w->errnum));
	return TALLY_OK;
}

/* Remember the first failure of the output and its errno. */
static void
io_failed(writer *w)
{
	if (!w->err) {
		w->err = true;
		w->errnum = errno != 0 ? errno : EIO;
	}
}

/* Compress @n bytes at @p into @z, keeping only the count; @end: the last. */
static void
gz_feed(z_stream *z, const char *p, size_t n, bool end)
{
	unsigned char out[16 * 1024];
	int zr;

	do {
		size_t part = n < (1u << 30) ? n : (1u << 30);

		z->next_in = (unsigned char *)(uintptr_t)p;
		z->avail_in = (uInt)part;
		p += part;
		n -= part;
		do {
			z->next_out = out;
			z->avail_out = sizeof(out);
			zr = deflate(z, end && n == 0 ? Z_FINISH : Z_NO_FLUSH);
		} while (zr == Z_OK && (z->avail_out == 0 ||
		    (end && n == 0)));
	} while (n > 0 && zr == Z_OK);
}

/* Hand @n bytes at @p to the file and the gzip counter. */
static void
sink(writer *w, const char *p, size_t n)
{
	if (w->err || n == 0)
		return;
	if (w->gz != NULL)
		gz_feed(w->gz, p, n, false);
	if (w->f != NULL && fwrite(p, 1, n, w->f) != n)
		io_failed(w);
}

static void
put_flush(writer *w)
{
	sink(w, w->buf, w->nbuf);
	w->nbuf = 0;
}

static void
put_raw(writer *w, const char *p, size_t n)
{
	if (n > sizeof(w->buf) - w->nbuf) {
		put_flush(w);
		if (n >= sizeof(w->buf)) {
			sink(w, p, n);
			return;
		}
	}
	memcpy(w->buf + w->nbuf, p, n);
	w->nbuf += n;
}

static inline bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* The first i >= @i at a quote or a backslash (the bytes a string ends at). */
static size_t
scan_in_string(const char *p, size_t i, size_t n)
{
#if defined(__SSE2__)
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');

	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)));

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i < n && p[i] != '"' && p[i] != '\\')
		i++;
	return i;
}

/* Between tokens: a byte the writer acts on (whitespace, a quote, and
 * with --pretty the structural characters). */
static inline bool
is_special(unsigned char c, bool pretty)
{
	return is_ws(c) || c == '"' || (pretty && (c == '{' || c == '}' ||
	    c == '[' || c == ']' || c == ',' || c == ':'));
}

/* The first i >= @i at a byte is_special() is true of. */
static size_t
scan_between(const char *p, size_t i, size_t n, bool pretty)
{
#if defined(__SSE2__)
	const __m128i q = _mm_set1_epi8('"'), sp = _mm_set1_epi8(' ');
	const __m128i nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
	const __m128i tb = _mm_set1_epi8('\t'), co = _mm_set1_epi8(':');
	const __m128i cm = _mm_set1_epi8(','), lb = _mm_set1_epi8('[');
	const __m128i rb = _mm_set1_epi8(']'), lc = _mm_set1_epi8('{');
	const __m128i rc = _mm_set1_epi8('}');

	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q),
		    _mm_cmpeq_epi8(x, sp)), _mm_or_si128(_mm_cmpeq_epi8(x, nl),
		    _mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, tb))));
		unsigned b;

		if (pretty)
			m = _mm_or_si128(m, _mm_or_si128(_mm_or_si128(
			    _mm_cmpeq_epi8(x, co), _mm_cmpeq_epi8(x, cm)),
			    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, lb),
			    _mm_cmpeq_epi8(x, rb)), _mm_or_si128(
			    _mm_cmpeq_epi8(x, lc), _mm_cmpeq_epi8(x, rc)))));
		if ((b = (unsigned)_mm_movemask_epi8(m)) != 0)
			return i + (size_t)__builtin_ctz(b);
	}
#endif
	while (i < n && !is_special((unsigned char)p[i], pretty))
		i++;
	return i;
}

static void
newline(writer *w)
{
	static const char sp[] = "\n                                ";
	size_t want = 2 * (size_t)w->depth;

	put_raw(w, sp, 1);
	for (; want > sizeof(sp) - 2; want -= sizeof(sp) - 2)
		put_raw(w, sp + 1, sizeof(sp) - 2);
	put_raw(w, sp + 1, want);
}

/* Pretty: the next token starts a bracket's first line. */
static inline void
begin_token(writer *w)
{
	if (w->opened) {
		w->opened = false;
		newline(w);
	}
}

static void
put_stream(writer *w, const char *p, size_t n)
{
	size_t i = 0, run = 0; /* p[run .. i) is to be written as it is */

	while (i < n) {
		unsigned char c;

		if (w->in_str) {
			if (w->esc) { /* the byte after a backslash */
				w->esc = false;
				i++;
				continue;
			}
			i = scan_in_string(p, i, n);
			if (i == n)
				break;
			if (p[i] == '\\')
				w->esc = true;
			else
				w->in_str = false;
			i++;
			continue;
		}
		c = (unsigned char)p[i];
		if (!is_special(c, w->pretty)) {
			if (w->pretty && w->opened) {
				put_raw(w, p + run, i - run);
				run = i;
				begin_token(w);
			}
			i = scan_between(p, i + 1, n, w->pretty);
			continue;
		}
		put_raw(w, p + run, i - run);
		if (is_ws(c)) {
			while (++i < n && is_ws((unsigned char)p[i]))
				;
			run = i;
			continue;
		}
		run = ++i;
		if (c == '"') {
			begin_token(w);
			put_raw(w, "\"", 1);
			w->in_str = true;
		} else if (c == '{' || c == '[') {
			begin_token(w);
			put_raw(w, p + i - 1, 1);
			w->depth++;
			w->opened = true;
		} else if (c == '}' || c == ']') {
			w->depth--;
			if (w->opened)
				w->opened = false; /* {} and [] stay on a line */
			else
				newline(w);
			put_raw(w, p + i - 1, 1);
		} else if (c == ',') {
			put_raw(w, ",", 1);
			newline(w);
		} else {
			put_raw(w, ": ", 2);
		}
	}
	put_raw(w, p + run, n - run);
}

/*
 * Compact layout, a 64-byte block at a time, from three bit masks of the
 * block (bit i for byte i): its backslashes, quotes and whitespace. A
 * quote ends or starts a string unless a backslash escapes it, that is
 * unless it ends a run of backslashes of odd length; the bytes inside
 * strings are then a prefix XOR of the unescaped quotes (bit i: an odd
 * number of them at or before i), and the whitespace dropped is the rest.
 * Both facts carry into the next block: whether its first byte is escaped
 * (an odd run ended the block) and whether it starts inside a string.
 * Backslashes occur only inside strings in valid JSON, so escapes need no
 * string state of their own.
 */
#define EVEN_BITS UINT64_C(0x5555555555555555)

static inline uint64_t
prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

/*
 * The bytes a backslash escapes, given the block's backslashes @bs;
 * @carry is 1 when the block's first byte is escaped, and is set for the
 * next block. Runs of backslashes that start on an odd bit are shifted to
 * start on an even one by adding their start bits (the carry out of the
 * add is a run reaching past the block); then every other byte after a
 * run's start is escaped, starting with the second.
 */
static inline uint64_t
escaped_bytes(uint64_t bs, uint64_t *carry)
{
	uint64_t follows, odd_starts, even_runs;

	bs &= ~*carry; /* an escaped backslash starts no escape */
	follows = bs << 1 | *carry;
	odd_starts = bs & ~EVEN_BITS & ~follows;
	*carry = __builtin_add_overflow(odd_starts, bs, &even_runs);
	return (EVEN_BITS ^ (even_runs << 1)) & follows;
}

/* The masks of backslashes, quotes and whitespace of p[0 .. 64). */
static inline void
block_masks(const char *p, uint64_t *bs, uint64_t *q, uint64_t *ws)
{
#if defined(__SSE2__)
	const __m128i vb = _mm_set1_epi8('\\'), vq = _mm_set1_epi8('"');
	const __m128i sp = _mm_set1_epi8(' '), nl = _mm_set1_epi8('\n');
	const __m128i cr = _mm_set1_epi8('\r'), tb = _mm_set1_epi8('\t');

	*bs = *q = *ws = 0;
	for (int k = 0; k < 4; k++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + 16 * k));
		__m128i w = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(x, sp), _mm_cmpeq_epi8(x, nl)),
		    _mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, tb)));

		*bs |= (uint64_t)(unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(x, vb)) << (16 * k);
		*q |= (uint64_t)(unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(x, vq)) << (16 * k);
		*ws |= (uint64_t)(unsigned)_mm_movemask_epi8(w) << (16 * k);
	}
#else
	*bs = *q = *ws = 0;
	for (int k = 0; k < 64; k++) {
		unsigned char c = (unsigned char)p[k];

		*bs |= (uint64_t)(c == '\\') << k;
		*q |= (uint64_t)(c == '"') << k;
		*ws |= (uint64_t)is_ws(c) << k;
	}
#endif
}

/* Append p[0 .. 64) less the bytes set in @drop (room for 64 is there). */
static inline void
copy_kept(writer *w, const char *p, uint64_t drop)
{
	char *d = w->buf + w->nbuf;
	unsigned k = 0;

	while (k < 64) {
		uint64_t rest = drop >> k;
		unsigned keep = rest == 0 ? 64 - k :
		    (unsigned)__builtin_ctzll(rest);

		memcpy(d, p + k, keep);
		d += keep;
		k += keep;
		if (k == 64)
			break;
		/* a run of dropped bytes: the shift filled the top with 0s,
		 * so ~(drop >> k) has a set bit at or below 64 - k */
		rest = ~(drop >> k);
		k += rest == 0 ? 64 : (unsigned)__builtin_ctzll(rest);
	}
	w->nbuf = (size_t)(d - w->buf);
}

static void
put_compact(writer *w, const char *p, size_t n)
{
	uint64_t esc = w->esc, in = w->in_str ? ~UINT64_C(0) : 0;
	size_t i = 0;

	for (; i + 64 <= n; i += 64) {
		uint64_t bs, q, ws, str;

		block_masks(p + i, &bs, &q, &ws);
		q &= ~escaped_bytes(bs, &esc);
		str = prefix_xor(q) ^ in;
		in = (uint64_t)((int64_t)str >> 63);
		if (sizeof(w->buf) - w->nbuf < 64)
			put_flush(w);
		copy_kept(w, p + i, ws & ~str);
	}
	w->esc = esc != 0;
	w->in_str = in != 0;
	if (i < n)
		put_stream(w, p + i, n - i);
}

static void
put(writer *w, const char *p, size_t n)
{
	if (w->pretty)
		put_stream(w, p, n);
	else
		put_compact(w, p, n);
}

static void
puts_(writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/*
 * Where a value sits, for write_rewritten(): the only indexes a result or
 * artifact holds that point into its run are these.
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
	bool keep_rule;         /* leave rule indexes as written */
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
	if (!digits || (is_rule && rw->keep_rule)) /* null, -1 (unset), not
						       * an index: as written */
		return;
	/* An index that names nothing of its run is -1, "not set" (§3.4.5),
	 * rather than whatever the merged run holds at that place. */
	if (is_rule)
		out = v < rw->run->nrules ? (int64_t)rw->run->rule_map[v] : -1;
	else
		out = v < rw->run->narts ? (int64_t)rw->run->art_map[v] : -1;
	put(rw->w, js->buf + rw->copied, start - rw->copied);
	snprintf(num, sizeof(num), "%lld", (long long)out);
	puts_(rw->w, num);
	rw->copied = js->pos;
}

static void rw_value(rewriter *rw, enum rw_ctx ctx);

/* The value of member @key of an object of kind @ctx (pos is at it). */
static void
rw_member(rewriter *rw, enum rw_ctx ctx, const tallyi_jstr *key)
{
	tallyi_jscan *js = &rw->js;
	enum rw_ctx child = RW_OTHER;

	if (tallyi_js_str_eq(js, key, "artifactLocation")) {
		child = RW_ARTLOC;
	} else if (ctx == RW_RESULT && tallyi_js_str_eq(js, key, "ruleIndex")) {
		subst(rw, true);
		return;
	} else if (ctx == RW_RESULT && tallyi_js_str_eq(js, key, "rule")) {
		child = RW_RULEREF;
	} else if (ctx == RW_RULEREF && tallyi_js_str_eq(js, key, "index")) {
		subst(rw, true);
		return;
	} else if (ctx == RW_ARTLOC && tallyi_js_str_eq(js, key, "index")) {
		subst(rw, false);
		return;
	} else if (ctx == RW_ARTIFACT &&
	    tallyi_js_str_eq(js, key, "parentIndex")) {
		subst(rw, false);
		return;
	} else if (ctx == RW_ARTIFACT && tallyi_js_str_eq(js, key, "location")) {
		child = RW_ARTLOC;
	}
	rw_value(rw, child);
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
		while (tallyi_js_obj_next(js, &first, &key) == 1)
			rw_member(rw, ctx, &key);
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

	if (run->identity && !x->stale_art) {
		put(w, text, x->span.len);
		return;
	}
	tallyi_js_init(&rw.js, text, x->span.len);
	rw.w = w;
	rw.copied = 0;
	rw.run = run;
	rw.keep_rule = x->ext_rule;
	rw_value(&rw, ctx);
	put(w, text + rw.copied, x->span.len - rw.copied);
}

static void
write_text(tally_sarif_merge *m, writer *w, uint32_t input, tallyi_span sp)
{
	const tallyi_input *in = (const tallyi_input *)m->inputs.p + input;

	put(w, in->buf + sp.off, sp.len);
}

/* ------------------------------------------------------------------ */
/* Annotations: baselineState, line hashes, correlation                */

/* put() as the toolkit's JSON writer calls it. */
static void
put_cb(void *w, const char *p, size_t n)
{
	put(w, p, n);
}

static void
put_json_str(writer *w, const char *s, size_t n)
{
	tallyi_json_str(put_cb, w, s, n);
}

/*
 * The largest source file read for line hashes: one line hash takes 16
 * bytes, so a file of newlines this big takes 256 MiB more while its
 * hashes are made. Source files are far smaller; a generated one above it
 * is counted unreadable.
 */
#define SOURCE_MAX ((size_t)16 << 20)

/*
 * Open @rel beneath the directory @dirfd, or fail: no "..", no absolute
 * path, no symlink, are followed out of it. Without openat2() (kernels
 * before 5.6, or a seccomp filter that refuses it), each component is
 * opened in turn with O_NOFOLLOW: stricter, as no symlink is followed at
 * all. O_NONBLOCK: a FIFO opens without waiting for a writer (fstat then
 * refuses it).
 */
static int
open_beneath(int dirfd, const char *rel)
{
	const int last_flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	int fd = dirfd;

#if defined(SYS_openat2) && defined(RESOLVE_BENEATH)
	struct open_how how = { .flags = (uint64_t)last_flags,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	int r = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	if (r >= 0 || (errno != ENOSYS && errno != EPERM))
		return r;
#endif
	for (const char *p = rel;;) {
		char name[NAME_MAX + 1];
		size_t n;
		bool last;
		int next;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		last = p[n + strspn(p + n, "/")] == '\0';
		if (n == 0 || n > NAME_MAX || (n == 2 && memcmp(p, "..", 2) == 0)) {
			next = -1; /* a directory, too long, or out of @dirfd */
		} else if (n == 1 && p[0] == '.' && !last) {
			p += n;
			continue;
		} else {
			memcpy(name, p, n);
			name[n] = '\0';
			next = openat(fd, name, O_NOFOLLOW | (last ? last_flags :
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		}
		if (fd != dirfd)
			close(fd);
		if (next < 0 || last)
			return next;
		fd = next;
		p += n;
	}
}

/*
 * Read the regular file open at @fd (closed here) into *@out (*@n bytes,
 * a block of *@cap): its size when opened, at most SOURCE_MAX; bytes
 * appended since are not read, a file that shrank is not hashed. Return:
 * TALLY_OK, TALLY_EIO (not a regular file, too big, unreadable),
 * TALLY_ENOMEM.
 */
static int
read_source(const tally_sarif_merge *m, int fd, char **out, size_t *n,
    size_t *cap)
{
	struct stat st;
	size_t len = 0, size;
	char *buf;
	int rc = TALLY_EIO;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size > SOURCE_MAX) {
		close(fd);
		return TALLY_EIO;
	}
	size = (size_t)st.st_size;
	if ((buf = tallyi_alloc(&m->mem, size)) == NULL) {
		close(fd);
		return TALLY_ENOMEM;
	}
	while (len < size) {
		ssize_t r = read(fd, buf + len, size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len == size) {
		*out = buf;
		*n = len;
		*cap = size;
		return TALLY_OK;
	}
	tallyi_free(&m->mem, buf, size);
	return rc;
}

/*
 * Open the source of file @f (@flen bytes, NUL-terminated): beneath the
 * sources directory @dirfd when relative, or absolute under the root;
 * another absolute path only when the merge allows them. A name holding a
 * NUL ("\u0000" in the log) names no file: refused, not cut. Return: the
 * descriptor, or -1.
 */
static int
open_source(const tally_sarif_merge *m, int dirfd, const char *f,
    size_t flen)
{
	if (memchr(f, '\0', flen) != NULL)
		return -1;
	if (f[0] == '/' && m->src_root != NULL) {
		size_t rl = strlen(m->src_root);

		/* Under the root: relative to it, so read under @dir. */
		if (flen > rl && memcmp(f, m->src_root, rl) == 0 &&
		    (f[rl] == '/' || m->src_root[rl - 1] == '/')) {
			f += rl;
			while (f[0] == '/')
				f++;
			return dirfd >= 0 ? open_beneath(dirfd, f) : -1;
		}
	}
	if (f[0] == '/')
		return m->src_absolute ? open(f, O_RDONLY | O_NONBLOCK |
		    O_NOCTTY | O_CLOEXEC) : -1;
	return dirfd >= 0 ? open_beneath(dirfd, f) : -1;
}

/* The line hashes of file @file, computed on first use. */
static const fhash *
file_hashes(tally_sarif_merge *m, int dirfd, uint32_t file)
{
	fhash *h;
	size_t flen, n = 0, cap = 0, lines = 1;
	size_t hsize;
	const char *f;
	char *text = NULL;
	int fd, rc;

	while (m->hashes.n <= file) {
		fhash *z = tallyi_vec_push(&m->mem, &m->hashes, sizeof(fhash));

		if (z == NULL)
			return NULL;
		memset(z, 0, sizeof(*z));
	}
	h = (fhash *)m->hashes.p + file;
	if (h->done)
		return h;
	h->done = true;
	f = mstr(m, TALLY_STR_FILE, file, &flen);
	if (flen == 0)
		return h;
	fd = open_source(m, dirfd, f, flen);
	rc = fd >= 0 ? read_source(m, fd, &text, &n, &cap) : TALLY_EIO;
	if (rc != TALLY_OK) {
		h->done = rc != TALLY_ENOMEM;
		m->stats.unreadable += rc != TALLY_ENOMEM;
		return rc == TALLY_ENOMEM ? NULL : h;
	}
	for (size_t i = 0; i < n; i++)
		lines += text[i] == '\n';
	if (!tallyi_size_mul(lines, sizeof(tally_linehash), &hsize) ||
	    (h->h = tallyi_alloc(&m->mem, hsize)) == NULL) {
		tallyi_free(&m->mem, text, cap);
		h->done = false;
		return NULL;
	}
	h->cap = lines;
	rc = tally_linehash_compute(text, n, h->h, lines, &h->n,
	    &m->mem.a);
	h->ok = rc == TALLY_OK && h->n <= lines;
	tallyi_free(&m->mem, text, cap);
	if (rc != TALLY_OK) {
		h->done = false;
		return NULL;
	}
	return h;
}

/* Give every result without a line hash one from its source file. */
static int
hash_from_sources(tally_sarif_merge *m)
{
	/* The directory the user named is followed if it is a link; what
	 * lies beneath it is opened relative to it (open_beneath()). */
	int dirfd = open(m->sources, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = TALLY_OK;

	for (size_t k = 0; k < m->tools.n && rc == TALLY_OK; k++) {
		mtool *t = (mtool *)m->tools.p + k;

		for (size_t i = 0; i < t->res.n && rc == TALLY_OK; i++) {
			mres *x = (mres *)t->res.p + i;
			const fhash *h;
			char buf[32];
			size_t len;

			if (x->plh != TALLY_ID_NONE || x->v.line == 0)
				continue;
			h = file_hashes(m, dirfd, x->v.file);
			if (h == NULL) {
				rc = TALLY_ENOMEM;
				break;
			}
			if (!h->ok || x->v.line > h->n) {
				m->stats.unhashed++;
				continue;
			}
			(void)tally_linehash_format(h->h[x->v.line - 1], buf,
			    sizeof(buf), &len);
			rc = tallyi_strtab_intern(&m->str[TALLY_STR_MESSAGE],
			    buf, len, &x->plh);
			x->plh_ours = rc == TALLY_OK;
			m->stats.hashed += rc == TALLY_OK;
		}
	}
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

static int
seq_cmp(const void *a, const void *b)
{
	const mres *x = *(const mres *const *)a, *y = *(const mres *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* All results of list @which (0: merged, 1: baseline), in reading order. */
static mres **
gather(tally_sarif_merge *m, int which, size_t *n)
{
	size_t total = 0, at = 0;
	mres **all;

	for (size_t k = 0; k < m->tools.n; k++) {
		mtool *t = (mtool *)m->tools.p + k;

		total += which ? t->base.n : t->res.n;
	}
	all = tallyi_alloc(&m->mem, (total + 1) * sizeof(*all));
	if (all == NULL)
		return NULL;
	for (size_t k = 0; k < m->tools.n; k++) {
		mtool *t = (mtool *)m->tools.p + k;
		tallyi_vec *v = which ? &t->base : &t->res;

		for (size_t i = 0; i < v->n; i++)
			all[at++] = (mres *)v->p + i;
	}
	qsort(all, total, sizeof(*all), seq_cmp);
	*n = total;
	return all;
}

/* Match the merged results against the baseline's (sarif_diff.c). */
static int
classify_baseline(tally_sarif_merge *m)
{
	size_t nn = 0, on = 0;
	mres **nr = gather(m, 0, &nn), **br = gather(m, 1, &on);
	tallyi_diff_side ns = { NULL, 0, 0 }, os = { NULL, 0, 0 };
	int rc = TALLY_ENOMEM;

	if (nr == NULL || br == NULL)
		goto out;
	ns.r = tallyi_zalloc(&m->mem, (nn + 1) * sizeof(*ns.r));
	os.r = tallyi_zalloc(&m->mem, (on + 1) * sizeof(*os.r));
	if (ns.r == NULL || os.r == NULL)
		goto out;
	ns.n = ns.cap = nn;
	os.n = os.cap = on;
	for (size_t i = 0; i < nn; i++)
		ns.r[i] = (tallyi_diff_res){ nr[i]->v, nr[i]->plh, i, 0, 0 };
	for (size_t i = 0; i < on; i++)
		os.r[i] = (tallyi_diff_res){ br[i]->v, br[i]->plh, i, 0, 0 };
	if ((rc = tallyi_diff_classify(&os, &ns, &m->mem)) != TALLY_OK)
		goto out;
	for (size_t i = 0; i < nn; i++)
		nr[i]->state = ns.r[i].match ? ns.r[i].state :
		    TALLY_BASELINE_NEW;
	for (size_t i = 0; i < on; i++)
		br[i]->state = os.r[i].match ? os.r[i].state :
		    TALLY_BASELINE_ABSENT;
out:
	tallyi_free(&m->mem, ns.r, (nn + 1) * sizeof(*ns.r));
	tallyi_free(&m->mem, os.r, (on + 1) * sizeof(*os.r));
	tallyi_free(&m->mem, nr, (nn + 1) * sizeof(*nr));
	tallyi_free(&m->mem, br, (on + 1) * sizeof(*br));
	return rc;
}

/* What one result is written with besides its own text. */
typedef struct annot {
	const char *state;              /* baselineState, or NULL */
	const char *plh;                /* a computed line hash, or NULL */
	size_t plh_len;
	const tally_corr_cluster *cl;   /* its cluster, or NULL */
	int64_t cl_idx;
} annot;

static void
sep(writer *w, bool *first)
{
	if (!*first)
		put(w, ",", 1);
	*first = false;
}

/* Copy one member (key, colon, value; indexes re-pointed) of a @ctx. */
static void
copy_member(rewriter *rw, enum rw_ctx ctx, const tallyi_jstr *key,
    bool *first)
{
	size_t kstart = key->off - 1;

	sep(rw->w, first);
	(void)tallyi_js_peek(&rw->js);
	put(rw->w, rw->js.buf + kstart, rw->js.pos - kstart);
	rw->copied = rw->js.pos;
	rw_member(rw, ctx, key);
	put(rw->w, rw->js.buf + rw->copied, rw->js.pos - rw->copied);
	rw->copied = rw->js.pos;
}

static void
put_cluster_prop(writer *w, const tally_corr *c, const annot *a)
{
	size_t nt;
	const char *const *tools = tally_corr_tools(c, &nt);
	char num[64];

	snprintf(num, sizeof(num), "\"tallyCluster\":{\"id\":%lld,\"size\":%u,"
	    "\"tools\":[", (long long)a->cl_idx, a->cl->size);
	puts_(w, num);
	for (uint32_t t = 0; t < a->cl->ntools; t++) {
		const char *nm = tools[a->cl->tools[t]];

		if (t > 0)
			put(w, ",", 1);
		put_json_str(w, nm, strlen(nm));
	}
	puts_(w, "]}");
}

/* The cluster's other members, as relatedLocations elements. */
static void
put_related(tally_sarif_merge *m, writer *w, const mres *x, const annot *a,
    bool *first)
{
	size_t tl, rl, ml;
	const char *tool = mstr(m, TALLY_STR_TOOL, x->v.tool, &tl);
	const char *rule = mstr(m, TALLY_STR_RULE, x->v.rule, &rl);
	const char *msg = mstr(m, TALLY_STR_MESSAGE, x->v.message, &ml);

	for (uint32_t i = 0; i < a->cl->size; i++) {
		const tally_corr_result *r = &a->cl->members[i];
		char num[64];
		size_t n;

		if (r->line == x->v.line && r->column == x->v.column &&
		    strcmp(r->tool, tool) == 0 && strcmp(r->rule, rule) == 0 &&
		    strcmp(r->message, msg) == 0)
			continue; /* itself */
		sep(w, first);
		puts_(w, "{\"physicalLocation\":{\"artifactLocation\":{"
		    "\"uri\":");
		n = strlen(r->path);
		if (r->path[0] == '/') {
			char *u = tallyi_alloc(&m->mem, n + 8);

			if (u != NULL) {
				memcpy(u, "file://", 7);
				memcpy(u + 7, r->path, n + 1);
				put_json_str(w, u, n + 7);
				tallyi_free(&m->mem, u, n + 8);
			} else {
				w->err = w->nomem = true;
			}
		} else {
			put_json_str(w, r->path, n);
		}
		puts_(w, "}");
		if (r->line > 0) {
			snprintf(num, sizeof(num), ",\"region\":{\"startLine\":"
			    "%u", r->line);
			puts_(w, num);
			if (r->column > 0) {
				snprintf(num, sizeof(num), ",\"startColumn\":%u",
				    r->column);
				puts_(w, num);
			}
			puts_(w, "}");
		}
		puts_(w, "},\"message\":{\"text\":");
		{
			size_t n1 = strlen(r->tool), n2 = strlen(r->rule);
			size_t n3 = strlen(r->message);
			char *t = tallyi_alloc(&m->mem, n1 + n2 + n3 + 32);

			if (t == NULL) {
				w->err = w->nomem = true;
				return;
			}
			n = (size_t)snprintf(t, n1 + n2 + n3 + 32,
			    "Also reported by %s (%s): %s", r->tool, r->rule,
			    r->message);
			put_json_str(w, t, n);
			tallyi_free(&m->mem, t, n1 + n2 + n3 + 32);
		}
		puts_(w, "}}");
	}
}

/*
 * Write result @x with its annotations: its members as written (indexes
 * re-pointed), baselineState replaced, the line hash added to
 * partialFingerprints, the cluster appended to relatedLocations and
 * properties (each created when the result has none).
 */
static void
write_annotated(tally_sarif_merge *m, writer *w, const mres *x,
    const annot *a)
{
	const tallyi_input *in = (const tallyi_input *)m->inputs.p + x->input;
	rewriter rw;
	tallyi_jscan *js = &rw.js;
	tallyi_jstr key;
	bool first = true, out_first = true;
	bool did_fp = false, did_rel = false, did_props = false;

	tallyi_js_init(js, in->buf + x->span.off, x->span.len);
	rw.w = w;
	rw.copied = 0;
	rw.run = (const mrun *)m->runs.p + x->run;
	rw.keep_rule = x->ext_rule;
	(void)tallyi_js_obj_begin(js, "");
	put(w, "{", 1);
	while (tallyi_js_obj_next(js, &first, &key) == 1) {
		bool is_obj, is_arr;
		int c;
		size_t start;

		if (a->state != NULL &&
		    tallyi_js_str_eq(js, &key, "baselineState")) {
			(void)tallyi_js_skip(js, &start);
			continue;
		}
		c = tallyi_js_peek(js);
		is_obj = c == '{';
		is_arr = c == '[';
		if (a->plh != NULL && is_obj &&
		    tallyi_js_str_eq(js, &key, "partialFingerprints")) {
			bool f2 = true, o2 = true;
			tallyi_jstr k2;

			sep(w, &out_first);
			puts_(w, "\"partialFingerprints\":{");
			(void)tallyi_js_obj_begin(js, "");
			while (tallyi_js_obj_next(js, &f2, &k2) == 1)
				copy_member(&rw, RW_OTHER, &k2, &o2);
			sep(w, &o2);
			puts_(w, "\"primaryLocationLineHash\":");
			put_json_str(w, a->plh, a->plh_len);
			puts_(w, "}");
			did_fp = true;
		} else if (a->cl != NULL && is_arr &&
		    tallyi_js_str_eq(js, &key, "relatedLocations")) {
			bool f2 = true, o2 = true;

			sep(w, &out_first);
			puts_(w, "\"relatedLocations\":[");
			(void)tallyi_js_arr_begin(js, "");
			while (tallyi_js_arr_next(js, &f2) == 1) {
				sep(w, &o2);
				(void)tallyi_js_peek(js);
				rw.copied = js->pos;
				rw_value(&rw, RW_OTHER);
				put(w, js->buf + rw.copied,
				    js->pos - rw.copied);
			}
			put_related(m, w, x, a, &o2);
			puts_(w, "]");
			did_rel = true;
		} else if (a->cl != NULL && is_obj &&
		    tallyi_js_str_eq(js, &key, "properties")) {
			bool f2 = true, o2 = true;
			tallyi_jstr k2;

			sep(w, &out_first);
			puts_(w, "\"properties\":{");
			(void)tallyi_js_obj_begin(js, "");
			while (tallyi_js_obj_next(js, &f2, &k2) == 1) {
				if (tallyi_js_str_eq(js, &k2, "tallyCluster"))
					(void)tallyi_js_skip(js, &start);
				else
					copy_member(&rw, RW_OTHER, &k2, &o2);
			}
			sep(w, &o2);
			put_cluster_prop(w, m->corr, a);
			puts_(w, "}");
			did_props = true;
		} else {
			copy_member(&rw, RW_RESULT, &key, &out_first);
		}
		rw.copied = js->pos;
	}
	if (a->state != NULL) {
		sep(w, &out_first);
		puts_(w, "\"baselineState\":\"");
		puts_(w, a->state);
		puts_(w, "\"");
	}
	if (a->plh != NULL && !did_fp) {
		sep(w, &out_first);
		puts_(w, "\"partialFingerprints\":{\"primaryLocationLineHash\":");
		put_json_str(w, a->plh, a->plh_len);
		puts_(w, "}");
	}
	if (a->cl != NULL && !did_rel) {
		bool o2 = true;

		sep(w, &out_first);
		puts_(w, "\"relatedLocations\":[");
		put_related(m, w, x, a, &o2);
		puts_(w, "]");
	}
	if (a->cl != NULL && !did_props) {
		sep(w, &out_first);
		puts_(w, "\"properties\":{");
		put_cluster_prop(w, m->corr, a);
		puts_(w, "}");
	}
	put(w, "}", 1);
}

/* Write result @x, annotated where the merge was asked to. */
/*
 * What the writers add to @x (@absent: a baseline result matched by
 * nothing), counted in the stats as written.
 */
static void
annotate(tally_sarif_merge *m, const mres *x, bool absent, annot *a)
{
	*a = (annot){ NULL, NULL, 0, NULL, -1 };
	if (m->has_base) {
		uint8_t st = absent ? TALLY_BASELINE_ABSENT : x->state;

		a->state = tally_sarif_baseline_name((tally_baseline)st);
		/* A suppressed result that matches nothing is written "new"
		 * (§3.27.24 wants a state on every result) with the
		 * suppressions that hide it, but is not counted as new. */
		if (st == TALLY_BASELINE_NEW &&
		    (x->v.flags & TALLY_VIOLATION_SUPPRESSED))
			m->stats.suppressed_new++;
		else
			m->stats.baseline[st]++;
	}
	if (x->plh_ours)
		a->plh = mstr(m, TALLY_STR_MESSAGE, x->plh, &a->plh_len);
	if (!absent && m->corr != NULL && x->corr != TALLY_ID_NONE &&
	    (a->cl_idx = tallyi_corr_cluster_of(m->corr, x->corr)) >= 0) {
		size_t n;

		a->cl = tally_corr_clusters(m->corr, &n) + a->cl_idx;
		m->stats.clustered++;
	}
}

/*
 * Whether @x is written: a result of the inputs unless only new ones are
 * (tally_sarif_merge_only_new()); a baseline result when it is absent and
 * not only new ones are.
 */
static bool
shown(const tally_sarif_merge *m, const mres *x, bool base)
{
	if (base)
		return !m->only_new && x->state == TALLY_BASELINE_ABSENT;
	return !m->only_new || (x->state == TALLY_BASELINE_NEW &&
	    !(x->v.flags & TALLY_VIOLATION_SUPPRESSED));
}

/* GitHub: is @x among the results of @t the write keeps? */
static bool
gh_written(const mtool *t, const mres *x)
{
	return x->gh_rank != TALLY_ID_NONE && x->gh_rank < t->gh_keep;
}

static void
write_result(tally_sarif_merge *m, writer *w, const mres *x, bool absent)
{
	annot a;

	annotate(m, x, absent, &a);
	if (a.state == NULL && a.plh == NULL && a.cl == NULL)
		write_rewritten(m, w, x, RW_RESULT);
	else
		write_annotated(m, w, x, &a);
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
	puts_(w, "}");
	if (t->extensions.len > 0) {
		puts_(w, ",\"extensions\":");
		write_text(m, w, t->input, t->extensions);
	}
	puts_(w, "}");
	if (m->github && t->gh_cat != TALLY_ID_NONE) {
		size_t n;
		const char *c = mstr(m, TALLY_STR_MESSAGE, t->gh_cat, &n);

		puts_(w, ",\"automationDetails\":{\"id\":");
		put_json_str(w, c, n);
		puts_(w, "}");
	}
	if (m->github && t->gh_why[0] != '\0') {
		char num[80];

		snprintf(num, sizeof(num), ",\"properties\":{\"tallyGithubCut\":"
		    "{\"results\":%llu,\"written\":%llu,\"why\":",
		    (unsigned long long)t->gh_results,
		    (unsigned long long)t->gh_keep);
		puts_(w, num);
		put_json_str(w, t->gh_why, strlen(t->gh_why));
		puts_(w, "}}");
	}
	if (t->invocations.len > 0) {
		puts_(w, ",\"invocations\":");
		write_text(m, w, t->input, t->invocations);
	}
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
		 * Artifacts in order of first appearance, one per distinct
		 * text; each run's art_map re-points its indexes, including
		 * those inside an artifact (parentIndex).
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
	for (size_t k = 0, n = 0; k < t->res.n; k++) {
		if (!shown(m, &res[k], false) || (m->github &&
		    !gh_written(t, &res[k])))
			continue;
		if (n++ > 0)
			puts_(w, ",");
		write_result(m, w, &res[k], false);
	}
	for (size_t k = 0, n = t->res.n; k < t->base.n; k++) {
		const mres *b = (const mres *)t->base.p + k;

		if (!shown(m, b, true) || m->github)
			continue;
		if (n++ > 0)
			puts_(w, ",");
		write_result(m, w, b, true);
	}
	puts_(w, "]}");
}

/* The SARIF log, one run per slot with results or not. */
static void
write_log(tally_sarif_merge *m, writer *w)
{
	bool first = true;

	puts_(w, "{\"$schema\":\"https://json.schemastore.org/"
	    "sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[");
	for (size_t k = 0; k < m->tools.n; k++) {
		const mtool *t = (const mtool *)m->tools.p + k;

		if (!t->present)
			continue;
		if (!first)
			puts_(w, ",");
		first = false;
		write_run(m, w, t);
	}
	puts_(w, "]}");
	put_raw(w, "\n", 1);
	put_flush(w);
}

/* ------------------------------------------------------------------ */
/* GitHub: the limits code scanning puts on an upload                  */

/* A result with the strings the cut order compares. */
typedef struct gh_key {
	mres *x;
	const char *rule, *file;
	size_t rule_len, file_len;
} gh_key;

static int
bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c != 0 ? c : (an > bn) - (an < bn);
}

/* The cut order: level (error first), rule id, file, line, column; then
 * reading order, so that it is total. */
static int
gh_order(const void *pa, const void *pb)
{
	const gh_key *a = pa, *b = pb;
	const mres *x = a->x, *y = b->x;
	int c;

	if (x->v.level != y->v.level)
		return x->v.level > y->v.level ? -1 : 1;
	if ((c = bytes_cmp(a->rule, a->rule_len, b->rule, b->rule_len)) != 0 ||
	    (c = bytes_cmp(a->file, a->file_len, b->file, b->file_len)) != 0)
		return c;
	if (x->v.line != y->v.line)
		return x->v.line < y->v.line ? -1 : 1;
	if (x->v.column != y->v.column)
		return x->v.column < y->v.column ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Rank @t's results by the cut order, leaving out (rank NONE) those not
 * written at all: not shown, suppressed unless kept; count those and the
 * absent ones; keep at most max_results.
 */
static int
gh_rank(tally_sarif_merge *m, mtool *t)
{
	size_t n = 0, cap = t->res.n > 0 ? t->res.n : 1;
	gh_key *v = tallyi_alloc(&m->mem, cap * sizeof(*v));

	if (v == NULL)
		return TALLY_ENOMEM;
	t->gh_suppressed = t->gh_absent = 0;
	t->gh_why[0] = '\0';
	for (size_t k = 0; k < t->base.n; k++)
		t->gh_absent += shown(m, (const mres *)t->base.p + k, true);
	for (size_t k = 0; k < t->res.n; k++) {
		mres *x = (mres *)t->res.p + k;

		x->gh_rank = TALLY_ID_NONE;
		if (!shown(m, x, false))
			continue;
		if ((x->v.flags & TALLY_VIOLATION_SUPPRESSED) &&
		    !m->gh.keep_suppressed) {
			t->gh_suppressed++;
			continue;
		}
		v[n].x = x;
		v[n].rule = mstr(m, TALLY_STR_RULE, x->v.rule, &v[n].rule_len);
		v[n].file = mstr(m, TALLY_STR_FILE, x->v.file, &v[n].file_len);
		n++;
	}
	qsort(v, n, sizeof(*v), gh_order);
	for (size_t i = 0; i < n; i++)
		v[i].x->gh_rank = (uint32_t)i;
	tallyi_free(&m->mem, v, cap * sizeof(*v));
	t->gh_results = n;
	t->gh_keep = n < m->gh.max_results ? n : m->gh.max_results;
	if (t->gh_keep < n)
		snprintf(t->gh_why, sizeof(t->gh_why), "more than %u results "
		    "in one run; kept the first by level, rule, location",
		    m->gh.max_results);
	return TALLY_OK;
}

/* The gzip-compressed size of the log as it stands, in *@size. */
static int
gh_measure(tally_sarif_merge *m, uint64_t *size)
{
	writer *w = tallyi_zalloc(&m->mem, sizeof(*w));
	z_stream z;
	int rc = TALLY_OK;

	if (w == NULL)
		return TALLY_ENOMEM;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		tallyi_free(&m->mem, w, sizeof(*w));
		return TALLY_ENOMEM;
	}
	w->pretty = m->pretty;
	w->gz = &z;
	write_log(m, w);
	gz_feed(&z, "", 0, true);
	*size = z.total_out;
	if (w->nomem)
		rc = TALLY_ENOMEM;
	(void)deflateEnd(&z);
	tallyi_free(&m->mem, w, sizeof(*w));
	return rc;
}

/*
 * Shape the log for GitHub: refuse too many runs, rank every run's
 * results, then cut every run's share in proportion until the log
 * compressed fits.
 */
static int
gh_fit(tally_sarif_merge *m, tally_error *err)
{
	size_t runs = 0;
	uint64_t size, kept;
	int rc;

	m->gh_done = false;
	for (size_t k = 0; k < m->tools.n; k++) {
		mtool *t = (mtool *)m->tools.p + k;

		if (!t->present)
			continue;
		runs++;
		if ((rc = gh_rank(m, t)) != TALLY_OK)
			return tallyi_error_set(err, rc, UINT64_MAX,
			    "github: %s", tally_strerror(rc));
	}
	if (runs > m->gh.max_runs)
		return tallyi_error_set(err, TALLY_ERANGE, UINT64_MAX,
		    "github: %zu runs (one per tool and category), GitHub "
		    "takes at most %u in a log: merge fewer tools into each",
		    runs, m->gh.max_runs);
	for (;;) {
		if ((rc = gh_measure(m, &size)) != TALLY_OK)
			return tallyi_error_set(err, rc, UINT64_MAX,
			    "github: %s", tally_strerror(rc));
		m->gh_gzip = size;
		if (size <= m->gh.max_gzip)
			return TALLY_OK;
		kept = 0;
		for (size_t k = 0; k < m->tools.n; k++)
			kept += ((const mtool *)m->tools.p + k)->gh_keep;
		if (kept == 0)
			return tallyi_error_set(err, TALLY_ERANGE, UINT64_MAX,
			    "github: without a result the log is still %llu "
			    "bytes gzip-compressed, over the %llu GitHub takes",
			    (unsigned long long)size,
			    (unsigned long long)m->gh.max_gzip);
		/* Each pass at least one result lighter a run that has one:
		 * floor(k * f) < k for k >= 1 and f < 1. */
		double f = (double)m->gh.max_gzip / (double)size * 0.98;

		for (size_t k = 0; k < m->tools.n; k++) {
			mtool *t = (mtool *)m->tools.p + k;
			uint64_t keep = (uint64_t)((double)t->gh_keep * f);

			if (keep >= t->gh_keep)
				continue;
			t->gh_keep = keep;
			snprintf(t->gh_why, sizeof(t->gh_why), "the log over "
			    "%llu bytes gzip-compressed; kept the first by "
			    "level, rule, location",
			    (unsigned long long)m->gh.max_gzip);
		}
	}
}

/*
 * Before the results are written: the line hashes, the baseline states
 * (once), and the stats every write counts again.
 */
static int
prepare(tally_sarif_merge *m, tally_error *err)
{
	int rc;

	if (m->failed != 0)
		return tallyi_error_set(err, m->failed, UINT64_MAX,
		    "an earlier input could not be added: %s",
		    tally_strerror(m->failed));
	memset(m->stats.baseline, 0, sizeof(m->stats.baseline));
	m->stats.suppressed_new = 0;
	m->stats.clustered = 0;
	if (m->sources != NULL && !m->classified) {
		rc = hash_from_sources(m);
		if (rc != TALLY_OK)
			return tallyi_error_set(err, rc, UINT64_MAX,
			    "line hashes: %s", tally_strerror(rc));
	}
	if (m->has_base && !m->classified) {
		rc = classify_baseline(m);
		if (rc != TALLY_OK)
			return tallyi_error_set(err, rc, UINT64_MAX,
			    "baseline: %s", tally_strerror(rc));
	}
	m->classified = true;
	return TALLY_OK;
}

/* @x as tally_sarif_merge_foreach() gives it, annotated by @a. */
static void
public_result(const tally_sarif_merge *m, const mres *x, const annot *a,
    bool absent, tally_sarif_merge_result *r)
{
	r->tool = mstr(m, TALLY_STR_TOOL, x->v.tool, &r->tool_len);
	r->rule = mstr(m, TALLY_STR_RULE, x->v.rule, &r->rule_len);
	r->file = mstr(m, TALLY_STR_FILE, x->v.file, &r->file_len);
	r->message = mstr(m, TALLY_STR_MESSAGE, x->v.message,
	    &r->message_len);
	r->line_hash = NULL;
	r->line_hash_len = 0;
	if (x->plh != TALLY_ID_NONE)
		r->line_hash = mstr(m, TALLY_STR_MESSAGE, x->plh,
		    &r->line_hash_len);
	r->line = x->v.line;
	r->column = x->v.column;
	r->offset = x->v.offset;
	r->level = (tally_level)x->v.level;
	r->suppressed = (x->v.flags & TALLY_VIOLATION_SUPPRESSED) != 0;
	r->state = !m->has_base ? -1 : absent ? TALLY_BASELINE_ABSENT :
	    (int)x->state;
	r->cluster = a->cl_idx;
}

int
tally_sarif_merge_foreach(tally_sarif_merge *m,
    int (*fn)(void *arg, const tally_sarif_merge_result *r), void *arg)
{
	tally_sarif_merge_result r;
	annot a;
	int rc;

	if (m == NULL || fn == NULL)
		return TALLY_EINVAL;
	if ((rc = prepare(m, NULL)) != TALLY_OK)
		return rc;
	for (size_t k = 0; k < m->tools.n; k++) {
		const mtool *t = (const mtool *)m->tools.p + k;

		if (!t->present)
			continue;
		for (size_t i = 0; i < t->res.n; i++) {
			const mres *x = (const mres *)t->res.p + i;

			if (!shown(m, x, false))
				continue;
			annotate(m, x, false, &a);
			public_result(m, x, &a, false, &r);
			if ((rc = fn(arg, &r)) != 0)
				return rc;
		}
		for (size_t i = 0; i < t->base.n; i++) {
			const mres *x = (const mres *)t->base.p + i;

			if (!shown(m, x, true))
				continue;
			annotate(m, x, true, &a);
			public_result(m, x, &a, true, &r);
			if ((rc = fn(arg, &r)) != 0)
				return rc;
		}
	}
	return TALLY_OK;
}

int
tally_sarif_merge_only_new(tally_sarif_merge *m, bool only_new)
{
	if (m == NULL)
		return TALLY_EINVAL;
	m->only_new = only_new;
	return TALLY_OK;
}

int
tally_sarif_merge_format(tally_sarif_merge *m, tally_merge_format format)
{
	if (m == NULL || (unsigned)format > TALLY_MERGE_CSV)
		return TALLY_EINVAL;
	m->format = format;
	return TALLY_OK;
}

int
tally_sarif_merge_write(tally_sarif_merge *m, const char *path,
    tally_error *err)
{
	writer w = { .pretty = m != NULL && m->pretty };
	tallyi_outfile out;
	int rc;

	tallyi_error_clear(err);
	if (m == NULL || path == NULL)
		return tallyi_error_set(err, TALLY_EINVAL, UINT64_MAX,
		    "invalid argument");
	if ((rc = prepare(m, err)) != TALLY_OK)
		return rc;
	if (m->format != TALLY_MERGE_SARIF)
		return tallyi_report_write(m, &m->mem, m->format, path, err);
	if (m->github && (rc = gh_fit(m, err)) != TALLY_OK)
		return rc;
	if ((rc = tallyi_outfile_open(&out, path, &m->mem, err)) != TALLY_OK)
		return rc;
	w.f = out.f;
	write_log(m, &w);
	/* Only a complete log takes @path's name. */
	if (w.err || w.nomem) {
		tallyi_outfile_abort(&out);
		return write_status(&w, out.is_stdout ? "standard output" :
		    path, err);
	}
	if ((rc = tallyi_outfile_commit(&out, err)) == TALLY_OK)
		m->gh_done = m->github;
	return rc;
}

int
tally_sarif_merge_github(tally_sarif_merge *m, const tally_sarif_github *gh)
{
	tally_sarif_github d = TALLY_SARIF_GITHUB_INIT;

	if (m == NULL || m->inputs.n > 0 ||
	    (gh != NULL && gh->struct_size < sizeof(d)))
		return TALLY_EINVAL;
	if (gh != NULL) {
		memcpy(&d, gh, sizeof(d));
		d.struct_size = sizeof(d);
	}
	if (d.max_results == 0)
		d.max_results = TALLY_GITHUB_MAX_RESULTS;
	if (d.max_gzip == 0)
		d.max_gzip = TALLY_GITHUB_MAX_GZIP;
	if (d.max_runs == 0)
		d.max_runs = TALLY_GITHUB_MAX_RUNS;
	m->gh = d;
	m->github = true;
	return TALLY_OK;
}

int
tally_sarif_merge_github_runs(const tally_sarif_merge *m,
    int (*fn)(void *arg, const tally_sarif_github_run *r), void *arg,
    uint64_t *gzip)
{
	tally_sarif_github_run r;
	int rc;

	if (m == NULL || fn == NULL || !m->gh_done)
		return TALLY_EINVAL;
	if (gzip != NULL)
		*gzip = m->gh_gzip;
	for (size_t k = 0; k < m->tools.n; k++) {
		const mtool *t = (const mtool *)m->tools.p + k;

		if (!t->present)
			continue;
		r.tool = mstr(m, TALLY_STR_TOOL, t->tool, &r.tool_len);
		r.category = "";
		r.category_len = 0;
		if (t->gh_cat != TALLY_ID_NONE)
			r.category = mstr(m, TALLY_STR_MESSAGE, t->gh_cat,
			    &r.category_len);
		r.results = t->gh_results;
		r.written = t->gh_keep;
		r.suppressed = t->gh_suppressed;
		r.absent = t->gh_absent;
		r.why = t->gh_why[0] != '\0' ? t->gh_why : NULL;
		if ((rc = fn(arg, &r)) != 0)
			return rc;
	}
	return TALLY_OK;
}
