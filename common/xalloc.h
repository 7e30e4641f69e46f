/* xalloc: allocation that aborts on out-of-memory, so callers never handle NULL. */
#ifndef SIPWATCH_XALLOC_H
#define SIPWATCH_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Copies n bytes of s and adds a NUL; s need not be NUL-terminated. */
char *xstrndup(const char *s, size_t n);

#endif
