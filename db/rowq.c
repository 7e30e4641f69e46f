/* rowq: the bounded byte queue between the store and its writer (rowq.h). */
#include "db/rowq.h"

#include <pthread.h>
#include <stdlib.h>

#include "common/xalloc.h"

struct rowq {
	pthread_mutex_t lock;
	pthread_cond_t ready; /* the consumer waits for chunks */
	pthread_cond_t room;  /* the producer waits for budget */
	size_t chunk_size, max_bytes;
	/* under lock */
	struct rowq_chunk *head, *tail; /* published, not taken */
	struct rowq_chunk *spare;       /* standard chunks given back, for reuse */
	size_t bytes, peak;             /* in use: open + published + taken */
	bool closed;
	/* producer only */
	struct rowq_chunk *open;
};

static size_t rowq_round(size_t n)
{
	return (n + ROWQ_ALIGN - 1) & ~(size_t)(ROWQ_ALIGN - 1);
}

struct rowq *rowq_new(size_t chunk_size, size_t max_bytes)
{
	struct rowq *q = xcalloc(1, sizeof *q);

	q->chunk_size = rowq_round(chunk_size < 4096 ? 4096 : chunk_size);
	q->max_bytes = max_bytes < q->chunk_size ? q->chunk_size : max_bytes;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->ready, NULL);
	pthread_cond_init(&q->room, NULL);
	return q;
}

static void rowq_free_list(struct rowq_chunk *c)
{
	while (c) {
		struct rowq_chunk *next = c->next;
		free(c);
		c = next;
	}
}

void rowq_free(struct rowq *q)
{
	if (!q)
		return;
	rowq_free_list(q->head);
	rowq_free_list(q->spare);
	free(q->open);
	pthread_cond_destroy(&q->room);
	pthread_cond_destroy(&q->ready);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

/* Under lock: appends c to the published list. */
static void rowq_push_locked(struct rowq *q, struct rowq_chunk *c)
{
	c->next = NULL;
	if (q->tail)
		q->tail->next = c;
	else
		q->head = c;
	q->tail = c;
	pthread_cond_signal(&q->ready);
}

void rowq_publish(struct rowq *q)
{
	if (!q->open || q->open->used == 0)
		return;
	pthread_mutex_lock(&q->lock);
	rowq_push_locked(q, q->open);
	pthread_mutex_unlock(&q->lock);
	q->open = NULL;
}

/* A new open chunk of at least n bytes, within the budget (waits for it). */
/* NULL only when !wait and the budget is spent. */
static struct rowq_chunk *rowq_get_chunk(struct rowq *q, size_t n, bool wait)
{
	size_t cap = n > q->chunk_size ? n : q->chunk_size;
	struct rowq_chunk *c = NULL;

	pthread_mutex_lock(&q->lock);
	/* An outsize record goes alone once the queue is empty, whatever the budget. */
	while (q->bytes + cap > q->max_bytes && q->bytes != 0) {
		if (!wait) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		pthread_cond_wait(&q->room, &q->lock);
	}
	if (cap == q->chunk_size && q->spare) {
		c = q->spare;
		q->spare = c->next;
	}
	q->bytes += cap;
	if (q->bytes > q->peak)
		q->peak = q->bytes;
	pthread_mutex_unlock(&q->lock);
	if (!c) {
		c = xmalloc(sizeof *c + cap);
		c->cap = cap;
	}
	c->next = NULL;
	c->used = 0;
	return c;
}

static void *rowq_alloc_wait(struct rowq *q, size_t n, bool wait)
{
	n = rowq_round(n);
	if (q->open && q->open->cap - q->open->used < n)
		rowq_publish(q);
	if (!q->open)
		q->open = rowq_get_chunk(q, n, wait);
	if (!q->open)
		return NULL;
	void *p = q->open->data + q->open->used;
	q->open->used += n;
	return p;
}

void *rowq_alloc(struct rowq *q, size_t n)
{
	return rowq_alloc_wait(q, n, true);
}

void *rowq_try_alloc(struct rowq *q, size_t n)
{
	return rowq_alloc_wait(q, n, false);
}

struct rowq_chunk *rowq_take(struct rowq *q)
{
	pthread_mutex_lock(&q->lock);
	while (!q->head && !q->closed)
		pthread_cond_wait(&q->ready, &q->lock);
	struct rowq_chunk *c = q->head;
	q->head = q->tail = NULL;
	pthread_mutex_unlock(&q->lock);
	return c;
}

void rowq_release(struct rowq *q, struct rowq_chunk *c)
{
	pthread_mutex_lock(&q->lock);
	q->bytes -= c->cap;
	/* Kept: in use + spare never exceeds the budget, and reusing a chunk
	 * spares the page faults of a fresh one. */
	if (c->cap == q->chunk_size) {
		c->next = q->spare;
		q->spare = c;
		c = NULL;
	}
	pthread_cond_signal(&q->room);
	pthread_mutex_unlock(&q->lock);
	free(c);
}

void rowq_close(struct rowq *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->ready);
	pthread_mutex_unlock(&q->lock);
}

size_t rowq_bytes(struct rowq *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = q->bytes;
	pthread_mutex_unlock(&q->lock);
	return n;
}

size_t rowq_peak_bytes(struct rowq *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = q->peak;
	pthread_mutex_unlock(&q->lock);
	return n;
}
