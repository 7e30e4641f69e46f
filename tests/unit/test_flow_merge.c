/* test_flow_merge: the combined flow's pure parts — correlation values from
 * the headers B2BUAs leave (X-CID as in tests/captures/b2bua, X-Call-ID,
 * P-Charging-Vector icid-value, Replaces, Refer-To ?Replaces= escaped), the
 * merge order of two legs' messages, user parts for the numbers rule, and
 * writing several dialogs as text (save_many). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/test_dir.h"
#include "ui/flow_merge.h"
#include "ui/save_many.h"

/* leg B's INVITE from tests/captures/b2bua/two-legs-x-cid.pcap, shortened */
static const char leg_b[] =
	"INVITE sip:alice@127.0.225.3:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.225.2:5062;branch=z9hG4bK-14487-1-0\r\n"
	"From: sipp <sip:sipp@127.0.225.2:5062>;tag=14487SIPpTag001\r\n"
	"To: alice <sip:alice@127.0.225.3:5060>\r\n"
	"Call-ID: 1-14487@127.0.225.2\r\n"
	"X-CID: legA-7f3a91@127.0.225.1\r\n"
	"CSeq: 1 INVITE\r\n"
	"\r\n";

static size_t values_of(const char *raw, struct flow_merge_value *v, size_t max)
{
	const char *end = strstr(raw, "\r\n\r\n");

	return flow_merge_values((const uint8_t *)raw, end ? (size_t)(end - raw) + 4 : strlen(raw), v,
				 max);
}

static void test_x_cid(void **state)
{
	struct flow_merge_value v[FLOW_MERGE_VALUES_MAX];
	size_t n = values_of(leg_b, v, FLOW_MERGE_VALUES_MAX);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(v[0].header, "X-CID");
	assert_string_equal(v[0].value, "legA-7f3a91@127.0.225.1");
	assert_true(v[0].is_call_id);
	/* the Call-ID header itself is no correlation value */
	assert_null(strstr(v[0].value, "14487"));
}

static void test_other_headers(void **state)
{
	static const char raw[] =
		"REFER sip:b@h SIP/2.0\r\n"
		"x-call-id:  a84b4c76e66710@pc33 \r\n"
		"P-Charging-Vector: icid-value=\"AyretyU0dm+6O2IrT5tAFrbHLso=\";icid-generated-at=192.0.6.8;orig-ioi=home1.net\r\n"
		"Replaces: 98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff\r\n"
		"Refer-To: <sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>\r\n"
		"X-CID: 1\r\n"                        /* too short: would join by chance */
		"X-CID: a84b4c76e66710@pc33\r\n"      /* the same value once */
		"Subject: X-CID: not-a-header-value\r\n"
		" X-CID: folded-line-is-no-header\r\n"
		"\r\n";
	struct flow_merge_value v[FLOW_MERGE_VALUES_MAX];
	size_t n = values_of(raw, v, FLOW_MERGE_VALUES_MAX);

	(void)state;
	assert_int_equal(n, 4);
	assert_string_equal(v[0].header, "X-Call-ID");
	assert_string_equal(v[0].value, "a84b4c76e66710@pc33");
	assert_string_equal(v[1].header, "P-Charging-Vector icid-value");
	assert_string_equal(v[1].value, "AyretyU0dm+6O2IrT5tAFrbHLso=");
	assert_false(v[1].is_call_id);
	assert_string_equal(v[2].header, "Replaces");
	assert_string_equal(v[2].value, "98732@sip.example.com");
	assert_string_equal(v[3].header, "Refer-To Replaces");
	assert_string_equal(v[3].value, "12345@192.168.118.3");
	/* max is honoured */
	assert_int_equal(values_of(raw, v, 2), 2);
	assert_int_equal(flow_merge_values(NULL, 10, v, 4), 0);
}

static void test_merge_order(void **state)
{
	struct message_record m[5];
	const int64_t ts[5] = {300, 100, 200, 100, 50};
	const uint64_t id[5] = {1, 5, 2, 4, 9};

	(void)state;
	memset(m, 0, sizeof m);
	for (int i = 0; i < 5; i++) {
		m[i].ts_us = ts[i];
		m[i].id = id[i];
		m[i].dialog_id = (uint64_t)(i % 2 + 1);
	}
	flow_merge_sort(m, 5);
	/* time first; equal times in capture (id) order */
	assert_int_equal(m[0].id, 9);
	assert_int_equal(m[1].id, 4);
	assert_int_equal(m[2].id, 5);
	assert_int_equal(m[3].id, 2);
	assert_int_equal(m[4].id, 1);
	for (int i = 1; i < 5; i++)
		assert_true(m[i - 1].ts_us <= m[i].ts_us);
}

static void test_user_part(void **state)
{
	char u[64];

	(void)state;
	flow_merge_user("\"Bob\" <sip:+4930123@gw.example;user=phone>;tag=1", u, sizeof u);
	assert_string_equal(u, "+4930123");
	flow_merge_user("sip:example.com", u, sizeof u);
	assert_string_equal(u, "");
	flow_merge_user(NULL, u, sizeof u);
	assert_string_equal(u, "");
}

static void test_save_text(void **state)
{
	char dir[256], db[300], path[400], err[512], buf[4096];
	struct message_record m[2];
	static const char a[] = "INVITE sip:a@b SIP/2.0\r\nCall-ID: x1\r\n\r\n";
	static const char b[] = "SIP/2.0 200 OK\r\nCall-ID: x2\r\n\r\n";
	FILE *f;
	size_t got;

	(void)state;
	assert_true(save_many_is_text("calls.TXT"));
	assert_false(save_many_is_text("calls.pcap"));
	assert_false(save_many_is_text("txt"));
	assert_int_equal(test_dir_make("sw18f-save", dir, sizeof dir, db, sizeof db), 0);
	memset(m, 0, sizeof m);
	m[0].ts_us = 1700000000LL * 1000000 + 1000;
	snprintf(m[0].src, sizeof m[0].src, "127.0.225.1:5061");
	snprintf(m[0].dst, sizeof m[0].dst, "127.0.225.2:5060");
	m[0].raw = (const uint8_t *)a;
	m[0].raw_len = strlen(a);
	m[0].call_id = "x1";
	m[1] = m[0];
	m[1].raw = (const uint8_t *)b;
	m[1].raw_len = strlen(b);
	m[1].call_id = "x2";
	snprintf(path, sizeof path, "%s/two.txt", dir);
	assert_true(save_many_write_text(path, m, 2, true, err, sizeof err));
	f = fopen(path, "r");
	assert_non_null(f);
	got = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[got] = '\0';
	assert_non_null(strstr(buf, "22:13:20.001 127.0.225.1:5061 -> 127.0.225.2:5060 udp x1\n"
				    "INVITE sip:a@b SIP/2.0\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\n\n22:13:20.001"));
	assert_non_null(strstr(buf, "SIP/2.0 200 OK"));
	/* an unwritable directory: a reason naming the path */
	assert_false(save_many_write_text("/nonexistent-sw18f/x.txt", m, 2, true, err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent-sw18f/x.txt: No such file"));
	assert_int_equal(test_dir_remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x_cid),
		cmocka_unit_test(test_other_headers),
		cmocka_unit_test(test_merge_order),
		cmocka_unit_test(test_user_part),
		cmocka_unit_test(test_save_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
