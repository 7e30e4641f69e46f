/* packet_sink: a decoder sink that keeps packets for assertions. */
#include "tests/support/packet_sink.h"

void packet_sink_emit(void *ctx, struct sip_packet *p)
{
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
