/* ladder: messages → host columns and arrow rows, timer instants → marks.
 *
 * Everything drawn here is ASCII or our own box-drawing glyphs: methods are
 * SIP tokens and addresses are ip:port, so any other byte from the db is
 * replaced by '?' before it is placed (the renderer never sees wire text). */
#include "ui/ladder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"
#include "ui/dialog_row.h"

static const struct ladder_finding_info ladder_infos[FINDING_CODE_COUNT] = {
	[FINDING_REFRESH_2XX_NO_SESSION_EXPIRES] = {"no Session-Expires", "Session-Expires", NULL},
	[FINDING_REFRESH_2XX_NO_CONTACT] = {"no Contact", "Contact", NULL},
	[FINDING_REFRESH_2XX_MALFORMED] = {"malformed 2xx", NULL, NULL},
	[FINDING_REFRESH_UNANSWERED] = {"unanswered", NULL, NULL},
	[FINDING_RESPONSE_NOT_RELAYED] = {"not relayed", NULL, NULL},
	[FINDING_REFRESH_REJECTED] = {"rejected", NULL, NULL},
	[FINDING_REFRESH_OVERDUE] = {"refresh overdue", NULL, NULL},
	[FINDING_REFRESH_REINVITE_NO_ACK] = {"never ACKed", NULL, NULL},
	[FINDING_REFRESHER_UAC_UNSUPPORTED] = {"UAC made refresher without timer", NULL,
					       "Session-Expires"},
	[FINDING_TIMER_TEARDOWN] = {"torn down by the timer", NULL, NULL},
	[FINDING_SESSION_EXPIRED] = {"session expired", NULL, NULL},
	[FINDING_REFRESH_2XX_NO_REQUIRE_TIMER] = {"no Require: timer", "Require", NULL},
	[FINDING_INTERVAL_TOO_SMALL] = {"interval too small", NULL, "Session-Expires,Min-SE"},
	[FINDING_SE_HEADER_MALFORMED] = {"bad Session-Expires/Min-SE", NULL,
					 "Session-Expires,Min-SE"},
	[FINDING_SE_2XX_INCREASED] = {"interval raised", NULL, "Session-Expires"},
	[FINDING_SE_2XX_NO_REFRESHER] = {"no refresher", NULL, "Session-Expires"},
	[FINDING_REFRESH_LATE] = {"late refresh", NULL, NULL},
	[FINDING_BYE_NEAR_DEADLINE_UNEXPLAINED] = {"BYE near deadline", NULL, NULL},
	[FINDING_CONTENT_LENGTH_MALFORMED] = {"bad Content-Length", NULL, "Content-Length"},
};

static const char *const ladder_mark_names[] = {
	[LADDER_MARK_REFRESH_DUE] = "refresh due",
	[LADDER_MARK_TEARDOWN] = "teardown expected",
	[LADDER_MARK_DEADLINE] = "deadline",
	[LADDER_MARK_NOW] = "now",
};

/* Glyphs: UTF-8 box drawing, or ASCII. */
enum ladder_glyph { G_SPACE, G_LIFE, G_LINE, G_RIGHT, G_LEFT, G_DOT, G_SELF, G_COUNT };
static const char *const ladder_glyphs[2][G_COUNT] = {
	{" ", "\xe2\x94\x82", "\xe2\x94\x80", "\xe2\x96\xb6", "\xe2\x97\x80", "\xe2\x94\x84",
	 "\xe2\x86\xba"},
	{" ", "|", "-", ">", "<", ".", "@"},
};

const struct ladder_finding_info *ladder_finding_info(enum finding_code c)
{
	static const struct ladder_finding_info none = {"finding", NULL, NULL};

	return (unsigned)c < FINDING_CODE_COUNT ? &ladder_infos[c] : &none;
}

/* Keeps only bytes of a SIP token / address; the rest become '?'. */
static void ladder_token(const char *s, const char *allowed, char *buf, size_t n)
{
	size_t o = 0;

	for (; s && *s && o + 1 < n; s++) {
		unsigned char c = (unsigned char)*s;
		bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c && strchr(allowed, c));
		buf[o++] = ok ? (char)c : '?';
	}
	buf[o] = '\0';
}

static int ladder_host(struct ladder *l, int max_hosts, const char *addr)
{
	char clean[ENDPOINT_STR_MAX];

	ladder_token(addr, ".:[]%", clean, sizeof clean);
	for (int i = 0; i < l->n_hosts; i++) {
		if (strcmp(l->hosts[i], clean) == 0)
			return i;
	}
	if (l->n_hosts < max_hosts) {
		snprintf(l->hosts[l->n_hosts], sizeof l->hosts[0], "%s", clean);
		return l->n_hosts++;
	}
	/* No room: the last column stands for every other host. */
	snprintf(l->hosts[max_hosts - 1], sizeof l->hosts[0], "(others)");
	return max_hosts - 1;
}

static bool ladder_is_request(const struct message_record *m)
{
	return m->method != NULL;
}

/* CSeq of the dialog's initial INVITE: the first INVITE request seen. */
static bool ladder_initial_cseq(const struct ladder_input *in, uint32_t *cseq)
{
	for (size_t i = 0; i < in->n_msgs; i++) {
		const struct message_record *m = &in->msgs[i];

		if (ladder_is_request(m) && strcmp(m->method, "INVITE") == 0) {
			*cseq = m->cseq;
			return true;
		}
	}
	return false;
}

/* RFC 4028 §10: any re-INVITE or UPDATE inside the dialog refreshes. */
static bool ladder_is_refresh(const struct message_record *m, bool have_initial, uint32_t initial)
{
	const char *method = ladder_is_request(m) ? m->method : m->cseq_method;

	if (!method)
		return false;
	if (strcmp(method, "UPDATE") == 0)
		return true;
	return strcmp(method, "INVITE") == 0 && have_initial && m->cseq != initial;
}

static void ladder_append(char *buf, size_t n, bool first, const char *text)
{
	size_t len = strlen(buf);

	snprintf(buf + len, n - len, "%s%s", first ? "" : ", ", text);
}

/* Findings that point at message m make its outcome and note. */
static void ladder_notes(const struct ladder_input *in, const struct message_record *m,
			 struct ladder_row *r)
{
	const char *cross = in->ascii ? "x " : "\xe2\x9c\x97 ";
	const char *tick = in->ascii ? "ok " : "\xe2\x9c\x93 ";
	bool doom = false, any = false;

	r->note[0] = '\0';
	for (size_t i = 0; i < in->n_findings; i++) {
		const struct finding_record *f = &in->findings[i];

		if (f->message_id == 0 || f->message_id != m->id)
			continue;
		if (!any)
			snprintf(r->note, sizeof r->note, "%s", cross);
		doom |= f->severity == SEVERITY_DOOM;
		ladder_append(r->note, sizeof r->note, !any, ladder_finding_info(f->code)->note);
		any = true;
	}
	if (any) {
		r->outcome = doom ? LADDER_OUTCOME_FAILED : LADDER_OUTCOME_WARNED;
		return;
	}
	if (!r->refresh)
		return;
	if (ladder_is_request(m)) {
		snprintf(r->note, sizeof r->note, "%s",
			 m->retransmission ? "retransmission" : "refresh");
	} else if (m->status >= 200 && m->status < 300) {
		r->outcome = LADDER_OUTCOME_OK;
		snprintf(r->note, sizeof r->note, "%srefreshed", tick);
	} else if (m->status >= 300) {
		snprintf(r->note, sizeof r->note, "%snot refreshed", cross);
		r->outcome = LADDER_OUTCOME_WARNED;
	}
}

static void ladder_label(const struct message_record *m, char *buf, size_t n)
{
	char tok[LADDER_LABEL_MAX - 16];

	if (ladder_is_request(m)) {
		ladder_token(m->method, "-.!%*_+`'~", tok, sizeof tok);
		snprintf(buf, n, "%s", tok);
	} else {
		ladder_token(m->cseq_method ? m->cseq_method : "?", "-.!%*_+`'~", tok, sizeof tok);
		snprintf(buf, n, "%d %s", m->status, tok);
	}
}

static void ladder_add_mark(struct ladder *l, enum ladder_mark mark, int64_t ts)
{
	struct ladder_row *r;

	if (ts == TS_NONE)
		return;
	r = &l->rows[l->n_rows++];
	memset(r, 0, sizeof *r);
	r->kind = LADDER_ROW_MARK;
	r->mark = mark;
	r->ts_us = ts;
	r->from = r->to = -1;
	snprintf(r->label, sizeof r->label, "%s", ladder_mark_names[mark]);
}

static void ladder_marks(const struct ladder_input *in, struct ladder *l)
{
	const struct dialog_record *d = in->dialog;
	bool up;

	if (!d)
		return;
	up = d->end_class == END_NONE || d->end_class == END_ACTIVE;
	if (d->session_expires > 0) {
		int64_t base = d->last_refresh != TS_NONE ? d->last_refresh : d->established;

		if (base != TS_NONE)
			ladder_add_mark(l, LADDER_MARK_REFRESH_DUE,
					base + d->session_expires * USEC_PER_SEC / 2);
		ladder_add_mark(l, LADDER_MARK_TEARDOWN, d->teardown_expected);
		ladder_add_mark(l, LADDER_MARK_DEADLINE, d->deadline);
	}
	if (up && in->clock_us != TS_NONE)
		ladder_add_mark(l, LADDER_MARK_NOW, in->clock_us);
}

/* Time order; at equal times a message comes before a mark, and the input
 * order (already by time) holds among messages. */
static int ladder_cmp(const void *pa, const void *pb)
{
	const struct ladder_row *a = pa, *b = pb;

	if (a->ts_us != b->ts_us)
		return a->ts_us < b->ts_us ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind == LADDER_ROW_MESSAGE ? -1 : 1;
	if (a->kind == LADDER_ROW_MESSAGE)
		return a->msg < b->msg ? -1 : a->msg > b->msg;
	return (int)a->mark - (int)b->mark;
}

static void ladder_place_hosts(struct ladder *l)
{
	int spacing = l->n_hosts ? l->width / l->n_hosts : l->width;

	for (int i = 0; i < l->n_hosts; i++)
		l->host_x[i] = spacing / 2 + i * spacing;
}

void ladder_build(const struct ladder_input *in, struct ladder *out)
{
	int max_hosts = in->width / LADDER_MIN_SPACING;
	uint32_t initial = 0;
	bool have_initial = ladder_initial_cseq(in, &initial);

	memset(out, 0, sizeof *out);
	out->width = in->width > DIALOG_ROW_MAX_WIDTH ? DIALOG_ROW_MAX_WIDTH : in->width;
	out->ascii = in->ascii;
	if (max_hosts > LADDER_MAX_HOSTS)
		max_hosts = LADDER_MAX_HOSTS;
	if (max_hosts < 1)
		max_hosts = 1;
	out->rows = xcalloc(in->n_msgs + 4, sizeof *out->rows);
	for (size_t i = 0; i < in->n_msgs; i++) {
		const struct message_record *m = &in->msgs[i];
		struct ladder_row *r = &out->rows[out->n_rows++];

		r->kind = LADDER_ROW_MESSAGE;
		r->ts_us = m->ts_us;
		r->msg = i;
		r->from = ladder_host(out, max_hosts, m->src);
		r->to = ladder_host(out, max_hosts, m->dst);
		r->retransmission = m->retransmission;
		r->refresh = ladder_is_refresh(m, have_initial, initial);
		ladder_label(m, r->label, sizeof r->label);
		ladder_notes(in, m, r);
	}
	ladder_marks(in, out);
	qsort(out->rows, out->n_rows, sizeof *out->rows, ladder_cmp);
	ladder_place_hosts(out);
}

void ladder_free(struct ladder *l)
{
	free(l->rows);
	memset(l, 0, sizeof *l);
}

size_t ladder_row_of_message(const struct ladder *l, size_t msg)
{
	for (size_t i = 0; i < l->n_rows; i++) {
		if (l->rows[i].kind == LADDER_ROW_MESSAGE && l->rows[i].msg == msg)
			return i;
	}
	return l->n_rows;
}

/* One glyph per column; labels (ASCII) overwrite glyphs. */
struct ladder_canvas {
	unsigned char glyph[DIALOG_ROW_MAX_WIDTH];
	char text[DIALOG_ROW_MAX_WIDTH]; /* nonzero: an ASCII character instead of the glyph */
	int width;
};

static void ladder_canvas_init(struct ladder_canvas *c, const struct ladder *l, bool lifelines)
{
	c->width = l->width;
	memset(c->glyph, G_SPACE, sizeof c->glyph);
	memset(c->text, 0, sizeof c->text);
	for (int i = 0; lifelines && i < l->n_hosts; i++) {
		if (l->host_x[i] < c->width)
			c->glyph[l->host_x[i]] = G_LIFE;
	}
}

/* Writes text centred in [x0, x1), cut to fit with one blank each side. */
static void ladder_canvas_label(struct ladder_canvas *c, int x0, int x1, const char *text)
{
	int room = x1 - x0 - 2, len = (int)strlen(text), x;

	if (room <= 0)
		return;
	if (len > room)
		len = room;
	x = x0 + 1 + (room - len) / 2;
	c->text[x - 1] = ' ';
	for (int i = 0; i < len && x + i < c->width; i++)
		c->text[x + i] = text[i];
	if (x + len < c->width)
		c->text[x + len] = ' ';
}

static void ladder_canvas_emit(const struct ladder_canvas *c, bool ascii, char *buf, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return;
	for (int x = 0; x < c->width; x++) {
		const char *g = ladder_glyphs[ascii][c->glyph[x]];
		size_t len = c->text[x] ? 1 : strlen(g);

		if (o + len + 1 > cap)
			break;
		if (c->text[x])
			buf[o] = c->text[x];
		else
			memcpy(buf + o, g, len);
		o += len;
	}
	buf[o] = '\0';
}

static void ladder_draw_arrow(struct ladder_canvas *c, const struct ladder *l,
			      const struct ladder_row *r)
{
	int a = l->host_x[r->from], b = l->host_x[r->to];
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (a == b) { /* to itself (or within "(others)") */
		if (a + 1 < c->width)
			c->glyph[a + 1] = G_SELF;
		ladder_canvas_label(c, a + 1, c->width, r->label);
		return;
	}
	for (int x = lo + 1; x < hi; x++)
		c->glyph[x] = G_LINE;
	/* the label sits between the arrow head and the other lifeline */
	if (a < b) {
		c->glyph[b - 1] = G_RIGHT;
		ladder_canvas_label(c, lo + 1, hi - 1, r->label);
	} else {
		c->glyph[b + 1] = G_LEFT;
		ladder_canvas_label(c, lo + 2, hi, r->label);
	}
}

void ladder_render(const struct ladder *l, size_t row, char *buf, size_t cap)
{
	struct ladder_canvas c;
	const struct ladder_row *r;

	if (row >= l->n_rows) {
		ladder_canvas_init(&c, l, true);
		ladder_canvas_emit(&c, l->ascii, buf, cap);
		return;
	}
	r = &l->rows[row];
	ladder_canvas_init(&c, l, r->kind == LADDER_ROW_MESSAGE);
	if (r->kind == LADDER_ROW_MARK) {
		for (int x = 0; x < c.width; x++)
			c.glyph[x] = G_DOT;
		ladder_canvas_label(&c, 0, c.width, r->label);
	} else if (r->from >= 0 && r->to >= 0) {
		ladder_draw_arrow(&c, l, r);
	}
	ladder_canvas_emit(&c, l->ascii, buf, cap);
}

void ladder_render_hosts(const struct ladder *l, char *buf, size_t cap)
{
	struct ladder_canvas c;
	int spacing = l->n_hosts ? l->width / l->n_hosts : l->width;

	ladder_canvas_init(&c, l, false);
	for (int i = 0; i < l->n_hosts; i++) {
		int len = (int)strlen(l->hosts[i]), x;
		const char *name = l->hosts[i];

		if (len > spacing - 1) { /* keep the port end: it tells legs apart */
			name += len - (spacing - 1);
			len = spacing - 1;
		}
		x = l->host_x[i] - len / 2;
		if (x < 0)
			x = 0;
		for (int k = 0; k < len && x + k < c.width; k++)
			c.text[x + k] = name[k];
	}
	ladder_canvas_emit(&c, l->ascii, buf, cap);
}
