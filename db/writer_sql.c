/* writer_sql: the text of the writer's statements (writer_sql.h).
 *
 * Every statement is prepared once at open and reset after each use; values
 * are bound, never pasted into SQL.  The dialog upsert leaves the columns
 * that never change out of its UPDATE, and the retention deletes keep the
 * capture being read from a file (see the comments at each). */
#include "db/writer_sql.h"

#include <stddef.h>

static const char *const writer_sql_text[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_MESSAGE] = "INSERT INTO messages (id, dialog_id, ts, src, dst, transport, method,"
		       " status, cseq, cseq_method, capture_id, call_id, retransmission,"
		       " header_len, raw, hep_agent_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		       " ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[ST_DIALOG] =
		"INSERT INTO dialogs (id, capture_id, call_id, from_uri, to_uri, from_tag, to_tag,"
		" caller_ua, callee_ua, transport, created, established, ended, session_expires,"
		" min_se, refresher, refreshes_ok, refreshes_failed, last_refresh, deadline,"
		" teardown_expected, doomed, doomed_at, end_class, recovered, state, n_messages,"
		" finding_codes, at_risk, at_risk_at, method, final_status) VALUES (?1, ?2, ?3, ?4,"
		" ?5, ?6, ?7, ?8, ?9,"
		" ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25,"
		" ?26, ?27, ?28, ?29, ?30, ?31, ?32)"
		/* call_id, created and capture_id never change: leaving them out
		 * spares the indexes on them an update per upsert. */
		" ON CONFLICT (id) DO UPDATE SET from_uri = excluded.from_uri, to_uri = excluded.to_uri,"
		" from_tag = excluded.from_tag, to_tag = excluded.to_tag,"
		" caller_ua = excluded.caller_ua, callee_ua = excluded.callee_ua,"
		" transport = excluded.transport,"
		" established = excluded.established, ended = excluded.ended,"
		" session_expires = excluded.session_expires, min_se = excluded.min_se,"
		" refresher = excluded.refresher, refreshes_ok = excluded.refreshes_ok,"
		" refreshes_failed = excluded.refreshes_failed,"
		" last_refresh = excluded.last_refresh, deadline = excluded.deadline,"
		" teardown_expected = excluded.teardown_expected, doomed = excluded.doomed,"
		" doomed_at = excluded.doomed_at, end_class = excluded.end_class,"
		" recovered = excluded.recovered, state = excluded.state,"
		" n_messages = excluded.n_messages, finding_codes = excluded.finding_codes,"
		" at_risk = excluded.at_risk, at_risk_at = excluded.at_risk_at,"
		" final_status = excluded.final_status",
	/* The same SET as the upsert's, for a dialog already written (bound
	 * like it, ?1..?32; ?2, ?3, ?11 and ?31 unused): no INSERT attempted
	 * first, no conflict to resolve (writer_rows.c). */
	[ST_DIALOG_UPDATE] =
		"UPDATE dialogs SET from_uri = ?4, to_uri = ?5, from_tag = ?6, to_tag = ?7,"
		" caller_ua = ?8, callee_ua = ?9, transport = ?10, established = ?12, ended = ?13,"
		" session_expires = ?14, min_se = ?15, refresher = ?16, refreshes_ok = ?17,"
		" refreshes_failed = ?18, last_refresh = ?19, deadline = ?20,"
		" teardown_expected = ?21, doomed = ?22, doomed_at = ?23, end_class = ?24,"
		" recovered = ?25, state = ?26, n_messages = ?27, finding_codes = ?28,"
		" at_risk = ?29, at_risk_at = ?30, final_status = ?32 WHERE id = ?1",
	[ST_FINDING] = "INSERT INTO findings (id, dialog_id, message_id, code, severity, ts,"
		       " detail, capture_id, endpoint, agent)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
		       /* a risk finding the refresher accepted comes again as a warning */
		       " ON CONFLICT (id) DO UPDATE SET severity = excluded.severity,"
		       " detail = excluded.detail",
	[ST_ENDPOINT] = "INSERT INTO endpoints (capture_id, endpoint, agent, refresh_answers_ok,"
			" malformed, lost, rejected, accepted, fatal)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
			" ON CONFLICT (capture_id, endpoint) DO UPDATE SET"
			" agent = coalesce(excluded.agent, agent),"
			" refresh_answers_ok = excluded.refresh_answers_ok,"
			" malformed = excluded.malformed, lost = excluded.lost,"
			" rejected = excluded.rejected, accepted = excluded.accepted,"
			" fatal = excluded.fatal",
	[ST_CAPTURE_INSERT] = "INSERT INTO captures (id, source, kind, started, ended, packets,"
			      " sip_messages, parse_errors, dropped, duplicates, encrypted,"
			      " tls_sessions, tls_decrypted, tls_no_keys, hep_packets, hep_errors,"
			      " hep_auth_failed, hep_tcp_closed)"
			      " VALUES (max(coalesce((SELECT max(id) FROM captures), 0),"
			      " coalesce((SELECT id FROM id_high_water WHERE name = 'captures'), 0))"
			      " + 1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
			      " ?16, ?17)",
	[ST_CAPTURE_UPDATE] = "UPDATE captures SET source = ?1, kind = ?2, started = ?3,"
			      " ended = ?4, packets = ?5, sip_messages = ?6, parse_errors = ?7,"
			      " dropped = ?8, duplicates = ?9, encrypted = ?10, tls_sessions = ?11,"
			      " tls_decrypted = ?12, tls_no_keys = ?13, hep_packets = ?14,"
			      " hep_errors = ?15, hep_auth_failed = ?16, hep_tcp_closed = ?17"
			      " WHERE id = ?18",
	[ST_CAPTURE_COUNT] = "INSERT INTO capture_counts (capture_id, name, value) VALUES (?1, ?2, ?3)"
			     " ON CONFLICT (capture_id, name) DO UPDATE SET value = excluded.value",
	/* The first free ids: above every row and above every id retention
	 * ever deleted (id_high_water), so no id is used twice. */
	[ST_NEXT_IDS] = "SELECT max(coalesce((SELECT max(id) FROM dialogs), 0),"
			" coalesce((SELECT id FROM id_high_water WHERE name = 'dialogs'), 0)) + 1,"
			" max(coalesce((SELECT max(id) FROM messages), 0),"
			" coalesce((SELECT id FROM id_high_water WHERE name = 'messages'), 0)) + 1,"
			" max(coalesce((SELECT max(id) FROM findings), 0),"
			" coalesce((SELECT id FROM id_high_water WHERE name = 'findings'), 0)) + 1",
	[ST_RET_HIGH_WATER] = "INSERT INTO id_high_water (name, id)"
			      " SELECT 'captures', coalesce(max(id), 0) FROM captures"
			      " UNION ALL SELECT 'dialogs', coalesce(max(id), 0) FROM dialogs"
			      " UNION ALL SELECT 'messages', coalesce(max(id), 0) FROM messages"
			      " UNION ALL SELECT 'findings', coalesce(max(id), 0) FROM findings"
			      " WHERE true ON CONFLICT (name) DO UPDATE SET id = max(id, excluded.id)",
	/* Retention: rows of old dialogs go with them even when newer than the
	 * cutoff, so no finding or message is left pointing at nothing.  ?2 is
	 * the capture being read from a file (0 = none): its rows are kept
	 * whatever their packet times, or importing an old capture with
	 * --retention-days would delete its first rows while writing the rest.
	 * The captures row being written is kept whatever its kind (a live
	 * capture running for months is trimmed, not removed). */
	[ST_RET_MESSAGES] = "DELETE FROM messages WHERE (ts < ?1 OR dialog_id IN"
			    " (SELECT id FROM dialogs WHERE created < ?1)) AND capture_id IS NOT ?2",
	[ST_RET_FINDINGS] = "DELETE FROM findings WHERE (ts < ?1 OR dialog_id IN"
			    " (SELECT id FROM dialogs WHERE created < ?1)) AND capture_id IS NOT ?2",
	[ST_RET_DIALOGS] = "DELETE FROM dialogs WHERE created < ?1 AND capture_id IS NOT ?2",
	[ST_RET_CAPTURES] = "DELETE FROM captures WHERE coalesce(ended, started) < ?1"
			    " AND id IS NOT ?2",
	[ST_RET_ENDPOINTS] = "DELETE FROM endpoints WHERE capture_id NOT IN (SELECT id FROM captures)",
	[ST_RET_COUNTS] = "DELETE FROM capture_counts WHERE capture_id NOT IN"
			  " (SELECT id FROM captures)",
	/* issue 17: what this run could not store, on its captures row. */
	[ST_CAPTURE_DBSTATE] = "UPDATE captures SET db_status = ?1, db_errors = ?2, db_skipped = ?3"
			       " WHERE id = ?4",
};

int writer_sql_prepare(sqlite3 *db, sqlite3_stmt *st[ST_COUNT])
{
	for (int i = 0; i < ST_COUNT; i++) {
		int rc = sqlite3_prepare_v3(db, writer_sql_text[i], -1, SQLITE_PREPARE_PERSISTENT,
					    &st[i], NULL);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

void writer_sql_finalize(sqlite3_stmt *st[ST_COUNT])
{
	for (int i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(st[i]);
		st[i] = NULL;
	}
}
