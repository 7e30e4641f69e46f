/* test_pkt_ring: the byte ring between the capture and the analyzer thread
 * (issue 20): wrap-around, full, exact fit, oversize, close/cancel/drain,
 * timeouts, and two threads under load.  Run under SAN=thread in CI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common/pkt_ring.h"

#define STRESS_RECORDS 200000

/* Reserves, fills with byte v and commits; false if it did not fit. */
static bool put(struct pkt_ring *r, size_t len, uint8_t v)
{
	enum pkt_ring_status why;
	uint8_t *p = pkt_ring_try_reserve(r, len, &why);

	if (!p)
		return false;
	assert_int_equal(why, PKT_RING_OK);
	assert_int_equal((uintptr_t)p % 8, 0);
	memset(p, v, len);
	pkt_ring_commit(r);
	return true;
}

/* Peeks the oldest record, checks its length and bytes, releases it. */
static void get(struct pkt_ring *r, size_t len, uint8_t v)
{
	size_t n = 0;
	uint8_t *p = pkt_ring_peek(r, 0, &n);

	assert_non_null(p);
	assert_int_equal(n, len);
	assert_int_equal((uintptr_t)p % 8, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p[i], v);
	pkt_ring_release(r);
}

static void test_capacity_and_max_record(void **state)
{
	(void)state;
	struct pkt_ring *r = pkt_ring_new(5000);

	assert_int_equal(pkt_ring_capacity(r), 8192);
	assert_int_equal(pkt_ring_max_record(r), 4096 - 8);
	pkt_ring_free(r);
	r = pkt_ring_new(1);
	assert_int_equal(pkt_ring_capacity(r), PKT_RING_MIN_BYTES);
	pkt_ring_free(r);
}

/* Full = refused without blocking; the bytes held are headers + rounded lengths. */
static void test_full_and_exact_fit(void **state)
{
	(void)state;
	struct pkt_ring *r = pkt_ring_new(4096);
	enum pkt_ring_status why;

	/* 4 records of 1016 + 8 = 1024 bytes fill 4096 exactly */
	for (int i = 0; i < 4; i++)
		assert_true(put(r, 1016, (uint8_t)i));
	assert_int_equal(pkt_ring_used(r), 4096);
	assert_null(pkt_ring_try_reserve(r, 0, &why));
	assert_int_equal(why, PKT_RING_FULL);
	get(r, 1016, 0);
	assert_int_equal(pkt_ring_used(r), 3072);
	/* the freed 1024 bytes at the start take exactly one 1016-byte record */
	assert_null(pkt_ring_try_reserve(r, 1017, &why));
	assert_int_equal(why, PKT_RING_FULL);
	assert_true(put(r, 1016, 9));
	for (int i = 1; i < 4; i++)
		get(r, 1016, (uint8_t)i);
	get(r, 1016, 9);
	assert_int_equal(pkt_ring_used(r), 0);
	pkt_ring_free(r);
}

/* A record that does not fit before the end starts at the beginning; the
 * bytes skipped count as held until it is released. */
static void test_wrap_around(void **state)
{
	(void)state;
	struct pkt_ring *r = pkt_ring_new(4096);
	enum pkt_ring_status why;

	assert_true(put(r, 1500, 1)); /* 0..1512 */
	assert_true(put(r, 1500, 2)); /* 1512..3024 */
	get(r, 1500, 1);
	/* 1072 bytes left at the end, 1512 free at the start: the 1200 goes there */
	assert_true(put(r, 1200, 3));
	assert_int_equal(pkt_ring_used(r), 1512 + 1072 + 1208);
	/* no room for another 1200 anywhere */
	assert_null(pkt_ring_try_reserve(r, 1200, &why));
	assert_int_equal(why, PKT_RING_FULL);
	get(r, 1500, 2);
	get(r, 1200, 3);
	assert_int_equal(pkt_ring_used(r), 0);
	/* many laps with odd sizes keep FIFO order and contents */
	for (int i = 0; i < 1000; i++) {
		size_t len = (size_t)(i * 37) % 1000; /* skips included, both fit */
		if (!put(r, len, (uint8_t)i))
			fail_msg("lap %d: %zu at used %zu", i, len, pkt_ring_used(r));
		if (i % 2 && !put(r, len / 2, (uint8_t)(i + 100)))
			fail_msg("lap %d: %zu after %zu, used %zu", i, len / 2, len, pkt_ring_used(r));
		get(r, len, (uint8_t)i);
		if (i % 2)
			get(r, len / 2, (uint8_t)(i + 100));
	}
	assert_int_equal(pkt_ring_used(r), 0);
	pkt_ring_free(r);
}

/* Half the buffer is the limit; an empty ring takes it wherever it stood. */
static void test_oversize_record(void **state)
{
	(void)state;
	struct pkt_ring *r = pkt_ring_new(4096);
	enum pkt_ring_status why;
	size_t max = pkt_ring_max_record(r);

	assert_null(pkt_ring_try_reserve(r, max + 1, &why));
	assert_int_equal(why, PKT_RING_TOO_BIG);
	/* waiting does not help a record that can never fit */
	assert_null(pkt_ring_reserve(r, 100000, -1, &why));
	assert_int_equal(why, PKT_RING_TOO_BIG);
	for (size_t start = 0; start < 4096; start += 520) {
		struct pkt_ring *q = pkt_ring_new(4096);
		for (size_t pos = 0; pos < start;) {
			size_t step = start - pos < 1024 ? start - pos : 1024;
			assert_true(put(q, step - 8, 7));
			get(q, step - 8, 7);
			pos += step;
		}
		assert_true(put(q, max, 5));
		get(q, max, 5);
		pkt_ring_free(q);
	}
	pkt_ring_free(r);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_timeouts_close_drain(void **state)
{
	(void)state;
	struct pkt_ring *r = pkt_ring_new(4096);
	enum pkt_ring_status why;

	int64_t t0 = now_ms();
	assert_null(pkt_ring_peek(r, 20, NULL));
	assert_true(now_ms() - t0 >= 20);
	assert_false(pkt_ring_is_drained(r));
	assert_true(put(r, 1500, 1));
	assert_true(put(r, 1500, 2));
	t0 = now_ms();
	assert_null(pkt_ring_reserve(r, 1500, 20, &why));
	assert_int_equal(why, PKT_RING_FULL);
	assert_true(now_ms() - t0 >= 20);
	pkt_ring_close(r);
	assert_false(pkt_ring_is_drained(r));
	get(r, 1500, 1);
	assert_false(pkt_ring_is_drained(r));
	get(r, 1500, 2);
	assert_true(pkt_ring_is_drained(r));
	assert_null(pkt_ring_peek(r, -1, NULL)); /* closed and empty: no wait */
	pkt_ring_release(r);                    /* nothing peeked: no effect */
	assert_int_equal(pkt_ring_used(r), 0);
	pkt_ring_free(r);
}

/* A peeked record stays put (and is peeked again) until released. */
static void test_peek_twice(void **state)
{
	(void)state;
	struct pkt_ring *r = pkt_ring_new(4096);

	assert_true(put(r, 10, 1));
	assert_true(put(r, 20, 2));
	void *a = pkt_ring_peek(r, 0, NULL);
	assert_ptr_equal(pkt_ring_peek(r, 0, NULL), a);
	pkt_ring_release(r);
	get(r, 20, 2);
	pkt_ring_free(r);
}

struct blocked {
	struct pkt_ring *r;
	enum pkt_ring_status why;
};

static void *blocked_producer(void *arg)
{
	struct blocked *b = arg;

	pkt_ring_reserve(b->r, 1500, -1, &b->why);
	return NULL;
}

/* A producer waiting for room returns CANCELLED when the consumer gives up. */
static void test_cancel_wakes_producer(void **state)
{
	(void)state;
	struct blocked b = {pkt_ring_new(4096), PKT_RING_OK};
	pthread_t t;

	assert_true(put(b.r, 1500, 1));
	assert_true(put(b.r, 1500, 2));
	assert_int_equal(pthread_create(&t, NULL, blocked_producer, &b), 0);
	pkt_ring_cancel(b.r);
	pthread_join(t, NULL);
	assert_int_equal(b.why, PKT_RING_CANCELLED);
	assert_null(pkt_ring_try_reserve(b.r, 8, NULL));
	pkt_ring_free(b.r);
}

struct stress {
	struct pkt_ring *r;
	bool lossy;
	uint64_t sent, dropped, sum_sent;
};

/* Whether the page holding p is resident (mincore). */
static bool resident(const void *p)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char v = 0;
	void *at = (void *)((uintptr_t)p & ~(uintptr_t)(page - 1));

	assert_int_equal(mincore(at, (size_t)page, &v), 0);
	return v & 1;
}

/* Given back: a chunk the consumer is done with leaves memory before the
 * producer may write it again; records still read back intact after. */
static void test_give_back(void **state)
{
	(void)state;
	struct pkt_ring *r = pkt_ring_new(16384);
	assert_false(pkt_ring_give_back(r, 0)); /* chunks below a page */
	pkt_ring_free(r);

	r = pkt_ring_new(128 * 1024);
	size_t chunk = 128 * 1024 / PKT_RING_GIVE_BACK_CHUNKS;
	assert_false(pkt_ring_give_back(r, 64 * 1024)); /* would shrink the max record below */
	assert_int_equal(pkt_ring_max_record(r), 64 * 1024 - 8);
	assert_true(pkt_ring_give_back(r, 1500));
	assert_int_equal(pkt_ring_max_record(r), 64 * 1024 - chunk - 8);

	enum pkt_ring_status why;
	uint8_t *first = pkt_ring_try_reserve(r, 3000, &why);
	assert_non_null(first);
	memset(first, 1, 3000);
	pkt_ring_commit(r);
	assert_true(put(r, 3000, 2));
	assert_true(resident(first));
	get(r, 3000, 1);
	assert_true(resident(first)); /* its chunk is not done with yet */
	get(r, 3000, 2);
	assert_false(resident(first)); /* past the first chunk: gone */
	assert_int_equal(pkt_ring_used(r), 0);

	/* a full ring holds all but the chunk being read; laps stay intact */
	size_t n = 0;
	while (put(r, 1000, (uint8_t)n))
		n++;
	assert_true(n * 1008 >= 128 * 1024 - 2 * chunk);
	for (size_t i = 0; i < n; i++)
		get(r, 1000, (uint8_t)i);
	for (int lap = 0; lap < 300; lap++) {
		assert_true(put(r, 2000 + (size_t)lap, (uint8_t)lap));
		assert_true(put(r, 100, (uint8_t)(lap + 1)));
		get(r, 2000 + (size_t)lap, (uint8_t)lap);
		get(r, 100, (uint8_t)(lap + 1));
	}
	assert_false(pkt_ring_give_back(r, 0)); /* only before the first record */
	assert_true(put(r, pkt_ring_max_record(r), 9)); /* the max record fits an empty ring */
	get(r, pkt_ring_max_record(r), 9);
	pkt_ring_free(r);
}

/* Record i: an 8-byte sequence number, then (i*131 % 3000) bytes of i's low byte. */
static size_t stress_len(uint64_t i)
{
	return 8 + (size_t)(i * 131 % 3000);
}

static void *stress_producer(void *arg)
{
	struct stress *s = arg;

	for (uint64_t i = 0; i < STRESS_RECORDS; i++) {
		size_t len = stress_len(i);
		enum pkt_ring_status why;
		uint8_t *p = s->lossy ? pkt_ring_try_reserve(s->r, len, &why)
				      : pkt_ring_reserve(s->r, len, -1, &why);
		if (!p) {
			assert_int_equal(why, PKT_RING_FULL);
			s->dropped++;
			continue;
		}
		memcpy(p, &i, 8);
		memset(p + 8, (int)(i & 0xff), len - 8);
		pkt_ring_commit(s->r);
		s->sent++;
		s->sum_sent += i;
	}
	pkt_ring_close(s->r);
	return NULL;
}

/* Two threads: every record arrives once, in order, intact; a lossy producer
 * only ever loses whole records. */
static void run_stress(bool lossy, bool give_back)
{
	struct stress s = {pkt_ring_new(give_back ? 128 * 1024 : 16384), lossy, 0, 0, 0};
	pthread_t t;

	if (give_back)
		assert_true(pkt_ring_give_back(s.r, 3008));
	uint64_t got = 0, sum = 0, last = 0;
	bool first = true;

	assert_int_equal(pthread_create(&t, NULL, stress_producer, &s), 0);
	for (int spins = 0; spins < 1000000; spins++) {
		size_t n;
		uint8_t *p = pkt_ring_peek(s.r, 1000, &n);
		if (!p) {
			if (pkt_ring_is_drained(s.r))
				break;
			continue;
		}
		uint64_t i;
		memcpy(&i, p, 8);
		assert_true(first || i > last);
		assert_true(lossy || i == got);
		assert_int_equal(n, stress_len(i));
		for (size_t k = 8; k < n; k++)
			if (p[k] != (uint8_t)(i & 0xff))
				fail_msg("record %llu byte %zu", (unsigned long long)i, k);
		pkt_ring_release(s.r);
		first = false;
		last = i;
		got++;
		sum += i;
	}
	pthread_join(t, NULL);
	assert_int_equal(got, s.sent);
	assert_int_equal(sum, s.sum_sent);
	assert_int_equal(s.sent + s.dropped, STRESS_RECORDS);
	if (!lossy)
		assert_int_equal(s.dropped, 0);
	assert_int_equal(pkt_ring_used(s.r), 0);
	pkt_ring_free(s.r);
}

static void test_stress_blocking(void **state)
{
	(void)state;
	run_stress(false, false);
}

static void test_stress_lossy(void **state)
{
	(void)state;
	run_stress(true, false);
}

/* The same, chunks given back while the producer writes the next ones. */
static void test_stress_give_back(void **state)
{
	(void)state;
	run_stress(false, true);
	run_stress(true, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity_and_max_record),
		cmocka_unit_test(test_full_and_exact_fit),
		cmocka_unit_test(test_wrap_around),
		cmocka_unit_test(test_oversize_record),
		cmocka_unit_test(test_timeouts_close_drain),
		cmocka_unit_test(test_peek_twice),
		cmocka_unit_test(test_cancel_wakes_producer),
		cmocka_unit_test(test_stress_blocking),
		cmocka_unit_test(test_stress_lossy),
		cmocka_unit_test(test_give_back),
		cmocka_unit_test(test_stress_give_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
