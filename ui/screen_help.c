/* screen_help: the keys of every screen (from their const key tables) and
 * what the colours and columns mean.  Any key goes back. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <ncurses.h>
#include <stdio.h>

#include "ui/dashboard_int.h"

static const char *const screen_help_legend[] = {
	"red (bold)  doomed: a refresh failed, the session timer will tear the call down",
	"TEARDOWN    countdown to the expected teardown (14m12s, 1h02m); -3s = overdue",
	"REFRESHED   time since the last successful refresh;  SE/REF  interval and refresher",
	"ladder      x = the finding that dooms the call points here; dim = retransmission;",
	"            dotted rows = refresh due, teardown expected, deadline, now",
	"times       local time with its zone (--utc for UTC); offline the clock is the last packet",
};

static const struct dash_key screen_help_keys[] = {
	{"any key", "back"},
};

/* Draws one screen's key table from row y; returns the next free row. */
static int screen_help_table(int y, const struct dash_screen *s)
{
	char buf[256];

	if (y >= LINES - 1)
		return y;
	snprintf(buf, sizeof buf, "%s screen", s->name);
	dashboard_text(y++, 2, COLS - 4, buf, colors_attr(COLOR_ROLE_TITLE), false);
	for (size_t i = 0; i < s->n_keys && y < LINES - 1; i++, y++) {
		dashboard_text(y, 4, 28, s->keys[i].keys, A_BOLD, true);
		dashboard_text(y, 33, COLS - 35, s->keys[i].what, A_NORMAL, false);
	}
	return y + 1;
}

static void screen_help_draw(struct dash *d)
{
	int y = 2;

	dashboard_draw_header(d);
	dashboard_text(1, 0, COLS, "sipwatch dashboard: keys", colors_attr(COLOR_ROLE_TITLE), true);
	y = screen_help_table(y, &screen_list);
	y = screen_help_table(y, &screen_dialog);
	for (size_t i = 0; i < sizeof screen_help_legend / sizeof screen_help_legend[0]; i++) {
		if (y >= LINES - 1)
			break;
		dashboard_text(y++, 2, COLS - 4, screen_help_legend[i], A_NORMAL, false);
	}
	dashboard_draw_bottom(d, "any key: back    q: quit from the dialog list");
}

static bool screen_help_key(struct dash *d, wint_t ch, bool fn)
{
	(void)ch;
	(void)fn;
	/* back without re-entering: the dialog screen keeps its selection */
	d->screen = d->back;
	d->dirty = true;
	return true;
}

const struct dash_screen screen_help = {
	.name = "help",
	.enter = NULL,
	.draw = screen_help_draw,
	.key = screen_help_key,
	.keys = screen_help_keys,
	.n_keys = sizeof screen_help_keys / sizeof screen_help_keys[0],
};
