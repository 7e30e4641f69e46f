/* test_store: the SQLite writer.  Schema and its version, migrations on
 * reopen, appending captures, batching, upserts, the views, retention, and
 * the failures a monitor meets in the field: a read-only db, a full disk.
 *
 * The db is inspected with SQLite itself (a second connection), as an
 * operator's script would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/schema.h"
#include "db/store.h"
#include "tests/support/test_dir.h"

#define T0 (1700000000LL * USEC_PER_SEC) /* 2023-11-14 22:13:20 UTC */
#define SEC USEC_PER_SEC

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	return test_dir_make("test_store", dir, sizeof dir, path, sizeof path);
}

static int teardown(void **state)
{
	(void)state;
	return test_dir_remove(dir);
}

/* ---- helpers: an inspecting connection ---- */

static sqlite3 *peek_open(void)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	return db;
}

/* The first column of the first row as an integer (-1 if no row; -2 on NULL). */
static int64_t peek_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -2 : sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The first column of the first row as text into buf ("" if none). */
static const char *peek_text(sqlite3 *db, const char *sql, char *buf, size_t n)
{
	sqlite3_stmt *st = NULL;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static int64_t count_rows(const char *sql)
{
	sqlite3 *db = peek_open();
	int64_t v = peek_int(db, sql);
	sqlite3_close(db);
	return v;
}

/* ---- helpers: records ---- */

static struct store *open_store(size_t batch_rows)
{
	struct store_options o;
	char err[256] = "";

	store_options_defaults(&o);
	o.batch_rows = batch_rows;
	struct store *s = store_open(path, &o, err, sizeof err);
	if (!s)
		fail_msg("store_open: %s", err);
	return s;
}

static uint64_t begin_capture(struct store *s, const char *source, int64_t started)
{
	struct capture_info c = {.source = source, .kind = "file", .started = started,
				 .ended = started + 60 * SEC, .packets = 10, .sip_messages = 8};
	uint64_t id = store_begin_capture(s, &c);
	assert_true(id > 0);
	return id;
}

static const char RAW[] = "INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: c1\r\n\r\nv=0\r\n";

static void put_message(struct store *s, uint64_t id, uint64_t dialog_id, int64_t ts)
{
	struct message_record m = {.id = id, .dialog_id = dialog_id, .ts_us = ts,
				   .src = "10.0.0.1:5060", .dst = "[2001:db8::1]:5060",
				   .transport = TRANSPORT_UDP, .method = "INVITE", .cseq = 1,
				   .cseq_method = "INVITE", .call_id = "c1",
				   .raw = (const uint8_t *)RAW, .raw_len = sizeof RAW - 1,
				   .header_len = sizeof RAW - 1 - 6};
	store_message(s, &m);
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
	d->callee_ua = "UCMA/3.0";
	d->created = created;
	d->established = created + SEC;
	d->ended = TS_NONE;
	d->session_expires = 1800;
	d->min_se = -1;
	d->refresher = DIALOG_REFRESHER_UAC;
	d->last_refresh = created + SEC;
	d->deadline = created + 1801 * SEC;
	d->teardown_expected = created + 1769 * SEC;
	d->doomed_at = TS_NONE;
	d->state = "confirmed";
	d->end_class = END_NONE;
}

static void put_finding(struct store *s, uint64_t id, uint64_t dialog_id, enum finding_code code,
			int64_t ts, const char *detail)
{
	struct finding_record f = {.id = id, .dialog_id = dialog_id, .message_id = 0,
				   .code = code,
				   /* the doomed_dialogs view lists doom findings: a risk
				    * code as --strict-peers writes it */
				   .severity = finding_code_severity(code) == SEVERITY_RISK
						       ? SEVERITY_DOOM
						       : finding_code_severity(code),
				   .ts_us = ts, .endpoint = "10.0.0.2:5060", .agent = "UCMA/3.0",
				   .detail = detail};
	store_finding(s, &f);
}

/* ---- tests ---- */

static void test_schema_created(void **state)
{
	(void)state;
	struct store *s = open_store(100);
	store_close(s);

	sqlite3 *db = peek_open();
	char buf[64];
	assert_int_equal(peek_int(db, "PRAGMA user_version"), schema_latest_version());
	assert_string_equal(peek_text(db, "PRAGMA journal_mode", buf, sizeof buf), "wal");
	static const char *const objects[] = {
		"captures", "dialogs", "messages", "findings", "endpoints", "id_high_water",
		"doomed_dialogs",
		"timer_teardowns", "refresh_stats_by_endpoint", "dialogs_call_id",
		"messages_dialog", "messages_ts", "findings_code", "findings_endpoint",
		"dialogs_doomed", "findings_dialog"};
	for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++) {
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master"
						    " WHERE name = ?1", -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_text(st, 1, objects[i], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		if (sqlite3_column_int(st, 0) != 1)
			fail_msg("schema object %s missing", objects[i]);
		sqlite3_finalize(st);
	}
	/* Every contract column is there (the statement would not prepare otherwise). */
	assert_int_equal(peek_int(db, "SELECT count(*) FROM (SELECT id, source, kind, started,"
				      " ended, packets, sip_messages, parse_errors, dropped,"
				      " duplicates, encrypted FROM captures)"), 0);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM (SELECT id, capture_id, call_id,"
				      " from_uri, to_uri, from_tag, to_tag, caller_ua, callee_ua,"
				      " transport, created, established, ended, session_expires,"
				      " min_se, refresher, refreshes_ok, refreshes_failed,"
				      " last_refresh, deadline, teardown_expected, doomed,"
				      " doomed_at, end_class FROM dialogs)"), 0);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM (SELECT id, dialog_id, ts, src,"
				      " dst, transport, method, status, cseq, cseq_method, raw"
				      " FROM messages)"), 0);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM (SELECT id, dialog_id, message_id,"
				      " code, severity, ts, detail FROM findings)"), 0);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM (SELECT endpoint, agent,"
				      " refresh_answers_ok, malformed, lost, rejected"
				      " FROM refresh_stats_by_endpoint)"), 0);
	sqlite3_close(db);
}

static void test_reopen_idempotent(void **state)
{
	(void)state;
	struct store *s = open_store(100);
	begin_capture(s, "a.pcap", T0);
	store_close(s);
	int64_t objects = count_rows("SELECT count(*) FROM sqlite_master");

	for (int i = 0; i < 3; i++) {
		s = open_store(100);
		assert_false(store_failed(s));
		store_close(s);
	}
	assert_int_equal(count_rows("SELECT count(*) FROM sqlite_master"), objects);
	assert_int_equal(count_rows("PRAGMA user_version"), schema_latest_version());
	assert_int_equal(count_rows("SELECT count(*) FROM captures"), 1);
}

static void test_newer_version_refused(void **state)
{
	(void)state;
	sqlite3 *db = NULL;
	char err[256] = "";
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_null(store_open(path, NULL, err, sizeof err));
	assert_non_null(strstr(err, "newer"));
	assert_non_null(strstr(err, "999"));
	assert_non_null(strstr(err, path));
	assert_null(strchr(err, '\n'));
}

/* A db of version 1 (before id_high_water), made by hand from a current one:
 * opening it upgrades it in place, keeping its rows, once. */
static void test_upgrade_from_v1(void **state)
{
	(void)state;
	uint64_t did, mid, fid;
	struct dialog_record d;
	struct store *s = open_store(100);
	begin_capture(s, "a.pcap", T0);
	fill_dialog(&d, 1, "c1", T0);
	store_dialog(s, &d);
	put_message(s, 1, 1, T0);
	store_close(s);

	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* Back to a version 1 db: without id_high_water nor the columns of the
	 * later migrations (TLS, HEP, capture counts, risk). */
	assert_int_equal(sqlite3_exec(db, "DROP TABLE id_high_water; DROP TABLE capture_counts;"
				      " ALTER TABLE dialogs DROP COLUMN at_risk;"
				      " ALTER TABLE dialogs DROP COLUMN at_risk_at;"
				      " ALTER TABLE endpoints DROP COLUMN accepted;"
				      " ALTER TABLE endpoints DROP COLUMN fatal;"
				      " ALTER TABLE captures DROP COLUMN tls_sessions;"
				      " ALTER TABLE captures DROP COLUMN tls_decrypted;"
				      " ALTER TABLE captures DROP COLUMN tls_no_keys;"
				      " ALTER TABLE messages DROP COLUMN hep_agent_id;"
				      " ALTER TABLE captures DROP COLUMN hep_packets;"
				      " ALTER TABLE captures DROP COLUMN hep_errors;"
				      " ALTER TABLE captures DROP COLUMN hep_auth_failed;"
				      " ALTER TABLE captures DROP COLUMN hep_tcp_closed;"
				      " ALTER TABLE captures DROP COLUMN db_status;"
				      " ALTER TABLE captures DROP COLUMN db_errors;"
				      " ALTER TABLE captures DROP COLUMN db_skipped;"
				      " ALTER TABLE captures DROP COLUMN file_size;"
				      " ALTER TABLE captures DROP COLUMN file_digest;"
				      " DROP INDEX messages_outside;"
				      " ALTER TABLE dialogs DROP COLUMN method;"
				      " ALTER TABLE dialogs DROP COLUMN final_status;"
				      " PRAGMA user_version = 1",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(count_rows("SELECT count(*) FROM sqlite_master WHERE name = 'id_high_water'"),
			 0);

	s = open_store(100);
	store_next_ids(s, &did, &mid, &fid);
	assert_int_equal(did, 2);
	assert_int_equal(mid, 2);
	assert_int_equal(begin_capture(s, "b.pcap", T0 + SEC), 2);
	store_close(s);
	assert_int_equal(count_rows("PRAGMA user_version"), schema_latest_version());
	assert_int_equal(count_rows("SELECT count(*) FROM pragma_table_info('messages')"
				    " WHERE name = 'hep_agent_id'"), 1);
	assert_int_equal(count_rows("SELECT count(*) FROM pragma_table_info('dialogs')"
				    " WHERE name IN ('at_risk', 'at_risk_at')"), 2);
	assert_int_equal(count_rows("SELECT count(*) FROM sqlite_master WHERE name = 'id_high_water'"),
			 1);
	assert_int_equal(count_rows("SELECT count(*) FROM sqlite_master WHERE name = 'capture_counts'"),
			 1);
	assert_int_equal(count_rows("SELECT count(*) FROM messages"), 1);
	assert_int_equal(count_rows("SELECT count(*) FROM dialogs WHERE call_id = 'c1'"), 1);
	/* migration 9: every row before it is an INVITE dialog */
	assert_int_equal(count_rows("SELECT count(*) FROM dialogs WHERE method = 'INVITE'"
				    " AND final_status IS NULL"), 1);
	int64_t objects = count_rows("SELECT count(*) FROM sqlite_master");
	s = open_store(100);
	store_close(s);
	assert_int_equal(count_rows("SELECT count(*) FROM sqlite_master"), objects);
}

/* Retention that deletes every row does not hand out the same ids again. */
static void test_ids_not_reused_after_retention(void **state)
{
	(void)state;
	struct store_options o;
	struct dialog_record d;
	uint64_t did, mid, fid;
	char err[256];

	struct store *s = open_store(100);
	begin_capture(s, "a.pcap", T0);
	begin_capture(s, "b.pcap", T0);
	fill_dialog(&d, 1, "c1", T0);
	store_dialog(s, &d);
	put_message(s, 1, 1, T0);
	put_message(s, 2, 1, T0);
	put_finding(s, 1, 1, FINDING_REFRESH_LATE, T0, "late");
	store_close(s);

	store_options_defaults(&o);
	o.retention_days = 1; /* T0 is years ago: everything goes at open */
	s = store_open(path, &o, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(count_rows("SELECT count(*) FROM messages"), 0);
	assert_int_equal(count_rows("SELECT count(*) FROM captures"), 0);
	store_next_ids(s, &did, &mid, &fid);
	assert_int_equal(did, 2);
	assert_int_equal(mid, 3);
	assert_int_equal(fid, 2);
	assert_int_equal(begin_capture(s, "c.pcap", T0), 3);
	store_close(s);
}

static void test_not_a_database(void **state)
{
	(void)state;
	char err[256] = "";
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not an sqlite database, just text ", f);
	fclose(f);
	assert_null(store_open(path, NULL, err, sizeof err));
	assert_non_null(strstr(err, "not a database"));
}

/* A zero-byte file (touch sipwatch.db) is an empty db: the schema goes in. */
static void test_empty_file_upgraded(void **state)
{
	(void)state;
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	struct store *s = open_store(100);
	begin_capture(s, "a.pcap", T0);
	store_close(s);
	assert_int_equal(count_rows("PRAGMA user_version"), schema_latest_version());
	assert_int_equal(count_rows("SELECT count(*) FROM captures"), 1);
}

static void test_second_capture_appends(void **state)
{
	(void)state;
	struct dialog_record d;
	uint64_t did, mid, fid;

	struct store *s = open_store(100);
	store_next_ids(s, &did, &mid, &fid);
	assert_int_equal(did, 1);
	assert_int_equal(mid, 1);
	assert_int_equal(fid, 1);
	assert_int_equal(begin_capture(s, "a.pcap", T0), 1);
	fill_dialog(&d, 1, "c1", T0);
	store_dialog(s, &d);
	put_message(s, 1, 1, T0);
	put_message(s, 2, 1, T0 + SEC);
	put_finding(s, 1, 1, FINDING_REFRESH_LATE, T0 + 2 * SEC, "late");
	store_close(s);

	s = open_store(100);
	store_next_ids(s, &did, &mid, &fid);
	assert_int_equal(did, 2);
	assert_int_equal(mid, 3);
	assert_int_equal(fid, 2);
	assert_int_equal(begin_capture(s, "b.pcap", T0 + 100 * SEC), 2);
	fill_dialog(&d, did, "c2", T0 + 100 * SEC);
	store_dialog(s, &d);
	put_message(s, mid, did, T0 + 100 * SEC);
	store_flush(s);
	assert_false(store_failed(s));
	store_close(s);

	assert_int_equal(count_rows("SELECT count(*) FROM captures"), 2);
	assert_int_equal(count_rows("SELECT capture_id FROM dialogs WHERE id = 2"), 2);
	assert_int_equal(count_rows("SELECT capture_id FROM dialogs WHERE id = 1"), 1);
	assert_int_equal(count_rows("SELECT capture_id FROM messages WHERE id = 3"), 2);
	assert_int_equal(count_rows("SELECT count(*) FROM messages"), 3);
}

static void test_message_columns(void **state)
{
	(void)state;
	struct store *s = open_store(100);
	begin_capture(s, "a.pcap", T0);
	put_message(s, 1, 0, T0 + 1500000);
	struct message_record r = {.id = 2, .dialog_id = 7, .ts_us = T0, .src = "1.2.3.4:5060",
				   .dst = "5.6.7.8:5070", .transport = TRANSPORT_TCP,
				   .status = 200, .cseq = 42, .cseq_method = "UPDATE",
				   .call_id = "c9", .raw = (const uint8_t *)"SIP/2.0 200 OK\r\n\r\n\xff",
				   .raw_len = 19, .header_len = 18, .retransmission = true};
	store_message(s, &r);
	store_close(s);

	sqlite3 *db = peek_open();
	char buf[256];
	assert_int_equal(peek_int(db, "SELECT dialog_id IS NULL FROM messages WHERE id = 1"), 1);
	assert_int_equal(peek_int(db, "SELECT status IS NULL FROM messages WHERE id = 1"), 1);
	assert_int_equal(peek_int(db, "SELECT ts * 1000000 - 1700000001500000 FROM messages"
				      " WHERE id = 1"), 0);
	assert_string_equal(peek_text(db, "SELECT dst FROM messages WHERE id = 1", buf, sizeof buf),
			    "[2001:db8::1]:5060");
	assert_string_equal(peek_text(db, "SELECT raw FROM messages WHERE id = 1", buf, sizeof buf),
			    RAW);
	assert_int_equal(peek_int(db, "SELECT method IS NULL FROM messages WHERE id = 2"), 1);
	assert_int_equal(peek_int(db, "SELECT status FROM messages WHERE id = 2"), 200);
	assert_int_equal(peek_int(db, "SELECT retransmission FROM messages WHERE id = 2"), 1);
	assert_string_equal(peek_text(db, "SELECT transport FROM messages WHERE id = 2", buf,
				      sizeof buf), "tcp");
	assert_int_equal(peek_int(db, "SELECT length(CAST(raw AS BLOB)) FROM messages"
				      " WHERE id = 2"), 19);
	sqlite3_close(db);
}

static void test_headers_only(void **state)
{
	(void)state;
	struct store_options o;
	char err[256];
	store_options_defaults(&o);
	o.store_bodies = false;
	struct store *s = store_open(path, &o, err, sizeof err);
	assert_non_null(s);
	begin_capture(s, "a.pcap", T0);
	put_message(s, 1, 1, T0);
	store_close(s);
	assert_int_equal(count_rows("SELECT length(raw) FROM messages"), sizeof RAW - 1 - 6);
}

static void test_batching(void **state)
{
	(void)state;
	struct store *s = open_store(100);
	begin_capture(s, "a.pcap", T0);

	for (uint64_t i = 1; i <= 50; i++)
		put_message(s, i, 1, T0);
	assert_int_equal(count_rows("SELECT count(*) FROM messages"), 0);
	store_flush(s);
	assert_int_equal(count_rows("SELECT count(*) FROM messages"), 50);

	/* the row bound: the 100th row of a batch commits it (the writer thread
	 * commits; store_sync waits until it has done what was queued) */
	for (uint64_t i = 51; i <= 150; i++)
		put_message(s, i, 1, T0);
	store_sync(s);
	assert_int_equal(count_rows("SELECT count(*) FROM messages"), 150);

	/* the time bound, on the caller's clock */
	put_message(s, 151, 1, T0);
	store_maybe_flush(s, T0);
	store_maybe_flush(s, T0 + 499999);
	store_sync(s);
	assert_int_equal(count_rows("SELECT count(*) FROM messages"), 150);
	store_maybe_flush(s, T0 + 500000);
	store_sync(s);
	assert_int_equal(count_rows("SELECT count(*) FROM messages"), 151);
	assert_false(store_failed(s));
	store_close(s);
}

static void test_dialog_upsert(void **state)
{
	(void)state;
	struct dialog_record d;
	struct store *s = open_store(100);
	begin_capture(s, "a.pcap", T0);

	fill_dialog(&d, 5, "c5", T0);
	store_dialog(s, &d);
	store_flush(s);
	assert_int_equal(count_rows("SELECT doomed FROM dialogs WHERE id = 5"), 0);
	assert_int_equal(count_rows("SELECT ended FROM dialogs WHERE id = 5"), -2);

	d.doomed = true;
	d.doomed_at = T0 + 10 * SEC;
	d.ended = T0 + 20 * SEC;
	d.end_class = END_TIMER_TEARDOWN;
	d.finding_mask = 1u << FINDING_REFRESH_2XX_NO_CONTACT | 1u << FINDING_TIMER_TEARDOWN;
	d.n_messages = 9;
	store_dialog(s, &d);
	store_close(s);

	sqlite3 *db = peek_open();
	char buf[128];
	assert_int_equal(peek_int(db, "SELECT count(*) FROM dialogs"), 1);
	assert_int_equal(peek_int(db, "SELECT doomed FROM dialogs WHERE id = 5"), 1);
	assert_int_equal(peek_int(db, "SELECT n_messages FROM dialogs WHERE id = 5"), 9);
	assert_int_equal(peek_int(db, "SELECT capture_id FROM dialogs WHERE id = 5"), 1);
	assert_int_equal(peek_int(db, "SELECT min_se IS NULL AND session_expires = 1800"
				      " FROM dialogs"), 1);
	assert_int_equal(peek_int(db, "SELECT round(ended - 1700000020, 6) FROM dialogs"), 0);
	assert_string_equal(peek_text(db, "SELECT end_class FROM dialogs", buf, sizeof buf),
			    "TIMER_TEARDOWN");
	assert_string_equal(peek_text(db, "SELECT refresher FROM dialogs", buf, sizeof buf), "uac");
	assert_string_equal(peek_text(db, "SELECT finding_codes FROM dialogs", buf, sizeof buf),
			    "REFRESH_2XX_NO_CONTACT,TIMER_TEARDOWN");
	sqlite3_close(db);
}

/* Two captures of the same endpoints; one dialog killed by the timer after
 * an UPDATE answered without Contact, one doomed and still up, one fine. */
static void fill_views_db(void)
{
	struct dialog_record d;
	struct endpoint_record e = {.endpoint = "10.0.0.2:5060", .agent = "UCMA/3.0",
				    .refresh_answers_ok = 1, .malformed = 2, .lost = 0,
				    .rejected = 1};
	struct store *s = open_store(1000);

	begin_capture(s, "a.pcap", T0);
	fill_dialog(&d, 1, "killed", T0);
	d.doomed = true;
	d.doomed_at = T0 + 900 * SEC;
	d.ended = T0 + 1770 * SEC;
	d.end_class = END_TIMER_TEARDOWN;
	store_dialog(s, &d);
	put_finding(s, 1, 1, FINDING_REFRESH_LATE, T0 + 500 * SEC, "late refresh");
	put_finding(s, 2, 1, FINDING_REFRESH_2XX_NO_CONTACT, T0 + 900 * SEC,
		    "200 OK to UPDATE from 10.0.0.2:5060 (UCMA/3.0) lacks Contact");
	put_finding(s, 3, 1, FINDING_TIMER_TEARDOWN, T0 + 1770 * SEC, "BYE at the teardown point");

	fill_dialog(&d, 2, "doomed-up", T0 + SEC);
	d.doomed = true;
	d.doomed_at = T0 + 901 * SEC;
	store_dialog(s, &d);
	put_finding(s, 4, 2, FINDING_RESPONSE_NOT_RELAYED, T0 + 901 * SEC, "200 not relayed");

	fill_dialog(&d, 3, "fine", T0 + 2 * SEC);
	d.ended = T0 + 60 * SEC;
	d.end_class = END_NORMAL_BYE;
	store_dialog(s, &d);
	store_endpoint(s, &e);
	e.malformed = 3; /* a later, cumulative update of the same endpoint */
	store_endpoint(s, &e);
	store_close(s);

	s = open_store(1000);
	begin_capture(s, "b.pcap", T0 + 3600 * SEC);
	e.refresh_answers_ok = 10;
	e.malformed = 1;
	e.rejected = 0;
	store_endpoint(s, &e);
	store_close(s);
}

static void test_views(void **state)
{
	(void)state;
	char buf[256];
	fill_views_db();
	sqlite3 *db = peek_open();

	assert_int_equal(peek_int(db, "SELECT count(*) FROM doomed_dialogs"), 2);
	assert_string_equal(peek_text(db, "SELECT codes FROM doomed_dialogs WHERE call_id ="
					  " 'killed'", buf, sizeof buf),
			    "REFRESH_LATE,REFRESH_2XX_NO_CONTACT,TIMER_TEARDOWN");
	assert_string_equal(peek_text(db, "SELECT doom_codes FROM doomed_dialogs WHERE call_id ="
					  " 'killed'", buf, sizeof buf),
			    "REFRESH_2XX_NO_CONTACT,TIMER_TEARDOWN");
	assert_string_equal(peek_text(db, "SELECT blame_endpoint || ' ' || blame_agent FROM"
					  " doomed_dialogs WHERE id = 2", buf, sizeof buf),
			    "10.0.0.2:5060 UCMA/3.0");
	assert_string_equal(peek_text(db, "SELECT cause FROM doomed_dialogs WHERE id = 2", buf,
				      sizeof buf), "200 not relayed");

	assert_int_equal(peek_int(db, "SELECT count(*) FROM timer_teardowns"), 1);
	assert_string_equal(peek_text(db, "SELECT failed_codes FROM timer_teardowns", buf,
				      sizeof buf), "REFRESH_2XX_NO_CONTACT");
	assert_string_equal(peek_text(db, "SELECT failed_detail FROM timer_teardowns", buf,
				      sizeof buf),
			    "200 OK to UPDATE from 10.0.0.2:5060 (UCMA/3.0) lacks Contact");
	assert_string_equal(peek_text(db, "SELECT failed_endpoint FROM timer_teardowns", buf,
				      sizeof buf), "10.0.0.2:5060");
	assert_string_equal(peek_text(db, "SELECT teardown_detail FROM timer_teardowns", buf,
				      sizeof buf), "BYE at the teardown point");

	assert_int_equal(peek_int(db, "SELECT count(*) FROM refresh_stats_by_endpoint"), 1);
	assert_int_equal(peek_int(db, "SELECT refresh_answers_ok FROM refresh_stats_by_endpoint"),
			 11);
	assert_int_equal(peek_int(db, "SELECT malformed FROM refresh_stats_by_endpoint"), 4);
	assert_int_equal(peek_int(db, "SELECT rejected FROM refresh_stats_by_endpoint"), 1);
	sqlite3_close(db);
}

static void test_retention(void **state)
{
	(void)state;
	struct store_options o;
	struct dialog_record d;
	char err[256];
	const int64_t day = 86400 * SEC;

	store_options_defaults(&o);
	o.retention_days = 7;
	struct store *s = store_open(path, &o, err, sizeof err);
	assert_non_null(s);
	struct capture_info old = {.source = "old", .kind = "file", .started = T0,
				   .ended = T0 + 60 * SEC};
	store_begin_capture(s, &old);
	fill_dialog(&d, 1, "old", T0);
	store_dialog(s, &d);
	put_message(s, 1, 1, T0);
	put_message(s, 2, 1, T0 + 9 * day); /* late message of an old dialog */
	put_finding(s, 1, 1, FINDING_REFRESH_LATE, T0, "old");
	struct endpoint_record e = {.endpoint = "1.1.1.1:5060"};
	store_endpoint(s, &e);

	struct capture_info young = {.source = "young", .kind = "file", .started = T0 + 9 * day,
				     .ended = T0 + 9 * day + 60 * SEC};
	store_begin_capture(s, &young);
	fill_dialog(&d, 2, "young", T0 + 9 * day);
	store_dialog(s, &d);
	put_message(s, 3, 2, T0 + 9 * day);
	put_message(s, 4, 0, T0 + 9 * day); /* an OPTIONS, no dialog */
	put_finding(s, 2, 2, FINDING_REFRESH_LATE, T0 + 9 * day, "young");
	store_endpoint(s, &e);
	store_flush(s);

	store_apply_retention(s, T0 + 10 * day);
	assert_false(store_failed(s));
	store_close(s);

	sqlite3 *db = peek_open();
	char buf[64];
	assert_string_equal(peek_text(db, "SELECT group_concat(source) FROM captures", buf,
				      sizeof buf), "young");
	assert_string_equal(peek_text(db, "SELECT group_concat(call_id) FROM dialogs", buf,
				      sizeof buf), "young");
	assert_string_equal(peek_text(db, "SELECT group_concat(id) FROM messages", buf,
				      sizeof buf), "3,4");
	assert_string_equal(peek_text(db, "SELECT group_concat(detail) FROM findings", buf,
				      sizeof buf), "young");
	assert_int_equal(peek_int(db, "SELECT count(*) FROM endpoints"), 1);
	sqlite3_close(db);
}

/* Importing a capture older than the retention keeps it whole: the capture
 * being read from a file is never trimmed, the next run removes it. */
static void test_retention_keeps_file_capture(void **state)
{
	(void)state;
	struct store_options o;
	struct dialog_record d;
	char err[256];
	const int64_t day = 86400 * SEC;

	store_options_defaults(&o);
	o.retention_days = 7;
	struct store *s = store_open(path, &o, err, sizeof err);
	assert_non_null(s);
	struct capture_info old = {.source = "old.pcap", .kind = "file", .started = T0,
				   .ended = T0 + 60 * SEC};
	assert_int_equal(store_begin_capture(s, &old), 1);
	fill_dialog(&d, 1, "old", T0);
	store_dialog(s, &d);
	put_message(s, 1, 1, T0);
	put_finding(s, 1, 1, FINDING_REFRESH_LATE, T0, "old");
	store_apply_retention(s, T0 + 30 * day); /* the hourly run, mid-import */
	put_message(s, 2, 1, T0 + SEC);
	store_update_capture(s, &old);
	store_apply_retention(s, T0 + 30 * day);
	assert_false(store_failed(s));
	store_close(s);
	assert_int_equal(count_rows("SELECT count(*) FROM captures"), 1);
	assert_int_equal(count_rows("SELECT count(*) FROM dialogs"), 1);
	assert_int_equal(count_rows("SELECT count(*) FROM messages"), 2);
	assert_int_equal(count_rows("SELECT count(*) FROM findings"), 1);

	/* The next run (store_open applies retention on the wall clock). */
	s = store_open(path, &o, err, sizeof err);
	assert_non_null(s);
	struct capture_info young = {.source = "young.pcap", .kind = "file", .started = T0,
				     .ended = T0};
	assert_true(store_begin_capture(s, &young) > 0);
	store_close(s);
	char buf[64];
	sqlite3 *db = peek_open();
	assert_string_equal(peek_text(db, "SELECT group_concat(source) FROM captures", buf,
				      sizeof buf), "young.pcap");
	assert_int_equal(peek_int(db, "SELECT count(*) FROM dialogs"), 0);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM messages"), 0);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM findings"), 0);
	sqlite3_close(db);
}

/* A live capture runs for months: its own old rows go, its new ones stay. */
static void test_retention_trims_live_capture(void **state)
{
	(void)state;
	struct store_options o;
	struct dialog_record d;
	char err[256];
	const int64_t day = 86400 * SEC;

	store_options_defaults(&o);
	o.retention_days = 7;
	struct store *s = store_open(path, &o, err, sizeof err);
	assert_non_null(s);
	struct capture_info live = {.source = "eth1", .kind = "live", .started = T0,
				    .ended = TS_NONE};
	store_begin_capture(s, &live);
	fill_dialog(&d, 1, "old", T0);
	store_dialog(s, &d);
	put_message(s, 1, 1, T0);
	put_finding(s, 1, 1, FINDING_REFRESH_LATE, T0, "old");
	fill_dialog(&d, 2, "new", T0 + 20 * day);
	store_dialog(s, &d);
	put_message(s, 2, 2, T0 + 20 * day);
	put_message(s, 3, 0, T0 + 1 * day); /* an old OPTIONS */
	store_apply_retention(s, T0 + 21 * day);
	assert_false(store_failed(s));
	store_close(s);
	char buf[64];
	sqlite3 *db = peek_open();
	assert_int_equal(peek_int(db, "SELECT count(*) FROM captures"), 1);
	assert_string_equal(peek_text(db, "SELECT group_concat(call_id) FROM dialogs", buf,
				      sizeof buf), "new");
	assert_string_equal(peek_text(db, "SELECT group_concat(id) FROM messages", buf,
				      sizeof buf), "2");
	assert_int_equal(peek_int(db, "SELECT count(*) FROM findings"), 0);
	sqlite3_close(db);
}

/* Opening a db the process may not write.  As root permissions do not
 * apply, so the open is tried by a child running as nobody. */
static void test_readonly_db(void **state)
{
	(void)state;
	struct store *s = open_store(100);
	begin_capture(s, "a.pcap", T0);
	store_close(s);
	assert_int_equal(chmod(path, 0444), 0);
	assert_int_equal(chmod(dir, 0755), 0);

	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256] = "";
		close(fds[0]);
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(2);
		struct store *c = store_open(path, NULL, err, sizeof err);
		if (write(fds[1], err, strlen(err)) < 0)
			_exit(3);
		_exit(c ? 1 : 0);
	}
	close(fds[1]);
	char msg[256] = "";
	ssize_t n = read(fds[0], msg, sizeof msg - 1);
	close(fds[0]);
	msg[n > 0 ? n : 0] = '\0';
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("store_open on a read-only db: exit %d, err \"%s\"", WEXITSTATUS(status), msg);
	if (!strstr(msg, "readonly") || !strstr(msg, path))
		fail_msg("unclear error: \"%s\"", msg);
	print_message("read-only: \"%s\"\n", msg);
	chmod(path, 0644);
}

/* A disk that fills up: the file size limit stands in for it (issue 17).
 * The batch that hits it is rolled back, the batches before stay, the db
 * stays sound; the store does not fail but stores less, says why and
 * counts what it left out, and the dialog and finding given while the disk
 * was full are in the db at the end (written again from the writer's log). */
static void test_full_disk(void **state)
{
	(void)state;
	struct rlimit saved, lim;
	struct stat st;
	struct store_health h;
	static char body[2048];
	uint64_t id = 1, committed = 0;

	memset(body, 'x', sizeof body);
	struct store_options o;
	char err[256];
	store_options_defaults(&o);
	o.batch_rows = 1000000;
	o.retry_interval_us = 1000;
	struct store *s = store_open(path, &o, err, sizeof err);
	assert_non_null(s);
	begin_capture(s, "a.pcap", T0);
	struct message_record m = {.dialog_id = 1, .ts_us = T0, .src = "10.0.0.1:5060",
				   .dst = "10.0.0.2:5060", .method = "INVITE",
				   .raw = (const uint8_t *)body, .raw_len = sizeof body,
				   .header_len = 100};
	for (int b = 0; b < 5; b++, committed += 200) {
		for (int i = 0; i < 200; i++, id++) {
			m.id = id;
			store_message(s, &m);
		}
		store_flush(s);
	}
	store_get_health(s, &h);
	assert_false(h.incomplete);

	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
	char wal[160];
	snprintf(wal, sizeof wal, "%s-wal", path);
	off_t biggest = stat(path, &st) == 0 ? st.st_size : 0;
	if (stat(wal, &st) == 0 && st.st_size > biggest)
		biggest = st.st_size;
	lim = saved;
	lim.rlim_cur = (rlim_t)biggest + 256 * 1024;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

	for (int b = 0; b < 200; b++) {
		for (int i = 0; i < 200; i++, id++) {
			m.id = id;
			store_message(s, &m);
		}
		store_flush(s);
		store_get_health(s, &h);
		if (h.level >= STORE_NO_MESSAGES)
			break;
	}
	struct dialog_record d;
	fill_dialog(&d, 1, "c1", T0);
	store_dialog(s, &d);
	put_finding(s, 1, 1, FINDING_REFRESH_2XX_NO_CONTACT, T0 + SEC, "kept");
	store_flush(s);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	signal(SIGXFSZ, SIG_DFL);

	assert_false(store_failed(s));
	store_get_health(s, &h);
	assert_true(h.incomplete);
	assert_true(h.errors >= 1);
	assert_true(h.skipped > 0);
	assert_true(h.level >= STORE_NO_MESSAGES);
	if (!strstr(h.reason, "full") || !strstr(h.reason, path))
		fail_msg("unclear reason: \"%s\"", h.reason);
	print_message("full disk: \"%s\", %llu errors, %llu skipped\n", h.reason,
		      (unsigned long long)h.errors, (unsigned long long)h.skipped);
	usleep(20000);
	store_flush(s); /* room again: the level steps back up */
	store_close(s);

	sqlite3 *db = peek_open();
	char buf[400];
	assert_string_equal(peek_text(db, "PRAGMA integrity_check", buf, sizeof buf), "ok");
	assert_true(peek_int(db, "SELECT count(*) FROM messages") >= (int64_t)committed);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM dialogs"), 1);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM findings WHERE detail = 'kept'"), 1);
	assert_true(peek_int(db, "SELECT db_skipped FROM captures") > 0);
	assert_true(peek_int(db, "SELECT db_errors FROM captures") >= 1);
	if (!strstr(peek_text(db, "SELECT db_status FROM captures", buf, sizeof buf), "full"))
		fail_msg("db_status: \"%s\"", buf);
	sqlite3_close(db);
}

/* Another writer holds the db past the busy timeout: storing degrades
 * (issue 17) with a reason that says so; once the lock is released the
 * dialog given meanwhile is written. */
static void test_locked(void **state)
{
	(void)state;
	struct store_options o;
	struct store_health h;
	struct dialog_record d;
	char err[256];
	sqlite3 *other = NULL;

	store_options_defaults(&o);
	o.busy_timeout_ms = 200;
	o.retry_interval_us = 1000;
	struct store *s = store_open(path, &o, err, sizeof err);
	assert_non_null(s);
	begin_capture(s, "a.pcap", T0);
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	put_message(s, 1, 0, T0);
	fill_dialog(&d, 1, "c1", T0);
	store_dialog(s, &d);
	store_flush(s); /* the writer met the lock */
	assert_false(store_failed(s));
	store_get_health(s, &h);
	assert_true(h.failing);
	if (!strstr(h.reason, "locked"))
		fail_msg("unclear reason: \"%s\"", h.reason);
	print_message("locked: \"%s\"\n", h.reason);
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	usleep(5000);
	store_flush(s);
	store_get_health(s, &h);
	assert_false(h.failing);
	store_close(s);
	assert_int_equal(count_rows("SELECT count(*) FROM dialogs WHERE call_id = 'c1'"), 1);
	assert_true(count_rows("SELECT db_errors FROM captures") >= 1);
}

/* Live, the writer behind (here: held up by another connection's lock) and
 * the store pressed (the capture queue filling): message rows are skipped
 * rather than waited for, with a reason that says why, and every dialog
 * still reaches the db once the writer catches up.  Without the pressure
 * this loop would wait for the lock (up to the busy timeout). */
static void test_pressed_skips_messages(void **state)
{
	(void)state;
	struct store_options o;
	struct store_health h;
	struct dialog_record d;
	char err[256], cid[32];
	sqlite3 *other = NULL;
	const int n_msgs = 5000, every = 100;

	store_options_defaults(&o);
	o.busy_timeout_ms = 20000;
	o.queue_bytes = 256u << 10; /* one chunk, and one more of reserve */
	struct store *s = store_open(path, &o, err, sizeof err);
	assert_non_null(s);
	begin_capture(s, "live", T0);
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	store_set_pressed(s, true);
	for (int i = 0; i < n_msgs; i++) {
		put_message(s, (uint64_t)i + 1, 0, T0 + i);
		if (i % every == 0) {
			snprintf(cid, sizeof cid, "d%d", i / every);
			fill_dialog(&d, (uint64_t)(i / every) + 1, cid, T0 + i);
			store_dialog(s, &d);
		}
	}
	store_get_health(s, &h);
	print_message("pressed: %llu of %d message rows skipped: \"%s\"\n",
		      (unsigned long long)h.skipped, n_msgs, h.reason);
	assert_true(h.skipped > 0);
	assert_true(h.incomplete);
	assert_false(h.failing);
	if (!strstr(h.reason, "behind"))
		fail_msg("unclear reason: \"%s\"", h.reason);
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	store_set_pressed(s, false);
	store_flush(s);
	store_get_health(s, &h);
	store_close(s);
	assert_int_equal(count_rows("SELECT count(*) FROM dialogs"), n_msgs / every);
	assert_int_equal(count_rows("SELECT count(*) FROM messages"), n_msgs - (int64_t)h.skipped);
	assert_int_equal(count_rows("SELECT db_skipped FROM captures"), (int64_t)h.skipped);
}

/* The WAL is checkpointed into the db while the store stays open (by the
 * checkpoint thread), and the WAL file stays bounded. */
static void test_checkpoints_while_open(void **state)
{
	(void)state;
	static char body[4096];
	struct stat st;
	char wal[160];

	memset(body, 'y', sizeof body);
	struct store *s = open_store(1000);
	begin_capture(s, "a.pcap", T0);
	struct message_record m = {.ts_us = T0, .src = "10.0.0.1:5060", .dst = "10.0.0.2:5060",
				   .method = "INVITE", .raw = (const uint8_t *)body,
				   .raw_len = sizeof body, .header_len = sizeof body};
	for (uint64_t id = 1; id <= 20000; id++) { /* ~80 MB */
		m.id = id;
		store_message(s, &m);
	}
	store_flush(s);
	assert_false(store_failed(s));
	off_t db_size = 0;
	for (int i = 0; i < 100 && db_size < 40 * 1024 * 1024; i++) {
		usleep(50 * 1000);
		db_size = stat(path, &st) == 0 ? st.st_size : 0;
	}
	snprintf(wal, sizeof wal, "%s-wal", path);
	assert_int_equal(stat(wal, &st), 0);
	print_message("db %lld MB, wal %lld MB while open\n", (long long)db_size >> 20,
		      (long long)st.st_size >> 20);
	if (db_size < 40 * 1024 * 1024)
		fail_msg("nothing checkpointed while open: db is %lld bytes", (long long)db_size);
	assert_true(st.st_size < 300LL * 1024 * 1024);
	store_close(s);
	assert_int_equal(count_rows("SELECT count(*) FROM messages"), 20000);
}

/* Two sipwatch processes on one db take the same ids: the second one to
 * write is told so, rather than a bare "UNIQUE constraint failed". */
static void test_second_writer_id_clash(void **state)
{
	(void)state;
	uint64_t d1, m1, f1, d2, m2, f2;
	struct store *a = open_store(100);
	struct store *b = open_store(100);
	store_next_ids(a, &d1, &m1, &f1);
	store_next_ids(b, &d2, &m2, &f2);
	assert_int_equal(m1, m2);
	put_message(a, m1, 0, T0);
	store_flush(a);
	assert_false(store_failed(a));
	put_message(b, m2, 0, T0);
	store_sync(b);
	assert_true(store_failed(b));
	if (!strstr(store_error(b), "another sipwatch"))
		fail_msg("unclear error: \"%s\"", store_error(b));
	store_close(b);
	store_close(a);
	assert_int_equal(count_rows("SELECT count(*) FROM messages"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_created, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_version_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_from_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_not_reused_after_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file_upgraded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_capture_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_headers_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialog_upsert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_views, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_keeps_file_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_trims_live_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_db, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pressed_skips_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_writer_id_clash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints_while_open, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
