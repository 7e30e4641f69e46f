/* ws_frame: WebSocket (RFC 6455) framing of one direction, with
 * permessage-deflate (RFC 7692), and the HTTP Upgrade that starts it. */
#ifndef SIPWATCH_WS_FRAME_H
#define SIPWATCH_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the server's 101 response negotiated (RFC 7692 7.1). */
struct ws_deflate_params {
	bool deflate;
	bool client_no_takeover, server_no_takeover;
};

/* Receives one complete message (text or binary, after inflation). */
typedef void (*ws_frame_sink_fn)(void *ctx, const uint8_t *msg, size_t len);

struct ws_frame;

struct ws_frame *ws_frame_new(void);
void ws_frame_free(struct ws_frame *w);
/* Starts decompressing once the Upgrade said so; no_takeover: each message
 * on its own (the sender's *_no_context_takeover). */
void ws_frame_set_deflate(struct ws_frame *w, bool no_takeover);

/* Consumes whole frames from buf, handing complete messages of at most max
 * bytes to sink.  Returns the bytes used, or SIZE_MAX on a protocol error
 * (the stream is not WebSocket, or a message too big). */
size_t ws_frame_feed(struct ws_frame *w, const uint8_t *buf, size_t len, size_t max,
		     ws_frame_sink_fn sink, void *ctx);

/* Does a stream start like the Upgrade request or its 101 answer (RFC 6455 4)? */
bool ws_frame_is_upgrade(const uint8_t *p, size_t len);
/* The end of the HTTP header block (just past the blank line), or 0. */
size_t ws_frame_http_end(const uint8_t *p, size_t len);
/* Reads Sec-WebSocket-Extensions from a 101 response header block. */
void ws_frame_parse_extensions(const uint8_t *hdr, size_t len, struct ws_deflate_params *out);

#endif
