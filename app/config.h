/* config: default flags from a config file, sngrep's habit.
 *
 * $SIPWATCH_CONFIG, else $XDG_CONFIG_HOME/sipwatch/config (or
 * ~/.config/sipwatch/config), else /etc/sipwatch.conf: the first that exists.
 * One long option a line ("--utc", "--max-dialogs 50000", "--db calls.db"),
 * "#" comments and blank lines ignored.  Its options come before the command
 * line's, so the command line wins. */
#ifndef SIPWATCH_CONFIG_H
#define SIPWATCH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* A new argv: argv[0], the config file's options, then argv[1..].  On a bad
 * line prints "sipwatch: FILE:LINE: reason" and returns NULL.  Without a
 * config file (or an empty one) returns argv itself. */
char **config_argv(int argc, char **argv, int *argc_out);
/* Sets "name value" in the user's config file ($SIPWATCH_CONFIG, else
 * ~/.config/sipwatch/config, made with its directories; the other lines of the
 * file read at start kept), replacing earlier lines of that name.  True with
 * the file's path in msg; false with a reason.  For the dashboard (issue 18). */
bool config_save_option(const char *name, const char *value, char *msg, size_t n);
/* Frees what config_argv made (at the exit: options point into it). */
void config_free(void);

#endif
