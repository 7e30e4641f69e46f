/* test_rfc4475: the 49 RFC 4475 torture messages through sip_parse (the scanner)
 * and sip_parse_strict (libosip2).
 *
 * Each message is read from tests/data/rfc4475 (relative to the repo root, where
 * tests run) into a heap buffer of exactly its length, so ASan catches any read
 * past it.  The §3.1.1 messages must parse with the right Call-ID and CSeq; the
 * others may be rejected or taken leniently, but never crash or overread.  Where
 * libosip2 accepts a message (sip_parse_strict), its reading must be the
 * scanner's, field by field.  Every prefix of every message is parsed as well
 * (a truncated capture). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/sip_parse.h"
#include "analyzer/sip_scan.h"
#include "tests/support/sip_msg_assert.h"

#define RFC4475_DIR "tests/data/rfc4475"

enum rfc4475_section {
	RFC4475_VALID,   /* §3.1.1: must parse */
	RFC4475_INVALID, /* §3.1.2: reject or lenient, without harm */
	RFC4475_OTHER,   /* §3.2-3.4: syntactically fine, judged above the parser */
};

struct rfc4475_case {
	const char *name;
	enum rfc4475_section section;
	const char *call_id; /* §3.1.1 only */
	uint32_t cseq;
	const char *cseq_method;
	bool osip_ok; /* libosip2 itself accepts it (else the lenient scan does) */
};

static const struct rfc4475_case rfc4475_cases[] = {
	/* §3.1.1 valid messages */
	{ "wsinv", RFC4475_VALID, "wsinv.ndaksdj@192.0.2.1", 9, "INVITE", true },
	/* Its To display name holds a NUL (quoted-pair "\<NUL>"); libosip2 works
	 * on C strings and rejects it, the lenient scan recovers it. */
	{ "intmeth", RFC4475_VALID, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", 139122385,
	  "!interesting-Method0123456789_*+`.%indeed'~", false },
	{ "esc01", RFC4475_VALID, "esc01.239409asdfakjkn23onasd0-3234", 234234, "INVITE", true },
	{ "escnull", RFC4475_VALID, "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd", 14398234, "REGISTER",
	  true },
	{ "esc02", RFC4475_VALID, "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf", 29344, "RE%47IST%45R",
	  true },
	{ "lwsdisp", RFC4475_VALID, "lwsdisp.1234abcd@funky.example.com", 60, "OPTIONS", true },
	{ "longreq", RFC4475_VALID,
	  "longreq.onereallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreally"
	  "reallyreallyreallyreallyreallyreallyreallylongcallid",
	  3882340, "INVITE", true },
	{ "dblreq", RFC4475_VALID, "dblreq.0ha0isndaksdj99sdfafnl3lk233412", 8, "REGISTER", true },
	{ "semiuri", RFC4475_VALID, "semiuri.0ha0isndaksdj", 8, "OPTIONS", true },
	{ "transports", RFC4475_VALID, "transports.kijh4akdnaqjkwendsasfdj", 60, "OPTIONS", true },
	{ "mpart01", RFC4475_VALID, "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..", 1, "MESSAGE", true },
	{ "unreason", RFC4475_VALID, "unreason.1234ksdfak3j2erwedfsASdf", 35, "INVITE", true },
	{ "noreason", RFC4475_VALID, "noreason.asndj203insdf99223ndf", 35, "INVITE", true },
	/* §3.1.2 invalid messages */
	{ "badinv01", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "clerr", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "ncl", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "scalar02", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "scalarlg", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "quotbal", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "ltgtruri", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "lwsruri", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "lwsstart", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "trws", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "escruri", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "baddate", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "regbadct", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "badaspec", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "baddn", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "badvers", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "mismatch01", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "mismatch02", RFC4475_INVALID, NULL, 0, NULL, false },
	{ "bigcode", RFC4475_INVALID, NULL, 0, NULL, false },
	/* §3.2 transaction layer, §3.3 application layer, §3.4 compatibility */
	{ "badbranch", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "insuf", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "unkscm", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "novelsc", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "unksm2", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "bext01", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "invut", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "regaut01", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "multi01", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "mcl01", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "bcast", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "zeromf", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "cparam01", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "cparam02", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "regescrt", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "sdp01", RFC4475_OTHER, NULL, 0, NULL, false },
	{ "inv2543", RFC4475_OTHER, NULL, 0, NULL, false },
};

#define RFC4475_NCASES (sizeof rfc4475_cases / sizeof rfc4475_cases[0])

/* The whole file in a heap buffer of exactly its size (1 byte for empty). */
static uint8_t *rfc4475_load(const char *name, size_t *len)
{
	char path[256];
	uint8_t tmp[16384];

	snprintf(path, sizeof path, "%s/%s.dat", RFC4475_DIR, name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (tests run from the repo root)", path);
	size_t n = fread(tmp, 1, sizeof tmp, f);
	assert_int_equal(ferror(f), 0);
	assert_true(feof(f));
	fclose(f);
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	memcpy(b, tmp, n);
	*len = n;
	return b;
}

/* What any accepted message must satisfy, whichever path filled it. */
static void rfc4475_check_sane(const struct sip_msg *m, size_t len)
{
	assert_true(m->has_call_id);
	assert_non_null(m->call_id);
	assert_true(m->call_id[0] != '\0');
	assert_true(m->header_len <= len);
	assert_true(m->header_len + m->body_len <= len);
	if (m->is_request) {
		assert_non_null(m->method_name);
		assert_non_null(m->request_uri);
	} else {
		assert_in_range(m->status, 100, 699);
	}
	assert_true(m->via_count > 0 || !m->has_via);
}

/* Every prefix, both entry points, each from an exact-length heap copy. */
static void rfc4475_truncations(const uint8_t *data, size_t len)
{
	for (size_t n = 0; n < len; n++) {
		uint8_t *b = malloc(n ? n : 1);
		struct sip_msg m;

		assert_non_null(b);
		memcpy(b, data, n);
		if (sip_parse(b, n, &m))
			rfc4475_check_sane(&m, n);
		sip_msg_clear(&m);
		if (sip_scan(b, n, &m))
			rfc4475_check_sane(&m, n);
		sip_msg_clear(&m);
		if (sip_parse_strict(b, n, &m))
			rfc4475_check_sane(&m, n);
		sip_msg_clear(&m);
		free(b);
	}
}

static void rfc4475_check_valid(const struct rfc4475_case *c, const struct sip_msg *m,
				bool strict_ok)
{
	assert_string_equal(m->call_id, c->call_id);
	assert_true(m->cseq_valid);
	assert_int_equal(m->cseq, c->cseq);
	assert_string_equal(m->cseq_method_name, c->cseq_method);
	assert_int_equal(strict_ok, c->osip_ok);
	assert_true(m->has_via && m->has_from && m->has_to && m->has_cseq);
}

/* Verdicts on particular invalid messages that matter to sipwatch. */
static void rfc4475_check_particular(const struct rfc4475_case *c, bool ok, const struct sip_msg *m,
				     size_t len, bool strict_ok)
{
	if (strcmp(c->name, "bigcode") == 0) {
		assert_false(ok); /* status 4294967301: libosip2 wraps it to 5 */
	} else if (strcmp(c->name, "insuf") == 0) {
		assert_false(ok); /* no Call-ID at all */
	} else if (strcmp(c->name, "scalar02") == 0 || strcmp(c->name, "scalarlg") == 0) {
		assert_true(ok);
		assert_true(m->has_cseq);
		assert_false(m->cseq_valid); /* CSeq beyond 2^31-1 */
	} else if (strcmp(c->name, "ncl") == 0) {
		assert_true(ok); /* Content-Length -999: the body is what is there */
		assert_int_equal(m->header_len + m->body_len, len);
	} else if (strcmp(c->name, "mismatch01") == 0) {
		assert_true(ok);
		assert_int_equal(m->method, SIP_OPTIONS);
		assert_int_equal(m->cseq_method, SIP_INVITE);
	} else if (strcmp(c->name, "baddn") == 0) {
		assert_true(ok); /* unquoted display name with a comma */
		assert_false(strict_ok);
		assert_string_equal(m->from_uri, "sip:a.g.bell@example.com");
		assert_string_equal(m->from_tag, "43");
	} else if (strcmp(c->name, "esc01") == 0) {
		assert_true(ok); /* URIs as sent, escapes and all */
		assert_string_equal(m->request_uri, "sip:sips%3Auser%40example.com@example.net");
		assert_string_equal(m->to_uri, "sip:%75se%72@example.com");
		assert_string_equal(m->from_uri, "sip:I%20have%20spaces@example.net");
		assert_string_equal(m->contact,
				    "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
	} else if (strcmp(c->name, "escnull") == 0) {
		assert_true(ok); /* an escaped NUL is three characters, not an end */
		assert_string_equal(m->to_uri, "sip:null-%00-null@example.com");
		assert_string_equal(m->from_uri, "sip:null-%00-null@example.com");
		assert_string_equal(m->from_tag, "839923423");
		assert_string_equal(m->contact, "sip:%00@host5.example.com");
	} else if (strcmp(c->name, "dblreq") == 0) {
		assert_true(m->header_len + m->body_len < len); /* a second request follows */
	}
}

static void rfc4475_test(void **state)
{
	const struct rfc4475_case *c = *state;
	struct sip_msg m, s;
	size_t len;
	uint8_t *data = rfc4475_load(c->name, &len);

	bool ok = sip_parse(data, len, &m);
	bool strict_ok = sip_parse_strict_accepts(data, len);
	if (ok)
		rfc4475_check_sane(&m, len);
	if (c->section == RFC4475_VALID) {
		assert_true(ok);
		rfc4475_check_valid(c, &m, strict_ok);
	}
	rfc4475_check_particular(c, ok, &m, len, strict_ok);

	/* Where libosip2 accepts, its reading and sip_parse's are the same. */
	bool sok = sip_parse_strict(data, len, &s);
	assert_int_equal(sok, strict_ok);
	if (sok) {
		rfc4475_check_sane(&s, len);
		assert_true(ok);
		/* libosip2 re-prints URIs with their %-escapes decoded, and stops at
		 * a decoded %00; sip_parse keeps the text as sent (checked above). */
		bool escaped = strcmp(c->name, "esc01") == 0 || strcmp(c->name, "escnull") == 0;
		sip_msg_assert_same(&s, &m, !escaped);
	}
	sip_msg_clear(&m);
	sip_msg_clear(&s);

	rfc4475_truncations(data, len);
	free(data);
}

int main(void)
{
	struct CMUnitTest tests[RFC4475_NCASES];
	static char names[RFC4475_NCASES][32];

	sip_parse_init();
	for (size_t i = 0; i < RFC4475_NCASES; i++) {
		snprintf(names[i], sizeof names[i], "rfc4475_%s", rfc4475_cases[i].name);
		tests[i] = (struct CMUnitTest){ .name = names[i],
						.test_func = rfc4475_test,
						.initial_state = (void *)&rfc4475_cases[i] };
	}
	return _cmocka_run_group_tests("rfc4475", tests, RFC4475_NCASES, NULL, NULL);
}
