/* flow_merge: finding the legs of one call and showing them as one ladder.
 *
 * The combined flow is loaded into the dialog screen's own data (d->detail)
 * with the first dialog as its row (its timer marks), so the ladder, the
 * message text, the findings and `w` work on it unchanged. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include "ui/flow_merge.h"

#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"
#include "ui/dashboard_int.h"

/* ---- correlation values (pure) ---- */

static bool flow_merge_name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

static bool flow_merge_add(struct flow_merge_value *out, size_t *n, size_t max, const char *header,
			   const char *v, size_t len, bool is_call_id)
{
	while (len && (*v == ' ' || *v == '\t' || *v == '"')) {
		v++;
		len--;
	}
	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '"' ||
		       v[len - 1] == '\r'))
		len--;
	/* short values ("1", "abc") would join unrelated calls by chance */
	if (len < 4 || len >= FLOW_MERGE_VALUE_MAX || *n >= max)
		return false;
	for (size_t i = 0; i < *n; i++) {
		if (strlen(out[i].value) == len && memcmp(out[i].value, v, len) == 0)
			return false;
	}
	out[*n].header = header;
	memcpy(out[*n].value, v, len);
	out[*n].value[len] = '\0';
	out[*n].is_call_id = is_call_id;
	(*n)++;
	return true;
}

/* The first case-insensitive occurrence of key in s[0..n), or NULL. */
static const char *flow_merge_find(const char *s, size_t n, const char *key)
{
	size_t k = strlen(key);

	for (size_t i = 0; i + k <= n; i++) {
		if (strncasecmp(s + i, key, k) == 0)
			return s + i;
	}
	return NULL;
}

static int flow_merge_hex(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* Refer-To: <sip:b@h?Replaces=abc%40host%3Bto-tag%3D1...>: the escaped Call-ID. */
static void flow_merge_refer_to(const char *v, size_t len, struct flow_merge_value *out, size_t *n,
				size_t max)
{
	const char *p = flow_merge_find(v, len, "Replaces=");
	char id[FLOW_MERGE_VALUE_MAX];
	size_t o = 0;

	if (!p)
		return;
	p += strlen("Replaces=");
	while (p < v + len && *p != ';' && *p != '&' && *p != '>' && o + 1 < sizeof id) {
		if (*p == '%' && p + 2 < v + len && flow_merge_hex(p[1]) >= 0 &&
		    flow_merge_hex(p[2]) >= 0) {
			char c = (char)(flow_merge_hex(p[1]) * 16 + flow_merge_hex(p[2]));

			if (c == ';')
				break; /* "%3B": the tags follow */
			id[o++] = c;
			p += 3;
		} else {
			id[o++] = *p++;
		}
	}
	flow_merge_add(out, n, max, "Refer-To Replaces", id, o, true);
}

static void flow_merge_header(const char *name, size_t nlen, const char *v, size_t len,
			      struct flow_merge_value *out, size_t *n, size_t max)
{
	static const char *const call_id_headers[] = {"X-CID", "X-Call-ID", "X-Orig-Call-ID",
						      "X-Original-Call-ID"};

	for (size_t i = 0; i < sizeof call_id_headers / sizeof call_id_headers[0]; i++) {
		if (flow_merge_name_is(name, nlen, call_id_headers[i])) {
			flow_merge_add(out, n, max, call_id_headers[i], v, len, true);
			return;
		}
	}
	if (flow_merge_name_is(name, nlen, "P-Charging-Vector")) {
		/* RFC 7315 §4.6: icid-value = "icid-value" EQUAL gen-value */
		const char *p = flow_merge_find(v, len, "icid-value=");

		if (p) {
			p += strlen("icid-value=");
			flow_merge_add(out, n, max, "P-Charging-Vector icid-value", p,
				       strcspn(p, ";,\r\n") < (size_t)(v + len - p)
					       ? strcspn(p, ";,\r\n")
					       : (size_t)(v + len - p),
				       false);
		}
	} else if (flow_merge_name_is(name, nlen, "Replaces")) {
		/* RFC 3891 §6.1: Replaces = callid *(SEMI replaces-param) */
		size_t cut = 0;

		while (cut < len && v[cut] != ';')
			cut++;
		flow_merge_add(out, n, max, "Replaces", v, cut, true);
	} else if (flow_merge_name_is(name, nlen, "Refer-To") || flow_merge_name_is(name, nlen, "r")) {
		flow_merge_refer_to(v, len, out, n, max);
	}
}

size_t flow_merge_values(const uint8_t *raw, size_t header_len, struct flow_merge_value *out,
			 size_t max)
{
	const char *s = (const char *)raw, *end = s + header_len;
	size_t n = 0;

	if (!raw)
		return 0;
	/* the start line first: skip it */
	while (s < end && *s != '\n')
		s++;
	while (s < end) {
		const char *line = ++s, *colon, *eol;
		size_t nlen;

		while (s < end && *s != '\n')
			s++;
		eol = s;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon || line == eol || *line == ' ' || *line == '\t')
			continue; /* no header, or a folded line */
		nlen = (size_t)(colon - line);
		while (nlen && (line[nlen - 1] == ' ' || line[nlen - 1] == '\t'))
			nlen--;
		flow_merge_header(line, nlen, colon + 1, (size_t)(eol - colon - 1), out, &n, max);
	}
	return n;
}

static int flow_merge_cmp(const void *pa, const void *pb)
{
	const struct message_record *a = pa, *b = pb;

	if (a->ts_us != b->ts_us)
		return a->ts_us < b->ts_us ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

void flow_merge_sort(struct message_record *msgs, size_t n)
{
	if (n > 1)
		qsort(msgs, n, sizeof *msgs, flow_merge_cmp);
}

void flow_merge_user(const char *uri, char *buf, size_t n)
{
	char s[256];
	size_t at;

	dialog_row_short_uri(uri ? uri : "", s, sizeof s);
	at = strcspn(s, "@");
	if (s[at] != '@')
		at = 0; /* no user part */
	snprintf(buf, n, "%.*s", (int)at, s);
}

/* ---- loading ---- */

struct flow_merge_load {
	struct message_record **v;
	size_t *n, *cap;
};

/* Each message deep-copied (dashboard_data_copy_message) into the list. */
static void flow_merge_on_message(void *ctx, const struct message_record *m)
{
	struct flow_merge_load *k = ctx;

	if (*k->n == *k->cap) {
		*k->cap = *k->cap ? *k->cap * 2 : 32;
		*k->v = xrealloc(*k->v, *k->cap * sizeof **k->v);
	}
	dashboard_data_copy_message(&(*k->v)[(*k->n)++], m);
}

bool flow_merge_collect(struct dash *d, const uint64_t *ids, size_t n,
			struct message_record **msgs, size_t *n_msgs, size_t *cap)
{
	struct flow_merge_load k = {msgs, n_msgs, cap};
	size_t first = *n_msgs;

	for (size_t i = 0; i < n; i++) {
		if (db_each_message(d->reader, ids[i], flow_merge_on_message, &k) < 0) {
			dashboard_set_status(d, true, "db: %s", db_reader_error(d->reader));
			return false;
		}
	}
	flow_merge_sort(*msgs + first, *n_msgs - first);
	return true;
}

static uint64_t flow_merge_count(const struct dash *d)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < d->flow.n; i++) {
		struct dialog_record r;

		sum += dashboard_data_find(d, d->flow.ids[i], &r) ? r.n_messages : 0;
	}
	return sum;
}

static void flow_merge_load_detail(struct dash *d)
{
	struct dash_detail *t = &d->detail;
	struct dialog_record rec;
	const struct dialog_record *first = dashboard_data_find(d, d->flow.ids[0], &rec) ? &rec : NULL;

	dashboard_data_detail_clear(t);
	t->dialog_id = d->flow.ids[0];
	t->fingerprint = 0;
	if (first) {
		struct dashboard_feed_row row;

		dashboard_feed_copy(&row, first);
		t->dialog.r = row.r;
		t->dialog.strings = row.strings;
		t->have_dialog = true;
	}
	if (!flow_merge_collect(d, d->flow.ids, d->flow.n, &t->msgs, &t->n_msgs, &t->cap_msgs))
		return;
	for (size_t i = 0; i < d->flow.n; i++) {
		if (db_each_finding(d->reader, d->flow.ids[i], dashboard_data_on_finding, t) < 0) {
			dashboard_set_status(d, true, "db: %s", db_reader_error(d->reader));
			return;
		}
	}
	d->flow.loaded_msgs = flow_merge_count(d);
}

bool flow_merge_reload(struct dash *d)
{
	if (flow_merge_count(d) == d->flow.loaded_msgs && d->detail.n_msgs >= d->flow.loaded_msgs)
		return false;
	flow_merge_load_detail(d);
	return true;
}

enum dash_load flow_merge_load(struct dash *d, uint64_t dialog_id)
{
	if (!d->flow.n)
		return dashboard_data_load_detail(d, dialog_id);
	return flow_merge_reload(d) ? DASH_LOAD_CHANGED : DASH_LOAD_SAME;
}

/* Whether dialog a started before b (unknown ones last, then by id). */
static bool flow_merge_before(const struct dash *d, uint64_t a, uint64_t b)
{
	struct dialog_record x, y;
	int64_t ta = dashboard_data_find(d, a, &x) && x.created != TS_NONE ? x.created : INT64_MAX;
	int64_t tb = dashboard_data_find(d, b, &y) && y.created != TS_NONE ? y.created : INT64_MAX;

	return ta != tb ? ta < tb : a < b;
}

void flow_merge_open(struct dash *d, const uint64_t *ids, size_t n, const char *how)
{
	if (n > FLOW_MERGE_MAX)
		n = FLOW_MERGE_MAX;
	memcpy(d->flow.ids, ids, n * sizeof *ids);
	d->flow.n = n;
	/* the first leg first: its row gives the ladder's timer marks */
	for (size_t i = 1; i < n; i++) {
		for (size_t k = i; k > 0 && flow_merge_before(d, d->flow.ids[k], d->flow.ids[k - 1]); k--) {
			uint64_t t = d->flow.ids[k];

			d->flow.ids[k] = d->flow.ids[k - 1];
			d->flow.ids[k - 1] = t;
		}
	}
	d->flow.loaded_msgs = UINT64_MAX; /* load on entering */
	snprintf(d->flow.how, sizeof d->flow.how, "%s", how ? how : "");
	d->detail.dialog_id = ids[0];
	d->detail.fingerprint = 0;
	dashboard_switch(d, DASH_SCREEN_DIALOG);
	dashboard_set_status(d, false, "combined flow of %zu dialogs%s%s (Esc back)", n,
			     how && *how ? ", joined by " : "", how ? how : "");
}

void flow_merge_close(struct dash *d)
{
	if (!d->flow.n)
		return;
	d->flow.n = 0;
	/* the single dialog loads afresh */
	dashboard_data_detail_clear(&d->detail);
	d->detail.fingerprint = 0;
	d->ds.ladder_width = -1;
}

void flow_merge_title(struct dash *d)
{
	char buf[1024];
	size_t o;

	o = (size_t)snprintf(buf, sizeof buf, "combined flow of %zu dialogs:", d->flow.n);
	for (size_t i = 0; i < d->flow.n && o < sizeof buf; i++) {
		struct dialog_record r;
		bool have = dashboard_data_find(d, d->flow.ids[i], &r);
		int w = snprintf(buf + o, sizeof buf - o, "%s %s", i ? " +" : "",
				 have && r.call_id ? r.call_id : "?");

		o += w > 0 ? (size_t)w : 0;
	}
	if (d->flow.how[0] && o < sizeof buf)
		snprintf(buf + o, sizeof buf - o, "  (by %s)", d->flow.how);
	/* Call-IDs are wire text */
	dashboard_wire(1, 0, COLS, buf, strlen(buf), A_BOLD, true);
}

/* ---- joining legs ---- */

struct flow_merge_join {
	struct dash *d;
	uint64_t ids[FLOW_MERGE_MAX];
	size_t n;
	char how[96];
	struct flow_merge_value values[FLOW_MERGE_VALUES_MAX];
	size_t n_values;
};

static bool flow_merge_join_add(struct flow_merge_join *j, uint64_t id, const char *how)
{
	for (size_t i = 0; i < j->n; i++) {
		if (j->ids[i] == id)
			return false;
	}
	if (j->n >= FLOW_MERGE_MAX)
		return false;
	j->ids[j->n++] = id;
	if (how && !strstr(j->how, how)) {
		size_t o = strlen(j->how);

		snprintf(j->how + o, sizeof j->how - o, "%s%s", o ? ", " : "", how);
	}
	return true;
}

static void flow_merge_on_join_message(void *ctx, const struct message_record *m)
{
	struct flow_merge_join *j = ctx;

	j->n_values += flow_merge_values(m->raw, m->header_len ? m->header_len : m->raw_len,
					 j->values + j->n_values,
					 FLOW_MERGE_VALUES_MAX - j->n_values);
}

struct flow_merge_hit {
	struct flow_merge_join *j;
	const char *how;
};

static void flow_merge_on_hit(void *ctx, uint64_t id)
{
	struct flow_merge_hit *h = ctx;

	flow_merge_join_add(h->j, id, h->how);
}

static void flow_merge_by_call_id(struct flow_merge_join *j, const char *call_id, const char *how)
{
	const struct dash_list *l = &j->d->list;

	for (size_t i = 0; i < l->n; i++) {
		struct dialog_record r;

		dashboard_rows_get(l, i, &r);
		if (r.call_id && strcmp(r.call_id, call_id) == 0)
			flow_merge_join_add(j, r.id, how);
	}
}

/* Dialogs whose messages carry needle: the other leg names this one's Call-ID. */
static bool flow_merge_by_text(struct flow_merge_join *j, const char *needle, const char *how)
{
	struct flow_merge_hit h = {j, how};

	return db_each_dialog_matching(j->d->reader, j->d->capture_id, needle, flow_merge_on_hit,
				       &h) >= 0;
}

/* No header joins them: same From and To user parts, starting close together. */
static void flow_merge_by_numbers(struct flow_merge_join *j, const struct dialog_record *r)
{
	const struct dash_list *l = &j->d->list;
	char from[128], to[128], f2[128], t2[128];

	flow_merge_user(r->from_uri, from, sizeof from);
	flow_merge_user(r->to_uri, to, sizeof to);
	if (!from[0] || !to[0] || r->created == TS_NONE)
		return;
	for (size_t i = 0; i < l->n; i++) {
		struct dialog_record row;
		const struct dialog_record *o = &row;
		int64_t gap;

		dashboard_rows_get(l, i, &row);
		gap = o->created - r->created;
		if (o->id == r->id || o->created == TS_NONE ||
		    (gap < 0 ? -gap : gap) > FLOW_MERGE_NUMBERS_WINDOW_US)
			continue;
		flow_merge_user(o->from_uri, f2, sizeof f2);
		flow_merge_user(o->to_uri, t2, sizeof t2);
		if (strcmp(from, f2) == 0 && strcmp(to, t2) == 0)
			flow_merge_join_add(j, o->id, "From/To numbers and time");
	}
}

void flow_merge_join(struct dash *d, uint64_t id)
{
	struct flow_merge_join *j = xcalloc(1, sizeof *j);
	struct dialog_record start_row;
	bool start = dashboard_data_find(d, id, &start_row);

	j->d = d;
	flow_merge_join_add(j, id, NULL);
	/* each found leg may name a further one (A → SBC → B2BUA → B) */
	for (size_t i = 0; i < j->n; i++) {
		struct dialog_record dd;
		bool have = dashboard_data_find(d, j->ids[i], &dd), ok = true;

		j->n_values = 0;
		if (db_each_message(d->reader, j->ids[i], flow_merge_on_join_message, j) < 0)
			ok = false;
		for (size_t v = 0; ok && v < j->n_values; v++) {
			if (j->values[v].is_call_id)
				flow_merge_by_call_id(j, j->values[v].value, j->values[v].header);
			else
				ok = flow_merge_by_text(j, j->values[v].value, j->values[v].header);
		}
		if (ok && have && dd.call_id && strlen(dd.call_id) >= 4) {
			char cid[FLOW_MERGE_VALUE_MAX];

			snprintf(cid, sizeof cid, "%s", dd.call_id); /* the list's strings move */
			ok = flow_merge_by_text(j, cid, "its Call-ID in the other leg");
		}
		if (!ok) {
			dashboard_set_status(d, true, "join: %s", db_reader_error(d->reader));
			free(j);
			return;
		}
	}
	if (j->n == 1 && start && dashboard_data_find(d, id, &start_row))
		flow_merge_by_numbers(j, &start_row);
	if (j->n == 1)
		dashboard_set_status(d, false,
				     "no other leg found (no X-CID, X-Call-ID, P-Charging-Vector icid, "
				     "Replaces or Refer-To, no call with the same numbers within %llds)",
				     (long long)(FLOW_MERGE_NUMBERS_WINDOW_US / 1000000));
	else
		flow_merge_open(d, j->ids, j->n, j->how);
	free(j);
}
