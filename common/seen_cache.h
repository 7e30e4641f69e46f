/* seen_cache: a bounded memory of recently seen keys, each with its time.
 *
 * "Was this seen a moment ago?" is asked twice in the analyzer: a mirror
 * duplicate (the same bytes on the same leg within 50 ms, analyzer/dedup.c)
 * and an out-of-dialog retransmission (the same request or response on the
 * same leg within 64 s, analyzer/transaction.c).  Both hash what identifies
 * the message into a 64-bit key and ask this cache.
 *
 * Memory is fixed at creation: 2^set_bits sets of `ways` entries.  A key
 * lives in the set its low bits name; a new key takes an empty entry of its
 * set, else the one seen longest ago, so old keys expire by age when the set
 * fills and the cache never grows.  A key is compared whole (64 bits): two
 * messages whose keys collide count as one, which the callers accept (their
 * keys hash every byte that tells messages apart).
 *
 * An entry may also keep a tag: what the wire said of that sighting (the
 * IPv4 ID, the TCP sequence number ...).  Two sightings within the window are
 * one unless both carry an id of the same kind and the ids differ. */
#ifndef SIPWATCH_SEEN_CACHE_H
#define SIPWATCH_SEEN_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct seen_cache_config {
	unsigned set_bits;  /* 2^set_bits sets (at most 20) */
	unsigned ways;      /* keys per set (at least 1) */
	int64_t window_us;  /* a key seen again less than this later is a repeat */
	/* also less than window_us earlier (copies of one message from several
	 * sources carry times a little apart either way); false: any earlier
	 * time counts as a repeat too */
	bool either_way;
	/* a repeat keeps the time it repeats, so the window runs from the first
	 * sighting; false: every sighting starts the window again */
	bool keep_first;
	bool tagged;        /* keep a tag per entry (memory for it only then) */
};

/* kind 0 = the sighting carries no id. */
struct seen_cache_tag {
	uint32_t kind;
	uint32_t id;
};

struct seen_cache;

struct seen_cache *seen_cache_new(const struct seen_cache_config *cfg);
void seen_cache_free(struct seen_cache *c);

/* Records a sighting of key at ts (tag: ignored unless the cache is tagged).
 * True when it repeats one recorded within the window with an agreeing tag. */
bool seen_cache_repeat(struct seen_cache *c, uint64_t key, int64_t ts, struct seen_cache_tag tag);

/* How many keys it holds at most (sets * ways). */
size_t seen_cache_capacity(const struct seen_cache *c);
/* How many it holds now. */
size_t seen_cache_count(const struct seen_cache *c);

#endif
