/* session_timer: RFC 4028 session timers as a passive observer sees them.
 *
 * The timer of a dialog runs from t_ref, the moment a well-formed 2xx to the
 * request that set or refreshed it is seen on the refresher's leg.  A refresh
 * transaction is judged once: well-formed answer (the timer restarts), malformed
 * answer, lost (unanswered, or answered but not relayed to the requester),
 * rejected.  Checks that need time to pass (32 s transaction timeouts, the
 * teardown point, the deadline) are due times that session_timer_fire runs. */
#include "analyzer/session_timer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/finding_text.h"
#include "analyzer/session_emit.h"
#include "analyzer/session_headers.h"
#include "analyzer/session_risk.h"
#include "analyzer/sip_parse.h"

#define ST_SEC(s) SESSION_CLOCK_SEC(s)
/* session-timers.md: a refresh's outcome is known by t_req + 32 s (Timer B/F) */
#define ST_TXN_TIMEOUT TXN_TIMEOUT_US
/* A BYE judges a refresh still waiting only if it has waited this long (a UAS
 * answers within T1..T2 normally; a hang-up racing a re-INVITE is no outage). */
#define ST_BYE_GRACE ST_SEC(2)
/* REFRESH_LATE: after t_ref + SE/2 + max(SE/10, 32 s) */
#define ST_LATE_SLACK ST_SEC(32)
/* A retransmission of a refresh this long after its 2xx was seen is no race
 * with the 2xx in flight (a relay takes milliseconds; T1 is 500 ms). */
#define ST_RETRANS_GUARD ((int64_t)50000)

#define ST_BIT(c) (1u << (c))
/* Dooms of a transaction that a well-formed copy of its 2xx on the refresher's
 * leg does not undo (a defect of an upstream copy it does: a proxy may repair). */
#define ST_STICKY_DOOM_CODES                                                                \
	(ST_BIT(FINDING_REFRESH_UNANSWERED) | ST_BIT(FINDING_RESPONSE_NOT_RELAYED) |          \
	 ST_BIT(FINDING_REFRESH_REINVITE_NO_ACK) | ST_BIT(FINDING_REFRESHER_UAC_UNSUPPORTED))

static int64_t st_abs(int64_t v)
{
	return v < 0 ? -v : v;
}

static void st_count_failed(struct dialog *d, struct txn *t)
{
	if (t->counted_failed)
		return;
	t->counted_failed = true;
	d->refreshes_failed++;
	d->dirty = true;
}

/* ---- the timer ---- */

/* "uac" in a 2xx is the side that sent that request (§9), which after a
 * re-INVITE from the callee is the callee. */
static enum dialog_refresher st_dialog_refresher(enum dialog_side sender, enum refresher r)
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
static bool st_on_refresher_leg(const struct observation *o)
{
	const struct timer_header *se = &o->m->session_expires;

	if (sip_msg_timer_valid(se) && se->refresher == REFRESHER_UAS)
		return o->t.first_2xx;
	return o->t.to_sender;
}

/* §7.2, §9: the 2xx starts (or restarts) the timer with its interval and refresher. */
static void st_start(struct dialog *d, const struct observation *o)
{
	struct session_timer *st = &d->st;
	const struct timer_header *se = &o->m->session_expires;
	struct txn *t = o->t.txn;
	enum dialog_refresher r = st_dialog_refresher(t->side, se->refresher);

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
	st->doom_since_ref = (t->codes & ST_STICKY_DOOM_CODES) != 0;
	t->success = true;
	d->dirty = true;
}

/* ---- refresh transactions ---- */

/* A refresh whose outcome is still open on the requester's leg. */
static bool st_watch_lost(const struct txn *t)
{
	return t->kind == TXN_REFRESH && t->timer_active_at_req && t->request_seen &&
	       !t->judged_lost && !t->delivered;
}

/* RFC 3261 §13.3.1.4: the UAS retransmits its 2xx until the ACK comes. */
static bool st_watch_ack(const struct txn *t)
{
	return t->kind == TXN_REFRESH && t->method == SIP_INVITE && t->timer_active_at_req &&
	       t->first_2xx_ts != TS_NONE && !t->noack_checked && !t->acked;
}

static bool st_refresh_in_flight(const struct dialog *d, int64_t now)
{
	for (size_t i = 0; i < d->txns.n; i++) {
		const struct txn *t = d->txns.v[i];
		if (t->kind == TXN_REFRESH && t->timer_active_at_req && !t->success &&
		    t->outcome == TXN_PENDING && !t->judged_lost && t->first_ts + ST_TXN_TIMEOUT > now)
			return true;
	}
	return false;
}

/* Well-formed refresh answer (session-timers.md): parses, mandatory headers,
 * the request's CSeq method, a Contact and, while a timer runs, a Session-Expires. */
static unsigned st_defects(const struct observation *o)
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

static void st_report_defects(struct emitter *e, struct dialog *d, const struct observation *o,
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
	st_count_failed(d, t);
	if (t->outcome == TXN_PENDING)
		t->outcome = TXN_MALFORMED;
	if (!e->strict_peers) {
		const struct timer_header *se = &o->m->session_expires;
		bool reached = !t->success && st_on_refresher_leg(o);
		session_risk_note(d, o, reached,
				  st_dialog_refresher(t->side, sip_msg_timer_valid(se) ? se->refresher
											 : REFRESHER_NONE));
	}
}

static void st_refresh_ok(struct emitter *e, struct dialog *d, const struct observation *o)
{
	struct txn *t = o->t.txn;
	char who[ENDPOINT_STR_MAX];

	st_start(d, o);
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
	if (d->doomed && !(t->codes & ST_STICKY_DOOM_CODES))
		emitter_recovered(e, d, o->ts);
}

static void st_refresh_2xx(struct emitter *e, struct dialog *d, const struct observation *o)
{
	struct txn *t = o->t.txn;

	if (!t->timer_active_at_req) {
		/* no timer yet: a 2xx with Session-Expires negotiates one (§7.2, §9) */
		if (!t->success && st_on_refresher_leg(o) &&
		    sip_msg_timer_valid(&o->m->session_expires))
			st_start(d, o);
		if (o->t.first_2xx)
			session_headers_check_2xx(e, d, o);
		return;
	}
	/* RFC 3261 §17.1.2.2: once the requester's transaction timed out, a late
	 * answer refreshes nothing (the finding about it stands) */
	if (t->judged_lost)
		return;
	unsigned defects = st_defects(o);
	if (defects) {
		if (o->t.first_2xx)
			session_headers_check_2xx(e, d, o);
		st_report_defects(e, d, o, defects);
		return; /* a malformed answer refreshes nobody */
	}
	/* the timer first, so findings about this 2xx name the new refresher */
	if (!t->success && st_on_refresher_leg(o))
		st_refresh_ok(e, d, o);
	if (o->t.first_2xx)
		session_headers_check_2xx(e, d, o);
}

/* A non-2xx final answer to a refresh (RFC 3261 §12.2.1.2, §14.1). */
static void st_refresh_rejected(struct emitter *e, struct dialog *d, const struct observation *o)
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
	st_count_failed(d, t);
	t->outcome = TXN_REJECTED;
	if (fatal)
		d->st.fatal_at = o->ts;
}

/* session-timers.md: no final response reached the requester within 32 s (or
 * before the BYE): RESPONSE_NOT_RELAYED if one was seen on another leg, else
 * REFRESH_UNANSWERED. */
static void st_judge_lost(struct emitter *e, struct dialog *d, struct txn *t, int64_t ts,
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
	st_count_failed(d, t);
	if (t->outcome == TXN_PENDING)
		t->outcome = TXN_LOST;
	/* RFC 3261 §12.2.1.2: the timed-out requester ends the dialog (decided
	 * early, before its own Timer F/B fires at t_req + 32 s) */
	if (!at_bye)
		d->st.fatal_at = early ? t->first_ts + ST_TXN_TIMEOUT : ts;
}

static void st_check_ack(struct emitter *e, struct dialog *d, struct txn *t, int64_t now)
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

/* ---- dialog-level checks ---- */

static void st_emit_timer(struct emitter *e, struct dialog *d, enum finding_code code,
			  int64_t ts, unsigned count)
{
	char ep[ENDPOINT_STR_MAX] = ""; /* refresher unknown (no refresher parameter) */
	const char *agent = NULL;
	struct session_text x;

	session_emit_init(&x, d, NULL);
	x.ft.count = count;
	if (x.ft.refresher) {
		snprintf(ep, sizeof ep, "%s", x.ft.refresher);
		agent = x.ft.refresher_agent;
	}
	session_emit(e, d, NULL, &x, code, -1, ts, 0, ep, agent);
}

static unsigned st_rejections_since_ref(const struct dialog *d)
{
	unsigned n = 0;

	for (size_t i = 0; i < d->txns.n; i++) {
		const struct txn *t = d->txns.v[i];
		if (t->kind == TXN_REFRESH && t->outcome == TXN_REJECTED && t->first_ts >= d->st.t_ref)
			n++;
	}
	return n;
}

/* RFC 4028 §10: by the teardown point a refresh must have succeeded. */
static void st_check_overdue(struct emitter *e, struct dialog *d, int64_t now)
{
	struct session_timer *st = &d->st;

	st->overdue_done = true;
	/* a defective answer reached the refresher: its acceptance, not this
	 * older teardown point, decides (st_accept, or the deadline below) */
	if (session_risk_pending(d))
		return;
	if (st_refresh_in_flight(d, now)) {
		st->overdue_deferred = true; /* its outcome decides */
		return;
	}
	if (!st->doom_since_ref)
		st_emit_timer(e, d, FINDING_REFRESH_OVERDUE, now, st_rejections_since_ref(d));
}

static void st_resolve_deferred(struct emitter *e, struct dialog *d, int64_t now)
{
	struct session_timer *st = &d->st;

	if (!st->overdue_deferred || st_refresh_in_flight(d, now))
		return;
	st->overdue_deferred = false;
	if (!st->doom_since_ref)
		st_emit_timer(e, d, FINDING_REFRESH_OVERDUE, now, st_rejections_since_ref(d));
}

static void st_expire(struct emitter *e, struct dialog *d, int64_t now)
{
	d->st.expired = true;
	d->st.expired_at = now;
	d->dirty = true;
	st_emit_timer(e, d, FINDING_SESSION_EXPIRED, now, 0);
}

/* ---- entry points ---- */

void session_timer_on_request(struct emitter *e, struct dialog *d, const struct observation *o)
{
	const struct sip_msg *m = o->m;
	struct txn *t = o->t.txn;
	struct session_timer *st = &d->st;

	/* session-timers.md "Doomed on evidence": the refresh retransmitted after
	 * its 2xx went back on another leg (by the proxy that never got it, or by
	 * the requester that never got it): RESPONSE_NOT_RELAYED at once */
	if (o->t.retransmission && t && st_watch_lost(t) && t->first_2xx_ts != TS_NONE &&
	    o->ts - t->first_2xx_ts >= ST_RETRANS_GUARD && d->state == DIALOG_CONFIRMED) {
		st_judge_lost(e, d, t, o->ts, false, true);
		return;
	}
	if (!o->t.first_request || (m->method != SIP_INVITE && m->method != SIP_UPDATE))
		return;
	/* session-timers.md "Accepted": the next refresh after a defective 2xx
	 * that reached the refresher, on schedule (not a retry at once) */
	if (t->kind == TXN_REFRESH && session_risk_pending(d)) {
		if (o->ts - d->risk->reached >= ST_BYE_GRACE)
			session_risk_accept(e, d, o->ts);
		else
			d->risk->reached = TS_NONE; /* retried at once: not accepted */
	}
	if (m->supported_timer || m->require_timer)
		d->timer_offered[t->side] = true;
	session_headers_note_min_se(d, m);
	session_headers_check_request(e, d, o);
	if (t->kind != TXN_REFRESH)
		return;
	/* RFC 4028 §10: any re-INVITE or UPDATE while the timer runs refreshes */
	t->timer_active_at_req = st->active;
	if (!st->active)
		return;
	int64_t se = ST_SEC(st->se);
	int64_t slack = se / 10 > ST_LATE_SLACK ? se / 10 : ST_LATE_SLACK;
	if (o->ts > st->t_ref + se / 2 + slack && o->ts < session_clock_teardown(st)) {
		struct session_text x;
		session_emit_init(&x, d, o);
		session_emit_here(e, d, o, &x, FINDING_REFRESH_LATE, -1);
	}
}

static void st_initial_response(struct emitter *e, struct dialog *d, const struct observation *o)
{
	struct txn *t = o->t.txn;
	int status = o->m->status;

	if (status == 422 && o->t.first_final) { /* RFC 4028 §6 */
		struct session_text x;
		session_emit_init(&x, d, o);
		x.ft.variant = FT_VARIANT_422;
		x.ft.value = sip_msg_timer_valid(&o->m->min_se) ? o->m->min_se.seconds : 0;
		session_emit_here(e, d, o, &x, FINDING_INTERVAL_TOO_SMALL, -1);
	}
	if (status < 200 || status >= 300)
		return;
	/* the timer first, so findings about this 2xx can say when the call drops */
	if (!t->success && st_on_refresher_leg(o) && sip_msg_timer_valid(&o->m->session_expires))
		st_start(d, o);
	if (o->t.first_2xx)
		session_headers_check_2xx(e, d, o);
}

void session_timer_on_response(struct emitter *e, struct dialog *d, const struct observation *o)
{
	struct txn *t = o->t.txn;
	int status = o->m->status;

	if (o->t.new_txn && !t->request_seen)
		t->timer_active_at_req = t->kind == TXN_REFRESH && d->st.active;
	if (status < 200)
		return;
	/* a 2xx first seen downstream and now relayed to the requester: how long
	 * this dialog's proxy takes to relay */
	if (status < 300 && o->t.to_sender && o->t.first_on_hop && !o->t.first_2xx &&
	    !o->t.retransmission && t->first_2xx_ts != TS_NONE && o->ts >= t->first_2xx_ts &&
	    o->ts - t->first_2xx_ts > d->st.relay_us)
		d->st.relay_us = o->ts - t->first_2xx_ts;
	if (t->kind == TXN_INITIAL_INVITE) {
		st_initial_response(e, d, o);
		return;
	}
	if (t->kind != TXN_REFRESH || d->state != DIALOG_CONFIRMED)
		return;
	if (status < 300)
		st_refresh_2xx(e, d, o);
	else if (o->t.first_final ||
		 (o->t.to_sender && o->t.first_on_hop && !(t->codes & ST_BIT(FINDING_REFRESH_REJECTED))))
		/* also a 408 the proxy sends the requester after a 2xx it never
		 * relayed: the requester got a rejection (REFRESH_REJECTED) */
		st_refresh_rejected(e, d, o);
	st_resolve_deferred(e, d, o->ts);
}

/* A refresh sent since t_ref got a well-formed 2xx on some leg but not on the
 * refresher's (there it would have restarted the timer), and is not judged
 * lost (RESPONSE_NOT_RELAYED would explain a teardown). */
static const struct txn *st_refreshed_elsewhere(const struct dialog *d)
{
	for (size_t i = 0; i < d->txns.n; i++) {
		const struct txn *t = d->txns.v[i];
		if (t->kind == TXN_REFRESH && t->timer_active_at_req && !t->success && !t->judged_lost &&
		    t->outcome == TXN_PENDING && t->first_2xx_ts != TS_NONE && t->first_ts >= d->st.t_ref)
			return t;
	}
	return NULL;
}

/* session-timers.md "TIMER_TEARDOWN": a BYE within max(2 s, 1% SE) of the
 * teardown point or the deadline, or right after a 408/481/timeout, with no
 * successful refresh since t_ref.  Only the current cycle counts: a deadline
 * that a successful refresh replaced is no deadline any more (a healthy call
 * hanging up when its next refresh is due is just a hang-up).  When a refresh
 * did succeed on some leg but never reached the refresher's, the legs
 * disagree: BYE_NEAR_DEADLINE_UNEXPLAINED. */
enum end_class session_timer_on_bye(struct emitter *e, struct dialog *d,
				    const struct observation *o)
{
	struct session_timer *st = &d->st;

	for (size_t i = 0; i < d->txns.n; i++) {
		struct txn *t = d->txns.v[i];
		if (t != o->t.txn && st_watch_lost(t) && o->ts - t->first_ts >= ST_BYE_GRACE)
			st_judge_lost(e, d, t, o->ts, true, false);
	}
	if (!st->active) {
		session_risk_accept(e, d, o->ts); /* a defective answer without Session-Expires, then a hang-up */
		return END_NORMAL_BYE;
	}
	int64_t tol = session_clock_tolerance(st->se), late = session_clock_late_tolerance(st->se);
	int64_t tp = session_clock_teardown(st), dl = session_clock_deadline(st);
	enum finding_variant v = FT_VARIANT_DEFAULT;
	bool near = true;
	/* a BYE a proxy originates (one Via, from neither party) between the
	 * teardown point and the deadline: Kamailio's dialog timeout, to both sides */
	bool from_proxy = o->m->via_count == 1 && d->caller_addr_known && d->callee_addr_known &&
			  !net_addr_equal(&o->flow->src, &d->caller_addr) &&
			  !net_addr_equal(&o->flow->src, &d->callee_addr);
	if (st_abs(o->ts - tp) <= tol)
		v = FT_VARIANT_DEFAULT;
	else if (o->ts >= dl - tol && o->ts <= dl + late)
		v = FT_VARIANT_DEADLINE;
	else if (st->fatal_at != TS_NONE && o->ts >= st->fatal_at && o->ts - st->fatal_at <= tol)
		v = FT_VARIANT_AFTER_FATAL;
	else if (from_proxy && o->ts >= tp - tol && o->ts <= dl + late)
		v = o->ts >= dl ? FT_VARIANT_DEADLINE : FT_VARIANT_DEFAULT;
	else if (o->m->reason_timer) /* the BYE says so (RFC 3326 Reason) */
		v = o->ts >= dl ? FT_VARIANT_DEADLINE : FT_VARIANT_DEFAULT;
	else
		near = false;
	if (!near) {
		session_risk_accept(e, d, o->ts); /* the call ended normally: the answer was taken */
		return END_NORMAL_BYE;
	}
	struct session_text x;
	session_emit_init(&x, d, o);
	const struct txn *elsewhere = v != FT_VARIANT_AFTER_FATAL ? st_refreshed_elsewhere(d) : NULL;
	if (elsewhere) {
		x.ft.teardown = v == FT_VARIANT_DEADLINE ? dl : tp;
		x.ft.t_req = elsewhere->first_ts;
		session_emit_here(e, d, o, &x, FINDING_BYE_NEAR_DEADLINE_UNEXPLAINED, -1);
		return END_NORMAL_BYE;
	}
	x.ft.variant = v;
	session_emit_here(e, d, o, &x, FINDING_TIMER_TEARDOWN, -1);
	return END_TIMER_TEARDOWN;
}

int64_t session_timer_next_due(const struct dialog *d)
{
	const struct session_timer *st = &d->st;
	int64_t due = TS_NONE;

	if (d->state != DIALOG_CONFIRMED)
		return TS_NONE;
	for (size_t i = 0; i < d->txns.n; i++) {
		const struct txn *t = d->txns.v[i];
		if (st_watch_lost(t))
			due = session_clock_min(due, session_risk_lost_due(d, t));
		if (st_watch_ack(t))
			due = session_clock_min(due, t->first_2xx_ts + ST_TXN_TIMEOUT);
	}
	if (st->active && !st->overdue_done)
		due = session_clock_min(due, session_clock_teardown(st));
	if (st->active && !st->expired)
		due = session_clock_min(due, session_clock_deadline(st) + session_clock_late_tolerance(st->se));
	return due;
}

void session_timer_fire(struct emitter *e, struct dialog *d, int64_t now)
{
	struct session_timer *st = &d->st;

	if (d->state != DIALOG_CONFIRMED)
		return;
	for (size_t i = 0; i < d->txns.n; i++) {
		struct txn *t = d->txns.v[i];
		if (st_watch_lost(t) && session_risk_lost_due(d, t) <= now)
			st_judge_lost(e, d, t, now, false,
				      t->first_ts + ST_TXN_TIMEOUT > now);
		if (st_watch_ack(t) && t->first_2xx_ts + ST_TXN_TIMEOUT <= now)
			st_check_ack(e, d, t, now);
	}
	if (st->active && !st->overdue_done && session_clock_teardown(st) <= now)
		st_check_overdue(e, d, now);
	if (st->active && !st->expired &&
	    session_clock_deadline(st) + session_clock_late_tolerance(st->se) <= now) {
		/* nobody tore the call down for the old deadline: the defective
		 * answer was accepted (and its own timer, if any, now runs) */
		if (session_risk_pending(d))
			session_risk_accept(e, d, now);
		else
			st_expire(e, d, now);
	}
	st_resolve_deferred(e, d, now);
}
