/* test_seen_cache: the time-window memory behind mirror duplicates and
 * out-of-dialog retransmissions (common/seen_cache.h): the window either way
 * or open below, kept or restarted by a repeat, tags, and the fixed bounds
 * (a full set gives up its oldest key, never grows). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/seen_cache.h"

#define MS 1000
#define NO_TAG ((struct seen_cache_tag){0, 0})

/* Keys that all fall in set 0 of a cache with set_bits <= 4. */
#define KEY(n) ((uint64_t)(n) << 8)

static bool rep(struct seen_cache *c, uint64_t key, int64_t ts)
{
	return seen_cache_repeat(c, key, ts, NO_TAG);
}

static void test_empty_cache_repeats_nothing(void **state)
{
	(void)state;
	struct seen_cache_config cfg = {.set_bits = 2, .ways = 3, .window_us = 50 * MS};
	struct seen_cache *c = seen_cache_new(&cfg);

	assert_int_equal(seen_cache_capacity(c), 12);
	assert_int_equal(seen_cache_count(c), 0);
	assert_false(rep(c, 7, 1000 * MS));
	assert_int_equal(seen_cache_count(c), 1);
	assert_true(rep(c, 7, 1001 * MS));
	assert_false(rep(c, 8, 1001 * MS)); /* another key */
	assert_int_equal(seen_cache_count(c), 2);
	seen_cache_free(c);
	seen_cache_free(NULL);
}

/* The duplicate shape: a window either way, kept from the first sighting. */
static void test_window_either_way_from_the_first(void **state)
{
	(void)state;
	struct seen_cache_config cfg = {.set_bits = 4, .ways = 2, .window_us = 50 * MS,
					.either_way = true, .keep_first = true};
	struct seen_cache *c = seen_cache_new(&cfg);

	assert_false(rep(c, 1, 1000 * MS));
	assert_true(rep(c, 1, 1049 * MS));   /* 49 ms later */
	assert_true(rep(c, 1, 951 * MS));    /* 49 ms earlier: a copy timed a little before */
	assert_false(rep(c, 1, 1050 * MS));  /* 50 ms from the first: expired */
	assert_true(rep(c, 1, 1090 * MS));   /* 40 ms after 1050, the new first */
	assert_false(rep(c, 1, 1000 * MS));  /* 50 ms before it: outside */
	seen_cache_free(c);
}

/* The retransmission shape: open below, every sighting restarts the window. */
static void test_window_restarts_at_each_sighting(void **state)
{
	(void)state;
	struct seen_cache_config cfg = {.set_bits = 4, .ways = 2, .window_us = 64000 * MS};
	struct seen_cache *c = seen_cache_new(&cfg);

	assert_false(rep(c, 1, 0));
	assert_true(rep(c, 1, 60000 * MS));
	assert_true(rep(c, 1, 120000 * MS));   /* 60 s after the last, 120 s after the first */
	assert_true(rep(c, 1, 1000 * MS));     /* any earlier time counts */
	assert_false(rep(c, 1, 65000 * MS));   /* 64 s after that earlier one: expired */
	assert_false(rep(c, 1, 200000 * MS));  /* 135 s later */
	seen_cache_free(c);
}

/* Only two different ids of one kind tell two sightings apart. */
static void test_tags(void **state)
{
	(void)state;
	struct seen_cache_config cfg = {.set_bits = 4, .ways = 2, .window_us = 50 * MS,
					.either_way = true, .keep_first = true, .tagged = true};
	struct seen_cache *c = seen_cache_new(&cfg);
	struct seen_cache_tag a = {1, 0x773d}, b = {1, 0x9130}, other_kind = {2, 5};

	assert_false(seen_cache_repeat(c, 1, 1000 * MS, a));
	assert_true(seen_cache_repeat(c, 1, 1001 * MS, a));
	assert_false(seen_cache_repeat(c, 1, 1009 * MS, b)); /* sent again: now b is kept */
	assert_true(seen_cache_repeat(c, 1, 1010 * MS, b));
	assert_true(seen_cache_repeat(c, 1, 1011 * MS, other_kind));
	assert_true(seen_cache_repeat(c, 1, 1012 * MS, NO_TAG));
	/* a sighting without an id agrees with anything */
	assert_false(seen_cache_repeat(c, 2, 2000 * MS, NO_TAG));
	assert_true(seen_cache_repeat(c, 2, 2001 * MS, a));
	seen_cache_free(c);
	/* an untagged cache ignores tags */
	cfg.tagged = false;
	c = seen_cache_new(&cfg);
	assert_false(seen_cache_repeat(c, 1, 1000 * MS, a));
	assert_true(seen_cache_repeat(c, 1, 1001 * MS, b));
	seen_cache_free(c);
}

/* A full set gives up the key seen longest ago; the others stay. */
static void test_full_set_drops_its_oldest(void **state)
{
	(void)state;
	struct seen_cache_config cfg = {.set_bits = 0, .ways = 4, .window_us = 1000000 * MS};
	struct seen_cache *c = seen_cache_new(&cfg);

	for (unsigned i = 0; i < 4; i++)
		assert_false(rep(c, KEY(i), (int64_t)(10 + i) * MS));
	assert_int_equal(seen_cache_count(c), 4);
	assert_true(rep(c, KEY(0), 20 * MS)); /* 0 is now the most recent; 1 the oldest */
	assert_false(rep(c, KEY(9), 21 * MS)); /* takes 1's place */
	assert_int_equal(seen_cache_count(c), 4);
	assert_int_equal(seen_cache_capacity(c), 4);
	assert_true(rep(c, KEY(0), 22 * MS));
	assert_true(rep(c, KEY(2), 23 * MS));
	assert_true(rep(c, KEY(3), 24 * MS));
	assert_true(rep(c, KEY(9), 25 * MS));
	assert_false(rep(c, KEY(1), 26 * MS)); /* forgotten; it now replaces 0 */
	assert_false(rep(c, KEY(0), 27 * MS));
	seen_cache_free(c);
}

/* Memory is fixed: many keys never grow the cache past its capacity, and
 * keys of other sets do not push each other out. */
static void test_bounds_hold_under_many_keys(void **state)
{
	(void)state;
	struct seen_cache_config cfg = {.set_bits = 3, .ways = 2, .window_us = 50 * MS};
	struct seen_cache *c = seen_cache_new(&cfg);

	assert_false(rep(c, 1, 0)); /* set 1 */
	for (uint64_t k = 0; k < 10000; k++)
		if ((k & 7) != 1)
			rep(c, k, (int64_t)k);
	assert_int_equal(seen_cache_count(c), 15); /* 7 sets full, set 1 holds one key */
	assert_int_equal(seen_cache_capacity(c), 16);
	assert_true(rep(c, 1, 10 * MS)); /* set 1 was never touched */
	seen_cache_free(c);
}

/* Out-of-range geometry is clamped, never an empty or huge table. */
static void test_geometry_is_clamped(void **state)
{
	(void)state;
	struct seen_cache_config cfg = {.set_bits = 0, .ways = 0, .window_us = 50 * MS};
	struct seen_cache *c = seen_cache_new(&cfg);

	assert_int_equal(seen_cache_capacity(c), 1);
	assert_false(rep(c, 5, 0));
	assert_true(rep(c, 5, 1));
	assert_false(rep(c, 6, 2)); /* the one place: 5 goes */
	assert_false(rep(c, 5, 3));
	seen_cache_free(c);
	cfg = (struct seen_cache_config){.set_bits = 99, .ways = 1, .window_us = 1};
	c = seen_cache_new(&cfg);
	assert_int_equal(seen_cache_capacity(c), (size_t)1 << 20);
	seen_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_cache_repeats_nothing),
		cmocka_unit_test(test_window_either_way_from_the_first),
		cmocka_unit_test(test_window_restarts_at_each_sighting),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_full_set_drops_its_oldest),
		cmocka_unit_test(test_bounds_hold_under_many_keys),
		cmocka_unit_test(test_geometry_is_clamped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
