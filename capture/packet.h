/* packet: the plain value the capture side hands to the analyzer.
 *
 * One record per SIP message candidate: a UDP payload, or one Content-Length
 * framed message cut out of a reassembled TCP stream.  The record and its
 * payload are contiguous: in the capture → analyzer ring (app/run.c) or, in
 * tests and tools, one allocation owned by whoever holds the pointer. */
#ifndef SIPWATCH_PACKET_H
#define SIPWATCH_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "[ffff:...:ffff]:65535" plus NUL fits. */
#define ENDPOINT_STR_MAX 56

/* Microseconds since the Unix epoch; TS_NONE marks an absent time. */
#define TS_NONE INT64_MIN
#define USEC_PER_SEC 1000000LL

enum transport {
	TRANSPORT_UDP = 0,
	TRANSPORT_TCP = 1,
	TRANSPORT_TLS = 2, /* SIP decrypted from TLS over TCP */
	TRANSPORT_WS = 3,  /* SIP over WebSocket (RFC 7118) */
	TRANSPORT_WSS = 4, /* SIP over WebSocket inside TLS */
	TRANSPORT_SCTP = 5, /* RFC 4168 */
};
#define TRANSPORT_COUNT 6

/* TCP underneath: TLS, WS and WSS are read from TCP streams (not UDP, SCTP). */
bool transport_is_stream(enum transport t);

struct net_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t ip[16]; /* IPv4 in the first 4 bytes */
	uint16_t port;
};

struct flow {
	struct net_addr src;
	struct net_addr dst;
	enum transport transport;
};

/* What identified the packet that carried a message on the wire: a mirror
 * duplicate repeats it, a retransmission by the sender does not. */
enum sip_wire_kind {
	SIP_WIRE_NONE = 0,
	SIP_WIRE_IPV4_ID, /* the innermost IPv4 identification (when not 0) */
	SIP_WIRE_TCP_SEQ, /* the sequence number of the message's first byte */
	SIP_WIRE_SCTP_TSN, /* the TSN of the DATA chunk */
};

struct sip_wire {
	uint8_t kind; /* enum sip_wire_kind */
	uint32_t id;
};

struct sip_packet {
	int64_t ts_us;
	struct flow flow;
	bool hep;            /* came as HEP (capture/hep.c): flow and time are HEP's own */
	bool hep_has_agent;
	uint32_t hep_agent_id; /* the HEP capture agent id, when hep_has_agent */
	struct sip_wire wire;
	uint32_t len;
	uint8_t data[]; /* len bytes, not NUL-terminated */
};

/* A record's header for len payload bytes, not yet anywhere: the decoders fill
 * one on the stack and hand it with the payload to their sink, which copies
 * both where it keeps them (the capture thread: the packet ring, issue 20). */
void sip_packet_init(struct sip_packet *p, int64_t ts_us, const struct flow *flow, uint32_t len);
/* Bytes a record with len payload bytes takes. */
static inline size_t sip_packet_size(uint32_t len)
{
	return sizeof(struct sip_packet) + len;
}
/* Copies hdr and its len payload bytes at data into p (sip_packet_size bytes). */
void sip_packet_copy(struct sip_packet *p, const struct sip_packet *hdr, const uint8_t *data);

/* Allocates a record with room for len payload bytes and copies them in
 * (tests and tools; the capture path copies into the ring instead). */
struct sip_packet *sip_packet_new(int64_t ts_us, const struct flow *flow, const uint8_t *data,
				  uint32_t len);
/* An allocated copy of hdr and its payload at data. */
struct sip_packet *sip_packet_dup(const struct sip_packet *hdr, const uint8_t *data);
void sip_packet_free(struct sip_packet *p);

/* "1.2.3.4:5060" or "[::1]:5060". */
void net_addr_format(const struct net_addr *a, char *buf, size_t n);
bool net_addr_equal(const struct net_addr *a, const struct net_addr *b);
const char *transport_name(enum transport t);

#endif
