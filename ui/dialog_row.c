/* dialog_row: a dialog record and the clock → the fixed-width cells of the
 * main screen's list; the column table, sort and filter.  Every wire string
 * reaches a cell through cell_text_cell (sanitised, cut in display columns). */
#include "ui/dialog_row.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


static const struct dialog_col_info dialog_row_cols[DIALOG_COL_COUNT] = {
	[DIALOG_COL_STATE] = {"STATE", 6, 0, 0},
	/* "SUBSCRIBE" fits.  Dropped first: the default layout of every
	 * terminal narrower than all the columns stays as it was before the
	 * column came (the STATE words tell the entries apart); F10 or
	 * --columns brings it in at any width. */
	[DIALOG_COL_METHOD] = {"METHOD", 9, 0, 6},
	[DIALOG_COL_START] = {"START", 8, 0, 5},
	[DIALOG_COL_CALLID] = {"CALL-ID", 12, 0, 0},
	[DIALOG_COL_PARTIES] = {"FROM \xe2\x86\x92 TO", 19, 2, 0},
	[DIALOG_COL_AGENT] = {"USER AGENT", 12, 1, 4},
	[DIALOG_COL_TIMER] = {"SE/REF", 7, 0, 1},
	[DIALOG_COL_REFRESHED] = {"REFRESH", 8, 0, 2},
	[DIALOG_COL_TEARDOWN] = {"TEARDOWN", 9, 0, 0},
	[DIALOG_COL_END] = {"END", 14, 0, 3},
	[DIALOG_COL_FINDINGS] = {"FINDINGS", 22, 4, 0},
};

const struct dialog_col_info *dialog_row_column(enum dialog_col c)
{
	return (unsigned)c < DIALOG_COL_COUNT ? &dialog_row_cols[c] : NULL;
}

static int dialog_row_needed(const bool *shown)
{
	int sum = 0, n = 0;

	for (int c = 0; c < DIALOG_COL_COUNT; c++) {
		if (shown[c]) {
			sum += dialog_row_cols[c].width;
			n++;
		}
	}
	return n ? sum + n - 1 : 0;
}

/* Hides the column with the highest drop rank (the later one on a tie). */
static bool dialog_row_drop_one(bool *shown)
{
	int best = -1;

	for (int c = 0; c < DIALOG_COL_COUNT; c++) {
		if (shown[c] && dialog_row_cols[c].drop > 0 &&
		    (best < 0 || dialog_row_cols[c].drop >= dialog_row_cols[best].drop))
			best = c;
	}
	if (best < 0)
		return false;
	shown[best] = false;
	return true;
}

void dialog_row_layout(int width, struct dialog_row_layout *out)
{
	bool shown[DIALOG_COL_COUNT];
	int flex_sum = 0, spare, given = 0, x = 0, last_flex = -1;

	if (width > DIALOG_ROW_MAX_WIDTH)
		width = DIALOG_ROW_MAX_WIDTH;
	if (width < 0)
		width = 0;
	for (int c = 0; c < DIALOG_COL_COUNT; c++)
		shown[c] = true;
	while (dialog_row_needed(shown) > width && dialog_row_drop_one(shown))
		;
	spare = width - dialog_row_needed(shown);
	for (int c = 0; c < DIALOG_COL_COUNT; c++) {
		if (shown[c] && dialog_row_cols[c].flex) {
			flex_sum += dialog_row_cols[c].flex;
			last_flex = c;
		}
	}
	memset(out, 0, sizeof *out);
	for (int c = 0; c < DIALOG_COL_COUNT; c++) {
		int w = 0;

		if (!shown[c])
			continue;
		w = dialog_row_cols[c].width;
		if (spare > 0 && dialog_row_cols[c].flex) {
			int extra = c == last_flex ? spare - given
						   : spare * dialog_row_cols[c].flex / flex_sum;
			w += extra;
			given += extra;
		}
		if (x + w > width) /* narrower than the never-dropped columns */
			w = width - x > 0 ? width - x : 0;
		out->x[c] = x;
		out->w[c] = w;
		x += w + 1;
	}
	out->total = width;
}

void dialog_row_short_uri(const char *uri, char *buf, size_t n)
{
	const char *s = uri ? uri : "", *lt = strchr(s, '<'), *end;
	size_t len;

	if (n == 0)
		return;
	if (lt) {
		s = lt + 1;
		end = strchr(s, '>');
	} else {
		end = NULL;
	}
	if (!end)
		end = s + strlen(s);
	if (strncasecmp(s, "sips:", 5) == 0)
		s += 5;
	else if (strncasecmp(s, "sip:", 4) == 0 || strncasecmp(s, "tel:", 4) == 0)
		s += 4;
	len = strcspn(s, ";>?");
	if (s + len > end)
		len = (size_t)(end - s);
	/* drop the port: user@host is what people recognise */
	for (size_t i = len; i > 0; i--) {
		if (s[i - 1] == ':' && i < len) {
			len = i - 1;
			break;
		}
		if (s[i - 1] < '0' || s[i - 1] > '9')
			break;
	}
	if (len >= n)
		len = n - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
}

void dialog_row_codes(uint32_t finding_mask, char *buf, size_t n)
{
	size_t o = 0;

	if (n == 0)
		return;
	buf[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		for (int c = 0; c < FINDING_CODE_COUNT; c++) {
			enum severity sv = finding_code_severity((enum finding_code)c);
			bool doom = sv == SEVERITY_DOOM || sv == SEVERITY_RISK;
			int w;

			if (!(finding_mask & (1u << c)) || doom != (pass == 0))
				continue;
			w = snprintf(buf + o, n - o, "%s%s", o ? "," : "",
				     finding_code_name((enum finding_code)c));
			if (w < 0 || (size_t)w >= n - o) {
				buf[o] = '\0';
				return;
			}
			o += (size_t)w;
		}
	}
}

static const char *dialog_row_state_word(const struct dialog_record *d)
{
	const char *s = d->state ? d->state : "";

	if (strcmp(s, "confirmed") == 0)
		return "conf";
	if (strcmp(s, "terminated") == 0)
		return "ended";
	/* the entries outside INVITE dialogs (analyzer/method_track.c), in
	 * the column's six */
	if (strcmp(s, "registered") == 0)
		return "reg";
	if (strcmp(s, "unregistered") == 0)
		return "unreg";
	if (strcmp(s, "challenged") == 0)
		return "auth";
	if (strcmp(s, "answered") == 0)
		return "ok";
	if (strcmp(s, "no answer") == 0)
		return "noans";
	if (strcmp(s, "expired") == 0)
		return "exp";
	if (strcmp(s, "pending") == 0)
		return "pend";
	return s;
}

const char *dialog_row_method(const struct dialog_record *d)
{
	return d->method && *d->method ? d->method : "INVITE";
}

static void dialog_row_put(struct dialog_row *out, const struct dialog_row_layout *lay,
			   enum dialog_col c, const char *text)
{
	cell_text_cell(text, strlen(text), lay->w[c], true, out->cell[c], sizeof out->cell[c]);
}

static void dialog_row_parties(const struct dialog_record *d, char *buf, size_t n)
{
	char from[256], to[256];

	dialog_row_short_uri(d->from_uri, from, sizeof from);
	dialog_row_short_uri(d->to_uri, to, sizeof to);
	snprintf(buf, n, "%s \xe2\x86\x92 %s", from, to);
}

static void dialog_row_agents(const struct dialog_record *d, char *buf, size_t n)
{
	const char *a = d->caller_ua && *d->caller_ua ? d->caller_ua : "?";
	const char *b = d->callee_ua && *d->callee_ua ? d->callee_ua : "?";

	snprintf(buf, n, "%s / %s", a, b);
}

static void dialog_row_teardown(const struct dialog_record *d, int64_t clock_us, char *buf,
				size_t n)
{
	if (d->end_class != END_NONE && d->end_class != END_ACTIVE)
		snprintf(buf, n, "-");
	else if (d->teardown_expected == TS_NONE || clock_us == TS_NONE)
		snprintf(buf, n, "-");
	else
		time_text_countdown(d->teardown_expected - clock_us, buf, n);
}

void dialog_row_format(const struct dialog_record *d, int64_t clock_us, bool utc,
		       const struct dialog_row_layout *lay, struct dialog_row *out)
{
	char buf[1024];
	int64_t ref = d->ended != TS_NONE && (clock_us == TS_NONE || d->ended < clock_us) ? d->ended
											  : clock_us;
	const char *id = d->call_id ? d->call_id : "";

	out->ended = d->end_class != END_NONE && d->end_class != END_ACTIVE;
	out->doomed = d->doomed;
	out->recovered = d->recovered;
	out->at_risk = d->at_risk && !d->doomed;
	out->overdue = !out->ended && d->teardown_expected != TS_NONE && clock_us != TS_NONE &&
		       clock_us > d->teardown_expected;

	dialog_row_put(out, lay, DIALOG_COL_STATE, dialog_row_state_word(d));
	dialog_row_put(out, lay, DIALOG_COL_METHOD, dialog_row_method(d));
	time_text_format(d->created, utc, TIME_TEXT_HMS, buf, sizeof buf);
	dialog_row_put(out, lay, DIALOG_COL_START, buf);
	snprintf(buf, sizeof buf, "%.*s", (int)strcspn(id, "@"), id);
	dialog_row_put(out, lay, DIALOG_COL_CALLID, buf);
	dialog_row_parties(d, buf, sizeof buf);
	dialog_row_put(out, lay, DIALOG_COL_PARTIES, buf);
	dialog_row_agents(d, buf, sizeof buf);
	dialog_row_put(out, lay, DIALOG_COL_AGENT, buf);
	if (d->session_expires > 0)
		snprintf(buf, sizeof buf, "%lld/%s", (long long)d->session_expires,
			 dialog_refresher_name(d->refresher) ? dialog_refresher_name(d->refresher)
							     : "?");
	else
		snprintf(buf, sizeof buf, "-");
	dialog_row_put(out, lay, DIALOG_COL_TIMER, buf);
	if (d->last_refresh != TS_NONE && ref != TS_NONE)
		time_text_countdown(ref - d->last_refresh, buf, sizeof buf);
	else
		snprintf(buf, sizeof buf, "-");
	dialog_row_put(out, lay, DIALOG_COL_REFRESHED, buf);
	dialog_row_teardown(d, clock_us, buf, sizeof buf);
	dialog_row_put(out, lay, DIALOG_COL_TEARDOWN, buf);
	snprintf(buf, sizeof buf, "%s",
		 d->end_class != END_NONE ? end_class_name(d->end_class)
		 : out->at_risk		  ? "AT RISK"
					  : (d->recovered ? "recovered" : ""));
	dialog_row_put(out, lay, DIALOG_COL_END, buf);
	dialog_row_codes(d->finding_mask, buf, sizeof buf);
	dialog_row_put(out, lay, DIALOG_COL_FINDINGS, buf);
}

static int dialog_row_cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* Absent (TS_NONE) after every present value. */
static int dialog_row_cmp_ts(int64_t a, int64_t b)
{
	if (a == b)
		return 0;
	if (a == TS_NONE)
		return 1;
	if (b == TS_NONE)
		return -1;
	return a < b ? -1 : 1;
}

static int64_t dialog_row_age(const struct dialog_record *d, int64_t clock_us)
{
	int64_t ref = d->ended != TS_NONE && (clock_us == TS_NONE || d->ended < clock_us)
			      ? d->ended
			      : clock_us;

	return d->last_refresh == TS_NONE || ref == TS_NONE ? TS_NONE : ref - d->last_refresh;
}

static int64_t dialog_row_teardown_key(const struct dialog_record *d)
{
	bool ended = d->end_class != END_NONE && d->end_class != END_ACTIVE;

	return ended ? TS_NONE : d->teardown_expected;
}

static int dialog_row_popcount(uint32_t v)
{
	int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

static int dialog_row_cmp_col(const struct dialog_record *a, const struct dialog_record *b,
			      enum dialog_col col, int64_t clock_us)
{
	int r;

	switch (col) {
	case DIALOG_COL_STATE:
		return dialog_row_cmp_str(dialog_row_state_word(a), dialog_row_state_word(b));
	case DIALOG_COL_METHOD:
		return dialog_row_cmp_str(dialog_row_method(a), dialog_row_method(b));
	case DIALOG_COL_START:
		return dialog_row_cmp_ts(a->created, b->created);
	case DIALOG_COL_CALLID:
		return dialog_row_cmp_str(a->call_id, b->call_id);
	case DIALOG_COL_PARTIES:
		r = dialog_row_cmp_str(a->from_uri, b->from_uri);
		return r ? r : dialog_row_cmp_str(a->to_uri, b->to_uri);
	case DIALOG_COL_AGENT:
		r = dialog_row_cmp_str(a->caller_ua, b->caller_ua);
		return r ? r : dialog_row_cmp_str(a->callee_ua, b->callee_ua);
	case DIALOG_COL_TIMER:
		if (a->session_expires != b->session_expires)
			return a->session_expires < b->session_expires ? -1 : 1;
		return (int)a->refresher - (int)b->refresher;
	case DIALOG_COL_REFRESHED:
		return dialog_row_cmp_ts(dialog_row_age(a, clock_us), dialog_row_age(b, clock_us));
	case DIALOG_COL_TEARDOWN:
		return dialog_row_cmp_ts(dialog_row_teardown_key(a), dialog_row_teardown_key(b));
	case DIALOG_COL_END:
		return dialog_row_cmp_str(end_class_name(a->end_class), end_class_name(b->end_class));
	case DIALOG_COL_FINDINGS:
		if (a->doomed != b->doomed)
			return a->doomed ? -1 : 1;
		return dialog_row_popcount(b->finding_mask) - dialog_row_popcount(a->finding_mask);
	default:
		return 0;
	}
}

int dialog_row_compare(const struct dialog_record *a, const struct dialog_record *b,
		       enum dialog_col col, int64_t clock_us)
{
	int r = dialog_row_cmp_col(a, b, col, clock_us);

	if (r)
		return r < 0 ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

/* strcasestr without _GNU_SOURCE; ASCII case folding. */
static bool dialog_row_has(const char *hay, const char *needle)
{
	size_t nl = strlen(needle);

	if (!hay)
		return false;
	for (; *hay; hay++) {
		size_t i = 0;

		while (i < nl && hay[i] &&
		       tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == nl)
			return true;
	}
	return nl == 0;
}

bool dialog_row_matches(const struct dialog_record *d, const char *needle)
{
	const char *fields[] = {d->call_id,   d->from_uri,  d->to_uri, d->from_tag,
				d->to_tag,    d->caller_ua, d->callee_ua, d->state,
				end_class_name(d->end_class), d->method};
	char codes[1024];

	if (!needle || !*needle)
		return true;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (dialog_row_has(fields[i], needle))
			return true;
	}
	dialog_row_codes(d->finding_mask, codes, sizeof codes);
	return dialog_row_has(codes, needle) || (d->doomed && dialog_row_has("doomed", needle));
}
