/* store: the SQLite writer (store.h).
 *
 * One connection, owned by the analyzer thread.  Every statement is prepared
 * once at open and reset after each use; values are bound, never pasted into
 * SQL.  Rows go into an explicit transaction (BEGIN IMMEDIATE, so a competing
 * writer is noticed at the start of a batch, not half-way through it) that is
 * committed every batch_rows rows or batch_interval_us after it began, so a
 * live reader sees a dialog's state within about a second while the writer
 * does one commit per thousands of rows.
 *
 * Failures are sticky: the first failing call rolls back the open batch,
 * records "path: reason", and turns every later call into a no-op.  What was
 * committed before stays (WAL never exposes a half-written transaction). */
#include "db/store.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xalloc.h"
#include "db/checkpoint.h"
#include "db/dbutil.h"
#include "db/schema.h"

/* WAL size (16 KB pages) that wakes the checkpoint thread (16 MB), and the
 * size (64 MB) at which the writer runs a checkpoint itself.  The thread
 * copies the bulk, but under a continuous writer it never catches up at the
 * moment a transaction begins, which is what lets SQLite restart the WAL;
 * the writer's own checkpoint then only copies the last batch or two and
 * the next transaction restarts the WAL. */
#define STORE_CKPT_WAKE_PAGES 1024
#define STORE_CKPT_SYNC_PAGES 4096

enum store_stmt {
	ST_BEGIN = 0,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_MESSAGE,
	ST_DIALOG,
	ST_FINDING,
	ST_ENDPOINT,
	ST_CAPTURE_INSERT,
	ST_CAPTURE_UPDATE,
	ST_NEXT_IDS,
	ST_RET_HIGH_WATER,
	ST_RET_MESSAGES,
	ST_RET_FINDINGS,
	ST_RET_DIALOGS,
	ST_RET_CAPTURES,
	ST_RET_ENDPOINTS,
	ST_COUNT
};

static const char *const store_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_MESSAGE] = "INSERT INTO messages (id, dialog_id, ts, src, dst, transport, method,"
		       " status, cseq, cseq_method, capture_id, call_id, retransmission,"
		       " header_len, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
		       " ?12, ?13, ?14, ?15)",
	[ST_DIALOG] =
		"INSERT INTO dialogs (id, capture_id, call_id, from_uri, to_uri, from_tag, to_tag,"
		" caller_ua, callee_ua, transport, created, established, ended, session_expires,"
		" min_se, refresher, refreshes_ok, refreshes_failed, last_refresh, deadline,"
		" teardown_expected, doomed, doomed_at, end_class, recovered, state, n_messages,"
		" finding_codes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		" ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)"
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
		" n_messages = excluded.n_messages, finding_codes = excluded.finding_codes",
	[ST_FINDING] = "INSERT INTO findings (id, dialog_id, message_id, code, severity, ts,"
		       " detail, capture_id, endpoint, agent)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_ENDPOINT] = "INSERT INTO endpoints (capture_id, endpoint, agent, refresh_answers_ok,"
			" malformed, lost, rejected) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
			" ON CONFLICT (capture_id, endpoint) DO UPDATE SET"
			" agent = coalesce(excluded.agent, agent),"
			" refresh_answers_ok = excluded.refresh_answers_ok,"
			" malformed = excluded.malformed, lost = excluded.lost,"
			" rejected = excluded.rejected",
	[ST_CAPTURE_INSERT] = "INSERT INTO captures (id, source, kind, started, ended, packets,"
			      " sip_messages, parse_errors, dropped, duplicates, encrypted)"
			      " VALUES (max(coalesce((SELECT max(id) FROM captures), 0),"
			      " coalesce((SELECT id FROM id_high_water WHERE name = 'captures'), 0))"
			      " + 1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_CAPTURE_UPDATE] = "UPDATE captures SET source = ?1, kind = ?2, started = ?3,"
			      " ended = ?4, packets = ?5, sip_messages = ?6, parse_errors = ?7,"
			      " dropped = ?8, duplicates = ?9, encrypted = ?10 WHERE id = ?11",
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
};

struct store {
	sqlite3 *db;
	struct checkpointer *ckpt; /* NULL: SQLite's own autocheckpoint */
	char *path;
	struct store_options opt;
	sqlite3_stmt *st[ST_COUNT];
	uint64_t capture_id;
	bool capture_is_file; /* retention keeps the capture being read */
	bool in_batch;
	size_t batch_n;
	int64_t batch_started; /* clock of the first store_maybe_flush in this batch */
	bool failed;
	char err[320];
};

void store_options_defaults(struct store_options *o)
{
	o->store_bodies = true;
	o->retention_days = 0;
	o->busy_timeout_ms = 5000;
	o->batch_rows = 10000;
	o->batch_interval_us = 500 * 1000;
}

/* Records the first failure and abandons the open batch. */
static void store_fail(struct store *s, int rc)
{
	if (s->failed)
		return;
	s->failed = true;
	if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
		/* Ids come from store_next_ids at start: a clash means a second
		 * sipwatch writes to the same db. */
		snprintf(s->err, sizeof s->err,
			 "%s: row id already taken: another sipwatch is writing to this db"
			 " (use one db per running sipwatch)", s->path);
	else
		dbutil_format_error(s->err, sizeof s->err, s->path, s->db, rc,
				    s->opt.busy_timeout_ms);
	/* Some errors (full, I/O, busy) roll the transaction back by themselves. */
	if (!sqlite3_get_autocommit(s->db)) {
		sqlite3_step(s->st[ST_ROLLBACK]);
		sqlite3_reset(s->st[ST_ROLLBACK]);
	}
	s->in_batch = false;
	s->batch_n = 0;
}

/* Steps a statement that returns no rows, resets it, and fails the store on error. */
static bool store_run(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(s, rc);
		sqlite3_reset(st);
		return false;
	}
	sqlite3_reset(st);
	return true;
}

static bool store_begin(struct store *s)
{
	if (s->in_batch)
		return true;
	if (!store_run(s, s->st[ST_BEGIN]))
		return false;
	s->in_batch = true;
	s->batch_n = 0;
	s->batch_started = TS_NONE;
	return true;
}

static void store_commit(struct store *s)
{
	if (s->failed || !s->in_batch)
		return;
	if (store_run(s, s->st[ST_COMMIT])) {
		s->in_batch = false;
		s->batch_n = 0;
	}
}

/* A row may be written: the store is healthy and a batch is open. */
static bool store_ready(struct store *s)
{
	return s && !s->failed && store_begin(s);
}

/* Steps a row statement whose values are bound (bind_rc = OR of the bind codes). */
static void store_put_row(struct store *s, sqlite3_stmt *st, int bind_rc)
{
	if (bind_rc != SQLITE_OK) {
		store_fail(s, sqlite3_errcode(s->db));
		sqlite3_clear_bindings(st);
		return;
	}
	if (store_run(s, st) && ++s->batch_n >= s->opt.batch_rows)
		store_commit(s);
}

static int64_t store_wall_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * USEC_PER_SEC + t.tv_nsec / 1000;
}

static int store_open_fail(sqlite3 *db, const char *path, int rc, char *err, size_t n)
{
	if (rc != SQLITE_OK)
		dbutil_format_error(err, n, path, db, rc, 0);
	sqlite3_close(db);
	return rc;
}

static int store_prepare_all(struct store *s, char *err, size_t n)
{
	for (int i = 0; i < ST_COUNT; i++) {
		int rc = sqlite3_prepare_v3(s->db, store_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					    &s->st[i], NULL);
		if (rc != SQLITE_OK) {
			dbutil_format_error(err, n, s->path, s->db, rc, s->opt.busy_timeout_ms);
			return rc;
		}
	}
	return SQLITE_OK;
}

static void store_finalize_all(struct store *s)
{
	for (int i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(s->st[i]);
		s->st[i] = NULL;
	}
}

struct store *store_open(const char *path, const struct store_options *o, char *err, size_t n)
{
	sqlite3 *db = NULL;
	struct store_options defaults;
	int rc;

	if (!o) {
		store_options_defaults(&defaults);
		o = &defaults;
	}
	/* A file size limit (ulimit -f) must fail the write with EFBIG, which
	 * becomes "file size limit reached", not kill the monitor. */
	struct sigaction xfsz;
	if (sigaction(SIGXFSZ, NULL, &xfsz) == 0 && xfsz.sa_handler == SIG_DFL)
		signal(SIGXFSZ, SIG_IGN);
	/* NOMUTEX: the connection belongs to one thread; SQLite's own locking
	 * would cost ~4% of the insert path for nothing. */
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		store_open_fail(db, path, rc, err, n);
		return NULL;
	}
	if (sqlite3_db_readonly(db, "main") == 1) {
		dbutil_format_error(err, n, path, db, SQLITE_READONLY, 0);
		store_open_fail(db, path, SQLITE_OK, err, n);
		return NULL;
	}
	if (schema_configure(db, path, o->busy_timeout_ms, err, n) != SQLITE_OK ||
	    schema_migrate(db, path, o->busy_timeout_ms, err, n) != SQLITE_OK) {
		store_open_fail(db, path, SQLITE_OK, err, n);
		return NULL;
	}

	struct store *s = xcalloc(1, sizeof *s);
	s->db = db;
	s->path = xstrdup(path);
	s->opt = *o;
	if (s->opt.batch_rows == 0)
		s->opt.batch_rows = 1;
	s->batch_started = TS_NONE;
	if (store_prepare_all(s, err, n) != SQLITE_OK) {
		store_close(s);
		return NULL;
	}
	/* "On start": before this run writes anything, on the wall clock. */
	if (s->opt.retention_days > 0) {
		store_apply_retention(s, store_wall_us());
		if (s->failed) {
			snprintf(err, n, "%s (applying --retention-days)", s->err);
			store_close(s);
			return NULL;
		}
	}
	char why[128];
	s->ckpt = checkpoint_start(path, why, sizeof why);
	if (s->ckpt)
		checkpoint_attach(s->ckpt, db, STORE_CKPT_WAKE_PAGES, STORE_CKPT_SYNC_PAGES);
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->st[ST_COMMIT])
		store_commit(s);
	checkpoint_stop(s->ckpt);
	store_finalize_all(s);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

bool store_failed(const struct store *s)
{
	return s && s->failed;
}

const char *store_error(const struct store *s)
{
	return s && s->failed ? s->err : "";
}

/* Binds the ten capture columns (?1..?10) shared by insert and update. */
static int store_bind_capture(sqlite3_stmt *st, const struct capture_info *c)
{
	int rc = dbutil_bind_str(st, 1, c->source);

	rc |= dbutil_bind_str(st, 2, c->kind);
	rc |= dbutil_bind_time(st, 3, c->started);
	rc |= dbutil_bind_time(st, 4, c->ended);
	rc |= sqlite3_bind_int64(st, 5, (sqlite3_int64)c->packets);
	rc |= sqlite3_bind_int64(st, 6, (sqlite3_int64)c->sip_messages);
	rc |= sqlite3_bind_int64(st, 7, (sqlite3_int64)c->parse_errors);
	rc |= sqlite3_bind_int64(st, 8, (sqlite3_int64)c->dropped);
	rc |= sqlite3_bind_int64(st, 9, (sqlite3_int64)c->duplicates);
	rc |= sqlite3_bind_int64(st, 10, (sqlite3_int64)c->encrypted);
	return rc;
}

uint64_t store_begin_capture(struct store *s, const struct capture_info *c)
{
	if (!s)
		return 0;
	store_commit(s);
	if (!store_ready(s))
		return 0;
	sqlite3_stmt *st = s->st[ST_CAPTURE_INSERT];
	store_put_row(s, st, store_bind_capture(st, c));
	if (s->failed)
		return 0;
	s->capture_id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	s->capture_is_file = c->kind && strcmp(c->kind, "file") == 0;
	/* Visible at once: a reader (the dashboard) looks the capture up first. */
	store_commit(s);
	return s->failed ? 0 : s->capture_id;
}

void store_update_capture(struct store *s, const struct capture_info *c)
{
	if (!s || !s->capture_id || !store_ready(s))
		return;
	sqlite3_stmt *st = s->st[ST_CAPTURE_UPDATE];
	int rc = store_bind_capture(st, c);
	rc |= dbutil_bind_id(st, 11, s->capture_id);
	store_put_row(s, st, rc);
}

void store_next_ids(struct store *s, uint64_t *dialog_id, uint64_t *message_id,
		    uint64_t *finding_id)
{
	*dialog_id = *message_id = *finding_id = 1;
	if (!s || s->failed)
		return;
	sqlite3_stmt *st = s->st[ST_NEXT_IDS];
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*dialog_id = dbutil_column_u64(st, 0);
		*message_id = dbutil_column_u64(st, 1);
		*finding_id = dbutil_column_u64(st, 2);
		rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		store_fail(s, rc);
	sqlite3_reset(st);
}

void store_message(struct store *s, const struct message_record *m)
{
	if (!store_ready(s))
		return;
	sqlite3_stmt *st = s->st[ST_MESSAGE];
	size_t raw_len = m->raw ? m->raw_len : 0;
	if (!s->opt.store_bodies && m->header_len > 0 && m->header_len < raw_len)
		raw_len = m->header_len;

	int rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)m->id);
	rc |= dbutil_bind_id(st, 2, m->dialog_id);
	rc |= dbutil_bind_time(st, 3, m->ts_us);
	rc |= sqlite3_bind_text(st, 4, m->src, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 5, m->dst, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 6, transport_name(m->transport), -1, SQLITE_STATIC);
	rc |= dbutil_bind_str(st, 7, m->method);
	rc |= m->method || m->status <= 0 ? sqlite3_bind_null(st, 8)
					  : sqlite3_bind_int(st, 8, m->status);
	rc |= sqlite3_bind_int64(st, 9, m->cseq);
	rc |= dbutil_bind_str(st, 10, m->cseq_method);
	rc |= dbutil_bind_id(st, 11, s->capture_id);
	rc |= dbutil_bind_str(st, 12, m->call_id);
	rc |= sqlite3_bind_int(st, 13, m->retransmission);
	rc |= sqlite3_bind_int64(st, 14, (sqlite3_int64)m->header_len);
	if (m->raw)
		rc |= sqlite3_bind_text64(st, 15, (const char *)m->raw, raw_len, SQLITE_STATIC,
					  SQLITE_UTF8);
	else
		rc |= sqlite3_bind_null(st, 15);
	store_put_row(s, st, rc);
}

/* The dialog's finding codes as "CODE,CODE" in code order (from finding_mask). */
static void store_codes_text(uint32_t mask, char *buf, size_t n)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int c = 0; c < FINDING_CODE_COUNT && c < 32; c++) {
		if (!(mask & (UINT32_C(1) << c)))
			continue;
		int w = snprintf(buf + off, n - off, "%s%s", off ? "," : "",
				 finding_code_name((enum finding_code)c));
		if (w < 0 || (size_t)w >= n - off)
			break;
		off += (size_t)w;
	}
}

void store_dialog(struct store *s, const struct dialog_record *d)
{
	char codes[1024];

	if (!store_ready(s))
		return;
	sqlite3_stmt *st = s->st[ST_DIALOG];
	store_codes_text(d->finding_mask, codes, sizeof codes);

	int rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)d->id);
	rc |= dbutil_bind_id(st, 2, s->capture_id);
	rc |= dbutil_bind_str(st, 3, d->call_id);
	rc |= dbutil_bind_str(st, 4, d->from_uri);
	rc |= dbutil_bind_str(st, 5, d->to_uri);
	rc |= dbutil_bind_str(st, 6, d->from_tag);
	rc |= dbutil_bind_str(st, 7, d->to_tag);
	rc |= dbutil_bind_str(st, 8, d->caller_ua);
	rc |= dbutil_bind_str(st, 9, d->callee_ua);
	rc |= sqlite3_bind_text(st, 10, transport_name(d->transport), -1, SQLITE_STATIC);
	rc |= dbutil_bind_time(st, 11, d->created);
	rc |= dbutil_bind_time(st, 12, d->established);
	rc |= dbutil_bind_time(st, 13, d->ended);
	rc |= dbutil_bind_opt_int(st, 14, d->session_expires);
	rc |= dbutil_bind_opt_int(st, 15, d->min_se);
	rc |= dbutil_bind_str(st, 16, dialog_refresher_name(d->refresher));
	rc |= sqlite3_bind_int64(st, 17, d->refreshes_ok);
	rc |= sqlite3_bind_int64(st, 18, d->refreshes_failed);
	rc |= dbutil_bind_time(st, 19, d->last_refresh);
	rc |= dbutil_bind_time(st, 20, d->deadline);
	rc |= dbutil_bind_time(st, 21, d->teardown_expected);
	rc |= sqlite3_bind_int(st, 22, d->doomed);
	rc |= dbutil_bind_time(st, 23, d->doomed_at);
	rc |= dbutil_bind_str(st, 24, end_class_name(d->end_class));
	rc |= sqlite3_bind_int(st, 25, d->recovered);
	rc |= dbutil_bind_str(st, 26, d->state);
	rc |= sqlite3_bind_int64(st, 27, d->n_messages);
	rc |= codes[0] ? sqlite3_bind_text(st, 28, codes, -1, SQLITE_STATIC)
		       : sqlite3_bind_null(st, 28);
	store_put_row(s, st, rc);
}

void store_finding(struct store *s, const struct finding_record *f)
{
	if (!store_ready(s))
		return;
	sqlite3_stmt *st = s->st[ST_FINDING];

	int rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)f->id);
	rc |= dbutil_bind_id(st, 2, f->dialog_id);
	rc |= dbutil_bind_id(st, 3, f->message_id);
	rc |= sqlite3_bind_text(st, 4, finding_code_name(f->code), -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 5, severity_name(f->severity), -1, SQLITE_STATIC);
	rc |= dbutil_bind_time(st, 6, f->ts_us);
	rc |= dbutil_bind_str(st, 7, f->detail);
	rc |= dbutil_bind_id(st, 8, s->capture_id);
	rc |= dbutil_bind_str(st, 9, f->endpoint[0] ? f->endpoint : NULL);
	rc |= dbutil_bind_str(st, 10, f->agent);
	store_put_row(s, st, rc);
}

void store_endpoint(struct store *s, const struct endpoint_record *e)
{
	if (!store_ready(s))
		return;
	sqlite3_stmt *st = s->st[ST_ENDPOINT];

	int rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)s->capture_id);
	rc |= sqlite3_bind_text(st, 2, e->endpoint, -1, SQLITE_STATIC);
	rc |= dbutil_bind_str(st, 3, e->agent);
	rc |= sqlite3_bind_int64(st, 4, (sqlite3_int64)e->refresh_answers_ok);
	rc |= sqlite3_bind_int64(st, 5, (sqlite3_int64)e->malformed);
	rc |= sqlite3_bind_int64(st, 6, (sqlite3_int64)e->lost);
	rc |= sqlite3_bind_int64(st, 7, (sqlite3_int64)e->rejected);
	store_put_row(s, st, rc);
}

void store_maybe_flush(struct store *s, int64_t now_us)
{
	if (!s || s->failed || !s->in_batch)
		return;
	/* The batch's age is measured on the caller's clock only (packet time
	 * offline, wall time when a live wire is quiet), never mixed. */
	if (s->batch_started == TS_NONE || now_us < s->batch_started)
		s->batch_started = now_us;
	if (s->batch_n >= s->opt.batch_rows || now_us - s->batch_started >= s->opt.batch_interval_us)
		store_commit(s);
}

void store_flush(struct store *s)
{
	if (s)
		store_commit(s);
}

void store_apply_retention(struct store *s, int64_t now_us)
{
	static const enum store_stmt order[] = {ST_RET_HIGH_WATER, ST_RET_MESSAGES,
						ST_RET_FINDINGS, ST_RET_DIALOGS, ST_RET_CAPTURES,
						ST_RET_ENDPOINTS};

	if (!s || s->failed || s->opt.retention_days <= 0)
		return;
	int64_t cutoff = now_us - (int64_t)s->opt.retention_days * 86400 * USEC_PER_SEC;
	store_commit(s);
	if (!store_ready(s))
		return;
	uint64_t keep = s->capture_is_file ? s->capture_id : 0;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		sqlite3_stmt *st = s->st[order[i]];
		int rc = SQLITE_OK;
		if (sqlite3_bind_parameter_count(st) >= 1)
			rc |= dbutil_bind_time(st, 1, cutoff);
		if (sqlite3_bind_parameter_count(st) >= 2)
			rc |= sqlite3_bind_int64(st, 2, (sqlite3_int64)(order[i] == ST_RET_CAPTURES
									 ? s->capture_id : keep));
		if (rc != SQLITE_OK) {
			store_fail(s, sqlite3_errcode(s->db));
			return;
		}
		if (!store_run(s, st))
			return;
	}
	store_commit(s);
}
