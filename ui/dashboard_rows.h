/* dashboard_rows: the dashboard's list of dialogs, kept compact.
 *
 * 140,000 dialogs as full struct dialog_record copies, each with its strings
 * in a malloc block of its own, cost the dashboard ~420 bytes a dialog (and
 * pinned the pipeline thread's heap, where the feed allocated them).  Here a
 * dialog is a fixed 104-byte row; the strings that belong to one dialog
 * (Call-ID, URIs, tags) are appended to one text arena, and the few that
 * repeat across dialogs (user agents, state) are interned once.  A row is
 * read back as a struct dialog_record whose strings point into the arenas,
 * valid until the next put.  An id index (open addressing, 4 bytes a slot)
 * finds a dialog's row; active and doomed counts follow every put. */
#ifndef SIPWATCH_DASHBOARD_ROWS_H
#define SIPWATCH_DASHBOARD_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"

/* The REGISTER, OPTIONS ... entries the list keeps at most (the newest; the
 * db keeps them all): keepalives and registrations come at rates no call
 * does, and must not grow a live dashboard without bound. */
#define DASH_ROWS_ENTRIES_MAX 100000

/* The row's times and timer values besides created (established, ended,
 * last_refresh, deadline, teardown_expected, doomed_at, at_risk_at,
 * session_expires, min_se). */
#define DASH_ROW_NARROW 9

/* One dialog, its own strings elsewhere (text = offset in the list's arena).
 * The other times are kept as 32-bit microseconds from created (35 minutes
 * either side), the timer values as 32-bit numbers; a row whose values do
 * not all fit keeps them whole in the list's wide table instead
 * (DASH_ROW_WIDE, narrow[0] = its entry): exact either way. */
struct dash_row {
	uint64_t id;
	int64_t created;
	uint32_t text; /* call_id, from_uri, to_uri, from_tag: the present ones, NUL-ended */
	uint32_t tag;  /* to_tag, apart: it comes with the first answer, when the rest is there */
	int32_t narrow[DASH_ROW_NARROW];
	uint32_t refreshes_ok, refreshes_failed, n_messages, finding_mask;
	uint32_t caller_ua, callee_ua, state; /* interned; 0 = NULL */
	uint32_t method; /* interned; 0 = NULL (an INVITE dialog) */
	uint8_t transport, refresher, end_class;
	uint8_t flags; /* DASH_ROW_* */
	uint16_t final_status; /* REGISTER, OPTIONS ... entries: 100-699, 0 = none */
	uint16_t flags2; /* DASH_ROW2_*; no padding, so rows compare with memcmp */
};

struct dash_list {
	struct dash_row *v;
	size_t n, cap;
	uint64_t fingerprint;
	size_t n_active, n_doomed; /* of v, kept as rows come and change */
	size_t n_invite; /* of v: INVITE dialogs (the rest: REGISTER, OPTIONS ... entries) */
	size_t entries_max; /* 0: DASH_ROWS_ENTRIES_MAX (dashboard_rows_trim) */
	/* id -> index + 1 (0 = free slot), open addressing */
	uint32_t *slot;
	size_t n_slots;
	/* the rows' own strings; garbage = bytes no row points at any more */
	char *text;
	size_t text_len, text_cap, text_garbage;
	/* interned strings: id i (from 1) at ioff[i] in itext; hash slots hold ids */
	char *itext;
	size_t itext_len, itext_cap;
	uint64_t *ioff;
	size_t n_intern, cap_intern;
	uint32_t *islot;
	size_t n_islots;
	/* the values of DASH_ROW_WIDE rows, DASH_ROW_NARROW a row */
	int64_t *wide;
	size_t n_wide, cap_wide;
};

/* Adds r (a new id) or replaces the row of its id; returns its index.
 * *added (if not NULL) says which. */
size_t dashboard_rows_put(struct dash_list *l, const struct dialog_record *r, bool *added);
/* Row ix as a record; its strings live until the next put or free. */
void dashboard_rows_get(const struct dash_list *l, size_t ix, struct dialog_record *out);
/* The index of dialog id, or SIZE_MAX. */
size_t dashboard_rows_lookup(const struct dash_list *l, uint64_t id);
/* When the list holds more entries (rows that are not INVITE dialogs) than
 * its entries_max, drops the oldest of them down to three quarters of it,
 * never the row of id keep; the other rows keep their order (not their
 * indexes).  Returns how many rows it dropped. */
size_t dashboard_rows_trim(struct dash_list *l, uint64_t keep);
/* Drops every row i whose keep[i] is false (the others keep their order,
 * not their indexes); returns how many it dropped. */
size_t dashboard_rows_keep(struct dash_list *l, const bool *keep);
/* The bytes the list holds in use (rows, their text, the interned strings,
 * the index), and the most a bench-like dialog may cost
 * (tests/unit/test_dashboard_rows.c holds the list to it). */
size_t dashboard_rows_bytes(const struct dash_list *l);
#define DASH_ROWS_BYTES_PER_DIALOG 240
/* Frees everything; the list is empty and usable again. */
void dashboard_rows_free(struct dash_list *l);

#endif
