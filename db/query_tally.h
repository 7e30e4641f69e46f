/* query_tally: counts rows by the value of one text column, in C.
 *
 * A GROUP BY on a column no index orders makes SQLite sort every row in a
 * temporary b-tree: 5.5 MB of heap for the end classes of the bench
 * capture's 140,000 dialogs, the peak RSS of a file import (issue 20).  The
 * values counted this way are few (end classes, methods), so a small table
 * counts them in one pass.  Past its room it says so, and the caller runs
 * the GROUP BY instead. */
#ifndef SIPWATCH_QUERY_TALLY_H
#define SIPWATCH_QUERY_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUERY_TALLY_MAX 32  /* distinct values */
#define QUERY_TALLY_NAME 48 /* bytes of a value, its NUL included */

struct query_tally {
	size_t n;
	bool full; /* a value did not fit: the counts are not whole */
	struct {
		char name[QUERY_TALLY_NAME];
		uint64_t count;
	} v[QUERY_TALLY_MAX];
};

void query_tally_init(struct query_tally *t);
/* Counts one row of value name; sets t->full when it has no room for it. */
void query_tally_add(struct query_tally *t, const char *name);
/* Calls fn for each value in SQLite's BINARY order (ORDER BY of a GROUP BY);
 * returns how many. */
int query_tally_emit(struct query_tally *t, void (*fn)(void *ctx, const char *name, uint64_t count),
		     void *ctx);

#endif
