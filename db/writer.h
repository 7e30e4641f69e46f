/* writer: the store's SQLite side, on a thread of its own (store.h).
 *
 * Owns the connection: after writer_start only the writer thread touches it
 * (until writer_stop has joined the thread).  It takes the records the
 * producer copied into the row queue (storerec.h) and runs them in order
 * inside its open transaction, except dialog upserts, which it coalesces:
 * the latest record of each dialog is kept (first-seen order) and written
 * once, just before the COMMIT (or earlier when the map is full, or before
 * anything that reads or deletes dialogs).
 *
 * Storage trouble (full, I/O, read-only, busy) degrades instead (store.h):
 * the transaction is rolled back, the essentials of it are kept in a log
 * (wlog.h) and written again later, the level steps down, and the writer
 * retries on the wall clock.  Other failures are sticky: the first one rolls
 * the transaction back, records the reason (writer_error) and raises
 * writer_failed, which any thread may read; every later record is dropped
 * (tickets are still answered). */
#ifndef SIPWATCH_WRITER_H
#define SIPWATCH_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/rowq.h"
#include "db/storetypes.h"

struct writer;

struct writer_reply {
	uint64_t capture_id;                        /* REC_CAPTURE_BEGIN */
	uint64_t dialog_id, message_id, finding_id; /* REC_NEXT_IDS */
};

/* Opens the db (schema, migrations, statements, retention on start, the
 * checkpoint thread), on the caller's thread.  NULL and err on failure. */
struct writer *writer_open(const char *path, const struct store_options *o, char *err, size_t n);
/* Starts the thread on q.  False (err) if it cannot. */
bool writer_start(struct writer *w, struct rowq *q, char *err, size_t n);
/* The producer has queued REC_STOP and published: joins the thread.  Then
 * closes everything (also for a writer never started).  NULL is a no-op. */
void writer_close(struct writer *w);

bool writer_failed(const struct writer *w);
/* Any thread: the level (enum store_level) and whether writes are failing now. */
int writer_level(const struct writer *w);
bool writer_failing(const struct writer *w);
/* Any thread: the producer skipped n records or cut n bodies (counted in the health). */
void writer_count_skipped(struct writer *w, uint64_t n);
/* The producer skipped n message rows because the writer was behind a live
 * capture (store_set_pressed): counted as skipped, with that reason; said
 * once on stderr when say_on_stderr. */
void writer_count_behind(struct writer *w, uint64_t n);
void writer_get_health(struct writer *w, struct store_health *h);
uint64_t writer_capture_id(struct writer *w);
const char *writer_error(const struct writer *w); /* "" unless failed */

/* Waits until the record with this ticket has been done; fills *r if given. */
void writer_wait(struct writer *w, uint64_t ticket, struct writer_reply *r);

/* Counters (for tests and the bench), read after writer_wait. */
struct writer_stats {
	uint64_t commits, dialog_records, dialog_rows, map_spills;
};
void writer_get_stats(struct writer *w, struct writer_stats *out);

/* Progress for the metrics, from any thread, lock-free: records committed so
 * far (every record taken off the queue before the last COMMIT), when that
 * COMMIT was (wall clock; the open time before the first) and how many. */
struct writer_progress {
	uint64_t committed_records;
	int64_t last_commit_us;
	uint64_t commits;
};
void writer_get_progress(struct writer *w, struct writer_progress *out);

#endif
