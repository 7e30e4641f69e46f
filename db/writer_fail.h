/* writer_fail: running one statement and what its failure does; the
 * health (writer_fail.c).  For the writer's own files. */
#ifndef SIPWATCH_WRITER_FAIL_H
#define SIPWATCH_WRITER_FAIL_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

struct writer;
struct storerec_hdr;

/* The wall clock, microseconds (retries, commit times, retention on start). */
int64_t writer_wall_us(void);
/* Makes the level and whether writes fail visible to other threads. */
void writer_publish_level(struct writer *w);
/* Records the first failure and abandons the open batch (transient trouble:
 * rolls back, steps down, and waits for the retry). */
void writer_fail(struct writer *w, int rc);
/* Steps a statement that returns no rows, resets it, and fails on error. */
bool writer_run(struct writer *w, sqlite3_stmt *st);
/* Steps a row statement whose values are bound (bind_rc = OR of the bind codes). */
void writer_put_row(struct writer *w, sqlite3_stmt *st, int bind_rc);
/* Keeps a copy of an essential record until its transaction commits. */
void writer_log(struct writer *w, const struct storerec_hdr *h);
/* Counts n records not stored (none for 0). */
void writer_skipped(struct writer *w, uint64_t n);

#endif
