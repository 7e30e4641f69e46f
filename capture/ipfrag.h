/* ipfrag: IPv4 and IPv6 fragment reassembly, bounded in bytes and in age. */
#ifndef SIPWATCH_IPFRAG_H
#define SIPWATCH_IPFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode_layer.h"

/* Identifies one datagram: RFC 791 (src, dst, protocol, id) for IPv4, RFC 8200
 * (src, dst, 32-bit id) for IPv6, where proto is 0. */
struct ipfrag_key {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;
	uint32_t id;
	uint8_t src[16];
	uint8_t dst[16];
};

/* A completed datagram: the fragmentable part, in one malloc'ed buffer. */
struct ipfrag_datagram {
	uint8_t *data; /* caller frees */
	size_t len;
	uint8_t proto; /* IPv4 protocol, or IPv6 next header of the first fragment */
};

struct ipfrag_table *ipfrag_new(const struct decoder_config *cfg, struct decoder_stats *stats);
void ipfrag_free(struct ipfrag_table *t);

/* Adds one fragment: offset and length of its data in the datagram, whether
 * more follow, and (IPv6) the next header it carries.  DECODE_OK with
 * out->data set when the datagram is complete, DECODE_OK with out->data NULL
 * while it is not, DECODE_INVALID for a fragment no sane sender makes. */
enum decode_status ipfrag_add(struct ipfrag_table *t, const struct ipfrag_key *key, int64_t ts_us,
			      size_t offset, bool more, uint8_t proto, const uint8_t *data,
			      size_t len, struct ipfrag_datagram *out);
/* Drops datagrams whose first fragment is older than the timeout. */
void ipfrag_expire(struct ipfrag_table *t, int64_t now_us);
/* Drops everything still pending (counted as dropped). */
void ipfrag_clear(struct ipfrag_table *t);
size_t ipfrag_bytes_held(const struct ipfrag_table *t);

#endif
