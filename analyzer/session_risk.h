/* session_risk: the proof of session-timers.md "Risk and proof" — what a
 * defective refresh answer turns out to be (accepted, or fatal). */
#ifndef SIPWATCH_SESSION_RISK_H
#define SIPWATCH_SESSION_RISK_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/dialog_table.h"
#include "analyzer/emitter.h"
#include "analyzer/observation.h"

/* When a refresh still open on the requester's leg must be judged lost:
 * t_req + 32 s, or sooner when its 2xx was seen downstream (relay time). */
int64_t session_risk_lost_due(const struct dialog *d, const struct txn *t);
/* A defective 2xx of o's transaction was reported; reached: it reached the
 * refresher, whom its Session-Expires (if any) names as refresher. */
void session_risk_note(struct dialog *d, const struct observation *o, bool reached,
		       enum dialog_refresher refresher);
/* A defective answer that reached the refresher waits for proof. */
bool session_risk_pending(const struct dialog *d);
/* It was accepted (on-schedule refresh, normal end, old deadline passed):
 * a successful refresh from when it arrived; the risk clears.  False when
 * there is nothing pending or evidence after it doomed the call. */
bool session_risk_accept(struct emitter *e, struct dialog *d, int64_t now);

#endif
