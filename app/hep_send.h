/* hep_send: --hep-send, the HEP v3 stream to a Homer / heplify collector.
 *
 * The analyzer thread hands over each SIP message (protocol type 1, with its
 * original addresses, ports and capture time) and each finding and event (a
 * HEP log, protocol type 100, JSON, correlated by Call-ID).  hep_send_* only
 * encode into a bounded queue and return: a sender thread of its own does the
 * network I/O.  A full queue drops the packet and counts it, so a collector
 * that is down, slow or never reads never slows the analysis.  Over TCP the
 * sender reconnects with exponential backoff (HEP_SEND_BACKOFF_*); over UDP
 * an unreachable collector costs only send errors. */
#ifndef SIPWATCH_HEP_SEND_H
#define SIPWATCH_HEP_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"

#define HEP_SEND_QUEUE_PACKETS 8192
#define HEP_SEND_BACKOFF_MIN_MS 100
#define HEP_SEND_BACKOFF_MAX_MS 5000

struct hep_target {
	bool tcp;
	char host[256];
	char port[8];
};

struct hep_send_stats {
	uint64_t sent, dropped, errors, connects;
};

struct hep_send;

/* Parses "[udp:|tcp:]HOST:PORT" (HOST a name, an IPv4 or a [IPv6] address)
 * into t (may be NULL: syntax check only). */
bool hep_send_parse_target(const char *spec, struct hep_target *t);

/* Resolves the target and starts the sender thread.  NULL and err on failure
 * (bad name).  A collector that is not up yet is not a failure. */
struct hep_send *hep_send_open(const char *spec, uint32_t agent_id, const char *password,
			       char *err, size_t errlen);
/* Sends what is queued (for at most HEP_SEND_CLOSE_MS), stops the thread. */
void hep_send_close(struct hep_send *h);

/* Analyzer thread: never blocks. */
void hep_send_message(struct hep_send *h, const struct message_record *m);
/* Correlated by the Call-ID of the dialog's messages sent before. */
void hep_send_finding(struct hep_send *h, const struct finding_record *f);
void hep_send_event(struct hep_send *h, const struct event_record *ev);

/* Any thread, lock-free. */
void hep_send_get_stats(const struct hep_send *h, struct hep_send_stats *out);

#endif
