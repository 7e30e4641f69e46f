/* Session-timer engine: healthy calls of every kind produce no doom and move
 * t_ref / deadline / teardown_expected exactly (SE 90 and SE 1800). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/sipgen.h"

static const unsigned intervals[] = {90, 1800};
#define N_INTERVALS (sizeof intervals / sizeof intervals[0])

static void assert_timer(const struct sg_harness *h, uint64_t id, double t_ref, unsigned se,
			 enum dialog_refresher refresher)
{
	const struct sg_dialog *d = sg_dialog(h, id);

	assert_non_null(d);
	assert_int_equal(d->r.session_expires, se);
	assert_int_equal(d->r.refresher, refresher);
	SG_ASSERT_TS(d->r.deadline, sg_deadline_of(sg_t(t_ref), se));
	SG_ASSERT_TS(d->r.teardown_expected, sg_teardown_of(sg_t(t_ref), se));
	assert_false(d->r.doomed);
	SG_ASSERT_TS(d->r.doomed_at, TS_NONE);
}

/* re-INVITE refreshes through the proxy (RFC 4028 §10: any re-INVITE refreshes). */
static void test_reinvite_refresh(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_INTERVALS; i++) {
		unsigned se = intervals[i];
		struct sg_harness h;
		struct sg_call c;
		sg_init(&h, NULL);
		sg_call_init(&c, &h, "reinvite", true);
		sg_setup(&c, 0, se, "uac");
		uint64_t id = sg_dialog_of(&h, "reinvite")->r.id;
		assert_timer(&h, id, 0.011, se, DIALOG_REFRESHER_UAC);
		sg_refresh(&c, se / 2.0, SG_CALLER, "INVITE", 2, se, "uac");
		assert_timer(&h, id, se / 2.0 + 0.004, se, DIALOG_REFRESHER_UAC);
		sg_refresh(&c, se, SG_CALLER, "INVITE", 3, se, "uac");
		assert_timer(&h, id, se + 0.004, se, DIALOG_REFRESHER_UAC);
		sg_bye(&c, se + 10, SG_CALLEE, 1);
		sg_finish(&h, se + 60);
		SG_ASSERT_NO_FINDINGS(&h, id);
		SG_ASSERT_END(&h, id, END_NORMAL_BYE);
		assert_int_equal(sg_dialog(&h, id)->r.refreshes_ok, 2);
		sg_fini(&h);
	}
}

/* refresher=uas: the callee refreshes with UPDATE (its own CSeq space); its
 * t_ref is the 2xx reaching it, the 200 of the initial INVITE counts when the
 * callee sends it (the refresher's leg). */
static void test_refresher_uas_callee_updates(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_INTERVALS; i++) {
		unsigned se = intervals[i];
		struct sg_harness h;
		struct sg_call c;
		sg_init(&h, NULL);
		sg_call_init(&c, &h, "uas", true);
		sg_setup(&c, 0, se, "uas");
		uint64_t id = sg_dialog_of(&h, "uas")->r.id;
		assert_timer(&h, id, 0.010, se, DIALOG_REFRESHER_UAS);
		/* "uac" in the callee's UPDATE's 2xx is the callee itself */
		sg_refresh(&c, se / 2.0, SG_CALLEE, "UPDATE", 1, se, "uac");
		assert_timer(&h, id, se / 2.0 + 0.004, se, DIALOG_REFRESHER_UAS);
		sg_refresh(&c, se, SG_CALLEE, "UPDATE", 2, se, "uac");
		assert_timer(&h, id, se + 0.004, se, DIALOG_REFRESHER_UAS);
		sg_bye(&c, se + 5, SG_CALLER, 2);
		sg_finish(&h, se + 60);
		SG_ASSERT_NO_FINDINGS(&h, id);
		SG_ASSERT_END(&h, id, END_NORMAL_BYE);
		sg_fini(&h);
	}
}

/* The callee re-INVITEs (e.g. hold) while the caller is refresher: the 2xx's
 * refresher=uac makes the callee the refresher from then on. */
static void test_callee_reinvite_takes_refresher(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_INTERVALS; i++) {
		unsigned se = intervals[i];
		struct sg_harness h;
		struct sg_call c;
		sg_init(&h, NULL);
		sg_call_init(&c, &h, "callee-reinvite", false);
		sg_setup(&c, 0, se, "uac");
		uint64_t id = sg_dialog_of(&h, "callee-reinvite")->r.id;
		assert_timer(&h, id, 0.010, se, DIALOG_REFRESHER_UAC);
		sg_refresh(&c, 20, SG_CALLEE, "INVITE", 1, se, "uac");
		assert_timer(&h, id, 20.003, se, DIALOG_REFRESHER_UAS);
		sg_refresh(&c, 20 + se / 2.0, SG_CALLEE, "UPDATE", 2, se, "uac");
		assert_timer(&h, id, 20.003 + se / 2.0, se, DIALOG_REFRESHER_UAS);
		sg_bye(&c, 20 + se / 2.0 + 1, SG_CALLER, 2);
		sg_finish(&h, 20 + se);
		SG_ASSERT_NO_FINDINGS(&h, id);
		SG_ASSERT_END(&h, id, END_NORMAL_BYE);
		sg_fini(&h);
	}
}

/* RFC 4028 §6, §7.3: 422 with Min-SE, the INVITE retried with a new CSeq and a
 * larger interval — one dialog, a warning, no doom. */
static void test_initial_422_then_retry(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	struct sg_opts small = {.se = 60, .refresher = "uac", .supported_timer = true};
	struct sg_opts too_small = {.min_se = 90};
	struct sg_opts retry = {.se = 90, .refresher = "uac", .min_se = 90, .supported_timer = true};
	struct sg_opts ok = {.se = 90, .refresher = "uac", .require_timer = true};

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "retry-422", false);
	sg_req(&c, 0, SG_CALLER, "INVITE", 1, &small, SG_ALL);
	sg_resp(&c, 0.005, SG_CALLER, 422, "INVITE", 1, &too_small, SG_ALL);
	sg_req(&c, 0.006, SG_CALLER, "ACK", 1, NULL, SG_ALL);
	c.tagged = false;
	sg_req(&c, 0.010, SG_CALLER, "INVITE", 2, &retry, SG_ALL);
	sg_resp(&c, 0.015, SG_CALLER, 180, "INVITE", 2, NULL, SG_ALL);
	sg_resp(&c, 0.020, SG_CALLER, 200, "INVITE", 2, &ok, SG_ALL);
	sg_req(&c, 0.025, SG_CALLER, "ACK", 2, NULL, SG_ALL);
	uint64_t ids[4];
	assert_int_equal(sg_dialog_ids(&h, "retry-422", ids, 4), 1);
	assert_timer(&h, ids[0], 0.020, 90, DIALOG_REFRESHER_UAC);
	sg_refresh(&c, 45, SG_CALLER, "UPDATE", 3, 90, "uac");
	sg_bye(&c, 50, SG_CALLER, 4);
	sg_finish(&h, 100);
	SG_ASSERT_CODES(&h, ids[0], FINDING_INTERVAL_TOO_SMALL);
	/* once per transaction: the INVITE and its 422 are one */
	assert_int_equal(sg_count(&h, ids[0], FINDING_INTERVAL_TOO_SMALL), 1);
	SG_ASSERT_END(&h, ids[0], END_NORMAL_BYE);
	assert_false(sg_dialog(&h, ids[0])->r.doomed);
	assert_int_equal(sg_dialog(&h, ids[0])->r.min_se, 90);
	sg_fini(&h);
}

/* A refresh UPDATE rejected with 422, retried with a larger interval: warnings only. */
static void test_refresh_422_then_retry(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_INTERVALS; i++) {
		unsigned se = intervals[i];
		struct sg_harness h;
		struct sg_call c;
		struct sg_opts small = {.se = 60, .refresher = "uac", .supported_timer = true};
		struct sg_opts too_small = {.min_se = 90};
		sg_init(&h, NULL);
		sg_call_init(&c, &h, "refresh-422", true);
		sg_setup(&c, 0, se, "uac");
		uint64_t id = sg_dialog_of(&h, "refresh-422")->r.id;
		sg_req(&c, se / 2.0, SG_CALLER, "UPDATE", 2, &small, SG_ALL);
		sg_resp(&c, se / 2.0 + 0.003, SG_CALLER, 422, "UPDATE", 2, &too_small, SG_ALL);
		sg_refresh(&c, se / 2.0 + 0.1, SG_CALLER, "UPDATE", 3, se, "uac");
		assert_timer(&h, id, se / 2.0 + 0.104, se, DIALOG_REFRESHER_UAC);
		sg_bye(&c, se / 2.0 + 5, SG_CALLER, 4);
		sg_finish(&h, se + 100);
		SG_ASSERT_CODES(&h, id, FINDING_INTERVAL_TOO_SMALL, FINDING_REFRESH_REJECTED);
		assert_int_equal(sg_find(&h, id, FINDING_REFRESH_REJECTED)->severity, SEVERITY_WARNING);
		SG_ASSERT_END(&h, id, END_NORMAL_BYE);
		assert_false(sg_dialog(&h, id)->r.doomed);
		assert_int_equal(sg_count_events(&h, id, EVENT_DOOMED), 0);
		sg_fini(&h);
	}
}

/* RFC 3261 §14.1: a re-INVITE refresh meets glare (491) and is retried 2.5 s later. */
static void test_491_then_retry(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_INTERVALS; i++) {
		unsigned se = intervals[i];
		struct sg_harness h;
		struct sg_call c;
		struct sg_opts req = {.se = se, .refresher = "uac", .supported_timer = true};
		sg_init(&h, NULL);
		sg_call_init(&c, &h, "glare", true);
		sg_setup(&c, 0, se, "uac");
		uint64_t id = sg_dialog_of(&h, "glare")->r.id;
		sg_req(&c, se / 2.0, SG_CALLER, "INVITE", 2, &req, SG_ALL);
		sg_resp(&c, se / 2.0 + 0.003, SG_CALLER, 491, "INVITE", 2, NULL, SG_ALL);
		sg_req(&c, se / 2.0 + 0.006, SG_CALLER, "ACK", 2, NULL, SG_ALL);
		sg_refresh(&c, se / 2.0 + 2.5, SG_CALLER, "INVITE", 3, se, "uac");
		assert_timer(&h, id, se / 2.0 + 2.504, se, DIALOG_REFRESHER_UAC);
		sg_bye(&c, se / 2.0 + 30, SG_CALLER, 4);
		sg_finish(&h, se + 100);
		SG_ASSERT_CODES(&h, id, FINDING_REFRESH_REJECTED);
		assert_int_equal(sg_find(&h, id, FINDING_REFRESH_REJECTED)->severity, SEVERITY_WARNING);
		SG_ASSERT_END(&h, id, END_NORMAL_BYE);
		assert_false(sg_dialog(&h, id)->r.doomed);
		const struct sg_dialog *d = sg_dialog(&h, id);
		assert_int_equal(d->r.refreshes_ok, 1);
		assert_int_equal(d->r.refreshes_failed, 1);
		sg_fini(&h);
	}
}

/* Capture starts mid-call with an UPDATE: a confirmed dialog, the timer inferred
 * from the refresh's 2xx, then healthy. */
static void test_midcall_start_update(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_INTERVALS; i++) {
		unsigned se = intervals[i];
		struct sg_harness h;
		struct sg_call c;
		sg_init(&h, NULL);
		sg_call_init(&c, &h, "midcall", true);
		c.tagged = true;
		sg_refresh(&c, 100, SG_CALLER, "UPDATE", 7, se, "uac");
		const struct sg_dialog *d = sg_dialog_of(&h, "midcall");
		assert_non_null(d);
		uint64_t id = d->r.id;
		assert_string_equal(d->r.state, "confirmed");
		assert_timer(&h, id, 100.004, se, DIALOG_REFRESHER_UAC);
		sg_refresh(&c, 100 + se / 2.0, SG_CALLER, "UPDATE", 8, se, "uac");
		assert_timer(&h, id, 100.004 + se / 2.0, se, DIALOG_REFRESHER_UAC);
		sg_bye(&c, 100 + se / 2.0 + 3, SG_CALLEE, 40);
		sg_finish(&h, 100 + se);
		SG_ASSERT_NO_FINDINGS(&h, id);
		SG_ASSERT_END(&h, id, END_NORMAL_BYE);
		uint64_t ids[4];
		assert_int_equal(sg_dialog_ids(&h, "midcall", ids, 4), 1);
		sg_fini(&h);
	}
}

/* Capture starts with the 2xx of a re-INVITE (its request unseen): timer inferred. */
static void test_midcall_start_2xx(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	struct sg_opts ok = {.se = 1800, .refresher = "uas"};

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "midcall-2xx", false);
	c.tagged = true;
	sg_resp(&c, 10, SG_CALLER, 200, "INVITE", 9, &ok, SG_ALL);
	sg_req(&c, 10.01, SG_CALLER, "ACK", 9, NULL, SG_ALL);
	const struct sg_dialog *d = sg_dialog_of(&h, "midcall-2xx");
	assert_non_null(d);
	assert_timer(&h, d->r.id, 10, 1800, DIALOG_REFRESHER_UAS);
	sg_refresh(&c, 910, SG_CALLEE, "UPDATE", 3, 1800, "uac");
	assert_timer(&h, d->r.id, 910.003, 1800, DIALOG_REFRESHER_UAS);
	sg_finish(&h, 1000);
	SG_ASSERT_NO_FINDINGS(&h, d->r.id);
	SG_ASSERT_END(&h, d->r.id, END_ACTIVE);
	sg_fini(&h);
}

/* Capture starts with a BYE: one dialog, NORMAL_BYE, nothing else. */
static void test_midcall_start_bye(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "midcall-bye", true);
	c.tagged = true;
	sg_bye(&c, 5, SG_CALLEE, 12);
	sg_finish(&h, 6);
	const struct sg_dialog *d = sg_dialog_of(&h, "midcall-bye");
	assert_non_null(d);
	SG_ASSERT_NO_FINDINGS(&h, d->r.id);
	SG_ASSERT_END(&h, d->r.id, END_NORMAL_BYE);
	sg_fini(&h);
}

/* Compact forms x: and k: (libosip2 does not expand them). */
static void test_compact_headers(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	struct sg_opts inv = {.se = 1800, .refresher = "uac", .se_compact = true,
			      .supported_timer = true, .supported_compact = true};
	struct sg_opts ok = {.se = 1800, .refresher = "uac", .se_compact = true,
			     .require_timer = true};

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "compact", false);
	sg_req(&c, 0, SG_CALLER, "INVITE", 1, &inv, SG_ALL);
	sg_resp(&c, 0.01, SG_CALLER, 200, "INVITE", 1, &ok, SG_ALL);
	sg_req(&c, 0.02, SG_CALLER, "ACK", 1, NULL, SG_ALL);
	sg_req(&c, 900, SG_CALLER, "UPDATE", 2, &inv, SG_ALL);
	sg_resp(&c, 900.01, SG_CALLER, 200, "UPDATE", 2, &ok, SG_ALL);
	uint64_t id = sg_dialog_of(&h, "compact")->r.id;
	assert_timer(&h, id, 900.01, 1800, DIALOG_REFRESHER_UAC);
	sg_finish(&h, 1000);
	SG_ASSERT_NO_FINDINGS(&h, id);
	SG_ASSERT_END(&h, id, END_ACTIVE);
	sg_fini(&h);
}

/* A healthy one-leg call refreshed exactly at SE/2 hangs up just as its next
 * refresh is due: that is also where the replaced cycle's deadline falls
 * (t_ref - SE/2 + SE), and its teardown point a little before.  Neither is a
 * deadline any more: a plain hang-up, no finding (gen_bench's healthy calls). */
static void test_bye_at_replaced_deadline(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_INTERVALS; i++) {
		unsigned se = intervals[i];
		double ref1 = 0.010;              /* sg_setup, direct: the INVITE's 200 */
		double ref2 = ref1 + se / 2.0;    /* the refresh's request */
		double old_dl = ref1 + se;        /* the first cycle's deadline */
		double old_tp = sg_s(sg_teardown_of(sg_t(ref1), se));
		for (int at_tp = 0; at_tp < 2; at_tp++) {
			struct sg_harness h;
			struct sg_call c;
			sg_init(&h, NULL);
			sg_call_init(&c, &h, "replaced", false);
			sg_setup(&c, 0, se, "uac");
			uint64_t id = sg_dialog_of(&h, "replaced")->r.id;
			sg_refresh(&c, ref2, SG_CALLER, "UPDATE", 2, se, "uac");
			assert_timer(&h, id, ref2 + 0.003, se, DIALOG_REFRESHER_UAC);
			double bye = at_tp ? old_tp + 0.3 : old_dl - 0.3;
			sg_bye(&c, bye, at_tp ? SG_CALLEE : SG_CALLER, at_tp ? 1 : 3);
			sg_finish(&h, bye + 60);
			SG_ASSERT_NO_FINDINGS(&h, id);
			SG_ASSERT_END(&h, id, END_NORMAL_BYE);
			sg_fini(&h);
		}
	}
}

/* A dialog without any session timer: no timer fields, no findings. */
static void test_no_timer_call(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "no-timer", true);
	sg_setup(&c, 0, 0, NULL);
	sg_req(&c, 3000, SG_CALLER, "INVITE", 2, NULL, SG_ALL); /* hold, no timer */
	sg_resp(&c, 3000.01, SG_CALLER, 200, "INVITE", 2, NULL, SG_ALL);
	sg_req(&c, 3000.02, SG_CALLER, "ACK", 2, NULL, SG_ALL);
	sg_bye(&c, 4000, SG_CALLER, 3);
	sg_finish(&h, 4100);
	const struct sg_dialog *d = sg_dialog_of(&h, "no-timer");
	assert_int_equal(d->r.session_expires, -1);
	SG_ASSERT_TS(d->r.deadline, TS_NONE);
	SG_ASSERT_TS(d->r.teardown_expected, TS_NONE);
	SG_ASSERT_NO_FINDINGS(&h, d->r.id);
	SG_ASSERT_END(&h, d->r.id, END_NORMAL_BYE);
	sg_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reinvite_refresh),
		cmocka_unit_test(test_refresher_uas_callee_updates),
		cmocka_unit_test(test_callee_reinvite_takes_refresher),
		cmocka_unit_test(test_initial_422_then_retry),
		cmocka_unit_test(test_refresh_422_then_retry),
		cmocka_unit_test(test_491_then_retry),
		cmocka_unit_test(test_midcall_start_update),
		cmocka_unit_test(test_midcall_start_2xx),
		cmocka_unit_test(test_midcall_start_bye),
		cmocka_unit_test(test_compact_headers),
		cmocka_unit_test(test_bye_at_replaced_deadline),
		cmocka_unit_test(test_no_timer_call),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
