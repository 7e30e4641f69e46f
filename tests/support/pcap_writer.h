/* pcap_writer: a small classic-pcap writer for tests and scenario tools.
 *
 * Any link type, any timestamps (microseconds since the epoch), classic pcap
 * or pcapng (one interface, microsecond resolution), to a file or to memory.  Records are written as given: nothing is checked against the
 * link type, so broken captures are as easy to make as good ones.
 *
 *   struct pcap_writer *w = pcap_writer_open("x.pcap", LINK_ETHERNET);
 *   pcap_writer_add(w, ts_us, frame, len);
 *   pcap_writer_close(w);
 */
#ifndef SIPWATCH_TEST_PCAP_WRITER_H
#define SIPWATCH_TEST_PCAP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAP_WRITER_SNAPLEN 262144u

struct pcap_writer;

/* NULL (with errno set) if the file cannot be created. */
struct pcap_writer *pcap_writer_open(const char *path, int linktype);
/* Collects the file in memory; see pcap_writer_data. */
struct pcap_writer *pcap_writer_open_mem(int linktype);
/* The same, writing pcapng: a section header, one interface, enhanced packet blocks. */
struct pcap_writer *pcap_writer_open_ng(const char *path, int linktype);
struct pcap_writer *pcap_writer_open_mem_ng(int linktype);

/* One record with the whole frame captured. */
bool pcap_writer_add(struct pcap_writer *w, int64_t ts_us, const uint8_t *frame, size_t len);
/* One record of caplen captured bytes of a frame that was origlen long on the wire. */
bool pcap_writer_add_caplen(struct pcap_writer *w, int64_t ts_us, const uint8_t *frame,
			    size_t caplen, size_t origlen);
/* Raw bytes (for damaged files: a record header promising more than follows). */
bool pcap_writer_add_raw(struct pcap_writer *w, const void *bytes, size_t len);

size_t pcap_writer_count(const struct pcap_writer *w);
/* A memory writer's bytes so far (header included); NULL for a file writer. */
const uint8_t *pcap_writer_data(const struct pcap_writer *w, size_t *len);
/* Flushes, closes and frees; false if any write failed. */
bool pcap_writer_close(struct pcap_writer *w);

#endif
