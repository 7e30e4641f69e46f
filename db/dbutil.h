/* dbutil: the small conversions every db/ file shares.
 *
 * Records carry int64 microseconds (TS_NONE = absent); the db stores REAL
 * seconds (NULL = absent).  Errors become one line "path: reason", with the
 * reason made concrete where SQLite's own text is vague (busy, file size). */
#ifndef SIPWATCH_DBUTIL_H
#define SIPWATCH_DBUTIL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Binders return the sqlite3_bind_* code.  Strings are bound SQLITE_STATIC:
 * the caller keeps them alive until the statement is stepped and reset. */
int dbutil_bind_time(sqlite3_stmt *st, int idx, int64_t ts_us);
int dbutil_bind_str(sqlite3_stmt *st, int idx, const char *s);      /* NULL → NULL */
/* Text from the wire (n bytes at s, NULL → NULL) as valid UTF-8: NUL and
 * ill-formed bytes escaped \xHH (common/utf8.h), so every reader of the db
 * can read every row. */
int dbutil_bind_wire(sqlite3_stmt *st, int idx, const char *s, size_t n);
int dbutil_bind_id(sqlite3_stmt *st, int idx, uint64_t id);         /* 0 → NULL */
int dbutil_bind_opt_int(sqlite3_stmt *st, int idx, int64_t v);      /* negative → NULL */

int64_t dbutil_column_time(sqlite3_stmt *st, int col);      /* NULL → TS_NONE */
int64_t dbutil_column_opt_int(sqlite3_stmt *st, int col);   /* NULL → -1 */
uint64_t dbutil_column_u64(sqlite3_stmt *st, int col);      /* NULL or negative → 0 */
const char *dbutil_column_str(sqlite3_stmt *st, int col);   /* NULL stays NULL */

/* Seconds (REAL) ↔ microseconds, rounding to the nearest microsecond. */
double dbutil_us_to_sec(int64_t us);
int64_t dbutil_sec_to_us(double sec);

/* Writes "path: reason" for the connection's last error (rc is the failing
 * code; busy_ms names the wait in the busy case). */
void dbutil_format_error(char *buf, size_t n, const char *path, sqlite3 *db, int rc, int busy_ms);

/* Runs one constant statement (no values, no rows wanted).  Returns the sqlite code. */
int dbutil_exec(sqlite3 *db, const char *sql);

#endif
