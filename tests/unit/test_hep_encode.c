/* test_hep_encode: HEP v3 packets from capture/hep_encode.c, read back chunk
 * by chunk with a reader written here from the HEP3 draft (not the encoder's
 * code): header, lengths, every chunk's type and value; IPv6; a payload that
 * does not fit is refused, never truncated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "capture/hep_encode.h"

struct chunk {
	uint16_t vendor, type, len;
	const uint8_t *v;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Splits the packet into chunks; fails the test on any malformed length. */
static size_t split(const uint8_t *p, size_t n, struct chunk *out, size_t max)
{
	size_t off = 6, k = 0;

	assert_true(n >= 6);
	assert_memory_equal(p, "HEP3", 4);
	assert_int_equal(be16(p + 4), n);
	while (off < n) {
		assert_true(off + 6 <= n);
		assert_true(k < max);
		out[k].vendor = be16(p + off);
		out[k].type = be16(p + off + 2);
		out[k].len = be16(p + off + 4);
		assert_true(out[k].len >= 6 && off + out[k].len <= n);
		out[k].v = p + off + 6;
		off += out[k].len;
		k++;
	}
	assert_int_equal(off, n);
	return k;
}

static const struct chunk *find(const struct chunk *c, size_t n, uint16_t type)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].type == type) {
			assert_int_equal(c[i].vendor, 0);
			return &c[i];
		}
	return NULL;
}

static void test_hep_encode_sip_v4(void **state)
{
	static const char sip[] = "INVITE sip:b@example.org SIP/2.0\r\nCall-ID: x1\r\n\r\n";
	struct hep_encode_msg m;
	uint8_t buf[1024];
	struct chunk c[32];

	(void)state;
	memset(&m, 0, sizeof m);
	m.src.family = m.dst.family = 4;
	memcpy(m.src.ip, "\xc0\x00\x02\x01", 4);
	memcpy(m.dst.ip, "\xc0\x00\x02\x02", 4);
	m.src.port = 5060;
	m.dst.port = 5080;
	m.ip_proto = 17;
	m.ts_us = 1795463068643945LL;
	m.proto_type = HEP_PROTO_SIP;
	m.agent_id = 4711;
	m.password = "s3cret";
	m.payload = (const uint8_t *)sip;
	m.payload_len = strlen(sip);
	size_t n = hep_encode(buf, sizeof buf, &m);
	assert_true(n > 0);
	size_t k = split(buf, n, c, 32);
	assert_int_equal(find(c, k, 1)->v[0], 2);    /* AF_INET */
	assert_int_equal(find(c, k, 2)->v[0], 17);   /* UDP */
	assert_memory_equal(find(c, k, 3)->v, "\xc0\x00\x02\x01", 4);
	assert_memory_equal(find(c, k, 4)->v, "\xc0\x00\x02\x02", 4);
	assert_int_equal(find(c, k, 3)->len, 10);
	assert_int_equal(be16(find(c, k, 7)->v), 5060);
	assert_int_equal(be16(find(c, k, 8)->v), 5080);
	assert_int_equal(be32(find(c, k, 9)->v), 1795463068u);
	assert_int_equal(be32(find(c, k, 10)->v), 643945u);
	assert_int_equal(find(c, k, 11)->v[0], 1);
	assert_int_equal(be32(find(c, k, 12)->v), 4711);
	assert_int_equal(find(c, k, 14)->len, 6 + 6);
	assert_memory_equal(find(c, k, 14)->v, "s3cret", 6);
	assert_int_equal(find(c, k, 15)->len, 6 + strlen(sip));
	assert_memory_equal(find(c, k, 15)->v, sip, strlen(sip));
	assert_null(find(c, k, 17)); /* no correlation given */
	assert_null(find(c, k, 5));
}

static void test_hep_encode_log_v6_correlation(void **state)
{
	static const char json[] = "{\"type\":\"doomed\"}";
	struct hep_encode_msg m;
	uint8_t buf[512];
	struct chunk c[32];

	(void)state;
	memset(&m, 0, sizeof m);
	m.src.family = m.dst.family = 6;
	m.src.ip[15] = 1;
	m.dst.ip[0] = 0xfe;
	m.src.port = 5061;
	m.ip_proto = 6;
	m.ts_us = 5; /* 0 s, 5 us */
	m.proto_type = HEP_PROTO_LOG;
	m.payload = (const uint8_t *)json;
	m.payload_len = strlen(json);
	m.correlation = "abc@host";
	size_t n = hep_encode(buf, sizeof buf, &m);
	size_t k = split(buf, n, c, 32);
	assert_int_equal(find(c, k, 1)->v[0], 10);
	assert_int_equal(find(c, k, 2)->v[0], 6);
	assert_int_equal(find(c, k, 5)->len, 22);
	assert_int_equal(find(c, k, 5)->v[15], 1);
	assert_int_equal(find(c, k, 6)->v[0], 0xfe);
	assert_null(find(c, k, 3));
	assert_int_equal(be32(find(c, k, 9)->v), 0);
	assert_int_equal(be32(find(c, k, 10)->v), 5);
	assert_int_equal(find(c, k, 11)->v[0], 100);
	assert_memory_equal(find(c, k, 17)->v, "abc@host", 8);
	assert_int_equal(find(c, k, 17)->len, 14);
	assert_null(find(c, k, 14)); /* no password */
}

static void test_hep_encode_refuses_what_does_not_fit(void **state)
{
	static uint8_t big[70000];
	uint8_t buf[256];
	static uint8_t huge[80000];
	struct hep_encode_msg m;

	(void)state;
	memset(&m, 0, sizeof m);
	m.src.family = m.dst.family = 4;
	m.payload = big;
	m.payload_len = 200;
	assert_int_equal(hep_encode(buf, 100, &m), 0);   /* buffer too small */
	m.payload_len = 100;
	assert_true(hep_encode(buf, sizeof buf, &m) > 0);
	m.payload_len = sizeof big;                       /* over the u16 total */
	assert_int_equal(hep_encode(huge, sizeof huge, &m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hep_encode_sip_v4),
		cmocka_unit_test(test_hep_encode_log_v6_correlation),
		cmocka_unit_test(test_hep_encode_refuses_what_does_not_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
