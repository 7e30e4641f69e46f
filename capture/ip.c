/* ip: IPv4 (RFC 791) and IPv6 (RFC 8200) down to the transport header.
 *
 * This layer decides truncated versus invalid: a packet whose length field
 * says more than was captured is truncated; once the whole packet is known to
 * be present, any header that runs past its end is invalid.  Bytes after the
 * IP length (Ethernet padding) are cut off here. */
#include "capture/ip.h"

#include <stdlib.h>
#include <string.h>

#include "capture/ipfrag.h"
#include "capture/transport.h"
#include "common/bytes.h"

#define IPV4_MIN_HEADER 20
#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff
#define IPV6_HEADER 40
#define IPV6_MAX_EXT_HEADERS 8

/* IPv6 next-header values (IANA "Assigned Internet Protocol Numbers"). */
#define IP6_HOPOPTS 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_AH 51
#define IP6_DSTOPTS 60

static void ip_set_addrs(struct flow *f, int family, const uint8_t *src, const uint8_t *dst)
{
	size_t n = family == 6 ? 16 : 4;

	memset(f, 0, sizeof *f);
	f->src.family = f->dst.family = (uint8_t)family;
	memcpy(f->src.ip, src, n);
	memcpy(f->dst.ip, dst, n);
}

static void ip_frag_key(struct ipfrag_key *k, const struct flow *f, uint8_t proto, uint32_t id)
{
	memset(k, 0, sizeof *k);
	k->family = f->src.family;
	k->proto = proto;
	k->id = id;
	memcpy(k->src, f->src.ip, sizeof k->src);
	memcpy(k->dst, f->dst.ip, sizeof k->dst);
}

static enum decode_status ip_v6_chain(struct decoder *d, int64_t ts_us, struct flow *f,
				      uint8_t nh, const uint8_t *data, size_t len,
				      bool reassembled);

/* Feeds one fragment to reassembly; a completed datagram goes on up the stack. */
static enum decode_status ip_fragment(struct decoder *d, int64_t ts_us, struct flow *f,
				      const struct ipfrag_key *key, size_t offset, bool more,
				      uint8_t proto, const uint8_t *data, size_t len)
{
	struct ipfrag_datagram dg;

	d->stats.fragments++;
	enum decode_status st = ipfrag_add(d->frags, key, ts_us, offset, more, proto, data, len,
					   &dg);
	if (st != DECODE_OK || !dg.data)
		return st;
	if (f->src.family == 4)
		st = transport_decode(d, ts_us, dg.proto, f, dg.data, dg.len);
	else
		st = ip_v6_chain(d, ts_us, f, dg.proto, dg.data, dg.len, true);
	free(dg.data);
	return st;
}

static enum decode_status ip_v4(struct decoder *d, int64_t ts_us, const uint8_t *pkt, size_t caplen)
{
	struct reader r;

	reader_init(&r, pkt, caplen);
	uint8_t vihl = reader_u8(&r);
	reader_skip(&r, 1); /* DSCP/ECN */
	size_t total = reader_be16(&r);
	uint16_t id = reader_be16(&r);
	uint16_t frag = reader_be16(&r);
	reader_skip(&r, 1); /* TTL */
	uint8_t proto = reader_u8(&r);
	reader_skip(&r, 2); /* checksum: not checked, offload makes it wrong in captures */
	const uint8_t *src = reader_take(&r, 4);
	const uint8_t *dst = reader_take(&r, 4);
	if (r.truncated)
		return DECODE_TRUNCATED;
	size_t hlen = (size_t)(vihl & 0x0f) * 4;
	if (vihl >> 4 != 4 || hlen < IPV4_MIN_HEADER || total < hlen)
		return DECODE_INVALID;
	if (caplen < total)
		return DECODE_TRUNCATED;

	struct flow f;
	ip_set_addrs(&f, 4, src, dst);
	size_t offset = (size_t)(frag & IPV4_OFFSET_MASK) * 8;
	bool more = frag & IPV4_MF;
	if (more || offset) {
		struct ipfrag_key key;
		ip_frag_key(&key, &f, proto, id);
		return ip_fragment(d, ts_us, &f, &key, offset, more, proto, pkt + hlen,
				   total - hlen);
	}
	return transport_decode(d, ts_us, proto, &f, pkt + hlen, total - hlen);
}

/* RFC 8200 4.5: the fragment header.  An atomic fragment (offset 0, no more;
 * RFC 6946) is processed as if it were whole. */
static enum decode_status ip_v6_fragment(struct decoder *d, int64_t ts_us, struct flow *f,
					 struct reader *r, bool reassembled)
{
	uint8_t next = reader_u8(r);
	reader_skip(r, 1);
	uint16_t offlg = reader_be16(r);
	uint32_t id = reader_be32(r);
	if (r->truncated || reassembled)
		return DECODE_INVALID;
	size_t offset = offlg & 0xfff8;
	bool more = offlg & 1;
	const uint8_t *rest = r->data + r->off;
	size_t left = reader_left(r);
	if (!more && offset == 0)
		return ip_v6_chain(d, ts_us, f, next, rest, left, true);
	struct ipfrag_key key;
	ip_frag_key(&key, f, 0, id);
	return ip_fragment(d, ts_us, f, &key, offset, more, next, rest, left);
}

/* Walks the extension headers to UDP/TCP.  reassembled: a fragment header was
 * already consumed, a second one is invalid. */
static enum decode_status ip_v6_chain(struct decoder *d, int64_t ts_us, struct flow *f,
				      uint8_t nh, const uint8_t *data, size_t len,
				      bool reassembled)
{
	struct reader r;

	reader_init(&r, data, len);
	for (int i = 0; i <= IPV6_MAX_EXT_HEADERS; i++) {
		uint8_t next, hlen;
		switch (nh) {
		case IP6_HOPOPTS:
		case IP6_ROUTING:
		case IP6_DSTOPTS:
			/* length in 8-octet units, not counting the first 8 */
			next = reader_u8(&r);
			hlen = reader_u8(&r);
			reader_skip(&r, (size_t)hlen * 8 + 6);
			break;
		case IP6_AH:
			/* RFC 4302: length in 4-octet units, minus 2 */
			next = reader_u8(&r);
			hlen = reader_u8(&r);
			reader_skip(&r, ((size_t)hlen + 2) * 4 - 2);
			break;
		case IP6_FRAGMENT:
			return ip_v6_fragment(d, ts_us, f, &r, reassembled);
		default:
			return transport_decode(d, ts_us, nh, f, data + r.off, len - r.off);
		}
		if (r.truncated)
			return DECODE_INVALID;
		nh = next;
	}
	return DECODE_UNSUPPORTED; /* an absurdly long chain */
}

static enum decode_status ip_v6(struct decoder *d, int64_t ts_us, const uint8_t *pkt, size_t caplen)
{
	struct reader r;

	reader_init(&r, pkt, caplen);
	uint32_t vtcfl = reader_be32(&r);
	size_t plen = reader_be16(&r);
	uint8_t nh = reader_u8(&r);
	reader_skip(&r, 1); /* hop limit */
	const uint8_t *src = reader_take(&r, 16);
	const uint8_t *dst = reader_take(&r, 16);
	if (r.truncated)
		return DECODE_TRUNCATED;
	if (vtcfl >> 28 != 6)
		return DECODE_INVALID;
	if (plen == 0)
		return DECODE_UNSUPPORTED; /* RFC 2675 jumbogram, or nothing at all */
	if (caplen - IPV6_HEADER < plen)
		return DECODE_TRUNCATED;

	struct flow f;
	ip_set_addrs(&f, 6, src, dst);
	return ip_v6_chain(d, ts_us, &f, nh, pkt + IPV6_HEADER, plen, false);
}

enum decode_status ip_decode(struct decoder *d, int64_t ts_us, int version, const uint8_t *pkt,
			     size_t len)
{
	struct reader r;

	reader_init(&r, pkt, len);
	int nibble = reader_u8(&r) >> 4;
	if (r.truncated)
		return DECODE_TRUNCATED;
	if (version && version != nibble)
		return DECODE_INVALID;
	if (nibble == 4)
		return ip_v4(d, ts_us, pkt, len);
	if (nibble == 6)
		return ip_v6(d, ts_us, pkt, len);
	return version ? DECODE_INVALID : DECODE_UNSUPPORTED;
}
