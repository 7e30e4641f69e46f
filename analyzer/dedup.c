/* dedup: mirror-duplicate detection with bounded memory.
 *
 * Key = hash(leg, payload).  The table has DEDUP_SETS sets of DEDUP_WAYS entries;
 * a new key replaces the oldest entry of its set, so memory never grows and an
 * entry lives at least as long as the 50 ms window at any realistic rate.
 *
 * Each entry also keeps how the wire identified the packet (the IPv4 ID of
 * the innermost header, the TCP sequence number, the SCTP TSN): a mirror
 * shows the same packet twice, with the same id; a sender that retransmits
 * within the window (a 200 OK again 9 ms later) sends a new packet, with a
 * new id, and that is kept (the transaction layer marks it a
 * retransmission).  Without an id on either side (IPv6, or an IPv4 ID of 0
 * as Linux sends on unconnected DF sockets) the window alone decides. */
#include "analyzer/dedup.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/xalloc.h"

#define DEDUP_SETS 2048u /* power of two */
#define DEDUP_WAYS 8u

struct dedup_entry {
	uint64_t key;
	int64_t ts;
	struct sip_wire wire;
};

struct dedup {
	struct dedup_entry e[DEDUP_SETS][DEDUP_WAYS];
};

struct dedup *dedup_new(void)
{
	struct dedup *d = xcalloc(1, sizeof *d);

	for (size_t s = 0; s < DEDUP_SETS; s++)
		for (size_t w = 0; w < DEDUP_WAYS; w++)
			d->e[s][w].ts = TS_NONE;
	return d;
}

void dedup_free(struct dedup *d)
{
	free(d);
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

/* Could these be one packet seen twice?  Only two different ids of the same
 * kind say no. */
static bool dedup_same_wire(const struct sip_wire *a, const struct sip_wire *b)
{
	if (a->kind == SIP_WIRE_NONE || a->kind != b->kind)
		return true;
	return a->id == b->id;
}

bool dedup_is_duplicate(struct dedup *d, const struct sip_packet *pkt)
{
	uint64_t key = dedup_key(pkt);
	struct dedup_entry *set = d->e[key & (DEDUP_SETS - 1)];
	struct dedup_entry *victim = &set[0];

	for (size_t w = 0; w < DEDUP_WAYS; w++) {
		struct dedup_entry *e = &set[w];
		if (e->ts != TS_NONE && e->key == key) {
			int64_t dt = pkt->ts_us - e->ts;
			/* Either way round: a HEP agent's copy may carry a time a
			 * little before the mirror's copy of the same message. */
			if (dt > -DEDUP_WINDOW_US && dt < DEDUP_WINDOW_US &&
			    dedup_same_wire(&e->wire, &pkt->wire))
				return true;
			e->ts = pkt->ts_us; /* same bytes later, or a new packet: an observation */
			e->wire = pkt->wire;
			return false;
		}
		if (e->ts == TS_NONE || (victim->ts != TS_NONE && e->ts < victim->ts))
			victim = e;
	}
	victim->key = key;
	victim->ts = pkt->ts_us;
	victim->wire = pkt->wire;
	return false;
}
