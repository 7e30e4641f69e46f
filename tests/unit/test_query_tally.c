/* query_tally: counts by value in the order SQLite's GROUP BY ... ORDER BY
 * gives them, and says when a value did not fit (the caller then asks
 * SQLite instead). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "db/query_tally.h"

static void print_count(void *ctx, const char *name, uint64_t count)
{
	char *buf = ctx;
	size_t len = strlen(buf);
	snprintf(buf + len, 256 - len, "%s=%llu;", name, (unsigned long long)count);
}

static void counts_in_binary_order(void **state)
{
	(void)state;
	struct query_tally t;
	char buf[256] = "";
	const char *rows[] = {"NORMAL_BYE", "ACTIVE", "NORMAL_BYE", "CANCELLED", "", "ACTIVE",
			      "NORMAL_BYE", "\xc3\xa9t\xc3\xa9", "Zed", "a"};

	query_tally_init(&t);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		query_tally_add(&t, rows[i]);
	assert_false(t.full);
	assert_int_equal(query_tally_emit(&t, print_count, buf), 7);
	/* bytes as unsigned: upper case before lower, UTF-8 last */
	assert_string_equal(buf, "=1;ACTIVE=2;CANCELLED=1;NORMAL_BYE=3;Zed=1;a=1;\xc3\xa9t\xc3\xa9=1;");
}

static void says_when_a_value_does_not_fit(void **state)
{
	(void)state;
	struct query_tally t;
	char name[QUERY_TALLY_NAME + 1];

	query_tally_init(&t);
	for (int i = 0; i < QUERY_TALLY_MAX; i++) {
		snprintf(name, sizeof name, "M%d", i);
		query_tally_add(&t, name);
	}
	assert_false(t.full);
	query_tally_add(&t, "M3"); /* a value already there still counts */
	assert_false(t.full);
	query_tally_add(&t, "ONE_TOO_MANY");
	assert_true(t.full);

	query_tally_init(&t);
	memset(name, 'L', QUERY_TALLY_NAME);
	name[QUERY_TALLY_NAME] = '\0';
	query_tally_add(&t, name); /* with its NUL, one byte too long */
	assert_true(t.full);
	assert_int_equal(t.n, 0);
	query_tally_init(&t);
	name[QUERY_TALLY_NAME - 1] = '\0';
	query_tally_add(&t, name);
	assert_false(t.full);
	assert_int_equal(t.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_in_binary_order),
		cmocka_unit_test(says_when_a_value_does_not_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
