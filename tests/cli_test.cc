/*
 * tests/cli_test.cc - the tally program, run as a user runs it.
 *
 * Expected counts come from an independent reading of the same logs: the
 * definitions implemented again here over simdjson's DOM (the whole log
 * parsed into a tree, navigated by key), which shares no code with tally's
 * streaming reader (json_scan framing + On-Demand per result). They follow
 * SARIF 2.1.0 (../shared/spec/sarif-v2.1.0.txt): the rule looked up in the
 * tool component a result names (§3.27.5-7, §3.52, §3.54), the level by
 * §3.27.10, the message by §3.11.5 and §3.11.7, suppressions by §3.27.23
 * and §3.35.
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
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_map>
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

static std::string
read_all(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream ss;

	ss << f.rdbuf();
	return ss.str();
}

/* ------------------------------------------------------------------ */
/* The reference reader                                                */

struct ref {
	unsigned min_level = 0;          /* --level: 0 none .. 3 error */
	const char *glob = nullptr;      /* --path */
	bool include_suppressed = false; /* --include-suppressed */
	uint64_t total = 0, unique = 0, suppressed = 0;
	bool any_baseline = false;       /* some result has a baselineState */
	std::map<std::string, uint64_t> by_level, by_tool, by_file;
	std::map<std::pair<std::string, std::string>, uint64_t> by_rule;
	std::map<std::string, uint64_t> by_suppression, by_baseline;
};

/* tool, rule, file, line, column, offset, message, suppressed */
using key = std::tuple<std::string, std::string, std::string, uint64_t,
    uint64_t, uint64_t, std::string, bool>;

/* What the reference has seen so far, over all its inputs. */
struct seen_set {
	std::set<key> results;
	/* distinct (result, state) pairs */
	std::set<std::pair<key, std::string>> suppression, baseline;
};

static bool
present(dom::element obj, std::string_view k, dom::element *out)
{
	dom::element v;

	if (!obj.is_object() || obj.get_object()[k].get(v) != SUCCESS ||
	    v.is_null())
		return false;
	*out = v;
	return true;
}

static std::string
sv(dom::element v)
{
	return std::string(std::string_view(v));
}

static std::string
str(dom::element obj, const char *k)
{
	dom::element v;

	return present(obj, k, &v) ? sv(v) : "";
}

static uint64_t
num(dom::element obj, const char *k)
{
	dom::element v;

	return present(obj, k, &v) ? uint64_t(v) : 0;
}

static bool
integer(dom::element obj, const char *k, int64_t *out)
{
	dom::element v;

	if (!present(obj, k, &v))
		return false;
	*out = int64_t(v);
	return true;
}

static std::vector<dom::element>
elements(dom::element obj, const char *k)
{
	std::vector<dom::element> out;
	dom::element v;

	if (present(obj, k, &v))
		for (dom::element e : v.get_array())
			out.push_back(e);
	return out;
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

/* A tool component (§3.19): the driver or one of the extensions. */
struct component {
	dom::element obj;
	std::vector<dom::element> rules;
	std::unordered_map<std::string, size_t> by_id, by_guid; /* the first */
};

/* One run: its components ([0] the driver, [1 + i] extensions[i]). */
struct run_ctx {
	std::string tool;
	std::vector<component> comps;
	std::vector<dom::element> invocations;
	bool has_arts = false;
	dom::element arts;
};

static void
add_component(run_ctx &rc, dom::element obj)
{
	component c;
	dom::element v;

	c.obj = obj;
	c.rules = elements(obj, "rules");
	for (size_t i = 0; i < c.rules.size(); i++) {
		if (present(c.rules[i], "id", &v))
			c.by_id.emplace(sv(v), i);
		if (present(c.rules[i], "guid", &v))
			c.by_guid.emplace(sv(v), i);
	}
	rc.comps.push_back(std::move(c));
}

/*
 * §3.54.2 (and §3.52.7): the component a reportingDescriptorReference
 * (@dref, NULL when absent) names: toolComponent.index into the
 * extensions, else the driver or extension with toolComponent.guid, else
 * with toolComponent.name (driver first), else the driver. -1: none.
 */
static long
find_component(const run_ctx &rc, const dom::element *dref)
{
	dom::element tc, v;
	int64_t i;

	if (dref == nullptr || !present(*dref, "toolComponent", &tc))
		return 0;
	if (integer(tc, "index", &i))
		return i >= 0 && size_t(i) + 1 < rc.comps.size() ? long(i) + 1 :
		    -1;
	for (const char *k : { "guid", "name" }) {
		if (!present(tc, k, &v))
			continue;
		for (size_t c = 0; c < rc.comps.size(); c++) {
			dom::element w;

			if (present(rc.comps[c].obj, k, &w) && sv(w) == sv(v))
				return long(c);
		}
		return -1;
	}
	return 0;
}

/*
 * §3.52.3 within component @c: rule.index, else ruleIndex (§3.27.6: the
 * same semantics, so the same component), else rule.guid, else the rule
 * id @id exactly, else its longest prefix ending before a '/' that is a
 * descriptor's id. An index out of range is passed over (tally warns; the
 * id still names the rule). -1: none.
 */
static long
find_descriptor(const component &c, dom::element x, const dom::element *dref,
    const std::string *id)
{
	dom::element v;
	int64_t i;

	if ((dref != nullptr && integer(*dref, "index", &i)) ||
	    integer(x, "ruleIndex", &i))
		if (i >= 0 && size_t(i) < c.rules.size())
			return long(i);
	if (dref != nullptr && present(*dref, "guid", &v)) {
		auto it = c.by_guid.find(sv(v));

		if (it != c.by_guid.end())
			return long(it->second);
	}
	if (id != nullptr) {
		std::string p = *id;

		for (;;) {
			auto it = c.by_id.find(p);
			size_t slash;

			if (it != c.by_id.end())
				return long(it->second);
			if ((slash = p.rfind('/')) == std::string::npos)
				break;
			p.resize(slash);
		}
	}
	return -1;
}

/*
 * Whether configurationOverride @o (§3.51) is for descriptor @d of
 * component @ci: its descriptor reference names the same component and
 * the same index; without an index, the same guid, else the same id.
 */
static bool
override_is_for(const run_ctx &rc, dom::element o, long ci, long d)
{
	dom::element dref, v, w;
	int64_t i;
	dom::element rule = rc.comps[size_t(ci)].rules[size_t(d)];

	if (!present(o, "descriptor", &dref) || find_component(rc, &dref) != ci)
		return false;
	if (integer(dref, "index", &i))
		return i == d;
	if (present(dref, "guid", &v))
		return present(rule, "guid", &w) && sv(w) == sv(v);
	if (present(dref, "id", &v))
		return present(rule, "id", &w) && sv(w) == sv(v);
	return false;
}

/* §3.27.10, for result @x whose descriptor is @d of component @ci. */
static std::string
level_of(const run_ctx &rc, dom::element x, long ci, long d)
{
	dom::element v, t, inv;
	int64_t i;
	bool have_inv = false;

	if (present(x, "level", &v))
		return sv(v);
	if (present(x, "kind", &v) && sv(v) != "fail")
		return "none";
	if (d < 0)
		return "warning";
	/* the invocation the result came from, else the only one */
	if (present(x, "provenance", &t) && integer(t, "invocationIndex", &i) &&
	    i >= 0) {
		if (size_t(i) < rc.invocations.size()) {
			inv = rc.invocations[size_t(i)];
			have_inv = true;
		}
	} else if (rc.invocations.size() == 1) {
		inv = rc.invocations[0];
		have_inv = true;
	}
	if (have_inv)
		for (dom::element o : elements(inv, "ruleConfigurationOverrides"))
			if (override_is_for(rc, o, ci, d) &&
			    present(o, "configuration", &t) &&
			    present(t, "level", &v))
				return sv(v);
	if (present(rc.comps[size_t(ci)].rules[size_t(d)],
	    "defaultConfiguration", &t) && present(t, "level", &v))
		return sv(v);
	return "warning";
}

/*
 * §3.11.5: "{n}" is arguments[n] ("{n}" as written when there is no such
 * argument), "{{" is "{" and "}}" is "}"; everything else as it is.
 */
static std::string
format_message(const std::string &s, const std::vector<std::string> &args)
{
	std::string o;
	size_t i = 0;

	while (i < s.size()) {
		size_t j = i + 1, n = 0;
		bool big = false;

		if (s.compare(i, 2, "{{") == 0 || s.compare(i, 2, "}}") == 0) {
			o += s[i];
			i += 2;
			continue;
		}
		if (s[i] != '{') {
			o += s[i++];
			continue;
		}
		for (; j < s.size() && s[j] >= '0' && s[j] <= '9'; j++) {
			big = big || n > 100000000;
			n = n * 10 + size_t(s[j] - '0');
		}
		if (j == i + 1 || j == s.size() || s[j] != '}') {
			o += s[i++];
			continue;
		}
		if (!big && n < args.size())
			o += args[n];
		else
			o.append(s, i, j + 1 - i);
		i = j + 1;
	}
	return o;
}

/*
 * §3.11.7: message.text (formatted when there are arguments), else
 * message.id looked up in the descriptor's messageStrings, then in the
 * component's globalMessageStrings, and formatted; an id not found is
 * kept with its arguments, each as "\x1f" LENGTH ":" BYTES (the id too,
 * so, when it is empty or holds a 0x1f).
 */
static std::string
message_of(const run_ctx &rc, dom::element x, long ci, long d)
{
	dom::element m, v, a, table, mfms, text;
	std::vector<std::string> args;
	bool has_args;
	std::string id;

	if (!present(x, "message", &m))
		return "";
	if ((has_args = present(m, "arguments", &a)))
		for (dom::element e : a.get_array())
			args.push_back(sv(e));
	if (present(m, "text", &v))
		return has_args ? format_message(sv(v), args) : sv(v);
	if (!present(m, "id", &v))
		return "";
	id = sv(v);
	if (ci >= 0 && d >= 0 &&
	    present(rc.comps[size_t(ci)].rules[size_t(d)], "messageStrings",
	    &table) && present(table, id, &mfms) && present(mfms, "text", &text))
		return format_message(sv(text), args);
	if (ci >= 0 && present(rc.comps[size_t(ci)].obj, "globalMessageStrings",
	    &table) && present(table, id, &mfms) && present(mfms, "text", &text))
		return format_message(sv(text), args);
	/* an id that could be taken for a delimiter is itself delimited */
	if (id.empty() || id.find('\x1f') != std::string::npos)
		id = "\x1f" + std::to_string(id.size()) + ":" + id;
	for (const std::string &s : args)
		id += "\x1f" + std::to_string(s.size()) + ":" + s;
	return id;
}

/*
 * §3.27.23, §3.35.3: "" when the result has no non-empty suppressions
 * array; else "rejected" when an entry is rejected, "underReview" when one
 * is under review, else "accepted" (an absent status is accepted).
 */
static std::string
suppression_state(dom::element x)
{
	dom::element v;
	bool any = false, rejected = false, review = false;

	if (!present(x, "suppressions", &v))
		return "";
	for (dom::element s : v.get_array()) {
		std::string status = str(s, "status");

		any = true;
		rejected = rejected || status == "rejected";
		review = review || status == "underReview";
	}
	return !any ? "" : rejected ? "rejected" : review ? "underReview" :
	    "accepted";
}

/* The first location's file, line, column and offset. */
static void
location_of(const run_ctx &rc, dom::element x, std::string *file,
    uint64_t *line, uint64_t *col, uint64_t *off)
{
	dom::element v, loc, pl, al, reg, u, i, l, o;

	if (!present(x, "locations", &v) || v.get_array().size() == 0)
		return;
	loc = v.get_array().at(0);
	if (!present(loc, "physicalLocation", &pl))
		return;
	if (present(pl, "artifactLocation", &al)) {
		if (present(al, "uri", &u))
			*file = sv(u);
		else if (present(al, "index", &i) && int64_t(i) >= 0 &&
		    rc.has_arts && present(rc.arts.at(size_t(int64_t(i))),
		    "location", &l))
			*file = str(l, "uri");
	}
	if (present(pl, "region", &reg)) {
		*line = num(reg, "startLine");
		*col = num(reg, "startColumn");
		if (present(reg, "charOffset", &o))
			*off = uint64_t(o);
		else
			*off = num(reg, "byteOffset");
	}
}

static void
reference_result(const run_ctx &rc, dom::element x, seen_set &seen, ref &r)
{
	dom::element v, rule_ref;
	const dom::element *dref = nullptr;
	std::string rule, level, file, msg, state, baseline;
	bool has_id = true, flag;
	uint64_t line = 0, col = 0, off = 0;
	long ci, d = -1;

	if (present(x, "rule", &rule_ref))
		dref = &rule_ref;
	if (present(x, "ruleId", &v))
		rule = sv(v);
	else if (dref != nullptr && present(*dref, "id", &v))
		rule = sv(v);
	else
		has_id = false;
	ci = find_component(rc, dref);
	if (ci >= 0)
		d = find_descriptor(rc.comps[size_t(ci)], x, dref,
		    has_id ? &rule : nullptr);
	if (!has_id && d >= 0)
		rule = str(rc.comps[size_t(ci)].rules[size_t(d)], "id");
	level = level_of(rc, x, ci, d);
	location_of(rc, x, &file, &line, &col, &off);
	file = normalize(file);
	if (present(x, "baselineState", &v)) {
		baseline = sv(v);
		r.any_baseline = true;
	}
	msg = message_of(rc, x, ci, d);
	state = suppression_state(x);
	flag = state == "accepted" && !r.include_suppressed;

	key k(rc.tool, rule, file, line, col, off, msg, flag);

	/* the states count every result read, before --level and --path */
	if (!state.empty() && seen.suppression.insert({ k, state }).second)
		r.by_suppression[state]++;
	if (!baseline.empty() && seen.baseline.insert({ k, baseline }).second)
		r.by_baseline[baseline]++;
	if (level_rank(level) < r.min_level || (r.glob != nullptr &&
	    fnmatch(r.glob, file.c_str(), 0) != 0))
		return; /* as if absent */
	r.total++;
	if (!seen.results.insert(k).second)
		return;
	if (flag) {
		r.suppressed++;
		return;
	}
	r.unique++;
	r.by_level[level]++;
	r.by_tool[rc.tool]++;
	r.by_rule[{ rc.tool, rule }]++;
	r.by_file[file]++;
}

static void
reference_file(const std::string &path, seen_set &seen, ref &r)
{
	std::string text = read_all(path);
	dom::parser parser;
	dom::element doc, runs;

	if (text.compare(0, 3, "\xef\xbb\xbf") == 0)
		text.erase(0, 3); /* RFC 8259 §8.1: a parser may ignore it */
	padded_string padded(text);
	cr_assert(eq(int, parser.parse(padded).get(doc), SUCCESS), "%s",
	    path.c_str());
	if (!present(doc, "runs", &runs))
		return; /* §3.13.4: null, no runs */
	for (dom::element run : runs.get_array()) {
		dom::element tool = run["tool"], res;
		run_ctx rc;

		rc.tool = str(tool["driver"], "name"); /* null: "" */
		add_component(rc, tool["driver"]);
		for (dom::element e : elements(tool, "extensions"))
			add_component(rc, e);
		rc.invocations = elements(run, "invocations");
		rc.has_arts = present(run, "artifacts", &rc.arts);
		if (!present(run, "results", &res))
			continue;
		for (dom::element x : res.get_array())
			reference_result(rc, x, seen, r);
	}
}

static ref
reference(const std::vector<std::string> &paths, unsigned min_level = 0,
    const char *glob = nullptr, bool include_suppressed = false)
{
	seen_set seen;
	ref r;

	r.min_level = min_level;
	r.glob = glob;
	r.include_suppressed = include_suppressed;
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

/* Every *.sarif under @dir and its subdirectories but a top-level bad/. */
static void
find_sarif(const std::string &dir, bool top, std::vector<std::string> &out)
{
	DIR *d = opendir(dir.c_str());
	struct dirent *e;

	if (d == nullptr)
		return;
	while ((e = readdir(d)) != nullptr) {
		std::string name = e->d_name, path = dir + "/" + name;
		struct stat st;

		if (name[0] == '.' || stat(path.c_str(), &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (!(top && name == "bad"))
				find_sarif(path, false, out);
		} else if (name.size() > 6 &&
		    name.compare(name.size() - 6, 6, ".sarif") == 0) {
			out.push_back(path);
		}
	}
	closedir(d);
}

/* tests/data/spec: one hand-written log per rule of the spec. */
static std::vector<std::string>
spec_files(void)
{
	std::vector<std::string> out;

	find_sarif(DATA "/spec", true, out);
	std::sort(out.begin(), out.end());
	return out;
}

/* ------------------------------------------------------------------ */
/* Comparing tally's JSON with the reference                           */

/* @s quoted, its control bytes, quotes and backslashes as \xNN. */
static std::string
printable(const std::string &s)
{
	std::string o = "\"";
	char b[8];

	for (unsigned char c : s) {
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
			snprintf(b, sizeof(b), "\\x%02x", c);
			o += b;
		} else {
			o += char(c);
		}
	}
	return o + "\"";
}

static std::string
name_of(const std::string &k)
{
	return printable(k);
}

static std::string
name_of(const std::pair<std::string, std::string> &k)
{
	return "tool " + printable(k.first) + " rule " + printable(k.second);
}

/* Every key whose count differs, missing ones as "-", the first 25. */
template <typename K>
static void
expect_counts(const std::string &what, const std::map<K, uint64_t> &got,
    const std::map<K, uint64_t> &want)
{
	auto a = got.begin();
	auto b = want.begin();
	std::string diff;
	size_t n = 0;
	auto note = [&](const K &k, const std::string &g, const std::string &w) {
		if (n++ < 25)
			diff += "\n  " + name_of(k) + ": got " + g + ", want " + w;
	};

	while (a != got.end() || b != want.end()) {
		if (b == want.end() || (a != got.end() && a->first < b->first)) {
			note(a->first, std::to_string(a->second), "-");
			++a;
		} else if (a == got.end() || b->first < a->first) {
			note(b->first, "-", std::to_string(b->second));
			++b;
		} else {
			if (a->second != b->second)
				note(a->first, std::to_string(a->second),
				    std::to_string(b->second));
			++a;
			++b;
		}
	}
	if (n > 25)
		diff += "\n  ... and " + std::to_string(n - 25) + " more";
	cr_expect(n == 0, "%s: %zu keys differ (tally %zu keys, reference %zu)%s",
	    what.c_str(), n, got.size(), want.size(), diff.c_str());
}

static void
expect_count(const std::string &label, dom::element doc, const char *k,
    uint64_t want)
{
	uint64_t got;

	if (doc[k].get_uint64().get(got) != SUCCESS) {
		cr_expect(false, "%s\"%s\": missing or not a count, want %llu",
		    label.c_str(), k, (unsigned long long)want);
		return;
	}
	cr_expect(got == want, "%s\"%s\": got %llu, want %llu", label.c_str(), k,
	    (unsigned long long)got, (unsigned long long)want);
}

/* An object of counts: exactly the non-zero ones, each key once. */
static std::map<std::string, uint64_t>
object_counts(const std::string &label, dom::element doc, const char *k)
{
	std::map<std::string, uint64_t> m;
	dom::object o;

	if (doc[k].get(o) != SUCCESS) {
		cr_expect(false, "%s\"%s\": missing or not an object",
		    label.c_str(), k);
		return m;
	}
	for (auto kv : o) {
		std::string name(kv.key);
		uint64_t c = 0;

		cr_expect(kv.value.get_uint64().get(c) == SUCCESS,
		    "%s\"%s\": %s is not a count", label.c_str(), k,
		    printable(name).c_str());
		cr_expect(m.emplace(name, c).second, "%s\"%s\": %s twice",
		    label.c_str(), k, printable(name).c_str());
	}
	return m;
}

/* The summary's keys, in the order of the contract (others may follow). */
static void
expect_key_order(const std::string &label, dom::element doc, bool baseline)
{
	static const char *const order[] = { "inputs", "total", "unique",
		"suppressed", "duplicates", "by_level", "by_tool", "by_rule",
		"by_file", "by_suppression_status", "by_baseline_state" };
	std::string got, want;

	for (auto kv : doc.get_object())
		for (const char *k : order)
			if (kv.key == k)
				got += std::string(got.empty() ? "" : " ") + k;
	for (const char *k : order)
		if (baseline || strcmp(k, "by_baseline_state") != 0)
			want += std::string(want.empty() ? "" : " ") + k;
	cr_expect(got == want, "%skeys: got %s, want %s", label.c_str(),
	    got.c_str(), want.c_str());
}

static void
expect_json_matches(const std::string &json, const ref &want,
    const std::vector<std::string> &inputs, const std::string &what = "")
{
	std::string label = what.empty() ? "" : what + ": ";
	dom::parser parser;
	dom::element doc;
	dom::array list;
	uint64_t prev = UINT64_MAX;
	std::string prev_name;
	std::map<std::pair<std::string, std::string>, uint64_t> rules;
	std::map<std::string, uint64_t> files;
	size_t i, no_warnings = 0;

	if (parser.parse(json).get(doc) != SUCCESS || !doc.is_object()) {
		cr_expect(false, "%snot a JSON object: %s", label.c_str(),
		    json.substr(0, 200).c_str());
		return;
	}
	expect_count(label, doc, "total", want.total);
	expect_count(label, doc, "unique", want.unique);
	expect_count(label, doc, "suppressed", want.suppressed);
	expect_count(label, doc, "duplicates",
	    want.total - want.unique - want.suppressed);

	i = 0;
	for (dom::element in : doc["inputs"].get_array()) {
		dom::element warnings;

		cr_assert(i < inputs.size());
		EXPECT_STR(std::string(std::string_view(in["path"])), inputs[i]);
		cr_expect(in["error"].is_null(), "%s%s: error %s", label.c_str(),
		    inputs[i].c_str(), in["error"].is_string() ?
		    printable(sv(in["error"])).c_str() : "");
		if (in["warnings"].get(warnings) != SUCCESS ||
		    !warnings.is_array())
			no_warnings++;
		i++;
	}
	EXPECT_U64(i, inputs.size());
	cr_expect(no_warnings == 0, "%s%zu of %zu inputs without a \"warnings\" "
	    "array", label.c_str(), no_warnings, i);

	/* Objects: exactly the non-zero counts. */
	expect_counts(label + "by_level", object_counts(label, doc, "by_level"),
	    want.by_level);
	expect_counts(label + "by_tool", object_counts(label, doc, "by_tool"),
	    want.by_tool);
	expect_counts(label + "by_suppression_status", object_counts(label, doc,
	    "by_suppression_status"), want.by_suppression);
	if (want.any_baseline)
		expect_counts(label + "by_baseline_state", object_counts(label,
		    doc, "by_baseline_state"), want.by_baseline);
	else
		cr_expect(doc["by_baseline_state"].error() == NO_SUCH_FIELD,
		    "%s\"by_baseline_state\" without a baselineState in the "
		    "inputs", label.c_str());

	/* Lists: complete, sorted by count descending, then by name. */
	if (doc["by_rule"].get(list) != SUCCESS) {
		cr_expect(false, "%sno \"by_rule\" list", label.c_str());
		return;
	}
	for (dom::element g : list) {
		std::string tool{ std::string_view(g["tool"]) };
		std::string rule{ std::string_view(g["rule"]) };
		uint64_t c = uint64_t(g["count"]);
		std::string name = tool + '\0' + rule;

		cr_expect(rules.emplace(std::make_pair(tool, rule), c).second,
		    "%sby_rule: %s twice", label.c_str(),
		    name_of(std::make_pair(tool, rule)).c_str());
		cr_expect(c < prev || (c == prev && prev_name < name),
		    "%sby_rule out of order at %s", label.c_str(),
		    name_of(std::make_pair(tool, rule)).c_str());
		prev = c;
		prev_name = name;
	}
	expect_counts(label + "by_rule", rules, want.by_rule);
	prev = UINT64_MAX;
	prev_name.clear();
	i = 0;
	if (doc["by_file"].get(list) != SUCCESS) {
		cr_expect(false, "%sno \"by_file\" list", label.c_str());
		return;
	}
	for (dom::element g : list) {
		std::string file{ std::string_view(g["file"]) };
		uint64_t c = uint64_t(g["count"]);

		cr_expect(files.emplace(file, c).second, "%sby_file: %s twice",
		    label.c_str(), printable(file).c_str());
		cr_expect(c < prev || (c == prev && (i == 0 || prev_name < file)),
		    "%sby_file out of order at %s", label.c_str(),
		    printable(file).c_str());
		prev = c;
		prev_name = file;
		i++;
	}
	expect_counts(label + "by_file", files, want.by_file);
	expect_key_order(label, doc, want.any_baseline);
}

/*
 * Summarise @files and check the output against the reference reading;
 * with @cache, twice through a stored-results cache, and check the second
 * (every input replayed) too; with @include_suppressed, as
 * --include-suppressed. Return: the reference.
 */
static ref
expect_summary_matches(const std::vector<std::string> &files,
    bool cache = false, bool include_suppressed = false,
    const std::string &what = "")
{
	std::vector<std::string> args = { "summary", "--format", "json" };
	char dir[] = "/tmp/tally-cli-cache-XXXXXX";
	ref want = reference(files, 0, nullptr, include_suppressed);
	result r;

	if (cache) {
		cr_assert(mkdtemp(dir) != nullptr);
		args.insert(args.end(), { "--cache", dir });
	}
	if (include_suppressed)
		args.push_back("--include-suppressed");
	args.insert(args.end(), files.begin(), files.end());
	r = run(args);
	cr_expect(eq(int, r.status, 0), "%s: %s", what.c_str(), r.err.c_str());
	expect_json_matches(r.out, want, files, what);
	if (!cache)
		return want;
	r = run(args);
	cr_expect(eq(int, r.status, 0), "%s: %s", what.c_str(), r.err.c_str());
	cr_expect(r.err.find(" of " + std::to_string(files.size()) +
	    " inputs found") != std::string::npos, "%s", r.err.c_str());
	expect_json_matches(r.out, want, files, what + " (replayed)");
	cr_expect(eq(int, system(("rm -rf " + std::string(dir)).c_str()), 0));
	return want;
}

Test(cli, samples_summary_matches_reference)
{
	expect_summary_matches(sample_files());
}

Test(cli, corpus_summary_matches_reference)
{
	std::vector<std::string> files = corpus_files();
	ref want;

	if (files.empty())
		cr_skip_test("no corpus at %s", TALLY_CORPUS_DIR);
	want = expect_summary_matches(files, false, false, "corpus");
	/* eslint's inSource suppressions (jquery-ui, jquery, vue, chartjs) */
	cr_expect(want.suppressed != 0 && want.by_suppression.size() == 1 &&
	    want.by_suppression.count("accepted") == 1,
	    "the corpus's suppressions: %llu", (unsigned long long)want.suppressed);
}

Test(cli, corpus_summary_replayed_matches_reference)
{
	std::vector<std::string> files = corpus_files();

	if (files.empty())
		cr_skip_test("no corpus at %s", TALLY_CORPUS_DIR);
	expect_summary_matches(files, true, false, "corpus");
}

/* --include-suppressed: suppressed results counted as active. */
Test(cli, corpus_include_suppressed_counts_them_as_active)
{
	std::vector<std::string> files = corpus_files();
	ref want, plain;

	if (files.empty())
		cr_skip_test("no corpus at %s", TALLY_CORPUS_DIR);
	want = expect_summary_matches(files, false, true, "corpus, included");
	plain = reference(files);
	cr_expect(want.unique > plain.unique && want.suppressed == 0 &&
	    want.by_suppression == plain.by_suppression,
	    "unique %llu (%llu without), suppressed %llu",
	    (unsigned long long)want.unique, (unsigned long long)plain.unique,
	    (unsigned long long)plain.suppressed);
}

/* The same cache serves a run with and without --include-suppressed. */
Test(cli, include_suppressed_through_the_cache)
{
	std::vector<std::string> files;
	char dir[] = "/tmp/tally-cli-cache-XXXXXX";
	ref want[2];

	for (const std::string &f : corpus_files())
		if (f.find("/eslint-") != std::string::npos)
			files.push_back(f);
	if (files.empty())
		cr_skip_test("no corpus at %s", TALLY_CORPUS_DIR);
	want[0] = reference(files);
	want[1] = reference(files, 0, nullptr, true);
	cr_assert(mkdtemp(dir) != nullptr);
	for (int pass = 0; pass < 4; pass++) {
		bool include = pass % 2 == 1; /* after the other's store */
		std::vector<std::string> args = { "summary", "--format", "json",
			"--cache", dir };
		result r;

		if (include)
			args.push_back("--include-suppressed");
		args.insert(args.end(), files.begin(), files.end());
		r = run(args);
		cr_expect(eq(int, r.status, 0), "%s", r.err.c_str());
		expect_json_matches(r.out, want[include], files,
		    "eslint pass " + std::to_string(pass) +
		    (include ? " --include-suppressed" : ""));
	}
	cr_expect(eq(int, system(("rm -rf " + std::string(dir)).c_str()), 0));
}

/*
 * tests/data/spec (bad/ aside): each log alone, with and without
 * --include-suppressed, then all of them together.
 */
Test(cli, spec_logs_match_reference)
{
	std::vector<std::string> files = spec_files();

	if (files.empty())
		cr_skip_test("no logs in %s", DATA "/spec");
	for (const std::string &f : files) {
		expect_summary_matches({ f }, false, false, f);
		expect_summary_matches({ f }, false, true,
		    f + " --include-suppressed");
	}
	expect_summary_matches(files, false, false, "all of " DATA "/spec");
}

/*
 * One log for the rules of issue 16, its counts derived by hand from the
 * spec below; twins (same place and rule, the expected message as plain
 * text) check messages through deduplication.
 */
static std::string
at(int line, const std::string &body)
{
	return "{\"locations\":[{\"physicalLocation\":{\"artifactLocation\":"
	    "{\"uri\":\"f.c\"},\"region\":{\"startLine\":" +
	    std::to_string(line) + "}}}]," + body + "}";
}

static std::vector<std::string>
write_rule_logs(void)
{
	const std::string head = "{\"version\":\"2.1.0\",\"runs\":[";
	/* driver D: A (note), CA5350 (error), one without id (note) */
	std::string d = "{\"name\":\"D\",\"guid\":\"g-d\",\"rules\":["
	    "{\"id\":\"A\",\"defaultConfiguration\":{\"level\":\"note\"},"
	    "\"messageStrings\":{\"m1\":{\"text\":\"A {0} and {{{1}}} {2}\"}}},"
	    "{\"id\":\"CA5350\",\"defaultConfiguration\":{\"level\":\"error\"}},"
	    "{\"guid\":\"g-r2\",\"defaultConfiguration\":{\"level\":\"note\"}}],"
	    "\"globalMessageStrings\":{\"gm\":{\"text\":\"global {0}\"}}}";
	/* extension E: X1 (error), X2 (no level) */
	std::string e = "[{\"name\":\"E\",\"guid\":\"g-e\",\"rules\":["
	    "{\"id\":\"X1\",\"defaultConfiguration\":{\"level\":\"error\"},"
	    "\"messageStrings\":{\"mx\":{\"text\":\"x {0}\"}}},{\"id\":\"X2\"}],"
	    "\"globalMessageStrings\":{\"ge\":{\"text\":\"ext global\"}}}]";
	std::string inv = "[{\"ruleConfigurationOverrides\":[{\"descriptor\":"
	    "{\"index\":0},\"configuration\":{\"level\":\"error\"}}]},"
	    "{\"ruleConfigurationOverrides\":[{\"descriptor\":{\"id\":\"X2\","
	    "\"toolComponent\":{\"index\":0}},\"configuration\":"
	    "{\"level\":\"note\"}}]}]";
	const std::string sup = "\"ruleId\":\"A\",\"level\":\"warning\","
	    "\"suppressions\":";
	std::vector<std::string> res = {
		/* 1: A by id; two invocations, none named: A's note */
		at(1, "\"ruleId\":\"A\",\"message\":{\"id\":\"m1\","
		    "\"arguments\":[\"p\",\"q\"]}"),
		at(1, "\"ruleId\":\"A\",\"message\":{\"text\":\"A p and {q} {2}\"}"),
		/* 2: invocation 0 overrides A by index: error */
		at(2, "\"ruleId\":\"A\",\"provenance\":{\"invocationIndex\":0},"
		    "\"message\":{\"text\":\"t\"},\"baselineState\":\"new\""),
		/* 3: X2 in E by id, invocation 1 overrides it by id: note */
		at(3, "\"rule\":{\"id\":\"X2\",\"toolComponent\":{\"index\":0}},"
		    "\"provenance\":{\"invocationIndex\":1},\"message\":{\"id\":"
		    "\"ge\"},\"baselineState\":\"unchanged\""),
		at(3, "\"ruleId\":\"X2\",\"message\":{\"text\":\"ext global\"}"),
		/* 4: ruleIndex into E (found by guid): X1, error */
		at(4, "\"ruleIndex\":0,\"rule\":{\"toolComponent\":{\"guid\":"
		    "\"g-e\"}},\"message\":{\"id\":\"mx\",\"arguments\":[\"9\"]}"),
		at(4, "\"ruleId\":\"X1\",\"message\":{\"text\":\"x 9\"}"),
		/* 5: hierarchical: CA5350's error, reported as given */
		at(5, "\"ruleId\":\"CA5350/md5\",\"message\":{\"text\":\"w\"}"),
		/* 6: by rule.guid (no id): note; ids not found, kept */
		at(6, "\"ruleId\":\"Z\",\"rule\":{\"guid\":\"g-r2\"},\"message\":"
		    "{\"id\":\"nf\",\"arguments\":[\"a\",\"b\"]}"),
		at(6, "\"ruleId\":\"Z\",\"rule\":{\"guid\":\"g-r2\"},\"message\":"
		    "{\"id\":\"nf\",\"arguments\":[\"a\\u001f1:b\"]}"),
		at(6, "\"ruleId\":\"Z\",\"message\":{\"text\":"
		    "\"nf\\u001f1:a\\u001f1:b\"}"),
		/* 8: suppressed (twice), 9: the same active */
		at(8, sup + "[{\"kind\":\"inSource\"}],\"message\":{\"text\":\"s\"}"),
		at(8, sup + "[{\"kind\":\"inSource\"}],\"message\":{\"text\":\"s\"}"),
		at(8, "\"ruleId\":\"A\",\"level\":\"warning\",\"message\":"
		    "{\"text\":\"s\"}"),
		/* 11: under review, 12: rejected, 13: none: all active */
		at(11, sup + "[{\"kind\":\"external\",\"status\":\"accepted\"},"
		    "{\"kind\":\"external\",\"status\":\"underReview\"}],"
		    "\"message\":{\"text\":\"u\"}"),
		at(12, sup + "[{\"kind\":\"external\",\"status\":\"rejected\"},"
		    "{\"kind\":\"external\",\"status\":\"underReview\"}],"
		    "\"message\":{\"text\":\"u\"}"),
		at(13, sup + "[],\"message\":{\"text\":\"u\"}"),
		/* 14: kind pass: none */
		at(14, "\"ruleId\":\"A\",\"kind\":\"pass\",\"message\":"
		    "{\"text\":\"k\"}"),
		/* 15: text formatted with arguments; 16: not without (two) */
		at(15, "\"ruleId\":\"A\",\"message\":{\"text\":\"{0}{{x}}\","
		    "\"arguments\":[\"v\"]}"),
		at(15, "\"ruleId\":\"A\",\"message\":{\"text\":\"v{x}\"}"),
		at(16, "\"ruleId\":\"A\",\"message\":{\"text\":\"{{x}}\"}"),
		at(16, "\"ruleId\":\"A\",\"message\":{\"text\":\"{x}\"}"),
	};
	std::string one = head + "{\"tool\":{\"driver\":" + d +
	    ",\"extensions\":" + e + "},\"invocations\":" + inv +
	    ",\"results\":[";
	/* a null driver name; the only invocation overrides R by id */
	std::string two = "\xef\xbb\xbf" + head + "{\"tool\":{\"driver\":"
	    "{\"name\":null,\"rules\":[{\"id\":\"R\"}]}},\"invocations\":"
	    "[{\"ruleConfigurationOverrides\":[{\"descriptor\":{\"id\":\"R\"},"
	    "\"configuration\":{\"level\":\"error\"}}]}],\"results\":["
	    "{\"ruleId\":\"R\",\"message\":{\"text\":\"n\"}}]}]}";
	std::string three = head.substr(0, head.size() - 1) + "null}";
	std::vector<std::string> paths;

	for (size_t i = 0; i < res.size(); i++)
		one += (i ? "," : "") + res[i];
	one += "]}]}";
	for (const std::string *log : { &one, &two, &three }) {
		char path[] = "/tmp/tally-cli-rules-XXXXXX";
		int fd = mkstemp(path);

		cr_assert(ge(int, fd, 0));
		cr_assert(write(fd, log->data(), log->size()) ==
		    ssize_t(log->size()));
		close(fd);
		paths.push_back(path);
	}
	return paths;
}

/* The reference itself, against the counts derived by hand. */
Test(cli, reference_follows_the_spec_rules)
{
	std::vector<std::string> paths = write_rule_logs();
	ref r = reference(paths), all = reference(paths, 0, nullptr, true);
	std::map<std::pair<std::string, std::string>, uint64_t> rules = {
		{ { "D", "A" }, 10 }, { { "D", "X2" }, 1 }, { { "D", "X1" }, 1 },
		{ { "D", "CA5350/md5" }, 1 }, { { "D", "Z" }, 2 },
		{ { "", "R" }, 1 } };

	EXPECT_U64(r.total, 23);
	EXPECT_U64(r.unique, 16);
	EXPECT_U64(r.suppressed, 1);
	expect_counts("by_level", r.by_level, { { "note", 7 }, { "error", 4 },
	    { "warning", 4 }, { "none", 1 } });
	expect_counts("by_tool", r.by_tool, { { "D", 15 }, { "", 1 } });
	expect_counts("by_rule", r.by_rule, rules);
	expect_counts("by_file", r.by_file, { { "f.c", 15 }, { "", 1 } });
	expect_counts("by_suppression_status", r.by_suppression,
	    { { "accepted", 1 }, { "underReview", 1 }, { "rejected", 1 } });
	cr_expect(r.any_baseline);
	expect_counts("by_baseline_state", r.by_baseline, { { "new", 1 },
	    { "unchanged", 1 } });
	/* included: the suppressed copy is the active one at line 8 */
	EXPECT_U64(all.unique, 16);
	EXPECT_U64(all.suppressed, 0);
	expect_counts("included by_suppression_status", all.by_suppression,
	    r.by_suppression);
	for (const std::string &p : paths)
		unlink(p.c_str());
}

Test(cli, summary_follows_the_spec_rules)
{
	std::vector<std::string> paths = write_rule_logs();
	dom::parser parser;
	dom::element doc;
	dom::array warnings;
	result r;

	expect_summary_matches(paths, false, false, "rules");
	expect_summary_matches(paths, false, true, "rules, included");
	/* the null driver name is read as "" with a warning */
	r = run({ "summary", "--format", "json", paths[1] });
	cr_assert(eq(int, parser.parse(r.out).get(doc), SUCCESS), "%s",
	    r.out.c_str());
	cr_expect(doc["inputs"].at(0)["warnings"].get(warnings) == SUCCESS &&
	    warnings.size() > 0 && warnings.at(0)["offset"].is_uint64() &&
	    warnings.at(0)["message"].is_string(), "no warning: %s",
	    r.out.c_str());
	for (const std::string &p : paths)
		unlink(p.c_str());
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
	/* the merged log has no duplicates; suppressed results are kept */
	EXPECT_U64(merged.total, in.unique + in.suppressed);
	EXPECT_U64(merged.unique, in.unique);
	EXPECT_U64(merged.suppressed, in.suppressed);
	expect_counts("merged by_tool", merged.by_tool, in.by_tool);
	expect_counts("merged by_rule", merged.by_rule, in.by_rule);
	expect_counts("merged by_level", merged.by_level, in.by_level);
	expect_counts("merged by_file", merged.by_file, in.by_file);
	expect_counts("merged by_suppression_status", merged.by_suppression,
	    in.by_suppression);
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
		    "merge: --format: expected sarif, codeclimate, junit, "
		    "junit-files or csv, got 'json'" },
		{ { "merge", "-j2", "-o", "-", defs },
		    "merge: unknown option '-j'" },
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
		    "summary: --format: expected text, json, markdown or html, got "
		    "'sarif'" },
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
	expect_count("", doc, "suppressed", want.suppressed);
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
 * baselineState keys and "suppressed" (not among the results), and exit
 * codes mean what --help says. */
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
		    k == "absent" || k == "suppressed", "key %s", k.c_str());
		if (k != "suppressed")
			sum += uint64_t(kv.value);
		keys++;
	}
	cr_expect(eq(sz, keys, 5));
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
	    distinct.size()) + " of " + n + " inputs found, " +
	    std::to_string(distinct.size()) + " stored";
	std::string want_warm = n + " of " + n + " inputs found, 0 stored";
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

/* ------------------------------------------------------------------ */
/* Hostile text, precise errors (issue 17)                             */

/* A scratch file holding @text, named after @name; removed by the caller. */
static std::string
scratch(const std::string &name, const std::string &text)
{
	std::string path = "/tmp/tally-cli-" + std::to_string(getpid()) + "-" +
	    name;
	std::ofstream f(path, std::ios::binary);

	f << text;
	return path;
}

/* The first control byte (C0 but '\n', DEL) in @s, or -1. */
static int
control_byte(const std::string &s)
{
	for (unsigned char c : s)
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			return c;
	return -1;
}

/* Tools, rules, files and messages with escapes, newlines and NULs; two
 * tools related at one line, so --clusters has something to print. */
static const char hostile_log[] =
    "{\"version\":\"2.1.0\",\"runs\":["
    "{\"tool\":{\"driver\":{\"name\":\"t\\u001b[31mX\"}},\"results\":["
    "{\"ruleId\":\"r\",\"level\":\"error\",\"message\":{\"text\":\"m\\u001b]0;"
    "title\\u0007\"},\"taxa\":[{\"id\":\"CWE-476\"}],\"locations\":[{"
    "\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"a\\nb\\u0000.c\"},"
    "\"region\":{\"startLine\":5}}}]},"
    "{\"ruleId\":\"r\\u0000x\",\"message\":{\"text\":\"m\"}}]},"
    "{\"tool\":{\"driver\":{\"name\":\"B\\r\"}},\"results\":["
    "{\"ruleId\":\"q\\u009b2J\",\"message\":{\"text\":\"n\"},\"taxa\":[{\"id\":"
    "\"CWE-476\"}],\"locations\":[{\"physicalLocation\":{\"artifactLocation\":"
    "{\"uri\":\"a\\nb\\u0000.c\"},\"region\":{\"startLine\":6}}}]}]}]}";

Test(cli, text_output_escapes_what_the_inputs_hold)
{
	std::string f = scratch("hostile.sarif", hostile_log);
	result r = run({ "summary", "--clusters", f });
	result j = run({ "summary", "--format", "json", f });

	unlink(f.c_str());
	cr_expect(eq(int, r.status, 0), "%s", r.err.c_str());
	cr_expect(eq(int, control_byte(r.out), -1), "%s", r.out.c_str());
	cr_expect(r.out.find("\xc2\x9b") == std::string::npos, "C1 CSI raw");
	for (const char *want : { "t\\x1b[31mX", "B\\x0d", "a\\x0ab\\x00.c",
	    "q\\xc2\\x9b2J", "m\\x1b]0;title\\x07" })
		cr_expect(r.out.find(want) != std::string::npos, "%s in %s",
		    want, r.out.c_str());
	/* 'r' and 'r\0x' are two rules, printed apart and in full */
	cr_expect(r.out.find(" r\n") != std::string::npos, "%s",
	    r.out.c_str());
	cr_expect(r.out.find(" r\\x00x\n") != std::string::npos, "%s",
	    r.out.c_str());
	/* JSON keeps every byte, escaped as JSON, NULs included */
	cr_expect(eq(int, j.status, 0));
	cr_expect(eq(int, control_byte(j.out), -1));
	cr_expect(j.out.find("\"r\\u0000x\"") != std::string::npos, "%s",
	    j.out.c_str());
	cr_expect(j.out.find("\"a\\nb\\u0000.c\"") != std::string::npos, "%s",
	    j.out.c_str());
}

Test(cli, errors_escape_paths_and_input_text)
{
	std::string nl = "/tmp/no\nsuch\x1b[2Jfile.sarif";
	result r = run({ "summary", nl });

	cr_expect(eq(int, r.status, 2));
	cr_expect(eq(int, control_byte(r.err), -1), "%s", r.err.c_str());
	cr_expect(r.err.find("tally: /tmp/no\\x0asuch\\x1b[2Jfile.sarif: ") ==
	    0, "%s", r.err.c_str());
	r = run({ "summary", "-\x1b" });
	cr_expect(eq(int, r.status, 2));
	cr_expect(r.err.find("unknown option '-\\x1b'") != std::string::npos,
	    "%s", r.err.c_str());
	r = run({ "summary", "--\x1b[2J" });
	cr_expect(eq(int, control_byte(r.err), -1), "%s", r.err.c_str());
}

/* Messages name the option as written, the file and the offset, in
 * tally's words (no simdjson sentence, no bare byte value for a BOM). */
Test(cli, errors_are_tallys_own_and_precise)
{
	const std::string defs = DATA "/defs/defs.sarif";
	const std::string head = "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":"
	    "{\"driver\":{\"name\":\"t\"}},\"results\":[{\"ruleId\":";
	const std::string loc = ",\"message\":{\"text\":\"m\"},\"locations\":"
	    "[{\"physicalLocation\":{\"region\":{\"startLine\":";
	const std::vector<std::pair<std::string, std::string>> logs = {
		{ head + "\"\\ud800x\",\"message\":{\"text\":\"m\"}}]}]}",
		    "byte 81: runs[0].results[0].ruleId: invalid string: a "
		    "\\u escape names an unpaired UTF-16 surrogate" },
		{ head + "\"r\"" + loc + "\"5\"}}}]}]}]}",
		    "startLine: expected an integer, found a string" },
		{ head + "\"r\"" + loc + "99999999999999999999}}}]}]}]}",
		    "startLine: expected an integer <= 4294967295, found a "
		    "larger one" },
		{ head + "5}]}]}", "ruleId: expected a string, found a number" },
		{ "\xef\xbb\xbf\xef\xbb\xbf{}", "byte 3: expected a JSON value, "
		    "found a byte order mark (U+FEFF); only one at byte 0 is "
		    "ignored" },
	};
	const std::vector<std::pair<std::vector<std::string>, std::string>>
	    opts = {
		{ { "summary", "-x", defs },
		    "summary: unknown option '-x' (try 'tally summary --help')" },
		{ { "summary", "-vx", defs }, "summary: unknown option '-x'" },
		{ { "summary", defs, "-vf" },
		    "summary: option '-f' needs a value" },
		{ { "summary", defs, "--format" },
		    "summary: option '--format' needs a value" },
		{ { "summary", "--p", defs }, "summary: option '--p' is "
		    "ambiguous" },
		{ { "summary", "--nope=3", defs },
		    "summary: unknown option '--nope'" },
		{ { "summary", "--max-input-bytes", "0", defs },
		    "summary: --max-input-bytes: expected a size in bytes" },
		{ { "summary", "--max-input-bytes", "5X", defs },
		    "summary: --max-input-bytes: expected a size in bytes" },
		{ { "merge", "-o", "-", "--max-input-bytes=99999999999T",
		    defs }, "merge: --max-input-bytes: expected a size" },
	};

	for (size_t i = 0; i < logs.size(); i++) {
		std::string f = scratch("err" + std::to_string(i) + ".sarif",
		    logs[i].first);
		result r = run({ "summary", f });

		unlink(f.c_str());
		cr_expect(eq(int, r.status, 2), "%s", r.err.c_str());
		cr_expect(r.err.find(f + ": ") != std::string::npos, "%s",
		    r.err.c_str());
		cr_expect(r.err.find(logs[i].second) != std::string::npos,
		    "want %s, got %s", logs[i].second.c_str(), r.err.c_str());
		cr_expect(r.err.find("Problem") == std::string::npos, "%s",
		    r.err.c_str());
	}
	for (const auto &c : opts) {
		result r = run(c.first);

		cr_expect(eq(int, r.status, 2), "%s", c.second.c_str());
		cr_expect(eq(int, r.err.rfind("tally: " + c.second, 0), 0),
		    "want %s, got %s", c.second.c_str(), r.err.c_str());
	}
	/* jscpd.sarif is 14108 bytes: every spelling of a larger size reads
	 * it, a smaller one refuses it, naming both sizes */
	for (const char *size : { "14108", "512K", "64M", "4G", "1TiB", "14kb" })
		cr_expect(eq(int, run({ "summary", "--max-input-bytes", size,
		    DATA "/samples/jscpd.sarif" }).status, 0), "%s", size);
	for (const char *size : { "14107", "1", "13k" }) {
		result r = run({ "summary", "--max-input-bytes", size,
		    DATA "/samples/jscpd.sarif" });

		cr_expect(eq(int, r.status, 2), "%s", size);
		cr_expect(r.err.find("jscpd.sarif: 14108 bytes, over the limit of ")
		    != std::string::npos, "%s: %s", size, r.err.c_str());
	}
}

/* The exit status of `sh -c @cmd`, with TALLY the program. */
static int
shell(const std::string &cmd)
{
	std::string full = "TALLY=" + quote(TALLY_CLI) + "; " + cmd;
	int st = system(full.c_str());

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(cli, write_errors_and_a_bad_isa_exit_2)
{
	const std::string s = DATA "/samples/jscpd.sarif";

	if (access("/dev/full", W_OK) == 0) {
		cr_expect(eq(int, shell("\"$TALLY\" --help >/dev/full "
		    "2>/dev/null"), 2));
		cr_expect(eq(int, shell("\"$TALLY\" --version >/dev/full "
		    "2>/dev/null"), 2));
		cr_expect(eq(int, shell("\"$TALLY\" summary --help >/dev/full "
		    "2>/dev/null"), 2));
		cr_expect(eq(int, shell("\"$TALLY\" summary " + quote(s) +
		    " >/dev/full 2>/dev/null"), 2));
		cr_expect(eq(int, shell("\"$TALLY\" --version 2>&1 "
		    ">/dev/full | grep -q 'standard output: No space left'"),
		    0));
	}
	setenv("TALLY_ISA", "bogus", 1);
	result r = run({ "summary", s });
	unsetenv("TALLY_ISA");
	cr_expect(eq(int, r.status, 2));
	cr_expect(r.out.empty());
	EXPECT_STR(r.err, "tally: TALLY_ISA=bogus: unknown instruction set; "
	    "expected scalar, avx2 or avx512\n");
	setenv("TALLY_ISA", "", 1);
	r = run({ "--version" });
	unsetenv("TALLY_ISA");
	cr_expect(eq(int, r.status, 0), "an empty TALLY_ISA is none");
}
