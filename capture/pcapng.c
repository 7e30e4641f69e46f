/* pcapng: sections, interfaces and packet blocks of a pcapng file.
 *
 * draft-ietf-opsawg-pcapng-02 §3.1: every block is type (32 bits), total
 * length (32 bits), body, the total length again; the length counts the
 * whole block and is a multiple of 4.  §4.1: a Section Header Block starts
 * each section; its byte-order magic 0x1A2B3C4D says the section's byte order,
 * and it forgets the interfaces of the section before.  §4.2: an Interface
 * Description Block gives one interface's link type, snapshot length and, in
 * its options, if_tsresol (§4.2, code 9: 10^-n, or 2^-n with the top bit)
 * and if_tsoffset (code 14, seconds).  §4.3 Enhanced Packet Block, §4.4
 * Simple Packet Block (interface 0, length capped by its snaplen), Appendix
 * Obsolete Packet Block (type 2).  Every other block (statistics, name
 * resolution, decryption secrets, custom 0x00000BAD/0x40000BAD, unknown) is
 * skipped by its length.  Every field is read through the bounds-checked
 * reader; a length that cannot be is an error, never a read. */
#include "capture/pcapng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/packet.h"
#include "common/bytes.h"
#include "common/xalloc.h"

#define PCAPNG_BOM 0x1A2B3C4Du
#define PCAPNG_IDB 1u
#define PCAPNG_OPB 2u
#define PCAPNG_SPB 3u
#define PCAPNG_EPB 6u
#define PCAPNG_OPT_TSRESOL 9
#define PCAPNG_OPT_TSOFFSET 14

struct pcapng_iface {
	int linktype;
	uint32_t snaplen;
	bool res_pow2; /* resolution 2^-res, else 10^-res */
	uint8_t res;
	int64_t offset_s;
};

struct pcapng_reader {
	FILE *fp;
	bool swapped; /* the section's byte order is not the host's */
	struct pcapng_iface ifaces[PCAPNG_MAX_IFACES];
	size_t n_ifaces;
	int first_linktype;
	uint8_t *body;
	size_t body_cap;
	/* pcapng_peek_linktype read one result ahead */
	bool pending;
	enum pcapng_result pending_st;
	struct pcapng_packet pending_pkt;
	char pending_why[128];
};

static uint32_t pcapng_u32(const struct pcapng_reader *r, struct reader *rd)
{
	return r->swapped ? reader_be32(rd) : reader_le32(rd);
}

static uint16_t pcapng_u16(const struct pcapng_reader *r, struct reader *rd)
{
	const uint8_t *p = reader_take(rd, 2);

	if (!p)
		return 0;
	return r->swapped ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

/* The file is read in the section's order; "swapped" means big-endian here
 * (the hosts this runs on are little-endian; pcapng_u32 reads either). */
static uint32_t pcapng_raw32(const struct pcapng_reader *r, const uint8_t *p)
{
	struct reader rd;

	reader_init(&rd, p, 4);
	return pcapng_u32(r, &rd);
}

static struct pcapng_reader *pcapng_new_mem(bool swapped)
{
	struct pcapng_reader *r = xcalloc(1, sizeof *r);

	r->swapped = swapped;
	r->first_linktype = -1;
	return r;
}

/* §4.2 options: code, length, value padded to 32 bits. */
static bool pcapng_idb_options(struct pcapng_reader *r, struct reader *rd, struct pcapng_iface *f)
{
	while (reader_left(rd) >= 4) {
		uint16_t code = pcapng_u16(r, rd);
		uint16_t len = pcapng_u16(r, rd);
		if (code == 0)
			break;
		const uint8_t *v = reader_take(rd, ((size_t)len + 3) & ~(size_t)3);
		if (!v)
			return false;
		if (code == PCAPNG_OPT_TSRESOL && len == 1) {
			f->res_pow2 = (v[0] & 0x80) != 0;
			f->res = v[0] & 0x7f;
			if ((f->res_pow2 && f->res > 63) || (!f->res_pow2 && f->res > 18))
				return false;
		} else if (code == PCAPNG_OPT_TSOFFSET && len == 8) {
			struct reader o;
			reader_init(&o, v, 8);
			uint32_t a = pcapng_u32(r, &o), b = pcapng_u32(r, &o);
			uint64_t off = r->swapped ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
			f->offset_s = (int64_t)(off & 0xffffffffULL); /* sane seconds only (136 years) */
		}
	}
	return true;
}

static enum pcapng_result pcapng_idb(struct pcapng_reader *r, const uint8_t *body, size_t len,
				     char *why, size_t whylen)
{
	struct reader rd;
	struct pcapng_iface f = {.res = 6};

	reader_init(&rd, body, len);
	f.linktype = pcapng_u16(r, &rd);
	reader_skip(&rd, 2);
	f.snaplen = pcapng_u32(r, &rd);
	if (rd.truncated || !pcapng_idb_options(r, &rd, &f)) {
		snprintf(why, whylen, "bad interface description block");
		return PCAPNG_CORRUPT;
	}
	if (r->n_ifaces == PCAPNG_MAX_IFACES) {
		snprintf(why, whylen, "more than %d interfaces", PCAPNG_MAX_IFACES);
		return PCAPNG_CORRUPT;
	}
	r->ifaces[r->n_ifaces++] = f;
	if (r->first_linktype < 0)
		r->first_linktype = f.linktype;
	return PCAPNG_EOF; /* no packet: read on */
}

/* Interface time units → microseconds since the epoch.  A lying resolution
 * or offset must not overflow: the arithmetic is unsigned and the result is
 * held to PCAPNG_MAX_US (year 2112), a time no real capture has. */
#define PCAPNG_MAX_US (1ULL << 52)
static int64_t pcapng_ts(const struct pcapng_iface *f, uint64_t t)
{
	uint64_t us;

	if (f->res_pow2) {
		uint64_t mask = f->res ? (1ULL << f->res) - 1 : 0;
		us = (t >> f->res) * 1000000ULL + (((t & mask) * 1000000ULL) >> f->res);
	} else if (f->res >= 6) {
		uint64_t div = 1;
		for (int i = 6; i < f->res; i++)
			div *= 10;
		us = t / div;
	} else {
		uint64_t mul = 1;
		for (int i = f->res; i < 6; i++)
			mul *= 10;
		us = t > PCAPNG_MAX_US / mul ? PCAPNG_MAX_US : t * mul;
	}
	if (us > PCAPNG_MAX_US)
		us = PCAPNG_MAX_US;
	int64_t v = (int64_t)us + f->offset_s * USEC_PER_SEC;
	return v < 0 ? 0 : v > (int64_t)PCAPNG_MAX_US ? (int64_t)PCAPNG_MAX_US : v;
}

/* EPB (§4.3) and the obsolete packet block: interface, time, lengths, data. */
static enum pcapng_result pcapng_epb(struct pcapng_reader *r, uint32_t type, const uint8_t *body,
				     size_t len, struct pcapng_packet *out, char *why,
				     size_t whylen)
{
	struct reader rd;

	reader_init(&rd, body, len);
	uint32_t ifid = type == PCAPNG_OPB ? pcapng_u16(r, &rd) : pcapng_u32(r, &rd);
	if (type == PCAPNG_OPB)
		reader_skip(&rd, 2); /* drops count */
	uint64_t hi = pcapng_u32(r, &rd), lo = pcapng_u32(r, &rd);
	uint32_t caplen = pcapng_u32(r, &rd), origlen = pcapng_u32(r, &rd);
	const uint8_t *data = rd.truncated ? NULL : reader_take(&rd, caplen);
	if (!data || ifid >= r->n_ifaces) {
		snprintf(why, whylen, !data ? "packet block shorter than its captured length %u"
					    : "packet on undeclared interface %u",
			 !data ? caplen : ifid);
		return PCAPNG_CORRUPT;
	}
	const struct pcapng_iface *f = &r->ifaces[ifid];
	*out = (struct pcapng_packet){.linktype = f->linktype, .ts_us = pcapng_ts(f, hi << 32 | lo),
				      .caplen = caplen, .origlen = origlen, .data = data};
	return PCAPNG_PACKET;
}

static enum pcapng_result pcapng_spb(struct pcapng_reader *r, const uint8_t *body, size_t len,
				     struct pcapng_packet *out, char *why, size_t whylen)
{
	struct reader rd;

	reader_init(&rd, body, len);
	uint32_t origlen = pcapng_u32(r, &rd);
	if (rd.truncated || r->n_ifaces == 0) {
		snprintf(why, whylen, "simple packet block without an interface");
		return PCAPNG_CORRUPT;
	}
	const struct pcapng_iface *f = &r->ifaces[0];
	size_t caplen = len - 4;
	if (origlen < caplen)
		caplen = origlen;
	if (f->snaplen && f->snaplen < caplen)
		caplen = f->snaplen;
	*out = (struct pcapng_packet){.linktype = f->linktype, .ts_us = 0,
				      .caplen = (uint32_t)caplen, .origlen = origlen,
				      .data = body + 4};
	return PCAPNG_PACKET;
}

/* Parses one block body. */
static enum pcapng_result pcapng_feed(struct pcapng_reader *r, uint32_t type, const uint8_t *body,
				      size_t len, struct pcapng_packet *out, char *why, size_t whylen)
{
	switch (type) {
	case PCAPNG_IDB:
		return pcapng_idb(r, body, len, why, whylen);
	case PCAPNG_EPB:
	case PCAPNG_OPB:
		return pcapng_epb(r, type, body, len, out, why, whylen);
	case PCAPNG_SPB:
		return pcapng_spb(r, body, len, out, why, whylen);
	default:
		return PCAPNG_EOF; /* skipped */
	}
}

/* Reads n bytes; PCAPNG_TRUNCATED if the file ends first (EOF at 0 bytes
 * when eof_ok). */
static enum pcapng_result pcapng_read(struct pcapng_reader *r, void *buf, size_t n, bool eof_ok)
{
	size_t got = fread(buf, 1, n, r->fp);

	if (got == n)
		return PCAPNG_PACKET;
	return got == 0 && eof_ok ? PCAPNG_EOF : PCAPNG_TRUNCATED;
}

/* One block's body into r->body; sets *type and *len. */
static enum pcapng_result pcapng_block(struct pcapng_reader *r, uint32_t *type, size_t *len,
				       char *why, size_t whylen)
{
	uint8_t hdr[8];
	enum pcapng_result st = pcapng_read(r, hdr, 8, true);

	if (st != PCAPNG_PACKET) {
		if (st == PCAPNG_TRUNCATED)
			snprintf(why, whylen, "file ends inside a block header");
		return st;
	}
	*type = pcapng_raw32(r, hdr);
	uint8_t bom[4];
	if (*type == PCAPNG_SHB_MAGIC) { /* a new section: its own byte order */
		if (pcapng_read(r, bom, 4, false) != PCAPNG_PACKET) {
			snprintf(why, whylen, "file ends inside a section header");
			return PCAPNG_TRUNCATED;
		}
		bool le = bom[0] == 0x4D && bom[1] == 0x3C && bom[2] == 0x2B && bom[3] == 0x1A;
		bool be = bom[0] == 0x1A && bom[1] == 0x2B && bom[2] == 0x3C && bom[3] == 0x4D;
		if (!le && !be) {
			snprintf(why, whylen, "bad section byte-order magic");
			return PCAPNG_CORRUPT;
		}
		r->swapped = be;
		r->n_ifaces = 0;
	}
	uint32_t total = pcapng_raw32(r, hdr + 4);
	size_t pre = *type == PCAPNG_SHB_MAGIC ? 12 : 8;
	if (total < pre + 4 || total % 4 || total > PCAPNG_MAX_BLOCK) {
		snprintf(why, whylen, "block length %u is impossible", total);
		return PCAPNG_CORRUPT;
	}
	*len = total - pre - 4;
	if (r->body_cap < *len + 4) {
		r->body_cap = *len + 4;
		r->body = xrealloc(r->body, r->body_cap);
	}
	if (pcapng_read(r, r->body, *len + 4, false) != PCAPNG_PACKET) {
		snprintf(why, whylen, "file ends inside a block of %u bytes", total);
		return PCAPNG_TRUNCATED;
	}
	if (pcapng_raw32(r, r->body + *len) != total) {
		snprintf(why, whylen, "block lengths disagree (%u)", total);
		return PCAPNG_CORRUPT;
	}
	return PCAPNG_PACKET;
}

enum pcapng_result pcapng_next(struct pcapng_reader *r, struct pcapng_packet *out, char *why,
			       size_t whylen)
{
	if (r->pending) {
		r->pending = false;
		*out = r->pending_pkt;
		snprintf(why, whylen, "%s", r->pending_why);
		return r->pending_st;
	}
	for (;;) {
		uint32_t type;
		size_t len;
		enum pcapng_result st = pcapng_block(r, &type, &len, why, whylen);
		if (st != PCAPNG_PACKET)
			return st;
		if (type == PCAPNG_SHB_MAGIC)
			continue;
		st = pcapng_feed(r, type, r->body, len, out, why, whylen);
		if (st != PCAPNG_EOF)
			return st;
	}
}

struct pcapng_reader *pcapng_open(FILE *fp, char *err, size_t errlen)
{
	struct pcapng_reader *r = pcapng_new_mem(false);
	uint32_t type;
	size_t len;

	r->fp = fp;
	if (pcapng_block(r, &type, &len, err, errlen) != PCAPNG_PACKET || type != PCAPNG_SHB_MAGIC) {
		r->fp = NULL;
		pcapng_close(r);
		return NULL;
	}
	r->pending = false;
	return r;
}

/* Before the first packet: the first interface's link type (for -w and -f).
 * Reads ahead up to the first Interface Description Block; what it reads
 * past is replayed by pcapng_next. */
int pcapng_peek_linktype(struct pcapng_reader *r)
{
	if (r->first_linktype >= 0 || r->pending)
		return r->first_linktype;
	r->pending_st = pcapng_next(r, &r->pending_pkt, r->pending_why, sizeof r->pending_why);
	r->pending = true;
	return r->first_linktype;
}

void pcapng_close(struct pcapng_reader *r)
{
	if (!r)
		return;
	if (r->fp)
		fclose(r->fp);
	free(r->body);
	free(r);
}
