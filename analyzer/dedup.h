/* dedup: drops mirror duplicates (session-timers.md, "Leg").
 *
 * A SPAN port can show one packet twice on the same leg.  Identical bytes on
 * the same leg (src, dst, transport) less than DEDUP_WINDOW_US apart are one
 * observation -- unless the wire ids differ (a new IPv4 ID, TCP sequence or
 * SCTP TSN: the sender sent it again).  UDP retransmissions (T1 >= 500 ms
 * apart) are never duplicates.
 * Memory is fixed: a set-associative table of (leg+payload hash, time). */
#ifndef SIPWATCH_DEDUP_H
#define SIPWATCH_DEDUP_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/packet.h"
#include "common/seen_cache.h"

#define DEDUP_WINDOW_US (50 * 1000)

/* A seen_cache sized and timed for mirror duplicates (seen_cache_free frees it). */
struct seen_cache *dedup_new(void);
/* True when pkt repeats a packet seen on its leg less than 50 ms before. */
bool dedup_is_duplicate(struct seen_cache *seen, const struct sip_packet *pkt);

#endif
