/* link: strips the link-layer header in front of IP.
 *
 * Ethernet (with any stack of 802.1Q / 802.1ad tags and 802.2 SNAP), Linux
 * cooked capture v1 and v2, BSD NULL and OpenBSD LOOP loopback, and the raw IP
 * link types.  Everything is read through struct reader, so a short frame only
 * ever sets the reader's truncated flag.  Each link type is one layer: it
 * hands on an Ethernet type (the tables say what reads it) or raw IP.  The
 * Ethernet layer also reads Ethernet inside tunnels (VXLAN, GENEVE, GRE
 * 0x6558, ERSPAN), VLAN tags included. */
#include "capture/link.h"

#include "common/bytes.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100      /* IEEE 802.1Q customer tag */
#define ETHERTYPE_QINQ 0x88a8      /* IEEE 802.1ad service tag */
#define ETHERTYPE_QINQ_OLD 0x9100  /* pre-standard QinQ */
#define ETHER_MAX_LENGTH_FIELD 1500 /* below this the "type" is an 802.3 length */
#define LINK_MAX_VLAN_TAGS 8

/* BSD address families seen in NULL/LOOP headers.  IPv6 differs per OS:
 * NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30 (and Linux 10 in odd captures). */
#define BSD_AF_INET 2
#define BSD_AF_INET6_LINUX 10
#define BSD_AF_INET6_BSD 24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

static bool link_is_vlan(uint16_t type)
{
	return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD;
}

/* The rest of the reader is the IP packet. */
static enum decode_status link_rest(struct reader *r, int version, struct decode_pkt *pkt)
{
	if (r->truncated)
		return DECODE_TRUNCATED;
	return decode_next(pkt, DECODE_KEY_IP, (uint32_t)version, r->data + r->off,
			   reader_left(r));
}

/* An 802.2 LLC header; only SNAP with an Ethernet type can carry IP here. */
static uint16_t link_llc_snap(struct reader *r)
{
	const uint8_t *llc = reader_take(r, 3);

	if (!llc)
		return 0;
	if (llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03)
		return 0;
	reader_skip(r, 3); /* OUI */
	return reader_be16(r);
}

/* Follows VLAN tags from an Ethernet type to what they carry. */
static enum decode_status link_ethertype(struct reader *r, uint16_t type, struct decode_pkt *pkt)
{
	for (int tags = 0; link_is_vlan(type); tags++) {
		if (tags == LINK_MAX_VLAN_TAGS)
			return decode_unsupported(pkt, DECODER_WHY_OTHER);
		pkt->encaps |= 1u << DECODER_ENCAP_VLAN;
		reader_skip(r, 2); /* TCI: priority, DEI, VLAN id */
		type = reader_be16(r);
	}
	if (!r->truncated && type <= ETHER_MAX_LENGTH_FIELD)
		type = link_llc_snap(r);
	if (r->truncated)
		return DECODE_TRUNCATED;
	return decode_next(pkt, DECODE_KEY_ETHERTYPE, type, r->data + r->off, reader_left(r));
}

static void link_reader(struct reader *r, const struct decode_pkt *pkt)
{
	reader_init(r, pkt->data, pkt->len);
}

enum decode_status link_ethernet(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	(void)env;
	link_reader(&r, pkt);
	reader_skip(&r, 12); /* destination and source MAC */
	return link_ethertype(&r, reader_be16(&r), pkt);
}

/* Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol. */
enum decode_status link_sll(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	(void)env;
	link_reader(&r, pkt);
	reader_skip(&r, 14);
	return link_ethertype(&r, reader_be16(&r), pkt);
}

/* Linux cooked v2: protocol first, then reserved, ifindex, ARPHRD, type, address. */
enum decode_status link_sll2(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	(void)env;
	link_reader(&r, pkt);
	uint16_t proto = reader_be16(&r);
	reader_skip(&r, 18);
	return link_ethertype(&r, proto, pkt);
}

static int link_bsd_family(uint32_t af)
{
	switch (af) {
	case BSD_AF_INET:
		return 4;
	case BSD_AF_INET6_LINUX:
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return 6;
	default:
		return 0;
	}
}

/* NULL is in the capturing host's byte order and LOOP in network order, but
 * files from the "wrong" host exist for both, so try the expected order first
 * and the other one second.  The values are small, so they cannot collide. */
static enum decode_status link_loopback(struct decode_pkt *pkt, bool big_endian_first)
{
	struct reader r;

	link_reader(&r, pkt);
	const uint8_t *p = reader_peek(&r, 4);
	if (!p)
		return DECODE_TRUNCATED;
	struct reader le = r, be = r;
	uint32_t lv = reader_le32(&le), bv = reader_be32(&be);
	int first = link_bsd_family(big_endian_first ? bv : lv);
	int second = link_bsd_family(big_endian_first ? lv : bv);
	int version = first ? first : second;

	if (!version)
		return decode_unsupported(pkt, DECODER_WHY_OTHER);
	reader_skip(&r, 4);
	return link_rest(&r, version, pkt);
}

enum decode_status link_null(const struct decode_env *env, struct decode_pkt *pkt)
{
	(void)env;
	return link_loopback(pkt, false);
}

enum decode_status link_loop(const struct decode_env *env, struct decode_pkt *pkt)
{
	(void)env;
	return link_loopback(pkt, true);
}

/* Raw IP: the version is the first nibble's (RAW) or the link type's. */
enum decode_status link_raw(const struct decode_env *env, struct decode_pkt *pkt)
{
	int version = pkt->value == LINK_IPV4 ? 4 : pkt->value == LINK_IPV6 ? 6 : 0;

	(void)env;
	return decode_next(pkt, DECODE_KEY_IP, (uint32_t)version, pkt->data, pkt->len);
}

bool link_supported(int linktype)
{
	switch (linktype) {
	case LINK_ETHERNET:
	case LINK_LINUX_SLL:
	case LINK_LINUX_SLL2:
	case LINK_NULL:
	case LINK_LOOP:
	case LINK_RAW:
	case LINK_RAW_DLT:
	case LINK_RAW_DLT_BSD:
	case LINK_IPV4:
	case LINK_IPV6:
		return true;
	default:
		return false;
	}
}
