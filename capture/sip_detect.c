/* sip_detect: decides which payloads are SIP without parsing them.
 *
 * On a configured SIP port every payload is a candidate (the analyzer rejects
 * what does not parse).  Elsewhere a payload must begin with a SIP start line
 * (RFC 3261 7.1 Request-Line, 7.2 Status-Line: sip_text_start_line).  TLS is recognised by its
 * record header or by port, and only counted: sipwatch cannot decrypt it. */
#include "capture/sip_detect.h"

#include <string.h>

#include "capture/decode_layer.h"
#include "common/sip_text.h"

#define TLS_HANDSHAKE 22
#define SIP_PING_MAX 16 /* a word this short, maybe NUL-terminated, is a ping */

bool sip_detect_starts_sip(const uint8_t *p, size_t len)
{
	if (!len)	/* an empty payload may come with p == NULL: memchr's UB */
		return false;
	size_t n = len < SIP_TEXT_LINE_MAX ? len : SIP_TEXT_LINE_MAX;
	const uint8_t *lf = memchr(p, '\n', n);

	return lf && sip_text_start_line(p, (size_t)(lf - p));
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
