/* hep_encode: HEP v3 packet writer (hep_encode.h).
 *
 * Every write checks the room left first; the first one that does not fit
 * makes the whole packet fail (0), never a truncated packet. */
#include "capture/hep_encode.h"

#include <stdbool.h>
#include <string.h>

enum {
	HEP_CHUNK_IP_FAMILY = 1,
	HEP_CHUNK_IP_PROTO = 2,
	HEP_CHUNK_IPV4_SRC = 3,
	HEP_CHUNK_IPV4_DST = 4,
	HEP_CHUNK_IPV6_SRC = 5,
	HEP_CHUNK_IPV6_DST = 6,
	HEP_CHUNK_SRC_PORT = 7,
	HEP_CHUNK_DST_PORT = 8,
	HEP_CHUNK_TS_SEC = 9,
	HEP_CHUNK_TS_USEC = 10,
	HEP_CHUNK_PROTO_TYPE = 11,
	HEP_CHUNK_AGENT_ID = 12,
	HEP_CHUNK_AUTH_KEY = 14,
	HEP_CHUNK_PAYLOAD = 15,
	HEP_CHUNK_CORRELATION = 17,
};

#define HEP_CHUNK_HDR 6
#define HEP_FAMILY_INET 2   /* AF_INET as HEP carries it */
#define HEP_FAMILY_INET6 10 /* AF_INET6 on Linux, what receivers expect */

struct hep_out {
	uint8_t *p;
	size_t cap, len;
	bool failed;
};

static void hep_put(struct hep_out *o, const void *v, size_t n)
{
	if (o->failed || n > o->cap - o->len || n > HEP_ENCODE_MAX - o->len) {
		o->failed = true;
		return;
	}
	memcpy(o->p + o->len, v, n);
	o->len += n;
}

static void hep_put16(struct hep_out *o, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	hep_put(o, b, 2);
}

static void hep_chunk(struct hep_out *o, uint16_t type, const void *v, size_t n)
{
	if (n > HEP_ENCODE_MAX - HEP_CHUNK_HDR) {
		o->failed = true;
		return;
	}
	hep_put16(o, 0); /* generic vendor */
	hep_put16(o, type);
	hep_put16(o, (uint16_t)(n + HEP_CHUNK_HDR));
	hep_put(o, v, n);
}

static void hep_chunk8(struct hep_out *o, uint16_t type, uint8_t v)
{
	hep_chunk(o, type, &v, 1);
}

static void hep_chunk16(struct hep_out *o, uint16_t type, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	hep_chunk(o, type, b, 2);
}

static void hep_chunk32(struct hep_out *o, uint16_t type, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	hep_chunk(o, type, b, 4);
}

static void hep_addresses(struct hep_out *o, const struct hep_encode_msg *m)
{
	if (m->src.family == 6 && m->dst.family == 6) {
		hep_chunk8(o, HEP_CHUNK_IP_FAMILY, HEP_FAMILY_INET6);
		hep_chunk8(o, HEP_CHUNK_IP_PROTO, m->ip_proto);
		hep_chunk(o, HEP_CHUNK_IPV6_SRC, m->src.ip, 16);
		hep_chunk(o, HEP_CHUNK_IPV6_DST, m->dst.ip, 16);
	} else {
		/* Mixed or absent families: IPv4, zero where there is no v4 address. */
		static const uint8_t zero[4];
		hep_chunk8(o, HEP_CHUNK_IP_FAMILY, HEP_FAMILY_INET);
		hep_chunk8(o, HEP_CHUNK_IP_PROTO, m->ip_proto);
		hep_chunk(o, HEP_CHUNK_IPV4_SRC, m->src.family == 4 ? m->src.ip : zero, 4);
		hep_chunk(o, HEP_CHUNK_IPV4_DST, m->dst.family == 4 ? m->dst.ip : zero, 4);
	}
	hep_chunk16(o, HEP_CHUNK_SRC_PORT, m->src.port);
	hep_chunk16(o, HEP_CHUNK_DST_PORT, m->dst.port);
}

size_t hep_encode(uint8_t *out, size_t cap, const struct hep_encode_msg *m)
{
	struct hep_out o = {out, cap, 0, false};
	int64_t sec = m->ts_us / USEC_PER_SEC, usec = m->ts_us % USEC_PER_SEC;

	if (usec < 0) {
		sec--;
		usec += USEC_PER_SEC;
	}
	hep_put(&o, "HEP3", 4);
	hep_put16(&o, 0); /* total length, set below */
	hep_addresses(&o, m);
	hep_chunk32(&o, HEP_CHUNK_TS_SEC, (uint32_t)sec);
	hep_chunk32(&o, HEP_CHUNK_TS_USEC, (uint32_t)usec);
	hep_chunk8(&o, HEP_CHUNK_PROTO_TYPE, m->proto_type);
	hep_chunk32(&o, HEP_CHUNK_AGENT_ID, m->agent_id);
	if (m->password)
		hep_chunk(&o, HEP_CHUNK_AUTH_KEY, m->password, strlen(m->password));
	if (m->correlation)
		hep_chunk(&o, HEP_CHUNK_CORRELATION, m->correlation, strlen(m->correlation));
	hep_chunk(&o, HEP_CHUNK_PAYLOAD, m->payload, m->payload_len);
	if (o.failed)
		return 0;
	out[4] = (uint8_t)(o.len >> 8);
	out[5] = (uint8_t)o.len;
	return o.len;
}
