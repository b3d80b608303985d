/*
 * formats/sarif_simdjson.cc - the simdjson shim: parse one SARIF object
 * (a result, a rule, an artifact) and hand its properties to C.
 *
 * Each object is its own simdjson On-Demand document: json_scan.c framed it
 * and checked its grammar, simdjson indexes it (checking UTF-8) and we walk
 * only the properties the definitions use; the rest is skipped by simdjson's
 * structural index. No exception crosses into C: simdjson is used through
 * its error-code API and every entry point is noexcept.
 */
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <new>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "formats/sarif_internal.h"
#include "tally/common.h"

using namespace simdjson;

/*
 * The parser and the arrays a parse hands back (valid until the next
 * parse, like the string views into the parser's buffer).
 */
struct tallyi_json {
	ondemand::parser parser;
	std::vector<tallyi_sv> args;
	std::vector<tallyi_msgstr> ms;
	std::vector<tallyi_rule_sv> rules;
	std::vector<tallyi_override_sv> ovr;
};

static_assert(TALLYI_JSON_PADDING == SIMDJSON_PADDING,
    "the padding sarif_input.c provides must be simdjson's");

namespace {

/* Where an error happened and what the path to it is, for messages. */
struct ctx {
	const char *base;
	const char *end;
	ondemand::document *doc;
	tallyi_json_err *err;
};

const char *
type_name(ondemand::json_type t)
{
	switch (t) {
	case ondemand::json_type::array: return "an array";
	case ondemand::json_type::object: return "an object";
	case ondemand::json_type::number: return "a number";
	case ondemand::json_type::string: return "a string";
	case ondemand::json_type::boolean: return "a boolean";
	case ondemand::json_type::null: return "null";
	}
	return "a value";
}

size_t
here(const ctx &c)
{
	const char *p = nullptr;

	if (c.doc->current_location().get(p) != SUCCESS || p == nullptr)
		return 0;
	return (size_t)(p - c.base);
}

void
vfail(const ctx &c, int code, size_t off, const char *path, const char *fmt,
    va_list ap) __attribute__((format(printf, 5, 0)));

void
vfail(const ctx &c, int code, size_t off, const char *path, const char *fmt,
    va_list ap)
{
	c.err->code = code;
	c.err->off = off;
	snprintf(c.err->path, sizeof(c.err->path), "%s", path);
	vsnprintf(c.err->msg, sizeof(c.err->msg), fmt, ap);
}

/* An error at the current token. */
int
fail(const ctx &c, int code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

int
fail(const ctx &c, int code, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, code, here(c), path, fmt, ap);
	va_end(ap);
	return code;
}

/* An error at @off: the start of a value already consumed. */
int
fail_at(const ctx &c, size_t off, int code, const char *path,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

int
fail_at(const ctx &c, size_t off, int code, const char *path,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, code, off, path, fmt, ap);
	va_end(ap);
	return code;
}

/*
 * What a simdjson error means, in tally's words (simdjson's own sentences
 * are written for its API's users, not for someone whose log failed).
 * json_scan.c validated the grammar and the escapes before simdjson saw the
 * object, so in practice this is invalid UTF-8, a \u escape naming half a
 * surrogate pair, or memory; the rest are named for completeness.
 */
const char *
simdjson_words(error_code e)
{
	switch (e) {
	case UTF8_ERROR: return "invalid UTF-8";
	case STRING_ERROR: case UNESCAPED_CHARS:
		return "invalid string: a \\u escape names an unpaired UTF-16 "
		    "surrogate (\\uD800 to \\uDFFF)";
	case UNCLOSED_STRING: return "invalid string: no closing quote";
	case NUMBER_ERROR: return "invalid number";
	case NUMBER_OUT_OF_RANGE:
		return "a number out of range";
	case T_ATOM_ERROR: return "invalid literal: expected true";
	case F_ATOM_ERROR: return "invalid literal: expected false";
	case N_ATOM_ERROR: return "invalid literal: expected null";
	case DEPTH_ERROR: return "nested too deeply";
	case CAPACITY: return "an object too large to index";
	case MEMALLOC: return "out of memory";
	case INCOMPLETE_ARRAY_OR_OBJECT: case EMPTY:
		return "an object or array cut short";
	case TRAILING_CONTENT: return "text after the end of the object";
	case INCORRECT_TYPE: return "a value of an unexpected type";
	default: return "malformed JSON";
	}
}

/*
 * The offset of the first \u escape naming an unpaired surrogate in the
 * string whose opening quote is at @off, or @off when there is none.
 */
size_t
bad_surrogate(const ctx &c, size_t off)
{
	const char *p = c.base + off + 1;
	bool high = false;
	size_t at = off;

	while (p + 1 < c.end && *p != '"') {
		unsigned v = 0;

		if (*p != '\\') {
			if (high)
				return at;
			p++;
			continue;
		}
		if (p[1] != 'u' || c.end - p < 6) {
			if (high)
				return at;
			p += 2;
			continue;
		}
		for (int k = 2; k < 6; k++)
			v = v << 4 | (unsigned)(p[k] <= '9' ? p[k] - '0' :
			    (p[k] | 0x20) - 'a' + 10);
		if (high && (v < 0xdc00 || v > 0xdfff))
			return at;
		if (!high && v >= 0xdc00 && v <= 0xdfff)
			return (size_t)(p - c.base);
		high = !high && v >= 0xd800 && v <= 0xdbff;
		at = (size_t)(p - c.base);
		p += 6;
	}
	return high ? at : off;
}

/*
 * The opening quote of the string simdjson failed on: the current token
 * when it is a string holding a bad escape, else the string before it (a
 * failed get_string() has moved past it): back over the separators to its
 * closing quote, then to the first quote not escaped by a backslash.
 */
size_t
failed_string(const ctx &c, size_t pos)
{
	const char *b = c.base, *p = b + pos;

	if (p < c.end && *p == '"' && bad_surrogate(c, pos) != pos)
		return pos;
	while (p > b && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' ||
	    p[-1] == '\r' || p[-1] == ',' || p[-1] == ':' || p[-1] == ']' ||
	    p[-1] == '}'))
		p--;
	if (p == b || p[-1] != '"')
		return pos;
	for (p -= 2; p >= b; p--) {
		size_t bs = 0;

		if (*p != '"')
			continue;
		while (p - (ptrdiff_t)bs - 1 >= b && p[-(ptrdiff_t)bs - 1] ==
		    '\\')
			bs++;
		if (bs % 2 == 0)
			return (size_t)(p - b);
	}
	return pos;
}

/* A simdjson error that is not a type mismatch, in tally's words. */
int
fail_simdjson(const ctx &c, error_code e, const char *path)
{
	int code = e == UTF8_ERROR ? TALLY_EPARSE_UTF8 : e == MEMALLOC ?
	    TALLY_ENOMEM : TALLY_EPARSE;
	size_t off = here(c);

	if (e == STRING_ERROR)
		off = bad_surrogate(c, failed_string(c, off));
	return fail_at(c, off, code, path, "%s", simdjson_words(e));
}

/*
 * The slow path of every getter below: the typed get failed, so find out
 * why. A property whose value is null is absent (real tools write
 * "version": null): *has stays false and that is not an error. Anything
 * else is a type error naming what was expected and what was found.
 */
int
not_a(const ctx &c, ondemand::value &v, error_code e, const char *path,
    const char *what)
{
	ondemand::json_type t;

	if (e != INCORRECT_TYPE && e != NUMBER_ERROR &&
	    e != NUMBER_OUT_OF_RANGE)
		return fail_simdjson(c, e, path);
	if ((e = v.type().get(t)) != SUCCESS)
		return fail_simdjson(c, e, path);
	if (t == ondemand::json_type::null)
		return TALLY_OK;
	/* get_int() names the range of an integer too large itself: a
	 * number here is the wrong type, or an integer with a fraction. */
	if (t == ondemand::json_type::number) {
		ondemand::number_type nt;

		if (strcmp(what, "an integer") == 0 &&
		    v.get_number_type().get(nt) == SUCCESS &&
		    nt == ondemand::number_type::floating_point_number)
			return fail(c, TALLY_EFORMAT_TYPE, path,
			    "expected %s, found a fraction or exponent", what);
		return fail(c, TALLY_EFORMAT_TYPE, path,
		    "expected %s, found a number", what);
	}
	return fail(c, TALLY_EFORMAT_TYPE, path, "expected %s, found %s", what,
	    type_name(t));
}

/*
 * The getters try the expected type first: simdjson leaves a value
 * unconsumed when a typed get fails, so not_a() can still look at it.
 */

/* An optional string; *has stays false for null. */
int
get_str(const ctx &c, ondemand::value &v, const char *path, tallyi_sv *out,
    bool *has)
{
	std::string_view sv;
	error_code e = v.get_string().get(sv);

	if (e != SUCCESS)
		return not_a(c, v, e, path, "a string");
	out->p = sv.data();
	out->n = sv.size();
	*has = true;
	return TALLY_OK;
}

/* Whether the token at @off is an integer (no fraction, no exponent). */
bool
integer_token(const ctx &c, size_t off)
{
	const char *p = c.base + off;

	if (p < c.end && *p == '-')
		p++;
	if (p == c.end || *p < '0' || *p > '9')
		return false;
	while (p < c.end && *p >= '0' && *p <= '9')
		p++;
	return p == c.end || (*p != '.' && *p != 'e' && *p != 'E');
}

/*
 * An optional integer in [lo, hi] (lo is 0 or -1: -1 means "unset" in
 * SARIF); *neg is set for -1. *has stays false for null.
 */
int
get_int(const ctx &c, ondemand::value &v, const char *path, int64_t lo,
    uint64_t hi, uint64_t *out, bool *neg, bool *has)
{
	size_t at = here(c);
	error_code e = v.get_uint64().get(*out);

	if (e != SUCCESS) {
		int64_t x;
		/* Not a non-negative integer: maybe a negative one. */
		error_code e2 = v.get_int64().get(x);

		/* An integer past 64 bits: name the range it is out of. */
		if (e2 != SUCCESS && integer_token(c, at)) {
			if (c.base[at] == '-')
				return fail_at(c, at, TALLY_EFORMAT_VALUE, path,
				    "expected an integer >= %lld, found a "
				    "smaller one", (long long)lo);
			return fail_at(c, at, TALLY_EFORMAT_VALUE, path,
			    "expected an integer <= %llu, found a larger one",
			    (unsigned long long)hi);
		}
		if (e2 != SUCCESS || x >= 0)
			return not_a(c, v, e, path, "an integer");
		if (x < lo)
			return fail_at(c, at, TALLY_EFORMAT_VALUE, path,
			    "expected an integer >= %lld, found %lld",
			    (long long)lo, (long long)x);
		*out = (uint64_t)(-(x + 1)) + 1;
		*neg = true;
		*has = true;
		return TALLY_OK;
	}
	if (*out > hi)
		return fail_at(c, at, TALLY_EFORMAT_VALUE, path,
		    "expected an integer <= %llu, found %llu",
		    (unsigned long long)hi, (unsigned long long)*out);
	*neg = false;
	*has = true;
	return TALLY_OK;
}

/* Enter an optional object; *has stays false for null. */
int
get_obj(const ctx &c, ondemand::value &v, const char *path,
    ondemand::object *out, bool *has)
{
	error_code e = v.get_object().get(*out);

	if (e != SUCCESS)
		return not_a(c, v, e, path, "an object");
	*has = true;
	return TALLY_OK;
}

int
get_arr(const ctx &c, ondemand::value &v, const char *path,
    ondemand::array *out, bool *has)
{
	error_code e = v.get_array().get(*out);

	if (e != SUCCESS)
		return not_a(c, v, e, path, "an array");
	*has = true;
	return TALLY_OK;
}

/* A string for the correlation fields: any other type is absent. */
bool
opt_str(ondemand::value &v, tallyi_sv *out)
{
	std::string_view sv;

	if (v.get_string().get(sv) != SUCCESS)
		return false;
	out->p = sv.data();
	out->n = sv.size();
	return true;
}

/*
 * Iterate an object's fields, calling f(key, value) for each. Keys are
 * compared as written when they hold no backslash (all real SARIF), and
 * unescaped otherwise, so "rule\u0049d" is still "ruleId".
 */
template <typename F>
int
each_field(const ctx &c, ondemand::object &o, const char *path, F f)
{
	for (auto field : o) {
		ondemand::field fl;
		error_code e = std::move(field).get(fl);
		std::string_view key;
		int rc;

		if (e != SUCCESS)
			return fail_simdjson(c, e, path);
		/*
		 * The raw key points just past its opening quote in the input,
		 * which json_scan validated: the closing quote is there.
		 */
		const char *k = fl.key().raw();
		const char *q = static_cast<const char *>(
		    std::memchr(k, '"', (size_t)(c.end - k)));
		if (std::memchr(k, '\\', (size_t)(q - k)) == nullptr) {
			key = std::string_view(k, (size_t)(q - k));
		} else if ((e = fl.unescaped_key().get(key)) != SUCCESS) {
			return fail_simdjson(c, e, path);
		}
		if ((rc = f(key, fl.value())) != TALLY_OK)
			return rc;
	}
	return TALLY_OK;
}

int
parse_level(const ctx &c, ondemand::value &v, const char *path, int *level)
{
	tallyi_sv s{};
	bool has = false;
	size_t at = here(c);
	tally_level l;
	int rc;

	if ((rc = get_str(c, v, path, &s, &has)) != TALLY_OK || !has)
		return rc;
	if (tally_level_parse(s.p, s.n, &l) != TALLY_OK)
		return fail_at(c, at, TALLY_EFORMAT_VALUE, path, "expected one of "
		    "\"none\", \"note\", \"warning\", \"error\", found "
		    "\"%.*s\"", (int)(s.n > 40 ? 40 : s.n), s.p);
	*level = (int)l;
	return TALLY_OK;
}

/* region: startLine, startColumn, charOffset, byteOffset. */
int
parse_region(const ctx &c, ondemand::object &o, tallyi_sarif_result *r)
{
	return each_field(c, o, "locations[0].physicalLocation.region",
	    [&](std::string_view k, ondemand::value &v) -> int {
		uint64_t x = 0;
		bool neg = false, has = false;
		int rc;

		if (k == "startLine") {
			rc = get_int(c, v, "locations[0].physicalLocation."
			    "region.startLine", 0, UINT32_MAX, &x, &neg, &has);
			if (rc == TALLY_OK && has)
				r->line = x, r->has |= TALLYI_R_LINE;
		} else if (k == "startColumn") {
			rc = get_int(c, v, "locations[0].physicalLocation."
			    "region.startColumn", 0, UINT32_MAX, &x, &neg,
			    &has);
			if (rc == TALLY_OK && has)
				r->column = x, r->has |= TALLYI_R_COLUMN;
		} else if (k == "charOffset") {
			rc = get_int(c, v, "locations[0].physicalLocation."
			    "region.charOffset", -1, INT64_MAX, &x, &neg,
			    &has);
			if (rc == TALLY_OK && has && !neg) /* -1: unset */
				r->char_offset = x,
				r->has |= TALLYI_R_CHAR_OFFSET;
		} else if (k == "byteOffset") {
			rc = get_int(c, v, "locations[0].physicalLocation."
			    "region.byteOffset", -1, INT64_MAX, &x, &neg,
			    &has);
			if (rc == TALLY_OK && has && !neg) /* -1: unset */
				r->byte_offset = x,
				r->has |= TALLYI_R_BYTE_OFFSET;
		} else {
			rc = TALLY_OK;
		}
		return rc;
	});
}

int
parse_artifact_location(const ctx &c, ondemand::object &o,
    tallyi_sarif_result *r, tallyi_corr_fields *cf)
{
	return each_field(c, o, "locations[0].physicalLocation."
	    "artifactLocation", [&](std::string_view k, ondemand::value &v) -> int {
		bool has = false;
		int rc = TALLY_OK;

		if (k == "uri") {
			rc = get_str(c, v, "locations[0].physicalLocation."
			    "artifactLocation.uri", &r->uri, &has);
			if (rc == TALLY_OK && has)
				r->has |= TALLYI_R_URI;
		} else if (k == "index") {
			uint64_t x = 0;
			bool neg = false;

			rc = get_int(c, v, "locations[0].physicalLocation."
			    "artifactLocation.index", -1, INT64_MAX, &x, &neg,
			    &has);
			if (rc == TALLY_OK && has && !neg)
				r->art_index = (int64_t)x,
				r->has |= TALLYI_R_ART_INDEX;
		} else if (k == "uriBaseId" && cf != nullptr) {
			cf->has_base = opt_str(v, &cf->base_id);
		}
		return rc;
	});
}

int
parse_first_location(const ctx &c, ondemand::array &a, tallyi_sarif_result *r,
    tallyi_corr_fields *cf)
{
	for (auto elem : a) {
		ondemand::value v;
		ondemand::object loc, phys, sub;
		bool has = false;
		int rc;

		error_code e = elem.get(v);
		if (e != SUCCESS)
			return fail_simdjson(c, e, "locations[0]");
		if ((rc = get_obj(c, v, "locations[0]", &loc, &has)) !=
		    TALLY_OK || !has)
			return rc;
		return each_field(c, loc, "locations[0]",
		    [&](std::string_view k, ondemand::value &lv) -> int {
			bool h = false;
			int rc2;

			if (k != "physicalLocation")
				return TALLY_OK;
			rc2 = get_obj(c, lv, "locations[0].physicalLocation",
			    &phys, &h);
			if (rc2 != TALLY_OK || !h)
				return rc2;
			return each_field(c, phys,
			    "locations[0].physicalLocation",
			    [&](std::string_view pk, ondemand::value &pv) -> int {
				bool hh = false;
				int rc3;

				if (pk == "artifactLocation") {
					rc3 = get_obj(c, pv, "locations[0]."
					    "physicalLocation.artifactLocation",
					    &sub, &hh);
					if (rc3 == TALLY_OK && hh)
						rc3 = parse_artifact_location(c,
						    sub, r, cf);
					return rc3;
				}
				if (pk == "region") {
					rc3 = get_obj(c, pv, "locations[0]."
					    "physicalLocation.region", &sub,
					    &hh);
					if (rc3 == TALLY_OK && hh)
						rc3 = parse_region(c, sub, r);
					return rc3;
				}
				return TALLY_OK;
			});
		});
	}
	return TALLY_OK; /* no locations: file "", line 0, ... */
}

/* Append to a vector; false when out of memory (no exception escapes). */
template <typename T>
bool
push(std::vector<T> &v, const T &x) noexcept
{
	try {
		v.push_back(x);
	} catch (...) {
		return false;
	}
	return true;
}

int
nomem(const ctx &c, const char *path)
{
	return fail(c, TALLY_ENOMEM, path, "out of memory");
}

int
parse_message(const ctx &c, ondemand::object &o, tallyi_sarif_result *r,
    std::vector<tallyi_sv> &args)
{
	return each_field(c, o, "message",
	    [&](std::string_view k, ondemand::value &v) -> int {
		bool has = false;
		int rc = TALLY_OK;

		/* the common keys first: text, then id */
		if (k == "text") {
			rc = get_str(c, v, "message.text", &r->msg_text, &has);
			if (rc == TALLY_OK && has)
				r->has |= TALLYI_R_MSG_TEXT;
		} else if (k == "id") {
			rc = get_str(c, v, "message.id", &r->msg_id, &has);
			if (rc == TALLY_OK && has)
				r->has |= TALLYI_R_MSG_ID;
		} else if (k == "arguments") {
			ondemand::array a;

			rc = get_arr(c, v, "message.arguments", &a, &has);
			if (rc != TALLY_OK || !has)
				return rc;
			r->has |= TALLYI_R_ARGS;
			for (auto elem : a) {
				ondemand::value ev;
				tallyi_sv sv{};
				bool h = false;
				error_code e = elem.get(ev);

				if (e != SUCCESS)
					return fail_simdjson(c, e,
					    "message.arguments");
				rc = get_str(c, ev, "message.arguments[]", &sv,
				    &h);
				if (rc != TALLY_OK)
					return rc;
				if (!h) /* null: the spec wants strings */
					return fail(c, TALLY_EFORMAT_TYPE,
					    "message.arguments[]",
					    "expected a string, found null");
				if (!push(args, sv))
					return nomem(c, "message.arguments");
			}
			return TALLY_OK;
		}
		return rc;
	});
}

/* partialFingerprints: only primaryLocationLineHash is kept. */
int
parse_fingerprints(const ctx &c, ondemand::object &o, tallyi_sarif_result *r)
{
	return each_field(c, o, "partialFingerprints",
	    [&](std::string_view k, ondemand::value &v) -> int {
		bool has = false;
		int rc = TALLY_OK;

		if (k == "primaryLocationLineHash") {
			rc = get_str(c, v,
			    "partialFingerprints.primaryLocationLineHash",
			    &r->plh, &has);
			if (rc == TALLY_OK && has)
				r->has |= TALLYI_R_PLH;
		}
		return rc;
	});
}

/*
 * A string that must be one of @names (@count of them): *out receives its
 * position. Null leaves *out as it is.
 */
int
parse_enum(const ctx &c, ondemand::value &v, const char *path,
    const char *const *names, int count, int *out)
{
	tallyi_sv s{};
	bool has = false;
	size_t at = here(c);
	int rc;

	if ((rc = get_str(c, v, path, &s, &has)) != TALLY_OK || !has)
		return rc;
	for (int i = 0; i < count; i++)
		if (std::strlen(names[i]) == s.n &&
		    std::memcmp(names[i], s.p, s.n) == 0) {
			*out = i;
			return TALLY_OK;
		}
	char list[160] = "";
	for (int i = 0; i < count; i++)
		snprintf(list + std::strlen(list), sizeof(list) -
		    std::strlen(list), "%s\"%s\"", i ? ", " : "", names[i]);
	return fail_at(c, at, TALLY_EFORMAT_VALUE, path, "expected one of %s, "
	    "found \"%.*s\"", list, (int)(s.n > 40 ? 40 : s.n), s.p);
}

/* An optional integer >= -1 (-1: unset) into *out and @bit of *has. */
int
get_index(const ctx &c, ondemand::value &v, const char *path, int64_t *out,
    unsigned *has, unsigned bit)
{
	uint64_t x = 0;
	bool neg = false, h = false;
	int rc = get_int(c, v, path, -1, INT64_MAX, &x, &neg, &h);

	if (rc == TALLY_OK && h && !neg)
		*out = (int64_t)x, *has |= bit;
	return rc;
}

/* An optional string into *out and @bit of *has. */
int
get_str_bit(const ctx &c, ondemand::value &v, const char *path,
    tallyi_sv *out, unsigned *has, unsigned bit)
{
	bool h = false;
	int rc = get_str(c, v, path, out, &h);

	if (rc == TALLY_OK && h)
		*has |= bit;
	return rc;
}

/*
 * A reportingDescriptorReference (§3.52) at @path: id, index, guid and its
 * toolComponentReference (§3.54: index, guid, name).
 */
int
parse_ref(const ctx &c, ondemand::value &v, const char *path, tallyi_ref *ref)
{
	ondemand::object o;
	bool has = false;
	int rc;

	*ref = tallyi_ref{};
	ref->index = ref->tc_index = -1;
	if ((rc = get_obj(c, v, path, &o, &has)) != TALLY_OK || !has)
		return rc;
	return each_field(c, o, path, [&](std::string_view k,
	    ondemand::value &fv) -> int {
		if (k == "id")
			return get_str_bit(c, fv, path, &ref->id, &ref->has,
			    TALLYI_REF_ID);
		if (k == "index")
			return get_index(c, fv, path, &ref->index, &ref->has,
			    TALLYI_REF_INDEX);
		if (k == "guid")
			return get_str_bit(c, fv, path, &ref->guid, &ref->has,
			    TALLYI_REF_GUID);
		if (k != "toolComponent")
			return (int)TALLY_OK;
		ondemand::object t;
		bool h = false;
		int rc2 = get_obj(c, fv, path, &t, &h);

		if (rc2 != TALLY_OK || !h)
			return rc2;
		return each_field(c, t, path, [&](std::string_view tk,
		    ondemand::value &tv) -> int {
			if (tk == "index")
				return get_index(c, tv, path, &ref->tc_index,
				    &ref->has, TALLYI_REF_TC_INDEX);
			if (tk == "guid")
				return get_str_bit(c, tv, path, &ref->tc_guid,
				    &ref->has, TALLYI_REF_TC_GUID);
			if (tk == "name")
				return get_str_bit(c, tv, path, &ref->tc_name,
				    &ref->has, TALLYI_REF_TC_NAME);
			return (int)TALLY_OK;
		});
	});
}

/*
 * suppressions (§3.27.23): the effective status of a non-empty array,
 * rejected over underReview over accepted (§3.35.3; absent is accepted).
 */
int
parse_suppressions(const ctx &c, ondemand::value &v, uint8_t *supp)
{
	static const char *const names[] = { "accepted", "underReview",
		"rejected" };
	ondemand::array a;
	bool has = false;
	int rc;

	if ((rc = get_arr(c, v, "suppressions", &a, &has)) != TALLY_OK || !has)
		return rc;
	for (auto elem : a) {
		ondemand::value ev;
		ondemand::object o;
		bool h = false;
		int status = 0; /* accepted */
		error_code e = elem.get(ev);

		if (e != SUCCESS)
			return fail_simdjson(c, e, "suppressions");
		if ((rc = get_obj(c, ev, "suppressions[]", &o, &h)) != TALLY_OK)
			return rc;
		if (!h)
			return fail(c, TALLY_EFORMAT_TYPE, "suppressions[]",
			    "expected an object, found null");
		rc = each_field(c, o, "suppressions[]", [&](std::string_view k,
		    ondemand::value &fv) -> int {
			return k == "status" ? parse_enum(c, fv,
			    "suppressions[].status", names, 3, &status) :
			    (int)TALLY_OK;
		});
		if (rc != TALLY_OK)
			return rc;
		if ((uint8_t)(TALLYI_SUPP_ACCEPTED + status) > *supp)
			*supp = (uint8_t)(TALLYI_SUPP_ACCEPTED + status);
	}
	return TALLY_OK;
}

/* ------------------------------------------------------------------ */
/* Correlation fields: lenient, a value of the wrong type is absent     */

/*
 * Call f(value) for the member @key of @v when @v is an object. Returns
 * the first error of the walk (never a type mismatch).
 */
template <typename F>
int
member(const ctx &c, ondemand::value &v, std::string_view key, F f)
{
	ondemand::object o;

	if (v.get_object().get(o) != SUCCESS)
		return TALLY_OK;
	return each_field(c, o, "", [&](std::string_view k,
	    ondemand::value &mv) -> int {
		return k == key ? f(mv) : (int)TALLY_OK;
	});
}

/* Call f(element) for each element of @v when it is an array. */
template <typename F>
int
elements(const ctx &c, ondemand::value &v, F f)
{
	ondemand::array a;

	if (v.get_array().get(a) != SUCCESS)
		return TALLY_OK;
	for (auto elem : a) {
		ondemand::value ev;
		error_code e = elem.get(ev);
		int rc;

		if (e != SUCCESS)
			return fail_simdjson(c, e, "");
		if ((rc = f(ev)) != TALLY_OK)
			return rc;
	}
	return TALLY_OK;
}

bool
is_cwe_name(const tallyi_sv &s)
{
	return s.n == 3 && (s.p[0] | 0x20) == 'c' && (s.p[1] | 0x20) == 'w' &&
	    (s.p[2] | 0x20) == 'e';
}

/*
 * A reportingDescriptorReference (taxa[], relationships[].target): a CWE
 * when its id says "CWE-n", or is a number and its toolComponent is "CWE".
 */
int
parse_taxon_ref(const ctx &c, ondemand::value &v, tallyi_corr_fields *cf)
{
	ondemand::object o;
	tallyi_sv id{}, comp{};
	bool has_id = false, has_comp = false;
	int rc;

	if (v.get_object().get(o) != SUCCESS)
		return TALLY_OK;
	rc = each_field(c, o, "", [&](std::string_view k,
	    ondemand::value &fv) -> int {
		if (k == "id")
			has_id = opt_str(fv, &id);
		else if (k == "toolComponent")
			return member(c, fv, "name", [&](ondemand::value &nv) {
				has_comp = opt_str(nv, &comp);
				return (int)TALLY_OK;
			});
		return (int)TALLY_OK;
	});
	if (rc != TALLY_OK || !has_id)
		return rc;
	uint32_t before = cf->ncwe;
	tallyi_cwe_scan(id.p, id.n, cf);
	if (cf->ncwe == before && has_comp && is_cwe_name(comp) && id.n > 0 &&
	    id.n < 8) {
		uint32_t n = 0;

		for (size_t i = 0; i < id.n; i++) {
			if (id.p[i] < '0' || id.p[i] > '9')
				return TALLY_OK;
			n = n * 10 + (uint32_t)(id.p[i] - '0');
		}
		tallyi_cwe_add(cf, n);
	}
	return TALLY_OK;
}

/* properties.tags: a tag naming a CWE is that CWE, else a category tag. */
int
parse_tags(const ctx &c, ondemand::value &props, tallyi_corr_fields *cf)
{
	return member(c, props, "tags", [&](ondemand::value &tv) {
		return elements(c, tv, [&](ondemand::value &ev) {
			tallyi_sv t{};
			uint32_t before = cf->ncwe;

			if (!opt_str(ev, &t) || t.n == 0)
				return (int)TALLY_OK;
			tallyi_cwe_scan(t.p, t.n, cf);
			if (cf->ncwe == before && cf->ntag < TALLYI_CATS)
				cf->tag[cf->ntag++] = t;
			return (int)TALLY_OK;
		});
	});
}

/* startLine of a location's physicalLocation.region, into *line. */
int
location_line(const ctx &c, ondemand::value &loc, uint64_t *line)
{
	return member(c, loc, "physicalLocation", [&](ondemand::value &pv) {
		return member(c, pv, "region", [&](ondemand::value &rv) {
			return member(c, rv, "startLine",
			    [&](ondemand::value &lv) {
				uint64_t x;

				if (lv.get_uint64().get(x) == SUCCESS &&
				    x <= UINT32_MAX)
					*line = x;
				return (int)TALLY_OK;
			});
		});
	});
}

/*
 * codeFlows[0].threadFlows[0].locations[]: the lines of its first and last
 * location (where the flow starts and where it ends).
 */
int
parse_flows(const ctx &c, ondemand::value &v, tallyi_corr_fields *cf)
{
	bool done = false;

	return elements(c, v, [&](ondemand::value &flow) {
		if (done)
			return (int)TALLY_OK;
		done = true;
		return member(c, flow, "threadFlows", [&](ondemand::value &tfs) {
			bool tdone = false;

			return elements(c, tfs, [&](ondemand::value &tf) {
				if (tdone)
					return (int)TALLY_OK;
				tdone = true;
				return member(c, tf, "locations",
				    [&](ondemand::value &locs) {
					return elements(c, locs,
					    [&](ondemand::value &tfl) {
						uint64_t line = 0;
						int rc = member(c, tfl,
						    "location",
						    [&](ondemand::value &l) {
							return location_line(c,
							    l, &line);
						});

						if (line != 0) {
							if (cf->flow[0] == 0)
								cf->flow[0] =
								    line;
							cf->flow[1] = line;
						}
						return rc;
					});
				});
			});
		});
	});
}

/*
 * A reportingConfiguration's level (defaultConfiguration, or an override's
 * configuration) at @path.
 */
int
parse_config_level(const ctx &c, ondemand::value &v, const char *path,
    int *level)
{
	ondemand::object o;
	bool has = false;
	int rc = get_obj(c, v, path, &o, &has);

	if (rc != TALLY_OK || !has)
		return rc;
	return each_field(c, o, path, [&](std::string_view k,
	    ondemand::value &lv) -> int {
		char lp[96];

		if (k != "level")
			return (int)TALLY_OK;
		snprintf(lp, sizeof(lp), "%s.level", path);
		return parse_level(c, lv, lp, level);
	});
}

/*
 * An object of multiformatMessageStrings (§3.12): each name with the text
 * of its value appended to @ms (an entry without text is skipped: the
 * definitions read text only).
 */
int
parse_msgstrings_obj(const ctx &c, ondemand::object &o, const char *path,
    std::vector<tallyi_msgstr> &ms)
{
	return each_field(c, o, path, [&](std::string_view k,
	    ondemand::value &mv) -> int {
		ondemand::object mo;
		tallyi_msgstr m{ { k.data(), k.size() }, { nullptr, 0 } };
		bool h = false, ht = false;
		int rc2 = get_obj(c, mv, path, &mo, &h);

		if (rc2 != TALLY_OK || !h)
			return rc2;
		rc2 = each_field(c, mo, path, [&](std::string_view tk,
		    ondemand::value &tv) -> int {
			return tk == "text" ? get_str(c, tv, path, &m.text,
			    &ht) : (int)TALLY_OK;
		});
		if (rc2 != TALLY_OK || !ht)
			return rc2;
		/* A key with an escape was unescaped into the parser's
		 * buffer by each_field; a raw one points into the input. */
		return push(ms, m) ? (int)TALLY_OK : nomem(c, path);
	});
}

/* The same at value @v (null: none). */
int
parse_msgstrings(const ctx &c, ondemand::value &v, const char *path,
    std::vector<tallyi_msgstr> &ms)
{
	ondemand::object o;
	bool has = false;
	int rc = get_obj(c, v, path, &o, &has);

	if (rc != TALLY_OK || !has)
		return rc;
	return parse_msgstrings_obj(c, o, path, ms);
}

/*
 * A reportingDescriptor: id, guid, defaultConfiguration.level,
 * messageStrings (appended to @ms; out->ms holds the index of the first
 * until fix_rule_ms() turns it into a pointer), and with @cf its
 * categories.
 */
int
parse_rule(const ctx &c, ondemand::object &obj, const char *path,
    tallyi_rule_sv *out, std::vector<tallyi_msgstr> &ms,
    tallyi_corr_fields *cf)
{
	*out = tallyi_rule_sv{};
	out->level = -1;
	out->ms = reinterpret_cast<const tallyi_msgstr *>(ms.size());
	return each_field(c, obj, path,
	    [&](std::string_view k, ondemand::value &v) -> int {
		if (k == "id")
			return get_str(c, v, "id", &out->id, &out->has_id);
		if (k == "guid")
			return get_str(c, v, "guid", &out->guid,
			    &out->has_guid);
		if (k == "defaultConfiguration")
			return parse_config_level(c, v, "defaultConfiguration",
			    &out->level);
		if (k == "messageStrings") {
			size_t before = ms.size();
			int rc = parse_msgstrings(c, v, "messageStrings", ms);

			out->ms = reinterpret_cast<const tallyi_msgstr *>(
			    before);
			out->nms = ms.size() - before;
			return rc;
		}
		if (cf == nullptr)
			return (int)TALLY_OK;
		if (k == "relationships")
			return elements(c, v, [&](ondemand::value &ev) {
				return member(c, ev, "target",
				    [&](ondemand::value &tv) {
					return parse_taxon_ref(c, tv, cf);
				});
			});
		if (k == "properties")
			return parse_tags(c, v, cf);
		if (k == "shortDescription" || k == "fullDescription")
			return member(c, v, "text", [&](ondemand::value &tv) {
				tallyi_sv t{};

				if (opt_str(tv, &t))
					tallyi_cwe_scan(t.p, t.n, cf);
				return (int)TALLY_OK;
			});
		return (int)TALLY_OK;
	});
}

/* Turn the first-entry indexes parse_rule() left into pointers. */
void
fix_rule_ms(tallyi_rule_sv *rules, size_t n,
    const std::vector<tallyi_msgstr> &ms)
{
	for (size_t k = 0; k < n; k++)
		rules[k].ms = ms.data() +
		    reinterpret_cast<uintptr_t>(rules[k].ms);
}

int
begin(tallyi_json *j, const char *p, size_t n, ondemand::document *doc,
    ondemand::object *obj, tallyi_json_err *err, const char *what)
{
	error_code e = j->parser.iterate(padded_string_view(p, n,
	    n + SIMDJSON_PADDING)).get(*doc);
	ctx c{ p, p + n, doc, err };

	if (e == SUCCESS)
		e = doc->get_object().get(*obj);
	if (e == SUCCESS)
		return TALLY_OK;
	if (e == UTF8_ERROR) {
		err->code = TALLY_EPARSE_UTF8;
		err->off = tallyi_utf8_first_invalid(p, n);
		err->path[0] = '\0';
		snprintf(err->msg, sizeof(err->msg), "invalid UTF-8");
		return err->code;
	}
	if (e == INCORRECT_TYPE)
		return fail(c, TALLY_EFORMAT_TYPE, "", "expected %s (an object)",
		    what);
	return fail_simdjson(c, e, "");
}

} // namespace

extern "C" {

tallyi_json *
tallyi_json_new(void)
{
	return new (std::nothrow) tallyi_json();
}

void
tallyi_json_free(tallyi_json *j)
{
	delete j;
}

int
tallyi_json_result(tallyi_json *j, const char *p, size_t n,
    tallyi_sarif_result *r, tallyi_corr_fields *cf, tallyi_json_err *err)
{
	ondemand::document doc;
	ondemand::object obj;
	int rc;

	/* every other field is read only under its bit of has */
	r->has = 0;
	r->level = -1;
	r->kind_not_fail = false;
	r->supp = TALLYI_SUPP_NONE;
	r->baseline = -1;
	r->rule.has = 0;
	r->args = nullptr;
	r->nargs = 0;
	j->args.clear();
	if (cf != nullptr)
		std::memset(cf, 0, sizeof(*cf));
	if ((rc = begin(j, p, n, &doc, &obj, err, "a result")) != TALLY_OK)
		return rc;
	ctx c{ p, p + n, &doc, err };
	rc = each_field(c, obj, "",
	    [&](std::string_view k, ondemand::value &v) -> int {
		bool has = false;
		uint64_t x = 0;
		bool neg = false;
		int rc2 = TALLY_OK;

		switch (k.size() ? k[0] : 0) {
		case 'r':
			if (k == "ruleId") {
				rc2 = get_str(c, v, "ruleId", &r->rule_id,
				    &has);
				if (rc2 == TALLY_OK && has)
					r->has |= TALLYI_R_RULE_ID;
			} else if (k == "ruleIndex") {
				rc2 = get_int(c, v, "ruleIndex", -1,
				    INT64_MAX, &x, &neg, &has);
				if (rc2 == TALLY_OK && has && !neg)
					r->rule_index = (int64_t)x,
					r->has |= TALLYI_R_RULE_INDEX;
			} else if (k == "rule") {
				rc2 = parse_ref(c, v, "rule", &r->rule);
			}
			break;
		case 'l':
			if (k == "level") {
				rc2 = parse_level(c, v, "level", &r->level);
			} else if (k == "locations") {
				ondemand::array a;

				rc2 = get_arr(c, v, "locations", &a, &has);
				if (rc2 == TALLY_OK && has)
					rc2 = parse_first_location(c, a, r,
					    cf);
			}
			break;
		case 'k':
			if (k == "kind") {
				tallyi_sv s{};

				rc2 = get_str(c, v, "kind", &s, &has);
				if (rc2 == TALLY_OK && has)
					r->kind_not_fail = !(s.n == 4 &&
					    std::memcmp(s.p, "fail", 4) == 0);
			}
			break;
		case 'm':
			if (k == "message") {
				ondemand::object m;

				rc2 = get_obj(c, v, "message", &m, &has);
				if (rc2 == TALLY_OK && has) {
					r->has |= TALLYI_R_MESSAGE;
					rc2 = parse_message(c, m, r, j->args);
				}
			}
			break;
		case 'p':
			if (k == "partialFingerprints") {
				ondemand::object m;

				rc2 = get_obj(c, v, "partialFingerprints", &m,
				    &has);
				if (rc2 == TALLY_OK && has)
					rc2 = parse_fingerprints(c, m, r);
			} else if (k == "properties" && cf != nullptr) {
				rc2 = parse_tags(c, v, cf);
			} else if (k == "provenance") {
				ondemand::object pv;

				rc2 = get_obj(c, v, "provenance", &pv, &has);
				if (rc2 == TALLY_OK && has)
					rc2 = each_field(c, pv, "provenance",
					    [&](std::string_view pk,
					    ondemand::value &x2) -> int {
						if (pk != "invocationIndex")
							return (int)TALLY_OK;
						return get_index(c, x2,
						    "provenance.invocationIndex",
						    &r->invocation, &r->has,
						    TALLYI_R_INVOCATION);
					});
			}
			break;
		case 's':
			if (k == "suppressions")
				rc2 = parse_suppressions(c, v, &r->supp);
			break;
		case 'b':
			if (k == "baselineState") {
				static const char *const names[] = { "new",
					"unchanged", "updated", "absent" };
				int b = -1;

				rc2 = parse_enum(c, v, "baselineState", names,
				    4, &b);
				r->baseline = (int8_t)b;
			}
			break;
		case 'c':
			if (k == "codeFlows" && cf != nullptr)
				rc2 = parse_flows(c, v, cf);
			break;
		case 't':
			if (k == "taxa" && cf != nullptr)
				rc2 = elements(c, v, [&](ondemand::value &ev) {
					return parse_taxon_ref(c, ev, cf);
				});
			break;
		}
		return rc2;
	});
	r->args = j->args.data();
	r->nargs = j->args.size();
	/* A CWE the message names: flawfinder's "... (CWE-120)". */
	if (rc == TALLY_OK && cf != nullptr && (r->has & TALLYI_R_MSG_TEXT))
		tallyi_cwe_scan(r->msg_text.p, r->msg_text.n, cf);
	return rc;
}

int
tallyi_json_rule(tallyi_json *j, const char *p, size_t n, tallyi_rule_sv *out,
    tallyi_corr_fields *cf, tallyi_json_err *err)
{
	ondemand::document doc;
	ondemand::object obj;
	int rc;

	j->ms.clear();
	if (cf != nullptr)
		std::memset(cf, 0, sizeof(*cf));
	if ((rc = begin(j, p, n, &doc, &obj, err, "a rule")) != TALLY_OK)
		return rc;
	ctx c{ p, p + n, &doc, err };
	rc = parse_rule(c, obj, "", out, j->ms, cf);
	fix_rule_ms(out, 1, j->ms);
	return rc;
}

int
tallyi_json_component(tallyi_json *j, const char *p, size_t n,
    tallyi_comp_sv *out, tallyi_json_err *err)
{
	ondemand::document doc;
	ondemand::object obj;
	int rc;

	*out = tallyi_comp_sv{};
	j->ms.clear();
	j->rules.clear();
	if ((rc = begin(j, p, n, &doc, &obj, err, "a tool component")) !=
	    TALLY_OK)
		return rc;
	ctx c{ p, p + n, &doc, err };
	size_t gms_lo = 0, ngms = 0;

	rc = each_field(c, obj, "", [&](std::string_view k,
	    ondemand::value &v) -> int {
		bool h = false;

		if (k == "name")
			return get_str(c, v, "name", &out->name,
			    &out->has_name);
		if (k == "guid")
			return get_str(c, v, "guid", &out->guid,
			    &out->has_guid);
		if (k == "globalMessageStrings") {
			size_t before = j->ms.size();
			int rc2 = parse_msgstrings(c, v,
			    "globalMessageStrings", j->ms);

			gms_lo = before;
			ngms = j->ms.size() - before;
			return rc2;
		}
		if (k != "rules")
			return (int)TALLY_OK;
		ondemand::array a;
		int rc2 = get_arr(c, v, "rules", &a, &h);

		if (rc2 != TALLY_OK || !h)
			return rc2;
		for (auto elem : a) {
			ondemand::value ev;
			ondemand::object ro;
			tallyi_rule_sv ru{};
			error_code e = elem.get(ev);

			if (e != SUCCESS)
				return fail_simdjson(c, e, "rules");
			if ((rc2 = get_obj(c, ev, "rules[]", &ro, &h)) !=
			    TALLY_OK)
				return rc2;
			if (!h)
				return fail(c, TALLY_EFORMAT_TYPE, "rules[]",
				    "expected an object, found null");
			if ((rc2 = parse_rule(c, ro, "rules[]", &ru, j->ms,
			    nullptr)) != TALLY_OK)
				return rc2;
			if (!push(j->rules, ru))
				return nomem(c, "rules");
		}
		return (int)TALLY_OK;
	});
	if (rc != TALLY_OK)
		return rc;
	fix_rule_ms(j->rules.data(), j->rules.size(), j->ms);
	out->rules = j->rules.data();
	out->nrules = j->rules.size();
	out->gms = j->ms.data() + gms_lo;
	out->ngms = ngms;
	return TALLY_OK;
}

int
tallyi_json_msgstrings(tallyi_json *j, const char *p, size_t n,
    const tallyi_msgstr **out, size_t *count, tallyi_json_err *err)
{
	ondemand::document doc;
	ondemand::object obj;
	int rc;

	j->ms.clear();
	*out = nullptr;
	*count = 0;
	if ((rc = begin(j, p, n, &doc, &obj, err, "message strings")) !=
	    TALLY_OK)
		return rc;
	ctx c{ p, p + n, &doc, err };
	if ((rc = parse_msgstrings_obj(c, obj, "", j->ms)) != TALLY_OK)
		return rc;
	*out = j->ms.data();
	*count = j->ms.size();
	return TALLY_OK;
}

int
tallyi_json_invocation(tallyi_json *j, const char *p, size_t n,
    const tallyi_override_sv **out, size_t *count, tallyi_json_err *err)
{
	ondemand::document doc;
	ondemand::object obj;
	int rc;

	j->ovr.clear();
	*out = nullptr;
	*count = 0;
	if ((rc = begin(j, p, n, &doc, &obj, err, "an invocation")) != TALLY_OK)
		return rc;
	ctx c{ p, p + n, &doc, err };
	rc = each_field(c, obj, "", [&](std::string_view k,
	    ondemand::value &v) -> int {
		static const char path[] = "ruleConfigurationOverrides[]";
		ondemand::array a;
		bool h = false;
		int rc2;

		if (k != "ruleConfigurationOverrides")
			return (int)TALLY_OK;
		if ((rc2 = get_arr(c, v, "ruleConfigurationOverrides", &a,
		    &h)) != TALLY_OK || !h)
			return rc2;
		for (auto elem : a) {
			ondemand::value ev;
			ondemand::object o;
			tallyi_override_sv ov{};
			error_code e = elem.get(ev);

			ov.level = -1;
			ov.desc.index = ov.desc.tc_index = -1;
			if (e != SUCCESS)
				return fail_simdjson(c, e, path);
			if ((rc2 = get_obj(c, ev, path, &o, &h)) != TALLY_OK)
				return rc2;
			if (!h)
				return fail(c, TALLY_EFORMAT_TYPE, path,
				    "expected an object, found null");
			rc2 = each_field(c, o, path, [&](std::string_view ok,
			    ondemand::value &ov2) -> int {
				if (ok == "descriptor")
					return parse_ref(c, ov2, "ruleConfigura"
					    "tionOverrides[].descriptor",
					    &ov.desc);
				if (ok == "configuration")
					return parse_config_level(c, ov2,
					    "ruleConfigurationOverrides[]."
					    "configuration", &ov.level);
				return (int)TALLY_OK;
			});
			if (rc2 != TALLY_OK)
				return rc2;
			if (ov.level >= 0 && !push(j->ovr, ov))
				return nomem(c, path);
		}
		return (int)TALLY_OK;
	});
	if (rc != TALLY_OK)
		return rc;
	*out = j->ovr.data();
	*count = j->ovr.size();
	return TALLY_OK;
}

int
tallyi_json_base_ids(tallyi_json *j, const char *p, size_t n,
    tallyi_base_sv *out, size_t cap, size_t *count, tallyi_json_err *err)
{
	ondemand::document doc;
	ondemand::object obj;
	int rc;

	*count = 0;
	if ((rc = begin(j, p, n, &doc, &obj, err, "originalUriBaseIds")) !=
	    TALLY_OK)
		return rc == TALLY_EFORMAT_TYPE ? (int)TALLY_OK : rc;
	ctx c{ p, p + n, &doc, err };
	return each_field(c, obj, "", [&](std::string_view k,
	    ondemand::value &v) -> int {
		tallyi_base_sv b{};
		bool has_uri = false;
		int rc2;

		if (*count == cap)
			return (int)TALLY_OK;
		ondemand::object o;

		b.name = { k.data(), k.size() };
		if (v.get_object().get(o) != SUCCESS)
			return (int)TALLY_OK;
		rc2 = each_field(c, o, "", [&](std::string_view bk,
		    ondemand::value &bv) -> int {
			if (bk == "uri")
				has_uri = opt_str(bv, &b.uri);
			else if (bk == "uriBaseId")
				b.has_parent = opt_str(bv, &b.parent);
			return (int)TALLY_OK;
		});
		if (rc2 == TALLY_OK && has_uri)
			out[(*count)++] = b;
		return rc2;
	});
}

int
tallyi_json_artifact(tallyi_json *j, const char *p, size_t n, tallyi_sv *uri,
    bool *has_uri, tallyi_json_err *err)
{
	ondemand::document doc;
	ondemand::object obj;
	int rc;

	*has_uri = false;
	if ((rc = begin(j, p, n, &doc, &obj, err, "an artifact")) != TALLY_OK)
		return rc;
	ctx c{ p, p + n, &doc, err };
	return each_field(c, obj, "",
	    [&](std::string_view k, ondemand::value &v) -> int {
		ondemand::object loc;
		bool has = false;
		int rc2;

		if (k != "location")
			return (int)TALLY_OK;
		rc2 = get_obj(c, v, "location", &loc, &has);
		if (rc2 != TALLY_OK || !has)
			return rc2;
		return each_field(c, loc, "location",
		    [&](std::string_view lk, ondemand::value &lv) -> int {
			if (lk == "uri")
				return get_str(c, lv, "location.uri", uri,
				    has_uri);
			return (int)TALLY_OK;
		});
	});
}

bool
tallyi_json_utf8_ok(const char *p, size_t n)
{
	return simdjson::validate_utf8(p, n);
}

} // extern "C"
