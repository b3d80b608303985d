/*
 * tests/diff_test.c - baselines: tally_sarif_diff_create() on a hand-made
 * pair of logs (tests/data/diff/README.md says what each result is for:
 * the expectations below come from that design, not from a run).
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "tally.h"

#define DATA TALLY_TEST_DATA "/diff"

static tally_engine *e;
static tally_sarif_diff *d;

static void
setup(void)
{
	cr_assert(eq(int, tally_engine_create(&e, NULL), TALLY_OK));
}

static void
teardown(void)
{
	tally_sarif_diff_destroy(d);
	d = NULL;
	tally_engine_destroy(e);
}

TestSuite(diff, .init = setup, .fini = teardown, .timeout = 60);

Test(diff, every_pass_classifies_its_case)
{
	/* new.sarif, in order; then the absent results of old.sarif */
	static const struct {
		tally_baseline st;
		unsigned line, base_line;
	} want[] = {
		{ TALLY_BASELINE_UNCHANGED, 10, 10 }, /* pass 1: exact */
		{ TALLY_BASELINE_UPDATED, 22, 20 },   /* pass 3: 2 lines away */
		{ TALLY_BASELINE_UNCHANGED, 40, 40 }, /* pass 1 */
		{ TALLY_BASELINE_UPDATED, 61, 60 },   /* pass 3: nearest first */
		{ TALLY_BASELINE_UPDATED, 105, 5 },   /* pass 2: unique, far */
		{ TALLY_BASELINE_UPDATED, 7, 7 },     /* pass 4: reworded */
		{ TALLY_BASELINE_NEW, 3, 0 },         /* a rule OLD lacks */
		{ TALLY_BASELINE_NEW, 10, 0 },        /* a second copy */
		{ TALLY_BASELINE_ABSENT, 1, 0 },      /* OLD's r4 */
	};
	tally_sarif_report rep[2];
	const tally_sarif_diff_entry *x;
	size_t n;

	cr_assert(eq(int, tally_sarif_diff_create(e, DATA "/old.sarif",
	    DATA "/new.sarif", NULL, &d, rep), TALLY_OK));
	cr_expect(eq(u64, rep[0].results, 7));
	cr_expect(eq(u64, rep[1].results, 8));
	x = tally_sarif_diff_entries(d, &n);
	cr_assert(eq(sz, n, sizeof(want) / sizeof(want[0])));
	for (size_t i = 0; i < n; i++) {
		cr_expect(eq(int, (int)x[i].state, (int)want[i].st), "entry %zu",
		    i);
		cr_expect(eq(u32, x[i].v.line, want[i].line), "entry %zu", i);
		if (want[i].base_line != 0)
			cr_expect(eq(u32, x[i].base.line, want[i].base_line),
			    "entry %zu", i);
	}
	cr_expect(eq(u64, tally_sarif_diff_count(d, TALLY_BASELINE_NEW), 2));
	cr_expect(eq(u64, tally_sarif_diff_count(d, TALLY_BASELINE_UNCHANGED), 2));
	cr_expect(eq(u64, tally_sarif_diff_count(d, TALLY_BASELINE_UPDATED), 4));
	cr_expect(eq(u64, tally_sarif_diff_count(d, TALLY_BASELINE_ABSENT), 1));
	/* the reworded result keeps both messages */
	cr_expect(ne(u32, x[5].v.message, x[5].base.message));
}

Test(diff, a_log_against_itself_is_all_unchanged)
{
	size_t n;
	const tally_sarif_diff_entry *x;

	cr_assert(eq(int, tally_sarif_diff_create(e, DATA "/new.sarif",
	    DATA "/new.sarif", NULL, &d, NULL), TALLY_OK));
	x = tally_sarif_diff_entries(d, &n);
	cr_assert(eq(sz, n, 8));
	for (size_t i = 0; i < n; i++) {
		cr_expect(eq(int, (int)x[i].state,
		    (int)TALLY_BASELINE_UNCHANGED));
		cr_expect(eq(u64, x[i].index, i));
	}
}

Test(diff, swapping_the_logs_swaps_new_and_absent)
{
	cr_assert(eq(int, tally_sarif_diff_create(e, DATA "/new.sarif",
	    DATA "/old.sarif", NULL, &d, NULL), TALLY_OK));
	cr_expect(eq(u64, tally_sarif_diff_count(d, TALLY_BASELINE_NEW), 1));
	cr_expect(eq(u64, tally_sarif_diff_count(d, TALLY_BASELINE_ABSENT), 2));
	cr_expect(eq(u64, tally_sarif_diff_count(d, TALLY_BASELINE_UPDATED), 4));
	cr_expect(eq(u64, tally_sarif_diff_count(d, TALLY_BASELINE_UNCHANGED), 2));
}

Test(diff, unreadable_inputs_are_reported)
{
	tally_sarif_report rep[2];

	cr_expect(eq(int, tally_status_family(tally_sarif_diff_create(e,
	    DATA "/missing.sarif", DATA "/new.sarif", NULL, &d, rep)),
	    TALLY_EIO));
	cr_expect(eq(int, tally_status_family(rep[0].error.status), TALLY_EIO));
	cr_expect(eq(ptr, d, NULL));
	cr_expect(eq(int, tally_sarif_diff_create(NULL, "a", "b", NULL, &d,
	    NULL), TALLY_EINVAL));
	cr_expect(eq(str, (char *)tally_sarif_baseline_name(TALLY_BASELINE_UPDATED),
	    "updated"));
	cr_expect(eq(ptr, (void *)tally_sarif_baseline_name((tally_baseline)9),
	    NULL));
}

/* primaryLocationLineHash matches a line that moved far among repeats. */
Test(diff, line_hashes_match_what_moved_far)
{
	static const unsigned base[3] = { 10, 20, 30 };
	const tally_sarif_diff_entry *x;
	size_t n;

	cr_assert(eq(int, tally_sarif_diff_create(e, DATA "/plh_old.sarif",
	    DATA "/plh_new.sarif", NULL, &d, NULL), TALLY_OK));
	x = tally_sarif_diff_entries(d, &n);
	cr_assert(eq(sz, n, 3));
	for (int i = 0; i < 3; i++) {
		cr_expect(eq(int, (int)x[i].state, (int)TALLY_BASELINE_UPDATED),
		    "entry %d", i);
		cr_expect(eq(u32, x[i].base.line, base[i]), "entry %d", i);
	}
	tally_sarif_diff_destroy(d);
	/* without the hashes the far move is new and absent */
	cr_assert(eq(int, tally_sarif_diff_create(e, DATA "/noplh_old.sarif",
	    DATA "/noplh_new.sarif", NULL, &d, NULL), TALLY_OK));
	cr_expect(eq(u64, tally_sarif_diff_count(d, TALLY_BASELINE_UPDATED), 2));
	cr_expect(eq(u64, tally_sarif_diff_count(d, TALLY_BASELINE_NEW), 1));
	cr_expect(eq(u64, tally_sarif_diff_count(d, TALLY_BASELINE_ABSENT), 1));
}
