/*
 * tests/fuzz/sarif_fuzz.c - libFuzzer target for the SARIF reader.
 *
 * For every input: the reader must not crash, hang or leak (ASan, UBSan,
 * LSan watch), its report must agree with its status, and a bad input must
 * add nothing. A good input is also merged and the merged log read back:
 * it must be good and hold exactly the input's distinct results, active
 * and suppressed (a suppressed copy and an active one are two).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"

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
	tally_sarif_report rep;
	tally_engine *x = fuzz_engine();
	int rc;

	rc = tally_sarif_read_buffer(x, data, size, NULL, &rep);
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
	tally_engine_destroy(x);
	return 0;
}
