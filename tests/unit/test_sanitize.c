/* test_sanitize: wire text → terminal-safe text, as a table of inputs and
 * expected outputs, plus the properties every output must have (valid UTF-8,
 * no control byte, whole units only when truncated). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ui/sanitize.h"

#define FFFD "\xef\xbf\xbd"

struct sanitize_case {
	const char *in;
	size_t n; /* 0 = strlen(in) */
	const char *out;
};

static const struct sanitize_case cases[] = {
	/* kept as is */
	{"", 0, ""},
	{"sip:alice@example.com", 0, "sip:alice@example.com"},
	{"Bj\xc3\xb6rk <sip:bjork@is>", 0, "Bj\xc3\xb6rk <sip:bjork@is>"},
	{"\xe6\x97\xa5\xe6\x9c\xac", 0, "\xe6\x97\xa5\xe6\x9c\xac"},       /* 日本 */
	{"\xf0\x9f\x93\x9e call", 0, "\xf0\x9f\x93\x9e call"},             /* 📞 */
	{"\xef\xbf\xbd", 0, FFFD},                                            /* U+FFFD itself */
	{"\xf4\x8f\xbf\xbf", 0, "\xf4\x8f\xbf\xbf"},                         /* U+10FFFF */
	{"~ !\"#$%&'()*+,-./", 0, "~ !\"#$%&'()*+,-./"},
	/* C0 controls, DEL, ESC */
	{"\x1b[2J\x1b]0;pwned\x07", 0, "\\x1b[2J\\x1b]0;pwned\\x07"},
	{"a\tb\r\nc", 0, "a\\x09b\\x0d\\x0ac"},
	{"x\x7fy", 0, "x\\x7fy"},
	{"nul\0here", 8, "nul\\x00here"},
	{"\x01\x1f", 0, "\\x01\\x1f"},
	/* backslash kept: text read back from the db is already escaped
	 * (common/utf8.h), and sanitising it again changes nothing */
	{"C:\\x1b", 0, "C:\\x1b"},
	{"a\\x80b", 0, "a\\x80b"},
	/* C1 controls (8-bit CSI), bidi overrides, line separators */
	{"\xc2\x9b" "31m", 0, "\\u009b31m"},
	{"\xc2\x80\xc2\x9f\xc2\xa0", 0, "\\u0080\\u009f\xc2\xa0"},
	{"abc\xe2\x80\xae" "fdp.exe", 0, "abc\\u202efdp.exe"},
	{"\xe2\x81\xa6x\xe2\x81\xa9", 0, "\\u2066x\\u2069"},
	{"a\xe2\x80\xa8" "b\xe2\x80\xa9", 0, "a\\u2028b\\u2029"},
	/* invalid UTF-8: \xHH for each ill-formed byte, as in the db (common/utf8.h) */
	{"\xff", 0, "\\xff"},
	{"a\x80" "b", 0, "a\\x80b"},
	{"\xc0\xaf", 0, "\\xc0\\xaf"},                          /* overlong '/' */
	{"\xc1\xbf", 0, "\\xc1\\xbf"},
	{"\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf"},              /* overlong, E0 needs A0..BF */
	{"\xed\xa0\x80", 0, "\\xed\\xa0\\x80"},              /* surrogate D800 */
	{"\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"},  /* past U+10FFFF */
	{"\xf5\x80", 0, "\\xf5\\x80"},
	{"\xe2\x82" "A", 0, "\\xe2\\x82" "A"},                /* truncated 3-byte */
	{"\xf0\x9f\x93", 0, "\\xf0\\x9f\\x93"},              /* truncated 4-byte at the end */
	{"\xf0\x9f" "\x1b", 0, "\\xf0\\x9f\\x1b"},           /* cut by ESC: ESC still escaped */
	{"\xe2" "\xe2\x82\xac", 0, "\\xe2\xe2\x82\xac"},      /* lone lead then a good € */
	{"\xc3", 0, "\\xc3"},
	{"\xc3\xc3\xa9", 0, "\\xc3\xc3\xa9"},
};

static void test_table(void **state)
{
	(void)state;
	char out[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct sanitize_case *c = &cases[i];
		size_t n = c->n ? c->n : strlen(c->in);
		size_t len = sanitize_text(c->in, n, out, sizeof out);
		if (strcmp(out, c->out) != 0 || len != strlen(c->out))
			fail_msg("case %zu: got \"%s\" (%zu), want \"%s\" (%zu)", i, out, len, c->out,
				 strlen(c->out));
		assert_int_equal(sanitize_text_len(c->in, n), len);
	}
}

/* Truncation never splits a character or an escape, and always terminates. */
static void test_truncation(void **state)
{
	(void)state;
	char out[16];
	const char *in = "ab\x1b" "cd\xc3\xa9" "ef";

	assert_int_equal(sanitize_text(in, strlen(in), out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(sanitize_text(in, strlen(in), out, 3), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(sanitize_text(in, strlen(in), out, 6), 2); /* \x1b needs 4 + NUL */
	assert_string_equal(out, "ab");
	assert_int_equal(sanitize_text(in, strlen(in), out, 7), 6);
	assert_string_equal(out, "ab\\x1b");
	assert_int_equal(sanitize_text(in, strlen(in), out, 10), 8);
	assert_string_equal(out, "ab\\x1bcd"); /* é (2 bytes) does not fit in 1 */
	assert_int_equal(sanitize_text(in, strlen(in), out, 11), 10);
	assert_string_equal(out, "ab\\x1bcd\xc3\xa9");
	assert_int_equal(sanitize_text(in, strlen(in), out, 0), 0);
	assert_int_equal(sanitize_text(NULL, 0, out, sizeof out), 0);
	assert_string_equal(out, "");
}

static bool valid_utf8_no_controls(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int r = sanitize_utf8_decode(s + i, n - i, &cp);
		if (r < 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
			return false;
		i += (size_t)r;
	}
	return true;
}

/* Every 1- and 2-byte input, and pseudo-random longer ones: the output is
 * valid UTF-8 without a control character, and its length is predicted. */
static void test_exhaustive_properties(void **state)
{
	(void)state;
	char in[8], out[128];
	uint32_t seed = 12345;

	for (int a = 0; a < 256; a++) {
		for (int b = 0; b < 256; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			size_t len = sanitize_text(in, 2, out, sizeof out);
			assert_int_equal(len, strlen(out));
			if (!valid_utf8_no_controls(out, len))
				fail_msg("input %02x %02x gave invalid output", a, b);
			assert_int_equal(sanitize_text_len(in, 2), len);
		}
	}
	for (int k = 0; k < 200000; k++) {
		for (int i = 0; i < 8; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (char)(seed >> 16);
		}
		size_t len = sanitize_text(in, 8, out, sizeof out);
		if (!valid_utf8_no_controls(out, len) || strlen(out) != len)
			fail_msg("random input %d gave invalid output", k);
	}
}

static void test_decode(void **state)
{
	(void)state;
	uint32_t cp;

	assert_int_equal(sanitize_utf8_decode("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(sanitize_utf8_decode("\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(sanitize_utf8_decode("\xe2\x82\xac", 3, &cp), 3);
	assert_int_equal(cp, 0x20ac);
	assert_int_equal(sanitize_utf8_decode("\xf0\x9f\x93\x9e", 4, &cp), 4);
	assert_int_equal(cp, 0x1f4de);
	assert_int_equal(sanitize_utf8_decode("\xe2\x82\xac", 2, &cp), -2); /* cut short */
	assert_int_equal(cp, 0xfffd);
	assert_int_equal(sanitize_utf8_decode("\xed\xbf\xbf", 3, &cp), -1);
	assert_int_equal(sanitize_utf8_decode("\x80", 1, &cp), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_exhaustive_properties),
		cmocka_unit_test(test_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
