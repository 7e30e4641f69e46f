/* test_report: the JSON and text reports of a small synthetic db.
 *
 * The JSON must parse (python3's json module, strict), carry exactly the
 * fields of contract.md, with times as seconds and 6 decimals and absent
 * values as null.  The text report must show the doomed block.  Hostile wire
 * strings (ESC sequences, C1 CSI, invalid UTF-8, newlines) must come out
 * escaped in both: valid UTF-8, no raw control byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/query.h"
#include "db/store.h"
#include "ui/report.h"
#include "ui/sanitize.h"
#include "tests/support/test_dir.h"

#define T0 (1700000000LL * USEC_PER_SEC) /* 2023-11-14 22:13:20 UTC */
#define SEC USEC_PER_SEC

static char dir[64];
static char path[128];
static char out_path[128];

/* Call-ID with an ESC sequence and a byte that is not UTF-8; an agent with an
 * 8-bit CSI; a detail with a newline and a bidi override. */
static const char HOSTILE_CALL_ID[] = "evil\x1b[2J\xff@host";
static const char HOSTILE_AGENT[] = "UCMA\xc2\x9b" "31m/3.0";
static const char HOSTILE_DETAIL[] = "200 OK lacks Contact\nfake line \xe2\x80\xae!";

static int setup(void **state)
{
	(void)state;
	if (test_dir_make("test_report", dir, sizeof dir, path, sizeof path) != 0)
		return -1;
	snprintf(out_path, sizeof out_path, "%s/report.out", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_dir_remove(dir);
}

static void fill_dialog(struct dialog_record *d, uint64_t id, const char *call_id, int64_t created)
{
	memset(d, 0, sizeof *d);
	d->id = id;
	d->call_id = call_id;
	d->from_uri = "sip:alice@example.com";
	d->to_uri = "sip:bob@example.com";
	d->from_tag = "ft";
	d->to_tag = "tt";
	d->caller_ua = "Alice/1.0";
	d->callee_ua = HOSTILE_AGENT;
	d->created = created;
	d->established = created + SEC;
	d->ended = TS_NONE;
	d->session_expires = 90;
	d->min_se = -1;
	d->refresher = DIALOG_REFRESHER_UAC;
	d->last_refresh = created + SEC;
	d->deadline = created + 91 * SEC;
	d->teardown_expected = created + 61 * SEC;
	d->doomed_at = TS_NONE;
	d->state = "confirmed";
}

/* Capture 1 (older, must not show) and capture 2: a doomed dialog with the
 * hostile strings that was torn down by the timer, and a normal one created
 * earlier (so it comes first). */
static void make_db(void)
{
	char err[256];
	struct dialog_record d;
	struct store *s = store_open(path, NULL, err, sizeof err);
	if (!s)
		fail_msg("%s", err);

	struct capture_info old = {.source = "old.pcap", .kind = "file", .started = T0 - 9 * SEC,
				   .ended = T0 - 8 * SEC};
	store_begin_capture(s, &old);
	fill_dialog(&d, 1, "old-call", T0 - 9 * SEC);
	store_dialog(s, &d);

	struct capture_info c = {.source = "trace\x1b]0;x\x07.pcap", .kind = "file",
				 .started = T0 + 123456, .ended = T0 + 120 * SEC,
				 .packets = 100, .sip_messages = 90, .parse_errors = 2,
				 .duplicates = 3, .dropped = 0, .encrypted = 4};
	store_begin_capture(s, &c);
	fill_dialog(&d, 3, HOSTILE_CALL_ID, T0 + 2 * SEC);
	d.doomed = true;
	d.doomed_at = T0 + 40 * SEC;
	d.ended = T0 + 63 * SEC;
	d.end_class = END_TIMER_TEARDOWN;
	store_dialog(s, &d);
	fill_dialog(&d, 2, "normal@host", T0 + SEC);
	d.session_expires = -1;
	d.refresher = DIALOG_REFRESHER_NONE;
	d.deadline = d.teardown_expected = d.last_refresh = TS_NONE;
	d.ended = T0 + 30 * SEC;
	d.end_class = END_NORMAL_BYE;
	store_dialog(s, &d);

	struct finding_record f = {.id = 2, .dialog_id = 3, .message_id = 7,
				   .code = FINDING_TIMER_TEARDOWN, .severity = SEVERITY_DOOM,
				   .ts_us = T0 + 63 * SEC, .endpoint = "10.0.0.1:5060",
				   .agent = "Alice/1.0", .detail = "BYE at the teardown point"};
	store_finding(s, &f);
	f = (struct finding_record){.id = 1, .dialog_id = 3, .message_id = 5,
				    .code = FINDING_REFRESH_2XX_NO_CONTACT,
				    .severity = SEVERITY_DOOM, .ts_us = T0 + 40 * SEC + 5,
				    .endpoint = "10.0.0.2:5060", .agent = HOSTILE_AGENT,
				    .detail = HOSTILE_DETAIL};
	store_finding(s, &f);
	struct endpoint_record e = {.endpoint = "10.0.0.2:5060", .agent = HOSTILE_AGENT,
				    .refresh_answers_ok = 1, .malformed = 1};
	store_endpoint(s, &e);
	store_flush(s);
	if (store_failed(s))
		fail_msg("%s", store_error(s));
	store_close(s);
}

static char *read_all(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	static char buf[1 << 16];
	*len = fread(buf, 1, sizeof buf - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Valid UTF-8 and no control byte but newline (and no raw ESC in particular). */
static void assert_terminal_safe(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int r = sanitize_utf8_decode(s + i, n - i, &cp);
		if (r < 0)
			fail_msg("invalid UTF-8 at byte %zu", i);
		if ((cp < 0x20 && cp != '\n') || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
		    cp == 0x202e)
			fail_msg("raw control U+%04X at byte %zu", cp, i);
		i += (size_t)r;
	}
}

static int run_report(bool json, bool utc)
{
	char err[256];
	struct db_reader *r = db_reader_open(path, err, sizeof err);
	if (!r)
		fail_msg("%s", err);
	FILE *out = fopen(out_path, "w");
	assert_non_null(out);
	int rc = json ? report_json(out, r, 0) : report_text(out, r, 0, utc);
	fclose(out);
	db_reader_close(r);
	return rc;
}

static const char CHECK_PY[] =
	"import json, sys\n"
	"d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
	"def keys(o, want, what):\n"
	"    got = set(o)\n"
	"    assert got == set(want), '%s: extra %s missing %s' % (what, got - set(want), set(want) - got)\n"
	"keys(d, ['capture', 'summary', 'endpoints', 'dialogs', 'other_dialogs'], 'top')\n"
	"keys(d['capture'], 'source kind packets sip_messages parse_errors duplicates dropped"
	" encrypted tls_sessions tls_decrypted tls_no_keys hep_packets hep_errors hep_auth_failed hep_tcp_closed first_ts last_ts encapsulations"
	" not_decoded keepalives bad_content_length'.split(), 'capture')\n"
	"keys(d['summary'], ['dialogs', 'doomed', 'by_end_class', 'by_code', 'other_dialogs',"
	" 'other_by_method'], 'summary')\n"
	"assert d['summary']['other_dialogs'] == 0 and d['other_dialogs'] == []\n"
	"keys(d['summary']['by_end_class'], 'NORMAL_BYE TIMER_TEARDOWN EXPIRED_NO_BYE ACTIVE"
	" CANCELLED FAILED NO_ANSWER EVICTED REPLACED'.split(), 'by_end_class')\n"
	"for e in d['endpoints']:\n"
	"    keys(e, 'endpoint agent refresh_answers_ok malformed lost rejected accepted fatal'.split(), 'endpoint')\n"
	"for g in d['dialogs']:\n"
	"    assert g['method'] == 'INVITE'\n"
	"    keys(g, 'method call_id from to from_tag to_tag caller_ua callee_ua transport created"
	" established ended session_expires min_se refresher refreshes_ok refreshes_failed"
	" last_refresh deadline teardown_expected doomed doomed_at recovered at_risk at_risk_at end_class"
	" findings'.split(), 'dialog')\n"
	"    for f in g['findings']:\n"
	"        keys(f, 'code severity ts endpoint detail'.split(), 'finding')\n"
	"c = d['capture']\n"
	"assert c['source'] == 'trace\\x1b]0;x\\x07.pcap', c['source']\n"
	"assert c['packets'] == 100 and c['encrypted'] == 4 and c['duplicates'] == 3\n"
	"assert c['first_ts'] == 1700000000.123456 and c['last_ts'] == 1700000120.0\n"
	"s = d['summary']\n"
	"assert s['dialogs'] == 2 and s['doomed'] == 1, s\n"
	"assert s['by_end_class']['TIMER_TEARDOWN'] == 1 and s['by_end_class']['NORMAL_BYE'] == 1\n"
	"assert s['by_end_class']['ACTIVE'] == 0\n"
	"assert s['by_code']['REFRESH_2XX_NO_CONTACT'] == 1 and s['by_code']['TIMER_TEARDOWN'] == 1\n"
	"assert s['by_code']['REFRESH_LATE'] == 0\n"
	"e = d['endpoints']\n"
	"assert len(e) == 1 and e[0]['agent'] == 'UCMA\\x9b31m/3.0' and e[0]['malformed'] == 1\n"
	"g = d['dialogs']\n"
	"assert [x['call_id'] for x in g] == ['normal@host', 'evil\\x1b[2J\\\\xff@host'], g\n"
	"n, x = g\n"
	"assert n['session_expires'] is None and n['refresher'] is None and n['deadline'] is None\n"
	"assert n['min_se'] is None and n['doomed'] is False and n['doomed_at'] is None\n"
	"assert n['findings'] == [] and n['end_class'] == 'NORMAL_BYE' and n['transport'] == 'udp'\n"
	"assert x['doomed'] is True and x['recovered'] is False and x['refresher'] == 'uac'\n"
	"assert x['session_expires'] == 90 and x['end_class'] == 'TIMER_TEARDOWN'\n"
	"assert x['doomed_at'] == 1700000040.0 and x['ended'] == 1700000063.0\n"
	"assert [f['code'] for f in x['findings']] == ['REFRESH_2XX_NO_CONTACT', 'TIMER_TEARDOWN']\n"
	"f = x['findings'][0]\n"
	"assert f['ts'] == 1700000040.000005 and f['severity'] == 'doom'\n"
	"assert f['endpoint'] == '10.0.0.2:5060'\n"
	"assert f['detail'] == '200 OK lacks Contact\\nfake line \\u202e!', f['detail']\n";

static void test_json(void **state)
{
	(void)state;
	size_t len;
	char cmd[512], py[160];

	make_db();
	assert_int_equal(run_report(true, false), 0);
	const char *text = read_all(out_path, &len);
	assert_terminal_safe(text, len);
	/* times: seconds with exactly six decimals; escapes as JSON wants them */
	assert_non_null(strstr(text, "\"first_ts\": 1700000000.123456"));
	assert_non_null(strstr(text, "\"ts\": 1700000040.000005"));
	assert_non_null(strstr(text, "\"deadline\": null"));
	/* the invalid byte as the db holds it (\xff, common/utf8.h), JSON-escaped */
	assert_non_null(strstr(text, "evil\\u001b[2J\\\\xff@host"));
	assert_null(strstr(text, "old-call"));

	if (system("python3 -c 'import json' >/dev/null 2>&1") != 0) {
		print_message("python3 missing: JSON checked by the C assertions only\n");
		return;
	}
	snprintf(py, sizeof py, "%s/check.py", dir);
	FILE *f = fopen(py, "w");
	assert_non_null(f);
	fputs(CHECK_PY, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "python3 -m json.tool '%s' >/dev/null && python3 '%s' '%s'",
		 out_path, py, out_path);
	if (system(cmd) != 0)
		fail_msg("the JSON report failed the python checks:\n%s", text);
}

static void test_json_empty_capture(void **state)
{
	(void)state;
	char err[256], cmd[256];
	size_t len;
	struct store *s = store_open(path, NULL, err, sizeof err);
	assert_non_null(s);
	struct capture_info c = {.source = "empty", .kind = "live", .started = T0,
				 .ended = TS_NONE};
	store_begin_capture(s, &c);
	store_close(s);
	assert_int_equal(run_report(true, false), 0);
	const char *text = read_all(out_path, &len);
	assert_non_null(strstr(text, "\"last_ts\": null"));
	assert_non_null(strstr(text, "\"endpoints\": []"));
	assert_non_null(strstr(text, "\"dialogs\": []"));
	snprintf(cmd, sizeof cmd, "python3 -m json.tool '%s' >/dev/null 2>&1 || "
				  "! command -v python3 >/dev/null", out_path);
	if (system(cmd) != 0)
		fail_msg("invalid JSON:\n%s", text);
}

static void test_text(void **state)
{
	(void)state;
	size_t len;

	make_db();
	assert_int_equal(run_report(false, true), 0);
	const char *text = read_all(out_path, &len);
	assert_terminal_safe(text, len);
	fwrite(text, 1, len, stdout); /* for the log */
	fflush(stdout);
	static const char *const want[] = {
		"packets", "100", "SIP messages", "parse errors", "dropped", "encrypted (TLS)",
		"TIMER_TEARDOWN", "NORMAL_BYE", "REFRESH_2XX_NO_CONTACT",
		"DOOMED  Call-ID evil\\x1b[2J\\xff@host",
		"sip:alice@example.com → sip:bob@example.com",
		"REFRESH_2XX_NO_CONTACT: 200 OK lacks Contact\\x0afake line \\u202e!",
		"blame     10.0.0.2:5060 (UCMA\\u009b31m/3.0)",
		"teardown  2023-11-14 22:14:23.000 UTC (TIMER_TEARDOWN)",
		"trace\\x1b]0;x\\x07.pcap",
		"Refresh answers by endpoint",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!strstr(text, want[i]))
			fail_msg("text report lacks \"%s\"", want[i]);
	assert_null(strstr(text, "normal@host")); /* only doomed dialogs get a block */
}

static void test_text_local_time(void **state)
{
	(void)state;
	size_t len;

	make_db();
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	assert_int_equal(run_report(false, false), 0);
	unsetenv("TZ");
	tzset();
	const char *text = read_all(out_path, &len);
	if (!strstr(text, "2023-11-14 23:14:23.000 CET (TIMER_TEARDOWN)") &&
	    !strstr(text, "2023-11-14 22:14:23.000 ")) /* no tzdata: UTC, still zoned */
		fail_msg("teardown time not local with zone:\n%s", text);
}

static void test_count_doomed_and_errors(void **state)
{
	(void)state;
	char err[256];
	make_db();
	struct db_reader *r = db_reader_open(path, err, sizeof err);
	assert_non_null(r);
	assert_int_equal(report_count_doomed(r, 0), 1);
	assert_int_equal(report_count_doomed(r, 1), 0);
	FILE *out = fopen("/dev/null", "w");
	assert_int_equal(report_json(out, r, 99), -1);
	assert_non_null(strstr(db_reader_error(r), "no capture 99"));
	fclose(out);
	/* a full output device is an error, not a silent truncation */
	out = fopen("/dev/full", "w");
	if (out) {
		assert_int_equal(report_text(out, r, 0, true), -1);
		fclose(out);
	}
	out = fopen("/dev/full", "w");
	if (out) {
		assert_int_equal(report_json(out, r, 0), -1);
		fclose(out);
	}
	db_reader_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_empty_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_local_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_doomed_and_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
