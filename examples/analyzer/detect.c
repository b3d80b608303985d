/*
 * detect.c - tally-scan's detectors (detect.h).
 *
 * One pass of a small C lexer over the text: comments, string and
 * character literals are skipped as such (a strcpy in a comment is not a
 * call), identifiers followed by '(' are looked up among the watched
 * functions, and comments are searched for TODO, FIXME and XXX. A second
 * pass (memchr over newlines) finds long lines and turns the findings'
 * byte offsets into lines and columns.
 *
 * A name in a declaration or a macro definition is not a call: the
 * lexer remembers the token before each identifier, and a watched name
 * after another identifier (a type, "define") or after '*' is skipped
 * ("extern char *strcpy (...)"), except after return, else, case and do.
 */
#include "detect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const struct scan_rule_info scan_rules[RULE_COUNT] = {
	[RULE_BANNED] = { "banned-function",
	    "A call of a function that cannot be used safely" },
	[RULE_FORMAT] = { "format-not-literal",
	    "A printf-like call whose format string is not a literal" },
	[RULE_TODO] = { "todo", "A TODO, FIXME or XXX marker in a comment" },
	[RULE_TODO_DENSE] = { "todo-density",
	    "One TODO, FIXME or XXX marker or more every 100 lines" },
	[RULE_LONG_LINE] = { "long-line",
	    "A line longer than 120 characters" },
};

/* ------------------------------------------------------------------ */
/* Buffers                                                             */

int
buf_reserve(struct buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->cap - b->len >= n)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

int
buf_put(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) != 0)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

int
buf_json(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	if (buf_reserve(b, 6 * n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char *o = b->p + b->len;

		if (c == '"' || c == '\\') {
			o[0] = '\\';
			o[1] = (char)c;
			b->len += 2;
		} else if (c < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			b->len += 6;
		} else {
			o[0] = (char)c;
			b->len++;
		}
	}
	return 0;
}

int
buf_uri(struct buf *b, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);

	if ((path[0] == '/' && buf_puts(b, "file://") != 0) ||
	    buf_reserve(b, 3 * n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		char *o = b->p + b->len;

		/* RFC 3986 unreserved characters and the path separator */
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || c == '/') {
			o[0] = (char)c;
			b->len++;
		} else {
			o[0] = '%';
			o[1] = hex[c >> 4];
			o[2] = hex[c & 15];
			b->len += 3;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The scanner object                                                  */

int
scanner_init(struct scanner *s)
{
	memset(s, 0, sizeof(*s));
	if (buf_reserve(&s->text, 64 << 10) != 0 ||
	    buf_reserve(&s->msg, 4 << 10) != 0 ||
	    buf_reserve(&s->sarif, 16 << 10) != 0) {
		scanner_fini(s);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
scanner_reset(struct scanner *s)
{
	s->text.len = s->msg.len = s->sarif.len = 0;
	s->nf = 0;
}

void
scanner_fini(struct scanner *s)
{
	free(s->text.p);
	free(s->msg.p);
	free(s->sarif.p);
	free(s->f);
	memset(s, 0, sizeof(*s));
}

int
scanner_read(struct scanner *s, const char *path)
{
	struct stat st;
	ssize_t r;
	int fd, e;

	s->text.len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		goto fail;
	/* One read for a file that does not change meanwhile; more if it
	 * grows. The extra byte lets the lexer look one past the end. */
	if (buf_reserve(&s->text, (size_t)st.st_size + 1) != 0) {
		errno = ENOMEM;
		goto fail;
	}
	for (;;) {
		if (s->text.cap - s->text.len < 2 &&
		    buf_reserve(&s->text, s->text.cap) != 0) {
			errno = ENOMEM;
			goto fail;
		}
		r = read(fd, s->text.p + s->text.len,
		    s->text.cap - s->text.len - 1);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		s->text.len += (size_t)r;
	}
	s->text.p[s->text.len] = '\0';
	close(fd);
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Findings                                                            */

/* Record a finding at @offset; its message is printf(@fmt, ...). */
__attribute__((format(printf, 5, 6))) static int
add(struct scanner *s, enum scan_rule rule, int level, size_t offset,
    const char *fmt, ...)
{
	struct finding *f;
	va_list ap;
	int n;

	if (s->nf == s->fcap) {
		size_t cap = s->fcap ? 2 * s->fcap : 64;

		if ((f = realloc(s->f, cap * sizeof(*f))) == NULL)
			return -1;
		s->f = f;
		s->fcap = cap;
	}
	if (buf_reserve(&s->msg, 256) != 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(s->msg.p + s->msg.len, 256, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if (n > 255)
		n = 255;
	f = &s->f[s->nf++];
	f->rule = (uint8_t)rule;
	f->level = (uint8_t)level;
	f->offset = offset;
	f->line = f->column = 0;
	f->msg = s->msg.len;
	f->msg_len = (size_t)n;
	s->msg.len += (size_t)n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The lexer                                                           */

static int
is_id0(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_id(unsigned char c)
{
	return is_id0(c) || (c >= '0' && c <= '9');
}

/* A watched function: banned, and/or printf-like (@fmt_arg >= 0). */
struct watch {
	const char *name;
	signed char fmt_arg;
	unsigned char level; /* for RULE_BANNED; 0: not banned */
	const char *why;
};

static const struct watch watched[] = {
	{ "gets", -1, SCAN_ERROR,
	    "reads a line into a buffer of unknown size (CWE-242)" },
	{ "strcpy", -1, SCAN_WARNING,
	    "does not check the size of its destination (CWE-120)" },
	{ "strcat", -1, SCAN_WARNING,
	    "does not check the size of its destination (CWE-120)" },
	{ "sprintf", 1, SCAN_WARNING,
	    "does not check the size of its destination (CWE-120); "
	    "snprintf() does" },
	{ "vsprintf", 1, SCAN_WARNING,
	    "does not check the size of its destination (CWE-120); "
	    "vsnprintf() does" },
	{ "tmpnam", -1, SCAN_WARNING,
	    "makes a name another process can take first (CWE-377)" },
	{ "tempnam", -1, SCAN_WARNING,
	    "makes a name another process can take first (CWE-377)" },
	{ "mktemp", -1, SCAN_WARNING,
	    "makes a name another process can take first (CWE-377)" },
	{ "system", -1, SCAN_NOTE, "runs a shell command line (CWE-78)" },
	{ "popen", -1, SCAN_NOTE, "runs a shell command line (CWE-78)" },
	{ "printf", 0, 0, NULL },
	{ "vprintf", 0, 0, NULL },
	{ "fprintf", 1, 0, NULL },
	{ "vfprintf", 1, 0, NULL },
	{ "dprintf", 1, 0, NULL },
	{ "vdprintf", 1, 0, NULL },
	{ "snprintf", 2, 0, NULL },
	{ "vsnprintf", 2, 0, NULL },
	{ "syslog", 1, 0, NULL },
};

static const struct watch *
lookup(const char *p, size_t n)
{
	if (n < 4 || n > 9)
		return NULL;
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++)
		if (watched[i].name[0] == p[0] &&
		    strlen(watched[i].name) == n &&
		    memcmp(watched[i].name, p, n) == 0)
			return &watched[i];
	return NULL;
}

/* The end of the literal that opens at @i (its quote, @q), or @n. */
static size_t
skip_literal(const char *p, size_t i, size_t n, char q)
{
	for (i++; i < n; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == q || p[i] == '\n')
			return i + 1;
	}
	return n;
}

/*
 * Is argument @k of the call whose '(' is at @i a string literal, or
 * something that stands for one (a gettext call _("..."), a macro in
 * capitals)? 1 yes, 0 no, -1 the call has no such argument.
 */
static int
literal_arg(const char *p, size_t i, size_t n, int k)
{
	size_t end = n - i > 4096 ? i + 4096 : n;
	int depth = 0, arg = 0;

	for (i++; i < end; i++) {
		char c = p[i];

		if (arg == k && depth == 0 && c != ' ' && c != '\t' &&
		    c != '\n' && c != '\r') {
			size_t j = i;

			if (c == ')')
				return -1;
			if (c == '"')
				return 1;
			while (j < end && is_id((unsigned char)p[j]))
				j++;
			if (j < end && p[j] == '"') /* L"", u8"" */
				return 1;
			if ((j - i == 1 && c == '_') || (j - i == 2 &&
			    memcmp(p + i, "N_", 2) == 0) || (j - i == 7 &&
			    memcmp(p + i, "gettext", 7) == 0))
				return 1;
			for (size_t m = i; m < j; m++)
				if (p[m] >= 'a' && p[m] <= 'z')
					return 0;
			return j > i && !(c >= '0' && c <= '9');
		}
		if (c == '"' || c == '\'') {
			i = skip_literal(p, i, n, c) - 1;
		} else if (c == '(' || c == '[' || c == '{') {
			depth++;
		} else if (c == ')' || c == ']' || c == '}') {
			if (depth-- == 0)
				return -1;
		} else if (c == ',' && depth == 0) {
			arg++;
		}
	}
	return -1;
}

/* The TODO, FIXME and XXX words in the comment [@a, @b): how many. */
static int
markers(struct scanner *s, const char *p, size_t a, size_t b,
    unsigned *count)
{
	static const char *const words[] = { "TODO", "FIXME", "XXX" };

	for (size_t i = a; i < b; i++) {
		const char *w = NULL;
		size_t wl = 0, e, t;

		if (p[i] != 'T' && p[i] != 'F' && p[i] != 'X')
			continue;
		for (int k = 0; k < 3; k++) {
			wl = strlen(words[k]);
			if (b - i >= wl && memcmp(p + i, words[k], wl) == 0) {
				w = words[k];
				break;
			}
		}
		if (w == NULL || (i > a && is_id((unsigned char)p[i - 1])) ||
		    (i + wl < b && is_id((unsigned char)p[i + wl])))
			continue;
		/* The rest of its line, as context: printable ASCII only
		 * (the message must be UTF-8), at most 60 bytes. */
		for (t = i + wl; t < b && (p[t] == ':' || p[t] == ' ' ||
		    p[t] == '(' || p[t] == '\t'); t++)
			;
		for (e = t; e < b && e - t < 60 && p[e] != '\n' &&
		    !(p[e] == '*' && e + 1 < b && p[e + 1] == '/'); e++)
			;
		while (e > t && (p[e - 1] == ' ' || p[e - 1] == '\t' ||
		    p[e - 1] == '\r'))
			e--;
		char ctx[64];
		size_t cl = 0;

		for (size_t m = t; m < e; m++)
			ctx[cl++] = p[m] >= 0x20 && p[m] < 0x7f ? p[m] : '?';
		if (add(s, RULE_TODO, SCAN_NOTE, i, cl ? "%s: %.*s" : "%s",
		    w, (int)cl, ctx) != 0)
			return -1;
		(*count)++;
		i += wl - 1;
	}
	return 0;
}

/* Before an identifier: what the last token was. */
enum prev { PREV_PUNCT, PREV_STAR, PREV_IDENT, PREV_KEYWORD };

static int
call(struct scanner *s, const char *p, size_t n, size_t at, size_t len,
    size_t paren)
{
	const struct watch *w = lookup(p + at, len);
	int lit;

	if (w == NULL)
		return 0;
	if (w->level != 0 && add(s, RULE_BANNED, w->level, at, "%s() %s",
	    w->name, w->why) != 0)
		return -1;
	if (w->fmt_arg >= 0 &&
	    (lit = literal_arg(p, paren, n, w->fmt_arg)) == 0 &&
	    add(s, RULE_FORMAT, SCAN_WARNING, at, "%s() is called with a "
	    "format string that is not a literal (CWE-134)", w->name) != 0)
		return -1;
	return 0;
}

static int
lex(struct scanner *s, const char *p, size_t n, unsigned *todo)
{
	enum prev prev = PREV_PUNCT;
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)p[i];

		if (c == '/' && i + 1 < n && p[i + 1] == '/') {
			const char *e = memchr(p + i, '\n', n - i);
			size_t end = e ? (size_t)(e - p) : n;

			if (markers(s, p, i + 2, end, todo) != 0)
				return -1;
			i = end;
		} else if (c == '/' && i + 1 < n && p[i + 1] == '*') {
			size_t end = i + 2;

			for (;;) {
				const char *e = memchr(p + end, '*', n - end);

				if (e == NULL || (size_t)(e - p) + 1 >= n) {
					end = n;
					break;
				}
				end = (size_t)(e - p) + 1;
				if (p[end] == '/')
					break;
			}
			if (markers(s, p, i + 2, end > n - 1 ? n : end - 1,
			    todo) != 0)
				return -1;
			i = end < n ? end + 1 : n;
		} else if (c == '"' || c == '\'') {
			i = skip_literal(p, i, n, (char)c);
			prev = PREV_PUNCT;
		} else if (is_id0(c)) {
			size_t a = i, j;

			while (i < n && is_id((unsigned char)p[i]))
				i++;
			for (j = i; j < n && (p[j] == ' ' || p[j] == '\t');
			    j++)
				;
			if (j < n && p[j] == '(' && (prev == PREV_PUNCT ||
			    prev == PREV_KEYWORD) &&
			    call(s, p, n, a, i - a, j) != 0)
				return -1;
			prev = (i - a == 6 && memcmp(p + a, "return", 6) == 0) ||
			    (i - a == 4 && (memcmp(p + a, "else", 4) == 0 ||
			    memcmp(p + a, "case", 4) == 0)) ||
			    (i - a == 2 && memcmp(p + a, "do", 2) == 0) ?
			    PREV_KEYWORD : PREV_IDENT;
		} else if (c >= '0' && c <= '9') {
			while (i < n && (is_id((unsigned char)p[i]) ||
			    p[i] == '.'))
				i++;
			prev = PREV_IDENT;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\\') {
			i++;
		} else {
			prev = c == '*' ? PREV_STAR : PREV_PUNCT;
			i++;
		}
	}
	return 0;
}

static int
by_offset(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Code points in [@a, @b): bytes that are not UTF-8 continuations. */
static size_t
chars(const char *p, size_t a, size_t b)
{
	size_t k = 0;

	for (size_t i = a; i < b; i++)
		k += ((unsigned char)p[i] & 0xc0) != 0x80;
	return k;
}

/*
 * Walk the lines: long ones become findings, and each finding (sorted by
 * offset) gets its line and column. Return the number of lines.
 */
static int
lines(struct scanner *s, const char *p, size_t n, uint32_t *nlines)
{
	size_t bol = 0, k = 0, nf;
	uint32_t line = 1;

	/* long lines first: they join the sort below */
	for (;;) {
		const char *e = memchr(p + bol, '\n', n - bol);
		size_t eol = e ? (size_t)(e - p) : n, w;

		if (eol - bol > SCAN_LINE_LIMIT &&
		    (w = chars(p, bol, eol)) > SCAN_LINE_LIMIT) {
			size_t at = bol, c = 0;

			while (c < SCAN_LINE_LIMIT)
				c += ((unsigned char)p[at++] & 0xc0) != 0x80;
			while (at < eol && ((unsigned char)p[at] & 0xc0) == 0x80)
				at++;
			if (add(s, RULE_LONG_LINE, SCAN_NOTE, at, "line is %zu "
			    "characters long (limit %d)", w,
			    SCAN_LINE_LIMIT) != 0)
				return -1;
		}
		if (e == NULL)
			break;
		line++;
		bol = eol + 1;
	}
	*nlines = bol == n && n > 0 ? line - 1 : line;
	nf = s->nf;
	qsort(s->f, nf, sizeof(*s->f), by_offset);
	line = 1;
	bol = 0;
	for (k = 0; k < nf; k++) {
		struct finding *f = &s->f[k];
		const char *e;

		while ((e = memchr(p + bol, '\n', f->offset - bol)) != NULL) {
			bol = (size_t)(e - p) + 1;
			line++;
		}
		f->line = line;
		f->column = (uint32_t)chars(p, bol, f->offset) + 1;
	}
	return 0;
}

int
scanner_run(struct scanner *s, const char *p, size_t n)
{
	unsigned todo = 0;
	uint32_t nl;

	s->nf = 0;
	s->msg.len = 0;
	if (lex(s, p, n, &todo) != 0)
		goto nomem;
	if (lines(s, p, n, &nl) != 0)
		goto nomem;
	if (todo >= 3 && (uint64_t)todo * 100 >= nl) {
		if (add(s, RULE_TODO_DENSE, SCAN_WARNING, 0, "%u TODO, FIXME "
		    "or XXX markers in %u lines", todo, nl) != 0)
			goto nomem;
		s->f[s->nf - 1].line = 1;
		s->f[s->nf - 1].column = 1;
	}
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

static const char *const level_name[] = { "none", "note", "warning",
	"error" };

int
scanner_sarif(struct scanner *s, const char *uri)
{
	struct buf *b = &s->sarif;
	char num[64];

	for (size_t k = 0; k < s->nf; k++) {
		const struct finding *f = &s->f[k];

		snprintf(num, sizeof(num), "%u", f->rule);
		if ((b->len && buf_puts(b, ",") != 0) ||
		    buf_puts(b, "{\"ruleId\":\"") != 0 ||
		    buf_puts(b, scan_rules[f->rule].id) != 0 ||
		    buf_puts(b, "\",\"ruleIndex\":") != 0 ||
		    buf_puts(b, num) != 0 ||
		    buf_puts(b, ",\"level\":\"") != 0 ||
		    buf_puts(b, level_name[f->level]) != 0 ||
		    buf_puts(b, "\",\"message\":{\"text\":\"") != 0 ||
		    buf_json(b, s->msg.p + f->msg, f->msg_len) != 0 ||
		    buf_puts(b, "\"},\"locations\":[{\"physicalLocation\":"
		    "{\"artifactLocation\":{\"uri\":\"") != 0 ||
		    buf_puts(b, uri) != 0)
			goto nomem;
		snprintf(num, sizeof(num), "\"},\"region\":{\"startLine\":%u,"
		    "\"startColumn\":%u}}}]}", f->line, f->column);
		if (buf_puts(b, num) != 0)
			goto nomem;
	}
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}
