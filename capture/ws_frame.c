/* ws_frame: RFC 6455 5 framing and RFC 7692 permessage-deflate.
 *
 * A frame: FIN, RSV1-3, opcode; MASK and a 7-bit length, extended to 16 or
 * 64 bits (5.2); a 4-byte masking key on client frames (5.3).  A message is a
 * text or binary frame and its continuations (5.4); control frames (close,
 * ping, pong) may come between them and are skipped.  RFC 7118 5: each SIP
 * message is one WebSocket message.  With permessage-deflate, RSV1 on the
 * first frame marks a compressed message: the frames' payload plus
 * 00 00 ff ff is raw DEFLATE (RFC 7692 7.2.2), inflated by zlib with a
 * window kept from message to message unless no_context_takeover was agreed.
 *
 * Bounds: a message (compressed and inflated) at most max bytes. */
#include "capture/ws_frame.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "common/xalloc.h"

#define WS_OP_CONT 0x0
#define WS_OP_TEXT 0x1
#define WS_OP_BINARY 0x2
#define WS_OP_CLOSE 0x8
#define WS_CONTROL_MAX 125
#define WS_HTTP_MAX 8192

struct ws_frame {
	bool deflate, no_takeover;
	bool z_ready;
	z_stream z;
	bool in_msg, compressed;
	uint8_t *msg;
	size_t len, cap;
	uint8_t *out; /* inflated message */
	size_t out_cap;
};

struct ws_frame *ws_frame_new(void)
{
	return xcalloc(1, sizeof(struct ws_frame));
}

void ws_frame_free(struct ws_frame *w)
{
	if (!w)
		return;
	if (w->z_ready)
		inflateEnd(&w->z);
	free(w->msg);
	free(w->out);
	free(w);
}

void ws_frame_set_deflate(struct ws_frame *w, bool no_takeover)
{
	if (w->z_ready)
		return;
	memset(&w->z, 0, sizeof w->z);
	/* -15: raw DEFLATE; the largest window inflates any smaller one. */
	if (inflateInit2(&w->z, -15) != Z_OK)
		return;
	w->z_ready = true;
	w->deflate = true;
	w->no_takeover = no_takeover;
}

static bool ws_frame_append(struct ws_frame *w, const uint8_t *p, size_t n, const uint8_t *mask,
			    size_t max)
{
	if (w->len + n > max)
		return false;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		while (cap < w->len + n)
			cap *= 2;
		w->msg = xrealloc(w->msg, cap);
		w->cap = cap;
	}
	for (size_t i = 0; i < n; i++)
		w->msg[w->len + i] = mask ? p[i] ^ mask[i & 3] : p[i];
	w->len += n;
	return true;
}

/* RFC 7692 7.2.2: append 00 00 ff ff and inflate. */
static bool ws_frame_inflate(struct ws_frame *w, size_t max, size_t *outlen)
{
	static const uint8_t tail[4] = {0, 0, 0xff, 0xff};

	if (!w->z_ready)
		return false;
	if (w->out_cap < max) {
		w->out = xrealloc(w->out, max);
		w->out_cap = max;
	}
	w->z.next_out = w->out;
	w->z.avail_out = (uInt)max;
	bool ok = true;
	for (int part = 0; part < 2 && ok; part++) {
		w->z.next_in = part ? (Bytef *)tail : w->msg;
		w->z.avail_in = part ? (uInt)sizeof tail : (uInt)w->len;
		int rc = inflate(&w->z, Z_SYNC_FLUSH);
		ok = (rc == Z_OK || rc == Z_BUF_ERROR || rc == Z_STREAM_END) && w->z.avail_in == 0;
	}
	*outlen = max - w->z.avail_out;
	if (!ok || w->no_takeover)
		inflateReset(&w->z); /* an error leaves the window unusable anyway */
	return ok;
}

static void ws_frame_deliver(struct ws_frame *w, size_t max, ws_frame_sink_fn sink, void *ctx)
{
	size_t n;

	if (!w->compressed)
		sink(ctx, w->msg, w->len);
	else if (ws_frame_inflate(w, max, &n))
		sink(ctx, w->out, n);
	w->in_msg = false;
	w->len = 0;
}

size_t ws_frame_feed(struct ws_frame *w, const uint8_t *buf, size_t len, size_t max,
		     ws_frame_sink_fn sink, void *ctx)
{
	size_t used = 0;

	while (len - used >= 2) {
		const uint8_t *p = buf + used;
		size_t left = len - used, hdr = 2;
		bool fin = p[0] & 0x80, rsv1 = p[0] & 0x40;
		uint8_t op = p[0] & 0x0f;
		uint64_t plen = p[1] & 0x7f;
		if (p[0] & 0x30 || (rsv1 && !w->deflate))
			return SIZE_MAX; /* RSV2/3, or RSV1 without the extension */
		if (plen == 126 || plen == 127) {
			size_t ext = plen == 126 ? 2 : 8;
			if (left < hdr + ext)
				break;
			plen = 0;
			for (size_t i = 0; i < ext; i++)
				plen = plen << 8 | p[hdr + i];
			hdr += ext;
		}
		const uint8_t *mask = NULL;
		if (p[1] & 0x80) {
			if (left < hdr + 4)
				break;
			mask = p + hdr;
			hdr += 4;
		}
		if (plen > max)
			return SIZE_MAX;
		if (left - hdr < plen)
			break;
		const uint8_t *payload = p + hdr;
		used += hdr + (size_t)plen;
		if (op >= WS_OP_CLOSE) {
			if (!fin || plen > WS_CONTROL_MAX || op > 0xa)
				return SIZE_MAX;
			continue; /* close, ping, pong: nothing for us */
		}
		if (op == WS_OP_TEXT || op == WS_OP_BINARY) {
			if (w->in_msg)
				return SIZE_MAX;
			w->in_msg = true;
			w->compressed = rsv1;
			w->len = 0;
		} else if (op != WS_OP_CONT || !w->in_msg || rsv1) {
			return SIZE_MAX;
		}
		if (!ws_frame_append(w, payload, (size_t)plen, mask, max))
			return SIZE_MAX;
		if (fin)
			ws_frame_deliver(w, max, sink, ctx);
	}
	return used;
}

/* Case-insensitive search for a word in a bounded buffer. */
static bool ws_frame_contains(const uint8_t *p, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= len; i++)
		if (strncasecmp((const char *)p + i, word, n) == 0)
			return true;
	return false;
}

bool ws_frame_is_upgrade(const uint8_t *p, size_t len)
{
	size_t n = len < WS_HTTP_MAX ? len : WS_HTTP_MAX;
	bool req = n >= 4 && memcmp(p, "GET ", 4) == 0;
	bool resp = n >= 12 && memcmp(p, "HTTP/1.1 101", 12) == 0;

	return (req || resp) && ws_frame_contains(p, n, "websocket");
}

size_t ws_frame_http_end(const uint8_t *p, size_t len)
{
	for (size_t i = 3; i < len && i < WS_HTTP_MAX; i++)
		if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r')
			return i + 1;
	return 0;
}

/* Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover ... */
void ws_frame_parse_extensions(const uint8_t *hdr, size_t len, struct ws_deflate_params *out)
{
	static const char name[] = "sec-websocket-extensions:";
	size_t nl = sizeof name - 1;

	memset(out, 0, sizeof *out);
	for (size_t at = 0; at < len;) {
		const uint8_t *lf = memchr(hdr + at, '\n', len - at);
		size_t end = lf ? (size_t)(lf - hdr) : len;
		const uint8_t *line = hdr + at;
		size_t llen = end - at;
		at = end + 1;
		if (llen < nl || strncasecmp((const char *)line, name, nl) != 0)
			continue;
		if (ws_frame_contains(line + nl, llen - nl, "permessage-deflate")) {
			out->deflate = true;
			out->client_no_takeover =
				ws_frame_contains(line + nl, llen - nl, "client_no_context_takeover");
			out->server_no_takeover =
				ws_frame_contains(line + nl, llen - nl, "server_no_context_takeover");
		}
	}
}
