/* test_columns: the list's column choice — names from the titles, parse
 * and format round trip, bad lists refused, a layout in the user's order
 * that fits the width and drops what dialog_row drops first, the editor's
 * toggle and move, and saving --columns into a config file that keeps its
 * other lines (config_save_option, read back by config_argv). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/config.h"
#include "tests/support/test_dir.h"
#include "ui/columns.h"

static void test_names(void **state)
{
	char n[COLUMNS_NAME_MAX];

	(void)state;
	columns_name(DIALOG_COL_CALLID, n, sizeof n);
	assert_string_equal(n, "callid");
	columns_name(DIALOG_COL_PARTIES, n, sizeof n); /* "FROM → TO" */
	assert_string_equal(n, "fromto");
	columns_name(DIALOG_COL_TIMER, n, sizeof n); /* "SE/REF" */
	assert_string_equal(n, "seref");
	columns_name(DIALOG_COL_STATE, n, 3); /* cut, terminated */
	assert_string_equal(n, "st");
}

static void test_parse_format(void **state)
{
	struct columns c, every;
	char text[COLUMNS_TEXT_MAX], err[256];

	(void)state;
	assert_true(columns_parse(" CallID, state ,findings", &c, err, sizeof err));
	assert_int_equal(c.n, 3);
	assert_int_equal(c.order[0], DIALOG_COL_CALLID);
	assert_int_equal(c.order[1], DIALOG_COL_STATE);
	assert_int_equal(c.order[2], DIALOG_COL_FINDINGS);
	assert_true(c.custom);
	assert_true(columns_shown(&c, DIALOG_COL_STATE));
	assert_false(columns_shown(&c, DIALOG_COL_START));
	columns_format(&c, text, sizeof text);
	assert_string_equal(text, "callid,state,findings");
	/* every column in the default order is no custom choice */
	columns_default(&every);
	columns_format(&every, text, sizeof text);
	assert_true(columns_parse(text, &c, err, sizeof err));
	assert_false(c.custom);
	assert_int_equal(c.n, DIALOG_COL_COUNT);
}

static void test_parse_refuses(void **state)
{
	struct columns c;
	char err[512];

	(void)state;
	assert_false(columns_parse("state,nosuch", &c, err, sizeof err));
	assert_non_null(strstr(err, "unknown column \"nosuch\""));
	assert_non_null(strstr(err, "callid")); /* the names are listed */
	assert_false(columns_parse("state,State", &c, err, sizeof err));
	assert_non_null(strstr(err, "repeated"));
	assert_false(columns_parse(" , ", &c, err, sizeof err));
	assert_false(columns_parse(NULL, &c, err, sizeof err));
}

static void test_layout_order_and_fit(void **state)
{
	struct columns c, every;
	struct dialog_row_layout lay, ref;
	char err[128];

	(void)state;
	assert_true(columns_parse("findings,callid,state", &c, err, sizeof err));
	columns_layout(&c, 0, 100, &lay);
	assert_int_equal(lay.x[DIALOG_COL_FINDINGS], 0);
	assert_true(lay.x[DIALOG_COL_CALLID] > lay.x[DIALOG_COL_FINDINGS]);
	assert_true(lay.x[DIALOG_COL_STATE] > lay.x[DIALOG_COL_CALLID]);
	assert_int_equal(lay.w[DIALOG_COL_START], 0); /* not chosen */
	/* flush to the width */
	assert_int_equal(lay.x[DIALOG_COL_STATE] + lay.w[DIALOG_COL_STATE], 100);
	/* a gutter of 2 shifts everything */
	columns_layout(&c, 2, 100, &lay);
	assert_int_equal(lay.x[DIALOG_COL_FINDINGS], 2);
	assert_int_equal(lay.x[DIALOG_COL_STATE] + lay.w[DIALOG_COL_STATE], 100);
	/* the default choice is dialog_row's own layout */
	columns_default(&every);
	columns_layout(&every, 0, 120, &lay);
	dialog_row_layout(120, &ref);
	assert_memory_equal(&lay, &ref, sizeof lay);
	/* too narrow: START (dropped first of these) goes, the others stay */
	assert_true(columns_parse("start,state,callid,teardown,fromto,findings", &c, err, sizeof err));
	columns_layout(&c, 0, 80, &lay);
	assert_int_equal(lay.w[DIALOG_COL_START], 0);
	assert_true(lay.w[DIALOG_COL_STATE] > 0 && lay.w[DIALOG_COL_FINDINGS] > 0);
	for (int i = 0; i < DIALOG_COL_COUNT; i++)
		assert_true(lay.x[i] + lay.w[i] <= 80);
}

static void test_editor(void **state)
{
	struct columns c, out;
	struct columns_edit e;
	char err[128], text[COLUMNS_TEXT_MAX];

	(void)state;
	assert_true(columns_parse("state,callid", &c, err, sizeof err));
	columns_edit_begin(&e, &c);
	/* shown ones first in their order, then the hidden ones */
	assert_int_equal(e.all[0], DIALOG_COL_STATE);
	assert_int_equal(e.all[1], DIALOG_COL_CALLID);
	assert_true(e.on[1]);
	assert_false(e.on[2]);
	e.cursor = 1;
	columns_edit_move(&e, -1); /* callid before state */
	assert_int_equal(e.cursor, 0);
	columns_edit_move(&e, -1); /* at the top: stays */
	assert_int_equal(e.cursor, 0);
	e.cursor = 2;
	columns_edit_toggle(&e); /* show the first hidden one (method: after state in dialog_row) */
	assert_true(columns_edit_result(&e, &out, err, sizeof err));
	columns_format(&out, text, sizeof text);
	assert_string_equal(text, "callid,state,method");
	for (int i = 0; i < DIALOG_COL_COUNT; i++)
		e.on[i] = false;
	assert_false(columns_edit_result(&e, &out, err, sizeof err));
	assert_non_null(strstr(err, "at least one"));
}

static void test_save_in_config(void **state)
{
	char dir[256], db[300], path[400], msg[512], line[256];
	char *argv0[] = {"sipwatch", "-r", "x.pcap", NULL}, **args;
	FILE *f;
	int n = 0;

	(void)state;
	assert_int_equal(test_dir_make("sw18f-columns", dir, sizeof dir, db, sizeof db), 0);
	snprintf(path, sizeof path, "%s/config", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# mine\n--utc\n--columns state\n", f);
	fclose(f);
	setenv("SIPWATCH_CONFIG", path, 1);
	args = config_argv(3, argv0, &n); /* remembers the file it read */
	assert_non_null(args);
	assert_int_equal(n, 3 + 3);
	assert_true(config_save_option("--columns", "callid,state", msg, sizeof msg));
	assert_string_equal(msg, path);
	config_free();
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, "# mine\n");
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, "--utc\n");
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, "--columns callid,state\n"); /* replaced, not added */
	assert_null(fgets(line, sizeof line, f));
	fclose(f);
	/* read back at the next start */
	args = config_argv(3, argv0, &n);
	assert_int_equal(n, 6);
	assert_string_equal(args[2], "--columns");
	assert_string_equal(args[3], "callid,state");
	config_free();
	/* an unwritable place: a reason, no file */
	setenv("SIPWATCH_CONFIG", "/nonexistent-sw18f/config", 1);
	assert_false(config_save_option("--columns", "state", msg, sizeof msg));
	assert_non_null(strstr(msg, "/nonexistent-sw18f/"));
	unsetenv("SIPWATCH_CONFIG");
	assert_int_equal(test_dir_remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_layout_order_and_fit),
		cmocka_unit_test(test_editor),
		cmocka_unit_test(test_save_in_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
