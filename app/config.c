/* config: reads the default-flags file into argv form (config.h). */
#include "app/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

#define CONFIG_LINE_MAX 1024
#define CONFIG_ARGS_MAX 128

/* The config's strings, until config_free (options point into them). */
static char *config_args[CONFIG_ARGS_MAX + 1];
static int config_n;
static char **config_out;

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
