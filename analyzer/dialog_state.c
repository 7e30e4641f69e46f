/* dialog_state: dialog life cycle and end classes.
 *
 * Transitions happen on the first observation of a message; retransmissions
 * and the other legs' copies only feed the transaction bookkeeping and the
 * session timer (which judges legs). */
#include "analyzer/dialog_state.h"

#include <string.h>

#include "analyzer/session_timer.h"

static bool ds_nonempty(const char *s)
{
	return s && *s;
}

enum txn_kind dialog_state_txn_kind(const struct dialog *d, const struct sip_msg *m,
				    enum dialog_side side)
{
	enum sip_method method = m->is_request ? m->method : m->cseq_method;

	if (method == SIP_INVITE && !d->mid_call && side == SIDE_CALLER &&
	    m->cseq == d->invite_cseq && (d->state == DIALOG_EARLY || !ds_nonempty(m->to_tag) ||
					  !m->is_request))
		return TXN_INITIAL_INVITE;
	if ((method == SIP_INVITE || method == SIP_UPDATE) && d->state == DIALOG_CONFIRMED)
		return TXN_REFRESH;
	return TXN_OTHER;
}

void dialog_state_revive(struct dialog *d, const struct sip_msg *m, int64_t ts)
{
	for (size_t i = 0; i < d->txns.n; i++)
		if (d->txns.v[i]->kind == TXN_INITIAL_INVITE)
			d->txns.v[i]->kind = TXN_OTHER;
	dialog_set_str(&d->callee_tag, NULL, DIALOG_TAG_MAX);
	d->state = DIALOG_EARLY;
	d->end_class = END_NONE;
	d->ended = TS_NONE;
	d->invite_cseq = m->cseq;
	d->invite_ts = ts;
	d->ringing = false;
	d->cancel_seen = false;
	emitter_dialog_changed(d);
}

static bool ds_status_new_in_txn(const struct txn *t, const struct txn_hop *hop, int status)
{
	for (size_t i = 0; i < t->n_hops; i++) {
		const struct txn_hop *h = transaction_hop_at(t, i);
		if (h == hop)
			continue;
		for (size_t k = 0; k < h->n_status; k++)
			if (h->status[k] == status)
				return false;
	}
	return true;
}

/* Who is where, and which software: only from messages an endpoint originated
 * (a request's first observation, a response's first observation, a 100 Trying
 * which is hop-by-hop), never from copies a proxy forwarded. */
static void ds_note_parties(struct dialog_table *tab, struct dialog *d, const struct observation *o)
{
	const struct sip_msg *m = o->m;
	const struct net_addr *src = &o->flow->src;

	if (m->is_request) {
		if (!o->t.first_request)
			return;
		dialog_note_agent(tab, d, src, m->user_agent);
		if (o->side == SIDE_CALLER && !d->caller_addr_known) {
			d->caller_addr = *src;
			d->caller_addr_known = true;
		} else if (o->side == SIDE_CALLEE && !d->callee_addr_known) {
			d->callee_addr = *src;
			d->callee_addr_known = true;
			if (!dialog_callee_ua(d) && ds_nonempty(m->user_agent))
				dialog_set_callee_ua(tab, d, m->user_agent);
		}
		return;
	}
	if (o->t.retransmission || !o->t.txn || !ds_status_new_in_txn(o->t.txn, o->t.hop, m->status))
		return;
	dialog_note_agent(tab, d, src, o->agent);
	if (m->status == 100)
		return;
	if (o->side == SIDE_CALLER && !d->callee_addr_known) {
		d->callee_addr = *src;
		d->callee_addr_known = true;
	}
	if (o->side == SIDE_CALLER && !dialog_callee_ua(d) && ds_nonempty(o->agent)) {
		dialog_set_callee_ua(tab, d, o->agent);
		emitter_dialog_changed(d);
	}
	if (o->side == SIDE_CALLEE && !d->caller_addr_known) {
		d->caller_addr = *src;
		d->caller_addr_known = true;
	}
}

static void ds_end(struct dialog *d, enum end_class c, int64_t ts)
{
	d->state = DIALOG_TERMINATED;
	d->end_class = c;
	d->ended = ts;
	emitter_dialog_changed(d);
}

static void ds_mark_sibling(void *ctx, struct dialog *s)
{
	(void)ctx;
	if (s->state == DIALOG_EARLY)
		s->sibling_answered = true;
}

static bool ds_unanswered_end(enum end_class c)
{
	return c == END_CANCELLED || c == END_FAILED || c == END_NO_ANSWER;
}

/* RFC 3261 §13.2.2: responses to the initial INVITE. */
static void ds_initial_response(struct emitter *e, struct dialog_table *tab, struct dialog *d,
				const struct observation *o)
{
	int status = o->m->status;

	if (status < 200) {
		/* RFC 3261 §17.1.1.2: a provisional answer stops Timer B; the final
		 * answer may take as long as a proxy's Timer C (> 3 min, §16.6) */
		d->provisional = true; /* not in the row: no new row for it */
		if (status > 100 && ds_nonempty(o->m->to_tag) && !d->ringing) {
			d->ringing = true; /* early dialog (§12.1) */
			emitter_dialog_changed(d);
		}
		return;
	}
	if (status < 300) {
		/* a 2xx confirms the dialog, even one racing a CANCEL (§9.2) */
		if (d->state == DIALOG_EARLY ||
		    (d->state == DIALOG_TERMINATED && ds_unanswered_end(d->end_class))) {
			d->state = DIALOG_CONFIRMED;
			d->end_class = END_NONE;
			d->ended = TS_NONE;
			d->established = o->ts;
			emitter_dialog_changed(d);
			dialog_table_each_sibling(tab, d, ds_mark_sibling, NULL);
		}
		if (d->state == DIALOG_CONFIRMED)
			session_timer_on_response(e, d, o);
		return;
	}
	if (d->state != DIALOG_EARLY)
		return;
	session_timer_on_response(e, d, o); /* 422 */
	ds_end(d, d->cancel_seen || status == 487 ? END_CANCELLED : END_FAILED, o->ts);
}

static void ds_request(struct emitter *e, struct dialog *d, const struct observation *o)
{
	const struct sip_msg *m = o->m;
	struct txn *t = o->t.txn;

	if (d->state == DIALOG_TERMINATED)
		return;
	switch (m->method) {
	case SIP_CANCEL:
		if (d->state == DIALOG_EARLY && !d->cancel_seen) {
			d->cancel_seen = true;
			emitter_dialog_changed(d);
		}
		break;
	case SIP_BYE:
		if (!o->t.first_request)
			break;
		/* §15: a BYE ends the dialog; on an early dialog it abandons the call */
		if (d->state == DIALOG_CONFIRMED) {
			ds_end(d, session_timer_on_bye(e, d, o), o->ts);
			transaction_drop_acked_invite(&d->txns);
		} else
			ds_end(d, END_CANCELLED, o->ts);
		break;
	case SIP_INVITE:
	case SIP_UPDATE:
		if (t && (t->kind == TXN_REFRESH || t->kind == TXN_INITIAL_INVITE))
			session_timer_on_request(e, d, o);
		break;
	default:
		break;
	}
}

void dialog_state_on_message(struct emitter *e, struct dialog_table *tab, struct dialog *d,
			     const struct observation *o)
{
	struct txn *t = o->t.txn;

	ds_note_parties(tab, d, o);
	if (o->m->is_request) {
		ds_request(e, d, o);
		return;
	}
	if (!t)
		return;
	if (t->kind == TXN_INITIAL_INVITE) {
		ds_initial_response(e, tab, d, o);
		return;
	}
	if (t->kind == TXN_REFRESH && d->state == DIALOG_CONFIRMED)
		session_timer_on_response(e, d, o);
}

static enum end_class ds_early_end(const struct dialog *d)
{
	if (d->cancel_seen)
		return END_CANCELLED;
	return d->sibling_answered ? END_REPLACED : END_NO_ANSWER;
}

/* Nothing of d awaits a message: every request answered to its sender, every
 * INVITE's final acknowledged (a 2xx unACKed is retransmitted for 64*T1). */
static bool ds_transactions_complete(const struct dialog *d)
{
	for (size_t i = 0; i < d->txns.n; i++) {
		const struct txn *t = d->txns.v[i];
		if (!t->delivered || (t->method == SIP_INVITE && !t->acked))
			return false;
	}
	return d->txns.n > 0;
}

/* d ended and nothing more can come of it but retransmissions
 * (DIALOG_CLOSED_LINGER_US): a BYE answered to its sender, or a CANCEL whose
 * INVITE's non-2xx final (487) reached the caller and was ACKed — the UAS
 * that sent it answers that INVITE no more, and a forking proxy forwards it
 * only once every branch is done (RFC 3261 §16.7).  A failed INVITE keeps its
 * 64*T1: a retried INVITE (401, 407, 422, 3xx ...) revives it. */
static bool ds_closed(const struct dialog *d)
{
	bool bye_end = d->end_class == END_NORMAL_BYE || d->end_class == END_TIMER_TEARDOWN;
	bool closer = false;

	for (size_t i = 0; i < d->txns.n; i++) {
		const struct txn *t = d->txns.v[i];
		if (bye_end && t->method == SIP_BYE)
			closer = true;
		if (d->end_class == END_CANCELLED && t->kind == TXN_INITIAL_INVITE &&
		    t->first_final_status >= 300)
			closer = true;
	}
	return closer && ds_transactions_complete(d);
}

int64_t dialog_state_next_due(const struct dialog *d)
{
	switch (d->state) {
	case DIALOG_EARLY:
		return d->invite_ts + (d->ringing || d->provisional ? DIALOG_RINGING_MAX_US
								    : DIALOG_NO_ANSWER_US);
	case DIALOG_TERMINATED:
		if (ds_closed(d) && d->last_activity + DIALOG_CLOSED_LINGER_US < d->ended + DIALOG_LINGER_US)
			return d->last_activity + DIALOG_CLOSED_LINGER_US;
		return d->ended + DIALOG_LINGER_US;
	case DIALOG_CONFIRMED:
		if (d->st.expired)
			return d->st.expired_at + DIALOG_EXPIRED_LINGER_US;
		if (!d->st.active)
			return d->last_activity + DIALOG_IDLE_MAX_US;
		return TS_NONE; /* the session timer decides */
	}
	return TS_NONE;
}

void dialog_state_fire(struct dialog *d, int64_t now)
{
	int64_t due = dialog_state_next_due(d);

	if (due == TS_NONE || due > now)
		return;
	switch (d->state) {
	case DIALOG_EARLY:
		/* NO_ANSWER, CANCELLED when it was cancelled, REPLACED when the
		 * INVITE was answered on another to-tag (§13.2.2.4: no CANCEL) */
		ds_end(d, ds_early_end(d), now);
		break;
	case DIALOG_TERMINATED:
		break;
	case DIALOG_CONFIRMED:
		d->end_class = d->st.expired ? END_EXPIRED_NO_BYE : END_EVICTED;
		emitter_dialog_changed(d);
		break;
	}
	d->release = true;
}

void dialog_state_finish(struct dialog *d, int64_t now)
{
	(void)now;
	switch (d->state) {
	case DIALOG_TERMINATED:
		return;
	case DIALOG_EARLY:
		d->end_class = ds_early_end(d);
		break;
	case DIALOG_CONFIRMED:
		d->end_class = d->st.expired ? END_EXPIRED_NO_BYE : END_ACTIVE;
		break;
	}
	emitter_dialog_changed(d);
}
