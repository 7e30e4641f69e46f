/* heap_trim: malloc_trim(0) where glibc's allocator is the one in use. */
#include "common/heap_trim.h"

#include <stdlib.h> /* defines __GLIBC__ where it is glibc */

/* A sanitizer brings its own allocator: glibc's arenas are then empty. */
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define HEAP_TRIM_GLIBC 1
#include <malloc.h>
#endif

bool heap_trim_supported(void)
{
#ifdef HEAP_TRIM_GLIBC
	return true;
#else
	return false;
#endif
}

bool heap_trim_pages(void)
{
#ifdef HEAP_TRIM_GLIBC
	return malloc_trim(0) != 0;
#else
	return false;
#endif
}
