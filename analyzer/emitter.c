/* emitter: the verdict of a dialog and where it goes — findings (with the
 * doom, risk and recovery they decide), their events, the endpoints' blame,
 * and the dialog's row as the sink sees it and when it goes out again.
 * See emitter.h. */
#include "analyzer/emitter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/finding_text.h"
#include "common/xalloc.h"

static const char *emitter_state_name(const struct dialog *d)
{
	if (d->state == DIALOG_TERMINATED)
		return "terminated";
	return d->state == DIALOG_CONFIRMED ? "confirmed" : "early";
}

void emitter_fill_dialog(const struct dialog *d, struct dialog_record *r)
{
	const struct session_timer *st = &d->st;

	memset(r, 0, sizeof *r);
	r->id = d->id;
	r->call_id = dialog_call_id(d);
	r->from_uri = dialog_from_uri(d);
	r->to_uri = dialog_to_uri(d);
	r->from_tag = dialog_caller_tag(d);
	r->to_tag = d->callee_tag;
	r->caller_ua = dialog_caller_ua(d);
	r->callee_ua = dialog_callee_ua(d);
	r->transport = d->transport;
	r->created = d->created;
	r->established = d->established;
	r->ended = d->ended;
	r->session_expires = st->active ? (int64_t)st->se : -1;
	r->min_se = d->min_se_known ? (int64_t)d->min_se : -1;
	r->refresher = st->active ? st->refresher : DIALOG_REFRESHER_NONE;
	r->refreshes_ok = d->refreshes_ok;
	r->refreshes_failed = d->refreshes_failed;
	r->last_refresh = d->last_refresh;
	r->deadline = st->active ? session_clock_deadline(st) : TS_NONE;
	r->teardown_expected = st->active ? session_clock_teardown(st) : TS_NONE;
	r->doomed = d->doomed;
	r->doomed_at = d->doomed_at;
	r->recovered = d->recovered;
	r->at_risk = d->at_risk;
	r->at_risk_at = d->at_risk_at;
	r->end_class = d->end_class;
	r->state = emitter_state_name(d);
	r->n_messages = d->n_messages;
	r->finding_mask = d->finding_mask;
}

void emitter_dialog_changed(struct dialog *d)
{
	d->row_dirty = true;
}

/* Reading a file, the rest waits for the final row.  The first row always
 * goes out at creation (analyzer.c), so a message or finding committed
 * before a crash never names a dialog the db lacks. */
bool emitter_dialog_due(const struct dialog *d, bool defer)
{
	if (!d->row_dirty)
		return false;
	return !defer || d->doomed != d->emitted_doomed || d->recovered != d->emitted_recovered ||
	       d->at_risk != d->emitted_at_risk || d->end_class != d->emitted_class;
}

bool emitter_dialog_pending(const struct dialog *d)
{
	return d->row_dirty || d->emitted_class != d->end_class;
}

void emitter_dialog_row(struct emitter *e, struct dialog *d)
{
	if (e->sink.dialog) {
		struct dialog_record r;
		emitter_fill_dialog(d, &r);
		e->sink.dialog(e->sink.ctx, &r);
	}
	d->row_dirty = false;
	d->emitted_class = d->end_class;
	d->emitted_doomed = d->doomed;
	d->emitted_recovered = d->recovered;
	d->emitted_at_risk = d->at_risk;
}

static void emitter_event(struct emitter *e, struct dialog *d, enum event_kind k, int64_t ts,
			   const struct finding_record *cause)
{
	if (!e->sink.event)
		return;
	struct dialog_record r;
	emitter_fill_dialog(d, &r);
	struct event_record ev = {.kind = k, .ts_us = ts, .dialog = &r, .finding = cause};
	e->sink.event(e->sink.ctx, &ev);
}

struct dialog_risk *emitter_risk(struct dialog *d)
{
	if (!d->risk) {
		d->risk = xcalloc(1, sizeof *d->risk);
		d->risk->reached = TS_NONE;
	}
	return d->risk;
}

/* Keeps a risk finding, to rewrite it as a warning if the answer is accepted. */
static void emitter_keep_risk(struct dialog *d, const struct finding_record *r)
{
	struct dialog_risk *k = emitter_risk(d);

	if (k->n >= DIALOG_RISK_FINDINGS)
		return;
	struct dialog_risk_finding *f = &k->f[k->n++];
	f->id = r->id;
	f->message_id = r->message_id;
	f->ts = r->ts_us;
	f->code = r->code;
	snprintf(f->endpoint, sizeof f->endpoint, "%s", r->endpoint);
	const char *agent = r->agent ? r->agent : "", *detail = r->detail ? r->detail : "";
	size_t na = strnlen(agent, DIALOG_TAG_MAX - 1), nd = strnlen(detail, FINDING_DETAIL_MAX - 1);
	f->texts = xmalloc(na + nd + 2);
	memcpy(f->texts, agent, na);
	f->texts[na] = '\0';
	memcpy(f->texts + na + 1, detail, nd);
	f->texts[na + 1 + nd] = '\0';
}

void emitter_risk_cleared(struct emitter *e, struct dialog *d, int64_t ts, bool accepted)
{
	struct dialog_risk *k = d->risk;

	if (accepted && k && e->sink.finding) {
		/* the same finding (same id) again, now a warning: the store updates it */
		for (unsigned i = 0; i < k->n; i++) {
			char detail[FINDING_DETAIL_MAX];
			const struct dialog_risk_finding *f = &k->f[i];
			const char *agent = f->texts, *was = f->texts + strlen(f->texts) + 1;
			snprintf(detail, sizeof detail,
				 "%s; accepted here; a strict proxy such as Lync Server's drops it",
				 was);
			struct finding_record r = {
				.id = f->id, .dialog_id = d->id, .message_id = f->message_id,
				.code = f->code, .severity = SEVERITY_WARNING, .ts_us = f->ts,
				.agent = agent[0] ? agent : NULL, .detail = detail,
			};
			snprintf(r.endpoint, sizeof r.endpoint, "%s", f->endpoint);
			e->sink.finding(e->sink.ctx, &r);
		}
	}
	dialog_risk_free(d->risk);
	d->risk = NULL;
	if (!d->at_risk)
		return;
	d->at_risk = false;
	emitter_dialog_changed(d);
	emitter_event(e, d, EVENT_RISK_CLEARED, ts, NULL);
}

void emitter_finding(struct emitter *e, struct dialog *d, const struct finding_spec *f,
		      int severity_override)
{
	if (d->n_findings >= EMITTER_MAX_FINDINGS_PER_DIALOG)
		return;
	struct finding_record r = {
		.id = e->next_finding_id++,
		.dialog_id = d->id,
		.message_id = f->message_id,
		.code = f->code,
		.severity = severity_override >= 0 ? (enum severity)severity_override
						   : finding_code_severity(f->code),
		.ts_us = f->ts,
		.agent = f->agent,
		.detail = f->detail,
	};
	snprintf(r.endpoint, sizeof r.endpoint, "%s", f->endpoint ? f->endpoint : "");
	/* session-timers.md "Risk and proof": with --strict-peers a risk dooms */
	if (r.severity == SEVERITY_RISK && e->strict_peers)
		r.severity = SEVERITY_DOOM;
	bool risks = r.severity == SEVERITY_RISK && !d->doomed && !d->at_risk;
	if (r.severity == SEVERITY_RISK)
		emitter_keep_risk(d, &r);
	if (risks) {
		d->at_risk = true;
		d->at_risk_at = f->ts;
	}
	/* session-timers.md "Doomed": from the first doom finding on */
	bool dooms = r.severity == SEVERITY_DOOM && !d->doomed;
	d->n_findings++;
	d->finding_mask |= FINDING_MASK_BIT(f->code);
	emitter_dialog_changed(d);
	if (r.severity == SEVERITY_DOOM)
		d->st.doom_since_ref = true;
	if (dooms) {
		d->doomed = true;
		d->doomed_at = f->ts;
		d->recovered = false;
		/* the evidence decided: the defective answer was fatal */
		d->at_risk = false;
		if (d->risk && d->risk->src_known && !d->risk->fatal_counted) {
			char who[ENDPOINT_STR_MAX];
			net_addr_format(&d->risk->src, who, sizeof who);
			d->risk->fatal_counted = true;
			emitter_blame(e, who, d->risk->src_agent[0] ? d->risk->src_agent : NULL,
				       ENDPOINT_FATAL);
		}
	}
	if (e->sink.finding)
		e->sink.finding(e->sink.ctx, &r);
	if (risks)
		emitter_event(e, d, EVENT_AT_RISK, f->ts, &r);
	if (dooms)
		emitter_event(e, d, EVENT_DOOMED, f->ts, &r);
	if (f->code == FINDING_TIMER_TEARDOWN)
		emitter_event(e, d, EVENT_TEARDOWN, f->ts, &r);
	if (f->code == FINDING_SESSION_EXPIRED)
		emitter_event(e, d, EVENT_EXPIRED, f->ts, &r);
}

void emitter_recovered(struct emitter *e, struct dialog *d, int64_t ts)
{
	d->doomed = false;
	d->recovered = true;
	emitter_dialog_changed(d);
	emitter_event(e, d, EVENT_RECOVERED, ts, NULL);
}

void emitter_blame(struct emitter *e, const char *endpoint, const char *agent,
		    enum endpoint_outcome o)
{
	endpoint_stats_count(e->endpoints, endpoint, agent, o);
}

