/* gen_hostile: builds the damaged and hostile captures of tests/e2e/hostile.sh.
 *
 * Usage: gen_hostile KIND OUT.pcap   (gen_hostile -l lists the kinds)
 *        gen_hostile wrap PAYLOAD OUT.pcap   one UDP frame carrying a file's
 *        bytes (how fuzzer inputs become captures under tests/captures/regress/)
 *
 * Well-formed frames come from the frame builders (tests/support/frames.h);
 * the record-level damage (lying lengths, snaplen) is written byte by byte
 * here, since no writer would produce it on purpose. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/frames.h"
#include "tests/support/pcap_writer.h"

#define T0 1700000000000000LL /* 2023-11-14, microseconds */
#define HOSTILE_MSG_MAX 70000

static uint8_t hostile_frame[FRAME_MAX];

static void hostile_die(const char *what)
{
	fprintf(stderr, "gen_hostile: %s\n", what);
	exit(1);
}

/* One SIP message text from a printf format. */
static size_t hostile_msg(char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static size_t hostile_msg(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap)
		hostile_die("message too long");
	return (size_t)n;
}

/* An INVITE with session timers: transport, Call-ID (also branch and tag),
 * extra header lines, Content-Length text and body. */
static size_t hostile_invite(char *out, size_t cap, const char *tp, const char *cid,
			     const char *extra, const char *cl, const char *sdp)
{
	return hostile_msg(out, cap,
	"INVITE sip:bob@10.0.0.2 SIP/2.0\r\n"
	"Via: SIP/2.0/%s 10.0.0.1:5060;branch=z9hG4bK%s\r\n"
	"From: <sip:alice@10.0.0.1>;tag=a%s\r\n"
	"To: <sip:bob@10.0.0.2>\r\n"
	"Call-ID: %s\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:alice@10.0.0.1:5060>\r\n"
	"Session-Expires: 90;refresher=uac\r\n"
	"Supported: timer\r\n"
	"%s"
	"Content-Length: %s\r\n\r\n%s",
			   tp, cid, cid, cid, extra, cl, sdp);
}

static void hostile_udp(struct pcap_writer *w, int64_t ts, const char *src, const char *dst,
			const char *msg, size_t len)
{
	struct frame_spec s;

	frame_spec_init(&s, LINK_ETHERNET, src, dst, TRANSPORT_UDP);
	if (!frame_write(w, ts, &s, msg, len))
		hostile_die("frame_write");
}

/* A two-message capture, small enough to cut at every byte. */
static void hostile_small(struct pcap_writer *w)
{
	static const char opt[] = "OPTIONS sip:b@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
				  "From: <sip:a@10.0.0.1>;tag=1\r\nTo: <sip:b@10.0.0.2>\r\nCall-ID: c1\r\n"
				  "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	static const char ok[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
				 "From: <sip:a@10.0.0.1>;tag=1\r\nTo: <sip:b@10.0.0.2>;tag=2\r\nCall-ID: c1\r\n"
				 "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	hostile_udp(w, T0, "10.0.0.1:5060", "10.0.0.2:5060", opt, strlen(opt));
	hostile_udp(w, T0 + 1000, "10.0.0.2:5060", "10.0.0.1:5060", ok, strlen(ok));
}

/* Raw classic-pcap pieces for the lying record headers. */
static void hostile_put32(FILE *f, uint32_t v)
{
	if (fwrite(&v, 4, 1, f) != 1)
		hostile_die("write");
}

static void hostile_file_header(FILE *f, uint32_t snaplen)
{
	hostile_put32(f, 0xa1b2c3d4);
	hostile_put32(f, 2 | 4u << 16); /* version 2.4 */
	hostile_put32(f, 0);
	hostile_put32(f, 0);
	hostile_put32(f, snaplen);
	hostile_put32(f, LINK_ETHERNET);
}

static void hostile_record(FILE *f, uint32_t i, uint32_t caplen, uint32_t origlen, const uint8_t *b,
			   size_t n)
{
	hostile_put32(f, 1700000000u + i);
	hostile_put32(f, 0);
	hostile_put32(f, caplen);
	hostile_put32(f, origlen);
	if (n && fwrite(b, 1, n, f) != n)
		hostile_die("write");
}

/* A good OPTIONS frame in hostile_frame; its length. */
static size_t hostile_good_frame(const char *callid)
{
	char msg[1024];
	struct frame_spec s;
	size_t n = hostile_msg(msg, sizeof msg,
			       "OPTIONS sip:b@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK%s\r\n"
			       "From: <sip:a@10.0.0.1>;tag=1\r\nTo: <sip:b@10.0.0.2>\r\nCall-ID: %s\r\n"
			       "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
			       callid, callid);
	frame_spec_init(&s, LINK_ETHERNET, "10.0.0.1:5060", "10.0.0.2:5060", TRANSPORT_UDP);
	return frame_build(&s, msg, n, hostile_frame, sizeof hostile_frame);
}

/* Record headers that lie: kind picks the lie; a good packet comes first so
 * "what was read" is visible. */
static void hostile_lying(const char *kind, const char *out)
{
	FILE *f = fopen(out, "wb");
	if (!f)
		hostile_die("cannot create output");
	size_t n = hostile_good_frame("good1");
	uint32_t snap = strcmp(kind, "caplen-gt-snaplen") == 0 ? 200 : 65535;
	hostile_file_header(f, snap);
	hostile_record(f, 0, (uint32_t)n, (uint32_t)n, hostile_frame, n);
	if (strcmp(kind, "caplen-gt-snaplen") == 0) {
		/* 200-byte snaplen, a record of the whole frame anyway */
		hostile_record(f, 1, (uint32_t)n, (uint32_t)n, hostile_frame, n);
	} else if (strcmp(kind, "caplen-gt-file") == 0) {
		hostile_record(f, 1, 5000, 5000, hostile_frame, 100);
	} else if (strcmp(kind, "caplen-huge") == 0) {
		hostile_record(f, 1, 0xfffffff0u, 0xfffffff0u, hostile_frame, n);
	} else if (strcmp(kind, "caplen-zero") == 0) {
		hostile_record(f, 1, 0, 60, NULL, 0);
		n = hostile_good_frame("good2");
		hostile_record(f, 2, (uint32_t)n, (uint32_t)n, hostile_frame, n);
	} else if (strcmp(kind, "origlen-lt-caplen") == 0) {
		n = hostile_good_frame("good2");
		hostile_record(f, 1, (uint32_t)n, 20, hostile_frame, n);
	} else {
		hostile_die("unknown kind");
	}
	if (fclose(f) != 0)
		hostile_die("write");
}

/* Every message of a short dialog captured with a 160-byte snaplen. */
static void hostile_snapcut(struct pcap_writer *w)
{
	char msg[2048];
	struct frame_spec s;

	frame_spec_init(&s, LINK_ETHERNET, "10.0.0.1:5060", "10.0.0.2:5060", TRANSPORT_UDP);
	for (int i = 0; i < 4; i++) {
		char cid[32];
		snprintf(cid, sizeof cid, "snap%d", i);
		size_t len = hostile_invite(msg, sizeof msg, "UDP", cid, "",
					 "0", "");
		size_t n = frame_build(&s, msg, len, hostile_frame, sizeof hostile_frame);
		size_t cut = 60 + (size_t)i * 100 < n ? 60 + (size_t)i * 100 : n;
		if (!pcap_writer_add_caplen(w, T0 + i * 1000, hostile_frame, cut, n))
			hostile_die("write");
	}
}

static const char *const hostile_bad_cl[] = {
	"4294967296000", "99999999999999999999999999", "-1", "1000000", "2147483648", "0x10", "",
	"18446744073709551615", "65536 65536",
};
#define HOSTILE_NCL (sizeof hostile_bad_cl / sizeof hostile_bad_cl[0])

/* Absurd Content-Length values over UDP, each followed by a good message. */
static void hostile_cl_udp(struct pcap_writer *w)
{
	char msg[2048], cid[32];

	for (size_t i = 0; i < HOSTILE_NCL; i++) {
		snprintf(cid, sizeof cid, "cl%zu", i);
		size_t n = hostile_invite(msg, sizeof msg, "UDP", cid, "",
				       hostile_bad_cl[i], "v=0\r\n");
		hostile_udp(w, T0 + (int64_t)i * 1000, "10.0.0.1:5060", "10.0.0.2:5060", msg, n);
	}
	size_t n = hostile_invite(msg, sizeof msg, "UDP", "after",
			       "", "0", "");
	hostile_udp(w, T0 + 100000, "10.0.0.1:5060", "10.0.0.2:5060", msg, n);
}

/* The same over one TCP connection: the decoder must neither wait for 4 GB
 * nor buffer it; then a fresh connection carries a good message. */
static void hostile_cl_tcp(struct pcap_writer *w)
{
	char msg[2048], cid[32];
	struct frame_spec s;
	int64_t ts = T0;

	for (size_t i = 0; i < HOSTILE_NCL; i++) {
		char src[32];
		snprintf(src, sizeof src, "10.0.0.1:%zu", 40000 + i);
		frame_spec_init(&s, LINK_ETHERNET, src, "10.0.0.2:5060", TRANSPORT_TCP);
		s.tcp_seq = 1000;
		s.tcp_flags = FRAME_TCP_SYN;
		if (!frame_write_next(w, ts++, &s, "", 0))
			hostile_die("write");
		s.tcp_flags = 0;
		snprintf(cid, sizeof cid, "tcl%zu", i);
		size_t n = hostile_invite(msg, sizeof msg, "TCP", cid, "",
				       hostile_bad_cl[i], "v=0\r\n");
		if (!frame_write_next(w, ts++, &s, msg, n))
			hostile_die("write");
		/* more bytes that claim to be the body */
		memset(msg, 'b', 1400);
		for (int k = 0; k < 8; k++)
			if (!frame_write_next(w, ts++, &s, msg, 1400))
				hostile_die("write");
	}
	frame_spec_init(&s, LINK_ETHERNET, "10.0.0.1:49999", "10.0.0.2:5060", TRANSPORT_TCP);
	s.tcp_seq = 5000;
	size_t n = hostile_invite(msg, sizeof msg, "TCP", "tafter",
			       "", "0", "");
	if (!frame_write_next(w, ts + 100000, &s, msg, n))
		hostile_die("write");
}

/* 60 kB of headers: one UDP datagram (IPv4, and fragmented), and over TCP. */
static void hostile_bighdr(struct pcap_writer *w)
{
	static char msg[HOSTILE_MSG_MAX], extra[62000];
	struct frame_spec s;
	size_t e = 0;

	while (e + 100 < 60000) /* 600 header lines of 100 bytes */
		e += (size_t)snprintf(extra + e, sizeof extra - e, "X-Big-%04zu: %086d\r\n", e / 100, 7);
	size_t n = hostile_invite(msg, sizeof msg, "UDP", "big1",
			       extra, "0", "");
	hostile_udp(w, T0, "10.0.0.1:5060", "10.0.0.2:5060", msg, n);
	frame_spec_init(&s, LINK_ETHERNET, "10.0.0.1:5060", "10.0.0.2:5060", TRANSPORT_UDP);
	s.ip_id = 77;
	n = hostile_invite(msg, sizeof msg, "UDP", "big2", extra, "0", "");
	if (!frame_write_fragments(w, T0 + 1000, &s, msg, n, 1480))
		hostile_die("fragments");
	/* one header line of 60 kB */
	memset(extra, 'A', 60000);
	memcpy(extra, "X-Long: ", 8);
	memcpy(extra + 60000, "\r\n", 3);
	n = hostile_invite(msg, sizeof msg, "UDP", "big3", extra, "0", "");
	hostile_udp(w, T0 + 2000, "10.0.0.1:5060", "10.0.0.2:5060", msg, n);
	frame_spec_init(&s, LINK_ETHERNET, "10.0.0.1:40000", "10.0.0.2:5060", TRANSPORT_TCP);
	s.tcp_seq = 1;
	n = hostile_invite(msg, sizeof msg, "TCP", "big4", extra, "0", "");
	for (size_t off = 0; off < n; off += 1400) {
		size_t k = n - off < 1400 ? n - off : 1400;
		if (!frame_write_next(w, T0 + 3000 + (int64_t)off, &s, msg + off, k))
			hostile_die("write");
	}
}

/* Bytes a terminal or a JSON reader could trip on, in every displayed or
 * stored header: NUL, CSI and OSC escape sequences, 8-bit CSI, DEL, invalid
 * and overlong UTF-8, a lone surrogate, a cut multi-byte sequence. */
static const char *const hostile_evil[] = {
	"a\033[2Jb",
	"t\033]0;pwned\007x",
	"\xff\xfe\xc0\x80",
	"c\x9b" "31m",
	"\xed\xa0\x80z",
	"q\x7f\x01\x1b",
	"\"\\\\\"\\u0000</script>",
	"e\xe2\x80\xa8\xe2\x80",
	"n\0ul",
};
#define HOSTILE_NEVIL (sizeof hostile_evil / sizeof hostile_evil[0])

static size_t hostile_evil_cat(char *out, size_t cap, const char *pre, const char *evil,
			       size_t elen, const char *post)
{
	size_t a = strlen(pre), c = strlen(post);
	if (a + elen + c > cap)
		hostile_die("evil too long");
	memcpy(out, pre, a);
	memcpy(out + a, evil, elen);
	memcpy(out + a + elen, post, c);
	return a + elen + c;
}

static void hostile_evil_dialog(struct pcap_writer *w, size_t i, int64_t ts)
{
	static char msg[8192];
	const char *ev = hostile_evil[i];
	/* "n\0ul" is 4 bytes; the others are C strings */
	size_t el = i == HOSTILE_NEVIL - 1 ? 4 : strlen(ev);
	size_t n = 0;
	char cid[32];

	snprintf(cid, sizeof cid, "evil%zu-", i);
	n += hostile_evil_cat(msg + n, sizeof msg - n, "INVITE sip:bob@10.0.0.2 SIP/2.0\r\n"
				"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKe", "", 0, cid);
	n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nFrom: \"", ev, el, "\" <sip:alice@10.0.0.1>;tag=f");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nTo: \"", ev, el, "\" <sip:bob@10.0.0.2>");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nCall-ID: ", cid, strlen(cid), "");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "", ev, el, "@host");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nCSeq: 1 INVITE\r\nUser-Agent: ", ev, el, "");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nContact: <sip:", ev, el, "@10.0.0.1>");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nSession-Expires: 90;refresher=uac\r\n"
				"Content-Length: 0\r\n\r\n", "", 0, "");
	hostile_udp(w, ts, "10.0.0.1:5060", "10.0.0.2:5060", msg, n);

	/* the answer: an error with the same bytes in its reason phrase and Server */
	n = 0;
	n += hostile_evil_cat(msg + n, sizeof msg - n, "SIP/2.0 503 ", ev, el, "\r\n");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKe", cid, strlen(cid), "");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nFrom: \"", ev, el, "\" <sip:alice@10.0.0.1>;tag=f");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nTo: \"", ev, el, "\" <sip:bob@10.0.0.2>;tag=t");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nCall-ID: ", cid, strlen(cid), "");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "", ev, el, "@host");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nCSeq: 1 INVITE\r\nServer: ", ev, el, "");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nContact: <sip:", ev, el, "@10.0.0.2>");
	n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nContent-Length: 0\r\n\r\n", "", 0, "");
	hostile_udp(w, ts + 1000, "10.0.0.2:5060", "10.0.0.1:5060", msg, n);
}

/* The same bytes in a dialog that gets established, refreshed with a bad 2xx
 * (so findings quote them) and left to time out. */
static void hostile_evil_doomed(struct pcap_writer *w, size_t i, int64_t ts)
{
	static char msg[8192];
	const char *ev = hostile_evil[i];
	size_t el = i == HOSTILE_NEVIL - 1 ? 4 : strlen(ev);
	char cid[32];
	static const char *const what[] = {"INVITE", "200", "ACK", "UPDATE", "200u"};

	snprintf(cid, sizeof cid, "doom%zu-", i);
	for (int k = 0; k < 5; k++) {
		size_t n = 0;
		bool req = what[k][0] != '2';
		const char *meth = k == 4 ? "UPDATE" : k == 1 ? "INVITE" : what[k];
		unsigned cseq = k >= 3 ? 2 : 1;
		if (req)
			n += (size_t)snprintf(msg, sizeof msg, "%s sip:bob@10.0.0.2 SIP/2.0\r\n", meth);
		else
			n += hostile_evil_cat(msg, sizeof msg, "SIP/2.0 200 ", ev, el, "\r\n");
		n += hostile_evil_cat(msg + n, sizeof msg - n, "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKd", cid, strlen(cid), what[k]);
		n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nFrom: \"", ev, el, "\" <sip:alice@10.0.0.1>;tag=f");
		n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nTo: \"", ev, el, k ? "\" <sip:bob@10.0.0.2>;tag=t" : "\" <sip:bob@10.0.0.2>");
		n += hostile_evil_cat(msg + n, sizeof msg - n, "\r\nCall-ID: ", cid, strlen(cid), "");
		n += hostile_evil_cat(msg + n, sizeof msg - n, "", ev, el, "@host");
		n += (size_t)snprintf(msg + n, sizeof msg - n, "\r\nCSeq: %u %s\r\n", cseq, k == 2 ? "ACK" : meth);
		n += hostile_evil_cat(msg + n, sizeof msg - n, req ? "User-Agent: " : "Server: ", ev, el, "\r\n");
		if (k < 4) /* the refresh's 200 has no Contact and no Session-Expires */
			n += hostile_evil_cat(msg + n, sizeof msg - n, "Contact: <sip:", ev, el,
					      "@10.0.0.1>\r\nSession-Expires: 90;refresher=uac\r\n"
					      "Supported: timer\r\nRequire: timer\r\n");
		n += (size_t)snprintf(msg + n, sizeof msg - n, "Content-Length: 0\r\n\r\n");
		if (req)
			hostile_udp(w, ts + k * 1000000LL, "10.0.0.1:5060", "10.0.0.2:5060", msg, n);
		else
			hostile_udp(w, ts + k * 1000000LL, "10.0.0.2:5060", "10.0.0.1:5060", msg, n);
	}
}

static void hostile_evil_all(struct pcap_writer *w)
{
	for (size_t i = 0; i < HOSTILE_NEVIL; i++)
		hostile_evil_dialog(w, i, T0 + (int64_t)i * 10000);
	for (size_t i = 0; i < HOSTILE_NEVIL; i++)
		hostile_evil_doomed(w, i, T0 + 1000000 + (int64_t)i * 10000);
}

static void hostile_wrap(const char *payload, struct pcap_writer *w)
{
	static char buf[65000];
	FILE *f = fopen(payload, "rb");
	if (!f)
		hostile_die("cannot read payload");
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	hostile_udp(w, T0, "10.0.0.1:5060", "10.0.0.2:5060", buf, n);
}

static const char *const hostile_kinds[] = {
	"small", "caplen-gt-snaplen", "caplen-gt-file", "caplen-huge", "caplen-zero",
	"origlen-lt-caplen", "snapcut", "cl-udp", "cl-tcp", "bighdr", "evil",
};

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "-l") == 0) {
		for (size_t i = 0; i < sizeof hostile_kinds / sizeof hostile_kinds[0]; i++)
			puts(hostile_kinds[i]);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "wrap") == 0) {
		struct pcap_writer *w = pcap_writer_open(argv[3], LINK_ETHERNET);
		if (!w)
			hostile_die("cannot create output");
		hostile_wrap(argv[2], w);
		return pcap_writer_close(w) ? 0 : 1;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: gen_hostile KIND OUT.pcap | wrap PAYLOAD OUT.pcap | -l\n");
		return 2;
	}
	const char *k = argv[1];
	if (strncmp(k, "caplen-", 7) == 0 || strcmp(k, "origlen-lt-caplen") == 0) {
		hostile_lying(k, argv[2]);
		return 0;
	}
	struct pcap_writer *w = pcap_writer_open(argv[2], LINK_ETHERNET);
	if (!w)
		hostile_die("cannot create output");
	if (strcmp(k, "small") == 0)
		hostile_small(w);
	else if (strcmp(k, "snapcut") == 0)
		hostile_snapcut(w);
	else if (strcmp(k, "cl-udp") == 0)
		hostile_cl_udp(w);
	else if (strcmp(k, "cl-tcp") == 0)
		hostile_cl_tcp(w);
	else if (strcmp(k, "bighdr") == 0)
		hostile_bighdr(w);
	else if (strcmp(k, "evil") == 0)
		hostile_evil_all(w);
	else
		hostile_die("unknown kind");
	return pcap_writer_close(w) ? 0 : 1;
}
