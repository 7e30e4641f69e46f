/* gen_flood: captures that would grow memory without limits, for
 * tests/e2e/flood.sh.
 *
 * Usage: gen_flood KIND N OUT.pcap
 *   invites  N INVITEs never answered, each a new Call-ID, from 4096 source
 *            addresses and 1000 user agents, 20 µs apart (all within the
 *            32 s no-answer window, so only --max-dialogs bounds them)
 *   retrans  one INVITE sent N times, 60 ms apart (past the 50 ms mirror-
 *            duplicate window, so each one is a retransmission)
 *   frags    N first fragments of datagrams that never complete, 10 µs apart
 *   tcp      N TCP connections that send half a SIP header and never close,
 *            then one connection sending N header lines that never end */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/frames.h"
#include "tests/support/pcap_writer.h"

#define T0 1700000000000000LL

static void flood_die(const char *what)
{
	fprintf(stderr, "gen_flood: %s\n", what);
	exit(1);
}

static size_t flood_invite(char *out, size_t cap, unsigned long i, const char *cid, unsigned agent)
{
	int n = snprintf(out, cap,
			 "INVITE sip:bob@10.255.0.1 SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK%lu\r\n"
			 "From: <sip:alice@10.0.0.1>;tag=%lu\r\n"
			 "To: <sip:bob@10.255.0.1>\r\n"
			 "Call-ID: %s\r\n"
			 "CSeq: 1 INVITE\r\n"
			 "Contact: <sip:alice@10.0.0.1:5060>\r\n"
			 "User-Agent: flood/%u\r\n"
			 "Session-Expires: 90;refresher=uac\r\n"
			 "Supported: timer\r\n"
			 "Content-Length: 0\r\n\r\n",
			 i, i, cid, agent);
	if (n < 0 || (size_t)n >= cap)
		flood_die("message too long");
	return (size_t)n;
}

static void flood_invites(struct pcap_writer *w, unsigned long n)
{
	char msg[1024], cid[64], src[64];
	struct frame_spec s;

	for (unsigned long i = 0; i < n; i++) {
		snprintf(cid, sizeof cid, "flood-%lu@10.0.0.1", i);
		snprintf(src, sizeof src, "10.1.%lu.%lu:5060", (i >> 8) & 15, i & 255);
		frame_spec_init(&s, LINK_ETHERNET, src, "10.255.0.1:5060", TRANSPORT_UDP);
		size_t len = flood_invite(msg, sizeof msg, i, cid, (unsigned)(i % 1000));
		if (!frame_write(w, T0 + (int64_t)i * 20, &s, msg, len))
			flood_die("write");
	}
}

static void flood_retrans(struct pcap_writer *w, unsigned long n)
{
	char msg[1024];
	struct frame_spec s;

	frame_spec_init(&s, LINK_ETHERNET, "10.0.0.1:5060", "10.255.0.1:5060", TRANSPORT_UDP);
	size_t len = flood_invite(msg, sizeof msg, 1, "retrans-1@10.0.0.1", 1);
	for (unsigned long i = 0; i < n; i++)
		if (!frame_write(w, T0 + (int64_t)i * 60000, &s, msg, len))
			flood_die("write");
}

static void flood_frags(struct pcap_writer *w, unsigned long n)
{
	static uint8_t ip[4096], frame[FRAME_MAX];
	char msg[3000];
	struct frame_spec s;
	struct frame_fragments f;

	frame_spec_init(&s, LINK_ETHERNET, "10.0.0.1:5060", "10.255.0.1:5060", TRANSPORT_UDP);
	size_t len = flood_invite(msg, sizeof msg, 0, "frag@10.0.0.1", 0);
	memset(msg + len, 'x', sizeof msg - len); /* a 3000-byte datagram */
	for (unsigned long i = 0; i < n; i++) {
		s.ip_id = (uint16_t)i;
		/* a new source address every 65536 ids keeps every key distinct */
		s.flow.src.ip[2] = (uint8_t)(i >> 16);
		size_t iplen = frame_build_ip(&s, msg, sizeof msg, ip, sizeof ip);
		if (!iplen || !frame_fragment(ip, iplen, 1400, (uint32_t)i, &f))
			flood_die("fragment");
		size_t fl = frame_wrap(&s, f.pkt[0], f.len[0], frame, sizeof frame);
		frame_fragments_free(&f);
		if (!fl || !pcap_writer_add(w, T0 + (int64_t)i * 10, frame, fl))
			flood_die("write");
	}
}

static void flood_tcp(struct pcap_writer *w, unsigned long n)
{
	static const char half[] = "INVITE sip:bob@10.255.0.1 SIP/2.0\r\n"
				   "Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bKhalf\r\n"
				   "From: <sip:alice@10.0.0.1>;tag=1\r\nTo: <sip:bob@10.255.0.1>\r\n"
				   "Call-ID: half-open\r\nX-Padding: ";
	char src[64], line[128];
	struct frame_spec s;
	int64_t ts = T0;

	for (unsigned long i = 0; i < n; i++) {
		snprintf(src, sizeof src, "10.2.%lu.%lu:%lu", (i >> 8) & 255, i & 255, 20000 + (i >> 16));
		frame_spec_init(&s, LINK_ETHERNET, src, "10.255.0.1:5060", TRANSPORT_TCP);
		s.tcp_seq = 1;
		s.tcp_flags = FRAME_TCP_SYN;
		if (!frame_write_next(w, ts, &s, "", 0))
			flood_die("write");
		s.tcp_flags = 0;
		if (!frame_write_next(w, ts + 5, &s, half, sizeof half - 1))
			flood_die("write");
		ts += 10;
	}
	/* one endless header */
	frame_spec_init(&s, LINK_ETHERNET, "10.3.0.1:30000", "10.255.0.1:5060", TRANSPORT_TCP);
	s.tcp_seq = 1;
	if (!frame_write_next(w, ts, &s, half, sizeof half - 1))
		flood_die("write");
	memset(line, 'a', sizeof line);
	memcpy(line, "X-More: ", 8);
	memcpy(line + sizeof line - 2, "\r\n", 2);
	for (unsigned long i = 0; i < n; i++)
		if (!frame_write_next(w, ts + 10 + (int64_t)i * 10, &s, line, sizeof line))
			flood_die("write");
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: gen_flood invites|retrans|frags|tcp N OUT.pcap\n");
		return 2;
	}
	char *end;
	unsigned long n = strtoul(argv[2], &end, 10);
	if (*end || n == 0 || n > 10000000)
		flood_die("bad N");
	struct pcap_writer *w = pcap_writer_open(argv[3], LINK_ETHERNET);
	if (!w)
		flood_die("cannot create output");
	if (strcmp(argv[1], "invites") == 0)
		flood_invites(w, n);
	else if (strcmp(argv[1], "retrans") == 0)
		flood_retrans(w, n);
	else if (strcmp(argv[1], "frags") == 0)
		flood_frags(w, n);
	else if (strcmp(argv[1], "tcp") == 0)
		flood_tcp(w, n);
	else
		flood_die("unknown kind");
	return pcap_writer_close(w) ? 0 : 1;
}
