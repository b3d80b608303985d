/*
 * cli/cmd_merge.c - `tally merge`: one SARIF log, one run per tool, exact
 * duplicates dropped.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/out.h"

static const char help[] =
"Usage: tally merge [OPTION]... FILE... -o OUT.sarif\n"
"\n"
"Merge SARIF 2.1.0 logs into one valid SARIF 2.1.0 log with one run per\n"
"tool (by tool.driver.name). Each run keeps the first driver seen for its\n"
"tool with the union of all its rules, and the distinct artifacts of all\n"
"its runs; ruleIndex and artifact indexes are re-pointed. Exact duplicates\n"
"(same tool, rule, file, line, column, offset and message) are written\n"
"once.\n"
"A run with no results is kept. An input that cannot be read is reported\n"
"on stderr and left out; the others are still merged.\n"
"\n"
"Options:\n"
"  -o, --output FILE   where to write the merged log ('-' for stdout);\n"
"                      written to a temporary file and renamed when done\n"
"      --progress      always show progress on stderr\n"
"      --no-progress   never show progress (default: shown when stderr is a\n"
"                      terminal and the inputs exceed 64 MiB)\n"
"      --stats         print time, throughput and peak memory on stderr\n"
"  -h, --help          show this help and exit\n"
"\n"
"Annotations (each written result gets what applies):\n"
"  -b, --baseline OLD  classify the results against the log OLD as 'tally\n"
"                      diff' does: each gets \"baselineState\" (new,\n"
"                      unchanged, updated), and OLD's unmatched results are\n"
"                      written too, as \"absent\"\n"
"      --sources DIR   compute partialFingerprints.primaryLocationLineHash\n"
"                      (GitHub's) from the source files, relative paths\n"
"                      taken under DIR (and absolute ones under --root);\n"
"                      a result that has one keeps it\n"
"      --clusters      correlate as 'tally summary --clusters' does: each\n"
"                      member of a cluster gets relatedLocations (the other\n"
"                      members) and properties.tallyCluster {id, size,\n"
"                      tools}\n"
"      --window N      lines apart that still correlate (default 3; implies\n"
"                      --clusters)\n"
"      --root DIR      correlate paths under DIR as relative to it (implies\n"
"                      --clusters); with --sources, read them under it\n"
"\n"
"Exit status: 0 success, 2 usage error, unreadable input or write error.\n";

/* Say on stderr what the annotations did. */
static void
annotations_note(const tally_sarif_merge *m, bool baseline, bool sources,
    bool clusters)
{
	tally_sarif_merge_stats r;

	tally_sarif_merge_stats_get(m, &r);
	if (baseline)
		fprintf(stderr, "tally: baseline: %llu new, %llu unchanged, "
		    "%llu updated, %llu absent\n",
		    (unsigned long long)r.baseline[TALLY_BASELINE_NEW],
		    (unsigned long long)r.baseline[TALLY_BASELINE_UNCHANGED],
		    (unsigned long long)r.baseline[TALLY_BASELINE_UPDATED],
		    (unsigned long long)r.baseline[TALLY_BASELINE_ABSENT]);
	if (sources)
		fprintf(stderr, "tally: sources: %llu line hashes computed, "
		    "%llu results without one (%llu files unreadable)\n",
		    (unsigned long long)r.hashed, (unsigned long long)r.unhashed,
		    (unsigned long long)r.unreadable);
	if (clusters)
		fprintf(stderr, "tally: clusters: %llu results are members\n",
		    (unsigned long long)r.clustered);
}

int
cmd_merge(int argc, char **argv)
{
	enum { O_PROGRESS = 256, O_NO_PROGRESS, O_STATS, O_SOURCES,
		O_CLUSTERS, O_WINDOW, O_ROOT };
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "sources", required_argument, NULL, O_SOURCES },
		{ "clusters", no_argument, NULL, O_CLUSTERS },
		{ "window", required_argument, NULL, O_WINDOW },
		{ "root", required_argument, NULL, O_ROOT },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "no-progress", no_argument, NULL, O_NO_PROGRESS },
		{ "stats", no_argument, NULL, O_STATS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_sarif_merge *m = NULL;
	tally_corr_config cc = TALLY_CORR_CONFIG_INIT;
	tally_corr *corr = NULL;
	const char *out = NULL, *baseline = NULL, *sources = NULL;
	int c, rc, force = -1, status = EXIT_OK;
	bool stats = false, clusters = false;
	unsigned long window = 3;
	size_t n, failed = 0;
	uint64_t bytes = 0, prev = 0, read, unique;
	tally_sarif_merge_stats totals;
	tally_error err;
	double t0 = out_now();
	char **paths;
	progress pg;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:b:h", lo, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'b': baseline = optarg; break;
		case O_SOURCES: sources = optarg; break;
		case O_CLUSTERS: clusters = true; break;
		case O_WINDOW:
			if (!out_parse_uint(optarg, &window) ||
			    window > UINT32_MAX) {
				out_error("merge: --window needs a number of "
				    "lines, not '%s'", optarg);
				return EXIT_USAGE;
			}
			clusters = true;
			break;
		case O_ROOT:
			cc.root = optarg;
			clusters = true;
			break;
		case O_PROGRESS: force = 1; break;
		case O_NO_PROGRESS: force = 0; break;
		case O_STATS: stats = true; break;
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		default:
			return out_bad_option("merge", c, argv);
		}
	}
	if (out == NULL) {
		out_error("merge: no output file: give -o OUT.sarif (try "
		    "'tally merge --help')");
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		out_error("merge: no input files (try 'tally merge --help')");
		return EXIT_USAGE;
	}
	paths = argv + optind;
	n = (size_t)(argc - optind);
	if ((rc = tally_sarif_merge_create(&m, NULL)) != TALLY_OK) {
		out_error("merge: %s", tally_strerror(rc));
		return EXIT_USAGE;
	}
	cc.window = (uint32_t)window;
	if (clusters && ((rc = tally_corr_create(&cc, NULL, &corr)) ||
	    (rc = tally_sarif_merge_correlate(m, corr)))) {
		out_error("merge: cannot correlate: %s", tally_strerror(rc));
		status = EXIT_USAGE;
		goto out;
	}
	if (sources != NULL &&
	    (rc = tally_sarif_merge_sources(m, sources, cc.root)) !=
	    TALLY_OK) {
		out_error("merge: %s", tally_strerror(rc));
		status = EXIT_USAGE;
		goto out;
	}
	if (baseline != NULL) {
		tally_sarif_report rep;

		rc = tally_sarif_merge_baseline(m, baseline, &so, &rep);
		if (rc != TALLY_OK) {
			out_error("%s: %s", baseline, rep.error.message);
			status = EXIT_USAGE;
			goto out;
		}
	}
	progress_init(&pg, force, paths, n);
	so.progress = progress_cb;
	so.progress_arg = &pg;
	for (size_t i = 0; i < n; i++) {
		tally_sarif_report rep;

		progress_file(&pg, i, prev);
		rc = tally_sarif_merge_add_file(m, paths[i], &so, &rep);
		prev = rep.bytes;
		bytes += rep.bytes;
		if (rc != TALLY_OK) {
			progress_done(&pg);
			out_error("%s: %s", paths[i], rep.error.message);
			failed++;
		}
	}
	progress_done(&pg);
	rc = corr != NULL ? tally_corr_compute(corr) : TALLY_OK;
	if (rc != TALLY_OK) {
		out_error("merge: cannot correlate: %s", tally_strerror(rc));
		status = EXIT_USAGE;
	} else if (tally_sarif_merge_write(m, out, &err) != TALLY_OK) {
		out_error("merge: %s", err.message);
		status = EXIT_USAGE;
	}
	tally_sarif_merge_stats_get(m, &totals);
	read = totals.read;
	unique = totals.unique;
	if (stats || strcmp(out, "-") != 0) {
		char a[32];

		fprintf(stderr, "tally: merged %zu of %zu inputs: %llu results, "
		    "%llu unique, %llu duplicates dropped%s%s\n", n - failed, n,
		    (unsigned long long)read, (unsigned long long)unique,
		    (unsigned long long)(read - unique),
		    status == EXIT_OK ? " -> " : "",
		    status == EXIT_OK ? out : "");
		if (stats) {
			double dt = out_now() - t0;
			char b[32];

			fprintf(stderr, "tally: stats: %s in %.3f s = %.1f MB/s, "
			    "peak RSS %s\n", out_bytes(bytes, a), dt,
			    bytes / 1e6 / dt, out_bytes(out_peak_rss(), b));
		}
	}
	if (status == EXIT_OK)
		annotations_note(m, baseline != NULL, sources != NULL,
		    corr != NULL);
out:
	tally_sarif_merge_destroy(m);
	tally_corr_destroy(corr);
	return failed ? EXIT_USAGE : status;
}
