/* sip_parse: SIP text → struct sip_msg through the lenient scanner, and the
 * strict verdict of libosip2 on request.
 *
 * The only file in sipwatch that includes libosip2.  Every message is read by
 * sip_scan (linear, bounded, no libosip2).  Whether a strict parser accepts a
 * message matters in one place only (a 2xx answering a refresh: "does it
 * parse?"), so libosip2 is asked there, on that message's bytes, through
 * sip_parse_strict_accepts.  It is not asked (the answer is "no") when the
 * message is over 256 KiB, has a NUL or a bare CR in its headers, no SP after
 * the status code, or more list items than it handles in linear time.
 * sip_parse_strict also converts libosip2's structures into a struct sip_msg,
 * so tests and the differential fuzzer can hold both readings to the same
 * text; its value grammars (Session-Expires, Min-SE, option tags, Retry-After)
 * are sip_scan's, so both paths read a header the same way. */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "analyzer/sip_parse.h"
#include "analyzer/sip_scan.h"
#include "analyzer/sip_value.h"
#include "common/numparse.h"
#include "common/sip_text.h"
#include "common/xalloc.h"

/* RFC 3261 §8.1.1.5: CSeq numbers stay below 2^31. */
#define SIP_PARSE_CSEQ_MAX 2147483647u

/* libosip2 grows its header and parameter lists by walking them from the
 * head, so its cost is quadratic in their length.  Measured here: 8 KiB of
 * "Supported: a,a,a..." takes 23 ms, 64 KiB 2.7 s, 256 KiB three minutes; a
 * From with 64 KiB of parameters 0.6 s.  Real messages have a few dozen items
 * (the longest RFC 4475 message, longreq, has 52), so a header section with
 * more lines, commas and semicolons than this goes to the linear lenient scan
 * instead (not accepted): one crafted packet cannot stall the analyzer. */
#define SIP_PARSE_OSIP_MAX_ITEMS 256

/* libosip2 wants a NUL-terminated buffer: each thread keeps one, grown as
 * needed up to SIP_SCAN_MAX_LEN + 1 and freed when the thread exits. */
static _Thread_local char *sip_parse_buf;
static _Thread_local size_t sip_parse_cap;
static pthread_key_t sip_parse_buf_key;
static pthread_once_t sip_parse_key_once = PTHREAD_ONCE_INIT;

/* libosip2 must never print: its traces go nowhere. */
static void sip_parse_trace(const char *fi, int li, osip_trace_level_t level, const char *chfr,
			    va_list ap)
{
	(void)fi;
	(void)li;
	(void)level;
	(void)chfr;
	(void)ap;
}

void sip_parse_init(void)
{
	parser_init();
	osip_trace_initialize_func(END_TRACE_LEVEL, sip_parse_trace);
	for (int l = TRACE_LEVEL0; l < END_TRACE_LEVEL; l++)
		osip_trace_disable_level((osip_trace_level_t)l);
}

static void sip_parse_make_key(void)
{
	if (pthread_key_create(&sip_parse_buf_key, free) != 0)
		abort();
}

/* A NUL-terminated copy of data in this thread's buffer. */
static char *sip_parse_copy(const uint8_t *data, size_t len)
{
	if (sip_parse_cap < len + 1) {
		size_t cap = sip_parse_cap ? sip_parse_cap : 4096;
		while (cap < len + 1)
			cap *= 2;
		if (cap > SIP_SCAN_MAX_LEN + 1 && len + 1 <= SIP_SCAN_MAX_LEN + 1)
			cap = SIP_SCAN_MAX_LEN + 1;
		pthread_once(&sip_parse_key_once, sip_parse_make_key);
		sip_parse_buf = xrealloc(sip_parse_buf, cap);
		sip_parse_cap = cap;
		pthread_setspecific(sip_parse_buf_key, sip_parse_buf);
	}
	memcpy(sip_parse_buf, data, len);
	sip_parse_buf[len] = '\0';
	return sip_parse_buf;
}

/* osip_uri_to_str allocates with libosip2's allocator: copy into ours. */
static char *sip_parse_uri(const osip_uri_t *uri)
{
	char *s = NULL;

	if (uri == NULL || osip_uri_to_str(uri, &s) != 0 || s == NULL)
		return NULL;
	char *out = xstrdup(s);
	osip_free(s);
	return out;
}

/* The value of the first parameter called name (case-insensitive, RFC 3261
 * §7.3.1); "" for a parameter without a value. */
static char *sip_parse_param(const osip_list_t *params, const char *name)
{
	osip_list_iterator_t it;

	for (const osip_generic_param_t *p = osip_list_get_first(params, &it); p != NULL;
	     p = osip_list_get_next(&it)) {
		if (p->gname != NULL && strcasecmp(p->gname, name) == 0)
			return xstrdup(p->gvalue ? p->gvalue : "");
	}
	return NULL;
}

/* RFC 3261 §20.8: Call-ID = ( "Call-ID" / "i" ) HCOLON callid;
 * callid = word [ "@" word ].  libosip2 splits it at '@': join it again. */
static char *sip_parse_call_id(const osip_call_id_t *cid)
{
	if (cid == NULL || cid->number == NULL || cid->number[0] == '\0')
		return NULL;
	if (cid->host == NULL)
		return xstrdup(cid->number);
	size_t a = strlen(cid->number), b = strlen(cid->host);
	char *s = xmalloc(a + 1 + b + 1);
	memcpy(s, cid->number, a);
	s[a] = '@';
	memcpy(s + a + 1, cid->host, b + 1);
	return s;
}

/* RFC 3261 §20.16: CSeq = "CSeq" HCOLON 1*DIGIT LWS Method */
static void sip_parse_cseq(const osip_cseq_t *cs, struct sip_msg *msg)
{
	uint64_t n;

	msg->has_cseq = cs != NULL;
	if (cs == NULL)
		return;
	/* libosip2 takes any text for the method; the grammar wants a token. */
	bool method_ok = cs->method != NULL && sip_text_is_token_text(cs->method, strlen(cs->method));
	msg->cseq_valid = cs->number != NULL && method_ok &&
			  parse_uint(cs->number, strlen(cs->number), SIP_PARSE_CSEQ_MAX, &n);
	msg->cseq = msg->cseq_valid ? (uint32_t)n : 0;
	if (method_ok) {
		msg->cseq_method = sip_method_from_name(cs->method, strlen(cs->method));
		msg->cseq_method_name = xstrdup(cs->method);
	}
}

static void sip_parse_vias(const osip_message_t *sip, struct sip_msg *msg)
{
	osip_via_t *via = NULL;
	int n = osip_list_size(&sip->vias);

	msg->via_count = n > 0 ? (unsigned)n : 0;
	msg->has_via = n > 0;
	if (osip_message_get_via(sip, 0, &via) >= 0 && via != NULL)
		msg->via_branch = sip_parse_param(&via->via_params, "branch");
}

/* RFC 3261 §20.10: Contact = ("Contact" / "m") HCOLON ( STAR / ... ).
 * libosip2 keeps "*" as a display name without a URI. */
static void sip_parse_contact(const osip_message_t *sip, struct sip_msg *msg)
{
	osip_contact_t *c = NULL;

	if (osip_message_get_contact(sip, 0, &c) < 0 || c == NULL)
		return;
	if (c->url == NULL && c->displayname != NULL && strcmp(c->displayname, "*") == 0)
		msg->contact = xstrdup("*");
	else
		msg->contact = sip_parse_uri(c->url);
	if (msg->contact == NULL)
		msg->contact = xstrdup(""); /* present but unreadable */
}

/* The headers libosip2 leaves unparsed, in message order (first one wins, as
 * in sip_scan).  libosip2 lower-cases their names and does not expand the
 * compact forms x (Session-Expires) and k (Supported). */
static void sip_parse_other_headers(const osip_message_t *sip, struct sip_msg *msg)
{
	osip_list_iterator_t it;

	/* An iterator: osip_list_get(i) walks from the head, quadratic here. */
	for (const osip_header_t *h = osip_list_get_first(&sip->headers, &it); h != NULL;
	     h = osip_list_get_next(&it)) {
		if (h->hname == NULL)
			continue;
		const char *name = h->hname;
		const char *v = h->hvalue ? h->hvalue : "";
		if (strcmp(name, "session-expires") == 0 || strcmp(name, "x") == 0) {
			if (!msg->session_expires.present)
				sip_parse_session_expires(v, &msg->session_expires);
		} else if (strcmp(name, "min-se") == 0) {
			if (!msg->min_se.present)
				sip_parse_min_se(v, &msg->min_se);
		} else if (strcmp(name, "supported") == 0 || strcmp(name, "k") == 0) {
			msg->supported_timer |= sip_value_has_option_tag(v, strlen(v), "timer");
		} else if (strcmp(name, "require") == 0) {
			msg->require_timer |= sip_value_has_option_tag(v, strlen(v), "timer");
		} else if (strcmp(name, "retry-after") == 0) {
			if (msg->retry_after < 0)
				msg->retry_after = sip_value_retry_after(v, strlen(v));
		} else if (strcmp(name, "reason") == 0) {
			msg->reason_timer |= sip_value_reason_timer(v, strlen(v));
		} else if (strcmp(name, "user-agent") == 0) {
			if (msg->user_agent == NULL)
				msg->user_agent = xstrdup(v);
		} else if (strcmp(name, "server") == 0) {
			if (msg->server == NULL)
				msg->server = xstrdup(v);
		}
	}
}

/* Whether a message libosip2 parsed counts as accepted: it has a Call-ID, its
 * method is a token and its status code is what the text says. */
static bool sip_parse_osip_accepts(const osip_message_t *sip, const uint8_t *data, size_t len)
{
	const osip_call_id_t *cid = sip->call_id;

	if (cid == NULL || cid->number == NULL || cid->number[0] == '\0')
		return false;
	if (sip->sip_method != NULL) {
		/* RFC 3261 §25.1: Method = token.  libosip2 takes any bytes up to the
		 * SP ("OPTIO\x9a\xbaNS" parsed); sip_scan rejects such a start line,
		 * so the message must not count as SIP on this path either (found by
		 * fuzz_parse_diff). */
		return sip_text_is_token_text(sip->sip_method, strlen(sip->sip_method));
	}
	/* libosip2 reads the code with atoi: a huge code wraps into range, or to
	 * -1, which is also sip_scan_status's "bad code" (found by
	 * fuzz_parse_diff: "SIP/2.0 2000...0 OK"). */
	int code = sip_scan_status(data, len);
	return code > 0 && code == sip->status_code;
}

/* Converts a message sip_parse_osip_accepts accepted. */
static void sip_parse_convert(const osip_message_t *sip, const uint8_t *data, size_t len,
			      struct sip_msg *msg)
{
	const char *v;

	msg->call_id = sip_parse_call_id(sip->call_id);
	msg->has_call_id = true;
	if (sip->sip_method != NULL) {
		msg->is_request = true;
		msg->method_name = xstrdup(sip->sip_method);
		msg->method = sip_method_from_name(sip->sip_method, strlen(sip->sip_method));
		msg->request_uri = sip_parse_uri(sip->req_uri);
	} else {
		msg->status = sip->status_code;
	}
	if (sip->from != NULL) {
		msg->has_from = true;
		msg->from_uri = sip_parse_uri(sip->from->url);
		msg->from_tag = sip_parse_param(&sip->from->gen_params, "tag");
	}
	if (sip->to != NULL) {
		msg->has_to = true;
		msg->to_uri = sip_parse_uri(sip->to->url);
		msg->to_tag = sip_parse_param(&sip->to->gen_params, "tag");
	}
	sip_parse_cseq(sip->cseq, msg);
	if (!msg->is_request)
		msg->method = msg->cseq_method;
	sip_parse_vias(sip, msg);
	sip_parse_contact(sip, msg);
	sip_parse_other_headers(sip, msg);
	msg->header_len = sip_scan_header_len(data, len);
	v = sip->content_length ? sip->content_length->value : NULL;
	msg->body_len = sip_value_body_len(len - msg->header_len, v, v ? strlen(v) : 0);
}

/* RFC 3261 §7.1: Request-Line = Method SP Request-URI SP SIP-Version CRLF, on
 * one line.  libosip2 looks for the SP before the version across line ends:
 * "INVITE sip:x" CRLF "c=IN SIP/4.0" CRLF parses with a URI spanning two
 * lines, where sip_scan sees no request line at all (found by fuzz_parse_diff).
 * True when the first line ends in a word starting "SIP/" after at least two
 * other words, as sip_scan wants. */
static bool sip_parse_request_line(const uint8_t *s, size_t n)
{
	size_t e = 0, words = 0;

	while (e < n && s[e] != '\r' && s[e] != '\n')
		e++;
	while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	size_t v = e;
	while (v > 0 && s[v - 1] != ' ' && s[v - 1] != '\t')
		v--;
	if (e - v < 4 || strncasecmp((const char *)s + v, "SIP/", 4) != 0)
		return false;
	for (size_t i = 0; i < v; i++)
		words += s[i] != ' ' && s[i] != '\t' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t');
	return words >= 2;
}

/* RFC 3261 §7.2: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
 * CRLF.  Without the SP after the code ("SIP/2.0 200" CRLF) libosip2 takes
 * the next header line for the reason phrase and drops it, yet accepts the
 * message: a Contact there would read as missing.  True for one-line request
 * lines (above) and for status lines "SIP-Version SP 3DIGIT SP". */
static bool sip_parse_reason_sp(const uint8_t *data, size_t hlen)
{
	size_t i = 0;

	while (i < hlen && (data[i] == '\r' || data[i] == '\n'))
		i++;
	if (sip_scan_status(data + i, hlen - i) == 0)
		return sip_parse_request_line(data + i, hlen - i);
	if (sip_scan_status(data + i, hlen - i) < 0)
		return true;
	/* SP, not HTAB: libosip2 splits the line at SP only. */
	while (i < hlen && data[i] != ' ')
		i++; /* SIP-Version */
	if (i + 5 > hlen || data[i + 1] < '0' || data[i + 1] > '9')
		return false;
	i += 4; /* SP Status-Code, checked by sip_scan_status */
	return data[i] == ' ';
}

/* Whether libosip2 may judge this message: few enough list items for it to be
 * cheap, and headers it reads as we do.  libosip2 works on C strings, so a
 * NUL (legal in a quoted-pair, RFC 3261 §25.1) hides every header after it,
 * and what is left may still parse: a Contact after the NUL would read as
 * missing.  It also ends a line at a CR without LF, where RFC 3261 §7 (and
 * sip_scan) see one line.  Such messages go to the scan alone. */
static bool sip_parse_osip_suitable(const uint8_t *data, size_t len)
{
	size_t hlen = sip_scan_header_len(data, len), items = 0;

	if (!sip_parse_reason_sp(data, hlen))
		return false;

	for (size_t i = 0; i < hlen; i++) {
		uint8_t c = data[i];
		if (c == '\0' || (c == '\r' && i + 1 < hlen && data[i + 1] != '\n'))
			return false;
		items += c == '\n' || c == ',' || c == ';';
	}
	return items <= SIP_PARSE_OSIP_MAX_ITEMS;
}

bool sip_parse(const uint8_t *data, size_t len, struct sip_msg *msg)
{
	return sip_scan(data, len, msg);
}

/* The conversion copies each string on its own; struct sip_msg keeps them all
 * in one allocation (sip_msg_clear frees that one): move them there. */
static void sip_parse_pack(struct sip_msg *msg)
{
	char **f[] = { &msg->method_name, &msg->request_uri, &msg->call_id, &msg->from_uri,
		       &msg->from_tag, &msg->to_uri, &msg->to_tag, &msg->cseq_method_name,
		       &msg->via_branch, &msg->contact, &msg->user_agent, &msg->server };
	size_t n = 0;

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		n += *f[i] ? strlen(*f[i]) + 1 : 0;
	msg->strs = n ? xmalloc(n) : NULL;
	msg->strs_cap = n;
	msg->strs_len = 0;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (*f[i] == NULL)
			continue;
		size_t k = strlen(*f[i]) + 1;
		char *out = msg->strs + msg->strs_len;
		memcpy(out, *f[i], k);
		msg->strs_len += k;
		free(*f[i]);
		*f[i] = out;
	}
}

/* libosip2's verdict on data; with msg, its reading converted too. */
static bool sip_parse_osip(const uint8_t *data, size_t len, struct sip_msg *msg)
{
	osip_message_t *sip = NULL;
	bool ok = false;

	if (len == 0 || len > SIP_SCAN_MAX_LEN || !sip_parse_osip_suitable(data, len) ||
	    osip_message_init(&sip) != 0)
		return false;
	char *buf = sip_parse_copy(data, len);
	if (osip_message_parse(sip, buf, len) == 0 && sip_parse_osip_accepts(sip, data, len)) {
		ok = true;
		if (msg != NULL) {
			sip_parse_convert(sip, data, len, msg);
			sip_parse_pack(msg);
		}
	}
	osip_message_free(sip);
	return ok;
}

bool sip_parse_strict(const uint8_t *data, size_t len, struct sip_msg *msg)
{
	memset(msg, 0, sizeof *msg);
	msg->retry_after = -1;
	return sip_parse_osip(data, len, msg);
}

bool sip_parse_strict_accepts(const uint8_t *data, size_t len)
{
	return sip_parse_osip(data, len, NULL);
}

/* NULL means the header is absent. */
void sip_parse_session_expires(const char *value, struct timer_header *out)
{
	if (value == NULL)
		memset(out, 0, sizeof *out);
	else
		sip_value_session_expires(value, strlen(value), out);
}

void sip_parse_min_se(const char *value, struct timer_header *out)
{
	if (value == NULL)
		memset(out, 0, sizeof *out);
	else
		sip_value_min_se(value, strlen(value), out);
}
