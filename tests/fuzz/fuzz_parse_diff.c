/* fuzz_parse_diff: differential libFuzzer target — sip_parse_strict (libosip2
 * judges, then converts) against sip_parse (the project's own lenient scanner,
 * what the analyzer reads every message with) on the same bytes.  Whenever
 * libosip2 accepts a message, the two must agree on every field the analyzer
 * correlates, stores and blames on: start line, Call-ID, tags, CSeq, Via
 * count and top branch, Contact, User-Agent/Server, Session-Expires, Min-SE,
 * Supported/Require timer, Retry-After, the mandatory-header flags, header and
 * body lengths; the tags where libosip2's is a token, and the URIs where the
 * scanner read a plain one (libosip2 re-prints a URI: escapes decoded, stray
 * characters taken in).  A disagreement means the
 * analyzer's reading differs from a strict parser's: abort so libFuzzer keeps
 * the input.  Input: the SIP text itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/sip_parse.h"
#include "analyzer/sip_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_diff_fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_parse_diff: %s differs: sip_parse [%s] sip_scan [%s]\n", what,
		a ? a : "(null)", b ? b : "(null)");
	abort();
}

static void fuzz_diff_str(const char *what, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		fuzz_diff_fail(what, a, b);
}

static void fuzz_diff_num(const char *what, long long a, long long b)
{
	char x[32], y[32];

	if (a == b)
		return;
	snprintf(x, sizeof x, "%lld", a);
	snprintf(y, sizeof y, "%lld", b);
	fuzz_diff_fail(what, x, y);
}

static void fuzz_diff_timer(const struct timer_header *a, const struct timer_header *b)
{
	fuzz_diff_num("Session-Expires present", a->present, b->present);
	if (!a->present)
		return;
	fuzz_diff_num("Session-Expires malformed", a->malformed, b->malformed);
	if (a->malformed)
		return;
	fuzz_diff_num("Session-Expires seconds", a->seconds, b->seconds);
	fuzz_diff_num("Session-Expires refresher", a->refresher, b->refresher);
}

/* RFC 3986 characters of a URI as written, without '%' escapes. */
static int fuzz_diff_plain_uri(const char *u)
{
	static const char extra[] = "-_.!~*'();/?:@&=+$,[]";

	if (u == NULL || *u == '\0')
		return 0;
	for (; *u; u++)
		if (!((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') || (*u >= '0' && *u <= '9') ||
		      strchr(extra, *u) != NULL))
			return 0;
	return 1;
}

/* URIs are compared where the scanner found a plain one: libosip2 re-prints
 * what it parsed (escapes decoded, stray '<' taken in), sip_parse keeps the
 * text as sent, or nothing when it is no URI. */
static void fuzz_diff_uri(const char *what, const char *a, const char *b)
{
	if (fuzz_diff_plain_uri(b))
		fuzz_diff_str(what, a, b);
}

/* Tags are compared where libosip2's is a token (RFC 3261 §25.1: tag-param =
 * "tag" EQUAL token): it takes any bytes up to ';', the scanner a token. */
static void fuzz_diff_tag(const char *what, const char *a, const char *b)
{
	if (a == NULL || sip_scan_is_token_text(a, strlen(a)))
		fuzz_diff_str(what, a, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised;
	struct sip_msg p, s;

	if (!initialised) {
		sip_parse_init();
		initialised = 1;
	}
	bool pok = sip_parse_strict(data, size, &p);
	bool sok = sip_parse(data, size, &s);
	if (pok != sip_parse_strict_accepts(data, size))
		fuzz_diff_fail("strict verdict", "sip_parse_strict", "sip_parse_strict_accepts");
	if (pok) {
		/* libosip2 accepted it and found a Call-ID: the scan must see one too. */
		fuzz_diff_num("recognised", pok, sok);
		fuzz_diff_num("is_request", p.is_request, s.is_request);
		fuzz_diff_num("method", p.method, s.method);
		fuzz_diff_str("method name", p.method_name, s.method_name);
		fuzz_diff_num("status", p.status, s.status);
		fuzz_diff_uri("Request-URI", p.request_uri, s.request_uri);
		fuzz_diff_str("Call-ID", p.call_id, s.call_id);
		fuzz_diff_uri("From URI", p.from_uri, s.from_uri);
		fuzz_diff_tag("From tag", p.from_tag, s.from_tag);
		fuzz_diff_uri("To URI", p.to_uri, s.to_uri);
		fuzz_diff_tag("To tag", p.to_tag, s.to_tag);
		fuzz_diff_num("CSeq valid", p.cseq_valid, s.cseq_valid);
		if (p.cseq_valid) {
			fuzz_diff_num("CSeq number", p.cseq, s.cseq);
			fuzz_diff_num("CSeq method", p.cseq_method, s.cseq_method);
			fuzz_diff_str("CSeq method name", p.cseq_method_name, s.cseq_method_name);
		}
		fuzz_diff_num("Via count", p.via_count, s.via_count);
		fuzz_diff_str("Via branch", p.via_branch, s.via_branch);
		fuzz_diff_timer(&p.session_expires, &s.session_expires);
		fuzz_diff_num("Min-SE present", p.min_se.present, s.min_se.present);
		fuzz_diff_num("Min-SE seconds", p.min_se.seconds, s.min_se.seconds);
		fuzz_diff_num("Contact present", p.contact != NULL, s.contact != NULL);
		fuzz_diff_uri("Contact", p.contact, s.contact);
		fuzz_diff_str("User-Agent", p.user_agent, s.user_agent);
		fuzz_diff_str("Server", p.server, s.server);
		fuzz_diff_num("Supported timer", p.supported_timer, s.supported_timer);
		fuzz_diff_num("Require timer", p.require_timer, s.require_timer);
		fuzz_diff_num("Retry-After", p.retry_after, s.retry_after);
		fuzz_diff_num("has Via", p.has_via, s.has_via);
		fuzz_diff_num("has From", p.has_from, s.has_from);
		fuzz_diff_num("has To", p.has_to, s.has_to);
		fuzz_diff_num("has CSeq", p.has_cseq, s.has_cseq);
		fuzz_diff_num("header length", (long long)p.header_len, (long long)s.header_len);
		fuzz_diff_num("body length", (long long)p.body_len, (long long)s.body_len);
	}
	sip_msg_clear(&p);
	sip_msg_clear(&s);
	return 0;
}
