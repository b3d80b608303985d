/*
 * formats/native_json.c - the JSON formats that are not SARIF: gcc's
 * -fdiagnostics-format=json and ShellCheck's json1.
 *
 * Both are walked with the validating scanner (json_scan.h), so every byte
 * is checked whether it is used or not. Strings go to the SARIF log as they
 * are written (escapes and all): JSON in, JSON out, nothing to decode.
 */
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "formats/json_scan.h"
#include "formats/native.h"

/* A walk over one input: the scanner, the log being written, the path. */
typedef struct walk {
	tallyi_jscan js;
	tallyi_emit em;
	tally_sarif_report *rep;
	char path[128]; /* where the walk is, for messages: "[3].locations" */
} walk;

/* A value of the wrong type at pos: @key names the member. */
static int
wrong(walk *w, const char *key, const char *want)
{
	return tallyi_js_fail(&w->js, TALLY_EFORMAT_TYPE, w->js.pos,
	    "%s%s%s: expected %s, found %s", w->path,
	    w->path[0] && key[0] ? "." : "", key, want, tallyi_js_kind(&w->js));
}

/* A string member's value, or absent (null). */
static int
get_str(walk *w, const char *key, tallyi_nstr *out)
{
	tallyi_jstr t;
	size_t start;
	int c = tallyi_js_peek(&w->js);

	if (c == 'n') {
		*out = (tallyi_nstr){ NULL, 0, false };
		return tallyi_js_skip(&w->js, &start);
	}
	if (c != '"')
		return wrong(w, key, "a string");
	if (tallyi_js_string(&w->js, &t) != 0)
		return w->js.err;
	if ((start = tallyi_js_lone_surrogate(w->js.buf, &t)) != SIZE_MAX)
		return tallyi_js_fail(&w->js, TALLY_EPARSE, start, "%s%s%s: "
		    "invalid string: a \\u escape names an unpaired UTF-16 "
		    "surrogate (\\uD800 to \\uDFFF)", w->path,
		    w->path[0] && key[0] ? "." : "", key);
	*out = (tallyi_nstr){ w->js.buf + t.off, t.len, true };
	return 0;
}

/* A non-negative integer member (line, column, code), or absent (null). */
static int
get_uint(walk *w, const char *key, uint64_t *out)
{
	size_t start, pos;
	uint64_t v = 0;
	int c = tallyi_js_peek(&w->js);

	*out = 0;
	if (c == 'n')
		return tallyi_js_skip(&w->js, &start);
	if (c == '-' || c < '0' || c > '9')
		return wrong(w, key, "a non-negative integer");
	if (tallyi_js_skip(&w->js, &start) != 0)
		return w->js.err;
	for (pos = start; pos < w->js.pos; pos++) {
		char d = w->js.buf[pos];

		if (d < '0' || d > '9' || v > UINT32_MAX) {
			w->js.pos = start;
			return wrong(w, key, "a non-negative integer below "
			    "2^32");
		}
		v = v * 10 + (uint64_t)(d - '0');
	}
	if (v > UINT32_MAX) {
		w->js.pos = start;
		return wrong(w, key, "a non-negative integer below 2^32");
	}
	*out = v;
	return 0;
}

static int
skip(walk *w)
{
	size_t start;

	return tallyi_js_skip(&w->js, &start);
}

/* Does key @k equal @lit? */
static bool
key_is(walk *w, const tallyi_jstr *k, const char *lit)
{
	return tallyi_js_str_eq(&w->js, k, lit);
}

/* Append ".key" (@key) or "[i]" (@key NULL) to the path; return its old
 * length, to cut it back to. */
static size_t
path_push(walk *w, size_t i, const char *key)
{
	size_t n = strlen(w->path);

	if (key != NULL)
		snprintf(w->path + n, sizeof(w->path) - n, "%s%s",
		    n ? "." : "", key);
	else
		snprintf(w->path + n, sizeof(w->path) - n, "[%zu]", i);
	return n;
}

static int
report(walk *w)
{
	if (w->js.err == 0)
		return TALLY_OK;
	tallyi_report_error(w->rep, w->js.err, w->js.err_off, "%s",
	    w->js.msg);
	return w->js.err;
}

/* Check UTF-8 first: the log written keeps the input's strings. */
static int
check_utf8(const tallyi_input *in, tally_sarif_report *rep)
{
	size_t bad = tallyi_utf8_first_invalid(in->buf, in->len);

	if (bad == in->len)
		return TALLY_OK;
	tallyi_report_error(rep, TALLY_EPARSE, bad, "invalid UTF-8");
	return TALLY_EPARSE;
}

static void
walk_init(walk *w, tallyi_input *in, tally_sarif_report *rep)
{
	size_t skip_bom = in->len >= 3 &&
	    memcmp(in->buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	tallyi_js_init(&w->js, in->buf, in->len);
	w->js.pos = skip_bom;
	tallyi_emit_init(&w->em, in->mem, in->len);
	w->rep = rep;
	w->path[0] = '\0';
}

static int
walk_finish(walk *w, tallyi_input *in, const char *tool, const char *uri)
{
	int rc;

	/* out of memory first: a walk that stopped for it is not at its end */
	if (!w->em.oom && tallyi_js_end(&w->js) != 0) {
		tallyi_emit_free(&w->em);
		return report(w);
	}
	rc = tallyi_emit_finish(&w->em, in, tool, NULL, uri);
	tallyi_emit_free(&w->em);
	if (rc != TALLY_OK)
		tallyi_report_error(w->rep, rc, UINT64_MAX, "out of memory");
	return rc;
}

/* ------------------------------------------------------------------ */
/* gcc -fdiagnostics-format=json (gcc 9 to 12)                          */

/* One location: caret (and finish) of the first entry of "locations". */
static int
gcc_position(walk *w, const char *key, tallyi_nloc *l, bool start)
{
	bool first = true;
	tallyi_jstr k;
	uint64_t col = 0, bytecol = 0, line = 0;
	tallyi_nstr file = { NULL, 0, false };
	int rc;
	size_t mark = path_push(w, 0, key);

	if (tallyi_js_peek(&w->js) != '{') {
		w->path[mark] = '\0';
		return wrong(w, key, "an object");
	}
	(void)tallyi_js_obj_begin(&w->js, key);
	while ((rc = tallyi_js_obj_next(&w->js, &first, &k)) == 1) {
		if (key_is(w, &k, "file"))
			rc = get_str(w, "file", &file);
		else if (key_is(w, &k, "line"))
			rc = get_uint(w, "line", &line);
		else if (key_is(w, &k, "byte-column"))
			rc = get_uint(w, "byte-column", &bytecol);
		else if (key_is(w, &k, "column"))
			rc = get_uint(w, "column", &col);
		else
			rc = skip(w);
		if (rc != 0)
			return w->js.err;
	}
	w->path[mark] = '\0';
	if (rc < 0)
		return w->js.err;
	/* gcc 11 and later: "column" is the display column (a tab counts
	 * to the next tab stop), "byte-column" the 1-based byte; gcc 10 has
	 * "column" only, in bytes */
	if (bytecol != 0)
		col = bytecol;
	if (start) {
		l->file = file;
		l->line = line;
		l->column = col;
	} else if (l->file.p != NULL && file.p != NULL &&
	    file.n == l->file.n && memcmp(file.p, l->file.p, file.n) == 0) {
		/* the last character, inclusive: SARIF's end is past it */
		l->end_line = line;
		l->end_column = col != 0 ? col + 1 : 0;
	}
	return 0;
}

/*
 * At the value of member @key, which must be an array or null: 0 after a
 * null (skipped), 1 with the array begun and the path extended (*@mark:
 * its length before), or an error.
 */
static int
array_member(walk *w, const char *key, size_t *mark)
{
	if (tallyi_js_peek(&w->js) == 'n')
		return skip(w);
	if (tallyi_js_peek(&w->js) != '[')
		return wrong(w, key, "an array");
	*mark = path_push(w, 0, key);
	(void)tallyi_js_arr_begin(&w->js, key);
	return 1;
}

static int
gcc_locations(walk *w, tallyi_nloc *l)
{
	bool first = true, firstel = true;
	size_t i = 0, mark;
	int rc;

	if ((rc = array_member(w, "locations", &mark)) != 1)
		return rc;
	while ((rc = tallyi_js_arr_next(&w->js, &firstel)) == 1) {
		tallyi_jstr k;
		size_t m2 = path_push(w, i, NULL);

		if (tallyi_js_peek(&w->js) != '{')
			return wrong(w, "", "an object");
		first = true;
		(void)tallyi_js_obj_begin(&w->js, "");
		while ((rc = tallyi_js_obj_next(&w->js, &first, &k)) == 1) {
			if (i == 0 && key_is(w, &k, "caret"))
				rc = gcc_position(w, "caret", l, true);
			else if (i == 0 && key_is(w, &k, "finish"))
				rc = gcc_position(w, "finish", l, false);
			else
				rc = skip(w);
			if (rc != 0)
				return w->js.err;
		}
		if (rc < 0)
			return w->js.err;
		w->path[m2] = '\0';
		i++;
	}
	w->path[mark] = '\0';
	return rc < 0 ? w->js.err : 0;
}

/* What one diagnostic says (its children's locations go to @related). */
typedef struct gcc_diag {
	tallyi_nstr kind, message, option, url;
	tallyi_nloc loc;
	uint64_t cwe;
} gcc_diag;

static int gcc_diagnostic(walk *w, gcc_diag *d, tallyi_vec *related);

static int
gcc_children(walk *w, tallyi_vec *related)
{
	bool first = true;
	size_t i = 0, mark;
	int rc;

	if ((rc = array_member(w, "children", &mark)) != 1)
		return rc;
	while ((rc = tallyi_js_arr_next(&w->js, &first)) == 1) {
		gcc_diag c;
		tallyi_nloc *l;
		size_t m2 = path_push(w, i++, NULL);

		if (gcc_diagnostic(w, &c, related) != 0)
			return w->js.err;
		w->path[m2] = '\0';
		if ((l = tallyi_vec_push(w->em.mem, related, sizeof(*l))) ==
		    NULL)
			return tallyi_js_fail(&w->js, TALLY_ENOMEM, UINT64_MAX,
			    "out of memory");
		*l = c.loc;
		l->message = c.message;
	}
	w->path[mark] = '\0';
	return rc < 0 ? w->js.err : 0;
}

/* The "metadata" object of gcc 10 and later: its "cwe". */
static int
gcc_metadata(walk *w, uint64_t *cwe)
{
	bool first = true;
	tallyi_jstr k;
	int rc;

	if (tallyi_js_peek(&w->js) == 'n')
		return skip(w);
	if (tallyi_js_peek(&w->js) != '{')
		return wrong(w, "metadata", "an object");
	(void)tallyi_js_obj_begin(&w->js, "metadata");
	while ((rc = tallyi_js_obj_next(&w->js, &first, &k)) == 1) {
		rc = key_is(w, &k, "cwe") ? get_uint(w, "metadata.cwe", cwe) :
		    skip(w);
		if (rc != 0)
			return w->js.err;
	}
	return rc < 0 ? w->js.err : 0;
}

static int
gcc_diagnostic(walk *w, gcc_diag *d, tallyi_vec *related)
{
	bool first = true;
	tallyi_jstr k;
	size_t open = w->js.pos;
	int rc;

	memset(d, 0, sizeof(*d));
	if (tallyi_js_peek(&w->js) != '{')
		return wrong(w, "", "an object (a diagnostic)");
	open = w->js.pos;
	(void)tallyi_js_obj_begin(&w->js, "");
	while ((rc = tallyi_js_obj_next(&w->js, &first, &k)) == 1) {
		if (key_is(w, &k, "kind"))
			rc = get_str(w, "kind", &d->kind);
		else if (key_is(w, &k, "message"))
			rc = get_str(w, "message", &d->message);
		else if (key_is(w, &k, "option"))
			rc = get_str(w, "option", &d->option);
		else if (key_is(w, &k, "option_url"))
			rc = get_str(w, "option_url", &d->url);
		else if (key_is(w, &k, "locations"))
			rc = gcc_locations(w, &d->loc);
		else if (key_is(w, &k, "children"))
			rc = gcc_children(w, related); /* any depth, flat */
		else if (key_is(w, &k, "metadata"))
			rc = gcc_metadata(w, &d->cwe);
		else
			rc = skip(w);
		if (rc != 0)
			return w->js.err;
	}
	if (rc < 0)
		return w->js.err;
	if (d->kind.p == NULL || d->message.p == NULL)
		return tallyi_js_fail(&w->js, TALLY_EFORMAT_MISSING, open,
		    "%s: missing \"%s\" (gcc writes kind and message for every "
		    "diagnostic)", w->path, d->kind.p == NULL ? "kind" :
		    "message");
	return 0;
}

/* gcc's diagnostic kinds (diagnostic.def), as SARIF levels. */
/* Does the JSON string @s (as written) decode to @lit? */
static bool
nstr_is(tallyi_nstr s, const char *lit)
{
	tallyi_jstr t = { 0, s.n, memchr(s.p, '\\', s.n) != NULL };
	char tmp[64];
	size_t n = strlen(lit), d = tallyi_js_decode(s.p, &t, tmp,
	    sizeof(tmp));

	return d == n && memcmp(tmp, lit, n) == 0;
}

static const char *
gcc_level(tallyi_nstr kind)
{
	static const char *const errors[] = { "error", "fatal error",
		"internal compiler error", "sorry, unimplemented",
		"permerror" };
	static const char *const notes[] = { "note", "debug" };

	for (size_t i = 0; i < sizeof(errors) / sizeof(*errors); i++)
		if (nstr_is(kind, errors[i]))
			return "error";
	for (size_t i = 0; i < sizeof(notes) / sizeof(*notes); i++)
		if (nstr_is(kind, notes[i]))
			return "note";
	return "warning"; /* warning, pedwarn, anachronism, and the rest */
}

static void
gcc_emit(walk *w, const gcc_diag *d, const tallyi_vec *related)
{
	tallyi_nres r = { 0 };

	r.rule = d->option;
	r.level = gcc_level(d->kind);
	r.message = d->message;
	r.loc = d->loc;
	r.related = related->p;
	r.nrelated = related->n;
	r.cwe = d->cwe <= UINT32_MAX ? (uint32_t)d->cwe : 0;
	if (d->option.p != NULL && d->url.p != NULL)
		tallyi_emit_rule(&w->em, d->option, d->url);
	tallyi_emit_result(&w->em, &r);
}

/* Append @from's locations to @to. */
static bool
related_move(const tallyi_mem *mem, tallyi_vec *to, tallyi_vec *from)
{
	if (from->n == 0)
		return true;
	if (tallyi_vec_reserve(mem, to, to->n + from->n,
	    sizeof(tallyi_nloc)) != TALLY_OK)
		return false;
	memcpy((tallyi_nloc *)to->p + to->n, from->p,
	    from->n * sizeof(tallyi_nloc));
	to->n += from->n;
	from->n = 0;
	return true;
}

int
tallyi_native_gcc_json(tallyi_input *in, tally_sarif_report *rep)
{
	walk w;
	/* the diagnostic held until the next shows it has no more notes,
	 * its related locations, and the next one's children */
	tallyi_vec related = { NULL, 0, 0 }, next = { NULL, 0, 0 };
	gcc_diag held, d;
	bool holding = false;
	size_t nth = 0;
	int rc;

	if ((rc = check_utf8(in, rep)) != TALLY_OK)
		return rc;
	walk_init(&w, in, rep);
	/* one array per translation unit; several (a line each) may follow
	 * one another, as when a build appends them to one file */
	while (w.js.err == 0 && tallyi_js_peek(&w.js) >= 0) {
		bool first = true;

		if (tallyi_js_arr_begin(&w.js, "gcc JSON diagnostics") != 0)
			break;
		while (tallyi_js_arr_next(&w.js, &first) == 1) {
			tallyi_nloc *l;

			snprintf(w.path, sizeof(w.path), "[%zu]", nth++);
			if (gcc_diagnostic(&w, &d, &next) != 0)
				break;
			/* a note at the top level right after a diagnostic
			 * is one of its notes (gcc 12 writes some so) */
			if (holding && gcc_level(d.kind)[0] == 'n') {
				if ((l = tallyi_vec_push(in->mem, &related,
				    sizeof(*l))) == NULL) {
					w.em.oom = true;
					break;
				}
				*l = d.loc;
				l->message = d.message;
				if (!related_move(in->mem, &related, &next)) {
					w.em.oom = true;
					break;
				}
				continue;
			}
			if (holding)
				gcc_emit(&w, &held, &related);
			related.n = 0;
			if (!related_move(in->mem, &related, &next)) {
				w.em.oom = true;
				break;
			}
			held = d;
			holding = true;
		}
		if (holding && w.js.err == 0 && !w.em.oom)
			gcc_emit(&w, &held, &related);
		holding = false;
		related.n = 0;
		w.path[0] = '\0';
		if (w.em.oom)
			break;
	}
	tallyi_vec_free(in->mem, &related, sizeof(tallyi_nloc));
	tallyi_vec_free(in->mem, &next, sizeof(tallyi_nloc));
	if (w.js.err != 0) {
		tallyi_emit_free(&w.em);
		return report(&w);
	}
	return walk_finish(&w, in, "gcc",
	    "https://gcc.gnu.org/onlinedocs/gcc/Diagnostic-Message-Formatting-"
	    "Options.html");
}

/* ------------------------------------------------------------------ */
/* ShellCheck -f json1                                                 */

static const char *
shellcheck_level(tallyi_nstr l, bool *ok)
{
	*ok = true;
	if (nstr_is(l, "error"))
		return "error";
	if (nstr_is(l, "warning"))
		return "warning";
	if (nstr_is(l, "info") || nstr_is(l, "style"))
		return "note";
	*ok = false;
	return NULL;
}

static int
shellcheck_comment(walk *w)
{
	bool first = true, ok = true;
	tallyi_jstr k;
	tallyi_nstr level = { NULL, 0, false };
	tallyi_nres r = { 0 };
	uint64_t code = 0;
	/* the members ShellCheck writes for every comment, in its order */
	static const char *const need[] = { "file", "line", "column",
		"level", "code", "message" };
	unsigned has = 0, bit;
	char rule[24];
	size_t open, level_at = 0;
	int rc;

	if (tallyi_js_peek(&w->js) != '{')
		return wrong(w, "", "an object (a comment)");
	open = w->js.pos;
	(void)tallyi_js_obj_begin(&w->js, "");
	while ((rc = tallyi_js_obj_next(&w->js, &first, &k)) == 1) {
		/* a required member that is null is missing */
		bit = tallyi_js_peek(&w->js) == 'n' ? 0 : 1;
		if (key_is(w, &k, "file")) {
			rc = get_str(w, "file", &r.loc.file);
			has |= bit << 0;
		} else if (key_is(w, &k, "line")) {
			rc = get_uint(w, "line", &r.loc.line);
			has |= bit << 1;
		} else if (key_is(w, &k, "endLine")) {
			rc = get_uint(w, "endLine", &r.loc.end_line);
		} else if (key_is(w, &k, "column")) {
			rc = get_uint(w, "column", &r.loc.column);
			has |= bit << 2;
		} else if (key_is(w, &k, "endColumn")) {
			rc = get_uint(w, "endColumn", &r.loc.end_column);
		} else if (key_is(w, &k, "level")) {
			level_at = w->js.pos;
			rc = get_str(w, "level", &level);
			has |= bit << 3;
		} else if (key_is(w, &k, "code")) {
			rc = get_uint(w, "code", &code);
			has |= bit << 4;
		} else if (key_is(w, &k, "message")) {
			rc = get_str(w, "message", &r.message);
			has |= bit << 5;
		} else {
			rc = skip(w);
		}
		if (rc != 0)
			return w->js.err;
	}
	if (rc < 0)
		return w->js.err;
	for (unsigned i = 0; i < 6; i++)
		if ((has & 1u << i) == 0)
			return tallyi_js_fail(&w->js, TALLY_EFORMAT_MISSING,
			    open, "%s: missing \"%s\" (ShellCheck json1 "
			    "writes file, line, column, level, code and "
			    "message for every comment)", w->path, need[i]);
	r.level = shellcheck_level(level, &ok); /* present: checked above */
	if (!ok)
		return tallyi_js_fail(&w->js, TALLY_EFORMAT, level_at,
		    "%s.level: "
		    "expected one of \"error\", \"warning\", \"info\", "
		    "\"style\", found \"%.*s\"", w->path,
		    (int)(level.n < 40 ? level.n : 40), level.p);
	snprintf(rule, sizeof(rule), "SC%llu", (unsigned long long)code);
	r.rule = (tallyi_nstr){ rule, strlen(rule), false };
	tallyi_emit_result(&w->em, &r);
	return 0;
}

int
tallyi_native_shellcheck_json1(tallyi_input *in, tally_sarif_report *rep)
{
	walk w;
	bool first = true, seen = false;
	tallyi_jstr k;
	int rc;

	if ((rc = check_utf8(in, rep)) != TALLY_OK)
		return rc;
	walk_init(&w, in, rep);
	if (tallyi_js_obj_begin(&w.js, "ShellCheck json1 output") != 0) {
		tallyi_emit_free(&w.em);
		return report(&w);
	}
	while ((rc = tallyi_js_obj_next(&w.js, &first, &k)) == 1) {
		bool el_first = true;
		size_t i = 0;

		if (!key_is(&w, &k, "comments")) {
			if (skip(&w) != 0)
				break;
			continue;
		}
		seen = true;
		if (tallyi_js_peek(&w.js) != '[') {
			(void)wrong(&w, "comments", "an array");
			break;
		}
		(void)tallyi_js_arr_begin(&w.js, "comments");
		while ((rc = tallyi_js_arr_next(&w.js, &el_first)) == 1) {
			snprintf(w.path, sizeof(w.path), "comments[%zu]", i++);
			if (shellcheck_comment(&w) != 0)
				break;
		}
		w.path[0] = '\0';
		if (w.js.err != 0)
			break;
	}
	if (w.js.err == 0 && !seen)
		(void)tallyi_js_fail(&w.js, TALLY_EFORMAT, 0, "expected a "
		    "\"comments\" array (ShellCheck json1)");
	if (w.js.err != 0) {
		tallyi_emit_free(&w.em);
		return report(&w);
	}
	return walk_finish(&w, in, "shellcheck",
	    "https://www.shellcheck.net");
}
