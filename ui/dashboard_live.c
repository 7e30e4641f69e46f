/* dashboard_live: the dialog list followed by increments.
 *
 * Live, the analyzer hands every dialog row it emits to the dashboard through
 * a lock-free ring (dashboard_feed.c); here each row replaces the list's
 * compact copy of its dialog (dashboard_rows.c) or joins the list, and the
 * ring's block is freed at once, so nothing the pipeline thread allocated
 * lives on in the dashboard.  The view
 * (filtered, sorted indexes) is patched in place: a new dialog is inserted at
 * its sorted place, a changed one left where it is while the sort key cannot
 * move (start time, Call-ID) and it still passes the filters.  Otherwise the
 * view is marked stale and rebuilt at most once a second by the loop.  So a
 * dashboard at 140k dialogs does work in proportion to what changed, never to
 * what it holds. */
#include <stdint.h>
#include <stdlib.h>

#include "ui/dashboard_int.h"

size_t dashboard_live_lookup(const struct dash_list *l, uint64_t id)
{
	return dashboard_rows_lookup(l, id);
}

/* One row from the feed: into the list (which copies it), then freed. */
static void dashboard_live_take(struct dash *d, struct dashboard_feed_row *row)
{
	struct dash_list *l = &d->list;
	size_t ix = dashboard_rows_lookup(l, row->r.id);
	bool was = false, shows, added;

	if (row->r.id == d->detail.dialog_id)
		d->detail_changed = true;
	if (ix != SIZE_MAX) {
		struct dialog_record old;

		dashboard_rows_get(l, ix, &old);
		was = screen_list_shows(d, &old);
	}
	shows = screen_list_shows(d, &row->r);
	ix = dashboard_rows_put(l, &row->r, &added);
	free(row->strings);
	/* too many REGISTER, OPTIONS ... entries: the oldest leave the list
	 * (not the db); indexes moved, so the view is rebuilt now */
	if (added && dashboard_rows_trim(l, d->ls.selected_id)) {
		screen_list_rebuild(d);
		return;
	}
	if (!added) {
		if (was != shows || !screen_list_sort_fixed(d))
			d->view_stale = true;
		return;
	}
	if (!d->view_stale && shows)
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
