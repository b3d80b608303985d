/*
 * formats/native_json.c - the JSON formats that are not SARIF: gcc's
 * -fdiagnostics-format=json, ShellCheck's json1, ESLint's -f json,
 * pylint's -f json and json2, and Code Climate issues (GitLab's code
 * quality report).
 *
 * All are walked with the validating scanner (json_scan.h), so every byte
 * is checked whether it is used or not. Strings go to the SARIF log as they
 * are written (escapes and all): JSON in, JSON out, nothing to decode. The
 * last three are arrays of flat records, read through one table-driven
 * object reader (read_fields()) and one array walker (each_element()).
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

/* A C string as a tallyi_nstr of bytes (not JSON text). */
#define NSTR(lit) ((tallyi_nstr){ (lit), sizeof(lit) - 1, false })

static int
walk_finish(walk *w, tallyi_input *in, tallyi_nstr tool, const char *uri)
{
	int rc;

	/* out of memory first: a walk that stopped for it is not at its end */
	if (!w->em.oom && tallyi_js_end(&w->js) != 0) {
		tallyi_emit_free(&w->em);
		return report(w);
	}
	rc = tallyi_emit_finish_tool(&w->em, in, tool,
	    (tallyi_nstr){ NULL, 0, false }, uri);
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
	return walk_finish(&w, in, NSTR("gcc"),
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
	return walk_finish(&w, in, NSTR("shellcheck"),
	    "https://www.shellcheck.net");
}

/* ------------------------------------------------------------------ */
/* Objects read by a table of their members                             */

/*
 * The formats below are arrays of flat records: each is read by a table
 * of the members it takes (key, reader, destination). Members not in the
 * table are skipped (still validated); a required one that is missing or
 * null is an error at the object's opening brace.
 */
typedef struct field field;
typedef int (*field_read)(walk *w, const char *key, void *dst);

struct field {
	const char *key;
	field_read read;
	void *dst;
	bool need;   /* required: absent or null is an error */
	bool seen;   /* out: present and not null */
	size_t at;   /* out: the offset of its value, when seen */
};

static int
read_str(walk *w, const char *key, void *dst)
{
	return get_str(w, key, dst);
}

static int
read_uint(walk *w, const char *key, void *dst)
{
	return get_uint(w, key, dst);
}

/* A boolean member, or absent (null: false). */
static int
read_bool(walk *w, const char *key, void *dst)
{
	int c = tallyi_js_peek(&w->js);

	*(bool *)dst = c == 't';
	if (c != 't' && c != 'f' && c != 'n')
		return wrong(w, key, "a boolean");
	return skip(w);
}

/*
 * Read the object at the scanner's position by @f (@nf members); @what
 * names what the format always writes, for a missing member's message.
 * *@open (when not NULL) gets the offset of its opening brace.
 */
static int
read_fields(walk *w, field *f, size_t nf, const char *what, size_t *open)
{
	bool first = true;
	tallyi_jstr k;
	size_t at;
	int rc;

	for (size_t i = 0; i < nf; i++)
		f[i].seen = false;
	if (tallyi_js_peek(&w->js) != '{')
		return wrong(w, "", "an object");
	at = w->js.pos;
	if (open != NULL)
		*open = at;
	(void)tallyi_js_obj_begin(&w->js, "");
	while ((rc = tallyi_js_obj_next(&w->js, &first, &k)) == 1) {
		size_t i;

		for (i = 0; i < nf && !key_is(w, &k, f[i].key); i++)
			;
		if (i == nf) {
			rc = skip(w);
		} else {
			f[i].seen = tallyi_js_peek(&w->js) != 'n';
			f[i].at = w->js.pos;
			rc = f[i].read(w, f[i].key, f[i].dst);
		}
		if (rc != 0)
			return w->js.err;
	}
	if (rc < 0)
		return w->js.err;
	for (size_t i = 0; i < nf; i++)
		if (f[i].need && !f[i].seen)
			return tallyi_js_fail(&w->js, TALLY_EFORMAT_MISSING, at,
			    "%s: missing \"%s\" (%s)", w->path[0] ? w->path :
			    "the object", f[i].key, what);
	return 0;
}

/*
 * Call @each for every element of the array at the scanner's position,
 * the member @key of the object the path names ("" at the top level,
 * where @what names the input for the error message), with "[i]" on the
 * path. Return: 0 or the error.
 */
static int
each_element(walk *w, const char *key, const char *what,
    int (*each)(walk *w, void *ctx), void *ctx)
{
	bool first = true;
	size_t i = 0, mark = strlen(w->path);
	int rc;

	if (key[0] == '\0' && mark == 0) {
		if (tallyi_js_arr_begin(&w->js, what) != 0)
			return w->js.err;
	} else {
		if (tallyi_js_peek(&w->js) != '[')
			return wrong(w, key, "an array");
		(void)path_push(w, 0, key);
		(void)tallyi_js_arr_begin(&w->js, key);
	}
	while ((rc = tallyi_js_arr_next(&w->js, &first)) == 1) {
		size_t m2 = path_push(w, i++, NULL);

		if (each(w, ctx) != 0)
			return w->js.err;
		if (w->em.oom)
			return tallyi_js_fail(&w->js, TALLY_ENOMEM, UINT64_MAX,
			    "out of memory");
		w->path[m2] = '\0';
	}
	w->path[mark] = '\0';
	return rc < 0 ? w->js.err : 0;
}

/*
 * A whole input that is one JSON value, read by @body: UTF-8 first, then
 * the walk, then the log is finished, its (last) run's tool named *@tool
 * as it is then (the body may set it). Nothing of a bad input is kept.
 */
static int
convert(tallyi_input *in, tally_sarif_report *rep,
    int (*body)(walk *w, void *ctx), void *ctx, const tallyi_nstr *tool,
    const char *uri)
{
	walk w;
	int rc;

	if ((rc = check_utf8(in, rep)) != TALLY_OK)
		return rc;
	walk_init(&w, in, rep);
	if (body(&w, ctx) != 0 || w.js.err != 0) {
		tallyi_emit_free(&w.em);
		return report(&w);
	}
	return walk_finish(&w, in, *tool, uri);
}

/* A level by a table of (name, level) pairs; NULL: none of them. */
static const char *
level_of(tallyi_nstr s, const char *const (*map)[2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (nstr_is(s, map[i][0]))
			return map[i][1];
	return NULL;
}

/* A string value named in an error message: at most 40 bytes of it. */
#define SHOW(s) (int)((s).n < 40 ? (s).n : 40), (s).p

/* ------------------------------------------------------------------ */
/* ESLint -f json                                                      */

/*
 * An array of files: {filePath, messages, suppressedMessages (ESLint 8
 * and later), error and warning counts, source}. A file's messages are
 * held until its object ends (filePath may come after them).
 */
typedef struct eslint_ctx {
	tallyi_vec msgs; /* tallyi_nres of the file being read */
	bool suppressed; /* reading suppressedMessages */
} eslint_ctx;

/* A suppression of suppressedMessages: its justification, if any. */
static int
eslint_suppression(walk *w, void *vctx)
{
	tallyi_nstr *just = vctx, j = { NULL, 0, false };
	field f[] = {
		{ "justification", read_str, &j, false, false, 0 },
	};

	if (read_fields(w, f, 1, "", NULL) != 0)
		return w->js.err;
	if (just->p == NULL || just->n == 0)
		*just = j; /* the first that says something */
	return 0;
}

static int
eslint_suppressions(walk *w, const char *key, void *dst)
{
	if (tallyi_js_peek(&w->js) == 'n')
		return skip(w);
	return each_element(w, key, "", eslint_suppression, dst);
}

static int
eslint_message(walk *w, void *vctx)
{
	eslint_ctx *c = vctx;
	tallyi_nres r = { 0 }, *p;
	uint64_t sev = 0;
	bool fatal = false;
	field f[] = {
		{ "ruleId", read_str, &r.rule, false, false, 0 },
		{ "severity", read_uint, &sev, true, false, 0 },
		{ "message", read_str, &r.message, true, false, 0 },
		{ "line", read_uint, &r.loc.line, false, false, 0 },
		{ "column", read_uint, &r.loc.column, false, false, 0 },
		{ "endLine", read_uint, &r.loc.end_line, false, false, 0 },
		{ "endColumn", read_uint, &r.loc.end_column, false, false, 0 },
		{ "fatal", read_bool, &fatal, false, false, 0 },
		{ "suppressions", eslint_suppressions, &r.justification,
		    false, false, 0 },
	};

	if (read_fields(w, f, sizeof(f) / sizeof(*f), "ESLint writes "
	    "severity and message for every message", NULL) != 0)
		return w->js.err;
	/* 0 is "off": ESLint reports nothing for a rule turned off */
	if (sev != 1 && sev != 2)
		return tallyi_js_fail(&w->js, TALLY_EFORMAT, f[1].at,
		    "%s.severity: expected 1 (warning) or 2 (error), found "
		    "%llu", w->path, (unsigned long long)sev);
	/* a fatal message (a parse error) has no rule and severity 2 */
	r.level = sev == 2 || fatal ? "error" : "warning";
	r.suppressed = c->suppressed;
	if (!r.suppressed)
		r.justification = (tallyi_nstr){ NULL, 0, false };
	if ((p = tallyi_vec_push(w->em.mem, &c->msgs, sizeof(*p))) == NULL)
		return tallyi_js_fail(&w->js, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory");
	*p = r;
	return 0;
}

static int
eslint_messages(walk *w, const char *key, void *vctx)
{
	eslint_ctx *c = vctx;

	c->suppressed = key[0] == 's'; /* "suppressedMessages" */
	return each_element(w, key, "", eslint_message, c);
}

static int
eslint_file(walk *w, void *vctx)
{
	eslint_ctx *c = vctx;
	tallyi_nstr path = { NULL, 0, false };
	field f[] = {
		{ "filePath", read_str, &path, true, false, 0 },
		{ "messages", eslint_messages, c, true, false, 0 },
		{ "suppressedMessages", eslint_messages, c, false, false, 0 },
	};

	c->msgs.n = 0;
	if (read_fields(w, f, sizeof(f) / sizeof(*f), "ESLint writes "
	    "filePath and messages for every file", NULL) != 0)
		return w->js.err;
	for (size_t i = 0; i < c->msgs.n; i++) {
		tallyi_nres *r = (tallyi_nres *)c->msgs.p + i;

		r->loc.file = path;
		tallyi_emit_result(&w->em, r);
	}
	return 0;
}

static int
eslint_body(walk *w, void *ctx)
{
	return each_element(w, "", "ESLint JSON output", eslint_file, ctx);
}

int
tallyi_native_eslint_json(tallyi_input *in, tally_sarif_report *rep)
{
	eslint_ctx c = { { NULL, 0, 0 }, false };
	const tallyi_nstr tool = NSTR("ESLint");
	int rc = convert(in, rep, eslint_body, &c, &tool,
	    "https://eslint.org");

	tallyi_vec_free(in->mem, &c.msgs, sizeof(tallyi_nres));
	return rc;
}

/* ------------------------------------------------------------------ */
/* pylint -f json (an array) and --output-format=json2 (pylint 3)      */

/* pylint's message categories as SARIF levels. */
static const char *const pylint_levels[][2] = {
	{ "fatal", "error" }, { "error", "error" },
	{ "warning", "warning" },
	{ "refactor", "note" }, { "convention", "note" }, { "info", "note" },
};

/*
 * One message of either layout: they differ in "message-id" (json) and
 * "messageId" (json2), and json2 adds confidence and absolutePath. The
 * rule is the symbol (what pylint prefers, and what "# pylint:
 * disable=" takes); the message id names the same check.
 */
static int
pylint_message(walk *w, void *ctx)
{
	tallyi_nres r = { 0 };
	tallyi_nstr type = { NULL, 0, false }, id = { NULL, 0, false };
	field f[] = {
		{ "type", read_str, &type, true, false, 0 },
		{ "symbol", read_str, &r.rule, false, false, 0 },
		{ "message-id", read_str, &id, false, false, 0 },
		{ "messageId", read_str, &id, false, false, 0 },
		{ "message", read_str, &r.message, true, false, 0 },
		{ "path", read_str, &r.loc.file, true, false, 0 },
		{ "line", read_uint, &r.loc.line, false, false, 0 },
		{ "column", read_uint, &r.loc.column, false, false, 0 },
		{ "endLine", read_uint, &r.loc.end_line, false, false, 0 },
		{ "endColumn", read_uint, &r.loc.end_column, false, false, 0 },
	};
	size_t open;

	(void)ctx;
	if (read_fields(w, f, sizeof(f) / sizeof(*f), "pylint writes type, "
	    "message and path for every message", &open) != 0)
		return w->js.err;
	if (r.rule.p == NULL)
		r.rule = id;
	if (r.rule.p == NULL)
		return tallyi_js_fail(&w->js, TALLY_EFORMAT_MISSING, open,
		    "%s: missing \"symbol\" (or the message id)", w->path);
	r.level = level_of(type, pylint_levels, sizeof(pylint_levels) /
	    sizeof(*pylint_levels));
	if (r.level == NULL)
		return tallyi_js_fail(&w->js, TALLY_EFORMAT, f[0].at,
		    "%s.type: expected one of \"fatal\", \"error\", "
		    "\"warning\", \"refactor\", \"convention\", \"info\", "
		    "found \"%.*s\"", w->path, SHOW(type));
	/* pylint's columns count from 0 (the AST's col_offset), its end
	 * column too, past the last character: SARIF's count from 1 */
	if (f[7].seen)
		r.loc.column++;
	if (f[9].seen)
		r.loc.end_column++;
	tallyi_emit_result(&w->em, &r);
	return 0;
}

static int
pylint_messages(walk *w, const char *key, void *ctx)
{
	return each_element(w, key, "", pylint_message, ctx);
}

static int
pylint_body(walk *w, void *ctx)
{
	field f[] = {
		{ "messages", pylint_messages, ctx, true, false, 0 },
	};

	if (tallyi_js_peek(&w->js) == '[')
		return each_element(w, "", "", pylint_message, ctx);
	if (tallyi_js_peek(&w->js) != '{')
		return tallyi_js_obj_begin(&w->js, "pylint JSON output (an "
		    "array, or json2's object)");
	return read_fields(w, f, 1, "pylint's json2 output has its messages "
	    "there", NULL);
}

int
tallyi_native_pylint_json(tallyi_input *in, tally_sarif_report *rep)
{
	const tallyi_nstr tool = NSTR("pylint");

	return convert(in, rep, pylint_body, NULL, &tool,
	    "https://pylint.readthedocs.io");
}

/* ------------------------------------------------------------------ */
/* Code Climate issues (GitLab's code quality report)                  */

/*
 * An array of issues, as tally merge -f codeclimate writes and GitLab
 * reads. One input may hold several engines' issues (engine_name): each
 * engine becomes a run of its own, in the order of their first issues,
 * so the issues are held until the end of the input.
 */
static const char *const cc_levels[][2] = {
	{ "blocker", "error" }, { "critical", "error" },
	{ "major", "warning" }, { "minor", "note" }, { "info", "none" },
};

typedef struct cc_issue {
	tallyi_nres r;
	tallyi_nstr engine;   /* NULL: none named */
	size_t rel, nrel;     /* its other_locations in cc_ctx.related */
	bool done;
} cc_issue;

typedef struct cc_ctx {
	tallyi_vec issues;    /* cc_issue */
	tallyi_vec related;   /* tallyi_nloc */
	tallyi_nstr tool;     /* the last run's */
} cc_ctx;

/* An object member read by a table of its own (the path names it). */
static int
read_nested(walk *w, const char *key, field *f, size_t nf, const char *what)
{
	size_t mark;
	int rc;

	if (tallyi_js_peek(&w->js) != '{')
		return wrong(w, key, "an object");
	mark = key[0] != '\0' ? path_push(w, 0, key) : strlen(w->path);
	rc = read_fields(w, f, nf, what, NULL);
	w->path[mark] = '\0';
	return rc;
}

typedef struct cc_pos {
	uint64_t line, column, offset;
} cc_pos;

static int
cc_position(walk *w, const char *key, void *dst)
{
	field f[] = {
		{ "line", read_uint, &((cc_pos *)dst)->line, false, false, 0 },
		{ "column", read_uint, &((cc_pos *)dst)->column, false, false,
		    0 },
		{ "offset", read_uint, &((cc_pos *)dst)->offset, false, false,
		    0 },
	};

	return read_nested(w, key, f, 3, "");
}

/* positions: {begin, end}, each a line and column or an offset. */
static int
cc_positions(walk *w, const char *key, void *dst)
{
	cc_pos *p = dst;
	field f[] = {
		{ "begin", cc_position, &p[0], true, false, 0 },
		{ "end", cc_position, &p[1], false, false, 0 },
	};

	return read_nested(w, key, f, 2, "positions have a begin");
}

/* lines: {begin, end}. */
static int
cc_lines(walk *w, const char *key, void *dst)
{
	uint64_t *l = dst;
	field f[] = {
		{ "begin", read_uint, &l[0], true, false, 0 },
		{ "end", read_uint, &l[1], false, false, 0 },
	};

	return read_nested(w, key, f, 2, "lines have a begin");
}

/*
 * A location: path, and lines or positions (positions win when both are
 * there). Both ends of a range are in it: the end column is the last
 * character's, one before SARIF's end. An offset (in characters) is
 * not kept: the log has its file only then.
 */
static int
cc_location(walk *w, const char *key, void *dst)
{
	tallyi_nloc *l = dst;
	uint64_t lines[2] = { 0, 0 };
	cc_pos pos[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
	field f[] = {
		{ "path", read_str, &l->file, true, false, 0 },
		{ "lines", cc_lines, lines, false, false, 0 },
		{ "positions", cc_positions, pos, false, false, 0 },
	};
	size_t open;

	memset(l, 0, sizeof(*l));
	(void)tallyi_js_peek(&w->js); /* past spaces: at the brace */
	open = w->js.pos;
	if (read_nested(w, key, f, 3, "a location has a path") != 0)
		return w->js.err;
	if (!f[1].seen && !f[2].seen)
		return tallyi_js_fail(&w->js, TALLY_EFORMAT_MISSING, open,
		    "%s%s%s: missing \"lines\" or \"positions\" (a location "
		    "has one)", w->path, w->path[0] && key[0] ? "." : "", key);
	if (f[2].seen) {
		l->line = pos[0].line;
		l->column = pos[0].line != 0 ? pos[0].column : 0;
		l->end_line = pos[1].line;
		l->end_column = pos[1].line != 0 && pos[1].column != 0 ?
		    pos[1].column + 1 : 0;
	} else {
		l->line = lines[0];
		l->end_line = lines[1];
	}
	return 0;
}

static int
cc_other_location(walk *w, void *vctx)
{
	cc_ctx *c = vctx;
	tallyi_nloc *l = tallyi_vec_push(w->em.mem, &c->related, sizeof(*l));

	if (l == NULL)
		return tallyi_js_fail(&w->js, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory");
	return cc_location(w, "", l);
}

static int
cc_other_locations(walk *w, const char *key, void *vctx)
{
	if (tallyi_js_peek(&w->js) == 'n')
		return skip(w);
	return each_element(w, key, "", cc_other_location, vctx);
}

static int
cc_issue_read(walk *w, void *vctx)
{
	cc_ctx *c = vctx;
	cc_issue is = { 0 }, *p;
	tallyi_nstr sev = { NULL, 0, false };
	field f[] = {
		{ "check_name", read_str, &is.r.rule, true, false, 0 },
		{ "description", read_str, &is.r.message, true, false, 0 },
		{ "severity", read_str, &sev, false, false, 0 },
		{ "engine_name", read_str, &is.engine, false, false, 0 },
		{ "location", cc_location, &is.r.loc, true, false, 0 },
		{ "other_locations", cc_other_locations, c, false, false, 0 },
	};

	is.rel = c->related.n;
	if (read_fields(w, f, sizeof(f) / sizeof(*f), "an issue has "
	    "check_name, description and location", NULL) != 0)
		return w->js.err;
	is.nrel = c->related.n - is.rel;
	is.r.level = "warning"; /* no severity: SARIF's default level */
	if (f[2].seen && (is.r.level = level_of(sev, cc_levels,
	    sizeof(cc_levels) / sizeof(*cc_levels))) == NULL)
		return tallyi_js_fail(&w->js, TALLY_EFORMAT, f[2].at,
		    "%s.severity: expected one of \"blocker\", \"critical\", "
		    "\"major\", \"minor\", \"info\", found \"%.*s\"", w->path,
		    SHOW(sev));
	if ((p = tallyi_vec_push(w->em.mem, &c->issues, sizeof(*p))) == NULL)
		return tallyi_js_fail(&w->js, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory");
	*p = is;
	return 0;
}

static bool
same_engine(tallyi_nstr a, tallyi_nstr b)
{
	if (a.p == NULL || b.p == NULL)
		return a.p == b.p;
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0; /* as written */
}

static int
cc_body(walk *w, void *vctx)
{
	cc_ctx *c = vctx;
	cc_issue *is;
	size_t runs = 0;

	if (each_element(w, "", "Code Climate issues", cc_issue_read, c) != 0)
		return w->js.err;
	is = c->issues.p;
	/* a run per engine: quadratic in the engines, which are few */
	for (size_t i = 0; i < c->issues.n; i++) {
		tallyi_nstr engine = is[i].engine;

		if (is[i].done)
			continue;
		if (runs++ != 0)
			tallyi_emit_run_next(&w->em, c->tool,
			    (tallyi_nstr){ NULL, 0, false }, NULL);
		c->tool = engine.p != NULL ? engine : NSTR("codeclimate");
		for (size_t k = i; k < c->issues.n; k++) {
			if (is[k].done || !same_engine(is[k].engine, engine))
				continue;
			is[k].done = true;
			is[k].r.related = (tallyi_nloc *)c->related.p +
			    is[k].rel;
			is[k].r.nrelated = is[k].nrel;
			tallyi_emit_result(&w->em, &is[k].r);
		}
	}
	return 0;
}

int
tallyi_native_codeclimate(tallyi_input *in, tally_sarif_report *rep)
{
	cc_ctx c = { { NULL, 0, 0 }, { NULL, 0, 0 }, NSTR("codeclimate") };
	int rc = convert(in, rep, cc_body, &c, &c.tool, NULL);

	tallyi_vec_free(in->mem, &c.issues, sizeof(cc_issue));
	tallyi_vec_free(in->mem, &c.related, sizeof(tallyi_nloc));
	return rc;
}
