/* test_decode_udp: UDP headers and which payloads become candidates: SIP
 * ports, SIP found by its start line elsewhere, TLS counted as encrypted,
 * keepalives and everything else counted as non-SIP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "capture/decode.h"
#include "capture/sip_detect.h"
#include "common/sip_text.h"
#include "tests/support/frames.h"
#include "tests/support/packet_sink.h"

#define T0 (1700000000LL * USEC_PER_SEC)

static uint8_t frame_buf[FRAME_MAX];

static struct decoder *new_decoder(const struct decoder_config *cfg, struct packet_sink *sink)
{
	struct decoder_config def;

	if (!cfg) {
		decoder_config_defaults(&def);
		cfg = &def;
	}
	return decoder_new(cfg, packet_sink_emit, sink);
}

static void feed(struct decoder *d, const struct frame_spec *s, int64_t ts, const char *payload)
{
	size_t n = frame_build(s, payload, strlen(payload), frame_buf, sizeof frame_buf);

	assert_true(n > 0);
	decoder_frame(d, s->linktype, ts, frame_buf, (uint32_t)n);
}

/* Decodes one raw IPv4 packet with a fresh decoder. */
static struct decoder_stats decode_ip_packet(const uint8_t *ip, size_t len, struct packet_sink *sink)
{
	struct decoder *d = new_decoder(NULL, sink);

	decoder_frame(d, LINK_RAW, T0, ip, (uint32_t)len);
	struct decoder_stats st = *decoder_stats(d);
	decoder_free(d);
	return st;
}

static void test_udp_length_checks(void **state)
{
	(void)state;
	static uint8_t ip[FRAME_MAX];
	struct frame_spec s;
	struct packet_sink sink = {0};
	const char *msg = "SIP/2.0 200 OK\r\n\r\n";

	frame_spec_init(&s, LINK_RAW, "192.0.2.1:5060", "192.0.2.2:5060", TRANSPORT_UDP);
	size_t n = frame_build_ip(&s, msg, strlen(msg), ip, sizeof ip);
	ip[24] = 0;
	ip[25] = (uint8_t)(n - 20 + 1); /* UDP length past the IP payload */
	struct decoder_stats st = decode_ip_packet(ip, n, &sink);
	assert_int_equal(st.invalid, 1);
	ip[25] = 7; /* below the UDP header */
	st = decode_ip_packet(ip, n, &sink);
	assert_int_equal(st.invalid, 1);
	ip[25] = 8 + 7; /* shorter than the IP payload: the rest is ignored */
	st = decode_ip_packet(ip, n, &sink);
	assert_int_equal(st.sip_candidates, 1);
	assert_int_equal(sink.pkts[0]->len, 7);
	packet_sink_clear(&sink);
}

struct classify_case {
	const char *src, *dst;
	const char *payload;
	size_t len; /* 0 = strlen */
	const char *want; /* "sip", "tls", "other" */
};

static void test_classification(void **state)
{
	(void)state;
	static const char tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
	const struct classify_case cases[] = {
		{"10.0.0.1:5060", "10.0.0.2:5060", "INVITE sip:a@b SIP/2.0\r\n\r\n", 0, "sip"},
		{"10.0.0.1:40000", "10.0.0.2:5060", "hello, not sip", 0, "sip"},
		{"10.0.0.1:5060", "10.0.0.2:40000", "SIP/2.0 200 OK\r\n\r\n", 0, "sip"},
		{"10.0.0.1:7000", "10.0.0.2:7001", "REGISTER sip:b SIP/2.0\r\n\r\n", 0, "sip"},
		{"10.0.0.1:7000", "10.0.0.2:7001", "SIP/2.0 486 Busy Here\r\n\r\n", 0, "sip"},
		{"10.0.0.1:7000", "10.0.0.2:7001", "HTTP/1.1 200 OK\r\n\r\n", 0, "other"},
		{"10.0.0.1:7000", "10.0.0.2:7001", "GET / HTTP/1.1\r\n\r\n", 0, "other"},
		{"10.0.0.1:7000", "10.0.0.2:7001", "INVITE sip:a@b SIP/2.0", 0, "other"},
		{"10.0.0.1:7000", "10.0.0.2:7001", "invite sip:a@b SIP/2.0\r\n", 0, "other"},
		{"10.0.0.1:7000", "10.0.0.2:53", "\x12\x34\x01\x00", 4, "other"},
		{"10.0.0.1:40000", "10.0.0.2:5061", "INVITE sip:a@b SIP/2.0\r\n\r\n", 0, "tls"},
		{"10.0.0.1:40000", "10.0.0.2:5060", tls, sizeof tls - 1, "tls"},
		{"10.0.0.1:40000", "10.0.0.2:7000", tls, sizeof tls - 1, "other"},
		{"10.0.0.1:40000", "10.0.0.2:5060", "\r\n\r\n", 0, "keepalive"},
		{"10.0.0.1:40000", "10.0.0.2:5060", "\r\n", 0, "keepalive"},
		{"10.0.0.1:40000", "10.0.0.2:5060", "jaK", 4, "keepalive"}, /* eXosip, NUL-terminated */
		{"10.0.0.1:40000", "10.0.0.2:5060", "hello", 0, "keepalive"},
		{"10.0.0.1:40000", "10.0.0.2:5060", "hello there, a longer text", 0, "sip"},
		{"10.0.0.1:40000", "10.0.0.2:5060", "", 0, "other"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct classify_case *c = &cases[i];
		struct frame_spec s;
		struct packet_sink sink = {0};
		size_t len = c->len ? c->len : strlen(c->payload);
		frame_spec_init(&s, LINK_ETHERNET, c->src, c->dst, TRANSPORT_UDP);
		struct decoder *d = new_decoder(NULL, &sink);
		size_t n = frame_build(&s, c->payload, len, frame_buf, sizeof frame_buf);
		decoder_frame(d, LINK_ETHERNET, T0, frame_buf, (uint32_t)n);
		const struct decoder_stats *st = decoder_stats(d);
		print_message("case %zu: %s -> %s want %s\n", i, c->src, c->dst, c->want);
		assert_int_equal(st->sip_candidates, strcmp(c->want, "sip") == 0);
		assert_int_equal(st->encrypted, strcmp(c->want, "tls") == 0);
		assert_int_equal(st->non_sip, strcmp(c->want, "other") == 0);
		assert_int_equal(st->keepalives, strcmp(c->want, "keepalive") == 0);
		packet_sink_clear(&sink);
		decoder_free(d);
	}
}

static void test_custom_ports(void **state)
{
	(void)state;
	struct decoder_config cfg;
	struct frame_spec s;
	struct packet_sink sink = {0};

	decoder_config_defaults(&cfg);
	cfg.sip_ports[0] = 5080;
	cfg.sip_ports[1] = 15060;
	cfg.n_sip_ports = 2;
	cfg.n_tls_ports = 0;
	struct decoder *d = new_decoder(&cfg, &sink);
	frame_spec_init(&s, LINK_ETHERNET, "10.0.0.1:40000", "10.0.0.2:15060", TRANSPORT_UDP);
	feed(d, &s, T0, "anything at all");
	frame_spec_init(&s, LINK_ETHERNET, "10.0.0.1:40000", "10.0.0.2:5060", TRANSPORT_UDP);
	feed(d, &s, T0, "anything at all");
	frame_spec_init(&s, LINK_ETHERNET, "10.0.0.1:40000", "10.0.0.2:5061", TRANSPORT_UDP);
	feed(d, &s, T0, "OPTIONS sip:x SIP/2.0\r\n\r\n");
	const struct decoder_stats *st = decoder_stats(d);
	assert_int_equal(st->sip_candidates, 2);
	assert_int_equal(st->non_sip, 1);
	assert_int_equal(st->encrypted, 0);
	packet_sink_clear(&sink);
	decoder_free(d);
}

/* An empty payload may be handed over as (NULL, 0): found by fuzz_decap. */
static void test_detect_empty(void **state)
{
	(void)state;
	assert_false(sip_detect_starts_sip(NULL, 0));
	assert_true(sip_text_could_start(NULL, 0));
	assert_false(sip_detect_starts_sip((const uint8_t *)"\n", 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_length_checks),
		cmocka_unit_test(test_classification),
		cmocka_unit_test(test_custom_ports),
		cmocka_unit_test(test_detect_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
