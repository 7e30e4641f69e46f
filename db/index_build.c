/* index_build: deferred creation of the secondary indexes (index_build.h).
 *
 * The list below must say exactly what db/schema.c creates: index_build_defer
 * compares each entry with the SQL SQLite keeps in sqlite_master and drops
 * only the ones that match, so a later migration that changes an index
 * without updating this list makes that index non-deferrable, never lost. */
#include "db/index_build.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "db/dbutil.h"

struct index_build_def {
	const char *name;
	const char *body; /* after "CREATE INDEX name " */
	/* issue 20: no report reads it (json, text, doomed count: dialogs,
	 * findings, endpoints and messages_outside only), so it is built last,
	 * while the report is being written (index_build_restore_for_report). */
	bool late;
};

static const struct index_build_def index_build_defs[] = {
	{"dialogs_call_id", "ON dialogs(call_id)", false},
	{"dialogs_capture_created", "ON dialogs(capture_id, created)", false},
	{"dialogs_created", "ON dialogs(created)", false},
	{"dialogs_doomed", "ON dialogs(capture_id, doomed_at) WHERE doomed = 1", false},
	{"dialogs_timer_teardown",
	 "ON dialogs(capture_id, ended) WHERE end_class = 'TIMER_TEARDOWN'", false},
	{"messages_dialog", "ON messages(dialog_id, ts) WHERE dialog_id IS NOT NULL", true},
	{"messages_ts", "ON messages(ts)", true},
	{"messages_outside", "ON messages(capture_id, method) WHERE dialog_id IS NULL", false},
	{"findings_dialog", "ON findings(dialog_id, ts)", false},
	{"findings_code", "ON findings(code, ts)", false},
	{"findings_endpoint", "ON findings(endpoint)", false},
	{"findings_capture", "ON findings(capture_id, code)", false},
	{"findings_ts", "ON findings(ts)", false},
};

#define INDEX_BUILD_N (sizeof index_build_defs / sizeof index_build_defs[0])

/* 1 if the statement gives a row, 0 if not, -1 on error (*rc set). */
static int index_build_has_row(sqlite3 *db, const char *sql, const char *arg, int *rc)
{
	sqlite3_stmt *st = NULL;

	*rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (*rc != SQLITE_OK)
		return -1;
	if (arg)
		*rc = sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	int step = *rc == SQLITE_OK ? sqlite3_step(st) : *rc;
	sqlite3_finalize(st);
	if (step == SQLITE_ROW) {
		*rc = SQLITE_OK;
		return 1;
	}
	if (step == SQLITE_DONE) {
		*rc = SQLITE_OK;
		return 0;
	}
	*rc = step;
	return -1;
}

/* The index exists with exactly this definition. */
static int index_build_matches(sqlite3 *db, const struct index_build_def *d, int *rc)
{
	char sql[256];

	snprintf(sql, sizeof sql, "CREATE INDEX %s %s", d->name, d->body);
	return index_build_has_row(db,
				   "SELECT 1 FROM sqlite_master WHERE type = 'index' AND sql = ?1",
				   sql, rc);
}

static bool index_build_tables_empty(sqlite3 *db, int *rc)
{
	static const char *const probes[] = {
		"SELECT 1 FROM dialogs LIMIT 1",
		"SELECT 1 FROM messages LIMIT 1",
		"SELECT 1 FROM findings LIMIT 1",
	};
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
		if (index_build_has_row(db, probes[i], NULL, rc) != 0)
			return false;
	return true;
}

int index_build_defer(sqlite3 *db, int *dropped)
{
	int rc = SQLITE_OK;
	char sql[128];

	*dropped = 0;
	if (!index_build_tables_empty(db, &rc))
		return rc;
	rc = dbutil_exec(db, "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK)
		return rc;
	for (size_t i = 0; i < INDEX_BUILD_N && rc == SQLITE_OK; i++) {
		int m = index_build_matches(db, &index_build_defs[i], &rc);
		if (m != 1)
			continue;
		/* names are constants of this file, never input */
		snprintf(sql, sizeof sql, "DROP INDEX %s", index_build_defs[i].name);
		rc = dbutil_exec(db, sql);
		if (rc == SQLITE_OK)
			(*dropped)++;
	}
	if (rc == SQLITE_OK)
		rc = dbutil_exec(db, "COMMIT");
	if (rc != SQLITE_OK) {
		dbutil_exec(db, "ROLLBACK");
		*dropped = 0;
	}
	return rc;
}

static int index_build_restore_some(sqlite3 *db, bool with_late)
{
	int rc = SQLITE_OK;
	char sql[256];

	for (size_t i = 0; i < INDEX_BUILD_N && rc == SQLITE_OK; i++) {
		if (index_build_defs[i].late && !with_late)
			continue;
		int have = index_build_has_row(db,
					       "SELECT 1 FROM sqlite_master WHERE type = 'index'"
					       " AND name = ?1",
					       index_build_defs[i].name, &rc);
		if (have != 0)
			continue;
		snprintf(sql, sizeof sql, "CREATE INDEX IF NOT EXISTS %s %s",
			 index_build_defs[i].name, index_build_defs[i].body);
		rc = dbutil_exec(db, sql);
	}
	return rc;
}

int index_build_restore(sqlite3 *db)
{
	return index_build_restore_some(db, true);
}

int index_build_restore_for_report(sqlite3 *db)
{
	return index_build_restore_some(db, false);
}
