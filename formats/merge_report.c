/*
 * formats/merge_report.c - a merge's results written for CI systems that
 * do not read SARIF: Code Climate JSON (GitLab's code quality report),
 * JUnit XML (test report widgets) and CSV (spreadsheets, scripts).
 *
 * Each writer walks tally_sarif_merge_foreach(), so the results are
 * exactly the merged log's, annotated the same way, and the output file is
 * replaced only when complete (engine/outfile.h), as the SARIF log is.
 * Code Climate and JUnit need the whole list first (fingerprint ranks,
 * grouping by tool and file); the strings stay the merge's, only a record
 * of pointers per result is held.
 */
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "engine/alloc.h"
#include "engine/outfile.h"
#include "engine/toolkit.h"
#include "engine/vec.h"
#include "formats/sarif_internal.h"
#include "tally/sarif.h"

/* A result kept for the writers that sort: the record and its rank. */
typedef struct row {
	tally_sarif_merge_result r;
	size_t seq;        /* order of the walk */
	uint64_t key;      /* hash of (tool, rule, file, content) */
	uint64_t rank;     /* among the rows with this key, by line */
} row;

typedef struct collect {
	const tallyi_mem *mem;
	tallyi_vec rows;   /* row */
} collect;

static int
collect_one(void *arg, const tally_sarif_merge_result *r)
{
	collect *c = arg;
	row *w = tallyi_vec_push(c->mem, &c->rows, sizeof(row));

	if (w == NULL)
		return TALLY_ENOMEM;
	*w = (row){ .r = *r, .seq = c->rows.n - 1 };
	return 0;
}

static void
put_n(FILE *f, const char *s, size_t n)
{
	if (n > 0)
		(void)fwrite(s, 1, n, f);
}

static void
put_z(FILE *f, const char *s)
{
	put_n(f, s, strlen(s));
}

static void
put_u64(FILE *f, uint64_t v)
{
	fprintf(f, "%llu", (unsigned long long)v);
}

static void
put_json(FILE *f, const char *s, size_t n)
{
	tallyi_json_str(tallyi_put_file, f, s, n);
}

/* ------------------------------------------------------------------ */
/* Code Climate                                                        */

/* Feed @s to @st with its length first, so that fields cannot run into
 * each other ("ab","c" and "a","bc" hash apart). */
static void
hash_field(XXH3_state_t *st, const char *s, size_t n)
{
	uint64_t len = n;

	(void)XXH3_128bits_update(st, &len, sizeof(len));
	(void)XXH3_128bits_update(st, s, n);
}

/* What the fingerprint says a result is, besides where: its line hash
 * when it has one (the text of its line), else its message. */
static void
content(const tally_sarif_merge_result *r, const char **s, size_t *n)
{
	*s = r->line_hash != NULL ? r->line_hash : r->message;
	*n = r->line_hash != NULL ? r->line_hash_len : r->message_len;
}

/* The hash of tool, rule, file and content; then of @rank, when given. */
static XXH128_hash_t
key_hash(const tally_sarif_merge_result *r, const uint64_t *rank)
{
	const char *c;
	size_t cn;
	XXH3_state_t st;

	content(r, &c, &cn);
	XXH3_INITSTATE(&st);
	(void)XXH3_128bits_reset(&st);
	hash_field(&st, r->tool, r->tool_len);
	hash_field(&st, r->rule, r->rule_len);
	hash_field(&st, r->file, r->file_len);
	hash_field(&st, c, cn);
	if (rank != NULL)
		(void)XXH3_128bits_update(&st, rank, sizeof(*rank));
	return XXH3_128bits_digest(&st);
}

static int
str_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c != 0 ? c : (an > bn) - (an < bn);
}

/* Rows of one key together, then by place in the file, then walk order. */
static int
rank_cmp(const void *pa, const void *pb)
{
	const row *a = *(const row *const *)pa, *b = *(const row *const *)pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->r.line != b->r.line)
		return a->r.line < b->r.line ? -1 : 1;
	if (a->r.column != b->r.column)
		return a->r.column < b->r.column ? -1 : 1;
	if (a->r.offset != b->r.offset)
		return a->r.offset < b->r.offset ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/*
 * Give each row its rank among the rows of its key, by line. Rows whose
 * keys' 64-bit hashes collide only share a rank sequence: their
 * fingerprints (128 bits of the fields themselves) still differ.
 */
static int
rank_rows(const tallyi_mem *mem, row *rows, size_t n)
{
	row **by = tallyi_alloc(mem, (n + 1) * sizeof(*by));

	if (by == NULL)
		return TALLY_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		rows[i].key = key_hash(&rows[i].r, NULL).low64;
		by[i] = &rows[i];
	}
	qsort(by, n, sizeof(*by), rank_cmp);
	for (size_t i = 0; i < n; i++)
		by[i]->rank = i > 0 && by[i - 1]->key == by[i]->key ?
		    by[i - 1]->rank + 1 : 0;
	tallyi_free(mem, by, (n + 1) * sizeof(*by));
	return TALLY_OK;
}

static void
fingerprint(const row *w, char hex[33])
{
	XXH128_hash_t h = key_hash(&w->r, &w->rank);

	snprintf(hex, 33, "%016llx%016llx", (unsigned long long)h.high64,
	    (unsigned long long)h.low64);
}

/* SARIF level -> Code Climate severity. */
static const char *
cc_severity(tally_level l)
{
	static const char *const sev[TALLY_LEVEL_COUNT] = {
		[TALLY_LEVEL_NONE] = "info", [TALLY_LEVEL_NOTE] = "minor",
		[TALLY_LEVEL_WARNING] = "major",
		[TALLY_LEVEL_ERROR] = "critical",
	};

	return (unsigned)l < TALLY_LEVEL_COUNT ? sev[l] : "info";
}

static void
write_codeclimate(FILE *f, const row *rows, size_t n)
{
	bool first = true;
	char fp[33];

	put_z(f, "[");
	for (size_t i = 0; i < n; i++) {
		const tally_sarif_merge_result *r = &rows[i].r;

		if (r->suppressed || r->state == TALLY_BASELINE_ABSENT)
			continue;
		fingerprint(&rows[i], fp);
		put_z(f, first ? "\n" : ",\n");
		first = false;
		put_z(f, "{\"type\":\"issue\",\"check_name\":");
		put_json(f, r->rule, r->rule_len);
		put_z(f, ",\"description\":");
		put_json(f, r->message, r->message_len);
		put_z(f, ",\"categories\":[\"Bug Risk\"],\"engine_name\":");
		put_json(f, r->tool, r->tool_len);
		put_z(f, ",\"severity\":\"");
		put_z(f, cc_severity(r->level));
		put_z(f, "\",\"fingerprint\":\"");
		put_z(f, fp);
		/* A location is required: one without a line is put on the
		 * file's first line. */
		put_z(f, "\",\"location\":{\"path\":");
		put_json(f, r->file, r->file_len);
		if (r->line != 0 && r->column != 0) {
			put_z(f, ",\"positions\":{\"begin\":{\"line\":");
			put_u64(f, r->line);
			put_z(f, ",\"column\":");
			put_u64(f, r->column);
			put_z(f, "}}}}");
		} else {
			put_z(f, ",\"lines\":{\"begin\":");
			put_u64(f, r->line != 0 ? r->line : 1);
			put_z(f, "}}}");
		}
	}
	put_z(f, first ? "]\n" : "\n]\n");
}

/* ------------------------------------------------------------------ */
/* JUnit XML                                                           */

/*
 * XML text or attribute value: the five markup characters as entities;
 * tab, newline and carriage return as character references (attribute
 * values would otherwise fold them to spaces); the other C0 controls,
 * which XML 1.0 cannot hold at all, as U+FFFD.
 */
static void
put_xml(FILE *f, const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *ent;
		char ref[8];

		switch (c) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&apos;"; break;
		default:
			if (c >= 0x20)
				continue;
			if (c == '\t' || c == '\n' || c == '\r') {
				snprintf(ref, sizeof(ref), "&#%u;", c);
				ent = ref;
			} else {
				ent = "\xef\xbf\xbd";
			}
		}
		put_n(f, s + run, i - run);
		put_z(f, ent);
		run = i + 1;
	}
	put_n(f, s + run, n - run);
}

/* "file:line:column", the parts there are. */
static void
put_where(FILE *f, const tally_sarif_merge_result *r)
{
	put_xml(f, r->file, r->file_len);
	if (r->line != 0) {
		fprintf(f, ":%u", r->line);
		if (r->column != 0)
			fprintf(f, ":%u", r->column);
	}
}

static bool
fails(const tally_sarif_merge_result *r)
{
	return !r->suppressed && r->level >= TALLY_LEVEL_WARNING;
}

static int
walk_cmp(const row *a, const row *b)
{
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* By tool, then walk order: the suites of JUnit per result. */
static int
tool_cmp(const void *pa, const void *pb)
{
	const row *a = pa, *b = pb;
	int c = str_cmp(a->r.tool, a->r.tool_len, b->r.tool, b->r.tool_len);

	return c != 0 ? c : walk_cmp(a, b);
}

/* By tool, file, then walk order: the suites and cases per file. */
static int
tool_file_cmp(const void *pa, const void *pb)
{
	const row *a = pa, *b = pb;
	int c = str_cmp(a->r.tool, a->r.tool_len, b->r.tool, b->r.tool_len);

	if (c == 0)
		c = str_cmp(a->r.file, a->r.file_len, b->r.file,
		    b->r.file_len);
	return c != 0 ? c : walk_cmp(a, b);
}

static bool
same_str(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && memcmp(a, b, an) == 0;
}

/* One result's lines in a failure or system-out: "level rule at where". */
static void
put_result_text(FILE *f, const tally_sarif_merge_result *r)
{
	put_z(f, tally_level_name(r->level));
	put_z(f, r->suppressed ? " (suppressed) " : " ");
	put_xml(f, r->rule, r->rule_len);
	put_z(f, " at ");
	put_where(f, r);
	put_z(f, ": ");
	put_xml(f, r->message, r->message_len);
	put_z(f, "&#10;");
}

static void
junit_case_result(FILE *f, const tally_sarif_merge_result *r)
{
	put_z(f, "    <testcase classname=\"");
	put_xml(f, r->tool, r->tool_len);
	put_z(f, "\" name=\"");
	put_xml(f, r->rule, r->rule_len);
	put_z(f, " at ");
	put_where(f, r);
	put_z(f, "\" file=\"");
	put_xml(f, r->file, r->file_len);
	if (r->line != 0)
		fprintf(f, "\" line=\"%u", r->line);
	put_z(f, "\">\n");
	if (r->suppressed) {
		put_z(f, "      <skipped message=\"suppressed\"/>\n");
	} else if (fails(r)) {
		put_z(f, "      <failure type=\"");
		put_z(f, tally_level_name(r->level));
		put_z(f, "\" message=\"");
		put_xml(f, r->message, r->message_len);
		put_z(f, "\">");
		put_result_text(f, r);
		put_z(f, "</failure>\n");
	} else {
		put_z(f, "      <system-out>");
		put_result_text(f, r);
		put_z(f, "</system-out>\n");
	}
	put_z(f, "    </testcase>\n");
}

/* One file's results rows[0..n) as one testcase. */
static void
junit_case_file(FILE *f, const row *rows, size_t n)
{
	const tally_sarif_merge_result *r0 = &rows[0].r;
	size_t nfail = 0, nsupp = 0;

	for (size_t i = 0; i < n; i++) {
		nfail += fails(&rows[i].r);
		nsupp += rows[i].r.suppressed;
	}
	put_z(f, "    <testcase classname=\"");
	put_xml(f, r0->tool, r0->tool_len);
	put_z(f, "\" name=\"");
	put_xml(f, r0->file, r0->file_len);
	put_z(f, "\" file=\"");
	put_xml(f, r0->file, r0->file_len);
	put_z(f, "\">\n");
	if (nfail > 0) {
		fprintf(f, "      <failure type=\"%s\" message=\"%zu result%s "
		    "at warning or error\">", "tally", nfail, nfail == 1 ? "" :
		    "s");
		for (size_t i = 0; i < n; i++)
			if (fails(&rows[i].r))
				put_result_text(f, &rows[i].r);
		put_z(f, "</failure>\n");
	} else if (nsupp == n) {
		put_z(f, "      <skipped message=\"suppressed\"/>\n");
	}
	if (nfail < n) {
		put_z(f, "      <system-out>");
		for (size_t i = 0; i < n; i++)
			if (!fails(&rows[i].r))
				put_result_text(f, &rows[i].r);
		put_z(f, "</system-out>\n");
	}
	put_z(f, "    </testcase>\n");
}

/* The end of the group of rows[i] (tool; with @by_file, file too). */
static size_t
group_end(const row *rows, size_t n, size_t i, bool by_file)
{
	const tally_sarif_merge_result *a = &rows[i].r;
	size_t j = i + 1;

	for (; j < n; j++) {
		const tally_sarif_merge_result *b = &rows[j].r;

		if (!same_str(a->tool, a->tool_len, b->tool, b->tool_len) ||
		    (by_file && !same_str(a->file, a->file_len, b->file,
		    b->file_len)))
			break;
	}
	return j;
}

/* Test cases, failures and skipped ones among rows[i..end). */
typedef struct tally3 {
	size_t tests, failures, skipped;
} tally3;

static tally3
count_cases(const row *rows, size_t i, size_t end, bool by_file)
{
	tally3 t = { 0, 0, 0 };

	while (i < end) {
		size_t e = by_file ? group_end(rows, end, i, true) : i + 1;
		size_t nf = 0, ns = 0;

		for (size_t k = i; k < e; k++) {
			nf += fails(&rows[k].r);
			ns += rows[k].r.suppressed;
		}
		t.tests++;
		t.failures += nf > 0;
		t.skipped += nf == 0 && ns == e - i;
		i = e;
	}
	return t;
}

/* @rows, absent ones dropped, sorted by tool (and file): one suite each. */
static void
write_junit(FILE *f, row *rows, size_t n, bool by_file)
{
	size_t m = 0;
	tally3 all;

	for (size_t i = 0; i < n; i++)
		if (rows[i].r.state != TALLY_BASELINE_ABSENT)
			rows[m++] = rows[i];
	n = m;
	qsort(rows, n, sizeof(*rows), by_file ? tool_file_cmp : tool_cmp);
	all = count_cases(rows, 0, n, by_file);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites name=\"tally\" tests=\"%zu\" failures=\"%zu\" "
	    "errors=\"0\" skipped=\"%zu\">\n", all.tests, all.failures,
	    all.skipped);
	for (size_t i = 0; i < n;) {
		size_t end = group_end(rows, n, i, false);
		tally3 t = count_cases(rows, i, end, by_file);

		put_z(f, "  <testsuite name=\"");
		put_xml(f, rows[i].r.tool, rows[i].r.tool_len);
		fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
		    "skipped=\"%zu\">\n", t.tests, t.failures, t.skipped);
		for (size_t k = i; k < end;) {
			size_t e = by_file ? group_end(rows, end, k, true) :
			    k + 1;

			if (by_file)
				junit_case_file(f, rows + k, e - k);
			else
				junit_case_result(f, &rows[k].r);
			k = e;
		}
		put_z(f, "  </testsuite>\n");
		i = end;
	}
	put_z(f, "</testsuites>\n");
}

/* ------------------------------------------------------------------ */
/* CSV                                                                 */

/* An RFC 4180 field: quoted, quotes doubled, when it holds a comma, a
 * quote or a line break; as is otherwise. */
static void
put_csv(FILE *f, const char *s, size_t n)
{
	bool quote = false;

	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' ||
		    s[i] == '\r';
	if (!quote) {
		put_n(f, s, n);
		return;
	}
	put_z(f, "\"");
	for (size_t i = 0, run = 0; i <= n; i++) {
		if (i == n) {
			put_n(f, s + run, n - run);
		} else if (s[i] == '"') {
			put_n(f, s + run, i + 1 - run);   /* with the quote */
			put_z(f, "\"");
			run = i + 1;
		}
	}
	put_z(f, "\"");
}

static int
csv_row(void *arg, const tally_sarif_merge_result *r)
{
	FILE *f = arg;

	put_csv(f, r->tool, r->tool_len);
	put_z(f, ",");
	put_csv(f, r->rule, r->rule_len);
	put_z(f, ",");
	put_z(f, tally_level_name(r->level));
	put_z(f, ",");
	put_csv(f, r->file, r->file_len);
	put_z(f, ",");
	if (r->line != 0)
		put_u64(f, r->line);
	put_z(f, ",");
	if (r->column != 0)
		put_u64(f, r->column);
	put_z(f, ",");
	put_csv(f, r->message, r->message_len);
	put_z(f, r->suppressed ? ",true," : ",false,");
	if (r->state >= 0)
		put_z(f, tally_sarif_baseline_name((tally_baseline)r->state));
	put_z(f, "\r\n");
	return 0;
}

/* ------------------------------------------------------------------ */

int
tallyi_report_write(tally_sarif_merge *m, const tallyi_mem *mem,
    tally_merge_format format, const char *path, tally_error *err)
{
	collect c = { .mem = mem };
	tallyi_outfile out;
	int rc = TALLY_OK;

	if (format != TALLY_MERGE_CSV) {
		rc = tally_sarif_merge_foreach(m, collect_one, &c);
		if (rc == TALLY_OK && format == TALLY_MERGE_CODECLIMATE)
			rc = rank_rows(mem, c.rows.p, c.rows.n);
		if (rc != TALLY_OK) {
			tallyi_vec_free(mem, &c.rows, sizeof(row));
			return tallyi_error_set(err, rc, UINT64_MAX,
			    "out of memory while writing %s", path);
		}
	}
	if ((rc = tallyi_outfile_open(&out, path, mem, err)) != TALLY_OK) {
		tallyi_vec_free(mem, &c.rows, sizeof(row));
		return rc;
	}
	switch (format) {
	case TALLY_MERGE_CODECLIMATE:
		write_codeclimate(out.f, c.rows.p, c.rows.n);
		break;
	case TALLY_MERGE_JUNIT:
	case TALLY_MERGE_JUNIT_FILES:
		write_junit(out.f, c.rows.p, c.rows.n,
		    format == TALLY_MERGE_JUNIT_FILES);
		break;
	default:
		put_z(out.f, "tool,rule,level,file,line,column,message,"
		    "suppressed,baseline_state\r\n");
		rc = tally_sarif_merge_foreach(m, csv_row, out.f);
		break;
	}
	tallyi_vec_free(mem, &c.rows, sizeof(row));
	if (rc != TALLY_OK) {
		tallyi_outfile_abort(&out);
		return tallyi_error_set(err, rc, UINT64_MAX,
		    "out of memory while writing %s", path);
	}
	return tallyi_outfile_commit(&out, err);
}
