/* prune: chunk sizes.  A full disk may leave less room than one chunk's WAL
 * frames need, so writer_room_make halves the chunks (prune_shrink) until one
 * fits; prune_rewind gives them their full size again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>

#include "db/prune.h"
#include "db/schema.h"
#include "tests/support/test_dir.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	return test_dir_make("test_prune", dir, sizeof dir, path, sizeof path);
}

static int teardown(void **state)
{
	(void)state;
	return test_dir_remove(dir);
}

/* A db of one capture whose one healthy ended dialog has n messages with text. */
static sqlite3 *open_with_messages(int n)
{
	sqlite3 *db = NULL;
	char err[256];
	char sql[512];

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(schema_configure(db, path, 1000, err, sizeof err), SQLITE_OK);
	assert_int_equal(schema_migrate(db, path, 1000, err, sizeof err), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN;"
				      "INSERT INTO captures (id, source, kind) VALUES (1, 'f', 'file');"
				      "INSERT INTO dialogs (id, capture_id, call_id, created, ended, end_class)"
				      " VALUES (1, 1, 'c1', 1.0, 2.0, 'BYE');",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	snprintf(sql, sizeof sql,
		 "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %d)"
		 " INSERT INTO messages (id, dialog_id, ts, capture_id, call_id, raw)"
		 " SELECT i, 1, 1.0 + i / 1e6, 1, 'c1', 'INVITE sip:x SIP/2.0' FROM k;"
		 "COMMIT;",
		 n);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static void shrink_halves_the_chunk_rewind_restores_it(void **state)
{
	(void)state;
	int rc;
	sqlite3 *db = open_with_messages(5000);
	struct pruner *p = prune_new(db, &rc);
	assert_non_null(p);

	/* Step 1 strips the bodies of healthy ended dialogs, 2000 a chunk. */
	assert_int_equal(prune_step(p, true, 1, &rc), 2000);
	assert_true(prune_shrink(p));
	assert_int_equal(prune_step(p, true, 1, &rc), 1000);
	assert_true(prune_shrink(p));
	assert_int_equal(prune_step(p, true, 1, &rc), 500);
	for (int i = 0; i < 5; i++)
		assert_true(prune_shrink(p));
	assert_false(prune_shrink(p)); /* 2000 / 128 = 15 is as small as it goes */
	assert_int_equal(prune_step(p, true, 1, &rc), 15);
	prune_rewind(p);
	/* Full size again, from where the step's cursor stood. */
	assert_int_equal(prune_step(p, true, 1, &rc), 1485);
	prune_free(p);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(shrink_halves_the_chunk_rewind_restores_it, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
