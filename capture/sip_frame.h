/* sip_frame: cuts one SIP message out of a TCP byte stream (RFC 3261 18.3). */
#ifndef SIPWATCH_SIP_FRAME_H
#define SIPWATCH_SIP_FRAME_H

#include <stddef.h>
#include <stdint.h>

enum sip_frame_result {
	SIP_FRAME_NEED_MORE, /* skip bytes may be discarded; wait for more */
	SIP_FRAME_MESSAGE,   /* after skip bytes, a message of len bytes */
	SIP_FRAME_GARBAGE,   /* skip bytes are not SIP: discard them and try again */
	SIP_FRAME_BAD_LENGTH, /* Content-Length unreadable or above the limit */
};

struct sip_frame {
	size_t skip; /* bytes before the message: keepalive CRLFs or garbage */
	size_t len;  /* the message, headers and body */
};

/* Looks at the len buffered bytes; max bounds a message (headers or body). */
enum sip_frame_result sip_frame_next(const uint8_t *buf, size_t len, size_t max,
				     struct sip_frame *out);

#endif
