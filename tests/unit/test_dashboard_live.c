/* test_dashboard_live: the dashboard's list followed by increments — rows
 * from the feed join or replace the list's copy by id, the view is patched
 * in place (sorted insert, filters), the counts follow. No terminal needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ui/dashboard_int.h"

static void push(struct dashboard_feed *f, uint64_t id, int64_t created, bool doomed,
		 const char *state)
{
	struct dialog_record r;

	memset(&r, 0, sizeof r);
	r.id = id;
	r.call_id = "c";
	r.state = state;
	r.created = created;
	r.established = r.ended = r.last_refresh = r.deadline = TS_NONE;
	r.teardown_expected = r.doomed_at = TS_NONE;
	r.session_expires = r.min_se = -1;
	r.doomed = doomed;
	r.end_class = END_NONE;
	assert_true(dashboard_feed_push(f, &r));
}

static uint64_t view_id(const struct dash *d, size_t i)
{
	return d->list.v[d->ls.view[i]].r.id;
}

static void test_rows_join_replace_and_sort(void **state)
{
	(void)state;
	struct dash d;
	struct dashboard_feed *f = dashboard_feed_new(64);

	memset(&d, 0, sizeof d);
	d.ls.sort_col = DIALOG_COL_START;
	push(f, 10, 1000, false, "early");
	push(f, 11, 3000, false, "early");
	push(f, 12, 2000, false, "early"); /* starts between the two: inserted between */
	assert_true(dashboard_live_apply(&d, f));
	assert_int_equal(d.list.n, 3);
	assert_int_equal(d.ls.n_view, 3);
	assert_int_equal(view_id(&d, 0), 10);
	assert_int_equal(view_id(&d, 1), 12);
	assert_int_equal(view_id(&d, 2), 11);
	assert_int_equal(d.list.n_active, 3);
	assert_int_equal(d.list.n_doomed, 0);

	push(f, 12, 2000, true, "confirmed"); /* a change: replaces, no new row */
	assert_true(dashboard_live_apply(&d, f));
	assert_int_equal(d.list.n, 3);
	assert_int_equal(d.ls.n_view, 3);
	assert_int_equal(d.list.n_doomed, 1);
	assert_string_equal(d.list.v[dashboard_live_lookup(&d.list, 12)].r.state, "confirmed");
	assert_false(d.view_stale); /* start time cannot move: the view stays */
	assert_int_equal(dashboard_live_lookup(&d.list, 99), SIZE_MAX);
	assert_false(dashboard_live_apply(&d, f)); /* nothing waiting */
	dashboard_feed_free(f);
	screen_list_free(&d);
	dashboard_data_free(&d);
}

static void test_filters_and_stale_view(void **state)
{
	(void)state;
	struct dash d;
	struct dashboard_feed *f = dashboard_feed_new(64);

	memset(&d, 0, sizeof d);
	d.ls.sort_col = DIALOG_COL_START;
	d.ls.doomed_only = true;
	push(f, 1, 1000, true, "confirmed");
	push(f, 2, 2000, false, "confirmed");
	assert_true(dashboard_live_apply(&d, f));
	assert_int_equal(d.list.n, 2);
	assert_int_equal(d.ls.n_view, 1); /* the healthy one is kept, not shown */
	assert_int_equal(view_id(&d, 0), 1);

	push(f, 2, 2000, true, "confirmed"); /* now doomed: the view must change */
	dashboard_live_apply(&d, f);
	assert_true(d.view_stale);
	screen_list_rebuild(&d);
	assert_false(d.view_stale);
	assert_int_equal(d.ls.n_view, 2);

	/* many rows: the index grows and finds every one */
	for (uint64_t id = 100; id < 5100; id++) {
		struct dialog_record r;

		memset(&r, 0, sizeof r);
		r.id = id;
		r.created = (int64_t)id * 10;
		dashboard_feed_push(f, &r); /* the ring holds 64: most are dropped */
	}
	dashboard_live_apply(&d, f);
	assert_true(dashboard_feed_overflowed(f));
	dashboard_feed_free(f);
	f = dashboard_feed_new(8192);
	for (uint64_t id = 100; id < 5100; id++)
		push(f, id, (int64_t)id * 10, false, "early");
	dashboard_live_apply(&d, f);
	assert_int_equal(d.list.n, 5002);
	for (uint64_t id = 100; id < 5100; id++)
		assert_int_equal(d.list.v[dashboard_live_lookup(&d.list, id)].r.id, id);
	assert_int_equal(d.list.n_active, 5002);
	dashboard_feed_free(f);
	screen_list_free(&d);
	dashboard_data_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_join_replace_and_sort),
		cmocka_unit_test(test_filters_and_stale_view),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
