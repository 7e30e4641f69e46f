/* ip: IPv4 and IPv6 headers, IPv6 extension headers and the hand-off to
 * fragment reassembly, as decoder layers. */
#ifndef SIPWATCH_IP_H
#define SIPWATCH_IP_H

#include "capture/decode_layer.h"

/* An IP header whose version the key says (DECODE_KEY_IP 0: the first nibble). */
enum decode_status ip_layer_any(const struct decode_env *env, struct decode_pkt *pkt);
/* An IP header that must be version 4 / 6 (Ethernet type, IP-in-IP, GRE, PPP). */
enum decode_status ip_layer_v4(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status ip_layer_v6(const struct decode_env *env, struct decode_pkt *pkt);
/* IPv6 extension headers (next header 0, 43, 60; 51; 44). */
enum decode_status ip_layer_v6_options(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status ip_layer_v6_ah(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status ip_layer_v6_fragment(const struct decode_env *env, struct decode_pkt *pkt);

#endif
