/* decode: link layer → IP (with fragment reassembly) → UDP/TCP/SCTP (with
 * stream reassembly and Content-Length framing) → SIP message candidates,
 * through any nesting of tunnels (VLAN, MPLS, PPPoE, GRE, ERSPAN, VXLAN,
 * GENEVE, IP-in-IP) up to a bounded depth.
 *
 * Pure packet logic, no libpcap calls and no threads: capture/source.c feeds it
 * frames, tests and fuzzers feed it bytes.  All state (fragments, TCP streams)
 * is bounded by the limits in decoder_config and aged by packet time. */
#ifndef SIPWATCH_DECODE_H
#define SIPWATCH_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/hep.h"
#include "capture/packet.h"

struct tls_keys;

#define DECODER_MAX_PORTS 32

/* libpcap DLT_* values this decoder understands. */
enum {
	LINK_NULL = 0,       /* BSD loopback: 4-byte host-order family */
	LINK_ETHERNET = 1,   /* with 802.1Q / QinQ (0x8100, 0x88a8, 0x9100) tags */
	LINK_RAW_DLT = 12,   /* raw IP: what libpcap reports for LINKTYPE_RAW files on Linux */
	LINK_RAW_DLT_BSD = 14, /* raw IP: DLT_RAW on OpenBSD */
	LINK_RAW = 101,      /* raw IPv4/IPv6 (LINKTYPE_RAW in files) */
	LINK_LOOP = 108,     /* OpenBSD loopback: network-order family */
	LINK_LINUX_SLL = 113,
	LINK_IPV4 = 228,
	LINK_IPV6 = 229,
	LINK_LINUX_SLL2 = 276,
};

/* Encapsulations counted per frame (a frame crossing one counts once). */
enum decoder_encap {
	DECODER_ENCAP_VLAN,   /* IEEE 802.1Q / 802.1ad tags */
	DECODER_ENCAP_MPLS,   /* RFC 3032 label stack */
	DECODER_ENCAP_PPPOE,  /* RFC 2516 session stage */
	DECODER_ENCAP_GRE,    /* RFC 2784 / 2890 */
	DECODER_ENCAP_ERSPAN, /* ERSPAN type I, II, III */
	DECODER_ENCAP_VXLAN,  /* RFC 7348 */
	DECODER_ENCAP_GENEVE, /* RFC 8926 */
	DECODER_ENCAP_IPIP,   /* IPv4 or IPv6 inside IPv4 or IPv6 (protocols 4 and 41) */
	DECODER_ENCAP_SCTP,   /* RFC 4168 SIP over SCTP */
	DECODER_ENCAP_N,
};

/* Why a frame went no further, beyond truncated and invalid. */
enum decoder_why {
	DECODER_WHY_OTHER,         /* an unsupported variant (jumbogram, too many tags) */
	DECODER_WHY_LINKTYPE,      /* unknown link type */
	DECODER_WHY_ETHERTYPE,     /* unknown Ethernet type */
	DECODER_WHY_IP_PROTO,      /* unknown IP protocol */
	DECODER_WHY_ENCAP,         /* a tunnel variant not decoded (GRE version, ERSPAN ...) */
	DECODER_WHY_N,
};

struct decoder_config {
	uint16_t sip_ports[DECODER_MAX_PORTS]; /* SIP on these ports is always taken */
	size_t n_sip_ports;
	uint16_t tls_ports[DECODER_MAX_PORTS]; /* TLS expected here (found by content anywhere) */
	size_t n_tls_ports;
	uint16_t hep_ports[DECODER_MAX_PORTS]; /* UDP payloads starting "HEP3" here are HEP */
	size_t n_hep_ports;
	const char *hep_password; /* --hep-password; NULL = HEP is taken unauthenticated */
	size_t max_fragment_bytes; /* all pending IP fragments together */
	int64_t fragment_timeout_us;
	size_t max_tcp_streams;
	size_t max_tcp_stream_bytes; /* buffered per stream before it is reset */
	int64_t tcp_idle_timeout_us;
	uint16_t vxlan_ports[DECODER_MAX_PORTS]; /* beyond 4789 and 8472 (--vxlan-port) */
	size_t n_vxlan_ports;
	struct tls_keys *tls_keys; /* key log and RSA keys (capture/tls_keylog.h); NULL = none */
};

struct decoder_stats {
	uint64_t frames;
	uint64_t truncated;   /* a header ran past the captured bytes */
	uint64_t invalid;     /* bytes that contradict the protocol (bad lengths, versions);
			       * also TCP data that is not SIP (once per resync) and a bad
			       * Content-Length */
	uint64_t unsupported; /* link or network types we do not decode (sum of why[]) */
	uint64_t why[DECODER_WHY_N]; /* unsupported frames by reason */
	uint64_t nesting;     /* frames nested deeper than the decoder follows (also invalid) */
	uint64_t encap[DECODER_ENCAP_N]; /* frames that crossed each encapsulation */
	uint64_t keepalives;  /* CRLF, CRLFCRLF and short pings ("jaK", "hello") */
	uint64_t bad_content_length; /* stream framing stopped at an unreadable or absurd
				      * Content-Length (also in invalid) */
	uint64_t non_sip;     /* UDP/TCP payloads that are not SIP */
	uint64_t encrypted;   /* TCP segments (or UDP datagrams) carrying TLS */
	uint64_t tls_sessions;  /* TLS connections decrypted, or on SIP/TLS ports */
	uint64_t tls_decrypted; /* of those, opened with a key */
	uint64_t tls_no_keys;   /* of those, protected records we had no (right) key for */
	uint64_t fragments;
	uint64_t fragments_reassembled;
	uint64_t fragments_dropped; /* fragments given up: timed out, over the memory
				     * limit, contradictory, or pending at decoder_flush */
	uint64_t tcp_segments;
	uint64_t tcp_retransmitted; /* segments bringing bytes already seen, once each */
	uint64_t tcp_streams_dropped; /* streams that lost buffered bytes: a limit, an
				       * absurd Content-Length, eviction or idle timeout */
	uint64_t sip_candidates; /* records emitted */
	struct hep_counters hep;  /* HEP on the HEP ports (capture/hep.c) */
};

/* Called once per SIP candidate: hdr (hdr->data unused) and its hdr->len
 * payload bytes at data, both lent for the call only: the callee copies what
 * it keeps (no allocation per message, issue 20). */
typedef void (*decoder_emit_fn)(void *ctx, const struct sip_packet *hdr, const uint8_t *data);

struct decoder;

void decoder_config_defaults(struct decoder_config *cfg);
struct decoder *decoder_new(const struct decoder_config *cfg, decoder_emit_fn emit, void *ctx);
void decoder_free(struct decoder *d);

/* Decodes one captured frame.  caplen bytes are available; never reads more. */
void decoder_frame(struct decoder *d, int linktype, int64_t ts_us, const uint8_t *frame,
		   uint32_t caplen);
/* Drops fragments and TCP streams idle since before now - their timeouts. */
void decoder_expire(struct decoder *d, int64_t now_us);
/* End of input: emits nothing further, frees pending state (pending fragments
 * count as dropped; partial TCP messages are discarded). */
void decoder_flush(struct decoder *d);
const struct decoder_stats *decoder_stats(const struct decoder *d);
bool decoder_linktype_supported(int linktype);
/* Stable names for the counters: "vxlan", "unknown_ethertype", ... */
const char *decoder_encap_name(enum decoder_encap e);
const char *decoder_why_name(enum decoder_why w);

#endif
