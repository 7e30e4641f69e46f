/* schema: tables, views and indexes of the sipwatch db (contract.md), the
 * ordered list of migrations that builds them, and the writer's connection
 * settings.
 *
 * Times are REAL seconds since the epoch, absent = NULL.  Ids are assigned by
 * the analyzer (INTEGER PRIMARY KEY = the rowid, so explicit ascending ids
 * append).  No foreign keys are declared: a message row may arrive before the
 * dialog row it names, and retention deletes by age, not by cascade.
 *
 * To change the schema, append a migration; never edit a released one. */
#include "db/schema.h"

#include <stdio.h>
#include <string.h>

#include "db/dbutil.h"

/* Migration 1: the schema of contract.md plus the columns the report and the
 * dashboard need.  `raw` comes last in messages so that reading the other
 * columns never walks a large body's overflow pages. */
static const char SCHEMA_V1[] =
	"CREATE TABLE captures ("
	" id INTEGER PRIMARY KEY,"
	" source TEXT,"
	" kind TEXT,"
	" started REAL,"
	" ended REAL,"
	" packets INTEGER NOT NULL DEFAULT 0,"
	" sip_messages INTEGER NOT NULL DEFAULT 0,"
	" parse_errors INTEGER NOT NULL DEFAULT 0,"
	" dropped INTEGER NOT NULL DEFAULT 0,"
	" duplicates INTEGER NOT NULL DEFAULT 0,"
	" encrypted INTEGER NOT NULL DEFAULT 0);"

	"CREATE TABLE dialogs ("
	" id INTEGER PRIMARY KEY,"
	" capture_id INTEGER,"
	" call_id TEXT, from_uri TEXT, to_uri TEXT, from_tag TEXT, to_tag TEXT,"
	" caller_ua TEXT, callee_ua TEXT, transport TEXT,"
	" created REAL, established REAL, ended REAL,"
	" session_expires INTEGER, min_se INTEGER, refresher TEXT,"
	" refreshes_ok INTEGER NOT NULL DEFAULT 0,"
	" refreshes_failed INTEGER NOT NULL DEFAULT 0,"
	" last_refresh REAL, deadline REAL, teardown_expected REAL,"
	" doomed INTEGER NOT NULL DEFAULT 0, doomed_at REAL, end_class TEXT,"
	" recovered INTEGER NOT NULL DEFAULT 0, state TEXT,"
	" n_messages INTEGER NOT NULL DEFAULT 0, finding_codes TEXT);"
	"CREATE INDEX dialogs_call_id ON dialogs(call_id);"
	"CREATE INDEX dialogs_capture_created ON dialogs(capture_id, created);"
	"CREATE INDEX dialogs_created ON dialogs(created);"
	"CREATE INDEX dialogs_doomed ON dialogs(capture_id, doomed_at) WHERE doomed = 1;"
	"CREATE INDEX dialogs_timer_teardown ON dialogs(capture_id, ended)"
	" WHERE end_class = 'TIMER_TEARDOWN';"

	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY,"
	" dialog_id INTEGER, ts REAL, src TEXT, dst TEXT, transport TEXT,"
	" method TEXT, status INTEGER, cseq INTEGER, cseq_method TEXT,"
	" capture_id INTEGER, call_id TEXT,"
	" retransmission INTEGER NOT NULL DEFAULT 0, header_len INTEGER,"
	" raw TEXT);"
	"CREATE INDEX messages_dialog ON messages(dialog_id, ts) WHERE dialog_id IS NOT NULL;"
	"CREATE INDEX messages_ts ON messages(ts);"

	"CREATE TABLE findings ("
	" id INTEGER PRIMARY KEY,"
	" dialog_id INTEGER, message_id INTEGER,"
	" code TEXT NOT NULL, severity TEXT NOT NULL, ts REAL, detail TEXT,"
	" capture_id INTEGER, endpoint TEXT, agent TEXT);"
	"CREATE INDEX findings_dialog ON findings(dialog_id, ts);"
	"CREATE INDEX findings_code ON findings(code, ts);"
	"CREATE INDEX findings_endpoint ON findings(endpoint);"
	"CREATE INDEX findings_capture ON findings(capture_id, code);"
	"CREATE INDEX findings_ts ON findings(ts);"

	"CREATE TABLE endpoints ("
	" capture_id INTEGER NOT NULL,"
	" endpoint TEXT NOT NULL,"
	" agent TEXT,"
	" refresh_answers_ok INTEGER NOT NULL DEFAULT 0,"
	" malformed INTEGER NOT NULL DEFAULT 0,"
	" lost INTEGER NOT NULL DEFAULT 0,"
	" rejected INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (capture_id, endpoint));"
	"CREATE INDEX endpoints_endpoint ON endpoints(endpoint);"

	/* Doomed dialogs with all their codes (in order of first appearance), the
	 * doom findings' details as the cause, and whom the first one blames. */
	"CREATE VIEW doomed_dialogs AS SELECT"
	" d.id, d.capture_id, d.call_id, d.from_uri, d.to_uri, d.caller_ua, d.callee_ua,"
	" d.created, d.established, d.ended, d.end_class, d.refresher, d.session_expires,"
	" d.doomed_at, d.teardown_expected, d.deadline,"
	" (SELECT group_concat(code, ',') FROM (SELECT code FROM findings f"
	"   WHERE f.dialog_id = d.id GROUP BY code ORDER BY min(ts), min(id))) AS codes,"
	" (SELECT group_concat(code, ',') FROM (SELECT code FROM findings f"
	"   WHERE f.dialog_id = d.id AND f.severity = 'doom'"
	"   GROUP BY code ORDER BY min(ts), min(id))) AS doom_codes,"
	" (SELECT group_concat(detail, ' | ') FROM (SELECT detail FROM findings f"
	"   WHERE f.dialog_id = d.id AND f.severity = 'doom' ORDER BY ts, id)) AS cause,"
	" (SELECT endpoint FROM findings f WHERE f.dialog_id = d.id AND f.severity = 'doom'"
	"   ORDER BY ts, id LIMIT 1) AS blame_endpoint,"
	" (SELECT agent FROM findings f WHERE f.dialog_id = d.id AND f.severity = 'doom'"
	"   ORDER BY ts, id LIMIT 1) AS blame_agent"
	" FROM dialogs d WHERE d.doomed = 1;"

	/* Calls the session timer killed, with the refresh that failed: the
	 * refresh findings since the last successful refresh (first one's
	 * endpoint, agent and message; all their codes and details). */
	"CREATE VIEW timer_teardowns AS SELECT"
	" d.id, d.capture_id, d.call_id, d.from_uri, d.to_uri, d.caller_ua, d.callee_ua,"
	" d.refresher, d.session_expires, d.last_refresh, d.teardown_expected, d.deadline,"
	" d.ended,"
	" (SELECT group_concat(code, ',') FROM (SELECT code FROM findings f"
	"   WHERE f.dialog_id = d.id AND f.code IN " "(" "'REFRESH_2XX_NO_SESSION_EXPIRES',"
	"   'REFRESH_2XX_NO_CONTACT','REFRESH_2XX_MALFORMED','REFRESH_UNANSWERED',"
	"   'RESPONSE_NOT_RELAYED','REFRESH_REJECTED','REFRESH_OVERDUE',"
	"   'REFRESH_REINVITE_NO_ACK','REFRESHER_UAC_UNSUPPORTED')"
	"   AND f.ts >= coalesce(d.last_refresh, 0)"
	"   GROUP BY code ORDER BY min(ts), min(id))) AS failed_codes,"
	" (SELECT group_concat(detail, ' | ') FROM (SELECT detail FROM findings f"
	"   WHERE f.dialog_id = d.id AND f.code IN ('REFRESH_2XX_NO_SESSION_EXPIRES',"
	"   'REFRESH_2XX_NO_CONTACT','REFRESH_2XX_MALFORMED','REFRESH_UNANSWERED',"
	"   'RESPONSE_NOT_RELAYED','REFRESH_REJECTED','REFRESH_OVERDUE',"
	"   'REFRESH_REINVITE_NO_ACK','REFRESHER_UAC_UNSUPPORTED')"
	"   AND f.ts >= coalesce(d.last_refresh, 0) ORDER BY ts, id)) AS failed_detail,"
	" r.ts AS failed_ts, r.endpoint AS failed_endpoint, r.agent AS failed_agent,"
	" r.message_id AS failed_message_id,"
	" (SELECT detail FROM findings t WHERE t.dialog_id = d.id AND t.code = 'TIMER_TEARDOWN'"
	"   ORDER BY ts, id LIMIT 1) AS teardown_detail"
	" FROM dialogs d LEFT JOIN findings r ON r.id = (SELECT f.id FROM findings f"
	"   WHERE f.dialog_id = d.id AND f.code IN ('REFRESH_2XX_NO_SESSION_EXPIRES',"
	"   'REFRESH_2XX_NO_CONTACT','REFRESH_2XX_MALFORMED','REFRESH_UNANSWERED',"
	"   'RESPONSE_NOT_RELAYED','REFRESH_REJECTED','REFRESH_OVERDUE',"
	"   'REFRESH_REINVITE_NO_ACK','REFRESHER_UAC_UNSUPPORTED')"
	"   AND f.ts >= coalesce(d.last_refresh, 0) ORDER BY f.ts, f.id LIMIT 1)"
	" WHERE d.end_class = 'TIMER_TEARDOWN';"

	/* Per endpoint (and agent) over all captures: "every UCMA 3.0 endpoint
	 * answers UPDATE without Contact" is one query. */
	"CREATE VIEW refresh_stats_by_endpoint AS SELECT"
	" endpoint, agent, sum(refresh_answers_ok) AS refresh_answers_ok,"
	" sum(malformed) AS malformed, sum(lost) AS lost, sum(rejected) AS rejected"
	" FROM endpoints GROUP BY endpoint, agent;"

	"PRAGMA user_version = 1;";

/* Migration 2: ids are never reused.  Without AUTOINCREMENT a new row takes
 * max(id) + 1, so once retention had deleted the newest captures (or every
 * row), new rows took ids that scripts had already seen ("messages with id
 * > the last one exported" would skip them).  Retention now records the
 * highest id of each table here before deleting, and new ids start above it. */
static const char SCHEMA_V2[] =
	"CREATE TABLE id_high_water ("
	" name TEXT PRIMARY KEY,"
	" id INTEGER NOT NULL);"
	"PRAGMA user_version = 2;";

/* Migration 3: TLS sessions per capture (issue 16): seen (decrypted, or on a
 * SIP/TLS port), decrypted with a key, and seen without one. */
static const char SCHEMA_V3[] =
	"ALTER TABLE captures ADD COLUMN tls_sessions INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE captures ADD COLUMN tls_decrypted INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE captures ADD COLUMN tls_no_keys INTEGER NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 3;";
/* Migration 4 (issue 15): the capture agent id of a message that came as HEP
 * (--hep-listen, or HEP3 inside a capture); NULL for messages seen on the wire.
 * Added after raw (ALTER TABLE appends): reading it walks past raw, which is
 * fine for the occasional per-agent query.  And per capture, what HEP brought:
 * packets, errors (also counted in parse_errors), wrong keys, and listener
 * connections closed (idle, stuck in a partial packet, not HEP, evicted). */
static const char SCHEMA_V4[] =
	"ALTER TABLE messages ADD COLUMN hep_agent_id INTEGER;"
	"ALTER TABLE captures ADD COLUMN hep_packets INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE captures ADD COLUMN hep_errors INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE captures ADD COLUMN hep_auth_failed INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE captures ADD COLUMN hep_tcp_closed INTEGER NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 4;";
/* Migration 7 (issue 17): what storage trouble left out of a capture.
 * db_status is NULL when everything was stored, else one line ("degraded
 * (storing no messages): PATH: database or disk is full", or "incomplete,
 * then stored everything again: ..."); db_errors counts the failed writes,
 * db_skipped the messages, bodies and rows not stored. */
static const char SCHEMA_V7[] =
	"ALTER TABLE captures ADD COLUMN db_status TEXT;"
	"ALTER TABLE captures ADD COLUMN db_errors INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE captures ADD COLUMN db_skipped INTEGER NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 7;";

/* Migration 5 (issue 15): named counters of a capture, so a user sees what
 * arrived (packets per encapsulation: "encap.vxlan") and what was not read
 * ("not_decoded.unknown_ethertype", "not_decoded.truncated", ...).  A table
 * rather than columns: new decoders add counters without a migration. */
static const char SCHEMA_V5[] =
	"CREATE TABLE capture_counts ("
	" capture_id INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" value INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (capture_id, name));"
	"PRAGMA user_version = 5;";

/* Migration 6 (issue 13; renumbered in landing order;
 * session-timers.md "Risk and proof", "Blame"): a dialog at risk (a defective
 * refresh answer not yet proved fatal or accepted) and, per endpoint, how many
 * of its defective answers were accepted by the refresher and how many the
 * call did not survive (malformed keeps counting them all). */
static const char SCHEMA_V6[] =
	"ALTER TABLE dialogs ADD COLUMN at_risk INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE dialogs ADD COLUMN at_risk_at REAL;"
	"ALTER TABLE endpoints ADD COLUMN accepted INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE endpoints ADD COLUMN fatal INTEGER NOT NULL DEFAULT 0;"
	/* doomed_dialogs, same columns: a doomed dialog's risk findings are among
	 * its causes (the defect the evidence proved fatal), so the defective
	 * answer's sender stays the first one blamed, as before risk existed */
	"DROP VIEW doomed_dialogs;"
	"CREATE VIEW doomed_dialogs AS SELECT"
	" d.id, d.capture_id, d.call_id, d.from_uri, d.to_uri, d.caller_ua, d.callee_ua,"
	" d.created, d.established, d.ended, d.end_class, d.refresher, d.session_expires,"
	" d.doomed_at, d.teardown_expected, d.deadline,"
	" (SELECT group_concat(code, ',') FROM (SELECT code FROM findings f"
	"   WHERE f.dialog_id = d.id GROUP BY code ORDER BY min(ts), min(id))) AS codes,"
	" (SELECT group_concat(code, ',') FROM (SELECT code FROM findings f"
	"   WHERE f.dialog_id = d.id AND f.severity IN ('doom', 'risk')"
	"   GROUP BY code ORDER BY min(ts), min(id))) AS doom_codes,"
	" (SELECT group_concat(detail, ' | ') FROM (SELECT detail FROM findings f"
	"   WHERE f.dialog_id = d.id AND f.severity IN ('doom', 'risk') ORDER BY ts, id)) AS cause,"
	" (SELECT endpoint FROM findings f WHERE f.dialog_id = d.id"
	"   AND f.severity IN ('doom', 'risk') ORDER BY ts, id LIMIT 1) AS blame_endpoint,"
	" (SELECT agent FROM findings f WHERE f.dialog_id = d.id"
	"   AND f.severity IN ('doom', 'risk') ORDER BY ts, id LIMIT 1) AS blame_agent"
	" FROM dialogs d WHERE d.doomed = 1;"
	"PRAGMA user_version = 6;";

/* Migration 8: which file a capture was read from, so reading the same file
 * into the same db again is noticed (db/capture_file.c): its size in bytes
 * and a digest of its first 64 KiB (the file header and first packets); and
 * an index on the messages outside INVITE dialogs. */
static const char SCHEMA_V8[] =
	"ALTER TABLE captures ADD COLUMN file_size INTEGER;"
	"ALTER TABLE captures ADD COLUMN file_digest TEXT;"
	/* REGISTER, OPTIONS, SUBSCRIBE/NOTIFY, MESSAGE ... outside any INVITE
	 * dialog, counted per capture by the report without a scan of messages */
	"CREATE INDEX messages_outside ON messages(capture_id, method) WHERE dialog_id IS NULL;"
	"PRAGMA user_version = 8;";

/* Migration 9: entries outside INVITE dialogs (analyzer/method_track.c) are
 * dialog rows too: what opened each row (every row before is an INVITE
 * dialog) and, for those entries, the last final status. */
static const char SCHEMA_V9[] =
	"ALTER TABLE dialogs ADD COLUMN method TEXT NOT NULL DEFAULT 'INVITE';"
	"ALTER TABLE dialogs ADD COLUMN final_status INTEGER;"
	"PRAGMA user_version = 9;";

struct schema_migration {
	int version;
	const char *sql; /* ends by setting PRAGMA user_version to version */
};

static const struct schema_migration schema_migrations[] = {
	{1, SCHEMA_V1},
	{2, SCHEMA_V2},
	{3, SCHEMA_V3},
	{4, SCHEMA_V4},
	{5, SCHEMA_V5},
	{6, SCHEMA_V6},
	{7, SCHEMA_V7},
	{8, SCHEMA_V8},
	{9, SCHEMA_V9},
};

#define SCHEMA_N_MIGRATIONS (sizeof schema_migrations / sizeof schema_migrations[0])

int schema_latest_version(void)
{
	return schema_migrations[SCHEMA_N_MIGRATIONS - 1].version;
}

/* Runs a pragma that answers one text row, and returns that row in buf. */
static int schema_pragma_text(sqlite3 *db, const char *sql, char *buf, size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		snprintf(buf, n, "%s", v ? v : "");
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		if (n)
			buf[0] = '\0';
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int schema_configure(sqlite3 *db, const char *path, int busy_timeout_ms, char *err, size_t n)
{
	char mode[16];
	int rc = sqlite3_busy_timeout(db, busy_timeout_ms);

	/* Only takes effect on a new, empty db (before WAL is set): bigger pages
	 * halve the syscalls per row of an append-mostly table of SIP texts. */
	if (rc == SQLITE_OK)
		rc = dbutil_exec(db, "PRAGMA page_size = 16384");
	/* Also only on a new db (before its first table): pages freed by
	 * --db-max-size and --retention-days can be given back to the file
	 * system (PRAGMA incremental_vacuum, db/prune.c). */
	if (rc == SQLITE_OK)
		rc = dbutil_exec(db, "PRAGMA auto_vacuum = INCREMENTAL");
	if (rc == SQLITE_OK)
		rc = schema_pragma_text(db, "PRAGMA journal_mode = WAL", mode, sizeof mode);
	if (rc == SQLITE_OK && strcmp(mode, "wal") != 0) {
		snprintf(err, n, "%s: cannot use WAL journal mode (got \"%s\")", path, mode);
		return SQLITE_ERROR;
	}
	if (rc == SQLITE_OK)
		rc = dbutil_exec(db, "PRAGMA synchronous = NORMAL");
	/* Keep the -wal file from staying huge after a burst. */
	if (rc == SQLITE_OK)
		rc = dbutil_exec(db, "PRAGMA journal_size_limit = 67108864");
	/* 8 MiB: the whole process must stay within 64 MiB.  Measured on the
	 * 231,498-message gen_bench slice, commits every 100,000 rows (pwrite
	 * and pread calls of 16 KiB pages): 64 MiB 34k/15k, 16 MiB 40k/21k,
	 * 8 MiB 45k/27k, the default 2 MiB far more; a 100,000-row transaction
	 * does not fit 16 MiB either (SQLite spills its dirty pages into the
	 * WAL), so the step to 16 MiB buys little for its 8 MiB. */
	if (rc == SQLITE_OK)
		rc = dbutil_exec(db, "PRAGMA cache_size = -8192");
	/* Checkpoint every ~32 MB of WAL (2048 pages of 16 KB) rather than every
	 * 1000 pages: each checkpoint costs an fsync of the db. */
	if (rc == SQLITE_OK)
		rc = dbutil_exec(db, "PRAGMA wal_autocheckpoint = 2048");
	if (rc != SQLITE_OK)
		dbutil_format_error(err, n, path, db, rc, busy_timeout_ms);
	return rc;
}

int schema_read_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int schema_newer_error(const char *path, int version, char *err, size_t n)
{
	snprintf(err, n,
		 "%s: schema version %d is newer than this sipwatch understands (%d); "
		 "use a newer sipwatch or another db",
		 path, version, schema_latest_version());
	return SQLITE_ERROR;
}

/* Applies one migration in its own write transaction.  The version is read
 * again under the write lock: another sipwatch may have just done it.  The
 * reason is formatted before the rollback, which would overwrite it. */
static int schema_apply(sqlite3 *db, const struct schema_migration *m, const char *path,
			int busy_ms, char *err, size_t n)
{
	int version = 0;
	int rc = dbutil_exec(db, "BEGIN IMMEDIATE");

	if (rc == SQLITE_OK)
		rc = schema_read_version(db, &version);
	if (rc == SQLITE_OK && version < m->version)
		rc = dbutil_exec(db, m->sql);
	if (rc == SQLITE_OK)
		rc = dbutil_exec(db, "COMMIT");
	if (rc == SQLITE_OK)
		return rc;
	char why[200];
	dbutil_format_error(why, sizeof why, path, db, rc, busy_ms);
	snprintf(err, n, "%s (upgrading the schema to version %d)", why, m->version);
	if (!sqlite3_get_autocommit(db))
		dbutil_exec(db, "ROLLBACK");
	return rc;
}

int schema_migrate(sqlite3 *db, const char *path, int busy_timeout_ms, char *err, size_t n)
{
	int version = 0;
	int rc = schema_read_version(db, &version);

	if (rc != SQLITE_OK) {
		dbutil_format_error(err, n, path, db, rc, busy_timeout_ms);
		return rc;
	}
	if (version > schema_latest_version())
		return schema_newer_error(path, version, err, n);
	for (size_t i = 0; i < SCHEMA_N_MIGRATIONS; i++) {
		if (schema_migrations[i].version <= version)
			continue;
		rc = schema_apply(db, &schema_migrations[i], path, busy_timeout_ms, err, n);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}
