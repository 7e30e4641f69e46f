/* test_ladder: the motivating outage (u02) as a ladder: host columns, arrows,
 * refresh outcomes from findings, retransmissions, timer marks, rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "ui/dialog_row.h"
#include "ui/ladder.h"

#define MS 1000LL
#define T0 (1700000000LL * USEC_PER_SEC)
#define A "127.0.1.10:5060"
#define P "127.0.1.20:5060"
#define B "127.0.1.30:5060"

static struct message_record msgs[32];
static size_t n_msgs;

static void add(int64_t ms, const char *src, const char *dst, const char *method, int status,
		uint32_t cseq, const char *cseq_method, bool rtx)
{
	struct message_record *m = &msgs[n_msgs++];

	memset(m, 0, sizeof *m);
	m->id = 100 + n_msgs;
	m->dialog_id = 1;
	m->ts_us = T0 + ms * MS;
	snprintf(m->src, sizeof m->src, "%s", src);
	snprintf(m->dst, sizeof m->dst, "%s", dst);
	m->method = method;
	m->status = status;
	m->cseq = cseq;
	m->cseq_method = cseq_method;
	m->retransmission = rtx;
}

/* u02: the callee's 200 to the refresh UPDATE lacks Contact and
 * Session-Expires, the proxy never relays it, the caller retransmits, BYE. */
static void build_u02(void)
{
	n_msgs = 0;
	add(0, A, P, "INVITE", 0, 1, "INVITE", false);
	add(3, P, A, NULL, 100, 1, "INVITE", false);
	add(4, P, B, "INVITE", 0, 1, "INVITE", false);
	add(6, B, P, NULL, 200, 1, "INVITE", false);
	add(7, P, A, NULL, 200, 1, "INVITE", false);
	add(7, A, P, "ACK", 0, 1, "ACK", false);
	add(45011, A, P, "UPDATE", 0, 2, "UPDATE", false);
	add(45015, P, B, "UPDATE", 0, 2, "UPDATE", false);
	add(45016, B, P, NULL, 200, 2, "UPDATE", false); /* msgs[8], id 109 */
	add(45519, A, P, "UPDATE", 0, 2, "UPDATE", true);
	add(60060, A, P, "BYE", 0, 3, "BYE", false);
	add(60062, P, A, NULL, 200, 3, "BYE", false);
}

static struct finding_record findings[3];

static void build_findings(void)
{
	memset(findings, 0, sizeof findings);
	findings[0].message_id = 109;
	findings[0].code = FINDING_REFRESH_2XX_NO_CONTACT;
	findings[0].severity = SEVERITY_DOOM;
	findings[1].message_id = 109;
	findings[1].code = FINDING_REFRESH_2XX_NO_SESSION_EXPIRES;
	findings[1].severity = SEVERITY_DOOM;
	findings[2].message_id = 0; /* a timer finding: no message */
	findings[2].code = FINDING_TIMER_TEARDOWN;
	findings[2].severity = SEVERITY_DOOM;
}

static struct dialog_record u02_dialog(void)
{
	struct dialog_record d;

	memset(&d, 0, sizeof d);
	d.session_expires = 90;
	d.established = T0 + 7 * MS;
	d.last_refresh = T0 + 7 * MS;
	d.teardown_expected = T0 + 60007 * MS;
	d.deadline = T0 + 90007 * MS;
	d.end_class = END_TIMER_TEARDOWN;
	d.ended = T0 + 60060 * MS;
	return d;
}

static void build(struct ladder *l, int width, bool ascii, const struct dialog_record *d)
{
	struct ladder_input in = {
		.msgs = msgs,
		.n_msgs = n_msgs,
		.findings = findings,
		.n_findings = 3,
		.dialog = d,
		.clock_us = T0 + 61000 * MS,
		.width = width,
		.ascii = ascii,
	};

	ladder_build(&in, l);
}

static void test_hosts_in_order_of_appearance(void **state)
{
	struct ladder l;

	(void)state;
	build_u02();
	build_findings();
	build(&l, 90, false, NULL);
	assert_int_equal(l.n_hosts, 3);
	assert_string_equal(l.hosts[0], A);
	assert_string_equal(l.hosts[1], P);
	assert_string_equal(l.hosts[2], B);
	assert_true(l.host_x[0] < l.host_x[1] && l.host_x[1] < l.host_x[2]);
	assert_true(l.host_x[2] < 90);
	assert_int_equal(l.n_rows, n_msgs); /* no dialog: no marks */
	ladder_free(&l);
}

static void test_refresh_outcomes(void **state)
{
	struct ladder l;
	const struct ladder_row *r;

	(void)state;
	build_u02();
	build_findings();
	build(&l, 90, false, NULL);

	r = &l.rows[ladder_row_of_message(&l, 6)]; /* the UPDATE */
	assert_int_equal(r->kind, LADDER_ROW_MESSAGE);
	assert_string_equal(r->label, "UPDATE");
	assert_int_equal(r->from, 0);
	assert_int_equal(r->to, 1);
	assert_true(r->refresh);
	assert_string_equal(r->note, "refresh");

	r = &l.rows[ladder_row_of_message(&l, 8)]; /* the callee's bad 200 */
	assert_string_equal(r->label, "200 UPDATE");
	assert_int_equal(r->from, 2);
	assert_int_equal(r->to, 1);
	assert_int_equal(r->outcome, LADDER_OUTCOME_FAILED);
	assert_memory_equal(r->note, "\xe2\x9c\x97 no Contact, no Session-Expires", 34);
	assert_non_null(strstr(r->note, "no Contact"));
	assert_non_null(strstr(r->note, "no Session-Expires"));

	r = &l.rows[ladder_row_of_message(&l, 9)]; /* the retransmission */
	assert_true(r->retransmission);
	assert_string_equal(r->note, "retransmission");

	r = &l.rows[ladder_row_of_message(&l, 0)]; /* the initial INVITE is no refresh */
	assert_false(r->refresh);
	assert_int_equal(r->outcome, LADDER_OUTCOME_NONE);
	ladder_free(&l);
}

static void test_good_refresh_answer_is_ok(void **state)
{
	struct ladder l;
	const struct ladder_row *r;

	(void)state;
	build_u02();
	memset(findings, 0, sizeof findings);
	build(&l, 90, true, NULL);
	r = &l.rows[ladder_row_of_message(&l, 8)];
	assert_int_equal(r->outcome, LADDER_OUTCOME_OK);
	assert_string_equal(r->note, "ok refreshed");
	ladder_free(&l);
}

static void test_marks_on_the_time_axis(void **state)
{
	struct ladder l;
	struct dialog_record d = u02_dialog();
	size_t teardown = SIZE_MAX, bye, due = SIZE_MAX;

	(void)state;
	build_u02();
	build_findings();
	build(&l, 90, false, &d);
	assert_int_equal(l.n_rows, n_msgs + 3); /* due, teardown, deadline; ended: no "now" */
	for (size_t i = 0; i < l.n_rows; i++) {
		if (i > 0)
			assert_true(l.rows[i - 1].ts_us <= l.rows[i].ts_us);
		if (l.rows[i].kind != LADDER_ROW_MARK)
			continue;
		if (l.rows[i].mark == LADDER_MARK_TEARDOWN)
			teardown = i;
		if (l.rows[i].mark == LADDER_MARK_REFRESH_DUE) {
			due = i;
			assert_int_equal(l.rows[i].ts_us, T0 + 45007 * MS);
		}
	}
	bye = ladder_row_of_message(&l, 10);
	assert_true(teardown < bye); /* the teardown point just before the BYE */
	assert_true(due < ladder_row_of_message(&l, 6) + 1);
	assert_string_equal(l.rows[teardown].label, "teardown expected");
	assert_int_equal(l.rows[l.n_rows - 1].mark, LADDER_MARK_DEADLINE);
	ladder_free(&l);

	d.end_class = END_NONE;
	d.ended = TS_NONE;
	build(&l, 90, false, &d);
	assert_int_equal(l.n_rows, n_msgs + 4); /* and "now" */
	ladder_free(&l);
}

static void test_render_rows(void **state)
{
	struct ladder l;
	char buf[CELL_TEXT_FIT_CAP(DIALOG_ROW_MAX_WIDTH)];
	struct dialog_record d = u02_dialog();
	size_t row;
	int xp, xa;

	(void)state;
	build_u02();
	build_findings();
	build(&l, 90, false, &d);
	for (size_t i = 0; i < l.n_rows; i++) {
		ladder_render(&l, i, buf, sizeof buf);
		assert_int_equal(cell_text_width(buf, strlen(buf)), 90);
	}
	ladder_render_hosts(&l, buf, sizeof buf);
	assert_int_equal(cell_text_width(buf, strlen(buf)), 90);
	assert_non_null(strstr(buf, A));
	assert_non_null(strstr(buf, B));

	/* A → P: the arrow head just left of the proxy's lifeline */
	row = ladder_row_of_message(&l, 6);
	ladder_render(&l, row, buf, sizeof buf);
	assert_non_null(strstr(buf, " UPDATE "));
	assert_non_null(strstr(buf, "\xe2\x96\xb6\xe2\x94\x82")); /* ▶│ */
	ladder_free(&l);

	build(&l, 90, true, &d);
	row = ladder_row_of_message(&l, 8); /* B → P, leftwards */
	ladder_render(&l, row, buf, sizeof buf);
	assert_int_equal((int)strlen(buf), 90);
	xp = l.host_x[1];
	xa = l.host_x[2];
	assert_int_equal(buf[xp], '|');
	assert_int_equal(buf[xp + 1], '<');
	assert_int_equal(buf[xa], '|');
	assert_int_equal(buf[l.host_x[0]], '|');
	assert_non_null(strstr(buf, "200 UPDATE"));
	for (size_t i = 0; buf[i]; i++)
		assert_true((unsigned char)buf[i] >= 0x20 && (unsigned char)buf[i] < 0x7f);
	row = ladder_row_of_message(&l, 10) - 1; /* the teardown mark */
	ladder_render(&l, row, buf, sizeof buf);
	assert_non_null(strstr(buf, "teardown expected"));
	ladder_free(&l);
}

static void test_hostile_and_crowded(void **state)
{
	struct ladder l;
	char buf[CELL_TEXT_FIT_CAP(DIALOG_ROW_MAX_WIDTH)];
	char hosts[12][ENDPOINT_STR_MAX];

	(void)state;
	n_msgs = 0;
	add(0, "1.1.1.1:5060\x1b[2J", "2.2.2.2:5060", "UP\x1b]0;x\x07" "DATE", 0, 1, "UPDATE", false);
	add(1, "2.2.2.2:5060", "1.1.1.1:5060\x1b[2J", NULL, 200, 1, "\xff\xfe", false);
	memset(findings, 0, sizeof findings);
	build(&l, 60, false, NULL);
	for (size_t i = 0; i < l.n_rows; i++) {
		ladder_render(&l, i, buf, sizeof buf);
		assert_null(strchr(buf, '\x1b'));
		assert_null(strchr(buf, '\x07'));
		assert_int_equal(cell_text_width(buf, strlen(buf)), 60);
	}
	assert_null(strchr(l.hosts[0], '\x1b'));
	assert_string_equal(l.rows[0].label, "UP??0?x?DATE");
	assert_string_equal(l.rows[1].label, "200 ??");
	ladder_free(&l);

	/* more hosts than fit: the last column stands for the others */
	n_msgs = 0;
	for (int i = 0; i < 12; i++) {
		snprintf(hosts[i], sizeof hosts[i], "10.0.0.%d:5060", i + 1);
		add(i, hosts[0], hosts[i], "OPTIONS", 0, (uint32_t)i + 1, "OPTIONS", false);
	}
	build(&l, 60, false, NULL);
	assert_int_equal(l.n_hosts, 60 / LADDER_MIN_SPACING);
	assert_string_equal(l.hosts[l.n_hosts - 1], "(others)");
	for (size_t i = 0; i < l.n_rows; i++) {
		ladder_render(&l, i, buf, sizeof buf);
		assert_int_equal(cell_text_width(buf, strlen(buf)), 60);
	}
	ladder_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts_in_order_of_appearance),
		cmocka_unit_test(test_refresh_outcomes),
		cmocka_unit_test(test_good_refresh_answer_is_ok),
		cmocka_unit_test(test_marks_on_the_time_axis),
		cmocka_unit_test(test_render_rows),
		cmocka_unit_test(test_hostile_and_crowded),
	};

	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "en_US.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
