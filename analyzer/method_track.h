/* method_track: SIP outside INVITE dialogs as entries of their own.
 *
 * SUBSCRIBE/NOTIFY subscriptions (RFC 6665) and the subscriptions REFER
 * creates (RFC 3515) are dialogs; REGISTER, OPTIONS, MESSAGE, PUBLISH and a
 * stand-alone INFO are one-transaction entries.  An entry is keyed by
 * Call-ID and a tag (either side's: a NOTIFY comes from the notifier);
 * REGISTER refreshes that keep their Call-ID are grouped in one entry, as
 * sngrep does.  Entries are emitted as dialog rows with their method and a
 * state of their own ("registered", "challenged", "active" ...); they never
 * reach the session-timer engine.  Memory is bounded like the INVITE dialogs'
 * (the same --max-dialogs, a separate LRU, so an OPTIONS flood can never
 * evict a call), and each entry leaves memory when it is done (answered,
 * registration or subscription expired, terminated), 64*T1 later. */
#ifndef SIPWATCH_METHOD_TRACK_H
#define SIPWATCH_METHOD_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/analyzer.h"
#include "analyzer/sip_msg.h"

struct method_track;

struct method_track_stats {
	uint64_t in_memory; /* entries held now */
	uint64_t total;     /* entries created */
	uint64_t evicted;   /* left memory early because of the cap */
};

/* One message outside every INVITE dialog. */
struct method_track_msg {
	const struct sip_msg *m;
	const uint8_t *raw; /* the message's header section (for Expires, Subscription-State) */
	size_t header_len;
	enum transport transport;
	int64_t ts;
	bool retransmission;
};

/* max_entries 0 = 100000; defer_rows as in analyzer_config. */
struct method_track *method_track_new(size_t max_entries, const struct analyzer_sink *sink,
				      bool defer_rows);
void method_track_free(struct method_track *t);
/* Whether a request of this method is tracked here. */
bool method_track_method(enum sip_method m);
/* The entry the message belongs to (a tracked request may create it, taking
 * its id from *next_id), or 0: not tracked (a stray response, ACK, BYE ...). */
uint64_t method_track_observe(struct method_track *t, const struct method_track_msg *o,
			      uint64_t *next_id);
/* Releases the entries due at or before now (their final rows go out). */
void method_track_advance(struct method_track *t, int64_t now);
/* End of capture: every entry's final row, memory freed. */
void method_track_finish(struct method_track *t, int64_t now);
int64_t method_track_next_due(const struct method_track *t);
void method_track_get_stats(const struct method_track *t, struct method_track_stats *out);
/* fn once per entry in memory (least recently active first). */
void method_track_each(const struct method_track *t,
		       void (*fn)(void *ctx, const struct dialog_record *d), void *ctx);

#endif
