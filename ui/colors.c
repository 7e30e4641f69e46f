/* colors: one const table of roles → colour pair and monochrome attributes. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include "ui/colors.h"

#include <ncurses.h>
#include <stdlib.h>

struct colors_entry {
	short fg, bg; /* -1 = terminal default */
	int color_attr; /* added to the pair */
	int mono_attr;  /* used instead without colours */
};

static const struct colors_entry colors_table[COLOR_ROLE_COUNT] = {
	[COLOR_ROLE_NORMAL] = {-1, -1, 0, 0},
	[COLOR_ROLE_HEADER] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE},
	[COLOR_ROLE_TITLE] = {COLOR_CYAN, -1, A_BOLD, A_UNDERLINE},
	[COLOR_ROLE_SELECTED] = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
	[COLOR_ROLE_DOOMED] = {COLOR_RED, -1, A_BOLD, A_BOLD},
	[COLOR_ROLE_WARNING] = {COLOR_YELLOW, -1, 0, A_UNDERLINE},
	[COLOR_ROLE_OK] = {COLOR_GREEN, -1, 0, 0},
	[COLOR_ROLE_DIM] = {-1, -1, A_DIM, A_DIM},
	[COLOR_ROLE_MARK] = {COLOR_MAGENTA, -1, 0, A_UNDERLINE},
	[COLOR_ROLE_STATUS] = {COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE},
	[COLOR_ROLE_PROMPT] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
};

static bool colors_on;

void colors_init(void)
{
	const char *no_color = getenv("NO_COLOR");

	colors_on = false;
	if (!has_colors() || (no_color && *no_color))
		return;
	if (start_color() != OK)
		return;
	use_default_colors();
	for (int r = 1; r < COLOR_ROLE_COUNT; r++) {
		const struct colors_entry *e = &colors_table[r];
		short fg = e->fg, bg = e->bg;

		if (COLORS < 8) {
			fg = -1;
			bg = -1;
		}
		init_pair((short)r, fg, bg);
	}
	colors_on = COLOR_PAIRS > COLOR_ROLE_COUNT;
}

bool colors_enabled(void)
{
	return colors_on;
}

int colors_attr(enum color_role role)
{
	if ((unsigned)role >= COLOR_ROLE_COUNT || role == COLOR_ROLE_NORMAL)
		return A_NORMAL;
	if (!colors_on)
		return (int)colors_table[role].mono_attr;
	return (int)(COLOR_PAIR(role) | (chtype)colors_table[role].color_attr);
}
