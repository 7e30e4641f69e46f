/* analyzer: the entry point of the engine.
 *
 * Per packet: advance the clock (fire due timers), drop mirror duplicates,
 * parse, route to a dialog (create, fork, revive), record the observation in
 * the dialog's transactions, emit the message record, run the dialog life cycle
 * and the session timer, emit the dialog row if it changed, reschedule.  Ids
 * come from the bases in the config.  Memory is bounded by max_dialogs (the
 * least recently active dialog is evicted) and by per-dialog caps. */
#include "analyzer/analyzer.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analyzer_priv.h"
#include "analyzer/dedup.h"
#include "analyzer/dialog_state.h"
#include "analyzer/dialog_table.h"
#include "analyzer/endpoint_stats.h"
#include "analyzer/message_checks.h"
#include "analyzer/finding_text.h"
#include "analyzer/session_timer.h"
#include "analyzer/sip_parse.h"
#include "analyzer/timer_queue.h"
#include "analyzer/transaction.h"
#include "common/xalloc.h"

#define ANALYZER_DEFAULT_MAX_DIALOGS 100000
/* findings emitted per dialog at most (a flood of rejected re-INVITEs ...) */
#define ANALYZER_MAX_FINDINGS_PER_DIALOG 256

struct analyzer {
	struct analyzer_config cfg;
	struct analyzer_sink sink;
	struct analyzer_stats stats;
	uint64_t next_dialog_id, next_message_id, next_finding_id;
	int64_t clock;
	struct dedup *dedup;
	struct dialog_table *dialogs;
	struct timer_queue *timers;
	struct endpoint_stats *endpoints;
	struct txn_cache *ood;
	uint64_t n_active, n_doomed; /* dialogs in memory not ended / doomed */
};

void analyzer_config_defaults(struct analyzer_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->first_dialog_id = 1;
	cfg->first_message_id = 1;
	cfg->first_finding_id = 1;
	cfg->max_dialogs = ANALYZER_DEFAULT_MAX_DIALOGS;
	cfg->store_bodies = true;
	cfg->utc = false;
}

struct analyzer *analyzer_new(const struct analyzer_config *cfg, const struct analyzer_sink *sink)
{
	struct analyzer *a = xcalloc(1, sizeof *a);

	if (cfg)
		a->cfg = *cfg;
	else
		analyzer_config_defaults(&a->cfg);
	if (!a->cfg.max_dialogs)
		a->cfg.max_dialogs = ANALYZER_DEFAULT_MAX_DIALOGS;
	if (sink)
		a->sink = *sink;
	/* id 0 means "none" in the records */
	a->next_dialog_id = a->cfg.first_dialog_id ? a->cfg.first_dialog_id : 1;
	a->next_message_id = a->cfg.first_message_id ? a->cfg.first_message_id : 1;
	a->next_finding_id = a->cfg.first_finding_id ? a->cfg.first_finding_id : 1;
	a->clock = TS_NONE;
	a->stats.first_ts = a->stats.last_ts = TS_NONE;
	a->dedup = dedup_new();
	a->dialogs = dialog_table_new();
	a->timers = timer_queue_new();
	a->endpoints = endpoint_stats_new(ENDPOINT_STATS_MAX);
	a->ood = transaction_cache_new();
	return a;
}

void analyzer_free(struct analyzer *a)
{
	if (!a)
		return;
	timer_queue_free(a->timers);
	dialog_table_free(a->dialogs);
	dedup_free(a->dedup);
	endpoint_stats_free(a->endpoints);
	transaction_cache_free(a->ood);
	free(a);
}

/* ---- records ---- */

static const char *analyzer_state_name(const struct dialog *d)
{
	if (d->state == DIALOG_TERMINATED)
		return "terminated";
	return d->state == DIALOG_CONFIRMED ? "confirmed" : "early";
}

static void analyzer_fill_dialog(const struct dialog *d, struct dialog_record *r)
{
	const struct session_timer *st = &d->st;

	memset(r, 0, sizeof *r);
	r->id = d->id;
	r->call_id = d->call_id;
	r->from_uri = d->from_uri;
	r->to_uri = d->to_uri;
	r->from_tag = d->caller_tag;
	r->to_tag = d->callee_tag;
	r->caller_ua = d->caller_ua;
	r->callee_ua = d->callee_ua;
	r->transport = d->transport;
	r->created = d->created;
	r->established = d->established;
	r->ended = d->ended;
	r->session_expires = st->active ? (int64_t)st->se : -1;
	r->min_se = d->min_se;
	r->refresher = st->active ? st->refresher : DIALOG_REFRESHER_NONE;
	r->refreshes_ok = d->refreshes_ok;
	r->refreshes_failed = d->refreshes_failed;
	r->last_refresh = d->last_refresh;
	r->deadline = st->active ? session_timer_deadline(st) : TS_NONE;
	r->teardown_expected = st->active ? session_timer_teardown(st) : TS_NONE;
	r->doomed = d->doomed;
	r->doomed_at = d->doomed_at;
	r->recovered = d->recovered;
	r->at_risk = d->at_risk;
	r->at_risk_at = d->at_risk_at;
	r->end_class = d->end_class;
	r->state = analyzer_state_name(d);
	r->n_messages = d->n_messages;
	r->finding_mask = d->finding_mask;
}

static void analyzer_emit_dialog(struct analyzer *a, struct dialog *d)
{
	if (a->sink.dialog) {
		struct dialog_record r;
		analyzer_fill_dialog(d, &r);
		a->sink.dialog(a->sink.ctx, &r);
	}
	d->dirty = false;
	d->emitted_class = d->end_class;
	d->emitted_doomed = d->doomed;
	d->emitted_recovered = d->recovered;
	d->emitted_at_risk = d->at_risk;
}

/* Whether d's changed row goes out now: always live; reading a file, only
 * a doom, a recovery or an end (the rest waits for the final row).  The
 * first row always goes out at creation, so a message or finding committed
 * before a crash never names a dialog the db lacks. */
static bool analyzer_row_due(const struct analyzer *a, const struct dialog *d)
{
	if (!d->dirty)
		return false;
	return !a->cfg.defer_dialog_rows || d->doomed != d->emitted_doomed ||
	       d->recovered != d->emitted_recovered || d->at_risk != d->emitted_at_risk ||
	       d->end_class != d->emitted_class;
}

static void analyzer_event(struct analyzer *a, struct dialog *d, enum event_kind k, int64_t ts,
			   const struct finding_record *cause)
{
	if (!a->sink.event)
		return;
	struct dialog_record r;
	analyzer_fill_dialog(d, &r);
	struct event_record ev = {.kind = k, .ts_us = ts, .dialog = &r, .finding = cause};
	a->sink.event(a->sink.ctx, &ev);
}

struct dialog_risk *analyzer_risk(struct dialog *d)
{
	if (!d->risk) {
		d->risk = xcalloc(1, sizeof *d->risk);
		d->risk->reached = TS_NONE;
	}
	return d->risk;
}

/* Keeps a risk finding, to rewrite it as a warning if the answer is accepted. */
static void analyzer_keep_risk(struct dialog *d, const struct finding_record *r)
{
	struct dialog_risk *k = analyzer_risk(d);

	if (k->n >= DIALOG_RISK_FINDINGS)
		return;
	struct dialog_risk_finding *f = &k->f[k->n++];
	f->id = r->id;
	f->message_id = r->message_id;
	f->ts = r->ts_us;
	f->code = r->code;
	snprintf(f->endpoint, sizeof f->endpoint, "%s", r->endpoint);
	snprintf(f->agent, sizeof f->agent, "%s", r->agent ? r->agent : "");
	snprintf(f->detail, sizeof f->detail, "%s", r->detail ? r->detail : "");
}

void analyzer_risk_cleared(struct analyzer *a, struct dialog *d, int64_t ts, bool accepted)
{
	struct dialog_risk *k = d->risk;

	if (accepted && k && a->sink.finding) {
		/* the same finding (same id) again, now a warning: the store updates it */
		for (unsigned i = 0; i < k->n; i++) {
			char detail[FINDING_DETAIL_MAX];
			const struct dialog_risk_finding *f = &k->f[i];
			snprintf(detail, sizeof detail,
				 "%s; accepted here; a strict proxy such as Lync Server's drops it",
				 f->detail);
			struct finding_record r = {
				.id = f->id, .dialog_id = d->id, .message_id = f->message_id,
				.code = f->code, .severity = SEVERITY_WARNING, .ts_us = f->ts,
				.agent = f->agent[0] ? f->agent : NULL, .detail = detail,
			};
			snprintf(r.endpoint, sizeof r.endpoint, "%s", f->endpoint);
			a->sink.finding(a->sink.ctx, &r);
		}
	}
	free(d->risk);
	d->risk = NULL;
	if (!d->at_risk)
		return;
	d->at_risk = false;
	d->dirty = true;
	analyzer_event(a, d, EVENT_RISK_CLEARED, ts, NULL);
}

bool analyzer_strict(const struct analyzer *a)
{
	return a->cfg.strict_peers;
}

void analyzer_finding(struct analyzer *a, struct dialog *d, const struct finding_spec *f,
		      int severity_override)
{
	if (d->n_findings >= ANALYZER_MAX_FINDINGS_PER_DIALOG)
		return;
	struct finding_record r = {
		.id = a->next_finding_id++,
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
	if (r.severity == SEVERITY_RISK && a->cfg.strict_peers)
		r.severity = SEVERITY_DOOM;
	bool risks = r.severity == SEVERITY_RISK && !d->doomed && !d->at_risk;
	if (r.severity == SEVERITY_RISK)
		analyzer_keep_risk(d, &r);
	if (risks) {
		d->at_risk = true;
		d->at_risk_at = f->ts;
	}
	/* session-timers.md "Doomed": from the first doom finding on */
	bool dooms = r.severity == SEVERITY_DOOM && !d->doomed;
	d->n_findings++;
	d->finding_mask |= 1u << f->code;
	d->dirty = true;
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
			analyzer_blame(a, who, d->risk->src_agent[0] ? d->risk->src_agent : NULL,
				       ENDPOINT_FATAL);
		}
	}
	if (a->sink.finding)
		a->sink.finding(a->sink.ctx, &r);
	if (risks)
		analyzer_event(a, d, EVENT_AT_RISK, f->ts, &r);
	if (dooms)
		analyzer_event(a, d, EVENT_DOOMED, f->ts, &r);
	if (f->code == FINDING_TIMER_TEARDOWN)
		analyzer_event(a, d, EVENT_TEARDOWN, f->ts, &r);
	if (f->code == FINDING_SESSION_EXPIRED)
		analyzer_event(a, d, EVENT_EXPIRED, f->ts, &r);
}

void analyzer_recovered(struct analyzer *a, struct dialog *d, int64_t ts)
{
	d->doomed = false;
	d->recovered = true;
	d->dirty = true;
	analyzer_event(a, d, EVENT_RECOVERED, ts, NULL);
}

void analyzer_blame(struct analyzer *a, const char *endpoint, const char *agent,
		    enum endpoint_outcome o)
{
	endpoint_stats_count(a->endpoints, endpoint, agent, o);
}

bool analyzer_utc(const struct analyzer *a)
{
	return a->cfg.utc;
}

void analyzer_each_sibling(struct analyzer *a, struct dialog *d,
			   void (*fn)(void *ctx, struct dialog *s), void *ctx)
{
	dialog_table_each_sibling(a->dialogs, d, fn, ctx);
}

/* ---- dialog memory ---- */

static struct dialog *analyzer_dialog_of(struct timer_entry *e)
{
	return (struct dialog *)(void *)((char *)e - offsetof(struct dialog, timer));
}

/* Keeps the live counters of analyzer_get_stats in step with d, in O(1). */
static void analyzer_account(struct analyzer *a, struct dialog *d, bool in_memory)
{
	bool active = in_memory && d->state != DIALOG_TERMINATED;
	bool doomed = in_memory && d->doomed;

	if (active != d->counted_active) {
		a->n_active += active ? 1 : (uint64_t)-1;
		d->counted_active = active;
	}
	if (doomed != d->counted_doomed) {
		a->n_doomed += doomed ? 1 : (uint64_t)-1;
		d->counted_doomed = doomed;
	}
}

/* Emits the final row (if not already emitted as it stands) and frees d. */
static void analyzer_release(struct analyzer *a, struct dialog *d)
{
	analyzer_account(a, d, false);
	if (d->end_class == END_EVICTED)
		a->stats.dialogs_evicted++;
	if (d->dirty || d->emitted_class != d->end_class)
		analyzer_emit_dialog(a, d);
	timer_queue_cancel(a->timers, &d->timer);
	dialog_table_remove(a->dialogs, d);
	dialog_free(d);
}

static void analyzer_schedule(struct analyzer *a, struct dialog *d)
{
	int64_t s = dialog_state_next_due(d), t = session_timer_next_due(d);
	int64_t due = s == TS_NONE ? t : t == TS_NONE ? s : s < t ? s : t;

	timer_queue_schedule(a->timers, &d->timer, due);
}

/* After d was touched: release it, or emit its row if it changed, and reschedule. */
static void analyzer_settle(struct analyzer *a, struct dialog *d)
{
	if (d->release) {
		analyzer_release(a, d);
		return;
	}
	if (analyzer_row_due(a, d))
		analyzer_emit_dialog(a, d);
	analyzer_account(a, d, true);
	analyzer_schedule(a, d);
}

/* Fires every timer due at or before now, in time order. */
static void analyzer_advance(struct analyzer *a, int64_t now)
{
	struct timer_entry *e;

	while ((e = timer_queue_peek(a->timers)) != NULL && e->due <= now) {
		struct dialog *d = analyzer_dialog_of(e);
		int64_t due = e->due;
		if (a->clock == TS_NONE || due > a->clock)
			a->clock = due;
		session_timer_fire(a, d, due);
		dialog_state_fire(a, d, due);
		if (d->release) {
			analyzer_release(a, d);
			continue;
		}
		if (analyzer_row_due(a, d))
			analyzer_emit_dialog(a, d);
		analyzer_account(a, d, true);
		analyzer_schedule(a, d);
		/* every check due at `due` has run: never spin on the same time */
		if (d->timer.index != TIMER_INDEX_NONE && d->timer.due <= due)
			timer_queue_schedule(a->timers, &d->timer, due + 1);
	}
	if (a->clock == TS_NONE || now > a->clock)
		a->clock = now;
}

/* The cap: the least recently active dialog leaves memory (EVICTED unless it
 * had already ended), never `keep`. */
static void analyzer_make_room(struct analyzer *a, const struct dialog *keep)
{
	while (dialog_table_count(a->dialogs) >= a->cfg.max_dialogs) {
		struct dialog *v = dialog_table_oldest(a->dialogs);
		if (v == keep)
			v = v->lru_next;
		if (!v)
			return;
		if (v->state != DIALOG_TERMINATED) {
			v->end_class = END_EVICTED;
			v->dirty = true;
		}
		analyzer_release(a, v);
	}
}

static struct dialog *analyzer_route(struct analyzer *a, const struct sip_msg *m,
				     const struct sip_packet *pkt)
{
	struct dialog_route r;
	struct dialog *d = NULL;

	dialog_table_route(a->dialogs, m, &r);
	switch (r.kind) {
	case ROUTE_NONE:
		return NULL;
	case ROUTE_FOUND:
		return r.d;
	case ROUTE_SET_TAG:
		dialog_set_str(&r.d->callee_tag, m->to_tag, DIALOG_TAG_MAX);
		r.d->dirty = true;
		return r.d;
	case ROUTE_REVIVE:
		dialog_state_revive(r.d, m, pkt->ts_us);
		return r.d;
	case ROUTE_CREATE:
	case ROUTE_CREATE_MIDCALL:
		analyzer_make_room(a, NULL);
		d = dialog_table_create(a->dialogs, a->next_dialog_id++, m, pkt->ts_us);
		d->transport = pkt->flow.transport;
		break;
	case ROUTE_FORK:
		analyzer_make_room(a, r.d);
		d = dialog_table_fork(a->dialogs, r.d, a->next_dialog_id++, m->to_tag, pkt->ts_us);
		break;
	}
	a->stats.dialogs_total++;
	analyzer_emit_dialog(a, d); /* the row exists before its first message, deferred or not */
	return d;
}

/* ---- feeding ---- */

static size_t analyzer_header_len(const struct sip_msg *m, const struct sip_packet *pkt)
{
	if (m->header_len && m->header_len <= pkt->len)
		return m->header_len;
	for (size_t i = 0; i + 3 < pkt->len; i++)
		if (memcmp(pkt->data + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	return pkt->len;
}

static void analyzer_emit_message(struct analyzer *a, const struct dialog *d,
				  const struct observation *o, const struct sip_packet *pkt,
				  bool retransmission)
{
	if (!a->sink.message)
		return;
	const struct sip_msg *m = o->m;
	struct message_record r = {
		.id = o->msg_id,
		.dialog_id = d ? d->id : 0,
		.ts_us = o->ts,
		.transport = pkt->flow.transport,
		.method = m->is_request ? m->method_name : NULL,
		.status = m->is_request ? 0 : m->status,
		.cseq = m->cseq,
		.cseq_method = m->cseq_method_name,
		.call_id = m->call_id,
		.raw = pkt->data,
		.header_len = analyzer_header_len(m, pkt),
		.retransmission = retransmission,
		.has_hep_agent = pkt->hep && pkt->hep_has_agent,
		.hep_agent_id = pkt->hep_agent_id,
	};
	memcpy(r.src, o->src, sizeof r.src);
	memcpy(r.dst, o->dst, sizeof r.dst);
	r.raw_len = a->cfg.store_bodies ? pkt->len : r.header_len;
	a->sink.message(a->sink.ctx, &r);
}

static void analyzer_observe(struct analyzer *a, const struct sip_msg *m,
			     const struct sip_packet *pkt)
{
	struct dialog *d = analyzer_route(a, m, pkt);
	struct observation o;
	bool retransmission;

	memset(&o, 0, sizeof o);
	o.m = m;
	o.raw = pkt->data;
	o.raw_len = pkt->len;
	o.flow = &pkt->flow;
	o.ts = pkt->ts_us;
	o.msg_id = a->next_message_id++;
	net_addr_format(&pkt->flow.src, o.src, sizeof o.src);
	net_addr_format(&pkt->flow.dst, o.dst, sizeof o.dst);
	o.agent = m->is_request ? m->user_agent : (m->server ? m->server : m->user_agent);
	if (d) {
		o.side = dialog_side_of(d, m);
		transaction_observe(&d->txns, o.side, m, &pkt->flow, o.ts, o.msg_id,
				    dialog_state_txn_kind(d, m, o.side), &o.t);
		retransmission = o.t.retransmission;
	} else {
		retransmission = transaction_cache_seen(a->ood, &pkt->flow, m, o.ts);
	}
	if (retransmission)
		a->stats.retransmissions++;
	analyzer_emit_message(a, d, &o, pkt, retransmission);
	if (message_checks_observe(a, d, &o, retransmission))
		a->stats.bad_content_length++;
	if (!d)
		return;
	d->n_messages++;
	d->last_activity = o.ts;
	dialog_table_touch(a->dialogs, d);
	dialog_state_on_message(a, d, &o);
	if (o.t.new_txn)
		transaction_prune(&d->txns, o.ts, d->state == DIALOG_EARLY);
	analyzer_settle(a, d);
}

void analyzer_feed(struct analyzer *a, const struct sip_packet *pkt)
{
	struct sip_msg m;

	analyzer_advance(a, pkt->ts_us);
	if (dedup_is_duplicate(a->dedup, pkt)) {
		a->stats.duplicates++;
		return;
	}
	memset(&m, 0, sizeof m);
	if (!sip_parse(pkt->data, pkt->len, &m)) {
		a->stats.parse_errors++;
		sip_msg_clear(&m);
		return;
	}
	a->stats.sip_messages++;
	if (a->stats.first_ts == TS_NONE || pkt->ts_us < a->stats.first_ts)
		a->stats.first_ts = pkt->ts_us;
	if (a->stats.last_ts == TS_NONE || pkt->ts_us > a->stats.last_ts)
		a->stats.last_ts = pkt->ts_us;
	analyzer_observe(a, &m, pkt);
	sip_msg_clear(&m);
}

void analyzer_tick(struct analyzer *a, int64_t now_us)
{
	analyzer_advance(a, now_us);
}

void analyzer_finish(struct analyzer *a, int64_t now_us)
{
	struct dialog *d;

	analyzer_advance(a, now_us);
	while ((d = dialog_table_oldest(a->dialogs)) != NULL) {
		dialog_state_finish(d, now_us);
		analyzer_release(a, d);
	}
	analyzer_emit_endpoints(a);
}

/* ---- live state ---- */

void analyzer_get_stats(const struct analyzer *a, struct analyzer_stats *out)
{
	*out = a->stats;
	out->dialogs_active = a->n_active;
	out->dialogs_doomed = a->n_doomed;
}

struct analyzer_each_ctx {
	void (*fn)(void *ctx, const struct dialog_record *d);
	void *ctx;
};

static void analyzer_each_one(void *ctx, struct dialog *d)
{
	struct analyzer_each_ctx *c = ctx;
	struct dialog_record r;

	analyzer_fill_dialog(d, &r);
	c->fn(c->ctx, &r);
}

void analyzer_each_dialog(const struct analyzer *a,
			  void (*fn)(void *ctx, const struct dialog_record *d), void *ctx)
{
	struct analyzer_each_ctx c = {fn, ctx};

	dialog_table_each(a->dialogs, analyzer_each_one, &c);
}

void analyzer_emit_endpoints(struct analyzer *a)
{
	if (a->sink.endpoint)
		endpoint_stats_each(a->endpoints, a->sink.endpoint, a->sink.ctx);
}

int64_t analyzer_next_due(const struct analyzer *a)
{
	struct timer_entry *e = timer_queue_peek(a->timers);

	return e ? e->due : TS_NONE;
}
