/*
 * tests/fuzz/sarif_fuzz.c - libFuzzer target for the SARIF reader.
 *
 * For every input: the reader must not crash, hang or leak (ASan, UBSan,
 * LSan watch), its report must agree with its status, and a bad input must
 * add nothing. The input is read twice, as a buffer and as a file: the
 * fuzz preset makes windows small (TALLYI_WINDOW), so a file of more than
 * a few KiB is read through a window, and both reads must agree in
 * status, error, offset, warnings and counts. A good input is also merged
 * and the merged log read back: it must be good and hold exactly the
 * input's distinct results, active and suppressed (a suppressed copy and
 * an active one are two).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"

/* What one read said: its report, and a digest of its warnings. */
typedef struct said {
	uint64_t nwarn, digest;
} said;

static void
on_warning(void *arg, uint64_t offset, const char *message)
{
	said *w = arg;

	w->nwarn++;
	w->digest = w->digest * 1000003u ^ offset;
	for (const char *p = message; *p != '\0'; p++)
		w->digest = w->digest * 131u + (unsigned char)*p;
}

/*
 * Read the input again, as a file, into a fresh engine: status, report,
 * warnings and counts must be those of the buffer's read.
 */
static void
same_as_a_file(const uint8_t *data, size_t size, int rc,
    const tally_sarif_report *rep, const said *w, tally_totals t)
{
	tally_sarif_options opt = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report frep;
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof(path));
	tally_engine *x = fuzz_engine();
	said fw = { 0, 0 };
	tally_totals ft;

	opt.warning = on_warning;
	opt.warning_arg = &fw;
	fuzz_check(tally_sarif_read_file(x, path, &opt, &frep) == rc,
	    "a file reads as its bytes do");
	fuzz_check(frep.error.offset == rep->error.offset &&
	    strcmp(frep.error.message, rep->error.message) == 0,
	    "a file's error is its bytes' error");
	fuzz_check(frep.results == rep->results && frep.runs == rep->runs &&
	    frep.bytes == rep->bytes && frep.warnings == rep->warnings,
	    "a file's report is its bytes' report");
	fuzz_check(fw.nwarn == w->nwarn && fw.digest == w->digest,
	    "a file's warnings are its bytes' warnings, once each");
	ft = fuzz_totals(x);
	fuzz_check(ft.read == t.read && ft.unique == t.unique &&
	    ft.suppressed == t.suppressed && ft.duplicates == t.duplicates,
	    "a file counts as its bytes do");
	tally_engine_destroy(x);
	close(fd);
}

/*
 * Merge the input (given as a file: the merge takes paths), write the
 * merged log, read it back: it must be good and hold the distinct
 * results of @was (the input's totals), active and suppressed, once each.
 */
static void
merge_round_trip(const uint8_t *data, size_t size, tally_totals was)
{
	char pin[64], path[96];
	int in = fuzz_file(data, size, pin, sizeof(pin));
	tally_sarif_merge *m = NULL;
	tally_engine *x;
	tally_sarif_report rep;
	tally_totals t;

	snprintf(path, sizeof(path), "%s/merged.sarif", fuzz_tmpdir());
	fuzz_check(tally_sarif_merge_create(&m, NULL) == TALLY_OK,
	    "merge create");
	fuzz_check(tally_sarif_merge_add_file(m, pin, NULL, &rep) == TALLY_OK,
	    "a good input merges");
	fuzz_check(tally_sarif_merge_write(m, path, NULL) == TALLY_OK,
	    "merge write");
	tally_sarif_merge_destroy(m);
	close(in);

	x = fuzz_engine();
	fuzz_check(tally_sarif_read_file(x, path, NULL, &rep) == TALLY_OK,
	    "the merged log reads back");
	t = fuzz_totals(x);
	fuzz_check(t.unique == was.unique && t.suppressed == was.suppressed,
	    "the merged log keeps every distinct result");
	fuzz_check(t.duplicates == 0, "the merged log holds no duplicate");
	tally_engine_destroy(x);
	unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tally_sarif_options opt = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_report rep;
	tally_engine *x = fuzz_engine();
	said w = { 0, 0 };
	int rc;

	opt.warning = on_warning;
	opt.warning_arg = &w;
	rc = tally_sarif_read_buffer(x, data, size, &opt, &rep);
	fuzz_check(rc == rep.error.status, "status matches the report");
	fuzz_check(memchr(rep.error.message, '\0',
	    sizeof(rep.error.message)) != NULL, "message is terminated");
	if (rc == TALLY_OK) {
		tally_totals t = fuzz_totals(x);

		fuzz_check(rep.error.message[0] == '\0',
		    "no message on success");
		fuzz_check(t.read == rep.results, "every result is counted");
		if (t.unique + t.suppressed < 1000)
			merge_round_trip(data, size, t);
	} else {
		fuzz_check(rep.error.message[0] != '\0',
		    "an error has a message");
		fuzz_check(rep.results == 0, "a bad input reports no results");
		fuzz_check(fuzz_totals(x).read == 0, "a bad input adds nothing");
	}
	same_as_a_file(data, size, rc, &rep, &w, fuzz_totals(x));
	tally_engine_destroy(x);
	return 0;
}
