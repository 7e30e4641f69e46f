/* capture_file: captures.file_size/file_digest lookups, and WAL truncation
 * (see the header).  Prepared statements only; every connection is closed
 * before the function returns. */
#include "db/capture_file.h"

#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>

#include "db/dbutil.h"

#define CAPTURE_FILE_BUSY_MS 5000

static sqlite3 *capture_file_open(const char *db_path, int flags, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(db_path, &db, flags, NULL);

	if (rc != SQLITE_OK) {
		dbutil_format_error(err, errlen, db_path, db, rc, 0);
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, CAPTURE_FILE_BUSY_MS);
	return db;
}

int capture_file_find(const char *db_path, int64_t size, const char *digest, uint64_t *capture_id,
		      char *source, size_t source_len, char *err, size_t errlen)
{
	struct stat st;
	sqlite3 *db;
	sqlite3_stmt *q = NULL;
	int rc, found = 0;

	if (stat(db_path, &st) != 0 || st.st_size == 0)
		return 0; /* a new db: nothing read yet */
	/* read-only, and any failure is "not found": the store opens the db
	 * next and reports what is wrong with it in its own words */
	db = capture_file_open(db_path, SQLITE_OPEN_READONLY, err, errlen);
	if (!db)
		return 0;
	rc = sqlite3_prepare_v2(db,
				"SELECT id, source FROM captures WHERE file_size = ?1 AND file_digest = ?2"
				" ORDER BY id DESC LIMIT 1",
				-1, &q, NULL);
	if (rc != SQLITE_OK) { /* no such column (older than migration 8), not a db ... */
		sqlite3_close(db);
		return 0;
	}
	rc = sqlite3_bind_int64(q, 1, size);
	if (rc == SQLITE_OK)
		rc = dbutil_bind_str(q, 2, digest);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		const char *src = dbutil_column_str(q, 1);

		*capture_id = dbutil_column_u64(q, 0);
		snprintf(source, source_len, "%s", src ? src : "?");
		found = 1;
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	return found;
}

bool capture_file_mark(const char *db_path, uint64_t capture_id, int64_t size, const char *digest,
		       char *err, size_t errlen)
{
	sqlite3 *db = capture_file_open(db_path, SQLITE_OPEN_READWRITE, err, errlen);
	sqlite3_stmt *u = NULL;
	int rc;

	if (!db)
		return false;
	rc = sqlite3_prepare_v2(db, "UPDATE captures SET file_size = ?1, file_digest = ?2 WHERE id = ?3",
				-1, &u, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(u, 1, size);
	if (rc == SQLITE_OK)
		rc = dbutil_bind_str(u, 2, digest);
	if (rc == SQLITE_OK)
		rc = dbutil_bind_id(u, 3, capture_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(u);
	if (rc != SQLITE_DONE)
		dbutil_format_error(err, errlen, db_path, db, rc, CAPTURE_FILE_BUSY_MS);
	sqlite3_finalize(u);
	sqlite3_close(db);
	return rc == SQLITE_DONE;
}

bool capture_file_truncate_wal(const char *db_path, int busy_ms)
{
	char err[256];
	sqlite3 *db = capture_file_open(db_path, SQLITE_OPEN_READWRITE, err, sizeof err);
	int rc;

	if (!db)
		return false;
	sqlite3_busy_timeout(db, busy_ms);
	rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK;
}
