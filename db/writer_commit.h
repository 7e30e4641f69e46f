/* writer_commit: the end of the writer's transactions and what must
 * commit first (writer_commit.c).  For the writer's own files. */
#ifndef SIPWATCH_WRITER_COMMIT_H
#define SIPWATCH_WRITER_COMMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "db/storerec.h"

struct writer;
struct writer_reply;

/* Keeps the latest record of the dialog for the commit. */
void writer_dialog(struct writer *w, const struct storerec_dialog *d);
/* Writes the coalesced dialogs and commits the open batch. */
void writer_commit(struct writer *w);
/* Commits, then starts the captures row (kept until written); its id, 0 if
 * it could not be written yet. */
uint64_t writer_begin_capture(struct writer *w, const struct storerec_capture *c);
/* The first free ids (after writing the coalesced dialogs). */
void writer_next_ids(struct writer *w, struct writer_reply *r);
/* --retention-days before now_us, in a transaction of its own. */
void writer_retention(struct writer *w, int64_t now_us);
/* Blocked and the retry time has come (or the end: final, a few times over,
 * each making room again): try again. */
void writer_retry(struct writer *w, bool final);

#endif
