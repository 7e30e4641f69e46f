/* transport: UDP (RFC 768) and TCP (RFC 9293) headers, and UDP payloads that
 * are SIP.
 *
 * The IP layer has checked that the whole IP payload was captured, so a
 * transport header or length running past it is invalid, not truncated.
 * Checksums are not verified: capture on the sending host sees them before
 * the NIC fills them in.  A UDP payload goes on by destination port (the
 * tunnel table: VXLAN, GENEVE, ...); on any other port it is a SIP candidate
 * if sip_detect says so.  TCP segments go to stream reassembly. */
#include "capture/transport.h"

#include "capture/hep.h"
#include "capture/sip_detect.h"
#include "capture/tcp_stream.h"
#include "common/bytes.h"

#define UDP_HEADER 8
#define TCP_MIN_HEADER 20

enum decode_status transport_udp(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;
	struct flow *f = &pkt->flow;

	(void)env;
	reader_init(&r, pkt->data, pkt->len);
	f->src.port = reader_be16(&r);
	f->dst.port = reader_be16(&r);
	size_t ulen = reader_be16(&r);
	reader_skip(&r, 2); /* checksum */
	f->transport = TRANSPORT_UDP;
	/* A UDP length of 0 is an RFC 2675 jumbogram: not decoded, like the IP side. */
	if (r.truncated || ulen < UDP_HEADER || ulen > pkt->len)
		return DECODE_INVALID;
	return decode_next(pkt, DECODE_KEY_UDP_PORT, f->dst.port, pkt->data + UDP_HEADER,
			   ulen - UDP_HEADER);
}

/* One datagram, one candidate (if it is SIP). */
enum decode_status transport_udp_sip(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct decoder_stats *stats = env->sink.stats;
	const uint8_t *p = pkt->data;
	size_t n = pkt->len;

	/* HEP3 to or from a HEP port (--hep-port): capture/hep.c takes it whole. */
	const struct decoder_config *cfg = env->cfg;
	if ((decode_port_in(cfg->hep_ports, cfg->n_hep_ports, pkt->flow.dst.port) ||
	     decode_port_in(cfg->hep_ports, cfg->n_hep_ports, pkt->flow.src.port)) &&
	    hep_is_hep3(p, n)) {
		struct sip_packet hh;
		const uint8_t *payload;
		if (hep_input(p, n, pkt->ts_us, cfg->hep_password, &stats->hep, &hh, &payload)) {
			stats->sip_candidates++;
			env->sink.emit(env->sink.ctx, &hh, payload);
		}
		return DECODE_OK;
	}
	enum sip_detect_kind kind = sip_detect_classify(cfg, &pkt->flow, p, n);
	if (kind == SIP_DETECT_TLS) {
		stats->encrypted++;
	} else if (kind == SIP_DETECT_SIP && sip_detect_keepalive(p, n)) {
		stats->keepalives++;
	} else if (kind == SIP_DETECT_SIP && n) {
		struct sip_wire w = {0};
		if (pkt->has_ip_id)
			w = (struct sip_wire){.kind = SIP_WIRE_IPV4_ID, .id = pkt->ip_id};
		decode_sink_emit(&env->sink, pkt->ts_us, &pkt->flow, &w, p, n);
	} else {
		stats->non_sip++;
	}
	return DECODE_OK;
}

enum decode_status transport_tcp(const struct decode_env *env, struct decode_pkt *pkt)
{
	struct reader r;
	struct tcp_segment seg;
	struct flow *f = &pkt->flow;

	reader_init(&r, pkt->data, pkt->len);
	f->src.port = reader_be16(&r);
	f->dst.port = reader_be16(&r);
	seg.seq = reader_be32(&r);
	reader_skip(&r, 4); /* acknowledgment number */
	uint16_t off_flags = reader_be16(&r);
	reader_skip(&r, 6); /* window, checksum, urgent pointer */
	f->transport = TRANSPORT_TCP;
	size_t hlen = (size_t)(off_flags >> 12) * 4;
	if (r.truncated || hlen < TCP_MIN_HEADER || hlen > pkt->len)
		return DECODE_INVALID;
	seg.flags = (uint8_t)off_flags;
	seg.data = pkt->data + hlen;
	seg.len = pkt->len - hlen;
	env->sink.stats->tcp_segments++;
	tcp_stream_segment(env->tcp, &env->sink, pkt->ts_us, f, &seg);
	return DECODE_OK;
}
