/* pcap_frames: turns a capture into fuzzer seeds — each frame as a fuzz_packet
 * input (link selector, time step, frame) and each decoded SIP candidate as a
 * fuzz_sip input (leg byte, time step, payload).
 * Usage: pcap_frames FILE.pcap PACKET_DIR SIP_DIR */
#include <pcap.h>
#include <stdio.h>
#include <string.h>

#include "capture/decode.h"

struct seeds {
	const char *sip_dir;
	const char *base;
	unsigned n;
};

static const char *pcap_frames_base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static void pcap_frames_write(const char *dir, const char *base, const char *kind, unsigned n,
			      const unsigned char *hdr, size_t hn, const unsigned char *p, size_t len)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s-%s-%u", dir, base, kind, n);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(hdr, 1, hn, f);
	fwrite(p, 1, len, f);
	fclose(f);
}

static void pcap_frames_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	struct sip_packet *pkt = sip_packet_dup(hdr, data); /* the sink lends them */
	struct seeds *s = ctx;
	unsigned char lead[3] = {1, 100, 0};

	if (pkt->flow.transport == TRANSPORT_TCP)
		lead[0] |= 0x80;
	pcap_frames_write(s->sip_dir, s->base, "sip", s->n++, lead, 3, pkt->data, pkt->len);
	sip_packet_free(pkt);
}

static int pcap_frames_selector(int link)
{
	static const int links[] = {LINK_ETHERNET, LINK_LINUX_SLL, LINK_LINUX_SLL2, LINK_RAW,
				    LINK_NULL, LINK_LOOP, LINK_IPV4, LINK_IPV6};
	for (int i = 0; i < 8; i++)
		if (links[i] == link)
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct decoder_config cfg;
	unsigned n = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: pcap_frames FILE PACKET_DIR SIP_DIR\n");
		return 2;
	}
	pcap_t *p = pcap_open_offline(argv[1], errbuf);
	if (!p) {
		fprintf(stderr, "pcap_frames: %s\n", errbuf);
		return 1;
	}
	struct seeds s = {argv[3], pcap_frames_base(argv[1]), 0};
	int sel = pcap_frames_selector(pcap_datalink(p));
	decoder_config_defaults(&cfg);
	struct decoder *d = decoder_new(&cfg, pcap_frames_emit, &s);
	while (pcap_next_ex(p, &h, &data) == 1) {
		int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
		decoder_frame(d, pcap_datalink(p), ts, data, h->caplen);
		if (sel >= 0) {
			unsigned char hdr[5] = {(unsigned char)sel, 0x40, 0x42, 0x0f, 0};
			pcap_frames_write(argv[2], s.base, "frame", n++, hdr, 5, data, h->caplen);
		}
	}
	decoder_flush(d);
	decoder_free(d);
	pcap_close(p);
	return 0;
}
