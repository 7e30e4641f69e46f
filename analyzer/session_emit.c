/* session_emit: findings of the session timer, with their detail facts.
 *
 * Fills the finding_text every detail may need (the timer's t_ref, teardown
 * point, deadline and refresher, the message and its sender) and emits a code
 * at most once per transaction. */
#include "analyzer/session_emit.h"

#include <string.h>

#include "analyzer/session_headers.h"
#include "analyzer/session_timer.h"

const char *session_emit_method(enum sip_method m, const char *fallback)
{
	const char *name = sip_method_name(m);

	return name && *name && m != SIP_METHOD_UNKNOWN ? name : fallback;
}

static bool session_emit_party_addr(const struct dialog *d, enum dialog_refresher r,
				    struct net_addr *out)
{
	if (r == DIALOG_REFRESHER_UAC && d->caller_addr_known)
		*out = d->caller_addr;
	else if (r == DIALOG_REFRESHER_UAS && d->callee_addr_known)
		*out = d->callee_addr;
	else
		return false;
	return true;
}

static const char *session_emit_party_agent(const struct dialog *d, enum dialog_refresher r,
					    const struct net_addr *addr)
{
	const char *agent = dialog_agent_of(d, addr);

	if (agent)
		return agent;
	return r == DIALOG_REFRESHER_UAC ? dialog_caller_ua(d) : dialog_callee_ua(d);
}

/* The timer facts every detail may need; when the timer is not running yet (a
 * 2xx seen upstream before it reaches the refresher) the 2xx's own stand in. */
void session_emit_init(struct session_text *x, const struct dialog *d,
		       const struct observation *o)
{
	const struct session_timer *st = &d->st;
	struct net_addr ra;

	memset(x, 0, sizeof *x);
	x->ft.t_ref = x->ft.teardown = x->ft.deadline = x->ft.t_req = TS_NONE;
	if (st->active) {
		x->ft.se = st->se;
		x->ft.t_ref = st->t_ref;
		x->ft.teardown = session_clock_teardown(st);
		x->ft.deadline = session_clock_deadline(st);
	} else if (o && !o->m->is_request && sip_msg_timer_valid(&o->m->session_expires)) {
		struct session_timer h = {.t_ref = o->ts, .se = o->m->session_expires.seconds};
		x->ft.se = h.se;
		x->ft.t_ref = h.t_ref;
		x->ft.teardown = session_clock_teardown(&h);
		x->ft.deadline = session_clock_deadline(&h);
	}
	if (st->active && session_emit_party_addr(d, st->refresher, &ra)) {
		net_addr_format(&ra, x->refresher, sizeof x->refresher);
		x->ft.refresher = x->refresher;
		x->ft.refresher_agent = session_emit_party_agent(d, st->refresher, &ra);
	}
	if (o) {
		const struct txn *t = o->t.txn;
		x->ft.status = o->m->is_request ? 0 : o->m->status;
		x->ft.method = session_emit_method(t ? t->method : o->m->method,
					      o->m->is_request ? o->m->method_name
							       : o->m->cseq_method_name);
		x->ft.cseq = o->m->cseq;
		x->ft.who = o->src;
		x->ft.who_agent = o->agent;
	}
}

/* Emits code once per transaction (t may be NULL for dialog-level findings). */
void session_emit(struct emitter *e, struct dialog *d, struct txn *t, struct session_text *x,
		    enum finding_code code, int severity, int64_t ts, uint64_t msg_id,
		    const char *endpoint, const char *agent)
{
	char detail[FINDING_DETAIL_MAX];

	if (t) {
		if (t->codes & SESSION_EMIT_BIT(code))
			return;
		t->codes |= SESSION_EMIT_BIT(code);
	}
	x->ft.code = code;
	x->ft.ts = ts;
	x->ft.utc = e->utc;
	finding_text_format(detail, sizeof detail, &x->ft);
	struct finding_spec f = {
		.code = code,
		.ts = ts,
		.message_id = msg_id,
		.endpoint = endpoint,
		.agent = agent,
		.detail = detail,
	};
	emitter_finding(e, d, &f, severity);
}

/* A finding about the observed message, blaming its sender. */
void session_emit_here(struct emitter *e, struct dialog *d, const struct observation *o,
			 struct session_text *x, enum finding_code code, int severity)
{
	session_emit(e, d, o->t.txn, x, code, severity, o->ts, o->msg_id, o->src, o->agent);
}

