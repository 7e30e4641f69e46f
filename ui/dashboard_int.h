/* dashboard_int: what the dashboard's files share (not for outside ui/).
 *
 * struct dash holds what the screens share, each screen's own state in a
 * struct of its own; each screen is a const vtable (sngrep's
 * panel idea) with a const key table that the help screen lists.  Data comes
 * from the db and the feed as owned copies (the list compact, in
 * dashboard_rows.c), never as pointers into the reader.  Drawing helpers fit every text to its width in display columns;
 * the *_wire variants run wire bytes through sanitize_text first. */
#ifndef SIPWATCH_DASHBOARD_INT_H
#define SIPWATCH_DASHBOARD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <wchar.h>

#include "analyzer/records.h"
#include "db/query.h"
#include "ui/colors.h"
#include "ui/dashboard.h"
#include "ui/dashboard_feed.h"
#include "ui/dashboard_rows.h"
#include "ui/dialog_row.h"
#include "ui/ladder.h"
/* issue 18 item 3 (sngrep's habits): each feature in its own file */
#include "ui/columns.h"
#include "ui/filter_form.h"
#include "ui/flow_merge.h"
#include "ui/save_many.h"

#define DASH_MIN_COLS 80
#define DASH_MIN_LINES 24
#define DASH_FILTER_MAX 128

/* A dialog record whose strings the dashboard owns (the open dialog's copy). */
struct dash_dialog {
	struct dialog_record r;
	char *strings;
};

/* The dialog screen's data: the dialog, its messages and findings. */
struct dash_detail {
	uint64_t dialog_id;
	bool have_dialog;
	struct dash_dialog dialog;
	struct message_record *msgs; /* strings and raw owned, one allocation each */
	size_t n_msgs, cap_msgs;
	struct finding_record *findings;
	size_t n_findings, cap_findings;
	uint64_t fingerprint;
};

enum dash_screen_id {
	DASH_SCREEN_LIST = 0,
	DASH_SCREEN_DIALOG,
	DASH_SCREEN_HELP,
	DASH_SCREEN_COUNT,
	DASH_SCREEN_NONE = DASH_SCREEN_COUNT /* no switch asked for */
};

/* What a load from the db did. */
enum dash_load {
	DASH_LOAD_SAME = 0, /* nothing shown changed */
	DASH_LOAD_CHANGED,
	DASH_LOAD_FAILED /* db_reader_error() says why */
};

struct dash;

struct dash_key {
	const char *keys;
	const char *what;
};

struct dash_screen {
	const char *name;
	void (*enter)(struct dash *d);
	void (*draw)(struct dash *d);
	/* fn: ch is a KEY_* code; else a character.  True if handled. */
	bool (*key)(struct dash *d, wint_t ch, bool fn);
	const struct dash_key *keys;
	size_t n_keys;
};

/* The main screen's state (screen_list.c; dashboard_live.c patches the view). */
struct screen_list_state {
	size_t *view; /* indexes into list.v after filter and sort */
	size_t n_view, cap_view;
	uint64_t selected_id;
	size_t cursor, top;
	enum dialog_col sort_col;
	bool sort_rev;
	bool doomed_only;
	char filter[DASH_FILTER_MAX];
	uint64_t *hits; /* sorted ids of dialogs whose messages hold the filter */
	size_t n_hits, cap_hits;
	bool prompting;
	char prompt[DASH_FILTER_MAX];
};

/* The dialog screen's state (screen_dialog.c). */
struct screen_dialog_state {
	struct ladder ladder;
	int ladder_width; /* -1: lay the ladder out again on the next draw */
	size_t msg_sel;
	size_t ladder_top;
	bool ladder_center; /* next draw puts the selection a third down the ladder */
	int text_top;
};

/* What every part of the dashboard shares: the terminal, the db, the data,
 * the counters and the status line; each screen's own state beside it. */
struct dash {
	const struct dashboard_config *cfg;
	void *screen_ptr; /* the curses SCREEN */
	FILE *tty;        /* keys from /dev/tty when stdin is the capture */
	struct db_reader *reader;
	uint64_t capture_id;
	char source[256];
	struct dashboard_counters counters;
	int64_t clock_us; /* countdowns are relative to this */
	bool ascii;       /* no UTF-8 on this terminal */
	bool quit;
	bool dirty;
	bool view_stale;     /* a changed row may have moved in the sort or filter */
	bool detail_changed; /* the open dialog got a new row from the feed */

	enum dash_screen_id screen, back;
	enum dash_screen_id switch_to; /* asked for by a key; the loop switches */
	char status[512]; /* one-shot bottom-line message */
	bool status_error;

	struct dash_list list;
	struct dash_detail detail;

	struct screen_list_state ls;   /* main screen */
	struct screen_dialog_state ds; /* dialog screen */

	/* issue 18 item 3: filter form, column choice, marks/save, combined flow */
	struct filter_form_state form;
	struct columns cols;
	struct columns_edit col_edit;
	struct save_many_state save;
	struct flow_merge_state flow;
};

extern const struct dash_screen screen_list;
extern const struct dash_screen screen_dialog;
extern const struct dash_screen screen_help;

/* dashboard_draw.c: a leaf (calls nothing above it in ui/) */
/* Asks the loop to switch to screen id once the key is handled (it clears
 * the status line and runs the screen's enter). */
void dashboard_switch(struct dash *d, enum dash_screen_id id);
void dashboard_set_status(struct dash *d, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Our own text at (y, x), cut to w columns (padded when pad). */
void dashboard_text(int y, int x, int w, const char *text, int attr, bool pad);
/* Wire bytes at (y, x): sanitised, then cut to w columns. */
void dashboard_wire(int y, int x, int w, const char *raw, size_t n, int attr, bool pad);
/* The top bar: source, counters, clock. */
void dashboard_draw_header(struct dash *d);
/* The bottom line: the status message if any, else hint. */
void dashboard_draw_bottom(struct dash *d, const char *hint);

/* dashboard_data.c */
/* Re-reads the dialog list and says what changed; on a change the caller
 * rebuilds the view (screen_list_rebuild), on a failure it tells the user. */
enum dash_load dashboard_data_load_list(struct dash *d);
/* Re-reads the dialog screen's data for dialog_id and says what changed. */
enum dash_load dashboard_data_load_detail(struct dash *d, uint64_t dialog_id);
/* The list's row of dialog_id into out (strings valid until the list changes). */
bool dashboard_data_find(const struct dash *d, uint64_t dialog_id, struct dialog_record *out);
void dashboard_data_free(struct dash *d);
/* Frees what t holds (its arrays stay for reuse). */
void dashboard_data_detail_clear(struct dash_detail *t);
/* db_each_finding's callback: appends an owned copy of f (one block: detail,
 * then agent) to the struct dash_detail ctx. */
void dashboard_data_on_finding(void *ctx, const struct finding_record *f);
/* c = a deep copy of m in one block (free(c->raw) releases it all). */
void dashboard_data_copy_message(struct message_record *c, const struct message_record *m);

/* dashboard_live.c */
/* The index in l->v of dialog id, or SIZE_MAX (dashboard_rows_lookup). */
size_t dashboard_live_lookup(const struct dash_list *l, uint64_t id);
/* Takes every row waiting in the feed into the list and the view; true if
 * anything changed.  Sets d->view_stale when the view needs a rebuild. */
bool dashboard_live_apply(struct dash *d, struct dashboard_feed *feed);

/* flow_merge.c: the dialog screen's data — the combined flow while one is
 * open (its dialogs' messages merged), else dashboard_data_load_detail. */
enum dash_load flow_merge_load(struct dash *d, uint64_t dialog_id);

/* screen_list.c: frees the main screen's state. */
void screen_list_free(struct dash *d);
/* Rebuilds the filtered, sorted view, keeping the selection. */
void screen_list_rebuild(struct dash *d);
/* Whether the main screen's filters let r through. */
bool screen_list_shows(const struct dash *d, const struct dialog_record *r);
/* Puts list row idx (which it shows) at its sorted place in the view. */
void screen_list_insert(struct dash *d, size_t idx);
/* True when the sort key cannot change as a dialog goes on (start, Call-ID). */
bool screen_list_sort_fixed(const struct dash *d);

#endif
