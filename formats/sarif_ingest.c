/*
 * formats/sarif_ingest.c - reading SARIF logs into an engine
 * (tally_sarif_read_file, tally_sarif_read_buffer).
 *
 * The reader (sarif_read.c) hands each finished run to a sink; this file's
 * sink turns the run's results into batches of the engine and holds them
 * until the whole input has read well, then submits them in order: an
 * input is counted all or nothing. With tally_sarif_options.corr it also
 * stages the run's categorised results for correlation (correlate.c), and
 * with tally_sarif_options.cache it stores what an input became and
 * replays it when the same bytes come again.
 */
#include <sched.h>
#include <stddef.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/engine_structs.h"
#include "formats/native.h"
#include "formats/sarif_internal.h"
#include "tally/cache.h"
#include "tally/results.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

/*
 * The engine sink: results go into batches that are held until the input
 * is complete, then submitted in order (all or nothing).
 */
typedef struct engine_sink {
	tally_engine *e;
	const tallyi_mem *mem;
	tally_batch *cur;
	tallyi_vec held;          /* tally_batch *, in order */
	struct tally_corr *corr;  /* also stage for this index, or NULL */
	tallyi_corr_stage stage;
	bool keep;                /* also keep a copy to store (cache) */
	tallyi_vec kept;          /* tally_violation */
	tally_sarif_states *states; /* also count states here, or NULL */
	bool want_states;         /* stage states (for @states, to store) */
	tallyi_vec staged;        /* tallyi_state_ent */
	tallyi_vec warned;        /* char: the warnings, to store */
	uint64_t nwarned;
	void (*warning)(void *arg, uint64_t offset, const char *message);
	void *warning_arg;        /* the caller's: warnings go on to it */
	struct tally_part *part;  /* stage for this part instead, or NULL */
	tallyi_vec pstaged;       /* tallyi_part_ent */
} engine_sink;

int
tallyi_sink_tool(void *ctx, const char *name, size_t len, const char *version,
    size_t vlen, uint32_t *id)
{
	return tally_engine_tool_intern(*(tally_engine **)ctx, name, len, version,
	    vlen, id);
}

int
tallyi_sink_intern(void *ctx, tally_strkind kind, const char *s, size_t len,
    uint32_t *id)
{
	return tally_engine_string_intern(*(tally_engine **)ctx, kind, s, len, id);
}

const char *
tallyi_sink_lookup(void *ctx, tally_strkind kind, uint32_t id, size_t *len)
{
	return tally_engine_string_lookup(*(tally_engine **)ctx, kind, id, len);
}

static int
es_hold(engine_sink *es)
{
	tally_batch **h = tallyi_vec_push(es->mem, &es->held, sizeof(*h));

	if (h == NULL)
		return TALLY_ENOMEM;
	*h = es->cur;
	es->cur = NULL;
	return TALLY_OK;
}

/* A part's sink: each result with its states and CWE, submitted to
 * nothing. */
static int
part_stage(engine_sink *es, const tallyi_sarif_run *run)
{
	tallyi_part_ent *x;

	if (tallyi_vec_reserve(es->mem, &es->pstaged, es->pstaged.n +
	    run->nres, sizeof(*x)) != TALLY_OK)
		return TALLY_ENOMEM;
	x = (tallyi_part_ent *)es->pstaged.p + es->pstaged.n;
	for (size_t k = 0; k < run->nres; k++) {
		const tallyi_cats *c = run->cres != NULL ? &run->cres[k].cats :
		    NULL;
		uint32_t cwe = 0;

		/* the first CWE among its categories (its own, then its
		 * rule's): what clusters and the fleet group by */
		for (uint32_t i = 0; c != NULL && i < c->n && cwe == 0; i++)
			if ((c->v[i] & TALLYI_CAT_TAG) == 0)
				cwe = c->v[i];
		x[k] = (tallyi_part_ent){ run->res[k].v, run->res[k].supp,
			run->res[k].baseline, 1, cwe };
	}
	es->pstaged.n += run->nres;
	return TALLY_OK;
}

static int
es_run(void *ctx, const tallyi_sarif_run *run)
{
	engine_sink *es = ctx;

	if (es->corr != NULL) {
		int rc = tallyi_corr_stage_run(es->corr, &es->stage, run,
		    tallyi_sink_lookup, ctx, NULL);

		if (rc != TALLY_OK)
			return rc;
	}

	if (es->part != NULL)
		return part_stage(es, run);
	if (es->want_states && tallyi_states_stage_run(es->mem, &es->staged, run,
	    tallyi_sink_lookup, ctx) != TALLY_OK)
		return TALLY_ENOMEM;
	if (es->keep && tallyi_vec_reserve(es->mem, &es->kept,
	    es->kept.n + run->nres, sizeof(tally_violation)) != TALLY_OK)
		return TALLY_ENOMEM;
	for (size_t k = 0; k < run->nres; k++) {
		int rc;

		if (es->keep)
			((tally_violation *)es->kept.p)[es->kept.n++] =
			    run->res[k].v;
		if (es->cur == NULL &&
		    (rc = tally_batch_acquire(es->e, &es->cur)) != TALLY_OK)
			return rc;
		rc = tally_batch_append(es->cur, &run->res[k].v);
		if (rc == TALLY_EFULL) {
			if ((rc = es_hold(es)) != TALLY_OK ||
			    (rc = tally_batch_acquire(es->e, &es->cur)))
				return rc;
			rc = tally_batch_append(es->cur, &run->res[k].v);
		}
		if (rc != TALLY_OK)
			return rc;
	}
	return TALLY_OK;
}

/*
 * Submit the held batches in order. A non-blocking engine answers
 * TALLY_EAGAIN while it is full: the reader has nothing better to do than
 * wait, so it yields and tries again.
 */
static int
es_commit(engine_sink *es)
{
	tally_batch **held;
	int rc = TALLY_OK;

	if (es->part != NULL)
		return tallyi_part_commit(es->part, &es->pstaged);
	if (es->cur != NULL && (rc = es_hold(es)) != TALLY_OK)
		return rc;
	held = es->held.p;
	for (size_t k = 0; k < es->held.n; k++) {
		while ((rc = tally_batch_submit(es->e, held[k])) ==
		    TALLY_EAGAIN)
			sched_yield();
		if (rc != TALLY_OK)
			break;
		held[k] = NULL;
	}
	if (rc == TALLY_OK && es->corr != NULL)
		rc = tallyi_corr_commit(es->corr, &es->stage, NULL);
	if (rc == TALLY_OK && es->states != NULL)
		rc = tallyi_states_commit(es->states, &es->staged);
	return rc;
}

static void
es_drop(engine_sink *es)
{
	for (size_t k = 0; k < es->held.n; k++)
		tally_batch_discard(es->e, ((tally_batch **)es->held.p)[k]);
	tally_batch_discard(es->e, es->cur);
	tallyi_vec_free(es->mem, &es->held, sizeof(tally_batch *));
	tallyi_vec_free(es->mem, &es->kept, sizeof(tally_violation));
	tallyi_vec_free(es->mem, &es->staged, sizeof(tallyi_state_ent));
	tallyi_vec_free(es->mem, &es->warned, 1);
	tallyi_vec_free(es->mem, &es->pstaged, sizeof(tallyi_part_ent));
	tallyi_corr_stage_free(es->corr, &es->stage);
	memset(es, 0, sizeof(*es));
}

/*
 * 0.2.0's options, the first of this API, are the smallest there are (up
 * to cache); fields added since are read through TALLYI_OPT().
 */
int
tallyi_check_options(const tally_sarif_options *opt)
{
	return opt == NULL || opt->struct_size >=
	    offsetof(tally_sarif_options, cache) + sizeof(opt->cache) ?
	    TALLY_OK : TALLY_EINVAL;
}

struct tally_corr *
tallyi_opt_corr(const tally_sarif_options *opt)
{
	return opt != NULL ? opt->corr : NULL;
}

/* ---- stored results of whole inputs (tally_sarif_options.cache) ---- */

/*
 * The version of what a result becomes (tally/sarif.h): part of every
 * input's key, so a reader that maps results differently never replays
 * what an older one stored. Change it with those rules.
 */
#define SARIF_CACHE_RULES UINT64_C(0x74616c6c79310002)

/*
 * The key of @in: its bytes, the very buffer the reader parses on a miss
 * (read once, owned: an edit of the file cannot slip between the two).
 */
static tally_cache_key
input_key(const tallyi_input *in, bool include_suppressed)
{
	XXH3_state_t st;
	XXH128_hash_t h;

	/*
	 * A state on the stack must be initialised before a seeded reset,
	 * which skips deriving its secret when the (garbage) seed already
	 * matches: keys then depended on what the stack held before.
	 */
	XXH3_INITSTATE(&st);
	/* the options that change what a result becomes are rules too */
	(void)XXH3_128bits_reset_withSeed(&st, SARIF_CACHE_RULES ^
	    (uint64_t)include_suppressed);
	(void)XXH3_128bits_update(&st, in->buf, in->len);
	h = XXH3_128bits_digest(&st);
	return (tally_cache_key){ h.high64, h.low64 };
}

/*
 * A stored input: its run count and warning count, the pack
 * (tally/results.h), the warnings as they were delivered (offset, length,
 * text), and the states (tallyi_state_ent, whose keys do not depend on
 * an engine's ids):
 *
 *   u64 runs, u64 warnings, u64 pack length, pack,
 *   u64 n, n * (u64 offset, u64 length, text),
 *   u64 m, m * tallyi_state_ent
 *
 * in native byte order (the pack checks its own; a cache is per machine).
 */
typedef struct stored {
	const unsigned char *p, *end;
	bool ok;
} stored;

static uint64_t
take_u64(stored *s)
{
	uint64_t v = 0;

	if ((size_t)(s->end - s->p) < 8) {
		s->ok = false;
		return 0;
	}
	memcpy(&v, s->p, 8);
	s->p += 8;
	return v;
}

static const unsigned char *
take(stored *s, uint64_t n)
{
	const unsigned char *p = s->p;

	if (!s->ok || (uint64_t)(s->end - s->p) < n) {
		s->ok = false;
		return NULL;
	}
	s->p += n;
	return p;
}

/*
 * A delivered warning as the reader writes them: a sentence of its own
 * (tally's words, printable), shorter than a tally_error's message.
 */
static bool
warning_ok(const unsigned char *t, uint64_t n)
{
	if (t == NULL || n >= TALLY_ERROR_MAX ||
	    tallyi_utf8_first_invalid((const char *)t, (size_t)n) != n)
		return false;
	for (uint64_t k = 0; k < n; k++)
		if (t[k] < 0x20 || t[k] == 0x7f)
			return false;
	return true;
}

static bool
state_ok(const unsigned char *p)
{
	tallyi_state_ent e;

	memcpy(&e, p, sizeof(e)); /* stored entries are not aligned */
	for (size_t k = 0; k < sizeof(e.pad); k++)
		if (e.pad[k] != 0)
			return false;
	return e.what == 0 ? e.value < TALLY_SUPPRESSION_COUNT :
	    e.what == 1 && e.value < TALLY_BASELINE_COUNT;
}

/*
 * Check a stored input of @in_len bytes; the positions of its parts. The
 * cache checks its entries' integrity, but whoever can write the cache
 * directory can write an entry: everything replayed from it is bounded and
 * checked as freshly read data would be (the pack by tally_results_replay()),
 * so that a forged entry is at worst a miss, never text tally would not
 * have written.
 */
static bool
stored_parse(const unsigned char *buf, size_t len, uint64_t in_len,
    uint64_t hdr[2], const unsigned char **pack, uint64_t *plen,
    stored *warn, stored *states)
{
	stored s = { buf, buf + len, true };
	uint64_t n, delivered;

	hdr[0] = take_u64(&s);
	hdr[1] = take_u64(&s);
	/* every run and every warning stands for bytes of the input */
	if (hdr[0] > in_len || hdr[1] > in_len + 1)
		return false;
	*plen = take_u64(&s);
	*pack = take(&s, *plen);
	warn->p = s.p;
	warn->ok = states->ok = true;
	n = take_u64(&s);
	/* the first TALLYI_WARN_MAX, then one saying how many more */
	delivered = hdr[1] <= TALLYI_WARN_MAX ? hdr[1] : TALLYI_WARN_MAX + 1;
	if (n != delivered)
		return false;
	for (uint64_t k = 0; k < n && s.ok; k++) {
		uint64_t off = take_u64(&s), wl = take_u64(&s);

		if (!warning_ok(take(&s, wl), wl) ||
		    (off > in_len && off != UINT64_MAX))
			return false;
	}
	warn->end = s.p;
	states->p = s.p;
	n = take_u64(&s);
	if (s.ok && n > (uint64_t)(s.end - s.p) / sizeof(tallyi_state_ent))
		s.ok = false;
	for (uint64_t k = 0; k < n && s.ok; k++)
		if (!state_ok(take(&s, sizeof(tallyi_state_ent))))
			return false;
	states->end = s.p;
	return s.ok && s.p == s.end;
}

/*
 * Replay a stored input. Return: TALLY_OK (replayed: @rep filled),
 * TALLY_ENOTFOUND (not stored, or stored wrong: read it), or the error of
 * an engine that refused what was replayed.
 */
static int
replay_stored(tally_engine *e, tally_cache *c, tally_cache_key key,
    const tallyi_input *in, const tally_sarif_options *opt,
    tally_sarif_report *rep)
{
	/*
	 * Every string of a pack and a row's worth of bytes for each result
	 * come from the input: a pack is almost never larger than it. Pages
	 * of the buffer that the copy does not reach are never touched.
	 */
	size_t cap = in->len + 4096, len = 0;
	unsigned char *buf = tallyi_alloc(in->mem, cap);
	const unsigned char *pack;
	uint64_t hdr[2], plen, n, count;
	stored warn, st;
	void (*cb)(void *, uint64_t, const char *) =
	    TALLYI_OPT(opt, warning, NULL);
	tally_sarif_states *states = TALLYI_OPT(opt, states, NULL);
	int rc;

	if (buf == NULL)
		return TALLY_ENOTFOUND;
	rc = tally_cache_get(c, key, buf, cap, &len);
	if (rc == TALLY_ERANGE) {
		tallyi_free(in->mem, buf, cap);
		if ((buf = tallyi_alloc(in->mem, cap = len)) == NULL)
			return TALLY_ENOTFOUND;
		rc = tally_cache_get(c, key, buf, cap, &len);
	}
	/* Not there, or not to be had (memory): read the input instead. */
	if (rc != TALLY_OK ||
	    !stored_parse(buf, len, in->len, hdr, &pack, &plen, &warn,
	    &st)) {
		rc = TALLY_ENOTFOUND;
		goto out;
	}
	/*
	 * The states first: adding a key twice counts it once, so when the
	 * pack cannot be replayed and the input is read instead, nothing is
	 * counted twice. (Copied out: the stored entries are not aligned.)
	 */
	if (states != NULL && (count = take_u64(&st)) != 0) {
		tallyi_vec v = { NULL, 0, 0 };

		if (tallyi_vec_reserve(in->mem, &v, (size_t)count,
		    sizeof(tallyi_state_ent)) != TALLY_OK) {
			rc = TALLY_ENOTFOUND;
			goto out;
		}
		memcpy(v.p, st.p, (size_t)count * sizeof(tallyi_state_ent));
		v.n = (size_t)count;
		rc = tallyi_states_commit(states, &v);
		tallyi_vec_free(in->mem, &v, sizeof(tallyi_state_ent));
		if (rc != TALLY_OK) {
			rc = TALLY_ENOTFOUND;
			goto out;
		}
	}
	rc = tally_results_replay(e, pack, (size_t)plen, &n);
	if (rc == TALLY_EFORMAT || rc == TALLY_ENOMEM) {
		rc = TALLY_ENOTFOUND; /* replay added nothing: read the input */
		goto out;
	}
	if (rc != TALLY_OK) {
		tallyi_report_error(rep, rc, UINT64_MAX,
		    "the engine refused the stored results: %s",
		    tally_strerror(rc));
		goto out;
	}
	rep->results = n;
	rep->runs = hdr[0];
	rep->warnings = hdr[1];
	rep->bytes = in->source_size != 0 ? in->source_size : in->len;
	count = take_u64(&warn);
	for (uint64_t k = 0; k < count && cb != NULL; k++) {
		uint64_t off = take_u64(&warn), wl = take_u64(&warn);
		const unsigned char *t = take(&warn, wl);
		char msg[TALLY_ERROR_MAX];

		snprintf(msg, sizeof(msg), "%.*s", (int)wl, (const char *)t);
		cb(TALLYI_OPT(opt, warning_arg, NULL), off, msg);
	}
out:
	tallyi_free(in->mem, buf, cap);
	return rc;
}

/*
 * Store what was kept of an input that read well. Best effort: what
 * cannot be stored (memory, a full disk) is only a saving lost.
 */
static void
store_kept(engine_sink *es, tally_cache *c, tally_cache_key key,
    const tally_sarif_report *rep)
{
	tallyi_vec val = { NULL, 0, 0 };
	uint64_t hdr[3], n = es->staged.n;
	size_t plen;
	void *pack;

	if (tally_results_pack(es->e, es->kept.p, es->kept.n, &pack, &plen) !=
	    TALLY_OK)
		return;
	hdr[0] = rep->runs;
	hdr[1] = rep->warnings;
	hdr[2] = plen;
	if (tallyi_vec_append(es->mem, &val, hdr, sizeof(hdr)) &&
	    tallyi_vec_append(es->mem, &val, pack, plen) &&
	    tallyi_vec_append(es->mem, &val, &es->nwarned, 8) &&
	    tallyi_vec_append(es->mem, &val, es->warned.p, es->warned.n) &&
	    tallyi_vec_append(es->mem, &val, &n, 8) &&
	    tallyi_vec_append(es->mem, &val, es->staged.p, es->staged.n *
	    sizeof(tallyi_state_ent)))
		(void)tally_cache_put(c, key, val.p, val.n);
	tallyi_vec_free(es->mem, &val, 1);
	tally_results_free(es->e, pack, plen);
}

/* The reader's warnings: kept to store, and passed on to the caller. */
static void
es_warning(void *arg, uint64_t offset, const char *message)
{
	engine_sink *es = arg;
	uint64_t len = strlen(message);

	if (es->nwarned != UINT64_MAX &&
	    tallyi_vec_append(es->mem, &es->warned, &offset, 8) &&
	    tallyi_vec_append(es->mem, &es->warned, &len, 8) &&
	    tallyi_vec_append(es->mem, &es->warned, message, len))
		es->nwarned++;
	else
		es->nwarned = UINT64_MAX; /* one lost: the input is not stored */
	if (es->warning != NULL)
		es->warning(es->warning_arg, offset, message);
}

/* The caller's @opt (NULL: the defaults) as this version's, into @ro. */
static void
options_copy(tally_sarif_options *ro, const tally_sarif_options *opt)
{
	if (opt != NULL)
		memcpy(ro, opt, opt->struct_size < sizeof(*ro) ?
		    opt->struct_size : sizeof(*ro));
	ro->struct_size = sizeof(*ro);
}

static int
read_into(tally_engine *e, struct tally_part *part, tallyi_input *in,
    const tally_sarif_options *opt, tally_sarif_report *rep)
{
	struct tally_corr *corr = tallyi_opt_corr(opt);
	tally_sarif_states *states = TALLYI_OPT(opt, states, NULL);
	/* A stored input is ids only: what correlation reads of each
	 * result is not in it. */
	tally_cache *cache = corr == NULL ? TALLYI_OPT(opt, cache, NULL) :
	    NULL;
	engine_sink es = { .e = e, .mem = in->mem, .corr = corr,
		.keep = cache != NULL, .states = states,
		.want_states = states != NULL || cache != NULL,
		.warning = TALLYI_OPT(opt, warning, NULL),
		.warning_arg = TALLYI_OPT(opt, warning_arg, NULL),
		.part = part };
	tallyi_sarif_sink sink = { tallyi_sink_tool, tallyi_sink_intern,
		tallyi_sink_lookup, es_run, &es, corr != NULL || part != NULL };
	tally_sarif_options ro = TALLY_SARIF_OPTIONS_INIT;
	tally_cache_key key = { 0, 0 };
	int rc;

	if (cache != NULL) {
		key = input_key(in, TALLYI_OPT(opt, include_suppressed, false));
		rc = replay_stored(e, cache, key, in, opt, rep);
		if (rc != TALLY_ENOTFOUND)
			return rc;
		/* warnings pass through the sink, to be stored too */
		options_copy(&ro, opt);
		ro.warning = es_warning;
		ro.warning_arg = &es;
		opt = &ro;
	}
	rc = tallyi_sarif_read(in, &sink, opt, rep);
	if (rc == TALLY_OK && cache != NULL && es.nwarned != UINT64_MAX)
		store_kept(&es, cache, key, rep);
	if (rc == TALLY_OK) {
		rc = es_commit(&es);
		if (rc != TALLY_OK) {
			tallyi_report_error(rep, rc, UINT64_MAX,
			    "the engine refused the results: %s",
			    tally_strerror(rc));
			rep->results = 0;
		}
	}
	es_drop(&es);
	return rc;
}

/*
 * What a windowed read tells its caller, relayed: its warnings held until
 * it is known whether they stand (a read done again whole tells its own),
 * its progress never going back (the read again starts from 0).
 */
typedef struct held_warning {
	uint64_t offset;
	char text[TALLY_ERROR_MAX];
} held_warning;

typedef struct relay {
	const tally_sarif_options *opt; /* the caller's */
	held_warning *w;                /* TALLYI_WARN_MAX and the last line */
	size_t n;
	uint64_t done;                  /* progress told so far */
} relay;

#define HELD_BYTES ((TALLYI_WARN_MAX + 1) * sizeof(held_warning))

static void
relay_warning(void *arg, uint64_t offset, const char *message)
{
	relay *rl = arg;

	if (rl->n <= TALLYI_WARN_MAX) {
		rl->w[rl->n].offset = offset;
		snprintf(rl->w[rl->n].text, sizeof(rl->w[0].text), "%s",
		    message);
		rl->n++;
	}
}

static void
relay_progress(void *arg, uint64_t done, uint64_t total)
{
	relay *rl = arg;

	if (done < rl->done)
		return;
	rl->done = done;
	rl->opt->progress(rl->opt->progress_arg, done, total);
}

/*
 * Read a window (tallyi_input_open_window()). A windowed read that fails
 * on the input's bytes (tallyi_window_retry()) is read again whole, and
 * that read's error, offset and warnings are the ones told: a window
 * cannot go back to an offset it kept, or tell an element larger than
 * itself from a truncated one.
 */
static int
read_window(tally_engine *e, struct tally_part *part, tallyi_input *in,
    const tally_sarif_options *opt, tally_sarif_report *rep)
{
	void (*warning)(void *arg, uint64_t offset, const char *message) =
	    TALLYI_OPT(opt, warning, NULL);
	void *warning_arg = TALLYI_OPT(opt, warning_arg, NULL);
	tally_sarif_options ro = TALLY_SARIF_OPTIONS_INIT;
	relay rl = { opt, NULL, 0, 0 };
	int rc;

	options_copy(&ro, opt);
	if (ro.progress != NULL) {
		ro.progress = relay_progress;
		ro.progress_arg = &rl;
	}
	if (warning != NULL) {
		if ((rl.w = tallyi_alloc(in->mem, HELD_BYTES)) == NULL) {
			tallyi_report_error(rep, TALLY_ENOMEM, UINT64_MAX,
			    "out of memory");
			return TALLY_ENOMEM;
		}
		ro.warning = relay_warning;
		ro.warning_arg = &rl;
	}
	rc = read_into(e, part, in, &ro, rep);
	if (tallyi_window_retry(rc)) {
		tallyi_report_init(rep);
		ro.warning = warning;
		ro.warning_arg = warning_arg;
		if ((rc = tallyi_input_rewind_whole(in, rep)) == TALLY_OK)
			rc = read_into(e, part, in, &ro, rep);
	} else {
		for (size_t k = 0; k < rl.n; k++)
			warning(warning_arg, rl.w[k].offset, rl.w[k].text);
	}
	if (rl.w != NULL)
		tallyi_free(in->mem, rl.w, HELD_BYTES);
	return rc;
}

void
tallyi_report_init(tally_sarif_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->error.offset = UINT64_MAX;
}

/*
 * Read one input into @e: the file @path, or, when @path is NULL, the
 * caller's @len bytes at @buf. @args_ok: the caller's own arguments held.
 */
static int
read_one(tally_engine *e, struct tally_part *part, bool args_ok,
    const char *path, const void *buf, size_t len,
    const tally_sarif_options *opt, tally_sarif_report *rep)
{
	tally_sarif_report local;
	tallyi_input in;
	tallyi_mem mem;
	tallyi_format fmt;
	uint64_t max = TALLYI_OPT(opt, max_input_bytes, 0);
	int rc = TALLY_OK;

	if (rep == NULL)
		rep = &local;
	tallyi_report_init(rep);
	if (e == NULL || !args_ok || tallyi_check_options(opt) != TALLY_OK) {
		tallyi_report_error(rep, TALLY_EINVAL, UINT64_MAX,
		    "invalid argument");
		return TALLY_EINVAL;
	}
	if ((rc = tallyi_opt_format(opt, &fmt, rep)) != TALLY_OK)
		return rc;
	/*
	 * The engine's user hook when it has one, so that its owner sees
	 * (and may refuse) the input buffer and the staging; otherwise an
	 * arena of the read's own, released whole at the end.
	 */
	if ((rc = tallyi_mem_init(&mem, e->mem.own_arena ? NULL :
	    &e->mem.a)) != TALLY_OK) {
		tallyi_report_error(rep, rc, UINT64_MAX, "out of memory");
		return rc;
	}
	/*
	 * A large file is read through a window (sarif_input.c) when all
	 * that is kept of it is ids: not when it is to be stored (its key
	 * is hashed from its bytes first) or correlated.
	 */
	if (path != NULL && tallyi_opt_corr(opt) == NULL &&
	    TALLYI_OPT(opt, cache, NULL) == NULL) {
		rc = tallyi_input_open_window(&in, path, max, &mem, rep);
	} else if (path != NULL) {
		rc = tallyi_input_open(&in, path, max, &mem, rep);
	} else {
		tallyi_input_wrap(&in, buf, len);
		in.mem = &mem;
	}
	/* A part read into a part needs no SARIF: its rows go in as they are. */
	if (rc == TALLY_OK && part != NULL && tallyi_part_magic(in.buf, in.len) &&
	    (fmt == TALLYI_FMT_AUTO || fmt == TALLYI_FMT_PART)) {
		if (in.fd >= 0)
			rc = tallyi_input_rewind_whole(&in, rep);
		if (rc == TALLY_OK)
			rc = tallyi_part_absorb(part, &in, max ? max :
			    TALLY_SARIF_MAX_INPUT,
			    TALLYI_OPT(opt, include_suppressed, false), rep);
		tallyi_input_close(&in);
		tallyi_mem_fini(&mem);
		return rc;
	}
	/*
	 * What is not plain SARIF (compressed, or another format, or what
	 * the first window cannot tell) is read whole and converted first: a
	 * window only ever holds SARIF.
	 */
	if (rc == TALLY_OK && in.fd >= 0 && (tallyi_input_compressed(&in) ||
	    (fmt != TALLYI_FMT_AUTO && fmt != TALLYI_FMT_SARIF) ||
	    (fmt == TALLYI_FMT_AUTO &&
	    tallyi_format_sniff(in.buf, in.len) != TALLYI_FMT_SARIF)))
		rc = tallyi_input_rewind_whole(&in, rep);
	if (rc == TALLY_OK && in.fd < 0 &&
	    (rc = tallyi_input_decode(&in, fmt, max, rep)) != TALLY_OK)
		tallyi_input_close(&in);
	else if (rc == TALLY_OK) {
		rc = in.fd >= 0 ? read_window(e, part, &in, opt, rep) :
		    read_into(e, part, &in, opt, rep);
		tallyi_input_close(&in); /* nothing to free for a wrapped one */
	}
	tallyi_mem_fini(&mem);
	return rc;
}

int
tally_sarif_read_file(tally_engine *e, const char *path,
    const tally_sarif_options *opt, tally_sarif_report *rep)
{
	return read_one(e, NULL, path != NULL, path, NULL, 0, opt, rep);
}

int
tally_sarif_read_buffer(tally_engine *e, const void *buf, size_t len,
    const tally_sarif_options *opt, tally_sarif_report *rep)
{
	return read_one(e, NULL, buf != NULL || len == 0, NULL, buf, len, opt,
	    rep);
}

/*
 * A part takes what the reader gives, nothing the engine's options add:
 * correlation, the cache and states are not used.
 */
int
tallyi_read_part(struct tally_part *p, tally_engine *e, const char *path,
    const void *buf, size_t len, const tally_sarif_options *opt,
    tally_sarif_report *rep)
{
	tally_sarif_options ro = TALLY_SARIF_OPTIONS_INIT;

	if (opt != NULL && tallyi_check_options(opt) == TALLY_OK) {
		options_copy(&ro, opt);
		ro.corr = NULL;
		ro.cache = NULL;
		ro.states = NULL;
		opt = &ro;
	}
	return read_one(e, p, path != NULL || buf != NULL || len == 0, path,
	    buf, len, opt, rep);
}
