/*
 * cli/cmd_export.c - `tally export`: the unique results of the inputs as
 * rows for ClickHouse, written out or inserted over its HTTP interface.
 *
 * The inputs are reduced to a part first (tally/part.h): each unique
 * result once, with its count and states, and its 128-bit key. The rows
 * are JSONEachRow: ClickHouse reads them by column name, so a table may
 * add columns or order them as it likes, and a person can read and
 * replay a batch with curl. (RowBinary would save the server its JSON
 * parsing, and tie every batch to one column list and order.)
 *
 * Inserting: batches of at most BATCH_ROWS rows, each POSTed as
 * "INSERT INTO T FORMAT JSONEachRow"; a batch that fails for the network
 * or a server error (5xx) is sent again, up to RETRIES times, waiting
 * longer each time. ClickHouse answers 500 for rows it can never take
 * too (an unknown column, rows it cannot parse): its answer starts with
 * "Code: N", and those codes are not tried again. Sending a batch twice never counts twice: the
 * table's engine collapses rows with equal (source, key), and the
 * queries count distinct keys (clickhouse/schema.sql). A refusal (4xx: no
 * such table, a column it lacks) is not retried: it is said, with the
 * server's answer, and the command fails.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "cli/cmd.h"
#include "cli/inputs.h"
#include "cli/opts.h"
#include "cli/out.h"
#include "engine/outfile.h"
#include "engine/toolkit.h"

#define BATCH_ROWS 100000
#define RETRIES 5

static const char help[] =
"Usage: tally export [OPTION]... FILE...\n"
"\n"
"Write the unique results of the inputs (logs in any format the readers\n"
"take, parts from 'tally pack' too) as rows for a ClickHouse table, one\n"
"JSON object a line (JSONEachRow), to standard output or -o FILE; or,\n"
"with --clickhouse-url, insert them over ClickHouse's HTTP interface in\n"
"batches of 100,000 rows, a batch that fails for the network or a\n"
"server error sent again (up to 5 times): rows equal in source, key,\n"
"level and states collapse in the table of clickhouse/schema.sql, so a\n"
"batch sent twice never counts twice.\n"
"Columns: key (32 hex digits: the result's 128-bit key, the same in\n"
"every process), source, tool, tool_version, rule, file, line, column,\n"
"offset, level, message, suppressed (1: suppressed in its source, and\n"
"not read as active by --include-suppressed),\n"
"suppression (accepted, underReview, rejected or \"\"), baseline (new,\n"
"unchanged, updated, absent or \"\"), cwe (its first CWE, else 0),\n"
"count (how many times the inputs held it), seq (the row's place in\n"
"reading order: a result read with two levels counts at its first, as in\n"
"summary). An input that cannot be read is reported on stderr and left\n"
"out; the others are still exported (exit 2).\n"
"\n"
"Options:\n"
"  -f, --format FMT    clickhouse (the default and only one: JSONEachRow)\n"
"  -o, --output FILE   write the rows to FILE (default '-': standard\n"
"                      output); not with --clickhouse-url\n"
"      --clickhouse-url URL\n"
"                      insert into the server at URL (its HTTP interface:\n"
"                      http://host:8123/; user and password as\n"
"                      http://user:pass@host:8123/). Add\n"
"                      ?insert_distributed_sync=1 for a Distributed table\n"
"                      when the rows must be in place when export returns\n"
"                      (a shard that is down then fails the batch, which\n"
"                      is sent again, instead of being queued)\n"
"      --table NAME    the table to insert into (default tally_results:\n"
"                      the Distributed table of clickhouse/schema.sql)\n"
"      --source LABEL  the rows' source: what ran, as repository@commit/job\n"
"                      or any label (default \"\"); summaries select sources\n"
"      --progress      always show progress on stderr\n"
"      --no-progress   never show progress (default: shown when stderr is a\n"
"                      terminal and the inputs exceed 64 MiB)\n"
"      --include-suppressed\n"
"                      read suppressed results as active ones\n"
"      --input-format NAME\n"
"                      read every input as NAME: sarif, gcc-json,\n"
"                      shellcheck-json1, checkstyle, cppcheck-xml,\n"
"                      clang-tidy-yaml, eslint-json, pylint-json,\n"
"                      codeclimate, tally-part (default: auto, told by\n"
"                      content; gzip and zstd are undone first)\n"
"      --max-input-bytes N\n"
"                      refuse an input over N bytes (512M, 4G; default 4G)\n"
"  -v, --verbose       print each input's warnings on stderr\n"
"      --stats         print rows, time and rows/s on stderr\n"
"  -h, --help          show this help and exit\n"
"\n"
"Exit status: 0 success, 2 usage, input or output error, or an insert\n"
"that failed (the batches before it are in the table; running the same\n"
"export again is safe).\n";

static const char *const formats[] = { "clickhouse", NULL };

static const cli_cmd export_cmd = {
	.name = "export",
	.help = help,
	.opts = OPT(OPT_HELP) | OPT(OPT_FORMAT) | OPT(OPT_OUTPUT) |
	    OPT(OPT_CLICKHOUSE_URL) | OPT(OPT_TABLE) | OPT(OPT_SOURCE) |
	    OPTS_PROGRESS | OPT(OPT_STATS) | OPTS_READ,
	.formats = formats,
};

/* A table name the INSERT may hold as it is: [A-Za-z0-9_.]+. */
static bool
table_ok(const char *t)
{
	if (*t == '\0')
		return false;
	for (; *t != '\0'; t++)
		if (!isalnum((unsigned char)*t) && *t != '_' && *t != '.')
			return false;
	return true;
}

static int
export_args(cli_opts *o, int argc, char **argv)
{
	int rc = cli_parse(&export_cmd, argc, argv, o);

	if (rc != EXIT_OK)
		return rc;
	if (o->nfiles == 0) {
		out_error("export: no input files (try 'tally export --help')");
		return EXIT_USAGE;
	}
	if (o->clickhouse_url != NULL && o->output != NULL) {
		out_error("export: --clickhouse-url inserts the rows; -o writes "
		    "them: give one");
		return EXIT_USAGE;
	}
	if (o->clickhouse_url == NULL && o->table != NULL) {
		out_error("export: --table goes with --clickhouse-url");
		return EXIT_USAGE;
	}
	if (o->table == NULL)
		o->table = "tally_results";
	if (!table_ok(o->table)) {
		out_error("export: --table '%s': letters, digits, '_' and '.' "
		    "only", o->table);
		return EXIT_USAGE;
	}
	if (o->source == NULL)
		o->source = "";
	return EXIT_OK;
}

/* The C library's memory, for an output file's paths. */
static const tallyi_mem libc_mem = TALLYI_MEM_LIBC;

/*
 * A batch of rows being written: a buffer grown by realloc(), which moves
 * a batch of tens of megabytes without copying it (a tallyi_vec of the C
 * library's aligned memory copies it at each doubling: export measured
 * 0.87x of curl's insert rate with it, 0.94x with this).
 */
typedef struct obuf {
	char *p;
	size_t n, cap;
	bool oom;
} obuf;

static void
ob_put(void *ctx, const char *p, size_t n)
{
	obuf *b = ctx;

	if (b->oom)
		return;
	if (b->cap - b->n < n) {
		size_t cap = b->cap ? b->cap : 1 << 20;
		char *q;

		while (cap - b->n < n)
			cap *= 2;
		if ((q = realloc(b->p, cap)) == NULL) {
			b->oom = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
ob_free(obuf *b)
{
	free(b->p);
	*b = (obuf){ NULL, 0, 0, false };
}

static void
ob_lit(obuf *b, const char *s)
{
	ob_put(b, s, strlen(s));
}

static void
ob_u64(obuf *b, uint64_t x)
{
	char d[20];
	int k = 20;

	do
		d[--k] = (char)('0' + x % 10);
	while ((x /= 10) != 0);
	ob_put(b, d + k, (size_t)(20 - k));
}

/* ,"name":"value" with the value escaped as the merged SARIF is. */
static void
ob_field(obuf *b, const char *name, const char *s, size_t n)
{
	ob_lit(b, name);
	tallyi_json_str(ob_put, b, s != NULL ? s : "", s != NULL ? n : 0);
}

/* Row @r as one line of JSONEachRow. */
static void
row_write(obuf *b, const tally_part_row *r, size_t seq, const char *source)
{
	static const char *const levels[] = { "none", "note", "warning",
		"error" };
	static const char hex[] = "0123456789abcdef";
	char key[41] = "{\"key\":\"";

	for (int k = 0; k < 16; k++) {
		key[8 + k] = hex[(r->key_hi >> (60 - 4 * k)) & 15];
		key[24 + k] = hex[(r->key_lo >> (60 - 4 * k)) & 15];
	}
	ob_put(b, key, 40);
	ob_lit(b, "\"");
	ob_field(b, ",\"source\":", source, strlen(source));
	ob_field(b, ",\"tool\":", r->tool, r->tool_len);
	ob_field(b, ",\"tool_version\":", r->tool_version,
	    r->tool_version_len);
	ob_field(b, ",\"rule\":", r->rule, r->rule_len);
	ob_field(b, ",\"file\":", r->file, r->file_len);
	ob_lit(b, ",\"line\":");
	ob_u64(b, r->line);
	ob_lit(b, ",\"column\":");
	ob_u64(b, r->column);
	ob_lit(b, ",\"offset\":");
	ob_u64(b, r->offset);
	ob_lit(b, ",\"level\":\"");
	ob_lit(b, levels[r->level & 3]);
	ob_lit(b, "\"");
	ob_field(b, ",\"message\":", r->message, r->message_len);
	ob_lit(b, (r->flags & TALLY_VIOLATION_SUPPRESSED) != 0 ?
	    ",\"suppressed\":1,\"suppression\":\"" :
	    ",\"suppressed\":0,\"suppression\":\"");
	ob_lit(b, r->suppression < 0 ? "" :
	    tally_sarif_suppression_name((tally_suppression)r->suppression));
	ob_lit(b, "\",\"baseline\":\"");
	ob_lit(b, r->baseline < 0 ? "" :
	    tally_sarif_baseline_name((tally_baseline)r->baseline));
	ob_lit(b, "\",\"cwe\":");
	ob_u64(b, r->cwe);
	ob_lit(b, ",\"count\":");
	ob_u64(b, r->count);
	ob_lit(b, ",\"seq\":");
	ob_u64(b, seq);
	ob_lit(b, "}\n");
}

/* ---- inserting over HTTP ---------------------------------------------- */

typedef struct answer {
	char text[512]; /* the start of the server's answer */
	size_t n;
} answer;

static size_t
answer_keep(char *p, size_t size, size_t n, void *arg)
{
	answer *a = arg;
	size_t len = size * n, room = sizeof(a->text) - 1 - a->n;

	memcpy(a->text + a->n, p, len < room ? len : room);
	a->n += len < room ? len : room;
	a->text[a->n] = '\0';
	return len;
}

typedef struct inserter {
	CURL *curl;
	char *url;        /* the URL with the INSERT as its query */
	char shown[256];  /* the server's URL as messages show it */
	uint64_t batches, retried;
} inserter;

/*
 * @url as messages may show it: scheme, host and port, never a user,
 * password or query (CI logs are read by many).
 */
static void
url_shown(const char *url, char *out, size_t n)
{
	const char *sep = strstr(url, "://");
	const char *host = sep != NULL ? sep + 3 : url, *end, *at;
	int scheme = (int)(host - url);

	end = host + strcspn(host, "/?#");
	if ((at = memchr(host, '@', (size_t)(end - host))) != NULL)
		host = at + 1;
	snprintf(out, n, "%.*s%.*s", scheme, url, (int)(end - host), host);
}

static int
inserter_open(inserter *in, const cli_opts *o)
{
	char q[256];
	char *esc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (in->curl = curl_easy_init()) == NULL) {
		out_error("export: cannot start libcurl");
		return EXIT_USAGE;
	}
	url_shown(o->clickhouse_url, in->shown, sizeof(in->shown));
	snprintf(q, sizeof(q), "INSERT INTO %s FORMAT JSONEachRow", o->table);
	if ((esc = curl_easy_escape(in->curl, q, 0)) == NULL ||
	    (in->url = malloc(strlen(o->clickhouse_url) + strlen(esc) +
	    16)) == NULL) {
		curl_free(esc);
		out_error("export: out of memory");
		return EXIT_USAGE;
	}
	sprintf(in->url, "%s%squery=%s", o->clickhouse_url,
	    strchr(o->clickhouse_url, '?') != NULL ? "&" :
	    o->clickhouse_url[0] != '\0' &&
	    o->clickhouse_url[strlen(o->clickhouse_url) - 1] == '/' ? "?" :
	    "/?", esc);
	curl_free(esc);
	return EXIT_OK;
}

static void
inserter_close(inserter *in)
{
	if (in->curl != NULL)
		curl_easy_cleanup(in->curl);
	free(in->url);
	curl_global_cleanup();
}

/*
 * Does ClickHouse's answer (its body starts "Code: N") name an error that
 * sending the same rows again cannot mend? NO_SUCH_COLUMN_IN_TABLE (16),
 * CANNOT_PARSE_INPUT_ASSERTION_FAILED (27), UNKNOWN_TABLE (60),
 * UNKNOWN_DATABASE (81), INCORRECT_DATA (117), UNKNOWN_USER (192),
 * WRONG_PASSWORD (193).
 */
static bool
answer_permanent(const answer *a)
{
	static const long permanent[] = { 16, 27, 60, 81, 117, 192, 193 };
	const char *p = strstr(a->text, "Code: ");
	long code;

	if (p == NULL)
		return false;
	code = strtol(p + 6, NULL, 10);
	for (size_t k = 0; k < sizeof(permanent) / sizeof(permanent[0]); k++)
		if (code == permanent[k])
			return true;
	return false;
}

static void
nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/*
 * POST one batch; sent again on a network or server error. Return:
 * EXIT_OK, or EXIT_USAGE after saying why.
 */
static int
insert_batch(inserter *in, const char *body, size_t len)
{
	double wait = 0.5;

	for (int attempt = 1;; attempt++) {
		answer a = { "", 0 };
		long status = 0;
		CURLcode cc;

		curl_easy_setopt(in->curl, CURLOPT_URL, in->url);
		curl_easy_setopt(in->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(in->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(in->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
		curl_easy_setopt(in->curl, CURLOPT_WRITEFUNCTION, answer_keep);
		curl_easy_setopt(in->curl, CURLOPT_WRITEDATA, &a);
		curl_easy_setopt(in->curl, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(in->curl, CURLOPT_TIMEOUT, 300L);
		curl_easy_setopt(in->curl, CURLOPT_NOSIGNAL, 1L);
		cc = curl_easy_perform(in->curl);
		if (cc == CURLE_OK)
			curl_easy_getinfo(in->curl, CURLINFO_RESPONSE_CODE,
			    &status);
		if (cc == CURLE_OK && status == 200) {
			in->batches++;
			return EXIT_OK;
		}
		if (cc == CURLE_OK && (status < 500 || answer_permanent(&a))) {
			out_error("export: %s refused batch %llu (HTTP %ld): "
			    "%.300s", in->shown,
			    (unsigned long long)in->batches + 1, status,
			    a.text);
			return EXIT_USAGE;
		}
		if (attempt == RETRIES) {
			out_error("export: batch %llu not inserted after %d "
			    "tries: %s", (unsigned long long)in->batches + 1,
			    RETRIES, cc != CURLE_OK ? curl_easy_strerror(cc) :
			    a.text);
			return EXIT_USAGE;
		}
		fprintf(stderr, "tally: export: batch %llu: %s; again in "
		    "%.1f s\n", (unsigned long long)in->batches + 1,
		    cc != CURLE_OK ? curl_easy_strerror(cc) : "server error",
		    wait);
		in->retried++;
		nap(wait);
		wait *= 2;
	}
}

/*
 * The sender: a thread that POSTs one batch while the next is written,
 * so that building rows and the server's insert overlap. One batch in
 * flight at most: the writer waits for the sender to take it.
 */
typedef struct sender {
	inserter in;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	obuf batch;  /* handed over when full */
	obuf spare;  /* the last one sent, for the writer to fill again */
	bool full;   /* a batch is waiting to be sent */
	bool done;   /* no more batches */
	int status;  /* the first failure */
	pthread_t thread;
} sender;

static void *
sender_main(void *arg)
{
	sender *sd = arg;

	for (;;) {
		obuf b;

		pthread_mutex_lock(&sd->lock);
		while (!sd->full && !sd->done)
			pthread_cond_wait(&sd->cv, &sd->lock);
		if (!sd->full) {
			pthread_mutex_unlock(&sd->lock);
			return NULL;
		}
		b = sd->batch;
		pthread_mutex_unlock(&sd->lock);
		if (sd->status == EXIT_OK)
			sd->status = insert_batch(&sd->in, b.p, b.n);
		pthread_mutex_lock(&sd->lock);
		ob_free(&sd->spare);
		sd->spare = b;
		sd->full = false;
		pthread_cond_broadcast(&sd->cv);
		pthread_mutex_unlock(&sd->lock);
	}
}

/*
 * Hand @b over (once the previous batch is sent) and get back in @b the
 * buffer that batch was in, to fill again: two buffers, their pages
 * touched once. False once a batch has failed: the writer stops.
 */
static bool
sender_put(sender *sd, obuf *b)
{
	bool ok;

	pthread_mutex_lock(&sd->lock);
	while (sd->full)
		pthread_cond_wait(&sd->cv, &sd->lock);
	ok = sd->status == EXIT_OK;
	if (ok) {
		sd->batch = *b;
		sd->full = true;
		*b = sd->spare;
		sd->spare = (obuf){ NULL, 0, 0, false };
		pthread_cond_broadcast(&sd->cv);
	}
	pthread_mutex_unlock(&sd->lock);
	return ok;
}

/*
 * Rows @i up to BATCH_ROWS of @p into @b (emptied first). Return: false
 * when out of memory (said).
 */
static bool
batch_build(const tally_part *p, const cli_opts *o, size_t i, obuf *b)
{
	size_t n = tally_part_rows(p), end = n - i < BATCH_ROWS ? n :
	    i + BATCH_ROWS;

	b->n = 0;
	for (size_t k = i; k < end; k++) {
		tally_part_row r;

		(void)tally_part_row_get(p, k, &r);
		row_write(b, &r, k, o->source);
	}
	if (b->oom)
		out_error("export: out of memory");
	return !b->oom;
}

/*
 * Write the rows of @p to @f; write errors stay on the stream, for the
 * output's commit to report.
 */
static int
write_rows(const tally_part *p, const cli_opts *o, FILE *f)
{
	obuf b = { NULL, 0, 0, false };
	int status = EXIT_OK;

	for (size_t i = 0; i < tally_part_rows(p); i += BATCH_ROWS) {
		if (!batch_build(p, o, i, &b)) {
			status = EXIT_USAGE;
			break;
		}
		(void)fwrite(b.p, 1, b.n, f);
	}
	ob_free(&b);
	return status;
}

/* Insert the rows of @p, a batch sent while the next is written. */
static int
insert_rows(const tally_part *p, const cli_opts *o, uint64_t *batches)
{
	size_t n = tally_part_rows(p);
	sender sd = { .status = EXIT_OK };
	obuf b = { NULL, 0, 0, false };
	int status = inserter_open(&sd.in, o);

	if (status != EXIT_OK) {
		inserter_close(&sd.in);
		return status;
	}
	pthread_mutex_init(&sd.lock, NULL);
	pthread_cond_init(&sd.cv, NULL);
	if (pthread_create(&sd.thread, NULL, sender_main, &sd) != 0) {
		out_error("export: cannot start the sender thread");
		status = EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < n; i += BATCH_ROWS) {
		if (!batch_build(p, o, i, &b)) {
			status = EXIT_USAGE;
			break;
		}
		if (!sender_put(&sd, &b))
			break;
	}
	pthread_mutex_lock(&sd.lock);
	sd.done = true;
	pthread_cond_broadcast(&sd.cv);
	pthread_mutex_unlock(&sd.lock);
	pthread_join(sd.thread, NULL);
	if (status == EXIT_OK)
		status = sd.status;
	ob_free(&b);
	ob_free(&sd.spare);
out:
	*batches = sd.in.batches;
	pthread_cond_destroy(&sd.cv);
	pthread_mutex_destroy(&sd.lock);
	inserter_close(&sd.in);
	return status;
}

/*
 * Write (or insert) the rows of @p. A file is replaced only once whole
 * (a device or FIFO written to), as merge's output is.
 */
static int
export_rows(const tally_part *p, const cli_opts *o, uint64_t *batches)
{
	tallyi_outfile out;
	tally_error err;
	int status;

	if (o->clickhouse_url != NULL)
		return insert_rows(p, o, batches);
	if (tallyi_outfile_open(&out, o->output != NULL ? o->output : "-",
	    &libc_mem, &err) != TALLY_OK) {
		out_error("export: %s", err.message);
		return EXIT_USAGE;
	}
	status = write_rows(p, o, out.f);
	if (status != EXIT_OK) {
		tallyi_outfile_abort(&out);
	} else if (tallyi_outfile_commit(&out, &err) != TALLY_OK) {
		out_error("export: %s", err.message);
		if (out.is_stdout)
			out_stdout_reported();
		status = EXIT_USAGE;
	}
	return status;
}

int
cmd_export(int argc, char **argv)
{
	double t0 = out_now();
	cli_opts o;
	inputs in = { 0 };
	tally_part *p = NULL;
	uint64_t batches = 0;
	int status = export_args(&o, argc, argv);

	if (status != EXIT_OK)
		return status == CLI_HELP ? EXIT_OK : status;
	status = inputs_pack(&in, &o, "export", &p);
	if (status == EXIT_OK)
		status = export_rows(p, &o, &batches);
	if (status == EXIT_OK && (o.stats || o.clickhouse_url != NULL)) {
		double dt = out_now() - t0;

		fprintf(stderr, "tally: exported %zu unique results (%llu "
		    "read) of %zu inputs", tally_part_rows(p),
		    (unsigned long long)tally_part_results(p),
		    in.n - in.failed);
		if (o.clickhouse_url != NULL)
			fprintf(stderr, " in %llu batches to %s",
			    (unsigned long long)batches, o.table);
		fprintf(stderr, "\n");
		if (o.stats)
			fprintf(stderr, "tally: stats: %.3f s, %.0f rows/s\n",
			    dt, (double)tally_part_rows(p) / dt);
	}
	if (status == EXIT_OK && in.failed)
		status = EXIT_USAGE;
	tally_part_destroy(p);
	inputs_free(&in);
	return status;
}
