/* query_hop: each dialog's first hop and methods, for the filter form. */
#ifndef SIPWATCH_QUERY_HOP_H
#define SIPWATCH_QUERY_HOP_H

#include <stdbool.h>
#include <stdint.h>

#include "db/query.h"

/* id, src and dst of the dialog's first message ("1.2.3.4:5060"), and
 * whether one of its requests is `method` (case-insensitive; false for ""). */
typedef void (*db_hop_fn)(void *ctx, uint64_t dialog_id, const char *src, const char *dst,
			  bool has_method);
/* Every dialog of capture_id (resolved, not 0) once; rows or -1 (db_reader_error). */
int db_each_dialog_hop(struct db_reader *r, uint64_t capture_id, const char *method,
		       db_hop_fn fn, void *ctx);

#endif
