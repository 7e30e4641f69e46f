/* test_numparse: the bounded number parser every wire number goes through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/numparse.h"

static bool p(const char *s, uint64_t max, uint64_t *v)
{
	return parse_uint(s, strlen(s), max, v);
}

static void test_numparse_bounds(void **state)
{
	(void)state;
	uint64_t v = 0;

	assert_true(p("0", 0, &v));
	assert_int_equal(v, 0);
	assert_false(p("9", 5, &v)); /* a digit above a small max */
	assert_true(p("5", 5, &v));
	assert_false(p("6", 5, &v));
	assert_true(p("1800", 2147483647, &v));
	assert_int_equal(v, 1800);
	assert_true(p("2147483647", 2147483647, &v));
	assert_false(p("2147483648", 2147483647, &v));
	assert_true(p("18446744073709551615", UINT64_MAX, &v));
	assert_int_equal(v, UINT64_MAX);
	assert_false(p("18446744073709551616", UINT64_MAX, &v));
	assert_false(p("99999999999999999999999", UINT64_MAX, &v));
}

static void test_numparse_syntax(void **state)
{
	(void)state;
	uint64_t v = 7;

	assert_false(p("", 100, &v));
	assert_false(p("-1", 100, &v));
	assert_false(p("+1", 100, &v));
	assert_false(p(" 1", 100, &v));
	assert_false(p("1 ", 100, &v));
	assert_false(p("1a", 100, &v));
	assert_int_equal(v, 7); /* untouched on failure */
	assert_true(parse_uint("123456", 3, 1000, &v)); /* only n bytes are read */
	assert_int_equal(v, 123);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numparse_bounds),
		cmocka_unit_test(test_numparse_syntax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
