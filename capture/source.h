/* source: where packets come from (a file, stdin or a live interface) and the
 * capture thread that reads them, decodes them and queues SIP candidates.
 *
 * The capture thread only captures and decodes.  Reading a file it waits when
 * the queue is full (no packet is ever dropped); live it drops and counts. */
#ifndef SIPWATCH_SOURCE_H
#define SIPWATCH_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"
#include "capture/hep_listen.h"
#include "common/pkt_ring.h"

struct capture_config {
	struct decoder_config decoder;
	const char *filter;     /* BPF expression; NULL = the default for the SIP ports */
	uint64_t max_packets;   /* -c; 0 = unlimited */
	const char *write_path; /* -w; NULL = none */
	int snaplen;
	int buffer_bytes;
	const struct hep_listen_config *hep_listen; /* --hep-listen; NULL = none */
};

/* Counters read by other threads while the capture runs (atomically). */
struct capture_stats {
	uint64_t packets;
	uint64_t sip_candidates;
	uint64_t decode_errors; /* truncated + invalid frames */
	uint64_t encrypted;
	uint64_t tls_sessions, tls_decrypted, tls_no_keys; /* decoder_stats' */
	uint64_t dropped_kernel;
	uint64_t dropped_queue;
	/* what arrived and what was not read (issue 15) */
	uint64_t encap[DECODER_ENCAP_N]; /* frames per encapsulation */
	uint64_t why[DECODER_WHY_N];     /* unsupported frames by reason */
	uint64_t truncated, invalid, nesting, non_sip, keepalives;
	uint64_t bad_content_length; /* TCP/TLS: a Content-Length framing could not use */
	int64_t first_ts_us;
	int64_t last_ts_us;
	/* Live: wall time of the capture thread's last once-a-second turn
	 * (TS_NONE before its first); a watchdog reads a stuck thread from it. */
	int64_t beat_us;
	struct hep_counters hep; /* HEP in captured UDP and at the listener together */
	uint64_t hep_tcp_closed;  /* listener connections closed: idle, not HEP, evicted */
	bool finished;
	bool failed;
	char error[256]; /* set when failed: why the input ended early */
};

struct capture_source;

void capture_config_defaults(struct capture_config *cfg);

/* The BPF expression used live when cfg->filter is NULL: UDP/TCP on the SIP and
 * TLS ports plus IP fragments; vlan adds the same behind one 802.1Q tag.
 * False if it does not fit in len bytes. */
bool capture_default_filter(const struct decoder_config *cfg, bool vlan, char *buf, size_t len);

/* path "-" is stdin.  On failure returns NULL with a one-line reason in err. */
struct capture_source *capture_open_file(const char *path, const struct capture_config *cfg,
					 char *err, size_t errlen);
struct capture_source *capture_open_live(const char *iface, const struct capture_config *cfg,
					 char *err, size_t errlen);

/* --hep-listen alone: a source with no pcap input. */
struct capture_source *capture_open_hep(const struct capture_config *cfg, char *err,
					size_t errlen);

/* Live: an interface, or a HEP listener (beside a file too: after the file's
 * end the listener is served until capture_stop). */
bool capture_is_live(const struct capture_source *s);
const char *capture_name(const struct capture_source *s);

/* Starts the capture thread copying each record (a struct sip_packet and its
 * payload, sip_packet_size bytes) into ring; closes ring at the end.  A record
 * larger than its pkt_ring_max_record is counted in dropped_queue: app/run.c
 * sizes it for the largest the decoder can make (capture_max_record).  Reading a file the thread waits while ring is full:
 * a consumer that gives up (pkt_ring_cancel) must also call capture_stop. */
bool capture_start(struct capture_source *s, struct pkt_ring *ring, char *err, size_t errlen);
/* The largest record cfg's decoder can hand over: a UDP, SCTP or HEP payload
 * (16-bit lengths), or a message framed out of a TCP stream's buffer. */
size_t capture_max_record(const struct capture_config *cfg);
/* Asks the thread to stop (signal-safe flag + pcap_breakloop). */
void capture_stop(struct capture_source *s);
void capture_join(struct capture_source *s);
void capture_get_stats(struct capture_source *s, struct capture_stats *out);
void capture_close(struct capture_source *s);

#endif
