/* store: the analyzer's side of the SQLite writer (store.h).
 *
 * Each store_* call copies its record, strings included, into the row queue
 * (db/rowq.c, bounded in bytes) and returns; the writer thread (db/writer_thread.c)
 * binds and steps them in its open transaction.  This side decides where the
 * batches end, on the caller's clock as before: a REC_COMMIT goes into the
 * queue after batch_rows rows or once the batch is batch_interval_us old, so
 * the commit points depend on the calls only, not on the writer's speed.
 * The queue is handed to the writer a chunk at a time, and at each commit
 * point, so a live reader still sees rows within the interval.
 *
 * Calls that need an answer or a guarantee (store_flush, store_begin_capture,
 * store_next_ids, store_sync) queue a record with a ticket and wait until
 * the writer has done it. */
#include "db/store.h"

#include <stdio.h>
#include <stdatomic.h>

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/xalloc.h"
#include "db/rowq.h"
#include "db/storerec.h"
#include "db/writer.h"

#define STORE_CHUNK_BYTES (256u << 10)

struct store {
	struct writer *w;
	struct rowq *q;
	struct store_options opt;
	uint64_t ticket;       /* the last one handed out */
	bool batch_open;       /* rows queued since the last REC_COMMIT */
	size_t batch_n;
	int64_t batch_started; /* clock of the first store_maybe_flush in this batch */
	atomic_uint_fast64_t records_queued; /* written by the producer, read by the metrics */
	bool pressed; /* store_set_pressed: optional records never wait */
};

void store_library_init(void)
{
	/* Fails harmlessly (SQLITE_MISUSE) if SQLite is already initialised. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

void store_options_defaults(struct store_options *o)
{
	o->store_bodies = true;
	o->retention_days = 0;
	o->busy_timeout_ms = 5000;
	o->batch_rows = 100000;
	o->batch_interval_us = 500 * 1000;
	o->queue_bytes = 2u << 20;
	o->cache_kib = 0;
	o->max_bytes = 0;
	o->retry_interval_us = 5 * USEC_PER_SEC;
	o->say_on_stderr = false;
	o->defer_indexes = false;
}

/* ---- packing records ---- */

struct store_pack {
	uint8_t *base;
	size_t off;
};

static size_t store_len(const char *s)
{
	return s ? strlen(s) : 0;
}

static struct storerec_str store_put_str(struct store_pack *p, const void *s, size_t len)
{
	struct storerec_str r = {0, STOREREC_NULL};

	if (!s)
		return r;
	r.off = (uint32_t)p->off;
	r.len = (uint32_t)len;
	memcpy(p->base + p->off, s, len);
	p->off += len;
	return r;
}

/* A record of kind with room for extra bytes of strings after its body.
 * NULL only for an optional record (a message, an endpoint) while the writer is failing and its queue is full: the analyzer
 * does not wait for those.  Dialogs and findings, which the report is made
 * of, always wait for room (the failing writer drains fast: it keeps them
 * in its log until it can write). */
static void *store_rec_opt(struct store *s, enum storerec_kind kind, size_t body, size_t extra,
			   struct store_pack *p, bool optional)
{
	bool pressed = optional && s->pressed;
	struct storerec_hdr *h;
	if (optional && (pressed || writer_failing(s->w)))
		h = rowq_try_alloc(s->q, body + extra);
	else if (s->pressed)
		h = rowq_alloc_reserve(s->q, body + extra);
	else
		h = rowq_alloc(s->q, body + extra);
	if (!h) {
		if (pressed && !writer_failing(s->w))
			writer_count_behind(s->w, 1);
		else
			writer_count_skipped(s->w, 1);
		return NULL;
	}

	h->kind = kind;
	h->size = (uint32_t)(body + extra);
	h->ticket = 0;
	atomic_fetch_add_explicit(&s->records_queued, 1, memory_order_relaxed);
	if (p) {
		p->base = (uint8_t *)h;
		p->off = body;
	}
	return h;
}

static void *store_rec(struct store *s, enum storerec_kind kind, size_t body, size_t extra,
		       struct store_pack *p)
{
	return store_rec_opt(s, kind, body, extra, p, false);
}

/* Queues a record with a ticket and waits until the writer has done it. */
static void store_wait(struct store *s, struct storerec_hdr *h, struct writer_reply *r)
{
	h->ticket = ++s->ticket;
	rowq_publish(s->q);
	writer_wait(s->w, h->ticket, r);
}

static void store_end_batch(struct store *s)
{
	s->batch_open = false;
	s->batch_n = 0;
	s->batch_started = TS_NONE;
}

/* Queues a commit point and hands the queue over. */
static void store_commit(struct store *s)
{
	store_rec(s, REC_COMMIT, sizeof(struct storerec_hdr), 0, NULL);
	rowq_publish(s->q);
	store_end_batch(s);
}

/* One more row in the batch (messages, findings, capture updates). */
static void store_count_row(struct store *s)
{
	s->batch_open = true;
	if (++s->batch_n >= s->opt.batch_rows)
		store_commit(s);
}

static bool store_ok(const struct store *s)
{
	return s && !writer_failed(s->w);
}

/* ---- open and close ---- */

struct store *store_open(const char *path, const struct store_options *o, char *err, size_t n)
{
	struct store_options defaults;

	if (!o) {
		store_options_defaults(&defaults);
		o = &defaults;
	}
	struct writer *w = writer_open(path, o, err, n);
	if (!w)
		return NULL;
	struct store *s = xcalloc(1, sizeof *s);

	atomic_init(&s->records_queued, 0);
	s->w = w;
	s->opt = *o;
	if (s->opt.batch_rows == 0)
		s->opt.batch_rows = 1;
	s->q = rowq_new(STORE_CHUNK_BYTES, s->opt.queue_bytes);
	store_end_batch(s);
	if (!writer_start(w, s->q, err, n)) {
		writer_close(w);
		rowq_free(s->q);
		free(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	/* REC_STOP commits what is pending; the thread ends after it. */
	store_rec(s, REC_STOP, sizeof(struct storerec_hdr), 0, NULL);
	rowq_publish(s->q);
	rowq_close(s->q);
	writer_close(s->w);
	rowq_free(s->q);
	free(s);
}

void store_get_stats(struct store *s, int64_t now_us, struct store_stats *out)
{
	struct writer_progress p;
	/* Committed first: a record counted committed has been queued before. */
	writer_get_progress(s->w, &p);
	uint64_t queued = atomic_load_explicit(&s->records_queued, memory_order_relaxed);

	out->pending_records = queued > p.committed_records ? queued - p.committed_records : 0;
	out->write_lag_us = out->pending_records && now_us > p.last_commit_us ? now_us - p.last_commit_us : 0;
	out->commits = p.commits;
	out->failed = writer_failed(s->w);
}

void store_get_health(struct store *s, struct store_health *h)
{
	if (s) {
		writer_get_health(s->w, h);
	} else {
		memset(h, 0, sizeof *h);
	}
}

uint64_t store_capture_id(struct store *s)
{
	return s ? writer_capture_id(s->w) : 0;
}

bool store_failed(const struct store *s)
{
	return s && writer_failed(s->w);
}

const char *store_error(const struct store *s)
{
	return s ? writer_error(s->w) : "";
}

/* ---- captures and ids ---- */

static struct storerec_capture *store_capture_rec(struct store *s, enum storerec_kind kind,
						  const struct capture_info *c)
{
	struct store_pack p;
	size_t ls = store_len(c->source), lk = store_len(c->kind);
	struct storerec_capture *r = store_rec_opt(s, kind, sizeof *r, ls + lk, &p, false);
	if (!r)
		return NULL;

	r->started = c->started;
	r->ended = c->ended;
	r->packets = c->packets;
	r->sip_messages = c->sip_messages;
	r->parse_errors = c->parse_errors;
	r->duplicates = c->duplicates;
	r->dropped = c->dropped;
	r->encrypted = c->encrypted;
	r->tls_sessions = c->tls_sessions;
	r->tls_decrypted = c->tls_decrypted;
	r->tls_no_keys = c->tls_no_keys;
	r->hep_packets = c->hep_packets;
	r->hep_errors = c->hep_errors;
	r->hep_auth_failed = c->hep_auth_failed;
	r->hep_tcp_closed = c->hep_tcp_closed;
	r->source = store_put_str(&p, c->source, ls);
	r->kind = store_put_str(&p, c->kind, lk);
	r->n_counts = c->n_counts < CAPTURE_COUNTS_MAX ? c->n_counts : CAPTURE_COUNTS_MAX;
	memcpy(r->counts, c->counts, r->n_counts * sizeof r->counts[0]);
	return r;
}

uint64_t capture_info_count(const struct capture_info *c, const char *name)
{
	for (size_t i = 0; i < c->n_counts; i++)
		if (strcmp(c->counts[i].name, name) == 0)
			return c->counts[i].value;
	return 0;
}

void capture_info_add_count(struct capture_info *c, const char *name, uint64_t value)
{
	if (!value || c->n_counts >= CAPTURE_COUNTS_MAX)
		return;
	struct capture_count *k = &c->counts[c->n_counts++];
	snprintf(k->name, sizeof k->name, "%s", name);
	k->value = value;
}

uint64_t store_begin_capture(struct store *s, const struct capture_info *c)
{
	struct writer_reply r = {0};

	if (!store_ok(s))
		return 0;
	store_wait(s, &store_capture_rec(s, REC_CAPTURE_BEGIN, c)->h, &r);
	store_end_batch(s); /* the writer committed before and after */
	return store_failed(s) ? 0 : r.capture_id;
}

void store_update_capture(struct store *s, const struct capture_info *c)
{
	if (!store_ok(s))
		return;
	if (store_capture_rec(s, REC_CAPTURE_UPDATE, c))
		store_count_row(s);
}

void store_next_ids(struct store *s, uint64_t *dialog_id, uint64_t *message_id,
		    uint64_t *finding_id)
{
	struct writer_reply r = {0};

	*dialog_id = *message_id = *finding_id = 1;
	if (!store_ok(s))
		return;
	store_wait(s, store_rec(s, REC_NEXT_IDS, sizeof(struct storerec_hdr), 0, NULL), &r);
	if (store_failed(s))
		return;
	*dialog_id = r.dialog_id;
	*message_id = r.message_id;
	*finding_id = r.finding_id;
}

/* ---- rows ---- */

void store_message(struct store *s, const struct message_record *m)
{
	if (!store_ok(s))
		return;
	/* Storage trouble: fewer bytes first, then no messages (store.h). */
	int level = writer_level(s->w);
	if (level >= STORE_NO_MESSAGES) {
		writer_count_skipped(s->w, 1);
		return;
	}
	size_t raw_len = m->raw ? m->raw_len : 0;
	if ((!s->opt.store_bodies || level >= STORE_NO_BODIES) && m->header_len > 0 &&
	    m->header_len < raw_len) {
		if (s->opt.store_bodies)
			writer_count_skipped(s->w, 1);
		raw_len = m->header_len;
	}
	size_t lsrc = strlen(m->src), ldst = strlen(m->dst), lm = store_len(m->method);
	size_t lcm = store_len(m->cseq_method), lcid = store_len(m->call_id);
	struct store_pack p;
	struct storerec_message *r = store_rec_opt(s, REC_MESSAGE, sizeof *r,
						   lsrc + ldst + lm + lcm + lcid + raw_len, &p, true);
	if (!r)
		return;

	r->id = m->id;
	r->dialog_id = m->dialog_id;
	r->header_len = m->header_len;
	r->ts_us = m->ts_us;
	r->status = m->status;
	r->cseq = m->cseq;
	r->transport = (uint8_t)m->transport;
	r->retransmission = m->retransmission;
	r->hep_agent_id = m->has_hep_agent ? (int64_t)m->hep_agent_id : -1;
	r->src = store_put_str(&p, m->src, lsrc);
	r->dst = store_put_str(&p, m->dst, ldst);
	r->method = store_put_str(&p, m->method, lm);
	r->cseq_method = store_put_str(&p, m->cseq_method, lcm);
	r->call_id = store_put_str(&p, m->call_id, lcid);
	r->raw = store_put_str(&p, m->raw, raw_len);
	store_count_row(s);
}

void store_dialog(struct store *s, const struct dialog_record *d)
{
	if (!store_ok(s))
		return;
	const char *method = d->method ? d->method : "INVITE";
	size_t l[9] = {store_len(d->call_id), store_len(d->from_uri), store_len(d->to_uri),
		       store_len(d->from_tag), store_len(d->to_tag), store_len(d->caller_ua),
		       store_len(d->callee_ua), store_len(d->state), strlen(method)};
	struct store_pack p;
	struct storerec_dialog *r = store_rec_opt(s, REC_DIALOG, sizeof *r,
						  l[0] + l[1] + l[2] + l[3] + l[4] + l[5] + l[6] + l[7] +
							  l[8],
						  &p, false);
	if (!r)
		return;

	r->id = d->id;
	r->created = d->created;
	r->established = d->established;
	r->ended = d->ended;
	r->session_expires = d->session_expires;
	r->min_se = d->min_se;
	r->last_refresh = d->last_refresh;
	r->deadline = d->deadline;
	r->teardown_expected = d->teardown_expected;
	r->doomed_at = d->doomed_at;
	r->refreshes_ok = d->refreshes_ok;
	r->refreshes_failed = d->refreshes_failed;
	r->n_messages = d->n_messages;
	r->finding_mask = d->finding_mask;
	r->transport = (uint8_t)d->transport;
	r->refresher = (uint8_t)d->refresher;
	r->doomed = d->doomed;
	r->recovered = d->recovered;
	r->at_risk = d->at_risk;
	r->at_risk_at = d->at_risk_at;
	r->end_class = (uint8_t)d->end_class;
	r->call_id = store_put_str(&p, d->call_id, l[0]);
	r->from_uri = store_put_str(&p, d->from_uri, l[1]);
	r->to_uri = store_put_str(&p, d->to_uri, l[2]);
	r->from_tag = store_put_str(&p, d->from_tag, l[3]);
	r->to_tag = store_put_str(&p, d->to_tag, l[4]);
	r->caller_ua = store_put_str(&p, d->caller_ua, l[5]);
	r->callee_ua = store_put_str(&p, d->callee_ua, l[6]);
	r->state = store_put_str(&p, d->state, l[7]);
	r->method = store_put_str(&p, method, l[8]);
	r->final_status = d->final_status;
	/* Not counted: coalesced, a dialog is one row per batch whatever its updates. */
	s->batch_open = true;
}

void store_finding(struct store *s, const struct finding_record *f)
{
	if (!store_ok(s))
		return;
	size_t le = strlen(f->endpoint), la = store_len(f->agent), ld = store_len(f->detail);
	struct store_pack p;
	struct storerec_finding *r = store_rec_opt(s, REC_FINDING, sizeof *r, le + la + ld, &p, false);
	if (!r)
		return;

	r->id = f->id;
	r->dialog_id = f->dialog_id;
	r->message_id = f->message_id;
	r->ts_us = f->ts_us;
	r->code = (uint32_t)f->code;
	r->severity = (uint32_t)f->severity;
	r->endpoint = store_put_str(&p, le ? f->endpoint : NULL, le);
	r->agent = store_put_str(&p, f->agent, la);
	r->detail = store_put_str(&p, f->detail, ld);
	store_count_row(s);
}

void store_endpoint(struct store *s, const struct endpoint_record *e)
{
	if (!store_ok(s))
		return;
	if (writer_level(s->w) >= STORE_ESSENTIAL) {
		writer_count_skipped(s->w, 1);
		return;
	}
	size_t le = strlen(e->endpoint), la = store_len(e->agent);
	struct store_pack p;
	struct storerec_endpoint *r = store_rec_opt(s, REC_ENDPOINT, sizeof *r, le + la, &p, true);
	if (!r)
		return;

	r->refresh_answers_ok = e->refresh_answers_ok;
	r->malformed = e->malformed;
	r->lost = e->lost;
	r->rejected = e->rejected;
	r->accepted = e->accepted;
	r->fatal = e->fatal;
	r->endpoint = store_put_str(&p, e->endpoint, le);
	r->agent = store_put_str(&p, e->agent, la);
	store_count_row(s);
}

/* ---- batches ---- */

void store_set_pressed(struct store *s, bool pressed)
{
	if (s)
		s->pressed = pressed;
}

void store_maybe_flush(struct store *s, int64_t now_us)
{
	if (!s || !s->batch_open)
		return;
	/* The batch's age is measured on the caller's clock only (packet time
	 * offline, wall time when a live wire is quiet), never mixed. */
	if (s->batch_started == TS_NONE || now_us < s->batch_started)
		s->batch_started = now_us;
	if (s->batch_n >= s->opt.batch_rows || now_us - s->batch_started >= s->opt.batch_interval_us)
		store_commit(s);
}

void store_flush(struct store *s)
{
	if (!s)
		return;
	store_wait(s, store_rec(s, REC_COMMIT, sizeof(struct storerec_hdr), 0, NULL), NULL);
	store_end_batch(s);
}

void store_sync(struct store *s)
{
	if (s)
		store_wait(s, store_rec(s, REC_SYNC, sizeof(struct storerec_hdr), 0, NULL), NULL);
}

void store_build_indexes(struct store *s)
{
	if (!s)
		return;
	store_wait(s, store_rec(s, REC_INDEXES, sizeof(struct storerec_hdr), 0, NULL), NULL);
	store_end_batch(s);
}

void store_build_report_indexes(struct store *s)
{
	if (!s)
		return;
	store_wait(s, store_rec(s, REC_INDEXES_REPORT, sizeof(struct storerec_hdr), 0, NULL), NULL);
	store_end_batch(s);
}

void store_start_indexes(struct store *s)
{
	if (!s)
		return;
	store_rec(s, REC_INDEXES, sizeof(struct storerec_hdr), 0, NULL);
	rowq_publish(s->q); /* no ticket: the caller goes on (store_build_indexes waits) */
	store_end_batch(s);
}

void store_apply_retention(struct store *s, int64_t now_us)
{
	if (!store_ok(s) || s->opt.retention_days <= 0)
		return;
	struct storerec_retention *r = store_rec(s, REC_RETENTION, sizeof *r, 0, NULL);
	r->now_us = now_us;
	rowq_publish(s->q);
	store_end_batch(s); /* the writer commits before and after */
}
