/* dbutil: time and NULL conversions between records and rows, and the one
 * place that turns a SQLite failure into the one-line reason users see. */
#include "db/dbutil.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "capture/packet.h"
#include "common/utf8.h"
#include "common/xalloc.h"

int dbutil_bind_time(sqlite3_stmt *st, int idx, int64_t ts_us)
{
	if (ts_us == TS_NONE)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_double(st, idx, dbutil_us_to_sec(ts_us));
}

int dbutil_bind_str(sqlite3_stmt *st, int idx, const char *s)
{
	if (!s)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
}

/* Validate first: nearly all wire text is ASCII and binds as it is, without
 * a copy.  Only text that needs escaping is copied, once, into a buffer
 * SQLite frees after the statement (a hostile peer's rows, not the norm). */
int dbutil_bind_wire(sqlite3_stmt *st, int idx, const char *s, size_t n)
{
	if (!s)
		return sqlite3_bind_null(st, idx);
	if (n > INT32_MAX / 4)
		return SQLITE_TOOBIG;
	if (utf8_is_clean(s, n))
		return sqlite3_bind_text(st, idx, s, (int)n, SQLITE_STATIC);
	char *e = xmalloc(4 * n + 1);
	size_t len = utf8_escape(s, n, e);
	return sqlite3_bind_text(st, idx, e, (int)len, free);
}

int dbutil_bind_id(sqlite3_stmt *st, int idx, uint64_t id)
{
	if (id == 0 || id > INT64_MAX)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_int64(st, idx, (sqlite3_int64)id);
}

int dbutil_bind_opt_int(sqlite3_stmt *st, int idx, int64_t v)
{
	if (v < 0)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_int64(st, idx, v);
}

int64_t dbutil_column_time(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return TS_NONE;
	return dbutil_sec_to_us(sqlite3_column_double(st, col));
}

int64_t dbutil_column_opt_int(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return -1;
	return sqlite3_column_int64(st, col);
}

uint64_t dbutil_column_u64(sqlite3_stmt *st, int col)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);
	return v > 0 ? (uint64_t)v : 0;
}

const char *dbutil_column_str(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

double dbutil_us_to_sec(int64_t us)
{
	/* Split so that whole seconds stay exact; a double holds µs since the
	 * epoch exactly until the year 2255. */
	int64_t sec = us / USEC_PER_SEC;
	int64_t frac = us % USEC_PER_SEC;
	return (double)sec + (double)frac / 1e6;
}

int64_t dbutil_sec_to_us(double sec)
{
	if (!isfinite(sec) || sec > 9.2e12 || sec < -9.2e12)
		return TS_NONE;
	/* Round half away from zero by hand: the build does not link libm. */
	double us = sec * 1e6;
	return (int64_t)(us >= 0 ? us + 0.5 : us - 0.5);
}

static const char *dbutil_reason(sqlite3 *db, int rc)
{
	if (db && sqlite3_errcode(db) == (rc & 0xff))
		return sqlite3_errmsg(db);
	return sqlite3_errstr(rc);
}

/* A write failed and SQLite's errno is gone (it reads errno late, after
 * other calls may have reset it): look at the disk and the limits
 * ourselves.  NULL when neither explains it. */
static const char *dbutil_space_reason(const char *path)
{
	struct statvfs vfs;
	struct rlimit lim;
	struct stat st;
	char wal[4096];

	if (statvfs(path, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < 1024 * 1024)
		return "database or disk is full (no space left on the device)";
	if (getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
		const rlim_t margin = 256 * 1024;
		snprintf(wal, sizeof wal, "%s-wal", path);
		if ((stat(path, &st) == 0 && (rlim_t)st.st_size + margin >= lim.rlim_cur) ||
		    (stat(wal, &st) == 0 && (rlim_t)st.st_size + margin >= lim.rlim_cur))
			return "database or disk is full (file size limit reached)";
	}
	return NULL;
}

/* Why the db file cannot be opened for writing, from the permissions of the
 * file and its directory (which must hold the -wal and -shm files). */
static bool dbutil_access_reason(const char *path, char *buf, size_t n)
{
	char dir[256];
	const char *slash = strrchr(path, '/');
	int w;

	if (!slash)
		w = snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		w = snprintf(dir, sizeof dir, "/");
	else
		w = snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if (w < 0)
		return false;
	if (access(path, F_OK) == 0) {
		if (access(path, W_OK) != 0)
			w = snprintf(buf, n, "%s", errno == EROFS ? "read-only file system"
								 : "no write permission on the file");
		else if (access(dir, W_OK) != 0)
			w = snprintf(buf, n, "no write permission on the directory %s, which must"
				     " hold the -wal and -shm files", dir);
		else
			return false;
	} else if (access(dir, F_OK) != 0) {
		w = snprintf(buf, n, "the directory %s does not exist", dir);
	} else if (access(dir, W_OK) != 0) {
		w = snprintf(buf, n, "no write permission on the directory %s", dir);
	} else {
		return false;
	}
	return w >= 0;
}

void dbutil_format_error(char *buf, size_t n, const char *path, sqlite3 *db, int rc, int busy_ms)
{
	int sys = db ? sqlite3_system_errno(db) : 0;
	const char *why = NULL;

	if (!n)
		return;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		if (busy_ms % 1000 == 0)
			snprintf(buf, n, "%s: database is locked (another writer held it for %d s)",
				 path, busy_ms / 1000);
		else
			snprintf(buf, n, "%s: database is locked (another writer held it for %d ms)",
				 path, busy_ms);
		return;
	case SQLITE_IOERR:
		if (sys == ENOSPC)
			why = "database or disk is full";
		else if (sys == EFBIG)
			why = "database or disk is full (file size limit reached)";
		else if (sys == EDQUOT)
			why = "database or disk is full (disk quota exceeded)";
		else
			why = dbutil_space_reason(path);
		break;
	case SQLITE_FULL:
		why = dbutil_space_reason(path);
		break;
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY: {
		/* "unable to open database file" alone does not say why; SQLite's
		 * errno is often that of a later probe (ENOENT), so look ourselves. */
		char access_why[300];
		if (dbutil_access_reason(path, access_why, sizeof access_why)) {
			if (snprintf(buf, n, "%s: %s (%s)", path, dbutil_reason(db, rc),
				     access_why) < 0)
				buf[0] = '\0';
			return;
		}
		break;
	}
	default:
		break;
	}
	snprintf(buf, n, "%s: %s", path, why ? why : dbutil_reason(db, rc));
}

int dbutil_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}
