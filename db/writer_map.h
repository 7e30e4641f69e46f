/* writer_map: the writer's dialog coalescing map, a data structure only.
 *
 * The analyzer re-emits a dialog at every state change (about five times a
 * call), and its row only has to hold the latest state at each commit: the
 * map keeps, per dialog id, a copy of its latest record (struct
 * storerec_dialog, strings included), in first-seen order so that new rows
 * go in as they would have one by one.  The writer (writer_commit.c) writes
 * it out before each COMMIT, before anything that reads or deletes dialogs,
 * and when it is full. */
#ifndef SIPWATCH_WRITER_MAP_H
#define SIPWATCH_WRITER_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/storerec.h"

/* At most this many dialogs or bytes of their records per transaction; past
 * either, the map is written out early (still inside the transaction) and
 * starts again. */
#define WRITER_MAP_MAX 16384
#define WRITER_MAP_SLOTS (2 * WRITER_MAP_MAX) /* a power of two */
#define WRITER_MAP_MAX_BYTES (4u << 20) /* of record buffers */

struct writer_entry {
	uint64_t id;
	uint8_t *buf; /* a copy of the latest struct storerec_dialog, strings included */
	size_t cap;
};

struct writer_map {
	struct writer_entry *e; /* first-seen order */
	size_t n;
	size_t bytes;           /* of the entries' buffers */
	uint32_t *slot;         /* index + 1 into e, 0 = free; open addressing */
};

void writer_map_init(struct writer_map *m);
void writer_map_free(struct writer_map *m);
/* Forgets every entry (their buffers too: the map's memory is what it holds). */
void writer_map_clear(struct writer_map *m);
/* Keeps a copy of d as its dialog's latest record.  False, and nothing
 * changed, when d's dialog is new and the map is full: write it out, clear
 * it, and put d again with force (kept even if d alone is past the bytes). */
bool writer_map_put(struct writer_map *m, const struct storerec_dialog *d, bool force);

#endif
