/* query: read access to the db for the report and the dashboard.
 *
 * A separate read-only connection (WAL lets it read while the writer writes).
 * Rows come back through callbacks as the same plain records the analyzer
 * emits; their strings are valid only during the callback. */
#ifndef SIPWATCH_QUERY_H
#define SIPWATCH_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"
#include "db/store.h"

struct db_reader;

struct db_reader *db_reader_open(const char *path, char *err, size_t n);
void db_reader_close(struct db_reader *r);

/* capture_id 0 = the newest capture. */
bool db_read_capture(struct db_reader *r, uint64_t capture_id, uint64_t *id_out,
		     struct capture_info *out);

typedef void (*db_dialog_fn)(void *ctx, const struct dialog_record *d);
typedef void (*db_finding_fn)(void *ctx, const struct finding_record *f);
typedef void (*db_message_fn)(void *ctx, const struct message_record *m);
typedef void (*db_endpoint_fn)(void *ctx, const struct endpoint_record *e);
typedef void (*db_count_fn)(void *ctx, const char *name, uint64_t count);

int db_each_dialog(struct db_reader *r, uint64_t capture_id, db_dialog_fn fn, void *ctx);
int db_each_finding(struct db_reader *r, uint64_t dialog_id, db_finding_fn fn, void *ctx);
/* Messages of a dialog in time order, raw text included. */
int db_each_message(struct db_reader *r, uint64_t dialog_id, db_message_fn fn, void *ctx);
int db_each_endpoint(struct db_reader *r, uint64_t capture_id, db_endpoint_fn fn, void *ctx);
int db_count_end_classes(struct db_reader *r, uint64_t capture_id, db_count_fn fn, void *ctx);
int db_count_finding_codes(struct db_reader *r, uint64_t capture_id, db_count_fn fn, void *ctx);

#endif
