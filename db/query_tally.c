/* query_tally: a handful of values and their counts (query_tally.h). */
#include "db/query_tally.h"

#include <stdlib.h>
#include <string.h>

void query_tally_init(struct query_tally *t)
{
	t->n = 0;
	t->full = false;
}

void query_tally_add(struct query_tally *t, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->v[i].name, name) == 0) {
			t->v[i].count++;
			return;
		}
	}
	if (t->n == QUERY_TALLY_MAX || len >= QUERY_TALLY_NAME) {
		t->full = true;
		return;
	}
	memcpy(t->v[t->n].name, name, len + 1);
	t->v[t->n].count = 1;
	t->n++;
}

/* strcmp compares bytes as unsigned char, as BINARY does (memcmp). */
static int query_tally_cmp(const void *a, const void *b)
{
	return strcmp(a, b); /* each element starts with its name */
}

int query_tally_emit(struct query_tally *t, void (*fn)(void *ctx, const char *name, uint64_t count),
		     void *ctx)
{
	qsort(t->v, t->n, sizeof t->v[0], query_tally_cmp);
	for (size_t i = 0; i < t->n; i++)
		fn(ctx, t->v[i].name, t->v[i].count);
	return (int)t->n;
}
