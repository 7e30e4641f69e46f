/* session_risk: session-timers.md "Risk and proof" — a defective refresh
 * answer puts its dialog at risk (analyzer_finding); this file keeps what the
 * proof needs: which answer reached the refresher, when a 2xx seen downstream
 * counts as not relayed (the proxy's learned relay time), and the acceptance
 * that makes such an answer a successful refresh from the moment it arrived. */
#include "analyzer/session_risk.h"

#include <stdio.h>

#include "analyzer/session_headers.h"
#include "common/sip_time.h"

/* session-timers.md "Risk and proof": a 2xx seen downstream and not on the
 * requester's leg within the proxy's own relay time is not relayed.  The
 * relay time is learned from the responses the proxy of this dialog did
 * relay (the longest seen, times 4, at least 500 ms = T1); never more than 32 s
 * (nothing learned: 32 s, the old rule). */
#define ST_RELAY_MIN ((int64_t)SIP_TIME_T1_US)
static int64_t session_risk_relay_wait(const struct dialog *d)
{
	int64_t r = d->st.relay_us;

	if (r < 0)
		return TXN_TIMEOUT_US;
	r *= 4;
	if (r < ST_RELAY_MIN)
		r = ST_RELAY_MIN;
	return r < TXN_TIMEOUT_US ? r : TXN_TIMEOUT_US;
}

/* When a refresh still open must be judged lost. */
int64_t session_risk_lost_due(const struct dialog *d, const struct txn *t)
{
	int64_t due = t->first_ts + TXN_TIMEOUT_US;

	if (t->first_2xx_ts != TS_NONE && t->first_2xx_ts + session_risk_relay_wait(d) < due)
		due = t->first_2xx_ts + session_risk_relay_wait(d);
	return due;
}

/* session-timers.md "Risk and proof": a defective 2xx was reported for d;
 * remember its sender, and whether (and with what timer) it reached the refresher. */
void session_risk_note(struct dialog *d, const struct observation *o, bool reached,
		       enum dialog_refresher refresher)
{
	struct txn *t = o->t.txn;

	if (d->risk && !d->risk->src_known) {
		d->risk->src = o->flow->src; /* blamed: accepted or fatal */
		snprintf(d->risk->src_agent, sizeof d->risk->src_agent, "%s", o->agent ? o->agent : "");
		d->risk->src_known = true;
	}
	if (!reached)
		return;
	struct dialog_risk *k = emitter_risk(d);
	const struct timer_header *se = &o->m->session_expires;
	if (k->reached != TS_NONE)
		return;
	k->reached = o->ts;
	k->se = sip_msg_timer_valid(se) ? se->seconds : 0;
	k->refresher = k->se ? refresher : DIALOG_REFRESHER_NONE;
	k->cseq = t->cseq;
	k->method = t->method;
	k->side = t->side;
}

/* session-timers.md "Accepted": the defective 2xx that reached the refresher
 * was a successful refresh from the moment it arrived — t_ref and the deadline
 * follow it; one without Session-Expires turns the timer off (§7.2). */
bool session_risk_accept(struct emitter *e, struct dialog *d, int64_t now)
{
	struct dialog_risk *k = d->risk;
	struct session_timer *st = &d->st;
	char who[ENDPOINT_STR_MAX];

	if (!k || k->reached == TS_NONE)
		return false;
	if (d->doomed && d->doomed_at > k->reached) {
		/* doomed by evidence after it: not accepted */
		return false;
	}
	if (k->se) {
		st->active = true;
		st->se = k->se;
		if (k->refresher != DIALOG_REFRESHER_NONE)
			st->refresher = k->refresher;
		st->t_ref = k->reached;
		st->overdue_done = st->overdue_deferred = false;
		st->expired = false;
		st->expired_at = TS_NONE;
	} else {
		st->active = false;
	}
	st->fatal_at = TS_NONE;
	st->doom_since_ref = false;
	struct txn *t = transaction_find(&d->txns, (enum dialog_side)k->side, k->cseq,
					 (enum sip_method)k->method);
	if (t) {
		t->success = true;
		t->outcome = TXN_OK;
	}
	if (!t || t->counted_failed) {
		if (d->refreshes_failed)
			d->refreshes_failed--;
		if (t)
			t->counted_failed = false;
	}
	d->refreshes_ok++;
	d->last_refresh = k->reached;
	emitter_dialog_changed(d);
	net_addr_format(&k->src, who, sizeof who);
	emitter_blame(e, who, k->src_agent[0] ? k->src_agent : NULL, ENDPOINT_ACCEPTED);
	bool was_doomed = d->doomed;
	emitter_risk_cleared(e, d, now, true);
	if (was_doomed)
		emitter_recovered(e, d, now);
	return true;
}

/* A defective answer waiting for proof (it reached the refresher). */
bool session_risk_pending(const struct dialog *d)
{
	return d->risk && d->risk->reached != TS_NONE;
}
