/* finding_text: detail lines of findings (session-timers.md, "Findings").
 *
 * Each line names the message, the endpoint to blame (IP:port and its
 * Server/User-Agent), what is missing or wrong, and when the call will drop,
 * e.g. "200 OK to UPDATE (CSeq 2) from 127.0.1.30:5060 (UCMA/4.0) lacks Contact
 * and Session-Expires; refresher 127.0.1.10:5060 will tear the call down at
 * 14:32:05 UTC (in 14m12s)".  Formatting only: the facts come from the caller. */
#include "analyzer/finding_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analyzer/sip_msg.h"
#include "capture/packet.h"

struct ft_buf {
	char *p;
	size_t n, len;
};

__attribute__((format(printf, 2, 3))) static void ft_add(struct ft_buf *b, const char *fmt, ...)
{
	va_list ap;

	if (b->len + 1 >= b->n)
		return;
	va_start(ap, fmt);
	int w = vsnprintf(b->p + b->len, b->n - b->len, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	b->len += (size_t)w;
	if (b->len >= b->n)
		b->len = b->n - 1;
}

const char *finding_text_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 420: return "Bad Extension";
	case 422: return "Session Interval Too Small";
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 491: return "Request Pending";
	case 500: return "Server Internal Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 504: return "Server Time-out";
	default: break;
	}
	if (status >= 200 && status < 300)
		return "OK";
	return NULL;
}

/* "14:32:05 UTC" or local "14:32:05 CET". */
static void finding_text_clock(char *buf, size_t n, int64_t ts_us, bool utc)
{
	struct tm tm;
	time_t t = (time_t)(ts_us / USEC_PER_SEC - (ts_us % USEC_PER_SEC < 0 ? 1 : 0));

	if (ts_us == TS_NONE) {
		snprintf(buf, n, "?");
		return;
	}
	if (utc) {
		if (!gmtime_r(&t, &tm) || strftime(buf, n, "%H:%M:%S UTC", &tm) == 0)
			snprintf(buf, n, "?");
		return;
	}
	if (!localtime_r(&t, &tm) || strftime(buf, n, "%H:%M:%S %Z", &tm) == 0)
		snprintf(buf, n, "?");
}

/* "14m12s", "2h05m", "45s", "0.053s". */
static void finding_text_span(char *buf, size_t n, int64_t us)
{
	if (us < 0)
		us = -us;
	int64_t s = us / USEC_PER_SEC;

	if (s < 10)
		snprintf(buf, n, "%.3fs", (double)us / USEC_PER_SEC);
	else if (s < 60)
		snprintf(buf, n, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, n, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, n, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
}

static void ft_party(struct ft_buf *b, const char *who, const char *agent)
{
	ft_add(b, "%s", who ? who : "an unknown endpoint");
	if (agent && *agent)
		ft_add(b, " (%.*s)", FINDING_AGENT_SHOWN, agent);
}

/* "200 OK to UPDATE (CSeq 2)" or "UPDATE (CSeq 2)" */
static void ft_message(struct ft_buf *b, const struct finding_text *ft)
{
	const char *method = ft->method ? ft->method : "request";

	if (ft->status) {
		const char *reason = finding_text_reason(ft->status);
		ft_add(b, "%d%s%s to %s (CSeq %u)", ft->status, reason ? " " : "",
		       reason ? reason : "", method, ft->cseq);
	} else {
		ft_add(b, "%s (CSeq %u)", method, ft->cseq);
	}
}

static void ft_clock(struct ft_buf *b, const struct finding_text *ft, int64_t ts)
{
	char c[48];

	finding_text_clock(c, sizeof c, ts, ft->utc);
	ft_add(b, "%s", c);
}

static void ft_span(struct ft_buf *b, int64_t us)
{
	char s[32];

	finding_text_span(s, sizeof s, us);
	ft_add(b, "%s", s);
}

/* "; refresher X will tear the call down at T (in D)" */
static void ft_doom_tail(struct ft_buf *b, const struct finding_text *ft)
{
	if (ft->teardown == TS_NONE)
		return;
	if (ft->refresher) {
		ft_add(b, "; refresher ");
		ft_party(b, ft->refresher, ft->refresher_agent);
		ft_add(b, " will tear the call down");
	} else {
		ft_add(b, "; the call will be torn down");
	}
	if (ft->teardown >= ft->ts) {
		ft_add(b, " at ");
		ft_clock(b, ft, ft->teardown);
		ft_add(b, " (in ");
		ft_span(b, ft->teardown - ft->ts);
		ft_add(b, ")");
	} else {
		ft_add(b, " now: its teardown point was ");
		ft_clock(b, ft, ft->teardown);
		ft_add(b, " (");
		ft_span(b, ft->ts - ft->teardown);
		ft_add(b, " ago), the deadline ");
		ft_clock(b, ft, ft->deadline);
	}
}

static void ft_missing(struct ft_buf *b, unsigned defects)
{
	bool c = defects & FT_NO_CONTACT, s = defects & FT_NO_SE;

	ft_add(b, "%s%s%s", c ? "Contact" : "", c && s ? " and " : "", s ? "Session-Expires" : "");
}

static void ft_malformed_reasons(struct ft_buf *b, unsigned defects)
{
	const char *sep = "";

	if (defects & FT_NOT_PARSED) {
		ft_add(b, "%sdoes not parse", sep);
		sep = ", ";
	}
	if (defects & FT_MANDATORY) {
		ft_add(b, "%slacks a mandatory header (Via/From/To/Call-ID/CSeq)", sep);
		sep = ", ";
	}
	if (defects & FT_CSEQ_METHOD) {
		ft_add(b, "%sits CSeq method is not the request's", sep);
		sep = ", ";
	}
	if (defects & FT_SE_MALFORMED)
		ft_add(b, "%sits Session-Expires does not follow the grammar", sep);
}

static void ft_refresh_answer(struct ft_buf *b, const struct finding_text *ft)
{
	ft_message(b, ft);
	ft_add(b, " from ");
	ft_party(b, ft->who, ft->who_agent);
	switch (ft->code) {
	case FINDING_REFRESH_2XX_NO_SESSION_EXPIRES:
		ft_add(b, " lacks ");
		ft_missing(b, ft->defects);
		ft_add(b, " while a %us session timer runs (RFC 4028 §7.2 reads that as turning "
			  "the timer off, but endpoints keep their timer)",
		       ft->se);
		break;
	case FINDING_REFRESH_2XX_NO_CONTACT:
		ft_add(b, " lacks ");
		ft_missing(b, ft->defects);
		ft_add(b, ": not a well-formed refresh answer");
		break;
	default:
		ft_add(b, " is not a well-formed refresh answer: ");
		ft_malformed_reasons(b, ft->defects);
		break;
	}
	ft_doom_tail(b, ft);
}

static void ft_lost(struct ft_buf *b, const struct finding_text *ft)
{
	const char *limit = ft->variant == FT_VARIANT_AT_BYE  ? "before the BYE"
			    : ft->variant == FT_VARIANT_EARLY ? "within its relay time"
							      : "within 32s";

	if (ft->code == FINDING_RESPONSE_NOT_RELAYED) {
		ft_message(b, ft);
		ft_add(b, " reached ");
		ft_party(b, ft->who, ft->who_agent);
		ft_add(b, " but was not relayed to the requester ");
		ft_party(b, ft->peer, ft->peer_agent);
		ft_add(b, " %s", limit);
	} else {
		ft_add(b, "%s (CSeq %u) from ", ft->method ? ft->method : "refresh", ft->cseq);
		ft_party(b, ft->peer, ft->peer_agent);
		ft_add(b, " sent at ");
		ft_clock(b, ft, ft->t_req);
		ft_add(b, " got no final response %s; ", limit);
		ft_party(b, ft->who, ft->who_agent);
		ft_add(b, " should have answered");
	}
	if (ft->count)
		ft_add(b, " (request retransmitted %u times)", ft->count);
	ft_doom_tail(b, ft);
}

static void ft_rejected(struct ft_buf *b, const struct finding_text *ft)
{
	ft_message(b, ft);
	ft_add(b, " from ");
	ft_party(b, ft->who, ft->who_agent);
	if (ft->status == 408 || ft->status == 481) {
		ft_add(b, " rejected the refresh: the refresher ends the dialog (RFC 3261 §12.2.1.2)");
		ft_doom_tail(b, ft);
		return;
	}
	ft_add(b, " rejected the refresh; the session stays up unrefreshed");
	if (ft->value)
		ft_add(b, " (Retry-After %u s)", ft->value);
	if (ft->teardown != TS_NONE) {
		ft_add(b, " and drops at ");
		ft_clock(b, ft, ft->teardown);
		ft_add(b, " unless a retry succeeds");
	}
}

static void ft_overdue(struct ft_buf *b, const struct finding_text *ft)
{
	ft_add(b, "no successful refresh since ");
	ft_clock(b, ft, ft->t_ref);
	ft_add(b, " (session interval %us): the teardown point ", ft->se);
	ft_clock(b, ft, ft->teardown);
	ft_add(b, " passed; refresher ");
	ft_party(b, ft->refresher, ft->refresher_agent);
	ft_add(b, "%s; the session expires at ", ft->count ? " only got rejections" : " never refreshed");
	ft_clock(b, ft, ft->deadline);
}

static void ft_teardown(struct ft_buf *b, const struct finding_text *ft)
{
	ft_add(b, "BYE (CSeq %u) from ", ft->cseq);
	ft_party(b, ft->who, ft->who_agent);
	ft_add(b, " at ");
	ft_clock(b, ft, ft->ts);
	if (ft->variant == FT_VARIANT_AFTER_FATAL) {
		ft_add(b, " right after the refresh failed");
	} else {
		int64_t ref = ft->variant == FT_VARIANT_DEADLINE ? ft->deadline : ft->teardown;
		ft_add(b, ", ");
		ft_span(b, ft->ts - ref);
		ft_add(b, " %s the session timer's %s ", ft->ts >= ref ? "after" : "before",
		       ft->variant == FT_VARIANT_DEADLINE ? "deadline" : "teardown point");
		ft_clock(b, ft, ref);
	}
	ft_add(b, " (interval %us, last successful refresh ", ft->se);
	ft_clock(b, ft, ft->t_ref);
	ft_add(b, "): the call was killed by the session timer");
}

static void ft_expired(struct ft_buf *b, const struct finding_text *ft)
{
	ft_add(b, "the session expired at ");
	ft_clock(b, ft, ft->deadline);
	ft_add(b, " (interval %us, last successful refresh ", ft->se);
	ft_clock(b, ft, ft->t_ref);
	ft_add(b, ") and no BYE came: a zombie session; refresher ");
	ft_party(b, ft->refresher, ft->refresher_agent);
}

static void ft_header_warning(struct ft_buf *b, const struct finding_text *ft)
{
	ft_message(b, ft);
	ft_add(b, " from ");
	ft_party(b, ft->who, ft->who_agent);
	switch (ft->code) {
	case FINDING_REFRESH_2XX_NO_REQUIRE_TIMER:
		ft_add(b, " makes the UAC the refresher (refresher=uac) without Require: timer "
			  "(RFC 4028 §9)");
		break;
	case FINDING_SE_HEADER_MALFORMED:
		ft_add(b, " has a Session-Expires or Min-SE value off the RFC 4028 §4/§5 grammar");
		break;
	case FINDING_SE_2XX_INCREASED:
		ft_add(b, " raised Session-Expires from the %us asked for to %us (RFC 4028 §9 "
			  "allows lowering only)",
		       ft->limit, ft->value);
		break;
	case FINDING_SE_2XX_NO_REFRESHER:
		ft_add(b, " has Session-Expires %us without a refresher parameter (RFC 4028 §9)",
		       ft->value);
		break;
	case FINDING_REFRESHER_UAC_UNSUPPORTED:
		ft_add(b, " makes the UAC ");
		ft_party(b, ft->peer, ft->peer_agent);
		ft_add(b, " the refresher although its request did not offer timer (RFC 4028 §9): "
			  "nobody will refresh");
		ft_doom_tail(b, ft);
		break;
	default:
		if (ft->variant == FT_VARIANT_422)
			ft_add(b, ": session interval too small, Min-SE %us", ft->value);
		else if (ft->variant == FT_VARIANT_MIN_SE_LOW)
			ft_add(b, " has Min-SE %us, below the 90s floor (RFC 4028 §5)", ft->value);
		else
			ft_add(b, " has Session-Expires %us, below the minimum %us (RFC 4028 §5)",
			       ft->value, ft->limit);
		break;
	}
}

static void ft_late(struct ft_buf *b, const struct finding_text *ft)
{
	ft_message(b, ft);
	ft_add(b, " from ");
	ft_party(b, ft->who, ft->who_agent);
	ft_add(b, " refreshed ");
	ft_span(b, ft->ts - ft->t_ref);
	ft_add(b, " after the last refresh, later than SE/2 + max(SE/10, 32s) for a %us "
		  "interval; the teardown point was ",
	       ft->se);
	ft_clock(b, ft, ft->teardown);
}

static void ft_unexplained(struct ft_buf *b, const struct finding_text *ft)
{
	ft_add(b, "BYE (CSeq %u) from ", ft->cseq);
	ft_party(b, ft->who, ft->who_agent);
	ft_add(b, " came near the teardown point/deadline ");
	ft_clock(b, ft, ft->teardown);
	ft_add(b, " although the refresh sent at ");
	ft_clock(b, ft, ft->t_req);
	ft_add(b, " was answered with a well-formed 2xx on another leg, not yet on the refresher's:"
		  " the legs disagree about that refresh");
}

/* RFC 3261 §20.14 and §18.3; value = enum sip_clen, limit = body bytes present. */
static void ft_content_length(struct ft_buf *b, const struct finding_text *ft)
{
	static const char *const what[SIP_CLEN_N] = {
		[SIP_CLEN_NOT_NUMBER] = "is not a number (RFC 3261 §20.14: 1*DIGIT)",
		[SIP_CLEN_NEGATIVE] = "is negative (RFC 3261 §20.14: 1*DIGIT)",
		[SIP_CLEN_TRAILING] = "has junk after its digits (RFC 3261 §20.14: 1*DIGIT)",
		[SIP_CLEN_TOO_LARGE] = "is beyond any message size",
		[SIP_CLEN_CONFLICT] = "is contradicted by a second Content-Length",
		[SIP_CLEN_BEYOND_BODY] = "is larger than the body present: the message was cut "
					 "short (RFC 3261 §18.3)",
		[SIP_CLEN_SHORT] = "is smaller than the body present and more than padding "
				   "follows: sender and receiver disagree where it ends (RFC 3261 §18.3)",
	};
	const char *w = ft->value < SIP_CLEN_N && what[ft->value] ? what[ft->value] : "is malformed";

	ft_message(b, ft);
	ft_add(b, " from ");
	ft_party(b, ft->who, ft->who_agent);
	ft_add(b, ": Content-Length \"%.*s\" %s; %u body bytes present", FINDING_AGENT_SHOWN,
	       ft->quoted ? ft->quoted : "", w, ft->limit);
}

void finding_text_format(char *buf, size_t n, const struct finding_text *ft)
{
	struct ft_buf b = {buf, n, 0};

	if (!n)
		return;
	buf[0] = '\0';
	switch (ft->code) {
	case FINDING_REFRESH_2XX_NO_SESSION_EXPIRES:
	case FINDING_REFRESH_2XX_NO_CONTACT:
	case FINDING_REFRESH_2XX_MALFORMED:
		ft_refresh_answer(&b, ft);
		break;
	case FINDING_REFRESH_UNANSWERED:
	case FINDING_RESPONSE_NOT_RELAYED:
		ft_lost(&b, ft);
		break;
	case FINDING_REFRESH_REJECTED:
		ft_rejected(&b, ft);
		break;
	case FINDING_REFRESH_OVERDUE:
		ft_overdue(&b, ft);
		break;
	case FINDING_REFRESH_REINVITE_NO_ACK:
		ft_message(&b, ft);
		ft_add(&b, " from ");
		ft_party(&b, ft->who, ft->who_agent);
		ft_add(&b, " was retransmitted %u times and never ACKed by ", ft->count);
		ft_party(&b, ft->peer, ft->peer_agent);
		ft_add(&b, " within 32s: the answerer ends the session (RFC 3261 §13.3.1.4)");
		break;
	case FINDING_TIMER_TEARDOWN:
		ft_teardown(&b, ft);
		break;
	case FINDING_SESSION_EXPIRED:
		ft_expired(&b, ft);
		break;
	case FINDING_REFRESH_LATE:
		ft_late(&b, ft);
		break;
	case FINDING_BYE_NEAR_DEADLINE_UNEXPLAINED:
		ft_unexplained(&b, ft);
		break;
	case FINDING_CONTENT_LENGTH_MALFORMED:
		ft_content_length(&b, ft);
		break;
	default:
		ft_header_warning(&b, ft);
		break;
	}
}
