/* bench_sqlite: what SQLite alone inserts per second on this machine, with
 * rows shaped like sipwatch's `messages` table, on one thread — the ceiling
 * any single-writer design with one row per message lives under.
 *
 *   bench_sqlite [-n ROWS] [-s RAW_BYTES] [-b BATCH_ROWS] [-d DB]
 *
 * Runs four variants on a fresh db each (16 KiB pages, WAL, synchronous=NORMAL,
 * 8 MiB cache, 100,000-row transactions by default, checkpoints in the same
 * thread): the 15 columns with and without the two indexes of the schema,
 * with and without the raw text.  Dialog ids interleave like ~36,000 live
 * dialogs'.  Prints rows/s for each.  No sipwatch code is involved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/numparse.h"

static double bench_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t bench_arg(const char *s)
{
	uint64_t v = 0;
	if (!parse_uint(s, strlen(s), 1000000000, &v) || v == 0) {
		fprintf(stderr, "bench_sqlite: bad number %s\n", s);
		exit(2);
	}
	return (size_t)v;
}

static void bench_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench_sqlite: %s: %s\n", sql, msg ? msg : "?");
		exit(1);
	}
	sqlite3_free(msg);
}

static void bench_remove(const char *path)
{
	char p[4096];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

/* One variant: returns rows/s. */
static double bench_variant(const char *path, size_t n, size_t batch, const char *raw,
			    size_t raw_len, int indexes)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	bench_remove(path);
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		fprintf(stderr, "bench_sqlite: %s: %s\n", path, sqlite3_errmsg(db));
		exit(1);
	}
	bench_exec(db, "PRAGMA page_size = 16384");
	bench_exec(db, "PRAGMA journal_mode = WAL");
	bench_exec(db, "PRAGMA synchronous = NORMAL");
	bench_exec(db, "PRAGMA cache_size = -8192");
	bench_exec(db, "PRAGMA wal_autocheckpoint = 2048");
	bench_exec(db, "CREATE TABLE messages (id INTEGER PRIMARY KEY, dialog_id INTEGER,"
		       " ts REAL, src TEXT, dst TEXT, transport TEXT, method TEXT, status INTEGER,"
		       " cseq INTEGER, cseq_method TEXT, capture_id INTEGER, call_id TEXT,"
		       " retransmission INTEGER NOT NULL DEFAULT 0, header_len INTEGER, raw TEXT)");
	if (indexes) {
		bench_exec(db, "CREATE INDEX messages_dialog ON messages(dialog_id, ts)"
			       " WHERE dialog_id IS NOT NULL");
		bench_exec(db, "CREATE INDEX messages_ts ON messages(ts)");
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO messages VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
				   " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
			       -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_sqlite: prepare: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	double t0 = bench_now();
	bench_exec(db, "BEGIN");
	for (size_t i = 1; i <= n; i++) {
		sqlite3_int64 dialog = (sqlite3_int64)(i / 8 + (i * 7919) % 36000);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
		sqlite3_bind_int64(st, 2, dialog);
		sqlite3_bind_double(st, 3, 1.7e9 + (double)i * 0.001);
		sqlite3_bind_text(st, 4, "127.0.50.17:5060", 16, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, "127.0.60.42:5060", 16, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, "UDP", 3, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, "INVITE", 6, SQLITE_STATIC);
		sqlite3_bind_null(st, 8);
		sqlite3_bind_int(st, 9, 1);
		sqlite3_bind_text(st, 10, "INVITE", 6, SQLITE_STATIC);
		sqlite3_bind_int(st, 11, 1);
		sqlite3_bind_text(st, 12, "3848276298220188511@127.0.50.17", 31, SQLITE_STATIC);
		sqlite3_bind_int(st, 13, 0);
		sqlite3_bind_int(st, 14, 400);
		if (raw_len)
			sqlite3_bind_text(st, 15, raw, (int)raw_len, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 15);
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "bench_sqlite: insert: %s\n", sqlite3_errmsg(db));
			exit(1);
		}
		sqlite3_reset(st);
		if (i % batch == 0)
			bench_exec(db, "COMMIT; BEGIN");
	}
	bench_exec(db, "COMMIT");
	double dt = bench_now() - t0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	bench_remove(path);
	return dt > 0 ? (double)n / dt : 0;
}

int main(int argc, char **argv)
{
	size_t n = 500000, raw_len = 484, batch = 100000;
	const char *path = "bench_sqlite.db";
	int c;

	while ((c = getopt(argc, argv, "n:s:b:d:")) != -1) {
		switch (c) {
		case 'n': n = bench_arg(optarg); break;
		case 's': raw_len = bench_arg(optarg); break;
		case 'b': batch = bench_arg(optarg); break;
		case 'd': path = optarg; break;
		default:
			fprintf(stderr, "usage: bench_sqlite [-n ROWS] [-s RAW_BYTES] [-b BATCH_ROWS] [-d DB]\n");
			return 2;
		}
	}
	char *raw = malloc(raw_len);
	if (!raw)
		return 1;
	for (size_t i = 0; i < raw_len; i++)
		raw[i] = (i % 60 == 59) ? '\n' : (char)('a' + i % 26);
	printf("SQLite %s alone, one thread, %zu rows, %zu-row transactions (WAL, 16 KiB pages):\n",
	       sqlite3_libversion(), n, batch);
	printf("  15 columns, no index, no raw text:       %8.0f rows/s\n",
	       bench_variant(path, n, batch, raw, 0, 0));
	printf("  15 columns, 2 indexes, no raw text:      %8.0f rows/s\n",
	       bench_variant(path, n, batch, raw, 0, 1));
	printf("  15 columns, no index, %4zu-byte raw:     %8.0f rows/s\n", raw_len,
	       bench_variant(path, n, batch, raw, raw_len, 0));
	printf("  15 columns, 2 indexes, %4zu-byte raw:    %8.0f rows/s  (sipwatch's messages rows)\n",
	       raw_len, bench_variant(path, n, batch, raw, raw_len, 1));
	free(raw);
	return 0;
}
