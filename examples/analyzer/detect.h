/*
 * detect.h - the detectors of tally-scan, a small flawfinder-like source
 * scanner: they know nothing of tally. A struct scanner is one detector
 * object (its buffers are reused from file to file); scanner_run() finds
 * what the rules below describe in one C or C++ source text, and
 * scanner_sarif() writes the findings as SARIF result objects.
 */
#ifndef TALLY_SCAN_DETECT_H
#define TALLY_SCAN_DETECT_H

#include <stddef.h>
#include <stdint.h>

enum scan_rule {
	RULE_BANNED,     /* a call of a function that cannot be used safely */
	RULE_FORMAT,     /* a printf-like call whose format is not a literal */
	RULE_TODO,       /* a TODO, FIXME or XXX in a comment */
	RULE_TODO_DENSE, /* one such marker or more every 100 lines */
	RULE_LONG_LINE,  /* a line longer than SCAN_LINE_LIMIT characters */
	RULE_COUNT
};

#define SCAN_LINE_LIMIT 120

/* The levels, as tally_level numbers them (tally/common.h). */
enum { SCAN_NOTE = 1, SCAN_WARNING = 2, SCAN_ERROR = 3 };

struct scan_rule_info {
	const char *id;   /* SARIF reportingDescriptor.id */
	const char *text; /* its shortDescription */
};

extern const struct scan_rule_info scan_rules[RULE_COUNT];

/* One finding; its message is msg_len bytes at scanner.msg + msg. */
struct finding {
	uint8_t rule;
	uint8_t level;
	uint32_t line;   /* 1-based */
	uint32_t column; /* 1-based, in Unicode code points */
	size_t offset;   /* byte offset in the text (for line and column) */
	size_t msg, msg_len;
};

/* A growable byte buffer. */
struct buf {
	char *p;
	size_t len, cap;
};

struct scanner {
	struct buf text;        /* the file's bytes (scanner_read) */
	struct finding *f;      /* the findings of the last scanner_run() */
	size_t nf, fcap;
	struct buf msg;         /* their messages, back to back */
	struct buf sarif;       /* scanner_sarif()'s output */
	void *user;             /* the caller's per-object state */
};

/* 0, or -1 with errno (ENOMEM). */
int scanner_init(struct scanner *s);
/* Forget the last file; keep the buffers. */
void scanner_reset(struct scanner *s);
void scanner_fini(struct scanner *s);

/* Read @path whole into s->text: 0, or -1 with errno. */
int scanner_read(struct scanner *s, const char *path);

/* Find what the rules look for in @len bytes at @p: 0, or -1 (ENOMEM). */
int scanner_run(struct scanner *s, const char *p, size_t len);

/*
 * Append the findings as SARIF result objects, separated by commas, to
 * s->sarif (after a comma when it is not empty), for the artifact @uri
 * (already a URI reference: percent-encoded). 0, or -1 (ENOMEM).
 */
int scanner_sarif(struct scanner *s, const char *uri);

/* Room for @n more bytes: 0, or -1 (ENOMEM). */
int buf_reserve(struct buf *b, size_t n);
/* Append to a buffer: 0, or -1 (ENOMEM). */
int buf_put(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
/* @s as a JSON string body (no quotes): escapes '"', '\\' and controls. */
int buf_json(struct buf *b, const char *s, size_t n);
/* @path as a URI reference: "file://" and percent-encoding for absolute
 * paths, percent-encoding alone for relative ones (RFC 3986). */
int buf_uri(struct buf *b, const char *path);

#endif /* TALLY_SCAN_DETECT_H */
