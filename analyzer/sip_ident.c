/* sip_ident: the headers that name a message's dialog and transaction and
 * its peer — From and To with their tags, Call-ID, CSeq, the first Via's
 * branch and the Via count, Contact (RFC 3261 §8.1.1, §12, §17, §20).
 *
 * Each function reads one header value (n bytes at v, folds included) and
 * copies what it finds into msg's strings (sip_msg_str); the parameters,
 * quoted strings and lists underneath are sip_value's. */
#include <string.h>

#include "analyzer/sip_ident.h"
#include "analyzer/sip_value.h"
#include "common/numparse.h"

/* RFC 3261 §25.1: (name-addr / addr-spec) *(SEMI param);
 * name-addr = [ display-name ] LAQUOT addr-spec RAQUOT.  In the addr-spec form
 * the URI ends at the first ';' (its parameters are header parameters, §20.10),
 * or at ',' where the header is a list (multi).  Leniently, an unclosed quote
 * is taken as a stray character.  Returns the URI span and, if wanted, the tag. */
static bool sip_ident_addr(struct sip_msg *msg, const char *v, size_t n, bool multi,
			   struct sip_value_span *uri, char **tag)
{
	size_t i = sip_text_skip_lws(v, n, 0);
	size_t params;
	bool quotes = true;

	for (size_t j = i; j < n; j++) {
		if (v[j] == '"' && quotes) {
			size_t q = j;
			if (!sip_value_skip_quoted(v, n, &q))
				quotes = false; /* unbalanced: look again from here */
			else
				j = q - 1; /* the loop steps past the quote */
		} else if (v[j] == '<') {
			const char *gt = memchr(v + j + 1, '>', n - j - 1);
			if (gt == NULL)
				return false;
			*uri = sip_value_trim(v + j + 1, (size_t)(gt - v) - j - 1);
			params = (size_t)(gt - v) + 1;
			goto found;
		} else if (multi && v[j] == ',') {
			break;
		}
	}
	params = i;
	while (params < n && v[params] != ';' && !(multi && v[params] == ','))
		params++;
	*uri = sip_value_trim(v + i, params - i);
found:
	if (uri->n == 0)
		return false;
	if (tag != NULL) {
		struct sip_value_span t;
		if (sip_value_find_param(v, n, params, "tag", &t))
			*tag = sip_msg_str(msg, t.p, t.n);
	}
	return true;
}

/* RFC 3261 §20.20 / §20.39: From / To = ( name-addr / addr-spec )
 * *( SEMI from-param ), from-param = tag-param / generic-param. */
void sip_ident_from_to(struct sip_msg *msg, const char *v, size_t n, char **uri_out,
		       char **tag_out)
{
	struct sip_value_span uri;

	if (sip_ident_addr(msg, v, n, false, &uri, tag_out))
		*uri_out = sip_msg_str(msg, uri.p, uri.n);
}

/* RFC 3261 §20.10: Contact = ("Contact" / "m") HCOLON
 * ( STAR / (contact-param *(COMMA contact-param))) */
void sip_ident_contact(struct sip_msg *msg, const char *v, size_t n)
{
	size_t i = 0;
	struct sip_value_span uri;

	/* Empty list elements name nothing; only those: no Contact (libosip2
	 * skips them too). */
	while (i < n && (v[i] == ',' || sip_text_is_lws(v[i])))
		i++;
	if (i == n)
		return;
	struct sip_value_span t = sip_value_trim(v + i, n - i);
	if (t.n == 1 && t.p[0] == '*')
		msg->contact = sip_msg_str(msg, "*", 1);
	else if (sip_ident_addr(msg, t.p, t.n, true, &uri, NULL))
		msg->contact = sip_msg_str(msg, uri.p, uri.n);
	else
		msg->contact = sip_msg_str(msg, "", 0); /* present but unreadable */
}

/* RFC 3261 §20.42: Via = ( "Via" / "v" ) HCOLON via-parm *(COMMA via-parm);
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params ).  Counts the
 * via-parms of this header; the first one of the first Via gives the branch. */
void sip_ident_via(struct sip_msg *msg, const char *v, size_t n)
{
	for (size_t i = 0; i <= n;) {
		size_t e = sip_value_list_next(v, n, i);
		struct sip_value_span el = sip_value_trim(v + i, e - i);
		if (el.n > 0) {
			if (msg->via_count == 0) {
				const char *semi = memchr(el.p, ';', el.n);
				struct sip_value_span b;
				if (semi != NULL &&
				    sip_value_find_param(el.p, el.n, (size_t)(semi - el.p), "branch", &b))
					msg->via_branch = sip_msg_str(msg, b.p, b.n);
			}
			msg->via_count++;
		}
		i = e + 1;
	}
}

/* RFC 3261 §20.16: CSeq = "CSeq" HCOLON 1*DIGIT LWS Method */
void sip_ident_cseq(struct sip_msg *msg, const char *v, size_t n)
{
	uint64_t num;
	size_t i = sip_text_skip_lws(v, n, 0);
	size_t d = i;

	while (d < n && !sip_text_is_lws(v[d]))
		d++;
	msg->cseq_valid = parse_uint(v + i, d - i, SIP_VALUE_DELTA_MAX, &num);
	msg->cseq = msg->cseq_valid ? (uint32_t)num : 0;
	i = sip_text_skip_lws(v, n, d);
	d = i;
	while (d < n && sip_text_is_token(v[d]))
		d++;
	if (sip_text_skip_lws(v, n, d) != n || d == i) {
		msg->cseq_valid = false; /* no token method, or more after it */
		msg->cseq = 0;
		return;
	}
	msg->cseq_method = sip_method_from_name(v + i, d - i);
	msg->cseq_method_name = sip_msg_str(msg, v + i, d - i);
}

/* RFC 3261 §20.8: Call-ID = ( "Call-ID" / "i" ) HCOLON callid;
 * callid = word [ "@" word ].  No whitespace belongs inside; whitespace around
 * the '@' is dropped, as libosip2 does, so both paths give the same key.
 * NULL when empty. */
char *sip_ident_call_id(struct sip_msg *msg, const char *v, size_t n)
{
	struct sip_value_span t = sip_value_trim(v, n);

	if (t.n == 0)
		return NULL;
	const char *at = memchr(t.p, '@', t.n);
	if (at == NULL)
		return sip_value_dup(msg, t.p, t.n);
	struct sip_value_span a = sip_value_trim(t.p, (size_t)(at - t.p));
	struct sip_value_span b = sip_value_trim(at + 1, t.n - (size_t)(at - t.p) - 1);
	/* a, '@' and b are parts of t, in that order: the copy fits */
	char *out = sip_msg_str(msg, a.p, a.n + 1 + b.n);
	if (out == NULL)
		return NULL;
	size_t n_out = strlen(out);
	if (n_out > a.n) {
		out[a.n] = '@';
		memmove(out + a.n + 1, b.p, n_out - a.n - 1);
	}
	sip_value_unfold(out, n_out);
	return out;
}
