/* method_track: REGISTER, OPTIONS, SUBSCRIBE/NOTIFY, REFER, MESSAGE, PUBLISH
 * and INFO outside INVITE dialogs, as entries with their own state (see the
 * header).  A chained hash on Call-ID finds an entry, an LRU list bounds how
 * many are held and a timer heap releases each one when it is done. */
#include "analyzer/method_track.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/dialog_table.h"
#include "analyzer/timer_queue.h"
#include "common/lru.h"
#include "common/xalloc.h"

#define METHOD_TRACK_DEFAULT_MAX 100000
/* RFC 3261 §17.1.2.2: a non-INVITE transaction is over 64*T1 after its
 * request; an answered or ended entry stays that long for retransmissions. */
#define METHOD_TRACK_LINGER_US (32 * USEC_PER_SEC)
/* RFC 3261 §10.2.1.1 / RFC 6665 §4.1.2.1: a refresh without Expires asks for
 * the registrar's or notifier's default; an hour is the usual one. */
#define METHOD_TRACK_DEFAULT_EXPIRES 3600
/* never hold an entry longer than a day, whatever Expires says */
#define METHOD_TRACK_MAX_EXPIRES 86400

struct mt_entry {
	uint64_t id;
	enum sip_method method;
	char *call_id, *from_uri, *to_uri, *from_tag, *to_tag, *caller_ua, *callee_ua;
	uint64_t hash;
	enum transport transport;
	int64_t created, established, ended, last_activity;
	int64_t pending_since; /* a request not answered finally yet; TS_NONE = none */
	int64_t until;         /* registration or subscription expiry; TS_NONE = none */
	uint32_t n_messages;
	uint32_t req_expires;  /* Expires of the latest request, seconds; UINT32_MAX = none */
	int final_status;
	const char *state;     /* a static string */
	bool dirty, evicted;
	struct mt_entry *chain;
	struct lru_node lru;
	struct timer_entry timer;
};

struct method_track {
	size_t max;
	struct analyzer_sink sink;
	bool defer;
	struct mt_entry **buckets;
	size_t n_buckets, count;
	struct lru lru; /* least recently active first */
	struct timer_queue *timers;
	uint64_t total, evicted;
};

bool method_track_method(enum sip_method m)
{
	switch (m) {
	case SIP_REGISTER:
	case SIP_OPTIONS:
	case SIP_SUBSCRIBE:
	case SIP_NOTIFY:
	case SIP_REFER:
	case SIP_MESSAGE:
	case SIP_PUBLISH:
	case SIP_INFO:
		return true;
	default:
		return false;
	}
}

struct method_track *method_track_new(size_t max_entries, const struct analyzer_sink *sink,
				      bool defer_rows)
{
	struct method_track *t = xcalloc(1, sizeof *t);

	t->max = max_entries ? max_entries : METHOD_TRACK_DEFAULT_MAX;
	if (sink)
		t->sink = *sink;
	t->defer = defer_rows;
	t->n_buckets = 1024;
	t->buckets = xcalloc(t->n_buckets, sizeof *t->buckets);
	t->timers = timer_queue_new();
	lru_init(&t->lru);
	return t;
}

static void mt_entry_free(struct mt_entry *e)
{
	free(e->call_id);
	free(e->from_uri);
	free(e->to_uri);
	free(e->from_tag);
	free(e->to_tag);
	free(e->caller_ua);
	free(e->callee_ua);
	free(e);
}

static struct mt_entry *mt_oldest(const struct method_track *t)
{
	return LRU_ENTRY(lru_oldest(&t->lru), struct mt_entry, lru);
}

static struct mt_entry *mt_newer(const struct mt_entry *e)
{
	return LRU_ENTRY(lru_newer(&e->lru), struct mt_entry, lru);
}

void method_track_free(struct method_track *t)
{
	if (!t)
		return;
	timer_queue_free(t->timers); /* it marks its entries unqueued: before they go */
	for (struct mt_entry *e = mt_oldest(t), *n; e; e = n) {
		n = mt_newer(e);
		mt_entry_free(e);
	}
	free(t->buckets);
	free(t);
}

/* ---- the table ---- */

static uint64_t mt_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static bool mt_eq(const char *a, const char *b)
{
	return a && b && *a && strcmp(a, b) == 0;
}

static void mt_grow(struct method_track *t)
{
	size_t n = t->n_buckets * 2;
	struct mt_entry **b = xcalloc(n, sizeof *b);

	for (size_t i = 0; i < t->n_buckets; i++) {
		for (struct mt_entry *e = t->buckets[i], *next; e; e = next) {
			next = e->chain;
			e->chain = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->n_buckets = n;
}

/* RFC 6665 §4.1.2.2: the notifier's NOTIFY carries the subscriber's tag as
 * its To tag, so a tag of either side names the entry; REGISTER refreshes
 * are grouped by Call-ID alone. */
static struct mt_entry *mt_find(const struct method_track *t, const struct sip_msg *m,
				uint64_t h)
{
	for (struct mt_entry *e = t->buckets[h & (t->n_buckets - 1)]; e; e = e->chain) {
		if (e->hash != h || strcmp(e->call_id, m->call_id) != 0)
			continue;
		if (e->method == SIP_REGISTER && m->method == SIP_REGISTER)
			return e;
		if (mt_eq(e->from_tag, m->from_tag) || mt_eq(e->from_tag, m->to_tag) ||
		    (e->to_tag && mt_eq(e->to_tag, m->from_tag)))
			return e;
	}
	return NULL;
}

static void mt_unlink(struct method_track *t, struct mt_entry *e)
{
	struct mt_entry **p = &t->buckets[e->hash & (t->n_buckets - 1)];

	while (*p && *p != e)
		p = &(*p)->chain;
	if (*p)
		*p = e->chain;
	lru_remove(&t->lru, &e->lru);
}

/* ---- rows ---- */

static void mt_fill(const struct mt_entry *e, struct dialog_record *r)
{
	memset(r, 0, sizeof *r);
	r->id = e->id;
	r->method = sip_method_name(e->method);
	r->call_id = e->call_id;
	r->from_uri = e->from_uri;
	r->to_uri = e->to_uri;
	r->from_tag = e->from_tag;
	r->to_tag = e->to_tag;
	r->caller_ua = e->caller_ua;
	r->callee_ua = e->callee_ua;
	r->transport = e->transport;
	r->created = e->created;
	r->established = e->established;
	r->ended = e->ended;
	r->session_expires = -1;
	r->min_se = -1;
	r->last_refresh = r->deadline = r->teardown_expected = TS_NONE;
	r->doomed_at = r->at_risk_at = TS_NONE;
	r->end_class = e->evicted ? END_EVICTED : END_NONE;
	r->state = e->state;
	r->n_messages = e->n_messages;
	r->final_status = e->final_status;
}

static void mt_emit(struct method_track *t, struct mt_entry *e)
{
	if (t->sink.dialog) {
		struct dialog_record r;
		mt_fill(e, &r);
		t->sink.dialog(t->sink.ctx, &r);
	}
	e->dirty = false;
}

static void mt_release(struct method_track *t, struct mt_entry *e)
{
	if (e->ended == TS_NONE && !(e->until != TS_NONE && e->pending_since == TS_NONE))
		e->ended = e->last_activity;
	e->dirty = true;
	mt_emit(t, e);
	timer_queue_cancel(t->timers, &e->timer);
	mt_unlink(t, e);
	t->count--;
	mt_entry_free(e);
}

/* ---- header values the parsed message does not carry ---- */

/* The value of the first header called name (or its compact form c, 0 =
 * none) in the header section, trimmed; NULL if absent.  Never reads past n. */
static const char *mt_header(const uint8_t *raw, size_t n, const char *name, char c,
			     size_t *len)
{
	size_t nl = strlen(name), i = 0;

	while (i < n && raw[i] != '\n') /* skip the start line */
		i++;
	while (++i < n) {
		size_t s = i, e = i, k;
		while (e < n && raw[e] != '\n')
			e++;
		for (k = s; k < e && raw[k] != ':'; k++)
			;
		size_t hn = k;
		while (hn > s && (raw[hn - 1] == ' ' || raw[hn - 1] == '\t'))
			hn--;
		bool match = k < e && ((hn - s == nl &&
				       strncasecmp((const char *)raw + s, name, nl) == 0) ||
				      (c && hn - s == 1 && tolower(raw[s]) == c));
		if (match) {
			size_t v = k + 1, ve = e;
			while (v < ve && (raw[v] == ' ' || raw[v] == '\t'))
				v++;
			while (ve > v && (raw[ve - 1] == '\r' || raw[ve - 1] == ' '))
				ve--;
			*len = ve - v;
			return (const char *)raw + v;
		}
		i = e;
	}
	return NULL;
}

/* Leading delta-seconds of n bytes at v, capped; UINT32_MAX if none. */
static uint32_t mt_seconds(const char *v, size_t n)
{
	uint64_t x = 0;
	size_t i = 0;

	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	if (i >= n || !isdigit((unsigned char)v[i]))
		return UINT32_MAX;
	for (; i < n && isdigit((unsigned char)v[i]); i++)
		if ((x = x * 10 + (uint64_t)(v[i] - '0')) > METHOD_TRACK_MAX_EXPIRES)
			x = METHOD_TRACK_MAX_EXPIRES;
	return (uint32_t)x;
}

/* RFC 3261 §10.2.1.1 / §10.3: the largest Contact expires parameter, else
 * the Expires header; UINT32_MAX when neither is there. */
static uint32_t mt_expires(const struct method_track_msg *o)
{
	size_t len = 0;
	const char *v = mt_header(o->raw, o->header_len, "Contact", 'm', &len);
	uint32_t best = UINT32_MAX;

	for (size_t i = 0; v && i + 8 <= len; i++) {
		if (strncasecmp(v + i, "expires=", 8) != 0 || (i && v[i - 1] != ';' && v[i - 1] != ' '))
			continue;
		uint32_t s = mt_seconds(v + i + 8, len - i - 8);
		if (s != UINT32_MAX && (best == UINT32_MAX || s > best))
			best = s;
	}
	if (best != UINT32_MAX)
		return best;
	v = mt_header(o->raw, o->header_len, "Expires", 0, &len);
	return v ? mt_seconds(v, len) : UINT32_MAX;
}

/* ---- the life of an entry ---- */

static void mt_set_str(char **field, const char *s, size_t max)
{
	free(*field);
	*field = NULL;
	if (s && *s) {
		size_t n = strnlen(s, max - 1);
		*field = xmalloc(n + 1);
		memcpy(*field, s, n);
		(*field)[n] = '\0';
	}
}

static bool mt_is_subscription(enum sip_method m)
{
	return m == SIP_SUBSCRIBE || m == SIP_REFER || m == SIP_NOTIFY;
}

static struct mt_entry *mt_create(struct method_track *t, const struct method_track_msg *o,
				  uint64_t h, uint64_t id)
{
	const struct sip_msg *m = o->m;
	struct mt_entry *e;

	while (t->count >= t->max && (e = mt_oldest(t)) != NULL) {
		e->evicted = true;
		t->evicted++;
		mt_release(t, e);
	}
	if (t->count >= t->n_buckets)
		mt_grow(t);
	e = xcalloc(1, sizeof *e);
	e->id = id;
	e->method = m->method;
	e->hash = h;
	mt_set_str(&e->call_id, m->call_id, DIALOG_STR_MAX);
	mt_set_str(&e->from_uri, m->from_uri, DIALOG_STR_MAX);
	mt_set_str(&e->to_uri, m->to_uri, DIALOG_STR_MAX);
	mt_set_str(&e->from_tag, m->from_tag, DIALOG_TAG_MAX);
	mt_set_str(&e->to_tag, m->to_tag, DIALOG_TAG_MAX);
	e->transport = o->transport;
	e->created = e->last_activity = o->ts;
	e->established = e->ended = e->pending_since = e->until = TS_NONE;
	e->req_expires = UINT32_MAX;
	/* a NOTIFY first: the subscription began before the capture */
	e->state = m->method == SIP_NOTIFY ? "active" : "pending";
	timer_queue_entry_init(&e->timer);
	e->chain = t->buckets[h & (t->n_buckets - 1)];
	t->buckets[h & (t->n_buckets - 1)] = e;
	lru_push_front(&t->lru, &e->lru);
	t->count++;
	t->total++;
	return e;
}

static void mt_set_state(struct mt_entry *e, const char *s)
{
	if (e->state != s) {
		e->state = s;
		e->dirty = true;
	}
}

/* RFC 6665 §4.1.3: Subscription-State of a NOTIFY says whether the
 * subscription goes on. */
static void mt_notify(struct mt_entry *e, const struct method_track_msg *o)
{
	size_t len = 0;
	const char *v = mt_header(o->raw, o->header_len, "Subscription-State", 0, &len);

	if (v && len >= 10 && strncasecmp(v, "terminated", 10) == 0) {
		mt_set_state(e, "terminated");
		e->until = TS_NONE;
		e->ended = o->ts;
	} else if (v && len >= 6 && strncasecmp(v, "active", 6) == 0 &&
		   strcmp(e->state, "terminated") != 0) {
		mt_set_state(e, "active");
	}
}

static void mt_request(struct mt_entry *e, const struct method_track_msg *o)
{
	const struct sip_msg *m = o->m;

	if (o->retransmission)
		return;
	if (!e->caller_ua && m->user_agent && e->method == m->method)
		mt_set_str(&e->caller_ua, m->user_agent, DIALOG_TAG_MAX);
	if (m->method == SIP_NOTIFY) {
		mt_notify(e, o);
		return;
	}
	e->pending_since = o->ts;
	e->req_expires = mt_expires(o);
	if (e->method == SIP_REGISTER && e->final_status == 0)
		mt_set_state(e, "pending");
}

static void mt_final(struct mt_entry *e, const struct method_track_msg *o)
{
	const struct sip_msg *m = o->m;
	int st = m->status;
	bool ok = st >= 200 && st < 300, challenge = st == 401 || st == 407;

	if (m->cseq_method == SIP_NOTIFY)
		return; /* the NOTIFY's own answer: Subscription-State decided */
	e->pending_since = TS_NONE;
	if (e->final_status != st)
		e->dirty = true;
	e->final_status = st;
	if (!e->callee_ua && (m->server || m->user_agent))
		mt_set_str(&e->callee_ua, m->server ? m->server : m->user_agent, DIALOG_TAG_MAX);
	if (ok && e->established == TS_NONE)
		e->established = o->ts;
	if (challenge) {
		mt_set_state(e, "challenged");
		return;
	}
	if (!ok) {
		/* RFC 6665 §4.1.2.2: a failed refresh of a subscription ends it */
		mt_set_state(e, e->established != TS_NONE && mt_is_subscription(e->method)
					? "terminated" : "failed");
		e->until = TS_NONE;
		e->ended = o->ts;
		return;
	}
	uint32_t exp = e->method == SIP_REGISTER ? mt_expires(o) : UINT32_MAX;
	if (exp == UINT32_MAX)
		exp = e->req_expires;
	if (exp == UINT32_MAX)
		exp = METHOD_TRACK_DEFAULT_EXPIRES;
	if (e->method == SIP_REGISTER || mt_is_subscription(e->method)) {
		bool over = exp == 0;
		mt_set_state(e, e->method == SIP_REGISTER ? (over ? "unregistered" : "registered")
							  : (over ? "terminated" : "active"));
		e->until = over ? TS_NONE : o->ts + (int64_t)exp * USEC_PER_SEC;
		e->ended = over ? o->ts : TS_NONE;
	} else {
		mt_set_state(e, "answered");
		e->ended = o->ts;
	}
}

/* When the entry is next due: its request times out, its registration or
 * subscription expires, or it has ended and lingers. */
static int64_t mt_due(const struct mt_entry *e)
{
	if (e->pending_since != TS_NONE)
		return e->pending_since + METHOD_TRACK_LINGER_US;
	if (e->until != TS_NONE)
		return e->until + METHOD_TRACK_LINGER_US;
	return e->last_activity + METHOD_TRACK_LINGER_US;
}

uint64_t method_track_observe(struct method_track *t, const struct method_track_msg *o,
			      uint64_t *next_id)
{
	const struct sip_msg *m = o->m;
	struct mt_entry *e;
	uint64_t h;
	bool created = false;

	if (!m->call_id || !*m->call_id || !method_track_method(m->method))
		return 0;
	h = mt_hash(m->call_id);
	e = mt_find(t, m, h);
	if (!e) {
		/* only a request starts an entry (and a response never does) */
		if (!m->is_request || !m->from_tag || !*m->from_tag)
			return 0;
		e = mt_create(t, o, h, (*next_id)++);
		created = true;
	}
	e->n_messages++;
	e->last_activity = o->ts;
	lru_touch(&t->lru, &e->lru);
	if (m->is_request)
		mt_request(e, o);
	else if (m->status >= 200)
		mt_final(e, o);
	if (!m->is_request && !e->to_tag && m->to_tag && *m->to_tag) {
		mt_set_str(&e->to_tag, m->to_tag, DIALOG_TAG_MAX);
		e->dirty = true;
	}
	if (created || (e->dirty && !t->defer))
		mt_emit(t, e);
	timer_queue_schedule(t->timers, &e->timer, mt_due(e));
	return e->id;
}

static struct mt_entry *mt_of_timer(struct timer_entry *te)
{
	return (struct mt_entry *)(void *)((char *)te - offsetof(struct mt_entry, timer));
}

void method_track_advance(struct method_track *t, int64_t now)
{
	struct timer_entry *te;

	while ((te = timer_queue_peek(t->timers)) != NULL && te->due <= now) {
		struct mt_entry *e = mt_of_timer(te);
		if (e->pending_since != TS_NONE && e->final_status == 0)
			e->state = "no answer";
		else if (e->until != TS_NONE && e->pending_since == TS_NONE) {
			/* RFC 3261 §10.2.1.1 / RFC 6665 §4.1.2.2: not refreshed in time */
			e->state = "expired";
			e->ended = e->until;
		}
		mt_release(t, e);
	}
}

void method_track_finish(struct method_track *t, int64_t now)
{
	method_track_advance(t, now);
	for (struct mt_entry *e; (e = mt_oldest(t)) != NULL;)
		mt_release(t, e);
}

int64_t method_track_next_due(const struct method_track *t)
{
	struct timer_entry *te = timer_queue_peek(t->timers);

	return te ? te->due : TS_NONE;
}

void method_track_get_stats(const struct method_track *t, struct method_track_stats *out)
{
	out->in_memory = t->count;
	out->total = t->total;
	out->evicted = t->evicted;
}

void method_track_each(const struct method_track *t,
		       void (*fn)(void *ctx, const struct dialog_record *d), void *ctx)
{
	for (const struct mt_entry *e = mt_oldest(t); e; e = mt_newer(e)) {
		struct dialog_record r;
		mt_fill(e, &r);
		fn(ctx, &r);
	}
}
