/* dashboard_rows: the compact dialog list (see the header).
 *
 * A row's own text is appended once and kept while a changed row brings the
 * same strings (the usual case: only counters, times and state move; the
 * to_tag, which the first answer adds, is kept apart for that); when
 * they differ the new text is appended and the old counted as garbage, and
 * the arena is rewritten once garbage passes half of it, so a long live run
 * stays within twice what its rows need.  Interned strings are never freed:
 * there is at most one per distinct value, and no more than the rows would
 * have held themselves. */
#include "ui/dashboard_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/packet.h" /* TS_NONE */
#include "common/xalloc.h"

enum {
	DASH_ROW_DOOMED = 1 << 0,
	DASH_ROW_RECOVERED = 1 << 1,
	DASH_ROW_AT_RISK = 1 << 2,
	DASH_ROW_HAS_TEXT = 1 << 3, /* << 3 + i: text field i is present (not NULL) */
};

enum {
	DASH_ROW2_WIDE = 1 << 0, /* the narrow values are in l->wide, from narrow[0] * DASH_ROW_NARROW */
};

#define DASH_ROWS_TEXT_FIELDS 4 /* in text; the to_tag is the fifth, in tag */
#define DASH_ROW_HAS_TAG (DASH_ROW_HAS_TEXT << DASH_ROWS_TEXT_FIELDS)

#if UINTPTR_MAX == 0xffffffffffffffffu
/* A field added to struct dialog_record must be added to struct dash_row,
 * dashboard_rows_put and dashboard_rows_get too (then change this size). */
_Static_assert(sizeof(struct dialog_record) == 224, "struct dialog_record changed: see dashboard_rows");
/* the row's size the header and README state (method, final_status: issue 18 item 2) */
_Static_assert(sizeof(struct dash_row) == 104, "struct dash_row changed: update its size in dashboard_rows.h");
#endif
#define DASH_ROWS_COMPACT_MIN (1u << 20) /* no rewrite of a small arena */
#define DASH_FNV_OFFSET 1469598103934665603ULL
#define DASH_FNV_PRIME 1099511628211ULL

/* Fibonacci hashing: dialog ids are mostly consecutive. */
static size_t dashboard_rows_hash_id(uint64_t id, size_t n_slots)
{
	return (size_t)((id * 11400714819323198485ULL) >> 20) & (n_slots - 1);
}

static size_t dashboard_rows_hash_str(const char *s)
{
	uint64_t h = DASH_FNV_OFFSET;

	while (*s)
		h = (h ^ (unsigned char)*s++) * DASH_FNV_PRIME;
	return (size_t)h;
}

/* ---- interned strings ---- */

static const char *dashboard_rows_interned(const struct dash_list *l, uint32_t id)
{
	return id ? l->itext + l->ioff[id] : NULL;
}

static void dashboard_rows_islot_put(struct dash_list *l, uint32_t id)
{
	size_t h = dashboard_rows_hash_str(dashboard_rows_interned(l, id)) & (l->n_islots - 1);

	while (l->islot[h])
		h = (h + 1) & (l->n_islots - 1);
	l->islot[h] = id;
}

static uint32_t dashboard_rows_intern(struct dash_list *l, const char *s)
{
	size_t h, len;
	uint32_t id;

	if (!s)
		return 0;
	if (l->n_islots) {
		h = dashboard_rows_hash_str(s) & (l->n_islots - 1);
		while ((id = l->islot[h]) != 0) {
			if (strcmp(dashboard_rows_interned(l, id), s) == 0)
				return id;
			h = (h + 1) & (l->n_islots - 1);
		}
	}
	if (l->n_intern + 2 > l->cap_intern) { /* ids from 1 */
		l->cap_intern = l->cap_intern ? l->cap_intern * 2 : 64;
		l->ioff = xrealloc(l->ioff, l->cap_intern * sizeof *l->ioff);
	}
	len = strlen(s) + 1;
	if (l->itext_len + len > l->itext_cap) {
		while (l->itext_len + len > l->itext_cap)
			l->itext_cap = l->itext_cap ? l->itext_cap * 2 : 4096;
		l->itext = xrealloc(l->itext, l->itext_cap);
	}
	memcpy(l->itext + l->itext_len, s, len);
	id = (uint32_t)++l->n_intern;
	l->ioff[id] = l->itext_len;
	l->itext_len += len;
	if ((l->n_intern + 1) * 2 > l->n_islots) { /* at most half full */
		free(l->islot);
		l->n_islots = l->n_islots ? l->n_islots * 2 : 256;
		l->islot = xcalloc(l->n_islots, sizeof *l->islot);
		for (uint32_t i = 1; i <= l->n_intern; i++)
			dashboard_rows_islot_put(l, i);
	} else {
		dashboard_rows_islot_put(l, id);
	}
	return id;
}

/* ---- the rows' own text ---- */

static void dashboard_rows_fields(const struct dialog_record *r, const char *f[DASH_ROWS_TEXT_FIELDS])
{
	f[0] = r->call_id;
	f[1] = r->from_uri;
	f[2] = r->to_uri;
	f[3] = r->from_tag;
}

static size_t dashboard_rows_text_len(const struct dash_list *l, const struct dash_row *w)
{
	const char *p = l->text + w->text;

	for (int i = 0; i < DASH_ROWS_TEXT_FIELDS; i++) {
		if (w->flags & (DASH_ROW_HAS_TEXT << i))
			p += strlen(p) + 1;
	}
	return (size_t)(p - (l->text + w->text));
}

/* Whether row w already holds exactly the strings f. */
static bool dashboard_rows_same_text(const struct dash_list *l, const struct dash_row *w,
				     const char *f[DASH_ROWS_TEXT_FIELDS])
{
	const char *p = l->text + w->text;

	for (int i = 0; i < DASH_ROWS_TEXT_FIELDS; i++) {
		bool has = (w->flags & (DASH_ROW_HAS_TEXT << i)) != 0;

		if (has != (f[i] != NULL))
			return false;
		if (!has)
			continue;
		if (strcmp(p, f[i]) != 0)
			return false;
		p += strlen(p) + 1;
	}
	return true;
}

static void dashboard_rows_compact(struct dash_list *l);

static void dashboard_rows_reserve_text(struct dash_list *l, size_t more)
{
	if (l->text && l->text_len + more <= l->text_cap)
		return;
	/* rows hold 32-bit offsets: 4 GiB of text is ~30 million dialogs' */
	if (l->text_len + more > UINT32_MAX && l->text_garbage)
		dashboard_rows_compact(l);
	if (l->text_len + more > UINT32_MAX) {
		fprintf(stderr, "sipwatch: the dashboard's list is out of room\n");
		abort();
	}
	if (l->text && l->text_len + more <= l->text_cap)
		return;
	while (l->text_len + more > l->text_cap)
		l->text_cap = l->text_cap ? l->text_cap * 2 : 65536;
	l->text = xrealloc(l->text, l->text_cap);
}

/* Rewrites the arena with only the text rows point at. */
static void dashboard_rows_compact(struct dash_list *l)
{
	size_t cap = l->text_len - l->text_garbage + 1, o = 0;

	if (cap > (size_t)UINT32_MAX + 1)
		cap = (size_t)UINT32_MAX + 1;
	char *fresh = xmalloc(cap);

	for (size_t i = 0; i < l->n; i++) {
		struct dash_row *w = &l->v[i];
		size_t len = dashboard_rows_text_len(l, w);

		memcpy(fresh + o, l->text + w->text, len);
		w->text = (uint32_t)o;
		o += len;
		if (w->flags & DASH_ROW_HAS_TAG) {
			len = strlen(l->text + w->tag) + 1;
			memcpy(fresh + o, l->text + w->tag, len);
			w->tag = (uint32_t)o;
			o += len;
		}
	}
	free(l->text);
	l->text = fresh;
	l->text_len = o;
	l->text_cap = cap;
	l->text_garbage = 0;
}

/* Appends f as row w's text (flags' text bits set from f). */
static void dashboard_rows_set_text(struct dash_list *l, struct dash_row *w,
				    const char *f[DASH_ROWS_TEXT_FIELDS])
{
	size_t total = 0;

	w->flags &= (uint8_t) ~(((1u << DASH_ROWS_TEXT_FIELDS) - 1) * DASH_ROW_HAS_TEXT);
	for (int i = 0; i < DASH_ROWS_TEXT_FIELDS; i++)
		total += f[i] ? strlen(f[i]) + 1 : 0;
	dashboard_rows_reserve_text(l, total);
	w->text = (uint32_t)l->text_len;
	for (int i = 0; i < DASH_ROWS_TEXT_FIELDS; i++) {
		size_t len;

		if (!f[i])
			continue;
		len = strlen(f[i]) + 1;
		memcpy(l->text + l->text_len, f[i], len);
		l->text_len += len;
		w->flags |= (uint8_t)(DASH_ROW_HAS_TEXT << i);
	}
}

/* Sets row w's to_tag: kept when the same, else appended (the old one garbage). */
static void dashboard_rows_set_tag(struct dash_list *l, struct dash_row *w, const char *tag)
{
	bool has = (w->flags & DASH_ROW_HAS_TAG) != 0;
	size_t len;

	if (has && tag && strcmp(l->text + w->tag, tag) == 0)
		return;
	if (has)
		l->text_garbage += strlen(l->text + w->tag) + 1;
	w->flags &= (uint8_t)~DASH_ROW_HAS_TAG;
	w->tag = 0;
	if (!tag)
		return;
	len = strlen(tag) + 1;
	dashboard_rows_reserve_text(l, len);
	memcpy(l->text + l->text_len, tag, len);
	w->tag = (uint32_t)l->text_len;
	l->text_len += len;
	w->flags |= (uint8_t)DASH_ROW_HAS_TAG;
}

/* ---- times and timer values, narrow or wide ---- */

#define DASH_ROW_NONE INT32_MIN /* TS_NONE */
#define DASH_ROW_SAFE (INT64_C(1) << 62) /* |time| below this: no overflow in a difference */

/* A time as microseconds from base, if that fits. */
static bool dashboard_rows_narrow_time(int64_t t, int64_t base, int32_t *out)
{
	int64_t d;

	if (t == TS_NONE) {
		*out = DASH_ROW_NONE;
		return true;
	}
	if (base == TS_NONE || t <= -DASH_ROW_SAFE || t >= DASH_ROW_SAFE || base <= -DASH_ROW_SAFE ||
	    base >= DASH_ROW_SAFE)
		return false;
	d = t - base;
	if (d <= INT32_MIN || d > INT32_MAX)
		return false;
	*out = (int32_t)d;
	return true;
}

static bool dashboard_rows_narrow_num(int64_t v, int32_t *out)
{
	if (v <= INT32_MIN || v > INT32_MAX)
		return false;
	*out = (int32_t)v;
	return true;
}

static void dashboard_rows_values(const struct dialog_record *r, int64_t v[DASH_ROW_NARROW])
{
	v[0] = r->established;
	v[1] = r->ended;
	v[2] = r->last_refresh;
	v[3] = r->deadline;
	v[4] = r->teardown_expected;
	v[5] = r->doomed_at;
	v[6] = r->at_risk_at;
	v[7] = r->session_expires;
	v[8] = r->min_se;
}

/* Row w's values from r: narrow if they all fit, else in the wide table
 * (a row once wide keeps its entry). */
static void dashboard_rows_set_values(struct dash_list *l, struct dash_row *w,
				      const struct dialog_record *r)
{
	int64_t v[DASH_ROW_NARROW];
	int32_t n[DASH_ROW_NARROW];
	bool fit = true;
	size_t e;

	dashboard_rows_values(r, v);
	w->created = r->created;
	for (int i = 0; i < 7 && fit; i++)
		fit = dashboard_rows_narrow_time(v[i], r->created, &n[i]);
	for (int i = 7; i < DASH_ROW_NARROW && fit; i++)
		fit = dashboard_rows_narrow_num(v[i], &n[i]);
	if (fit && !(w->flags2 & DASH_ROW2_WIDE)) {
		memcpy(w->narrow, n, sizeof n);
		return;
	}
	if (!(w->flags2 & DASH_ROW2_WIDE)) {
		if (l->n_wide == l->cap_wide) {
			l->cap_wide = l->cap_wide ? l->cap_wide * 2 : 64;
			l->wide = xrealloc(l->wide, l->cap_wide * DASH_ROW_NARROW * sizeof *l->wide);
		}
		memset(w->narrow, 0, sizeof w->narrow);
		w->narrow[0] = (int32_t)l->n_wide++;
		w->flags2 |= DASH_ROW2_WIDE;
	}
	e = (size_t)(uint32_t)w->narrow[0];
	memcpy(&l->wide[e * DASH_ROW_NARROW], v, sizeof v);
}

static int64_t dashboard_rows_time(int32_t n, int64_t base)
{
	return n == DASH_ROW_NONE ? TS_NONE : base + n;
}

static void dashboard_rows_get_values(const struct dash_list *l, const struct dash_row *w,
				      int64_t v[DASH_ROW_NARROW])
{
	if (w->flags2 & DASH_ROW2_WIDE) {
		memcpy(v, &l->wide[(size_t)(uint32_t)w->narrow[0] * DASH_ROW_NARROW],
		       DASH_ROW_NARROW * sizeof *v);
		return;
	}
	for (int i = 0; i < 7; i++)
		v[i] = dashboard_rows_time(w->narrow[i], w->created);
	v[7] = w->narrow[7];
	v[8] = w->narrow[8];
}

/* ---- the id index and the counts ---- */

static void dashboard_rows_slot_put(struct dash_list *l, size_t ix)
{
	size_t h = dashboard_rows_hash_id(l->v[ix].id, l->n_slots);

	while (l->slot[h])
		h = (h + 1) & (l->n_slots - 1);
	l->slot[h] = (uint32_t)(ix + 1);
}

/* Grows the index to keep it at most half full. */
static void dashboard_rows_reserve_index(struct dash_list *l, size_t n)
{
	size_t want = 1024;

	if (l->n_slots && n * 2 <= l->n_slots)
		return;
	while (want < n * 2)
		want *= 2;
	free(l->slot);
	l->n_slots = want;
	l->slot = xcalloc(want, sizeof *l->slot);
	for (size_t i = 0; i < l->n; i++)
		dashboard_rows_slot_put(l, i);
}

size_t dashboard_rows_lookup(const struct dash_list *l, uint64_t id)
{
	size_t h;

	if (!l->n_slots)
		return SIZE_MAX;
	h = dashboard_rows_hash_id(id, l->n_slots);
	while (l->slot[h]) {
		if (l->v[l->slot[h] - 1].id == id)
			return l->slot[h] - 1;
		h = (h + 1) & (l->n_slots - 1);
	}
	return SIZE_MAX;
}

/* Whether row w is an INVITE dialog (dialog_record_is_invite on the row). */
static bool dashboard_rows_is_invite(const struct dash_list *l, const struct dash_row *w)
{
	return !w->method || strcmp(dashboard_rows_interned(l, w->method), "INVITE") == 0;
}

/* The header's counts are of calls: a REGISTER or OPTIONS entry is in the
 * list but is not an active dialog (it is never doomed either). */
static void dashboard_rows_count(struct dash_list *l, const struct dash_row *w, int sign)
{
	size_t invite = dashboard_rows_is_invite(l, w);
	size_t active = invite && (w->end_class == END_NONE || w->end_class == END_ACTIVE);
	size_t doomed = (w->flags & DASH_ROW_DOOMED) != 0;

	if (sign > 0) {
		l->n_active += active;
		l->n_doomed += doomed;
		l->n_invite += invite;
	} else {
		l->n_active -= active;
		l->n_doomed -= doomed;
		l->n_invite -= invite;
	}
}

/* ---- rows ---- */

size_t dashboard_rows_put(struct dash_list *l, const struct dialog_record *r, bool *added)
{
	const char *f[DASH_ROWS_TEXT_FIELDS];
	size_t ix = dashboard_rows_lookup(l, r->id);
	struct dash_row *w;

	dashboard_rows_fields(r, f);
	if (added)
		*added = ix == SIZE_MAX;
	if (ix == SIZE_MAX) {
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap + l->cap / 2 : 1024; /* 1.5x: less slack at 140k */
			l->v = xrealloc(l->v, l->cap * sizeof *l->v);
		}
		dashboard_rows_reserve_index(l, l->n + 1);
		ix = l->n++;
		w = &l->v[ix];
		memset(w, 0, sizeof *w);
		w->id = r->id;
		dashboard_rows_slot_put(l, ix);
		dashboard_rows_set_text(l, w, f);
	} else {
		w = &l->v[ix];
		dashboard_rows_count(l, w, -1);
		if (!dashboard_rows_same_text(l, w, f)) {
			l->text_garbage += dashboard_rows_text_len(l, w);
			dashboard_rows_set_text(l, w, f);
		}
	}
	dashboard_rows_set_tag(l, w, r->to_tag);
	dashboard_rows_set_values(l, w, r);
	w->refreshes_ok = r->refreshes_ok;
	w->refreshes_failed = r->refreshes_failed;
	w->n_messages = r->n_messages;
	w->finding_mask = r->finding_mask;
	w->caller_ua = dashboard_rows_intern(l, r->caller_ua);
	w->callee_ua = dashboard_rows_intern(l, r->callee_ua);
	w->state = dashboard_rows_intern(l, r->state);
	w->method = dashboard_rows_intern(l, r->method);
	/* a SIP status is 100-699; anything else is not one */
	w->final_status = r->final_status > 0 && r->final_status < 1000 ? (uint16_t)r->final_status : 0;
	w->transport = (uint8_t)r->transport;
	w->refresher = (uint8_t)r->refresher;
	w->end_class = (uint8_t)r->end_class;
	w->flags &= (uint8_t) ~(DASH_ROW_DOOMED | DASH_ROW_RECOVERED | DASH_ROW_AT_RISK);
	w->flags |= (uint8_t)((r->doomed ? DASH_ROW_DOOMED : 0) | (r->recovered ? DASH_ROW_RECOVERED : 0) |
			      (r->at_risk ? DASH_ROW_AT_RISK : 0));
	dashboard_rows_count(l, w, 1);
	if (l->text_garbage > DASH_ROWS_COMPACT_MIN && l->text_garbage * 2 > l->text_len)
		dashboard_rows_compact(l);
	return ix;
}

void dashboard_rows_get(const struct dash_list *l, size_t ix, struct dialog_record *out)
{
	const struct dash_row *w = &l->v[ix];
	const char **f[DASH_ROWS_TEXT_FIELDS] = {&out->call_id, &out->from_uri, &out->to_uri,
						 &out->from_tag};
	const char *p = l->text + w->text;
	int64_t v[DASH_ROW_NARROW];

	memset(out, 0, sizeof *out);
	dashboard_rows_get_values(l, w, v);
	for (int i = 0; i < DASH_ROWS_TEXT_FIELDS; i++) {
		if (!(w->flags & (DASH_ROW_HAS_TEXT << i)))
			continue;
		*f[i] = p;
		p += strlen(p) + 1;
	}
	out->to_tag = w->flags & DASH_ROW_HAS_TAG ? l->text + w->tag : NULL;
	out->id = w->id;
	out->caller_ua = dashboard_rows_interned(l, w->caller_ua);
	out->callee_ua = dashboard_rows_interned(l, w->callee_ua);
	out->state = dashboard_rows_interned(l, w->state);
	out->method = dashboard_rows_interned(l, w->method);
	out->final_status = w->final_status;
	out->transport = (enum transport)w->transport;
	out->created = w->created;
	out->established = v[0];
	out->ended = v[1];
	out->last_refresh = v[2];
	out->deadline = v[3];
	out->teardown_expected = v[4];
	out->doomed_at = v[5];
	out->at_risk_at = v[6];
	out->session_expires = v[7];
	out->min_se = v[8];
	out->refresher = (enum dialog_refresher)w->refresher;
	out->refreshes_ok = w->refreshes_ok;
	out->refreshes_failed = w->refreshes_failed;
	out->doomed = (w->flags & DASH_ROW_DOOMED) != 0;
	out->recovered = (w->flags & DASH_ROW_RECOVERED) != 0;
	out->at_risk = (w->flags & DASH_ROW_AT_RISK) != 0;
	out->end_class = (enum end_class)w->end_class;
	out->n_messages = w->n_messages;
	out->finding_mask = w->finding_mask;
}

/* The list is rebuilt (one put per kept row), so the text arena and the
 * interned strings are those of the kept rows only; a trim comes once per
 * quarter of entries_max new entries, so its cost is spread over them. */
size_t dashboard_rows_trim(struct dash_list *l, uint64_t keep)
{
	size_t max = l->entries_max ? l->entries_max : DASH_ROWS_ENTRIES_MAX;
	size_t entries = l->n - l->n_invite, drop, dropped = 0;
	struct dash_list fresh;
	struct dialog_record r;

	if (entries <= max)
		return 0;
	drop = entries - max + max / 4;
	memset(&fresh, 0, sizeof fresh);
	fresh.entries_max = l->entries_max;
	fresh.fingerprint = l->fingerprint;
	for (size_t i = 0; i < l->n; i++) {
		if (dropped < drop && l->v[i].id != keep && !dashboard_rows_is_invite(l, &l->v[i])) {
			dropped++;
			continue;
		}
		dashboard_rows_get(l, i, &r);
		dashboard_rows_put(&fresh, &r, NULL);
	}
	dashboard_rows_free(l);
	*l = fresh;
	return dropped;
}

size_t dashboard_rows_keep(struct dash_list *l, const bool *keep)
{
	size_t o = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct dash_row *w = &l->v[i];

		if (keep[i]) {
			l->v[o++] = *w;
			continue;
		}
		dashboard_rows_count(l, w, -1);
		l->text_garbage += dashboard_rows_text_len(l, w);
		if (w->flags & DASH_ROW_HAS_TAG)
			l->text_garbage += strlen(l->text + w->tag) + 1;
	}
	if (o == l->n)
		return 0;
	size_t dropped = l->n - o;

	l->n = o;
	if (l->n_slots) { /* indexes moved: the index anew */
		memset(l->slot, 0, l->n_slots * sizeof *l->slot);
		for (size_t i = 0; i < l->n; i++)
			dashboard_rows_slot_put(l, i);
	}
	if (l->text_garbage > DASH_ROWS_COMPACT_MIN && l->text_garbage * 2 > l->text_len)
		dashboard_rows_compact(l);
	return dropped;
}

/* In use, not allocated: the slack of a grown array is address space the
 * kernel has not backed with pages yet (large blocks are mmap'ed). */
size_t dashboard_rows_bytes(const struct dash_list *l)
{
	return l->n * sizeof *l->v + l->text_len + l->n_slots * sizeof *l->slot + l->itext_len +
	       (l->n_intern ? l->n_intern + 1 : 0) * sizeof *l->ioff + l->n_islots * sizeof *l->islot + l->n_wide * DASH_ROW_NARROW * sizeof *l->wide;
}

void dashboard_rows_free(struct dash_list *l)
{
	free(l->v);
	free(l->slot);
	free(l->text);
	free(l->itext);
	free(l->ioff);
	free(l->islot);
	free(l->wide);
	memset(l, 0, sizeof *l);
}
