/*
 * formats/native.h - the formats that are not SARIF (internal).
 *
 * An input that is not SARIF is converted, whole and in memory, into a
 * SARIF 2.1.0 log that the input owns from then on (decode.c), and that
 * log is what every reader reads: summary, merge, diff, the cache and
 * correlation see one format. So a native format needs nothing of its own
 * past its converter, and merge writes native inputs out as SARIF.
 *
 * A converter validates its input as it goes (the syntax of its format,
 * the types of the fields it reads, UTF-8) and reports the first problem
 * with its byte offset in the input and what was expected; then nothing of
 * the input is counted. What each format's fields become is the table in
 * tally/sarif.h.
 */
#ifndef TALLY_FORMATS_NATIVE_H
#define TALLY_FORMATS_NATIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/vec.h"
#include "formats/sarif_internal.h"

typedef enum tallyi_format {
	TALLYI_FMT_AUTO = 0,
	TALLYI_FMT_SARIF,
	TALLYI_FMT_GCC_JSON,
	TALLYI_FMT_SHELLCHECK_JSON1,
	TALLYI_FMT_CHECKSTYLE,
	TALLYI_FMT_CPPCHECK_XML,
	TALLYI_FMT_CLANG_TIDY_YAML,
	TALLYI_FMT_ESLINT_JSON,
	TALLYI_FMT_PYLINT_JSON,
	TALLYI_FMT_CODECLIMATE,
	TALLYI_FMT_PART,
	TALLYI_FMT_COUNT
} tallyi_format;

/* The name --input-format takes, and back (false: no such format). */
const char *tallyi_format_name(tallyi_format f);
bool tallyi_format_parse(const char *name, tallyi_format *out);

/*
 * The format of the bytes at @p (@n of them, possibly only the start of the
 * input): by content, never by file name. Anything that is not recognised
 * as one of the native formats is SARIF, so that the SARIF reader says
 * what is wrong with it. TALLYI_FMT_AUTO: the @n bytes end before they
 * tell (a first gcc diagnostic, or a run of empty arrays, longer than
 * them); the whole input then decides.
 */
tallyi_format tallyi_format_sniff(const char *p, size_t n);

/*
 * Decompress (gzip or zstd, by magic number) and convert (@fmt, or what
 * tallyi_format_sniff() finds) the whole input @in in place: afterwards it
 * holds SARIF 2.1.0 with padding, in a buffer it owns. An input that is
 * plain SARIF is left as it is. Errors carry the offset in the input's
 * (decompressed) bytes. @max bounds the decompressed size.
 * Return: TALLY_OK or the error, with @rep filled.
 */
int tallyi_input_decode(tallyi_input *in, tallyi_format fmt, uint64_t max,
    tally_sarif_report *rep);

/* Does @in start with a gzip or zstd magic number? */
bool tallyi_input_compressed(const tallyi_input *in);

/*
 * The format @opt's input_format names (NULL, "auto": TALLYI_FMT_AUTO).
 * Return: TALLY_OK, or TALLY_EINVAL with @rep filled for an unknown name.
 */
int tallyi_opt_format(const tally_sarif_options *opt, tallyi_format *f,
    tally_sarif_report *rep);

/* tallyi_input_open() then tallyi_input_decode() as @opt says. */
int tallyi_input_open_decoded(tallyi_input *in, const char *path,
    const tally_sarif_options *opt, const struct tallyi_mem *mem,
    tally_sarif_report *rep);

/* ------------------------------------------------------------------ */
/* Writing the SARIF log (native_emit.c)                               */

/*
 * A string for the log: @json says @p holds the contents of a JSON string
 * as written (escapes and all, already validated), which is copied as is;
 * otherwise @p holds the bytes themselves (valid UTF-8), escaped when
 * written. @p NULL: absent.
 */
typedef struct tallyi_nstr {
	const char *p;
	size_t n;
	bool json;
} tallyi_nstr;

/* A location of a result: a file, a region, a message for related ones. */
typedef struct tallyi_nloc {
	tallyi_nstr file;
	uint64_t line, column, end_line, end_column; /* 0: absent */
	uint64_t offset;     /* region.byteOffset, when has_offset */
	bool has_offset;
	tallyi_nstr message;
} tallyi_nloc;

/* One result as a converter hands it over. */
typedef struct tallyi_nres {
	tallyi_nstr rule;
	const char *level;         /* "error", "warning", "note", "none" */
	tallyi_nstr message;
	tallyi_nloc loc;           /* loc.message unused */
	const tallyi_nloc *related;
	size_t nrelated;
	uint32_t cwe;              /* 0: none */
	bool inconclusive;         /* properties.inconclusive (cppcheck) */
	bool suppressed;           /* suppressed in the source (ESLint) */
	tallyi_nstr justification; /* the suppression's, when suppressed */
	const char *supp_status;   /* else an external suppression of this
				      status ("accepted", ...), or NULL */
	const char *baseline;      /* baselineState, or NULL */
} tallyi_nres;

typedef struct tallyi_emit {
	const struct tallyi_mem *mem;
	tallyi_vec res;       /* the log, up to its last result */
	tallyi_vec rules;     /* the rules' text, comma separated */
	tallyi_vec rule_ent;  /* (offset, length, hash) of each rule id */
	tallyi_vec scratch;   /* a rule id being looked up, as written */
	uint32_t *rule_tab;   /* open addressing over rule_ent, 0 = empty */
	size_t rule_cap;
	size_t nres;
	bool oom;
} tallyi_emit;

/* Start a log; @hint: the input's size, to size the log's buffer. */
void tallyi_emit_init(tallyi_emit *em, const struct tallyi_mem *mem,
    size_t hint);
void tallyi_emit_free(tallyi_emit *em);

/*
 * Add a rule (once per id: later calls with the same id are ignored), with
 * its help URI when @help.p is not NULL.
 */
void tallyi_emit_rule(tallyi_emit *em, tallyi_nstr id, tallyi_nstr help);

/* Add a result (its rule is added too when it has one). */
void tallyi_emit_result(tallyi_emit *em, const tallyi_nres *r);

/*
 * End the log: one run of the tool @name (version and information URI
 * when not NULL) with the rules and results added; it then replaces the
 * bytes @in holds (with TALLYI_JSON_PADDING zero bytes after it).
 * Return: TALLY_OK or TALLY_ENOMEM (also when an add ran out of memory).
 */
int tallyi_emit_finish(tallyi_emit *em, tallyi_input *in, const char *name,
    const char *version, const char *uri);

/*
 * For an input of several tools' results (codeclimate's engine_name, a
 * part's tools): end the run so far as one of the tool @name (@version
 * and information URI @uri when not NULL) and start the next; its rules
 * start afresh. Results added before the first call belong to the first
 * run.
 */
void tallyi_emit_run_next(tallyi_emit *em, tallyi_nstr name,
    tallyi_nstr version, const char *uri);

/* tallyi_emit_finish() with the last run's tool named by tallyi_nstrs. */
int tallyi_emit_finish_tool(tallyi_emit *em, tallyi_input *in,
    tallyi_nstr name, tallyi_nstr version, const char *uri);

/* ------------------------------------------------------------------ */
/* The converters: @in holds the whole input; on success it holds SARIF. */

int tallyi_native_gcc_json(tallyi_input *in, tally_sarif_report *rep);
int tallyi_native_shellcheck_json1(tallyi_input *in, tally_sarif_report *rep);
int tallyi_native_checkstyle(tallyi_input *in, tally_sarif_report *rep);
int tallyi_native_cppcheck_xml(tallyi_input *in, tally_sarif_report *rep);
int tallyi_native_clang_tidy_yaml(tallyi_input *in, tally_sarif_report *rep);
int tallyi_native_eslint_json(tallyi_input *in, tally_sarif_report *rep);
int tallyi_native_pylint_json(tallyi_input *in, tally_sarif_report *rep);
int tallyi_native_codeclimate(tallyi_input *in, tally_sarif_report *rep);

/* A tally part (part.c); @max bounds its body and the log written. */
int tallyi_native_part(tallyi_input *in, uint64_t max,
    tally_sarif_report *rep);

/* Do the @n bytes at @p begin with a part's magic number? */
bool tallyi_part_magic(const char *p, size_t n);

/*
 * Does @p (@n bytes, perhaps only the start of the input) begin as
 * clang-tidy's YAML does ("---", "%YAML", "MainSourceFile:" or
 * "Diagnostics:" first)? With @partial, a start that could still become
 * one of those counts too (a stream still arriving).
 */
bool tallyi_yaml_start(const char *p, size_t n, bool partial);

#endif /* TALLY_FORMATS_NATIVE_H */
