/* test_sip_parse: SIP text → struct sip_msg, through libosip2 and the lenient
 * scanner (sip_parse, sip_scan, the RFC 4028 value grammars). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/sip_parse.h"
#include "analyzer/sip_scan.h"

/* ---- helpers -------------------------------------------------------------- */

/* Parses text from a heap copy of exactly its length, so ASan sees overreads. */
static bool parse(const char *text, struct sip_msg *m)
{
	size_t n = strlen(text);
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	memcpy(b, text, n);
	bool ok = sip_parse(b, n, m);
	free(b);
	return ok;
}

static bool scan(const char *text, struct sip_msg *m)
{
	size_t n = strlen(text);
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	memcpy(b, text, n);
	bool ok = sip_scan(b, n, m);
	free(b);
	return ok;
}

static void assert_str_or_null(const char *want, const char *got)
{
	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(want, got ? got : "(null)");
}

/* Every field but parsed_ok: the libosip2 path and the scanner agree. */
static void assert_same(const struct sip_msg *a, const struct sip_msg *b)
{
	assert_int_equal(a->is_request, b->is_request);
	assert_int_equal(a->method, b->method);
	assert_str_or_null(a->method_name, b->method_name);
	assert_int_equal(a->status, b->status);
	assert_str_or_null(a->request_uri, b->request_uri);
	assert_str_or_null(a->call_id, b->call_id);
	assert_str_or_null(a->from_uri, b->from_uri);
	assert_str_or_null(a->from_tag, b->from_tag);
	assert_str_or_null(a->to_uri, b->to_uri);
	assert_str_or_null(a->to_tag, b->to_tag);
	assert_int_equal(a->cseq, b->cseq);
	assert_int_equal(a->cseq_valid, b->cseq_valid);
	assert_int_equal(a->cseq_method, b->cseq_method);
	assert_str_or_null(a->cseq_method_name, b->cseq_method_name);
	assert_str_or_null(a->via_branch, b->via_branch);
	assert_int_equal(a->via_count, b->via_count);
	assert_str_or_null(a->contact, b->contact);
	assert_str_or_null(a->user_agent, b->user_agent);
	assert_str_or_null(a->server, b->server);
	assert_memory_equal(&a->session_expires, &b->session_expires, sizeof a->session_expires);
	assert_memory_equal(&a->min_se, &b->min_se, sizeof a->min_se);
	assert_int_equal(a->supported_timer, b->supported_timer);
	assert_int_equal(a->require_timer, b->require_timer);
	assert_int_equal(a->retry_after, b->retry_after);
	assert_int_equal(a->has_via, b->has_via);
	assert_int_equal(a->has_from, b->has_from);
	assert_int_equal(a->has_to, b->has_to);
	assert_int_equal(a->has_call_id, b->has_call_id);
	assert_int_equal(a->has_cseq, b->has_cseq);
	assert_int_equal(a->header_len, b->header_len);
	assert_int_equal(a->body_len, b->body_len);
}

/* Parses text both ways, checks libosip2 accepted it and the scan agrees. */
static void assert_paths_agree(const char *text)
{
	struct sip_msg a, b;

	assert_true(parse(text, &a));
	assert_true(a.parsed_ok);
	assert_true(scan(text, &b));
	assert_false(b.parsed_ok);
	assert_same(&a, &b);
	sip_msg_clear(&a);
	sip_msg_clear(&b);
}

static const char INVITE_SDP[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"From: \"Alice A.\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
	"User-Agent: SIPp/3.6\r\n"
	"Supported: 100rel, timer\r\n"
	"Session-Expires: 1800;refresher=uac\r\n"
	"Min-SE: 90\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 149\r\n"
	"\r\n"
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.101\r\n"
	"t=0 0\r\n"
	"m=audio 49172 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

static const char OK_200[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 10.0.0.20:5060;branch=z9hG4bKproxy1;received=10.0.0.20\r\n"
	"Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKcaller1\r\n"
	"From: <sip:alice@10.0.0.10>;tag=abc\r\n"
	"To: <sip:bob@10.0.0.30>;tag=xyz\r\n"
	"Call-ID: 1-2345@10.0.0.10\r\n"
	"CSeq: 2 UPDATE\r\n"
	"Contact: <sip:bob@10.0.0.30:5060;transport=udp>\r\n"
	"Server: UCMA/3.0\r\n"
	"Require: timer\r\n"
	"Session-Expires: 90;refresher=uac\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* ---- requests and responses ----------------------------------------------- */

static void test_invite(void **state)
{
	struct sip_msg m;
	(void)state;

	assert_true(parse(INVITE_SDP, &m));
	assert_true(m.parsed_ok);
	assert_true(m.is_request);
	assert_int_equal(m.method, SIP_INVITE);
	assert_string_equal(m.method_name, "INVITE");
	assert_string_equal(m.request_uri, "sip:bob@biloxi.example.com");
	assert_string_equal(m.call_id, "a84b4c76e66710@pc33.atlanta.example.com");
	assert_string_equal(m.from_uri, "sip:alice@atlanta.example.com");
	assert_string_equal(m.from_tag, "1928301774");
	assert_string_equal(m.to_uri, "sip:bob@biloxi.example.com");
	assert_null(m.to_tag);
	assert_true(m.cseq_valid);
	assert_int_equal(m.cseq, 314159);
	assert_int_equal(m.cseq_method, SIP_INVITE);
	assert_string_equal(m.cseq_method_name, "INVITE");
	assert_string_equal(m.via_branch, "z9hG4bK776asdhds");
	assert_int_equal(m.via_count, 1);
	assert_string_equal(m.contact, "sip:alice@pc33.atlanta.example.com");
	assert_string_equal(m.user_agent, "SIPp/3.6");
	assert_null(m.server);
	assert_true(m.session_expires.present);
	assert_false(m.session_expires.malformed);
	assert_int_equal(m.session_expires.seconds, 1800);
	assert_int_equal(m.session_expires.refresher, REFRESHER_UAC);
	assert_true(m.min_se.present);
	assert_int_equal(m.min_se.seconds, 90);
	assert_true(m.supported_timer);
	assert_false(m.require_timer);
	assert_int_equal(m.retry_after, -1);
	assert_true(m.has_via && m.has_from && m.has_to && m.has_call_id && m.has_cseq);
	assert_int_equal(m.body_len, 149);
	assert_int_equal(m.header_len + m.body_len, strlen(INVITE_SDP));
	sip_msg_clear(&m);
}

static void test_200_ok(void **state)
{
	struct sip_msg m;
	(void)state;

	assert_true(parse(OK_200, &m));
	assert_true(m.parsed_ok);
	assert_false(m.is_request);
	assert_int_equal(m.status, 200);
	assert_int_equal(m.method, SIP_UPDATE);
	assert_null(m.method_name);
	assert_null(m.request_uri);
	assert_string_equal(m.call_id, "1-2345@10.0.0.10");
	assert_string_equal(m.to_tag, "xyz");
	assert_string_equal(m.from_tag, "abc");
	assert_int_equal(m.cseq, 2);
	assert_int_equal(m.cseq_method, SIP_UPDATE);
	assert_int_equal(m.via_count, 2);
	assert_string_equal(m.via_branch, "z9hG4bKproxy1");
	assert_string_equal(m.contact, "sip:bob@10.0.0.30:5060;transport=udp");
	assert_string_equal(m.server, "UCMA/3.0");
	assert_true(m.require_timer);
	assert_false(m.supported_timer);
	assert_int_equal(m.session_expires.seconds, 90);
	assert_int_equal(m.session_expires.refresher, REFRESHER_UAC);
	assert_false(m.min_se.present);
	assert_int_equal(m.header_len, strlen(OK_200));
	assert_int_equal(m.body_len, 0);
	sip_msg_clear(&m);
}

/* The motivating outage: a 200 to a refresh UPDATE without Contact and
 * Session-Expires still parses, and says exactly what is missing. */
static void test_200_no_contact_no_se(void **state)
{
	struct sip_msg m;
	(void)state;

	assert_true(parse("SIP/2.0 200 OK\r\n"
			  "Via: SIP/2.0/UDP 127.0.1.20;branch=z9hG4bK-upd-1\r\n"
			  "From: <sip:caller@127.0.1.10>;tag=1\r\n"
			  "To: <sip:callee@127.0.1.30>;tag=2\r\n"
			  "Call-ID: outage@127.0.1.10\r\n"
			  "CSeq: 3 UPDATE\r\n"
			  "Server: Microsoft-UCMA/3.0\r\n"
			  "Content-Length: 0\r\n\r\n",
			  &m));
	assert_true(m.parsed_ok);
	assert_int_equal(m.status, 200);
	assert_null(m.contact);
	assert_false(m.session_expires.present);
	assert_false(m.require_timer);
	assert_int_equal(m.cseq_method, SIP_UPDATE);
	assert_string_equal(m.server, "Microsoft-UCMA/3.0");
	assert_true(m.has_via && m.has_from && m.has_to && m.has_call_id && m.has_cseq);
	sip_msg_clear(&m);
}

static void test_scan_agrees(void **state)
{
	(void)state;
	assert_paths_agree(INVITE_SDP);
	assert_paths_agree(OK_200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite),
		cmocka_unit_test(test_200_ok),
		cmocka_unit_test(test_200_no_contact_no_se),
		cmocka_unit_test(test_scan_agrees),
	};

	sip_parse_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
