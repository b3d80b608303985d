/*
 * formats/sarif_states.c - distinct results by baselineState and by
 * suppression status (tally_sarif_states, tally/sarif.h).
 *
 * The engine counts a result once however often it comes; these counts
 * follow the same rule for the two states a result carries besides its
 * identity: a key is the 128-bit hash of (identity, which state, its
 * value), and a key is counted the first time it is added. Inputs add
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
 * The key of result @v in state @what (0: suppression status, 1:
 * baselineState) = @value. Fields are packed one by one, so padding
 * never reaches the hash.
 */
static skey
state_key(const tally_violation *v, unsigned what, unsigned value)
{
	unsigned char b[48];
	uint32_t u[6] = { v->tool, v->rule, v->file, v->message, v->line,
		v->column };
	XXH128_hash_t h;

	memcpy(b, u, sizeof(u));
	memcpy(b + 24, &v->offset, 8);
	b[32] = v->flags;
	b[33] = (unsigned char)what;
	b[34] = (unsigned char)value;
	h = XXH3_128bits(b, 35);
	if (h.high64 == 0 && h.low64 == 0)
		h.low64 = 1; /* keep 0 for free slots */
	return (skey){ h.high64, h.low64 };
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
 * tallyi_state_ent, private to this file and tallyi_states_commit()).
 */
int
tallyi_states_stage_run(const tallyi_mem *mem, tallyi_vec *st,
    const tallyi_sarif_run *run)
{
	for (size_t k = 0; k < run->nres; k++) {
		const tallyi_sarif_res *x = &run->res[k];
		tallyi_state_ent *e;

		if (x->supp != TALLYI_SUPP_NONE) {
			if ((e = tallyi_vec_push(mem, st, sizeof(*e))) == NULL)
				return TALLY_ENOMEM;
			e->v = x->v;
			e->what = 0;
			e->value = (uint8_t)(x->supp - TALLYI_SUPP_ACCEPTED);
		}
		if (x->baseline >= 0) {
			if ((e = tallyi_vec_push(mem, st, sizeof(*e))) == NULL)
				return TALLY_ENOMEM;
			e->v = x->v;
			e->what = 1;
			e->value = (uint8_t)x->baseline;
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
		if (!insert(s, state_key(&e[k].v, e[k].what, e[k].value)))
			continue;
		if (e[k].what == 0)
			s->counts.suppression[e[k].value]++;
		else
			s->counts.baseline[e[k].value]++;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}
