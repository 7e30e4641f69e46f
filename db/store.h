/* store: the SQLite writer.  One connection, statements prepared once, rows
 * batched in explicit transactions (WAL, synchronous=NORMAL).
 *
 * Fed by the analyzer thread through the analyzer_sink callbacks in main.
 * The store_* calls only copy the record into a bounded queue (queue_bytes):
 * a writer thread of its own (db/writer_thread.c) runs the SQL, so SQLite's time
 * is not the analyzer's.  When the queue is full the caller waits for the
 * writer.  Calls come from one thread at a time (the analyzer's, or the main
 * thread before and after it runs).
 *
 * What runs where (all in the order of the calls):
 *   - store_message/dialog/finding/endpoint, store_update_capture,
 *     store_apply_retention, store_maybe_flush: queued, return at once.
 *     Dialog upserts are coalesced: each dialog's latest record is written
 *     once per transaction, just before the COMMIT.
 *   - store_flush, store_begin_capture, store_next_ids, store_sync: queued,
 *     and wait until the writer has done them (the flush: committed).
 *
 * Storage trouble degrades, never stops (issue 17): a full disk, an I/O
 * error, a db made read-only or locked past the busy timeout rolls the batch
 * back, and the store goes on storing less, in steps (store_level): first no
 * message bodies, then no messages, then only dialogs, findings and the
 * captures row.  The dialogs, findings, endpoints and capture updates of the
 * failed batch are kept in memory and written again first thing in the next
 * transaction that succeeds (db/wlog.h), so the report, made from them,
 * stays whole.  While failing, the store tries again every retry interval
 * (backing off), frees room when the disk is full (a WAL checkpoint, then
 * the bodies and messages of healthy ended dialogs, db/prune.h), and steps
 * back up to storing everything once writes succeed.  The problem is said
 * once on stderr (say_on_stderr), counted and described in store_health and
 * in the captures row (db_status, db_errors, db_skipped).  While failing, the
 * store_* calls never wait for the writer: a record with no room is counted
 * as skipped.
 *
 * Other failures (a second sipwatch writing the same db, a corrupt db) stay
 * sticky as before: store_failed() turns true (seen by the caller's thread
 * as soon as the writer meets it; at the latest after the next store_flush or
 * store_sync), store_error() says why in one line, the open batch is rolled
 * back, and what was committed before stays intact.
 *
 * --db-max-size (max_bytes): after each commit the writer measures the db and
 * its WAL and, past the cap, prunes (db/prune.h) and releases the freed
 * pages; its transactions and WAL are sized from the cap. */
#ifndef SIPWATCH_STORE_H
#define SIPWATCH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"
#include "db/storetypes.h"

struct capture_info {
	const char *source;
	const char *kind; /* "file" or "live" */
	int64_t started, ended;
	uint64_t packets, sip_messages, parse_errors, duplicates, dropped, encrypted;
	size_t n_counts;
	struct capture_count counts[CAPTURE_COUNTS_MAX];
	uint64_t tls_sessions, tls_decrypted, tls_no_keys; /* migration 3 */
	/* HEP (issue 15): packets seen; truncated or lying ones (also in
	 * parse_errors); wrong or missing key; listener connections closed */
	uint64_t hep_packets, hep_errors, hep_auth_failed, hep_tcp_closed;
};

/* The name prefixes (the db contract): encap.NAME, not_decoded.REASON. */
#define CAPTURE_COUNT_ENCAP "encap."
#define CAPTURE_COUNT_NOT_DECODED "not_decoded."
#define CAPTURE_COUNT_KEEPALIVES "keepalives"
/* Messages with a malformed Content-Length (issue 17): over UDP analysed with
 * the body present, over TCP where the stream's framing stopped. */
#define CAPTURE_COUNT_BAD_CLEN "malformed.content_length"

/* Adds a counter (ignored when 0, or when the list is full). */
void capture_info_add_count(struct capture_info *c, const char *name, uint64_t value);
/* A counter's value, 0 when absent. */
uint64_t capture_info_count(const struct capture_info *c, const char *name);

struct store;

/* Once, first thing in main, before any db is opened: SQLite's process-wide
 * settings (no memory statistics, whose global mutex every allocation of the
 * writer, checkpoint and dashboard threads would take). */
void store_library_init(void);

void store_options_defaults(struct store_options *o);
/* Creates or upgrades the schema.  NULL with a one-line reason on failure. */
struct store *store_open(const char *path, const struct store_options *o, char *err, size_t n);
void store_close(struct store *s); /* commits what is pending */

/* Starts a captures row; returns its id (0 on failure). */
uint64_t store_begin_capture(struct store *s, const struct capture_info *c);
void store_update_capture(struct store *s, const struct capture_info *c);
/* First free ids, for analyzer_config. */
void store_next_ids(struct store *s, uint64_t *dialog_id, uint64_t *message_id,
		    uint64_t *finding_id);

void store_message(struct store *s, const struct message_record *m);
void store_dialog(struct store *s, const struct dialog_record *d); /* upsert */
void store_finding(struct store *s, const struct finding_record *f);
void store_endpoint(struct store *s, const struct endpoint_record *e); /* upsert per capture */

/* Commits the batch if it is due (size or age at now_us); store_flush always commits. */
void store_maybe_flush(struct store *s, int64_t now_us);
/* Producer: live, while the capture queue is filling because the analysis
 * waits on the db, message rows (the bulk) stop waiting for room in the row
 * queue: a full queue skips them, counted as not stored (db_skipped, with the
 * reason), so that the db never costs the analysis a packet.  Dialogs and
 * findings always wait: a verdict is never left out. */
void store_set_pressed(struct store *s, bool pressed);
void store_flush(struct store *s);
/* Waits until the writer has done everything queued so far (commits only
 * the batches that were due).  For tests and tools. */
void store_sync(struct store *s);
/* Commits, then builds the indexes deferred by defer_indexes (nothing to do
 * otherwise) and waits for them: before the db is read (the report).
 * store_close does it too. */
void store_build_indexes(struct store *s);
/* issue 20, a file import's end in two steps, so that the report and the
 * last index builds share the two cores: store_build_report_indexes commits
 * and builds (waiting) only the deferred indexes a report reads; then
 * store_start_indexes queues the build of the rest and returns at once, a
 * reader may read the db meanwhile (WAL), and store_build_indexes (or
 * store_close) waits for it. */
void store_build_report_indexes(struct store *s);
void store_start_indexes(struct store *s);
/* Deletes captures, dialogs, messages and findings older than retention_days
 * before now_us (wall clock), except the capture being read from a file:
 * importing an old capture keeps it whole.  store_open runs it once itself
 * (on start); the pipeline calls it hourly. */
void store_apply_retention(struct store *s, int64_t now_us);

/* For the metrics, from any thread, lock-free. */
struct store_stats {
	uint64_t pending_records; /* queued, not yet committed */
	int64_t write_lag_us;     /* since the last commit while records wait; 0 when none wait */
	uint64_t commits;
	bool failed;
};
void store_get_stats(struct store *s, int64_t now_us, struct store_stats *out);
/* Thread-safe (the dashboard's thread reads it). */
void store_get_health(struct store *s, struct store_health *h);
/* The captures row of this run (0 while it could not be written yet). */
uint64_t store_capture_id(struct store *s);

bool store_failed(const struct store *s);
const char *store_error(const struct store *s);

#endif
