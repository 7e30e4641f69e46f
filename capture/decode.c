/* decode: the decoder object and the per-frame entry point.
 *
 * decoder_frame runs link → ip → transport; each frame that goes no further
 * is counted once, as truncated, invalid or unsupported.  Pending state
 * (fragments, TCP streams) is aged by packet time: at most once a second of
 * packet time the frame path sweeps out what has timed out. */
#include "capture/decode.h"

#include <stdlib.h>

#include "capture/decode_int.h"
#include "capture/ip.h"
#include "capture/ipfrag.h"
#include "capture/link.h"
#include "capture/tcp_stream.h"
#include "common/xalloc.h"

#define DECODE_SIP_PORT 5060
#define DECODE_TLS_PORT 5061
#define DECODE_SWEEP_US USEC_PER_SEC

void decoder_config_defaults(struct decoder_config *cfg)
{
	*cfg = (struct decoder_config){
		.sip_ports = {DECODE_SIP_PORT},
		.n_sip_ports = 1,
		.tls_ports = {DECODE_TLS_PORT},
		.n_tls_ports = 1,
		.hep_ports = {HEP_PORT_DEFAULT},
		.n_hep_ports = 1,
		.max_fragment_bytes = 8u << 20,
		.fragment_timeout_us = 30 * USEC_PER_SEC,
		.max_tcp_streams = 4096,
		.max_tcp_stream_bytes = 256u << 10,
		.tcp_idle_timeout_us = 120 * USEC_PER_SEC,
	};
}

struct decoder *decoder_new(const struct decoder_config *cfg, decoder_emit_fn emit, void *ctx)
{
	struct decoder *d = xcalloc(1, sizeof *d);

	d->cfg = *cfg;
	if (d->cfg.n_sip_ports > DECODER_MAX_PORTS)
		d->cfg.n_sip_ports = DECODER_MAX_PORTS;
	if (d->cfg.n_tls_ports > DECODER_MAX_PORTS)
		d->cfg.n_tls_ports = DECODER_MAX_PORTS;
	if (d->cfg.n_hep_ports > DECODER_MAX_PORTS)
		d->cfg.n_hep_ports = DECODER_MAX_PORTS;
	d->emit = emit;
	d->ctx = ctx;
	d->frags = ipfrag_new(&d->cfg, &d->stats);
	d->tcp = tcp_stream_table_new(&d->cfg);
	d->last_sweep_us = TS_NONE;
	return d;
}

void decoder_free(struct decoder *d)
{
	if (!d)
		return;
	ipfrag_free(d->frags);
	tcp_stream_table_free(d->tcp);
	free(d);
}

void decode_emit(struct decoder *d, int64_t ts_us, const struct flow *f, const uint8_t *data,
		 size_t len)
{
	d->stats.sip_candidates++;
	d->emit(d->ctx, sip_packet_new(ts_us, f, data, (uint32_t)len));
}

void decode_hep(struct decoder *d, int64_t ts_us, const uint8_t *data, size_t len)
{
	struct sip_packet *pkt = hep_input(data, len, ts_us, d->cfg.hep_password, &d->stats.hep);

	if (pkt) {
		d->stats.sip_candidates++;
		d->emit(d->ctx, pkt);
	}
}

bool decode_port_in(const uint16_t *ports, size_t n, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

static void decoder_count(struct decoder *d, enum decode_status st)
{
	switch (st) {
	case DECODE_OK:
		break;
	case DECODE_TRUNCATED:
		d->stats.truncated++;
		break;
	case DECODE_INVALID:
		d->stats.invalid++;
		break;
	case DECODE_UNSUPPORTED:
		d->stats.unsupported++;
		break;
	}
}

/* Packet time can jump backwards in merged captures; sweep again from there. */
static void decoder_sweep(struct decoder *d, int64_t ts_us)
{
	if (d->last_sweep_us != TS_NONE && ts_us >= d->last_sweep_us &&
	    ts_us - d->last_sweep_us < DECODE_SWEEP_US)
		return;
	d->last_sweep_us = ts_us;
	decoder_expire(d, ts_us);
}

void decoder_frame(struct decoder *d, int linktype, int64_t ts_us, const uint8_t *frame,
		   uint32_t caplen)
{
	struct link_payload lp;

	d->stats.frames++;
	decoder_sweep(d, ts_us);
	enum decode_status st = link_decode(linktype, frame, caplen, &lp);
	if (st == DECODE_OK)
		st = ip_decode(d, ts_us, lp.ip_version, lp.data, lp.len);
	decoder_count(d, st);
}

void decoder_expire(struct decoder *d, int64_t now_us)
{
	ipfrag_expire(d->frags, now_us);
	tcp_stream_expire(d, now_us);
}

void decoder_flush(struct decoder *d)
{
	ipfrag_clear(d->frags);
	tcp_stream_clear(d);
}

const struct decoder_stats *decoder_stats(const struct decoder *d)
{
	return &d->stats;
}

bool decoder_linktype_supported(int linktype)
{
	return link_supported(linktype);
}
