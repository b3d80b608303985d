/*
 * formats/sarif_internal.h - the SARIF reader's parts (internal).
 *
 *   sarif_input.c      reads an input into memory, with simdjson's padding
 *   json_scan.c        validates and frames the JSON text
 *   sarif_simdjson.cc  parses one result / rule / artifact object (C++)
 *   sarif_read.c       walks a log, resolves each run, feeds a sink
 *   sarif_merge.c      a sink that writes one merged log
 *   sarif_ingest.c     the summary path's sink (the engine)
 *   sarif_diff.c       a sink that keeps both logs' results to classify
 */
#ifndef TALLY_FORMATS_SARIF_INTERNAL_H
#define TALLY_FORMATS_SARIF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tally/batch.h"
#include "engine/toolkit.h"
#include "engine/vec.h"
#include "tally/sarif.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes simdjson may read past the end of a document (SIMDJSON_PADDING). */
#define TALLYI_JSON_PADDING 64

/*
 * Warnings delivered per input (the reader's warn()); more are counted and
 * told in one last warning. Stored inputs are checked against it.
 */
#define TALLYI_WARN_MAX 100

/* ------------------------------------------------------------------ */
/* Inputs                                                              */

struct tallyi_mem; /* engine/alloc.h; kept out of this header for C++ */

/*
 * An input's bytes: the whole input, or (a window) the part of a large
 * regular file the reader is at. buf[0] is byte @base of the input; @size
 * is the whole input's length. A whole input has base 0 and size len.
 */
typedef struct tallyi_input {
	const char *buf;
	size_t len;
	size_t pad;    /* readable bytes after buf + len */
	uint64_t base; /* the input's offset of buf[0] */
	uint64_t size; /* the input's length */
	char *own;     /* the buffer read into, or NULL (wrapped) */
	size_t own_cap;
	const struct tallyi_mem *mem;
	/* A window only: */
	int fd;        /* the file, or -1 (the input is whole) */
	bool eof;      /* buf + len is the end of the file */
	uint64_t max;  /* the size limit it was opened with */
	int64_t st[5]; /* size, mtime and ctime (s, ns) when it was opened */
	/* Decoded (formats/native.h): the size of the input as read. */
	uint64_t source_size; /* 0: the bytes are the input's own */
} tallyi_input;

/*
 * Read @path whole into a buffer the input owns, with TALLYI_JSON_PADDING
 * zero bytes after its end; "-" is standard input. Never mapped: the bytes
 * cannot change under the reader. A regular file over @max bytes is
 * refused before it is read (TALLY_EIO_TOOBIG), one that changes while it
 * is read fails with TALLY_EIO_CHANGED; a pipe or device is read in chunks,
 * refused as soon as it passes @max, and fails at its first byte that
 * cannot be part of a JSON text. @max 0: TALLY_SARIF_MAX_INPUT.
 * Return: TALLY_OK or an error with @rep filled.
 */
int tallyi_input_open(tallyi_input *in, const char *path, uint64_t max,
    const struct tallyi_mem *mem, tally_sarif_report *rep);

/*
 * Bytes of a window: a regular file larger than this is read through one
 * (tallyi_input_open_window()). An element the reader frames after
 * tallyi_input_slide() is sure to be in the window if it is at most
 * TALLYI_WINDOW_AHEAD bytes. A build may make both smaller: the fuzz
 * preset does, so that its small inputs are read through windows too.
 */
#ifndef TALLYI_WINDOW
#define TALLYI_WINDOW (1u << 20)
#define TALLYI_WINDOW_AHEAD (256u << 10)
#endif

/*
 * As tallyi_input_open(), but a regular file over TALLYI_WINDOW bytes is
 * opened as a window on its first TALLYI_WINDOW bytes (fd >= 0), for a
 * reader that keeps no bytes of the input past the element it is at; the
 * reader moves it on with tallyi_input_slide() and ends with
 * tallyi_input_finish(). A window costs a fixed buffer instead of one the
 * size of the file, and its bytes are still in the cache when parsed.
 */
int tallyi_input_open_window(tallyi_input *in, const char *path,
    uint64_t max, const struct tallyi_mem *mem, tally_sarif_report *rep);

/*
 * Drop the window's bytes before buf + @keep and read on: afterwards
 * buf[0] is what was buf[@keep], and the window holds at least
 * TALLYI_WINDOW_AHEAD bytes from there, or the rest of the file. Offsets
 * into buf before the call are off by @keep after it; buf itself stays.
 * Return: TALLY_OK, or (@rep filled) TALLY_EIO or TALLY_EIO_CHANGED
 * (the file ended before its size or grew past it).
 */
int tallyi_input_slide(tallyi_input *in, size_t keep, tally_sarif_report *rep);

/*
 * The reader is done with a window at buf + len: make sure the file ends
 * there and did not change since it was opened. Return: TALLY_OK;
 * TALLY_EAGAIN when bytes follow (the reader must read it whole: only a
 * whole read can say what they mean); else TALLY_EIO or
 * TALLY_EIO_CHANGED with @rep filled.
 */
int tallyi_input_finish(tallyi_input *in, tally_sarif_report *rep);

/*
 * Is a windowed read that returned @rc to be read again whole
 * (tallyi_input_rewind_whole())? When it failed on the input's bytes, or
 * met bytes after the log (TALLY_EAGAIN): the error reported must be a
 * whole read's. Not on a change of the file, a read error, or memory.
 */
static inline bool
tallyi_window_retry(int rc)
{
	int family = tally_status_family(rc);

	return family == TALLY_EPARSE || family == TALLY_EFORMAT ||
	    rc == TALLY_EAGAIN;
}

/*
 * Read a window's file again, whole, as tallyi_input_open() would: for a
 * reader whose windowed read failed, so that the error it reports (and
 * its offset) is the whole read's. The file must still be the one opened
 * (size and times), else TALLY_EIO_CHANGED. Return: as tallyi_input_open().
 */
int tallyi_input_rewind_whole(tallyi_input *in, tally_sarif_report *rep);

/*
 * Make @buf (@len bytes of input in @cap allocated from @in's memory, at
 * least TALLYI_JSON_PADDING more than @len) the whole of @in, freeing what
 * it owned: the padding is zeroed.
 */
void tallyi_input_replace(tallyi_input *in, char *buf, size_t cap,
    size_t len);

/* Wrap a caller's buffer (no padding assumed, nothing owned). */
void tallyi_input_wrap(tallyi_input *in, const void *buf, size_t len);

void tallyi_input_close(tallyi_input *in);

/* ------------------------------------------------------------------ */
/* The simdjson shim                                                   */

typedef struct tallyi_json tallyi_json;

typedef struct tallyi_sv {
	const char *p;
	size_t n;
} tallyi_sv;

/* tallyi_sarif_result.has bits */
enum {
	TALLYI_R_RULE_ID = 1u << 0,
	TALLYI_R_RULE_INDEX = 1u << 1,
	TALLYI_R_URI = 1u << 2,
	TALLYI_R_ART_INDEX = 1u << 3,
	TALLYI_R_LINE = 1u << 4,
	TALLYI_R_COLUMN = 1u << 5,
	TALLYI_R_CHAR_OFFSET = 1u << 6,
	TALLYI_R_BYTE_OFFSET = 1u << 7,
	TALLYI_R_MSG_TEXT = 1u << 8,
	TALLYI_R_MSG_ID = 1u << 9,
	TALLYI_R_PLH = 1u << 10, /* partialFingerprints.primaryLocationLineHash */
	TALLYI_R_INVOCATION = 1u << 11, /* provenance.invocationIndex */
	TALLYI_R_MESSAGE = 1u << 12,    /* "message" is an object */
	TALLYI_R_ARGS = 1u << 13,       /* message.arguments is an array */
};

/* tallyi_ref.has bits: what a reportingDescriptorReference holds */
enum {
	TALLYI_REF_ID = 1u << 0,
	TALLYI_REF_INDEX = 1u << 1,
	TALLYI_REF_GUID = 1u << 2,
	TALLYI_REF_TC_INDEX = 1u << 3, /* toolComponent.index */
	TALLYI_REF_TC_GUID = 1u << 4,
	TALLYI_REF_TC_NAME = 1u << 5,
};

/*
 * A reportingDescriptorReference (§3.52) with its toolComponentReference
 * (§3.54): result.rule, or the descriptor of a configuration override.
 */
typedef struct tallyi_ref {
	unsigned has; /* TALLYI_REF_* */
	tallyi_sv id, guid, tc_guid, tc_name;
	int64_t index, tc_index;
} tallyi_ref;

/*
 * A result's suppression state (§3.27.23, §3.35): none when "suppressions"
 * is absent, null or empty; else its effective status, rejected over
 * underReview over accepted (an entry without status is accepted). Only
 * TALLYI_SUPP_ACCEPTED is suppressed.
 */
enum {
	TALLYI_SUPP_NONE = 0,
	TALLYI_SUPP_ACCEPTED = 1,
	TALLYI_SUPP_UNDER_REVIEW = 2,
	TALLYI_SUPP_REJECTED = 3,
};

/*
 * The properties of one result that the definitions use. String views point
 * into the parser's buffer and stay valid until its next parse.
 */
typedef struct tallyi_sarif_result {
	unsigned has;          /* TALLYI_R_* */
	int level;             /* a tally_level, or -1 when absent */
	bool kind_not_fail;    /* "kind" is present and is not "fail" */
	uint8_t supp;          /* TALLYI_SUPP_* */
	int8_t baseline;       /* a tally_baseline, or -1 when absent */
	tallyi_sv rule_id, uri, msg_text, msg_id, plh;
	tallyi_ref rule;       /* result.rule */
	const tallyi_sv *args; /* message.arguments (nargs of them) */
	size_t nargs;
	int64_t rule_index, art_index, invocation;
	uint64_t line, column, char_offset, byte_offset;
} tallyi_sarif_result;

/*
 * What correlation reads besides the definitions (formats/correlate.c), only
 * when asked. These properties are read leniently: one of the wrong type is
 * absent, never an error, so asking for correlation cannot make a log that
 * reads without it fail.
 */
#define TALLYI_CATS 6 /* categories kept per result or rule; more are dropped */

typedef struct tallyi_corr_fields {
	tallyi_sv base_id;  /* locations[0]...artifactLocation.uriBaseId */
	bool has_base;
	uint64_t flow[2];   /* startLine where codeFlows[0].threadFlows[0]
			       starts and ends; 0 when absent */
	uint32_t ncwe, ntag;
	uint32_t cwe[TALLYI_CATS];
	tallyi_sv tag[TALLYI_CATS]; /* category tags that name no CWE */
} tallyi_corr_fields;

/*
 * Add every "CWE-<digits>" in [s, s + n) (any case, not preceded by a
 * letter or digit) to @cf, once each.
 */
void tallyi_cwe_scan(const char *s, size_t n, tallyi_corr_fields *cf);

/* Add CWE @cwe to @cf once (dropped when full). */
void tallyi_cwe_add(tallyi_corr_fields *cf, uint32_t cwe);

/*
 * An error found by the shim. @off is relative to the document's start;
 * @path is where inside the object ("locations[0].physicalLocation.region.
 * startLine", or "" for the object itself); @msg says what was expected.
 */
typedef struct tallyi_json_err {
	int code;
	size_t off;
	char path[96];
	char msg[160];
} tallyi_json_err;

tallyi_json *tallyi_json_new(void);
void tallyi_json_free(tallyi_json *j);

/*
 * Parse one JSON object of @n bytes at @p (at least TALLYI_JSON_PADDING
 * readable bytes must follow it) and extract what the definitions need.
 * The text was already validated by json_scan except for UTF-8, which
 * simdjson checks here. Return: TALLY_OK, or an error with @err filled
 * (code, offset, what was expected; the path inside the object is named,
 * e.g. "locations[0].physicalLocation.region.startLine").
 */
int tallyi_json_result(tallyi_json *j, const char *p, size_t n,
    tallyi_sarif_result *out, tallyi_corr_fields *cf, tallyi_json_err *err);

/* One entry of messageStrings / globalMessageStrings: its name and text. */
typedef struct tallyi_msgstr {
	tallyi_sv name, text;
} tallyi_msgstr;

/* A reportingDescriptor as the definitions read it. */
typedef struct tallyi_rule_sv {
	tallyi_sv id, guid;
	bool has_id, has_guid;
	int level;                /* defaultConfiguration.level, or -1 */
	const tallyi_msgstr *ms;  /* messageStrings with a text */
	size_t nms;
} tallyi_rule_sv;

/*
 * A reportingDescriptor. With @cf (else NULL) also its categories:
 * relationships[].target, properties.tags, and a CWE named in
 * short/fullDescription.text.
 */
int tallyi_json_rule(tallyi_json *j, const char *p, size_t n,
    tallyi_rule_sv *out, tallyi_corr_fields *cf, tallyi_json_err *err);

/* A toolComponent of tool.extensions (§3.19), rules and all. */
typedef struct tallyi_comp_sv {
	tallyi_sv name, guid;
	bool has_name, has_guid;
	const tallyi_rule_sv *rules;
	size_t nrules;
	const tallyi_msgstr *gms; /* globalMessageStrings */
	size_t ngms;
} tallyi_comp_sv;

int tallyi_json_component(tallyi_json *j, const char *p, size_t n,
    tallyi_comp_sv *out, tallyi_json_err *err);

/* An object of message strings (driver.globalMessageStrings). */
int tallyi_json_msgstrings(tallyi_json *j, const char *p, size_t n,
    const tallyi_msgstr **out, size_t *count, tallyi_json_err *err);

/* A configuration override (§3.51) that sets a level. */
typedef struct tallyi_override_sv {
	tallyi_ref desc;
	int level;
} tallyi_override_sv;

/* An invocation: its ruleConfigurationOverrides that set a level. */
int tallyi_json_invocation(tallyi_json *j, const char *p, size_t n,
    const tallyi_override_sv **out, size_t *count, tallyi_json_err *err);

/*
 * run.originalUriBaseIds: up to @cap entries, each a name, its uri and the
 * uriBaseId that uri is relative to (has_parent). Entries without a string
 * uri are skipped. *count receives how many were stored.
 */
typedef struct tallyi_base_sv {
	tallyi_sv name, uri, parent;
	bool has_parent;
} tallyi_base_sv;

int tallyi_json_base_ids(tallyi_json *j, const char *p, size_t n,
    tallyi_base_sv *out, size_t cap, size_t *count, tallyi_json_err *err);

/* An artifact: location.uri (has_uri). */
int tallyi_json_artifact(tallyi_json *j, const char *p, size_t n,
    tallyi_sv *uri, bool *has_uri, tallyi_json_err *err);

/* simdjson's UTF-8 validation of [p, p + n) (no padding needed). */
bool tallyi_json_utf8_ok(const char *p, size_t n);

/*
 * Offset of the first invalid UTF-8 byte in [p, p + n), or n when valid: a
 * plain scalar check (json_scan.c) that places an error the fast validator
 * only detected.
 */
size_t tallyi_utf8_first_invalid(const char *p, size_t n);

/* ------------------------------------------------------------------ */
/* The reader                                                          */

/* A raw-JSON span of the input. */
typedef struct tallyi_span {
	size_t off;
	size_t len;
} tallyi_span;

/*
 * One result and where its text lies. While its run is being read, @v holds
 * only what the result says itself: TALLY_ID_NONE for a rule, file or
 * message it leaves to the run, TALLYI_LEVEL_UNSET for a level from the
 * rule, and the two indexes that point into the run. When the run ends the
 * reader resolves @v in place; sinks see resolved results only, with
 * @rule_index then the index of its rule in tallyi_sarif_run.rules (the
 * driver's), or -1 when its rule is not one of the driver's.
 */
typedef struct tallyi_sarif_res {
	tally_violation v;
	tallyi_span span;
	int64_t rule_index; /* rule.index, else ruleIndex; -1 when absent */
	int64_t art_index;  /* -1 when absent */
	uint32_t plh;       /* primaryLocationLineHash (a TALLY_STR_MESSAGE
			       id, compared only with others), or
			       TALLY_ID_NONE */
	/* Bit fields: the record stays 80 bytes, as the reader holds one per
	 * result of an input (fresh pages, each a fault on some VMs). */
	unsigned supp : 2;     /* TALLYI_SUPP_* */
	unsigned baseline : 3; /* a tally_baseline + 1; 0 when absent */
	unsigned ext_rule : 1; /* rule.toolComponent names its component: its
				  rule indexes are not the driver's */
	unsigned has_ext : 1;  /* the reader's: it has a record of what is
				  left to resolve (kept in result order) */
} tallyi_sarif_res;

#define TALLYI_LEVEL_UNSET 0xff

/* A rule of a run's driver: its interned id and where its text lies. */
typedef struct tallyi_sarif_rule {
	uint32_t id; /* TALLY_STR_RULE id ("" for a rule without one) */
	int level;   /* defaultConfiguration.level, or -1 */
	tallyi_span span;
} tallyi_sarif_rule;

/*
 * Categories: a CWE number, or TALLYI_CAT_TAG | a tag's TALLY_STR_MESSAGE
 * id (sink ids; correlate.c re-interns tags in its own table).
 */
#define TALLYI_CAT_TAG 0x80000000u

typedef struct tallyi_cats {
	uint32_t n;
	uint32_t v[TALLYI_CATS];
} tallyi_cats;

/* What correlation keeps of one result (only when the sink wants it). */
typedef struct tallyi_corr_res {
	uint32_t flow[2]; /* tallyi_corr_fields.flow */
	uint32_t base;    /* uriBaseId, a TALLY_STR_MESSAGE id, or NONE */
	tallyi_cats cats; /* its own and, once resolved, its rule's */
} tallyi_corr_res;

/* One entry of run.originalUriBaseIds (TALLY_STR_MESSAGE ids). */
typedef struct tallyi_base_id {
	uint32_t name, uri, parent; /* parent: NONE when absent */
} tallyi_base_id;

/*
 * Everything a sink learns about one run once it is complete. Spans are
 * offsets into the input being read; arrays belong to the reader and are
 * valid during the call only.
 */
typedef struct tallyi_sarif_run {
	uint32_t tool;               /* TALLY_STR_TOOL id */
	size_t index;                /* position in "runs" */
	const tallyi_sarif_res *res;
	size_t nres;
	const tallyi_sarif_rule *rules;
	size_t nrules;
	const tallyi_span *driver_members; /* "key": value, rules excluded */
	size_t ndriver_members;
	const tallyi_span *artifacts;
	size_t nartifacts;
	tallyi_span column_kind;     /* len 0 when absent */
	tallyi_span uri_base_ids;    /* originalUriBaseIds, len 0 if absent */
	tallyi_span extensions;      /* tool.extensions, len 0 if absent */
	tallyi_span invocations;     /* run.invocations, len 0 if absent */
	tallyi_span automation;      /* run.automationDetails, as written;
					len 0 if absent (not validated) */
	bool self_contained;         /* its extensions, level overrides or
					message strings give its results
					their meaning: not to be merged
					with another run's */
	/* Only when the sink wants correlation (else NULL, 0): */
	const tallyi_corr_res *cres; /* one per result */
	const tallyi_base_id *bases;
	size_t nbases;
} tallyi_sarif_run;

/*
 * Where the reader's output goes. Interning and tool registration happen
 * while a run is read (the reader keeps a small cache in front of intern(),
 * checked against lookup(), so most strings never reach the sink's shared
 * table); run() is called when a run is complete. A non-zero
 * return from any callback stops the read with that status.
 */
typedef struct tallyi_sarif_sink {
	int (*tool)(void *ctx, const char *name, size_t len,
	    const char *version, size_t vlen, uint32_t *id);
	int (*intern)(void *ctx, tally_strkind kind, const char *s, size_t len,
	    uint32_t *id);
	/* The bytes of an id intern() returned (lock-free). */
	const char *(*lookup)(void *ctx, tally_strkind kind, uint32_t id,
	    size_t *len);
	int (*run)(void *ctx, const tallyi_sarif_run *run);
	void *ctx;
	bool want_corr; /* read the correlation fields (run.cres, bases) */
} tallyi_sarif_sink;

/*
 * Read one SARIF 2.1.0 log from @in into @sink. @rep gets results, runs,
 * bytes, and on error the status, offset and message. The sink decides what
 * an error means for what it already took (both sinks drop the input).
 * Return: TALLY_OK or the error.
 */
int tallyi_sarif_read(tallyi_input *in, const tallyi_sarif_sink *sink,
    const tally_sarif_options *opt, tally_sarif_report *rep);

/*
 * The sink callbacks that intern into an engine: @ctx points to a struct
 * whose first member is the tally_engine *.
 */
int tallyi_sink_tool(void *ctx, const char *name, size_t len,
    const char *version, size_t vlen, uint32_t *id);
int tallyi_sink_intern(void *ctx, tally_strkind kind, const char *s,
    size_t len, uint32_t *id);
const char *tallyi_sink_lookup(void *ctx, tally_strkind kind, uint32_t id,
    size_t *len);

/* A fresh report (no error; offset unknown). */
void tallyi_report_init(tally_sarif_report *rep);

/*
 * Field @f of @opt, or @dflt when @opt is NULL or older than the field
 * (a caller compiled against an earlier tally/sarif.h).
 */
#define TALLYI_OPT(opt, f, dflt) \
	((opt) != NULL && (opt)->struct_size >= \
	    offsetof(tally_sarif_options, f) + sizeof((opt)->f) ? \
	    (opt)->f : (dflt))

/* TALLY_OK when @opt is NULL or recent enough, else TALLY_EINVAL. */
int tallyi_check_options(const tally_sarif_options *opt);

/* @opt's correlation index, when @opt is recent enough to hold one. */
struct tally_corr *tallyi_opt_corr(const tally_sarif_options *opt);

/* Fill @rep's error (message printf-style; @rep may be NULL). */
#define tallyi_report_error(rep, ...) \
	((void)tallyi_error_set((rep) != NULL ? &(rep)->error : NULL, \
	    __VA_ARGS__))

/*
 * Normalise an artifact URI as the definitions say: drop a leading
 * "file://", fold runs of '/' into one, then drop leading "./". Writes at
 * most @n bytes to @out and returns the new length.
 */
size_t tallyi_uri_normalize(const char *uri, size_t n, char *out);

/* ------------------------------------------------------------------ */
/* Baselines (sarif_diff.c)                                            */

/* One result of one side of a classification. */
typedef struct tallyi_diff_res {
	tally_violation v;
	uint32_t plh;    /* primaryLocationLineHash id, or TALLY_ID_NONE */
	uint64_t index;  /* in its log: reading order, from 0 */
	uint64_t match;  /* set by the classification: the matched result's
			    index on the other side + 1, or 0 */
	uint8_t state;   /* a tally_baseline, when matched */
} tallyi_diff_res;

typedef struct tallyi_diff_side {
	tallyi_diff_res *r; /* r[i].index == i */
	size_t n, cap;
} tallyi_diff_side;

/*
 * Match @o (the baseline) and @n (the newer results), whose ids come from
 * one string space, by the passes tally_sarif_diff_create() documents. An
 * unmatched result of @n is new, of @o absent. Return: TALLY_OK or
 * TALLY_ENOMEM.
 */
int tallyi_diff_classify(tallyi_diff_side *o, tallyi_diff_side *n,
    const struct tallyi_mem *mem);

/* ------------------------------------------------------------------ */
/* States (sarif_states.c)                                             */

/*
 * One result's state, staged until its input commits: the 128-bit key of
 * (the result's strings and numbers, which state, its value), which no
 * engine's ids enter, so stored inputs keep it (sarif_ingest.c).
 */
typedef struct tallyi_state_ent {
	uint64_t hi, lo;
	uint8_t what;   /* 0: suppression status, 1: baselineState */
	uint8_t value;  /* a tally_suppression or a tally_baseline */
	uint8_t pad[6]; /* zero */
} tallyi_state_ent;

/* Stage the states of @run's results into @st (tallyi_state_ent). */
int tallyi_states_stage_run(const struct tallyi_mem *mem, tallyi_vec *st,
    const tallyi_sarif_run *run,
    const char *(*lookup)(void *ctx, tally_strkind kind, uint32_t id,
    size_t *len), void *ctx);

/* Count the staged states not yet seen. Return: TALLY_OK, TALLY_ENOMEM. */
int tallyi_states_commit(tally_sarif_states *s, const tallyi_vec *st);

/* ------------------------------------------------------------------ */
/* Parts (part.c)                                                       */

/* A result staged for a part: what the part keeps of it. */
typedef struct tallyi_part_ent {
	tally_violation v;
	uint8_t supp;     /* TALLYI_SUPP_* */
	uint8_t baseline; /* a tally_baseline + 1; 0 when absent */
	uint64_t count;
	uint32_t cwe;     /* its first CWE, 0 for none */
} tallyi_part_ent;

struct tally_part;

/* Add the staged results (tallyi_part_ent) of one good input, whole. */
int tallyi_part_commit(struct tally_part *p, const tallyi_vec *staged);

/* Add the part @in holds (whole, uncompressed) to @p without SARIF. */
int tallyi_part_absorb(struct tally_part *p, const tallyi_input *in,
    uint64_t max, bool include_suppressed, tally_sarif_report *rep);

/*
 * Read one input (the file @path, or @len bytes at @buf when @path is
 * NULL) into part @p, whose strings engine is @e: as
 * tally_sarif_read_file(), but the results are staged for the part, not
 * submitted.
 */
int tallyi_read_part(struct tally_part *p, tally_engine *e, const char *path,
    const void *buf, size_t len, const tally_sarif_options *opt,
    tally_sarif_report *rep);

/* ------------------------------------------------------------------ */
/* Correlation (correlate.c)                                           */

struct tally_corr;

/*
 * The records of one input, converted into the index's strings but not
 * yet in it: an input is all or nothing there too. A vector of records
 * private to correlate.c.
 */
typedef tallyi_vec tallyi_corr_stage;

/*
 * Convert a finished run of a sink that wants correlation. Only results
 * with a category are staged; @pos (run->nres entries, or NULL) receives
 * each result's position in the stage, or TALLY_ID_NONE.
 */
int tallyi_corr_stage_run(struct tally_corr *c, tallyi_corr_stage *st,
    const tallyi_sarif_run *run,
    const char *(*lookup)(void *ctx, tally_strkind kind, uint32_t id,
    size_t *len), void *ctx, uint32_t *pos);

/*
 * Add the staged records (duplicates of records already in are dropped).
 * @idx, when not NULL, receives each staged record's index in the index
 * (st->n entries). Empties the stage. Return: TALLY_OK, TALLY_ENOMEM.
 */
int tallyi_corr_commit(struct tally_corr *c, tallyi_corr_stage *st,
    uint32_t *idx);

void tallyi_corr_stage_free(struct tally_corr *c, tallyi_corr_stage *st);

/*
 * Write @m's results in @format (not SARIF) to @path, replacing it only
 * when complete (formats/merge_report.c). Return: as
 * tally_sarif_merge_write().
 */
int tallyi_report_write(tally_sarif_merge *m, const struct tallyi_mem *mem,
    tally_merge_format format, const char *path, tally_error *err);

/* The cluster of record @idx after tally_corr_compute(), or -1. */
int64_t tallyi_corr_cluster_of(const struct tally_corr *c, uint32_t idx);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_FORMATS_SARIF_INTERNAL_H */
