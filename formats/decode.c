/*
 * formats/decode.c - what an input holds, and turning it into SARIF:
 * compressed inputs are inflated (gzip, zstd: by magic number, never by
 * file name), then the format is told by content and a native format is
 * converted (formats/native.h).
 */
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "engine/alloc.h"
#include "engine/vec.h"
#include "formats/json_scan.h"
#include "formats/native.h"

static const char *const names[TALLYI_FMT_COUNT] = {
	[TALLYI_FMT_AUTO] = "auto",
	[TALLYI_FMT_SARIF] = "sarif",
	[TALLYI_FMT_GCC_JSON] = "gcc-json",
	[TALLYI_FMT_SHELLCHECK_JSON1] = "shellcheck-json1",
	[TALLYI_FMT_CHECKSTYLE] = "checkstyle",
	[TALLYI_FMT_CPPCHECK_XML] = "cppcheck-xml",
	[TALLYI_FMT_CLANG_TIDY_YAML] = "clang-tidy-yaml",
	[TALLYI_FMT_ESLINT_JSON] = "eslint-json",
	[TALLYI_FMT_PYLINT_JSON] = "pylint-json",
	[TALLYI_FMT_CODECLIMATE] = "codeclimate",
	[TALLYI_FMT_PART] = "tally-part",
};

const char *
tallyi_format_name(tallyi_format f)
{
	return (unsigned)f < TALLYI_FMT_COUNT ? names[f] : "?";
}

const char *
tally_sarif_input_format_name(unsigned i)
{
	return i < TALLYI_FMT_COUNT ? names[i] : NULL;
}

bool
tallyi_format_parse(const char *name, tallyi_format *out)
{
	for (int f = 0; f < TALLYI_FMT_COUNT; f++) {
		if (strcmp(name, names[f]) == 0) {
			*out = (tallyi_format)f;
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Telling formats apart                                               */

static bool
is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* The offset just past the first @end at or after @i in @p, or @n. */
static size_t
past(const char *p, size_t i, size_t n, const char *end)
{
	size_t k = strlen(end);

	for (; i + k <= n; i++)
		if (memcmp(p + i, end, k) == 0)
			return i + k;
	return n;
}

/*
 * The name of the XML document's root element, at @p (ASCII: a UTF-16
 * document's bytes are narrowed first), starts with @name? The prolog's
 * declaration, processing instructions, comments and doctype are passed
 * over (a doctype's internal subset ends at "]>").
 */
static bool
xml_root_is(const char *p, size_t n, const char *name)
{
	size_t i = 0, k = strlen(name);

	while (i < n) {
		const char *lt = memchr(p + i, '<', n - i);

		if (lt == NULL)
			return false;
		i = (size_t)(lt - p) + 1;
		if (n - i >= 3 && memcmp(p + i, "!--", 3) == 0) {
			i = past(p, i + 3, n, "-->");
			continue;
		}
		if (i < n && p[i] == '?') {
			i = past(p, i + 1, n, "?>");
			continue;
		}
		if (i < n && p[i] == '!') { /* <!DOCTYPE ... [ ... ]> */
			size_t gt = past(p, i, n, ">"), sq = past(p, i, n, "[");

			i = sq < gt ? past(p, sq, n, "]>") : gt;
			continue;
		}
		return n - i >= k && memcmp(p + i, name, k) == 0 &&
		    (n - i == k || !((p[i + k] | 0x20) >= 'a' &&
		    (p[i + k] | 0x20) <= 'z'));
	}
	return false;
}

/* XML in UTF-16 (by its byte order mark): its first characters as ASCII
 * into @out (@cap bytes); the length, or 0 when it is not. */
static size_t
utf16_narrow(const char *p, size_t n, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t lo, k = 0;

	if (n >= 2 && u[0] == 0xff && u[1] == 0xfe)
		lo = 0; /* little endian: the low byte first */
	else if (n >= 2 && u[0] == 0xfe && u[1] == 0xff)
		lo = 1;
	else
		return 0;
	for (size_t i = 2; i + 1 < n && k < cap; i += 2) {
		unsigned c = u[i + lo], hi = u[i + 1 - lo];

		out[k++] = hi == 0 && c < 0x80 ? (char)c : '?';
	}
	return k;
}

/*
 * The keys of the JSON object at the scanner's position, up to 24 of
 * them, checked against @want (a bit each, set in the result); stops at
 * the first key whose bit is in @decisive. Stops quietly at the end of
 * what is there (@p may be only a prefix): *@whole says whether the
 * object was read to its end or a decisive key.
 */
static unsigned
object_keys(tallyi_jscan *s, const char *const *want, size_t nwant,
    unsigned decisive, bool *whole)
{
	unsigned found = 0;
	bool first = true;
	tallyi_jstr k;
	size_t start;
	int more = 0;

	*whole = false;
	if (tallyi_js_obj_begin(s, "") != 0)
		return 0;
	for (int n = 0; n < 24 && (more = tallyi_js_obj_next(s, &first,
	    &k)) == 1; n++) {
		for (size_t i = 0; i < nwant; i++)
			if (tallyi_js_str_eq(s, &k, want[i]))
				found |= 1u << i;
		if ((found & decisive) != 0) {
			*whole = true;
			return found;
		}
		if (tallyi_js_skip(s, &start) != 0)
			return found;
	}
	*whole = more == 0 || more == 1; /* its end, or 24 keys seen */
	return found;
}

bool
tallyi_yaml_start(const char *p, size_t n, bool partial)
{
	static const char *const starts[] = { "---", "%YAML",
		"MainSourceFile:", "Diagnostics:" };

	for (size_t k = 0; k < sizeof(starts) / sizeof(*starts); k++) {
		size_t m = strlen(starts[k]);

		if (n >= m ? memcmp(p, starts[k], m) == 0 :
		    partial && memcmp(p, starts[k], n) == 0)
			return true;
	}
	return false;
}

/*
 * The members that tell the JSON arrays apart, by their first record:
 * gcc's diagnostics (kind, message, and one of its own), ESLint's files
 * (filePath), Code Climate issues (check_name), pylint's old JSON
 * messages (message-id). Each of the last three decides at once.
 */
enum {
	K_KIND = 1u << 0, K_LOCATIONS = 1u << 1, K_CHILDREN = 1u << 2,
	K_COLUMN_ORIGIN = 1u << 3, K_MESSAGE = 1u << 4,
	K_FILEPATH = 1u << 5, K_CHECK_NAME = 1u << 6,
	K_MESSAGE_ID = 1u << 7
};

static tallyi_format
array_format(tallyi_jscan *s)
{
	static const char *const keys[] = { "kind", "locations", "children",
		"column-origin", "message", "filePath", "check_name",
		"message-id" };
	bool whole;
	unsigned f = object_keys(s, keys, sizeof(keys) / sizeof(*keys),
	    K_FILEPATH | K_CHECK_NAME | K_MESSAGE_ID, &whole);

	if (f & K_FILEPATH)
		return TALLYI_FMT_ESLINT_JSON;
	if (f & K_CHECK_NAME)
		return TALLYI_FMT_CODECLIMATE;
	if (f & K_MESSAGE_ID)
		return TALLYI_FMT_PYLINT_JSON;
	if ((f & (K_KIND | K_MESSAGE)) == (K_KIND | K_MESSAGE) &&
	    (f & (K_LOCATIONS | K_CHILDREN | K_COLUMN_ORIGIN)) != 0)
		return TALLYI_FMT_GCC_JSON;
	return whole ? TALLYI_FMT_SARIF : TALLYI_FMT_AUTO;
}

tallyi_format
tallyi_format_sniff(const char *p, size_t n)
{
	static const char *const obj_keys[] = { "comments", "runs",
		"version", "$schema", "messages" };
	tallyi_jscan s;
	size_t i = n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	unsigned f;
	bool whole;
	char narrow[4096];
	size_t nn;

	if (tallyi_part_magic(p, n))
		return TALLYI_FMT_PART;
	nn = utf16_narrow(p, n, narrow, sizeof(narrow));
	if (nn != 0) { /* UTF-16: XML is the one such format */
		p = narrow;
		n = nn;
		i = 0;
	}
	while (i < n && is_space(p[i]))
		i++;
	if (i == n)
		return TALLYI_FMT_SARIF;
	if (tallyi_yaml_start(p + i, n - i, false))
		return TALLYI_FMT_CLANG_TIDY_YAML;
	switch (p[i]) {
	case '<':
		if (xml_root_is(p + i, n - i, "checkstyle"))
			return TALLYI_FMT_CHECKSTYLE;
		if (xml_root_is(p + i, n - i, "results"))
			return TALLYI_FMT_CPPCHECK_XML;
		return TALLYI_FMT_SARIF;
	case '{':
		tallyi_js_init(&s, p, n);
		s.pos = i;
		/* the first of SARIF's own members, or ShellCheck's
		 * "comments" or pylint json2's "messages" (not members a
		 * SARIF log may have), decides at once: no need to scan the
		 * runs, the comments or the messages */
		f = object_keys(&s, obj_keys, 5, 31u, &whole);
		if (f == 1)
			return TALLYI_FMT_SHELLCHECK_JSON1;
		if (f == 16)
			return TALLYI_FMT_PYLINT_JSON;
		return f != 0 || whole ? TALLYI_FMT_SARIF : TALLYI_FMT_AUTO;
	case '[': {
		bool first = true;

		tallyi_js_init(&s, p, n);
		s.pos = i;
		/* gcc writes [] for a translation unit without diagnostics:
		 * look past those to the first that has some. (A lone [] is
		 * also what ESLint, pylint and Code Climate write for no
		 * files or no issues: read as gcc's, it counts nothing all
		 * the same.) */
		while (tallyi_js_arr_begin(&s, "") == 0 &&
		    tallyi_js_arr_next(&s, &first) == 0) {
			first = true;
			if (tallyi_js_peek(&s) < 0 && s.err == 0)
				return TALLYI_FMT_GCC_JSON; /* only [] */
		}
		if (s.err != 0 && s.err_off >= n)
			return TALLYI_FMT_AUTO; /* the rest may tell */
		if (s.err != 0 || tallyi_js_peek(&s) != '{')
			return TALLYI_FMT_SARIF;
		return array_format(&s);
	}
	default:
		return TALLYI_FMT_SARIF;
	}
}

/* ------------------------------------------------------------------ */
/* Decompression                                                       */

static bool
is_gzip(const char *p, size_t n)
{
	return n >= 2 && (unsigned char)p[0] == 0x1f &&
	    (unsigned char)p[1] == 0x8b;
}

/* A zstd frame, or a skippable frame (pzstd writes one first). */
static bool
is_zstd(const char *p, size_t n)
{
	return n >= 4 && (memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0 ||
	    (((unsigned char)p[0] & 0xf0) == 0x50 &&
	    memcmp(p + 1, "\x2a\x4d\x18", 3) == 0));
}

bool
tallyi_input_compressed(const tallyi_input *in)
{
	return is_gzip(in->buf, in->len) || is_zstd(in->buf, in->len);
}

/* Make room for @want more bytes of output (and the padding). */
static int
out_room(tallyi_input *in, tallyi_vec *out, size_t want, uint64_t max,
    tally_sarif_report *rep)
{
	if (out->n > max) {
		tallyi_report_error(rep, TALLY_EIO_TOOBIG, UINT64_MAX,
		    "decompressed, the input is larger than the limit of %llu "
		    "bytes", (unsigned long long)max);
		return TALLY_EIO_TOOBIG;
	}
	if (out->cap - out->n >= want + TALLYI_JSON_PADDING)
		return TALLY_OK;
	if (tallyi_vec_reserve(in->mem, out, out->n + want +
	    TALLYI_JSON_PADDING, 1) != TALLY_OK) {
		tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory decompressing the input");
		return TALLY_ENOMEM;
	}
	return TALLY_OK;
}

#define CHUNK (256u << 10)

static int
gunzip(tallyi_input *in, tallyi_vec *out, uint64_t max,
    tally_sarif_report *rep)
{
	z_stream z;
	int zr = Z_OK, rc = TALLY_OK;

	memset(&z, 0, sizeof(z));
	/* 15 + 32: a gzip or zlib header, told apart by zlib */
	if (inflateInit2(&z, 15 + 32) != Z_OK) {
		tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory starting gzip");
		return TALLY_ENOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)in->buf;
	z.avail_in = (uInt)(in->len < UINT32_MAX ? in->len : UINT32_MAX);
	for (;;) {
		size_t done_in = (size_t)((const char *)z.next_in - in->buf);

		if (z.avail_in == 0 && done_in < in->len)
			z.avail_in = (uInt)(in->len - done_in < UINT32_MAX ?
			    in->len - done_in : UINT32_MAX);
		if ((rc = out_room(in, out, CHUNK, max, rep)) != TALLY_OK)
			break;
		z.next_out = (Bytef *)out->p + out->n;
		z.avail_out = CHUNK;
		zr = inflate(&z, Z_NO_FLUSH);
		out->n += CHUNK - z.avail_out;
		done_in = (size_t)((const char *)z.next_in - in->buf);
		if (zr == Z_STREAM_END) {
			/* gzip members may follow one another (gzip -c a b) */
			if (done_in < in->len && is_gzip(in->buf + done_in,
			    in->len - done_in) && inflateReset(&z) == Z_OK)
				continue;
			/* zero bytes after the last member, as tape and
			 * block devices pad (gzip -d ignores them too) */
			while (done_in < in->len && in->buf[done_in] == 0)
				done_in++;
			if (done_in < in->len) {
				tallyi_report_error(rep, TALLY_EPARSE, done_in,
				    "gzip: bytes after the end of the "
				    "compressed data (the offset is in the "
				    "compressed bytes)");
				rc = TALLY_EPARSE;
			}
			break;
		}
		if (zr == Z_BUF_ERROR && done_in == in->len) {
			tallyi_report_error(rep, TALLY_EPARSE_TRUNCATED,
			    in->len, "gzip: the compressed input ends early "
			    "(truncated)");
			rc = TALLY_EPARSE_TRUNCATED;
			break;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			tallyi_report_error(rep, zr == Z_MEM_ERROR ?
			    TALLY_ENOMEM : TALLY_EPARSE, done_in, "gzip: %s "
			    "(the offset is in the compressed bytes)",
			    z.msg != NULL ? z.msg : "invalid compressed data");
			rc = zr == Z_MEM_ERROR ? TALLY_ENOMEM : TALLY_EPARSE;
			break;
		}
	}
	inflateEnd(&z);
	if (rc == TALLY_OK && out->n > max)
		rc = out_room(in, out, 0, max, rep);
	return rc;
}

static int
unzstd(tallyi_input *in, tallyi_vec *out, uint64_t max,
    tally_sarif_report *rep)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	ZSTD_inBuffer zi = { in->buf, in->len, 0 };
	size_t r = 1;
	int rc = TALLY_OK;

	if (z == NULL) {
		tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory starting zstd");
		return TALLY_ENOMEM;
	}
	while (zi.pos < zi.size || r != 0) {
		ZSTD_outBuffer zo;
		size_t before = zi.pos;

		if ((rc = out_room(in, out, CHUNK, max, rep)) != TALLY_OK)
			break;
		zo = (ZSTD_outBuffer){ (char *)out->p + out->n, CHUNK, 0 };
		r = ZSTD_decompressStream(z, &zo, &zi);
		out->n += zo.pos;
		if (ZSTD_isError(r)) {
			tallyi_report_error(rep, TALLY_EPARSE, zi.pos,
			    "zstd: %s (the offset is in the compressed bytes)",
			    ZSTD_getErrorName(r));
			rc = TALLY_EPARSE;
			break;
		}
		if (zi.pos == zi.size && r != 0 && zo.pos == 0 &&
		    before == zi.pos) {
			tallyi_report_error(rep, TALLY_EPARSE_TRUNCATED,
			    in->len, "zstd: the compressed input ends early "
			    "(truncated)");
			rc = TALLY_EPARSE_TRUNCATED;
			break;
		}
	}
	ZSTD_freeDStream(z);
	if (rc == TALLY_OK && out->n > max)
		rc = out_room(in, out, 0, max, rep);
	return rc;
}

static int
decompress(tallyi_input *in, uint64_t max, tally_sarif_report *rep)
{
	tallyi_vec out = { NULL, 0, 0 };
	int rc = is_gzip(in->buf, in->len) ? gunzip(in, &out, max, rep) :
	    unzstd(in, &out, max, rep);

	if (rc == TALLY_OK)
		rc = out_room(in, &out, 0, max, rep);
	if (rc != TALLY_OK) {
		tallyi_vec_free(in->mem, &out, 1);
		return rc;
	}
	tallyi_input_replace(in, out.p, out.cap, out.n);
	return TALLY_OK;
}

/* ------------------------------------------------------------------ */

int
tallyi_input_decode(tallyi_input *in, tallyi_format fmt, uint64_t max,
    tally_sarif_report *rep)
{
	uint64_t size = in->size;
	int rc;

	if (max == 0)
		max = TALLY_SARIF_MAX_INPUT;
	if (tallyi_input_compressed(in) &&
	    (rc = decompress(in, max, rep)) != TALLY_OK)
		return rc;
	if (fmt == TALLYI_FMT_AUTO)
		fmt = tallyi_format_sniff(in->buf, in->len);
	switch (fmt) { /* AUTO here: the whole input told nothing: SARIF */
	case TALLYI_FMT_GCC_JSON:
		rc = tallyi_native_gcc_json(in, rep);
		break;
	case TALLYI_FMT_SHELLCHECK_JSON1:
		rc = tallyi_native_shellcheck_json1(in, rep);
		break;
	case TALLYI_FMT_CHECKSTYLE:
		rc = tallyi_native_checkstyle(in, rep);
		break;
	case TALLYI_FMT_CPPCHECK_XML:
		rc = tallyi_native_cppcheck_xml(in, rep);
		break;
	case TALLYI_FMT_CLANG_TIDY_YAML:
		rc = tallyi_native_clang_tidy_yaml(in, rep);
		break;
	case TALLYI_FMT_ESLINT_JSON:
		rc = tallyi_native_eslint_json(in, rep);
		break;
	case TALLYI_FMT_PYLINT_JSON:
		rc = tallyi_native_pylint_json(in, rep);
		break;
	case TALLYI_FMT_CODECLIMATE:
		rc = tallyi_native_codeclimate(in, rep);
		break;
	case TALLYI_FMT_PART:
		rc = tallyi_native_part(in, max, rep);
		break;
	default:
		rc = TALLY_OK;
	}
	if (rc == TALLY_OK && in->size != size && in->source_size == 0)
		in->source_size = size;
	return rc;
}

int
tallyi_opt_format(const tally_sarif_options *opt, tallyi_format *f,
    tally_sarif_report *rep)
{
	const char *name = TALLYI_OPT(opt, input_format, NULL);

	*f = TALLYI_FMT_AUTO;
	if (name == NULL || tallyi_format_parse(name, f))
		return TALLY_OK;
	tallyi_report_error(rep, TALLY_EINVAL, UINT64_MAX, "unknown input "
	    "format \"%.40s\" (auto, sarif, gcc-json, shellcheck-json1, "
	    "checkstyle, cppcheck-xml, clang-tidy-yaml, eslint-json, "
	    "pylint-json, codeclimate, tally-part)", name);
	return TALLY_EINVAL;
}

int
tallyi_input_open_decoded(tallyi_input *in, const char *path,
    const tally_sarif_options *opt, const tallyi_mem *mem,
    tally_sarif_report *rep)
{
	uint64_t max = TALLYI_OPT(opt, max_input_bytes, 0);
	tallyi_format f;
	int rc;

	if ((rc = tallyi_opt_format(opt, &f, rep)) != TALLY_OK)
		return rc;
	if ((rc = tallyi_input_open(in, path, max, mem, rep)) != TALLY_OK)
		return rc;
	if ((rc = tallyi_input_decode(in, f, max, rep)) != TALLY_OK)
		tallyi_input_close(in);
	return rc;
}
