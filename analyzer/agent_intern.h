/* agent_intern: one shared copy of each Server/User-Agent text (issues 18, 20).
 *
 * Real traffic has a handful of distinct agents but every dialog names two or
 * more: the dialogs keep a reference to the table's copy instead of their own.
 * Entries are reference-counted and freed with their last reference; the table
 * holds at most AGENT_INTERN_MAX texts, so a flood of distinct agents cannot
 * grow it: past the cap agent_intern_get says no and the dialog keeps its own
 * copy (dialog_table.c), as it did before the table existed. */
#ifndef SIPWATCH_AGENT_INTERN_H
#define SIPWATCH_AGENT_INTERN_H

#include <stddef.h>

#define AGENT_INTERN_MAX 4096

struct agent_intern;

struct agent_intern *agent_intern_new(void);
/* Frees the table; texts still referenced are freed too (their holders must be gone). */
void agent_intern_free(struct agent_intern *t);
/* A new reference to the shared, NUL-terminated copy of the n bytes at s;
 * NULL when the table is full (then nothing is held). */
const char *agent_intern_get(struct agent_intern *t, const char *s, size_t n);
/* Drops one reference to text (from agent_intern_get); the last one frees it. */
void agent_intern_put(const char *text);
/* Distinct texts held. */
size_t agent_intern_count(const struct agent_intern *t);

#endif
