/* test_decode_link: every link type the decoder takes, with and without VLAN
 * tags, over IPv4 and IPv6, and the ones it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "capture/decode.h"
#include "tests/support/frames.h"
#include "tests/support/packet_sink.h"


static const char SIP_MSG[] = "OPTIONS sip:bob@example.com SIP/2.0\r\n"
			      "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
			      "Call-ID: link-test\r\n"
			      "CSeq: 1 OPTIONS\r\n"
			      "Content-Length: 0\r\n\r\n";

/* Decodes one frame with a fresh decoder; the sink keeps what came out. */
static struct decoder_stats decode_one(int linktype, const uint8_t *frame, size_t len,
				       struct packet_sink *sink)
{
	struct decoder_config cfg;

	decoder_config_defaults(&cfg);
	struct decoder *d = decoder_new(&cfg, packet_sink_emit, sink);
	decoder_frame(d, linktype, 1700000000LL * USEC_PER_SEC, frame, (uint32_t)len);
	struct decoder_stats st = *decoder_stats(d);
	decoder_free(d);
	return st;
}

/* Builds s around SIP_MSG, decodes it and checks the one candidate. */
static void expect_candidate(const struct frame_spec *s)
{
	static uint8_t buf[FRAME_MAX];
	struct packet_sink sink = {0};
	size_t n = frame_build(s, SIP_MSG, strlen(SIP_MSG), buf, sizeof buf);

	assert_true(n > 0);
	struct decoder_stats st = decode_one(s->linktype, buf, n, &sink);
	assert_int_equal(st.frames, 1);
	assert_int_equal(st.truncated, 0);
	assert_int_equal(st.invalid, 0);
	assert_int_equal(st.unsupported, 0);
	assert_int_equal(st.sip_candidates, 1);
	assert_int_equal(sink.n, 1);
	struct sip_packet *p = sink.pkts[0];
	assert_int_equal(p->len, strlen(SIP_MSG));
	assert_memory_equal(p->data, SIP_MSG, p->len);
	assert_int_equal(p->flow.src.family, s->flow.src.family);
	assert_true(net_addr_equal(&p->flow.src, &s->flow.src));
	assert_true(net_addr_equal(&p->flow.dst, &s->flow.dst));
	assert_int_equal(p->flow.transport, s->flow.transport);
	assert_int_equal(p->ts_us, 1700000000LL * USEC_PER_SEC);
	packet_sink_clear(&sink);
}

static void spec(struct frame_spec *s, int linktype, int v6)
{
	if (v6)
		frame_spec_init(s, linktype, "[2001:db8::1]:5060", "[2001:db8::2]:5080",
				TRANSPORT_UDP);
	else
		frame_spec_init(s, linktype, "192.0.2.1:5060", "192.0.2.2:5080", TRANSPORT_UDP);
}

static const int ALL_LINKS[] = {
	LINK_ETHERNET, LINK_LINUX_SLL, LINK_LINUX_SLL2, LINK_NULL, LINK_LOOP,
	LINK_RAW,      LINK_RAW_DLT,   LINK_RAW_DLT_BSD,
};

static void test_every_link_type_v4_v6(void **state)
{
	(void)state;
	struct frame_spec s;

	for (size_t i = 0; i < sizeof ALL_LINKS / sizeof ALL_LINKS[0]; i++) {
		for (int v6 = 0; v6 < 2; v6++) {
			spec(&s, ALL_LINKS[i], v6);
			expect_candidate(&s);
			s.flow.transport = TRANSPORT_TCP;
			s.tcp_seq = 1000;
			expect_candidate(&s);
		}
	}
	spec(&s, LINK_IPV4, 0);
	expect_candidate(&s);
	spec(&s, LINK_IPV6, 1);
	expect_candidate(&s);
}

static void test_vlan_stacks(void **state)
{
	(void)state;
	static const uint16_t tpids[] = {0x8100, 0x88a8, 0x9100};
	static const int links[] = {LINK_ETHERNET, LINK_LINUX_SLL, LINK_LINUX_SLL2};
	struct frame_spec s;

	for (size_t l = 0; l < 3; l++)
		for (int tags = 1; tags <= FRAME_MAX_VLAN; tags++)
			for (size_t t = 0; t < 3; t++)
				for (int v6 = 0; v6 < 2; v6++) {
					spec(&s, links[l], v6);
					s.vlan_tags = tags;
					s.vlan_tpid = tpids[t];
					expect_candidate(&s);
				}
}

static void test_too_many_vlan_tags(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct packet_sink sink = {0};
	size_t at = 12;

	memset(buf, 0, sizeof buf);
	for (int i = 0; i < 9; i++, at += 4) {
		buf[at] = 0x81;
		buf[at + 2] = 0;
		buf[at + 3] = (uint8_t)i;
	}
	buf[at] = 0x08;
	struct decoder_stats st = decode_one(LINK_ETHERNET, buf, sizeof buf, &sink);
	assert_int_equal(st.unsupported, 1);
	assert_int_equal(sink.n, 0);
}

static void test_loopback_families_and_byte_orders(void **state)
{
	(void)state;
	static const uint32_t v6_families[] = {10, 24, 28, 30};
	struct frame_spec s;

	for (int swapped = 0; swapped < 2; swapped++) {
		for (int link = 0; link < 2; link++) {
			spec(&s, link ? LINK_LOOP : LINK_NULL, 0);
			s.loop_swapped = swapped;
			expect_candidate(&s);
			for (size_t i = 0; i < 4; i++) {
				spec(&s, link ? LINK_LOOP : LINK_NULL, 1);
				s.loop_swapped = swapped;
				s.loop_family = v6_families[i];
				expect_candidate(&s);
			}
		}
	}
}

static void test_loopback_unknown_family(void **state)
{
	(void)state;
	static uint8_t buf[FRAME_MAX];
	struct frame_spec s;
	struct packet_sink sink = {0};

	spec(&s, LINK_NULL, 0);
	s.loop_family = 7; /* AF_NS, say */
	size_t n = frame_build(&s, SIP_MSG, strlen(SIP_MSG), buf, sizeof buf);
	struct decoder_stats st = decode_one(LINK_NULL, buf, n, &sink);
	assert_int_equal(st.unsupported, 1);
	assert_int_equal(st.sip_candidates, 0);
}

static void test_ethernet_padding_is_cut(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct frame_spec s;
	struct packet_sink sink = {0};

	frame_spec_init(&s, LINK_ETHERNET, "192.0.2.1:9999", "192.0.2.2:5060", TRANSPORT_UDP);
	/* A SIP message in a padded frame keeps its exact length. */
	const char *msg = "SIP/2.0 200 OK\r\n\r\n";
	size_t n = frame_build(&s, msg, strlen(msg), buf, sizeof buf);
	assert_int_equal(n, 14 + 20 + 8 + strlen(msg));
	memset(buf + n, 'X', 64 - n); /* padded to the Ethernet minimum with junk */
	struct decoder_stats st = decode_one(LINK_ETHERNET, buf, 64, &sink);
	assert_int_equal(st.sip_candidates, 1);
	assert_int_equal(sink.pkts[0]->len, strlen(msg));
	assert_memory_equal(sink.pkts[0]->data, msg, strlen(msg));
	packet_sink_clear(&sink);
}

static void test_snap_encapsulation(void **state)
{
	(void)state;
	static uint8_t ip[FRAME_MAX], buf[FRAME_MAX];
	struct frame_spec s;
	struct packet_sink sink = {0};

	spec(&s, LINK_RAW, 0);
	size_t n = frame_build_ip(&s, SIP_MSG, strlen(SIP_MSG), ip, sizeof ip);
	static const uint8_t llc[] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00};
	memset(buf, 0, 12);
	buf[12] = (uint8_t)((n + 8) >> 8);
	buf[13] = (uint8_t)(n + 8);
	memcpy(buf + 14, llc, sizeof llc);
	memcpy(buf + 22, ip, n);
	struct decoder_stats st = decode_one(LINK_ETHERNET, buf, 22 + n, &sink);
	assert_int_equal(st.sip_candidates, 1);
	packet_sink_clear(&sink);
	buf[14] = 0x42; /* STP's LLC: not IP */
	st = decode_one(LINK_ETHERNET, buf, 22 + n, &sink);
	assert_int_equal(st.unsupported, 1);
	assert_int_equal(st.sip_candidates, 0);
}

static void test_unsupported_and_mismatched(void **state)
{
	(void)state;
	static uint8_t buf[FRAME_MAX];
	struct frame_spec s;
	struct packet_sink sink = {0};

	/* ARP on Ethernet. */
	spec(&s, LINK_ETHERNET, 0);
	size_t n = frame_build(&s, SIP_MSG, strlen(SIP_MSG), buf, sizeof buf);
	buf[12] = 0x08;
	buf[13] = 0x06;
	struct decoder_stats st = decode_one(LINK_ETHERNET, buf, n, &sink);
	assert_int_equal(st.unsupported, 1);

	/* A link type nobody asked for (802.11). */
	st = decode_one(105, buf, n, &sink);
	assert_int_equal(st.unsupported, 1);
	assert_false(decoder_linktype_supported(105));

	/* DLT_IPV4 carrying IPv6 contradicts itself. */
	spec(&s, LINK_IPV6, 1);
	n = frame_build(&s, SIP_MSG, strlen(SIP_MSG), buf, sizeof buf);
	st = decode_one(LINK_IPV4, buf, n, &sink);
	assert_int_equal(st.invalid, 1);
	st = decode_one(LINK_IPV6, buf, n, &sink);
	assert_int_equal(st.sip_candidates, 1);
	packet_sink_clear(&sink);

	/* Raw IP with version 5. */
	buf[0] = 0x50;
	st = decode_one(LINK_RAW, buf, n, &sink);
	assert_int_equal(st.unsupported, 1);
	assert_int_equal(sink.n, 0);
}

static void test_supported_list(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof ALL_LINKS / sizeof ALL_LINKS[0]; i++)
		assert_true(decoder_linktype_supported(ALL_LINKS[i]));
	assert_true(decoder_linktype_supported(LINK_IPV4));
	assert_true(decoder_linktype_supported(LINK_IPV6));
	assert_false(decoder_linktype_supported(9)); /* PPP */
	assert_false(decoder_linktype_supported(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_link_type_v4_v6),
		cmocka_unit_test(test_vlan_stacks),
		cmocka_unit_test(test_too_many_vlan_tags),
		cmocka_unit_test(test_loopback_families_and_byte_orders),
		cmocka_unit_test(test_loopback_unknown_family),
		cmocka_unit_test(test_ethernet_padding_is_cut),
		cmocka_unit_test(test_snap_encapsulation),
		cmocka_unit_test(test_unsupported_and_mismatched),
		cmocka_unit_test(test_supported_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
