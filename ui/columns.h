/* columns: which columns the dialog list shows, and in what order (sngrep's
 * F10 habit), as a list the user edits on screen and keeps in the config file.
 *
 * A column's name is its title in lower case without the non-letters
 * ("STATE" -> state, "CALL-ID" -> callid, "FROM → TO" -> fromto, "SE/REF" ->
 * seref), so columns added to dialog_row.c get a name without a table here.
 * The text form is "name,name,..." (--columns, the config file). */
#ifndef SIPWATCH_COLUMNS_H
#define SIPWATCH_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "ui/dialog_row.h"

#define COLUMNS_NAME_MAX 24
/* "name,name,..." of every column */
#define COLUMNS_TEXT_MAX (DIALOG_COL_COUNT * (COLUMNS_NAME_MAX + 1) + 1)

struct columns {
	/* order[0..n): the shown columns, left to right */
	enum dialog_col order[DIALOG_COL_COUNT];
	int n;
	bool custom; /* false: dialog_row's own layout (every column, its order) */
};

/* Every column in dialog_row's order. */
void columns_default(struct columns *c);
/* The column's name ("callid"). */
void columns_name(enum dialog_col col, char *buf, size_t n);
/* Parses "name,name" (case-insensitive, spaces allowed); false with a reason
 * on an unknown or repeated name or an empty list. */
bool columns_parse(const char *text, struct columns *out, char *err, size_t errlen);
/* The text form of c. */
void columns_format(const struct columns *c, char *buf, size_t n);
/* Whether col is shown. */
bool columns_shown(const struct columns *c, enum dialog_col col);
/* Positions for a terminal `width` wide starting at column x0: the shown
 * columns in their order, each its minimum width plus its share of the spare;
 * when they do not fit, those dialog_row drops first go first. */
void columns_layout(const struct columns *c, int x0, int width, struct dialog_row_layout *out);

/* The on-screen editor's state: a working copy with every column, shown or not. */
struct columns_edit {
	bool open;
	enum dialog_col all[DIALOG_COL_COUNT]; /* every column, in the edited order */
	bool on[DIALOG_COL_COUNT];             /* by position in all[] */
	int cursor;
	bool changed; /* a choice was kept: the list's view needs a rebuild */
};

void columns_edit_begin(struct columns_edit *e, const struct columns *from);
/* Space: show/hide the column under the cursor. */
void columns_edit_toggle(struct columns_edit *e);
/* Moves the column under the cursor by step (-1 up/left, +1 down/right). */
void columns_edit_move(struct columns_edit *e, int step);
/* The edited choice; false (with a reason) if no column is shown. */
bool columns_edit_result(const struct columns_edit *e, struct columns *out, char *err, size_t n);

/* The dashboard's part (F10 or C on the list): an overlay over the list. */
struct dash;
void columns_open(struct dash *d);
void columns_draw(struct dash *d);
/* True while the editor is open (it takes every key). */
bool columns_key(struct dash *d, wint_t ch, bool fn);

#endif
