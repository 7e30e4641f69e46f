/* writer_sql: the writer's statements (writer.h), one per kind of row and
 * of bookkeeping, prepared once when the db is opened.
 *
 * SQL only here and only through these: values are bound (writer_rows.c,
 * writer_commit.c), never pasted in. */
#ifndef SIPWATCH_WRITER_SQL_H
#define SIPWATCH_WRITER_SQL_H

#include <sqlite3.h>

enum writer_sql_stmt {
	ST_BEGIN = 0,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_MESSAGE,
	ST_DIALOG,
	ST_DIALOG_UPDATE,
	ST_FINDING,
	ST_ENDPOINT,
	ST_CAPTURE_INSERT,
	ST_CAPTURE_UPDATE,
	ST_CAPTURE_COUNT,
	ST_NEXT_IDS,
	ST_RET_HIGH_WATER,
	ST_RET_MESSAGES,
	ST_RET_FINDINGS,
	ST_RET_DIALOGS,
	ST_RET_CAPTURES,
	ST_RET_ENDPOINTS,
	ST_RET_COUNTS,
	ST_CAPTURE_DBSTATE,
	ST_COUNT
};

/* Prepares every statement into st[ST_COUNT] (persistent: they live as long
 * as the connection).  SQLITE_OK, or the first failure's code, with the
 * statements before it prepared (writer_sql_finalize frees them). */
int writer_sql_prepare(sqlite3 *db, sqlite3_stmt *st[ST_COUNT]);
/* Finalizes what writer_sql_prepare made (NULL entries are no-ops). */
void writer_sql_finalize(sqlite3_stmt *st[ST_COUNT]);

#endif
