/* sip_scan: a lenient, bounded scanner from raw SIP text to struct sip_msg.
 *
 * Own code, no libosip2: it reads the start line and the header lines (folding,
 * compact forms, case-insensitive names) directly from the bytes, never past
 * len, and needs no NUL terminator.  sip_parse reads every message with it;
 * libosip2 (sip_parse_strict) is only asked for its verdict.
 *
 * The value helpers below work on one header value (a span, not necessarily
 * NUL-terminated) and are shared by both paths so they cannot disagree. */
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

/* Body length: the Content-Length value (n bytes at cl, NULL = absent) when it
 * is a valid number not beyond the bytes present, else everything present. */
size_t sip_scan_body_len(size_t present, const char *cl, size_t n);

/* What is wrong with a Content-Length (enum sip_clen): the first value (n
 * bytes at cl, NULL = absent), whether a later one differs, and the body
 * bytes present after the header section (body[0..present)). */
enum sip_clen sip_scan_content_length_check(const char *cl, size_t n, bool conflict,
					    const char *body, size_t present);

/* RFC 4028 §4 / §5 value grammars on n bytes at v (see sip_parse.h). */
void sip_scan_session_expires(const char *v, size_t n, struct timer_header *out);
void sip_scan_min_se(const char *v, size_t n, struct timer_header *out);

/* RFC 3261 §20.37 option-tag list ("timer, 100rel"): does it name tag?
 * Case-insensitive, whitespace around commas ignored. */
bool sip_scan_has_option_tag(const char *v, size_t n, const char *tag);

/* Retry-After (RFC 3261 §20.33): the leading delta-seconds, -1 if absent or
 * not a number up to 2^31-1. */
int sip_scan_retry_after(const char *v, size_t n);
/* A Reason header value saying the session timer expired (cause 408 of SIP, or such a text). */
bool sip_scan_reason_timer(const char *v, size_t n);

#endif
