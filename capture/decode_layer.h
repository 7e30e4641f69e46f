/* decode_layer: the narrow interface every decoder layer gets, and nothing more.
 *
 * A frame is decoded by one bounded loop (decode.c).  Each step looks up the
 * layer for what the bytes are (a key: link type, Ethernet type, IP protocol,
 * UDP destination port, GRE protocol type, PPP protocol) in the const tables
 * of decode_table.c and calls it with
 *   - struct decode_env: the configuration, the sink {emit, ctx, stats} and the
 *     two pieces of reassembly state (fragments, TCP streams);
 *   - struct decode_pkt: the bytes at this layer, what they are, and what the
 *     outer layers found (innermost addresses and ports, encapsulations).
 * A layer either hands the loop the next layer's bytes and key (DECODE_NEXT),
 * or finishes the frame: DECODE_OK (delivered to the sink or held for
 * reassembly), or why it gave up.  No layer calls another layer or decode.c,
 * so a layer is a leaf: adding an encapsulation is one file plus one table line.
 *
 * Layers read packet bytes only through common/bytes.h. */
#ifndef SIPWATCH_DECODE_LAYER_H
#define SIPWATCH_DECODE_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"

/* What one layer made of its bytes.  Each frame that is not delivered is
 * counted once, by the first layer that gives up. */
enum decode_status {
	DECODE_OK,          /* done: delivered, held for reassembly, or counted */
	DECODE_NEXT,        /* go on with pkt->data/len as pkt->key/value */
	DECODE_TRUNCATED,   /* fewer bytes captured than the headers say exist */
	DECODE_INVALID,     /* the bytes contradict themselves or the protocol */
	DECODE_UNSUPPORTED, /* a protocol we do not decode; pkt->why says which */
};

/* What the bytes handed to the next layer are; the value's meaning per key. */
enum decode_key {
	DECODE_KEY_LINK,      /* a libpcap DLT */
	DECODE_KEY_ETHERTYPE, /* an IEEE 802 Ethernet type */
	DECODE_KEY_IP,        /* an IP header of version 4, 6, or 0 (its first nibble says) */
	DECODE_KEY_IPPROTO,   /* IANA protocol number (IPv4 protocol / IPv6 next header) */
	DECODE_KEY_UDP_PORT,  /* a UDP payload, by destination port */
	DECODE_KEY_GRE,       /* a GRE payload, by protocol type (RFC 2784 2.4: Ether types) */
	DECODE_KEY_PPP,       /* a PPP payload, by PPP protocol (RFC 1661 2) */
};

/* The caller's sink: every layer that finds SIP hands it here. */
struct decode_sink {
	decoder_emit_fn emit;
	void *ctx;
	struct decoder_stats *stats;
};

struct ipfrag_table;
struct tcp_stream_table;

struct decode_env {
	const struct decoder_config *cfg;
	struct decode_sink sink;
	struct ipfrag_table *frags;
	struct tcp_stream_table *tcp;
};

#define DECODE_MAX_OWNED 4 /* reassembled datagrams one frame may carry, nested */

struct decode_pkt {
	int64_t ts_us;
	const uint8_t *data; /* this layer's bytes */
	size_t len;
	enum decode_key key;
	uint32_t value;
	enum decoder_why why; /* set with DECODE_UNSUPPORTED */
	uint32_t encaps;      /* bit per enum decoder_encap crossed, counted once a frame */
	/* The innermost IP header so far: addresses (ports once UDP/TCP is read). */
	struct flow flow;
	uint8_t ip_family;   /* 0 before any IP header */
	bool ip_whole;       /* the innermost IP packet came out of reassembly (or was atomic) */
	uint8_t ip_ext;      /* IPv6 extension headers walked in it */
	bool has_ip_id;      /* IPv4 identification of the innermost header, when not 0 */
	uint16_t ip_id;
	uint8_t *owned[DECODE_MAX_OWNED]; /* reassembled buffers, freed by the loop */
	size_t n_owned;
};

typedef enum decode_status (*decode_layer_fn)(const struct decode_env *env,
					      struct decode_pkt *pkt);

/* Hands the loop the next layer's bytes. */
static inline enum decode_status decode_next(struct decode_pkt *pkt, enum decode_key key,
					     uint32_t value, const uint8_t *data, size_t len)
{
	pkt->key = key;
	pkt->value = value;
	pkt->data = data;
	pkt->len = len;
	return DECODE_NEXT;
}

static inline enum decode_status decode_unsupported(struct decode_pkt *pkt, enum decoder_why why)
{
	pkt->why = why;
	return DECODE_UNSUPPORTED;
}

/* One SIP candidate to the caller (who copies what it keeps). */
static inline void decode_sink_emit(const struct decode_sink *s, int64_t ts_us,
				    const struct flow *f, const struct sip_wire *w,
				    const uint8_t *data, size_t len)
{
	struct sip_packet h;

	sip_packet_init(&h, ts_us, f, (uint32_t)len);
	if (w)
		h.wire = *w;
	s->stats->sip_candidates++;
	s->emit(s->ctx, &h, data);
}

static inline bool decode_port_in(const uint16_t *ports, size_t n, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

/* The tables (decode_table.c): the layer for a key, or NULL. */
struct decode_layer {
	enum decode_key key;
	uint32_t value;
	decode_layer_fn fn;
	int encap; /* enum decoder_encap counted when this layer runs, or -1 */
};

const struct decode_layer *decode_table_find(const struct decoder_config *cfg,
					     enum decode_key key, uint32_t value);

#endif
