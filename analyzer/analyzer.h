/* analyzer: SIP candidates in, dialogs, findings and events out.
 *
 * Single-threaded: one analyzer thread calls every function here.  It never
 * reads a clock: packet timestamps and the `now` of analyzer_tick drive all
 * timers, so tests need no sleeps and offline runs are reproducible. */
#ifndef SIPWATCH_ANALYZER_H
#define SIPWATCH_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"
#include "capture/packet.h"

/* Where results go.  Any callback may be NULL.  Called synchronously. */
struct analyzer_sink {
	void (*message)(void *ctx, const struct message_record *m);
	/* A dialog's row changed (state, timer, doom, end); written on change, not
	 * per message (with defer_dialog_rows, only on doom, recovery and end). */
	void (*dialog)(void *ctx, const struct dialog_record *d);
	void (*finding)(void *ctx, const struct finding_record *f);
	void (*endpoint)(void *ctx, const struct endpoint_record *e);
	void (*event)(void *ctx, const struct event_record *ev);
	void *ctx;
};

struct analyzer_config {
	uint64_t first_dialog_id;  /* ids continue from what the db holds */
	uint64_t first_message_id;
	uint64_t first_finding_id;
	size_t max_dialogs;        /* 0 = default */
	bool store_bodies;         /* false = --headers-only: raw_len covers headers only */
	bool utc;                  /* times in detail lines: UTC (true) or local time with zone */
	/* A file is read faster than anyone watches it: a dialog's row is then
	 * emitted when it dooms, recovers or ends (and at analyzer_finish), not
	 * on every change.  Live (false), every change is emitted. */
	bool defer_dialog_rows;
	/* --strict-peers (session-timers.md "Risk and proof"): the site's proxies
	 * and refreshers are strict (Lync, Skype for Business, UCMA), so a risk
	 * finding dooms at once. */
	bool strict_peers;
};

struct analyzer_stats {
	uint64_t sip_messages;
	uint64_t parse_errors;  /* not SIP, or unusable */
	uint64_t duplicates;    /* mirror duplicates dropped */
	uint64_t retransmissions;
	uint64_t dialogs_total;
	uint64_t dialogs_active;
	uint64_t dialogs_doomed;   /* currently doomed, in memory */
	uint64_t dialogs_evicted;
	int64_t first_ts, last_ts; /* of SIP messages */
	/* entries outside INVITE dialogs (REGISTER, OPTIONS, SUBSCRIBE ...,
	 * analyzer/method_track.h): created, held now, evicted by the cap */
	uint64_t other_total, other_in_memory, other_evicted;
	uint64_t bad_content_length; /* messages with a malformed Content-Length (issue 17) */
};

struct analyzer;

void analyzer_config_defaults(struct analyzer_config *cfg);
struct analyzer *analyzer_new(const struct analyzer_config *cfg, const struct analyzer_sink *sink);
void analyzer_free(struct analyzer *a);

/* One SIP candidate (ownership stays with the caller). Advances the clock to pkt->ts_us. */
void analyzer_feed(struct analyzer *a, const struct sip_packet *pkt);
/* Advances the clock without a packet (live, quiet wire): fires due timers. */
void analyzer_tick(struct analyzer *a, int64_t now_us);
/* End of capture at now_us: every dialog still in memory is classified
 * (ACTIVE, EXPIRED_NO_BYE, NO_ANSWER ...), emitted and freed; endpoints emitted. */
void analyzer_finish(struct analyzer *a, int64_t now_us);
void analyzer_get_stats(const struct analyzer *a, struct analyzer_stats *out);

/* Live state for the dashboard, cheap: calls fn once per dialog in memory
 * (least recently active first) with a record valid during the call only.
 * fn must not call back into the analyzer. */
void analyzer_each_dialog(const struct analyzer *a,
			  void (*fn)(void *ctx, const struct dialog_record *d), void *ctx);
/* Emits the per-endpoint refresh-answer counters so far (sink->endpoint), e.g.
 * periodically while a live capture runs; analyzer_finish emits them again. */
void analyzer_emit_endpoints(struct analyzer *a);
/* The time the next timer is due (TS_NONE = none): a live loop can sleep until
 * then and call analyzer_tick. */
int64_t analyzer_next_due(const struct analyzer *a);

#endif
