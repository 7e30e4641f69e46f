/* test_sip_parse: SIP text → struct sip_msg, through libosip2 and the lenient
 * scanner (sip_parse, sip_scan, the RFC 4028 value grammars). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyzer/sip_parse.h"
#include "analyzer/sip_scan.h"
#include "analyzer/sip_value.h"
#include "tests/support/sip_msg_assert.h"

/* ---- helpers -------------------------------------------------------------- */

/* libosip2's verdict on the text last given to parse(). */
static bool strict_ok;

/* Parses text from a heap copy of exactly its length, so ASan sees overreads;
 * asks libosip2 for its verdict on the same bytes (strict_ok). */
static bool parse(const char *text, struct sip_msg *m)
{
	size_t n = strlen(text);
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	memcpy(b, text, n);
	bool ok = sip_parse(b, n, m);
	strict_ok = sip_parse_strict_accepts(b, n);
	free(b);
	return ok;
}

static bool parse_strict(const char *text, struct sip_msg *m)
{
	size_t n = strlen(text);
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	memcpy(b, text, n);
	bool ok = sip_parse_strict(b, n, m);
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

/* Parses text both ways, checks libosip2 accepted it and the scan (what
 * sip_parse returns) agrees. */
static void assert_paths_agree(const char *text)
{
	struct sip_msg a, b, c;

	assert_true(parse_strict(text, &a));
	assert_true(scan(text, &b));
	sip_msg_assert_same(&a, &b, true);
	assert_true(parse(text, &c));
	assert_true(strict_ok);
	sip_msg_assert_same(&a, &c, true);
	sip_msg_clear(&a);
	sip_msg_clear(&b);
	sip_msg_clear(&c);
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
	assert_true(strict_ok);
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
	assert_true(strict_ok);
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
	assert_true(strict_ok);
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

/* A response around one extra header line (or several). */
static char *resp_with(const char *extra)
{
	static const char fmt[] = "SIP/2.0 200 OK\r\n"
				  "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				  "From: <sip:a@h>;tag=1\r\n"
				  "To: <sip:b@h>;tag=2\r\n"
				  "Call-ID: c1@h\r\n"
				  "CSeq: 2 UPDATE\r\n"
				  "%s"
				  "Content-Length: 0\r\n\r\n";
	size_t n = sizeof fmt + strlen(extra);
	char *b = malloc(n);
	assert_non_null(b);
	snprintf(b, n, fmt, extra);
	return b;
}

/* ---- compact forms ---------------------------------------------------------- */

/* RFC 3261 §7.3.3 (i f t v m l), RFC 4028 §4 (x), §20.37 (k). */
static void test_compact_forms(void **state)
{
	static const char req[] = "UPDATE sip:b@h SIP/2.0\r\n"
				  "v: SIP/2.0/UDP h;branch=z9hG4bKc1\r\n"
				  "f: <sip:a@h>;tag=ft\r\n"
				  "t: <sip:b@h>;tag=tt\r\n"
				  "i: compact@h\r\n"
				  "CSeq: 7 UPDATE\r\n"
				  "m: <sip:a@10.0.0.1>\r\n"
				  "x: 120 ; refresher = uas\r\n"
				  "k: timer\r\n"
				  "l: 4\r\n"
				  "\r\n"
				  "bodyEXTRA";
	struct sip_msg m;
	(void)state;

	assert_true(parse(req, &m));
	assert_true(strict_ok);
	assert_int_equal(m.method, SIP_UPDATE);
	assert_string_equal(m.call_id, "compact@h");
	assert_string_equal(m.from_tag, "ft");
	assert_string_equal(m.to_tag, "tt");
	assert_string_equal(m.via_branch, "z9hG4bKc1");
	assert_int_equal(m.via_count, 1);
	assert_string_equal(m.contact, "sip:a@10.0.0.1");
	assert_true(m.session_expires.present);
	assert_false(m.session_expires.malformed);
	assert_int_equal(m.session_expires.seconds, 120);
	assert_int_equal(m.session_expires.refresher, REFRESHER_UAS);
	assert_true(m.supported_timer);
	assert_int_equal(m.body_len, 4); /* l: 4, the rest is not this message's */
	assert_int_equal(m.header_len, strlen(req) - strlen("bodyEXTRA"));
	sip_msg_clear(&m);
	assert_paths_agree(req);
}

/* Header names are case-insensitive (RFC 3261 §7.3.1); so are option tags. */
static void test_case_insensitive_names(void **state)
{
	static const char r[] = "SIP/2.0 200 OK\r\n"
				"via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				"FROM: <sip:a@h>;TAG=1\r\n"
				"tO: <sip:b@h>;tag=2\r\n"
				"CALL-ID: c1@h\r\n"
				"cseq: 2 UPDATE\r\n"
				"SESSION-EXPIRES: 90;Refresher=UAC\r\n"
				"SUPPORTED: TIMER\r\n"
				"require: Timer\r\n"
				"MIN-SE: 120\r\n"
				"RETRY-AFTER: 30\r\n"
				"CONTACT: <sip:b@h>\r\n"
				"SERVER: srv\r\n"
				"USER-AGENT: ua\r\n"
				"\r\n";
	struct sip_msg m;
	(void)state;

	assert_true(parse(r, &m));
	assert_true(strict_ok);
	assert_string_equal(m.from_tag, "1");
	assert_int_equal(m.session_expires.seconds, 90);
	assert_int_equal(m.session_expires.refresher, REFRESHER_UAC);
	assert_true(m.supported_timer);
	assert_true(m.require_timer);
	assert_int_equal(m.min_se.seconds, 120);
	assert_int_equal(m.retry_after, 30);
	assert_string_equal(m.server, "srv");
	assert_string_equal(m.user_agent, "ua");
	sip_msg_clear(&m);
	assert_paths_agree(r);
}

/* Names one byte off those read (same length, same first letter; '_' where
 * '-' belongs, which bit 0x20 does not fold onto it) are other headers:
 * placed first, they would win were they taken for the real ones. */
static void test_lookalike_names(void **state)
{
	static const char r[] = "SIP/2.0 200 OK\r\n"
				"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				"From: <sip:a@h>;tag=1\r\n"
				"To: <sip:b@h>;tag=2\r\n"
				"Call-IF: wrong@h\r\n"
				"Contacts: <sip:wrong@h>\r\n"
				"Session-Expire: 30\r\n"
				"Content-Lengths: 99\r\n"
				"Min_SE: 100\r\n"
				"Min-SF: 100\r\n"
				"Supporter: timer\r\n"
				"Requir_: timer\r\n"
				"Reasom: SIP;cause=408\r\n"
				"Retry-Afte_: 5\r\n"
				"y: 10\r\n"
				"Call-ID: c1@h\r\n"
				"CSeq: 2 UPDATE\r\n"
				"Contact: <sip:b@h>\r\n"
				"Session-Expires: 90\r\n"
				"Content-Length: 0\r\n"
				"\r\n";
	struct sip_msg m;
	(void)state;

	assert_true(scan(r, &m));
	assert_string_equal(m.call_id, "c1@h");
	assert_string_equal(m.contact, "sip:b@h");
	assert_int_equal(m.session_expires.seconds, 90);
	assert_false(m.min_se.present);
	assert_false(m.supported_timer);
	assert_false(m.require_timer);
	assert_false(m.reason_timer);
	assert_int_equal(m.retry_after, -1);
	assert_string_equal(m.content_length, "0");
	assert_int_equal(m.body_len, 0);
	assert_int_equal(m.content_length_problem, SIP_CLEN_OK);
	sip_msg_clear(&m);
	assert_paths_agree(r);
}

/* RFC 3261 §7.3.1: a line starting with whitespace continues the header. */
static void test_folding(void **state)
{
	static const char r[] = "SIP/2.0 200 OK\r\n"
				"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				"From: <sip:a@h>;tag=1\r\n"
				"To: <sip:b@h>;tag=2\r\n"
				"Call-ID: c1@h\r\n"
				"CSeq: 2\r\n"
				"  UPDATE\r\n"
				"Session-Expires: 90;\r\n"
				"\trefresher=uas\r\n"
				"Server: Big\r\n"
				" \tServer\t1.0\r\n"
				"Supported: 100rel,\r\n"
				" timer\r\n"
				"\r\n";
	struct sip_msg m;
	(void)state;

	assert_true(scan(r, &m));
	assert_int_equal(m.cseq, 2);
	assert_int_equal(m.cseq_method, SIP_UPDATE);
	assert_int_equal(m.session_expires.seconds, 90);
	assert_false(m.session_expires.malformed);
	assert_int_equal(m.session_expires.refresher, REFRESHER_UAS);
	assert_string_equal(m.server, "Big    Server\t1.0"); /* the fold as SPs */
	assert_true(m.supported_timer);
	sip_msg_clear(&m);
	assert_paths_agree(r);
}

/* Bare LF line ends and leading CRLFs (RFC 3261 §7.5) are accepted. */
static void test_lf_and_leading_crlf(void **state)
{
	static const char lf[] = "SIP/2.0 200 OK\n"
				 "Via: SIP/2.0/UDP h;branch=z9hG4bK1\n"
				 "From: <sip:a@h>;tag=1\n"
				 "To: <sip:b@h>;tag=2\n"
				 "Call-ID: c1@h\n"
				 "CSeq: 2 UPDATE\n"
				 "Content-Length: 4\n"
				 "\n"
				 "body";
	static const char lead[] = "\r\n\r\nSIP/2.0 180 Ringing\r\n"
				   "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				   "From: <sip:a@h>;tag=1\r\n"
				   "To: <sip:b@h>;tag=2\r\n"
				   "Call-ID: c1@h\r\n"
				   "CSeq: 1 INVITE\r\n\r\n";
	struct sip_msg m;
	(void)state;

	assert_true(parse(lf, &m));
	assert_int_equal(m.header_len, strlen(lf) - 4);
	assert_int_equal(m.body_len, 4);
	assert_int_equal(m.cseq_method, SIP_UPDATE);
	sip_msg_clear(&m);
	assert_paths_agree(lf);
	assert_true(parse(lead, &m));
	assert_int_equal(m.status, 180);
	assert_int_equal(m.header_len, strlen(lead));
	sip_msg_clear(&m);
	assert_paths_agree(lead);
}

/* ---- missing and broken headers --------------------------------------------- */

static void test_missing_headers(void **state)
{
	static const struct {
		const char *text;
		bool via, from, to, cseq;
	} cases[] = {
		{ "SIP/2.0 200 OK\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\n"
		  "Call-ID: c1@h\r\nCSeq: 2 UPDATE\r\n\r\n",
		  false, true, true, true },
		{ "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@h>;tag=2\r\n"
		  "Call-ID: c1@h\r\nCSeq: 2 UPDATE\r\n\r\n",
		  true, false, true, true },
		{ "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\n"
		  "Call-ID: c1@h\r\nCSeq: 2 UPDATE\r\n\r\n",
		  true, true, false, true },
		{ "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\n"
		  "To: <sip:b@h>;tag=2\r\nCall-ID: c1@h\r\n\r\n",
		  true, true, true, false },
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sip_msg m;
		assert_true(parse(cases[i].text, &m));
		assert_int_equal(m.has_via, cases[i].via);
		assert_int_equal(m.has_from, cases[i].from);
		assert_int_equal(m.has_to, cases[i].to);
		assert_int_equal(m.has_cseq, cases[i].cseq);
		assert_true(m.has_call_id);
		assert_int_equal(m.via_count, cases[i].via ? 1 : 0);
		if (!cases[i].cseq)
			assert_false(m.cseq_valid);
		assert_null(m.contact);
		assert_false(m.session_expires.present);
		assert_false(m.min_se.present);
		assert_false(m.supported_timer || m.require_timer);
		assert_int_equal(m.retry_after, -1);
		assert_null(m.user_agent);
		assert_null(m.server);
		sip_msg_clear(&m);
		assert_paths_agree(cases[i].text);
	}
}

/* Headers with empty values: libosip2 drops the ones it parses itself (From,
 * To, CSeq, Via, Contact) and keeps the others; the scan reads them the same. */
static void test_empty_headers(void **state)
{
	static const char *const texts[] = {
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\n"
		"To: <sip:b@h>;tag=2\r\nCall-ID: c1@h\r\nCSeq: \r\n\r\n",
		"SIP/2.0 200 OK\r\nVia:\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\n"
		"Call-ID: c1@h\r\nCSeq: 1 BYE\r\n\r\n",
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom:\r\nTo:  \r\n"
		"Call-ID: c1@h\r\nCSeq: 1 BYE\r\n\r\n",
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\n"
		"To: <sip:b@h>;tag=2\r\nCall-ID: c1@h\r\nCSeq: 1 BYE\r\nContact:\r\n"
		"Session-Expires:\r\nMin-SE: \r\nServer:\r\nUser-Agent:\r\nRetry-After:\r\n"
		"Supported:\r\nRequire:\r\n\r\n",
	};
	(void)state;

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		assert_paths_agree(texts[i]);
}

/* Without a Call-ID (or a start line) nothing can be correlated: false. */
static void test_not_sip(void **state)
{
	static const char *const texts[] = {
		"",
		"\r\n\r\n",
		"hello world\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 INVITE\r\n\r\n",
		"SIP/2.0 200 OK\r\nCall-ID:   \r\n\r\n",
		"SIP/2.0 2000 OK\r\nCall-ID: c\r\n\r\n",
		"SIP/2.0 099 Low\r\nCall-ID: c\r\n\r\n",
		"SIP/2.0 700 High\r\nCall-ID: c\r\n\r\n",
		"SIP/2.0 4294967496 Wraps\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n",
		"INVITE sip:b@h\r\nCall-ID: c\r\n\r\n",
		"INVITE\r\nCall-ID: c\r\n\r\n",
		"Call-ID: c\r\n\r\n",
	};
	(void)state;

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct sip_msg m;
		if (parse(texts[i], &m))
			fail_msg("accepted #%zu: %s", i, texts[i]);
		assert_null(m.call_id);
		assert_int_equal(m.retry_after, -1);
		sip_msg_clear(&m);
		assert_false(scan(texts[i], &m));
		sip_msg_clear(&m);
	}
}

/* libosip2 rejects these; the lenient scan still recovers the dialog keys so
 * a malformed 200 can be correlated and its sender blamed. */
static void test_fallback_recovers(void **state)
{
	static const char bad_contact[] = "SIP/2.0 200 OK\r\n"
					   "Via: SIP/2.0/UDP 10.0.0.20;branch=z9hG4bKp1\r\n"
					   "Via: SIP/2.0/UDP 10.0.0.10;branch=z9hG4bKc1\r\n"
					   "From: <sip:a@10.0.0.10>;tag=abc\r\n"
					   "To: <sip:b@10.0.0.30>;tag=xyz\r\n"
					   "Call-ID: broken@10.0.0.10\r\n"
					   "CSeq: 5 UPDATE\r\n"
					   "Contact: <sip:b@10.0.0.30\r\n"
					   "Server: Broken/1.0\r\n"
					   "Content-Length: 0\r\n\r\n";
	static const char bad_from[] = "SIP/2.0 200 OK\r\n"
				       "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				       "From: Bell, Alexander <sip:a@h>;tag=43\r\n"
				       "To: <sip:b@h>;tag=2\r\n"
				       "i: c2@h\r\n"
				       "CSeq: 6 INVITE\r\n"
				       "x: 1800;refresher=uac\r\n"
				       "Require: timer\r\n"
				       "\r\n";
	struct sip_msg m;
	(void)state;

	assert_true(parse(bad_contact, &m));
	assert_false(strict_ok);
	assert_int_equal(m.status, 200);
	assert_string_equal(m.call_id, "broken@10.0.0.10");
	assert_string_equal(m.from_tag, "abc");
	assert_string_equal(m.to_tag, "xyz");
	assert_int_equal(m.cseq, 5);
	assert_int_equal(m.method, SIP_UPDATE);
	assert_int_equal(m.via_count, 2);
	assert_string_equal(m.via_branch, "z9hG4bKp1");
	assert_string_equal(m.contact, ""); /* present, unreadable */
	assert_string_equal(m.server, "Broken/1.0");
	assert_false(m.session_expires.present);
	sip_msg_clear(&m);

	assert_true(parse(bad_from, &m));
	assert_false(strict_ok);
	assert_string_equal(m.call_id, "c2@h");
	assert_string_equal(m.from_uri, "sip:a@h");
	assert_string_equal(m.from_tag, "43");
	assert_int_equal(m.cseq_method, SIP_INVITE);
	assert_int_equal(m.session_expires.seconds, 1800);
	assert_int_equal(m.session_expires.refresher, REFRESHER_UAC);
	assert_true(m.require_timer);
	sip_msg_clear(&m);
}

/* RFC 3261 §8.1.1.5: CSeq below 2^31. */
static void test_cseq_bounds(void **state)
{
	static const struct {
		const char *hdr;
		bool valid;
		uint32_t n;
		enum sip_method method;
	} cases[] = {
		{ "CSeq: 2147483647 BYE\r\n", true, 2147483647u, SIP_BYE },
		{ "CSeq: 0 BYE\r\n", true, 0, SIP_BYE },
		{ "CSeq: 2147483648 BYE\r\n", false, 0, SIP_BYE },
		{ "CSeq: 99999999999999999999999 BYE\r\n", false, 0, SIP_BYE },
		{ "CSeq: -1 BYE\r\n", false, 0, SIP_BYE },
		{ "CSeq: abc BYE\r\n", false, 0, SIP_BYE },
		{ "CSeq: 12 bye\r\n", true, 12, SIP_METHOD_UNKNOWN },
		{ "CSeq: 12 UPD\x01TE\r\n", false, 0, SIP_METHOD_UNKNOWN },
		{ "CSeq: 12 BYE BYE\r\n", false, 0, SIP_METHOD_UNKNOWN },
		{ "CSeq: 12\r\n", false, 0, SIP_METHOD_UNKNOWN },
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char t[256];
		struct sip_msg m;

		snprintf(t, sizeof t,
			 "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			 "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: c@h\r\n%s\r\n",
			 cases[i].hdr);
		assert_true(parse(t, &m));
		assert_true(m.has_cseq);
		assert_int_equal(m.cseq_valid, cases[i].valid);
		assert_int_equal(m.cseq, cases[i].n);
		assert_int_equal(m.cseq_method, cases[i].method);
		sip_msg_clear(&m);
		assert_true(scan(t, &m));
		assert_int_equal(m.cseq_valid, cases[i].valid);
		assert_int_equal(m.cseq, cases[i].n);
		assert_int_equal(m.cseq_method, cases[i].method);
		sip_msg_clear(&m);
	}
}

/* ---- Via and Contact -------------------------------------------------------- */

static void test_multiple_via(void **state)
{
	char *one = resp_with("Via: SIP/2.0/UDP p2;branch=z9hG4bK2, SIP/2.0/TCP [2001:db8::1]:5060"
			      ";branch=z9hG4bK3;received=\"x,y\"\r\n"
			      "v: SIP/2.0/UDP p4\r\n");
	struct sip_msg m;
	(void)state;

	assert_true(parse(one, &m));
	assert_int_equal(m.via_count, 4);
	assert_string_equal(m.via_branch, "z9hG4bK1"); /* the top one */
	sip_msg_clear(&m);
	assert_true(scan(one, &m));
	assert_int_equal(m.via_count, 4);
	assert_string_equal(m.via_branch, "z9hG4bK1");
	sip_msg_clear(&m);
	free(one);

	/* A top Via without a branch (RFC 2543 style). */
	assert_true(parse("INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
			  "Via: SIP/2.0/UDP g;branch=z9hG4bKg\r\nCall-ID: c@h\r\n"
			  "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCSeq: 1 INVITE\r\n\r\n",
			  &m));
	assert_int_equal(m.via_count, 2);
	assert_null(m.via_branch);
	sip_msg_clear(&m);
}

static void test_contact_forms(void **state)
{
	static const struct {
		const char *hdr;
		const char *want; /* NULL: no Contact */
	} cases[] = {
		{ "Contact: *\r\n", "*" },
		{ "Contact:    *   \r\n", "*" },
		{ "Contact: <sip:b@h>\r\n", "sip:b@h" },
		{ "Contact: sip:b@h;expires=60\r\n", "sip:b@h" },
		{ "Contact: Bob <sip:b@h:5070;transport=tcp>;expires=60\r\n", "sip:b@h:5070;transport=tcp" },
		{ "Contact: \"Bob, the \\\"B\\\" <x>\" <sip:b@h>;q=0.5, <sip:c@h>\r\n", "sip:b@h" },
		{ "m: <sip:first@h>, <sip:second@h>\r\n", "sip:first@h" },
		{ "Contact: <sip:first@h>\r\nContact: <sip:second@h>\r\n", "sip:first@h" },
		{ "Contact: \r\n", NULL },
		{ "Contact: ,\r\n", NULL },
		{ "Contact: , ,\r\nContact: <sip:later@h>\r\n", "sip:later@h" },
		{ "Contact: , <sip:second@h>\r\n", "sip:second@h" },
		{ "", NULL },
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *t = resp_with(cases[i].hdr);
		struct sip_msg m;

		assert_true(parse(t, &m));
		assert_true(strict_ok);
		sip_msg_assert_str(cases[i].want, m.contact);
		sip_msg_clear(&m);
		assert_paths_agree(t);
		free(t);
	}
}

static void test_from_to_forms(void **state)
{
	static const char r[] = "BYE sip:b@h SIP/2.0\r\n"
				"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				"From: \"A; <not> this\" <sip:a@h;lr>;x=\"q;tag=no\";tag=ft\r\n"
				"To: sip:b@h;tag=tt\r\n"
				"Call-ID: ab\r\n"
				"CSeq: 3 BYE\r\n\r\n";
	struct sip_msg m;
	(void)state;

	assert_true(parse(r, &m));
	assert_true(strict_ok);
	assert_string_equal(m.from_uri, "sip:a@h;lr");
	assert_string_equal(m.from_tag, "ft");
	assert_string_equal(m.to_uri, "sip:b@h"); /* addr-spec: ;tag is the header's */
	assert_string_equal(m.to_tag, "tt");
	assert_string_equal(m.call_id, "ab"); /* no '@host' part */
	sip_msg_clear(&m);
	assert_paths_agree(r);

	/* A parameter name running into non-token bytes is no valueless tag. */
	assert_true(parse("BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			  "From: <sip:a@h>;tag\xc2\xabx\r\nTo: <sip:b@h>;tag=tt\r\n"
			  "Call-ID: ab\r\nCSeq: 3 BYE\r\n\r\n",
			  &m));
	assert_null(m.from_tag);
	assert_string_equal(m.to_tag, "tt");
	sip_msg_clear(&m);

	/* Whitespace around the '@' of a Call-ID is no part of it. */
	char *t = resp_with("");
	char *cid = strstr(t, "c1@h");
	assert_non_null(cid);
	size_t sn = strlen(t) + 8;
	char *spaced = malloc(sn);
	assert_non_null(spaced);
	snprintf(spaced, sn, "%.*sc1   @ h%s", (int)(cid - t), t, cid + 4);
	assert_true(parse(spaced, &m));
	assert_string_equal(m.call_id, "c1@h");
	sip_msg_clear(&m);
	assert_true(scan(spaced, &m));
	assert_string_equal(m.call_id, "c1@h");
	sip_msg_clear(&m);
	free(spaced);
	free(t);
}

/* ---- Session-Expires and Min-SE grammar (RFC 4028 §4, §5) ------------------- */

struct se_case {
	const char *value;
	bool malformed;
	uint32_t seconds;
	enum refresher refresher;
};

static const struct se_case se_cases[] = {
	{ "90", false, 90, REFRESHER_NONE },
	{ "1800;refresher=uac", false, 1800, REFRESHER_UAC },
	{ "1800;refresher=uas", false, 1800, REFRESHER_UAS },
	{ "1800 ; refresher = uas", false, 1800, REFRESHER_UAS },
	{ "\t1800\t;\trefresher\t=\tuac\t", false, 1800, REFRESHER_UAC },
	{ "1800;\r\n refresher=uac", false, 1800, REFRESHER_UAC },
	{ "1800;REFRESHER=UAC", false, 1800, REFRESHER_UAC },
	{ "1800;Refresher=Uas", false, 1800, REFRESHER_UAS },
	{ "1800;foo", false, 1800, REFRESHER_NONE },
	{ "1800;foo=bar;refresher=uac", false, 1800, REFRESHER_UAC },
	{ "1800;refresher=uac;foo=\"a;b=c\"", false, 1800, REFRESHER_UAC },
	{ "1800;refresher=uas;maddr=[2001:db8::1]", false, 1800, REFRESHER_UAS },
	{ "1800;refresher=uac;refresher=uac", false, 1800, REFRESHER_UAC },
	{ "0", false, 0, REFRESHER_NONE },
	{ "000090", false, 90, REFRESHER_NONE },
	{ "2147483647", false, 2147483647u, REFRESHER_NONE },
	/* bad numbers: seconds 0 */
	{ "2147483648", true, 0, REFRESHER_NONE },
	{ "99999999999999999999999", true, 0, REFRESHER_NONE },
	{ "", true, 0, REFRESHER_NONE },
	{ "   ", true, 0, REFRESHER_NONE },
	{ "abc", true, 0, REFRESHER_NONE },
	{ "-90", true, 0, REFRESHER_NONE },
	{ "+90", true, 0, REFRESHER_NONE },
	{ "90s", true, 0, REFRESHER_NONE },
	{ "1e3", true, 0, REFRESHER_NONE },
	{ "90,100", true, 0, REFRESHER_NONE },
	{ ";refresher=uac", true, 0, REFRESHER_UAC },
	/* good number, bad rest: seconds kept */
	{ "90 s", true, 90, REFRESHER_NONE },
	{ "90;", true, 90, REFRESHER_NONE },
	{ "90;;refresher=uac", true, 90, REFRESHER_NONE },
	{ "90;refresher", true, 90, REFRESHER_NONE },
	{ "90;refresher=", true, 90, REFRESHER_NONE },
	{ "90;refresher=foo", true, 90, REFRESHER_NONE },
	{ "90;refresher=\"uac\"", true, 90, REFRESHER_NONE },
	{ "90;refresher=uacx", true, 90, REFRESHER_NONE },
	{ "90;refresher=uac;refresher=uas", true, 90, REFRESHER_UAC },
	{ "90;refresher=uac extra", true, 90, REFRESHER_UAC },
	{ "90;foo=\"unterminated", true, 90, REFRESHER_NONE },
	{ "90;=x", true, 90, REFRESHER_NONE },
};

static void test_session_expires_grammar(void **state)
{
	(void)state;

	for (size_t i = 0; i < sizeof se_cases / sizeof se_cases[0]; i++) {
		const struct se_case *c = &se_cases[i];
		struct timer_header h;

		memset(&h, 0xa5, sizeof h);
		sip_parse_session_expires(c->value, &h);
		if (!h.present || h.malformed != c->malformed || h.seconds != c->seconds ||
		    h.refresher != c->refresher)
			fail_msg("Session-Expires \"%s\": got present=%d malformed=%d seconds=%u "
				 "refresher=%d, want malformed=%d seconds=%u refresher=%d",
				 c->value, h.present, h.malformed, h.seconds, h.refresher, c->malformed,
				 c->seconds, c->refresher);
	}
}

/* The same table through whole messages, both paths, full and compact name. */
static void test_session_expires_in_messages(void **state)
{
	(void)state;

	for (size_t i = 0; i < sizeof se_cases / sizeof se_cases[0]; i++) {
		const struct se_case *c = &se_cases[i];
		if (strchr(c->value, '\n') != NULL)
			continue; /* a fold is its own test */
		for (int compact = 0; compact < 2; compact++) {
			char hdr[128];
			struct sip_msg m;

			snprintf(hdr, sizeof hdr, "%s: %s\r\n", compact ? "x" : "Session-Expires", c->value);
			char *t = resp_with(hdr);
			assert_true(parse(t, &m));
			assert_true(m.session_expires.present);
			if (m.session_expires.malformed != c->malformed ||
			    m.session_expires.seconds != c->seconds ||
			    m.session_expires.refresher != c->refresher)
				fail_msg("message with \"%s\" parsed differently", hdr);
			sip_msg_clear(&m);
			assert_true(scan(t, &m));
			assert_int_equal(m.session_expires.malformed, c->malformed);
			assert_int_equal(m.session_expires.seconds, c->seconds);
			assert_int_equal(m.session_expires.refresher, c->refresher);
			sip_msg_clear(&m);
			free(t);
		}
	}
}

static void test_min_se_grammar(void **state)
{
	static const struct se_case cases[] = {
		{ "90", false, 90, REFRESHER_NONE },
		{ " 120 ", false, 120, REFRESHER_NONE },
		{ "90;foo=bar", false, 90, REFRESHER_NONE },
		{ "90 ; foo", false, 90, REFRESHER_NONE },
		{ "90;refresher=uac", false, 90, REFRESHER_NONE }, /* just a generic-param */
		{ "90;refresher=bogus", false, 90, REFRESHER_NONE },
		{ "abc", true, 0, REFRESHER_NONE },
		{ "", true, 0, REFRESHER_NONE },
		{ "4294967296", true, 0, REFRESHER_NONE },
		{ "90;", true, 90, REFRESHER_NONE },
		{ "90 x", true, 90, REFRESHER_NONE },
	};
	struct timer_header h;
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sip_parse_min_se(cases[i].value, &h);
		if (!h.present || h.malformed != cases[i].malformed || h.seconds != cases[i].seconds ||
		    h.refresher != REFRESHER_NONE)
			fail_msg("Min-SE \"%s\": got malformed=%d seconds=%u, want %d %u", cases[i].value,
				 h.malformed, h.seconds, cases[i].malformed, cases[i].seconds);
	}
	sip_parse_min_se(NULL, &h);
	assert_false(h.present);
	sip_parse_session_expires(NULL, &h);
	assert_false(h.present);

	char *t = resp_with("Min-SE: 300\r\nMin-SE: 400\r\n");
	struct sip_msg m;
	assert_true(parse(t, &m));
	assert_int_equal(m.min_se.seconds, 300); /* the first one */
	sip_msg_clear(&m);
	assert_paths_agree(t);
	free(t);
}

/* Repeated single-valued headers: the first in message order wins, whichever
 * name (full or compact) it uses, on both paths. */
static void test_first_header_wins(void **state)
{
	char *t = resp_with("x: 300;refresher=uas\r\n"
			    "Session-Expires: 600;refresher=uac\r\n"
			    "Server: first\r\nServer: second\r\n"
			    "User-Agent: ua1\r\nUser-Agent: ua2\r\n"
			    "Retry-After: 5\r\nRetry-After: 6\r\n");
	struct sip_msg m;
	(void)state;

	assert_true(parse(t, &m));
	assert_true(strict_ok);
	assert_int_equal(m.session_expires.seconds, 300);
	assert_int_equal(m.session_expires.refresher, REFRESHER_UAS);
	assert_string_equal(m.server, "first");
	assert_string_equal(m.user_agent, "ua1");
	assert_int_equal(m.retry_after, 5);
	sip_msg_clear(&m);
	assert_paths_agree(t);
	free(t);
}

/* ---- option tags, Retry-After -------------------------------------------- */

static void test_option_tags(void **state)
{
	static const struct {
		const char *hdrs;
		bool supported, require;
	} cases[] = {
		{ "Supported: timer\r\n", true, false },
		{ "Supported: 100rel,timer\r\n", true, false },
		{ "Supported:  100rel ,  TIMER  , path\r\n", true, false },
		{ "k: replaces, timer\r\n", true, false },
		{ "Supported: timers, xtimer, time\r\n", false, false },
		{ "Supported: 100rel\r\nSupported: timer\r\n", true, false },
		{ "Supported: 100rel\r\nk: timer\r\n", true, false },
		{ "Supported:\r\n", false, false },
		{ "Require: timer\r\n", false, true },
		{ "Require: 100rel, timer\r\nSupported: timer\r\n", true, true },
		{ "Proxy-Require: timer\r\n", false, false },
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *t = resp_with(cases[i].hdrs);
		struct sip_msg m;

		assert_true(parse(t, &m));
		if (m.supported_timer != cases[i].supported || m.require_timer != cases[i].require)
			fail_msg("\"%s\": supported=%d require=%d", cases[i].hdrs, m.supported_timer,
				 m.require_timer);
		sip_msg_clear(&m);
		assert_paths_agree(t);
		free(t);
	}
	assert_true(sip_value_has_option_tag("a,,timer,", 9, "timer"));
	assert_false(sip_value_has_option_tag("", 0, "timer"));
}

static void test_retry_after(void **state)
{
	static const struct {
		const char *v;
		int want;
	} cases[] = {
		{ "120", 120 },
		{ " 5 (busy);duration=60", 5 },
		{ "30;duration=10", 30 },
		{ "0", 0 },
		{ "2147483647", 2147483647 },
		{ "2147483648", -1 },
		{ "abc", -1 },
		{ "", -1 },
		{ "12x", -1 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(sip_value_retry_after(cases[i].v, strlen(cases[i].v)), cases[i].want);
	char *t = resp_with("Retry-After: 18 (overloaded)\r\n");
	struct sip_msg m;
	assert_true(parse(t, &m));
	assert_int_equal(m.retry_after, 18);
	sip_msg_clear(&m);
	assert_paths_agree(t);
	free(t);
}

/* ---- method names --------------------------------------------------------- */

static void test_method_names(void **state)
{
	(void)state;

	for (int m = SIP_INVITE; m <= SIP_PUBLISH; m++) {
		const char *n = sip_method_name((enum sip_method)m);
		assert_int_equal(sip_method_from_name(n, strlen(n)), m);
	}
	/* RFC 3261 §7.1: methods are case-sensitive tokens. */
	assert_int_equal(sip_method_from_name("invite", 6), SIP_METHOD_UNKNOWN);
	assert_int_equal(sip_method_from_name("INVITEX", 7), SIP_METHOD_UNKNOWN);
	assert_int_equal(sip_method_from_name("INVITE", 3), SIP_METHOD_UNKNOWN);
	assert_int_equal(sip_method_from_name("UPDATE!", 6), SIP_UPDATE);
	assert_int_equal(sip_method_from_name("", 0), SIP_METHOD_UNKNOWN);
	assert_int_equal(sip_method_from_name(NULL, 0), SIP_METHOD_UNKNOWN);
	assert_string_equal(sip_method_name(SIP_METHOD_UNKNOWN), "UNKNOWN");
	assert_string_equal(sip_method_name((enum sip_method)999), "UNKNOWN");

	struct sip_msg m;
	assert_true(parse("update sip:b@h SIP/2.0\r\nCall-ID: c\r\nCSeq: 1 update\r\n\r\n", &m));
	assert_int_equal(m.method, SIP_METHOD_UNKNOWN);
	assert_string_equal(m.method_name, "update");
	assert_int_equal(m.cseq_method, SIP_METHOD_UNKNOWN);
	assert_string_equal(m.cseq_method_name, "update");
	sip_msg_clear(&m);
}

/* ---- robustness ----------------------------------------------------------- */

/* Every prefix of a valid INVITE, from an exact-length heap buffer. */
static void test_truncations(void **state)
{
	const char *texts[] = { INVITE_SDP, OK_200 };
	(void)state;

	for (size_t t = 0; t < 2; t++) {
		size_t len = strlen(texts[t]);
		for (size_t n = 0; n <= len; n++) {
			uint8_t *b = malloc(n ? n : 1);
			struct sip_msg m;

			assert_non_null(b);
			memcpy(b, texts[t], n);
			if (sip_parse(b, n, &m)) {
				assert_non_null(m.call_id);
				assert_true(m.header_len + m.body_len <= n);
			}
			sip_msg_clear(&m);
			if (sip_scan(b, n, &m))
				assert_true(m.header_len + m.body_len <= n);
			sip_msg_clear(&m);
			free(b);
		}
	}
}

/* Deterministic random corruption of a valid message: no crash, no overread. */
static void test_mutations(void **state)
{
	size_t len = strlen(INVITE_SDP);
	uint32_t x = 2463534242u;
	uint8_t *b = malloc(len);
	static const char specials[] = "\r\n \t:;,<>\"=@\\\0";
	(void)state;

	assert_non_null(b);
	for (int iter = 0; iter < 4000; iter++) {
		struct sip_msg m;
		memcpy(b, INVITE_SDP, len);
		for (int k = 0; k < 1 + iter % 8; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			size_t pos = x % len;
			b[pos] = (x >> 8) & 1 ? (uint8_t)specials[(x >> 9) % (sizeof specials - 1)]
					      : (uint8_t)(x >> 16);
		}
		size_t n = iter % 3 == 0 ? (x >> 3) % (len + 1) : len;
		if (sip_parse(b, n, &m))
			assert_true(m.header_len + m.body_len <= n);
		sip_msg_clear(&m);
		if (sip_scan(b, n, &m))
			assert_true(m.header_len + m.body_len <= n);
		sip_msg_clear(&m);
	}
	free(b);
}

/* Above 256 KiB libosip2 is not asked; the scanner reads the first 256 KiB. */
static void test_huge_message(void **state)
{
	size_t hl = strlen(OK_200), len = 300 * 1024;
	uint8_t *b = malloc(len);
	struct sip_msg m;
	(void)state;

	assert_non_null(b);
	memcpy(b, OK_200, hl);
	memset(b + hl, 'x', len - hl);
	assert_true(sip_parse(b, len, &m));
	assert_false(sip_parse_strict_accepts(b, len));
	assert_string_equal(m.call_id, "1-2345@10.0.0.10");
	assert_true(m.header_len + m.body_len <= SIP_SCAN_MAX_LEN);
	sip_msg_clear(&m);
	/* Exactly at the limit libosip2 still parses it. */
	assert_true(sip_parse(b, SIP_SCAN_MAX_LEN, &m));
	assert_true(sip_parse_strict_accepts(b, SIP_SCAN_MAX_LEN));
	sip_msg_clear(&m);
	free(b);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Crafted messages that make libosip2 quadratic (seconds to minutes each) are
 * kept from it; the scan stays linear.  Each shape is 256 KiB. */
static void test_pathological_sizes(void **state)
{
	static const struct {
		const char *head, *unit;
	} shapes[] = {
		{ "Supported: a", ",a" },
		{ "From: <sip:a@h>", ";a=b" },
		{ "Contact: <sip:x@y>", ",<sip:x@y>" },
		{ "Via: SIP/2.0/UDP h", ";x=\"q\"" },
		{ "Via: a", ",a" },
		{ "X: a", "\r\nX: a" },
		{ "v: SIP/2.0/UDP h", "\r\nv: SIP/2.0/UDP h" },
		{ "Supported: a", "\r\n a" },
		{ "Session-Expires: 90", ";a=b" },
	};
	static const char start[] = "SIP/2.0 200 OK\r\nCall-ID: c@h\r\nCSeq: 1 INVITE\r\n";
	size_t total = SIP_SCAN_MAX_LEN;
	uint8_t *b = malloc(total);
	(void)state;

	assert_non_null(b);
	for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
		size_t n = 0, hl = strlen(shapes[k].head), ul = strlen(shapes[k].unit);
		struct sip_msg m;

		memcpy(b, start, sizeof start - 1);
		n = sizeof start - 1;
		memcpy(b + n, shapes[k].head, hl);
		n += hl;
		while (n + ul + 4 <= total) {
			memcpy(b + n, shapes[k].unit, ul);
			n += ul;
		}
		memcpy(b + n, "\r\n\r\n", 4);
		n += 4;
		double t0 = now_s();
		assert_true(sip_parse(b, n, &m));
		assert_false(sip_parse_strict_accepts(b, n));
		assert_string_equal(m.call_id, "c@h");
		sip_msg_clear(&m);
		assert_true(sip_scan(b, n, &m));
		sip_msg_clear(&m);
		double dt = now_s() - t0;
		if (dt > 2.0)
			fail_msg("shape %zu took %.2f s", k, dt);
	}
	free(b);

	/* Just above the item limit: scanned; well below: libosip2. */
	char hdr[2048] = "Supported: timer";
	for (int i = 0; i < 300; i++)
		strncat(hdr, ",x", sizeof hdr - strlen(hdr) - 1);
	strncat(hdr, "\r\n", sizeof hdr - strlen(hdr) - 1);
	char *t = resp_with(hdr);
	struct sip_msg m;
	assert_true(parse(t, &m));
	assert_false(strict_ok);
	assert_true(m.supported_timer);
	sip_msg_clear(&m);
	free(t);
}

/* Text libosip2 misreads while accepting it goes to the scan alone: a NUL
 * (ends its view), a bare CR (ends its line), no SP after the status code. */
static void test_osip_misreads(void **state)
{
	static const char r[] = "SIP/2.0 200 OK\r\n"
				"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				"Server: a\0b\r\n"
				"From: <sip:a@h>;tag=1\r\n"
				"To: <sip:b@h>;tag=2\r\n"
				"Call-ID: nul@h\r\n"
				"CSeq: 2 UPDATE\r\n\r\n";
	size_t n = sizeof r - 1;
	uint8_t *b = malloc(n);
	struct sip_msg m;
	(void)state;

	assert_non_null(b);
	memcpy(b, r, n);
	assert_true(sip_parse(b, n, &m));
	assert_false(sip_parse_strict_accepts(b, n));
	assert_string_equal(m.call_id, "nul@h");
	assert_string_equal(m.to_tag, "2");
	assert_string_equal(m.server, "a"); /* C string ends at the NUL */
	assert_int_equal(m.header_len, n);
	sip_msg_clear(&m);
	free(b);

	/* What libosip2 sees before the NUL is a valid 200 without Contact; the
	 * Contact after it must not read as missing. */
	static const char r2[] = "SIP/2.0 200 OK\r\n"
				 "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				 "From: <sip:a@h>;tag=1\r\n"
				 "To: <sip:b@h>;tag=2\r\n"
				 "Call-ID: c1@h\r\n"
				 "CSeq: 2 UPDATE\r\n"
				 "X-Junk: \0\r\n"
				 "Contact: <sip:b@h>\r\n"
				 "Session-Expires: 90;refresher=uac\r\n\r\n";
	n = sizeof r2 - 1;
	b = malloc(n);
	assert_non_null(b);
	memcpy(b, r2, n);
	assert_true(sip_parse(b, n, &m));
	assert_false(sip_parse_strict_accepts(b, n));
	assert_string_equal(m.contact, "sip:b@h");
	assert_true(m.session_expires.present);
	assert_true(m.cseq_valid);
	sip_msg_clear(&m);
	free(b);

	/* A bare CR is no line end (RFC 3261 §7); libosip2 would split there. */
	assert_true(parse("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			  "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\n"
			  "Call-ID: c1@h\rCSeq: 2 UPDATE\r\n\r\n",
			  &m));
	assert_false(strict_ok);
	assert_string_equal(m.call_id, "c1@h CSeq: 2 UPDATE");
	assert_false(m.has_cseq);
	sip_msg_clear(&m);

	/* "SIP/2.0 200" CRLF: libosip2 would eat the Contact as reason phrase. */
	assert_true(parse("SIP/2.0 200\r\nContact: <sip:b@h>\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			  "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\n"
			  "Call-ID: c1@h\r\nCSeq: 2 UPDATE\r\n\r\n",
			  &m));
	assert_false(strict_ok);
	assert_int_equal(m.status, 200);
	assert_string_equal(m.contact, "sip:b@h");
	sip_msg_clear(&m);
	assert_true(parse("SIP/2.0 200 \r\nContact: <sip:b@h>\r\nCall-ID: c1@h\r\n\r\n", &m));
	assert_true(strict_ok); /* an empty reason after the SP is fine */
	assert_string_equal(m.contact, "sip:b@h");
	sip_msg_clear(&m);
	assert_true(parse("SIP/2.0 200\tOK\r\nContact: <sip:b@h>\r\nCall-ID: c1@h\r\n\r\n", &m));
	assert_false(strict_ok); /* HTAB is no SP in a status line */
	assert_int_equal(m.status, 200);
	assert_string_equal(m.contact, "sip:b@h");
	sip_msg_clear(&m);
	assert_true(parse("SIP/2.0  200 OK\r\nContact: <sip:b@h>\r\nCall-ID: c1@h\r\n\r\n", &m));
	assert_false(strict_ok); /* two SPs before the code */
	assert_int_equal(m.status, 200);
	sip_msg_clear(&m);
}

/* Every string of a message lives in its one allocation (strs), whichever
 * path filled it. */
static void assert_in_strs(const struct sip_msg *m)
{
	const char *f[] = { m->method_name, m->request_uri, m->call_id, m->from_uri,
			    m->from_tag, m->to_uri, m->to_tag, m->cseq_method_name,
			    m->via_branch, m->contact, m->user_agent, m->server };

	assert_true(m->strs_len <= m->strs_cap);
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (f[i] == NULL)
			continue;
		assert_true(f[i] >= m->strs && f[i] + strlen(f[i]) < m->strs + m->strs_len);
	}
}

static void test_one_allocation(void **state)
{
	const char *texts[] = { INVITE_SDP, OK_200,
				"INVITE sip:b@h SIP/2.0\r\ni:  x @ y \r\nf: <sip:a@h>;tag=1\r\n"
				"t: sip:b@h;tag=2\r\nm: *\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				"CSeq: 1 INVITE\r\nUser-Agent:  a\r\n  b \r\nServer: s\r\n\r\n" };
	(void)state;

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct sip_msg m;
		assert_true(parse(texts[i], &m));
		assert_in_strs(&m);
		sip_msg_clear(&m);
		assert_true(parse_strict(texts[i], &m));
		assert_in_strs(&m);
		sip_msg_clear(&m);
	}
}

/* libosip2 must not print, whatever it is fed. */
static void test_silent(void **state)
{
	static const char *const junk[] = {
		"SIP/2.0 200 OK\r\nVia: ???\r\nCall-ID: a\r\nTo: <<<\r\n\r\n",
		"INVITE sip:x SIP/2.0\r\nContent-Length: 999\r\n\r\n",
		"\x01\x02\x03",
	};
	FILE *tmp = tmpfile();
	(void)state;

	assert_non_null(tmp);
	fflush(stdout);
	fflush(stderr);
	int out = dup(1), err = dup(2);
	assert_true(out >= 0 && err >= 0);
	assert_true(dup2(fileno(tmp), 1) >= 0 && dup2(fileno(tmp), 2) >= 0);
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		struct sip_msg m;
		sip_parse((const uint8_t *)junk[i], strlen(junk[i]), &m);
		sip_msg_clear(&m);
	}
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	long size = ftell(tmp);
	fseek(tmp, 0, SEEK_END);
	size = ftell(tmp);
	fclose(tmp);
	assert_int_equal(size, 0);
}

/* Each thread has its own copy buffer, freed when the thread ends. */
static void *thread_parse(void *arg)
{
	size_t fails = 0;
	(void)arg;

	for (int i = 0; i < 300; i++) {
		struct sip_msg m;
		const char *t = i % 2 ? INVITE_SDP : OK_200;
		if (!sip_parse((const uint8_t *)t, strlen(t), &m) ||
		    !sip_parse_strict_accepts((const uint8_t *)t, strlen(t)))
			fails++;
		sip_msg_clear(&m);
	}
	return (void *)fails;
}

static void test_threads(void **state)
{
	pthread_t th[2];
	(void)state;

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_parse, NULL), 0);
	for (int i = 0; i < 2; i++) {
		void *r;
		assert_int_equal(pthread_join(th[i], &r), 0);
		assert_null(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite),
		cmocka_unit_test(test_200_ok),
		cmocka_unit_test(test_200_no_contact_no_se),
		cmocka_unit_test(test_scan_agrees),
		cmocka_unit_test(test_compact_forms),
		cmocka_unit_test(test_case_insensitive_names),
		cmocka_unit_test(test_lookalike_names),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_lf_and_leading_crlf),
		cmocka_unit_test(test_missing_headers),
		cmocka_unit_test(test_empty_headers),
		cmocka_unit_test(test_not_sip),
		cmocka_unit_test(test_fallback_recovers),
		cmocka_unit_test(test_cseq_bounds),
		cmocka_unit_test(test_multiple_via),
		cmocka_unit_test(test_contact_forms),
		cmocka_unit_test(test_from_to_forms),
		cmocka_unit_test(test_session_expires_grammar),
		cmocka_unit_test(test_session_expires_in_messages),
		cmocka_unit_test(test_min_se_grammar),
		cmocka_unit_test(test_first_header_wins),
		cmocka_unit_test(test_option_tags),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_method_names),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_huge_message),
		cmocka_unit_test(test_pathological_sizes),
		cmocka_unit_test(test_osip_misreads),
		cmocka_unit_test(test_silent),
		cmocka_unit_test(test_one_allocation),
		cmocka_unit_test(test_threads),
	};

	sip_parse_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
