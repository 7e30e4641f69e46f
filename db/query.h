/* query: read access to the db for the report and the dashboard.
 *
 * A separate read-only connection (WAL lets it read while the writer writes).
 * Rows come back through callbacks as the same plain records the analyzer
 * emits; their strings are valid only during the callback.
 *
 * The db_each_* and db_count_* functions return the number of rows handed to
 * the callback, or -1 on failure (db_reader_error says why).  A callback may
 * call other db_* functions of the same reader, including the one running. */
#ifndef SIPWATCH_QUERY_H
#define SIPWATCH_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"
#include "db/store.h"

struct db_reader;

/* Opens read-only.  Fails (NULL, one-line reason) on a missing file, a file
 * that is not a sipwatch db, or a schema newer than this program. */
struct db_reader *db_reader_open(const char *path, char *err, size_t n);
void db_reader_close(struct db_reader *r);
/* A small page cache (256 KiB, SQLite's default is 2 MB) for a reader that
 * scans rather than seeks: the dashboard reads its list front to back and a
 * dialog's messages by index, so the cache bought it nothing but memory.
 * Returns 0, or -1 (the default cache stays). */
int db_reader_small_cache(struct db_reader *r);
/* The last failure, "path: reason" ("" if none). */
const char *db_reader_error(const struct db_reader *r);
/* Optional: everything read between begin and end sees one snapshot of the
 * db (a report whose counts agree while a live writer goes on). */
bool db_reader_begin(struct db_reader *r);
void db_reader_end(struct db_reader *r);

/* Changes whenever another connection (the writer) commits: a dashboard that
 * sees the same value as last time can skip reloading.  0 on error. */
uint64_t db_data_version(struct db_reader *r);

/* capture_id 0 = the newest capture (here and in every capture_id below).
 * out's strings stay valid until the next db_read_capture or the close. */
bool db_read_capture(struct db_reader *r, uint64_t capture_id, uint64_t *id_out,
		     struct capture_info *out);
/* Dialogs of a capture, and how many of them are doomed. */
bool db_count_dialogs(struct db_reader *r, uint64_t capture_id, uint64_t *dialogs,
		      uint64_t *doomed);

typedef void (*db_dialog_fn)(void *ctx, const struct dialog_record *d);
typedef void (*db_finding_fn)(void *ctx, const struct finding_record *f);
typedef void (*db_message_fn)(void *ctx, const struct message_record *m);
typedef void (*db_endpoint_fn)(void *ctx, const struct endpoint_record *e);
typedef void (*db_count_fn)(void *ctx, const char *name, uint64_t count);

/* INVITE dialogs of a capture ordered by created; findings of a dialog ordered by ts. */
int db_each_dialog(struct db_reader *r, uint64_t capture_id, db_dialog_fn fn, void *ctx);
/* Which rows of the dialogs table: INVITE dialogs, the entries outside them
 * (REGISTER, OPTIONS, SUBSCRIBE ..., their method in the record), or both. */
enum db_dialog_kind { DB_DIALOGS_ALL = 0, DB_DIALOGS_INVITE, DB_DIALOGS_OTHER };
int db_each_dialog_of(struct db_reader *r, uint64_t capture_id, enum db_dialog_kind which,
		      db_dialog_fn fn, void *ctx);
/* (method, count) of the entries outside INVITE dialogs (schema 9 on). */
int db_count_other_dialogs(struct db_reader *r, uint64_t capture_id, db_count_fn fn, void *ctx);
int db_each_finding(struct db_reader *r, uint64_t dialog_id, db_finding_fn fn, void *ctx);
/* Messages of a dialog in time order, raw text included. */
int db_each_message(struct db_reader *r, uint64_t dialog_id, db_message_fn fn, void *ctx);
int db_each_endpoint(struct db_reader *r, uint64_t capture_id, db_endpoint_fn fn, void *ctx);
/* (name, count) per end class (a dialog not ended yet counts as ACTIVE) and
 * per finding code, of a capture, by name. */
int db_count_end_classes(struct db_reader *r, uint64_t capture_id, db_count_fn fn, void *ctx);
/* Dialogs of a capture with a message whose raw text (headers and body)
 * holds needle, ignoring ASCII case; each id once, in no order.  Reads every
 * message of the capture: for a search the user asked for. */
typedef void (*db_id_fn)(void *ctx, uint64_t id);
int db_each_dialog_matching(struct db_reader *r, uint64_t capture_id, const char *needle,
			    db_id_fn fn, void *ctx);
int db_count_finding_codes(struct db_reader *r, uint64_t capture_id, db_count_fn fn, void *ctx);
/* (method, count) of the requests outside every INVITE dialog (REGISTER,
 * OPTIONS, SUBSCRIBE, NOTIFY, MESSAGE ...: in the entries of their own or in
 * none), retransmissions not counted. */
int db_count_methods_outside(struct db_reader *r, uint64_t capture_id, db_count_fn fn, void *ctx);

#endif
