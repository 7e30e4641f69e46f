/* dashboard_live: the dialog list followed by increments.
 *
 * Live, the analyzer hands every dialog row it emits to the dashboard through
 * a lock-free ring (dashboard_feed.c); here each row replaces the list's copy
 * of its dialog (found through an id index) or joins the list, and the view
 * (filtered, sorted indexes) is patched in place: a new dialog is inserted at
 * its sorted place, a changed one left where it is while the sort key cannot
 * move (start time, Call-ID) and it still passes the filters.  Otherwise the
 * view is marked stale and rebuilt at most once a second by the loop.  So a
 * dashboard at 140k dialogs does work in proportion to what changed, never to
 * what it holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "ui/dashboard_int.h"

/* Fibonacci hashing: dialog ids are mostly consecutive. */
static size_t dashboard_live_hash(uint64_t id, size_t n_slots)
{
	return (size_t)((id * 11400714819323198485ULL) >> 20) & (n_slots - 1);
}

static void dashboard_live_put(struct dash_list *l, uint64_t id, size_t ix)
{
	size_t h = dashboard_live_hash(id, l->n_slots);

	while (l->slot_ix[h] && l->slot_id[h] != id)
		h = (h + 1) & (l->n_slots - 1);
	l->slot_id[h] = id;
	l->slot_ix[h] = ix + 1;
}

static void dashboard_live_count(struct dash_list *l, const struct dialog_record *r, int sign)
{
	size_t active = r->end_class == END_NONE || r->end_class == END_ACTIVE;
	size_t doomed = r->doomed;

	if (sign > 0) {
		l->n_active += active;
		l->n_doomed += doomed;
	} else {
		l->n_active -= active;
		l->n_doomed -= doomed;
	}
}

/* Grows the index to keep it at most half full. */
static void dashboard_live_reserve(struct dash_list *l, size_t n)
{
	size_t want = 1024;

	if (l->n_slots && n * 2 <= l->n_slots)
		return;
	while (want < n * 2)
		want *= 2;
	free(l->slot_id);
	free(l->slot_ix);
	l->n_slots = want;
	l->slot_id = xcalloc(want, sizeof *l->slot_id);
	l->slot_ix = xcalloc(want, sizeof *l->slot_ix);
	for (size_t i = 0; i < l->n; i++)
		dashboard_live_put(l, l->v[i].r.id, i);
}

void dashboard_live_index(struct dash_list *l)
{
	if (l->n_slots) {
		memset(l->slot_id, 0, l->n_slots * sizeof *l->slot_id);
		memset(l->slot_ix, 0, l->n_slots * sizeof *l->slot_ix);
	}
	dashboard_live_reserve(l, l->n + 1);
	l->n_active = l->n_doomed = 0;
	for (size_t i = 0; i < l->n; i++) {
		dashboard_live_put(l, l->v[i].r.id, i);
		dashboard_live_count(l, &l->v[i].r, 1);
	}
}

size_t dashboard_live_lookup(const struct dash_list *l, uint64_t id)
{
	size_t h;

	if (!l->n_slots)
		return SIZE_MAX;
	h = dashboard_live_hash(id, l->n_slots);
	while (l->slot_ix[h]) {
		if (l->slot_id[h] == id)
			return l->slot_ix[h] - 1;
		h = (h + 1) & (l->n_slots - 1);
	}
	return SIZE_MAX;
}

/* One row from the feed; the list takes its strings. */
static void dashboard_live_take(struct dash *d, struct dashboard_feed_row *row)
{
	struct dash_list *l = &d->list;
	size_t ix = dashboard_live_lookup(l, row->r.id);

	if (row->r.id == d->detail.dialog_id)
		d->detail_changed = true;
	if (ix != SIZE_MAX) {
		struct dash_dialog *old = &l->v[ix];
		bool was = screen_list_shows(d, &old->r);

		dashboard_live_count(l, &old->r, -1);
		free(old->strings);
		old->r = row->r;
		old->strings = row->strings;
		dashboard_live_count(l, &old->r, 1);
		if (was != screen_list_shows(d, &old->r) || !screen_list_sort_fixed(d))
			d->view_stale = true;
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	dashboard_live_reserve(l, l->n + 1);
	ix = l->n++;
	l->v[ix].r = row->r;
	l->v[ix].strings = row->strings;
	dashboard_live_put(l, row->r.id, ix);
	dashboard_live_count(l, &row->r, 1);
	if (!d->view_stale && screen_list_shows(d, &row->r))
		screen_list_insert(d, ix);
}

bool dashboard_live_apply(struct dash *d, struct dashboard_feed *feed)
{
	struct dashboard_feed_row row;
	bool any = false;

	while (dashboard_feed_pop(feed, &row)) {
		dashboard_live_take(d, &row);
		any = true;
	}
	return any;
}

void dashboard_live_free(struct dash_list *l)
{
	free(l->slot_id);
	free(l->slot_ix);
	l->slot_id = NULL;
	l->slot_ix = NULL;
	l->n_slots = 0;
}
