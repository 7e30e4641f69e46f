/* link: the link-layer header in front of IP, one layer per DLT the decoder
 * takes, and Ethernet (with VLAN tags) wherever a tunnel carries it. */
#ifndef SIPWATCH_LINK_H
#define SIPWATCH_LINK_H

#include <stdbool.h>

#include "capture/decode_layer.h"

enum decode_status link_ethernet(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status link_sll(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status link_sll2(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status link_null(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status link_loop(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status link_raw(const struct decode_env *env, struct decode_pkt *pkt);
bool link_supported(int linktype);

#endif
