/* lru: an intrusive doubly linked list in least-recently-used order.
 *
 * Every table that holds a bounded number of things (dialogs, out-of-dialog
 * entries, TCP streams, IP datagrams waiting for fragments) evicts the one
 * idle longest and sweeps idle ones from the old end.  The thing embeds a
 * struct lru_node; the list links the nodes and never allocates, so pushing,
 * touching and removing are O(1) and cannot fail.  LRU_ENTRY turns a node
 * back into the thing that holds it.
 *
 * The front is the most recently used end, the oldest the other: push_front
 * and touch put a node at the front, lru_oldest and lru_newer walk from the
 * old end (the order eviction and idle sweeps want). */
#ifndef SIPWATCH_LRU_H
#define SIPWATCH_LRU_H

#include <stdbool.h>
#include <stddef.h>

struct lru_node {
	struct lru_node *older, *newer; /* NULL at the ends, and while on no list */
};

struct lru {
	struct lru_node *oldest, *newest;
};

/* The struct of type `type` whose member `member` is the node n; NULL for NULL. */
#define LRU_ENTRY(n, type, member) ((type *)lru_container((n), offsetof(type, member)))

static inline void *lru_container(struct lru_node *n, size_t offset)
{
	return n ? (void *)((char *)n - offset) : NULL;
}

static inline void lru_init(struct lru *l)
{
	l->oldest = l->newest = NULL;
}

static inline bool lru_empty(const struct lru *l)
{
	return l->oldest == NULL;
}

/* Puts n, on no list yet, at the front (the most recently used). */
static inline void lru_push_front(struct lru *l, struct lru_node *n)
{
	n->older = l->newest;
	n->newer = NULL;
	if (l->newest)
		l->newest->newer = n;
	else
		l->oldest = n;
	l->newest = n;
}

/* Takes n, which is on l, off it. */
static inline void lru_remove(struct lru *l, struct lru_node *n)
{
	if (n->older)
		n->older->newer = n->newer;
	else
		l->oldest = n->newer;
	if (n->newer)
		n->newer->older = n->older;
	else
		l->newest = n->older;
	n->older = n->newer = NULL;
}

/* n, which is on l, was used now: it moves to the front. */
static inline void lru_touch(struct lru *l, struct lru_node *n)
{
	if (l->newest == n)
		return;
	lru_remove(l, n);
	lru_push_front(l, n);
}

/* The least recently used node, NULL when the list is empty. */
static inline struct lru_node *lru_oldest(const struct lru *l)
{
	return l->oldest;
}

/* The node used next after n (towards the front), NULL when n is the front. */
static inline struct lru_node *lru_newer(const struct lru_node *n)
{
	return n->newer;
}

#endif
