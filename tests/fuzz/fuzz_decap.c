/* fuzz_decap: libFuzzer target for the decapsulation layers (issue 15):
 * VXLAN, GENEVE, GRE, ERSPAN, MPLS, IP-in-IP, PPPoE, VLAN and SCTP, nested
 * in any order up to the decoder's depth bound, with inner fragments and
 * inner TCP.  A fresh decoder per input, so a crash reproduces from its input
 * alone.  Input: up to 16 records [selector][length, 2 bytes BE][bytes]
 * (a length past the end takes the rest); the selector puts the bytes behind
 * a well-formed outer header that leads straight into one tunnel layer, so
 * the fuzzer spends its time inside the tunnels, not on the outer headers. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "capture/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_FRAMES 16
#define FUZZ_FRAME_MAX 4096

enum { OUT_ETHER, OUT_UDP, OUT_IP, OUT_ETHERTYPE, OUT_N };

/* What each selector wraps the bytes in: Ethernet as is, a UDP destination
 * port, an IPv4 protocol, or an Ethernet type. */
static const struct {
	int kind;
	uint16_t value;
} fuzz_outer[] = {
	{OUT_ETHER, 0},     {OUT_UDP, 4789},    {OUT_UDP, 8472},    {OUT_UDP, 6081},
	{OUT_IP, 47},       {OUT_IP, 4},        {OUT_IP, 41},       {OUT_IP, 132},
	{OUT_IP, 137},      {OUT_ETHERTYPE, 0x8847}, {OUT_ETHERTYPE, 0x8864},
	{OUT_ETHERTYPE, 0x8100}, {OUT_UDP, 5060}, {OUT_IP, 6},
};

static void fuzz_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	struct sip_packet *pkt = sip_packet_dup(hdr, data); /* the sink lends them */
	volatile uint8_t sink = 0;

	for (uint32_t i = 0; i < pkt->len; i++) /* every byte: ASan sees a bad length */
		sink ^= pkt->data[i];
	(void)sink;
	(*(size_t *)ctx)++;
	sip_packet_free(pkt);
}

static void fuzz_be16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet + IPv4 (+ UDP) in front of body; returns the frame length. */
static size_t fuzz_wrap(unsigned sel, const uint8_t *body, size_t n, uint8_t *out)
{
	static const uint8_t eth[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
	int kind = fuzz_outer[sel].kind;
	uint16_t v = fuzz_outer[sel].value;
	size_t at = 14;

	memcpy(out, eth, 14);
	if (kind == OUT_ETHER) {
		memcpy(out, body, n);
		return n;
	}
	if (kind == OUT_ETHERTYPE) {
		fuzz_be16(out + 12, v);
		memcpy(out + at, body, n);
		return at + n;
	}
	size_t udp = kind == OUT_UDP ? 8 : 0;
	uint8_t *ip = out + at;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	fuzz_be16(ip + 2, 20 + udp + n);
	ip[8] = 64;
	ip[9] = kind == OUT_UDP ? 17 : (uint8_t)v;
	memcpy(ip + 12, (const uint8_t[]){192, 0, 2, 1, 192, 0, 2, 2}, 8);
	at += 20;
	if (udp) {
		fuzz_be16(out + at, 40000);
		fuzz_be16(out + at + 2, v);
		fuzz_be16(out + at + 4, 8 + n);
		fuzz_be16(out + at + 6, 0);
		at += 8;
	}
	memcpy(out + at, body, n);
	return at + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[FUZZ_FRAME_MAX + 64];
	struct decoder_config cfg;
	size_t emitted = 0;

	decoder_config_defaults(&cfg);
	cfg.vxlan_ports[0] = 9999;
	cfg.n_vxlan_ports = 1;
	cfg.max_fragment_bytes = 1 << 18;
	cfg.max_tcp_streams = 16;
	cfg.max_tcp_stream_bytes = 1 << 14;
	struct decoder *d = decoder_new(&cfg, fuzz_emit, &emitted);
	int64_t now = 1700000000LL * 1000000;
	for (int i = 0; i < FUZZ_MAX_FRAMES && size >= 3; i++) {
		unsigned sel = data[0] % (sizeof fuzz_outer / sizeof fuzz_outer[0]);
		size_t n = (size_t)data[1] << 8 | data[2];
		data += 3;
		size -= 3;
		if (n > size)
			n = size;
		if (n > FUZZ_FRAME_MAX)
			n = FUZZ_FRAME_MAX;
		size_t len = fuzz_wrap(sel, data, n, frame);
		decoder_frame(d, LINK_ETHERNET, now, frame, (uint32_t)len);
		now += 1000;
		data += n;
		size -= n;
	}
	decoder_flush(d);
	decoder_free(d);
	return 0;
}
