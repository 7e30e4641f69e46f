/* source_open: what capture/source.c and capture/source_open.c share (libpcap
 * handles); nothing outside capture/ includes this. */
#ifndef SIPWATCH_SOURCE_OPEN_H
#define SIPWATCH_SOURCE_OPEN_H

#include <pcap/pcap.h>
#include <stdbool.h>

#include "capture/source.h"

#define CAPTURE_SNAPLEN 262144
#define CAPTURE_BUFFER_BYTES (32 << 20)
/* Live: the longest a packet waits in a partly filled ring block before the
 * kernel hands the block over, and the longest the capture thread sleeps on a
 * quiet wire before it looks at its stop flag and ages its state again. */
#define CAPTURE_TIMEOUT_MS 50

/* Takes ownership of an opened (and for live, activated) handle. */
struct capture_source *capture_source_new(pcap_t *p, const char *name, bool live,
					  const struct capture_config *cfg);
/* Opens cfg->hep_listen (if set) for s; false with a reason in err. */
bool capture_source_attach_hep(struct capture_source *s, const struct capture_config *cfg,
			       char *err, size_t errlen);
/* A pcapng file read by capture/pcapng.c: p is then a dead handle of its
 * first link type (for -w), filter is compiled per link type as it comes. */
struct pcapng_reader;
void capture_source_set_pcapng(struct capture_source *s, struct pcapng_reader *ng,
			       const char *filter);
void capture_source_set_dumper(struct capture_source *s, pcap_dumper_t *dumper);

#endif
