/* test_decode_tcp: TCP reassembly and SIP framing: several messages in one
 * segment, one message over many, any order, retransmissions, keepalives,
 * bad Content-Length, pickup mid-stream, FIN/RST, and the stream limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "capture/sip_frame.h"
#include "tests/support/frames.h"
#include "tests/support/packet_sink.h"

#define T0 (1700000000LL * USEC_PER_SEC)
#define ISN 1000u

static const char MSG_A[] = "INVITE sip:bob@example.com SIP/2.0\r\n"
			    "Call-ID: tcp-a\r\nCSeq: 1 INVITE\r\n"
			    "Content-Type: application/sdp\r\n"
			    "Content-Length: 25\r\n\r\n"
			    "v=0\r\no=- 1 1 IN IP4 x\r\n\r\n";
static const char MSG_B[] = "SIP/2.0 100 Trying\r\nCall-ID: tcp-a\r\nContent-Length: 0\r\n\r\n";
static const char MSG_C[] = "MESSAGE sip:a@b SIP/2.0\r\nl: 5\r\n\r\nhello";
static const char MSG_NOLEN[] = "ACK sip:bob@example.com SIP/2.0\r\nCall-ID: tcp-a\r\n\r\n";

static void expect_msg(const struct packet_sink *sink, size_t i, const char *msg)
{
	assert_true(i < sink->n);
	assert_int_equal(sink->pkts[i]->len, strlen(msg));
	assert_memory_equal(sink->pkts[i]->data, msg, strlen(msg));
	assert_int_equal(sink->pkts[i]->flow.transport, TRANSPORT_TCP);
}

struct conn {
	struct decoder *d;
	struct packet_sink sink;
	struct frame_spec s;
	int64_t ts;
};

static void conn_open(struct conn *c, const struct decoder_config *cfg, const char *src,
		      const char *dst)
{
	struct decoder_config def;

	if (!cfg) {
		decoder_config_defaults(&def);
		cfg = &def;
	}
	memset(c, 0, sizeof *c);
	c->d = decoder_new(cfg, packet_sink_emit, &c->sink);
	frame_spec_init(&c->s, LINK_ETHERNET, src, dst, TRANSPORT_TCP);
	c->ts = T0;
}

static void conn_close(struct conn *c)
{
	packet_sink_clear(&c->sink);
	decoder_free(c->d);
}

/* One segment at seq with the given flags (0 = PSH|ACK). */
static void conn_seg(struct conn *c, uint32_t seq, uint8_t flags, const void *data, size_t len)
{
	static uint8_t buf[FRAME_MAX];

	c->s.tcp_seq = seq;
	c->s.tcp_flags = flags;
	size_t n = frame_build(&c->s, data, len, buf, sizeof buf);
	assert_true(n > 0);
	decoder_frame(c->d, LINK_ETHERNET, c->ts++, buf, (uint32_t)n);
}

static void conn_syn(struct conn *c)
{
	conn_seg(c, ISN - 1, FRAME_TCP_SYN, NULL, 0);
}

static const struct decoder_stats *st(const struct conn *c)
{
	return decoder_stats(c->d);
}

static void test_several_messages_in_one_segment(void **state)
{
	(void)state;
	struct conn c;
	char all[2048];
	int n = snprintf(all, sizeof all, "%s%s%s%s", MSG_A, MSG_B, MSG_C, MSG_NOLEN);

	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_syn(&c);
	conn_seg(&c, ISN, 0, all, (size_t)n);
	assert_int_equal(c.sink.n, 4);
	expect_msg(&c.sink, 0, MSG_A);
	expect_msg(&c.sink, 1, MSG_B);
	expect_msg(&c.sink, 2, MSG_C);
	expect_msg(&c.sink, 3, MSG_NOLEN);
	assert_int_equal(st(&c)->tcp_segments, 2);
	assert_int_equal(st(&c)->invalid, 0);
	assert_int_equal(st(&c)->sip_candidates, 4);
	conn_close(&c);
}

static void test_one_message_over_many_segments(void **state)
{
	(void)state;
	size_t len = strlen(MSG_A);

	/* Every split into two segments. */
	for (size_t cut = 1; cut < len; cut++) {
		struct conn c;
		conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
		conn_syn(&c);
		conn_seg(&c, ISN, 0, MSG_A, cut);
		assert_int_equal(c.sink.n, 0);
		conn_seg(&c, ISN + (uint32_t)cut, 0, MSG_A + cut, len - cut);
		assert_int_equal(c.sink.n, 1);
		expect_msg(&c.sink, 0, MSG_A);
		/* The record carries the time of the segment that completed it. */
		assert_int_equal(c.sink.pkts[0]->ts_us, T0 + 2);
		conn_close(&c);
	}
	/* One byte at a time, then a second message the same way. */
	struct conn c;
	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_syn(&c);
	uint32_t seq = ISN;
	for (size_t i = 0; i < len; i++)
		conn_seg(&c, seq++, 0, MSG_A + i, 1);
	for (size_t i = 0; i < strlen(MSG_C); i++)
		conn_seg(&c, seq++, 0, MSG_C + i, 1);
	assert_int_equal(c.sink.n, 2);
	expect_msg(&c.sink, 0, MSG_A);
	expect_msg(&c.sink, 1, MSG_C);
	assert_int_equal(st(&c)->invalid, 0);
	conn_close(&c);
}

static void test_out_of_order_every_permutation(void **state)
{
	(void)state;
	char all[2048];
	size_t len = (size_t)snprintf(all, sizeof all, "%s%s", MSG_A, MSG_B);
	size_t cuts[5] = {0, 30, 95, 140, len};

	for (int k = 0; k < 24; k++) {
		int pool[4] = {0, 1, 2, 3}, perm[4], left = 4, code = k;
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
		struct conn c;
		conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
		conn_syn(&c);
		for (int i = 0; i < 4; i++) {
			int p = perm[i];
			conn_seg(&c, ISN + (uint32_t)cuts[p], 0, all + cuts[p],
				 cuts[p + 1] - cuts[p]);
		}
		assert_int_equal(c.sink.n, 2);
		expect_msg(&c.sink, 0, MSG_A);
		expect_msg(&c.sink, 1, MSG_B);
		assert_int_equal(st(&c)->tcp_retransmitted, 0);
		assert_int_equal(st(&c)->invalid, 0);
		conn_close(&c);
	}
}

static void test_retransmissions_counted_once(void **state)
{
	(void)state;
	size_t len = strlen(MSG_A);
	struct conn c;

	/* Each of three segments twice, in order. */
	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_syn(&c);
	size_t cuts[4] = {0, 40, 100, len};
	for (int i = 0; i < 3; i++)
		for (int rep = 0; rep < 2; rep++)
			conn_seg(&c, ISN + (uint32_t)cuts[i], 0, MSG_A + cuts[i],
				 cuts[i + 1] - cuts[i]);
	assert_int_equal(c.sink.n, 1);
	expect_msg(&c.sink, 0, MSG_A);
	assert_int_equal(st(&c)->tcp_retransmitted, 3);
	/* The whole message again, after delivery: old bytes, counted, not re-emitted. */
	conn_seg(&c, ISN, 0, MSG_A, len);
	assert_int_equal(c.sink.n, 1);
	assert_int_equal(st(&c)->tcp_retransmitted, 4);
	conn_close(&c);

	/* Out of order duplicates, and a segment that overlaps old and new bytes. */
	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_syn(&c);
	conn_seg(&c, ISN + 100, 0, MSG_A + 100, len - 100);
	conn_seg(&c, ISN + 100, 0, MSG_A + 100, len - 100); /* duplicate while held */
	conn_seg(&c, ISN, 0, MSG_A, 40);
	conn_seg(&c, ISN + 20, 0, MSG_A + 20, 80); /* 20..40 old, 40..100 new */
	assert_int_equal(c.sink.n, 1);
	expect_msg(&c.sink, 0, MSG_A);
	assert_int_equal(st(&c)->tcp_retransmitted, 2);
	assert_int_equal(st(&c)->invalid, 0);
	conn_close(&c);

	/* A held segment the gap-filler overlaps. */
	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_syn(&c);
	conn_seg(&c, ISN + 50, 0, MSG_A + 50, len - 50);
	conn_seg(&c, ISN, 0, MSG_A, 80); /* covers 0..80: the held 50.. is partly old */
	assert_int_equal(c.sink.n, 1);
	expect_msg(&c.sink, 0, MSG_A);
	assert_int_equal(st(&c)->tcp_retransmitted, 1);
	conn_close(&c);
}

static void test_keepalives_skipped(void **state)
{
	(void)state;
	struct conn c;
	char all[2048];
	int n = snprintf(all, sizeof all, "\r\n\r\n%s\r\n%s\r\n\r\n", MSG_B, MSG_C);

	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_syn(&c);
	conn_seg(&c, ISN, 0, all, (size_t)n);
	uint32_t seq = ISN + (uint32_t)n;
	conn_seg(&c, seq, 0, "\r\n\r\n", 4); /* ping */
	conn_seg(&c, seq + 4, 0, "\r\n", 2); /* pong */
	conn_seg(&c, seq + 6, 0, MSG_B, strlen(MSG_B));
	assert_int_equal(c.sink.n, 3);
	expect_msg(&c.sink, 0, MSG_B);
	expect_msg(&c.sink, 1, MSG_C);
	expect_msg(&c.sink, 2, MSG_B);
	assert_int_equal(st(&c)->invalid, 0);
	assert_int_equal(st(&c)->non_sip, 0);
	conn_close(&c);
}

static void test_absurd_content_length(void **state)
{
	(void)state;
	static const char *bad[] = {
		"INVITE sip:a@b SIP/2.0\r\nContent-Length: 99999999999\r\n\r\nxx",
		"INVITE sip:a@b SIP/2.0\r\nContent-Length: 262145\r\n\r\nxx",
		"INVITE sip:a@b SIP/2.0\r\nContent-Length: -5\r\n\r\nxx",
		"INVITE sip:a@b SIP/2.0\r\nl: 12abc\r\n\r\nxx",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct conn c;
		conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
		conn_syn(&c);
		conn_seg(&c, ISN, 0, bad[i], strlen(bad[i]));
		assert_int_equal(c.sink.n, 0);
		assert_int_equal(st(&c)->invalid, 1);
		assert_int_equal(st(&c)->tcp_streams_dropped, 1);
		/* The stream starts over at the next segment, which holds a message. */
		uint32_t seq = ISN + (uint32_t)strlen(bad[i]);
		conn_seg(&c, seq, 0, MSG_B, strlen(MSG_B));
		assert_int_equal(c.sink.n, 1);
		expect_msg(&c.sink, 0, MSG_B);
		conn_close(&c);
	}
}

static void test_content_length_spellings(void **state)
{
	(void)state;
	static const char *hdrs[] = {"Content-Length: 5", "content-length:5", "CONTENT-LENGTH : 5",
				     "l:5", "L: 5", "Content-Length:\t5  "};
	char msg[256], all[512];

	for (size_t i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++) {
		struct conn c;
		conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
		snprintf(msg, sizeof msg, "MESSAGE sip:a@b SIP/2.0\r\nX-Lengthy: 1\r\n%s\r\n\r\nhello",
			 hdrs[i]);
		int n = snprintf(all, sizeof all, "%s%s", msg, MSG_B);
		conn_syn(&c);
		conn_seg(&c, ISN, 0, all, (size_t)n);
		print_message("header '%s'\n", hdrs[i]);
		assert_int_equal(c.sink.n, 2);
		expect_msg(&c.sink, 0, msg);
		expect_msg(&c.sink, 1, MSG_B);
		conn_close(&c);
	}
}

static void test_mid_stream_pickup(void **state)
{
	(void)state;
	struct conn c;
	const char *tail = "a=rtpmap:0 PCMU/8000\r\nm=audio 4000 RTP/AVP 0\r\n";
	char all[2048];
	int n = snprintf(all, sizeof all, "%s%s", tail, MSG_A);

	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_seg(&c, 777777, 0, all, 20); /* no SYN: the middle of a body */
	conn_seg(&c, 777777 + 20, 0, all + 20, (size_t)n - 20);
	conn_seg(&c, 777777 + (uint32_t)n, 0, MSG_B, strlen(MSG_B));
	assert_int_equal(c.sink.n, 2);
	expect_msg(&c.sink, 0, MSG_A);
	expect_msg(&c.sink, 1, MSG_B);
	assert_int_equal(st(&c)->invalid, 1); /* one resync episode */
	conn_close(&c);
}

static void test_fin_then_late_retransmission(void **state)
{
	(void)state;
	struct conn c;
	size_t len = strlen(MSG_B);

	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_syn(&c);
	conn_seg(&c, ISN, FRAME_TCP_FIN | FRAME_TCP_ACK, MSG_B, len);
	assert_int_equal(c.sink.n, 1);
	conn_seg(&c, ISN, 0, MSG_B, len); /* late copy */
	assert_int_equal(c.sink.n, 1);
	assert_int_equal(st(&c)->tcp_retransmitted, 1);
	/* FIN before the data it follows: closes only once the gap is filled. */
	conn_syn(&c);
	conn_seg(&c, ISN + 30, FRAME_TCP_FIN | FRAME_TCP_ACK, MSG_B + 30, len - 30);
	conn_seg(&c, ISN, 0, MSG_B, 30);
	assert_int_equal(c.sink.n, 2);
	expect_msg(&c.sink, 1, MSG_B);
	/* A new connection on the same ports whose SYN was missed. */
	conn_seg(&c, 5000000, 0, MSG_C, strlen(MSG_C));
	assert_int_equal(c.sink.n, 3);
	expect_msg(&c.sink, 2, MSG_C);
	conn_close(&c);
}

static void test_rst_closes(void **state)
{
	(void)state;
	struct conn c;

	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_syn(&c);
	conn_seg(&c, ISN, 0, MSG_A, 50);
	conn_seg(&c, ISN + 50, FRAME_TCP_RST, NULL, 0);
	conn_seg(&c, ISN + 50, 0, MSG_A + 50, strlen(MSG_A) - 50);
	assert_int_equal(c.sink.n, 0);
	assert_int_equal(st(&c)->invalid, 1); /* the rest alone is not a message */
	conn_close(&c);
}

static void test_both_directions_independent(void **state)
{
	(void)state;
	struct conn c, back;

	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	frame_spec_init(&back.s, LINK_ETHERNET, "10.0.0.2:5060", "10.0.0.1:40000", TRANSPORT_TCP);
	back.d = c.d;
	back.ts = T0 + 1000;
	conn_syn(&c);
	back.s.tcp_seq = 50000 - 1;
	conn_seg(&back, 49999, FRAME_TCP_SYN | FRAME_TCP_ACK, NULL, 0);
	conn_seg(&c, ISN, 0, MSG_A, 60);
	conn_seg(&back, 50000, 0, MSG_B, 10);
	conn_seg(&c, ISN + 60, 0, MSG_A + 60, strlen(MSG_A) - 60);
	conn_seg(&back, 50010, 0, MSG_B + 10, strlen(MSG_B) - 10);
	assert_int_equal(c.sink.n, 2);
	expect_msg(&c.sink, 0, MSG_A);
	expect_msg(&c.sink, 1, MSG_B);
	assert_int_equal(c.sink.pkts[1]->flow.src.port, 5060);
	conn_close(&c);
}

static void test_lru_eviction(void **state)
{
	(void)state;
	struct decoder_config cfg;
	struct conn c;
	static const char *srcs[] = {"10.0.0.1:40001", "10.0.0.1:40002", "10.0.0.1:40003"};

	decoder_config_defaults(&cfg);
	cfg.max_tcp_streams = 2;
	conn_open(&c, &cfg, srcs[0], "10.0.0.2:5060");
	for (int i = 0; i < 3; i++) {
		frame_spec_init(&c.s, LINK_ETHERNET, srcs[i], "10.0.0.2:5060", TRANSPORT_TCP);
		conn_syn(&c);
		conn_seg(&c, ISN, 0, MSG_A, 50);
	}
	assert_int_equal(st(&c)->tcp_streams_dropped, 1); /* the first, least recently used */
	for (int i = 2; i >= 0; i--) {
		frame_spec_init(&c.s, LINK_ETHERNET, srcs[i], "10.0.0.2:5060", TRANSPORT_TCP);
		conn_seg(&c, ISN + 50, 0, MSG_A + 50, strlen(MSG_A) - 50);
	}
	/* The two survivors complete; stream 0 comes back mid-message (garbage). */
	assert_int_equal(c.sink.n, 2);
	assert_int_equal(c.sink.pkts[0]->flow.src.port, 40003);
	assert_int_equal(c.sink.pkts[1]->flow.src.port, 40002);
	assert_int_equal(st(&c)->invalid, 1);
	/* Evicting a stream with nothing buffered loses nothing: not counted. */
	assert_int_equal(st(&c)->tcp_streams_dropped, 1);
	conn_close(&c);
}

static void test_idle_timeout(void **state)
{
	(void)state;
	struct conn c;

	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_syn(&c);
	conn_seg(&c, ISN, 0, MSG_A, 50);
	decoder_expire(c.d, c.ts + 120 * USEC_PER_SEC - 2);
	assert_int_equal(st(&c)->tcp_streams_dropped, 0);
	decoder_expire(c.d, c.ts + 121 * USEC_PER_SEC);
	assert_int_equal(st(&c)->tcp_streams_dropped, 1);
	c.ts += 121 * USEC_PER_SEC;
	conn_seg(&c, ISN + 50, 0, MSG_A + 50, strlen(MSG_A) - 50);
	assert_int_equal(c.sink.n, 0);
	/* Packet time alone also ages streams out. */
	conn_syn(&c);
	conn_seg(&c, ISN, 0, MSG_A, 50);
	c.ts += 200 * USEC_PER_SEC;
	frame_spec_init(&c.s, LINK_ETHERNET, "10.0.0.9:1", "10.0.0.2:5060", TRANSPORT_TCP);
	conn_seg(&c, 1, 0, MSG_B, strlen(MSG_B));
	assert_int_equal(st(&c)->tcp_streams_dropped, 2);
	assert_int_equal(c.sink.n, 1);
	conn_close(&c);
}

/* Issue 15: a connection quiet for 15 minutes of packet time (a refresh
 * every Session-Expires/2 = 900 s) keeps its stream; its next message, in
 * two segments arriving out of order, is framed once, and a retransmission
 * overlapping what is known is not framed again. */
static void test_idle_15_minutes_then_out_of_order(void **state)
{
	(void)state;
	struct conn c;
	size_t la = strlen(MSG_A), lb = strlen(MSG_B);

	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_syn(&c);
	conn_seg(&c, ISN, 0, MSG_B, lb);
	assert_int_equal(c.sink.n, 1);
	for (int i = 1; i <= 900; i++) /* the sweeps of a quiet link, every second */
		decoder_expire(c.d, c.ts + i * USEC_PER_SEC);
	c.ts += 900 * USEC_PER_SEC;
	uint32_t at = ISN + (uint32_t)lb;
	conn_seg(&c, at + 40, 0, MSG_A + 40, la - 40); /* second half first */
	assert_int_equal(c.sink.n, 1);
	conn_seg(&c, at, 0, MSG_A, 40);
	assert_int_equal(c.sink.n, 2);
	expect_msg(&c.sink, 1, MSG_A);
	assert_int_equal(c.sink.pkts[1]->wire.kind, SIP_WIRE_TCP_SEQ);
	assert_int_equal(c.sink.pkts[1]->wire.id, at);
	/* A retransmission overlapping the end of MSG_A and bringing MSG_C. */
	static char both[512];
	memcpy(both, MSG_A + 20, la - 20);
	memcpy(both + la - 20, MSG_C, strlen(MSG_C));
	conn_seg(&c, at + 20, 0, both, la - 20 + strlen(MSG_C));
	assert_int_equal(c.sink.n, 3);
	expect_msg(&c.sink, 2, MSG_C);
	assert_int_equal(st(&c)->tcp_streams_dropped, 0);
	assert_int_equal(st(&c)->invalid, 0);
	assert_true(st(&c)->tcp_retransmitted >= 1);
	conn_close(&c);
}

/* A stream first seen mid-way, from the second segment of a message (the
 * first one arriving after it): the stream restarts at the start line. */
static void test_pickup_from_out_of_order_segment(void **state)
{
	(void)state;
	struct conn c;
	size_t la = strlen(MSG_A);

	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_seg(&c, 5000 + 30, 0, MSG_A + 30, la - 30);
	assert_int_equal(c.sink.n, 0);
	conn_seg(&c, 5000, 0, MSG_A, 30);
	assert_int_equal(c.sink.n, 1);
	expect_msg(&c.sink, 0, MSG_A);
	conn_seg(&c, 5000 + (uint32_t)la, 0, MSG_B, strlen(MSG_B));
	assert_int_equal(c.sink.n, 2);
	expect_msg(&c.sink, 1, MSG_B);
	/* Once in step, an old segment is a retransmission, not a new start. */
	conn_seg(&c, 5000, 0, MSG_A, 30);
	assert_int_equal(c.sink.n, 2);
	conn_close(&c);
}

/* Picked up in the middle of a message: the next start line resynchronises. */
static void test_pickup_mid_message_resyncs(void **state)
{
	(void)state;
	struct conn c;
	static char buf[512];
	size_t la = strlen(MSG_A);

	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5060");
	memcpy(buf, MSG_A + 50, la - 50);
	memcpy(buf + la - 50, MSG_B, strlen(MSG_B));
	conn_seg(&c, 7000, 0, buf, la - 50 + strlen(MSG_B));
	assert_int_equal(c.sink.n, 1);
	expect_msg(&c.sink, 0, MSG_B);
	conn_close(&c);
}

static void test_stream_byte_limit(void **state)
{
	(void)state;
	struct decoder_config cfg;
	struct conn c;
	static char junk[1500];

	decoder_config_defaults(&cfg);
	cfg.max_tcp_stream_bytes = 2048;
	memset(junk, 'x', sizeof junk);

	/* Held out-of-order data over the limit. */
	conn_open(&c, &cfg, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_syn(&c);
	conn_seg(&c, ISN + 100, 0, junk, sizeof junk);
	assert_int_equal(st(&c)->tcp_streams_dropped, 0);
	conn_seg(&c, ISN + 1600, 0, junk, sizeof junk);
	assert_int_equal(st(&c)->tcp_streams_dropped, 1);
	conn_close(&c);

	/* Headers that never end. */
	conn_open(&c, &cfg, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_syn(&c);
	const char *start = "INVITE sip:a@b SIP/2.0\r\nX: ";
	conn_seg(&c, ISN, 0, start, strlen(start));
	conn_seg(&c, ISN + (uint32_t)strlen(start), 0, junk, sizeof junk);
	conn_seg(&c, ISN + (uint32_t)strlen(start) + 1500, 0, junk, 1000);
	assert_int_equal(st(&c)->tcp_streams_dropped, 1);
	assert_int_equal(c.sink.n, 0);
	conn_close(&c);

	/* A gap too far ahead to wait for: start again there. */
	conn_open(&c, &cfg, "10.0.0.1:40000", "10.0.0.2:5060");
	conn_syn(&c);
	conn_seg(&c, ISN, 0, MSG_A, 30);
	conn_seg(&c, ISN + 100000, 0, MSG_B, strlen(MSG_B));
	assert_int_equal(c.sink.n, 1);
	expect_msg(&c.sink, 0, MSG_B);
	assert_int_equal(st(&c)->tcp_streams_dropped, 1);
	conn_close(&c);
}

static void test_ports_and_content(void **state)
{
	(void)state;
	struct conn c;
	const char *http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:8080");
	conn_syn(&c);
	conn_seg(&c, ISN, 0, http, strlen(http));
	conn_seg(&c, ISN + (uint32_t)strlen(http), 0, http, strlen(http));
	assert_int_equal(st(&c)->non_sip, 2);
	assert_int_equal(c.sink.n, 0);
	/* SIP on unusual ports, found by its start line. */
	frame_spec_init(&c.s, LINK_ETHERNET, "10.0.0.1:40000", "10.0.0.2:9999", TRANSPORT_TCP);
	conn_syn(&c);
	conn_seg(&c, ISN, 0, MSG_A, strlen(MSG_A));
	conn_seg(&c, ISN + (uint32_t)strlen(MSG_A), 0, MSG_C, 10);
	conn_seg(&c, ISN + (uint32_t)strlen(MSG_A) + 10, 0, MSG_C + 10, strlen(MSG_C) - 10);
	assert_int_equal(c.sink.n, 2);
	expect_msg(&c.sink, 1, MSG_C);
	conn_close(&c);
}

static void test_tls_counted_not_decoded(void **state)
{
	(void)state;
	struct conn c;
	static const uint8_t hello[] = {0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0};
	static const uint8_t appdata[] = {0x17, 3, 3, 0, 3, 'a', 'b', 'c'};

	conn_open(&c, NULL, "10.0.0.1:40000", "10.0.0.2:5061");
	conn_syn(&c);
	conn_seg(&c, ISN, 0, hello, sizeof hello);
	conn_seg(&c, ISN + 10, 0, MSG_A, strlen(MSG_A)); /* even plain text on 5061 */
	assert_int_equal(st(&c)->encrypted, 2);
	assert_int_equal(c.sink.n, 0);
	/* TLS on the SIP port: the whole stream is TLS. */
	frame_spec_init(&c.s, LINK_ETHERNET, "10.0.0.1:40000", "10.0.0.2:5060", TRANSPORT_TCP);
	conn_syn(&c);
	conn_seg(&c, ISN, 0, hello, sizeof hello);
	conn_seg(&c, ISN + 10, 0, appdata, sizeof appdata);
	assert_int_equal(st(&c)->encrypted, 4);
	assert_int_equal(st(&c)->invalid, 0);
	assert_int_equal(c.sink.n, 0);
	conn_close(&c);
}

static void test_sequence_wraparound_and_ipv6(void **state)
{
	(void)state;
	struct conn c;
	size_t len = strlen(MSG_A);

	conn_open(&c, NULL, "[2001:db8::1]:40000", "[2001:db8::2]:5060");
	conn_seg(&c, 0xffffffe0u, FRAME_TCP_SYN, NULL, 0);
	uint32_t seq = 0xffffffe1u;
	conn_seg(&c, seq + 60, 0, MSG_A + 60, len - 60); /* past the wrap, early */
	conn_seg(&c, seq, 0, MSG_A, 60);
	assert_int_equal(c.sink.n, 1);
	expect_msg(&c.sink, 0, MSG_A);
	assert_int_equal(c.sink.pkts[0]->flow.src.family, 6);
	assert_int_equal(st(&c)->tcp_retransmitted, 0);
	conn_close(&c);
}

static void test_sip_frame_direct(void **state)
{
	(void)state;
	struct sip_frame fr;
	const uint8_t *a = (const uint8_t *)MSG_A;

	assert_int_equal(sip_frame_next(a, 0, 1000, &fr), SIP_FRAME_NEED_MORE);
	assert_int_equal(sip_frame_next(a, 3, 1000, &fr), SIP_FRAME_NEED_MORE);
	assert_int_equal(sip_frame_next(a, strlen(MSG_A) - 1, 1000, &fr), SIP_FRAME_NEED_MORE);
	assert_int_equal(sip_frame_next(a, strlen(MSG_A), 1000, &fr), SIP_FRAME_MESSAGE);
	assert_int_equal(fr.skip, 0);
	assert_int_equal(fr.len, strlen(MSG_A));
	/* The body may not exceed max. */
	assert_int_equal(sip_frame_next(a, strlen(MSG_A), 23, &fr), SIP_FRAME_BAD_LENGTH);
	const uint8_t *g = (const uint8_t *)"garbage line\r\nSIP/2.0 200 OK\r\n\r\n";
	assert_int_equal(sip_frame_next(g, 32, 1000, &fr), SIP_FRAME_GARBAGE);
	assert_int_equal(fr.skip, 14);
	assert_int_equal(sip_frame_next(g + 14, 18, 1000, &fr), SIP_FRAME_MESSAGE);
	assert_int_equal(fr.len, 18);
	const uint8_t *k = (const uint8_t *)"\r\n\r\n\r\n";
	assert_int_equal(sip_frame_next(k, 6, 1000, &fr), SIP_FRAME_NEED_MORE);
	assert_int_equal(fr.skip, 6);
	const uint8_t *lf = (const uint8_t *)"SIP/2.0 200 OK\nl: 2\n\nokSIP";
	assert_int_equal(sip_frame_next(lf, 26, 1000, &fr), SIP_FRAME_MESSAGE);
	assert_int_equal(fr.len, 23);
	const uint8_t *bin = (const uint8_t *)"\x01\x02\x03";
	assert_int_equal(sip_frame_next(bin, 3, 1000, &fr), SIP_FRAME_GARBAGE);
	assert_int_equal(fr.skip, 3);
}

/* The header-end search (memchr from line end to line end) against the
 * byte-at-a-time loop it replaced: a start line, then random bytes from
 * {CR, LF, 'a', ':'} and no Content-Length, so the message is exactly the
 * header section; every prefix of every input. */
static size_t ref_header_end(const uint8_t *p, size_t len)
{
	for (size_t i = 1; i < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i - 1] == '\n')
			return i + 1;
		if (i >= 2 && p[i - 1] == '\r' && p[i - 2] == '\n')
			return i + 1;
	}
	return 0;
}

static void test_sip_frame_header_end(void **state)
{
	(void)state;
	static const char start[] = "SIP/2.0 200 OK\r\n";
	static const uint8_t alphabet[] = {'\r', '\n', 'a', ':'};
	uint8_t buf[64];
	uint32_t seed = 7;
	struct sip_frame fr;

	memcpy(buf, start, sizeof start - 1);
	for (int k = 0; k < 5000; k++) {
		size_t n = sizeof start - 1;
		while (n < sizeof buf) {
			seed = seed * 1103515245u + 12345u;
			buf[n++] = alphabet[(seed >> 16) % sizeof alphabet];
		}
		for (size_t len = sizeof start - 1; len <= sizeof buf; len++) {
			size_t want = ref_header_end(buf, len);
			enum sip_frame_result r = sip_frame_next(buf, len, 1000, &fr);
			assert_int_equal(fr.skip, 0);
			if (want) {
				assert_int_equal(r, SIP_FRAME_MESSAGE);
				assert_int_equal(fr.len, want);
			} else {
				assert_int_equal(r, SIP_FRAME_NEED_MORE);
			}
		}
	}
	/* The shortest ends, bare LF and CRLF mixed. */
	const uint8_t *m = (const uint8_t *)"SIP/2.0 200 OK\n\nX";
	assert_int_equal(sip_frame_next(m, 17, 1000, &fr), SIP_FRAME_MESSAGE);
	assert_int_equal(fr.len, 16);
	m = (const uint8_t *)"SIP/2.0 200 OK\r\n\r\n";
	assert_int_equal(sip_frame_next(m, 18, 1000, &fr), SIP_FRAME_MESSAGE);
	assert_int_equal(fr.len, 18);
	assert_int_equal(sip_frame_next(m, 17, 1000, &fr), SIP_FRAME_NEED_MORE);
	m = (const uint8_t *)"SIP/2.0 200 OK\n\r\n";
	assert_int_equal(sip_frame_next(m, 17, 1000, &fr), SIP_FRAME_MESSAGE);
	assert_int_equal(fr.len, 17);
	m = (const uint8_t *)"SIP/2.0 200 OK\r\n\r\r\n";
	assert_int_equal(sip_frame_next(m, 19, 1000, &fr), SIP_FRAME_NEED_MORE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_several_messages_in_one_segment),
		cmocka_unit_test(test_one_message_over_many_segments),
		cmocka_unit_test(test_out_of_order_every_permutation),
		cmocka_unit_test(test_retransmissions_counted_once),
		cmocka_unit_test(test_keepalives_skipped),
		cmocka_unit_test(test_absurd_content_length),
		cmocka_unit_test(test_content_length_spellings),
		cmocka_unit_test(test_mid_stream_pickup),
		cmocka_unit_test(test_fin_then_late_retransmission),
		cmocka_unit_test(test_rst_closes),
		cmocka_unit_test(test_both_directions_independent),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_idle_15_minutes_then_out_of_order),
		cmocka_unit_test(test_pickup_from_out_of_order_segment),
		cmocka_unit_test(test_pickup_mid_message_resyncs),
		cmocka_unit_test(test_stream_byte_limit),
		cmocka_unit_test(test_ports_and_content),
		cmocka_unit_test(test_tls_counted_not_decoded),
		cmocka_unit_test(test_sequence_wraparound_and_ipv6),
		cmocka_unit_test(test_sip_frame_direct),
		cmocka_unit_test(test_sip_frame_header_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
