/* dashboard_data: the dashboard's copies of what it shows, read from the db.
 *
 * The reader's strings live only during a callback, so every row is copied
 * into memory the dashboard owns: the list's compact rows (dashboard_rows.c),
 * the open dialog's messages and findings one allocation per record.  A fingerprint
 * of what the screens show tells the loop whether a reload changed anything,
 * so an idle dashboard does not redraw. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "ui/dashboard_int.h"

#define DASH_FNV_OFFSET 1469598103934665603ULL
#define DASH_FNV_PRIME 1099511628211ULL

static uint64_t dashboard_data_mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * DASH_FNV_PRIME;
	return h;
}

static uint64_t dashboard_data_mix_str(uint64_t h, const char *s)
{
	return s ? dashboard_data_mix(h, s, strlen(s) + 1) : dashboard_data_mix(h, "", 0) + 1;
}

static uint64_t dashboard_data_hash_dialog(uint64_t h, const struct dialog_record *r)
{
	const int64_t times[] = {r->created,      r->established, r->ended,
				 r->last_refresh, r->deadline,    r->teardown_expected,
				 r->doomed_at,    r->session_expires};
	const uint32_t nums[] = {r->refreshes_ok, r->refreshes_failed, r->n_messages,
				 r->finding_mask, (uint32_t)r->end_class, (uint32_t)r->refresher,
				 (uint32_t)r->doomed, (uint32_t)r->recovered, (uint32_t)r->at_risk,
				 (uint32_t)r->final_status};

	h = dashboard_data_mix(h, &r->id, sizeof r->id);
	h = dashboard_data_mix(h, times, sizeof times);
	h = dashboard_data_mix(h, nums, sizeof nums);
	h = dashboard_data_mix_str(h, r->state);
	h = dashboard_data_mix_str(h, r->method);
	h = dashboard_data_mix_str(h, r->caller_ua);
	return dashboard_data_mix_str(h, r->callee_ua);
}

static void dashboard_data_copy_dialog(struct dash_dialog *dst, const struct dialog_record *src)
{
	struct dashboard_feed_row row;

	dashboard_feed_copy(&row, src);
	dst->r = row.r;
	dst->strings = row.strings;
}

/* A reload puts the db's rows into the list the dashboard has, in place: a
 * fresh list beside the old one would double the dashboard's memory at
 * every reload (40 MB at 140,000 dialogs); the rows the db no longer has
 * are dropped at the end.  The view sorts with the id as the last key, so
 * where a row sits in the list does not show. */
struct dashboard_data_load {
	struct dash_list *list;
	uint64_t hash;
	bool *seen; /* by row index */
	size_t cap_seen;
	bool changed; /* a row added or different */
};

static void dashboard_data_on_dialog(void *ctx, const struct dialog_record *r)
{
	struct dashboard_data_load *k = ctx;
	size_t ix = dashboard_rows_lookup(k->list, r->id);
	struct dash_row before;
	bool added;

	memset(&before, 0, sizeof before);
	if (ix != SIZE_MAX)
		before = k->list->v[ix];
	ix = dashboard_rows_put(k->list, r, &added);
	if (ix >= k->cap_seen) {
		size_t cap = k->cap_seen ? k->cap_seen * 2 : 4096;

		while (cap <= ix)
			cap *= 2;
		k->seen = xrealloc(k->seen, cap * sizeof *k->seen);
		memset(k->seen + k->cap_seen, 0, (cap - k->cap_seen) * sizeof *k->seen);
		k->cap_seen = cap;
	}
	if (added || memcmp(&before, &k->list->v[ix], sizeof before) != 0)
		k->changed = true;
	k->seen[ix] = true;
	k->hash = dashboard_data_hash_dialog(k->hash, r);
}

enum dash_load dashboard_data_load_list(struct dash *d)
{
	struct dashboard_data_load k = {&d->list, DASH_FNV_OFFSET, NULL, 0, false};
	size_t n0 = d->list.n;

	/* every method: INVITE dialogs and REGISTER, OPTIONS ... entries */
	if (db_each_dialog_of(d->reader, d->capture_id, DB_DIALOGS_ALL, dashboard_data_on_dialog,
			      &k) < 0) {
		free(k.seen);
		if (k.changed || d->list.n != n0)
			d->view_stale = true; /* rows came or changed before the error */
		return DASH_LOAD_FAILED;
	}
	if (k.cap_seen < d->list.n + 1) { /* rows past the last one read: not seen */
		k.seen = xrealloc(k.seen, (d->list.n + 1) * sizeof *k.seen);
		memset(k.seen + k.cap_seen, 0, (d->list.n + 1 - k.cap_seen) * sizeof *k.seen);
		k.cap_seen = d->list.n + 1;
	}
	if (dashboard_rows_keep(&d->list, k.seen))
		k.changed = true;
	free(k.seen);
	d->list.fingerprint = k.hash;
	if (dashboard_rows_trim(&d->list, d->ls.selected_id)) /* as live: the newest entries */
		k.changed = true;
	if (!k.changed && d->list.n == n0)
		return DASH_LOAD_SAME;
	d->view_stale = true; /* the caller rebuilds the view */
	return DASH_LOAD_CHANGED;
}

bool dashboard_data_find(const struct dash *d, uint64_t dialog_id, struct dialog_record *out)
{
	size_t ix = dashboard_rows_lookup(&d->list, dialog_id);

	if (ix == SIZE_MAX)
		return false;
	dashboard_rows_get(&d->list, ix, out);
	return true;
}

void dashboard_data_detail_clear(struct dash_detail *t)
{
	for (size_t i = 0; i < t->n_msgs; i++)
		free((void *)t->msgs[i].raw);
	for (size_t i = 0; i < t->n_findings; i++)
		free((void *)t->findings[i].detail);
	if (t->have_dialog)
		free(t->dialog.strings);
	t->n_msgs = t->n_findings = 0;
	t->have_dialog = false;
}

/* c = m deep-copied into one block: raw bytes (NUL-terminated), then method,
 * cseq_method, call_id, so one free(c->raw) releases it. */
void dashboard_data_copy_message(struct message_record *c, const struct message_record *m)
{
	const char *strs[3] = {m->method, m->cseq_method, m->call_id};
	size_t total = m->raw_len + 1, o;
	char *block;

	for (int i = 0; i < 3; i++)
		total += strs[i] ? strlen(strs[i]) + 1 : 0;
	block = xmalloc(total);
	if (m->raw_len)
		memcpy(block, m->raw, m->raw_len);
	block[m->raw_len] = '\0';
	o = m->raw_len + 1;
	*c = *m;
	c->raw = (const uint8_t *)block;
	const char **dst[3] = {&c->method, &c->cseq_method, &c->call_id};
	for (int i = 0; i < 3; i++) {
		*dst[i] = NULL;
		if (!strs[i])
			continue;
		memcpy(block + o, strs[i], strlen(strs[i]) + 1);
		*dst[i] = block + o;
		o += strlen(strs[i]) + 1;
	}
}

static void dashboard_data_on_message(void *ctx, const struct message_record *m)
{
	struct dash_detail *t = ctx;

	if (t->n_msgs == t->cap_msgs) {
		t->cap_msgs = t->cap_msgs ? t->cap_msgs * 2 : 32;
		t->msgs = xrealloc(t->msgs, t->cap_msgs * sizeof *t->msgs);
	}
	dashboard_data_copy_message(&t->msgs[t->n_msgs++], m);
}

/* One block: detail, then agent (also flow_merge.c's, for a combined flow). */
void dashboard_data_on_finding(void *ctx, const struct finding_record *f)
{
	struct dash_detail *t = ctx;
	struct finding_record *c;
	const char *detail = f->detail ? f->detail : "", *agent = f->agent;
	size_t dl = strlen(detail) + 1, al = agent ? strlen(agent) + 1 : 0;
	char *block = xmalloc(dl + al);

	if (t->n_findings == t->cap_findings) {
		t->cap_findings = t->cap_findings ? t->cap_findings * 2 : 16;
		t->findings = xrealloc(t->findings, t->cap_findings * sizeof *t->findings);
	}
	memcpy(block, detail, dl);
	if (agent)
		memcpy(block + dl, agent, al);
	c = &t->findings[t->n_findings++];
	*c = *f;
	c->detail = block;
	c->agent = agent ? block + dl : NULL;
}

enum dash_load dashboard_data_load_detail(struct dash *d, uint64_t dialog_id)
{
	struct dash_detail *t = &d->detail;
	struct dialog_record row;
	const struct dialog_record *dd = dashboard_data_find(d, dialog_id, &row) ? &row : NULL;
	uint64_t h = DASH_FNV_OFFSET;

	if (dd) {
		h = dashboard_data_hash_dialog(h, dd);
		/* the same row, and every message it counts already read (live, the
		 * row can come through the feed before the writer commits them) */
		if (t->dialog_id == dialog_id && t->have_dialog && h == t->fingerprint &&
		    t->n_msgs >= dd->n_messages)
			return DASH_LOAD_SAME;
	}
	dashboard_data_detail_clear(t);
	t->dialog_id = dialog_id;
	t->fingerprint = h;
	if (dd) {
		dashboard_data_copy_dialog(&t->dialog, dd);
		t->have_dialog = true;
	}
	if (db_each_message(d->reader, dialog_id, dashboard_data_on_message, t) < 0 ||
	    db_each_finding(d->reader, dialog_id, dashboard_data_on_finding, t) < 0)
		return DASH_LOAD_FAILED;
	return DASH_LOAD_CHANGED;
}

void dashboard_data_free(struct dash *d)
{
	dashboard_rows_free(&d->list);
	dashboard_data_detail_clear(&d->detail);
	free(d->detail.msgs);
	free(d->detail.findings);
	memset(&d->detail, 0, sizeof d->detail);
}
