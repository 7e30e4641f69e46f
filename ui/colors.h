/* colors: the dashboard's colour roles, with a monochrome fallback.
 *
 * Screens ask for a role's attributes, never for a colour, so a terminal
 * without colours (or NO_COLOR set) gets bold/reverse/dim instead and a doomed
 * dialog still stands out. */
#ifndef SIPWATCH_COLORS_H
#define SIPWATCH_COLORS_H

#include <stdbool.h>

enum color_role {
	COLOR_ROLE_NORMAL = 0,
	COLOR_ROLE_HEADER,   /* the top bar */
	COLOR_ROLE_TITLE,    /* column titles */
	COLOR_ROLE_SELECTED, /* the cursor row */
	COLOR_ROLE_DOOMED,   /* doomed dialogs, doom findings, "!! missing" */
	COLOR_ROLE_WARNING,
	COLOR_ROLE_OK,       /* well-formed refresh answers */
	COLOR_ROLE_DIM,      /* retransmissions, ended dialogs */
	COLOR_ROLE_MARK,     /* instants on the ladder's time axis */
	COLOR_ROLE_STATUS,   /* bottom line */
	COLOR_ROLE_PROMPT,
	COLOR_ROLE_COUNT
};

/* After initscr: pairs when the terminal has colours and NO_COLOR is unset. */
void colors_init(void);
bool colors_enabled(void);
/* The attributes (attr_t bits, as int) to draw a role with. */
int colors_attr(enum color_role role);

#endif
