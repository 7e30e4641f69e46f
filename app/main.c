/* main: parse the command line and run. */
#include <locale.h>

#include "app/options.h"
#include "app/run.h"
#include "db/store.h"

int main(int argc, char **argv)
{
	struct options o;

	setlocale(LC_ALL, "");
	store_library_init();
	switch (options_parse(argc, argv, &o)) {
	case OPTIONS_EXIT_OK:
		return EXIT_DONE;
	case OPTIONS_USAGE_ERROR:
		return EXIT_USAGE;
	default:
		return run(&o);
	}
}
