/* screen_list: the main screen — one row per dialog (and per REGISTER,
 * OPTIONS ... entry), doomed ones in red with their countdown; sort by any
 * column, filter by text, doomed-only, by method. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <limits.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "common/xalloc.h"
#include "ui/dashboard_int.h"

static const struct dash_key screen_list_keys[] = {
	{"Up Down PgUp PgDn Home End", "move the cursor"},
	{"Enter", "open the dialog: ladder, messages, findings"},
	{"/", "filter by text, also in every header and body (Enter applies, Esc cancels, Ctrl-U erases; empty shows all)"},
	{"d", "show doomed dialogs only (toggle)"},
	/* issue 18 item 2: every method (the filter form's method and box) */
	{"o", "hide or show REGISTER and OPTIONS entries (toggle)"},
	{"m  M", "one method only, the next each time (INVITE, REGISTER, OPTIONS, SUBSCRIBE ...); M: every method"},
	{"s  >", "sort by the next column"},
	{"<", "sort by the previous column"},
	{"r", "reverse the sort"},
	/* issue 18 item 3: sngrep's habits (filter_form.c, columns.c, save_many.c, flow_merge.c) */
	{"F7  F", "filter form: method, source, destination, from, to, finding code, at risk/doomed only, hide REGISTER/OPTIONS"},
	{"F10  C", "choose and order the columns (Space show/hide, + - move, Enter keeps and saves)"},
	{"Space", "mark / unmark the dialog (then w or x work on the marked ones)"},
	{"w", "save the marked dialogs, or all listed, to one pcap (or .txt: text); asks the file name"},
	{"x", "combined flow of the marked dialogs; none marked: find the legs of this one and join them"},
	{"?", "help"},
	{"q", "quit"},
};

/* qsort has no context argument: the UI thread is the only caller. */
static const struct dash *screen_list_sorting;

static int screen_list_cmp(const void *pa, const void *pb)
{
	const struct dash *d = screen_list_sorting;
	struct dialog_record a, b;
	int r;

	dashboard_rows_get(&d->list, *(const size_t *)pa, &a);
	dashboard_rows_get(&d->list, *(const size_t *)pb, &b);
	r = dialog_row_compare(&a, &b, d->ls.sort_col, d->clock_us);

	return d->ls.sort_rev ? -r : r;
}

static int screen_list_page(void)
{
	int n = LINES - 4; /* header, titles, info line, bottom line */

	return n > 1 ? n : 1;
}

static void screen_list_keep_visible(struct dash *d)
{
	int page = screen_list_page();

	if (d->ls.n_view == 0) {
		d->ls.cursor = d->ls.top = 0;
		return;
	}
	if (d->ls.cursor >= d->ls.n_view)
		d->ls.cursor = d->ls.n_view - 1;
	if (d->ls.cursor < d->ls.top)
		d->ls.top = d->ls.cursor;
	if (d->ls.cursor >= d->ls.top + (size_t)page)
		d->ls.top = d->ls.cursor - (size_t)page + 1;
	/* a shorter view (End, then a filter) fills the page rather than
	 * leaving one row at the top of a blank screen */
	if (d->ls.top + (size_t)page > d->ls.n_view)
		d->ls.top = d->ls.n_view > (size_t)page ? d->ls.n_view - (size_t)page : 0;
	d->ls.selected_id = d->list.v[d->ls.view[d->ls.cursor]].id;
}

static int screen_list_id_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return (a > b) - (a < b);
}

bool screen_list_shows(const struct dash *d, const struct dialog_record *r)
{
	if (d->ls.doomed_only && !r->doomed)
		return false;
	if (!filter_form_shows(d, r))
		return false;
	if (dialog_row_matches(r, d->ls.filter))
		return true;
	return d->ls.n_hits && bsearch(&r->id, d->ls.hits, d->ls.n_hits, sizeof *d->ls.hits, screen_list_id_cmp);
}

static void screen_list_on_hit(void *ctx, uint64_t id)
{
	struct dash *d = ctx;

	if (d->ls.n_hits == d->ls.cap_hits) {
		d->ls.cap_hits = d->ls.cap_hits ? d->ls.cap_hits * 2 : 256;
		d->ls.hits = xrealloc(d->ls.hits, d->ls.cap_hits * sizeof *d->ls.hits);
	}
	d->ls.hits[d->ls.n_hits++] = id;
}

/* Like sngrep's payload search: the filter also matches any header or body
 * of a dialog's messages (read from the db once, when the filter is set;
 * dialogs that come later match by their list fields until / is used again). */
static void screen_list_search(struct dash *d)
{
	int n;

	d->ls.n_hits = 0;
	if (!d->ls.filter[0])
		return;
	n = db_each_dialog_matching(d->reader, d->capture_id, d->ls.filter, screen_list_on_hit, d);
	if (n < 0) {
		dashboard_set_status(d, true, "search: %s", db_reader_error(d->reader));
		d->ls.n_hits = 0;
		return;
	}
	if (d->ls.n_hits > 1)
		qsort(d->ls.hits, d->ls.n_hits, sizeof *d->ls.hits, screen_list_id_cmp);
	dashboard_set_status(d, false, "%d dialog(s) with \"%s\" in a header or body", n, d->ls.filter);
}

bool screen_list_sort_fixed(const struct dash *d)
{
	return d->ls.sort_col == DIALOG_COL_START || d->ls.sort_col == DIALOG_COL_CALLID;
}

void screen_list_insert(struct dash *d, size_t idx)
{
	size_t lo = 0, hi = d->ls.n_view, page = (size_t)screen_list_page();

	if (d->ls.n_view == d->ls.cap_view) {
		d->ls.cap_view = d->ls.cap_view ? d->ls.cap_view * 2 : 1024;
		d->ls.view = xrealloc(d->ls.view, d->ls.cap_view * sizeof *d->ls.view);
	}
	screen_list_sorting = d;
	/* the first place whose row sorts after idx's: usually the end */
	if (hi && screen_list_cmp(&d->ls.view[hi - 1], &idx) <= 0) {
		lo = hi;
	} else {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (screen_list_cmp(&d->ls.view[mid], &idx) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	screen_list_sorting = NULL;
	memmove(&d->ls.view[lo + 1], &d->ls.view[lo], (d->ls.n_view - lo) * sizeof *d->ls.view);
	d->ls.view[lo] = idx;
	d->ls.n_view++;
	/* the selected row and the rows on screen stay where they are */
	if (d->ls.n_view > 1 && lo <= d->ls.cursor)
		d->ls.cursor++;
	if (d->ls.n_view > page && lo < d->ls.top)
		d->ls.top++;
	if (lo >= d->ls.top && lo < d->ls.top + page)
		d->dirty = true;
}

void screen_list_free(struct dash *d)
{
	filter_form_free(&d->form); /* issue 18 */
	save_many_free(&d->save);
	free(d->ls.hits);
	free(d->ls.view);
	memset(&d->ls, 0, sizeof d->ls);
}

void screen_list_rebuild(struct dash *d)
{
	if (d->ls.cap_view < d->list.n) {
		d->ls.cap_view = d->list.n;
		d->ls.view = xrealloc(d->ls.view, d->ls.cap_view * sizeof *d->ls.view);
	}
	d->ls.n_view = 0;
	for (size_t i = 0; i < d->list.n; i++) {
		struct dialog_record r;

		dashboard_rows_get(&d->list, i, &r);
		if (screen_list_shows(d, &r))
			d->ls.view[d->ls.n_view++] = i;
	}
	screen_list_sorting = d;
	if (d->ls.n_view > 1)
		qsort(d->ls.view, d->ls.n_view, sizeof *d->ls.view, screen_list_cmp);
	screen_list_sorting = NULL;
	d->view_stale = false;
	for (size_t i = 0; i < d->ls.n_view; i++) {
		if (d->list.v[d->ls.view[i]].id == d->ls.selected_id) {
			d->ls.cursor = i;
			break;
		}
	}
	screen_list_keep_visible(d);
	d->dirty = true;
}

static void screen_list_titles(struct dash *d, const struct dialog_row_layout *lay)
{
	int attr = colors_attr(COLOR_ROLE_TITLE);

	dashboard_text(1, 0, COLS, "", attr, true);
	for (int c = 0; c < DIALOG_COL_COUNT; c++) {
		char t[64];
		const char *mark = d->ascii ? (d->ls.sort_rev ? "v" : "^")
					    : (d->ls.sort_rev ? "\xe2\x96\xbc" : "\xe2\x96\xb2");

		if (!lay->w[c])
			continue;
		snprintf(t, sizeof t, "%s%s", dialog_row_column((enum dialog_col)c)->title,
			 (enum dialog_col)c == d->ls.sort_col ? mark : "");
		dashboard_text(1, lay->x[c], lay->w[c], t, attr, true);
	}
}

static int screen_list_row_attr(const struct dialog_row *row, bool selected)
{
	int attr = row->doomed	  ? colors_attr(COLOR_ROLE_DOOMED)
		   : row->at_risk ? colors_attr(COLOR_ROLE_WARNING) | (int)A_BOLD
		   : row->ended	  ? colors_attr(COLOR_ROLE_DIM)
				: colors_attr(COLOR_ROLE_NORMAL);

	if (!selected)
		return attr;
	return row->doomed ? attr | (int)A_REVERSE : colors_attr(COLOR_ROLE_SELECTED);
}

static void screen_list_row(struct dash *d, int y, const struct dialog_record *r,
			    const struct dialog_row_layout *lay, bool selected)
{
	static struct dialog_row row; /* 40 KB: not on the stack */
	int attr;

	dialog_row_format(r, d->clock_us, d->cfg->utc, lay, &row);
	attr = screen_list_row_attr(&row, selected);
	dashboard_text(y, 0, COLS, "", attr, true);
	for (int c = 0; c < DIALOG_COL_COUNT; c++) {
		int a = attr;

		if (!lay->w[c])
			continue;
		if (c == DIALOG_COL_TEARDOWN && (row.doomed || row.at_risk || row.overdue))
			a |= (int)A_BOLD;
		if (c == DIALOG_COL_FINDINGS && !row.doomed && r->finding_mask && !selected)
			a = colors_attr(COLOR_ROLE_WARNING);
		/* cells are already sanitised and exactly their width */
		dashboard_text(y, lay->x[c], lay->w[c], row.cell[c], a, false);
	}
	if (save_many_marked(d, r->id)) /* the gutter columns_layout leaves */
		dashboard_text(y, 0, 1, "*", attr | (int)A_BOLD, false);
}

/* The line above the bottom: counts, filter, sort, the selected dialog's fate. */
static void screen_list_info(struct dash *d)
{
	char buf[512], when[TIME_TEXT_MAX], left[TIME_TEXT_DURATION_MAX];
	struct dialog_record row;
	const struct dialog_record *r = NULL;
	int n, y = LINES - 2;

	if (d->ls.n_view) {
		dashboard_rows_get(&d->list, d->ls.view[d->ls.cursor], &row);
		r = &row;
	}

	n = snprintf(buf, sizeof buf, " %zu of %zu dialogs", d->ls.n_view, d->list.n);
	if (d->ls.filter[0])
		n += snprintf(buf + n, sizeof buf - (size_t)n, "  filter \"%s\"", d->ls.filter);
	if (d->ls.doomed_only)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "  doomed only");
	if (d->form.active) {
		char form[256];

		filter_form_describe(&d->form.applied, form, sizeof form);
		n += snprintf(buf + n, sizeof buf - (size_t)n, "  form %s", form);
	}
	if (d->save.n_marked)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "  %zu marked", d->save.n_marked);
	n += snprintf(buf + n, sizeof buf - (size_t)n, "  sort %s%s",
		      dialog_row_column(d->ls.sort_col)->title, d->ls.sort_rev ? " (reversed)" : "");
	if (r && r->doomed && r->teardown_expected != TS_NONE &&
	    (r->end_class == END_NONE || r->end_class == END_ACTIVE)) {
		time_text_format(r->teardown_expected, d->cfg->utc, TIME_TEXT_HMS_ZONE, when, sizeof when);
		time_text_countdown(r->teardown_expected - d->clock_us, left, sizeof left);
		snprintf(buf + n, sizeof buf - (size_t)n, "  | selected call will drop at %s (%s%s)",
			 when, left[0] == '-' ? "overdue " : "in ", left[0] == '-' ? left + 1 : left);
	} else if (r && r->at_risk && r->teardown_expected != TS_NONE &&
		   (r->end_class == END_NONE || r->end_class == END_ACTIVE)) {
		time_text_format(r->teardown_expected, d->cfg->utc, TIME_TEXT_HMS_ZONE, when, sizeof when);
		time_text_countdown(r->teardown_expected - d->clock_us, left, sizeof left);
		snprintf(buf + n, sizeof buf - (size_t)n,
			 "  | selected call AT RISK: a strict peer drops it at %s (%s%s)", when,
			 left[0] == '-' ? "overdue " : "in ", left[0] == '-' ? left + 1 : left);
	}
	/* the filter is the user's own typing, but it may hold anything: as wire */
	dashboard_wire(y, 0, COLS, buf, strlen(buf), colors_attr(COLOR_ROLE_TITLE), true);
}

static void screen_list_draw(struct dash *d)
{
	struct dialog_row_layout lay;
	int page = screen_list_page();

	dashboard_draw_header(d);
	columns_layout(&d->cols, d->save.n_marked ? 2 : 0, COLS, &lay);
	screen_list_titles(d, &lay);
	screen_list_keep_visible(d);
	for (int i = 0; i < page && d->ls.top + (size_t)i < d->ls.n_view; i++) {
		size_t k = d->ls.top + (size_t)i;
		struct dialog_record r;

		dashboard_rows_get(&d->list, d->ls.view[k], &r);
		screen_list_row(d, 2 + i, &r, &lay, k == d->ls.cursor);
	}
	if (d->ls.n_view == 0)
		dashboard_text(3, 2, COLS - 4,
			       d->list.n ? "no dialog matches (/ to change the filter, d for all)"
					 : "no dialogs yet",
			       colors_attr(COLOR_ROLE_DIM), false);
	screen_list_info(d);
	filter_form_draw(d);
	columns_draw(d);
	if (save_many_draw(d)) {
		/* the file-name prompt is on the bottom line */
	} else if (d->ls.prompting) {
		char p[DASH_FILTER_MAX + 16];

		snprintf(p, sizeof p, "/%s_", d->ls.prompt);
		dashboard_wire(LINES - 1, 0, COLS, p, strlen(p), colors_attr(COLOR_ROLE_PROMPT), true);
	} else {
		dashboard_draw_bottom(d, "q quit  Enter dialog  / filter  F7 form  d doomed-only  s < > sort  "
					 "r reverse  Space mark  w save  x flow  F10 columns  ? help");
	}
}

/* Typing at the filter prompt. */
static bool screen_list_prompt_key(struct dash *d, wint_t ch, bool fn)
{
	size_t len = strlen(d->ls.prompt);

	if ((!fn && (ch == '\r' || ch == '\n')) || (fn && ch == KEY_ENTER)) {
		snprintf(d->ls.filter, sizeof d->ls.filter, "%s", d->ls.prompt);
		d->ls.prompting = false;
		screen_list_search(d);
		screen_list_rebuild(d);
	} else if (!fn && ch == 27) {
		d->ls.prompting = false;
	} else if (!fn && ch == 21) { /* Ctrl-U */
		d->ls.prompt[0] = '\0';
	} else if ((fn && ch == KEY_BACKSPACE) || (!fn && (ch == 127 || ch == 8))) {
		while (len > 0 && ((unsigned char)d->ls.prompt[len - 1] & 0xc0) == 0x80)
			len--; /* a whole UTF-8 character */
		d->ls.prompt[len > 0 ? len - 1 : 0] = '\0';
	} else if (!fn && iswprint(ch)) {
		char mb[MB_LEN_MAX];
		mbstate_t st;
		size_t n;

		memset(&st, 0, sizeof st);
		n = wcrtomb(mb, (wchar_t)ch, &st);
		if (n != (size_t)-1 && len + n < sizeof d->ls.prompt) {
			memcpy(d->ls.prompt + len, mb, n);
			d->ls.prompt[len + n] = '\0';
		}
	}
	return true;
}

static void screen_list_sort_step(struct dash *d, int step)
{
	struct dialog_row_layout lay;
	int c = (int)d->ls.sort_col;

	columns_layout(&d->cols, d->save.n_marked ? 2 : 0, COLS, &lay);
	for (int i = 0; i < DIALOG_COL_COUNT; i++) {
		c = (c + step + DIALOG_COL_COUNT) % DIALOG_COL_COUNT;
		if (lay.w[c])
			break;
	}
	d->ls.sort_col = (enum dialog_col)c;
	screen_list_rebuild(d);
}

static bool screen_list_move(struct dash *d, wint_t ch)
{
	size_t page = (size_t)screen_list_page();

	switch (ch) {
	case KEY_UP:
		d->ls.cursor -= d->ls.cursor > 0;
		break;
	case KEY_DOWN:
		d->ls.cursor += d->ls.cursor + 1 < d->ls.n_view;
		break;
	case KEY_PPAGE:
		d->ls.cursor = d->ls.cursor > page ? d->ls.cursor - page : 0;
		break;
	case KEY_NPAGE:
		d->ls.cursor += page;
		break;
	case KEY_HOME:
		d->ls.cursor = 0;
		break;
	case KEY_END:
		d->ls.cursor = d->ls.n_view ? d->ls.n_view - 1 : 0;
		break;
	default:
		return false;
	}
	screen_list_keep_visible(d);
	return true;
}

static bool screen_list_key(struct dash *d, wint_t ch, bool fn)
{
	if (d->ls.prompting)
		return screen_list_prompt_key(d, ch, fn);
	/* issue 18 item 3: the overlays take every key while open */
	if (filter_form_key(d, ch, fn) || columns_key(d, ch, fn) || save_many_key(d, ch, fn)) {
		if (d->form.changed || d->col_edit.changed) {
			d->form.changed = d->col_edit.changed = false;
			screen_list_rebuild(d);
		}
		return true;
	}
	if ((fn && ch == KEY_F(7)) || (!fn && ch == 'F')) {
		filter_form_open(d);
		return true;
	}
	if ((fn && ch == KEY_F(10)) || (!fn && ch == 'C')) {
		columns_open(d);
		return true;
	}
	if (fn && ch == KEY_ENTER)
		ch = '\r';
	else if (fn)
		return screen_list_move(d, ch);
	d->status[0] = '\0';
	switch (ch) {
	case '\r':
	case '\n':
		if (d->ls.n_view == 0)
			return true;
		flow_merge_close(d);
		d->detail.dialog_id = d->list.v[d->ls.view[d->ls.cursor]].id;
		dashboard_switch(d, DASH_SCREEN_DIALOG);
		return true;
	case ' ':
		if (d->ls.n_view) {
			save_many_toggle(d, d->list.v[d->ls.view[d->ls.cursor]].id);
			screen_list_move(d, KEY_DOWN);
		}
		return true;
	case 'w':
		save_many_prompt(d);
		return true;
	case 'x':
		if (d->save.n_marked) {
			uint64_t ids[FLOW_MERGE_MAX];
			size_t n = save_many_ids(d, ids, FLOW_MERGE_MAX);

			flow_merge_open(d, ids, n, NULL);
		} else if (d->ls.n_view) {
			flow_merge_join(d, d->list.v[d->ls.view[d->ls.cursor]].id);
		}
		return true;
	case '/':
		d->ls.prompting = true;
		snprintf(d->ls.prompt, sizeof d->ls.prompt, "%s", d->ls.filter);
		return true;
	case 'd':
		d->ls.doomed_only = !d->ls.doomed_only;
		screen_list_rebuild(d);
		return true;
	case 's':
	case '>':
		screen_list_sort_step(d, 1);
		return true;
	case '<':
		screen_list_sort_step(d, -1);
		return true;
	case 'r':
		d->ls.sort_rev = !d->ls.sort_rev;
		screen_list_rebuild(d);
		return true;
	case 'o':
	case 'm':
	case 'M':
		if (ch == 'o')
			filter_form_toggle_reg_opt(d);
		else if (ch == 'm')
			filter_form_step_method(d);
		else
			filter_form_clear_method(d);
		d->form.changed = false;
		screen_list_rebuild(d);
		return true;
	case 'k':
		return screen_list_move(d, KEY_UP);
	case 'j':
		return screen_list_move(d, KEY_DOWN);
	default:
		return false;
	}
}

const struct dash_screen screen_list = {
	.name = "dialogs",
	.enter = NULL,
	.draw = screen_list_draw,
	.key = screen_list_key,
	.keys = screen_list_keys,
	.n_keys = sizeof screen_list_keys / sizeof screen_list_keys[0],
};
