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

#include "analyzer/dedup.h"
#include "analyzer/dialog_state.h"
#include "analyzer/dialog_table.h"
#include "analyzer/emitter.h"
#include "analyzer/endpoint_stats.h"
#include "analyzer/message_checks.h"
#include "analyzer/finding_text.h"
#include "analyzer/method_track.h"
#include "analyzer/observation.h"
#include "analyzer/session_timer.h"
#include "analyzer/sip_parse.h"
#include "analyzer/timer_queue.h"
#include "analyzer/transaction.h"
#include "common/sip_text.h"
#include "common/xalloc.h"

#define ANALYZER_DEFAULT_MAX_DIALOGS 100000

struct analyzer {
	struct analyzer_config cfg;
	struct emitter em; /* the sink, the finding ids, the endpoints' counters */
	struct analyzer_stats stats;
	uint64_t next_dialog_id, next_message_id;
	int64_t clock;
	struct seen_cache *dedup;
	struct dialog_table *dialogs;
	struct timer_queue *timers;
	struct seen_cache *ood;
	struct method_track *methods; /* REGISTER, OPTIONS, SUBSCRIBE ... entries */
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
		a->em.sink = *sink;
	/* id 0 means "none" in the records */
	a->next_dialog_id = a->cfg.first_dialog_id ? a->cfg.first_dialog_id : 1;
	a->next_message_id = a->cfg.first_message_id ? a->cfg.first_message_id : 1;
	a->em.next_finding_id = a->cfg.first_finding_id ? a->cfg.first_finding_id : 1;
	a->clock = TS_NONE;
	a->stats.first_ts = a->stats.last_ts = TS_NONE;
	a->dedup = dedup_new();
	a->dialogs = dialog_table_new();
	a->timers = timer_queue_new();
	a->em.endpoints = endpoint_stats_new(ENDPOINT_STATS_MAX);
	a->ood = transaction_cache_new();
	a->em.strict_peers = a->cfg.strict_peers;
	a->em.utc = a->cfg.utc;
	a->methods = method_track_new(a->cfg.max_dialogs, &a->em.sink, a->cfg.defer_dialog_rows);
	return a;
}

void analyzer_free(struct analyzer *a)
{
	if (!a)
		return;
	timer_queue_free(a->timers);
	dialog_table_free(a->dialogs);
	seen_cache_free(a->dedup);
	endpoint_stats_free(a->em.endpoints);
	seen_cache_free(a->ood);
	method_track_free(a->methods);
	free(a);
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
	if (emitter_dialog_pending(d))
		emitter_dialog_row(&a->em, d);
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
	if (emitter_dialog_due(d, a->cfg.defer_dialog_rows))
		emitter_dialog_row(&a->em, d);
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
		session_timer_fire(&a->em, d, due);
		dialog_state_fire(d, due);
		if (d->release) {
			analyzer_release(a, d);
			continue;
		}
		if (emitter_dialog_due(d, a->cfg.defer_dialog_rows))
			emitter_dialog_row(&a->em, d);
		analyzer_account(a, d, true);
		analyzer_schedule(a, d);
		/* every check due at `due` has run: never spin on the same time */
		if (d->timer.index != TIMER_INDEX_NONE && d->timer.due <= due)
			timer_queue_schedule(a->timers, &d->timer, due + 1);
	}
	method_track_advance(a->methods, now);
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
			v = dialog_table_newer(v);
		if (!v)
			return;
		if (v->state != DIALOG_TERMINATED) {
			v->end_class = END_EVICTED;
			emitter_dialog_changed(v);
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
		emitter_dialog_changed(r.d);
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
	emitter_dialog_row(&a->em, d); /* the row exists before its first message, deferred or not */
	return d;
}

/* ---- feeding ---- */

static size_t analyzer_header_len(const struct sip_msg *m, const struct sip_packet *pkt)
{
	if (m->header_len && m->header_len <= pkt->len)
		return m->header_len;
	size_t end = sip_text_header_end(pkt->data, pkt->len);
	return end ? end : pkt->len;
}

static void analyzer_emit_message(struct analyzer *a, uint64_t dialog_id,
				  const struct observation *o, const struct sip_packet *pkt,
				  bool retransmission)
{
	if (!a->em.sink.message)
		return;
	const struct sip_msg *m = o->m;
	struct message_record r = {
		.id = o->msg_id,
		.dialog_id = dialog_id,
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
	a->em.sink.message(a->em.sink.ctx, &r);
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
	if (!d) {
		/* outside INVITE dialogs: an entry of method_track, never the session timer */
		struct method_track_msg mo = {m, pkt->data, analyzer_header_len(m, pkt),
					      pkt->flow.transport, o.ts, retransmission};
		uint64_t entry = method_track_observe(a->methods, &mo, &a->next_dialog_id);
		analyzer_emit_message(a, entry, &o, pkt, retransmission);
		if (message_checks_observe(&a->em, NULL, &o, retransmission))
			a->stats.bad_content_length++;
		return;
	}
	analyzer_emit_message(a, d->id, &o, pkt, retransmission);
	if (message_checks_observe(&a->em, d, &o, retransmission))
		a->stats.bad_content_length++;
	d->n_messages++;
	d->last_activity = o.ts;
	dialog_table_touch(a->dialogs, d);
	dialog_state_on_message(&a->em, a->dialogs, d, &o);
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
	method_track_finish(a->methods, now_us);
	analyzer_emit_endpoints(a);
}

/* ---- live state ---- */

void analyzer_get_stats(const struct analyzer *a, struct analyzer_stats *out)
{
	struct method_track_stats ms;

	*out = a->stats;
	out->dialogs_active = a->n_active;
	out->dialogs_doomed = a->n_doomed;
	method_track_get_stats(a->methods, &ms);
	out->other_total = ms.total;
	out->other_in_memory = ms.in_memory;
	out->other_evicted = ms.evicted;
}

struct analyzer_each_ctx {
	void (*fn)(void *ctx, const struct dialog_record *d);
	void *ctx;
};

static void analyzer_each_one(void *ctx, struct dialog *d)
{
	struct analyzer_each_ctx *c = ctx;
	struct dialog_record r;

	emitter_fill_dialog(d, &r);
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
	if (a->em.sink.endpoint)
		endpoint_stats_each(a->em.endpoints, a->em.sink.endpoint, a->em.sink.ctx);
}

int64_t analyzer_next_due(const struct analyzer *a)
{
	struct timer_entry *e = timer_queue_peek(a->timers);
	int64_t d = e ? e->due : TS_NONE, o = method_track_next_due(a->methods);

	return d == TS_NONE || (o != TS_NONE && o < d) ? o : d;
}
