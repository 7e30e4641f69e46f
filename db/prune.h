/* prune: keeps the db within --db-max-size by removing the least valuable
 * rows first, and gives the freed pages back to the file system.
 *
 * The order (each step oldest dialogs first, a chunk per transaction):
 *   1. the raw text of the messages of healthy, ended dialogs (no finding,
 *      not doomed, not torn down by the timer), and messages of no dialog;
 *   2. those messages' rows;
 *   3-4. the same for ended dialogs that have findings but are not doomed;
 *   5-8. the same for dialogs in progress that are not doomed, set up over
 *      a minute before the newest, then the younger ones (a busy wire's
 *      calls in progress can hold more than a small cap);
 *   9. the rows of healthy, ended dialogs themselves, only after every
 *      message step has run once more from its start;
 *   10-11. raw text, then rows, of the messages of doomed and
 *      timer-torn-down dialogs: their evidence is kept longest;
 *   12. the remaining ended dialogs with their findings.
 * The rows of dialogs in progress are never removed.  Ids stay unique
 * across deletions (id_high_water is raised first, as retention does).
 *
 * The db is created with incremental auto_vacuum (schema.c): the freed pages
 * are released with PRAGMA incremental_vacuum, and the file shrinks at the
 * next checkpoint.  An older db without it reuses its free pages instead, so
 * it stops growing but does not shrink. */
#ifndef SIPWATCH_PRUNE_H
#define SIPWATCH_PRUNE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

struct pruner;

/* Prepares its statements on the writer's connection.  NULL on failure (*rc). */
struct pruner *prune_new(sqlite3 *db, int *rc);
void prune_free(struct pruner *p);

/* Bytes of pages in use (committed state, WAL included) and the size of the
 * db and -wal files on disk.  False on failure. */
bool prune_sizes(struct pruner *p, const char *path, uint64_t *used, uint64_t *files);

/* Removes one chunk of the least valuable rows in its own transaction (none
 * may be open); messages_only: never a dialog or finding (steps 9 and 12
 * skipped); capture (non-zero): only messages of that capture.  Returns the rows changed (> 0), 0 once nothing more can go, or
 * -1 with *rc on failure (the transaction is rolled back). */
int64_t prune_step(struct pruner *p, bool messages_only, uint64_t capture, int *rc);

/* Starts the order again from step 1 (new dialogs may have ended since),
 * with chunks of their full size. */
void prune_rewind(struct pruner *p);
/* Halves the chunks (a step failed for want of room: a full disk); false
 * when they are as small as they go. */
bool prune_shrink(struct pruner *p);
/* The last step found nothing left to remove in any step. */
bool prune_dry(const struct pruner *p);

/* Releases free pages beyond keep_pages to the file system (auto_vacuum db). */
int prune_release(struct pruner *p, int64_t keep_pages);

#endif
