/*
 * formats/correlate.c - cross-tool correlation clusters (tally/corr.h).
 *
 * Records: one per unique result (the engine's exact key, in this index's
 * own string tables), with its resolved path, its lines (primary, flow
 * start, flow end) and its categories.
 *
 * Compute, in three steps:
 *  1. Cells. Every (path, category, line, tool) a record has is a cell
 *     entry; entries are sorted so that one cell's records are adjacent.
 *     All records of a cell relate to exactly the same other records, so
 *     the sweep below works on cells, not records: a file where one tool
 *     reports the same line a thousand times costs one cell, not a
 *     thousand squared pairs.
 *  2. Sweep. Within one (path, category), each cell is linked (union-find)
 *     to every earlier cell of another tool at most `window` lines before
 *     it. A linked cell then has all its records united.
 *  3. Clusters are the sets of two or more records; they, their members
 *     and the tools are sorted by content (strings, not ids, which depend
 *     on reading order), so the outcome depends on the set of inputs only.
 *
 * Adds may come from several reading threads at once (the API allows it;
 * `tally summary` reads its inputs one after another, corr_stress races 8
 * readers): strings are interned under each table's own lock, records are
 * committed under `lock`. Compute and queries run after all adds.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "formats/sarif_internal.h"
#include "engine/strtab.h"
#include "tally/corr.h"

enum { S_TOOL, S_RULE, S_FILE, S_MSG, S_TAG, S_COUNT };

typedef struct crec {
	uint32_t s[4];      /* S_TOOL, S_RULE, S_FILE (as read), S_MSG */
	uint32_t path;      /* S_FILE id of the resolved path */
	uint32_t line, column;
	uint64_t offset;
	uint32_t flow[2];
	uint8_t level;
	uint8_t ncat;
	uint32_t cat[TALLYI_CATS]; /* CWE, or TALLYI_CAT_TAG | S_TAG id */
} crec;

struct tally_corr {
	tallyi_mem mem;
	uint32_t window;
	char *root[2];        /* lexical, and resolved (realpath) if other */
	size_t root_len[2], root_cap[2];
	tallyi_strtab str[S_COUNT];

	pthread_mutex_t lock; /* recs, slots */
	crec *recs;
	size_t n, cap;
	uint32_t *slots;      /* record index + 1; 0 = empty */
	size_t nslots;

	/* The last compute. */
	tally_corr_cluster *clusters;
	size_t nclusters;
	tally_corr_result *members;
	uint32_t *cl_tools;
	int32_t *cluster_of;  /* per record */
	size_t computed_n;    /* records when computed */
	const char **tool_names;
	size_t ntools;
	uint64_t *agree;      /* ntools * ntools */
	uint64_t *categorized;
};

/*
 * Rules whose tools document a CWE that their SARIF (or the converter that
 * made it) does not carry. cppcheck writes these CWEs in its own XML
 * (cwe="476"); the SARIF Multitool's CppCheck converter drops them. The
 * clang analyzer's SARIF names no CWE; its checkers map as their
 * documentation describes them. gcc -fanalyzer's CWEs are its own
 * (in gcc/analyzer); gcc 13+ writes them as taxa, older JSON as
 * metadata.cwe. Sorted by id for bsearch.
 */
static const struct known_rule {
	const char *id;
	uint32_t cwe;
} known_rules[] = {
	{ "-Wanalyzer-double-fclose", 1341 },
	{ "-Wanalyzer-double-free", 415 },
	{ "-Wanalyzer-fd-leak", 775 },
	{ "-Wanalyzer-file-leak", 775 },
	{ "-Wanalyzer-free-of-non-heap", 590 },
	{ "-Wanalyzer-malloc-leak", 401 },
	{ "-Wanalyzer-null-argument", 476 },
	{ "-Wanalyzer-null-dereference", 476 },
	{ "-Wanalyzer-out-of-bounds", 119 },
	{ "-Wanalyzer-possible-null-argument", 690 },
	{ "-Wanalyzer-possible-null-dereference", 690 },
	{ "-Wanalyzer-use-after-free", 416 },
	{ "-Wanalyzer-use-of-uninitialized-value", 457 },
	{ "-Wdiv-by-zero", 369 },
	{ "arrayIndexOutOfBounds", 788 },
	{ "bufferAccessOutOfBounds", 788 },
	{ "core.DivideZero", 369 },
	{ "core.NullDereference", 476 },
	{ "core.StackAddressEscape", 562 },
	{ "core.UndefinedBinaryOperatorResult", 457 },
	{ "core.uninitialized.ArraySubscript", 457 },
	{ "core.uninitialized.Assign", 457 },
	{ "core.uninitialized.Branch", 457 },
	{ "core.uninitialized.UndefReturn", 457 },
	{ "deallocuse", 416 },
	{ "doubleFree", 415 },
	{ "memleak", 401 },
	{ "nullPointer", 476 },
	{ "nullPointerRedundantCheck", 476 },
	{ "resourceLeak", 775 },
	{ "uninitvar", 457 },
	{ "unix.Malloc", 401 },
	{ "zerodiv", 369 },
};

static int
known_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct known_rule *)elem)->id);
}

static uint32_t
known_cwe(const char *rule)
{
	const struct known_rule *k;

	if (strncmp(rule, "clang-analyzer-", 15) == 0)
		rule += 15; /* clang-tidy runs the analyzer's checkers */
	k = bsearch(rule, known_rules, sizeof(known_rules) /
	    sizeof(known_rules[0]), sizeof(known_rules[0]), known_cmp);
	return k != NULL ? k->cwe : 0;
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */

/*
 * Normalise the path @p (@n bytes) in place, lexically: empty and "."
 * segments dropped, a ".." segment takes the segment before it away. A
 * path never goes above its own root: "/.." is "/"; a relative path keeps
 * the ".." it cannot resolve ("a/../../b" is "../b"). The root of a path
 * is a leading '/', or a first segment ending in ':' (a drive, a scheme)
 * and its '/'. No trailing '/' is kept. Return: the new length.
 */
static size_t
lex_normalize(char *p, size_t n)
{
	size_t floor = 0, keep, w, r;
	const char *slash = memchr(p, '/', n);

	if (n > 0 && p[0] == '/')
		floor = 1;
	else if (slash != NULL && slash > p && slash[-1] == ':')
		floor = (size_t)(slash - p) + 1;
	keep = w = r = floor;
	while (r < n) {
		size_t e = r, len;

		while (e < n && p[e] != '/')
			e++;
		len = e - r;
		if (len == 2 && p[r] == '.' && p[r + 1] == '.') {
			size_t q = w;

			while (q > keep && p[q - 1] != '/')
				q--;
			if (w > keep)
				w = q > keep ? q - 1 : keep;
			else if (floor == 0) { /* relative: "../" stays */
				if (w > 0)
					p[w++] = '/';
				p[w++] = '.', p[w++] = '.';
				keep = w;
			}
		} else if (len != 0 && !(len == 1 && p[r] == '.')) {
			if (w > floor)
				p[w++] = '/';
			memmove(p + w, p + r, len);
			w += len;
		}
		r = e + 1;
	}
	return w;
}

/* Copy @s (@n bytes) as root @k of @c. */
static int
root_copy(tally_corr *c, unsigned k, const char *s, size_t n)
{
	if ((c->root[k] = tallyi_alloc(&c->mem, n + 1)) == NULL)
		return TALLY_ENOMEM;
	c->root_cap[k] = n + 1;
	memcpy(c->root[k], s, n);
	c->root[k][n] = '\0';
	c->root_len[k] = n;
	return TALLY_OK;
}

/*
 * The root as given, normalised as a uri and lexically, and, when it
 * exists here, as realpath() resolves it (a symlinked checkout, a root
 * given relative to the working directory): a path under either is made
 * relative, so a log written through the link and one written through the
 * target meet.
 */
static int
root_set(tally_corr *c, const char *root)
{
	size_t n = strlen(root);
	char *lex = tallyi_alloc(&c->mem, n + 1), *real;
	int rc;

	if (lex == NULL)
		return TALLY_ENOMEM;
	/* file:// and repeated slashes as in a uri. */
	n = lex_normalize(lex, tallyi_uri_normalize(root, n, lex));
	rc = root_copy(c, 0, lex, n);
	tallyi_free(&c->mem, lex, strlen(root) + 1);
	if (rc != TALLY_OK || (real = realpath(root, NULL)) == NULL)
		return rc;
	n = lex_normalize(real, strlen(real));
	if (n != c->root_len[0] || memcmp(real, c->root[0], n) != 0)
		rc = root_copy(c, 1, real, n);
	free(real);
	return rc;
}


int
tally_corr_create(const tally_corr_config *cfg, const tally_allocator *alloc,
    tally_corr **out)
{
	tally_corr_config def = TALLY_CORR_CONFIG_INIT;
	tally_corr *c;
	int rc = TALLY_OK;

	if (out == NULL || (cfg != NULL && cfg->struct_size < sizeof(*cfg)))
		return TALLY_EINVAL;
	if (cfg == NULL)
		cfg = &def;
	if ((c = tallyi_owner_new(alloc, sizeof(*c), &rc)) == NULL)
		return rc;
	c->window = cfg->window;
	pthread_mutex_init(&c->lock, NULL);
	for (unsigned k = 0; k < S_COUNT && rc == TALLY_OK; k++)
		rc = tallyi_strtab_init(&c->str[k], &c->mem);
	if (rc == TALLY_OK && cfg->root != NULL && cfg->root[0] != '\0')
		rc = root_set(c, cfg->root);
	if (rc != TALLY_OK) {
		tally_corr_destroy(c);
		return rc;
	}
	*out = c;
	return TALLY_OK;
}

static void
free_computed(tally_corr *c)
{
	const tallyi_mem *mem = &c->mem;
	size_t nt = c->ntools;

	/* Every array was allocated with one spare element. */
	tallyi_free(mem, c->clusters, (c->nclusters + 1) *
	    sizeof(*c->clusters));
	tallyi_free(mem, c->members, c->computed_n * sizeof(*c->members));
	tallyi_free(mem, c->cl_tools, c->computed_n * sizeof(uint32_t));
	tallyi_free(mem, c->cluster_of, c->computed_n * sizeof(int32_t));
	tallyi_free(mem, c->tool_names, (nt + 1) * sizeof(char *));
	tallyi_free(mem, c->agree, (nt * nt + 1) * sizeof(uint64_t));
	tallyi_free(mem, c->categorized, (nt + 1) * sizeof(uint64_t));
	c->clusters = NULL;
	c->members = NULL;
	c->cl_tools = NULL;
	c->cluster_of = NULL;
	c->tool_names = NULL;
	c->agree = c->categorized = NULL;
	c->nclusters = c->ntools = c->computed_n = 0;
}

void
tally_corr_destroy(tally_corr *c)
{
	tallyi_mem mem;

	if (c == NULL)
		return;
	mem = c->mem;
	free_computed(c);
	tallyi_free(&mem, c->recs, c->cap * sizeof(crec));
	tallyi_free(&mem, c->slots, c->nslots * sizeof(uint32_t));
	for (unsigned k = 0; k < 2; k++)
		tallyi_free(&mem, c->root[k], c->root_cap[k]);
	for (unsigned k = 0; k < S_COUNT; k++)
		if (c->str[k].mem != NULL)
			tallyi_strtab_fini(&c->str[k]);
	pthread_mutex_destroy(&c->lock);
	tallyi_owner_free(c, sizeof(*c));
}

static const char *
str(const tally_corr *c, unsigned kind, uint32_t id)
{
	return tallyi_strtab_entry(&c->str[kind], id)->p;
}

/* ------------------------------------------------------------------ */
/* Adding                                                              */

typedef const char *(*lookup_fn)(void *ctx, tally_strkind kind, uint32_t id,
    size_t *len);

/* Re-intern a sink string into table @kind. */
static int
reintern(tally_corr *c, unsigned kind, lookup_fn lookup, void *ctx,
    tally_strkind sk, uint32_t id, uint32_t *out)
{
	size_t len = 0;
	const char *s = lookup(ctx, sk, id, &len);

	if (s == NULL)
		s = "", len = 0;
	return tallyi_strtab_intern(&c->str[kind], s, len, out);
}

/* The run's base entry named @name (a sink id), or NULL. */
static const tallyi_base_id *
find_base(const tallyi_sarif_run *run, uint32_t name)
{
	for (size_t k = 0; k < run->nbases; k++)
		if (run->bases[k].name == name)
			return &run->bases[k];
	return NULL;
}

static bool
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' &&
	    (c | 0x20) <= 'z');
}

static bool
is_absolute(const char *p, size_t n)
{
	if (n > 0 && p[0] == '/')
		return true;
	for (size_t i = 0; i < n && is_alnum(p[i]); i++)
		if (i + 1 < n && p[i + 1] == ':')
			return true; /* a scheme, or a drive letter */
	return false;
}

/*
 * The resolved path of @file under uriBaseId @base: bases prefixed while
 * the path is relative (at most 8 deep, against cycles), normalised
 * lexically, then made relative to the root. Written into @buf (cap bytes); returns its length.
 */
static size_t
resolve_path(tally_corr *c, const tallyi_sarif_run *run, lookup_fn lookup,
    void *ctx, const char *file, size_t flen, uint32_t base, char *buf,
    size_t cap)
{
	size_t n = flen < cap ? flen : cap;
	char tmp[4096];

	memcpy(buf, file, n);
	for (unsigned depth = 0; depth < 8 && base != TALLY_ID_NONE &&
	    !is_absolute(buf, n); depth++) {
		const tallyi_base_id *b = find_base(run, base);
		size_t ulen = 0, m;
		const char *u;

		if (b == NULL)
			break;
		u = lookup(ctx, TALLY_STR_MESSAGE, b->uri, &ulen);
		if (u == NULL || ulen >= sizeof(tmp))
			break;
		m = tallyi_uri_normalize(u, ulen, tmp);
		if (m > 0 && tmp[m - 1] != '/' && m < sizeof(tmp))
			tmp[m++] = '/';
		if (m + n > cap)
			break;
		memmove(buf + m, buf, n);
		memcpy(buf, tmp, m);
		n += m;
		base = b->parent;
	}
	n = lex_normalize(buf, n);
	for (unsigned k = 0; k < 2; k++) {
		const char *r = c->root[k];
		size_t rl = c->root_len[k], skip;

		if (rl == 0 || n <= rl || memcmp(buf, r, rl) != 0 ||
		    (buf[rl] != '/' && r[rl - 1] != '/'))
			continue;
		skip = rl + (buf[rl] == '/');
		memmove(buf, buf + skip, n - skip);
		n -= skip;
		break;
	}
	return n;
}

int
tallyi_corr_stage_run(tally_corr *c, tallyi_corr_stage *st,
    const tallyi_sarif_run *run, lookup_fn lookup, void *ctx, uint32_t *pos)
{
	static const tally_strkind sk[4] = { TALLY_STR_TOOL, TALLY_STR_RULE,
		TALLY_STR_FILE, TALLY_STR_MESSAGE };
	uint32_t last_rule = TALLY_ID_NONE, last_cwe = 0;
	char path[4096];

	for (size_t k = 0; k < run->nres; k++) {
		const tally_violation *v = &run->res[k].v;
		const tallyi_corr_res *cr = &run->cres[k];
		uint32_t ids[4] = { v->tool, v->rule, v->file, v->message };
		uint32_t cats[TALLYI_CATS], ncat = 0;
		bool has_cwe = false;
		const char *file;
		size_t flen = 0, plen;
		crec *x;
		int rc;

		for (uint32_t i = 0; i < cr->cats.n; i++)
			has_cwe |= !(cr->cats.v[i] & TALLYI_CAT_TAG);
		if (!has_cwe && v->rule != last_rule) {
			size_t len;
			const char *rule = lookup(ctx, TALLY_STR_RULE, v->rule,
			    &len);

			last_rule = v->rule;
			last_cwe = rule != NULL ? known_cwe(rule) : 0;
		}
		if (!has_cwe && last_cwe != 0)
			cats[ncat++] = last_cwe;
		for (uint32_t i = 0; i < cr->cats.n && ncat < TALLYI_CATS; i++)
			cats[ncat++] = cr->cats.v[i];
		if (pos != NULL)
			pos[k] = ncat == 0 ? TALLY_ID_NONE : (uint32_t)st->n;
		if (ncat == 0)
			continue; /* relates to nothing: not kept */
		if ((x = tallyi_vec_push(&c->mem, st, sizeof(crec))) == NULL)
			return TALLY_ENOMEM;
		memset(x, 0, sizeof(*x));
		for (unsigned i = 0; i < 4; i++)
			if ((rc = reintern(c, i, lookup, ctx, sk[i], ids[i],
			    &x->s[i])) != TALLY_OK)
				return rc;
		file = lookup(ctx, TALLY_STR_FILE, v->file, &flen);
		plen = resolve_path(c, run, lookup, ctx, file ? file : "",
		    file ? flen : 0, cr->base, path, sizeof(path));
		if ((rc = tallyi_strtab_intern(&c->str[S_FILE], path, plen,
		    &x->path)) != TALLY_OK)
			return rc;
		x->line = v->line;
		x->column = v->column;
		x->offset = v->offset;
		x->level = v->level;
		x->flow[0] = cr->flow[0];
		x->flow[1] = cr->flow[1];
		for (uint32_t i = 0; i < ncat; i++) {
			uint32_t cat = cats[i];

			if ((cat & TALLYI_CAT_TAG) && (rc = reintern(c, S_TAG,
			    lookup, ctx, TALLY_STR_MESSAGE,
			    cat & ~TALLYI_CAT_TAG, &cat)) != TALLY_OK)
				return rc;
			x->cat[x->ncat++] = cat | (cats[i] & TALLYI_CAT_TAG);
		}
	}
	return TALLY_OK;
}

static uint64_t
rec_hash(const crec *r)
{
	uint64_t h = TALLYI_GOLDEN64;

	for (unsigned i = 0; i < 4; i++)
		h = (h ^ r->s[i]) * 0xff51afd7ed558ccdull;
	h = (h ^ r->line) * 0xc4ceb9fe1a85ec53ull;
	h = (h ^ r->column) * 0xff51afd7ed558ccdull;
	h = (h ^ r->offset) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 32);
}

static bool
rec_eq(const crec *a, const crec *b)
{
	return memcmp(a->s, b->s, sizeof(a->s)) == 0 && a->line == b->line &&
	    a->column == b->column && a->offset == b->offset;
}

static int
grow_slots(tally_corr *c)
{
	size_t n;
	uint32_t *s;

	if (!tallyi_grow_cap(c->nslots, c->nslots + 1, 1024, sizeof(uint32_t),
	    &n) || (s = tallyi_zalloc(&c->mem, n * sizeof(uint32_t))) == NULL)
		return TALLY_ENOMEM;
	for (size_t k = 0; k < c->n; k++) {
		size_t i = rec_hash(&c->recs[k]) & (n - 1);

		while (s[i] != 0)
			i = (i + 1) & (n - 1);
		s[i] = (uint32_t)k + 1;
	}
	tallyi_free(&c->mem, c->slots, c->nslots * sizeof(uint32_t));
	c->slots = s;
	c->nslots = n;
	return TALLY_OK;
}

int
tallyi_corr_commit(tally_corr *c, tallyi_corr_stage *st, uint32_t *idx)
{
	const crec *in = st->p;
	int rc = TALLY_OK;

	pthread_mutex_lock(&c->lock);
	for (size_t k = 0; k < st->n; k++) {
		size_t i;

		if ((c->n + 1) * 2 > c->nslots && (rc = grow_slots(c)))
			break;
		for (i = rec_hash(&in[k]) & (c->nslots - 1); c->slots[i] != 0;
		    i = (i + 1) & (c->nslots - 1))
			if (rec_eq(&c->recs[c->slots[i] - 1], &in[k]))
				break;
		if (c->slots[i] == 0) {
			if (c->n == c->cap) {
				crec *p = tallyi_grow(&c->mem, c->recs, &c->cap,
				    c->n + 1, 256, sizeof(crec));

				if (p == NULL) {
					rc = TALLY_ENOMEM;
					break;
				}
				c->recs = p;
			}
			c->recs[c->n] = in[k];
			c->slots[i] = (uint32_t)++c->n;
		}
		if (idx != NULL)
			idx[k] = c->slots[i] - 1;
	}
	pthread_mutex_unlock(&c->lock);
	st->n = 0;
	return rc;
}

void
tallyi_corr_stage_free(tally_corr *c, tallyi_corr_stage *st)
{
	if (c != NULL)
		tallyi_vec_free(&c->mem, st, sizeof(crec));
	memset(st, 0, sizeof(*st));
}

/* ------------------------------------------------------------------ */
/* Compute                                                             */

typedef struct cell {
	uint32_t path, cat, line, tool, rec;
} cell;

static int
cell_cmp(const void *a, const void *b)
{
	const cell *x = a, *y = b;

	if (x->path != y->path)
		return x->path < y->path ? -1 : 1;
	if (x->cat != y->cat)
		return x->cat < y->cat ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->tool != y->tool)
		return x->tool < y->tool ? -1 : 1;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

static uint32_t
uf_find(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

static void
uf_union(uint32_t *parent, uint32_t *cwe, uint32_t a, uint32_t b,
    uint32_t cat)
{
	a = uf_find(parent, a);
	b = uf_find(parent, b);
	if (a != b) {
		if (a > b) {
			uint32_t t = a;

			a = b;
			b = t;
		}
		parent[b] = a;
		if (cwe[b] < cwe[a])
			cwe[a] = cwe[b];
	}
	if (!(cat & TALLYI_CAT_TAG) && cat < cwe[a])
		cwe[a] = cat;
}

/* Members and clusters are sorted by content. */
static int
member_cmp(const void *a, const void *b)
{
	const tally_corr_result *x = a, *y = b;
	int d;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if ((d = strcmp(x->tool, y->tool)) != 0 ||
	    (d = strcmp(x->rule, y->rule)) != 0)
		return d;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return strcmp(x->message, y->message);
}

static int
cluster_cmp(const void *a, const void *b)
{
	const tally_corr_cluster *x = a, *y = b;
	int d;

	if ((d = strcmp(x->path, y->path)) != 0)
		return d;
	if (x->first_line != y->first_line)
		return x->first_line < y->first_line ? -1 : 1;
	if ((d = member_cmp(x->members, y->members)) != 0)
		return d;
	if (x->last_line != y->last_line)
		return x->last_line < y->last_line ? -1 : 1;
	return (x->size > y->size) - (x->size < y->size);
}

typedef struct named {
	const char *name;
	uint32_t id;
} named;

static int
named_cmp(const void *a, const void *b)
{
	return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A cluster and the union-find root it came from, for the final sort. */
typedef struct rooted {
	tally_corr_cluster cl;
	uint32_t root;
} rooted;

static int
rooted_cmp(const void *a, const void *b)
{
	return cluster_cmp(&((const rooted *)a)->cl, &((const rooted *)b)->cl);
}

/* Add the cells of record @r to @cells (at most 3 lines x TALLYI_CATS). */
static size_t
rec_cells(const crec *r, uint32_t ri, cell *out)
{
	uint32_t lines[3] = { r->line, r->flow[0], r->flow[1] };
	size_t n = 0;

	for (unsigned l = 0; l < 3; l++) {
		bool dup = lines[l] == 0;

		for (unsigned m = 0; m < l; m++)
			dup |= lines[m] == lines[l];
		if (dup)
			continue;
		for (unsigned k = 0; k < r->ncat; k++)
			out[n++] = (cell){ r->path, r->cat[k], lines[l],
				r->s[S_TOOL], ri };
	}
	return n;
}

/* Steps 1 and 2: union-find over the records. */
static int
link_records(tally_corr *c, uint32_t *parent, uint32_t *cwe)
{
	size_t ncells = 0, cap = 0;
	cell *cells;

	for (size_t k = 0; k < c->n; k++)
		cap += (size_t)c->recs[k].ncat * 3;
	cells = tallyi_alloc(&c->mem, (cap ? cap : 1) * sizeof(cell));
	if (cells == NULL)
		return TALLY_ENOMEM;
	for (size_t k = 0; k < c->n; k++)
		ncells += rec_cells(&c->recs[k], (uint32_t)k, cells + ncells);
	qsort(cells, ncells, sizeof(cell), cell_cmp);

	/* starts[i]: index of the first entry of cell i; linked[i]. */
	size_t nc = 0, *starts = tallyi_alloc(&c->mem,
	    (ncells + 1) * sizeof(size_t));
	bool *linked = tallyi_zalloc(&c->mem, ncells + 1);

	if (starts == NULL || linked == NULL) {
		tallyi_free(&c->mem, cells, (cap ? cap : 1) * sizeof(cell));
		tallyi_free(&c->mem, starts, (ncells + 1) * sizeof(size_t));
		tallyi_free(&c->mem, linked, ncells + 1);
		return TALLY_ENOMEM;
	}
	for (size_t i = 0; i < ncells; i++) {
		const cell *a = &cells[i], *b = i ? &cells[i - 1] : NULL;

		if (b == NULL || a->path != b->path || a->cat != b->cat ||
		    a->line != b->line || a->tool != b->tool)
			starts[nc++] = i;
	}
	starts[nc] = ncells;
	for (size_t i = 0; i < nc; i++) {
		const cell *a = &cells[starts[i]];

		for (size_t j = i; j-- > 0;) {
			const cell *b = &cells[starts[j]];

			if (b->path != a->path || b->cat != a->cat ||
			    a->line - b->line > c->window)
				break;
			if (b->tool == a->tool)
				continue;
			uf_union(parent, cwe, a->rec, b->rec, a->cat);
			linked[i] = linked[j] = true;
		}
	}
	for (size_t i = 0; i < nc; i++) {
		if (!linked[i])
			continue;
		for (size_t e = starts[i] + 1; e < starts[i + 1]; e++)
			uf_union(parent, cwe, cells[starts[i]].rec,
			    cells[e].rec, cells[e].cat);
	}
	tallyi_free(&c->mem, cells, (cap ? cap : 1) * sizeof(cell));
	tallyi_free(&c->mem, starts, (ncells + 1) * sizeof(size_t));
	tallyi_free(&c->mem, linked, ncells + 1);
	return TALLY_OK;
}

static tally_corr_result
member_of(const tally_corr *c, const crec *r)
{
	return (tally_corr_result){ str(c, S_TOOL, r->s[S_TOOL]),
		str(c, S_RULE, r->s[S_RULE]), str(c, S_FILE, r->path),
		str(c, S_MSG, r->s[S_MSG]), r->line, r->column,
		(tally_level)r->level };
}

/* The tools, sorted by name; (*rank_out)[tool id] = its index. */
static int
rank_tools(tally_corr *c, uint32_t **rank_out)
{
	uint32_t nt = tallyi_strtab_count(&c->str[S_TOOL]);
	named *order = tallyi_alloc(&c->mem, (nt + 1) * sizeof(named));
	uint32_t *rank = tallyi_alloc(&c->mem, (nt + 1) * sizeof(uint32_t));

	c->ntools = nt;
	c->tool_names = tallyi_alloc(&c->mem, (nt + 1) * sizeof(char *));
	c->agree = tallyi_zalloc(&c->mem, ((size_t)nt * nt + 1) *
	    sizeof(uint64_t));
	c->categorized = tallyi_zalloc(&c->mem, (nt + 1) * sizeof(uint64_t));
	if (order == NULL || rank == NULL || c->tool_names == NULL ||
	    c->agree == NULL || c->categorized == NULL) {
		tallyi_free(&c->mem, order, (nt + 1) * sizeof(named));
		tallyi_free(&c->mem, rank, (nt + 1) * sizeof(uint32_t));
		return TALLY_ENOMEM;
	}
	for (uint32_t k = 0; k < nt; k++)
		order[k] = (named){ str(c, S_TOOL, k), k };
	qsort(order, nt, sizeof(named), named_cmp);
	for (uint32_t k = 0; k < nt; k++) {
		rank[order[k].id] = k;
		c->tool_names[k] = order[k].name;
	}
	tallyi_free(&c->mem, order, (nt + 1) * sizeof(named));
	*rank_out = rank;
	return TALLY_OK;
}

/*
 * Sort the clusters by content (slot[root] is a cluster's index before the
 * sort) and point every record of one at its index after the sort.
 */
static int
sort_clusters(tally_corr *c, uint32_t *parent, const uint32_t *size,
    uint32_t *slot)
{
	size_t nc = c->nclusters;
	rooted *o = tallyi_alloc(&c->mem, (nc + 1) * sizeof(rooted));

	if (o == NULL)
		return TALLY_ENOMEM;
	for (size_t k = 0; k < c->n; k++)
		if (parent[k] == k && size[k] >= 2)
			o[slot[k]] = (rooted){ c->clusters[slot[k]],
				(uint32_t)k };
	qsort(o, nc, sizeof(rooted), rooted_cmp);
	for (size_t i = 0; i < nc; i++) {
		c->clusters[i] = o[i].cl;
		slot[o[i].root] = (uint32_t)i;
	}
	for (size_t k = 0; k < c->n; k++) {
		uint32_t root = uf_find(parent, (uint32_t)k);

		c->cluster_of[k] = size[root] >= 2 ? (int32_t)slot[root] : -1;
	}
	tallyi_free(&c->mem, o, (nc + 1) * sizeof(rooted));
	return TALLY_OK;
}

int
tally_corr_compute(tally_corr *c)
{
	uint32_t *parent, *cwe, *size, *slot, *rank = NULL;
	size_t n, nt;
	int rc;

	if (c == NULL)
		return TALLY_EINVAL;
	free_computed(c);
	n = c->n;
	parent = tallyi_alloc(&c->mem, (n + 1) * sizeof(uint32_t));
	cwe = tallyi_alloc(&c->mem, (n + 1) * sizeof(uint32_t));
	size = tallyi_zalloc(&c->mem, (n + 1) * sizeof(uint32_t));
	slot = tallyi_alloc(&c->mem, (n + 1) * sizeof(uint32_t));
	c->members = tallyi_alloc(&c->mem, (n + 1) * sizeof(*c->members));
	c->cl_tools = tallyi_alloc(&c->mem, (n + 1) * sizeof(uint32_t));
	c->cluster_of = tallyi_alloc(&c->mem, (n + 1) * sizeof(int32_t));
	c->computed_n = n + 1;
	rc = parent && cwe && size && slot && c->members && c->cl_tools &&
	    c->cluster_of ? TALLY_OK : TALLY_ENOMEM;
	for (size_t k = 0; k < n && rc == TALLY_OK; k++) {
		parent[k] = (uint32_t)k;
		cwe[k] = UINT32_MAX;
	}
	if (rc == TALLY_OK)
		rc = link_records(c, parent, cwe);
	if (rc == TALLY_OK)
		rc = rank_tools(c, &rank);
	if (rc != TALLY_OK)
		goto out;
	nt = c->ntools;

	/* Count the sets and give each set of two or more a cluster. */
	for (size_t k = 0; k < n; k++) {
		const crec *r = &c->recs[k];

		size[uf_find(parent, (uint32_t)k)]++;
		c->categorized[rank[r->s[S_TOOL]]]++;
	}
	for (size_t k = 0; k < n; k++)
		if (parent[k] == k && size[k] >= 2)
			c->nclusters++;
	c->clusters = tallyi_zalloc(&c->mem, (c->nclusters + 1) *
	    sizeof(*c->clusters));
	if (c->clusters == NULL) {
		rc = TALLY_ENOMEM;
		goto out;
	}
	/* Lay the members out cluster after cluster, in root order. */
	{
		size_t at = 0, ci = 0;

		for (size_t k = 0; k < n; k++) {
			if (parent[k] != k || size[k] < 2)
				continue;
			c->clusters[ci] = (tally_corr_cluster){ NULL, 0, 0, 0,
				0, NULL, c->members + at,
				cwe[k] == UINT32_MAX ? 0 : cwe[k] };
			slot[k] = (uint32_t)ci++;
			at += size[k];
		}
		for (size_t k = 0; k < n; k++) {
			uint32_t root = uf_find(parent, (uint32_t)k);
			tally_corr_cluster *cl;

			if (size[root] < 2)
				continue;
			cl = &c->clusters[slot[root]];
			((tally_corr_result *)cl->members)[cl->size++] =
			    member_of(c, &c->recs[k]);
		}
	}
	/* Sort members, pick the representative, tools, span, matrix. */
	{
		uint32_t *tl = c->cl_tools;
		uint32_t *mark = tallyi_zalloc(&c->mem, (nt + 1) *
		    sizeof(uint32_t));

		if (mark == NULL) {
			rc = TALLY_ENOMEM;
			goto out;
		}
		for (size_t ci = 0; ci < c->nclusters; ci++) {
			tally_corr_cluster *cl = &c->clusters[ci];
			tally_corr_result *m = (tally_corr_result *)cl->members;
			size_t best = 0;

			qsort(m, cl->size, sizeof(*m), member_cmp);
			for (size_t i = 1; i < cl->size; i++)
				if (m[i].level > m[best].level)
					best = i;
			if (best != 0) {
				tally_corr_result t = m[best];

				memmove(m + 1, m, best * sizeof(*m));
				m[0] = t;
			}
			cl->path = m[0].path;
			cl->first_line = UINT32_MAX;
			cl->tools = tl;
			for (size_t i = 0; i < cl->size; i++) {
				uint32_t t;

				for (t = 0; t < nt; t++)
					if (strcmp(c->tool_names[t],
					    m[i].tool) == 0)
						break;
				if (mark[t] != ci + 1) {
					mark[t] = (uint32_t)ci + 1;
					tl[cl->ntools++] = t;
				}
				if (m[i].line < cl->first_line)
					cl->first_line = m[i].line;
				if (m[i].line > cl->last_line)
					cl->last_line = m[i].line;
			}
			tl += cl->ntools;
			qsort((uint32_t *)cl->tools, cl->ntools,
			    sizeof(uint32_t), cmp_u32);
			for (size_t a = 0; a < cl->ntools; a++)
				for (size_t b = 0; b < cl->ntools; b++)
					c->agree[cl->tools[a] * nt +
					    cl->tools[b]]++;
		}
		tallyi_free(&c->mem, mark, (nt + 1) * sizeof(uint32_t));
	}
	rc = sort_clusters(c, parent, size, slot);
out:
	tallyi_free(&c->mem, rank, (c->ntools + 1) * sizeof(uint32_t));
	tallyi_free(&c->mem, parent, (n + 1) * sizeof(uint32_t));
	tallyi_free(&c->mem, cwe, (n + 1) * sizeof(uint32_t));
	tallyi_free(&c->mem, size, (n + 1) * sizeof(uint32_t));
	tallyi_free(&c->mem, slot, (n + 1) * sizeof(uint32_t));
	if (rc != TALLY_OK)
		free_computed(c);
	return rc;
}

const tally_corr_cluster *
tally_corr_clusters(const tally_corr *c, size_t *n)
{
	*n = c->nclusters;
	return c->clusters;
}

const char *const *
tally_corr_tools(const tally_corr *c, size_t *n)
{
	*n = c->ntools;
	return c->tool_names;
}

uint64_t
tally_corr_agreement(const tally_corr *c, size_t a, size_t b)
{
	return a < c->ntools && b < c->ntools ? c->agree[a * c->ntools + b] :
	    0;
}

uint64_t
tally_corr_categorized(const tally_corr *c, size_t t)
{
	return t < c->ntools ? c->categorized[t] : 0;
}

int64_t
tallyi_corr_cluster_of(const tally_corr *c, uint32_t idx)
{
	return c->cluster_of != NULL && idx < c->n ? c->cluster_of[idx] : -1;
}
