/* tcp_stream: TCP reassembly by sequence number (RFC 9293), one stream per
 * direction of a 4-tuple, and Content-Length framing of what comes out.
 *
 * A SYN sets the initial sequence number; a stream first seen mid-way starts
 * at its first data segment.  Segments ahead of the expected sequence wait in
 * a sorted list; bytes already delivered are never delivered again, and each
 * segment that brings only (or partly) old bytes counts once as
 * tcp_retransmitted.  FIN (once every byte before it is in) and RST close a
 * stream; a closed stream is remembered until it idles out so that late
 * retransmissions are recognised.
 *
 * SIP connections live for hours and are quiet for most of them (a refresh
 * every Session-Expires/2, 15 minutes at the common 1800 s), so an open
 * stream is never forgotten for being idle: only the LRU cap evicts it.  What
 * idles out (tcp_idle_timeout_us) is a partial message held that long -- its
 * bytes are released and the stream resynchronises on the next start line.
 *
 * A stream picked up mid-way (no SYN seen: started before the capture, after
 * an eviction or a loss) starts at its first data segment; if that segment
 * does not begin with a start line and, before any message was framed, an
 * earlier segment that does begin with one arrives (the segments of one
 * message out of order), the stream restarts there and the first bytes are
 * held after it, so that message is not lost.
 *
 * Bounds: max_tcp_streams (the least recently used is evicted), bytes held per
 * stream (max_tcp_stream_bytes; over it the stream is dropped and picked up
 * again at the next segment). */
#include "capture/tcp_stream.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "capture/sip_detect.h"
#include "capture/sip_frame.h"
#include "capture/stream_layer.h"
#include "common/hash.h"
#include "common/lru.h"
#include "common/sip_text.h"
#include "common/xalloc.h"

#define TCP_STREAM_MIN_BUCKETS 16u
#define TCP_STREAM_MAX_BUCKETS (1u << 20)
#define TCP_STREAM_MIN_BUF 4096u
#define TCP_SEQ_HALF 0x80000000u /* sequence distances are modulo 2^32 */

/* A segment that arrived ahead of a gap. */
struct tcp_ooo {
	struct tcp_ooo *next;
	uint32_t seq;
	size_t len;
	uint8_t data[];
};

enum tcp_stream_kind {
	TCP_STREAM_SIP,
	TCP_STREAM_TLS, /* TLS or WebSocket: read by its stream_layer */
};

struct tcp_stream {
	struct tcp_stream *hnext;
	struct lru_node lru;
	struct flow flow;
	uint32_t hash;
	int64_t last_ts_us;
	enum tcp_stream_kind kind;
	bool closed;
	bool have_seq;
	bool seen_data;
	bool fin_seen;
	bool resyncing; /* skipping garbage; counted invalid once per episode */
	bool framed;    /* a message was framed since the stream (re)started */
	uint8_t *pickup; /* mid-way pickup: the first segment, until a message is framed */
	size_t pickup_len;
	uint32_t pickup_seq;
	uint32_t next_seq;
	uint32_t fin_seq;
	uint8_t *buf; /* in-order bytes not yet framed */
	size_t len, cap;
	struct tcp_ooo *ooo;
	size_t ooo_bytes;
	struct stream_layer *layer; /* TLS / WebSocket between reassembly and framing */
};

struct tcp_stream_table {
	const struct decoder_config *cfg;
	struct decoder_stats *stats;
	const struct decode_sink *sink; /* during tcp_stream_segment */
	struct tcp_stream **buckets;
	size_t mask;
	struct lru lru; /* least recently used first */
	size_t count;
};

struct tcp_stream_table *tcp_stream_table_new(const struct decoder_config *cfg,
					      struct decoder_stats *stats)
{
	struct tcp_stream_table *t = xcalloc(1, sizeof *t);
	size_t n = TCP_STREAM_MIN_BUCKETS;

	while (n < cfg->max_tcp_streams && n < TCP_STREAM_MAX_BUCKETS)
		n <<= 1;
	t->buckets = xcalloc(n, sizeof *t->buckets);
	t->mask = n - 1;
	t->cfg = cfg;
	t->stats = stats;
	lru_init(&t->lru);
	return t;
}

static void tcp_stream_release(struct tcp_stream *st)
{
	while (st->ooo) {
		struct tcp_ooo *o = st->ooo;
		st->ooo = o->next;
		free(o);
	}
	st->ooo_bytes = 0;
	free(st->pickup);
	st->pickup = NULL;
	st->pickup_len = 0;
	stream_layer_free(st->layer);
	st->layer = NULL;
	free(st->buf);
	st->buf = NULL;
	st->len = st->cap = 0;
}

static struct tcp_stream *tcp_stream_oldest(const struct tcp_stream_table *t)
{
	return LRU_ENTRY(lru_oldest(&t->lru), struct tcp_stream, lru);
}

static struct tcp_stream *tcp_stream_newer(const struct tcp_stream *st)
{
	return LRU_ENTRY(lru_newer(&st->lru), struct tcp_stream, lru);
}

void tcp_stream_table_free(struct tcp_stream_table *t)
{
	if (!t)
		return;
	for (struct tcp_stream *st = tcp_stream_oldest(t), *next; st; st = next) {
		next = tcp_stream_newer(st);
		tcp_stream_release(st);
		free(st);
	}
	free(t->buckets);
	free(t);
}

static uint32_t tcp_stream_hash(const struct flow *f)
{
	size_t alen = f->src.family == 6 ? 16 : 4;
	uint32_t h = HASH_FNV1A_INIT;

	h = hash_fnv1a(h, &f->src.family, 1);
	h = hash_fnv1a(h, f->src.ip, alen);
	h = hash_fnv1a(h, f->dst.ip, alen);
	h = hash_fnv1a(h, &f->src.port, sizeof f->src.port);
	return hash_fnv1a(h, &f->dst.port, sizeof f->dst.port);
}

static struct tcp_stream *tcp_stream_find(struct tcp_stream_table *t, const struct flow *f,
					  uint32_t hash)
{
	for (struct tcp_stream *st = t->buckets[hash & t->mask]; st; st = st->hnext)
		if (st->hash == hash && net_addr_equal(&st->flow.src, &f->src) &&
		    net_addr_equal(&st->flow.dst, &f->dst))
			return st;
	return NULL;
}

static void tcp_stream_remove(struct tcp_stream_table *t, struct tcp_stream *st)
{
	struct tcp_stream **pp = &t->buckets[st->hash & t->mask];

	while (*pp != st)
		pp = &(*pp)->hnext;
	*pp = st->hnext;
	lru_remove(&t->lru, &st->lru);
	tcp_stream_release(st);
	free(st);
	t->count--;
}

/* Gives up on a stream that broke a limit. */
static void tcp_stream_drop(struct tcp_stream_table *t, struct tcp_stream *st)
{
	t->stats->tcp_streams_dropped++;
	tcp_stream_remove(t, st);
}

static struct tcp_stream *tcp_stream_create(struct tcp_stream_table *t, const struct flow *f,
					    uint32_t hash, enum tcp_stream_kind kind)
{
	if (t->cfg->max_tcp_streams == 0)
		return NULL;
	if (t->count >= t->cfg->max_tcp_streams) {
		/* Evict the least recently used; it only counts if bytes are lost. */
		struct tcp_stream *old = tcp_stream_oldest(t);
		if (old->len || old->ooo)
			t->stats->tcp_streams_dropped++;
		tcp_stream_remove(t, old);
	}
	struct tcp_stream *st = xcalloc(1, sizeof *st);
	st->flow = *f;
	st->hash = hash;
	st->kind = kind;
	st->hnext = t->buckets[hash & t->mask];
	t->buckets[hash & t->mask] = st;
	lru_push_front(&t->lru, &st->lru);
	t->count++;
	return st;
}

/* Forgets buffered bytes; the next segment starts the stream again. */
static void tcp_stream_restart(struct tcp_stream *st)
{
	tcp_stream_release(st);
	st->closed = st->have_seq = st->fin_seen = st->resyncing = st->framed = false;
	st->seen_data = false; /* a new connection: its first bytes say what it is */
	st->kind = TCP_STREAM_SIP;
}

static void tcp_stream_append(struct tcp_stream *st, const uint8_t *data, size_t len)
{
	if (st->len + len > st->cap) {
		size_t cap = st->cap ? st->cap : TCP_STREAM_MIN_BUF;
		while (cap < st->len + len)
			cap *= 2;
		st->buf = xrealloc(st->buf, cap);
		st->cap = cap;
	}
	memcpy(st->buf + st->len, data, len);
	st->len += len;
	st->next_seq += (uint32_t)len;
}

static bool tcp_stream_over_limit(const struct tcp_stream_table *t, const struct tcp_stream *st, size_t len)
{
	return st->len + st->ooo_bytes + len > t->cfg->max_tcp_stream_bytes;
}

/* Keeps a segment that arrived ahead of a gap, sorted by sequence. */
static bool tcp_stream_hold(struct tcp_stream_table *t, struct tcp_stream *st, uint32_t seq,
			    const uint8_t *data, size_t len)
{
	uint32_t ahead = seq - st->next_seq;
	struct tcp_ooo **pp = &st->ooo;

	while (*pp && (*pp)->seq - st->next_seq < ahead)
		pp = &(*pp)->next;
	if (*pp && (*pp)->seq == seq && (*pp)->len >= len) {
		t->stats->tcp_retransmitted++;
		return true;
	}
	if (tcp_stream_over_limit(t, st, len)) {
		tcp_stream_drop(t, st);
		return false;
	}
	struct tcp_ooo *o = xmalloc(sizeof *o + len);
	o->seq = seq;
	o->len = len;
	memcpy(o->data, data, len);
	o->next = *pp;
	*pp = o;
	st->ooo_bytes += len;
	return true;
}

/* Moves held segments that the gap no longer separates into the buffer. */
static void tcp_stream_drain(struct tcp_stream_table *t, struct tcp_stream *st)
{
	while (st->ooo) {
		struct tcp_ooo *o = st->ooo;
		uint32_t ahead = o->seq - st->next_seq;
		if (ahead != 0 && ahead < TCP_SEQ_HALF)
			break;
		st->ooo = o->next;
		st->ooo_bytes -= o->len;
		size_t back = st->next_seq - o->seq;
		if (back)
			t->stats->tcp_retransmitted++;
		if (back < o->len)
			tcp_stream_append(st, o->data + back, o->len - back);
		free(o);
	}
}

/* Cuts complete SIP messages off the front of the buffer. */
static bool tcp_stream_frame(struct tcp_stream_table *t, struct tcp_stream *st, int64_t ts_us)
{
	size_t pos = 0;

	if (st->layer)
		pos = stream_layer_feed(t->sink, st->layer, ts_us, st->buf, st->len);
	for (; !st->layer;) {
		struct sip_frame fr;
		enum sip_frame_result r = sip_frame_next(st->buf + pos, st->len - pos,
							 t->cfg->max_tcp_stream_bytes, &fr);
		pos += fr.skip;
		if (r == SIP_FRAME_NEED_MORE)
			break;
		if (r == SIP_FRAME_MESSAGE) {
			struct sip_wire w = {.kind = SIP_WIRE_TCP_SEQ,
					     .id = st->next_seq - (uint32_t)(st->len - pos)};
			decode_sink_emit(t->sink, ts_us, &st->flow, &w, st->buf + pos, fr.len);
			pos += fr.len;
			st->resyncing = false;
			st->framed = true;
		} else if (r == SIP_FRAME_GARBAGE) {
			if (!st->resyncing)
				t->stats->invalid++;
			st->resyncing = true;
		} else {
			/* Unreadable or absurd Content-Length: nothing after it can be framed.
			 * The stream is dropped (its buffer freed) and the next segment
			 * starts it again at a start line, so a lie costs at most what
			 * was buffered, never the rest of the connection. */
			t->stats->invalid++;
			t->stats->bad_content_length++;
			tcp_stream_drop(t, st);
			return false;
		}
	}
	memmove(st->buf, st->buf + pos, st->len - pos);
	st->len -= pos;
	if (st->framed && st->pickup) {
		free(st->pickup); /* in step: no earlier start to wait for */
		st->pickup = NULL;
		st->pickup_len = 0;
	}
	return true;
}

/* Do these bytes begin with a start line (or the start of one, cut by the
 * segment's end)? */
static bool tcp_stream_begins_sip(const uint8_t *data, size_t len)
{
	if (len && memchr(data, '\n', len))
		return sip_detect_starts_sip(data, len);
	return sip_text_could_start(data, len);
}

/* A mid-way pickup whose first bytes are not a start line: keep them, in
 * case the start of their message arrives late. */
static void tcp_stream_keep_pickup(struct tcp_stream_table *t, struct tcp_stream *st,
				   uint32_t seq, const uint8_t *data, size_t len)
{
	if (tcp_stream_begins_sip(data, len) || len > t->cfg->max_tcp_stream_bytes)
		return;
	st->pickup = xmalloc(len);
	memcpy(st->pickup, data, len);
	st->pickup_len = len;
	st->pickup_seq = seq;
}

/* A segment before a mid-way pickup's first bytes, beginning with a start
 * line, before any message was framed: start the stream there and hold the
 * first bytes after it.  True if so (the caller appends the segment). */
static bool tcp_stream_rebase(struct tcp_stream_table *t, struct tcp_stream *st, uint32_t seq,
			      const uint8_t *data, size_t len)
{
	uint32_t before = st->pickup_seq - seq;

	if (!st->pickup || st->framed || before == 0 || before >= TCP_SEQ_HALF ||
	    before > t->cfg->max_tcp_stream_bytes || !tcp_stream_begins_sip(data, len))
		return false;
	uint8_t *first = st->pickup;
	size_t first_len = st->pickup_len;
	uint32_t first_seq = st->pickup_seq;
	st->pickup = NULL;
	tcp_stream_restart(st);
	st->have_seq = true;
	st->next_seq = seq;
	/* cannot fail: the stream is empty and first_len <= max (keep_pickup) */
	bool kept = tcp_stream_hold(t, st, first_seq, first, first_len);
	free(first);
	return kept;
}

/* Payload bytes at seq.  False if the stream was dropped. */
static bool tcp_stream_data(struct tcp_stream_table *t, struct tcp_stream *st, int64_t ts_us,
			    uint32_t seq, const uint8_t *data, size_t len)
{
	if (!st->have_seq) {
		st->have_seq = true; /* mid-stream pickup */
		st->next_seq = seq;
		tcp_stream_keep_pickup(t, st, seq, data, len);
	}
	uint32_t ahead = seq - st->next_seq;
	if (ahead >= TCP_SEQ_HALF && tcp_stream_rebase(t, st, seq, data, len)) {
		ahead = 0;
	} else if (ahead >= TCP_SEQ_HALF) {
		size_t back = st->next_seq - seq;
		t->stats->tcp_retransmitted++;
		if (back >= len)
			return true;
		data += back;
		len -= back;
	} else if (ahead > t->cfg->max_tcp_stream_bytes) {
		/* A gap we will never fill: give up what is held and go on from here. */
		t->stats->tcp_streams_dropped++;
		tcp_stream_restart(st);
		st->have_seq = true;
		st->next_seq = seq;
	} else if (ahead > 0) {
		return tcp_stream_hold(t, st, seq, data, len);
	}
	if (tcp_stream_over_limit(t, st, len)) {
		tcp_stream_drop(t, st);
		return false;
	}
	tcp_stream_append(st, data, len);
	tcp_stream_drain(t, st);
	return tcp_stream_frame(t, st, ts_us);
}

/* RFC 9293 3.10.7.4: FIN is processed once every byte before it has arrived. */
static void tcp_stream_check_fin(struct tcp_stream *st)
{
	if (st->fin_seen && st->have_seq && st->next_seq == st->fin_seq && !st->ooo) {
		tcp_stream_release(st);
		st->closed = true;
	}
}

static void tcp_stream_touch(struct tcp_stream_table *t, struct tcp_stream *st, int64_t ts_us)
{
	st->last_ts_us = ts_us;
	lru_touch(&t->lru, &st->lru);
}

/* The first payload of a flow we have no stream for: is it worth one? */
static struct tcp_stream *tcp_stream_open(struct tcp_stream_table *t, const struct flow *f, uint32_t hash,
					  const struct tcp_segment *seg)
{
	if (stream_layer_detect(seg->data, seg->len))
		return tcp_stream_create(t, f, hash, TCP_STREAM_TLS); /* any port */
	switch (sip_detect_classify(t->cfg, f, seg->data, seg->len)) {
	case SIP_DETECT_SIP:
		return tcp_stream_create(t, f, hash, TCP_STREAM_SIP);
	case SIP_DETECT_TLS:
		t->stats->encrypted++; /* a TLS port, but not the start of a TLS stream */
		return NULL;
	default:
		t->stats->non_sip++;
		return NULL;
	}
}

/* The stream_layer of a stream that starts with TLS or a WebSocket Upgrade;
 * the opposite direction's layer, if any, shares its connection state. */
static void tcp_stream_attach(struct tcp_stream_table *t, struct tcp_stream *st, const uint8_t *p,
			      size_t len)
{
	struct flow back = {st->flow.dst, st->flow.src, st->flow.transport};
	struct tcp_stream *peer = tcp_stream_find(t, &back, tcp_stream_hash(&back));

	st->kind = TCP_STREAM_TLS;
	st->layer = stream_layer_new(t->cfg, t->sink, &st->flow, peer ? peer->layer : NULL, p, len);
}

/* A data segment on a closed stream: a late retransmission, or a new
 * connection on the same ports whose SYN we missed. */
static void tcp_stream_reopen(struct tcp_stream_table *t, struct tcp_stream *st, uint32_t seq, size_t len)
{
	uint32_t past_fin = seq + (uint32_t)len - st->fin_seq;

	if (past_fin == 0 || past_fin >= TCP_SEQ_HALF) {
		t->stats->tcp_retransmitted++;
		return;
	}
	tcp_stream_restart(st);
}

void tcp_stream_segment(struct tcp_stream_table *t, const struct decode_sink *sink, int64_t ts_us,
			const struct flow *f, const struct tcp_segment *seg)
{
	uint32_t hash = tcp_stream_hash(f);
	struct tcp_stream *st = tcp_stream_find(t, f, hash);
	uint32_t seq = seg->seq;

	t->sink = sink;
	if (seg->flags & TCP_FLAG_RST) {
		if (st)
			tcp_stream_remove(t, st);
		return;
	}
	if (seg->flags & TCP_FLAG_SYN) {
		if (!st && (sip_detect_on_sip_port(t->cfg, f) || sip_detect_on_tls_port(t->cfg, f)))
			st = tcp_stream_create(t, f, hash, TCP_STREAM_SIP);
		if (st) {
			tcp_stream_restart(st);
			st->have_seq = true;
			st->next_seq = seq + 1;
		}
		seq++; /* SYN takes one sequence number; any data (TFO) follows it */
	}
	if (!st && seg->len)
		st = tcp_stream_open(t, f, hash, seg);
	if (!st)
		return;
	tcp_stream_touch(t, st, ts_us);
	if (st->closed && seg->len)
		tcp_stream_reopen(t, st, seq, seg->len);
	if (st->closed)
		return;
	if (seg->len && !st->seen_data) {
		st->seen_data = true;
		if (stream_layer_detect(seg->data, seg->len))
			tcp_stream_attach(t, st, seg->data, seg->len);
		else if (!sip_detect_on_sip_port(t->cfg, f) && sip_detect_on_tls_port(t->cfg, f))
			st->kind = TCP_STREAM_TLS; /* a TLS port picked up mid-way: counted only */
	}
	if (seg->len && st->kind == TCP_STREAM_TLS && (!st->layer || stream_layer_is_tls(st->layer)))
		t->stats->encrypted++;
	if (st->kind == TCP_STREAM_TLS && !st->layer) {
		/* nothing to reassemble */
	} else if (seg->len && !tcp_stream_data(t, st, ts_us, seq, seg->data, seg->len)) {
		return;
	}
	if (seg->flags & TCP_FLAG_FIN) {
		st->fin_seen = true;
		st->fin_seq = seq + (uint32_t)seg->len;
	}
	if (st->kind == TCP_STREAM_TLS && !st->layer)
		st->closed = st->fin_seen;
	else
		tcp_stream_check_fin(st);
}

/* Streams are in LRU order: every one from the oldest to the first recent
 * one is idle.  A closed one is forgotten; an open one only loses a partial
 * message (counted) and goes on from its next byte, resynchronising. */
void tcp_stream_expire(struct tcp_stream_table *t, int64_t now_us)
{
	struct tcp_stream *st = tcp_stream_oldest(t), *next;

	for (; st && now_us - st->last_ts_us > t->cfg->tcp_idle_timeout_us; st = next) {
		next = tcp_stream_newer(st);
		if (st->closed) {
			tcp_stream_remove(t, st);
			continue;
		}
		if (st->len || st->ooo) {
			t->stats->tcp_streams_dropped++; /* a partial message never completed */
			uint32_t next_seq = st->next_seq;
			bool had_seq = st->have_seq;
			tcp_stream_restart(st);
			st->have_seq = had_seq;
			st->next_seq = next_seq;
			st->framed = true;    /* no rebase onto older bytes */
			st->resyncing = true; /* the rest of that message is not SIP: count once */
			t->stats->invalid++;
		}
	}
}

void tcp_stream_clear(struct tcp_stream_table *t)
{
	for (struct tcp_stream *st; (st = tcp_stream_oldest(t)) != NULL;)
		tcp_stream_remove(t, st);
}
