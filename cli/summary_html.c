/*
 * cli/summary_html.c - `tally summary --format html`: one self-contained
 * page (inline CSS, inline SVG bar charts, no script, nothing fetched) with
 * the counts of the JSON output.
 *
 * The marks a test or a script reads, so that nothing parses prose (each
 * marked element also has data-value, the plain integer, while its text
 * may have thousands separators):
 *
 *   data-count="total", "unique", "suppressed", "duplicates"
 *   data-count="by_level.LEVEL"          every level, zeros too
 *   data-count="rules", "files"          how many rules and files
 *   tr[data-tool] > data-count="by_tool" every tool
 *   tr[data-tool][data-rule] > data-count="by_rule"   the top N rules
 *   tr[data-file] > data-count="top_file"             the top N files
 *   tr[data-file] > data-count="by_file"              every file
 *   svg[data-chart="by_tool"] g[data-tool] rect[data-value], and
 *   svg[data-chart="by_level"] g[data-level] rect[data-value]
 *   tr[data-path] > data-count="inputs.results", "inputs.warnings"
 *   data-count="clusters", "clusters.results"; tr[data-path] >
 *   data-count="cluster.size" (the top N clusters, with --clusters)
 */
#include "cli/summary_html.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/clusters.h"
#include "cli/out.h"

/* Kept under C's 4095-byte string literal. Colours follow the reader's
 * light or dark scheme; no font is fetched, the system's is used. */
static const char style[] =
":root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;"
"--line:#d1d9e0;--alt:#f6f8fa;--bar:#0969da;--bad:#cf222e}\n"
"@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;"
"--line:#3d444d;--alt:#151b23;--bar:#4493f8;--bad:#f85149}}\n"
"body{font:14px/1.5 system-ui,-apple-system,\"Segoe UI\",sans-serif;"
"color:var(--fg);max-width:75rem;margin:2rem auto;padding:0 1rem}\n"
"h1{font-size:1.6rem;margin:0}\n"
"h2{font-size:1.15rem;margin:2rem 0 .5rem;padding-bottom:.2rem;"
"border-bottom:1px solid var(--line)}\n"
".meta{color:var(--muted);margin:.2rem 0}\n"
".row{display:flex;flex-wrap:wrap;gap:0 3rem;align-items:flex-start}\n"
"table{border-collapse:collapse;margin:.25rem 0}\n"
"th,td{padding:.2rem .7rem;text-align:left;vertical-align:top;"
"border-bottom:1px solid var(--line)}\n"
"th{font-weight:600}\n"
"tbody tr:nth-child(even){background:var(--alt)}\n"
".num{text-align:right;font-variant-numeric:tabular-nums;"
"white-space:nowrap}\n"
"code{font:12.5px ui-monospace,Menlo,Consolas,monospace;"
"word-break:break-all}\n"
".none{color:var(--muted);font-style:italic}\n"
".bad{color:var(--bad)}\n"
".nw{white-space:nowrap}\n"
"details>summary{cursor:pointer;margin:.5rem 0}\n"
"figure{margin:0}\n"
"figcaption{color:var(--muted);margin:.25rem 0}\n"
"svg{max-width:100%;height:auto}\n"
"svg text{font:11px system-ui,sans-serif;fill:var(--fg)}\n"
"svg .bar{fill:var(--bar)}\n"
"svg .axis{stroke:var(--line)}\n";

/* ------------------------------------------------------------------ */
/* Escaping                                                            */

/*
 * Write @s (@n bytes from an input: anything) as HTML text or as an
 * attribute value in double quotes: & < > " ' as character references,
 * so that no input opens a tag or ends the attribute; control bytes (C0,
 * DEL) and bytes that are not UTF-8 as U+FFFD, one per byte, so that the
 * page is valid UTF-8 and no input breaks a line or hides a byte. Stop
 * after @max characters (SIZE_MAX: all) and add an ellipsis when cut.
 */
static void
esc_cut(FILE *f, const char *s, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, chars = 0;

	while (i + run < n) {
		const unsigned char *c = p + i + run;
		size_t len = out_utf8_len(c, n - i - run);
		const char *rep = NULL;

		if (chars++ == max) {
			fwrite(p + i, 1, run, f);
			fputs("\xe2\x80\xa6", f);
			return;
		}
		if (len == 0 || *c < 0x20 || *c == 0x7f)
			rep = "&#xFFFD;", len = 1;
		else if (*c == '&')
			rep = "&amp;";
		else if (*c == '<')
			rep = "&lt;";
		else if (*c == '>')
			rep = "&gt;";
		else if (*c == '"')
			rep = "&quot;";
		else if (*c == '\'')
			rep = "&#39;";
		if (rep == NULL) {
			run += len;
			continue;
		}
		fwrite(p + i, 1, run, f);
		fputs(rep, f);
		i += run + len;
		run = 0;
	}
	fwrite(p + i, 1, run, f);
}

static void
esc(FILE *f, const char *s, size_t n)
{
	esc_cut(f, s, n, SIZE_MAX);
}

static void
esc_z(FILE *f, const char *s)
{
	esc(f, s, strlen(s));
}

/* ` NAME="escaped @s"` */
static void
attr(FILE *f, const char *name, const char *s, size_t n)
{
	fprintf(f, " %s=\"", name);
	esc(f, s, n);
	fputs("\"", f);
}

/* A name as a table cell: in <code>, or @none in italics when empty. */
static void
name_td(FILE *f, const char *s, size_t n, const char *none)
{
	if (n == 0) {
		fprintf(f, "<td><span class=\"none\">%s</span></td>", none);
		return;
	}
	fputs("<td><code>", f);
	esc(f, s, n);
	fputs("</code></td>", f);
}

/* A marked number: <TAG class="num" data-count=KEY data-value=V>V,VVV */
static void
count(FILE *f, const char *tag, const char *key, uint64_t v)
{
	char a[32];

	fprintf(f, "<%s class=\"num\" data-count=\"%s\" data-value=\"%llu\">"
	    "%s</%s>", tag, key, (unsigned long long)v, out_thousands(v, a),
	    tag);
}

/* ------------------------------------------------------------------ */
/* Charts                                                              */

/* One bar: a name (from an input, or a level's) and its count. */
typedef struct bar {
	const char *name;
	size_t len;
	uint64_t v;
} bar;

#define CHART_SLOT 84   /* px across per bar */
#define CHART_BAR 48    /* the bar's width */
#define CHART_H 160     /* the tallest bar's height */
#define CHART_TOP 22    /* room above it for its count */
#define CHART_BELOW 34  /* room below the axis for the name */
#define CHART_LABEL 11  /* characters of a name under its bar */

/*
 * An inline SVG of vertical bars, heights proportional to the counts
 * (one that is not zero at least 1px high, so that it shows), each with
 * its count above and its name below (cut to CHART_LABEL characters; the
 * whole name is the bar's tooltip). @key names the chart (data-chart),
 * @attr_name the attribute that names each bar's group, @title what it
 * counts ("by tool").
 */
static void
chart(FILE *f, const char *key, const char *attr_name, const char *title,
    const bar *b, size_t n)
{
	unsigned w = (unsigned)(n ? n : 1) * CHART_SLOT;
	unsigned h = CHART_TOP + CHART_H + CHART_BELOW;
	uint64_t max = 0;
	char a[32];

	for (size_t i = 0; i < n; i++)
		if (b[i].v > max)
			max = b[i].v;
	fprintf(f, "<figure>\n<figcaption>%s</figcaption>\n", title);
	fprintf(f, "<svg data-chart=\"%s\" role=\"img\" aria-label=\"unique "
	    "results %s\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\">\n"
	    "<title>unique results %s</title>\n<line class=\"axis\" x1=\"0\" "
	    "y1=\"%u\" x2=\"%u\" y2=\"%u\"/>\n", key, title, w, h, w, h, title,
	    CHART_TOP + CHART_H, w, CHART_TOP + CHART_H);
	for (size_t i = 0; i < n; i++) {
		double bh = max ? (double)CHART_H * (double)b[i].v /
		    (double)max : 0.0;
		unsigned x = (unsigned)i * CHART_SLOT +
		    (CHART_SLOT - CHART_BAR) / 2;
		double cx = x + CHART_BAR / 2.0;

		if (b[i].v != 0 && bh < 1.0)
			bh = 1.0;
		fprintf(f, "<g %s=\"", attr_name);
		esc(f, b[i].name, b[i].len);
		fputs("\"><title>", f);
		esc(f, b[i].name, b[i].len);
		fprintf(f, ": %s</title><rect class=\"bar\" x=\"%u\" "
		    "y=\"%.2f\" width=\"%u\" height=\"%.2f\" data-value=\"%llu\""
		    "/>", out_thousands(b[i].v, a), x,
		    CHART_TOP + CHART_H - bh, CHART_BAR, bh,
		    (unsigned long long)b[i].v);
		fprintf(f, "<text x=\"%.1f\" y=\"%.2f\" text-anchor=\"middle\">"
		    "%s</text>", cx, CHART_TOP + CHART_H - bh - 5, a);
		fprintf(f, "<text x=\"%.1f\" y=\"%u\" text-anchor=\"middle\">",
		    cx, CHART_TOP + CHART_H + 16);
		if (b[i].len == 0)
			fputs("(no name)", f);
		else
			esc_cut(f, b[i].name, b[i].len, CHART_LABEL);
		fputs("</text></g>\n", f);
	}
	fputs("</svg>\n</figure>\n", f);
}

static void
charts(FILE *f, const summary_html_view *v)
{
	bar lv[TALLY_LEVEL_COUNT];
	bar *tb = calloc(v->ntools ? v->ntools : 1, sizeof(*tb));
	size_t n = 0;

	fputs("<h2>Unique results by tool and by level</h2>\n"
	    "<div class=\"row\">\n", f);
	if (tb != NULL) {
		for (size_t i = 0; i < v->ntools; i++) {
			tb[i].name = out_name(v->e, TALLY_STR_TOOL,
			    v->tools[i].tool, &tb[i].len);
			tb[i].v = v->tools[i].count;
		}
		chart(f, "by_tool", "data-tool", "by tool", tb, v->ntools);
		free(tb);
	}
	for (int l = TALLY_LEVEL_ERROR; l >= TALLY_LEVEL_NONE; l--, n++) {
		lv[n].name = tally_level_name((tally_level)l);
		lv[n].len = strlen(lv[n].name);
		lv[n].v = tally_snapshot_level(v->s, (tally_level)l);
	}
	chart(f, "by_level", "data-level", "by level", lv, n);
	fputs("</div>\n", f);
}

/* ------------------------------------------------------------------ */
/* Sections                                                            */

static void
head(FILE *f, const summary_html_view *v)
{
	char a[32];

	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    /* nothing is fetched nor run, whatever an input holds */
	    "<meta http-equiv=\"Content-Security-Policy\" "
	    "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<meta name=\"generator\" content=\"tally "
	    "%s\">\n<title>tally summary</title>\n<style>\n%s</style>\n"
	    "</head>\n<body>\n<h1>tally summary</h1>\n<p class=\"meta\">"
	    "tally %s &middot; %zu input%s (%s)", tally_version(), style,
	    tally_version(), v->in->n, v->in->n == 1 ? "" : "s",
	    out_bytes(v->in->bytes, a));
	if (v->in->failed)
		fprintf(f, " &middot; <span class=\"bad\">%zu failed (not "
		    "counted)</span>", v->in->failed);
	fputs("</p>\n", f);
	if (v->o->level > TALLY_LEVEL_NONE || v->o->path != NULL) {
		fputs("<p class=\"meta\">Counted: only results", f);
		if (v->o->level > TALLY_LEVEL_NONE)
			fprintf(f, " at level %s or higher",
			    tally_level_name((tally_level)v->o->level));
		if (v->o->level > TALLY_LEVEL_NONE && v->o->path != NULL)
			fputs(" and", f);
		if (v->o->path != NULL) {
			fputs(" in files matching <code>", f);
			esc_z(f, v->o->path);
			fputs("</code>", f);
		}
		fputs(".</p>\n", f);
	}
}

static void
totals(FILE *f, const tally_snapshot *s)
{
	tally_totals t;

	tally_snapshot_totals(s, &t);
	fputs("<section>\n<h2>Totals</h2>\n<table><tbody>\n"
	    "<tr><th scope=\"row\">results read</th>", f);
	count(f, "td", "total", t.read);
	fputs("</tr>\n<tr><th scope=\"row\">unique</th>", f);
	count(f, "td", "unique", t.unique);
	fputs("</tr>\n<tr><th scope=\"row\">suppressed</th>", f);
	count(f, "td", "suppressed", t.suppressed);
	fputs("</tr>\n<tr><th scope=\"row\">duplicates</th>", f);
	count(f, "td", "duplicates", t.duplicates);
	fputs("</tr>\n</tbody></table>\n</section>\n<section>\n"
	    "<h2>Levels</h2>\n<table><thead><tr><th>level</th>"
	    "<th class=\"num\">unique</th></tr></thead><tbody>\n", f);
	for (int l = TALLY_LEVEL_ERROR; l >= TALLY_LEVEL_NONE; l--) {
		const char *nm = tally_level_name((tally_level)l);
		char key[32];

		snprintf(key, sizeof(key), "by_level.%s", nm);
		fprintf(f, "<tr data-level=\"%s\"><td>%s</td>", nm, nm);
		count(f, "td", key, tally_snapshot_level(s, (tally_level)l));
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n</section>\n", f);
}

static void
tools(FILE *f, const summary_html_view *v)
{
	fputs("<section>\n<h2>Tools</h2>\n<table><thead><tr><th>tool</th>"
	    "<th class=\"num\">unique</th></tr></thead><tbody>\n", f);
	for (size_t i = 0; i < v->ntools; i++) {
		size_t len;
		const char *nm = out_name(v->e, TALLY_STR_TOOL,
		    v->tools[i].tool, &len);

		fputs("<tr", f);
		attr(f, "data-tool", nm, len);
		fputs(">", f);
		name_td(f, nm, len, "no name");
		count(f, "td", "by_tool", v->tools[i].count);
		fputs("</tr>\n", f);
	}
	if (v->ntools == 0)
		fputs("<tr><td colspan=\"2\" class=\"none\">none</td></tr>\n",
		    f);
	fputs("</tbody></table>\n</section>\n", f);
}

static void
rules(FILE *f, const summary_html_view *v)
{
	fprintf(f, "<h2>Top %zu of ", v->nrules);
	count(f, "span", "rules", v->rules_total);
	fputs(" rules</h2>\n<table><thead><tr><th class=\"num\">unique</th>"
	    "<th>tool</th><th>rule</th></tr></thead><tbody>\n", f);
	for (size_t i = 0; i < v->nrules; i++) {
		const tally_group *g = &v->rules[i];
		size_t l1, l2;
		const char *n1 = out_name(v->e, TALLY_STR_TOOL, g->tool, &l1);
		const char *n2 = out_name(v->e, TALLY_STR_RULE, g->rule, &l2);

		fputs("<tr", f);
		attr(f, "data-tool", n1, l1);
		attr(f, "data-rule", n2, l2);
		fputs(">", f);
		count(f, "td", "by_rule", g->count);
		name_td(f, n1, l1, "no name");
		name_td(f, n2, l2, "no rule id");
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

/* The first @n files as table rows, their counts marked @key. */
static void
file_rows(FILE *f, const summary_html_view *v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *nm = out_name(v->e, TALLY_STR_FILE,
		    v->files[i].file, &len);

		fputs("<tr", f);
		attr(f, "data-file", nm, len);
		fputs(">", f);
		count(f, "td", key, v->files[i].count);
		name_td(f, nm, len, "no file");
		fputs("</tr>\n", f);
	}
}

/* The top files, then every file in a <details>: there may be thousands,
 * and the page should stay readable at a glance. */
static void
files(FILE *f, const summary_html_view *v)
{
	static const char *const thead = "<table><thead><tr>"
	    "<th class=\"num\">unique</th><th>file</th></tr></thead><tbody>\n";
	size_t top = v->o->top < v->nfiles ? v->o->top : v->nfiles;

	fprintf(f, "<h2>Top %zu of ", top);
	count(f, "span", "files", v->nfiles);
	fputs(" files</h2>\n", f);
	fputs(thead, f);
	file_rows(f, v, top, "top_file");
	fprintf(f, "</tbody></table>\n<details id=\"all-files\">\n<summary>"
	    "All %zu files, by unique results</summary>\n", v->nfiles);
	fputs(thead, f);
	file_rows(f, v, v->nfiles, "by_file");
	fputs("</tbody></table>\n</details>\n", f);
}

static void
cluster_row(FILE *f, const tally_corr_cluster *k, const char *const *tn)
{
	const tally_corr_result *r = &k->members[0];

	fputs("<tr", f);
	attr(f, "data-path", k->path, strlen(k->path));
	fprintf(f, " data-first-line=\"%u\" data-last-line=\"%u\"><td><code>",
	    k->first_line, k->last_line);
	esc_z(f, k->path);
	fprintf(f, "</code></td><td class=\"num\">%u", k->first_line);
	if (k->last_line != k->first_line)
		fprintf(f, "&ndash;%u", k->last_line);
	fputs("</td>", f);
	count(f, "td", "cluster.size", k->size);
	if (k->cwe != 0)
		fprintf(f, "<td class=\"nw\">CWE-%u</td><td>", k->cwe);
	else
		fputs("<td></td><td>", f);
	for (uint32_t t = 0; t < k->ntools; t++) {
		fputs(t ? ", <code>" : "<code>", f);
		esc_z(f, tn[k->tools[t]]);
		fputs("</code>", f);
	}
	fputs("</td><td><code>", f);
	esc_z(f, r->tool);
	fputs("</code> <code>", f);
	esc_z(f, r->rule);
	fputs("</code>: ", f);
	esc_z(f, r->message);
	fputs("</td></tr>\n", f);
}

/* With --clusters: how many, and the top N by weight. */
static void
clusters(FILE *f, const summary_html_view *v)
{
	size_t n, nt, shown;
	const tally_corr_cluster *cl = tally_corr_clusters(v->corr, &n);
	const char *const *tn = tally_corr_tools(v->corr, &nt);
	const tally_corr_cluster **order;
	uint64_t members = 0;

	for (size_t i = 0; i < n; i++)
		members += cl[i].size;
	fputs("<h2>Clusters</h2>\n<p>Results of several tools in the same "
	    "file, within ", f);
	fprintf(f, "%lu lines, sharing a CWE or tag: ", v->o->window);
	count(f, "span", "clusters", n);
	fputs(n == 1 ? " cluster of " : " clusters of ", f);
	count(f, "span", "clusters.results", members);
	fputs(" results.</p>\n", f);
	order = malloc((n ? n : 1) * sizeof(*order));
	if (order == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		order[i] = &cl[i];
	qsort(order, n, sizeof(*order), clusters_by_weight);
	shown = n < v->o->top ? n : v->o->top;
	if (shown != 0) {
		fprintf(f, "<h3>Top %zu of %zu, by tools, then results</h3>\n"
		    "<table><thead><tr><th>file</th><th class=\"num\">lines"
		    "</th><th class=\"num\">results</th><th>CWE</th>"
		    "<th>tools</th><th>first result</th></tr></thead><tbody>\n",
		    shown, n);
		for (size_t i = 0; i < shown; i++)
			cluster_row(f, order[i], tn);
		fputs("</tbody></table>\n", f);
	}
	free(order);
}

static void
inputs_table(FILE *f, const inputs *in)
{
	fputs("<h2>Inputs</h2>\n<table><thead><tr><th>path</th>"
	    "<th class=\"num\">results</th><th class=\"num\">warnings</th>"
	    "<th>error</th></tr></thead><tbody>\n", f);
	for (size_t i = 0; i < in->n; i++) {
		const tally_sarif_report *r = &in->rep[i];

		fputs("<tr", f);
		attr(f, "data-path", in->paths[i], strlen(in->paths[i]));
		fputs("><td><code>", f);
		esc_z(f, in->paths[i]);
		fputs("</code></td>", f);
		count(f, "td", "inputs.results", r->results);
		count(f, "td", "inputs.warnings", in->warn[i].n);
		if (r->error.status == TALLY_OK)
			fputs("<td></td>", f);
		else {
			fputs("<td class=\"bad\">", f);
			esc_z(f, r->error.message);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

void
summary_html(FILE *f, const summary_html_view *v)
{
	head(f, v);
	/* the small tables side by side when the window is wide enough */
	fputs("<div class=\"row\">\n", f);
	totals(f, v->s);
	tools(f, v);
	fputs("</div>\n", f);
	charts(f, v);
	rules(f, v);
	files(f, v);
	if (v->corr != NULL)
		clusters(f, v);
	inputs_table(f, v->in);
	fputs("</body>\n</html>\n", f);
}
