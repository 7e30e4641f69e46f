/* test_decode_tunnels: every decapsulation layer on its own (issue 15).
 *
 * The first SIP frame of each recorded tunnel capture (tests/captures/tunnels,
 * made by Scapy and confirmed by tshark) decodes to the same SIP message, with
 * the inner addresses, as the plain call; cut at every byte it yields nothing
 * and is counted exactly once; with any byte changed (lying lengths, flags,
 * versions) it never yields more than one message, never reads past the
 * frame (ASan/valgrind), and is always counted.  Plus: several DATA chunks in
 * one SCTP packet, a zero-length chunk, a nesting bomb (VXLAN in VXLAN ...),
 * and GRE variants the decoder refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "capture/decode.h"

#define T0 (1700000000LL * USEC_PER_SEC)
#define DIR "tests/captures/tunnels"

struct counter {
	size_t n;
	struct sip_packet *last;
};

static void count_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	struct sip_packet *p = sip_packet_dup(hdr, data); /* the sink lends them */
	struct counter *c = ctx;

	c->n++;
	sip_packet_free(c->last);
	c->last = p;
}

/* The first frame of a capture, in a malloc'ed buffer. */
static uint8_t *first_frame(const char *name, size_t *len)
{
	char path[256], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;

	snprintf(path, sizeof path, "%s/%s", DIR, name);
	pcap_t *p = pcap_open_offline(path, err);
	if (!p)
		fail_msg("%s: %s", path, err);
	assert_int_equal(pcap_next_ex(p, &h, &data), 1);
	uint8_t *copy = malloc(h->caplen);
	memcpy(copy, data, h->caplen);
	*len = h->caplen;
	pcap_close(p);
	return copy;
}

static struct decoder_stats decode_exact(const uint8_t *frame, size_t len, struct counter *c)
{
	struct decoder_config cfg;
	uint8_t *copy = malloc(len ? len : 1);

	memcpy(copy, frame, len);
	decoder_config_defaults(&cfg);
	struct decoder *d = decoder_new(&cfg, count_emit, c);
	decoder_frame(d, LINK_ETHERNET, T0, copy, (uint32_t)len);
	decoder_flush(d);
	struct decoder_stats st = *decoder_stats(d);
	decoder_free(d);
	free(copy);
	return st;
}

static uint64_t outcomes(const struct decoder_stats *st)
{
	return st->truncated + st->invalid + st->unsupported + st->non_sip + st->encrypted +
	       st->sip_candidates + st->keepalives;
}

static const char *const kinds[] = {
	"vxlan", "vxlan8472", "vxlan_vlan", "geneve", "gre", "gre6", "gretap", "erspan1",
	"erspan2", "erspan3", "mpls", "ipip", "sit", "pppoe", "sctp",
};

static void test_each_layer_whole_cut_and_mutated(void **state)
{
	(void)state;
	size_t plen;
	uint8_t *plain = first_frame("../corpus/u02_seed_dropped_se90_realtime.pcap", &plen);
	struct counter pc = {0};
	decode_exact(plain, plen, &pc);
	assert_int_equal(pc.n, 1);

	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		char name[64];
		size_t n;
		snprintf(name, sizeof name, "u02_%s.pcap", kinds[k]);
		uint8_t *frame = first_frame(name, &n);
		print_message("%s: %zu bytes\n", kinds[k], n);

		struct counter c = {0};
		struct decoder_stats st = decode_exact(frame, n, &c);
		assert_int_equal(c.n, 1);
		assert_int_equal(c.last->len, pc.last->len);
		assert_memory_equal(c.last->data, pc.last->data, c.last->len);
		if (strcmp(kinds[k], "sit") != 0) {
			assert_memory_equal(c.last->flow.src.ip, pc.last->flow.src.ip, 4);
			assert_memory_equal(c.last->flow.dst.ip, pc.last->flow.dst.ip, 4);
		}
		uint64_t encaps = 0;
		for (int e = 0; e < DECODER_ENCAP_N; e++)
			encaps += st.encap[e];
		assert_true(encaps >= 1);
		sip_packet_free(c.last);

		/* Every truncation: nothing emitted, counted once. */
		for (size_t cut = 0; cut < n; cut++) {
			struct counter cc = {0};
			struct decoder_stats cs = decode_exact(frame, cut, &cc);
			if (cc.n != 0 || outcomes(&cs) != 1)
				fail_msg("%s cut at %zu: %zu emitted, %llu outcomes", kinds[k], cut, cc.n,
					 (unsigned long long)outcomes(&cs));
			sip_packet_free(cc.last);
		}
		/* Every byte of the headers lying: at most one message, always counted. */
		size_t hdr = n - pc.last->len;
		for (size_t pos = 0; pos < hdr; pos++) {
			uint8_t orig = frame[pos];
			const uint8_t vals[] = {0, 0xff, (uint8_t)(orig ^ 0x80), (uint8_t)(orig + 1),
						(uint8_t)(orig - 1), (uint8_t)(orig ^ 0x01)};
			for (size_t v = 0; v < sizeof vals; v++) {
				frame[pos] = vals[v];
				struct counter mc = {0};
				struct decoder_stats ms = decode_exact(frame, n, &mc);
				assert_true(mc.n <= 1);
				assert_true(!mc.last || mc.last->len <= n);
				/* held for reassembly is an outcome too (dropped at the flush) */
				if (outcomes(&ms) + ms.fragments + ms.tcp_segments < 1)
					fail_msg("%s byte %zu = %u: not counted", kinds[k], pos, vals[v]);
				sip_packet_free(mc.last);
			}
			frame[pos] = orig;
		}
		free(frame);
	}
	sip_packet_free(pc.last);
	free(plain);
}

/* Ethernet / IPv4 / proto, payload of n bytes at *body; returns the frame length. */
static size_t ip_frame(uint8_t *f, uint8_t proto, size_t n)
{
	static const uint8_t eth_ip[34] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
					   0x45, 0, 0, 0, 0, 1, 0, 0, 64, 0, 0, 0,
					   10, 0, 0, 1, 10, 0, 0, 2};
	memcpy(f, eth_ip, 34);
	f[16] = (uint8_t)((20 + n) >> 8);
	f[17] = (uint8_t)(20 + n);
	f[23] = proto;
	return 34 + n;
}

static void be16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An SCTP DATA chunk (B and E) carrying msg at p; returns its padded length. */
static size_t sctp_data(uint8_t *p, uint32_t tsn, const char *msg)
{
	size_t n = strlen(msg), len = 16 + n;

	memset(p, 0, (len + 3) & ~(size_t)3);
	p[0] = 0;
	p[1] = 0x03;
	be16(p + 2, len);
	p[4] = (uint8_t)(tsn >> 24);
	p[7] = (uint8_t)tsn;
	memcpy(p + 16, msg, n);
	return (len + 3) & ~(size_t)3;
}

static void test_sctp_several_data_chunks(void **state)
{
	(void)state;
	static uint8_t f[2048];
	uint8_t *s = f + 34;
	const char *a = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: s1\r\nContent-Length: 0\r\n\r\n";
	const char *b = "SIP/2.0 200 OK\r\nCall-ID: s1\r\nContent-Length: 0\r\n\r\n";

	memset(s, 0, 12);
	be16(s, 5060);
	be16(s + 2, 5060);
	size_t at = 12;
	at += sctp_data(s + at, 1, a);
	s[at] = 3; /* a SACK between the two */
	be16(s + at + 2, 16);
	at += 16;
	at += sctp_data(s + at, 2, b);
	size_t n = ip_frame(f, 132, at);
	struct counter c = {0};
	struct decoder_stats st = decode_exact(f, n, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.last->flow.transport, TRANSPORT_SCTP);
	assert_int_equal(c.last->len, strlen(b));
	assert_int_equal(st.encap[DECODER_ENCAP_SCTP], 1);
	sip_packet_free(c.last);

	/* A zero-length chunk never ends: invalid, and what came before stays. */
	memset(s + 12 + 80, 0, 4);
	c = (struct counter){0};
	size_t first = 12 + sctp_data(s + 12, 1, a);
	memset(s + first, 0, 8);
	st = decode_exact(f, ip_frame(f, 132, first + 8), &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(st.invalid, 1);
	sip_packet_free(c.last);
}

/* VXLAN in VXLAN in ...: followed up to the bound, then counted invalid. */
static void test_nesting_bomb(void **state)
{
	(void)state;
	enum { LAYERS = 60, ONE = 14 + 20 + 8 + 8 };
	static uint8_t f[LAYERS * ONE + 64];
	size_t inner = 0;

	for (int i = LAYERS - 1; i >= 0; i--) {
		uint8_t *p = f + (size_t)i * ONE;
		size_t body = inner;
		ip_frame(p, 17, 8 + 8 + body);
		uint8_t *u = p + 34;
		be16(u, 40000);
		be16(u + 2, 4789);
		be16(u + 4, 8 + 8 + body);
		be16(u + 6, 0);
		memset(u + 8, 0, 8);
		u[8] = 0x08;
		inner = ONE + body;
	}
	struct counter c = {0};
	struct decoder_stats st = decode_exact(f, inner, &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(st.nesting, 1);
	assert_int_equal(st.invalid, 1);
	assert_int_equal(st.encap[DECODER_ENCAP_VXLAN], 1);
}

static void test_gre_refused_variants(void **state)
{
	(void)state;
	static uint8_t f[256];
	const uint16_t flags[] = {0x4000 /* routing */, 0x0002 /* version 2 */,
				  0x0001 /* PPTP without key */};
	const uint64_t want_unsupported[] = {1, 1, 0};

	for (size_t i = 0; i < 3; i++) {
		uint8_t *g = f + 34;
		memset(g, 0, 64);
		be16(g, flags[i]);
		be16(g + 2, 0x0800);
		struct counter c = {0};
		struct decoder_stats st = decode_exact(f, ip_frame(f, 47, 64), &c);
		assert_int_equal(c.n, 0);
		assert_int_equal(st.unsupported, want_unsupported[i]);
		assert_int_equal(st.why[DECODER_WHY_ENCAP], want_unsupported[i]);
		assert_int_equal(st.invalid, 1 - want_unsupported[i]);
	}
	/* an unknown GRE protocol type, an unknown Ethernet type */
	uint8_t *g = f + 34;
	memset(g, 0, 64);
	be16(g + 2, 0x1234);
	struct counter c = {0};
	struct decoder_stats st = decode_exact(f, ip_frame(f, 47, 64), &c);
	assert_int_equal(st.why[DECODER_WHY_ENCAP], 1);
	be16(f + 12, 0x88cc); /* LLDP */
	st = decode_exact(f, 60, &c);
	assert_int_equal(st.why[DECODER_WHY_ETHERTYPE], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_layer_whole_cut_and_mutated),
		cmocka_unit_test(test_sctp_several_data_chunks),
		cmocka_unit_test(test_nesting_bomb),
		cmocka_unit_test(test_gre_refused_variants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
