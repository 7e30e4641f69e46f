/* packet: construction and formatting of the capture→analyzer record. */
#include "capture/packet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

void sip_packet_init(struct sip_packet *p, int64_t ts_us, const struct flow *flow, uint32_t len)
{
	p->ts_us = ts_us;
	p->flow = *flow;
	p->hep = false;
	p->hep_has_agent = false;
	p->hep_agent_id = 0;
	p->wire = (struct sip_wire){0};
	p->len = len;
}

void sip_packet_copy(struct sip_packet *p, const struct sip_packet *hdr, const uint8_t *data)
{
	*p = *hdr;
	if (hdr->len)
		memcpy(p->data, data, hdr->len);
}

struct sip_packet *sip_packet_new(int64_t ts_us, const struct flow *flow, const uint8_t *data,
				  uint32_t len)
{
	struct sip_packet *p = xmalloc(sip_packet_size(len));

	sip_packet_init(p, ts_us, flow, len);
	if (len)
		memcpy(p->data, data, len);
	return p;
}

struct sip_packet *sip_packet_dup(const struct sip_packet *hdr, const uint8_t *data)
{
	struct sip_packet *p = xmalloc(sip_packet_size(hdr->len));

	sip_packet_copy(p, hdr, data);
	return p;
}

void sip_packet_free(struct sip_packet *p)
{
	free(p);
}

/* Writes v in decimal at p; returns the end. */
static char *net_addr_put_uint(char *p, unsigned v)
{
	char tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* IPv4 by hand: called twice a message, where inet_ntop + snprintf were 5 % of
 * the instructions.  Same output as "%s:%u" of inet_ntop, truncated as snprintf
 * truncates. */
void net_addr_format(const struct net_addr *a, char *buf, size_t n)
{
	if (a->family == 6) {
		char ip[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, a->ip, ip, sizeof ip);
		snprintf(buf, n, "[%s]:%u", ip, a->port);
		return;
	}
	char out[sizeof "255.255.255.255:65535"];
	char *p = out;
	for (int i = 0; i < 4; i++) {
		p = net_addr_put_uint(p, a->ip[i]);
		*p++ = i < 3 ? '.' : ':';
	}
	p = net_addr_put_uint(p, a->port);
	if (n == 0)
		return;
	size_t len = (size_t)(p - out);
	if (len > n - 1)
		len = n - 1;
	memcpy(buf, out, len);
	buf[len] = '\0';
}

bool net_addr_equal(const struct net_addr *a, const struct net_addr *b)
{
	size_t n = a->family == 6 ? 16 : 4;

	return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, n) == 0;
}

const char *transport_name(enum transport t)
{
	static const char *const names[TRANSPORT_COUNT] = {"udp", "tcp", "tls", "ws", "wss", "sctp"};

	return (unsigned)t < TRANSPORT_COUNT ? names[t] : "udp";
}

bool transport_is_stream(enum transport t)
{
	return t != TRANSPORT_UDP && t != TRANSPORT_SCTP;
}
