/* tcp_stream: per-direction TCP reassembly and SIP framing of the byte stream. */
#ifndef SIPWATCH_TCP_STREAM_H
#define SIPWATCH_TCP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "capture/decode_layer.h"

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10

struct tcp_segment {
	uint32_t seq;
	uint8_t flags; /* TCP_FLAG_* */
	const uint8_t *data;
	size_t len;
};

/* cfg and stats outlive the table. */
struct tcp_stream_table *tcp_stream_table_new(const struct decoder_config *cfg,
					      struct decoder_stats *stats);
void tcp_stream_table_free(struct tcp_stream_table *t);

/* One segment of flow f (ports and addresses as on the wire). */
/* One segment of flow f (ports and addresses as on the wire); framed SIP
 * messages go to sink. */
void tcp_stream_segment(struct tcp_stream_table *t, const struct decode_sink *sink, int64_t ts_us,
			const struct flow *f, const struct tcp_segment *seg);
/* Streams idle for longer than tcp_idle_timeout_us: closed ones are
 * forgotten, open ones only lose a partial message (and resynchronise). */
void tcp_stream_expire(struct tcp_stream_table *t, int64_t now_us);
/* Forgets every stream. */
void tcp_stream_clear(struct tcp_stream_table *t);

#endif
