/* pkt_ring: a byte-bounded single-producer single-consumer ring of records.
 *
 * The capture thread copies each record (a packet header and its payload) into
 * one preallocated contiguous buffer; the analyzer thread reads the oldest
 * record in place and releases it when done, strictly in FIFO order.  No
 * allocation per record, no cross-thread free, and the memory held is bounded
 * in bytes, not in records (issue 20).
 *
 * Like common/queue.c: the positions are C11 atomics, a mutex and a condition
 * variable are touched only when one side has to sleep.  Live capture uses
 * pkt_ring_try_reserve (full = drop and count, never block); reading a file
 * waits for room (pkt_ring_reserve), so offline results never depend on timing.
 *
 * A record takes an 8-byte header plus its length rounded up to 8, so every
 * record starts 8-byte aligned.  One that does not fit before the end of the
 * buffer leaves a wrap marker there and starts at the beginning; a record
 * larger than pkt_ring_max_record (half the buffer: then an empty ring always
 * takes it, wherever its positions are) is refused with PKT_RING_TOO_BIG. */
#ifndef SIPWATCH_PKT_RING_H
#define SIPWATCH_PKT_RING_H

#include <stdbool.h>
#include <stddef.h>

struct pkt_ring;

enum pkt_ring_status {
	PKT_RING_OK = 0,
	PKT_RING_FULL,      /* no room now (try again, or drop) */
	PKT_RING_TOO_BIG,   /* larger than pkt_ring_max_record: never fits */
	PKT_RING_CANCELLED, /* the consumer gave up (pkt_ring_cancel) */
};

/* bytes is rounded up to a power of two, at least PKT_RING_MIN_BYTES.  The
 * buffer is mapped, not malloc'ed: its pages become resident as the producer
 * first reaches them (all of them after one lap), outside any malloc arena. */
#define PKT_RING_MIN_BYTES 4096u
struct pkt_ring *pkt_ring_new(size_t bytes);
void pkt_ring_free(struct pkt_ring *r);
size_t pkt_ring_capacity(const struct pkt_ring *r);
/* The largest len pkt_ring_try_reserve accepts. */
size_t pkt_ring_max_record(const struct pkt_ring *r);
/* Before the first record: every chunk of cap/PKT_RING_GIVE_BACK_CHUNKS
 * bytes the consumer is done with has its pages given back to the kernel
 * (madvise) before the producer may write it again, so the resident part
 * is what the records in flight need, not all that a burst once filled.
 * Costs a page fault per page written, and a chunk of room (the max record
 * shrinks by one).  False, and nothing changed, when the ring is too small
 * for it, or the max record would drop below keep_max_record. */
#define PKT_RING_GIVE_BACK_CHUNKS 32u
bool pkt_ring_give_back(struct pkt_ring *r, size_t keep_max_record);

/* Producer.  Room for len bytes (8-byte aligned, not zeroed), or NULL with the
 * reason in *why (why may be NULL).  Never blocks.  The record is invisible to
 * the consumer until pkt_ring_commit; a second reserve before the commit
 * replaces the first. */
void *pkt_ring_try_reserve(struct pkt_ring *r, size_t len, enum pkt_ring_status *why);
/* The same, waiting up to timeout_ms (-1 = forever) for room. */
void *pkt_ring_reserve(struct pkt_ring *r, size_t len, int timeout_ms,
		       enum pkt_ring_status *why);
/* Publishes the reserved record (wakes a sleeping consumer). */
void pkt_ring_commit(struct pkt_ring *r);

/* Consumer.  The oldest record, in place, waiting up to timeout_ms (-1 =
 * forever); its length in *len (len may be NULL).  NULL on timeout or when
 * the ring is closed and empty (see pkt_ring_is_drained).  The record stays
 * valid, and is returned again, until pkt_ring_release. */
void *pkt_ring_peek(struct pkt_ring *r, int timeout_ms, size_t *len);
/* The record pkt_ring_peek returned is done with: its room is free again. */
void pkt_ring_release(struct pkt_ring *r);

/* Producer side: no more records will come.  Wakes a waiting consumer. */
void pkt_ring_close(struct pkt_ring *r);
/* Consumer side: stop accepting records (a waiting producer gets CANCELLED). */
void pkt_ring_cancel(struct pkt_ring *r);
bool pkt_ring_is_drained(struct pkt_ring *r);
/* Bytes held, headers and padding included (0 = empty). */
size_t pkt_ring_used(struct pkt_ring *r);

#endif
