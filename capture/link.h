/* link: the link-layer header in front of IP, for every DLT the decoder takes. */
#ifndef SIPWATCH_LINK_H
#define SIPWATCH_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode_int.h"

struct link_payload {
	int ip_version; /* 4 or 6; 0 = look at the first nibble (raw IP) */
	const uint8_t *data;
	size_t len;
};

/* Finds the IP packet inside a captured frame of the given DLT. */
enum decode_status link_decode(int linktype, const uint8_t *frame, size_t caplen,
			       struct link_payload *out);
bool link_supported(int linktype);

#endif
