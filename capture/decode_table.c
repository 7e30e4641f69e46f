/* decode_table: which layer reads what — the one place that wires the decoder.
 *
 * One const table per key (link type, Ethernet type, IP protocol, UDP
 * destination port, GRE protocol type, PPP protocol).  Adding an
 * encapsulation is one layer file plus one line here.  The values are the
 * registries': libpcap's LINKTYPE/DLT list, IEEE 802 Ethertypes, IANA
 * protocol numbers and service ports, IANA PPP DLL protocol numbers. */
#include "capture/decode_layer.h"

#include "capture/ip.h"
#include "capture/link.h"
#include "capture/transport.h"

#define NO_ENCAP (-1)

static const struct decode_layer decode_links[] = {
	{DECODE_KEY_LINK, LINK_ETHERNET, link_ethernet, NO_ENCAP},
	{DECODE_KEY_LINK, LINK_LINUX_SLL, link_sll, NO_ENCAP},
	{DECODE_KEY_LINK, LINK_LINUX_SLL2, link_sll2, NO_ENCAP},
	{DECODE_KEY_LINK, LINK_NULL, link_null, NO_ENCAP},
	{DECODE_KEY_LINK, LINK_LOOP, link_loop, NO_ENCAP},
	{DECODE_KEY_LINK, LINK_RAW, link_raw, NO_ENCAP},
	{DECODE_KEY_LINK, LINK_RAW_DLT, link_raw, NO_ENCAP},
	{DECODE_KEY_LINK, LINK_RAW_DLT_BSD, link_raw, NO_ENCAP},
	{DECODE_KEY_LINK, LINK_IPV4, link_raw, NO_ENCAP},
	{DECODE_KEY_LINK, LINK_IPV6, link_raw, NO_ENCAP},
};

static const struct decode_layer decode_ethertypes[] = {
	{DECODE_KEY_ETHERTYPE, 0x0800, ip_layer_v4, NO_ENCAP},
	{DECODE_KEY_ETHERTYPE, 0x86dd, ip_layer_v6, NO_ENCAP},
};

static const struct decode_layer decode_ips[] = {
	{DECODE_KEY_IP, 0, ip_layer_any, NO_ENCAP},
	{DECODE_KEY_IP, 4, ip_layer_any, NO_ENCAP},
	{DECODE_KEY_IP, 6, ip_layer_any, NO_ENCAP},
};

static const struct decode_layer decode_ipprotos[] = {
	{DECODE_KEY_IPPROTO, 0, ip_layer_v6_options, NO_ENCAP},  /* hop-by-hop options */
	{DECODE_KEY_IPPROTO, 6, transport_tcp, NO_ENCAP},
	{DECODE_KEY_IPPROTO, 17, transport_udp, NO_ENCAP},
	{DECODE_KEY_IPPROTO, 43, ip_layer_v6_options, NO_ENCAP}, /* routing */
	{DECODE_KEY_IPPROTO, 44, ip_layer_v6_fragment, NO_ENCAP},
	{DECODE_KEY_IPPROTO, 51, ip_layer_v6_ah, NO_ENCAP},
	{DECODE_KEY_IPPROTO, 60, ip_layer_v6_options, NO_ENCAP}, /* destination options */
};

/* Any UDP port no tunnel claims. */
static const struct decode_layer decode_udp_sip = {DECODE_KEY_UDP_PORT, 0, transport_udp_sip,
						   NO_ENCAP};

static const struct decode_layer decode_udp_ports[] = {
	{DECODE_KEY_UDP_PORT, 0, transport_udp_sip, NO_ENCAP}, /* placeholder: never a dst port match */
};

#define DECODE_N(a) (sizeof(a) / sizeof((a)[0]))

static const struct decode_layer *decode_table_search(const struct decode_layer *t, size_t n,
						      uint32_t value)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == value)
			return &t[i];
	return NULL;
}

const struct decode_layer *decode_table_find(const struct decoder_config *cfg,
					     enum decode_key key, uint32_t value)
{
	const struct decode_layer *l;

	(void)cfg;
	switch (key) {
	case DECODE_KEY_LINK:
		return decode_table_search(decode_links, DECODE_N(decode_links), value);
	case DECODE_KEY_ETHERTYPE:
		return decode_table_search(decode_ethertypes, DECODE_N(decode_ethertypes), value);
	case DECODE_KEY_IP:
		return decode_table_search(decode_ips, DECODE_N(decode_ips), value);
	case DECODE_KEY_IPPROTO:
		return decode_table_search(decode_ipprotos, DECODE_N(decode_ipprotos), value);
	case DECODE_KEY_UDP_PORT:
		l = value ? decode_table_search(decode_udp_ports, DECODE_N(decode_udp_ports), value)
			  : NULL;
		return l ? l : &decode_udp_sip;
	default:
		return NULL;
	}
}
