/* dialog_row: one dialog as the fixed-width cells of the main screen's list.
 *
 * Pure functions (no curses, no clock reads): a dialog record plus the clock
 * become cells of exactly the column widths, every wire string sanitised and
 * cut in display columns, so a hostile header can neither move the cursor nor
 * break the layout.  Also the column table, the width layout, the countdown
 * and time formats, sorting and the text filter. */
#ifndef SIPWATCH_DIALOG_ROW_H
#define SIPWATCH_DIALOG_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"

/* Widest terminal laid out; wider ones use this many columns. */
#define DIALOG_ROW_MAX_WIDTH 1024
/* Bytes a fitted text of w columns may need: 4 per column, an ellipsis, the NUL. */
#define DIALOG_ROW_FIT_CAP(w) ((size_t)(w) * 4 + 8)
/* Longest countdown/duration text ("-123d04h") plus NUL. */
#define DIALOG_ROW_DURATION_MAX 24
/* "2024-05-01 14:32:05.123 CEST" plus NUL, with room for long zone names. */
#define DIALOG_ROW_TIME_MAX 48

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
#define DIALOG_ROW_CELL_CAP DIALOG_ROW_FIT_CAP(DIALOG_ROW_MAX_WIDTH)
struct dialog_row {
	char cell[DIALOG_COL_COUNT][DIALOG_ROW_CELL_CAP];
	bool doomed;    /* stands out in red */
	bool overdue;   /* teardown point passed and the dialog still up */
	bool ended;
	bool recovered;
	bool at_risk;   /* a defective refresh answer not yet proved: yellow, countdown */
};

enum dialog_time_fmt {
	DIALOG_TIME_HMS = 0, /* 14:32:05 */
	DIALOG_TIME_HMS_MS,  /* 14:32:05.011 */
	DIALOG_TIME_FULL,    /* 2024-05-01 14:32:05 CEST */
	DIALOG_TIME_HMS_ZONE, /* 14:32:05 CEST */
};

const struct dialog_col_info *dialog_row_column(enum dialog_col c);
/* Column positions for a terminal `width` columns wide (one space between columns). */
void dialog_row_layout(int width, struct dialog_row_layout *out);

/* "42s", "14m12s", "1h02m", "3d04h"; negative with a leading '-' ("-3s").
 * Negative fractions round away from zero, so a passed instant never shows "0s". */
void dialog_row_countdown(int64_t delta_us, char *buf, size_t n);
/* Local time (or UTC) of ts_us; "-" for TS_NONE. */
void dialog_row_time(int64_t ts_us, bool utc, enum dialog_time_fmt fmt, char *buf, size_t n);
/* The zone name shown beside times: "UTC", "CEST" ... */
void dialog_row_zone(int64_t ts_us, bool utc, char *buf, size_t n);

/* Display width of UTF-8 text (invalid bytes count one column each). */
int dialog_row_width(const char *s, size_t n);
/* Fits already sanitised text into `width` columns: cut with an ellipsis,
 * padded with spaces to exactly width when pad.  Code points the terminal
 * cannot print become U+FFFD ('?' outside UTF-8 locales); zero-width ones are
 * dropped.  Returns the bytes written to out (NUL-terminated). */
size_t dialog_row_fit(const char *s, size_t n, int width, bool pad, char *out, size_t cap);
/* Bytes of the longest prefix of sanitised text s[0..n) within width columns,
 * ending at a space when wrap and one exists past the first quarter.  For
 * wrapping long lines; at least one character when width > 0. */
size_t dialog_row_prefix(const char *s, size_t n, int width, bool wrap);
/* Wire bytes → sanitize_text → dialog_row_fit. */
size_t dialog_row_cell(const char *raw, size_t n, int width, bool pad, char *out, size_t cap);

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
