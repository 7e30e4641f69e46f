/* queue: bounded single-producer single-consumer queue of pointers.
 *
 * The capture thread pushes owned packet records, the analyzer thread pops them.
 * Live capture uses queue_try_push (full = drop and count, never block); reading
 * a file uses queue_push, which waits, so offline results never depend on timing.
 * Indices are C11 atomics; a mutex and condition variable are touched only when
 * one side has to sleep. */
#ifndef SIPWATCH_QUEUE_H
#define SIPWATCH_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

struct queue;

/* capacity is rounded up to a power of two. */
struct queue *queue_new(size_t capacity);
void queue_free(struct queue *q);

/* Never blocks: false when full (the caller drops and counts). */
bool queue_try_push(struct queue *q, void *item);
/* Waits while full; false only if the queue was closed. */
bool queue_push(struct queue *q, void *item);

/* Waits up to timeout_ms (-1 = forever) for an item.  Returns the item, or NULL
 * on timeout or when the queue is closed and empty (see queue_is_drained). */
void *queue_pop(struct queue *q, int timeout_ms);

/* Producer side: no more items will come.  Wakes a waiting consumer. */
void queue_close(struct queue *q);
/* Consumer side: stop accepting items (a producer waiting in queue_push returns false). */
void queue_cancel(struct queue *q);
bool queue_is_drained(struct queue *q);
size_t queue_length(struct queue *q);

#endif
