/* capture_file: the files a db was filled from, and a WAL truncation.
 *
 * Reading a capture file a second time into the same db would count every
 * call twice in the README's recipes.  A capture read to its end is marked
 * with the file's size and a digest of its first bytes (migration 8); before
 * reading a file, the run asks whether a capture already has both.  Each call
 * opens its own short connection, apart from the writer's. */
#ifndef SIPWATCH_CAPTURE_FILE_H
#define SIPWATCH_CAPTURE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 1 and the capture's id and source when a capture of db_path has this size
 * and digest; 0 when none has, or the db cannot be read (missing, older,
 * unreadable: the store's open reports that).  err is unused (kept for -1). */
int capture_file_find(const char *db_path, int64_t size, const char *digest, uint64_t *capture_id,
		      char *source, size_t source_len, char *err, size_t errlen);
/* Records size and digest on capture capture_id.  False (and err) on failure. */
bool capture_file_mark(const char *db_path, uint64_t capture_id, int64_t size, const char *digest,
		       char *err, size_t errlen);
/* Copies the WAL into the db and truncates it (waits at most busy_ms for
 * readers).  For a db whose writer has finished while a reader stays open. */
bool capture_file_truncate_wal(const char *db_path, int busy_ms);

#endif
