/* dbfiles: temporary browse dbs, db path checks, file digests (dbfiles.h). */
#include "app/dbfiles.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DBFILES_DIGEST_BYTES 65536
#define DBFILES_FNV_OFFSET 1469598103934665603ULL
#define DBFILES_FNV_PRIME 1099511628211ULL

bool dbfiles_temp_make(struct dbfiles_temp *t, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");

	memset(t, 0, sizeof *t);
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if ((size_t)snprintf(t->dir, sizeof t->dir, "%s/sipwatch-XXXXXX", tmp) >= sizeof t->dir ||
	    !mkdtemp(t->dir)) {
		snprintf(err, errlen, "cannot make a temporary db in %s: %s (give one with -d)", tmp,
			 strerror(errno));
		return false;
	}
	snprintf(t->db, sizeof t->db, "%s/browse.db", t->dir);
	t->made = true;
	return true;
}

void dbfiles_temp_remove(struct dbfiles_temp *t)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[DBFILES_PATH_MAX + 16];

	if (!t->made)
		return;
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(p, sizeof p, "%s%s", t->db, suffix[i]);
		unlink(p);
	}
	rmdir(t->dir);
	t->made = false;
}

bool dbfiles_check_db_path(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char dir[DBFILES_PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "-d %s: is a directory; give a db file name (e.g. -d %s%ssipwatch.db)",
			 path, path, path[strlen(path) - 1] == '/' ? "" : "/");
		return false;
	}
	if (slash && slash != path) {
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "-d %s: directory %s does not exist", path, dir);
			return false;
		}
	}
	return true;
}

bool dbfiles_digest(const char *path, int64_t *size, char *digest, size_t n)
{
	static unsigned char buf[DBFILES_DIGEST_BYTES];
	uint64_t h = DBFILES_FNV_OFFSET;
	struct stat st;
	FILE *f = fopen(path, "rb");
	size_t got;

	if (!f)
		return false;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return false;
	}
	got = fread(buf, 1, sizeof buf, f);
	fclose(f);
	for (size_t i = 0; i < got; i++)
		h = (h ^ buf[i]) * DBFILES_FNV_PRIME;
	*size = (int64_t)st.st_size;
	snprintf(digest, n, "fnv1a64:%016llx", (unsigned long long)h);
	return true;
}

void dbfiles_gzip_hint(const char *path, char *err, size_t errlen)
{
	unsigned char magic[2] = {0, 0};
	FILE *f = fopen(path, "rb");
	size_t len = strlen(err);

	if (!f)
		return;
	if (fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b && len < errlen)
		snprintf(err + len, errlen - len,
			 " (it is gzip-compressed, which sipwatch reads: what it holds is not a capture"
			 " either; check with  zcat '%s' | file -)", path);
	fclose(f);
}
