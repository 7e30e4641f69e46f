/* query_hop: per dialog, where its first message went and whether it has a
 * request of a given method — what the dashboard's filter form (sngrep's F7)
 * needs beyond the dialog row.
 *
 * One GROUP BY over the capture's messages: SQLite takes the bare src and dst
 * columns from the row that gave min(ts) (documented for min/max), so the
 * first hop comes without a second query.  Run when the user applies the
 * form, like the payload search. */
#include <sqlite3.h>

#include "db/dbutil.h"
#include "db/query_hop.h"
#include "db/query_int.h"

static const char query_hop_sql[] =
	"SELECT dialog_id, src, dst, min(ts),"
	" max(method IS NOT NULL AND upper(method) = upper(?2))"
	" FROM messages WHERE capture_id = ?1 AND dialog_id IS NOT NULL"
	" GROUP BY dialog_id";

int db_each_dialog_hop(struct db_reader *r, uint64_t capture_id, const char *method,
		       db_hop_fn fn, void *ctx)
{
	sqlite3 *db = db_reader_sqlite(r);
	sqlite3_stmt *st = NULL;
	int rc, rows = 0;

	rc = sqlite3_prepare_v2(db, query_hop_sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)capture_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, method ? method : "", -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *src = (const char *)sqlite3_column_text(st, 1);
		const char *dst = (const char *)sqlite3_column_text(st, 2);

		fn(ctx, dbutil_column_u64(st, 0), src ? src : "", dst ? dst : "",
		   sqlite3_column_int(st, 4) != 0);
		rows++;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_reader_fail(r, rc);
		return -1;
	}
	return rows;
}
