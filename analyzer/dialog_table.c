/* dialog_table: Call-ID hash of dialogs, routing of messages to dialogs, and
 * the least-recently-active order used for eviction. */
#include "analyzer/dialog_table.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer/agent_intern.h"
#include "common/hash.h"
#include "common/xalloc.h"

#define DIALOG_TABLE_MIN_BUCKETS 256

struct dialog_table {
	struct dialog **buckets;
	size_t nbuckets; /* power of two */
	size_t count;
	struct lru lru; /* least recently active first (common/lru.h) */
	struct agent_intern *agents; /* the agent texts the dialogs share */
};

static bool dialog_nonempty(const char *s)
{
	return s && *s;
}

/* Strings from the wire are kept bounded; a comparison applies the same bound. */
static size_t dialog_bounded_len(const char *s, size_t max)
{
	return strnlen(s, max - 1);
}

static bool dialog_str_eq(const char *stored, const char *wire, size_t max)
{
	if (!stored || !wire)
		return false;
	size_t n = dialog_bounded_len(wire, max);
	return strlen(stored) == n && memcmp(stored, wire, n) == 0;
}

static uint64_t dialog_call_hash(const char *call_id)
{
	return hash_bytes(call_id, dialog_bounded_len(call_id, DIALOG_STR_MAX), 0xd1a1);
}

void dialog_set_str(char **field, const char *s, size_t max)
{
	free(*field);
	*field = s ? xstrndup(s, dialog_bounded_len(s, max)) : NULL;
}

/* ---- the string pack ----
 * d->strs holds the dialog's strings back to back, each NUL-terminated, each
 * once; behind them (8-aligned) n_slots pointers to agent texts shared through
 * the table's agent_intern (each once: the caller's user agent is usually its
 * agent's text too); behind those the table of its agents.  One allocation
 * for all.  It only grows: every field is set once and the agents are never
 * forgotten, so it is bounded (3 * DIALOG_STR_MAX + (3 + DIALOG_MAX_AGENTS) *
 * DIALOG_TAG_MAX bytes of strings, 8 slots).  The fields hold 16-bit
 * references (dialog_str), not pointers: they stay right when it moves. */

static size_t dialog_pack_size(size_t len, size_t n_slots, size_t n_agents)
{
	return dialog_slots_at(len) + n_slots * sizeof(char *) +
	       n_agents * sizeof(struct dialog_agent);
}

static struct dialog_agent *dialog_agents(const struct dialog *d)
{
	if (!d->strs) /* nothing packed yet, no agent either */
		return NULL;
	return (struct dialog_agent *)(void *)(d->strs + dialog_slots_at(d->strs_len) +
					       d->n_slots * sizeof(char *));
}

static const char *dialog_slot(const struct dialog *d, size_t i)
{
	return dialog_str(d, (uint16_t)(DIALOG_STR_SLOT | i));
}

/* The offset in d->strs of the first max-1 bytes of s, appended if new (the
 * slots and the agents' table move up behind it). */
static uint16_t dialog_pack(struct dialog *d, const char *s, size_t max)
{
	size_t n = dialog_bounded_len(s, max);
	size_t len = d->strs_len;
	size_t tail = dialog_pack_size(0, d->n_slots, d->n_agents);

	for (size_t off = 0; off < len; off += strlen(d->strs + off) + 1)
		if (off + n < len && memcmp(d->strs + off, s, n) == 0 && d->strs[off + n] == '\0')
			return (uint16_t)off;
	d->strs = xrealloc(d->strs, dialog_pack_size(len + n + 1, d->n_slots, d->n_agents));
	if (tail)
		memmove(d->strs + dialog_slots_at(len + n + 1), d->strs + dialog_slots_at(len), tail);
	memcpy(d->strs + len, s, n);
	d->strs[len + n] = '\0';
	d->strs_len = (uint16_t)(len + n + 1);
	return (uint16_t)len;
}

/* A reference to an agent text: a slot pointing at the table's shared copy,
 * or (the table full, or an empty text) a string of the pack. */
static uint16_t dialog_pack_agent(struct dialog_table *t, struct dialog *d, const char *s)
{
	size_t n = dialog_bounded_len(s, DIALOG_TAG_MAX);
	const char *p = n ? agent_intern_get(t->agents, s, n) : NULL;

	if (!p)
		return dialog_pack(d, s, DIALOG_TAG_MAX);
	for (size_t i = 0; i < d->n_slots; i++) {
		if (dialog_slot(d, i) == p) {
			agent_intern_put(p); /* held once per dialog */
			return (uint16_t)(DIALOG_STR_SLOT | i);
		}
	}
	size_t at = dialog_slots_at(d->strs_len) + d->n_slots * sizeof p;
	size_t agents = d->n_agents * sizeof(struct dialog_agent);
	d->strs = xrealloc(d->strs, dialog_pack_size(d->strs_len, d->n_slots + 1u, d->n_agents));
	if (agents)
		memmove(d->strs + at + sizeof p, d->strs + at, agents);
	memcpy(d->strs + at, &p, sizeof p);
	return (uint16_t)(DIALOG_STR_SLOT | d->n_slots++);
}

/* Sets a field of d that lives in the pack (once: see above). */
static void dialog_pack_set(struct dialog *d, uint16_t *field, const char *s, size_t max)
{
	*field = s ? dialog_pack(d, s, max) : DIALOG_STR_NONE;
}

static void dialog_pack_set_agent(struct dialog_table *t, struct dialog *d, uint16_t *field,
				  const char *s)
{
	*field = s ? dialog_pack_agent(t, d, s) : DIALOG_STR_NONE;
}

void dialog_set_callee_ua(struct dialog_table *t, struct dialog *d, const char *ua)
{
	if (d->callee_ua_at == DIALOG_STR_NONE)
		dialog_pack_set_agent(t, d, &d->callee_ua_at, ua);
}

struct dialog_table *dialog_table_new(void)
{
	struct dialog_table *t = xcalloc(1, sizeof *t);

	t->nbuckets = DIALOG_TABLE_MIN_BUCKETS;
	t->buckets = xcalloc(t->nbuckets, sizeof *t->buckets);
	lru_init(&t->lru);
	t->agents = agent_intern_new();
	return t;
}

void dialog_risk_free(struct dialog_risk *k)
{
	if (!k)
		return;
	for (unsigned i = 0; i < k->n; i++)
		free(k->f[i].texts);
	free(k);
}

void dialog_free(struct dialog *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_slots; i++)
		agent_intern_put(dialog_slot(d, i));
	free(d->strs);
	free(d->callee_tag);
	dialog_risk_free(d->risk);
	transaction_list_clear(&d->txns);
	free(d);
}

void dialog_table_free(struct dialog_table *t)
{
	if (!t)
		return;
	for (struct dialog *d = dialog_table_oldest(t), *next; d; d = next) {
		next = dialog_table_newer(d);
		dialog_free(d);
	}
	free(t->buckets);
	agent_intern_free(t->agents);
	free(t);
}

size_t dialog_table_count(const struct dialog_table *t)
{
	return t->count;
}

size_t dialog_table_agents_shared(const struct dialog_table *t)
{
	return agent_intern_count(t->agents);
}

static void dialog_table_grow(struct dialog_table *t)
{
	size_t n = t->nbuckets * 2;
	struct dialog **b = xcalloc(n, sizeof *b);

	for (size_t i = 0; i < t->nbuckets; i++) {
		struct dialog *d = t->buckets[i];
		while (d) {
			struct dialog *next = d->hash_next;
			size_t j = d->call_hash & (n - 1);
			d->hash_next = b[j];
			b[j] = d;
			d = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

static void dialog_table_link(struct dialog_table *t, struct dialog *d)
{
	if (t->count >= t->nbuckets)
		dialog_table_grow(t);
	size_t i = d->call_hash & (t->nbuckets - 1);
	d->hash_next = t->buckets[i];
	t->buckets[i] = d;
	lru_push_front(&t->lru, &d->lru);
	t->count++;
}

void dialog_table_remove(struct dialog_table *t, struct dialog *d)
{
	struct dialog **pp = &t->buckets[d->call_hash & (t->nbuckets - 1)];

	while (*pp && *pp != d)
		pp = &(*pp)->hash_next;
	if (!*pp)
		return;
	*pp = d->hash_next;
	d->hash_next = NULL;
	lru_remove(&t->lru, &d->lru);
	t->count--;
}

void dialog_table_touch(struct dialog_table *t, struct dialog *d)
{
	lru_touch(&t->lru, &d->lru);
}

struct dialog *dialog_table_oldest(const struct dialog_table *t)
{
	return LRU_ENTRY(lru_oldest(&t->lru), struct dialog, lru);
}

struct dialog *dialog_table_newer(const struct dialog *d)
{
	return LRU_ENTRY(lru_newer(&d->lru), struct dialog, lru);
}

void dialog_table_each(const struct dialog_table *t, void (*fn)(void *ctx, struct dialog *d),
		       void *ctx)
{
	for (struct dialog *d = dialog_table_oldest(t); d; d = dialog_table_newer(d))
		fn(ctx, d);
}

static bool dialog_same_invite(const struct dialog *a, const struct dialog *b)
{
	return a != b && !a->mid_call && !b->mid_call && a->invite_cseq == b->invite_cseq &&
	       a->call_hash == b->call_hash && strcmp(dialog_call_id(a), dialog_call_id(b)) == 0 &&
	       strcmp(dialog_caller_tag(a), dialog_caller_tag(b)) == 0;
}

void dialog_table_each_sibling(const struct dialog_table *t, const struct dialog *d,
			       void (*fn)(void *ctx, struct dialog *s), void *ctx)
{
	for (struct dialog *s = t->buckets[d->call_hash & (t->nbuckets - 1)]; s; s = s->hash_next)
		if (dialog_same_invite(s, d))
			fn(ctx, s);
}

enum dialog_side dialog_side_of(const struct dialog *d, const struct sip_msg *m)
{
	return dialog_str_eq(dialog_caller_tag(d), m->from_tag, DIALOG_TAG_MAX) ? SIDE_CALLER
									 : SIDE_CALLEE;
}

/* ---- routing ---- */

struct dialog_match {
	struct dialog *exact; /* both tags match, in either order */
	struct dialog *root;  /* same caller tag: the INVITE's dialogs */
};

static void dialog_table_match(const struct dialog_table *t, const struct sip_msg *m,
			       struct dialog_match *out)
{
	uint64_t h = dialog_call_hash(m->call_id);
	const char *ft = m->from_tag, *tt = m->to_tag;
	bool both = dialog_nonempty(ft) && dialog_nonempty(tt);

	memset(out, 0, sizeof *out);
	for (struct dialog *d = t->buckets[h & (t->nbuckets - 1)]; d; d = d->hash_next) {
		if (d->call_hash != h || !dialog_str_eq(dialog_call_id(d), m->call_id, DIALOG_STR_MAX))
			continue;
		if (both && d->callee_tag &&
		    ((dialog_str_eq(dialog_caller_tag(d), ft, DIALOG_TAG_MAX) &&
		      dialog_str_eq(d->callee_tag, tt, DIALOG_TAG_MAX)) ||
		     (dialog_str_eq(dialog_caller_tag(d), tt, DIALOG_TAG_MAX) &&
		      dialog_str_eq(d->callee_tag, ft, DIALOG_TAG_MAX)))) {
			out->exact = d;
			return;
		}
		if (d->mid_call || !dialog_str_eq(dialog_caller_tag(d), ft, DIALOG_TAG_MAX))
			continue;
		/* prefer the dialog still without a callee tag, then the oldest */
		if (!out->root || (!d->callee_tag && out->root->callee_tag) ||
		    (!d->callee_tag == !out->root->callee_tag && d->id < out->root->id))
			out->root = d;
	}
}

static bool dialog_midcall_request(enum sip_method m)
{
	return m == SIP_INVITE || m == SIP_UPDATE || m == SIP_BYE;
}

static void dialog_route_request(const struct sip_msg *m, const struct dialog_match *mt,
				 struct dialog_route *out)
{
	struct dialog *root = mt->root;

	if (!dialog_nonempty(m->to_tag)) {
		if (m->method == SIP_INVITE) {
			if (!root) {
				out->kind = ROUTE_CREATE;
				return;
			}
			out->d = root;
			/* §22.2, RFC 4028 §7.3: a challenged or 422-rejected INVITE is
			 * retried with a higher CSeq: the same call */
			bool retry = m->cseq_valid && m->cseq > root->invite_cseq &&
				     root->state == DIALOG_TERMINATED && root->end_class == END_FAILED;
			out->kind = retry ? ROUTE_REVIVE : ROUTE_FOUND;
			return;
		}
		if ((m->method == SIP_CANCEL || m->method == SIP_ACK) && root) {
			out->kind = ROUTE_FOUND;
			out->d = root;
		}
		return;
	}
	if ((m->method == SIP_ACK || m->method == SIP_CANCEL) && root && m->cseq == root->invite_cseq) {
		out->kind = ROUTE_FOUND; /* ACK to a final whose tag was not recorded */
		out->d = root;
		return;
	}
	if (dialog_midcall_request(m->method))
		out->kind = ROUTE_CREATE_MIDCALL;
}

static void dialog_route_response(const struct sip_msg *m, const struct dialog_match *mt,
				  struct dialog_route *out)
{
	struct dialog *root = mt->root;
	bool is_2xx = m->status >= 200 && m->status < 300;

	if (!dialog_nonempty(m->to_tag) || m->status == 100) {
		if (root) {
			out->kind = ROUTE_FOUND;
			out->d = root;
		}
		return;
	}
	if (root && m->cseq_method == SIP_INVITE && m->cseq == root->invite_cseq) {
		out->d = root;
		if (!root->callee_tag)
			out->kind = ROUTE_SET_TAG;
		else if (m->status < 300)
			out->kind = ROUTE_FORK; /* §13.2.2.4: another UAS answered */
		else
			out->kind = ROUTE_FOUND; /* e.g. a proxy's own 408/487 */
		return;
	}
	if (is_2xx && (m->cseq_method == SIP_INVITE || m->cseq_method == SIP_UPDATE))
		out->kind = ROUTE_CREATE_MIDCALL;
}

void dialog_table_route(const struct dialog_table *t, const struct sip_msg *m,
			struct dialog_route *out)
{
	struct dialog_match mt;

	out->kind = ROUTE_NONE;
	out->d = NULL;
	if (!dialog_nonempty(m->call_id) || !dialog_nonempty(m->from_tag))
		return;
	dialog_table_match(t, m, &mt);
	if (mt.exact) {
		out->kind = ROUTE_FOUND;
		out->d = mt.exact;
		return;
	}
	if (m->is_request)
		dialog_route_request(m, &mt, out);
	else
		dialog_route_response(m, &mt, out);
}

/* ---- creation ---- */

static struct dialog *dialog_alloc(uint64_t id, int64_t ts)
{
	struct dialog *d = xcalloc(1, sizeof *d);

	d->id = id;
	d->created = ts;
	d->established = TS_NONE;
	d->ended = TS_NONE;
	d->last_activity = ts;
	d->invite_ts = ts;
	d->call_id_at = d->from_uri_at = d->to_uri_at = DIALOG_STR_NONE;
	d->caller_tag_at = d->caller_ua_at = d->callee_ua_at = DIALOG_STR_NONE;
	d->doomed_at = TS_NONE;
	d->at_risk_at = TS_NONE;
	d->st.relay_us = -1;
	d->last_refresh = TS_NONE;
	d->st.t_ref = TS_NONE;
	d->st.fatal_at = TS_NONE;
	d->st.expired_at = TS_NONE;
	transaction_list_init(&d->txns);
	timer_queue_entry_init(&d->timer);
	return d;
}

struct dialog *dialog_table_create(struct dialog_table *t, uint64_t id, const struct sip_msg *m,
				   int64_t ts)
{
	struct dialog *d = dialog_alloc(id, ts);

	dialog_pack_set(d, &d->call_id_at, m->call_id, DIALOG_STR_MAX);
	d->call_hash = dialog_call_hash(m->call_id);
	dialog_pack_set(d, &d->from_uri_at, m->from_uri, DIALOG_STR_MAX);
	dialog_pack_set(d, &d->to_uri_at, m->to_uri, DIALOG_STR_MAX);
	dialog_pack_set(d, &d->caller_tag_at, m->from_tag, DIALOG_TAG_MAX);
	if (dialog_nonempty(m->to_tag)) {
		dialog_set_str(&d->callee_tag, m->to_tag, DIALOG_TAG_MAX);
		d->mid_call = true;
		d->state = DIALOG_CONFIRMED;
		d->established = ts;
	} else {
		d->invite_cseq = m->cseq;
	}
	if (m->is_request)
		dialog_pack_set_agent(t, d, &d->caller_ua_at, m->user_agent);
	else
		dialog_pack_set_agent(t, d, &d->callee_ua_at, m->server ? m->server : m->user_agent);
	dialog_table_link(t, d);
	return d;
}

struct dialog *dialog_table_fork(struct dialog_table *t, const struct dialog *parent, uint64_t id,
				 const char *to_tag, int64_t ts)
{
	struct dialog *d = dialog_alloc(id, ts);

	d->created = parent->created;
	d->invite_ts = parent->invite_ts;
	d->invite_cseq = parent->invite_cseq;
	d->transport = parent->transport;
	d->caller_addr = parent->caller_addr;
	d->caller_addr_known = parent->caller_addr_known;
	d->cancel_seen = parent->cancel_seen;
	d->min_se = parent->min_se;
	d->min_se_known = parent->min_se_known;
	d->timer_offered = parent->timer_offered & (1u << SIDE_CALLER);
	d->call_hash = parent->call_hash;
	dialog_pack_set(d, &d->call_id_at, dialog_call_id(parent), DIALOG_STR_MAX);
	dialog_pack_set(d, &d->from_uri_at, dialog_from_uri(parent), DIALOG_STR_MAX);
	dialog_pack_set(d, &d->to_uri_at, dialog_to_uri(parent), DIALOG_STR_MAX);
	dialog_pack_set(d, &d->caller_tag_at, dialog_caller_tag(parent), DIALOG_TAG_MAX);
	dialog_set_str(&d->callee_tag, to_tag, DIALOG_TAG_MAX);
	dialog_pack_set_agent(t, d, &d->caller_ua_at, dialog_caller_ua(parent));
	transaction_list_copy(&d->txns, &parent->txns);
	const struct dialog_agent *pa = dialog_agents(parent);
	for (size_t i = 0; i < parent->n_agents; i++)
		dialog_note_agent(t, d, &pa[i].addr, dialog_str(parent, pa[i].text));
	dialog_table_link(t, d);
	return d;
}

/* ---- agents ---- */

void dialog_note_agent(struct dialog_table *t, struct dialog *d, const struct net_addr *a,
		       const char *agent)
{
	if (!dialog_nonempty(agent))
		return;
	const struct dialog_agent *v = dialog_agents(d);
	for (size_t i = 0; i < d->n_agents; i++)
		if (net_addr_equal(&v[i].addr, a))
			return;
	if (d->n_agents == DIALOG_MAX_AGENTS)
		return;
	uint16_t text = dialog_pack_agent(t, d, agent); /* moves the table */
	d->strs = xrealloc(d->strs, dialog_pack_size(d->strs_len, d->n_slots, d->n_agents + 1u));
	struct dialog_agent *w = dialog_agents(d);
	w[d->n_agents].addr = *a;
	w[d->n_agents].text = text;
	d->n_agents++;
}

const char *dialog_agent_of(const struct dialog *d, const struct net_addr *a)
{
	const struct dialog_agent *v = dialog_agents(d);

	for (size_t i = 0; i < d->n_agents; i++)
		if (net_addr_equal(&v[i].addr, a))
			return dialog_str(d, v[i].text);
	return NULL;
}
