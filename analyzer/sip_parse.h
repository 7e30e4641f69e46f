/* sip_parse: SIP text → struct sip_msg.  The only file that includes libosip2.
 *
 * Every message is read by the lenient scanner (sip_scan): Call-ID, tags, CSeq,
 * the timer headers, so it can be correlated (and blamed) even when a strict
 * parser would reject it.  libosip2's verdict is asked for separately, only
 * where it is used (sip_parse_strict_accepts). */
#ifndef SIPWATCH_SIP_PARSE_H
#define SIPWATCH_SIP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/sip_msg.h"

/* Once, before any thread starts (libosip2's parser_init, silent trace). */
void sip_parse_init(void);

/* Parses len bytes at data (not NUL-terminated) with the lenient scanner.
 * Returns false when the text is not SIP at all (no request/status line, or no
 * Call-ID); msg is then cleared.  Always call sip_msg_clear afterwards. */
bool sip_parse(const uint8_t *data, size_t len, struct sip_msg *msg);
/* Does a strict parser (libosip2) accept these bytes?  False too where it is
 * not asked: over SIP_SCAN_MAX_LEN, a NUL or bare CR in the headers, no SP
 * after the status code, more list items than it handles in linear time, no
 * Call-ID, a non-token method, a status code it misreads.  Costs a full
 * libosip2 parse: call it only where the verdict matters. */
bool sip_parse_strict_accepts(const uint8_t *data, size_t len);
/* The same, and on acceptance msg filled from libosip2's reading (for tests and
 * the differential fuzzer: it must agree with sip_parse); cleared otherwise.
 * Always call sip_msg_clear afterwards. */
bool sip_parse_strict(const uint8_t *data, size_t len, struct sip_msg *msg);

/* Session-Expires value grammar (RFC 4028 §4): delta-seconds *(SEMI se-params),
 * refresher=uac|uas, whitespace allowed around ';' and '='. */
void sip_parse_session_expires(const char *value, struct timer_header *out);
void sip_parse_min_se(const char *value, struct timer_header *out);

#endif
