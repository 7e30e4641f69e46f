/* dialog_row: one dialog as the fixed-width cells of the main screen's list.
 *
 * Pure functions (no curses, no clock reads): a dialog record plus the clock
 * become cells of exactly the column widths, every wire string sanitised and
 * cut in display columns, so a hostile header can neither move the cursor nor
 * break the layout.  Also the column table, the width layout, sorting and
 * the text filter; cells are cut by ui/cell_text, times by ui/time_text. */
#ifndef SIPWATCH_DIALOG_ROW_H
#define SIPWATCH_DIALOG_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"
#include "ui/cell_text.h"
#include "ui/time_text.h"

/* Widest terminal laid out; wider ones use this many columns. */
#define DIALOG_ROW_MAX_WIDTH CELL_TEXT_MAX_WIDTH
enum dialog_col {
	DIALOG_COL_STATE = 0,
	DIALOG_COL_METHOD, /* INVITE, REGISTER, OPTIONS, SUBSCRIBE ... */
	DIALOG_COL_START,
	DIALOG_COL_CALLID,
	DIALOG_COL_PARTIES,
	DIALOG_COL_AGENT,
	DIALOG_COL_TIMER,
	DIALOG_COL_REFRESHED,
	DIALOG_COL_TEARDOWN,
	DIALOG_COL_END,
	DIALOG_COL_FINDINGS,
	DIALOG_COL_COUNT
};

struct dialog_col_info {
	const char *title;
	int width; /* minimum width in display columns */
	int flex;  /* share of the spare width (0 = fixed) */
	int drop;  /* dropped first on narrow terminals when highest; 0 = never */
};

struct dialog_row_layout {
	int x[DIALOG_COL_COUNT]; /* first screen column */
	int w[DIALOG_COL_COUNT]; /* width; 0 = column hidden */
	int total;
};

/* Cells of one row: each exactly layout.w[c] columns wide (padded). */
#define DIALOG_ROW_CELL_CAP CELL_TEXT_FIT_CAP(DIALOG_ROW_MAX_WIDTH)
struct dialog_row {
	char cell[DIALOG_COL_COUNT][DIALOG_ROW_CELL_CAP];
	bool doomed;    /* stands out in red */
	bool overdue;   /* teardown point passed and the dialog still up */
	bool ended;
	bool recovered;
	bool at_risk;   /* a defective refresh answer not yet proved: yellow, countdown */
};

const struct dialog_col_info *dialog_row_column(enum dialog_col c);
/* Column positions for a terminal `width` columns wide (one space between columns). */
void dialog_row_layout(int width, struct dialog_row_layout *out);

/* "sip:alice@example.com;tag=1" → "alice@example.com" (display names, <>, scheme, params dropped). */
void dialog_row_short_uri(const char *uri, char *buf, size_t n);
/* Finding codes of the mask, doom ones first, comma-separated. */
void dialog_row_codes(uint32_t finding_mask, char *buf, size_t n);

/* Reference instant for ages: the clock, or the end of an ended dialog. */
void dialog_row_format(const struct dialog_record *d, int64_t clock_us, bool utc,
		       const struct dialog_row_layout *lay, struct dialog_row *out);

/* Order by column (ties by id); absent times sort last. */
int dialog_row_compare(const struct dialog_record *a, const struct dialog_record *b,
		       enum dialog_col col, int64_t clock_us);
/* The entry's method: its own, "INVITE" for an INVITE dialog (NULL or empty). */
const char *dialog_row_method(const struct dialog_record *d);
/* Case-insensitive substring over Call-ID, URIs, tags, agents, state, end
 * class, method and codes. */
bool dialog_row_matches(const struct dialog_record *d, const char *needle);

#endif
