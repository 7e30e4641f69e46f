/* test_monitor_outputs: the monitoring outputs' pure parts — the metrics
 * registry rendered from a snapshot (names, labels, scaling), the counters
 * fed by findings and events, the syslog line (structured data, escaping of
 * wire text), and the new options (--metrics, --hep-send, --hep-id,
 * --hep-password, --syslog). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "app/counters.h"
#include "app/hep_send.h"
#include "app/metrics.h"
#include "app/metrics_text.h"
#include "app/options.h"
#include "app/syslog_out.h"

static void test_metrics_render(void **state)
{
	struct metrics_snapshot s;
	size_t len;

	(void)state;
	memset(&s, 0, sizeof s);
	s.packets = 12345;
	s.dropped[METRICS_DROP_QUEUE] = 7;
	s.doomed[FINDING_REFRESH_2XX_NO_CONTACT] = 3;
	s.events[EVENT_TEARDOWN] = 2;
	s.db_write_lag_us = 1500000;
	s.tls_decrypted = 4;
	char *t = metrics_text_render(&s, &len);
	assert_int_equal(strlen(t), len);
	assert_non_null(strstr(t, "# TYPE sipwatch_packets_total counter\nsipwatch_packets_total 12345\n"));
	assert_non_null(strstr(t, "sipwatch_dropped_packets_total{where=\"kernel\"} 0\n"));
	assert_non_null(strstr(t, "sipwatch_dropped_packets_total{where=\"queue\"} 7\n"));
	assert_non_null(strstr(t, "sipwatch_doomed_total{code=\"REFRESH_2XX_NO_CONTACT\"} 3\n"));
	assert_non_null(strstr(t, "sipwatch_doomed_total{code=\"TIMER_TEARDOWN\"} 0\n"));
	assert_non_null(strstr(t, "sipwatch_events_total{event=\"teardown\"} 2\n"));
	assert_non_null(strstr(t, "\nsipwatch_timer_teardowns_total 2\n"));
	assert_non_null(strstr(t, "\nsipwatch_tls_decrypted_total 4\n"));
	assert_non_null(strstr(t, "# TYPE sipwatch_db_write_lag_seconds gauge\nsipwatch_db_write_lag_seconds 1.500000\n"));
	/* every finding code has its series */
	int n = 0;
	for (const char *p = t; (p = strstr(p, "sipwatch_findings_total{code=")); p++)
		n++;
	assert_int_equal(n, FINDING_CODE_COUNT);
	free(t);
}

static void test_counters(void **state)
{
	struct counters c;
	struct finding_record f;
	struct event_record ev;

	(void)state;
	counters_init(&c);
	memset(&f, 0, sizeof f);
	f.code = FINDING_REFRESH_2XX_NO_CONTACT;
	counters_finding(&c, &f);
	counters_finding(&c, &f);
	memset(&ev, 0, sizeof ev);
	ev.kind = EVENT_DOOMED;
	ev.finding = &f;
	counters_event(&c, &ev);
	ev.kind = EVENT_TEARDOWN;
	counters_event(&c, &ev);
	ev.kind = EVENT_DOOMED;
	ev.finding = NULL; /* a doom without a cause counts as an event only */
	counters_event(&c, &ev);
	assert_int_equal(counters_get(&c.findings[FINDING_REFRESH_2XX_NO_CONTACT]), 2);
	assert_int_equal(counters_get(&c.doomed[FINDING_REFRESH_2XX_NO_CONTACT]), 1);
	assert_int_equal(counters_get(&c.events[EVENT_DOOMED]), 2);
	assert_int_equal(counters_get(&c.events[EVENT_TEARDOWN]), 1);
}

static void test_syslog_line(void **state)
{
	struct dialog_record d;
	struct finding_record f;
	struct event_record ev;
	char line[1024];

	(void)state;
	memset(&d, 0, sizeof d);
	memset(&f, 0, sizeof f);
	d.call_id = "a\"b]c\\d\x1b[31m"; /* wire text: quote, bracket, backslash, escape */
	d.teardown_expected = 1795463128650462LL;
	f.code = FINDING_REFRESH_2XX_NO_CONTACT;
	f.severity = SEVERITY_DOOM;
	snprintf(f.endpoint, sizeof f.endpoint, "192.0.2.4:5060");
	f.detail = "200 OK lacks Contact\n";
	ev.kind = EVENT_DOOMED;
	ev.ts_us = 1795463113659798LL;
	ev.dialog = &d;
	ev.finding = &f;
	syslog_out_format(line, sizeof line, &ev);
	assert_string_equal(line, "[sipwatch@32473 event=\"doomed\" ts=\"2026-11-23T19:45:13.659798Z\""
				  " call_id=\"a\\\"b\\]c\\\\d?[31m\" code=\"REFRESH_2XX_NO_CONTACT\""
				  " severity=\"doom\" endpoint=\"192.0.2.4:5060\""
				  " teardown_expected=\"2026-11-23T19:45:28.650462Z\"] 200 OK lacks Contact?");
	/* bounded: a short buffer truncates, NUL-terminated */
	assert_int_equal(syslog_out_format(line, 16, &ev), 15);
	assert_int_equal(strlen(line), 15);
}

static enum options_result parse(struct options *o, int argc, char **argv)
{
	FILE *saved = stderr;
	stderr = fopen("/dev/null", "w");
	enum options_result r = options_parse(argc, argv, o);
	fclose(stderr);
	stderr = saved;
	return r;
}

static void test_options_monitoring(void **state)
{
	struct options o;
	char *a1[] = {"sipwatch", "-r", "x", "--metrics", "9464", "--hep-send", "tcp:[::1]:9060",
		      "--hep-id", "12", "--hep-password", "pw", "--syslog", "local3", NULL};
	char *a2[] = {"sipwatch", "-r", "x", "--syslog", NULL};
	char *a3[] = {"sipwatch", "-r", "x", "--syslog=bogus", NULL};
	char *a4[] = {"sipwatch", "-r", "x", "--metrics", "1.2.3.4:0", NULL};
	char *a5[] = {"sipwatch", "-r", "x", "--hep-send", "host-without-port", NULL};
	char *a6[] = {"sipwatch", "-r", "x", "--hep-id", "3", NULL};
	struct hep_target t;

	(void)state;
	assert_int_equal(parse(&o, 13, a1), OPTIONS_RUN);
	assert_string_equal(o.metrics_addr, "9464");
	assert_string_equal(o.hep_send, "tcp:[::1]:9060");
	assert_int_equal(o.hep_id, 12);
	assert_string_equal(o.hep_password, "pw");
	assert_true(o.syslog);
	assert_int_equal(o.syslog_facility, LOG_LOCAL3);
	assert_int_equal(parse(&o, 4, a2), OPTIONS_RUN);
	assert_true(o.syslog);
	assert_int_equal(o.syslog_facility, LOG_DAEMON);
	assert_int_equal(parse(&o, 4, a3), OPTIONS_USAGE_ERROR);
	assert_int_equal(parse(&o, 5, a4), OPTIONS_USAGE_ERROR);
	assert_int_equal(parse(&o, 5, a5), OPTIONS_USAGE_ERROR);
	assert_int_equal(parse(&o, 5, a6), OPTIONS_USAGE_ERROR); /* --hep-id without --hep-send */

	assert_true(hep_send_parse_target("tcp:[::1]:9060", &t));
	assert_true(t.tcp);
	assert_string_equal(t.host, "::1");
	assert_string_equal(t.port, "9060");
	assert_true(hep_send_parse_target("homer.example:9060", &t));
	assert_false(t.tcp);
	assert_string_equal(t.host, "homer.example");
	assert_false(hep_send_parse_target("udp::9060", &t));
	assert_false(hep_send_parse_target("h:65536", &t));
	assert_false(hep_send_parse_target("h:90x", &t));
	assert_true(metrics_parse_addr("[::1]:9464"));
	assert_true(metrics_parse_addr("0.0.0.0:9464"));
	assert_false(metrics_parse_addr("localhost:9464")); /* an address, not a name */
	assert_false(metrics_parse_addr("99999"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_render),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_syslog_line),
		cmocka_unit_test(test_options_monitoring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
