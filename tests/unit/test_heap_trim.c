/* test_heap_trim: the free pages in the middle of a heap go back to the
 * kernel (common/heap_trim.h).  Blocks freed between blocks still in use stay
 * resident until trimmed; the process's resident size (/proc/self/statm)
 * shows them go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/heap_trim.h"

/* Where it must work: glibc's own allocator (stdio.h defined __GLIBC__). */
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define WANT_SUPPORTED true
#else
#define WANT_SUPPORTED false
#endif

#define GROUPS 1024
#define PER_GROUP 64
#define BLOCK 700 /* about an ended dialog's share of the heap */

static long resident_kib(void)
{
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld %ld", &size, &resident), 2);
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* 64 blocks, then one kept: the freed groups are free chunks of ~45 KiB
 * between kept ones, never the heap's top. */
static void test_freed_middle_goes_back(void **state)
{
	(void)state;
	static char *blocks[GROUPS][PER_GROUP];
	static char *kept[GROUPS];

	for (size_t g = 0; g < GROUPS; g++) {
		for (size_t i = 0; i < PER_GROUP; i++) {
			blocks[g][i] = malloc(BLOCK);
			assert_non_null(blocks[g][i]);
			memset(blocks[g][i], (int)(g + i), BLOCK);
		}
		kept[g] = malloc(48);
		assert_non_null(kept[g]);
		memset(kept[g], 1, 48);
	}
	for (size_t g = 0; g < GROUPS; g++)
		for (size_t i = 0; i < PER_GROUP; i++)
			free(blocks[g][i]);
	assert_int_equal(heap_trim_supported(), WANT_SUPPORTED);
	long before = resident_kib();
	bool released = heap_trim_pages();
	long after = resident_kib();
	if (heap_trim_supported()) {
		/* 1024 groups of 64 x 700 bytes = 44 MiB freed; most of it in whole pages */
		assert_true(released);
		assert_true(before - after > 30 * 1024);
	} else {
		assert_false(released);
	}
	for (size_t g = 0; g < GROUPS; g++)
		assert_int_equal(kept[g][47], 1); /* what is in use stays */
	for (size_t g = 0; g < GROUPS; g++)
		free(kept[g]);
}

/* Nothing to give back: calling it again is harmless. */
static void test_repeat(void **state)
{
	(void)state;
	heap_trim_pages();
	char *p = malloc(100);
	assert_non_null(p);
	strcpy(p, "still usable");
	heap_trim_pages();
	assert_string_equal(p, "still usable");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_freed_middle_goes_back),
		cmocka_unit_test(test_repeat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
