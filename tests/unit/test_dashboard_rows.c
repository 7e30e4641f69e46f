/* test_dashboard_rows: the dashboard list's memory — a reload drops in place
 * the rows the db no longer has (dashboard_rows_keep), and a list of
 * bench-like dialogs costs no more bytes a dialog than the README states, so
 * a regression in the list's size fails here rather than in a bench. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/packet.h"
#include "ui/dashboard_rows.h"

/* A dialog like the 140k-call bench's: a 32-hex Call-ID, E.164 users on
 * hosts from a /24, tags, a few user agents. */
static void bench_like(struct dialog_record *r, size_t i, char *call, char *from, char *to,
		       char *ftag, char *ttag)
{
	static const char *const agents[] = {"FreeSWITCH-mod_sofia/1.10.9-release", "Polycom/5.9.6.2327 PolycomVVX-VVX_450-UA/5.9.6.2327",
					     "Cisco-CP8865/14.2.1", "Linphone/5.2.0 (belle-sip/5.2.0)",
					     "Asterisk PBX 18.10.0"};

	memset(r, 0, sizeof *r);
	snprintf(call, 64, "%08zx%08zx%08zx%08zx", i * 2654435761u, i, i ^ 0x5a5a5a5au, i * 7);
	snprintf(from, 64, "sip:+1425555%04zu@127.0.50.%zu", i % 10000, i % 250);
	snprintf(to, 64, "sip:+1206555%04zu@127.0.51.%zu", (i * 7) % 10000, i % 250);
	snprintf(ftag, 32, "%zx", i * 40503u);
	snprintf(ttag, 32, "%zx", i * 9973u);
	r->id = 1 + i;
	r->call_id = call;
	r->from_uri = from;
	r->to_uri = to;
	r->from_tag = ftag;
	r->to_tag = ttag;
	r->caller_ua = agents[i % 5];
	r->callee_ua = agents[(i + 2) % 5];
	r->state = "terminated";
	r->transport = TRANSPORT_UDP;
	r->created = (int64_t)i * 1000;
	r->established = r->created + 100;
	r->ended = r->created + 60000000;
	r->last_refresh = r->deadline = r->teardown_expected = r->doomed_at = r->at_risk_at = TS_NONE;
	r->session_expires = 1800;
	r->min_se = 90;
	r->end_class = END_NORMAL_BYE;
	r->n_messages = 7;
}

static void put_bench_like(struct dash_list *l, size_t i)
{
	char call[64], from[64], to[64], ftag[32], ttag[32];
	struct dialog_record r;

	bench_like(&r, i, call, from, to, ftag, ttag);
	dashboard_rows_put(l, &r, NULL);
}

static void test_keep_drops_in_place(void **state)
{
	(void)state;
	struct dash_list l;
	struct dialog_record got;
	char call[64], from[64], to[64], ftag[32], ttag[32];
	struct dialog_record want;
	const size_t n = 5000;
	bool *keep = calloc(n, sizeof *keep);
	size_t kept = 0, doomed = 0;

	assert_non_null(keep);
	memset(&l, 0, sizeof l);
	for (size_t i = 0; i < n; i++) {
		bench_like(&want, i, call, from, to, ftag, ttag);
		want.doomed = i % 2 == 0;
		dashboard_rows_put(&l, &want, NULL);
		keep[i] = i % 3 != 0;
		kept += keep[i];
		doomed += keep[i] && want.doomed;
	}
	assert_int_equal(dashboard_rows_keep(&l, keep), n - kept);
	assert_int_equal(l.n, kept);
	assert_int_equal(l.n_doomed, doomed);
	assert_int_equal(l.n_invite, kept);
	for (size_t i = 0, ix = 0; i < n; i++) {
		bench_like(&want, i, call, from, to, ftag, ttag);
		if (!keep[i]) {
			assert_int_equal(dashboard_rows_lookup(&l, want.id), SIZE_MAX);
			continue;
		}
		/* the kept rows in their order, found by id, their text intact */
		assert_int_equal(dashboard_rows_lookup(&l, want.id), ix);
		dashboard_rows_get(&l, ix++, &got);
		assert_int_equal(got.id, want.id);
		assert_string_equal(got.call_id, want.call_id);
		assert_string_equal(got.from_uri, want.from_uri);
		assert_string_equal(got.to_uri, want.to_uri);
		assert_string_equal(got.from_tag, want.from_tag);
		assert_string_equal(got.to_tag, want.to_tag);
		assert_string_equal(got.caller_ua, want.caller_ua);
		assert_int_equal(got.doomed, i % 2 == 0);
	}
	/* all kept: nothing dropped */
	memset(keep, 1, n * sizeof *keep);
	assert_int_equal(dashboard_rows_keep(&l, keep), 0);
	assert_int_equal(l.n, kept);
	/* a row put after a keep gets the next index and is found */
	put_bench_like(&l, n + 1);
	assert_int_equal(dashboard_rows_lookup(&l, n + 2), kept);
	dashboard_rows_free(&l);
	free(keep);
}

static void assert_values(const struct dash_list *l, const struct dialog_record *want)
{
	struct dialog_record got;
	size_t ix = dashboard_rows_lookup(l, want->id);

	assert_int_not_equal(ix, SIZE_MAX);
	dashboard_rows_get(l, ix, &got);
	assert_true(got.created == want->created);
	assert_true(got.established == want->established);
	assert_true(got.ended == want->ended);
	assert_true(got.last_refresh == want->last_refresh);
	assert_true(got.deadline == want->deadline);
	assert_true(got.teardown_expected == want->teardown_expected);
	assert_true(got.doomed_at == want->doomed_at);
	assert_true(got.at_risk_at == want->at_risk_at);
	assert_true(got.session_expires == want->session_expires);
	assert_true(got.min_se == want->min_se);
}

/* Times 32 bits from created and timer values of 32 bits are kept narrow;
 * any other value (a call of hours, no created, a huge Session-Expires)
 * comes back exactly all the same. */
static void test_times_exact_narrow_or_wide(void **state)
{
	(void)state;
	const int64_t t0 = INT64_C(1767225600000000); /* 2026-01-01, microseconds */
	const int64_t cases[][10] = {
		/* created, established, ended, refresh, deadline, teardown, doomed, at risk, SE, min SE */
		{t0, t0 + 1, t0 + 2, TS_NONE, TS_NONE, TS_NONE, TS_NONE, TS_NONE, -1, -1},
		{t0, t0 - 5, t0 + INT32_MAX, t0 + INT32_MIN + 1, TS_NONE, t0 + 7, TS_NONE, t0, 1800, 90},
		{t0, t0 + 1, t0 + INT64_C(3) * 3600 * 1000000, TS_NONE, TS_NONE, TS_NONE, TS_NONE, TS_NONE, 90, 90},
		{t0, t0 + INT32_MIN, TS_NONE, TS_NONE, TS_NONE, TS_NONE, TS_NONE, TS_NONE, 90, 90},
		{TS_NONE, t0, TS_NONE, TS_NONE, TS_NONE, TS_NONE, TS_NONE, TS_NONE, -1, -1},
		{TS_NONE, TS_NONE, TS_NONE, TS_NONE, TS_NONE, TS_NONE, TS_NONE, TS_NONE, -1, -1},
		{t0, t0, t0, t0, t0, t0, t0, t0, INT64_C(1) << 40, INT32_MIN},
		{INT64_MAX, INT64_MIN + 1, 0, -1, TS_NONE, TS_NONE, TS_NONE, TS_NONE, INT64_MAX, INT64_MIN},
	};
	const size_t n = sizeof cases / sizeof cases[0];
	struct dash_list l;
	struct dialog_record r;

	memset(&l, 0, sizeof l);
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < n; i++) {
			/* the same dialogs, their values rotated: narrow rows go wide,
			 * wide rows get values that would fit */
			const int64_t *c = cases[(i + (size_t)round) % n];

			memset(&r, 0, sizeof r);
			r.id = 10 + i;
			r.call_id = "c";
			r.created = c[0];
			r.established = c[1];
			r.ended = c[2];
			r.last_refresh = c[3];
			r.deadline = c[4];
			r.teardown_expected = c[5];
			r.doomed_at = c[6];
			r.at_risk_at = c[7];
			r.session_expires = c[8];
			r.min_se = c[9];
			dashboard_rows_put(&l, &r, NULL);
			assert_values(&l, &r);
		}
	}
	/* the first two cases fit: a list of only those has no wide table */
	dashboard_rows_free(&l);
	for (size_t i = 0; i < 2; i++) {
		memset(&r, 0, sizeof r);
		r.id = 1 + i;
		r.created = cases[i][0];
		r.established = cases[i][1];
		r.ended = cases[i][2];
		r.last_refresh = cases[i][3];
		r.deadline = cases[i][4];
		r.teardown_expected = cases[i][5];
		r.doomed_at = cases[i][6];
		r.at_risk_at = cases[i][7];
		r.session_expires = cases[i][8];
		r.min_se = cases[i][9];
		dashboard_rows_put(&l, &r, NULL);
		assert_values(&l, &r);
	}
	assert_int_equal(l.n_wide, 0);
	dashboard_rows_free(&l);
}

static void test_bytes_per_dialog(void **state)
{
	(void)state;
	struct dash_list l;
	const size_t n = 140000;
	size_t bytes;

	memset(&l, 0, sizeof l);
	for (size_t i = 0; i < n; i++)
		put_bench_like(&l, i);
	bytes = dashboard_rows_bytes(&l);
	printf("# dashboard list: %zu bytes for %zu dialogs, %zu a dialog\n", bytes, n, bytes / n);
	/* the row, its own text, its index slots (README: the dashboard's list) */
	assert_true(bytes / n <= DASH_ROWS_BYTES_PER_DIALOG);
	dashboard_rows_free(&l);
	assert_int_equal(dashboard_rows_bytes(&l), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_drops_in_place),
		cmocka_unit_test(test_times_exact_narrow_or_wide),
		cmocka_unit_test(test_bytes_per_dialog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
