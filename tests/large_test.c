/*
 * tests/large_test.c - a log of more than 100 MB is streamed: read in full,
 * counted exactly, without holding the log in memory.
 *
 * The generator knows what it wrote (how many results, how many of them
 * repeat an earlier one, how many per level), so the expectations come from
 * the generator, not from the reader.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tally.h"

#define MIN_BYTES (100u << 20)

TestSuite(large, .timeout = 600);

typedef struct expect {
	uint64_t results, unique, level[TALLY_LEVEL_COUNT];
} expect;

static const char *const levels[] = { "none", "note", "warning", "error" };

/*
 * Write a pretty-printed log (like ESLint's) of at least MIN_BYTES. Every
 * tenth result repeats the one before it exactly (with another level, which
 * does not matter); all others are distinct by line number.
 */
static void
generate(const char *path, expect *x)
{
	FILE *f = fopen(path, "w");
	uint64_t line = 1;

	cr_assert(not(eq(ptr, f, NULL)));
	memset(x, 0, sizeof(*x));
	fputs("{\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n"
	    "      \"tool\": { \"driver\": { \"name\": \"gen\", \"rules\": [] } },\n"
	    "      \"results\": [\n", f);
	for (uint64_t i = 0; ftell(f) < (long)MIN_BYTES; i++) {
		bool dup = i % 10 == 9;
		unsigned lvl = (unsigned)(i % 4);

		if (!dup)
			line++;
		fprintf(f, "%s        {\n"
		    "          \"ruleId\": \"rule-%llu\",\n"
		    "          \"level\": \"%s\",\n"
		    "          \"message\": { \"text\": \"Message %llu: something "
		    "about this line is not quite right \\\"here\\\"\" },\n"
		    "          \"locations\": [ { \"physicalLocation\": {\n"
		    "            \"artifactLocation\": { \"uri\": \"file:///src/"
		    "dir%llu/file%llu.js\" },\n"
		    "            \"region\": { \"startLine\": %llu, "
		    "\"startColumn\": 3, \"endLine\": %llu } } } ]\n"
		    "        }", i ? ",\n" : "",
		    (unsigned long long)(line % 97), levels[lvl],
		    (unsigned long long)(line % 1009),
		    (unsigned long long)(line % 13),
		    (unsigned long long)(line % 701),
		    (unsigned long long)line, (unsigned long long)line + 1);
		x->results++;
		if (!dup) {
			x->unique++;
			x->level[lvl]++;
		}
	}
	fputs("\n      ]\n    }\n  ]\n}\n", f);
	cr_assert(eq(int, fclose(f), 0));
}

static uint64_t
peak_rss(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_maxrss * 1024;
}

Test(large, a_log_over_100_mb_is_streamed_and_counted_exactly)
{
	char path[] = "/tmp/tally-large-XXXXXX";
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_engine *e = NULL;
	tally_snapshot *s = NULL;
	tally_sarif_report rep;
	tally_totals t;
	struct stat st;
	uint64_t before;
	expect x;
	int fd = mkstemp(path);

	cr_assert(ge(int, fd, 0));
	close(fd);
	generate(path, &x);
	cr_assert(eq(int, stat(path, &st), 0));
	cr_assert(ge(u64, (uint64_t)st.st_size, MIN_BYTES));

	before = peak_rss();
	cfg.workers = 1;
	cr_assert(eq(int, tally_engine_create(&e, &cfg), 0));
	cr_assert(eq(int, tally_sarif_read_file(e, path, NULL, &rep), 0), "%s",
	    rep.error.message);
	cr_assert(eq(int, tally_engine_flush(e), 0));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), 0));
	tally_snapshot_totals(s, &t);
	cr_expect(eq(u64, rep.results, x.results));
	cr_expect(eq(u64, t.read, x.results));
	cr_expect(eq(u64, t.unique, x.unique));
	for (int l = 0; l < TALLY_LEVEL_COUNT; l++)
		cr_expect(eq(u64, tally_snapshot_level(s, (tally_level)l),
		    x.level[l]), "level %d", l);
	/*
	 * Files are dir(line % 13)/file(line % 701): 13 and 701 are coprime,
	 * so consecutive lines cover all 13 * 701 pairs once the log holds
	 * that many distinct lines. Rules are rule-(line % 97).
	 */
	cr_assert(gt(u64, x.unique, 13 * 701));
	cr_expect(eq(sz, tally_snapshot_group_count(s, TALLY_DIM_FILE),
	    13 * 701));
	cr_expect(eq(sz, tally_snapshot_group_count(s, TALLY_DIM_RULE), 97));
	/*
	 * Resident memory grows by the log, held once in the reader's buffer
	 * (never mapped, so that a file changed under the reader cannot
	 * crash it), plus what grows per result: the staged results, their
	 * batches and the engine's dedup set. Less than twice the log.
	 */
#if defined(__SANITIZE_ADDRESS__)
	/* ASan's shadow memory and quarantine make RSS meaningless here. */
	(void)before;
#else
	cr_expect(lt(u64, peak_rss() - before, 2 * (uint64_t)st.st_size),
	    "peak RSS grew by %llu bytes for a %lld-byte log",
	    (unsigned long long)(peak_rss() - before), (long long)st.st_size);
#endif
	tally_snapshot_release(s);
	tally_engine_destroy(e);
	unlink(path);
}
