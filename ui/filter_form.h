/* filter_form: sngrep's F7 filter form for the dialog list — method,
 * source, destination, From, To, finding code, at-risk/doomed only.
 *
 * Fields are case-insensitive substrings; all the non-empty ones must match.
 * From, To, code and the risk box match the dialog row itself; method, source
 * and destination need its messages, so applying the form asks the db once
 * (db_each_dialog_hop) and keeps the ids that pass: the dialog's first message
 * from source to destination, a request of that method in the dialog.
 * Dialogs that come in later (live) match those three when / or F7 is used again,
 * except by method alone: an entry whose own method is the form's (REGISTER,
 * OPTIONS ...: analyzer/method_track.c) passes as soon as it comes.
 * One key each on the list (issue 18 item 2): 'o' ticks "hide REGISTER and
 * OPTIONS", 'm' steps the method field through the SIP methods, 'M' clears it. */
#ifndef SIPWATCH_FILTER_FORM_H
#define SIPWATCH_FILTER_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "analyzer/records.h"

#define FILTER_FORM_TEXT_MAX 96

enum filter_form_field {
	FILTER_FIELD_METHOD = 0,
	FILTER_FIELD_SRC,
	FILTER_FIELD_DST,
	FILTER_FIELD_FROM,
	FILTER_FIELD_TO,
	FILTER_FIELD_CODE,
	FILTER_FIELD_TEXT_COUNT, /* the text fields end here */
	FILTER_FIELD_RISKY = FILTER_FIELD_TEXT_COUNT, /* at risk or doomed only */
	FILTER_FIELD_NO_REG_OPT, /* hide REGISTER and OPTIONS entries */
	FILTER_FIELD_COUNT
};

struct filter_form {
	char text[FILTER_FIELD_TEXT_COUNT][FILTER_FORM_TEXT_MAX];
	bool risky;
	bool no_reg_opt; /* keepalives and registrations swamp the calls */
};

/* The field's label ("method", "source" ...). */
const char *filter_form_label(enum filter_form_field f);
/* Whether any field is set. */
bool filter_form_active(const struct filter_form *f);
/* Whether the fields need the dialogs' messages (method, source, destination). */
bool filter_form_needs_messages(const struct filter_form *f);
/* The row fields: From, To, code, at risk/doomed, REGISTER/OPTIONS hidden. */
bool filter_form_matches_row(const struct filter_form *f, const struct dialog_record *r);
/* The message fields for one dialog: src/dst of its first message and
 * whether it has a request of the form's method. */
bool filter_form_matches_hop(const struct filter_form *f, const char *src, const char *dst,
			     bool has_method);
/* Whether r's own method is the form's method field (case-insensitive; an
 * INVITE dialog's is INVITE); true when the field is empty. */
bool filter_form_matches_method(const struct filter_form *f, const struct dialog_record *r);
/* The method after cur in the order 'm' steps through (INVITE, REGISTER,
 * OPTIONS, SUBSCRIBE, NOTIFY, REFER, MESSAGE, PUBLISH, INFO, then "" = any);
 * "" or a method not in that list: INVITE. */
const char *filter_form_next_method(const char *cur);
/* "method=UPDATE src=10.0.0.1 risky" (raw user text: sanitise before drawing). */
void filter_form_describe(const struct filter_form *f, char *buf, size_t n);

/* The dashboard's part (F7 or F on the list). */
struct dash;
struct filter_form_state {
	struct filter_form applied; /* what the list shows */
	struct filter_form edit;    /* the form being typed in */
	bool open;
	bool active;  /* applied has a field set (the header says FILTERED) */
	bool changed; /* applied changed: the list's view needs a rebuild */
	int field;
	uint64_t *ids; /* sorted ids passing the message fields of applied */
	size_t n_ids, cap_ids;
};

void filter_form_open(struct dash *d);
void filter_form_draw(struct dash *d);
/* True while the form is open (it takes every key). */
bool filter_form_key(struct dash *d, wint_t ch, bool fn);
/* The list's one-key forms of the fields ('o', 'm', 'M'): applied at once,
 * as Enter in the form would. */
void filter_form_toggle_reg_opt(struct dash *d);
void filter_form_step_method(struct dash *d);
void filter_form_clear_method(struct dash *d);
/* Whether the applied form lets r through. */
bool filter_form_shows(const struct dash *d, const struct dialog_record *r);
void filter_form_free(struct filter_form_state *s);

#endif
