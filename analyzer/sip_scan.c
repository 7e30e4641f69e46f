/* sip_scan: lenient, bounded scan of raw SIP text into struct sip_msg.
 *
 * No libosip2 here.  Every read is an index checked against the length of the
 * span it belongs to; the input needs no NUL.  One pass: the start line, then
 * header lines up to the blank line, joining folded lines (a line starting with
 * SP/HTAB continues the header above) and handing each complete header to the
 * field it fills.  Values may therefore contain CR/LF from folding; every value
 * helper treats CR and LF as whitespace.  Costs: one memchr per line, one
 * allocation per message for all extracted strings, nothing for headers it does
 * not need. */
#include <string.h>
#include <strings.h>

#include "analyzer/sip_scan.h"
#include "common/numparse.h"
#include "common/sip_text.h"
#include "common/xalloc.h"

/* RFC 3261 §25.1: delta-seconds are 1*DIGIT; we keep them in 31 bits. */
#define SIP_SCAN_DELTA_MAX 2147483647u
/* String fields of struct sip_msg (method_name ... server): NULs to room for. */
#define SIP_SCAN_NSTRS 13u

/* A byte range inside the message (not NUL-terminated). */
struct sip_scan_span {
	const char *p;
	size_t n;
};

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

/* RFC 3261 §7.3.3 compact forms, RFC 4028 §4 ("x"), RFC 3261 §20.37 ("k"). */
static const struct {
	const char *name;
	size_t len;
	char compact;
	enum sip_scan_hdr id;
} sip_scan_headers[] = {
#define SIP_SCAN_HDR(name, compact, id) { name, sizeof name - 1, compact, id }
	SIP_SCAN_HDR("Call-ID", 'i', SIP_SCAN_H_CALL_ID),
	SIP_SCAN_HDR("From", 'f', SIP_SCAN_H_FROM),
	SIP_SCAN_HDR("To", 't', SIP_SCAN_H_TO),
	SIP_SCAN_HDR("CSeq", 0, SIP_SCAN_H_CSEQ),
	SIP_SCAN_HDR("Via", 'v', SIP_SCAN_H_VIA),
	SIP_SCAN_HDR("Contact", 'm', SIP_SCAN_H_CONTACT),
	SIP_SCAN_HDR("User-Agent", 0, SIP_SCAN_H_USER_AGENT),
	SIP_SCAN_HDR("Server", 0, SIP_SCAN_H_SERVER),
	SIP_SCAN_HDR("Retry-After", 0, SIP_SCAN_H_RETRY_AFTER),
	SIP_SCAN_HDR("Session-Expires", 'x', SIP_SCAN_H_SESSION_EXPIRES),
	SIP_SCAN_HDR("Min-SE", 0, SIP_SCAN_H_MIN_SE),
	SIP_SCAN_HDR("Supported", 'k', SIP_SCAN_H_SUPPORTED),
	SIP_SCAN_HDR("Require", 0, SIP_SCAN_H_REQUIRE),
	SIP_SCAN_HDR("Content-Length", 'l', SIP_SCAN_H_CONTENT_LENGTH),
	SIP_SCAN_HDR("Reason", 0, SIP_SCAN_H_REASON),
#undef SIP_SCAN_HDR
};

#define SIP_SCAN_NHEADERS (sizeof sip_scan_headers / sizeof sip_scan_headers[0])

/* What the header walk remembers until the end (first occurrence wins). */
struct sip_scan_state {
	struct sip_scan_span content_length;
	bool have_content_length;
	bool content_length_conflict; /* a later Content-Length says otherwise */
	bool have_session_expires;
	bool have_min_se;
};

static bool sip_scan_is_lws(char c)
{
	return sip_text_is_lws(c);
}

static bool sip_scan_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool sip_scan_is_token(char ch)
{
	return sip_text_is_token(ch);
}

static char sip_scan_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* n bytes at p equal the l bytes of lit, ignoring ASCII case. */
static bool sip_scan_eq_ci(const char *p, size_t n, const char *lit, size_t l)
{
	if (n != l)
		return false;
	for (size_t i = 0; i < n; i++)
		if (sip_scan_lower(p[i]) != sip_scan_lower(lit[i]))
			return false;
	return true;
}

/* The same against a string literal. */
#define SIP_SCAN_EQ(p, n, lit) sip_scan_eq_ci((p), (n), (lit), sizeof(lit) - 1)

static size_t sip_scan_skip_lws(const char *v, size_t n, size_t i)
{
	while (i < n && sip_scan_is_lws(v[i]))
		i++;
	return i;
}

static struct sip_scan_span sip_scan_trim(const char *p, size_t n)
{
	size_t b = sip_scan_skip_lws(p, n, 0);

	while (n > b && sip_scan_is_lws(p[n - 1]))
		n--;
	return (struct sip_scan_span){ p + b, n - b };
}

/* A NUL-terminated copy of n bytes at p in msg->strs.  sip_scan sizes strs
 * for the bytes it scans plus a NUL per string field, and every string is a
 * distinct part of those bytes (or shorter), so it always fits; were it not
 * to, the copy would be cut, never overrun. */
static char *sip_scan_str(struct sip_msg *msg, const char *p, size_t n)
{
	size_t room = msg->strs_cap - msg->strs_len;

	if (room == 0)
		return NULL;
	if (n >= room)
		n = room - 1;
	char *out = msg->strs + msg->strs_len;
	memcpy(out, p, n);
	out[n] = '\0';
	msg->strs_len += n + 1;
	return out;
}

/* RFC 3261 §25.1: quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE.
 * *i is at the opening quote; moves it past the closing one.  False (and *i = n)
 * when the string is not closed. */
static bool sip_scan_skip_quoted(const char *v, size_t n, size_t *i)
{
	for (size_t j = *i + 1; j < n; j++) {
		if (v[j] == '\\') {
			j++;
		} else if (v[j] == '"') {
			*i = j + 1;
			return true;
		}
	}
	*i = n;
	return false;
}

/* Turns each fold in the n bytes at s into SP: a CR or LF and the whitespace
 * that follows it. */
static void sip_scan_unfold(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\r' && s[i] != '\n')
			continue;
		while (i < n && sip_scan_is_lws(s[i]))
			s[i++] = ' ';
		i--; /* the loop steps on */
	}
}

/* A copy of a header value with surrounding LWS removed and each fold (CR/LF
 * and the SP/HTAB after it) turned into as many SP (RFC 3261 §7.3.1: folding
 * is whitespace; libosip2 does the same, so both paths give the same text). */
static char *sip_scan_dup_value(struct sip_msg *msg, const char *p, size_t n)
{
	struct sip_scan_span t = sip_scan_trim(p, n);
	char *out = sip_scan_str(msg, t.p, t.n);

	if (out != NULL)
		sip_scan_unfold(out, strlen(out));
	return out;
}

/* ---- value grammars ---------------------------------------------------- */

/* RFC 3261 §25.1: generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string, EQUAL = SWS "=" SWS.
 * Parses one parameter starting at i (just after SEMI and its SWS).  Returns
 * the index after it (and after trailing LWS), or 0 on a grammar error. */
static size_t sip_scan_param(const char *v, size_t n, size_t i, struct sip_scan_span *name,
			     struct sip_scan_span *val, bool *has_val)
{
	size_t j = i;

	while (j < n && sip_scan_is_token(v[j]))
		j++;
	if (j == i)
		return 0;
	*name = (struct sip_scan_span){ v + i, j - i };
	*has_val = false;
	i = sip_scan_skip_lws(v, n, j);
	if (i >= n || v[i] != '=')
		return i;
	i = sip_scan_skip_lws(v, n, i + 1);
	if (i < n && v[i] == '"') {
		j = i;
		if (!sip_scan_skip_quoted(v, n, &j))
			return 0;
	} else {
		/* token, or host: IPv6 references add '[', ']' and ':'. */
		j = i;
		while (j < n && (sip_scan_is_token(v[j]) || v[j] == '[' || v[j] == ']' || v[j] == ':'))
			j++;
		if (j == i)
			return 0;
	}
	*val = (struct sip_scan_span){ v + i, j - i };
	*has_val = true;
	return sip_scan_skip_lws(v, n, j);
}

/* RFC 4028 §4:
 *   Session-Expires  = ("Session-Expires" / "x") HCOLON delta-seconds
 *                      *(SEMI se-params)
 *   se-params        = refresher-param / generic-param
 *   refresher-param  = "refresher" EQUAL ("uas" / "uac")
 * RFC 4028 §5:
 *   Min-SE = "Min-SE" HCOLON delta-seconds *(SEMI generic-param)
 * A number that is not 1*DIGIT up to 2^31-1 leaves seconds 0; any other error
 * keeps the seconds.  Both set malformed. */
static void sip_scan_timer(const char *v, size_t n, bool se, struct timer_header *out)
{
	uint64_t secs;
	size_t i = sip_scan_skip_lws(v, n, 0);
	size_t d = i;

	memset(out, 0, sizeof *out);
	out->present = true;
	while (d < n && !sip_scan_is_lws(v[d]) && v[d] != ';')
		d++;
	if (parse_uint(v + i, d - i, SIP_SCAN_DELTA_MAX, &secs))
		out->seconds = (uint32_t)secs;
	else
		out->malformed = true;
	i = sip_scan_skip_lws(v, n, d);
	while (i < n) {
		struct sip_scan_span name, val = { NULL, 0 };
		bool has_val;

		if (v[i] != ';') {
			out->malformed = true;
			return;
		}
		i = sip_scan_param(v, n, sip_scan_skip_lws(v, n, i + 1), &name, &val, &has_val);
		if (i == 0) {
			out->malformed = true;
			return;
		}
		if (!se || !SIP_SCAN_EQ(name.p, name.n, "refresher"))
			continue;
		enum refresher r = REFRESHER_NONE;
		if (has_val && SIP_SCAN_EQ(val.p, val.n, "uac"))
			r = REFRESHER_UAC;
		else if (has_val && SIP_SCAN_EQ(val.p, val.n, "uas"))
			r = REFRESHER_UAS;
		if (r == REFRESHER_NONE || (out->refresher != REFRESHER_NONE && out->refresher != r))
			out->malformed = true;
		if (r != REFRESHER_NONE && out->refresher == REFRESHER_NONE)
			out->refresher = r;
	}
}

void sip_scan_session_expires(const char *v, size_t n, struct timer_header *out)
{
	sip_scan_timer(v, n, true, out);
}

void sip_scan_min_se(const char *v, size_t n, struct timer_header *out)
{
	sip_scan_timer(v, n, false, out);
}

/* RFC 3261 §20.37 / §20.32: Supported = ("Supported" / "k") HCOLON
 * [option-tag *(COMMA option-tag)]; Require = "Require" HCOLON option-tag
 * *(COMMA option-tag); option-tag = token. */
bool sip_scan_has_option_tag(const char *v, size_t n, const char *tag)
{
	size_t i = 0;

	while (i < n) {
		const char *c = memchr(v + i, ',', n - i);
		size_t e = c ? (size_t)(c - v) : n;
		struct sip_scan_span t = sip_scan_trim(v + i, e - i);
		if (sip_scan_eq_ci(t.p, t.n, tag, strlen(tag)))
			return true;
		i = e + 1;
	}
	return false;
}

/* RFC 3261 §20.33: Retry-After = "Retry-After" HCOLON delta-seconds
 * [ comment ] *( SEMI retry-param ) */
int sip_scan_retry_after(const char *v, size_t n)
{
	uint64_t secs;
	size_t i = sip_scan_skip_lws(v, n, 0);
	size_t d = i;

	while (d < n && sip_scan_is_digit(v[d]))
		d++;
	if (d < n && !sip_scan_is_lws(v[d]) && v[d] != '(' && v[d] != ';')
		return -1;
	if (!parse_uint(v + i, d - i, SIP_SCAN_DELTA_MAX, &secs))
		return -1;
	return (int)secs;
}

/* Whether n bytes at v contain word (ASCII case-insensitive). */
static bool sip_scan_contains_ci(const char *v, size_t n, const char *word)
{
	size_t w = strlen(word);

	for (size_t i = 0; w <= n && i <= n - w; i++)
		if (sip_scan_eq_ci(v + i, w, word, w))
			return true;
	return false;
}

/* RFC 3326: Reason = "Reason" HCOLON reason-value *(COMMA reason-value);
 * reason-value = protocol *(SEMI reason-params), cause=N, text=quoted.
 * session-timers.md (TIMER_TEARDOWN): a BYE whose Reason says the session
 * timer expired — cause 408 of protocol SIP (JsSIP: SIP ;cause=408;text=
 * "Session Timer Expired"), or a text naming the session timer the way real
 * stacks put it ("Session timer expired", "Session-Timer", "session
 * expired").  Loose on purpose: only a BYE's Reason is asked. */
bool sip_scan_reason_timer(const char *v, size_t n)
{
	static const char *const texts[] = {"session timer", "session-timer", "session_timer",
					    "session expired", "session-expires", "timer expired"};
	struct sip_scan_span t = sip_scan_trim(v, n);

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (sip_scan_contains_ci(t.p, t.n, texts[i]))
			return true;
	if (t.n >= 3 && sip_scan_eq_ci(t.p, 3, "SIP", 3) &&
	    (t.n == 3 || sip_scan_is_lws(t.p[3]) || t.p[3] == ';')) {
		/* cause = "cause" EQUAL 1*DIGIT; whitespace around '=' allowed */
		for (size_t i = 0; i + 5 <= t.n; i++) {
			if (!sip_scan_eq_ci(t.p + i, 5, "cause", 5))
				continue;
			size_t j = sip_scan_skip_lws(t.p, t.n, i + 5);
			if (j >= t.n || t.p[j] != '=')
				continue;
			j = sip_scan_skip_lws(t.p, t.n, j + 1);
			if (j + 3 <= t.n && memcmp(t.p + j, "408", 3) == 0 &&
			    (j + 3 == t.n || !sip_scan_is_digit(t.p[j + 3])))
				return true;
		}
	}
	return false;
}

/* Two Content-Length values that say the same: equal numbers ("10", "010"),
 * or, not numbers, the same bytes. */
static bool sip_scan_same_length(struct sip_scan_span a, struct sip_scan_span b)
{
	uint64_t x, y;

	a = sip_scan_trim(a.p, a.n);
	b = sip_scan_trim(b.p, b.n);
	if (parse_uint(a.p, a.n, UINT32_MAX, &x) && parse_uint(b.p, b.n, UINT32_MAX, &y))
		return x == y;
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

/* RFC 3261 §20.14: Content-Length = ( "Content-Length" / "l" ) HCOLON 1*DIGIT.
 * §18.3: over UDP, bytes beyond the body are discarded and a body cut short
 * is an error; padding (CR, LF, SP, TAB, NUL) after the body is common and
 * harmless, anything else there means sender and receiver disagree on where
 * the message ends. */
enum sip_clen sip_scan_content_length_check(const char *cl, size_t n, bool conflict,
					    const char *body, size_t present)
{
	uint64_t v;
	size_t k = 0;

	if (cl == NULL)
		return SIP_CLEN_OK;
	struct sip_scan_span t = sip_scan_trim(cl, n);
	bool minus = t.n > 1 && t.p[0] == '-';
	while (minus + k < t.n && sip_scan_is_digit(t.p[minus + k]))
		k++;
	if (k == 0)
		return SIP_CLEN_NOT_NUMBER;
	if (minus)
		return minus + k == t.n ? SIP_CLEN_NEGATIVE : SIP_CLEN_NOT_NUMBER;
	if (k < t.n)
		return SIP_CLEN_TRAILING;
	if (!parse_uint(t.p, k, UINT32_MAX, &v))
		return SIP_CLEN_TOO_LARGE;
	if (conflict)
		return SIP_CLEN_CONFLICT;
	if (v > present)
		return SIP_CLEN_BEYOND_BODY;
	for (size_t i = (size_t)v; i < present; i++) {
		char c = body[i];
		if (c != '\r' && c != '\n' && c != ' ' && c != '\t' && c != '\0')
			return SIP_CLEN_SHORT;
	}
	return SIP_CLEN_OK;
}

size_t sip_scan_body_len(size_t present, const char *cl, size_t n)
{
	uint64_t v;

	if (cl == NULL)
		return present;
	/* parse_uint's bound must stay >= 9 (smaller ones wrap): compare after. */
	if (!sip_text_content_length(cl, n, UINT32_MAX, &v) || v > present)
		return present;
	return (size_t)v;
}

size_t sip_scan_header_len(const uint8_t *data, size_t len)
{
	size_t end = sip_text_header_end(data, len);

	return end ? end : len;
}

/* ---- address headers ---------------------------------------------------- */

/* Looks for parameter want among ";name[=value]" pairs starting at i; stops at
 * a ',' (next header value) or a grammar error. */
static bool sip_scan_find_param(const char *v, size_t n, size_t i, const char *want,
				struct sip_scan_span *out)
{
	i = sip_scan_skip_lws(v, n, i);
	while (i < n && v[i] == ';') {
		struct sip_scan_span name, val = { NULL, 0 };
		bool has_val;

		i = sip_scan_param(v, n, sip_scan_skip_lws(v, n, i + 1), &name, &val, &has_val);
		/* a parameter ends at ';', at ',' (next list element) or at the end:
		 * ";tag\xc2..." is no valueless tag but a grammar error */
		if (i == 0 || (i < n && v[i] != ';' && v[i] != ','))
			return false;
		if (sip_scan_eq_ci(name.p, name.n, want, strlen(want))) {
			*out = has_val ? val : (struct sip_scan_span){ name.p + name.n, 0 };
			return true;
		}
	}
	return false;
}

/* RFC 3261 §25.1: (name-addr / addr-spec) *(SEMI param);
 * name-addr = [ display-name ] LAQUOT addr-spec RAQUOT.  In the addr-spec form
 * the URI ends at the first ';' (its parameters are header parameters, §20.10),
 * or at ',' where the header is a list (multi).  Leniently, an unclosed quote
 * is taken as a stray character.  Returns the URI span and, if wanted, the tag. */
static bool sip_scan_addr(struct sip_msg *msg, const char *v, size_t n, bool multi,
			  struct sip_scan_span *uri, char **tag)
{
	size_t i = sip_scan_skip_lws(v, n, 0);
	size_t params;
	bool quotes = true;

	for (size_t j = i; j < n; j++) {
		if (v[j] == '"' && quotes) {
			size_t q = j;
			if (!sip_scan_skip_quoted(v, n, &q))
				quotes = false; /* unbalanced: look again from here */
			else
				j = q - 1; /* the loop steps past the quote */
		} else if (v[j] == '<') {
			const char *gt = memchr(v + j + 1, '>', n - j - 1);
			if (gt == NULL)
				return false;
			*uri = sip_scan_trim(v + j + 1, (size_t)(gt - v) - j - 1);
			params = (size_t)(gt - v) + 1;
			goto found;
		} else if (multi && v[j] == ',') {
			break;
		}
	}
	params = i;
	while (params < n && v[params] != ';' && !(multi && v[params] == ','))
		params++;
	*uri = sip_scan_trim(v + i, params - i);
found:
	if (uri->n == 0)
		return false;
	if (tag != NULL) {
		struct sip_scan_span t;
		if (sip_scan_find_param(v, n, params, "tag", &t))
			*tag = sip_scan_str(msg, t.p, t.n);
	}
	return true;
}

static void sip_scan_from_to(struct sip_msg *msg, const char *v, size_t n, char **uri_out,
			     char **tag_out)
{
	struct sip_scan_span uri;

	if (sip_scan_addr(msg, v, n, false, &uri, tag_out))
		*uri_out = sip_scan_str(msg, uri.p, uri.n);
}

/* RFC 3261 §20.10: Contact = ("Contact" / "m") HCOLON
 * ( STAR / (contact-param *(COMMA contact-param))) */
static void sip_scan_contact(const char *v, size_t n, struct sip_msg *msg)
{
	size_t i = 0;
	struct sip_scan_span uri;

	/* Empty list elements name nothing; only those: no Contact (libosip2
	 * skips them too). */
	while (i < n && (v[i] == ',' || sip_scan_is_lws(v[i])))
		i++;
	if (i == n)
		return;
	struct sip_scan_span t = sip_scan_trim(v + i, n - i);
	if (t.n == 1 && t.p[0] == '*')
		msg->contact = sip_scan_str(msg, "*", 1);
	else if (sip_scan_addr(msg, t.p, t.n, true, &uri, NULL))
		msg->contact = sip_scan_str(msg, uri.p, uri.n);
	else
		msg->contact = sip_scan_str(msg, "", 0); /* present but unreadable */
}

/* RFC 3261 §7.3.1: list elements are separated by commas outside quoted
 * strings.  The index of the next such comma from i, or n. */
static size_t sip_scan_list_next(const char *v, size_t n, size_t i)
{
	size_t e = 0; /* the next comma at or after i, once known (n: none) */
	bool known = false;

	/* Each memchr starts where the last one stopped being useful, so a value
	 * full of quoted strings still costs one pass, not one per quote. */
	while (i < n) {
		if (!known || e < i) {
			const char *c = memchr(v + i, ',', n - i);
			e = c ? (size_t)(c - v) : n;
			known = true;
		}
		const char *q = memchr(v + i, '"', e - i);
		if (q == NULL)
			return e;
		i = (size_t)(q - v);
		sip_scan_skip_quoted(v, n, &i);
	}
	return n;
}

/* RFC 3261 §20.42: Via = ( "Via" / "v" ) HCOLON via-parm *(COMMA via-parm);
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params ).  Counts the
 * via-parms of this header; the first one of the first Via gives the branch. */
static void sip_scan_via(const char *v, size_t n, struct sip_msg *msg)
{
	for (size_t i = 0; i <= n;) {
		size_t e = sip_scan_list_next(v, n, i);
		struct sip_scan_span el = sip_scan_trim(v + i, e - i);
		if (el.n > 0) {
			if (msg->via_count == 0) {
				const char *semi = memchr(el.p, ';', el.n);
				struct sip_scan_span b;
				if (semi != NULL &&
				    sip_scan_find_param(el.p, el.n, (size_t)(semi - el.p), "branch", &b))
					msg->via_branch = sip_scan_str(msg, b.p, b.n);
			}
			msg->via_count++;
		}
		i = e + 1;
	}
}

/* RFC 3261 §20.16: CSeq = "CSeq" HCOLON 1*DIGIT LWS Method */
static void sip_scan_cseq(const char *v, size_t n, struct sip_msg *msg)
{
	uint64_t num;
	size_t i = sip_scan_skip_lws(v, n, 0);
	size_t d = i;

	while (d < n && !sip_scan_is_lws(v[d]))
		d++;
	msg->cseq_valid = parse_uint(v + i, d - i, SIP_SCAN_DELTA_MAX, &num);
	msg->cseq = msg->cseq_valid ? (uint32_t)num : 0;
	i = sip_scan_skip_lws(v, n, d);
	d = i;
	while (d < n && sip_scan_is_token(v[d]))
		d++;
	if (sip_scan_skip_lws(v, n, d) != n || d == i) {
		msg->cseq_valid = false; /* no token method, or more after it */
		msg->cseq = 0;
		return;
	}
	msg->cseq_method = sip_method_from_name(v + i, d - i);
	msg->cseq_method_name = sip_scan_str(msg, v + i, d - i);
}

/* RFC 3261 §20.8: Call-ID = ( "Call-ID" / "i" ) HCOLON callid;
 * callid = word [ "@" word ].  No whitespace belongs inside; whitespace around
 * the '@' is dropped, as libosip2 does, so both paths give the same key.
 * NULL when empty. */
static char *sip_scan_call_id(struct sip_msg *msg, const char *v, size_t n)
{
	struct sip_scan_span t = sip_scan_trim(v, n);

	if (t.n == 0)
		return NULL;
	const char *at = memchr(t.p, '@', t.n);
	if (at == NULL)
		return sip_scan_dup_value(msg, t.p, t.n);
	struct sip_scan_span a = sip_scan_trim(t.p, (size_t)(at - t.p));
	struct sip_scan_span b = sip_scan_trim(at + 1, t.n - (size_t)(at - t.p) - 1);
	/* a, '@' and b are parts of t, in that order: the copy fits */
	char *out = sip_scan_str(msg, a.p, a.n + 1 + b.n);
	if (out == NULL)
		return NULL;
	size_t n_out = strlen(out);
	if (n_out > a.n) {
		out[a.n] = '@';
		memmove(out + a.n + 1, b.p, n_out - a.n - 1);
	}
	sip_scan_unfold(out, n_out);
	return out;
}

/* ---- the header walk ------------------------------------------------------ */

static enum sip_scan_hdr sip_scan_lookup(const char *name, size_t n)
{
	char first = sip_scan_lower(name[0]);

	for (size_t k = 0; k < SIP_SCAN_NHEADERS; k++) {
		if (n == 1 ? first == sip_scan_headers[k].compact
			   : (n == sip_scan_headers[k].len &&
			      sip_scan_eq_ci(name, n, sip_scan_headers[k].name, n)))
			return sip_scan_headers[k].id;
	}
	return SIP_SCAN_H_OTHER;
}

/* One complete header (folds included): name n bytes, value vn bytes. */
static void sip_scan_header(struct sip_msg *msg, struct sip_scan_state *st, const char *name,
			    size_t nn, const char *v, size_t vn)
{
	enum sip_scan_hdr id = sip_scan_lookup(name, nn);

	/* An empty From, To, CSeq, Via or Contact says nothing: as absent (libosip2
	 * drops them too).  Other empty headers count as present. */
	if ((id == SIP_SCAN_H_FROM || id == SIP_SCAN_H_TO || id == SIP_SCAN_H_CSEQ ||
	     id == SIP_SCAN_H_VIA || id == SIP_SCAN_H_CONTACT) &&
	    sip_scan_trim(v, vn).n == 0)
		return;
	switch (id) {
	case SIP_SCAN_H_CALL_ID:
		if (!msg->has_call_id) {
			msg->call_id = sip_scan_call_id(msg, v, vn);
			msg->has_call_id = msg->call_id != NULL;
		}
		break;
	case SIP_SCAN_H_FROM:
		if (!msg->has_from)
			sip_scan_from_to(msg, v, vn, &msg->from_uri, &msg->from_tag);
		msg->has_from = true;
		break;
	case SIP_SCAN_H_TO:
		if (!msg->has_to)
			sip_scan_from_to(msg, v, vn, &msg->to_uri, &msg->to_tag);
		msg->has_to = true;
		break;
	case SIP_SCAN_H_CSEQ:
		if (!msg->has_cseq)
			sip_scan_cseq(v, vn, msg);
		msg->has_cseq = true;
		break;
	case SIP_SCAN_H_VIA:
		sip_scan_via(v, vn, msg);
		msg->has_via = msg->via_count > 0;
		break;
	case SIP_SCAN_H_CONTACT:
		if (msg->contact == NULL)
			sip_scan_contact(v, vn, msg);
		break;
	case SIP_SCAN_H_USER_AGENT:
		if (msg->user_agent == NULL)
			msg->user_agent = sip_scan_dup_value(msg, v, vn);
		break;
	case SIP_SCAN_H_SERVER:
		if (msg->server == NULL)
			msg->server = sip_scan_dup_value(msg, v, vn);
		break;
	case SIP_SCAN_H_RETRY_AFTER:
		if (msg->retry_after < 0)
			msg->retry_after = sip_scan_retry_after(v, vn);
		break;
	case SIP_SCAN_H_SESSION_EXPIRES:
		if (!st->have_session_expires)
			sip_scan_session_expires(v, vn, &msg->session_expires);
		st->have_session_expires = true;
		break;
	case SIP_SCAN_H_MIN_SE:
		if (!st->have_min_se)
			sip_scan_min_se(v, vn, &msg->min_se);
		st->have_min_se = true;
		break;
	case SIP_SCAN_H_SUPPORTED:
		msg->supported_timer |= sip_scan_has_option_tag(v, vn, "timer");
		break;
	case SIP_SCAN_H_REQUIRE:
		msg->require_timer |= sip_scan_has_option_tag(v, vn, "timer");
		break;
	case SIP_SCAN_H_CONTENT_LENGTH:
		if (!st->have_content_length)
			st->content_length = (struct sip_scan_span){ v, vn };
		else if (!sip_scan_same_length(st->content_length, (struct sip_scan_span){ v, vn }))
			st->content_length_conflict = true;
		st->have_content_length = true;
		break;
	case SIP_SCAN_H_REASON:
		msg->reason_timer |= sip_scan_reason_timer(v, vn);
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
		while (k < le && sip_scan_is_token(s[k]))
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
	msg->method_name = sip_scan_str(msg, rq.method, rq.method_len);
	msg->request_uri = sip_scan_str(msg, rq.uri, rq.uri_len);
	return true;
}

/* The start line: after leading CRLFs, up to LF (CR stripped), within hlen. */
static struct sip_scan_span sip_scan_first_line(const char *s, size_t hlen, size_t *next)
{
	size_t i = 0;

	while (i < hlen && (s[i] == '\r' || s[i] == '\n'))
		i++;
	const char *lf = memchr(s + i, '\n', hlen - i);
	size_t le = lf ? (size_t)(lf - s) : hlen;
	*next = lf ? le + 1 : hlen;
	if (le > i && s[le - 1] == '\r')
		le--;
	return (struct sip_scan_span){ s + i, le - i };
}

int sip_scan_status(const uint8_t *data, size_t len)
{
	size_t next;
	int status;

	if (len > SIP_SCAN_MAX_LEN)
		len = SIP_SCAN_MAX_LEN;
	struct sip_scan_span l = sip_scan_first_line((const char *)data, len, &next);
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
	struct sip_scan_span l = sip_scan_first_line(s, len, &next);
	if (l.n == 0)
		return false;
	/* One allocation for every string (sip_scan_str): each is a distinct part
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
	msg->body_len = sip_scan_body_len(len - hlen, st.have_content_length ? st.content_length.p : NULL,
					  st.content_length.n);
	if (st.have_content_length) {
		struct sip_scan_span t = sip_scan_trim(st.content_length.p, st.content_length.n);
		msg->content_length = sip_scan_str(msg, t.p, t.n);
		msg->content_length_problem = sip_scan_content_length_check(
			t.p, t.n, st.content_length_conflict, s + hlen, len - hlen);
		/* beyond the scan limit the body present is unknown */
		if (cut && msg->content_length_problem >= SIP_CLEN_BEYOND_BODY)
			msg->content_length_problem = SIP_CLEN_OK;
	}
	return true;
}
