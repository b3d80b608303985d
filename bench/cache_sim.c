/*
 * bench/cache_sim.c - the policies of bench/cache_sim.h, plainly: a node
 * pool, doubly linked queues (head: newest, tail: oldest) and a
 * linear-probing index with backward-shift deletion.
 *
 *   LRU:     a hit moves to the head; a miss evicts the tail.
 *   SIEVE:   (Zhang et al., NSDI 2024) a hit sets the node's bit; a miss
 *            moves a hand from where it stopped toward the head, clearing
 *            set bits, and evicts the first node whose bit is clear.
 *   S3-FIFO: (Yang et al., SOSP 2023) with one bit: a small FIFO (10% of
 *            the room) takes new keys, a main FIFO the rest, and a ghost
 *            FIFO remembers as many keys as the main holds. A hit sets the
 *            bit. Evicting from small: a set bit promotes to main, else
 *            the key goes to the ghost. Evicting from main: a set bit is
 *            cleared and the node reinserted, else it goes. A miss whose
 *            key is in the ghost enters main directly.
 */
#include "bench/cache_sim.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

typedef struct node {
	uint64_t key;
	uint32_t prev, next; /* prev: toward the head (newer) */
	uint8_t bit, q;
} node;

typedef struct queue {
	uint32_t head, tail;
	size_t n;
} queue;

typedef struct index_ {
	uint32_t *slot; /* node + 1, 0 empty */
	size_t mask;
	const node *nodes;
} index_;

typedef struct sim {
	node *nodes;
	uint32_t *free_list;
	size_t nfree;
	index_ ix;
} sim;

static uint64_t
mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

static void
ix_init(index_ *x, size_t cap, const node *nodes)
{
	size_t n = 16;

	while (n < cap * 2)
		n *= 2;
	x->slot = calloc(n, sizeof(uint32_t));
	x->mask = n - 1;
	x->nodes = nodes;
}

static uint32_t
ix_find(const index_ *x, uint64_t key)
{
	for (size_t i = mix(key) & x->mask; x->slot[i] != 0;
	    i = (i + 1) & x->mask)
		if (x->nodes[x->slot[i] - 1].key == key)
			return x->slot[i] - 1;
	return NIL;
}

static void
ix_add(index_ *x, uint64_t key, uint32_t nd)
{
	size_t i;

	for (i = mix(key) & x->mask; x->slot[i] != 0; i = (i + 1) & x->mask)
		;
	x->slot[i] = nd + 1;
}

/* Backward-shift deletion: no tombstones, probes stay short. */
static void
ix_del(index_ *x, uint64_t key)
{
	size_t i, j;

	for (i = mix(key) & x->mask; x->slot[i] != 0; i = (i + 1) & x->mask)
		if (x->nodes[x->slot[i] - 1].key == key)
			break;
	if (x->slot[i] == 0)
		return;
	for (j = (i + 1) & x->mask; x->slot[j] != 0; j = (j + 1) & x->mask) {
		size_t home = mix(x->nodes[x->slot[j] - 1].key) & x->mask;

		/* move j back to i when i lies in [home, j) cyclically */
		if (((j - home) & x->mask) >= ((j - i) & x->mask)) {
			x->slot[i] = x->slot[j];
			i = j;
		}
	}
	x->slot[i] = 0;
}

static void
q_push(node *nodes, queue *q, uint32_t nd)
{
	nodes[nd].prev = NIL;
	nodes[nd].next = q->head;
	if (q->head != NIL)
		nodes[q->head].prev = nd;
	q->head = nd;
	if (q->tail == NIL)
		q->tail = nd;
	q->n++;
}

static void
q_unlink(node *nodes, queue *q, uint32_t nd)
{
	node *x = &nodes[nd];

	if (x->prev != NIL)
		nodes[x->prev].next = x->next;
	else
		q->head = x->next;
	if (x->next != NIL)
		nodes[x->next].prev = x->prev;
	else
		q->tail = x->prev;
	q->n--;
}

static uint32_t
node_new(sim *s, uint64_t key)
{
	uint32_t nd = s->free_list[--s->nfree];

	s->nodes[nd].key = key;
	s->nodes[nd].bit = 0;
	return nd;
}

static void
node_free(sim *s, uint32_t nd)
{
	ix_del(&s->ix, s->nodes[nd].key);
	s->free_list[s->nfree++] = nd;
}

static void
sim_init(sim *s, size_t nodes)
{
	s->nodes = calloc(nodes, sizeof(node));
	s->free_list = malloc(nodes * sizeof(uint32_t));
	for (size_t i = 0; i < nodes; i++)
		s->free_list[i] = (uint32_t)(nodes - 1 - i);
	s->nfree = nodes;
	ix_init(&s->ix, nodes, s->nodes);
}

static void
sim_fini(sim *s)
{
	free(s->nodes);
	free(s->free_list);
	free(s->ix.slot);
}

static uint64_t
run_lru(size_t cap, const uint64_t *t, size_t n)
{
	sim s;
	queue q = { NIL, NIL, 0 };
	uint64_t miss = 0;

	sim_init(&s, cap);
	for (size_t i = 0; i < n; i++) {
		uint32_t nd = ix_find(&s.ix, t[i]);

		if (nd != NIL) {
			q_unlink(s.nodes, &q, nd);
			q_push(s.nodes, &q, nd);
			continue;
		}
		miss++;
		if (q.n == cap) {
			uint32_t v = q.tail;

			q_unlink(s.nodes, &q, v);
			node_free(&s, v);
		}
		nd = node_new(&s, t[i]);
		ix_add(&s.ix, t[i], nd);
		q_push(s.nodes, &q, nd);
	}
	sim_fini(&s);
	return miss;
}

static uint64_t
run_sieve(size_t cap, const uint64_t *t, size_t n)
{
	sim s;
	queue q = { NIL, NIL, 0 };
	uint32_t hand = NIL;
	uint64_t miss = 0;

	sim_init(&s, cap);
	for (size_t i = 0; i < n; i++) {
		uint32_t nd = ix_find(&s.ix, t[i]);

		if (nd != NIL) {
			s.nodes[nd].bit = 1;
			continue;
		}
		miss++;
		if (q.n == cap) {
			uint32_t v = hand != NIL ? hand : q.tail;

			while (s.nodes[v].bit) {
				s.nodes[v].bit = 0;
				v = s.nodes[v].prev != NIL ? s.nodes[v].prev :
				    q.tail;
			}
			hand = s.nodes[v].prev;
			q_unlink(s.nodes, &q, v);
			node_free(&s, v);
		}
		nd = node_new(&s, t[i]);
		ix_add(&s.ix, t[i], nd);
		q_push(s.nodes, &q, nd);
	}
	sim_fini(&s);
	return miss;
}

typedef struct s3 {
	sim s;           /* small and main nodes */
	sim g;           /* ghost keys */
	queue small, main, ghost;
	size_t cap, cap_small, cap_ghost;
} s3;

static void
ghost_add(s3 *c, uint64_t key)
{
	uint32_t nd;

	if (c->cap_ghost == 0)
		return;
	if (c->ghost.n == c->cap_ghost) {
		uint32_t v = c->ghost.tail;

		q_unlink(c->g.nodes, &c->ghost, v);
		node_free(&c->g, v);
	}
	nd = node_new(&c->g, key);
	ix_add(&c->g.ix, key, nd);
	q_push(c->g.nodes, &c->ghost, nd);
}

static void
evict_main(s3 *c)
{
	for (;;) {
		uint32_t v = c->main.tail;

		q_unlink(c->s.nodes, &c->main, v);
		if (c->s.nodes[v].bit) {
			c->s.nodes[v].bit = 0;
			q_push(c->s.nodes, &c->main, v);
			continue;
		}
		node_free(&c->s, v);
		return;
	}
}

static void
evict_small(s3 *c)
{
	uint32_t v = c->small.tail;

	q_unlink(c->s.nodes, &c->small, v);
	if (c->s.nodes[v].bit) {
		c->s.nodes[v].bit = 0;
		c->s.nodes[v].q = 1;
		q_push(c->s.nodes, &c->main, v);
		return;
	}
	ghost_add(c, c->s.nodes[v].key);
	node_free(&c->s, v);
}

static uint64_t
run_s3fifo(size_t cap, const uint64_t *t, size_t n)
{
	s3 c;
	uint64_t miss = 0;

	memset(&c, 0, sizeof(c));
	c.cap = cap;
	c.cap_small = cap / 10 ? cap / 10 : 1;
	c.cap_ghost = cap - c.cap_small;
	c.small = c.main = c.ghost = (queue){ NIL, NIL, 0 };
	sim_init(&c.s, cap + 1);
	sim_init(&c.g, c.cap_ghost + 1);
	for (size_t i = 0; i < n; i++) {
		uint32_t nd = ix_find(&c.s.ix, t[i]), gh;
		bool to_main;

		if (nd != NIL) {
			c.s.nodes[nd].bit = 1;
			continue;
		}
		miss++;
		gh = ix_find(&c.g.ix, t[i]);
		to_main = gh != NIL && cap > 1;
		if (gh != NIL) {
			q_unlink(c.g.nodes, &c.ghost, gh);
			node_free(&c.g, gh);
		}
		while (c.small.n + c.main.n >= cap) {
			if (c.small.n >= c.cap_small || c.main.n == 0)
				evict_small(&c);
			else
				evict_main(&c);
		}
		nd = node_new(&c.s, t[i]);
		ix_add(&c.s.ix, t[i], nd);
		c.s.nodes[nd].q = to_main;
		q_push(c.s.nodes, to_main ? &c.main : &c.small, nd);
	}
	sim_fini(&c.s);
	sim_fini(&c.g);
	return miss;
}

uint64_t
sim_misses(enum sim_policy policy, size_t cap, const uint64_t *trace,
    size_t n)
{
	if (cap == 0)
		return n;
	switch (policy) {
	case SIM_LRU: return run_lru(cap, trace, n);
	case SIM_SIEVE: return run_sieve(cap, trace, n);
	case SIM_S3FIFO: return run_s3fifo(cap, trace, n);
	}
	return n;
}
