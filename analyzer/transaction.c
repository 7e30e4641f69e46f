/* transaction: per-dialog transaction table, hop bookkeeping and retransmission
 * recognition (RFC 3261 §17), plus a small cache for out-of-dialog messages. */
#include "analyzer/transaction.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/xalloc.h"

static struct txn_hop *transaction_hop_mut(struct txn *t, size_t i)
{
	return i == 0 ? &t->hop0 : &t->more_hops[i - 1];
}

static void transaction_free(struct txn *t)
{
	free(t->more_hops);
	free(t);
}

void transaction_list_init(struct txn_list *l)
{
	memset(l, 0, sizeof *l);
	l->v = l->inl;
	l->cap = TXN_LIST_INLINE;
}

void transaction_list_clear(struct txn_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		transaction_free(l->v[i]);
	if (l->v != l->inl)
		free(l->v);
	transaction_list_init(l);
}

/* Appends t, growing the array (inline first, then 4, 8, 16 pointers). */
static void transaction_list_push(struct txn_list *l, struct txn *t)
{
	if (l->n == l->cap) {
		size_t cap = (size_t)l->cap * 2;
		if (cap > TXN_MAX_PER_DIALOG)
			cap = TXN_MAX_PER_DIALOG;
		if (l->v == l->inl) {
			l->v = xmalloc(cap * sizeof *l->v);
			memcpy(l->v, l->inl, l->n * sizeof *l->v);
		} else {
			l->v = xrealloc(l->v, cap * sizeof *l->v);
		}
		l->cap = (uint8_t)cap;
	}
	l->v[l->n++] = t;
}

/* A fork shares the requests its parent saw, not the answers: those came from
 * another UAS (§13.2.2.4). */
static void transaction_forget_answers(struct txn *t)
{
	for (size_t h = 0; h < t->n_hops; h++) {
		struct txn_hop *hop = transaction_hop_mut(t, h);
		hop->ack_count = 0;
		hop->n2xx = 0;
		hop->n_status = 0;
		hop->final_status = 0;
	}
	t->first_final_status = 0;
	t->first_final_msg_id = 0;
	t->first_2xx_ts = TS_NONE;
	t->first_2xx_msg_id = 0;
	t->delivered = false;
	t->acked = false;
	t->success = false;
	t->codes = 0;
	t->outcome = TXN_PENDING;
}

void transaction_list_copy(struct txn_list *dst, const struct txn_list *src)
{
	transaction_list_init(dst);
	for (size_t i = 0; i < src->n; i++) {
		const struct txn *s = src->v[i];
		struct txn *t = xmalloc(sizeof *t);
		*t = *s;
		if (s->n_hops > 1) {
			size_t bytes = (size_t)(s->n_hops - 1) * sizeof *t->more_hops;
			t->more_hops = xmalloc(bytes);
			memcpy(t->more_hops, s->more_hops, bytes);
		}
		transaction_forget_answers(t);
		transaction_list_push(dst, t);
	}
}

static uint64_t transaction_branch_hash(const char *branch)
{
	if (!branch || !*branch)
		return 0;
	uint64_t h = hash_bytes(branch, strlen(branch), 0xb7);
	return h ? h : 1;
}

struct txn *transaction_find(const struct txn_list *l, enum dialog_side side, uint32_t cseq,
			     enum sip_method method)
{
	for (size_t i = 0; i < l->n; i++) {
		struct txn *t = l->v[i];
		if (t->cseq == cseq && t->method == method && t->side == side)
			return t;
	}
	return NULL;
}

/* RFC 3261 §17.1.3: a response matches the client transaction whose request
 * carried the response's top Via branch. */
static struct txn *transaction_find_branch(const struct txn_list *l, uint64_t branch)
{
	if (!branch)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		for (size_t h = 0; h < l->v[i]->n_hops; h++)
			if (transaction_hop_branch(transaction_hop_at(l->v[i], h)) == branch)
				return l->v[i];
	return NULL;
}

static struct txn *transaction_find_number(const struct txn_list *l, enum dialog_side side,
					   uint32_t cseq)
{
	struct txn *found = NULL;

	for (size_t i = 0; i < l->n; i++) {
		struct txn *t = l->v[i];
		if (t->cseq != cseq || t->side != side || t->method == SIP_ACK ||
		    t->method == SIP_CANCEL)
			continue;
		if (found)
			return NULL; /* ambiguous */
		found = t;
	}
	return found;
}

static void transaction_remove_at(struct txn_list *l, size_t i)
{
	transaction_free(l->v[i]);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof l->v[0]);
	l->n--;
	if (l->v != l->inl && l->n <= TXN_LIST_INLINE) { /* back to the inline slots */
		memcpy(l->inl, l->v, l->n * sizeof *l->v);
		free(l->v);
		l->v = l->inl;
		l->cap = TXN_LIST_INLINE;
	}
}

void transaction_prune(struct txn_list *l, int64_t now, bool keep_initial)
{
	for (size_t i = 0; i < l->n;) {
		struct txn *t = l->v[i];
		bool keep = (keep_initial && t->kind == TXN_INITIAL_INVITE) ||
			    now - t->last_ts < TXN_KEEP_US;
		if (keep)
			i++;
		else
			transaction_remove_at(l, i);
	}
}

void transaction_drop_acked_invite(struct txn_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i]->kind == TXN_INITIAL_INVITE && l->v[i]->acked) {
			transaction_remove_at(l, i);
			return;
		}
}

/* Room for one more: the least recently active transaction goes, sparing the
 * initial INVITE (forks and late answers need it). */
static void transaction_make_room(struct txn_list *l)
{
	size_t victim = l->n;

	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i]->kind == TXN_INITIAL_INVITE && l->n > 1)
			continue;
		if (victim == l->n || l->v[i]->last_ts < l->v[victim]->last_ts)
			victim = i;
	}
	transaction_remove_at(l, victim);
}

static struct txn *transaction_add(struct txn_list *l, enum dialog_side side, uint32_t cseq,
				   enum sip_method method, enum txn_kind kind, int64_t ts)
{
	if (l->n == TXN_MAX_PER_DIALOG)
		transaction_make_room(l);
	struct txn *t = xcalloc(1, sizeof *t);
	t->cseq = cseq;
	t->method = method;
	t->side = side;
	t->kind = kind;
	t->first_ts = ts;
	t->last_ts = ts;
	t->first_2xx_ts = TS_NONE;
	transaction_list_push(l, t);
	return t;
}

static struct txn_hop *transaction_hop(struct txn *t, const struct net_addr *req_src,
				       const struct net_addr *req_dst, enum transport tr)
{
	for (size_t i = 0; i < t->n_hops; i++) {
		struct txn_hop *h = transaction_hop_mut(t, i);
		if (h->transport == tr && net_addr_equal(&h->req_src, req_src) &&
		    net_addr_equal(&h->req_dst, req_dst))
			return h;
	}
	if (t->n_hops == TXN_MAX_HOPS)
		return NULL;
	if (t->n_hops > 0) /* exactly n_hops - 1 extra hops, grown one at a time */
		t->more_hops = xrealloc(t->more_hops, (size_t)t->n_hops * sizeof *t->more_hops);
	struct txn_hop *h = transaction_hop_mut(t, t->n_hops++);
	memset(h, 0, sizeof *h);
	h->req_src = *req_src;
	h->req_dst = *req_dst;
	h->transport = (uint8_t)tr;
	return h;
}

static void transaction_observe_request(struct txn_list *l, enum dialog_side side,
					const struct sip_msg *m, const struct flow *f, int64_t ts,
					uint64_t msg_id, enum txn_kind kind_if_new,
					struct txn_obs *out)
{
	enum sip_method method = m->method;
	struct txn *t;

	/* §17.1.1.3: the ACK to a non-2xx is part of the INVITE transaction; the
	 * ACK to a 2xx is its own, but it answers the same INVITE: keep it there. */
	if (method == SIP_ACK && (t = transaction_find(l, side, m->cseq, SIP_INVITE)) != NULL) {
		struct txn_hop *h = transaction_hop(t, &f->src, &f->dst, f->transport);
		out->txn = t;
		out->hop = h;
		t->acked = true;
		t->last_ts = ts;
		if (h)
			out->retransmission = h->ack_count++ > 0;
		return;
	}
	t = transaction_find(l, side, m->cseq, method);
	if (!t) {
		t = transaction_add(l, side, m->cseq, method, kind_if_new, ts);
		out->new_txn = true;
	}
	struct txn_hop *h = transaction_hop(t, &f->src, &f->dst, f->transport);
	out->txn = t;
	out->hop = h;
	t->last_ts = ts;
	if (h) {
		if (!transaction_hop_branch(h)) {
			uint64_t b = transaction_branch_hash(m->via_branch);
			h->branch_lo = (uint32_t)b;
			h->branch_hi = (uint32_t)(b >> 32);
		}
		out->retransmission = h->req_count++ > 0;
	}
	if (out->retransmission) {
		if (t->req_retransmissions < UINT16_MAX)
			t->req_retransmissions++;
		return;
	}
	if (!t->request_seen) {
		t->request_seen = true;
		out->first_request = true;
		t->first_ts = out->new_txn ? ts : (t->first_ts < ts ? t->first_ts : ts);
		t->req_msg_id = msg_id;
		t->sender = f->src;
		t->sender_known = true;
		t->req_se = m->session_expires;
		t->req_min_se = m->min_se;
	}
}

static bool transaction_hop_has_status(struct txn_hop *h, int status)
{
	for (size_t i = 0; i < h->n_status; i++)
		if (h->status[i] == status)
			return true;
	if (h->n_status < TXN_MAX_STATUSES)
		h->status[h->n_status++] = (int16_t)status;
	return false;
}

static struct txn *transaction_match_response(struct txn_list *l, enum dialog_side side,
					      const struct sip_msg *m, struct txn_obs *out)
{
	struct txn *t = NULL;

	if (m->cseq_valid)
		t = transaction_find(l, side, m->cseq, m->cseq_method);
	if (t)
		return t;
	t = transaction_find_branch(l, transaction_branch_hash(m->via_branch));
	if (!t && m->cseq_valid)
		t = transaction_find_number(l, side, m->cseq);
	if (t)
		out->cseq_mismatch = !m->cseq_valid || t->method != m->cseq_method;
	return t;
}

static void transaction_observe_response(struct txn_list *l, enum dialog_side side,
					 const struct sip_msg *m, const struct flow *f, int64_t ts,
					 uint64_t msg_id, enum txn_kind kind_if_new,
					 struct txn_obs *out)
{
	struct txn *t = transaction_match_response(l, side, m, out);

	if (!t) {
		/* the request was never seen (capture started mid-transaction):
		 * its sender is where this response goes */
		t = transaction_add(l, side, m->cseq, m->cseq_method, kind_if_new, ts);
		t->sender = f->dst;
		t->sender_known = true;
		out->new_txn = true;
	}
	struct txn_hop *h = transaction_hop(t, &f->dst, &f->src, f->transport);
	out->txn = t;
	out->hop = h;
	t->last_ts = ts;
	if (h)
		out->retransmission = transaction_hop_has_status(h, m->status);
	out->to_sender = t->sender_known && net_addr_equal(&f->dst, &t->sender);
	if (m->status >= 200 && m->status < 300 && h && h->n2xx < UINT16_MAX)
		h->n2xx++;
	if (m->status < 200)
		return;
	if (h && !h->final_status) {
		h->final_status = (int16_t)m->status;
		out->first_on_hop = true;
	}
	if (!out->retransmission)
		t->last_final_dst = f->dst;
	if (out->to_sender)
		t->delivered = true;
	if (!t->first_final_status) {
		t->first_final_status = (int16_t)m->status;
		t->first_final_msg_id = msg_id;
		out->first_final = true;
	}
	if (m->status < 300 && t->first_2xx_ts == TS_NONE) {
		t->first_2xx_ts = ts;
		t->first_2xx_msg_id = msg_id;
		t->first_2xx_src = f->src;
		out->first_2xx = true;
	}
}

void transaction_observe(struct txn_list *l, enum dialog_side side, const struct sip_msg *m,
			 const struct flow *f, int64_t ts, uint64_t msg_id, enum txn_kind kind_if_new,
			 struct txn_obs *out)
{
	memset(out, 0, sizeof *out);
	if (m->is_request)
		transaction_observe_request(l, side, m, f, ts, msg_id, kind_if_new, out);
	else
		transaction_observe_response(l, side, m, f, ts, msg_id, kind_if_new, out);
}

unsigned transaction_max_2xx(const struct txn *t)
{
	unsigned n = 0;

	for (size_t i = 0; i < t->n_hops; i++)
		if (transaction_hop_at(t, i)->n2xx > n)
			n = transaction_hop_at(t, i)->n2xx;
	return n;
}

const struct txn_hop *transaction_far_hop(const struct txn *t)
{
	const struct txn_hop *far = NULL;

	for (size_t i = 0; i < t->n_hops; i++)
		if (transaction_hop_at(t, i)->req_count)
			far = transaction_hop_at(t, i);
	return far;
}

/* ---- out-of-dialog retransmissions ---- */

/* A seen_cache (common/seen_cache.h) of 1024 sets of 4: a message is a
 * retransmission when the same one was seen on its leg less than TXN_KEEP_US
 * before the latest sighting (each sighting starts the window again). */
static const struct seen_cache_config transaction_cache_config = {
	.set_bits = 10,
	.ways = 4,
	.window_us = TXN_KEEP_US,
};

struct seen_cache *transaction_cache_new(void)
{
	return seen_cache_new(&transaction_cache_config);
}

static uint64_t transaction_cache_key(const struct flow *f, const struct sip_msg *m)
{
	uint8_t k[64];
	size_t n = 0;

	memset(k, 0, sizeof k);
	memcpy(k + n, f->src.ip, f->src.family == 6 ? 16 : 4);
	n += 16;
	memcpy(k + n, f->dst.ip, f->dst.family == 6 ? 16 : 4);
	n += 16;
	k[n++] = (uint8_t)(f->src.port >> 8);
	k[n++] = (uint8_t)f->src.port;
	k[n++] = (uint8_t)(f->dst.port >> 8);
	k[n++] = (uint8_t)f->dst.port;
	k[n++] = (uint8_t)f->transport;
	k[n++] = (uint8_t)m->is_request;
	k[n++] = (uint8_t)m->method;
	k[n++] = (uint8_t)(m->status >> 8);
	k[n++] = (uint8_t)m->status;
	memcpy(k + n, &m->cseq, sizeof m->cseq);
	n += sizeof m->cseq;
	uint64_t h = hash_bytes(k, n, 0xc4);
	if (m->call_id)
		h = hash_bytes(m->call_id, strlen(m->call_id), h);
	if (m->via_branch)
		h = hash_bytes(m->via_branch, strlen(m->via_branch), h);
	return h;
}

bool transaction_cache_seen(struct seen_cache *c, const struct flow *f, const struct sip_msg *m,
			    int64_t ts)
{
	return seen_cache_repeat(c, transaction_cache_key(f, m), ts,
				 (struct seen_cache_tag){0, 0});
}
