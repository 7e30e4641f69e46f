/* session_headers: what RFC 4028 says the timer headers of a request and of
 * its 2xx must look like (§4, §5, §9), checked once per transaction. */
#include "analyzer/session_headers.h"

#include "analyzer/session_emit.h"
#include "analyzer/session_timer.h"

void session_headers_note_min_se(struct dialog *d, const struct sip_msg *m)
{
	if (sip_msg_timer_valid(&m->min_se) && (!d->min_se_known || m->min_se.seconds > d->min_se)) {
		d->min_se = m->min_se.seconds;
		d->min_se_known = true;
		emitter_dialog_changed(d);
	}
}

/* §4, §5: Session-Expires and Min-SE values; nothing below Min-SE or 90 s. */
void session_headers_check_request(struct emitter *e, struct dialog *d,
				     const struct observation *o)
{
	const struct timer_header *se = &o->m->session_expires, *mse = &o->m->min_se;
	struct session_text x;

	session_emit_init(&x, d, o);
	if ((se->present && se->malformed) || (mse->present && mse->malformed))
		session_emit_here(e, d, o, &x, FINDING_SE_HEADER_MALFORMED, -1);
	if (sip_msg_timer_valid(mse) && mse->seconds < SESSION_TIMER_FLOOR) {
		x.ft.variant = FT_VARIANT_MIN_SE_LOW;
		x.ft.value = mse->seconds;
		session_emit_here(e, d, o, &x, FINDING_INTERVAL_TOO_SMALL, -1);
		return;
	}
	uint32_t floor = SESSION_TIMER_FLOOR;
	if (sip_msg_timer_valid(mse) && mse->seconds > floor)
		floor = mse->seconds;
	if (sip_msg_timer_valid(se) && se->seconds < floor) {
		x.ft.variant = FT_VARIANT_SE_LOW;
		x.ft.value = se->seconds;
		x.ft.limit = floor;
		session_emit_here(e, d, o, &x, FINDING_INTERVAL_TOO_SMALL, -1);
	}
}

/* §9: what the UAS puts in its 2xx (first 2xx of a transaction). */
void session_headers_check_2xx(struct emitter *e, struct dialog *d, const struct observation *o)
{
	const struct sip_msg *m = o->m;
	const struct timer_header *se = &m->session_expires;
	struct txn *t = o->t.txn;
	struct session_text x;

	session_emit_init(&x, d, o);
	if ((se->present && se->malformed) || (m->min_se.present && m->min_se.malformed))
		session_emit_here(e, d, o, &x, FINDING_SE_HEADER_MALFORMED, -1);
	if (!sip_msg_timer_valid(se))
		return;
	x.ft.value = se->seconds;
	/* §9: the UAS may lower the interval, never raise it */
	if (t->request_seen && sip_msg_timer_valid(&t->req_se) && se->seconds > t->req_se.seconds) {
		x.ft.limit = t->req_se.seconds;
		session_emit_here(e, d, o, &x, FINDING_SE_2XX_INCREASED, -1);
	}
	/* §9: the 2xx MUST carry the refresher parameter */
	if (se->refresher == REFRESHER_NONE)
		session_emit_here(e, d, o, &x, FINDING_SE_2XX_NO_REFRESHER, -1);
	if (se->refresher == REFRESHER_UAC) {
		/* §9: refresher=uac requires Require: timer in the 2xx */
		if (!m->require_timer)
			session_emit_here(e, d, o, &x, FINDING_REFRESH_2XX_NO_REQUIRE_TIMER,
					  t->kind == TXN_REFRESH && t->timer_active_at_req
						  ? SEVERITY_RISK
						  : -1);
		/* §9: only a UAC that supports the timer may be made refresher (one
		 * that offered it anywhere in the dialog does: refreshes often omit it) */
		if (t->request_seen && !(d->timer_offered >> t->side & 1u)) {
			char peer[ENDPOINT_STR_MAX];
			net_addr_format(&t->sender, peer, sizeof peer);
			x.ft.peer = peer;
			x.ft.peer_agent = dialog_agent_of(d, &t->sender);
			session_emit_here(e, d, o, &x, FINDING_REFRESHER_UAC_UNSUPPORTED, -1);
			x.ft.peer = NULL;
		}
	}
	/* §5: never below the request's Min-SE (or 90 s) */
	uint32_t floor = SESSION_TIMER_FLOOR;
	if (t->request_seen && sip_msg_timer_valid(&t->req_min_se) && t->req_min_se.seconds > floor)
		floor = t->req_min_se.seconds;
	if (se->seconds < floor) {
		x.ft.variant = FT_VARIANT_SE_LOW;
		x.ft.limit = floor;
		session_emit_here(e, d, o, &x, FINDING_INTERVAL_TOO_SMALL, -1);
	}
}

