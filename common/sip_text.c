/* sip_text: SIP's text rules — token characters, the start line, the end of
 * the header section, Content-Length.  See sip_text.h. */
#include "common/sip_text.h"

#include <string.h>
#include <strings.h>

#include "common/numparse.h"

#define SIP_TEXT_VERSION "SIP/2.0"
#define SIP_TEXT_VERSION_LEN 7
#define SIP_TEXT_METHOD_MAX 32

/* token characters (sip_text.h): alphanum and -.!%*_+`'~ */
const bool sip_text_token_chars[256] = {
	['0'] = true, ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true,
	['5'] = true, ['6'] = true, ['7'] = true, ['8'] = true, ['9'] = true,
	['A'] = true, ['B'] = true, ['C'] = true, ['D'] = true, ['E'] = true, ['F'] = true,
	['G'] = true, ['H'] = true, ['I'] = true, ['J'] = true, ['K'] = true, ['L'] = true,
	['M'] = true, ['N'] = true, ['O'] = true, ['P'] = true, ['Q'] = true, ['R'] = true,
	['S'] = true, ['T'] = true, ['U'] = true, ['V'] = true, ['W'] = true, ['X'] = true,
	['Y'] = true, ['Z'] = true,
	['a'] = true, ['b'] = true, ['c'] = true, ['d'] = true, ['e'] = true, ['f'] = true,
	['g'] = true, ['h'] = true, ['i'] = true, ['j'] = true, ['k'] = true, ['l'] = true,
	['m'] = true, ['n'] = true, ['o'] = true, ['p'] = true, ['q'] = true, ['r'] = true,
	['s'] = true, ['t'] = true, ['u'] = true, ['v'] = true, ['w'] = true, ['x'] = true,
	['y'] = true, ['z'] = true,
	['-'] = true, ['.'] = true, ['!'] = true, ['%'] = true, ['*'] = true, ['_'] = true,
	['+'] = true, ['`'] = true, ['\''] = true, ['~'] = true,
};

bool sip_text_is_token_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!sip_text_is_token(s[i]))
			return false;
	return n > 0;
}

/* ---- the start line, strictly ---- */

static bool sip_text_method_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

static bool sip_text_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
static bool sip_text_strict_status(const uint8_t *line, size_t len)
{
	if (len < SIP_TEXT_VERSION_LEN + 4 ||
	    memcmp(line, SIP_TEXT_VERSION " ", SIP_TEXT_VERSION_LEN + 1) != 0)
		return false;
	const uint8_t *code = line + SIP_TEXT_VERSION_LEN + 1;
	if (!sip_text_digit(code[0]) || !sip_text_digit(code[1]) || !sip_text_digit(code[2]))
		return false;
	return len == SIP_TEXT_VERSION_LEN + 4 || code[3] == ' ';
}

/* Request-Line = Method SP Request-URI SP SIP-Version */
static bool sip_text_strict_request(const uint8_t *line, size_t len)
{
	size_t i = 0;

	while (i < len && i <= SIP_TEXT_METHOD_MAX && sip_text_method_char(line[i]))
		i++;
	if (i == 0 || i > SIP_TEXT_METHOD_MAX || i >= len || line[i] != ' ')
		return false;
	if (len < i + 2 + SIP_TEXT_VERSION_LEN + 1)
		return false;
	const uint8_t *tail = line + len - SIP_TEXT_VERSION_LEN - 1;
	return memcmp(tail, " " SIP_TEXT_VERSION, SIP_TEXT_VERSION_LEN + 1) == 0 && line[i + 1] != ' ';
}

bool sip_text_start_line(const uint8_t *line, size_t len)
{
	if (len && line[len - 1] == '\r')
		len--;
	return sip_text_strict_status(line, len) || sip_text_strict_request(line, len);
}

bool sip_text_could_start(const uint8_t *p, size_t len)
{
	if (len > SIP_TEXT_LINE_MAX)
		return false;
	if (!len)	/* nothing yet contradicts a start line (and p may be NULL) */
		return true;
	size_t n = len < SIP_TEXT_VERSION_LEN ? len : SIP_TEXT_VERSION_LEN;
	if (memcmp(p, SIP_TEXT_VERSION, n) == 0)
		return true;
	size_t i = 0;
	while (i < len && i <= SIP_TEXT_METHOD_MAX && sip_text_method_char(p[i]))
		i++;
	return i > 0 && i <= SIP_TEXT_METHOD_MAX && (i == len || p[i] == ' ');
}

/* ---- the start line, leniently ---- */

bool sip_text_is_status_line(const char *s, size_t n)
{
	return n >= 4 && strncasecmp(s, "SIP/", 4) == 0;
}

/* Status-Code = 3DIGIT (100..699 in use, RFC 3261 §21). */
bool sip_text_status_line(const char *s, size_t n, int *status)
{
	uint64_t code;
	size_t i = 4;

	if (!sip_text_is_status_line(s, n))
		return false;
	while (i < n && !sip_text_is_lws(s[i]))
		i++;
	size_t c = sip_text_skip_lws(s, n, i);
	if (c == i || n - c < 3 || (n - c > 3 && !sip_text_is_lws(s[c + 3])))
		return false;
	if (!parse_uint(s + c, 3, 699, &code) || code < 100)
		return false;
	*status = (int)code;
	return true;
}

bool sip_text_request_line(const char *s, size_t n, struct sip_text_request *out)
{
	size_t m = 0;
	while (m < n && sip_text_is_token(s[m]))
		m++;
	size_t ve = n, vb;
	while (ve > m && sip_text_is_lws(s[ve - 1]))
		ve--;
	vb = ve;
	while (vb > m && !sip_text_is_lws(s[vb - 1]))
		vb--;
	if (m == 0 || vb == m || ve - vb < 4 || strncasecmp(s + vb, "SIP/", 4) != 0)
		return false;
	/* the URI: between the method and the version, LWS trimmed */
	size_t ub = sip_text_skip_lws(s, vb, m), ue = vb;
	while (ue > ub && sip_text_is_lws(s[ue - 1]))
		ue--;
	if (ue == ub || ub == m) /* no URI, or no SP after the method */
		return false;
	out->method = s;
	out->method_len = m;
	out->uri = s + ub;
	out->uri_len = ue - ub;
	return true;
}

/* ---- the header section ---- */

size_t sip_text_skip_crlf(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len && (p[i] == '\r' || p[i] == '\n'))
		i++;
	return i;
}

/* memchr from line end to line end: a byte-at-a-time loop here was most of
 * the capture thread's time on TCP. */
size_t sip_text_header_end(const uint8_t *data, size_t len)
{
	const char *s = (const char *)data;
	size_t i = sip_text_skip_crlf(data, len);

	while (i < len) {
		const char *lf = memchr(s + i, '\n', len - i);
		if (lf == NULL)
			break;
		i = (size_t)(lf - s) + 1;
		if (i < len && s[i] == '\n')
			return i + 1;
		if (i + 1 < len && s[i] == '\r' && s[i + 1] == '\n')
			return i + 2;
	}
	return 0;
}

/* ---- Content-Length ---- */

static bool sip_text_ws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

size_t sip_text_content_length_name(const uint8_t *line, size_t len)
{
	static const char full[] = "content-length";
	size_t n = 0;

	while (n < len && line[n] != ':' && !sip_text_ws(line[n]))
		n++;
	bool match = (n == 1 && (line[0] | 0x20) == 'l') ||
		     (n == sizeof full - 1 && strncasecmp((const char *)line, full, n) == 0);
	if (!match)
		return 0;
	while (n < len && sip_text_ws(line[n]))
		n++;
	return n < len && line[n] == ':' ? n + 1 : 0;
}

bool sip_text_content_length(const char *v, size_t n, uint64_t max, uint64_t *out)
{
	size_t b = sip_text_skip_lws(v, n, 0);

	while (n > b && sip_text_is_lws(v[n - 1]))
		n--;
	return parse_uint(v + b, n - b, max, out);
}

bool sip_text_find_content_length(const uint8_t *hdrs, size_t len, uint64_t max, size_t *clen)
{
	*clen = 0;
	for (size_t at = 0; at < len;) {
		const uint8_t *lf = memchr(hdrs + at, '\n', len - at);
		size_t end = lf ? (size_t)(lf - hdrs) : len;
		const uint8_t *line = hdrs + at;
		size_t llen = end - at;
		size_t colon = sip_text_content_length_name(line, llen);
		at = end + 1;
		if (!colon)
			continue;
		uint64_t v;
		if (!sip_text_content_length((const char *)line + colon, llen - colon, max, &v))
			return false;
		*clen = (size_t)v;
		return true;
	}
	return true;
}
