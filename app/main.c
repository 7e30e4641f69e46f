/* main: parse the config file's flags and the command line, and run. */
#include <locale.h>

#include "app/config.h"
#include "app/options.h"
#include "app/run.h"
#include "db/store.h"

int main(int argc, char **argv)
{
	struct options o;
	char **args;
	int n, rc;

	setlocale(LC_ALL, "");
	store_library_init();
	args = config_argv(argc, argv, &n); /* default flags, before the command line's */
	if (!args)
		return EXIT_USAGE;
	switch (options_parse(n, args, &o)) {
	case OPTIONS_EXIT_OK:
		rc = EXIT_DONE;
		break;
	case OPTIONS_USAGE_ERROR:
		rc = EXIT_USAGE;
		break;
	default:
		rc = run(&o);
	}
	config_free();
	return rc;
}
