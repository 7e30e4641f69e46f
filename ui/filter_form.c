/* filter_form: the F7 filter form — matching (pure) and the overlay that
 * edits it.  Up/Down/Tab move between fields, typing edits the field, Space
 * on the last one toggles it, Ctrl-U erases the field, Enter applies, Esc
 * cancels.  Typed text is drawn through sanitize (dashboard_wire): it may be
 * pasted wire text. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include "ui/filter_form.h"

#include <limits.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "common/xalloc.h"
#include "db/query_hop.h"
#include "ui/dashboard_int.h"

static const char *const filter_form_labels[FILTER_FIELD_COUNT] = {
	[FILTER_FIELD_METHOD] = "method", [FILTER_FIELD_SRC] = "source",
	[FILTER_FIELD_DST] = "destination", [FILTER_FIELD_FROM] = "from",
	[FILTER_FIELD_TO] = "to", [FILTER_FIELD_CODE] = "finding code",
	[FILTER_FIELD_RISKY] = "at risk or doomed only",
	[FILTER_FIELD_NO_REG_OPT] = "hide REGISTER and OPTIONS",
};

/* The order 'm' steps through: the methods sngrep lists, calls first. */
static const char *const filter_form_methods[] = {
	"INVITE", "REGISTER", "OPTIONS", "SUBSCRIBE", "NOTIFY",
	"REFER",  "MESSAGE",  "PUBLISH", "INFO",
};
#define FILTER_FORM_N_METHODS (sizeof filter_form_methods / sizeof filter_form_methods[0])

const char *filter_form_label(enum filter_form_field f)
{
	return (unsigned)f < FILTER_FIELD_COUNT ? filter_form_labels[f] : "";
}

bool filter_form_active(const struct filter_form *f)
{
	for (int i = 0; i < FILTER_FIELD_TEXT_COUNT; i++) {
		if (f->text[i][0])
			return true;
	}
	return f->risky || f->no_reg_opt;
}

bool filter_form_needs_messages(const struct filter_form *f)
{
	return f->text[FILTER_FIELD_METHOD][0] || f->text[FILTER_FIELD_SRC][0] ||
	       f->text[FILTER_FIELD_DST][0];
}

static char filter_form_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ASCII case-insensitive substring; an empty needle matches anything. */
static bool filter_form_has(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (!n)
		return true;
	if (!hay)
		return false;
	for (; *hay; hay++) {
		size_t i = 0;

		while (i < n && hay[i] && filter_form_lower(hay[i]) == filter_form_lower(needle[i]))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* ASCII case-insensitive equality. */
static bool filter_form_same(const char *a, const char *b)
{
	while (*a && filter_form_lower(*a) == filter_form_lower(*b)) {
		a++;
		b++;
	}
	return *a == *b;
}

bool filter_form_matches_method(const struct filter_form *f, const struct dialog_record *r)
{
	const char *want = f->text[FILTER_FIELD_METHOD];

	return !want[0] || filter_form_same(dialog_row_method(r), want);
}

const char *filter_form_next_method(const char *cur)
{
	if (!cur || !cur[0])
		return filter_form_methods[0];
	for (size_t i = 0; i < FILTER_FORM_N_METHODS; i++) {
		if (filter_form_same(cur, filter_form_methods[i]))
			return i + 1 < FILTER_FORM_N_METHODS ? filter_form_methods[i + 1] : "";
	}
	return filter_form_methods[0];
}

bool filter_form_matches_row(const struct filter_form *f, const struct dialog_record *r)
{
	char codes[512];
	const char *m = dialog_row_method(r);

	if (f->risky && !r->doomed && !r->at_risk)
		return false;
	if (f->no_reg_opt && (strcmp(m, "REGISTER") == 0 || strcmp(m, "OPTIONS") == 0))
		return false;
	if (!filter_form_has(r->from_uri, f->text[FILTER_FIELD_FROM]) ||
	    !filter_form_has(r->to_uri, f->text[FILTER_FIELD_TO]))
		return false;
	if (f->text[FILTER_FIELD_CODE][0]) {
		dialog_row_codes(r->finding_mask, codes, sizeof codes);
		if (!filter_form_has(codes, f->text[FILTER_FIELD_CODE]))
			return false;
	}
	return true;
}

bool filter_form_matches_hop(const struct filter_form *f, const char *src, const char *dst,
			     bool has_method)
{
	if (f->text[FILTER_FIELD_METHOD][0] && !has_method)
		return false;
	return filter_form_has(src, f->text[FILTER_FIELD_SRC]) &&
	       filter_form_has(dst, f->text[FILTER_FIELD_DST]);
}

void filter_form_describe(const struct filter_form *f, char *buf, size_t n)
{
	static const char *const keys[FILTER_FIELD_TEXT_COUNT] = {"method", "src", "dst",
								  "from", "to", "code"};
	size_t o = 0;

	if (n)
		buf[0] = '\0';
	for (int i = 0; i < FILTER_FIELD_TEXT_COUNT && o < n; i++) {
		int w;

		if (!f->text[i][0])
			continue;
		w = snprintf(buf + o, n - o, "%s%s=%s", o ? " " : "", keys[i], f->text[i]);
		o += w > 0 ? (size_t)w : 0;
	}
	if (f->risky && o < n) {
		int w = snprintf(buf + o, n - o, "%srisky", o ? " " : "");

		o += w > 0 ? (size_t)w : 0;
	}
	if (f->no_reg_opt && o < n)
		snprintf(buf + o, n - o, "%sno REGISTER/OPTIONS", o ? " " : "");
}

/* ---- the dashboard's form ---- */

static int filter_form_id_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return (a > b) - (a < b);
}

static void filter_form_on_hop(void *ctx, uint64_t id, const char *src, const char *dst,
			       bool has_method)
{
	struct filter_form_state *s = ctx;

	if (!filter_form_matches_hop(&s->applied, src, dst, has_method))
		return;
	if (s->n_ids == s->cap_ids) {
		s->cap_ids = s->cap_ids ? s->cap_ids * 2 : 256;
		s->ids = xrealloc(s->ids, s->cap_ids * sizeof *s->ids);
	}
	s->ids[s->n_ids++] = id;
}

bool filter_form_shows(const struct dash *d, const struct dialog_record *r)
{
	const struct filter_form_state *s = &d->form;

	if (!filter_form_matches_row(&s->applied, r))
		return false;
	if (!filter_form_needs_messages(&s->applied))
		return true;
	/* by method alone, the entry's own method does (live ones too) */
	if (!s->applied.text[FILTER_FIELD_SRC][0] && !s->applied.text[FILTER_FIELD_DST][0] &&
	    filter_form_matches_method(&s->applied, r))
		return true;
	return s->n_ids && bsearch(&r->id, s->ids, s->n_ids, sizeof *s->ids, filter_form_id_cmp);
}

void filter_form_open(struct dash *d)
{
	d->form.edit = d->form.applied;
	d->form.open = true;
	d->form.field = 0;
}

/* Puts s->applied in force: the db asked once for the message fields. */
static void filter_form_use(struct dash *d)
{
	struct filter_form_state *s = &d->form;

	s->n_ids = 0;
	if (filter_form_needs_messages(&s->applied)) {
		if (db_each_dialog_hop(d->reader, d->capture_id, s->applied.text[FILTER_FIELD_METHOD],
				       filter_form_on_hop, s) < 0) {
			dashboard_set_status(d, true, "filter: %s", db_reader_error(d->reader));
			s->n_ids = 0;
		} else if (s->n_ids > 1) {
			qsort(s->ids, s->n_ids, sizeof *s->ids, filter_form_id_cmp);
		}
	}
	s->active = filter_form_active(&s->applied);
	s->changed = true; /* screen_list rebuilds its view */
}

static void filter_form_apply(struct dash *d)
{
	struct filter_form_state *s = &d->form;
	char desc[FILTER_FIELD_TEXT_COUNT * (FILTER_FORM_TEXT_MAX + 8) + 40];

	s->applied = s->edit;
	s->open = false;
	filter_form_use(d);
	filter_form_describe(&s->applied, desc, sizeof desc);
	if (!d->status[0] || !d->status_error)
		dashboard_set_status(d, false, "%s", desc[0] ? "filter form applied" : "filter form cleared");
}

void filter_form_toggle_reg_opt(struct dash *d)
{
	d->form.applied.no_reg_opt = !d->form.applied.no_reg_opt;
	/* a row field: the ids of the message fields stay as they are */
	d->form.active = filter_form_active(&d->form.applied);
	d->form.changed = true;
	dashboard_set_status(d, false, "REGISTER and OPTIONS %s",
			     d->form.applied.no_reg_opt ? "hidden (o shows them)" : "shown");
}

static void filter_form_set_method(struct dash *d, const char *method)
{
	char *field = d->form.applied.text[FILTER_FIELD_METHOD];

	snprintf(field, FILTER_FORM_TEXT_MAX, "%s", method);
	filter_form_use(d);
	if (d->status_error && d->status[0])
		return; /* the db's error stays on the bottom line */
	if (field[0])
		dashboard_set_status(d, false, "method %s only (m: the next, M: every method)", field);
	else
		dashboard_set_status(d, false, "every method");
}

void filter_form_step_method(struct dash *d)
{
	filter_form_set_method(d, filter_form_next_method(d->form.applied.text[FILTER_FIELD_METHOD]));
}

void filter_form_clear_method(struct dash *d)
{
	filter_form_set_method(d, "");
}

void filter_form_draw(struct dash *d)
{
	const struct filter_form_state *s = &d->form;
	int w = 78, x = (COLS - w) / 2, y = 4, box = colors_attr(COLOR_ROLE_PROMPT);

	if (!s->open)
		return;
	dashboard_text(y, x, w, " Filter (F7): Up/Down field  Enter apply  Esc cancel  Ctrl-U erase",
		       box | (int)A_BOLD, true);
	for (int i = 0; i < FILTER_FIELD_COUNT; i++) {
		char line[FILTER_FORM_TEXT_MAX + 40];
		bool here = i == s->field;

		if (i < FILTER_FIELD_TEXT_COUNT)
			snprintf(line, sizeof line, "  %-14s %s%s", filter_form_labels[i], s->edit.text[i],
				 here ? "_" : "");
		else
			snprintf(line, sizeof line, "  [%c] %s (Space)",
				 (i == FILTER_FIELD_RISKY ? s->edit.risky : s->edit.no_reg_opt) ? 'x' : ' ',
				 filter_form_labels[i]);
		/* the fields hold whatever was typed or pasted: as wire text */
		dashboard_wire(y + 1 + i, x, w, line, strlen(line),
			       here ? colors_attr(COLOR_ROLE_SELECTED) : box, true);
	}
	dashboard_text(y + 1 + FILTER_FIELD_COUNT, x, w,
		       "  method: its own or a request of it in the dialog; source/destination: its first message",
		       box, true);
}

static void filter_form_type(char *field, wint_t ch)
{
	size_t len = strlen(field);
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;

	memset(&st, 0, sizeof st);
	n = wcrtomb(mb, (wchar_t)ch, &st);
	if (n != (size_t)-1 && len + n < FILTER_FORM_TEXT_MAX) {
		memcpy(field + len, mb, n);
		field[len + n] = '\0';
	}
}

static void filter_form_erase_char(char *field)
{
	size_t len = strlen(field);

	while (len > 0 && ((unsigned char)field[len - 1] & 0xc0) == 0x80)
		len--; /* a whole UTF-8 character */
	field[len > 0 ? len - 1 : 0] = '\0';
}

bool filter_form_key(struct dash *d, wint_t ch, bool fn)
{
	struct filter_form_state *s = &d->form;
	char *field = s->field < FILTER_FIELD_TEXT_COUNT ? s->edit.text[s->field] : NULL;
	bool *box = s->field == FILTER_FIELD_RISKY ? &s->edit.risky : &s->edit.no_reg_opt;

	if (!s->open)
		return false;
	d->dirty = true;
	if (fn) {
		if (ch == KEY_UP || ch == KEY_BTAB)
			s->field = (s->field + FILTER_FIELD_COUNT - 1) % FILTER_FIELD_COUNT;
		else if (ch == KEY_DOWN)
			s->field = (s->field + 1) % FILTER_FIELD_COUNT;
		else if (ch == KEY_ENTER)
			filter_form_apply(d);
		else if (ch == KEY_BACKSPACE && field)
			filter_form_erase_char(field);
		return true;
	}
	if (ch == '\r' || ch == '\n') {
		filter_form_apply(d);
	} else if (ch == 27) {
		s->open = false; /* the applied form stays as it was */
		dashboard_set_status(d, false, "filter form unchanged");
	} else if (ch == '\t') {
		s->field = (s->field + 1) % FILTER_FIELD_COUNT;
	} else if (ch == 21) { /* Ctrl-U */
		if (field)
			field[0] = '\0';
		else
			*box = false;
	} else if (ch == 127 || ch == 8) {
		if (field)
			filter_form_erase_char(field);
	} else if (!field) {
		if (ch == ' ' || ch == 'x')
			*box = !*box;
	} else if (iswprint(ch)) {
		filter_form_type(field, ch);
	}
	return true;
}

void filter_form_free(struct filter_form_state *s)
{
	free(s->ids);
	s->ids = NULL;
	s->n_ids = s->cap_ids = 0;
}
