/* test_decode_ip: IPv4/IPv6 headers, extension headers, and fragment
 * reassembly (any order, duplicates, overlaps, timeouts, the memory limit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "capture/ipfrag.h"
#include "tests/support/frames.h"
#include "tests/support/packet_sink.h"

#define T0 (1700000000LL * USEC_PER_SEC)

static uint8_t frame_buf[FRAME_MAX];

/* Wraps an IP packet in s's link header and decodes it. */
static void feed_ip(struct decoder *d, const struct frame_spec *s, int64_t ts, const uint8_t *ip,
		    size_t len)
{
	size_t n = frame_wrap(s, ip, len, frame_buf, sizeof frame_buf);

	assert_true(n > 0);
	decoder_frame(d, s->linktype, ts, frame_buf, (uint32_t)n);
}

/* A SIP message of about size bytes, with a body so that its length is right. */
static char *big_message(size_t body)
{
	const char *hdr = "INVITE sip:bob@example.com SIP/2.0\r\n"
			  "Call-ID: frag\r\nContent-Type: application/sdp\r\n"
			  "Content-Length: ";
	char *m = malloc(strlen(hdr) + 32 + body);
	int n = snprintf(m, 200, "%s%zu\r\n\r\n", hdr, body);
	for (size_t i = 0; i < body; i++)
		m[n + (int)i] = (char)('a' + i % 26);
	m[(size_t)n + body] = '\0';
	return m;
}

static struct decoder *new_decoder(const struct decoder_config *cfg, struct packet_sink *sink)
{
	struct decoder_config def;

	if (!cfg) {
		decoder_config_defaults(&def);
		cfg = &def;
	}
	return decoder_new(cfg, packet_sink_emit, sink);
}

static void spec(struct frame_spec *s, int v6)
{
	if (v6)
		frame_spec_init(s, LINK_ETHERNET, "[2001:db8::1]:5060", "[2001:db8::2]:5060",
				TRANSPORT_UDP);
	else
		frame_spec_init(s, LINK_ETHERNET, "192.0.2.1:5060", "192.0.2.2:5060",
				TRANSPORT_UDP);
	s->ip_id = 0x1234;
}

static void expect_one(struct packet_sink *sink, const char *msg)
{
	assert_int_equal(sink->n, 1);
	assert_int_equal(sink->pkts[0]->len, strlen(msg));
	assert_memory_equal(sink->pkts[0]->data, msg, strlen(msg));
}

/* Every order of 4 fragments reassembles to the same message. */
static void check_all_orders(int v6)
{
	static uint8_t ip[FRAME_MAX];
	struct frame_spec s;
	struct frame_fragments fr;
	char *msg = big_message(3000);

	spec(&s, v6);
	if (v6) {
		s.ipv6_ext = 2;
		s.ipv6_ext_type[0] = FRAME_IP6_HOPOPTS;
		s.ipv6_ext_type[1] = FRAME_IP6_DSTOPTS;
	}
	size_t n = frame_build_ip(&s, msg, strlen(msg), ip, sizeof ip);
	assert_true(frame_fragment(ip, n, 1000, 77, &fr));
	assert_int_equal(fr.n, 4);
	int perm[4] = {0, 1, 2, 3};
	for (int k = 0; k < 24; k++) {
		/* k-th permutation, by the factorial number system */
		int pool[4] = {0, 1, 2, 3}, left = 4, code = k;
		for (int i = 0; i < 4; i++) {
			int f = 1;
			for (int j = 2; j < left; j++)
				f *= j;
			int pick = code / f;
			code %= f;
			perm[i] = pool[pick];
			for (int j = pick; j + 1 < left; j++)
				pool[j] = pool[j + 1];
			left--;
		}
		struct packet_sink sink = {0};
		struct decoder *d = new_decoder(NULL, &sink);
		for (int i = 0; i < 4; i++)
			feed_ip(d, &s, T0 + i, fr.pkt[perm[i]], fr.len[perm[i]]);
		const struct decoder_stats *st = decoder_stats(d);
		assert_int_equal(st->fragments, 4);
		assert_int_equal(st->fragments_reassembled, 1);
		assert_int_equal(st->fragments_dropped, 0);
		assert_int_equal(st->invalid, 0);
		expect_one(&sink, msg);
		assert_true(net_addr_equal(&sink.pkts[0]->flow.src, &s.flow.src));
		packet_sink_clear(&sink);
		decoder_free(d);
	}
	frame_fragments_free(&fr);
	free(msg);
}

static void test_v4_fragments_any_order(void **state)
{
	(void)state;
	check_all_orders(0);
}

static void test_v6_fragments_any_order(void **state)
{
	(void)state;
	check_all_orders(1);
}

static void test_duplicate_fragments_once(void **state)
{
	(void)state;
	static uint8_t ip[FRAME_MAX];
	struct frame_spec s;
	struct frame_fragments fr;
	char *msg = big_message(2000);
	/* Duplicates before completion; one repeated after it would reassemble again,
	 * like any duplicated datagram (the analyzer deduplicates). */
	static const int order[] = {0, 0, 2, 2, 0, 1};

	for (int v6 = 0; v6 < 2; v6++) {
		struct packet_sink sink = {0};
		struct decoder *d = new_decoder(NULL, &sink);
		spec(&s, v6);
		size_t n = frame_build_ip(&s, msg, strlen(msg), ip, sizeof ip);
		assert_true(frame_fragment(ip, n, 800, 9, &fr));
		assert_int_equal(fr.n, 3);
		for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
			feed_ip(d, &s, T0, fr.pkt[order[i]], fr.len[order[i]]);
		expect_one(&sink, msg);
		assert_int_equal(decoder_stats(d)->fragments_reassembled, 1);
		assert_int_equal(decoder_stats(d)->invalid, 0);
		packet_sink_clear(&sink);
		frame_fragments_free(&fr);
		decoder_free(d);
	}
	free(msg);
}

/* An IPv4 fragment of a UDP datagram from 192.0.2.1:5060 to 192.0.2.2:5060. */
static size_t v4_frag(uint8_t *out, uint16_t id, size_t off, int more, const uint8_t *data,
		      size_t len)
{
	memset(out, 0, 20);
	out[0] = 0x45;
	out[2] = (uint8_t)((20 + len) >> 8);
	out[3] = (uint8_t)(20 + len);
	out[4] = (uint8_t)(id >> 8);
	out[5] = (uint8_t)id;
	uint16_t fo = (uint16_t)((more ? 0x2000 : 0) | off / 8);
	out[6] = (uint8_t)(fo >> 8);
	out[7] = (uint8_t)fo;
	out[8] = 64;
	out[9] = 17;
	static const uint8_t a[] = {192, 0, 2, 1, 192, 0, 2, 2};
	memcpy(out + 12, a, 8);
	memcpy(out + 20, data, len);
	return 20 + len;
}

/* The UDP datagram: header + "SIP/2.0 200 OK\r\nA: b\r\n\r\n" (24 bytes). */
static void overlap_datagram(uint8_t *dg)
{
	const char *msg = "SIP/2.0 200 OK\r\nA: b\r\n\r\n";
	uint8_t udp[8] = {0x13, 0xc4, 0x13, 0xc4, 0, 32, 0, 0};

	memcpy(dg, udp, 8);
	memcpy(dg + 8, msg, 24);
}

static void test_v4_overlap_first_wins(void **state)
{
	(void)state;
	uint8_t dg[32], alt[32], pkt[128];
	struct frame_spec s;

	spec(&s, 0);
	overlap_datagram(dg);
	memcpy(alt, dg, 32);
	memset(alt + 16, 'Z', 8); /* B disagrees with A about bytes 16..23 */
	for (int b_first = 0; b_first < 2; b_first++) {
		struct packet_sink sink = {0};
		struct decoder *d = new_decoder(NULL, &sink);
		size_t na = v4_frag(pkt, 5, 0, 1, dg, 24);
		uint8_t a_pkt[128];
		memcpy(a_pkt, pkt, na);
		size_t nb = v4_frag(pkt, 5, 16, 0, alt + 16, 16);
		if (b_first) {
			feed_ip(d, &s, T0, pkt, nb);
			feed_ip(d, &s, T0, a_pkt, na);
		} else {
			feed_ip(d, &s, T0, a_pkt, na);
			feed_ip(d, &s, T0, pkt, nb);
		}
		assert_int_equal(sink.n, 1);
		assert_int_equal(sink.pkts[0]->len, 24);
		const uint8_t *want = b_first ? alt + 8 : dg + 8;
		assert_memory_equal(sink.pkts[0]->data, want, 24);
		packet_sink_clear(&sink);
		decoder_free(d);
	}
}

static void test_v6_overlap_abandons(void **state)
{
	(void)state;
	static uint8_t ip[FRAME_MAX];
	struct frame_spec s;
	struct frame_fragments a, b;
	struct packet_sink sink = {0};
	char *msg = big_message(2000);

	spec(&s, 1);
	size_t n = frame_build_ip(&s, msg, strlen(msg), ip, sizeof ip);
	assert_true(frame_fragment(ip, n, 800, 42, &a));
	assert_true(frame_fragment(ip, n, 1200, 42, &b)); /* same id, other boundaries */
	struct decoder *d = new_decoder(NULL, &sink);
	feed_ip(d, &s, T0, a.pkt[0], a.len[0]); /* 0..800 */
	feed_ip(d, &s, T0, b.pkt[0], b.len[0]); /* 0..1200 overlaps partly: RFC 5722 */
	for (size_t i = 1; i < a.n; i++)
		feed_ip(d, &s, T0, a.pkt[i], a.len[i]);
	const struct decoder_stats *st = decoder_stats(d);
	assert_int_equal(sink.n, 0);
	assert_int_equal(st->invalid, 1);
	assert_int_equal(st->fragments_dropped, 2);
	assert_int_equal(st->fragments_reassembled, 0);
	decoder_free(d);
	frame_fragments_free(&a);
	frame_fragments_free(&b);
	free(msg);
}

static void test_fragment_timeout(void **state)
{
	(void)state;
	static uint8_t ip[FRAME_MAX];
	struct frame_spec s;
	struct frame_fragments fr;
	char *msg = big_message(1500);

	spec(&s, 0);
	size_t n = frame_build_ip(&s, msg, strlen(msg), ip, sizeof ip);
	assert_true(frame_fragment(ip, n, 1000, 0, &fr));
	assert_int_equal(fr.n, 2);

	/* 29 s apart: still in time. */
	struct packet_sink sink = {0};
	struct decoder *d = new_decoder(NULL, &sink);
	feed_ip(d, &s, T0, fr.pkt[0], fr.len[0]);
	feed_ip(d, &s, T0 + 29 * USEC_PER_SEC, fr.pkt[1], fr.len[1]);
	expect_one(&sink, msg);
	packet_sink_clear(&sink);
	decoder_free(d);

	/* 31 s apart: the first is gone when the second comes. */
	d = new_decoder(NULL, &sink);
	feed_ip(d, &s, T0, fr.pkt[0], fr.len[0]);
	feed_ip(d, &s, T0 + 31 * USEC_PER_SEC, fr.pkt[1], fr.len[1]);
	assert_int_equal(sink.n, 0);
	assert_int_equal(decoder_stats(d)->fragments_dropped, 1);
	decoder_expire(d, T0 + 62 * USEC_PER_SEC);
	assert_int_equal(decoder_stats(d)->fragments_dropped, 2);
	decoder_free(d);

	/* decoder_expire alone, with a shorter configured timeout. */
	struct decoder_config cfg;
	decoder_config_defaults(&cfg);
	cfg.fragment_timeout_us = 5 * USEC_PER_SEC;
	d = new_decoder(&cfg, &sink);
	feed_ip(d, &s, T0, fr.pkt[1], fr.len[1]);
	decoder_expire(d, T0 + 5 * USEC_PER_SEC);
	assert_int_equal(decoder_stats(d)->fragments_dropped, 0);
	decoder_expire(d, T0 + 5 * USEC_PER_SEC + 1);
	assert_int_equal(decoder_stats(d)->fragments_dropped, 1);
	feed_ip(d, &s, T0 + 6 * USEC_PER_SEC, fr.pkt[0], fr.len[0]);
	assert_int_equal(sink.n, 0);
	decoder_flush(d); /* pending at the end counts as dropped too */
	assert_int_equal(decoder_stats(d)->fragments_dropped, 2);
	decoder_free(d);
	frame_fragments_free(&fr);
	free(msg);
}

static void test_memory_limit_through_decoder(void **state)
{
	(void)state;
	static uint8_t ip[FRAME_MAX];
	struct frame_spec s;
	struct frame_fragments fr;
	struct decoder_config cfg;
	struct packet_sink sink = {0};
	char *msg = big_message(1500);

	decoder_config_defaults(&cfg);
	cfg.max_fragment_bytes = 32 * 1024;
	struct decoder *d = new_decoder(&cfg, &sink);
	spec(&s, 0);
	for (uint16_t id = 1; id <= 100; id++) {
		s.ip_id = id;
		size_t n = frame_build_ip(&s, msg, strlen(msg), ip, sizeof ip);
		assert_true(frame_fragment(ip, n, 1000, 0, &fr));
		feed_ip(d, &s, T0 + id, fr.pkt[0], fr.len[0]); /* first halves only */
		if (id == 100)
			feed_ip(d, &s, T0 + id, fr.pkt[1], fr.len[1]);
		frame_fragments_free(&fr);
	}
	const struct decoder_stats *st = decoder_stats(d);
	assert_true(st->fragments_dropped > 80);
	assert_int_equal(st->fragments_reassembled, 1); /* the newest survived */
	expect_one(&sink, msg);
	packet_sink_clear(&sink);
	decoder_free(d);
	free(msg);
}

static void test_memory_limit_held_bytes(void **state)
{
	(void)state;
	struct decoder_config cfg;
	struct decoder_stats stats = {0};
	struct ipfrag_datagram dg;
	static uint8_t data[8192];
	struct ipfrag_key k = {.family = 4, .proto = 17};

	decoder_config_defaults(&cfg);
	cfg.max_fragment_bytes = 20000;
	struct ipfrag_table *t = ipfrag_new(&cfg, &stats);
	for (uint32_t id = 0; id < 500; id++) {
		k.id = id;
		size_t off = (id % 7) * 1024;
		assert_int_equal(ipfrag_add(t, &k, T0, off, true, 17, data, 1024, &dg), DECODE_OK);
		assert_null(dg.data);
		assert_true(ipfrag_bytes_held(t) <= cfg.max_fragment_bytes);
	}
	assert_true(stats.fragments_dropped > 0);
	/* One datagram bigger than the whole limit is dropped, not kept. */
	k.id = 9999;
	uint64_t before = stats.fragments_dropped;
	for (size_t off = 0; off < 40000; off += 8192)
		ipfrag_add(t, &k, T0, off, true, 17, data, sizeof data, &dg);
	assert_true(ipfrag_bytes_held(t) <= cfg.max_fragment_bytes);
	assert_true(stats.fragments_dropped > before);
	ipfrag_clear(t);
	assert_true(ipfrag_bytes_held(t) == 0);
	ipfrag_free(t);
}

static void test_bad_fragments(void **state)
{
	(void)state;
	struct decoder_config cfg;
	struct decoder_stats stats = {0};
	struct ipfrag_datagram dg;
	static uint8_t data[2048];
	struct ipfrag_key k = {.family = 4, .proto = 17, .id = 1};

	decoder_config_defaults(&cfg);
	struct ipfrag_table *t = ipfrag_new(&cfg, &stats);
	/* Not a multiple of 8 but more follow. */
	assert_int_equal(ipfrag_add(t, &k, T0, 0, true, 17, data, 100, &dg), DECODE_INVALID);
	/* Past 65535 bytes ("ping of death"). */
	assert_int_equal(ipfrag_add(t, &k, T0, 65528, false, 17, data, 16, &dg), DECODE_INVALID);
	/* Two different ends. */
	assert_int_equal(ipfrag_add(t, &k, T0, 1024, false, 17, data, 100, &dg), DECODE_OK);
	assert_int_equal(ipfrag_add(t, &k, T0, 2048, false, 17, data, 100, &dg), DECODE_INVALID);
	/* Data beyond a known end. */
	k.id = 3;
	assert_int_equal(ipfrag_add(t, &k, T0, 512, false, 17, data, 8, &dg), DECODE_OK);
	assert_int_equal(ipfrag_add(t, &k, T0, 1024, true, 17, data, 8, &dg), DECODE_INVALID);
	/* A whole datagram in two pieces completes. */
	k.id = 4;
	assert_int_equal(ipfrag_add(t, &k, T0, 8, false, 17, data, 5, &dg), DECODE_OK);
	assert_null(dg.data);
	assert_int_equal(ipfrag_add(t, &k, T0, 0, true, 17, data, 8, &dg), DECODE_OK);
	assert_non_null(dg.data);
	assert_int_equal(dg.len, 13);
	assert_int_equal(dg.proto, 17);
	free(dg.data);
	ipfrag_free(t);
}

static void test_v6_atomic_fragment(void **state)
{
	(void)state;
	static uint8_t ip[FRAME_MAX];
	struct frame_spec s;
	struct frame_fragments fr;
	struct packet_sink sink = {0};
	const char *msg = "SIP/2.0 200 OK\r\nCall-ID: a\r\n\r\n";

	spec(&s, 1);
	size_t n = frame_build_ip(&s, msg, strlen(msg), ip, sizeof ip);
	assert_true(frame_fragment(ip, n, 1280, 5, &fr));
	assert_int_equal(fr.n, 1); /* one fragment with offset 0 and M=0 */
	struct decoder *d = new_decoder(NULL, &sink);
	feed_ip(d, &s, T0, fr.pkt[0], fr.len[0]);
	expect_one(&sink, msg);
	assert_int_equal(decoder_stats(d)->fragments, 0);
	packet_sink_clear(&sink);
	decoder_free(d);
	frame_fragments_free(&fr);
}

static struct decoder_stats decode_ip_packet(const uint8_t *ip, size_t len, struct packet_sink *sink)
{
	struct frame_spec s;

	spec(&s, ip[0] >> 4 == 6);
	s.linktype = LINK_RAW;
	struct decoder *d = new_decoder(NULL, sink);
	feed_ip(d, &s, T0, ip, len);
	struct decoder_stats st = *decoder_stats(d);
	decoder_free(d);
	return st;
}

static void test_ipv4_header_checks(void **state)
{
	(void)state;
	static uint8_t ip[FRAME_MAX], opt[FRAME_MAX];
	struct frame_spec s;
	struct packet_sink sink = {0};
	const char *msg = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n";

	spec(&s, 0);
	size_t n = frame_build_ip(&s, msg, strlen(msg), ip, sizeof ip);
	struct decoder_stats st = decode_ip_packet(ip, n, &sink);
	assert_int_equal(st.sip_candidates, 1);
	packet_sink_clear(&sink);

	/* IHL 6: one word of options (NOPs) before UDP. */
	memcpy(opt, ip, 20);
	memset(opt + 20, 1, 4);
	memcpy(opt + 24, ip + 20, n - 20);
	opt[0] = 0x46;
	opt[3] = (uint8_t)(opt[3] + 4);
	st = decode_ip_packet(opt, n + 4, &sink);
	assert_int_equal(st.sip_candidates, 1);
	expect_one(&sink, msg);
	packet_sink_clear(&sink);

	ip[0] = 0x44; /* IHL below 5 */
	st = decode_ip_packet(ip, n, &sink);
	assert_int_equal(st.invalid, 1);
	ip[0] = 0x45;
	ip[2] = 0;
	ip[3] = 10; /* total length below the header */
	st = decode_ip_packet(ip, n, &sink);
	assert_int_equal(st.invalid, 1);
	ip[2] = (uint8_t)((n + 1) >> 8);
	ip[3] = (uint8_t)(n + 1); /* one byte more than captured */
	st = decode_ip_packet(ip, n, &sink);
	assert_int_equal(st.truncated, 1);
	assert_int_equal(st.invalid, 0);
	ip[2] = 0;
	ip[3] = 0; /* TSO: length 0 */
	st = decode_ip_packet(ip, n, &sink);
	assert_int_equal(st.invalid, 1);
	assert_int_equal(sink.n, 0);
}

static void test_ipv6_extension_headers(void **state)
{
	(void)state;
	static uint8_t ip[FRAME_MAX];
	static const uint8_t types[] = {FRAME_IP6_HOPOPTS, FRAME_IP6_ROUTING, FRAME_IP6_AH,
					FRAME_IP6_DSTOPTS};
	struct frame_spec s;
	struct packet_sink sink = {0};
	const char *msg = "SIP/2.0 180 Ringing\r\nContent-Length: 0\r\n\r\n";

	for (int count = 0; count <= 4; count++) {
		for (int first = 0; first < 4; first++) {
			spec(&s, 1);
			s.ipv6_ext = count;
			for (int i = 0; i < count; i++)
				s.ipv6_ext_type[i] = types[(first + i) % 4];
			size_t n = frame_build_ip(&s, msg, strlen(msg), ip, sizeof ip);
			struct decoder_stats st = decode_ip_packet(ip, n, &sink);
			assert_int_equal(st.sip_candidates, 1);
			expect_one(&sink, msg);
			packet_sink_clear(&sink);
		}
	}

	/* Nine hop-by-hop headers: past the bound. */
	uint8_t chain[40 + 9 * 8 + 8 + 4];
	memset(chain, 0, sizeof chain);
	chain[0] = 0x60;
	chain[5] = 9 * 8 + 8 + 4;
	chain[6] = 0;
	for (int i = 0; i < 9; i++)
		chain[40 + i * 8] = i < 8 ? 0 : 17;
	struct decoder_stats st = decode_ip_packet(chain, sizeof chain, &sink);
	assert_int_equal(st.unsupported, 1);

	/* ICMPv6 is not decoded. */
	spec(&s, 1);
	size_t n = frame_build_ip(&s, msg, strlen(msg), ip, sizeof ip);
	ip[6] = 58;
	st = decode_ip_packet(ip, n, &sink);
	assert_int_equal(st.unsupported, 1);

	/* An extension header longer than the payload. */
	ip[6] = 0;
	ip[41] = 200;
	st = decode_ip_packet(ip, n, &sink);
	assert_int_equal(st.invalid, 1);

	/* Payload length 0 (jumbogram). */
	ip[4] = ip[5] = 0;
	st = decode_ip_packet(ip, n, &sink);
	assert_int_equal(st.unsupported, 1);
	assert_int_equal(sink.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_fragments_any_order),
		cmocka_unit_test(test_v6_fragments_any_order),
		cmocka_unit_test(test_duplicate_fragments_once),
		cmocka_unit_test(test_v4_overlap_first_wins),
		cmocka_unit_test(test_v6_overlap_abandons),
		cmocka_unit_test(test_fragment_timeout),
		cmocka_unit_test(test_memory_limit_through_decoder),
		cmocka_unit_test(test_memory_limit_held_bytes),
		cmocka_unit_test(test_bad_fragments),
		cmocka_unit_test(test_v6_atomic_fragment),
		cmocka_unit_test(test_ipv4_header_checks),
		cmocka_unit_test(test_ipv6_extension_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
