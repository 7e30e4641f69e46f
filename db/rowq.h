/* rowq: the bounded byte queue between the store's producer (the analyzer
 * thread) and its writer thread.
 *
 * Records are variable-sized (a SIP message with its raw text, up to tens of
 * KiB) and are copied into fixed-size chunks; the queue is bounded in bytes
 * (chunks allocated), not records, so its memory stays flat whatever the
 * records' sizes.  One producer thread and one consumer thread at a time.
 *
 * The producer fills an open chunk without locking and hands it over when it
 * is full or on rowq_publish (once per chunk, not per record).  When the
 * budget is spent, rowq_alloc waits until the consumer gives a chunk back:
 * the producer is slowed to the writer's pace, never unbounded.  A record
 * larger than a chunk gets a chunk of its own (it may exceed the budget
 * alone, only when nothing else is queued).  At most twice the budget is
 * ever allocated (rowq_alloc_reserve). */
#ifndef SIPWATCH_ROWQ_H
#define SIPWATCH_ROWQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROWQ_ALIGN 8

struct rowq_chunk {
	struct rowq_chunk *next;
	size_t cap;  /* bytes of data */
	size_t used; /* bytes filled, records ROWQ_ALIGN-aligned */
	uint8_t data[];
};

struct rowq;

/* chunk_size: bytes per chunk; max_bytes: the budget (at least one chunk). */
struct rowq *rowq_new(size_t chunk_size, size_t max_bytes);
void rowq_free(struct rowq *q);

/* Producer: room for n bytes (aligned) in the open chunk, handing over the
 * open chunk and waiting for budget if it is full.  Never NULL. */
void *rowq_alloc(struct rowq *q, size_t n);
/* Producer: the same, but NULL rather than wait when the budget is spent
 * (while storage is failing, the analyzer must not wait for the writer). */
void *rowq_try_alloc(struct rowq *q, size_t n);
/* Producer: like rowq_alloc, but past the spent budget it may take as much
 * again before it waits: room for the records that must not be skipped while
 * rowq_try_alloc is skipping the others (which never use that reserve). */
void *rowq_alloc_reserve(struct rowq *q, size_t n);
/* Producer: hands the open chunk (if it holds anything) to the consumer. */
void rowq_publish(struct rowq *q);

/* Consumer: waits for published chunks and takes them all, oldest first (a
 * list linked by next); NULL once rowq_close was called and nothing is left. */
struct rowq_chunk *rowq_take(struct rowq *q);
/* Consumer: gives a chunk taken back (frees budget, wakes the producer). */
void rowq_release(struct rowq *q, struct rowq_chunk *c);
/* Wakes the consumer for good: rowq_take returns NULL once drained. */
void rowq_close(struct rowq *q);

/* Bytes of chunks allocated now and at most so far (for tests). */
size_t rowq_bytes(struct rowq *q);
size_t rowq_peak_bytes(struct rowq *q);

#endif
