/* report: the end-of-capture reports (contract.md), read back from the db. */
#ifndef SIPWATCH_REPORT_H
#define SIPWATCH_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "db/query.h"

/* One JSON object (contract.md "The JSON report").  0, or -1 on a db error. */
int report_json(FILE *out, struct db_reader *r, uint64_t capture_id);
/* Summary, one block per doomed dialog, the per-endpoint refresh table. */
int report_text(FILE *out, struct db_reader *r, uint64_t capture_id, bool utc);
/* Dialogs of the capture doomed at the end (for --fail-on-doomed); -1 on error. */
int report_count_doomed(struct db_reader *r, uint64_t capture_id);

#endif
