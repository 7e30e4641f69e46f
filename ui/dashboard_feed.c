/* dashboard_feed: the lock-free ring of changed dialog rows (see the header).
 *
 * Lamport's single-producer single-consumer queue: head is written only by
 * the consumer, tail only by the producer; each reads the other's index with
 * acquire and publishes its own with release, so a slot's contents are
 * visible before the index that hands it over.  The producer allocates the
 * copy, the consumer owns it from the pop on.  A slot is one pointer: the
 * copy is a single block (the record, then its strings), so the ring costs
 * 8 bytes a slot and only the rows waiting in it hold memory. */
#include "ui/dashboard_feed.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

struct dashboard_feed {
	size_t mask;
	char **slots; /* blocks: struct dialog_record, then its strings */
	_Atomic size_t head; /* next slot to pop */
	_Atomic size_t tail; /* next slot to push */
	atomic_bool overflow;
};

struct dashboard_feed *dashboard_feed_new(size_t cap)
{
	struct dashboard_feed *f = xcalloc(1, sizeof *f);
	size_t n = 2;

	while (n < cap)
		n *= 2;
	f->mask = n - 1;
	f->slots = xcalloc(n, sizeof *f->slots);
	atomic_init(&f->head, 0);
	atomic_init(&f->tail, 0);
	atomic_init(&f->overflow, false);
	return f;
}

void dashboard_feed_free(struct dashboard_feed *f)
{
	struct dashboard_feed_row row;

	if (!f)
		return;
	while (dashboard_feed_pop(f, &row))
		free(row.strings);
	free(f->slots);
	free(f);
}

/* Copies r into *rec and its strings into one new block of head + their
 * length bytes, after the first head bytes; returns the block. */
static char *dashboard_feed_block(struct dialog_record *rec, const struct dialog_record *r,
				  size_t head)
{
	const char **fields[] = {&rec->call_id,   &rec->from_uri,  &rec->to_uri,
				 &rec->from_tag,  &rec->to_tag,    &rec->caller_ua,
				 &rec->callee_ua, &rec->state,     &rec->method};
	const size_t n = sizeof fields / sizeof fields[0];
	size_t total = 0, o = head;
	char *block;

	*rec = *r;
	for (size_t i = 0; i < n; i++)
		total += *fields[i] ? strlen(*fields[i]) + 1 : 0;
	block = xmalloc(head + total + 1);
	for (size_t i = 0; i < n; i++) {
		size_t len;

		if (!*fields[i])
			continue;
		len = strlen(*fields[i]) + 1;
		memcpy(block + o, *fields[i], len);
		*fields[i] = block + o;
		o += len;
	}
	return block;
}

void dashboard_feed_copy(struct dashboard_feed_row *out, const struct dialog_record *r)
{
	out->strings = dashboard_feed_block(&out->r, r, 0);
}

bool dashboard_feed_push(struct dashboard_feed *f, const struct dialog_record *r)
{
	size_t tail = atomic_load_explicit(&f->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&f->head, memory_order_acquire);
	struct dialog_record rec;
	char *block;

	if (tail - head > f->mask) {
		atomic_store_explicit(&f->overflow, true, memory_order_release);
		return false;
	}
	block = dashboard_feed_block(&rec, r, sizeof rec);

	memcpy(block, &rec, sizeof rec); /* its pointers point into the block */
	f->slots[tail & f->mask] = block;
	atomic_store_explicit(&f->tail, tail + 1, memory_order_release);
	return true;
}

bool dashboard_feed_pop(struct dashboard_feed *f, struct dashboard_feed_row *out)
{
	size_t head = atomic_load_explicit(&f->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&f->tail, memory_order_acquire);

	if (head == tail)
		return false;
	out->strings = f->slots[head & f->mask];
	memcpy(&out->r, out->strings, sizeof out->r);
	atomic_store_explicit(&f->head, head + 1, memory_order_release);
	return true;
}

bool dashboard_feed_overflowed(struct dashboard_feed *f)
{
	return atomic_exchange_explicit(&f->overflow, false, memory_order_acq_rel);
}
