/* writer_thread: the store's SQLite side, on its own thread (writer.h).
 *
 * This file is the thread: it takes the records the producer copied into the
 * row queue and runs each in order (writer_do), answers the tickets the
 * producer waits on, and commits early when a transaction grows too big; and
 * it opens and closes the whole writer.  What a record does is in the files
 * below it (writer_int.h lists them): the rows, the commit, the storage
 * trouble, the room on disk, the statements and the dialog map. */
#include "db/writer.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "db/checkpoint.h"
#include "db/dbutil.h"
#include "db/index_build.h"
#include "db/prune.h"
#include "db/schema.h"
#include "db/storerec.h"
#include "db/wlog.h"
#include "db/writer_commit.h"
#include "db/writer_fail.h"
#include "db/writer_int.h"
#include "db/writer_room.h"
#include "db/writer_rows.h"
#include "common/thread_role.h"

/* WAL size (16 KB pages) that wakes the checkpoint thread (16 MB), and the
 * size (512 MB) at which the writer runs a checkpoint itself.  The thread
 * copies the bulk, but under a continuous writer it never catches up at the
 * moment a transaction begins, which is what lets SQLite restart the WAL;
 * the writer's own checkpoint then only copies what is left and the next
 * transaction restarts the WAL.  The sync level is well above one
 * transaction (a file's 250,000 rows make ~175 MB of WAL): at 64 MB the
 * writer checkpointed after every commit, stalling the pipeline for the
 * copy and fsync (bench capture: 11.0-11.2 s -> 9.4-10.0 s); the cost is a
 * WAL of up to ~512 MB on disk while a file is read. */
#define WRITER_CKPT_WAKE_PAGES 1024
#define WRITER_CKPT_SYNC_PAGES 32768

/* The log of a transaction's essentials (wlog.h): past the soft size a
 * healthy writer commits early, so the log stays small; the hard size bounds
 * what a long outage keeps in memory (past it, records are lost, counted).
 * The coalesced dialogs count with the log: the commit copies them into it
 * (counting the log alone, it reached 12 of its 16 MiB: issue 20's RSS). */
#define WRITER_LOG_SOFT_BYTES (8u << 20)
#define WRITER_LOG_MAX_BYTES (64u << 20)

/* Healthy: commits early past the transaction's rows (bounded by
 * --db-max-size) or a big log; degraded: every few thousand rows. */
static void writer_maybe_commit(struct writer *w)
{
	if (!w->in_batch)
		return;
	writer_room_check_space(w);
	size_t max = w->level > STORE_ALL || w->low_space ? WRITER_DEGRADED_TXN_ROWS : w->txn_rows_max;
	if (w->txn_rows >= max || w->log.len + w->map.bytes >= WRITER_LOG_SOFT_BYTES)
		writer_commit(w);
}

/* After the last commit of a file import: the deferred indexes (all, or
 * only those a report reads: issue 20, the rest are built while the report
 * is written, see store_start_indexes). */
static void writer_build_indexes(struct writer *w, bool all)
{
	if (w->indexes_deferred == 0 || w->dead)
		return;
	int rc = all ? index_build_restore(w->db) : index_build_restore_for_report(w->db);
	if (rc != SQLITE_OK)
		writer_fail(w, rc);
	if (all || rc != SQLITE_OK)
		w->indexes_deferred = 0;
}

/* Runs one record; false after REC_STOP. */
static bool writer_do(struct writer *w, const struct storerec_hdr *h, struct writer_reply *r)
{
	if (w->blocked)
		writer_retry(w, h->kind == REC_STOP || (h->ticket && h->kind == REC_COMMIT));
	else
		writer_maybe_commit(w);
	switch ((enum storerec_kind)h->kind) {
	case REC_MESSAGE:
		if (!w->dead)
			writer_message(w, (const struct storerec_message *)h);
		break;
	case REC_DIALOG:
		if (!w->dead)
			writer_dialog(w, (const struct storerec_dialog *)h);
		break;
	case REC_FINDING:
		if (!w->dead)
			writer_finding(w, (const struct storerec_finding *)h);
		break;
	case REC_ENDPOINT:
		if (!w->dead)
			writer_endpoint(w, (const struct storerec_endpoint *)h);
		break;
	case REC_CAPTURE_BEGIN:
		r->capture_id = w->dead ? 0 : writer_begin_capture(w, (const struct storerec_capture *)h);
		break;
	case REC_CAPTURE_UPDATE:
		if (!w->dead)
			writer_update_capture(w, (const struct storerec_capture *)h);
		break;
	case REC_NEXT_IDS:
		writer_next_ids(w, r);
		break;
	case REC_COMMIT:
		writer_commit(w);
		break;
	case REC_RETENTION:
		writer_retention(w, ((const struct storerec_retention *)h)->now_us);
		break;
	case REC_SYNC:
		break;
	case REC_INDEXES:
	case REC_INDEXES_REPORT:
		writer_commit(w);
		writer_build_indexes(w, h->kind == REC_INDEXES);
		break;
	case REC_STOP:
		writer_commit(w);
		writer_build_indexes(w, true);
		return false;
	}
	return true;
}

static void writer_answer(struct writer *w, uint64_t ticket, const struct writer_reply *r)
{
	pthread_mutex_lock(&w->lock);
	w->done_ticket = ticket;
	w->reply = *r;
	w->pub = w->stats;
	pthread_cond_broadcast(&w->done_cond);
	pthread_mutex_unlock(&w->lock);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	bool running = true;

	thread_name_set("sw-writer");
	thread_role_lower(THREAD_ROLE_STORAGE_NICE);

	while (running) {
		struct rowq_chunk *c = rowq_take(w->q);
		if (!c)
			break;
		while (c) {
			struct rowq_chunk *next = c->next;
			size_t off = 0;
			while (off < c->used) {
				const struct storerec_hdr *h = (const void *)(c->data + off);
				struct writer_reply r = {0};
				off += (h->size + ROWQ_ALIGN - 1) & ~(size_t)(ROWQ_ALIGN - 1);
				w->records_done++;
				if (running)
					running = writer_do(w, h, &r);
				if (h->ticket)
					writer_answer(w, h->ticket, &r);
			}
			rowq_release(w->q, c);
			c = next;
		}
	}
	return NULL;
}

void writer_wait(struct writer *w, uint64_t ticket, struct writer_reply *r)
{
	pthread_mutex_lock(&w->lock);
	while (w->done_ticket < ticket)
		pthread_cond_wait(&w->done_cond, &w->lock);
	if (r)
		*r = w->reply;
	pthread_mutex_unlock(&w->lock);
}

void writer_get_stats(struct writer *w, struct writer_stats *out)
{
	pthread_mutex_lock(&w->lock);
	*out = w->started ? w->pub : w->stats;
	pthread_mutex_unlock(&w->lock);
}

void writer_get_progress(struct writer *w, struct writer_progress *out)
{
	out->committed_records = atomic_load_explicit(&w->committed_records, memory_order_relaxed);
	out->last_commit_us = atomic_load_explicit(&w->last_commit_us, memory_order_relaxed);
	out->commits = atomic_load_explicit(&w->commits, memory_order_relaxed);
}

/* ---- open and close ---- */

static void writer_open_fail(sqlite3 *db, const char *path, int rc, char *err, size_t n)
{
	if (rc != SQLITE_OK)
		dbutil_format_error(err, n, path, db, rc, 0);
	sqlite3_close(db);
}

/* --db-max-size: the WAL's share of the cap (an eighth, 256 KiB to 64 MiB),
 * the pages in use pruned above what leaves room for two WALs, transactions
 * small enough for their WAL to fit.  The pruner also makes room when the
 * disk is full, with or without a cap. */
static int writer_setup_bound(struct writer *w, char *err, size_t n)
{
	int rc;

	w->pruner = prune_new(w->db, &rc);
	if (!w->pruner) {
		dbutil_format_error(err, n, w->path, w->db, rc, 0);
		return rc;
	}
	if (!w->opt.max_bytes)
		return SQLITE_OK;
	uint64_t cap = w->opt.max_bytes;
	uint64_t wal = cap / 8;
	if (wal < 256 * 1024)
		wal = 256 * 1024;
	if (wal > 64u << 20)
		wal = 64u << 20;
	w->wal_budget = (int64_t)wal;
	w->prune_high = cap > 4 * wal ? cap - 3 * wal : cap / 4;
	w->prune_low = w->prune_high / 20 * 19;
	/* ~1 KiB of WAL per row (16 KiB pages rewritten for index inserts). */
	w->txn_rows_max = (size_t)(wal / 4 / 1024);
	if (w->txn_rows_max < 100)
		w->txn_rows_max = 100;
	char sql[80];
	snprintf(sql, sizeof sql, "PRAGMA journal_size_limit = %lld", (long long)wal);
	rc = dbutil_exec(w->db, sql);
	if (rc != SQLITE_OK)
		dbutil_format_error(err, n, w->path, w->db, rc, 0);
	return rc;
}

static int writer_prepare_all(struct writer *w, char *err, size_t n)
{
	int rc = writer_sql_prepare(w->db, w->st);

	if (rc != SQLITE_OK)
		dbutil_format_error(err, n, w->path, w->db, rc, w->opt.busy_timeout_ms);
	return rc;
}

struct writer *writer_open(const char *path, const struct store_options *o, char *err, size_t n)
{
	sqlite3 *db = NULL;
	int rc;

	/* A file size limit (ulimit -f) must fail the write with EFBIG, which
	 * becomes "file size limit reached", not kill the monitor. */
	struct sigaction xfsz;
	if (sigaction(SIGXFSZ, NULL, &xfsz) == 0 && xfsz.sa_handler == SIG_DFL)
		signal(SIGXFSZ, SIG_IGN);
	/* NOMUTEX: the connection belongs to one thread at a time (this one,
	 * then the writer thread); SQLite's own locking would cost ~4% of the
	 * insert path for nothing. */
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		writer_open_fail(db, path, rc, err, n);
		return NULL;
	}
	if (sqlite3_db_readonly(db, "main") == 1) {
		dbutil_format_error(err, n, path, db, SQLITE_READONLY, 0);
		writer_open_fail(db, path, SQLITE_OK, err, n);
		return NULL;
	}
	if (schema_configure(db, path, o->busy_timeout_ms, err, n) != SQLITE_OK ||
	    schema_migrate(db, path, o->busy_timeout_ms, err, n) != SQLITE_OK) {
		writer_open_fail(db, path, SQLITE_OK, err, n);
		return NULL;
	}
	if (o->cache_kib > 0) {
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", o->cache_kib);
		rc = dbutil_exec(db, sql);
		if (rc != SQLITE_OK) {
			writer_open_fail(db, path, rc, err, n);
			return NULL;
		}
	}

	struct writer *w = xcalloc(1, sizeof *w);
	w->db = db;
	w->path = xstrdup(path);
	w->opt = *o;
	atomic_init(&w->failed, false);
	atomic_init(&w->committed_records, 0);
	atomic_init(&w->last_commit_us, writer_wall_us());
	atomic_init(&w->commits, 0);
	atomic_init(&w->level_pub, STORE_ALL);
	atomic_init(&w->failing_pub, false);
	wlog_init(&w->log, WRITER_LOG_MAX_BYTES);
	w->txn_rows_max = SIZE_MAX;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->done_cond, NULL);
	writer_map_init(&w->map);
	if (writer_prepare_all(w, err, n) != SQLITE_OK || writer_setup_bound(w, err, n) != SQLITE_OK) {
		writer_close(w);
		return NULL;
	}
	/* Indexes a killed import left unbuilt, then (a new file import into an
	 * empty db) the ones this run builds at its end. */
	rc = index_build_restore(db);
	if (rc == SQLITE_OK && o->defer_indexes)
		rc = index_build_defer(db, &w->indexes_deferred);
	if (rc != SQLITE_OK) {
		dbutil_format_error(err, n, path, db, rc, o->busy_timeout_ms);
		writer_close(w);
		return NULL;
	}
	/* "On start": before this run writes anything, on the wall clock. */
	if (w->opt.retention_days > 0) {
		writer_retention(w, writer_wall_us());
		if (w->dead) {
			snprintf(err, n, "%s (applying --retention-days)", w->err);
			writer_close(w);
			return NULL;
		}
	}
	writer_room_reserve(w, 8);
	char why[128];
	if (w->opt.max_bytes) {
		/* Within a cap the WAL must restart often, which a checkpoint
		 * thread racing the writer never lets it do: SQLite's own
		 * checkpoint, in the commit, with nothing else writing. */
		int pages = (int)(w->wal_budget / 16384 / 2);
		sqlite3_wal_autocheckpoint(db, pages > 16 ? pages : 16);
		return w;
	}
	w->ckpt = checkpoint_start(path, why, sizeof why);
	if (w->ckpt)
		checkpoint_attach(w->ckpt, db, WRITER_CKPT_WAKE_PAGES, WRITER_CKPT_SYNC_PAGES);
	return w;
}

bool writer_start(struct writer *w, struct rowq *q, char *err, size_t n)
{
	w->q = q;
	int e = pthread_create(&w->thread, NULL, writer_main, w);
	if (e != 0) {
		snprintf(err, n, "%s: cannot start the writer thread (errno %d)", w->path, e);
		return false;
	}
	w->started = true;
	return true;
}

void writer_close(struct writer *w)
{
	if (!w)
		return;
	if (w->started) {
		pthread_join(w->thread, NULL);
		w->started = false;
	} else if (w->st[ST_COMMIT]) {
		writer_commit(w);
	}
	checkpoint_stop(w->ckpt);
	prune_free(w->pruner);
	wlog_free(&w->log);
	if (w->reserve)
		unlink(w->reserve);
	free(w->reserve);
	free(w->pending_capture);
	writer_sql_finalize(w->st);
	sqlite3_close(w->db);
	writer_map_free(&w->map);
	pthread_cond_destroy(&w->done_cond);
	pthread_mutex_destroy(&w->lock);
	free(w->path);
	free(w);
}
