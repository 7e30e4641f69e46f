/* test_writer: the store's writer thread and its queue.  The store_* calls
 * only queue records; a thread of the store runs them.  What must hold:
 * rows land in the order of the calls, a dialog is written once per batch
 * whatever its updates (its latest state), a failure of the writer reaches
 * the caller, store_flush returns only after the commit, and the queue's
 * memory stays within its byte budget, whatever the records' sizes.
 *
 * Writes are counted by SQLite itself: triggers on dialogs and endpoints
 * count every insert and update into a side table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/rowq.h"
#include "db/store.h"
#include "tests/support/test_db.h"
#include "tests/support/test_dir.h"

#define T0 (1700000000LL * USEC_PER_SEC)
#define SEC USEC_PER_SEC

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	return test_dir_make("test_writer", dir, sizeof dir, path, sizeof path);
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

static void exec_sql(const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

static struct store *open_store(size_t batch_rows, size_t queue_bytes)
{
	struct store_options o;
	char err[256] = "";

	store_options_defaults(&o);
	o.batch_rows = batch_rows;
	if (queue_bytes)
		o.queue_bytes = queue_bytes;
	struct store *s = store_open(path, &o, err, sizeof err);
	if (!s)
		fail_msg("store_open: %s", err);
	return s;
}

/* A fresh db whose dialogs and endpoints writes are counted in `writes`. */
static struct store *open_counted(size_t batch_rows, size_t queue_bytes)
{
	struct store *s = open_store(batch_rows, queue_bytes);
	store_close(s);
	exec_sql("CREATE TABLE writes (what TEXT, id INTEGER);"
		 "CREATE TRIGGER dialogs_ins AFTER INSERT ON dialogs"
		 " BEGIN INSERT INTO writes VALUES ('dialog', new.id); END;"
		 "CREATE TRIGGER dialogs_upd AFTER UPDATE ON dialogs"
		 " BEGIN INSERT INTO writes VALUES ('dialog', new.id); END;"
		 "CREATE TRIGGER endpoints_ins AFTER INSERT ON endpoints"
		 " BEGIN INSERT INTO writes VALUES ('endpoint', new.rowid); END;"
		 "CREATE TRIGGER endpoints_upd AFTER UPDATE ON endpoints"
		 " BEGIN INSERT INTO writes VALUES ('endpoint', new.rowid); END;");
	s = open_store(batch_rows, queue_bytes);
	struct capture_info c = {.source = "a.pcap", .kind = "file", .started = T0, .ended = T0};
	assert_true(store_begin_capture(s, &c) > 0);
	return s;
}

static void put_message(struct store *s, uint64_t id, uint64_t dialog_id, const char *raw,
			size_t raw_len)
{
	struct message_record m = {.id = id, .dialog_id = dialog_id, .ts_us = T0 + (int64_t)id,
				   .src = "10.0.0.1:5060", .dst = "10.0.0.2:5060",
				   .transport = TRANSPORT_UDP, .method = "INVITE", .cseq = 1,
				   .cseq_method = "INVITE", .call_id = "c1",
				   .raw = (const uint8_t *)raw, .raw_len = raw_len,
				   .header_len = raw_len};
	store_message(s, &m);
}

static void fill_dialog(struct dialog_record *d, uint64_t id, uint32_t n_messages)
{
	static char call_id[32];

	memset(d, 0, sizeof *d);
	snprintf(call_id, sizeof call_id, "call-%llu", (unsigned long long)id);
	d->id = id;
	d->call_id = call_id;
	d->from_uri = "sip:alice@example.com";
	d->to_uri = "sip:bob@example.com";
	d->created = T0 + (int64_t)id;
	d->established = d->ended = d->last_refresh = d->deadline = TS_NONE;
	d->teardown_expected = d->doomed_at = TS_NONE;
	d->session_expires = d->min_se = -1;
	d->state = "early";
	d->n_messages = n_messages;
}

/* ---- ordering ---- */

static void test_order(void **state)
{
	(void)state;
	struct store *s = open_counted(1000, 0);
	struct dialog_record d;
	char raw[64];
	struct endpoint_record e = {.endpoint = "10.0.0.9:5060", .agent = "B/1"};

	for (uint64_t i = 1; i <= 300; i++) {
		int n = snprintf(raw, sizeof raw, "message %llu", (unsigned long long)i);
		put_message(s, i, 1 + i % 7, raw, (size_t)n);
	}
	store_endpoint(s, &e);
	snprintf(e.endpoint, sizeof e.endpoint, "10.0.0.3:5060");
	store_endpoint(s, &e);
	fill_dialog(&d, 5, 1);
	store_dialog(s, &d);
	/* the ids the analyzer starts from see every row queued before */
	uint64_t did, mid, fid;
	store_next_ids(s, &did, &mid, &fid);
	assert_int_equal(did, 6);
	assert_int_equal(mid, 301);
	assert_int_equal(fid, 1);
	store_close(s);
	/* raw is a BLOB, byte for byte (issue 17): compared as text through CAST */
	assert_int_equal(peek_int("SELECT count(*) FROM messages WHERE typeof(raw) = 'blob'"
				  " AND CAST(raw AS TEXT) = 'message ' || id"), 300);
	/* endpoints get their rowids in the order of the calls */
	assert_int_equal(peek_int("SELECT rowid FROM endpoints WHERE endpoint = '10.0.0.9:5060'"), 1);
	assert_int_equal(peek_int("SELECT rowid FROM endpoints WHERE endpoint = '10.0.0.3:5060'"), 2);
}

/* ---- coalescing ---- */

/* A dialog written in an earlier batch is updated by id (no INSERT tried);
 * one whose id is below the highest written but has no row yet (out of
 * order) is still inserted, and an update keeps what the upsert kept. */
static void test_dialog_update_by_id(void **state)
{
	(void)state;
	struct store *s = open_counted(1000, 0);
	struct dialog_record d;

	fill_dialog(&d, 9, 1);
	d.method = "INVITE";
	store_dialog(s, &d);
	store_flush(s);
	fill_dialog(&d, 4, 2); /* below 9, never written */
	store_dialog(s, &d);
	fill_dialog(&d, 9, 3);
	d.call_id = "changed";
	d.created = T0 + 1000;
	d.doomed = 1;
	d.doomed_at = T0 + 2000;
	d.final_status = 486;
	store_dialog(s, &d);
	store_flush(s);
	store_close(s);
	assert_int_equal(peek_int("SELECT count(*) FROM dialogs"), 2);
	assert_int_equal(peek_int("SELECT count(*) FROM writes WHERE what = 'dialog'"), 3);
	assert_int_equal(peek_int("SELECT n_messages FROM dialogs WHERE id = 4"), 2);
	assert_int_equal(peek_int("SELECT call_id = 'call-4' FROM dialogs WHERE id = 4"), 1);
	assert_int_equal(peek_int("SELECT n_messages FROM dialogs WHERE id = 9"), 3);
	assert_int_equal(peek_int("SELECT final_status FROM dialogs WHERE id = 9"), 486);
	/* call_id, created, capture_id and method are the first write's */
	assert_int_equal(peek_int("SELECT call_id = 'call-9' FROM dialogs WHERE id = 9"), 1);
	/* created: 5 us after dialog 4's, not the 1 ms of the update (REAL seconds) */
	assert_int_equal(peek_int("SELECT abs(created - (SELECT created FROM dialogs WHERE id = 4))"
				  " < 0.0005 FROM dialogs WHERE id = 9"), 1);
	assert_int_equal(peek_int("SELECT capture_id FROM dialogs WHERE id = 9"), 1);
	/* the partial index on doomed dialogs follows the update */
	assert_int_equal(peek_int("SELECT count(*) FROM dialogs INDEXED BY dialogs_doomed"
				  " WHERE doomed = 1 AND capture_id = 1"), 1);
}

static void test_dialog_coalesced(void **state)
{
	(void)state;
	struct store *s = open_counted(1000, 0);
	struct dialog_record d;

	/* five updates of two dialogs in one batch: one write each, the latest state */
	for (uint32_t k = 1; k <= 5; k++) {
		fill_dialog(&d, 1, k);
		store_dialog(s, &d);
		fill_dialog(&d, 2, 10 * k);
		d.doomed = k >= 3;
		store_dialog(s, &d);
	}
	store_flush(s);
	assert_int_equal(peek_int("SELECT count(*) FROM writes WHERE what = 'dialog'"), 2);
	assert_int_equal(peek_int("SELECT n_messages FROM dialogs WHERE id = 1"), 5);
	assert_int_equal(peek_int("SELECT n_messages FROM dialogs WHERE id = 2"), 50);
	assert_int_equal(peek_int("SELECT doomed FROM dialogs WHERE id = 2"), 1);

	/* the next batch writes it again; call_id and created stay the first ones */
	fill_dialog(&d, 1, 6);
	d.end_class = END_NORMAL_BYE;
	store_dialog(s, &d);
	store_flush(s);
	assert_int_equal(peek_int("SELECT count(*) FROM writes WHERE what = 'dialog'"), 3);
	assert_int_equal(peek_int("SELECT n_messages FROM dialogs WHERE id = 1"), 6);
	assert_int_equal(peek_int("SELECT end_class = 'NORMAL_BYE' FROM dialogs WHERE id = 1"), 1);

	/* a row-bound commit writes the dialogs queued before it, not after */
	store_close(s);
	s = open_store(3, 0);
	fill_dialog(&d, 7, 1);
	store_dialog(s, &d);
	put_message(s, 1, 7, "a", 1);
	put_message(s, 2, 7, "b", 1);
	put_message(s, 3, 7, "c", 1); /* the commit point */
	fill_dialog(&d, 7, 4);
	store_dialog(s, &d);
	store_sync(s);
	assert_int_equal(peek_int("SELECT n_messages FROM dialogs WHERE id = 7"), 1);
	assert_int_equal(peek_int("SELECT count(*) FROM messages WHERE dialog_id = 7"), 3);
	store_flush(s);
	assert_int_equal(peek_int("SELECT n_messages FROM dialogs WHERE id = 7"), 4);
	store_close(s);
}

/* More dialogs in one batch than the map holds: written early, in the
 * same transaction (or an early commit once the writer's log of essentials
 * passes its soft size), every one with its latest state. */
static void test_dialog_map_full(void **state)
{
	(void)state;
	struct store *s = open_counted(1000000, 0);
	struct dialog_record d;
	const uint64_t n = 40000;

	for (int round = 1; round <= 2; round++)
		for (uint64_t id = 1; id <= n; id++) {
			fill_dialog(&d, id, (uint32_t)(round * id));
			store_dialog(s, &d);
		}
	store_sync(s);
	/* the latest states are not all committed yet */
	assert_true(peek_int("SELECT count(*) FROM dialogs WHERE n_messages = 2 * id") < (int64_t)n);
	store_close(s);
	assert_int_equal(peek_int("SELECT count(*) FROM dialogs"), (int64_t)n);
	assert_int_equal(peek_int("SELECT count(*) FROM dialogs WHERE n_messages = 2 * id"),
			 (int64_t)n);
	int64_t writes = peek_int("SELECT count(*) FROM writes WHERE what = 'dialog'");
	print_message("%lld dialog writes for %llu dialogs x 2 updates\n", (long long)writes,
		      (unsigned long long)n);
	assert_true(writes >= (int64_t)n && writes <= (int64_t)(2 * n));
}

/* ---- flush ---- */

static void test_flush_commits(void **state)
{
	(void)state;
	struct store *s = open_store(1000000, 0);
	struct capture_info c = {.source = "a.pcap", .kind = "file", .started = T0, .ended = T0};
	assert_true(store_begin_capture(s, &c) > 0);

	for (uint64_t i = 1; i <= 5000; i++)
		put_message(s, i, 0, "x", 1);
	store_sync(s); /* done, but no commit point was due */
	assert_int_equal(peek_int("SELECT count(*) FROM messages"), 0);
	store_flush(s);
	assert_int_equal(peek_int("SELECT count(*) FROM messages"), 5000);
	/* a flush with nothing pending is harmless */
	store_flush(s);
	assert_false(store_failed(s));
	store_close(s);
}

/* ---- failures ---- */

/* Another writer holds the lock (issue 17): the writer degrades, never
 * fails; the caller is never left waiting on a full queue (a record with no
 * room is skipped and counted); once the lock is gone the store resumes. */
static void test_failure_reaches_caller(void **state)
{
	(void)state;
	struct store_options o;
	struct store_health h;
	char err[256];
	static char body[3000];
	sqlite3 *other = NULL;

	memset(body, 'z', sizeof body);
	store_options_defaults(&o);
	o.busy_timeout_ms = 100;
	o.retry_interval_us = 1000;
	o.queue_bytes = 64 << 10; /* a small queue: the producer has to wait for the writer */
	struct store *s = store_open(path, &o, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	for (uint64_t i = 1; i <= 2000; i++) /* ~6 MB through a 64 KiB queue */
		put_message(s, i, 0, body, sizeof body);
	store_flush(s);
	assert_false(store_failed(s));
	store_get_health(s, &h);
	assert_true(h.failing && h.incomplete && h.skipped > 0 && h.level > STORE_ALL);
	if (!strstr(h.reason, "locked"))
		fail_msg("unclear reason: \"%s\"", h.reason);
	struct capture_info c = {.source = "a.pcap", .kind = "file"};
	assert_int_equal(store_begin_capture(s, &c), 0); /* pending: written once it can be */
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	usleep(20000);
	store_flush(s);
	assert_true(store_capture_id(s) > 0);
	for (uint64_t i = 2001; i <= 2010; i++)
		put_message(s, i, 0, "x", 1);
	store_flush(s);
	store_get_health(s, &h);
	assert_false(h.failing);
	store_close(s);
	assert_int_equal(peek_int("SELECT count(*) FROM captures"), 1);
	assert_true(peek_int("SELECT db_skipped FROM captures") >= 2000);
}

/* ---- the queue's memory ---- */

struct feeder {
	struct rowq *q;
	int n;
};

static void *feed(void *arg)
{
	struct feeder *f = arg;

	for (int i = 0; i < f->n; i++) {
		/* sizes from 16 bytes to 96 KiB (bigger than a chunk) */
		size_t size = i % 50 == 49 ? 96 << 10 : 16 + (size_t)(i * 131) % 3000;
		uint32_t *p = rowq_alloc(f->q, size);
		p[0] = (uint32_t)i;
		p[1] = (uint32_t)size;
		if (i % 97 == 0)
			rowq_publish(f->q);
	}
	rowq_publish(f->q);
	rowq_close(f->q);
	return NULL;
}

static void test_queue_bounded(void **state)
{
	(void)state;
	const size_t chunk = 16 << 10, budget = 128 << 10;
	struct rowq *q = rowq_new(chunk, budget);
	struct feeder f = {.q = q, .n = 20000};
	pthread_t t;
	int next = 0;

	assert_int_equal(pthread_create(&t, NULL, feed, &f), 0);
	for (struct rowq_chunk *c; (c = rowq_take(q));) {
		while (c) {
			struct rowq_chunk *after = c->next;
			size_t off = 0;
			while (off < c->used) {
				const uint32_t *p = (const uint32_t *)(c->data + off);
				assert_int_equal(p[0], (uint32_t)next); /* in order, none lost */
				next++;
				off += (p[1] + ROWQ_ALIGN - 1) & ~(size_t)(ROWQ_ALIGN - 1);
			}
			assert_true(rowq_bytes(q) <= budget || c->cap > chunk);
			rowq_release(q, c);
			c = after;
		}
	}
	pthread_join(t, NULL);
	assert_int_equal(next, f.n);
	/* within the budget, except a record bigger than the budget would allow
	 * next to what is queued: it goes alone */
	print_message("peak %zu bytes for a budget of %zu\n", rowq_peak_bytes(q), budget);
	assert_true(rowq_peak_bytes(q) <= budget);
	assert_int_equal(rowq_bytes(q), 0);
	rowq_free(q);
}

/* With the budget spent, rowq_try_alloc says no and rowq_alloc_reserve
 * still gets room, up to twice the budget; a skippable record never lands in
 * the reserve, even where the reserve's open chunk has room left. */
static void test_queue_reserve(void **state)
{
	(void)state;
	const size_t chunk = 4096, budget = 4 * 4096;
	struct rowq *q = rowq_new(chunk, budget);
	size_t n_try = 0, n_reserve = 0;

	while (rowq_try_alloc(q, 1000))
		n_try++;
	assert_int_equal(n_try, 4 * 4); /* four 1,000-byte records a chunk, four chunks */
	assert_true(rowq_bytes(q) <= budget);
	for (int i = 0; i < 8; i++) {
		assert_non_null(rowq_alloc_reserve(q, 1000));
		n_reserve++;
		assert_null(rowq_try_alloc(q, 8)); /* the open chunk is the reserve's */
	}
	assert_true(rowq_bytes(q) > budget);
	assert_true(rowq_peak_bytes(q) <= 2 * budget);
	rowq_publish(q);
	/* the writer gives everything back: the budget is whole again */
	for (struct rowq_chunk *c = rowq_take(q); c;) {
		struct rowq_chunk *after = c->next;
		rowq_release(q, c);
		c = after;
	}
	assert_int_equal(rowq_bytes(q), 0);
	assert_non_null(rowq_try_alloc(q, 1000));
	print_message("%zu records within the budget, %zu in the reserve\n", n_try, n_reserve);
	rowq_free(q);
}

/* A record bigger than the whole budget still goes through, whole. */
static void test_huge_message(void **state)
{
	(void)state;
	static char big[300 << 10];
	struct store *s = open_store(1000, 64 << 10);
	struct capture_info c = {.source = "a.pcap", .kind = "file", .started = T0, .ended = T0};

	assert_true(store_begin_capture(s, &c) > 0);
	memset(big, 'q', sizeof big);
	put_message(s, 1, 0, "small", 5);
	put_message(s, 2, 0, big, sizeof big);
	put_message(s, 3, 0, "small", 5);
	store_close(s);
	assert_int_equal(peek_int("SELECT length(raw) FROM messages WHERE id = 2"), sizeof big);
	assert_int_equal(peek_int("SELECT count(*) FROM messages"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialog_coalesced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialog_update_by_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialog_map_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_reaches_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_reserve, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
