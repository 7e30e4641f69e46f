/* transport: UDP (RFC 768) and TCP (RFC 9293) headers.
 *
 * The IP layer has checked that the whole IP payload was captured, so a
 * transport header or length running past it is invalid, not truncated.
 * Checksums are not verified: capture on the sending host sees them before
 * the NIC fills them in. */
#include "capture/transport.h"

#include "capture/sip_detect.h"
#include "capture/tcp_stream.h"
#include "common/bytes.h"

#define UDP_HEADER 8
#define TCP_MIN_HEADER 20

/* One datagram, one candidate (if it is SIP). */
static enum decode_status transport_udp(struct decoder *d, int64_t ts_us, struct flow *f,
					const uint8_t *data, size_t len)
{
	struct reader r;

	reader_init(&r, data, len);
	f->src.port = reader_be16(&r);
	f->dst.port = reader_be16(&r);
	size_t ulen = reader_be16(&r);
	reader_skip(&r, 2); /* checksum */
	f->transport = TRANSPORT_UDP;
	/* A UDP length of 0 is an RFC 2675 jumbogram: not decoded, like the IP side. */
	if (r.truncated || ulen < UDP_HEADER || ulen > len)
		return DECODE_INVALID;
	const uint8_t *p = data + UDP_HEADER;
	size_t n = ulen - UDP_HEADER;

	if ((decode_port_in(d->cfg.hep_ports, d->cfg.n_hep_ports, f->dst.port) ||
	     decode_port_in(d->cfg.hep_ports, d->cfg.n_hep_ports, f->src.port)) && hep_is_hep3(p, n)) {
		decode_hep(d, ts_us, p, n);
		return DECODE_OK;
	}
	enum sip_detect_kind kind = sip_detect_classify(&d->cfg, f, p, n);
	if (kind == SIP_DETECT_TLS)
		d->stats.encrypted++;
	else if (kind == SIP_DETECT_SIP && !sip_detect_keepalive(p, n))
		decode_emit(d, ts_us, f, p, n);
	else
		d->stats.non_sip++; /* not SIP, or only a CRLF keepalive */
	return DECODE_OK;
}

static enum decode_status transport_tcp(struct decoder *d, int64_t ts_us, struct flow *f,
					const uint8_t *data, size_t len)
{
	struct reader r;
	struct tcp_segment seg;

	reader_init(&r, data, len);
	f->src.port = reader_be16(&r);
	f->dst.port = reader_be16(&r);
	seg.seq = reader_be32(&r);
	reader_skip(&r, 4); /* acknowledgment number */
	uint16_t off_flags = reader_be16(&r);
	reader_skip(&r, 6); /* window, checksum, urgent pointer */
	f->transport = TRANSPORT_TCP;
	size_t hlen = (size_t)(off_flags >> 12) * 4;
	if (r.truncated || hlen < TCP_MIN_HEADER || hlen > len)
		return DECODE_INVALID;
	seg.flags = (uint8_t)off_flags;
	seg.data = data + hlen;
	seg.len = len - hlen;
	d->stats.tcp_segments++;
	tcp_stream_segment(d, ts_us, f, &seg);
	return DECODE_OK;
}

enum decode_status transport_decode(struct decoder *d, int64_t ts_us, uint8_t proto,
				    struct flow *f, const uint8_t *data, size_t len)
{
	switch (proto) {
	case TRANSPORT_PROTO_UDP:
		return transport_udp(d, ts_us, f, data, len);
	case TRANSPORT_PROTO_TCP:
		return transport_tcp(d, ts_us, f, data, len);
	default:
		return DECODE_UNSUPPORTED;
	}
}
