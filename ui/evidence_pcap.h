/* evidence_pcap: a dialog's stored messages rebuilt as a pcap file.
 *
 * Pure over message records (no libpcap): classic pcap, microsecond stamps,
 * LINKTYPE_RAW (101), one IPv4/IPv6 + UDP frame per message, or for TCP one
 * PSH|ACK segment with running sequence numbers per direction.  Works however
 * the capture came in (a file, stdin, live), since it needs only the db. */
#ifndef SIPWATCH_EVIDENCE_PCAP_H
#define SIPWATCH_EVIDENCE_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"
#include "capture/packet.h"

#define EVIDENCE_PCAP_LINKTYPE_RAW 101
#define EVIDENCE_PCAP_SNAPLEN 262144
#define EVIDENCE_PCAP_NAME_MAX 64

/* "1.2.3.4:5060" or "[2001:db8::1]:5060" → address; false if it does not parse. */
bool evidence_pcap_parse_endpoint(const char *s, struct net_addr *out);

/* The whole file image in a new buffer (free() it).  Messages whose addresses
 * do not parse, mix families or are too long for one frame are left out and
 * counted in *skipped. */
uint8_t *evidence_pcap_build(const struct message_record *msgs, size_t n, size_t *len,
			     size_t *skipped);

/* "sipwatch-<Call-ID before '@', file-name safe, at most 32 bytes>.pcap". */
void evidence_pcap_file_name(const char *call_id, char *buf, size_t n);

/* Builds and writes path (created or truncated, never through a symlink).
 * Returns true, with the frames written in *frames; false with a one-line reason. */
bool evidence_pcap_save(const char *path, const struct message_record *msgs, size_t n,
			size_t *frames, char *err, size_t errlen);

#endif
