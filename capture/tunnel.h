/* tunnel: the decapsulation layers, one file each (vxlan.c, geneve.c, gre.c,
 * erspan.c, mpls.c, pppoe.c, sctp.c), wired in by decode_table.c. */
#ifndef SIPWATCH_TUNNEL_H
#define SIPWATCH_TUNNEL_H

#include "capture/decode_layer.h"

/* GRE hands ERSPAN on as its protocol type; type I (no GRE sequence number)
 * is told apart from type II by this value outside the 16-bit range. */
#define TUNNEL_GRE_ERSPAN_I 0x188beu

enum decode_status vxlan_layer(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status geneve_layer(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status gre_layer(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status erspan_layer_1(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status erspan_layer_2(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status erspan_layer_3(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status mpls_layer(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status pppoe_layer(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status ppp_layer(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status sctp_layer(const struct decode_env *env, struct decode_pkt *pkt);

#endif
