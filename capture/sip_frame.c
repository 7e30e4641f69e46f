/* sip_frame: Content-Length framing of SIP over a stream transport.
 *
 * RFC 3261 18.3: over TCP, Content-Length MUST be present and says where the
 * body ends.  A message without one is taken to end with its headers.  CRLF
 * keepalives (RFC 5626 3.5.1: "\r\n\r\n" ping, "\r\n" pong) between messages
 * are skipped.  Garbage (a stream picked up mid-message) is skipped a line at
 * a time until a start line appears. */
#include "capture/sip_frame.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "capture/sip_detect.h"
#include "common/numparse.h"

static size_t sip_frame_skip_crlf(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len && (p[i] == '\r' || p[i] == '\n'))
		i++;
	return i;
}

/* End of the header section: just past "\r\n\r\n" (or a bare "\n\n"), or 0.
 * memchr from line end to line end: a byte-at-a-time loop here was most of
 * the capture thread's time on TCP. */
static size_t sip_frame_header_end(const uint8_t *p, size_t len)
{
	for (size_t i = 1; i < len; i++) {
		const uint8_t *lf = memchr(p + i, '\n', len - i);
		if (!lf)
			return 0;
		i = (size_t)(lf - p);
		if (p[i - 1] == '\n')
			return i + 1;
		if (i >= 2 && p[i - 1] == '\r' && p[i - 2] == '\n')
			return i + 1;
	}
	return 0;
}

static bool sip_frame_ws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Is this header line "Content-Length" or its compact form "l" (RFC 3261 7.3.3,
 * case-insensitive, optional whitespace before the colon)?  Returns the offset
 * just past the colon, or 0. */
static size_t sip_frame_is_clen(const uint8_t *line, size_t len)
{
	static const char full[] = "content-length";
	size_t n = 0;

	while (n < len && line[n] != ':' && !sip_frame_ws(line[n]))
		n++;
	bool match = (n == 1 && (line[0] | 0x20) == 'l') ||
		     (n == sizeof full - 1 && strncasecmp((const char *)line, full, n) == 0);
	if (!match)
		return 0;
	while (n < len && sip_frame_ws(line[n]))
		n++;
	return n < len && line[n] == ':' ? n + 1 : 0;
}

/* Finds Content-Length in the header lines.  Returns false if one is present
 * but unreadable or above max; *clen is 0 when there is none. */
static bool sip_frame_content_length(const uint8_t *hdrs, size_t len, size_t max, size_t *clen)
{
	*clen = 0;
	for (size_t at = 0; at < len;) {
		const uint8_t *lf = memchr(hdrs + at, '\n', len - at);
		size_t end = lf ? (size_t)(lf - hdrs) : len;
		const uint8_t *line = hdrs + at;
		size_t llen = end - at;
		size_t colon = sip_frame_is_clen(line, llen);
		at = end + 1;
		if (!colon)
			continue;
		size_t b = colon, e = llen;
		while (b < e && sip_frame_ws(line[b]))
			b++;
		while (e > b && (sip_frame_ws(line[e - 1]) || line[e - 1] == '\r'))
			e--;
		uint64_t v;
		if (!parse_uint((const char *)line + b, e - b, max, &v))
			return false;
		*clen = (size_t)v;
		return true;
	}
	return true;
}

enum sip_frame_result sip_frame_next(const uint8_t *buf, size_t len, size_t max,
				     struct sip_frame *out)
{
	out->skip = sip_frame_skip_crlf(buf, len);
	out->len = 0;
	const uint8_t *p = buf + out->skip;
	size_t n = len - out->skip;
	if (n == 0)
		return SIP_FRAME_NEED_MORE;

	const uint8_t *lf = memchr(p, '\n', n);
	if (!lf) {
		if (sip_detect_could_start(p, n))
			return SIP_FRAME_NEED_MORE;
		out->skip += n;
		return SIP_FRAME_GARBAGE;
	}
	size_t line = (size_t)(lf - p);
	if (!sip_detect_start_line(p, line)) {
		out->skip += line + 1;
		return SIP_FRAME_GARBAGE;
	}
	size_t hdr_end = sip_frame_header_end(p, n);
	if (!hdr_end)
		return n > max ? SIP_FRAME_BAD_LENGTH : SIP_FRAME_NEED_MORE;
	size_t clen;
	if (!sip_frame_content_length(p + line + 1, hdr_end - line - 1, max, &clen))
		return SIP_FRAME_BAD_LENGTH;
	if (n - hdr_end < clen)
		return SIP_FRAME_NEED_MORE;
	out->len = hdr_end + clen;
	return SIP_FRAME_MESSAGE;
}
