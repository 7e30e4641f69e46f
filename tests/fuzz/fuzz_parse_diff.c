/* fuzz_parse_diff: differential libFuzzer target — sip_parse_strict (libosip2
 * judges, then converts) against sip_parse (the project's own lenient scanner,
 * what the analyzer reads every message with) on the same bytes.  Whenever
 * libosip2 accepts a message, the two must agree on what the analyzer
 * correlates and blames on: Call-ID, CSeq number and method, request/response
 * and status code, Session-Expires (presence, malformed, seconds, refresher)
 * and Contact presence; sip_parse_strict_accepts must give sip_parse_strict's
 * verdict.  A disagreement means a message would be read differently by a
 * strict parser: abort so libFuzzer keeps the input.  (Tags, branches, URIs,
 * Via count and body length differ on ungrammatical input, where libosip2
 * takes non-token bytes in, skips bad parameters and re-prints URIs;
 * test_rfc4475 and test_sip_parse hold them equal on real messages.)  Input:
 * the SIP text itself. */
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
		fuzz_diff_num("status", p.status, s.status);
		fuzz_diff_str("Call-ID", p.call_id, s.call_id);
		fuzz_diff_num("CSeq valid", p.cseq_valid, s.cseq_valid);
		if (p.cseq_valid) {
			fuzz_diff_num("CSeq number", p.cseq, s.cseq);
			fuzz_diff_num("CSeq method", p.cseq_method, s.cseq_method);
		}
		fuzz_diff_timer(&p.session_expires, &s.session_expires);
		fuzz_diff_num("Contact present", p.contact != NULL, s.contact != NULL);
	}
	sip_msg_clear(&p);
	sip_msg_clear(&s);
	return 0;
}
