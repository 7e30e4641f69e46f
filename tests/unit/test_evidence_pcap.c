/* test_evidence_pcap: a dialog's messages written as pcap and read back with
 * libpcap (pcap_open_offline): link type, addresses, ports, timestamps,
 * payloads, checksums, TCP sequence numbers, IPv6, what is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/evidence_pcap.h"

#define T0 (1700000000LL * USEC_PER_SEC)

static const char *const payloads[] = {
	"UPDATE sip:ucma@127.0.1.30:5060 SIP/2.0\r\nCSeq: 2 UPDATE\r\n\r\n",
	"SIP/2.0 200 OK\r\nCSeq: 2 UPDATE\r\n\r\n",
	"UPDATE sip:ucma@127.0.1.30:5060 SIP/2.0\r\nCSeq: 2 UPDATE\r\nX: retransmitted\r\n\r\n",
};

static void fill(struct message_record *m, size_t i, const char *src, const char *dst,
		 enum transport t)
{
	memset(m, 0, sizeof *m);
	m->id = i + 1;
	m->ts_us = T0 + (int64_t)i * 1500123;
	snprintf(m->src, sizeof m->src, "%s", src);
	snprintf(m->dst, sizeof m->dst, "%s", dst);
	m->transport = t;
	m->raw = (const uint8_t *)payloads[i % 3];
	m->raw_len = strlen(payloads[i % 3]);
}

static char *write_tmp(const struct message_record *msgs, size_t n, size_t *frames)
{
	static char path[64];
	char err[256] = "";
	int fd;

	snprintf(path, sizeof path, "/tmp/test_evidence_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	if (!evidence_pcap_save(path, msgs, n, frames, err, sizeof err))
		fail_msg("save: %s", err);
	return path;
}

static uint16_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The transport checksum verifies over the pseudo header. */
static void check_l4_sum(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
			 const uint8_t *l4, size_t len)
{
	uint32_t s = sum16(src, alen, 0);

	s += sum16(dst, alen, 0);
	s += proto + (uint32_t)len;
	assert_int_equal(sum16(l4, len, s), 0xffff);
}

static void test_udp_ipv4_roundtrip(void **state)
{
	struct message_record m[3];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t frames;
	pcap_t *p;
	char *path;

	(void)state;
	fill(&m[0], 0, "127.0.1.10:5060", "127.0.1.20:5060", TRANSPORT_UDP);
	fill(&m[1], 1, "127.0.1.20:5060", "127.0.1.10:5060", TRANSPORT_UDP);
	fill(&m[2], 2, "127.0.1.10:5060", "127.0.1.20:5060", TRANSPORT_UDP);
	path = write_tmp(m, 3, &frames);
	assert_int_equal(frames, 3);
	p = pcap_open_offline(path, errbuf);
	if (!p)
		fail_msg("pcap_open_offline: %s", errbuf);
	assert_int_equal(pcap_datalink(p), DLT_RAW);
	for (size_t i = 0; i < 3; i++) {
		size_t plen = strlen(payloads[i]);
		uint32_t a;

		assert_int_equal(pcap_next_ex(p, &h, &d), 1);
		assert_int_equal(h->ts.tv_sec, (m[i].ts_us) / USEC_PER_SEC);
		assert_int_equal(h->ts.tv_usec, (m[i].ts_us) % USEC_PER_SEC);
		assert_int_equal(h->caplen, 20 + 8 + plen);
		assert_int_equal(h->len, h->caplen);
		assert_int_equal(d[0], 0x45);
		assert_int_equal(d[9], 17);
		assert_int_equal(sum16(d, 20, 0), 0xffff); /* IP header checksum */
		memcpy(&a, d + 12, 4);
		assert_int_equal(ntohl(a), i == 1 ? 0x7f000114 : 0x7f00010a);
		memcpy(&a, d + 16, 4);
		assert_int_equal(ntohl(a), i == 1 ? 0x7f00010a : 0x7f000114);
		assert_int_equal(d[20] << 8 | d[21], 5060);
		assert_int_equal(d[22] << 8 | d[23], 5060);
		assert_int_equal(d[24] << 8 | d[25], 8 + plen);
		check_l4_sum(d + 12, d + 16, 4, 17, d + 20, 8 + plen);
		assert_memory_equal(d + 28, payloads[i], plen);
	}
	assert_int_equal(pcap_next_ex(p, &h, &d), PCAP_ERROR_BREAK);
	pcap_close(p);
	unlink(path);
}

static void test_tcp_sequence_numbers(void **state)
{
	struct message_record m[3];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	uint32_t seq[3], ack[3];
	size_t frames;
	pcap_t *p;
	char *path;

	(void)state;
	fill(&m[0], 0, "10.0.0.1:40000", "10.0.0.2:5060", TRANSPORT_TCP);
	fill(&m[1], 1, "10.0.0.2:5060", "10.0.0.1:40000", TRANSPORT_TCP);
	fill(&m[2], 2, "10.0.0.1:40000", "10.0.0.2:5060", TRANSPORT_TCP);
	path = write_tmp(m, 3, &frames);
	assert_int_equal(frames, 3);
	p = pcap_open_offline(path, errbuf);
	assert_non_null(p);
	for (size_t i = 0; i < 3; i++) {
		size_t plen = strlen(payloads[i]);

		assert_int_equal(pcap_next_ex(p, &h, &d), 1);
		assert_int_equal(d[9], 6);
		assert_int_equal(h->caplen, 20 + 20 + plen);
		assert_int_equal(d[20 + 13], 0x18); /* PSH|ACK */
		seq[i] = (uint32_t)d[24] << 24 | (uint32_t)d[25] << 16 | (uint32_t)d[26] << 8 | d[27];
		ack[i] = (uint32_t)d[28] << 24 | (uint32_t)d[29] << 16 | (uint32_t)d[30] << 8 | d[31];
		check_l4_sum(d + 12, d + 16, 4, 6, d + 20, 20 + plen);
		assert_memory_equal(d + 40, payloads[i], plen);
	}
	/* each direction runs on from its own last segment; acks follow the peer */
	assert_int_equal(seq[2], seq[0] + strlen(payloads[0]));
	assert_int_equal(ack[2], seq[1] + strlen(payloads[1]));
	assert_int_equal(ack[1], seq[2]);
	pcap_close(p);
	unlink(path);
}

static void test_ipv6_and_skipped(void **state)
{
	struct message_record m[4];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	uint8_t want[16];
	size_t frames, len, skipped;
	uint8_t *img;
	pcap_t *p;
	char *path;

	(void)state;
	fill(&m[0], 0, "[2001:db8::1]:5060", "[2001:db8::2]:5062", TRANSPORT_UDP);
	fill(&m[1], 1, "garbage", "10.0.0.1:5060", TRANSPORT_UDP);
	fill(&m[2], 2, "10.0.0.1:5060", "[2001:db8::2]:5060", TRANSPORT_UDP); /* mixed */
	fill(&m[3], 0, "10.0.0.1:99999", "10.0.0.2:5060", TRANSPORT_UDP);
	img = evidence_pcap_build(m, 4, &len, &skipped);
	assert_int_equal(skipped, 3);
	free(img);
	path = write_tmp(m, 4, &frames);
	assert_int_equal(frames, 1);
	p = pcap_open_offline(path, errbuf);
	assert_non_null(p);
	assert_int_equal(pcap_next_ex(p, &h, &d), 1);
	assert_int_equal(d[0] >> 4, 6);
	assert_int_equal(d[6], 17);
	inet_pton(AF_INET6, "2001:db8::2", want);
	assert_memory_equal(d + 24, want, 16);
	assert_int_equal(d[42] << 8 | d[43], 5062);
	check_l4_sum(d + 8, d + 24, 16, 17, d + 40, h->caplen - 40);
	assert_memory_equal(d + 48, payloads[0], strlen(payloads[0]));
	assert_int_equal(pcap_next_ex(p, &h, &d), PCAP_ERROR_BREAK);
	pcap_close(p);
	unlink(path);
}

static void test_file_name_and_endpoints(void **state)
{
	char name[EVIDENCE_PCAP_NAME_MAX];
	struct net_addr a;

	(void)state;
	evidence_pcap_file_name("u02-1-14299@127.0.1.10", name, sizeof name);
	assert_string_equal(name, "sipwatch-u02-1-14299.pcap");
	evidence_pcap_file_name("../../etc/passwd\x1b[2J", name, sizeof name);
	assert_null(strchr(name, '/'));
	assert_null(strchr(name, '\x1b'));
	assert_string_equal(name, "sipwatch-_._.._etc_passwd__2J.pcap");
	evidence_pcap_file_name("", name, sizeof name);
	assert_string_equal(name, "sipwatch-dialog.pcap");
	evidence_pcap_file_name("0123456789012345678901234567890123456789", name, sizeof name);
	assert_string_equal(name, "sipwatch-01234567890123456789012345678901.pcap");

	assert_true(evidence_pcap_parse_endpoint("1.2.3.4:5060", &a));
	assert_int_equal(a.family, 4);
	assert_int_equal(a.port, 5060);
	assert_true(evidence_pcap_parse_endpoint("[::1]:5061", &a));
	assert_int_equal(a.family, 6);
	assert_false(evidence_pcap_parse_endpoint("::1:5061", &a));
	assert_false(evidence_pcap_parse_endpoint("1.2.3.4:", &a));
	assert_false(evidence_pcap_parse_endpoint("1.2.3.4:-1", &a));
	assert_false(evidence_pcap_parse_endpoint("[1.2.3.4]:5060", &a));
	assert_false(evidence_pcap_parse_endpoint(NULL, &a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_ipv4_roundtrip),
		cmocka_unit_test(test_tcp_sequence_numbers),
		cmocka_unit_test(test_ipv6_and_skipped),
		cmocka_unit_test(test_file_name_and_endpoints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
