/* transport: UDP and TCP headers as decoder layers; UDP payloads that are SIP
 * become candidates, TCP segments go to stream reassembly. */
#ifndef SIPWATCH_TRANSPORT_H
#define SIPWATCH_TRANSPORT_H

#include "capture/decode_layer.h"

/* pkt->data/len is the whole IP payload (already cut to the IP length) and
 * pkt->flow has the addresses; the ports and transport are set here. */
enum decode_status transport_udp(const struct decode_env *env, struct decode_pkt *pkt);
enum decode_status transport_tcp(const struct decode_env *env, struct decode_pkt *pkt);
/* A UDP payload on a port no tunnel claims: SIP, TLS, a keepalive or other. */
enum decode_status transport_udp_sip(const struct decode_env *env, struct decode_pkt *pkt);

#endif
