/*
 * engine/replay.c - stored results (tally/results.h): pack violations with
 * their strings, replay a pack into an engine.
 *
 * A pack: the header (magic, the string count of each kind, the row
 * count), the strings of each kind in index order (u32 length, bytes; a
 * tool also its version), then the rows as nine columns: four string
 * indexes, line, column, offset, level, flags. Every field is read with
 * memcpy, so a pack may sit at any alignment. Replay checks the whole pack
 * before it interns anything, so a bad one adds nothing.
 *
 * A pack is input, not a trusted copy: it comes from a cache that anyone
 * able to write the directory can forge (engine/cache_disk.c says what
 * that allows). So replay admits only what a read of a log could have
 * produced: every length, count and index within the pack, every string
 * well-formed UTF-8 of fewer than 2^32 - 1 bytes (as the reader's
 * arena holds them), every level, flag and offset one the engine takes. A
 * forged pack can still say other results; it cannot bring bytes no read
 * would into the engine's strings, and so into JSON or a terminal.
 *
 * "TLR2" (0.3) added the flags column; a "TLR1" pack (0.2) is refused as
 * not a pack, since it cannot say which of its rows were suppressed (a
 * cache then reads the input again).
 */
#include <sched.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/engine_structs.h"
#include "engine/toolkit.h"
#include "tally/results.h"

#define PACK_MAGIC 0x32524c54u /* "TLR2" read as a little-endian u32 */
#define HDR_SIZE (4 + 4 * TALLY_STR_KIND_COUNT + 8)
#define ROW_SIZE (6 * 4 + 8 + 1 + 1)
/* Where a column starts, in bytes from the first, for @rows rows. */
#define COL_OFFSET(rows) (24 * (rows))
#define COL_LEVEL(rows) (32 * (rows))
#define COL_FLAGS(rows) (33 * (rows))

/* A row the engine would refuse: unknown flags, or an offset at bit 63. */
static bool
row_refused(uint64_t offset, uint8_t flags)
{
	return (flags & ~TALLY_VIOLATION_SUPPRESSED) != 0 ||
	    (offset & TALLYI_OFF_SUPPRESSED) != 0;
}

/* ---- packing ---- */

/*
 * The strings a pack uses: an open-addressing map from (kind, engine id)
 * to the pack's index, each kind's engine ids in index order, and each
 * row's four indexes (column by column, as the pack stores them).
 */
typedef struct packer {
	tally_engine *e;
	uint64_t *key;    /* kind << 32 | id, + 1; 0 empty */
	uint32_t *val;
	size_t mask;
	uint32_t *ids[TALLY_STR_KIND_COUNT];
	uint32_t n[TALLY_STR_KIND_COUNT];
	size_t bytes;     /* the strings' part of the pack */
	size_t cap;       /* rows: the size of each ids[] */
	uint32_t *idx;    /* [kind * cap + row]: the row's string index */
} packer;

static int
pack_index(packer *p, unsigned kind, uint32_t id, uint32_t *out)
{
	uint64_t k = ((uint64_t)kind << 32 | id) + 1;
	/* bits 20 and up of the product: tables of up to 2^44 slots */
	size_t i = (size_t)(k * TALLYI_GOLDEN64 >> 20) & p->mask;
	size_t len, vlen = 0;

	for (; p->key[i] != 0; i = (i + 1) & p->mask)
		if (p->key[i] == k) {
			*out = p->val[i];
			return TALLY_OK;
		}
	if (tally_engine_string_lookup(p->e, (tally_strkind)kind, id, &len) == NULL)
		return TALLY_ERANGE;
	if (kind == TALLY_STR_TOOL) {
		(void)tally_engine_tool_version(p->e, id, &vlen);
		vlen += 4;
	}
	p->key[i] = k;
	p->val[i] = *out = p->n[kind];
	p->ids[kind][p->n[kind]++] = id;
	p->bytes += 4 + len + vlen;
	return TALLY_OK;
}

static void
put_u32(unsigned char **w, uint32_t x)
{
	memcpy(*w, &x, 4);
	*w += 4;
}

static void
put_bytes(unsigned char **w, const char *s, size_t len)
{
	put_u32(w, (uint32_t)len);
	memcpy(*w, s, len);
	*w += len;
}

static void
packer_free(packer *p)
{
	const tallyi_mem *m = &p->e->mem;

	tallyi_free(m, p->key, (p->mask + 1) * sizeof(uint64_t));
	tallyi_free(m, p->val, (p->mask + 1) * sizeof(uint32_t));
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++)
		tallyi_free(m, p->ids[k], p->cap * sizeof(uint32_t));
	tallyi_free(m, p->idx, p->cap * TALLY_STR_KIND_COUNT *
	    sizeof(uint32_t));
}

int
tally_results_pack(tally_engine *e, const tally_violation *v, size_t n,
    void **blob, size_t *len)
{
	packer p = { .e = e };
	size_t slots = 16, size = HDR_SIZE + n * ROW_SIZE;
	unsigned char *out, *w;
	int rc = TALLY_OK;

	if (e == NULL || (v == NULL && n != 0) || blob == NULL || len == NULL)
		return TALLY_EINVAL;
	while (slots < n * TALLY_STR_KIND_COUNT * 2)
		slots *= 2;
	p.mask = slots - 1;
	p.cap = n ? n : 1;
	p.key = tallyi_zalloc(&e->mem, slots * sizeof(uint64_t));
	p.val = tallyi_alloc(&e->mem, slots * sizeof(uint32_t));
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++)
		p.ids[k] = tallyi_alloc(&e->mem, p.cap * sizeof(uint32_t));
	p.idx = tallyi_alloc(&e->mem, p.cap * TALLY_STR_KIND_COUNT *
	    sizeof(uint32_t));
	if (p.key == NULL || p.val == NULL || p.ids[0] == NULL ||
	    p.ids[1] == NULL || p.ids[2] == NULL || p.ids[3] == NULL ||
	    p.idx == NULL) {
		rc = TALLY_ENOMEM;
		goto out;
	}
	/* Which strings, in which order, how many bytes; each row's indexes. */
	for (size_t i = 0; i < n && rc == TALLY_OK; i++) {
		const uint32_t id[4] = { v[i].tool, v[i].rule, v[i].file,
			v[i].message };

		for (unsigned k = 0; k < TALLY_STR_KIND_COUNT && !rc; k++)
			rc = pack_index(&p, k, id[k], &p.idx[k * p.cap + i]);
		if (rc == TALLY_OK && (v[i].level >= TALLY_LEVEL_COUNT ||
		    row_refused(v[i].offset, v[i].flags)))
			rc = TALLY_ERANGE;
	}
	if (rc != TALLY_OK)
		goto out;
	size += p.bytes;
	if ((out = tallyi_alloc(&e->mem, size)) == NULL) {
		rc = TALLY_ENOMEM;
		goto out;
	}
	w = out;
	put_u32(&w, PACK_MAGIC);
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++)
		put_u32(&w, p.n[k]);
	memcpy(w, &(uint64_t){ n }, 8);
	w += 8;
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++)
		for (uint32_t j = 0; j < p.n[k]; j++) {
			size_t sl;
			const char *s = tally_engine_string_lookup(e, (tally_strkind)k,
			    p.ids[k][j], &sl);

			put_bytes(&w, s, sl);
			if (k == TALLY_STR_TOOL) {
				s = tally_engine_tool_version(e, p.ids[k][j], &sl);
				put_bytes(&w, s, sl);
			}
		}
	/* The rows, column by column. */
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++, w += 4 * n)
		memcpy(w, &p.idx[k * p.cap], 4 * n);
	for (size_t i = 0; i < n; i++)
		put_u32(&w, v[i].line);
	for (size_t i = 0; i < n; i++)
		put_u32(&w, v[i].column);
	for (size_t i = 0; i < n; i++, w += 8)
		memcpy(w, &v[i].offset, 8);
	for (size_t i = 0; i < n; i++)
		*w++ = v[i].level;
	for (size_t i = 0; i < n; i++)
		*w++ = v[i].flags;
	*blob = out;
	*len = size;
out:
	packer_free(&p);
	return rc;
}

void
tally_results_free(tally_engine *e, void *blob, size_t len)
{
	if (e != NULL)
		tallyi_free(&e->mem, blob, len);
}

/* ---- replay ---- */

static uint32_t
get_u32(const unsigned char *p)
{
	uint32_t x;

	memcpy(&x, p, 4);
	return x;
}

/*
 * Whether [s, s + n) is well-formed UTF-8 (Unicode's table 3-7: no
 * overlong form, no surrogate, nothing past U+10FFFF), which is what the
 * reader leaves in every string it reads.
 */
static bool
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], lo = 0x80, hi = 0xbf, k;
		uint64_t w;

		/* mostly ASCII: 8 bytes at a time */
		if (n - i >= 8 && (memcpy(&w, s + i, 8),
		    (w & UINT64_C(0x8080808080808080)) == 0)) {
			i += 8;
			continue;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			lo = c == 0xe0 ? 0xa0 : lo;
			hi = c == 0xed ? 0x9f : hi;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			lo = c == 0xf0 ? 0x90 : lo;
			hi = c == 0xf4 ? 0x8f : hi;
		} else {
			return false;
		}
		if (n - i <= k || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (unsigned j = 2; j <= k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

/*
 * Check a pack and find its parts: the string counts, the row count and
 * where the columns start (@cols; the strings start at HDR_SIZE). Every
 * length is checked against what is left before it is used, so no
 * arithmetic here can overflow; every string as a read leaves it.
 */
static int
pack_parse(const unsigned char *p, size_t len, uint32_t nstr[4],
    uint64_t *rows, const unsigned char **cols)
{
	size_t at = HDR_SIZE;

	if (len < HDR_SIZE || get_u32(p) != PACK_MAGIC)
		return TALLY_EFORMAT;
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++)
		nstr[k] = get_u32(p + 4 + 4 * k);
	memcpy(rows, p + 4 + 4 * TALLY_STR_KIND_COUNT, 8);
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++) {
		uint64_t m = (uint64_t)nstr[k] * (k == TALLY_STR_TOOL ? 2 : 1);

		for (uint64_t j = 0; j < m; j++) {
			uint32_t sl;

			if (len - at < 4)
				return TALLY_EFORMAT;
			sl = get_u32(p + at);
			at += 4;
			if (len - at < sl || sl == UINT32_MAX ||
			    !utf8_ok(p + at, sl))
				return TALLY_EFORMAT;
			at += sl;
		}
	}
	if (*rows > (len - at) / ROW_SIZE || (len - at) != *rows * ROW_SIZE)
		return TALLY_EFORMAT;
	*cols = p + at;
	/* Every index below its kind's count, every level known. */
	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++) {
		const unsigned char *c = *cols + k * 4 * *rows;

		for (uint64_t i = 0; i < *rows; i++)
			if (get_u32(c + 4 * i) >= nstr[k])
				return TALLY_EFORMAT;
	}
	for (uint64_t i = 0, lv = COL_LEVEL(*rows); i < *rows; i++)
		if ((*cols)[lv + i] >= TALLY_LEVEL_COUNT)
			return TALLY_EFORMAT;
	/* Every row one the engine takes: flags known, offset below 2^63. */
	for (uint64_t i = 0; i < *rows; i++) {
		uint64_t off;

		memcpy(&off, *cols + COL_OFFSET(*rows) + 8 * i, 8);
		if (row_refused(off, (*cols)[COL_FLAGS(*rows) + i]))
			return TALLY_EFORMAT;
	}
	return TALLY_OK;
}

/* Intern the pack's strings; ids[k][j] gets string j of kind k's id. */
static int
replay_strings(tally_engine *e, const unsigned char *p, const uint32_t n[4],
    uint32_t *ids[4])
{
	size_t at = HDR_SIZE;

	for (unsigned k = 0; k < TALLY_STR_KIND_COUNT; k++)
		for (uint32_t j = 0; j < n[k]; j++) {
			uint32_t sl = get_u32(p + at);
			const char *s = (const char *)p + at + 4;
			int rc;

			at += 4 + (size_t)sl;
			if (k == TALLY_STR_TOOL) {
				uint32_t vl = get_u32(p + at);

				rc = tally_engine_tool_intern(e, s, sl,
				    (const char *)p + at + 4, vl, &ids[k][j]);
				at += 4 + (size_t)vl;
			} else {
				rc = tally_engine_string_intern(e, (tally_strkind)k,
				    s, sl, &ids[k][j]);
			}
			if (rc != TALLY_OK)
				return rc;
		}
	return TALLY_OK;
}

/* Submit, waiting out a non-blocking engine's backpressure. */
static int
submit(tally_engine *e, tally_batch *b)
{
	int rc;

	while ((rc = tally_batch_submit(e, b)) == TALLY_EAGAIN)
		sched_yield();
	return rc;
}

/* Fill @b with @m rows from row @from of the pack's columns. */
static int
fill(tally_batch *b, const unsigned char *cols, uint64_t rows, uint64_t from,
    uint32_t m, uint32_t *const ids[4], uint32_t *const col[6], uint64_t *off,
    uint8_t *lvl, uint8_t *flg)
{
	tally_columns c = { col[0], col[1], col[2], col[3], col[4], col[5],
		off, lvl, flg };

	for (unsigned k = 0; k < 6; k++) {
		const unsigned char *src = cols + (k * rows + from) * 4;

		if (k < TALLY_STR_KIND_COUNT)
			for (uint32_t i = 0; i < m; i++)
				col[k][i] = ids[k][get_u32(src + 4 * i)];
		else
			memcpy(col[k], src, (size_t)m * 4);
	}
	memcpy(off, cols + COL_OFFSET(rows) + from * 8, (size_t)m * 8);
	memcpy(lvl, cols + COL_LEVEL(rows) + from, m);
	memcpy(flg, cols + COL_FLAGS(rows) + from, m);
	return tally_batch_append_columns(b, &c, m);
}

int
tally_results_replay(tally_engine *e, const void *blob, size_t len,
    uint64_t *count)
{
	const unsigned char *p = blob, *cols;
	uint32_t nstr[TALLY_STR_KIND_COUNT], *ids[TALLY_STR_KIND_COUNT] = { 0 };
	uint32_t *col[6] = { 0 }; /* one batch's remapped u32 columns */
	uint64_t *off = NULL, rows = 0;
	uint8_t *lvl = NULL, *flg = NULL;
	uint32_t cap;
	tally_batch **b = NULL;
	size_t nb = 0, k;
	int rc;

	if (count != NULL)
		*count = 0;
	if (e == NULL || (blob == NULL && len != 0))
		return TALLY_EINVAL;
	if ((rc = pack_parse(p, len, nstr, &rows, &cols)) != TALLY_OK)
		return rc;
	if (rows == 0)
		return TALLY_OK;
	cap = e->batch_cap;
	nb = (size_t)((rows + cap - 1) / cap);
	/* Everything is acquired before anything is submitted. */
	for (k = 0; k < TALLY_STR_KIND_COUNT; k++) {
		size_t sz; /* nstr is read from the blob */

		if (!tallyi_size_mul((size_t)nstr[k] + 1, sizeof(uint32_t),
		    &sz) || (ids[k] = tallyi_alloc(&e->mem, sz)) == NULL)
			rc = TALLY_ENOMEM;
	}
	for (k = 0; k < 6; k++)
		if ((col[k] = tallyi_alloc(&e->mem, (size_t)cap * 4)) == NULL)
			rc = TALLY_ENOMEM;
	off = tallyi_alloc(&e->mem, (size_t)cap * 8);
	lvl = tallyi_alloc(&e->mem, cap);
	flg = tallyi_alloc(&e->mem, cap);
	b = tallyi_zalloc(&e->mem, nb * sizeof(*b));
	if (off == NULL || lvl == NULL || flg == NULL || b == NULL)
		rc = TALLY_ENOMEM;
	for (k = 0; k < nb && rc == TALLY_OK; k++)
		rc = tally_batch_acquire(e, &b[k]);
	if (rc == TALLY_OK)
		rc = replay_strings(e, p, nstr, ids);
	for (k = 0; k < nb && rc == TALLY_OK; k++) {
		uint64_t from = (uint64_t)k * cap;

		rc = fill(b[k], cols, rows, from, rows - from < cap ?
		    (uint32_t)(rows - from) : cap, ids, col, off, lvl, flg);
	}
	for (k = 0; k < nb && rc == TALLY_OK; k++) {
		if ((rc = submit(e, b[k])) == TALLY_OK)
			b[k] = NULL;
	}
	if (rc == TALLY_OK && count != NULL)
		*count = rows;
	for (k = 0; b != NULL && k < nb; k++)
		tally_batch_discard(e, b[k]);
	tallyi_free(&e->mem, b, nb * sizeof(*b));
	for (k = 0; k < TALLY_STR_KIND_COUNT; k++)
		tallyi_free(&e->mem, ids[k],
		    ((size_t)nstr[k] + 1) * sizeof(uint32_t));
	for (k = 0; k < 6; k++)
		tallyi_free(&e->mem, col[k], (size_t)cap * 4);
	tallyi_free(&e->mem, off, (size_t)cap * 8);
	tallyi_free(&e->mem, lvl, cap);
	tallyi_free(&e->mem, flg, cap);
	return rc;
}
