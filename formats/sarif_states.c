/*
 * formats/sarif_states.c - distinct results by baselineState and by
 * suppression status (tally_sarif_states, tally/sarif.h).
 *
 * The engine counts a result once however often it comes; these counts
 * follow the same rule for the two states a result carries besides its
 * identity: a key is the 128-bit hash of (identity, which state, its
 * value), the identity by its strings, not an engine's ids, and a key is
 * counted the first time it is added. Inputs add
 * their keys when they commit (all or nothing), under one mutex: only
 * results that carry a state have a key, so this is off the hot path.
 */
#include <pthread.h>
#include <string.h>

#include "engine/alloc.h"
#include "formats/sarif_internal.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

typedef struct skey {
	uint64_t hi, lo; /* lo == 0 && hi == 0: a free slot */
} skey;

struct tally_sarif_states {
	tallyi_mem mem;
	pthread_mutex_t lock;
	skey *slot;
	size_t cap, count;
	tally_sarif_state_counts counts;
};

int
tally_sarif_states_create(tally_sarif_states **out,
    const tally_allocator *alloc)
{
	tallyi_mem mem;
	tally_sarif_states *s;
	int rc;

	if (out == NULL)
		return TALLY_EINVAL;
	if ((rc = tallyi_mem_init(&mem, alloc)) != TALLY_OK)
		return rc;
	if ((s = tallyi_zalloc(&mem, sizeof(*s))) == NULL) {
		tallyi_mem_fini(&mem);
		return TALLY_ENOMEM;
	}
	s->mem = mem;
	pthread_mutex_init(&s->lock, NULL);
	*out = s;
	return TALLY_OK;
}

void
tally_sarif_states_destroy(tally_sarif_states *s)
{
	tallyi_mem mem;

	if (s == NULL)
		return;
	mem = s->mem;
	pthread_mutex_destroy(&s->lock);
	tallyi_free(&mem, s->slot, s->cap * sizeof(skey));
	tallyi_free(&mem, s, sizeof(*s));
	tallyi_mem_fini(&mem);
}

int
tally_sarif_states_get(tally_sarif_states *s, tally_sarif_state_counts *out)
{
	if (s == NULL || out == NULL)
		return TALLY_EINVAL;
	pthread_mutex_lock(&s->lock);
	*out = s->counts;
	pthread_mutex_unlock(&s->lock);
	return TALLY_OK;
}

const char *
tally_sarif_suppression_name(tally_suppression st)
{
	static const char *const names[TALLY_SUPPRESSION_COUNT] = {
		"accepted", "underReview", "rejected" };

	return (unsigned)st < TALLY_SUPPRESSION_COUNT ? names[st] : NULL;
}

/*
 * The key of result @v in state @what = @value: its strings (each after
 * its length, so no two lists of strings hash alike) and numbers, packed
 * field by field, so padding never reaches the hash.
 */
static void
state_key(const tally_violation *v, unsigned what, unsigned value,
    const char *(*lookup)(void *, tally_strkind, uint32_t, size_t *),
    void *ctx, tallyi_state_ent *out)
{
	static const tally_strkind kinds[4] = { TALLY_STR_TOOL, TALLY_STR_RULE,
		TALLY_STR_FILE, TALLY_STR_MESSAGE };
	const uint32_t ids[4] = { v->tool, v->rule, v->file, v->message };
	unsigned char b[24];
	XXH3_state_t st;
	XXH128_hash_t h;

	XXH3_INITSTATE(&st); /* a state on the stack: see input_key() */
	(void)XXH3_128bits_reset(&st);
	for (int k = 0; k < 4; k++) {
		size_t len = 0;
		const char *s = lookup(ctx, kinds[k], ids[k], &len);
		uint64_t n = s != NULL ? len : UINT64_MAX;

		(void)XXH3_128bits_update(&st, &n, 8);
		if (s != NULL)
			(void)XXH3_128bits_update(&st, s, len);
	}
	memcpy(b, &v->line, 4);
	memcpy(b + 4, &v->column, 4);
	memcpy(b + 8, &v->offset, 8);
	b[16] = v->flags;
	b[17] = (unsigned char)what;
	b[18] = (unsigned char)value;
	(void)XXH3_128bits_update(&st, b, 19);
	h = XXH3_128bits_digest(&st);
	if (h.high64 == 0 && h.low64 == 0)
		h.low64 = 1; /* keep 0 for free slots */
	memset(out, 0, sizeof(*out));
	out->hi = h.high64;
	out->lo = h.low64;
	out->what = (uint8_t)what;
	out->value = (uint8_t)value;
}

/* Insert @k; true when it was not there. The lock is held. */
static bool
insert(tally_sarif_states *s, skey k)
{
	size_t i = k.lo & (s->cap - 1);

	for (;; i = (i + 1) & (s->cap - 1)) {
		if (s->slot[i].hi == 0 && s->slot[i].lo == 0) {
			s->slot[i] = k;
			s->count++;
			return true;
		}
		if (s->slot[i].hi == k.hi && s->slot[i].lo == k.lo)
			return false;
	}
}

/* Room for @more keys at a load of at most one half. The lock is held. */
static int
reserve(tally_sarif_states *s, size_t more)
{
	size_t cap = s->cap ? s->cap : 64, need;
	skey *old = s->slot, *slot;
	size_t ocap = s->cap;

	if (!tallyi_size_add(s->count, more, &need) ||
	    !tallyi_size_mul(need, 2, &need))
		return TALLY_ENOMEM;
	while (cap < need)
		cap *= 2;
	if (cap == s->cap)
		return TALLY_OK;
	if ((slot = tallyi_zalloc(&s->mem, cap * sizeof(skey))) == NULL)
		return TALLY_ENOMEM;
	s->slot = slot;
	s->cap = cap;
	s->count = 0;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].hi != 0 || old[i].lo != 0)
			(void)insert(s, old[i]);
	tallyi_free(&s->mem, old, ocap * sizeof(skey));
	return TALLY_OK;
}

/*
 * Stage the states of a finished run's results (@st: a tallyi_vec of
 * tallyi_state_ent) for tallyi_states_commit().
 */
int
tallyi_states_stage_run(const tallyi_mem *mem, tallyi_vec *st,
    const tallyi_sarif_run *run,
    const char *(*lookup)(void *ctx, tally_strkind kind, uint32_t id,
    size_t *len), void *ctx)
{
	for (size_t k = 0; k < run->nres; k++) {
		const tallyi_sarif_res *x = &run->res[k];
		tallyi_state_ent *e;

		if (x->supp != TALLYI_SUPP_NONE) {
			if ((e = tallyi_vec_push(mem, st, sizeof(*e))) == NULL)
				return TALLY_ENOMEM;
			state_key(&x->v, 0, (unsigned)(x->supp -
			    TALLYI_SUPP_ACCEPTED), lookup, ctx, e);
		}
		if (x->baseline != 0) {
			if ((e = tallyi_vec_push(mem, st, sizeof(*e))) == NULL)
				return TALLY_ENOMEM;
			state_key(&x->v, 1, x->baseline - 1u, lookup,
			    ctx, e);
		}
	}
	return TALLY_OK;
}

int
tallyi_states_commit(tally_sarif_states *s, const tallyi_vec *st)
{
	const tallyi_state_ent *e = st->p;
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = reserve(s, st->n);
	for (size_t k = 0; k < st->n && rc == TALLY_OK; k++) {
		/* a stored entry is checked by the cache, not trusted here */
		if (e[k].what > 1 || e[k].value >= (e[k].what == 0 ?
		    TALLY_SUPPRESSION_COUNT : TALLY_BASELINE_COUNT))
			continue;
		if (!insert(s, (skey){ e[k].hi, e[k].lo }))
			continue;
		if (e[k].what == 0)
			s->counts.suppression[e[k].value]++;
		else
			s->counts.baseline[e[k].value]++;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}
