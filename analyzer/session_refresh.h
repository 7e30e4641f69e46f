/* session_refresh: what the answer to one refresh transaction (re-INVITE or
 * UPDATE while a timer runs, RFC 4028 §10), or its absence, means for the
 * dialog's timer: restarted, malformed, rejected, lost, 2xx without ACK. */
#ifndef SIPWATCH_SESSION_REFRESH_H
#define SIPWATCH_SESSION_REFRESH_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/dialog_table.h"
#include "analyzer/emitter.h"
#include "analyzer/observation.h"

/* A refresh whose outcome is still open on the requester's leg. */
static inline bool session_refresh_watch_lost(const struct txn *t)
{
	return t->kind == TXN_REFRESH && t->timer_active_at_req && t->request_seen &&
	       !t->judged_lost && !t->delivered;
}

/* RFC 3261 §13.3.1.4: the UAS retransmits its 2xx until the ACK comes. */
static inline bool session_refresh_watch_ack(const struct txn *t)
{
	return t->kind == TXN_REFRESH && t->method == SIP_INVITE && t->timer_active_at_req &&
	       t->first_2xx_ts != TS_NONE && !t->noack_checked && !t->acked;
}

/* session-timers.md: t_ref is the time the 2xx is seen on the refresher's leg. */
bool session_refresh_on_refresher_leg(const struct observation *o);
/* §7.2, §9: o's 2xx starts (or restarts) the timer with its interval and refresher. */
void session_refresh_start(struct dialog *d, const struct observation *o);
/* A refresh of d still waiting for its outcome at now (within its 32 s). */
bool session_refresh_in_flight(const struct dialog *d, int64_t now);
/* A 2xx to a refresh (or to an in-dialog INVITE/UPDATE before any timer). */
void session_refresh_2xx(struct emitter *e, struct dialog *d, const struct observation *o);
/* A non-2xx final answer to a refresh (REFRESH_REJECTED, 422). */
void session_refresh_rejected(struct emitter *e, struct dialog *d, const struct observation *o);
/* No final answer reached the requester (in time, or before the BYE: at_bye;
 * early: decided before t_req + 32 s): REFRESH_UNANSWERED or RESPONSE_NOT_RELAYED. */
void session_refresh_judge_lost(struct emitter *e, struct dialog *d, struct txn *t, int64_t ts,
				bool at_bye, bool early);
/* 32 s after a refresh re-INVITE's 2xx: REFRESH_REINVITE_NO_ACK if it was
 * retransmitted and never acknowledged. */
void session_refresh_check_ack(struct emitter *e, struct dialog *d, struct txn *t, int64_t now);

#endif
