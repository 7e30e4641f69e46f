/* checkpoint: WAL checkpoints on their own thread, off the writer's path.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses the
 * threshold: the writer (and with it the analyzer) stops to copy the WAL into
 * the db and fsync it.  Here the writer's commit hook only wakes this thread,
 * which checkpoints through its own connection (PASSIVE: it never blocks the
 * writer or a reader) while the writer goes on appending to the WAL. */
#ifndef SIPWATCH_CHECKPOINT_H
#define SIPWATCH_CHECKPOINT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

struct checkpointer;

/* Opens a second connection to path and starts the thread.  NULL (and err)
 * if either fails; the caller then keeps SQLite's own autocheckpoint. */
struct checkpointer *checkpoint_start(const char *path, char *err, size_t n);

/* Installs the commit hook on the writer's connection: a WAL of wake_pages
 * or more wakes the thread; one of sync_pages or more (the thread fell
 * behind) is checkpointed by the writer itself, so the WAL stays bounded. */
void checkpoint_attach(struct checkpointer *c, sqlite3 *writer, int wake_pages, int sync_pages);

/* Stops and joins the thread, closes its connection.  NULL is a no-op. */
void checkpoint_stop(struct checkpointer *c);

/* Checkpoints the thread ran (for tests and the bench). */
unsigned long checkpoint_count(struct checkpointer *c);

#endif
