/*
 * cli/clusters.h - printing correlation clusters (summary, merge).
 */
#ifndef TALLY_CLI_CLUSTERS_H
#define TALLY_CLI_CLUSTERS_H

#include <stdio.h>

#include "tally.h"

/*
 * qsort order of tally_corr_cluster pointers: most tools first, then the
 * most results, then the index's own order (as every output ranks them).
 */
int clusters_by_weight(const void *a, const void *b);

/*
 * The text section: how many clusters, the @top with the most tools (then
 * the most results, then in file order), and the agreement matrix.
 */
void clusters_text(FILE *f, const tally_corr *c, uint32_t window,
    unsigned long top);

/*
 * The JSON members ",\n  \"clusters\": [...],\n  \"agreement\": {...}" (to
 * go inside an object; no closing brace).
 */
void clusters_json(FILE *f, const tally_corr *c);

#endif /* TALLY_CLI_CLUSTERS_H */
