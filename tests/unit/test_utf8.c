/* test_utf8: the one escape rule for wire text stored as text (common/utf8.h):
 * a table of inputs and outputs (overlongs, surrogates, past U+10FFFF, NUL,
 * cut sequences), and the properties the db's readers rely on: the output
 * is valid UTF-8 without NUL, escaping is idempotent, utf8_is_clean says
 * exactly when nothing changes, and the terminal sanitiser shows escaped
 * text as it shows the original bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "common/utf8.h"
#include "ui/sanitize.h"

struct utf8_case {
	const char *in;
	size_t n; /* 0 = strlen(in) */
	const char *out;
};

static const struct utf8_case cases[] = {
	{"", 0, ""},
	{"sip:alice@example.com", 0, "sip:alice@example.com"},
	{"Bj\xc3\xb6rk \xe6\x97\xa5 \xf0\x9f\x93\x9e", 0, "Bj\xc3\xb6rk \xe6\x97\xa5 \xf0\x9f\x93\x9e"},
	{"\xf4\x8f\xbf\xbf", 0, "\xf4\x8f\xbf\xbf"},              /* U+10FFFF kept */
	{"esc\x1b[2J tab\t del\x7f", 0, "esc\x1b[2J tab\t del\x7f"}, /* valid text: kept */
	{"\xc2\x9b" "31m", 0, "\xc2\x9b" "31m"},                   /* C1 as UTF-8: valid, kept */
	{"back\\slash \\x80", 0, "back\\slash \\x80"},            /* idempotent: kept */
	{"nul\0here", 8, "nul\\x00here"},
	{"\0", 1, "\\x00"},
	{"a\x80" "b", 0, "a\\x80b"},
	{"\xff\xfe", 0, "\\xff\\xfe"},
	{"\xc0\xaf", 0, "\\xc0\\xaf"},                             /* overlong '/' */
	{"\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf"},                    /* overlong 3-byte */
	{"\xf0\x80\x80\xaf", 0, "\\xf0\\x80\\x80\\xaf"},           /* overlong 4-byte */
	{"\xed\xa0\x80", 0, "\\xed\\xa0\\x80"},                    /* lone surrogate D800 */
	{"\xed\xbf\xbf", 0, "\\xed\\xbf\\xbf"},                    /* lone surrogate DFFF */
	{"\xed\xa0\xbd\xed\xb2\xa9", 0, "\\xed\\xa0\\xbd\\xed\\xb2\\xa9"}, /* CESU pair */
	{"\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"},           /* past U+10FFFF */
	{"\xe2\x82" "A", 0, "\\xe2\\x82" "A"},                     /* cut by ASCII */
	{"end\xf0\x9f\x98", 0, "end\\xf0\\x9f\\x98"},              /* cut by the end */
	{"\xe2" "\xe2\x82\xac", 0, "\\xe2\xe2\x82\xac"},           /* lone lead, then € */
};

static void test_table(void **state)
{
	(void)state;
	char out[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct utf8_case *c = &cases[i];
		size_t n = c->n ? c->n : strlen(c->in);
		size_t len = utf8_escape(c->in, n, out);
		if (len != strlen(c->out) || memcmp(out, c->out, len) != 0)
			fail_msg("case %zu: got \"%.*s\" (%zu), want \"%s\"", i, (int)len, out, len,
				 c->out);
		assert_int_equal(utf8_escape_len(c->in, n), len);
		assert_int_equal(utf8_is_clean(c->in, n), len == n && memcmp(out, c->in, n) == 0);
	}
}

/* Valid UTF-8 without NUL: what Python's sqlite3 and the CLI accept. */
static bool strict_utf8(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int r = utf8_decode(s + i, n - i, &cp);
		if (r < 0 || cp == 0)
			return false;
		i += (size_t)r;
	}
	return true;
}

/* A bad byte at every offset of a long ASCII run: the eight-byte fast path
 * must see it wherever it is, NUL included. */
static void test_fast_path_offsets(void **state)
{
	(void)state;
	char s[40];
	static const char bad[] = {'\0', '\x80', '\xff', '\xc3'};

	for (size_t b = 0; b < sizeof bad; b++) {
		for (size_t at = 0; at < sizeof s; at++) {
			memset(s, 'a', sizeof s);
			s[at] = bad[b];
			if (utf8_is_clean(s, sizeof s))
				fail_msg("byte %02x at %zu not seen", (unsigned char)bad[b], at);
		}
	}
	memset(s, 'a', sizeof s);
	assert_true(utf8_is_clean(s, sizeof s));
	assert_true(utf8_is_clean(s, 0));
	memcpy(s + 30, "\xe2\x82\xac", 3); /* a valid € after the fast path */
	assert_true(utf8_is_clean(s, sizeof s));
}

/* Every 1- and 2-byte input and pseudo-random longer ones. */
static void test_properties(void **state)
{
	(void)state;
	char in[12], out[48], again[200], t1[200], t2[800];
	uint32_t seed = 4028;

	for (int k = 0; k < 65536 + 300000; k++) {
		size_t n;
		if (k < 65536) {
			in[0] = (char)(k >> 8);
			in[1] = (char)k;
			n = 2;
		} else {
			n = 1 + (size_t)(k % 12);
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				/* mostly bytes that make (in)valid sequences */
				unsigned v = seed >> 16;
				in[i] = (char)(v & 1 ? 0x80 | (v >> 1) : v >> 9);
			}
		}
		size_t len = utf8_escape(in, n, out);
		if (!strict_utf8(out, len))
			fail_msg("input %d gave invalid UTF-8 or NUL", k);
		assert_int_equal(utf8_escape_len(in, n), len);
		assert_true(utf8_is_clean(out, len));
		assert_int_equal(utf8_escape(out, len, again), len); /* idempotent */
		assert_memory_equal(again, out, len);
		assert_int_equal(utf8_is_clean(in, n), len == n);
		/* the screen shows the stored text as it shows the wire bytes */
		size_t a = sanitize_text(in, n, t1, sizeof t1);
		size_t b = sanitize_text(out, len, t2, sizeof t2);
		if (a != b || memcmp(t1, t2, a) != 0)
			fail_msg("input %d: screen \"%s\" vs from the db \"%s\"", k, t1, t2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_fast_path_offsets),
		cmocka_unit_test(test_properties),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
