/* dashboard_draw: the drawing helpers every screen uses and the two lines
 * every screen shares — the header bar (source, counters, clock) and the
 * bottom line (the one-shot status message, else the screen's hint).
 *
 * A leaf of the dashboard: it reads struct dash but calls nothing of the
 * loop (dashboard.c), the screens or the data files, so a screen can draw
 * without calling back up into the code that calls it. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <ncurses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ui/dashboard_int.h"

void dashboard_switch(struct dash *d, enum dash_screen_id id)
{
	d->switch_to = id;
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
	char buf[CELL_TEXT_FIT_CAP(DIALOG_ROW_MAX_WIDTH)];

	if (w <= 0 || y < 0 || y >= LINES)
		return;
	cell_text_fit(text ? text : "", text ? strlen(text) : 0, w, pad, buf, sizeof buf);
	dashboard_put(y, x, buf, attr);
}

void dashboard_wire(int y, int x, int w, const char *raw, size_t n, int attr, bool pad)
{
	char buf[CELL_TEXT_FIT_CAP(DIALOG_ROW_MAX_WIDTH)];

	if (w <= 0 || y < 0 || y >= LINES)
		return;
	cell_text_cell(raw ? raw : "", raw ? n : 0, w, pad, buf, sizeof buf);
	dashboard_put(y, x, buf, attr);
}

/* Writes one header segment at *x; false once the line is full. */
static bool dashboard_segment(int *x, int end, const char *text, int attr)
{
	int w = cell_text_width(text, strlen(text));

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
	/* calls: the list's REGISTER, OPTIONS ... entries are not counted here */
	*total = d->counters.dialogs_total > d->list.n_invite ? d->counters.dialogs_total
							       : d->list.n_invite;
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
	char clock[TIME_TEXT_MAX], src[64], buf[160];
	const char *state = c->input_failed     ? "input failed"
			    : c->input_finished ? "done"
			    : d->cfg->live      ? "live"
						: "reading";

	dashboard_text(0, 0, COLS, "", bar, true);
	time_text_format(d->clock_us, d->cfg->utc, COLS < 120 ? TIME_TEXT_HMS_ZONE : TIME_TEXT_FULL,
			clock, sizeof clock);
	end = COLS - cell_text_width(clock, strlen(clock)) - 1;
	dashboard_text(0, end, COLS - end, clock, bar, false);
	end -= 2;
	cell_text_cell(name, strlen(name), COLS < 120 ? 16 : 28, false, src, sizeof src);
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
	if (d->form.active || d->ls.filter[0] || d->ls.doomed_only) /* issue 18 */
		dashboard_segment(&x, end, "FILTERED", bar | (int)A_REVERSE);
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
