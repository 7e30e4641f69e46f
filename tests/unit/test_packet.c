/* test_packet: net_addr_format, whose IPv4 digits are written by hand, against
 * the inet_ntop + snprintf it replaced (same text, same truncation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "capture/packet.h"

/* What net_addr_format printed before the hand-written path. */
static void reference_format(const struct net_addr *a, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->family == 6) {
		inet_ntop(AF_INET6, a->ip, ip, sizeof ip);
		snprintf(buf, n, "[%s]:%u", ip, a->port);
	} else {
		inet_ntop(AF_INET, a->ip, ip, sizeof ip);
		snprintf(buf, n, "%s:%u", ip, a->port);
	}
}

static struct net_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct net_addr x;

	memset(&x, 0, sizeof x);
	x.family = 4;
	x.ip[0] = a;
	x.ip[1] = b;
	x.ip[2] = c;
	x.ip[3] = d;
	x.port = port;
	return x;
}

/* Formats a with both, into every buffer size from 0 to a roomy one, and
 * checks that the text and the bytes past it agree. */
static void check_same(const struct net_addr *a)
{
	char want[ENDPOINT_STR_MAX + 8], got[ENDPOINT_STR_MAX + 8];

	for (size_t n = 0; n <= ENDPOINT_STR_MAX; n++) {
		memset(want, 'x', sizeof want);
		memset(got, 'x', sizeof got);
		reference_format(a, want, n);
		net_addr_format(a, got, n);
		assert_memory_equal(got, want, sizeof want);
	}
}

static void test_packet_format_v4_edges(void **state)
{
	(void)state;
	static const uint8_t octets[] = {0, 1, 9, 10, 11, 99, 100, 101, 127, 199, 200, 249, 250, 255};
	static const uint16_t ports[] = {0, 1, 9, 10, 99, 100, 999, 1000, 5060, 9999, 10000, 65535};
	char buf[ENDPOINT_STR_MAX];
	struct net_addr a;

	a = v4(0, 0, 0, 0, 0);
	net_addr_format(&a, buf, sizeof buf);
	assert_string_equal(buf, "0.0.0.0:0");
	a = v4(255, 255, 255, 255, 65535);
	net_addr_format(&a, buf, sizeof buf);
	assert_string_equal(buf, "255.255.255.255:65535");
	a = v4(127, 0, 15, 10, 5060);
	net_addr_format(&a, buf, sizeof buf);
	assert_string_equal(buf, "127.0.15.10:5060");
	check_same(&a);

	/* Every digit count in every position, and every truncation of the widest. */
	for (size_t i = 0; i < sizeof octets; i++)
		for (size_t j = 0; j < sizeof ports / sizeof ports[0]; j++) {
			uint8_t o = octets[i];
			a = v4(o, (uint8_t)(255 - o), o, (uint8_t)(o / 2), ports[j]);
			check_same(&a);
		}
}

static void test_packet_format_v4_all_octets(void **state)
{
	(void)state;
	char want[ENDPOINT_STR_MAX], got[ENDPOINT_STR_MAX];

	for (unsigned o = 0; o < 256; o++)
		for (int pos = 0; pos < 4; pos++) {
			struct net_addr a = v4(10, 20, 30, 40, (uint16_t)(o * 257));
			a.ip[pos] = (uint8_t)o;
			reference_format(&a, want, sizeof want);
			net_addr_format(&a, got, sizeof got);
			assert_string_equal(got, want);
		}
}

static void test_packet_format_v6(void **state)
{
	(void)state;
	struct net_addr a;
	char buf[ENDPOINT_STR_MAX];

	memset(&a, 0, sizeof a);
	a.family = 6;
	a.ip[15] = 1;
	a.port = 5060;
	net_addr_format(&a, buf, sizeof buf);
	assert_string_equal(buf, "[::1]:5060");
	check_same(&a);
	memset(a.ip, 0xff, sizeof a.ip);
	a.port = 65535;
	net_addr_format(&a, buf, sizeof buf);
	assert_string_equal(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	check_same(&a);
	/* A v4-mapped address keeps inet_ntop's dotted tail. */
	memset(a.ip, 0, sizeof a.ip);
	a.ip[10] = a.ip[11] = 0xff;
	a.ip[12] = 192;
	a.ip[15] = 1;
	a.port = 0;
	net_addr_format(&a, buf, sizeof buf);
	assert_string_equal(buf, "[::ffff:192.0.0.1]:0");
	check_same(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_format_v4_edges),
		cmocka_unit_test(test_packet_format_v4_all_octets),
		cmocka_unit_test(test_packet_format_v6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
