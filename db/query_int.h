/* query_int: what db/ files with statements of their own share with query.c
 * (not for outside db/). */
#ifndef SIPWATCH_QUERY_INT_H
#define SIPWATCH_QUERY_INT_H

#include <sqlite3.h>

struct db_reader; /* db/query.h */

/* The reader's connection. */
sqlite3 *db_reader_sqlite(struct db_reader *r);
/* Records rc as the reader's last failure (db_reader_error). */
void db_reader_fail(struct db_reader *r, int rc);

#endif
