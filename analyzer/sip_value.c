/* sip_value: the grammars of single SIP header values (RFC 4028 §4, §5;
 * RFC 3261 §20.14, §20.33, §20.37; RFC 3326) and the RFC 3261 §25.1 pieces
 * they share with the identity headers (sip_ident): quoted strings, generic
 * parameters, comma lists, folding.
 *
 * Every index is checked against the span it belongs to; no NUL is needed.
 * Values may contain CR/LF from folding, so CR and LF count as whitespace
 * throughout.  Character classes, LWS and ASCII case come from common/sip_text. */
#include <string.h>

#include "analyzer/sip_value.h"
#include "common/numparse.h"

/* The same as sip_text_eq_ci against a string literal. */
#define SIP_VALUE_EQ(p, n, lit) sip_text_eq_ci((p), (n), (lit), sizeof(lit) - 1)

static bool sip_value_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- RFC 3261 §25.1 building blocks ------------------------------------- */

/* RFC 3261 §25.1: quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE.
 * *i is at the opening quote; moves it past the closing one.  False (and *i = n)
 * when the string is not closed. */
bool sip_value_skip_quoted(const char *v, size_t n, size_t *i)
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
void sip_value_unfold(char *s, size_t n)
{
	/* most values hold neither: two memchr, not a test of every byte */
	if (memchr(s, '\r', n) == NULL && memchr(s, '\n', n) == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\r' && s[i] != '\n')
			continue;
		while (i < n && sip_text_is_lws(s[i]))
			s[i++] = ' ';
		i--; /* the loop steps on */
	}
}

/* A copy of a header value with surrounding LWS removed and each fold (CR/LF
 * and the SP/HTAB after it) turned into as many SP (RFC 3261 §7.3.1: folding
 * is whitespace; libosip2 does the same, so both paths give the same text). */
char *sip_value_dup(struct sip_msg *msg, const char *p, size_t n)
{
	struct sip_value_span t = sip_value_trim(p, n);
	char *out = sip_msg_str(msg, t.p, t.n);

	if (out != NULL)
		sip_value_unfold(out, strlen(out));
	return out;
}

/* RFC 3261 §25.1: generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string, EQUAL = SWS "=" SWS.
 * Parses one parameter starting at i (just after SEMI and its SWS).  Returns
 * the index after it (and after trailing LWS), or 0 on a grammar error. */
static size_t sip_value_param(const char *v, size_t n, size_t i, struct sip_value_span *name,
			     struct sip_value_span *val, bool *has_val)
{
	size_t j = i;

	while (j < n && sip_text_is_token(v[j]))
		j++;
	if (j == i)
		return 0;
	*name = (struct sip_value_span){ v + i, j - i };
	*has_val = false;
	i = sip_text_skip_lws(v, n, j);
	if (i >= n || v[i] != '=')
		return i;
	i = sip_text_skip_lws(v, n, i + 1);
	if (i < n && v[i] == '"') {
		j = i;
		if (!sip_value_skip_quoted(v, n, &j))
			return 0;
	} else {
		/* token, or host: IPv6 references add '[', ']' and ':'. */
		j = i;
		while (j < n && (sip_text_is_token(v[j]) || v[j] == '[' || v[j] == ']' || v[j] == ':'))
			j++;
		if (j == i)
			return 0;
	}
	*val = (struct sip_value_span){ v + i, j - i };
	*has_val = true;
	return sip_text_skip_lws(v, n, j);
}

/* Looks for parameter want among ";name[=value]" pairs starting at i; stops at
 * a ',' (next header value) or a grammar error. */
bool sip_value_find_param(const char *v, size_t n, size_t i, const char *want,
			  struct sip_value_span *out)
{
	size_t want_len = strlen(want);

	i = sip_text_skip_lws(v, n, i);
	while (i < n && v[i] == ';') {
		struct sip_value_span name, val = { NULL, 0 };
		bool has_val;

		i = sip_value_param(v, n, sip_text_skip_lws(v, n, i + 1), &name, &val, &has_val);
		/* a parameter ends at ';', at ',' (next list element) or at the end:
		 * ";tag\xc2..." is no valueless tag but a grammar error */
		if (i == 0 || (i < n && v[i] != ';' && v[i] != ','))
			return false;
		if (sip_text_eq_ci(name.p, name.n, want, want_len)) {
			*out = has_val ? val : (struct sip_value_span){ name.p + name.n, 0 };
			return true;
		}
	}
	return false;
}

/* RFC 3261 §7.3.1: list elements are separated by commas outside quoted
 * strings.  The index of the next such comma from i, or n. */
size_t sip_value_list_next(const char *v, size_t n, size_t i)
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
		sip_value_skip_quoted(v, n, &i);
	}
	return n;
}

/* ---- header values ----------------------------------------------------- */

/* RFC 4028 §4:
 *   Session-Expires  = ("Session-Expires" / "x") HCOLON delta-seconds
 *                      *(SEMI se-params)
 *   se-params        = refresher-param / generic-param
 *   refresher-param  = "refresher" EQUAL ("uas" / "uac")
 * RFC 4028 §5:
 *   Min-SE = "Min-SE" HCOLON delta-seconds *(SEMI generic-param)
 * A number that is not 1*DIGIT up to 2^31-1 leaves seconds 0; any other error
 * keeps the seconds.  Both set malformed. */
static void sip_value_timer(const char *v, size_t n, bool se, struct timer_header *out)
{
	uint64_t secs;
	size_t i = sip_text_skip_lws(v, n, 0);
	size_t d = i;

	memset(out, 0, sizeof *out);
	out->present = true;
	while (d < n && !sip_text_is_lws(v[d]) && v[d] != ';')
		d++;
	if (parse_uint(v + i, d - i, SIP_VALUE_DELTA_MAX, &secs))
		out->seconds = (uint32_t)secs;
	else
		out->malformed = true;
	i = sip_text_skip_lws(v, n, d);
	while (i < n) {
		struct sip_value_span name, val = { NULL, 0 };
		bool has_val;

		if (v[i] != ';') {
			out->malformed = true;
			return;
		}
		i = sip_value_param(v, n, sip_text_skip_lws(v, n, i + 1), &name, &val, &has_val);
		if (i == 0) {
			out->malformed = true;
			return;
		}
		if (!se || !SIP_VALUE_EQ(name.p, name.n, "refresher"))
			continue;
		enum refresher r = REFRESHER_NONE;
		if (has_val && SIP_VALUE_EQ(val.p, val.n, "uac"))
			r = REFRESHER_UAC;
		else if (has_val && SIP_VALUE_EQ(val.p, val.n, "uas"))
			r = REFRESHER_UAS;
		if (r == REFRESHER_NONE || (out->refresher != REFRESHER_NONE && out->refresher != r))
			out->malformed = true;
		if (r != REFRESHER_NONE && out->refresher == REFRESHER_NONE)
			out->refresher = r;
	}
}

void sip_value_session_expires(const char *v, size_t n, struct timer_header *out)
{
	sip_value_timer(v, n, true, out);
}

void sip_value_min_se(const char *v, size_t n, struct timer_header *out)
{
	sip_value_timer(v, n, false, out);
}

/* RFC 3261 §20.37 / §20.32: Supported = ("Supported" / "k") HCOLON
 * [option-tag *(COMMA option-tag)]; Require = "Require" HCOLON option-tag
 * *(COMMA option-tag); option-tag = token. */
bool sip_value_has_option_tag(const char *v, size_t n, const char *tag)
{
	size_t i = 0;

	while (i < n) {
		const char *c = memchr(v + i, ',', n - i);
		size_t e = c ? (size_t)(c - v) : n;
		struct sip_value_span t = sip_value_trim(v + i, e - i);
		if (sip_text_eq_ci(t.p, t.n, tag, strlen(tag)))
			return true;
		i = e + 1;
	}
	return false;
}

/* RFC 3261 §20.33: Retry-After = "Retry-After" HCOLON delta-seconds
 * [ comment ] *( SEMI retry-param ) */
int sip_value_retry_after(const char *v, size_t n)
{
	uint64_t secs;
	size_t i = sip_text_skip_lws(v, n, 0);
	size_t d = i;

	while (d < n && sip_value_is_digit(v[d]))
		d++;
	if (d < n && !sip_text_is_lws(v[d]) && v[d] != '(' && v[d] != ';')
		return -1;
	if (!parse_uint(v + i, d - i, SIP_VALUE_DELTA_MAX, &secs))
		return -1;
	return (int)secs;
}

/* Whether n bytes at v contain word (ASCII case-insensitive). */
static bool sip_value_contains_ci(const char *v, size_t n, const char *word)
{
	size_t w = strlen(word);

	for (size_t i = 0; w <= n && i <= n - w; i++)
		if (sip_text_eq_ci(v + i, w, word, w))
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
bool sip_value_reason_timer(const char *v, size_t n)
{
	static const char *const texts[] = {"session timer", "session-timer", "session_timer",
					    "session expired", "session-expires", "timer expired"};
	struct sip_value_span t = sip_value_trim(v, n);

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (sip_value_contains_ci(t.p, t.n, texts[i]))
			return true;
	if (t.n >= 3 && sip_text_eq_ci(t.p, 3, "SIP", 3) &&
	    (t.n == 3 || sip_text_is_lws(t.p[3]) || t.p[3] == ';')) {
		/* cause = "cause" EQUAL 1*DIGIT; whitespace around '=' allowed */
		for (size_t i = 0; i + 5 <= t.n; i++) {
			if (!sip_text_eq_ci(t.p + i, 5, "cause", 5))
				continue;
			size_t j = sip_text_skip_lws(t.p, t.n, i + 5);
			if (j >= t.n || t.p[j] != '=')
				continue;
			j = sip_text_skip_lws(t.p, t.n, j + 1);
			if (j + 3 <= t.n && memcmp(t.p + j, "408", 3) == 0 &&
			    (j + 3 == t.n || !sip_value_is_digit(t.p[j + 3])))
				return true;
		}
	}
	return false;
}

/* Two Content-Length values that say the same: equal numbers ("10", "010"),
 * or, not numbers, the same bytes. */
bool sip_value_same_length(struct sip_value_span a, struct sip_value_span b)
{
	uint64_t x, y;

	a = sip_value_trim(a.p, a.n);
	b = sip_value_trim(b.p, b.n);
	if (parse_uint(a.p, a.n, UINT32_MAX, &x) && parse_uint(b.p, b.n, UINT32_MAX, &y))
		return x == y;
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

/* RFC 3261 §20.14: Content-Length = ( "Content-Length" / "l" ) HCOLON 1*DIGIT.
 * §18.3: over UDP, bytes beyond the body are discarded and a body cut short
 * is an error; padding (CR, LF, SP, TAB, NUL) after the body is common and
 * harmless, anything else there means sender and receiver disagree on where
 * the message ends. */
enum sip_clen sip_value_content_length_check(const char *cl, size_t n, bool conflict,
					     const char *body, size_t present)
{
	uint64_t v;
	size_t k = 0;

	if (cl == NULL)
		return SIP_CLEN_OK;
	struct sip_value_span t = sip_value_trim(cl, n);
	bool minus = t.n > 1 && t.p[0] == '-';
	while (minus + k < t.n && sip_value_is_digit(t.p[minus + k]))
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

size_t sip_value_body_len(size_t present, const char *cl, size_t n)
{
	uint64_t v;

	if (cl == NULL)
		return present;
	/* parse_uint's bound must stay >= 9 (smaller ones wrap): compare after. */
	if (!sip_text_content_length(cl, n, UINT32_MAX, &v) || v > present)
		return present;
	return (size_t)v;
}
