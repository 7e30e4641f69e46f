/* ip: IPv4 (RFC 791) and IPv6 (RFC 8200) down to the transport header.
 *
 * This layer decides truncated versus invalid: a packet whose length field
 * says more than was captured is truncated; once the whole packet is known to
 * be present, any header that runs past its end is invalid.  Bytes after the
 * IP length (Ethernet padding) are cut off here.
 *
 * Layers: the IPv4 and IPv6 headers (also inside IP-in-IP, 6in4, GRE, MPLS,
 * PPP), each IPv6 extension header, and the hand-off to fragment reassembly.
 * Every IP header overwrites the flow's addresses, so what reaches UDP/TCP
 * carries the innermost ones, and fragments and streams are keyed by them. */
#include "capture/ip.h"

#include <stdlib.h>
#include <string.h>

#include "capture/ipfrag.h"
#include "common/bytes.h"

#define IPV4_MIN_HEADER 20
#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff
#define IPV6_HEADER 40
#define IPV6_MAX_EXT_HEADERS 8


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

/* A new IP header: its addresses replace the outer ones. */
static void ip_begin(struct decode_pkt *pkt, int family, const uint8_t *src, const uint8_t *dst)
{
	ip_set_addrs(&pkt->flow, family, src, dst);
	pkt->ip_family = (uint8_t)family;
	pkt->ip_whole = false;
	pkt->ip_ext = 0;
	pkt->has_ip_id = false;
}

/* Feeds one fragment to reassembly; a completed datagram goes on up the stack
 * as the protocol (IPv4) or next header (IPv6) of its first fragment. */
static enum decode_status ip_fragment(const struct decode_env *env, struct decode_pkt *pkt,
				      const struct ipfrag_key *key, size_t offset, bool more,
				      uint8_t proto, const uint8_t *data, size_t len)
{
	struct ipfrag_datagram dg;

	env->sink.stats->fragments++;
	enum decode_status st = ipfrag_add(env->frags, key, pkt->ts_us, offset, more, proto, data,
					   len, &dg);
	if (st != DECODE_OK || !dg.data)
		return st;
	if (pkt->n_owned == DECODE_MAX_OWNED) {
		free(dg.data); /* fragments of fragments of ...: a nesting bomb */
		return DECODE_INVALID;
	}
	pkt->owned[pkt->n_owned++] = dg.data;
	pkt->ip_whole = true;
	pkt->ip_ext = 0;
	return decode_next(pkt, DECODE_KEY_IPPROTO, dg.proto, dg.data, dg.len);
}

static enum decode_status ip_v4(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;
	const uint8_t *ip = pkt->data;
	size_t caplen = pkt->len;

	reader_init(&r, ip, caplen);
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

	ip_begin(pkt, 4, src, dst);
	pkt->has_ip_id = id != 0;
	pkt->ip_id = id;
	size_t offset = (size_t)(frag & IPV4_OFFSET_MASK) * 8;
	bool more = frag & IPV4_MF;
	if (more || offset) {
		struct ipfrag_key key;
		ip_frag_key(&key, &pkt->flow, proto, id);
		return ip_fragment(env, pkt, &key, offset, more, proto, ip + hlen, total - hlen);
	}
	return decode_next(pkt, DECODE_KEY_IPPROTO, proto, ip + hlen, total - hlen);
}

static enum decode_status ip_v6(struct decode_pkt *pkt)
{
	struct reader r;
	const uint8_t *ip = pkt->data;
	size_t caplen = pkt->len;

	reader_init(&r, ip, caplen);
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
	if (plen == 0) /* RFC 2675 jumbogram, or nothing at all */
		return decode_unsupported(pkt, DECODER_WHY_OTHER);
	if (caplen - IPV6_HEADER < plen)
		return DECODE_TRUNCATED;

	ip_begin(pkt, 6, src, dst);
	return decode_next(pkt, DECODE_KEY_IPPROTO, nh, ip + IPV6_HEADER, plen);
}

/* version: what the outer layer says this is (0 = the first nibble says). */
static enum decode_status ip_decode(const struct decode_env *env, struct decode_pkt *pkt,
				    int version)
{
	struct reader r;

	reader_init(&r, pkt->data, pkt->len);
	int nibble = reader_u8(&r) >> 4;
	if (r.truncated)
		return DECODE_TRUNCATED;
	if (version && version != nibble)
		return DECODE_INVALID;
	if (nibble == 4)
		return ip_v4(env, pkt);
	if (nibble == 6)
		return ip_v6(pkt);
	return version ? DECODE_INVALID : decode_unsupported(pkt, DECODER_WHY_OTHER);
}

enum decode_status ip_layer_any(const struct decode_env *env, struct decode_pkt *pkt)
{
	return ip_decode(env, pkt, pkt->key == DECODE_KEY_IP ? (int)pkt->value : 0);
}

enum decode_status ip_layer_v4(const struct decode_env *env, struct decode_pkt *pkt)
{
	return ip_decode(env, pkt, 4);
}

enum decode_status ip_layer_v6(const struct decode_env *env, struct decode_pkt *pkt)
{
	return ip_decode(env, pkt, 6);
}

/* Extension headers exist only after an IPv6 header; in IPv4 these protocol
 * numbers are just protocols we do not decode.  At most IPV6_MAX_EXT_HEADERS
 * are walked per IP header: a longer chain is absurd. */
static bool ip_v6_ext_allowed(struct decode_pkt *pkt)
{
	return pkt->ip_family == 6 && pkt->ip_ext++ < IPV6_MAX_EXT_HEADERS;
}

/* RFC 8200 4.3-4.6: hop-by-hop, routing, destination options: length in
 * 8-octet units, not counting the first 8. */
enum decode_status ip_layer_v6_options(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	(void)env;
	if (!ip_v6_ext_allowed(pkt))
		return decode_unsupported(pkt, pkt->ip_family == 6 ? DECODER_WHY_OTHER
								   : DECODER_WHY_IP_PROTO);
	reader_init(&r, pkt->data, pkt->len);
	uint8_t next = reader_u8(&r);
	uint8_t hlen = reader_u8(&r);
	reader_skip(&r, (size_t)hlen * 8 + 6);
	if (r.truncated)
		return DECODE_INVALID;
	return decode_next(pkt, DECODE_KEY_IPPROTO, next, pkt->data + r.off, pkt->len - r.off);
}

/* RFC 4302 2.2: AH's length is in 4-octet units, minus 2. */
enum decode_status ip_layer_v6_ah(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	(void)env;
	if (!ip_v6_ext_allowed(pkt))
		return decode_unsupported(pkt, pkt->ip_family == 6 ? DECODER_WHY_OTHER
								   : DECODER_WHY_IP_PROTO);
	reader_init(&r, pkt->data, pkt->len);
	uint8_t next = reader_u8(&r);
	uint8_t hlen = reader_u8(&r);
	reader_skip(&r, ((size_t)hlen + 2) * 4 - 2);
	if (r.truncated)
		return DECODE_INVALID;
	return decode_next(pkt, DECODE_KEY_IPPROTO, next, pkt->data + r.off, pkt->len - r.off);
}

/* RFC 8200 4.5: the fragment header.  An atomic fragment (offset 0, no more;
 * RFC 6946) is processed as if it were whole; a second fragment header in a
 * datagram already reassembled is invalid. */
enum decode_status ip_layer_v6_fragment(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;

	if (!ip_v6_ext_allowed(pkt))
		return decode_unsupported(pkt, pkt->ip_family == 6 ? DECODER_WHY_OTHER
								   : DECODER_WHY_IP_PROTO);
	reader_init(&r, pkt->data, pkt->len);
	uint8_t next = reader_u8(&r);
	reader_skip(&r, 1);
	uint16_t offlg = reader_be16(&r);
	uint32_t id = reader_be32(&r);
	if (r.truncated || pkt->ip_whole)
		return DECODE_INVALID;
	size_t offset = offlg & 0xfff8;
	bool more = offlg & 1;
	const uint8_t *rest = pkt->data + r.off;
	size_t left = reader_left(&r);
	if (!more && offset == 0) {
		pkt->ip_whole = true;
		pkt->ip_ext = 0;
		return decode_next(pkt, DECODE_KEY_IPPROTO, next, rest, left);
	}
	struct ipfrag_key key;
	ip_frag_key(&key, &pkt->flow, 0, id);
	return ip_fragment(env, pkt, &key, offset, more, next, rest, left);
}
