/* dedup: mirror-duplicate detection with bounded memory.
 *
 * Key = hash(leg, payload), kept in a seen_cache (common/seen_cache.h) of
 * 2048 sets of 8 entries; a new key replaces the oldest entry of its set, so
 * memory never grows and an entry lives at least as long as the 50 ms window
 * at any realistic rate.
 *
 * Each entry also keeps how the wire identified the packet (the IPv4 ID of
 * the innermost header, the TCP sequence number, the SCTP TSN): a mirror
 * shows the same packet twice, with the same id; a sender that retransmits
 * within the window (a 200 OK again 9 ms later) sends a new packet, with a
 * new id, and that is kept (the transaction layer marks it a
 * retransmission).  Without an id on either side (IPv6, or an IPv4 ID of 0
 * as Linux sends on unconnected DF sockets) the window alone decides. */
#include "analyzer/dedup.h"

#include <string.h>

#include "common/hash.h"

static const struct seen_cache_config dedup_cache_config = {
	.set_bits = 11,
	.ways = 8,
	.window_us = DEDUP_WINDOW_US,
	/* Either way round: a HEP agent's copy may carry a time a little before
	 * the mirror's copy of the same message. */
	.either_way = true,
	.keep_first = true, /* a third copy 60 ms after the first is a new packet */
	.tagged = true,
};

struct seen_cache *dedup_new(void)
{
	return seen_cache_new(&dedup_cache_config);
}

static uint64_t dedup_key(const struct sip_packet *pkt)
{
	const struct flow *f = &pkt->flow;
	uint8_t leg[2 * 19 + 1];

	/* only the address bytes of the family count: the rest may be stale */
	memset(leg, 0, sizeof leg);
	memcpy(leg, f->src.ip, f->src.family == 6 ? 16 : 4);
	leg[16] = f->src.family;
	leg[17] = (uint8_t)(f->src.port >> 8);
	leg[18] = (uint8_t)f->src.port;
	memcpy(leg + 19, f->dst.ip, f->dst.family == 6 ? 16 : 4);
	leg[35] = f->dst.family;
	leg[36] = (uint8_t)(f->dst.port >> 8);
	leg[37] = (uint8_t)f->dst.port;
	leg[38] = (uint8_t)f->transport;
	return hash_bytes(pkt->data, pkt->len, hash_bytes(leg, sizeof leg, 0));
}

/* Not a duplicate (the same bytes later, or a new packet): an observation,
 * whose time and wire id the cache keeps. */
bool dedup_is_duplicate(struct seen_cache *seen, const struct sip_packet *pkt)
{
	struct seen_cache_tag wire = {.kind = pkt->wire.kind, .id = pkt->wire.id};

	return seen_cache_repeat(seen, dedup_key(pkt), pkt->ts_us, wire);
}
