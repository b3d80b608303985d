/*
 * formats/native_xml.c - the XML formats: checkstyle (as eslint, phpcs,
 * ShellCheck, ktlint, detekt and golangci-lint write it) and cppcheck's
 * version 2.
 *
 * expat parses (and checks well-formedness and encoding; it loads no
 * external entity and bounds entity expansion); the handlers here follow
 * the elements the formats define and ignore the rest. expat hands
 * attribute values over decoded, in UTF-8, valid only during the call:
 * what a result needs past its start tag is copied into an arena.
 */
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/cc.h"
#include "formats/native.h"

typedef struct xml {
	XML_Parser p;
	tallyi_emit em;
	tally_sarif_report *rep;
	int err;                 /* the first error, or 0 */
	unsigned depth;
	/* checkstyle */
	size_t file_off, file_len; /* the current <file name>, in arena */
	bool in_file;            /* inside a <file> (depth 2) */
	char tool[32];           /* from the first rule's prefix */
	size_t prefix_len;       /* that prefix's length ("ShellCheck.") */
	/* cppcheck */
	bool in_errors;          /* inside <errors> (depth 2) */
	bool in_error;
	bool version_ok;
	char version[32];
	tallyi_vec arena;        /* the current error's strings */
	tallyi_vec locs;         /* its locations (offsets into arena) */
	tallyi_vec rel;          /* its related locations, as emitted */
	size_t rule[2], msg[2];  /* offset, length; length SIZE_MAX: absent */
	const char *level;
	uint32_t cwe;
	bool inconclusive;
} xml;

/* Stop the parse with an error at the current position. */
static void
fail(xml *x, int code, const char *fmt, ...) TALLY_CC_PRINTF(3, 4);

static void
fail(xml *x, int code, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	XML_Index at = XML_GetCurrentByteIndex(x->p);

	if (x->err != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->err = code;
	tallyi_report_error(x->rep, code, at >= 0 ? (uint64_t)at : UINT64_MAX,
	    "line %lu, column %lu: %s",
	    (unsigned long)XML_GetCurrentLineNumber(x->p),
	    (unsigned long)XML_GetCurrentColumnNumber(x->p) + 1, msg);
	XML_StopParser(x->p, XML_FALSE);
}

static const char *
attr(const XML_Char **a, const char *name)
{
	for (; a[0] != NULL; a += 2)
		if (strcmp(a[0], name) == 0)
			return a[1];
	return NULL;
}

/* A line or column attribute: absent is 0. */
static bool
attr_uint(xml *x, const XML_Char **a, const char *name, uint64_t *out)
{
	const char *v = attr(a, name);
	uint64_t n = 0;

	*out = 0;
	if (v == NULL)
		return true;
	for (const char *p = v; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || n > UINT32_MAX) {
			fail(x, TALLY_EFORMAT_TYPE, "%s=\"%.40s\": expected a "
			    "non-negative integer below 2^32", name, v);
			return false;
		}
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (*v == '\0' || n > UINT32_MAX) {
		fail(x, TALLY_EFORMAT_TYPE, "%s=\"%.40s\": expected a "
		    "non-negative integer below 2^32", name, v);
		return false;
	}
	*out = n;
	return true;
}

static tallyi_nstr
cstr(const char *s)
{
	return (tallyi_nstr){ s, s != NULL ? strlen(s) : 0, false };
}

/* Copy @s into the arena; its offset (SIZE_MAX when @s is NULL). */
static size_t
keep(xml *x, const char *s, size_t *len)
{
	size_t n, off;

	*len = 0;
	if (s == NULL)
		return SIZE_MAX;
	n = strlen(s);
	if (tallyi_vec_reserve(x->em.mem, &x->arena, x->arena.n + n + 1, 1) !=
	    TALLY_OK) {
		x->em.oom = true;
		fail(x, TALLY_ENOMEM, "out of memory");
		return SIZE_MAX;
	}
	off = x->arena.n;
	memcpy((char *)x->arena.p + off, s, n + 1);
	x->arena.n += n + 1;
	*len = n;
	return off;
}

static tallyi_nstr
kept(const xml *x, size_t off, size_t len)
{
	if (off == SIZE_MAX)
		return (tallyi_nstr){ NULL, 0, false };
	return (tallyi_nstr){ (const char *)x->arena.p + off, len, false };
}

/* ------------------------------------------------------------------ */
/* checkstyle                                                          */

/*
 * Rule ids that name their tool: the prefix goes, the tool is named. The
 * first rule of a log decides (one log is one tool's); a rule without the
 * prefix is kept whole.
 */
static const struct {
	const char *prefix, *tool;
} cs_tools[] = {
	{ "ShellCheck.", "shellcheck" },
	{ "eslint.rules.", "ESLint" },
	{ "detekt.", "detekt" },
};

static const char *
cs_level(const char *sev, bool *ok)
{
	*ok = true;
	if (sev == NULL || strcmp(sev, "warning") == 0)
		return "warning";
	if (strcmp(sev, "error") == 0)
		return "error";
	if (strcmp(sev, "info") == 0)
		return "note";
	if (strcmp(sev, "ignore") == 0)
		return "none";
	*ok = false;
	return NULL;
}

static void XMLCALL
cs_start(void *ud, const XML_Char *name, const XML_Char **a)
{
	xml *x = ud;

	x->depth++;
	/* expat still reports the end of a stopped parse's current tag, and
	 * may report more: nothing is taken after an error */
	if (x->err != 0)
		return;
	if (x->depth == 1) {
		if (strcmp(name, "checkstyle") != 0)
			fail(x, TALLY_EFORMAT, "expected <checkstyle>, found "
			    "<%.40s>", name);
		return;
	}
	if (x->depth == 2 && strcmp(name, "file") == 0) {
		const char *f = attr(a, "name");

		x->in_file = true;
		if (f == NULL) {
			fail(x, TALLY_EFORMAT, "<file> without a name "
			    "attribute");
			return;
		}
		x->arena.n = 0;
		x->file_off = keep(x, f, &x->file_len);
		return;
	}
	if (x->depth == 3 && x->in_file && strcmp(name, "error") == 0) {
		const char *src = attr(a, "source"), *msg = attr(a, "message");
		tallyi_nres r = { 0 };
		bool ok;

		r.level = cs_level(attr(a, "severity"), &ok);
		if (!ok) {
			fail(x, TALLY_EFORMAT, "severity=\"%.40s\": expected "
			    "error, warning, info or ignore",
			    attr(a, "severity"));
			return;
		}
		if (!attr_uint(x, a, "line", &r.loc.line) ||
		    !attr_uint(x, a, "column", &r.loc.column))
			return;
		if (src != NULL && src[0] != '\0' && x->tool[0] == '\0') {
			size_t k;

			for (k = 0; k < sizeof(cs_tools) / sizeof(*cs_tools);
			    k++) {
				size_t n = strlen(cs_tools[k].prefix);

				if (strncmp(src, cs_tools[k].prefix, n) == 0) {
					snprintf(x->tool, sizeof(x->tool), "%s",
					    cs_tools[k].tool);
					x->prefix_len = n;
					break;
				}
			}
			if (k == sizeof(cs_tools) / sizeof(*cs_tools))
				snprintf(x->tool, sizeof(x->tool),
				    "checkstyle");
		}
		if (src != NULL && x->prefix_len != 0) {
			for (size_t k = 0; k < sizeof(cs_tools) /
			    sizeof(*cs_tools); k++)
				if (strcmp(cs_tools[k].tool, x->tool) == 0 &&
				    strncmp(src, cs_tools[k].prefix,
				    x->prefix_len) == 0)
					src += x->prefix_len;
		}
		r.rule = cstr(src);
		r.message = cstr(msg);
		r.loc.file = kept(x, x->file_off, x->file_len);
		tallyi_emit_result(&x->em, &r);
		if (x->em.oom)
			fail(x, TALLY_ENOMEM, "out of memory");
	}
}

static void XMLCALL
cs_end(void *ud, const XML_Char *name)
{
	xml *x = ud;

	(void)name;
	if (x->depth-- == 2)
		x->in_file = false;
}

/* ------------------------------------------------------------------ */
/* cppcheck --xml --xml-version=2                                      */

/* cppcheck's severities as its own SARIF output writes them. */
static const char *
cc_level(const char *sev, bool *ok)
{
	static const char *const map[][2] = {
		{ "error", "error" }, { "warning", "warning" },
		{ "style", "warning" }, { "performance", "warning" },
		{ "portability", "warning" }, { "information", "note" },
		{ "debug", "note" }, { "none", "note" },
	};

	*ok = true;
	if (sev == NULL)
		return "warning";
	for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
		if (strcmp(sev, map[i][0]) == 0)
			return map[i][1];
	*ok = false;
	return NULL;
}

typedef struct cc_loc {
	size_t file[2], info[2];
	uint64_t line, column;
} cc_loc;

static void XMLCALL
cc_start(void *ud, const XML_Char *name, const XML_Char **a)
{
	xml *x = ud;

	x->depth++;
	if (x->err != 0) /* see cs_start() */
		return;
	if (x->depth == 1) {
		const char *v = attr(a, "version");

		if (strcmp(name, "results") != 0)
			fail(x, TALLY_EFORMAT, "expected <results>, found "
			    "<%.40s>", name);
		else if (v == NULL || strcmp(v, "2") != 0)
			fail(x, TALLY_EFORMAT, "<results version=\"%.10s\">: "
			    "only cppcheck's XML version 2 is read (cppcheck "
			    "--xml --xml-version=2)", v != NULL ? v : "");
		else
			x->version_ok = true;
		return;
	}
	if (x->depth == 2 && strcmp(name, "cppcheck") == 0) {
		const char *v = attr(a, "version");

		if (v != NULL)
			snprintf(x->version, sizeof(x->version), "%s", v);
		return;
	}
	if (x->depth == 2 && strcmp(name, "errors") == 0) {
		x->in_errors = true;
		return;
	}
	if (x->depth == 3 && x->in_errors && strcmp(name, "error") == 0) {
		const char *cwe = attr(a, "cwe"), *inc = attr(a, "inconclusive");
		uint64_t c = 0;
		bool ok;

		x->in_error = true;
		x->arena.n = 0;
		x->locs.n = 0;
		x->level = cc_level(attr(a, "severity"), &ok);
		if (!ok) {
			fail(x, TALLY_EFORMAT, "severity=\"%.40s\": expected "
			    "one of cppcheck's severities (error, warning, "
			    "style, performance, portability, information, "
			    "debug, none)", attr(a, "severity"));
			return;
		}
		if (cwe != NULL && !attr_uint(x, a, "cwe", &c))
			return;
		x->cwe = (uint32_t)c;
		x->inconclusive = inc != NULL && strcmp(inc, "true") == 0;
		x->rule[0] = keep(x, attr(a, "id"), &x->rule[1]);
		x->msg[0] = keep(x, attr(a, "msg"), &x->msg[1]);
		return;
	}
	if (x->depth == 4 && x->in_error && strcmp(name, "location") == 0) {
		cc_loc *l = tallyi_vec_push(x->em.mem, &x->locs, sizeof(*l));

		if (l == NULL) {
			x->em.oom = true;
			fail(x, TALLY_ENOMEM, "out of memory");
			return;
		}
		memset(l, 0, sizeof(*l));
		if (!attr_uint(x, a, "line", &l->line) ||
		    !attr_uint(x, a, "column", &l->column))
			return;
		if (attr(a, "file") == NULL) {
			fail(x, TALLY_EFORMAT, "<location> without a file "
			    "attribute");
			return;
		}
		l->file[0] = keep(x, attr(a, "file"), &l->file[1]);
		l->info[0] = keep(x, attr(a, "info"), &l->info[1]);
	}
}

static void XMLCALL
cc_end(void *ud, const XML_Char *name)
{
	xml *x = ud;
	tallyi_nres r = { 0 };
	const cc_loc *l = x->locs.p;
	tallyi_nloc *rel;

	if (x->depth-- == 2)
		x->in_errors = false;
	if (x->err != 0 || x->depth != 2 || !x->in_error ||
	    strcmp(name, "error") != 0)
		return;
	x->in_error = false;
	r.rule = kept(x, x->rule[0], x->rule[1]);
	r.message = kept(x, x->msg[0], x->msg[1]);
	r.level = x->level;
	r.cwe = x->cwe;
	r.inconclusive = x->inconclusive;
	/* the first location is the result's; the others are related, each
	 * with its "info" as its message */
	if (x->locs.n > 0) {
		r.loc.file = kept(x, l[0].file[0], l[0].file[1]);
		r.loc.line = l[0].line;
		r.loc.column = l[0].column;
	}
	if (x->locs.n > 1 && tallyi_vec_reserve(x->em.mem, &x->rel,
	    x->locs.n - 1, sizeof(*rel)) != TALLY_OK) {
		x->em.oom = true;
		fail(x, TALLY_ENOMEM, "out of memory");
		return;
	}
	rel = x->rel.p;
	for (size_t k = 1; k < x->locs.n; k++) {
		tallyi_nloc *t = &rel[r.nrelated++];

		memset(t, 0, sizeof(*t));
		t->file = kept(x, l[k].file[0], l[k].file[1]);
		t->line = l[k].line;
		t->column = l[k].column;
		t->message = kept(x, l[k].info[0], l[k].info[1]);
	}
	r.related = rel;
	tallyi_emit_result(&x->em, &r);
	if (x->em.oom)
		fail(x, TALLY_ENOMEM, "out of memory");
}

/* ------------------------------------------------------------------ */

static int
parse(tallyi_input *in, tally_sarif_report *rep, XML_StartElementHandler s,
    XML_EndElementHandler e, xml *x)
{
	const char *p = in->buf;
	size_t n = in->len;
	int rc = TALLY_OK;

	memset(x, 0, sizeof(*x));
	x->rep = rep;
	tallyi_emit_init(&x->em, in->mem, in->len);
	if ((x->p = XML_ParserCreate(NULL)) == NULL) {
		tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory starting the XML parser");
		return TALLY_ENOMEM;
	}
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, s, e);
	while (x->err == 0 && n > 0) {
		int chunk = n > (1u << 30) ? 1 << 30 : (int)n;

		if (XML_Parse(x->p, p, chunk, 0) == XML_STATUS_ERROR)
			break;
		p += chunk;
		n -= (size_t)chunk;
	}
	if (x->err == 0 && n == 0)
		(void)XML_Parse(x->p, "", 0, 1);
	if (x->err == 0 && XML_GetErrorCode(x->p) != XML_ERROR_NONE) {
		enum XML_Error ec = XML_GetErrorCode(x->p);
		XML_Index at = XML_GetCurrentByteIndex(x->p);

		x->err = ec == XML_ERROR_NO_MEMORY ? TALLY_ENOMEM :
		    ec == XML_ERROR_UNCLOSED_TOKEN || ec ==
		    XML_ERROR_NO_ELEMENTS || ec == XML_ERROR_PARTIAL_CHAR ?
		    TALLY_EPARSE_TRUNCATED : TALLY_EPARSE;
		tallyi_report_error(rep, x->err, at >= 0 ? (uint64_t)at :
		    UINT64_MAX, "line %lu, column %lu: invalid XML: %s",
		    (unsigned long)XML_GetCurrentLineNumber(x->p),
		    (unsigned long)XML_GetCurrentColumnNumber(x->p) + 1,
		    XML_ErrorString(ec));
	}
	XML_ParserFree(x->p);
	rc = x->err;
	tallyi_vec_free(in->mem, &x->arena, 1);
	tallyi_vec_free(in->mem, &x->locs, sizeof(cc_loc));
	tallyi_vec_free(in->mem, &x->rel, sizeof(tallyi_nloc));
	return rc;
}

static int
finish(xml *x, tallyi_input *in, int rc, const char *tool,
    const char *version, const char *uri)
{
	if (rc == TALLY_OK && (rc = tallyi_emit_finish(&x->em, in, tool,
	    version, uri)) != TALLY_OK)
		tallyi_report_error(x->rep, rc, UINT64_MAX, "out of memory");
	tallyi_emit_free(&x->em);
	return rc;
}

int
tallyi_native_checkstyle(tallyi_input *in, tally_sarif_report *rep)
{
	xml x;
	int rc = parse(in, rep, cs_start, cs_end, &x);

	return finish(&x, in, rc, x.tool[0] ? x.tool : "checkstyle", NULL,
	    NULL);
}

int
tallyi_native_cppcheck_xml(tallyi_input *in, tally_sarif_report *rep)
{
	xml x;
	int rc = parse(in, rep, cc_start, cc_end, &x);

	if (rc == TALLY_OK && !x.version_ok) {
		tallyi_report_error(rep, TALLY_EFORMAT, 0, "expected "
		    "<results version=\"2\"> (cppcheck XML)");
		rc = TALLY_EFORMAT;
	}
	return finish(&x, in, rc, "cppcheck", x.version[0] ? x.version : NULL,
	    "https://cppcheck.sourceforge.io");
}
