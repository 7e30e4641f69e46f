/* evidence_pcap: message records → a classic pcap image (LINKTYPE_RAW).
 *
 * Headers are written byte by byte: the 24-byte file header and 16-byte
 * record headers in host order (readers detect it from the magic), IP, UDP
 * and TCP headers in network order with real checksums so that tshark shows
 * no warnings. */
#include "ui/evidence_pcap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/numparse.h"
#include "common/xalloc.h"

#define EVIDENCE_PCAP_IP4_HDR 20
#define EVIDENCE_PCAP_IP6_HDR 40
#define EVIDENCE_PCAP_UDP_HDR 8
#define EVIDENCE_PCAP_TCP_HDR 20
#define EVIDENCE_PCAP_TCP_START 1000u

struct evidence_pcap_buf {
	uint8_t *p;
	size_t len, cap;
};

/* Next sequence number per direction of a TCP connection. */
struct evidence_pcap_flow {
	struct net_addr src, dst;
	uint32_t next_seq;
};

struct evidence_pcap_flows {
	struct evidence_pcap_flow *v;
	size_t n, cap;
};

static uint8_t *evidence_pcap_grow(struct evidence_pcap_buf *b, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap - b->len < n)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	b->len += n;
	return b->p + b->len - n;
}

static void evidence_pcap_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void evidence_pcap_be32(uint8_t *p, uint32_t v)
{
	evidence_pcap_be16(p, (uint16_t)(v >> 16));
	evidence_pcap_be16(p + 2, (uint16_t)v);
}

static void evidence_pcap_host32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void evidence_pcap_host16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

bool evidence_pcap_parse_endpoint(const char *s, struct net_addr *out)
{
	char ip[INET6_ADDRSTRLEN];
	const char *colon, *host = s;
	size_t hlen;
	uint64_t port;

	if (!s)
		return false;
	memset(out, 0, sizeof *out);
	colon = strrchr(s, ':');
	if (!colon || !parse_uint(colon + 1, strlen(colon + 1), 65535, &port))
		return false;
	hlen = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hlen < 2 || s[hlen - 1] != ']')
			return false;
		host = s + 1;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof ip)
		return false;
	memcpy(ip, host, hlen);
	ip[hlen] = '\0';
	out->port = (uint16_t)port;
	if (s[0] != '[' && inet_pton(AF_INET, ip, out->ip) == 1) {
		out->family = 4;
		return true;
	}
	if (s[0] == '[' && inet_pton(AF_INET6, ip, out->ip) == 1) {
		out->family = 6;
		return true;
	}
	return false;
}

static uint32_t evidence_pcap_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t evidence_pcap_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* UDP/TCP checksum over the pseudo header, the transport header and payload. */
static uint16_t evidence_pcap_l4_sum(const struct net_addr *src, const struct net_addr *dst,
				uint8_t proto, const uint8_t *seg, size_t len)
{
	size_t alen = src->family == 6 ? 16 : 4;
	uint32_t sum = evidence_pcap_sum(src->ip, alen, 0);
	uint16_t r;

	sum = evidence_pcap_sum(dst->ip, alen, sum);
	sum += proto;
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	r = evidence_pcap_fold(evidence_pcap_sum(seg, len, sum));
	return proto == IPPROTO_UDP && r == 0 ? 0xffff : r;
}

static void evidence_pcap_ip_header(uint8_t *p, const struct net_addr *src, const struct net_addr *dst,
			       uint8_t proto, size_t l4_len, uint16_t ip_id)
{
	if (src->family == 6) {
		evidence_pcap_be32(p, 0x60000000u);
		evidence_pcap_be16(p + 4, (uint16_t)l4_len);
		p[6] = proto;
		p[7] = 64;
		memcpy(p + 8, src->ip, 16);
		memcpy(p + 24, dst->ip, 16);
		return;
	}
	p[0] = 0x45;
	p[1] = 0;
	evidence_pcap_be16(p + 2, (uint16_t)(EVIDENCE_PCAP_IP4_HDR + l4_len));
	evidence_pcap_be16(p + 4, ip_id);
	evidence_pcap_be16(p + 6, 0x4000); /* DF */
	p[8] = 64;
	p[9] = proto;
	evidence_pcap_be16(p + 10, 0);
	memcpy(p + 12, src->ip, 4);
	memcpy(p + 16, dst->ip, 4);
	evidence_pcap_be16(p + 10, evidence_pcap_fold(evidence_pcap_sum(p, EVIDENCE_PCAP_IP4_HDR, 0)));
}

static struct evidence_pcap_flow *evidence_pcap_flow(struct evidence_pcap_flows *f, const struct net_addr *src,
					   const struct net_addr *dst)
{
	for (size_t i = 0; i < f->n; i++) {
		if (net_addr_equal(&f->v[i].src, src) && net_addr_equal(&f->v[i].dst, dst))
			return &f->v[i];
	}
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->v = xrealloc(f->v, f->cap * sizeof *f->v);
	}
	f->v[f->n] = (struct evidence_pcap_flow){*src, *dst, EVIDENCE_PCAP_TCP_START};
	return &f->v[f->n++];
}

static void evidence_pcap_tcp_header(uint8_t *p, struct evidence_pcap_flows *flows,
				const struct net_addr *src, const struct net_addr *dst,
				size_t payload)
{
	struct evidence_pcap_flow *fwd = evidence_pcap_flow(flows, src, dst);
	uint32_t seq = fwd->next_seq;
	uint32_t ack = evidence_pcap_flow(flows, dst, src)->next_seq; /* may move fwd's array */

	fwd = evidence_pcap_flow(flows, src, dst);
	fwd->next_seq = seq + (uint32_t)payload;
	evidence_pcap_be16(p, src->port);
	evidence_pcap_be16(p + 2, dst->port);
	evidence_pcap_be32(p + 4, seq);
	evidence_pcap_be32(p + 8, ack);
	p[12] = (EVIDENCE_PCAP_TCP_HDR / 4) << 4;
	p[13] = 0x18; /* PSH|ACK */
	evidence_pcap_be16(p + 14, 65535);
	evidence_pcap_be16(p + 16, 0);
	evidence_pcap_be16(p + 18, 0);
}

/* One record: header, IP, transport header, payload.  False if it cannot be framed. */
static bool evidence_pcap_frame(struct evidence_pcap_buf *b, struct evidence_pcap_flows *flows,
			   const struct message_record *m, uint16_t ip_id)
{
	struct net_addr src, dst;
	bool tcp = transport_is_stream(m->transport); /* TLS/WS/WSS: the plaintext, as TCP */
	size_t ip_hdr, l4_hdr = tcp ? EVIDENCE_PCAP_TCP_HDR : EVIDENCE_PCAP_UDP_HDR, l4_len, frame;
	uint8_t proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
	int64_t ts = m->ts_us == TS_NONE || m->ts_us < 0 ? 0 : m->ts_us;
	uint8_t *rec, *l4;

	if (!evidence_pcap_parse_endpoint(m->src, &src) ||
	    !evidence_pcap_parse_endpoint(m->dst, &dst) || src.family != dst.family ||
	    (m->raw_len && !m->raw))
		return false;
	ip_hdr = src.family == 6 ? EVIDENCE_PCAP_IP6_HDR : EVIDENCE_PCAP_IP4_HDR;
	l4_len = l4_hdr + m->raw_len;
	if (m->raw_len > 65535 || ip_hdr + l4_len > 65535 || ip_hdr + l4_len > EVIDENCE_PCAP_SNAPLEN)
		return false;
	frame = ip_hdr + l4_len;
	rec = evidence_pcap_grow(b, 16 + frame);
	evidence_pcap_host32(rec, (uint32_t)(ts / USEC_PER_SEC));
	evidence_pcap_host32(rec + 4, (uint32_t)(ts % USEC_PER_SEC));
	evidence_pcap_host32(rec + 8, (uint32_t)frame);
	evidence_pcap_host32(rec + 12, (uint32_t)frame);
	evidence_pcap_ip_header(rec + 16, &src, &dst, proto, l4_len, ip_id);
	l4 = rec + 16 + ip_hdr;
	if (m->raw_len)
		memcpy(l4 + l4_hdr, m->raw, m->raw_len);
	if (tcp) {
		evidence_pcap_tcp_header(l4, flows, &src, &dst, m->raw_len);
		evidence_pcap_be16(l4 + 16, evidence_pcap_l4_sum(&src, &dst, proto, l4, l4_len));
	} else {
		evidence_pcap_be16(l4, src.port);
		evidence_pcap_be16(l4 + 2, dst.port);
		evidence_pcap_be16(l4 + 4, (uint16_t)l4_len);
		evidence_pcap_be16(l4 + 6, 0);
		evidence_pcap_be16(l4 + 6, evidence_pcap_l4_sum(&src, &dst, proto, l4, l4_len));
	}
	return true;
}

uint8_t *evidence_pcap_build(const struct message_record *msgs, size_t n, size_t *len,
			     size_t *skipped)
{
	struct evidence_pcap_buf b = {0};
	struct evidence_pcap_flows flows = {0};
	uint8_t *h = evidence_pcap_grow(&b, 24);

	*skipped = 0;
	evidence_pcap_host32(h, 0xa1b2c3d4u);
	evidence_pcap_host16(h + 4, 2);
	evidence_pcap_host16(h + 6, 4);
	evidence_pcap_host32(h + 8, 0);  /* thiszone */
	evidence_pcap_host32(h + 12, 0); /* sigfigs */
	evidence_pcap_host32(h + 16, EVIDENCE_PCAP_SNAPLEN);
	evidence_pcap_host32(h + 20, EVIDENCE_PCAP_LINKTYPE_RAW);
	for (size_t i = 0; i < n; i++) {
		if (!evidence_pcap_frame(&b, &flows, &msgs[i], (uint16_t)(i + 1)))
			(*skipped)++;
	}
	free(flows.v);
	*len = b.len;
	return b.p;
}

void evidence_pcap_file_name(const char *call_id, char *buf, size_t n)
{
	char prefix[33];
	size_t o = 0;

	for (const char *s = call_id ? call_id : ""; *s && *s != '@' && o + 1 < sizeof prefix; s++) {
		char c = *s;
		bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  c == '-' || c == '_' || (c == '.' && o > 0);
		prefix[o++] = ok ? c : '_';
	}
	prefix[o] = '\0';
	snprintf(buf, n, "sipwatch-%s.pcap", o ? prefix : "dialog");
}

bool evidence_pcap_save(const char *path, const struct message_record *msgs, size_t n,
			size_t *frames, char *err, size_t errlen)
{
	size_t len, skipped, off = 0;
	uint8_t *img = evidence_pcap_build(msgs, n, &len, &skipped);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	bool ok = fd >= 0;

	while (ok && off < len) {
		ssize_t w = write(fd, img + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		ok = w > 0;
		off += ok ? (size_t)w : 0;
	}
	if (!ok)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (fd >= 0 && close(fd) != 0 && ok) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ok = false;
	}
	free(img);
	*frames = n - skipped;
	return ok;
}
