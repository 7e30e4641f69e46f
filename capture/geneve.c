/* geneve: Generic Network Virtualization Encapsulation, RFC 8926 section 3.4.
 *
 * After UDP (IANA port 6081): version (2 bits, must be 0), options length
 * (6 bits, in 4-byte words), O and C flags, the 16-bit protocol type of the
 * payload (an Ethernet type: 0x6558 for Ethernet, 0x0800 / 0x86DD for IP),
 * the 24-bit VNI and a reserved byte; then the options, which are skipped
 * whole (their length is bounded by the 6-bit field, so at most 252 bytes). */
#include "capture/tunnel.h"

#include "common/bytes.h"

#define GENEVE_HEADER 8

enum decode_status geneve_layer(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	(void)env;
	reader_init(&r, pkt->data, pkt->len);
	uint8_t ver_opt = reader_u8(&r);
	reader_skip(&r, 1); /* O, C, reserved */
	uint16_t proto = reader_be16(&r);
	reader_skip(&r, 4); /* VNI, reserved */
	reader_skip(&r, (size_t)(ver_opt & 0x3f) * 4);
	if (r.truncated)
		return DECODE_INVALID; /* options past the end of the UDP datagram */
	/* RFC 8926 3.4: a packet of an unknown version MUST be dropped. */
	if (ver_opt >> 6 != 0)
		return decode_unsupported(pkt, DECODER_WHY_ENCAP);
	return decode_next(pkt, DECODE_KEY_GRE, proto, pkt->data + r.off, pkt->len - r.off);
}
