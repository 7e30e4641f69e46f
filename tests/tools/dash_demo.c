/* dash_demo: fills a db through db/store.h with a few dialogs and runs the
 * dashboard on it — the motivating outage (doomed, counting down), a healthy
 * call, a hostile one (escape sequences, invalid UTF-8 in Call-ID, From and
 * User-Agent) and optional filler dialogs — so the dashboard can be driven
 * (by hand or by tmux) without the capture pipeline.
 *
 *   dash_demo [-n FILLER] [--live] [--utc] [--fill-only] DB
 *   dash_demo --write-pcap FILE [EPOCH]   (the hostile call as a capture, for sipwatch -r)
 *
 * --live: the clock runs on from the demo's last packet in real time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/numparse.h"
#include "db/store.h"
#include "ui/dashboard.h"
#include "ui/evidence_pcap.h"

#define MS 1000LL
#define T0 (1700000000LL * USEC_PER_SEC)
#define CLOCK_OFFLINE (T0 + 50000 * MS)

struct demo {
	struct store *store;
	uint64_t next_dialog, next_message, next_finding;
	uint64_t messages, doomed, dialogs;
	int64_t start_wall, start_clock;
	bool live;
};

static char raw_buf[4096];

/* A SIP message: first line, then header lines, then the blank line. */
static const char *demo_raw(const char *first, const char *const *hdrs)
{
	size_t o = (size_t)snprintf(raw_buf, sizeof raw_buf, "%s\r\n", first);

	for (; *hdrs && o < sizeof raw_buf; hdrs++)
		o += (size_t)snprintf(raw_buf + o, sizeof raw_buf - o, "%s\r\n", *hdrs);
	if (o < sizeof raw_buf)
		snprintf(raw_buf + o, sizeof raw_buf - o, "\r\n");
	return raw_buf;
}

static uint64_t demo_msg(struct demo *d, uint64_t dialog, int64_t ms, const char *src,
			 const char *dst, const char *method, int status, uint32_t cseq,
			 const char *cseq_method, const char *call_id, const char *raw, bool rtx)
{
	struct message_record m;

	memset(&m, 0, sizeof m);
	m.id = d->next_message++;
	m.dialog_id = dialog;
	m.ts_us = T0 + ms * MS;
	snprintf(m.src, sizeof m.src, "%s", src);
	snprintf(m.dst, sizeof m.dst, "%s", dst);
	m.transport = TRANSPORT_UDP;
	m.method = method;
	m.status = status;
	m.cseq = cseq;
	m.cseq_method = cseq_method;
	m.call_id = call_id;
	m.raw = (const uint8_t *)raw;
	m.raw_len = strlen(raw);
	m.header_len = m.raw_len;
	m.retransmission = rtx;
	store_message(d->store, &m);
	d->messages++;
	return m.id;
}

static void demo_finding(struct demo *d, uint64_t dialog, uint64_t msg, enum finding_code code,
			 int64_t ms, const char *endpoint, const char *agent, const char *detail)
{
	struct finding_record f;

	memset(&f, 0, sizeof f);
	f.id = d->next_finding++;
	f.dialog_id = dialog;
	f.message_id = msg;
	f.code = code;
	f.severity = finding_code_severity(code);
	f.ts_us = T0 + ms * MS;
	snprintf(f.endpoint, sizeof f.endpoint, "%s", endpoint);
	f.agent = agent;
	f.detail = detail;
	store_finding(d->store, &f);
}

static struct dialog_record demo_dialog(struct demo *d, const char *call_id, const char *from,
					const char *to, const char *caller, const char *callee)
{
	struct dialog_record r;

	memset(&r, 0, sizeof r);
	r.id = d->next_dialog++;
	r.call_id = call_id;
	r.from_uri = from;
	r.to_uri = to;
	r.from_tag = "1";
	r.to_tag = "2";
	r.caller_ua = caller;
	r.callee_ua = callee;
	r.transport = TRANSPORT_UDP;
	r.created = T0;
	r.established = T0 + 7 * MS;
	r.ended = TS_NONE;
	r.session_expires = 90;
	r.min_se = 90;
	r.refresher = DIALOG_REFRESHER_UAC;
	r.last_refresh = T0 + 7 * MS;
	r.deadline = T0 + 90007 * MS;
	r.teardown_expected = T0 + 60007 * MS;
	r.doomed_at = TS_NONE;
	r.state = "confirmed";
	d->dialogs++;
	return r;
}

#define A "127.0.1.10:5060"
#define P "127.0.1.20:5060"
#define B "127.0.1.30:5060"

/* u02: the callee answers the refresh UPDATE with a 200 lacking Contact and
 * Session-Expires, the proxy drops it, the caller retransmits. */
static void demo_u02(struct demo *d)
{
	const char *cid = "u02-1-14299@127.0.1.10";
	struct dialog_record r = demo_dialog(d, cid, "sip:mediation@127.0.1.10:5060",
					     "sip:ucma@127.0.1.30:5060", "SIPp mediation",
					     "RTCC/4.0.0.0 UCMA 3.0");
	const char *inv[] = {"Via: SIP/2.0/UDP 127.0.1.10:5060;branch=z9hG4bK-1",
			     "From: <sip:mediation@127.0.1.10:5060>;tag=1",
			     "To: <sip:ucma@127.0.1.30:5060>", "Call-ID: u02-1-14299@127.0.1.10",
			     "CSeq: 1 INVITE", "Contact: <sip:mediation@127.0.1.10:5060;transport=UDP>",
			     "Supported: timer", "Session-Expires: 90;refresher=uac", "Min-SE: 90",
			     "Content-Length: 0", NULL};
	const char *ok[] = {"Via: SIP/2.0/UDP 127.0.1.20:5060;branch=z9hG4bK-2",
			    "From: <sip:mediation@127.0.1.10:5060>;tag=1",
			    "To: <sip:ucma@127.0.1.30:5060>;tag=2", "Call-ID: u02-1-14299@127.0.1.10",
			    "CSeq: 1 INVITE", "Contact: <sip:ucma@127.0.1.30:5060;transport=UDP>",
			    "Require: timer", "Session-Expires: 90;refresher=uac",
			    "Server: RTCC/4.0.0.0 UCMA 3.0", "Content-Length: 0", NULL};
	const char *upd[] = {"Via: SIP/2.0/UDP 127.0.1.10:5060;branch=z9hG4bK-3",
			     "From: <sip:mediation@127.0.1.10:5060>;tag=1",
			     "To: <sip:ucma@127.0.1.30:5060>;tag=2", "Call-ID: u02-1-14299@127.0.1.10",
			     "CSeq: 2 UPDATE", "Contact: <sip:mediation@127.0.1.10:5060;transport=UDP>",
			     "Supported: timer", "Session-Expires: 90;refresher=uac", "Min-SE: 90",
			     "Content-Length: 0", NULL};
	const char *bad[] = {"Via: SIP/2.0/UDP 127.0.1.20:5060;branch=z9hG4bK-4",
			     "From: <sip:mediation@127.0.1.10:5060>;tag=1",
			     "To: <sip:ucma@127.0.1.30:5060>;tag=2", "Call-ID: u02-1-14299@127.0.1.10",
			     "CSeq: 2 UPDATE", "Server: RTCC/4.0.0.0 UCMA 3.0", "Content-Length: 0",
			     NULL};
	const char *rl = "SIP/2.0 200 OK";
	uint64_t id = r.id, m200;

	demo_msg(d, id, 0, A, P, "INVITE", 0, 1, "INVITE", cid,
		 demo_raw("INVITE sip:ucma@127.0.1.30:5060 SIP/2.0", inv), false);
	demo_msg(d, id, 3, P, A, NULL, 100, 1, "INVITE", cid, demo_raw("SIP/2.0 100 Trying", ok), false);
	demo_msg(d, id, 4, P, B, "INVITE", 0, 1, "INVITE", cid,
		 demo_raw("INVITE sip:ucma@127.0.1.30:5060 SIP/2.0", inv), false);
	demo_msg(d, id, 6, B, P, NULL, 200, 1, "INVITE", cid, demo_raw(rl, ok), false);
	demo_msg(d, id, 7, P, A, NULL, 200, 1, "INVITE", cid, demo_raw(rl, ok), false);
	demo_msg(d, id, 7, A, P, "ACK", 0, 1, "ACK", cid,
		 demo_raw("ACK sip:ucma@127.0.1.30:5060 SIP/2.0", inv), false);
	demo_msg(d, id, 45012, A, P, "UPDATE", 0, 2, "UPDATE", cid,
		 demo_raw("UPDATE sip:ucma@127.0.1.30:5060 SIP/2.0", upd), false);
	demo_msg(d, id, 45015, P, B, "UPDATE", 0, 2, "UPDATE", cid,
		 demo_raw("UPDATE sip:ucma@127.0.1.30:5060 SIP/2.0", upd), false);
	m200 = demo_msg(d, id, 45016, B, P, NULL, 200, 2, "UPDATE", cid, demo_raw(rl, bad), false);
	for (int i = 0; i < 4; i++)
		demo_msg(d, id, 45519 + (500 << i) - 500, A, P, "UPDATE", 0, 2, "UPDATE", cid,
			 demo_raw("UPDATE sip:ucma@127.0.1.30:5060 SIP/2.0", upd), true);
	demo_finding(d, id, m200, FINDING_REFRESH_2XX_NO_SESSION_EXPIRES, 45016, B,
		     "RTCC/4.0.0.0 UCMA 3.0",
		     "the 200 to the refresh UPDATE lacks Session-Expires: the refresher's timer is "
		     "not restarted, the call will be torn down at the teardown point");
	demo_finding(d, id, m200, FINDING_REFRESH_2XX_NO_CONTACT, 45016, B, "RTCC/4.0.0.0 UCMA 3.0",
		     "127.0.1.30:5060 (RTCC/4.0.0.0 UCMA 3.0) answered the refresh UPDATE without "
		     "Contact");
	demo_finding(d, id, m200, FINDING_RESPONSE_NOT_RELAYED, 45016, P, NULL,
		     "the proxy 127.0.1.20:5060 never relayed the 200 UPDATE to the refresher "
		     "127.0.1.10:5060");
	r.doomed = true;
	r.doomed_at = T0 + 45016 * MS;
	r.refreshes_failed = 1;
	r.n_messages = 13;
	r.finding_mask = 1u << FINDING_REFRESH_2XX_NO_SESSION_EXPIRES |
			 1u << FINDING_REFRESH_2XX_NO_CONTACT | 1u << FINDING_RESPONSE_NOT_RELAYED;
	store_dialog(d->store, &r);
	d->doomed++;
}

static void demo_healthy(struct demo *d)
{
	const char *cid = "u03-1-14297@127.0.2.10";
	struct dialog_record r = demo_dialog(d, cid, "sip:alice@127.0.2.10", "sip:bob@127.0.2.30",
					     "SIPp", "SIPp");
	const char *h[] = {"Call-ID: u03-1-14297@127.0.2.10", "CSeq: 2 UPDATE",
			   "Contact: <sip:bob@127.0.2.30>", "Session-Expires: 90;refresher=uac",
			   "Require: timer", NULL};
	uint64_t id = r.id;

	demo_msg(d, id, 0, "127.0.2.10:5060", "127.0.2.30:5060", "INVITE", 0, 1, "INVITE", cid,
		 demo_raw("INVITE sip:bob@127.0.2.30 SIP/2.0", h), false);
	demo_msg(d, id, 6, "127.0.2.30:5060", "127.0.2.10:5060", NULL, 200, 1, "INVITE", cid,
		 demo_raw("SIP/2.0 200 OK", h), false);
	demo_msg(d, id, 45013, "127.0.2.10:5060", "127.0.2.30:5060", "UPDATE", 0, 2, "UPDATE", cid,
		 demo_raw("UPDATE sip:bob@127.0.2.30 SIP/2.0", h), false);
	demo_msg(d, id, 45017, "127.0.2.30:5060", "127.0.2.10:5060", NULL, 200, 2, "UPDATE", cid,
		 demo_raw("SIP/2.0 200 OK", h), false);
	r.created = T0 + 2000 * MS;
	r.last_refresh = T0 + 45017 * MS;
	r.refreshes_ok = 1;
	r.deadline = r.last_refresh + 90 * USEC_PER_SEC;
	r.teardown_expected = r.deadline - 30 * USEC_PER_SEC;
	r.n_messages = 4;
	store_dialog(d->store, &r);
}

/* Escape sequences and invalid UTF-8 where the wire allows anything. */
static void demo_hostile(struct demo *d)
{
	const char *cid = "\x1b[2J\x1b[H\x1b]0;pwned\x07" "evil-\xff\xfe@h";
	struct dialog_record r =
		demo_dialog(d, cid, "<sip:\x1b[31mmallory\xe2\x80\xae\xc3\x28@evil.example>",
			    "sip:\xe6\x97\xa5\xe6\x9c\xac@example.jp", "Evil\x1b[?1049h\x1b" "cUA",
			    "\xc2\x9b" "31mX\x9b" "0m");
	const char *h[] = {"From: <sip:\x1b[31mmallory@evil.example>", "Call-ID: \x1b[2Jevil",
			   "User-Agent: Evil\x1b[?1049h\x1b" "c\r\x1b[1A", "X-Bytes: \xff\xfe\xc0\xaf",
			   NULL};
	uint64_t id = r.id;

	demo_msg(d, id, 1000, "10.9.9.9:5060", "127.0.1.20:5060", "INVITE", 0, 1, "INVITE", cid,
		 demo_raw("INVITE sip:x@\x1b[2J SIP/2.0", h), false);
	demo_msg(d, id, 1100, "127.0.1.20:5060", "10.9.9.9:5060", NULL, 200, 1, "INVITE", cid,
		 demo_raw("SIP/2.0 200 \x1b]2;title\x07OK", h), false);
	r.created = T0 + 1000 * MS;
	r.state = "confirmed";
	r.finding_mask = 1u << FINDING_SE_2XX_NO_REFRESHER;
	r.n_messages = 2;
	store_dialog(d->store, &r);
}

static void demo_filler(struct demo *d, int n)
{
	char cid[64], from[64], to[64];

	for (int i = 0; i < n; i++) {
		struct dialog_record r;

		snprintf(cid, sizeof cid, "filler-%04d@10.0.0.1", i);
		snprintf(from, sizeof from, "sip:user%04d@10.0.0.1", i);
		snprintf(to, sizeof to, "sip:svc%02d@10.0.0.2", i % 17);
		r = demo_dialog(d, cid, from, to, "Filler UA", "PBX");
		r.created = T0 + (3000 + i * 100) * MS;
		r.session_expires = 600 + 60 * (i % 20);
		r.last_refresh = r.created;
		r.deadline = r.created + r.session_expires * USEC_PER_SEC;
		r.teardown_expected = r.deadline - 32 * USEC_PER_SEC;
		if (i % 5 == 4) {
			r.end_class = END_NORMAL_BYE;
			r.ended = r.created + 20 * USEC_PER_SEC;
			r.state = "terminated";
		}
		store_dialog(d->store, &r);
	}
}

/* A complete hostile call (INVITE, 200, ACK) as a pcap for the real pipeline. */
static int demo_write_pcap(const char *path, int64_t t0)
{
	static const char *const texts[] = {
		"INVITE sip:bob@10.9.9.10 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bK-evil1\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"\x1b[2J\x1b[H\x1b]0;pwned\x07Mallory\xff\xfe\" <sip:mallory@10.9.9.9>;tag=e1\r\n"
		"To: <sip:bob@10.9.9.10>\r\n"
		"Call-ID: evil\x1b[2J\xc3\x28-1@10.9.9.9\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:mallory@10.9.9.9>\r\n"
		"User-Agent: Evil\x1b[?1049h\x1b" "c\x9b" "31m\xe2\x80\xaeUA\r\n"
		"Supported: timer\r\n"
		"Session-Expires: 1800;refresher=uac\r\n"
		"Content-Length: 0\r\n\r\n",
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bK-evil1\r\n"
		"From: \"\x1b[2J\x1b[H\x1b]0;pwned\x07Mallory\xff\xfe\" <sip:mallory@10.9.9.9>;tag=e1\r\n"
		"To: <sip:bob@10.9.9.10>;tag=b1\r\n"
		"Call-ID: evil\x1b[2J\xc3\x28-1@10.9.9.9\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:bob@10.9.9.10>\r\n"
		"Server: \x1b[31mRed\x1b[0m\r\n"
		"Require: timer\r\n"
		"Session-Expires: 1800;refresher=uac\r\n"
		"Content-Length: 0\r\n\r\n",
		"ACK sip:bob@10.9.9.10 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bK-evil2\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"\x1b[2J\x1b[H\x1b]0;pwned\x07Mallory\xff\xfe\" <sip:mallory@10.9.9.9>;tag=e1\r\n"
		"To: <sip:bob@10.9.9.10>;tag=b1\r\n"
		"Call-ID: evil\x1b[2J\xc3\x28-1@10.9.9.9\r\n"
		"CSeq: 1 ACK\r\n"
		"Content-Length: 0\r\n\r\n",
	};
	struct message_record m[3];
	char err[256];
	size_t frames;

	for (int i = 0; i < 3; i++) {
		memset(&m[i], 0, sizeof m[i]);
		m[i].ts_us = t0 + (i * 20 + 1) * MS;
		snprintf(m[i].src, sizeof m[i].src, "%s", i == 1 ? "10.9.9.10:5060" : "10.9.9.9:5060");
		snprintf(m[i].dst, sizeof m[i].dst, "%s", i == 1 ? "10.9.9.9:5060" : "10.9.9.10:5060");
		m[i].raw = (const uint8_t *)texts[i];
		m[i].raw_len = strlen(texts[i]);
	}
	if (!evidence_pcap_save(path, m, 3, &frames, err, sizeof err)) {
		fprintf(stderr, "dash_demo: %s\n", err);
		return 1;
	}
	return 0;
}

static int64_t demo_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void demo_counters(void *ctx, struct dashboard_counters *out)
{
	const struct demo *d = ctx;

	memset(out, 0, sizeof *out);
	out->packets = d->messages + 3;
	out->sip_messages = d->messages;
	out->encrypted = 2;
	out->dialogs_total = d->dialogs;
	out->dialogs_active = d->dialogs;
	out->dialogs_doomed = d->doomed;
	out->clock_us = d->live ? d->start_clock + (demo_wall_us() - d->start_wall) : d->start_clock;
	out->input_finished = !d->live;
}

int main(int argc, char **argv)
{
	struct store_options so;
	struct capture_info ci = {.source = "demo.pcap", .kind = "file", .started = T0,
				  .ended = CLOCK_OFFLINE};
	struct demo d = {0};
	struct dashboard_config dc = {0};
	char err[512];
	uint64_t filler = 0;
	bool fill_only = false, utc = false;
	const char *path = NULL;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc &&
		    parse_uint(argv[i + 1], strlen(argv[i + 1]), 100000, &filler))
			i++;
		else if (strcmp(argv[i], "--live") == 0)
			d.live = true;
		else if (strcmp(argv[i], "--utc") == 0)
			utc = true;
		else if (strcmp(argv[i], "--fill-only") == 0)
			fill_only = true;
		else if (strcmp(argv[i], "--write-pcap") == 0 && i + 1 < argc) {
			uint64_t t0 = 0;

			if (i + 2 < argc && parse_uint(argv[i + 2], strlen(argv[i + 2]), INT64_MAX / USEC_PER_SEC, &t0))
				return demo_write_pcap(argv[i + 1], (int64_t)t0 * USEC_PER_SEC);
			return demo_write_pcap(argv[i + 1], T0);
		}
		else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: dash_demo [-n FILLER] [--live] [--utc] [--fill-only] DB\n");
		return 2;
	}
	store_options_defaults(&so);
	d.store = store_open(path, &so, err, sizeof err);
	if (!d.store) {
		fprintf(stderr, "dash_demo: %s\n", err);
		return 1;
	}
	dc.capture_id = store_begin_capture(d.store, &ci);
	store_next_ids(d.store, &d.next_dialog, &d.next_message, &d.next_finding);
	demo_u02(&d);
	demo_healthy(&d);
	demo_hostile(&d);
	demo_filler(&d, (int)filler);
	store_flush(d.store);
	if (store_failed(d.store)) {
		fprintf(stderr, "dash_demo: %s\n", store_error(d.store));
		return 1;
	}
	store_close(d.store);
	if (fill_only)
		return 0;
	d.start_wall = demo_wall_us();
	d.start_clock = CLOCK_OFFLINE;
	dc.db_path = path;
	dc.source = "demo.pcap";
	dc.live = d.live;
	dc.utc = utc;
	dc.counters = demo_counters;
	dc.ctx = &d;
	rc = dashboard_run(&dc, err, sizeof err);
	if (rc)
		fprintf(stderr, "dash_demo: %s\n", err);
	return rc;
}
