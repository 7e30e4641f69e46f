/* Entries outside INVITE dialogs (analyzer/method_track.c): REGISTER with a
 * 401 challenge and a refresh grouped in one entry, OPTIONS answered or not,
 * SUBSCRIBE/NOTIFY to terminated, REFER's subscription; never a session-timer
 * finding; and memory: an OPTIONS flood neither grows the entries held (they
 * leave 64*T1 after their answer) nor, over the cap, evicts a call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/sipgen.h"

#define UA "127.0.220.10:5060"
#define SRV "127.0.220.20:5060"

static void feed(struct sg_harness *h, double t, bool to_srv, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void feed(struct sg_harness *h, double t, bool to_srv, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof buf);
	sg_feed(h, t, to_srv ? UA : SRV, to_srv ? SRV : UA, false, buf, (size_t)n);
}

#define HDRS(m, cid, ftag, ttag, cseq)                                          \
	"Via: SIP/2.0/UDP 127.0.220.10:5060;branch=z9hG4bK-" cid "-" #cseq "\r\n" \
	"From: <sip:alice@x.test>;tag=" ftag "\r\n"                              \
	"To: <sip:alice@x.test>" ttag "\r\n"                                     \
	"Call-ID: " cid "\r\nCSeq: " #cseq " " m "\r\n"

static const struct sg_dialog *last_row(const struct sg_harness *h, uint64_t id)
{
	for (size_t i = h->n_dialogs; i-- > 0;)
		if (h->dialogs[i].r.id == id)
			return &h->dialogs[i];
	return NULL;
}

/* The shared scenario: a fresh harness in *state (default configuration, or
 * --max-dialogs 100 for the cap test), released after the test. */
static struct sg_harness mt_harness;

static int setup(void **state)
{
	sg_init(&mt_harness, NULL);
	*state = &mt_harness;
	return 0;
}

static int setup_capped(void **state)
{
	struct analyzer_config cfg;

	analyzer_config_defaults(&cfg);
	cfg.utc = true;
	cfg.max_dialogs = 100;
	sg_init(&mt_harness, &cfg);
	*state = &mt_harness;
	return 0;
}

static int teardown(void **state)
{
	sg_fini(*state);
	return 0;
}

/* OPTIONS ping number i from the monitor (its own Call-ID, From tag and
 * branch) and, when answered, its 200. */
static void ping(struct sg_harness *h, double t, int i)
{
	feed(h, t, true,
	     "OPTIONS sip:x.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.220.10:5060;branch=z9hG4bK-%d\r\n"
	     "From: <sip:mon@x.test>;tag=p%d\r\nTo: <sip:x.test>\r\nCall-ID: ping-%d\r\n"
	     "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", i, i, i);
}

static void pong(struct sg_harness *h, double t, int i)
{
	feed(h, t, false,
	     "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.220.10:5060;branch=z9hG4bK-%d\r\n"
	     "From: <sip:mon@x.test>;tag=p%d\r\nTo: <sip:x.test>;tag=s\r\nCall-ID: ping-%d\r\n"
	     "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", i, i, i);
}

/* The notifier's NOTIFY ending a subscription (RFC 6665 §4.1.3): From is the
 * notifier's tag, To the subscriber's ("a"); tail is what follows Event. */
static void notify_terminated(struct sg_harness *h, double t, const char *cid, const char *ntag,
			      const char *event, const char *tail)
{
	feed(h, t, false,
	     "NOTIFY sip:alice@x.test SIP/2.0\r\n"
	     "Via: SIP/2.0/UDP 127.0.220.20:5060;branch=z9hG4bK-%s-n1\r\n"
	     "From: <sip:bob@x.test>;tag=%s\r\nTo: <sip:alice@x.test>;tag=a\r\n"
	     "Call-ID: %s\r\nCSeq: 1 NOTIFY\r\nEvent: %s\r\n"
	     "Subscription-State: terminated;reason=noresource\r\n%s",
	     cid, ntag, cid, event, tail);
}

static void test_register_challenge_refresh(void **state)
{
	struct sg_harness *h = *state;

	feed(h, 0, true, "REGISTER sip:x.test SIP/2.0\r\n" HDRS("REGISTER", "r1", "a", "", 1)
	     "Contact: <sip:alice@127.0.220.10>\r\nExpires: 60\r\nContent-Length: 0\r\n\r\n");
	feed(h, 0.01, false, "SIP/2.0 401 Unauthorized\r\n" HDRS("REGISTER", "r1", "a", ";tag=s", 1)
	     "WWW-Authenticate: Digest realm=\"x\", nonce=\"n\"\r\nContent-Length: 0\r\n\r\n");
	assert_string_equal(last_row(h, 1)->r.state, "challenged");
	feed(h, 0.02, true, "REGISTER sip:x.test SIP/2.0\r\n" HDRS("REGISTER", "r1", "a", "", 2)
	     "Contact: <sip:alice@127.0.220.10>\r\nExpires: 60\r\nContent-Length: 0\r\n\r\n");
	feed(h, 0.03, false, "SIP/2.0 200 OK\r\n" HDRS("REGISTER", "r1", "a", ";tag=s", 2)
	     "Contact: <sip:alice@127.0.220.10>;expires=60\r\nContent-Length: 0\r\n\r\n");
	assert_string_equal(last_row(h, 1)->r.state, "registered");
	/* a refresh 30 s later, same Call-ID: the same entry */
	feed(h, 30, true, "REGISTER sip:x.test SIP/2.0\r\n" HDRS("REGISTER", "r1", "a", "", 3)
	     "Contact: <sip:alice@127.0.220.10>\r\nContent-Length: 0\r\n\r\n");
	feed(h, 30.01, false, "SIP/2.0 200 OK\r\n" HDRS("REGISTER", "r1", "a", ";tag=s", 3)
	     "Contact: <sip:alice@127.0.220.10>;expires=60\r\nContent-Length: 0\r\n\r\n");
	for (size_t i = 0; i < h->n_msgs; i++)
		assert_int_equal(h->msgs[i].dialog_id, 1);
	const struct sg_dialog *d = last_row(h, 1);
	assert_string_equal(d->r.method, "REGISTER");
	assert_int_equal(d->r.final_status, 200);
	/* not refreshed: expired 60 s after the last 200, released 64*T1 later */
	sg_tick(h, 89);
	assert_string_equal(last_row(h, 1)->r.state, "registered");
	sg_tick(h, 130);
	d = last_row(h, 1);
	assert_string_equal(d->r.state, "expired");
	assert_int_equal(d->r.ended, sg_t(90.01));
	assert_int_equal(d->r.n_messages, 6); /* rows go out on change: the final one counts all */
	assert_int_equal(h->n_findings, 0);
}

static void test_subscribe_notify_terminated(void **state)
{
	struct sg_harness *h = *state;

	/* a Session-Expires on a SUBSCRIBE means nothing to RFC 4028 */
	feed(h, 0, true, "SUBSCRIBE sip:bob@x.test SIP/2.0\r\n" HDRS("SUBSCRIBE", "s1", "a", "", 1)
	     "Event: presence\r\nExpires: 60\r\nSession-Expires: 90\r\nContent-Length: 0\r\n\r\n");
	feed(h, 0.01, false, "SIP/2.0 200 OK\r\n" HDRS("SUBSCRIBE", "s1", "a", ";tag=n", 1)
	     "Expires: 60\r\nSession-Expires: 90;refresher=uac\r\nContent-Length: 0\r\n\r\n");
	assert_string_equal(last_row(h, 1)->r.state, "active");
	/* the notifier's NOTIFY: From is its tag, To the subscriber's */
	notify_terminated(h, 0.02, "s1", "n", "presence", "Content-Length: 0\r\n\r\n");
	assert_int_equal(h->msgs[2].dialog_id, 1);
	assert_string_equal(last_row(h, 1)->r.state, "terminated");
	sg_finish(h, 600);
	assert_int_equal(h->n_findings, 0);
	assert_int_equal(last_row(h, 1)->r.session_expires, -1);
}

static void test_unanswered_and_stray(void **state)
{
	struct sg_harness *h = *state;

	feed(h, 0, true, "OPTIONS sip:x.test SIP/2.0\r\n" HDRS("OPTIONS", "o1", "a", "", 1)
	     "Content-Length: 0\r\n\r\n");
	/* a response without its request starts nothing */
	feed(h, 1, false, "SIP/2.0 200 OK\r\n" HDRS("MESSAGE", "m9", "z", ";tag=s", 1)
	     "Content-Length: 0\r\n\r\n");
	assert_int_equal(h->msgs[1].dialog_id, 0);
	sg_tick(h, 40);
	const struct sg_dialog *d = last_row(h, 1);
	assert_string_equal(d->r.state, "no answer");
	assert_int_equal(d->r.final_status, 0);
	struct analyzer_stats st;
	analyzer_get_stats(h->a, &st);
	assert_int_equal(st.other_total, 1);
	assert_int_equal(st.other_in_memory, 0);
	assert_int_equal(st.dialogs_total, 0);
}

/* RFC 3515: REFER outside a dialog creates a subscription; its NOTIFYs
 * (Event: refer) come from the referee and end it. */
static void test_refer_subscription(void **state)
{
	struct sg_harness *h = *state;

	feed(h, 0, true, "REFER sip:bob@x.test SIP/2.0\r\n" HDRS("REFER", "f1", "a", "", 1)
	     "Refer-To: <sip:carol@x.test>\r\nContent-Length: 0\r\n\r\n");
	feed(h, 0.01, false, "SIP/2.0 202 Accepted\r\n" HDRS("REFER", "f1", "a", ";tag=b", 1)
	     "Content-Length: 0\r\n\r\n");
	assert_string_equal(last_row(h, 1)->r.state, "active");
	notify_terminated(h, 0.02, "f1", "b", "refer",
			  "Content-Type: message/sipfrag\r\nContent-Length: 16\r\n\r\nSIP/2.0 200 OK\r\n");
	feed(h, 0.03, true, "SIP/2.0 200 OK\r\n"
	     "Via: SIP/2.0/UDP 127.0.220.20:5060;branch=z9hG4bK-f1-n1\r\n"
	     "From: <sip:bob@x.test>;tag=b\r\nTo: <sip:alice@x.test>;tag=a\r\n"
	     "Call-ID: f1\r\nCSeq: 1 NOTIFY\r\nContent-Length: 0\r\n\r\n");
	for (size_t i = 0; i < h->n_msgs; i++)
		assert_int_equal(h->msgs[i].dialog_id, 1);
	const struct sg_dialog *d = last_row(h, 1);
	assert_string_equal(d->r.method, "REFER");
	assert_string_equal(d->r.state, "terminated");
	assert_int_equal(d->r.final_status, 202); /* the NOTIFY's 200 is not the REFER's */
}

/* 50,000 answered OPTIONS pings at 200 a second, each its own Call-ID:
 * memory holds only the last 64*T1 of them. */
static void test_options_flood_bounded(void **state)
{
	struct sg_harness *h = *state;
	struct analyzer_stats st;
	uint64_t peak = 0;

	h->keep_messages = false;
	for (int i = 0; i < 50000; i++) {
		double t = i / 200.0;
		ping(h, t, i);
		pong(h, t + 0.001, i);
		if (i % 1000 == 999) {
			analyzer_get_stats(h->a, &st);
			if (st.other_in_memory > peak)
				peak = st.other_in_memory;
			h->n_dialogs = 0; /* the harness's copies, not the analyzer's memory */
		}
	}
	analyzer_get_stats(h->a, &st);
	printf("# 50000 OPTIONS pings: at most %llu entries held\n", (unsigned long long)peak);
	assert_int_equal(st.other_total, 50000);
	assert_true(peak <= 32 * 200 + 400);
	assert_int_equal(st.other_evicted, 0);
}

/* Over --max-dialogs, OPTIONS entries evict OPTIONS entries, never a call. */
static void test_cap_never_evicts_calls(void **state)
{
	struct sg_harness *h = *state;
	struct sg_call c;
	struct analyzer_stats st;

	h->keep_messages = false;
	sg_call_init(&c, h, "call-1", false);
	sg_req(&c, 0, SG_CALLER, "INVITE", 1, NULL, SG_ALL);
	sg_resp(&c, 0.1, SG_CALLER, 200, "INVITE", 1, NULL, SG_ALL);
	sg_req(&c, 0.2, SG_CALLER, "ACK", 1, NULL, SG_ALL);
	for (int i = 0; i < 1000; i++)
		ping(h, 1 + i / 1000.0, i);
	analyzer_get_stats(h->a, &st);
	assert_int_equal(st.other_in_memory, 100);
	assert_int_equal(st.other_evicted, 900);
	assert_int_equal(st.dialogs_active, 1);
	assert_int_equal(st.dialogs_evicted, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_challenge_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subscribe_notify_terminated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unanswered_and_stray, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refer_subscription, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options_flood_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_never_evicts_calls, setup_capped,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
