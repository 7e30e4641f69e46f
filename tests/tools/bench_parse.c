/* bench_parse: ns/message of sip_parse_strict (libosip2 + conversion, what a
 * refresh answer costs when its verdict is asked) against sip_parse (the
 * lenient scanner, every message) on a typical INVITE with SDP and a 200 OK.
 *
 *   bench_parse [seconds-per-measurement]   (default 0.3; best of 5 runs) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/sip_parse.h"

static const char bench_invite[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.20:5060;branch=z9hG4bK-proxy-1;rport\r\n"
	"Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;received=10.0.0.10;branch=z9hG4bK776asdhds\r\n"
	"Record-Route: <sip:10.0.0.20;lr>\r\n"
	"Max-Forwards: 69\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"From: \"Alice A.\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@pc33.atlanta.example.com:5060>\r\n"
	"Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, UPDATE, PRACK\r\n"
	"Supported: 100rel, timer, replaces\r\n"
	"Session-Expires: 1800;refresher=uac\r\n"
	"Min-SE: 90\r\n"
	"User-Agent: SIPp/3.6.1\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 149\r\n"
	"\r\n"
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.101\r\n"
	"t=0 0\r\n"
	"m=audio 49172 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

static const char bench_ok[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 10.0.0.20:5060;branch=z9hG4bK-proxy-2;received=10.0.0.20\r\n"
	"Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK-caller-2\r\n"
	"Record-Route: <sip:10.0.0.20;lr>\r\n"
	"From: <sip:alice@10.0.0.10>;tag=1928301774\r\n"
	"To: <sip:bob@10.0.0.30>;tag=a6c85cf\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314160 UPDATE\r\n"
	"Contact: <sip:bob@10.0.0.30:5060;transport=udp>\r\n"
	"Require: timer\r\n"
	"Session-Expires: 1800;refresher=uac\r\n"
	"Server: Microsoft-UCMA/3.0\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

typedef bool (*bench_fn)(const uint8_t *, size_t, struct sip_msg *);

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Best ns/message over 5 runs of about secs each. */
static double bench_run(bench_fn fn, const uint8_t *data, size_t len, double secs)
{
	double best = 1e30;
	long iters = 1000;
	struct sip_msg m;

	for (int run = 0; run < 6; run++) {
		double t0 = bench_now();
		for (long i = 0; i < iters; i++) {
			if (!fn(data, len, &m)) {
				fprintf(stderr, "bench_parse: message did not parse\n");
				exit(1);
			}
			sip_msg_clear(&m);
		}
		double dt = bench_now() - t0;
		if (run == 0) { /* calibration */
			iters = (long)((double)iters * secs / (dt > 1e-6 ? dt : 1e-6)) + 1;
			continue;
		}
		double ns = dt * 1e9 / (double)iters;
		if (ns < best)
			best = ns;
	}
	return best;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		const char *text;
	} msgs[] = {
		{ "INVITE with SDP", bench_invite },
		{ "200 OK (UPDATE)", bench_ok },
	};
	double secs = argc > 1 ? strtod(argv[1], NULL) : 0.3;

	if (secs <= 0 || secs > 60)
		secs = 0.3;
	sip_parse_init();
	printf("%-16s %6s %12s %12s %7s\n", "message", "bytes", "strict", "sip_parse", "ratio");
	for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
		size_t len = strlen(msgs[i].text);
		uint8_t *b = malloc(len);
		struct sip_msg m;

		if (b == NULL)
			return 1;
		memcpy(b, msgs[i].text, len);
		if (!sip_parse(b, len, &m) || !sip_parse_strict_accepts(b, len)) {
			fprintf(stderr, "bench_parse: libosip2 rejects %s\n", msgs[i].name);
			return 1;
		}
		sip_msg_clear(&m);
		double p = bench_run(sip_parse_strict, b, len, secs);
		double s = bench_run(sip_parse, b, len, secs);
		printf("%-16s %6zu %9.0f ns %9.0f ns %6.1fx\n", msgs[i].name, len, p, s, p / s);
		free(b);
	}
	return 0;
}
