/*
 * tests/fuzz/diff_fuzz.c - libFuzzer target for the diff
 * (tally_sarif_diff_create()).
 *
 * Input: BASELINE NUL CURRENT [NUL FLAGS]; FLAGS' first byte, bit 0:
 * include_suppressed. An input without a NUL is diffed against itself.
 * Every entry is walked and its strings looked up; the classification
 * must account for each result of both logs exactly once, matched pairs
 * must share tool, rule and file, entries come in the documented order,
 * and a log diffed against itself has nothing new or absent.
 */
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"

/* The strings of @v, which must all be known to @e. */
static void
touch(const tally_engine *e, const tally_violation *v)
{
	size_t len;

	fuzz_check(tally_engine_string_lookup(e, TALLY_STR_TOOL, v->tool,
	    &len) != NULL, "an entry's tool is known");
	fuzz_check(tally_engine_string_lookup(e, TALLY_STR_RULE, v->rule,
	    &len) != NULL, "an entry's rule is known");
	fuzz_check(tally_engine_string_lookup(e, TALLY_STR_FILE, v->file,
	    &len) != NULL, "an entry's file is known");
	fuzz_check(tally_engine_string_lookup(e, TALLY_STR_MESSAGE,
	    v->message, &len) != NULL, "an entry's message is known");
}

static void
walk(const tally_engine *e, const tally_sarif_diff *d,
    const tally_sarif_report rep[2], bool self)
{
	size_t n, k;
	const tally_sarif_diff_entry *ent = tally_sarif_diff_entries(d, &n);
	uint64_t count[TALLY_BASELINE_COUNT] = { 0 }, next = 0;
	uint64_t sup = tally_sarif_diff_suppressed(d);

	/* the current log's results in reading order, then the absent */
	for (k = 0; k < n && ent[k].state != TALLY_BASELINE_ABSENT; k++) {
		const tally_sarif_diff_entry *x = &ent[k];

		fuzz_check(x->state < TALLY_BASELINE_COUNT, "a known state");
		fuzz_check(x->index >= next && x->index < rep[1].results,
		    "current entries in reading order, within the log");
		next = x->index + 1;
		count[x->state]++;
		touch(e, &x->v);
		if (x->state == TALLY_BASELINE_NEW)
			continue;
		touch(e, &x->base);
		fuzz_check(x->base.tool == x->v.tool &&
		    x->base.rule == x->v.rule && x->base.file == x->v.file,
		    "a matched pair shares tool, rule and file");
	}
	for (next = 0; k < n; k++) {
		const tally_sarif_diff_entry *x = &ent[k];

		fuzz_check(x->state == TALLY_BASELINE_ABSENT,
		    "absent entries come last");
		fuzz_check(x->index >= next && x->index < rep[0].results,
		    "absent entries in reading order, within the baseline");
		next = x->index + 1;
		count[x->state]++;
		touch(e, &x->v);
	}
	for (int b = 0; b < TALLY_BASELINE_COUNT; b++)
		fuzz_check(count[b] == tally_sarif_diff_count(d,
		    (tally_baseline)b), "the counts are the entries'");
	fuzz_check(count[TALLY_BASELINE_NEW] + count[TALLY_BASELINE_UNCHANGED] +
	    count[TALLY_BASELINE_UPDATED] + sup == rep[1].results,
	    "each current result is classified once");
	fuzz_check(count[TALLY_BASELINE_ABSENT] +
	    count[TALLY_BASELINE_UNCHANGED] + count[TALLY_BASELINE_UPDATED] ==
	    rep[0].results, "each baseline result is matched or absent");
	if (self)
		fuzz_check(count[TALLY_BASELINE_NEW] == 0 &&
		    count[TALLY_BASELINE_ABSENT] == 0 && sup == 0,
		    "a log diffed against itself matches itself");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[3];
	size_t len[3], np = fuzz_split(data, size, part, len, 3);
	char pb[64], pc[64];
	int fb, fc, rc;
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report rep[2];
	tally_sarif_diff *d = NULL;
	tally_engine *e = fuzz_engine();

	if (np == 1) {
		part[1] = part[0];
		len[1] = len[0];
	}
	so.include_suppressed = np == 3 && len[2] != 0 && (part[2][0] & 1);
	fb = fuzz_file(part[0], len[0], pb, sizeof(pb));
	fc = fuzz_file(part[1], len[1], pc, sizeof(pc));
	rc = tally_sarif_diff_create(e, pb, pc, &so, &d, rep);
	if (rc == TALLY_OK) {
		fuzz_check(d != NULL, "a diff on success");
		fuzz_check(rep[0].error.status == TALLY_OK &&
		    rep[1].error.status == TALLY_OK, "both logs read well");
		walk(e, d, rep, np == 1);
		tally_sarif_diff_destroy(d);
	} else {
		int k = rep[0].error.status != TALLY_OK ? 0 : 1;

		fuzz_check(d == NULL, "no diff on failure");
		fuzz_check(rep[k].error.status == rc,
		    "the status is the first failing log's");
		fuzz_check(rep[k].error.message[0] != '\0' &&
		    memchr(rep[k].error.message, '\0',
		    sizeof(rep[k].error.message)) != NULL,
		    "a failure has a terminated message");
	}
	fuzz_check(fuzz_totals(e).read == 0, "a diff aggregates nothing");
	tally_engine_destroy(e);
	close(fb);
	close(fc);
	return 0;
}
