/* run: one sipwatch run from options to exit status — the one place that wires
 * capture → analyzer → {db, ui, events}. */
#ifndef SIPWATCH_RUN_H
#define SIPWATCH_RUN_H

#include "app/options.h"

enum {
	EXIT_DONE = 0,
	EXIT_RUNTIME = 1,
	EXIT_USAGE = 2,
	EXIT_DOOMED = 3,
	EXIT_DB_INCOMPLETE = 4, /* done, the report is whole, the db lacks rows (issue 17) */
};

int run(const struct options *o);

#endif
