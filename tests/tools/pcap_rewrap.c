/* pcap_rewrap: re-encodes the SIP messages of a capture in another link type,
 * VLAN stack, IP version, transport, fragmentation or TCP segmentation, so an
 * end-to-end test can check that sipwatch finds the same dialogs and messages
 * whatever the wrapping.
 *
 * Usage: pcap_rewrap IN OUT [--link DLT] [--vlan N] [--v6] [--tcp] [--frag CHUNK]
 *                           [--tcp-split N] [--tcp-reorder] [--mirror-dup]
 *   --v6          map each IPv4 address a.b.c.d to fd00::a:b:c:d
 *   --tcp         carry every message over TCP (one stream per address pair)
 *   --frag CHUNK  split IP packets into fragments of CHUNK data bytes
 *   --tcp-split N cut each TCP message into N segments (with --tcp)
 *   --tcp-reorder send each message's segments last-first (with --tcp-split)
 *   --mirror-dup  write every frame twice, 1 ms apart (a mirror port's copy) */
#include <pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "common/numparse.h"
#include "tests/support/frames.h"
#include "tests/support/pcap_writer.h"

#define REWRAP_MAX_STREAMS 256

struct rewrap {
	struct pcap_writer *w;
	int link;
	int vlan;
	bool v6, tcp, reorder, mirror_dup;
	size_t frag, split;
	struct {
		struct flow flow;
		uint32_t seq;
	} streams[REWRAP_MAX_STREAMS];
	size_t n_streams;
	unsigned long written;
};

static void rewrap_put(struct rewrap *r, int64_t ts, const struct frame_spec *s, const uint8_t *p,
		       size_t n);

/* A new stream opens with a SYN, so the decoder knows where its bytes start
 * even when the first data segment arrives out of order. */
static uint32_t *rewrap_seq(struct rewrap *r, const struct frame_spec *spec, int64_t ts)
{
	const struct flow *f = &spec->flow;

	for (size_t i = 0; i < r->n_streams; i++)
		if (net_addr_equal(&r->streams[i].flow.src, &f->src) &&
		    net_addr_equal(&r->streams[i].flow.dst, &f->dst))
			return &r->streams[i].seq;
	if (r->n_streams == REWRAP_MAX_STREAMS) {
		fprintf(stderr, "pcap_rewrap: too many TCP streams\n");
		exit(1);
	}
	r->streams[r->n_streams].flow = *f;
	r->streams[r->n_streams].seq = 1000u + (uint32_t)r->n_streams * 100000u;
	struct frame_spec syn = *spec;
	syn.tcp_seq = r->streams[r->n_streams].seq - 1;
	syn.tcp_flags = FRAME_TCP_SYN;
	size_t frag = r->frag;
	r->frag = 0;
	rewrap_put(r, ts - 1, &syn, NULL, 0);
	r->frag = frag;
	return &r->streams[r->n_streams++].seq;
}

static void rewrap_v6(struct net_addr *a)
{
	uint8_t v4[4];

	if (a->family != 4)
		return;
	memcpy(v4, a->ip, 4);
	memset(a->ip, 0, 16);
	a->ip[0] = 0xfd;
	for (int i = 0; i < 4; i++)
		a->ip[9 + 2 * i] = v4[i];
	a->family = 6;
}

static void rewrap_put(struct rewrap *r, int64_t ts, const struct frame_spec *s, const uint8_t *p,
		       size_t n)
{
	for (int copy = 0; copy < (r->mirror_dup ? 2 : 1); copy++) {
		bool ok = r->frag ? frame_write_fragments(r->w, ts + copy * 1000, s, p, n, r->frag)
				  : frame_write(r->w, ts + copy * 1000, s, p, n);
		if (!ok) {
			fprintf(stderr, "pcap_rewrap: cannot build a frame of %zu bytes\n", n);
			exit(1);
		}
		r->written++;
	}
}

static void rewrap_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	struct sip_packet *pkt = sip_packet_dup(hdr, data); /* the sink lends them */
	struct rewrap *r = ctx;
	struct frame_spec s;

	memset(&s, 0, sizeof s);
	s.linktype = r->link;
	s.vlan_tags = r->vlan;
	s.flow = pkt->flow;
	if (r->v6) {
		rewrap_v6(&s.flow.src);
		rewrap_v6(&s.flow.dst);
	}
	if (!r->tcp) {
		s.flow.transport = TRANSPORT_UDP;
		rewrap_put(r, pkt->ts_us, &s, pkt->data, pkt->len);
		sip_packet_free(pkt);
		return;
	}
	s.flow.transport = TRANSPORT_TCP;
	uint32_t *seq = rewrap_seq(r, &s, pkt->ts_us);
	size_t parts = r->split ? r->split : 1;
	size_t chunk = (pkt->len + parts - 1) / parts;
	for (size_t k = 0; k < parts; k++) {
		size_t i = r->reorder ? parts - 1 - k : k;
		size_t off = i * chunk;
		if (off >= pkt->len)
			continue;
		size_t n = pkt->len - off < chunk ? pkt->len - off : chunk;
		s.tcp_seq = *seq + (uint32_t)off;
		s.tcp_flags = FRAME_TCP_PSH | FRAME_TCP_ACK;
		rewrap_put(r, pkt->ts_us, &s, pkt->data + off, n);
	}
	*seq += pkt->len;
	sip_packet_free(pkt);
}

static size_t rewrap_num(const char *s)
{
	uint64_t v;

	if (!parse_uint(s, strlen(s), 65535, &v)) {
		fprintf(stderr, "pcap_rewrap: '%s' is not a number\n", s);
		exit(2);
	}
	return (size_t)v;
}

int main(int argc, char **argv)
{
	struct rewrap r;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct decoder_config cfg;

	memset(&r, 0, sizeof r);
	r.link = LINK_ETHERNET;
	if (argc < 3) {
		fprintf(stderr, "usage: pcap_rewrap IN OUT [--link DLT] [--vlan N] [--v6] [--tcp] "
				"[--frag CHUNK] [--tcp-split N] [--tcp-reorder] [--mirror-dup]\n");
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--link") && i + 1 < argc)
			r.link = (int)rewrap_num(argv[++i]);
		else if (!strcmp(argv[i], "--vlan") && i + 1 < argc)
			r.vlan = (int)rewrap_num(argv[++i]);
		else if (!strcmp(argv[i], "--frag") && i + 1 < argc)
			r.frag = rewrap_num(argv[++i]);
		else if (!strcmp(argv[i], "--tcp-split") && i + 1 < argc)
			r.split = rewrap_num(argv[++i]);
		else if (!strcmp(argv[i], "--v6"))
			r.v6 = true;
		else if (!strcmp(argv[i], "--tcp"))
			r.tcp = true;
		else if (!strcmp(argv[i], "--tcp-reorder"))
			r.reorder = true;
		else if (!strcmp(argv[i], "--mirror-dup"))
			r.mirror_dup = true;
		else {
			fprintf(stderr, "pcap_rewrap: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	pcap_t *p = pcap_open_offline(argv[1], errbuf);
	if (!p) {
		fprintf(stderr, "pcap_rewrap: %s\n", errbuf);
		return 1;
	}
	r.w = pcap_writer_open(argv[2], r.link);
	if (!r.w) {
		perror(argv[2]);
		return 1;
	}
	decoder_config_defaults(&cfg);
	struct decoder *d = decoder_new(&cfg, rewrap_emit, &r);
	while (pcap_next_ex(p, &h, &data) == 1)
		decoder_frame(d, pcap_datalink(p), (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec,
			      data, h->caplen);
	decoder_flush(d);
	decoder_free(d);
	pcap_close(p);
	pcap_writer_close(r.w);
	fprintf(stderr, "pcap_rewrap: %lu frames\n", r.written);
	return 0;
}
