/* dashboard: the ncurses loop — open, poll, redraw from dirty flags, keys,
 * screen switching — and the drawing helpers every screen uses.
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
#include <stdarg.h>
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

const struct dash_screen *dashboard_screen(enum dash_screen_id id)
{
	return dashboard_screens[id];
}

void dashboard_switch(struct dash *d, enum dash_screen_id id)
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

void dashboard_set_status(struct dash *d, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->status, sizeof d->status, fmt, ap);
	va_end(ap);
	d->status_error = error;
	d->dirty = true;
}

static void dashboard_put(int y, int x, const char *fitted, int attr)
{
	attrset((attr_t)attr);
	mvaddnstr(y, x, fitted, -1);
	attrset(A_NORMAL);
}

void dashboard_text(int y, int x, int w, const char *text, int attr, bool pad)
{
	char buf[DIALOG_ROW_FIT_CAP(DIALOG_ROW_MAX_WIDTH)];

	if (w <= 0 || y < 0 || y >= LINES)
		return;
	dialog_row_fit(text ? text : "", text ? strlen(text) : 0, w, pad, buf, sizeof buf);
	dashboard_put(y, x, buf, attr);
}

void dashboard_wire(int y, int x, int w, const char *raw, size_t n, int attr, bool pad)
{
	char buf[DIALOG_ROW_FIT_CAP(DIALOG_ROW_MAX_WIDTH)];

	if (w <= 0 || y < 0 || y >= LINES)
		return;
	dialog_row_cell(raw ? raw : "", raw ? n : 0, w, pad, buf, sizeof buf);
	dashboard_put(y, x, buf, attr);
}

static int64_t dashboard_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes one header segment at *x; false once the line is full. */
static bool dashboard_segment(int *x, int end, const char *text, int attr)
{
	int w = dialog_row_width(text, strlen(text));

	if (*x + w > end)
		return false;
	dashboard_text(0, *x, w, text, attr, false);
	*x += w + 2;
	return true;
}

/* Header labels: full, and short for terminals under 120 columns. */
enum dashboard_label { L_NAME, L_DIALOGS, L_ACTIVE, L_DOOMED, L_PKTS, L_SIP, L_DROPS, L_ENC, L_COUNT };
static const char *const dashboard_labels[2][L_COUNT] = {
	{"sipwatch ", "dialogs", "active", "DOOMED", "packets", "SIP", "drops", "encrypted"},
	{"", "dlg", "act", "DOOMED", "pkt", "SIP", "drop", "enc"},
};

/* Dialog counts: the analyzer's (live, ahead of the db) or the db's (what the
 * list shows; the analyzer forgets dialogs once they are written), the larger. */
static void dashboard_dialog_counts(const struct dash *d, uint64_t *active, uint64_t *total,
				    uint64_t *doomed)
{
	uint64_t a = d->list.n_active, m = d->list.n_doomed;

	*active = d->counters.dialogs_active > a ? d->counters.dialogs_active : a;
	*total = d->counters.dialogs_total > d->list.n ? d->counters.dialogs_total : d->list.n;
	*doomed = d->counters.dialogs_doomed > m ? d->counters.dialogs_doomed : m;
}

/* The file name without its directories ("stdin" for "-"). */
static const char *dashboard_source_name(const char *src)
{
	const char *slash = strrchr(src, '/');

	if (strcmp(src, "-") == 0)
		return "stdin";
	return slash && slash[1] ? slash + 1 : src;
}

void dashboard_draw_header(struct dash *d)
{
	uint64_t active, total, doomed;
	const char *name = dashboard_source_name(d->source);
	const struct dashboard_counters *c = &d->counters;
	const char *const *lb = dashboard_labels[COLS < 120];
	int bar = colors_attr(COLOR_ROLE_HEADER), x = 1, end;
	char clock[DIALOG_ROW_TIME_MAX], src[64], buf[160];
	const char *state = c->input_failed     ? "input failed"
			    : c->input_finished ? "done"
			    : d->cfg->live      ? "live"
						: "reading";

	dashboard_text(0, 0, COLS, "", bar, true);
	dialog_row_time(d->clock_us, d->cfg->utc, COLS < 120 ? DIALOG_TIME_HMS_ZONE : DIALOG_TIME_FULL,
			clock, sizeof clock);
	end = COLS - dialog_row_width(clock, strlen(clock)) - 1;
	dashboard_text(0, end, COLS - end, clock, bar, false);
	end -= 2;
	dialog_row_cell(name, strlen(name), COLS < 120 ? 16 : 28, false, src, sizeof src);
	dashboard_dialog_counts(d, &active, &total, &doomed);
	/* issue 13: which judging mode is on */
	snprintf(buf, sizeof buf, "%s%s [%s] %s", lb[L_NAME], src, state,
		 d->cfg->strict_peers ? "strict-peers" : "risk-mode");
	dashboard_segment(&x, end, buf, bar);
	/* labelled: "dialogs 0/140000" read as a fraction of a limit */
	snprintf(buf, sizeof buf, "%s %llu (%s %llu)", lb[L_DIALOGS], (unsigned long long)total,
		 lb[L_ACTIVE], (unsigned long long)active);
	dashboard_segment(&x, end, buf, bar);
	snprintf(buf, sizeof buf, "%s %llu", lb[L_DOOMED], (unsigned long long)doomed);
	dashboard_segment(&x, end, buf, doomed ? colors_attr(COLOR_ROLE_DOOMED) | (int)A_REVERSE : bar);
	snprintf(buf, sizeof buf, "%s %llu", lb[L_DROPS], (unsigned long long)c->dropped);
	dashboard_segment(&x, end, buf, c->dropped ? bar | (int)A_BOLD : bar);
	if (c->tls_sessions) /* "tls 3/4": sessions decrypted / seen */
		snprintf(buf, sizeof buf, "tls %llu/%llu", (unsigned long long)c->tls_decrypted,
			 (unsigned long long)c->tls_sessions);
	else
		snprintf(buf, sizeof buf, "%s %llu", lb[L_ENC], (unsigned long long)c->encrypted);
	dashboard_segment(&x, end, buf,
			  c->encrypted && c->tls_decrypted < c->tls_sessions + !c->tls_sessions
				  ? bar | (int)A_BOLD
				  : bar);
	snprintf(buf, sizeof buf, "%s %llu", lb[L_PKTS], (unsigned long long)c->packets);
	dashboard_segment(&x, end, buf, bar);
	snprintf(buf, sizeof buf, "%s %llu", lb[L_SIP], (unsigned long long)c->sip_messages);
	dashboard_segment(&x, end, buf, bar);
}

void dashboard_draw_bottom(struct dash *d, const char *hint)
{
	int y = LINES - 1;

	if (d->status[0])
		dashboard_text(y, 0, COLS, d->status,
			       colors_attr(d->status_error ? COLOR_ROLE_DOOMED : COLOR_ROLE_STATUS), true);
	else if (d->counters.store_status[0]) /* storage trouble (issue 17) */
		dashboard_text(y, 0, COLS, d->counters.store_status, colors_attr(COLOR_ROLE_DOOMED), true);
	else
		dashboard_text(y, 0, COLS, hint, colors_attr(COLOR_ROLE_STATUS), true);
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

static void dashboard_reload(struct dash *d)
{
	if (dashboard_data_load_list(d))
		d->dirty = true;
	if (d->screen == DASH_SCREEN_DIALOG || d->back == DASH_SCREEN_DIALOG) {
		if (dashboard_data_load_detail(d, d->detail.dialog_id)) {
			d->ladder_width = -1; /* relayout on the next draw */
			d->dirty = true;
		}
	}
}

static void dashboard_key(struct dash *d, wint_t ch, bool fn)
{
	if (fn && ch == KEY_RESIZE) {
		d->ladder_width = -1;
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
	d->sort_col = DIALOG_COL_START;
	d->ladder_width = -1;
	d->reader = db_reader_open(cfg->db_path, err, errlen);
	if (!d->reader)
		return false;
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
		dashboard_data_load_list(d);
		*resync_at = now + DASH_RESYNC_MS;
		d->dirty = true;
	} else if (*resync_at && now >= *resync_at) {
		dashboard_data_load_list(d);
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
		if (dashboard_data_load_detail(d, d->detail.dialog_id)) {
			d->ladder_width = -1;
			d->dirty = true;
		}
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
	dashboard_data_load_list(&d);
	last_load = last_move = dashboard_mono_ms();
	dashboard_switch(&d, DASH_SCREEN_LIST);
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
		d.dirty = true;
	}
	dashboard_end_curses(&d);
	ladder_free(&d.ladder);
	dashboard_data_free(&d);
	db_reader_close(d.reader);
	return 0;
}
