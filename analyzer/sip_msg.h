/* sip_msg: the project's own plain-value SIP message, filled by sip_parse.
 *
 * Nothing here points into libosip2.  Strings are NUL-terminated copies owned by
 * the message (NULL when the header is absent), all in one allocation (strs)
 * freed by sip_msg_clear. */
#ifndef SIPWATCH_SIP_MSG_H
#define SIPWATCH_SIP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sip_method {
	SIP_METHOD_UNKNOWN = 0,
	SIP_INVITE,
	SIP_ACK,
	SIP_BYE,
	SIP_CANCEL,
	SIP_UPDATE,
	SIP_OPTIONS,
	SIP_REGISTER,
	SIP_PRACK,
	SIP_INFO,
	SIP_REFER,
	SIP_NOTIFY,
	SIP_SUBSCRIBE,
	SIP_MESSAGE,
	SIP_PUBLISH,
};

enum refresher {
	REFRESHER_NONE = 0, /* no refresher parameter */
	REFRESHER_UAC,
	REFRESHER_UAS,
};

/* A Session-Expires or Min-SE header as seen (RFC 4028 §4, §5). */
/* 8 bytes: every transaction keeps two (struct txn). */
struct timer_header {
	uint32_t seconds;  /* valid when present && !malformed */
	uint8_t refresher; /* enum refresher; Session-Expires only */
	bool present;
	bool malformed;    /* value or refresher param off the grammar */
};

/* Present and following the grammar: its seconds (and refresher) count. */
static inline bool sip_msg_timer_valid(const struct timer_header *h)
{
	return h->present && !h->malformed;
}

/* What is wrong with a message's Content-Length (RFC 3261 §20.14: one
 * header, 1*DIGIT; §18.3: over UDP it must not exceed the datagram's body). */
enum sip_clen {
	SIP_CLEN_OK = 0,      /* valid, or absent */
	SIP_CLEN_NOT_NUMBER,  /* empty, or not digits ("abc", "+5") */
	SIP_CLEN_NEGATIVE,    /* "-5" */
	SIP_CLEN_TRAILING,    /* digits then junk ("10abc", "10 20") */
	SIP_CLEN_TOO_LARGE,   /* above 2^32-1 */
	SIP_CLEN_CONFLICT,    /* two Content-Length headers with different values */
	SIP_CLEN_BEYOND_BODY, /* larger than the body present (a datagram cut short) */
	SIP_CLEN_SHORT,       /* smaller than the body present, and what follows is not padding */
	SIP_CLEN_N,
};

struct sip_msg {
	bool is_request;
	enum sip_method method; /* request method; for responses the CSeq method */
	char *method_name;      /* request method text (requests only) */
	int status;             /* responses only */
	char *request_uri;

	char *call_id;
	char *from_uri;
	char *from_tag;
	char *to_uri;
	char *to_tag;
	uint32_t cseq;
	bool cseq_valid;
	enum sip_method cseq_method;
	char *cseq_method_name;
	char *via_branch; /* top Via's branch */
	unsigned via_count;
	char *contact;    /* first Contact URI or "*"; NULL = no Contact header */
	char *user_agent;
	char *server;

	struct timer_header session_expires; /* Session-Expires or x */
	struct timer_header min_se;
	bool supported_timer; /* Supported/k lists "timer" */
	bool require_timer;   /* Require lists "timer" */
	int retry_after;      /* -1 = absent */
	bool reason_timer;    /* a Reason says the session timer expired (RFC 3326) */

	/* Mandatory headers present (RFC 3261 §8.1.1); false means malformed. */
	bool has_via, has_from, has_to, has_call_id, has_cseq;

	size_t header_len; /* bytes up to and including the blank line */
	size_t body_len;
	enum sip_clen content_length_problem;
	char *content_length; /* the (first) value as sent, NULL = absent */

	char *strs; /* the one allocation every string above points into */
	size_t strs_len, strs_cap;
};

enum sip_method sip_method_from_name(const char *name, size_t len);
const char *sip_method_name(enum sip_method m);
/* A NUL-terminated copy of n bytes at p in msg->strs (NULL when it is full);
 * cut to fit, never overrun. */
char *sip_msg_str(struct sip_msg *msg, const char *p, size_t n);
/* Frees what msg holds and leaves it empty (safe on a zeroed or cleared msg). */
void sip_msg_clear(struct sip_msg *msg);

#endif
