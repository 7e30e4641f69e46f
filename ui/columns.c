/* columns: the list's column choice — names, parse/format, a layout in the
 * user's order, and the F10 editor (Space shows/hides, + - move, Enter keeps
 * and saves to the config file, Esc cancels). */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include "ui/columns.h"

#include <ctype.h>
#include <ncurses.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ui/dashboard_int.h"

void columns_default(struct columns *c)
{
	memset(c, 0, sizeof *c);
	for (int i = 0; i < DIALOG_COL_COUNT; i++)
		c->order[i] = (enum dialog_col)i;
	c->n = DIALOG_COL_COUNT;
	c->custom = false;
}

void columns_name(enum dialog_col col, char *buf, size_t n)
{
	const char *t = dialog_row_column(col)->title;
	size_t o = 0;

	for (; *t && o + 1 < n; t++) {
		if (isalnum((unsigned char)*t))
			buf[o++] = (char)tolower((unsigned char)*t);
	}
	if (n)
		buf[o < n ? o : n - 1] = '\0';
}

static int columns_lookup(const char *name, size_t len)
{
	char have[COLUMNS_NAME_MAX];

	for (int c = 0; c < DIALOG_COL_COUNT; c++) {
		columns_name((enum dialog_col)c, have, sizeof have);
		if (strlen(have) == len && strncasecmp(have, name, len) == 0)
			return c;
	}
	return -1;
}

bool columns_parse(const char *text, struct columns *out, char *err, size_t errlen)
{
	bool seen[DIALOG_COL_COUNT] = {false};
	const char *p = text ? text : "";

	memset(out, 0, sizeof *out);
	while (*p) {
		size_t len;
		int c;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		len = strcspn(p, ", \t");
		c = columns_lookup(p, len);
		if (c < 0 || seen[c]) {
			char all[COLUMNS_TEXT_MAX];
			struct columns every;

			columns_default(&every);
			columns_format(&every, all, sizeof all);
			snprintf(err, errlen, "%s column \"%.*s\" (columns: %s)",
				 c < 0 ? "unknown" : "repeated", (int)(len > 32 ? 32 : len), p, all);
			return false;
		}
		seen[c] = true;
		out->order[out->n++] = (enum dialog_col)c;
		p += len;
	}
	if (out->n == 0) {
		snprintf(err, errlen, "no column given");
		return false;
	}
	/* the default list, given in full, is no custom choice */
	out->custom = out->n != DIALOG_COL_COUNT;
	for (int i = 0; i < out->n && !out->custom; i++)
		out->custom = out->order[i] != (enum dialog_col)i;
	return true;
}

void columns_format(const struct columns *c, char *buf, size_t n)
{
	size_t o = 0;

	if (n)
		buf[0] = '\0';
	for (int i = 0; i < c->n && o < n; i++) {
		char name[COLUMNS_NAME_MAX];
		int w;

		columns_name(c->order[i], name, sizeof name);
		w = snprintf(buf + o, n - o, "%s%s", i ? "," : "", name);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

bool columns_shown(const struct columns *c, enum dialog_col col)
{
	for (int i = 0; i < c->n; i++) {
		if (c->order[i] == col)
			return true;
	}
	return false;
}

static int columns_needed(const struct columns *c, const bool *on)
{
	int need = 0, k = 0;

	for (int i = 0; i < c->n; i++) {
		if (on[i]) {
			need += dialog_row_column(c->order[i])->width;
			k++;
		}
	}
	return need + (k > 1 ? k - 1 : 0);
}

/* Hides the shown column dialog_row drops first; the rightmost if none may drop. */
static bool columns_drop_one(const struct columns *c, bool *on)
{
	int best = -1, best_drop = 0, last = -1;

	for (int i = 0; i < c->n; i++) {
		int drop = dialog_row_column(c->order[i])->drop;

		if (!on[i])
			continue;
		last = i;
		if (drop > best_drop) {
			best_drop = drop;
			best = i;
		}
	}
	if (best < 0) {
		if (last <= 0) /* keep the first column, cut to the width */
			return false;
		best = last;
	}
	on[best] = false;
	return true;
}

void columns_layout(const struct columns *c, int x0, int width, struct dialog_row_layout *out)
{
	bool on[DIALOG_COL_COUNT];
	int flex_sum = 0, spare, given = 0, x = x0, last_flex = -1, end;

	if (!c->custom && x0 == 0) {
		dialog_row_layout(width, out);
		return;
	}
	if (width > DIALOG_ROW_MAX_WIDTH)
		width = DIALOG_ROW_MAX_WIDTH;
	end = width;
	width -= x0;
	if (width < 0)
		width = 0;
	for (int i = 0; i < c->n; i++)
		on[i] = true;
	while (columns_needed(c, on) > width && columns_drop_one(c, on))
		;
	spare = width - columns_needed(c, on);
	for (int i = 0; i < c->n; i++) {
		if (on[i] && dialog_row_column(c->order[i])->flex) {
			flex_sum += dialog_row_column(c->order[i])->flex;
			last_flex = i;
		}
	}
	/* no column may grow: the last one takes the spare, the row ends flush */
	if (last_flex < 0 && c->n > 0) {
		for (int i = c->n - 1; i >= 0 && last_flex < 0; i--)
			last_flex = on[i] ? i : -1;
		flex_sum = 1;
	}
	memset(out, 0, sizeof *out);
	for (int i = 0; i < c->n; i++) {
		const struct dialog_col_info *info = dialog_row_column(c->order[i]);
		int w, flex = info->flex ? info->flex : i == last_flex;

		if (!on[i])
			continue;
		w = info->width;
		if (spare > 0 && flex) {
			int extra = i == last_flex ? spare - given : spare * flex / flex_sum;

			w += extra;
			given += extra;
		}
		if (x + w > end)
			w = end - x > 0 ? end - x : 0;
		out->x[c->order[i]] = x;
		out->w[c->order[i]] = w;
		x += w + 1;
	}
	out->total = end;
}

void columns_edit_begin(struct columns_edit *e, const struct columns *from)
{
	int k = 0;

	memset(e, 0, sizeof *e);
	for (int i = 0; i < from->n; i++) {
		e->all[k] = from->order[i];
		e->on[k++] = true;
	}
	for (int c = 0; c < DIALOG_COL_COUNT; c++) {
		if (!columns_shown(from, (enum dialog_col)c)) {
			e->all[k] = (enum dialog_col)c;
			e->on[k++] = false;
		}
	}
	e->open = true;
}

void columns_edit_toggle(struct columns_edit *e)
{
	e->on[e->cursor] = !e->on[e->cursor];
}

void columns_edit_move(struct columns_edit *e, int step)
{
	int to = e->cursor + step;
	enum dialog_col col;
	bool on;

	if (to < 0 || to >= DIALOG_COL_COUNT)
		return;
	col = e->all[to];
	on = e->on[to];
	e->all[to] = e->all[e->cursor];
	e->on[to] = e->on[e->cursor];
	e->all[e->cursor] = col;
	e->on[e->cursor] = on;
	e->cursor = to;
}

bool columns_edit_result(const struct columns_edit *e, struct columns *out, char *err, size_t n)
{
	char text[COLUMNS_TEXT_MAX];
	struct columns picked = {.n = 0};

	for (int i = 0; i < DIALOG_COL_COUNT; i++) {
		if (e->on[i])
			picked.order[picked.n++] = e->all[i];
	}
	if (picked.n == 0) {
		snprintf(err, n, "at least one column must be shown");
		return false;
	}
	/* through the text form: the same rule for "custom" as --columns */
	columns_format(&picked, text, sizeof text);
	return columns_parse(text, out, err, n);
}

/* ---- the dashboard's editor ---- */

void columns_open(struct dash *d)
{
	columns_edit_begin(&d->col_edit, &d->cols);
}

void columns_draw(struct dash *d)
{
	const struct columns_edit *e = &d->col_edit;
	int w = 72, h = DIALOG_COL_COUNT + 4, x = (COLS - w) / 2, y = 3;
	int box = colors_attr(COLOR_ROLE_PROMPT);

	if (!e->open)
		return;
	dashboard_text(y, x, w, " Columns (F10): Space show/hide  + - move  Enter keep  Esc cancel", box | (int)A_BOLD, true);
	for (int i = 0; i < DIALOG_COL_COUNT; i++) {
		char line[96], name[COLUMNS_NAME_MAX];

		columns_name(e->all[i], name, sizeof name);
		snprintf(line, sizeof line, "  [%c] %-12s %s", e->on[i] ? 'x' : ' ', name,
			 dialog_row_column(e->all[i])->title);
		dashboard_text(y + 1 + i, x, w, line,
			       i == e->cursor ? colors_attr(COLOR_ROLE_SELECTED) : box, true);
	}
	dashboard_text(y + h - 3, x, w, "", box, true);
	dashboard_text(y + h - 2, x, w,
		       d->cfg->save_option ? "  Enter also saves the choice in the config file"
					   : "  (no config file to save to)",
		       box, true);
}

static void columns_apply(struct dash *d)
{
	char err[256], text[COLUMNS_TEXT_MAX], where[512];
	struct columns picked;

	if (!columns_edit_result(&d->col_edit, &picked, err, sizeof err)) {
		dashboard_set_status(d, true, "columns: %s", err);
		return;
	}
	d->cols = picked;
	d->col_edit.open = false;
	columns_format(&picked, text, sizeof text);
	if (!d->cfg->save_option) {
		dashboard_set_status(d, false, "columns: %s (not saved)", text);
	} else if (!d->cfg->save_option("--columns", text, where, sizeof where)) {
		dashboard_set_status(d, true, "columns: %s, not saved: %s", text, where);
	} else {
		dashboard_set_status(d, false, "columns: %s, saved in %s", text, where);
	}
	d->col_edit.changed = true; /* screen_list rebuilds its view */
}

bool columns_key(struct dash *d, wint_t ch, bool fn)
{
	struct columns_edit *e = &d->col_edit;

	if (!e->open)
		return false;
	if (fn) {
		if (ch == KEY_UP)
			e->cursor -= e->cursor > 0;
		else if (ch == KEY_DOWN)
			e->cursor += e->cursor + 1 < DIALOG_COL_COUNT;
		else if (ch == KEY_ENTER)
			columns_apply(d);
		return true;
	}
	switch (ch) {
	case 27:
		e->open = false;
		dashboard_set_status(d, false, "columns unchanged");
		break;
	case ' ':
		columns_edit_toggle(e);
		break;
	case '+':
		columns_edit_move(e, -1);
		break;
	case '-':
		columns_edit_move(e, 1);
		break;
	case 'k':
		e->cursor -= e->cursor > 0;
		break;
	case 'j':
		e->cursor += e->cursor + 1 < DIALOG_COL_COUNT;
		break;
	case '\r':
	case '\n':
		columns_apply(d);
		break;
	default:
		break;
	}
	d->dirty = true;
	return true;
}
