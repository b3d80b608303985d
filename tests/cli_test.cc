/*
 * tests/cli_test.cc - the tally program, run as a user runs it.
 *
 * Expected counts come from an independent reading of the same logs: the
 * definitions implemented again here over simdjson's DOM (the whole log
 * parsed into a tree, navigated by key), which shares no code with tally's
 * streaming reader (json_scan framing + On-Demand per result).
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <simdjson.h>

using namespace simdjson;

#define DATA TALLY_TEST_DATA

TestSuite(cli, .timeout = 600);

/*
 * Criterion 2.4's typed assertions (eq(u64, ...)) do not compile in C++ for
 * 64-bit integers or std::string (its value printer has no overload), so
 * this file states comparisons directly and prints both sides.
 */
#define EXPECT_U64(got, want, ...)                                           \
	do {                                                                 \
		unsigned long long g_ = (got), w_ = (want);                  \
		cr_expect(g_ == w_, "%s: got %llu, want %llu", #got, g_, w_); \
	} while (0)
#define EXPECT_STR(got, want)                                                \
	do {                                                                 \
		std::string g_ = (got), w_ = (want);                         \
		cr_expect(g_ == w_, "%s: got \"%s\", want \"%s\"", #got,   \
		    g_.c_str(), w_.c_str());                                 \
	} while (0)

/* ------------------------------------------------------------------ */
/* The reference reader                                                */

struct ref {
	unsigned min_level = 0;       /* --level: 0 none .. 3 error */
	const char *glob = nullptr;   /* --path */
	uint64_t total = 0, unique = 0;
	std::map<std::string, uint64_t> by_level, by_tool, by_file;
	std::map<std::pair<std::string, std::string>, uint64_t> by_rule;
};

using key = std::tuple<std::string, std::string, std::string, uint64_t,
    uint64_t, uint64_t, std::string>;

static bool
present(dom::element obj, const char *k, dom::element *out)
{
	dom::element v;

	if (!obj.is_object() || obj.get_object()[k].get(v) != SUCCESS ||
	    v.is_null())
		return false;
	*out = v;
	return true;
}

static std::string
str(dom::element obj, const char *k)
{
	dom::element v;

	return present(obj, k, &v) ? std::string(std::string_view(v)) : "";
}

static uint64_t
num(dom::element obj, const char *k)
{
	dom::element v;

	return present(obj, k, &v) ? uint64_t(v) : 0;
}

static std::string
normalize(std::string u)
{
	std::string o;

	if (u.rfind("file://", 0) == 0)
		u = u.substr(7);
	for (char c : u)
		if (!(c == '/' && !o.empty() && o.back() == '/'))
			o += c;
	while (o.rfind("./", 0) == 0)
		o = o.substr(2);
	return o;
}

static unsigned
level_rank(const std::string &level)
{
	return level == "error" ? 3 : level == "warning" ? 2 :
	    level == "note" ? 1 : 0;
}

static void
reference_file(const std::string &path, std::set<key> &seen, ref &r)
{
	dom::parser parser;
	dom::element doc;

	cr_assert(eq(int, parser.load(path).get(doc), SUCCESS), "%s",
	    path.c_str());
	for (dom::element run : doc["runs"].get_array()) {
		dom::element driver = run["tool"]["driver"], rules, arts, res;
		std::string tool = std::string(std::string_view(driver["name"]));
		bool has_rules = present(driver, "rules", &rules);
		bool has_arts = present(run, "artifacts", &arts);

		if (!present(run, "results", &res))
			continue;
		for (dom::element x : res.get_array()) {
			dom::element v, loc, rule_obj, t;
			bool rule_found = false;
			int64_t ri = -1;
			std::string rule, level, file, msg;
			uint64_t line = 0, col = 0, off = 0;

			if (present(x, "ruleIndex", &v))
				ri = int64_t(v);
			if (present(x, "ruleId", &v))
				rule = std::string(std::string_view(v));
			else if (ri >= 0)
				rule = str(rules.at(size_t(ri)), "id");
			if (ri >= 0) {
				rule_obj = rules.at(size_t(ri));
				rule_found = true;
			} else if (present(x, "ruleId", &v) && has_rules) {
				for (dom::element ro : rules.get_array()) {
					if (str(ro, "id") == rule) {
						rule_obj = ro;
						rule_found = true;
						break;
					}
				}
			}
			if (present(x, "level", &v))
				level = std::string(std::string_view(v));
			else if (present(x, "kind", &v) &&
			    std::string_view(v) != "fail")
				level = "none";
			else if (rule_found &&
			    present(rule_obj, "defaultConfiguration", &t) &&
			    present(t, "level", &v))
				level = std::string(std::string_view(v));
			else
				level = "warning";
			if (present(x, "locations", &v) &&
			    v.get_array().size() > 0) {
				dom::element pl, al, reg;

				loc = v.get_array().at(0);
				if (present(loc, "physicalLocation", &pl)) {
					if (present(pl, "artifactLocation", &al)) {
						dom::element u, i, l;

						if (present(al, "uri", &u))
							file = std::string(
							    std::string_view(u));
						else if (present(al, "index", &i) &&
						    int64_t(i) >= 0 && has_arts &&
						    present(arts.at(size_t(
						    int64_t(i))), "location", &l))
							file = str(l, "uri");
					}
					if (present(pl, "region", &reg)) {
						dom::element o;

						line = num(reg, "startLine");
						col = num(reg, "startColumn");
						if (present(reg, "charOffset", &o))
							off = uint64_t(o);
						else
							off = num(reg, "byteOffset");
					}
				}
			}
			file = normalize(file);
			if (level_rank(level) < r.min_level || (r.glob != nullptr &&
			    fnmatch(r.glob, file.c_str(), 0) != 0))
				continue; /* as if absent */
			if (present(x, "message", &v)) {
				dom::element m;

				if (present(v, "text", &m))
					msg = std::string(std::string_view(m));
				else
					msg = str(v, "id");
			}
			r.total++;
			if (!seen.insert(key(tool, rule, file, line, col, off,
			    msg)).second)
				continue;
			r.unique++;
			r.by_level[level]++;
			r.by_tool[tool]++;
			r.by_rule[{ tool, rule }]++;
			r.by_file[file]++;
		}
	}
}

static ref
reference(const std::vector<std::string> &paths, unsigned min_level = 0,
    const char *glob = nullptr)
{
	std::set<key> seen;
	ref r;

	r.min_level = min_level;
	r.glob = glob;

	for (const auto &p : paths)
		reference_file(p, seen, r);
	return r;
}

/* ------------------------------------------------------------------ */
/* Running the program                                                 */

struct result {
	int status;
	std::string out, err;
};

static std::string
quote(const std::string &s)
{
	std::string q = "'";

	for (char c : s)
		q += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return q + "'";
}

static std::string
read_all(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream ss;

	ss << f.rdbuf();
	return ss.str();
}

static result
run(const std::vector<std::string> &args)
{
	char errpath[] = "/tmp/tally-cli-err-XXXXXX";
	int fd = mkstemp(errpath);
	std::string cmd = quote(TALLY_CLI);
	result r;
	FILE *p;
	char buf[65536];
	size_t n;

	cr_assert(ge(int, fd, 0));
	close(fd);
	for (const auto &a : args)
		cmd += " " + quote(a);
	cmd += " 2>" + quote(errpath);
	p = popen(cmd.c_str(), "r");
	cr_assert(not(eq(ptr, p, nullptr)));
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		r.out.append(buf, n);
	r.status = pclose(p);
	r.status = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
	r.err = read_all(errpath);
	unlink(errpath);
	return r;
}

static std::vector<std::string>
corpus_files(void)
{
	std::vector<std::string> out;
	DIR *top = opendir(TALLY_CORPUS_DIR);
	struct dirent *d;

	if (top == nullptr)
		return out;
	while ((d = readdir(top)) != nullptr) {
		std::string sub = std::string(TALLY_CORPUS_DIR) + "/" + d->d_name;
		DIR *dd;
		struct dirent *f;

		if (d->d_name[0] == '.' || (dd = opendir(sub.c_str())) == nullptr)
			continue;
		while ((f = readdir(dd)) != nullptr) {
			std::string name = f->d_name;

			if (name.size() > 6 &&
			    name.compare(name.size() - 6, 6, ".sarif") == 0)
				out.push_back(sub + "/" + name);
		}
		closedir(dd);
	}
	closedir(top);
	std::sort(out.begin(), out.end());
	return out;
}

static std::vector<std::string>
sample_files(void)
{
	return { DATA "/defs/defs.sarif", DATA "/samples/eslint-recommended.sarif",
		DATA "/samples/jscpd.sarif", DATA "/samples/markdownlint.sarif",
		DATA "/samples/cppcheck-multitool.sarif" };
}

/* ------------------------------------------------------------------ */
/* Comparing tally's JSON with the reference                           */

static void
expect_json_matches(const std::string &json, const ref &want,
    const std::vector<std::string> &inputs)
{
	dom::parser parser;
	dom::element doc;
	uint64_t prev = UINT64_MAX;
	std::string prev_name;
	size_t i;

	cr_assert(eq(int, parser.parse(json).get(doc), SUCCESS), "not JSON: %s",
	    json.substr(0, 200).c_str());
	EXPECT_U64(uint64_t(doc["total"]), want.total);
	EXPECT_U64(uint64_t(doc["unique"]), want.unique);
	EXPECT_U64(uint64_t(doc["duplicates"]), want.total - want.unique);

	i = 0;
	for (dom::element in : doc["inputs"].get_array()) {
		cr_assert(i < inputs.size());
		EXPECT_STR(std::string(std::string_view(in["path"])), inputs[i]);
		cr_expect(in["error"].is_null());
		i++;
	}
	EXPECT_U64(i, inputs.size());

	/* Objects: exactly the non-zero counts. */
	i = 0;
	for (auto kv : doc["by_level"].get_object()) {
		auto it = want.by_level.find(std::string(kv.key));

		cr_assert(it != want.by_level.end(), "level %s",
		    std::string(kv.key).c_str());
		EXPECT_U64(uint64_t(kv.value), it->second);
		i++;
	}
	EXPECT_U64(i, want.by_level.size());
	i = 0;
	for (auto kv : doc["by_tool"].get_object()) {
		auto it = want.by_tool.find(std::string(kv.key));

		cr_assert(it != want.by_tool.end(), "tool %s",
		    std::string(kv.key).c_str());
		EXPECT_U64(uint64_t(kv.value), it->second);
		i++;
	}
	EXPECT_U64(i, want.by_tool.size());

	/* Lists: complete, sorted by count descending, then by name. */
	i = 0;
	for (dom::element g : doc["by_rule"].get_array()) {
		std::string tool{ std::string_view(g["tool"]) };
		std::string rule{ std::string_view(g["rule"]) };
		uint64_t c = uint64_t(g["count"]);
		std::string name = tool + '\0' + rule;
		auto it = want.by_rule.find({ tool, rule });

		cr_assert(it != want.by_rule.end(), "rule %s/%s", tool.c_str(),
		    rule.c_str());
		cr_expect(c == it->second, "rule %s/%s: got %llu, want %llu",
		    tool.c_str(), rule.c_str(), (unsigned long long)c,
		    (unsigned long long)it->second);
		cr_expect(c < prev || (c == prev && prev_name < name),
		    "by_rule out of order at %s/%s", tool.c_str(), rule.c_str());
		prev = c;
		prev_name = name;
		i++;
	}
	EXPECT_U64(i, want.by_rule.size());
	prev = UINT64_MAX;
	prev_name.clear();
	i = 0;
	for (dom::element g : doc["by_file"].get_array()) {
		std::string file{ std::string_view(g["file"]) };
		uint64_t c = uint64_t(g["count"]);
		auto it = want.by_file.find(file);

		cr_assert(it != want.by_file.end(), "file %s", file.c_str());
		cr_expect(c == it->second, "file %s: got %llu, want %llu",
		    file.c_str(), (unsigned long long)c,
		    (unsigned long long)it->second);
		cr_expect(c < prev || (c == prev && (i == 0 || prev_name < file)),
		    "by_file out of order at %s", file.c_str());
		prev = c;
		prev_name = file;
		i++;
	}
	EXPECT_U64(i, want.by_file.size());
}

/*
 * Summarise @files and check the output against the reference reading;
 * with @cache, twice through a stored-results cache, and check the second
 * (every input replayed) too.
 */
static void
expect_summary_matches(const std::vector<std::string> &files,
    bool cache = false)
{
	std::vector<std::string> args = { "summary", "--format", "json" };
	char dir[] = "/tmp/tally-cli-cache-XXXXXX";
	ref want = reference(files);
	result r;

	if (cache) {
		cr_assert(mkdtemp(dir) != nullptr);
		args.insert(args.end(), { "--cache", dir });
	}
	args.insert(args.end(), files.begin(), files.end());
	r = run(args);
	cr_assert(eq(int, r.status, 0), "%s", r.err.c_str());
	expect_json_matches(r.out, want, files);
	if (!cache)
		return;
	r = run(args);
	cr_assert(eq(int, r.status, 0), "%s", r.err.c_str());
	cr_expect(r.err.find(" of " + std::to_string(files.size()) +
	    " inputs replayed") != std::string::npos, "%s", r.err.c_str());
	expect_json_matches(r.out, want, files);
	cr_expect(eq(int, system(("rm -rf " + std::string(dir)).c_str()), 0));
}

Test(cli, samples_summary_matches_reference)
{
	expect_summary_matches(sample_files());
}

Test(cli, corpus_summary_matches_reference)
{
	std::vector<std::string> files = corpus_files();

	if (files.empty())
		cr_skip_test("no corpus at %s", TALLY_CORPUS_DIR);
	expect_summary_matches(files);
}

Test(cli, corpus_summary_replayed_matches_reference)
{
	std::vector<std::string> files = corpus_files();

	if (files.empty())
		cr_skip_test("no corpus at %s", TALLY_CORPUS_DIR);
	expect_summary_matches(files, true);
}

/* Merge, then check the merged log against the inputs' reference. */
static void
expect_merge_round_trip(const std::vector<std::string> &files)
{
	char out[] = "/tmp/tally-cli-merged-XXXXXX";
	int fd = mkstemp(out);
	std::vector<std::string> args = { "merge", "-o", out };
	ref in, merged;
	result r;

	cr_assert(ge(int, fd, 0));
	close(fd);
	args.insert(args.end(), files.begin(), files.end());
	r = run(args);
	cr_assert(eq(int, r.status, 0), "%s", r.err.c_str());
	in = reference(files);
	merged = reference({ out });
	EXPECT_U64(merged.total, in.unique); /* the merged log has no dup */
	EXPECT_U64(merged.unique, in.unique);
	cr_expect(eq(int, merged.by_tool == in.by_tool, 1));
	cr_expect(eq(int, merged.by_rule == in.by_rule, 1));
	cr_expect(eq(int, merged.by_level == in.by_level, 1));
	cr_expect(eq(int, merged.by_file == in.by_file, 1));
	cr_expect(strstr(r.err.c_str(), "duplicates dropped") != nullptr,
	    "%s", r.err.c_str());
	unlink(out);
}

Test(cli, merge_round_trip_on_samples)
{
	std::vector<std::string> files = sample_files();

	files.push_back(DATA "/defs/defs.sarif"); /* all duplicates */
	expect_merge_round_trip(files);
}

Test(cli, merge_round_trip_on_corpus)
{
	std::vector<std::string> files = corpus_files();

	if (files.empty())
		cr_skip_test("no corpus at %s", TALLY_CORPUS_DIR);
	expect_merge_round_trip(files);
}

/* ------------------------------------------------------------------ */
/* Usage, errors and exit statuses                                     */

Test(cli, help_and_version)
{
	result r = run({ "--help" });

	cr_expect(eq(int, r.status, 0));
	cr_expect(strstr(r.out.c_str(), "Usage: tally") != nullptr);
	for (const char *cmd : { "summary", "merge", "diff" }) {
		r = run({ cmd, "--help" });
		cr_expect(eq(int, r.status, 0), "%s --help", cmd);
		cr_expect(strstr(r.out.c_str(), "Usage: tally") != nullptr,
	    "%s", cmd);
		cr_expect(strstr(r.out.c_str(), "Exit status") != nullptr,
	    "%s", cmd);
		r = run({ "help", cmd });
		cr_expect(eq(int, r.status, 0));
	}
	r = run({ "--version" });
	cr_expect(eq(int, r.status, 0));
	cr_expect(eq(int, r.out.rfind("tally 0.", 0), 0), "%s", r.out.c_str());
	cr_expect(r.out.find("(kernels: scalar)") != std::string::npos ||
	    r.out.find("(kernels: avx2)") != std::string::npos ||
	    r.out.find("(kernels: avx512)") != std::string::npos,
	    "%s", r.out.c_str());
	/* TALLY_ISA forces a variant; the child inherits the environment. */
	setenv("TALLY_ISA", "scalar", 1);
	r = run({ "--version" });
	unsetenv("TALLY_ISA");
	cr_expect(r.out.find("(kernels: scalar)") != std::string::npos, "%s",
	    r.out.c_str());
}

Test(cli, usage_errors_exit_2)
{
	const std::vector<std::vector<std::string>> cases = {
		{},
		{ "frobnicate" },
		{ "summary" },
		{ "summary", "--format", "xml", DATA "/defs/defs.sarif" },
		{ "summary", "--fail-on", "fatal", DATA "/defs/defs.sarif" },
		{ "summary", "--top", "ten", DATA "/defs/defs.sarif" },
		{ "summary", "--nope", DATA "/defs/defs.sarif" },
		{ "summary", DATA "/defs/defs.sarif", "--format" },
		{ "merge", DATA "/defs/defs.sarif" },
		{ "merge", "-o", "/tmp/x.sarif" },
	};

	for (const auto &args : cases) {
		result r = run(args);
		std::string line;

		for (const auto &a : args)
			line += a + " ";
		cr_expect(eq(int, r.status, 2), "tally %s", line.c_str());
		cr_expect(eq(int, r.err.rfind("tally: ", 0), 0), "tally %s: %s",
		    line.c_str(), r.err.c_str());
	}
}

/* One parser reads every command's options: a bad one is named in the
 * message, exits 2 and nothing is written on stdout. */
Test(cli, option_errors_name_the_option)
{
	const std::string defs = DATA "/defs/defs.sarif";
	const std::vector<std::pair<std::vector<std::string>, std::string>>
	    cases = {
		/* unknown */
		{ { "summary", "--nope", defs },
		    "summary: unknown option '--nope'" },
		{ { "merge", "-Z", "-o", "-", defs },
		    "merge: unknown option '-Z'" },
		{ { "merge", "-fjson", "-o", "-", defs },
		    "merge: unknown option '-f'" },
		{ { "diff", "--window", "3", "-b", defs, defs },
		    "diff: unknown option '--window'" },
		/* missing value */
		{ { "summary", defs, "--window" },
		    "summary: option '--window' needs a value" },
		{ { "merge", defs, "-o" }, "merge: option '-o' needs a value" },
		{ { "diff", defs, "--baseline" },
		    "diff: option '--baseline' needs a value" },
		/* bad value */
		{ { "summary", "--window", "x", defs },
		    "summary: --window: expected a number of lines, got 'x'" },
		{ { "merge", "--window=5x", "-o", "-", defs },
		    "merge: --window: expected a number of lines, got '5x'" },
		{ { "summary", "-n", "-3", defs },
		    "summary: --top: expected a number, got '-3'" },
		{ { "summary", "-j", "300", defs }, "summary: --workers: "
		    "expected a number from 0 to 256, got '300'" },
		{ { "summary", "--fail-on", "fatal", defs }, "summary: "
		    "--fail-on: expected none, note, warning or error, got "
		    "'fatal'" },
		{ { "summary", "-f", "sarif", defs },
		    "summary: --format: expected text or json, got 'sarif'" },
		{ { "diff", "-f", "xml", "-b", defs, defs }, "diff: --format: "
		    "expected text, json or sarif, got 'xml'" },
		/* a value for an option that takes none */
		{ { "summary", "--stats=1", defs },
		    "summary: option '--stats' takes no value" },
	};

	for (const auto &c : cases) {
		result r = run(c.first);
		std::string want = "tally: " + c.second;

		cr_expect(eq(int, r.status, 2), "%s", want.c_str());
		cr_expect(eq(int, r.err.rfind(want, 0), 0), "want %s, got %s",
		    want.c_str(), r.err.c_str());
		cr_expect(r.out.empty(), "%s: %s", want.c_str(), r.out.c_str());
	}
}

/* --help is an option like the others: read in order, the same help as
 * 'tally help CMD', and it wins over what follows it. */
Test(cli, help_is_an_option_of_every_command)
{
	for (const char *cmd : { "summary", "merge", "diff" }) {
		result h = run({ cmd, "--help" });

		cr_expect(eq(int, h.status, 0), "%s", cmd);
		EXPECT_STR(run({ "help", cmd }).out, h.out);
		EXPECT_STR(run({ cmd, "-h" }).out, h.out);
		cr_expect(eq(int, run({ cmd, "--help", "--nope" }).status, 0),
		    "%s", cmd);
		cr_expect(eq(int, run({ cmd, "--nope", "--help" }).status, 2),
		    "%s", cmd);
	}
}

Test(cli, bad_inputs_exit_2_and_the_rest_is_counted)
{
	std::vector<std::string> good = sample_files();
	std::vector<std::string> args = { "summary", "--format", "json",
		DATA "/bad/truncated.sarif" };
	dom::parser parser;
	dom::element doc;
	result r;
	ref want = reference(good);

	args.insert(args.end(), good.begin(), good.end());
	args.push_back(DATA "/no-such-file.sarif");
	r = run(args);
	cr_expect(eq(int, r.status, 2));
	cr_expect(strstr(r.err.c_str(), "truncated.sarif: byte ") != nullptr,
	    "%s", r.err.c_str());
	cr_expect(strstr(r.err.c_str(), "no-such-file.sarif: ") != nullptr,
	    "%s", r.err.c_str());
	cr_assert(eq(int, parser.parse(r.out).get(doc), SUCCESS));
	EXPECT_U64(uint64_t(doc["total"]), want.total);
	EXPECT_U64(uint64_t(doc["unique"]), want.unique);
	{
		dom::array in = doc["inputs"].get_array();
		dom::element first = in.at(0), last = in.at(in.size() - 1);

		EXPECT_U64(uint64_t(first["results"]), 0);
		cr_expect(not(first["error"].is_null()));
		cr_expect(eq(int, std::string(std::string_view(first["error"]))
		    .rfind("byte ", 0), 0));
		cr_expect(not(last["error"].is_null()));
		cr_expect(in.at(1)["error"].is_null());
	}
}

Test(cli, fail_on_compares_levels)
{
	/* defs.sarif has unique results at every level. */
	cr_expect(eq(int, run({ "summary", "--fail-on", "error",
	    DATA "/defs/defs.sarif" }).status, 1));
	cr_expect(eq(int, run({ "summary", "--fail-on", "none",
	    DATA "/defs/defs.sarif" }).status, 1));
	/* cppcheck-multitool.sarif: warnings only. */
	cr_expect(eq(int, run({ "summary", "--fail-on", "error",
	    DATA "/samples/cppcheck-multitool.sarif" }).status, 0));
	cr_expect(eq(int, run({ "summary", "--fail-on", "warning",
	    DATA "/samples/cppcheck-multitool.sarif" }).status, 1));
	/* An input error outranks --fail-on. */
	cr_expect(eq(int, run({ "summary", "--fail-on", "none",
	    DATA "/defs/defs.sarif", DATA "/bad/empty.sarif" }).status, 2));
}

/* --level and --path: the reference leaves the same results out first. */
Test(cli, level_and_path_leave_results_out)
{
	std::vector<std::string> files = sample_files();
	std::vector<std::string> args = { "summary", "--format", "json",
		"--level", "warning", "--path", "*.c" };
	ref want = reference(files, 2, "*.c");
	result r;

	cr_assert(want.unique != 0 && want.unique < reference(files).unique);
	args.insert(args.end(), files.begin(), files.end());
	r = run(args);
	cr_assert(eq(int, r.status, 0), "%s", r.err.c_str());
	expect_json_matches(r.out, want, files);
	cr_expect(eq(int, run({ "summary", "--level", "severe",
	    DATA "/defs/defs.sarif" }).status, 2));
}

Test(cli, text_tables_show_the_counts)
{
	result r = run({ "summary", "--top", "3", DATA "/defs/defs.sarif" });
	const char *o = r.out.c_str();

	cr_assert(eq(int, r.status, 0), "%s", r.err.c_str());
	for (const char *s : { "Totals", "results", "16", "unique", "13",
	    "duplicates", "Levels", "Tools", "alpha", "beta",
	    "Top 3 of 7 rules", "Top 3 of 5 files", "/src/x.c", "(no file)" })
		cr_expect(strstr(o, s) != nullptr, "missing %s in\n%s",
		    s, o);
	/* --top 3 cuts the rule table: B1 has 1 result and sorts last. */
	cr_expect(strstr(o, "B1") == nullptr, "%s", o);
}

Test(cli, progress_is_shown_when_asked)
{
	result r = run({ "summary", "--progress", DATA "/defs/defs.sarif" });

	cr_expect(eq(int, r.status, 0));
	cr_expect(strstr(r.err.c_str(), "reading file 1/1") != nullptr,
	    "%s", r.err.c_str());
	/* the live part: what the engine has counted so far */
	cr_expect(strstr(r.err.c_str(), " results (") != nullptr &&
	    strstr(r.err.c_str(), " unique") != nullptr, "%s", r.err.c_str());
	r = run({ "summary", DATA "/defs/defs.sarif" });
	cr_expect(strstr(r.err.c_str(), "reading") == nullptr,
	    "not a terminal: no progress");
}

Test(cli, json_output_escapes_names)
{
	char path[] = "/tmp/tally-cli-esc-XXXXXX";
	int fd = mkstemp(path);
	const char *log = "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":"
	    "{\"name\":\"we\\\"ird\\\\tool\\u0001\\u00e9\"}},\"results\":[{"
	    "\"message\":{\"text\":\"x\"},\"ruleId\":\"r\\n1\"}]}]}";
	dom::parser parser;
	dom::element doc;
	result r;

	cr_assert(write(fd, log, strlen(log)) == (ssize_t)strlen(log));
	close(fd);
	r = run({ "summary", "--format", "json", path });
	cr_assert(eq(int, r.status, 0), "%s", r.err.c_str());
	cr_assert(eq(int, parser.parse(r.out).get(doc), SUCCESS), "%s",
	    r.out.c_str());
	EXPECT_U64(uint64_t(doc["by_tool"]["we\"ird\\tool\x01\xc3\xa9"]),
	    1);
	EXPECT_STR(std::string(std::string_view(doc["by_rule"].at(0)["rule"])),
	    "r\n1");
	unlink(path);
}

/* tally diff: the JSON form has a counts object with exactly the four
 * baselineState keys, and exit codes mean what --help says. */
Test(cli, diff_json_counts_and_exit_codes)
{
	const std::string base = DATA "/diff/old.sarif";
	const std::string cur = DATA "/diff/new.sarif";
	result r = run({ "diff", "--baseline", base, cur, "--format", "json" });
	dom::parser parser;
	dom::element doc;
	dom::object counts;
	size_t keys = 0;
	uint64_t sum = 0, results = 0;

	cr_assert(eq(int, r.status, 0), "%s", r.err.c_str());
	cr_assert(eq(int, parser.parse(r.out).get(doc), SUCCESS), "%s",
	    r.out.c_str());
	cr_assert(eq(int, doc["counts"].get(counts), SUCCESS));
	for (auto kv : counts) {
		std::string k(kv.key);

		cr_expect(k == "new" || k == "unchanged" || k == "updated" ||
		    k == "absent", "key %s", k.c_str());
		sum += uint64_t(kv.value);
		keys++;
	}
	cr_expect(eq(sz, keys, 4));
	for (dom::element x : doc["results"].get_array()) {
		(void)x;
		results++;
	}
	cr_expect(eq(u64, results, sum));
	cr_expect(eq(u64, uint64_t(counts["new"]), 2));
	/* --fail-on-new: 1 when a result is new, 0 against itself */
	cr_expect(eq(int, run({ "diff", "-b", base, cur, "--fail-on-new" }).status,
	    1));
	cr_expect(eq(int, run({ "diff", "-b", cur, cur, "--fail-on-new" }).status,
	    0));
	/* usage: no baseline, two logs, an unreadable one */
	cr_expect(eq(int, run({ "diff", cur }).status, 2));
	cr_expect(eq(int, run({ "diff", "-b", base, cur, cur }).status, 2));
	r = run({ "diff", "-b", DATA "/diff/none.sarif", cur });
	cr_expect(eq(int, r.status, 2));
	cr_expect(strstr(r.err.c_str(), "none.sarif") != nullptr, "%s",
	    r.err.c_str());
}

Test(cli, summary_clusters_in_json_and_text)
{
	const std::string d = DATA "/corr/";
	result r = run({ "summary", "--format", "json", "--root",
	    "/src/optdemo", d + "cppcheck.sarif", d + "clang.sarif",
	    d + "gcc.sarif" });
	dom::parser parser;
	dom::element doc;
	dom::array clusters, tools, matrix;
	size_t n = 0;

	cr_assert(eq(int, r.status, 0), "%s", r.err.c_str());
	cr_assert(eq(int, parser.parse(r.out).get(doc), SUCCESS), "%s",
	    r.out.c_str());
	cr_assert(eq(int, doc["clusters"].get(clusters), SUCCESS));
	for (dom::element c : clusters) {
		EXPECT_STR(std::string(std::string_view(c["path"])),
		    "src/options.c");
		EXPECT_U64(uint64_t(c["size"]), 3);
		EXPECT_U64(uint64_t(c["cwe"]), 476);
		EXPECT_U64(uint64_t(c["first_line"]), 18);
		EXPECT_U64(uint64_t(c["last_line"]), 23);
		n++;
	}
	cr_expect(eq(sz, n, 1));
	cr_assert(eq(int, doc["agreement"]["tools"].get(tools), SUCCESS));
	cr_assert(eq(int, doc["agreement"]["matrix"].get(matrix), SUCCESS));
	EXPECT_U64(tools.size(), 3);
	EXPECT_U64(matrix.size(), 3);
	/* without --clusters (or --root, --window) there is no such key */
	r = run({ "summary", "--format", "json", d + "clang.sarif" });
	cr_assert(eq(int, parser.parse(r.out).get(doc), SUCCESS));
	cr_expect(doc["clusters"].error() == NO_SUCH_FIELD);
	/* text: the cluster and its tools; --window 0 still joins them */
	r = run({ "summary", "--window", "0", "--root", "/src/optdemo",
	    d + "cppcheck.sarif", d + "clang.sarif", d + "gcc.sarif" });
	cr_expect(eq(int, r.status, 0));
	cr_expect(r.out.find("src/options.c:18-23  3 results, CWE-476: "
	    "CppCheck, GNU C17, clang") != std::string::npos, "%s",
	    r.out.c_str());
	cr_expect(eq(int, run({ "summary", "--window", "x",
	    d + "clang.sarif" }).status, 2));
}

static size_t
count_of(const std::string &s, const std::string &what)
{
	size_t n = 0;

	for (size_t at = s.find(what); at != std::string::npos;
	    at = s.find(what, at + 1))
		n++;
	return n;
}

/* tests/data/annot/README.md says what each result is for. */
Test(cli, merge_annotates_what_results_already_have)
{
	const std::string d = DATA "/annot/";
	result r = run({ "merge", "--clusters", "--root", "/build", "--sources",
	    d, "--baseline", d + "base.sarif", d + "cur.sarif", "-o", "-" });
	dom::parser parser;
	dom::element doc, t0, t1, u0, absent;
	dom::array runs, res, rel;

	cr_assert(eq(int, r.status, 0), "%s", r.err.c_str());
	cr_assert(eq(int, parser.parse(r.out).get(doc), SUCCESS), "%s",
	    r.out.c_str());
	/* every annotation once per result (JSON readers differ on dups) */
	EXPECT_U64(count_of(r.out, "\"baselineState\""), 4);
	EXPECT_U64(count_of(r.out, "\"tallyCluster\""), 2);
	EXPECT_U64(count_of(r.out, "\"primaryLocationLineHash\""), 2);
	cr_assert(eq(int, doc["runs"].get(runs), SUCCESS));
	cr_assert(eq(int, runs.at(0)["results"].get(res), SUCCESS));
	EXPECT_U64(res.size(), 3);
	t0 = res.at(0);
	t1 = res.at(1);
	absent = res.at(2);
	u0 = runs.at(1)["results"].at(0);
	EXPECT_STR(std::string(std::string_view(t0["baselineState"])),
	    "unchanged");
	EXPECT_STR(std::string(std::string_view(t1["baselineState"])), "new");
	EXPECT_STR(std::string(std::string_view(u0["baselineState"])), "new");
	EXPECT_STR(std::string(std::string_view(absent["baselineState"])),
	    "absent");
	EXPECT_STR(std::string(std::string_view(absent["message"]["text"])),
	    "fixed since (CWE-476)");
	/* the hashes GitHub's algorithm gives (checked with the Multitool) */
	EXPECT_STR(std::string(std::string_view(t0["partialFingerprints"]
	    ["primaryLocationLineHash"])), "4e2db4827fa2cdc1:1");
	EXPECT_STR(std::string(std::string_view(t0["partialFingerprints"]
	    ["other/v1"])), "x");
	EXPECT_STR(std::string(std::string_view(u0["partialFingerprints"]
	    ["primaryLocationLineHash"])), "4e2db4827fa2cdc1:1");
	cr_expect(t1["partialFingerprints"].error() == NO_SUCH_FIELD);
	/* the cluster: T's own related location kept, U's appended */
	cr_assert(eq(int, t0["relatedLocations"].get(rel), SUCCESS));
	EXPECT_U64(rel.size(), 2);
	EXPECT_U64(uint64_t(rel.at(0)["id"]), 1);
	EXPECT_U64(uint64_t(rel.at(1)["physicalLocation"]["region"]
	    ["startLine"]), 5);
	EXPECT_U64(uint64_t(t0["properties"]["keep"]), 1);
	EXPECT_U64(uint64_t(t0["properties"]["tallyCluster"]["size"]), 2);
	EXPECT_U64(uint64_t(t0["properties"]["tallyCluster"]["id"]), 0);
	cr_assert(eq(int, u0["relatedLocations"].get(rel), SUCCESS));
	EXPECT_U64(rel.size(), 1);
	cr_expect(t1["properties"].error() == NO_SUCH_FIELD);
	cr_expect(r.err.find("1 results without one") != std::string::npos,
	    "%s", r.err.c_str());
	/* the merged log reads back: 4 results, the absent one included */
	r = run({ "merge", "--baseline", d + "base.sarif", d + "cur.sarif",
	    "-o", "/tmp/tally-annot.sarif" });
	cr_expect(eq(int, r.status, 0));
	r = run({ "summary", "--format", "json", "/tmp/tally-annot.sarif" });
	cr_assert(eq(int, parser.parse(r.out).get(doc), SUCCESS));
	EXPECT_U64(uint64_t(doc["unique"]), 4);
	unlink("/tmp/tally-annot.sarif");
}

Test(cli, diff_sarif_classifies_as_the_json_does)
{
	const std::string base = DATA "/diff/old.sarif";
	const std::string cur = DATA "/diff/new.sarif";
	result js = run({ "diff", "-b", base, cur, "--format", "json" });
	result sa = run({ "diff", "-b", base, cur, "--format", "sarif" });
	dom::parser p1, p2;
	dom::element a, b;
	std::vector<std::string> want, got;

	cr_assert(eq(int, js.status, 0));
	cr_assert(eq(int, sa.status, 0), "%s", sa.err.c_str());
	cr_assert(eq(int, p1.parse(js.out).get(a), SUCCESS));
	cr_assert(eq(int, p2.parse(sa.out).get(b), SUCCESS), "%s",
	    sa.out.c_str());
	for (dom::element x : a["results"].get_array())
		want.push_back(std::string(std::string_view(x["state"])) + " " +
		    std::to_string(uint64_t(x["line"])));
	/* one tool: the SARIF run lists NEW's results in order, then absent */
	for (dom::element run : b["runs"].get_array())
		for (dom::element x : run["results"].get_array())
			got.push_back(std::string(std::string_view(
			    x["baselineState"])) + " " + std::to_string(uint64_t(
			    x["locations"].at(0)["physicalLocation"]["region"]
			    ["startLine"])));
	EXPECT_U64(got.size(), want.size());
	for (size_t i = 0; i < want.size() && i < got.size(); i++)
		EXPECT_STR(got[i], want[i]);
	cr_expect(eq(int, run({ "diff", "-b", base, cur, "-f", "sarif",
	    "--fail-on-new" }).status, 1));
	cr_expect(eq(int, run({ "diff", "-b", cur, cur, "-f", "sarif",
	    "--fail-on-new", "-o", "/tmp/tally-diff.sarif" }).status, 0));
	unlink("/tmp/tally-diff.sarif");
	cr_expect(eq(int, run({ "diff", "-b", DATA "/diff/none.sarif", cur,
	    "-f", "sarif" }).status, 2));
}

Test(cli, merging_a_log_with_itself_keeps_artifacts_unique)
{
	const std::string f = DATA "/samples/eslint-recommended.sarif";
	result one = run({ "merge", f, "-o", "-" });
	result two = run({ "merge", f, f, "-o", "-" });
	dom::parser p1, p2;
	dom::element a, b;

	cr_assert(eq(int, p1.parse(one.out).get(a), SUCCESS));
	cr_assert(eq(int, p2.parse(two.out).get(b), SUCCESS));
	EXPECT_U64(dom::array(a["runs"].at(0)["artifacts"]).size(),
	    dom::array(b["runs"].at(0)["artifacts"]).size());
	EXPECT_STR(two.out, one.out);
}

Test(cli, summary_cache_replays_the_same_output)
{
	char dir[] = "/tmp/tally-cli-cache-XXXXXX";
	std::vector<std::string> files = sample_files();
	std::vector<std::string> args = { "summary", "-f", "json", "--cache" };
	result plain, cold, warm, r;

	cr_assert(mkdtemp(dir) != nullptr);
	args.push_back(dir);
	files.push_back(DATA "/defs/defs.sarif");
	files.push_back(DATA "/defs/defs.sarif"); /* same bytes twice */
	args.insert(args.end(), files.begin(), files.end());
	std::vector<std::string> pargs = { "summary", "-f", "json" };
	pargs.insert(pargs.end(), files.begin(), files.end());
	plain = run(pargs);
	cold = run(args);
	warm = run(args);
	cr_assert(eq(int, plain.status, 0), "%s", plain.err.c_str());
	cr_expect(eq(int, cold.status, 0), "%s", cold.err.c_str());
	cr_expect(eq(int, warm.status, 0), "%s", warm.err.c_str());
	cr_expect(plain.out == cold.out, "cold:\n%s", cold.err.c_str());
	cr_expect(plain.out == warm.out, "warm:\n%s", warm.err.c_str());
	/* a second copy of the same bytes is replayed even in the cold run */
	std::set<std::string> distinct;
	for (const std::string &f : files) {
		std::ifstream in(f, std::ios::binary);
		std::stringstream ss;

		ss << in.rdbuf();
		distinct.insert(ss.str());
	}
	std::string n = std::to_string(files.size());
	std::string want_cold = std::to_string(files.size() -
	    distinct.size()) + " of " + n + " inputs replayed, " +
	    std::to_string(distinct.size()) + " stored";
	std::string want_warm = n + " of " + n + " inputs replayed, 0 stored";
	cr_expect(cold.err.find(want_cold) != std::string::npos, "%s",
	    cold.err.c_str());
	cr_expect(warm.err.find(want_warm) != std::string::npos, "%s",
	    warm.err.c_str());

	/* not with --clusters: said, and the output is still right */
	r = run({ "summary", "--clusters", "--cache", dir,
	    DATA "/defs/defs.sarif" });
	cr_expect(eq(int, r.status, 0), "%s", r.err.c_str());
	cr_expect(r.err.find("--cache is not used with --clusters") !=
	    std::string::npos, "%s", r.err.c_str());

	/* a directory that cannot be made: a warning, and read as usual */
	r = run({ "summary", "-f", "json", "--cache", "/proc/no/such/dir",
	    DATA "/defs/defs.sarif", DATA "/defs/defs.sarif" });
	cr_expect(eq(int, r.status, 0), "%s", r.err.c_str());
	cr_expect(r.err.find("warning: cache /proc/no/such/dir") !=
	    std::string::npos, "%s", r.err.c_str());
	cr_expect(r.out.find("\"unique\": 13") != std::string::npos ||
	    r.out.find("\"unique\":13") != std::string::npos, "%s",
	    r.out.c_str());
	cr_expect(eq(int, system(("rm -rf " + std::string(dir)).c_str()), 0));
}
