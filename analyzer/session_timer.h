/* session_timer: RFC 4028 negotiation, refresh judging and the timing model of
 * session-timers.md, for one dialog at a time.
 *
 * Every rule here is the contract in docs/session-timers.md; the RFC section
 * is named above the code that implements it.  Times are packet times. */
#ifndef SIPWATCH_SESSION_TIMER_H
#define SIPWATCH_SESSION_TIMER_H

#include <stdint.h>

#include "analyzer/dialog_table.h"
#include "analyzer/emitter.h"
#include "analyzer/observation.h"

/* A request's first observation (INVITE/UPDATE: offers, header checks, REFRESH_LATE). */
void session_timer_on_request(struct emitter *e, struct dialog *d, const struct observation *o);
/* A final (or any) response to the initial INVITE or to a refresh. */
void session_timer_on_response(struct emitter *e, struct dialog *d, const struct observation *o);
/* The dialog's BYE (first observation): judges refreshes still waiting and
 * returns the end class (TIMER_TEARDOWN or NORMAL_BYE). */
enum end_class session_timer_on_bye(struct emitter *e, struct dialog *d,
				    const struct observation *o);

/* The earliest time a session-timer check of d is due (TS_NONE = none). */
int64_t session_timer_next_due(const struct dialog *d);
/* Runs the checks due at or before now. */
void session_timer_fire(struct emitter *e, struct dialog *d, int64_t now);

#endif
