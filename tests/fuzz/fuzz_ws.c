/* fuzz_ws: libFuzzer target for WebSocket framing (RFC 6455) and
 * permessage-deflate (RFC 7692) — headers, extended lengths, masks,
 * fragments, control frames, inflation.  Input: 1 byte of options (bit 0
 * deflate, bit 1 no context takeover, bits 2-7 chunk size), then the stream,
 * offered in chunks as a TCP stream would offer it; also the Upgrade header
 * helpers on the same bytes. */
#include <stddef.h>
#include <stdint.h>

#include "capture/ws_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_ws_msg(void *ctx, const uint8_t *p, size_t n)
{
	volatile uint8_t x = 0;

	for (size_t i = 0; i < n; i++)
		x ^= p[i];
	(void)x;
	(*(size_t *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_deflate_params p;
	size_t msgs = 0;

	if (size < 1)
		return 0;
	uint8_t opt = data[0];
	data++;
	size--;
	(void)ws_frame_is_upgrade(data, size);
	(void)ws_frame_http_end(data, size);
	ws_frame_parse_extensions(data, size, &p);
	struct ws_frame *w = ws_frame_new();
	if (opt & 1)
		ws_frame_set_deflate(w, opt & 2);
	size_t chunk = (size_t)(opt >> 2) + 1, have = 0, used = 0;
	while (have < size) {
		have = have + chunk < size ? have + chunk : size;
		size_t n = ws_frame_feed(w, data + used, have - used, 1u << 16, fuzz_ws_msg, &msgs);
		if (n == SIZE_MAX)
			break;
		used += n;
	}
	ws_frame_free(w);
	return 0;
}
