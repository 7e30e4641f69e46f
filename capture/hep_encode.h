/* hep_encode: builds one HEP v3 packet (the Homer Encapsulation Protocol,
 * HEP3 draft, sipcapture.org) from plain values.  A leaf: no I/O, no state.
 *
 * Layout: "HEP3", total length (u16, network order), then chunks, each
 * vendor id (u16, 0 = generic), type (u16), length (u16, header included)
 * and the value.  Chunks written: 1 IP family, 2 IP protocol, 3/4 or 5/6
 * IPv4/IPv6 source/destination, 7/8 ports, 9/10 time (seconds and
 * microseconds), 11 protocol type (1 SIP, 100 log), 12 capture agent id,
 * 14 authentication key (when a password is given), 15 payload and 17
 * correlation id (when given). */
#ifndef SIPWATCH_HEP_ENCODE_H
#define SIPWATCH_HEP_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/packet.h"

#define HEP_ENCODE_MAX 65535 /* the total length is a u16 */

enum hep_encode_proto {
	HEP_PROTO_SIP = 1,
	HEP_PROTO_LOG = 100,
};

struct hep_encode_msg {
	struct net_addr src, dst; /* same family (4 or 6); family 0 = 0.0.0.0 */
	uint8_t ip_proto;         /* 17 UDP, 6 TCP */
	int64_t ts_us;            /* capture time, microseconds since the epoch */
	uint8_t proto_type;       /* enum hep_encode_proto */
	uint32_t agent_id;
	const char *password;     /* NULL = no auth key chunk */
	const uint8_t *payload;
	size_t payload_len;
	const char *correlation;  /* NULL = no correlation chunk (Call-ID) */
};

/* Writes the packet into out (cap bytes).  Returns its length, or 0 when it
 * does not fit in cap or in HEP_ENCODE_MAX. */
size_t hep_encode(uint8_t *out, size_t cap, const struct hep_encode_msg *m);

#endif
