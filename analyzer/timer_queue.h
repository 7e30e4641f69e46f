/* timer_queue: a min-heap of due times, so the analyzer fires only what is due.
 *
 * Items embed a struct timer_entry (one per dialog); schedule, reschedule and
 * cancel are O(log n), peeking the earliest is O(1).  The queue never owns the
 * items: whoever frees an item cancels its entry first. */
#ifndef SIPWATCH_TIMER_QUEUE_H
#define SIPWATCH_TIMER_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#define TIMER_INDEX_NONE ((size_t)-1)

struct timer_entry {
	int64_t due;  /* valid while queued */
	size_t index; /* position in the heap, TIMER_INDEX_NONE when not queued */
};

struct timer_queue;

struct timer_queue *timer_queue_new(void);
void timer_queue_free(struct timer_queue *q);

void timer_queue_entry_init(struct timer_entry *e);
/* Queues e at due, or moves it there if already queued.  due = TS_NONE cancels. */
void timer_queue_schedule(struct timer_queue *q, struct timer_entry *e, int64_t due);
void timer_queue_cancel(struct timer_queue *q, struct timer_entry *e);
/* The entry due first, or NULL when empty. */
struct timer_entry *timer_queue_peek(const struct timer_queue *q);

#endif
