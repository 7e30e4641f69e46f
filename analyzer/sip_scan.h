/* sip_scan: a lenient, bounded scanner from raw SIP text to struct sip_msg.
 *
 * Own code, no libosip2: it reads the start line and the header lines (folding,
 * compact forms, case-insensitive names) directly from the bytes, never past
 * len, and needs no NUL terminator.  sip_parse reads every message with it;
 * libosip2 (sip_parse_strict) is only asked for its verdict.
 *
 * The grammars of single header values, which both paths share, are
 * sip_value's; the identity headers (From, To, Call-ID, CSeq, Via, Contact)
 * sip_ident's. */
#ifndef SIPWATCH_SIP_SCAN_H
#define SIPWATCH_SIP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/sip_msg.h"

/* Messages larger than this are scanned only up to here (and not handed to
 * libosip2); 256 KiB is far beyond any sane SIP message. */
#define SIP_SCAN_MAX_LEN (256u * 1024u)

/* Fills msg from len bytes at data.  Returns false (msg
 * cleared) when there is no request/status line or no Call-ID.  msg need not
 * be initialised; call sip_msg_clear afterwards in every case. */
bool sip_scan(const uint8_t *data, size_t len, struct sip_msg *msg);

/* The status code of a status line (100..699), 0 for anything else that is not
 * a status line, -1 for a status line with a bad code.  libosip2 reads codes
 * without a bound, so "SIP/2.0 4294967496" wraps to 200 there; not here. */
int sip_scan_status(const uint8_t *data, size_t len);

/* Length of the header section including the blank line (CRLFCRLF, or LFLF
 * leniently); len when there is no blank line (truncated message). */
size_t sip_scan_header_len(const uint8_t *data, size_t len);

#endif
