/* test_query: the read-only side.  Reads while the writer holds an open
 * transaction (WAL: the last commit, no waiting), records round-trip through
 * the db unchanged, ordering, capture 0 = newest, re-entrant callbacks, and
 * the errors of opening something that is not a sipwatch db. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/query.h"
#include "db/query_tally.h"
#include "db/store.h"
#include "tests/support/test_dir.h"

#define T0 (1700000000LL * USEC_PER_SEC)
#define SEC USEC_PER_SEC

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	return test_dir_make("test_query", dir, sizeof dir, path, sizeof path);
}

static int teardown(void **state)
{
	(void)state;
	return test_dir_remove(dir);
}

static struct store *open_store(void)
{
	char err[256];
	struct store_options o;
	store_options_defaults(&o);
	o.batch_rows = 100000;
	struct store *s = store_open(path, &o, err, sizeof err);
	if (!s)
		fail_msg("store_open: %s", err);
	return s;
}

static struct db_reader *open_reader(void)
{
	char err[256];
	struct db_reader *r = db_reader_open(path, err, sizeof err);
	if (!r)
		fail_msg("db_reader_open: %s", err);
	return r;
}

static uint64_t begin_capture(struct store *s, const char *source)
{
	struct capture_info c = {.source = source, .kind = "live", .started = T0,
				 .ended = TS_NONE, .packets = 7, .encrypted = 3};
	return store_begin_capture(s, &c);
}

static void fill_dialog(struct dialog_record *d, uint64_t id, const char *call_id, int64_t created)
{
	memset(d, 0, sizeof *d);
	d->id = id;
	d->call_id = call_id;
	d->from_uri = "sip:alice@example.com";
	d->to_uri = "sip:bob@example.com";
	d->from_tag = "ft";
	d->to_tag = NULL;
	d->caller_ua = "Alice/1.0";
	d->callee_ua = NULL;
	d->transport = TRANSPORT_TCP;
	d->created = created;
	d->established = TS_NONE;
	d->ended = TS_NONE;
	d->session_expires = -1;
	d->min_se = 90;
	d->refresher = DIALOG_REFRESHER_UAS;
	d->refreshes_ok = 3;
	d->refreshes_failed = 1;
	d->last_refresh = created + 123456;
	d->deadline = TS_NONE;
	d->teardown_expected = created + 7 * SEC;
	d->doomed = true;
	d->doomed_at = created + 1;
	d->recovered = true;
	d->end_class = END_EVICTED;
	d->state = "early";
	d->n_messages = 12;
	d->finding_mask = 1u << FINDING_SE_2XX_NO_REFRESHER | 1u << FINDING_REFRESH_OVERDUE;
}

struct collect {
	int n;
	uint64_t ids[16];
	struct dialog_record d;
	char call_id[64];
	char state[16];
	char method[16]; /* the strings of d are gone after the callback */
	struct db_reader *r;
	int inner;
};

static void collect_dialog(void *ctx, const struct dialog_record *d)
{
	struct collect *c = ctx;
	if (c->n < 16)
		c->ids[c->n] = d->id;
	c->n++;
	c->d = *d;
	snprintf(c->call_id, sizeof c->call_id, "%s", d->call_id ? d->call_id : "(null)");
	snprintf(c->state, sizeof c->state, "%s", d->state ? d->state : "(null)");
	snprintf(c->method, sizeof c->method, "%s", d->method ? d->method : "(null)");
	c->d.call_id = NULL;
	c->d.state = NULL;
	c->d.from_uri = c->d.to_uri = c->d.from_tag = c->d.to_tag = NULL;
	c->d.caller_ua = c->d.callee_ua = NULL;
	if (d->to_tag || d->callee_ua || !d->from_tag || strcmp(d->from_uri, "sip:alice@example.com"))
		fail_msg("strings did not round-trip");
}

static void test_read_during_open_write(void **state)
{
	(void)state;
	struct dialog_record d;
	struct collect c = {0};
	struct store *s = open_store();
	uint64_t cap = begin_capture(s, "eth0");

	fill_dialog(&d, 1, "one", T0);
	store_dialog(s, &d);
	store_flush(s);
	fill_dialog(&d, 2, "two", T0 + SEC);
	store_dialog(s, &d); /* the writer's transaction stays open */

	struct db_reader *r = open_reader();
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(db_each_dialog(r, cap, collect_dialog, &c), 1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(c.ids[0], 1);
	double waited = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	if (waited > 0.5)
		fail_msg("reader waited %.3f s for the writer", waited);

	uint64_t version = db_data_version(r);
	assert_true(version > 0);
	assert_int_equal(db_data_version(r), version); /* nothing committed since */
	store_flush(s);
	assert_true(db_data_version(r) != version);
	c.n = 0;
	assert_int_equal(db_each_dialog(r, cap, collect_dialog, &c), 2);
	assert_int_equal(c.ids[1], 2);

	/* and a writer keeps writing while a reader holds a snapshot */
	assert_true(db_reader_begin(r));
	fill_dialog(&d, 3, "three", T0 + 2 * SEC);
	store_dialog(s, &d);
	store_flush(s);
	assert_false(store_failed(s));
	c.n = 0;
	assert_int_equal(db_each_dialog(r, cap, collect_dialog, &c), 2);
	db_reader_end(r);
	c.n = 0;
	assert_int_equal(db_each_dialog(r, cap, collect_dialog, &c), 3);

	db_reader_close(r);
	store_close(s);
}

static void test_dialog_round_trip(void **state)
{
	(void)state;
	struct dialog_record d;
	struct collect c = {0};
	struct store *s = open_store();
	begin_capture(s, "eth0");
	fill_dialog(&d, 42, "rt@host", T0 + 987654);
	store_dialog(s, &d);
	store_close(s);

	struct db_reader *r = open_reader();
	assert_int_equal(db_each_dialog(r, 0, collect_dialog, &c), 1);
	assert_string_equal(c.call_id, "rt@host");
	assert_string_equal(c.state, "early");
	assert_int_equal(c.d.id, 42);
	assert_int_equal(c.d.transport, TRANSPORT_TCP);
	assert_int_equal(c.d.created, T0 + 987654);
	assert_true(c.d.established == TS_NONE);
	assert_true(c.d.deadline == TS_NONE);
	assert_int_equal(c.d.last_refresh, T0 + 987654 + 123456);
	assert_int_equal(c.d.doomed_at, T0 + 987654 + 1);
	assert_int_equal(c.d.session_expires, -1);
	assert_int_equal(c.d.min_se, 90);
	assert_int_equal(c.d.refresher, DIALOG_REFRESHER_UAS);
	assert_int_equal(c.d.refreshes_ok, 3);
	assert_int_equal(c.d.refreshes_failed, 1);
	assert_true(c.d.doomed);
	assert_true(c.d.recovered);
	assert_int_equal(c.d.end_class, END_EVICTED);
	assert_int_equal(c.d.n_messages, 12);
	assert_int_equal(c.d.finding_mask,
			 1u << FINDING_SE_2XX_NO_REFRESHER | 1u << FINDING_REFRESH_OVERDUE);
	db_reader_close(r);
}

struct fcollect {
	int n;
	int64_t ts[8];
	enum finding_code code[8];
	char detail[8][128];
};

static void collect_finding(void *ctx, const struct finding_record *f)
{
	struct fcollect *c = ctx;
	c->ts[c->n] = f->ts_us;
	c->code[c->n] = f->code;
	snprintf(c->detail[c->n], sizeof c->detail[0], "%s|%s|%s|%s", f->detail,
		 f->endpoint, f->agent ? f->agent : "-", severity_name(f->severity));
	c->n++;
}

struct mcollect {
	int n;
	size_t raw_len[4];
	uint8_t raw[4][64];
	int status[4];
	char method[4][16];
	char src[4][ENDPOINT_STR_MAX];
};

static void collect_message(void *ctx, const struct message_record *m)
{
	struct mcollect *c = ctx;
	c->raw_len[c->n] = m->raw_len;
	memcpy(c->raw[c->n], m->raw, m->raw_len < 64 ? m->raw_len : 64);
	c->status[c->n] = m->status;
	snprintf(c->method[c->n], sizeof c->method[0], "%s", m->method ? m->method : "-");
	snprintf(c->src[c->n], sizeof c->src[0], "%s", m->src);
	c->n++;
}

static void test_findings_and_messages(void **state)
{
	(void)state;
	struct store *s = open_store();
	begin_capture(s, "eth0");
	static const int64_t ts[] = {5, 1, 3};
	for (int i = 0; i < 3; i++) {
		struct finding_record f = {.id = (uint64_t)i + 1, .dialog_id = 9,
					   .code = (enum finding_code)i,
					   .severity = i == 2 ? SEVERITY_WARNING : SEVERITY_DOOM,
					   .ts_us = T0 + ts[i] * SEC, .endpoint = "1.2.3.4:5060",
					   .agent = i ? "UA" : NULL, .detail = "d"};
		store_finding(s, &f);
	}
	static const uint8_t bad[] = "SIP/2.0 200 OK\r\nX: \xff\xfe\x1b[31m\r\n\r\n";
	struct message_record m = {.id = 1, .dialog_id = 9, .ts_us = T0 + 2 * SEC,
				   .src = "[::1]:5060", .dst = "1.2.3.4:5060", .status = 200,
				   .cseq = 2, .cseq_method = "UPDATE", .call_id = "x",
				   .raw = bad, .raw_len = sizeof bad - 1, .header_len = 30};
	store_message(s, &m);
	m.id = 2;
	m.ts_us = T0;
	m.status = 0;
	m.method = "UPDATE";
	m.raw = (const uint8_t *)"UPDATE";
	m.raw_len = 6;
	store_message(s, &m);
	store_close(s);

	struct db_reader *r = open_reader();
	struct fcollect fc = {0};
	assert_int_equal(db_each_finding(r, 9, collect_finding, &fc), 3);
	assert_int_equal(fc.ts[0], T0 + 1 * SEC);
	assert_int_equal(fc.code[0], 1);
	assert_int_equal(fc.code[1], 2);
	assert_int_equal(fc.code[2], 0);
	assert_string_equal(fc.detail[1], "d|1.2.3.4:5060|UA|warning");
	assert_string_equal(fc.detail[2], "d|1.2.3.4:5060|-|doom");
	assert_int_equal(db_each_finding(r, 10, collect_finding, &fc), 0);

	struct mcollect mc = {0};
	assert_int_equal(db_each_message(r, 9, collect_message, &mc), 2);
	assert_string_equal(mc.method[0], "UPDATE");
	assert_int_equal(mc.status[0], 0);
	assert_int_equal(mc.status[1], 200);
	assert_string_equal(mc.method[1], "-");
	assert_string_equal(mc.src[1], "[::1]:5060");
	assert_int_equal(mc.raw_len[1], sizeof bad - 1);
	assert_memory_equal(mc.raw[1], bad, sizeof bad - 1);
	db_reader_close(r);
}

static void count_cb(void *ctx, const char *name, uint64_t count)
{
	char *buf = ctx;
	size_t len = strlen(buf);
	snprintf(buf + len, 256 - len, "%s=%llu;", name, (unsigned long long)count);
}

static void endpoint_cb(void *ctx, const struct endpoint_record *e)
{
	char *buf = ctx;
	size_t len = strlen(buf);
	snprintf(buf + len, 256 - len, "%s/%s/%llu%llu%llu%llu;", e->endpoint,
		 e->agent ? e->agent : "-", (unsigned long long)e->refresh_answers_ok,
		 (unsigned long long)e->malformed, (unsigned long long)e->lost,
		 (unsigned long long)e->rejected);
}

static void test_captures_and_counts(void **state)
{
	(void)state;
	struct dialog_record d;
	struct store *s = open_store();
	assert_int_equal(begin_capture(s, "first"), 1);
	fill_dialog(&d, 1, "a", T0);
	store_dialog(s, &d);
	assert_int_equal(begin_capture(s, "second"), 2);
	fill_dialog(&d, 2, "b", T0);
	d.end_class = END_NONE;
	d.doomed = false;
	store_dialog(s, &d);
	fill_dialog(&d, 3, "c", T0);
	d.end_class = END_NORMAL_BYE;
	store_dialog(s, &d);
	struct finding_record f = {.id = 1, .dialog_id = 3, .code = FINDING_REFRESH_LATE,
				   .ts_us = T0, .detail = "x"};
	store_finding(s, &f);
	f.id = 2;
	store_finding(s, &f);
	struct endpoint_record e = {.endpoint = "9.9.9.9:5060", .agent = "X", .lost = 2};
	store_endpoint(s, &e);
	store_close(s);

	struct db_reader *r = open_reader();
	struct capture_info ci;
	uint64_t id = 0;
	assert_true(db_read_capture(r, 0, &id, &ci));
	assert_int_equal(id, 2);
	assert_string_equal(ci.source, "second");
	assert_string_equal(ci.kind, "live");
	assert_int_equal(ci.started, T0);
	assert_true(ci.ended == TS_NONE);
	assert_int_equal(ci.packets, 7);
	assert_int_equal(ci.encrypted, 3);
	assert_true(db_read_capture(r, 1, &id, &ci));
	assert_string_equal(ci.source, "first");
	assert_false(db_read_capture(r, 77, &id, &ci));
	assert_non_null(strstr(db_reader_error(r), "no capture 77"));

	uint64_t n, doomed;
	assert_true(db_count_dialogs(r, 0, &n, &doomed));
	assert_int_equal(n, 2);
	assert_int_equal(doomed, 1);

	char buf[256] = "";
	assert_int_equal(db_count_end_classes(r, 0, count_cb, buf), 2);
	assert_string_equal(buf, "ACTIVE=1;NORMAL_BYE=1;");
	buf[0] = '\0';
	assert_int_equal(db_count_finding_codes(r, 0, count_cb, buf), 1);
	assert_string_equal(buf, "REFRESH_LATE=2;");
	buf[0] = '\0';
	assert_int_equal(db_each_endpoint(r, 2, endpoint_cb, buf), 1);
	assert_string_equal(buf, "9.9.9.9:5060/X/0020;");
	buf[0] = '\0';
	assert_int_equal(db_each_endpoint(r, 1, endpoint_cb, buf), 0);
	db_reader_close(r);
}

/* A callback that runs the same query again (the dashboard's nested views). */
static void nested_dialog(void *ctx, const struct dialog_record *d)
{
	struct collect *c = ctx;
	struct collect inner = {0};
	(void)d;
	c->n++;
	assert_int_equal(db_each_dialog(c->r, 0, collect_dialog, &inner), 3);
	c->inner += inner.n;
}

static void test_reentrant(void **state)
{
	(void)state;
	struct dialog_record d;
	struct store *s = open_store();
	begin_capture(s, "x");
	for (uint64_t i = 1; i <= 3; i++) {
		fill_dialog(&d, i, "r", T0 + (int64_t)i);
		store_dialog(s, &d);
	}
	store_close(s);
	struct db_reader *r = open_reader();
	struct collect c = {.r = r};
	assert_int_equal(db_each_dialog(r, 0, nested_dialog, &c), 3);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.inner, 9);
	db_reader_close(r);
}

static void test_open_errors(void **state)
{
	(void)state;
	char err[256] = "";
	assert_null(db_reader_open(path, err, sizeof err)); /* missing */
	assert_non_null(strstr(err, path));
	assert_null(strchr(err, '\n'));

	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("SQLite format 2? no, just text that is long enough to look like a header......\n", f);
	for (int i = 0; i < 100; i++)
		fputs("................................................................\n", f);
	fclose(f);
	err[0] = '\0';
	assert_null(db_reader_open(path, err, sizeof err));
	assert_non_null(strstr(err, "not a database"));
}

static void collect_count(void *ctx, const char *name, uint64_t count)
{
	struct collect *c = ctx;
	snprintf(c->call_id, sizeof c->call_id, "%s=%llu", name, (unsigned long long)count);
	c->n++;
}

/* Every SIP method (issue 18): INVITE dialogs and the entries outside them
 * apart; a db from before schema 9 reads as INVITE dialogs only. */
static void test_methods_apart(void **state)
{
	(void)state;
	struct dialog_record d;
	struct collect c = {0};
	uint64_t n, doomed;
	struct store *s = open_store();
	uint64_t cap = begin_capture(s, "eth0");

	fill_dialog(&d, 1, "call", T0);
	store_dialog(s, &d);
	fill_dialog(&d, 2, "reg", T0 + SEC);
	d.method = "REGISTER";
	d.state = "challenged";
	d.final_status = 401;
	store_dialog(s, &d);
	store_close(s);

	struct db_reader *r = open_reader();
	assert_int_equal(db_each_dialog(r, cap, collect_dialog, &c), 1);
	assert_int_equal(c.ids[0], 1);
	assert_string_equal(c.method, "INVITE");
	c.n = 0;
	assert_int_equal(db_each_dialog_of(r, cap, DB_DIALOGS_ALL, collect_dialog, &c), 2);
	c.n = 0;
	assert_int_equal(db_each_dialog_of(r, cap, DB_DIALOGS_OTHER, collect_dialog, &c), 1);
	assert_int_equal(c.ids[0], 2);
	assert_int_equal(c.d.final_status, 401);
	assert_string_equal(c.state, "challenged");
	assert_true(db_count_dialogs(r, cap, &n, &doomed));
	assert_int_equal(n, 1);
	c.n = 0;
	assert_int_equal(db_count_other_dialogs(r, cap, collect_count, &c), 1);
	assert_string_equal(c.call_id, "REGISTER=1");
	db_reader_close(r);

	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM dialogs WHERE id = 2;"
				      " ALTER TABLE dialogs DROP COLUMN method;"
				      " ALTER TABLE dialogs DROP COLUMN final_status;"
				      " PRAGMA user_version = 8", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	r = open_reader();
	c.n = 0;
	assert_int_equal(db_each_dialog_of(r, cap, DB_DIALOGS_ALL, collect_dialog, &c), 1);
	assert_string_equal(c.method, "INVITE");
	assert_int_equal(db_each_dialog_of(r, cap, DB_DIALOGS_OTHER, collect_dialog, &c), 0);
	assert_int_equal(db_count_other_dialogs(r, cap, collect_count, &c), 0);
	assert_true(db_count_dialogs(r, cap, &n, &doomed));
	assert_int_equal(n, 1);
	db_reader_close(r);
}

/* Counts by value are made in C (query_tally.h); a db whose values are more
 * than the tally holds gets the same counts from SQLite's GROUP BY. */
static void sum_count(void *ctx, const char *name, uint64_t count)
{
	struct collect *c = ctx;
	(void)name;
	c->n++;
	c->ids[0] += count;
	snprintf(c->call_id, sizeof c->call_id, "%s", name); /* the last, in order */
}

static void test_counts_past_the_tally(void **state)
{
	(void)state;
	struct dialog_record d;
	char method[16];
	struct store *s = open_store();
	uint64_t cap = begin_capture(s, "eth0");

	for (uint64_t i = 1; i <= QUERY_TALLY_MAX + 8; i++) {
		snprintf(method, sizeof method, "X%02llu", (unsigned long long)i);
		fill_dialog(&d, i, method, T0 + (int64_t)i);
		d.method = method;
		store_dialog(s, &d);
	}
	fill_dialog(&d, 100, "again", T0 + 100);
	d.method = "X07";
	store_dialog(s, &d);
	store_close(s);

	struct db_reader *r = open_reader();
	struct collect c = {0};
	assert_int_equal(db_count_other_dialogs(r, cap, sum_count, &c), QUERY_TALLY_MAX + 8);
	assert_int_equal(c.ids[0], QUERY_TALLY_MAX + 9);
	assert_string_equal(c.call_id, "X40");
	db_reader_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_during_open_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialog_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_findings_and_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_captures_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reentrant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_methods_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts_past_the_tally, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
