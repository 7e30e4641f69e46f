/* gre: Generic Routing Encapsulation, RFC 2784 with the key and sequence
 * number extensions of RFC 2890, and the enhanced GRE of PPTP (RFC 2637 4.1).
 *
 * Version 0: C (checksum and reserved1 present), K (4-byte key), S (4-byte
 * sequence number), then the payload of the protocol type.  The protocol
 * type is an Ethernet type (RFC 2784 2.4): IPv4, IPv6, 0x6558 transparent
 * Ethernet bridging (GRETAP), 0x88BE ERSPAN (type I without a sequence
 * number, type II with one), 0x22EB ERSPAN type III, 0x8847 MPLS.  The
 * RFC 1701 routing bit (R) is not decoded.
 * Version 1 (PPTP): K is required (payload length, call id), S and A
 * (acknowledgment) optional, the payload is PPP (0x880B). */
#include "capture/tunnel.h"

#include "common/bytes.h"

#define GRE_C 0x8000
#define GRE_R 0x4000
#define GRE_K 0x2000
#define GRE_S 0x1000
#define GRE_A 0x0080 /* version 1 only */
#define GRE_VERSION 0x0007
#define GRE_PROTO_ERSPAN_2 0x88be

enum decode_status gre_layer(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	(void)env;
	reader_init(&r, pkt->data, pkt->len);
	uint16_t flags = reader_be16(&r);
	uint32_t proto = reader_be16(&r);
	unsigned version = flags & GRE_VERSION;
	if (r.truncated)
		return DECODE_INVALID;
	if ((flags & GRE_R) || version > 1)
		return decode_unsupported(pkt, DECODER_WHY_ENCAP);
	if (version == 1 && !(flags & GRE_K))
		return DECODE_INVALID; /* RFC 2637 4.1: the key is always present */
	if (flags & GRE_C)
		reader_skip(&r, 4); /* checksum, reserved1: checksum not verified */
	if (flags & GRE_K)
		reader_skip(&r, 4);
	if (flags & GRE_S)
		reader_skip(&r, 4);
	if (version == 1 && (flags & GRE_A))
		reader_skip(&r, 4);
	if (r.truncated)
		return DECODE_INVALID;
	if (proto == GRE_PROTO_ERSPAN_2 && !(flags & GRE_S))
		proto = TUNNEL_GRE_ERSPAN_I;
	return decode_next(pkt, DECODE_KEY_GRE, proto, pkt->data + r.off, pkt->len - r.off);
}
