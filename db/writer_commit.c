/* writer_commit: the end of the writer's transactions (writer_commit.h).
 *
 * Dialog upserts are coalesced per transaction (writer_map.h) and written
 * just before the COMMIT, or earlier when the map is full, or before
 * anything that reads or deletes dialogs (the next ids, retention).  A
 * capture's start commits at once, so that a reader (the dashboard) sees it.
 * After storage trouble (writer_fail.c) the retry makes room first when the
 * disk was full (writer_room.c), then begins, replays and commits. */
#include "db/writer_commit.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/records.h"
#include "common/xalloc.h"
#include "db/dbutil.h"
#include "db/prune.h"
#include "db/writer_fail.h"
#include "db/writer_int.h"
#include "db/writer_room.h"
#include "db/writer_rows.h"

/* At the end, after the last retry failed, this many more (each makes room). */
#define WRITER_FINAL_RETRIES 3

/* Writes every dialog of the map (first-seen order, so new rows go in as
 * they would have one by one) into the open batch, and empties the map.
 * Each goes into the log as well: if the transaction fails, they are
 * written again (while failing, the log is all that keeps them). */
static void writer_map_write(struct writer *w)
{
	struct writer_map *m = &w->map;

	if (m->n == 0)
		return;
	bool ready = writer_ready(w);
	for (size_t i = 0; i < m->n && !w->dead; i++) {
		const struct storerec_dialog *d = (const struct storerec_dialog *)m->e[i].buf;
		writer_log(w, &d->h);
		if (ready && !w->blocked)
			writer_dialog_row(w, d);
	}
	writer_map_clear(&w->map);
}

/* Keeps the latest record of the dialog for the commit. */
void writer_dialog(struct writer *w, const struct storerec_dialog *d)
{
	w->stats.dialog_records++;
	if (writer_map_put(&w->map, d, false))
		return;
	w->stats.map_spills++;
	writer_map_write(w);
	if (w->dead)
		return;
	writer_map_put(&w->map, d, true); /* the map is empty */
}

/* The captures row's db_* columns are behind what the health says. */
static bool writer_dbstate_stale(struct writer *w)
{
	struct store_health h;

	if (!w->capture_id || w->blocked || w->dead)
		return false;
	writer_get_health(w, &h);
	uint64_t sig = h.errors * 1000003u + (h.skipped + h.lost) * 31u + (uint64_t)h.level * 7u +
		       (h.failing ? 1u : 0u);
	return h.incomplete && sig != w->dbstate_sig;
}

/* A commit succeeded: forget the log; after trouble, step back up a level
 * once the current one has worked for a retry interval. */
static void writer_committed(struct writer *w)
{
	wlog_reset(&w->log);
	if (w->given_up) {
		pthread_mutex_lock(&w->lock);
		w->given_up = 0;
		pthread_mutex_unlock(&w->lock);
	}
	w->space_check_at = 0;
	w->txn_rows = 0;
	w->txn_messages = 0;
	writer_room_step_up(w);
	writer_room_bound(w);
}

/* Writes the coalesced dialogs and commits the open batch. */
void writer_commit(struct writer *w)
{
	/* Blocked, the map keeps coalescing: copied into the log at every
	 * commit request, each dialog's every update would fill the log (and
	 * then the findings behind them were lost). */
	if (w->blocked)
		return;
	writer_map_write(w);
	if (writer_dbstate_stale(w) && writer_ready(w))
		writer_capture_dbstate(w);
	if (w->dead || !w->in_batch)
		return;
	if (writer_run(w, w->st[ST_COMMIT])) {
		w->in_batch = false;
		w->stats.commits++;
		atomic_store_explicit(&w->committed_records, w->records_done, memory_order_relaxed);
		atomic_store_explicit(&w->last_commit_us, writer_wall_us(), memory_order_relaxed);
		atomic_fetch_add_explicit(&w->commits, 1, memory_order_relaxed);
		writer_committed(w);
	}
}

uint64_t writer_begin_capture(struct writer *w, const struct storerec_capture *c)
{
	writer_commit(w);
	if (w->dead)
		return 0;
	w->capture_is_file = c->kind.len == 4 && memcmp((const char *)c + c->kind.off, "file", 4) == 0;
	/* Kept until written: while storage fails, the next transaction that
	 * succeeds starts with it. */
	free(w->pending_capture);
	w->pending_capture = xmalloc(c->h.size);
	memcpy(w->pending_capture, c, c->h.size);
	w->capture_id = 0;
	if (!writer_ready(w))
		return 0;
	/* Visible at once: a reader (the dashboard) looks the capture up first. */
	writer_commit(w);
	return w->dead || w->blocked ? 0 : w->capture_id;
}

void writer_next_ids(struct writer *w, struct writer_reply *r)
{
	r->dialog_id = r->message_id = r->finding_id = 1;
	writer_map_write(w); /* max(id) sees every dialog */
	if (w->dead)
		return;
	sqlite3_stmt *st = w->st[ST_NEXT_IDS];
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->dialog_id = dbutil_column_u64(st, 0);
		r->message_id = dbutil_column_u64(st, 1);
		r->finding_id = dbutil_column_u64(st, 2);
		rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		writer_fail(w, rc);
	sqlite3_reset(st);
}

void writer_retention(struct writer *w, int64_t now_us)
{
	static const enum writer_sql_stmt order[] = {ST_RET_HIGH_WATER, ST_RET_MESSAGES,
						ST_RET_FINDINGS, ST_RET_DIALOGS, ST_RET_CAPTURES,
						ST_RET_ENDPOINTS, ST_RET_COUNTS};

	if (w->dead || w->opt.retention_days <= 0)
		return;
	int64_t cutoff = now_us - (int64_t)w->opt.retention_days * 86400 * USEC_PER_SEC;
	writer_commit(w);
	if (!writer_ready(w))
		return;
	uint64_t keep = w->capture_is_file ? w->capture_id : 0;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		sqlite3_stmt *st = w->st[order[i]];
		int rc = SQLITE_OK;
		if (sqlite3_bind_parameter_count(st) >= 1)
			rc |= dbutil_bind_time(st, 1, cutoff);
		if (sqlite3_bind_parameter_count(st) >= 2)
			rc |= sqlite3_bind_int64(st, 2, (sqlite3_int64)(order[i] == ST_RET_CAPTURES
									 ? w->capture_id : keep));
		if (rc != SQLITE_OK) {
			writer_fail(w, sqlite3_errcode(w->db));
			return;
		}
		if (!writer_run(w, st))
			return;
	}
	writer_commit(w);
	/* An auto_vacuum db gives the deleted pages back to the file system. */
	if (w->pruner && !w->blocked && !w->dead)
		prune_release(w->pruner, 64);
}

static void writer_retry_once(struct writer *w)
{
	w->blocked = false;
	if (w->last_full)
		writer_room_make(w);
	writer_publish_level(w);
	/* Begins (the captures row, the log's replay), writes the map, commits. */
	if (writer_ready(w))
		writer_commit(w);
}

/* Blocked and the retry time has come (or the end: final, a few times over,
 * each making room again): try again. */
void writer_retry(struct writer *w, bool final)
{
	if (!w->blocked || (!final && writer_wall_us() < w->retry_at))
		return;
	writer_retry_once(w);
	for (int i = 0; final && w->blocked && !w->dead && i < WRITER_FINAL_RETRIES; i++)
		writer_retry_once(w);
	if (!final)
		return;
	/* The end and still failing: what waits in the log and the map is
	 * given up (a later retry that succeeds takes the count back). */
	pthread_mutex_lock(&w->lock);
	w->given_up = w->blocked ? w->log.n + w->map.n : 0;
	pthread_mutex_unlock(&w->lock);
}
