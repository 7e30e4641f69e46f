/* writer_rows: the open transaction and its rows (writer_rows.h).
 *
 * Rows go into an explicit transaction (BEGIN IMMEDIATE, so a competing
 * writer is noticed at the start of a batch, not half-way through it),
 * opened by the first row and committed when the producer says so
 * (writer_commit.c).  Each record kind is bound to its statement
 * (writer_sql.h) here; strings are bound with their lengths, SQLITE_STATIC,
 * from the row queue's chunk (which stays alive until the record is done).
 * Below a level (store.h, issue 17) a kind is skipped and counted; the
 * essentials (dialogs, findings, endpoints, capture updates) go into the log
 * as well, and after a failure the next transaction replays the log first. */
#include "db/writer_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/records.h"
#include "db/dbutil.h"
#include "db/writer_fail.h"
#include "db/writer_int.h"

/* Every string of a record is wire text (or a file or interface name):
 * stored as valid UTF-8, NUL and ill-formed bytes escaped (dbutil_bind_wire). */
static int writer_bind_str(sqlite3_stmt *st, int idx, const void *rec, struct storerec_str s)
{
	if (s.len == STOREREC_NULL)
		return sqlite3_bind_null(st, idx);
	return dbutil_bind_wire(st, idx, (const char *)rec + s.off, s.len);
}

/* The message as on the wire, byte for byte: a BLOB, never text (text would
 * have to be valid UTF-8, and a reader could not tell escaped bytes apart). */
static int writer_bind_raw(sqlite3_stmt *st, int idx, const void *rec, struct storerec_str s)
{
	if (s.len == STOREREC_NULL)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_blob(st, idx, (const char *)rec + s.off, (int)s.len, SQLITE_STATIC);
}

/* Binds a dialog's ?1..?32 (the finding mask as "CODE,CODE" in code order,
 * from codes, which must outlive the step). */
static int writer_bind_dialog(struct writer *w, sqlite3_stmt *st, const struct storerec_dialog *d,
			      const char *codes, size_t codes_len)
{
	const char *refresher = dialog_refresher_name((enum dialog_refresher)d->refresher);
	const char *end_class = end_class_name((enum end_class)d->end_class);

	int rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)d->id);
	rc |= dbutil_bind_id(st, 2, w->capture_id);
	rc |= writer_bind_str(st, 3, d, d->call_id);
	rc |= writer_bind_str(st, 4, d, d->from_uri);
	rc |= writer_bind_str(st, 5, d, d->to_uri);
	rc |= writer_bind_str(st, 6, d, d->from_tag);
	rc |= writer_bind_str(st, 7, d, d->to_tag);
	rc |= writer_bind_str(st, 8, d, d->caller_ua);
	rc |= writer_bind_str(st, 9, d, d->callee_ua);
	rc |= sqlite3_bind_text(st, 10, transport_name((enum transport)d->transport), -1,
				SQLITE_STATIC);
	rc |= dbutil_bind_time(st, 11, d->created);
	rc |= dbutil_bind_time(st, 12, d->established);
	rc |= dbutil_bind_time(st, 13, d->ended);
	rc |= dbutil_bind_opt_int(st, 14, d->session_expires);
	rc |= dbutil_bind_opt_int(st, 15, d->min_se);
	rc |= dbutil_bind_str(st, 16, refresher);
	rc |= sqlite3_bind_int64(st, 17, d->refreshes_ok);
	rc |= sqlite3_bind_int64(st, 18, d->refreshes_failed);
	rc |= dbutil_bind_time(st, 19, d->last_refresh);
	rc |= dbutil_bind_time(st, 20, d->deadline);
	rc |= dbutil_bind_time(st, 21, d->teardown_expected);
	rc |= sqlite3_bind_int(st, 22, d->doomed);
	rc |= dbutil_bind_time(st, 23, d->doomed_at);
	rc |= dbutil_bind_str(st, 24, end_class);
	rc |= sqlite3_bind_int(st, 25, d->recovered);
	rc |= writer_bind_str(st, 26, d, d->state);
	rc |= sqlite3_bind_int64(st, 27, d->n_messages);
	rc |= codes_len ? sqlite3_bind_text(st, 28, codes, (int)codes_len, SQLITE_STATIC)
			: sqlite3_bind_null(st, 28);
	rc |= sqlite3_bind_int(st, 29, d->at_risk);
	rc |= dbutil_bind_time(st, 30, d->at_risk_at);
	rc |= writer_bind_str(st, 31, d, d->method);
	rc |= d->final_status > 0 ? sqlite3_bind_int(st, 32, d->final_status)
				  : sqlite3_bind_null(st, 32);
	return rc;
}

/* One dialog's row.  A dialog written before (its id at or below the
 * highest written: ids are handed out in order) is a plain UPDATE by id,
 * without the upsert's INSERT attempt and conflict; should that find no
 * row (a rolled-back transaction, a record out of order), the upsert. */
void writer_dialog_row(struct writer *w, const struct storerec_dialog *d)
{
	char codes[1024];
	size_t codes_len = finding_mask_text(d->finding_mask, codes, sizeof codes);

	if (d->id <= w->dialog_id_written) {
		sqlite3_stmt *st = w->st[ST_DIALOG_UPDATE];
		writer_put_row(w, st, writer_bind_dialog(w, st, d, codes, codes_len));
		if (w->dead || w->blocked)
			return;
		if (sqlite3_changes(w->db) > 0) {
			w->stats.dialog_rows++;
			return;
		}
		w->txn_rows--; /* nothing written */
	}
	sqlite3_stmt *st = w->st[ST_DIALOG];
	writer_put_row(w, st, writer_bind_dialog(w, st, d, codes, codes_len));
	if (!w->dead && !w->blocked && d->id > w->dialog_id_written)
		w->dialog_id_written = d->id;
	w->stats.dialog_rows++;
}

static void writer_finding_row(struct writer *w, const struct storerec_finding *f)
{
	sqlite3_stmt *st = w->st[ST_FINDING];

	int rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)f->id);
	rc |= dbutil_bind_id(st, 2, f->dialog_id);
	rc |= dbutil_bind_id(st, 3, f->message_id);
	rc |= sqlite3_bind_text(st, 4, finding_code_name((enum finding_code)f->code), -1,
				SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 5, severity_name((enum severity)f->severity), -1,
				SQLITE_STATIC);
	rc |= dbutil_bind_time(st, 6, f->ts_us);
	rc |= writer_bind_str(st, 7, f, f->detail);
	rc |= dbutil_bind_id(st, 8, w->capture_id);
	rc |= writer_bind_str(st, 9, f, f->endpoint);
	rc |= writer_bind_str(st, 10, f, f->agent);
	writer_put_row(w, st, rc);
}

static void writer_endpoint_row(struct writer *w, const struct storerec_endpoint *e)
{
	sqlite3_stmt *st = w->st[ST_ENDPOINT];

	int rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)w->capture_id);
	rc |= writer_bind_str(st, 2, e, e->endpoint);
	rc |= writer_bind_str(st, 3, e, e->agent);
	rc |= sqlite3_bind_int64(st, 4, (sqlite3_int64)e->refresh_answers_ok);
	rc |= sqlite3_bind_int64(st, 5, (sqlite3_int64)e->malformed);
	rc |= sqlite3_bind_int64(st, 6, (sqlite3_int64)e->lost);
	rc |= sqlite3_bind_int64(st, 7, (sqlite3_int64)e->rejected);
	rc |= sqlite3_bind_int64(st, 8, (sqlite3_int64)e->accepted);
	rc |= sqlite3_bind_int64(st, 9, (sqlite3_int64)e->fatal);
	writer_put_row(w, st, rc);
}

/* Binds the capture columns (?1..?17) shared by insert and update. */
static int writer_bind_capture(sqlite3_stmt *st, const struct storerec_capture *c)
{
	int rc = writer_bind_str(st, 1, c, c->source);

	rc |= writer_bind_str(st, 2, c, c->kind);
	rc |= dbutil_bind_time(st, 3, c->started);
	rc |= dbutil_bind_time(st, 4, c->ended);
	rc |= sqlite3_bind_int64(st, 5, (sqlite3_int64)c->packets);
	rc |= sqlite3_bind_int64(st, 6, (sqlite3_int64)c->sip_messages);
	rc |= sqlite3_bind_int64(st, 7, (sqlite3_int64)c->parse_errors);
	rc |= sqlite3_bind_int64(st, 8, (sqlite3_int64)c->dropped);
	rc |= sqlite3_bind_int64(st, 9, (sqlite3_int64)c->duplicates);
	rc |= sqlite3_bind_int64(st, 10, (sqlite3_int64)c->encrypted);
	rc |= sqlite3_bind_int64(st, 11, (sqlite3_int64)c->tls_sessions);
	rc |= sqlite3_bind_int64(st, 12, (sqlite3_int64)c->tls_decrypted);
	rc |= sqlite3_bind_int64(st, 13, (sqlite3_int64)c->tls_no_keys);
	rc |= sqlite3_bind_int64(st, 14, (sqlite3_int64)c->hep_packets);
	rc |= sqlite3_bind_int64(st, 15, (sqlite3_int64)c->hep_errors);
	rc |= sqlite3_bind_int64(st, 16, (sqlite3_int64)c->hep_auth_failed);
	rc |= sqlite3_bind_int64(st, 17, (sqlite3_int64)c->hep_tcp_closed);
	return rc;
}

/* The db_* columns of this run's captures row: what storage trouble left out. */
void writer_capture_dbstate(struct writer *w)
{
	char status[400];
	struct store_health h;

	writer_get_health(w, &h);
	if (!h.incomplete)
		return;
	w->dbstate_sig = h.errors * 1000003u + (h.skipped + h.lost) * 31u + (uint64_t)h.level * 7u +
			 (h.failing ? 1u : 0u);
	if (h.level == STORE_ALL && !h.failing)
		snprintf(status, sizeof status, "incomplete, then stored everything again: %s", h.reason);
	else
		snprintf(status, sizeof status, "degraded (storing %s): %s",
			 store_level_name(h.level), h.reason);
	sqlite3_stmt *st = w->st[ST_CAPTURE_DBSTATE];
	int rc = sqlite3_bind_text(st, 1, status, -1, SQLITE_TRANSIENT);
	rc |= sqlite3_bind_int64(st, 2, (sqlite3_int64)h.errors);
	rc |= sqlite3_bind_int64(st, 3, (sqlite3_int64)(h.skipped + h.lost));
	rc |= dbutil_bind_id(st, 4, w->capture_id);
	writer_put_row(w, st, rc);
}

static void writer_capture_row(struct writer *w, const struct storerec_capture *c)
{
	sqlite3_stmt *st = w->st[ST_CAPTURE_UPDATE];
	int rc = writer_bind_capture(st, c);
	rc |= dbutil_bind_id(st, 18, w->capture_id);
	writer_put_row(w, st, rc);
	for (size_t i = 0; i < c->n_counts && i < CAPTURE_COUNTS_MAX && !w->dead; i++) {
		st = w->st[ST_CAPTURE_COUNT];
		rc = dbutil_bind_id(st, 1, w->capture_id);
		rc |= sqlite3_bind_text(st, 2, c->counts[i].name, -1, SQLITE_STATIC);
		rc |= sqlite3_bind_int64(st, 3, (sqlite3_int64)c->counts[i].value);
		writer_put_row(w, st, rc);
	}
	if (!w->blocked && !w->dead)
		writer_capture_dbstate(w);
}

/* Inserts the pending captures row, inside the open transaction. */
static bool writer_insert_capture(struct writer *w)
{
	const struct storerec_capture *c = (const struct storerec_capture *)w->pending_capture;
	sqlite3_stmt *st = w->st[ST_CAPTURE_INSERT];

	writer_put_row(w, st, writer_bind_capture(st, c));
	if (w->dead || w->blocked)
		return false;
	w->capture_id = (uint64_t)sqlite3_last_insert_rowid(w->db);
	free(w->pending_capture);
	w->pending_capture = NULL;
	pthread_mutex_lock(&w->lock);
	w->health_capture_id = w->capture_id;
	pthread_mutex_unlock(&w->lock);
	return true;
}

/* Commits a piece of a replay and opens the next transaction; the log
 * forgets what was committed (off: where the next piece starts). */
static bool writer_replay_piece(struct writer *w, size_t *off)
{
	if (!writer_run(w, w->st[ST_COMMIT]))
		return false;
	w->stats.commits++;
	wlog_drop_front(&w->log, *off);
	*off = 0;
	w->txn_rows = 0;
	w->txn_messages = 0;
	return writer_run(w, w->st[ST_BEGIN]);
}

/* After a failure: the essentials of the failed transactions, again (not
 * logged twice: they are in the log already), in order (a dialog's later
 * record must land last).  A long outage logs tens of thousands of records:
 * in one transaction their WAL frames could need more room than a full disk
 * has left to checkpoint them, and the WAL could never restart, so they go
 * in pieces, each committed before the next. */
static void writer_replay(struct writer *w)
{
	size_t off = 0;
	const struct storerec_hdr *h;

	w->replay = false;
	while (!w->blocked && !w->dead && (h = wlog_next(&w->log, &off))) {
		switch ((enum storerec_kind)h->kind) {
		case REC_DIALOG:
			writer_dialog_row(w, (const struct storerec_dialog *)h);
			break;
		case REC_FINDING:
			writer_finding_row(w, (const struct storerec_finding *)h);
			break;
		case REC_ENDPOINT:
			writer_endpoint_row(w, (const struct storerec_endpoint *)h);
			break;
		case REC_CAPTURE_UPDATE:
			writer_capture_row(w, (const struct storerec_capture *)h);
			break;
		default:
			break;
		}
		if (!w->blocked && !w->dead && w->txn_rows >= WRITER_DEGRADED_TXN_ROWS &&
		    off < w->log.len && !writer_replay_piece(w, &off))
			return;
	}
}

/* Opens a transaction if none is.  After a failure, the captures row that
 * could not be written and the log of essentials go in first. */
static bool writer_begin(struct writer *w)
{
	if (w->in_batch)
		return true;
	if (w->blocked)
		return false;
	if (!writer_run(w, w->st[ST_BEGIN]))
		return false;
	w->in_batch = true;
	w->txn_rows = 0;
	w->txn_messages = 0;
	if (w->pending_capture && !writer_insert_capture(w))
		return false;
	if (w->replay)
		writer_replay(w);
	return w->in_batch;
}

/* A row may be written: healthy and a batch open. */
bool writer_ready(struct writer *w)
{
	return !w->dead && writer_begin(w);
}

void writer_message(struct writer *w, const struct storerec_message *m)
{
	if (w->level >= STORE_NO_MESSAGES || !writer_ready(w)) {
		writer_skipped(w, 1);
		return;
	}
	sqlite3_stmt *st = w->st[ST_MESSAGE];
	struct storerec_str raw = m->raw;
	/* Queued before the level changed: cut here (the producer cuts the rest). */
	if (w->level >= STORE_NO_BODIES && raw.len != STOREREC_NULL && m->header_len > 0 &&
	    m->header_len < raw.len) {
		raw.len = (uint32_t)m->header_len;
		writer_skipped(w, 1);
	}

	int rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)m->id);
	rc |= dbutil_bind_id(st, 2, m->dialog_id);
	rc |= dbutil_bind_time(st, 3, m->ts_us);
	rc |= writer_bind_str(st, 4, m, m->src);
	rc |= writer_bind_str(st, 5, m, m->dst);
	rc |= sqlite3_bind_text(st, 6, transport_name((enum transport)m->transport), -1,
				SQLITE_STATIC);
	rc |= writer_bind_str(st, 7, m, m->method);
	rc |= m->method.len != STOREREC_NULL || m->status <= 0 ? sqlite3_bind_null(st, 8)
							       : sqlite3_bind_int(st, 8, m->status);
	rc |= sqlite3_bind_int64(st, 9, m->cseq);
	rc |= writer_bind_str(st, 10, m, m->cseq_method);
	rc |= dbutil_bind_id(st, 11, w->capture_id);
	rc |= writer_bind_str(st, 12, m, m->call_id);
	rc |= sqlite3_bind_int(st, 13, m->retransmission);
	rc |= sqlite3_bind_int64(st, 14, (sqlite3_int64)m->header_len);
	rc |= writer_bind_raw(st, 15, m, raw);
	rc |= m->hep_agent_id < 0 ? sqlite3_bind_null(st, 16)
				  : sqlite3_bind_int64(st, 16, m->hep_agent_id);
	writer_put_row(w, st, rc);
	w->txn_messages++;
}

void writer_finding(struct writer *w, const struct storerec_finding *f)
{
	writer_log(w, &f->h);
	if (writer_ready(w))
		writer_finding_row(w, f);
}

void writer_endpoint(struct writer *w, const struct storerec_endpoint *e)
{
	if (w->level >= STORE_ESSENTIAL) {
		writer_skipped(w, 1);
		return;
	}
	writer_log(w, &e->h);
	if (writer_ready(w))
		writer_endpoint_row(w, e);
}

void writer_update_capture(struct writer *w, const struct storerec_capture *c)
{
	writer_log(w, &c->h);
	if (writer_ready(w) && w->capture_id)
		writer_capture_row(w, c);
}
