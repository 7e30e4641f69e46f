/* report: the end-of-capture reports (contract.md), read back from the db.
 *
 * Both read one capture through a db_reader inside one read snapshot, so
 * their numbers agree even while a writer goes on.  Every string that came
 * off the wire is escaped: JSON-escaped (invalid UTF-8 → \\xHH, common/utf8.h) in the JSON
 * report, passed through sanitize_text() in the text report.
 *
 * Return 0, or -1 when the db could not be read (db_reader_error() says why)
 * or the output could not be written (ferror(out), errno). */
#ifndef SIPWATCH_REPORT_H
#define SIPWATCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "db/query.h"

/* One JSON object (contract.md "The JSON report"); capture_id 0 = the newest. */
int report_json(FILE *out, struct db_reader *r, uint64_t capture_id);

/* The text report: summary, one block per doomed dialog, the per-endpoint
 * refresh table; times in local time with the zone, or UTC with utc. */
int report_text(FILE *out, struct db_reader *r, uint64_t capture_id, bool utc);
/* The one line that says how many TLS sessions on SIP ports were not
 * decrypted and which flag would open them; "" when there were none. */
void report_tls_advice(uint64_t no_keys, char *buf, size_t len);
/* Dialogs of the capture doomed at the end (for --fail-on-doomed); -1 on error. */
int report_count_doomed(struct db_reader *r, uint64_t capture_id);

/* The JSON writers the report uses, for every other JSON sipwatch prints (the
 * --events lines): s[0..n) escaped so any wire bytes give valid JSON that a
 * terminal cannot act on (NULL → null); microseconds as seconds with six
 * decimals (TS_NONE → null). */
void report_json_string(FILE *out, const char *s, size_t n);
void report_json_cstr(FILE *out, const char *s);
void report_json_ts(FILE *out, int64_t us);

#endif
