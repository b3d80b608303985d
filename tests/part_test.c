/*
 * tests/part_test.c - tally/part.h: a part keeps each unique result once
 * with its count and states, reads back as the logs it came from, writes
 * the same bytes when packed again, names each result by the documented
 * key, and refuses every damaged copy of itself whole.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>
#include <zstd.h>

#include "tally.h"

/*
 * Two tools (one with a version), a result twice (a duplicate), one
 * suppressed under review, one accepted, one with a baselineState, one
 * without a location.
 */
static const char log_a[] =
"{\"version\":\"2.1.0\",\"runs\":["
"{\"tool\":{\"driver\":{\"name\":\"alpha\",\"version\":\"1.2\"}},"
"\"results\":["
"{\"ruleId\":\"A1\",\"level\":\"error\",\"message\":{\"text\":\"one\"},"
"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":"
"\"src/a.c\"},\"region\":{\"startLine\":3,\"startColumn\":5}}}]},"
"{\"ruleId\":\"A1\",\"level\":\"error\",\"message\":{\"text\":\"one\"},"
"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":"
"\"src/a.c\"},\"region\":{\"startLine\":3,\"startColumn\":5}}}]},"
"{\"ruleId\":\"A2\",\"level\":\"note\",\"message\":{\"text\":\"two\"},"
"\"suppressions\":[{\"kind\":\"external\",\"status\":\"underReview\"}],"
"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":"
"\"src/b.c\"},\"region\":{\"startLine\":9}}}]},"
"{\"ruleId\":\"A2\",\"message\":{\"text\":\"three\"},"
"\"suppressions\":[{\"kind\":\"inSource\"}],"
"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":"
"\"src/b.c\"},\"region\":{\"startLine\":10,\"byteOffset\":77}}}]}]},"
"{\"tool\":{\"driver\":{\"name\":\"beta\"}},\"results\":["
"{\"ruleId\":\"B\",\"level\":\"warning\",\"message\":{\"text\":\"four\"},"
"\"baselineState\":\"new\"},"
"{\"ruleId\":\"B\",\"level\":\"warning\",\"message\":{\"text\":\"five\"},"
"\"properties\":{\"tags\":[\"security\",\"external/cwe/cwe-476\"]},"
"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":"
"\"src/a.c\"},\"region\":{\"startLine\":1}}}]}]}]}";

static tally_part *
part_of(const void *buf, size_t len)
{
	tally_part *p;
	tally_sarif_report rep;

	cr_assert(eq(int, tally_part_create(&p, NULL), TALLY_OK));
	cr_assert(eq(int, tally_part_add_buffer(p, buf, len, NULL, &rep),
	    TALLY_OK), "%s", rep.error.message);
	return p;
}

static void *
bytes_of(const tally_part *p, size_t *len)
{
	void *b;

	cr_assert(eq(int, tally_part_serialize(p, &b, len), TALLY_OK));
	return b;
}

/* Row of @p whose message is @msg. */
static tally_part_row
row_named(const tally_part *p, const char *msg)
{
	tally_part_row r;

	for (size_t i = 0; i < tally_part_rows(p); i++) {
		cr_assert(eq(int, tally_part_row_get(p, i, &r), TALLY_OK));
		if (r.message_len == strlen(msg) &&
		    memcmp(r.message, msg, r.message_len) == 0)
			return r;
	}
	cr_assert(false, "no row \"%s\"", msg);
	return r;
}

TestSuite(part, .timeout = 120);

Test(part, rows_counts_and_states)
{
	tally_part *p = part_of(log_a, sizeof(log_a) - 1);
	tally_part_row r;

	cr_expect(eq(sz, tally_part_rows(p), 5));
	cr_expect(eq(u64, tally_part_results(p), 6));
	r = row_named(p, "one");
	cr_expect(eq(u64, r.count, 2));
	cr_expect(eq(int, r.level, TALLY_LEVEL_ERROR));
	cr_expect(eq(u32, r.line, 3));
	cr_expect(eq(u32, r.column, 5));
	cr_expect(eq(sz, r.tool_version_len, 3));
	cr_expect(eq(int, memcmp(r.tool_version, "1.2", 3), 0));
	cr_expect(eq(int, r.suppression, -1));
	r = row_named(p, "two");
	cr_expect(eq(int, r.suppression, TALLY_SUPPRESSION_UNDER_REVIEW));
	cr_expect(eq(int, r.flags, 0), "under review is not suppressed");
	r = row_named(p, "three");
	cr_expect(eq(int, r.suppression, TALLY_SUPPRESSION_ACCEPTED));
	cr_expect(eq(int, r.flags, TALLY_VIOLATION_SUPPRESSED));
	cr_expect(eq(u64, r.offset, 77));
	r = row_named(p, "five");
	cr_expect(eq(u32, r.cwe, 476), "the first CWE among its tags");
	r = row_named(p, "four");
	cr_expect(eq(u32, r.cwe, 0));
	cr_expect(eq(int, r.baseline, TALLY_BASELINE_NEW));
	cr_expect(eq(sz, r.file_len, 0), "no location: the empty file");
	cr_expect(eq(ptr, (void *)r.tool_version, NULL));
	tally_part_destroy(p);
}

/* The key is XXH3-128 of the documented bytes: the same in any process. */
Test(part, key_is_the_documented_hash)
{
	tally_part *p = part_of(log_a, sizeof(log_a) - 1);
	tally_part_row r = row_named(p, "three");
	XXH3_state_t st;
	XXH128_hash_t h;
	const char *s[4] = { "alpha", "A2", "src/b.c", "three" };
	unsigned char tail[17] = { 0 };
	uint32_t line = 10, col = 0;
	uint64_t off = 77;

	XXH3_INITSTATE(&st);
	XXH3_128bits_reset(&st);
	for (int k = 0; k < 4; k++) {
		uint64_t n = strlen(s[k]);

		XXH3_128bits_update(&st, &n, 8);
		XXH3_128bits_update(&st, s[k], n);
	}
	memcpy(tail, &line, 4);
	memcpy(tail + 4, &col, 4);
	memcpy(tail + 8, &off, 8);
	tail[16] = TALLY_VIOLATION_SUPPRESSED;
	XXH3_128bits_update(&st, tail, 17);
	h = XXH3_128bits_digest(&st);
	cr_expect(eq(u64, r.key_hi, h.high64));
	cr_expect(eq(u64, r.key_lo, h.low64));
	tally_part_destroy(p);
}

/* Read back, a part is its logs; packed again, the same bytes. */
Test(part, round_trip_and_idempotence)
{
	tally_part *p = part_of(log_a, sizeof(log_a) - 1), *q;
	size_t n1, n2;
	void *b1 = bytes_of(p, &n1), *b2;

	q = part_of(b1, n1);
	b2 = bytes_of(q, &n2);
	cr_expect(eq(sz, n1, n2));
	cr_expect(eq(int, memcmp(b1, b2, n1 < n2 ? n1 : n2), 0));
	cr_expect(eq(sz, tally_part_rows(q), tally_part_rows(p)));
	cr_expect(eq(u64, tally_part_results(q), 6));
	cr_expect(eq(u32, row_named(q, "five").cwe, 476), "read back");
	free(b1);
	free(b2);
	tally_part_destroy(p);
	tally_part_destroy(q);
}

static void
totals_of(const void *buf, size_t len, tally_totals *t, uint64_t *errors)
{
	tally_engine *e;
	tally_snapshot *s;
	tally_sarif_report rep;

	cr_assert(eq(int, tally_engine_create(&e, NULL), TALLY_OK));
	cr_assert(eq(int, tally_sarif_read_buffer(e, buf, len, NULL, &rep),
	    TALLY_OK), "%s", rep.error.message);
	cr_assert(eq(int, tally_engine_flush(e), TALLY_OK));
	cr_assert(eq(int, tally_snapshot_acquire(e, &s), TALLY_OK));
	tally_snapshot_totals(s, t);
	*errors = tally_snapshot_level(s, TALLY_LEVEL_ERROR);
	tally_snapshot_release(s);
	tally_engine_destroy(e);
}

/* The engine counts a part as it counts the log: duplicates included. */
Test(part, engine_counts_a_part_as_its_log)
{
	tally_part *p = part_of(log_a, sizeof(log_a) - 1);
	tally_sarif_report rep;
	tally_totals a, b;
	uint64_t ea, eb;
	size_t n;
	void *bytes;

	/* the same log twice: every count doubles in the part */
	cr_assert(eq(int, tally_part_add_buffer(p, log_a, sizeof(log_a) - 1,
	    NULL, &rep), TALLY_OK));
	cr_expect(eq(u64, tally_part_results(p), 12));
	cr_expect(eq(sz, tally_part_rows(p), 5));
	bytes = bytes_of(p, &n);
	totals_of(log_a, sizeof(log_a) - 1, &a, &ea);
	totals_of(bytes, n, &b, &eb);
	cr_expect(eq(u64, b.read, 2 * a.read));
	cr_expect(eq(u64, b.unique, a.unique));
	cr_expect(eq(u64, b.suppressed, a.suppressed));
	cr_expect(eq(u64, eb, ea));
	free(bytes);
	tally_part_destroy(p);
}

/*
 * Every truncation and every flipped byte of a part is refused, and the
 * part it was added to keeps what it had.
 */
Test(part, damaged_parts_are_refused_whole)
{
	tally_part *p = part_of(log_a, sizeof(log_a) - 1), *q;
	size_t n;
	unsigned char *b = bytes_of(p, &n), *c = malloc(n);
	tally_sarif_report rep;

	cr_assert(not(eq(ptr, c, NULL)));
	q = part_of(log_a, sizeof(log_a) - 1);
	for (size_t len = 1; len < n; len++)
		cr_expect(not(eq(int, tally_part_add_buffer(q, b, len, NULL,
		    &rep), TALLY_OK)), "truncated to %zu bytes", len);
	for (size_t at = 0; at < n; at++) {
		memcpy(c, b, n);
		c[at] ^= 0x5a;
		cr_expect(not(eq(int, tally_part_add_buffer(q, c, n, NULL,
		    &rep), TALLY_OK)), "byte %zu flipped", at);
	}
	cr_expect(eq(u64, tally_part_results(q), 6));
	cr_expect(eq(sz, tally_part_rows(q), 5));
	free(b);
	free(c);
	tally_part_destroy(p);
	tally_part_destroy(q);
}

/* An input that does not read adds nothing; the part stays usable. */
Test(part, bad_input_adds_nothing)
{
	tally_part *p = part_of(log_a, sizeof(log_a) - 1);
	tally_sarif_report rep;
	static const char bad[] = "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":"
	    "{\"driver\":{\"name\":\"x\"}},\"results\":[{\"ruleId\":\"R\","
	    "\"message\":{\"text\":\"m\"}},{\"ruleId\":";

	cr_expect(not(eq(int, tally_part_add_buffer(p, bad, sizeof(bad) - 1,
	    NULL, &rep), TALLY_OK)));
	cr_expect(eq(u64, tally_part_results(p), 6));
	cr_expect(eq(int, tally_part_add_file(p, NULL, NULL, &rep),
	    TALLY_EINVAL));
	cr_expect(eq(int, tally_part_add_buffer(p, NULL, 3, NULL, &rep),
	    TALLY_EINVAL));
	cr_expect(eq(int, tally_part_row_get(p, 5, &(tally_part_row){ 0 }),
	    TALLY_EINVAL));
	tally_part_destroy(p);
}

/*
 * A valid part of @p whose first row's count is @count: the body taken
 * apart, changed, and compressed and checksummed again, as a forger
 * would (the columns end with the counts, then 4 bytes of flags a row).
 */
static unsigned char *
forge_count(const tally_part *p, uint64_t count, size_t *len)
{
	size_t n, rows = tally_part_rows(p), zb;
	unsigned char *b = bytes_of(p, &n), *out;
	uint64_t raw, h;
	unsigned char *body;

	memcpy(&raw, b + 24, 8);
	body = malloc(raw);
	cr_assert(eq(sz, ZSTD_decompress(body, raw, b + 40, n - 40), raw));
	memcpy(body + raw - 4 * rows - 8 * rows, &count, 8);
	zb = ZSTD_compressBound(raw);
	out = malloc(40 + zb);
	memcpy(out, b, 40);
	zb = ZSTD_compress(out + 40, zb, body, raw, 3);
	cr_assert(not(ZSTD_isError(zb)));
	memcpy(out + 16, &(uint64_t){ zb }, 8);
	h = XXH3_64bits(out + 40, zb);
	memcpy(out + 32, &h, 8);
	free(body);
	free(b);
	*len = 40 + zb;
	return out;
}

/*
 * Counts are input: one that would wrap the total, or a part that
 * stands for more SARIF than an input may be (a small file, a huge
 * log), is refused at once, not expanded.
 */
Test(part, forged_counts_are_bounded)
{
	tally_part *p = part_of(log_a, sizeof(log_a) - 1), *q;
	const uint64_t counts[] = { UINT64_MAX, UINT64_MAX / 2, 70000000 };
	tally_sarif_report rep;
	size_t n;
	unsigned char *b;

	cr_assert(eq(int, tally_part_create(&q, NULL), TALLY_OK));
	b = forge_count(p, 7, &n);
	cr_expect(eq(int, tally_part_add_buffer(q, b, n, NULL, &rep),
	    TALLY_OK), "a forged but sane count reads: %s",
	    rep.error.message);
	free(b);
	cr_expect(eq(u64, tally_part_results(q), 6 - 2 + 7), "row 0: \"one\", twice");
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		tally_engine *e;

		b = forge_count(p, counts[k], &n);
		cr_expect(eq(int, tally_part_add_buffer(q, b, n, NULL, &rep),
		    TALLY_EIO_TOOBIG), "count %llu",
		    (unsigned long long)counts[k]);
		cr_assert(eq(int, tally_engine_create(&e, NULL), TALLY_OK));
		cr_expect(eq(int, tally_sarif_read_buffer(e, b, n, NULL, &rep),
		    TALLY_EIO_TOOBIG), "count %llu, read as SARIF",
		    (unsigned long long)counts[k]);
		tally_engine_destroy(e);
		free(b);
	}
	cr_expect(eq(u64, tally_part_results(q), 11));
	tally_part_destroy(p);
	tally_part_destroy(q);
}
