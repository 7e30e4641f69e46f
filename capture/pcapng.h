/* pcapng: a bounds-checked reader of pcapng files (RFC draft
 * draft-ietf-opsawg-pcapng) whose interfaces may differ in link type, snapshot
 * length and time resolution, as mergecap makes them.  libpcap refuses those
 * ("an interface has a type 276 different from the type of the first
 * interface"); everything else about a capture file stays with libpcap. */
#ifndef SIPWATCH_PCAPNG_H
#define SIPWATCH_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAPNG_SHB_MAGIC 0x0A0D0D0Au
#define PCAPNG_MAX_BLOCK (16u << 20) /* a larger block is taken as corrupt */
#define PCAPNG_MAX_IFACES 256

struct pcapng_packet {
	int linktype;
	int64_t ts_us;
	uint32_t caplen, origlen;
	const uint8_t *data; /* valid until the next pcapng_next */
};

enum pcapng_result {
	PCAPNG_PACKET,
	PCAPNG_EOF,
	PCAPNG_TRUNCATED, /* the file ends inside a block */
	PCAPNG_CORRUPT,   /* a length or field that cannot be */
};

struct pcapng_reader;

/* Reads the section header; NULL with a reason in err (fp is not closed). */
struct pcapng_reader *pcapng_open(FILE *fp, char *err, size_t errlen);
/* The next packet; skips blocks it does not need (statistics, name
 * resolution, custom and unknown ones).  On TRUNCATED/CORRUPT, why is set. */
enum pcapng_result pcapng_next(struct pcapng_reader *r, struct pcapng_packet *out,
			       char *why, size_t whylen);
/* Reads ahead to the first interface (-1 if the file has none before its
 * first packet or its end); the next pcapng_next returns what followed. */
int pcapng_peek_linktype(struct pcapng_reader *r);
void pcapng_close(struct pcapng_reader *r); /* closes fp too */

#endif
