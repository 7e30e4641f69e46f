/* endpoint_stats: a bounded open-addressing table of (endpoint, agent) rows. */
#include "analyzer/endpoint_stats.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/xalloc.h"

#define ENDPOINT_OVERFLOW_NAME "*"
#define ENDPOINT_OVERFLOW_AGENT "other endpoints"

struct endpoint_row {
	struct endpoint_record rec; /* rec.agent points at agent below, or NULL */
	char *agent;
	uint64_t hash;
};

struct endpoint_stats {
	struct endpoint_row *rows; /* in first-seen order */
	size_t n, max;
	size_t *slots;             /* open addressing: index + 1, 0 = empty */
	size_t nslots;             /* power of two, > 2 * max */
	struct endpoint_row overflow;
	bool overflow_used;
};

struct endpoint_stats *endpoint_stats_new(size_t max_endpoints)
{
	struct endpoint_stats *s = xcalloc(1, sizeof *s);

	s->max = max_endpoints ? max_endpoints : ENDPOINT_STATS_MAX;
	s->nslots = 16;
	while (s->nslots < 2 * s->max + 2)
		s->nslots *= 2;
	s->slots = xcalloc(s->nslots, sizeof *s->slots);
	s->rows = xcalloc(s->max, sizeof *s->rows);
	snprintf(s->overflow.rec.endpoint, sizeof s->overflow.rec.endpoint, "%s",
		 ENDPOINT_OVERFLOW_NAME);
	s->overflow.rec.agent = ENDPOINT_OVERFLOW_AGENT;
	return s;
}

void endpoint_stats_free(struct endpoint_stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->rows[i].agent);
	free(s->rows);
	free(s->slots);
	free(s);
}

static uint64_t endpoint_stats_hash(const char *endpoint, const char *agent)
{
	uint64_t h = hash_bytes(endpoint, strlen(endpoint), 0x51);

	return agent ? hash_bytes(agent, strlen(agent), h) : h;
}

static bool endpoint_stats_same(const struct endpoint_row *r, const char *endpoint,
				const char *agent)
{
	if (strcmp(r->rec.endpoint, endpoint) != 0)
		return false;
	if (!r->agent || !agent)
		return !r->agent && !agent;
	return strcmp(r->agent, agent) == 0;
}

static struct endpoint_row *endpoint_stats_row(struct endpoint_stats *s, const char *endpoint,
					       const char *agent)
{
	uint64_t h = endpoint_stats_hash(endpoint, agent);
	size_t i = h & (s->nslots - 1);

	for (; s->slots[i]; i = (i + 1) & (s->nslots - 1)) {
		struct endpoint_row *r = &s->rows[s->slots[i] - 1];
		if (r->hash == h && endpoint_stats_same(r, endpoint, agent))
			return r;
	}
	if (s->n == s->max) {
		s->overflow_used = true;
		return &s->overflow;
	}
	struct endpoint_row *r = &s->rows[s->n++];
	snprintf(r->rec.endpoint, sizeof r->rec.endpoint, "%s", endpoint);
	r->agent = agent ? xstrdup(agent) : NULL;
	r->rec.agent = r->agent;
	r->hash = h;
	s->slots[i] = s->n;
	return r;
}

void endpoint_stats_count(struct endpoint_stats *s, const char *endpoint, const char *agent,
			  enum endpoint_outcome o)
{
	char agent_buf[ENDPOINT_AGENT_MAX];

	if (agent && strlen(agent) >= sizeof agent_buf) {
		memcpy(agent_buf, agent, sizeof agent_buf - 1);
		agent_buf[sizeof agent_buf - 1] = '\0';
		agent = agent_buf;
	}
	struct endpoint_row *r = endpoint_stats_row(s, endpoint ? endpoint : "?", agent);
	switch (o) {
	case ENDPOINT_OK:
		r->rec.refresh_answers_ok++;
		break;
	case ENDPOINT_MALFORMED:
		r->rec.malformed++;
		break;
	case ENDPOINT_LOST:
		r->rec.lost++;
		break;
	case ENDPOINT_REJECTED:
		r->rec.rejected++;
		break;
	case ENDPOINT_ACCEPTED:
		r->rec.accepted++;
		break;
	case ENDPOINT_FATAL:
		r->rec.fatal++;
		break;
	}
}

void endpoint_stats_each(const struct endpoint_stats *s,
			 void (*fn)(void *ctx, const struct endpoint_record *e), void *ctx)
{
	for (size_t i = 0; i < s->n; i++)
		fn(ctx, &s->rows[i].rec);
	if (s->overflow_used)
		fn(ctx, &s->overflow.rec);
}
