/* test_hep: the HEP3 parser (capture/hep.c) on packets built chunk by chunk
 * here, good and lying; HEP3 inside captured UDP through the decoder; and the
 * --hep-listen sockets (capture/hep_listen.c) on 127.0.150.7 with real UDP and
 * TCP clients: split packets, garbage, a wrong password. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture/decode.h"
#include "capture/hep.h"
#include "capture/hep_listen.h"
#include "tests/support/frames.h"

#define SIP "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: hep-1\r\nCSeq: 1 OPTIONS\r\n\r\n"

struct hb {
	uint8_t b[2048];
	size_t n;
};

static void hb_be16(struct hb *h, uint16_t v)
{
	h->b[h->n++] = (uint8_t)(v >> 8);
	h->b[h->n++] = (uint8_t)v;
}

/* One chunk; len_override != 0 writes that length instead of the true one. */
static void hb_chunk(struct hb *h, uint16_t vendor, uint16_t type, const void *v, size_t n,
		     uint16_t len_override)
{
	hb_be16(h, vendor);
	hb_be16(h, type);
	hb_be16(h, len_override ? len_override : (uint16_t)(6 + n));
	memcpy(h->b + h->n, v, n);
	h->n += n;
}

static void hb_u8(struct hb *h, uint16_t type, uint8_t v) { hb_chunk(h, 0, type, &v, 1, 0); }
static void hb_u16(struct hb *h, uint16_t type, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	hb_chunk(h, 0, type, b, 2, 0);
}
static void hb_u32(struct hb *h, uint16_t type, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	hb_chunk(h, 0, type, b, 4, 0);
}

static void hb_start(struct hb *h)
{
	memcpy(h->b, "HEP3\0\0", 6);
	h->n = 6;
}

static void hb_finish(struct hb *h)
{
	h->b[4] = (uint8_t)(h->n >> 8);
	h->b[5] = (uint8_t)h->n;
}

/* A complete, valid IPv4/UDP SIP packet, with key when key != NULL. */
static void hb_good(struct hb *h, const char *key, const char *payload)
{
	const uint8_t src[4] = {192, 0, 2, 1}, dst[4] = {192, 0, 2, 2};

	hb_start(h);
	hb_u8(h, 1, 2);
	hb_u8(h, 2, 17);
	hb_chunk(h, 0, 3, src, 4, 0);
	hb_chunk(h, 0, 4, dst, 4, 0);
	hb_u16(h, 7, 5062);
	hb_u16(h, 8, 5060);
	hb_u32(h, 9, 1700000000);
	hb_u32(h, 10, 123456);
	hb_u8(h, 11, 1);
	hb_u32(h, 12, 2001);
	hb_chunk(h, 0x1234, 99, "vendor", 6, 0); /* another vendor's chunk: skipped */
	if (key)
		hb_chunk(h, 0, 14, key, strlen(key), 0);
	hb_chunk(h, 0, 15, payload, strlen(payload), 0);
	hb_finish(h);
}

static void test_parse_good(void **state)
{
	(void)state;
	struct hb h;
	struct hep_msg m;
	char a[ENDPOINT_STR_MAX];

	hb_good(&h, "secret", SIP);
	assert_int_equal(hep_parse(h.b, h.n, &m), HEP_OK);
	net_addr_format(&m.flow.src, a, sizeof a);
	assert_string_equal(a, "192.0.2.1:5062");
	net_addr_format(&m.flow.dst, a, sizeof a);
	assert_string_equal(a, "192.0.2.2:5060");
	assert_int_equal(m.flow.transport, TRANSPORT_UDP);
	assert_int_equal(m.ts_us, 1700000000LL * USEC_PER_SEC + 123456);
	assert_true(m.has_agent);
	assert_int_equal(m.agent_id, 2001);
	assert_int_equal(m.auth_len, 6);
	assert_memory_equal(m.auth_key, "secret", 6);
	assert_int_equal(m.payload_len, strlen(SIP));
	assert_memory_equal(m.payload, SIP, strlen(SIP));
	assert_true(hep_auth_ok(&m, "secret"));
	assert_false(hep_auth_ok(&m, "secreT"));
	assert_false(hep_auth_ok(&m, "secret2"));
	assert_true(hep_auth_ok(&m, NULL));
	assert_int_equal(hep_frame_len(h.b, h.n), (long)h.n);
	assert_int_equal(hep_frame_len(h.b, 5), 0);
	assert_int_equal(hep_frame_len((const uint8_t *)"GET ", 4), -1);
}

static void test_parse_ipv6_tcp(void **state)
{
	(void)state;
	struct hb h;
	struct hep_msg m;
	char a[ENDPOINT_STR_MAX];
	uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, d6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

	hb_start(&h);
	hb_u8(&h, 1, 10);
	hb_u8(&h, 2, 6);
	hb_chunk(&h, 0, 5, s6, 16, 0);
	hb_chunk(&h, 0, 6, d6, 16, 0);
	hb_u16(&h, 7, 40000);
	hb_u16(&h, 8, 5060);
	hb_chunk(&h, 0, 15, SIP, strlen(SIP), 0);
	hb_finish(&h);
	assert_int_equal(hep_parse(h.b, h.n, &m), HEP_OK);
	net_addr_format(&m.flow.src, a, sizeof a);
	assert_string_equal(a, "[2001:db8::1]:40000");
	assert_int_equal(m.flow.transport, TRANSPORT_TCP);
	assert_int_equal(m.ts_us, TS_NONE); /* no time chunk: the caller's time */
	assert_false(m.has_agent);
	assert_null(m.auth_key);
}

/* The packet with its last chunk (the payload) replaced by one of length clen. */
static enum hep_status parse_with_last_len(uint16_t clen)
{
	struct hb h;
	struct hep_msg m;

	hb_good(&h, NULL, SIP);
	size_t at = h.n - (6 + strlen(SIP));
	h.b[at + 4] = (uint8_t)(clen >> 8);
	h.b[at + 5] = (uint8_t)clen;
	return hep_parse(h.b, h.n, &m);
}

static void test_parse_lying_lengths(void **state)
{
	(void)state;
	struct hb h;
	struct hep_msg m;

	assert_int_equal(parse_with_last_len(0), HEP_INVALID);       /* zero-length chunk */
	assert_int_equal(parse_with_last_len(6), HEP_INVALID);       /* empty value */
	assert_int_equal(parse_with_last_len(3), HEP_INVALID);       /* below its own header */
	assert_int_equal(parse_with_last_len(65535), HEP_TRUNCATED); /* beyond the packet */
	hb_good(&h, NULL, SIP);
	/* total length beyond the bytes, and short of them */
	assert_int_equal(hep_parse(h.b, h.n - 1, &m), HEP_TRUNCATED);
	h.b[5]--;
	assert_int_equal(hep_parse(h.b, h.n, &m), HEP_INVALID);
	/* every truncation of a good packet is an error, never a read past it */
	hb_good(&h, "k", SIP);
	for (size_t n = 0; n < h.n; n++)
		assert_int_not_equal(hep_parse(h.b, n, &m), HEP_OK);
	assert_int_equal(hep_parse((const uint8_t *)"HEP2", 4, &m), HEP_NOT_HEP);
}

static void test_parse_misfit_and_missing(void **state)
{
	(void)state;
	struct hb h;
	struct hep_msg m;

	/* a uint32 agent id in 3 bytes */
	hb_start(&h);
	hb_chunk(&h, 0, 12, "\0\0\1", 3, 0);
	hb_chunk(&h, 0, 15, SIP, strlen(SIP), 0);
	hb_finish(&h);
	assert_int_equal(hep_parse(h.b, h.n, &m), HEP_INVALID);
	/* no addresses */
	hb_start(&h);
	hb_chunk(&h, 0, 15, SIP, strlen(SIP), 0);
	hb_finish(&h);
	assert_int_equal(hep_parse(h.b, h.n, &m), HEP_INVALID);
	/* header only */
	hb_start(&h);
	hb_finish(&h);
	assert_int_equal(hep_parse(h.b, h.n, &m), HEP_INVALID);
	/* microseconds out of range */
	hb_good(&h, NULL, SIP);
	hb_u32(&h, 10, 1000000);
	hb_finish(&h);
	assert_int_equal(hep_parse(h.b, h.n, &m), HEP_INVALID);
	/* RTCP (protocol type 5) is well-formed but not SIP */
	hb_good(&h, NULL, SIP);
	hb_u8(&h, 11, 5);
	hb_finish(&h);
	assert_int_equal(hep_parse(h.b, h.n, &m), HEP_NOT_SIP);
}

static void test_input_counts(void **state)
{
	(void)state;
	struct hb h;
	struct hep_counters c = {0};

	hb_good(&h, "pw", SIP);
	struct sip_packet p;
	const uint8_t *payload = NULL;
	assert_true(hep_input(h.b, h.n, 0, "pw", &c, &p, &payload));
	assert_true(p.hep && p.hep_has_agent);
	assert_int_equal(p.hep_agent_id, 2001);
	assert_int_equal(p.ts_us, 1700000000LL * USEC_PER_SEC + 123456);
	/* the payload is lent from the packet itself, not copied */
	assert_true(payload > h.b && payload + p.len <= h.b + h.n);
	assert_memory_equal(payload, SIP, p.len);
	assert_false(hep_input(h.b, h.n, 0, "other", &c, &p, &payload));
	hb_good(&h, NULL, SIP);
	assert_false(hep_input(h.b, h.n, 0, "pw", &c, &p, &payload)); /* no key at all */
	assert_false(hep_input(h.b, h.n - 2, 0, NULL, &c, &p, &payload));
	assert_int_equal(c.packets, 4);
	assert_int_equal(c.messages, 1);
	assert_int_equal(c.auth_failed, 2);
	assert_int_equal(c.errors, 1);
}

struct sink {
	size_t n;
	struct sip_packet *last;
};

static void sink_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	struct sip_packet *p = sip_packet_dup(hdr, data); /* the sink lends them */
	struct sink *s = ctx;

	s->n++;
	sip_packet_free(s->last);
	s->last = p;
}

/* HEP3 in a captured UDP datagram to port 9060 takes HEP's flow; garbage and a
 * truncated HEP packet there are counted, and nothing else is lost. */
static void test_decoder_hep_port(void **state)
{
	(void)state;
	static uint8_t frame[FRAME_MAX];
	struct decoder_config cfg;
	struct frame_spec fs;
	struct sink sink = {0};
	struct hb h;
	char a[ENDPOINT_STR_MAX];

	decoder_config_defaults(&cfg);
	struct decoder *d = decoder_new(&cfg, sink_emit, &sink);
	frame_spec_init(&fs, LINK_RAW, "10.9.9.1:41000", "10.9.9.2:9060", TRANSPORT_UDP);
	hb_good(&h, NULL, SIP);
	size_t n = frame_build(&fs, h.b, h.n, frame, sizeof frame);
	decoder_frame(d, LINK_RAW, 5, frame, (uint32_t)n);
	assert_int_equal(sink.n, 1);
	net_addr_format(&sink.last->flow.src, a, sizeof a);
	assert_string_equal(a, "192.0.2.1:5062");
	n = frame_build(&fs, h.b, h.n - 3, frame, sizeof frame);
	decoder_frame(d, LINK_RAW, 6, frame, (uint32_t)n);
	n = frame_build(&fs, "HEP3\0\0\0\0", 8, frame, sizeof frame);
	decoder_frame(d, LINK_RAW, 7, frame, (uint32_t)n);
	n = frame_build(&fs, h.b, h.n, frame, sizeof frame);
	decoder_frame(d, LINK_RAW, 8, frame, (uint32_t)n);
	assert_int_equal(sink.n, 2);
	const struct decoder_stats *st = decoder_stats(d);
	assert_int_equal(st->hep.packets, 4);
	assert_int_equal(st->hep.errors, 2);
	assert_int_equal(st->hep.messages, 2);
	assert_int_equal(st->sip_candidates, 2);
	decoder_free(d);
	sip_packet_free(sink.last);
}

static int connect_to(int type, const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (const struct sockaddr *)sa, sizeof *sa), 0);
	return fd;
}

static void poll_some(struct hep_listener *l, struct sink *s, int rounds)
{
	for (int i = 0; i < rounds; i++)
		hep_listen_poll(l, 20, -1, sink_emit, s);
}

static void test_listener(void **state)
{
	(void)state;
	struct hep_listen_config cfg;
	char err[256] = "";
	struct sink sink = {0};
	struct hb h;

	hep_listen_config_defaults(&cfg);
	assert_false(hep_listen_parse("nope", &cfg, err, sizeof err));
	assert_true(hep_listen_parse("19060", &cfg, err, sizeof err));
	assert_string_equal(cfg.addr, "127.0.0.1");
	assert_true(hep_listen_parse("[::1]:19061", &cfg, err, sizeof err));
	assert_string_equal(cfg.addr, "::1");
	assert_true(hep_listen_parse("127.0.150.7:0", &cfg, err, sizeof err) == false);
	/* a free port in a range of our own, retrying if taken */
	struct hep_listener *l = NULL;
	uint16_t port = 0;
	char spec[32], name[48];
	for (uint16_t p = 39060; p < 39100 && !l; p++) {
		snprintf(spec, sizeof spec, "127.0.150.7:%u", p);
		assert_true(hep_listen_parse(spec, &cfg, err, sizeof err));
		cfg.password = "pw";
		l = hep_listen_open(&cfg, err, sizeof err);
		port = p;
	}
	assert_non_null(l);
	snprintf(name, sizeof name, "hep:%s", spec);
	assert_string_equal(hep_listen_name(l), name);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.150.7", &sa.sin_addr);

	/* UDP: a good one, one with the wrong key, garbage */
	int u = connect_to(SOCK_DGRAM, &sa);
	hb_good(&h, "pw", SIP);
	assert_int_equal(send(u, h.b, h.n, 0), (ssize_t)h.n);
	struct hb bad;
	hb_good(&bad, "wrong", SIP);
	assert_int_equal(send(u, bad.b, bad.n, 0), (ssize_t)bad.n);
	assert_int_equal(send(u, "garbage", 7, 0), 7);
	poll_some(l, &sink, 5);
	assert_int_equal(sink.n, 1);

	/* TCP: two packets, the second split in the middle of a chunk */
	int t = connect_to(SOCK_STREAM, &sa);
	uint8_t two[4096];
	memcpy(two, h.b, h.n);
	memcpy(two + h.n, h.b, h.n);
	assert_int_equal(send(t, two, h.n + 20, 0), (ssize_t)(h.n + 20));
	poll_some(l, &sink, 5);
	assert_int_equal(sink.n, 2);
	assert_int_equal(send(t, two + h.n + 20, h.n - 20, 0), (ssize_t)(h.n - 20));
	poll_some(l, &sink, 5);
	assert_int_equal(sink.n, 3);

	/* a connection that sends something else is closed and counted; the
	 * good one keeps working */
	int g = connect_to(SOCK_STREAM, &sa);
	assert_int_equal(send(g, "GET / HTTP/1.0\r\n\r\n", 18, 0), 18);
	poll_some(l, &sink, 5);
	char c;
	assert_int_equal(recv(g, &c, 1, 0), 0); /* closed by the listener */
	assert_int_equal(send(t, h.b, h.n, 0), (ssize_t)h.n);
	poll_some(l, &sink, 5);
	assert_int_equal(sink.n, 4);

	const struct hep_listen_stats *st = hep_listen_get_stats(l);
	assert_int_equal(st->udp_datagrams, 3);
	assert_int_equal(st->tcp_accepted, 2);
	assert_int_equal(st->tcp_closed_bad, 1);
	assert_int_equal(st->hep.auth_failed, 1);
	assert_int_equal(st->hep.errors, 1 + 1); /* the UDP garbage is not HEP3 either */
	assert_int_equal(st->hep.messages, 4);
	close(u);
	close(t);
	close(g);
	hep_listen_close(l);
	sip_packet_free(sink.last);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_ipv6_tcp),
		cmocka_unit_test(test_parse_lying_lengths),
		cmocka_unit_test(test_parse_misfit_and_missing),
		cmocka_unit_test(test_input_counts),
		cmocka_unit_test(test_decoder_hep_port),
		cmocka_unit_test(test_listener),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
