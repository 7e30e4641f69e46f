/* vxlan: Virtual eXtensible LAN, RFC 7348 section 5.
 *
 * An 8-byte header after UDP (IANA port 4789; Linux's pre-standard default
 * 8472; --vxlan-port adds more): flags (the I bit says the VNI is valid),
 * 24 reserved bits, the 24-bit VNI, 8 reserved bits; then an inner Ethernet
 * frame.  Cloud traffic mirroring (AWS VPC Traffic Mirroring, Azure vTAP)
 * delivers mirrored packets this way.  The VNI is not used: flows are told
 * apart by their inner addresses. */
#include "capture/tunnel.h"

#include "common/bytes.h"

#define VXLAN_HEADER 8
#define VXLAN_FLAG_I 0x08

enum decode_status vxlan_layer(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	(void)env;
	reader_init(&r, pkt->data, pkt->len);
	uint8_t flags = reader_u8(&r);
	reader_skip(&r, VXLAN_HEADER - 1);
	if (r.truncated)
		return DECODE_INVALID; /* UDP said the datagram ends here */
	/* RFC 7348 5: "The I flag MUST be set to 1 for a valid VXLAN Network ID". */
	if (!(flags & VXLAN_FLAG_I))
		return DECODE_INVALID;
	return decode_next(pkt, DECODE_KEY_LINK, LINK_ETHERNET, pkt->data + VXLAN_HEADER,
			   pkt->len - VXLAN_HEADER);
}
