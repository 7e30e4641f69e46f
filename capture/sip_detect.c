/* sip_detect: decides which payloads are SIP without parsing them.
 *
 * On a configured SIP port every payload is a candidate (the analyzer rejects
 * what does not parse).  Elsewhere a payload must begin with a SIP start line
 * (RFC 3261 7.1 Request-Line, 7.2 Status-Line).  TLS is recognised by its
 * record header or by port, and only counted: sipwatch cannot decrypt it. */
#include "capture/sip_detect.h"

#include <string.h>

#include "capture/decode_layer.h"

#define SIP_VERSION "SIP/2.0"
#define SIP_VERSION_LEN 7
#define SIP_METHOD_MAX 32
#define SIP_LINE_MAX 2048 /* a start line longer than this is not worth waiting for */
#define TLS_HANDSHAKE 22
#define SIP_PING_MAX 16 /* a word this short, maybe NUL-terminated, is a ping */

static bool sip_detect_method_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

static bool sip_detect_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
static bool sip_detect_status_line(const uint8_t *line, size_t len)
{
	if (len < SIP_VERSION_LEN + 4 || memcmp(line, SIP_VERSION " ", SIP_VERSION_LEN + 1) != 0)
		return false;
	const uint8_t *code = line + SIP_VERSION_LEN + 1;
	if (!sip_detect_digit(code[0]) || !sip_detect_digit(code[1]) || !sip_detect_digit(code[2]))
		return false;
	return len == SIP_VERSION_LEN + 4 || code[3] == ' ';
}

/* Request-Line = Method SP Request-URI SP SIP-Version */
static bool sip_detect_request_line(const uint8_t *line, size_t len)
{
	size_t i = 0;

	while (i < len && i <= SIP_METHOD_MAX && sip_detect_method_char(line[i]))
		i++;
	if (i == 0 || i > SIP_METHOD_MAX || i >= len || line[i] != ' ')
		return false;
	if (len < i + 2 + SIP_VERSION_LEN + 1)
		return false;
	const uint8_t *tail = line + len - SIP_VERSION_LEN - 1;
	return memcmp(tail, " " SIP_VERSION, SIP_VERSION_LEN + 1) == 0 && line[i + 1] != ' ';
}

bool sip_detect_start_line(const uint8_t *line, size_t len)
{
	if (len && line[len - 1] == '\r')
		len--;
	return sip_detect_status_line(line, len) || sip_detect_request_line(line, len);
}

bool sip_detect_starts_sip(const uint8_t *p, size_t len)
{
	if (!len)	/* an empty payload may come with p == NULL: memchr's UB */
		return false;
	size_t n = len < SIP_LINE_MAX ? len : SIP_LINE_MAX;
	const uint8_t *lf = memchr(p, '\n', n);

	return lf && sip_detect_start_line(p, (size_t)(lf - p));
}

bool sip_detect_could_start(const uint8_t *p, size_t len)
{
	if (len > SIP_LINE_MAX)
		return false;
	if (!len)	/* nothing yet contradicts a start line (and p may be NULL) */
		return true;
	size_t n = len < SIP_VERSION_LEN ? len : SIP_VERSION_LEN;
	if (memcmp(p, SIP_VERSION, n) == 0)
		return true;
	size_t i = 0;
	while (i < len && i <= SIP_METHOD_MAX && sip_detect_method_char(p[i]))
		i++;
	return i > 0 && i <= SIP_METHOD_MAX && (i == len || p[i] == ' ');
}

bool sip_detect_tls_record(const uint8_t *p, size_t len)
{
	return len >= 3 && p[0] == TLS_HANDSHAKE && p[1] == 3 && p[2] <= 4;
}

static bool sip_detect_pad(uint8_t c)
{
	return c == '\r' || c == '\n' || c == ' ' || c == 0;
}

static bool sip_detect_alnum(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5626 3.5.1 CRLF pings and pongs, and the short pings some stacks send
 * on their SIP socket instead: eXosip's "jaK", "hello".  Not SIP (the
 * shortest SIP message is longer), so not a parse error either. */
bool sip_detect_keepalive(const uint8_t *p, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return false;
	if (len <= SIP_PING_MAX)
		while (i < len && sip_detect_alnum(p[i]))
			i++;
	for (; i < len; i++)
		if (!sip_detect_pad(p[i]))
			return false;
	return true;
}

bool sip_detect_on_sip_port(const struct decoder_config *cfg, const struct flow *f)
{
	return decode_port_in(cfg->sip_ports, cfg->n_sip_ports, f->src.port) ||
	       decode_port_in(cfg->sip_ports, cfg->n_sip_ports, f->dst.port);
}

bool sip_detect_on_tls_port(const struct decoder_config *cfg, const struct flow *f)
{
	return decode_port_in(cfg->tls_ports, cfg->n_tls_ports, f->src.port) ||
	       decode_port_in(cfg->tls_ports, cfg->n_tls_ports, f->dst.port);
}

enum sip_detect_kind sip_detect_classify(const struct decoder_config *cfg, const struct flow *f,
					 const uint8_t *p, size_t len)
{
	bool sip_port = sip_detect_on_sip_port(cfg, f);
	bool tls_port = sip_detect_on_tls_port(cfg, f);

	if ((sip_port || tls_port) && sip_detect_tls_record(p, len))
		return SIP_DETECT_TLS;
	if (sip_port)
		return SIP_DETECT_SIP;
	if (tls_port)
		return SIP_DETECT_TLS;
	return sip_detect_starts_sip(p, len) ? SIP_DETECT_SIP : SIP_DETECT_OTHER;
}
