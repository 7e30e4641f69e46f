/* decode_int: what the decoder's files share and nobody outside capture/ sees.
 *
 * The decoder is split by concern: link.c (headers in front of IP), ip.c
 * (IPv4/IPv6 and extension headers), ipfrag.c (fragment reassembly),
 * transport.c (UDP/TCP headers), tcp_stream.c (TCP reassembly), sip_frame.c
 * (Content-Length framing) and sip_detect.c (is this payload SIP?).  decode.c
 * ties them together and owns struct decoder. */
#ifndef SIPWATCH_DECODE_INT_H
#define SIPWATCH_DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"

/* What one layer made of its bytes.  Each frame is counted once, by the first
 * layer that gives up. */
enum decode_status {
	DECODE_OK,
	DECODE_TRUNCATED,   /* fewer bytes captured than the headers say exist */
	DECODE_INVALID,     /* the bytes contradict themselves or the protocol */
	DECODE_UNSUPPORTED, /* a protocol we do not decode */
};

struct ipfrag_table;
struct tcp_stream_table;

struct decoder {
	struct decoder_config cfg;
	struct decoder_stats stats;
	decoder_emit_fn emit;
	void *ctx;
	struct ipfrag_table *frags;
	struct tcp_stream_table *tcp;
	int64_t last_sweep_us; /* packet time of the last expiry sweep */
};

/* Hands one SIP candidate to the caller's emit function. */
void decode_emit(struct decoder *d, int64_t ts_us, const struct flow *f, const uint8_t *data,
		 size_t len);
/* A UDP payload on a HEP port that starts "HEP3": parsed by capture/hep.c. */
void decode_hep(struct decoder *d, int64_t ts_us, const uint8_t *data, size_t len);
bool decode_port_in(const uint16_t *ports, size_t n, uint16_t port);

/* FNV-1a, enough to spread flows over hash buckets. */
static inline uint32_t decode_hash(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

#define DECODE_HASH_INIT 2166136261u

#endif
