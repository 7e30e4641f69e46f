/* records: the plain values the analyzer hands to the db and the ui.
 *
 * Times are microseconds since the epoch (TS_NONE = absent).  String pointers
 * are valid only during the sink call that receives them; a consumer that keeps
 * a record copies it.  Ids are assigned by the analyzer from bases the store
 * gives it, so the db can take rows without a round trip. */
#ifndef SIPWATCH_RECORDS_H
#define SIPWATCH_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/packet.h"

enum severity {
	SEVERITY_INFO = 0,
	SEVERITY_WARNING,
	SEVERITY_DOOM,
	/* session-timers.md "Risk and proof": a defect that strict peers turn into
	 * an outage; the dialog is at risk until the evidence decides */
	SEVERITY_RISK,
};

enum end_class {
	END_NONE = 0, /* not ended yet (still in memory) */
	END_NORMAL_BYE,
	END_TIMER_TEARDOWN,
	END_EXPIRED_NO_BYE,
	END_ACTIVE,
	END_CANCELLED,
	END_FAILED,
	END_NO_ANSWER,
	END_EVICTED,
	/* an early dialog whose INVITE was answered on another to-tag (a fork, a
	 * B2BUA changing tags): replaced, not cancelled (RFC 3261 §13.2.2.4) */
	END_REPLACED,
};

enum finding_code {
	FINDING_REFRESH_2XX_NO_SESSION_EXPIRES = 0,
	FINDING_REFRESH_2XX_NO_CONTACT,
	FINDING_REFRESH_2XX_MALFORMED,
	FINDING_REFRESH_UNANSWERED,
	FINDING_RESPONSE_NOT_RELAYED,
	FINDING_REFRESH_REJECTED,
	FINDING_REFRESH_OVERDUE,
	FINDING_REFRESH_REINVITE_NO_ACK,
	FINDING_REFRESHER_UAC_UNSUPPORTED,
	FINDING_TIMER_TEARDOWN,
	FINDING_SESSION_EXPIRED,
	FINDING_REFRESH_2XX_NO_REQUIRE_TIMER,
	FINDING_INTERVAL_TOO_SMALL,
	FINDING_SE_HEADER_MALFORMED,
	FINDING_SE_2XX_INCREASED,
	FINDING_SE_2XX_NO_REFRESHER,
	FINDING_REFRESH_LATE,
	FINDING_BYE_NEAR_DEADLINE_UNEXPLAINED,
	FINDING_CONTENT_LENGTH_MALFORMED, /* issue 17: framing, not the timer */
	FINDING_CODE_COUNT
};

/* dialog-level refresher, relative to the initial INVITE (uac = caller) */
enum dialog_refresher {
	DIALOG_REFRESHER_NONE = 0,
	DIALOG_REFRESHER_UAC,
	DIALOG_REFRESHER_UAS,
};

struct message_record {
	uint64_t id;
	uint64_t dialog_id; /* 0 = not part of an INVITE dialog */
	int64_t ts_us;
	char src[ENDPOINT_STR_MAX];
	char dst[ENDPOINT_STR_MAX];
	enum transport transport;
	const char *method;      /* NULL for responses */
	int status;              /* 0 for requests */
	uint32_t cseq;
	const char *cseq_method; /* may be NULL if unparseable */
	const char *call_id;
	const uint8_t *raw;      /* the message as seen on the wire */
	size_t raw_len;
	size_t header_len;       /* raw[0..header_len) are the headers */
	bool retransmission;     /* same transaction, same leg, seen before */
	bool has_hep_agent;      /* came as HEP with a capture agent id: */
	uint32_t hep_agent_id;
};

struct dialog_record {
	uint64_t id;
	const char *call_id;
	const char *from_uri, *to_uri, *from_tag, *to_tag;
	const char *caller_ua, *callee_ua;
	enum transport transport;
	int64_t created, established, ended;
	int64_t session_expires; /* seconds; -1 = none */
	int64_t min_se;          /* seconds; -1 = none */
	enum dialog_refresher refresher;
	uint32_t refreshes_ok, refreshes_failed;
	int64_t last_refresh, deadline, teardown_expected;
	bool doomed;
	int64_t doomed_at;
	bool recovered;
	bool at_risk;            /* a risk finding not yet proved or accepted */
	int64_t at_risk_at;      /* when it was first put at risk; TS_NONE = never */
	enum end_class end_class; /* END_NONE while in memory and not ended */
	const char *state;        /* "early", "confirmed", "terminated": for the dashboard */
	uint32_t n_messages;
	uint32_t finding_mask;    /* bit per enum finding_code */
	/* What opened the entry: NULL or "INVITE" for an INVITE dialog;
	 * "REGISTER", "OPTIONS", "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE",
	 * "PUBLISH", "INFO" for the entries outside INVITE dialogs
	 * (analyzer/method_track.c), whose state says "registered",
	 * "challenged", "active", "answered" ... */
	const char *method;
	int final_status;         /* those entries: the last final status; 0 = none */
};

/* Whether d is an INVITE dialog (the session-timer kind) rather than a
 * REGISTER, OPTIONS, SUBSCRIBE ... entry. */
bool dialog_record_is_invite(const struct dialog_record *d);

struct finding_record {
	uint64_t id;
	uint64_t dialog_id;
	uint64_t message_id; /* 0 = none (a timer finding) */
	enum finding_code code;
	enum severity severity;
	int64_t ts_us;
	char endpoint[ENDPOINT_STR_MAX];
	const char *agent;  /* Server/User-Agent of the endpoint, may be NULL */
	const char *detail; /* one line a person can act on */
};

struct endpoint_record {
	char endpoint[ENDPOINT_STR_MAX];
	const char *agent;
	/* malformed counts every defective answer; of those, accepted ones the
	 * refresher took (non-compliant but accepted) and fatal ones the call did
	 * not survive (session-timers.md "Blame") */
	uint64_t refresh_answers_ok, malformed, lost, rejected;
	uint64_t accepted, fatal;
};

enum event_kind {
	EVENT_DOOMED = 0,
	EVENT_RECOVERED,
	EVENT_TEARDOWN,
	EVENT_EXPIRED,
	EVENT_AT_RISK,      /* a risk finding put the dialog at risk */
	EVENT_RISK_CLEARED, /* the risky answer was accepted (or a good refresh followed) */
};

struct event_record {
	enum event_kind kind;
	int64_t ts_us;
	const struct dialog_record *dialog;
	const struct finding_record *finding; /* the cause; may be NULL */
};

const char *finding_code_name(enum finding_code c);
bool finding_code_from_name(const char *name, enum finding_code *out);
enum severity finding_code_severity(enum finding_code c); /* default severity */

/* A set of finding codes as a bit mask (dialog_record.finding_mask): one bit
 * per code, so the codes must fit its 32 bits. */
#define FINDING_MASK_BIT(c) (UINT32_C(1) << (c))
_Static_assert(FINDING_CODE_COUNT <= 32, "finding_mask holds a bit per enum finding_code");
/* The mask as "CODE,CODE" in code order, into buf (n > 0), cut at a whole code
 * when it does not fit; returns its length. */
size_t finding_mask_text(uint32_t mask, char *buf, size_t n);
/* The mask of such a text (unknown names are ignored). */
uint32_t finding_mask_from_text(const char *s);
const char *severity_name(enum severity s);
const char *end_class_name(enum end_class e);
const char *dialog_refresher_name(enum dialog_refresher r); /* NULL for NONE */
const char *event_kind_name(enum event_kind k);

#endif
