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

#include "common/sip_text.h"

enum sip_frame_result sip_frame_next(const uint8_t *buf, size_t len, size_t max,
				     struct sip_frame *out)
{
	out->skip = sip_text_skip_crlf(buf, len);
	out->len = 0;
	const uint8_t *p = buf + out->skip;
	size_t n = len - out->skip;
	if (n == 0)
		return SIP_FRAME_NEED_MORE;

	const uint8_t *lf = memchr(p, '\n', n);
	if (!lf) {
		if (sip_text_could_start(p, n))
			return SIP_FRAME_NEED_MORE;
		out->skip += n;
		return SIP_FRAME_GARBAGE;
	}
	size_t line = (size_t)(lf - p);
	if (!sip_text_start_line(p, line)) {
		out->skip += line + 1;
		return SIP_FRAME_GARBAGE;
	}
	size_t hdr_end = sip_text_header_end(p, n);
	if (!hdr_end)
		return n > max ? SIP_FRAME_BAD_LENGTH : SIP_FRAME_NEED_MORE;
	size_t clen;
	if (!sip_text_find_content_length(p + line + 1, hdr_end - line - 1, max, &clen))
		return SIP_FRAME_BAD_LENGTH;
	if (n - hdr_end < clen)
		return SIP_FRAME_NEED_MORE;
	out->len = hdr_end + clen;
	return SIP_FRAME_MESSAGE;
}
