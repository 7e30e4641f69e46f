/* test_filter_form: the F7 filter form's matching — From/To/code/risk on the
 * dialog row, method and first hop from the messages, every field together,
 * case, and the description shown in the info line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ui/filter_form.h"

static struct dialog_record row(const char *from, const char *to, uint32_t mask, bool doomed,
				bool at_risk)
{
	struct dialog_record r;

	memset(&r, 0, sizeof r);
	r.id = 7;
	r.call_id = "abc@h";
	r.from_uri = from;
	r.to_uri = to;
	r.finding_mask = mask;
	r.doomed = doomed;
	r.at_risk = at_risk;
	return r;
}

static void test_empty_form_lets_all_through(void **state)
{
	struct filter_form f;
	struct dialog_record r = row("sip:alice@a", "sip:bob@b", 0, false, false);

	(void)state;
	memset(&f, 0, sizeof f);
	assert_false(filter_form_active(&f));
	assert_false(filter_form_needs_messages(&f));
	assert_true(filter_form_matches_row(&f, &r));
	assert_true(filter_form_matches_hop(&f, "1.2.3.4:5060", "5.6.7.8:5060", false));
}

static void test_from_to_case_insensitive(void **state)
{
	struct filter_form f;
	struct dialog_record r = row("\"Alice\" <sip:Alice@Example.com>", "sip:+4930123@b", 0, false,
				     false);

	(void)state;
	memset(&f, 0, sizeof f);
	snprintf(f.text[FILTER_FIELD_FROM], sizeof f.text[0], "alice@example");
	assert_true(filter_form_active(&f));
	assert_false(filter_form_needs_messages(&f));
	assert_true(filter_form_matches_row(&f, &r));
	snprintf(f.text[FILTER_FIELD_TO], sizeof f.text[0], "4930");
	assert_true(filter_form_matches_row(&f, &r));
	snprintf(f.text[FILTER_FIELD_TO], sizeof f.text[0], "4931");
	assert_false(filter_form_matches_row(&f, &r));
	r.to_uri = NULL; /* a row without To never matches a To field */
	snprintf(f.text[FILTER_FIELD_TO], sizeof f.text[0], "x");
	assert_false(filter_form_matches_row(&f, &r));
}

static void test_code_and_risky(void **state)
{
	struct filter_form f;
	struct dialog_record r = row("sip:a@a", "sip:b@b",
				     1u << FINDING_REFRESH_2XX_NO_SESSION_EXPIRES, false, true);
	struct dialog_record calm = row("sip:a@a", "sip:b@b", 0, false, false);

	(void)state;
	memset(&f, 0, sizeof f);
	snprintf(f.text[FILTER_FIELD_CODE], sizeof f.text[0], "no_session");
	assert_true(filter_form_matches_row(&f, &r));
	assert_false(filter_form_matches_row(&f, &calm));
	memset(&f, 0, sizeof f);
	f.risky = true;
	assert_true(filter_form_active(&f));
	assert_true(filter_form_matches_row(&f, &r));
	assert_false(filter_form_matches_row(&f, &calm));
	r.at_risk = false;
	r.doomed = true;
	assert_true(filter_form_matches_row(&f, &r));
}

static void test_method_and_hop(void **state)
{
	struct filter_form f;

	(void)state;
	memset(&f, 0, sizeof f);
	snprintf(f.text[FILTER_FIELD_METHOD], sizeof f.text[0], "update");
	assert_true(filter_form_needs_messages(&f));
	assert_true(filter_form_matches_hop(&f, "127.0.225.1:5061", "127.0.225.2:5060", true));
	assert_false(filter_form_matches_hop(&f, "127.0.225.1:5061", "127.0.225.2:5060", false));
	memset(&f, 0, sizeof f);
	snprintf(f.text[FILTER_FIELD_SRC], sizeof f.text[0], "225.1:");
	snprintf(f.text[FILTER_FIELD_DST], sizeof f.text[0], "225.2");
	assert_true(filter_form_matches_hop(&f, "127.0.225.1:5061", "127.0.225.2:5060", false));
	/* source and destination are not interchangeable */
	assert_false(filter_form_matches_hop(&f, "127.0.225.2:5060", "127.0.225.1:5061", false));
	snprintf(f.text[FILTER_FIELD_SRC], sizeof f.text[0], "[2001:DB8::1]");
	f.text[FILTER_FIELD_DST][0] = '\0';
	assert_true(filter_form_matches_hop(&f, "[2001:db8::1]:5060", "x", false));
}

static void test_describe(void **state)
{
	struct filter_form f;
	char buf[256];

	(void)state;
	memset(&f, 0, sizeof f);
	filter_form_describe(&f, buf, sizeof buf);
	assert_string_equal(buf, "");
	snprintf(f.text[FILTER_FIELD_METHOD], sizeof f.text[0], "UPDATE");
	snprintf(f.text[FILTER_FIELD_DST], sizeof f.text[0], "10.0.0.1");
	f.risky = true;
	filter_form_describe(&f, buf, sizeof buf);
	assert_string_equal(buf, "method=UPDATE dst=10.0.0.1 risky");
	filter_form_describe(&f, buf, 8); /* cut, still terminated */
	assert_int_equal(strlen(buf), 7);
	assert_string_equal(filter_form_label(FILTER_FIELD_RISKY), "at risk or doomed only");
}

/* Every method (issue 18 item 2): the entry's own method, the REGISTER and
 * OPTIONS box ('o'), the order 'm' steps through. */
static void test_own_method_and_reg_opt(void **state)
{
	struct filter_form f;
	struct dialog_record r = row("sip:alice@a", "sip:alice@a", 0, false, false);
	char buf[256];

	(void)state;
	memset(&f, 0, sizeof f);
	r.method = "REGISTER";
	assert_true(filter_form_matches_method(&f, &r)); /* empty field: any */
	snprintf(f.text[FILTER_FIELD_METHOD], sizeof f.text[0], "register");
	assert_true(filter_form_matches_method(&f, &r));
	snprintf(f.text[FILTER_FIELD_METHOD], sizeof f.text[0], "regis"); /* whole names only */
	assert_false(filter_form_matches_method(&f, &r));
	snprintf(f.text[FILTER_FIELD_METHOD], sizeof f.text[0], "INVITE");
	assert_false(filter_form_matches_method(&f, &r));
	r.method = NULL; /* an INVITE dialog */
	assert_true(filter_form_matches_method(&f, &r));

	memset(&f, 0, sizeof f);
	f.no_reg_opt = true;
	assert_true(filter_form_active(&f));
	assert_false(filter_form_needs_messages(&f));
	assert_true(filter_form_matches_row(&f, &r));
	r.method = "REGISTER";
	assert_false(filter_form_matches_row(&f, &r));
	r.method = "OPTIONS";
	assert_false(filter_form_matches_row(&f, &r));
	r.method = "SUBSCRIBE";
	assert_true(filter_form_matches_row(&f, &r));
	f.risky = true;
	filter_form_describe(&f, buf, sizeof buf);
	assert_string_equal(buf, "risky no REGISTER/OPTIONS");
	assert_string_equal(filter_form_label(FILTER_FIELD_NO_REG_OPT), "hide REGISTER and OPTIONS");

	assert_string_equal(filter_form_next_method(""), "INVITE");
	assert_string_equal(filter_form_next_method(NULL), "INVITE");
	assert_string_equal(filter_form_next_method("INVITE"), "REGISTER");
	assert_string_equal(filter_form_next_method("register"), "OPTIONS");
	assert_string_equal(filter_form_next_method("PUBLISH"), "INFO");
	assert_string_equal(filter_form_next_method("INFO"), ""); /* then every method */
	assert_string_equal(filter_form_next_method("UPDATE"), "INVITE"); /* typed in F7 */
	{
		const char *m = "";
		int steps = 0;

		do {
			m = filter_form_next_method(m);
			steps++;
		} while (m[0] && steps < 20);
		assert_int_equal(steps, 10); /* nine methods, then back to all */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_form_lets_all_through),
		cmocka_unit_test(test_from_to_case_insensitive),
		cmocka_unit_test(test_code_and_risky),
		cmocka_unit_test(test_method_and_hop),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_own_method_and_reg_opt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
