/* test_report_json_escape: the JSON string and time writers (report and
 * --events lines) against the per-character implementation they replaced.
 *
 * The writers copy runs of plain ASCII in one go and decode UTF-8 only above
 * 0x7f; every boundary of that fast path (a run ending in a multi-byte
 * character, a control character, a C1 control, a bidi override, invalid
 * UTF-8, a run longer than the internal buffer) must give the same bytes as
 * the old code: decode every character, escape quote, backslash, C0, DEL, C1,
 * U+2028/2029 and the bidi overrides as \u00XX / \uXXXX; NUL and each
 * invalid UTF-8 byte as the text \xHH (JSON "\\xHH"), the db's rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/report.h"
#include "ui/sanitize.h"

/* The writers before the fast path, verbatim but for the names. */
static bool ref_escaped_cp(uint32_t cp)
{
	return cp < 0x20 || cp == '"' || cp == '\\' || (cp >= 0x7f && cp <= 0x9f) ||
	       cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static void ref_string(FILE *out, const char *s, size_t n)
{
	size_t run = 0;

	if (!s) {
		fputs("null", out);
		return;
	}
	putc('"', out);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int r = sanitize_utf8_decode(s + i, n - i, &cp);
		size_t used = r < 0 ? 1 : (size_t)r;
		if (r > 0 && cp != 0 && !ref_escaped_cp(cp)) {
			run += used;
			i += used;
			continue;
		}
		fwrite(s + i - run, 1, run, out);
		run = 0;
		if (r < 0 || cp == 0) /* the db's \xHH (common/utf8.h), JSON-escaped */
			fprintf(out, "\\\\x%02x", (unsigned char)s[i]);
		else if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else
			fprintf(out, "\\u%04" PRIx32, cp);
		i += used;
	}
	fwrite(s + n - run, 1, run, out);
	putc('"', out);
}

static void ref_ts(FILE *out, int64_t us)
{
	if (us == TS_NONE) {
		fputs("null", out);
		return;
	}
	int64_t sec = us / USEC_PER_SEC, frac = us % USEC_PER_SEC;
	if (frac < 0) {
		frac += USEC_PER_SEC;
		sec -= 1;
	}
	fprintf(out, "%" PRId64 ".%06" PRId64, sec, frac);
}

/* The text f printed into a memory stream (caller frees). */
struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
}

static void mem_close(struct mem *m)
{
	assert_int_equal(fclose(m->f), 0);
}

static void check_string(const char *s, size_t n)
{
	struct mem want, got;

	mem_open(&want);
	mem_open(&got);
	ref_string(want.f, s, n);
	report_json_string(got.f, s, n);
	mem_close(&want);
	mem_close(&got);
	if (want.len != got.len || memcmp(want.buf, got.buf, want.len) != 0)
		fail_msg("input of %zu bytes: want \"%.*s\" (%zu), got \"%.*s\" (%zu)", n,
			 (int)(want.len > 300 ? 300 : want.len), want.buf, want.len,
			 (int)(got.len > 300 ? 300 : got.len), got.buf, got.len);
	free(want.buf);
	free(got.buf);
}

/* s as written, and the same bytes compared with the old writer. */
static void expect(const char *s, size_t n, const char *json)
{
	struct mem got;

	mem_open(&got);
	report_json_string(got.f, s, n);
	mem_close(&got);
	if (got.len != strlen(json) || memcmp(got.buf, json, got.len) != 0)
		fail_msg("want %s, got %.*s", json, (int)got.len, got.buf);
	free(got.buf);
	check_string(s, n);
}

#define EXPECT(lit, json) expect(lit, sizeof lit - 1, json)

static void test_escape_boundaries(void **state)
{
	(void)state;

	EXPECT("", "\"\"");
	EXPECT("plain ascii ~!#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}", "\"plain ascii ~!#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}\"");
	/* an ASCII run, then multi-byte UTF-8 (2, 3, 4 bytes), then ASCII again */
	EXPECT("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	EXPECT("abc\xc3\xa9" "def\xe2\x82\xac" "ghi\xf0\x9f\x98\x80" "jkl",
	       "\"abc\xc3\xa9" "def\xe2\x82\xac" "ghi\xf0\x9f\x98\x80" "jkl\"");
	EXPECT("\xc3\xa9\xc3\xa9", "\"\xc3\xa9\xc3\xa9\"");
	/* quote, backslash, C0 controls, DEL: at the start, middle and end of runs */
	EXPECT("\"", "\"\\\"\"");
	EXPECT("a\\b", "\"a\\\\b\"");
	EXPECT("\x01" "a\x1f" "b\x7f", "\"\\u0001a\\u001fb\\u007f\"");
	EXPECT("line\r\nnext\ttab\x1b[2J", "\"line\\u000d\\u000anext\\u0009tab\\u001b[2J\"");
	EXPECT("nul\0inside", "\"nul\\\\x00inside\""); /* NUL as the db holds it */
	EXPECT(" \x20\x7e", "\"  ~\"");
	/* C1 controls escaped, U+00A0 just past them kept */
	EXPECT("a\xc2\x80" "b\xc2\x9b" "c\xc2\x9f" "d\xc2\xa0", "\"a\\u0080b\\u009bc\\u009fd\xc2\xa0\"");
	/* U+2028/2029 and the bidi overrides escaped, their neighbours kept */
	EXPECT("\xe2\x80\xa7\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaa\xe2\x80\xae\xe2\x80\xaf",
	       "\"\xe2\x80\xa7\\u2028\\u2029\\u202a\\u202e\xe2\x80\xaf\"");
	EXPECT("x\xe2\x81\xa5\xe2\x81\xa6\xe2\x81\xa9\xe2\x81\xaay",
	       "\"x\xe2\x81\xa5\\u2066\\u2069\xe2\x81\xaay\"");
	/* invalid UTF-8: lone continuation, C0/C1 and F5+ leads, overlong, surrogate,
	 * a sequence cut by the next ASCII byte or by the end of the string */
	EXPECT("a\x80" "b", "\"a\\\\x80b\"");
	EXPECT("\xc0\xaf\xc1\xbf\xf5\xff", "\"\\\\xc0\\\\xaf\\\\xc1\\\\xbf\\\\xf5\\\\xff\"");
	EXPECT("\xe0\x80\xaf", "\"\\\\xe0\\\\x80\\\\xaf\"");
	EXPECT("\xed\xa0\x80z", "\"\\\\xed\\\\xa0\\\\x80z\"");
	EXPECT("ok\xe2\x82X", "\"ok\\\\xe2\\\\x82X\"");
	EXPECT("end\xf0\x9f\x98", "\"end\\\\xf0\\\\x9f\\\\x98\"");
	EXPECT("end\xc3", "\"end\\\\xc3\"");
	EXPECT("\xf4\x90\x80\x80", "\"\\\\xf4\\\\x90\\\\x80\\\\x80\"");

	struct mem got;
	mem_open(&got);
	report_json_string(got.f, NULL, 0);
	report_json_cstr(got.f, NULL);
	report_json_cstr(got.f, "c\"str");
	mem_close(&got);
	assert_int_equal(got.len, strlen("nullnull\"c\\\"str\""));
	assert_memory_equal(got.buf, "nullnull\"c\\\"str\"", got.len);
	free(got.buf);
}

/* Strings longer than the writer's buffer, plain and with escapes at the edges. */
static void test_escape_long(void **state)
{
	(void)state;
	enum { LEN = 40000 };
	char *s = malloc(LEN);
	assert_non_null(s);

	memset(s, 'a', LEN);
	for (size_t n = 8180; n < 8200; n++)
		check_string(s, n);
	check_string(s, LEN);
	for (size_t i = 0; i < LEN; i += 997)
		s[i] = (char)(i % 3 == 0 ? '\n' : i % 3 == 1 ? '"' : '\xff');
	for (size_t n = 8180; n < 8200; n++)
		check_string(s, n);
	check_string(s, LEN);
	for (size_t i = 0; i + 3 <= LEN; i += 3)
		memcpy(s + i, "\xe2\x80\xae", 3); /* every character escaped: 6 bytes out per 3 in */
	check_string(s, LEN - LEN % 3);
	free(s);
}

/* Every one- and two-byte input, and random strings over an alphabet of the
 * bytes that matter, against the old writer. */
static void test_escape_exhaustive(void **state)
{
	(void)state;
	static const unsigned char alphabet[] = {
		'a', 'Z', ' ', '~', '"', '\\', 0x00, 0x09, 0x0a, 0x1f, 0x7f, 0x80, 0x81, 0x9b,
		0x9f, 0xa0, 0xa8, 0xa9, 0xaa, 0xae, 0xaf, 0xbf, 0xc0, 0xc2, 0xc3, 0xdf, 0xe0,
		0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x81, 0xa6,
	};
	char s[48];
	uint32_t seed = 12345;

	for (unsigned a = 0; a < 256; a++) {
		s[0] = (char)a;
		check_string(s, 1);
		for (unsigned b = 0; b < 256; b++) {
			s[1] = (char)b;
			check_string(s, 2);
		}
	}
	for (int k = 0; k < 20000; k++) {
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 16) % sizeof s;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			s[i] = (char)alphabet[(seed >> 16) % sizeof alphabet];
		}
		check_string(s, n);
	}
}

static void test_ts(void **state)
{
	(void)state;
	static const int64_t ts[] = {
		TS_NONE, 0, 1, 999999, 1000000, 1000001, -1, -999999, -1000000, -1000001,
		1700000000123456LL, 1700000040000005LL, 1700000063000000LL, INT64_MAX,
		INT64_MIN + 1, INT64_MAX - 999999, -1700000000123456LL,
	};
	struct mem want, got;

	mem_open(&want);
	mem_open(&got);
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		ref_ts(want.f, ts[i]);
		report_json_ts(got.f, ts[i]);
		putc(' ', want.f);
		putc(' ', got.f);
	}
	mem_close(&want);
	mem_close(&got);
	assert_string_equal(got.buf, want.buf);
	assert_non_null(strstr(got.buf, "null 0.000000 0.000001 0.999999 1.000000 1.000001 "
					"-1.999999 -1.000001 -1.000000 -2.999999 "
					"1700000000.123456 "));
	assert_non_null(strstr(got.buf, " 9223372036854.775807 -9223372036855.224193 "));
	free(want.buf);
	free(got.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_boundaries),
		cmocka_unit_test(test_escape_long),
		cmocka_unit_test(test_escape_exhaustive),
		cmocka_unit_test(test_ts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
