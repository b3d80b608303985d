/*
 * engine/strtab.c - interned strings of one kind.
 *
 * The hash index is open addressing with linear probing over 64-bit slots
 * holding (hash32 << 32 | id + 1). It is only touched under the mutex and
 * grows at half load, so a probe visits few slots; a slot hit is confirmed
 * by length and bytes. The index is the only structure that is ever
 * reallocated, and readers never see it.
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

int
tallyi_strtab_init(tallyi_strtab *t, const tallyi_mem *mem)
{
	memset(t, 0, sizeof(*t));
	t->mem = mem;
	t->nslots = 1024;
	t->slots = tallyi_zalloc(mem, t->nslots * sizeof(uint64_t));
	if (t->slots == NULL)
		return TALLY_ENOMEM;
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		tallyi_free(mem, t->slots, t->nslots * sizeof(uint64_t));
		return TALLY_ENOMEM;
	}
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
	tallyi_free(t->mem, t->slots, t->nslots * sizeof(uint64_t));
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

static int
grow_index(tallyi_strtab *t)
{
	size_t n = t->nslots * 2, mask = n - 1;
	uint64_t *slots = tallyi_zalloc(t->mem, n * sizeof(uint64_t));

	if (slots == NULL)
		return TALLY_ENOMEM;
	for (size_t i = 0; i < t->nslots; i++) {
		uint64_t v = t->slots[i];
		size_t j;

		if (v == 0)
			continue;
		/*
		 * Only 32 hash bits are kept; they spread well over any index
		 * size up to 2^32 slots, which the id space never exceeds.
		 */
		for (j = (size_t)(v >> 32) & mask; slots[j] != 0;
		    j = (j + 1) & mask)
			;
		slots[j] = v;
	}
	tallyi_free(t->mem, t->slots, t->nslots * sizeof(uint64_t));
	t->slots = slots;
	t->nslots = n;
	return TALLY_OK;
}

int
tallyi_strtab_intern(tallyi_strtab *t, const char *s, size_t len, uint32_t *id)
{
	uint32_t h = (uint32_t)tallyi_strhash(s, len);
	size_t mask, i;
	uint32_t n;
	int rc = TALLY_OK;

	if (len >= UINT32_MAX)
		return TALLY_ERANGE;
	pthread_mutex_lock(&t->lock);
	mask = t->nslots - 1;
	for (i = h & mask; t->slots[i] != 0; i = (i + 1) & mask) {
		uint64_t v = t->slots[i];
		const tallyi_strent *e;

		if ((uint32_t)(v >> 32) != h)
			continue;
		e = tallyi_strtab_entry(t, (uint32_t)v - 1);
		if (e->len == len && memcmp(e->p, s, len) == 0) {
			*id = (uint32_t)v - 1;
			goto out;
		}
	}

	/* New string: i is the empty slot that ended the probe. */
	n = tallyi_load_u32(&t->count, TALLY_RELAXED);
	if (n >= TALLYI_STRTAB_MAX) {
		rc = TALLY_ERANGE;
		goto out;
	}
	{
		uint64_t x = (uint64_t)n / TALLYI_STRTAB_SEG0 + 1;
		unsigned k = 63u - (unsigned)__builtin_clzll(x);
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
	t->slots[i] = ((uint64_t)h << 32) | ((uint64_t)n + 1);
	/* Release: the entry above happens-before any reader that sees n. */
	tallyi_store_u32(&t->count, n + 1, TALLY_RELEASE);
	*id = n;
	if ((size_t)(n + 1) * 2 > t->nslots)
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
