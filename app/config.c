/* config: reads the default-flags file into argv form (config.h). */
#include "app/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"

#define CONFIG_LINE_MAX 1024
#define CONFIG_ARGS_MAX 128

/* The config's strings, until config_free (options point into them). */
static char *config_args[CONFIG_ARGS_MAX + 1];
static int config_n;
static char **config_out;
static char config_read_path[4096]; /* the file config_argv read, "" if none */

static FILE *config_open(char *path, size_t n)
{
	const char *env = getenv("SIPWATCH_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	FILE *f;

	if (env && *env) {
		snprintf(path, n, "%s", env);
		return fopen(path, "r");
	}
	if (xdg && *xdg)
		snprintf(path, n, "%s/sipwatch/config", xdg);
	else if (home && *home)
		snprintf(path, n, "%s/.config/sipwatch/config", home);
	else
		path[0] = '\0';
	if (path[0] && (f = fopen(path, "r")))
		return f;
	snprintf(path, n, "/etc/sipwatch.conf");
	return fopen(path, "r");
}

static char *config_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

char **config_argv(int argc, char **argv, int *argc_out)
{
	char path[4096], line[CONFIG_LINE_MAX];
	FILE *f = config_open(path, sizeof path);
	int n = 0, lineno = 0;

	*argc_out = argc;
	if (!f)
		return argv;
	snprintf(config_read_path, sizeof config_read_path, "%s", path);
	while (fgets(line, sizeof line, f)) {
		char *s = config_trim(line), *value;

		lineno++;
		if (!*s || *s == '#')
			continue;
		if (strncmp(s, "--", 2) != 0 || n + 2 > CONFIG_ARGS_MAX) {
			fprintf(stderr, "sipwatch: %s:%d: %s\n", path, lineno,
				n + 2 > CONFIG_ARGS_MAX ? "too many options"
							: "not a long option (one --option [value] a line)");
			fclose(f);
			config_free();
			return NULL;
		}
		value = s + strcspn(s, " \t");
		if (*value) {
			*value++ = '\0';
			value = config_trim(value);
		}
		config_args[n++] = xstrdup(s);
		if (*value)
			config_args[n++] = xstrdup(value);
		config_n = n;
	}
	fclose(f);
	if (n == 0)
		return argv;
	config_out = xcalloc((size_t)(argc + n + 1), sizeof *config_out);
	config_out[0] = argv[0];
	memcpy(config_out + 1, config_args, (size_t)n * sizeof *config_out);
	memcpy(config_out + 1 + n, argv + 1, (size_t)(argc - 1) * sizeof *config_out);
	*argc_out = argc + n;
	return config_out;
}

void config_free(void)
{
	for (int i = 0; i < config_n; i++)
		free(config_args[i]);
	config_n = 0;
	free(config_out);
	config_out = NULL;
}

/* Where a saved option goes: $SIPWATCH_CONFIG, else the user's file (whose
 * directories are made); never /etc (a user's choice of columns is theirs). */
static bool config_save_path(char *path, size_t n, char *msg, size_t mn)
{
	const char *env = getenv("SIPWATCH_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char dir[3800];

	if (env && *env) {
		snprintf(path, n, "%s", env);
		return true;
	}
	if (xdg && *xdg)
		snprintf(dir, sizeof dir, "%s", xdg);
	else if (home && *home)
		snprintf(dir, sizeof dir, "%s/.config", home);
	else {
		snprintf(msg, mn, "no $HOME to keep a config file in");
		return false;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(msg, mn, "%s: %s", dir, strerror(errno));
		return false;
	}
	snprintf(path, n, "%s/sipwatch", dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		snprintf(msg, mn, "%s: %s", path, strerror(errno));
		return false;
	}
	snprintf(path, n, "%s/sipwatch/config", dir);
	return true;
}

/* Copies from's lines to out except those setting name. */
static void config_copy_except(const char *from, const char *name, FILE *out)
{
	char line[CONFIG_LINE_MAX];
	size_t nl = strlen(name);
	FILE *in = from[0] ? fopen(from, "r") : NULL;

	if (!in)
		return;
	while (fgets(line, sizeof line, in)) {
		const char *s = line;

		while (*s == ' ' || *s == '\t')
			s++;
		if (strncmp(s, name, nl) == 0 && (s[nl] == ' ' || s[nl] == '\t' || s[nl] == '\n' ||
						  s[nl] == '\r' || s[nl] == '\0'))
			continue;
		fputs(line, out);
		if (!strchr(line, '\n'))
			fputc('\n', out);
	}
	fclose(in);
}

bool config_save_option(const char *name, const char *value, char *msg, size_t n)
{
	char path[4096], tmp[4200];
	FILE *out;
	int fd;

	if (!config_save_path(path, sizeof path, msg, n))
		return false;
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || !(out = fdopen(fd, "w"))) {
		snprintf(msg, n, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	/* the file read at start (maybe /etc's) carries the other defaults over */
	config_copy_except(config_read_path[0] ? config_read_path : path, name, out);
	fprintf(out, "%s %s\n", name, value);
	if (fflush(out) != 0 || ferror(out)) {
		snprintf(msg, n, "%s: %s", tmp, strerror(errno));
		fclose(out);
		unlink(tmp);
		return false;
	}
	fclose(out);
	if (rename(tmp, path) != 0) {
		snprintf(msg, n, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return false;
	}
	snprintf(config_read_path, sizeof config_read_path, "%s", path);
	snprintf(msg, n, "%s", path);
	return true;
}
