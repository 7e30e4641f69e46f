/* test_source: capture files end to end through capture_open_file,
^ * capture_start and the ring (same candidates as the decoder alone), damaged
 * and wrong files, -c, -w, filters, back-pressure, stop, stdin, pcapng, the
 * default live filter, and a live capture on loopback when permitted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture/source.h"
#include "common/pkt_ring.h"
#include "tests/support/packet_sink.h"
#include "tests/support/frames.h"

#define T0 (1700000000LL * USEC_PER_SEC)
/* A stop that works returns in milliseconds; one that does not never
 * returns.  The bound only tells the two apart, with room for a loaded
 * machine (speed is make bench's business, not a test's). */
#define STOP_BOUND_S 10.0
#define MAX_PKTS 2048

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/sipwatch-test-source-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *tmp_path(const char *name)
{
	static char paths[8][128];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, 128, "%s/%s", tmpdir, name);
	return p;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct got {
	size_t n;
	struct sip_packet *pkts[MAX_PKTS];
};

static void got_clear(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		sip_packet_free(g->pkts[i]);
	g->n = 0;
}

/* Pops until the producer closed the ring (at most 10 s). */
static void drain(struct pkt_ring *q, struct got *g)
{
	double start = now_s();

	while (now_s() - start < 10) {
		struct sip_packet *p = packet_sink_pop(q, 100);
		if (p) {
			if (g->n < MAX_PKTS)
				g->pkts[g->n++] = p;
			else
				sip_packet_free(p);
		} else if (pkt_ring_is_drained(q)) {
			return;
		}
	}
	fail_msg("ring not closed within 10 s");
}

/* Reads a whole file through the capture thread. */
static struct capture_stats read_file(const char *path, const struct capture_config *cfg,
				      struct got *g)
{
	char err[256] = "";
	struct capture_stats st;
	struct capture_source *s = capture_open_file(path, cfg, err, sizeof err);

	if (!s)
		fail_msg("capture_open_file: %s", err);
	struct pkt_ring *q = pkt_ring_new(1u << 20);
	assert_true(capture_start(s, q, err, sizeof err));
	drain(q, g);
	capture_join(s);
	capture_get_stats(s, &st);
	capture_close(s);
	pkt_ring_free(q);
	return st;
}

/* What the decoder alone makes of the same frames. */
struct expect {
	size_t n;
	struct sip_packet *pkts[MAX_PKTS];
};

static void expect_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	struct sip_packet *p = sip_packet_dup(hdr, data); /* the sink lends them */
	struct expect *e = ctx;

	if (e->n < MAX_PKTS)
		e->pkts[e->n++] = p;
	else
		sip_packet_free(p);
}

/* A scenario: UDP requests and responses, a TCP message in two segments,
 * non-SIP traffic, IPv6, a fragmented INVITE.  Written to path; the decoder
 * run over the same frames fills e. */
static size_t write_scenario(const char *path, int n_udp, struct expect *e)
{
	static uint8_t buf[FRAME_MAX];
	struct pcap_writer *w = pcap_writer_open_mem(LINK_ETHERNET);
	struct frame_spec s;
	char msg[512];
	int64_t ts = T0;

	for (int i = 0; i < n_udp; i++) {
		frame_spec_init(&s, LINK_ETHERNET, i % 3 ? "10.1.1.1:5060" : "[2001:db8::1]:5060",
				i % 3 ? "10.1.1.2:5060" : "[2001:db8::2]:5060", TRANSPORT_UDP);
		snprintf(msg, sizeof msg,
			 "OPTIONS sip:%d@example.com SIP/2.0\r\nCall-ID: src-%d\r\n"
			 "Content-Length: 0\r\n\r\n", i, i);
		assert_true(frame_write(w, ts += 1000, &s, msg, strlen(msg)));
		if (i % 5 == 0) {
			frame_spec_init(&s, LINK_ETHERNET, "10.1.1.1:53", "10.1.1.2:53",
					TRANSPORT_UDP);
			assert_true(frame_write(w, ts += 10, &s, "\x12\x34", 2));
		}
	}
	frame_spec_init(&s, LINK_ETHERNET, "10.1.1.1:40000", "10.1.1.2:5060", TRANSPORT_TCP);
	const char *tcp = "MESSAGE sip:a@b SIP/2.0\r\nCall-ID: tcp\r\nl: 5\r\n\r\nhello";
	s.tcp_seq = 99;
	s.tcp_flags = FRAME_TCP_SYN;
	assert_true(frame_write_next(w, ts += 1000, &s, NULL, 0));
	s.tcp_flags = 0;
	assert_true(frame_write_next(w, ts += 1000, &s, tcp, 20));
	assert_true(frame_write_next(w, ts += 1000, &s, tcp + 20, strlen(tcp) - 20));
	frame_spec_init(&s, LINK_ETHERNET, "10.1.1.1:5060", "10.1.1.2:5060", TRANSPORT_UDP);
	memset(msg, 'z', sizeof msg);
	memcpy(msg, "INVITE sip:frag SIP/2.0\r\n\r\n", 27);
	assert_true(frame_write_fragments(w, ts += 1000, &s, msg, sizeof msg, 200));

	size_t len;
	const uint8_t *data = pcap_writer_data(w, &len);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);

	/* Replay the records through a decoder to know what to expect. */
	if (e) {
		struct decoder_config cfg;
		decoder_config_defaults(&cfg);
		struct decoder *d = decoder_new(&cfg, expect_emit, e);
		for (size_t at = 24; at + 16 <= len;) {
			uint32_t hdr[4];
			memcpy(hdr, data + at, 16);
			int64_t t = (int64_t)hdr[0] * USEC_PER_SEC + hdr[1];
			memcpy(buf, data + at + 16, hdr[2]);
			decoder_frame(d, LINK_ETHERNET, t, buf, hdr[2]);
			at += 16 + hdr[2];
		}
		decoder_free(d);
	}
	size_t count = pcap_writer_count(w);
	pcap_writer_close(w);
	return count;
}

static void same_packets(const struct got *g, const struct expect *e)
{
	assert_int_equal(g->n, e->n);
	for (size_t i = 0; i < g->n; i++) {
		assert_int_equal(g->pkts[i]->ts_us, e->pkts[i]->ts_us);
		assert_int_equal(g->pkts[i]->len, e->pkts[i]->len);
		assert_memory_equal(g->pkts[i]->data, e->pkts[i]->data, g->pkts[i]->len);
		assert_true(net_addr_equal(&g->pkts[i]->flow.src, &e->pkts[i]->flow.src));
		assert_true(net_addr_equal(&g->pkts[i]->flow.dst, &e->pkts[i]->flow.dst));
		assert_int_equal(g->pkts[i]->flow.transport, e->pkts[i]->flow.transport);
	}
}

static void expect_clear(struct expect *e)
{
	for (size_t i = 0; i < e->n; i++)
		sip_packet_free(e->pkts[i]);
	e->n = 0;
}

static void test_file_same_candidates_as_decoder(void **state)
{
	(void)state;
	static struct expect e;
	static struct got g;
	struct capture_config cfg;
	const char *path = tmp_path("scenario.pcap");
	size_t frames = write_scenario(path, 40, &e);

	assert_int_equal(e.n, 40 + 1 + 1); /* UDP, the TCP message, the reassembled INVITE */
	capture_config_defaults(&cfg);
	struct capture_stats st = read_file(path, &cfg, &g);
	same_packets(&g, &e);
	assert_int_equal(st.packets, frames);
	assert_int_equal(st.sip_candidates, e.n);
	assert_int_equal(st.decode_errors, 0);
	assert_int_equal(st.dropped_queue, 0);
	assert_true(st.finished);
	assert_false(st.failed);
	assert_int_equal(st.first_ts_us, T0 + 1000);
	assert_true(st.last_ts_us > st.first_ts_us);
	got_clear(&g);
	expect_clear(&e);
}

/* Writes n_ok good records, then damage: cut inside record n_ok+1 at 'cut'
 * bytes past its start. */
static void write_damaged(const char *path, int n_ok, size_t cut)
{
	struct pcap_writer *w = pcap_writer_open(path, LINK_RAW);
	struct frame_spec s;
	static uint8_t buf[FRAME_MAX];
	char msg[128];

	assert_non_null(w);
	frame_spec_init(&s, LINK_RAW, "10.2.2.1:5060", "10.2.2.2:5060", TRANSPORT_UDP);
	for (int i = 0; i <= n_ok; i++) {
		snprintf(msg, sizeof msg, "SIP/2.0 200 OK\r\nCall-ID: dmg-%d\r\n\r\n", i);
		size_t n = frame_build(&s, msg, strlen(msg), buf, sizeof buf);
		if (i < n_ok) {
			assert_true(pcap_writer_add(w, T0 + i, buf, n));
			continue;
		}
		uint32_t hdr[4] = {1700000000u, 5, (uint32_t)n, (uint32_t)n};
		uint8_t rec[16 + FRAME_MAX];
		memcpy(rec, hdr, 16);
		memcpy(rec + 16, buf, n);
		assert_true(cut < 16 + n);
		assert_true(pcap_writer_add_raw(w, rec, cut));
	}
	assert_true(pcap_writer_close(w));
}

static bool contains(const struct sip_packet *p, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= p->len; i++)
		if (memcmp(p->data + i, s, n) == 0)
			return true;
	return false;
}

static void test_truncated_file_keeps_what_came_before(void **state)
{
	(void)state;
	static struct got g;
	struct capture_config cfg;
	static const size_t cuts[] = {8, 16, 30};
	const char *path = tmp_path("damaged.pcap");

	capture_config_defaults(&cfg);
	for (size_t i = 0; i < 3; i++) {
		write_damaged(path, 3, cuts[i]);
		struct capture_stats st = read_file(path, &cfg, &g);
		assert_int_equal(g.n, 3);
		assert_int_equal(st.packets, 3);
		assert_true(st.finished);
		assert_true(st.failed);
		print_message("error: %s\n", st.error);
		char want[256];
		snprintf(want, sizeof want, "%s: truncated record at packet 4 (", path);
		assert_true(strncmp(st.error, want, strlen(want)) == 0);
		for (size_t k = 0; k < g.n; k++) {
			char id[32];
			snprintf(id, sizeof id, "dmg-%zu", k);
			assert_true(contains(g.pkts[k], id));
		}
		got_clear(&g);
	}
}

static void expect_open_error(const char *path, const char *want)
{
	struct capture_config cfg;
	char err[256] = "";

	capture_config_defaults(&cfg);
	struct capture_source *s = capture_open_file(path, &cfg, err, sizeof err);
	assert_null(s);
	assert_string_equal(err, want);
}

static void test_open_errors(void **state)
{
	(void)state;
	char want[256];
	const char *text = tmp_path("notes.txt"), *empty = tmp_path("empty.pcap");
	const char *missing = tmp_path("missing.pcap");

	FILE *fp = fopen(text, "w");
	fputs("this is not a capture file\n", fp);
	fclose(fp);
	fclose(fopen(empty, "w"));

	snprintf(want, sizeof want, "'%s' is not a pcap or pcapng file", text);
	expect_open_error(text, want);
	snprintf(want, sizeof want, "'%s' is empty, not a pcap or pcapng file", empty);
	expect_open_error(empty, want);
	snprintf(want, sizeof want, "cannot read '%s': No such file or directory", missing);
	expect_open_error(missing, want);
	snprintf(want, sizeof want, "cannot read '%s': Is a directory", tmpdir);
	expect_open_error(tmpdir, want);

	const char *wifi = tmp_path("wifi.pcap");
	struct pcap_writer *w = pcap_writer_open(wifi, 105);
	pcap_writer_close(w);
	snprintf(want, sizeof want, "%s: unsupported link type IEEE802_11 (105)", wifi);
	expect_open_error(wifi, want);
}

static void test_pcapng(void **state)
{
	(void)state;
	static struct got g;
	struct frame_spec s;
	struct capture_config cfg;
	const char *msg = "NOTIFY sip:a@b SIP/2.0\r\nCall-ID: ng\r\n\r\n";
	const char *path = tmp_path("test.pcapng");
	struct pcap_writer *w = pcap_writer_open_ng(path, LINK_LINUX_SLL2);

	assert_non_null(w);
	frame_spec_init(&s, LINK_LINUX_SLL2, "10.3.3.1:5060", "10.3.3.2:5060", TRANSPORT_UDP);
	assert_true(frame_write(w, T0 + 42, &s, msg, strlen(msg)));
	assert_true(frame_write(w, T0 + 43, &s, msg, strlen(msg) - 1)); /* odd length: padded */
	assert_true(pcap_writer_close(w));
	capture_config_defaults(&cfg);
	struct capture_stats st = read_file(path, &cfg, &g);
	assert_false(st.failed);
	assert_int_equal(st.packets, 2);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.pkts[0]->ts_us, T0 + 42);
	assert_int_equal(g.pkts[1]->ts_us, T0 + 43);
	assert_int_equal(g.pkts[0]->len, strlen(msg));
	assert_memory_equal(g.pkts[0]->data, msg, strlen(msg));
	got_clear(&g);
}

static void test_max_packets_and_write(void **state)
{
	(void)state;
	static struct got g;
	struct capture_config cfg;
	const char *path = tmp_path("in.pcap"), *out = tmp_path("out.pcap");

	write_scenario(path, 10, NULL);
	capture_config_defaults(&cfg);
	cfg.max_packets = 5;
	cfg.write_path = out;
	struct capture_stats st = read_file(path, &cfg, &g);
	assert_int_equal(st.packets, 5);
	assert_false(st.failed);
	size_t first = g.n;
	assert_int_equal(first, 4); /* 5 frames, one of them DNS */
	got_clear(&g);

	/* What -w wrote reads back the same. */
	capture_config_defaults(&cfg);
	st = read_file(out, &cfg, &g);
	assert_int_equal(st.packets, 5);
	assert_int_equal(g.n, first);
	got_clear(&g);

	cfg.write_path = tmp_path("no-such-dir/out.pcap");
	char err[256];
	assert_null(capture_open_file(path, &cfg, err, sizeof err));
	assert_non_null(strstr(err, "cannot write '"));
}

static void test_offline_filter(void **state)
{
	(void)state;
	static struct got g;
	struct capture_config cfg;
	const char *path = tmp_path("filter.pcap");
	char err[256] = "";

	write_scenario(path, 10, NULL);
	capture_config_defaults(&cfg);
	cfg.filter = "tcp";
	struct capture_stats st = read_file(path, &cfg, &g);
	assert_int_equal(st.packets, 3);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.pkts[0]->flow.transport, TRANSPORT_TCP);
	got_clear(&g);

	cfg.filter = "bogus ((";
	assert_null(capture_open_file(path, &cfg, err, sizeof err));
	assert_true(strncmp(err, "bad filter 'bogus ((': ", 23) == 0);
}

/* A ring of a few records and a slow reader: the file reader waits, nothing is lost. */
static void test_small_queue_never_drops_offline(void **state)
{
	(void)state;
	static struct expect e;
	static struct got g;
	struct capture_config cfg;
	char err[256];
	const char *path = tmp_path("slow.pcap");

	write_scenario(path, 200, &e);
	capture_config_defaults(&cfg);
	struct capture_source *s = capture_open_file(path, &cfg, err, sizeof err);
	assert_non_null(s);
	struct pkt_ring *q = pkt_ring_new(PKT_RING_MIN_BYTES); /* a few records */
	assert_true(capture_start(s, q, err, sizeof err));
	for (;;) {
		struct sip_packet *p = packet_sink_pop(q, 1000);
		if (!p) {
			if (pkt_ring_is_drained(q))
				break;
			continue;
		}
		g.pkts[g.n++] = p;
		if (g.n % 20 == 0)
			usleep(2000);
	}
	capture_join(s);
	struct capture_stats st;
	capture_get_stats(s, &st);
	assert_int_equal(st.dropped_queue, 0);
	same_packets(&g, &e);
	capture_close(s);
	pkt_ring_free(q);
	got_clear(&g);
	expect_clear(&e);
}

/* A record larger than the ring can take is counted as a queue drop, and the
 * file goes on (app/run.c sizes the ring so that this cannot happen). */
static void test_record_larger_than_ring(void **state)
{
	(void)state;
	static struct got g;
	static char big[3000];
	struct capture_config cfg;
	struct frame_spec sp;
	char err[256];
	const char *path = tmp_path("big.pcap");
	struct pcap_writer *w = pcap_writer_open_mem(LINK_ETHERNET);
	const char *small = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: small\r\n\r\n";

	frame_spec_init(&sp, LINK_ETHERNET, "10.1.1.1:5060", "10.1.1.2:5060", TRANSPORT_UDP);
	memset(big, 'x', sizeof big);
	memcpy(big, "OPTIONS sip:big@b SIP/2.0\r\n\r\n", 30);
	assert_true(frame_write(w, T0, &sp, small, strlen(small)));
	assert_true(frame_write(w, T0 + 1000, &sp, big, sizeof big));
	assert_true(frame_write(w, T0 + 2000, &sp, small, strlen(small)));
	size_t len;
	const uint8_t *data = pcap_writer_data(w, &len);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
	pcap_writer_close(w);

	capture_config_defaults(&cfg);
	assert_true(capture_max_record(&cfg) >= sip_packet_size(UINT16_MAX));
	assert_true(capture_max_record(&cfg) >= sip_packet_size((uint32_t)cfg.decoder.max_tcp_stream_bytes));
	struct capture_source *s = capture_open_file(path, &cfg, err, sizeof err);
	assert_non_null(s);
	struct pkt_ring *q = pkt_ring_new(PKT_RING_MIN_BYTES);
	assert_true(sip_packet_size(sizeof big) > pkt_ring_max_record(q));
	assert_true(capture_start(s, q, err, sizeof err));
	drain(q, &g);
	capture_join(s);
	struct capture_stats st;
	capture_get_stats(s, &st);
	assert_int_equal(st.sip_candidates, 3);
	assert_int_equal(st.dropped_queue, 1);
	assert_int_equal(g.n, 2);
	assert_true(contains(g.pkts[0], "Call-ID: small") && contains(g.pkts[1], "Call-ID: small"));
	capture_close(s);
	pkt_ring_free(q);
	got_clear(&g);
}

/* Nobody reads: capture_stop still ends the thread promptly. */
static void test_stop_while_queue_full(void **state)
{
	(void)state;
	struct capture_config cfg;
	char err[256];
	const char *path = tmp_path("stop.pcap");

	write_scenario(path, 300, NULL);
	capture_config_defaults(&cfg);
	struct capture_source *s = capture_open_file(path, &cfg, err, sizeof err);
	struct pkt_ring *q = pkt_ring_new(PKT_RING_MIN_BYTES); /* a few records */
	assert_true(capture_start(s, q, err, sizeof err));
	usleep(50000);
	struct capture_stats st;
	capture_get_stats(s, &st);
	assert_false(st.finished);
	double t = now_s();
	capture_stop(s);
	capture_join(s);
	assert_true(now_s() - t < STOP_BOUND_S);
	capture_get_stats(s, &st);
	assert_true(st.finished);
	assert_false(st.failed);
	assert_true(st.packets < 300);
	struct sip_packet *p;
	while ((p = packet_sink_pop(q, 0)))
		sip_packet_free(p);
	assert_true(pkt_ring_is_drained(q));
	capture_close(s);
	pkt_ring_free(q);
}

static void test_stdin(void **state)
{
	(void)state;
	static struct expect e;
	static struct got g;
	struct capture_config cfg;
	char err[256];
	const char *path = tmp_path("stdin.pcap");

	write_scenario(path, 5, &e);
	assert_non_null(freopen(path, "rb", stdin));
	capture_config_defaults(&cfg);
	struct capture_source *s = capture_open_file("-", &cfg, err, sizeof err);
	assert_non_null(s);
	assert_string_equal(capture_name(s), "stdin");
	assert_false(capture_is_live(s));
	capture_close(s); /* never closes stdin itself */
	rewind(stdin);
	read_file("-", &cfg, &g);
	same_packets(&g, &e);
	got_clear(&g);
	expect_clear(&e);
}

static void test_default_filter_compiles(void **state)
{
	(void)state;
	struct decoder_config dc;
	char f[2048];

	decoder_config_defaults(&dc);
	assert_true(capture_default_filter(&dc, false, f, sizeof f));
	assert_string_equal(f, "(((udp or tcp) and (port 5060 or port 5061 or port 9060)) or "
			       "(ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44) or "
			       "(udp and (dst port 4789 or dst port 8472 or dst port 6081)) or "
			       "ip proto 4 or ip proto 41 or ip proto 47 or ip proto 132 or "
			       "ip6 proto 4 or ip6 proto 41 or ip6 proto 47 or ip6 proto 132)");
	static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_RAW, DLT_NULL};
	for (int vlan = 0; vlan < 2; vlan++) {
		assert_true(capture_default_filter(&dc, vlan, f, sizeof f));
		for (size_t i = 0; i < 4; i++) {
			if (vlan && dlts[i] != DLT_EN10MB)
				continue;
			pcap_t *p = pcap_open_dead(dlts[i], 65535);
			struct bpf_program prog;
			int rc = pcap_compile(p, &prog, f, 1, PCAP_NETMASK_UNKNOWN);
			if (rc != 0)
				print_message("dlt %d: %s\n", dlts[i], pcap_geterr(p));
			assert_int_equal(rc, 0);
			pcap_freecode(&prog);
			pcap_close(p);
		}
	}
	dc.n_sip_ports = DECODER_MAX_PORTS;
	for (size_t i = 0; i < DECODER_MAX_PORTS; i++)
		dc.sip_ports[i] = (uint16_t)(10000 + i);
	assert_true(capture_default_filter(&dc, true, f, sizeof f));
	assert_false(capture_default_filter(&dc, true, f, 100));
}

static void test_live_errors(void **state)
{
	(void)state;
	struct capture_config cfg;
	char err[256] = "";

	capture_config_defaults(&cfg);
	assert_null(capture_open_live("nosuchif0", &cfg, err, sizeof err));
	print_message("error: %s\n", err);
	assert_non_null(strstr(err, "'nosuchif0'"));
}

/* Live on loopback, when this process may capture: a datagram sent to
 * 127.0.0.1:5060 comes out of the ring; stop is prompt. */
static void test_live_loopback(void **state)
{
	(void)state;
	struct capture_config cfg;
	char err[256] = "";
	char msg[128];

	capture_config_defaults(&cfg);
	struct capture_source *s = capture_open_live("lo", &cfg, err, sizeof err);
	if (!s) {
		print_message("live capture not possible here: %s\n", err);
		skip();
	}
	assert_true(capture_is_live(s));
	struct pkt_ring *q = pkt_ring_new(1u << 20);
	assert_true(capture_start(s, q, err, sizeof err));
	usleep(100000);
	snprintf(msg, sizeof msg, "OPTIONS sip:lo SIP/2.0\r\nCall-ID: live-%d\r\n\r\n",
		 (int)getpid());
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(5060)};
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bool found = false;
	double start = now_s();
	while (!found && now_s() - start < 5) {
		sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof to);
		struct sip_packet *p;
		while ((p = packet_sink_pop(q, 200))) {
			if (p->len == strlen(msg) && memcmp(p->data, msg, p->len) == 0)
				found = true;
			sip_packet_free(p);
		}
	}
	close(fd);
	assert_true(found);
	struct capture_stats st;
	capture_get_stats(s, &st);
	assert_true(st.packets >= 1);
	assert_false(st.finished);
	double t = now_s();
	capture_stop(s);
	capture_join(s);
	assert_true(now_s() - t < STOP_BOUND_S);
	capture_get_stats(s, &st);
	assert_true(st.finished);
	assert_false(st.failed);
	struct sip_packet *p;
	while ((p = packet_sink_pop(q, 0)))
		sip_packet_free(p);
	capture_close(s);
	pkt_ring_free(q);
}

/* Live on loopback, one datagram on an otherwise quiet wire: it is delivered
 * without more traffic to push it along (the ring hands over a partly filled
 * block after its timeout), and a stop on the quiet wire that follows ends the
 * thread (it waits in poll() with a timeout, not in a read that never returns). */
static void test_live_single_packet_then_quiet(void **state)
{
	(void)state;
	struct capture_config cfg;
	char err[256] = "";
	char msg[128];

	capture_config_defaults(&cfg);
	cfg.filter = "udp and dst port 5097 and host 127.0.0.1";
	struct capture_source *s = capture_open_live("lo", &cfg, err, sizeof err);
	if (!s) {
		print_message("live capture not possible here: %s\n", err);
		skip();
	}
	struct pkt_ring *q = pkt_ring_new(1u << 20);
	assert_true(capture_start(s, q, err, sizeof err));
	usleep(100000);
	snprintf(msg, sizeof msg, "OPTIONS sip:lo SIP/2.0\r\nCall-ID: single-%d\r\n\r\n",
		 (int)getpid());
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(5097)};
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof to),
			 (ssize_t)strlen(msg));
	close(fd);
	bool found = false;
	double start = now_s(), at = 0;
	struct sip_packet *p;
	while (!found && now_s() - start < 30) { /* a bound for a hang, not a latency check */
		if (!(p = packet_sink_pop(q, 200)))
			continue;
		if (p->len == strlen(msg) && memcmp(p->data, msg, p->len) == 0) {
			found = true;
			at = now_s();
		}
		sip_packet_free(p);
	}
	assert_true(found);
	print_message("single datagram delivered after %.3f s\n", at - start);
	/* Quiet now: the thread must still notice the stop. */
	usleep(300000);
	struct capture_stats st;
	capture_get_stats(s, &st);
	assert_false(st.finished);
	double t = now_s();
	capture_stop(s);
	capture_join(s);
	print_message("stopped on a quiet wire after %.3f s\n", now_s() - t);
	capture_get_stats(s, &st);
	assert_true(st.finished);
	assert_false(st.failed);
	while ((p = packet_sink_pop(q, 0)))
		sip_packet_free(p);
	capture_close(s);
	pkt_ring_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_same_candidates_as_decoder),
		cmocka_unit_test(test_truncated_file_keeps_what_came_before),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_pcapng),
		cmocka_unit_test(test_max_packets_and_write),
		cmocka_unit_test(test_offline_filter),
		cmocka_unit_test(test_small_queue_never_drops_offline),
		cmocka_unit_test(test_record_larger_than_ring),
		cmocka_unit_test(test_stop_while_queue_full),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_default_filter_compiles),
		cmocka_unit_test(test_live_errors),
		cmocka_unit_test(test_live_loopback),
		cmocka_unit_test(test_live_single_packet_then_quiet),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
