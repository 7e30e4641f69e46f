/* Session-timer engine, session-timers.md "Risk and proof" (issue 13): a
 * defective refresh answer puts the dialog at risk; evidence dooms it; an
 * answer the refresher accepted counts as a refresh from when it arrived;
 * --strict-peers dooms at once; teardowns known by their Reason header;
 * Timer C before NO_ANSWER. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/sip_value.h"
#include "tests/support/sipgen.h"

#define SE 90
/* direct calls: the INVITE's 200 reaches the caller at 0.010 */
#define REF0 0.010

/* linphone's answer to UPDATE: Session-Expires, no Contact, no Require: timer */
static const struct sg_opts linphone_200 = {.se = SE, .refresher = "uac", .no_contact = true,
					    .agent = "Linphone/5.1.65"};

/* The healthy linphone call: every defective 200 reaches the refresher, who
 * refreshes again on schedule; the call ends normally.  Never doomed; at risk
 * only between a 200 and the next refresh; each 200 counts from its arrival. */
static void test_accepted_on_schedule(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	uint64_t id = sg_start(&h, &c, "accepted", false, SE, false);

	sg_req(&c, 45, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
	sg_resp(&c, 45.003, SG_CALLER, 200, "UPDATE", 2, &linphone_200, SG_ALL);
	const struct sg_dialog *d = sg_dialog(&h, id);
	assert_true(d->r.at_risk);
	assert_false(d->r.doomed);
	SG_ASSERT_TS(d->r.at_risk_at, sg_t(45.003));
	/* while at risk the countdown is the teardown point a strict peer keeps */
	SG_ASSERT_TS(d->r.teardown_expected, sg_teardown_of(sg_t(REF0), SE));
	assert_int_equal(sg_find(&h, id, FINDING_REFRESH_2XX_NO_CONTACT)->severity, SEVERITY_RISK);
	assert_int_equal(sg_find(&h, id, FINDING_REFRESH_2XX_NO_REQUIRE_TIMER)->severity,
			 SEVERITY_RISK);
	assert_int_equal(sg_count_events(&h, id, EVENT_AT_RISK), 1);
	char was[FINDING_DETAIL_MAX];
	snprintf(was, sizeof was, "%s", sg_find(&h, id, FINDING_REFRESH_2XX_NO_CONTACT)->detail);
	assert_true(strlen(was) > 10);
	/* the old teardown point passes: no REFRESH_OVERDUE while the answer may be taken */
	sg_tick(&h, 61);
	assert_int_equal(sg_count(&h, id, FINDING_REFRESH_OVERDUE), 0);

	sg_req(&c, 90, SG_CALLER, "UPDATE", 3, NULL, SG_ALL);
	d = sg_dialog(&h, id);
	assert_false(d->r.at_risk);
	assert_false(d->r.doomed);
	assert_int_equal(d->r.refreshes_ok, 1);
	assert_int_equal(d->r.refreshes_failed, 0);
	SG_ASSERT_TS(d->r.last_refresh, sg_t(45.003));
	SG_ASSERT_TS(d->r.deadline, sg_deadline_of(sg_t(45.003), SE));
	assert_int_equal(sg_count_events(&h, id, EVENT_RISK_CLEARED), 1);
	const struct sg_finding *f = sg_find(&h, id, FINDING_REFRESH_2XX_NO_CONTACT);
	assert_int_equal(f->severity, SEVERITY_WARNING);
	assert_non_null(strstr(f->detail, "accepted here; a strict proxy such as Lync Server's drops it"));
	/* the risk's own words first, and the agent it was sent with, kept until then */
	assert_int_equal(strncmp(f->detail, was, strlen(was)), 0);
	assert_string_equal(f->agent, "Linphone/5.1.65");
	assert_int_equal(sg_count(&h, id, FINDING_REFRESH_2XX_NO_CONTACT), 1);

	sg_resp(&c, 90.003, SG_CALLER, 200, "UPDATE", 3, &linphone_200, SG_ALL);
	sg_bye(&c, 100, SG_CALLER, 4);
	sg_finish(&h, 101);
	d = sg_dialog(&h, id);
	SG_ASSERT_END(&h, id, END_NORMAL_BYE);
	assert_false(d->r.doomed);
	assert_false(d->r.at_risk);
	assert_int_equal(d->r.refreshes_ok, 2);
	assert_int_equal(sg_count_events(&h, id, EVENT_DOOMED), 0);
	SG_ASSERT_CODES(&h, id, FINDING_REFRESH_2XX_NO_CONTACT, FINDING_REFRESH_2XX_NO_REQUIRE_TIMER);
	const struct sg_endpoint *e = sg_endpoint(&h, "127.0.1.30:5060");
	assert_int_equal(e->malformed, 2);
	assert_int_equal(e->accepted, 2);
	assert_int_equal(e->fatal, 0);
	sg_fini(&h);
}

/* The same call with --strict-peers: doomed at the first defective 200 (the
 * old reading), then recovered by nothing: the next 200 is defective too. */
static void test_strict_peers(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	uint64_t id = sg_start(&h, &c, "strict", false, SE, true);

	sg_req(&c, 45, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
	sg_resp(&c, 45.003, SG_CALLER, 200, "UPDATE", 2, &linphone_200, SG_ALL);
	const struct sg_dialog *d = sg_dialog(&h, id);
	assert_true(d->r.doomed);
	assert_false(d->r.at_risk);
	SG_ASSERT_TS(d->r.doomed_at, sg_t(45.003));
	assert_int_equal(sg_find(&h, id, FINDING_REFRESH_2XX_NO_CONTACT)->severity, SEVERITY_DOOM);
	sg_fini(&h);
}

/* A 200 without Session-Expires that reached the refresher, and nobody tears
 * down nor refreshes: the timer is off (RFC 4028 §7.2), no REFRESH_OVERDUE, no
 * SESSION_EXPIRED. */
static void test_no_se_turns_timer_off(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	uint64_t id = sg_start(&h, &c, "timer-off", false, SE, false);
	struct sg_opts bare = {.agent = "Callee/1"};

	sg_req(&c, 45, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
	sg_resp(&c, 45.003, SG_CALLER, 200, "UPDATE", 2, &bare, SG_ALL);
	assert_true(sg_dialog(&h, id)->r.at_risk);
	sg_tick(&h, 200);
	sg_finish(&h, 300);
	const struct sg_dialog *d = sg_dialog(&h, id);
	assert_false(d->r.doomed);
	assert_false(d->r.at_risk);
	SG_ASSERT_END(&h, id, END_ACTIVE);
	assert_int_equal(d->r.session_expires, -1);
	assert_int_equal(sg_count(&h, id, FINDING_REFRESH_OVERDUE), 0);
	assert_int_equal(sg_count(&h, id, FINDING_SESSION_EXPIRED), 0);
	assert_int_equal(sg_find(&h, id, FINDING_REFRESH_2XX_NO_SESSION_EXPIRES)->severity,
			 SEVERITY_WARNING);
	sg_fini(&h);
}

/* The direct outage (p04): the caller got the 200 without Session-Expires and
 * tears down at the teardown point: doomed by the BYE, TIMER_TEARDOWN. */
static void test_no_se_then_teardown(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	uint64_t id = sg_start(&h, &c, "no-se-bye", false, SE, false);
	struct sg_opts bare = {.no_contact = true};
	double tp = sg_s(sg_teardown_of(sg_t(REF0), SE));

	sg_req(&c, 45, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
	sg_resp(&c, 45.003, SG_CALLER, 200, "UPDATE", 2, &bare, SG_ALL);
	sg_bye(&c, tp + 0.05, SG_CALLER, 3);
	sg_finish(&h, tp + 1);
	const struct sg_dialog *d = sg_dialog(&h, id);
	SG_ASSERT_END(&h, id, END_TIMER_TEARDOWN);
	assert_true(d->r.doomed);
	assert_false(d->r.at_risk);
	SG_ASSERT_TS(d->r.doomed_at, sg_t(tp + 0.05));
	assert_int_equal(sg_endpoint(&h, "127.0.1.30:5060")->fatal, 1);
	sg_fini(&h);
}

/* The 200 dropped before the proxy, the proxy answers the refresher 408
 * after 30 s: RESPONSE_NOT_RELAYED (at the proxy's retransmission) and
 * REFRESH_REJECTED for the 408 (lp_lost200). */
static void test_unrelayed_then_408(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	uint64_t id = sg_start(&h, &c, "lost200", true, SE, false);

	sg_req(&c, 45, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
	sg_resp(&c, 45.02, SG_CALLER, 200, "UPDATE", 2, &linphone_200, SG_FAR);
	assert_true(sg_dialog(&h, id)->r.at_risk);
	/* the proxy retransmits the UPDATE to the callee: it never got the 200 */
	sg_req(&c, 45.5, SG_CALLER, "UPDATE", 2, NULL, SG_FAR);
	const struct sg_dialog *d = sg_dialog(&h, id);
	assert_true(d->r.doomed);
	assert_false(d->r.at_risk);
	SG_ASSERT_TS(d->r.doomed_at, sg_t(45.501)); /* the far hop is 1 ms after */
	assert_non_null(sg_find(&h, id, FINDING_RESPONSE_NOT_RELAYED));
	sg_resp(&c, 75, SG_CALLER, 408, "UPDATE", 2, NULL, SG_NEAR);
	const struct sg_finding *f = sg_find(&h, id, FINDING_REFRESH_REJECTED);
	assert_non_null(f);
	assert_int_equal(f->severity, SEVERITY_DOOM);
	assert_string_equal(f->endpoint, "127.0.1.20:5060");
	sg_finish(&h, 76);
	assert_int_equal(sg_endpoint(&h, "127.0.1.20:5060")->lost, 1);
	assert_non_null(strstr(sg_find(&h, id, FINDING_RESPONSE_NOT_RELAYED)->detail,
			       "within its relay time"));
	sg_fini(&h);
}

/* JsSIP, the non-refresher, ends the call at 1.1 x SE with a Reason header:
 * TIMER_TEARDOWN by what it says, outside the tolerance around the deadline. */
static void test_reason_teardown(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	uint64_t id = sg_start(&h, &c, "reason", false, SE, false);
	struct sg_opts why = {.extra = "Reason: SIP ;cause=408; text=\"Session Timer Expired\""};

	/* 20 s after the teardown point, 10 s before the deadline: no timing rule applies */
	sg_req(&c, 80, SG_CALLER, "BYE", 2, &why, SG_ALL);
	sg_finish(&h, 81);
	SG_ASSERT_END(&h, id, END_TIMER_TEARDOWN);
	assert_true(sg_dialog(&h, id)->r.doomed);
	sg_fini(&h);

	/* the same BYE without the Reason: a hang-up */
	id = sg_start(&h, &c, "no-reason", false, SE, false);
	sg_req(&c, 80, SG_CALLER, "BYE", 2, NULL, SG_ALL);
	sg_finish(&h, 81);
	SG_ASSERT_END(&h, id, END_NORMAL_BYE);
	sg_fini(&h);
}

static void test_reason_texts(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		bool want;
	} cases[] = {
		{"SIP ;cause=408; text=\"Session Timer Expired\"", true},
		{"SIP;cause=408", true},
		{"SIP ; cause = 408", true},
		{"Q.850;cause=16;text=\"Normal call clearing\"", false},
		{"SIP;cause=4080", false},
		{"SIP;cause=200;text=\"Call completed elsewhere\"", false},
		{"Q.850;cause=102;text=\"session timer expired\"", true},
		{"X-Foo;text=\"Session-Expires reached\"", true},
		{"", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(sip_value_reason_timer(cases[i].v, strlen(cases[i].v)), cases[i].want);
}

/* RFC 3261 §17.1.1.2: a 100 Trying stops Timer B; the CANCEL 34 s later and
 * the 487 still find the dialog, which ends CANCELLED, not NO_ANSWER. */
static void test_timer_c_after_provisional(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	struct analyzer_config cfg;

	analyzer_config_defaults(&cfg);
	cfg.utc = true;
	sg_init(&h, &cfg);
	sg_call_init(&c, &h, "slow", false);
	struct sg_opts inv = {.se = SE, .supported_timer = true, .to_tag = ""};
	sg_req(&c, 0, SG_CALLER, "INVITE", 1, &inv, SG_ALL);
	struct sg_opts trying = {.to_tag = ""};
	sg_resp(&c, 0.01, SG_CALLER, 100, "INVITE", 1, &trying, SG_ALL);
	sg_tick(&h, 33);
	uint64_t id = sg_dialog_of(&h, "slow")->r.id;
	assert_int_equal(sg_dialog(&h, id)->r.end_class, END_NONE);
	sg_req(&c, 34, SG_CALLER, "CANCEL", 1, &trying, SG_ALL);
	sg_resp(&c, 34.01, SG_CALLER, 487, "INVITE", 1, NULL, SG_ALL);
	sg_finish(&h, 40);
	SG_ASSERT_END(&h, id, END_CANCELLED);
	uint64_t ids[4];
	assert_int_equal(sg_dialog_ids(&h, "slow", ids, 4), 1);
	sg_fini(&h);
}

/* 180 on one to-tag, 200 on another (forking, or a B2BUA changing tags): the
 * early dialog is REPLACED, not CANCELLED (no CANCEL was sent); the answered
 * one keeps the INVITE's Min-SE and its timer offer. */
static void test_replaced_inherits_invite(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call a, b;
	struct analyzer_config cfg;

	analyzer_config_defaults(&cfg);
	cfg.utc = true;
	sg_init(&h, &cfg);
	sg_call_init(&a, &h, "b2bua", false);
	sg_call_init(&b, &h, "b2bua", false);
	a.callee_tag = "tag-A";
	b.callee_tag = "tag-B";
	struct sg_opts inv = {.se = 1800, .min_se = 120, .supported_timer = true, .to_tag = ""};
	sg_req(&a, 0, SG_CALLER, "INVITE", 1, &inv, SG_ALL);
	sg_resp(&a, 0.01, SG_CALLER, 180, "INVITE", 1, NULL, SG_ALL);
	struct sg_opts ok = {.se = 1800, .refresher = "uac", .require_timer = true};
	sg_resp(&b, 2, SG_CALLER, 200, "INVITE", 1, &ok, SG_ALL);
	sg_finish(&h, 300);
	uint64_t ids[4];
	assert_int_equal(sg_dialog_ids(&h, "b2bua", ids, 4), 2);
	SG_ASSERT_END(&h, ids[0], END_REPLACED);
	SG_ASSERT_END(&h, ids[1], END_ACTIVE);
	assert_int_equal(sg_dialog(&h, ids[1])->r.min_se, 120);
	/* refresher=uac accepted: the caller offered timer in the INVITE */
	assert_int_equal(sg_count(&h, ids[1], FINDING_REFRESHER_UAC_UNSUPPORTED), 0);
	sg_fini(&h);
}

/* Fuzzer find: a defective answer reached the refresher (risk pending), then
 * later evidence doomed the call (that 200 was never ACKed), so the answer
 * can no longer count as accepted.  When the old deadline passes the session
 * expires; the engine used to refuse the acceptance without expiring and
 * re-fire every microsecond for the rest of the capture. */
static void test_doomed_after_pending_risk_expires(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	uint64_t id = sg_start(&h, &c, "noack-risk", false, SE, false);

	sg_req(&c, 1, SG_CALLER, "INVITE", 2, NULL, SG_ALL);
	sg_resp(&c, 1.003, SG_CALLER, 200, "INVITE", 2, &linphone_200, SG_ALL);
	assert_true(sg_dialog(&h, id)->r.at_risk);
	sg_resp(&c, 1.503, SG_CALLER, 200, "INVITE", 2, &linphone_200, SG_ALL); /* no ACK */
	sg_finish(&h, 3600);
	const struct sg_dialog *d = sg_dialog(&h, id);
	assert_true(d->r.doomed);
	assert_int_equal(sg_count(&h, id, FINDING_REFRESH_REINVITE_NO_ACK), 1);
	assert_int_equal(sg_count(&h, id, FINDING_SESSION_EXPIRED), 1);
	SG_ASSERT_END(&h, id, END_EXPIRED_NO_BYE);
	sg_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted_on_schedule),
		cmocka_unit_test(test_doomed_after_pending_risk_expires),
		cmocka_unit_test(test_strict_peers),
		cmocka_unit_test(test_no_se_turns_timer_off),
		cmocka_unit_test(test_no_se_then_teardown),
		cmocka_unit_test(test_unrelayed_then_408),
		cmocka_unit_test(test_reason_teardown),
		cmocka_unit_test(test_reason_texts),
		cmocka_unit_test(test_timer_c_after_provisional),
		cmocka_unit_test(test_replaced_inherits_invite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
