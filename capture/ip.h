/* ip: IPv4 and IPv6 headers, extension headers and the hand-off to reassembly. */
#ifndef SIPWATCH_IP_H
#define SIPWATCH_IP_H

#include <stddef.h>
#include <stdint.h>

#include "capture/decode_int.h"

/* Decodes one IP packet of the given version (0 = from its first nibble) with
 * len bytes captured, down to UDP/TCP. */
enum decode_status ip_decode(struct decoder *d, int64_t ts_us, int version, const uint8_t *pkt,
			     size_t len);

#endif
