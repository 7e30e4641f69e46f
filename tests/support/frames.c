/* frames: link, IPv4/IPv6 and UDP/TCP headers around a payload, and IP
 * fragmentation (RFC 791 section 2.3, RFC 8200 section 4.5), for tests. */
#include "tests/support/frames.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define IPV4_HDR 20
#define IPV6_HDR 40
#define UDP_HDR 8
#define TCP_HDR 20
#define IP6_FRAG 44
#define IP6_FRAG_HDR 8

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool frame_addr(struct net_addr *a, const char *s)
{
	char host[64];
	const char *colon = s[0] == '[' ? strstr(s, "]:") : strrchr(s, ':');
	size_t hlen;

	if (!colon)
		return false;
	if (s[0] == '[') {
		hlen = (size_t)(colon - s - 1);
		s++;
		colon++;
	} else {
		hlen = (size_t)(colon - s);
	}
	if (hlen >= sizeof host)
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(a, 0, sizeof *a);
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || port > 65535)
		return false;
	a->port = (uint16_t)port;
	if (inet_pton(AF_INET, host, a->ip) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, host, a->ip) == 1)
		a->family = 6;
	return a->family != 0;
}

bool frame_flow(struct flow *f, const char *src, const char *dst, enum transport t)
{
	memset(f, 0, sizeof *f);
	f->transport = t;
	return frame_addr(&f->src, src) && frame_addr(&f->dst, dst) &&
	       f->src.family == f->dst.family;
}

void frame_spec_init(struct frame_spec *s, int linktype, const char *src, const char *dst,
		     enum transport t)
{
	memset(s, 0, sizeof *s);
	s->linktype = linktype;
	if (!frame_flow(&s->flow, src, dst, t)) {
		fprintf(stderr, "frame_spec_init: bad addresses %s -> %s\n", src, dst);
		abort();
	}
}

/* RFC 1071 one's-complement sum. */
static uint32_t frame_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t frame_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* UDP/TCP checksum over the pseudo-header (RFC 768, RFC 8200 8.1). */
static uint16_t frame_l4_sum(const struct flow *f, uint8_t proto, const uint8_t *l4, size_t n)
{
	size_t alen = f->src.family == 6 ? 16 : 4;
	uint32_t sum = frame_sum(0, f->src.ip, alen);

	sum = frame_sum(sum, f->dst.ip, alen);
	sum += proto + (uint32_t)(n & 0xffff) + (uint32_t)(n >> 16);
	sum = frame_sum(sum, l4, n);
	uint16_t c = frame_fold(sum);
	return c ? c : 0xffff;
}

/* The transport header and payload at out; returns their length. */
static size_t frame_l4(const struct frame_spec *s, const void *payload, size_t len, uint8_t *out)
{
	const struct flow *f = &s->flow;
	bool tcp = f->transport == TRANSPORT_TCP;
	size_t hl = tcp ? TCP_HDR : UDP_HDR;

	memset(out, 0, hl);
	put16(out, f->src.port);
	put16(out + 2, f->dst.port);
	if (tcp) {
		put32(out + 4, s->tcp_seq);
		put32(out + 8, s->tcp_ack);
		out[12] = (TCP_HDR / 4) << 4;
		out[13] = s->tcp_flags ? s->tcp_flags : FRAME_TCP_PSH | FRAME_TCP_ACK;
		put16(out + 14, 65535);
	} else {
		put16(out + 4, (uint16_t)(UDP_HDR + len));
	}
	if (len)
		memcpy(out + hl, payload, len);
	put16(out + (tcp ? 16 : 6), frame_l4_sum(f, tcp ? 6 : 17, out, hl + len));
	return hl + len;
}

static size_t frame_ext_len(uint8_t type)
{
	return type == FRAME_IP6_AH ? 16 : 8;
}

/* One IPv6 extension header of the smallest legal size. */
static void frame_ext(uint8_t type, uint8_t next, uint8_t *p)
{
	memset(p, 0, frame_ext_len(type));
	p[0] = next;
	if (type == FRAME_IP6_AH) {
		p[1] = 16 / 4 - 2; /* RFC 4302: 4-octet units minus 2 */
		put32(p + 4, 0x1000); /* SPI */
		put32(p + 8, 1);      /* sequence number */
	} else if (type != FRAME_IP6_ROUTING) {
		p[2] = 1; /* PadN option covering the remaining 4 bytes */
		p[3] = 4;
	}
}

size_t frame_build_ip(const struct frame_spec *s, const void *payload, size_t len,
		      uint8_t *out, size_t cap)
{
	const struct flow *f = &s->flow;
	uint8_t proto = f->transport == TRANSPORT_TCP ? 6 : 17;
	size_t l4 = (f->transport == TRANSPORT_TCP ? TCP_HDR : UDP_HDR) + len;
	int next_ext = s->ipv6_ext > FRAME_MAX_EXT ? FRAME_MAX_EXT : s->ipv6_ext;
	size_t ext = 0;

	if (f->src.family == 6)
		for (int i = 0; i < next_ext; i++)
			ext += frame_ext_len(s->ipv6_ext_type[i]);
	size_t hl = f->src.family == 6 ? IPV6_HDR : IPV4_HDR;
	if (hl + ext + l4 > cap || hl + ext + l4 > 65535 + (f->src.family == 6 ? IPV6_HDR : 0))
		return 0;
	memset(out, 0, hl);
	if (f->src.family == 6) {
		out[0] = 0x60;
		put16(out + 4, (uint16_t)(ext + l4));
		out[6] = next_ext ? s->ipv6_ext_type[0] : proto;
		out[7] = s->ttl ? s->ttl : 64;
		memcpy(out + 8, f->src.ip, 16);
		memcpy(out + 24, f->dst.ip, 16);
		uint8_t *p = out + hl;
		for (int i = 0; i < next_ext; i++) {
			uint8_t next = i + 1 < next_ext ? s->ipv6_ext_type[i + 1] : proto;
			frame_ext(s->ipv6_ext_type[i], next, p);
			p += frame_ext_len(s->ipv6_ext_type[i]);
		}
	} else {
		out[0] = 0x45;
		put16(out + 2, (uint16_t)(hl + l4));
		put16(out + 4, s->ip_id);
		out[8] = s->ttl ? s->ttl : 64;
		out[9] = proto;
		memcpy(out + 12, f->src.ip, 4);
		memcpy(out + 16, f->dst.ip, 4);
		put16(out + 10, frame_fold(frame_sum(0, out, hl)));
	}
	return hl + ext + frame_l4(s, payload, len, out + hl + ext);
}

size_t frame_link_header_len(const struct frame_spec *s)
{
	int tags = s->vlan_tags > FRAME_MAX_VLAN ? FRAME_MAX_VLAN : s->vlan_tags;

	switch (s->linktype) {
	case LINK_ETHERNET:
		return 14 + 4 * (size_t)tags;
	case LINK_LINUX_SLL:
		return 16 + 4 * (size_t)tags;
	case LINK_LINUX_SLL2:
		return 20 + 4 * (size_t)tags;
	case LINK_NULL:
	case LINK_LOOP:
		return 4;
	default:
		return 0;
	}
}

/* VLAN tags then the IP ethertype, at p; returns the bytes written. */
static size_t frame_tags(const struct frame_spec *s, uint16_t ethertype, uint8_t *p)
{
	int tags = s->vlan_tags > FRAME_MAX_VLAN ? FRAME_MAX_VLAN : s->vlan_tags;
	uint16_t id = s->vlan_id ? s->vlan_id : 100;
	size_t at = 0;

	for (int i = 0; i < tags; i++) {
		/* The type in front of a tag says what the tag is: outer ones QinQ. */
		bool outer = i + 1 < tags;
		put16(p + at, outer ? (s->vlan_tpid ? s->vlan_tpid : ETH_QINQ) : ETH_VLAN);
		put16(p + at + 2, (uint16_t)((id + i) & 0x0fff));
		at += 4;
	}
	put16(p + at, ethertype);
	return at + 2;
}

static void frame_loop_family(const struct frame_spec *s, bool v6, uint8_t *p)
{
	uint32_t af = s->loop_family ? s->loop_family : (v6 ? 24 : 2);
	bool big = (s->linktype == LINK_LOOP) != s->loop_swapped;

	if (big)
		put32(p, af);
	else
		for (int i = 0; i < 4; i++)
			p[i] = (uint8_t)(af >> (8 * i));
}

size_t frame_wrap(const struct frame_spec *s, const uint8_t *ip, size_t iplen, uint8_t *out,
		  size_t cap)
{
	size_t hl = frame_link_header_len(s);
	bool v6 = iplen && ip[0] >> 4 == 6;
	uint16_t et = v6 ? ETH_IPV6 : ETH_IPV4;
	static const uint8_t mac_dst[6] = {2, 0, 0, 0, 0, 2}, mac_src[6] = {2, 0, 0, 0, 0, 1};

	if (hl + iplen > cap)
		return 0;
	memset(out, 0, hl);
	switch (s->linktype) {
	case LINK_ETHERNET:
		memcpy(out, mac_dst, 6);
		memcpy(out + 6, mac_src, 6);
		frame_tags(s, et, out + 12);
		break;
	case LINK_LINUX_SLL:
		put16(out + 2, 1); /* ARPHRD_ETHER */
		put16(out + 4, 6);
		memcpy(out + 6, mac_src, 6);
		frame_tags(s, et, out + 14);
		break;
	case LINK_LINUX_SLL2: {
		uint8_t tagged[2 + 4 * FRAME_MAX_VLAN];
		size_t n = frame_tags(s, et, tagged);
		memcpy(out, tagged + n - 2, 2); /* protocol of the first header after this one */
		put32(out + 4, 1);              /* ifindex */
		put16(out + 8, 1);              /* ARPHRD_ETHER */
		out[11] = 6;
		memcpy(out + 12, mac_src, 6);
		if (n > 2) { /* tags go after the header, protocol says the first tag type */
			memcpy(out, tagged, 2);
			memcpy(out + 20, tagged + 2, n - 2);
		}
		break;
	}
	case LINK_NULL:
	case LINK_LOOP:
		frame_loop_family(s, v6, out);
		break;
	default:
		break;
	}
	memcpy(out + hl, ip, iplen);
	return hl + iplen;
}

size_t frame_build(const struct frame_spec *s, const void *payload, size_t len, uint8_t *out,
		   size_t cap)
{
	size_t hl = frame_link_header_len(s);

	if (cap < hl)
		return 0;
	size_t n = frame_build_ip(s, payload, len, out + hl, cap - hl);
	if (!n)
		return 0;
	uint8_t *ip = xmalloc(n);
	memcpy(ip, out + hl, n);
	size_t total = frame_wrap(s, ip, n, out, cap);
	free(ip);
	return total;
}

void frame_fragments_free(struct frame_fragments *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->pkt[i]);
	f->n = 0;
}

static bool frame_fragment_v4(const uint8_t *ip, size_t len, size_t chunk,
			      struct frame_fragments *out)
{
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;

	for (size_t off = 0; off < len - hl; off += chunk) {
		size_t n = len - hl - off < chunk ? len - hl - off : chunk;
		bool more = off + n < len - hl;
		if (out->n == FRAME_MAX_FRAGS)
			return false;
		uint8_t *p = xmalloc(hl + n);
		memcpy(p, ip, hl);
		memcpy(p + hl, ip + hl + off, n);
		put16(p + 2, (uint16_t)(hl + n));
		put16(p + 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
		put16(p + 10, 0);
		put16(p + 10, frame_fold(frame_sum(0, p, hl)));
		out->pkt[out->n] = p;
		out->len[out->n++] = hl + n;
	}
	return true;
}

/* The unfragmentable part: the fixed header plus hop-by-hop and routing headers. */
static size_t frame_v6_unfrag(const uint8_t *ip, size_t len, size_t *nh_at)
{
	size_t at = IPV6_HDR;

	*nh_at = 6;
	while (at + 2 <= len && (ip[*nh_at] == FRAME_IP6_HOPOPTS || ip[*nh_at] == FRAME_IP6_ROUTING)) {
		*nh_at = at;
		at += ((size_t)ip[at + 1] + 1) * 8;
	}
	return at;
}

static bool frame_fragment_v6(const uint8_t *ip, size_t len, size_t chunk, uint32_t ident,
			      struct frame_fragments *out)
{
	size_t nh_at, uf = frame_v6_unfrag(ip, len, &nh_at);
	uint8_t next = ip[nh_at];

	if (uf > len)
		return false;
	for (size_t off = 0; off < len - uf; off += chunk) {
		size_t n = len - uf - off < chunk ? len - uf - off : chunk;
		bool more = off + n < len - uf;
		if (out->n == FRAME_MAX_FRAGS)
			return false;
		uint8_t *p = xmalloc(uf + IP6_FRAG_HDR + n);
		memcpy(p, ip, uf);
		p[nh_at] = IP6_FRAG;
		uint8_t *fh = p + uf;
		fh[0] = next;
		fh[1] = 0;
		put16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));
		put32(fh + 4, ident);
		memcpy(fh + IP6_FRAG_HDR, ip + uf + off, n);
		put16(p + 4, (uint16_t)(uf - IPV6_HDR + IP6_FRAG_HDR + n));
		out->pkt[out->n] = p;
		out->len[out->n++] = uf + IP6_FRAG_HDR + n;
	}
	return true;
}

bool frame_fragment(const uint8_t *ip, size_t len, size_t chunk, uint32_t ident,
		    struct frame_fragments *out)
{
	out->n = 0;
	chunk -= chunk % 8;
	if (chunk == 0 || len < IPV4_HDR)
		return false;
	bool ok = false;
	if (ip[0] >> 4 == 4)
		ok = frame_fragment_v4(ip, len, chunk, out);
	else if (ip[0] >> 4 == 6 && len >= IPV6_HDR)
		ok = frame_fragment_v6(ip, len, chunk, ident, out);
	if (!ok)
		frame_fragments_free(out);
	return ok;
}

bool frame_write(struct pcap_writer *w, int64_t ts_us, const struct frame_spec *s,
		 const void *payload, size_t len)
{
	uint8_t *buf = xmalloc(FRAME_MAX);
	size_t n = frame_build(s, payload, len, buf, FRAME_MAX);
	bool ok = n && pcap_writer_add(w, ts_us, buf, n);

	free(buf);
	return ok;
}

bool frame_write_next(struct pcap_writer *w, int64_t ts_us, struct frame_spec *s,
		      const void *payload, size_t len)
{
	bool ok = frame_write(w, ts_us, s, payload, len);

	s->tcp_seq += (uint32_t)len + !!(s->tcp_flags & FRAME_TCP_SYN) +
		      !!(s->tcp_flags & FRAME_TCP_FIN);
	return ok;
}

bool frame_write_fragments(struct pcap_writer *w, int64_t ts_us, const struct frame_spec *s,
			   const void *payload, size_t len, size_t chunk)
{
	uint8_t *ip = xmalloc(FRAME_MAX), *buf = xmalloc(FRAME_MAX);
	struct frame_fragments fr;
	size_t n = frame_build_ip(s, payload, len, ip, FRAME_MAX);
	bool split = n && frame_fragment(ip, n, chunk, s->ip_id, &fr);
	bool ok = split;

	for (size_t i = 0; ok && i < fr.n; i++) {
		size_t fl = frame_wrap(s, fr.pkt[i], fr.len[i], buf, FRAME_MAX);
		ok = fl && pcap_writer_add(w, ts_us, buf, fl);
	}
	if (split)
		frame_fragments_free(&fr);
	free(ip);
	free(buf);
	return ok;
}
