/* test_decode_truncation: every decoder path fed every truncation of a valid
 * frame, for every link type, IP version and transport.  Each cut frame is
 * copied into a buffer of exactly its captured length, so under ASan a read
 * one byte past caplen fails the test.  Then single-byte mutations and random
 * garbage through one long-lived decoder: no crash, consistent counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "tests/support/frames.h"

#define T0 (1700000000LL * USEC_PER_SEC)

static const char SIP_MSG[] = "BYE sip:bob@example.com SIP/2.0\r\n"
			      "Call-ID: trunc\r\nCSeq: 2 BYE\r\n"
			      "Content-Length: 4\r\n\r\nbody";

struct counter {
	uint64_t n;
	uint64_t max_len;
};

static void count_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	struct sip_packet *p = sip_packet_dup(hdr, data); /* the sink lends them */
	struct counter *c = ctx;

	c->n++;
	if (p->len > c->max_len)
		c->max_len = p->len;
	sip_packet_free(p);
}

struct tcase {
	int linktype;
	int vlan_tags;
	int v6;
	int ext; /* IPv6 extension headers */
	enum transport transport;
};

static const struct tcase CASES[] = {
	{LINK_ETHERNET, 0, 0, 0, TRANSPORT_UDP},   {LINK_ETHERNET, 0, 0, 0, TRANSPORT_TCP},
	{LINK_ETHERNET, 0, 1, 0, TRANSPORT_UDP},   {LINK_ETHERNET, 0, 1, 3, TRANSPORT_TCP},
	{LINK_ETHERNET, 2, 0, 0, TRANSPORT_UDP},   {LINK_ETHERNET, 3, 1, 2, TRANSPORT_UDP},
	{LINK_LINUX_SLL, 0, 0, 0, TRANSPORT_UDP},  {LINK_LINUX_SLL, 1, 1, 1, TRANSPORT_TCP},
	{LINK_LINUX_SLL2, 0, 1, 0, TRANSPORT_UDP}, {LINK_LINUX_SLL2, 2, 0, 0, TRANSPORT_TCP},
	{LINK_NULL, 0, 0, 0, TRANSPORT_UDP},       {LINK_NULL, 0, 1, 1, TRANSPORT_TCP},
	{LINK_LOOP, 0, 1, 0, TRANSPORT_UDP},       {LINK_LOOP, 0, 0, 0, TRANSPORT_TCP},
	{LINK_RAW, 0, 0, 0, TRANSPORT_UDP},        {LINK_RAW, 0, 1, 4, TRANSPORT_UDP},
	{LINK_RAW_DLT, 0, 1, 0, TRANSPORT_TCP},    {LINK_RAW_DLT_BSD, 0, 0, 0, TRANSPORT_TCP},
	{LINK_IPV4, 0, 0, 0, TRANSPORT_UDP},       {LINK_IPV6, 0, 1, 0, TRANSPORT_TCP},
};
#define N_CASES (sizeof CASES / sizeof CASES[0])

static void case_spec(const struct tcase *c, struct frame_spec *s)
{
	static const uint8_t ext[] = {FRAME_IP6_HOPOPTS, FRAME_IP6_ROUTING, FRAME_IP6_AH,
				      FRAME_IP6_DSTOPTS};

	if (c->v6)
		frame_spec_init(s, c->linktype, "[2001:db8::a]:40000", "[2001:db8::b]:5060",
				c->transport);
	else
		frame_spec_init(s, c->linktype, "198.51.100.1:40000", "198.51.100.2:5060",
				c->transport);
	s->vlan_tags = c->vlan_tags;
	s->ipv6_ext = c->ext;
	memcpy(s->ipv6_ext_type, ext, sizeof ext);
	s->tcp_seq = 123456;
}

/* Decodes len bytes from a heap copy of exactly that size. */
static struct decoder_stats decode_exact(int linktype, const uint8_t *frame, size_t len,
					 struct counter *out)
{
	struct decoder_config cfg;
	uint8_t *copy = malloc(len ? len : 1);

	memcpy(copy, frame, len);
	decoder_config_defaults(&cfg);
	struct decoder *d = decoder_new(&cfg, count_emit, out);
	decoder_frame(d, linktype, T0, copy, (uint32_t)len);
	decoder_flush(d);
	struct decoder_stats st = *decoder_stats(d);
	decoder_free(d);
	free(copy);
	return st;
}

static void test_every_truncation_every_link(void **state)
{
	(void)state;
	static uint8_t frame[FRAME_MAX];

	for (size_t i = 0; i < N_CASES; i++) {
		struct frame_spec s;
		case_spec(&CASES[i], &s);
		size_t n = frame_build(&s, SIP_MSG, strlen(SIP_MSG), frame, sizeof frame);
		assert_true(n > 0);
		print_message("case %zu: link %d vlan %d v%d ext %d %s, %zu bytes\n", i,
			      CASES[i].linktype, CASES[i].vlan_tags, CASES[i].v6 ? 6 : 4,
			      CASES[i].ext, transport_name(CASES[i].transport), n);
		for (size_t cut = 0; cut < n; cut++) {
			struct counter c = {0};
			struct decoder_stats st = decode_exact(s.linktype, frame, cut, &c);
			if (st.truncated != 1)
				print_message("  cut at %zu\n", cut);
			assert_int_equal(st.frames, 1);
			assert_int_equal(st.truncated, 1);
			assert_int_equal(st.invalid, 0);
			assert_int_equal(st.unsupported, 0);
			assert_int_equal(st.sip_candidates, 0);
			assert_int_equal(c.n, 0);
		}
		struct counter c = {0};
		struct decoder_stats st = decode_exact(s.linktype, frame, n, &c);
		assert_int_equal(st.truncated, 0);
		assert_int_equal(st.sip_candidates, 1);
		assert_int_equal(c.max_len, strlen(SIP_MSG));
	}
}

/* Fragments: a cut fragment is truncated and never reaches reassembly. */
static void test_truncated_fragments(void **state)
{
	(void)state;
	static uint8_t ip[FRAME_MAX], frame[FRAME_MAX];
	char big[3000];

	memset(big, 'x', sizeof big);
	memcpy(big, SIP_MSG, strlen(SIP_MSG));
	for (int v6 = 0; v6 < 2; v6++) {
		struct frame_spec s;
		struct frame_fragments fr;
		struct tcase tc = {LINK_ETHERNET, 1, v6, v6, TRANSPORT_UDP};
		case_spec(&tc, &s);
		size_t n = frame_build_ip(&s, big, sizeof big, ip, sizeof ip);
		assert_true(frame_fragment(ip, n, 1024, 3, &fr));
		for (size_t f = 0; f < fr.n; f++) {
			size_t fl = frame_wrap(&s, fr.pkt[f], fr.len[f], frame, sizeof frame);
			for (size_t cut = 0; cut < fl; cut++) {
				struct counter c = {0};
				struct decoder_stats st = decode_exact(LINK_ETHERNET, frame, cut, &c);
				assert_int_equal(st.truncated, 1);
				assert_int_equal(st.fragments, 0);
				assert_int_equal(st.invalid, 0);
			}
			struct counter c = {0};
			struct decoder_stats st = decode_exact(LINK_ETHERNET, frame, fl, &c);
			assert_int_equal(st.truncated, 0);
			assert_int_equal(st.fragments, 1);
			assert_int_equal(st.fragments_dropped, 1); /* flushed unfinished */
		}
		frame_fragments_free(&fr);
	}
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* Every byte of every valid frame replaced by a few values: never more than
 * one candidate, never longer than the frame, never a crash. */
static void test_single_byte_mutations(void **state)
{
	(void)state;
	static uint8_t frame[FRAME_MAX];

	for (size_t i = 0; i < N_CASES; i++) {
		struct frame_spec s;
		case_spec(&CASES[i], &s);
		size_t n = frame_build(&s, SIP_MSG, strlen(SIP_MSG), frame, sizeof frame);
		for (size_t pos = 0; pos < n; pos++) {
			uint8_t orig = frame[pos];
			const uint8_t vals[] = {0, 0xff, (uint8_t)(orig ^ 0x80), (uint8_t)(orig + 1),
						(uint8_t)(orig - 1)};
			for (size_t v = 0; v < sizeof vals; v++) {
				frame[pos] = vals[v];
				struct counter c = {0};
				struct decoder_stats st = decode_exact(s.linktype, frame, n, &c);
				assert_int_equal(st.frames, 1);
				assert_true(c.n <= 1);
				assert_true(c.max_len <= n);
				assert_int_equal(st.sip_candidates, c.n);
				uint64_t outcomes = st.truncated + st.invalid + st.unsupported +
						    st.non_sip + st.encrypted + st.sip_candidates +
						    st.keepalives;
				assert_true(outcomes <= 2); /* e.g. a resync (invalid) then a message */
			}
			frame[pos] = orig;
		}
	}
}

/* Random frames, some starting as valid ones, through one decoder that keeps
 * its fragments and streams: exercises the stateful paths. */
static void test_random_garbage_stateful(void **state)
{
	(void)state;
	static uint8_t frame[FRAME_MAX];
	static const int links[] = {LINK_ETHERNET, LINK_LINUX_SLL, LINK_LINUX_SLL2, LINK_NULL,
				    LINK_LOOP,     LINK_RAW,       LINK_IPV4,       LINK_IPV6};
	struct decoder_config cfg;
	struct counter c = {0};

	decoder_config_defaults(&cfg);
	cfg.max_tcp_streams = 8;
	cfg.max_fragment_bytes = 64 * 1024;
	cfg.max_tcp_stream_bytes = 4096;
	struct decoder *d = decoder_new(&cfg, count_emit, &c);
	for (int iter = 0; iter < 30000; iter++) {
		const struct tcase *tc = &CASES[rng() % N_CASES];
		struct frame_spec s;
		case_spec(tc, &s);
		s.tcp_seq = rng() % 4 == 0 ? rng() : 123456 + rng() % 512;
		s.tcp_flags = (uint8_t)(rng() % 3 == 0 ? rng() : 0);
		size_t n = frame_build(&s, SIP_MSG, rng() % (strlen(SIP_MSG) + 1), frame,
				       sizeof frame);
		int linktype = rng() % 8 == 0 ? links[rng() % 8] : s.linktype;
		int damage = (int)(rng() % 8);
		for (int k = 0; k < damage; k++)
			frame[rng() % n] = (uint8_t)rng();
		size_t len = rng() % 4 == 0 ? rng() % (n + 1) : n;
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, frame, len);
		decoder_frame(d, linktype, T0 + iter * 1000, copy, (uint32_t)len);
		free(copy);
	}
	const struct decoder_stats *st = decoder_stats(d);
	assert_int_equal(st->frames, 30000);
	assert_int_equal(st->sip_candidates, c.n);
	assert_true(c.max_len <= FRAME_MAX);
	print_message("candidates %llu truncated %llu invalid %llu unsupported %llu\n",
		      (unsigned long long)st->sip_candidates, (unsigned long long)st->truncated,
		      (unsigned long long)st->invalid, (unsigned long long)st->unsupported);
	assert_true(st->sip_candidates > 0);
	assert_true(st->truncated > 0);
	assert_true(st->invalid > 0);
	decoder_flush(d);
	decoder_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_truncation_every_link),
		cmocka_unit_test(test_truncated_fragments),
		cmocka_unit_test(test_single_byte_mutations),
		cmocka_unit_test(test_random_garbage_stateful),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
