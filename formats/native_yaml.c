/*
 * formats/native_yaml.c - clang-tidy's --export-fixes YAML.
 *
 * libyaml's event parser walks the stream (and checks its syntax and
 * encoding); the walk follows the one shape clang-tidy writes and skips
 * every other node whole:
 *
 *   MainSourceFile: ...
 *   Diagnostics:
 *     - DiagnosticName: readability-braces-around-statements
 *       DiagnosticMessage:            (clang-tidy 9 and later; before,
 *         Message: ...                 Message, FilePath and FileOffset
 *         FilePath: /src/a.c           sit in the diagnostic itself)
 *         FileOffset: 1606
 *         Replacements: [...]
 *       Notes: [ { Message, FilePath, FileOffset, ... } ]
 *       Level: Warning                (clang-tidy 13 and later)
 *
 * The log holds byte offsets, not lines: a result's region is its
 * "byteOffset", and its line and column are absent (0), as the log has
 * none. Aliases are refused rather than expanded: clang-tidy writes none,
 * and expanding them is how a small YAML file becomes a large one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "engine/cc.h"
#include "formats/native.h"

typedef struct ymsg {
	size_t msg[2], file[2]; /* offset, length in the arena */
	uint64_t offset;
	bool has_offset;
} ymsg;

typedef struct yr {
	yaml_parser_t p;
	tallyi_emit em;
	tally_sarif_report *rep;
	int err;
	size_t ndiag;
	tallyi_vec arena;  /* the diagnostic's strings */
	tallyi_vec notes;  /* its notes (ymsg) */
	tallyi_vec rel;    /* its related locations, as emitted */
} yr;

static int
fail_at(yr *y, int code, const yaml_mark_t *m, const char *fmt, ...)
    TALLY_CC_PRINTF(4, 5);

static int
fail_at(yr *y, int code, const yaml_mark_t *m, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (y->err != 0)
		return y->err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	y->err = code;
	tallyi_report_error(y->rep, code, (uint64_t)m->index, "line %zu, "
	    "column %zu: %s", m->line + 1, m->column + 1, msg);
	return code;
}

/* The next event into @ev (to be deleted by the caller on success). */
static int
next(yr *y, yaml_event_t *ev)
{
	if (y->err != 0)
		return y->err;
	if (!yaml_parser_parse(&y->p, ev)) {
		int code = y->p.error == YAML_MEMORY_ERROR ? TALLY_ENOMEM :
		    TALLY_EPARSE;

		return fail_at(y, code, &y->p.problem_mark, "invalid YAML: %s%s"
		    "%s", y->p.problem != NULL ? y->p.problem : "error",
		    y->p.context != NULL ? " " : "",
		    y->p.context != NULL ? y->p.context : "");
	}
	if (ev->type == YAML_ALIAS_EVENT) {
		int rc = fail_at(y, TALLY_EFORMAT, &ev->start_mark, "an alias "
		    "(*%s): clang-tidy writes none, and tally does not expand "
		    "them", (const char *)ev->data.alias.anchor);

		yaml_event_delete(ev);
		return rc;
	}
	return 0;
}

/* Skip the node that @ev starts (consumed: deleted here). */
static int
skip(yr *y, yaml_event_t *ev)
{
	unsigned depth = 0;
	int rc = 0;

	for (;;) {
		yaml_event_type_t t = ev->type;

		yaml_event_delete(ev);
		if (t == YAML_SEQUENCE_START_EVENT ||
		    t == YAML_MAPPING_START_EVENT)
			depth++;
		else if (t == YAML_SEQUENCE_END_EVENT ||
		    t == YAML_MAPPING_END_EVENT)
			depth--;
		if (depth == 0)
			return 0;
		if ((rc = next(y, ev)) != 0)
			return rc;
	}
}

/* Copy a scalar into the arena: *@out = { offset, length }. */
static int
keep(yr *y, const yaml_event_t *ev, size_t out[2])
{
	size_t n = ev->data.scalar.length;

	if (tallyi_vec_reserve(y->em.mem, &y->arena, y->arena.n + n + 1, 1) !=
	    TALLY_OK) {
		y->em.oom = true;
		return fail_at(y, TALLY_ENOMEM, &ev->start_mark,
		    "out of memory");
	}
	memcpy((char *)y->arena.p + y->arena.n, ev->data.scalar.value, n);
	((char *)y->arena.p)[y->arena.n + n] = '\0';
	out[0] = y->arena.n;
	out[1] = n;
	y->arena.n += n + 1;
	return 0;
}

static bool
is_key(const yaml_event_t *ev, const char *k)
{
	return ev->type == YAML_SCALAR_EVENT &&
	    ev->data.scalar.length == strlen(k) &&
	    memcmp(ev->data.scalar.value, k, ev->data.scalar.length) == 0;
}

/* A scalar value (the event after a key), kept; @what names it. */
static int
scalar(yr *y, const char *what, size_t out[2])
{
	yaml_event_t ev;
	int rc;

	if ((rc = next(y, &ev)) != 0)
		return rc;
	if (ev.type != YAML_SCALAR_EVENT) {
		rc = fail_at(y, TALLY_EFORMAT_TYPE, &ev.start_mark, "%s: "
		    "expected a scalar", what);
		yaml_event_delete(&ev);
		return rc;
	}
	rc = keep(y, &ev, out);
	yaml_event_delete(&ev);
	return rc;
}

/* A non-negative integer value below 2^32. */
static int
uint_value(yr *y, const char *what, uint64_t *out)
{
	yaml_event_t ev;
	uint64_t v = 0;
	int rc;

	if ((rc = next(y, &ev)) != 0)
		return rc;
	rc = ev.type != YAML_SCALAR_EVENT || ev.data.scalar.length == 0;
	for (size_t i = 0; rc == 0 && i < ev.data.scalar.length; i++) {
		unsigned char c = ev.data.scalar.value[i];

		if (c < '0' || c > '9' || (v = v * 10 + (c - '0')) > UINT32_MAX)
			rc = 1;
	}
	if (rc != 0)
		rc = fail_at(y, TALLY_EFORMAT_TYPE, &ev.start_mark, "%s: "
		    "expected a non-negative integer below 2^32", what);
	*out = v;
	yaml_event_delete(&ev);
	return rc;
}

/*
 * If @ev is the key Message, FilePath or FileOffset, read its value into
 * @m: 1 (the key consumed), 0 when it is another key (left to the
 * caller), or an error.
 */
static int
message_member(yr *y, yaml_event_t *ev, ymsg *m)
{
	int rc;

	if (is_key(ev, "Message")) {
		yaml_event_delete(ev);
		rc = scalar(y, "Message", m->msg);
	} else if (is_key(ev, "FilePath")) {
		yaml_event_delete(ev);
		rc = scalar(y, "FilePath", m->file);
	} else if (is_key(ev, "FileOffset")) {
		yaml_event_delete(ev);
		rc = uint_value(y, "FileOffset", &m->offset);
		m->has_offset = true;
	} else {
		return 0;
	}
	return rc != 0 ? rc : 1;
}

/* A mapping with Message, FilePath, FileOffset (the rest skipped). */
static int
message_map(yr *y, yaml_event_t *ev, ymsg *m, const char *what)
{
	int rc = 0;

	if (ev->type != YAML_MAPPING_START_EVENT) {
		rc = fail_at(y, TALLY_EFORMAT_TYPE, &ev->start_mark, "%s: "
		    "expected a mapping", what);
		yaml_event_delete(ev);
		return rc;
	}
	yaml_event_delete(ev);
	while ((rc = next(y, ev)) == 0 && ev->type != YAML_MAPPING_END_EVENT) {
		if ((rc = message_member(y, ev, m)) == 0 &&
		    (rc = skip(y, ev)) == 0 && (rc = next(y, ev)) == 0)
			rc = skip(y, ev); /* the key, then its value */
		if (rc < 0)
			return rc;
		rc = 0;
	}
	if (rc == 0)
		yaml_event_delete(ev);
	return rc;
}

static const char *
level_of(const char *s, size_t n)
{
	if (n == 5 && memcmp(s, "Error", 5) == 0)
		return "error";
	if (n == 6 && memcmp(s, "Remark", 6) == 0)
		return "note";
	return "warning";
}

static tallyi_nstr
arena_str(const yr *y, const size_t s[2])
{
	if (s[0] == SIZE_MAX)
		return (tallyi_nstr){ NULL, 0, false };
	return (tallyi_nstr){ (const char *)y->arena.p + s[0], s[1], false };
}

static void
loc_of(const yr *y, const ymsg *m, tallyi_nloc *l)
{
	memset(l, 0, sizeof(*l));
	/* "" is clang-tidy's "no file" (a command-line diagnostic) */
	if (m->file[0] != SIZE_MAX && m->file[1] != 0)
		l->file = arena_str(y, m->file);
	l->offset = m->offset;
	l->has_offset = m->has_offset && l->file.p != NULL;
	l->message = arena_str(y, m->msg);
}

static int
diagnostic(yr *y, yaml_event_t *ev)
{
	ymsg main = { { SIZE_MAX, 0 }, { SIZE_MAX, 0 }, 0, false };
	size_t name[2] = { SIZE_MAX, 0 }, level[2] = { SIZE_MAX, 0 };
	tallyi_nres r = { 0 };
	tallyi_nloc *rel;
	int rc = 0;

	y->arena.n = 0;
	y->notes.n = 0;
	if (ev->type != YAML_MAPPING_START_EVENT) {
		rc = fail_at(y, TALLY_EFORMAT_TYPE, &ev->start_mark,
		    "Diagnostics[%zu]: expected a mapping", y->ndiag);
		yaml_event_delete(ev);
		return rc;
	}
	yaml_event_delete(ev);
	while ((rc = next(y, ev)) == 0 && ev->type != YAML_MAPPING_END_EVENT) {
		bool k_name = is_key(ev, "DiagnosticName");
		bool k_level = is_key(ev, "Level");
		bool k_dm = is_key(ev, "DiagnosticMessage");
		bool k_notes = is_key(ev, "Notes");

		/* clang-tidy 8 and before: the message's members in the
		 * diagnostic itself */
		if ((rc = message_member(y, ev, &main)) != 0) {
			if (rc < 0)
				return rc;
			rc = 0;
		} else if (k_name || k_level) {
			yaml_event_delete(ev);
			rc = scalar(y, k_name ? "DiagnosticName" : "Level",
			    k_name ? name : level);
		} else if (k_dm) {
			yaml_event_delete(ev);
			if ((rc = next(y, ev)) == 0)
				rc = message_map(y, ev, &main,
				    "DiagnosticMessage");
		} else if (k_notes) {
			yaml_event_delete(ev);
			if ((rc = next(y, ev)) != 0)
				return rc;
			if (ev->type != YAML_SEQUENCE_START_EVENT) {
				rc = fail_at(y, TALLY_EFORMAT_TYPE,
				    &ev->start_mark, "Notes: expected a "
				    "sequence");
				yaml_event_delete(ev);
				return rc;
			}
			yaml_event_delete(ev);
			while ((rc = next(y, ev)) == 0 &&
			    ev->type != YAML_SEQUENCE_END_EVENT) {
				ymsg *n = tallyi_vec_push(y->em.mem, &y->notes,
				    sizeof(*n));

				if (n == NULL) {
					yaml_event_delete(ev);
					y->em.oom = true;
					return fail_at(y, TALLY_ENOMEM,
					    &y->p.mark, "out of memory");
				}
				*n = (ymsg){ { SIZE_MAX, 0 }, { SIZE_MAX, 0 },
					0, false };
				if ((rc = message_map(y, ev, n, "Notes[]")) !=
				    0)
					return rc;
			}
			if (rc == 0)
				yaml_event_delete(ev);
		} else {
			if ((rc = skip(y, ev)) == 0 && (rc = next(y, ev)) == 0)
				rc = skip(y, ev);
		}
		if (rc != 0)
			return rc;
	}
	if (rc != 0)
		return rc;
	yaml_event_delete(ev);
	r.rule = arena_str(y, name);
	r.level = level[0] != SIZE_MAX ? level_of(arena_str(y, level).p,
	    level[1]) : "warning";
	loc_of(y, &main, &r.loc);
	r.message = r.loc.message;
	r.loc.message = (tallyi_nstr){ NULL, 0, false };
	if (tallyi_vec_reserve(y->em.mem, &y->rel, y->notes.n,
	    sizeof(*rel)) != TALLY_OK) {
		y->em.oom = true;
		return fail_at(y, TALLY_ENOMEM, &y->p.mark, "out of memory");
	}
	rel = y->rel.p;
	for (size_t k = 0; k < y->notes.n; k++)
		loc_of(y, (const ymsg *)y->notes.p + k, &rel[r.nrelated++]);
	r.related = rel;
	tallyi_emit_result(&y->em, &r);
	if (y->em.oom)
		return fail_at(y, TALLY_ENOMEM, &y->p.mark, "out of memory");
	y->ndiag++;
	return 0;
}

/* The document's root mapping: its Diagnostics, the rest skipped. */
static int
document(yr *y)
{
	yaml_event_t ev;
	int rc;

	if ((rc = next(y, &ev)) != 0)
		return rc;
	if (ev.type != YAML_MAPPING_START_EVENT) {
		rc = fail_at(y, TALLY_EFORMAT, &ev.start_mark, "expected a "
		    "mapping with Diagnostics (clang-tidy --export-fixes)");
		yaml_event_delete(&ev);
		return rc;
	}
	yaml_event_delete(&ev);
	while ((rc = next(y, &ev)) == 0 && ev.type != YAML_MAPPING_END_EVENT) {
		if (!is_key(&ev, "Diagnostics")) {
			if ((rc = skip(y, &ev)) == 0 &&
			    (rc = next(y, &ev)) == 0)
				rc = skip(y, &ev);
			if (rc != 0)
				return rc;
			continue;
		}
		yaml_event_delete(&ev);
		if ((rc = next(y, &ev)) != 0)
			return rc;
		if (ev.type == YAML_SCALAR_EVENT) { /* "Diagnostics: []"? */
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type != YAML_SEQUENCE_START_EVENT) {
			rc = fail_at(y, TALLY_EFORMAT_TYPE, &ev.start_mark,
			    "Diagnostics: expected a sequence");
			yaml_event_delete(&ev);
			return rc;
		}
		yaml_event_delete(&ev);
		while ((rc = next(y, &ev)) == 0 &&
		    ev.type != YAML_SEQUENCE_END_EVENT)
			if ((rc = diagnostic(y, &ev)) != 0)
				return rc;
		if (rc != 0)
			return rc;
		yaml_event_delete(&ev);
	}
	if (rc == 0)
		yaml_event_delete(&ev);
	return rc;
}

int
tallyi_native_clang_tidy_yaml(tallyi_input *in, tally_sarif_report *rep)
{
	yr y;
	yaml_event_t ev;
	int rc;

	memset(&y, 0, sizeof(y));
	y.rep = rep;
	tallyi_emit_init(&y.em, in->mem, in->len);
	if (!yaml_parser_initialize(&y.p)) {
		tallyi_emit_free(&y.em);
		tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory starting the YAML parser");
		return TALLY_ENOMEM;
	}
	yaml_parser_set_input_string(&y.p, (const unsigned char *)in->buf,
	    in->len);
	/* a stream of documents (run-clang-tidy may merge several) */
	if ((rc = next(&y, &ev)) == 0)
		yaml_event_delete(&ev); /* STREAM-START */
	while (rc == 0 && (rc = next(&y, &ev)) == 0 &&
	    ev.type != YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev); /* DOCUMENT-START */
		if ((rc = document(&y)) == 0 && (rc = next(&y, &ev)) == 0)
			yaml_event_delete(&ev); /* DOCUMENT-END */
	}
	if (rc == 0)
		yaml_event_delete(&ev);
	yaml_parser_delete(&y.p);
	tallyi_vec_free(in->mem, &y.arena, 1);
	tallyi_vec_free(in->mem, &y.notes, sizeof(ymsg));
	tallyi_vec_free(in->mem, &y.rel, sizeof(tallyi_nloc));
	if (rc == 0 && (rc = tallyi_emit_finish(&y.em, in, "clang-tidy", NULL,
	    "https://clang.llvm.org/extra/clang-tidy/")) != TALLY_OK)
		tallyi_report_error(rep, rc, UINT64_MAX, "out of memory");
	tallyi_emit_free(&y.em);
	return rc;
}
