/* mpls: an MPLS label stack, RFC 3032 section 2.1.
 *
 * 4-byte entries: label (20 bits), traffic class (3), S = bottom of stack
 * (1), TTL (8).  What follows the bottom entry is not labelled; like every
 * mirror decoder, look at the first nibble: 4 or 6 is IP, 0 is the RFC 4385
 * pseudowire control word in front of an Ethernet frame (RFC 4448).
 * Carried by Ethernet 0x8847/0x8848, GRE 0x8847 and IP protocol 137. */
#include "capture/tunnel.h"

#include "common/bytes.h"

#define MPLS_ENTRY 4
#define MPLS_MAX_LABELS 16 /* deeper stacks are absurd */
#define MPLS_BOTTOM 0x100u
#define MPLS_PW_CONTROL_WORD 4

enum decode_status mpls_layer(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	(void)env;
	reader_init(&r, pkt->data, pkt->len);
	for (int n = 0;; n++) {
		if (n == MPLS_MAX_LABELS)
			return DECODE_INVALID;
		uint32_t entry = reader_be32(&r);
		if (r.truncated)
			return DECODE_TRUNCATED;
		if (entry & MPLS_BOTTOM)
			break;
	}
	const uint8_t *p = reader_peek(&r, 1);
	if (!p)
		return DECODE_TRUNCATED;
	switch (p[0] >> 4) {
	case 4:
	case 6:
		return decode_next(pkt, DECODE_KEY_IP, 0, p, reader_left(&r));
	case 0:
		reader_skip(&r, MPLS_PW_CONTROL_WORD);
		if (r.truncated)
			return DECODE_TRUNCATED;
		return decode_next(pkt, DECODE_KEY_LINK, LINK_ETHERNET, pkt->data + r.off,
				   reader_left(&r));
	default:
		return decode_unsupported(pkt, DECODER_WHY_ENCAP);
	}
}
