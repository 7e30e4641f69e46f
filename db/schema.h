/* schema: the db's tables, views and indexes, and their upgrades.
 *
 * The schema version lives in PRAGMA user_version.  Migrations are an ordered
 * list; opening a db applies, each in its own transaction, every migration
 * newer than its version, so an old db is upgraded in place and a current one
 * is left alone.  A db newer than this program is refused. */
#ifndef SIPWATCH_SCHEMA_H
#define SIPWATCH_SCHEMA_H

#include <sqlite3.h>
#include <stddef.h>

/* The version this program creates and understands. */
int schema_latest_version(void);

/* Connection settings for the writer: WAL, synchronous=NORMAL, busy_timeout.
 * Returns the sqlite code; on failure err holds "path: reason". */
int schema_configure(sqlite3 *db, const char *path, int busy_timeout_ms, char *err, size_t n);

/* Reads user_version into *version.  Returns the sqlite code. */
int schema_read_version(sqlite3 *db, int *version);

/* Brings the schema to the latest version.  Returns SQLITE_OK, or an error
 * code with err set (SQLITE_ERROR with "newer than this sipwatch" when the
 * db's version is unknown to us). */
int schema_migrate(sqlite3 *db, const char *path, int busy_timeout_ms, char *err, size_t n);

#endif
