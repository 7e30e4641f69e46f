/* writer: the store's SQLite side, on its own thread (writer.h).
 *
 * Every statement is prepared once at open and reset after each use; values
 * are bound, never pasted into SQL; strings are bound with their lengths,
 * SQLITE_STATIC, from the row queue's chunk (which stays alive until the
 * record is done).  Rows go into an explicit transaction (BEGIN IMMEDIATE,
 * so a competing writer is noticed at the start of a batch, not half-way
 * through it), opened by the first row and committed when the producer says
 * so (REC_COMMIT: batch_rows rows or batch_interval_us, see store.c).
 *
 * Dialog upserts are coalesced per transaction: the analyzer re-emits a
 * dialog at every state change (about five times a call), and the row
 * only has to hold its latest state at each commit. */
#include "db/writer.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xalloc.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "db/checkpoint.h"
#include "db/dbutil.h"
#include "db/prune.h"
#include "db/index_build.h"
#include "db/schema.h"
#include "db/storerec.h"
#include "db/wlog.h"

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

/* The coalescing map: at most this many dialogs or bytes of their records
 * per transaction; past either, the map is written out early (still inside
 * the transaction) and starts again. */
#define WRITER_MAP_MAX 16384
#define WRITER_MAP_SLOTS (2 * WRITER_MAP_MAX) /* a power of two */
#define WRITER_MAP_MAX_BYTES (4u << 20) /* of record buffers */

/* The log of a transaction's essentials (wlog.h): past the soft size a
 * healthy writer commits early, so the log stays small; the hard size bounds
 * what a long outage keeps in memory (past it, records are lost, counted). */
#define WRITER_LOG_SOFT_BYTES (8u << 20)
#define WRITER_LOG_MAX_BYTES (64u << 20)
/* While degraded, transactions are short: a failure loses less. */
#define WRITER_DEGRADED_TXN_ROWS 2000
/* At the end, after the last retry failed, this many more (each makes room). */
#define WRITER_FINAL_RETRIES 3
/* Retries back off to this many times the retry interval. */
#define WRITER_RETRY_BACKOFF_MAX 12
/* Below this much free space, transactions are short (writer_maybe_commit). */
#define WRITER_LOW_SPACE_BYTES (UINT64_C(256) << 20)
#define WRITER_SPACE_CHECK_ROWS 4096
/* After a full disk, storing steps back up only with this much free (or a
 * quarter of the file system, if smaller). */
#define WRITER_ROOM_BYTES (UINT64_C(24) << 20)

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
	ST_CAPTURE_COUNT,
	ST_NEXT_IDS,
	ST_RET_HIGH_WATER,
	ST_RET_MESSAGES,
	ST_RET_FINDINGS,
	ST_RET_DIALOGS,
	ST_RET_CAPTURES,
	ST_RET_ENDPOINTS,
	ST_RET_COUNTS,
	ST_CAPTURE_DBSTATE,
	ST_COUNT
};

static const char *const store_sql[ST_COUNT] = {
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

struct writer_entry {
	uint64_t id;
	uint8_t *buf; /* a copy of the latest struct storerec_dialog, strings included */
	size_t cap;
};

struct writer_map {
	struct writer_entry *e; /* first-seen order */
	size_t n;
	size_t bytes;           /* of the entries' buffers */
	uint32_t *slot;         /* index + 1 into e, 0 = free; open addressing */
};

struct writer {
	sqlite3 *db;
	struct checkpointer *ckpt; /* NULL: SQLite's own autocheckpoint */
	char *path;
	struct store_options opt;
	sqlite3_stmt *st[ST_COUNT];
	struct rowq *q;
	pthread_t thread;
	bool started;

	/* The writer thread's (the opening thread's before start). */
	uint64_t capture_id;
	bool capture_is_file; /* retention keeps the capture being read */
	bool in_batch;
	bool dead;            /* failed, seen from this thread */
	int indexes_deferred; /* dropped by index_build_defer, not built yet */
	struct writer_map map;
	struct writer_stats stats;

	/* Degrading (issue 17), the writer thread's. */
	int level;               /* enum store_level */
	bool blocked;            /* a write failed: nothing is tried before retry_at */
	bool replay;             /* the log goes first into the next transaction */
	bool last_full;          /* the last failure was a full disk */
	bool said;               /* the trouble was said on stderr */
	int64_t retry_at, retry_us;
	int64_t level_ok_since;  /* the current level's writes have succeeded since */
	size_t txn_rows;         /* rows in the open transaction */
	uint64_t txn_messages;   /* messages in it: lost if it fails */
	size_t txn_rows_max;     /* healthy: commit past this many rows (from max_bytes) */
	size_t space_check_at;   /* txn_rows at which to look at the free space again */
	bool low_space;          /* the file system is nearly full: short transactions */
	struct wlog log;
	uint8_t *pending_capture; /* a REC_CAPTURE_BEGIN not written yet */
	struct pruner *pruner;
	uint64_t prune_high, prune_low; /* bytes of pages in use: prune above, down to */
	int64_t wal_budget;      /* bytes (journal_size_limit) */
	uint64_t dry_used;       /* bytes in use when pruning last ran */
	uint64_t health_capture_id; /* under lock */
	uint64_t dbstate_sig;       /* of the health last written to the captures row */
	char *reserve;              /* the <db>-reserve file's name, NULL: none */
	atomic_int level_pub;
	atomic_bool failing_pub;
	struct store_health health; /* under lock */

	/* Shared: failed is raised after err is written and never lowered. */
	atomic_bool failed;
	/* Shared, for the metrics (writer_get_progress): records taken off the
	 * queue (the writer's own count, non-atomic) and, at each COMMIT, how
	 * many of them that commit covered, with its wall time and count. */
	uint64_t records_done;
	atomic_uint_fast64_t committed_records;
	atomic_int_fast64_t last_commit_us;
	atomic_uint_fast64_t commits;
	char err[320];
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	uint64_t done_ticket;       /* under lock */
	struct writer_reply reply;  /* under lock */
	struct writer_stats pub;    /* under lock */
};

/* ---- failures ---- */

static void writer_map_clear(struct writer *w);
static int64_t writer_wall_us(void);

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

static void writer_trouble(struct writer *w, int rc);

/* Records the first failure and abandons the open batch. */
static void writer_fail(struct writer *w, int rc)
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
	writer_map_clear(w);
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

void writer_get_health(struct writer *w, struct store_health *h)
{
	pthread_mutex_lock(&w->lock);
	*h = w->health;
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
static bool writer_run(struct writer *w, sqlite3_stmt *st)
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

static bool writer_insert_capture(struct writer *w);
static void writer_replay(struct writer *w);

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
static bool writer_ready(struct writer *w)
{
	return !w->dead && writer_begin(w);
}

/* Steps a row statement whose values are bound (bind_rc = OR of the bind codes). */
static void writer_put_row(struct writer *w, sqlite3_stmt *st, int bind_rc)
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
static void writer_log(struct writer *w, const struct storerec_hdr *h)
{
	if (wlog_append(&w->log, h, h->size))
		return;
	pthread_mutex_lock(&w->lock);
	w->health.lost++;
	w->health.incomplete = true;
	pthread_mutex_unlock(&w->lock);
}

static void writer_skipped(struct writer *w, uint64_t n)
{
	if (n)
		writer_count_skipped(w, n);
}

/* ---- binding from records ---- */

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

/* ---- the dialog map ---- */

static uint32_t writer_hash(uint64_t id)
{
	id ^= id >> 33;
	id *= UINT64_C(0xff51afd7ed558ccd);
	id ^= id >> 33;
	return (uint32_t)id;
}

static void writer_map_init(struct writer_map *m)
{
	m->slot = xcalloc(WRITER_MAP_SLOTS, sizeof *m->slot);
	m->e = xcalloc(WRITER_MAP_MAX, sizeof *m->e);
}

static void writer_map_free(struct writer_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->e[i].buf);
	free(m->e);
	free(m->slot);
	memset(m, 0, sizeof *m);
}

static void writer_map_clear(struct writer *w)
{
	struct writer_map *m = &w->map;

	if (m->n == 0)
		return;
	/* Not kept for the next transaction: the map's memory is what it holds. */
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].buf);
		m->e[i].buf = NULL;
		m->e[i].cap = 0;
	}
	memset(m->slot, 0, WRITER_MAP_SLOTS * sizeof *m->slot);
	m->n = 0;
	m->bytes = 0;
}

/* The codes of a finding mask as "CODE,CODE" in code order. */
static void writer_dialog_row(struct writer *w, const struct storerec_dialog *d)
{
	char codes[1024];
	sqlite3_stmt *st = w->st[ST_DIALOG];
	size_t codes_len = finding_mask_text(d->finding_mask, codes, sizeof codes);
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
	writer_put_row(w, st, rc);
	w->stats.dialog_rows++;
}

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
	writer_map_clear(w);
}

/* Keeps the latest record of the dialog for the commit. */
static void writer_dialog(struct writer *w, const struct storerec_dialog *d)
{
	struct writer_map *m = &w->map;
	size_t size = d->h.size;
	uint32_t i = writer_hash(d->id) & (WRITER_MAP_SLOTS - 1);

	w->stats.dialog_records++;
	while (m->slot[i] && m->e[m->slot[i] - 1].id != d->id)
		i = (i + 1) & (WRITER_MAP_SLOTS - 1);
	if (!m->slot[i]) {
		if (m->n == WRITER_MAP_MAX || m->bytes + size > WRITER_MAP_MAX_BYTES) {
			w->stats.map_spills++;
			writer_map_write(w);
			if (w->dead)
				return;
			i = writer_hash(d->id) & (WRITER_MAP_SLOTS - 1); /* the map is empty */
		}
		m->e[m->n].id = d->id;
		m->slot[i] = (uint32_t)++m->n;
	}
	struct writer_entry *e = &m->e[m->slot[i] - 1];
	if (e->cap < size) {
		m->bytes -= e->cap;
		free(e->buf);
		e->cap = (size + 63) & ~(size_t)63; /* room for an update that grows a little */
		e->buf = xmalloc(e->cap);
		m->bytes += e->cap;
	}
	memcpy(e->buf, d, size);
}

/* ---- rows ---- */

static void writer_message(struct writer *w, const struct storerec_message *m)
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

static void writer_finding(struct writer *w, const struct storerec_finding *f)
{
	writer_log(w, &f->h);
	if (writer_ready(w))
		writer_finding_row(w, f);
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

static void writer_endpoint(struct writer *w, const struct storerec_endpoint *e)
{
	if (w->level >= STORE_ESSENTIAL) {
		writer_skipped(w, 1);
		return;
	}
	writer_log(w, &e->h);
	if (writer_ready(w))
		writer_endpoint_row(w, e);
}

static void writer_capture_row(struct writer *w, const struct storerec_capture *c);
static void writer_committed(struct writer *w);

static void writer_capture_dbstate(struct writer *w);

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

/* Writes the coalesced dialogs and commits the open batch. */
static void writer_commit(struct writer *w)
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

/* After a failure: the essentials of the failed transactions, again (not
 * logged twice: they are in the log already). */
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
	}
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

static uint64_t writer_begin_capture(struct writer *w, const struct storerec_capture *c)
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

/* The db_* columns of this run's captures row: what storage trouble left out. */
static void writer_capture_dbstate(struct writer *w)
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

static void writer_update_capture(struct writer *w, const struct storerec_capture *c)
{
	writer_log(w, &c->h);
	if (writer_ready(w) && w->capture_id)
		writer_capture_row(w, c);
}

static void writer_next_ids(struct writer *w, struct writer_reply *r)
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

static void writer_retention(struct writer *w, int64_t now_us)
{
	static const enum store_stmt order[] = {ST_RET_HIGH_WATER, ST_RET_MESSAGES,
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

/* ---- storage trouble (issue 17) ---- */

static int64_t writer_wall_us(void);

const char *store_level_name(int level)
{
	static const char *const names[] = {"everything", "no message bodies",
					    "no messages", "only dialogs and findings"};
	return level >= 0 && level <= STORE_ESSENTIAL ? names[level] : "?";
}

static void writer_publish_level(struct writer *w)
{
	atomic_store_explicit(&w->level_pub, w->level, memory_order_relaxed);
	atomic_store_explicit(&w->failing_pub, w->blocked, memory_order_relaxed);
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

/* The disk was full: the WAL's space back (a checkpoint that truncates it),
 * and once messages are no longer stored, room inside the db for the
 * dialogs and findings: the bodies and messages of healthy ended dialogs go
 * (never a dialog or a finding: the report is made of them); of this run's
 * capture only, unless --db-max-size allows any. */
static void writer_reserve(struct writer *w, unsigned share);

static void writer_make_room(struct writer *w)
{
	/* The WAL's committed pages may need the db to grow, which a full disk
	 * refuses, and then the WAL can never restart: the reserve's room
	 * lets that checkpoint through. */
	if (w->reserve) {
		unlink(w->reserve);
		free(w->reserve);
		w->reserve = NULL;
	}
	sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	/* Without --db-max-size, only this run's own messages go: what earlier
	 * runs stored is not deleted unasked. */
	if (w->level < STORE_NO_MESSAGES || !w->pruner || (!w->opt.max_bytes && !w->capture_id))
		return;
	int64_t freed = 0;
	prune_rewind(w->pruner);
	for (int i = 0; i < 64; i++) {
		int rc;
		int64_t n = prune_step(w->pruner, true, w->opt.max_bytes ? 0 : w->capture_id, &rc);
		if (n <= 0)
			break;
		freed += n;
		if (freed >= 50000)
			break;
	}
	if (freed) {
		pthread_mutex_lock(&w->lock);
		w->health.pruned += (uint64_t)freed;
		pthread_mutex_unlock(&w->lock);
		/* The pages freed inside the db are no room for the WAL: give them
		 * back to the file system (the file shrinks at the checkpoint). */
		sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		prune_release(w->pruner, 0);
		sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		/* A reserve again, out of what was freed: without one, the next
		 * full disk leaves no room for the deletions that make room (each
		 * writes its pages to the WAL first), and what the log keeps
		 * (dialogs, findings) could never be written. */
		writer_reserve(w, 4);
	}
}

/* <db>-reserve: a file of a few MB (a share of the free space, at most
 * 8 MiB) kept next to the db while it is open, given up when the disk is
 * full (writer_make_room) and made again once everything is stored again. */
static void writer_reserve(struct writer *w, unsigned share)
{
	char name[4096];
	struct statvfs vfs;

	if (w->reserve || statvfs(w->path, &vfs) != 0)
		return;
	uint64_t size = (uint64_t)vfs.f_bavail * vfs.f_frsize / share;
	if (size > (8u << 20))
		size = 8u << 20;
	if (size < (256u << 10))
		return;
	snprintf(name, sizeof name, "%s-reserve", w->path);
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (posix_fallocate(fd, 0, (off_t)size) != 0) {
		close(fd);
		unlink(name);
		return;
	}
	close(fd);
	w->reserve = xstrdup(name);
}

static void writer_retry_once(struct writer *w);

/* Blocked and the retry time has come (or the end: final, a few times over,
 * each making room again): try again. */
static void writer_retry(struct writer *w, bool final)
{
	if (!w->blocked || (!final && writer_wall_us() < w->retry_at))
		return;
	writer_retry_once(w);
	for (int i = 0; final && w->blocked && !w->dead && i < WRITER_FINAL_RETRIES; i++)
		writer_retry_once(w);
}

static void writer_retry_once(struct writer *w)
{
	w->blocked = false;
	if (w->last_full)
		writer_make_room(w);
	writer_publish_level(w);
	/* Begins (the captures row, the log's replay), writes the map, commits. */
	if (writer_ready(w))
		writer_commit(w);
}

/* ---- --db-max-size ---- */

static void writer_bound(struct writer *w)
{
	uint64_t used, files;

	if (!w->opt.max_bytes || !w->pruner || !prune_sizes(w->pruner, w->path, &used, &files))
		return;
	if (used <= w->prune_high && files <= w->opt.max_bytes)
		return;
	/* Nothing was left to remove: wait until the db has grown by 1/16
	 * before trying again, not at every commit. */
	if (prune_dry(w->pruner) && used < w->dry_used + w->prune_high / 16)
		return;
	int64_t freed = 0;
	prune_rewind(w->pruner);
	for (int i = 0; i < 4096 && used > w->prune_low; i++) {
		int rc;
		int64_t n = prune_step(w->pruner, false, 0, &rc);
		if (n < 0)
			writer_fail(w, rc);
		if (n <= 0 || !prune_sizes(w->pruner, w->path, &used, &files))
			break;
		freed += n;
		/* The deletions' own WAL and free pages: given back as it goes. */
		if (i % 4 == 3) {
			prune_release(w->pruner, 16);
			sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		}
	}
	w->dry_used = used;
	if (!w->blocked && !w->dead) {
		prune_release(w->pruner, 16);
		/* The file shrinks and the WAL restarts once this is checkpointed;
		 * past the cap, one that truncates the WAL (it waits for readers). */
		prune_sizes(w->pruner, w->path, &used, &files);
		sqlite3_wal_checkpoint_v2(w->db, NULL, files > w->opt.max_bytes
				? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	}
	pthread_mutex_lock(&w->lock);
	w->health.pruned += (uint64_t)freed;
	pthread_mutex_unlock(&w->lock);
}

/* A commit succeeded: forget the log; after trouble, step back up a level
 * once the current one has worked for a retry interval. */
static void writer_committed(struct writer *w)
{
	wlog_reset(&w->log);
	w->space_check_at = 0;
	w->txn_rows = 0;
	w->txn_messages = 0;
	if (w->level > STORE_ALL) {
		int64_t now = writer_wall_us();
		int64_t base = w->opt.retry_interval_us > 0 ? w->opt.retry_interval_us : USEC_PER_SEC;
		struct statvfs vfs;
		/* After a full disk, only once there is room again (not just the
		 * reserve's, given up to get there). */
		bool room = !w->last_full;
		if (!room && statvfs(w->path, &vfs) == 0) {
			uint64_t want = (uint64_t)vfs.f_blocks * vfs.f_frsize / 4;
			if (want > WRITER_ROOM_BYTES)
				want = WRITER_ROOM_BYTES;
			room = (uint64_t)vfs.f_bavail * vfs.f_frsize >= want;
		}
		if (!w->level_ok_since || !room) {
			w->level_ok_since = now;
		} else if (now - w->level_ok_since >= base) {
			w->level--;
			w->level_ok_since = now;
			writer_publish_level(w);
			if (w->level == STORE_ALL) {
				w->retry_us = 0;
				writer_reserve(w, 8);
				struct store_health h;
				writer_get_health(w, &h);
				if (w->opt.say_on_stderr)
					fprintf(stderr, "sipwatch: %s: storing everything again (%llu records"
						" were not stored)\n", w->path,
						(unsigned long long)(h.skipped + h.lost));
			}
		}
	}
	writer_bound(w);
}

/* ---- the thread ---- */

/* Healthy: commits early past the transaction's rows (bounded by
 * --db-max-size) or a big log; degraded: every few thousand rows. */
static void writer_maybe_commit(struct writer *w)
{
	if (!w->in_batch)
		return;
	/* Running out of disk: a big transaction would fail whole (its rows are
	 * all in the WAL until the COMMIT), so commit often and lose little. */
	if (w->txn_rows >= w->space_check_at) {
		struct statvfs vfs;
		w->low_space = statvfs(w->path, &vfs) == 0 &&
			       (uint64_t)vfs.f_bavail * vfs.f_frsize < WRITER_LOW_SPACE_BYTES;
		if (w->low_space && w->ckpt) {
			/* The checkpoint thread racing the writer never lets the WAL
			 * restart: on a filling disk the WAL would take the last of it
			 * and leave no room to checkpoint.  From now on SQLite's own
			 * checkpoint runs in the commit (it replaces the hook first). */
			sqlite3_wal_autocheckpoint(w->db, 256);
			checkpoint_stop(w->ckpt);
			w->ckpt = NULL;
		}
		w->space_check_at = w->txn_rows + WRITER_SPACE_CHECK_ROWS;
	}
	size_t max = w->level > STORE_ALL || w->low_space ? WRITER_DEGRADED_TXN_ROWS : w->txn_rows_max;
	if (w->txn_rows >= max || w->log.len >= WRITER_LOG_SOFT_BYTES)
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

static int64_t writer_wall_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * USEC_PER_SEC + t.tv_nsec / 1000;
}

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
	for (int i = 0; i < ST_COUNT; i++) {
		int rc = sqlite3_prepare_v3(w->db, store_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					    &w->st[i], NULL);
		if (rc != SQLITE_OK) {
			dbutil_format_error(err, n, w->path, w->db, rc, w->opt.busy_timeout_ms);
			return rc;
		}
	}
	return SQLITE_OK;
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
	writer_reserve(w, 8);
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
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(w->st[i]);
	sqlite3_close(w->db);
	writer_map_free(&w->map);
	pthread_cond_destroy(&w->done_cond);
	pthread_mutex_destroy(&w->lock);
	free(w->path);
	free(w);
}
