/* sip_text: SIP's text rules in one place (RFC 3261 §7, §25.1) — the
 * characters of a token, the start line (strictly, to tell SIP from other
 * bytes; leniently, to read one), the end of the header section and the
 * Content-Length value.
 *
 * A leaf for capture (framing a TCP stream, detecting SIP) and the analyzer
 * (scanning a message) alike, so the two can never disagree on where a
 * message's headers end or how long its body is.  Every function reads only
 * the bytes it is given (no NUL needed) and allocates nothing. */
#ifndef SIPWATCH_SIP_TEXT_H
#define SIPWATCH_SIP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A start line longer than this is not worth waiting for (sip_text_could_start). */
#define SIP_TEXT_LINE_MAX 2048

/* RFC 3261 §25.1: LWS as a scanner of folded header values sees it. */
static inline bool sip_text_is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The index of the first byte at or after i of v[0..n) that is not LWS. */
static inline size_t sip_text_skip_lws(const char *v, size_t n, size_t i)
{
	while (i < n && sip_text_is_lws(v[i]))
		i++;
	return i;
}

/* ASCII lower case, whatever the locale (header names and option tags are
 * ASCII; strncasecmp would follow LC_CTYPE). */
static inline char sip_text_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* n bytes at p equal the l bytes of lit, ignoring ASCII case. */
static inline bool sip_text_eq_ci(const char *p, size_t n, const char *lit, size_t l)
{
	if (n != l)
		return false;
	for (size_t i = 0; i < n; i++)
		if (sip_text_lower(p[i]) != sip_text_lower(lit[i]))
			return false;
	return true;
}

/* RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" /
 * "+" / "`" / "'" / "~").  As a table of the 256 byte values (inline: the
 * header scanner asks it of every byte of a header name and of most
 * parameters; one load is a third of the instructions of a bit test). */
extern const bool sip_text_token_chars[256];
static inline bool sip_text_is_token(char ch)
{
	return sip_text_token_chars[(unsigned char)ch];
}

/* n > 0 bytes at s, all token characters (RFC 3261 §25.1), e.g. a method. */
bool sip_text_is_token_text(const char *s, size_t n);

/* ---- the start line ---- */

/* Strict, for telling SIP from other bytes: one line without its LF (a
 * trailing CR is allowed), "METHOD sp uri sp SIP/2.0" with an upper-case
 * method or "SIP/2.0 ddd ...". */
bool sip_text_start_line(const uint8_t *line, size_t len);
/* Could these bytes (a start line arriving in pieces) still grow into one? */
bool sip_text_could_start(const uint8_t *p, size_t len);

/* Lenient, for reading a message: RFC 3261 §7.2 Status-Line with runs of
 * whitespace for SP; *status is the code (100..699).  False when the line is
 * not a status line or its code is not three digits in range. */
bool sip_text_status_line(const char *s, size_t n, int *status);
/* Does the line start like a Status-Line ("SIP/", any case)? */
bool sip_text_is_status_line(const char *s, size_t n);
/* Lenient RFC 3261 §7.1 Request-Line: runs of whitespace for SP, and the
 * Request-URI is whatever lies between the method and the last word (so a URI
 * with stray spaces survives).  Spans into s; false when it is no request line. */
struct sip_text_request {
	const char *method, *uri;
	size_t method_len, uri_len;
};
bool sip_text_request_line(const char *s, size_t n, struct sip_text_request *out);

/* ---- the header section ---- */

/* The CR and LF bytes at p (RFC 3261 §7.5: ignored before a start line;
 * RFC 5626 §3.5.1: keepalives between messages over a stream). */
size_t sip_text_skip_crlf(const uint8_t *p, size_t len);
/* End of the header section, just past its blank line (CRLF CRLF, or LF LF
 * from lenient senders), leading CRLFs skipped; 0 when there is none yet. */
size_t sip_text_header_end(const uint8_t *data, size_t len);

/* ---- Content-Length (RFC 3261 §20.14, compact form "l" §7.3.3) ---- */

/* Is this header line Content-Length (case-insensitive, optional whitespace
 * before the colon)?  The offset just past its colon, or 0. */
size_t sip_text_content_length_name(const uint8_t *line, size_t len);
/* The value (n bytes at v, LWS around it ignored) as a number up to max. */
bool sip_text_content_length(const char *v, size_t n, uint64_t max, uint64_t *out);
/* Finds Content-Length among the header lines (len bytes at hdrs, after the
 * start line).  False when one is present but unreadable or above max; *clen
 * is 0 when there is none. */
bool sip_text_find_content_length(const uint8_t *hdrs, size_t len, uint64_t max, size_t *clen);

#endif
