/*
 * cli/clusters.c - printing correlation clusters (summary, merge).
 */
#include "cli/clusters.h"

#include <stdlib.h>
#include <string.h>

#include "cli/out.h"

static void
json_member(FILE *f, const tally_corr_result *m)
{
	fputs("{\"tool\": ", f);
	out_json_str(f, m->tool, strlen(m->tool));
	fputs(", \"rule\": ", f);
	out_json_str(f, m->rule, strlen(m->rule));
	fprintf(f, ", \"line\": %u, \"column\": %u, \"level\": \"%s\", "
	    "\"message\": ", m->line, m->column, tally_level_name(m->level));
	out_json_str(f, m->message, strlen(m->message));
	fputs("}", f);
}

void
clusters_json(FILE *f, const tally_corr *c)
{
	size_t n, nt;
	const tally_corr_cluster *cl = tally_corr_clusters(c, &n);
	const char *const *tools = tally_corr_tools(c, &nt);

	fputs(",\n  \"clusters\": [", f);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n    {\"path\": " : "\n    {\"path\": ", f);
		out_json_str(f, cl[i].path, strlen(cl[i].path));
		fprintf(f, ", \"first_line\": %u, \"last_line\": %u, "
		    "\"size\": %u, \"cwe\": ", cl[i].first_line,
		    cl[i].last_line, cl[i].size);
		if (cl[i].cwe != 0)
			fprintf(f, "%u", cl[i].cwe);
		else
			fputs("null", f);
		fputs(", \"tools\": [", f);
		for (uint32_t t = 0; t < cl[i].ntools; t++) {
			const char *nm = tools[cl[i].tools[t]];

			fputs(t ? ", " : "", f);
			out_json_str(f, nm, strlen(nm));
		}
		fputs("],\n     \"representative\": ", f);
		json_member(f, &cl[i].members[0]);
		fputs(",\n     \"members\": [", f);
		for (uint32_t m = 0; m < cl[i].size; m++) {
			fputs(m ? ",\n       " : "\n       ", f);
			json_member(f, &cl[i].members[m]);
		}
		fputs("]}", f);
	}
	fputs(n ? "\n  ],\n  \"agreement\": {\"tools\": [" :
	    "],\n  \"agreement\": {\"tools\": [", f);
	for (size_t t = 0; t < nt; t++) {
		fputs(t ? ", " : "", f);
		out_json_str(f, tools[t], strlen(tools[t]));
	}
	fputs("],\n    \"categorized\": [", f);
	for (size_t t = 0; t < nt; t++)
		fprintf(f, "%s%llu", t ? ", " : "",
		    (unsigned long long)tally_corr_categorized(c, t));
	fputs("],\n    \"matrix\": [", f);
	for (size_t a = 0; a < nt; a++) {
		fputs(a ? ",\n      [" : "\n      [", f);
		for (size_t b = 0; b < nt; b++)
			fprintf(f, "%s%llu", b ? ", " : "",
			    (unsigned long long)tally_corr_agreement(c, a, b));
		fputs("]", f);
	}
	fputs(nt ? "\n    ]}" : "]}", f);
}

int
clusters_by_weight(const void *a, const void *b)
{
	const tally_corr_cluster *x = *(const tally_corr_cluster *const *)a;
	const tally_corr_cluster *y = *(const tally_corr_cluster *const *)b;

	if (x->ntools != y->ntools)
		return x->ntools > y->ntools ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* The @top clusters by weight, one line each and their first member. */
static void
text_top(FILE *f, const tally_corr *c, unsigned long top)
{
	size_t n, nt, shown;
	const tally_corr_cluster *cl = tally_corr_clusters(c, &n);
	const char *const *tools = tally_corr_tools(c, &nt);
	const tally_corr_cluster **order;

	order = malloc((n ? n : 1) * sizeof(*order));
	if (order == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		order[i] = &cl[i];
	qsort(order, n, sizeof(*order), clusters_by_weight);
	shown = n < top ? n : top;
	for (size_t i = 0; i < shown; i++) {
		const tally_corr_cluster *k = order[i];
		const tally_corr_result *r = &k->members[0];

		fputs("  ", f);
		out_term_z(f, k->path);
		fprintf(f, ":%u", k->first_line);
		if (k->last_line != k->first_line)
			fprintf(f, "-%u", k->last_line);
		fprintf(f, "  %u results", k->size);
		if (k->cwe != 0)
			fprintf(f, ", CWE-%u", k->cwe);
		fputs(":", f);
		for (uint32_t t = 0; t < k->ntools; t++) {
			fputs(t ? ", " : " ", f);
			out_term_z(f, tools[k->tools[t]]);
		}
		fputs("\n    ", f);
		out_term_z(f, r->tool);
		fputs(" ", f);
		out_term_z(f, r->rule);
		fputs(": ", f);
		out_term_z(f, r->message);
		fputs("\n", f);
	}
	free(order);
}

/* Each tool's categorized results, and the clusters each pair shares. */
static void
text_agreement(FILE *f, const tally_corr *c)
{
	size_t nt;
	const char *const *tools = tally_corr_tools(c, &nt);
	char a[32];

	fprintf(f, "\nAgreement (clusters holding both tools)\n");
	for (size_t t = 0; t < nt; t++) {
		fprintf(f, "  [%zu] ", t + 1);
		out_term_z(f, tools[t]);
		fprintf(f, ": %llu unique results with a category\n",
		    (unsigned long long)tally_corr_categorized(c, t));
	}
	fprintf(f, "  %6s", "");
	for (size_t t = 0; t < nt; t++)
		fprintf(f, " %7s", (snprintf(a, sizeof(a), "[%zu]", t + 1), a));
	fputs("\n", f);
	for (size_t x = 0; x < nt; x++) {
		fprintf(f, "  %6s", (snprintf(a, sizeof(a), "[%zu]", x + 1), a));
		for (size_t y = 0; y < nt; y++)
			fprintf(f, " %7llu",
			    (unsigned long long)tally_corr_agreement(c, x, y));
		fputs("\n", f);
	}
}

void
clusters_text(FILE *f, const tally_corr *c, uint32_t window,
    unsigned long top)
{
	size_t n;
	const tally_corr_cluster *cl = tally_corr_clusters(c, &n);
	uint64_t members = 0;
	char a[32], b[32];

	for (size_t i = 0; i < n; i++)
		members += cl[i].size;
	fprintf(f, "\nClusters (same file, within %u lines, same CWE or tag, "
	    "several tools)\n", window);
	fprintf(f, "  %s cluster%s of %s results\n", out_thousands(n, a),
	    n == 1 ? "" : "s", out_thousands(members, b));
	text_top(f, c, top);
	if (n != 0)
		text_agreement(f, c);
}
