/* test_db: one integer out of a test's db through its own connection. */
#include "tests/support/test_db.h"

#include <sqlite3.h>
#include <stdio.h>

int64_t test_db_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = TEST_DB_NO_ROW;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "test_db_int %s: %s: %s\n", path, sql, sqlite3_errmsg(db));
		sqlite3_close(db);
		return TEST_DB_ERROR;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? TEST_DB_NULL
							     : sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}
