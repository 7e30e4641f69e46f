/* fuzz_packet: libFuzzer target for the packet path — link layer through IP
 * fragment and TCP stream reassembly to SIP candidates.  The decoder keeps its
 * state across inputs (fragments and streams persist), like a long capture.
 * Input: 1 byte selecting the link type, 4 bytes of time step, then the frame. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "capture/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int fuzz_links[] = {
	LINK_ETHERNET, LINK_LINUX_SLL, LINK_LINUX_SLL2, LINK_RAW, LINK_NULL, LINK_LOOP, LINK_IPV4, LINK_IPV6,
};

static void fuzz_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	struct sip_packet *pkt = sip_packet_dup(hdr, data); /* the sink lends them */
	size_t *n = ctx;
	volatile uint8_t sink = 0;

	/* Touch every byte so ASan sees any bad length. */
	for (uint32_t i = 0; i < pkt->len; i++)
		sink ^= pkt->data[i];
	(void)sink;
	(*n)++;
	sip_packet_free(pkt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct decoder *d;
	static size_t emitted;
	static int64_t now = 1700000000LL * 1000000;
	static unsigned inputs;

	if (!d) {
		struct decoder_config cfg;
		decoder_config_defaults(&cfg);
		cfg.max_fragment_bytes = 1 << 20;
		cfg.max_tcp_streams = 64;
		d = decoder_new(&cfg, fuzz_emit, &emitted);
	}
	if (size < 5)
		return 0;
	int link = fuzz_links[data[0] % (sizeof fuzz_links / sizeof fuzz_links[0])];
	now += (int64_t)(data[1] | data[2] << 8 | data[3] << 16 | (uint32_t)(data[4] & 0x7f) << 24);
	decoder_frame(d, link, now, data + 5, (uint32_t)(size - 5));
	decoder_expire(d, now);
	/* Now and then start afresh so flush paths are exercised too. */
	if (++inputs % 10000 == 0) {
		decoder_flush(d);
		decoder_free(d);
		d = NULL;
	}
	return 0;
}
