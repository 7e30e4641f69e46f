/* session_timer: RFC 4028 session timers as a passive observer sees them —
 * the entry points the dialog life cycle calls, and what is due when.
 *
 * The timer of a dialog runs from t_ref, the moment a well-formed 2xx to the
 * request that set or refreshed it is seen on the refresher's leg
 * (session_refresh judges each refresh transaction; session_clock.h holds the
 * arithmetic).  Checks that need time to pass (32 s transaction timeouts, the
 * teardown point, the deadline) are due times that session_timer_fire runs;
 * a BYE is classified against them (TIMER_TEARDOWN). */
#include "analyzer/session_timer.h"

#include <stdio.h>

#include "analyzer/session_emit.h"
#include "analyzer/session_headers.h"
#include "analyzer/session_refresh.h"
#include "analyzer/session_risk.h"

#define ST_SEC(s) SESSION_CLOCK_SEC(s)
/* A BYE judges a refresh still waiting only if it has waited this long (a UAS
 * answers within T1..T2 normally; a hang-up racing a re-INVITE is no outage). */
#define ST_BYE_GRACE ST_SEC(2)
/* REFRESH_LATE: after t_ref + SE/2 + max(SE/10, 32 s) */
#define ST_LATE_SLACK ST_SEC(32)
/* A retransmission of a refresh this long after its 2xx was seen is no race
 * with the 2xx in flight (a relay takes milliseconds; T1 is 500 ms). */
#define ST_RETRANS_GUARD ((int64_t)50000)

static int64_t st_abs(int64_t v)
{
	return v < 0 ? -v : v;
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
	if (session_refresh_in_flight(d, now)) {
		st->overdue_deferred = true; /* its outcome decides */
		return;
	}
	if (!st->doom_since_ref)
		st_emit_timer(e, d, FINDING_REFRESH_OVERDUE, now, st_rejections_since_ref(d));
}

static void st_resolve_deferred(struct emitter *e, struct dialog *d, int64_t now)
{
	struct session_timer *st = &d->st;

	if (!st->overdue_deferred || session_refresh_in_flight(d, now))
		return;
	st->overdue_deferred = false;
	if (!st->doom_since_ref)
		st_emit_timer(e, d, FINDING_REFRESH_OVERDUE, now, st_rejections_since_ref(d));
}

static void st_expire(struct emitter *e, struct dialog *d, int64_t now)
{
	d->st.expired = true;
	d->st.expired_at = now;
	emitter_dialog_changed(d);
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
	if (o->t.retransmission && t && session_refresh_watch_lost(t) && t->first_2xx_ts != TS_NONE &&
	    o->ts - t->first_2xx_ts >= ST_RETRANS_GUARD && d->state == DIALOG_CONFIRMED) {
		session_refresh_judge_lost(e, d, t, o->ts, false, true);
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
		d->timer_offered |= (uint8_t)(1u << t->side);
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
	if (!t->success && session_refresh_on_refresher_leg(o) && sip_msg_timer_valid(&o->m->session_expires))
		session_refresh_start(d, o);
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
		session_refresh_2xx(e, d, o);
	else if (o->t.first_final ||
		 (o->t.to_sender && o->t.first_on_hop && !(t->codes & SESSION_EMIT_BIT(FINDING_REFRESH_REJECTED))))
		/* also a 408 the proxy sends the requester after a 2xx it never
		 * relayed: the requester got a rejection (REFRESH_REJECTED) */
		session_refresh_rejected(e, d, o);
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
		if (t != o->t.txn && session_refresh_watch_lost(t) && o->ts - t->first_ts >= ST_BYE_GRACE)
			session_refresh_judge_lost(e, d, t, o->ts, true, false);
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
		if (session_refresh_watch_lost(t))
			due = session_clock_min(due, session_risk_lost_due(d, t));
		if (session_refresh_watch_ack(t))
			due = session_clock_min(due, t->first_2xx_ts + TXN_TIMEOUT_US);
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
		if (session_refresh_watch_lost(t) && session_risk_lost_due(d, t) <= now)
			session_refresh_judge_lost(e, d, t, now, false,
				      t->first_ts + TXN_TIMEOUT_US > now);
		if (session_refresh_watch_ack(t) && t->first_2xx_ts + TXN_TIMEOUT_US <= now)
			session_refresh_check_ack(e, d, t, now);
	}
	if (st->active && !st->overdue_done && session_clock_teardown(st) <= now)
		st_check_overdue(e, d, now);
	if (st->active && !st->expired &&
	    session_clock_deadline(st) + session_clock_late_tolerance(st->se) <= now) {
		/* nobody tore the call down for the old deadline: the defective
		 * answer was accepted (and its own timer, if any, now runs) —
		 * unless later evidence doomed the call: then it expired */
		if (!session_risk_pending(d) || !session_risk_accept(e, d, now))
			st_expire(e, d, now);
	}
	st_resolve_deferred(e, d, now);
}
