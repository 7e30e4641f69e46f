/* metrics_text: the Prometheus registry — one snapshot of every counter
 * sipwatch keeps, and its rendering in the text exposition format 0.0.4.
 *
 * The registry is a table (metrics_text.c: metrics_text_defs): one row per
 * metric family, naming a uint64_t field (or array of fields, one per label
 * value) of struct metrics_snapshot.  Adding a metric is three lines: a field
 * here, a row in the table, and the line in run.c that fills the field from
 * the module's own stats (read atomically, or from a published snapshot). */
#ifndef SIPWATCH_METRICS_TEXT_H
#define SIPWATCH_METRICS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"
#include "app/counters.h"

enum metrics_drop_where { METRICS_DROP_KERNEL = 0, METRICS_DROP_QUEUE, METRICS_DROP_WHERE_COUNT };
enum metrics_parse_stage { METRICS_PARSE_DECODE = 0, METRICS_PARSE_SIP, METRICS_PARSE_STAGE_COUNT };

/* Plain values, filled by whoever owns the counters (run.c) on the metrics
 * thread.  Times in microseconds; the table scales them to seconds. */
struct metrics_snapshot {
	uint64_t packets;
	uint64_t sip_messages;
	uint64_t parse_errors[METRICS_PARSE_STAGE_COUNT];
	uint64_t duplicates;
	uint64_t retransmissions;
	uint64_t dropped[METRICS_DROP_WHERE_COUNT];
	uint64_t encrypted;
	uint64_t tls_sessions, tls_decrypted, tls_no_keys;
	uint64_t dialogs_total;
	uint64_t dialogs_active;
	uint64_t dialogs_doomed;
	uint64_t dialogs_evicted;
	uint64_t findings[FINDING_CODE_COUNT];
	uint64_t doomed[FINDING_CODE_COUNT];
	uint64_t events[COUNTERS_EVENT_KINDS];
	uint64_t db_write_lag_us;
	uint64_t db_pending_records;
	uint64_t db_commits;
	uint64_t db_write_failures;
	uint64_t hep_sent;
	uint64_t hep_dropped;
	uint64_t hep_send_errors;
	uint64_t hep_connects;
	uint64_t start_time_us;
};

/* Renders every metric of the table.  Returns a malloc'd NUL-terminated
 * string (its length in *len); never NULL (out of memory aborts). */
char *metrics_text_render(const struct metrics_snapshot *s, size_t *len);

#endif
