/*
 * tests/fuzz/sarif_fuzz.c - libFuzzer target for the SARIF reader.
 *
 * For every input: the reader must not crash, hang or leak (ASan, UBSan,
 * LSan watch), its report must agree with its status, and a bad input must
 * add nothing. A good input is also merged and the merged log read back:
 * it must be good and hold exactly the input's unique results.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tally.h"

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "sarif_fuzz: invariant broken: %s\n", what);
		abort();
	}
}

static tally_totals
totals(tally_engine *x)
{
	tally_snapshot *s = NULL;
	tally_totals t;

	check(tally_engine_flush(x) == TALLY_OK, "flush");
	check(tally_snapshot_acquire(x, &s) == TALLY_OK, "snapshot");
	tally_snapshot_totals(s, &t);
	tally_snapshot_release(s);
	return t;
}

/*
 * Merge the input (given as a file: the merge maps its inputs), write the
 * merged log, read it back: it must be good and hold exactly @unique
 * results, none of them duplicates.
 */
static void
merge_round_trip(const uint8_t *data, size_t size, uint64_t unique)
{
	int in = memfd_create("in", 0);
	char pin[64], path[96];
	tally_sarif_merge *m = NULL;
	tally_engine *x = NULL;
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_sarif_report rep;
	tally_totals t;

	check(in >= 0, "memfd");
	check(write(in, data, size) == (ssize_t)size, "write");
	snprintf(pin, sizeof(pin), "/proc/self/fd/%d", in);
	snprintf(path, sizeof(path), "/tmp/sarif_fuzz_%d.sarif", (int)getpid());
	check(tally_sarif_merge_create(&m, NULL) == TALLY_OK, "merge create");
	check(tally_sarif_merge_add_file(m, pin, NULL, &rep) == TALLY_OK,
	    "a good input merges");
	check(tally_sarif_merge_write(m, path, NULL) == TALLY_OK, "merge write");
	tally_sarif_merge_destroy(m);
	close(in);

	cfg.workers = 1;
	check(tally_engine_create(&x, &cfg) == TALLY_OK, "create");
	check(tally_sarif_read_file(x, path, NULL, &rep) == TALLY_OK,
	    "the merged log reads back");
	t = totals(x);
	check(t.unique == unique, "the merged log keeps every unique result");
	check(t.read == unique, "the merged log holds no duplicate");
	tally_engine_destroy(x);
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_sarif_report rep;
	tally_engine *x = NULL;
	int rc;

	cfg.workers = 1;
	check(tally_engine_create(&x, &cfg) == TALLY_OK, "create");
	rc = tally_sarif_read_buffer(x, data, size, NULL, &rep);
	check(rc == rep.error.status, "status matches the report");
	check(memchr(rep.error.message, '\0', sizeof(rep.error.message)) != NULL,
	    "message is terminated");
	if (rc == TALLY_OK) {
		tally_totals t = totals(x);

		check(rep.error.message[0] == '\0', "no message on success");
		check(t.read == rep.results, "every result is counted");
		if (t.unique < 1000)
			merge_round_trip(data, size, t.unique);
	} else {
		check(rep.error.message[0] != '\0', "an error has a message");
		check(rep.results == 0, "a bad input reports no results");
		check(totals(x).read == 0, "a bad input adds nothing");
	}
	tally_engine_destroy(x);
	return 0;
}
