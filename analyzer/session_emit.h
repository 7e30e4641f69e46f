/* session_emit: how the session-timer code emits a finding — the detail facts
 * (finding_text) with the buffers behind them, and once-per-transaction codes. */
#ifndef SIPWATCH_SESSION_EMIT_H
#define SIPWATCH_SESSION_EMIT_H

#include <stdint.h>

#include "analyzer/dialog_table.h"
#include "analyzer/emitter.h"
#include "analyzer/observation.h"
#include "analyzer/finding_text.h"

/* A bit per enum finding_code. */
#define SESSION_EMIT_BIT(c) FINDING_MASK_BIT(c)

/* A finding_text and the strings it points at. */
struct session_text {
	struct finding_text ft;
	char who[ENDPOINT_STR_MAX], peer[ENDPOINT_STR_MAX], refresher[ENDPOINT_STR_MAX];
};

/* The timer facts of d (or, before the timer runs, those the 2xx in o would
 * set), its refresher, and o's message and sender (o may be NULL). */
void session_emit_init(struct session_text *x, const struct dialog *d, const struct observation *o);
/* Emits code (severity < 0 = the code's default) unless t already reported it. */
void session_emit(struct emitter *e, struct dialog *d, struct txn *t, struct session_text *x,
		  enum finding_code code, int severity, int64_t ts, uint64_t msg_id,
		  const char *endpoint, const char *agent);
/* A finding about the observed message, blaming its sender. */
void session_emit_here(struct emitter *e, struct dialog *d, const struct observation *o,
		       struct session_text *x, enum finding_code code, int severity);
/* The method's name, or fallback when unknown. */
const char *session_emit_method(enum sip_method m, const char *fallback);

#endif
