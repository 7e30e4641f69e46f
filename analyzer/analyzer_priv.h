/* analyzer_priv: what the engine modules (dialog_state, session_timer) share with
 * analyzer.c — one observation of a message, and the calls that emit findings,
 * events and blame through the sink.  Not for use outside analyzer/. */
#ifndef SIPWATCH_ANALYZER_PRIV_H
#define SIPWATCH_ANALYZER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/analyzer.h"
#include "analyzer/dialog_table.h"
#include "analyzer/endpoint_stats.h"
#include "analyzer/sip_msg.h"
#include "analyzer/transaction.h"

/* How long an ended dialog stays for retransmissions (64*T1). */
#define DIALOG_LINGER_US (32 * USEC_PER_SEC)

/* One SIP message as seen on one leg. */
struct observation {
	const struct sip_msg *m;
	const uint8_t *raw; /* the message's bytes, for a strict parse on demand */
	size_t raw_len;
	const struct flow *flow;
	int64_t ts;
	uint64_t msg_id;
	char src[ENDPOINT_STR_MAX], dst[ENDPOINT_STR_MAX];
	const char *agent; /* Server (responses) or User-Agent; NULL = none */
	enum dialog_side side;
	struct txn_obs t;
};

struct finding_spec {
	enum finding_code code;
	int64_t ts;
	uint64_t message_id;  /* 0 = a timer finding */
	const char *endpoint; /* ip:port to blame */
	const char *agent;
	const char *detail;
};

/* Emits a finding for d (default severity of its code, or severity_override
 * when >= 0); a doom finding dooms d (EVENT_DOOMED the first time), and
 * TIMER_TEARDOWN / SESSION_EXPIRED also emit their events. */
void analyzer_finding(struct analyzer *a, struct dialog *d, const struct finding_spec *f,
		      int severity_override);
/* A well-formed refresh reached the refresher: doom clears (EVENT_RECOVERED). */
void analyzer_recovered(struct analyzer *a, struct dialog *d, int64_t ts);
/* --strict-peers: risk findings doom at once. */
bool analyzer_strict(const struct analyzer *a);
/* The risky answer was accepted (or superseded by a good refresh): at_risk
 * clears (EVENT_RISK_CLEARED); accepted: its risk findings are rewritten as
 * warnings that say so. Frees d->risk. */
void analyzer_risk_cleared(struct analyzer *a, struct dialog *d, int64_t ts, bool accepted);
/* d->risk, allocated on first use. */
struct dialog_risk *analyzer_risk(struct dialog *d);
void analyzer_blame(struct analyzer *a, const char *endpoint, const char *agent,
		    enum endpoint_outcome o);
bool analyzer_utc(const struct analyzer *a);
/* Calls fn for the other forks of d's INVITE. */
void analyzer_each_sibling(struct analyzer *a, struct dialog *d,
			   void (*fn)(void *ctx, struct dialog *s), void *ctx);

#endif
