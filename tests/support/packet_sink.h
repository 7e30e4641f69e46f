/* packet_sink: the decoder's emit callback for tests — keeps the first
 * PACKET_SINK_MAX packets a decoder hands over (frees the rest), so a test
 * can assert on what came out, then packet_sink_clear frees them. */
#ifndef SIPWATCH_TEST_PACKET_SINK_H
#define SIPWATCH_TEST_PACKET_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "capture/packet.h"
#include "common/pkt_ring.h"

#define PACKET_SINK_MAX 64

struct packet_sink {
	size_t n;
	struct sip_packet *pkts[PACKET_SINK_MAX];
};

/* decoder_new's emit: ctx is a struct packet_sink. */
void packet_sink_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data);
void packet_sink_clear(struct packet_sink *s);
/* The oldest record of a capture ring as an allocated copy (sip_packet_free),
 * released from the ring; NULL as pkt_ring_peek. */
struct sip_packet *packet_sink_pop(struct pkt_ring *r, int timeout_ms);

#endif
