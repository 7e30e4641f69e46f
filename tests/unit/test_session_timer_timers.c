/* Session-timer engine: checks that need time to pass fire from analyzer_tick
 * with no packet, exactly when due (32 s transaction timeouts, the teardown
 * point, the deadline + tolerance), and from the next packet's time otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/sipgen.h"

static const unsigned intervals[] = {90, 1800};
#define N_INTERVALS (sizeof intervals / sizeof intervals[0])

/* REFRESH_UNANSWERED exactly 32 s after the UPDATE, from a tick; the BYE that
 * follows right away is the timer's teardown. */
static void test_unanswered_exactly_32s(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_INTERVALS; i++) {
		unsigned se = intervals[i];
		double t_upd = se / 2.0;
		struct sg_harness h;
		struct sg_call c;
		sg_init(&h, NULL);
		sg_call_init(&c, &h, "unanswered", true);
		sg_setup(&c, 0, se, "uac");
		uint64_t id = sg_dialog_of(&h, "unanswered")->r.id;
		sg_req(&c, t_upd, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
		assert_int_equal(analyzer_next_due(h.a) <= sg_t(t_upd + 32), true);
		sg_tick(&h, t_upd + 31.999999);
		assert_int_equal(sg_count(&h, id, FINDING_REFRESH_UNANSWERED), 0);
		sg_tick(&h, t_upd + 32);
		const struct sg_finding *f = sg_find(&h, id, FINDING_REFRESH_UNANSWERED);
		assert_non_null(f);
		SG_ASSERT_TS(f->ts, sg_t(t_upd + 32));
		assert_string_equal(f->endpoint, "127.0.1.30:5060");
		const struct sg_message *m = sg_message(&h, f->message_id);
		assert_non_null(m);
		assert_string_equal(m->method, "UPDATE");
		SG_ASSERT_TS(m->ts, sg_t(t_upd));
		const struct sg_dialog *d = sg_dialog(&h, id);
		assert_true(d->r.doomed);
		SG_ASSERT_TS(d->r.doomed_at, sg_t(t_upd + 32));
		SG_ASSERT_TS(d->r.teardown_expected, sg_teardown_of(sg_t(0.011), se));
		SG_ASSERT_TS(d->r.deadline, sg_deadline_of(sg_t(0.011), se));
		sg_bye(&c, t_upd + 32.05, SG_CALLER, 3);
		sg_finish(&h, t_upd + 33);
		/* at SE 90 the teardown point (60.011) passed with the UPDATE in flight:
		 * its outcome (unanswered) explains, no REFRESH_OVERDUE */
		SG_ASSERT_CODES(&h, id, FINDING_REFRESH_UNANSWERED, FINDING_TIMER_TEARDOWN);
		SG_ASSERT_END(&h, id, END_TIMER_TEARDOWN);
		assert_int_equal(sg_endpoint(&h, "127.0.1.30:5060")->lost, 1);
		sg_fini(&h);
	}
}

/* The BYE at the teardown point comes before t_req + 32: it decides. */
static void test_unanswered_decided_by_bye(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "unanswered-bye", true);
	sg_setup(&c, 0, 90, "uac");
	uint64_t id = sg_dialog_of(&h, "unanswered-bye")->r.id;
	sg_req(&c, 45, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
	for (double rt = 0.5; rt < 15; rt *= 2)
		sg_req(&c, 45 + rt, SG_CALLER, "UPDATE", 2, NULL, SG_NEAR);
	sg_bye(&c, 60.06, SG_CALLER, 3);
	sg_finish(&h, 61);
	SG_ASSERT_CODES(&h, id, FINDING_REFRESH_UNANSWERED, FINDING_TIMER_TEARDOWN);
	SG_ASSERT_TS(sg_find(&h, id, FINDING_REFRESH_UNANSWERED)->ts, sg_t(60.06));
	assert_non_null(strstr(sg_find(&h, id, FINDING_REFRESH_UNANSWERED)->detail, "before the BYE"));
	SG_ASSERT_END(&h, id, END_TIMER_TEARDOWN);
	sg_fini(&h);
}

/* A hang-up racing a re-INVITE (BYE 1 s later) is not an unanswered refresh. */
static void test_bye_racing_reinvite(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "race", false);
	sg_setup(&c, 0, 1800, "uac");
	uint64_t id = sg_dialog_of(&h, "race")->r.id;
	sg_req(&c, 300, SG_CALLER, "INVITE", 2, NULL, SG_ALL);
	sg_bye(&c, 301, SG_CALLER, 3);
	sg_finish(&h, 400);
	SG_ASSERT_NO_FINDINGS(&h, id);
	SG_ASSERT_END(&h, id, END_NORMAL_BYE);
	sg_fini(&h);
}

/* No refresh, no BYE: OVERDUE at the teardown point, SESSION_EXPIRED at the
 * deadline + max(2 s, 1% SE), both from ticks; EXPIRED_NO_BYE at the end. */
static void test_overdue_then_expired(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_INTERVALS; i++) {
		unsigned se = intervals[i];
		struct sg_harness h;
		struct sg_call c;
		sg_init(&h, NULL);
		sg_call_init(&c, &h, "zombie", false);
		sg_setup(&c, 0, se, "uac");
		uint64_t id = sg_dialog_of(&h, "zombie")->r.id;
		int64_t tp = sg_teardown_of(sg_t(0.010), se), dl = sg_deadline_of(sg_t(0.010), se);
		/* session-timers.md: after the deadline the tolerance is 0.1 x SE */
		int64_t tol = se * USEC_PER_SEC / 10;
		SG_ASSERT_TS(analyzer_next_due(h.a), tp);
		analyzer_tick(h.a, tp - 1);
		assert_int_equal(sg_count(&h, id, FINDING_REFRESH_OVERDUE), 0);
		analyzer_tick(h.a, tp);
		const struct sg_finding *f = sg_find(&h, id, FINDING_REFRESH_OVERDUE);
		assert_non_null(f);
		SG_ASSERT_TS(f->ts, tp);
		assert_int_equal(f->message_id, 0);
		assert_string_equal(f->endpoint, "127.0.1.10:5060");
		SG_ASSERT_TS(sg_dialog(&h, id)->r.doomed_at, tp);
		analyzer_tick(h.a, dl + tol - 1);
		assert_int_equal(sg_count(&h, id, FINDING_SESSION_EXPIRED), 0);
		analyzer_tick(h.a, dl + tol);
		f = sg_find(&h, id, FINDING_SESSION_EXPIRED);
		assert_non_null(f);
		SG_ASSERT_TS(f->ts, dl + tol);
		assert_int_equal(sg_count_events(&h, id, EVENT_EXPIRED), 1);
		assert_int_equal(sg_count_events(&h, id, EVENT_DOOMED), 1);
		sg_finish(&h, sg_s(dl + tol) + 10);
		SG_ASSERT_CODES(&h, id, FINDING_REFRESH_OVERDUE, FINDING_SESSION_EXPIRED);
		SG_ASSERT_END(&h, id, END_EXPIRED_NO_BYE);
		const struct sg_dialog *d = sg_dialog(&h, id);
		assert_true(d->r.doomed);
		SG_ASSERT_TS(d->r.teardown_expected, tp);
		SG_ASSERT_TS(d->r.deadline, dl);
		sg_fini(&h);
	}
}

/* The same checks fire from the next packet's time when the wire is not quiet. */
static void test_timers_fire_from_packets(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c, other;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "quiet-one", false);
	sg_call_init(&other, &h, "busy-one", false);
	sg_setup(&c, 0, 90, "uac");
	uint64_t id = sg_dialog_of(&h, "quiet-one")->r.id;
	sg_req(&other, 102, SG_CALLER, "OPTIONS", 1, NULL, SG_ALL);
	int64_t tp = sg_teardown_of(sg_t(0.010), 90);
	SG_ASSERT_TS(sg_find(&h, id, FINDING_REFRESH_OVERDUE)->ts, tp);
	SG_ASSERT_TS(sg_find(&h, id, FINDING_SESSION_EXPIRED)->ts, sg_t(99.010)); /* D + 0.1 SE */
	sg_fini(&h);
}

/* The refresh is in flight at the teardown point and then rejected (491):
 * REFRESH_OVERDUE comes with the rejection, not before. */
static void test_overdue_deferred_by_inflight_refresh(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "deferred", false);
	sg_setup(&c, 0, 90, "uac");
	uint64_t id = sg_dialog_of(&h, "deferred")->r.id;
	sg_req(&c, 59, SG_CALLER, "INVITE", 2, NULL, SG_ALL);
	sg_tick(&h, 61);
	assert_int_equal(sg_count(&h, id, FINDING_REFRESH_OVERDUE), 0);
	sg_resp(&c, 61.5, SG_CALLER, 491, "INVITE", 2, NULL, SG_ALL);
	SG_ASSERT_TS(sg_find(&h, id, FINDING_REFRESH_OVERDUE)->ts, sg_t(61.5));
	sg_finish(&h, 62);
	SG_ASSERT_CODES(&h, id, FINDING_REFRESH_REJECTED, FINDING_REFRESH_OVERDUE);
	sg_fini(&h);

	/* ... and when it succeeds after the teardown point, nothing */
	sg_init(&h, NULL);
	sg_call_init(&c, &h, "deferred-ok", false);
	sg_setup(&c, 0, 90, "uac");
	id = sg_dialog_of(&h, "deferred-ok")->r.id;
	sg_req(&c, 59, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
	sg_tick(&h, 61);
	struct sg_opts ok = {.se = 90, .refresher = "uac", .require_timer = true};
	sg_resp(&c, 61.5, SG_CALLER, 200, "UPDATE", 2, &ok, SG_ALL);
	sg_finish(&h, 62);
	SG_ASSERT_NO_FINDINGS(&h, id);
	SG_ASSERT_TS(sg_dialog(&h, id)->r.deadline, sg_t(151.5));
	sg_fini(&h);
}

/* An answer arriving after t_req + 32 s refreshes nothing: the requester's
 * transaction is over. */
static void test_late_answer_refreshes_nothing(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	struct sg_opts ok = {.se = 1800, .refresher = "uac", .require_timer = true};

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "late-answer", false);
	sg_setup(&c, 0, 1800, "uac");
	uint64_t id = sg_dialog_of(&h, "late-answer")->r.id;
	sg_req(&c, 900, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
	sg_resp(&c, 940, SG_CALLER, 200, "UPDATE", 2, &ok, SG_ALL);
	const struct sg_dialog *d = sg_dialog(&h, id);
	assert_true(d->r.doomed);
	SG_ASSERT_TS(d->r.deadline, sg_deadline_of(sg_t(0.010), 1800));
	assert_int_equal(d->r.refreshes_ok, 0);
	sg_finish(&h, 941);
	SG_ASSERT_CODES(&h, id, FINDING_REFRESH_UNANSWERED);
	sg_fini(&h);
}

/* The next due time is exposed for a live loop. */
static void test_next_due(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	SG_ASSERT_TS(analyzer_next_due(h.a), TS_NONE);
	sg_call_init(&c, &h, "due", false);
	sg_req(&c, 0, SG_CALLER, "INVITE", 1, NULL, SG_ALL);
	SG_ASSERT_TS(analyzer_next_due(h.a), sg_t(32)); /* NO_ANSWER */
	sg_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unanswered_exactly_32s),
		cmocka_unit_test(test_unanswered_decided_by_bye),
		cmocka_unit_test(test_bye_racing_reinvite),
		cmocka_unit_test(test_overdue_then_expired),
		cmocka_unit_test(test_timers_fire_from_packets),
		cmocka_unit_test(test_overdue_deferred_by_inflight_refresh),
		cmocka_unit_test(test_late_answer_refreshes_nothing),
		cmocka_unit_test(test_next_due),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
