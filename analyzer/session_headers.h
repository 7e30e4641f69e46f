/* session_headers: RFC 4028 header rules (§4 grammar, §5 Min-SE floor, §9 what
 * a UAS puts in its 2xx) checked on requests and 2xx answers. */
#ifndef SIPWATCH_SESSION_HEADERS_H
#define SIPWATCH_SESSION_HEADERS_H

#include <stdbool.h>

#include "analyzer/dialog_table.h"
#include "analyzer/emitter.h"
#include "analyzer/observation.h"

/* The dialog's largest Min-SE. */
void session_headers_note_min_se(struct dialog *d, const struct sip_msg *m);
/* SE_HEADER_MALFORMED, INTERVAL_TOO_SMALL of a request's own headers. */
void session_headers_check_request(struct emitter *e, struct dialog *d,
				   const struct observation *o);
/* SE_HEADER_MALFORMED, SE_2XX_INCREASED, SE_2XX_NO_REFRESHER, NO_REQUIRE_TIMER,
 * REFRESHER_UAC_UNSUPPORTED, INTERVAL_TOO_SMALL of the first 2xx of a transaction. */
void session_headers_check_2xx(struct emitter *e, struct dialog *d, const struct observation *o);

#endif
