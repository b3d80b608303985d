/*
 * tests/fuzz/merge_fuzz.c - libFuzzer target for the merge with its
 * annotations: correlation clusters, a baseline (baselineState), line
 * hashes from sources, duplicates kept or dropped.
 *
 * Input: LOG [NUL BASELINE [NUL FLAGS]]; an empty BASELINE is none.
 * FLAGS' first byte (0 when absent):
 *   bit 0  keep duplicates           bit 1  no clusters
 *   bit 2  line hashes from sources  bit 3  include_suppressed
 *   bit 4  LOG added twice           bits 5-7  cluster window (0: 3)
 * When every input reads well, the merged log must be written, must read
 * back (so a writer that emits invalid JSON or UTF-8 is a finding), and
 * must hold exactly the results the merge's counts say it wrote.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"

enum {
	KEEP_DUPLICATES = 1 << 0,
	NO_CLUSTERS = 1 << 1,
	SOURCES = 1 << 2,
	INCLUDE_SUPPRESSED = 1 << 3,
	ADD_TWICE = 1 << 4,
};

/* Walk the clusters: each well formed, its members' strings readable. */
static void
walk_clusters(const tally_corr *c)
{
	size_t n, nt;
	const tally_corr_cluster *cl = tally_corr_clusters(c, &n);
	const char *const *tools = tally_corr_tools(c, &nt);

	for (size_t k = 0; k < n; k++) {
		fuzz_check(cl[k].path != NULL && cl[k].size >= 1 &&
		    cl[k].first_line <= cl[k].last_line &&
		    cl[k].ntools >= 1 && cl[k].ntools <= nt,
		    "a cluster is well formed");
		for (uint32_t t = 0; t < cl[k].ntools; t++)
			fuzz_check(cl[k].tools[t] < nt &&
			    tools[cl[k].tools[t]] != NULL,
			    "a cluster's tools are known");
		for (uint32_t i = 0; i < cl[k].size; i++) {
			const tally_corr_result *r = &cl[k].members[i];

			fuzz_check(r->tool != NULL && r->rule != NULL &&
			    r->path != NULL && r->message != NULL,
			    "a member has its strings");
			fuzz_check(strcmp(r->path, cl[k].path) == 0 &&
			    r->line >= cl[k].first_line &&
			    r->line <= cl[k].last_line,
			    "a member lies in its cluster's range");
			(void)strlen(r->tool);
			(void)strlen(r->rule);
			(void)strlen(r->message);
		}
	}
}

/* Read the merged log @path back: it must be good and hold @results. */
static void
read_back(const char *path, uint64_t results)
{
	tally_engine *e = fuzz_engine();
	tally_sarif_report rep;
	int rc = tally_sarif_read_file(e, path, NULL, &rep);

	if (rc != TALLY_OK)
		fprintf(stderr, "merged log: %s\n", rep.error.message);
	fuzz_check(rc == TALLY_OK, "the merged log reads back");
	fuzz_check(rep.results == results,
	    "the merged log holds the results the counts say");
	fuzz_check(fuzz_totals(e).read == results, "every result is counted");
	tally_engine_destroy(e);
}

static void
merge_and_check(const char *log, const char *base, unsigned flags)
{
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_corr_config cc = TALLY_CORR_CONFIG_INIT;
	tally_sarif_merge *m = NULL;
	tally_sarif_merge_stats st;
	tally_sarif_report rep;
	tally_corr *corr = NULL;
	tally_error err;
	char out[128];
	uint64_t kept;
	int rc = TALLY_OK;

	so.include_suppressed = (flags & INCLUDE_SUPPRESSED) != 0;
	cc.window = flags >> 5 ? flags >> 5 : 3;
	fuzz_check(tally_sarif_merge_create(&m, NULL) == TALLY_OK, "create");
	if (flags & KEEP_DUPLICATES)
		fuzz_check(tally_sarif_merge_keep_duplicates(m) == TALLY_OK,
		    "keep duplicates before the first add");
	if (!(flags & NO_CLUSTERS)) {
		fuzz_check(tally_corr_create(&cc, NULL, &corr) == TALLY_OK,
		    "corr create");
		fuzz_check(tally_sarif_merge_correlate(m, corr) == TALLY_OK,
		    "correlate before the first add");
	}
	if (flags & SOURCES)
		fuzz_check(tally_sarif_merge_sources(m,
		    TALLY_TEST_DATA "/annot/src", NULL) == TALLY_OK, "sources");
	if (base != NULL)
		rc = tally_sarif_merge_baseline(m, base, &so, &rep);
	if (rc == TALLY_OK)
		rc = tally_sarif_merge_add_file(m, log, &so, &rep);
	if (rc == TALLY_OK && (flags & ADD_TWICE))
		rc = tally_sarif_merge_add_file(m, log, &so, &rep);
	if (rc != TALLY_OK) {
		fuzz_check(rep.error.status == rc && rep.error.message[0] != '\0',
		    "a failed input has its status and a message");
		goto out;
	}
	if (corr != NULL) {
		fuzz_check(tally_corr_compute(corr) == TALLY_OK, "corr compute");
		walk_clusters(corr);
	}
	snprintf(out, sizeof(out), "%s/merged.sarif", fuzz_tmpdir());
	rc = tally_sarif_merge_write(m, out, &err);
	if (rc != TALLY_OK)
		fprintf(stderr, "merge write: %s\n", err.message);
	fuzz_check(rc == TALLY_OK, "a merge of good inputs is written");
	tally_sarif_merge_stats_get(m, &st);
	fuzz_check(st.unique <= st.read, "unique results are among those read");
	kept = flags & KEEP_DUPLICATES ? st.read : st.unique;
	if (base != NULL)
		fuzz_check(st.baseline[TALLY_BASELINE_NEW] +
		    st.baseline[TALLY_BASELINE_UNCHANGED] +
		    st.baseline[TALLY_BASELINE_UPDATED] + st.suppressed_new ==
		    kept, "each written input result has one baselineState");
	else
		fuzz_check(st.baseline[TALLY_BASELINE_NEW] == 0 &&
		    st.baseline[TALLY_BASELINE_ABSENT] == 0 &&
		    st.suppressed_new == 0, "no baseline, no baselineState");
	read_back(out, kept + st.baseline[TALLY_BASELINE_ABSENT]);
	fuzz_check(unlink(out) == 0, "the merged log is where it was written");
out:
	tally_sarif_merge_destroy(m);
	tally_corr_destroy(corr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[3];
	size_t len[3], np = fuzz_split(data, size, part, len, 3);
	char pl[64], pb[64];
	int fl, fb = -1;

	fl = fuzz_file(part[0], len[0], pl, sizeof(pl));
	if (np >= 2 && len[1] != 0)
		fb = fuzz_file(part[1], len[1], pb, sizeof(pb));
	merge_and_check(pl, fb >= 0 ? pb : NULL,
	    np == 3 && len[2] != 0 ? part[2][0] : 0);
	close(fl);
	if (fb >= 0)
		close(fb);
	return 0;
}
