/* pcap_writer: writes the classic libpcap file format (magic 0xa1b2c3d4,
 * version 2.4, microsecond timestamps) or pcapng (RFC draft
 * draft-ietf-opsawg-pcapng: SHB, one IDB, EPBs), in host byte order. */
#include "tests/support/pcap_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 1u
#define PCAPNG_EPB 6u
#define PCAPNG_BOM 0x1a2b3c4du

struct pcap_file_header_v24 {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_record_header {
	uint32_t ts_sec;
	uint32_t ts_usec;
	uint32_t caplen;
	uint32_t len;
};

struct pcap_writer {
	FILE *fp;       /* NULL for a memory writer */
	uint8_t *mem;
	size_t mem_len, mem_cap;
	size_t count;
	bool ng;
	bool failed;
};

bool pcap_writer_add_raw(struct pcap_writer *w, const void *bytes, size_t len)
{
	if (w->fp) {
		if (len && fwrite(bytes, 1, len, w->fp) != len)
			w->failed = true;
		return !w->failed;
	}
	if (w->mem_len + len > w->mem_cap) {
		size_t cap = w->mem_cap ? w->mem_cap : 4096;
		while (cap < w->mem_len + len)
			cap *= 2;
		w->mem = xrealloc(w->mem, cap);
		w->mem_cap = cap;
	}
	if (len)
		memcpy(w->mem + w->mem_len, bytes, len);
	w->mem_len += len;
	return true;
}

static void pcap_writer_classic_header(struct pcap_writer *w, int linktype)
{
	struct pcap_file_header_v24 h = {
		.magic = PCAP_MAGIC_USEC,
		.version_major = PCAP_VERSION_MAJOR,
		.version_minor = PCAP_VERSION_MINOR,
		.snaplen = PCAP_WRITER_SNAPLEN,
		.linktype = (uint32_t)linktype,
	};

	pcap_writer_add_raw(w, &h, sizeof h);
}

/* Section header (no options, length unknown) and one interface description
 * (no options: microsecond timestamps). */
static void pcap_writer_ng_header(struct pcap_writer *w, int linktype)
{
	uint32_t shb[7] = {PCAPNG_SHB, 28, PCAPNG_BOM, 1, 0xffffffffu, 0xffffffffu, 28};
	uint32_t idb[5] = {PCAPNG_IDB, 20, (uint32_t)linktype & 0xffff, PCAP_WRITER_SNAPLEN, 20};

	pcap_writer_add_raw(w, shb, sizeof shb);
	pcap_writer_add_raw(w, idb, sizeof idb);
}

static struct pcap_writer *pcap_writer_start(FILE *fp, int linktype, bool ng)
{
	struct pcap_writer *w = xcalloc(1, sizeof *w);

	w->fp = fp;
	w->ng = ng;
	if (ng)
		pcap_writer_ng_header(w, linktype);
	else
		pcap_writer_classic_header(w, linktype);
	return w;
}

struct pcap_writer *pcap_writer_open(const char *path, int linktype)
{
	FILE *fp = fopen(path, "wb");

	return fp ? pcap_writer_start(fp, linktype, false) : NULL;
}

struct pcap_writer *pcap_writer_open_mem(int linktype)
{
	return pcap_writer_start(NULL, linktype, false);
}

struct pcap_writer *pcap_writer_open_ng(const char *path, int linktype)
{
	FILE *fp = fopen(path, "wb");

	return fp ? pcap_writer_start(fp, linktype, true) : NULL;
}

struct pcap_writer *pcap_writer_open_mem_ng(int linktype)
{
	return pcap_writer_start(NULL, linktype, true);
}

/* Enhanced packet block: interface 0, 64-bit microsecond time, data padded to 4. */
static bool pcap_writer_ng_record(struct pcap_writer *w, int64_t ts_us, const uint8_t *frame,
				  size_t caplen, size_t origlen)
{
	static const uint8_t pad[4];
	size_t padded = (caplen + 3) & ~(size_t)3;
	uint32_t blen = (uint32_t)(32 + padded);
	uint64_t ts = (uint64_t)ts_us;
	uint32_t h[7] = {PCAPNG_EPB,	     blen, 0, (uint32_t)(ts >> 32), (uint32_t)ts,
			 (uint32_t)caplen, (uint32_t)origlen};

	w->count++;
	return pcap_writer_add_raw(w, h, sizeof h) && pcap_writer_add_raw(w, frame, caplen) &&
	       pcap_writer_add_raw(w, pad, padded - caplen) &&
	       pcap_writer_add_raw(w, &blen, sizeof blen);
}

bool pcap_writer_add_caplen(struct pcap_writer *w, int64_t ts_us, const uint8_t *frame,
			    size_t caplen, size_t origlen)
{
	int64_t sec = ts_us / 1000000, usec = ts_us % 1000000;

	if (w->ng)
		return pcap_writer_ng_record(w, ts_us, frame, caplen, origlen);
	if (usec < 0) {
		sec--;
		usec += 1000000;
	}
	struct pcap_record_header rh = {
		.ts_sec = (uint32_t)sec,
		.ts_usec = (uint32_t)usec,
		.caplen = (uint32_t)caplen,
		.len = (uint32_t)origlen,
	};
	w->count++;
	return pcap_writer_add_raw(w, &rh, sizeof rh) && pcap_writer_add_raw(w, frame, caplen);
}

bool pcap_writer_add(struct pcap_writer *w, int64_t ts_us, const uint8_t *frame, size_t len)
{
	return pcap_writer_add_caplen(w, ts_us, frame, len, len);
}

size_t pcap_writer_count(const struct pcap_writer *w)
{
	return w->count;
}

const uint8_t *pcap_writer_data(const struct pcap_writer *w, size_t *len)
{
	*len = w->mem_len;
	return w->fp ? NULL : w->mem;
}

bool pcap_writer_close(struct pcap_writer *w)
{
	bool ok = !w->failed;

	if (w->fp && fclose(w->fp) != 0)
		ok = false;
	free(w->mem);
	free(w);
	return ok;
}
