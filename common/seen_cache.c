/* seen_cache: a set-associative table of (key, time), fixed at creation.
 *
 * Looking a key up reads one set (a few cache lines); while it scans, it
 * also picks the entry a new key would take: an empty one if the set has
 * one, else the one seen longest ago (the first of equal times).  Tags, when
 * asked for, live in a parallel array so an untagged cache pays nothing. */
#include "common/seen_cache.h"

#include <stdlib.h>

#include "common/xalloc.h"

#define SEEN_CACHE_EMPTY INT64_MIN /* the time of an entry that holds no key */
#define SEEN_CACHE_MAX_SET_BITS 20u

struct seen_cache_entry {
	uint64_t key;
	int64_t ts;
};

struct seen_cache {
	struct seen_cache_config cfg;
	size_t n;                    /* sets * ways */
	struct seen_cache_entry *e;  /* set s is e[s * ways .. s * ways + ways) */
	struct seen_cache_tag *tags; /* NULL unless cfg.tagged; parallel to e */
};

struct seen_cache *seen_cache_new(const struct seen_cache_config *cfg)
{
	struct seen_cache *c = xcalloc(1, sizeof *c);

	c->cfg = *cfg;
	if (c->cfg.set_bits > SEEN_CACHE_MAX_SET_BITS)
		c->cfg.set_bits = SEEN_CACHE_MAX_SET_BITS;
	if (c->cfg.ways == 0)
		c->cfg.ways = 1;
	c->n = ((size_t)1 << c->cfg.set_bits) * c->cfg.ways;
	c->e = xcalloc(c->n, sizeof *c->e);
	for (size_t i = 0; i < c->n; i++)
		c->e[i].ts = SEEN_CACHE_EMPTY;
	if (c->cfg.tagged)
		c->tags = xcalloc(c->n, sizeof *c->tags);
	return c;
}

void seen_cache_free(struct seen_cache *c)
{
	if (!c)
		return;
	free(c->tags);
	free(c->e);
	free(c);
}

size_t seen_cache_capacity(const struct seen_cache *c)
{
	return c->n;
}

size_t seen_cache_count(const struct seen_cache *c)
{
	size_t k = 0;

	for (size_t i = 0; i < c->n; i++)
		k += c->e[i].ts != SEEN_CACHE_EMPTY;
	return k;
}

static bool seen_cache_within(const struct seen_cache *c, int64_t then, int64_t now)
{
	int64_t dt = now - then;

	return dt < c->cfg.window_us && (!c->cfg.either_way || dt > -c->cfg.window_us);
}

/* Could these be one message seen twice?  Only two different ids of the same
 * kind say no. */
static bool seen_cache_tags_agree(const struct seen_cache_tag *kept, struct seen_cache_tag now)
{
	return kept->kind == 0 || kept->kind != now.kind || kept->id == now.id;
}

static void seen_cache_stamp(struct seen_cache *c, size_t i, uint64_t key, int64_t ts,
			     struct seen_cache_tag tag)
{
	c->e[i].key = key;
	c->e[i].ts = ts;
	if (c->tags)
		c->tags[i] = tag;
}

bool seen_cache_repeat(struct seen_cache *c, uint64_t key, int64_t ts, struct seen_cache_tag tag)
{
	size_t ways = c->cfg.ways;
	size_t base = (size_t)(key & (((uint64_t)1 << c->cfg.set_bits) - 1)) * ways;
	struct seen_cache_entry *set = c->e + base, *victim = set;

	for (struct seen_cache_entry *e = set; e < set + ways; e++) {
		if (e->ts != SEEN_CACHE_EMPTY && e->key == key) {
			size_t i = base + (size_t)(e - set);
			bool repeat = seen_cache_within(c, e->ts, ts) &&
				      (!c->tags || seen_cache_tags_agree(&c->tags[i], tag));
			if (!repeat || !c->cfg.keep_first)
				seen_cache_stamp(c, i, key, ts, tag);
			return repeat;
		}
		if (e->ts == SEEN_CACHE_EMPTY || (victim->ts != SEEN_CACHE_EMPTY && e->ts < victim->ts))
			victim = e;
	}
	seen_cache_stamp(c, base + (size_t)(victim - set), key, ts, tag);
	return false;
}
