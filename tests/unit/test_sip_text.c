/* test_sip_text: SIP's text rules that framing, detection and the scanner
 * share — where the headers end, Content-Length, the start line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "analyzer/sip_msg.h"
#include "analyzer/sip_scan.h"
#include "analyzer/sip_value.h"
#include "common/sip_text.h"

#define U(s) (const uint8_t *)(s), strlen(s)

static void test_sip_text_header_end(void **state)
{
	(void)state;
	assert_int_equal(sip_text_header_end(U("OPTIONS sip:a SIP/2.0\r\nCall-ID: x\r\n\r\nbody")), 37);
	assert_int_equal(sip_text_header_end(U("OPTIONS sip:a SIP/2.0\nCall-ID: x\n\nbody")), 34);
	assert_int_equal(sip_text_header_end(U("\r\n\r\nSIP/2.0 200 OK\r\n\r\n")), 22); /* leading CRLFs */
	assert_int_equal(sip_text_header_end(U("SIP/2.0 200 OK\r\nCall-ID: x\r\n")), 0); /* not yet */
	assert_int_equal(sip_text_header_end(U("")), 0);
	/* the scanner's header length is the same end, or everything when there is none */
	assert_int_equal(sip_scan_header_len(U("SIP/2.0 200 OK\r\n\r\nxy")), 18);
	assert_int_equal(sip_scan_header_len(U("SIP/2.0 200 OK\r\nTo: a")), 21);
}

static void test_sip_text_content_length(void **state)
{
	(void)state;
	uint64_t v = 0;
	size_t clen = 99;

	assert_true(sip_text_content_length(" \t12\r\n", 6, 100, &v));
	assert_int_equal(v, 12);
	assert_false(sip_text_content_length("101", 3, 100, &v)); /* above max */
	assert_false(sip_text_content_length(" 1 2", 4, 100, &v));
	assert_false(sip_text_content_length("  ", 2, 100, &v));
	assert_int_equal(sip_text_content_length_name(U("Content-Length : 5")), 16);
	assert_int_equal(sip_text_content_length_name(U("l:5")), 2);
	assert_int_equal(sip_text_content_length_name(U("Content-Type: x")), 0);
	const char *h = "To: a\r\nl: 7\r\nContent-Length: 9\r\n";
	assert_true(sip_text_find_content_length(U(h), 100, &clen));
	assert_int_equal(clen, 7); /* the first one counts */
	assert_true(sip_text_find_content_length(U("To: a\r\n"), 100, &clen));
	assert_int_equal(clen, 0);
	assert_false(sip_text_find_content_length(U("Content-Length: x\r\n"), 100, &clen));
	/* framing and the scanner read the same value: a bad one is ignored there */
	assert_int_equal(sip_value_body_len(10, " 4\r\n", 4), 4);
	assert_int_equal(sip_value_body_len(10, "40", 2), 10);
	assert_int_equal(sip_value_body_len(10, NULL, 0), 10);
}

static void test_sip_text_start_line(void **state)
{
	(void)state;
	struct sip_text_request rq;
	int status = 0;

	assert_true(sip_text_start_line(U("INVITE sip:b@h SIP/2.0\r")));
	assert_true(sip_text_start_line(U("SIP/2.0 200 OK")));
	assert_true(sip_text_start_line(U("SIP/2.0 180")));
	assert_false(sip_text_start_line(U("invite sip:b@h SIP/2.0"))); /* strict: upper case */
	assert_false(sip_text_start_line(U("GET / HTTP/1.1")));
	assert_true(sip_text_could_start(U("SIP/2")));
	assert_true(sip_text_could_start(U("INVI")));
	assert_false(sip_text_could_start(U("GET/")));
	/* leniently, for reading */
	assert_true(sip_text_request_line("invite  sip:b@h x  SIP/2.0", 26, &rq));
	assert_int_equal(rq.method_len, 6);
	assert_int_equal(rq.uri_len, 9);
	assert_memory_equal(rq.uri, "sip:b@h x", 9);
	assert_false(sip_text_request_line("INVITE SIP/2.0", 14, &rq)); /* no URI */
	assert_true(sip_text_status_line("sip/2.0  486 Busy", 17, &status));
	assert_int_equal(status, 486);
	assert_false(sip_text_status_line("SIP/2.0 099 x", 13, &status));
	assert_false(sip_text_status_line("SIP/2.0 4861", 12, &status));
	assert_true(sip_text_is_token_text("INVITE", 6));
	assert_false(sip_text_is_token_text("IN VITE", 7));
	assert_false(sip_text_is_token_text("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sip_text_header_end),
		cmocka_unit_test(test_sip_text_content_length),
		cmocka_unit_test(test_sip_text_start_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
