/* fuzz_pcapng: bytes → the pcapng reader (capture/pcapng.c), read from a
 * memory stream as a file would be, every packet run through the decoder.
 * Every length in the input may lie: block lengths, interface ids, captured
 * lengths, option lengths, time resolutions. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/decode.h"
#include "capture/pcapng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_pcapng_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	struct sip_packet *p = sip_packet_dup(hdr, data); /* the sink lends them */
	(void)ctx;
	sip_packet_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[200];
	struct pcapng_packet pk;

	if (size == 0)
		return 0;
	FILE *fp = fmemopen((void *)data, size, "rb");
	if (!fp)
		return 0;
	struct pcapng_reader *r = pcapng_open(fp, why, sizeof why);
	if (!r) {
		fclose(fp);
		return 0;
	}
	struct decoder_config cfg;
	decoder_config_defaults(&cfg);
	struct decoder *d = decoder_new(&cfg, fuzz_pcapng_emit, NULL);
	(void)pcapng_peek_linktype(r);
	for (int i = 0; i < 10000 && pcapng_next(r, &pk, why, sizeof why) == PCAPNG_PACKET; i++)
		decoder_frame(d, pk.linktype, pk.ts_us, pk.data, pk.caplen);
	decoder_flush(d);
	decoder_free(d);
	pcapng_close(r);
	return 0;
}
