/* analyzer: what the sink sees — mirror duplicates dropped and counted,
 * retransmissions flagged, ids from the configured bases, the dialog row before
 * its first message and on change only, headers-only raw, out-of-dialog
 * messages, parse errors, stats, live iteration, time zones, bounded strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tests/support/sipgen.h"

static void test_mirror_duplicates(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	char buf[2048];

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "mirror", false);
	size_t len = sg_build(&c, buf, sizeof buf, true, SG_CALLER, "INVITE", 0, 1, NULL, false);
	sg_feed(&h, 0, c.caller, c.callee, false, buf, len);
	sg_feed(&h, 0.00001, c.caller, c.callee, false, buf, len); /* SPAN copy */
	sg_feed(&h, 0.049, c.caller, c.callee, false, buf, len);
	sg_feed(&h, 0.010, "127.0.1.10:5060", "127.0.1.99:5060", false, buf, len); /* other leg */
	sg_feed(&h, 0.5, c.caller, c.callee, false, buf, len); /* T1 retransmission */
	struct analyzer_stats st;
	analyzer_get_stats(h.a, &st);
	assert_int_equal(st.duplicates, 2);
	assert_int_equal(st.sip_messages, 3);
	assert_int_equal(h.n_msgs, 3);
	assert_false(h.msgs[0].retransmission);
	assert_false(h.msgs[1].retransmission);
	assert_true(h.msgs[2].retransmission);
	assert_int_equal(st.retransmissions, 1);
	sg_fini(&h);
}

/* Ids continue from the bases; 0 never used. */
static void test_ids_from_bases(void **state)
{
	(void)state;
	struct analyzer_config cfg;
	struct sg_harness h;
	struct sg_call c;

	analyzer_config_defaults(&cfg);
	cfg.utc = true;
	cfg.first_dialog_id = 500;
	cfg.first_message_id = 1000;
	cfg.first_finding_id = 7000;
	sg_init(&h, &cfg);
	sg_call_init(&c, &h, "ids", false);
	sg_setup(&c, 0, 1800, NULL); /* SE_2XX_NO_REFRESHER */
	assert_int_equal(h.msgs[0].id, 1000);
	assert_int_equal(h.msgs[h.n_msgs - 1].id, 1000 + h.n_msgs - 1);
	assert_int_equal(h.msgs[0].dialog_id, 500);
	assert_int_equal(h.dialogs[0].r.id, 500);
	assert_int_equal(h.n_findings, 1);
	assert_int_equal(h.findings[0].id, 7000);
	assert_int_equal(h.findings[0].dialog_id, 500);
	assert_int_equal(h.findings[0].message_id, 1003); /* INVITE, 100, 180, 200 */
	sg_fini(&h);
}

/* The dialog row comes before its first message, then only on change. */
struct order {
	char log[64];
	size_t n;
};

static void order_message(void *ctx, const struct message_record *m)
{
	struct order *o = ctx;

	(void)m;
	if (o->n < sizeof o->log - 1)
		o->log[o->n++] = 'm';
}

static void order_dialog(void *ctx, const struct dialog_record *d)
{
	struct order *o = ctx;

	(void)d;
	if (o->n < sizeof o->log - 1)
		o->log[o->n++] = 'D';
}

static void test_dialog_rows_on_change_only(void **state)
{
	(void)state;
	struct analyzer_config cfg;
	struct order o;
	struct sg_harness h;
	struct sg_call c;

	memset(&o, 0, sizeof o);
	analyzer_config_defaults(&cfg);
	sg_init(&h, &cfg);
	struct analyzer_sink sink = {.message = order_message, .dialog = order_dialog, .ctx = &o};
	analyzer_free(h.a);
	h.a = analyzer_new(&cfg, &sink);
	sg_call_init(&c, &h, "order", false);
	sg_setup(&c, 0, 1800, "uac");                         /* 5 messages */
	for (int i = 0; i < 10; i++)                           /* 20 messages */
		sg_req(&c, 10 + i, SG_CALLER, "INFO", 2 + i, NULL, SG_ALL),
			sg_resp(&c, 10.001 + i, SG_CALLER, 200, "INFO", 2 + i, NULL, SG_ALL);
	/* created; Min-SE of the INVITE; callee tag (180); confirmed + timer (200);
	 * nothing for the ACK and the 20 INFO messages */
	assert_string_equal(o.log, "DmDmmDmDmmmmmmmmmmmmmmmmmmmmm");
	sg_fini(&h);
}

/* Reading a file (defer_dialog_rows): a dialog's first row (before its
 * first message) and its final one, whatever changed on the way. */
struct final_rows {
	struct order o;
	struct dialog_record last;
	size_t n;
};

static void final_dialog(void *ctx, const struct dialog_record *d)
{
	struct final_rows *f = ctx;

	order_dialog(&f->o, d);
	f->last = *d;
	f->last.call_id = NULL; /* strings live only during the call */
	f->n++;
}

static void final_message(void *ctx, const struct message_record *m)
{
	order_message(&((struct final_rows *)ctx)->o, m);
}

static struct analyzer *rows_analyzer(struct final_rows *f, bool defer)
{
	struct analyzer_config cfg;
	struct analyzer_sink sink = {.message = final_message, .dialog = final_dialog, .ctx = f};

	memset(f, 0, sizeof *f);
	analyzer_config_defaults(&cfg);
	cfg.defer_dialog_rows = defer;
	return analyzer_new(&cfg, &sink);
}

static void deferred_call(struct final_rows *f, bool defer)
{
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	analyzer_free(h.a);
	h.a = rows_analyzer(f, defer);
	sg_call_init(&c, &h, "deferred", false);
	sg_setup(&c, 0, 1800, "uac");                             /* 5 messages */
	sg_refresh(&c, 900, SG_CALLER, "UPDATE", 2, 1800, "uac"); /* 2 */
	sg_bye(&c, 1000, SG_CALLER, 3);                           /* 2 */
	sg_finish(&h, 1100);
	sg_fini(&h);
}

static void test_deferred_rows_final_only(void **state)
{
	(void)state;
	struct final_rows live, file;

	deferred_call(&live, false);
	deferred_call(&file, true);
	assert_true(live.n >= 4);
	assert_int_equal(file.n, 2); /* created, then when the BYE ended it */
	assert_string_equal(file.o.log, "DmmmmmmmmDm");
	assert_int_equal(file.last.end_class, END_NORMAL_BYE);
	assert_int_equal(file.last.refreshes_ok, 1);
	/* the same final row either way */
	const struct dialog_record *a = &live.last, *b = &file.last;
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->end_class, b->end_class);
	assert_int_equal(a->created, b->created);
	assert_int_equal(a->established, b->established);
	assert_int_equal(a->ended, b->ended);
	assert_int_equal(a->session_expires, b->session_expires);
	assert_int_equal(a->refresher, b->refresher);
	assert_int_equal(a->refreshes_ok, b->refreshes_ok);
	assert_int_equal(a->refreshes_failed, b->refreshes_failed);
	assert_int_equal(a->last_refresh, b->last_refresh);
	assert_int_equal(a->deadline, b->deadline);
	assert_int_equal(a->teardown_expected, b->teardown_expected);
	assert_int_equal(a->doomed, b->doomed);
	assert_int_equal(a->n_messages, b->n_messages);
	assert_int_equal(a->finding_mask, b->finding_mask);
}

/* ... except the moment it is doomed or put at risk, which a reader must see
 * at once (a defective refresh answer: at risk, session-timers.md "Risk and proof"). */
static void test_deferred_rows_doom_at_once(void **state)
{
	(void)state;
	struct final_rows f;
	struct sg_harness h;
	struct sg_call c;
	struct sg_opts bad = {.se = 1800, .refresher = "uac", .require_timer = true,
			      .no_contact = true};

	sg_init(&h, NULL);
	analyzer_free(h.a);
	h.a = rows_analyzer(&f, true);
	sg_call_init(&c, &h, "deferred-doom", false);
	sg_setup(&c, 0, 1800, "uac");
	sg_req(&c, 900, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
	sg_resp(&c, 900.003, SG_CALLER, 200, "UPDATE", 2, &bad, SG_ALL);
	assert_string_equal(f.o.log, "DmmmmmmmD");
	assert_false(f.last.doomed);
	assert_true(f.last.at_risk);
	SG_ASSERT_TS(f.last.at_risk_at, sg_t(900.003));
	assert_int_equal(f.last.end_class, END_NONE);
	sg_finish(&h, 950);
	assert_string_equal(f.o.log, "DmmmmmmmDD");
	assert_int_equal(f.last.end_class, END_ACTIVE);
	/* the capture ended before the evidence: still at risk, as it stands */
	assert_true(f.last.at_risk);
	assert_false(f.last.doomed);
	sg_fini(&h);
}

/* --headers-only: raw_len covers the headers only. */
static void test_headers_only(void **state)
{
	(void)state;
	struct analyzer_config cfg;
	struct sg_harness h;
	const char *msg = "OPTIONS sip:x@example.test SIP/2.0\r\n"
			  "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-o1\r\n"
			  "From: <sip:a@example.test>;tag=1\r\n"
			  "To: <sip:x@example.test>\r\n"
			  "Call-ID: opt-1\r\n"
			  "CSeq: 1 OPTIONS\r\n"
			  "Content-Type: text/plain\r\n"
			  "Content-Length: 5\r\n\r\nhello";

	analyzer_config_defaults(&cfg);
	cfg.store_bodies = false;
	sg_init(&h, &cfg);
	sg_feed(&h, 0, "10.0.0.1:5060", "10.0.0.2:5060", false, msg, strlen(msg));
	sg_feed(&h, 0.5, "10.0.0.1:5060", "10.0.0.2:5060", false, msg, strlen(msg));
	assert_int_equal(h.n_msgs, 2);
	assert_int_equal(h.msgs[0].raw_len, strlen(msg) - 5);
	assert_int_equal(h.msgs[0].header_len, strlen(msg) - 5);
	/* not an INVITE dialog: an OPTIONS entry of its own (method_track.c) */
	assert_int_equal(h.msgs[0].dialog_id, 1);
	assert_int_equal(h.msgs[1].dialog_id, 1);
	assert_true(h.msgs[1].retransmission);
	assert_int_equal(h.n_dialogs, 1);
	assert_string_equal(h.dialogs[0].r.method, "OPTIONS");
	sg_fini(&h);

	sg_init(&h, NULL);
	sg_feed(&h, 0, "10.0.0.1:5060", "10.0.0.2:5060", false, msg, strlen(msg));
	assert_int_equal(h.msgs[0].raw_len, strlen(msg));
	sg_fini(&h);
}

static void test_parse_errors_and_stats(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	const char *junk = "\x16\x03\x01 definitely not SIP";

	sg_init(&h, NULL);
	sg_feed(&h, 0, "10.0.0.1:5060", "10.0.0.2:5060", false, junk, strlen(junk));
	sg_call_init(&c, &h, "stats", true);
	sg_setup(&c, 1, 1800, "uac");
	struct analyzer_stats st;
	analyzer_get_stats(h.a, &st);
	assert_int_equal(st.parse_errors, 1);
	assert_int_equal(st.sip_messages, 9);
	assert_int_equal(st.dialogs_total, 1);
	assert_int_equal(st.dialogs_active, 1);
	assert_int_equal(st.dialogs_doomed, 0);
	SG_ASSERT_TS(st.first_ts, sg_t(1));
	SG_ASSERT_TS(st.last_ts, sg_t(1.021));
	sg_fini(&h);
}

struct snapshot {
	size_t n;
	char call_id[64];
	bool doomed;
	int64_t teardown;
};

static void snap_one(void *ctx, const struct dialog_record *d)
{
	struct snapshot *s = ctx;

	s->n++;
	snprintf(s->call_id, sizeof s->call_id, "%s", d->call_id);
	s->doomed = d->doomed;
	s->teardown = d->teardown_expected;
}

/* The dashboard's live view: every dialog in memory with its countdown. */
static void test_each_dialog_snapshot(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	struct snapshot s;
	struct sg_opts bad = {.supported_timer = true};
	struct analyzer_config strict;

	analyzer_config_defaults(&strict);
	strict.utc = true;
	strict.strict_peers = true; /* the defective answer dooms at once */
	sg_init(&h, &strict);
	sg_call_init(&c, &h, "live", false);
	sg_setup(&c, 0, 1800, "uac");
	sg_req(&c, 900, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
	sg_resp(&c, 900.01, SG_CALLER, 200, "UPDATE", 2, &bad, SG_ALL);
	memset(&s, 0, sizeof s);
	analyzer_each_dialog(h.a, snap_one, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.call_id, "live");
	assert_true(s.doomed);
	SG_ASSERT_TS(s.teardown, sg_teardown_of(sg_t(0.010), 1800));
	struct analyzer_stats st;
	analyzer_get_stats(h.a, &st);
	assert_int_equal(st.dialogs_doomed, 1);
	sg_fini(&h);
}

/* Local time with the zone by default, "UTC" with utc = true. */
static void test_time_zone_in_details(void **state)
{
	(void)state;
	struct analyzer_config cfg;
	struct sg_harness h;
	struct sg_call c;
	struct sg_opts bad = {.supported_timer = true};
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	setenv("TZ", "EST5", 1);
	tzset();
	analyzer_config_defaults(&cfg);
	sg_init(&h, &cfg);
	sg_call_init(&c, &h, "tz", false);
	sg_setup(&c, 0, 1800, "uac");
	sg_req(&c, 900, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
	sg_resp(&c, 900.01, SG_CALLER, 200, "UPDATE", 2, &bad, SG_ALL);
	/* teardown at t0 + 1768.01 = 22:42:48 UTC = 17:42:48 EST */
	const char *detail = sg_find(&h, 0, FINDING_REFRESH_2XX_NO_SESSION_EXPIRES)->detail;
	assert_non_null(strstr(detail, "will tear the call down at 17:42:48 EST (in 14m28s)"));
	sg_fini(&h);

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "tz", false);
	sg_setup(&c, 0, 1800, "uac");
	sg_req(&c, 900, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
	sg_resp(&c, 900.01, SG_CALLER, 200, "UPDATE", 2, &bad, SG_ALL);
	detail = sg_find(&h, 0, FINDING_REFRESH_2XX_NO_SESSION_EXPIRES)->detail;
	assert_non_null(strstr(detail, "will tear the call down at 22:42:48 UTC (in 14m28s)"));
	sg_fini(&h);
	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

/* Wire strings in details are kept as they are but bounded. */
static void test_long_agent_bounded(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;
	static char agent[5000];
	struct sg_opts bad = {.supported_timer = true, .agent = agent};

	memset(agent, 'A', sizeof agent - 1);
	memcpy(agent, "Evil\x1b[2J", 8);
	sg_init(&h, NULL);
	sg_call_init(&c, &h, "long-agent", false);
	sg_setup(&c, 0, 1800, "uac");
	sg_req(&c, 900, SG_CALLER, "UPDATE", 2, NULL, SG_ALL);
	sg_resp(&c, 900.01, SG_CALLER, 200, "UPDATE", 2, &bad, SG_ALL);
	const struct sg_finding *f = sg_find(&h, 0, FINDING_REFRESH_2XX_NO_SESSION_EXPIRES);
	assert_non_null(f);
	assert_true(strlen(f->detail) < FINDING_DETAIL_MAX);
	assert_non_null(strstr(f->detail, "Evil\x1b[2J")); /* kept as is: display sanitises */
	assert_non_null(strstr(f->detail, "lacks Session-Expires"));
	assert_true(strlen(f->agent) < 128);
	sg_finish(&h, 1000);
	sg_fini(&h);
}

/* Endpoint records come from analyzer_finish and on demand. */
static void test_endpoint_records(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "endpoints", false);
	sg_setup(&c, 0, 90, "uac");
	sg_refresh(&c, 45, SG_CALLER, "UPDATE", 2, 90, "uac");
	sg_req(&c, 90, SG_CALLER, "UPDATE", 3, NULL, SG_ALL);
	sg_resp(&c, 90.01, SG_CALLER, 491, "UPDATE", 3, NULL, SG_ALL);
	analyzer_emit_endpoints(h.a);
	const struct sg_endpoint *e = sg_endpoint(&h, "127.0.1.30:5060");
	assert_non_null(e);
	assert_string_equal(e->agent, "UCMA/4.0");
	assert_int_equal(e->ok, 1);
	assert_int_equal(e->rejected, 1);
	assert_int_equal(e->malformed, 0);
	assert_int_equal(e->lost, 0);
	sg_fini(&h);
}

/* TCP: the transport is recorded; no mirror/retransmission confusion. */
static void test_tcp_call(void **state)
{
	(void)state;
	struct sg_harness h;
	struct sg_call c;

	sg_init(&h, NULL);
	sg_call_init(&c, &h, "tcp", true);
	c.tcp = true;
	sg_setup(&c, 0, 90, "uac");
	sg_refresh(&c, 45, SG_CALLER, "UPDATE", 2, 90, "uac");
	sg_bye(&c, 50, SG_CALLER, 3);
	sg_finish(&h, 51);
	const struct sg_dialog *d = sg_dialog_of(&h, "tcp");
	assert_int_equal(d->r.transport, TRANSPORT_TCP);
	SG_ASSERT_NO_FINDINGS(&h, d->r.id);
	SG_ASSERT_END(&h, d->r.id, END_NORMAL_BYE);
	sg_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mirror_duplicates),
		cmocka_unit_test(test_ids_from_bases),
		cmocka_unit_test(test_dialog_rows_on_change_only),
		cmocka_unit_test(test_deferred_rows_final_only),
		cmocka_unit_test(test_deferred_rows_doom_at_once),
		cmocka_unit_test(test_headers_only),
		cmocka_unit_test(test_parse_errors_and_stats),
		cmocka_unit_test(test_each_dialog_snapshot),
		cmocka_unit_test(test_time_zone_in_details),
		cmocka_unit_test(test_long_agent_bounded),
		cmocka_unit_test(test_endpoint_records),
		cmocka_unit_test(test_tcp_call),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
