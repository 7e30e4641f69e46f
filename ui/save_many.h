/* save_many: marking dialogs in the list (Space) and saving the marked ones,
 * or every listed one after a filter, to one pcap or text file (sngrep's
 * F2 save), under a file name the user types. */
#ifndef SIPWATCH_SAVE_MANY_H
#define SIPWATCH_SAVE_MANY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "analyzer/records.h"

#define SAVE_MANY_NAME_MAX 256
#define SAVE_MANY_DEFAULT_NAME "sipwatch-dialogs.pcap"

/* Whether name asks for text (ends in ".txt", any case) rather than pcap. */
bool save_many_is_text(const char *name);
/* Writes msgs as text: per message a line "time src -> dst transport
 * Call-ID", the message as it was on the wire, a blank line.  path is
 * created or truncated, never through a symlink.  False with a reason. */
bool save_many_write_text(const char *path, const struct message_record *msgs, size_t n, bool utc,
			  char *err, size_t errlen);

struct dash;
struct save_many_state {
	uint64_t *marked; /* sorted ids */
	size_t n_marked, cap_marked;
	bool prompting;
	char name[SAVE_MANY_NAME_MAX];
};

/* Whether dialog id is marked. */
bool save_many_marked(const struct dash *d, uint64_t id);
/* Space on the list: mark or unmark the dialog under the cursor. */
void save_many_toggle(struct dash *d, uint64_t id);
/* Forgets every mark. */
void save_many_clear(struct dash *d);
/* The marked dialogs' ids (up to max), for the combined flow; returns how many. */
size_t save_many_ids(const struct dash *d, uint64_t *out, size_t max);
/* w on the list: asks for the file name. */
void save_many_prompt(struct dash *d);
/* True while the name prompt is open (it takes every key). */
bool save_many_key(struct dash *d, wint_t ch, bool fn);
/* Draws the prompt on the bottom line; false when not prompting. */
bool save_many_draw(struct dash *d);
void save_many_free(struct save_many_state *s);

#endif
