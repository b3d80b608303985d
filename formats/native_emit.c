/*
 * formats/native_emit.c - writing the SARIF log a native input becomes.
 *
 * The log is written in one pass into the buffer that becomes the input:
 * its results first, as they come (SARIF lets "results" come before
 * "tool", and the reader takes either order), then the tool, whose rules
 * (deduplicated by id through a small open-addressing table) wait in a
 * buffer of their own until then. Compact JSON. A log is one run, or
 * several when the input holds several tools' results (Code Climate's
 * engines): tallyi_emit_run_next() closes one and opens the next.
 */
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "formats/native.h"
#include "engine/strtab.h"

typedef struct rule_ent {
	size_t off, len; /* the id's text in em->rules */
	uint64_t hash;
} rule_ent;

static void put(tallyi_emit *em, tallyi_vec *v, const char *p, size_t n);

void
tallyi_emit_init(tallyi_emit *em, const tallyi_mem *mem, size_t hint)
{
	static const char head[] = "{\"version\":\"2.1.0\",\"$schema\":"
	    "\"https://json.schemastore.org/sarif-2.1.0.json\",\"runs\":"
	    "[{\"results\":[";

	memset(em, 0, sizeof(*em));
	em->mem = mem;
	/* room for what the log of such an input takes (SARIF spends about
	 * twice a checkstyle error's bytes on it), so it seldom moves; pages
	 * not written are not faulted in. Large inputs reserve less ahead. */
	if (tallyi_vec_reserve(mem, &em->res, hint + (hint < (128u << 20) ?
	    2 * hint : hint / 2) + 4096, 1) != TALLY_OK)
		em->oom = true;
	put(em, &em->res, head, sizeof(head) - 1);
}

void
tallyi_emit_free(tallyi_emit *em)
{
	tallyi_vec_free(em->mem, &em->res, 1);
	tallyi_vec_free(em->mem, &em->rules, 1);
	tallyi_vec_free(em->mem, &em->scratch, 1);
	tallyi_vec_free(em->mem, &em->rule_ent, sizeof(rule_ent));
	if (em->rule_tab != NULL)
		tallyi_free(em->mem, em->rule_tab,
		    em->rule_cap * sizeof(*em->rule_tab));
	em->rule_tab = NULL;
	em->rule_cap = 0;
}

static void
put(tallyi_emit *em, tallyi_vec *v, const char *p, size_t n)
{
	if (em->oom || tallyi_vec_reserve(em->mem, v, v->n + n, 1) !=
	    TALLY_OK) {
		em->oom = true;
		return;
	}
	memcpy((char *)v->p + v->n, p, n);
	v->n += n;
}

static void
puts_(tallyi_emit *em, tallyi_vec *v, const char *s)
{
	put(em, v, s, strlen(s));
}

static void
put_uint(tallyi_emit *em, tallyi_vec *v, uint64_t x)
{
	char b[20];
	size_t i = sizeof(b);

	do
		b[--i] = (char)('0' + x % 10);
	while ((x /= 10) != 0);
	put(em, v, b + i, sizeof(b) - i);
}

/* A JSON string, quotes included. */
static void
put_str(tallyi_emit *em, tallyi_vec *v, tallyi_nstr s)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	put(em, v, "\"", 1);
	if (s.json) {
		put(em, v, s.p, s.n);
		put(em, v, "\"", 1);
		return;
	}
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		char e[6];
		size_t k = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(em, v, s.p + run, i - run);
		run = i + 1;
		e[0] = '\\';
		switch (c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			memcpy(e + 1, "u00", 3);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			k = 6;
		}
		put(em, v, e, k);
	}
	put(em, v, s.p + run, s.n - run);
	put(em, v, "\"", 1);
}

/*
 * Find or add @id; true when it was added (its object is then open, for
 * the caller to add members to and close). Ids compare as written in the
 * log (escaped), which is one text per id: the converters write each the
 * same way every time.
 */
static bool
rule_add(tallyi_emit *em, tallyi_nstr id)
{
	const char *key;
	size_t mask, i, n;
	uint64_t h;
	rule_ent *ent;

	em->scratch.n = 0;
	put_str(em, &em->scratch, id);
	if (em->oom)
		return false;
	key = (const char *)em->scratch.p + 1; /* inside the quotes */
	n = em->scratch.n - 2;
	h = tallyi_strhash(key, n);
	if (2 * (em->rule_ent.n + 1) > em->rule_cap) {
		size_t cap = em->rule_cap ? 2 * em->rule_cap : 64;
		uint32_t *tab = tallyi_alloc(em->mem, cap * sizeof(*tab));

		if (tab == NULL) {
			em->oom = true;
			return false;
		}
		memset(tab, 0, cap * sizeof(*tab));
		for (size_t k = 0; k < em->rule_ent.n; k++) {
			const rule_ent *r = (const rule_ent *)em->rule_ent.p + k;

			for (i = r->hash & (cap - 1); tab[i] != 0;
			    i = (i + 1) & (cap - 1))
				;
			tab[i] = (uint32_t)k + 1;
		}
		if (em->rule_tab != NULL)
			tallyi_free(em->mem, em->rule_tab,
			    em->rule_cap * sizeof(*em->rule_tab));
		em->rule_tab = tab;
		em->rule_cap = cap;
	}
	mask = em->rule_cap - 1;
	for (i = h & mask; em->rule_tab[i] != 0; i = (i + 1) & mask) {
		const rule_ent *r = (const rule_ent *)em->rule_ent.p +
		    em->rule_tab[i] - 1;

		if (r->hash == h && r->len == n &&
		    memcmp((const char *)em->rules.p + r->off, key, n) == 0)
			return false;
	}
	if ((ent = tallyi_vec_push(em->mem, &em->rule_ent, sizeof(*ent))) ==
	    NULL) {
		em->oom = true;
		return false;
	}
	em->rule_tab[i] = (uint32_t)em->rule_ent.n;
	if (em->rule_ent.n > 1)
		put(em, &em->rules, ",", 1);
	puts_(em, &em->rules, "{\"id\":");
	ent->off = em->rules.n + 1;
	ent->len = n;
	ent->hash = h;
	put(em, &em->rules, em->scratch.p, em->scratch.n);
	return true;
}

void
tallyi_emit_rule(tallyi_emit *em, tallyi_nstr id, tallyi_nstr help)
{
	if (id.p == NULL || !rule_add(em, id))
		return;
	if (help.p != NULL) {
		puts_(em, &em->rules, ",\"helpUri\":");
		put_str(em, &em->rules, help);
	}
	put(em, &em->rules, "}", 1);
}

static void
put_physical(tallyi_emit *em, const tallyi_nloc *l)
{
	tallyi_vec *v = &em->res;

	puts_(em, v, "{\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
	put_str(em, v, l->file);
	put(em, v, "}", 1);
	if (l->line != 0 || l->has_offset) {
		static const char *const names[] = { "startLine",
			"startColumn", "endLine", "endColumn" };
		const uint64_t val[] = { l->line, l->line ? l->column : 0,
			l->line ? l->end_line : 0, l->line ? l->end_column : 0 };
		const char *sep = "";

		puts_(em, v, ",\"region\":{");
		for (int k = 0; k < 4; k++) {
			if (val[k] == 0)
				continue;
			puts_(em, v, sep);
			put(em, v, "\"", 1);
			puts_(em, v, names[k]);
			puts_(em, v, "\":");
			put_uint(em, v, val[k]);
			sep = ",";
		}
		if (l->has_offset) {
			puts_(em, v, sep);
			puts_(em, v, "\"byteOffset\":");
			put_uint(em, v, l->offset);
		}
		put(em, v, "}", 1);
	}
	put(em, v, "}", 1);
}

void
tallyi_emit_result(tallyi_emit *em, const tallyi_nres *r)
{
	tallyi_vec *v = &em->res;

	if (r->rule.p != NULL)
		tallyi_emit_rule(em, r->rule, (tallyi_nstr){ NULL, 0, false });
	put(em, v, ",{" + (em->nres == 0), em->nres == 0 ? 1 : 2);
	em->nres++;
	if (r->rule.p != NULL) {
		puts_(em, v, "\"ruleId\":");
		put_str(em, v, r->rule);
		put(em, v, ",", 1);
	}
	puts_(em, v, "\"level\":\"");
	puts_(em, v, r->level);
	puts_(em, v, "\",\"message\":{\"text\":");
	put_str(em, v, r->message.p != NULL ? r->message :
	    (tallyi_nstr){ "", 0, false });
	put(em, v, "}", 1);
	if (r->loc.file.p != NULL) {
		puts_(em, v, ",\"locations\":[");
		put_physical(em, &r->loc);
		put(em, v, "}]", 2);
	}
	if (r->nrelated != 0) {
		puts_(em, v, ",\"relatedLocations\":[");
		for (size_t k = 0; k < r->nrelated; k++) {
			const tallyi_nloc *l = &r->related[k];

			if (k != 0)
				put(em, v, ",", 1);
			if (l->file.p != NULL) {
				put_physical(em, l);
				put(em, v, ",", 1);
			} else {
				put(em, v, "{", 1);
			}
			puts_(em, v, "\"message\":{\"text\":");
			put_str(em, v, l->message.p != NULL ? l->message :
			    (tallyi_nstr){ "", 0, false });
			put(em, v, "}}", 2);
		}
		put(em, v, "]", 1);
	}
	if (r->cwe != 0 || r->inconclusive) {
		puts_(em, v, ",\"properties\":{");
		if (r->cwe != 0) {
			puts_(em, v, "\"tags\":[\"external/cwe/cwe-");
			put_uint(em, v, r->cwe);
			puts_(em, v, "\"]");
		}
		if (r->inconclusive)
			puts_(em, v, r->cwe != 0 ? ",\"inconclusive\":true" :
			    "\"inconclusive\":true");
		put(em, v, "}", 1);
	}
	if (r->suppressed) {
		/* no status: accepted (SARIF 3.35.3), as a directive is */
		puts_(em, v, ",\"suppressions\":[{\"kind\":\"inSource\"");
		if (r->justification.p != NULL && r->justification.n != 0) {
			puts_(em, v, ",\"justification\":");
			put_str(em, v, r->justification);
		}
		put(em, v, "}]", 2);
	} else if (r->supp_status != NULL) {
		puts_(em, v, ",\"suppressions\":[{\"kind\":\"external\","
		    "\"status\":\"");
		puts_(em, v, r->supp_status);
		puts_(em, v, "\"}]");
	}
	if (r->baseline != NULL) {
		puts_(em, v, ",\"baselineState\":\"");
		puts_(em, v, r->baseline);
		put(em, v, "\"", 1);
	}
	put(em, v, "}", 1);
}

/* Close the results of the run being written and write its tool (with
 * the rules added since it began), leaving the run object open. */
static void
run_tool(tallyi_emit *em, tallyi_nstr name, tallyi_nstr version,
    const char *uri)
{
	tallyi_vec *out = &em->res;

	puts_(em, out, "],\"tool\":{\"driver\":{\"name\":");
	put_str(em, out, name);
	if (version.p != NULL) {
		puts_(em, out, ",\"version\":");
		put_str(em, out, version);
	}
	if (uri != NULL) {
		puts_(em, out, ",\"informationUri\":");
		put_str(em, out, (tallyi_nstr){ uri, strlen(uri), false });
	}
	if (em->rule_ent.n != 0) {
		puts_(em, out, ",\"rules\":[");
		put(em, out, em->rules.p, em->rules.n);
		put(em, out, "]", 1);
	}
	puts_(em, out, "}}}");
}

void
tallyi_emit_run_next(tallyi_emit *em, tallyi_nstr name, tallyi_nstr version,
    const char *uri)
{
	run_tool(em, name, version, uri);
	puts_(em, &em->res, ",{\"results\":[");
	/* rules belong to a run's driver: the next run lists its own */
	em->rules.n = 0;
	em->rule_ent.n = 0;
	if (em->rule_tab != NULL)
		memset(em->rule_tab, 0, em->rule_cap * sizeof(*em->rule_tab));
	em->nres = 0;
}

static int
finish(tallyi_emit *em, tallyi_input *in, tallyi_nstr name,
    tallyi_nstr version, const char *uri)
{
	tallyi_vec *out = &em->res;

	run_tool(em, name, version, uri);
	puts_(em, out, "]}\n");
	if (!em->oom && tallyi_vec_reserve(em->mem, out, out->n +
	    TALLYI_JSON_PADDING, 1) != TALLY_OK)
		em->oom = true;
	if (em->oom)
		return TALLY_ENOMEM;
	tallyi_input_replace(in, out->p, out->cap, out->n);
	*out = (tallyi_vec){ NULL, 0, 0 }; /* the input's now */
	return TALLY_OK;
}

int
tallyi_emit_finish(tallyi_emit *em, tallyi_input *in, const char *name,
    const char *version, const char *uri)
{
	return finish(em, in, (tallyi_nstr){ name, strlen(name), false },
	    (tallyi_nstr){ version, version != NULL ? strlen(version) : 0,
	    false }, uri);
}

int
tallyi_emit_finish_tool(tallyi_emit *em, tallyi_input *in,
    tallyi_nstr name, tallyi_nstr version, const char *uri)
{
	return finish(em, in, name, version, uri);
}
