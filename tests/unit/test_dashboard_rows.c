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
		cmocka_unit_test(test_bytes_per_dialog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
