/* queue: bounded SPSC ring; atomics on the fast path, a condvar only to sleep. */
#include "common/queue.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "common/xalloc.h"

struct queue {
	void **slots;
	size_t mask;
	_Atomic size_t head; /* next slot the consumer reads */
	_Atomic size_t tail; /* next slot the producer writes */
	_Atomic bool closed;
	_Atomic bool cancelled;
	_Atomic int sleepers;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

struct queue *queue_new(size_t capacity)
{
	struct queue *q = xcalloc(1, sizeof *q);
	size_t cap = 2;

	while (cap < capacity)
		cap <<= 1;
	q->slots = xcalloc(cap, sizeof *q->slots);
	q->mask = cap - 1;
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	atomic_init(&q->closed, false);
	atomic_init(&q->cancelled, false);
	atomic_init(&q->sleepers, 0);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	return q;
}

void queue_free(struct queue *q)
{
	if (!q)
		return;
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	free(q->slots);
	free(q);
}

static void queue_wake(struct queue *q)
{
	if (atomic_load(&q->sleepers) > 0) {
		pthread_mutex_lock(&q->lock);
		pthread_cond_broadcast(&q->cond);
		pthread_mutex_unlock(&q->lock);
	}
}

/* Sleeps until woken or ms pass; the caller re-checks its condition. */
static void queue_sleep(struct queue *q, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)ms * 1000000L;
	while (ts.tv_nsec >= 1000000000L) {
		ts.tv_nsec -= 1000000000L;
		ts.tv_sec++;
	}
	pthread_mutex_lock(&q->lock);
	atomic_fetch_add(&q->sleepers, 1);
	pthread_cond_timedwait(&q->cond, &q->lock, &ts);
	atomic_fetch_sub(&q->sleepers, 1);
	pthread_mutex_unlock(&q->lock);
}

bool queue_try_push(struct queue *q, void *item)
{
	size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&q->head, memory_order_acquire);

	if (atomic_load(&q->cancelled) || tail - head > q->mask)
		return false;
	q->slots[tail & q->mask] = item;
	atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
	queue_wake(q);
	return true;
}

bool queue_push(struct queue *q, void *item)
{
	while (!queue_try_push(q, item)) {
		if (atomic_load(&q->cancelled))
			return false;
		/* Short sleeps bound the wake-up race without a lock on the fast path. */
		queue_sleep(q, 1);
	}
	return true;
}

static void *queue_take(struct queue *q)
{
	size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);

	if (head == tail)
		return NULL;
	void *item = q->slots[head & q->mask];
	atomic_store_explicit(&q->head, head + 1, memory_order_release);
	queue_wake(q);
	return item;
}

void *queue_pop(struct queue *q, int timeout_ms)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		void *item = queue_take(q);
		if (item)
			return item;
		if (atomic_load(&q->closed)) {
			/* The producer may have pushed between take and the closed check. */
			return queue_take(q);
		}
		if (timeout_ms >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			int64_t el = (int64_t)(now.tv_sec - start.tv_sec) * 1000 +
				     (now.tv_nsec - start.tv_nsec) / 1000000;
			if (el >= timeout_ms)
				return NULL;
		}
		queue_sleep(q, 1);
	}
}

void queue_close(struct queue *q)
{
	atomic_store(&q->closed, true);
	pthread_mutex_lock(&q->lock);
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void queue_cancel(struct queue *q)
{
	atomic_store(&q->cancelled, true);
	pthread_mutex_lock(&q->lock);
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

bool queue_is_drained(struct queue *q)
{
	return atomic_load(&q->closed) && queue_length(q) == 0;
}

size_t queue_length(struct queue *q)
{
	return atomic_load(&q->tail) - atomic_load(&q->head);
}
