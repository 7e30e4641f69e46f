/* writer_fail: running one statement, and what its failure does (writer.h).
 *
 * Storage trouble (full, I/O, read-only, busy) is worth another try: the
 * transaction is rolled back, its essentials wait in the log (wlog.h) for a
 * replay, the level steps down, and nothing is tried before the retry time
 * (writer_commit.c retries, writer_room.c makes room and steps back up).  Any
 * other failure is sticky: the reason is kept and writer_failed turns true.
 * Also the health and level every thread may read. */
#include "db/writer_fail.h"

#include <stdio.h>
#include <time.h>

#include "analyzer/records.h"

#include "db/dbutil.h"
#include "db/writer_int.h"

/* Retries back off to this many times the retry interval. */
#define WRITER_RETRY_BACKOFF_MAX 12

int64_t writer_wall_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * USEC_PER_SEC + t.tv_nsec / 1000;
}

void writer_publish_level(struct writer *w)
{
	atomic_store_explicit(&w->level_pub, w->level, memory_order_relaxed);
	atomic_store_explicit(&w->failing_pub, w->blocked, memory_order_relaxed);
}

/* Full, I/O, read-only, busy: the storage's trouble, not the db's; worth
 * another try later (the disk may get room, the lock may be released). */
static bool writer_transient(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
		return true;
	default:
		return false;
	}
}

/* A write failed for the storage's sake: roll back, keep the essentials for
 * a replay, store less, and wait a retry interval (longer each time). */
static void writer_trouble(struct writer *w, int rc)
{
	char why[256];
	bool first;

	dbutil_format_error(why, sizeof why, w->path, w->db, rc, w->opt.busy_timeout_ms);
	if (!sqlite3_get_autocommit(w->db)) {
		sqlite3_step(w->st[ST_ROLLBACK]);
		sqlite3_reset(w->st[ST_ROLLBACK]);
	}
	w->in_batch = false;
	w->replay = true;
	w->blocked = true;
	w->last_full = (rc & 0xff) == SQLITE_FULL;
	if (w->level < STORE_ESSENTIAL)
		w->level++;
	/* A full disk has no room for body-less messages either: the room
	 * that is left (and the reserve's) is for the dialogs and findings. */
	if (w->last_full && w->level < STORE_NO_MESSAGES)
		w->level = STORE_NO_MESSAGES;
	w->level_ok_since = 0;
	int64_t base = w->opt.retry_interval_us > 0 ? w->opt.retry_interval_us : USEC_PER_SEC;
	w->retry_us = w->retry_us ? w->retry_us * 2 : base;
	if (w->retry_us > base * WRITER_RETRY_BACKOFF_MAX)
		w->retry_us = base * WRITER_RETRY_BACKOFF_MAX;
	w->retry_at = writer_wall_us() + w->retry_us;
	pthread_mutex_lock(&w->lock);
	w->health.errors++;
	w->health.incomplete = true;
	w->health.skipped += w->txn_messages;
	if (!w->health.reason[0])
		snprintf(w->health.reason, sizeof w->health.reason, "%s", why);
	first = !w->said;
	w->said = true;
	pthread_mutex_unlock(&w->lock);
	w->txn_rows = 0;
	w->txn_messages = 0;
	writer_publish_level(w);
	if (first && w->opt.say_on_stderr)
		fprintf(stderr, "sipwatch: %s: storing less (%s) until the db can be written again;"
			" the analysis goes on\n", why, store_level_name(w->level));
}

/* Records the first failure and abandons the open batch. */
void writer_fail(struct writer *w, int rc)
{
	if (w->dead || w->blocked)
		return;
	if (writer_transient(rc)) {
		writer_trouble(w, rc);
		return;
	}
	w->dead = true;
	if (sqlite3_extended_errcode(w->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
		/* Ids come from store_next_ids at start: a clash means a second
		 * sipwatch writes to the same db. */
		snprintf(w->err, sizeof w->err,
			 "%s: row id already taken: another sipwatch is writing to this db"
			 " (use one db per running sipwatch)", w->path);
	else
		dbutil_format_error(w->err, sizeof w->err, w->path, w->db, rc,
				    w->opt.busy_timeout_ms);
	atomic_store_explicit(&w->failed, true, memory_order_release);
	/* Some errors (full, I/O, busy) roll the transaction back by themselves. */
	if (!sqlite3_get_autocommit(w->db)) {
		sqlite3_step(w->st[ST_ROLLBACK]);
		sqlite3_reset(w->st[ST_ROLLBACK]);
	}
	w->in_batch = false;
	writer_map_clear(&w->map);
}

bool writer_failed(const struct writer *w)
{
	return atomic_load_explicit(&w->failed, memory_order_acquire);
}

const char *writer_error(const struct writer *w)
{
	return writer_failed(w) ? w->err : "";
}

int writer_level(const struct writer *w)
{
	return atomic_load_explicit(&w->level_pub, memory_order_relaxed);
}

bool writer_failing(const struct writer *w)
{
	return atomic_load_explicit(&w->failing_pub, memory_order_relaxed);
}

void writer_count_skipped(struct writer *w, uint64_t n)
{
	pthread_mutex_lock(&w->lock);
	w->health.skipped += n;
	w->health.incomplete = true;
	pthread_mutex_unlock(&w->lock);
}

void writer_count_behind(struct writer *w, uint64_t n)
{
	bool first;

	pthread_mutex_lock(&w->lock);
	w->health.skipped += n;
	w->health.incomplete = true;
	if (!w->health.reason[0])
		snprintf(w->health.reason, sizeof w->health.reason,
			 "%s: the db writer fell behind the capture (message rows not stored"
			 " while the capture queue was filling)", w->path);
	first = !w->said_behind;
	w->said_behind = true;
	pthread_mutex_unlock(&w->lock);
	if (first && w->opt.say_on_stderr)
		fprintf(stderr, "sipwatch: %s: the db writer is behind the capture: message rows are"
			" not stored until it catches up; the analysis goes on\n", w->path);
}

void writer_get_health(struct writer *w, struct store_health *h)
{
	pthread_mutex_lock(&w->lock);
	*h = w->health;
	h->lost += w->given_up;
	if (w->given_up)
		h->incomplete = true;
	pthread_mutex_unlock(&w->lock);
	h->level = writer_level(w);
	h->failing = writer_failing(w);
}

uint64_t writer_capture_id(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	uint64_t id = w->health_capture_id;
	pthread_mutex_unlock(&w->lock);
	return id;
}

/* Steps a statement that returns no rows, resets it, and fails on error. */
bool writer_run(struct writer *w, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		writer_fail(w, rc);
		sqlite3_reset(st);
		return false;
	}
	sqlite3_reset(st);
	return true;
}

/* Steps a row statement whose values are bound (bind_rc = OR of the bind codes). */
void writer_put_row(struct writer *w, sqlite3_stmt *st, int bind_rc)
{
	if (bind_rc != SQLITE_OK) {
		writer_fail(w, sqlite3_errcode(w->db));
		sqlite3_clear_bindings(st);
		return;
	}
	if (writer_run(w, st))
		w->txn_rows++;
}

/* Keeps a copy of an essential record until its transaction commits. */
void writer_log(struct writer *w, const struct storerec_hdr *h)
{
	if (wlog_append(&w->log, h, h->size))
		return;
	pthread_mutex_lock(&w->lock);
	w->health.lost++;
	w->health.incomplete = true;
	pthread_mutex_unlock(&w->lock);
}

/* The producer's count of what was not stored, for n > 0. */
void writer_skipped(struct writer *w, uint64_t n)
{
	if (n)
		writer_count_skipped(w, n);
}
