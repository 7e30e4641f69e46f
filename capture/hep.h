/* hep: the HEP v3 (HEP3/EEP, "Homer Encapsulation Protocol") parser.
 *
 * A capture agent (Kamailio siptrace, OpenSIPS proto_hep, heplify, FreeSWITCH,
 * Asterisk) sends every SIP message it sees as one HEP3 packet: the message
 * bytes plus the addresses, ports, transport and time the agent saw it with,
 * its capture agent id and an optional authentication key.  hep_parse turns
 * one packet's bytes into that, reading only through the bounds-checked
 * reader; it owns nothing and keeps no state, so the decoder (HEP inside
 * captured UDP) and the listener (--hep-listen) share it. */
#ifndef SIPWATCH_HEP_H
#define SIPWATCH_HEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/packet.h"

#define HEP_PORT_DEFAULT 9060
#define HEP3_HEADER_LEN 6 /* "HEP3" + total length */
#define HEP3_MAX_LEN 65535

enum hep_status {
	HEP_OK,
	HEP_NOT_HEP,     /* does not start with "HEP3" */
	HEP_TRUNCATED,   /* a length runs past the bytes there are */
	HEP_INVALID,     /* a zero-length or misfit chunk, a missing address, ... */
	HEP_NOT_SIP,     /* well-formed, but carries RTCP, logs, compressed data, ... */
};

struct hep_msg {
	struct flow flow;        /* HEP's own addresses, ports and transport */
	int64_t ts_us;           /* TS_NONE when the packet has no timestamp chunk */
	bool has_agent;
	uint32_t agent_id;       /* capture agent id (chunk 12) */
	const uint8_t *auth_key; /* chunk 14, not NUL-terminated; NULL = absent */
	size_t auth_len;
	const uint8_t *payload;  /* chunk 15: the SIP message, inside the input bytes */
	size_t payload_len;
};

/* True when the bytes start like a HEP3 packet (the magic only). */
bool hep_is_hep3(const uint8_t *p, size_t n);
/* The packet's total length from its header, 0 when fewer than 6 bytes are
 * there yet, or -1 when the bytes are not HEP3 or the length is impossible
 * (TCP framing: the stream is then not HEP). */
long hep_frame_len(const uint8_t *p, size_t n);
/* Parses exactly one packet of n bytes (its total length must be n). */
enum hep_status hep_parse(const uint8_t *p, size_t n, struct hep_msg *out);
/* --hep-password: true when no password is set, or the key matches it. */
bool hep_auth_ok(const struct hep_msg *m, const char *password);

/* What the decoder and the listener count about the HEP they see. */
struct hep_counters {
	uint64_t packets;     /* HEP packets seen (good or not) */
	uint64_t messages;    /* SIP messages taken from them */
	uint64_t errors;      /* truncated or invalid (zero-length, overlong chunks, ...) */
	uint64_t auth_failed; /* wrong or missing key with --hep-password: dropped */
	uint64_t not_sip;     /* well-formed but not SIP: skipped */
};

/* One packet in, one SIP record out: true with its header in *hdr and its
 * payload at *payload (inside p), or false with the reason counted in c.
 * fallback_ts is used when the packet has no time. */
bool hep_input(const uint8_t *p, size_t n, int64_t fallback_ts, const char *password,
	       struct hep_counters *c, struct sip_packet *hdr, const uint8_t **payload);

#endif
