/* dbfiles: which db a run uses, and what it already holds.
 *
 * No surprises with files: browsing a capture file in the dashboard without
 * -d uses a temporary db removed at exit (headless runs keep contract.md's
 * default, sipwatch.db, for the scripts that query it afterwards); -d naming
 * a directory is said as such; a file the db already holds (same size, same
 * first 64 KiB) is not read twice unless --again. */
#ifndef SIPWATCH_DBFILES_H
#define SIPWATCH_DBFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DBFILES_PATH_MAX 4096
#define DBFILES_DIGEST_MAX 40

struct dbfiles_temp {
	char dir[DBFILES_PATH_MAX - 32];
	char db[DBFILES_PATH_MAX];
	bool made;
};

/* Makes $TMPDIR/sipwatch-XXXXXX/browse.db's directory.  False (and err) on failure. */
bool dbfiles_temp_make(struct dbfiles_temp *t, char *err, size_t errlen);
/* Removes the db, its -wal/-shm/-journal files and the directory. */
void dbfiles_temp_remove(struct dbfiles_temp *t);

/* False (and a sentence in err) when path is a directory or in a missing one. */
bool dbfiles_check_db_path(const char *path, char *err, size_t errlen);
/* The file's size and "fnv1a64:<hex>" of its first 64 KiB.  False if unreadable. */
bool dbfiles_digest(const char *path, int64_t *size, char *digest, size_t n);
/* Appends a hint to err when path starts like a gzip file (read as such:
 * then its contents are what is wrong). */
void dbfiles_gzip_hint(const char *path, char *err, size_t errlen);

#endif
