/* ladder: a dialog's messages laid out as a ladder diagram.
 *
 * Pure layout (no curses): the hosts (ip:port) become columns in order of
 * first appearance, each message one arrow row with its label, refresh
 * transactions are marked with their outcome from the findings that point at
 * them, and the timer instants (refresh due, teardown, deadline, now) become
 * rows on the time axis.  Rendering a row gives plain UTF-8 (or ASCII) text of
 * exactly the diagram's width; the screen adds the time column and colours. */
#ifndef SIPWATCH_LADDER_H
#define SIPWATCH_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"

#define LADDER_MAX_HOSTS 8
#define LADDER_LABEL_MAX 48
#define LADDER_NOTE_MAX 160
/* Narrowest spacing between lifelines: "255.255.255.255:65535" mostly fits. */
#define LADDER_MIN_SPACING 14

enum ladder_row_kind {
	LADDER_ROW_MESSAGE = 0,
	LADDER_ROW_MARK,
};

enum ladder_mark {
	LADDER_MARK_REFRESH_DUE = 0,
	LADDER_MARK_TEARDOWN,
	LADDER_MARK_DEADLINE,
	LADDER_MARK_NOW,
};

enum ladder_outcome {
	LADDER_OUTCOME_NONE = 0,
	LADDER_OUTCOME_OK,     /* a refresh answered well */
	LADDER_OUTCOME_FAILED, /* a finding points at this message */
	LADDER_OUTCOME_WARNED, /* only warning/info findings point at it */
};

struct ladder_row {
	enum ladder_row_kind kind;
	int64_t ts_us;
	size_t msg;   /* index into the input messages (MESSAGE rows) */
	int from, to; /* host columns */
	enum ladder_mark mark;
	bool retransmission;
	bool refresh; /* part of a refresh transaction */
	enum ladder_outcome outcome;
	char label[LADDER_LABEL_MAX]; /* "UPDATE", "200 UPDATE", "teardown expected" */
	char note[LADDER_NOTE_MAX];   /* "✗ no Contact, no Session-Expires" */
};

struct ladder {
	int n_hosts;
	char hosts[LADDER_MAX_HOSTS][ENDPOINT_STR_MAX];
	int host_x[LADDER_MAX_HOSTS]; /* lifeline column inside the diagram */
	int width;                    /* diagram width in columns */
	bool ascii;
	size_t n_rows;
	struct ladder_row *rows;
};

struct ladder_input {
	const struct message_record *msgs; /* in time order */
	size_t n_msgs;
	const struct finding_record *findings;
	size_t n_findings;
	const struct dialog_record *dialog; /* timer instants; may be NULL */
	int64_t clock_us;                   /* the "now" mark while the dialog is up; TS_NONE = none */
	int width;                          /* diagram columns */
	bool ascii;                         /* no box-drawing characters */
};

/* What a finding says about the message it points at. */
struct ladder_finding_info {
	const char *note;      /* a few words: "no Contact" */
	const char *missing;   /* comma list of header names absent from the message, or NULL */
	const char *offending; /* comma list of header names at fault, or NULL */
};

const struct ladder_finding_info *ladder_finding_info(enum finding_code c);

void ladder_build(const struct ladder_input *in, struct ladder *out);
void ladder_free(struct ladder *l);
/* Row index of message i (its MESSAGE row); n_rows if none. */
size_t ladder_row_of_message(const struct ladder *l, size_t msg);
/* The host names centred over their lifelines, exactly width columns. */
void ladder_render_hosts(const struct ladder *l, char *buf, size_t cap);
/* Lifelines and the row's arrow or mark, exactly width columns. */
void ladder_render(const struct ladder *l, size_t row, char *buf, size_t cap);

#endif
