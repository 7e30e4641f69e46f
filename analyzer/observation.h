/* observation: one SIP message as the engine sees it on one leg — the parsed
 * message, its bytes, flow, time, id, the endpoints as text and what the
 * transaction bookkeeping made of it.  A plain value the analyzer fills once
 * per message and passes down to dialog_state and the session-timer rules. */
#ifndef SIPWATCH_OBSERVATION_H
#define SIPWATCH_OBSERVATION_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/dialog_table.h"
#include "analyzer/records.h"
#include "analyzer/sip_msg.h"
#include "analyzer/transaction.h"
#include "capture/packet.h"

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

#endif
