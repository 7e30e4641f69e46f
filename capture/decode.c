/* decode: the decoder object and the one loop that runs the layers.
 *
 * decoder_frame starts at the link layer and, step by step, asks the tables
 * (decode_table.c) which layer reads the bytes the previous one handed on.
 * The loop is the only place that knows about depth: a frame nested deeper
 * than DECODE_MAX_LAYERS (a "nesting bomb", tunnels in tunnels) is counted as
 * invalid and as nesting, never followed.  Each frame that goes no further is
 * counted once, as truncated, invalid or unsupported by reason.  Pending
 * state (fragments, TCP streams) is aged by packet time: at most once a
 * second of packet time the frame path sweeps out what has timed out. */
#include "capture/decode.h"

#include <stdlib.h>

#include "capture/decode_layer.h"
#include "capture/ipfrag.h"
#include "capture/link.h"
#include "capture/tcp_stream.h"
#include "common/xalloc.h"

#define DECODE_SIP_PORT 5060
#define DECODE_TLS_PORT 5061
#define DECODE_SWEEP_US USEC_PER_SEC
/* Ethernet, IPv4, UDP, SIP is 4 steps; 8 VLAN tags, 8 IPv6 extension
 * headers, a fragment header and a few tunnels fit well below this. */
#define DECODE_MAX_LAYERS 40

struct decoder {
	struct decoder_config cfg;
	struct decoder_stats stats;
	struct decode_env env;
	int64_t last_sweep_us; /* packet time of the last expiry sweep */
};

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
	if (d->cfg.n_vxlan_ports > DECODER_MAX_PORTS)
		d->cfg.n_vxlan_ports = DECODER_MAX_PORTS;
	d->env.cfg = &d->cfg;
	d->env.sink = (struct decode_sink){.emit = emit, .ctx = ctx, .stats = &d->stats};
	d->env.frags = ipfrag_new(&d->cfg, &d->stats);
	d->env.tcp = tcp_stream_table_new(&d->cfg, &d->stats);
	d->last_sweep_us = TS_NONE;
	return d;
}

void decoder_free(struct decoder *d)
{
	if (!d)
		return;
	ipfrag_free(d->env.frags);
	tcp_stream_table_free(d->env.tcp);
	free(d);
}

static void decoder_count(struct decoder *d, const struct decode_pkt *pkt, enum decode_status st)
{
	switch (st) {
	case DECODE_OK:
	case DECODE_NEXT:
		break;
	case DECODE_TRUNCATED:
		d->stats.truncated++;
		break;
	case DECODE_INVALID:
		d->stats.invalid++;
		break;
	case DECODE_UNSUPPORTED:
		d->stats.unsupported++;
		d->stats.why[pkt->why < DECODER_WHY_N ? pkt->why : DECODER_WHY_OTHER]++;
		break;
	}
	for (int e = 0; e < DECODER_ENCAP_N; e++)
		if (pkt->encaps & (1u << e))
			d->stats.encap[e]++;
}

/* A key no table knows: why the frame stops here. */
static enum decoder_why decoder_unknown(enum decode_key key)
{
	switch (key) {
	case DECODE_KEY_LINK:
		return DECODER_WHY_LINKTYPE;
	case DECODE_KEY_ETHERTYPE:
		return DECODER_WHY_ETHERTYPE;
	case DECODE_KEY_IPPROTO:
		return DECODER_WHY_IP_PROTO;
	default:
		return DECODER_WHY_ENCAP;
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
	struct decode_pkt pkt = {
		.ts_us = ts_us,
		.data = frame,
		.len = caplen,
		.key = DECODE_KEY_LINK,
		.value = (uint32_t)linktype,
	};
	enum decode_status st = DECODE_NEXT;

	d->stats.frames++;
	decoder_sweep(d, ts_us);
	for (int depth = 0; st == DECODE_NEXT; depth++) {
		if (depth == DECODE_MAX_LAYERS) {
			d->stats.nesting++;
			st = DECODE_INVALID;
			break;
		}
		const struct decode_layer *l = decode_table_find(&d->cfg, pkt.key, pkt.value);
		if (!l) {
			st = decode_unsupported(&pkt, decoder_unknown(pkt.key));
			break;
		}
		if (l->encap >= 0)
			pkt.encaps |= 1u << l->encap;
		st = l->fn(&d->env, &pkt);
	}
	decoder_count(d, &pkt, st);
	for (size_t i = 0; i < pkt.n_owned; i++)
		free(pkt.owned[i]);
}

void decoder_expire(struct decoder *d, int64_t now_us)
{
	ipfrag_expire(d->env.frags, now_us);
	tcp_stream_expire(d->env.tcp, now_us);
}

void decoder_flush(struct decoder *d)
{
	ipfrag_clear(d->env.frags);
	tcp_stream_clear(d->env.tcp);
}

const struct decoder_stats *decoder_stats(const struct decoder *d)
{
	return &d->stats;
}

bool decoder_linktype_supported(int linktype)
{
	return link_supported(linktype);
}

const char *decoder_encap_name(enum decoder_encap e)
{
	static const char *const names[DECODER_ENCAP_N] = {
		[DECODER_ENCAP_VLAN] = "vlan",     [DECODER_ENCAP_MPLS] = "mpls",
		[DECODER_ENCAP_PPPOE] = "pppoe",   [DECODER_ENCAP_GRE] = "gre",
		[DECODER_ENCAP_ERSPAN] = "erspan", [DECODER_ENCAP_VXLAN] = "vxlan",
		[DECODER_ENCAP_GENEVE] = "geneve", [DECODER_ENCAP_IPIP] = "ipip",
		[DECODER_ENCAP_SCTP] = "sctp",
	};
	return (unsigned)e < DECODER_ENCAP_N ? names[e] : "?";
}

const char *decoder_why_name(enum decoder_why w)
{
	static const char *const names[DECODER_WHY_N] = {
		[DECODER_WHY_OTHER] = "unsupported_other",
		[DECODER_WHY_LINKTYPE] = "unknown_linktype",
		[DECODER_WHY_ETHERTYPE] = "unknown_ethertype",
		[DECODER_WHY_IP_PROTO] = "unknown_ip_protocol",
		[DECODER_WHY_ENCAP] = "unsupported_encapsulation",
	};
	return (unsigned)w < DECODER_WHY_N ? names[w] : "?";
}
