/* stream_layer: TLS → (HTTP Upgrade → WebSocket) → SIP on one direction.
 *
 * The outer layer is chosen by the stream's first bytes: a TLS handshake
 * record, or an HTTP Upgrade to websocket.  Inside TLS the first plaintext
 * bytes choose again: an Upgrade (SIP over WSS) or SIP itself.  SIP is cut
 * out by Content-Length on TLS (RFC 3261 18.3) and is one message per
 * WebSocket message (RFC 7118 5).  Messages carry transport tls, ws or wss.
 *
 * Anything that turns out not to be what it looked like (an HTTPS page, a
 * WebSocket that is not SIP, a broken frame) makes the layer discard the rest
 * of that direction: counted once as non-SIP, never parsed as SIP. */
#include "capture/stream_layer.h"

#include <stdlib.h>
#include <string.h>

#include "capture/sip_detect.h"
#include "capture/sip_frame.h"
#include "capture/tls_session.h"
#include "capture/ws_frame.h"
#include "common/xalloc.h"

enum stream_inner {
	STREAM_INNER_UNKNOWN, /* waiting for the first bytes */
	STREAM_INNER_HTTP,    /* the Upgrade request or its answer */
	STREAM_INNER_WS,
	STREAM_INNER_SIP,
	STREAM_INNER_DEAD,    /* not for us: everything is discarded */
};

/* What both directions share. */
struct stream_conn {
	int refs;
	struct tls_session *tls;
	struct ws_deflate_params ws;
	bool ws_known; /* the 101 answer was read */
};

struct stream_layer {
	struct stream_conn *conn;
	struct flow flow; /* as emitted: transport tls, ws or wss */
	bool tls;
	bool ws_client; /* this direction sent the Upgrade request */
	bool ws_deflate_set;
	enum stream_inner inner;
	uint8_t *buf; /* TLS plaintext not yet used by the inner layer */
	size_t len, cap;
	struct ws_frame *ws;
	const struct decoder_config *cfg;
	const struct decode_sink *sink; /* the decoder's, during a feed */
	int64_t ts_us;
};

bool stream_layer_detect(const uint8_t *p, size_t len)
{
	return sip_detect_tls_record(p, len) || ws_frame_is_upgrade(p, len);
}

bool stream_layer_is_tls(const struct stream_layer *l)
{
	return l->tls;
}

struct stream_layer *stream_layer_new(const struct decoder_config *cfg,
				      const struct decode_sink *sink, const struct flow *f,
				      struct stream_layer *peer, const uint8_t *p, size_t len)
{
	struct stream_layer *l = xcalloc(1, sizeof *l);

	l->cfg = cfg;
	l->sink = sink;
	l->flow = *f;
	l->tls = sip_detect_tls_record(p, len);
	l->flow.transport = l->tls ? TRANSPORT_TLS : TRANSPORT_WS;
	l->inner = l->tls ? STREAM_INNER_UNKNOWN : STREAM_INNER_HTTP;
	if (peer && peer->tls == l->tls) {
		l->conn = peer->conn;
		l->conn->refs++;
	} else {
		l->conn = xcalloc(1, sizeof *l->conn);
		l->conn->refs = 1;
	}
	if (l->tls && !l->conn->tls)
		l->conn->tls = tls_session_new(cfg->tls_keys, sink->stats,
					       sip_detect_on_sip_port(cfg, f) ||
						       sip_detect_on_tls_port(cfg, f));
	else if (l->tls)
		tls_session_ref(l->conn->tls);
	return l;
}

void stream_layer_free(struct stream_layer *l)
{
	if (!l)
		return;
	if (l->conn->tls)
		tls_session_unref(l->conn->tls);
	if (--l->conn->refs == 0)
		free(l->conn);
	ws_frame_free(l->ws);
	free(l->buf);
	free(l);
}

static void stream_layer_kill(struct stream_layer *l)
{
	if (l->inner != STREAM_INNER_DEAD)
		l->sink->stats->non_sip++;
	l->inner = STREAM_INNER_DEAD;
}

static void stream_layer_emit(struct stream_layer *l, const uint8_t *p, size_t n)
{
	decode_sink_emit(l->sink, l->ts_us, &l->flow, NULL, p, n);
}

/* One WebSocket message: a SIP message, or (a keepalive, another
 * subprotocol) nothing for us. */
static void stream_layer_ws_message(void *ctx, const uint8_t *msg, size_t len)
{
	struct stream_layer *l = ctx;

	if (sip_detect_starts_sip(msg, len))
		stream_layer_emit(l, msg, len);
	else
		l->sink->stats->non_sip++;
}

static size_t stream_layer_sip(struct stream_layer *l, const uint8_t *buf, size_t len)
{
	size_t pos = 0;

	for (;;) {
		struct sip_frame fr;
		enum sip_frame_result r =
			sip_frame_next(buf + pos, len - pos, l->cfg->max_tcp_stream_bytes, &fr);
		pos += fr.skip;
		if (r == SIP_FRAME_NEED_MORE)
			return pos;
		if (r == SIP_FRAME_BAD_LENGTH)
			l->sink->stats->bad_content_length++; /* issue 17: said, then bounded */
		if (r != SIP_FRAME_MESSAGE) {
			/* Decrypted bytes that are not SIP (an HTTPS page), or SIP whose
			 * Content-Length cannot frame it: nothing more is read here. */
			stream_layer_kill(l);
			return len;
		}
		stream_layer_emit(l, buf + pos, fr.len);
		pos += fr.len;
	}
}

/* The Upgrade request or its 101 answer (RFC 6455 4.1, 4.2.2). */
static size_t stream_layer_http(struct stream_layer *l, const uint8_t *buf, size_t len)
{
	size_t end = ws_frame_http_end(buf, len);

	if (!end) {
		if (len >= 8192)
			stream_layer_kill(l);
		return len >= 8192 ? len : 0;
	}
	if (!ws_frame_is_upgrade(buf, end)) {
		stream_layer_kill(l);
		return len;
	}
	l->ws_client = buf[0] == 'G';
	if (!l->ws_client) {
		ws_frame_parse_extensions(buf, end, &l->conn->ws);
		l->conn->ws_known = true;
	}
	l->ws = ws_frame_new();
	l->inner = STREAM_INNER_WS;
	l->flow.transport = l->tls ? TRANSPORT_WSS : TRANSPORT_WS;
	return end;
}

static size_t stream_layer_ws(struct stream_layer *l, const uint8_t *buf, size_t len)
{
	const struct ws_deflate_params *p = &l->conn->ws;

	/* The server's answer says what the frames of both sides are (RFC 7692 5). */
	if (!l->ws_deflate_set && l->conn->ws_known) {
		l->ws_deflate_set = true;
		if (p->deflate)
			ws_frame_set_deflate(l->ws, l->ws_client ? p->client_no_takeover
								 : p->server_no_takeover);
	}
	size_t used = ws_frame_feed(l->ws, buf, len, l->cfg->max_tcp_stream_bytes,
				    stream_layer_ws_message, l);
	if (used == SIZE_MAX) {
		stream_layer_kill(l);
		return len;
	}
	return used;
}

/* Runs the inner layers over buf until they stop using bytes. */
static size_t stream_layer_inner(struct stream_layer *l, const uint8_t *buf, size_t len)
{
	size_t used = 0;

	for (;;) {
		size_t n = 0, left = len - used;
		const uint8_t *p = buf + used;
		switch (l->inner) {
		case STREAM_INNER_UNKNOWN:
			if (left < 4)
				return used;
			l->inner = memcmp(p, "GET ", 4) == 0 || memcmp(p, "HTTP", 4) == 0
					   ? STREAM_INNER_HTTP
					   : STREAM_INNER_SIP;
			continue;
		case STREAM_INNER_HTTP:
			n = stream_layer_http(l, p, left);
			break;
		case STREAM_INNER_WS:
			n = stream_layer_ws(l, p, left);
			break;
		case STREAM_INNER_SIP:
			n = stream_layer_sip(l, p, left);
			break;
		case STREAM_INNER_DEAD:
			return len;
		}
		used += n;
		if (n == 0 || used == len)
			return used;
	}
}

/* TLS application data: appended to the plaintext buffer. */
static void stream_layer_plain(void *ctx, const uint8_t *data, size_t len)
{
	struct stream_layer *l = ctx;

	if (l->inner == STREAM_INNER_DEAD)
		return;
	if (l->len + len > l->cfg->max_tcp_stream_bytes) {
		l->sink->stats->tcp_streams_dropped++;
		stream_layer_kill(l);
		return;
	}
	if (l->len + len > l->cap) {
		size_t cap = l->cap ? l->cap : 4096;
		while (cap < l->len + len)
			cap *= 2;
		l->buf = xrealloc(l->buf, cap);
		l->cap = cap;
	}
	memcpy(l->buf + l->len, data, len);
	l->len += len;
}

size_t stream_layer_feed(const struct decode_sink *sink, struct stream_layer *l, int64_t ts_us,
			 const uint8_t *buf, size_t len)
{
	l->sink = sink;
	l->ts_us = ts_us;
	if (!l->tls)
		return stream_layer_inner(l, buf, len);
	size_t used = tls_session_feed(l->conn->tls, &l->flow.src, ts_us, buf, len,
				       stream_layer_plain, l);
	if (used == SIZE_MAX) {
		stream_layer_kill(l); /* not TLS after all */
		return len;
	}
	if (l->len) {
		size_t n = stream_layer_inner(l, l->buf, l->len);
		memmove(l->buf, l->buf + n, l->len - n);
		l->len -= n;
	}
	return used;
}
