/* test_index_build: secondary indexes deferred during a file import into an
 * empty db and built at its end (db/index_build.c): the list matches the
 * schema exactly, a db that holds rows keeps its indexes, store_build_indexes
 * builds them, and a db left without them (a killed import) gets them back
 * at the next open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "db/index_build.h"
#include "db/store.h"
#include "tests/support/test_db.h"
#include "tests/support/test_dir.h"

#define T0 (1700000000LL * USEC_PER_SEC)

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	return test_dir_make("test_index_build", dir, sizeof dir, path, sizeof path);
}

static int teardown(void **state)
{
	(void)state;
	return test_dir_remove(dir);
}

static int64_t peek_int(const char *sql)
{
	return test_db_int(path, sql);
}

/* Indexes made by CREATE INDEX (not the automatic ones of a primary key). */
static int64_t n_indexes(void)
{
	return peek_int("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL");
}

static struct store *open_store(bool defer)
{
	struct store_options o;
	char err[256] = "";

	store_options_defaults(&o);
	o.defer_indexes = defer;
	struct store *s = store_open(path, &o, err, sizeof err);
	if (!s)
		fail_msg("store_open: %s", err);
	return s;
}

static void put_rows(struct store *s, uint64_t first_id, int n)
{
	static const char raw[] = "OPTIONS sip:a@b SIP/2.0\r\n\r\n";
	struct capture_info c = {.source = "x.pcap", .kind = "file", .started = T0, .ended = T0};
	uint64_t cap = store_begin_capture(s, &c);
	assert_true(cap > 0);
	for (int i = 0; i < n; i++) {
		struct message_record m = {.id = first_id + (uint64_t)i, .ts_us = T0 + i,
					   .src = "127.0.200.1:5060", .dst = "127.0.200.2:5060",
					   .transport = TRANSPORT_UDP, .method = "OPTIONS", .cseq = 1,
					   .cseq_method = "OPTIONS", .call_id = "c1",
					   .raw = (const uint8_t *)raw, .raw_len = sizeof raw - 1,
					   .header_len = sizeof raw - 1};
		store_message(s, &m);
	}
}

/* Every deferrable index is exactly one of the schema's: on a fresh db all 13
 * are dropped (none left alone for a mismatch), and built again identically. */
static void test_list_matches_schema(void **state)
{
	(void)state;
	store_close(open_store(false));
	int64_t all = n_indexes();
	assert_int_equal(all, 14);
	int64_t sum_before = peek_int("SELECT sum(length(sql)) FROM sqlite_master WHERE type = 'index'");

	sqlite3 *db = NULL;
	int dropped = -1;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(index_build_defer(db, &dropped), SQLITE_OK);
	assert_int_equal(dropped, 13);
	assert_int_equal(index_build_restore(db), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(n_indexes(), all);
	assert_int_equal(peek_int("SELECT sum(length(sql)) FROM sqlite_master WHERE type = 'index'"),
			 sum_before);
}

/* A file import into an empty db: no secondary index while rows go in, all of
 * them after store_build_indexes, with the rows intact. */
static void test_deferred_then_built(void **state)
{
	(void)state;
	struct store *s = open_store(true);
	put_rows(s, 1, 500);
	store_flush(s);
	assert_int_equal(n_indexes(), 1); /* endpoints_endpoint only */
	assert_int_equal(peek_int("SELECT count(*) FROM messages"), 500);
	store_build_indexes(s);
	assert_false(store_failed(s));
	assert_int_equal(n_indexes(), 14);
	store_close(s);
	assert_int_equal(n_indexes(), 14);
	assert_int_equal(peek_int("SELECT count(*) FROM messages INDEXED BY messages_ts"), 500);
}

/* issue 20, the end of an import in two steps: first the indexes a report
 * reads (not the two on messages), then the rest queued without waiting; a
 * reader reads the db, by the report's indexes, meanwhile; store_build_indexes
 * waits for the rest. */
static void test_report_indexes_first(void **state)
{
	(void)state;
	struct store *s = open_store(true);
	put_rows(s, 1, 500);
	store_build_report_indexes(s);
	assert_false(store_failed(s));
	assert_int_equal(n_indexes(), 12);
	assert_int_equal(peek_int("SELECT count(*) FROM sqlite_master WHERE name IN"
				  " ('messages_dialog', 'messages_ts')"), 0);
	assert_int_equal(peek_int("SELECT count(*) FROM sqlite_master WHERE name IN"
				  " ('dialogs_capture_created', 'findings_dialog', 'messages_outside')"), 3);
	store_start_indexes(s);
	/* read while the writer may be building them (WAL: no lock between the two) */
	assert_int_equal(peek_int("SELECT count(*) FROM messages"), 500);
	store_build_indexes(s);
	assert_false(store_failed(s));
	assert_int_equal(n_indexes(), 14);
	store_close(s);
	assert_int_equal(n_indexes(), 14);
	assert_int_equal(peek_int("SELECT count(*) FROM messages INDEXED BY messages_dialog"
				  " WHERE dialog_id IS NOT NULL"),
			 peek_int("SELECT count(*) FROM messages WHERE dialog_id IS NOT NULL"));
}

/* store_close alone builds them too (a caller that never asks). */
static void test_close_builds(void **state)
{
	(void)state;
	struct store *s = open_store(true);
	put_rows(s, 1, 10);
	store_close(s);
	assert_int_equal(n_indexes(), 14);
}

/* A db that already holds rows keeps its indexes while a file is imported. */
static void test_not_empty_keeps_indexes(void **state)
{
	(void)state;
	struct store *s = open_store(false);
	put_rows(s, 1, 10);
	store_close(s);
	s = open_store(true);
	put_rows(s, 11, 10);
	store_flush(s);
	assert_int_equal(n_indexes(), 14);
	store_close(s);
}

/* What a killed import leaves (rows, no deferred index) passes integrity_check;
 * the next open builds the indexes. */
static void test_killed_import_restored(void **state)
{
	(void)state;
	struct store *s = open_store(false);
	store_close(s);
	sqlite3 *db = NULL;
	int dropped = 0;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(index_build_defer(db, &dropped), SQLITE_OK);
	assert_int_equal(dropped, 13);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO messages (id, ts) VALUES (1, 1.5)", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(n_indexes(), 1);
	assert_int_equal(peek_int("SELECT count(*) FROM pragma_integrity_check WHERE"
				  " integrity_check = 'ok'"), 1);
	s = open_store(true); /* not empty now: nothing deferred again */
	store_close(s);
	assert_int_equal(n_indexes(), 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_matches_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_then_built, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_indexes_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_builds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_empty_keeps_indexes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_import_restored, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
