/* Session-timer engine: dialog life cycle — every end class, forking, the
 * linger for retransmissions, eviction by the cap, and bounded memory under
 * floods of never-answered INVITEs and endless retransmissions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/sipgen.h"

static size_t live_dialogs(const struct sg_harness *h)
{
	struct analyzer_stats st;

	analyzer_get_stats(h->a, &st);
	return (size_t)st.dialogs_active;
}

static void count_one(void *ctx, const struct dialog_record *d)
{
	(void)d;
	(*(size_t *)ctx)++;
}

static size_t dialogs_in_memory(const struct sg_harness *h)
{
	size_t n = 0;

	analyzer_each_dialog(h->a, count_one, &n);
	return n;
}

static void test_cancelled(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	struct sg_opts inv = {.se = 1800, .refresher = "uac", .supported_timer = true};

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "cancelled", true);
	sg_req(&c, 0, SG_CALLER, "INVITE", 1, &inv, SG_ALL);
	sg_resp(&c, 0.005, SG_CALLER, 180, "INVITE", 1, NULL, SG_ALL);
	sg_req(&c, 5, SG_CALLER, "CANCEL", 1, NULL, SG_ALL);
	sg_resp(&c, 5.002, SG_CALLER, 200, "CANCEL", 1, NULL, SG_ALL);
	sg_resp(&c, 5.003, SG_CALLER, 487, "INVITE", 1, NULL, SG_ALL);
	sg_req(&c, 5.006, SG_CALLER, "ACK", 1, NULL, SG_ALL);
	uint64_t id = sg_dialog_of(&h, "cancelled")->r.id;
	SG_ASSERT_END(&h, id, END_CANCELLED);
	SG_ASSERT_TS(sg_dialog(&h, id)->r.ended, sg_t(5.003));
	assert_string_equal(sg_dialog(&h, id)->r.state, "terminated");
	/* it lingers for retransmissions (ended: not active), then leaves memory */
	assert_int_equal(dialogs_in_memory(&h), 1);
	assert_int_equal(live_dialogs(&h), 0);
	sg_resp(&c, 5.5, SG_CALLER, 487, "INVITE", 1, NULL, SG_NEAR);
	assert_true(h.msgs[h.n_msgs - 1].retransmission);
	assert_int_equal(h.msgs[h.n_msgs - 1].dialog_id, id);
	/* the 487 ACKed, the CANCEL answered: T4 after the last message */
	sg_tick(&h, 5.5 + 4.9);
	assert_int_equal(dialogs_in_memory(&h), 1);
	sg_tick(&h, 5.5 + 5.1);
	assert_int_equal(dialogs_in_memory(&h), 0);
	SG_ASSERT_NO_FINDINGS(&h, id);
	sg_fini(&h);
}

static void test_failed(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "failed", false);
	sg_req(&c, 0, SG_CALLER, "INVITE", 1, NULL, SG_ALL);
	sg_resp(&c, 0.5, SG_CALLER, 486, "INVITE", 1, NULL, SG_ALL);
	sg_req(&c, 0.51, SG_CALLER, "ACK", 1, NULL, SG_ALL);
	sg_finish(&h, 1);
	uint64_t id = sg_dialog_of(&h, "failed")->r.id;
	SG_ASSERT_END(&h, id, END_FAILED);
	SG_ASSERT_TS(sg_dialog(&h, id)->r.ended, sg_t(0.5));
	sg_fini(&h);
}

/* A failed INVITE keeps its 64*T1 although nothing is open: a retry with a
 * higher CSeq (here 20 s after a 401) is the same call, not a second one. */
static void test_failed_keeps_linger(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "challenged", false);
	sg_req(&c, 0, SG_CALLER, "INVITE", 1, NULL, SG_ALL);
	sg_resp(&c, 0.5, SG_CALLER, 401, "INVITE", 1, NULL, SG_ALL);
	sg_req(&c, 0.51, SG_CALLER, "ACK", 1, NULL, SG_ALL);
	sg_tick(&h, 20);
	assert_int_equal(dialogs_in_memory(&h), 1);
	sg_req(&c, 20, SG_CALLER, "INVITE", 2, NULL, SG_ALL);
	uint64_t ids[4];
	assert_int_equal(sg_dialog_ids(&h, "challenged", ids, 4), 1);
	assert_int_equal(h.msgs[h.n_msgs - 1].dialog_id, ids[0]);
	sg_fini(&h);
}

/* No final answer within 32 s: NO_ANSWER then, and out of memory. */
static void test_no_answer(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "no-answer", false);
	double rt = 0;
	for (double step = 0.5; rt < 31; step = step < 4 ? step * 2 : 4) {
		sg_req(&c, rt, SG_CALLER, "INVITE", 1, NULL, SG_ALL);
		rt += step;
	}
	uint64_t ids[4];
	assert_int_equal(sg_dialog_ids(&h, "no-answer", ids, 4), 1);
	assert_int_equal(live_dialogs(&h), 1);
	sg_tick(&h, 31.9);
	assert_int_equal(live_dialogs(&h), 1);
	sg_tick(&h, 32);
	assert_int_equal(dialogs_in_memory(&h), 0);
	SG_ASSERT_END(&h, ids[0], END_NO_ANSWER);
	SG_ASSERT_TS(sg_dialog(&h, ids[0])->r.ended, sg_t(32));
	size_t retrans = 0;
	for (size_t i = 0; i < h.n_msgs; i++)
		retrans += h.msgs[i].retransmission;
	assert_int_equal(retrans, h.n_msgs - 1);
	sg_fini(&h);
}

/* A ringing call may ring past 32 s (the UAC's Timer B stops at the 1xx);
 * it is NO_ANSWER only after a proxy's Timer C (180 s). */
static void test_ringing_answered_late(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "ringing", false);
	sg_req(&c, 0, SG_CALLER, "INVITE", 1, NULL, SG_ALL);
	sg_resp(&c, 0.01, SG_CALLER, 180, "INVITE", 1, NULL, SG_ALL);
	sg_tick(&h, 45);
	assert_int_equal(live_dialogs(&h), 1);
	sg_resp(&c, 50, SG_CALLER, 200, "INVITE", 1, NULL, SG_ALL);
	sg_req(&c, 50.01, SG_CALLER, "ACK", 1, NULL, SG_ALL);
	sg_bye(&c, 100, SG_CALLER, 2);
	sg_finish(&h, 101);
	uint64_t ids[4];
	assert_int_equal(sg_dialog_ids(&h, "ringing", ids, 4), 1);
	SG_ASSERT_END(&h, ids[0], END_NORMAL_BYE);
	SG_ASSERT_TS(sg_dialog(&h, ids[0])->r.established, sg_t(50));
	sg_fini(&h);

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "ringing-forever", false);
	sg_req(&c, 0, SG_CALLER, "INVITE", 1, NULL, SG_ALL);
	sg_resp(&c, 0.01, SG_CALLER, 180, "INVITE", 1, NULL, SG_ALL);
	sg_tick(&h, 180);
	assert_int_equal(dialogs_in_memory(&h), 0);
	SG_ASSERT_END(&h, sg_dialog_of(&h, "ringing-forever")->r.id, END_NO_ANSWER);
	sg_fini(&h);
}

static void test_active_at_end(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "active", true);
	sg_setup(&c, 0, 1800, "uac");
	sg_finish(&h, 100);
	const struct sg_dialog *d = sg_dialog_of(&h, "active");
	SG_ASSERT_END(&h, d->r.id, END_ACTIVE);
	SG_ASSERT_TS(d->r.ended, TS_NONE);
	SG_ASSERT_TS(d->r.established, sg_t(0.010));
	SG_ASSERT_TS(d->r.created, sg_t(0));
	assert_string_equal(d->r.call_id, "active");
	assert_string_equal(d->r.from_tag, "caller-tag");
	assert_string_equal(d->r.to_tag, "callee-tag");
	assert_string_equal(d->r.caller_ua, "CallerPhone/1.0");
	assert_string_equal(d->r.callee_ua, "UCMA/4.0");
	assert_int_equal(d->r.min_se, 90);
	assert_int_equal(d->r.transport, TRANSPORT_UDP);
	assert_int_equal(d->r.n_messages, 9);
	sg_fini(&h);
}

/* The cap: the least recently active dialog is emitted EVICTED and freed. */
static void test_evicted_by_cap(void **state)
{
	(void)state;
	struct analyzer_config cfg;
	struct sg_harness h;
	struct sg_call c1, c2, c3;

	analyzer_config_defaults(&cfg);
	cfg.utc = true;
	cfg.max_dialogs = 2;
	sg_init(&h, &cfg);
	sg_call_init(&c1, &h, "old", false);
	sg_call_init(&c2, &h, "middle", false);
	sg_call_init(&c3, &h, "new", false);
	sg_setup(&c1, 0, 1800, "uac");
	sg_setup(&c2, 1, 1800, "uac");
	sg_refresh(&c1, 2, SG_CALLER, "UPDATE", 2, 1800, "uac"); /* "old" is active again */
	sg_setup(&c3, 3, 1800, "uac");
	SG_ASSERT_END(&h, sg_dialog_of(&h, "middle")->r.id, END_EVICTED);
	assert_int_equal(dialogs_in_memory(&h), 2);
	struct analyzer_stats st;
	analyzer_get_stats(h.a, &st);
	assert_int_equal(st.dialogs_evicted, 1);
	assert_int_equal(st.dialogs_total, 3);
	sg_finish(&h, 10);
	SG_ASSERT_END(&h, sg_dialog_of(&h, "old")->r.id, END_ACTIVE);
	SG_ASSERT_END(&h, sg_dialog_of(&h, "new")->r.id, END_ACTIVE);
	sg_fini(&h);
}

/* §13.2.2.4: two to-tags answer one INVITE: two dialogs.  The proxy cancels
 * the losing branch (487); the winner lives on. */
static void test_forking(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call a, b;
	struct sg_opts inv = {.se = 1800, .refresher = "uac", .min_se = 90, .supported_timer = true};
	struct sg_opts ok = {.se = 1800, .refresher = "uac", .require_timer = true};

	sg_init(&h, NULL);
	sg_call_init(&a, &h, "forked", true);
	sg_call_init(&b, &h, "forked", true);
	a.callee_tag = "tag-A";
	b.callee_tag = "tag-B";
	b.callee = "127.0.1.31:5060";
	b.callee_ua = "DeskPhone/2";
	sg_req(&a, 0, SG_CALLER, "INVITE", 1, &inv, SG_ALL);
	sg_req(&b, 0, SG_CALLER, "INVITE", 1, &inv, SG_FAR);
	sg_resp(&a, 0.01, SG_CALLER, 180, "INVITE", 1, NULL, SG_ALL);
	sg_resp(&b, 0.02, SG_CALLER, 180, "INVITE", 1, NULL, SG_ALL);
	/* the fork's first 180 on the caller's leg is no retransmission of A's */
	assert_false(h.msgs[h.n_msgs - 1].retransmission);
	assert_string_equal(sg_dialog(&h, h.msgs[h.n_msgs - 1].dialog_id)->r.callee_ua,
			    "DeskPhone/2");
	sg_resp(&b, 3, SG_CALLER, 200, "INVITE", 1, &ok, SG_ALL);
	sg_req(&b, 3.01, SG_CALLER, "ACK", 1, NULL, SG_ALL);
	sg_req(&a, 3.02, SG_CALLER, "CANCEL", 1, NULL, SG_FAR);
	sg_resp(&a, 3.03, SG_CALLER, 487, "INVITE", 1, NULL, SG_FAR);
	uint64_t ids[4];
	assert_int_equal(sg_dialog_ids(&h, "forked", ids, 4), 2);
	const struct sg_dialog *da = sg_dialog(&h, ids[0]), *db = sg_dialog(&h, ids[1]);
	if (strcmp(da->r.to_tag, "tag-A") != 0) {
		const struct sg_dialog *t = da;
		da = db;
		db = t;
	}
	uint64_t ida = da->r.id, idb = db->r.id;
	assert_string_equal(sg_dialog(&h, idb)->r.to_tag, "tag-B");
	SG_ASSERT_END(&h, ida, END_CANCELLED);
	SG_ASSERT_TS(sg_dialog(&h, idb)->r.deadline, sg_deadline_of(sg_t(3.001), 1800));
	assert_string_equal(sg_dialog(&h, idb)->r.callee_ua, "DeskPhone/2");
	sg_refresh(&b, 903, SG_CALLER, "UPDATE", 2, 1800, "uac");
	sg_bye(&b, 950, SG_CALLER, 3);
	sg_finish(&h, 1000);
	SG_ASSERT_END(&h, idb, END_NORMAL_BYE);
	SG_ASSERT_NO_FINDINGS(&h, ida);
	SG_ASSERT_NO_FINDINGS(&h, idb);
	assert_int_equal(sg_dialog(&h, idb)->r.refreshes_ok, 1);
	sg_fini(&h);
}

/* A losing fork that never hears back ends CANCELLED (the proxy cancels it). */
static void test_fork_loser_silent(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call a, b;

	sg_init(&h, NULL);
	sg_call_init(&a, &h, "forked-2", false);
	sg_call_init(&b, &h, "forked-2", false);
	a.callee_tag = "tag-A";
	b.callee_tag = "tag-B";
	sg_req(&a, 0, SG_CALLER, "INVITE", 1, NULL, SG_ALL);
	sg_resp(&a, 0.01, SG_CALLER, 183, "INVITE", 1, NULL, SG_ALL);
	sg_resp(&b, 0.02, SG_CALLER, 200, "INVITE", 1, NULL, SG_ALL);
	sg_finish(&h, 500);
	uint64_t ids[4];
	assert_int_equal(sg_dialog_ids(&h, "forked-2", ids, 4), 2);
	/* issue 13: no CANCEL was sent: the early dialog was replaced (RFC 3261 §13.2.2.4) */
	SG_ASSERT_END(&h, ids[0], END_REPLACED);
	SG_ASSERT_END(&h, ids[1], END_ACTIVE);
	sg_fini(&h);
}

/* After the BYE the dialog lingers: its retransmissions and the 200 stay in it. */
static void test_linger_absorbs_retransmissions(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "linger", false);
	sg_setup(&c, 0, 1800, "uac");
	sg_req(&c, 10, SG_CALLER, "BYE", 2, NULL, SG_ALL);
	sg_req(&c, 10.5, SG_CALLER, "BYE", 2, NULL, SG_ALL);
	sg_resp(&c, 10.6, SG_CALLER, 200, "BYE", 2, NULL, SG_ALL);
	uint64_t ids[4];
	assert_int_equal(sg_dialog_ids(&h, "linger", ids, 4), 1);
	assert_true(h.msgs[h.n_msgs - 2].retransmission);
	assert_int_equal(h.msgs[h.n_msgs - 1].dialog_id, ids[0]);
	SG_ASSERT_TS(sg_dialog(&h, ids[0])->r.ended, sg_t(10));
	sg_tick(&h, 42);
	assert_int_equal(dialogs_in_memory(&h), 0);
	SG_ASSERT_END(&h, ids[0], END_NORMAL_BYE);
	sg_fini(&h);
}

/* A BYE answered to its sender, nothing else open: the dialog leaves T4
 * (5 s) after its last message, not 32 s after the BYE; retransmissions
 * (at most T2 = 4 s apart) keep it, each one restarting the 5 s. */
static void test_closed_leaves_after_t4(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "closed", true);
	sg_setup(&c, 0, 1800, "uac");
	sg_req(&c, 10, SG_CALLER, "BYE", 2, NULL, SG_ALL);
	sg_resp(&c, 10.01, SG_CALLER, 200, "BYE", 2, NULL, SG_ALL);
	uint64_t id = sg_dialog_of(&h, "closed")->r.id;
	/* the 200 was lost after the capture point: the caller retransmits */
	sg_req(&c, 14, SG_CALLER, "BYE", 2, NULL, SG_NEAR);
	sg_resp(&c, 14.01, SG_CALLER, 200, "BYE", 2, NULL, SG_NEAR);
	sg_req(&c, 18, SG_CALLER, "BYE", 2, NULL, SG_NEAR);
	assert_true(h.msgs[h.n_msgs - 1].retransmission);
	assert_int_equal(h.msgs[h.n_msgs - 1].dialog_id, id);
	sg_resp(&c, 18.01, SG_CALLER, 200, "BYE", 2, NULL, SG_NEAR);
	assert_int_equal(h.msgs[h.n_msgs - 1].dialog_id, id);
	sg_tick(&h, 22.9);
	assert_int_equal(dialogs_in_memory(&h), 1);
	sg_tick(&h, 23.1);
	assert_int_equal(dialogs_in_memory(&h), 0);
	SG_ASSERT_END(&h, id, END_NORMAL_BYE);
	size_t in_dialog = 0;
	for (size_t i = 0; i < h.n_msgs; i++)
		in_dialog += h.msgs[i].dialog_id == id;
	assert_int_equal(in_dialog, h.n_msgs);
	SG_ASSERT_NO_FINDINGS(&h, id);
	sg_fini(&h);
}

/* Something still open at the BYE (an INFO unanswered, a BYE whose answer never
 * reached its sender): the ended dialog waits for it, at most 64*T1. */
static void test_open_transaction_keeps_linger(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c, c2;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "open-info", false);
	sg_setup(&c, 0, 1800, "uac");
	sg_req(&c, 9, SG_CALLEE, "INFO", 1, NULL, SG_ALL);
	sg_req(&c, 10, SG_CALLER, "BYE", 2, NULL, SG_ALL);
	sg_resp(&c, 10.01, SG_CALLER, 200, "BYE", 2, NULL, SG_ALL);
	sg_call_init(&c2, &h, "bye-not-relayed", true);
	sg_setup(&c2, 0, 1800, "uac");
	sg_req(&c2, 10, SG_CALLER, "BYE", 2, NULL, SG_ALL);
	sg_resp(&c2, 10.01, SG_CALLER, 200, "BYE", 2, NULL, SG_FAR);
	sg_tick(&h, 30);
	assert_int_equal(dialogs_in_memory(&h), 2);
	/* the INFO's late answer still finds its dialog, and closes it: T4 after it */
	sg_resp(&c, 30, SG_CALLEE, 200, "INFO", 1, NULL, SG_ALL);
	assert_int_equal(h.msgs[h.n_msgs - 1].dialog_id, sg_dialog_of(&h, "open-info")->r.id);
	sg_tick(&h, 34.9);
	assert_int_equal(dialogs_in_memory(&h), 2);
	sg_tick(&h, 35.1);
	assert_int_equal(dialogs_in_memory(&h), 1);
	sg_tick(&h, 41.9);
	assert_int_equal(dialogs_in_memory(&h), 1);
	sg_tick(&h, 42.1);
	assert_int_equal(dialogs_in_memory(&h), 0);
	sg_fini(&h);
}

/* ---- floods ---- */

struct flood {
	uint64_t dialogs_created, finals, no_answer, evicted, messages;
	uint64_t max_id;
};

static void flood_dialog(void *ctx, const struct dialog_record *d)
{
	struct flood *f = ctx;

	if (d->id > f->max_id) {
		f->max_id = d->id;
		f->dialogs_created++;
	}
	if (d->end_class == END_NO_ANSWER)
		f->no_answer++;
	if (d->end_class == END_EVICTED)
		f->evicted++;
	if (d->end_class != END_NONE)
		f->finals++;
}

static void flood_message(void *ctx, const struct message_record *m)
{
	(void)m;
	((struct flood *)ctx)->messages++;
}

static void run_invite_flood(size_t n, size_t cap, struct flood *f, size_t *max_live)
{
	struct analyzer_config cfg;
	struct sg_harness tmp;
	struct sg_call c;
	char buf[2048], cid[64];

	analyzer_config_defaults(&cfg);
	if (cap)
		cfg.max_dialogs = cap;
	memset(f, 0, sizeof *f);
	struct analyzer_sink sink = {.dialog = flood_dialog, .message = flood_message, .ctx = f};
	sg_init(&tmp, &cfg); /* for the parser and the builder */
	struct analyzer *a = analyzer_new(&cfg, &sink);
	struct analyzer *keep = tmp.a;
	tmp.a = a;
	*max_live = 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(cid, sizeof cid, "flood-%zu", i);
		sg_call_init(&c, &tmp, cid, false);
		size_t len = sg_build(&c, buf, sizeof buf, true, SG_CALLER, "INVITE", 0, 1, NULL, false);
		sg_feed(&tmp, (double)i * 0.001, c.caller, c.callee, false, buf, len);
		if (i % 1000 == 0) {
			struct analyzer_stats st;
			analyzer_get_stats(a, &st);
			if (st.dialogs_active > *max_live)
				*max_live = (size_t)st.dialogs_active;
		}
	}
	analyzer_finish(a, sg_t((double)n * 0.001 + 40));
	struct analyzer_stats st;
	analyzer_get_stats(a, &st);
	assert_int_equal(st.dialogs_active, 0);
	analyzer_free(a);
	tmp.a = keep;
	sg_fini(&tmp);
}

/* 200k never-answered INVITEs: at most 32 s of them live, all NO_ANSWER. */
static void test_flood_never_answered(void **state)
{
	(void)state;
	struct flood f;
	size_t max_live;

	run_invite_flood(200000, 0, &f, &max_live);
	assert_int_equal(f.dialogs_created, 200000);
	assert_int_equal(f.messages, 200000);
	assert_int_equal(f.no_answer, 200000);
	assert_true(max_live <= 32001);
}

/* The same under a cap of 1000: never more than 1000 live, all accounted for. */
static void test_flood_capped(void **state)
{
	(void)state;
	struct flood f;
	size_t max_live;

	run_invite_flood(200000, 1000, &f, &max_live);
	assert_true(max_live <= 1000);
	assert_int_equal(f.dialogs_created, 200000);
	assert_int_equal(f.no_answer + f.evicted, 200000);
	assert_true(f.evicted > 0);
}

/* Endless retransmissions of one UPDATE and endless new in-dialog requests:
 * one dialog, flagged retransmissions, no growth. */
static void test_flood_retransmissions(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	h.keep_messages = false;
	sg_call_init(&c, &h, "retrans-flood", false);
	sg_setup(&c, 0, 1800, "uac");
	for (int i = 0; i < 20000; i++)
		sg_req(&c, 1 + i * 0.06, SG_CALLER, "UPDATE", 2, NULL, SG_NEAR);
	for (uint32_t i = 0; i < 20000; i++)
		sg_req(&c, 1300 + i * 0.06, SG_CALLER, "INFO", 3 + i, NULL, SG_NEAR);
	struct analyzer_stats st;
	analyzer_get_stats(h.a, &st);
	assert_int_equal(st.retransmissions, 19999);
	assert_int_equal(st.dialogs_total, 1);
	assert_int_equal(dialogs_in_memory(&h), 1);
	sg_finish(&h, 2600);
	sg_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cancelled),
		cmocka_unit_test(test_failed),
		cmocka_unit_test(test_failed_keeps_linger),
		cmocka_unit_test(test_no_answer),
		cmocka_unit_test(test_ringing_answered_late),
		cmocka_unit_test(test_active_at_end),
		cmocka_unit_test(test_evicted_by_cap),
		cmocka_unit_test(test_forking),
		cmocka_unit_test(test_fork_loser_silent),
		cmocka_unit_test(test_linger_absorbs_retransmissions),
		cmocka_unit_test(test_closed_leaves_after_t4),
		cmocka_unit_test(test_open_transaction_keeps_linger),
		cmocka_unit_test(test_flood_never_answered),
		cmocka_unit_test(test_flood_capped),
		cmocka_unit_test(test_flood_retransmissions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
