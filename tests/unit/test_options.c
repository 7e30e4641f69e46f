/* test_options: the command line of contract.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "app/options.h"

static enum options_result parse(struct options *o, int argc, char **argv)
{
	/* Silence the usage errors the tests provoke on purpose. */
	FILE *saved = stderr;
	stderr = fopen("/dev/null", "w");
	enum options_result r = options_parse(argc, argv, o);
	fclose(stderr);
	stderr = saved;
	return r;
}

static void test_defaults(void **state)
{
	(void)state;
	struct options o;
	char *argv[] = {"sipwatch", "-r", "x.pcap", NULL};

	assert_int_equal(parse(&o, 3, argv), OPTIONS_RUN);
	assert_string_equal(o.read_file, "x.pcap");
	assert_string_equal(o.db_path, "sipwatch.db");
	assert_int_equal(o.n_ports, 1);
	assert_int_equal(o.ports[0], 5060);
	assert_int_equal(o.report, REPORT_NONE);
}

static void test_full_line(void **state)
{
	(void)state;
	struct options o;
	char *argv[] = {"sipwatch", "-i", "eth1", "-p", "5060,5080", "-d", "a.db", "--no-ui",
			"--report", "json", "--events", "-", "--fail-on-doomed", "--headers-only",
			"--max-dialogs", "500", "--retention-days", "7", "-c", "100", "--duration",
			"60", "-w", "out.pcap", "-Z", "nobody", "--utc", "-f", "udp", NULL};

	assert_int_equal(parse(&o, 29, argv), OPTIONS_RUN);
	assert_string_equal(o.iface, "eth1");
	assert_int_equal(o.n_ports, 2);
	assert_int_equal(o.ports[1], 5080);
	assert_int_equal(o.report, REPORT_JSON);
	assert_true(o.no_ui && o.fail_on_doomed && o.headers_only && o.utc);
	assert_int_equal(o.max_dialogs, 500);
	assert_int_equal(o.retention_days, 7);
	assert_int_equal(o.count, 100);
	assert_int_equal(o.duration, 60);
	assert_string_equal(o.user, "nobody");
	assert_string_equal(o.filter, "udp");
}

static void test_usage_errors(void **state)
{
	(void)state;
	struct options o;
	char *none[] = {"sipwatch", NULL};
	char *both[] = {"sipwatch", "-r", "a", "-i", "b", NULL};
	char *badport[] = {"sipwatch", "-r", "a", "-p", "70000", NULL};
	char *badrep[] = {"sipwatch", "-r", "a", "--report", "xml", NULL};
	char *badnum[] = {"sipwatch", "-r", "a", "-c", "12x", NULL};
	char *unknown[] = {"sipwatch", "-r", "a", "--bogus", NULL};
	char *missing[] = {"sipwatch", "-r", NULL};
	char *liveonly[] = {"sipwatch", "-r", "a", "--duration", "5", NULL};
	char *extra[] = {"sipwatch", "-r", "a", "stray", NULL};

	assert_int_equal(parse(&o, 1, none), OPTIONS_USAGE_ERROR);
	assert_int_equal(parse(&o, 5, both), OPTIONS_USAGE_ERROR);
	assert_int_equal(parse(&o, 5, badport), OPTIONS_USAGE_ERROR);
	assert_int_equal(parse(&o, 5, badrep), OPTIONS_USAGE_ERROR);
	assert_int_equal(parse(&o, 5, badnum), OPTIONS_USAGE_ERROR);
	assert_int_equal(parse(&o, 4, unknown), OPTIONS_USAGE_ERROR);
	assert_int_equal(parse(&o, 2, missing), OPTIONS_USAGE_ERROR);
	assert_int_equal(parse(&o, 5, liveonly), OPTIONS_USAGE_ERROR);
	assert_int_equal(parse(&o, 4, extra), OPTIONS_USAGE_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_line),
		cmocka_unit_test(test_usage_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
