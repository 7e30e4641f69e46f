/* test_dialog_row: countdowns, cell fitting and row formatting as pure functions;
 * hostile wire strings come out sanitised and exactly their column width. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui/dialog_row.h"

#define SEC USEC_PER_SEC
#define T0 (1700000000LL * SEC)

static void check_countdown(int64_t us, const char *want)
{
	char buf[TIME_TEXT_DURATION_MAX];

	time_text_countdown(us, buf, sizeof buf);
	if (strcmp(buf, want) != 0)
		print_error("countdown(%lld us) = \"%s\", want \"%s\"\n", (long long)us, buf, want);
	assert_string_equal(buf, want);
}

static void test_countdown(void **state)
{
	(void)state;
	check_countdown(0, "0s");
	check_countdown(42 * SEC + 999999, "42s");
	check_countdown(59 * SEC, "59s");
	check_countdown(60 * SEC, "1m00s");
	check_countdown((14 * 60 + 12) * SEC, "14m12s");
	check_countdown(3599 * SEC, "59m59s");
	check_countdown(3600 * SEC, "1h00m");
	check_countdown((3600 + 2 * 60 + 59) * SEC, "1h02m");
	check_countdown(99 * 3600 * SEC, "99h00m");
	check_countdown((5 * 86400 + 3 * 3600) * SEC, "5d03h");
	check_countdown(-3 * SEC, "-3s");
	check_countdown(-1, "-1s"); /* just passed: never "0s" */
	check_countdown(-2 * SEC - 500000, "-3s");
	check_countdown(-(65 * SEC), "-1m05s");
	check_countdown(-(2 * 3600 * SEC), "-2h00m");
	check_countdown(INT64_MIN + 1, "-106751991d04h");
}

static void test_fit_pads_and_cuts(void **state)
{
	char out[CELL_TEXT_FIT_CAP(16)];

	(void)state;
	cell_text_fit("abc", 3, 6, true, out, sizeof out);
	assert_string_equal(out, "abc   ");
	cell_text_fit("abcdefgh", 8, 6, true, out, sizeof out);
	assert_string_equal(out, "abcde\xe2\x80\xa6");
	cell_text_fit("abcdef", 6, 6, true, out, sizeof out);
	assert_string_equal(out, "abcdef");
	/* a double-width glyph never straddles the edge */
	cell_text_fit("ab\xe6\x97\xa5\xe6\x9c\xac", 8, 4, true, out, sizeof out);
	assert_int_equal(cell_text_width(out, strlen(out)), 4);
	assert_string_equal(out, "ab\xe2\x80\xa6 ");
	cell_text_fit("\xe6\x97\xa5\xe6\x9c\xac", 6, 4, true, out, sizeof out);
	assert_string_equal(out, "\xe6\x97\xa5\xe6\x9c\xac");
	cell_text_fit("x", 1, 0, true, out, sizeof out);
	assert_string_equal(out, "");
}

static void test_prefix_for_wrapping(void **state)
{
	const char *t = "the proxy never relayed the answer";

	(void)state;
	assert_int_equal(cell_text_prefix(t, strlen(t), 12, false), 12);
	assert_int_equal(cell_text_prefix(t, strlen(t), 12, true), 10); /* "the proxy " */
	assert_int_equal(cell_text_prefix(t, strlen(t), 100, true), strlen(t));
	assert_int_equal(cell_text_prefix("abcdefgh", 8, 3, true), 3);
	/* a double-width glyph that does not fit stays for the next line */
	assert_int_equal(cell_text_prefix("ab\xe6\x97\xa5", 5, 3, true), 2);
	assert_int_equal(cell_text_prefix("\xe6\x97\xa5", 3, 1, true), 3); /* never zero */
	assert_int_equal(cell_text_prefix("", 0, 10, true), 0);
}

static void test_fit_replaces_unprintable(void **state)
{
	char out[CELL_TEXT_FIT_CAP(20)];

	(void)state;
	/* raw controls reaching fit (no sanitize) still never reach the terminal */
	cell_text_fit("a\x1b[2Jb\x9b", 7, 10, false, out, sizeof out);
	assert_null(strchr(out, '\x1b'));
	assert_int_equal(cell_text_width(out, strlen(out)), 7);
	/* C1 CSI encoded in UTF-8 (U+009B) and bidi override (U+202E) */
	cell_text_fit("\xc2\x9b" "1m" "\xe2\x80\xae" "x", 8, 10, false, out, sizeof out);
	assert_null(strstr(out, "\xc2\x9b"));
	assert_null(strstr(out, "\xe2\x80\xae"));
	assert_int_equal(cell_text_width(out, strlen(out)), 4);
}

/* Every byte of a cell is printable UTF-8 and the cell is its width. */
static void assert_cell_safe(const char *cell, int width)
{
	const unsigned char *p = (const unsigned char *)cell;

	for (size_t i = 0; p[i]; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			fail_msg("control byte 0x%02x at %zu in \"%s\"", p[i], i, cell);
	}
	assert_null(strstr(cell, "\xc2\x9b"));
	if (cell_text_width(cell, strlen(cell)) != width)
		fail_msg("cell \"%s\" is %d columns, want %d", cell,
			 cell_text_width(cell, strlen(cell)), width);
}

static void test_cell_sanitises(void **state)
{
	char out[CELL_TEXT_FIT_CAP(30)];
	const char *hostile = "evil\x1b]0;pwned\x07\x1b[2J\xff\xfe\r\nX";

	(void)state;
	cell_text_cell(hostile, strlen(hostile), 30, true, out, sizeof out);
	assert_cell_safe(out, 30);
	assert_non_null(strstr(out, "\\x1b"));
	cell_text_cell("a\xff\xfe" "b", 4, 30, true, out, sizeof out);
	assert_cell_safe(out, 30);
	assert_non_null(strstr(out, "a\\xff\\xfeb")); /* \xHH for the invalid bytes, as in the db */
	/* long input: cut with an ellipsis at the width */
	char big[5000];
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	cell_text_cell(big, strlen(big), 12, true, out, sizeof out);
	assert_string_equal(out, "AAAAAAAAAAA\xe2\x80\xa6");
}

static struct dialog_record sample_dialog(void)
{
	struct dialog_record d;

	memset(&d, 0, sizeof d);
	d.id = 7;
	d.call_id = "u02-1-14299@127.0.1.10";
	d.from_uri = "\"Caller\" <sip:mediation@127.0.1.10:5060>;tag=1";
	d.to_uri = "sip:ucma@127.0.1.30:5060";
	d.caller_ua = "SIPp";
	d.callee_ua = "UCMA 3.0";
	d.created = T0;
	d.established = T0;
	d.ended = TS_NONE;
	d.session_expires = 90;
	d.min_se = 90;
	d.refresher = DIALOG_REFRESHER_UAC;
	d.last_refresh = T0;
	d.deadline = T0 + 90 * SEC;
	d.teardown_expected = T0 + 60 * SEC;
	d.doomed = true;
	d.doomed_at = T0 + 45 * SEC;
	d.end_class = END_NONE;
	d.state = "confirmed";
	d.finding_mask = 1u << FINDING_REFRESH_2XX_NO_CONTACT | 1u << FINDING_REFRESH_LATE |
			 1u << FINDING_RESPONSE_NOT_RELAYED;
	return d;
}

static void test_layout_fits(void **state)
{
	struct dialog_row_layout lay;

	(void)state;
	for (int w = 80; w <= 300; w += 7) {
		dialog_row_layout(w, &lay);
		int end = 0;
		for (int c = 0; c < DIALOG_COL_COUNT; c++) {
			if (!lay.w[c])
				continue;
			assert_true(lay.x[c] >= end);
			end = lay.x[c] + lay.w[c];
		}
		assert_true(end <= w);
		assert_true(lay.w[DIALOG_COL_TEARDOWN] > 0);
		assert_true(lay.w[DIALOG_COL_FINDINGS] > 0);
		assert_true(lay.w[DIALOG_COL_CALLID] > 0);
	}
	dialog_row_layout(160, &lay); /* everything */
	for (int c = 0; c < DIALOG_COL_COUNT; c++)
		assert_true(lay.w[c] >= dialog_row_column((enum dialog_col)c)->width);
	assert_int_equal(lay.x[DIALOG_COL_FINDINGS] + lay.w[DIALOG_COL_FINDINGS], 160);
	dialog_row_layout(120, &lay); /* all the brief's columns; METHOD, then START go first */
	assert_int_equal(lay.w[DIALOG_COL_START], 0);
	assert_int_equal(lay.w[DIALOG_COL_METHOD], 0);
	for (int c = 0; c < DIALOG_COL_COUNT; c++)
		assert_true(c == DIALOG_COL_START || c == DIALOG_COL_METHOD ||
			    lay.w[c] >= dialog_row_column((enum dialog_col)c)->width);
	dialog_row_layout(135, &lay); /* METHOD came last: below every column, the layout of before */
	assert_int_equal(lay.w[DIALOG_COL_METHOD], 0);
	assert_true(lay.w[DIALOG_COL_START] > 0);
	dialog_row_layout(136, &lay);
	assert_int_equal(lay.w[DIALOG_COL_METHOD], 9);
	dialog_row_layout(80, &lay); /* the essentials */
	assert_int_equal(lay.w[DIALOG_COL_AGENT], 0);
	assert_true(lay.w[DIALOG_COL_STATE] && lay.w[DIALOG_COL_PARTIES] && lay.w[DIALOG_COL_TIMER]);
}

/* Every method (issue 18 item 2): the METHOD cell, the entries' states in
 * six columns, sorting and the text filter by method. */
static void test_row_method(void **state)
{
	struct dialog_record d = sample_dialog(), e = sample_dialog();
	struct dialog_row_layout lay;
	static struct dialog_row row;

	(void)state;
	dialog_row_layout(160, &lay);
	assert_string_equal(dialog_row_column(DIALOG_COL_METHOD)->title, "METHOD");
	d.method = NULL;
	assert_string_equal(dialog_row_method(&d), "INVITE");
	d.method = "";
	assert_string_equal(dialog_row_method(&d), "INVITE");
	dialog_row_format(&d, T0, true, &lay, &row);
	assert_string_equal(row.cell[DIALOG_COL_METHOD], "INVITE   ");
	e.method = "SUBSCRIBE";
	e.state = "pending";
	dialog_row_format(&e, T0, true, &lay, &row);
	assert_string_equal(row.cell[DIALOG_COL_METHOD], "SUBSCRIBE");
	assert_int_equal(strncmp(row.cell[DIALOG_COL_STATE], "pend  ", 6), 0);
	e.method = "REGISTER";
	e.state = "registered";
	dialog_row_format(&e, T0, true, &lay, &row);
	assert_int_equal(strncmp(row.cell[DIALOG_COL_STATE], "reg   ", 6), 0);
	e.state = "no answer";
	dialog_row_format(&e, T0, true, &lay, &row);
	assert_int_equal(strncmp(row.cell[DIALOG_COL_STATE], "noans ", 6), 0);
	/* INVITE < REGISTER */
	assert_true(dialog_row_compare(&d, &e, DIALOG_COL_METHOD, T0) < 0);
	assert_true(dialog_row_compare(&e, &d, DIALOG_COL_METHOD, T0) > 0);
	assert_true(dialog_row_matches(&e, "regis"));
	e.method = "OPTIONS";
	assert_false(dialog_row_matches(&e, "regis"));
}

static void test_row_format(void **state)
{
	struct dialog_record d = sample_dialog();
	struct dialog_row_layout lay;
	static struct dialog_row row;

	(void)state;
	dialog_row_layout(170, &lay); /* 160 + the METHOD column's 10: the same spare as before it */
	dialog_row_format(&d, T0 + 45 * SEC + 500000, true, &lay, &row);
	assert_true(row.doomed);
	assert_false(row.overdue);
	assert_non_null(strstr(row.cell[DIALOG_COL_TEARDOWN], "14s"));
	assert_non_null(strstr(row.cell[DIALOG_COL_REFRESHED], "45s"));
	assert_non_null(strstr(row.cell[DIALOG_COL_CALLID], "u02-1-14299"));
	assert_null(strstr(row.cell[DIALOG_COL_CALLID], "@"));
	if (!strstr(row.cell[DIALOG_COL_PARTIES], "mediation@127.0.1.10 \xe2\x86\x92 ucma"))
		fail_msg("parties cell \"%s\"", row.cell[DIALOG_COL_PARTIES]);
	assert_non_null(strstr(row.cell[DIALOG_COL_TIMER], "90/uac"));
	assert_non_null(strstr(row.cell[DIALOG_COL_START], "22:13:20"));
	/* doom codes come before the info code */
	char codes[256];
	dialog_row_codes(d.finding_mask, codes, sizeof codes);
	assert_string_equal(codes, "REFRESH_2XX_NO_CONTACT,RESPONSE_NOT_RELAYED,REFRESH_LATE");
	assert_memory_equal(row.cell[DIALOG_COL_FINDINGS], "REFRESH_2XX_NO_CONTACT,", 23);
	for (int c = 0; c < DIALOG_COL_COUNT; c++)
		assert_cell_safe(row.cell[c], lay.w[c]);

	dialog_row_format(&d, T0 + 63 * SEC, true, &lay, &row);
	assert_true(row.overdue);
	assert_non_null(strstr(row.cell[DIALOG_COL_TEARDOWN], "-3s"));

	d.end_class = END_TIMER_TEARDOWN;
	d.ended = T0 + 60 * SEC;
	dialog_row_format(&d, T0 + 100 * SEC, true, &lay, &row);
	assert_false(row.overdue);
	assert_true(row.ended);
	assert_non_null(strstr(row.cell[DIALOG_COL_END], "TIMER_TEARDOWN"));
	assert_non_null(strstr(row.cell[DIALOG_COL_REFRESHED], "1m00s")); /* age at the end */
}

static void test_row_hostile_cells(void **state)
{
	struct dialog_record d = sample_dialog();
	struct dialog_row_layout lay;
	static struct dialog_row row;

	(void)state;
	d.call_id = "\x1b[2J\x1b[H\x1b]2;owned\x07" "abc\xc3\x28@x";
	d.from_uri = "<sip:\x1b[31mred\xe2\x80\xae\xff@h>";
	d.to_uri = "sip:\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e@very.long.example.com";
	d.caller_ua = "UA\r\nInjected: yes\x1b" "c";
	d.callee_ua = "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80";
	d.state = "\x1b[?1049h";
	for (int w = 80; w <= 200; w += 40) {
		dialog_row_layout(w, &lay);
		dialog_row_format(&d, T0, false, &lay, &row);
		for (int c = 0; c < DIALOG_COL_COUNT; c++)
			assert_cell_safe(row.cell[c], lay.w[c]);
	}
	assert_non_null(strstr(row.cell[DIALOG_COL_CALLID], "\\x1b"));
}

static void test_sort_and_filter(void **state)
{
	struct dialog_record a = sample_dialog(), b = sample_dialog();

	(void)state;
	b.id = 8;
	b.call_id = "zzz@h";
	b.teardown_expected = T0 + 30 * SEC;
	b.doomed = false;
	b.finding_mask = 0;
	assert_true(dialog_row_compare(&a, &b, DIALOG_COL_CALLID, T0) < 0);
	assert_true(dialog_row_compare(&a, &b, DIALOG_COL_TEARDOWN, T0) > 0);
	assert_true(dialog_row_compare(&a, &b, DIALOG_COL_FINDINGS, T0) < 0);
	assert_true(dialog_row_compare(&a, &a, DIALOG_COL_TIMER, T0) == 0);
	b.teardown_expected = TS_NONE; /* absent times last */
	assert_true(dialog_row_compare(&a, &b, DIALOG_COL_TEARDOWN, T0) < 0);
	b.session_expires = -1;
	assert_true(dialog_row_compare(&a, &b, DIALOG_COL_TIMER, T0) > 0);
	b.created = T0 - SEC;
	assert_true(dialog_row_compare(&a, &b, DIALOG_COL_START, T0) > 0);

	assert_true(dialog_row_matches(&a, "U02-1"));
	assert_true(dialog_row_matches(&a, "ucma 3"));
	assert_true(dialog_row_matches(&a, "no_contact"));
	assert_true(dialog_row_matches(&a, "doomed"));
	assert_true(dialog_row_matches(&a, ""));
	assert_false(dialog_row_matches(&a, "nomatch"));
	assert_false(dialog_row_matches(&b, "doomed"));
}

static void test_short_uri_and_time(void **state)
{
	char buf[64];

	(void)state;
	dialog_row_short_uri("\"A\" <sips:alice@example.com;transport=tls>;tag=x", buf, sizeof buf);
	assert_string_equal(buf, "alice@example.com");
	dialog_row_short_uri("tel:+123;phone-context=x", buf, sizeof buf);
	assert_string_equal(buf, "+123");
	dialog_row_short_uri("<sip:bob@[2001:db8::1]:5070>", buf, sizeof buf);
	assert_string_equal(buf, "bob@[2001:db8::1]");
	dialog_row_short_uri("sip:bob@h:5060", buf, sizeof buf);
	assert_string_equal(buf, "bob@h");
	dialog_row_short_uri("sip:5060", buf, sizeof buf);
	assert_string_equal(buf, "5060");
	dialog_row_short_uri(NULL, buf, sizeof buf);
	assert_string_equal(buf, "");
	time_text_format(T0 + 11000, true, TIME_TEXT_HMS_MS, buf, sizeof buf);
	assert_string_equal(buf, "22:13:20.011");
	time_text_format(T0, true, TIME_TEXT_FULL, buf, sizeof buf);
	assert_string_equal(buf, "2023-11-14 22:13:20 UTC");
	time_text_format(T0, true, TIME_TEXT_HMS_ZONE, buf, sizeof buf);
	assert_string_equal(buf, "22:13:20 UTC");
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1); /* POSIX rule: no tzdata needed */
	tzset();
	time_text_format(T0, false, TIME_TEXT_HMS_ZONE, buf, sizeof buf);
	assert_string_equal(buf, "23:13:20 CET");
	time_text_zone(T0, false, buf, sizeof buf);
	assert_string_equal(buf, "CET");
	unsetenv("TZ");
	tzset();
	time_text_format(TS_NONE, true, TIME_TEXT_HMS, buf, sizeof buf);
	assert_string_equal(buf, "-");
	time_text_zone(T0, true, buf, sizeof buf);
	assert_string_equal(buf, "UTC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_countdown),
		cmocka_unit_test(test_fit_pads_and_cuts),
		cmocka_unit_test(test_prefix_for_wrapping),
		cmocka_unit_test(test_fit_replaces_unprintable),
		cmocka_unit_test(test_cell_sanitises),
		cmocka_unit_test(test_layout_fits),
		cmocka_unit_test(test_row_format),
		cmocka_unit_test(test_row_method),
		cmocka_unit_test(test_row_hostile_cells),
		cmocka_unit_test(test_sort_and_filter),
		cmocka_unit_test(test_short_uri_and_time),
	};

	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "en_US.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
