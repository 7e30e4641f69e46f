/* erspan: Cisco's Encapsulated Remote SPAN, as carried by GRE
 * (draft-foschiano-erspan-03, the reference Wireshark and Linux follow).
 *
 * Type I: GRE protocol 0x88BE without a GRE sequence number, no ERSPAN
 * header: the mirrored Ethernet frame follows GRE directly.
 * Type II: 0x88BE with a sequence number, an 8-byte header (version 1,
 * VLAN, CoS, encapsulation, truncation flag, session id, index).
 * Type III: 0x22EB, a 12-byte header (version 2, VLAN, CoS, BSO, T, session
 * id, timestamp, SGT, P, frame type, hardware id, direction, granularity,
 * O) followed, when O is set, by an 8-byte platform-specific sub-header.
 * Frame type 0 is Ethernet, 2 an IP packet. */
#include "capture/tunnel.h"

#include "common/bytes.h"

#define ERSPAN_2_HEADER 8
#define ERSPAN_3_HEADER 12
#define ERSPAN_3_PLATFORM 8
#define ERSPAN_VERSION_2 1 /* the version field of type II */
#define ERSPAN_VERSION_3 2
#define ERSPAN_3_FT_ETHERNET 0
#define ERSPAN_3_FT_IP 2

enum decode_status erspan_layer_1(const struct decode_env *env, struct decode_pkt *pkt)
{
	(void)env;
	return decode_next(pkt, DECODE_KEY_LINK, LINK_ETHERNET, pkt->data, pkt->len);
}

enum decode_status erspan_layer_2(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	(void)env;
	reader_init(&r, pkt->data, pkt->len);
	uint16_t ver_vlan = reader_be16(&r);
	reader_skip(&r, ERSPAN_2_HEADER - 2);
	if (r.truncated)
		return DECODE_INVALID;
	if (ver_vlan >> 12 != ERSPAN_VERSION_2)
		return decode_unsupported(pkt, DECODER_WHY_ENCAP);
	return decode_next(pkt, DECODE_KEY_LINK, LINK_ETHERNET, pkt->data + r.off,
			   pkt->len - r.off);
}

enum decode_status erspan_layer_3(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	(void)env;
	reader_init(&r, pkt->data, pkt->len);
	uint16_t ver_vlan = reader_be16(&r);
	reader_skip(&r, 2 + 4 + 2); /* CoS .. session id, timestamp, SGT */
	uint16_t last = reader_be16(&r); /* P, FT(5), HW id(6), D, Gra(2), O */
	if (r.truncated)
		return DECODE_INVALID;
	if (ver_vlan >> 12 != ERSPAN_VERSION_3)
		return decode_unsupported(pkt, DECODER_WHY_ENCAP);
	if (last & 1)
		reader_skip(&r, ERSPAN_3_PLATFORM);
	if (r.truncated)
		return DECODE_INVALID;
	unsigned ft = (last >> 10) & 0x1f;
	const uint8_t *p = pkt->data + r.off;
	size_t n = pkt->len - r.off;
	if (ft == ERSPAN_3_FT_ETHERNET)
		return decode_next(pkt, DECODE_KEY_LINK, LINK_ETHERNET, p, n);
	if (ft == ERSPAN_3_FT_IP)
		return decode_next(pkt, DECODE_KEY_IP, 0, p, n);
	return decode_unsupported(pkt, DECODER_WHY_ENCAP);
}
