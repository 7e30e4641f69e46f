/* test_queue: the capture → analyzer handoff.  Run under SAN=thread in CI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <unistd.h>

#include "common/queue.h"

#define N_ITEMS 200000

static void test_try_push_full_drops(void **state)
{
	(void)state;
	struct queue *q = queue_new(4);
	int x;

	for (int i = 0; i < 4; i++)
		assert_true(queue_try_push(q, &x));
	assert_false(queue_try_push(q, &x));
	assert_int_equal(queue_length(q), 4);
	assert_ptr_equal(queue_pop(q, 0), &x);
	assert_true(queue_try_push(q, &x));
	queue_free(q);
}

static void test_pop_timeout_and_close(void **state)
{
	(void)state;
	struct queue *q = queue_new(8);
	int x;

	assert_null(queue_pop(q, 5));
	assert_false(queue_is_drained(q));
	assert_true(queue_push(q, &x));
	queue_close(q);
	assert_false(queue_is_drained(q));
	assert_ptr_equal(queue_pop(q, -1), &x);
	assert_null(queue_pop(q, -1));
	assert_true(queue_is_drained(q));
	queue_free(q);
}

static void *producer(void *arg)
{
	struct queue *q = arg;

	for (uintptr_t i = 1; i <= N_ITEMS; i++)
		if (!queue_push(q, (void *)i))
			break;
	queue_close(q);
	return NULL;
}

/* The blocking push never loses or reorders an item (offline reading). */
static void test_spsc_order_blocking(void **state)
{
	(void)state;
	struct queue *q = queue_new(64);
	pthread_t t;
	uintptr_t expect = 1;

	pthread_create(&t, NULL, producer, q);
	for (;;) {
		void *item = queue_pop(q, 1000);
		if (!item) {
			if (queue_is_drained(q))
				break;
			continue;
		}
		assert_int_equal((uintptr_t)item, expect);
		expect++;
	}
	pthread_join(t, NULL);
	assert_int_equal(expect - 1, N_ITEMS);
	queue_free(q);
}

struct lossy {
	struct queue *q;
	unsigned long pushed, dropped;
};

static void *lossy_producer(void *arg)
{
	struct lossy *l = arg;

	for (uintptr_t i = 1; i <= N_ITEMS; i++) {
		if (queue_try_push(l->q, (void *)i))
			l->pushed++;
		else
			l->dropped++;
	}
	queue_close(l->q);
	return NULL;
}

/* Live: items arrive in order, pushed + dropped accounts for every item. */
static void test_spsc_order_lossy(void **state)
{
	(void)state;
	struct lossy l = {queue_new(16), 0, 0};
	pthread_t t;
	uintptr_t last = 0;
	unsigned long got = 0;

	pthread_create(&t, NULL, lossy_producer, &l);
	for (;;) {
		void *item = queue_pop(l.q, 1000);
		if (!item) {
			if (queue_is_drained(l.q))
				break;
			continue;
		}
		assert_true((uintptr_t)item > last);
		last = (uintptr_t)item;
		got++;
	}
	pthread_join(t, NULL);
	assert_int_equal(got, l.pushed);
	assert_int_equal(l.pushed + l.dropped, N_ITEMS);
	queue_free(l.q);
}

/* The consumer cancelling releases a producer blocked on a full queue. */
static void test_cancel_releases_producer(void **state)
{
	(void)state;
	struct queue *q = queue_new(2);
	pthread_t t;

	pthread_create(&t, NULL, producer, q);
	/* Wait (bounded) until the producer has filled the queue and blocks. */
	for (int i = 0; i < 5000 && queue_length(q) < 2; i++)
		usleep(1000);
	assert_int_equal(queue_length(q), 2);
	queue_cancel(q);
	pthread_join(t, NULL);
	assert_true(queue_length(q) <= 2);
	queue_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_try_push_full_drops),
		cmocka_unit_test(test_pop_timeout_and_close),
		cmocka_unit_test(test_spsc_order_blocking),
		cmocka_unit_test(test_spsc_order_lossy),
		cmocka_unit_test(test_cancel_releases_producer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
