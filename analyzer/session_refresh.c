/* session_refresh: one refresh transaction judged (RFC 4028 §7.2, §9, §10;
 * session-timers.md "Refresh outcomes").
 *
 * A refresh is judged once: a well-formed answer on the refresher's leg
 * restarts the timer, a malformed answer fails it (and may put the dialog at
 * risk: session_risk), a non-2xx rejects it, no answer reaching the requester
 * within 32 s loses it, a re-INVITE 2xx retransmitted without ACK is reported.
 * What is due when is session_timer's; this file only says what one
 * transaction's answer, or its absence, means. */
#include "analyzer/session_refresh.h"


#include "analyzer/finding_text.h"
#include "analyzer/session_emit.h"
#include "analyzer/session_headers.h"
#include "analyzer/session_risk.h"
#include "analyzer/sip_parse.h"

/* Dooms of a transaction that a well-formed copy of its 2xx on the refresher's
 * leg does not undo (a defect of an upstream copy it does: a proxy may repair). */
#define SR_STICKY_DOOM_CODES                                                                \
	(SESSION_EMIT_BIT(FINDING_REFRESH_UNANSWERED) |                                     \
	 SESSION_EMIT_BIT(FINDING_RESPONSE_NOT_RELAYED) |                                   \
	 SESSION_EMIT_BIT(FINDING_REFRESH_REINVITE_NO_ACK) |                                \
	 SESSION_EMIT_BIT(FINDING_REFRESHER_UAC_UNSUPPORTED))

static void sr_count_failed(struct dialog *d, struct txn *t)
{
	if (t->counted_failed)
		return;
	t->counted_failed = true;
	d->refreshes_failed++;
	emitter_dialog_changed(d);
}

/* ---- the timer ---- */

/* "uac" in a 2xx is the side that sent that request (§9), which after a
 * re-INVITE from the callee is the callee. */
static enum dialog_refresher sr_dialog_refresher(enum dialog_side sender, enum refresher r)
{
	if (r == REFRESHER_NONE)
		return DIALOG_REFRESHER_NONE;
	bool sender_refreshes = r == REFRESHER_UAC;
	if (sender == SIDE_CALLER)
		return sender_refreshes ? DIALOG_REFRESHER_UAC : DIALOG_REFRESHER_UAS;
	return sender_refreshes ? DIALOG_REFRESHER_UAS : DIALOG_REFRESHER_UAC;
}

/* session-timers.md: t_ref is the time the 2xx is seen on the refresher's leg.
 * refresher=uas: the refresher sent the 2xx, its first observation is on its
 * leg.  refresher=uac (or none): the 2xx reaches the requester. */
bool session_refresh_on_refresher_leg(const struct observation *o)
{
	const struct timer_header *se = &o->m->session_expires;

	if (sip_msg_timer_valid(se) && se->refresher == REFRESHER_UAS)
		return o->t.first_2xx;
	return o->t.to_sender;
}

/* §7.2, §9: the 2xx starts (or restarts) the timer with its interval and refresher. */
void session_refresh_start(struct dialog *d, const struct observation *o)
{
	struct session_timer *st = &d->st;
	const struct timer_header *se = &o->m->session_expires;
	struct txn *t = o->t.txn;
	enum dialog_refresher r = sr_dialog_refresher(t->side, se->refresher);

	st->active = true;
	st->se = se->seconds;
	if (r != DIALOG_REFRESHER_NONE || !st->refresher)
		st->refresher = r;
	st->t_ref = o->ts;
	st->overdue_done = false;
	st->overdue_deferred = false;
	st->expired = false;
	st->expired_at = TS_NONE;
	st->fatal_at = TS_NONE;
	st->doom_since_ref = (t->codes & SR_STICKY_DOOM_CODES) != 0;
	t->success = true;
	emitter_dialog_changed(d);
}

bool session_refresh_in_flight(const struct dialog *d, int64_t now)
{
	for (size_t i = 0; i < d->txns.n; i++) {
		const struct txn *t = d->txns.v[i];
		if (t->kind == TXN_REFRESH && t->timer_active_at_req && !t->success &&
		    t->outcome == TXN_PENDING && !t->judged_lost && t->first_ts + TXN_TIMEOUT_US > now)
			return true;
	}
	return false;
}

/* Well-formed refresh answer (session-timers.md): parses, mandatory headers,
 * the request's CSeq method, a Contact and, while a timer runs, a Session-Expires. */
static unsigned sr_defects(const struct observation *o)
{
	const struct sip_msg *m = o->m;
	unsigned f = 0;

	/* the one place a strict parser's verdict is used: ask it only here */
	if (!sip_parse_strict_accepts(o->raw, o->raw_len))
		f |= FT_NOT_PARSED;
	if (!m->has_via || !m->has_from || !m->has_to || !m->has_call_id || !m->has_cseq ||
	    !m->cseq_valid)
		f |= FT_MANDATORY;
	if (o->t.cseq_mismatch)
		f |= FT_CSEQ_METHOD;
	if (!m->contact)
		f |= FT_NO_CONTACT;
	if (!m->session_expires.present)
		f |= FT_NO_SE;
	else if (m->session_expires.malformed)
		f |= FT_SE_MALFORMED;
	/* §9: refresher=uac needs Require: timer (REFRESH_2XX_NO_REQUIRE_TIMER,
	 * emitted by session_headers: a risk on a refresh answer) */
	if (sip_msg_timer_valid(&m->session_expires) &&
	    m->session_expires.refresher == REFRESHER_UAC && !m->require_timer)
		f |= FT_NO_REQUIRE;
	return f;
}

static void sr_report_defects(struct emitter *e, struct dialog *d, const struct observation *o,
			      unsigned defects)
{
	struct txn *t = o->t.txn;
	struct session_text x;

	session_emit_init(&x, d, o);
	x.ft.defects = defects;
	if (defects & FT_NO_SE)
		session_emit_here(e, d, o, &x, FINDING_REFRESH_2XX_NO_SESSION_EXPIRES, -1);
	if (defects & FT_NO_CONTACT)
		session_emit_here(e, d, o, &x, FINDING_REFRESH_2XX_NO_CONTACT, -1);
	if (!(defects & (FT_NO_SE | FT_NO_CONTACT | FT_NO_REQUIRE)))
		session_emit_here(e, d, o, &x, FINDING_REFRESH_2XX_MALFORMED, -1);
	if (!t->counted_failed)
		emitter_blame(e, o->src, o->agent, ENDPOINT_MALFORMED);
	sr_count_failed(d, t);
	if (t->outcome == TXN_PENDING)
		t->outcome = TXN_MALFORMED;
	if (!e->strict_peers) {
		const struct timer_header *se = &o->m->session_expires;
		bool reached = !t->success && session_refresh_on_refresher_leg(o);
		session_risk_note(d, o, reached,
				  sr_dialog_refresher(t->side, sip_msg_timer_valid(se) ? se->refresher
											 : REFRESHER_NONE));
	}
}

static void sr_refresh_ok(struct emitter *e, struct dialog *d, const struct observation *o)
{
	struct txn *t = o->t.txn;
	char who[ENDPOINT_STR_MAX];

	session_refresh_start(d, o);
	t->outcome = TXN_OK;
	if (t->counted_failed) { /* an upstream copy was bad, the requester got a good one */
		t->counted_failed = false;
		d->refreshes_failed--;
	}
	d->refreshes_ok++;
	d->last_refresh = o->ts;
	net_addr_format(&t->first_2xx_src, who, sizeof who);
	emitter_blame(e, who, dialog_agent_of(d, &t->first_2xx_src), ENDPOINT_OK);
	/* a well-formed refresh reached the refresher: whatever was at risk is not */
	if (d->risk || d->at_risk)
		emitter_risk_cleared(e, d, o->ts, false);
	/* a sticky doom raised by this very transaction is not recovered from */
	if (d->doomed && !(t->codes & SR_STICKY_DOOM_CODES))
		emitter_recovered(e, d, o->ts);
}

void session_refresh_2xx(struct emitter *e, struct dialog *d, const struct observation *o)
{
	struct txn *t = o->t.txn;

	if (!t->timer_active_at_req) {
		/* no timer yet: a 2xx with Session-Expires negotiates one (§7.2, §9) */
		if (!t->success && session_refresh_on_refresher_leg(o) &&
		    sip_msg_timer_valid(&o->m->session_expires))
			session_refresh_start(d, o);
		if (o->t.first_2xx)
			session_headers_check_2xx(e, d, o);
		return;
	}
	/* RFC 3261 §17.1.2.2: once the requester's transaction timed out, a late
	 * answer refreshes nothing (the finding about it stands) */
	if (t->judged_lost)
		return;
	unsigned defects = sr_defects(o);
	if (defects) {
		if (o->t.first_2xx)
			session_headers_check_2xx(e, d, o);
		sr_report_defects(e, d, o, defects);
		return; /* a malformed answer refreshes nobody */
	}
	/* the timer first, so findings about this 2xx name the new refresher */
	if (!t->success && session_refresh_on_refresher_leg(o))
		sr_refresh_ok(e, d, o);
	if (o->t.first_2xx)
		session_headers_check_2xx(e, d, o);
}

/* A non-2xx final answer to a refresh (RFC 3261 §12.2.1.2, §14.1). */
void session_refresh_rejected(struct emitter *e, struct dialog *d, const struct observation *o)
{
	struct txn *t = o->t.txn;
	int status = o->m->status;
	struct session_text x;

	session_emit_init(&x, d, o);
	if (status == 422) { /* RFC 4028 §6 */
		x.ft.variant = FT_VARIANT_422;
		x.ft.value = sip_msg_timer_valid(&o->m->min_se) ? o->m->min_se.seconds : 0;
		session_emit_here(e, d, o, &x, FINDING_INTERVAL_TOO_SMALL, -1);
		x.ft.variant = FT_VARIANT_DEFAULT;
	}
	if (!t->timer_active_at_req)
		return;
	bool fatal = status == 408 || status == 481;
	x.ft.value = o->m->retry_after > 0 ? (uint32_t)o->m->retry_after : 0;
	session_emit_here(e, d, o, &x, FINDING_REFRESH_REJECTED, fatal ? SEVERITY_DOOM : -1);
	emitter_blame(e, o->src, o->agent, ENDPOINT_REJECTED);
	sr_count_failed(d, t);
	t->outcome = TXN_REJECTED;
	if (fatal)
		d->st.fatal_at = o->ts;
}

/* session-timers.md: no final response reached the requester within 32 s (or
 * before the BYE): RESPONSE_NOT_RELAYED if one was seen on another leg, else
 * REFRESH_UNANSWERED. */
void session_refresh_judge_lost(struct emitter *e, struct dialog *d, struct txn *t, int64_t ts,
			  bool at_bye, bool early)
{
	bool answered = t->first_final_status != 0;
	enum finding_code code = answered ? FINDING_RESPONSE_NOT_RELAYED : FINDING_REFRESH_UNANSWERED;
	char who[ENDPOINT_STR_MAX] = "?", peer[ENDPOINT_STR_MAX];
	const struct net_addr *who_addr = NULL;
	struct session_text x;
	uint64_t msg_id;

	t->judged_lost = true;
	session_emit_init(&x, d, NULL);
	x.ft.method = session_emit_method(t->method, "refresh");
	x.ft.cseq = t->cseq;
	x.ft.t_req = t->first_ts;
	x.ft.count = t->req_retransmissions;
	x.ft.variant = at_bye ? FT_VARIANT_AT_BYE : early ? FT_VARIANT_EARLY : FT_VARIANT_DEFAULT;
	if (answered) {
		/* blame the hop holding the answer: it received it and did not relay */
		who_addr = &t->last_final_dst;
		x.ft.status = t->first_final_status;
		msg_id = t->first_final_msg_id;
	} else {
		const struct txn_hop *far = transaction_far_hop(t);
		who_addr = far ? &far->req_dst : NULL;
		msg_id = t->req_msg_id;
	}
	if (who_addr)
		net_addr_format(who_addr, who, sizeof who);
	net_addr_format(&t->sender, peer, sizeof peer);
	x.ft.who = who;
	x.ft.who_agent = who_addr ? dialog_agent_of(d, who_addr) : NULL;
	x.ft.peer = peer;
	x.ft.peer_agent = dialog_agent_of(d, &t->sender);
	session_emit(e, d, t, &x, code, -1, ts, msg_id, who, x.ft.who_agent);
	emitter_blame(e, who, x.ft.who_agent, ENDPOINT_LOST);
	sr_count_failed(d, t);
	if (t->outcome == TXN_PENDING)
		t->outcome = TXN_LOST;
	/* RFC 3261 §12.2.1.2: the timed-out requester ends the dialog (decided
	 * early, before its own Timer F/B fires at t_req + 32 s) */
	if (!at_bye)
		d->st.fatal_at = early ? t->first_ts + TXN_TIMEOUT_US : ts;
}

void session_refresh_check_ack(struct emitter *e, struct dialog *d, struct txn *t, int64_t now)
{
	char who[ENDPOINT_STR_MAX], peer[ENDPOINT_STR_MAX];
	unsigned n2xx = transaction_max_2xx(t);
	struct session_text x;

	t->noack_checked = true;
	if (t->acked || n2xx < 2)
		return;
	session_emit_init(&x, d, NULL);
	net_addr_format(&t->first_2xx_src, who, sizeof who);
	net_addr_format(&t->sender, peer, sizeof peer);
	x.ft.status = 200;
	x.ft.method = session_emit_method(t->method, "INVITE");
	x.ft.cseq = t->cseq;
	x.ft.who = who;
	x.ft.who_agent = dialog_agent_of(d, &t->first_2xx_src);
	x.ft.peer = peer;
	x.ft.peer_agent = dialog_agent_of(d, &t->sender);
	x.ft.count = n2xx - 1;
	/* blame the requester: it should have sent the ACK */
	session_emit(e, d, t, &x, FINDING_REFRESH_REINVITE_NO_ACK, -1, now, t->first_2xx_msg_id, peer,
		x.ft.peer_agent);
}
