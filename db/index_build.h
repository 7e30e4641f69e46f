/* index_build: secondary indexes built after a file import instead of during it.
 *
 * Reading a capture file into an empty db, the writer drops the secondary
 * indexes of dialogs, messages and findings (index_build_defer) and builds
 * them once at the end (index_build_restore): one sort per index instead of a
 * B-tree update per row.  Live runs, the dashboard and a db that already
 * holds rows keep them all along.
 *
 * A run killed in between leaves a db without those indexes: it still passes
 * integrity_check and every query works (by table scan, slower); the next
 * sipwatch that opens it as a writer builds them again (index_build_restore
 * runs at every open). */
#ifndef SIPWATCH_INDEX_BUILD_H
#define SIPWATCH_INDEX_BUILD_H

#include <sqlite3.h>

/* Drops the deferrable indexes if dialogs, messages and findings are all
 * empty and each index is exactly as the schema made it (an index it could
 * not make again identically is left alone).  Sets *dropped to how many were
 * dropped.  Returns the sqlite code. */
int index_build_defer(sqlite3 *db, int *dropped);

/* Creates every deferrable index that is missing (nothing to do when all
 * exist).  Returns the sqlite code. */
int index_build_restore(sqlite3 *db);

/* issue 20: the same, but only the indexes a report reads (the two big
 * indexes on messages, which no report uses, are left for index_build_restore,
 * so that they can be built while the report reads the db). */
int index_build_restore_for_report(sqlite3 *db);

#endif
