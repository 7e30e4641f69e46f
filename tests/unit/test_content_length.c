/* test_content_length: a malformed Content-Length is flagged, never silently
 * taken (issue 17): the scanner's verdict for every kind of defect (not a
 * number, negative, trailing junk, beyond 2^32, two that disagree, larger or
 * smaller than the datagram's body), the analyzer's CONTENT_LENGTH_MALFORMED
 * finding (a warning: the call is neither doomed nor at risk, the analysis
 * of its headers goes on) and its count outside dialogs, and the TCP side:
 * the framing stops at a length it cannot use, counts it, and picks the
 * connection up again at the next segment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/sip_parse.h"
#include "analyzer/sip_scan.h"
#include "capture/decode.h"
#include "tests/support/frames.h"
#include "tests/support/sipgen.h"

struct clen_case {
	const char *headers; /* Content-Length line(s), CRLF-terminated */
	const char *body;
	enum sip_clen want;
	size_t body_len; /* 0 = strlen(body) */
};

static const struct clen_case cases[] = {
	{"Content-Length: 5\r\n", "hello", SIP_CLEN_OK, 0},
	{"l: 5\r\n", "hello", SIP_CLEN_OK, 0},
	{"", "hello", SIP_CLEN_OK, 0},                            /* absent: optional over UDP */
	{"Content-Length: 0\r\n", "", SIP_CLEN_OK, 0},
	{"Content-Length: 5\r\n", "hello\r\n\r\n", SIP_CLEN_OK, 0}, /* padding after the body */
	{"Content-Length: 5\r\n", "hello\0\0", SIP_CLEN_OK, 7},
	{"Content-Length: 5\r\nContent-Length: 005\r\n", "hello", SIP_CLEN_OK, 0}, /* same value */
	{"Content-Length: abc\r\n", "hello", SIP_CLEN_NOT_NUMBER, 0},
	{"Content-Length: \r\n", "hello", SIP_CLEN_NOT_NUMBER, 0},
	{"Content-Length: +5\r\n", "hello", SIP_CLEN_NOT_NUMBER, 0},
	{"Content-Length: 0x5\r\n", "hello", SIP_CLEN_TRAILING, 0},
	{"Content-Length: -5\r\n", "hello", SIP_CLEN_NEGATIVE, 0},
	{"Content-Length: -\r\n", "hello", SIP_CLEN_NOT_NUMBER, 0},
	{"Content-Length: 5abc\r\n", "hello", SIP_CLEN_TRAILING, 0},
	{"Content-Length: 5 6\r\n", "hello", SIP_CLEN_TRAILING, 0},
	{"Content-Length: 5;x=1\r\n", "hello", SIP_CLEN_TRAILING, 0},
	{"Content-Length: 99999999999\r\n", "hello", SIP_CLEN_TOO_LARGE, 0},
	{"Content-Length: 5\r\nl: 7\r\n", "hello", SIP_CLEN_CONFLICT, 0},
	{"l: 5\r\nContent-Length: five\r\n", "hello", SIP_CLEN_CONFLICT, 0},
	{"Content-Length: 500\r\n", "hello", SIP_CLEN_BEYOND_BODY, 0},
	{"Content-Length: 6\r\n", "hello", SIP_CLEN_BEYOND_BODY, 0},
	{"Content-Length: 2\r\n", "hello", SIP_CLEN_SHORT, 0},
	{"Content-Length: 0\r\n", "v=0\r\n", SIP_CLEN_SHORT, 0},
};

/* An OPTIONS request with the given Content-Length lines and body. */
static size_t clen_message(char *buf, size_t n, const char *call_id, const struct clen_case *c)
{
	int len = snprintf(buf, n,
			   "OPTIONS sip:b@example.com SIP/2.0\r\n"
			   "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-%s\r\n"
			   "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n"
			   "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\n%s\r\n",
			   call_id, call_id, c->headers);
	assert_true(len > 0 && (size_t)len < n);
	size_t body = c->body_len ? c->body_len : strlen(c->body);
	assert_true((size_t)len + body < n);
	memcpy(buf + len, c->body, body);
	return (size_t)len + body;
}

static void test_scan_verdicts(void **state)
{
	(void)state;
	char buf[1024];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sip_msg m;
		size_t len = clen_message(buf, sizeof buf, "scan", &cases[i]);
		assert_true(sip_scan((const uint8_t *)buf, len, &m));
		if (m.content_length_problem != cases[i].want)
			fail_msg("case %zu (%s): verdict %d, want %d", i, cases[i].headers,
				 m.content_length_problem, cases[i].want);
		/* the body is still taken: the bytes present when the length is unusable */
		assert_true(m.body_len <= len - m.header_len);
		sip_msg_clear(&m);
	}
}

/* The scanner's limit: a message cut there says nothing about its body. */
static void test_scan_limit(void **state)
{
	(void)state;
	static char big[SIP_SCAN_MAX_LEN + 100];
	const char *h = "MESSAGE sip:b@x SIP/2.0\r\nCall-ID: big\r\nCSeq: 1 MESSAGE\r\n"
			"Content-Length: 262200\r\n\r\n";
	size_t hl = strlen(h);
	struct sip_msg m;

	memcpy(big, h, hl);
	memset(big + hl, 'x', sizeof big - hl);
	assert_true(sip_scan((const uint8_t *)big, hl + 262200, &m));
	assert_int_equal(m.content_length_problem, SIP_CLEN_OK);
	sip_msg_clear(&m);
}

/* A call whose INVITE carries Content-Length `cl` over a 4-byte body. */
static uint64_t clen_call(struct sg_harness *h, const char *call_id, const char *cl, bool twice)
{
	struct sg_call c;
	struct sg_opts o = {.se = 90, .refresher = "uac", .supported_timer = true};
	char buf[2048], msg[2200];

	sg_call_init(&c, h, call_id, false);
	size_t n = sg_build(&c, buf, sizeof buf, true, SG_CALLER, "INVITE", 0, 1, &o, false);
	const char *tail = "Content-Length: 0\r\n\r\n";
	assert_true(n > strlen(tail) && strcmp(buf + n - strlen(tail), tail) == 0);
	int len = snprintf(msg, sizeof msg, "%.*sContent-Length: %s\r\n\r\nv=0\n",
			   (int)(n - strlen(tail)), buf, cl);
	sg_feed(h, 0, c.caller, c.callee, false, msg, (size_t)len);
	if (twice) /* a retransmission: not reported again */
		sg_feed(h, 0.5, c.caller, c.callee, false, msg, (size_t)len);
	struct sg_opts a = {.se = 90, .refresher = "uac", .require_timer = true};
	sg_resp(&c, 0.6, SG_CALLER, 200, "INVITE", 1, &a, SG_ALL);
	sg_req(&c, 0.7, SG_CALLER, "ACK", 1, NULL, SG_ALL);
	sg_bye(&c, 20, SG_CALLER, 2);
	return sg_dialog_of(h, call_id)->r.id;
}

static void test_finding_in_a_dialog(void **state)
{
	(void)state;
	struct sg_harness h;
	static const struct {
		const char *cl, *says;
	} bad[] = {
		{"abc", "\"abc\" is not a number"},
		{"-4", "\"-4\" is negative"},
		{"4abc", "\"4abc\" has junk after its digits"},
		{"4294967296", "is beyond any message size"},
		{"4\r\nContent-Length: 9", "contradicted by a second Content-Length"},
		{"400", "\"400\" is larger than the body present"},
		{"1", "\"1\" is smaller than the body present"},
	};
	char id[32];

	sg_init(&h, NULL);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(id, sizeof id, "clen-%zu", i);
		uint64_t d = clen_call(&h, id, bad[i].cl, i == 0);
		sg_finish(&h, 30 + (double)i);
		const struct sg_finding *f = sg_find(&h, d, FINDING_CONTENT_LENGTH_MALFORMED);
		if (!f)
			fail_msg("case %zu (%s): no finding", i, bad[i].cl);
		assert_int_equal(sg_count(&h, d, FINDING_CONTENT_LENGTH_MALFORMED), 1);
		assert_int_equal(f->severity, SEVERITY_WARNING);
		assert_string_equal(f->endpoint, "127.0.1.10:5060");
		assert_true(f->message_id != 0);
		if (!strstr(f->detail, bad[i].says) || !strstr(f->detail, "INVITE (CSeq 1)") ||
		    !strstr(f->detail, "4 body bytes present"))
			fail_msg("case %zu: detail \"%s\"", i, f->detail);
		/* a warning only: the call is analysed as usual and ends healthy */
		const struct sg_dialog *r = sg_dialog(&h, d);
		assert_false(r->r.doomed);
		assert_false(r->r.at_risk);
		assert_int_equal(r->r.end_class, END_NORMAL_BYE);
		assert_int_equal(r->r.session_expires, 90);
	}
	struct analyzer_stats st;
	analyzer_get_stats(h.a, &st);
	assert_int_equal(st.bad_content_length, sizeof bad / sizeof bad[0]);
	/* a good length: nothing */
	uint64_t d = clen_call(&h, "clen-good", "4", false);
	sg_finish(&h, 60);
	assert_int_equal(sg_count(&h, d, FINDING_CONTENT_LENGTH_MALFORMED), 0);
	sg_fini(&h);
}

/* Outside any dialog (OPTIONS) there is no dialog to hold a finding: counted. */
static void test_counted_outside_dialogs(void **state)
{
	(void)state;
	struct sg_harness h;
	char buf[1024];
	size_t bad = 0;

	sg_init(&h, NULL);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char id[32];
		snprintf(id, sizeof id, "opt-%zu", i);
		size_t len = clen_message(buf, sizeof buf, id, &cases[i]);
		sg_feed(&h, (double)i, "127.0.1.10:5060", "127.0.1.30:5060", false, buf, len);
		bad += cases[i].want != SIP_CLEN_OK;
	}
	sg_finish(&h, 100);
	struct analyzer_stats st;
	analyzer_get_stats(h.a, &st);
	assert_int_equal(st.bad_content_length, bad);
	assert_int_equal(st.sip_messages, sizeof cases / sizeof cases[0]); /* all analysed */
	assert_int_equal(h.n_findings, 0);
	sg_fini(&h);
}

/* TCP: a length the framing cannot use ends that stream's framing (counted
 * as bad_content_length and invalid); the next segment starts it again, so
 * later messages are not swallowed. */
static void tcp_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	struct sip_packet *p = sip_packet_dup(hdr, data); /* the sink lends them */
	(*(size_t *)ctx)++;
	sip_packet_free(p);
}

static void test_tcp_framing_bounded(void **state)
{
	(void)state;
	static const char *const bad[] = {"abc", "-5", "12abc", "", "99999999999"};
	const char *good = "SIP/2.0 100 Trying\r\nCall-ID: tcp-a\r\nCSeq: 1 INVITE\r\n"
			   "Content-Length: 0\r\n\r\n";
	char msg[512];
	uint8_t frame[FRAME_MAX];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct decoder_config cfg;
		struct frame_spec s;
		size_t emitted = 0;
		decoder_config_defaults(&cfg);
		struct decoder *d = decoder_new(&cfg, tcp_emit, &emitted);
		frame_spec_init(&s, LINK_ETHERNET, "127.0.215.1:40000", "127.0.215.2:5060",
				TRANSPORT_TCP);
		uint32_t seq = 1000;
		s.tcp_seq = seq - 1;
		s.tcp_flags = FRAME_TCP_SYN;
		size_t n = frame_build(&s, NULL, 0, frame, sizeof frame);
		decoder_frame(d, LINK_ETHERNET, 1, frame, (uint32_t)n);
		/* good, bad + good in one segment, then good */
		int len = snprintf(msg, sizeof msg, "%sINVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\n"
				   "Content-Length: %s\r\n\r\nbody%s", good, bad[i], good);
		s.tcp_seq = seq;
		s.tcp_flags = 0;
		n = frame_build(&s, msg, (size_t)len, frame, sizeof frame);
		decoder_frame(d, LINK_ETHERNET, 2, frame, (uint32_t)n);
		seq += (uint32_t)len;
		for (int k = 0; k < 3; k++) {
			s.tcp_seq = seq;
			n = frame_build(&s, good, strlen(good), frame, sizeof frame);
			decoder_frame(d, LINK_ETHERNET, 3 + k, frame, (uint32_t)n);
			seq += (uint32_t)strlen(good);
		}
		const struct decoder_stats *st = decoder_stats(d);
		if (emitted != 4)
			fail_msg("\"%s\": %zu messages framed, want 4 (1 before, 3 after)", bad[i],
				 emitted);
		assert_int_equal(st->bad_content_length, 1);
		assert_int_equal(st->invalid, 1);
		decoder_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_verdicts),
		cmocka_unit_test(test_scan_limit),
		cmocka_unit_test(test_finding_in_a_dialog),
		cmocka_unit_test(test_counted_outside_dialogs),
		cmocka_unit_test(test_tcp_framing_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
