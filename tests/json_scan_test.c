/*
 * tests/json_scan_test.c - the validating JSON scanner, string decoding,
 * UTF-8 error placement and URI normalisation.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "tally/common.h"
#include "formats/json_scan.h"
#include "formats/sarif_internal.h"
#include "test_util.h"

TestSuite(json_scan, .timeout = 30);

struct ok_case {
	const char *json;
};

ParameterizedTestParameters(json_scan, accepts_valid_json)
{
	static struct ok_case cases[] = {
		{ "{}" }, { "[]" }, { " \n\t\r{ } " }, { "0" }, { "-0" },
		{ "-12.5e+3" }, { "1E-7" }, { "true" }, { "false" }, { "null" },
		{ "\"\"" }, { "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"" },
		{ "{\"a\":[1,{\"b\":null},[],\"x\"],\"c\":{}}" },
		{ "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]" },
		{ "\"a long string that crosses sixteen bytes many times over\"" },
		{ "{\"k\":\"\xc3\xa9\xe2\x82\xac\"}" },
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct ok_case *p = shared_array(cases, n, sizeof(cases[0]));

	for (size_t i = 0; i < n; i++)
		p[i].json = shared_strdup(cases[i].json);
	return cr_make_param_array(struct ok_case, p, n);
}

ParameterizedTest(struct ok_case *c, json_scan, accepts_valid_json)
{
	tallyi_jscan s;
	size_t start;

	tallyi_js_init(&s, c->json, strlen(c->json));
	cr_expect(eq(int, tallyi_js_skip(&s, &start), 0), "%s: %s", c->json,
	    s.msg);
	cr_expect(eq(int, tallyi_js_end(&s), 0), "%s", c->json);
}

struct bad_case {
	const char *json;
	int code;
	size_t off;
	const char *expect; /* a phrase of the message */
};

ParameterizedTestParameters(json_scan, rejects_invalid_json)
{
	static struct bad_case cases[] = {
		{ "", TALLY_EPARSE_TRUNCATED, 0, "a JSON value" },
		{ "{", TALLY_EPARSE_TRUNCATED, 1, "'}'" },
		{ "{\"a\"", TALLY_EPARSE_TRUNCATED, 4, "':'" },
		{ "{\"a\":", TALLY_EPARSE_TRUNCATED, 5, "a JSON value" },
		{ "{\"a\":1", TALLY_EPARSE_TRUNCATED, 6, "',' or '}'" },
		{ "[1,", TALLY_EPARSE_TRUNCATED, 3, "a JSON value" },
		{ "\"abc", TALLY_EPARSE_TRUNCATED, 4, "closing the string" },
		{ "{\"a\" 1}", TALLY_EPARSE, 5, "':'" },
		{ "{\"a\":1 \"b\":2}", TALLY_EPARSE, 7, "',' or '}'" },
		{ "[1 2]", TALLY_EPARSE, 3, "',' or ']'" },
		{ "{\"a\":1,}", TALLY_EPARSE, 7, "a string (an object key)" },
		{ "[1,]", TALLY_EPARSE, 3, "a JSON value" },
		{ "{a:1}", TALLY_EPARSE, 1, "object key" },
		{ "[01]", TALLY_EPARSE, 2, "',' or ']'" },
		{ "[-]", TALLY_EPARSE, 2, "a digit" },
		{ "[1.]", TALLY_EPARSE, 3, "decimal point" },
		{ "[1e]", TALLY_EPARSE, 3, "exponent" },
		{ "[tru]", TALLY_EPARSE, 4, "'true'" },
		{ "[nul", TALLY_EPARSE_TRUNCATED, 4, "'null'" },
		{ "\"a\tb\"", TALLY_EPARSE, 2, "control byte 0x09" },
		{ "\"a\\qb\"", TALLY_EPARSE, 3, "escape character" },
		{ "\"\\u12G4\"", TALLY_EPARSE, 5, "hex digits" },
		{ "{}}", TALLY_EPARSE, 2, "end of file" },
		/* a byte order mark is ignored at byte 0 only (by the
		 * reader): anywhere else it is named, not "byte 0xef" */
		{ "\xef\xbb\xbf{}", TALLY_EPARSE, 0,
		    "found a byte order mark (U+FEFF); only one at byte 0" },
		{ " \xef\xbb\xbf{}", TALLY_EPARSE, 1, "a byte order mark" },
		{ "[1,\xef\xbb\xbf]", TALLY_EPARSE, 3, "a byte order mark" },
		/* other characters by code point; a byte that is not UTF-8
		 * by value */
		{ "[\xc3\xa9]", TALLY_EPARSE, 1, "found U+00E9" },
		{ "{}\xe2\x80\x8b", TALLY_EPARSE, 2, "found U+200B" },
		{ "[\xef\xbb]", TALLY_EPARSE, 1, "found byte 0xef" },
		{ "[\xc0\x80]", TALLY_EPARSE, 1, "found byte 0xc0" },
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct bad_case *p = shared_array(cases, n, sizeof(cases[0]));

	for (size_t i = 0; i < n; i++) {
		p[i].json = shared_strdup(cases[i].json);
		p[i].expect = shared_strdup(cases[i].expect);
	}
	return cr_make_param_array(struct bad_case, p, n);
}

ParameterizedTest(struct bad_case *c, json_scan, rejects_invalid_json)
{
	tallyi_jscan s;
	size_t start;
	int rc;

	tallyi_js_init(&s, c->json, strlen(c->json));
	rc = tallyi_js_skip(&s, &start);
	if (rc == 0)
		rc = tallyi_js_end(&s);
	cr_expect(eq(int, rc, c->code), "%s", c->json);
	cr_expect(eq(sz, s.err_off, c->off), "%s: %s", c->json, s.msg);
	cr_expect(not(eq(ptr, strstr(s.msg, c->expect), NULL)),
	    "%s: message \"%s\" lacks \"%s\"", c->json, s.msg, c->expect);
}

Test(json_scan, nesting_is_bounded)
{
	static char deep[3000];
	tallyi_jscan s;
	size_t start;

	memset(deep, '[', 1100);
	memset(deep + 1100, ']', 1100);
	tallyi_js_init(&s, deep, 2200);
	cr_expect(eq(int, tallyi_js_skip(&s, &start), TALLY_EPARSE));
	cr_expect(eq(sz, s.err_off, TALLYI_JS_MAX_DEPTH));
	/* Exactly at the limit is fine. */
	memset(deep, '[', TALLYI_JS_MAX_DEPTH);
	memset(deep + TALLYI_JS_MAX_DEPTH, ']', TALLYI_JS_MAX_DEPTH);
	tallyi_js_init(&s, deep, 2 * TALLYI_JS_MAX_DEPTH);
	cr_expect(eq(int, tallyi_js_skip(&s, &start), 0));
}

Test(json_scan, walks_objects_and_arrays)
{
	const char *j = "{ \"a\" : [ 1 , 2 ] , \"b\\u0063\" : {} }";
	tallyi_jscan s;
	tallyi_jstr key;
	bool first = true, afirst = true;
	size_t start;
	int n = 0;

	tallyi_js_init(&s, j, strlen(j));
	cr_assert(eq(int, tallyi_js_obj_begin(&s, "x"), 0));
	cr_assert(eq(int, tallyi_js_obj_next(&s, &first, &key), 1));
	cr_expect(tallyi_js_str_eq(&s, &key, "a"));
	cr_assert(eq(int, tallyi_js_arr_begin(&s, "a"), 0));
	while (tallyi_js_arr_next(&s, &afirst) == 1) {
		cr_assert(eq(int, tallyi_js_skip(&s, &start), 0));
		n++;
	}
	cr_expect(eq(int, n, 2));
	cr_assert(eq(int, tallyi_js_obj_next(&s, &first, &key), 1));
	cr_expect(key.escaped);
	cr_expect(tallyi_js_str_eq(&s, &key, "bc"));
	cr_assert(eq(int, tallyi_js_skip(&s, &start), 0));
	cr_expect(eq(int, tallyi_js_obj_next(&s, &first, &key), 0));
	cr_expect(eq(int, tallyi_js_end(&s), 0));
}

Test(json_scan, decodes_escapes_and_surrogates)
{
	const char *j = "\"a\\n\\u00e9\\uD83D\\uDE00\\uD800x\\/\"";
	tallyi_jscan s;
	tallyi_jstr t;
	char out[64];
	size_t n;

	tallyi_js_init(&s, j, strlen(j));
	cr_assert(eq(int, tallyi_js_string(&s, &t), 0));
	n = tallyi_js_decode(j, &t, out, sizeof(out));
	/* a, \n, U+00E9, U+1F600, lone surrogate -> U+FFFD, x, / */
	cr_assert(eq(sz, n, 1 + 1 + 2 + 4 + 3 + 1 + 1));
	cr_expect(eq(int, memcmp(out, "a\n\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx/",
	    n), 0));
	cr_expect(eq(sz, tallyi_js_decode(j, &t, out, 3), SIZE_MAX));
}

Test(json_scan, places_utf8_errors)
{
	cr_expect(eq(sz, tallyi_utf8_first_invalid("abc", 3), 3));
	cr_expect(eq(sz, tallyi_utf8_first_invalid("a\xc3\xa9z", 4), 4));
	cr_expect(eq(sz, tallyi_utf8_first_invalid("ab\xc3(", 4), 2));
	cr_expect(eq(sz, tallyi_utf8_first_invalid("ab\xc0\x80", 4), 2),
	    "overlong");
	cr_expect(eq(sz, tallyi_utf8_first_invalid("\xed\xa0\x80", 3), 0),
	    "surrogate");
	cr_expect(eq(sz, tallyi_utf8_first_invalid("x\xf0\x9f\x98", 4), 1),
	    "truncated sequence");
	cr_expect(eq(sz, tallyi_utf8_first_invalid("\xff", 1), 0));
}

struct uri_case {
	const char *in, *out;
};

ParameterizedTestParameters(json_scan, normalises_uris)
{
	static struct uri_case cases[] = {
		{ "file:///src/a.c", "/src/a.c" },
		{ "./src/a.c", "src/a.c" },
		{ "././a", "a" },
		{ ".//a", "a" },
		{ "a//b///c", "a/b/c" },
		{ "file://host//x", "host/x" },
		{ "", "" },
		{ "./", "" },
		{ "../a", "../a" },
		{ "FILE:///a", "FILE:/a" },
		{ "a/./b", "a/./b" },
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct uri_case *p = shared_array(cases, n, sizeof(cases[0]));

	for (size_t i = 0; i < n; i++) {
		p[i].in = shared_strdup(cases[i].in);
		p[i].out = shared_strdup(cases[i].out);
	}
	return cr_make_param_array(struct uri_case, p, n);
}

ParameterizedTest(struct uri_case *c, json_scan, normalises_uris)
{
	char out[64];
	size_t n = tallyi_uri_normalize(c->in, strlen(c->in), out);

	cr_expect(eq(sz, n, strlen(c->out)), "%s", c->in);
	cr_expect(eq(int, memcmp(out, c->out, n), 0), "%s -> %.*s", c->in,
	    (int)n, out);
}
