/*
 * tests/fuzz/cache_fuzz.c - libFuzzer target for stored results: the
 * results pack (tally_results_replay()) and the stored-input entry that
 * tally_sarif_options.cache replays in place of reading a log
 * (formats/sarif_ingest.c: runs, warnings, pack length, pack, delivered
 * warnings, states), both from bytes a writer of the cache forged.
 *
 * Input: a selector byte, then the bytes. Selector even: the bytes are
 * replayed as a pack; a refused pack must add nothing (not even a
 * string), an accepted one exactly the rows it counts. Selector odd: the
 * bytes are stored in a memory cache as the entry of a fixed small log,
 * which is then read with that cache: whether the entry is replayed or
 * refused (and the log read), the report must agree with the engine and
 * every string the engine then holds must be valid UTF-8, as a read's are.
 *
 * Seeds: run with TALLY_FUZZ_SEED_DIR=DIR, the target writes there, from
 * the SARIF files of the test data, each input's real entry and its pack,
 * and exits.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "fuzz_common.h"

/* The log whose entry is forged: one run, one rule, one result. */
static const char doc[] =
	"{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"t\","
	"\"rules\":[{\"id\":\"r\"}]}},\"results\":[{\"ruleId\":\"r\","
	"\"level\":\"error\",\"message\":{\"text\":\"m\"},\"locations\":[{"
	"\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"a.c\"},"
	"\"region\":{\"startLine\":1}}}]}]}]}";

/*
 * An input's key as formats/sarif_ingest.c computes it (input_key(): its
 * SARIF_CACHE_RULES seed, without include_suppressed). A copy, checked at
 * start: when the reader's rule changes, the target says so and stops
 * instead of fuzzing an entry nothing reads.
 */
static tally_cache_key
key_of(const void *p, size_t n)
{
	XXH128_hash_t h = XXH3_128bits_withSeed(p, n,
	    UINT64_C(0x74616c6c79310002));

	return (tally_cache_key){ h.high64, h.low64 };
}

static tally_cache_key doc_key;

/*
 * A memory cache (L1 and L2). One per execution: a cache kept across
 * executions would hold an allocation from one to the next, which
 * libFuzzer takes for a possible leak and runs the input again to check.
 */
static tally_cache *
cache_new(void)
{
	tally_cache_config cfg = TALLY_CACHE_CONFIG_INIT;
	tally_cache *c = NULL;

	fuzz_check(tally_cache_create(&cfg, NULL, &c, NULL) == TALLY_OK,
	    "cache create");
	return c;
}

static void
on_warning(void *arg, uint64_t offset, const char *message)
{
	(void)arg;
	(void)offset;
	fuzz_check(strlen(message) < TALLY_ERROR_MAX, "a warning fits");
}

/* Read the fixed log through a cache that holds the entry @p. */
static int
read_doc(tally_engine *e, tally_sarif_states *states, const void *p,
    size_t n, tally_sarif_report *rep)
{
	tally_sarif_options so = TALLY_SARIF_OPTIONS_INIT;
	tally_cache *c = cache_new();
	int rc;

	fuzz_check(tally_cache_put(c, doc_key, p, n) == TALLY_OK,
	    "the memory cache takes the entry");
	so.cache = c;
	so.states = states;
	so.warning = on_warning;
	rc = tally_sarif_read_buffer(e, doc, sizeof(doc) - 1, &so, rep);
	tally_cache_destroy(c);
	return rc;
}

static void
replay_entry(const uint8_t *p, size_t n)
{
	tally_engine *e = fuzz_engine();
	tally_sarif_states *states = NULL;
	tally_sarif_state_counts sc;
	tally_sarif_report rep;
	int rc;

	fuzz_check(tally_sarif_states_create(&states, NULL) == TALLY_OK,
	    "states create");
	rc = read_doc(e, states, p, n, &rep);
	fuzz_check(rc == rep.error.status, "the status is the report's");
	if (rc == TALLY_OK) {
		fuzz_check(fuzz_totals(e).read == rep.results,
		    "the engine holds the results reported");
		fuzz_check_strings(e);
	} else {
		fuzz_check(rep.error.message[0] != '\0' &&
		    memchr(rep.error.message, '\0',
		    sizeof(rep.error.message)) != NULL,
		    "a failure has a terminated message");
		fuzz_check(fuzz_totals(e).read == 0, "a failure adds nothing");
	}
	fuzz_check(tally_sarif_states_get(states, &sc) == TALLY_OK,
	    "states get");
	tally_sarif_states_destroy(states);
	tally_engine_destroy(e);
}

static void
replay_pack(const uint8_t *p, size_t n)
{
	tally_engine *e = fuzz_engine();
	uint64_t count = UINT64_MAX;
	int rc = tally_results_replay(e, p, n, &count);

	if (rc == TALLY_OK) {
		fuzz_check(fuzz_totals(e).read == count,
		    "the engine holds the rows replayed");
	} else {
		fuzz_check(rc == TALLY_EFORMAT, "a pack is refused as one");
		fuzz_check(fuzz_totals(e).read == 0, "a refused pack adds no row");
		for (int k = 0; k < TALLY_STR_KIND_COUNT; k++)
			fuzz_check(tally_engine_string_count(e,
			    (tally_strkind)k) == 0,
			    "a refused pack adds no string");
	}
	tally_engine_destroy(e);
}

/* Write @n bytes of @p after @sel to @dir/@name. */
static void
seed_write(const char *dir, const char *name, char sel, const void *p,
    size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	fuzz_check(f != NULL, "seed file opens");
	fuzz_check(fputc(sel, f) != EOF && fwrite(p, 1, n, f) == n &&
	    fclose(f) == 0, "seed file written");
}

/* The entry and the pack of one SARIF file, as seeds. */
static void
seed_one(const char *dir, const char *sub, const char *name)
{
	char path[4096], out[512], *buf;
	size_t cap = 1 << 20, len = 0, n;
	uint64_t plen;
	tally_engine *e = fuzz_engine();
	tally_sarif_states *states = NULL;
	tally_cache *c = cache_new();
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", TALLY_TEST_DATA, sub, name);
	fuzz_check((f = fopen(path, "rb")) != NULL, "test data opens");
	fuzz_check((buf = malloc(cap)) != NULL, "malloc");
	n = fread(buf, 1, cap, f);
	fclose(f);
	fuzz_check(tally_sarif_states_create(&states, NULL) == TALLY_OK,
	    "states create");
	if (tally_sarif_read_buffer(e, buf, n, &(tally_sarif_options){
	    .struct_size = sizeof(tally_sarif_options), .cache = c,
	    .states = states }, NULL) == TALLY_OK &&
	    tally_cache_get(c, key_of(buf, n), buf, cap, &len) ==
	    TALLY_OK && len >= 24) {
		snprintf(out, sizeof(out), "entry-%s-%s", sub, name);
		seed_write(dir, out, 'E', buf, len);
		memcpy(&plen, buf + 16, 8);
		if (plen <= len - 24) {
			snprintf(out, sizeof(out), "pack-%s-%s", sub, name);
			seed_write(dir, out, 'P', buf + 24, (size_t)plen);
		}
	}
	tally_cache_destroy(c);
	tally_sarif_states_destroy(states);
	tally_engine_destroy(e);
	free(buf);
}

static void
seed(const char *dir)
{
	static const char *const subs[] = { "defs", "diff", "corr", "annot",
		"samples", "spec" };

	for (size_t k = 0; k < sizeof(subs) / sizeof(subs[0]); k++) {
		char path[4096];
		struct dirent *d;
		DIR *dp;

		snprintf(path, sizeof(path), "%s/%s", TALLY_TEST_DATA, subs[k]);
		if ((dp = opendir(path)) == NULL)
			continue;
		while ((d = readdir(dp)) != NULL) {
			size_t l = strlen(d->d_name);

			if (l > 6 && strcmp(d->d_name + l - 6, ".sarif") == 0)
				seed_one(dir, subs[k], d->d_name);
		}
		closedir(dp);
	}
}

/*
 * The key check: an entry forged to say 7 runs and no result must be
 * what reading the fixed log reports.
 */
static void
check_key(void)
{
	tally_engine *e = fuzz_engine();
	unsigned char entry[24 + 256 + 16] = { 0 };
	uint64_t hdr[3] = { 7, 0, 0 };
	tally_sarif_report rep;
	void *pack;
	size_t plen;

	fuzz_check(tally_results_pack(e, NULL, 0, &pack, &plen) == TALLY_OK &&
	    plen <= 256, "an empty pack");
	hdr[2] = plen;
	memcpy(entry, hdr, sizeof(hdr));
	memcpy(entry + 24, pack, plen);
	tally_results_free(e, pack, plen);
	if (read_doc(e, NULL, entry, 24 + plen + 16, &rep) != TALLY_OK ||
	    rep.runs != 7) {
		fprintf(stderr, "cache_fuzz: a forged entry was not replayed: "
		    "the stored-input key or layout of formats/sarif_ingest.c "
		    "changed; update key_of() and the seeds\n");
		abort();
	}
	tally_engine_destroy(e);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("TALLY_FUZZ_SEED_DIR");

	(void)argc;
	(void)argv;
	doc_key = key_of(doc, sizeof(doc) - 1);
	check_key();
	if (dir != NULL) {
		seed(dir);
		exit(0);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		replay_entry(data + 1, size - 1);
	else
		replay_pack(data + 1, size - 1);
	return 0;
}
