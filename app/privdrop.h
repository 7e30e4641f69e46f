/* privdrop: -Z USER — hand the db files to USER and drop root for good. */
#ifndef SIPWATCH_PRIVDROP_H
#define SIPWATCH_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>

/* chowns db_path and its -wal/-shm files (when they exist), and the n
 * other files (the -w and --events files; NULL or "-" entries skipped), to user, then setgroups/setgid/setuid, and
 * checks root cannot be regained.  False (err set) if any step fails: the
 * caller must not go on running. */
bool privdrop_to(const char *user, const char *db_path, const char *const *others, size_t n,
		 char *err, size_t errlen);

#endif
