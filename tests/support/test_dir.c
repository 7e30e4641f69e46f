/* test_dir: see test_dir.h. */
#include "tests/support/test_dir.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int test_dir_make(const char *name, char *dir, size_t dir_n, char *db, size_t db_n)
{
	int n = snprintf(dir, dir_n, "/tmp/%s.XXXXXX", name);
	if (n < 0 || (size_t)n >= dir_n || !mkdtemp(dir))
		return -1;
	n = snprintf(db, db_n, "%s/sipwatch.db", dir);
	return n < 0 || (size_t)n >= db_n ? -1 : 0;
}

int test_dir_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096];
	int rc = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int n = snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (n < 0 || (size_t)n >= sizeof p || unlink(p) != 0)
			rc = -1;
	}
	closedir(d);
	return rmdir(dir) == 0 ? rc : -1;
}
