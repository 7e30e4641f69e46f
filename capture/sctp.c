/* sctp: SIP over SCTP, RFC 4168, with the packet format of RFC 9260.
 *
 * A 12-byte common header (ports, verification tag, checksum), then chunks:
 * type, flags, length (header included, padded to 4 bytes on the wire).  A
 * packet may bundle several DATA chunks (type 0, RFC 9260 3.3.1); RFC 4168
 * 5.1 maps one SIP message to one SCTP user message, so each DATA chunk with
 * both B (beginning) and E (end) set carries one whole SIP message and
 * becomes one candidate.  User messages fragmented over several chunks are
 * not reassembled (counted as an unsupported encapsulation when nothing else
 * in the packet was SIP).  A chunk shorter than its header or longer than
 * the packet is invalid; so is a zero-length chunk, which would never end. */
#include "capture/tunnel.h"

#include "capture/sip_detect.h"
#include "common/bytes.h"

#define SCTP_COMMON_HEADER 12
#define SCTP_CHUNK_HEADER 4
#define SCTP_DATA_HEADER 16
#define SCTP_CHUNK_DATA 0
#define SCTP_FLAG_E 0x01
#define SCTP_FLAG_B 0x02
#define SCTP_MAX_CHUNKS 256

/* One whole user message: a SIP candidate if it looks like one. */
static bool sctp_message(const struct decode_env *env, const struct decode_pkt *pkt,
			 uint32_t tsn, const uint8_t *p, size_t n)
{
	enum sip_detect_kind kind = sip_detect_classify(env->cfg, &pkt->flow, p, n);

	if (kind == SIP_DETECT_SIP && sip_detect_keepalive(p, n)) {
		env->sink.stats->keepalives++;
		return false;
	}
	if (kind != SIP_DETECT_SIP || n == 0) {
		env->sink.stats->non_sip++;
		return false;
	}
	struct sip_wire w = {.kind = SIP_WIRE_SCTP_TSN, .id = tsn};
	decode_sink_emit(&env->sink, pkt->ts_us, &pkt->flow, &w, p, n);
	return true;
}

enum decode_status sctp_layer(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;
	struct flow *f = &pkt->flow;
	bool fragmented = false, any = false, data = false;

	reader_init(&r, pkt->data, pkt->len);
	f->src.port = reader_be16(&r);
	f->dst.port = reader_be16(&r);
	f->transport = TRANSPORT_SCTP;
	reader_skip(&r, 8); /* verification tag, CRC32c (not verified) */
	if (r.truncated)
		return DECODE_INVALID;
	for (int i = 0; reader_left(&r) > 0; i++) {
		if (i == SCTP_MAX_CHUNKS)
			return DECODE_INVALID;
		size_t at = r.off;
		uint8_t type = reader_u8(&r);
		uint8_t flags = reader_u8(&r);
		size_t clen = reader_be16(&r);
		if (r.truncated || clen < SCTP_CHUNK_HEADER || clen > pkt->len - at)
			return DECODE_INVALID;
		if (type == SCTP_CHUNK_DATA) {
			data = true;
			if (clen < SCTP_DATA_HEADER)
				return DECODE_INVALID;
			uint32_t tsn = reader_be32(&r);
			const uint8_t *p = pkt->data + at + SCTP_DATA_HEADER;
			size_t n = clen - SCTP_DATA_HEADER;
			if ((flags & (SCTP_FLAG_B | SCTP_FLAG_E)) == (SCTP_FLAG_B | SCTP_FLAG_E))
				any |= sctp_message(env, pkt, tsn, p, n);
			else
				fragmented = true;
		}
		/* the next chunk starts at the padded length; the last may be unpadded */
		size_t next = at + ((clen + 3) & ~(size_t)3);
		r.off = next < pkt->len ? next : pkt->len;
	}
	if (fragmented && !any)
		return decode_unsupported(pkt, DECODER_WHY_ENCAP);
	if (!data)
		env->sink.stats->non_sip++; /* INIT, SACK, HEARTBEAT ...: the association, not SIP */
	return DECODE_OK;
}
