/* dialog_state: the life of an INVITE dialog (RFC 3261 §12, §13, §15) and its
 * end class (session-timers.md "End classes"): early → confirmed → terminated,
 * NO_ANSWER after 32 s without a final answer, CANCELLED, FAILED, the BYE, the
 * linger for retransmissions, idle ageing.  Calls session_timer for the rest. */
#ifndef SIPWATCH_DIALOG_STATE_H
#define SIPWATCH_DIALOG_STATE_H

#include <stdint.h>

#include "analyzer/dialog_table.h"
#include "analyzer/emitter.h"
#include "analyzer/observation.h"
#include "common/sip_time.h"

/* How long an ended dialog stays for retransmissions (64*T1) ... */
#define DIALOG_LINGER_US SIP_TIME_64T1_US
/* ... or, once its BYE was answered to its sender (or its CANCELled INVITE's
 * 487 was ACKed) and every transaction of the dialog is complete, T4 after
 * its last message: a request is then
 * retransmitted only if its answer was lost after the capture point, at
 * intervals of at most T2 < T4, each keeping the dialog (RFC 3261 §17.1.2.2:
 * Timer K).  An ended call held for 32 s cost 140k dialogs (103 MiB) on the
 * live bench at 6.4k calls/s (issue 18). */
#define DIALOG_CLOSED_LINGER_US SIP_TIME_T4_US
_Static_assert(SIP_TIME_T2_US < DIALOG_CLOSED_LINGER_US,
	       "a retransmission comes before the closed dialog leaves");
/* Initial INVITE without final answer: Timer B (64*T1) ... */
#define DIALOG_NO_ANSWER_US SIP_TIME_64T1_US
/* ... or, once any provisional answer came, a proxy's Timer C
 * (> 3 min, RFC 3261 §16.6) */
#define DIALOG_RINGING_MAX_US (180 * USEC_PER_SEC)
/* A confirmed dialog with no timer and no traffic for this long is evicted. */
#define DIALOG_IDLE_MAX_US (24 * 3600 * USEC_PER_SEC)
/* An expired session (SESSION_EXPIRED, no BYE) is kept this long for a late BYE. */
#define DIALOG_EXPIRED_LINGER_US (3600 * USEC_PER_SEC)

/* The kind of a transaction m would create in d. */
enum txn_kind dialog_state_txn_kind(const struct dialog *d, const struct sip_msg *m,
				    enum dialog_side side);
/* Everything one observation does to d (after its transaction bookkeeping). */
void dialog_state_on_message(struct emitter *e, struct dialog_table *tab, struct dialog *d,
			     const struct observation *o);
/* A failed INVITE retried (401/407 challenge, 422): d is early again. */
void dialog_state_revive(struct dialog *d, const struct sip_msg *m, int64_t ts);

int64_t dialog_state_next_due(const struct dialog *d);
/* Runs what is due at now; sets d->release when d leaves memory. */
void dialog_state_fire(struct dialog *d, int64_t now);
/* End of capture: the end class of a dialog still in memory. */
void dialog_state_finish(struct dialog *d, int64_t now);

#endif
