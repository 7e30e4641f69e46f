/* privdrop: dropping root after the capture and the db are open (like tcpdump -Z). */
#include "app/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool privdrop_chown(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (chown(path, uid, gid) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "-Z: cannot hand '%s' to the user: %s", path, strerror(errno));
		return false;
	}
	return true;
}

bool privdrop_to(const char *user, const char *db_path, const char *const *others, size_t n,
		 char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);
	char path[4096];

	if (!pw) {
		snprintf(err, errlen, "-Z: no such user '%s'", user);
		return false;
	}
	if (!privdrop_chown(db_path, pw->pw_uid, pw->pw_gid, err, errlen))
		return false;
	static const char *const suffixes[] = {"-wal", "-shm"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s%s", db_path, suffixes[i]);
		if (!privdrop_chown(path, pw->pw_uid, pw->pw_gid, err, errlen))
			return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (others[i] && strcmp(others[i], "-") != 0 &&
		    !privdrop_chown(others[i], pw->pw_uid, pw->pw_gid, err, errlen))
			return false;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		snprintf(err, errlen, "-Z: cannot drop privileges to '%s': %s", user, strerror(errno));
		return false;
	}
	/* Refuse to go on if root could be regained. */
	if (pw->pw_uid != 0 && (setuid(0) == 0 || geteuid() == 0 ||
				 (pw->pw_gid != 0 && setgid(0) == 0))) {
		snprintf(err, errlen, "-Z: still able to regain root after dropping to '%s'", user);
		return false;
	}
	return true;
}
