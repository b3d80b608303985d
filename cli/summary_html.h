/*
 * cli/summary_html.h - `tally summary --format html`: one self-contained
 * page of the summary's counts.
 */
#ifndef TALLY_CLI_SUMMARY_HTML_H
#define TALLY_CLI_SUMMARY_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "cli/inputs.h"
#include "cli/opts.h"
#include "tally.h"

/* What the page shows: the summary's counts, ranked by count. */
typedef struct summary_html_view {
	const cli_opts *o;         /* top, level, path, window */
	const tally_engine *e;     /* the names behind the groups' ids */
	const tally_snapshot *s;
	const inputs *in;
	const tally_corr *corr;    /* NULL without --clusters */
	const tally_group *tools;  /* every tool */
	size_t ntools;
	const tally_group *rules;  /* the top rules */
	size_t nrules, rules_total;
	const tally_group *files;  /* every file: the page lists them all */
	size_t nfiles;
} summary_html_view;

/*
 * Write the page to @f: nothing in it is fetched or run (inline CSS and
 * SVG, no script, a Content-Security-Policy that forbids both), every
 * string from the inputs is escaped, and every number of the JSON output's
 * totals, by_level, by_tool, by_rule (the top N) and by_file is in an
 * element with data-count (what it counts) and data-value (the integer),
 * under a row that names it (data-tool, data-rule, data-file).
 */
void summary_html(FILE *f, const summary_html_view *v);

#endif /* TALLY_CLI_SUMMARY_HTML_H */
