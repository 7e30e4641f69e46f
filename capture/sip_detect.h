/* sip_detect: cheap tests for "is this SIP" and "is this TLS", and the port rules. */
#ifndef SIPWATCH_SIP_DETECT_H
#define SIPWATCH_SIP_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"

enum sip_detect_kind {
	SIP_DETECT_SIP,
	SIP_DETECT_TLS,
	SIP_DETECT_OTHER,
};

/* Does a payload begin with a SIP start line? */
bool sip_detect_starts_sip(const uint8_t *p, size_t len);
/* A TLS record header: handshake (22) and version 3.x (RFC 8446 5.1). */
bool sip_detect_tls_record(const uint8_t *p, size_t len);
/* A keepalive: only CR, LF, spaces and NULs (RFC 5626 3.5.1, padding), or a
 * short word ("jaK", "hello"), maybe NUL/CRLF terminated, of 16 bytes at most. */
bool sip_detect_keepalive(const uint8_t *p, size_t len);
/* The port and content rules: what the payload of a packet on this flow is. */
enum sip_detect_kind sip_detect_classify(const struct decoder_config *cfg, const struct flow *f,
					 const uint8_t *p, size_t len);
bool sip_detect_on_sip_port(const struct decoder_config *cfg, const struct flow *f);
bool sip_detect_on_tls_port(const struct decoder_config *cfg, const struct flow *f);

#endif
