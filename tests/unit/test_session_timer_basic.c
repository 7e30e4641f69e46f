/* Session-timer engine: healthy calls and the motivating outage (u02/u03 shapes),
 * with exact deadline / teardown_expected / doomed_at at SE 1800 and SE 90. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/sipgen.h"

/* Via the proxy the 200 leaves the callee at t+0.010 and reaches the caller
 * (the refresher's leg for refresher=uac) at t+0.011. */
#define SETUP_2XX_AT_CALLER 0.011

static void healthy_update_refreshes(unsigned se)
{
	struct sg_harness h;
	struct sg_call c;
	struct sg_opts upd = {.se = se, .refresher = "uac", .min_se = 90, .supported_timer = true};
	struct sg_opts ok = {.se = se, .refresher = "uac", .require_timer = true,
			     .supported_timer = true};
	double half = se / 2.0;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "healthy-update", true);
	sg_setup(&c, 0, se, "uac");
	const struct sg_dialog *d = sg_dialog_of(&h, "healthy-update");
	assert_non_null(d);
	uint64_t id = d->r.id;
	SG_ASSERT_TS(d->r.deadline, sg_t(SETUP_2XX_AT_CALLER + se));

	sg_req(&c, half, SG_CALLER, "UPDATE", 2, &upd, SG_ALL);
	sg_resp(&c, half + 0.003, SG_CALLER, 200, "UPDATE", 2, &ok, SG_ALL);
	d = sg_dialog(&h, id);
	/* t_ref = the 200 on the caller's leg: t + 0.003 + 0.001 */
	SG_ASSERT_TS(d->r.last_refresh, sg_t(half + 0.004));
	SG_ASSERT_TS(d->r.deadline, sg_t(half + 0.004 + se));
	SG_ASSERT_TS(d->r.teardown_expected, sg_teardown_of(sg_t(half + 0.004), se));
	assert_int_equal(d->r.refreshes_ok, 1);

	sg_req(&c, 2 * half, SG_CALLER, "UPDATE", 3, &upd, SG_ALL);
	sg_resp(&c, 2 * half + 0.002, SG_CALLER, 200, "UPDATE", 3, &ok, SG_ALL);
	sg_req(&c, 2 * half + 30, SG_CALLER, "BYE", 4, NULL, SG_ALL);
	sg_resp(&c, 2 * half + 30.001, SG_CALLER, 200, "BYE", 4, NULL, SG_ALL);
	sg_finish(&h, 2 * half + 31);

	d = sg_dialog(&h, id);
	SG_ASSERT_NO_FINDINGS(&h, id);
	SG_ASSERT_END(&h, id, END_NORMAL_BYE);
	assert_false(d->r.doomed);
	assert_int_equal(d->r.refreshes_ok, 2);
	assert_int_equal(d->r.refreshes_failed, 0);
	assert_int_equal(d->r.session_expires, se);
	assert_int_equal(d->r.refresher, DIALOG_REFRESHER_UAC);
	SG_ASSERT_TS(d->r.deadline, sg_t(2 * half + 0.003 + se));
	assert_int_equal(sg_count_events(&h, 0, EVENT_DOOMED), 0);
	const struct sg_endpoint *ep = sg_endpoint(&h, "127.0.1.30:5060");
	assert_non_null(ep);
	assert_int_equal(ep->ok, 2);
	sg_fini(&h);
}

static void test_healthy_update_se90(void **state)
{
	(void)state;
	healthy_update_refreshes(90);
}

static void test_healthy_update_se1800(void **state)
{
	(void)state;
	healthy_update_refreshes(1800);
}

/* The motivating outage (u02): the callee answers the UPDATE with a 200 that
 * lacks Contact and Session-Expires, the proxy drops it, the caller retransmits
 * and tears the call down at the teardown point. */
static void outage_dropped(unsigned se)
{
	struct sg_harness h;
	struct sg_call c;
	struct sg_opts upd = {.se = se, .refresher = "uac", .min_se = 90, .supported_timer = true};
	struct sg_opts bad = {.no_contact = true, .supported_timer = true};
	double half = se / 2.0;
	int64_t t_ref = sg_t(SETUP_2XX_AT_CALLER);
	int64_t tp = sg_teardown_of(t_ref, se);
	double tp_s = (double)(tp - SG_T0_US) / 1e6;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "outage-dropped", true);
	sg_setup(&c, 0, se, "uac");
	uint64_t id = sg_dialog_of(&h, "outage-dropped")->r.id;

	sg_req(&c, half, SG_CALLER, "UPDATE", 2, &upd, SG_ALL);
	/* the 200 is seen callee → proxy only */
	sg_resp(&c, half + 0.004, SG_CALLER, 200, "UPDATE", 2, &bad, SG_FAR);
	const struct sg_dialog *d = sg_dialog(&h, id);
	/* session-timers.md "Risk and proof": the defect alone puts it at risk */
	assert_false(d->r.doomed);
	assert_true(d->r.at_risk);
	SG_ASSERT_TS(d->r.at_risk_at, sg_t(half + 0.004));
	SG_ASSERT_TS(d->r.teardown_expected, tp);
	SG_ASSERT_TS(d->r.deadline, t_ref + (int64_t)se * USEC_PER_SEC);
	assert_int_equal(sg_count_events(&h, id, EVENT_AT_RISK), 1);
	assert_int_equal(sg_count_events(&h, id, EVENT_DOOMED), 0);
	const struct sg_finding *f = sg_find(&h, id, FINDING_REFRESH_2XX_NO_CONTACT);
	assert_non_null(f);
	assert_string_equal(f->endpoint, "127.0.1.30:5060");
	assert_string_equal(f->agent, "UCMA/4.0");
	assert_non_null(strstr(f->detail, "200 OK to UPDATE (CSeq 2) from 127.0.1.30:5060 (UCMA/4.0) "
					  "lacks Contact and Session-Expires"));
	assert_non_null(strstr(f->detail, "refresher 127.0.1.10:5060 (CallerPhone/1.0) will tear "
					  "the call down at"));
	const struct sg_message *m = sg_message(&h, f->message_id);
	assert_non_null(m);
	assert_int_equal(m->status, 200);
	assert_string_equal(m->src, "127.0.1.30:5060");

	/* UDP retransmissions of the UPDATE on the caller's leg, absorbed by the proxy */
	double rt[] = {0.5, 1.5, 3.5, 7.5, 11.5};
	for (size_t i = 0; i < sizeof rt / sizeof rt[0]; i++)
		sg_req(&c, half + rt[i], SG_CALLER, "UPDATE", 2, &upd, SG_NEAR);
	/* the first retransmission after the 2xx went back is the proof:
	 * RESPONSE_NOT_RELAYED, doomed at once (the proxy's learned relay time,
	 * 1 ms x 4 raised to 500 ms, would have decided at half + 0.504) */
	d = sg_dialog(&h, id);
	assert_true(d->r.doomed);
	assert_false(d->r.at_risk);
	SG_ASSERT_TS(d->r.doomed_at, sg_t(half + 0.5));
	assert_int_equal(sg_count_events(&h, id, EVENT_DOOMED), 1);
	size_t retrans = 0;
	for (size_t i = 0; i < h.n_msgs; i++)
		retrans += h.msgs[i].retransmission;
	assert_int_equal(retrans, 5);

	/* BYE 53 ms after the teardown point */
	sg_req(&c, tp_s + 0.053, SG_CALLER, "BYE", 3, NULL, SG_ALL);
	sg_resp(&c, tp_s + 0.056, SG_CALLER, 200, "BYE", 3, NULL, SG_ALL);
	sg_finish(&h, tp_s + 0.1);

	SG_ASSERT_CODES(&h, id, FINDING_REFRESH_2XX_NO_SESSION_EXPIRES, FINDING_REFRESH_2XX_NO_CONTACT,
			FINDING_RESPONSE_NOT_RELAYED, FINDING_TIMER_TEARDOWN);
	SG_ASSERT_END(&h, id, END_TIMER_TEARDOWN);
	d = sg_dialog(&h, id);
	assert_true(d->r.doomed);
	SG_ASSERT_TS(d->r.doomed_at, sg_t(half + 0.5));
	assert_int_equal(d->r.refreshes_failed, 1);
	f = sg_find(&h, id, FINDING_RESPONSE_NOT_RELAYED);
	assert_string_equal(f->endpoint, "127.0.1.20:5060");
	assert_int_equal(f->severity, SEVERITY_DOOM);
	SG_ASSERT_TS(f->ts, sg_t(half + 0.5));
	assert_int_equal(sg_find(&h, id, FINDING_REFRESH_2XX_NO_CONTACT)->severity, SEVERITY_RISK);
	f = sg_find(&h, id, FINDING_TIMER_TEARDOWN);
	assert_string_equal(f->endpoint, "127.0.1.10:5060");
	assert_int_equal(sg_count_events(&h, id, EVENT_TEARDOWN), 1);
	const struct sg_endpoint *uas = sg_endpoint(&h, "127.0.1.30:5060");
	assert_non_null(uas);
	assert_int_equal(uas->malformed, 1);
	assert_int_equal(uas->fatal, 1); /* malformed, and the call did not survive it */
	assert_int_equal(uas->accepted, 0);
	const struct sg_endpoint *px = sg_endpoint(&h, "127.0.1.20:5060");
	assert_non_null(px);
	assert_int_equal(px->lost, 1);
	sg_fini(&h);
}

static void test_outage_dropped_se90(void **state)
{
	(void)state;
	outage_dropped(90);
}

static void test_outage_dropped_se1800(void **state)
{
	(void)state;
	outage_dropped(1800);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_update_se90),
		cmocka_unit_test(test_healthy_update_se1800),
		cmocka_unit_test(test_outage_dropped_se90),
		cmocka_unit_test(test_outage_dropped_se1800),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
