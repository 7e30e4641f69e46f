/* counters: relaxed atomic tallies of findings and events (counters.h). */
#include "app/counters.h"

void counters_init(struct counters *c)
{
	for (int i = 0; i < FINDING_CODE_COUNT; i++) {
		atomic_init(&c->findings[i], 0);
		atomic_init(&c->doomed[i], 0);
	}
	for (int i = 0; i < COUNTERS_EVENT_KINDS; i++)
		atomic_init(&c->events[i], 0);
}

/* Relaxed: each counter is read on its own; no order between them is promised. */
static void counters_bump(atomic_uint_fast64_t *v)
{
	atomic_fetch_add_explicit(v, 1, memory_order_relaxed);
}

uint64_t counters_get(const atomic_uint_fast64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

void counters_finding(struct counters *c, const struct finding_record *f)
{
	if ((unsigned)f->code < FINDING_CODE_COUNT)
		counters_bump(&c->findings[f->code]);
}

void counters_event(struct counters *c, const struct event_record *ev)
{
	if ((unsigned)ev->kind < COUNTERS_EVENT_KINDS)
		counters_bump(&c->events[ev->kind]);
	if (ev->kind == EVENT_DOOMED && ev->finding && (unsigned)ev->finding->code < FINDING_CODE_COUNT)
		counters_bump(&c->doomed[ev->finding->code]);
}
