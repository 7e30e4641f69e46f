/* test_dashboard_live: the dashboard's list followed by increments — rows
 * from the feed join or replace the list's copy by id, the view is patched
 * in place (sorted insert, filters), the counts follow. No terminal needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
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
	return d->list.v[d->ls.view[i]].id;
}

static void test_rows_join_replace_and_sort(void **state)
{
	(void)state;
	struct dash d;
	struct dashboard_feed *f = dashboard_feed_new(64);
	struct dialog_record row;

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
	dashboard_rows_get(&d.list, dashboard_live_lookup(&d.list, 12), &row);
	assert_string_equal(row.state, "confirmed");
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
		assert_int_equal(d.list.v[dashboard_live_lookup(&d.list, id)].id, id);
	assert_int_equal(d.list.n_active, 5002);
	dashboard_feed_free(f);
	screen_list_free(&d);
	dashboard_data_free(&d);
}

/* Every method (issue 18 item 2): the feed carries REGISTER, OPTIONS ...
 * entries with their method and final status into the list; the header's
 * counts are of INVITE dialogs; 'o' (the form's box) hides REGISTER and
 * OPTIONS, 'm' (the form's method) lists one method, also for rows that
 * come later. */
static void push_entry(struct dashboard_feed *f, uint64_t id, int64_t created, const char *method,
		       const char *st, int final_status)
{
	struct dialog_record r;

	memset(&r, 0, sizeof r);
	r.id = id;
	r.call_id = "e";
	r.method = method;
	r.state = st;
	r.final_status = final_status;
	r.created = created;
	r.established = r.ended = r.last_refresh = r.deadline = TS_NONE;
	r.teardown_expected = r.doomed_at = r.at_risk_at = TS_NONE;
	r.session_expires = r.min_se = -1;
	r.end_class = END_NONE;
	assert_true(dashboard_feed_push(f, &r));
}

static void test_every_method_in_the_list(void **state)
{
	(void)state;
	struct dash d;
	struct dashboard_feed *f = dashboard_feed_new(64);
	struct dialog_record row;

	memset(&d, 0, sizeof d);
	d.ls.sort_col = DIALOG_COL_START;
	push(f, 1, 1000, false, "confirmed"); /* method NULL: an INVITE dialog */
	push_entry(f, 2, 2000, "REGISTER", "registered", 200);
	push_entry(f, 3, 3000, "OPTIONS", "answered", 404);
	push_entry(f, 4, 4000, "SUBSCRIBE", "active", 202);
	push_entry(f, 5, 5000, "INVITE", "early", 0); /* from the db: "INVITE" */
	assert_true(dashboard_live_apply(&d, f));
	assert_int_equal(d.list.n, 5);
	assert_int_equal(d.ls.n_view, 5);
	assert_int_equal(d.list.n_invite, 2);
	assert_int_equal(d.list.n_active, 2); /* the entries are no active calls */
	dashboard_rows_get(&d.list, dashboard_live_lookup(&d.list, 2), &row);
	assert_string_equal(row.method, "REGISTER");
	assert_string_equal(row.state, "registered");
	assert_int_equal(row.final_status, 200);
	assert_string_equal(dialog_row_method(&row), "REGISTER");
	dashboard_rows_get(&d.list, dashboard_live_lookup(&d.list, 3), &row);
	assert_int_equal(row.final_status, 404);
	dashboard_rows_get(&d.list, dashboard_live_lookup(&d.list, 1), &row);
	assert_null(row.method);
	assert_string_equal(dialog_row_method(&row), "INVITE");
	assert_int_equal(row.final_status, 0);

	/* a row that becomes another method moves between the counts */
	push_entry(f, 4, 4000, "INVITE", "early", 0);
	dashboard_live_apply(&d, f);
	assert_int_equal(d.list.n_invite, 3);
	assert_int_equal(d.list.n_active, 3);
	push_entry(f, 4, 4000, "SUBSCRIBE", "terminated", 200);
	dashboard_live_apply(&d, f);
	assert_int_equal(d.list.n_invite, 2);
	assert_int_equal(d.list.n_active, 2);

	d.form.applied.no_reg_opt = true; /* 'o' */
	screen_list_rebuild(&d);
	assert_int_equal(d.ls.n_view, 3);
	for (size_t i = 0; i < d.ls.n_view; i++)
		assert_true(view_id(&d, i) != 2 && view_id(&d, i) != 3);
	push_entry(f, 6, 6000, "OPTIONS", "answered", 200); /* comes later: hidden too */
	push_entry(f, 7, 7000, "MESSAGE", "answered", 200);
	dashboard_live_apply(&d, f);
	assert_int_equal(d.list.n, 7);
	assert_int_equal(d.ls.n_view, 4);
	assert_int_equal(view_id(&d, 3), 7);
	d.form.applied.no_reg_opt = false;
	snprintf(d.form.applied.text[FILTER_FIELD_METHOD], FILTER_FORM_TEXT_MAX, "options"); /* 'm' */
	screen_list_rebuild(&d);
	assert_int_equal(d.ls.n_view, 2);
	assert_int_equal(view_id(&d, 0), 3);
	assert_int_equal(view_id(&d, 1), 6);
	push_entry(f, 8, 8000, "OPTIONS", "answered", 200); /* live: its own method passes */
	dashboard_live_apply(&d, f);
	assert_int_equal(d.ls.n_view, 3);
	dashboard_feed_free(f);
	filter_form_free(&d.form);
	screen_list_free(&d);
	dashboard_data_free(&d);
}

/* Bounded: past entries_max REGISTER/OPTIONS ... entries the oldest leave
 * the list (down to three quarters), INVITE dialogs and the selected row
 * stay, the view is rebuilt at once and every index and lookup is right. */
static void test_entries_bounded(void **state)
{
	(void)state;
	struct dash d;
	struct dashboard_feed *f = dashboard_feed_new(256);
	struct dialog_record row;
	size_t max_entries = 0;

	memset(&d, 0, sizeof d);
	d.ls.sort_col = DIALOG_COL_START;
	d.list.entries_max = 8;
	push(f, 1, 10, false, "confirmed");
	push_entry(f, 2, 20, "REGISTER", "registered", 200);
	dashboard_live_apply(&d, f);
	d.ls.selected_id = 2; /* the oldest entry, selected: kept */
	for (uint64_t id = 3; id < 40; id++) {
		if (id % 10 == 0)
			push(f, id, (int64_t)id * 10, false, "early");
		else
			push_entry(f, id, (int64_t)id * 10, "OPTIONS", "answered", 200);
		dashboard_live_apply(&d, f);
		if (d.list.n - d.list.n_invite > max_entries)
			max_entries = d.list.n - d.list.n_invite;
		assert_int_equal(d.ls.n_view, d.list.n); /* no filter: the view is the list */
		for (size_t i = 0; i < d.ls.n_view; i++) {
			assert_true(d.ls.view[i] < d.list.n);
			assert_int_equal(dashboard_live_lookup(&d.list, d.list.v[i].id), i);
		}
	}
	assert_true(max_entries <= 8);
	assert_int_equal(d.list.n_invite, 4); /* 1, 10, 20, 30: every INVITE dialog */
	assert_int_not_equal(dashboard_live_lookup(&d.list, 2), SIZE_MAX);
	assert_int_not_equal(dashboard_live_lookup(&d.list, 39), SIZE_MAX); /* the newest */
	assert_int_equal(dashboard_live_lookup(&d.list, 3), SIZE_MAX);     /* an old one left */
	dashboard_rows_get(&d.list, dashboard_live_lookup(&d.list, 39), &row);
	assert_string_equal(row.method, "OPTIONS");
	assert_string_equal(row.state, "answered");
	for (size_t i = 1; i < d.ls.n_view; i++) /* still sorted by start */
		assert_true(d.list.v[d.ls.view[i - 1]].created <= d.list.v[d.ls.view[i]].created);
	/* under the bound nothing moves */
	assert_int_equal(dashboard_rows_trim(&d.list, 0), 0);
	dashboard_feed_free(f);
	screen_list_free(&d);
	dashboard_data_free(&d);
}

/* The compact list gives back exactly what was put: every field, NULL and
 * "" apart, the last strings of a changed row, also after its text arena was
 * rewritten; interned agents are stored once. */
static void test_rows_compact_roundtrip(void **state)
{
	(void)state;
	struct dash_list l;
	struct dialog_record r, got;
	char call[64], from[64], tag[32];
	const size_t n = 3000;

	memset(&l, 0, sizeof l);
	for (int round = 0; round < 12; round++) {
		for (size_t i = 0; i < n; i++) {
			bool added;

			memset(&r, 0, sizeof r);
			snprintf(call, sizeof call, "call-%zu@host.example.com.long.enough.to.count", i);
			/* a new From every round: the text arena fills with garbage */
			snprintf(from, sizeof from, "sip:+1425555%04zu-%d@127.0.230.%zu", i, round, i % 250);
			snprintf(tag, sizeof tag, "tag-%d-%zu", round, i); /* changes every round */
			r.id = 1000 + i;
			r.call_id = call;
			r.from_uri = from;
			r.to_uri = i % 7 ? "sip:bob@example.com" : NULL;
			r.from_tag = "";
			r.to_tag = round ? tag : NULL;
			r.caller_ua = "Asterisk PBX 18.10.0";
			r.callee_ua = i % 2 ? "Linphone/5.2" : NULL;
			r.state = round ? "confirmed" : "early";
			r.transport = TRANSPORT_TCP;
			r.created = (int64_t)i * 1000 + 1;
			r.established = round ? r.created + 5 : TS_NONE;
			r.ended = TS_NONE;
			r.session_expires = 1800;
			r.min_se = 90 + round;
			r.refresher = DIALOG_REFRESHER_UAS;
			r.refreshes_ok = (uint32_t)round;
			r.refreshes_failed = 1;
			r.last_refresh = 7;
			r.deadline = 8;
			r.teardown_expected = 9;
			r.doomed = i % 3 == 0;
			r.doomed_at = 10;
			r.recovered = i % 5 == 0;
			r.at_risk = i % 4 == 0;
			r.at_risk_at = 11;
			r.end_class = END_ACTIVE;
			r.n_messages = (uint32_t)(round + 1);
			r.finding_mask = (uint32_t)i;
			r.method = i % 6 ? NULL : "OPTIONS";
			r.final_status = i % 6 ? 0 : 200 + round;
			assert_int_equal(dashboard_rows_put(&l, &r, &added), i);
			assert_int_equal(added, round == 0);
		}
	}
	assert_int_equal(l.n, n);
	assert_int_equal(l.n_active, n - n / 6); /* OPTIONS entries are no active calls */
	assert_int_equal(l.n_invite, n - n / 6);
	assert_int_equal(l.n_doomed, n / 3);
	/* 11 rounds of new text: the garbage was reclaimed, not kept */
	assert_true(l.text_len < 3 * (n * 120));
	assert_int_equal(l.n_intern, 5); /* two agents, two states, one method */
	for (size_t i = 0; i < n; i++) {
		size_t ix = dashboard_rows_lookup(&l, 1000 + i);

		assert_int_equal(ix, i);
		dashboard_rows_get(&l, ix, &got);
		snprintf(call, sizeof call, "call-%zu@host.example.com.long.enough.to.count", i);
		snprintf(tag, sizeof tag, "tag-11-%zu", i);
		snprintf(from, sizeof from, "sip:+1425555%04zu-11@127.0.230.%zu", i, i % 250);
		assert_int_equal(got.id, 1000 + i);
		assert_string_equal(got.call_id, call);
		assert_string_equal(got.from_uri, from);
		if (i % 7)
			assert_string_equal(got.to_uri, "sip:bob@example.com");
		else
			assert_null(got.to_uri);
		assert_non_null(got.from_tag);
		assert_string_equal(got.from_tag, "");
		assert_string_equal(got.to_tag, tag);
		assert_string_equal(got.caller_ua, "Asterisk PBX 18.10.0");
		if (i % 2)
			assert_string_equal(got.callee_ua, "Linphone/5.2");
		else
			assert_null(got.callee_ua);
		assert_string_equal(got.state, "confirmed");
		assert_int_equal(got.transport, TRANSPORT_TCP);
		assert_int_equal(got.created, (int64_t)i * 1000 + 1);
		assert_int_equal(got.established, got.created + 5);
		assert_int_equal(got.ended, TS_NONE);
		assert_int_equal(got.session_expires, 1800);
		assert_int_equal(got.min_se, 101);
		assert_int_equal(got.refresher, DIALOG_REFRESHER_UAS);
		assert_int_equal(got.refreshes_ok, 11);
		assert_int_equal(got.refreshes_failed, 1);
		assert_int_equal(got.last_refresh, 7);
		assert_int_equal(got.deadline, 8);
		assert_int_equal(got.teardown_expected, 9);
		assert_int_equal(got.doomed, i % 3 == 0);
		assert_int_equal(got.doomed_at, 10);
		assert_int_equal(got.recovered, i % 5 == 0);
		assert_int_equal(got.at_risk, i % 4 == 0);
		assert_int_equal(got.at_risk_at, 11);
		assert_int_equal(got.end_class, END_ACTIVE);
		assert_int_equal(got.n_messages, 12);
		assert_int_equal(got.finding_mask, i);
		if (i % 6) {
			assert_null(got.method);
			assert_int_equal(got.final_status, 0);
		} else {
			assert_string_equal(got.method, "OPTIONS");
			assert_int_equal(got.final_status, 211);
		}
	}
	assert_int_equal(dashboard_rows_lookup(&l, 999), SIZE_MAX);
	dashboard_rows_free(&l);
	assert_int_equal(l.n, 0);
	assert_int_equal(dashboard_rows_lookup(&l, 1000), SIZE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_join_replace_and_sort),
		cmocka_unit_test(test_filters_and_stale_view),
		cmocka_unit_test(test_rows_compact_roundtrip),
		cmocka_unit_test(test_every_method_in_the_list),
		cmocka_unit_test(test_entries_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
