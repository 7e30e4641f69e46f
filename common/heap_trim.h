/* heap_trim: gives the kernel back the free pages inside malloc's heaps.
 *
 * glibc returns a heap's memory only from its top; dialogs freed in the
 * middle of it stay resident, ready for reuse.  Live, that keeps the
 * process's RSS at its busiest minute's for ever: after the 140k-call
 * replay of the bench, every dialog had left memory and 76 of 176 MiB were
 * such free pages (issue 18).  malloc_trim(0) walks the free chunks of
 * every arena and madvises their whole pages away. */
#ifndef SIPWATCH_HEAP_TRIM_H
#define SIPWATCH_HEAP_TRIM_H

#include <stdbool.h>

/* Whether heap_trim_pages can release anything here. */
bool heap_trim_supported(void);
/* Releases the free pages of every malloc arena; true if any went (always
 * false where the C library cannot: not glibc, or a sanitizer's allocator). */
bool heap_trim_pages(void);

#endif
