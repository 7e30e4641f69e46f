/* writer_rows: the open transaction and the rows written into it
 * (writer_rows.c).  For the writer's own files. */
#ifndef SIPWATCH_WRITER_ROWS_H
#define SIPWATCH_WRITER_ROWS_H

#include <stdbool.h>

#include "db/storerec.h"

struct writer;

/* A row may be written: healthy and a batch open (opened here if none is:
 * after a failure the captures row not written yet and the log go first). */
bool writer_ready(struct writer *w);
/* One dialog's upsert, into the open batch (the caller made it ready). */
void writer_dialog_row(struct writer *w, const struct storerec_dialog *d);
/* The db_* columns of this run's captures row: what storage trouble left out. */
void writer_capture_dbstate(struct writer *w);

/* The records: written now (or skipped below their level, counted); the
 * essentials logged until their transaction commits. */
void writer_message(struct writer *w, const struct storerec_message *m);
void writer_finding(struct writer *w, const struct storerec_finding *f);
void writer_endpoint(struct writer *w, const struct storerec_endpoint *e);
void writer_update_capture(struct writer *w, const struct storerec_capture *c);

#endif
