/* test_db: reading a test's db behind the store's back (a fresh read-only
 * connection), for assertions on what the writer committed. */
#ifndef SIPWATCH_TEST_DB_H
#define SIPWATCH_TEST_DB_H

#include <stdint.h>

/* TEST_DB_NO_ROW when the query returns no row, TEST_DB_NULL for a NULL, and
 * TEST_DB_ERROR (the reason on stderr) when the db cannot be opened or the
 * statement not prepared: values no count or sum in these tests takes. */
#define TEST_DB_NO_ROW (-1)
#define TEST_DB_NULL (-2)
#define TEST_DB_ERROR (-3)

/* The first column of the first row of sql on the db at path, as an integer. */
int64_t test_db_int(const char *path, const char *sql);

#endif
