/* main: parse the command line and run. */
#include <locale.h>

#include <sqlite3.h>

#include "app/options.h"
#include "app/run.h"

int main(int argc, char **argv)
{
	struct options o;

	setlocale(LC_ALL, "");
	/* Before SQLite initialises: without memory statistics its allocator
	 * takes no global mutex, which the writer, checkpoint and dashboard
	 * threads would otherwise all contend on (nothing reads the stats). */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	switch (options_parse(argc, argv, &o)) {
	case OPTIONS_EXIT_OK:
		return EXIT_DONE;
	case OPTIONS_USAGE_ERROR:
		return EXIT_USAGE;
	default:
		return run(&o);
	}
}
