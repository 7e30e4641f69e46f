/* transport: UDP and TCP headers; UDP payloads become candidates, TCP segments
 * go to stream reassembly. */
#ifndef SIPWATCH_TRANSPORT_H
#define SIPWATCH_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "capture/decode_int.h"

#define TRANSPORT_PROTO_TCP 6
#define TRANSPORT_PROTO_UDP 17

/* data/len is the whole IP payload (already cut to the IP length); f has the
 * addresses filled in, the ports and transport are set here. */
enum decode_status transport_decode(struct decoder *d, int64_t ts_us, uint8_t proto,
				    struct flow *f, const uint8_t *data, size_t len);

#endif
