/* test_lru: the intrusive least-recently-used list (common/lru.h) that
 * orders dialogs, out-of-dialog entries, TCP streams and IP fragments for
 * eviction: push, touch, removal at either end and in the middle, the empty
 * list, and the way back from a node to the thing that embeds it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/lru.h"

struct item {
	int id;
	struct lru_node lru; /* not first: LRU_ENTRY must subtract the offset */
};

static struct item *item_of(struct lru_node *n)
{
	return LRU_ENTRY(n, struct item, lru);
}

/* The ids from the oldest to the newest, as one number (1, 2, 3 -> 123),
 * checked against the walk back from the newest. */
static int order(const struct lru *l)
{
	int v = 0, back = 0, scale = 1, n = 0;

	for (struct lru_node *x = lru_oldest(l); x && n < 9; x = lru_newer(x), n++)
		v = v * 10 + item_of(x)->id;
	for (struct lru_node *x = l->newest; x; x = x->older) {
		back += item_of(x)->id * scale;
		scale *= 10;
	}
	assert_int_equal(v, back);
	return v;
}

/* Items 1 .. n, pushed in that order onto a new list. */
static void fill(struct lru *l, struct item *it, int n)
{
	lru_init(l);
	for (int i = 0; i < n; i++) {
		it[i].id = i + 1;
		lru_push_front(l, &it[i].lru);
	}
}

static void test_empty_list(void **state)
{
	(void)state;
	struct lru l;

	lru_init(&l);
	assert_true(lru_empty(&l));
	assert_null(lru_oldest(&l));
	assert_null(item_of(lru_oldest(&l)));
	assert_int_equal(order(&l), 0);
}

static void test_push_front_keeps_arrival_order(void **state)
{
	(void)state;
	struct item it[3];
	struct lru l;

	fill(&l, it, 3);
	assert_false(lru_empty(&l));
	assert_ptr_equal(item_of(lru_oldest(&l)), &it[0]);
	assert_int_equal(order(&l), 123);
	assert_null(lru_newer(&it[2].lru)); /* the front */
}

static void test_touch_moves_to_the_front(void **state)
{
	(void)state;
	struct item it[3];
	struct lru l;

	fill(&l, it, 3);
	lru_touch(&l, &it[0].lru); /* the oldest */
	assert_int_equal(order(&l), 231);
	lru_touch(&l, &it[0].lru); /* already the front */
	assert_int_equal(order(&l), 231);
	lru_touch(&l, &it[2].lru); /* the middle */
	assert_int_equal(order(&l), 213);
	assert_ptr_equal(item_of(lru_oldest(&l)), &it[1]);
}

static void test_remove_oldest_middle_newest(void **state)
{
	(void)state;
	struct item it[4];
	struct lru l;

	fill(&l, it, 4);
	lru_remove(&l, lru_oldest(&l)); /* eviction */
	assert_int_equal(order(&l), 234);
	assert_null(it[0].lru.older);
	assert_null(it[0].lru.newer);
	lru_remove(&l, &it[2].lru);
	assert_int_equal(order(&l), 24);
	lru_remove(&l, &it[3].lru);
	assert_int_equal(order(&l), 2);
	lru_remove(&l, &it[1].lru);
	assert_true(lru_empty(&l));
	assert_null(l.newest);
	/* a removed node can go back on */
	lru_push_front(&l, &it[2].lru);
	lru_push_front(&l, &it[0].lru);
	assert_int_equal(order(&l), 31);
}

/* What the tables do: evict from the old end while over a bound, and sweep
 * from the old end while idle, removing as they walk. */
static void test_evict_and_sweep_from_the_old_end(void **state)
{
	(void)state;
	struct item it[6];
	struct lru l;
	int n = 0;

	lru_init(&l);
	for (int i = 0; i < 6; i++) {
		it[i].id = i + 1;
		if (n == 4) { /* a bound of 4 */
			lru_remove(&l, lru_oldest(&l));
			n--;
		}
		lru_push_front(&l, &it[i].lru);
		n++;
	}
	assert_int_equal(order(&l), 3456);
	lru_touch(&l, &it[2].lru);
	struct item *x = item_of(lru_oldest(&l)), *next;
	for (; x && x->id != 3; x = next) { /* 3 was used just now: the sweep stops */
		next = item_of(lru_newer(&x->lru));
		lru_remove(&l, &x->lru);
	}
	assert_int_equal(order(&l), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_push_front_keeps_arrival_order),
		cmocka_unit_test(test_touch_moves_to_the_front),
		cmocka_unit_test(test_remove_oldest_middle_newest),
		cmocka_unit_test(test_evict_and_sweep_from_the_old_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
