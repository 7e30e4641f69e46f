/* hep: HEP v3 packets → SIP message, addresses, time, agent id, auth key.
 *
 * HEP3 Network Protocol Specification (sipcapture/HEP, "HEP3_Network_Protocol_
 * Specification_REV_36"): a packet is the ASCII id "HEP3", a 16-bit total
 * length (header included), then chunks.  Every chunk is vendor id (16 bits),
 * type id (16 bits), length (16 bits, the 6-byte chunk header included) and
 * the value; all integers are big-endian.  Vendor 0x0000 is the generic
 * chunk set used here; chunks of other vendors are skipped by their length.
 *
 * Strictness, and why: a chunk length below 6 would never advance (a naive
 * reader loops for ever on a zero-length chunk), one running past the packet
 * reads foreign bytes; both are errors and the whole packet is dropped.  A
 * generic chunk of fixed type whose length is not its type's size is an error
 * too (a uint32 in 3 bytes is a lie, not a short integer).  The addresses,
 * ports, transport and the payload are required; the time, agent id and key
 * are not. */
#include "capture/hep.h"

#include <string.h>

#include "common/bytes.h"

#define HEP_CHUNK_HEADER 6

/* The generic chunk types (vendor 0) that matter here. */
enum {
	HEP_CHUNK_FAMILY = 1,     /* uint8: 2 = IPv4, 10 = IPv6 */
	HEP_CHUNK_IP_PROTO = 2,   /* uint8: IANA protocol number */
	HEP_CHUNK_SRC_IP4 = 3,
	HEP_CHUNK_DST_IP4 = 4,
	HEP_CHUNK_SRC_IP6 = 5,
	HEP_CHUNK_DST_IP6 = 6,
	HEP_CHUNK_SRC_PORT = 7,   /* uint16 */
	HEP_CHUNK_DST_PORT = 8,   /* uint16 */
	HEP_CHUNK_TS_SEC = 9,     /* uint32, seconds since the epoch */
	HEP_CHUNK_TS_USEC = 10,   /* uint32, microseconds added to it */
	HEP_CHUNK_PROTO_TYPE = 11, /* uint8: 1 = SIP */
	HEP_CHUNK_AGENT_ID = 12,  /* uint32 */
	HEP_CHUNK_AUTH_KEY = 14,  /* octets */
	HEP_CHUNK_PAYLOAD = 15,   /* octets: the captured message */
	HEP_CHUNK_COMPRESSED = 16, /* octets: gzip of the message */
};

#define HEP_FAMILY_IPV4 2
#define HEP_FAMILY_IPV6 10
#define HEP_PROTO_TYPE_SIP 1
#define HEP_IPPROTO_TCP 6
#define HEP_IPPROTO_UDP 17

/* What the chunks said, before the required ones are checked. */
struct hep_seen {
	uint8_t family, ip_proto, proto_type;
	bool has_family, has_ip_proto, has_proto_type;
	bool has_src4, has_dst4, has_src6, has_dst6, has_sport, has_dport;
	bool has_sec, has_usec, compressed;
	uint8_t src4[4], dst4[4], src6[16], dst6[16];
	uint16_t sport, dport;
	uint32_t sec, usec;
};

bool hep_is_hep3(const uint8_t *p, size_t n)
{
	return n >= 4 && memcmp(p, "HEP3", 4) == 0;
}

long hep_frame_len(const uint8_t *p, size_t n)
{
	if (n < 4)
		return memcmp(p, "HEP3", n) == 0 ? 0 : -1;
	if (!hep_is_hep3(p, n))
		return -1;
	if (n < HEP3_HEADER_LEN)
		return 0;
	long len = (long)p[4] << 8 | p[5];
	return len < HEP3_HEADER_LEN ? -1 : len;
}

/* The size a generic chunk's value must have; 0 = any (octet strings and
 * chunk types this parser does not read). */
static size_t hep_chunk_size(uint16_t type)
{
	switch (type) {
	case HEP_CHUNK_FAMILY:
	case HEP_CHUNK_IP_PROTO:
	case HEP_CHUNK_PROTO_TYPE:
		return 1;
	case HEP_CHUNK_SRC_PORT:
	case HEP_CHUNK_DST_PORT:
		return 2;
	case HEP_CHUNK_SRC_IP4:
	case HEP_CHUNK_DST_IP4:
	case HEP_CHUNK_TS_SEC:
	case HEP_CHUNK_TS_USEC:
	case HEP_CHUNK_AGENT_ID:
		return 4;
	case HEP_CHUNK_SRC_IP6:
	case HEP_CHUNK_DST_IP6:
		return 16;
	default:
		return 0;
	}
}

static uint32_t hep_be(const uint8_t *v, size_t n)
{
	uint32_t x = 0;

	for (size_t i = 0; i < n; i++)
		x = x << 8 | v[i];
	return x;
}

/* One generic chunk's value (its size already checked) into seen / out. */
static void hep_chunk(uint16_t type, const uint8_t *v, size_t n, struct hep_seen *s,
		      struct hep_msg *out)
{
	switch (type) {
	case HEP_CHUNK_FAMILY:
		s->family = v[0], s->has_family = true;
		break;
	case HEP_CHUNK_IP_PROTO:
		s->ip_proto = v[0], s->has_ip_proto = true;
		break;
	case HEP_CHUNK_PROTO_TYPE:
		s->proto_type = v[0], s->has_proto_type = true;
		break;
	case HEP_CHUNK_SRC_IP4:
		memcpy(s->src4, v, 4), s->has_src4 = true;
		break;
	case HEP_CHUNK_DST_IP4:
		memcpy(s->dst4, v, 4), s->has_dst4 = true;
		break;
	case HEP_CHUNK_SRC_IP6:
		memcpy(s->src6, v, 16), s->has_src6 = true;
		break;
	case HEP_CHUNK_DST_IP6:
		memcpy(s->dst6, v, 16), s->has_dst6 = true;
		break;
	case HEP_CHUNK_SRC_PORT:
		s->sport = (uint16_t)hep_be(v, 2), s->has_sport = true;
		break;
	case HEP_CHUNK_DST_PORT:
		s->dport = (uint16_t)hep_be(v, 2), s->has_dport = true;
		break;
	case HEP_CHUNK_TS_SEC:
		s->sec = hep_be(v, 4), s->has_sec = true;
		break;
	case HEP_CHUNK_TS_USEC:
		s->usec = hep_be(v, 4), s->has_usec = true;
		break;
	case HEP_CHUNK_AGENT_ID:
		out->agent_id = hep_be(v, 4), out->has_agent = true;
		break;
	case HEP_CHUNK_AUTH_KEY:
		out->auth_key = v, out->auth_len = n;
		break;
	case HEP_CHUNK_PAYLOAD:
		out->payload = v, out->payload_len = n;
		break;
	case HEP_CHUNK_COMPRESSED:
		s->compressed = true;
		break;
	default:
		break; /* correlation id, VLAN, MOS, ...: not needed */
	}
}

/* The flow from the address chunks; false when they are missing or do not
 * match the family. */
static bool hep_flow(const struct hep_seen *s, struct flow *f)
{
	memset(f, 0, sizeof *f);
	if (!s->has_family || !s->has_ip_proto || !s->has_sport || !s->has_dport)
		return false;
	if (s->family == HEP_FAMILY_IPV4 && s->has_src4 && s->has_dst4) {
		f->src.family = f->dst.family = 4;
		memcpy(f->src.ip, s->src4, 4);
		memcpy(f->dst.ip, s->dst4, 4);
	} else if (s->family == HEP_FAMILY_IPV6 && s->has_src6 && s->has_dst6) {
		f->src.family = f->dst.family = 6;
		memcpy(f->src.ip, s->src6, 16);
		memcpy(f->dst.ip, s->dst6, 16);
	} else {
		return false;
	}
	f->src.port = s->sport;
	f->dst.port = s->dport;
	f->transport = s->ip_proto == HEP_IPPROTO_TCP ? TRANSPORT_TCP : TRANSPORT_UDP;
	return true;
}

/* The chunks after the header; HEP_OK when every length holds. */
static enum hep_status hep_chunks(struct reader *r, struct hep_seen *s, struct hep_msg *out)
{
	while (reader_left(r) > 0) {
		uint16_t vendor = reader_be16(r);
		uint16_t type = reader_be16(r);
		uint16_t clen = reader_be16(r);
		if (r->truncated)
			return HEP_TRUNCATED;
		if (clen <= HEP_CHUNK_HEADER)
			return HEP_INVALID; /* zero-length (or empty) chunk */
		const uint8_t *v = reader_take(r, clen - HEP_CHUNK_HEADER);
		if (!v)
			return HEP_TRUNCATED; /* overlong: runs past the packet */
		size_t n = clen - HEP_CHUNK_HEADER;
		if (vendor != 0)
			continue;
		size_t want = hep_chunk_size(type);
		if (want && n != want)
			return HEP_INVALID;
		hep_chunk(type, v, n, s, out);
	}
	return HEP_OK;
}

enum hep_status hep_parse(const uint8_t *p, size_t n, struct hep_msg *out)
{
	struct reader r;
	struct hep_seen s;

	memset(out, 0, sizeof *out);
	memset(&s, 0, sizeof s);
	out->ts_us = TS_NONE;
	if (!hep_is_hep3(p, n))
		return HEP_NOT_HEP;
	if (n < HEP3_HEADER_LEN)
		return HEP_TRUNCATED;
	size_t total = (size_t)p[4] << 8 | p[5];
	if (total > n)
		return HEP_TRUNCATED;
	if (total < n || total < HEP3_HEADER_LEN)
		return HEP_INVALID; /* the length lies about the packet */
	reader_init(&r, p + HEP3_HEADER_LEN, n - HEP3_HEADER_LEN);
	enum hep_status st = hep_chunks(&r, &s, out);
	if (st != HEP_OK)
		return st;
	if (s.has_usec && s.usec >= USEC_PER_SEC)
		return HEP_INVALID;
	if (s.has_sec)
		out->ts_us = (int64_t)s.sec * USEC_PER_SEC + (s.has_usec ? s.usec : 0);
	if ((s.has_proto_type && s.proto_type != HEP_PROTO_TYPE_SIP) ||
	    (s.compressed && !out->payload))
		return HEP_NOT_SIP;
	if (!hep_flow(&s, &out->flow) || !out->payload)
		return HEP_INVALID;
	if (s.ip_proto != HEP_IPPROTO_TCP && s.ip_proto != HEP_IPPROTO_UDP)
		return HEP_NOT_SIP; /* SCTP and others: no transport here to carry them */
	return HEP_OK;
}

bool hep_auth_ok(const struct hep_msg *m, const char *password)
{
	if (!password || !*password)
		return true;
	size_t n = strlen(password);
	/* The key is compared whole; its length is not secret. */
	if (!m->auth_key || m->auth_len != n)
		return false;
	unsigned diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned)(m->auth_key[i] ^ (uint8_t)password[i]);
	return diff == 0;
}

bool hep_input(const uint8_t *p, size_t n, int64_t fallback_ts, const char *password,
	       struct hep_counters *c, struct sip_packet *hdr, const uint8_t **payload)
{
	struct hep_msg m;

	c->packets++;
	switch (hep_parse(p, n, &m)) {
	case HEP_OK:
		break;
	case HEP_NOT_SIP:
		c->not_sip++;
		return false;
	default:
		c->errors++;
		return false;
	}
	if (!hep_auth_ok(&m, password)) {
		c->auth_failed++;
		return false;
	}
	if (m.payload_len > UINT32_MAX) {
		c->errors++;
		return false;
	}
	c->messages++;
	sip_packet_init(hdr, m.ts_us != TS_NONE ? m.ts_us : fallback_ts, &m.flow,
			(uint32_t)m.payload_len);
	hdr->hep = true;
	hdr->hep_has_agent = m.has_agent;
	hdr->hep_agent_id = m.agent_id;
	*payload = m.payload;
	return true;
}
