/* dashboard: the ncurses loop — open, poll, redraw from dirty flags, keys,
 * screen switching.  The drawing helpers and the header and bottom lines are
 * in dashboard_draw.c, a leaf the screens call.
 *
 * Like tmux's server loop: one pass per wake-up (a key or a 200 ms timeout),
 * the data reloaded only when the counters say something moved, and the
 * screen redrawn only when data, clock second or a key made it dirty:
 * erase + draw + doupdate, so ncurses sends only the difference. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include "ui/dashboard.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui/dashboard_int.h"

#define DASH_TICK_MS 200
#define DASH_RELOAD_MS 500      /* at most this often while data moves */
#define DASH_SETTLE_MS 3000     /* keep reloading this long after the last move */
#define DASH_LIVE_RELOAD_MS 2000 /* live: timers fire in the db without packets */
#define DASH_VIEW_REBUILD_MS 1000 /* a stale view (sort by a moving column) */
#define DASH_RESYNC_MS 3000     /* after a feed overflow: re-read once more */

static const struct dash_screen *const dashboard_screens[DASH_SCREEN_COUNT] = {
	[DASH_SCREEN_LIST] = &screen_list,
	[DASH_SCREEN_DIALOG] = &screen_dialog,
	[DASH_SCREEN_HELP] = &screen_help,
};

/* Carries out a screen switch (asked for with dashboard_switch). */
static void dashboard_enter(struct dash *d, enum dash_screen_id id)
{
	if (id == DASH_SCREEN_HELP && d->screen != DASH_SCREEN_HELP)
		d->back = d->screen;
	else if (id != DASH_SCREEN_HELP)
		d->back = id;
	d->screen = id;
	d->status[0] = '\0';
	if (dashboard_screens[id]->enter)
		dashboard_screens[id]->enter(d);
	d->dirty = true;
}

static int64_t dashboard_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void dashboard_draw(struct dash *d)
{
	erase();
	if (COLS < DASH_MIN_COLS || LINES < DASH_MIN_LINES) {
		char msg[128];

		snprintf(msg, sizeof msg, "terminal too small: %dx%d, sipwatch needs %dx%d (q quits)",
			 COLS, LINES, DASH_MIN_COLS, DASH_MIN_LINES);
		dashboard_text(0, 0, COLS, msg, A_BOLD, false);
	} else {
		dashboard_screens[d->screen]->draw(d);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/* Counters and clock; marks dirty when what the header shows changed. */
static bool dashboard_poll_counters(struct dash *d)
{
	struct dashboard_counters c;
	int64_t clock;
	bool moved;

	memset(&c, 0, sizeof c);
	c.clock_us = TS_NONE;
	if (d->cfg->counters)
		d->cfg->counters(d->cfg->ctx, &c);
	else
		c = d->counters;
	clock = c.clock_us != TS_NONE && c.clock_us != 0 ? c.clock_us : d->clock_us;
	moved = memcmp(&c, &d->counters, sizeof c) != 0;
	if (moved || clock / USEC_PER_SEC != d->clock_us / USEC_PER_SEC)
		d->dirty = true;
	d->counters = c;
	d->clock_us = clock;
	return moved;
}

/* The list from the db, and what its change means for the screens. */
static bool dashboard_load_list(struct dash *d)
{
	enum dash_load r = dashboard_data_load_list(d);

	if (r == DASH_LOAD_FAILED)
		dashboard_set_status(d, true, "db: %s", db_reader_error(d->reader));
	else if (r == DASH_LOAD_CHANGED)
		screen_list_rebuild(d);
	return r != DASH_LOAD_SAME;
}

/* The open dialog's data from the db; relayout when it changed. */
static void dashboard_load_detail(struct dash *d)
{
	/* a combined flow of several dialogs, or the one dialog (flow_merge.c) */
	enum dash_load r = flow_merge_load(d, d->detail.dialog_id);

	if (r == DASH_LOAD_FAILED)
		dashboard_set_status(d, true, "db: %s", db_reader_error(d->reader));
	if (r != DASH_LOAD_SAME) {
		d->ds.ladder_width = -1; /* relayout on the next draw */
		d->dirty = true;
	}
}

static void dashboard_reload(struct dash *d)
{
	if (dashboard_load_list(d))
		d->dirty = true;
	if (d->screen == DASH_SCREEN_DIALOG || d->back == DASH_SCREEN_DIALOG)
		dashboard_load_detail(d);
}

static void dashboard_key(struct dash *d, wint_t ch, bool fn)
{
	if (fn && ch == KEY_RESIZE) {
		d->ds.ladder_width = -1;
		return;
	}
	if (dashboard_screens[d->screen]->key(d, ch, fn))
		return;
	if (!fn && ch == 'q')
		d->quit = true;
	else if (!fn && ch == '?')
		dashboard_switch(d, DASH_SCREEN_HELP);
}

/* The terminal: stdout for drawing, keys from stdin or, when stdin carries
 * the capture (-r -), from /dev/tty.  newterm, not initscr: a bad TERM is an
 * error to report, not an exit. */
static bool dashboard_init_curses(struct dash *d, char *err, size_t errlen)
{
	const char *cs, *term = getenv("TERM");
	FILE *in = stdin;

	if (strcmp(setlocale(LC_CTYPE, NULL), "C") == 0 ||
	    strcmp(setlocale(LC_CTYPE, NULL), "POSIX") == 0)
		setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	d->ascii = !(cs && strcmp(cs, "UTF-8") == 0);
	if (!isatty(STDIN_FILENO)) {
		d->tty = fopen("/dev/tty", "r");
		if (!d->tty) {
			snprintf(err, errlen, "dashboard: no terminal to read keys from (/dev/tty: %s)",
				 strerror(errno));
			return false;
		}
		in = d->tty;
	}
	set_escdelay(25);
	d->screen_ptr = newterm(NULL, stdout, in);
	if (!d->screen_ptr) {
		snprintf(err, errlen, "dashboard: cannot use the terminal (TERM=%s)", term ? term : "");
		if (d->tty)
			fclose(d->tty);
		d->tty = NULL;
		return false;
	}
	set_term(d->screen_ptr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(DASH_TICK_MS);
	colors_init();
	return true;
}

static void dashboard_end_curses(struct dash *d)
{
	endwin();
	delscreen(d->screen_ptr);
	if (d->tty)
		fclose(d->tty);
}

static bool dashboard_open(struct dash *d, const struct dashboard_config *cfg, char *err,
			   size_t errlen)
{
	struct capture_info ci;
	uint64_t id = 0;

	memset(d, 0, sizeof *d);
	d->cfg = cfg;
	d->clock_us = TS_NONE;
	d->counters.clock_us = TS_NONE;
	d->ls.sort_col = DIALOG_COL_START;
	d->ds.ladder_width = -1;
	d->switch_to = DASH_SCREEN_NONE;
	columns_default(&d->cols);
	if (cfg->columns && !columns_parse(cfg->columns, &d->cols, err, errlen))
		return false;
	d->reader = db_reader_open(cfg->db_path, err, errlen);
	if (!d->reader)
		return false;
	(void)db_reader_small_cache(d->reader); /* a failure leaves SQLite's default */
	d->capture_id = cfg->capture_id;
	if (db_read_capture(d->reader, cfg->capture_id, &id, &ci)) {
		d->capture_id = id;
		if (!cfg->counters) /* no live counters: the capture's own, clock at its end */
			d->clock_us = ci.ended;
		snprintf(d->source, sizeof d->source, "%s", cfg->source ? cfg->source : ci.source ? ci.source : "");
	} else {
		snprintf(d->source, sizeof d->source, "%s", cfg->source ? cfg->source : "");
	}
	return true;
}

/* Live with a feed: rows come by increments; the db is read only for the
 * opened dialog's messages, and in full only after the ring overflowed (the
 * rows it lost are in the db, once the writer commits them: read twice). */
static void dashboard_follow_feed(struct dash *d, int64_t now, int64_t *resync_at,
				  int64_t *last_rebuild, int64_t *last_detail)
{
	if (dashboard_feed_overflowed(d->cfg->feed)) {
		dashboard_load_list(d);
		*resync_at = now + DASH_RESYNC_MS;
		d->dirty = true;
	} else if (*resync_at && now >= *resync_at) {
		dashboard_load_list(d);
		*resync_at = 0;
	}
	if (dashboard_live_apply(d, d->cfg->feed))
		d->dirty = true;
	if (d->view_stale && now - *last_rebuild >= DASH_VIEW_REBUILD_MS) {
		screen_list_rebuild(d);
		*last_rebuild = now;
	}
	/* messages the writer has not committed yet: look again */
	if (d->detail.have_dialog && d->detail.n_msgs < d->detail.dialog.r.n_messages)
		d->detail_changed = true;
	if ((d->screen == DASH_SCREEN_DIALOG || d->back == DASH_SCREEN_DIALOG) &&
	    d->detail_changed && now - *last_detail >= DASH_RELOAD_MS) {
		d->detail_changed = false;
		*last_detail = now;
		dashboard_load_detail(d);
	}
}

int dashboard_run(const struct dashboard_config *cfg, char *err, size_t errlen)
{
	struct dash d;
	int64_t last_load = 0, last_move, now, resync_at = 0, last_rebuild = 0, last_detail = 0;

	if (!dashboard_open(&d, cfg, err, errlen))
		return 1;
	if (!dashboard_init_curses(&d, err, errlen)) {
		dashboard_data_free(&d);
		db_reader_close(d.reader);
		return 1;
	}
	dashboard_poll_counters(&d);
	dashboard_load_list(&d);
	last_load = last_move = dashboard_mono_ms();
	dashboard_enter(&d, DASH_SCREEN_LIST);
	while (!d.quit && !(cfg->stop_flag && atomic_load(cfg->stop_flag))) {
		wint_t ch;
		int r;

		now = dashboard_mono_ms();
		if (dashboard_poll_counters(&d))
			last_move = now;
		if (cfg->feed) {
			dashboard_follow_feed(&d, now, &resync_at, &last_rebuild, &last_detail);
		} else if ((now - last_load >= DASH_RELOAD_MS && now - last_move <= DASH_SETTLE_MS) ||
			   (cfg->live && now - last_load >= DASH_LIVE_RELOAD_MS)) {
			dashboard_reload(&d);
			last_load = now;
		}
		if (d.dirty) {
			d.dirty = false;
			dashboard_draw(&d);
		}
		r = get_wch(&ch);
		if (r == ERR)
			continue;
		dashboard_key(&d, ch, r == KEY_CODE_YES);
		if (d.switch_to != DASH_SCREEN_NONE) { /* asked for by the key */
			enum dash_screen_id id = d.switch_to;

			d.switch_to = DASH_SCREEN_NONE;
			dashboard_enter(&d, id);
		}
		d.dirty = true;
	}
	dashboard_end_curses(&d);
	ladder_free(&d.ds.ladder);
	screen_list_free(&d);
	dashboard_data_free(&d);
	db_reader_close(d.reader);
	return 0;
}
