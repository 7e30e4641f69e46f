/* screen_dialog: one dialog — the ladder diagram with its timer instants,
 * the findings in plain words with the predicted teardown, and the selected
 * message's full text (sanitised) with the missing or offending headers
 * called out.  `w` saves the dialog's messages as a pcap in the cwd. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <limits.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "ui/dashboard_int.h"
#include "ui/evidence_pcap.h"
#include "ui/sanitize.h"

#define SCREEN_DIALOG_TIME_W 12 /* "14:32:05.011" */
#define SCREEN_DIALOG_MAX_FINDINGS 4

static const struct dash_key screen_dialog_keys[] = {
	{"Up Down", "select a message on the ladder"},
	{"Home End", "first / last message"},
	{"PgUp PgDn", "scroll the message text"},
	{"w", "save this dialog's messages as sipwatch-<call-id>.pcap in the current directory"},
	{"x", "combined flow: find this call's other legs (X-CID, icid, Replaces ...) and join them"},
	{"Esc  q", "back to the dialog list"},
	{"?", "help"},
};

/* Rows of each part of the screen for the current terminal size. */
struct screen_dialog_geom {
	int ladder_y, ladder_h;
	int findings_y, findings_h;
	int sep_y;
	int text_y, text_h;
	int note_w, diagram_w;
};

static void screen_dialog_geom(const struct dash *d, struct screen_dialog_geom *g)
{
	size_t nf = d->detail.n_findings;
	int avail = LINES - 4; /* header, title, hosts, bottom */

	g->findings_h = nf ? (int)(nf > SCREEN_DIALOG_MAX_FINDINGS ? SCREEN_DIALOG_MAX_FINDINGS : nf)
			   : 1;
	g->ladder_y = 3;
	g->ladder_h = (avail - g->findings_h - 1) * 55 / 100;
	if (g->ladder_h < 5)
		g->ladder_h = 5;
	g->findings_y = g->ladder_y + g->ladder_h;
	g->sep_y = g->findings_y + g->findings_h;
	g->text_y = g->sep_y + 1;
	g->text_h = LINES - 1 - g->text_y;
	g->note_w = COLS >= 120 ? 34 : COLS >= 100 ? 24 : 18;
	g->diagram_w = COLS - SCREEN_DIALOG_TIME_W - 1 - g->note_w - 1;
}

/* The message a doom finding points at first, else the first message. */
static size_t screen_dialog_first_pick(const struct dash_detail *t)
{
	for (size_t f = 0; f < t->n_findings; f++) {
		if (t->findings[f].severity != SEVERITY_DOOM || !t->findings[f].message_id)
			continue;
		for (size_t i = 0; i < t->n_msgs; i++) {
			if (t->msgs[i].id == t->findings[f].message_id)
				return i;
		}
	}
	return 0;
}

static void screen_dialog_enter(struct dash *d)
{
	if (flow_merge_load(d, d->detail.dialog_id) == DASH_LOAD_FAILED)
		dashboard_set_status(d, true, "db: %s", db_reader_error(d->reader));
	d->ds.ladder_width = -1;
	d->ds.msg_sel = screen_dialog_first_pick(&d->detail);
	d->ds.ladder_top = 0;
	d->ds.ladder_center = true;
	d->ds.text_top = 0;
}

static void screen_dialog_relayout(struct dash *d, const struct screen_dialog_geom *g)
{
	struct ladder_input in = {
		.msgs = d->detail.msgs,
		.n_msgs = d->detail.n_msgs,
		.findings = d->detail.findings,
		.n_findings = d->detail.n_findings,
		.dialog = d->detail.have_dialog ? &d->detail.dialog.r : NULL,
		.clock_us = d->clock_us,
		.width = g->diagram_w,
		.ascii = d->ascii,
	};

	if (d->ds.ladder_width == g->diagram_w)
		return;
	ladder_free(&d->ds.ladder);
	ladder_build(&in, &d->ds.ladder);
	d->ds.ladder_width = g->diagram_w;
	if (d->ds.msg_sel >= d->detail.n_msgs)
		d->ds.msg_sel = d->detail.n_msgs ? d->detail.n_msgs - 1 : 0;
}

static void screen_dialog_title(struct dash *d)
{
	const struct dialog_record *r = d->detail.have_dialog ? &d->detail.dialog.r : NULL;
	char buf[512], when[TIME_TEXT_MAX], left[TIME_TEXT_DURATION_MAX];
	int x = 0, w;

	if (d->flow.n) { /* several dialogs: flow_merge.c */
		flow_merge_title(d);
		return;
	}
	if (!r) {
		dashboard_text(1, 0, COLS, "dialog no longer in the db", colors_attr(COLOR_ROLE_DIM), true);
		return;
	}
	w = COLS / 3;
	dashboard_text(1, 0, 9, "Call-ID: ", A_BOLD, false);
	cell_text_cell(r->call_id, r->call_id ? strlen(r->call_id) : 0, w, false, buf, sizeof buf);
	dashboard_text(1, 9, w, buf, A_BOLD, false);
	x = 9 + cell_text_width(buf, strlen(buf)) + 2;
	if (r->doomed && r->teardown_expected != TS_NONE) {
		bool up = r->end_class == END_NONE || r->end_class == END_ACTIVE;

		time_text_format(r->teardown_expected, d->cfg->utc, TIME_TEXT_HMS_ZONE, when, sizeof when);
		time_text_countdown(r->teardown_expected - d->clock_us, left, sizeof left);
		if (up)
			snprintf(buf, sizeof buf, "DOOMED: this call will drop at %s (%s%s)", when,
				 left[0] == '-' ? "overdue " : "in ", left[0] == '-' ? left + 1 : left);
		else
			snprintf(buf, sizeof buf, "DOOMED: teardown expected %s; ended %s", when,
				 end_class_name(r->end_class) ? end_class_name(r->end_class) : "");
		dashboard_text(1, x, COLS - x, buf, colors_attr(COLOR_ROLE_DOOMED), false);
	} else {
		snprintf(buf, sizeof buf, "not doomed%s  %s%s", r->recovered ? " (recovered)" : "",
			 end_class_name(r->end_class) ? end_class_name(r->end_class) : "still up",
			 r->session_expires > 0 ? "" : "  (no session timer)");
		dashboard_text(1, x, COLS - x, buf, colors_attr(COLOR_ROLE_OK), false);
	}
}

static int screen_dialog_row_attr(const struct dash *d, const struct ladder_row *lr, bool sel)
{
	if (sel)
		return colors_attr(COLOR_ROLE_SELECTED);
	if (lr->kind == LADDER_ROW_MARK)
		return lr->mark == LADDER_MARK_TEARDOWN && d->detail.have_dialog &&
				       d->detail.dialog.r.doomed
			       ? colors_attr(COLOR_ROLE_DOOMED)
			       : colors_attr(COLOR_ROLE_MARK);
	if (lr->outcome == LADDER_OUTCOME_FAILED)
		return colors_attr(COLOR_ROLE_DOOMED);
	if (lr->retransmission)
		return colors_attr(COLOR_ROLE_DIM);
	if (lr->outcome == LADDER_OUTCOME_WARNED)
		return colors_attr(COLOR_ROLE_WARNING);
	if (lr->outcome == LADDER_OUTCOME_OK)
		return colors_attr(COLOR_ROLE_OK);
	return colors_attr(COLOR_ROLE_NORMAL);
}

static void screen_dialog_ladder(struct dash *d, const struct screen_dialog_geom *g)
{
	char buf[CELL_TEXT_FIT_CAP(DIALOG_ROW_MAX_WIDTH)], t[TIME_TEXT_MAX];
	const struct ladder *l = &d->ds.ladder;
	size_t sel = ladder_row_of_message(l, d->ds.msg_sel);
	int x = SCREEN_DIALOG_TIME_W + 1, nx = x + g->diagram_w + 1;

	ladder_render_hosts(l, buf, sizeof buf);
	dashboard_text(2, x, g->diagram_w, buf, colors_attr(COLOR_ROLE_TITLE), false);
	if (sel < l->n_rows && d->ds.ladder_center) {
		/* first view: what led to the selection above it, what follows below */
		d->ds.ladder_top = sel > (size_t)g->ladder_h / 3 ? sel - (size_t)g->ladder_h / 3 : 0;
		d->ds.ladder_center = false;
	}
	if (sel < l->n_rows) {
		/* keep the selection in view, a little context below it */
		if (sel < d->ds.ladder_top)
			d->ds.ladder_top = sel;
		if (sel + 2 >= d->ds.ladder_top + (size_t)g->ladder_h)
			d->ds.ladder_top = sel + 3 - (size_t)g->ladder_h;
		if (d->ds.ladder_top + (size_t)g->ladder_h > l->n_rows)
			d->ds.ladder_top = l->n_rows > (size_t)g->ladder_h ? l->n_rows - (size_t)g->ladder_h : 0;
		if (sel < d->ds.ladder_top)
			d->ds.ladder_top = sel;
	}
	for (int i = 0; i < g->ladder_h; i++) {
		size_t k = d->ds.ladder_top + (size_t)i;
		const struct ladder_row *lr;
		int attr;

		if (k >= l->n_rows) {
			ladder_render(l, l->n_rows, buf, sizeof buf); /* bare lifelines */
			dashboard_text(g->ladder_y + i, x, g->diagram_w, buf, colors_attr(COLOR_ROLE_DIM), false);
			continue;
		}
		lr = &l->rows[k];
		attr = screen_dialog_row_attr(d, lr, k == sel);
		time_text_format(lr->ts_us, d->cfg->utc, TIME_TEXT_HMS_MS, t, sizeof t);
		dashboard_text(g->ladder_y + i, 0, SCREEN_DIALOG_TIME_W + 1, t,
			       k == sel ? attr : colors_attr(COLOR_ROLE_DIM), true);
		ladder_render(l, k, buf, sizeof buf);
		dashboard_text(g->ladder_y + i, x, g->diagram_w, buf, attr, false);
		dashboard_text(g->ladder_y + i, nx, g->note_w, lr->note,
			       lr->kind == LADDER_ROW_MARK ? attr : screen_dialog_row_attr(d, lr, false), false);
	}
}

static void screen_dialog_findings(struct dash *d, const struct screen_dialog_geom *g)
{
	const struct dash_detail *t = &d->detail;
	char buf[1024], ts[TIME_TEXT_MAX];

	if (t->n_findings == 0) {
		dashboard_text(g->findings_y, 0, COLS, "no findings: the session timer behaved",
			       colors_attr(COLOR_ROLE_OK), true);
		return;
	}
	for (int i = 0; i < g->findings_h && (size_t)i < t->n_findings; i++) {
		const struct finding_record *f = &t->findings[i];
		int attr = f->severity == SEVERITY_DOOM ? colors_attr(COLOR_ROLE_DOOMED)
			   : f->severity == SEVERITY_WARNING ? colors_attr(COLOR_ROLE_WARNING)
							      : colors_attr(COLOR_ROLE_NORMAL);

		if (i == g->findings_h - 1 && t->n_findings > (size_t)g->findings_h) {
			snprintf(buf, sizeof buf, "... and %zu more finding(s)",
				 t->n_findings - (size_t)i);
			dashboard_text(g->findings_y + i, 0, COLS, buf, attr, true);
			break;
		}
		time_text_format(f->ts_us, d->cfg->utc, TIME_TEXT_HMS_MS, ts, sizeof ts);
		/* detail and agent are wire text: the whole line goes through sanitize */
		snprintf(buf, sizeof buf, "%s %-7s %-30s %s  %s%s%s%s: %s",
			 f->severity == SEVERITY_DOOM ? (d->ascii ? "x" : "\xe2\x9c\x97") : "!",
			 severity_name(f->severity), finding_code_name(f->code), ts, f->endpoint,
			 f->agent ? " (" : "", f->agent ? f->agent : "", f->agent ? ")" : "",
			 f->detail ? f->detail : "");
		dashboard_wire(g->findings_y + i, 0, COLS, buf, strlen(buf), attr, true);
	}
}

/* Appends each name of a comma list to out once. */
static void screen_dialog_add_names(char *out, size_t n, const char *list)
{
	char name[64];

	while (list && *list) {
		size_t len = strcspn(list, ",");

		snprintf(name, sizeof name, "%.*s", (int)len, list);
		if (!strstr(out, name))
			snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? ", " : "", name);
		list += len + (list[len] == ',');
	}
}

/* Missing and offending headers of message m, from the findings pointing at it. */
static void screen_dialog_faults(const struct dash_detail *t, const struct message_record *m,
				 char *missing, char *offending, size_t n)
{
	missing[0] = offending[0] = '\0';
	for (size_t i = 0; i < t->n_findings; i++) {
		const struct ladder_finding_info *info;

		if (t->findings[i].message_id != m->id || !m->id)
			continue;
		info = ladder_finding_info(t->findings[i].code);
		screen_dialog_add_names(missing, n, info->missing);
		screen_dialog_add_names(offending, n, info->offending);
	}
}

/* Is header line (name: value) one of the names in list?  Compact forms too. */
static bool screen_dialog_line_named(const char *line, size_t len, const char *list)
{
	static const char *const compact[][2] = {{"x", "Session-Expires"}, {"m", "Contact"}};
	size_t nl = 0;

	while (nl < len && line[nl] != ':' && line[nl] != ' ' && line[nl] != '\t')
		nl++;
	if (nl == 0 || nl == len)
		return false;
	for (size_t c = 0; c < sizeof compact / sizeof compact[0]; c++) {
		if (nl == 1 && strncasecmp(line, compact[c][0], 1) == 0 && strstr(list, compact[c][1]))
			return true;
	}
	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");

		while (*p == ' ')
			p++, k--;
		if (k == nl && strncasecmp(p, line, nl) == 0)
			return true;
		p += k;
		p += *p == ',';
	}
	return false;
}

/* Wire text wrapped over at most max_lines rows from y, indented; returns the next row. */
static int screen_dialog_wrap(int y, int y_end, int max_lines, const char *raw, int attr)
{
	char line[CELL_TEXT_FIT_CAP(DIALOG_ROW_MAX_WIDTH)];
	size_t len = strlen(raw), cap = sanitize_text_len(raw, len) + 1, n, o = 0;
	char *clean = xmalloc(cap);
	int width = COLS - 4;

	n = sanitize_text(raw, len, clean, cap);
	for (int i = 0; i < max_lines && o < n && y < y_end; i++) {
		size_t k = cell_text_prefix(clean + o, n - o, width, true);

		if (i == max_lines - 1 || y == y_end - 1) {
			/* the last row: the rest, cut with an ellipsis if it does not fit */
			cell_text_fit(clean + o, n - o, width, false, line, sizeof line);
			dashboard_text(y++, 4, width, line, attr, false);
			break;
		}
		if (k >= sizeof line)
			k = sizeof line - 1;
		memcpy(line, clean + o, k);
		line[k] = '\0';
		dashboard_text(y++, 4, width, line, attr, false);
		o += k;
		while (o < n && clean[o] == ' ')
			o++;
	}
	free(clean);
	return y;
}

static int screen_dialog_lines(const char *raw, size_t n)
{
	int lines = 1;

	for (const char *p = raw; p && (p = memchr(p, '\n', (size_t)(raw + n - p))) != NULL; p++)
		lines += lines < INT_MAX;
	return lines;
}

static void screen_dialog_message(struct dash *d, const struct screen_dialog_geom *g)
{
	const struct dash_detail *t = &d->detail;
	const struct message_record *m;
	char buf[1024], ts[TIME_TEXT_MAX], missing[256], offending[256];
	const char *raw, *end, *p;
	int y = g->text_y, skip;
	bool in_body = false;

	if (t->n_msgs == 0) {
		dashboard_text(g->sep_y, 0, COLS, "no messages stored for this dialog",
			       colors_attr(COLOR_ROLE_DIM), true);
		return;
	}
	m = &t->msgs[d->ds.msg_sel];
	time_text_format(m->ts_us, d->cfg->utc, TIME_TEXT_HMS_MS, ts, sizeof ts);
	snprintf(buf, sizeof buf, "message %zu/%zu  %s  %s -> %s  %s%s  (PgUp/PgDn scroll)",
		 d->ds.msg_sel + 1, t->n_msgs, ts, m->src, m->dst, transport_name(m->transport),
		 m->retransmission ? "  retransmission" : "");
	dashboard_wire(g->sep_y, 0, COLS, buf, strlen(buf), colors_attr(COLOR_ROLE_TITLE), true);
	screen_dialog_faults(t, m, missing, offending, sizeof missing);
	if (missing[0] && y < LINES - 1) {
		snprintf(buf, sizeof buf, "!! missing: %s", missing);
		dashboard_text(y++, 0, COLS, buf, colors_attr(COLOR_ROLE_DOOMED), true);
	}
	if (offending[0] && y < LINES - 1) {
		snprintf(buf, sizeof buf, "!! at fault: %s", offending);
		dashboard_text(y++, 0, COLS, buf, colors_attr(COLOR_ROLE_DOOMED), true);
	}
	/* the findings about this message in full: what is wrong and what will happen */
	for (size_t i = 0; i < t->n_findings && y < LINES - 4; i++) {
		const struct finding_record *f = &t->findings[i];

		if (!m->id || f->message_id != m->id)
			continue;
		snprintf(buf, sizeof buf, "%s: %s", finding_code_name(f->code), f->detail ? f->detail : "");
		y = screen_dialog_wrap(y, LINES - 4, 3, buf,
				       f->severity == SEVERITY_DOOM ? colors_attr(COLOR_ROLE_DOOMED)
								    : colors_attr(COLOR_ROLE_WARNING));
	}
	raw = (const char *)m->raw;
	end = raw + m->raw_len;
	if (d->ds.text_top > screen_dialog_lines(raw, m->raw_len) - 1)
		d->ds.text_top = screen_dialog_lines(raw, m->raw_len) - 1;
	if (d->ds.text_top < 0)
		d->ds.text_top = 0;
	skip = d->ds.text_top;
	for (p = raw; p < end && y < LINES - 1;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		size_t shown = len && p[len - 1] == '\r' ? len - 1 : len;
		int attr = in_body ? colors_attr(COLOR_ROLE_DIM) : colors_attr(COLOR_ROLE_NORMAL);

		if (!in_body && shown > 0 && offending[0] && screen_dialog_line_named(p, shown, offending))
			attr = colors_attr(COLOR_ROLE_DOOMED);
		if (shown == 0)
			in_body = true;
		if (skip > 0)
			skip--;
		else
			dashboard_wire(y++, 0, COLS, p, shown, attr, false);
		p += len + (nl != NULL);
	}
}

static void screen_dialog_draw(struct dash *d)
{
	struct screen_dialog_geom g;

	screen_dialog_geom(d, &g);
	screen_dialog_relayout(d, &g);
	dashboard_draw_header(d);
	screen_dialog_title(d);
	screen_dialog_ladder(d, &g);
	screen_dialog_findings(d, &g);
	screen_dialog_message(d, &g);
	dashboard_draw_bottom(d, "Up/Down message  PgUp/PgDn text  w save pcap  Esc back  ? help");
}

static void screen_dialog_save(struct dash *d)
{
	const struct dash_detail *t = &d->detail;
	char name[EVIDENCE_PCAP_NAME_MAX], cwd[PATH_MAX], err[512];
	size_t frames;

	if (t->n_msgs == 0) {
		dashboard_set_status(d, true, "nothing to save: no messages stored for this dialog");
		return;
	}
	evidence_pcap_file_name(t->msgs[0].call_id ? t->msgs[0].call_id
			       : t->have_dialog    ? t->dialog.r.call_id
						   : NULL,
			       name, sizeof name);
	if (!evidence_pcap_save(name, t->msgs, t->n_msgs, &frames, err, sizeof err)) {
		dashboard_set_status(d, true, "cannot save: %s", err);
		return;
	}
	if (!getcwd(cwd, sizeof cwd))
		snprintf(cwd, sizeof cwd, ".");
	dashboard_set_status(d, false, "wrote %zu packet(s) to %s/%s%s", frames, cwd, name,
			     frames < t->n_msgs ? " (some addresses could not be framed)" : "");
}

static bool screen_dialog_key(struct dash *d, wint_t ch, bool fn)
{
	size_t n = d->detail.n_msgs;

	if (fn) {
		switch (ch) {
		case KEY_UP:
			d->ds.msg_sel -= d->ds.msg_sel > 0;
			d->ds.text_top = 0;
			return true;
		case KEY_DOWN:
			d->ds.msg_sel += d->ds.msg_sel + 1 < n;
			d->ds.text_top = 0;
			return true;
		case KEY_HOME:
			d->ds.msg_sel = 0;
			d->ds.text_top = 0;
			return true;
		case KEY_END:
			d->ds.msg_sel = n ? n - 1 : 0;
			d->ds.text_top = 0;
			return true;
		case KEY_PPAGE:
			d->ds.text_top = d->ds.text_top > 10 ? d->ds.text_top - 10 : 0;
			return true;
		case KEY_NPAGE:
			d->ds.text_top += d->ds.text_top < 100000 ? 10 : 0;
			return true;
		default:
			return false;
		}
	}
	switch (ch) {
	case 27:
	case 'q':
		flow_merge_close(d);
		dashboard_switch(d, DASH_SCREEN_LIST);
		return true;
	case 'x':
		flow_merge_join(d, d->detail.dialog_id);
		return true;
	case 'w':
		screen_dialog_save(d);
		return true;
	case 'k':
		return screen_dialog_key(d, KEY_UP, true);
	case 'j':
		return screen_dialog_key(d, KEY_DOWN, true);
	default:
		return false;
	}
}

const struct dash_screen screen_dialog = {
	.name = "dialog",
	.enter = screen_dialog_enter,
	.draw = screen_dialog_draw,
	.key = screen_dialog_key,
	.keys = screen_dialog_keys,
	.n_keys = sizeof screen_dialog_keys / sizeof screen_dialog_keys[0],
};
