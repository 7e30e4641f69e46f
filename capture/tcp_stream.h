/* tcp_stream: per-direction TCP reassembly and SIP framing of the byte stream. */
#ifndef SIPWATCH_TCP_STREAM_H
#define SIPWATCH_TCP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "capture/decode_int.h"

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

struct tcp_stream_table *tcp_stream_table_new(const struct decoder_config *cfg);
void tcp_stream_table_free(struct tcp_stream_table *t);

/* One segment of flow f (ports and addresses as on the wire). */
void tcp_stream_segment(struct decoder *d, int64_t ts_us, const struct flow *f,
			const struct tcp_segment *seg);
/* Forgets streams idle for longer than tcp_idle_timeout_us. */
void tcp_stream_expire(struct decoder *d, int64_t now_us);
/* Forgets every stream. */
void tcp_stream_clear(struct decoder *d);
size_t tcp_stream_count(const struct tcp_stream_table *t);

#endif
