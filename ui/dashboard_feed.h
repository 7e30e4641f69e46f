/* dashboard_feed: changed dialog rows handed from the analyzer's thread to
 * the dashboard, so a live dashboard never re-reads every dialog from the db.
 *
 * A single-producer single-consumer ring of owned copies (C11 atomics, no
 * lock): the pipeline thread pushes each dialog row the analyzer emits, the
 * ui thread pops them.  A full ring never blocks the producer: the row is
 * dropped and an overflow flag tells the dashboard to resynchronise from the
 * db instead. */
#ifndef SIPWATCH_DASHBOARD_FEED_H
#define SIPWATCH_DASHBOARD_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/records.h"

struct dashboard_feed;

/* A dialog record whose strings live in one owned block. */
struct dashboard_feed_row {
	struct dialog_record r;
	char *strings;
};

/* cap is rounded up to a power of two. */
struct dashboard_feed *dashboard_feed_new(size_t cap);
/* Frees the ring and any row still in it (no thread may use it any more). */
void dashboard_feed_free(struct dashboard_feed *f);
/* Producer side: copies r.  False (row dropped, overflow set) when full. */
bool dashboard_feed_push(struct dashboard_feed *f, const struct dialog_record *r);
/* Consumer side: the next row, false if empty.  The caller frees
 * row->strings (the one block that holds the row's strings). */
bool dashboard_feed_pop(struct dashboard_feed *f, struct dashboard_feed_row *out);
/* Consumer side: true once since the last call if a push was dropped. */
bool dashboard_feed_overflowed(struct dashboard_feed *f);
/* Copies r into out, its strings into one new block (also for the ui's own copies). */
void dashboard_feed_copy(struct dashboard_feed_row *out, const struct dialog_record *r);

#endif
