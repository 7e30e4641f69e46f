/* ipfrag: IPv4 (RFC 791) and IPv6 (RFC 8200 section 4.5) fragment reassembly.
 *
 * Fragment offsets count 8-byte blocks, and every fragment but the last holds
 * a multiple of 8 bytes, so a datagram is a buffer plus a bitmap of which
 * blocks have arrived.  Fragments may come in any order.  Overlaps never write
 * outside the buffer: exact duplicates are ignored, IPv4 keeps the bytes that
 * came first, IPv6 abandons the datagram (RFC 5722).
 *
 * All pending datagrams together hold at most max_fragment_bytes (buffers plus
 * bookkeeping); past that the oldest are dropped.  A datagram whose first
 * fragment is older than fragment_timeout_us is dropped by ipfrag_expire. */
#include "capture/ipfrag.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/lru.h"
#include "common/xalloc.h"

#define IPFRAG_MAX_DATAGRAM 65535u /* fragmentable part, both IP versions */
#define IPFRAG_BLOCK 8u
#define IPFRAG_BLOCKS ((IPFRAG_MAX_DATAGRAM + IPFRAG_BLOCK - 1) / IPFRAG_BLOCK)
#define IPFRAG_BUCKETS 1024u

struct ipfrag_entry {
	struct ipfrag_key key;
	struct ipfrag_entry *hnext;
	struct lru_node lru; /* in order of arrival: oldest first */
	int64_t first_ts_us;
	uint8_t *buf;
	size_t cap;
	size_t total; /* datagram length, once the last fragment is in */
	bool total_known;
	uint8_t proto;
	uint32_t blocks_set;
	uint32_t n_frags;
	uint8_t map[(IPFRAG_BLOCKS + 7) / 8];
};

struct ipfrag_table {
	const struct decoder_config *cfg;
	struct decoder_stats *stats;
	struct ipfrag_entry *buckets[IPFRAG_BUCKETS];
	struct lru lru;
	size_t bytes;
};

struct ipfrag_table *ipfrag_new(const struct decoder_config *cfg, struct decoder_stats *stats)
{
	struct ipfrag_table *t = xcalloc(1, sizeof *t);

	t->cfg = cfg;
	t->stats = stats;
	lru_init(&t->lru);
	return t;
}

static struct ipfrag_entry *ipfrag_oldest(const struct ipfrag_table *t)
{
	return LRU_ENTRY(lru_oldest(&t->lru), struct ipfrag_entry, lru);
}

static struct ipfrag_entry *ipfrag_newer(const struct ipfrag_entry *e)
{
	return LRU_ENTRY(lru_newer(&e->lru), struct ipfrag_entry, lru);
}

void ipfrag_free(struct ipfrag_table *t)
{
	if (!t)
		return;
	for (struct ipfrag_entry *e = ipfrag_oldest(t), *next; e; e = next) {
		next = ipfrag_newer(e);
		free(e->buf);
		free(e);
	}
	free(t);
}

size_t ipfrag_bytes_held(const struct ipfrag_table *t)
{
	return t->bytes;
}

static uint32_t ipfrag_bucket(const struct ipfrag_key *k)
{
	uint32_t h = HASH_FNV1A_INIT;
	size_t alen = k->family == 6 ? 16 : 4;

	h = hash_fnv1a(h, &k->family, 1);
	h = hash_fnv1a(h, &k->proto, 1);
	h = hash_fnv1a(h, &k->id, sizeof k->id);
	h = hash_fnv1a(h, k->src, alen);
	h = hash_fnv1a(h, k->dst, alen);
	return h % IPFRAG_BUCKETS;
}

static bool ipfrag_key_equal(const struct ipfrag_key *a, const struct ipfrag_key *b)
{
	size_t alen = a->family == 6 ? 16 : 4;

	return a->family == b->family && a->proto == b->proto && a->id == b->id &&
	       memcmp(a->src, b->src, alen) == 0 && memcmp(a->dst, b->dst, alen) == 0;
}

static struct ipfrag_entry *ipfrag_find(struct ipfrag_table *t, const struct ipfrag_key *k)
{
	for (struct ipfrag_entry *e = t->buckets[ipfrag_bucket(k)]; e; e = e->hnext)
		if (ipfrag_key_equal(&e->key, k))
			return e;
	return NULL;
}

/* Unlinks an entry; the caller frees it (and maybe keeps its buffer). */
static void ipfrag_unlink(struct ipfrag_table *t, struct ipfrag_entry *e)
{
	struct ipfrag_entry **pp = &t->buckets[ipfrag_bucket(&e->key)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_remove(&t->lru, &e->lru);
	t->bytes -= sizeof *e + e->cap;
}

/* Gives up on a datagram; its fragments (plus extra not yet stored) count as dropped. */
static void ipfrag_drop(struct ipfrag_table *t, struct ipfrag_entry *e, uint32_t extra)
{
	t->stats->fragments_dropped += e->n_frags + extra;
	ipfrag_unlink(t, e);
	free(e->buf);
	free(e);
}

/* Makes room for n more bytes by dropping the oldest datagrams other than keep. */
static bool ipfrag_make_room(struct ipfrag_table *t, size_t n, const struct ipfrag_entry *keep)
{
	while (t->bytes + n > t->cfg->max_fragment_bytes) {
		struct ipfrag_entry *victim = ipfrag_oldest(t);
		if (victim && victim == keep)
			victim = ipfrag_newer(victim);
		if (!victim)
			return false;
		ipfrag_drop(t, victim, 0);
	}
	return true;
}

static struct ipfrag_entry *ipfrag_create(struct ipfrag_table *t, const struct ipfrag_key *k,
					  int64_t ts_us)
{
	if (!ipfrag_make_room(t, sizeof(struct ipfrag_entry), NULL))
		return NULL;
	struct ipfrag_entry *e = xcalloc(1, sizeof *e);
	uint32_t b = ipfrag_bucket(k);

	e->key = *k;
	e->first_ts_us = ts_us;
	e->hnext = t->buckets[b];
	t->buckets[b] = e;
	lru_push_front(&t->lru, &e->lru);
	t->bytes += sizeof *e;
	return e;
}

/* Grows the buffer to hold end bytes, within the memory limit. */
static bool ipfrag_reserve(struct ipfrag_table *t, struct ipfrag_entry *e, size_t end)
{
	if (end <= e->cap)
		return true;
	size_t cap = e->cap ? e->cap : 2048;
	while (cap < end)
		cap *= 2;
	if (cap > IPFRAG_MAX_DATAGRAM + 1)
		cap = IPFRAG_MAX_DATAGRAM + 1;
	if (!ipfrag_make_room(t, cap - e->cap, e))
		return false;
	e->buf = xrealloc(e->buf, cap);
	t->bytes += cap - e->cap;
	e->cap = cap;
	return true;
}

static bool ipfrag_has(const struct ipfrag_entry *e, size_t block)
{
	return e->map[block / 8] & (1u << (block % 8));
}

/* How many of the blocks [first, last) are already in. */
static size_t ipfrag_covered(const struct ipfrag_entry *e, size_t first, size_t last)
{
	size_t n = 0;

	for (size_t b = first; b < last; b++)
		n += ipfrag_has(e, b);
	return n;
}

/* Copies the blocks not yet present; earlier bytes win (RFC 791 leaves this open). */
static void ipfrag_fill(struct ipfrag_entry *e, size_t offset, const uint8_t *data, size_t len)
{
	size_t end = offset + len;

	for (size_t b = offset / IPFRAG_BLOCK; b * IPFRAG_BLOCK < end; b++) {
		if (ipfrag_has(e, b))
			continue;
		size_t at = b * IPFRAG_BLOCK;
		size_t n = end - at < IPFRAG_BLOCK ? end - at : IPFRAG_BLOCK;
		memcpy(e->buf + at, data + (at - offset), n);
		e->map[b / 8] |= (uint8_t)(1u << (b % 8));
		e->blocks_set++;
	}
}

/* The highest byte any stored block may hold. */
static size_t ipfrag_max_end(const struct ipfrag_entry *e)
{
	for (size_t b = IPFRAG_BLOCKS; b > 0; b--)
		if (ipfrag_has(e, b - 1))
			return b * IPFRAG_BLOCK;
	return 0;
}

/* Does this fragment contradict the datagram's length? */
static bool ipfrag_length_conflict(const struct ipfrag_entry *e, size_t end, bool more)
{
	if (!more) {
		if (e->total_known)
			return e->total != end;
		/* The last block of the old data may be partial: compare in blocks. */
		return ipfrag_max_end(e) > (end + IPFRAG_BLOCK - 1) / IPFRAG_BLOCK * IPFRAG_BLOCK;
	}
	return e->total_known && end > e->total;
}

static bool ipfrag_complete(const struct ipfrag_entry *e)
{
	return e->total_known && e->blocks_set == (e->total + IPFRAG_BLOCK - 1) / IPFRAG_BLOCK;
}

/* Hands the finished datagram to the caller and forgets it. */
static void ipfrag_finish(struct ipfrag_table *t, struct ipfrag_entry *e,
			  struct ipfrag_datagram *out)
{
	ipfrag_unlink(t, e);
	out->data = e->buf;
	out->len = e->total;
	out->proto = e->proto;
	if (!out->data)
		out->data = xmalloc(1); /* an empty datagram still needs an owned pointer */
	free(e);
	t->stats->fragments_reassembled++;
}

/* RFC 8200 4.5 / RFC 791: only the last fragment may have a length that is not
 * a multiple of 8, and no datagram is longer than 65535 bytes. */
static bool ipfrag_sane(size_t offset, bool more, size_t len)
{
	if (more && (len == 0 || len % IPFRAG_BLOCK))
		return false;
	return offset + len <= IPFRAG_MAX_DATAGRAM;
}

enum decode_status ipfrag_add(struct ipfrag_table *t, const struct ipfrag_key *key, int64_t ts_us,
			      size_t offset, bool more, uint8_t proto, const uint8_t *data,
			      size_t len, struct ipfrag_datagram *out)
{
	out->data = NULL;
	if (!ipfrag_sane(offset, more, len))
		return DECODE_INVALID;
	struct ipfrag_entry *e = ipfrag_find(t, key);
	if (!e)
		e = ipfrag_create(t, key, ts_us);
	if (!e) {
		t->stats->fragments_dropped++;
		return DECODE_OK;
	}
	size_t end = offset + len;
	if (ipfrag_length_conflict(e, end, more)) {
		ipfrag_drop(t, e, 1);
		return DECODE_INVALID;
	}
	size_t first = offset / IPFRAG_BLOCK, last = (end + IPFRAG_BLOCK - 1) / IPFRAG_BLOCK;
	size_t covered = ipfrag_covered(e, first, last);
	if (covered && covered == last - first && (more || e->total_known))
		return DECODE_OK; /* an exact duplicate: nothing new */
	if (covered && key->family == 6) {
		ipfrag_drop(t, e, 1); /* RFC 5722: overlapping IPv6 fragments */
		return DECODE_INVALID;
	}
	if (!ipfrag_reserve(t, e, end)) {
		ipfrag_drop(t, e, 1); /* this datagram alone is over the limit */
		return DECODE_OK;
	}
	ipfrag_fill(e, offset, data, len);
	e->n_frags++;
	if (offset == 0)
		e->proto = proto;
	if (!more) {
		e->total = end;
		e->total_known = true;
	}
	if (ipfrag_complete(e))
		ipfrag_finish(t, e, out);
	return DECODE_OK;
}

void ipfrag_expire(struct ipfrag_table *t, int64_t now_us)
{
	struct ipfrag_entry *e;

	while ((e = ipfrag_oldest(t)) != NULL && now_us - e->first_ts_us > t->cfg->fragment_timeout_us)
		ipfrag_drop(t, e, 0);
}

void ipfrag_clear(struct ipfrag_table *t)
{
	for (struct ipfrag_entry *e; (e = ipfrag_oldest(t)) != NULL;)
		ipfrag_drop(t, e, 0);
}
