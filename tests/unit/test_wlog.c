/* wlog: the writer's log of essentials.  A replay after trouble commits in
 * pieces (writer_rows.c): the committed front is dropped and the rest must
 * stay, in order, with its count right. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "db/storerec.h"
#include "db/wlog.h"

/* A record of `size` bytes (header included) whose ticket says which one. */
static void put(struct wlog *l, uint64_t which, uint32_t size)
{
	uint8_t buf[256];
	struct storerec_hdr h = {.kind = 1, .size = size, .ticket = which};

	memset(buf, 0xab, sizeof buf);
	memcpy(buf, &h, sizeof h);
	assert_true(wlog_append(l, buf, size));
}

static uint64_t which_at(const struct wlog *l, size_t *off)
{
	const struct storerec_hdr *h = wlog_next(l, off);
	assert_non_null(h);
	return h->ticket;
}

static void drop_front_keeps_the_rest_in_order(void **state)
{
	(void)state;
	struct wlog l;
	wlog_init(&l, 1 << 20);
	/* Sizes that are not multiples of the alignment. */
	for (uint64_t i = 1; i <= 10; i++)
		put(&l, i, (uint32_t)(sizeof(struct storerec_hdr) + 3 * i));
	size_t off = 0;
	for (uint64_t i = 1; i <= 4; i++)
		assert_int_equal(which_at(&l, &off), i);
	wlog_drop_front(&l, off);
	assert_int_equal(l.n, 6);
	off = 0;
	for (uint64_t i = 5; i <= 10; i++)
		assert_int_equal(which_at(&l, &off), i);
	assert_null(wlog_next(&l, &off));
	/* Records appended after a drop come last. */
	put(&l, 11, 40);
	off = 0;
	assert_int_equal(which_at(&l, &off), 5);
	assert_int_equal(l.n, 7);
	wlog_free(&l);
}

static void drop_front_at_the_end_empties_it(void **state)
{
	(void)state;
	struct wlog l;
	wlog_init(&l, 1 << 20);
	put(&l, 1, 64);
	put(&l, 2, 64);
	size_t off = 0;
	which_at(&l, &off);
	which_at(&l, &off);
	wlog_drop_front(&l, off);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.len, 0);
	off = 0;
	assert_null(wlog_next(&l, &off));
	wlog_drop_front(&l, 0); /* nothing to drop: no change */
	assert_int_equal(l.n, 0);
	wlog_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drop_front_keeps_the_rest_in_order),
		cmocka_unit_test(drop_front_at_the_end_empties_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
