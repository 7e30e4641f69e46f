/* frames: builders for the frames sipwatch decodes, for tests and scenario tools.
 *
 * A struct frame_spec says how to wrap a payload: link type (with VLAN tags),
 * addresses and ports (struct flow; IPv4 or IPv6 by family), UDP or TCP (with
 * sequence number and flags) and IPv6 extension headers.  Checksums are
 * correct, so the files open cleanly in Wireshark too.
 *
 *   struct frame_spec s;
 *   frame_spec_init(&s, LINK_ETHERNET, "10.0.0.1:5060", "10.0.0.2:5060", TRANSPORT_UDP);
 *   size_t n = frame_build(&s, (const uint8_t *)msg, strlen(msg), buf, sizeof buf);
 *   pcap_writer_add(w, ts_us, buf, n);
 * or in one step:  frame_write(w, ts_us, &s, msg, strlen(msg));
 */
#ifndef SIPWATCH_TEST_FRAMES_H
#define SIPWATCH_TEST_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"
#include "capture/packet.h"
#include "tests/support/pcap_writer.h"

#define FRAME_MAX 70000 /* enough for any IP packet plus link headers */
#define FRAME_MAX_VLAN 4
#define FRAME_MAX_EXT 4
#define FRAME_MAX_FRAGS 64

#define FRAME_TCP_FIN 0x01
#define FRAME_TCP_SYN 0x02
#define FRAME_TCP_RST 0x04
#define FRAME_TCP_PSH 0x08
#define FRAME_TCP_ACK 0x10

/* IPv6 extension header types frame_spec.ipv6_ext may hold. */
#define FRAME_IP6_HOPOPTS 0
#define FRAME_IP6_ROUTING 43
#define FRAME_IP6_AH 51
#define FRAME_IP6_DSTOPTS 60

struct frame_spec {
	int linktype;       /* LINK_* (a DLT value) */
	int vlan_tags;      /* Ethernet/SLL: 0..FRAME_MAX_VLAN tags */
	uint16_t vlan_tpid; /* type of the outer tags when vlan_tags > 1; 0 = 0x88a8 (QinQ) */
	uint16_t vlan_id;   /* 0 = 100 (inner tags count up from it) */
	struct flow flow;   /* family 4 or 6 decides the IP version */
	uint32_t tcp_seq;
	uint32_t tcp_ack;
	uint8_t tcp_flags;  /* FRAME_TCP_*; 0 = PSH|ACK */
	uint16_t ip_id;     /* IPv4 identification */
	uint8_t ttl;        /* 0 = 64 */
	int ipv6_ext;       /* IPv6: extension headers before UDP/TCP, 0..FRAME_MAX_EXT */
	uint8_t ipv6_ext_type[FRAME_MAX_EXT]; /* FRAME_IP6_*, in order */
	uint32_t loop_family; /* NULL/LOOP: 0 = 2 for IPv4, 24 for IPv6 */
	bool loop_swapped;    /* NULL/LOOP: write the family in the unexpected byte order */
};

/* Addresses "1.2.3.4:5060" or "[2001:db8::1]:5060".  false if unparsable. */
bool frame_flow(struct flow *f, const char *src, const char *dst, enum transport t);
/* Zeroes s and sets the link type and flow; aborts on an unparsable address. */
void frame_spec_init(struct frame_spec *s, int linktype, const char *src, const char *dst,
		     enum transport t);

/* The whole frame: link header, IP, UDP/TCP, payload.  Returns its length, or 0
 * if it does not fit in cap. */
size_t frame_build(const struct frame_spec *s, const void *payload, size_t len, uint8_t *out,
		   size_t cap);
/* Only the IP packet. */
size_t frame_build_ip(const struct frame_spec *s, const void *payload, size_t len,
		      uint8_t *out, size_t cap);
/* The link header for s in front of an IP packet (e.g. one fragment). */
size_t frame_wrap(const struct frame_spec *s, const uint8_t *ip, size_t iplen, uint8_t *out,
		  size_t cap);
size_t frame_link_header_len(const struct frame_spec *s);

/* An IP packet split into fragments (each a complete IP packet, malloc'ed). */
struct frame_fragments {
	size_t n;
	uint8_t *pkt[FRAME_MAX_FRAGS];
	size_t len[FRAME_MAX_FRAGS];
};

/* Splits an IPv4 or IPv6 packet into fragments carrying at most chunk bytes of
 * data each (rounded down to a multiple of 8).  ident is the IPv6 fragment
 * identification (IPv4 keeps its header's).  false if it needs more than
 * FRAME_MAX_FRAGS pieces or the packet is not IP. */
bool frame_fragment(const uint8_t *ip, size_t len, size_t chunk, uint32_t ident,
		    struct frame_fragments *out);
void frame_fragments_free(struct frame_fragments *f);

/* Builds and appends one frame to a capture. */
bool frame_write(struct pcap_writer *w, int64_t ts_us, const struct frame_spec *s,
		 const void *payload, size_t len);
/* Same, then advances s->tcp_seq past what was sent (payload, SYN, FIN). */
bool frame_write_next(struct pcap_writer *w, int64_t ts_us, struct frame_spec *s,
		      const void *payload, size_t len);
/* Each fragment of the packet s would carry, wrapped in s's link header, in order. */
bool frame_write_fragments(struct pcap_writer *w, int64_t ts_us, const struct frame_spec *s,
			   const void *payload, size_t len, size_t chunk);

#endif
