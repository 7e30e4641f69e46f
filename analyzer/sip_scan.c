/* sip_scan: lenient, bounded scan of raw SIP text into struct sip_msg.
 *
 * No libosip2 here.  Every read is an index checked against the length of the
 * span it belongs to; the input needs no NUL.  One pass: the start line, then
 * header lines up to the blank line, joining folded lines (a line starting with
 * SP/HTAB continues the header above) and handing each complete header to the
 * field it fills: the identity headers to sip_ident, the other values to the
 * grammars of sip_value.  Values may therefore contain CR/LF from folding;
 * every value helper treats CR and LF as whitespace.  Costs: one memchr per line, one
 * allocation per message for all extracted strings, nothing for headers it does
 * not need. */
#include <string.h>

#include "analyzer/sip_ident.h"
#include "analyzer/sip_scan.h"
#include "analyzer/sip_value.h"
#include "common/sip_text.h"
#include "common/xalloc.h"

/* String fields of struct sip_msg (method_name ... server): NULs to room for. */
#define SIP_SCAN_NSTRS 13u

enum sip_scan_hdr {
	SIP_SCAN_H_OTHER = 0,
	SIP_SCAN_H_CALL_ID,
	SIP_SCAN_H_FROM,
	SIP_SCAN_H_TO,
	SIP_SCAN_H_CSEQ,
	SIP_SCAN_H_VIA,
	SIP_SCAN_H_CONTACT,
	SIP_SCAN_H_USER_AGENT,
	SIP_SCAN_H_SERVER,
	SIP_SCAN_H_RETRY_AFTER,
	SIP_SCAN_H_SESSION_EXPIRES,
	SIP_SCAN_H_MIN_SE,
	SIP_SCAN_H_SUPPORTED,
	SIP_SCAN_H_REQUIRE,
	SIP_SCAN_H_CONTENT_LENGTH,
	SIP_SCAN_H_REASON,
};

/* What the header walk remembers until the end (first occurrence wins). */
struct sip_scan_state {
	struct sip_value_span content_length;
	bool have_content_length;
	bool content_length_conflict; /* a later Content-Length says otherwise */
	bool have_session_expires;
	bool have_min_se;
};

size_t sip_scan_header_len(const uint8_t *data, size_t len)
{
	size_t end = sip_text_header_end(data, len);

	return end ? end : len;
}

/* ---- the header walk ------------------------------------------------------ */

/* n bytes at name (n = the literal's length) spell the lower-case literal
 * lc, ignoring ASCII case.  The literals hold letters and '-' only and the
 * name token characters only (the walk checked), so setting bit 0x20 is the
 * case folding: it maps only 'A'-'Z' onto 'a'-'z', and onto '-' only '-'
 * itself and CR, which is no token character. */
static bool sip_scan_is(const char *name, const char *lc, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((name[i] | 0x20) != lc[i])
			return false;
	return true;
}

#define SIP_SCAN_IS(lc) sip_scan_is(name, lc, sizeof lc - 1)

/* The header a name of n > 0 bytes stands for.  By length first, then one
 * comparison for each name of that length: every header line of every
 * message comes through here, most of them for headers not read.
 * RFC 3261 §7.3.3 compact forms, RFC 4028 §4 ("x"), RFC 3261 §20.37 ("k"). */
static enum sip_scan_hdr sip_scan_lookup(const char *name, size_t n)
{
	switch (n) {
	case 1:
		switch (sip_text_lower(name[0])) {
		case 'i': return SIP_SCAN_H_CALL_ID;
		case 'f': return SIP_SCAN_H_FROM;
		case 't': return SIP_SCAN_H_TO;
		case 'v': return SIP_SCAN_H_VIA;
		case 'm': return SIP_SCAN_H_CONTACT;
		case 'x': return SIP_SCAN_H_SESSION_EXPIRES;
		case 'k': return SIP_SCAN_H_SUPPORTED;
		case 'l': return SIP_SCAN_H_CONTENT_LENGTH;
		default: return SIP_SCAN_H_OTHER;
		}
	case 2:
		return SIP_SCAN_IS("to") ? SIP_SCAN_H_TO : SIP_SCAN_H_OTHER;
	case 3:
		return SIP_SCAN_IS("via") ? SIP_SCAN_H_VIA : SIP_SCAN_H_OTHER;
	case 4:
		return SIP_SCAN_IS("from") ? SIP_SCAN_H_FROM
		     : SIP_SCAN_IS("cseq") ? SIP_SCAN_H_CSEQ
					   : SIP_SCAN_H_OTHER;
	case 6:
		return SIP_SCAN_IS("server") ? SIP_SCAN_H_SERVER
		     : SIP_SCAN_IS("min-se") ? SIP_SCAN_H_MIN_SE
		     : SIP_SCAN_IS("reason") ? SIP_SCAN_H_REASON
					     : SIP_SCAN_H_OTHER;
	case 7:
		return SIP_SCAN_IS("call-id") ? SIP_SCAN_H_CALL_ID
		     : SIP_SCAN_IS("contact") ? SIP_SCAN_H_CONTACT
		     : SIP_SCAN_IS("require") ? SIP_SCAN_H_REQUIRE
					      : SIP_SCAN_H_OTHER;
	case 9:
		return SIP_SCAN_IS("supported") ? SIP_SCAN_H_SUPPORTED : SIP_SCAN_H_OTHER;
	case 10:
		return SIP_SCAN_IS("user-agent") ? SIP_SCAN_H_USER_AGENT : SIP_SCAN_H_OTHER;
	case 11:
		return SIP_SCAN_IS("retry-after") ? SIP_SCAN_H_RETRY_AFTER : SIP_SCAN_H_OTHER;
	case 14:
		return SIP_SCAN_IS("content-length") ? SIP_SCAN_H_CONTENT_LENGTH : SIP_SCAN_H_OTHER;
	case 15:
		return SIP_SCAN_IS("session-expires") ? SIP_SCAN_H_SESSION_EXPIRES
						      : SIP_SCAN_H_OTHER;
	default:
		return SIP_SCAN_H_OTHER;
	}
}

#undef SIP_SCAN_IS

/* One complete header (folds included): name n bytes, value vn bytes. */
static void sip_scan_header(struct sip_msg *msg, struct sip_scan_state *st, const char *name,
			    size_t nn, const char *v, size_t vn)
{
	enum sip_scan_hdr id = sip_scan_lookup(name, nn);

	/* An empty From, To, CSeq, Via or Contact says nothing: as absent (libosip2
	 * drops them too).  Other empty headers count as present. */
	if ((id == SIP_SCAN_H_FROM || id == SIP_SCAN_H_TO || id == SIP_SCAN_H_CSEQ ||
	     id == SIP_SCAN_H_VIA || id == SIP_SCAN_H_CONTACT) &&
	    sip_value_trim(v, vn).n == 0)
		return;
	switch (id) {
	case SIP_SCAN_H_CALL_ID:
		if (!msg->has_call_id) {
			msg->call_id = sip_ident_call_id(msg, v, vn);
			msg->has_call_id = msg->call_id != NULL;
		}
		break;
	case SIP_SCAN_H_FROM:
		if (!msg->has_from)
			sip_ident_from_to(msg, v, vn, &msg->from_uri, &msg->from_tag);
		msg->has_from = true;
		break;
	case SIP_SCAN_H_TO:
		if (!msg->has_to)
			sip_ident_from_to(msg, v, vn, &msg->to_uri, &msg->to_tag);
		msg->has_to = true;
		break;
	case SIP_SCAN_H_CSEQ:
		if (!msg->has_cseq)
			sip_ident_cseq(msg, v, vn);
		msg->has_cseq = true;
		break;
	case SIP_SCAN_H_VIA:
		sip_ident_via(msg, v, vn);
		msg->has_via = msg->via_count > 0;
		break;
	case SIP_SCAN_H_CONTACT:
		if (msg->contact == NULL)
			sip_ident_contact(msg, v, vn);
		break;
	case SIP_SCAN_H_USER_AGENT:
		if (msg->user_agent == NULL)
			msg->user_agent = sip_value_dup(msg, v, vn);
		break;
	case SIP_SCAN_H_SERVER:
		if (msg->server == NULL)
			msg->server = sip_value_dup(msg, v, vn);
		break;
	case SIP_SCAN_H_RETRY_AFTER:
		if (msg->retry_after < 0)
			msg->retry_after = sip_value_retry_after(v, vn);
		break;
	case SIP_SCAN_H_SESSION_EXPIRES:
		if (!st->have_session_expires)
			sip_value_session_expires(v, vn, &msg->session_expires);
		st->have_session_expires = true;
		break;
	case SIP_SCAN_H_MIN_SE:
		if (!st->have_min_se)
			sip_value_min_se(v, vn, &msg->min_se);
		st->have_min_se = true;
		break;
	case SIP_SCAN_H_SUPPORTED:
		msg->supported_timer |= sip_value_has_option_tag(v, vn, "timer");
		break;
	case SIP_SCAN_H_REQUIRE:
		msg->require_timer |= sip_value_has_option_tag(v, vn, "timer");
		break;
	case SIP_SCAN_H_CONTENT_LENGTH:
		if (!st->have_content_length)
			st->content_length = (struct sip_value_span){ v, vn };
		else if (!sip_value_same_length(st->content_length, (struct sip_value_span){ v, vn }))
			st->content_length_conflict = true;
		st->have_content_length = true;
		break;
	case SIP_SCAN_H_REASON:
		msg->reason_timer |= sip_value_reason_timer(v, vn);
		break;
	case SIP_SCAN_H_OTHER:
		break;
	}
}

/* RFC 3261 §7.3.1: header = field-name HCOLON field-value, HCOLON =
 * *( SP / HTAB ) ":" SWS; a line starting with SP/HTAB continues the header
 * above it.  Lines without a colon or with a bad name are skipped.  Walks from
 * i to the blank line (the same one sip_scan_header_len finds) and returns the
 * header length. */
static size_t sip_scan_headers_walk(struct sip_msg *msg, struct sip_scan_state *st, const char *s,
				    size_t i, size_t len)
{
	const char *name = NULL, *val = NULL;
	size_t nn = 0, vend = 0;

	while (i < len) {
		const char *lf = memchr(s + i, '\n', len - i);
		size_t next = lf ? (size_t)(lf - s) + 1 : len;
		size_t le = lf ? (size_t)(lf - s) : len;

		if (le > i && s[le - 1] == '\r')
			le--;
		if (le == i) {
			i = next; /* the blank line ends the headers */
			break;
		}
		if (s[i] == ' ' || s[i] == '\t') {
			if (name != NULL)
				vend = le;
			i = next;
			continue;
		}
		if (name != NULL)
			sip_scan_header(msg, st, name, nn, val, vend - (size_t)(val - s));
		name = NULL;
		size_t k = i;
		while (k < le && sip_text_is_token(s[k]))
			k++;
		size_t c = k;
		while (c < le && (s[c] == ' ' || s[c] == '\t'))
			c++;
		if (k > i && c < le && s[c] == ':') {
			name = s + i;
			nn = k - i;
			val = s + c + 1;
			vend = le;
		}
		i = next;
	}
	if (name != NULL)
		sip_scan_header(msg, st, name, nn, val, vend - (size_t)(val - s));
	return i;
}

/* RFC 3261 §7.1, §7.2, leniently (sip_text_status_line, sip_text_request_line). */
static bool sip_scan_start_line(struct sip_msg *msg, const char *s, size_t n)
{
	struct sip_text_request rq;

	if (sip_text_is_status_line(s, n)) {
		msg->is_request = false;
		return sip_text_status_line(s, n, &msg->status);
	}
	if (!sip_text_request_line(s, n, &rq))
		return false;
	msg->is_request = true;
	msg->method = sip_method_from_name(rq.method, rq.method_len);
	msg->method_name = sip_msg_str(msg, rq.method, rq.method_len);
	msg->request_uri = sip_msg_str(msg, rq.uri, rq.uri_len);
	return true;
}

/* The start line: after leading CRLFs, up to LF (CR stripped), within hlen. */
static struct sip_value_span sip_scan_first_line(const char *s, size_t hlen, size_t *next)
{
	size_t i = 0;

	while (i < hlen && (s[i] == '\r' || s[i] == '\n'))
		i++;
	const char *lf = memchr(s + i, '\n', hlen - i);
	size_t le = lf ? (size_t)(lf - s) : hlen;
	*next = lf ? le + 1 : hlen;
	if (le > i && s[le - 1] == '\r')
		le--;
	return (struct sip_value_span){ s + i, le - i };
}

int sip_scan_status(const uint8_t *data, size_t len)
{
	size_t next;
	int status;

	if (len > SIP_SCAN_MAX_LEN)
		len = SIP_SCAN_MAX_LEN;
	struct sip_value_span l = sip_scan_first_line((const char *)data, len, &next);
	if (!sip_text_is_status_line(l.p, l.n))
		return 0;
	return sip_text_status_line(l.p, l.n, &status) ? status : -1;
}

bool sip_scan(const uint8_t *data, size_t len, struct sip_msg *msg)
{
	const char *s = (const char *)data;
	struct sip_scan_state st = { { NULL, 0 }, false, false, false, false };
	size_t next;

	memset(msg, 0, sizeof *msg);
	msg->retry_after = -1;
	bool cut = len > SIP_SCAN_MAX_LEN;
	if (cut)
		len = SIP_SCAN_MAX_LEN;
	struct sip_value_span l = sip_scan_first_line(s, len, &next);
	if (l.n == 0)
		return false;
	/* One allocation for every string (sip_msg_str): each is a distinct part
	 * of these len bytes, plus its NUL. */
	msg->strs_cap = len + SIP_SCAN_NSTRS;
	msg->strs = xmalloc(msg->strs_cap);
	if (l.n == 0 || !sip_scan_start_line(msg, l.p, l.n)) {
		sip_msg_clear(msg);
		return false;
	}
	size_t hlen = sip_scan_headers_walk(msg, &st, s, next, len);
	if (!msg->has_call_id) {
		sip_msg_clear(msg);
		return false;
	}
	if (!msg->is_request)
		msg->method = msg->cseq_method;
	msg->header_len = hlen;
	msg->body_len = sip_value_body_len(len - hlen, st.have_content_length ? st.content_length.p : NULL,
					  st.content_length.n);
	if (st.have_content_length) {
		struct sip_value_span t = sip_value_trim(st.content_length.p, st.content_length.n);
		msg->content_length = sip_msg_str(msg, t.p, t.n);
		msg->content_length_problem = sip_value_content_length_check(
			t.p, t.n, st.content_length_conflict, s + hlen, len - hlen);
		/* beyond the scan limit the body present is unknown */
		if (cut && msg->content_length_problem >= SIP_CLEN_BEYOND_BODY)
			msg->content_length_problem = SIP_CLEN_OK;
	}
	return true;
}
