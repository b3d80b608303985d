/*
 * engine/strtab.c - interned strings of one kind.
 *
 * The hash index is open addressing with linear probing over 64-bit slots
 * holding (hash32 << 32 | id + 1), grown at half load, so a probe visits
 * few slots; a slot hit is confirmed by length and bytes. It is written
 * only under the mutex and read without it:
 *  - a slot is stored (release) after its entry is written, and the count
 *    after the slot; a reader that sees a slot whose id is not below the
 *    count (acquire) treats it as absent and takes the mutex;
 *  - growth builds a new index and publishes it (release); readers still
 *    on the old one may miss the newest strings (then the mutex path finds
 *    them), and the old one is freed only with the table.
 */
#include "engine/strtab.h"

#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#define BLK_SIZE (64u * 1024u)

struct tallyi_strblk {
	tallyi_strblk *next;
	size_t size; /* bytes of the whole block, header included */
	char data[];
};

uint64_t
tallyi_strhash(const char *s, size_t len)
{
	return XXH3_64bits(s, len);
}

static tallyi_stridx *
index_new(const tallyi_mem *mem, size_t n)
{
	tallyi_stridx *x = tallyi_zalloc(mem, sizeof(*x) +
	    n * sizeof(tallyi_atomic_u64));

	if (x != NULL)
		x->n = n;
	return x;
}

static void
index_free(const tallyi_mem *mem, tallyi_stridx *x)
{
	while (x != NULL) {
		tallyi_stridx *older = x->retired;

		tallyi_free(mem, x, sizeof(*x) + x->n *
		    sizeof(tallyi_atomic_u64));
		x = older;
	}
}

int
tallyi_strtab_init(tallyi_strtab *t, const tallyi_mem *mem)
{
	tallyi_stridx *x;

	memset(t, 0, sizeof(*t));
	t->mem = mem;
	if ((x = index_new(mem, 1024)) == NULL)
		return TALLY_ENOMEM;
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		index_free(mem, x);
		return TALLY_ENOMEM;
	}
	tallyi_store_ptr(&t->index, x, TALLY_RELAXED);
	return TALLY_OK;
}

static size_t
seg_entries(unsigned k)
{
	return (size_t)TALLYI_STRTAB_SEG0 << k;
}

void
tallyi_strtab_fini(tallyi_strtab *t)
{
	uint32_t n = tallyi_load_u32(&t->count, TALLY_RELAXED);

	for (uint32_t id = 0; id < n; id++) {
		tallyi_straux *aux = tallyi_load_ptr(
		    &tallyi_strtab_entry(t, id)->aux, TALLY_RELAXED);

		if (aux != NULL)
			tallyi_free(t->mem, aux, sizeof(*aux) + aux->len + 1);
	}
	for (unsigned k = 0; k < TALLYI_STRTAB_SEGS; k++) {
		void *seg = tallyi_load_ptr(&t->seg[k], TALLY_RELAXED);

		tallyi_free(t->mem, seg, seg_entries(k) * sizeof(tallyi_strent));
	}
	while (t->blk != NULL) {
		tallyi_strblk *next = t->blk->next;

		tallyi_free(t->mem, t->blk, t->blk->size);
		t->blk = next;
	}
	index_free(t->mem, tallyi_load_ptr(&t->index, TALLY_RELAXED));
	pthread_mutex_destroy(&t->lock);
}

/* Copy @len bytes plus a NUL into the newest block (or a new one). */
static const char *
store_bytes(tallyi_strtab *t, const char *s, size_t len)
{
	size_t need = len + 1;
	char *dst;

	if (t->blk == NULL || t->blk->size - sizeof(tallyi_strblk) -
	    t->blk_used < need) {
		size_t size = sizeof(tallyi_strblk) + need;
		tallyi_strblk *b;

		if (size < BLK_SIZE)
			size = BLK_SIZE;
		b = tallyi_alloc(t->mem, size);
		if (b == NULL)
			return NULL;
		b->size = size;
		/*
		 * A string bigger than a block gets a block of its own, put
		 * behind the current one so the current one keeps filling.
		 */
		if (need > BLK_SIZE - sizeof(tallyi_strblk) && t->blk != NULL) {
			b->next = t->blk->next;
			t->blk->next = b;
			dst = b->data;
			goto copy;
		}
		b->next = t->blk;
		t->blk = b;
		t->blk_used = 0;
	}
	dst = t->blk->data + t->blk_used;
	t->blk_used += need;
copy:
	memcpy(dst, s, len);
	dst[len] = '\0';
	return dst;
}

/* Under the lock: a twice larger index, published; the old one retired. */
static int
grow_index(tallyi_strtab *t)
{
	tallyi_stridx *old = tallyi_load_ptr(&t->index, TALLY_RELAXED);
	tallyi_stridx *x = index_new(t->mem, old->n * 2);
	size_t mask;

	if (x == NULL)
		return TALLY_ENOMEM;
	mask = x->n - 1;
	for (size_t i = 0; i < old->n; i++) {
		uint64_t v = tallyi_load_u64(&old->slot[i], TALLY_RELAXED);
		size_t j;

		if (v == 0)
			continue;
		/*
		 * Only 32 hash bits are kept; they spread well over any index
		 * size up to 2^32 slots, which the id space never exceeds.
		 */
		for (j = (size_t)(v >> 32) & mask;
		    tallyi_load_u64(&x->slot[j], TALLY_RELAXED) != 0;
		    j = (j + 1) & mask)
			;
		tallyi_store_u64(&x->slot[j], v, TALLY_RELAXED);
	}
	x->retired = old;
	/* Release: the slots above are seen by whoever sees x. */
	tallyi_store_ptr(&t->index, x, TALLY_RELEASE);
	return TALLY_OK;
}

/*
 * Look @s up in index @x. Return its id, or UINT32_MAX with *@empty the
 * slot where the probe ended (where the string would go).
 */
static uint32_t
probe(const tallyi_strtab *t, const tallyi_stridx *x, const char *s,
    size_t len, uint32_t h, size_t *empty)
{
	size_t mask = x->n - 1, i;

	for (i = h & mask;; i = (i + 1) & mask) {
		uint64_t v = tallyi_load_u64(&x->slot[i], TALLY_ACQUIRE);
		const tallyi_strent *e;
		uint32_t id;

		if (v == 0)
			break;
		if ((uint32_t)(v >> 32) != h)
			continue;
		id = (uint32_t)v - 1;
		/* a slot ahead of the count: its entry may not be visible */
		if (id >= tallyi_strtab_count(t))
			continue;
		e = tallyi_strtab_entry(t, id);
		if (e->len == len && memcmp(e->p, s, len) == 0)
			return id;
	}
	*empty = i;
	return UINT32_MAX;
}

int
tallyi_strtab_intern(tallyi_strtab *t, const char *s, size_t len, uint32_t *id)
{
	uint32_t h = (uint32_t)tallyi_strhash(s, len), n, found;
	tallyi_stridx *x;
	size_t i;
	int rc = TALLY_OK;

	if (len >= UINT32_MAX)
		return TALLY_ERANGE;
	/* Lock-free: most interns find their string. */
	found = probe(t, tallyi_load_ptr(&t->index, TALLY_ACQUIRE), s, len,
	    h, &i);
	if (found != UINT32_MAX) {
		*id = found;
		return TALLY_OK;
	}
	pthread_mutex_lock(&t->lock);
	x = tallyi_load_ptr(&t->index, TALLY_RELAXED);
	/* under the lock every slot's id is below the count */
	if ((found = probe(t, x, s, len, h, &i)) != UINT32_MAX) {
		*id = found;
		goto out;
	}

	/* New string: i is the empty slot that ended the probe. */
	n = tallyi_load_u32(&t->count, TALLY_RELAXED);
	if (n >= TALLYI_STRTAB_MAX) {
		rc = TALLY_ERANGE;
		goto out;
	}
	{
		uint64_t xs = (uint64_t)n / TALLYI_STRTAB_SEG0 + 1;
		unsigned k = 63u - (unsigned)__builtin_clzll(xs);
		uint64_t base = (uint64_t)TALLYI_STRTAB_SEG0 *
		    ((UINT64_C(1) << k) - 1);
		tallyi_strent *seg = tallyi_load_ptr(&t->seg[k], TALLY_RELAXED);
		const char *p;

		if (seg == NULL) {
			seg = tallyi_zalloc(t->mem,
			    seg_entries(k) * sizeof(tallyi_strent));
			if (seg == NULL) {
				rc = TALLY_ENOMEM;
				goto out;
			}
			/* Published before any id in it is (see count). */
			tallyi_store_ptr(&t->seg[k], seg, TALLY_RELEASE);
		}
		p = store_bytes(t, s, len);
		if (p == NULL) {
			rc = TALLY_ENOMEM;
			goto out;
		}
		seg[n - base].p = p;
		seg[n - base].len = (uint32_t)len;
		seg[n - base].hash32 = h;
	}
	tallyi_store_u64(&x->slot[i], ((uint64_t)h << 32) | ((uint64_t)n + 1),
	    TALLY_RELEASE);
	/* Release: the entry above happens-before any reader that sees n. */
	tallyi_store_u32(&t->count, n + 1, TALLY_RELEASE);
	*id = n;
	if ((size_t)(n + 1) * 2 > x->n)
		(void)grow_index(t); /* on failure we simply probe longer */
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int
tallyi_strtab_set_aux(tallyi_strtab *t, uint32_t id, const char *s, size_t len)
{
	tallyi_strent *e;
	tallyi_straux *aux;
	int rc = TALLY_OK;

	if (len == 0)
		return TALLY_OK;
	if (len >= UINT32_MAX)
		return TALLY_ERANGE;
	pthread_mutex_lock(&t->lock);
	e = (tallyi_strent *)tallyi_strtab_entry(t, id);
	if (tallyi_load_ptr(&e->aux, TALLY_RELAXED) == NULL) {
		aux = tallyi_alloc(t->mem, sizeof(*aux) + len + 1);
		if (aux == NULL) {
			rc = TALLY_ENOMEM;
		} else {
			aux->len = (uint32_t)len;
			memcpy(aux->s, s, len);
			aux->s[len] = '\0';
			tallyi_store_ptr(&e->aux, aux, TALLY_RELEASE);
		}
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}
