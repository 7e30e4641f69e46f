/* packet: construction and formatting of the capture→analyzer record. */
#include "capture/packet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

struct sip_packet *sip_packet_new(int64_t ts_us, const struct flow *flow, const uint8_t *data,
				  uint32_t len)
{
	struct sip_packet *p = xmalloc(sizeof *p + len);

	p->ts_us = ts_us;
	p->flow = *flow;
	p->len = len;
	if (len)
		memcpy(p->data, data, len);
	return p;
}

void sip_packet_free(struct sip_packet *p)
{
	free(p);
}

void net_addr_format(const struct net_addr *a, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->family == 6) {
		inet_ntop(AF_INET6, a->ip, ip, sizeof ip);
		snprintf(buf, n, "[%s]:%u", ip, a->port);
	} else {
		inet_ntop(AF_INET, a->ip, ip, sizeof ip);
		snprintf(buf, n, "%s:%u", ip, a->port);
	}
}

bool net_addr_equal(const struct net_addr *a, const struct net_addr *b)
{
	size_t n = a->family == 6 ? 16 : 4;

	return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, n) == 0;
}

const char *transport_name(enum transport t)
{
	return t == TRANSPORT_TCP ? "tcp" : "udp";
}
