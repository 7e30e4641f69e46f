/* wlog: the writer's log of the essential records of the open transaction.
 *
 * Findings, endpoints, capture updates and the dialog rows written before
 * the COMMIT are copied here as they are written, and forgotten when the
 * COMMIT succeeds.  When storage fails (full disk, I/O error, a lock held
 * too long) the transaction is rolled back, but these records stay: the
 * writer writes them again, first thing, in the next transaction that
 * succeeds, so the dialogs and findings the report is made of survive a
 * failed batch.  Bounded in bytes: past max_bytes a record is refused (the
 * caller commits early while healthy, or counts it as lost). */
#ifndef SIPWATCH_WLOG_H
#define SIPWATCH_WLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wlog {
	uint8_t *buf;
	size_t len, cap, max_bytes;
	size_t n; /* records */
};

void wlog_init(struct wlog *l, size_t max_bytes);
void wlog_free(struct wlog *l);
/* Copies a record (starting with a struct storerec_hdr, h->size bytes).
 * False if it would pass max_bytes. */
bool wlog_append(struct wlog *l, const void *rec, size_t size);
void wlog_reset(struct wlog *l);
/* Forgets the records before off (an offset wlog_next gave): the part of a
 * replay that was committed, when a long replay commits in pieces. */
void wlog_drop_front(struct wlog *l, size_t off);
/* Iteration: *off starts at 0; returns the next record or NULL at the end. */
const void *wlog_next(const struct wlog *l, size_t *off);

#endif
