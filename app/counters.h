/* counters: what the analyzer's results add up to, for the monitoring outputs
 * (metrics.c).  Bumped on the analyzer thread from the sink callbacks, read
 * from any thread: every field is a relaxed C11 atomic, so a reader (the
 * metrics HTTP thread) never takes a lock the analyzer wants. */
#ifndef SIPWATCH_COUNTERS_H
#define SIPWATCH_COUNTERS_H

#include <stdatomic.h>
#include <stdint.h>

#include "analyzer/records.h"

/* Event kinds counted (records.h: enum event_kind).  A new kind raises it. */
#define COUNTERS_EVENT_KINDS (EVENT_EXPIRED + 1)

struct counters {
	atomic_uint_fast64_t findings[FINDING_CODE_COUNT];  /* every finding, by code */
	atomic_uint_fast64_t doomed[FINDING_CODE_COUNT];    /* doomed events, by the cause's code */
	atomic_uint_fast64_t events[COUNTERS_EVENT_KINDS];  /* events, by kind */
};

void counters_init(struct counters *c);
void counters_finding(struct counters *c, const struct finding_record *f);
void counters_event(struct counters *c, const struct event_record *ev);
uint64_t counters_get(const atomic_uint_fast64_t *v);

#endif
