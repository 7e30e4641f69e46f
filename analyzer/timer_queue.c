/* timer_queue: binary min-heap of timer entries keyed by due time.
 *
 * Each entry remembers its heap index, so moving or cancelling one is a sift
 * from where it is rather than a search. */
#include "analyzer/timer_queue.h"

#include <stdlib.h>

#include "capture/packet.h"
#include "common/xalloc.h"

struct timer_queue {
	struct timer_entry **heap;
	size_t len, cap;
};

struct timer_queue *timer_queue_new(void)
{
	return xcalloc(1, sizeof(struct timer_queue));
}

void timer_queue_free(struct timer_queue *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->len; i++)
		q->heap[i]->index = TIMER_INDEX_NONE;
	free(q->heap);
	free(q);
}

void timer_queue_entry_init(struct timer_entry *e)
{
	e->due = TS_NONE;
	e->index = TIMER_INDEX_NONE;
}

static void timer_queue_place(struct timer_queue *q, size_t i, struct timer_entry *e)
{
	q->heap[i] = e;
	e->index = i;
}

static void timer_queue_sift_up(struct timer_queue *q, size_t i)
{
	struct timer_entry *e = q->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (q->heap[parent]->due <= e->due)
			break;
		timer_queue_place(q, i, q->heap[parent]);
		i = parent;
	}
	timer_queue_place(q, i, e);
}

static void timer_queue_sift_down(struct timer_queue *q, size_t i)
{
	struct timer_entry *e = q->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= q->len)
			break;
		if (child + 1 < q->len && q->heap[child + 1]->due < q->heap[child]->due)
			child++;
		if (e->due <= q->heap[child]->due)
			break;
		timer_queue_place(q, i, q->heap[child]);
		i = child;
	}
	timer_queue_place(q, i, e);
}

void timer_queue_cancel(struct timer_queue *q, struct timer_entry *e)
{
	size_t i = e->index;

	if (i == TIMER_INDEX_NONE || i >= q->len || q->heap[i] != e)
		return;
	e->index = TIMER_INDEX_NONE;
	q->len--;
	if (i == q->len)
		return;
	struct timer_entry *moved = q->heap[q->len];
	timer_queue_place(q, i, moved);
	timer_queue_sift_up(q, i);
	timer_queue_sift_down(q, moved->index);
}

void timer_queue_schedule(struct timer_queue *q, struct timer_entry *e, int64_t due)
{
	if (due == TS_NONE) {
		timer_queue_cancel(q, e);
		return;
	}
	if (e->index != TIMER_INDEX_NONE) {
		int64_t old = e->due;
		e->due = due;
		if (due < old)
			timer_queue_sift_up(q, e->index);
		else if (due > old)
			timer_queue_sift_down(q, e->index);
		return;
	}
	if (q->len == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 64;
		q->heap = xrealloc(q->heap, q->cap * sizeof *q->heap);
	}
	e->due = due;
	timer_queue_place(q, q->len, e);
	q->len++;
	timer_queue_sift_up(q, e->index);
}

struct timer_entry *timer_queue_peek(const struct timer_queue *q)
{
	return q->len ? q->heap[0] : NULL;
}

