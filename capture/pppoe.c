/* pppoe: PPP over Ethernet session stage (RFC 2516 section 4) and the PPP
 * header itself (RFC 1661 section 2, RFC 1662 for the HDLC-like framing).
 *
 * PPPoE session (Ethernet 0x8864): version 1 and type 1 in one byte, code 0,
 * session id, payload length (bounds the PPP frame; Ethernet padding is cut),
 * then the PPP protocol.  PPP inside GRE (PPTP, 0x880B) may keep the address
 * and control bytes (0xFF 0x03) and may compress the protocol to one byte
 * (RFC 1661 6.5: an odd first byte is a one-byte protocol; seen in PPPoE
 * too, though RFC 2516 7 advises against it).  PPP protocols
 * 0x0021 (IPv4) and 0x0057 (IPv6) go on; discovery packets and PPP control
 * protocols are not SIP. */
#include "capture/tunnel.h"

#include "common/bytes.h"

#define PPPOE_HEADER 6
#define PPPOE_VER_TYPE 0x11
#define PPPOE_CODE_SESSION 0x00

/* The PPP header from r: address and control if present, a protocol of one
 * byte (compressed: odd) or two.  Returns what follows. */
static enum decode_status ppp_header(struct decode_pkt *pkt, struct reader *r, size_t end)
{
	const uint8_t *ac = reader_peek(r, 2);

	if (ac && ac[0] == 0xff && ac[1] == 0x03)
		reader_skip(r, 2);
	uint16_t proto = reader_u8(r);
	if (!(proto & 1))
		proto = (uint16_t)(proto << 8 | reader_u8(r));
	if (r->truncated || r->off > end)
		return DECODE_INVALID;
	return decode_next(pkt, DECODE_KEY_PPP, proto, r->data + r->off, end - r->off);
}

enum decode_status pppoe_layer(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	(void)env;
	reader_init(&r, pkt->data, pkt->len);
	uint8_t vt = reader_u8(&r);
	uint8_t code = reader_u8(&r);
	reader_skip(&r, 2); /* session id */
	size_t plen = reader_be16(&r);
	if (r.truncated)
		return DECODE_TRUNCATED;
	if (vt != PPPOE_VER_TYPE || code != PPPOE_CODE_SESSION)
		return DECODE_INVALID;
	if (plen > pkt->len - PPPOE_HEADER)
		return DECODE_TRUNCATED;
	return ppp_header(pkt, &r, PPPOE_HEADER + plen);
}

enum decode_status ppp_layer(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	(void)env;
	reader_init(&r, pkt->data, pkt->len);
	return ppp_header(pkt, &r, pkt->len);
}
