/* finding_text: the one-line detail of each finding, written for the person
 * on call: which message, which endpoint (IP:port and Server/User-Agent), what
 * is wrong, and when the call will drop.  Wire strings are copied as they are
 * (the ui and db sanitise on display) but bounded in length. */
#ifndef SIPWATCH_FINDING_TEXT_H
#define SIPWATCH_FINDING_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"

#define FINDING_DETAIL_MAX 600
#define FINDING_AGENT_SHOWN 64 /* bytes of an agent shown in a detail */

/* What is wrong with a refresh answer (session-timers.md, "well-formed"). */
#define FT_NOT_PARSED 0x01u
#define FT_MANDATORY 0x02u   /* lacks Via/From/To/Call-ID/CSeq */
#define FT_CSEQ_METHOD 0x04u /* CSeq method differs from the request's */
#define FT_NO_CONTACT 0x08u
#define FT_NO_SE 0x10u
#define FT_SE_MALFORMED 0x20u
#define FT_NO_REQUIRE 0x40u /* refresher=uac without Require: timer (its own code) */

enum finding_variant {
	FT_VARIANT_DEFAULT = 0,
	FT_VARIANT_AT_BYE,       /* UNANSWERED / NOT_RELAYED decided by the BYE */
	FT_VARIANT_EARLY,        /* NOT_RELAYED decided by a retransmission or the relay time */
	FT_VARIANT_AFTER_FATAL,  /* TIMER_TEARDOWN right after a 408/481/timeout */
	FT_VARIANT_DEADLINE,     /* TIMER_TEARDOWN near the deadline, not the teardown point */
	FT_VARIANT_422,          /* INTERVAL_TOO_SMALL: a 422 */
	FT_VARIANT_MIN_SE_LOW,   /* INTERVAL_TOO_SMALL: Min-SE below 90 */
	FT_VARIANT_SE_LOW,       /* INTERVAL_TOO_SMALL: Session-Expires below Min-SE / 90 */
};

struct finding_text {
	enum finding_code code;
	enum finding_variant variant;
	bool utc;
	int64_t ts; /* the finding's time */
	/* the message pointed at: a request (status 0) or a response to method */
	int status;
	const char *method;
	uint32_t cseq;
	const char *who, *who_agent;             /* the endpoint blamed */
	const char *refresher, *refresher_agent; /* NULL = unknown */
	const char *peer, *peer_agent;           /* the other party (request sender ...) */
	unsigned defects;                        /* FT_* */
	uint32_t se;                             /* the current interval */
	int64_t t_ref, teardown, deadline;       /* TS_NONE = no timer */
	uint32_t value, limit;                   /* code-specific numbers */
	unsigned count;                          /* retransmissions seen */
	int64_t t_req;                           /* when the request was sent */
	const char *quoted;                      /* a header value as sent (CONTENT_LENGTH_MALFORMED) */
};

void finding_text_format(char *buf, size_t n, const struct finding_text *ft);
const char *finding_text_reason(int status);

#endif
