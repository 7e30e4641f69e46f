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
#include "capture/tunnel.h"

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
	{DECODE_KEY_ETHERTYPE, 0x8847, mpls_layer, DECODER_ENCAP_MPLS}, /* unicast */
	{DECODE_KEY_ETHERTYPE, 0x8848, mpls_layer, DECODER_ENCAP_MPLS}, /* multicast */
	{DECODE_KEY_ETHERTYPE, 0x8864, pppoe_layer, DECODER_ENCAP_PPPOE}, /* session */
};

static const struct decode_layer decode_ips[] = {
	{DECODE_KEY_IP, 0, ip_layer_any, NO_ENCAP},
	{DECODE_KEY_IP, 4, ip_layer_any, NO_ENCAP},
	{DECODE_KEY_IP, 6, ip_layer_any, NO_ENCAP},
};

static const struct decode_layer decode_ipprotos[] = {
	{DECODE_KEY_IPPROTO, 0, ip_layer_v6_options, NO_ENCAP},  /* hop-by-hop options */
	{DECODE_KEY_IPPROTO, 4, ip_layer_v4, DECODER_ENCAP_IPIP}, /* IP-in-IP, RFC 2003 */
	{DECODE_KEY_IPPROTO, 6, transport_tcp, NO_ENCAP},
	{DECODE_KEY_IPPROTO, 17, transport_udp, NO_ENCAP},
	{DECODE_KEY_IPPROTO, 41, ip_layer_v6, DECODER_ENCAP_IPIP}, /* 6in4, RFC 4213 */
	{DECODE_KEY_IPPROTO, 43, ip_layer_v6_options, NO_ENCAP}, /* routing */
	{DECODE_KEY_IPPROTO, 44, ip_layer_v6_fragment, NO_ENCAP},
	{DECODE_KEY_IPPROTO, 51, ip_layer_v6_ah, NO_ENCAP},
	{DECODE_KEY_IPPROTO, 47, gre_layer, DECODER_ENCAP_GRE},
	{DECODE_KEY_IPPROTO, 60, ip_layer_v6_options, NO_ENCAP}, /* destination options */
	{DECODE_KEY_IPPROTO, 132, sctp_layer, DECODER_ENCAP_SCTP},
	{DECODE_KEY_IPPROTO, 137, mpls_layer, DECODER_ENCAP_MPLS}, /* MPLS-in-IP, RFC 4023 */
};

/* GRE protocol types (RFC 2784 2.4: Ethernet types); GENEVE uses them too. */
static const struct decode_layer decode_gre_protos[] = {
	{DECODE_KEY_GRE, 0x0800, ip_layer_v4, NO_ENCAP},
	{DECODE_KEY_GRE, 0x86dd, ip_layer_v6, NO_ENCAP},
	{DECODE_KEY_GRE, 0x6558, link_ethernet, NO_ENCAP}, /* transparent Ethernet bridging */
	{DECODE_KEY_GRE, 0x8847, mpls_layer, DECODER_ENCAP_MPLS},
	{DECODE_KEY_GRE, 0x880b, ppp_layer, NO_ENCAP}, /* PPTP */
	{DECODE_KEY_GRE, 0x88be, erspan_layer_2, DECODER_ENCAP_ERSPAN},
	{DECODE_KEY_GRE, TUNNEL_GRE_ERSPAN_I, erspan_layer_1, DECODER_ENCAP_ERSPAN},
	{DECODE_KEY_GRE, 0x22eb, erspan_layer_3, DECODER_ENCAP_ERSPAN},
};

static const struct decode_layer decode_ppp_protos[] = {
	{DECODE_KEY_PPP, 0x0021, ip_layer_v4, NO_ENCAP},
	{DECODE_KEY_PPP, 0x0057, ip_layer_v6, NO_ENCAP},
};

/* Any UDP port no tunnel claims. */
static const struct decode_layer decode_udp_sip = {DECODE_KEY_UDP_PORT, 0, transport_udp_sip,
						   NO_ENCAP};

/* Tunnels by UDP destination port (the source port is the sender's hash). */
static const struct decode_layer decode_udp_ports[] = {
	{DECODE_KEY_UDP_PORT, 4789, vxlan_layer, DECODER_ENCAP_VXLAN},
	{DECODE_KEY_UDP_PORT, 8472, vxlan_layer, DECODER_ENCAP_VXLAN}, /* Linux's legacy default */
	{DECODE_KEY_UDP_PORT, 6081, geneve_layer, DECODER_ENCAP_GENEVE},
};

/* --vxlan-port */
static const struct decode_layer decode_udp_vxlan = {DECODE_KEY_UDP_PORT, 0, vxlan_layer,
						     DECODER_ENCAP_VXLAN};

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
		if (decode_port_in(cfg->vxlan_ports, cfg->n_vxlan_ports, (uint16_t)value))
			return &decode_udp_vxlan;
		l = decode_table_search(decode_udp_ports, DECODE_N(decode_udp_ports), value);
		return l ? l : &decode_udp_sip;
	case DECODE_KEY_GRE:
		return decode_table_search(decode_gre_protos, DECODE_N(decode_gre_protos), value);
	case DECODE_KEY_PPP:
		return decode_table_search(decode_ppp_protos, DECODE_N(decode_ppp_protos), value);
	default:
		return NULL;
	}
}
