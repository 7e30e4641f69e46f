/* hep_listen: the --hep-listen collector, a UDP and a TCP socket on one
 * address and port that capture agents send HEP3 to.
 *
 * No thread of its own: the capture thread calls hep_listen_poll in its loop
 * (capture/source.c), which waits at most timeout_ms, reads what is ready
 * (bounded per call, so neither a UDP flood nor one busy connection starves
 * the others or the pcap input) and hands each SIP message to emit.  A
 * listener is an attack surface: connections are bounded in number and each
 * buffers at most one HEP packet (64 KiB); one that sends bytes that are not
 * HEP3 is closed at once, one silent for idle_us or stuck in a partial packet
 * for partial_us is closed too, and each closing is counted. */
#ifndef SIPWATCH_HEP_LISTEN_H
#define SIPWATCH_HEP_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/hep.h"
#include "capture/packet.h"

#define HEP_LISTEN_ADDR_MAX 64
#define HEP_LISTEN_DEFAULT_ADDR "127.0.0.1"

struct hep_listen_config {
	char addr[HEP_LISTEN_ADDR_MAX]; /* numeric IPv4 or IPv6 address */
	uint16_t port;
	const char *password; /* --hep-password; NULL = none */
	size_t max_conns;     /* TCP connections at once; a new one evicts the stalest */
	int64_t idle_us;      /* a connection silent this long is closed */
	int64_t partial_us;   /* a partial packet pending this long closes its connection */
};

struct hep_listen_stats {
	struct hep_counters hep;
	uint64_t udp_datagrams;
	uint64_t tcp_accepted;
	uint64_t tcp_closed_idle;  /* silent, or a partial packet never completed */
	uint64_t tcp_closed_bad;   /* sent bytes that are not HEP3 */
	uint64_t tcp_evicted;      /* closed to make room at max_conns */
};

/* As decoder_emit_fn: hdr and its payload lent for the call. */
typedef void (*hep_listen_emit_fn)(void *ctx, const struct sip_packet *hdr, const uint8_t *data);

struct hep_listener;

void hep_listen_config_defaults(struct hep_listen_config *cfg);
/* "[ADDR:]PORT", "[::1]:PORT"; without ADDR the address is 127.0.0.1.
 * False (with a reason in err) when it is not a numeric address and port. */
bool hep_listen_parse(const char *spec, struct hep_listen_config *cfg, char *err, size_t errlen);
/* Binds the UDP and the TCP socket; NULL with a one-line reason on failure. */
struct hep_listener *hep_listen_open(const struct hep_listen_config *cfg, char *err,
				     size_t errlen);
/* Waits up to timeout_ms for the listener's sockets or extra_fd (-1 = none),
 * then serves what is ready. */
void hep_listen_poll(struct hep_listener *l, int timeout_ms, int extra_fd,
		     hep_listen_emit_fn emit, void *ctx);
const struct hep_listen_stats *hep_listen_get_stats(const struct hep_listener *l);
/* "hep:127.0.0.1:9060" */
const char *hep_listen_name(const struct hep_listener *l);
void hep_listen_close(struct hep_listener *l);

#endif
