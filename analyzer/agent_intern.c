/* agent_intern: a chained hash table of reference-counted agent texts.
 *
 * The holder keeps only the text pointer: the entry sits just before it
 * (container of the text) and names its table, so a reference is dropped
 * without the table at hand (dialog_free). */
#include "analyzer/agent_intern.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/xalloc.h"

#define AGENT_INTERN_BUCKETS 1024 /* power of two; chains of ~4 when full */

struct agent_entry {
	struct agent_entry *next;
	struct agent_intern *owner;
	uint32_t hash;
	uint32_t refs;
	char text[]; /* NUL-terminated */
};

struct agent_intern {
	struct agent_entry *buckets[AGENT_INTERN_BUCKETS];
	size_t count;
};

struct agent_intern *agent_intern_new(void)
{
	return xcalloc(1, sizeof(struct agent_intern));
}

void agent_intern_free(struct agent_intern *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < AGENT_INTERN_BUCKETS; i++) {
		for (struct agent_entry *e = t->buckets[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(t);
}

static struct agent_entry *agent_intern_entry(const char *text)
{
	return (struct agent_entry *)(void *)(text - offsetof(struct agent_entry, text));
}

const char *agent_intern_get(struct agent_intern *t, const char *s, size_t n)
{
	uint32_t h = (uint32_t)hash_bytes(s, n, 0xa9e7);
	struct agent_entry **b = &t->buckets[h & (AGENT_INTERN_BUCKETS - 1)];

	for (struct agent_entry *e = *b; e; e = e->next) {
		if (e->hash == h && memcmp(e->text, s, n) == 0 && e->text[n] == '\0') {
			e->refs++; /* at most one per dialog field: never near UINT32_MAX */
			return e->text;
		}
	}
	if (t->count == AGENT_INTERN_MAX)
		return NULL;
	struct agent_entry *e = xmalloc(sizeof *e + n + 1);
	e->owner = t;
	e->hash = h;
	e->refs = 1;
	memcpy(e->text, s, n);
	e->text[n] = '\0';
	e->next = *b;
	*b = e;
	t->count++;
	return e->text;
}

void agent_intern_put(const char *text)
{
	struct agent_entry *e = agent_intern_entry(text);

	if (--e->refs > 0)
		return;
	struct agent_intern *t = e->owner;
	struct agent_entry **pp = &t->buckets[e->hash & (AGENT_INTERN_BUCKETS - 1)];
	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	t->count--;
	free(e);
}

size_t agent_intern_count(const struct agent_intern *t)
{
	return t->count;
}
