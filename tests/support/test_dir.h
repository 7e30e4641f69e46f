/* test_dir: a private directory for one test's files (a db and its -wal/-shm,
 * an output file), made in setup and removed with everything in it in
 * teardown. */
#ifndef SIPWATCH_TEST_DIR_H
#define SIPWATCH_TEST_DIR_H

#include <stddef.h>

/* mkdtemp("/tmp/<name>.XXXXXX") into dir; db = "<dir>/sipwatch.db".  0 or -1. */
int test_dir_make(const char *name, char *dir, size_t dir_n, char *db, size_t db_n);
/* Removes the files in dir (no subdirectories are made) and dir.  0 or -1. */
int test_dir_remove(const char *dir);

#endif
