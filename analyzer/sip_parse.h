/* sip_parse: SIP text → struct sip_msg.  The only file that includes libosip2.
 *
 * libosip2 judges whether a message parses; when it does not, a lenient scan
 * still recovers Call-ID, tags, CSeq and the timer headers so the message can be
 * correlated (and blamed) rather than lost. */
#ifndef SIPWATCH_SIP_PARSE_H
#define SIPWATCH_SIP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/sip_msg.h"

/* Once, before any thread starts (libosip2's parser_init, silent trace). */
void sip_parse_init(void);

/* Parses len bytes at data (not NUL-terminated).  Returns false when the text is
 * not SIP at all (no request/status line, or no Call-ID even leniently); msg is
 * then cleared.  Returns true with msg->parsed_ok telling whether libosip2
 * accepted it.  Always call sip_msg_clear afterwards. */
bool sip_parse(const uint8_t *data, size_t len, struct sip_msg *msg);
void sip_msg_clear(struct sip_msg *msg);

/* Session-Expires value grammar (RFC 4028 §4): delta-seconds *(SEMI se-params),
 * refresher=uac|uas, whitespace allowed around ';' and '='. */
void sip_parse_session_expires(const char *value, struct timer_header *out);
void sip_parse_min_se(const char *value, struct timer_header *out);

#endif
