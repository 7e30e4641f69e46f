/* endpoint_stats: refresh answers per endpoint (session-timers.md, "Blame").
 *
 * Every refresh answer is counted against the endpoint (IP:port + Server or
 * User-Agent) that sent it, or should have: well-formed, malformed, lost,
 * rejected.  The number of endpoints is bounded; past the bound the counts go
 * to one overflow row ("*", agent "other endpoints") so totals stay right. */
#ifndef SIPWATCH_ENDPOINT_STATS_H
#define SIPWATCH_ENDPOINT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"

#define ENDPOINT_STATS_MAX 4096
#define ENDPOINT_AGENT_MAX 128 /* bytes of agent text kept */

enum endpoint_outcome {
	ENDPOINT_OK = 0,
	ENDPOINT_MALFORMED,
	ENDPOINT_LOST,
	ENDPOINT_REJECTED,
	/* a defective answer (already counted malformed) turned out accepted / fatal */
	ENDPOINT_ACCEPTED,
	ENDPOINT_FATAL,
};

struct endpoint_stats;

struct endpoint_stats *endpoint_stats_new(size_t max_endpoints);
void endpoint_stats_free(struct endpoint_stats *s);
/* agent may be NULL (unknown). */
void endpoint_stats_count(struct endpoint_stats *s, const char *endpoint, const char *agent,
			  enum endpoint_outcome o);
/* In first-seen order. */
void endpoint_stats_each(const struct endpoint_stats *s,
			 void (*fn)(void *ctx, const struct endpoint_record *e), void *ctx);

#endif
