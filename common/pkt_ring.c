/* pkt_ring: SPSC byte ring of records; atomics on the fast path, a condvar only to sleep.
 *
 * head and tail count bytes since the start and never wrap (64 bits); a
 * position in the buffer is the count masked by the power-of-two capacity.
 * The producer alone writes tail (release, after the record's bytes), the
 * consumer alone writes head (release, after it is done reading), so each side
 * reads the other's position with acquire and never touches bytes it does not
 * own.  Each record is an 8-byte header holding its length, then the bytes;
 * PKT_RING_WRAP in a header means "the rest of the buffer is unused". */
#include "common/pkt_ring.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "common/xalloc.h"

#define PKT_RING_HDR 8u
#define PKT_RING_WRAP UINT64_MAX

struct pkt_ring {
	uint8_t *buf;
	size_t cap; /* a power of two */
	size_t mask;
	_Atomic uint64_t head;     /* bytes the producer may write over again */
	_Atomic uint64_t consumed; /* bytes the consumer has released (>= head) */
	_Atomic uint64_t tail;     /* bytes the producer has published */
	_Atomic bool closed;
	_Atomic bool cancelled;
	/* Who is asleep: a waiting producer (reading a file, the ring full) and a
	 * waiting consumer (the ring empty) are woken on different conditions. */
	_Atomic int producer_sleeps;
	_Atomic int consumer_sleeps;
	/* producer only: what pkt_ring_commit publishes */
	uint64_t pending_tail;
	/* consumer only: the record pkt_ring_peek returned */
	uint64_t peek_end;
	bool peeked;
	/* pkt_ring_give_back: chunk (0 = off) and the consumer's position up to
	 * which the chunks' pages went back */
	size_t chunk;
	uint64_t given;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static size_t pkt_ring_align(size_t n)
{
	return (n + 7u) & ~(size_t)7u;
}

struct pkt_ring *pkt_ring_new(size_t bytes)
{
	struct pkt_ring *r = xcalloc(1, sizeof *r);
	size_t cap = PKT_RING_MIN_BYTES;

	while (cap < bytes)
		cap <<= 1;
	/* Mapped, not malloc'ed: no page is resident before a record reaches it,
	 * and none of it sits in (or fragments) a malloc arena. */
	void *m = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		fprintf(stderr, "sipwatch: out of memory (%zu bytes for the packet ring)\n", cap);
		abort();
	}
	r->buf = m;
	r->cap = cap;
	r->mask = cap - 1;
	atomic_init(&r->head, 0);
	atomic_init(&r->consumed, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->closed, false);
	atomic_init(&r->cancelled, false);
	atomic_init(&r->producer_sleeps, 0);
	atomic_init(&r->consumer_sleeps, 0);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	return r;
}

void pkt_ring_free(struct pkt_ring *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	munmap(r->buf, r->cap);
	free(r);
}

size_t pkt_ring_capacity(const struct pkt_ring *r)
{
	return r->cap;
}

size_t pkt_ring_max_record(const struct pkt_ring *r)
{
	/* what an empty ring holds wherever its positions are: a wrap skips
	 * less than the record, and the producer's room lags the consumer by
	 * less than a chunk */
	return r->cap / 2 - r->chunk - PKT_RING_HDR;
}

bool pkt_ring_give_back(struct pkt_ring *r, size_t keep_max_record)
{
	size_t chunk = r->cap / PKT_RING_GIVE_BACK_CHUNKS;

	if (chunk < PKT_RING_MIN_BYTES || atomic_load(&r->tail) != 0 ||
	    r->cap / 2 - chunk - PKT_RING_HDR < keep_max_record)
		return false;
	r->chunk = chunk;
	return true;
}

static void pkt_ring_wake(struct pkt_ring *r)
{
	pthread_mutex_lock(&r->lock);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

/* Sleeps until woken or ms pass; the caller re-checks its condition.  The
 * other side tests the sleep counters without the lock, so a wake-up can be
 * missed by a hair: the short timed wait bounds that, as in common/queue.c. */
static void pkt_ring_sleep(struct pkt_ring *r, _Atomic int *sleeps, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)ms * 1000000L;
	while (ts.tv_nsec >= 1000000000L) {
		ts.tv_nsec -= 1000000000L;
		ts.tv_sec++;
	}
	pthread_mutex_lock(&r->lock);
	atomic_fetch_add(sleeps, 1);
	pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	atomic_fetch_sub(sleeps, 1);
	pthread_mutex_unlock(&r->lock);
}

/* Whether timeout_ms (-1 = never) have passed since start (CLOCK_MONOTONIC). */
static bool pkt_ring_timed_out(const struct timespec *start, int timeout_ms)
{
	struct timespec now;

	if (timeout_ms < 0)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t el = (int64_t)(now.tv_sec - start->tv_sec) * 1000 +
		     (now.tv_nsec - start->tv_nsec) / 1000000;
	return el >= timeout_ms;
}

static void pkt_ring_put_hdr(struct pkt_ring *r, size_t off, uint64_t v)
{
	memcpy(r->buf + off, &v, sizeof v);
}

static uint64_t pkt_ring_get_hdr(const struct pkt_ring *r, size_t off)
{
	uint64_t v;

	memcpy(&v, r->buf + off, sizeof v);
	return v;
}

void *pkt_ring_try_reserve(struct pkt_ring *r, size_t len, enum pkt_ring_status *why)
{
	enum pkt_ring_status dummy;

	if (!why)
		why = &dummy;
	if (atomic_load_explicit(&r->cancelled, memory_order_relaxed)) {
		*why = PKT_RING_CANCELLED;
		return NULL;
	}
	if (len > pkt_ring_max_record(r)) {
		*why = PKT_RING_TOO_BIG;
		return NULL;
	}
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t need = PKT_RING_HDR + pkt_ring_align(len);
	size_t off = (size_t)(tail & r->mask);
	size_t skip = 0;
	/* A record never straddles the end: the rest of the buffer is skipped
	 * (held until the consumer passes it) and the record starts at 0. */
	if (off + need > r->cap)
		skip = r->cap - off;
	if ((size_t)(tail - head) + skip + need > r->cap) {
		*why = PKT_RING_FULL;
		return NULL;
	}
	if (skip) {
		pkt_ring_put_hdr(r, off, PKT_RING_WRAP);
		off = 0;
	}
	pkt_ring_put_hdr(r, off, (uint64_t)len);
	r->pending_tail = tail + skip + need;
	*why = PKT_RING_OK;
	return r->buf + off + PKT_RING_HDR;
}

void *pkt_ring_reserve(struct pkt_ring *r, size_t len, int timeout_ms,
		       enum pkt_ring_status *why)
{
	struct timespec start;
	enum pkt_ring_status st;
	void *p = pkt_ring_try_reserve(r, len, &st);

	if (!p && st == PKT_RING_FULL) {
		clock_gettime(CLOCK_MONOTONIC, &start);
		do {
			if (pkt_ring_timed_out(&start, timeout_ms))
				break;
			pkt_ring_sleep(r, &r->producer_sleeps, 1);
		} while (!(p = pkt_ring_try_reserve(r, len, &st)) && st == PKT_RING_FULL);
	}
	if (why)
		*why = st;
	return p;
}

void pkt_ring_commit(struct pkt_ring *r)
{
	atomic_store_explicit(&r->tail, r->pending_tail, memory_order_release);
	if (atomic_load(&r->consumer_sleeps) > 0)
		pkt_ring_wake(r);
}

/* The oldest record's header offset, past a wrap marker; false when empty. */
static bool pkt_ring_front(struct pkt_ring *r, uint64_t *head_out, size_t *off_out)
{
	uint64_t head = atomic_load_explicit(&r->consumed, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (head == tail)
		return false;
	size_t off = (size_t)(head & r->mask);
	if (pkt_ring_get_hdr(r, off) == PKT_RING_WRAP) {
		/* The producer published the marker with the record after it. */
		head += r->cap - off;
		off = 0;
	}
	*head_out = head;
	*off_out = off;
	return true;
}

static void *pkt_ring_take(struct pkt_ring *r, size_t *len)
{
	uint64_t head;
	size_t off;

	if (!pkt_ring_front(r, &head, &off))
		return NULL;
	uint64_t n = pkt_ring_get_hdr(r, off);
	r->peek_end = head + PKT_RING_HDR + pkt_ring_align((size_t)n);
	r->peeked = true;
	if (len)
		*len = (size_t)n;
	return r->buf + off + PKT_RING_HDR;
}

void *pkt_ring_peek(struct pkt_ring *r, int timeout_ms, size_t *len)
{
	struct timespec start;
	void *p = pkt_ring_take(r, len);

	/* The clock is read only once there is a wait: a busy consumer takes
	 * record after record without a clock_gettime each (issue 20). */
	if (p)
		return p;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (atomic_load(&r->closed)) {
			/* The producer may have committed between take and the closed check. */
			return pkt_ring_take(r, len);
		}
		if (pkt_ring_timed_out(&start, timeout_ms))
			return NULL;
		pkt_ring_sleep(r, &r->consumer_sleeps, 1);
		if ((p = pkt_ring_take(r, len)))
			return p;
	}
}

void pkt_ring_release(struct pkt_ring *r)
{
	if (!r->peeked)
		return;
	r->peeked = false;
	atomic_store_explicit(&r->consumed, r->peek_end, memory_order_release);
	uint64_t room = r->peek_end;
	if (r->chunk) {
		/* The producer gets a chunk back only once its pages are gone:
		 * until then no record can be written into it (issue 18: after
		 * one lap a live 32 MiB ring was all resident, used or not). */
		room = r->peek_end & ~(uint64_t)(r->chunk - 1);
		if (room <= r->given)
			return;
		for (uint64_t c = r->given; c < room; c += r->chunk)
			(void)madvise(r->buf + (size_t)(c & r->mask), r->chunk, MADV_DONTNEED);
		r->given = room;
	}
	atomic_store_explicit(&r->head, room, memory_order_release);
	/* A producer waiting for room is woken once half the ring is free, not
	 * for every record: otherwise, reading a file faster than it is analysed,
	 * the two threads would trade one wake-up per packet (issue 20). */
	if (atomic_load(&r->producer_sleeps) > 0 &&
	    atomic_load(&r->tail) - room <= r->cap / 2)
		pkt_ring_wake(r);
}

void pkt_ring_close(struct pkt_ring *r)
{
	atomic_store(&r->closed, true);
	pthread_mutex_lock(&r->lock);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

void pkt_ring_cancel(struct pkt_ring *r)
{
	atomic_store(&r->cancelled, true);
	pthread_mutex_lock(&r->lock);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

bool pkt_ring_is_drained(struct pkt_ring *r)
{
	return atomic_load(&r->closed) && pkt_ring_used(r) == 0;
}

size_t pkt_ring_used(struct pkt_ring *r)
{
	return (size_t)(atomic_load(&r->tail) - atomic_load(&r->consumed));
}
