/* message_checks: what is wrong with a SIP message itself rather than with
 * the session timer: today a malformed Content-Length (issue 17).  One hook,
 * called once per message the analyzer observes. */
#ifndef SIPWATCH_MESSAGE_CHECKS_H
#define SIPWATCH_MESSAGE_CHECKS_H

#include <stdbool.h>

#include "analyzer/dialog_table.h"
#include "analyzer/emitter.h"
#include "analyzer/observation.h"

/* True when o's message has a malformed Content-Length (the caller counts
 * it: analyzer_stats bad_content_length); inside a dialog (d not NULL) it
 * is reported as CONTENT_LENGTH_MALFORMED (warning: it neither dooms nor
 * risks a call).  Retransmissions are not reported again (false). */
bool message_checks_observe(struct emitter *e, struct dialog *d, const struct observation *o,
			    bool retransmission);

#endif
