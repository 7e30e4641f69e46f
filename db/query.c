/* query: the read-only side of the db (query.h), for the report and the
 * dashboard.
 *
 * Its own connection opened SQLITE_OPEN_READONLY: in WAL mode it reads the
 * last committed state while the writer holds a transaction, and never blocks
 * it.  Statements are prepared on first use and kept; a callback that
 * re-enters the function running gets a temporary statement instead of
 * clobbering the one being stepped.  Rows become the analyzer's own records
 * (times back to microseconds, names back to enums). */
#include "db/query.h"
#include "db/query_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/xalloc.h"
#include "db/dbutil.h"
#include "db/query_tally.h"
#include "db/schema.h"

enum query_stmt {
	Q_NEWEST = 0,
	Q_CAPTURE,
	Q_CAPTURE_COUNTS,
	Q_COUNT_DIALOGS,
	Q_DIALOGS,
	Q_FINDINGS,
	Q_MESSAGES,
	Q_ENDPOINTS,
	Q_END_CLASSES,
	Q_CODES,
	Q_BEGIN,
	Q_END,
	Q_DATA_VERSION,
	Q_SEARCH,
	Q_METHODS_OUTSIDE,
	/* schema 9 on: rows outside INVITE dialogs have a method of their own */
	Q_COUNT_DIALOGS9,
	Q_DIALOGS9_ALL,
	Q_DIALOGS9_INVITE,
	Q_DIALOGS9_OTHER,
	Q_END_CLASSES9,
	Q_METHODS_OUTSIDE9,
	Q_OTHER_DIALOGS9,
	Q_END_CLASS_ROWS9,
	Q_OTHER_METHOD_ROWS9,
	Q_COUNT
};

#define QUERY_DIALOG_COLS \
	"SELECT id, call_id, from_uri, to_uri, from_tag, to_tag, caller_ua," \
	" callee_ua, transport, created, established, ended, session_expires," \
	" min_se, refresher, refreshes_ok, refreshes_failed, last_refresh, deadline," \
	" teardown_expected, doomed, doomed_at, recovered, end_class, state," \
	" n_messages, finding_codes, at_risk, at_risk_at"

static const char *const query_sql[Q_COUNT] = {
	[Q_NEWEST] = "SELECT coalesce(max(id), 0) FROM captures",
	[Q_CAPTURE] = "SELECT id, source, kind, started, ended, packets, sip_messages, parse_errors,"
		      " duplicates, dropped, encrypted, tls_sessions, tls_decrypted, tls_no_keys,"
		      " hep_packets, hep_errors, hep_auth_failed, hep_tcp_closed"
		      " FROM captures WHERE id = ?1",
	[Q_CAPTURE_COUNTS] = "SELECT name, value FROM capture_counts WHERE capture_id = ?1"
			     " ORDER BY rowid",
	[Q_COUNT_DIALOGS] = "SELECT count(*), coalesce(sum(doomed = 1), 0) FROM dialogs"
			    " WHERE capture_id = ?1",
	[Q_DIALOGS] = "SELECT id, call_id, from_uri, to_uri, from_tag, to_tag, caller_ua,"
		      " callee_ua, transport, created, established, ended, session_expires,"
		      " min_se, refresher, refreshes_ok, refreshes_failed, last_refresh, deadline,"
		      " teardown_expected, doomed, doomed_at, recovered, end_class, state,"
		      " n_messages, finding_codes, at_risk, at_risk_at FROM dialogs"
		      " WHERE capture_id = ?1"
		      " ORDER BY created, id",
	[Q_FINDINGS] = "SELECT id, dialog_id, message_id, code, severity, ts, detail, endpoint,"
		       " agent FROM findings WHERE dialog_id = ?1 ORDER BY ts, id",
	[Q_MESSAGES] = "SELECT id, dialog_id, ts, src, dst, transport, method, status, cseq,"
		       " cseq_method, call_id, retransmission, header_len, raw FROM messages"
		       " WHERE dialog_id = ?1 ORDER BY ts, id",
	[Q_ENDPOINTS] = "SELECT endpoint, agent, refresh_answers_ok, malformed, lost, rejected,"
			" accepted, fatal"
			" FROM endpoints WHERE capture_id = ?1 ORDER BY endpoint",
	[Q_END_CLASSES] = "SELECT coalesce(end_class, 'ACTIVE'), count(*) FROM dialogs"
			  " WHERE capture_id = ?1 GROUP BY 1 ORDER BY 1",
	[Q_CODES] = "SELECT code, count(*) FROM findings WHERE capture_id = ?1"
		    " GROUP BY code ORDER BY code",
	[Q_BEGIN] = "BEGIN",
	[Q_END] = "COMMIT",
	[Q_DATA_VERSION] = "PRAGMA data_version",
	/* sngrep's payload search: every message's raw text, headers and body
	 * (a scan of the capture's messages: run on demand, not per refresh) */
	[Q_SEARCH] = "SELECT DISTINCT dialog_id FROM messages WHERE capture_id = ?1"
		     " AND dialog_id IS NOT NULL AND instr(lower(raw), lower(?2)) > 0",
	[Q_METHODS_OUTSIDE] = "SELECT method, count(*) FROM messages WHERE capture_id = ?1"
			      " AND dialog_id IS NULL AND method IS NOT NULL AND NOT retransmission"
			      " GROUP BY method ORDER BY method",
	/* `dialogs` keeps its meaning: INVITE dialogs (contract.md) */
	[Q_COUNT_DIALOGS9] = "SELECT count(*), coalesce(sum(doomed = 1), 0) FROM dialogs"
			     " WHERE capture_id = ?1 AND method = 'INVITE'",
	[Q_DIALOGS9_ALL] = QUERY_DIALOG_COLS ", method, final_status FROM dialogs"
			   " WHERE capture_id = ?1 ORDER BY created, id",
	[Q_DIALOGS9_INVITE] = QUERY_DIALOG_COLS ", method, final_status FROM dialogs"
			      " WHERE capture_id = ?1 AND method = 'INVITE' ORDER BY created, id",
	[Q_DIALOGS9_OTHER] = QUERY_DIALOG_COLS ", method, final_status FROM dialogs"
			     " WHERE capture_id = ?1 AND method <> 'INVITE' ORDER BY created, id",
	[Q_END_CLASSES9] = "SELECT coalesce(end_class, 'ACTIVE'), count(*) FROM dialogs"
			   " WHERE capture_id = ?1 AND method = 'INVITE' GROUP BY 1 ORDER BY 1",
	/* the requests of the entries outside INVITE dialogs, and of the
	 * messages in no entry at all (a stray BYE, an unknown method) */
	[Q_METHODS_OUTSIDE9] =
		"SELECT method, sum(n) FROM ("
		" SELECT m.method AS method, count(*) AS n FROM dialogs d"
		"  JOIN messages m ON m.dialog_id = d.id"
		"  WHERE d.capture_id = ?1 AND d.method <> 'INVITE' AND m.method IS NOT NULL"
		"  AND NOT m.retransmission GROUP BY m.method"
		" UNION ALL SELECT method, count(*) FROM messages WHERE capture_id = ?1"
		"  AND dialog_id IS NULL AND method IS NOT NULL AND NOT retransmission"
		"  GROUP BY method)"
		" GROUP BY method ORDER BY method",
	[Q_OTHER_DIALOGS9] = "SELECT method, count(*) FROM dialogs WHERE capture_id = ?1"
			     " AND method <> 'INVITE' GROUP BY method ORDER BY method",
	/* the same two, a row per dialog, counted in C (query_tally.h) */
	[Q_END_CLASS_ROWS9] = "SELECT coalesce(end_class, 'ACTIVE') FROM dialogs"
			      " WHERE capture_id = ?1 AND method = 'INVITE'",
	[Q_OTHER_METHOD_ROWS9] = "SELECT method FROM dialogs WHERE capture_id = ?1"
				 " AND method <> 'INVITE'",
};

struct db_reader {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[Q_COUNT];
	bool busy[Q_COUNT];
	char *cap_source, *cap_kind;
	int version; /* the schema's: capture_counts exists from 4 on */
	char err[320];
};

/* A row-reading cursor: the cached statement, or a temporary one when the
 * cached one is already being stepped further up the stack. */
struct query_cursor {
	struct db_reader *r;
	enum query_stmt q;
	sqlite3_stmt *st;
	bool temp;
};

static void query_fail(struct db_reader *r, int rc)
{
	dbutil_format_error(r->err, sizeof r->err, r->path, r->db, rc, 0);
}

static bool query_cursor_open(struct query_cursor *c, struct db_reader *r, enum query_stmt q)
{
	int rc = SQLITE_OK;

	c->r = r;
	c->q = q;
	c->temp = r->busy[q];
	if (c->temp) {
		rc = sqlite3_prepare_v2(r->db, query_sql[q], -1, &c->st, NULL);
	} else {
		if (!r->st[q])
			rc = sqlite3_prepare_v3(r->db, query_sql[q], -1, SQLITE_PREPARE_PERSISTENT,
						&r->st[q], NULL);
		c->st = r->st[q];
	}
	if (rc != SQLITE_OK) {
		query_fail(r, rc);
		return false;
	}
	if (!c->temp)
		r->busy[q] = true;
	return true;
}

static void query_cursor_close(struct query_cursor *c)
{
	if (c->temp) {
		sqlite3_finalize(c->st);
	} else {
		sqlite3_reset(c->st);
		sqlite3_clear_bindings(c->st);
		c->r->busy[c->q] = false;
	}
}

/* Steps: true with a row; false at the end or on error (*ok tells which). */
static bool query_cursor_next(struct query_cursor *c, bool *ok)
{
	int rc = sqlite3_step(c->st);

	if (rc == SQLITE_ROW)
		return true;
	if (rc != SQLITE_DONE) {
		query_fail(c->r, rc);
		*ok = false;
	}
	return false;
}

static bool query_bind_id(struct query_cursor *c, uint64_t id)
{
	int rc = sqlite3_bind_int64(c->st, 1, (sqlite3_int64)id);

	if (rc != SQLITE_OK)
		query_fail(c->r, rc);
	return rc == SQLITE_OK;
}

int db_reader_small_cache(struct db_reader *r)
{
	/* a pragma takes no bound value; the number is ours */
	return dbutil_exec(r->db, "PRAGMA cache_size = -256") == SQLITE_OK ? 0 : -1;
}

struct db_reader *db_reader_open(const char *path, char *err, size_t n)
{
	sqlite3 *db = NULL;
	int version = 0;
	struct stat st;
	int rc;

	/* SQLite says only "unable to open database file" for both */
	if (stat(path, &st) != 0) {
		snprintf(err, n, "%s: no such db (sipwatch -r FILE -d %s writes one)", path, path);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, n, "%s: is a directory, not a db file", path);
		return NULL;
	}
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(db, 5000);
	if (rc == SQLITE_OK)
		rc = schema_read_version(db, &version);
	if (rc != SQLITE_OK) {
		dbutil_format_error(err, n, path, db, rc, 5000);
		sqlite3_close(db);
		return NULL;
	}
	if (version == 0 || version > schema_latest_version()) {
		if (version == 0)
			snprintf(err, n, "%s: not a sipwatch database (no schema)", path);
		else
			snprintf(err, n, "%s: schema version %d is newer than this sipwatch (%d)",
				 path, version, schema_latest_version());
		sqlite3_close(db);
		return NULL;
	}
	struct db_reader *r = xcalloc(1, sizeof *r);
	r->db = db;
	r->path = xstrdup(path);
	r->version = version;
	return r;
}

void db_reader_close(struct db_reader *r)
{
	if (!r)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(r->st[i]);
	sqlite3_close(r->db);
	free(r->cap_source);
	free(r->cap_kind);
	free(r->path);
	free(r);
}

const char *db_reader_error(const struct db_reader *r)
{
	return r ? r->err : "";
}

static uint64_t query_resolve_capture(struct db_reader *r, uint64_t capture_id, bool *ok);

/* Runs a statement without rows (BEGIN / COMMIT). */
static bool query_exec(struct db_reader *r, enum query_stmt q)
{
	struct query_cursor c;
	bool ok = true;

	if (!query_cursor_open(&c, r, q))
		return false;
	query_cursor_next(&c, &ok);
	query_cursor_close(&c);
	return ok;
}

/* BEGIN is deferred: the snapshot is taken by the first read, done here so
 * that it is the state at db_reader_begin, not at some later query. */
bool db_reader_begin(struct db_reader *r)
{
	bool ok = true;

	if (!sqlite3_get_autocommit(r->db))
		return true;
	if (!query_exec(r, Q_BEGIN))
		return false;
	query_resolve_capture(r, 0, &ok);
	if (!ok)
		db_reader_end(r);
	return ok;
}

void db_reader_end(struct db_reader *r)
{
	if (!sqlite3_get_autocommit(r->db))
		query_exec(r, Q_END);
}

uint64_t db_data_version(struct db_reader *r)
{
	struct query_cursor c;
	bool ok = true;
	uint64_t v = 0;

	if (!query_cursor_open(&c, r, Q_DATA_VERSION))
		return 0;
	if (query_cursor_next(&c, &ok))
		v = dbutil_column_u64(c.st, 0);
	query_cursor_close(&c);
	return v;
}

/* 0 = the newest capture; 0 again if the db has none. */
static uint64_t query_resolve_capture(struct db_reader *r, uint64_t capture_id, bool *ok)
{
	struct query_cursor c;
	uint64_t id = 0;

	if (capture_id)
		return capture_id;
	if (!query_cursor_open(&c, r, Q_NEWEST)) {
		*ok = false;
		return 0;
	}
	if (query_cursor_next(&c, ok))
		id = dbutil_column_u64(c.st, 0);
	query_cursor_close(&c);
	return id;
}

static char *query_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

bool db_read_capture(struct db_reader *r, uint64_t capture_id, uint64_t *id_out,
		     struct capture_info *out)
{
	struct query_cursor c;
	bool ok = true, found = false;
	uint64_t id = query_resolve_capture(r, capture_id, &ok);

	if (!ok || !query_cursor_open(&c, r, Q_CAPTURE))
		return false;
	if (query_bind_id(&c, id) && query_cursor_next(&c, &ok)) {
		free(r->cap_source);
		free(r->cap_kind);
		r->cap_source = query_dup(dbutil_column_str(c.st, 1));
		r->cap_kind = query_dup(dbutil_column_str(c.st, 2));
		memset(out, 0, sizeof *out);
		out->source = r->cap_source;
		out->kind = r->cap_kind;
		out->started = dbutil_column_time(c.st, 3);
		out->ended = dbutil_column_time(c.st, 4);
		out->packets = dbutil_column_u64(c.st, 5);
		out->sip_messages = dbutil_column_u64(c.st, 6);
		out->parse_errors = dbutil_column_u64(c.st, 7);
		out->duplicates = dbutil_column_u64(c.st, 8);
		out->dropped = dbutil_column_u64(c.st, 9);
		out->encrypted = dbutil_column_u64(c.st, 10);
		out->tls_sessions = dbutil_column_u64(c.st, 11);
		out->tls_decrypted = dbutil_column_u64(c.st, 12);
		out->tls_no_keys = dbutil_column_u64(c.st, 13);
		out->hep_packets = dbutil_column_u64(c.st, 14);
		out->hep_errors = dbutil_column_u64(c.st, 15);
		out->hep_auth_failed = dbutil_column_u64(c.st, 16);
		out->hep_tcp_closed = dbutil_column_u64(c.st, 17);
		if (id_out)
			*id_out = dbutil_column_u64(c.st, 0);
		found = true;
	}
	query_cursor_close(&c);
	if (found && r->version >= 4 && query_cursor_open(&c, r, Q_CAPTURE_COUNTS)) {
		if (query_bind_id(&c, id))
			while (query_cursor_next(&c, &ok)) {
				const char *name = dbutil_column_str(c.st, 0);
				capture_info_add_count(out, name ? name : "",
						       dbutil_column_u64(c.st, 1));
			}
		query_cursor_close(&c);
	}
	if (ok && !found) {
		if (id)
			snprintf(r->err, sizeof r->err, "%s: no capture %llu", r->path,
				 (unsigned long long)id);
		else
			snprintf(r->err, sizeof r->err, "%s: no capture in the db", r->path);
	}
	return found;
}

bool db_count_dialogs(struct db_reader *r, uint64_t capture_id, uint64_t *dialogs,
		      uint64_t *doomed)
{
	struct query_cursor c;
	bool ok = true;
	uint64_t id = query_resolve_capture(r, capture_id, &ok);

	*dialogs = *doomed = 0;
	if (!ok || !query_cursor_open(&c, r, r->version >= 9 ? Q_COUNT_DIALOGS9 : Q_COUNT_DIALOGS))
		return false;
	if (query_bind_id(&c, id) && query_cursor_next(&c, &ok)) {
		*dialogs = dbutil_column_u64(c.st, 0);
		*doomed = dbutil_column_u64(c.st, 1);
	}
	query_cursor_close(&c);
	return ok;
}

static enum transport query_transport(const char *s)
{
	for (int t = 0; s && t < TRANSPORT_COUNT; t++)
		if (strcmp(s, transport_name((enum transport)t)) == 0)
			return (enum transport)t;
	return TRANSPORT_UDP;
}

static enum end_class query_end_class(const char *s)
{
	for (int e = END_NORMAL_BYE; s && e <= END_REPLACED; e++)
		if (strcmp(s, end_class_name((enum end_class)e)) == 0)
			return (enum end_class)e;
	return END_NONE;
}

static enum dialog_refresher query_refresher(const char *s)
{
	if (s && strcmp(s, "uac") == 0)
		return DIALOG_REFRESHER_UAC;
	if (s && strcmp(s, "uas") == 0)
		return DIALOG_REFRESHER_UAS;
	return DIALOG_REFRESHER_NONE;
}

static enum severity query_severity(const char *s)
{
	if (s && strcmp(s, "doom") == 0)
		return SEVERITY_DOOM;
	if (s && strcmp(s, "warning") == 0)
		return SEVERITY_WARNING;
	if (s && strcmp(s, "risk") == 0)
		return SEVERITY_RISK;
	return SEVERITY_INFO;
}

/* "CODE,CODE" back to a bit mask; unknown names (a newer analyzer) are skipped. */
static void query_copy_endpoint(char *dst, const char *src)
{
	snprintf(dst, ENDPOINT_STR_MAX, "%s", src ? src : "");
}

static void query_dialog_row(sqlite3_stmt *st, struct dialog_record *d)
{
	memset(d, 0, sizeof *d);
	d->id = dbutil_column_u64(st, 0);
	d->call_id = dbutil_column_str(st, 1);
	d->from_uri = dbutil_column_str(st, 2);
	d->to_uri = dbutil_column_str(st, 3);
	d->from_tag = dbutil_column_str(st, 4);
	d->to_tag = dbutil_column_str(st, 5);
	d->caller_ua = dbutil_column_str(st, 6);
	d->callee_ua = dbutil_column_str(st, 7);
	d->transport = query_transport(dbutil_column_str(st, 8));
	d->created = dbutil_column_time(st, 9);
	d->established = dbutil_column_time(st, 10);
	d->ended = dbutil_column_time(st, 11);
	d->session_expires = dbutil_column_opt_int(st, 12);
	d->min_se = dbutil_column_opt_int(st, 13);
	d->refresher = query_refresher(dbutil_column_str(st, 14));
	d->refreshes_ok = (uint32_t)dbutil_column_u64(st, 15);
	d->refreshes_failed = (uint32_t)dbutil_column_u64(st, 16);
	d->last_refresh = dbutil_column_time(st, 17);
	d->deadline = dbutil_column_time(st, 18);
	d->teardown_expected = dbutil_column_time(st, 19);
	d->doomed = sqlite3_column_int(st, 20) != 0;
	d->doomed_at = dbutil_column_time(st, 21);
	d->recovered = sqlite3_column_int(st, 22) != 0;
	d->end_class = query_end_class(dbutil_column_str(st, 23));
	d->state = dbutil_column_str(st, 24);
	d->n_messages = (uint32_t)dbutil_column_u64(st, 25);
	d->finding_mask = finding_mask_from_text(dbutil_column_str(st, 26));
	d->at_risk = sqlite3_column_int(st, 27) != 0;
	d->at_risk_at = dbutil_column_time(st, 28);
	/* schema 9 on; before it every row is an INVITE dialog */
	d->method = sqlite3_column_count(st) > 29 ? dbutil_column_str(st, 29) : "INVITE";
	d->final_status = sqlite3_column_count(st) > 30 ? sqlite3_column_int(st, 30) : 0;
}

static void query_finding_row(sqlite3_stmt *st, struct finding_record *f)
{
	memset(f, 0, sizeof *f);
	f->id = dbutil_column_u64(st, 0);
	f->dialog_id = dbutil_column_u64(st, 1);
	f->message_id = dbutil_column_u64(st, 2);
	if (!finding_code_from_name(dbutil_column_str(st, 3) ? dbutil_column_str(st, 3) : "",
				    &f->code))
		f->code = FINDING_CODE_COUNT; /* finding_code_name says "UNKNOWN" */
	f->severity = query_severity(dbutil_column_str(st, 4));
	f->ts_us = dbutil_column_time(st, 5);
	f->detail = dbutil_column_str(st, 6);
	query_copy_endpoint(f->endpoint, dbutil_column_str(st, 7));
	f->agent = dbutil_column_str(st, 8);
}

static void query_message_row(sqlite3_stmt *st, struct message_record *m)
{
	memset(m, 0, sizeof *m);
	m->id = dbutil_column_u64(st, 0);
	m->dialog_id = dbutil_column_u64(st, 1);
	m->ts_us = dbutil_column_time(st, 2);
	query_copy_endpoint(m->src, dbutil_column_str(st, 3));
	query_copy_endpoint(m->dst, dbutil_column_str(st, 4));
	m->transport = query_transport(dbutil_column_str(st, 5));
	m->method = dbutil_column_str(st, 6);
	m->status = sqlite3_column_int(st, 7);
	m->cseq = (uint32_t)dbutil_column_u64(st, 8);
	m->cseq_method = dbutil_column_str(st, 9);
	m->call_id = dbutil_column_str(st, 10);
	m->retransmission = sqlite3_column_int(st, 11) != 0;
	m->header_len = (size_t)dbutil_column_u64(st, 12);
	m->raw = sqlite3_column_blob(st, 13);
	m->raw_len = (size_t)sqlite3_column_bytes(st, 13);
}

static void query_endpoint_row(sqlite3_stmt *st, struct endpoint_record *e)
{
	memset(e, 0, sizeof *e);
	query_copy_endpoint(e->endpoint, dbutil_column_str(st, 0));
	e->agent = dbutil_column_str(st, 1);
	e->refresh_answers_ok = dbutil_column_u64(st, 2);
	e->malformed = dbutil_column_u64(st, 3);
	e->lost = dbutil_column_u64(st, 4);
	e->rejected = dbutil_column_u64(st, 5);
	e->accepted = dbutil_column_u64(st, 6);
	e->fatal = dbutil_column_u64(st, 7);
}

/* Where converted rows go: exactly one callback is set. */
struct query_sink {
	db_dialog_fn dialog;
	db_finding_fn finding;
	db_message_fn message;
	db_endpoint_fn endpoint;
	db_count_fn count;
	void *ctx;
};

static void query_emit(sqlite3_stmt *st, const struct query_sink *k)
{
	if (k->dialog) {
		struct dialog_record d;
		query_dialog_row(st, &d);
		k->dialog(k->ctx, &d);
	} else if (k->finding) {
		struct finding_record f;
		query_finding_row(st, &f);
		k->finding(k->ctx, &f);
	} else if (k->message) {
		struct message_record m;
		query_message_row(st, &m);
		k->message(k->ctx, &m);
	} else if (k->endpoint) {
		struct endpoint_record e;
		query_endpoint_row(st, &e);
		k->endpoint(k->ctx, &e);
	} else if (k->count) {
		const char *name = dbutil_column_str(st, 0);
		k->count(k->ctx, name ? name : "", dbutil_column_u64(st, 1));
	}
}

/* The one loop behind every db_each_* and db_count_*: bind the id, step,
 * hand each converted row to the sink. */
static int query_each(struct db_reader *r, enum query_stmt q, uint64_t id, bool capture_scoped,
		      const struct query_sink *k)
{
	struct query_cursor c;
	bool ok = true;
	int rows = 0;

	if (capture_scoped)
		id = query_resolve_capture(r, id, &ok);
	if (!ok || !query_cursor_open(&c, r, q))
		return -1;
	if (!query_bind_id(&c, id))
		ok = false;
	while (ok && query_cursor_next(&c, &ok)) {
		query_emit(c.st, k);
		rows++;
	}
	query_cursor_close(&c);
	return ok ? rows : -1;
}

int db_each_dialog(struct db_reader *r, uint64_t capture_id, db_dialog_fn fn, void *ctx)
{
	return db_each_dialog_of(r, capture_id, DB_DIALOGS_INVITE, fn, ctx);
}

int db_each_dialog_of(struct db_reader *r, uint64_t capture_id, enum db_dialog_kind which,
		      db_dialog_fn fn, void *ctx)
{
	struct query_sink k = {.dialog = fn, .ctx = ctx};
	enum query_stmt q = which == DB_DIALOGS_ALL	 ? Q_DIALOGS9_ALL
			    : which == DB_DIALOGS_INVITE ? Q_DIALOGS9_INVITE
							 : Q_DIALOGS9_OTHER;

	if (r->version < 9) {
		if (which == DB_DIALOGS_OTHER)
			return 0;
		q = Q_DIALOGS;
	}
	return query_each(r, q, capture_id, true, &k);
}

int db_each_finding(struct db_reader *r, uint64_t dialog_id, db_finding_fn fn, void *ctx)
{
	struct query_sink k = {.finding = fn, .ctx = ctx};
	return query_each(r, Q_FINDINGS, dialog_id, false, &k);
}

int db_each_message(struct db_reader *r, uint64_t dialog_id, db_message_fn fn, void *ctx)
{
	struct query_sink k = {.message = fn, .ctx = ctx};
	return query_each(r, Q_MESSAGES, dialog_id, false, &k);
}

int db_each_endpoint(struct db_reader *r, uint64_t capture_id, db_endpoint_fn fn, void *ctx)
{
	struct query_sink k = {.endpoint = fn, .ctx = ctx};
	return query_each(r, Q_ENDPOINTS, capture_id, true, &k);
}

/* Counts the rows of rows_q (one text column) by value in C; when they
 * take more distinct values than the tally holds, runs grouped_q (the same
 * counts by GROUP BY) instead. */
static int query_count_by_value(struct db_reader *r, enum query_stmt rows_q,
				enum query_stmt grouped_q, uint64_t capture_id, db_count_fn fn,
				void *ctx)
{
	struct query_sink k = {.count = fn, .ctx = ctx};
	struct query_tally t;
	struct query_cursor c;
	bool ok = true;
	uint64_t id = query_resolve_capture(r, capture_id, &ok);

	if (!ok || !query_cursor_open(&c, r, rows_q))
		return -1;
	query_tally_init(&t);
	if (!query_bind_id(&c, id))
		ok = false;
	while (ok && !t.full && query_cursor_next(&c, &ok)) {
		const char *name = dbutil_column_str(c.st, 0);
		query_tally_add(&t, name ? name : "");
	}
	query_cursor_close(&c);
	if (!ok)
		return -1;
	if (t.full)
		return query_each(r, grouped_q, capture_id, true, &k);
	return query_tally_emit(&t, fn, ctx);
}

int db_count_end_classes(struct db_reader *r, uint64_t capture_id, db_count_fn fn, void *ctx)
{
	struct query_sink k = {.count = fn, .ctx = ctx};

	if (r->version >= 9)
		return query_count_by_value(r, Q_END_CLASS_ROWS9, Q_END_CLASSES9, capture_id, fn,
					    ctx);
	return query_each(r, Q_END_CLASSES, capture_id, true, &k);
}

int db_count_methods_outside(struct db_reader *r, uint64_t capture_id, db_count_fn fn, void *ctx)
{
	struct query_sink k = {.count = fn, .ctx = ctx};
	return query_each(r, r->version >= 9 ? Q_METHODS_OUTSIDE9 : Q_METHODS_OUTSIDE, capture_id,
			  true, &k);
}

int db_count_other_dialogs(struct db_reader *r, uint64_t capture_id, db_count_fn fn, void *ctx)
{
	if (r->version < 9)
		return 0;
	return query_count_by_value(r, Q_OTHER_METHOD_ROWS9, Q_OTHER_DIALOGS9, capture_id, fn, ctx);
}

int db_count_finding_codes(struct db_reader *r, uint64_t capture_id, db_count_fn fn, void *ctx)
{
	struct query_sink k = {.count = fn, .ctx = ctx};
	return query_each(r, Q_CODES, capture_id, true, &k);
}

int db_each_dialog_matching(struct db_reader *r, uint64_t capture_id, const char *needle,
			    db_id_fn fn, void *ctx)
{
	struct query_cursor c;
	bool ok = true;
	int rows = 0, rc;

	capture_id = query_resolve_capture(r, capture_id, &ok);
	if (!ok || !query_cursor_open(&c, r, Q_SEARCH))
		return -1;
	if (!query_bind_id(&c, capture_id))
		ok = false;
	rc = sqlite3_bind_text(c.st, 2, needle, -1, SQLITE_STATIC);
	if (ok && rc != SQLITE_OK) {
		query_fail(r, rc);
		ok = false;
	}
	while (ok && query_cursor_next(&c, &ok)) {
		fn(ctx, dbutil_column_u64(c.st, 0));
		rows++;
	}
	query_cursor_close(&c);
	return ok ? rows : -1;
}

/* For the db/ files that run statements of their own (query_int.h). */
sqlite3 *db_reader_sqlite(struct db_reader *r)
{
	return r->db;
}

void db_reader_fail(struct db_reader *r, int rc)
{
	query_fail(r, rc);
}
