/* A tiny analyzer-side program: read one SARIF log, print its totals. */
#include <stdio.h>

#include <tally.h>

int
main(int argc, char **argv)
{
	tally_engine *e = NULL;
	tally_snapshot *s = NULL;
	tally_sarif_report rep;
	tally_totals t;

	if (argc != 2 || tally_engine_create(&e, NULL) != TALLY_OK)
		return 2;
	if (tally_sarif_read_file(e, argv[1], NULL, &rep) != TALLY_OK) {
		fprintf(stderr, "%s: %s\n", argv[1], rep.error.message);
		return 1;
	}
	tally_engine_flush(e);
	tally_snapshot_acquire(e, &s);
	tally_snapshot_totals(s, &t);
	printf("read %llu unique %llu\n", (unsigned long long)t.read,
	    (unsigned long long)t.unique);
	tally_snapshot_release(s);
	tally_engine_destroy(e);
	return 0;
}
