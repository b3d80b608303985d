/*
 * engine/cache.c - the three cache levels chained (tally/cache.h):
 * a lookup tries the calling thread's L1, then the shared L2, then the
 * directory (L3, when configured); a hit below copies the entry up into
 * the levels above it. A store writes through every level (L1 only takes
 * values up to its entry size).
 *
 * Each thread gets its own L1 on its first call, found through a pthread
 * key; the cache keeps every L1 it made in a list (under a mutex, touched
 * only when a thread first comes) and frees them at destroy. A thread
 * that exits frees its L1 then.
 */
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/cc.h"
#include "engine/toolkit.h"
#include "tally/cache.h"

typedef struct l1_node {
	tally_cache_l1 *l1;
	struct l1_node *next;
	struct tally_cache *owner;
	/* Counted by the owning thread only; read by stats. */
	tallyi_atomic_u64 hit[3], miss;
} l1_node;

struct tally_cache {
	tallyi_mem mem;
	tally_cache_config cfg;
	tally_cache_mem *l2;
	tally_cache_disk *l3;
	pthread_key_t key;
	pthread_mutex_t lock;
	l1_node *nodes;
};

static void
node_exit(void *arg)
{
	l1_node *n = arg;
	tally_cache *c = n->owner;

	pthread_mutex_lock(&c->lock);
	tally_cache_l1_destroy(n->l1);
	n->l1 = NULL; /* the node stays, for its counts */
	pthread_mutex_unlock(&c->lock);
}

static l1_node *
node_get(tally_cache *c)
{
	l1_node *n = pthread_getspecific(c->key);

	if (n != NULL)
		return n;
	n = tallyi_zalloc(&c->mem, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->owner = c;
	if (tally_cache_l1_create(c->cfg.l1_entries, c->cfg.l1_max_value,
	    &c->mem.a, &n->l1) != TALLY_OK ||
	    pthread_setspecific(c->key, n) != 0) {
		tally_cache_l1_destroy(n->l1);
		tallyi_free(&c->mem, n, sizeof(*n));
		return NULL;
	}
	pthread_mutex_lock(&c->lock);
	n->next = c->nodes;
	c->nodes = n;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static void
bump(tallyi_atomic_u64 *x)
{
	tallyi_store_u64(x, tallyi_load_u64(x, TALLY_RELAXED) + 1,
	    TALLY_RELAXED);
}

int
tally_cache_get(tally_cache *c, tally_cache_key key, void *buf,
    size_t cap, size_t *len)
{
	l1_node *n;
	int rc;

	if (c == NULL || len == NULL || (buf == NULL && cap != 0))
		return TALLY_EINVAL;
	if ((n = node_get(c)) == NULL)
		return TALLY_ENOMEM;
	if ((rc = tally_cache_l1_get(n->l1, key, buf, cap, len)) !=
	    TALLY_ENOTFOUND) {
		if (rc == TALLY_OK)
			bump(&n->hit[0]);
		return rc;
	}
	if ((rc = tally_cache_mem_get(c->l2, key, buf, cap, len)) ==
	    TALLY_OK) {
		(void)tally_cache_l1_put(n->l1, key, buf, *len);
		bump(&n->hit[1]);
		return rc;
	}
	if (rc == TALLY_ERANGE)
		return rc;
	if (c->l3 != NULL && (rc = tally_cache_disk_get(c->l3, key, buf, cap,
	    len)) != TALLY_ENOTFOUND) {
		if (rc == TALLY_OK) {
			(void)tally_cache_mem_put(c->l2, key, buf, *len);
			(void)tally_cache_l1_put(n->l1, key, buf, *len);
			bump(&n->hit[2]);
		}
		return rc;
	}
	bump(&n->miss);
	return TALLY_ENOTFOUND;
}

int
tally_cache_put(tally_cache *c, tally_cache_key key, const void *val,
    size_t len)
{
	l1_node *n;
	int rc;

	if (c == NULL || (val == NULL && len != 0))
		return TALLY_EINVAL;
	if ((n = node_get(c)) == NULL)
		return TALLY_ENOMEM;
	/* Too big for a level: an older copy there must not be served. */
	if (tally_cache_l1_put(n->l1, key, val, len) != TALLY_OK)
		tally_cache_l1_remove(n->l1, key);
	rc = tally_cache_mem_put(c->l2, key, val, len);
	if (rc == TALLY_ERANGE) {
		tally_cache_mem_remove(c->l2, key);
		rc = TALLY_OK; /* larger than a shard holds: L3 only */
	}
	if (rc == TALLY_OK && c->l3 != NULL)
		rc = tally_cache_disk_put(c->l3, key, val, len);
	return rc;
}

int
tally_cache_create(const tally_cache_config *cfg,
    const tally_allocator *alloc, tally_cache **out, tally_error *err)
{
	tally_cache_config def = TALLY_CACHE_CONFIG_INIT;
	tally_cache_mem_config mc = TALLY_CACHE_MEM_CONFIG_INIT;
	tally_cache *c;
	int rc;

	tallyi_error_clear(err);
	if (cfg == NULL)
		cfg = &def;
	/* Callers compiled before 0.4.0 know no disk_dir_mode. */
	if (out == NULL || cfg->struct_size <
	    offsetof(tally_cache_config, disk_dir_mode) ||
	    cfg->l1_entries == 0)
		return tallyi_error_set(err, TALLY_EINVAL, UINT64_MAX,
		    "invalid argument");
	if ((c = tallyi_owner_new(alloc, sizeof(*c), &rc)) == NULL)
		return tallyi_error_set(err, rc, UINT64_MAX, "%s",
		    tally_strerror(rc));
	/* What the caller's struct holds, the defaults for the rest. */
	c->cfg = def;
	memcpy(&c->cfg, cfg, cfg->struct_size < sizeof(*cfg) ?
	    cfg->struct_size : sizeof(*cfg));
	c->cfg.struct_size = sizeof(c->cfg);
	c->cfg.dir = NULL; /* not kept */
	pthread_mutex_init(&c->lock, NULL);
	if (pthread_key_create(&c->key, node_exit) != 0) {
		pthread_mutex_destroy(&c->lock);
		tallyi_owner_free(c, sizeof(*c));
		return tallyi_error_set(err, TALLY_ENOMEM, UINT64_MAX,
		    "out of memory");
	}
	mc.max_bytes = cfg->l2_bytes;
	mc.shards = cfg->l2_shards;
	rc = tally_cache_mem_create(&mc, alloc, &c->l2);
	if (rc == TALLY_OK && cfg->dir != NULL) {
		tally_cache_disk_config dc = TALLY_CACHE_DISK_CONFIG_INIT;

		dc.dir = cfg->dir;
		dc.max_bytes = cfg->disk_bytes;
		dc.dir_mode = c->cfg.disk_dir_mode;
		dc.flags = c->cfg.disk_flags;
		rc = tally_cache_disk_create(&dc, alloc, &c->l3, err);
	} else if (rc != TALLY_OK) {
		(void)tallyi_error_set(err, rc, UINT64_MAX, "%s",
		    tally_strerror(rc));
	}
	if (rc != TALLY_OK) {
		tally_cache_destroy(c);
		return rc;
	}
	*out = c;
	return TALLY_OK;
}

void
tally_cache_destroy(tally_cache *c)
{
	tallyi_mem mem;

	if (c == NULL)
		return;
	mem = c->mem;
	pthread_key_delete(c->key);
	while (c->nodes != NULL) {
		l1_node *n = c->nodes;

		c->nodes = n->next;
		tally_cache_l1_destroy(n->l1);
		tallyi_free(&mem, n, sizeof(*n));
	}
	tally_cache_mem_destroy(c->l2);
	tally_cache_disk_destroy(c->l3);
	pthread_mutex_destroy(&c->lock);
	tallyi_owner_free(c, sizeof(*c));
}

tally_cache_disk *
tally_cache_level_disk(tally_cache *c)
{
	return c->l3;
}

void
tally_cache_stats_get(tally_cache *c, tally_cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->lock);
	for (l1_node *n = c->nodes; n != NULL; n = n->next) {
		out->l1_hits += tallyi_load_u64(&n->hit[0], TALLY_RELAXED);
		out->l2_hits += tallyi_load_u64(&n->hit[1], TALLY_RELAXED);
		out->l3_hits += tallyi_load_u64(&n->hit[2], TALLY_RELAXED);
		out->misses += tallyi_load_u64(&n->miss, TALLY_RELAXED);
	}
	pthread_mutex_unlock(&c->lock);
}
