/* packet_sink: a decoder sink that keeps packets for assertions. */
#include "tests/support/packet_sink.h"

void packet_sink_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	struct sip_packet *p = sip_packet_dup(hdr, data); /* the sink lends them */
	struct packet_sink *s = ctx;

	if (s->n < PACKET_SINK_MAX)
		s->pkts[s->n++] = p;
	else
		sip_packet_free(p);
}

void packet_sink_clear(struct packet_sink *s)
{
	for (size_t i = 0; i < s->n; i++)
		sip_packet_free(s->pkts[i]);
	s->n = 0;
}

struct sip_packet *packet_sink_pop(struct pkt_ring *r, int timeout_ms)
{
	const struct sip_packet *p = pkt_ring_peek(r, timeout_ms, NULL);

	if (!p)
		return NULL;
	struct sip_packet *copy = sip_packet_dup(p, p->data);
	pkt_ring_release(r);
	return copy;
}
