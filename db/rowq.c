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
	bool open_over; /* the open chunk lies past the budget (rowq_alloc_reserve's) */
};

enum rowq_mode {
	ROWQ_WAIT,    /* within the budget, waiting for it */
	ROWQ_TRY,     /* within the budget, or NULL */
	ROWQ_RESERVE, /* up to twice the budget, waiting past that */
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

/* A new open chunk of at least n bytes, within the mode's limit (waiting
 * for it); NULL only for ROWQ_TRY when the budget is spent. */
static struct rowq_chunk *rowq_get_chunk(struct rowq *q, size_t n, enum rowq_mode mode)
{
	size_t cap = n > q->chunk_size ? n : q->chunk_size;
	size_t limit = mode == ROWQ_RESERVE ? 2 * q->max_bytes : q->max_bytes;
	struct rowq_chunk *c = NULL;

	pthread_mutex_lock(&q->lock);
	/* An outsize record goes alone once the queue is empty, whatever the budget. */
	while (q->bytes + cap > limit && q->bytes != 0) {
		if (mode == ROWQ_TRY) {
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
	q->open_over = q->bytes > q->max_bytes;
	pthread_mutex_unlock(&q->lock);
	if (!c) {
		c = xmalloc(sizeof *c + cap);
		c->cap = cap;
	}
	c->next = NULL;
	c->used = 0;
	return c;
}

/* Whether a chunk for n bytes fits the budget now (next to the open one). */
static bool rowq_has_room(struct rowq *q, size_t n)
{
	size_t cap = n > q->chunk_size ? n : q->chunk_size;

	pthread_mutex_lock(&q->lock);
	bool room = q->bytes + cap <= q->max_bytes;
	pthread_mutex_unlock(&q->lock);
	return room;
}

static void *rowq_alloc_mode(struct rowq *q, size_t n, enum rowq_mode mode)
{
	n = rowq_round(n);
	/* The reserve past the budget is for the records that may not be
	 * skipped: a skippable one never lands in it, but once the writer has
	 * given back enough, the reserve's chunk is handed over and a chunk
	 * within the budget opened. */
	if (mode == ROWQ_TRY && q->open && q->open_over) {
		if (!rowq_has_room(q, n))
			return NULL;
		rowq_publish(q);
	}
	if (q->open && q->open->cap - q->open->used < n)
		rowq_publish(q);
	if (!q->open)
		q->open = rowq_get_chunk(q, n, mode);
	if (!q->open)
		return NULL;
	void *p = q->open->data + q->open->used;
	q->open->used += n;
	return p;
}

void *rowq_alloc(struct rowq *q, size_t n)
{
	return rowq_alloc_mode(q, n, ROWQ_WAIT);
}

void *rowq_try_alloc(struct rowq *q, size_t n)
{
	return rowq_alloc_mode(q, n, ROWQ_TRY);
}

void *rowq_alloc_reserve(struct rowq *q, size_t n)
{
	return rowq_alloc_mode(q, n, ROWQ_RESERVE);
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
