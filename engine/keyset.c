/*
 * engine/keyset.c - the lock-free exact-key set.
 *
 * Layout. A table has G groups of 16 slots, any G (not only powers of
 * two, so a table can be sized to what it will hold). Group g's 16 control
 * bytes are ctrl words 2g and 2g+1 (read and written as 64-bit atomics, so
 * a byte's update is one CAS or one fetch-xor on its word); its 16 keys are
 * slot[16g .. 16g+15]. A key's tag is fingerprint bits 0-6, its home group
 * bits 7-38 scaled to G (b * G / 2^32: a multiply and a shift, not a
 * division). Probing walks groups g, g+1, ... (wrapping at G) and in each
 * one matches the 16 control bytes against the tag with one compare; only
 * a tag match reads a key. The control bytes of a big table are 1/32 of
 * its size, so they stay in cache when the keys do not: a new key usually
 * costs one line, a duplicate two.
 *
 * A control byte moves only along
 *
 *     EMPTY --CAS--> BUSY(tag) --xor--> FULL(tag)
 *     EMPTY --CAS--> MOVED
 *
 * and never back, and only a FULL slot's key is ever read. Invariants:
 *
 *  1. A key is written once, by the thread whose CAS made its slot BUSY,
 *     before the release fetch-xor that makes the slot FULL; readers load
 *     control words with acquire, so a FULL slot's key is complete.
 *
 *  2. Within a group, an insert first compares the keys of FULL slots with
 *     its tag, then waits out BUSY slots with its busy pattern (one may be
 *     an equal key being written), and only then claims the first EMPTY
 *     slot. Because slots never return to EMPTY, two inserts of equal keys
 *     cannot both claim: the later CAS either fails (its word changed) or
 *     was preceded by a load that saw the earlier claim as BUSY. (If A
 *     claims slot a, first empty in its load, and B then slot b, first
 *     empty in a load made before A's CAS, then b <= a; b = a makes B's CAS
 *     fail; b < a means b was taken when A loaded, so before B's CAS.)
 *     Not asserted: it is about how two inserts interleave, which no one
 *     thread sees; keyset_stress races equal keys and counts the claims.
 *
 *  3. An insert moves past a group only when the group has no EMPTY slot.
 *     So every group before a key's slot, along its probe, was full when
 *     the key was written and still is: a probe for an equal key reaches
 *     the key's group and finds it. No key lies beyond a group that has
 *     an EMPTY or MOVED byte.
 *
 * Growth. When a table holds 7/8 of its slots, one thread wins a CAS on its
 * @next pointer with a table 3/2 the size (so the newest table is never
 * less than 7/12 full once it has grown: at most 57 bytes a key), and from
 * then on every insert that passes by helps migrate: it takes a chunk of
 * groups with one
 * fetch-add, turns every EMPTY byte of each group into MOVED (so nothing can
 * be claimed there any more), waits out BUSY slots, and inserts a copy of
 * each FULL key into @next. An insert that meets MOVED in a group where its
 * key is not (by 3 the key is in no later group) carries on in @next. So
 *
 *  4. Inserts always start at the set's oldest table still in use (@cur),
 *     and a table's keys stay in it after they are copied: a key is found
 *     in the first table of the chain that has it, and an insert goes on to
 *     the next table only past a MOVED byte or a table with no free slot,
 *     when its key is in none of the groups it could be in. A key is
 *     therefore claimed (reported new) in exactly one table; copies are
 *     inserts that ignore their answer. Nobody ever waits for a migration:
 *     an unfinished chunk only keeps its table alive. Not asserted:
 *     "exactly one table" needs the whole chain at once; keyset_stress
 *     counts the claims while the set grows.
 *
 *  5. When every chunk of a table is done, @cur moves past it, in chain
 *     order. A table off the chain can still be read by calls that loaded
 *     @cur before, so it is retired, not freed: each call counts itself in
 *     @active, and a call that leaves takes the retired list first and
 *     frees it only if it was the last one in. Everything retired before
 *     that moment was unlinked before every later call loaded @cur.
 *
 * A migrating thread preempted in mid-chunk stalls nobody; a thread
 * preempted between its claim and its key store stalls only the inserts
 * that meet its busy pattern in that group, which is where an equal key
 * would have to be. That window, a 32-byte store, is the one place an
 * insert waits.
 */
#include "engine/keyset.h"

#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct tallyi_keytab {
	tallyi_atomic_u64 *ctrl; /* 2 words per group */
	tallyi_key *slot;        /* 16 per group */
	size_t groups;           /* at most 2^32 */
	uint64_t limit;          /* grow once the table holds more keys */
	size_t chunks;           /* migration units of CHUNK groups */
	size_t bytes;            /* of this allocation */
	tallyi_keytab *retired_next;
	/* keys claimed here, copies included; added in steps (see ctx) */
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_u64 count;
	TALLY_CC_ALIGNED(TALLY_CACHELINE) tallyi_atomic_ptr next;
	tallyi_atomic_u64 claim; /* next chunk to migrate */
	tallyi_atomic_u64 done;  /* chunks migrated */
	tallyi_atomic_int moved; /* done == chunks */
};

#define MIN_GROUPS 1024 /* 16 K slots: 512 KiB of keys, 16 KiB of ctrl */
#define MAX_GROUPS (UINT64_C(1) << 32) /* home() scales 32 bits */
#define CHUNK 64        /* groups a migrating thread takes at once */

/*
 * Claims are added to a table's count every COUNT_STEP (and at the end of
 * a call), not one by one: the count's line would otherwise bounce between
 * workers on every new key. The table may thus hold up to threads *
 * COUNT_STEP keys past its limit before growth starts; the limit leaves
 * 1/8 of the slots, 2048 at least, and a table with no free slot at all
 * sends its inserts on to @next (growing it then) rather than fail.
 */
#define COUNT_STEP 32

typedef struct ctx {
	tallyi_keytab *t; /* table the pending claims were made in */
	uint32_t pending;
	bool grew;        /* a table got a successor: help migrate */
} ctx;

static inline size_t
home(uint64_t fp, size_t groups)
{
	return (size_t)((((fp >> 7) & 0xffffffffu) * (uint64_t)groups) >> 32);
}

static inline size_t
next_group(size_t g, size_t groups)
{
	return g + 1 == groups ? 0 : g + 1;
}

static inline bool
key_eq(const tallyi_key *a, const tallyi_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* One key as one row of columns. */
static inline tallyk_keycols
key_cols(const tallyi_key *k)
{
	return (tallyk_keycols){ &k->tool, &k->rule, &k->file, &k->message,
		&k->line, &k->column, &k->offset };
}

uint64_t
tallyi_key_fingerprint(const tallyi_key *k)
{
	tallyk_keycols c = key_cols(k);
	uint64_t fp;

	tallyk_fingerprint_scalar(&c, 1, &fp);
	return fp;
}

/*
 * A table of 1 M keys spans 8 K pages of 4 KiB, so nearly every probe also
 * misses the TLB; under nested paging (a virtual machine) the walk can cost
 * as much as the line. Tables of 4 MiB and more ask for transparent huge
 * pages on their 2 MiB-aligned interior, where one TLB entry covers 512
 * pages of 4 KiB.
 * Advice only: refused (THP off, memory that is not anonymous) it changes
 * nothing.
 */
#define HUGE_PAGE (2u << 20)

static void
advise_huge(void *p, size_t size)
{
	uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	uintptr_t hi = ((uintptr_t)p + size) & ~(uintptr_t)(HUGE_PAGE - 1);

	if (size >= 2 * HUGE_PAGE && hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}

/*
 * A fresh table's pages are faulted in by whoever touches them first, one
 * fault per 4 KiB page; on a virtual machine a first touch can cost ~15 us,
 * so inserts into a new table of 256 MiB would spend most of a second in
 * faults. Every page of a table is touched before it fills (a page holds
 * 128 slots and keys land uniformly), so populating the whole table at
 * once, in one call (Linux 5.14: MADV_POPULATE_WRITE; huge pages where the
 * advice above was granted), costs no memory that filling would not.
 * When a table is freed its pages go back to the system at once (memory
 * the allocator would otherwise keep resident until it decays): the
 * retired tables of a grown set add up to twice the live one. Refused or
 * unknown (older kernels, memory that is not anonymous), both change
 * nothing. A table of more than a quarter of the machine's memory is not
 * populated (a hint that large is more likely a mistake than a promise):
 * its pages come as they are touched.
 */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static void
advise_range(void *p, size_t size, int advice)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)p + pg - 1) & ~(uintptr_t)(pg - 1);
	uintptr_t hi = ((uintptr_t)p + size) & ~(uintptr_t)(pg - 1);

	if (size >= HUGE_PAGE && hi > lo)
		(void)madvise((void *)lo, hi - lo, advice);
}

#define TAB_HEAD ((sizeof(tallyi_keytab) + TALLY_CACHELINE - 1) & \
	~(size_t)(TALLY_CACHELINE - 1))

/* One allocation: the header, the control bytes, the keys. */
static size_t
tab_bytes(size_t groups)
{
	return TAB_HEAD + groups * TALLYI_GROUP * (1 + sizeof(tallyi_key));
}

static tallyi_keytab *
tab_new(const tallyi_mem *mem, size_t groups)
{
	size_t head = TAB_HEAD;
	size_t ctrl = groups * TALLYI_GROUP;
	size_t bytes = tab_bytes(groups);
	char *p = tallyi_alloc(mem, bytes);
	tallyi_keytab *t = (tallyi_keytab *)p;

	if (p == NULL)
		return NULL;
	advise_huge(p, bytes);
	memset(t, 0, sizeof(*t));
	memset(p + head, (int)TALLYI_CTRL_EMPTY, ctrl);
	t->ctrl = (tallyi_atomic_u64 *)(p + head);
	t->slot = (tallyi_key *)(p + head + ctrl);
	t->groups = groups;
	t->limit = groups * TALLYI_GROUP / 8 * 7;
	t->chunks = (groups + CHUNK - 1) / CHUNK;
	t->bytes = bytes;
	return t;
}

/* Fault in every page of @t in one call (see advise_range()). */
static void
tab_populate(tallyi_keytab *t)
{
	if (t->bytes / 4096 <= (uint64_t)sysconf(_SC_PHYS_PAGES) / 4)
		advise_range(t, t->bytes, MADV_POPULATE_WRITE);
}

static void
tab_free(const tallyi_mem *mem, tallyi_keytab *t)
{
	size_t bytes = t->bytes;

	advise_range(t, bytes, MADV_DONTNEED);
	tallyi_free(mem, t, bytes);
}

/* The successor of a table of @groups groups: 3/2 the size. */
static size_t
grown(size_t groups)
{
	size_t g = groups + groups / 2;

	return g < MAX_GROUPS ? g : (size_t)MAX_GROUPS;
}

/*
 * Groups for @expected keys: enough that they fit below the growth limit
 * (7/8 of the slots), so a set told its size never grows.
 */
static size_t
groups_for(uint64_t expected)
{
	uint64_t g = expected / (TALLYI_GROUP / 8 * 7) + 1;

	if (g < MIN_GROUPS)
		return MIN_GROUPS;
	return g < MAX_GROUPS ? (size_t)g : (size_t)MAX_GROUPS;
}

int
tallyi_keyset_init(tallyi_keyset *s, const tallyi_mem *mem, uint64_t expected)
{
	size_t groups = groups_for(expected);
	tallyi_keytab *t;

	/*
	 * A table larger than the machine's memory would be granted by an
	 * overcommitting kernel and then fail by the OOM killer as its
	 * control bytes are set: refuse it here, as out of memory.
	 */
	if (groups > MIN_GROUPS && tab_bytes(groups) / (size_t)sysconf(
	    _SC_PAGESIZE) > (size_t)sysconf(_SC_PHYS_PAGES))
		return TALLY_ENOMEM;
	if ((t = tab_new(mem, groups)) == NULL)
		return TALLY_ENOMEM;
	tab_populate(t);
	memset(s, 0, sizeof(*s));
	s->mem = mem;
	tallyi_store_ptr(&s->cur, t, TALLY_RELEASE);
	return TALLY_OK;
}

void
tallyi_keyset_fini(tallyi_keyset *s)
{
	tallyi_keytab *t = tallyi_load_ptr(&s->cur, TALLY_ACQUIRE), *n;

	for (; t != NULL; t = n) {
		n = tallyi_load_ptr(&t->next, TALLY_ACQUIRE);
		tab_free(s->mem, t);
	}
	for (t = tallyi_load_ptr(&s->retired, TALLY_ACQUIRE); t; t = n) {
		n = t->retired_next;
		tab_free(s->mem, t);
	}
}

/* @t's successor, made now if it has none. NULL: out of memory. */
static tallyi_keytab *
tab_next(tallyi_keyset *s, tallyi_keytab *t, ctx *cx)
{
	void *n = tallyi_load_ptr(&t->next, TALLY_ACQUIRE), *mine;

	if (n != NULL)
		return n;
	if (t->groups >= MAX_GROUPS ||
	    (mine = tab_new(s->mem, grown(t->groups))) == NULL)
		return NULL;
	if (tallyi_cas_ptr(&t->next, &n, mine, TALLY_ACQ_REL)) {
		/*
		 * Populated after it is published, not before: a thread that
		 * finds the old table full meanwhile goes on into this one
		 * instead of making (and populating) a rival of its own.
		 * Faults racing the populate are harmless: it only maps pages.
		 */
		tab_populate(mine);
		cx->grew = true;
		return mine;
	}
	tab_free(s->mem, mine); /* another thread's won; n holds it */
	return n;
}

static void
ctx_flush(tallyi_keyset *s, ctx *cx)
{
	uint64_t held;

	if (cx->pending == 0)
		return;
	held = tallyi_fetch_add_u64(&cx->t->count, cx->pending, TALLY_RELAXED) +
	    cx->pending;
	cx->pending = 0;
	/* Out of memory here is not an error: the table still has room. */
	if (held > cx->t->limit &&
	    tallyi_load_ptr(&cx->t->next, TALLY_RELAXED) == NULL)
		(void)tab_next(s, cx->t, cx);
}

static inline void
ctx_count(tallyi_keyset *s, ctx *cx, tallyi_keytab *t)
{
	if (cx->t != t) {
		ctx_flush(s, cx);
		cx->t = t;
	}
	if (++cx->pending == COUNT_STEP)
		ctx_flush(s, cx);
}

enum { FOUND, CLAIMED, GO_ON };

/* Back off while a BUSY slot is written (only a preempted writer is slow). */
static inline void
busy_wait(unsigned *spins)
{
	if (++*spins < 128)
		tallyi_cpu_relax();
	else
		sched_yield();
}

/* Probe @t for @k (invariants 2 and 3); on GO_ON, @k is not in @t. */
static int
probe(tallyi_keytab *t, uint64_t fp, const tallyi_key *k)
{
	unsigned tag = tallyi_ctrl_tag(fp), busy = tallyi_ctrl_busy(fp);
	unsigned spins = 0;
	size_t g = home(fp, t->groups);

	for (size_t p = 0; p < t->groups; p++, g = next_group(g, t->groups)) {
		tallyi_atomic_u64 *cw = &t->ctrl[2 * g];
		tallyi_key *slot = &t->slot[g * TALLYI_GROUP];
		uint64_t w[2], was;
		unsigned m, i, sh;

	again:
		w[0] = tallyi_load_u64(&cw[0], TALLY_ACQUIRE);
		w[1] = tallyi_load_u64(&cw[1], TALLY_ACQUIRE);
		for (m = tallyi_group_match(w[0], w[1], tag); m; m &= m - 1) {
			if (key_eq(&slot[__builtin_ctz(m)], k))
				return FOUND;
		}
		if (tallyi_group_match(w[0], w[1], busy)) {
			busy_wait(&spins);
			goto again;
		}
		m = tallyi_group_match(w[0], w[1], TALLYI_CTRL_EMPTY);
		if (m == 0) {
			/* Invariant 3: no EMPTY byte, now or ever again. */
			TALLY_ASSERT(tallyi_group_match(
			    tallyi_load_u64(&cw[0], TALLY_RELAXED),
			    tallyi_load_u64(&cw[1], TALLY_RELAXED),
			    TALLYI_CTRL_EMPTY) == 0);
			/* full, or closed by a migration: the key is not further */
			if (tallyi_group_match(w[0], w[1], TALLYI_CTRL_MOVED))
				return GO_ON;
			continue;
		}
		i = (unsigned)__builtin_ctz(m);
		sh = 8 * (i & 7);
		/* EMPTY -> BUSY; on failure the word changed: look again */
		if (!tallyi_cas_u64(&cw[i >> 3], &w[i >> 3], w[i >> 3] ^
		    (uint64_t)(TALLYI_CTRL_EMPTY ^ busy) << sh, TALLY_RELAXED))
			goto again;
		slot[i] = *k;
		was = tallyi_fetch_xor_u64(&cw[i >> 3],
		    (uint64_t)(busy ^ tag) << sh, TALLY_RELEASE);
		/* Invariant 1: the byte was still this claim's BUSY. */
		TALLY_ASSERT((was >> sh & 0xff) == busy);
		return CLAIMED;
	}
	return GO_ON; /* no free slot anywhere */
}

/* Return: 1 (claimed: new), 0 (found) or TALLY_ENOMEM. */
static int
insert_from(tallyi_keyset *s, tallyi_keytab *t, uint64_t fp,
    const tallyi_key *k, ctx *cx)
{
	for (;;) {
		switch (probe(t, fp, k)) {
		case FOUND:
			return 0;
		case CLAIMED:
			ctx_count(s, cx, t);
			return 1;
		default:
			if ((t = tab_next(s, t, cx)) == NULL)
				return TALLY_ENOMEM;
		}
	}
}

/*
 * A big set lives beyond L2, and a probe is one or two dependent misses:
 * the control line, then the key a tag match points at. Rows are known in
 * advance, so the control line of the row CTRL_AHEAD places on is
 * requested now; for the row KEY_AHEAD places on, whose control line has
 * had time to arrive, the first slot its tag matches is found and
 * requested too, and kept: when the row's turn comes, a duplicate (the
 * common case) is confirmed by comparing that one key with the row's
 * columns, without a second look at the group. A FULL slot never changes,
 * so a candidate found early is still a member of the set when compared,
 * whatever happened in between (growth included: the old table is not
 * freed while this call is in, invariant 5). Any other outcome takes the
 * full probe; for a row with no tag match, the slot it will most likely
 * take, the group's first empty one, is requested for writing instead.
 */
#define CTRL_AHEAD 32
#define KEY_AHEAD 16 /* a power of two: the candidates' ring */

static inline const tallyi_key *
candidate(tallyi_keytab *t, uint64_t fp)
{
	size_t g = home(fp, t->groups);
	unsigned m = tallyi_group_match(
	    tallyi_load_u64(&t->ctrl[2 * g], TALLY_ACQUIRE),
	    tallyi_load_u64(&t->ctrl[2 * g + 1], TALLY_ACQUIRE),
	    tallyi_ctrl_tag(fp));
	const tallyi_key *k;

	if (m == 0) {
		/* a new key, most likely: it goes to the first empty slot */
		m = tallyi_group_match(
		    tallyi_load_u64(&t->ctrl[2 * g], TALLY_RELAXED),
		    tallyi_load_u64(&t->ctrl[2 * g + 1], TALLY_RELAXED),
		    TALLYI_CTRL_EMPTY);
		if (m != 0)
			__builtin_prefetch(&t->slot[g * TALLYI_GROUP +
			    (unsigned)__builtin_ctz(m)], 1);
		return NULL;
	}
	k = &t->slot[g * TALLYI_GROUP + (unsigned)__builtin_ctz(m)];
	__builtin_prefetch(k);
	return k;
}

static inline bool
key_eq_row(const tallyi_key *k, const tallyk_keycols *c, size_t i)
{
	return ((k->tool ^ c->tool[i]) | (k->rule ^ c->rule[i]) |
	    (k->file ^ c->file[i]) | (k->message ^ c->message[i]) |
	    (k->line ^ c->line[i]) | (k->column ^ c->column[i]) |
	    (k->offset ^ c->offset[i])) == 0;
}

static void help(tallyi_keyset *s);

/*
 * The probe pipeline over @n rows, starting at table @t. With @may_help, a
 * table that gets a successor on the way is migrated at once (a migration
 * itself passes false: it does not recurse). Adds the rows claimed to
 * @added. Return: TALLY_OK or TALLY_ENOMEM (is_new 0 from the failed row).
 */
static int
insert_rows(tallyi_keyset *s, tallyi_keytab *t, const tallyk_keycols *c,
    const uint64_t *fp, size_t n, uint8_t *is_new, ctx *cx, bool may_help,
    uint64_t *added)
{
	const tallyi_key *cand[KEY_AHEAD];

	for (size_t i = 0; i < n && i < CTRL_AHEAD; i++)
		__builtin_prefetch(&t->ctrl[2 * home(fp[i], t->groups)]);
	for (size_t i = 0; i < n && i < KEY_AHEAD; i++)
		cand[i] = candidate(t, fp[i]);
	for (size_t i = 0; i < n; i++) {
		const tallyi_key *k = cand[i % KEY_AHEAD];
		int r;

		if (i + CTRL_AHEAD < n)
			__builtin_prefetch(
			    &t->ctrl[2 * home(fp[i + CTRL_AHEAD], t->groups)]);
		if (i + KEY_AHEAD < n)
			cand[i % KEY_AHEAD] = candidate(t, fp[i + KEY_AHEAD]);
		if (k != NULL && key_eq_row(k, c, i)) {
			is_new[i] = 0;
			continue;
		}
		tallyi_key key = { c->tool[i], c->rule[i], c->file[i],
			c->message[i], c->line[i], c->column[i], c->offset[i] };

		if ((r = insert_from(s, t, fp[i], &key, cx)) < 0) {
			memset(is_new + i, 0, n - i);
			return r;
		}
		is_new[i] = (uint8_t)r;
		*added += (uint64_t)r;
		if (TALLY_CC_UNLIKELY(cx->grew) && may_help) {
			cx->grew = false;
			ctx_flush(s, cx);
			help(s);
			t = tallyi_load_ptr(&s->cur, TALLY_ACQUIRE);
		}
	}
	return TALLY_OK;
}

/* Close the EMPTY bytes of one control word: EMPTY -> MOVED. */
static void
close_word(tallyi_atomic_u64 *cw)
{
	uint64_t w = tallyi_load_u64(cw, TALLY_RELAXED), x;

	do {
		x = w;
		for (unsigned b = 0; b < 64; b += 8) {
			if ((w >> b & 0xff) == TALLYI_CTRL_EMPTY)
				x ^= (uint64_t)(TALLYI_CTRL_EMPTY ^
				    TALLYI_CTRL_MOVED) << b;
		}
	} while (x != w && !tallyi_cas_u64(cw, &w, x, TALLY_RELAXED));
}

/* Push the list @head .. @tail (linked by retired_next) on s->retired. */
static void
push_retired(tallyi_keyset *s, tallyi_keytab *head, tallyi_keytab *tail)
{
	void *top = tallyi_load_ptr(&s->retired, TALLY_RELAXED);

	do
		tail->retired_next = top;
	while (!tallyi_cas_ptr(&s->retired, &top, head, TALLY_SEQ_CST));
}

/* Unlink every fully migrated table at the head of the chain (5). */
static void
advance(tallyi_keyset *s)
{
	void *t = tallyi_load_ptr(&s->cur, TALLY_ACQUIRE);

	while (tallyi_load_int(&((tallyi_keytab *)t)->moved, TALLY_ACQUIRE)) {
		tallyi_keytab *old = t;
		void *n = tallyi_load_ptr(&old->next, TALLY_ACQUIRE);

		/* Invariant 5: only a table whose every chunk is done. */
		TALLY_ASSERT(n != NULL && tallyi_load_u64(&old->done,
		    TALLY_RELAXED) == old->chunks);
		if (!tallyi_cas_ptr(&s->cur, &t, n, TALLY_SEQ_CST))
			continue; /* t is the newer head now */
		push_retired(s, old, old);
		t = n;
	}
}

/*
 * Migrate chunk @c of @t into @t's successor: close its groups, then copy
 * their keys through the probe pipeline MOVE_ROWS at a time (one by one,
 * every copy would wait for its own miss). Return: false when a copy ran
 * out of memory: the chunk then stays undone, which only keeps @t on the
 * chain (4).
 */
#define MOVE_ROWS 256

typedef struct move_buf {
	uint32_t col[6][MOVE_ROWS];
	uint64_t offset[MOVE_ROWS];
	uint64_t fp[MOVE_ROWS];
	uint8_t is_new[MOVE_ROWS];
	size_t n;
} move_buf;

static bool
move_flush(tallyi_keyset *s, tallyi_keytab *to, move_buf *mb, ctx *cx)
{
	tallyk_keycols kc = { mb->col[0], mb->col[1], mb->col[2], mb->col[3],
		mb->col[4], mb->col[5], mb->offset };
	uint64_t added = 0;
	size_t n = mb->n;

	mb->n = 0;
	tallyk_kernels()->fingerprint(&kc, n, mb->fp);
	return insert_rows(s, to, &kc, mb->fp, n, mb->is_new, cx, false,
	    &added) == TALLY_OK;
}

static bool
migrate_chunk(tallyi_keyset *s, tallyi_keytab *t, size_t c, ctx *cx)
{
	tallyi_keytab *to = tallyi_load_ptr(&t->next, TALLY_ACQUIRE);
	size_t end = (c + 1) * CHUNK;
	uint64_t d;
	move_buf mb;

	mb.n = 0;
	for (size_t g = c * CHUNK; g < end && g < t->groups; g++) {
		tallyi_atomic_u64 *cw = &t->ctrl[2 * g];
		unsigned spins = 0;

		close_word(&cw[0]);
		close_word(&cw[1]);
		for (unsigned i = 0; i < TALLYI_GROUP; i++) {
			const tallyi_key *k = &t->slot[g * TALLYI_GROUP + i];
			unsigned b;

			/* BUSY is 10xxxxxx: wait for the key (1) */
			while (((b = (unsigned)(tallyi_load_u64(&cw[i >> 3],
			    TALLY_ACQUIRE) >> 8 * (i & 7)) & 0xff) & 0xc0) ==
			    0x80)
				busy_wait(&spins);
			if (b >= 0x80)
				continue;
			mb.col[0][mb.n] = k->tool;
			mb.col[1][mb.n] = k->rule;
			mb.col[2][mb.n] = k->file;
			mb.col[3][mb.n] = k->message;
			mb.col[4][mb.n] = k->line;
			mb.col[5][mb.n] = k->column;
			mb.offset[mb.n++] = k->offset;
			if (mb.n == MOVE_ROWS && !move_flush(s, to, &mb, cx))
				return false;
		}
	}
	if (mb.n != 0 && !move_flush(s, to, &mb, cx))
		return false;
	d = tallyi_fetch_add_u64(&t->done, 1, TALLY_ACQ_REL) + 1;
	/* Invariant 5: each chunk is done once. */
	TALLY_ASSERT(d <= t->chunks);
	if (d == t->chunks) {
		tallyi_store_int(&t->moved, 1, TALLY_RELEASE);
		advance(s);
	}
	return true;
}

/* Migrate every chunk not yet taken, of every table that has a successor. */
static void
help(tallyi_keyset *s)
{
	ctx cx = { NULL, 0, false };
	tallyi_keytab *t = tallyi_load_ptr(&s->cur, TALLY_ACQUIRE), *n;

	for (; (n = tallyi_load_ptr(&t->next, TALLY_ACQUIRE)) != NULL; t = n) {
		uint64_t c;

		while ((c = tallyi_fetch_add_u64(&t->claim, 1,
		    TALLY_RELAXED)) < t->chunks) {
			if (!migrate_chunk(s, t, (size_t)c, &cx))
				break;
		}
	}
	ctx_flush(s, &cx);
}

static tallyi_keytab *
enter(tallyi_keyset *s)
{
	tallyi_fetch_add_u64(&s->active, 1, TALLY_SEQ_CST);
	return tallyi_load_ptr(&s->cur, TALLY_SEQ_CST);
}

static void
leave(tallyi_keyset *s)
{
	tallyi_keytab *r = NULL, *tail;
	uint64_t was;

	if (tallyi_load_ptr(&s->retired, TALLY_RELAXED) != NULL)
		r = tallyi_exchange_ptr(&s->retired, NULL, TALLY_SEQ_CST);
	was = tallyi_fetch_sub_u64(&s->active, 1, TALLY_SEQ_CST);
	TALLY_ASSERT(was >= 1); /* invariant 5: every leave had its enter */
	if (was == 1) {
		/* Last one in: nobody can still hold what was retired (5). */
		for (tallyi_keytab *n; r != NULL; r = n) {
			n = r->retired_next;
			tab_free(s->mem, r);
		}
		return;
	}
	if (r == NULL)
		return;
	for (tail = r; tail->retired_next != NULL; tail = tail->retired_next)
		;
	push_retired(s, r, tail);
}

static inline bool
needs_help(tallyi_keytab *t)
{
	return tallyi_load_ptr(&t->next, TALLY_RELAXED) != NULL;
}


int
tallyi_keyset_insert_bulk(tallyi_keyset *s, const tallyk_keycols *c,
    const uint64_t *fp, size_t n, uint8_t *is_new)
{
	ctx cx = { NULL, 0, false };
	tallyi_keytab *t = enter(s);
	uint64_t added = 0;
	int rc;

	if (needs_help(t)) {
		help(s);
		t = tallyi_load_ptr(&s->cur, TALLY_ACQUIRE);
	}
	rc = insert_rows(s, t, c, fp, n, is_new, &cx, true, &added);
	ctx_flush(s, &cx);
	if (cx.grew)
		help(s);
	leave(s);
	if (added != 0)
		tallyi_fetch_add_u64(&s->count, added, TALLY_RELAXED);
	return rc;
}

/* One key: the bulk path with one row. */
int
tallyi_keyset_insert(tallyi_keyset *s, uint64_t fp, const tallyi_key *k,
    bool *new)
{
	tallyk_keycols c = key_cols(k);
	uint8_t is_new;
	int rc = tallyi_keyset_insert_bulk(s, &c, &fp, 1, &is_new);

	if (rc == TALLY_OK)
		*new = is_new != 0;
	return rc;
}

void
tallyi_keyset_reclaim(tallyi_keyset *s)
{
	(void)enter(s);
	leave(s);
}

uint64_t
tallyi_keyset_count(tallyi_keyset *s)
{
	return tallyi_load_u64(&s->count, TALLY_RELAXED);
}

size_t
tallyi_keyset_capacity(tallyi_keyset *s)
{
	tallyi_keytab *t = tallyi_load_ptr(&s->cur, TALLY_ACQUIRE), *n;

	while ((n = tallyi_load_ptr(&t->next, TALLY_ACQUIRE)) != NULL)
		t = n;
	return t->groups * TALLYI_GROUP;
}
