/* test_ws_frame: RFC 6455 framing — masked client frames, 16- and 64-bit
 * lengths, fragmented messages with a ping between the fragments, bytes
 * arriving one at a time, protocol errors — and RFC 7692 permessage-deflate
 * with and without context takeover (compressed here by zlib's deflate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "capture/ws_frame.h"

#define MAX (256u << 10)

struct got {
	size_t n;
	size_t len[8];
	uint8_t *msg[8];
};

static void got_msg(void *ctx, const uint8_t *m, size_t len)
{
	struct got *g = ctx;

	assert_true(g->n < 8);
	g->msg[g->n] = malloc(len ? len : 1);
	memcpy(g->msg[g->n], m, len);
	g->len[g->n++] = len;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->msg[i]);
	g->n = 0;
}

/* One frame into out; returns its size. */
static size_t frame(uint8_t *out, uint8_t b0, const uint8_t *p, size_t n, bool masked)
{
	static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
	size_t at = 0;

	out[at++] = b0;
	uint8_t m = masked ? 0x80 : 0;
	if (n < 126) {
		out[at++] = m | (uint8_t)n;
	} else if (n < 65536) {
		out[at++] = m | 126;
		out[at++] = (uint8_t)(n >> 8);
		out[at++] = (uint8_t)n;
	} else {
		out[at++] = m | 127;
		for (int i = 7; i >= 0; i--)
			out[at++] = (uint8_t)((uint64_t)n >> (8 * i));
	}
	if (masked) {
		memcpy(out + at, key, 4);
		at += 4;
	}
	for (size_t i = 0; i < n; i++)
		out[at + i] = masked ? p[i] ^ key[i & 3] : p[i];
	return at + n;
}

static uint8_t *text(size_t n)
{
	uint8_t *t = malloc(n);
	for (size_t i = 0; i < n; i++)
		t[i] = (uint8_t)('a' + i % 26);
	return t;
}

static void test_lengths_and_masks(void **state)
{
	(void)state;
	size_t sizes[] = {5, 125, 126, 300, 65535, 65536, 70000};
	uint8_t *buf = malloc(80000);

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		for (int masked = 0; masked < 2; masked++) {
			struct ws_frame *w = ws_frame_new();
			struct got g = {0};
			uint8_t *t = text(sizes[i]);
			size_t n = frame(buf, 0x81, t, sizes[i], masked);
			assert_int_equal(ws_frame_feed(w, buf, n - 1, MAX, got_msg, &g), 0);
			assert_int_equal(g.n, 0);
			assert_int_equal(ws_frame_feed(w, buf, n, MAX, got_msg, &g), n);
			assert_int_equal(g.n, 1);
			assert_int_equal(g.len[0], sizes[i]);
			assert_memory_equal(g.msg[0], t, sizes[i]);
			got_free(&g);
			free(t);
			ws_frame_free(w);
		}
	}
	free(buf);
}

/* Text frame (no FIN), ping, continuation (FIN), fed one byte at a time. */
static void test_fragments_and_control(void **state)
{
	(void)state;
	const char *a = "OPTIONS sip:x SIP/2.0\r\n", *b = "Content-Length: 0\r\n\r\n";
	uint8_t buf[256];
	size_t n = frame(buf, 0x01, (const uint8_t *)a, strlen(a), true);
	n += frame(buf + n, 0x89, (const uint8_t *)"hi", 2, true);
	n += frame(buf + n, 0x80, (const uint8_t *)b, strlen(b), true);
	n += frame(buf + n, 0x88, (const uint8_t *)"\x03\xe8", 2, true); /* close */
	struct ws_frame *w = ws_frame_new();
	struct got g = {0};
	size_t used = 0;

	for (size_t end = 1; end <= n; end++)
		used += ws_frame_feed(w, buf + used, end - used, MAX, got_msg, &g);
	assert_int_equal(used, n);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], strlen(a) + strlen(b));
	assert_memory_equal(g.msg[0], a, strlen(a));
	assert_memory_equal(g.msg[0] + strlen(a), b, strlen(b));
	got_free(&g);
	ws_frame_free(w);
}

static void test_protocol_errors(void **state)
{
	(void)state;
	static const uint8_t bad[][2] = {
		{0xa1, 0x00}, /* RSV2 */
		{0xc1, 0x00}, /* RSV1 without permessage-deflate */
		{0x80, 0x00}, /* a continuation that continues nothing */
		{0x09, 0x00}, /* a fragmented ping */
		{0x83, 0x00}, /* a reserved opcode */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ws_frame *w = ws_frame_new();
		struct got g = {0};
		assert_int_equal(ws_frame_feed(w, bad[i], 2, MAX, got_msg, &g), SIZE_MAX);
		assert_int_equal(g.n, 0);
		ws_frame_free(w);
	}
	/* A message above the limit. */
	uint8_t *buf = malloc(2000);
	uint8_t *t = text(1500);
	size_t n = frame(buf, 0x81, t, 1500, false);
	struct ws_frame *w = ws_frame_new();
	struct got g = {0};
	assert_int_equal(ws_frame_feed(w, buf, n, 1000, got_msg, &g), SIZE_MAX);
	assert_int_equal(g.n, 0);
	ws_frame_free(w);
	free(buf);
	free(t);
}

/* RFC 7692 7.2.1: compress with Z_SYNC_FLUSH and drop the trailing 00 00 ff ff. */
static size_t deflate_msg(z_stream *z, const char *msg, uint8_t *out, size_t cap)
{
	z->next_in = (Bytef *)msg;
	z->avail_in = (uInt)strlen(msg);
	z->next_out = out;
	z->avail_out = (uInt)cap;
	assert_int_equal(deflate(z, Z_SYNC_FLUSH), Z_OK);
	size_t n = cap - z->avail_out;
	assert_true(n > 4 && memcmp(out + n - 4, "\0\0\xff\xff", 4) == 0);
	return n - 4;
}

static void check_deflate(bool no_takeover)
{
	const char *msgs[] = {"INVITE sip:bob@example.com SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n",
			      "INVITE sip:bob@example.com SIP/2.0\r\nCSeq: 2 INVITE\r\n\r\n"};
	z_stream z;
	uint8_t comp[512], buf[600];
	struct ws_frame *w = ws_frame_new();
	struct got g = {0};

	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	ws_frame_set_deflate(w, no_takeover);
	for (int i = 0; i < 2; i++) {
		if (no_takeover)
			deflateReset(&z);
		size_t c = deflate_msg(&z, msgs[i], comp, sizeof comp);
		size_t n = frame(buf, 0xc1, comp, c, true); /* FIN, RSV1, text */
		assert_int_equal(ws_frame_feed(w, buf, n, MAX, got_msg, &g), n);
	}
	assert_int_equal(g.n, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(g.len[i], strlen(msgs[i]));
		assert_memory_equal(g.msg[i], msgs[i], strlen(msgs[i]));
	}
	/* An uncompressed message (RSV1 clear) on the same stream. */
	size_t n = frame(buf, 0x81, (const uint8_t *)"SIP/2.0 100 Trying\r\n\r\n", 22, true);
	assert_int_equal(ws_frame_feed(w, buf, n, MAX, got_msg, &g), n);
	assert_int_equal(g.len[2], 22);
	got_free(&g);
	deflateEnd(&z);
	ws_frame_free(w);
}

static void test_deflate(void **state)
{
	(void)state;
	check_deflate(false); /* the second message refers back to the first */
	check_deflate(true);
}

static void test_upgrade_headers(void **state)
{
	(void)state;
	const char *req = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\n"
			  "Sec-WebSocket-Protocol: sip\r\n\r\n";
	const char *resp = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			   "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"
			   "\r\n\x81";
	const char *http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct ws_deflate_params p;

	assert_true(ws_frame_is_upgrade((const uint8_t *)req, strlen(req)));
	assert_true(ws_frame_is_upgrade((const uint8_t *)resp, strlen(resp)));
	assert_false(ws_frame_is_upgrade((const uint8_t *)http, strlen(http)));
	assert_int_equal(ws_frame_http_end((const uint8_t *)resp, strlen(resp)), strlen(resp) - 1);
	assert_int_equal(ws_frame_http_end((const uint8_t *)resp, 20), 0);
	ws_frame_parse_extensions((const uint8_t *)resp, strlen(resp), &p);
	assert_true(p.deflate);
	assert_true(p.server_no_takeover);
	assert_false(p.client_no_takeover);
	ws_frame_parse_extensions((const uint8_t *)req, strlen(req), &p);
	assert_false(p.deflate);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths_and_masks),
		cmocka_unit_test(test_fragments_and_control),
		cmocka_unit_test(test_protocol_errors),
		cmocka_unit_test(test_deflate),
		cmocka_unit_test(test_upgrade_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
