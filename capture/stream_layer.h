/* stream_layer: what sits between TCP reassembly and SIP framing on a stream
 * that is not plain SIP — TLS (decrypted when keys allow), WebSocket (RFC
 * 7118), or WebSocket inside TLS — one object per direction, each owning its
 * state; the two directions of a connection share the TLS session and the
 * WebSocket negotiation. */
#ifndef SIPWATCH_STREAM_LAYER_H
#define SIPWATCH_STREAM_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode_layer.h"

struct stream_layer;

/* Do the first bytes of a stream call for a layer: a TLS handshake record or
 * a WebSocket Upgrade (request or 101 answer)?  Any port. */
bool stream_layer_detect(const uint8_t *p, size_t len);
/* Is it TLS (for the encrypted counter)? */
bool stream_layer_is_tls(const struct stream_layer *l);
/* The layer for the stream of flow f starting with p; peer is the opposite
 * direction's layer if it exists (they then share their connection state). */
struct stream_layer *stream_layer_new(const struct decoder_config *cfg,
				      const struct decode_sink *sink, const struct flow *f,
				      struct stream_layer *peer, const uint8_t *p, size_t len);
void stream_layer_free(struct stream_layer *l);
/* In-order stream bytes; returns how many were used (the rest is kept by
 * the caller and offered again with what follows). */
size_t stream_layer_feed(const struct decode_sink *sink, struct stream_layer *l, int64_t ts_us,
			 const uint8_t *buf, size_t len);

#endif
