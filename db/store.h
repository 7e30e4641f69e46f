/* store: the SQLite writer.  One connection, statements prepared once, rows
 * batched in explicit transactions (WAL, synchronous=NORMAL).
 *
 * Fed by the analyzer thread through the analyzer_sink callbacks in main.
 * The store_* calls only copy the record into a bounded queue (queue_bytes):
 * a writer thread of its own (db/writer.c) runs the SQL, so SQLite's time
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
 * Every failure (full disk, read-only, locked past the timeout) is sticky:
 * store_failed() turns true (seen by the caller's thread as soon as the
 * writer meets it; at the latest after the next store_flush or store_sync),
 * store_error() says why in one line, the open batch is rolled back, and what
 * was committed before stays intact. */
#ifndef SIPWATCH_STORE_H
#define SIPWATCH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"

struct store_options {
	bool store_bodies;      /* false = --headers-only */
	int retention_days;     /* 0 = keep everything */
	int busy_timeout_ms;    /* wait for another writer this long */
	size_t batch_rows;      /* commit after this many rows (messages, findings) ... */
	int64_t batch_interval_us; /* ... or this long after the batch began (packet or wall time) */
	size_t queue_bytes;     /* the writer's queue: records waiting, in bytes */
	int cache_kib;          /* SQLite page cache of the writer (0: the schema's default) */
	bool defer_indexes;     /* a file import: secondary indexes built at the end (index_build.h) */
};

struct capture_info {
	const char *source;
	const char *kind; /* "file" or "live" */
	int64_t started, ended;
	uint64_t packets, sip_messages, parse_errors, duplicates, dropped, encrypted;
	uint64_t tls_sessions, tls_decrypted, tls_no_keys; /* migration 3 */
	/* HEP (issue 15): packets seen; truncated or lying ones (also in
	 * parse_errors); wrong or missing key; listener connections closed */
	uint64_t hep_packets, hep_errors, hep_auth_failed, hep_tcp_closed;
};

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
void store_flush(struct store *s);
/* Waits until the writer has done everything queued so far (commits only
 * the batches that were due).  For tests and tools. */
void store_sync(struct store *s);
/* Commits, then builds the indexes deferred by defer_indexes (nothing to do
 * otherwise) and waits for them: before the db is read (the report).
 * store_close does it too. */
void store_build_indexes(struct store *s);
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

bool store_failed(const struct store *s);
const char *store_error(const struct store *s);

#endif
